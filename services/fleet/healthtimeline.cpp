#include "healthtimeline.h"

#include <QAtomicInt>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

namespace sextant::fleet {

namespace {

using Json = nlohmann::json;
using argocd::HealthStatus;
using argocd::OperationPhase;

QAtomicInt connectionCounter;

// A state carried over from before a deploy (the previous revision's health) counts only after
// this grace: the controller needs a moment to report the new revision's health.
constexpr qint64 kCarryOverGraceSeconds = 120;
// Observed this long without ever being Healthy counts as a failed revision.
constexpr qint64 kNeverHealthySeconds = 600;
// Trim an application's rows to the caps every this many writes for it.
constexpr int kTrimEvery = 50;

QString str(const Json& j, const char* key) {
    if (!j.is_object())
        return {};
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                            : QString();
}

QDateTime timeOf(const Json& j, const char* key) {
    const QString s = str(j, key);
    if (s.isEmpty())
        return {};
    QDateTime t = QDateTime::fromString(s, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(s, Qt::ISODate);
    return t.isValid() ? t.toUTC() : QDateTime();
}

qint64 secs(const QDateTime& t) {
    return t.isValid() ? t.toSecsSinceEpoch() : 0;
}

QDateTime fromSecs(qint64 s) {
    return s > 0 ? QDateTime::fromSecsSinceEpoch(s, Qt::UTC) : QDateTime();
}

// Null QStrings bind as SQL NULL; the text columns are NOT NULL.
QString text(const QString& s) {
    return s.isNull() ? QStringLiteral("") : s;
}

bool isBad(HealthStatus h) {
    return h == HealthStatus::Degraded || h == HealthStatus::Missing;
}

QString revisionOf(const Json& obj) {
    // Single source: "revision"; multi-source: "revisions" joined, so both fit one column.
    QString rev = str(obj, "revision");
    if (rev.isEmpty() && obj.is_object() && obj.contains("revisions") &&
        obj["revisions"].is_array()) {
        QStringList parts;
        for (const Json& r : obj["revisions"])
            if (r.is_string())
                parts << QString::fromStdString(r.get<std::string>());
        rev = parts.join(QLatin1Char(','));
    }
    return rev;
}

} // namespace

QString toString(EntryOutcome::Replacement replacement) {
    switch (replacement) {
    case EntryOutcome::Replacement::Current:
        return QStringLiteral("current");
    case EntryOutcome::Replacement::AfterFailure:
        return QStringLiteral("replaced-after-failure");
    case EntryOutcome::Replacement::Normal:
        return QStringLiteral("replaced");
    case EntryOutcome::Replacement::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

QVector<DeployEntry> DeployEntry::fromApplication(const Json& application) {
    QVector<DeployEntry> out;
    if (!application.is_object() || !application.contains("status"))
        return out;
    const Json& status = application["status"];
    if (!status.is_object() || !status.contains("history") || !status["history"].is_array())
        return out;
    for (const Json& h : status["history"]) {
        if (!h.is_object())
            continue;
        DeployEntry e;
        e.id = h.value("id", Json(0)).is_number_integer() ? h["id"].get<qint64>() : 0;
        e.revision = revisionOf(h);
        e.deployedAt = timeOf(h, "deployedAt");
        e.deployStartedAt = timeOf(h, "deployStartedAt");
        const Json* src = nullptr;
        if (h.contains("source") && h["source"].is_object())
            src = &h["source"];
        else if (h.contains("sources") && h["sources"].is_array() && !h["sources"].empty())
            src = &h["sources"][0];
        if (src) {
            const QString path =
                !str(*src, "path").isEmpty() ? str(*src, "path") : str(*src, "chart");
            e.source = QStringLiteral("%1 %2@%3")
                           .arg(str(*src, "repoURL"), path, str(*src, "targetRevision"));
        }
        if (h.contains("initiatedBy") && h["initiatedBy"].is_object()) {
            const Json& by = h["initiatedBy"];
            e.initiatedBy =
                by.value("automated", false) ? QStringLiteral("automated") : str(by, "username");
        }
        out.append(e);
    }
    std::sort(out.begin(), out.end(),
              [](const DeployEntry& a, const DeployEntry& b) { return a.id < b.id; });
    return out;
}

HealthTimeline::HealthTimeline(const QString& path)
    : m_path(path)
    , m_connection(QStringLiteral("sextant-health-timeline-%1")
                       .arg(connectionCounter.fetchAndAddRelaxed(1))) {
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(path);
    if (!db.open()) {
        m_error = db.lastError().text();
        return;
    }
    m_open = exec(QStringLiteral("PRAGMA journal_mode=WAL")) &&
             exec(QStringLiteral("PRAGMA synchronous=NORMAL")) && migrate();
    if (m_open)
        loadLast();
}

HealthTimeline::~HealthTimeline() {
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        if (db.isValid())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

bool HealthTimeline::exec(const QString& sql) {
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(sql)) {
        m_error = q.lastError().text();
        return false;
    }
    return true;
}

bool HealthTimeline::migrate() {
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next()) {
        m_error = q.lastError().text();
        return false;
    }
    const int version = q.value(0).toInt();
    if (version == kSchemaVersion)
        return true;
    if (version > kSchemaVersion) {
        // Written by a newer Sextant: do not guess at its layout.
        m_error = QStringLiteral("%1 has schema version %2; this build reads up to %3")
                      .arg(m_path)
                      .arg(version)
                      .arg(kSchemaVersion);
        return false;
    }
    return exec(QStringLiteral("CREATE TABLE IF NOT EXISTS health ("
                               " app TEXT NOT NULL, ts INTEGER NOT NULL, health TEXT NOT NULL,"
                               " message TEXT NOT NULL DEFAULT '')")) &&
           exec(QStringLiteral("CREATE INDEX IF NOT EXISTS health_app_ts ON health (app, ts)")) &&
           exec(QStringLiteral("CREATE TABLE IF NOT EXISTS syncs ("
                               " app TEXT NOT NULL, started INTEGER NOT NULL,"
                               " finished INTEGER NOT NULL DEFAULT 0, phase TEXT NOT NULL,"
                               " revision TEXT NOT NULL DEFAULT '',"
                               " message TEXT NOT NULL DEFAULT '', PRIMARY KEY (app, started))")) &&
           exec(QStringLiteral("CREATE TABLE IF NOT EXISTS history ("
                               " app TEXT NOT NULL, id INTEGER NOT NULL, revision TEXT NOT NULL,"
                               " deployed INTEGER NOT NULL, deploy_started INTEGER NOT NULL,"
                               " source TEXT NOT NULL, initiated_by TEXT NOT NULL,"
                               " PRIMARY KEY (app, id))")) &&
           exec(QStringLiteral("CREATE TABLE IF NOT EXISTS bad_revisions ("
                               " app TEXT NOT NULL, revision TEXT NOT NULL, reason TEXT NOT NULL,"
                               " marked_by TEXT NOT NULL, ts INTEGER NOT NULL,"
                               " PRIMARY KEY (app, revision))")) &&
           exec(QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion));
}

void HealthTimeline::loadLast() {
    // The newest health and operation per app, so a restart does not record everything again.
    m_last.clear();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // SQLite returns the bare columns of the row that holds MAX().
    if (q.exec(QStringLiteral("SELECT app, health, MAX(rowid) FROM health GROUP BY app"))) {
        while (q.next()) {
            Last& l = m_last[q.value(0).toString()];
            l.health = argocd::healthStatusFromString(q.value(1).toString());
            l.hasHealth = true;
        }
    }
    if (q.exec(QStringLiteral("SELECT app, phase, MAX(started) FROM syncs GROUP BY app"))) {
        while (q.next()) {
            Last& l = m_last[q.value(0).toString()];
            l.opPhase = argocd::operationPhaseFromString(q.value(1).toString());
            l.opStartedAt = fromSecs(q.value(2).toLongLong());
        }
    }
}

bool HealthTimeline::writeHealth(const QString& appKey, HealthStatus health, const QString& message,
                                 const QDateTime& at) {
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("INSERT INTO health (app, ts, health, message) VALUES (?, ?, ?, ?)"));
    q.addBindValue(text(appKey));
    q.addBindValue(secs(at));
    q.addBindValue(argocd::toString(health));
    q.addBindValue(text(message));
    if (!q.exec()) {
        m_error = q.lastError().text();
        return false;
    }
    Last& l = m_last[appKey];
    l.health = health;
    l.hasHealth = true;
    noteWrite(appKey);
    return true;
}

void HealthTimeline::noteWrite(const QString& appKey) {
    if (++m_writesSinceTrim[appKey] < kTrimEvery)
        return;
    m_writesSinceTrim[appKey] = 0;
    trim(appKey, QStringLiteral("health"), QStringLiteral("ts"), kMaxHealthPerApp);
    trim(appKey, QStringLiteral("syncs"), QStringLiteral("started"), kMaxSyncsPerApp);
    trim(appKey, QStringLiteral("history"), QStringLiteral("id"), kMaxHistoryPerApp);
}

bool HealthTimeline::writeSync(const QString& appKey, const SyncRecord& s, bool fullObject) {
    if (!s.startedAt.isValid())
        return false;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    // A list row knows no message, and its revision is status.sync.revision (what Git points
    // at), not necessarily the operation's: it only fills gaps in what a full Application
    // object told us, never overwrites it.
    const QString revisionRule =
        fullObject
            ? QStringLiteral("CASE WHEN excluded.revision <> '' THEN excluded.revision"
                             " ELSE revision END")
            : QStringLiteral("CASE WHEN revision = '' THEN excluded.revision ELSE revision END");
    q.prepare(QStringLiteral("INSERT INTO syncs (app, started, finished, phase, revision, message)"
                             " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app, started) DO UPDATE SET"
                             " finished = MAX(finished, excluded.finished), phase = excluded.phase,"
                             " revision = %1,"
                             " message = CASE WHEN excluded.message <> '' THEN excluded.message"
                             " ELSE message END")
                  .arg(revisionRule));
    q.addBindValue(text(appKey));
    q.addBindValue(secs(s.startedAt));
    q.addBindValue(secs(s.finishedAt));
    q.addBindValue(argocd::toString(s.phase));
    q.addBindValue(text(s.revision));
    q.addBindValue(text(s.message));
    if (!q.exec()) {
        m_error = q.lastError().text();
        return false;
    }
    Last& l = m_last[appKey];
    if (!l.opStartedAt.isValid() || l.opStartedAt <= s.startedAt) {
        l.opStartedAt = s.startedAt;
        l.opPhase = s.phase;
    }
    noteWrite(appKey);
    return true;
}

bool HealthTimeline::writeHistory(const QString& appKey, const DeployEntry& e) {
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(
        QStringLiteral("INSERT OR REPLACE INTO history (app, id, revision, deployed,"
                       " deploy_started, source, initiated_by) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(text(appKey));
    q.addBindValue(e.id);
    q.addBindValue(text(e.revision));
    q.addBindValue(secs(e.deployedAt));
    q.addBindValue(secs(e.deployStartedAt));
    q.addBindValue(text(e.source));
    q.addBindValue(text(e.initiatedBy));
    if (!q.exec()) {
        m_error = q.lastError().text();
        return false;
    }
    noteWrite(appKey);
    return true;
}

void HealthTimeline::trim(const QString& appKey, const QString& table, const QString& orderColumn,
                          int keep) {
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("DELETE FROM %1 WHERE app = ? AND rowid NOT IN (SELECT rowid FROM %1"
                             " WHERE app = ? ORDER BY %2 DESC, rowid DESC LIMIT %3)")
                  .arg(table, orderColumn)
                  .arg(keep));
    q.addBindValue(text(appKey));
    q.addBindValue(text(appKey));
    if (!q.exec())
        m_error = q.lastError().text();
}

bool HealthTimeline::recordOne(const argocd::AppSummary& app, const QDateTime& now) {
    const QString key = app.key();
    const Last last = m_last.value(key);
    bool wrote = false;
    if (!last.hasHealth || last.health != app.health)
        wrote = writeHealth(key, app.health, app.healthMessage, now) || wrote;
    if (app.operationStartedAt.isValid() &&
        (app.operationStartedAt != last.opStartedAt || app.operationPhase != last.opPhase)) {
        SyncRecord s;
        s.revision = app.syncRevision;
        s.startedAt = app.operationStartedAt;
        s.finishedAt = app.operationFinishedAt;
        s.phase = app.operationPhase;
        wrote = writeSync(key, s, false) || wrote;
    }
    return wrote;
}

bool HealthTimeline::recordSummary(const argocd::AppSummary& app, const QDateTime& now) {
    if (!m_open)
        return false;
    const bool wrote = recordOne(app, now);
    maybePrune(now);
    return wrote;
}

int HealthTimeline::recordSummaries(const QVector<argocd::AppSummary>& apps, const QDateTime& now) {
    if (!m_open)
        return 0;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.transaction();
    int written = 0;
    for (const argocd::AppSummary& app : apps)
        written += recordOne(app, now) ? 1 : 0;
    if (!db.commit()) {
        m_error = db.lastError().text();
        db.rollback();
        loadLast(); // the cache may now be ahead of the file
        return 0;
    }
    maybePrune(now);
    return written;
}

bool HealthTimeline::recordApplication(const QString& appKey, const Json& application,
                                       const QDateTime& now) {
    if (!m_open || !application.is_object())
        return false;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.transaction();
    bool ok = true;
    for (const DeployEntry& e : DeployEntry::fromApplication(application))
        ok = writeHistory(appKey, e) && ok;

    const Json status = application.value("status", Json::object());
    const Json op = status.value("operationState", Json::object());
    if (op.is_object() && !op.empty()) {
        SyncRecord s;
        s.startedAt = timeOf(op, "startedAt");
        s.finishedAt = timeOf(op, "finishedAt");
        s.phase = argocd::operationPhaseFromString(str(op, "phase"));
        s.message = str(op, "message");
        s.revision = revisionOf(op.value("syncResult", Json::object()));
        if (s.revision.isEmpty() && op.contains("operation") && op["operation"].is_object())
            s.revision = revisionOf(op["operation"].value("sync", Json::object()));
        if (s.startedAt.isValid())
            ok = writeSync(appKey, s, true) && ok;
    }
    const Json health = status.value("health", Json::object());
    if (health.is_object() && health.contains("status")) {
        const HealthStatus h = argocd::healthStatusFromString(str(health, "status"));
        const Last last = m_last.value(appKey);
        if (!last.hasHealth || last.health != h) {
            // Prefer the controller's own transition time when it is plausible.
            QDateTime at = timeOf(health, "lastTransitionTime");
            if (!at.isValid() || at > now)
                at = now;
            ok = writeHealth(appKey, h, str(health, "message"), at) && ok;
        }
    }
    if (!db.commit()) {
        m_error = db.lastError().text();
        db.rollback();
        return false;
    }
    maybePrune(now);
    return ok;
}

bool HealthTimeline::markBad(const QString& appKey, const QString& revision, const QString& reason,
                             const QString& by, const QDateTime& now) {
    if (!m_open || revision.isEmpty())
        return false;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO bad_revisions (app, revision, reason,"
                             " marked_by, ts) VALUES (?, ?, ?, ?, ?)"));
    q.addBindValue(text(appKey));
    q.addBindValue(text(revision));
    q.addBindValue(text(reason));
    q.addBindValue(text(by));
    q.addBindValue(secs(now));
    if (!q.exec()) {
        m_error = q.lastError().text();
        return false;
    }
    return true;
}

bool HealthTimeline::unmarkBad(const QString& appKey, const QString& revision) {
    if (!m_open)
        return false;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("DELETE FROM bad_revisions WHERE app = ? AND revision = ?"));
    q.addBindValue(text(appKey));
    q.addBindValue(text(revision));
    if (!q.exec()) {
        m_error = q.lastError().text();
        return false;
    }
    return q.numRowsAffected() > 0;
}

QVector<HealthRecord> HealthTimeline::healthTransitions(const QString& appKey) const {
    QVector<HealthRecord> out;
    if (!m_open)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(
        QStringLiteral("SELECT ts, health, message FROM health WHERE app = ? ORDER BY ts, rowid"));
    q.addBindValue(text(appKey));
    if (!q.exec())
        return out;
    while (q.next())
        out.append({fromSecs(q.value(0).toLongLong()),
                    argocd::healthStatusFromString(q.value(1).toString()), q.value(2).toString()});
    return out;
}

QVector<SyncRecord> HealthTimeline::syncs(const QString& appKey) const {
    QVector<SyncRecord> out;
    if (!m_open)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT revision, started, finished, phase, message FROM syncs"
                             " WHERE app = ? ORDER BY started"));
    q.addBindValue(text(appKey));
    if (!q.exec())
        return out;
    while (q.next()) {
        SyncRecord s;
        s.revision = q.value(0).toString();
        s.startedAt = fromSecs(q.value(1).toLongLong());
        s.finishedAt = fromSecs(q.value(2).toLongLong());
        s.phase = argocd::operationPhaseFromString(q.value(3).toString());
        s.message = q.value(4).toString();
        out.append(s);
    }
    return out;
}

QVector<DeployEntry> HealthTimeline::history(const QString& appKey) const {
    QVector<DeployEntry> out;
    if (!m_open)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id, revision, deployed, deploy_started, source, initiated_by"
                             " FROM history WHERE app = ? ORDER BY id"));
    q.addBindValue(text(appKey));
    if (!q.exec())
        return out;
    while (q.next()) {
        DeployEntry e;
        e.id = q.value(0).toLongLong();
        e.revision = q.value(1).toString();
        e.deployedAt = fromSecs(q.value(2).toLongLong());
        e.deployStartedAt = fromSecs(q.value(3).toLongLong());
        e.source = q.value(4).toString();
        e.initiatedBy = q.value(5).toString();
        out.append(e);
    }
    return out;
}

QHash<QString, QString> HealthTimeline::badRevisions(const QString& appKey) const {
    QHash<QString, QString> out;
    if (!m_open)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(
        QStringLiteral("SELECT revision, reason, marked_by, ts FROM bad_revisions WHERE app = ?"));
    q.addBindValue(text(appKey));
    if (!q.exec())
        return out;
    while (q.next()) {
        QString text = q.value(1).toString();
        const QString by = q.value(2).toString();
        const QDateTime at = fromSecs(q.value(3).toLongLong());
        QStringList who;
        if (!by.isEmpty())
            who << by;
        if (at.isValid())
            who << at.toString(QStringLiteral("yyyy-MM-dd"));
        if (!who.isEmpty())
            text += QStringLiteral(" (%1)").arg(who.join(QStringLiteral(", ")));
        out.insert(q.value(0).toString(), text);
    }
    return out;
}

QVector<EntryOutcome> HealthTimeline::outcomes(const QString& appKey, QVector<DeployEntry> entries,
                                               const QDateTime& now) const {
    if (entries.isEmpty())
        entries = history(appKey);
    return computeOutcomes(entries, healthTransitions(appKey), syncs(appKey), now);
}

QVector<EntryOutcome> HealthTimeline::computeOutcomes(const QVector<DeployEntry>& entries,
                                                      const QVector<HealthRecord>& health,
                                                      const QVector<SyncRecord>& syncs,
                                                      const QDateTime& now) {
    QVector<EntryOutcome> out;
    for (int i = 0; i < entries.size(); ++i) {
        const DeployEntry& e = entries[i];
        EntryOutcome o;
        o.historyId = e.id;
        o.revision = e.revision;
        o.deployedAt = e.deployedAt;
        const bool current = i + 1 == entries.size();
        if (!current) {
            const DeployEntry& next = entries[i + 1];
            // The replacement began when the next sync started, if Argo CD recorded it.
            o.replacedAt = next.deployStartedAt.isValid() ? next.deployStartedAt : next.deployedAt;
        }
        o.replacement =
            current ? EntryOutcome::Replacement::Current : EntryOutcome::Replacement::Unknown;
        for (const SyncRecord& s : syncs)
            if (!e.revision.isEmpty() && s.revision == e.revision &&
                (s.phase == OperationPhase::Failed || s.phase == OperationPhase::Error))
                ++o.failedSyncs;
        if (!e.deployedAt.isValid()) {
            out.append(o);
            continue;
        }
        const qint64 start = secs(e.deployedAt);
        const qint64 end = current ? secs(now) : std::max(start, secs(o.replacedAt));

        // Walk the health segments that overlap [start, end).
        bool prevBad = false;
        HealthStatus lastState = HealthStatus::Unknown;
        bool sawAny = false;
        for (int k = 0; k < health.size(); ++k) {
            qint64 segStart = secs(health[k].at);
            const qint64 segEnd = k + 1 < health.size() ? secs(health[k + 1].at) : secs(now);
            if (segEnd <= start || segStart >= end)
                continue;
            if (segStart < start) // carried over from the previous revision
                segStart = std::min(start + kCarryOverGraceSeconds, segEnd);
            const qint64 from = std::max(segStart, start);
            const qint64 to = std::min(segEnd, end);
            if (to <= from)
                continue;
            const HealthStatus h = health[k].health;
            sawAny = true;
            lastState = h;
            o.observedSeconds += to - from;
            if (h == HealthStatus::Healthy) {
                o.healthySeconds += to - from;
                o.reachedHealthy = true;
            }
            if (isBad(h)) {
                o.degradedSeconds += to - from;
                if (!prevBad)
                    ++o.degradedEpisodes;
            }
            prevBad = isBad(h);
        }
        o.observed = sawAny;
        if (!current && sawAny) {
            const bool neverHealthy =
                !o.reachedHealthy && o.observedSeconds >= kNeverHealthySeconds;
            o.replacement = isBad(lastState) || neverHealthy
                                ? EntryOutcome::Replacement::AfterFailure
                                : EntryOutcome::Replacement::Normal;
        }
        out.append(o);
    }
    return out;
}

void HealthTimeline::maybePrune(const QDateTime& now) {
    if (!m_lastPrune.isValid() || m_lastPrune.secsTo(now) >= 3600)
        prune(now);
}

void HealthTimeline::prune(const QDateTime& now) {
    if (!m_open)
        return;
    m_lastPrune = now;
    const qint64 cutoff = now.addDays(-m_retentionDays).toSecsSinceEpoch();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    const QList<QPair<QString, QString>> tables = {
        {QStringLiteral("health"), QStringLiteral("ts")},
        {QStringLiteral("syncs"), QStringLiteral("started")},
        {QStringLiteral("history"), QStringLiteral("deployed")}};
    for (const auto& [table, column] : tables) {
        QSqlQuery q(db);
        // Keep each app's newest health row: it is the state the app is still in.
        const QString keepNewest =
            table == QLatin1String("health")
                ? QStringLiteral(" AND rowid NOT IN (SELECT MAX(rowid) FROM health GROUP BY app)")
                : QString();
        q.prepare(QStringLiteral("DELETE FROM %1 WHERE %2 < ?%3").arg(table, column, keepNewest));
        q.addBindValue(cutoff);
        if (!q.exec())
            m_error = q.lastError().text();
    }
}

} // namespace sextant::fleet
