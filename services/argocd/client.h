#pragma once

#include "core/result.h"
#include "core/writerequest.h"
#include "instance.h"
#include "types.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QPair>
#include <QSslConfiguration>
#include <QStringList>
#include <QVector>

#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

class QNetworkAccessManager;
class QNetworkReply;

namespace sextant::argocd {

// Server-side filters of the list and watch endpoints (section 3.2 of the API notes).
struct ListQuery {
    QStringList projects; // repeated ?projects=
    QString selector;     // Kubernetes label selector, e.g. "env=prod,team in (a,b)"
    QString appNamespace; // one namespace; empty = every enabled namespace
    QString name;         // exact name
    QString repo;         // source repository URL
    // `fields` projection for the list call; empty = Client::kUiListFields (Argo CD 3.5+).
    // Servers up to 3.4 drop the spec.* sub-fields: pass {"metadata.resourceVersion",
    // "items.metadata", "items.spec", "items.status.sync.status", ...} there.
    QStringList fields;
};

struct SyncResource {
    QString group;
    QString kind;
    QString resourceNamespace;
    QString name;
};

// Body of POST /applications/{name}/sync, field names exactly as the server expects.
struct SyncOptions {
    enum class Strategy { Default, Hook, Apply }; // Default: send no strategy (server's choice)
    QString revision;                             // single source; empty = spec targetRevision
    QStringList revisions;                        // multi-source, with 1-based sourcePositions
    QVector<int> sourcePositions;
    bool dryRun = false;
    bool prune = false;
    Strategy strategy = Strategy::Default;
    bool force = false;
    QVector<SyncResource> resources; // partial sync (skips hooks, leaves no history)
    QStringList syncOptions;         // "ServerSideApply=true", ...; replaces the spec's options
    QList<QPair<QString, QString>> infos; // e.g. {"reason", "hotfix #123"}
};

struct LogQuery {
    QString podName; // one pod, or kind/group/resourceName for all pods of a workload
    QString kind;
    QString group;
    QString resourceName;
    QString podNamespace; // `namespace` parameter
    QString container;
    bool previous = false; // previous container instance (crash loops)
    int tailLines = 0;     // 0 = server default
    int sinceSeconds = 0;
    QString filter; // substring; "!" prefix excludes
};

struct LogLine {
    QString content;
    QString podName;
    QString timeStampStr; // nanosecond precision, for ordering
    QDateTime timeStamp;
};

// Identifies a resource of the application's tree for its events.
struct ResourceRef {
    QString uid;
    QString resourceNamespace;
    QString name;
};

struct RetryPolicy {
    int maxRetries = 3;    // after the first attempt, idempotent GETs only
    int baseDelayMs = 500; // 0.5 s, 1 s, 2 s, ... each jittered to 50-150 %
    int maxDelayMs = 8000;
};

// The REST client of one Argo CD instance. Lives on one thread (normally the GUI thread);
// every callback is delivered on that thread, never after the Client is destroyed. Large
// bodies are parsed on the thread pool. Requests and responses share one
// QNetworkAccessManager (Qt opens at most 6 connections per host); the long-lived watch
// stream uses AppWatcher's own manager so it never takes one of those six.
class Client : public QObject {
    Q_OBJECT
public:
    template <typename T>
    using Callback = std::function<void(Result<T>)>;
    using Json = nlohmann::json;
    using QueryItems = QList<QPair<QString, QString>>; // decoded key/value pairs, in order

    // The list projection the Argo CD 3.5+ web UI uses (list endpoint whitelist).
    static const QStringList kUiListFields;

    explicit Client(InstanceConfig config, QObject* parent = nullptr);
    ~Client() override;

    const InstanceConfig& config() const { return m_config; }
    // The instance key and display name used in messages.
    QString instanceId() const { return m_config.id; }
    QString instanceName() const { return m_config.displayName(); }

    // Bearer token for every request. Setting one (even the same) ends the "waiting for
    // credentials" state entered after a 401.
    void setToken(const QString& token);
    bool hasToken() const { return !m_token.isEmpty(); }
    // True after a 401 until a new token is set: requests then fail at once without
    // touching the server (no 401 storms against the IdP or argocd-server).
    bool waitingForCredentials() const { return m_authBlocked; }
    void setRetryPolicy(const RetryPolicy& policy) { m_retry = policy; }
    const RetryPolicy& retryPolicy() const { return m_retry; }

    // POST /api/v1/session; on success the token is set and returned (for the keychain).
    void login(const QString& username, const QString& password, Callback<QString> callback);

    void listApplications(const ListQuery& query, Callback<AppList> callback);
    void getApplication(const QString& name, const QString& appNamespace, Callback<Json> callback);
    // GET ?refresh=normal|hard is a write in Sextant's eyes: see prepareRefresh().
    void resourceTree(const QString& name, const QString& appNamespace, Callback<Json> callback);
    void managedResources(const QString& name, const QString& appNamespace,
                          Callback<Json> callback);
    // Kubernetes events of the Application object itself.
    void applicationEvents(const QString& name, const QString& appNamespace,
                           Callback<Json> callback);
    // Events of one resource of the app's tree, from the destination cluster.
    void resourceEvents(const QString& name, const QString& appNamespace,
                        const ResourceRef& resource, Callback<Json> callback);
    // Non-follow logs: the stream's lines collected into a list.
    void podLogs(const QString& name, const QString& appNamespace, const LogQuery& query,
                 Callback<QVector<LogLine>> callback);
    void revisionMetadata(const QString& name, const QString& appNamespace, const QString& revision,
                          Callback<Json> callback);
    void manifests(const QString& name, const QString& appNamespace, const QString& revision,
                   Callback<Json> callback);
    void applicationSyncWindows(const QString& name, const QString& appNamespace,
                                Callback<Json> callback);
    void listApplicationSets(const QStringList& projects, const QString& appsetNamespace,
                             Callback<Json> callback);
    void getApplicationSet(const QString& name, const QString& appsetNamespace,
                           Callback<Json> callback);
    void listProjects(Callback<Json> callback);
    void getProject(const QString& name, Callback<Json> callback);
    void projectSyncWindows(const QString& name, Callback<Json> callback);
    void listClusters(Callback<Json> callback);
    // GET /account/can-i/{resource}/{action}/{subresource}; subresource may contain '/'.
    void canI(const QString& resource, const QString& action, const QString& subresource,
              Callback<bool> callback);
    // GET /api/version -> "v3.5.1+abc".
    void version(Callback<QString> callback);
    // Any other read-only endpoint: GET <baseUrl><encodedPath>?query, retried like the rest.
    void getJson(const QString& encodedPath, const QueryItems& query, Callback<Json> callback);

    // Writes. prepare*() only builds the exact request; nothing is sent until governance
    // approved it and execute() receives the ApprovedWrite.
    WriteRequest prepareSync(const AppSummary& app, const SyncOptions& options) const;
    WriteRequest prepareRollback(const AppSummary& app, qint64 historyId, bool dryRun = false,
                                 bool prune = false) const;
    WriteRequest prepareTerminate(const AppSummary& app) const;
    // GET ?refresh=normal|hard blocks on the server until the app was reconciled.
    WriteRequest prepareRefresh(const AppSummary& app, bool hard = false) const;
    // PATCH with patchType "merge"; `mergePatch` is a JSON object.
    WriteRequest preparePatch(const AppSummary& app, const Json& mergePatch,
                              const QString& summary = {}) const;
    // Sends exactly approved.request() with the bearer token. Never retried.
    void execute(const ApprovedWrite& approved, Callback<Json> callback);

    // For AppWatcher and other streams: a request to `url` with this instance's TLS settings,
    // HTTP/1.1, same-origin redirects and the bearer token.
    QNetworkRequest makeRequest(const QUrl& url) const;
    // Null unless the configuration cannot work (bad URL, unreadable CA file).
    const Error& configError() const { return m_configError; }
    // Enters the "waiting for credentials" state and emits authenticationRequired once.
    void reportUnauthorized(const Error& error);
    // Turns a failed exchange into a typed Error (instance name, method, URL, TLS errors).
    Error makeError(const QString& method, const QUrl& url, QNetworkReply* reply,
                    const QByteArray& body, bool timedOut) const;

    // Builds <base>/api/v1/applications/<name><suffix> with percent-encoding.
    QUrl applicationUrl(const QString& name, const QString& suffix = {}) const;
    static QString encodeSegment(const QString& segment);
    // Appends key=value pairs, percent-encoding everything but unreserved characters and ','
    // (so "+" in a selector stays a plus and "&" cannot start a new parameter).
    static QUrl withQuery(QUrl url, const QueryItems& items);
    static QueryItems listQueryItems(const ListQuery& query, const QStringList& fields);

signals:
    // The server refused the token (401). Emitted once; requests fail fast until setToken().
    void authenticationRequired(const sextant::Error& error);
    // A token was set (by setToken() or a successful login()).
    void tokenChanged();

private:
    struct Call;
    using RawCallback = std::function<void(Result<QByteArray>)>;

    void send(std::shared_ptr<Call> call);
    void finishCall(const std::shared_ptr<Call>& call, QNetworkReply* reply);
    int retryDelayMs(int attempt) const;
    void getRaw(const QUrl& url, RawCallback callback);
    void getParsed(const QUrl& url, const QString& what, Callback<Json> callback);
    template <typename T>
    void parseAsync(std::function<Result<T>()> work, Callback<T> callback);
    WriteRequest baseWrite(const AppSummary& app, const QString& action) const;

    InstanceConfig m_config;
    QString m_token;
    bool m_authBlocked = false;
    Error m_configError;
    RetryPolicy m_retry;
    QSslConfiguration m_ssl;
    QNetworkAccessManager* m_nam = nullptr;
    QHash<QNetworkReply*, std::shared_ptr<Call>> m_inFlight;
};

// Whether an application looks like production (stronger confirmation for writes).
bool looksLikeProduction(const AppSummary& app);

} // namespace sextant::argocd
