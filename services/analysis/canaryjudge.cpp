#include "canaryjudge.h"

#include "mannwhitney.h"
#include "metrics/prometheusclient.h"
#include "metrics/promql.h"

#include <QFile>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <optional>

#include <yaml-cpp/yaml.h>

namespace sextant::analysis {

using ordered_json = nlohmann::ordered_json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Metric-set YAML

struct SetError : std::runtime_error {
    int line;
    SetError(int l, const QString& what)
        : std::runtime_error(what.toStdString())
        , line(l) {}
};

[[noreturn]] void fail(const YAML::Node& at, const QString& what) {
    throw SetError(at && at.Mark().line >= 0 ? at.Mark().line + 1 : 0, what);
}

QString scalarText(const YAML::Node& n, const QString& key) {
    if (!n.IsScalar())
        fail(n, QStringLiteral("'%1' must be a single value").arg(key));
    return QString::fromStdString(n.Scalar()).trimmed();
}

double number(const YAML::Node& n, const QString& key, double min, double max) {
    bool ok = false;
    const double v = scalarText(n, key).toDouble(&ok);
    if (!ok || !(v >= min && v <= max))
        fail(n,
             QStringLiteral("'%1' must be a number between %2 and %3").arg(key).arg(min).arg(max));
    return v;
}

bool boolean(const YAML::Node& n, const QString& key) {
    const QString t = scalarText(n, key).toLower();
    if (t == QLatin1String("true") || t == QLatin1String("yes"))
        return true;
    if (t == QLatin1String("false") || t == QLatin1String("no"))
        return false;
    fail(n, QStringLiteral("'%1' must be true or false").arg(key));
}

// Applies the fields a metric entry names onto `m` (a new metric or the one it overrides).
void applyMetric(const YAML::Node& node, CanaryMetric& m) {
    static const QStringList known = {QStringLiteral("name"),
                                      QStringLiteral("description"),
                                      QStringLiteral("query"),
                                      QStringLiteral("direction"),
                                      QStringLiteral("nanStrategy"),
                                      QStringLiteral("outliers"),
                                      QStringLiteral("outlierFactor"),
                                      QStringLiteral("critical"),
                                      QStringLiteral("mustHaveData"),
                                      QStringLiteral("muted"),
                                      QStringLiteral("weight"),
                                      QStringLiteral("allowedIncrease"),
                                      QStringLiteral("allowedDecrease"),
                                      QStringLiteral("criticalIncrease"),
                                      QStringLiteral("criticalDecrease"),
                                      QStringLiteral("minSamples")};
    for (auto it = node.begin(); it != node.end(); ++it) {
        const QString key = QString::fromStdString(it->first.as<std::string>());
        const YAML::Node v = it->second;
        if (!known.contains(key))
            fail(it->first, QStringLiteral("metric '%1': unknown field '%2' (known: %3)")
                                .arg(m.name, key, known.join(QStringLiteral(", "))));
        if (key == QLatin1String("name"))
            continue;
        if (key == QLatin1String("description")) {
            m.description = scalarText(v, key);
        } else if (key == QLatin1String("query")) {
            m.query = scalarText(v, key);
        } else if (key == QLatin1String("direction")) {
            const QString d = scalarText(v, key);
            if (d == QLatin1String("increase"))
                m.direction = Direction::Increase;
            else if (d == QLatin1String("decrease"))
                m.direction = Direction::Decrease;
            else if (d == QLatin1String("either"))
                m.direction = Direction::Either;
            else
                fail(v, QStringLiteral("metric '%1': direction must be increase, decrease or "
                                       "either, not '%2'")
                            .arg(m.name, d));
        } else if (key == QLatin1String("nanStrategy")) {
            const QString s = scalarText(v, key);
            if (s == QLatin1String("remove"))
                m.nanStrategy = NanStrategy::Remove;
            else if (s == QLatin1String("replace"))
                m.nanStrategy = NanStrategy::Replace;
            else
                fail(v, QStringLiteral("metric '%1': nanStrategy must be remove or replace")
                            .arg(m.name));
        } else if (key == QLatin1String("outliers")) {
            const QString s = scalarText(v, key);
            if (s != QLatin1String("remove") && s != QLatin1String("keep"))
                fail(v, QStringLiteral("metric '%1': outliers must be remove or keep").arg(m.name));
            m.removeOutliers = s == QLatin1String("remove");
        } else if (key == QLatin1String("outlierFactor")) {
            m.outlierFactor = number(v, key, 0.1, 100);
        } else if (key == QLatin1String("critical")) {
            m.critical = boolean(v, key);
        } else if (key == QLatin1String("mustHaveData")) {
            m.mustHaveData = boolean(v, key);
        } else if (key == QLatin1String("muted")) {
            m.muted = boolean(v, key);
        } else if (key == QLatin1String("weight")) {
            m.weight = number(v, key, 0, 1e6);
        } else if (key == QLatin1String("allowedIncrease")) {
            m.allowedIncrease = number(v, key, 0, 1e9);
        } else if (key == QLatin1String("allowedDecrease")) {
            m.allowedDecrease = number(v, key, 0, 1e9);
        } else if (key == QLatin1String("criticalIncrease")) {
            m.criticalIncrease = number(v, key, 1e-9, 1e9);
        } else if (key == QLatin1String("criticalDecrease")) {
            m.criticalDecrease = number(v, key, 1e-9, 1e9);
        } else if (key == QLatin1String("minSamples")) {
            m.minSamples = int(number(v, key, 1, 1e7));
        }
    }
}

// Reads `root` onto `set`: a complete file starts from scratch, an override from `set`.
void applyFile(const YAML::Node& root, MetricSet& set, bool mustBeComplete) {
    if (!root.IsMap())
        fail(root, QStringLiteral("the top level must be a mapping with 'metrics'"));
    static const QStringList topKeys = {QStringLiteral("complete"), QStringLiteral("thresholds"),
                                        QStringLiteral("defaults"), QStringLiteral("metrics")};
    for (auto it = root.begin(); it != root.end(); ++it) {
        const QString key = QString::fromStdString(it->first.as<std::string>());
        if (!topKeys.contains(key))
            fail(it->first, QStringLiteral("unknown top-level field '%1' (known: %2)")
                                .arg(key, topKeys.join(QStringLiteral(", "))));
    }
    const bool complete = root["complete"] && boolean(root["complete"], QStringLiteral("complete"));
    if (mustBeComplete && !complete)
        fail(root, QStringLiteral("this is not a complete metric set (it lacks 'complete: true'); "
                                  "apply it as an override of the built-in set"));
    if (complete) {
        const QStringList sources = set.sources;
        set = MetricSet();
        set.sources = sources;
    }
    if (const YAML::Node t = root["thresholds"]) {
        if (!t.IsMap())
            fail(t, QStringLiteral("'thresholds' must be a mapping with pass and marginal"));
        if (t["pass"])
            set.thresholds.pass = number(t["pass"], QStringLiteral("pass"), 0, 100);
        if (t["marginal"])
            set.thresholds.marginal = number(t["marginal"], QStringLiteral("marginal"), 0, 100);
        if (set.thresholds.marginal > set.thresholds.pass)
            fail(t, QStringLiteral("the marginal threshold (%1) is above the pass threshold (%2)")
                        .arg(set.thresholds.marginal)
                        .arg(set.thresholds.pass));
    }
    if (const YAML::Node d = root["defaults"]) {
        if (!d.IsMap())
            fail(d, QStringLiteral("'defaults' must be a mapping"));
        for (auto it = d.begin(); it != d.end(); ++it) {
            const QString key = QString::fromStdString(it->first.as<std::string>());
            if (key == QLatin1String("minSamples"))
                set.minSamples = int(number(it->second, key, 1, 1e7));
            else if (key == QLatin1String("confidenceLevel"))
                set.confidenceLevel = number(it->second, key, 0.5, 0.9999);
            else
                fail(it->first, QStringLiteral("unknown default '%1' (known: minSamples, "
                                               "confidenceLevel)")
                                    .arg(key));
        }
    }
    const YAML::Node metrics = root["metrics"];
    if (complete && (!metrics || !metrics.IsSequence() || metrics.size() == 0))
        fail(root, QStringLiteral("a complete metric set needs a non-empty 'metrics' list"));
    if (metrics && !metrics.IsSequence())
        fail(metrics, QStringLiteral("'metrics' must be a list"));
    QStringList seen;
    for (const YAML::Node& n : metrics) {
        if (!n.IsMap() || !n["name"])
            fail(n, QStringLiteral("every metric needs a 'name'"));
        const QString name = scalarText(n["name"], QStringLiteral("name"));
        if (name.isEmpty())
            fail(n, QStringLiteral("a metric's name is empty"));
        if (seen.contains(name))
            fail(n, QStringLiteral("metric '%1' is listed twice in this file").arg(name));
        seen << name;
        auto existing = std::find_if(set.metrics.begin(), set.metrics.end(),
                                     [&](const CanaryMetric& m) { return m.name == name; });
        const bool isNew = existing == set.metrics.end();
        CanaryMetric m = isNew ? CanaryMetric() : *existing;
        m.name = name;
        applyMetric(n, m);
        if (m.query.isEmpty())
            fail(n, QStringLiteral("metric '%1' has no query").arg(name));
        if (!m.query.contains(QLatin1String("{{selector}}")) &&
            !m.query.contains(QLatin1String("{{ selector }}")))
            fail(n, QStringLiteral("metric '%1': the query has no {{selector}}, so canary and "
                                   "baseline would be measured by the same query")
                        .arg(name));
        if (isNew)
            set.metrics.push_back(m);
        else
            *existing = m;
    }
}

Result<MetricSet> readSet(const QByteArray& yaml, const QString& sourceName, MetricSet base,
                          bool mustBeComplete) {
    try {
        const YAML::Node root = YAML::Load(yaml.toStdString());
        base.sources << sourceName;
        applyFile(root, base, mustBeComplete);
        return base;
    } catch (const SetError& e) {
        return Error::make(Error::Kind::Config,
                           QStringLiteral("canary metric set %1 is invalid: %2")
                               .arg(sourceName, QString::fromStdString(e.what())),
                           QStringLiteral("%1:%2: %3")
                               .arg(sourceName)
                               .arg(e.line)
                               .arg(QString::fromStdString(e.what())));
    } catch (const YAML::Exception& e) {
        return Error::make(Error::Kind::Config,
                           QStringLiteral("canary metric set %1 is not valid YAML").arg(sourceName),
                           QStringLiteral("%1:%2: %3")
                               .arg(sourceName)
                               .arg(e.mark.line >= 0 ? e.mark.line + 1 : 0)
                               .arg(QString::fromStdString(e.msg)));
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics helpers

double mean(const QVector<double>& v) {
    if (v.isEmpty())
        return kNaN;
    return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

// R's type-7 quantile of sorted values.
double quantileSorted(const QVector<double>& s, double p) {
    if (s.isEmpty())
        return kNaN;
    const double h = (double(s.size()) - 1) * p;
    const auto lo = qsizetype(std::floor(h));
    const auto hi = std::min<qsizetype>(lo + 1, s.size() - 1);
    return s[lo] + (h - double(lo)) * (s[hi] - s[lo]);
}

double median(QVector<double> v) {
    std::sort(v.begin(), v.end());
    return quantileSorted(v, 0.5);
}

// NaN strategy, then the optional IQR outlier rule; fills the summary.
QVector<double> clean(const QVector<double>& raw, const CanaryMetric& m, SampleSummary* s) {
    QVector<double> out;
    out.reserve(raw.size());
    for (double v : raw) {
        if (std::isfinite(v)) {
            out.push_back(v);
        } else {
            ++s->nonFinite;
            if (m.nanStrategy == NanStrategy::Replace)
                out.push_back(0.0);
        }
    }
    if (m.removeOutliers && out.size() >= 4) {
        QVector<double> sorted = out;
        std::sort(sorted.begin(), sorted.end());
        const double q1 = quantileSorted(sorted, 0.25);
        const double q3 = quantileSorted(sorted, 0.75);
        const double iqr = q3 - q1;
        const double lo = q1 - m.outlierFactor * iqr;
        const double hi = q3 + m.outlierFactor * iqr;
        const qsizetype before = out.size();
        out.erase(
            std::remove_if(out.begin(), out.end(), [&](double v) { return v < lo || v > hi; }),
            out.end());
        s->outliers = int(before - out.size());
    }
    s->n = int(out.size());
    s->median = out.isEmpty() ? kNaN : median(out);
    s->mean = mean(out);
    return out;
}

QString fmt(double v) {
    if (std::isnan(v))
        return QStringLiteral("n/a");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("+Inf") : QStringLiteral("-Inf");
    return QString::number(v, 'g', 4);
}

QString pText(double p) {
    if (std::isnan(p))
        return QStringLiteral("n/a");
    if (p < 1e-4)
        return QStringLiteral("%1").arg(p, 0, 'e', 1);
    return QString::number(p, 'f', 4);
}

ordered_json num(double v) {
    if (!std::isfinite(v))
        return nullptr;
    return v;
}

std::string s(const QString& q) {
    return q.toStdString();
}

} // namespace

// ---------------------------------------------------------------------------------------------

QString directionName(Direction d) {
    switch (d) {
    case Direction::Increase:
        return QStringLiteral("increase");
    case Direction::Decrease:
        return QStringLiteral("decrease");
    case Direction::Either:
        break;
    }
    return QStringLiteral("either");
}

QString classificationName(Classification c) {
    switch (c) {
    case Classification::Pass:
        return QStringLiteral("Pass");
    case Classification::High:
        return QStringLiteral("High");
    case Classification::Low:
        return QStringLiteral("Low");
    case Classification::NoData:
        return QStringLiteral("NoData");
    case Classification::NoDataFailMetric:
        return QStringLiteral("NoDataFailMetric");
    case Classification::Error:
        break;
    }
    return QStringLiteral("Error");
}

QString verdictName(Verdict v) {
    switch (v) {
    case Verdict::Pass:
        return QStringLiteral("Pass");
    case Verdict::Marginal:
        return QStringLiteral("Marginal");
    case Verdict::Fail:
        break;
    }
    return QStringLiteral("Fail");
}

Result<MetricSet> MetricSet::fromYaml(const QByteArray& yaml, const QString& sourceName) {
    return readSet(yaml, sourceName, MetricSet(), true);
}

Result<MetricSet> MetricSet::withOverrides(const QByteArray& yaml,
                                           const QString& sourceName) const {
    return readSet(yaml, sourceName, *this, false);
}

Result<MetricSet> MetricSet::builtIn() {
    QFile f(QStringLiteral(":/sextant/canary-metrics.yaml"));
    if (!f.open(QIODevice::ReadOnly))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the built-in canary metric set is not part of this "
                                          "build — pass --metrics with a complete metric set "
                                          "(resources/canary-metrics.yaml)"),
                           QStringLiteral(":/sextant/canary-metrics.yaml is missing from the "
                                          "Qt resources (resources/CMakeLists.txt)"));
    return fromYaml(f.readAll(), QStringLiteral("canary-metrics.yaml (built in)"));
}

Result<MetricSet> MetricSet::load(const QStringList& files) {
    // Whether a file says `complete: true` (a YAML error is reported by the real read).
    const auto declaresComplete = [](const QByteArray& text) {
        try {
            const YAML::Node root = YAML::Load(text.toStdString());
            return root.IsMap() && root["complete"] && root["complete"].IsScalar() &&
                   root["complete"].as<bool>();
        } catch (const YAML::Exception&) {
            return false;
        }
    };
    std::optional<MetricSet> set;
    for (const QString& path : files) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return Error::make(Error::Kind::Io,
                               QStringLiteral("cannot read the metric set %1").arg(path),
                               f.errorString());
        const QByteArray text = f.readAll();
        if (!set && declaresComplete(text)) {
            Result<MetricSet> complete = fromYaml(text, path);
            if (!complete)
                return complete.error();
            set = std::move(complete).value();
            continue;
        }
        if (!set) {
            Result<MetricSet> base = builtIn();
            if (!base)
                return base.error();
            set = std::move(base).value();
        }
        Result<MetricSet> next = set->withOverrides(text, path);
        if (!next)
            return next.error();
        set = std::move(next).value();
    }
    if (!set)
        return builtIn();
    return std::move(*set);
}

const CanaryMetric* MetricSet::find(const QString& name) const {
    for (const CanaryMetric& m : metrics)
        if (m.name == name)
            return &m;
    return nullptr;
}

CanaryJudge::CanaryJudge(MetricSet set)
    : m_set(std::move(set)) {}

MetricResult CanaryJudge::classify(const CanaryMetric& m, const MetricSamples& samples) const {
    MetricResult r;
    r.name = m.name;
    r.description = m.description;
    r.direction = m.direction;
    r.critical = m.critical;
    r.muted = m.muted;
    r.weight = m.weight;
    r.pValue = r.effectSize = r.estimate = r.ciLower = r.ciUpper = kNaN;
    r.canary.median = r.canary.mean = r.baseline.median = r.baseline.mean = kNaN;
    r.canaryQuery = samples.canaryQuery;
    r.baselineQuery = samples.baselineQuery;
    r.notes = samples.notes;

    if (samples.error.isError()) {
        r.classification = Classification::Error;
        r.reason = QStringLiteral("the query failed, which counts against the canary: %1")
                       .arg(samples.error.shortMessage);
        r.criticalFailure = m.critical;
        return r;
    }

    const QVector<double> canary = clean(samples.canary, m, &r.canary);
    const QVector<double> baseline = clean(samples.baseline, m, &r.baseline);
    if (r.canary.nonFinite + r.baseline.nonFinite > 0)
        r.notes << QStringLiteral("%1 NaN/Inf samples %2 (canary %3, baseline %4)")
                       .arg(r.canary.nonFinite + r.baseline.nonFinite)
                       .arg(m.nanStrategy == NanStrategy::Remove ? QStringLiteral("removed")
                                                                 : QStringLiteral("replaced by 0"))
                       .arg(r.canary.nonFinite)
                       .arg(r.baseline.nonFinite);
    if (r.canary.outliers + r.baseline.outliers > 0)
        r.notes << QStringLiteral("%1 outliers removed (IQR × %2; canary %3, baseline %4)")
                       .arg(r.canary.outliers + r.baseline.outliers)
                       .arg(m.outlierFactor)
                       .arg(r.canary.outliers)
                       .arg(r.baseline.outliers);

    const auto noData = [&](const QString& why) {
        const bool fails = m.mustHaveData && !m.critical;
        r.classification = fails ? Classification::NoDataFailMetric : Classification::NoData;
        r.criticalFailure = m.critical;
        r.reason = why + (fails ? QStringLiteral("; the metric must have data, so it fails")
                          : m.critical
                              ? QStringLiteral("; a critical metric without data fails the canary")
                              : QStringLiteral("; not counted in the score"));
    };

    if (canary.isEmpty() || baseline.isEmpty()) {
        const QString who = canary.isEmpty() && baseline.isEmpty() ? QStringLiteral("canary or "
                                                                                    "baseline")
                            : canary.isEmpty()                     ? QStringLiteral("canary")
                                                                   : QStringLiteral("baseline");
        if (m.nanStrategy == NanStrategy::Replace) {
            r.classification = Classification::Pass;
            r.reason = QStringLiteral("no %1 data; with nanStrategy replace, missing data counts "
                                      "as zero and passes")
                           .arg(who);
            return r;
        }
        noData(canary.isEmpty() && baseline.isEmpty()
                   ? QStringLiteral("no data for canary or baseline")
                   : QStringLiteral("no %1 data (the query returned no samples)").arg(who));
        return r;
    }

    const int minSamples = m.minSamples > 0 ? m.minSamples : m_set.minSamples;
    if (canary.size() < minSamples || baseline.size() < minSamples) {
        noData(QStringLiteral("too few samples to judge: canary %1, baseline %2, at least %3 "
                              "each needed")
                   .arg(canary.size())
                   .arg(baseline.size())
                   .arg(minSamples));
        return r;
    }

    r.effectSize = r.canary.mean / r.baseline.mean; // NaN for 0/0, ±Inf for x/0

    QVector<double> sc = canary, sb = baseline;
    std::sort(sc.begin(), sc.end());
    std::sort(sb.begin(), sb.end());
    if (sc == sb) {
        r.classification = Classification::Pass;
        r.reason = QStringLiteral("canary and baseline samples are identical");
        return r;
    }
    if (sc.front() == sc.back() && sb.front() == sb.back() && sc.front() == sb.front()) {
        r.classification = Classification::Pass;
        r.reason = QStringLiteral("a single value in both samples");
        return r;
    }

    const MannWhitneyResult mw = mannWhitney(canary, baseline, m_set.confidenceLevel);
    r.pValue = mw.pValue;
    r.estimate = mw.estimate;
    r.ciLower = mw.ciLower;
    r.ciUpper = mw.ciUpper;
    r.method = mw.methodText();

    // Kayenta's tolerance band: the interval must clear a quarter of the estimated shift.
    const double band = 0.25 * std::fabs(mw.estimate);
    const bool significantlyHigher = mw.ciLower > band;
    const bool significantlyLower = mw.ciUpper < -band;
    const bool effectKnown = !std::isnan(r.effectSize);
    const QString level = QString::number(m_set.confidenceLevel * 100, 'g', 4);
    const QString stats =
        QStringLiteral("median %1 vs %2, mean ratio %3, shift %4 [%5, %6] at "
                       "%7 %, p = %8")
            .arg(fmt(r.canary.median), fmt(r.baseline.median), fmt(r.effectSize), fmt(mw.estimate),
                 fmt(mw.ciLower), fmt(mw.ciUpper), level, pText(mw.pValue));
    const bool watchIncrease = m.direction != Direction::Decrease;
    const bool watchDecrease = m.direction != Direction::Increase;

    if (significantlyHigher) {
        if (!watchIncrease) {
            r.classification = Classification::Pass;
            r.reason = QStringLiteral("the canary is higher than the baseline, but only "
                                      "decreases count for this metric (%1)")
                           .arg(stats);
        } else if (effectKnown && r.effectSize < m.allowedIncrease) {
            r.classification = Classification::Pass;
            r.reason = QStringLiteral("the canary is significantly higher, but within the allowed "
                                      "increase (mean ratio %1 < %2; %3)")
                           .arg(fmt(r.effectSize), fmt(m.allowedIncrease), stats);
        } else {
            r.classification = Classification::High;
            r.reason = QStringLiteral("the canary is significantly higher than the baseline (%1)")
                           .arg(stats);
            const double bound = m.criticalIncrease > 0 ? m.criticalIncrease : m.allowedIncrease;
            r.criticalFailure = m.critical && (!effectKnown || r.effectSize >= bound);
        }
    } else if (significantlyLower) {
        if (!watchDecrease) {
            r.classification = Classification::Pass;
            r.reason = QStringLiteral("the canary is lower than the baseline, but only increases "
                                      "count for this metric (%1)")
                           .arg(stats);
        } else if (effectKnown && r.effectSize > m.allowedDecrease) {
            r.classification = Classification::Pass;
            r.reason = QStringLiteral("the canary is significantly lower, but within the allowed "
                                      "decrease (mean ratio %1 > %2; %3)")
                           .arg(fmt(r.effectSize), fmt(m.allowedDecrease), stats);
        } else {
            r.classification = Classification::Low;
            r.reason = QStringLiteral("the canary is significantly lower than the baseline (%1)")
                           .arg(stats);
            const double bound = m.criticalDecrease > 0 ? m.criticalDecrease : m.allowedDecrease;
            r.criticalFailure = m.critical && (!effectKnown || r.effectSize <= bound);
        }
    } else if (mw.ciLower > 0 || mw.ciUpper < 0) {
        r.classification = Classification::Pass;
        r.reason = QStringLiteral("a small shift: the interval excludes zero but does not clear "
                                  "the tolerance band of 25 % of the shift (%1)")
                       .arg(stats);
    } else {
        r.classification = Classification::Pass;
        r.reason = QStringLiteral("no significant difference (%1)").arg(stats);
    }
    if (r.criticalFailure)
        r.reason += QStringLiteral("; critical metric beyond its critical bound");
    return r;
}

CanaryReport CanaryJudge::judge(const QVector<MetricSamples>& samples) const {
    CanaryReport report;
    report.thresholds = m_set.thresholds;
    double passWeight = 0, countedWeight = 0;
    int scored = 0, noData = 0, errors = 0;
    QStringList criticalNames;
    for (const CanaryMetric& m : m_set.metrics) {
        const auto it = std::find_if(samples.begin(), samples.end(),
                                     [&](const MetricSamples& s) { return s.name == m.name; });
        MetricSamples missing;
        if (it == samples.end()) {
            missing.name = m.name;
            missing.error =
                Error::make(Error::Kind::Protocol, QStringLiteral("the metric was not measured"));
        }
        MetricResult r = classify(m, it == samples.end() ? missing : *it);
        if (m.muted) {
            r.criticalFailure = false;
            r.reason += QStringLiteral(" (muted: not scored)");
            report.metrics.push_back(r);
            continue;
        }
        ++scored;
        switch (r.classification) {
        case Classification::Pass:
            passWeight += m.weight;
            countedWeight += m.weight;
            break;
        case Classification::High:
        case Classification::Low:
        case Classification::NoDataFailMetric:
            countedWeight += m.weight;
            break;
        case Classification::Error:
            countedWeight += m.weight;
            ++errors;
            break;
        case Classification::NoData:
            break;
        }
        if (r.classification == Classification::NoData ||
            r.classification == Classification::NoDataFailMetric)
            ++noData;
        if (r.criticalFailure)
            criticalNames << QStringLiteral("%1 (%2)").arg(r.name,
                                                           classificationName(r.classification));
        report.metrics.push_back(r);
    }

    if (scored == 0) {
        report.score = 0;
        report.scoreReason = QStringLiteral("no metric to score (every metric is muted)");
    } else if (!criticalNames.isEmpty()) {
        report.score = 0;
        report.scoreReason = QStringLiteral("score 0: critical metric %1 did not pass")
                                 .arg(criticalNames.join(QStringLiteral(", ")));
    } else if (2 * noData >= scored) {
        report.score = 0;
        report.scoreReason = QStringLiteral("score 0: %1 of %2 metrics have no data (50 % or "
                                            "more)")
                                 .arg(noData)
                                 .arg(scored);
    } else if (countedWeight <= 0) {
        report.score = 0;
        report.scoreReason = QStringLiteral("score 0: no metric could be counted");
    } else {
        report.score = std::round(passWeight / countedWeight * 100.0 * 100.0) / 100.0;
        report.scoreReason = QStringLiteral("%1 of %2 weight passed (NoData metrics are not "
                                            "counted; errors and NoDataFailMetric count as "
                                            "failing)")
                                 .arg(passWeight)
                                 .arg(countedWeight);
    }
    if (report.score >= m_set.thresholds.pass)
        report.verdict = Verdict::Pass;
    else if (report.score >= m_set.thresholds.marginal)
        report.verdict = Verdict::Marginal;
    else
        report.verdict = Verdict::Fail;

    QStringList failing;
    for (const MetricResult& r : report.metrics)
        if (!r.muted && r.classification != Classification::Pass &&
            r.classification != Classification::NoData)
            failing << QStringLiteral("%1 %2").arg(r.name, classificationName(r.classification));
    if (!failing.isEmpty())
        report.notes << QStringLiteral("failing: %1").arg(failing.join(QStringLiteral(", ")));
    if (errors > 0)
        report.notes << QStringLiteral("%1 metric queries failed; each counts as a failing "
                                       "metric")
                            .arg(errors);
    report.notes << QStringLiteral("metric set: %1").arg(m_set.sources.join(QStringLiteral(", ")));
    return report;
}

ordered_json reportToJson(const CanaryReport& report) {
    ordered_json metrics = ordered_json::array();
    const auto summary = [](const SampleSummary& ss) {
        return ordered_json{{"n", ss.n}, {"median", num(ss.median)}, {"mean", num(ss.mean)}};
    };
    for (const MetricResult& r : report.metrics) {
        ordered_json m = {{"name", s(r.name)},
                          {"classification", s(classificationName(r.classification))},
                          {"critical", r.critical},
                          {"criticalFailure", r.criticalFailure},
                          {"muted", r.muted},
                          {"weight", r.weight},
                          {"direction", s(directionName(r.direction))},
                          {"pValue", num(r.pValue)},
                          {"effectSize", num(r.effectSize)},
                          {"estimate", num(r.estimate)},
                          {"confidenceInterval", {num(r.ciLower), num(r.ciUpper)}},
                          {"canary", summary(r.canary)},
                          {"baseline", summary(r.baseline)},
                          {"reason", s(r.reason)}};
        if (!r.method.isEmpty())
            m["method"] = s(r.method);
        ordered_json notes = ordered_json::array();
        for (const QString& n : r.notes)
            notes.push_back(s(n));
        m["notes"] = notes;
        m["queries"] = {{"canary", s(r.canaryQuery)}, {"baseline", s(r.baselineQuery)}};
        metrics.push_back(std::move(m));
    }
    ordered_json notes = ordered_json::array();
    for (const QString& n : report.notes)
        notes.push_back(s(n));
    return ordered_json{
        {"verdict", s(verdictName(report.verdict))},
        {"score", report.score},
        {"scoreReason", s(report.scoreReason)},
        {"thresholds",
         {{"pass", report.thresholds.pass}, {"marginal", report.thresholds.marginal}}},
        {"metrics", metrics},
        {"notes", notes}};
}

QString reportToMarkdown(const CanaryReport& report, const QString& title) {
    QString out;
    out += QStringLiteral("## %1: %2 (score %3)\n\n")
               .arg(title.isEmpty() ? QStringLiteral("Canary verdict") : title,
                    verdictName(report.verdict), QString::number(report.score, 'f', 2));
    out += QStringLiteral("Pass at %1, marginal at %2. %3.\n\n")
               .arg(report.thresholds.pass)
               .arg(report.thresholds.marginal)
               .arg(report.scoreReason);
    out += QStringLiteral("| Metric | Result | p-value | Mean ratio | Canary n / median | "
                          "Baseline n / median |\n|---|---|---|---|---|---|\n");
    for (const MetricResult& r : report.metrics) {
        QString name = r.name;
        if (r.critical)
            name += QStringLiteral(" (critical)");
        if (r.muted)
            name += QStringLiteral(" (muted)");
        out += QStringLiteral("| %1 | %2 | %3 | %4 | %5 / %6 | %7 / %8 |\n")
                   .arg(name, classificationName(r.classification), pText(r.pValue),
                        fmt(r.effectSize), QString::number(r.canary.n), fmt(r.canary.median),
                        QString::number(r.baseline.n), fmt(r.baseline.median));
    }
    out += QLatin1Char('\n');
    for (const MetricResult& r : report.metrics) {
        out += QStringLiteral("- **%1** — %2: %3\n")
                   .arg(r.name, classificationName(r.classification), r.reason);
        for (const QString& n : r.notes)
            out += QStringLiteral("  - %1\n").arg(n);
    }
    if (!report.notes.isEmpty()) {
        out += QStringLiteral("\nNotes:\n");
        for (const QString& n : report.notes)
            out += QStringLiteral("- %1\n").arg(n);
    }
    return out;
}

Result<QString> renderMetricQuery(const CanaryMetric& metric, const CanaryTarget& target,
                                  bool canary) {
    QHash<QString, QString> vars = target.variables;
    vars.insert(QStringLiteral("namespace"),
                canary || target.baselineNs.isEmpty() ? target.ns : target.baselineNs);
    vars.insert(QStringLiteral("selector"),
                canary ? target.canarySelector : target.baselineSelector);
    Result<QString> q = metrics::renderTemplate(metric.query, vars);
    if (!q) {
        Error e = q.error();
        e.shortMessage = QStringLiteral("metric '%1': %2").arg(metric.name, e.shortMessage);
        return e;
    }
    return q;
}

TimeSeries averagedSeries(const QVector<metrics::Series>& series) {
    // Range answers share the step grid, so timestamps line up exactly across series.
    std::map<qint64, std::pair<double, int>> sums;
    for (const metrics::Series& s : series)
        for (const metrics::Sample& sample : s.samples) {
            auto& [sum, n] = sums[qint64(std::llround(sample.time * 1000.0))];
            if (std::isfinite(sample.value)) {
                sum += sample.value;
                ++n;
            }
        }
    TimeSeries out;
    for (const auto& [t, sn] : sums) {
        if (sn.second == 0)
            continue;
        out.timesMs.push_back(t);
        out.values.push_back(sn.first / sn.second);
    }
    return out;
}

void collectCanarySamples(metrics::PrometheusClient& client, const MetricSet& set,
                          const CanaryTarget& target,
                          std::function<void(QVector<MetricSamples>)> done) {
    struct State {
        QVector<MetricSamples> samples;
        int pending = 0;
        std::function<void(QVector<MetricSamples>)> done;
    };
    auto state = std::make_shared<State>();
    state->done = std::move(done);
    const auto finishOne = [state] {
        if (--state->pending == 0)
            state->done(std::move(state->samples));
    };

    // Every slot exists before any request is sent: callbacks only fill them.
    for (const CanaryMetric& m : set.metrics) {
        MetricSamples ms;
        ms.name = m.name;
        state->samples.push_back(ms);
    }
    ++state->pending; // held until every request was started
    for (qsizetype i = 0; i < set.metrics.size(); ++i) {
        const CanaryMetric& m = set.metrics[i];
        MetricSamples& slot = state->samples[i];
        if (m.muted)
            slot.notes << QStringLiteral("muted: still measured");
        for (const bool canary : {true, false}) {
            Result<QString> query = renderMetricQuery(m, target, canary);
            if (!query) {
                slot.error = query.error();
                break;
            }
            (canary ? slot.canaryQuery : slot.baselineQuery) = *query;
        }
        if (slot.error.isError())
            continue;
        for (const bool canary : {true, false}) {
            ++state->pending;
            const QString expr = canary ? slot.canaryQuery : slot.baselineQuery;
            client.queryRange(
                expr, target.start, target.end, target.stepMs,
                [state, i, canary, finishOne](Result<metrics::QueryResult> result) {
                    MetricSamples& out = state->samples[i];
                    const QString who =
                        canary ? QStringLiteral("canary") : QStringLiteral("baseline");
                    if (!result) {
                        if (!out.error.isError()) {
                            out.error = result.error();
                            out.error.shortMessage =
                                QStringLiteral("%1 query: %2").arg(who, out.error.shortMessage);
                        }
                        return finishOne();
                    }
                    QVector<double>& values = canary ? out.canary : out.baseline;
                    for (const metrics::Series& series : result->series)
                        for (const metrics::Sample& sample : series.samples)
                            values.push_back(sample.value);
                    (canary ? out.canarySeries : out.baselineSeries) =
                        averagedSeries(result->series);
                    if (result->series.size() > 1)
                        out.notes << QStringLiteral("%1: %2 series pooled into one sample")
                                         .arg(who)
                                         .arg(result->series.size());
                    for (const QString& w : result->warnings)
                        out.notes << QStringLiteral("%1: Prometheus warning: %2").arg(who, w);
                    finishOne();
                });
        }
    }
    finishOne();
}

} // namespace sextant::analysis
