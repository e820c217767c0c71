// argocd::Client and AppWatcher against the in-process simulator over real loopback HTTP(S).

#include "argocd/appparser.h"
#include "argocd/appwatcher.h"
#include "argocd/client.h"
#include "governance/actionmode.h"
#include "governance/approvalgate.h"
#include "governance/auditlog.h"
#include "sim/simulator.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>
#include <optional>

using namespace sextant;
using namespace sextant::argocd;
using json = nlohmann::json;

namespace {

constexpr int kWait = 60000; // generous upper bound against hangs; never a timing assertion

template <typename T>
class Waiter {
public:
    Client::Callback<T> cb() {
        return [box = m_box, thread = QThread::currentThread()](Result<T> r) {
            box->onRightThread = QThread::currentThread() == thread;
            box->result.emplace(std::move(r));
        };
    }
    bool done() const { return m_box->result.has_value(); }
    const Result<T>& result() const { return *m_box->result; }
    bool onRightThread() const { return m_box->onRightThread; }

private:
    struct Box {
        std::optional<Result<T>> result;
        bool onRightThread = false;
    };
    std::shared_ptr<Box> m_box = std::make_shared<Box>();
};

#define WAIT_OK(waiter)                                                                            \
    do {                                                                                           \
        QTRY_VERIFY_WITH_TIMEOUT((waiter).done(), kWait);                                          \
        QVERIFY2((waiter).result().ok(),                                                           \
                 qPrintable((waiter).result().ok() ? QString()                                     \
                                                   : (waiter).result().error().toString()));       \
    } while (false)

QString tlsFile(const char* name) {
    return QStringLiteral(SEXTANT_TEST_DATA_DIR "/tls/") + QString::fromLatin1(name);
}

InstanceConfig configFor(const sim::InstanceEndpoint& e) {
    InstanceConfig c;
    c.id = QStringLiteral("id-") + e.name;
    c.name = e.name;
    c.baseUrl = e.url;
    c.requestTimeoutMs = 30000;
    return c;
}

// Applies snapshots and events the way a store would, keyed by name.
struct Mirror {
    QMap<QString, AppSummary> apps;
    int snapshots = 0;
    int eventBatches = 0;
    void connectTo(AppWatcher* w) {
        QObject::connect(w, &AppWatcher::snapshot, w, [this](const QString&, const AppList& l) {
            apps.clear();
            for (const AppSummary& a : l.apps)
                apps.insert(a.name, a);
            ++snapshots;
        });
        QObject::connect(w, &AppWatcher::events, w,
                         [this](const QString&, const QVector<AppEvent>& events) {
                             for (const AppEvent& e : events) {
                                 if (e.type == WatchEventType::Deleted)
                                     apps.remove(e.app.name);
                                 else
                                     apps.insert(e.app.name, e.app);
                             }
                             ++eventBatches;
                         });
    }
};

class AutoApprover : public governance::Approver {
public:
    void requestApproval(const WriteRequest& request,
                         std::function<void(governance::ApprovalDecision)> done) override {
        governance::ApprovalDecision d;
        d.approved = true;
        d.approver = QStringLiteral("test");
        d.typedConfirmation = governance::ApprovalGate::confirmationText(request);
        done(d);
    }
};

} // namespace

class TestArgoCdClient : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<sim::Simulator> m_sim;
    sim::InstanceEndpoint m_ep;

    void startSim(int apps, bool tls = false) {
        m_sim = std::make_unique<sim::Simulator>();
        sim::GeneratorOptions o;
        o.apps = apps;
        o.instances = 1;
        o.clusters = 10;
        o.seed = 1;
        m_sim->generate(o);
        m_sim->setFaultSeed(7);
        if (tls) {
            const Status s = m_sim->setTls(tlsFile("server.pem"), tlsFile("server.key"));
            QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        }
        const Status l = m_sim->listen(QHostAddress::LocalHost, 0);
        QVERIFY2(l.ok(), qPrintable(l.ok() ? QString() : l.error().toString()));
        QCOMPARE(m_sim->endpoints().size(), 1);
        m_ep = m_sim->endpoints().first();
    }

    std::unique_ptr<Client> client(InstanceConfig c = {}) {
        if (c.id.isEmpty())
            c = configFor(m_ep);
        auto cl = std::make_unique<Client>(c);
        cl->setToken(m_ep.token);
        cl->setRetryPolicy(RetryPolicy{3, 10, 50});
        return cl;
    }

private slots:
    void cleanup() { m_sim.reset(); }

    void list2000MatchesSimulator() {
        startSim(2000);
        auto c = client();
        Waiter<AppList> w;
        c->listApplications({}, w.cb());
        WAIT_OK(w);
        QVERIFY(w.onRightThread());
        QStringList names;
        for (const AppSummary& a : w.result()->apps)
            names << a.name;
        QCOMPARE(names.size(), 2000);
        QCOMPARE(names, m_sim->appNames(m_ep.name));
        QVERIFY(!w.result()->resourceVersion.isEmpty());
        // The whitelisted list parses to the same summaries as the simulator's own body.
        const auto direct = parseApplicationList(
            m_sim->listBody(m_ep.name, Client::kUiListFields.join(QLatin1Char(','))),
            c->instanceId());
        QVERIFY(direct.ok());
        QVERIFY(direct->apps == w.result()->apps);
        for (const AppSummary& a : w.result()->apps) {
            QCOMPARE(a.instance, c->instanceId());
            QVERIFY(!a.project.isEmpty());
            QVERIFY(!a.cluster().isEmpty());
        }
    }

    void serverSideFilters() {
        startSim(300);
        auto c = client();
        Waiter<AppList> all;
        c->listApplications({}, all.cb());
        WAIT_OK(all);
        const QString project = all.result()->apps.first().project;
        ListQuery q;
        q.projects = {project};
        Waiter<AppList> filtered;
        c->listApplications(q, filtered.cb());
        WAIT_OK(filtered);
        QVERIFY(!filtered.result()->apps.isEmpty());
        QVERIFY(filtered.result()->apps.size() < all.result()->apps.size());
        for (const AppSummary& a : filtered.result()->apps)
            QCOMPARE(a.project, project);
    }

    void detailEndpoints() {
        startSim(50);
        auto c = client();
        Waiter<AppList> list;
        c->listApplications({}, list.cb());
        WAIT_OK(list);
        const AppSummary app = list.result()->apps.first();

        Waiter<json> get;
        c->getApplication(app.name, app.appNamespace, get.cb());
        WAIT_OK(get);
        QCOMPARE(QString::fromStdString(get.result()->at("metadata").at("name").get<std::string>()),
                 app.name);

        Waiter<json> tree;
        c->resourceTree(app.name, app.appNamespace, tree.cb());
        WAIT_OK(tree);
        QVERIFY(tree.onRightThread());
        QVERIFY(tree.result()->contains("nodes"));
        QString pod, podNs;
        for (const json& n : tree.result()->at("nodes"))
            if (n.value("kind", std::string()) == "Pod") {
                pod = QString::fromStdString(n.value("name", std::string()));
                podNs = QString::fromStdString(n.value("namespace", std::string()));
                break;
            }

        Waiter<json> managed;
        c->managedResources(app.name, app.appNamespace, managed.cb());
        WAIT_OK(managed);
        QVERIFY(managed.result()->contains("items"));

        Waiter<json> events;
        c->applicationEvents(app.name, app.appNamespace, events.cb());
        WAIT_OK(events);
        QVERIFY(events.result()->is_object());

        if (!pod.isEmpty()) {
            LogQuery lq;
            lq.podName = pod;
            lq.podNamespace = podNs;
            lq.tailLines = 20;
            Waiter<QVector<LogLine>> logs;
            c->podLogs(app.name, app.appNamespace, lq, logs.cb());
            WAIT_OK(logs);
            for (const LogLine& l : logs.result().value())
                QCOMPARE(l.podName.isEmpty() || l.podName == pod, true);
        } else {
            qWarning("no Pod in the tree of %s; logs not exercised", qPrintable(app.name));
        }

        Waiter<json> manifests;
        c->manifests(app.name, app.appNamespace, QString(), manifests.cb());
        WAIT_OK(manifests);

        Waiter<json> windows;
        c->applicationSyncWindows(app.name, app.appNamespace, windows.cb());
        WAIT_OK(windows);

        Waiter<json> projects;
        c->listProjects(projects.cb());
        WAIT_OK(projects);
        Waiter<json> project;
        c->getProject(app.project, project.cb());
        WAIT_OK(project);
        Waiter<json> projectWindows;
        c->projectSyncWindows(app.project, projectWindows.cb());
        WAIT_OK(projectWindows);

        Waiter<json> clusters;
        c->listClusters(clusters.cb());
        WAIT_OK(clusters);
        QVERIFY(clusters.result()->contains("items"));

        Waiter<json> appsets;
        c->listApplicationSets({}, {}, appsets.cb());
        WAIT_OK(appsets);

        Waiter<bool> can;
        c->canI(QStringLiteral("applications"), QStringLiteral("sync"),
                app.project + QLatin1Char('/') + app.name, can.cb());
        WAIT_OK(can);
        QVERIFY(can.result().value());

        Waiter<bool> badCan;
        c->canI(QStringLiteral("applications"), QStringLiteral("rollback"), QStringLiteral("x/y"),
                badCan.cb());
        QTRY_VERIFY_WITH_TIMEOUT(badCan.done(), kWait);
        QCOMPARE(badCan.result().error().kind, Error::Kind::BadRequest);
        QVERIFY(badCan.result().error().shortMessage.contains(QLatin1String("not a valid action")));

        Waiter<QString> version;
        c->version(version.cb());
        WAIT_OK(version);
        QVERIFY(!version.result()->isEmpty());

        Waiter<json> missing;
        c->getApplication(QStringLiteral("does-not-exist"), {}, missing.cb());
        QTRY_VERIFY_WITH_TIMEOUT(missing.done(), kWait);
        QVERIFY(!missing.result().ok());
        QVERIFY(missing.result().error().kind == Error::Kind::NotFound ||
                missing.result().error().kind == Error::Kind::Forbidden);
    }

    void tlsWithCustomCa() {
        startSim(10, true);
        QCOMPARE(m_ep.url.scheme(), QStringLiteral("https"));
        InstanceConfig c = configFor(m_ep);
        c.caFile = tlsFile("ca.pem");
        auto withCa = client(c);
        Waiter<QString> ok;
        withCa->version(ok.cb());
        WAIT_OK(ok);
        Waiter<AppList> list;
        withCa->listApplications({}, list.cb());
        WAIT_OK(list);
        QCOMPARE(list.result()->apps.size(), 10);

        auto withoutCa = client(configFor(m_ep));
        Waiter<QString> bad;
        withoutCa->version(bad.cb());
        QTRY_VERIFY_WITH_TIMEOUT(bad.done(), kWait);
        QVERIFY(!bad.result().ok());
        const Error& e = bad.result().error();
        QCOMPARE(e.kind, Error::Kind::Tls);
        QCOMPARE(e.shortMessage,
                 QStringLiteral("%1: the server's certificate is not trusted — add its CA file or, "
                                "if you accept the risk, enable insecure mode")
                     .arg(m_ep.name));
        QVERIFY2(e.details.contains(QLatin1String("TLS errors:")), qPrintable(e.details));
        QVERIFY(!e.toString().contains(m_ep.token));

        InstanceConfig insecure = configFor(m_ep);
        insecure.insecure = true;
        auto insecureClient = client(insecure);
        Waiter<QString> accepted;
        insecureClient->version(accepted.cb());
        WAIT_OK(accepted);
    }

    void unauthorizedThenLogin() {
        startSim(20);
        auto c = client();
        QSignalSpy authRequired(c.get(), &Client::authenticationRequired);
        QSignalSpy served(m_sim.get(), &sim::Simulator::requestServed);
        const QString oldToken = m_ep.token;
        m_sim->revokeTokens(m_ep.name);

        Waiter<AppList> first;
        c->listApplications({}, first.cb());
        QTRY_VERIFY_WITH_TIMEOUT(first.done(), kWait);
        QCOMPARE(first.result().error().kind, Error::Kind::Unauthorized);
        QVERIFY(!first.result().error().toString().contains(oldToken));
        QCOMPARE(authRequired.size(), 1);
        QVERIFY(c->waitingForCredentials());
        const qsizetype servedAfterFirst = served.size();
        QCOMPARE(servedAfterFirst, 1); // a 401 is never retried

        // No hammering: further calls fail at once without reaching the server.
        Waiter<AppList> second;
        c->listApplications({}, second.cb());
        QTRY_VERIFY_WITH_TIMEOUT(second.done(), kWait);
        QCOMPARE(second.result().error().kind, Error::Kind::Unauthorized);
        QCOMPARE(served.size(), servedAfterFirst);
        QCOMPARE(authRequired.size(), 1);

        // Wrong password: a clear login error, and still no authenticationRequired storm.
        Waiter<QString> wrong;
        c->login(m_ep.username, QStringLiteral("not-the-password"), wrong.cb());
        QTRY_VERIFY_WITH_TIMEOUT(wrong.done(), kWait);
        QCOMPARE(wrong.result().error().kind, Error::Kind::Unauthorized);
        QVERIFY(wrong.result().error().shortMessage.contains(QLatin1String("login failed")));
        QVERIFY(!wrong.result().error().toString().contains(QLatin1String("not-the-password")));

        QSignalSpy tokenChanged(c.get(), &Client::tokenChanged);
        Waiter<QString> login;
        c->login(m_ep.username, m_ep.password, login.cb());
        WAIT_OK(login);
        QVERIFY(!login.result()->isEmpty());
        QVERIFY(login.result().value() != oldToken);
        QCOMPARE(tokenChanged.size(), 1);
        QVERIFY(!c->waitingForCredentials());

        Waiter<AppList> again;
        c->listApplications({}, again.cb());
        WAIT_OK(again);
        QCOMPARE(again.result()->apps.size(), 20);
    }

    void serverErrorsAreRetried() {
        startSim(20);
        auto c = client();
        c->setRetryPolicy(RetryPolicy{6, 5, 40});
        QSignalSpy served(m_sim.get(), &sim::Simulator::requestServed);
        sim::Faults f;
        f.serverErrorRate = 0.5;
        m_sim->setFaults(f);
        for (int i = 0; i < 5; ++i) {
            Waiter<AppList> w;
            c->listApplications({}, w.cb());
            WAIT_OK(w);
            QCOMPARE(w.result()->apps.size(), 20);
        }
        int failures = 0;
        for (const auto& args : served)
            failures += args.at(3).toInt() == 500 ? 1 : 0;
        QVERIFY2(failures > 0, "the fault seed produced no 500 at all");
        QCOMPARE(served.size(), 5 + failures);

        // Every attempt fails: the last error is reported, after maxRetries + 1 attempts.
        f.serverErrorRate = 1.0;
        m_sim->setFaults(f);
        c->setRetryPolicy(RetryPolicy{3, 5, 20});
        served.clear();
        Waiter<AppList> exhausted;
        c->listApplications({}, exhausted.cb());
        QTRY_VERIFY_WITH_TIMEOUT(exhausted.done(), kWait);
        QCOMPARE(exhausted.result().error().kind, Error::Kind::Server);
        QCOMPARE(exhausted.result().error().httpStatus, 500);
        QVERIFY(exhausted.result().error().details.contains(QLatin1String("attempts: 4")));
        QCOMPARE(served.size(), 4);

        // 403 is never retried.
        f.serverErrorRate = 0;
        f.forbiddenRate = 1.0;
        m_sim->setFaults(f);
        served.clear();
        Waiter<AppList> forbidden;
        c->listApplications({}, forbidden.cb());
        QTRY_VERIFY_WITH_TIMEOUT(forbidden.done(), kWait);
        QCOMPARE(forbidden.result().error().kind, Error::Kind::Forbidden);
        QCOMPARE(served.size(), 1);
    }

    void malformedAndTruncated() {
        startSim(200);
        auto c = client();
        sim::Faults f;
        f.malformedRate = 1.0;
        m_sim->setFaults(f);
        Waiter<AppList> malformed;
        c->listApplications({}, malformed.cb());
        QTRY_VERIFY_WITH_TIMEOUT(malformed.done(), kWait);
        QCOMPARE(malformed.result().error().kind, Error::Kind::Protocol);
        QVERIFY(malformed.result().error().details.contains(QLatin1String("byte offset")));
        Waiter<json> malformedGet;
        c->getApplication(m_sim->appNames(m_ep.name).first(), {}, malformedGet.cb());
        QTRY_VERIFY_WITH_TIMEOUT(malformedGet.done(), kWait);
        QCOMPARE(malformedGet.result().error().kind, Error::Kind::Protocol);

        f.malformedRate = 0;
        f.truncatedRate = 1.0;
        m_sim->setFaults(f);
        Waiter<AppList> truncated;
        c->listApplications({}, truncated.cb());
        QTRY_VERIFY_WITH_TIMEOUT(truncated.done(), kWait);
        QCOMPARE(truncated.result().error().kind, Error::Kind::Protocol);
        QVERIFY2(truncated.result().error().shortMessage.contains(QLatin1String("cut off")) ||
                     truncated.result().error().shortMessage.contains(QLatin1String("truncated")),
                 qPrintable(truncated.result().error().toString()));

        // And the client still works once the server behaves.
        m_sim->setFaults(sim::Faults{});
        Waiter<AppList> fine;
        c->listApplications({}, fine.cb());
        WAIT_OK(fine);
        QCOMPARE(fine.result()->apps.size(), 200);
    }

    void destroyedClientNeverCallsBack() {
        startSim(500);
        sim::Faults f;
        f.latencyMs = 100;
        m_sim->setFaults(f);
        auto c = client();
        Waiter<AppList> w;
        c->listApplications({}, w.cb());
        Waiter<json> tree;
        c->resourceTree(m_sim->appNames(m_ep.name).first(), {}, tree.cb());
        c.reset();
        QTest::qWait(400);
        QVERIFY(!w.done());
        QVERIFY(!tree.done());
    }

    void watcherSnapshotThenModified() { runWatcherBasics(false); }
    void watcherSnapshotThenModifiedSse() { runWatcherBasics(true); }

    void watcherReconnectsAndRelists() { runWatcherReconnect(false); }
    void watcherReconnectsAndRelistsSse() { runWatcherReconnect(true); }

    void watcherStopsOn401AndResumesAfterLogin() {
        startSim(30);
        auto c = client();
        AppWatcher watcher(c.get());
        watcher.setBackoff(10, 100);
        watcher.setCoalesceInterval(10);
        Mirror mirror;
        mirror.connectTo(&watcher);
        QSignalSpy authRequired(c.get(), &Client::authenticationRequired);
        watcher.start();
        QTRY_COMPARE_WITH_TIMEOUT(mirror.snapshots, 1, kWait);

        m_sim->revokeTokens(m_ep.name);
        m_sim->dropStreams();
        QTRY_VERIFY_WITH_TIMEOUT(watcher.state() == ConnectionState::Failed, kWait);
        QCOMPARE(watcher.lastError().kind, Error::Kind::Unauthorized);
        QCOMPARE(authRequired.size(), 1);
        QTest::qWait(300); // no reconnect attempts while waiting for credentials
        QVERIFY(watcher.state() == ConnectionState::Failed);
        QCOMPARE(authRequired.size(), 1);

        Waiter<QString> login;
        c->login(m_ep.username, m_ep.password, login.cb());
        WAIT_OK(login);
        QTRY_COMPARE_WITH_TIMEOUT(mirror.snapshots, 2, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(watcher.state() == ConnectionState::Live, kWait);
        watcher.stop();
        QVERIFY(watcher.state() == ConnectionState::Stopped);
    }

    void watcherKeepsLastGoodStateWhenResyncFails() {
        startSim(30);
        auto c = client();
        AppWatcher watcher(c.get());
        watcher.setBackoff(10, 100);
        watcher.setCoalesceInterval(10);
        watcher.setResyncInterval(50);
        Mirror mirror;
        mirror.connectTo(&watcher);
        QSignalSpy warnings(&watcher, &AppWatcher::warning);
        watcher.start();
        QTRY_VERIFY_WITH_TIMEOUT(mirror.snapshots >= 1, kWait);
        sim::Faults f;
        f.malformedRate = 1.0; // every periodic re-list now gets a body that is not JSON
        m_sim->setFaults(f);
        QTRY_VERIFY_WITH_TIMEOUT(warnings.size() >= 1, kWait);
        const int snapshots = mirror.snapshots;
        const auto good = mirror.apps;
        QCOMPARE(good.size(), 30);
        QTRY_VERIFY_WITH_TIMEOUT(warnings.size() >= 3, kWait);
        QCOMPARE(mirror.snapshots, snapshots);
        QVERIFY(mirror.apps == good);
        QVERIFY(watcher.state() == ConnectionState::Live);
        QCOMPARE(warnings.last().at(0).value<Error>().kind, Error::Kind::Protocol);
        m_sim->setFaults(sim::Faults{});
        QTRY_VERIFY_WITH_TIMEOUT(mirror.snapshots > snapshots, kWait);
    }

    void approvedSyncEndToEnd() {
        startSim(20);
        auto c = client();
        Waiter<AppList> list;
        c->listApplications({}, list.cb());
        WAIT_OK(list);
        const AppSummary app = list.result()->apps.first();

        QTemporaryDir dir;
        governance::AuditLog log(dir.filePath(QStringLiteral("audit.jsonl")),
                                 QStringLiteral("tester"));
        QVERIFY(log.open().ok());
        governance::InstancePolicy policy;
        policy.setMode(c->instanceId(), governance::Mode::ReadWrite);
        AutoApprover approver;
        governance::ApprovalGate gate(&log, &policy, &approver);

        SyncOptions o;
        o.prune = true;
        const WriteRequest request = c->prepareSync(app, o);
        QSignalSpy served(m_sim.get(), &sim::Simulator::requestServed);
        std::optional<Result<ApprovedWrite>> approved;
        gate.submit(request, [&](Result<ApprovedWrite> r) { approved.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(approved.has_value(), kWait);
        QVERIFY2(approved->ok(),
                 qPrintable(approved->ok() ? QString() : approved->error().toString()));
        QCOMPARE(served.size(), 0); // nothing was sent before the approval

        Waiter<json> result;
        c->execute(approved->value(), result.cb());
        WAIT_OK(result);
        QCOMPARE(served.size(), 1);
        QCOMPARE(served.first().at(1).toString(), QStringLiteral("POST"));
        QVERIFY(served.first().at(2).toString().endsWith(QLatin1String("/sync")));
        QVERIFY(result.result()->contains("operation") || result.result()->contains("status"));
        QVERIFY(gate.recordOutcome(approved->value(), okStatus()).ok());

        // An approval for another instance is refused without sending anything.
        InstanceConfig other = configFor(m_ep);
        other.id = QStringLiteral("other");
        auto otherClient = client(other);
        Waiter<json> refused;
        otherClient->execute(approved->value(), refused.cb());
        QTRY_VERIFY_WITH_TIMEOUT(refused.done(), kWait);
        QCOMPARE(refused.result().error().kind, Error::Kind::Approval);
        QCOMPARE(served.size(), 1);
    }

private:
    void runWatcherBasics(bool sse) {
        startSim(200);
        if (sse)
            m_sim->setKeepAliveIntervalMs(30); // keep-alive comments between events
        auto c = client();
        AppWatcher watcher(c.get());
        watcher.setUseSse(sse);
        watcher.setBackoff(10, 100);
        watcher.setCoalesceInterval(20);
        Mirror mirror;
        mirror.connectTo(&watcher);
        QSignalSpy states(&watcher, &AppWatcher::stateChanged);
        watcher.start();
        QTRY_COMPARE_WITH_TIMEOUT(mirror.snapshots, 1, kWait);
        QCOMPARE(mirror.apps.size(), 200);
        QTRY_VERIFY_WITH_TIMEOUT(watcher.state() == ConnectionState::Live, kWait);
        QVERIFY(states.first().at(0).value<ConnectionState>() == ConnectionState::Connecting);

        const QString name = m_sim->appNames(m_ep.name).at(5);
        const HealthStatus before = mirror.apps.value(name).health;
        const QString target = before == HealthStatus::Degraded ? QStringLiteral("Healthy")
                                                                : QStringLiteral("Degraded");
        QVERIFY(m_sim->setAppHealth(m_ep.name, name, target, QStringLiteral("test")).ok());
        QTRY_VERIFY_WITH_TIMEOUT(toString(mirror.apps.value(name).health) == target, kWait);
        QVERIFY(mirror.eventBatches >= 1);
        QCOMPARE(mirror.snapshots, 1); // it came as an event, not a re-list

        QVERIFY(m_sim->deleteApp(m_ep.name, name).ok());
        QTRY_VERIFY_WITH_TIMEOUT(!mirror.apps.contains(name), kWait);
        QCOMPARE(mirror.apps.size(), 199);
        QCOMPARE(watcher.malformedLines(), 0);
        if (sse)
            QTest::qWait(100); // several keep-alives: nothing breaks, nothing is counted
        QCOMPARE(watcher.malformedLines(), 0);
        QVERIFY(watcher.state() == ConnectionState::Live);
    }

    void runWatcherReconnect(bool sse) {
        startSim(200);
        auto c = client();
        AppWatcher watcher(c.get());
        watcher.setUseSse(sse);
        watcher.setBackoff(20, 200);
        watcher.setCoalesceInterval(20);
        Mirror mirror;
        mirror.connectTo(&watcher);
        QSignalSpy states(&watcher, &AppWatcher::stateChanged);
        watcher.start();
        QTRY_COMPARE_WITH_TIMEOUT(mirror.snapshots, 1, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(watcher.state() == ConnectionState::Live, kWait);

        // Drop the stream and change an app while nobody is listening.
        const QString name = m_sim->appNames(m_ep.name).at(7);
        const QString target = mirror.apps.value(name).health == HealthStatus::Suspended
                                   ? QStringLiteral("Healthy")
                                   : QStringLiteral("Suspended");
        m_sim->dropStreams();
        QVERIFY(m_sim->setAppHealth(m_ep.name, name, target).ok());

        QTRY_VERIFY_WITH_TIMEOUT(mirror.snapshots >= 2, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(watcher.state() == ConnectionState::Live, kWait);
        QVERIFY(watcher.reconnects() >= 1);
        bool sawReconnecting = false;
        for (const auto& args : states)
            sawReconnecting |= args.at(0).value<ConnectionState>() == ConnectionState::Reconnecting;
        QVERIFY(sawReconnecting);
        QCOMPARE(toString(mirror.apps.value(name).health), target);

        // Still consistent with the server, and events flow on the new stream.
        const auto server = parseApplicationList(m_sim->listBody(m_ep.name), c->instanceId());
        QVERIFY(server.ok());
        QCOMPARE(mirror.apps.size(), server->apps.size());
        for (const AppSummary& a : server->apps) {
            QVERIFY(mirror.apps.contains(a.name));
            QVERIFY(mirror.apps.value(a.name).health == a.health);
            QVERIFY(mirror.apps.value(a.name).sync == a.sync);
        }
        const QString other = m_sim->appNames(m_ep.name).at(9);
        QVERIFY(m_sim->setAppHealth(m_ep.name, other, QStringLiteral("Missing")).ok());
        QTRY_VERIFY_WITH_TIMEOUT(mirror.apps.value(other).health == HealthStatus::Missing, kWait);
    }
};

QTEST_GUILESS_MAIN(TestArgoCdClient)
#include "tst_argocdclient.moc"
