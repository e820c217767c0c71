// The release review end to end: an ApplicationSet with RollingSync steps dev/stage/prod served by
// the simulator over loopback HTTP, and a real Prometheus with backfilled per-cluster metrics
// (tests/support/prometheusfixture.h). "storefront" has a bad stage canary (its 5xx share rises
// from 0.5 % to 8 % at the sync) against fine prod baselines: the review must roll it back,
// naming http-error-rate and stage-eu-1. "checkout" is fine everywhere: proceed to prod. Then the
// same through `sextant-cli release review` against a `sextant-sim` process (exit codes, JSON,
// Markdown, HTML), and the failure paths: no Prometheus, Prometheus down, no such set.

#include "argocd/client.h"
#include "metrics/prometheusclient.h"
#include "release/releasereview.h"
#include "sim/simulator.h"

#include "hookreceiver.h"
#include "processrun.h"
#include "prometheusfixture.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QThread>

#include <memory>
#include <optional>

using namespace sextant;
using namespace sextant::release;
using namespace sextant::test;

#define SEXTANT_CANARY_METRICS_FILE SEXTANT_TEST_DATA_DIR "/../../resources/canary-metrics.yaml"

namespace {

const char* const R1 = "1111111111111111111111111111111111111111";
const char* const R2 = "2222222222222222222222222222222222222222";

struct Placement {
    const char* cluster;
    const char* env;
    int step;
    bool release;
    int syncedMinutesAgo;
};
const Placement kPlacements[] = {{"dev-eu-1", "dev", 1, true, 50},
                                 {"stage-eu-1", "stage", 2, true, 30},
                                 {"prod-eu-1", "prod", 3, false, 4000},
                                 {"prod-us-1", "prod", 3, false, 4000}};
// storefront: a bad stage canary; checkout: fine everywhere; search: no HTTP metrics on stage.
const char* const kComponents[][2] = {
    {"storefront", "shop"}, {"checkout", "checkout"}, {"search", "search"}};

QDateTime reviewTime() {
    return scenarioStart().addSecs(kScenarioMinutes * 60);
}

// Clusters, two components on four clusters, one RollingSync ApplicationSet per component.
QByteArray scenarioYaml() {
    QString y = QStringLiteral("referenceTime: \"%1\"\ninstances: [{name: lab}]\nclusters:\n")
                    .arg(reviewTime().toString(Qt::ISODate));
    for (const Placement& p : kPlacements)
        y += QStringLiteral("  - {name: %1, server: \"https://%1.example.net:6443\", labels: "
                            "{env: %2}}\n")
                 .arg(QLatin1String(p.cluster), QLatin1String(p.env));
    y += QStringLiteral("applications:\n");
    for (const auto& [component, ns] : kComponents)
        for (const Placement& p : kPlacements) {
            const QString rev = QLatin1String(p.release ? R2 : R1);
            const QString tag = p.release ? QStringLiteral("1.5.0") : QStringLiteral("1.4.2");
            const QString image = QStringLiteral("registry.example.com/shop/%1:%2")
                                      .arg(QLatin1String(component), tag);
            y += QStringLiteral(
                     "  - name: %1-%2\n"
                     "    instance: lab\n"
                     "    labels: {env: %3, app: %1}\n"
                     "    destination: {name: %2, namespace: %4}\n"
                     "    source: {repoURL: \"https://git.example.com/shop.git\", path: "
                     "%1/overlays/%3, targetRevision: main}\n"
                     "    resources:\n"
                     "      - {group: apps, kind: Deployment, name: %1, images: [\"%5\"]}\n"
                     "    status:\n"
                     "      sync: Synced\n"
                     "      revision: %6\n"
                     "      health: Healthy\n"
                     "      history:\n"
                     "        - {id: 1, revision: %7, deployedAt: -5d, images: "
                     "[\"registry.example.com/shop/%1:1.4.2\"]}\n")
                     .arg(QLatin1String(component), QLatin1String(p.cluster), QLatin1String(p.env),
                          QLatin1String(ns), image, rev, QLatin1String(R1));
            if (p.release)
                y += QStringLiteral("        - {id: 2, revision: %1, deployedAt: -%2m, images: "
                                    "[\"%3\"]}\n")
                         .arg(rev)
                         .arg(p.syncedMinutesAgo)
                         .arg(image);
            y += QStringLiteral("      operationState: {phase: Succeeded, startedAt: -%1m, "
                                "finishedAt: -%2m, revision: %3}\n")
                     .arg(p.syncedMinutesAgo + 1)
                     .arg(p.syncedMinutesAgo)
                     .arg(rev);
        }
    y += QStringLiteral("applicationsets:\n");
    for (const auto& [component, ns] : kComponents) {
        Q_UNUSED(ns);
        QString resources, statuses;
        for (const Placement& p : kPlacements) {
            resources += QStringLiteral("          - {group: argoproj.io, kind: Application, "
                                        "name: %1-%2, namespace: argocd}\n")
                             .arg(QLatin1String(component), QLatin1String(p.cluster));
            statuses += QStringLiteral("          - {application: %1-%2, status: %3, step: "
                                       "\"%4\", message: \"Application resource became %3\"}\n")
                            .arg(QLatin1String(component), QLatin1String(p.cluster),
                                 p.release ? QStringLiteral("Healthy") : QStringLiteral("Waiting"))
                            .arg(p.step);
        }
        y += QStringLiteral(
                 "  - name: %1\n"
                 "    instance: lab\n"
                 "    namespace: argocd\n"
                 "    spec:\n"
                 "      generators: [{clusters: {}}]\n"
                 "      strategy:\n"
                 "        type: RollingSync\n"
                 "        rollingSync:\n"
                 "          steps:\n"
                 "            - matchExpressions: [{key: env, operator: In, values: [dev]}]\n"
                 "            - matchExpressions: [{key: env, operator: In, values: [stage]}]\n"
                 "            - matchExpressions: [{key: env, operator: In, values: [prod]}]\n"
                 "              maxUpdate: 50%\n"
                 "      template:\n"
                 "        metadata: {name: \"%1-{{name}}\", labels: {app: %1, env: "
                 "\"{{metadata.labels.env}}\"}}\n"
                 "    status:\n"
                 "      resources:\n%2"
                 "      applicationStatus:\n%3")
                 .arg(QLatin1String(component), resources, statuses);
    }
    return y.toUtf8();
}

QVector<ClusterWorkload> workloads() {
    QVector<ClusterWorkload> out;
    quint64 seed = 101;
    for (const auto& [component, ns] : kComponents)
        for (const Placement& p : kPlacements) {
            ClusterWorkload w;
            w.cluster = QLatin1String(p.cluster);
            w.ns = QLatin1String(ns);
            w.pod = QStringLiteral("%1-0").arg(QLatin1String(component));
            w.seed = seed += 17;
            // storefront on stage: the 5xx share rises from 0.5 % to 8 % when the release lands.
            if (QLatin1String(component) == QLatin1String("storefront") &&
                QLatin1String(p.cluster) == QLatin1String("stage-eu-1")) {
                w.errorRateLate = 0.08;
                w.changeAtSecond = (kScenarioMinutes - p.syncedMinutesAgo) * 60;
            }
            // search on stage exports no HTTP metrics (a scrape config lost in the release).
            if (QLatin1String(component) == QLatin1String("search") &&
                QLatin1String(p.cluster) == QLatin1String("stage-eu-1"))
                w.http = false;
            out << w;
        }
    return out;
}

const CanaryReview* canaryOn(const ReleaseReview& r, const QString& cluster) {
    for (const CanaryReview& c : r.canaries)
        if (c.cluster == cluster)
            return &c;
    return nullptr;
}

} // namespace

class TestReleaseReviewE2e : public QObject {
    Q_OBJECT
    std::unique_ptr<PrometheusFixture> m_prom;
    std::unique_ptr<sim::Simulator> m_sim;
    std::unique_ptr<argocd::Client> m_client;
    QString m_token;
    QUrl m_url;
    analysis::MetricSet m_set;

    Result<ReleaseReview> review(const QString& appset, metrics::PrometheusClient* prom,
                                 ReviewOptions options = {}) {
        if (!options.now.isValid())
            options.now = reviewTime();
        std::optional<Result<ReleaseReview>> out;
        int calls = 0;
        bool onCallingThread = false;
        QEventLoop loop;
        runReleaseReview(*m_client, prom, appset, {}, m_set, options, [&](Result<ReleaseReview> r) {
            ++calls;
            onCallingThread = QThread::currentThread() == thread();
            out.emplace(std::move(r));
            loop.quit();
        });
        if (!out)
            loop.exec();
        // `done` runs once, on this thread, although the judging runs on the pool.
        QTest::qWait(50);
        if (calls != 1 || !onCallingThread)
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("done ran %1 times, on the calling thread: %2")
                                   .arg(calls)
                                   .arg(onCallingThread));
        return std::move(*out);
    }

    std::unique_ptr<metrics::PrometheusClient> prometheus(const QUrl& url) {
        metrics::Endpoint e;
        e.baseUrl = url;
        e.requestTimeoutMs = 20000;
        auto c = std::make_unique<metrics::PrometheusClient>(e);
        c->setRetryPolicy(metrics::RetryPolicy{0, 100, 100});
        return c;
    }

private slots:
    void initTestCase() {
        const Result<analysis::MetricSet> set =
            analysis::MetricSet::load({QStringLiteral(SEXTANT_CANARY_METRICS_FILE)});
        QVERIFY2(set.ok(), qPrintable(set.ok() ? QString() : set.error().toString()));
        m_set = *set;
        m_sim = std::make_unique<sim::Simulator>();
        const Status loaded = m_sim->loadScenarioYaml(scenarioYaml());
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().toString()));
        QVERIFY(m_sim->listen().ok());
        const sim::InstanceEndpoint ep = m_sim->endpoints().first();
        argocd::InstanceConfig cfg;
        cfg.id = ep.name;
        cfg.name = ep.name;
        cfg.baseUrl = ep.url;
        m_url = ep.url;
        m_token = ep.token;
        m_client = std::make_unique<argocd::Client>(cfg);
        m_client->setToken(ep.token);
        if (!PrometheusFixture::installed())
            return; // the Prometheus tests skip one by one
        m_prom = std::make_unique<PrometheusFixture>();
        QString error;
        QVERIFY2(m_prom->start(clusterScenarioOpenMetrics(workloads()), &error), qPrintable(error));
    }
    void cleanupTestCase() {
        m_prom.reset();
        m_client.reset();
        m_sim.reset();
    }

    void badStageCanaryIsRolledBack() {
        if (!m_prom)
            QSKIP("prometheus/promtool are not installed (scripts/setup-debian.sh installs them)");
        auto prom = prometheus(m_prom->url());
        const Result<ReleaseReview> r = review(QStringLiteral("storefront"), prom.get());
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        const ReleaseMatrix& m = r->matrix;
        QVERIFY(m.rollingSync);
        QCOMPARE(m.cells.size(), 4);
        QCOMPARE(m.rows.size(), 1);
        QCOMPARE(m.rows.first().releaseRevision, QLatin1String(R2));
        QCOMPARE(m.rows.first().previousRevision, QLatin1String(R1));
        QCOMPARE(m.currentStep, 3);

        const CanaryReview* stage = canaryOn(*r, QStringLiteral("stage-eu-1"));
        QVERIFY(stage);
        QVERIFY2(stage->judged, qPrintable(stage->notJudgedReason));
        QCOMPARE(stage->baselineClusters, QStringList({"prod-eu-1", "prod-us-1"}));
        QCOMPARE(stage->target.start, reviewTime().addSecs(-30 * 60));
        QCOMPARE(toString(stage->recommendation), toString(Recommendation::RollBack));
        QVERIFY2(stage->reason.startsWith("storefront fails http-error-rate (critical) — "),
                 qPrintable(stage->reason));
        const CanaryReview* dev = canaryOn(*r, QStringLiteral("dev-eu-1"));
        QVERIFY(dev);
        QVERIFY2(dev->recommendation == Recommendation::Proceed,
                 qPrintable(dev->reason + "\n" + analysis::reportToMarkdown(dev->report)));

        QCOMPARE(toString(r->recommendation), toString(Recommendation::RollBack));
        QVERIFY2(r->headline.startsWith("Halt the rollout at step 2 (stage): on stage-eu-1 "
                                        "storefront fails http-error-rate (critical)"),
                 qPrintable(r->headline));
        QVERIFY(r->headline.endsWith("Roll back stage-eu-1."));
        QCOMPARE(r->prometheus, m_prom->url().toString());

        // Per-pod figures stay per pod although both prod clusters run a pod "storefront-0":
        // the built-in set groups by cluster and pod.
        for (const analysis::MetricResult& mr : stage->report.metrics)
            if (mr.name == QLatin1String("memory-working-set") ||
                mr.name == QLatin1String("cpu-usage"))
                QVERIFY2(mr.canary.mean / mr.baseline.mean > 0.9 &&
                             mr.canary.mean / mr.baseline.mean < 1.1,
                         qPrintable(mr.name + ": " + mr.reason));

        // The chart keeps the series: the canary's 5xx share ends well above the baseline's.
        const auto chart =
            std::find_if(stage->charts.begin(), stage->charts.end(), [](const MetricChart& c) {
                return c.metric == QLatin1String("http-error-rate");
            });
        QVERIFY(chart != stage->charts.end());
        QCOMPARE(chart->canary.timesMs.size(), 61); // 30 minutes every 30 s, both ends included
        QCOMPARE(chart->canary.timesMs.first(), reviewTime().addSecs(-30 * 60).toMSecsSinceEpoch());
        QVERIFY(chart->canary.values.last() > 0.05);
        QVERIFY(chart->baseline.values.last() < 0.01);
    }

    void goodRolloutProceedsToProd() {
        if (!m_prom)
            QSKIP("prometheus/promtool are not installed (scripts/setup-debian.sh installs them)");
        auto prom = prometheus(m_prom->url());
        const Result<ReleaseReview> r = review(QStringLiteral("checkout"), prom.get());
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        for (const CanaryReview& c : r->canaries)
            QVERIFY2(c.recommendation == Recommendation::Proceed,
                     qPrintable(c.cluster + ": " + c.reason + "\n" +
                                analysis::reportToMarkdown(c.report)));
        QCOMPARE(toString(r->recommendation), toString(Recommendation::Proceed));
        QCOMPARE(r->headline,
                 QStringLiteral("Proceed to step 3 (prod): sync prod-eu-1, prod-us-1"));
    }

    void missingMetricsHalt() {
        if (!m_prom)
            QSKIP("prometheus/promtool are not installed (scripts/setup-debian.sh installs them)");
        auto prom = prometheus(m_prom->url());
        const Result<ReleaseReview> r = review(QStringLiteral("search"), prom.get());
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(toString(r->recommendation), toString(Recommendation::Halt));
        QVERIFY2(r->headline.startsWith("Halt the rollout at step 2 (stage): on stage-eu-1 not "
                                        "enough data for search: "),
                 qPrintable(r->headline));
        QVERIFY(r->headline.contains("critical: http-error-rate"));
        QVERIFY(!r->headline.contains("Roll back"));
    }

    void withoutPrometheusNothingIsJudged() {
        const Result<ReleaseReview> r = review(QStringLiteral("storefront"), nullptr);
        QVERIFY(r.ok());
        QCOMPARE(toString(r->recommendation), toString(Recommendation::Wait));
        for (const CanaryReview& c : r->canaries) {
            QVERIFY(!c.judged);
            QVERIFY(c.notJudgedReason.contains("no Prometheus configured"));
        }
        // Too early: judged as of five minutes after the stage sync.
        ReviewOptions early;
        early.now = reviewTime().addSecs(-25 * 60);
        const Result<ReleaseReview> e = review(QStringLiteral("storefront"), nullptr, early);
        QVERIFY(e.ok());
        QCOMPARE(canaryOn(*e, "stage-eu-1")->notJudgedReason,
                 QStringLiteral("too early: synced 5 minutes ago, 10 needed"));
    }

    void prometheusDownHaltsWithoutFailingTheRun() {
        auto prom = prometheus(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(freeLoopbackPort())));
        const Result<ReleaseReview> r = review(QStringLiteral("checkout"), prom.get());
        QVERIFY(r.ok());
        QCOMPARE(toString(r->recommendation), toString(Recommendation::Halt));
        QVERIFY2(r->headline.contains("query failed"), qPrintable(r->headline));
    }

    void badSelectorIsAnErrorBeforeAnyRequest() {
        ReviewOptions bad;
        bad.baselineSelector = QStringLiteral("cluster=~\"{{clusterz}}\"");
        const Result<ReleaseReview> r = review(QStringLiteral("storefront"), nullptr, bad);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().shortMessage.contains("baseline selector"),
                 qPrintable(r.error().toString()));
    }

    void unknownApplicationSetIsAnError() {
        const Result<ReleaseReview> r = review(QStringLiteral("nope"), nullptr);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().shortMessage.contains("nope") || r.error().details.contains("not found"),
                 qPrintable(r.error().toString()));
    }

    void cliEndToEnd() {
        if (!m_prom)
            QSKIP("prometheus/promtool are not installed (scripts/setup-debian.sh installs them)");
        if (!QFileInfo::exists(binary("sextant-sim")) || !QFileInfo::exists(binary("sextant-cli")))
            QSKIP("sextant-sim / sextant-cli are not built");
        const QString scenario = m_prom->dir() + QStringLiteral("/release-scenario.yaml");
        QVERIFY(PrometheusFixture::writeFile(scenario, scenarioYaml()));
        QProcess sim;
        sim.start(binary("sextant-sim"), {QStringLiteral("--scenario"), scenario});
        QVERIFY(sim.waitForStarted(30000));
        QTRY_VERIFY_WITH_TIMEOUT(sim.canReadLine() || sim.state() != QProcess::Running, 60000);
        const QJsonObject o = QJsonDocument::fromJson(sim.readLine()).object();
        const QString url = o.value(QStringLiteral("url")).toString();
        const QString token = o.value(QStringLiteral("token")).toString();
        QVERIFY(!url.isEmpty());
        const auto args = [&](const QString& appset, const QString& output) {
            return QStringList{
                QStringLiteral("release"),      QStringLiteral("review"),
                QStringLiteral("--server"),     url,
                QStringLiteral("--appset"),     appset,
                QStringLiteral("--prometheus"), m_prom->url().toString(),
                QStringLiteral("--metrics"),    QStringLiteral(SEXTANT_CANARY_METRICS_FILE),
                QStringLiteral("--now"),        reviewTime().toString(Qt::ISODate),
                QStringLiteral("--output"),     output};
        };
        const ProcessRun bad =
            runCli(args(QStringLiteral("storefront"), QStringLiteral("md")), token);
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.out.contains("Halt the rollout at step 2 (stage): on stage-eu-1 storefront "
                                  "fails http-error-rate (critical)"),
                 bad.out.constData());
        QVERIFY(!bad.out.contains(token.toUtf8()));

        const ProcessRun good =
            runCli(args(QStringLiteral("checkout"), QStringLiteral("json")), token);
        QCOMPARE(good.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(good.out).object();
        QCOMPARE(j.value("recommendation").toString(), QStringLiteral("Proceed"));
        QCOMPARE(j.value("headline").toString(),
                 QStringLiteral("Proceed to step 3 (prod): sync prod-eu-1, prod-us-1"));

        const ProcessRun badJson =
            runCli(args(QStringLiteral("storefront"), QStringLiteral("json")), token);
        QCOMPARE(badJson.exitCode, 1);
        const QJsonObject bj = QJsonDocument::fromJson(badJson.out).object();
        QCOMPARE(bj.value("blocking").toString(), QStringLiteral("stage-eu-1 at step 2 (stage)"));
        bool highErrorRate = false;
        for (const auto& c : bj.value("canaries").toArray())
            for (const auto& m : c.toObject()["report"].toObject()["metrics"].toArray())
                highErrorRate =
                    highErrorRate || (c.toObject()["cluster"].toString() == "stage-eu-1" &&
                                      m.toObject()["name"].toString() == "http-error-rate" &&
                                      m.toObject()["classification"].toString() == "High");
        QVERIFY(highErrorRate);

        const ProcessRun html =
            runCli(args(QStringLiteral("storefront"), QStringLiteral("html")), token);
        QCOMPARE(html.exitCode, 1);
        QVERIFY(html.out.startsWith("<!DOCTYPE html>"));
        QVERIFY(html.out.contains("<svg"));

        // Without Prometheus every canary waits: exit 3.
        QStringList waitArgs = args(QStringLiteral("storefront"), QStringLiteral("md"));
        waitArgs.removeAt(waitArgs.indexOf(QStringLiteral("--prometheus")) + 1);
        waitArgs.removeOne(QStringLiteral("--prometheus"));
        QCOMPARE(runCli(waitArgs, token).exitCode, 3);
        // A missing set is an error: exit 2.
        const ProcessRun missing =
            runCli(args(QStringLiteral("nope"), QStringLiteral("md")), token);
        QCOMPARE(missing.exitCode, 2);
        QVERIFY(missing.err.contains("sextant-cli: "));
        // Bad arguments: exit 2 with the reason.
        QStringList badSelector = args(QStringLiteral("storefront"), QStringLiteral("md"));
        badSelector << QStringLiteral("--canary-selector")
                    << QStringLiteral("cluster=\"{{oops}}\"");
        const ProcessRun sel = runCli(badSelector, token);
        QCOMPARE(sel.exitCode, 2);
        QVERIFY2(sel.err.contains("canary selector"), sel.err.constData());

        // --post: the review also goes to a webhook (generic JSON), redacted, after printing.
        HookReceiver hook;
        QVERIFY(hook.listen());
        QProcessEnvironment env = environmentWithToken(token);
        env.insert(QStringLiteral("RELEASE_HOOK"), hook.url(QStringLiteral("/hooks/release")));
        QStringList postArgs = args(QStringLiteral("storefront"), QStringLiteral("md"));
        postArgs << QStringLiteral("--post") << QStringLiteral("webhook")
                 << QStringLiteral("--webhook-url-env") << QStringLiteral("RELEASE_HOOK");
        QProcess cli; // not blocking: the receiver answers from this event loop
        cli.setProcessEnvironment(env);
        cli.start(binary("sextant-cli"), postArgs);
        QVERIFY(cli.waitForStarted(30000));
        QTRY_VERIFY_WITH_TIMEOUT(cli.state() == QProcess::NotRunning, 120000);
        QCOMPARE(cli.exitCode(), 1);
        QCOMPARE(hook.requests.size(), 1);
        const QByteArray body = hook.requests.first().body;
        const QJsonObject posted = QJsonDocument::fromJson(body).object();
        QCOMPARE(posted.value("title").toString(), QStringLiteral("Release review · storefront"));
        QVERIFY2(posted.value("summary").toString().contains(QStringLiteral("http-error-rate")),
                 body.constData());
        QVERIFY(posted.value("markdown").toString().contains(QStringLiteral("stage-eu-1")));
        QVERIFY(!body.contains(token.toUtf8()));
        QVERIFY(cli.readAllStandardError().contains("posted the review to"));
        // Half the options is an error before anything is fetched.
        QStringList half = args(QStringLiteral("storefront"), QStringLiteral("md"));
        half << QStringLiteral("--post") << QStringLiteral("slack");
        QCOMPARE(runCli(half, token).exitCode, 2);

        sim.terminate();
        if (!sim.waitForFinished(10000))
            sim.kill();
        sim.waitForFinished(5000);
    }
};

QTEST_GUILESS_MAIN(TestReleaseReviewE2e)
#include "tst_releasereview_e2e.moc"
