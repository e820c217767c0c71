// analysis::CanaryJudge on synthetic samples: a clearly worse canary is High and fails the
// canary with the metric named; equal distributions pass; missing data, too few samples,
// mustHaveData and critical metrics follow Kayenta's scoring overrides; direction and
// allowed-ratio rules; weights and thresholds; query errors count against proceeding; the
// metric-set YAML (the built-in file and override files) is validated.

#include "analysis/canaryjudge.h"
#include "metrics/prometheusclient.h"
#include "metrics/promql.h"

#include <QFile>
#include <QTest>

#include <cmath>
#include <limits>

using namespace sextant;
using namespace sextant::analysis;

// Until resources/CMakeLists.txt compiles the file in, the tests read it from the source tree.
#define SEXTANT_CANARY_METRICS_FILE SEXTANT_TEST_DATA_DIR "/../../resources/canary-metrics.yaml"

namespace {

struct Lcg {
    quint64 state;
    double uniform() {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return double(state >> 11) / double(1ULL << 53);
    }
    // Roughly normal: the sum of 12 uniforms.
    double normal(double mean, double sd) {
        double s = 0;
        for (int i = 0; i < 12; ++i)
            s += uniform();
        return mean + (s - 6) * sd;
    }
};

QVector<double> series(quint64 seed, int n, double mean, double sd) {
    Lcg g{seed};
    QVector<double> v;
    for (int i = 0; i < n; ++i)
        v.push_back(g.normal(mean, sd));
    return v;
}

CanaryMetric metric(const QString& name, Direction direction = Direction::Increase) {
    CanaryMetric m;
    m.name = name;
    m.query = QStringLiteral("rate(x_total{{{selector}}}[2m])");
    m.direction = direction;
    return m;
}

MetricSet setOf(const QVector<CanaryMetric>& metrics) {
    MetricSet s;
    s.sources << QStringLiteral("test");
    s.metrics = metrics;
    return s;
}

MetricSamples samples(const QString& name, QVector<double> canary, QVector<double> baseline) {
    MetricSamples s;
    s.name = name;
    s.canary = std::move(canary);
    s.baseline = std::move(baseline);
    return s;
}

// Canary and baseline drawn from the same distribution (different seeds).
MetricSamples same(const QString& name, quint64 seed, double mean = 100, double sd = 5) {
    return samples(name, series(seed, 60, mean, sd), series(seed + 1000, 60, mean, sd));
}

const MetricResult& resultFor(const CanaryReport& r, const QString& name) {
    for (const MetricResult& m : r.metrics)
        if (m.name == name)
            return m;
    qFatal("no result for %s", qPrintable(name));
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return f.readAll();
}

} // namespace

class TestCanaryJudge : public QObject {
    Q_OBJECT
private slots:
    void chartSeriesAverageThePooledSeries() {
        // Two pods answer the same range query: the chart shows their average per timestamp;
        // NaN is left out of the average, a timestamp with no finite value is dropped.
        const double nan = std::numeric_limits<double>::quiet_NaN();
        metrics::Series a, b;
        a.samples = {{100.0, 1.0}, {130.0, 3.0}, {160.0, nan}};
        b.samples = {{100.0, 3.0}, {130.0, nan}, {160.0, nan}, {190.5, 8.0}};
        const TimeSeries t = averagedSeries({a, b});
        QCOMPARE(t.timesMs, QVector<qint64>({100000, 130000, 190500}));
        QCOMPARE(t.values, QVector<double>({2.0, 3.0, 8.0}));
        QVERIFY(averagedSeries({}).timesMs.isEmpty());
        // The judge ignores the series: the same samples judge the same with or without them.
        MetricSamples plain;
        plain.name = QStringLiteral("m");
        plain.canary = series(1, 40, 10, 1);
        plain.baseline = series(2, 40, 10, 1);
        MetricSamples charted = plain;
        charted.canarySeries = t;
        CanaryMetric m;
        m.name = QStringLiteral("m");
        const CanaryJudge judge(MetricSet{});
        QCOMPARE(judge.classify(m, charted).pValue, judge.classify(m, plain).pValue);
    }

    void clearlyWorseCanaryIsHighAndFails() {
        const CanaryJudge judge(setOf({metric("error-rate"), metric("latency"), metric("cpu")}));
        const CanaryReport r = judge.judge(
            {samples("error-rate", series(1, 60, 0.05, 0.005), series(2, 60, 0.01, 0.002)),
             same("latency", 3), same("cpu", 4)});
        const MetricResult& e = resultFor(r, "error-rate");
        QCOMPARE(e.classification, Classification::High);
        QVERIFY(e.pValue < 1e-10);
        QVERIFY(e.effectSize > 4 && e.effectSize < 6);
        QCOMPARE(e.canary.n, 60);
        QCOMPARE(e.baseline.n, 60);
        QVERIFY(std::fabs(e.canary.median - 0.05) < 0.005);
        QVERIFY(e.reason.contains("significantly higher"));
        QCOMPARE(resultFor(r, "latency").classification, Classification::Pass);
        QCOMPARE(resultFor(r, "cpu").classification, Classification::Pass);
        QCOMPARE(r.score, 66.67);
        QCOMPARE(r.verdict, Verdict::Fail);
        QVERIFY(r.notes.join(' ').contains("error-rate High"));
    }

    void criticalMetricFailingSetsScoreZero() {
        CanaryMetric err = metric("error-rate");
        err.critical = true;
        QVector<CanaryMetric> ms{err};
        QVector<MetricSamples> data{
            samples("error-rate", series(1, 60, 0.05, 0.005), series(2, 60, 0.01, 0.002))};
        for (int i = 0; i < 9; ++i) {
            ms << metric(QStringLiteral("m%1").arg(i));
            data << same(QStringLiteral("m%1").arg(i), 10 + i);
        }
        const CanaryReport r = CanaryJudge(setOf(ms)).judge(data);
        QCOMPARE(resultFor(r, "error-rate").classification, Classification::High);
        QVERIFY(resultFor(r, "error-rate").criticalFailure);
        QCOMPARE(r.score, 0.0);
        QCOMPARE(r.verdict, Verdict::Fail);
        QVERIFY2(r.scoreReason.contains("critical metric error-rate"), qPrintable(r.scoreReason));

        // Beyond the allowed ratio but within the critical one: an ordinary failing metric.
        ms[0].criticalIncrease = 10.0;
        const CanaryReport soft = CanaryJudge(setOf(ms)).judge(data);
        QCOMPARE(resultFor(soft, "error-rate").classification, Classification::High);
        QVERIFY(!resultFor(soft, "error-rate").criticalFailure);
        QCOMPARE(soft.score, 90.0);
        QCOMPARE(soft.verdict, Verdict::Marginal);
    }

    void equalDistributionsPass() {
        QVector<CanaryMetric> ms;
        QVector<MetricSamples> data;
        for (int i = 0; i < 6; ++i) {
            ms << metric(QStringLiteral("m%1").arg(i), Direction::Either);
            data << same(QStringLiteral("m%1").arg(i), 100 + i, 50 + i * 10, 3);
        }
        const CanaryReport r = CanaryJudge(setOf(ms)).judge(data);
        for (const MetricResult& m : r.metrics) {
            QVERIFY2(m.classification == Classification::Pass, qPrintable(m.reason));
            QVERIFY(m.pValue > 0.02);
            QVERIFY(m.ciLower < 0 && m.ciUpper > 0);
        }
        QCOMPARE(r.score, 100.0);
        QCOMPARE(r.verdict, Verdict::Pass);
    }

    void identicalSamplesPass() {
        const QVector<double> v = series(5, 40, 1, 0.1);
        QVector<double> shuffled(v.rbegin(), v.rend());
        const MetricResult m =
            CanaryJudge(setOf({metric("a")})).classify(metric("a"), samples("a", v, shuffled));
        QCOMPARE(m.classification, Classification::Pass);
        QVERIFY(m.reason.contains("identical"));
        QVERIFY(std::isnan(m.pValue));
    }

    void missingDataRules() {
        QVector<CanaryMetric> ms{metric("a"), metric("b"), metric("c"), metric("d")};
        // One metric without canary data: NoData, not counted; the rest pass.
        CanaryReport r = CanaryJudge(setOf(ms)).judge(
            {samples("a", {}, series(1, 60, 1, 0.1)), same("b", 2), same("c", 3), same("d", 4)});
        QCOMPARE(resultFor(r, "a").classification, Classification::NoData);
        QVERIFY(resultFor(r, "a").reason.contains("no canary data"));
        QCOMPARE(r.score, 100.0);
        QCOMPARE(r.verdict, Verdict::Pass);

        // Half the metrics without data: score 0.
        r = CanaryJudge(setOf(ms)).judge({samples("a", {}, series(1, 60, 1, 0.1)),
                                          samples("b", series(2, 60, 1, 0.1), {}), same("c", 3),
                                          same("d", 4)});
        QCOMPARE(r.score, 0.0);
        QCOMPARE(r.verdict, Verdict::Fail);
        QVERIFY(r.scoreReason.contains("2 of 4 metrics have no data"));

        // mustHaveData: no data counts as a failing metric.
        ms[0].mustHaveData = true;
        r = CanaryJudge(setOf(ms)).judge(
            {samples("a", {}, series(1, 60, 1, 0.1)), same("b", 2), same("c", 3), same("d", 4)});
        QCOMPARE(resultFor(r, "a").classification, Classification::NoDataFailMetric);
        QCOMPARE(r.score, 75.0);
        QCOMPARE(r.verdict, Verdict::Marginal);

        // A critical metric without data fails the canary (Kayenta: critical and not Pass).
        ms[0].mustHaveData = false;
        ms[0].critical = true;
        r = CanaryJudge(setOf(ms)).judge(
            {samples("a", {}, series(1, 60, 1, 0.1)), same("b", 2), same("c", 3), same("d", 4)});
        QCOMPARE(resultFor(r, "a").classification, Classification::NoData);
        QCOMPARE(r.score, 0.0);

        // A metric the caller never measured is an error, not silently skipped.
        r = CanaryJudge(setOf({metric("b"), metric("c")})).judge({same("b", 2)});
        QCOMPARE(resultFor(r, "c").classification, Classification::Error);
        QCOMPARE(r.score, 50.0);
    }

    void minimumSampleCount() {
        MetricSet set = setOf({metric("a")});
        set.minSamples = 20;
        const MetricResult m = CanaryJudge(set).classify(
            set.metrics[0], samples("a", series(1, 12, 5, 1), series(2, 60, 1, 0.1)));
        QCOMPARE(m.classification, Classification::NoData);
        QVERIFY2(m.reason.contains("too few samples") && m.reason.contains("canary 12") &&
                     m.reason.contains("at least 20"),
                 qPrintable(m.reason));
        // The per-metric value wins over the set's.
        CanaryMetric lenient = set.metrics[0];
        lenient.minSamples = 10;
        QCOMPARE(CanaryJudge(set)
                     .classify(lenient, samples("a", series(1, 12, 5, 1), series(2, 60, 1, 0.1)))
                     .classification,
                 Classification::High);
    }

    void nanHandling() {
        QVector<double> canary = series(1, 60, 1, 0.1);
        canary << qQNaN() << qInf() << qQNaN();
        const CanaryMetric remove = metric("a");
        MetricResult m = CanaryJudge(setOf({remove}))
                             .classify(remove, samples("a", canary, series(2, 60, 1, 0.1)));
        QCOMPARE(m.canary.n, 60);
        QCOMPARE(m.canary.nonFinite, 3);
        QCOMPARE(m.classification, Classification::Pass);
        QVERIFY(m.notes.join(' ').contains("3 NaN/Inf samples removed"));

        // replace: the NaNs become zeros, and no data at all passes.
        CanaryMetric replace = metric("a");
        replace.nanStrategy = NanStrategy::Replace;
        m = CanaryJudge(setOf({replace}))
                .classify(replace, samples("a", canary, series(2, 60, 1, 0.1)));
        QCOMPARE(m.canary.n, 63);
        m = CanaryJudge(setOf({replace})).classify(replace, samples("a", {}, {}));
        QCOMPARE(m.classification, Classification::Pass);
        // Only NaN with remove: no data.
        m = CanaryJudge(setOf({remove}))
                .classify(remove, samples("a", QVector<double>(30, qQNaN()), series(2, 30, 1, 1)));
        QCOMPARE(m.classification, Classification::NoData);
    }

    void outlierRemoval() {
        QVector<double> canary = series(1, 60, 1, 0.1);
        canary[10] = 50;
        canary[20] = -40;
        CanaryMetric m = metric("a");
        m.removeOutliers = true;
        const MetricResult r =
            CanaryJudge(setOf({m})).classify(m, samples("a", canary, series(2, 60, 1, 0.1)));
        QCOMPARE(r.canary.outliers, 2);
        QCOMPARE(r.canary.n, 58);
        QVERIFY(std::fabs(r.canary.mean - 1) < 0.05);
        m.removeOutliers = false;
        QCOMPARE(CanaryJudge(setOf({m}))
                     .classify(m, samples("a", canary, series(2, 60, 1, 0.1)))
                     .canary.outliers,
                 0);
    }

    void directionRules() {
        const MetricSamples lower = samples("a", series(1, 60, 80, 3), series(2, 60, 100, 3));
        const MetricSamples higher = samples("a", series(3, 60, 120, 3), series(4, 60, 100, 3));
        const auto classify = [](Direction d, const MetricSamples& s) {
            const CanaryMetric m = metric("a", d);
            return CanaryJudge(setOf({m})).classify(m, s);
        };
        MetricResult r = classify(Direction::Increase, lower);
        QCOMPARE(r.classification, Classification::Pass);
        QVERIFY(r.reason.contains("only increases count"));
        QCOMPARE(classify(Direction::Decrease, lower).classification, Classification::Low);
        QCOMPARE(classify(Direction::Either, lower).classification, Classification::Low);
        QCOMPARE(classify(Direction::Increase, higher).classification, Classification::High);
        QCOMPARE(classify(Direction::Either, higher).classification, Classification::High);
        r = classify(Direction::Decrease, higher);
        QCOMPARE(r.classification, Classification::Pass);
        QVERIFY(r.reason.contains("only decreases count"));
    }

    void allowedRatio() {
        // 5 % higher, clearly significant with little noise, but the metric tolerates 10 %.
        const MetricSamples s = samples("a", series(1, 100, 105, 1), series(2, 100, 100, 1));
        CanaryMetric m = metric("a");
        m.allowedIncrease = 1.1;
        MetricResult r = CanaryJudge(setOf({m})).classify(m, s);
        QCOMPARE(r.classification, Classification::Pass);
        QVERIFY2(r.reason.contains("within the allowed increase"), qPrintable(r.reason));
        QVERIFY(r.pValue < 1e-10);
        m.allowedIncrease = 1.02;
        r = CanaryJudge(setOf({m})).classify(m, s);
        QCOMPARE(r.classification, Classification::High);
        // Decrease bound.
        const MetricSamples d = samples("a", series(1, 100, 95, 1), series(2, 100, 100, 1));
        m = metric("a", Direction::Decrease);
        m.allowedDecrease = 0.9;
        QCOMPARE(CanaryJudge(setOf({m})).classify(m, d).classification, Classification::Pass);
        m.allowedDecrease = 0.97;
        QCOMPARE(CanaryJudge(setOf({m})).classify(m, d).classification, Classification::Low);
    }

    void thresholdsAndWeights() {
        QVector<CanaryMetric> ms;
        QVector<MetricSamples> data;
        for (int i = 0; i < 20; ++i) {
            const QString name = QStringLiteral("m%1").arg(i);
            ms << metric(name);
            data << (i < 2 ? samples(name, series(i, 60, 200, 3), series(i + 50, 60, 100, 3))
                           : same(name, 300 + i));
        }
        // 18 of 20 pass: 90 -> Marginal with the defaults (95 / 75).
        CanaryReport r = CanaryJudge(setOf(ms)).judge(data);
        QCOMPARE(r.score, 90.0);
        QCOMPARE(r.verdict, Verdict::Marginal);
        // 19 of 20: exactly the pass threshold.
        data[1] = same("m1", 999);
        r = CanaryJudge(setOf(ms)).judge(data);
        QCOMPARE(r.score, 95.0);
        QCOMPARE(r.verdict, Verdict::Pass);
        // Custom thresholds.
        MetricSet strict = setOf(ms);
        strict.thresholds = {99, 96};
        QCOMPARE(CanaryJudge(strict).judge(data).verdict, Verdict::Fail);
        // Weights: the failing metric weighs 19, so half the weight fails.
        ms[0].weight = 19;
        r = CanaryJudge(setOf(ms)).judge(data);
        QCOMPARE(r.score, 50.0);
        // Muted metrics are reported but not scored.
        ms[0].muted = true;
        r = CanaryJudge(setOf(ms)).judge(data);
        QCOMPARE(resultFor(r, "m0").classification, Classification::High);
        QCOMPARE(r.score, 100.0);
    }

    void queryErrorsCountAgainst() {
        MetricSamples failed;
        failed.name = "a";
        failed.error = Error::make(Error::Kind::BadRequest,
                                   "prom: Prometheus rejected the query: parse error");
        const CanaryReport r =
            CanaryJudge(setOf({metric("a"), metric("b"), metric("c"), metric("d")}))
                .judge({failed, same("b", 2), same("c", 3), same("d", 4)});
        const MetricResult& a = resultFor(r, "a");
        QCOMPARE(a.classification, Classification::Error);
        QVERIFY(a.reason.contains("parse error"));
        QCOMPARE(r.score, 75.0);
        QVERIFY(r.notes.join(' ').contains("1 metric queries failed"));
    }

    void builtInMetricSet() {
        Result<MetricSet> set = MetricSet::fromYaml(readFile(SEXTANT_CANARY_METRICS_FILE),
                                                    QStringLiteral("canary-metrics.yaml"));
        QVERIFY2(set.ok(), qPrintable(set.ok() ? QString() : set.error().toString()));
        QStringList names;
        for (const CanaryMetric& m : set->metrics)
            names << m.name;
        QCOMPARE(names, (QStringList{"http-error-rate", "http-latency-p95", "http-latency-p99",
                                     "container-restarts", "cpu-usage", "memory-working-set"}));
        QVERIFY(set->find("http-error-rate")->critical);
        QCOMPARE(set->thresholds.pass, 95.0);
        QCOMPARE(set->thresholds.marginal, 75.0);
        QCOMPARE(set->confidenceLevel, 0.98);
        CanaryTarget t;
        t.ns = "shop";
        t.canarySelector = R"(pod=~"web-canary-.*")";
        t.baselineSelector = R"(pod=~"web-baseline-.*")";
        for (const CanaryMetric& m : set->metrics) {
            const Result<QString> c = renderMetricQuery(m, t, true);
            const Result<QString> b = renderMetricQuery(m, t, false);
            QVERIFY(c.ok() && b.ok());
            QVERIFY(c->contains(R"(namespace="shop",pod=~"web-canary-.*")"));
            QVERIFY(b->contains(R"(pod=~"web-baseline-.*")"));
            QVERIFY(!c->contains("{{"));
        }
        // When the resource is compiled in, it is the same file.
        Result<MetricSet> builtIn = MetricSet::builtIn();
        if (builtIn.ok())
            QCOMPARE(builtIn->metrics.size(), set->metrics.size());
        else
            QVERIFY(builtIn.error().shortMessage.contains("--metrics"));
    }

    void overrides() {
        Result<MetricSet> base = MetricSet::fromYaml(readFile(SEXTANT_CANARY_METRICS_FILE),
                                                     QStringLiteral("canary-metrics.yaml"));
        QVERIFY(base.ok());
        const QByteArray overrideYaml = R"(
thresholds: {pass: 90, marginal: 60}
defaults: {minSamples: 30}
metrics:
  - name: http-error-rate
    allowedIncrease: 1.5
  - name: cpu-usage
    muted: true
  - name: queue-depth
    query: max(queue_depth{namespace="{{namespace}}",{{selector}}})
    direction: either
    weight: 2
)";
        Result<MetricSet> merged = base->withOverrides(overrideYaml, "checkout.yaml");
        QVERIFY2(merged.ok(), qPrintable(merged.ok() ? QString() : merged.error().toString()));
        QCOMPARE(merged->thresholds.pass, 90.0);
        QCOMPARE(merged->minSamples, 30);
        const CanaryMetric* e = merged->find("http-error-rate");
        QCOMPARE(e->allowedIncrease, 1.5);
        QVERIFY(e->critical);                              // kept
        QVERIFY(e->query.contains("http_requests_total")); // kept
        QVERIFY(merged->find("cpu-usage")->muted);
        QCOMPARE(merged->find("queue-depth")->weight, 2.0);
        QCOMPARE(merged->metrics.size(), 7);
        QCOMPARE(merged->sources, (QStringList{"canary-metrics.yaml", "checkout.yaml"}));

        const auto refused = [&](const QByteArray& yaml, const char* words) {
            Result<MetricSet> r = base->withOverrides(yaml, "bad.yaml");
            QVERIFY2(!r.ok(), words);
            QVERIFY2(r.error().toString().contains(QLatin1String(words)),
                     qPrintable(r.error().toString()));
        };
        refused("metrics:\n  - name: new-one\n    weight: 1\n", "has no query");
        refused("metrics:\n  - name: http-error-rate\n    alowedIncrease: 2\n",
                "unknown field 'alowedIncrease'");
        refused("metrics:\n  - name: x\n    query: up{job=\"a\"}\n", "no {{selector}}");
        refused("metrics:\n  - name: x\n    query: up{ {{selector}} }\n    direction: up\n",
                "direction must be increase, decrease or either");
        refused("thresholds: {pass: 70, marginal: 80}\n", "above the pass threshold");
        refused("metrics:\n  - name: a\n    query: up{ {{selector}} }\n    weight: [1]\n",
                "bad.yaml:4");
        // A complete file without `complete: true` is refused as a complete set.
        QVERIFY(
            !MetricSet::fromYaml("metrics:\n  - name: a\n    query: up{ {{selector}} }\n", "x.yaml")
                 .ok());
    }

    void renderingRefusesUnknownPlaceholders() {
        CanaryMetric m = metric("a");
        m.query = "rate(x{ {{selector}}, app=\"{{app}}\" }[1m])";
        CanaryTarget t;
        t.canarySelector = "a=\"b\"";
        Result<QString> r = renderMetricQuery(m, t, true);
        QVERIFY(!r.ok());
        QVERIFY(r.error().shortMessage.contains("{{app}}"));
        t.variables.insert("app", "web");
        r = renderMetricQuery(m, t, true);
        QVERIFY(r.ok());
        QCOMPARE(*r, QString("rate(x{ a=\"b\", app=\"web\" }[1m])"));
    }

    // The PromQL helpers the CLI and the judge rely on.
    void promqlHelpers() {
        using namespace sextant::metrics;
        QVERIFY(validateMatchers("pod=~\"web-canary-.*\"").ok());
        QVERIFY(validateMatchers("a=\"1\", b!=\"x\\\"y\", c!~\"z\",").ok());
        QVERIFY(!validateMatchers("").ok());
        QVERIFY(!validateMatchers("pod=web").ok());
        QVERIFY(!validateMatchers("pod=\"a\"} or vector(1) {x=\"\"").ok());
        QCOMPARE(*parseDurationMs("30s"), 30000);
        QCOMPARE(*parseDurationMs("1m30s"), 90000);
        QCOMPARE(*parseDurationMs("500ms"), 500);
        QCOMPARE(*parseDurationMs("2h"), 7200000);
        QCOMPARE(*parseDurationMs("15"), 15000);
        QVERIFY(!parseDurationMs("30 s").ok());
        QVERIFY(!parseDurationMs("0s").ok());
        QVERIFY(!parseDurationMs("-5").ok());
        QCOMPARE(formatDurationMs(90500), QString("1m30s500ms"));
        QCOMPARE(parseTime("2025-01-01T00:15:00Z")->toSecsSinceEpoch(), 1735690500);
        QCOMPARE(parseTime("2025-01-01T01:15:00+01:00")->toSecsSinceEpoch(), 1735690500);
        QCOMPARE(parseTime("1735690500")->toSecsSinceEpoch(), 1735690500);
        QVERIFY(!parseTime("2025-01-01T00:15:00").ok()); // no zone
        QCOMPARE(
            PrometheusClient::timeParameter(QDateTime::fromMSecsSinceEpoch(1735690500250, Qt::UTC)),
            QString("1735690500.250"));
    }

    void prometheusEnvelopes() {
        using namespace sextant::metrics;
        const nlohmann::json matrix = {
            {"status", "success"},
            {"warnings", {"partial response"}},
            {"data",
             {{"resultType", "matrix"},
              {"result",
               {{{"metric", {{"pod", "a"}}}, {"values", {{1.5, "NaN"}, {2, "-Inf"}, {3, "1e3"}}}},
                {{"metric", {{"pod", "b"}}}, {"histograms", {{1, {{"count", "3"}}}}}}}}}}};
        Result<QueryResult> r =
            PrometheusClient::parseResponse(QByteArray::fromStdString(matrix.dump()));
        QVERIFY(r.ok());
        QCOMPARE(r->type, QueryResult::Type::Matrix);
        QCOMPARE(r->series.size(), 2);
        QVERIFY(std::isnan(r->series[0].samples[0].value));
        QCOMPARE(r->series[0].samples[0].time, 1.5);
        QVERIFY(std::isinf(r->series[0].samples[1].value));
        QCOMPARE(r->series[0].samples[2].value, 1000.0);
        QCOMPARE(r->skippedHistogramSamples, 1);
        QCOMPARE(r->warnings.size(), 2);
        QCOMPARE(r->warnings[0], QString("partial response"));
        r = PrometheusClient::parseResponse(
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:1: parse error\"}",
            "prom");
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::BadRequest);
        QCOMPARE(r.error().shortMessage, QString("prom: Prometheus rejected the query: 1:1: parse "
                                                 "error"));
        const nlohmann::json numberValue = {
            {"status", "success"},
            {"data",
             {{"resultType", "vector"}, {"result", {{{"metric", {}}, {"value", {1, 2}}}}}}}};
        QVERIFY(!PrometheusClient::parseResponse(QByteArray::fromStdString(numberValue.dump()))
                     .ok()); // a value must be a string
    }

    void jsonReport() {
        const CanaryJudge judge(setOf({metric("error-rate"), metric("b")}));
        const CanaryReport r = judge.judge(
            {samples("error-rate", series(1, 60, 0.05, 0.005), series(2, 60, 0.01, 0.002)),
             samples("b", {}, {})});
        const nlohmann::ordered_json j = reportToJson(r);
        QCOMPARE(j["verdict"].get<std::string>(), std::string("Fail"));
        QCOMPARE(j["thresholds"]["pass"].get<double>(), 95.0);
        const auto& m0 = j["metrics"][0];
        QCOMPARE(m0["name"].get<std::string>(), std::string("error-rate"));
        QCOMPARE(m0["classification"].get<std::string>(), std::string("High"));
        QVERIFY(m0["pValue"].get<double>() < 1e-6);
        QCOMPARE(m0["canary"]["n"].get<int>(), 60);
        QVERIFY(m0["baseline"]["median"].is_number());
        QVERIFY(!m0["reason"].get<std::string>().empty());
        // No data: numbers that do not exist are null, not NaN.
        QVERIFY(j["metrics"][1]["pValue"].is_null());
        QVERIFY(j["metrics"][1]["canary"]["median"].is_null());
        const QString md = reportToMarkdown(r);
        QVERIFY(md.contains("| error-rate | High |"));
    }
};

QTEST_GUILESS_MAIN(TestCanaryJudge)
#include "tst_canaryjudge.moc"
