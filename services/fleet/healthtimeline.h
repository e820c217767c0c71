#pragma once

#include "argocd/types.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

#include <nlohmann/json.hpp>

namespace sextant::fleet {

// One entry of an Application's status.history[] (Argo CD writes one after every successful,
// full, non-dry-run sync; it keeps the last ten by default).
struct DeployEntry {
    qint64 id = 0;
    QString revision; // single source; multi-source apps: the revisions joined by ","
    QDateTime deployedAt;
    QDateTime deployStartedAt;
    QString source;      // "repoURL path@targetRevision" of the first source, for display
    QString initiatedBy; // user name, or "automated"

    // Parses status.history of a full Application object, oldest first.
    static QVector<DeployEntry> fromApplication(const nlohmann::json& application);
};

// One sync operation as the console saw it (operationState, or the list row's operation fields).
struct SyncRecord {
    QString revision;
    QDateTime startedAt;
    QDateTime finishedAt; // invalid while running
    argocd::OperationPhase phase = argocd::OperationPhase::None;
    QString message;
};

// A health state observed from `at` until the next transition.
struct HealthRecord {
    QDateTime at;
    argocd::HealthStatus health = argocd::HealthStatus::Unknown;
    QString message;
};

// What became of one history entry while it was the deployed revision: the window runs from its
// deployedAt to the next entry's deployedAt (or now for the current one).
struct EntryOutcome {
    enum class Replacement {
        Current,      // still deployed
        AfterFailure, // the next sync came while this revision was Degraded/Missing or had
                      // failed syncs: it was probably replaced because it was broken
        Normal,       // replaced while healthy (a regular release)
        Unknown,      // replaced, but the timeline did not see the moment
    };

    qint64 historyId = 0;
    QString revision;
    QDateTime deployedAt;
    QDateTime replacedAt;  // invalid for the current entry
    bool observed = false; // the timeline has health data inside the window
    qint64 observedSeconds = 0;
    qint64 healthySeconds = 0;
    qint64 degradedSeconds = 0; // Degraded or Missing
    int degradedEpisodes = 0;
    bool reachedHealthy = false;
    int failedSyncs = 0; // failed/errored sync operations started inside the window
    Replacement replacement = Replacement::Unknown;
};

// Per-application record of syncs and health transitions in a local SQLite file, so that every
// history entry gets an outcome (Argo CD records nothing about health after a sync). Fed with the
// list/watch rows the console already receives and, when a full Application was fetched, with
// its status.history and operationState. Only changes are written: a row whose health and
// operation did not change costs a hash lookup.
//
// Bounded: at most kMaxHealthPerApp transitions, kMaxSyncsPerApp syncs and kMaxHistoryPerApp
// history entries per application (older ones are trimmed when an app's rows grow past the cap),
// and rows older than the retention (90 days) are deleted about once an hour. Own connection
// name, WAL, schema version in PRAGMA user_version. Not thread-safe: one thread (the GUI's).
class HealthTimeline {
public:
    static constexpr int kSchemaVersion = 1;
    static constexpr int kMaxHealthPerApp = 500;
    static constexpr int kMaxSyncsPerApp = 200;
    static constexpr int kMaxHistoryPerApp = 100;

    // Opens (and creates) the database file. Check isOpen()/errorString().
    explicit HealthTimeline(const QString& path);
    ~HealthTimeline();
    HealthTimeline(const HealthTimeline&) = delete;
    HealthTimeline& operator=(const HealthTimeline&) = delete;

    bool isOpen() const { return m_open; }
    QString errorString() const { return m_error; }
    QString path() const { return m_path; }
    void setRetentionDays(int days) { m_retentionDays = days; }

    // ---- recording (appKey = AppSummary::key(): instance/namespace/name) ----

    // A list or watch row. Writes a health transition when the health changed (or the app is
    // new) and a sync when an operation started or changed phase. Returns true when it wrote.
    bool recordSummary(const argocd::AppSummary& app,
                       const QDateTime& now = QDateTime::currentDateTimeUtc());
    // Many rows in one transaction (a list snapshot).
    int recordSummaries(const QVector<argocd::AppSummary>& apps,
                        const QDateTime& now = QDateTime::currentDateTimeUtc());
    // A full Application object: status.history, status.operationState and status.health.
    bool recordApplication(const QString& appKey, const nlohmann::json& application,
                           const QDateTime& now = QDateTime::currentDateTimeUtc());
    // The user says a revision is bad (it is demoted in rankings with the reason).
    bool markBad(const QString& appKey, const QString& revision, const QString& reason,
                 const QString& by, const QDateTime& now = QDateTime::currentDateTimeUtc());
    bool unmarkBad(const QString& appKey, const QString& revision);

    // ---- queries ----

    QVector<HealthRecord> healthTransitions(const QString& appKey) const; // oldest first
    QVector<SyncRecord> syncs(const QString& appKey) const;               // oldest first
    // Every history entry seen for the app (can reach further back than Argo CD's ten).
    QVector<DeployEntry> history(const QString& appKey) const;
    // revision -> "reason (by, date)"
    QHash<QString, QString> badRevisions(const QString& appKey) const;
    // Outcome of each entry of `entries` (oldest first, e.g. DeployEntry::fromApplication);
    // empty = the stored history.
    QVector<EntryOutcome> outcomes(const QString& appKey, QVector<DeployEntry> entries = {},
                                   const QDateTime& now = QDateTime::currentDateTimeUtc()) const;
    // The outcome computation itself, on given data (pure; used by outcomes()).
    static QVector<EntryOutcome> computeOutcomes(const QVector<DeployEntry>& entries,
                                                 const QVector<HealthRecord>& health,
                                                 const QVector<SyncRecord>& syncs,
                                                 const QDateTime& now);

    // Deletes rows older than the retention; called by the recorders about once an hour.
    void prune(const QDateTime& now = QDateTime::currentDateTimeUtc());

private:
    struct Last {
        argocd::HealthStatus health = argocd::HealthStatus::Unknown;
        bool hasHealth = false;
        QDateTime opStartedAt;
        argocd::OperationPhase opPhase = argocd::OperationPhase::None;
    };

    bool exec(const QString& sql);
    bool migrate();
    void loadLast();
    bool writeHealth(const QString& appKey, argocd::HealthStatus health, const QString& message,
                     const QDateTime& at);
    bool writeSync(const QString& appKey, const SyncRecord& sync, bool fullObject);
    bool writeHistory(const QString& appKey, const DeployEntry& entry);
    bool recordOne(const argocd::AppSummary& app, const QDateTime& now);
    void noteWrite(const QString& appKey); // trims the app's rows to the caps now and then
    void trim(const QString& appKey, const QString& table, const QString& orderColumn, int keep);
    void maybePrune(const QDateTime& now);

    QString m_path;
    QString m_connection;
    QString m_error;
    bool m_open = false;
    int m_retentionDays = 90;
    QDateTime m_lastPrune;
    QHash<QString, Last> m_last;
    QHash<QString, int> m_writesSinceTrim; // trim an app's tables every few writes, not always
};

QString toString(EntryOutcome::Replacement replacement);

} // namespace sextant::fleet
