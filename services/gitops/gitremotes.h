#pragma once

#include "gitops/gitprovider.h"

#include <QString>
#include <QVector>

#include <optional>

namespace sextant::gitops {

// Where Sextant reads and writes one config repository, and where it opens pull requests for
// it. Secrets are not here: the provider token lives in the keychain under
// secrets::CredentialStore::gitTokenKey(id()) and doubles as the HTTPS password for pushes.
struct GitRemote {
    QString repoURL;  // as Argo CD Applications name it (the key)
    QString cloneURL; // where Sextant fetches and pushes; empty = repoURL
    ProviderConfig provider;
    QString username = QStringLiteral("x-access-token"); // HTTPS user name sent with the token
    bool allowDefaultBranch = false; // commits straight to the default branch (normally never)
    // Read-write mode for this repository (pushes and pull requests, each still approved); off
    // = audit mode, every write refused.
    bool writesAllowed = false;

    QString effectiveCloneURL() const { return cloneURL.isEmpty() ? repoURL : cloneURL; }
    // Governance key (InstancePolicy mode, audit entries): the provider repository's id.
    QString id() const { return provider.id(); }
    // A clone URL without a network transport (file://, a path): no credentials are sent.
    bool isLocal() const;
};

// The configured remotes, saved in the application's settings (QSettings group "gitRemotes").
// Ephemeral remotes (the demo's) are never saved.
class GitRemoteRegistry {
public:
    GitRemoteRegistry() = default;

    void load();
    // Adds or replaces the remote for remote.repoURL (same repository: sameRepo()).
    void put(const GitRemote& remote, bool ephemeral = false);
    void remove(const QString& repoURL);
    // The remote for a repository URL as an Application names it (https/ssh/.git variants
    // compare equal), or nullopt.
    std::optional<GitRemote> find(const QString& repoURL) const;
    const QVector<GitRemote>& remotes() const { return m_remotes; }

private:
    void save() const;
    QVector<GitRemote> m_remotes;
    QVector<bool> m_ephemeral;
};

} // namespace sextant::gitops
