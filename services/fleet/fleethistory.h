#pragma once

#include "fleet/fleetstore.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

namespace sextant::fleet {

// A local SQLite history of fleet counts per instance, for the dashboard's trend. A snapshot is
// one row per instance with the same timestamp. record() writes one
//  - when the counts changed and minInterval (60 s) has passed since the last snapshot,
//  - sooner (but not within 5 s of the last one) when they changed significantly,
//  - every heartbeat (5 min) while nothing changes, so a quiet fleet still draws a line.
// Rows older than the retention (30 days) are deleted. The file survives restarts; the last
// snapshot is read back on open. Writes run on the calling thread: a handful of rows in one
// transaction (WAL, synchronous=NORMAL).
class FleetHistory {
public:
    struct Point {
        QDateTime time; // UTC
        FleetCounts counts;
    };

    // Opens (and creates) the database file. Check isOpen()/errorString().
    explicit FleetHistory(const QString& path);
    ~FleetHistory();
    FleetHistory(const FleetHistory&) = delete;
    FleetHistory& operator=(const FleetHistory&) = delete;

    bool isOpen() const { return m_open; }
    QString errorString() const { return m_error; }
    QString path() const { return m_path; }

    void setMinIntervalSeconds(int seconds) { m_minInterval = seconds; }
    void setHeartbeatSeconds(int seconds) { m_heartbeat = seconds; }
    void setRetentionDays(int days) { m_retentionDays = days; }
    int retentionDays() const { return m_retentionDays; }

    // Offers the current counts. Returns true when a snapshot was written.
    bool record(const QHash<QString, FleetCounts>& perInstance,
                const QDateTime& now = QDateTime::currentDateTimeUtc());
    // Sums of the given instances per snapshot since `since`, oldest first. Empty = all.
    QVector<Point> totals(const QDateTime& since, const QStringList& instances = {}) const;
    // Every row of one instance since `since`, oldest first.
    QVector<Point> samples(const QString& instance, const QDateTime& since) const;
    // Deletes rows older than the retention; called by record() about once an hour.
    void prune(const QDateTime& now = QDateTime::currentDateTimeUtc());
    QDateTime lastSnapshot() const { return m_lastTime; }

    // True when `b` differs enough from `a` to record before minInterval has passed.
    static bool significantChange(const FleetCounts& a, const FleetCounts& b);

private:
    bool exec(const QString& sql);

    QString m_path;
    QString m_connection;
    QString m_error;
    bool m_open = false;
    int m_minInterval = 60;
    int m_heartbeat = 300;
    int m_retentionDays = 30;
    QDateTime m_lastTime;
    QDateTime m_lastPrune;
    QHash<QString, FleetCounts> m_last;
};

} // namespace sextant::fleet
