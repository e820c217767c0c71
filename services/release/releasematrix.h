#pragma once

// The release matrix (docs/release-review.md): one ApplicationSet (or any label selector) laid
// out as components × clusters, with each cell's revision, images, sync, health, operation phase
// and RollingSync step, plus the drift and outliers an engineer checks by hand during a release.
// Pure functions over data already fetched; nothing here talks to the network.

#include "argocd/types.h"
#include "core/result.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVector>

#include <nlohmann/json.hpp>

namespace sextant::release {

// ApplicationSet status.applicationStatus[].status for the RollingSync strategy.
enum class StepStatus { None, Waiting, Pending, Progressing, Healthy };
QString toString(StepStatus s);
StepStatus stepStatusFromString(QStringView s);

// One spec.strategy.rollingSync.steps[] entry.
struct RollingStep {
    int index = 0;       // 1-based, as Argo CD numbers them in applicationStatus[].step
    QString description; // "env In (stage)", from the matchExpressions
    QString maxUpdate;   // "25%", "1", empty = all at once
    nlohmann::json matchExpressions = nlohmann::json::array();
    bool matches(const QList<QPair<QString, QString>>& labels) const;
};

struct ReleaseCell {
    argocd::AppSummary app;
    QString component;   // the row: what this application deploys
    QString cluster;     // the column
    QString environment; // the app's (else the cluster's) env label; empty = unknown
    int step = 0;        // RollingSync step (1-based); 0 = not in any step / no RollingSync
    StepStatus stepStatus = StepStatus::None;
    QString stepMessage;
    bool onReleaseRevision = false; // Synced to its row's release revision
    QStringList outlierReasons;     // in words; empty = not an outlier
};

struct ReleaseColumn {
    QString cluster;
    QString environment;
    int step = 0; // the lowest step of its cells
};

struct ReleaseRow {
    QString component;
    // The revision being rolled out (full SHA or tag): the majority of the Synced cells in the
    // most advanced step whose RollingSync status is Progressing or Healthy; without such a
    // status, the revision of the most recently synced Synced cell; else the majority of the
    // lowest step (docs/release-review.md, "Which revision is the release").
    QString releaseRevision;
    // The most common revision among the Synced cells not on the release; empty = none or
    // unknown (OutOfSync cells run something older than status.sync.revision says).
    QString previousRevision;
    QStringList releaseImages;
    QStringList previousImages;
    QVector<int> cells; // per column: index into ReleaseMatrix::cells, -1 = no application
};

struct ReleaseMatrix {
    QString name;     // ApplicationSet name, or the label selector
    QString instance; // Sextant instance the applications came from
    bool rollingSync = false;
    QVector<RollingStep> steps;
    int currentStep = 0; // the step Argo CD is rolling out (lowest step not all Healthy); 0 = done
    QVector<ReleaseColumn> columns; // ordered by step, environment (dev, test, stage, prod), name
    QVector<ReleaseRow> rows;
    QVector<ReleaseCell> cells;
    QStringList outliers; // every outlier, in words, most serious first
    QStringList notes;    // what could not be worked out, e.g. apps missing from the status
};

// From an ApplicationSet object (GET /api/v1/applicationsets/{name}) and the fleet's
// applications: the applications the set owns (named by status.resources and
// status.applicationStatus, else selected by the template's fixed metadata.labels), grouped into
// rows by source (repoURL + path with the environment or cluster segment replaced by "*", else
// the app name) and columns by destination cluster. Each cell's step comes from
// status.applicationStatus, else from the steps' matchExpressions on the app's labels.
// Environment = the app's `env`/`environment` label, else an environment word in the cluster
// name (prod-eu-1 -> prod). Outliers: a failed sync or Degraded health (most serious), Missing,
// then a cell on a third revision or on another revision than the rest of its environment.
// An error only when the object is not an ApplicationSet.
Result<ReleaseMatrix> buildReleaseMatrix(const nlohmann::json& appset,
                                         const QVector<argocd::AppSummary>& apps);
// The same for any set of applications (e.g. a label selector's matches); no RollingSync steps.
ReleaseMatrix buildReleaseMatrix(const QString& name, const QVector<argocd::AppSummary>& apps);

// "What version runs where": per component, the versions (image tags, else short revisions)
// running in each environment across the fleet, with drift between environments.
struct VersionCell {
    QString environment;
    QStringList versions; // distinct, most common first
    int apps = 0;
};
struct VersionRow {
    QString component;
    QVector<VersionCell> environments; // in environment order
    bool drift = false;                // environments run different versions
    QString driftDescription;          // "prod runs 1.4.2, stage runs 1.5.0"
};
struct VersionMatrix {
    QStringList environments;
    QVector<VersionRow> rows;
};
VersionMatrix buildVersionMatrix(const QVector<argocd::AppSummary>& apps);

// The canonical environment order used for columns and reports (dev < test < stage < prod;
// unknown names after prod).
int environmentRank(const QString& env);

// One row of the "Releases" list: an ApplicationSet as the list shows it.
struct AppSetSummary {
    QString instance;
    QString name;
    QString appsetNamespace;
    QString strategy; // "RollingSync", "AllAtOnce" (no strategy)
    int steps = 0;
    int currentStep = 0; // from status.applicationStatus; 0 = none in progress
    int applications = 0;
    QString health;  // status.health.status when present
    QString message; // the most telling condition (RolloutProgressing, ErrorOccurred)
};
AppSetSummary summariseAppSet(const QString& instance, const nlohmann::json& appset);

} // namespace sextant::release
