#include "fleethistory.h"

#include <QAtomicInt>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace sextant::fleet {

namespace {

QAtomicInt connectionCounter;

constexpr int kSignificantFloorSeconds = 5;

FleetCounts countsFrom(const QSqlQuery& q, int first) {
    FleetCounts c;
    c.apps = q.value(first).toInt();
    c.outOfSync = q.value(first + 1).toInt();
    c.degraded = q.value(first + 2).toInt();
    c.progressing = q.value(first + 3).toInt();
    c.syncFailed = q.value(first + 4).toInt();
    return c;
}

bool sameCounts(const FleetCounts& a, const FleetCounts& b) {
    return a.apps == b.apps && a.outOfSync == b.outOfSync && a.degraded == b.degraded &&
           a.progressing == b.progressing && a.syncFailed == b.syncFailed;
}

} // namespace

FleetHistory::FleetHistory(const QString& path)
    : m_path(path)
    , m_connection(
          QStringLiteral("sextant-fleet-history-%1").arg(connectionCounter.fetchAndAddRelaxed(1))) {
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(path);
    if (!db.open()) {
        m_error = db.lastError().text();
        return;
    }
    m_open = exec(QStringLiteral("PRAGMA journal_mode=WAL")) &&
             exec(QStringLiteral("PRAGMA synchronous=NORMAL")) &&
             exec(QStringLiteral("CREATE TABLE IF NOT EXISTS snapshots ("
                                 " ts INTEGER NOT NULL, instance TEXT NOT NULL,"
                                 " apps INTEGER NOT NULL, out_of_sync INTEGER NOT NULL,"
                                 " degraded INTEGER NOT NULL, progressing INTEGER NOT NULL,"
                                 " sync_failed INTEGER NOT NULL, PRIMARY KEY (ts, instance))")) &&
             exec(QStringLiteral("CREATE INDEX IF NOT EXISTS snapshots_instance_ts"
                                 " ON snapshots (instance, ts)"));
    if (!m_open)
        return;
    // Pick up where the last run stopped, so a restart does not write a duplicate snapshot.
    QSqlQuery q(db);
    if (q.exec(QStringLiteral("SELECT instance, apps, out_of_sync, degraded, progressing,"
                              " sync_failed, ts FROM snapshots WHERE ts = (SELECT MAX(ts) FROM"
                              " snapshots)"))) {
        while (q.next()) {
            m_last.insert(q.value(0).toString(), countsFrom(q, 1));
            m_lastTime = QDateTime::fromSecsSinceEpoch(q.value(6).toLongLong(), Qt::UTC);
        }
    }
}

FleetHistory::~FleetHistory() {
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        if (db.isValid())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

bool FleetHistory::exec(const QString& sql) {
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(sql)) {
        m_error = q.lastError().text();
        return false;
    }
    return true;
}

bool FleetHistory::significantChange(const FleetCounts& a, const FleetCounts& b) {
    // A change of at least 1% of the instance's applications (and at least one) in what the
    // trend draws, or applications appearing or disappearing in bulk.
    const int threshold = std::max(1, std::max(a.apps, b.apps) / 100);
    return std::abs(a.degraded - b.degraded) >= threshold ||
           std::abs(a.outOfSync - b.outOfSync) >= threshold ||
           std::abs(a.syncFailed - b.syncFailed) >= threshold ||
           std::abs(a.apps - b.apps) >= std::max(1, std::max(a.apps, b.apps) / 10);
}

bool FleetHistory::record(const QHash<QString, FleetCounts>& perInstance, const QDateTime& now) {
    if (!m_open || perInstance.isEmpty())
        return false;
    const qint64 elapsed =
        m_lastTime.isValid() ? m_lastTime.secsTo(now) : std::numeric_limits<qint64>::max();
    if (elapsed <= 0)
        return false;

    bool changed = perInstance.size() != m_last.size();
    bool significant = false;
    for (auto it = perInstance.cbegin(); it != perInstance.cend(); ++it) {
        const auto last = m_last.constFind(it.key());
        if (last == m_last.cend()) {
            changed = significant = true;
            continue;
        }
        if (!sameCounts(*last, it.value()))
            changed = true;
        if (significantChange(*last, it.value()))
            significant = true;
    }
    const bool due = (changed && elapsed >= m_minInterval) ||
                     (significant && elapsed >= kSignificantFloorSeconds) || elapsed >= m_heartbeat;
    if (!due)
        return false;

    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.transaction();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO snapshots (ts, instance, apps, out_of_sync,"
                             " degraded, progressing, sync_failed) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    const qint64 ts = now.toSecsSinceEpoch();
    for (auto it = perInstance.cbegin(); it != perInstance.cend(); ++it) {
        const FleetCounts& c = it.value();
        q.addBindValue(ts);
        q.addBindValue(it.key());
        q.addBindValue(c.apps);
        q.addBindValue(c.outOfSync);
        q.addBindValue(c.degraded);
        q.addBindValue(c.progressing);
        q.addBindValue(c.syncFailed);
        if (!q.exec()) {
            m_error = q.lastError().text();
            db.rollback();
            return false;
        }
    }
    if (!db.commit()) {
        m_error = db.lastError().text();
        return false;
    }
    m_last = perInstance;
    m_lastTime = QDateTime::fromSecsSinceEpoch(ts, Qt::UTC);
    if (!m_lastPrune.isValid() || m_lastPrune.secsTo(now) >= 3600)
        prune(now);
    return true;
}

void FleetHistory::prune(const QDateTime& now) {
    if (!m_open)
        return;
    m_lastPrune = now;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("DELETE FROM snapshots WHERE ts < ?"));
    q.addBindValue(now.addDays(-m_retentionDays).toSecsSinceEpoch());
    if (!q.exec())
        m_error = q.lastError().text();
}

QVector<FleetHistory::Point> FleetHistory::totals(const QDateTime& since,
                                                  const QStringList& instances) const {
    QVector<Point> out;
    if (!m_open)
        return out;
    QString sql =
        QStringLiteral("SELECT ts, SUM(apps), SUM(out_of_sync), SUM(degraded),"
                       " SUM(progressing), SUM(sync_failed) FROM snapshots WHERE ts >= ?");
    if (!instances.isEmpty()) {
        QStringList marks;
        for (int i = 0; i < instances.size(); ++i)
            marks << QStringLiteral("?");
        sql += QStringLiteral(" AND instance IN (%1)").arg(marks.join(QLatin1Char(',')));
    }
    sql += QStringLiteral(" GROUP BY ts ORDER BY ts");
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(sql);
    q.addBindValue(since.toSecsSinceEpoch());
    for (const QString& id : instances)
        q.addBindValue(id);
    if (!q.exec())
        return out;
    while (q.next())
        out.append(
            {QDateTime::fromSecsSinceEpoch(q.value(0).toLongLong(), Qt::UTC), countsFrom(q, 1)});
    return out;
}

QVector<FleetHistory::Point> FleetHistory::samples(const QString& instance,
                                                   const QDateTime& since) const {
    QVector<Point> out;
    if (!m_open)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT ts, apps, out_of_sync, degraded, progressing, sync_failed"
                             " FROM snapshots WHERE instance = ? AND ts >= ? ORDER BY ts"));
    q.addBindValue(instance);
    q.addBindValue(since.toSecsSinceEpoch());
    if (!q.exec())
        return out;
    while (q.next())
        out.append(
            {QDateTime::fromSecsSinceEpoch(q.value(0).toLongLong(), Qt::UTC), countsFrom(q, 1)});
    return out;
}

} // namespace sextant::fleet
