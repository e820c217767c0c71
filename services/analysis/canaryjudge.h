#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>

#include <nlohmann/json.hpp>

namespace sextant::metrics {
class PrometheusClient;
struct Series;
} // namespace sextant::metrics

namespace sextant::analysis {

// The canary judge (docs/canary.md): Kayenta's NetflixACAJudge rules — per metric a
// Mann-Whitney comparison of canary against baseline plus an effect-size threshold, then a
// weighted score with critical-metric and no-data overrides, then a verdict.

enum class Direction { Increase, Decrease, Either };
enum class NanStrategy { Remove, Replace };
enum class Classification { Pass, High, Low, NoData, NoDataFailMetric, Error };
enum class Verdict { Pass, Marginal, Fail };

QString directionName(Direction d);
QString classificationName(Classification c);
QString verdictName(Verdict v);

struct CanaryMetric {
    QString name;
    QString description;
    // PromQL template: {{namespace}} and {{selector}} (the canary's or the baseline's label
    // matchers) are replaced before the query is sent.
    QString query;
    Direction direction = Direction::Either; // which change counts against the canary
    NanStrategy nanStrategy = NanStrategy::Remove;
    bool removeOutliers = false; // IQR rule: outside [Q1 − f·IQR, Q3 + f·IQR]
    double outlierFactor = 3.0;
    bool critical = false;     // failing it (or having no data for it) fails the canary
    bool mustHaveData = false; // no data counts as a failing metric (NoDataFailMetric)
    bool muted = false;        // measured and shown, never scored
    double weight = 1.0;
    // Mean-ratio effect size canary/baseline: a significant shift only fails the metric when
    // the ratio reaches allowedIncrease (or falls to allowedDecrease).
    double allowedIncrease = 1.0;
    double allowedDecrease = 1.0;
    // For critical metrics: the ratio beyond which a High/Low fails the whole canary;
    // 0 = the allowed bound.
    double criticalIncrease = 0;
    double criticalDecrease = 0;
    int minSamples = 0; // 0 = the set's default
};

struct CanaryThresholds {
    double pass = 95;
    double marginal = 75;
};

// A metric set: the built-in one (resources/canary-metrics.yaml) with per-application override
// files applied in order (see docs/canary.md for the format).
struct MetricSet {
    QStringList sources; // the files it was read from, in order
    CanaryThresholds thresholds;
    int minSamples = 20;
    double confidenceLevel = 0.98;
    QVector<CanaryMetric> metrics;

    // A complete set (the file must say `complete: true`).
    static Result<MetricSet> fromYaml(const QByteArray& yaml, const QString& sourceName);
    // The built-in set from the Qt resource :/sextant/canary-metrics.yaml.
    static Result<MetricSet> builtIn();
    // Applies an override file: thresholds and defaults it names, metrics merged by name
    // (fields given replace the existing ones; new names need a query). A file that says
    // `complete: true` replaces the whole set instead.
    Result<MetricSet> withOverrides(const QByteArray& yaml, const QString& sourceName) const;
    // The built-in set, then each file in order; the first file may itself be complete, so no
    // built-in set is needed then.
    static Result<MetricSet> load(const QStringList& files);

    const CanaryMetric* find(const QString& name) const;
};

// One side of a metric over time, for charts: at each timestamp the average of the finite values
// of every pooled series (a timestamp where no series has a finite value is left out).
struct TimeSeries {
    QVector<qint64> timesMs; // ascending
    QVector<double> values;
};

// What was measured for one metric. An error (the query failed) classifies as Error.
struct MetricSamples {
    QString name;
    QVector<double> canary;
    QVector<double> baseline;
    // The same answers as time series; the judge ignores them (charts only).
    TimeSeries canarySeries;
    TimeSeries baselineSeries;
    Error error;
    QStringList notes; // pooled series, server warnings
    QString canaryQuery;
    QString baselineQuery;
};

struct SampleSummary {
    int n = 0; // after NaN handling and outlier removal
    double median = 0;
    double mean = 0;
    int nonFinite = 0; // NaN/±Inf removed or replaced
    int outliers = 0;  // removed by the IQR rule
};

struct MetricResult {
    QString name;
    QString description;
    Classification classification = Classification::Error;
    Direction direction = Direction::Either;
    bool critical = false;
    bool criticalFailure = false; // this metric alone sets the score to 0
    bool muted = false;
    double weight = 1.0;
    double pValue = 0;     // NaN when no test was run
    double effectSize = 0; // mean ratio canary/baseline; NaN when undefined or no test
    double estimate = 0;   // Hodges-Lehmann shift canary − baseline
    double ciLower = 0;
    double ciUpper = 0;
    SampleSummary canary;
    SampleSummary baseline;
    QString method;
    QString reason; // in words: why this classification
    QString canaryQuery;
    QString baselineQuery;
    QStringList notes;
};

struct CanaryReport {
    Verdict verdict = Verdict::Fail;
    double score = 0;
    QString scoreReason; // how the score came about, overrides named
    CanaryThresholds thresholds;
    QVector<MetricResult> metrics;
    QStringList notes;
};

class CanaryJudge {
public:
    explicit CanaryJudge(MetricSet set);

    const MetricSet& metricSet() const { return m_set; }
    MetricResult classify(const CanaryMetric& metric, const MetricSamples& samples) const;
    // Every metric of the set, in the set's order; a metric without samples is an Error.
    CanaryReport judge(const QVector<MetricSamples>& samples) const;

private:
    MetricSet m_set;
};

nlohmann::ordered_json reportToJson(const CanaryReport& report);
QString reportToMarkdown(const CanaryReport& report, const QString& title = {});

// Where and when to measure.
struct CanaryTarget {
    QString ns;               // {{namespace}}
    QString baselineNs;       // {{namespace}} in the baseline's queries; empty = ns
    QString canarySelector;   // {{selector}} for the canary, e.g. pod=~"web-canary-.*"
    QString baselineSelector; // {{selector}} for the baseline
    QDateTime start;
    QDateTime end;
    qint64 stepMs = 30000;
    // Extra template variables ({{name}}), e.g. from the application.
    QHash<QString, QString> variables;
};

// Renders one metric's query for the canary (or the baseline).
Result<QString> renderMetricQuery(const CanaryMetric& metric, const CanaryTarget& target,
                                  bool canary);

// Averages every series of a query answer per timestamp (see TimeSeries).
TimeSeries averagedSeries(const QVector<metrics::Series>& series);

// Runs every unmuted metric's canary and baseline range queries and pools each answer's samples.
// Query failures become MetricSamples::error (they count against the canary), never a missing
// entry. `done` runs once, on the client's thread.
void collectCanarySamples(metrics::PrometheusClient& client, const MetricSet& set,
                          const CanaryTarget& target,
                          std::function<void(QVector<MetricSamples>)> done);

} // namespace sextant::analysis
