// ConsoleSession: config repositories, corrective commits and pull requests (docs/git.md,
// docs/corrective-commits.md, docs/git-providers.md). Git work runs on one worker thread;
// every write is approved through the gate first and its outcome audited.

#include "consolesession.h"
#include "correctiveproposal.h"

#include "analysis/evidence.h"
#include "fleet/fleetstore.h"
#include "gitops/applications.h"
#include "gitops/demorepos.h"
#include "gitops/gitprovider.h"
#include "gitops/gitremotes.h"
#include "gitops/gitrepository.h"
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
    auto say = [progress](const QString& text) {
        if (progress)
            progress(text);
    };
    const gitops::GitRemote remote = proposal.remote;
    QString authorName, authorEmail;
    commitAuthor(authorName, authorEmail);
    QString message = title.trimmed();
    if (!proposal.draft.commitMessage.isEmpty()) {
        // The draft's message explains the fix; the subject is what the user kept as title.
        const QString rest = proposal.draft.commitMessage.section(QLatin1Char('\n'), 1).trimmed();
        if (!rest.isEmpty())
            message += QStringLiteral("\n\n") + rest;
    }

    // (1) The commit and the push, approved as the exact diff.
    WriteRequest push;
    push.instanceId = remote.id();
    push.instanceName = remote.provider.displayName();
    push.action = QStringLiteral("git-push");
    push.target =
        QStringLiteral("%1 %2").arg(remote.effectiveCloneURL(), proposal.draft.branchName);
    push.summary = tr("Commit %n file(s) as %1 <%2> on the new branch %3 (from %4 at %5) and "
                      "push it to %6, without force",
                      nullptr, int(proposal.draft.edits.size()))
                       .arg(authorName, authorEmail, proposal.draft.branchName, proposal.baseBranch,
                            proposal.baseSha.left(7), remote.effectiveCloneURL());
    push.method = QStringLiteral("PUSH");
    push.url = QUrl(remote.effectiveCloneURL());
    push.credentialHeader =
        remote.isLocal() ? QString()
                         : QStringLiteral("Git HTTPS user %1, password:").arg(remote.username);
    QByteArray text = "commit message:\n" + message.toUtf8() + "\n\n";
    for (const gitops::DraftEdit& edit : proposal.draft.edits)
        text += edit.diff.toUtf8() + '\n';
    push.body = text;
    push.contentType.clear();

    QPointer<ConsoleSession> self(this);
    say(tr("Waiting for your approval of the commit…"));
    m_gate->submit(push, [self, proposal, remote, title, body, message, authorName, authorEmail,
                          done, say](Result<ApprovedWrite> approvedPush) {
        if (!self)
            return;
        if (!approvedPush.ok()) {
            done(approvedPush.error());
            return;
        }
        self->gitToken(remote, [self, proposal, remote, title, body, message, authorName,
                                authorEmail, done, say,
                                approved = approvedPush.value()](Result<QString> token) {
            if (!self)
                return;
            const QString secret = token.ok() ? token.value() : QString();
            if (!remote.isLocal() && secret.isEmpty()) {
                const Error missing = Error::make(
                    Error::Kind::Unauthorized,
                    QObject::tr("No token is stored for %1").arg(remote.provider.displayName()),
                    QObject::tr("Set it under Tools → Git repositories…"));
                self->m_gate->recordOutcome(approved, missing, missing.shortMessage);
                done(missing);
                return;
            }
            say(QObject::tr("Committing and pushing %1…").arg(proposal.draft.branchName));
            const QString cacheRoot = self->gitCacheRoot();
            self->m_gitPool->start([self, proposal, remote, title, body, message, authorName,
                                    authorEmail, done, say, approved, secret, cacheRoot] {
                auto work = [&]() -> Result<QString> {
                    const gitops::GitCredentials creds = credentialsFor(remote, secret);
                    auto git =
                        gitops::GitRepository::mirror(remote.effectiveCloneURL(), cacheRoot, creds);
                    if (!git)
                        return git.error();
                    gitops::CommitRequest request;
                    request.branch = proposal.draft.branchName;
                    request.parentRev = proposal.baseSha;
                    request.message = message;
                    request.authorName = authorName;
                    request.authorEmail = authorEmail;
                    request.allowDefaultBranch = remote.allowDefaultBranch;
                    for (const gitops::DraftEdit& edit : proposal.draft.edits)
                        request.edits.push_back({edit.path, edit.after});
                    auto sha = git.value()->commitEdits(request);
                    if (!sha)
                        return sha.error();
                    auto pushed = git.value()->push(QStringLiteral("origin"),
                                                    proposal.draft.branchName, creds);
                    if (!pushed)
                        return pushed.error();
                    return sha.value();
                };
                Result<QString> committed = work();
                if (!self)
                    return;
                QMetaObject::invokeMethod(self, [self, proposal, remote, title, body, done, say,
                                                 approved, secret, committed] {
                    if (!committed.ok()) {
                        self->m_gate->recordOutcome(approved, committed.error(),
                                                    committed.error().shortMessage);
                        done(committed.error());
                        return;
                    }
                    self->m_gate->recordOutcome(
                        approved, okStatus(),
                        QStringLiteral("commit %1 pushed").arg(committed.value()));
                    // (2) The pull request, approved as the exact provider request.
                    auto* provider = new gitops::GitProvider(remote.provider, self);
                    provider->setToken(secret);
                    gitops::PullRequestSpec spec;
                    spec.sourceBranch = proposal.draft.branchName;
                    spec.targetBranch = proposal.baseBranch;
                    spec.title = title;
                    spec.body = body;
                    spec.labels = {QStringLiteral("sextant")};
                    say(QObject::tr("Waiting for your approval of the pull request…"));
                    self->m_gate->submit(
                        provider->prepareOpenOrUpdatePullRequest(spec),
                        [self, provider, spec, done, say,
                         sha = committed.value()](Result<ApprovedWrite> approvedPr) {
                            if (!self || !approvedPr.ok()) {
                                provider->deleteLater();
                                if (self)
                                    done(approvedPr.error());
                                return;
                            }
                            say(QObject::tr("Opening the pull request…"));
                            provider->openOrUpdatePullRequest(
                                approvedPr.value(), spec,
                                [self, provider, done, sha, spec, approved = approvedPr.value()](
                                    Result<gitops::PullRequestResult> pr) {
                                    provider->deleteLater();
                                    if (!self)
                                        return;
                                    if (!pr.ok()) {
                                        self->m_gate->recordOutcome(approved, pr.error(),
                                                                    pr.error().shortMessage);
                                        done(pr.error());
                                        return;
                                    }
                                    self->m_gate->recordOutcome(
                                        approved, okStatus(),
                                        QStringLiteral("%1 #%2 %3")
                                            .arg(pr->created ? QStringLiteral("opened")
                                                             : QStringLiteral("updated"))
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
                });
            });
        });
    });
}

} // namespace sextant::ui
