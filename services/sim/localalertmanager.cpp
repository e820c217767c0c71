#include "sim/localalertmanager.h"

#include "sim/loopbackprocess.h"
#include "sim/loopbackserver.h"

#include <QDir>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace sextant::sim {

namespace {
constexpr int kReadyTimeoutMs = 60000;
} // namespace

LocalAlertmanager::LocalAlertmanager(QObject* parent)
    : QObject(parent)
    , m_server(new LoopbackServer(QStringLiteral("Alertmanager"), this)) {
    connect(m_server, &LoopbackServer::ready, this, [this] { post(true); });
    connect(m_server, &LoopbackServer::failed, this, [this](const Error& error) {
        m_running = false;
        Q_EMIT failed(error);
    });
    connect(m_server, &LoopbackServer::stopped, this, [this](const Error& error) {
        m_ready = false;
        if (m_repostTimer)
            m_repostTimer->stop();
        Q_EMIT failed(error);
    });
}

LocalAlertmanager::~LocalAlertmanager() {
    stop();
}

QString LocalAlertmanager::binary() {
    const QString debian = loopback::findBinary(QStringLiteral("prometheus-alertmanager"));
    return !debian.isEmpty() ? debian : loopback::findBinary(QStringLiteral("alertmanager"));
}

QUrl LocalAlertmanager::url() const {
    return m_ready ? QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server->port())) : QUrl();
}

void LocalAlertmanager::start(const QString& dataDir, std::function<QByteArray()> alerts,
                              int repostMs) {
    if (m_running || m_ready)
        return;
    m_running = true;
    m_alerts = std::move(alerts);
    const QString program = binary();
    if (program.isEmpty()) {
        fail(Error::make(Error::Kind::NotFound,
                         tr("Alertmanager is not installed (package prometheus-alertmanager)")));
        return;
    }
    const QDir dir(dataDir);
    QDir().mkpath(dataDir);
    QFile config(dir.filePath(QStringLiteral("alertmanager.yml")));
    if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        config.write("route:\n  receiver: demo\nreceivers:\n  - name: demo\n") < 0) {
        fail(Error::make(Error::Kind::Io, tr("The Alertmanager configuration cannot be written"),
                         config.fileName()));
        return;
    }
    config.close();
    if (!m_nam)
        m_nam = new QNetworkAccessManager(this);
    if (!m_repostTimer) {
        m_repostTimer = new QTimer(this);
        connect(m_repostTimer, &QTimer::timeout, this, [this] { post(false); });
    }
    m_repostTimer->setInterval(repostMs);
    m_server->start(
        program,
        [dir](int port) {
            return QStringList{
                QStringLiteral("--config.file=") + dir.filePath(QStringLiteral("alertmanager.yml")),
                QStringLiteral("--storage.path=") + dir.filePath(QStringLiteral("data")),
                QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port),
                QStringLiteral("--cluster.listen-address=")};
        },
        kReadyTimeoutMs);
}

void LocalAlertmanager::post(bool first) {
    const QByteArray body = m_alerts ? m_alerts() : QByteArray("[]");
    QNetworkRequest request(
        QUrl(QStringLiteral("http://127.0.0.1:%1/api/v2/alerts").arg(m_server->port())));
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
    m_server->stop();
    QMetaObject::invokeMethod(
        this, [this, error] { Q_EMIT failed(error); }, Qt::QueuedConnection);
}

void LocalAlertmanager::stop() {
    m_running = false;
    m_ready = false;
    if (m_repostTimer)
        m_repostTimer->stop();
    m_server->stop();
}

} // namespace sextant::sim
