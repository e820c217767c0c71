#include "sim/localalertmanager.h"

#include "sim/loopbackprocess.h"

#include <QDir>
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
constexpr int kReadyTimeoutMs = 60000;
constexpr int kOutputTail = 4096;
constexpr int kLaunchAttempts = 3;

using loopback::halt;
using loopback::tail;

} // namespace

LocalAlertmanager::LocalAlertmanager(QObject* parent)
    : QObject(parent) {}

LocalAlertmanager::~LocalAlertmanager() {
    stop();
}

QString LocalAlertmanager::binary() {
    const QString debian = loopback::findBinary(QStringLiteral("prometheus-alertmanager"));
    return !debian.isEmpty() ? debian : loopback::findBinary(QStringLiteral("alertmanager"));
}

QUrl LocalAlertmanager::url() const {
    return m_ready ? QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)) : QUrl();
}

void LocalAlertmanager::start(const QString& dataDir, std::function<QByteArray()> alerts,
                              int repostMs) {
    if (m_running || m_ready)
        return;
    m_running = true;
    m_dir = dataDir;
    m_alerts = std::move(alerts);
    m_attempt = 0;
    m_clock.start();
    if (binary().isEmpty()) {
        fail(Error::make(Error::Kind::NotFound,
                         tr("Alertmanager is not installed (package prometheus-alertmanager)")));
        return;
    }
    QDir().mkpath(m_dir);
    QFile config(QDir(m_dir).filePath(QStringLiteral("alertmanager.yml")));
    if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        config.write("route:\n  receiver: demo\nreceivers:\n  - name: demo\n") < 0) {
        fail(Error::make(Error::Kind::Io, tr("The Alertmanager configuration cannot be written"),
                         config.fileName()));
        return;
    }
    config.close();
    if (!m_repostTimer) {
        m_repostTimer = new QTimer(this);
        connect(m_repostTimer, &QTimer::timeout, this, [this] { post(false); });
    }
    m_repostTimer->setInterval(repostMs);
    launch();
}

void LocalAlertmanager::launch() {
    ++m_attempt;
    m_port = loopback::freePort();
    if (m_port == 0) {
        fail(Error::make(Error::Kind::Network, tr("No free loopback port for Alertmanager")));
        return;
    }
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    QProcess* process = m_process;
    connect(process, &QProcess::readyRead, this,
            [this, process] { m_output = (m_output + process->readAll()).right(kOutputTail); });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            fail(Error::make(Error::Kind::Io, tr("Alertmanager could not be started"),
                             process->errorString()));
    });
    connect(process, &QProcess::finished, this, [this, process] {
        m_output += process->readAll();
        const bool portTaken = m_output.contains("address already in use");
        process->disconnect(this);
        process->deleteLater();
        if (m_process == process)
            m_process = nullptr;
        if (m_ready) {
            m_ready = false;
            if (m_repostTimer)
                m_repostTimer->stop();
            Q_EMIT failed(Error::make(Error::Kind::Server, tr("Alertmanager stopped unexpectedly"),
                                      tail(m_output)));
            return;
        }
        if (!m_running)
            return;
        if (portTaken && m_attempt < kLaunchAttempts) {
            launch();
            return;
        }
        fail(Error::make(Error::Kind::Server, tr("Alertmanager exited before it was ready"),
                         tail(m_output)));
    });
    const QDir dir(m_dir);
    m_process->start(
        binary(),
        {QStringLiteral("--config.file=") + dir.filePath(QStringLiteral("alertmanager.yml")),
         QStringLiteral("--storage.path=") + dir.filePath(QStringLiteral("data")),
         QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_port),
         QStringLiteral("--cluster.listen-address=")});
    if (!m_nam)
        m_nam = new QNetworkAccessManager(this);
    if (!m_pollTimer) {
        m_pollTimer = new QTimer(this);
        m_pollTimer->setInterval(kPollIntervalMs);
        connect(m_pollTimer, &QTimer::timeout, this, &LocalAlertmanager::poll);
    }
    m_pollTimer->start();
}

void LocalAlertmanager::poll() {
    if (!m_running || m_pollInFlight || !m_process)
        return;
    if (m_clock.elapsed() > kReadyTimeoutMs) {
        fail(Error::make(Error::Kind::Timeout, tr("Alertmanager was not ready after 60 s"),
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
        if (!m_running || reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
            return;
        m_pollTimer->stop();
        post(true);
    });
}

void LocalAlertmanager::post(bool first) {
    const QByteArray body = m_alerts ? m_alerts() : QByteArray("[]");
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/api/v2/alerts").arg(m_port)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    request.setTransferTimeout(10000);
    QNetworkReply* reply = m_nam->post(request, body);
    connect(reply, &QNetworkReply::finished, this, [this, reply, first] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (!first)
            return; // a failed repost shows as alerts resolving; the next one tries again
        if (status != 200) {
            fail(Error::make(Error::Kind::Server,
                             tr("Alertmanager refused the demo alerts (HTTP %1)").arg(status),
                             QString::fromUtf8(reply->readAll().left(1000))));
            return;
        }
        m_running = false;
        m_ready = true;
        m_repostTimer->start();
        Q_EMIT ready(url());
    });
}

void LocalAlertmanager::fail(Error error) {
    if (!m_running)
        return;
    m_running = false;
    if (m_pollTimer)
        m_pollTimer->stop();
    halt(m_process);
    QMetaObject::invokeMethod(
        this, [this, error] { Q_EMIT failed(error); }, Qt::QueuedConnection);
}

void LocalAlertmanager::stop() {
    m_running = false;
    m_ready = false;
    if (m_pollTimer)
        m_pollTimer->stop();
    if (m_repostTimer)
        m_repostTimer->stop();
    halt(m_process);
}

} // namespace sextant::sim
