#include "appwatcher.h"

#include "appparser.h"

#include <QFutureWatcher>
#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QtConcurrent/QtConcurrentRun>

#include <optional>

namespace sextant::argocd {

QString toString(ConnectionState state) {
    switch (state) {
    case ConnectionState::Connecting:
        return QStringLiteral("connecting");
    case ConnectionState::Live:
        return QStringLiteral("live");
    case ConnectionState::Reconnecting:
        return QStringLiteral("reconnecting");
    case ConnectionState::Failed:
        return QStringLiteral("failed");
    case ConnectionState::Stopped:
        return QStringLiteral("stopped");
    }
    return QStringLiteral("unknown");
}

const QStringList AppWatcher::kWatchFields = {
    QStringLiteral("result.type"),
    QStringLiteral("result.application.metadata.name"),
    QStringLiteral("result.application.metadata.namespace"),
    QStringLiteral("result.application.metadata.labels"),
    QStringLiteral("result.application.metadata.resourceVersion"),
    QStringLiteral("result.application.metadata.creationTimestamp"),
    QStringLiteral("result.application.metadata.deletionTimestamp"),
    QStringLiteral("result.application.spec.project"),
    QStringLiteral("result.application.spec.destination"),
    QStringLiteral("result.application.spec.source"),
    QStringLiteral("result.application.spec.sources"),
    QStringLiteral("result.application.spec.syncPolicy"),
    QStringLiteral("result.application.status.sync.status"),
    QStringLiteral("result.application.status.sync.revision"),
    QStringLiteral("result.application.status.health"),
    QStringLiteral("result.application.status.operationState.phase"),
    QStringLiteral("result.application.status.operationState.startedAt"),
    QStringLiteral("result.application.status.operationState.finishedAt"),
    QStringLiteral("result.application.status.summary"),
};

struct AppWatcher::DecodeOutput {
    QVector<AppEvent> events;
    QVector<Error> skipped;     // malformed lines, skipped
    std::optional<Error> fatal; // an {"error":...} line from the server: the stream is over
};

AppWatcher::AppWatcher(Client* client, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_streamNam(new QNetworkAccessManager(this)) {
    m_streamNam->setRedirectPolicy(QNetworkRequest::SameOriginRedirectPolicy);
    m_coalesceTimer.setSingleShot(true);
    m_coalesceTimer.setInterval(100);
    connect(&m_coalesceTimer, &QTimer::timeout, this, &AppWatcher::flushEvents);
    m_resyncTimer.setInterval(5 * 60 * 1000);
    connect(&m_resyncTimer, &QTimer::timeout, this, [this] {
        if (m_state == ConnectionState::Live)
            relist(false);
    });
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, [this] {
        if (m_running)
            relist(true);
    });
    m_liveGraceTimer.setSingleShot(true);
    m_liveGraceTimer.setInterval(2000);
    connect(&m_liveGraceTimer, &QTimer::timeout, this, &AppWatcher::markLive);
    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, [this] {
        Error e = Error::make(Error::Kind::Timeout,
                              QStringLiteral("%1: the watch stream went quiet (no keep-alive) — "
                                             "reconnecting")
                                  .arg(m_client ? m_client->instanceName() : QString()));
        handleStreamFailure(e);
    });
    if (client)
        connect(client, &Client::tokenChanged, this, &AppWatcher::onTokenChanged);
}

AppWatcher::~AppWatcher() {
    m_running = false;
    ++m_generation;
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->abort();
        m_stream->deleteLater();
        m_stream = nullptr;
    }
}

QString AppWatcher::instanceId() const {
    return m_client ? m_client->instanceId() : QString();
}

void AppWatcher::setResyncInterval(int ms) {
    m_resyncTimer.setInterval(std::max(1, ms));
}

void AppWatcher::setBackoff(int initialMs, int maxMs) {
    m_backoffInitialMs = std::max(1, initialMs);
    m_backoffMaxMs = std::max(m_backoffInitialMs, maxMs);
    m_backoffMs = m_backoffInitialMs;
}

void AppWatcher::setCoalesceInterval(int ms) {
    m_coalesceTimer.setInterval(std::max(0, ms));
}

void AppWatcher::setState(ConnectionState state, const Error& error) {
    if (error.isError())
        m_lastError = error;
    else if (state == ConnectionState::Live)
        m_lastError = Error();
    if (state == m_state && !error.isError())
        return;
    m_state = state;
    emit stateChanged(state, m_lastError);
}

void AppWatcher::start() {
    if (m_running)
        return;
    m_running = true;
    m_backoffMs = m_backoffInitialMs;
    setState(ConnectionState::Connecting);
    m_resyncTimer.start();
    relist(true);
}

void AppWatcher::stop() {
    if (!m_running && m_state == ConnectionState::Stopped)
        return;
    m_running = false;
    m_wantReopen = false;
    closeStream();
    m_resyncTimer.stop();
    m_reconnectTimer.stop();
    m_coalesceTimer.stop();
    m_batch.clear();
    setState(ConnectionState::Stopped);
}

void AppWatcher::resync() {
    if (m_running)
        relist(m_stream == nullptr);
}

void AppWatcher::relist(bool reopenStream) {
    if (!m_client) {
        setState(ConnectionState::Failed,
                 Error::make(Error::Kind::Config, QStringLiteral("the instance was removed")));
        return;
    }
    m_wantReopen = m_wantReopen || reopenStream;
    if (m_listInFlight)
        return; // the answer in flight serves this request too
    if (m_client->configError().isError()) {
        setState(ConnectionState::Failed, m_client->configError());
        return;
    }
    m_listInFlight = true;
    QPointer<AppWatcher> self(this);
    m_client->listApplications(m_query, [self](Result<AppList> list) {
        AppWatcher* w = self.data();
        if (!w)
            return;
        w->m_listInFlight = false;
        const bool reopen = std::exchange(w->m_wantReopen, false);
        if (!w->m_running)
            return;
        if (!list) {
            const Error& e = list.error();
            if (e.kind == Error::Kind::Unauthorized || e.kind == Error::Kind::Config) {
                w->closeStream();
                w->setState(ConnectionState::Failed, e);
            } else if (!reopen && w->m_stream) {
                emit w->warning(e); // the stream is still up; the next re-list may work
            } else {
                w->scheduleReconnect(e);
            }
            return;
        }
        // Events decoded so far are older than this list: deliver them first.
        w->flushEvents();
        emit w->snapshot(w->instanceId(), list.value());
        if (reopen || !w->m_stream)
            w->openStream(list->resourceVersion);
    });
}

void AppWatcher::openStream(const QString& resourceVersion) {
    closeStream();
    if (!m_client)
        return;
    Client::QueryItems items = Client::listQueryItems(m_query, kWatchFields);
    if (!resourceVersion.isEmpty())
        items.append({QStringLiteral("resourceVersion"), resourceVersion});
    const QUrl url = Client::withQuery(
        m_client->config().endpoint(QStringLiteral("/api/v1/stream/applications")), items);
    QNetworkRequest request = m_client->makeRequest(url);
    request.setTransferTimeout(0); // NDJSON streams are legitimately silent between events
    if (m_useSse)
        request.setRawHeader("Accept", "text/event-stream");
    m_decoder = std::make_shared<StreamDecoder>();
    m_pendingBytes.clear();
    m_streamEnded = false;
    m_streamEndError = Error();
    m_decoding = false;
    m_stream = m_streamNam->get(request);
    connect(m_stream, &QNetworkReply::readyRead, this, &AppWatcher::onStreamData);
    connect(m_stream, &QNetworkReply::finished, this, &AppWatcher::onStreamFinished);
    // Live once the server answered the stream with 200. argocd-server may hold the headers
    // back until the first event (NDJSON), so a stream still open after a grace period counts
    // as live too.
    connect(m_stream, &QNetworkReply::metaDataChanged, this, [this] {
        auto* reply = qobject_cast<QNetworkReply*>(sender());
        if (reply && reply == m_stream &&
            reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200)
            markLive();
    });
    m_liveGraceTimer.start();
    m_liveSince.start();
    if (m_useSse && m_sseIdleTimeoutMs > 0)
        m_idleTimer.start(m_sseIdleTimeoutMs);
}

void AppWatcher::markLive() {
    m_liveGraceTimer.stop();
    if (m_stream && m_running)
        setState(ConnectionState::Live);
}

void AppWatcher::closeStream() {
    ++m_generation;
    m_idleTimer.stop();
    m_liveGraceTimer.stop();
    if (m_stream) {
        QNetworkReply* stream = std::exchange(m_stream, nullptr);
        stream->disconnect(this);
        stream->abort();
        stream->deleteLater();
    }
    m_pendingBytes.clear();
    m_streamEnded = false;
    m_decoding = false;
    m_decoder.reset();
}

void AppWatcher::onStreamData() {
    auto* reply = qobject_cast<QNetworkReply*>(sender());
    if (!reply || reply != m_stream)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 300)
        return; // the error body is read when the reply finishes
    if (m_state != ConnectionState::Live)
        markLive();
    m_pendingBytes += reply->readAll();
    if (m_useSse && m_sseIdleTimeoutMs > 0)
        m_idleTimer.start(m_sseIdleTimeoutMs);
    pumpDecoder(false);
}

void AppWatcher::onStreamFinished() {
    auto* reply = qobject_cast<QNetworkReply*>(sender());
    if (!reply || reply != m_stream)
        return;
    m_stream = nullptr;
    reply->deleteLater();
    m_idleTimer.stop();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray rest = reply->isOpen() ? reply->readAll() : QByteArray();
    if (reply->error() != QNetworkReply::NoError || status >= 300) {
        const bool timedOut = reply->error() == QNetworkReply::OperationCanceledError ||
                              reply->error() == QNetworkReply::TimeoutError;
        m_streamEndError = m_client ? m_client->makeError(QStringLiteral("GET"), reply->url(),
                                                          reply, rest, timedOut)
                                    : Error::make(Error::Kind::Network, QString());
        if (status < 300)
            m_pendingBytes += rest;
    } else {
        m_pendingBytes += rest;
        m_streamEndError =
            Error::make(Error::Kind::Network,
                        QStringLiteral("%1: the server closed the watch stream — reconnecting")
                            .arg(m_client ? m_client->instanceName() : QString()));
    }
    if (status >= 300) {
        // Nothing worth decoding: the body is the error.
        handleStreamFailure(m_streamEndError);
        return;
    }
    m_streamEnded = true;
    pumpDecoder(true);
}

void AppWatcher::pumpDecoder(bool) {
    if (m_decoding || !m_decoder)
        return;
    if (m_pendingBytes.isEmpty() && !m_streamEnded)
        return;
    m_decoding = true;
    const quint64 generation = m_generation;
    const bool finishing = m_streamEnded;
    auto decoder = m_decoder;
    QByteArray bytes = std::exchange(m_pendingBytes, {});
    const QString id = instanceId();

    auto holder = std::make_shared<DecodeOutput>();
    auto* watcher = new QFutureWatcher<void>(this);
    connect(watcher, &QFutureWatcher<void>::finished, this,
            [this, watcher, holder, generation, finishing] {
                watcher->deleteLater();
                if (generation != m_generation)
                    return; // that stream is gone; a re-list replaced what it said
                m_decoding = false;
                applyDecoded(*holder, generation);
                if (generation != m_generation || !m_running)
                    return;
                if (finishing) {
                    handleStreamFailure(m_streamEndError);
                    return;
                }
                pumpDecoder(false);
            });
    watcher->setFuture(QtConcurrent::run([decoder, bytes, finishing, id, holder] {
        QVector<Result<nlohmann::json>> messages = decoder->feed(bytes);
        if (finishing)
            messages += decoder->finish();
        // Watch lines are small: nlohmann is fine here; interning keeps replaced rows sharing
        // their strings with the rest of the fleet.
        StringPool* pool = StringPool::shared();
        QMutexLocker lock(&pool->mutex());
        for (Result<nlohmann::json>& m : messages) {
            if (!m) {
                if (m.error().kind == Error::Kind::Protocol) {
                    holder->skipped.append(m.error());
                    continue;
                }
                holder->fatal = m.error();
                break;
            }
            Result<AppEvent> event = parseWatchResult(*m, id, pool);
            if (!event)
                holder->skipped.append(event.error());
            else
                holder->events.append(std::move(event).value());
        }
    }));
}

void AppWatcher::applyDecoded(const DecodeOutput& out, quint64) {
    for (const Error& e : out.skipped) {
        ++m_malformed;
        Error w = e;
        w.shortMessage = QStringLiteral("%1: skipped a bad watch message (%2)")
                             .arg(m_client ? m_client->instanceName() : QString(), e.shortMessage);
        emit warning(w);
    }
    if (!out.events.isEmpty()) {
        m_batch += out.events;
        if (!m_coalesceTimer.isActive())
            m_coalesceTimer.start();
    }
    if (out.fatal)
        handleStreamFailure(*out.fatal);
}

void AppWatcher::handleStreamFailure(const Error& error) {
    closeStream();
    flushEvents();
    if (!m_running)
        return;
    if (error.kind == Error::Kind::Unauthorized) {
        if (m_client)
            m_client->reportUnauthorized(error);
        setState(ConnectionState::Failed, error);
        return;
    }
    scheduleReconnect(error);
}

void AppWatcher::scheduleReconnect(const Error& error) {
    closeStream();
    if (!m_running)
        return;
    if (m_liveSince.isValid() && m_liveSince.elapsed() >= m_healthyPeriodMs)
        m_backoffMs = m_backoffInitialMs; // it was a healthy stream: start over
    m_liveSince.invalidate();
    const double jitter = 0.5 + 0.5 * QRandomGenerator::global()->generateDouble();
    const int delay = std::max(1, int(m_backoffMs * jitter));
    m_backoffMs = std::min(m_backoffMaxMs, m_backoffMs * 2);
    ++m_reconnects;
    setState(ConnectionState::Reconnecting, error);
    m_reconnectTimer.start(delay);
}

void AppWatcher::flushEvents() {
    m_coalesceTimer.stop();
    if (m_batch.isEmpty())
        return;
    QVector<AppEvent> batch = std::exchange(m_batch, {});
    emit events(instanceId(), batch);
}

void AppWatcher::onTokenChanged() {
    if (!m_running || m_state != ConnectionState::Failed)
        return;
    if (m_lastError.kind != Error::Kind::Unauthorized)
        return;
    m_backoffMs = m_backoffInitialMs;
    setState(ConnectionState::Connecting);
    relist(true);
}

} // namespace sextant::argocd
