#include "demorepos.h"

#include "gitops/gitrepository.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>

#include <algorithm>

namespace sextant::gitops {

QString defaultDemoGitopsRoot() {
    return QStringLiteral(":/sextant/demo-gitops");
}

Result<std::vector<DemoRepo>> demoRepositories(const QString& root) {
    const QDir base(root);
    if (!base.exists())
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("no demo GitOps repositories at %1").arg(root));
    std::vector<DemoRepo> repos;
    const QStringList orgs = base.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& org : orgs) {
        const QDir orgDir(base.filePath(org));
        for (const QString& name :
             orgDir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
            DemoRepo repo;
            repo.org = org;
            repo.name = name;
            repo.repoURL = QStringLiteral("https://git.example.com/%1/%2.git").arg(org, name);
            const QDir repoDir(orgDir.filePath(name));
            QDirIterator it(repoDir.path(), QDir::Files | QDir::Hidden,
                            QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString file = it.next();
                QFile f(file);
                if (!f.open(QIODevice::ReadOnly))
                    return Error::make(Error::Kind::Io, QStringLiteral("cannot read %1").arg(file),
                                       f.errorString());
                repo.tree.put(repoDir.relativeFilePath(file), f.readAll());
            }
            if (!repo.tree.files().isEmpty())
                repos.push_back(std::move(repo));
        }
    }
    if (repos.empty())
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("no demo GitOps repositories at %1").arg(root));
    std::sort(repos.begin(), repos.end(),
              [](const DemoRepo& a, const DemoRepo& b) { return a.repoURL < b.repoURL; });
    return repos;
}

const DemoRepo* findDemoRepo(const std::vector<DemoRepo>& repos, const QString& repoURL) {
    QString wanted = repoURL.trimmed();
    if (wanted.endsWith(QLatin1Char('/')))
        wanted.chop(1);
    if (!wanted.endsWith(QLatin1String(".git")))
        wanted += QStringLiteral(".git");
    for (const DemoRepo& r : repos)
        if (r.repoURL == wanted)
            return &r;
    return nullptr;
}

Result<QMap<QString, QString>> materialiseDemoRepositories(const QString& root,
                                                           const std::vector<DemoRepo>& repos,
                                                           const QDateTime& now) {
    QMap<QString, QString> out;
    for (const DemoRepo& repo : repos) {
        const QString dir = root + QLatin1Char('/') + repo.org + QLatin1Char('/') + repo.name +
                            QStringLiteral(".git");
        auto git = GitRepository::initBare(dir, QStringLiteral("main"));
        if (!git)
            return git.error();
        const bool checkout =
            repo.org == QLatin1String("shop") && repo.name == QLatin1String("checkout");
        const QString overlay = QStringLiteral("deploy/overlays/prod/kustomization.yaml");
        if (checkout && repo.tree.isFile(overlay)) {
            // The release that ran healthy, then the commit with the swapped digits.
            OverlayTree good(repo.tree);
            QByteArray text = *repo.tree.readFile(overlay);
            text.replace("newTag: v2.41.0", "newTag: v2.14.0");
            good.put(overlay, text);
            auto first = git.value()->commitSnapshot(
                QStringLiteral("main"), good, QStringLiteral("Release checkout v2.14.0"),
                QStringLiteral("Ana Lopez"), QStringLiteral("ana.lopez@example.com"),
                now.addSecs(-26 * 3600));
            if (!first)
                return first.error();
            auto second = git.value()->commitSnapshot(
                QStringLiteral("main"), repo.tree, QStringLiteral("Bump checkout image to v2.41.0"),
                QStringLiteral("Ben Okafor"), QStringLiteral("ben.okafor@example.com"),
                now.addSecs(-40 * 60));
            if (!second)
                return second.error();
        } else {
            auto only = git.value()->commitSnapshot(
                QStringLiteral("main"), repo.tree,
                QStringLiteral("%1/%2: deployment configuration").arg(repo.org, repo.name),
                QStringLiteral("Platform Team"), QStringLiteral("platform@example.com"),
                now.addDays(-3));
            if (!only)
                return only.error();
        }
        out.insert(repo.repoURL, git.value()->path());
    }
    return out;
}

} // namespace sextant::gitops
