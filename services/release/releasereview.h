#pragma once

// The release review (docs/release-review.md): for each cluster that already runs the release
// revision, a canary judgement against the clusters still on the previous revision, over the
// same window, then a recommendation per cluster, per RollingSync step and for the release:
// proceed, halt or roll back, with the evidence and the blocking step or cluster named.

#include "analysis/canaryjudge.h"
#include "core/error.h"
#include "release/releasematrix.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>

#include <nlohmann/json.hpp>

namespace sextant::argocd {
class Client;
}
namespace sextant::metrics {
class PrometheusClient;
}

namespace sextant::release {

enum class Recommendation { Proceed, Wait, Halt, RollBack };
QString toString(Recommendation r);

// One series for a chart: the average across the pooled series at each timestamp.
struct ChartSeries {
    QVector<qint64> timesMs;
    QVector<double> values;
};
struct MetricChart {
    QString metric;
    ChartSeries canary;
    ChartSeries baseline;
};

// One canary: one cell (an application on a cluster) on the release revision, judged against
// the same component on the clusters still on the previous revision.
struct CanaryReview {
    int cell = -1; // index into ReleaseMatrix::cells
    QString app;
    QString cluster;
    QString environment;
    int step = 0;
    QStringList baselineClusters;
    QDateTime syncedAt;            // when the release revision's sync finished (else started)
    analysis::CanaryTarget target; // namespace, rendered selectors, window, step
    bool judged = false;           // false: no baseline, too early, no Prometheus
    QString notJudgedReason;       // in words when !judged
    analysis::CanaryReport report; // when judged
    QVector<MetricChart> charts;   // per metric, when judged
    Recommendation recommendation = Recommendation::Wait;
    QString reason; // one sentence naming the deciding metric or state
};

struct ClusterReview {
    QString cluster;
    QString environment;
    int step = 0;
    QVector<int> canaries; // indices into ReleaseReview::canaries
    Recommendation recommendation = Recommendation::Wait;
    QString reason;
};

struct StepReview {
    int step = 0; // 0 = applications outside any step
    QString description;
    StepStatus status = StepStatus::None; // the least advanced status of its cells
    QStringList clusters;
    Recommendation recommendation = Recommendation::Wait;
    QString reason;
};

struct ReviewOptions {
    // Label matchers for one cluster and for several; {{cluster}}, {{clusters}} (a regex
    // alternation of escaped names), {{app}}, {{namespace}}, {{env}} are replaced.
    QString canarySelector = QStringLiteral("cluster=\"{{cluster}}\"");
    QString baselineSelector = QStringLiteral("cluster=~\"{{clusters}}\"");
    int minWindowMinutes = 10; // a canary synced more recently than this is "too early" (Wait)
    int maxWindowMinutes = 60; // the window ends now and starts at the sync, at most this long
    qint64 stepMs = 30000;
    QDateTime now; // invalid = the current time (tests and reports pass a fixed instant)

    // Refuses selector templates that cannot work (unknown variable, bad matcher syntax,
    // canary and baseline the same) and bad windows; checked with sample values before
    // anything is fetched.
    Status validate() const;
};

// A selector template with {{cluster}}, {{clusters}}, {{app}}, {{namespace}}, {{env}} replaced;
// `vars` holds the raw values: names are escaped for a PromQL double-quoted string here, and
// "clusters" (newline-separated names) becomes a regex alternation (promRegexAlternation).
Result<QString> renderSelector(const QString& templ, const QHash<QString, QString>& vars);

// A regex alternation that matches exactly these names inside a PromQL double-quoted string:
// "prod\\.eu-1|stage-eu-1" (metacharacters escaped for RE2, then for the string literal).
QString promRegexAlternation(const QStringList& names);

struct ReleaseReview {
    ReleaseMatrix matrix;
    QVector<CanaryReview> canaries;
    QVector<ClusterReview> clusters;
    QVector<StepReview> steps;
    Recommendation recommendation = Recommendation::Wait;
    // "Halt the rollout at step 2 (stage): on stage-eu-1 storefront fails http-error-rate
    // (critical) — 7.7 % vs 0.50 % (p < 0.001). Roll back stage-eu-1."
    QString headline;
    QString blocking; // "stage-eu-1 at step 2 (stage)", or the step; empty when proceeding
    QString metricSetSource;
    QString prometheus; // the Prometheus URL used, empty = none configured
    QDateTime generatedAt;
    QStringList notes;
};

// The canaries to judge: cells on their row's release revision whose row still has cells on the
// previous revision. Baseline = those cells (Synced to the previous revision, not Missing, not
// syncing, not failed), the same environment's when there are any. Window = [max(sync finished,
// now − maxWindow), now]; not judged (with the reason in words) when synced less than
// minWindowMinutes ago, when the sync time is unknown or when there is no baseline. Rows whose
// cells all run the release have no canary.
QVector<CanaryReview> planCanaries(const ReleaseMatrix& matrix, const ReviewOptions& options);
// Per-canary recommendation from its report and the cell's sync/health, then per cluster (the
// worst canary), per step (the worst cluster, Wait while the step is not all Healthy) and
// overall (the most severe started step; when all may proceed, the first step not started is
// the one to sync). Without RollingSync, the environments in promotion order are the steps.
// The rules table is in docs/release-review.md.
ReleaseReview recommend(ReleaseMatrix matrix, QVector<CanaryReview> canaries);

nlohmann::ordered_json reviewToJson(const ReleaseReview& review);
QString reviewToMarkdown(const ReleaseReview& review);
QString reviewToHtml(const ReleaseReview& review);

// Fetches the ApplicationSet and its applications, plans the canaries, collects samples from
// Prometheus (none when `prometheus` is null: every canary is "not judged"), judges off the
// calling thread and calls `done` once on the calling thread.
void runReleaseReview(argocd::Client& argocd, metrics::PrometheusClient* prometheus,
                      const QString& appsetName, const QString& appsetNamespace,
                      const analysis::MetricSet& metricSet, const ReviewOptions& options,
                      std::function<void(Result<ReleaseReview>)> done);

} // namespace sextant::release
