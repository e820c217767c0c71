#pragma once

// A real Prometheus (and Alertmanager) for the metrics tests (../shared/design/TESTING.md, "Real
// Prometheus with historical data"): the canary scenario is written as OpenMetrics text with
// explicit timestamps, turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`
// and served by `prometheus` on 127.0.0.1 with an ephemeral port (sim::LocalPrometheus).
// Processes are stopped in the destructor (terminate, then kill).

#include "sim/localprometheus.h"

#include <QByteArray>
#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>
#include <QVector>

#include <cmath>
#include <functional>
#include <memory>

namespace sextant::test {

// The scenario's first sample; data runs for kScenarioMinutes every 15 s.
inline QDateTime scenarioStart() {
    return QDateTime(QDate(2025, 1, 1), QTime(0, 0), Qt::UTC);
}
constexpr int kScenarioMinutes = 60;
constexpr int kScrapeSeconds = 15;

// Pods of namespace "shop": the baseline, a canary whose error rate rises after 10 minutes
// (0.5 % -> 8 %), a canary that behaves like the baseline, and a canary with no HTTP metrics at
// all (only CPU, memory and restarts).
struct CanaryScenario {
    QString ns = QStringLiteral("shop");
    QString baseline = QStringLiteral("web-baseline-0");
    QString bad = QStringLiteral("web-canary-bad-0");
    QString good = QStringLiteral("web-canary-good-0");
    QString missing = QStringLiteral("web-canary-missing-0");
};

namespace detail {

struct Lcg {
    quint64 state;
    double uniform() {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return double(state >> 11) / double(1ULL << 53);
    }
    double around(double v, double relative) { return v * (1 + (uniform() * 2 - 1) * relative); }
};

inline QString num(double v) {
    return QString::number(v, 'g', 12);
}

} // namespace detail

// One workload (a pod), on one cluster for scenarios that tell clusters apart (the release
// review): HTTP requests and durations, restarts, CPU and memory labelled with namespace, pod
// and (when set) cluster, every 15 s for kScenarioMinutes from scenarioStart(), the 5xx share
// changing from errorRateEarly to errorRateLate at changeAtSecond.
struct ClusterWorkload {
    QString cluster;
    QString ns;
    QString pod;
    quint64 seed = 1;
    double errorRateEarly = 0.005;
    double errorRateLate = 0.005;
    int changeAtSecond = 600;
    bool http = true; // false: no HTTP metrics at all (only CPU, memory and restarts)
};

// `extra`: more families, appended before "# EOF". An empty `cluster` leaves the label out.
inline QByteArray clusterScenarioOpenMetrics(const QVector<ClusterWorkload>& workloads,
                                             const QString& extra = {}) {
    using detail::num;
    const qint64 t0 = scenarioStart().toSecsSinceEpoch();
    const int points = kScenarioMinutes * 60 / kScrapeSeconds + 1;
    const auto ts = [&](int i) { return QString::number(t0 + qint64(i) * kScrapeSeconds); };
    const auto labels = [](const ClusterWorkload& w, const QString& more = {}) {
        QString l = QStringLiteral("namespace=\"%1\",pod=\"%2\"").arg(w.ns, w.pod);
        if (!w.cluster.isEmpty())
            l.prepend(QStringLiteral("cluster=\"%1\",").arg(w.cluster));
        if (!more.isEmpty())
            l += QLatin1Char(',') + more;
        return QLatin1Char('{') + l + QLatin1Char('}');
    };
    QString out = QStringLiteral("# TYPE http_requests counter\n");
    for (const ClusterWorkload& w : workloads) {
        if (!w.http)
            continue;
        detail::Lcg g{w.seed};
        double ok = 0, errors = 0;
        QString okLines, errLines;
        for (int i = 0; i < points; ++i) {
            const double requests = g.around(400, 0.1);
            const double rate =
                i * kScrapeSeconds < w.changeAtSecond ? w.errorRateEarly : w.errorRateLate;
            const double e = g.around(requests * rate, 0.3);
            ok += requests - e;
            errors += e;
            okLines += QStringLiteral("http_requests_total%1 %2 %3\n")
                           .arg(labels(w, QStringLiteral("code=\"200\"")), num(ok), ts(i));
            errLines += QStringLiteral("http_requests_total%1 %2 %3\n")
                            .arg(labels(w, QStringLiteral("code=\"500\"")), num(errors), ts(i));
        }
        out += okLines + errLines;
    }
    out += QStringLiteral("# TYPE http_request_duration_seconds histogram\n");
    const double bounds[] = {0.05, 0.1, 0.25, 0.5, 1.0};
    const double shares[] = {0.30, 0.30, 0.25, 0.10, 0.04, 0.01};
    const double mids[] = {0.03, 0.07, 0.17, 0.37, 0.7, 1.5};
    for (const ClusterWorkload& w : workloads) {
        if (!w.http)
            continue;
        detail::Lcg g{w.seed * 7};
        double cumulative[6] = {0, 0, 0, 0, 0, 0};
        double sum = 0;
        for (int i = 0; i < points; ++i) {
            for (int b = 0; b < 6; ++b) {
                const double n = g.around(400 * shares[b], 0.1);
                cumulative[b] += n;
                sum += n * mids[b];
            }
            double running = 0;
            for (int b = 0; b < 5; ++b) {
                running += cumulative[b];
                out += QStringLiteral("http_request_duration_seconds_bucket%1 %2 %3\n")
                           .arg(labels(w, QStringLiteral("le=\"%1\"").arg(num(bounds[b]))),
                                num(running), ts(i));
            }
            running += cumulative[5];
            out += QStringLiteral("http_request_duration_seconds_bucket%1 %2 %3\n")
                       .arg(labels(w, QStringLiteral("le=\"+Inf\"")), num(running), ts(i));
            out += QStringLiteral("http_request_duration_seconds_count%1 %2 %3\n")
                       .arg(labels(w), num(running), ts(i));
            out += QStringLiteral("http_request_duration_seconds_sum%1 %2 %3\n")
                       .arg(labels(w), num(sum), ts(i));
        }
    }
    out += QStringLiteral("# TYPE kube_pod_container_status_restarts counter\n");
    for (const ClusterWorkload& w : workloads)
        for (int i = 0; i < points; ++i)
            out += QStringLiteral("kube_pod_container_status_restarts_total%1 0 %2\n")
                       .arg(labels(w, QStringLiteral("container=\"web\"")), ts(i));
    out += QStringLiteral("# TYPE container_cpu_usage_seconds counter\n");
    for (const ClusterWorkload& w : workloads) {
        detail::Lcg g{w.seed * 13};
        double cpu = 0;
        for (int i = 0; i < points; ++i) {
            cpu += kScrapeSeconds * g.around(0.25, 0.1);
            out += QStringLiteral("container_cpu_usage_seconds_total%1 %2 %3\n")
                       .arg(labels(w, QStringLiteral("container=\"web\"")), num(cpu), ts(i));
        }
    }
    out += QStringLiteral("# TYPE container_memory_working_set_bytes gauge\n");
    for (const ClusterWorkload& w : workloads) {
        detail::Lcg g{w.seed * 17};
        for (int i = 0; i < points; ++i)
            out += QStringLiteral("container_memory_working_set_bytes%1 %2 %3\n")
                       .arg(labels(w, QStringLiteral("container=\"web\"")),
                            num(std::round(g.around(200e6, 0.03))), ts(i));
    }
    out += extra;
    out += QStringLiteral("# EOF\n");
    return out.toUtf8();
}

// The canary scenario as OpenMetrics text (families contiguous, points in time order, "# EOF"):
// its pods without a cluster label, plus exact series for the client tests.
inline QByteArray canaryScenarioOpenMetrics(const CanaryScenario& sc = {}) {
    const qint64 t0 = scenarioStart().toSecsSinceEpoch();
    const int points = kScenarioMinutes * 60 / kScrapeSeconds + 1;
    const auto ts = [&](int i) { return QString::number(t0 + qint64(i) * kScrapeSeconds); };
    // Exact values for the client tests: sample i has value i; and the special values.
    QString extra = QStringLiteral("# TYPE sextant_test_counter gauge\n");
    for (int i = 0; i < points; ++i)
        extra += QStringLiteral("sextant_test_counter{series=\"a\"} %1 %2\n").arg(i).arg(ts(i));
    extra += QStringLiteral("# TYPE sextant_test_special gauge\n"
                            "sextant_test_special NaN %1\n"
                            "sextant_test_special +Inf %2\n"
                            "sextant_test_special -Inf %3\n"
                            "sextant_test_special 1.5 %4\n")
                 .arg(ts(0), ts(1), ts(2), ts(3));
    return clusterScenarioOpenMetrics({{{}, sc.ns, sc.baseline, 11, 0.005, 0.005},
                                       {{}, sc.ns, sc.bad, 23, 0.005, 0.08},
                                       {{}, sc.ns, sc.good, 37, 0.005, 0.005},
                                       {{}, sc.ns, sc.missing, 41, 0, 0, 600, false}},
                                      extra);
}

inline int freeLoopbackPort() {
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0))
        return 0;
    return s.serverPort();
}

// GET url until it answers 200 or `attempts` tries (250 ms apart) are used up.
inline bool waitUntilReady(const QUrl& url, const QProcess& process, int attempts = 240) {
    QNetworkAccessManager nam;
    for (int i = 0; i < attempts; ++i) {
        if (process.state() == QProcess::NotRunning)
            return false;
        QNetworkRequest req(url);
        req.setTransferTimeout(2000);
        QNetworkReply* reply = nam.get(req);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
        if (status == 200)
            return true;
        QEventLoop wait;
        QTimer::singleShot(250, &wait, &QEventLoop::quit);
        wait.exec();
    }
    return false;
}

inline void stopProcess(QProcess& p) {
    if (p.state() == QProcess::NotRunning)
        return;
    p.terminate();
    if (!p.waitForFinished(15000)) {
        p.kill();
        p.waitForFinished(5000);
    }
}

// The canary scenario in a real Prometheus, started by sim::LocalPrometheus (the same code as
// the demo Prometheus of sextant-sim and the console).
class PrometheusFixture {
public:
    static QString prometheusBinary() { return sim::LocalPrometheus::prometheusBinary(); }
    static QString promtoolBinary() { return sim::LocalPrometheus::promtoolBinary(); }
    static bool installed() { return sim::LocalPrometheus::installed(); }

    ~PrometheusFixture() { stop(); }

    // Backfills `openMetrics` and starts Prometheus on it; false with *error when that fails.
    bool start(const QByteArray& openMetrics, QString* error) {
        if (!m_dir.isValid()) {
            *error = QStringLiteral("no temporary directory");
            return false;
        }
        const Status started =
            m_prometheus.startAndWait(openMetrics, m_dir.filePath(QStringLiteral("prometheus")));
        if (!started.ok()) {
            *error = started.error().toString();
            return false;
        }
        return true;
    }

    void stop() { m_prometheus.stop(); }
    QUrl url() const { return m_prometheus.url(); }
    QString dir() const { return m_dir.path(); }

    static bool writeFile(const QString& path, const QByteArray& bytes) {
        QFile f(path);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
    }

private:
    QTemporaryDir m_dir;
    sim::LocalPrometheus m_prometheus; // destroyed (stopped) before the folder goes
};

// A real Alertmanager on loopback with a minimal configuration (one receiver that sends
// nothing) and clustering off.
class AlertmanagerFixture {
public:
    static QString binary() {
        return QStandardPaths::findExecutable(QStringLiteral("prometheus-alertmanager"));
    }
    static bool installed() { return !binary().isEmpty(); }
    ~AlertmanagerFixture() { stop(); }

    bool start(QString* error) {
        const QString config = m_dir.filePath(QStringLiteral("alertmanager.yml"));
        if (!PrometheusFixture::writeFile(config, "route:\n  receiver: blackhole\n"
                                                  "receivers:\n  - name: blackhole\n")) {
            *error = QStringLiteral("cannot write the configuration");
            return false;
        }
        for (int attempt = 0; attempt < 3; ++attempt) {
            m_port = freeLoopbackPort();
            m_process.setProcessChannelMode(QProcess::MergedChannels);
            m_process.start(binary(),
                            {QStringLiteral("--config.file=") + config,
                             QStringLiteral("--storage.path=") + m_dir.filePath("data"),
                             QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_port),
                             QStringLiteral("--cluster.listen-address=")});
            if (m_process.waitForStarted(30000) &&
                waitUntilReady(url().resolved(QUrl(QStringLiteral("/-/ready"))), m_process))
                return true;
            stopProcess(m_process);
            *error = QStringLiteral("alertmanager did not become ready: ") +
                     QString::fromUtf8(m_process.readAll().right(2000));
        }
        return false;
    }
    void stop() { stopProcess(m_process); }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)); }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    int m_port = 0;
};

} // namespace sextant::test
