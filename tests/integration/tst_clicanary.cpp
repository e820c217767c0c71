// `sextant-cli canary judge` end to end against a real Prometheus with the canary scenario
// backfilled (tests/support/prometheusfixture.h): the canary whose error rate rises is halted with
// http-error-rate named, the good canary passes, the canary without HTTP metrics gets NoData and
// score 0; override files, a failing query, too few samples, the 11,000-points rule and bad
// arguments give the documented verdicts and exit codes.

#include "processrun.h"
#include "prometheusfixture.h"

#include <QTest>

#include <nlohmann/json.hpp>

using namespace sextant::test;
using Json = nlohmann::json;

// Until resources/CMakeLists.txt compiles the file in, the tests name it explicitly.
#define SEXTANT_CANARY_METRICS_FILE SEXTANT_TEST_DATA_DIR "/../../resources/canary-metrics.yaml"

namespace {

const Json* metricNamed(const Json& report, const std::string& name) {
    for (const Json& m : report["metrics"])
        if (m["name"] == name)
            return &m;
    return nullptr;
}

} // namespace

class TestCliCanary : public QObject {
    Q_OBJECT
    std::unique_ptr<PrometheusFixture> m_prom;
    CanaryScenario m_sc;

    QStringList judgeArgs(const QString& canaryPod, const QStringList& extra = {}) const {
        QStringList args = {
            QStringLiteral("canary"),       QStringLiteral("judge"),
            QStringLiteral("--prometheus"), m_prom->url().toString(),
            QStringLiteral("--namespace"),  m_sc.ns,
            QStringLiteral("--canary"),     QStringLiteral("pod=\"%1\"").arg(canaryPod),
            QStringLiteral("--baseline"),   QStringLiteral("pod=\"%1\"").arg(m_sc.baseline),
            QStringLiteral("--metrics"),    QStringLiteral(SEXTANT_CANARY_METRICS_FILE)};
        if (!extra.contains(QStringLiteral("--start")) &&
            !extra.contains(QStringLiteral("--window")))
            args << QStringLiteral("--start") << QStringLiteral("2025-01-01T00:15:00Z")
                 << QStringLiteral("--end") << QStringLiteral("2025-01-01T00:55:00Z");
        return args + extra;
    }

    static Json parse(const ProcessRun& run) {
        Json j = Json::parse(run.out.toStdString(), nullptr, false);
        if (j.is_discarded())
            qWarning("not JSON: %s\n%s", run.out.constData(), run.err.constData());
        return j;
    }

    QString writeFile(const QString& name, const QByteArray& text) const {
        const QString path = m_prom->dir() + QLatin1Char('/') + name;
        PrometheusFixture::writeFile(path, text);
        return path;
    }

private slots:
    void initTestCase() {
        if (!PrometheusFixture::installed())
            QSKIP("prometheus/promtool are not installed (scripts/setup-debian.sh installs them)");
        m_prom = std::make_unique<PrometheusFixture>();
        QString error;
        QVERIFY2(m_prom->start(canaryScenarioOpenMetrics(m_sc), &error), qPrintable(error));
    }
    void cleanupTestCase() { m_prom.reset(); }

    void badCanaryIsHaltedWithTheMetricNamed() {
        const ProcessRun run = runCli(judgeArgs(m_sc.bad));
        QVERIFY2(run.exitCode == 1, run.err.constData());
        const Json j = parse(run);
        QCOMPARE(j["verdict"].get<std::string>(), std::string("Fail"));
        QCOMPARE(j["score"].get<double>(), 0.0);
        QVERIFY(j["scoreReason"].get<std::string>().find("http-error-rate") != std::string::npos);
        const Json* e = metricNamed(j, "http-error-rate");
        QVERIFY(e);
        QCOMPARE((*e)["classification"].get<std::string>(), std::string("High"));
        QVERIFY((*e)["critical"].get<bool>());
        QVERIFY((*e)["pValue"].get<double>() < 1e-6);
        QVERIFY((*e)["effectSize"].get<double>() > 10); // 8 % against 0.5 %
        QCOMPARE((*e)["canary"]["n"].get<int>(), 81);   // 40 min every 30 s
        QCOMPARE((*e)["baseline"]["n"].get<int>(), 81);
        QVERIFY(std::fabs((*e)["canary"]["median"].get<double>() - 0.08) < 0.01);
        QVERIFY(std::fabs((*e)["baseline"]["median"].get<double>() - 0.005) < 0.002);
        QVERIFY(!(*e)["reason"].get<std::string>().empty());
        // Only the error rate is worse.
        for (const char* other : {"http-latency-p95", "http-latency-p99", "container-restarts",
                                  "cpu-usage", "memory-working-set"})
            QCOMPARE((*metricNamed(j, other))["classification"].get<std::string>(),
                     std::string("Pass"));
        QCOMPARE(j["thresholds"]["pass"].get<double>(), 95.0);
        QCOMPARE(j["window"]["step"].get<std::string>(), std::string("30s"));
    }

    void goodCanaryPasses() {
        const ProcessRun run = runCli(judgeArgs(m_sc.good));
        QVERIFY2(run.exitCode == 0, run.out.constData());
        const Json j = parse(run);
        QCOMPARE(j["verdict"].get<std::string>(), std::string("Pass"));
        QCOMPARE(j["score"].get<double>(), 100.0);
        for (const Json& m : j["metrics"])
            QVERIFY2(m["classification"] == "Pass", m.dump().c_str());
        QVERIFY((*metricNamed(j, "container-restarts"))["reason"].get<std::string>().find(
                    "identical") != std::string::npos);
    }

    void canaryWithoutHttpMetricsHasNoData() {
        const ProcessRun run = runCli(judgeArgs(m_sc.missing));
        QCOMPARE(run.exitCode, 1);
        const Json j = parse(run);
        QCOMPARE(j["verdict"].get<std::string>(), std::string("Fail"));
        QCOMPARE(j["score"].get<double>(), 0.0);
        for (const char* name : {"http-error-rate", "http-latency-p95", "http-latency-p99"}) {
            const Json& m = *metricNamed(j, name);
            QCOMPARE(m["classification"].get<std::string>(), std::string("NoData"));
            QVERIFY(m["reason"].get<std::string>().find("no canary data") != std::string::npos);
            QCOMPARE(m["canary"]["n"].get<int>(), 0);
        }
        QCOMPARE((*metricNamed(j, "cpu-usage"))["classification"].get<std::string>(),
                 std::string("Pass"));
    }

    void markdownOutput() {
        const ProcessRun run = runCli(judgeArgs(m_sc.bad, {"--output", "md"}));
        QCOMPARE(run.exitCode, 1);
        const QString md = QString::fromUtf8(run.out);
        QVERIFY2(md.contains("Fail (score 0.00)"), qPrintable(md));
        QVERIFY(md.contains("| http-error-rate (critical) | High |"));
        QVERIFY(md.contains("significantly higher"));
    }

    void overrideFileChangesTheScore() {
        // Not critical for this application, and a lower pass threshold.
        const QString overrides =
            writeFile("checkout.yaml", "thresholds: {pass: 80, marginal: 50}\n"
                                       "metrics:\n"
                                       "  - name: http-error-rate\n"
                                       "    critical: false\n");
        const ProcessRun run = runCli(judgeArgs(m_sc.bad, {"--metrics", overrides}));
        const Json j = parse(run);
        QCOMPARE(j["score"].get<double>(), 83.33); // 5 of 6
        QCOMPARE(j["verdict"].get<std::string>(), std::string("Pass"));
        QCOMPARE(run.exitCode, 0);
        QCOMPARE((*metricNamed(j, "http-error-rate"))["classification"].get<std::string>(),
                 std::string("High"));
    }

    void failingQueryCountsAgainst() {
        const QString overrides =
            writeFile("broken.yaml", "metrics:\n"
                                     "  - name: queue-depth\n"
                                     "    query: max(queue_depth{ {{selector}} }\n");
        const ProcessRun run = runCli(judgeArgs(m_sc.good, {"--metrics", overrides}));
        QCOMPARE(run.exitCode, 1);
        const Json j = parse(run);
        const Json& q = *metricNamed(j, "queue-depth");
        QCOMPARE(q["classification"].get<std::string>(), std::string("Error"));
        QVERIFY2(q["reason"].get<std::string>().find("parse error") != std::string::npos,
                 q.dump().c_str());
        QCOMPARE(j["score"].get<double>(), 85.71); // 6 of 7
        QCOMPARE(j["verdict"].get<std::string>(), std::string("Marginal"));
    }

    void tooFewSamples() {
        // 5 minutes at 30 s: 11 samples per side, the set wants 20.
        const ProcessRun run = runCli(judgeArgs(
            m_sc.good, {"--start", "2025-01-01T00:20:00Z", "--end", "2025-01-01T00:25:00Z"}));
        QCOMPARE(run.exitCode, 1);
        const Json j = parse(run);
        for (const Json& m : j["metrics"]) {
            QCOMPARE(m["classification"].get<std::string>(), std::string("NoData"));
            QVERIFY(m["reason"].get<std::string>().find("too few samples") != std::string::npos);
        }
        QCOMPARE(j["score"].get<double>(), 0.0);
    }

    void errorsExitTwo() {
        // More than 11,000 steps.
        ProcessRun run = runCli(judgeArgs(m_sc.good, {"--start", "2025-01-01T00:00:00Z", "--end",
                                                      "2025-01-01T04:00:00Z", "--step", "1s"}));
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("14401 points per series"), run.err.constData());
        // Bad selector.
        QStringList args = judgeArgs(m_sc.good);
        args[args.indexOf("--canary") + 1] = "pod=web";
        run = runCli(args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("not a list of PromQL label matchers"));
        // Missing option.
        run = runCli({"canary", "judge", "--prometheus", m_prom->url().toString()});
        QCOMPARE(run.exitCode, 2);
        // Nobody listening: no metric could be queried.
        args = judgeArgs(m_sc.good);
        args[args.indexOf("--prometheus") + 1] =
            QStringLiteral("http://127.0.0.1:%1").arg(freeLoopbackPort());
        run = runCli(args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("no metric could be queried"), run.err.constData());
        // An invalid metric set.
        const QString bad = writeFile("bad.yaml", "metrics:\n  - name: x\n    qurey: up\n");
        run = runCli(judgeArgs(m_sc.good, {"--metrics", bad}));
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("unknown field 'qurey'"));
    }
};

QTEST_GUILESS_MAIN(TestCliCanary)
#include "tst_clicanary.moc"
