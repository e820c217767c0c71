#include "consolesession.h"

#include "analysis/knowledgebase.h"
#include "analysis/rollbackplan.h"
#include "argocd/appwatcher.h"
#include "argocd/client.h"
#include "fleet/fleetcache.h"
#include "fleet/fleetstore.h"
#include "fleet/healthtimeline.h"
#include "gitops/gitremotes.h"
#include "governance/actionmode.h"
#include "governance/approvalgate.h"
#include "governance/auditlog.h"
#include "secrets/credentialstore.h"
#include "sim/simulator.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QThreadPool>
#include <QTimer>
#include <QUuid>
#include <QtConcurrent>

namespace sextant::ui {

using argocd::AppSummary;
using argocd::InstanceConfig;

namespace {

// Lets the gate exist before the window does: forwards to whichever approver is set now.
class ForwardingApprover : public governance::Approver {
public:
    void requestApproval(const WriteRequest& request,
                         std::function<void(governance::ApprovalDecision)> done) override {
        if (!target) {
            governance::ApprovalDecision rejected;
            rejected.comment = QStringLiteral("no one is there to approve changes");
            done(rejected);
            return;
        }
        target->requestApproval(request, std::move(done));
    }
    governance::Approver* target = nullptr;
};

} // namespace

struct ConsoleSession::Connection {
    argocd::Client* client = nullptr;
    argocd::AppWatcher* watcher = nullptr;
    // Cluster server URL -> name, from GET /api/v1/clusters: an application that names its
    // destination by server is shown under the cluster's name, so one cluster is one cluster
    // whichever way its applications address it.
    QHash<QString, QString> clusterNames;
};

namespace {

// Fills destination.name from the instance's cluster list where only the server is given.
void nameClusters(QVector<AppSummary>& apps, const QHash<QString, QString>& names) {
    if (names.isEmpty())
        return;
    // Read through a const view: the shared vector is copied only when a row really changes.
    const QVector<AppSummary>& view = apps;
    for (qsizetype i = 0; i < view.size(); ++i)
        if (view[i].destName.isEmpty() && !view[i].destServer.isEmpty())
            if (auto it = names.constFind(view[i].destServer); it != names.constEnd())
                apps[i].destName = *it;
}

} // namespace

ConsoleSession::ConsoleSession(QObject* parent, const QString& auditLogPath)
    : QObject(parent)
    , m_store(new fleet::FleetStore(this))
    , m_policy(new governance::InstancePolicy(this))
    , m_approver(std::make_unique<ForwardingApprover>())
    , m_secrets(new secrets::CredentialStore(this))
    , m_cachePool(new QThreadPool(this))
    , m_cacheTimer(new QTimer(this))
    , m_kbPool(new QThreadPool(this))
    , m_timelinePool(new QThreadPool(this))
    , m_gitRemotes(std::make_unique<gitops::GitRemoteRegistry>())
    , m_gitPool(new QThreadPool(this)) {
    m_cachePool->setMaxThreadCount(1);
    m_gitPool->setMaxThreadCount(1);
    m_kbPool->setMaxThreadCount(1);
    m_kbPool->setExpiryTimeout(-1); // the same thread for the life of the session
    m_timelinePool->setMaxThreadCount(1);
    m_timelinePool->setExpiryTimeout(-1);
    // Beside the audit log and the fleet history, so sextant-cli can read them too.
    const QString dataDir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                            QStringLiteral("/sextant/");
    m_kbPath = dataDir + QStringLiteral("knowledge.sqlite");
    m_timelinePath = dataDir + QStringLiteral("health-timeline.sqlite");
    // The health timeline hears only rows whose health or operation changed (and new rows):
    // at 50,000 apps a watch event costs a row copy here and a hash lookup on its thread.
    connect(m_store, &fleet::FleetStore::rowsChanged, this,
            [this](int first, int last, fleet::ChangedFields fields) {
                if (fields & (fleet::ChangedHealth | fleet::ChangedOperation))
                    collectTimelineRows(first, last);
            });
    connect(m_store, &fleet::FleetStore::rowsInserted, this, &ConsoleSession::collectTimelineRows);
    connect(m_store, &fleet::FleetStore::batchApplied, this, &ConsoleSession::flushTimelineRows);
    m_cacheTimer->setInterval(60 * 1000);
    connect(m_cacheTimer, &QTimer::timeout, this, &ConsoleSession::saveDirtyCaches);
    m_cacheTimer->start();
    m_auditPath = auditLogPath.isEmpty() ? governance::AuditLog::defaultPath() : auditLogPath;
    QDir().mkpath(QFileInfo(m_auditPath).absolutePath());
    m_audit = std::make_unique<governance::AuditLog>(m_auditPath);
    // A log that cannot be opened or whose chain is broken disables every write, visibly.
    if (Status opened = m_audit->open(); !opened.ok())
        m_auditError = opened.error();
    else
        m_gate = new governance::ApprovalGate(m_audit.get(), m_policy, m_approver.get(), this);
}

ConsoleSession::~ConsoleSession() {
    // The next start shows what was seen last, not what was seen up to a minute earlier.
    saveDirtyCaches();
    m_cachePool->waitForDone();
    // The knowledge base closes on its own thread, after the work already queued.
    m_kbPool->start([this] { m_kb.reset(); });
    m_kbPool->waitForDone();
    m_timelinePool->start([this] { m_timeline.reset(); });
    m_timelinePool->waitForDone();
    m_gitPool->waitForDone();
    for (const QString& id : std::as_const(m_order))
        disconnectInstance(id);
    if (m_simThread) {
        QMetaObject::invokeMethod(
            m_sim, [sim = m_sim] { delete sim; }, Qt::BlockingQueuedConnection);
        m_simThread->quit();
        m_simThread->wait();
        delete m_simThread;
    }
}

argocd::Client* ConsoleSession::client(const QString& instanceId) const {
    const Connection* conn = m_connections.value(instanceId);
    return conn ? conn->client : nullptr;
}

void ConsoleSession::setApprover(governance::Approver* approver) {
    static_cast<ForwardingApprover*>(m_approver.get())->target = approver;
}

const ConsoleSession::InstanceInfo* ConsoleSession::instance(const QString& id) const {
    auto it = m_instances.constFind(id);
    return it == m_instances.constEnd() ? nullptr : &it.value();
}

QString ConsoleSession::stateName(State state) {
    switch (state) {
    case State::Disconnected:
        return tr("disconnected");
    case State::Connecting:
        return tr("connecting");
    case State::Live:
        return tr("live");
    case State::Reconnecting:
        return tr("reconnecting");
    case State::Failed:
        return tr("failed");
    case State::NeedsCredentials:
        return tr("needs credentials");
    }
    return {};
}

QString ConsoleSession::stateColor(State state) {
    switch (state) {
    case State::Live:
        return QStringLiteral("#1e8e3e");
    case State::Connecting:
    case State::Reconnecting:
        return QStringLiteral("#e37400");
    case State::Failed:
    case State::NeedsCredentials:
        return QStringLiteral("#d03030");
    case State::Disconnected:
        break;
    }
    return QStringLiteral("#808080");
}

QString ConsoleSession::secretKey(const InstanceConfig& config) {
    return config.authMethod == argocd::AuthMethod::Password
               ? secrets::CredentialStore::instancePasswordKey(config.id)
               : secrets::CredentialStore::instanceTokenKey(config.id);
}

void ConsoleSession::loadSaved() {
    m_gitRemotes->load();
    for (const gitops::GitRemote& remote : m_gitRemotes->remotes())
        m_policy->setMode(remote.id(), remote.writesAllowed ? governance::Mode::ReadWrite
                                                            : governance::Mode::Audit);
    QSettings settings;
    const int n = settings.beginReadArray(QStringLiteral("instances"));
    QVector<InstanceConfig> configs;
    for (int i = 0; i < n; ++i) {
        settings.setArrayIndex(i);
        auto config =
            InstanceConfig::fromVariantMap(settings.value(QStringLiteral("config")).toMap());
        if (!config.ok()) {
            Q_EMIT message(tr("Skipped a saved instance: %1").arg(config.error().shortMessage));
            continue;
        }
        const auto mode =
            governance::modeFromString(settings.value(QStringLiteral("mode")).toString());
        m_policy->setMode(config->id, mode.value_or(governance::Mode::Audit));
        m_policy->setRequiresTypedConfirmation(
            config->id, settings.value(QStringLiteral("production")).toBool());
        configs.append(config.value());
    }
    settings.endArray();
    for (const InstanceConfig& config : configs) {
        m_order.append(config.id);
        m_instances.insert(config.id, InstanceInfo{config, State::Connecting, {}, false, {}, {}});
        // The last rows seen, until the instance's own list arrives (a missing or unreadable
        // cache gives an empty fleet and is ignored).
        QtConcurrent::run([path = fleet::FleetCache::defaultPath(config.id)] {
            QElapsedTimer timer;
            timer.start();
            Result<fleet::CachedFleet> cached = fleet::FleetCache::load(path);
            return std::pair{cached.ok() ? std::move(cached).value() : fleet::CachedFleet{},
                             double(timer.nsecsElapsed()) / 1e6};
        }).then(this, [this, id = config.id](std::pair<fleet::CachedFleet, double> loaded) {
            fleet::CachedFleet& cached = loaded.first;
            auto it = m_instances.find(id);
            if (cached.instanceId != id || it == m_instances.end() || it->ephemeral ||
                it->lastUpdate.isValid()) {
                Q_EMIT cacheLoaded(id, 0, loaded.second);
                return;
            }
            const int apps = int(cached.apps.size());
            m_store->applySnapshotAsync(id, std::move(cached.apps));
            it->cachedAsOf = cached.asOf.isValid() ? cached.asOf : QDateTime::currentDateTimeUtc();
            Q_EMIT instanceStateChanged(id);
            Q_EMIT cacheLoaded(id, apps, loaded.second);
        });
        m_secrets->read(secretKey(config), [this, id = config.id](Result<QString> secret) {
            if (!m_instances.contains(id))
                return;
            if (!secret.ok()) {
                setState(id, State::NeedsCredentials, secret.error());
                Q_EMIT credentialsNeeded(id, secret.error());
                return;
            }
            connectInstance(id, secret.value());
        });
    }
    Q_EMIT instancesChanged();
}

void ConsoleSession::persist() {
    QSettings settings;
    settings.beginWriteArray(QStringLiteral("instances"));
    int i = 0;
    for (const QString& id : std::as_const(m_order)) {
        const InstanceInfo& info = m_instances[id];
        if (info.ephemeral)
            continue;
        settings.setArrayIndex(i++);
        settings.setValue(QStringLiteral("config"), info.config.toVariantMap());
        settings.setValue(QStringLiteral("mode"), governance::toString(m_policy->mode(id)));
        settings.setValue(QStringLiteral("production"), m_policy->requiresTypedConfirmation(id));
    }
    settings.endArray();
}

void ConsoleSession::saveInstance(const InstanceConfig& input, const QString& secret,
                                  bool readWrite, bool production,
                                  std::function<void(Result<QString>)> done) {
    InstanceConfig config = input;
    if (config.id.isEmpty())
        config.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (auto valid = config.validate(); !valid.ok()) {
        done(valid.error());
        return;
    }
    auto apply = [this, config, readWrite, production, done](const QString& liveSecret) {
        const bool existed = m_instances.contains(config.id);
        m_policy->setMode(config.id,
                          readWrite ? governance::Mode::ReadWrite : governance::Mode::Audit);
        m_policy->setRequiresTypedConfirmation(config.id, production);
        disconnectInstance(config.id);
        if (!existed)
            m_order.append(config.id);
        InstanceInfo info{config, State::Connecting, {}, false, {}, {}};
        m_instances.insert(config.id, info);
        persist();
        Q_EMIT instancesChanged();
        connectInstance(config.id, liveSecret);
        done(config.id);
    };
    if (secret.isEmpty()) {
        // Keep the stored secret: read it back for the new connection.
        m_secrets->read(secretKey(config), [apply](Result<QString> stored) {
            apply(stored.ok() ? stored.value() : QString());
        });
        return;
    }
    m_secrets->write(secretKey(config), secret, [apply, secret, done](Status written) {
        if (!written.ok()) {
            // Never fall back to plain text: the instance is not saved without its secret.
            done(written.error());
            return;
        }
        apply(secret);
    });
}

void ConsoleSession::removeInstance(const QString& id) {
    if (!m_instances.contains(id))
        return;
    const InstanceInfo info = m_instances.take(id);
    disconnectInstance(id);
    m_order.removeAll(id);
    m_store->removeInstance(id);
    m_policy->remove(id);
    m_cacheDirty.remove(id);
    if (!info.ephemeral) {
        m_secrets->remove(secretKey(info.config), [](Status) {});
        persist();
        // After any save still queued for it.
        m_cachePool->start([path = fleet::FleetCache::defaultPath(id)] { QFile::remove(path); });
    }
    Q_EMIT instancesChanged();
}

void ConsoleSession::addEphemeralInstance(const InstanceConfig& config, const QString& token) {
    disconnectInstance(config.id);
    if (!m_instances.contains(config.id))
        m_order.append(config.id);
    m_instances.insert(config.id, InstanceInfo{config, State::Connecting, {}, true, {}, {}});
    Q_EMIT instancesChanged();
    connectInstance(config.id, token);
}

void ConsoleSession::connectInstance(const QString& id, const QString& secret) {
    disconnectInstance(id);
    InstanceInfo& info = m_instances[id];
    auto* conn = new Connection;
    conn->client = new argocd::Client(info.config, this);
    conn->watcher = new argocd::AppWatcher(conn->client, this);
    m_connections.insert(id, conn);

    connect(conn->client, &argocd::Client::authenticationRequired, this,
            [this, id](const Error& error) {
                setState(id, State::NeedsCredentials, error);
                Q_EMIT credentialsNeeded(id, error);
            });
    connect(conn->watcher, &argocd::AppWatcher::snapshot, this,
            [this, id](const QString&, const argocd::AppList& list) {
                QVector<AppSummary> apps = list.apps;
                if (const Connection* c = m_connections.value(id))
                    nameClusters(apps, c->clusterNames);
                m_store->applySnapshotAsync(id, apps);
                InstanceInfo& live = m_instances[id];
                live.lastUpdate = QDateTime::currentDateTimeUtc();
                if (live.cachedAsOf.isValid()) {
                    live.cachedAsOf = {};
                    Q_EMIT instanceStateChanged(id);
                }
                saveCache(id, apps);
            });
    connect(conn->watcher, &argocd::AppWatcher::events, this,
            [this, id](const QString&, const QVector<argocd::AppEvent>& batch) {
                QVector<argocd::AppEvent> events = batch;
                if (const Connection* c = m_connections.value(id); c && !c->clusterNames.isEmpty())
                    for (argocd::AppEvent& e : events)
                        if (e.app.destName.isEmpty())
                            e.app.destName = c->clusterNames.value(e.app.destServer);
                m_store->applyEventsAsync(events);
                m_instances[id].lastUpdate = QDateTime::currentDateTimeUtc();
                m_cacheDirty.insert(id);
            });
    // A bad message in the stream is skipped, the rows keep their last good state; say so.
    connect(conn->watcher, &argocd::AppWatcher::warning, this,
            [this](const Error& warning) { Q_EMIT message(warning.shortMessage); });
    connect(conn->watcher, &argocd::AppWatcher::stateChanged, this,
            [this, id](argocd::ConnectionState state, const Error& error) {
                switch (state) {
                case argocd::ConnectionState::Connecting:
                    setState(id, State::Connecting, error);
                    break;
                case argocd::ConnectionState::Live:
                    setState(id, State::Live);
                    break;
                case argocd::ConnectionState::Reconnecting:
                    setState(id, State::Reconnecting, error);
                    break;
                case argocd::ConnectionState::Failed:
                    setState(id,
                             error.kind == Error::Kind::Unauthorized ? State::NeedsCredentials
                                                                     : State::Failed,
                             error);
                    break;
                case argocd::ConnectionState::Stopped:
                    setState(id, State::Disconnected, error);
                    break;
                }
            });

    if (secret.isEmpty()) {
        const Error missing =
            Error::make(Error::Kind::Unauthorized,
                        tr("%1: no token or password stored").arg(info.config.displayName()));
        setState(id, State::NeedsCredentials, missing);
        Q_EMIT credentialsNeeded(id, missing);
        return;
    }
    setState(id, State::Connecting);
    QPointer<argocd::AppWatcher> watcher = conn->watcher;
    authenticate(conn->client, info.config, secret, [this, id, watcher](Status signedIn) {
        if (!watcher)
            return;
        if (!signedIn.ok()) {
            const bool auth = signedIn.error().kind == Error::Kind::Unauthorized;
            setState(id, auth ? State::NeedsCredentials : State::Failed, signedIn.error());
            if (auth)
                Q_EMIT credentialsNeeded(id, signedIn.error());
            return;
        }
        watcher->start();
        fetchClusterNames(id);
    });
}

void ConsoleSession::fetchClusterNames(const QString& id) {
    Connection* conn = m_connections.value(id);
    if (!conn)
        return;
    QPointer<argocd::Client> client = conn->client;
    client->listClusters([this, id, client](Result<nlohmann::json> result) {
        Connection* c = m_connections.value(id);
        // Without the list (no permission to read clusters) rows keep the server URL.
        if (!c || c->client != client || !result.ok())
            return;
        QHash<QString, QString> names;
        const nlohmann::json& items = result.value().is_object() && result.value().contains("items")
                                          ? result.value()["items"]
                                          : nlohmann::json();
        if (items.is_array())
            for (const nlohmann::json& item : items) {
                if (!item.is_object() || !item.value("server", nlohmann::json()).is_string() ||
                    !item.value("name", nlohmann::json()).is_string())
                    continue;
                const QString server = QString::fromStdString(item["server"].get<std::string>());
                const QString name = QString::fromStdString(item["name"].get<std::string>());
                if (!server.isEmpty() && !name.isEmpty())
                    names.insert(server, name);
            }
        if (names == c->clusterNames)
            return;
        c->clusterNames = names;
        // Rows listed before the names arrived: list again so every row is named.
        c->watcher->resync();
    });
}

void ConsoleSession::authenticate(argocd::Client* client, const InstanceConfig& config,
                                  const QString& secret, std::function<void(Status)> done) {
    if (config.authMethod != argocd::AuthMethod::Password) {
        client->setToken(secret);
        done(okStatus());
        return;
    }
    // A local user's password is exchanged for a session token; only the token is kept.
    QPointer<argocd::Client> guard = client;
    client->login(config.username, secret, [guard, done](Result<QString> token) {
        if (!guard)
            return;
        if (!token.ok()) {
            done(token.error());
            return;
        }
        guard->setToken(token.value());
        done(okStatus());
    });
}

void ConsoleSession::disconnectInstance(const QString& id) {
    Connection* conn = m_connections.take(id);
    if (!conn)
        return;
    conn->watcher->stop();
    conn->watcher->deleteLater();
    conn->client->deleteLater();
    delete conn;
}

void ConsoleSession::saveCache(const QString& id, QVector<AppSummary> apps) {
    const InstanceInfo* info = instance(id);
    if (!info || info->ephemeral)
        return;
    m_cacheDirty.remove(id);
    QPointer<ConsoleSession> self(this);
    m_cachePool->start([self, id, apps = std::move(apps)] {
        const Status saved = fleet::FleetCache::save(fleet::FleetCache::defaultPath(id), id, apps,
                                                     QDateTime::currentDateTimeUtc());
        if (!saved.ok())
            qWarning("%s", qPrintable(saved.error().toString()));
        // Said once per instance until a save works again: a full disk should not go unnoticed,
        // nor repeat every minute.
        QMetaObject::invokeMethod(
            qApp,
            [self, id, saved] {
                if (!self)
                    return;
                if (saved.ok()) {
                    self->m_cacheSaveFailed.remove(id);
                } else if (!self->m_cacheSaveFailed.contains(id)) {
                    self->m_cacheSaveFailed.insert(id);
                    Q_EMIT self->message(tr("Could not save the local cache of %1: %2. The console "
                                            "keeps working; the next start shows no cached rows.")
                                             .arg(id, saved.error().shortMessage));
                }
            },
            Qt::QueuedConnection);
    });
}

void ConsoleSession::saveDirtyCaches() {
    if (m_cacheDirty.isEmpty())
        return;
    // Copies of the rows (their strings are shared, not copied); serialised on the pool.
    QHash<QString, QVector<AppSummary>> rows;
    for (const QString& id : std::as_const(m_cacheDirty)) {
        const InstanceInfo* info = instance(id);
        if (info && !info->ephemeral && info->state == State::Live)
            rows.insert(id, {});
    }
    for (int i = 0; i < m_store->size() && !rows.isEmpty(); ++i) {
        const AppSummary& app = m_store->at(i);
        if (auto it = rows.find(app.instance); it != rows.end())
            it->append(app);
    }
    for (auto it = rows.begin(); it != rows.end(); ++it)
        saveCache(it.key(), std::move(it.value()));
}

void ConsoleSession::setState(const QString& id, State state, const Error& error) {
    auto it = m_instances.find(id);
    if (it == m_instances.end())
        return;
    it->state = state;
    if (error.isError())
        it->lastError = error;
    else if (state == State::Live)
        it->lastError = Error();
    Q_EMIT instanceStateChanged(id);
}

void ConsoleSession::provideCredentials(const QString& id, const QString& secret) {
    auto it = m_instances.find(id);
    if (it == m_instances.end())
        return;
    if (it->ephemeral) {
        connectInstance(id, secret);
        return;
    }
    m_secrets->write(secretKey(it->config), secret, [this, id, secret](Status written) {
        if (!written.ok()) {
            setState(id, State::NeedsCredentials, written.error());
            return;
        }
        connectInstance(id, secret);
    });
}

void ConsoleSession::reconnect(const QString& id) {
    auto it = m_instances.find(id);
    if (it == m_instances.end())
        return;
    m_secrets->read(secretKey(it->config), [this, id](Result<QString> secret) {
        connectInstance(id, secret.ok() ? secret.value() : QString());
    });
}

void ConsoleSession::testConnection(const InstanceConfig& config, const QString& secret,
                                    std::function<void(Status, QString)> done) {
    if (auto valid = config.validate(); !valid.ok()) {
        done(valid.error(), {});
        return;
    }
    auto* client = new argocd::Client(config, this);
    auto finish = [client, done](Status status, QString text) {
        client->deleteLater();
        done(status, text);
    };
    auto probe = [client, finish]() {
        client->version([client, finish](Result<QString> version) {
            if (!version.ok()) {
                finish(version.error(), {});
                return;
            }
            argocd::ListQuery query;
            client->listApplications(query, [version, finish](Result<argocd::AppList> list) {
                if (!list.ok()) {
                    finish(list.error(), {});
                    return;
                }
                finish(okStatus(), tr("Connected to Argo CD %1: %n application(s) visible.",
                                      nullptr, int(list->apps.size()))
                                       .arg(version.value()));
            });
        });
    };
    authenticate(client, config, secret, [probe, finish](Status signedIn) {
        if (signedIn.ok())
            probe();
        else
            finish(signedIn.error(), {});
    });
}

void ConsoleSession::startDemo() {
    startDemoFleet(0);
}

void ConsoleSession::startDemoFleet(int generatedApps) {
    if (m_simThread)
        return;
    // A demo session keeps nothing, like its instances: its incidents and health history go to
    // a temporary folder, not into the knowledge base and timeline of the user's real fleets.
    // (With saved instances in the same session the real files stay in use for them.)
    const bool onlyDemo = std::all_of(m_order.cbegin(), m_order.cend(), [this](const QString& id) {
        return m_instances.value(id).ephemeral;
    });
    if (onlyDemo && !m_demoData) {
        m_demoData = std::make_unique<QTemporaryDir>();
        if (m_demoData->isValid()) {
            m_kbPath = m_demoData->filePath(QStringLiteral("knowledge.sqlite"));
            m_timelinePath = m_demoData->filePath(QStringLiteral("health-timeline.sqlite"));
        }
    }
    m_simThread = new QThread(this);
    m_simThread->setObjectName(QStringLiteral("sextant-demo-sim"));
    m_sim = new sim::Simulator;
    m_sim->moveToThread(m_simThread);
    m_simThread->start();
    // Generation and listening happen on the simulator's thread; the endpoints come back here.
    QMetaObject::invokeMethod(m_sim, [this, sim = m_sim, generatedApps] {
        Status loaded = okStatus();
        if (generatedApps > 0) {
            // A large fleet for trying the console at scale: 10 instances, 200 clusters.
            sim::GeneratorOptions options;
            options.apps = generatedApps;
            options.instances = 10;
            options.clusters = 200;
            options.seed = 7;
            sim->generate(options);
        } else {
            loaded = sim->loadDemo();
        }
        if (loaded.ok())
            loaded = sim->listen(QHostAddress::LocalHost, 0);
        const auto endpoints = loaded.ok() ? sim->endpoints() : QVector<sim::InstanceEndpoint>{};
        QMetaObject::invokeMethod(this, [this, loaded, endpoints, generatedApps] {
            if (!loaded.ok()) {
                Q_EMIT demoFailed(loaded.error());
                return;
            }
            for (const sim::InstanceEndpoint& ep : endpoints) {
                InstanceConfig config;
                config.id = QStringLiteral("demo-") + ep.name;
                config.name = ep.name;
                config.baseUrl = ep.url;
                addEphemeralInstance(config, ep.token);
            }
            Q_EMIT demoStarted();
            if (generatedApps == 0) {
                startDemoPrometheus();
                startDemoAlertmanager();
            }
        });
    });
    if (generatedApps == 0)
        startDemoGit();
}

void ConsoleSession::runWrite(const QString& appKey,
                              std::function<WriteRequest(argocd::Client*, const AppSummary&)> build,
                              std::function<void(Status)> done) {
    const int row = m_store->indexOf(appKey);
    if (row < 0) {
        done(Error::make(Error::Kind::NotFound, tr("The application is no longer in the fleet")));
        return;
    }
    if (!m_gate) {
        done(Error::make(Error::Kind::Approval,
                         tr("Changes are disabled: the audit log could not be opened"),
                         m_auditError.toString()));
        return;
    }
    const AppSummary app = m_store->at(row);
    Connection* conn = m_connections.value(app.instance);
    if (!conn) {
        done(Error::make(Error::Kind::Network, tr("%1 is not connected").arg(app.instance)));
        return;
    }
    WriteRequest request = build(conn->client, app);
    request.production = m_policy->requiresTypedConfirmation(app.instance);
    QPointer<argocd::Client> client = conn->client;
    m_gate->submit(request, [this, client, done](Result<ApprovedWrite> approved) {
        if (!approved.ok()) {
            done(approved.error());
            return;
        }
        if (!client) {
            const Error gone =
                Error::make(Error::Kind::Cancelled, tr("The instance was disconnected"));
            m_gate->recordOutcome(approved.value(), gone, gone.shortMessage);
            done(gone);
            return;
        }
        const ApprovedWrite write = approved.value();
        client->execute(write, [this, write, done](Result<nlohmann::json> response) {
            if (!response.ok()) {
                m_gate->recordOutcome(write, response.error(), response.error().toString());
                done(response.error());
                return;
            }
            m_gate->recordOutcome(write, okStatus(), tr("accepted by the server"));
            done(okStatus());
        });
    });
}

void ConsoleSession::requestSync(const QString& appKey, bool prune, bool dryRun,
                                 std::function<void(Status)> done) {
    runWrite(
        appKey,
        [prune, dryRun](argocd::Client* client, const AppSummary& app) {
            argocd::SyncOptions options;
            options.prune = prune;
            options.dryRun = dryRun;
            return client->prepareSync(app, options);
        },
        std::move(done));
}

void ConsoleSession::requestRefresh(const QString& appKey, bool hard,
                                    std::function<void(Status)> done) {
    runWrite(
        appKey,
        [hard](argocd::Client* client, const AppSummary& app) {
            return client->prepareRefresh(app, hard);
        },
        std::move(done));
}

void ConsoleSession::requestAnnotate(const QString& appKey,
                                     const QMap<QString, QString>& annotations,
                                     const QString& summary, std::function<void(Status)> done) {
    nlohmann::json values = nlohmann::json::object();
    for (auto it = annotations.constBegin(); it != annotations.constEnd(); ++it) {
        if (it.value().isEmpty())
            values[it.key().toStdString()] = nullptr; // merge patch: null deletes
        else
            values[it.key().toStdString()] = it.value().toStdString();
    }
    nlohmann::json patch = {{"metadata", {{"annotations", values}}}};
    runWrite(
        appKey,
        [patch, summary](argocd::Client* client, const AppSummary& app) {
            return client->preparePatch(app, patch, summary);
        },
        std::move(done));
}

bool ConsoleSession::recordAction(const QString& instance, const QString& action,
                                  const QString& target, const QString& detail, bool succeeded) {
    if (!m_audit || m_auditError.isError())
        return false;
    governance::AuditRecord record;
    record.instance = instance;
    record.action = action;
    record.target = target;
    record.phase = succeeded ? governance::AuditPhase::Succeeded : governance::AuditPhase::Failed;
    record.detail = detail;
    return m_audit->append(record).ok();
}

void ConsoleSession::withKnowledgeBase(std::function<void(analysis::KnowledgeBase&)> work) {
    m_kbPool->start([this, work = std::move(work)] {
        if (!m_kb) {
            QDir().mkpath(QFileInfo(m_kbPath).absolutePath());
            m_kb = std::make_shared<analysis::KnowledgeBase>(m_kbPath);
            if (!m_kb->isOpen())
                qWarning("knowledge base unavailable: %s", qPrintable(m_kb->error().toString()));
        }
        work(*m_kb);
    });
}

void ConsoleSession::withHealthTimeline(std::function<void(fleet::HealthTimeline&)> work) {
    m_timelinePool->start([this, work = std::move(work)] {
        if (!m_timeline) {
            QDir().mkpath(QFileInfo(m_timelinePath).absolutePath());
            m_timeline = std::make_shared<fleet::HealthTimeline>(m_timelinePath);
            if (!m_timeline->isOpen())
                qWarning("health timeline unavailable: %s", qPrintable(m_timeline->errorString()));
        }
        work(*m_timeline);
    });
}

void ConsoleSession::collectTimelineRows(int first, int last) {
    // Rows from the local cache are what an earlier session saw live, and recorded then. At
    // 50,000 rows recording them again kept a core busy with SQLite for seconds, right while
    // the console started (bench startup); the instance's own list is recorded as usual.
    const QString* instance = nullptr;
    bool cached = false;
    m_timelineRows.reserve(m_timelineRows.size() + (last - first + 1));
    for (int row = first; row <= last; ++row) {
        const AppSummary& app = m_store->at(row);
        if (!instance || *instance != app.instance) {
            instance = &app.instance;
            const InstanceInfo* info = this->instance(app.instance);
            cached = info && info->cachedAsOf.isValid() && !info->lastUpdate.isValid();
        }
        if (!cached)
            m_timelineRows.append(app); // shares the strings, copies no text
    }
}

void ConsoleSession::flushTimelineRows() {
    if (m_timelineRows.isEmpty())
        return;
    withHealthTimeline([rows = std::exchange(m_timelineRows, {})](fleet::HealthTimeline& t) {
        if (t.isOpen())
            t.recordSummaries(rows); // one transaction; unchanged rows cost a hash lookup
    });
}

void ConsoleSession::runRollbackPlan(const analysis::RollbackPlan& input,
                                     std::function<void(analysis::PlanRun)> done,
                                     PlanProgress progress) {
    const auto refuse = [&input, &done](const QString& reason) {
        analysis::PlanRun run;
        run.stoppedAt = 0;
        run.stopReason = reason;
        run.steps.resize(input.steps.size());
        done(run);
    };
    if (!m_gate) {
        refuse(tr("Changes are disabled: the audit log could not be opened (%1)")
                   .arg(m_auditError.shortMessage));
        return;
    }
    analysis::RollbackPlan plan = input;
    const QString instanceId =
        plan.steps.isEmpty() ? QString() : plan.steps.first().request.instanceId;
    argocd::Client* client = this->client(instanceId);
    if (!plan.steps.isEmpty() && !client) {
        refuse(tr("%1 is not connected").arg(instanceId));
        return;
    }
    // The instance's production flag asks for the typed confirmation, as for every other write.
    for (analysis::PlanStep& step : plan.steps)
        step.request.production =
            step.request.production || m_policy->requiresTypedConfirmation(instanceId);
    // Owned by the client: a disconnected instance ends the run (and says so) instead of
    // leaving the runner with a dangling client.
    QObject* owner = client ? static_cast<QObject*>(client) : this;
    auto* runner = new analysis::RollbackPlanRunner(m_gate, client, owner);
    auto finished = std::make_shared<bool>(false);
    if (progress) {
        connect(runner, &analysis::RollbackPlanRunner::stepStarted, this,
                [progress](int index, const QString&) { progress(index, {}); });
        connect(runner, &analysis::RollbackPlanRunner::stepFinished, this, progress);
    }
    connect(runner, &QObject::destroyed, this, [finished, done, steps = plan.steps.size()] {
        if (*finished)
            return;
        *finished = true;
        analysis::PlanRun run;
        run.stopReason = tr("The instance was disconnected while the plan ran; check the "
                            "application's state before trying again");
        run.steps.resize(steps);
        done(run);
    });
    runner->run(plan, [runner, finished, done](analysis::PlanRun run) {
        *finished = true;
        runner->deleteLater();
        done(std::move(run));
    });
}

} // namespace sextant::ui
