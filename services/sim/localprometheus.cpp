#include "sim/localprometheus.h"

#include "sim/loopbackprocess.h"
#include "sim/loopbackserver.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QTimer>

namespace sextant::sim {

namespace {

constexpr int kOutputTail = 4096;

using loopback::findBinary;
using loopback::tail;

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size() &&
           f.flush();
}

} // namespace

LocalPrometheus::LocalPrometheus(QObject* parent)
    : QObject(parent)
    , m_server(new LoopbackServer(QStringLiteral("Prometheus"), this)) {
    connect(m_server, &LoopbackServer::ready, this, [this] {
        m_running = false;
        m_ready = true;
        Q_EMIT ready(url());
    });
    connect(m_server, &LoopbackServer::failed, this, [this](const Error& error) {
        m_running = false;
        Q_EMIT failed(error);
    });
    // It stopped after it was ready: the URL no longer answers.
    connect(m_server, &LoopbackServer::stopped, this, [this](const Error& error) {
        m_ready = false;
        Q_EMIT failed(error);
    });
}

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
    return m_ready ? QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server->port())) : QUrl();
}

qint64 LocalPrometheus::startupMs() const {
    return m_server->startupMs();
}

void LocalPrometheus::start(const QByteArray& openMetrics, const QString& dataDir) {
    if (m_running || m_ready)
        return;
    m_running = true;
    m_dir = dataDir;
    m_backfillMs = 0;
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
    const QDir dir(m_dir);
    m_server->start(
        m_prometheusPath,
        [dir](int port) {
            return QStringList{
                QStringLiteral("--config.file=") + dir.filePath(QStringLiteral("prometheus.yml")),
                QStringLiteral("--storage.tsdb.path=") + dir.filePath(QStringLiteral("tsdb")),
                QStringLiteral("--storage.tsdb.retention.time=10y"),
                QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port)};
        },
        m_readyTimeoutMs);
}

void LocalPrometheus::fail(Error error) {
    if (!m_running)
        return;
    m_running = false;
    loopback::halt(m_promtool);
    m_server->stop();
    // Queued: start() never emits from within itself, and the failing process's slots finish
    // before anyone reacts.
    QMetaObject::invokeMethod(
        this, [this, error] { Q_EMIT failed(error); }, Qt::QueuedConnection);
}

void LocalPrometheus::stop() {
    m_running = false;
    m_ready = false;
    loopback::halt(m_promtool);
    m_server->stop();
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
