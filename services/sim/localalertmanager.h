#pragma once

// A real Alertmanager on loopback for the console's demo (docs/incidents.md, "Demo"): started
// with a configuration whose only receiver sends nothing, clustering off, on a free port; the
// demo's alerts are then posted to it (POST /api/v2/alerts) the way Prometheus would send them,
// and posted again before they resolve. Asynchronous like LocalPrometheus: ready() or failed()
// follows start(), driven by QProcess and QNetworkAccessManager signals on the object's thread.
// The process is stopped when the object is destroyed.

#include "core/result.h"

#include <QByteArray>
#include <QObject>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;
class QTimer;

namespace sextant::sim {

class LoopbackServer;

class LocalAlertmanager : public QObject {
    Q_OBJECT
public:
    explicit LocalAlertmanager(QObject* parent = nullptr);
    ~LocalAlertmanager() override;

    // `prometheus-alertmanager` (Debian's name) or `alertmanager` on PATH, else in /usr/bin.
    static QString binary();
    static bool installed() { return !binary().isEmpty(); }

    // Starts Alertmanager with its data in `dataDir`; once it answers /-/ready, posts
    // `alerts()` (a POST /api/v2/alerts body) and emits ready(). The alerts are posted again
    // every `repostMs` with a fresh body, so they stay active while the demo runs.
    void start(const QString& dataDir, std::function<QByteArray()> alerts,
               int repostMs = 30 * 60 * 1000);
    void stop();
    bool isReady() const { return m_ready; }
    QUrl url() const;

Q_SIGNALS:
    void ready(const QUrl& url);
    void failed(const sextant::Error& error);

private:
    void post(bool first);
    void fail(Error error);

    LoopbackServer* m_server; // alertmanager itself
    std::function<QByteArray()> m_alerts;
    QNetworkAccessManager* m_nam = nullptr;
    QTimer* m_repostTimer = nullptr;
    bool m_running = false, m_ready = false;
};

} // namespace sextant::sim
