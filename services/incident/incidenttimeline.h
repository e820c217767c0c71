#pragma once

#include "fleet/healthtimeline.h"
#include "metrics/alertmanagerclient.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVector>

namespace sextant::incident {

// One commit of the application's source as Argo CD's revision metadata gives it
// (GET .../revisions/{revision}/metadata: author, date, message), passed in as data.
struct GitChange {
    QString revision;
    QString author; // "Jane Doe <jane@example.com>"
    QDateTime date;
    QString message;

    // Parses the JSON of revisionMetadata for `revision`.
    static GitChange fromRevisionMetadata(const QString& revision, const nlohmann::json& meta);
};

// Everything known about one application around an incident. All of it is plain data: the
// alerts mapped to the app, what HealthTimeline recorded, and the revision metadata fetched.
struct TimelineInput {
    QString appKey;
    QString appName;
    QVector<metrics::Alert> alerts;
    QVector<fleet::SyncRecord> syncs;
    QVector<fleet::HealthRecord> health;
    QVector<fleet::DeployEntry> deploys; // status.history: who initiated a sync
    QVector<GitChange> changes;
};

struct TimelineOptions {
    // Changes this long before the alert fired are suspects.
    qint64 suspectWindowSeconds = 2 * 3600;
    // Events shown around the alert: from lookback before it to lookahead after it.
    qint64 lookbackSeconds = 24 * 3600;
    qint64 lookaheadSeconds = 6 * 3600;
    int maxSuspects = 5;
};

struct TimelineEvent {
    enum class Kind { AlertFired, AlertResolved, Sync, Health, GitChange };
    Kind kind = Kind::Sync;
    QDateTime at;
    qint64 secondsFromAlert = 0; // negative: before the alert fired
    QString title;               // "Sync of c4b8a2f succeeded"
    QString detail;              // message, author, initiator
    QString revision;
    QString who;
    QString alertFingerprint; // alert events
    bool bad = false;         // failed sync, Degraded health, firing alert
    int suspectRank = 0;      // 1 = the closest suspect; 0 = not a suspect
};

struct Suspect {
    int rank = 0;
    TimelineEvent::Kind kind = TimelineEvent::Kind::Sync;
    QString revision;
    QDateTime at;
    qint64 secondsBefore = 0;
    // "sync of c4b8a2f by Ben Okafor 'Bump checkout image to v2.41.0' finished 38 min before
    // KubePodCrashLooping fired"
    QString reason;
};

struct IncidentTimeline {
    QString appKey;
    QString appName;
    QString alertName;
    QString alertFingerprint;
    QDateTime alertStartsAt;       // the anchor: times are relative to it
    QVector<TimelineEvent> events; // oldest first
    QVector<Suspect> suspects;     // closest first
    QStringList notes;             // what is missing ("no syncs recorded for ...")
};

// The timeline of one application around one alert (`alertFingerprint` among input.alerts;
// empty = the earliest alert). Syncs are joined with their Git change (same revision) and
// history entry (initiator); suspects are the syncs and changes inside the window before the
// alert fired, closest first. Pure.
IncidentTimeline buildTimeline(const TimelineInput& input, const QString& alertFingerprint = {},
                               const TimelineOptions& options = {});

// "4 min before", "2 h 5 min after", "at the same time".
QString relativeTime(qint64 seconds);
// "4 min", "2 h 5 min", "3 d 2 h".
QString durationText(qint64 seconds);
// The first 7 characters of a Git SHA; other revisions (tags, chart versions) unchanged.
QString shortRevision(const QString& revision);
// "Jane Doe <jane@example.com>" -> "Jane Doe".
QString personName(const QString& author);

} // namespace sextant::incident
