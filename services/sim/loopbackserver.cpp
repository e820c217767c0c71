#include "sim/loopbackserver.h"

#include "sim/loopbackprocess.h"

#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QTimer>

namespace sextant::sim {

namespace {
constexpr int kPollIntervalMs = 150;
constexpr int kOutputTail = 4096;
constexpr int kLaunchAttempts = 3;
} // namespace

LoopbackServer::LoopbackServer(QString displayName, QObject* parent)
    : QObject(parent)
    , m_name(std::move(displayName)) {}

LoopbackServer::~LoopbackServer() {
    stop();
}

void LoopbackServer::start(const QString& program, std::function<QStringList(int)> arguments,
                           int readyTimeoutMs) {
    if (m_running || m_ready)
        return;
    m_running = true;
    m_program = program;
    m_arguments = std::move(arguments);
    m_readyTimeoutMs = readyTimeoutMs;
    m_attempt = 0;
    m_startupMs = 0;
    m_clock.start();
    launch();
}

void LoopbackServer::launch() {
    ++m_attempt;
    m_output.clear();
    m_port = loopback::freePort();
    if (m_port == 0) {
        fail(Error::make(Error::Kind::Network, tr("No free loopback port for %1").arg(m_name)));
        return;
    }
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    QProcess* process = m_process;
    connect(process, &QProcess::readyRead, this,
            [this, process] { m_output = (m_output + process->readAll()).right(kOutputTail); });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            fail(Error::make(Error::Kind::Io,
                             tr("%1 could not be started").arg(QFileInfo(m_program).fileName()),
                             process->errorString()));
    });
    connect(process, &QProcess::finished, this, &LoopbackServer::finished);
    m_process->start(m_program, m_arguments(m_port));
    if (!m_nam)
        m_nam = new QNetworkAccessManager(this);
    if (!m_pollTimer) {
        m_pollTimer = new QTimer(this);
        m_pollTimer->setInterval(kPollIntervalMs);
        connect(m_pollTimer, &QTimer::timeout, this, &LoopbackServer::poll);
    }
    m_pollTimer->start();
}

void LoopbackServer::poll() {
    if (!m_running || m_pollInFlight || !m_process)
        return;
    if (m_clock.elapsed() > m_readyTimeoutMs) {
        fail(Error::make(Error::Kind::Timeout,
                         tr("%1 was not ready after %2 s").arg(m_name).arg(m_readyTimeoutMs / 1000),
                         loopback::tail(m_output)));
        return;
    }
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/-/ready").arg(m_port)));
    request.setTransferTimeout(2000);
    m_pollInFlight = true;
    QNetworkReply* reply = m_nam->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        m_pollInFlight = false;
        if (!m_running || reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
            return;
        m_pollTimer->stop();
        m_startupMs = m_clock.elapsed();
        m_running = false;
        m_ready = true;
        Q_EMIT ready();
    });
}

void LoopbackServer::finished() {
    if (!m_process)
        return;
    m_output += m_process->readAll();
    const bool portTaken = m_output.contains("address already in use");
    m_process->disconnect(this);
    m_process->deleteLater();
    m_process = nullptr;
    if (m_ready) {
        m_ready = false;
        Q_EMIT stopped(Error::make(Error::Kind::Server, tr("%1 stopped unexpectedly").arg(m_name),
                                   loopback::tail(m_output)));
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
    fail(Error::make(Error::Kind::Server, tr("%1 exited before it was ready").arg(m_name),
                     loopback::tail(m_output)));
}

void LoopbackServer::fail(Error error) {
    if (!m_running)
        return;
    m_running = false;
    if (m_pollTimer)
        m_pollTimer->stop();
    discardProcess();
    // Queued: start() never emits from within itself, and the failing process's slots finish
    // before anyone reacts.
    QMetaObject::invokeMethod(
        this, [this, error] { Q_EMIT failed(error); }, Qt::QueuedConnection);
}

void LoopbackServer::stop() {
    m_running = false;
    m_ready = false;
    if (m_pollTimer)
        m_pollTimer->stop();
    discardProcess();
}

void LoopbackServer::discardProcess() {
    if (!m_process)
        return;
    loopback::halt(m_process);
    m_process->disconnect(this);
    m_process->deleteLater();
    m_process = nullptr;
}

} // namespace sextant::sim
