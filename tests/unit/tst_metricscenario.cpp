// The simulator's metrics scenario (services/sim/metricscenario.*): the `metrics:` section of a
// scenario turned into OpenMetrics history. Checked on the text itself; the demo's history in a
// real Prometheus is tests/integration/tst_demometrics.cpp.

#include "sim/simulator.h"

#include <QRegularExpression>
#include <QTest>

#include <map>

using namespace sextant::sim;

namespace {

// A test scenario: one workload on a baseline cluster and a canary whose error rate rises after
// its sync, a second workload whose canary exports no HTTP metrics, one hour at 15 s.
const char* const kScenario = R"(
referenceTime: "2026-03-01T12:00:00Z"
metrics:
  seed: 7
  from: -1h
  step: 15s
  workloads:
    - name: web
      namespace: shop
      requestsPerSecond: 50
      errorRate: 0.004
      clusters:
        - {name: base-1, replicas: 3}
        - {name: canary-1, syncedAt: -20m, pods: [web-6d8f7c9b5-x2k8p, web-6d8f7c9b5-q7x2m],
           after: {errorRate: 0.08}}
    - name: worker
      namespace: jobs
      restartsPerHour: 2
      clusters:
        - base-1
        - {name: canary-1, http: false}
)";

struct Point {
    qint64 t = 0;
    double v = 0;
};

// series text ("name{labels}") -> points, in file order.
std::map<QString, QVector<Point>> parse(const QByteArray& text) {
    std::map<QString, QVector<Point>> out;
    for (const QByteArray& line : text.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> parts = line.split(' ');
        if (parts.size() != 3)
            continue;
        out[QString::fromUtf8(parts[0])].append({parts[2].toLongLong(), parts[1].toDouble()});
    }
    return out;
}

// Sum over series whose text matches `re` of (value at the last time <= t1) − (value at the
// last time <= t0), i.e. the counter increase in (t0, t1].
double increase(const std::map<QString, QVector<Point>>& s, const QRegularExpression& re, qint64 t0,
                qint64 t1) {
    double total = 0;
    for (const auto& [name, points] : s) {
        if (!re.match(name).hasMatch())
            continue;
        double a = 0, b = 0;
        for (const Point& p : points) {
            if (p.t <= t0)
                a = p.v;
            if (p.t <= t1)
                b = p.v;
        }
        total += b - a;
    }
    return total;
}

} // namespace

class TestMetricScenario : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void deterministicAndWellFormed() {
        Simulator a, b;
        QVERIFY(a.loadScenarioYaml(kScenario).ok());
        QVERIFY(b.loadScenarioYaml(kScenario).ok());
        QVERIFY(a.hasMetrics());
        const QByteArray text = a.metricsOpenMetrics();
        QCOMPARE(text, b.metricsOpenMetrics());
        QVERIFY(text.endsWith("# EOF\n"));
        // Every family is declared once and its samples follow its declaration (OpenMetrics
        // forbids interleaved families; promtool refuses them).
        QStringList seen;
        QString current;
        for (const QByteArray& line : text.split('\n')) {
            if (line.startsWith("# TYPE ")) {
                current = QString::fromUtf8(line.split(' ').value(2));
                QVERIFY2(!seen.contains(current), qPrintable(current));
                seen.append(current);
            } else if (!line.isEmpty() && !line.startsWith('#')) {
                QVERIFY2(line.startsWith(current.toUtf8()), line.constData());
            }
        }
        QCOMPARE(seen, (QStringList{QStringLiteral("http_requests"),
                                    QStringLiteral("http_request_duration_seconds"),
                                    QStringLiteral("kube_pod_container_status_restarts"),
                                    QStringLiteral("container_cpu_usage_seconds"),
                                    QStringLiteral("container_memory_working_set_bytes")}));
        // A different seed changes the noise, not the shape.
        Simulator c;
        QVERIFY(c.loadScenarioYaml(QByteArray(kScenario).replace("seed: 7", "seed: 8")).ok());
        QVERIFY(c.metricsOpenMetrics() != text);
    }

    void windowAndRollout() {
        Simulator sim;
        QVERIFY(sim.loadScenarioYaml(kScenario).ok());
        const auto s = parse(sim.metricsOpenMetrics());
        const qint64 ref = QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC).toSecsSinceEpoch();
        const qint64 sync = ref - 20 * 60;
        QCOMPARE(sim.referenceTime().toSecsSinceEpoch(), ref);
        // The baseline's pods cover the whole hour, every 15 s, in time order.
        int baselinePods = 0;
        for (const auto& [name, points] : s) {
            if (!name.startsWith(
                    QLatin1String("container_cpu_usage_seconds_total{cluster=\"base-1\","
                                  "namespace=\"shop\"")))
                continue;
            ++baselinePods;
            QCOMPARE(points.size(), 241);
            QCOMPARE(points.first().t, ref - 3600);
            QCOMPARE(points.last().t, ref);
            for (int i = 1; i < points.size(); ++i) {
                QCOMPARE(points[i].t - points[i - 1].t, qint64(15));
                QVERIFY(points[i].v >= points[i - 1].v); // a counter
            }
        }
        QCOMPARE(baselinePods, 3);
        // The canary's sync replaces its pods: the old ones end before it, the named new ones
        // start at it.
        int before = 0, after = 0;
        for (const auto& [name, points] : s) {
            if (!name.startsWith(
                    QLatin1String("container_memory_working_set_bytes{cluster=\"canary-"
                                  "1\",namespace=\"shop\"")))
                continue;
            if (name.contains(QLatin1String("web-6d8f7c9b5-"))) {
                ++after;
                QCOMPARE(points.first().t, sync);
                QCOMPARE(points.last().t, ref);
            } else {
                ++before;
                QVERIFY(name.contains(QRegularExpression(
                    QStringLiteral("pod=\"web-[bcdfghjklmnpqrstvwxz2456789]{9,10}-"
                                   "[bcdfghjklmnpqrstvwxz2456789]{5}\""))));
                QCOMPARE(points.first().t, ref - 3600);
                QCOMPARE(points.last().t, sync - 15);
            }
        }
        QCOMPARE(before, 2);
        QCOMPARE(after, 2);
    }

    void errorRateFollowsTheScenario() {
        Simulator sim;
        QVERIFY(sim.loadScenarioYaml(kScenario).ok());
        const auto s = parse(sim.metricsOpenMetrics());
        const qint64 ref = sim.referenceTime().toSecsSinceEpoch();
        const qint64 sync = ref - 20 * 60;
        auto share = [&](const QString& cluster, qint64 t0, qint64 t1) {
            const QString base =
                QStringLiteral("^http_requests_total\\{cluster=\"%1\",namespace=\"shop\"")
                    .arg(cluster);
            const double errors =
                increase(s, QRegularExpression(base + QStringLiteral(".*code=\"5..\"")), t0, t1);
            const double all = increase(s, QRegularExpression(base), t0, t1);
            return all > 0 ? errors / all : -1;
        };
        const double baseline = share(QStringLiteral("base-1"), ref - 3600, ref);
        QVERIFY2(baseline > 0.003 && baseline < 0.005, qPrintable(QString::number(baseline)));
        // The new pods' counters start at zero, so the increase after the sync is their value.
        const double canaryBefore = share(QStringLiteral("canary-1"), ref - 3600, sync - 15);
        QVERIFY2(canaryBefore > 0.003 && canaryBefore < 0.005,
                 qPrintable(QString::number(canaryBefore)));
        const double canaryAfter = share(QStringLiteral("canary-1"), sync - 15, ref);
        QVERIFY2(canaryAfter > 0.07 && canaryAfter < 0.09,
                 qPrintable(QString::number(canaryAfter)));
        // Histogram buckets are cumulative: +Inf equals _count.
        const QRegularExpression inf(QStringLiteral("base-1.*le=\"\\+Inf\""));
        const QRegularExpression count(
            QStringLiteral("^http_request_duration_seconds_count\\{cluster=\"base-1\""));
        QCOMPARE(increase(s, inf, ref - 3600, ref), increase(s, count, ref - 3600, ref));
    }

    void missingHttpMetrics() {
        Simulator sim;
        QVERIFY(sim.loadScenarioYaml(kScenario).ok());
        const QByteArray text = sim.metricsOpenMetrics();
        QVERIFY(!text.contains("http_requests_total{cluster=\"canary-1\",namespace=\"jobs\""));
        QVERIFY(text.contains("http_requests_total{cluster=\"base-1\",namespace=\"jobs\""));
        QVERIFY(text.contains("container_cpu_usage_seconds_total{cluster=\"canary-1\",namespace="
                              "\"jobs\""));
        // Restarts at 2 per hour: each worker pod restarted about twice in the hour.
        const auto s = parse(text);
        const qint64 ref = sim.referenceTime().toSecsSinceEpoch();
        const double restarts = increase(
            s,
            QRegularExpression(QStringLiteral("^kube_pod_container_status_restarts_total\\{cluster="
                                              "\"base-1\",namespace=\"jobs\"")),
            ref - 3600, ref);
        QVERIFY2(restarts >= 2 && restarts <= 6, qPrintable(QString::number(restarts)));
    }

    void badInput_data() {
        QTest::addColumn<QByteArray>("metrics");
        QTest::addColumn<QString>("expected");
        QTest::newRow("after without sync")
            << QByteArray("  workloads:\n    - name: a\n      clusters:\n"
                          "        - {name: c, after: {errorRate: 0.1}}\n")
            << QStringLiteral(":7: 'after' needs 'syncedAt'");
        QTest::newRow("step") << QByteArray("  step: soon\n  workloads: []\n")
                              << QStringLiteral(":4: 'step' must be whole seconds");
        QTest::newRow("share") << QByteArray("  workloads:\n    - name: a\n      errorRate: 1.5\n"
                                             "      clusters: [c]\n")
                               << QStringLiteral("'errorRate' and 'notFoundRate' are shares");
        QTest::newRow("sync outside")
            << QByteArray("  workloads:\n    - name: a\n      clusters:\n"
                          "        - {name: c, syncedAt: -5h}\n")
            << QStringLiteral(":7: 'syncedAt' is outside the metrics window");
        QTest::newRow("no clusters") << QByteArray("  workloads:\n    - name: a\n")
                                     << QStringLiteral("needs a 'clusters' list");
        QTest::newRow("bad http") << QByteArray("  workloads:\n    - name: a\n      http: maybe\n"
                                                "      clusters: [c]\n")
                                  << QStringLiteral(":6: 'http' must be true or false");
    }

    void badInput() {
        QFETCH(QByteArray, metrics);
        QFETCH(QString, expected);
        Simulator sim;
        const auto st = sim.loadScenarioYaml(
            "referenceTime: \"2026-03-01T12:00:00Z\"\nmetrics:\n  from: -1h\n" + metrics);
        QVERIFY(!st.ok());
        QVERIFY2(st.error().shortMessage.contains(expected), qPrintable(st.error().shortMessage));
        QVERIFY(!sim.hasMetrics());
    }

    void scenarioWithoutMetrics() {
        Simulator sim;
        QVERIFY(sim.loadScenarioYaml("applications: []\n").ok());
        QVERIFY(!sim.hasMetrics());
        QVERIFY(sim.metricsOpenMetrics().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestMetricScenario)
#include "tst_metricscenario.moc"
