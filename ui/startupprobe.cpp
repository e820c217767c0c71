#include "startupprobe.h"

#include "consolesession.h"
#include "dashboardview.h"
#include "fleet/fleetstore.h"
#include "fleetfilterproxy.h"
#include "mainwindow.h"

#include <QApplication>
#include <QChartView>
#include <QEvent>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTableView>
#include <QTimer>

#include <time.h>
#include <unistd.h>

namespace sextant::ui {

namespace {

// Milliseconds the process has existed, from its start time in /proc/self/stat (clock ticks
// since boot) and CLOCK_BOOTTIME, the clock that start time is counted on. -1 when unknown.
double processAgeMs() {
    QFile stat(QStringLiteral("/proc/self/stat"));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray line = stat.readAll();
    // The command name (field 2) may contain spaces and parentheses: count after the last ')'.
    const qsizetype close = line.lastIndexOf(')');
    if (close < 0)
        return -1;
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    // Field 22 (starttime) is the 20th after the command name.
    if (fields.size() < 20)
        return -1;
    bool ok = false;
    const qulonglong ticks = fields.at(19).toULongLong(&ok);
    const long hz = sysconf(_SC_CLK_TCK);
    timespec boot{};
    if (!ok || hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &boot) != 0)
        return -1;
    const double nowMs = double(boot.tv_sec) * 1000.0 + double(boot.tv_nsec) / 1e6;
    return nowMs - double(ticks) * 1000.0 / double(hz);
}

// CPU time used by the calling thread.
qint64 threadCpuNs() {
    timespec t{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
        return 0;
    return qint64(t.tv_sec) * 1000000000 + t.tv_nsec;
}

double round1(double v) {
    return std::round(v * 10) / 10;
}

} // namespace

StartupProbe::StartupProbe(const QString& outputPath, int settleMs, int timeoutMs,
                           const QElapsedTimer& sinceMain, ConsoleSession* session)
    : m_path(outputPath)
    , m_settleMs(settleMs)
    , m_sinceMain(sinceMain)
    , m_session(session)
    , m_ticker(new QTimer(this))
    , m_timeout(new QTimer(this)) {
    const double age = processAgeMs();
    const double sinceMainMs = double(m_sinceMain.nsecsElapsed()) / 1e6;
    // The start time has 10 ms ticks: never let that make main() earlier than the process.
    m_mainOffsetMs = age >= 0 ? std::max(0.0, age - sinceMainMs) : 0;

    connect(m_session, &ConsoleSession::cacheLoaded, this,
            [this](const QString&, int apps, double loadMs) {
                m_cacheLoadMs += loadMs;
                m_cachedApps += apps;
                if (m_cachesPending < 0)
                    m_cachesPending = int(m_session->instanceIds().size());
                if (--m_cachesPending <= 0)
                    m_cacheReadyMs = now();
            });
    connect(m_session->store(), &fleet::FleetStore::batchApplied, this, [this] {
        if (m_storeMs < 0 && m_session->store()->size() > 0)
            m_storeMs = now();
    });
    connect(m_session->store(), &fleet::FleetStore::asyncIdle, this, [this] {
        if (m_firstRowsMs >= 0 && m_usableMs < 0 && !m_checkQueued) {
            m_checkQueued = true;
            QTimer::singleShot(0, this, &StartupProbe::checkUsable);
        }
    });

    m_ticker->setTimerType(Qt::PreciseTimer);
    m_ticker->setInterval(1);
    connect(m_ticker, &QTimer::timeout, this, &StartupProbe::onTick);
    m_timeout->setSingleShot(true);
    m_timeout->setInterval(timeoutMs);
    connect(m_timeout, &QTimer::timeout, this, [this] {
        finish(QStringLiteral("no rows shown within %1 ms (is there a cache for the saved "
                              "instances?)")
                   .arg(m_timeout->interval()));
    });
}

StartupProbe::~StartupProbe() = default;

double StartupProbe::now() const {
    return m_mainOffsetMs + double(m_sinceMain.nsecsElapsed()) / 1e6;
}

void StartupProbe::watch(MainWindow* window) {
    m_window = window;
    m_windowMs = now();
    m_tableViewport = window->fleetView()->viewport();
    m_tableViewport->installEventFilter(this);
    if (auto* chart = window->dashboard()->findChild<QChartView*>(QStringLiteral("healthChart"))) {
        m_chartViewport = chart->viewport();
        m_chartViewport->installEventFilter(this);
    }
    m_ticker->start();
    m_timeout->start();
}

bool StartupProbe::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() != QEvent::Paint || m_firstRowsMs >= 0 || m_done)
        return false;
    bool rows = false;
    if (watched == m_tableViewport)
        rows = m_window->proxy()->rowCount() > 0;
    else if (watched == m_chartViewport)
        rows = m_window->dashboard()->stats().total.apps > 0;
    if (rows) {
        // The paint itself runs right after this filter returns; the zero-timer below runs
        // once it and everything queued before it are done.
        m_firstRowsMs = now();
        m_view = watched == m_tableViewport ? QStringLiteral("applications")
                                            : QStringLiteral("dashboard");
        m_checkQueued = true;
        QTimer::singleShot(0, this, &StartupProbe::checkUsable);
    }
    return false;
}

void StartupProbe::checkUsable() {
    m_checkQueued = false;
    if (m_usableMs >= 0 || m_done)
        return;
    // Rows still being announced: asyncIdle() queues the next check.
    if (m_session->store()->pendingBatches() > 0)
        return;
    m_usableMs = now();
    m_usableNs = m_sinceMain.nsecsElapsed();
    QTimer::singleShot(m_settleMs, this, [this] { finish(); });
}

void StartupProbe::onTick() {
    const qint64 ns = m_sinceMain.nsecsElapsed();
    const qint64 cpuNs = threadCpuNs();
    if (m_lastTickNs < 0) {
        m_loopMs = now();
    } else {
        const double gap = double(ns - m_lastTickNs) / 1e6;
        const double busy = double(cpuNs - m_lastTickCpuNs) / 1e6;
        // The CPU this thread itself used in the longest gap: a long gap with little of it
        // means the OS ran other threads or processes (2 shared cores), not that the GUI
        // thread was working.
        // A gap that began before the view was usable delayed it: it counts there.
        const bool before = m_usableMs < 0 || m_lastTickNs < m_usableNs;
        if (before && gap > m_maxStallMs) {
            m_maxStallMs = gap;
            m_maxStallBusyMs = busy;
        } else if (!before && gap > m_maxStallAfterMs) {
            m_maxStallAfterMs = gap;
            m_maxStallAfterBusyMs = busy;
        }
    }
    m_lastTickNs = ns;
    m_lastTickCpuNs = cpuNs;
}

void StartupProbe::finish(const QString& error) {
    if (m_done)
        return;
    m_done = true;
    m_ticker->stop();
    m_timeout->stop();
    QJsonObject out;
    out.insert(QStringLiteral("apps"), m_session->store()->size());
    out.insert(QStringLiteral("rows_shown"), m_window ? m_window->proxy()->rowCount() : 0);
    out.insert(QStringLiteral("cached_apps"), m_cachedApps);
    out.insert(QStringLiteral("view"), m_view);
    const auto put = [&out](const char* key, double ms) {
        out.insert(QLatin1String(key), ms < 0 ? QJsonValue() : QJsonValue(round1(ms)));
    };
    put("main_ms", m_mainOffsetMs);
    put("window_ms", m_windowMs);
    put("loop_ms", m_loopMs);
    put("cache_load_ms", m_cacheLoadMs);
    put("cache_ready_ms", m_cacheReadyMs);
    put("store_ms", m_storeMs);
    put("first_rows_ms", m_firstRowsMs);
    put("usable_ms", m_usableMs);
    put("max_gui_stall_ms", m_maxStallMs);
    put("max_gui_stall_after_ms", m_maxStallAfterMs);
    put("max_gui_busy_ms", m_maxStallBusyMs);
    put("max_gui_busy_after_ms", m_maxStallAfterBusyMs);
    out.insert(QStringLiteral("settle_ms"), m_settleMs);
    // How the console behaves without its instances: their states when the view was usable.
    QJsonArray states;
    for (const QString& id : m_session->instanceIds())
        if (const auto* info = m_session->instance(id))
            states.append(ConsoleSession::stateName(info->state));
    out.insert(QStringLiteral("instance_states"), states);
    if (!error.isEmpty())
        out.insert(QStringLiteral("error"), error);

    QFile file(m_path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append))
        qWarning("startup probe: cannot write %s: %s", qPrintable(m_path),
                 qPrintable(file.errorString()));
    else
        file.write(QJsonDocument(out).toJson(QJsonDocument::Compact) + '\n');
    Q_EMIT finished(error.isEmpty() ? 0 : 1);
}

} // namespace sextant::ui
