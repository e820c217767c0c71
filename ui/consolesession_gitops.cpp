// ConsoleSession: config repositories, corrective commits and pull requests (docs/git.md,
// docs/corrective-commits.md, docs/git-providers.md). Git work runs on one worker thread;
// every write is approved through the gate first and its outcome audited.

#include "configchange.h"
#include "consolesession.h"
#include "correctiveproposal.h"

#include "analysis/evidence.h"
#include "argocd/client.h"
#include "fleet/fleetstore.h"
#include "gitops/applications.h"
#include "gitops/demorepos.h"
#include "gitops/gitprovider.h"
#include "gitops/gitremotes.h"
#include "gitops/gitrepository.h"
#include "gitops/impactmap.h"
#include "gitops/yamledit.h"
#include "governance/actionmode.h"
#include "governance/approvalgate.h"
#include "secrets/credentialstore.h"
#include "sim/providersim.h"
#include "sim/simulator.h"

#include <QDir>
#include <QHostInfo>
#include <QPointer>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QThreadPool>
#include <QUuid>

namespace sextant::ui {

namespace {

// Who the commit is by: the settings' git identity, else Git's environment, else the OS user.
void commitAuthor(QString& name, QString& email) {
    QSettings settings;
    name = settings.value(QStringLiteral("git/authorName")).toString();
    email = settings.value(QStringLiteral("git/authorEmail")).toString();
    if (name.isEmpty())
        name = qEnvironmentVariable("GIT_AUTHOR_NAME");
    if (email.isEmpty())
        email = qEnvironmentVariable("GIT_AUTHOR_EMAIL");
    const QString user = qEnvironmentVariable("USER", QStringLiteral("sextant"));
    if (name.isEmpty())
        name = user;
    if (email.isEmpty())
        email = user + QLatin1Char('@') + QHostInfo::localHostName();
}

gitops::GitCredentials credentialsFor(const gitops::GitRemote& remote, const QString& token) {
    gitops::GitCredentials c;
    if (!remote.isLocal() && !token.isEmpty()) {
        c.username = remote.username;
        c.secret = token;
    }
    return c;
}

// Images the application ran before, oldest first, from its resource tree: pods of the same
// workload that are healthy say which image worked (for the image-tag near-miss suggestion).
QString previousImages(const nlohmann::json& tree, const QString& failingImage) {
    QStringList lines;
    for (const nlohmann::json& node : tree.value("nodes", nlohmann::json::array())) {
        if (node.value("kind", std::string()) != "Pod")
            continue;
        const std::string health =
            node.value("health", nlohmann::json::object()).value("status", std::string());
        for (const nlohmann::json& image : node.value("images", nlohmann::json::array())) {
            if (!image.is_string())
                continue;
            const QString ref = QString::fromStdString(image.get<std::string>());
            if (ref == failingImage)
                continue;
            const QString line = ref + (health == "Healthy"    ? QStringLiteral(" healthy")
                                        : health == "Degraded" ? QStringLiteral(" unhealthy")
                                                               : QString());
            if (!lines.contains(line))
                lines.append(line);
        }
    }
    return lines.join(QLatin1Char('\n'));
}

// What corrective commits and PR drafts share: a commit of file edits on a new branch, its push
// and the pull request from that branch, or the pull request alone for a branch that is already
// on the remote. Everything the approver is shown is in the plan.
struct PushPlan {
    gitops::GitRemote remote;
    QString branch;     // the new branch (with edits) or the existing one (pull request only)
    QString baseBranch; // where the pull request goes
    QString baseSha;    // the commit the edits apply to
    QString headSha;    // pull request only: the branch's commit, for the outcome
    std::vector<gitops::FileEdit> edits; // empty: pull request only
    QString diff;                        // the exact changes of `edits`, as approved
    QString message;                     // commit message
    QString title, body;                 // pull request
};

using Progress = std::function<void(const QString&)>;
using OutcomeCallback = std::function<void(Result<CorrectiveOutcome>)>;
using TokenReader =
    std::function<void(const gitops::GitRemote&, std::function<void(Result<QString>)>)>;

// The session's pieces the flow uses; every step checks that the session still exists.
struct GitWriteContext {
    QPointer<ConsoleSession> session;
    governance::ApprovalGate* gate = nullptr;
    const governance::InstancePolicy* policy = nullptr;
    QThreadPool* pool = nullptr;
    QString cacheRoot;
    TokenReader token;
};

// The gate's audit-mode refusal speaks of instance settings; a repository's writes are switched
// on in the Git repositories dialog.
Error explainRefusal(const GitWriteContext& ctx, const gitops::GitRemote& remote, Error error) {
    if (error.kind != Error::Kind::Approval || !ctx.policy ||
        ctx.policy->mode(remote.id()) == governance::Mode::ReadWrite)
        return error;
    return Error::make(Error::Kind::Approval,
                       QObject::tr("Writes to %1 are off (audit mode): nothing was committed, "
                                   "pushed or opened")
                           .arg(remote.provider.displayName()),
                       QObject::tr("Allow them under Tools → Git repositories… (\"Allow writes\"); "
                                   "each write is still approved by you.\n%1")
                           .arg(error.details));
}

Error missingToken(const gitops::GitRemote& remote) {
    return Error::make(Error::Kind::Unauthorized,
                       QObject::tr("No token is stored for %1").arg(remote.provider.displayName()),
                       QObject::tr("Set it under Tools → Git repositories…"));
}

// (2) The pull request, approved as the exact provider request, opened or updated.
void openPullRequest(const GitWriteContext& ctx, const PushPlan& plan, const QString& secret,
                     const QString& sha, OutcomeCallback done, Progress say) {
    if (!ctx.session)
        return;
    auto* provider = new gitops::GitProvider(plan.remote.provider, ctx.session);
    provider->setToken(secret);
    gitops::PullRequestSpec spec;
    spec.sourceBranch = plan.branch;
    spec.targetBranch = plan.baseBranch;
    spec.title = plan.title;
    spec.body = plan.body;
    spec.labels = {QStringLiteral("sextant")};
    say(QObject::tr("Waiting for your approval of the pull request…"));
    ctx.gate->submit(
        provider->prepareOpenOrUpdatePullRequest(spec),
        [ctx, plan, provider, spec, done, say, sha](Result<ApprovedWrite> approvedPr) {
            if (!ctx.session || !approvedPr.ok()) {
                provider->deleteLater();
                if (ctx.session)
                    done(explainRefusal(ctx, plan.remote, approvedPr.error()));
                return;
            }
            say(QObject::tr("Opening the pull request…"));
            provider->openOrUpdatePullRequest(
                approvedPr.value(), spec,
                [ctx, provider, done, sha, spec,
                 approved = approvedPr.value()](Result<gitops::PullRequestResult> pr) {
                    provider->deleteLater();
                    if (!ctx.session)
                        return;
                    if (!pr.ok()) {
                        ctx.gate->recordOutcome(approved, pr.error(), pr.error().shortMessage);
                        done(pr.error());
                        return;
                    }
                    ctx.gate->recordOutcome(
                        approved, okStatus(),
                        QStringLiteral("%1 #%2 %3")
                            .arg(pr->created ? QStringLiteral("opened") : QStringLiteral("updated"))
                            .arg(pr->number)
                            .arg(pr->webUrl.toString()));
                    CorrectiveOutcome outcome;
                    outcome.commitSha = sha;
                    outcome.branch = spec.sourceBranch;
                    outcome.number = pr->number;
                    outcome.webUrl = pr->webUrl;
                    outcome.created = pr->created;
                    done(outcome);
                });
        });
}

// (1) The commit and the push, approved as the exact diff, then (2). Without edits: (2) only.
void commitPushAndOpen(const GitWriteContext& ctx, const PushPlan& plan, OutcomeCallback done,
                       Progress say) {
    const gitops::GitRemote& remote = plan.remote;
    if (plan.edits.empty()) {
        ctx.token(remote, [ctx, plan, done, say](Result<QString> token) {
            if (!ctx.session)
                return;
            const QString secret = token.ok() ? token.value() : QString();
            if (!plan.remote.isLocal() && secret.isEmpty()) {
                done(missingToken(plan.remote));
                return;
            }
            openPullRequest(ctx, plan, secret, plan.headSha, done, say);
        });
        return;
    }
    QString authorName, authorEmail;
    commitAuthor(authorName, authorEmail);
    WriteRequest push;
    push.instanceId = remote.id();
    push.instanceName = remote.provider.displayName();
    push.action = QStringLiteral("git-push");
    push.target = QStringLiteral("%1 %2").arg(remote.effectiveCloneURL(), plan.branch);
    push.summary = QObject::tr("Commit %n file(s) as %1 <%2> on the new branch %3 (from %4 at %5) "
                               "and push it to %6, without force",
                               nullptr, int(plan.edits.size()))
                       .arg(authorName, authorEmail, plan.branch, plan.baseBranch,
                            plan.baseSha.left(7), remote.effectiveCloneURL());
    push.method = QStringLiteral("PUSH");
    push.url = QUrl(remote.effectiveCloneURL());
    push.credentialHeader =
        remote.isLocal() ? QString()
                         : QStringLiteral("Git HTTPS user %1, password:").arg(remote.username);
    push.body = "commit message:\n" + plan.message.toUtf8() + "\n\n" + plan.diff.toUtf8();
    push.contentType.clear();

    say(QObject::tr("Waiting for your approval of the commit…"));
    ctx.gate->submit(push, [ctx, plan, authorName, authorEmail, done,
                            say](Result<ApprovedWrite> approvedPush) {
        if (!ctx.session)
            return;
        if (!approvedPush.ok()) {
            done(explainRefusal(ctx, plan.remote, approvedPush.error()));
            return;
        }
        ctx.token(plan.remote, [ctx, plan, authorName, authorEmail, done, say,
                                approved = approvedPush.value()](Result<QString> token) {
            if (!ctx.session)
                return;
            const QString secret = token.ok() ? token.value() : QString();
            if (!plan.remote.isLocal() && secret.isEmpty()) {
                const Error missing = missingToken(plan.remote);
                ctx.gate->recordOutcome(approved, missing, missing.shortMessage);
                done(missing);
                return;
            }
            say(QObject::tr("Committing and pushing %1…").arg(plan.branch));
            ctx.pool->start([ctx, plan, authorName, authorEmail, done, say, approved, secret] {
                auto work = [&]() -> Result<QString> {
                    const gitops::GitCredentials creds = credentialsFor(plan.remote, secret);
                    auto git = gitops::GitRepository::mirror(plan.remote.effectiveCloneURL(),
                                                             ctx.cacheRoot, creds);
                    if (!git)
                        return git.error();
                    if (!git.value()->resolve(plan.baseSha).ok())
                        return Error::make(
                            Error::Kind::Conflict,
                            QObject::tr("The base commit %1 is not on %2")
                                .arg(plan.baseSha.left(7), plan.remote.effectiveCloneURL()),
                            QObject::tr("Push the base branch first, or describe the change "
                                        "against a base the remote has."));
                    gitops::CommitRequest request;
                    request.branch = plan.branch;
                    request.parentRev = plan.baseSha;
                    request.message = plan.message;
                    request.authorName = authorName;
                    request.authorEmail = authorEmail;
                    request.allowDefaultBranch = plan.remote.allowDefaultBranch;
                    request.edits = plan.edits;
                    auto sha = git.value()->commitEdits(request);
                    if (!sha)
                        return sha.error();
                    auto pushed = git.value()->push(QStringLiteral("origin"), plan.branch, creds);
                    if (!pushed)
                        return pushed.error();
                    return sha.value();
                };
                Result<QString> committed = work();
                if (!ctx.session)
                    return;
                QMetaObject::invokeMethod(
                    ctx.session, [ctx, plan, done, say, approved, secret, committed] {
                        if (!ctx.session)
                            return;
                        if (!committed.ok()) {
                            ctx.gate->recordOutcome(approved, committed.error(),
                                                    committed.error().shortMessage);
                            done(committed.error());
                            return;
                        }
                        ctx.gate->recordOutcome(
                            approved, okStatus(),
                            QStringLiteral("commit %1 pushed").arg(committed.value()));
                        openPullRequest(ctx, plan, secret, committed.value(), done, say);
                    });
            });
        });
    });
}

// A branch name from a description's title: "sextant/" and the words in lower case.
QString branchFromTitle(const QString& title) {
    QString slug;
    for (const QChar c : title.toLower()) {
        if ((c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
            (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('.'))
            slug += c;
        else if (!slug.endsWith(QLatin1Char('-')))
            slug += QLatin1Char('-');
        if (slug.size() >= 48)
            break;
    }
    while (slug.endsWith(QLatin1Char('-')) || slug.endsWith(QLatin1Char('.')))
        slug.chop(1);
    while (slug.startsWith(QLatin1Char('-')) || slug.startsWith(QLatin1Char('.')))
        slug.remove(0, 1);
    slug.replace(QStringLiteral(".."), QStringLiteral("."));
    if (slug.isEmpty())
        slug = QStringLiteral("config-change-") +
               QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmm"));
    return QStringLiteral("sextant/") + slug;
}

// The unified diff of one edit against the base, as the push approval shows it.
QString editDiff(const QString& path, const QByteArray& before,
                 const std::optional<QByteArray>& after) {
    const QByteArray head = after.value_or(QByteArray());
    if (before.contains('\0') || head.contains('\0'))
        return QStringLiteral("Binary file %1 %2 (%3 → %4 bytes)\n")
            .arg(path, after ? QStringLiteral("changed") : QStringLiteral("deleted"))
            .arg(before.size())
            .arg(head.size());
    QString diff = gitops::unifiedDiff(path, before, head);
    if (!after)
        diff.replace(QStringLiteral("+++ b/") + path, QStringLiteral("+++ /dev/null"));
    else if (before.isEmpty())
        diff.replace(QStringLiteral("--- a/") + path, QStringLiteral("--- /dev/null"));
    return diff;
}

// A short branch name of `rev` as typed ("origin/main" and "refs/heads/main" are "main").
QString branchNameOf(QString rev) {
    for (const QString& prefix :
         {QStringLiteral("refs/heads/"), QStringLiteral("refs/remotes/origin/"),
          QStringLiteral("origin/")})
        if (rev.startsWith(prefix))
            return rev.mid(prefix.size());
    return rev;
}

// Whether `name` can only be a branch name, not a revision expression ("main~1", "a..b",
// "HEAD@{1}"): revparse would resolve "refs/heads/main~1" too.
bool isPlainBranchName(const QString& name) {
    static const QString forbidden = QStringLiteral(" ~^:?*[\\");
    if (name.isEmpty() || name == QLatin1String("HEAD") || name.startsWith(QLatin1Char('-')) ||
        name.endsWith(QLatin1Char('/')) || name.endsWith(QLatin1String(".lock")) ||
        name.contains(QLatin1String("..")) || name.contains(QLatin1String("@{")))
        return false;
    for (const QChar c : name)
        if (forbidden.contains(c) || c.unicode() < 0x20)
            return false;
    return true;
}

GitWriteContext writeContext(ConsoleSession* session, governance::ApprovalGate* gate,
                             const governance::InstancePolicy* policy, QThreadPool* pool,
                             const QString& cacheRoot, TokenReader token) {
    GitWriteContext ctx;
    ctx.session = session;
    ctx.gate = gate;
    ctx.policy = policy;
    ctx.pool = pool;
    ctx.cacheRoot = cacheRoot;
    ctx.token = std::move(token);
    return ctx;
}

} // namespace

QString CorrectiveProposal::pullRequestBody(const QString& findingSummary) const {
    QString body = QStringLiteral("### Why\n\n%1\n\n").arg(draft.explanation);
    if (!findingSummary.isEmpty())
        body += QStringLiteral("Diagnosis of **%1**: %2\n\n").arg(appName, findingSummary);
    for (const gitops::DraftEdit& edit : draft.edits)
        body += QStringLiteral("- `%1`: %2\n").arg(edit.path, edit.why);
    body += QLatin1Char('\n');
    if (description && !description->description.parts.isEmpty())
        body += description->description.parts.first();
    return body;
}

void ConsoleSession::addEphemeralGitRemote(const gitops::GitRemote& remote, const QString& token) {
    m_gitRemotes->put(remote, /*ephemeral=*/true);
    m_gitTokens.insert(remote.id(), token);
    m_policy->setMode(remote.id(),
                      remote.writesAllowed ? governance::Mode::ReadWrite : governance::Mode::Audit);
}

void ConsoleSession::saveGitRemote(const gitops::GitRemote& remote, const QString& token,
                                   std::function<void(Status)> done) {
    if (Status valid = remote.provider.validate(); !valid.ok()) {
        done(valid);
        return;
    }
    auto commit = [this, remote, done] {
        m_gitRemotes->put(remote);
        m_policy->setMode(remote.id(), remote.writesAllowed ? governance::Mode::ReadWrite
                                                            : governance::Mode::Audit);
        done(okStatus());
    };
    if (token.isEmpty()) {
        commit();
        return;
    }
    m_secrets->write(secrets::CredentialStore::gitTokenKey(remote.id()), token,
                     [commit, done](Status written) {
                         if (!written.ok()) {
                             done(written);
                             return;
                         }
                         commit();
                     });
}

QString ConsoleSession::gitCacheRoot() const {
    if (m_demoGit && m_demoGit->isValid())
        return m_demoGit->filePath(QStringLiteral("mirrors"));
    return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/git");
}

void ConsoleSession::gitToken(const gitops::GitRemote& remote,
                              std::function<void(Result<QString>)> done) {
    if (auto it = m_gitTokens.constFind(remote.id()); it != m_gitTokens.constEnd()) {
        done(*it);
        return;
    }
    m_secrets->read(secrets::CredentialStore::gitTokenKey(remote.id()), std::move(done));
}

void ConsoleSession::startDemoGit() {
    if (m_demoGit)
        return;
    m_demoGit = std::make_unique<QTemporaryDir>();
    if (!m_demoGit->isValid())
        return;
    const QString root = m_demoGit->filePath(QStringLiteral("repositories"));
    const QString token = QUuid::createUuid().toString(QUuid::WithoutBraces);
    // The repositories and the provider server live on the simulator's thread, like the demo's
    // Argo CD instances; the remotes come back here.
    QMetaObject::invokeMethod(m_sim, [this, sim = m_sim, root, token] {
        auto repos = gitops::demoRepositories();
        Result<QMap<QString, QString>> made =
            repos ? gitops::materialiseDemoRepositories(root, repos.value(),
                                                        QDateTime::currentDateTimeUtc())
                  : Result<QMap<QString, QString>>(repos.error());
        // The demo applications' history then names these repositories' real commits (by
        // message), so rollback candidates and revert pull requests find them in Git.
        if (made) {
            for (auto it = made.value().constBegin(); it != made.value().constEnd(); ++it) {
                auto git = gitops::GitRepository::open(it.value());
                auto log = git ? git.value()->log(QStringLiteral("main"), 50)
                               : Result<std::vector<gitops::CommitInfo>>(git.error());
                if (!log)
                    continue;
                QHash<QString, QString> bySummary;
                for (const gitops::CommitInfo& c : log.value())
                    bySummary.insert(c.summary, c.sha);
                sim->relinkRevisions(it.key(), bySummary);
            }
        }
        auto* provider = new sim::ProviderSim(sim::ProviderFlavour::GitHub, sim);
        provider->setToken(token);
        Status listening = made ? provider->listen() : Status(made.error());
        QVector<gitops::GitRemote> remotes;
        if (listening.ok()) {
            for (const gitops::DemoRepo& repo : repos.value()) {
                provider->addRepository(repo.org, repo.name);
                provider->linkRepository(repo.org, repo.name, made.value().value(repo.repoURL));
                gitops::GitRemote remote;
                remote.repoURL = repo.repoURL;
                QString gitDir = made.value().value(repo.repoURL);
                while (gitDir.endsWith(QLatin1Char('/')))
                    gitDir.chop(1);
                remote.cloneURL = QUrl::fromLocalFile(gitDir).toString();
                remote.provider.kind = gitops::ProviderKind::GitHub;
                remote.provider.apiBase = provider->apiBase();
                remote.provider.owner = repo.org;
                remote.provider.repo = repo.name;
                remote.writesAllowed = true;
                remotes.append(remote);
            }
        }
        QMetaObject::invokeMethod(this, [this, remotes, listening, token] {
            if (!listening.ok()) {
                Q_EMIT message(tr("Demo Git repositories unavailable: %1")
                                   .arg(listening.error().shortMessage));
                return;
            }
            for (const gitops::GitRemote& remote : remotes)
                addEphemeralGitRemote(remote, token);
        });
    });
}

void ConsoleSession::draftCorrectiveCommit(const QString& appKey, const nlohmann::json& application,
                                           const nlohmann::json& resourceTree,
                                           const analysis::Finding& finding,
                                           const QMap<QString, QString>& inputsIn,
                                           std::function<void(Result<CorrectiveProposal>)> done) {
    auto app = gitops::applicationFromJson(application, QStringLiteral("application"));
    if (!app.ok()) {
        done(app.error());
        return;
    }
    // The source in Git that the fix edits: the first one with a path (multi-source apps: the
    // one with a path, not the chart repository).
    const gitops::AppSourceRef* source = nullptr;
    for (const gitops::AppSourceRef& s : app->sources)
        if (!s.repoURL.isEmpty() && (!s.path.isEmpty() || s.chart.isEmpty())) {
            source = &s;
            break;
        }
    if (!source) {
        done(Error::make(Error::Kind::Config,
                         tr("%1 has no source in a Git repository to correct").arg(app->name)));
        return;
    }
    const std::optional<gitops::GitRemote> remote = m_gitRemotes->find(source->repoURL);
    if (!remote) {
        done(Error::make(Error::Kind::Config,
                         tr("No Git repository is set up for %1").arg(source->repoURL),
                         tr("Add it under Tools → Git repositories… (clone URL, provider and "
                            "token) to draft corrective commits for it.")));
        return;
    }
    QMap<QString, QString> inputs = inputsIn;
    if (!inputs.contains(QStringLiteral("previousImages")))
        inputs.insert(QStringLiteral("previousImages"),
                      previousImages(resourceTree, finding.fields.value(QStringLiteral("image"))));
    const int row = m_store->indexOf(appKey);
    const QString instanceId = row >= 0 ? m_store->at(row).instance : QString();
    gitops::FixTarget target;
    target.sourcePath = source->path;
    target.valueFiles = source->valueFiles;
    target.appName = app->name;
    target.inputs = inputs;
    const QString targetRevision = source->targetRevision;
    gitops::AppRef appRef = app.value();
    appRef.instance = instanceId;
    const QString cacheRoot = gitCacheRoot();
    gitToken(*remote, [this, remote = *remote, appRef, appKey, instanceId, finding, target,
                       targetRevision, cacheRoot, done](Result<QString> token) {
        // No token stored is fine for reading public or local repositories.
        const QString secret = token.ok() ? token.value() : QString();
        QPointer<ConsoleSession> self(this);
        m_gitPool->start([self, remote, appRef, appKey, instanceId, finding, target, targetRevision,
                          cacheRoot, secret, done] {
            auto work = [&]() -> Result<CorrectiveProposal> {
                auto git = gitops::GitRepository::mirror(remote.effectiveCloneURL(), cacheRoot,
                                                         credentialsFor(remote, secret));
                if (!git)
                    return git.error();
                CorrectiveProposal p;
                p.appKey = appKey;
                p.appName = appRef.name;
                p.instanceId = instanceId;
                p.remote = remote;
                // Into the branch the application follows; a tag, a sha or HEAD means the
                // repository's default branch.
                const bool isBranch =
                    !targetRevision.isEmpty() && targetRevision != QLatin1String("HEAD") &&
                    git.value()->resolve(QStringLiteral("refs/heads/") + targetRevision).ok();
                if (isBranch) {
                    p.baseBranch = targetRevision;
                } else {
                    auto branch = git.value()->defaultBranch();
                    if (!branch)
                        return branch.error();
                    p.baseBranch = branch.value();
                    if (!targetRevision.isEmpty() && targetRevision != QLatin1String("HEAD"))
                        p.notes.append(QObject::tr("%1 follows %2, not a branch: the pull "
                                                   "request goes into %3")
                                           .arg(appRef.name, targetRevision, p.baseBranch));
                }
                auto sha = git.value()->resolve(QStringLiteral("refs/heads/") + p.baseBranch);
                if (!sha)
                    return sha.error();
                p.baseSha = sha.value();
                auto tree = git.value()->tree(p.baseSha);
                if (!tree)
                    return tree.error();
                auto draft = gitops::draftFix(finding, *tree.value(), target);
                if (!draft)
                    return draft.error();
                p.draft = std::move(draft.value());
                if (!p.draft.complete())
                    return p;
                gitops::OverlayTree head(*tree.value());
                gitops::ChangeRequest change;
                for (const gitops::DraftEdit& edit : p.draft.edits) {
                    head.put(edit.path, edit.after);
                    change.changes.push_back(
                        {gitops::FileChange::Kind::Modified, edit.path, edit.path});
                }
                change.base = tree.value().get();
                change.head = &head;
                change.repoURL = remote.repoURL;
                change.apps = {appRef};
                change.repositoryLabel = remote.repoURL;
                change.baseLabel = QStringLiteral("%1 (%2)").arg(p.baseBranch, p.baseSha.left(7));
                change.headLabel = p.draft.branchName;
                change.options.budget =
                    gitops::providerBudget(gitops::providerKindName(remote.provider.kind));
                auto described = gitops::describeChange(change);
                if (!described)
                    return described.error();
                p.description =
                    std::make_shared<const gitops::ChangeDescription>(std::move(described.value()));
                return p;
            };
            Result<CorrectiveProposal> result = work();
            if (!self)
                return;
            QMetaObject::invokeMethod(
                self, [result = std::move(result), done]() mutable { done(std::move(result)); });
        });
    });
}

void ConsoleSession::submitCorrectiveCommit(const CorrectiveProposal& proposal,
                                            const QString& title, const QString& body,
                                            std::function<void(Result<CorrectiveOutcome>)> done,
                                            std::function<void(const QString&)> progress) {
    if (!m_gate) {
        done(Error::make(Error::Kind::Approval,
                         tr("Changes are disabled: the audit log could not be opened"),
                         m_auditError.toString()));
        return;
    }
    if (!proposal.draft.complete()) {
        done(Error::make(Error::Kind::Config, tr("The draft has no edits to commit yet")));
        return;
    }
    PushPlan plan;
    plan.remote = proposal.remote;
    plan.branch = proposal.draft.branchName;
    plan.baseBranch = proposal.baseBranch;
    plan.baseSha = proposal.baseSha;
    plan.message = title.trimmed();
    if (!proposal.draft.commitMessage.isEmpty()) {
        // The draft's message explains the fix; the subject is what the user kept as title.
        const QString rest = proposal.draft.commitMessage.section(QLatin1Char('\n'), 1).trimmed();
        if (!rest.isEmpty())
            plan.message += QStringLiteral("\n\n") + rest;
    }
    for (const gitops::DraftEdit& edit : proposal.draft.edits) {
        plan.edits.push_back({edit.path, edit.after});
        plan.diff += edit.diff + QLatin1Char('\n');
    }
    plan.title = title;
    plan.body = body;
    commitPushAndOpen(
        writeContext(this, m_gate, m_policy, m_gitPool, gitCacheRoot(),
                     [this](const gitops::GitRemote& r, auto cb) { gitToken(r, std::move(cb)); }),
        plan, std::move(done), [progress](const QString& text) {
            if (progress)
                progress(text);
        });
}

bool ConsoleSession::isEphemeralGitRemote(const QString& repoURL) const {
    const std::optional<gitops::GitRemote> remote = m_gitRemotes->find(repoURL);
    return remote && m_gitTokens.contains(remote->id());
}

void ConsoleSession::gitTokenStored(const gitops::GitRemote& remote,
                                    std::function<void(Result<bool>)> done) {
    gitToken(remote, [done](Result<QString> token) {
        if (token.ok())
            done(!token->isEmpty());
        else if (token.error().kind == Error::Kind::NotFound)
            done(false);
        else
            done(token.error());
    });
}

void ConsoleSession::removeGitRemote(const QString& repoURL, std::function<void(Status)> done) {
    const std::optional<gitops::GitRemote> remote = m_gitRemotes->find(repoURL);
    if (!remote) {
        done(Error::make(Error::Kind::NotFound, tr("No Git repository %1 is set up").arg(repoURL)));
        return;
    }
    if (isEphemeralGitRemote(repoURL)) {
        done(Error::make(Error::Kind::Config,
                         tr("%1 belongs to the demo and goes away with it").arg(repoURL)));
        return;
    }
    m_gitRemotes->remove(repoURL);
    m_policy->setMode(remote->id(), governance::Mode::Audit);
    m_secrets->remove(secrets::CredentialStore::gitTokenKey(remote->id()), std::move(done));
}

void ConsoleSession::testGitRemote(const gitops::GitRemote& remote, const QString& token,
                                   std::function<void(Result<ConfigRepositoryInfo>)> done) {
    const QString cacheRoot = gitCacheRoot();
    auto run = [this, remote, cacheRoot, done](const QString& secret) {
        QPointer<ConsoleSession> self(this);
        m_gitPool->start([self, remote, cacheRoot, secret, done] {
            auto work = [&]() -> Result<ConfigRepositoryInfo> {
                auto git = gitops::GitRepository::mirror(remote.effectiveCloneURL(), cacheRoot,
                                                         credentialsFor(remote, secret));
                if (!git)
                    return git.error();
                ConfigRepositoryInfo info;
                info.repoURL = remote.repoURL;
                info.remote = remote;
                auto branch = git.value()->defaultBranch();
                if (!branch)
                    return branch.error();
                info.defaultBranch = branch.value();
                auto tip = git.value()->commitInfo(QStringLiteral("refs/heads/") + *branch);
                if (!tip)
                    return tip.error();
                info.defaultTip = tip.value();
                return info;
            };
            Result<ConfigRepositoryInfo> result = work();
            if (self)
                QMetaObject::invokeMethod(self, [result, done] { done(result); });
        });
    };
    if (!token.isEmpty()) {
        run(token);
        return;
    }
    gitToken(remote, [run](Result<QString> stored) {
        // Nothing stored: public and local repositories are read without a token.
        run(stored.ok() ? stored.value() : QString());
    });
}

void ConsoleSession::inspectConfigRepository(
    const ConfigChangeSource& source, std::function<void(Result<ConfigRepositoryInfo>)> done) {
    if (source.kind == ConfigChangeSource::Kind::Remote) {
        const std::optional<gitops::GitRemote> remote = m_gitRemotes->find(source.repoURL);
        if (!remote) {
            done(Error::make(Error::Kind::NotFound,
                             tr("No Git repository %1 is set up").arg(source.repoURL)));
            return;
        }
        testGitRemote(*remote, QString(), std::move(done));
        return;
    }
    QPointer<ConsoleSession> self(this);
    const QString folder = source.folder;
    m_gitPool->start([self, folder, done] {
        auto work = [&]() -> Result<ConfigRepositoryInfo> {
            auto git = gitops::GitRepository::open(folder);
            if (!git)
                return git.error();
            ConfigRepositoryInfo info;
            info.hasWorkTree = !git.value()->isBare();
            if (auto origin = git.value()->configuredRemoteUrl(); origin.ok())
                info.repoURL = origin.value();
            auto branch = git.value()->defaultBranch();
            if (!branch)
                return branch.error();
            info.defaultBranch = branch.value();
            auto tip = git.value()->commitInfo(QStringLiteral("refs/heads/") + *branch);
            if (!tip)
                return tip.error();
            info.defaultTip = tip.value();
            return info;
        };
        Result<ConfigRepositoryInfo> result = work();
        if (!self)
            return;
        QMetaObject::invokeMethod(self, [self, result, done]() mutable {
            if (result.ok() && !result->repoURL.isEmpty())
                result->remote = self->m_gitRemotes->find(result->repoURL);
            done(result);
        });
    });
}

namespace {

// The stages of a description, handed between the GUI thread (registry, keychain, Argo CD
// clients) and the Git thread (repositories, trees, describeChange), one at a time.
struct DescribeJob {
    ConfigChangeSource source;
    QVector<gitops::GitRemote> remotes; // the registry as it was when the job started
    QString cacheRoot;
    QString secret;
    std::unique_ptr<gitops::GitRepository> git;    // the mirror, or the local repository
    std::unique_ptr<gitops::GitRepository> mirror; // local folder: its remote's mirror
    std::unique_ptr<gitops::GitTree> base;
    std::unique_ptr<gitops::RepoTree> head;
    std::vector<gitops::FileChange> changes;
    std::vector<gitops::AppRef> apps;
    ConfigChangeDraft draft;
};

std::optional<gitops::GitRemote> findRemote(const QVector<gitops::GitRemote>& remotes,
                                            const QString& repoURL) {
    if (repoURL.isEmpty())
        return std::nullopt;
    for (const gitops::GitRemote& r : remotes)
        if (gitops::sameRepo(r.repoURL, repoURL))
            return r;
    return std::nullopt;
}

// "main (1a2b3c4)", or the sha alone when that is what was typed.
QString revisionLabel(const QString& rev, const QString& sha) {
    return sha.startsWith(rev) ? sha.left(12) : QStringLiteral("%1 (%2)").arg(rev, sha.left(7));
}

// Stage 1 (Git thread): the repository, its revisions, the changed files, and whether a pull
// request can be opened from this change.
Status prepareChange(DescribeJob& job) {
    ConfigChangeDraft& d = job.draft;
    const ConfigChangeSource& src = job.source;
    const bool local = src.kind == ConfigChangeSource::Kind::LocalFolder;
    if (local) {
        auto git = gitops::GitRepository::open(src.folder);
        if (!git)
            return git.error();
        job.git = std::move(git.value());
        if (auto origin = job.git->configuredRemoteUrl(); origin.ok())
            d.repoURL = origin.value();
        d.remote = findRemote(job.remotes, d.repoURL);
        if (d.remote) {
            auto mirror =
                gitops::GitRepository::mirror(d.remote->effectiveCloneURL(), job.cacheRoot,
                                              credentialsFor(*d.remote, job.secret));
            if (mirror)
                job.mirror = std::move(mirror.value());
            else
                d.whyNoPullRequest =
                    QObject::tr("%1 could not be fetched: %2")
                        .arg(d.remote->effectiveCloneURL(), mirror.error().shortMessage);
        }
    } else {
        d.remote = findRemote(job.remotes, src.repoURL);
        if (!d.remote)
            return Error::make(Error::Kind::NotFound,
                               QObject::tr("No Git repository %1 is set up").arg(src.repoURL));
        d.repoURL = d.remote->repoURL;
        auto mirror = gitops::GitRepository::mirror(d.remote->effectiveCloneURL(), job.cacheRoot,
                                                    credentialsFor(*d.remote, job.secret));
        if (!mirror)
            return mirror.error();
        job.git = std::move(mirror.value());
    }
    gitops::GitRepository& git = *job.git;
    // Where branches are looked up for the pull request: the remote as Sextant fetched it.
    gitops::GitRepository* remoteSide = local ? job.mirror.get() : job.git.get();

    QString base = src.base.trimmed();
    if (base.isEmpty()) {
        auto branch = git.defaultBranch();
        if (!branch)
            return branch.error();
        base = branch.value();
    }
    auto baseSha = git.resolve(base);
    if (!baseSha)
        return baseSha.error();
    d.baseSha = baseSha.value();
    d.baseLabel = revisionLabel(base, d.baseSha);
    auto baseTree = git.tree(d.baseSha);
    if (!baseTree)
        return baseTree.error();
    job.base = std::move(baseTree.value());
    const QString baseBranch = branchNameOf(base);
    if (remoteSide && isPlainBranchName(baseBranch) &&
        remoteSide->resolve(QStringLiteral("refs/heads/") + baseBranch).ok())
        d.baseBranch = baseBranch;

    if (local && src.localChanges) {
        if (git.isBare())
            return Error::make(
                Error::Kind::Config,
                QObject::tr("%1 is a bare repository: it has no local changes").arg(src.folder));
        job.head = std::make_unique<gitops::DirectoryTree>(git.workTree());
        d.headLabel = QObject::tr("local changes in %1").arg(git.workTree());
        job.changes = gitops::diffTrees(*job.base, *job.head);
        for (const gitops::FileChange& c : job.changes) {
            const std::optional<QByteArray> after = c.kind == gitops::FileChange::Kind::Deleted
                                                        ? std::nullopt
                                                        : job.head->readFile(c.path);
            const QByteArray before = job.base->readFile(c.oldPath).value_or(QByteArray());
            d.edits.push_back({c.path, after});
            d.diff += editDiff(c.path, before, after) + QLatin1Char('\n');
        }
    } else {
        const QString head = src.head.trimmed().isEmpty() ? QStringLiteral("HEAD") : src.head;
        auto headSha = git.resolve(head);
        if (!headSha)
            return headSha.error();
        d.headSha = headSha.value();
        d.headLabel = revisionLabel(head, d.headSha);
        auto headTree = git.tree(d.headSha);
        if (!headTree)
            return headTree.error();
        job.head = std::move(headTree.value());
        auto changes = git.diff(d.baseSha, d.headSha);
        if (!changes)
            return changes.error();
        job.changes = std::move(changes.value());
        const QString headBranch = branchNameOf(head);
        if (remoteSide && isPlainBranchName(headBranch)) {
            auto onRemote = remoteSide->resolve(QStringLiteral("refs/heads/") + headBranch);
            if (onRemote.ok()) {
                d.headBranch = headBranch;
                if (onRemote.value() != d.headSha)
                    d.notes.append(QObject::tr("%1 is at %2 on the remote, at %3 here: the pull "
                                               "request shows the remote's")
                                       .arg(headBranch, onRemote->left(7), d.headSha.left(7)));
            }
        }
    }

    // Why a pull request cannot be opened, the first reason that applies.
    if (!d.whyNoPullRequest.isEmpty())
        return okStatus();
    if (!d.remote)
        d.whyNoPullRequest =
            d.repoURL.isEmpty()
                ? QObject::tr("The repository has no 'origin' remote: Sextant does not know "
                              "where to open a pull request")
                : QObject::tr("No Git repository is set up for %1: add it under Tools → Git "
                              "repositories… to open pull requests")
                      .arg(d.repoURL);
    else if (job.changes.empty())
        d.whyNoPullRequest = QObject::tr("Nothing changed between the base and the head");
    else if (d.baseBranch.isEmpty())
        d.whyNoPullRequest = QObject::tr("The base %1 is not a branch of %2: a pull request "
                                         "needs a branch to go into")
                                 .arg(base, d.remote->provider.displayName());
    else if (src.localChanges && remoteSide && !remoteSide->resolve(d.baseSha).ok())
        d.whyNoPullRequest = QObject::tr("The base commit %1 is not on %2 yet: push it first")
                                 .arg(d.baseSha.left(7), d.remote->effectiveCloneURL());
    else if (!src.localChanges && d.headBranch.isEmpty())
        d.whyNoPullRequest =
            local ? QObject::tr("%1 is not a branch on %2: push it first, or describe the local "
                                "changes to have Sextant commit and push them")
                        .arg(src.head, d.remote->effectiveCloneURL())
                  : QObject::tr("The head %1 is not a branch: a pull request is opened from a "
                                "branch")
                        .arg(src.head);
    else if (!src.localChanges && d.headBranch == d.baseBranch)
        d.whyNoPullRequest = QObject::tr("The base and the head are the same branch");
    return okStatus();
}

} // namespace

gitops::AppRef appRefFromSummary(const argocd::AppSummary& row, const QString& instanceName) {
    gitops::AppRef app;
    app.name = row.name;
    app.appNamespace = row.appNamespace;
    app.instance = instanceName;
    app.project = row.project;
    app.destServer = row.destServer;
    app.destName = row.destName;
    app.destNamespace = row.destNamespace;
    gitops::AppSourceRef source;
    source.repoURL = row.repoURL;
    source.path = row.path;
    source.targetRevision = row.targetRevision;
    app.sources.push_back(source);
    for (const auto& [key, value] : row.labels)
        app.labels.insert(key, value);
    gitops::resolveClusterAndEnvironment(app);
    return app;
}

void ConsoleSession::describeConfigChange(const ConfigChangeSource& source,
                                          std::function<void(Result<ConfigChangeDraft>)> done,
                                          std::function<void(const QString&)> progress) {
    auto say = [progress](const QString& text) {
        if (progress)
            progress(text);
    };
    auto job = std::make_shared<DescribeJob>();
    job->source = source;
    job->draft.source = source;
    job->remotes = m_gitRemotes->remotes();
    job->cacheRoot = gitCacheRoot();
    QPointer<ConsoleSession> self(this);

    // Stage 3 (Git thread): describe, then back here.
    auto describe = [self, job, done, say] {
        if (!self)
            return;
        say(tr("Finding the Applications the change reaches, rendering base and head…"));
        self->m_gitPool->start([self, job, done] {
            gitops::ChangeRequest request;
            request.base = job->base.get();
            request.head = job->head.get();
            request.changes = job->changes;
            request.repoURL = job->draft.repoURL;
            request.apps = job->apps;
            request.repositoryLabel =
                job->draft.repoURL.isEmpty() ? job->source.folder : job->draft.repoURL;
            request.baseLabel = job->draft.baseLabel;
            request.headLabel = job->draft.headLabel;
            if (job->draft.remote)
                request.options.budget = gitops::providerBudget(
                    gitops::providerKindName(job->draft.remote->provider.kind));
            auto described = gitops::describeChange(request);
            if (!self)
                return;
            QMetaObject::invokeMethod(self, [job, done, described = std::move(described)] {
                if (!described.ok()) {
                    done(described.error());
                    return;
                }
                ConfigChangeDraft& d = job->draft;
                d.description =
                    std::make_shared<const gitops::ChangeDescription>(described.value());
                d.suggestedBranch = branchFromTitle(d.description->description.title);
                done(d);
            });
        });
    };

    // Stage 2 (GUI thread): the Applications of the fleet that use the repository, fetched in
    // full where an instance is connected (Helm value files, multiple sources).
    auto collectApps = [self, job, describe, say] {
        if (!self)
            return;
        ConfigChangeDraft& d = job->draft;
        if (d.repoURL.isEmpty()) {
            d.notes.append(tr("The repository's URL is unknown (no 'origin' remote): only the "
                              "Applications defined in the repository are followed"));
            describe();
            return;
        }
        struct Pending {
            int left = 0;
            std::vector<gitops::AppRef> apps;
        };
        auto pending = std::make_shared<Pending>();
        // Applications whose (first) source is the repository are fetched in full first; then
        // multi-source ones, whose other sources may be it, as far as the budget goes.
        constexpr int kMaxFetches = 300;
        fleet::FleetStore* store = self->m_store;
        QVector<QPair<argocd::AppSummary, QString>> toFetch, multiSource;
        int unfetched = 0, multiUnchecked = 0;
        for (int row = 0; row < store->size(); ++row) {
            const argocd::AppSummary& app = store->at(row);
            const bool direct = gitops::sameRepo(app.repoURL, d.repoURL);
            if (!direct && !app.multiSource)
                continue;
            const InstanceInfo* info = self->instance(app.instance);
            const QString instanceName =
                info && !info->config.name.isEmpty() ? info->config.name : app.instance;
            if (!self->client(app.instance)) {
                if (direct)
                    pending->apps.push_back(appRefFromSummary(app, instanceName));
            } else if (direct && toFetch.size() < kMaxFetches) {
                toFetch.append({app, instanceName});
            } else if (direct) {
                ++unfetched;
                pending->apps.push_back(appRefFromSummary(app, instanceName));
            } else {
                multiSource.append({app, instanceName});
            }
        }
        for (const auto& entry : std::as_const(multiSource)) {
            if (toFetch.size() < kMaxFetches)
                toFetch.append(entry);
            else
                ++multiUnchecked;
        }
        if (unfetched > 0)
            d.notes.append(tr("%n Application(s) beyond the first %1 are followed from the "
                              "fleet table (their first source only, no Helm value files)",
                              nullptr, unfetched)
                               .arg(kMaxFetches));
        if (multiUnchecked > 0)
            d.notes.append(tr("%n multi-source Application(s) were not checked for this "
                              "repository (more than %1 to fetch)",
                              nullptr, multiUnchecked)
                               .arg(kMaxFetches));
        auto finish = [job, pending, describe] {
            for (gitops::AppRef& app : pending->apps) {
                bool uses = false;
                for (const gitops::AppSourceRef& s : app.sources)
                    uses = uses || gitops::sameRepo(s.repoURL, job->draft.repoURL);
                if (uses)
                    job->apps.push_back(std::move(app));
            }
            job->draft.fleetApplications = int(job->apps.size());
            describe();
        };
        if (toFetch.isEmpty()) {
            finish();
            return;
        }
        say(tr("Reading %n Application(s) from the connected instances…", nullptr,
               int(toFetch.size())));
        pending->left = int(toFetch.size());
        for (const auto& [summary, instanceName] : std::as_const(toFetch)) {
            self->client(summary.instance)
                ->getApplication(
                    summary.name, summary.appNamespace,
                    [pending, finish, summary, instanceName](Result<nlohmann::json> full) {
                        std::optional<gitops::AppRef> app;
                        if (full.ok()) {
                            auto parsed = gitops::applicationFromJson(
                                full.value(), QStringLiteral("application"));
                            if (parsed.ok()) {
                                parsed->instance = instanceName;
                                gitops::resolveClusterAndEnvironment(parsed.value());
                                app = std::move(parsed.value());
                            }
                        }
                        if (!app && !summary.multiSource)
                            app = appRefFromSummary(summary, instanceName);
                        if (app)
                            pending->apps.push_back(std::move(*app));
                        if (--pending->left == 0)
                            finish();
                    });
        }
    };

    // Stage 1 (Git thread), after the token of the remote (Remote: the one chosen; local
    // folder: its origin's, found on the Git thread first).
    auto prepare = [self, job, done, collectApps, say](const QString& secret) {
        if (!self)
            return;
        job->secret = secret;
        say(job->source.kind == ConfigChangeSource::Kind::Remote
                ? tr("Fetching %1…").arg(job->source.repoURL)
                : tr("Reading %1…").arg(job->source.folder));
        self->m_gitPool->start([self, job, done, collectApps] {
            const Status prepared = prepareChange(*job);
            job->secret.clear();
            if (!self)
                return;
            QMetaObject::invokeMethod(self, [job, done, collectApps, prepared] {
                if (!prepared.ok()) {
                    done(prepared.error());
                    return;
                }
                collectApps();
            });
        });
    };

    if (source.kind == ConfigChangeSource::Kind::Remote) {
        const std::optional<gitops::GitRemote> remote = m_gitRemotes->find(source.repoURL);
        if (!remote) {
            done(Error::make(Error::Kind::NotFound,
                             tr("No Git repository %1 is set up").arg(source.repoURL),
                             tr("Add it under Tools → Git repositories…")));
            return;
        }
        gitToken(*remote, [prepare](Result<QString> token) {
            prepare(token.ok() ? token.value() : QString());
        });
        return;
    }
    // A local folder: its origin decides which remote (and token) the pull request uses.
    const QString folder = source.folder;
    m_gitPool->start([self, folder, prepare] {
        QString origin;
        if (auto git = gitops::GitRepository::open(folder); git.ok())
            if (auto url = git.value()->configuredRemoteUrl(); url.ok())
                origin = url.value();
        if (!self)
            return;
        QMetaObject::invokeMethod(self, [self, origin, prepare] {
            const std::optional<gitops::GitRemote> remote =
                origin.isEmpty() ? std::nullopt : self->m_gitRemotes->find(origin);
            if (!remote) {
                prepare(QString());
                return;
            }
            self->gitToken(*remote, [prepare](Result<QString> token) {
                prepare(token.ok() ? token.value() : QString());
            });
        });
    });
}

void ConsoleSession::submitConfigChange(const ConfigChangeDraft& draft, const QString& branch,
                                        const QString& title, const QString& body,
                                        std::function<void(Result<CorrectiveOutcome>)> done,
                                        std::function<void(const QString&)> progress) {
    if (!m_gate) {
        done(Error::make(Error::Kind::Approval,
                         tr("Changes are disabled: the audit log could not be opened"),
                         m_auditError.toString()));
        return;
    }
    if (!draft.whyNoPullRequest.isEmpty() || !draft.remote) {
        done(
            Error::make(Error::Kind::Config, draft.whyNoPullRequest.isEmpty()
                                                 ? tr("No Git repository is set up for this change")
                                                 : draft.whyNoPullRequest));
        return;
    }
    PushPlan plan;
    plan.remote = *draft.remote;
    plan.baseBranch = draft.baseBranch;
    plan.baseSha = draft.baseSha;
    plan.title = title.trimmed();
    plan.body = body;
    if (draft.pushesCommit()) {
        plan.branch = branch.trimmed();
        if (plan.branch.isEmpty()) {
            done(Error::make(Error::Kind::Config, tr("Name the branch to commit to")));
            return;
        }
        if (plan.branch == draft.baseBranch) {
            done(Error::make(
                Error::Kind::Config,
                tr("The commit goes to a new branch, not to %1 itself").arg(draft.baseBranch)));
            return;
        }
        if (draft.edits.empty()) {
            done(Error::make(Error::Kind::Config, tr("There are no local changes to commit")));
            return;
        }
        plan.edits = draft.edits;
        plan.diff = draft.diff;
        plan.message = plan.title;
        if (draft.description && !draft.description->input.changedFiles.isEmpty())
            plan.message +=
                QStringLiteral("\n\n") +
                tr("Files: %1")
                    .arg(draft.description->input.changedFiles.join(QStringLiteral(", ")));
    } else {
        plan.branch = draft.headBranch;
        plan.headSha = draft.headSha;
    }
    if (plan.title.isEmpty()) {
        done(Error::make(Error::Kind::Config, tr("Give the pull request a title")));
        return;
    }
    commitPushAndOpen(
        writeContext(this, m_gate, m_policy, m_gitPool, gitCacheRoot(),
                     [this](const gitops::GitRemote& r, auto cb) { gitToken(r, std::move(cb)); }),
        plan, std::move(done), [progress](const QString& text) {
            if (progress)
                progress(text);
        });
}
void ConsoleSession::draftRevertChange(const QString& appKey, const nlohmann::json& application,
                                       const QString& revision,
                                       std::function<void(Result<ConfigChangeDraft>)> done) {
    auto app = gitops::applicationFromJson(application, QStringLiteral("application"));
    if (!app.ok()) {
        done(app.error());
        return;
    }
    const int row = m_store->indexOf(appKey);
    if (row >= 0)
        app->instance = m_store->at(row).instance;
    const gitops::AppSourceRef* source = nullptr;
    for (const gitops::AppSourceRef& s : app->sources)
        if (!s.repoURL.isEmpty() && !s.path.isEmpty() && s.ref.isEmpty()) {
            source = &s;
            break;
        }
    if (!source || app->sources.size() > 1) {
        done(Error::make(Error::Kind::Config,
                         tr("%1 is not deployed from one path of a Git repository").arg(app->name),
                         tr("A revert pull request needs a single source with a path; Helm "
                            "charts from chart repositories and multi-source applications are "
                            "rolled back with Argo CD's rollback instead.")));
        return;
    }
    const std::optional<gitops::GitRemote> remote = m_gitRemotes->find(source->repoURL);
    if (!remote) {
        done(Error::make(Error::Kind::Config,
                         tr("No Git repository is set up for %1").arg(source->repoURL),
                         tr("Add it under Tools → Git repositories… to open revert pull "
                            "requests for it.")));
        return;
    }
    const QString cacheRoot = gitCacheRoot();
    const gitops::AppRef appRef = app.value();
    const QString targetRevision = source->targetRevision;
    gitToken(*remote, [this, remote = *remote, appRef, revision, targetRevision, cacheRoot,
                       done](Result<QString> token) {
        const QString secret = token.ok() ? token.value() : QString();
        QPointer<ConsoleSession> self(this);
        m_gitPool->start([self, remote, appRef, revision, targetRevision, cacheRoot, secret, done] {
            auto work = [&]() -> Result<ConfigChangeDraft> {
                auto git = gitops::GitRepository::mirror(remote.effectiveCloneURL(), cacheRoot,
                                                         credentialsFor(remote, secret));
                if (!git)
                    return git.error();
                ConfigChangeDraft d;
                d.source.kind = ConfigChangeSource::Kind::Remote;
                d.source.repoURL = remote.repoURL;
                d.source.localChanges = true; // the revert is a new commit on a new branch
                d.repoURL = remote.repoURL;
                d.remote = remote;
                const bool isBranch =
                    !targetRevision.isEmpty() && targetRevision != QLatin1String("HEAD") &&
                    git.value()->resolve(QStringLiteral("refs/heads/") + targetRevision).ok();
                if (isBranch) {
                    d.baseBranch = targetRevision;
                } else {
                    auto branch = git.value()->defaultBranch();
                    if (!branch)
                        return branch.error();
                    d.baseBranch = branch.value();
                }
                auto baseSha = git.value()->resolve(QStringLiteral("refs/heads/") + d.baseBranch);
                if (!baseSha)
                    return baseSha.error();
                d.baseSha = baseSha.value();
                auto target = git.value()->resolve(revision);
                if (!target)
                    return Error::make(
                        Error::Kind::NotFound,
                        QObject::tr("Revision %1 is not in %2")
                            .arg(revision.left(12), remote.repoURL),
                        QObject::tr("The history names a commit the repository does not have "
                                    "(rewritten or from another repository)."));
                auto baseTree = git.value()->tree(d.baseSha);
                if (!baseTree)
                    return baseTree.error();
                auto oldTree = git.value()->tree(target.value());
                if (!oldTree)
                    return oldTree.error();
                // Every file the application renders, at either revision, goes back to how
                // it was (files the revision did not have are removed).
                const gitops::ImpactMap atBase(*baseTree.value(), remote.repoURL, {appRef});
                const gitops::ImpactMap atOld(*oldTree.value(), remote.repoURL, {appRef});
                QStringList files = atBase.filesOf(appRef) + atOld.filesOf(appRef);
                files.removeDuplicates();
                files.sort();
                gitops::OverlayTree head(*baseTree.value());
                gitops::ChangeRequest request;
                for (const QString& file : std::as_const(files)) {
                    const std::optional<QByteArray> now = baseTree.value()->readFile(file);
                    const std::optional<QByteArray> then = oldTree.value()->readFile(file);
                    if (now == then)
                        continue;
                    d.edits.push_back({file, then});
                    d.diff += editDiff(file, now.value_or(QByteArray()), then) + QLatin1Char('\n');
                    if (then)
                        head.put(file, *then);
                    else
                        head.remove(file);
                    request.changes.push_back({!now    ? gitops::FileChange::Kind::Added
                                               : !then ? gitops::FileChange::Kind::Deleted
                                                       : gitops::FileChange::Kind::Modified,
                                               file, file});
                }
                const QString shortRev = target.value().left(7);
                if (d.edits.empty())
                    return Error::make(
                        Error::Kind::Config,
                        QObject::tr("Nothing to revert: %1's files on %2 are already as at %3")
                            .arg(appRef.name, d.baseBranch, shortRev));
                d.baseLabel = QStringLiteral("%1 (%2)").arg(d.baseBranch, d.baseSha.left(7));
                d.headLabel = QObject::tr("%1 as at %2").arg(appRef.name, shortRev);
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
                d.description =
                    std::make_shared<const gitops::ChangeDescription>(std::move(described.value()));
                d.suggestedBranch =
                    QStringLiteral("sextant/revert-%1-%2").arg(appRef.name, shortRev);
                d.fleetApplications = 1; // the application being rolled back
                d.notes.append(QObject::tr("Reverts %n file(s) that %1 renders to revision %2; "
                                           "other applications reached by the same files are "
                                           "listed under Applications.",
                                           nullptr, int(d.edits.size()))
                                   .arg(appRef.name, shortRev));
                return d;
            };
            Result<ConfigChangeDraft> result = work();
            if (!self)
                return;
            QMetaObject::invokeMethod(
                self, [result = std::move(result), done]() mutable { done(std::move(result)); });
        });
    });
}

} // namespace sextant::ui
