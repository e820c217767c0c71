#include "gitops/gitremotes.h"

#include "gitops/applications.h"

#include <QSettings>
#include <QUrl>

namespace sextant::gitops {

bool GitRemote::isLocal() const {
    const QString url = effectiveCloneURL();
    return url.startsWith(QLatin1String("file://")) || url.startsWith(QLatin1Char('/'));
}

void GitRemoteRegistry::load() {
    QVector<GitRemote> loaded;
    QSettings settings;
    const int n = settings.beginReadArray(QStringLiteral("gitRemotes"));
    for (int i = 0; i < n; ++i) {
        settings.setArrayIndex(i);
        GitRemote r;
        r.repoURL = settings.value(QStringLiteral("repoURL")).toString();
        r.cloneURL = settings.value(QStringLiteral("cloneURL")).toString();
        r.username = settings.value(QStringLiteral("username"), r.username).toString();
        r.allowDefaultBranch = settings.value(QStringLiteral("allowDefaultBranch")).toBool();
        r.writesAllowed = settings.value(QStringLiteral("writesAllowed")).toBool();
        const auto kind =
            providerKindFromString(settings.value(QStringLiteral("provider")).toString());
        if (r.repoURL.isEmpty() || !kind)
            continue;
        r.provider.kind = *kind;
        r.provider.apiBase = QUrl(settings.value(QStringLiteral("apiBase")).toString());
        r.provider.owner = settings.value(QStringLiteral("owner")).toString();
        r.provider.repo = settings.value(QStringLiteral("repo")).toString();
        r.provider.verifyTls = settings.value(QStringLiteral("verifyTls"), true).toBool();
        loaded.append(r);
    }
    settings.endArray();
    // Replace what is saved without writing back while reading (ephemeral remotes stay).
    for (const GitRemote& r : std::as_const(loaded)) {
        bool replaced = false;
        for (int i = 0; i < m_remotes.size(); ++i)
            if (sameRepo(m_remotes[i].repoURL, r.repoURL)) {
                m_remotes[i] = r;
                m_ephemeral[i] = false;
                replaced = true;
            }
        if (!replaced) {
            m_remotes.append(r);
            m_ephemeral.append(false);
        }
    }
}

void GitRemoteRegistry::put(const GitRemote& remote, bool ephemeral) {
    for (int i = 0; i < m_remotes.size(); ++i) {
        if (sameRepo(m_remotes[i].repoURL, remote.repoURL)) {
            m_remotes[i] = remote;
            m_ephemeral[i] = ephemeral;
            if (!ephemeral)
                save();
            return;
        }
    }
    m_remotes.append(remote);
    m_ephemeral.append(ephemeral);
    if (!ephemeral)
        save();
}

void GitRemoteRegistry::remove(const QString& repoURL) {
    for (int i = 0; i < m_remotes.size(); ++i) {
        if (sameRepo(m_remotes[i].repoURL, repoURL)) {
            const bool wasSaved = !m_ephemeral[i];
            m_remotes.removeAt(i);
            m_ephemeral.removeAt(i);
            if (wasSaved)
                save();
            return;
        }
    }
}

std::optional<GitRemote> GitRemoteRegistry::find(const QString& repoURL) const {
    for (const GitRemote& r : m_remotes)
        if (sameRepo(r.repoURL, repoURL))
            return r;
    return std::nullopt;
}

void GitRemoteRegistry::save() const {
    QSettings settings;
    settings.remove(QStringLiteral("gitRemotes")); // entries of removed remotes go too
    settings.beginWriteArray(QStringLiteral("gitRemotes"));
    int index = 0;
    for (int i = 0; i < m_remotes.size(); ++i) {
        if (m_ephemeral[i])
            continue;
        const GitRemote& r = m_remotes[i];
        settings.setArrayIndex(index++);
        settings.setValue(QStringLiteral("repoURL"), r.repoURL);
        settings.setValue(QStringLiteral("cloneURL"), r.cloneURL);
        settings.setValue(QStringLiteral("username"), r.username);
        settings.setValue(QStringLiteral("allowDefaultBranch"), r.allowDefaultBranch);
        settings.setValue(QStringLiteral("writesAllowed"), r.writesAllowed);
        settings.setValue(QStringLiteral("provider"), providerKindName(r.provider.kind));
        settings.setValue(QStringLiteral("apiBase"), r.provider.apiBase.toString());
        settings.setValue(QStringLiteral("owner"), r.provider.owner);
        settings.setValue(QStringLiteral("repo"), r.provider.repo);
        settings.setValue(QStringLiteral("verifyTls"), r.provider.verifyTls);
    }
    settings.endArray();
}

} // namespace sextant::gitops
