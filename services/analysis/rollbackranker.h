#pragma once

#include "fleet/healthtimeline.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

#include <nlohmann/json.hpp>

namespace sextant::analysis {

struct Diagnosis;

// A failure the current diagnosis found, reduced to what a rollback could bring back.
struct KnownFailure {
    QString category; // taxonomy id, e.g. ImagePullNotFound, CrashLoop
    QString summary;  // one line for the reason text
    QString image;    // the failing image, when the finding names one
    QString revision; // the failing revision, when known
};

// The findings of a diagnosis as known failures (findings without a cause are skipped).
QVector<KnownFailure> knownFailuresFrom(const Diagnosis& diagnosis);

// Everything the ranker looks at. Only `application` is required.
struct RankInput {
    nlohmann::json application; // the full Application object (GET /applications/{name})
    // Outcomes from the local health timeline; empty = no timeline (API-only ranking).
    QVector<fleet::EntryOutcome> outcomes;
    // GET /manifests?revision=R answers by revision, the current revision included. Missing
    // revisions are ranked without the change and irreversibility checks (and say so).
    QHash<QString, nlohmann::json> manifests;
    QHash<QString, QString> badRevisions; // revision -> reason (HealthTimeline::badRevisions)
    QVector<KnownFailure> knownFailures;
    QDateTime now = QDateTime::currentDateTimeUtc();
};

struct RollbackCandidate {
    qint64 id = 0; // history id: what POST /rollback takes
    QString revision;
    QDateTime deployedAt;
    QString initiatedBy;
    int score = 0;           // 0..100, higher is a better rollback target
    bool verified = false;   // the timeline saw it Healthy for a while without degrading
    QStringList reasons;     // plain-word facts behind the score, strongest first
    QStringList risks;       // what a rollback to it would not undo or could break
    QStringList images;      // container images at that revision (from its manifests)
    int changedObjects = -1; // objects that differ from now; -1 = manifests unknown
};

struct RollbackRanking {
    QString app;             // "namespace/name"
    QString currentRevision; // never a candidate
    qint64 currentHistoryId = 0;
    bool autoSync = false; // rollback needs auto-sync off first
    bool timelineUsed = false;
    QVector<RollbackCandidate> candidates; // best first
    QStringList notes;                     // what the ranking could not use, and why

    nlohmann::json toJson() const; // {"app", "currentRevision", "candidates": [...], "notes"}
    QString toMarkdown() const;
};

// The difference between the rendered manifests of two revisions, by object identity
// (group/kind/namespace/name).
struct ManifestDelta {
    QStringList added;   // present now, absent at the candidate ("Kind name")
    QStringList removed; // present at the candidate, absent now (deleted since)
    QStringList changed; // present in both with a different body
    QStringList risks;   // what a rollback would not undo or could break, in words
    int severe = 0;      // how many of the risks are irreversible or immutable changes
    int count() const { return int(added.size() + removed.size() + changed.size()); }
};

// Scores each history entry of an Application as a rollback target (docs/rollback.md): sync
// outcome and time Healthy after deploy (timeline), how long it stayed deployed, how far back it
// is, how much differs from now, irreversible changes since, revisions marked bad and failures
// the current diagnosis would see again. Pure: no I/O, no clock but input.now.
class RollbackRanker {
public:
    RollbackRanking rank(const RankInput& input) const;

    // `candidate` and `current` are GET /manifests answers ({"manifests": ["<json>", ...]}).
    static ManifestDelta compareManifests(const nlohmann::json& candidate,
                                          const nlohmann::json& current);
    // Container images in a manifests answer (Deployments, StatefulSets, DaemonSets, Jobs, ...).
    static QStringList imagesIn(const nlohmann::json& manifests);
    // "26 h", "3 d", "12 min"
    static QString humanDuration(qint64 seconds);
};

} // namespace sextant::analysis
