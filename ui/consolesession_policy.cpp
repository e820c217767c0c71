// ConsoleSession: the custom policy rules of an application's config repository, for the
// application detail's Policy tab (docs/policy.md, "The console's Policy tab").

#include "consolesession.h"

#include "gitops/gitremotes.h"
#include "gitops/gitrepository.h"
#include "gitops/repotree.h"

#include <QPointer>
#include <QThreadPool>

namespace sextant::ui {

void ConsoleSession::policyRuleFiles(const argocd::AppSummary& app,
                                     std::function<void(Result<PolicyRuleFiles>)> done) {
    const std::optional<gitops::GitRemote> remote =
        app.repoURL.isEmpty() ? std::nullopt : m_gitRemotes->find(app.repoURL);
    if (!remote) {
        done(PolicyRuleFiles{}); // nothing set up: the built-in pack alone
        return;
    }
    const QString cacheRoot = gitCacheRoot();
    QPointer<ConsoleSession> self(this);
    gitToken(*remote, [self, remote = *remote, app, cacheRoot, done](Result<QString> token) {
        if (!self)
            return;
        // No token stored is fine for reading public or local repositories.
        gitops::GitCredentials credentials;
        if (!remote.isLocal() && token.ok() && !token.value().isEmpty()) {
            credentials.username = remote.username;
            credentials.secret = token.value();
        }
        self->m_gitPool->start([self, remote, app, cacheRoot, credentials, done] {
            auto work = [&]() -> Result<PolicyRuleFiles> {
                auto git = gitops::GitRepository::mirror(remote.effectiveCloneURL(), cacheRoot,
                                                         credentials);
                if (!git)
                    return git.error();
                // The synced commit, else the branch or tag followed, else the default branch.
                Result<QString> sha = Error::make(Error::Kind::NotFound, QString());
                if (!app.syncRevision.isEmpty())
                    sha = git.value()->resolve(app.syncRevision);
                const QString target = app.targetRevision;
                if (!sha && !target.isEmpty() && target != QLatin1String("HEAD")) {
                    sha = git.value()->resolve(QStringLiteral("refs/heads/") + target);
                    if (!sha)
                        sha = git.value()->resolve(target);
                }
                if (!sha) {
                    auto branch = git.value()->defaultBranch();
                    if (!branch)
                        return branch.error();
                    sha = git.value()->resolve(QStringLiteral("refs/heads/") + branch.value());
                }
                if (!sha)
                    return sha.error();
                auto tree = git.value()->tree(sha.value());
                if (!tree)
                    return tree.error();
                PolicyRuleFiles out;
                out.configured = true;
                out.revision = sha.value();
                QString repoName = remote.repoURL.section(QLatin1Char('/'), -1);
                if (repoName.endsWith(QLatin1String(".git")))
                    repoName.chop(4);
                // The repository root first, then each directory down to the source path.
                QStringList dirs{QString()};
                QString at;
                for (const QString& part : app.path.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
                    if (part == QLatin1String("."))
                        continue;
                    at += (at.isEmpty() ? QString() : QStringLiteral("/")) + part;
                    dirs << at;
                }
                // As `policy check` finds them for the source path: in each directory from the
                // root down to it, and anywhere below it.
                const QString source = dirs.last();
                QStringList candidates;
                for (const QString& dir : std::as_const(dirs)) {
                    const QString prefix = dir.isEmpty() ? QString() : dir + QLatin1Char('/');
                    for (const QString& entry :
                         tree.value()->list(prefix + QStringLiteral(".sextant/policy")))
                        candidates << prefix + QStringLiteral(".sextant/policy/") + entry;
                    for (const QString& entry :
                         tree.value()->list(prefix + QStringLiteral(".sextant")))
                        candidates << prefix + QStringLiteral(".sextant/") + entry;
                    candidates << prefix + QStringLiteral(".sextant-waivers.yaml");
                }
                if (!source.isEmpty())
                    candidates << tree.value()->allFiles(source);
                candidates.removeDuplicates();
                for (const QString& path : std::as_const(candidates)) {
                    const QStringList parts = path.split(QLatin1Char('/'));
                    const QString name = parts.last();
                    const QString parent = parts.value(parts.size() - 2);
                    const QString grand = parts.value(parts.size() - 3);
                    const bool rules = parent == QLatin1String("policy") &&
                                       grand == QLatin1String(".sextant") &&
                                       (name.endsWith(QLatin1String(".yaml")) ||
                                        name.endsWith(QLatin1String(".yml")));
                    const bool waivers = name == QLatin1String(".sextant-waivers.yaml") ||
                                         (parent == QLatin1String(".sextant") &&
                                          name.endsWith(QLatin1String(".waivers.yaml")));
                    const bool rego = parent == QLatin1String("policy") &&
                                      grand == QLatin1String(".sextant") &&
                                      name.endsWith(QLatin1String(".rego")) &&
                                      !name.endsWith(QLatin1String("_test.rego"));
                    if (!rules && !waivers && !rego)
                        continue;
                    std::optional<QByteArray> content = tree.value()->readFile(path);
                    if (!content)
                        continue;
                    (rules  ? out.files
                     : rego ? out.rego
                            : out.waivers)
                        .append({repoName + QLatin1Char('/') + path, *content});
                }
                return out;
            };
            Result<PolicyRuleFiles> result = work();
            if (!self)
                return;
            QMetaObject::invokeMethod(self, [result, done] { done(result); });
        });
    });
}

} // namespace sextant::ui
