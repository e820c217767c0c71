#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>

class QTimer;
class QWidget;

namespace sextant::ui {

class ConsoleSession;
class MainWindow;

// `sextant --startup-probe FILE` (or SEXTANT_STARTUP_PROBE=FILE): measures one start of the real
// console, from the process's start to a usable fleet view, appends one JSON line to FILE and
// quits. `sextant-cli bench startup` runs it against a prepared cache (docs/benchmarks.md).
//
// Times are milliseconds since the kernel started the process (/proc/self/stat, 10 ms ticks),
// so dynamic linking and QApplication's set-up count too:
//   main_ms        main() entered
//   window_ms      the main window constructed and shown (nothing painted yet)
//   loop_ms        the first tick of the stall timer (the event loop's first turn; work
//                  queued before it, like the cache's continuation, may run first)
//   cache_load_ms  reading and decoding the cache files, on a worker thread (a duration)
//   cache_ready_ms the last cache handed to the store (the GUI thread has the rows to apply)
//   store_ms       the store announced the cached rows (model and proxy have them)
//   first_rows_ms  the fleet table (or, when the dashboard is in front, the health chart)
//                  begins to paint with rows
//   usable_ms      a zero-timer after that paint ran, with no store batch pending: the event
//                  loop is free for the user's first key press or click
//   max_gui_stall_ms  the longest gap between two ticks of a 1 ms timer on the GUI thread from
//                  the loop's first turn to usable_ms (a gap that began before usable_ms counts
//                  here); max_gui_stall_after_ms the same for the
//                  `settle` period after it (deferred work: dashboard, search cache, history)
//   max_gui_busy_ms, max_gui_busy_after_ms  the GUI thread's own CPU time within those two
//                  gaps (a gap much longer than its busy time was the OS running others)
// Nothing is asserted here: it is a measurement. A start that shows no rows within the timeout
// writes {"error": …} and finishes with 1.
class StartupProbe : public QObject {
    Q_OBJECT
public:
    // `sinceMain` was started first thing in main().
    StartupProbe(const QString& outputPath, int settleMs, int timeoutMs,
                 const QElapsedTimer& sinceMain, ConsoleSession* session);
    ~StartupProbe() override;

    // Right after the window is shown and before loadSaved(): marks window_ms, watches the
    // table and the dashboard for their first paint with rows, starts the stall timer.
    void watch(MainWindow* window);

    // Milliseconds from the process's start to now (falls back to since main() when /proc is
    // not there).
    double now() const;

Q_SIGNALS:
    // The JSON line is written (or could not be); 0 = measured, 1 = no rows were shown.
    void finished(int exitCode);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void onTick();
    void checkUsable();
    void finish(const QString& error = {});

    QString m_path;
    int m_settleMs;
    QElapsedTimer m_sinceMain;
    double m_mainOffsetMs = 0; // process start -> main()
    ConsoleSession* m_session;
    MainWindow* m_window = nullptr;
    QWidget* m_tableViewport = nullptr;
    QWidget* m_chartViewport = nullptr;
    QTimer* m_ticker;
    QTimer* m_timeout;

    double m_windowMs = -1, m_loopMs = -1, m_cacheReadyMs = -1, m_storeMs = -1, m_firstRowsMs = -1,
           m_usableMs = -1;
    double m_cacheLoadMs = 0;
    int m_cachesPending = -1; // instances whose cache has not been read yet (-1: not known)
    int m_cachedApps = 0;
    QString m_view; // "applications" or "dashboard": what painted rows first
    bool m_checkQueued = false;
    bool m_done = false;
    qint64 m_lastTickNs = -1;
    qint64 m_lastTickCpuNs = 0;
    qint64 m_usableNs = 0; // m_sinceMain at usable_ms
    double m_maxStallMs = 0, m_maxStallAfterMs = 0;
    double m_maxStallBusyMs = 0, m_maxStallAfterBusyMs = 0; // GUI thread CPU in those gaps
};

} // namespace sextant::ui
