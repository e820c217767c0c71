// The demo's release train end to end over loopback: the simulator serves the three RollingSync
// ApplicationSets and their applications (argocd::Client), and the demo Prometheus
// (sim::LocalPrometheus: promtool backfill + prometheus) serves the metrics scenario that the
// release review judges (metrics::PrometheusClient): storefront's stage-eu-1 canary fails on 5xx,
// catalog's canaries look like prod, recommendations' stage exports no HTTP metrics.

#include "argocd/client.h"
#include "metrics/prometheusclient.h"
#include "sim/localprometheus.h"
#include "sim/simulator.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>
#include <optional>

using namespace sextant;

namespace {

template <typename T, typename Start>
Result<T> waitFor(Start start) {
    std::optional<Result<T>> out;
    QEventLoop loop;
    start([&](Result<T> r) {
        out.emplace(std::move(r));
        loop.quit();
    });
    if (!out)
        loop.exec();
    return std::move(*out);
}

// The releases in resources/demo-scenario.yaml: previous (R1, on prod) and new (R2).
struct Release {
    const char* component;
    const char* r1;
    const char* r2;
    const char* v1;
    const char* v2;
};
const Release kReleases[] = {
    {"storefront", "99cbcc5544a4aa84a28c153a75236fb49a1a7fcf",
     "004c7b5a15f27583959e04b680a5c94bb6d7f20f", "1.8.3", "1.9.0"},
    {"catalog", "62170807ada799f0925abe8067cd6e499f35a95a",
     "dac0cd8fb53f3be0d1bf753959ab8c09e0eb0b1e", "2.4.1", "2.5.0"},
    {"recommendations", "68476007789076af0e6e0242f62da7a41c740092",
     "a753911e1ba9c81956a77c4d84f778af2b7ad224", "0.14.2", "0.15.0"},
};
const char* const kClusters[] = {"dev-eu-1", "stage-eu-1", "stage-us-1", "prod-eu-1", "prod-us-1"};

QString envOf(const QString& cluster) {
    return cluster.section(QLatin1Char('-'), 0, 0);
}

// Seconds before the reference time at which each cluster synced the new release.
qint64 syncedSecondsAgo(const QString& cluster) {
    if (cluster == QLatin1String("dev-eu-1"))
        return 2 * 3600;
    if (cluster == QLatin1String("stage-eu-1"))
        return 38 * 60;
    if (cluster == QLatin1String("stage-us-1"))
        return 36 * 60;
    return 3 * 86400; // prod: the previous release
}

} // namespace

class TestDemoMetrics : public QObject {
    Q_OBJECT
    std::unique_ptr<sim::Simulator> m_sim;
    std::unique_ptr<argocd::Client> m_argo;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<sim::LocalPrometheus> m_prom;
    std::unique_ptr<metrics::PrometheusClient> m_client;
    QDateTime m_ref;

    // Mean over the window of a range query that must return exactly one series.
    double mean(const QString& expr, const QDateTime& start, const QDateTime& end) {
        const auto r = waitFor<metrics::QueryResult>(
            [&](auto cb) { m_client->queryRange(expr, start, end, 30000, cb); });
        if (!r.ok()) {
            qWarning() << expr << r.error().toString();
            return NAN;
        }
        if (r->series.size() != 1) {
            qWarning() << expr << "returned" << r->series.size() << "series";
            return NAN;
        }
        double sum = 0;
        int n = 0;
        for (const metrics::Sample& s : r->series.first().samples)
            if (std::isfinite(s.value)) {
                sum += s.value;
                ++n;
            }
        return n >= 20 ? sum / n : NAN; // the canary judge's minimum sample count
    }
    static QString errorShare(const QString& ns, const QString& clusters) {
        return QStringLiteral("sum(rate(http_requests_total{namespace=\"%1\",cluster=~\"%2\","
                              "code=~\"5..\"}[2m])) / sum(rate(http_requests_total{namespace="
                              "\"%1\",cluster=~\"%2\"}[2m]))")
            .arg(ns, clusters);
    }
    static QString p95(const QString& ns, const QString& clusters) {
        return QStringLiteral(
                   "histogram_quantile(0.95, sum by (le) (rate("
                   "http_request_duration_seconds_bucket{namespace=\"%1\",cluster=~\"%2\"}"
                   "[2m])))")
            .arg(ns, clusters);
    }
    void startPrometheus() {
        if (m_client)
            return;
        if (!sim::LocalPrometheus::installed())
            QSKIP("prometheus/promtool are not installed (scripts/setup-debian.sh installs them)");
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        QElapsedTimer t;
        t.start();
        const QByteArray history = m_sim->metricsOpenMetrics();
        const qint64 generated = t.elapsed();
        m_prom = std::make_unique<sim::LocalPrometheus>();
        QSignalSpy ready(m_prom.get(), &sim::LocalPrometheus::ready);
        QSignalSpy failed(m_prom.get(), &sim::LocalPrometheus::failed);
        m_prom->start(history, m_dir->filePath(QStringLiteral("prometheus")));
        QVERIFY(ready.isEmpty() && failed.isEmpty()); // never from within start()
        QVERIFY(QTest::qWaitFor([&] { return !ready.isEmpty() || !failed.isEmpty(); }, 180000));
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).value<Error>().toString()));
        QVERIFY(m_prom->isReady());
        QCOMPARE(ready.first().first().toUrl(), m_prom->url());
        // The figure for docs/simulator.md (not asserted: wall-clock times vary).
        qInfo("demo Prometheus: %.1f MB of OpenMetrics generated in %lld ms, backfilled in %lld "
              "ms, ready %lld ms after start; total %lld ms",
              double(history.size()) / 1e6, generated, m_prom->backfillMs(), m_prom->startupMs(),
              t.elapsed());
        metrics::Endpoint e;
        e.baseUrl = m_prom->url();
        e.name = QStringLiteral("demo-prometheus");
        m_client = std::make_unique<metrics::PrometheusClient>(e);
        m_client->setRetryPolicy({0, 100, 100});
    }

private Q_SLOTS:
    void initTestCase() {
        m_sim = std::make_unique<sim::Simulator>();
        const Status loaded = m_sim->loadDemo();
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().toString()));
        QVERIFY(m_sim->listen().ok());
        m_ref = m_sim->referenceTime();
        QVERIFY(m_ref.isValid());
        const sim::InstanceEndpoint ep = m_sim->endpoints().first();
        QCOMPARE(ep.name, QStringLiteral("prod-eu"));
        argocd::InstanceConfig cfg;
        cfg.id = ep.name;
        cfg.name = ep.name;
        cfg.baseUrl = ep.url;
        m_argo = std::make_unique<argocd::Client>(cfg);
        m_argo->setToken(ep.token);
    }
    void cleanupTestCase() {
        m_client.reset();
        m_prom.reset();
        m_argo.reset();
        m_sim.reset();
    }

    void applicationSetsWithRollingSync() {
        const auto list =
            waitFor<nlohmann::json>([&](auto cb) { m_argo->listApplicationSets({}, {}, cb); });
        QVERIFY2(list.ok(), qPrintable(list.ok() ? QString() : list.error().toString()));
        std::map<std::string, nlohmann::json> byName;
        for (const auto& s : list.value()["items"])
            byName[s["metadata"]["name"].get<std::string>()] = s;
        for (const Release& rel : kReleases) {
            QVERIFY2(byName.count(rel.component), rel.component);
            const auto& listed = byName[rel.component];
            QVERIFY(listed["spec"]["strategy"]["type"] == "RollingSync");
            const auto got = waitFor<nlohmann::json>([&](auto cb) {
                m_argo->getApplicationSet(QString::fromLatin1(rel.component), {}, cb);
            });
            QVERIFY(got.ok());
            const nlohmann::json& set = got.value();
            QVERIFY(set == listed);
            const auto& steps = set["spec"]["strategy"]["rollingSync"]["steps"];
            QCOMPARE(steps.size(), size_t(3));
            const char* envs[] = {"dev", "stage", "prod"};
            for (size_t i = 0; i < 3; ++i) {
                QVERIFY(steps[i]["matchExpressions"][0]["key"] == "env");
                QVERIFY(steps[i]["matchExpressions"][0]["operator"] == "In");
                QVERIFY(steps[i]["matchExpressions"][0]["values"][0] == envs[i]);
            }
            QVERIFY(steps[2]["maxUpdate"] == 0);
            // The applicationset-controller's per-application status.
            const auto& statuses = set["status"]["applicationStatus"];
            QCOMPARE(statuses.size(), size_t(5));
            for (const auto& st : statuses) {
                const QString app = QString::fromStdString(st["application"].get<std::string>());
                const QString cluster = app.mid(int(qstrlen(rel.component)) + 1);
                const QString env = envOf(cluster);
                const std::string status = st["status"].get<std::string>();
                const char* step =
                    env == QLatin1String("dev") ? "1" : (env == QLatin1String("stage") ? "2" : "3");
                QVERIFY2(st["step"] == step, st.dump().c_str());
                if (env == QLatin1String("prod"))
                    QCOMPARE(status, std::string("Waiting"));
                else if (app == QLatin1String("recommendations-stage-us-1"))
                    QCOMPARE(status, std::string("Progressing"));
                else
                    QCOMPARE(status, std::string("Healthy"));
                QVERIFY2(st["targetrevisions"] == nlohmann::json::array({rel.r2}),
                         st.dump().c_str());
                // Relative scenario times are resolved against the reference time.
                const QDateTime changed = QDateTime::fromString(
                    QString::fromStdString(st["lastTransitionTime"].get<std::string>()),
                    Qt::ISODate);
                QVERIFY2(changed.isValid() && changed < m_ref && changed > m_ref.addSecs(-3 * 3600),
                         st.dump().c_str());
            }
            bool rollout = false;
            for (const auto& c : set["status"]["conditions"])
                rollout = rollout || (c["type"] == "RolloutProgressing" && c["status"] == "True");
            QVERIFY(rollout);
            QCOMPARE(set["status"]["resources"].size(), size_t(5));
        }
    }

    void applicationsRunTheRightRevisions() {
        argocd::ListQuery q;
        q.selector = QStringLiteral("release-train=web-shop");
        const auto list =
            waitFor<argocd::AppList>([&](auto cb) { m_argo->listApplications(q, cb); });
        QVERIFY2(list.ok(), qPrintable(list.ok() ? QString() : list.error().toString()));
        QCOMPARE(list->apps.size(), 15);
        int checked = 0;
        for (const Release& rel : kReleases)
            for (const char* cluster : kClusters) {
                const QString name = QStringLiteral("%1-%2").arg(rel.component, cluster);
                const argocd::AppSummary* app = nullptr;
                for (const auto& a : list->apps)
                    if (a.name == name)
                        app = &a;
                QVERIFY2(app, qPrintable(name));
                const bool released = envOf(cluster) != QLatin1String("prod");
                QCOMPARE(app->cluster(), QString::fromLatin1(cluster));
                QCOMPARE(app->destNamespace, QString::fromLatin1(rel.component));
                QCOMPARE(app->syncRevision, QString::fromLatin1(released ? rel.r2 : rel.r1));
                QCOMPARE(app->images,
                         QStringList{QStringLiteral("registry.example.com/shop/%1:%2")
                                         .arg(rel.component, released ? rel.v2 : rel.v1)});
                QVERIFY(app->operationPhase == argocd::OperationPhase::Succeeded);
                QCOMPARE(app->operationFinishedAt,
                         m_ref.addSecs(-syncedSecondsAgo(QString::fromLatin1(cluster))));
                QVERIFY(app->labels.contains({QStringLiteral("env"), envOf(cluster)}));
                QVERIFY(app->sync ==
                        (released ? argocd::SyncStatus::Synced : argocd::SyncStatus::OutOfSync));
                ++checked;
            }
        QCOMPARE(checked, 15);
        // The sync is in the Application's events, as the application-controller reports it.
        const auto events = waitFor<nlohmann::json>([&](auto cb) {
            m_argo->applicationEvents(QStringLiteral("storefront-stage-eu-1"), {}, cb);
        });
        QVERIFY(events.ok());
        bool completed = false;
        for (const auto& e : events.value()["items"])
            completed = completed || (e["reason"] == "OperationCompleted" &&
                                      e["message"] == std::string("Sync operation to ") +
                                                          kReleases[0].r2 + " succeeded");
        QVERIFY2(completed, events.value().dump().c_str());
    }

    void storefrontCanaryErrorRateRises() {
        startPrometheus();
        // The review's window: from the canary's sync (plus the rate window) to now.
        const QDateTime start = m_ref.addSecs(-38 * 60 + 180);
        const QString prod = QStringLiteral("prod-eu-1|prod-us-1");
        const double canary = mean(errorShare("storefront", "stage-eu-1"), start, m_ref);
        const double baseline = mean(errorShare("storefront", prod), start, m_ref);
        const double otherStage = mean(errorShare("storefront", "stage-us-1"), start, m_ref);
        qInfo("storefront 5xx share: stage-eu-1 %.4f, stage-us-1 %.4f, prod %.4f", canary,
              otherStage, baseline);
        QVERIFY2(canary > 0.04 && canary < 0.08, qPrintable(QString::number(canary)));
        QVERIFY2(baseline > 0.001 && baseline < 0.006, qPrintable(QString::number(baseline)));
        QVERIFY(canary > 5 * baseline);
        QVERIFY2(otherStage < 2 * baseline, qPrintable(QString::number(otherStage)));
        // Before its sync, stage-eu-1 looked like prod.
        const double earlier = mean(errorShare("storefront", "stage-eu-1"),
                                    m_ref.addSecs(-150 * 60), m_ref.addSecs(-45 * 60));
        QVERIFY2(earlier < 2 * baseline, qPrintable(QString::number(earlier)));
        // Only the error rate changed: latency is prod's.
        const double latency = mean(p95("storefront", "stage-eu-1"), start, m_ref);
        const double prodLatency = mean(p95("storefront", prod), start, m_ref);
        QVERIFY2(latency > 0.8 * prodLatency && latency < 1.25 * prodLatency,
                 qPrintable(QStringLiteral("%1 vs %2").arg(latency).arg(prodLatency)));
    }

    void catalogCanariesLookLikeProd() {
        startPrometheus();
        const QDateTime start = m_ref.addSecs(-36 * 60 + 180);
        const double baseline = mean(errorShare("catalog", "prod-eu-1|prod-us-1"), start, m_ref);
        QVERIFY2(baseline > 0.001 && baseline < 0.006, qPrintable(QString::number(baseline)));
        for (const char* cluster : {"stage-eu-1", "stage-us-1"}) {
            const double canary = mean(errorShare("catalog", cluster), start, m_ref);
            QVERIFY2(
                canary < 1.5 * baseline,
                qPrintable(QStringLiteral("%1: %2 vs %3").arg(cluster).arg(canary).arg(baseline)));
            const double latency = mean(p95("catalog", cluster), start, m_ref);
            const double prodLatency = mean(p95("catalog", "prod-eu-1|prod-us-1"), start, m_ref);
            QVERIFY(latency > 0.8 * prodLatency && latency < 1.25 * prodLatency);
        }
    }

    void recommendationsStageHasNoHttpMetrics() {
        startPrometheus();
        // From a few minutes after the stage syncs: before that the replaced pods' series are
        // still within the rate window and the 5-minute lookback.
        const QDateTime start = m_ref.addSecs(-30 * 60);
        auto series = [&](const QString& expr) {
            const auto r = waitFor<metrics::QueryResult>(
                [&](auto cb) { m_client->queryRange(expr, start, m_ref, 30000, cb); });
            return r.ok() ? r->series.size() : -1;
        };
        QCOMPARE(series(QStringLiteral(
                     "http_requests_total{namespace=\"recommendations\",cluster=~\"stage-.*\"}")),
                 0);
        QCOMPARE(series(QStringLiteral("http_request_duration_seconds_bucket{namespace="
                                       "\"recommendations\",cluster=~\"stage-.*\"}")),
                 0);
        // The baseline has them, and the stage pods have everything else.
        QVERIFY(series(QStringLiteral(
                    "http_requests_total{namespace=\"recommendations\",cluster=\"prod-eu-1\"}")) >
                0);
        QCOMPARE(series(QStringLiteral(
                     "sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="
                     "\"recommendations\",cluster=~\"stage-.*\",container!=\"\"}[2m]))")),
                 4);
        QCOMPARE(series(QStringLiteral(
                     "container_memory_working_set_bytes{namespace=\"recommendations\","
                     "cluster=~\"stage-.*\",container!=\"\"}")),
                 4);
        QVERIFY(series(QStringLiteral("kube_pod_container_status_restarts_total{namespace="
                                      "\"recommendations\",cluster=~\"stage-.*\"}")) >= 4);
    }

    void stopsOnDestruction() {
        startPrometheus();
        const QUrl url = m_prom->url();
        m_client.reset();
        m_prom.reset(); // terminate, then kill
        metrics::Endpoint e;
        e.baseUrl = url;
        e.requestTimeoutMs = 3000;
        metrics::PrometheusClient gone(e);
        gone.setRetryPolicy({0, 100, 100});
        const auto r = waitFor<metrics::QueryResult>(
            [&](auto cb) { gone.query(QStringLiteral("up"), {}, cb); });
        QVERIFY(!r.ok());
    }

    void standaloneDemoWithPrometheus() {
        if (!sim::LocalPrometheus::installed())
            QSKIP("prometheus/promtool are not installed");
        // `sextant-sim --demo --prometheus`: the instance lines, then the Prometheus line.
        QProcess proc;
        proc.start(QStringLiteral(SEXTANT_BIN_DIR "/sextant-sim"),
                   {QStringLiteral("--demo"), QStringLiteral("--prometheus")});
        QVERIFY(proc.waitForStarted(30000));
        QStringList names;
        QUrl prometheus;
        QVERIFY(QTest::qWaitFor(
            [&] {
                while (proc.canReadLine()) {
                    const auto line = nlohmann::json::parse(proc.readLine().toStdString());
                    if (line.contains("prometheus"))
                        prometheus =
                            QUrl(QString::fromStdString(line["prometheus"].get<std::string>()));
                    else
                        names << QString::fromStdString(line["name"].get<std::string>());
                }
                return prometheus.isValid() || proc.state() == QProcess::NotRunning;
            },
            180000));
        QVERIFY2(prometheus.isValid(), proc.readAllStandardError().constData());
        QCOMPARE(names, (QStringList{QStringLiteral("prod-eu"), QStringLiteral("prod-us"),
                                     QStringLiteral("staging")}));
        metrics::Endpoint e;
        e.baseUrl = prometheus;
        auto client = std::make_unique<metrics::PrometheusClient>(e);
        client->setRetryPolicy({0, 100, 100});
        const auto r = waitFor<metrics::QueryResult>([&](auto cb) {
            client->query(QStringLiteral("count(http_requests_total{namespace=\"storefront\"})"),
                          {}, cb);
        });
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->series.size(), 1);
        QVERIFY(r->series.first().samples.first().value > 0);
        // SIGTERM stops the simulator and its Prometheus.
        proc.terminate();
        QVERIFY(proc.waitForFinished(30000));
        QCOMPARE(proc.exitStatus(), QProcess::NormalExit);
        QCOMPARE(proc.exitCode(), 0);
        const auto gone = waitFor<metrics::QueryResult>(
            [&](auto cb) { client->query(QStringLiteral("up"), {}, cb); });
        QVERIFY(!gone.ok());
    }

    void standalonePrometheusNeedsMetrics() {
        QProcess proc;
        proc.start(
            QStringLiteral(SEXTANT_BIN_DIR "/sextant-sim"),
            {QStringLiteral("--apps"), QStringLiteral("10"), QStringLiteral("--prometheus")});
        QVERIFY(proc.waitForFinished(30000));
        QCOMPARE(proc.exitCode(), 2);
        QVERIFY2(proc.readAllStandardError().contains("the scenario has no 'metrics' section"),
                 "expected the missing-metrics message");
    }

    void missingBinaryIsATypedError() {
        sim::LocalPrometheus p;
        p.setBinaries(QStringLiteral("/nonexistent/prometheus"),
                      QStringLiteral("/nonexistent/promtool"));
        QTemporaryDir dir;
        QSignalSpy failed(&p, &sim::LocalPrometheus::failed);
        const Status st = p.startAndWait("# EOF\n", dir.path(), 10000);
        QVERIFY(!st.ok());
        QCOMPARE(st.error().kind, Error::Kind::NotFound);
        QVERIFY2(st.error().shortMessage.contains(QLatin1String("Prometheus is not installed")),
                 qPrintable(st.error().toString()));
        QCOMPARE(failed.size(), 1);
        QVERIFY(!p.isReady());
        QVERIFY(p.url().isEmpty());
    }

    void badHistoryReportsPromtoolsOutput() {
        if (!sim::LocalPrometheus::installed())
            QSKIP("prometheus/promtool are not installed");
        sim::LocalPrometheus p;
        QTemporaryDir dir;
        const Status st = p.startAndWait("web_requests{pod=\"a\" 1 oops\n", dir.path());
        QVERIFY(!st.ok());
        QCOMPARE(st.error().kind, Error::Kind::Io);
        QVERIFY2(st.error().shortMessage.contains(QLatin1String("promtool")),
                 qPrintable(st.error().toString()));
        QVERIFY2(!st.error().details.isEmpty(), qPrintable(st.error().toString()));
        QVERIFY(!p.isReady());
    }
};

QTEST_GUILESS_MAIN(TestDemoMetrics)
#include "tst_demometrics.moc"
