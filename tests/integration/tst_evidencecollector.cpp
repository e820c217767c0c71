// analysis::EvidenceCollector against the in-process simulator over loopback HTTP: one bundle
// per scripted demo failure, caps on a synthetic large app, a forbidden logs call, a missing
// app, cancellation, and (when the engine is built) the top finding of each bundle.

#include "analysis/evidencecollector.h"
#include "argocd/client.h"
#include "sim/simulator.h"

#if __has_include("analysis/diagnoser.h")
#include "analysis/diagnoser.h"
#define SEXTANT_HAVE_DIAGNOSER 1
#endif

#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <optional>

using namespace sextant;
using namespace sextant::analysis;

namespace {

constexpr int kWait = 60000; // upper bound against hangs, never a timing assertion

QString qs(const Json& j) {
    return j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString();
}

bool hasEvent(const EvidenceBundle& b, const QString& reason, const QString& messagePart,
              const QString& type = {}) {
    for (const Json& e : b.events)
        if (qs(e.value("reason", Json())) == reason &&
            qs(e.value("message", Json())).contains(messagePart) &&
            (type.isEmpty() || qs(e.value("type", Json())) == type))
            return true;
    return false;
}

const Json* podOf(const EvidenceBundle& b, const QString& name) {
    for (const Json& p : b.pods)
        if (qs(p["metadata"]["name"]) == name)
            return &p;
    return nullptr;
}

std::optional<QStringList> logOf(const EvidenceBundle& b, const QString& pod, bool previous) {
    for (const Json& l : b.logs)
        if (qs(l["pod"]) == pod && l["previous"].get<bool>() == previous) {
            QStringList lines;
            for (const Json& x : l["lines"])
                lines << qs(x);
            return lines;
        }
    return std::nullopt;
}

bool anyNote(const EvidenceBundle& b, const QString& part) {
    for (const QString& n : b.notes)
        if (n.contains(part))
            return true;
    return false;
}

// A scenario far over every cap: 30 crash-looping pods, 900 Warning events, long log streams.
QByteArray largeScenario() {
    QByteArray y = "instances: [{name: big}]\n"
                   "applications:\n"
                   "  - name: big-app\n"
                   "    instance: big\n"
                   "    destination: {server: https://kubernetes.default.svc, namespace: big}\n"
                   "    source: {repoURL: https://git.example.com/big.git, path: ., "
                   "targetRevision: main}\n"
                   "    resources:\n"
                   "      - group: apps\n"
                   "        kind: Deployment\n"
                   "        name: big\n"
                   "        replicas: 30\n"
                   "        health: Degraded\n"
                   "        images: [\"registry.example.com/big:v1\"]\n"
                   "        pods:\n";
    const auto pod = [](int i) {
        return QStringLiteral("big-6d8f7c9b5-p%1").arg(i, 4, 10, QChar('0'));
    };
    for (int i = 0; i < 30; ++i)
        y += QStringLiteral("          - {name: %1, health: Degraded, statusReason: "
                            "CrashLoopBackOff, containers: 0/1, restarts: 5, lastTerminated: "
                            "{reason: Error, exitCode: 1}}\n")
                 .arg(pod(i))
                 .toUtf8();
    y += "    status: {health: Degraded}\n"
         "    events:\n";
    for (int i = 0; i < 30; ++i)
        for (int k = 0; k < 30; ++k)
            y += QStringLiteral("      - {kind: Pod, name: %1, type: Warning, reason: BackOff, "
                                "message: \"Back-off restarting failed container big #%2\", "
                                "firstTimestamp: -%3m, lastTimestamp: -%4m, count: 2}\n")
                     .arg(pod(i))
                     .arg(k)
                     .arg(60 + k)
                     .arg(k + 1)
                     .toUtf8();
    y += "    logs:\n";
    for (int i = 0; i < 3; ++i) {
        y += QStringLiteral("      - pod: %1\n        container: big\n        previous: true\n"
                            "        lines:\n")
                 .arg(pod(i))
                 .toUtf8();
        for (int l = 0; l < 1500; ++l) {
            if (l == 5)
                y += "          - '" + QByteArray(5000, 'x') + " error at the end'\n";
            else if (l % 30 == 0)
                y += QStringLiteral("          - 'ERROR: database timeout on query %1'\n")
                         .arg(l)
                         .toUtf8();
            else
                y += QStringLiteral("          - 'request %1 handled in 12ms'\n").arg(l).toUtf8();
        }
    }
    return y;
}

} // namespace

class TestEvidenceCollector : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<sim::Simulator> m_sim;
    std::map<QString, std::unique_ptr<argocd::Client>> m_clients;

    argocd::Client* client(const QString& instance) {
        auto& c = m_clients[instance];
        if (!c) {
            for (const sim::InstanceEndpoint& e : m_sim->endpoints()) {
                if (e.name != instance)
                    continue;
                argocd::InstanceConfig cfg;
                cfg.id = QStringLiteral("id-") + e.name;
                cfg.name = e.name;
                cfg.baseUrl = e.url;
                cfg.requestTimeoutMs = 30000;
                c = std::make_unique<argocd::Client>(cfg);
                c->setToken(e.token);
                c->setRetryPolicy(argocd::RetryPolicy{1, 10, 50});
            }
        }
        return c.get();
    }

    Result<EvidenceBundle> collect(const QString& instance, const QString& app,
                                   CollectOptions options = {}) {
        EvidenceCollector collector(client(instance));
        options.appName = app;
        std::optional<Result<EvidenceBundle>> out;
        collector.collect(options, [&out](Result<EvidenceBundle> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&out] { return out.has_value(); }, kWait))
            return Error::make(Error::Kind::Timeout, QStringLiteral("collection did not finish"));
        return *out;
    }

    EvidenceBundle collectOk(const QString& instance, const QString& app) {
        const Result<EvidenceBundle> r = collect(instance, app);
        if (!r.ok()) {
            qWarning("%s", qPrintable(r.error().toString()));
            return {};
        }
        return *r;
    }

private Q_SLOTS:
    void initTestCase() {
        m_sim = std::make_unique<sim::Simulator>();
        const Status s = m_sim->loadDemo();
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        QVERIFY(m_sim->listen().ok());
    }

    void cleanupTestCase() {
        m_clients.clear();
        m_sim.reset();
    }

    void paymentsApiCrashLoop() {
        const EvidenceBundle b =
            collectOk(QStringLiteral("prod-eu"), QStringLiteral("payments-api"));
        QCOMPARE(b.appName, QStringLiteral("payments-api"));
        QCOMPARE(b.appNamespace, QStringLiteral("argocd"));
        QCOMPARE(b.instance, QStringLiteral("prod-eu"));
        QVERIFY(b.collectedAt.isValid());
        QCOMPARE(qs(b.application["metadata"]["name"]), QStringLiteral("payments-api"));
        QVERIFY(b.resourceTree["nodes"].size() >= 5);
        QVERIFY(hasEvent(b, QStringLiteral("BackOff"),
                         QStringLiteral("Back-off restarting failed container payments-api"),
                         QStringLiteral("Warning")));
        QVERIFY(
            hasEvent(b, QStringLiteral("ResourceUpdated"), QStringLiteral("Healthy -> Degraded")));

        // Pod objects with container statuses from the new .../resource endpoint.
        QCOMPARE(int(b.pods.size()), 2);
        const Json* pod = podOf(b, QStringLiteral("payments-api-6f7d8c9b5-q7x2m"));
        QVERIFY(pod);
        const Json& cs = (*pod)["status"]["containerStatuses"][0];
        QCOMPARE(qs(cs["name"]), QStringLiteral("payments-api"));
        QCOMPARE(cs["restartCount"].get<int>(), 12);
        QCOMPARE(qs(cs["state"]["waiting"]["reason"]), QStringLiteral("CrashLoopBackOff"));
        QVERIFY(qs(cs["state"]["waiting"]["message"]).startsWith(QStringLiteral("back-off 5m0s")));
        QCOMPARE(qs(cs["lastState"]["terminated"]["reason"]), QStringLiteral("Error"));
        QCOMPARE(cs["lastState"]["terminated"]["exitCode"].get<int>(), 2);
        QCOMPARE(qs((*pod)["status"]["phase"]), QStringLiteral("Running"));

        // Current and previous container logs, with the panic line.
        const auto previous = logOf(b, QStringLiteral("payments-api-6f7d8c9b5-q7x2m"), true);
        QVERIFY(previous.has_value());
        QVERIFY(previous->contains(QStringLiteral(
            "panic: invalid DATABASE_POOL_SIZE \"ten\": strconv.Atoi: parsing \"ten\": invalid "
            "syntax")));
        QVERIFY(previous->contains(QStringLiteral("exit status 2")));
        const auto current = logOf(b, QStringLiteral("payments-api-6f7d8c9b5-q7x2m"), false);
        QVERIFY(current.has_value());
        QVERIFY(current->join('\n').contains(QStringLiteral("panic: invalid DATABASE_POOL_SIZE")));
        for (const Json& l : b.logs)
            QCOMPARE(qs(l["container"]), QStringLiteral("payments-api"));

        // The failing revision and the one before it, oldest first, with author and message.
        QCOMPARE(int(b.revisions.size()), 2);
        QCOMPARE(qs(b.revisions[0]["revision"]),
                 QStringLiteral("7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b"));
        QCOMPARE(qs(b.revisions[0]["author"]), QStringLiteral("Chen Wei <chen.wei@example.com>"));
        QCOMPARE(qs(b.revisions[1]["revision"]),
                 QStringLiteral("d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0"));
        QCOMPARE(qs(b.revisions[1]["author"]), QStringLiteral("Dana Kim <dana.kim@example.com>"));
        QCOMPARE(qs(b.revisions[1]["message"]),
                 QStringLiteral("Move DB pool size to config map (DATABASE_POOL_SIZE)"));
        QVERIFY(!qs(b.revisions[1]["date"]).isEmpty());
        QVERIFY(b.notes.contains(QStringLiteral("git diff: no repository configured")));
    }

    void shopCheckoutImagePull() {
        const EvidenceBundle b =
            collectOk(QStringLiteral("prod-eu"), QStringLiteral("shop-checkout"));
        QVERIFY(hasEvent(b, QStringLiteral("Failed"),
                         QStringLiteral("Failed to pull image "
                                        "\"registry.example.com/shop/checkout:v2.41.0\""),
                         QStringLiteral("Warning")));
        // Only the failing pod; it never started, so no logs and a note saying why.
        QCOMPARE(int(b.pods.size()), 1);
        const Json* pod = podOf(b, QStringLiteral("checkout-5c7f9d8b6d-h2kqz"));
        QVERIFY(pod);
        QCOMPARE(qs((*pod)["status"]["phase"]), QStringLiteral("Pending"));
        QCOMPARE(qs((*pod)["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]),
                 QStringLiteral("ImagePullBackOff"));
        QVERIFY(b.logs.empty());
        QVERIFY(anyNote(b, QStringLiteral("never started")));
        QCOMPARE(int(b.revisions.size()), 2);
        QCOMPARE(qs(b.revisions[1]["message"]), QStringLiteral("Bump checkout image to v2.41.0"));
        QCOMPARE(qs(b.revisions[0]["message"]), QStringLiteral("Release checkout v2.14.0"));
    }

    void shopWebMissingKey() {
        const EvidenceBundle b = collectOk(QStringLiteral("prod-eu"), QStringLiteral("shop-web"));
        QVERIFY(hasEvent(b, QStringLiteral("Failed"),
                         QStringLiteral("couldn't find key LOG_LEVEL in ConfigMap shop/web-config"),
                         QStringLiteral("Warning")));
        const Json* pod = podOf(b, QStringLiteral("web-6d8f7c9b5-x2k8p"));
        QVERIFY(pod);
        const Json& waiting = (*pod)["status"]["containerStatuses"][0]["state"]["waiting"];
        QCOMPARE(qs(waiting["reason"]), QStringLiteral("CreateContainerConfigError"));
        QCOMPARE(qs(waiting["message"]),
                 QStringLiteral("couldn't find key LOG_LEVEL in ConfigMap shop/web-config"));
        QVERIFY(b.logs.empty());
        QCOMPARE(qs(b.revisions[1]["message"]),
                 QStringLiteral("Read LOG_LEVEL from web-config; drop LOG_VERBOSE"));
    }

    void shopCartQuota() {
        const EvidenceBundle b = collectOk(QStringLiteral("prod-eu"), QStringLiteral("shop-cart"));
        const Json& op = b.application["status"]["operationState"];
        QCOMPARE(qs(op["phase"]), QStringLiteral("Failed"));
        QVERIFY(qs(op["message"]).contains(QStringLiteral("exceeded quota: shop-storage")));
        QVERIFY(qs(op["syncResult"]["resources"][0]["message"])
                    .contains(QStringLiteral("persistentvolumeclaims \"cart-redis-data\" is "
                                             "forbidden")));
        QVERIFY(hasEvent(b, QStringLiteral("OperationCompleted"),
                         QStringLiteral("one or more objects failed to apply")));
        QVERIFY(b.pods.empty()); // the StatefulSet's pod is healthy
        QVERIFY(!b.revisions.empty());
        QVERIFY(b.text.empty()); // no sync window blocks it
    }

    void ordersApiHook() {
        const EvidenceBundle b = collectOk(QStringLiteral("prod-us"), QStringLiteral("orders-api"));
        QVERIFY(qs(b.application["status"]["operationState"]["message"])
                    .startsWith(QStringLiteral("one or more synchronization tasks completed "
                                               "unsuccessfully")));
        QVERIFY(hasEvent(b, QStringLiteral("BackoffLimitExceeded"),
                         QStringLiteral("Job has reached the specified backoff limit"),
                         QStringLiteral("Warning")));
        const Json* pod = podOf(b, QStringLiteral("db-migrate-x8k2p"));
        QVERIFY(pod);
        QCOMPARE(qs((*pod)["status"]["phase"]), QStringLiteral("Failed"));
        QCOMPARE(qs((*pod)["status"]["containerStatuses"][0]["state"]["terminated"]["reason"]),
                 QStringLiteral("Error"));
        QCOMPARE(qs((*pod)["metadata"]["ownerReferences"][0]["kind"]), QStringLiteral("Job"));
        const auto log = logOf(b, QStringLiteral("db-migrate-x8k2p"), false);
        QVERIFY(log.has_value());
        QVERIFY(log->contains(
            QStringLiteral("ERROR:  column \"channel\" of relation \"orders\" already exists")));
        QVERIFY(!logOf(b, QStringLiteral("db-migrate-x8k2p"), true).has_value());
    }

    void inventoryApiDrift() {
        const EvidenceBundle b =
            collectOk(QStringLiteral("prod-us"), QStringLiteral("inventory-api"));
        QCOMPARE(qs(b.application["status"]["sync"]["status"]), QStringLiteral("OutOfSync"));
        int outOfSync = 0;
        for (const Json& r : b.application["status"]["resources"])
            outOfSync += qs(r["status"]) == QLatin1String("OutOfSync");
        QCOMPARE(outOfSync, 2);
        QVERIFY(hasEvent(b, QStringLiteral("ResourceUpdated"),
                         QStringLiteral("Updated sync status: Synced -> OutOfSync")));
        QVERIFY(b.pods.empty()); // healthy pods: nothing to look at
        QVERIFY(b.logs.empty());
        QVERIFY(b.text.empty());
    }

    void billingApiSyncWindow() {
        // Argo CD only reports the window when a sync is attempted; the collector asks the
        // syncwindows endpoint for an OutOfSync app and states what it found.
        const EvidenceBundle b =
            collectOk(QStringLiteral("prod-eu"), QStringLiteral("billing-api"));
        QCOMPARE(qs(b.application["status"]["sync"]["status"]), QStringLiteral("OutOfSync"));
        QCOMPARE(int(b.text.size()), 1);
        const QString text = qs(b.text[0]["text"]);
        QVERIFY2(text.contains(QStringLiteral("blocked by sync window")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("active deny window")));
        QVERIFY(text.contains(QStringLiteral("schedule \"0 0 * * *\", duration 24h")));
        QCOMPARE(qs(b.text[0]["source"]), QStringLiteral("argocd"));
    }

    void forbiddenLogsAreANote() {
        sim::Faults f;
        f.denyLogs = true;
        m_sim->setFaults(QStringLiteral("prod-eu"), f);
        const Result<EvidenceBundle> r =
            collect(QStringLiteral("prod-eu"), QStringLiteral("payments-api"));
        m_sim->setFaults(QStringLiteral("prod-eu"), sim::Faults{});
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QVERIFY(r->logs.empty());
        QVERIFY(!r->pods.empty()); // everything else still came
        QVERIFY(!r->events.empty());
        QCOMPARE(int(r->revisions.size()), 2);
        QVERIFY2(anyNote(*r, QStringLiteral("permission denied")), qPrintable(r->notes.join('\n')));
        // One failed call, the remaining streams are skipped instead of failing one by one.
        QVERIFY2(anyNote(*r, QStringLiteral("more log stream(s) after the permission error")),
                 qPrintable(r->notes.join('\n')));
    }

    void missingAppIsNotFound() {
        EvidenceCollector collector(client(QStringLiteral("prod-eu")));
        QSignalSpy failed(&collector, &EvidenceCollector::failed);
        QSignalSpy collected(&collector, &EvidenceCollector::collected);
        CollectOptions o;
        o.appName = QStringLiteral("no-such-app");
        std::optional<Result<EvidenceBundle>> out;
        collector.collect(o, [&out](Result<EvidenceBundle> r) { out.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), kWait);
        QVERIFY(!out->ok());
        QCOMPARE(out->error().kind, Error::Kind::NotFound);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(collected.size(), 0);
        QVERIFY(!collector.isRunning());
    }

    void cancelStopsTheCollection() {
        EvidenceCollector collector(client(QStringLiteral("prod-eu")));
        QSignalSpy collected(&collector, &EvidenceCollector::collected);
        CollectOptions o;
        o.appName = QStringLiteral("payments-api");
        std::optional<Result<EvidenceBundle>> first;
        collector.collect(o, [&first](Result<EvidenceBundle> r) { first.emplace(std::move(r)); });
        QVERIFY(collector.isRunning());
        collector.cancel();
        QVERIFY(!collector.isRunning());
        QVERIFY(!first.has_value()); // never from inside cancel()
        QTRY_VERIFY_WITH_TIMEOUT(first.has_value(), kWait);
        QCOMPARE(first->error().kind, Error::Kind::Cancelled);
        // The collector is usable again and the dropped answers do not leak into the next run.
        std::optional<Result<EvidenceBundle>> second;
        collector.collect(o, [&second](Result<EvidenceBundle> r) { second.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(second.has_value(), kWait);
        QVERIFY(second->ok());
        QCOMPARE(collected.size(), 1);
        QCOMPARE(int((*second)->pods.size()), 2);
    }

    void capsOnALargeApp() {
        sim::Simulator big;
        const Status s = big.loadScenarioYaml(largeScenario());
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        QVERIFY(big.listen().ok());
        const sim::InstanceEndpoint e = big.endpoints().first();
        argocd::InstanceConfig cfg;
        cfg.id = QStringLiteral("big");
        cfg.name = e.name;
        cfg.baseUrl = e.url;
        argocd::Client c(cfg);
        c.setToken(e.token);
        EvidenceCollector collector(&c);
        QStringList steps;
        connect(&collector, &EvidenceCollector::progress, this,
                [&steps](const QString& step) { steps << step; });
        CollectOptions o;
        o.appName = QStringLiteral("big-app");
        std::optional<Result<EvidenceBundle>> out;
        collector.collect(o, [&out](Result<EvidenceBundle> r) { out.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), kWait);
        QVERIFY2(out->ok(), qPrintable(out->ok() ? QString() : out->error().toString()));
        const EvidenceBundle& b = **out;
        const EvidenceCaps caps;
        const QString notes = b.notes.join('\n');

        QCOMPARE(int(b.pods.size()), caps.maxPods);
        QVERIFY2(anyNote(b, QStringLiteral("looked at 20 of 30 failing pods")), qPrintable(notes));

        QCOMPARE(int(b.events.size()), caps.maxEvents);
        for (const Json& ev : b.events)
            QCOMPARE(qs(ev["type"]), QStringLiteral("Warning"));
        QVERIFY2(anyNote(b, QStringLiteral("events: kept 500 of")), qPrintable(notes));

        int bigStreams = 0;
        for (const Json& l : b.logs) {
            QVERIFY(int(l["lines"].size()) <= caps.maxLogLinesPerStream);
            for (const Json& line : l["lines"])
                QVERIFY(int(qs(line).size()) <= caps.maxLineChars);
            if (l["lines"].size() == size_t(caps.maxLogLinesPerStream))
                ++bigStreams;
        }
        QCOMPARE(bigStreams, 3);
        QVERIFY2(anyNote(b, QStringLiteral("kept 400 of 1500 lines")), qPrintable(notes));
        QVERIFY2(anyNote(b, QStringLiteral("long line(s) cut to 2000 characters")),
                 qPrintable(notes));
        const auto cut = logOf(b, QStringLiteral("big-6d8f7c9b5-p0000"), true);
        QVERIFY(cut.has_value());
        QVERIFY(cut->first().startsWith(QStringLiteral("ERROR: database timeout on query 0")));
        QVERIFY(steps.contains(QStringLiteral("resource tree")));
    }

    void cutLogLines() {
        EvidenceCaps caps;
        QStringList lines;
        for (int i = 0; i < 100; ++i)
            lines << QStringLiteral("{\"level\":\"info\",\"msg\":\"GET /healthz 200\",\"n\":%1}")
                         .arg(i);
        lines[50] = QStringLiteral("panic: boom");
        QString note;
        const QStringList cut = EvidenceCollector::cutLogLines(lines, caps, &note);
        QCOMPARE(cut.size(), 16); // 5 before, the line, 10 after
        QCOMPARE(cut.at(5), QStringLiteral("panic: boom"));
        QVERIFY(note.contains(QStringLiteral("kept 16 of 100 lines")));
        // Without an error line the tail is kept.
        lines[50] = QStringLiteral("all good");
        const QStringList tail = EvidenceCollector::cutLogLines(lines, caps, &note);
        QCOMPARE(tail.size(), 50);
        QCOMPARE(tail.last(), lines.last());
        QVERIFY(EvidenceCollector::isErrorLogLine(
            QStringLiteral("{\"level\":\"error\",\"msg\":\"x\"}")));
        QVERIFY(EvidenceCollector::isErrorLogLine(QStringLiteral("exit status 2")));
        QVERIFY(!EvidenceCollector::isErrorLogLine(
            QStringLiteral("{\"level\":\"info\",\"msg\":\"errors: 0\"}")));
    }

    void topFindingOfEveryScriptedFailure_data() {
        QTest::addColumn<QString>("instance");
        QTest::addColumn<QString>("app");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("shop-checkout")
            << "prod-eu"
            << "shop-checkout" << QStringList{QStringLiteral("ImagePullNotFound")};
        QTest::newRow("shop-web") << "prod-eu"
                                  << "shop-web" << QStringList{QStringLiteral("MissingConfigKey")};
        QTest::newRow("shop-cart") << "prod-eu"
                                   << "shop-cart" << QStringList{QStringLiteral("QuotaExceeded")};
        QTest::newRow("payments-api")
            << "prod-eu"
            << "payments-api"
            << QStringList{QStringLiteral("CrashLoop"), QStringLiteral("AppRuntimeError")};
        QTest::newRow("orders-api")
            << "prod-us"
            << "orders-api"
            << QStringList{QStringLiteral("HookFailed"), QStringLiteral("JobFailed")};
        QTest::newRow("inventory-api")
            << "prod-us"
            << "inventory-api" << QStringList{QStringLiteral("OutOfSyncDrift")};
        QTest::newRow("billing-api")
            << "prod-eu"
            << "billing-api" << QStringList{QStringLiteral("SyncWindowBlocked")};
    }

    void topFindingOfEveryScriptedFailure() {
#ifndef SEXTANT_HAVE_DIAGNOSER
        QSKIP("the diagnosis engine is not part of this build");
#else
        QFETCH(QString, instance);
        QFETCH(QString, app);
        QFETCH(QStringList, expected);
        const SignatureCatalogue catalogue = SignatureCatalogue::builtin();
        if (catalogue.signatures().isEmpty())
            QSKIP("the built-in signature catalogue is not available in this build");
        const EvidenceBundle b = collectOk(instance, app);
        QVERIFY(!b.appName.isEmpty());
        const Diagnosis d = Diagnoser(catalogue).diagnose(b);
        QVERIFY(!d.findings.isEmpty());
        QStringList got;
        for (const Finding& f : d.findings)
            got << f.category;
        qInfo("%s: top finding %s (%.2f), all: %s", qPrintable(app),
              qPrintable(d.findings.first().category), d.findings.first().confidence,
              qPrintable(got.join(", ")));
        QVERIFY2(expected.contains(d.findings.first().category),
                 qPrintable(QStringLiteral("%1: top finding %2, all: %3")
                                .arg(app, d.findings.first().category, got.join(", "))));
#endif
    }
};

QTEST_GUILESS_MAIN(TestEvidenceCollector)
#include "tst_evidencecollector.moc"
