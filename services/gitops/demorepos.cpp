#include "demorepos.h"

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

} // namespace sextant::gitops
