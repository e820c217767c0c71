#pragma once

#include "client.h"
#include "streamdecoder.h"
#include "types.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace sextant::argocd {

enum class ConnectionState { Connecting, Live, Reconnecting, Failed, Stopped };
QString toString(ConnectionState state);

// Keeps one instance's application list current: list -> snapshot() -> watch stream ->
// events() in ~100 ms batches. The stream runs on the watcher's own QNetworkAccessManager, so
// it holds its own TCP connection and never takes one of the six per-host connections the
// Client uses for request/response traffic (budget per instance: 6 for requests + 1 per
// watcher). Argo CD does not replay missed events, so every reconnect (jittered exponential
// back-off, 1 s -> 60 s, reset after a healthy period) starts with a full re-list, and a
// periodic re-list (default 5 min) heals events the server dropped (its buffer is 1000).
// A 401 stops the watcher (state Failed) until the Client gets a new token.
class AppWatcher : public QObject {
    Q_OBJECT
public:
    // The narrow projection for the stream: only what AppSummary shows.
    static const QStringList kWatchFields;

    explicit AppWatcher(Client* client, QObject* parent = nullptr);
    ~AppWatcher() override;

    void setQuery(const ListQuery& query) { m_query = query; }
    // SSE framing (Accept: text/event-stream, keep-alives) instead of NDJSON.
    void setUseSse(bool sse) { m_useSse = sse; }
    void setResyncInterval(int ms);
    void setBackoff(int initialMs, int maxMs);
    // Time a stream must stay up before the back-off starts again from the initial delay.
    void setHealthyPeriod(int ms) { m_healthyPeriodMs = ms; }
    void setCoalesceInterval(int ms);
    // Watchdog for SSE streams (the server sends a keep-alive every 15 s): 0 disables.
    void setSseIdleTimeout(int ms) { m_sseIdleTimeoutMs = ms; }

    void start();
    void stop();
    // Re-lists now (the stream is left as it is).
    void resync();

    ConnectionState state() const { return m_state; }
    const Error& lastError() const { return m_lastError; }
    int malformedLines() const { return m_malformed; }
    int reconnects() const { return m_reconnects; }
    QString instanceId() const;

signals:
    void snapshot(const QString& instanceId, const sextant::argocd::AppList& list);
    void events(const QString& instanceId, const QVector<sextant::argocd::AppEvent>& events);
    void stateChanged(sextant::argocd::ConnectionState state, const sextant::Error& lastError);
    // A problem that did not stop the watcher (a malformed line was skipped, a re-list failed
    // while the stream stays up).
    void warning(const sextant::Error& error);

private:
    struct DecodeOutput;

    void setState(ConnectionState state, const Error& error = {});
    void relist(bool reopenStream);
    void openStream(const QString& resourceVersion);
    void closeStream();
    void onStreamData();
    void onStreamFinished();
    void pumpDecoder(bool finishing);
    void applyDecoded(const DecodeOutput& out, quint64 generation);
    void handleStreamFailure(const Error& error);
    void scheduleReconnect(const Error& error);
    void flushEvents();
    void onTokenChanged();
    void markLive();

    QPointer<Client> m_client;
    QNetworkAccessManager* m_streamNam = nullptr;
    QNetworkReply* m_stream = nullptr;
    ListQuery m_query;
    bool m_useSse = false;
    bool m_running = false;
    bool m_listInFlight = false;
    bool m_wantReopen = false; // the list in flight must (re)open the stream
    ConnectionState m_state = ConnectionState::Stopped;
    Error m_lastError;

    quint64 m_generation = 0; // bumps with every stream; stale decode results are dropped
    std::shared_ptr<StreamDecoder> m_decoder;
    QByteArray m_pendingBytes;
    bool m_decoding = false;
    bool m_streamEnded = false;
    Error m_streamEndError;
    QVector<AppEvent> m_batch;

    QTimer m_coalesceTimer;
    QTimer m_resyncTimer;
    QTimer m_reconnectTimer;
    QTimer m_idleTimer;
    QTimer m_liveGraceTimer;
    QElapsedTimer m_liveSince;
    int m_backoffInitialMs = 1000;
    int m_backoffMaxMs = 60000;
    int m_backoffMs = 1000;
    int m_healthyPeriodMs = 60000;
    int m_sseIdleTimeoutMs = 60000;
    int m_malformed = 0;
    int m_reconnects = 0;
};

} // namespace sextant::argocd

Q_DECLARE_METATYPE(sextant::argocd::ConnectionState)
