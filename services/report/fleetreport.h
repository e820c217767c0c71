#pragma once

#include "analysis/evidence.h"
#include "argocd/types.h"
#include "fleet/fleethistory.h"
#include "fleet/fleetstore.h"
#include "fleet/healthtimeline.h"
#include "report/driftcatalogue.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

#include <nlohmann/json.hpp>

#include <optional>

namespace sextant::report {

// The daily fleet summary (docs/reports.md): headline counts, what changed in the period, what
// is failing and why (prioritised), drift categorised as infrastructure or application, and a
// short "needs attention first" list. Built by a pure function from data the console or the
// CLI already has; rendered as Markdown, HTML and JSON (reportformat.h).

inline constexpr char kFleetReportFormat[] = "sextant.fleet-report/v1";

// Counts of one group of applications (an instance × environment row, or the whole fleet).
struct ReportCounts {
    int apps = 0;
    int healthy = 0;
    int degraded = 0;
    int missing = 0;
    int progressing = 0;
    int suspended = 0;
    int unknownHealth = 0;
    int synced = 0;
    int outOfSync = 0;
    int syncFailed = 0; // last operation Failed or Error
    int failing = 0;    // in the "failing" section: Degraded, Missing or sync failed

    void add(const argocd::AppSummary& app);
    bool operator==(const ReportCounts&) const = default;
};

struct InstanceEnvCounts {
    QString instance;
    QString environment;
    ReportCounts counts;
};

// The totals of an earlier report or fleet-history snapshot, for "compared with ...".
struct PreviousTotals {
    QDateTime at;
    QString source; // "previous report", "fleet history"
    int apps = 0;
    int failing = -1; // -1: not known (fleet history does not count it)
    int degraded = 0;
    int syncFailed = 0;
    int outOfSync = 0;
};

// One sync seen in the period.
struct ChangeEntry {
    QString appKey;
    QString app;
    QString instance;
    QString environment;
    QString project;
    QString cluster;
    QString revision;
    QDateTime startedAt;
    QDateTime finishedAt; // invalid while running
    QString result;       // Succeeded, Failed, Error, Running, Terminating
    QString initiatedBy;  // user, "automated", or empty when unknown
    QString message;      // operation message when known
};

// One failing application, with why it fails.
struct FailingApp {
    QString appKey;
    QString app;
    QString instance;
    QString environment;
    int environmentRank = 99;
    QString project;
    QString cluster;
    QString destNamespace;
    QString health;           // Degraded, Missing, ...
    QString sync;             // Synced, OutOfSync, Unknown
    QString operation;        // last operation phase (Failed, Error, Succeeded, ...) or empty
    QString status;           // "Degraded", "sync failed", "sync failed · Degraded", ...
    QDateTime since;          // failing since, when known (timeline or the failed operation's end)
    QString message;          // health message (redacted later with the rest)
    QString operationMessage; // the failed operation's message, when the full app was read
    int blastRadius = 1;      // failing apps with the same name across clusters/instances
    int severity = 0;         // 0 sync failed or Degraded, 1 Missing
    bool diagnosed = false;
    QString category;  // diagnosis category (ImagePullNotFound, ...) when diagnosed
    QString rootCause; // diagnosis summary, else empty
    QString firstStep; // the first remediation step, else empty
    double confidence = 0.0;
    QString resource; // "Deployment shop/checkout" when the diagnosis names it
};

struct DriftApp {
    QString appKey;
    QString app;
    QString instance;
    QString environment;
    int environmentRank = 99;
    QString project;
    QString cluster;
    QString destNamespace;
    QString category; // infrastructure | application
    QString reason;
    bool autoSync = false;
};

// Failing applications that fail the same way: one diagnosis category and root cause, or (not
// diagnosed) the same status and message once names, numbers and paths are masked. A team lead
// reads "25 applications: admission webhook denied ..." once instead of 25 times.
struct CauseGroup {
    QString key;
    QString status;    // of the first member
    QString why;       // root cause when diagnosed, else the (first member's) message
    QString firstStep; // when diagnosed
    QString category;  // diagnosis category, when diagnosed
    double confidence = 0.0;
    bool diagnosed = false;
    QString diagnosedOn;  // the member whose diagnosis is shown
    QVector<int> members; // indexes into FleetReport::failing, most urgent first
    int production = 0;   // members in production
};

struct AttentionItem {
    QString appKey;
    QString headline; // "shop-checkout (prod-eu, production): Degraded for 41 min"
    QString why;      // root cause or message
    QString action;   // first step, when known
};

// Everything the builder needs. The console fills the optional parts from its HealthTimeline
// and FleetHistory; the CLI has only the list data and the diagnoses it ran.
struct ReportInput {
    QVector<argocd::AppSummary> apps;
    QHash<QString, QString> instanceNames; // AppSummary::instance -> display name (optional)
    QDateTime now;                         // end of the period (UTC)
    qint64 periodSeconds = 24 * 3600;
    QString title; // default "Fleet report"
    // appKey -> syncs and health transitions (HealthTimeline), optional.
    QHash<QString, QVector<fleet::SyncRecord>> syncs;
    QHash<QString, QVector<fleet::HealthRecord>> health;
    QHash<QString, QVector<fleet::DeployEntry>> deployHistory; // for "who" of a sync
    // appKey -> operation message and initiator of the last operation (from the full
    // Application: the list does not carry them), optional.
    struct OperationInfo {
        QString message;
        QString initiatedBy; // user name, or "automated"
    };
    QHash<QString, OperationInfo> operations;
    // appKey -> diagnosis of that app, optional.
    QHash<QString, analysis::Diagnosis> diagnoses;
    std::optional<PreviousTotals> previous;
    const DriftCatalogue* catalogue = nullptr; // null = DriftCatalogue::builtin()
};

// Section limits for the human formats (JSON carries everything).
struct ReportLimits {
    int attention = 5;
    int failing = 25;     // causes shown
    int appsPerCause = 8; // app names listed per cause before "and N more"
    int changes = 25;
    int driftPerReason = 12; // app names listed per drift reason before "and N more"
};

struct FleetReport {
    QString title;
    QDateTime generatedAt;
    QDateTime periodStart;
    QDateTime periodEnd;
    QStringList instances; // display names, sorted
    ReportCounts totals;
    QVector<InstanceEnvCounts> breakdown; // instance, then environment rank
    std::optional<PreviousTotals> previous;
    QString changeSource;         // "timeline" or "list" (operation start/finish in the list data)
    QVector<ChangeEntry> changes; // newest first
    int changesFailed = 0;
    int changedApps = 0;
    QVector<FailingApp> failing; // prioritised
    QVector<CauseGroup> causes;  // the failing apps grouped by cause, most urgent group first
    QVector<DriftApp> drift;     // infrastructure first, then environment rank, then name
    int driftInfrastructure = 0;
    int driftApplication = 0;
    QVector<AttentionItem> attention;
    int diagnosed = 0; // failing apps with a diagnosis
    QStringList notes; // what the report could not know (no timeline, diagnoses capped, ...)
    ReportLimits limits;

    // One line for chat previews and the webhook's "summary":
    // "prod-eu, prod-us, staging: 2,014 apps · 12 failing (5 production) · 87 out of sync ..."
    QString summaryLine() const;
};

// Builds the report. Pure: no clock (input.now), no network, no disk beyond the catalogue.
FleetReport buildFleetReport(const ReportInput& input);

// The key under which a failing app is grouped before any diagnosis: status and the message
// (the operation message for a failed sync, else the health message) with quoted names, paths,
// hashes and numbers masked. The CLI uses it to spread its diagnoses over different causes.
QString symptomKey(const FailingApp& app);
// A message with what differs between apps failing the same way masked ("…", "N").
QString maskSpecifics(const QString& text, const QStringList& names = {});

// Reads the operation message and initiator from a full Application object.
ReportInput::OperationInfo operationInfoFromApplication(const nlohmann::json& application);

// The console's rows as report input (instance ids as names; fill instanceNames for display
// names). Call on the store's thread; build the report on the thread pool
// (QtConcurrent::run(buildFleetReport, input)).
ReportInput reportInputFromStore(const fleet::FleetStore& store, const QDateTime& now);

// Fills input.syncs / health / deployHistory for every app of input.apps from a timeline (three
// queries per app: on the timeline's thread, before handing the input to the thread pool).
void addTimeline(ReportInput& input, const fleet::HealthTimeline& timeline);

// The previous totals from FleetHistory: the last snapshot at or before `before`.
std::optional<PreviousTotals> previousFromHistory(const QVector<fleet::FleetHistory::Point>& points,
                                                  const QDateTime& before);
// The previous totals from an earlier JSON report (sextant.fleet-report/v1); nullopt when the
// document is not one.
std::optional<PreviousTotals> previousFromReportJson(const nlohmann::json& report);

// Removes secrets from every free-text field (messages, root causes, remediation, revisions
// stay) before anything leaves the machine; returns how many values were replaced.
int redactReport(FleetReport& report);

// "41 min", "3 h 5 min", "2 d 4 h".
QString formatDuration(qint64 seconds);

} // namespace sextant::report
