#include "sim/localprometheus.h"

#include "sim/loopbackprocess.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTimer>

namespace sextant::sim {

namespace {

constexpr int kPollIntervalMs = 150;
constexpr int kOutputTail = 4096;
constexpr int kLaunchAttempts = 3;

using loopback::findBinary;
using loopback::tail;

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size() &&
           f.flush();
}

} // namespace

LocalPrometheus::LocalPrometheus(QObject* parent)
    : QObject(parent) {}

LocalPrometheus::~LocalPrometheus() {
    stop();
}

QString LocalPrometheus::prometheusBinary() {
    return findBinary(QStringLiteral("prometheus"));
}

QString LocalPrometheus::promtoolBinary() {
    return findBinary(QStringLiteral("promtool"));
}

void LocalPrometheus::setBinaries(const QString& prometheus, const QString& promtool) {
    m_prometheusBin = prometheus;
    m_promtoolBin = promtool;
}

QUrl LocalPrometheus::url() const {
    return m_ready ? QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)) : QUrl();
}

void LocalPrometheus::start(const QByteArray& openMetrics, const QString& dataDir) {
    if (m_running || m_ready)
        return;
    m_running = true;
    m_dir = dataDir;
    m_attempt = 0;
    m_backfillMs = m_startupMs = 0;
    m_output.clear();
    auto usable = [](const QString& path) {
        const QFileInfo f(path);
        return !path.isEmpty() && f.isFile() && f.isExecutable();
    };
    const QString promtool = m_promtoolBin.isEmpty() ? promtoolBinary() : m_promtoolBin;
    m_prometheusPath = m_prometheusBin.isEmpty() ? prometheusBinary() : m_prometheusBin;
    if (!usable(promtool) || !usable(m_prometheusPath)) {
        fail(Error::make(
            Error::Kind::NotFound,
            tr("Prometheus is not installed: %1 not found on PATH or in /usr/bin")
                .arg(!usable(promtool) ? QStringLiteral("promtool") : QStringLiteral("prometheus")),
            tr("The demo metrics need the prometheus and promtool binaries "
               "(Debian: apt install prometheus).")));
        return;
    }
    const QDir dir(dataDir);
    const QString data = dir.filePath(QStringLiteral("history.om"));
    const QString tsdb = dir.filePath(QStringLiteral("tsdb"));
    // An earlier run's blocks would overlap the new history.
    QDir(tsdb).removeRecursively();
    if (!QDir().mkpath(dataDir) || !writeFile(data, openMetrics) ||
        !writeFile(dir.filePath(QStringLiteral("prometheus.yml")),
                   "# Sextant demo: serves backfilled history only, scrapes nothing.\n"
                   "global:\n  scrape_interval: 1h\n")) {
        fail(Error::make(Error::Kind::Io,
                         tr("Cannot write the Prometheus data in %1").arg(dataDir)));
        return;
    }
    m_clock.start();
    m_promtool = new QProcess(this);
    m_promtool->setProcessChannelMode(QProcess::MergedChannels);
    QProcess* promtoolProcess = m_promtool;
    connect(promtoolProcess, &QProcess::readyRead, this, [this, promtoolProcess] {
        m_output = (m_output + promtoolProcess->readAll()).right(kOutputTail);
    });
    connect(promtoolProcess, &QProcess::errorOccurred, this,
            [this, promtoolProcess](QProcess::ProcessError e) {
                if (e == QProcess::FailedToStart)
                    fail(Error::make(Error::Kind::Io, tr("promtool could not be started"),
                                     promtoolProcess->errorString()));
            });
    connect(m_promtool, &QProcess::finished, this, &LocalPrometheus::backfillFinished);
    m_promtool->start(promtool, {QStringLiteral("tsdb"), QStringLiteral("create-blocks-from"),
                                 QStringLiteral("openmetrics"), data, tsdb});
}

void LocalPrometheus::backfillFinished(int exitCode, QProcess::ExitStatus status) {
    if (!m_running || !m_promtool)
        return;
    m_output += m_promtool->readAll();
    m_promtool->disconnect(this);
    m_promtool->deleteLater();
    m_promtool = nullptr;
    if (status != QProcess::NormalExit || exitCode != 0) {
        fail(Error::make(Error::Kind::Io, tr("promtool could not backfill the demo metrics"),
                         tail(m_output)));
        return;
    }
    m_backfillMs = m_clock.restart();
    // The history file has served its purpose; the blocks hold the data now.
    QFile::remove(QDir(m_dir).filePath(QStringLiteral("history.om")));
    launch();
}

void LocalPrometheus::launch() {
    ++m_attempt;
    m_output.clear();
    m_port = loopback::freePort();
    if (m_port == 0) {
        fail(Error::make(Error::Kind::Network, tr("No free loopback port for Prometheus")));
        return;
    }
    const QDir dir(m_dir);
    m_prometheus = new QProcess(this);
    m_prometheus->setProcessChannelMode(QProcess::MergedChannels);
    QProcess* process = m_prometheus;
    connect(process, &QProcess::readyRead, this,
            [this, process] { m_output = (m_output + process->readAll()).right(kOutputTail); });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            fail(Error::make(Error::Kind::Io, tr("prometheus could not be started"),
                             process->errorString()));
    });
    connect(m_prometheus, &QProcess::finished, this, &LocalPrometheus::prometheusFinished);
    m_prometheus->start(
        m_prometheusPath,
        {QStringLiteral("--config.file=") + dir.filePath(QStringLiteral("prometheus.yml")),
         QStringLiteral("--storage.tsdb.path=") + dir.filePath(QStringLiteral("tsdb")),
         QStringLiteral("--storage.tsdb.retention.time=10y"),
         QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_port)});
    if (!m_nam)
        m_nam = new QNetworkAccessManager(this);
    if (!m_pollTimer) {
        m_pollTimer = new QTimer(this);
        m_pollTimer->setInterval(kPollIntervalMs);
        connect(m_pollTimer, &QTimer::timeout, this, &LocalPrometheus::poll);
    }
    m_pollTimer->start();
}

void LocalPrometheus::poll() {
    if (!m_running || m_pollInFlight || !m_prometheus)
        return;
    if (m_clock.elapsed() > m_readyTimeoutMs) {
        fail(Error::make(Error::Kind::Timeout,
                         tr("Prometheus was not ready after %1 s").arg(m_readyTimeoutMs / 1000),
                         tail(m_output)));
        return;
    }
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/-/ready").arg(m_port)));
    request.setTransferTimeout(2000);
    m_pollInFlight = true;
    QNetworkReply* reply = m_nam->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        m_pollInFlight = false;
        if (!m_running)
            return;
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
            return;
        m_pollTimer->stop();
        m_startupMs = m_clock.elapsed();
        m_running = false;
        m_ready = true;
        Q_EMIT ready(url());
    });
}

void LocalPrometheus::prometheusFinished() {
    if (!m_prometheus)
        return;
    m_output += m_prometheus->readAll();
    const bool portTaken = m_output.contains("address already in use");
    m_prometheus->disconnect(this);
    m_prometheus->deleteLater();
    m_prometheus = nullptr;
    if (m_ready) {
        // It stopped after it was ready: the URL no longer answers.
        m_ready = false;
        Q_EMIT failed(Error::make(Error::Kind::Server, tr("Prometheus stopped unexpectedly"),
                                  tail(m_output)));
        return;
    }
    if (!m_running)
        return;
    if (m_pollTimer)
        m_pollTimer->stop();
    if (portTaken && m_attempt < kLaunchAttempts) {
        launch();
        return;
    }
    fail(Error::make(Error::Kind::Server, tr("Prometheus exited before it was ready"),
                     tail(m_output)));
}

void LocalPrometheus::fail(Error error) {
    if (!m_running)
        return;
    m_running = false;
    if (m_pollTimer)
        m_pollTimer->stop();
    loopback::halt(m_promtool);
    loopback::halt(m_prometheus);
    // Queued: start() never emits from within itself, and the failing process's slots finish
    // before anyone reacts.
    QMetaObject::invokeMethod(
        this, [this, error] { Q_EMIT failed(error); }, Qt::QueuedConnection);
}

void LocalPrometheus::stop() {
    m_running = false;
    m_ready = false;
    if (m_pollTimer)
        m_pollTimer->stop();
    loopback::halt(m_promtool);
    loopback::halt(m_prometheus);
}

Status LocalPrometheus::startAndWait(const QByteArray& openMetrics, const QString& dataDir,
                                     int timeoutMs) {
    QEventLoop loop;
    Status result = okStatus();
    bool done = false;
    const auto a = connect(this, &LocalPrometheus::ready, &loop, [&] {
        done = true;
        loop.quit();
    });
    const auto b = connect(this, &LocalPrometheus::failed, &loop, [&](const Error& e) {
        result = e;
        done = true;
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    start(openMetrics, dataDir);
    if (!done)
        loop.exec();
    disconnect(a);
    disconnect(b);
    if (!done) {
        stop();
        return Error::make(Error::Kind::Timeout,
                           tr("Prometheus was not ready after %1 s").arg(timeoutMs / 1000));
    }
    return result;
}

} // namespace sextant::sim
