#pragma once

// A server process on a free loopback port, ready when GET /-/ready answers 200 — what the local
// Prometheus and Alertmanager (localprometheus, localalertmanager) have in common. The port is
// chosen just before the start; a start that loses it to another process ("address already in
// use") is retried on a new port. Asynchronous: ready() or failed() follows start(), never from
// within it; stopped() when the process exits after it was ready. Stopped on destruction.

#include "core/result.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QStringList>

#include <functional>

class QNetworkAccessManager;
class QProcess;
class QTimer;

namespace sextant::sim {

class LoopbackServer : public QObject {
    Q_OBJECT
public:
    // `displayName` starts every message ("Prometheus was not ready after 120 s").
    explicit LoopbackServer(QString displayName, QObject* parent = nullptr);
    ~LoopbackServer() override;

    // Runs `program` with `arguments(port)`; gives up `readyTimeoutMs` after the start.
    void start(const QString& program, std::function<QStringList(int port)> arguments,
               int readyTimeoutMs);
    // Terminate, then kill after a grace period; emits nothing.
    void stop();

    bool isRunning() const { return m_running; } // started, not ready yet
    bool isReady() const { return m_ready; }
    int port() const { return m_port; }
    qint64 startupMs() const { return m_startupMs; } // start() until /-/ready answered 200

Q_SIGNALS:
    void ready();
    void failed(const sextant::Error& error);  // could not start, exited or timed out before ready
    void stopped(const sextant::Error& error); // exited after it was ready

private:
    void launch();
    void poll();
    void finished();
    void fail(Error error);
    void discardProcess();

    QString m_name;
    QString m_program;
    std::function<QStringList(int)> m_arguments;
    int m_readyTimeoutMs = 120000;
    QProcess* m_process = nullptr;
    QNetworkAccessManager* m_nam = nullptr;
    QTimer* m_pollTimer = nullptr;
    QElapsedTimer m_clock;
    QByteArray m_output; // the last few KiB of the process's output
    int m_port = 0;
    int m_attempt = 0;
    bool m_running = false, m_ready = false, m_pollInFlight = false;
    qint64 m_startupMs = 0;
};

} // namespace sextant::sim
