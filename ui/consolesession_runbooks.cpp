// ConsoleSession: incident runbooks (docs/incidents.md, "Runbooks" and "Wiring"). The runbooks
// of an application's config repository are read from the remote's mirror at the branch the
// application follows, on the Git worker thread; a proposal is made on the same tree and
// described like any change (impact, object diff, risks), then submitted with
// submitConfigChange — nothing is written before the user approves the commit's diff and the
// pull request.

#include "configchange.h"
#include "consolesession.h"

#include "argocd/client.h"
#include "fleet/fleetstore.h"
#include "gitops/applications.h"
#include "gitops/gitprovider.h"
#include "gitops/gitremotes.h"
#include "gitops/gitrepository.h"
#include "gitops/prdraft.h"
#include "incident/runbooks.h"

#include <QPointer>
#include <QThreadPool>

namespace sextant::ui {

namespace {

gitops::GitCredentials runbookCredentials(const gitops::GitRemote& remote, const QString& token) {
    gitops::GitCredentials c;
    if (!remote.isLocal() && !token.isEmpty()) {
        c.username = remote.username;
        c.secret = token;
    }
    return c;
}

// The branch the application follows when its targetRevision names one of the mirror's
// branches, else the repository's default branch (tags and commits are not a base to propose
// on), with its newest commit.
Result<std::pair<QString, QString>> followedBranch(gitops::GitRepository& git,
                                                   const QString& targetRevision) {
    QString branch;
    if (!targetRevision.isEmpty() && targetRevision != QLatin1String("HEAD") &&
        git.resolve(QStringLiteral("refs/heads/") + targetRevision).ok()) {
        branch = targetRevision;
    } else {
        auto fallback = git.defaultBranch();
        if (!fallback)
            return fallback.error();
        branch = fallback.value();
    }
    auto sha = git.resolve(QStringLiteral("refs/heads/") + branch);
    if (!sha)
        return sha.error();
    return std::make_pair(branch, sha.value());
}

Error noRemote(const QString& repoURL, const QString& what) {
    return Error::make(Error::Kind::Config,
                       QObject::tr("No Git repository is set up for %1").arg(repoURL),
                       QObject::tr("Add it under Tools → Git repositories… to %1.").arg(what));
}

} // namespace

void ConsoleSession::loadRunbooks(
    const QString& appKey, std::function<void(QVector<incident::Runbook>, QStringList)> done) {
    const int row = m_store->indexOf(appKey);
    if (row < 0) {
        done({}, {tr("%1 is not in the fleet").arg(appKey)});
        return;
    }
    const argocd::AppSummary app = m_store->at(row);
    if (app.repoURL.isEmpty()) {
        done({}, {tr("%1 has no Git source to read runbooks from").arg(app.name)});
        return;
    }
    const std::optional<gitops::GitRemote> remote = m_gitRemotes->find(app.repoURL);
    if (!remote) {
        const Error e = noRemote(app.repoURL, tr("load its runbooks"));
        done({}, {e.shortMessage + QStringLiteral(". ") + e.details});
        return;
    }
    const QString cacheRoot = gitCacheRoot();
    gitToken(*remote, [this, remote = *remote, app, cacheRoot, done](Result<QString> token) {
        const QString secret = token.ok() ? token.value() : QString();
        QPointer<ConsoleSession> self(this);
        m_gitPool->start([self, remote, app, cacheRoot, secret, done] {
            incident::RunbookSet set;
            auto git = gitops::GitRepository::mirror(remote.effectiveCloneURL(), cacheRoot,
                                                     runbookCredentials(remote, secret));
            Result<std::pair<QString, QString>> base =
                git ? followedBranch(*git.value(), app.targetRevision)
                    : Result<std::pair<QString, QString>>(git.error());
            auto tree = base ? git.value()->tree(base->second)
                             : Result<std::unique_ptr<gitops::GitTree>>(base.error());
            if (!tree)
                set.errors.append(QObject::tr("Could not read %1: %2")
                                      .arg(remote.repoURL, tree.error().shortMessage));
            else
                set = incident::loadRunbooks(*tree.value());
            if (!self)
                return;
            QMetaObject::invokeMethod(
                self, [set = std::move(set), done] { done(set.runbooks, set.errors); });
        });
    });
}

void ConsoleSession::draftRunbookChange(const QString& appKey, const incident::Runbook& runbook,
                                        const metrics::Alert& alert,
                                        std::function<void(Result<ConfigChangeDraft>)> done) {
    const int row = m_store->indexOf(appKey);
    if (row < 0) {
        done(Error::make(Error::Kind::NotFound, tr("%1 is not in the fleet").arg(appKey)));
        return;
    }
    const argocd::AppSummary app = m_store->at(row);
    const std::optional<gitops::GitRemote> remote = m_gitRemotes->find(app.repoURL);
    if (!remote) {
        done(noRemote(app.repoURL, tr("propose its runbooks as pull requests")));
        return;
    }
    // The full Application says which Helm value files it uses (a scale runbook without a
    // pinned file edits the last one that sets the count); without it the table row will do.
    QPointer<ConsoleSession> self(this);
    auto withApp = [self, app, runbook, alert, remote = *remote, done](gitops::AppRef appRef) {
        if (!self)
            return;
        const QString cacheRoot = self->gitCacheRoot();
        self->gitToken(remote, [self, remote, app, appRef, runbook, alert, cacheRoot,
                                done](Result<QString> token) {
            if (!self)
                return;
            const QString secret = token.ok() ? token.value() : QString();
            self->m_gitPool->start([self, remote, app, appRef, runbook, alert, cacheRoot, secret,
                                    done] {
                auto work = [&]() -> Result<ConfigChangeDraft> {
                    auto git = gitops::GitRepository::mirror(remote.effectiveCloneURL(), cacheRoot,
                                                             runbookCredentials(remote, secret));
                    if (!git)
                        return git.error();
                    auto base = followedBranch(*git.value(), app.targetRevision);
                    if (!base)
                        return base.error();
                    auto baseTree = git.value()->tree(base->second);
                    if (!baseTree)
                        return baseTree.error();
                    incident::ProposeOptions options;
                    for (const gitops::AppSourceRef& s : appRef.sources)
                        if (s.repoURL == app.repoURL || appRef.sources.size() == 1) {
                            options.valueFiles = s.valueFiles;
                            options.sourcePath = s.path;
                            break;
                        }
                    auto proposal =
                        incident::proposeRunbook(runbook, alert, app, *baseTree.value(), options);
                    if (!proposal)
                        return proposal.error();

                    ConfigChangeDraft d;
                    d.source.kind = ConfigChangeSource::Kind::Remote;
                    d.source.repoURL = remote.repoURL;
                    d.source.localChanges = true; // the runbook's edit is a new commit
                    d.repoURL = remote.repoURL;
                    d.remote = remote;
                    d.baseBranch = base->first;
                    d.baseSha = base->second;
                    d.baseLabel = QStringLiteral("%1 (%2)").arg(d.baseBranch, d.baseSha.left(7));
                    d.headLabel = QObject::tr("runbook %1").arg(runbook.id);
                    gitops::OverlayTree head(*baseTree.value());
                    gitops::ChangeRequest request;
                    for (const gitops::DraftEdit& e : proposal->edits) {
                        d.edits.push_back({e.path, e.after});
                        head.put(e.path, e.after);
                        request.changes.push_back(
                            {gitops::FileChange::Kind::Modified, e.path, e.path});
                    }
                    d.diff = proposal->diff;
                    request.base = baseTree.value().get();
                    request.head = &head;
                    request.repoURL = remote.repoURL;
                    request.apps = {appRef};
                    request.repositoryLabel = remote.repoURL;
                    request.baseLabel = d.baseLabel;
                    request.headLabel = d.headLabel;
                    request.options.budget =
                        gitops::providerBudget(gitops::providerKindName(remote.provider.kind));
                    auto described = gitops::describeChange(request);
                    if (!described)
                        return described.error();
                    // The runbook's own title and text lead the pull request; the description
                    // of what the edit does to the fleet follows.
                    gitops::ChangeDescription c = std::move(described.value());
                    c.description.title = proposal->title;
                    if (c.description.parts.isEmpty())
                        c.description.parts.append(proposal->body);
                    else
                        c.description.parts[0] =
                            proposal->body + QStringLiteral("\n\n---\n\n") + c.description.parts[0];
                    d.description = std::make_shared<const gitops::ChangeDescription>(std::move(c));
                    d.suggestedBranch = proposal->branchName;
                    d.fleetApplications = 1;
                    if (!proposal->explanation.isEmpty())
                        d.notes.append(proposal->explanation);
                    d.notes.append(proposal->notes);
                    return d;
                };
                Result<ConfigChangeDraft> result = work();
                if (!self)
                    return;
                QMetaObject::invokeMethod(self, [result = std::move(result), done]() mutable {
                    done(std::move(result));
                });
            });
        });
    };
    argocd::Client* c = client(app.instance);
    if (!c) {
        withApp(appRefFromSummary(app, app.instance));
        return;
    }
    c->getApplication(app.name, app.appNamespace, [withApp, app](Result<nlohmann::json> json) {
        Result<gitops::AppRef> ref =
            json ? gitops::applicationFromJson(json.value(), QStringLiteral("application"))
                 : Result<gitops::AppRef>(json.error());
        if (!ref) {
            withApp(appRefFromSummary(app, app.instance));
            return;
        }
        gitops::AppRef r = std::move(ref.value());
        r.instance = app.instance;
        withApp(std::move(r));
    });
}

} // namespace sextant::ui
