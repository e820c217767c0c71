#pragma once

#include "argocd/instance.h"
#include "argocd/types.h"
#include "core/result.h"
#include "core/writerequest.h"
#include "metrics/metricssource.h"
#include "release/releasematrix.h"

#include <nlohmann/json.hpp>

#include <QHash>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QUrl>

#include <functional>
#include <memory>

class QTemporaryDir;
class QThread;
class QThreadPool;
class QTimer;

namespace sextant {
namespace argocd {
class Client;
class AppWatcher;
struct SyncOptions;
} // namespace argocd
namespace fleet {
class FleetStore;
class HealthTimeline;
} // namespace fleet
namespace governance {
class AuditLog;
class ApprovalGate;
class Approver;
class InstancePolicy;
} // namespace governance
namespace secrets {
class CredentialStore;
}
namespace sim {
class Simulator;
}
namespace gitops {
class GitRemoteRegistry;
struct GitRemote;
} // namespace gitops
namespace analysis {
struct Finding;
class KnowledgeBase;
struct RollbackPlan;
struct PlanRun;
struct StepOutcome;
} // namespace analysis
namespace metrics {
class PrometheusClient;
struct Alert;
} // namespace metrics
namespace incident {
struct IncidentTimeline;
struct Runbook;
} // namespace incident
namespace release {
struct ReleaseReview;
}

namespace ui {

struct CorrectiveProposal;
struct CorrectiveOutcome;
struct ConfigChangeSource;
struct ConfigChangeDraft;
struct ConfigRepositoryInfo;

// The console's composition root without widgets: the instances, their clients and watchers,
// the fleet store they feed, and the governance pieces every write passes through. Windows and
// dialogs talk to this object; tests drive it directly.
class ConsoleSession : public QObject {
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Live, Reconnecting, Failed, NeedsCredentials };

    struct InstanceInfo {
        argocd::InstanceConfig config;
        State state = State::Disconnected;
        Error lastError;
        bool ephemeral = false; // demo and test instances: never saved
        QDateTime lastUpdate;
        // Rows shown come from the local fleet cache, as of this time; null once live.
        QDateTime cachedAsOf;
    };

    // `auditLogPath` empty = the default location in the user's data directory.
    explicit ConsoleSession(QObject* parent = nullptr, const QString& auditLogPath = {});
    ~ConsoleSession() override;

    fleet::FleetStore* store() const { return m_store; }
    governance::InstancePolicy* policy() const { return m_policy; }
    governance::AuditLog* auditLog() const { return m_audit.get(); }
    // Who decides on writes: the console's dialog, or a scripted approver in tests. Without
    // one every write is rejected.
    void setApprover(governance::Approver* approver);
    QString auditLogPath() const { return m_auditPath; }
    // An error opening the audit log disables every write; the reason is shown to the user.
    const Error& auditError() const { return m_auditError; }

    QStringList instanceIds() const { return m_order; }
    const InstanceInfo* instance(const QString& id) const;
    // The REST client of a connected instance (nullptr when not connected). Read-only callers
    // such as the application detail view fetch through it.
    argocd::Client* client(const QString& instanceId) const;

    // Saved instances from settings; secrets are then read from the keychain one by one.
    void loadSaved();
    // Adds or replaces an instance and connects it. `secret` (token or password) goes to the
    // keychain; an empty secret keeps the stored one. `done` gets the instance id.
    void saveInstance(const argocd::InstanceConfig& config, const QString& secret, bool readWrite,
                      bool production, std::function<void(Result<QString>)> done);
    void removeInstance(const QString& id);
    // For the demo and tests: connect with a token held only in memory.
    void addEphemeralInstance(const argocd::InstanceConfig& config, const QString& token);
    // Asks the server who we are and whether we can list applications, without saving anything.
    void testConnection(const argocd::InstanceConfig& config, const QString& secret,
                        std::function<void(Status, QString)> done);
    // After a 401 the user typed a new token or password.
    void provideCredentials(const QString& id, const QString& secret);
    void reconnect(const QString& id);

    // Starts the simulator on a worker thread with the demo fleet and connects to it.
    void startDemo();
    // The same with a generated fleet of `generatedApps` applications instead of the demo
    // scenario (0 = the demo scenario).
    void startDemoFleet(int generatedApps);
    bool demoRunning() const { return m_simThread != nullptr; }
    // The demo Prometheus (the release train's metrics history, docs/simulator.md): started
    // after the demo scenario loads, when prometheus and promtool are installed. Empty until
    // demoPrometheusReady(); the console works the same without it.
    QUrl demoPrometheusUrl() const { return m_demoPrometheusUrl; }
    // The demo Alertmanager with the demo's alerts (docs/incidents.md), when
    // prometheus-alertmanager is installed; empty until demoAlertmanagerReady().
    QUrl demoAlertmanagerUrl() const { return m_demoAlertmanagerUrl; }

    // Writes: built here, approved by a human through the gate, executed, audited.
    void requestSync(const QString& appKey, bool prune, bool dryRun,
                     std::function<void(Status)> done);
    void requestRefresh(const QString& appKey, bool hard, std::function<void(Status)> done);
    // A merge patch of metadata.annotations (e.g. the last analysis summary); an empty value
    // removes the annotation. Approved and audited like every other write.
    void requestAnnotate(const QString& appKey, const QMap<QString, QString>& annotations,
                         const QString& summary, std::function<void(Status)> done);
    // Runs a rollback plan step by step (analysis::RollbackPlanRunner) with the gate and the
    // client of the plan's instance: every step is approved and audited on its own; audit mode
    // refuses the first step and nothing is sent. `progress` (optional) hears each step start
    // (outcome NotRun) and finish. `done` is called exactly once.
    using PlanProgress = std::function<void(int step, const analysis::StepOutcome& outcome)>;
    void runRollbackPlan(const analysis::RollbackPlan& plan,
                         std::function<void(analysis::PlanRun)> done, PlanProgress progress = {});

    // The keychain, for secrets other than instance tokens (the LLM provider's API key).
    secrets::CredentialStore* credentials() const { return m_secrets; }
    // Records an action that is not an HTTP write (evidence sent to an LLM, an analysis
    // exported) in the audit log. False when the log is unavailable.
    bool recordAction(const QString& instance, const QString& action, const QString& target,
                      const QString& detail, bool succeeded = true);

    // The incident knowledge base lives on its own thread (SQLite connections are per thread);
    // `work` runs there, in submission order, and posts its results back itself. The database
    // opens on first use at knowledgeBasePath(); when it cannot, work still runs and sees
    // isOpen() == false.
    void withKnowledgeBase(std::function<void(analysis::KnowledgeBase&)> work);
    QString knowledgeBasePath() const { return m_kbPath; }
    void setKnowledgeBasePath(const QString& path) { m_kbPath = path; } // before first use

    // The health timeline (fleet::HealthTimeline: syncs and health transitions per app, for
    // rollback ranking), fed with the rows of the fleet store that changed health or operation.
    // Like the knowledge base it lives on its own thread; `work` runs there in submission order
    // (after every row already recorded) and posts its results back itself.
    void withHealthTimeline(std::function<void(fleet::HealthTimeline&)> work);
    QString healthTimelinePath() const { return m_timelinePath; }
    void setHealthTimelinePath(const QString& path) { m_timelinePath = path; } // before first use

    // Config repositories: where Sextant fetches, pushes and opens pull requests for each
    // repoURL Applications use (saved in settings; provider tokens in the keychain).
    gitops::GitRemoteRegistry* gitRemotes() const { return m_gitRemotes.get(); }
    // A remote whose provider token is held in memory only (the demo, tests); writes to it are
    // allowed (read-write mode) but still approved one by one.
    void addEphemeralGitRemote(const gitops::GitRemote& remote, const QString& token);
    // Saves a remote and its provider token (keychain; empty = keep the stored one); writes
    // allowed only when remote.writesAllowed.
    void saveGitRemote(const gitops::GitRemote& remote, const QString& token,
                       std::function<void(Status)> done);
    // Where bare mirrors of config repositories are kept (the demo's: a temporary folder).
    QString gitCacheRoot() const;

    // Custom policy rules and waivers of an application's config repository (docs/policy.md,
    // "The console's Policy tab"): .sextant/policy/*.yaml (and *.yml), .sextant-waivers.yaml and
    // .sextant/*.waivers.yaml in the directories from the repository root down to the app's
    // source path and below it, at the revision it is synced to (else the branch it follows,
    // else the default branch), read from the remote's mirror on the Git worker thread. No remote
    // set up for the app's repoURL: `configured` false, no files.
    struct PolicyRuleFiles {
        struct File {
            QString name; // "<repository>/<path>", as errors and the detail show it
            QByteArray content;
        };
        bool configured = false;
        QString revision;    // the commit read
        QList<File> files;   // custom rules
        QList<File> waivers; // .sextant-waivers.yaml, .sextant/*.waivers.yaml
        QList<File> rego;    // .sextant/policy/*.rego (not *_test.rego), run when an engine is
                             // installed (policy/rego.h)
    };
    void policyRuleFiles(const argocd::AppSummary& app,
                         std::function<void(Result<PolicyRuleFiles>)> done);

    // Drafts a corrective commit for `finding` of the application (its full object, as in the
    // evidence bundle) off the GUI thread: mirror of the config repository, the file that
    // decides the value, line-level edits, then the change described (impact, object diff,
    // risks, policy). `inputs` are the values the user chose (docs/corrective-commits.md); the
    // resource tree tells which images ran healthy before.
    void draftCorrectiveCommit(const QString& appKey, const nlohmann::json& application,
                               const nlohmann::json& resourceTree, const analysis::Finding& finding,
                               const QMap<QString, QString>& inputs,
                               std::function<void(Result<CorrectiveProposal>)> done);
    // Two approvals, each of the exact write: (1) the commit (its diff and message) on a new
    // branch, pushed without force; (2) the pull request (exact provider request), opened or
    // updated. Audited; audit mode refuses. `progress` hears each stage in plain words.
    void submitCorrectiveCommit(const CorrectiveProposal& proposal, const QString& title,
                                const QString& body,
                                std::function<void(Result<CorrectiveOutcome>)> done,
                                std::function<void(const QString&)> progress = {});

    // ---- Git repositories dialog and PR drafting view (ui/gitremotesdialog.h,
    // ui/prdraftdialog.h, docs/pr-description.md "Console"). Git and describe work runs on the
    // Git worker thread; callbacks arrive on the GUI thread. ----
    // Demo and test remotes (addEphemeralGitRemote): listed, never edited or saved.
    bool isEphemeralGitRemote(const QString& repoURL) const;
    // Whether a provider token is kept for the remote (memory or keychain); the keychain's error
    // when it cannot tell. The token itself never leaves the session.
    void gitTokenStored(const gitops::GitRemote& remote, std::function<void(Result<bool>)> done);
    // Forgets a saved remote: its settings entry, its token in the keychain, its write mode.
    void removeGitRemote(const QString& repoURL, std::function<void(Status)> done);
    // Mirrors the repository read-only with `token` (empty = the stored one, if any) and
    // reports its default branch and that branch's newest commit. Nothing is saved.
    void testGitRemote(const gitops::GitRemote& remote, const QString& token,
                       std::function<void(Result<ConfigRepositoryInfo>)> done);
    // Opens a configured remote's mirror (fetched) or a local repository and says what it is.
    void inspectConfigRepository(const ConfigChangeSource& source,
                                 std::function<void(Result<ConfigRepositoryInfo>)> done);
    // Describes base → head: the changed files, the Applications that render them (those of
    // connected instances whose sources use the repository, fetched in full, plus the
    // Application/ApplicationSet manifests in the repository), object changes, risks, policy,
    // approvals and the Markdown. `progress` hears each stage in plain words.
    void describeConfigChange(const ConfigChangeSource& source,
                              std::function<void(Result<ConfigChangeDraft>)> done,
                              std::function<void(const QString&)> progress = {});
    // Local changes: two approvals as for corrective commits — the commit of draft.edits on the
    // new branch `branch` from the base (the exact diff), pushed without force; then the pull
    // request. An existing head branch: the pull request approval only. Audited; audit mode
    // refuses.
    // Rollback through Git (docs/rollback.md): a change that puts every file the application
    // renders back as it was at `revision` (a commit of its config repository), on top of the
    // branch the application follows — a revert that works with auto-sync and self-heal left
    // on. Described like any change (impact, object diff, risks); submitted with
    // submitConfigChange (the commit's exact diff, then the pull request, each approved).
    void draftRevertChange(const QString& appKey, const nlohmann::json& application,
                           const QString& revision,
                           std::function<void(Result<ConfigChangeDraft>)> done);
    void submitConfigChange(const ConfigChangeDraft& draft, const QString& branch,
                            const QString& title, const QString& body,
                            std::function<void(Result<CorrectiveOutcome>)> done,
                            std::function<void(const QString&)> progress = {});

    // Releases (consolesession_release.cpp, docs/release-review.md). The metrics source is kept
    // in the settings, its token only in the keychain; the demo uses its own Prometheus when no
    // source is configured.
    metrics::MetricsSource metricsSource() const;
    QString metricsSourceDescription() const;
    // `token` empty keeps the stored one unless `removeToken`.
    void saveMetricsSource(const metrics::MetricsSource& source, const QString& token,
                           bool removeToken, std::function<void(Status)> done);
    // An instant query of `vector(1)`: the URL, TLS and token work. `token` empty = the stored one.
    void testMetricsSource(const metrics::MetricsSource& source, const QString& token,
                           std::function<void(Result<QString>)> done);
    // Every connected instance's ApplicationSets; errors per instance in words.
    void
    listApplicationSets(std::function<void(QVector<release::AppSetSummary>, QStringList)> done);
    // The release review of one ApplicationSet, canaries judged on the metrics source (none
    // configured: the review says so and judges nothing).
    void reviewRelease(const QString& instanceId, const QString& name,
                       const QString& appsetNamespace,
                       std::function<void(Result<release::ReleaseReview>)> done);

    // Incidents (consolesession_incidents.cpp, docs/incidents.md): the alerts of the metrics
    // source's Alertmanager (the demo's when none is configured), and one application's
    // timeline around an alert (syncs, health, deployments, the Git changes behind them).
    QString alertSourceDescription() const; // empty = none configured
    void fetchAlerts(std::function<void(Result<QVector<metrics::Alert>>)> done);
    void incidentTimeline(const QString& appKey, const QVector<metrics::Alert>& alerts,
                          const QString& fingerprint,
                          std::function<void(incident::IncidentTimeline)> done);

    // Runbooks (consolesession_runbooks.cpp, docs/incidents.md "Runbooks"): the pre-approved
    // runbooks of the application's config repository (.sextant/runbooks/), read from the
    // remote's mirror at the branch the application follows (else the default branch) on the Git
    // worker thread. `errors` holds the files' problems ("file:line: message"), or why nothing
    // could be read (no repository set up for the app's repoURL: Tools → Git repositories…).
    void loadRunbooks(const QString& appKey,
                      std::function<void(QVector<incident::Runbook>, QStringList)> done);
    // The runbook's proposal (incident::proposeRunbook) on that same tree, as a change described
    // like any other (impact, object diff, risks; the runbook's PR title and text first), ready
    // for PrDraftDialog::presentDraft and submitConfigChange. Nothing is written.
    void draftRunbookChange(const QString& appKey, const incident::Runbook& runbook,
                            const metrics::Alert& alert,
                            std::function<void(Result<ConfigChangeDraft>)> done);

    static QString stateName(State state);
    // The colour of a state's dot, the same in the status bar and on the dashboard tiles:
    // green live, orange on the way, red needs attention, grey disconnected.
    static QString stateColor(State state);

Q_SIGNALS:
    void instancesChanged();
    void instanceStateChanged(const QString& id);
    // A 401 or a missing secret: the UI asks the user and calls provideCredentials().
    void credentialsNeeded(const QString& id, const sextant::Error& error);
    void demoStarted();
    void demoFailed(const sextant::Error& error);
    void demoPrometheusReady(const QUrl& url);
    void demoPrometheusFailed(const sextant::Error& error);
    void demoAlertmanagerReady(const QUrl& url);
    void demoAlertmanagerFailed(const sextant::Error& error);
    void message(const QString& text); // a transient note for the status bar
    // An instance's cached rows were read (on a worker thread, `loadMs` of it) and handed to
    // the store; `apps` is 0 when there was no usable cache. For the startup probe.
    void cacheLoaded(const QString& id, int apps, double loadMs);

private:
    struct Connection;
    void connectInstance(const QString& id, const QString& secret);
    void disconnectInstance(const QString& id);
    // GET /api/v1/clusters: names for destinations given by server URL (see Connection).
    void fetchClusterNames(const QString& id);
    // Token: set it. Password: log in and set the session token the server returns.
    static void authenticate(argocd::Client* client, const argocd::InstanceConfig& config,
                             const QString& secret, std::function<void(Status)> done);
    void setState(const QString& id, State state, const Error& error = {});
    void persist();
    void runWrite(const QString& appKey,
                  std::function<WriteRequest(argocd::Client*, const argocd::AppSummary&)> build,
                  std::function<void(Status)> done);
    static QString secretKey(const argocd::InstanceConfig& config);
    // The local fleet cache (fleet::FleetCache), written off the GUI thread, in order.
    void saveCache(const QString& id, QVector<argocd::AppSummary> apps);
    void saveDirtyCaches();
    // Store rows whose health or operation changed, collected per batch and recorded in the
    // health timeline on its thread.
    void collectTimelineRows(int first, int last);
    void flushTimelineRows();

    fleet::FleetStore* m_store;
    governance::InstancePolicy* m_policy;
    std::unique_ptr<governance::AuditLog> m_audit;
    std::unique_ptr<governance::Approver> m_approver; // forwards to the one set by the UI
    governance::ApprovalGate* m_gate = nullptr;
    secrets::CredentialStore* m_secrets;
    QString m_auditPath;
    Error m_auditError;

    QStringList m_order;
    QHash<QString, InstanceInfo> m_instances;
    QHash<QString, Connection*> m_connections;
    QThreadPool* m_cachePool; // one thread: saves and deletions of cache files stay ordered
    QTimer* m_cacheTimer;     // every 60 s: instances with events since their last save
    QSet<QString> m_cacheDirty;
    QSet<QString> m_cacheSaveFailed; // instances whose last cache save failed (said once)

    QThreadPool* m_kbPool; // one thread that never expires: the knowledge base's connection
    std::shared_ptr<analysis::KnowledgeBase> m_kb; // created and used on m_kbPool only
    QString m_kbPath;

    QThreadPool* m_timelinePool; // one thread that never expires: the timeline's connection
    std::shared_ptr<fleet::HealthTimeline> m_timeline; // created and used on m_timelinePool
    QString m_timelinePath;
    std::unique_ptr<QTemporaryDir> m_demoData;  // a demo-only session's knowledge and timeline
    QVector<argocd::AppSummary> m_timelineRows; // changed rows of the batch being announced

    std::unique_ptr<gitops::GitRemoteRegistry> m_gitRemotes;
    QHash<QString, QString> m_gitTokens; // ephemeral remotes' provider tokens, by remote id
    QThreadPool* m_gitPool;              // one thread: mirrors are fetched and written in order
    std::unique_ptr<QTemporaryDir> m_demoGit; // the demo's Git repositories and mirrors
    // The provider token of a remote (memory for ephemeral ones, else the keychain).
    void gitToken(const gitops::GitRemote& remote, std::function<void(Result<QString>)> done);
    // The demo's config repositories and a local Git provider for them (on the sim thread).
    void startDemoGit();
    // A Prometheus client for `source` (the demo's when none is configured; a null pointer when
    // there is neither), with the typed token, else the stored one.
    void
    withPrometheus(const metrics::MetricsSource& source, const QString& typedToken,
                   std::function<void(Result<std::shared_ptr<metrics::PrometheusClient>>)> done);

    QThread* m_simThread = nullptr;
    sim::Simulator* m_sim = nullptr;

    // The demo Prometheus lives on the simulator's thread (a child of m_sim, stopped with it);
    // its data goes to a temporary folder removed with the session.
    void startDemoPrometheus();
    std::unique_ptr<QTemporaryDir> m_demoPrometheusDir;
    QUrl m_demoPrometheusUrl;
    void startDemoAlertmanager();
    QUrl m_demoAlertmanagerUrl;
};

} // namespace ui
} // namespace sextant
