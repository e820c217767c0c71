#pragma once

// A real Prometheus on loopback holding a scenario's history (docs/simulator.md, "Demo
// Prometheus"): the OpenMetrics text is backfilled into a TSDB with
// `promtool tsdb create-blocks-from openmetrics`, then `prometheus` serves it on 127.0.0.1 with
// a free port, an empty configuration (it scrapes nothing) and a 10-year retention so the
// history is never compacted away. Used by `sextant-sim --demo --prometheus`, the console's demo
// mode and the metrics tests (tests/support/prometheusfixture.h).
//
// Asynchronous: start() returns at once and ready() or failed() follows, driven by QProcess and
// QNetworkAccessManager signals on the object's thread — no thread ever blocks waiting for
// Prometheus (startAndWait() is for command-line tools and tests, which have nothing else to
// do). The processes are stopped when the object is destroyed (terminate, then kill).

#include "core/result.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QUrl>

#include <memory>

namespace sextant::sim {

class LoopbackServer;

class LocalPrometheus : public QObject {
    Q_OBJECT
public:
    explicit LocalPrometheus(QObject* parent = nullptr);
    ~LocalPrometheus() override;

    // The binaries on PATH, else in /usr/bin; empty when missing.
    static QString prometheusBinary();
    static QString promtoolBinary();
    static bool installed() { return !prometheusBinary().isEmpty() && !promtoolBinary().isEmpty(); }
    // Explicit binaries instead of the search (empty = search); a path that is not an
    // executable file fails start() with NotFound.
    void setBinaries(const QString& prometheus, const QString& promtool);

    // Writes `openMetrics` and the configuration into `dataDir` (created if needed; its `tsdb`
    // folder is replaced), backfills, starts Prometheus and polls /-/ready. Emits ready() or
    // failed() later, never from within this call. Calling it again while running does nothing.
    void start(const QByteArray& openMetrics, const QString& dataDir);
    // start() and a local event loop until ready or failed (or `timeoutMs`). For command-line
    // tools and tests only: never call it on a GUI thread.
    Status startAndWait(const QByteArray& openMetrics, const QString& dataDir,
                        int timeoutMs = 180000);
    // Stops Prometheus (and a running backfill): terminate, then kill after a grace period.
    void stop();

    bool isReady() const { return m_ready; }
    QUrl url() const; // http://127.0.0.1:<port>; empty until ready
    QString dataDir() const { return m_dir; }
    // How long the last start took: the backfill, then Prometheus until /-/ready answered 200.
    qint64 backfillMs() const { return m_backfillMs; }
    qint64 startupMs() const;
    // Give up when Prometheus is not ready this long after it was started (default 120 s).
    void setReadyTimeoutMs(int ms) { m_readyTimeoutMs = ms; }

Q_SIGNALS:
    void ready(const QUrl& url);
    void failed(const sextant::Error& error);

private:
    void backfillFinished(int exitCode, QProcess::ExitStatus status);
    void launch();
    void fail(Error error);

    QString m_dir;
    QString m_prometheusBin, m_promtoolBin; // explicit binaries, empty = search
    QString m_prometheusPath;               // the one this start uses
    QProcess* m_promtool = nullptr;
    LoopbackServer* m_server; // prometheus itself
    QElapsedTimer m_clock;
    QByteArray m_output; // the last few KiB of promtool's output
    int m_readyTimeoutMs = 120000;
    bool m_running = false, m_ready = false;
    qint64 m_backfillMs = 0;
};

} // namespace sextant::sim
