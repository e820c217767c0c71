#include "release/releasereview.h"

#include "argocd/client.h"
#include "metrics/prometheusclient.h"
#include "metrics/promql.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QSet>
#include <QtConcurrent>

#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>

namespace sextant::release {

using ordered_json = nlohmann::ordered_json;

namespace {

int severity(Recommendation r) {
    switch (r) {
    case Recommendation::Proceed:
        return 0;
    case Recommendation::Wait:
        return 1;
    case Recommendation::Halt:
        return 2;
    case Recommendation::RollBack:
        return 3;
    }
    return 1;
}

// Escapes a value for a PromQL double-quoted string.
QString escapeString(const QString& v) {
    QString out;
    out.reserve(v.size());
    for (const QChar c : v) {
        if (c == QLatin1Char('\\') || c == QLatin1Char('"'))
            out += QLatin1Char('\\');
        if (c == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else
            out += c;
    }
    return out;
}

// "storefront-stage-eu-1" on stage-eu-1 -> "storefront": the name people use in a sentence.
QString shortAppName(const ReleaseCell& cell) {
    const QString& cluster = cell.cluster;
    QString n = cell.app.name;
    if (!cluster.isEmpty() && n.size() > cluster.size() + 1) {
        if (n.endsWith(QLatin1Char('-') + cluster))
            n.chop(cluster.size() + 1);
        else if (n.startsWith(cluster + QLatin1Char('-')))
            n = n.mid(cluster.size() + 1);
    }
    return n;
}

QString minutesText(qint64 minutes) {
    return minutes == 1 ? QStringLiteral("1 minute") : QStringLiteral("%1 minutes").arg(minutes);
}

QString shortRev(const QString& rev) {
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{40}$"));
    return sha.match(rev).hasMatch() ? rev.left(7) : rev;
}

// A metric's mean as people read it: shares in percent, latencies in ms or s, memory in MiB.
QString figure(const analysis::MetricResult& r, double v) {
    if (!std::isfinite(v))
        return QStringLiteral("n/a");
    const QString name = r.name.toLower();
    if (name.contains(QLatin1String("error-rate")) || name.contains(QLatin1String("ratio")) ||
        r.description.startsWith(QLatin1String("share")))
        return QStringLiteral("%1 %").arg(QString::number(v * 100, 'f', v * 100 < 1 ? 2 : 1));
    if (name.contains(QLatin1String("latency")))
        return v < 1 ? QStringLiteral("%1 ms").arg(QString::number(v * 1000, 'f', 0))
                     : QStringLiteral("%1 s").arg(QString::number(v, 'f', 2));
    if (name.contains(QLatin1String("memory")))
        return QStringLiteral("%1 MiB").arg(QString::number(v / 1048576.0, 'f', 0));
    return QString::number(v, 'g', 3);
}

QString pPhrase(double p) {
    if (!std::isfinite(p))
        return QStringLiteral("no test");
    if (p < 0.001)
        return QStringLiteral("p < 0.001");
    return QStringLiteral("p = %1").arg(QString::number(p, 'f', 3));
}

QString metricEvidence(const analysis::MetricResult& r) {
    return QStringLiteral("%1 vs %2 (%3)")
        .arg(figure(r, r.canary.mean), figure(r, r.baseline.mean), pPhrase(r.pValue));
}

bool isNoData(analysis::Classification c) {
    return c == analysis::Classification::NoData || c == analysis::Classification::NoDataFailMetric;
}

// The words of a step: "stage" from `env In (stage)`, else its expressions.
QString stepWords(const RollingStep& s) {
    QStringList values;
    if (s.matchExpressions.is_array())
        for (const auto& e : s.matchExpressions)
            if (e.is_object() && e.value("operator", std::string()) == "In")
                if (const auto it = e.find("values"); it != e.end() && it->is_array())
                    for (const auto& v : *it)
                        if (v.is_string())
                            values << QString::fromStdString(v.get<std::string>());
    return values.isEmpty() ? s.description : values.join(QStringLiteral(", "));
}

// The per-canary decision (docs/release-review.md, "Recommendation rules").
void decide(const ReleaseMatrix& m, CanaryReview& c) {
    const argocd::AppSummary& app = m.cells[c.cell].app;
    const QString who = shortAppName(m.cells[c.cell]);
    if (app.syncFailed()) {
        c.recommendation = Recommendation::RollBack;
        c.reason = QStringLiteral("%1: the sync of the release %2")
                       .arg(who, app.operationPhase == argocd::OperationPhase::Error
                                     ? QStringLiteral("ended in an error")
                                     : QStringLiteral("failed"));
        if (!app.healthMessage.isEmpty())
            c.reason += QStringLiteral(" (%1)").arg(app.healthMessage);
        return;
    }
    if (app.health == argocd::HealthStatus::Degraded) {
        c.recommendation = Recommendation::RollBack;
        c.reason = QStringLiteral("%1 is Degraded on the release").arg(who);
        if (!app.healthMessage.isEmpty())
            c.reason += QStringLiteral(": ") + app.healthMessage;
        return;
    }
    if (!c.judged) {
        c.recommendation = Recommendation::Wait;
        c.reason = QStringLiteral("%1 not judged: %2").arg(who, c.notJudgedReason);
        return;
    }
    const analysis::CanaryReport& r = c.report;
    const QString score = QString::number(r.score, 'f', r.score == std::floor(r.score) ? 0 : 1);
    if (r.verdict == analysis::Verdict::Pass) {
        c.recommendation = Recommendation::Proceed;
        c.reason = QStringLiteral("%1 passes (score %2)").arg(who, score);
        return;
    }
    QStringList failing, noData, criticalNoData;
    int scored = 0;
    for (const analysis::MetricResult& mr : r.metrics) {
        if (mr.muted)
            continue;
        ++scored;
        if (isNoData(mr.classification)) {
            noData << mr.name;
            if (mr.critical)
                criticalNoData << mr.name;
        } else if (mr.classification == analysis::Classification::Error) {
            failing << QStringLiteral("%1 (query failed: %2)").arg(mr.name, mr.reason);
        } else if (mr.classification != analysis::Classification::Pass) {
            failing << QStringLiteral("%1 (%2: %3)")
                           .arg(mr.name, analysis::classificationName(mr.classification),
                                metricEvidence(mr));
        }
    }
    if (r.verdict == analysis::Verdict::Marginal) {
        c.recommendation = Recommendation::Halt;
        c.reason = QStringLiteral("%1 is marginal (score %2)").arg(who, score);
        if (!failing.isEmpty())
            c.reason += QStringLiteral(": failing %1").arg(failing.join(QStringLiteral(", ")));
        return;
    }
    // Fail.
    for (const analysis::MetricResult& mr : r.metrics)
        if (!mr.muted && mr.criticalFailure &&
            (mr.classification == analysis::Classification::High ||
             mr.classification == analysis::Classification::Low)) {
            c.recommendation = Recommendation::RollBack;
            c.reason =
                QStringLiteral("%1 fails %2 (critical) — %3").arg(who, mr.name, metricEvidence(mr));
            return;
        }
    c.recommendation = Recommendation::Halt;
    if (!criticalNoData.isEmpty() || (scored > 0 && 2 * noData.size() >= scored)) {
        c.reason = QStringLiteral("not enough data for %1: %2 of %3 metrics have no data (%4)")
                       .arg(who)
                       .arg(noData.size())
                       .arg(scored)
                       .arg(noData.join(QStringLiteral(", ")));
        if (!criticalNoData.isEmpty())
            c.reason += QStringLiteral("; critical: %1").arg(criticalNoData.join(", "));
        return;
    }
    c.reason = QStringLiteral("%1 fails (score %2)").arg(who, score);
    if (!failing.isEmpty())
        c.reason += QStringLiteral(": ") + failing.join(QStringLiteral(", "));
}

struct Stage {
    int index = 0;
    QString label; // "step 2 (stage)"
    QString description;
    QVector<int> cells;
};

} // namespace

QString promRegexAlternation(const QStringList& names) {
    // RE2 metacharacters get a backslash; inside the PromQL string that backslash is itself
    // written as "\\".
    static const QString meta = QStringLiteral(".^$*+?()[]{}|\\");
    QStringList parts;
    for (const QString& n : names) {
        QString e;
        for (const QChar c : n) {
            if (meta.contains(c))
                e += QStringLiteral("\\\\");
            if (c == QLatin1Char('"'))
                e += QStringLiteral("\\\"");
            else
                e += c;
        }
        parts << e;
    }
    return parts.join(QLatin1Char('|'));
}

Result<QString> renderSelector(const QString& templ, const QHash<QString, QString>& vars) {
    QHash<QString, QString> rendered;
    for (auto it = vars.begin(); it != vars.end(); ++it)
        rendered.insert(it.key(), it.key() == QLatin1String("clusters")
                                      ? promRegexAlternation(
                                            it.value().split(QLatin1Char('\n'), Qt::SkipEmptyParts))
                                      : escapeString(it.value()));
    return metrics::renderTemplate(templ, rendered);
}

Status ReviewOptions::validate() const {
    if (minWindowMinutes < 1 || maxWindowMinutes < minWindowMinutes)
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the canary window must be at least 1 minute and the "
                                          "longest window no shorter than the shortest (%1 / %2 "
                                          "minutes)")
                               .arg(minWindowMinutes)
                               .arg(maxWindowMinutes));
    if (stepMs < 1000)
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the query step must be at least one second"));
    if (qint64(maxWindowMinutes) * 60000 / stepMs > metrics::PrometheusClient::kMaxResolution)
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("a %1-minute window at a %2 step exceeds Prometheus's "
                           "%3 points per series; use a step of at least %4")
                .arg(maxWindowMinutes)
                .arg(metrics::formatDurationMs(stepMs))
                .arg(metrics::PrometheusClient::kMaxResolution)
                .arg(metrics::formatDurationMs(
                    (qint64(maxWindowMinutes) * 60 / metrics::PrometheusClient::kMaxResolution +
                     1) *
                    1000)));
    const QHash<QString, QString> sample = {
        {QStringLiteral("cluster"), QStringLiteral("c-1")},
        {QStringLiteral("clusters"), QStringLiteral("c-2\nc-3")},
        {QStringLiteral("app"), QStringLiteral("app")},
        {QStringLiteral("namespace"), QStringLiteral("ns")},
        {QStringLiteral("env"), QStringLiteral("prod")}};
    QString rendered[2];
    for (int i = 0; i < 2; ++i) {
        const QString& templ = i == 0 ? canarySelector : baselineSelector;
        const QString what = i == 0 ? QStringLiteral("canary") : QStringLiteral("baseline");
        Result<QString> r = renderSelector(templ, sample);
        if (!r)
            return Error::make(
                Error::Kind::Config,
                QStringLiteral("the %1 selector: %2").arg(what, r.error().shortMessage),
                QStringLiteral("variables: {{cluster}}, {{clusters}}, {{app}}, "
                               "{{namespace}}, {{env}}"));
        if (const Status s = metrics::validateMatchers(*r); !s)
            return Error::make(
                Error::Kind::Config,
                QStringLiteral("the %1 selector: %2").arg(what, s.error().shortMessage),
                s.error().details);
        rendered[i] = *r;
    }
    if (rendered[0] == rendered[1])
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the canary and the baseline selectors select the same "
                                          "series"));
    return okStatus();
}

QVector<CanaryReview> planCanaries(const ReleaseMatrix& matrix, const ReviewOptions& options) {
    const QDateTime now =
        options.now.isValid() ? options.now.toUTC() : QDateTime::currentDateTimeUtc();
    QVector<CanaryReview> out;
    for (const ReleaseRow& row : matrix.rows) {
        QVector<int> cells;
        for (int i : row.cells)
            if (i >= 0)
                cells << i;
        // A cell took the release when it is Synced to it, or when its sync of it failed.
        const auto tookRelease = [&](const ReleaseCell& c) {
            return c.onReleaseRevision || (c.app.syncFailed() && !row.releaseRevision.isEmpty() &&
                                           c.app.syncRevision == row.releaseRevision);
        };
        const auto unhealthy = [](const ReleaseCell& c) {
            return c.app.syncFailed() || c.app.health == argocd::HealthStatus::Degraded;
        };
        const bool rolloutOpen = std::any_of(cells.begin(), cells.end(),
                                             [&](int i) { return !tookRelease(matrix.cells[i]); });
        // Baseline: cells still on the previous revision (or, when the previous revision is
        // unknown because they are OutOfSync, any cell not on the release), neither Missing nor
        // mid-sync nor failed.
        const auto eligible = [&](int i) {
            const ReleaseCell& c = matrix.cells[i];
            if (c.onReleaseRevision || c.app.health == argocd::HealthStatus::Missing ||
                c.app.syncFailed() || c.app.operationPhase == argocd::OperationPhase::Running)
                return false;
            if (!row.previousRevision.isEmpty())
                return c.app.sync == argocd::SyncStatus::Synced &&
                       c.app.syncRevision == row.previousRevision;
            return true;
        };
        for (int i : cells) {
            const ReleaseCell& cell = matrix.cells[i];
            if (!tookRelease(cell))
                continue;
            // Every cell runs the release: nothing is left to compare with, but an unhealthy
            // one still counts against the release.
            if (!rolloutOpen && !unhealthy(cell))
                continue;
            CanaryReview c;
            c.cell = i;
            c.app = cell.app.name;
            c.cluster = cell.cluster;
            c.environment = cell.environment;
            c.step = cell.step;
            // Same-environment baselines compare like with like; other environments otherwise.
            QVector<int> base, sameEnv;
            for (int j : cells)
                if (eligible(j)) {
                    base << j;
                    if (!cell.environment.isEmpty() &&
                        matrix.cells[j].environment == cell.environment)
                        sameEnv << j;
                }
            if (!sameEnv.isEmpty())
                base = sameEnv;
            // The metric queries name one namespace per side: the baseline keeps the cells of
            // its most common one (the canary's when that is among them).
            QHash<QString, int> namespaces;
            for (int j : base)
                ++namespaces[matrix.cells[j].app.destNamespace];
            QString baselineNamespace = cell.app.destNamespace;
            if (!namespaces.contains(baselineNamespace))
                for (auto it = namespaces.begin(); it != namespaces.end(); ++it)
                    if (!namespaces.contains(baselineNamespace) ||
                        it.value() > namespaces[baselineNamespace] ||
                        (it.value() == namespaces[baselineNamespace] &&
                         it.key() < baselineNamespace))
                        baselineNamespace = it.key();
            for (int j : base) {
                if (matrix.cells[j].app.destNamespace != baselineNamespace)
                    continue;
                if (!c.baselineClusters.contains(matrix.cells[j].cluster))
                    c.baselineClusters << matrix.cells[j].cluster;
            }
            c.target.baselineNs = baselineNamespace;
            c.syncedAt = cell.app.operationFinishedAt.isValid() ? cell.app.operationFinishedAt
                                                                : cell.app.operationStartedAt;
            c.target.ns = cell.app.destNamespace;
            c.target.stepMs = options.stepMs;
            c.target.end = now;
            if (!rolloutOpen) {
                c.notJudgedReason = QStringLiteral("no baseline: every cluster of this component "
                                                   "runs the release");
            } else if (c.baselineClusters.isEmpty()) {
                QStringList others;
                for (int j : cells)
                    if (j != i && !tookRelease(matrix.cells[j]))
                        others << matrix.cells[j].cluster;
                c.notJudgedReason =
                    others.isEmpty()
                        ? QStringLiteral("no baseline: no other cluster runs this component")
                        : QStringLiteral("no baseline: no other cluster runs the previous "
                                         "revision cleanly (%1: Missing, syncing or failed)")
                              .arg(others.join(QStringLiteral(", ")));
            } else if (!c.syncedAt.isValid()) {
                c.notJudgedReason = QStringLiteral("the time of the release's sync is unknown, so "
                                                   "there is no window to measure");
            } else {
                const qint64 ago = std::max<qint64>(0, c.syncedAt.secsTo(now) / 60);
                if (c.syncedAt.secsTo(now) < qint64(options.minWindowMinutes) * 60) {
                    c.notJudgedReason = QStringLiteral("too early: synced %1 ago, %2 needed")
                                            .arg(minutesText(ago))
                                            .arg(options.minWindowMinutes);
                } else {
                    c.target.start = std::max(c.syncedAt.toUTC(),
                                              now.addSecs(-qint64(options.maxWindowMinutes) * 60));
                    c.judged = true; // provisionally: needs Prometheus and selectors
                }
            }
            // Selectors and variables (also for unjudged canaries: the report shows them).
            QHash<QString, QString> canaryVars = {
                {QStringLiteral("cluster"), cell.cluster},
                {QStringLiteral("clusters"), cell.cluster},
                {QStringLiteral("app"), cell.app.name},
                {QStringLiteral("namespace"), cell.app.destNamespace},
                {QStringLiteral("env"), cell.environment}};
            QHash<QString, QString> baseVars = canaryVars;
            baseVars[QStringLiteral("cluster")] = c.baselineClusters.value(0);
            baseVars[QStringLiteral("clusters")] = c.baselineClusters.join(QLatin1Char('\n'));
            baseVars[QStringLiteral("namespace")] = baselineNamespace;
            const Result<QString> cs = renderSelector(options.canarySelector, canaryVars);
            const Result<QString> bs = renderSelector(options.baselineSelector, baseVars);
            if (cs && bs) {
                c.target.canarySelector = *cs;
                c.target.baselineSelector = *bs;
            } else if (c.judged) {
                c.judged = false;
                c.notJudgedReason = QStringLiteral("the selector cannot be rendered: %1")
                                        .arg((cs ? bs.error() : cs.error()).shortMessage);
            }
            for (const auto& k :
                 {QStringLiteral("cluster"), QStringLiteral("app"), QStringLiteral("env")})
                c.target.variables.insert(k, canaryVars.value(k));
            out.push_back(c);
        }
    }
    return out;
}

ReleaseReview recommend(ReleaseMatrix matrix, QVector<CanaryReview> canaries) {
    ReleaseReview review;
    review.matrix = std::move(matrix);
    review.canaries = std::move(canaries);
    const ReleaseMatrix& m = review.matrix;
    for (CanaryReview& c : review.canaries)
        if (c.cell >= 0 && c.cell < m.cells.size())
            decide(m, c);

    // Clusters: the worst of their canaries.
    QStringList clusterOrder;
    for (const ReleaseColumn& col : m.columns)
        clusterOrder << col.cluster;
    for (const QString& cluster : clusterOrder) {
        ClusterReview cr;
        cr.cluster = cluster;
        int worst = -1;
        for (int i = 0; i < review.canaries.size(); ++i) {
            const CanaryReview& c = review.canaries[i];
            if (c.cluster != cluster)
                continue;
            cr.canaries << i;
            cr.environment = c.environment;
            cr.step = cr.step == 0 ? c.step : std::min(cr.step, c.step > 0 ? c.step : cr.step);
            if (worst < 0 ||
                severity(c.recommendation) > severity(review.canaries[worst].recommendation))
                worst = i;
        }
        if (worst < 0)
            continue;
        cr.recommendation = review.canaries[worst].recommendation;
        cr.reason = review.canaries[worst].reason;
        review.clusters.push_back(cr);
    }

    // Stages: the RollingSync steps, else the environments in promotion order.
    QVector<Stage> stages;
    if (m.rollingSync) {
        for (const RollingStep& s : m.steps) {
            Stage st;
            st.index = s.index;
            st.description = s.description;
            st.label = QStringLiteral("step %1 (%2)").arg(s.index).arg(stepWords(s));
            for (int i = 0; i < m.cells.size(); ++i)
                if (m.cells[i].step == s.index)
                    st.cells << i;
            stages.push_back(st);
        }
        Stage outside;
        outside.index = 0;
        outside.label = QStringLiteral("applications outside every step");
        outside.description = QStringLiteral("matched by no step: RollingSync never syncs them");
        for (int i = 0; i < m.cells.size(); ++i)
            if (m.cells[i].step <= 0)
                outside.cells << i;
        if (!outside.cells.isEmpty())
            stages.push_back(outside);
    } else {
        QStringList envs;
        for (const ReleaseColumn& col : m.columns)
            if (!envs.contains(col.environment))
                envs << col.environment;
        std::stable_sort(envs.begin(), envs.end(), [](const QString& a, const QString& b) {
            return environmentRank(a) < environmentRank(b);
        });
        for (const QString& env : envs) {
            Stage st;
            st.index = int(stages.size()) + 1;
            const QString words = env.isEmpty() ? QStringLiteral("no environment") : env;
            st.description = QStringLiteral("environment %1").arg(words);
            st.label = QStringLiteral("step %1 (%2)").arg(st.index).arg(words);
            for (int i = 0; i < m.cells.size(); ++i)
                if (m.cells[i].environment == env)
                    st.cells << i;
            stages.push_back(st);
        }
    }

    QVector<bool> started;
    for (const Stage& st : stages) {
        StepReview sr;
        sr.step = st.index;
        sr.description = st.description;
        bool anyOnRelease = false, allDone = !st.cells.isEmpty();
        int least = INT_MAX;
        QStringList notDone;
        for (const ReleaseColumn& col : m.columns)
            if (std::any_of(st.cells.begin(), st.cells.end(),
                            [&](int i) { return m.cells[i].cluster == col.cluster; }))
                sr.clusters << col.cluster;
        for (int i : st.cells) {
            const ReleaseCell& c = m.cells[i];
            anyOnRelease = anyOnRelease || c.onReleaseRevision ||
                           std::any_of(review.canaries.begin(), review.canaries.end(),
                                       [&](const CanaryReview& cr) { return cr.cell == i; });
            const bool done = c.stepStatus == StepStatus::Healthy ||
                              (c.stepStatus == StepStatus::None && c.onReleaseRevision &&
                               c.app.health == argocd::HealthStatus::Healthy);
            if (!done) {
                allDone = false;
                notDone << c.cluster;
            }
            if (c.stepStatus != StepStatus::None)
                least = std::min(least, int(c.stepStatus));
        }
        notDone.removeDuplicates();
        if (least != INT_MAX)
            sr.status = StepStatus(least);
        else
            sr.status = allDone        ? StepStatus::Healthy
                        : anyOnRelease ? StepStatus::Progressing
                                       : StepStatus::Waiting;
        started << anyOnRelease;
        int worst = -1;
        for (int i = 0; i < review.clusters.size(); ++i)
            if (sr.clusters.contains(review.clusters[i].cluster) &&
                (worst < 0 || severity(review.clusters[i].recommendation) >
                                  severity(review.clusters[worst].recommendation)))
                worst = i;
        if (st.cells.isEmpty()) {
            sr.status = StepStatus::None;
            sr.recommendation = Recommendation::Proceed;
            sr.reason = QStringLiteral("no application of the set matches this step");
        } else if (!anyOnRelease) {
            sr.recommendation = Recommendation::Wait;
            sr.reason =
                QStringLiteral("not started: no cluster of %1 runs the release yet").arg(st.label);
        } else if (worst >= 0 && review.clusters[worst].recommendation != Recommendation::Proceed) {
            sr.recommendation = review.clusters[worst].recommendation;
            sr.reason = QStringLiteral("on %1 %2")
                            .arg(review.clusters[worst].cluster, review.clusters[worst].reason);
        } else if (!allDone) {
            sr.recommendation = Recommendation::Wait;
            sr.reason = QStringLiteral("%1 is still rolling out: %2 not yet Healthy on the "
                                       "release")
                            .arg(st.label, notDone.join(QStringLiteral(", ")));
        } else {
            sr.recommendation = Recommendation::Proceed;
            sr.reason = worst >= 0 ? QStringLiteral("every canary passes")
                                   : QStringLiteral("every application runs the release and is "
                                                    "Healthy");
        }
        review.steps.push_back(sr);
    }

    // Overall: the most severe started step decides (ties: the earliest); when every started
    // step may proceed, the next step not yet started is the one to sync.
    int blocking = -1;
    for (int i = 0; i < review.steps.size(); ++i) {
        if (!started[i])
            continue;
        const Recommendation r = review.steps[i].recommendation;
        if (r == Recommendation::Proceed)
            continue;
        if (blocking < 0 || severity(r) > severity(review.steps[blocking].recommendation))
            blocking = i;
    }
    const bool anyStarted = std::find(started.begin(), started.end(), true) != started.end();
    if (!anyStarted) {
        review.recommendation = Recommendation::Wait;
        review.headline = QStringLiteral("Nothing to review: no application runs a new revision");
    } else if (blocking >= 0) {
        const StepReview& sr = review.steps[blocking];
        const Stage& st = stages[blocking];
        review.recommendation = sr.recommendation;
        QStringList rollBack;
        QString blockingCluster;
        for (const ClusterReview& cr : review.clusters) {
            if (!sr.clusters.contains(cr.cluster))
                continue;
            if (cr.recommendation == Recommendation::RollBack)
                rollBack << cr.cluster;
            if (blockingCluster.isEmpty() && cr.recommendation == sr.recommendation)
                blockingCluster = cr.cluster;
        }
        review.blocking = blockingCluster.isEmpty()
                              ? st.label
                              : QStringLiteral("%1 at %2").arg(blockingCluster, st.label);
        if (sr.recommendation == Recommendation::Wait) {
            review.headline = QStringLiteral("Wait at %1: %2.").arg(st.label, sr.reason);
        } else {
            review.headline =
                QStringLiteral("Halt the rollout at %1: %2.").arg(st.label, sr.reason);
            if (!rollBack.isEmpty())
                review.headline +=
                    QStringLiteral(" Roll back %1.").arg(rollBack.join(QStringLiteral(", ")));
        }
    } else {
        int next = -1;
        for (int i = 0; i < review.steps.size(); ++i)
            if (!started[i] && review.steps[i].step > 0 && !stages[i].cells.isEmpty()) {
                next = i;
                break;
            }
        review.recommendation = Recommendation::Proceed;
        if (next >= 0) {
            review.headline = QStringLiteral("Proceed to %1: sync %2")
                                  .arg(stages[next].label,
                                       review.steps[next].clusters.join(QStringLiteral(", ")));
        } else {
            QStringList revs;
            for (const ReleaseRow& row : m.rows)
                revs << shortRev(row.releaseRevision);
            revs.removeDuplicates();
            review.headline = QStringLiteral("The rollout is complete: every step runs %1 and "
                                             "every canary passed")
                                  .arg(revs.join(QStringLiteral(", ")));
        }
    }
    return review;
}

// ---------------------------------------------------------------------------------------------
// Reports

namespace {

std::string s(const QString& q) {
    return q.toStdString();
}

ordered_json strings(const QStringList& l) {
    ordered_json a = ordered_json::array();
    for (const QString& v : l)
        a.push_back(s(v));
    return a;
}

QString timeText(const QDateTime& t) {
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

ordered_json seriesJson(const ChartSeries& c) {
    ordered_json points = ordered_json::array();
    for (int i = 0; i < c.timesMs.size() && i < c.values.size(); ++i)
        points.push_back(ordered_json::array(
            {c.timesMs[i], std::isfinite(c.values[i]) ? ordered_json(c.values[i]) : nullptr}));
    return points;
}

QString cellText(const ReleaseCell& c) {
    QString t = shortRev(c.app.syncRevision);
    if (t.isEmpty())
        t = QStringLiteral("?");
    t += QLatin1Char(' ') + argocd::toString(c.app.sync) + QLatin1Char(' ') +
         argocd::toString(c.app.health);
    if (c.app.syncFailed())
        t += QStringLiteral(" sync ") + argocd::toString(c.app.operationPhase);
    if (c.stepStatus != StepStatus::None)
        t += QStringLiteral(" · step %1 %2").arg(c.step).arg(toString(c.stepStatus));
    return t;
}

} // namespace

nlohmann::ordered_json reviewToJson(const ReleaseReview& r) {
    const ReleaseMatrix& m = r.matrix;
    ordered_json steps = ordered_json::array();
    for (const StepReview& st : r.steps)
        steps.push_back({{"step", st.step},
                         {"description", s(st.description)},
                         {"status", s(toString(st.status))},
                         {"clusters", strings(st.clusters)},
                         {"recommendation", s(toString(st.recommendation))},
                         {"reason", s(st.reason)}});
    ordered_json clusters = ordered_json::array();
    for (const ClusterReview& c : r.clusters)
        clusters.push_back({{"cluster", s(c.cluster)},
                            {"environment", s(c.environment)},
                            {"step", c.step},
                            {"recommendation", s(toString(c.recommendation))},
                            {"reason", s(c.reason)}});
    ordered_json canaries = ordered_json::array();
    for (const CanaryReview& c : r.canaries) {
        ordered_json j = {{"application", s(c.app)},
                          {"cluster", s(c.cluster)},
                          {"environment", s(c.environment)},
                          {"step", c.step},
                          {"baselineClusters", strings(c.baselineClusters)},
                          {"syncedAt", s(timeText(c.syncedAt))},
                          {"window",
                           {{"start", s(timeText(c.target.start))},
                            {"end", s(timeText(c.target.end))},
                            {"stepMs", c.target.stepMs}}},
                          {"selectors",
                           {{"namespace", s(c.target.ns)},
                            {"baselineNamespace",
                             s(c.target.baselineNs.isEmpty() ? c.target.ns : c.target.baselineNs)},
                            {"canary", s(c.target.canarySelector)},
                            {"baseline", s(c.target.baselineSelector)}}},
                          {"judged", c.judged},
                          {"recommendation", s(toString(c.recommendation))},
                          {"reason", s(c.reason)}};
        if (!c.judged)
            j["notJudgedReason"] = s(c.notJudgedReason);
        else
            j["report"] = analysis::reportToJson(c.report);
        ordered_json charts = ordered_json::array();
        for (const MetricChart& ch : c.charts)
            charts.push_back({{"metric", s(ch.metric)},
                              {"canary", seriesJson(ch.canary)},
                              {"baseline", seriesJson(ch.baseline)}});
        if (!charts.empty())
            j["charts"] = charts;
        canaries.push_back(std::move(j));
    }
    ordered_json rows = ordered_json::array();
    for (const ReleaseRow& row : m.rows) {
        ordered_json cells = ordered_json::array();
        for (int ci = 0; ci < row.cells.size(); ++ci) {
            const int i = row.cells[ci];
            if (i < 0)
                continue;
            const ReleaseCell& c = m.cells[i];
            cells.push_back({{"cluster", s(c.cluster)},
                             {"environment", s(c.environment)},
                             {"application", s(c.app.name)},
                             {"revision", s(c.app.syncRevision)},
                             {"sync", s(argocd::toString(c.app.sync))},
                             {"health", s(argocd::toString(c.app.health))},
                             {"operationPhase", s(argocd::toString(c.app.operationPhase))},
                             {"images", strings(c.app.images)},
                             {"step", c.step},
                             {"stepStatus", s(toString(c.stepStatus))},
                             {"onReleaseRevision", c.onReleaseRevision},
                             {"outliers", strings(c.outlierReasons)}});
        }
        rows.push_back({{"component", s(row.component)},
                        {"releaseRevision", s(row.releaseRevision)},
                        {"previousRevision", s(row.previousRevision)},
                        {"releaseImages", strings(row.releaseImages)},
                        {"previousImages", strings(row.previousImages)},
                        {"cells", cells}});
    }
    return ordered_json{{"applicationSet", s(m.name)},
                        {"instance", s(m.instance)},
                        {"generatedAt", s(timeText(r.generatedAt))},
                        {"recommendation", s(toString(r.recommendation))},
                        {"headline", s(r.headline)},
                        {"blocking", s(r.blocking)},
                        {"strategy", m.rollingSync ? "RollingSync" : "AllAtOnce"},
                        {"currentStep", m.currentStep},
                        {"prometheus", s(r.prometheus)},
                        {"metricSet", s(r.metricSetSource)},
                        {"steps", steps},
                        {"clusters", clusters},
                        {"canaries", canaries},
                        {"rows", rows},
                        {"outliers", strings(m.outliers)},
                        {"notes", strings(m.notes + r.notes)}};
}

namespace {

// Markdown text that renders as written on GitHub and Slack: markup characters and HTML are
// escaped, table pipes and line breaks neutralised.
QString md(const QString& text) {
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        switch (c.unicode()) {
        case '\\':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '|':
        case '#':
            out += QLatin1Char('\\');
            out += c;
            break;
        case '<':
            out += QStringLiteral("&lt;");
            break;
        case '>':
            out += QStringLiteral("&gt;");
            break;
        case '&':
            out += QStringLiteral("&amp;");
            break;
        case '\n':
        case '\r':
            out += QLatin1Char(' ');
            break;
        default:
            out += c;
        }
    }
    return out;
}

QString verdictWord(const CanaryReview& c) {
    if (!c.judged)
        return QStringLiteral("not judged");
    return QStringLiteral("%1 (%2)").arg(analysis::verdictName(c.report.verdict),
                                         QString::number(c.report.score, 'f', 0));
}

QString windowText(const CanaryReview& c) {
    if (!c.target.start.isValid())
        return QStringLiteral("—");
    return QStringLiteral("%1 – %2 UTC")
        .arg(c.target.start.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
             c.target.end.toUTC().toString(QStringLiteral("HH:mm")));
}

} // namespace

QString reviewToMarkdown(const ReleaseReview& r) {
    const ReleaseMatrix& m = r.matrix;
    QString out;
    out += QStringLiteral("## Release review: %1 — %2\n\n")
               .arg(md(m.name), toString(r.recommendation));
    out += QStringLiteral("**%1**\n\n").arg(md(r.headline));
    QStringList meta;
    if (r.generatedAt.isValid())
        meta << QStringLiteral("generated %1").arg(timeText(r.generatedAt));
    meta << (m.rollingSync ? QStringLiteral("RollingSync, %1 steps").arg(m.steps.size())
                           : QStringLiteral("no RollingSync: environments in promotion order"));
    meta << (r.prometheus.isEmpty() ? QStringLiteral("no Prometheus")
                                    : QStringLiteral("Prometheus %1").arg(md(r.prometheus)));
    if (!r.metricSetSource.isEmpty())
        meta << QStringLiteral("metric set %1").arg(md(r.metricSetSource));
    out += meta.join(QStringLiteral(" · ")) + QStringLiteral("\n\n");

    out += QStringLiteral("### Steps\n\n| Step | Status | Clusters | Recommendation | Why |\n"
                          "|---|---|---|---|---|\n");
    for (const StepReview& st : r.steps)
        out += QStringLiteral("| %1 %2 | %3 | %4 | %5 | %6 |\n")
                   .arg(st.step)
                   .arg(md(st.description), toString(st.status),
                        md(st.clusters.join(QStringLiteral(", "))), toString(st.recommendation),
                        md(st.reason));

    if (!r.canaries.isEmpty()) {
        out += QStringLiteral("\n### Canaries\n\n| Cluster | Application | Baseline | Window | "
                              "Verdict | Recommendation | Why |\n|---|---|---|---|---|---|---|\n");
        for (const CanaryReview& c : r.canaries)
            out += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 |\n")
                       .arg(md(c.cluster), md(c.app),
                            md(c.baselineClusters.join(QStringLiteral(", "))), windowText(c),
                            verdictWord(c), toString(c.recommendation), md(c.reason));
        for (const CanaryReview& c : r.canaries) {
            if (!c.judged)
                continue;
            out += QStringLiteral("\n<details><summary>%1 on %2: %3</summary>\n\n")
                       .arg(md(c.app), md(c.cluster), verdictWord(c));
            out += QStringLiteral(
                "| Metric | Result | Canary | Baseline | p |\n|---|---|---|---|---|\n");
            for (const analysis::MetricResult& mr : c.report.metrics)
                out +=
                    QStringLiteral("| %1%2 | %3 | %4 | %5 | %6 |\n")
                        .arg(md(mr.name), mr.critical ? QStringLiteral(" (critical)") : QString(),
                             analysis::classificationName(mr.classification),
                             md(figure(mr, mr.canary.mean)), md(figure(mr, mr.baseline.mean)),
                             md(pPhrase(mr.pValue)));
            out += QStringLiteral("\n%1\n\n</details>\n").arg(md(c.report.scoreReason));
        }
    }

    out += QStringLiteral("\n### What runs where\n\n| Component |");
    QString sep = QStringLiteral("|---|");
    for (const ReleaseColumn& col : m.columns) {
        out += QStringLiteral(" %1 |").arg(
            md(col.environment.isEmpty()
                   ? col.cluster
                   : QStringLiteral("%1 (%2)").arg(col.cluster, col.environment)));
        sep += QStringLiteral("---|");
    }
    out += QLatin1Char('\n') + sep + QLatin1Char('\n');
    for (const ReleaseRow& row : m.rows) {
        out += row.releaseRevision.isEmpty()
                   ? QStringLiteral("| %1 |").arg(md(row.component))
                   : QStringLiteral("| %1 (release %2) |")
                         .arg(md(row.component), md(shortRev(row.releaseRevision)));
        for (int i : row.cells)
            out +=
                QStringLiteral(" %1 |").arg(i < 0 ? QStringLiteral("—") : md(cellText(m.cells[i])));
        out += QLatin1Char('\n');
    }
    if (!m.outliers.isEmpty()) {
        out += QStringLiteral("\n### Outliers\n\n");
        for (const QString& o : m.outliers)
            out += QStringLiteral("- %1\n").arg(md(o));
    }
    const QStringList notes = m.notes + r.notes;
    if (!notes.isEmpty()) {
        out += QStringLiteral("\n### Notes\n\n");
        for (const QString& n : notes)
            out += QStringLiteral("- %1\n").arg(md(n));
    }
    return out;
}

namespace {

QString h(const QString& t) {
    return t.toHtmlEscaped();
}

QString badge(Recommendation r) {
    static const char* colours[] = {"#1a7f37", "#9a6700", "#cf222e", "#82071e"};
    return QStringLiteral("<span class=\"badge\" style=\"background:%1\">%2</span>")
        .arg(QLatin1String(colours[severity(r)]), h(toString(r)));
}

// A small line chart of canary (red) against baseline (blue), as inline SVG.
QString svgChart(const MetricChart& ch) {
    const int w = 320, ht = 90, pad = 4;
    qint64 t0 = LLONG_MAX, t1 = LLONG_MIN;
    double lo = INFINITY, hi = -INFINITY;
    for (const ChartSeries* s : {&ch.canary, &ch.baseline})
        for (int i = 0; i < s->timesMs.size() && i < s->values.size(); ++i) {
            if (!std::isfinite(s->values[i]))
                continue;
            t0 = std::min(t0, s->timesMs[i]);
            t1 = std::max(t1, s->timesMs[i]);
            lo = std::min(lo, s->values[i]);
            hi = std::max(hi, s->values[i]);
        }
    if (t0 >= t1 || !std::isfinite(lo))
        return QStringLiteral("<div class=\"muted\">no data to draw</div>");
    if (hi <= lo)
        hi = lo + 1;
    const auto line = [&](const ChartSeries& s, const char* colour) {
        QStringList pts;
        for (int i = 0; i < s.timesMs.size() && i < s.values.size(); ++i) {
            if (!std::isfinite(s.values[i]))
                continue;
            const double x = pad + double(s.timesMs[i] - t0) / double(t1 - t0) * (w - 2 * pad);
            const double y = ht - pad - (s.values[i] - lo) / (hi - lo) * (ht - 2 * pad);
            pts << QStringLiteral("%1,%2").arg(x, 0, 'f', 1).arg(y, 0, 'f', 1);
        }
        return QStringLiteral("<polyline fill=\"none\" stroke=\"%1\" stroke-width=\"1.5\" "
                              "points=\"%2\"/>")
            .arg(QLatin1String(colour), pts.join(QLatin1Char(' ')));
    };
    return QStringLiteral("<svg width=\"%1\" height=\"%2\" viewBox=\"0 0 %1 %2\" role=\"img\" "
                          "aria-label=\"%3: canary red, baseline blue\"><rect width=\"%1\" "
                          "height=\"%2\" fill=\"#f6f8fa\"/>%4%5</svg>")
        .arg(w)
        .arg(ht)
        .arg(h(ch.metric), line(ch.baseline, "#0969da"), line(ch.canary, "#cf222e"));
}

} // namespace

QString reviewToHtml(const ReleaseReview& r) {
    const ReleaseMatrix& m = r.matrix;
    QString out;
    out +=
        QStringLiteral(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Release review: %1</title><style>"
            "body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328;max-width:1200px}"
            "table{border-collapse:collapse;margin:8px 0 16px}"
            "th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}"
            "th{background:#f6f8fa}.badge{color:#fff;border-radius:4px;padding:1px 6px;"
            "font-weight:600}.headline{font-size:17px;margin:12px 0;padding:10px;"
            "border-left:4px solid #888;background:#f6f8fa}.muted{color:#656d76}"
            ".release{background:#dafbe1}.bad{background:#ffebe9}code{font-size:12px}"
            "</style></head><body>\n")
            .arg(h(m.name));
    out +=
        QStringLiteral("<h1>Release review: %1 %2</h1>\n").arg(h(m.name), badge(r.recommendation));
    out += QStringLiteral("<div class=\"headline\">%1</div>\n").arg(h(r.headline));
    out += QStringLiteral("<p class=\"muted\">Generated %1 · %2 · %3</p>\n")
               .arg(h(timeText(r.generatedAt)),
                    m.rollingSync ? QStringLiteral("RollingSync, %1 steps").arg(m.steps.size())
                                  : QStringLiteral("no RollingSync: environments in order"),
                    r.prometheus.isEmpty() ? QStringLiteral("no Prometheus")
                                           : QStringLiteral("Prometheus ") + h(r.prometheus));

    out += QStringLiteral("<h2>Steps</h2>\n<table><tr><th>Step</th><th>Status</th><th>Clusters"
                          "</th><th>Recommendation</th><th>Why</th></tr>\n");
    for (const StepReview& st : r.steps)
        out += QStringLiteral("<tr><td>%1 %2</td><td>%3</td><td>%4</td><td>%5</td><td>%6</td>"
                              "</tr>\n")
                   .arg(st.step)
                   .arg(h(st.description), h(toString(st.status)),
                        h(st.clusters.join(QStringLiteral(", "))), badge(st.recommendation),
                        h(st.reason));
    out += QStringLiteral("</table>\n");

    if (!r.canaries.isEmpty()) {
        out += QStringLiteral("<h2>Canaries</h2>\n");
        for (const CanaryReview& c : r.canaries) {
            out += QStringLiteral("<h3>%1 on %2 %3</h3>\n<p>%4</p>\n<p class=\"muted\">Baseline: "
                                  "%5 · window %6 · %7</p>\n")
                       .arg(h(c.app), h(c.cluster), badge(c.recommendation), h(c.reason),
                            h(c.baselineClusters.join(QStringLiteral(", "))), h(windowText(c)),
                            h(verdictWord(c)));
            if (!c.judged)
                continue;
            out += QStringLiteral("<table><tr><th>Metric</th><th>Result</th><th>Canary</th>"
                                  "<th>Baseline</th><th>p</th><th>Chart (canary red, baseline "
                                  "blue)</th></tr>\n");
            for (const analysis::MetricResult& mr : c.report.metrics) {
                const bool bad = mr.classification != analysis::Classification::Pass;
                QString chart;
                for (const MetricChart& ch : c.charts)
                    if (ch.metric == mr.name)
                        chart = svgChart(ch);
                out += QStringLiteral("<tr%1><td>%2%3</td><td title=\"%4\">%5</td><td>%6</td>"
                                      "<td>%7</td><td>%8</td><td>%9</td></tr>\n")
                           .arg(bad ? QStringLiteral(" class=\"bad\"") : QString(), h(mr.name),
                                mr.critical ? QStringLiteral(" <b>(critical)</b>") : QString(),
                                h(mr.reason), h(analysis::classificationName(mr.classification)),
                                h(figure(mr, mr.canary.mean)), h(figure(mr, mr.baseline.mean)),
                                h(pPhrase(mr.pValue)), chart);
            }
            out += QStringLiteral("</table>\n<p class=\"muted\">%1</p>\n")
                       .arg(h(c.report.scoreReason));
        }
    }

    out += QStringLiteral("<h2>What runs where</h2>\n<table><tr><th>Component</th>");
    for (const ReleaseColumn& col : m.columns)
        out += QStringLiteral("<th>%1<br><span class=\"muted\">%2%3</span></th>")
                   .arg(h(col.cluster), h(col.environment),
                        col.step > 0 ? QStringLiteral(" · step %1").arg(col.step) : QString());
    out += QStringLiteral("</tr>\n");
    for (const ReleaseRow& row : m.rows) {
        out +=
            QStringLiteral("<tr><td>%1<br><span class=\"muted\">release <code>%2</code>%3</span>"
                           "</td>")
                .arg(h(row.component),
                     row.releaseRevision.isEmpty() ? QStringLiteral("?")
                                                   : h(shortRev(row.releaseRevision)),
                     row.previousRevision.isEmpty() ? QString()
                                                    : QStringLiteral(", previous <code>%1</code>")
                                                          .arg(h(shortRev(row.previousRevision))));
        for (int i : row.cells) {
            if (i < 0) {
                out += QStringLiteral("<td class=\"muted\">—</td>");
                continue;
            }
            const ReleaseCell& c = m.cells[i];
            const QString cls = !c.outlierReasons.isEmpty() ? QStringLiteral(" class=\"bad\"")
                                : c.onReleaseRevision       ? QStringLiteral(" class=\"release\"")
                                                            : QString();
            out += QStringLiteral("<td%1 title=\"%2\">%3</td>")
                       .arg(cls, h(c.outlierReasons.join(QLatin1Char('\n'))), h(cellText(c)));
        }
        out += QStringLiteral("</tr>\n");
    }
    out += QStringLiteral("</table>\n");
    if (!m.outliers.isEmpty()) {
        out += QStringLiteral("<h2>Outliers</h2>\n<ul>\n");
        for (const QString& o : m.outliers)
            out += QStringLiteral("<li>%1</li>\n").arg(h(o));
        out += QStringLiteral("</ul>\n");
    }
    const QStringList notes = m.notes + r.notes;
    if (!notes.isEmpty()) {
        out += QStringLiteral("<h2>Notes</h2>\n<ul>\n");
        for (const QString& n : notes)
            out += QStringLiteral("<li>%1</li>\n").arg(h(n));
        out += QStringLiteral("</ul>\n");
    }
    out += QStringLiteral("</body></html>\n");
    return out;
}

// ---------------------------------------------------------------------------------------------
// The run

namespace {

ChartSeries toChart(const analysis::TimeSeries& t) {
    ChartSeries c;
    c.timesMs = t.timesMs;
    c.values = t.values;
    return c;
}

struct RunState {
    ReleaseMatrix matrix;
    QVector<CanaryReview> canaries;
    QVector<QVector<analysis::MetricSamples>> samples; // per canary
    int pending = 0;
    analysis::MetricSet set;
    QString prometheus;
    QDateTime now;
    std::function<void(Result<ReleaseReview>)> done;
};

void judgeAndFinish(QObject* context, std::shared_ptr<RunState> state) {
    auto* watcher = new QFutureWatcher<ReleaseReview>(context);
    QObject::connect(watcher, &QFutureWatcher<ReleaseReview>::finished, watcher, [watcher, state] {
        ReleaseReview review = watcher->result();
        watcher->deleteLater();
        state->done(std::move(review));
    });
    watcher->setFuture(QtConcurrent::run([state]() {
        const analysis::CanaryJudge judge(state->set);
        QVector<CanaryReview> canaries = state->canaries;
        for (int i = 0; i < canaries.size(); ++i) {
            CanaryReview& c = canaries[i];
            if (!c.judged)
                continue;
            c.report = judge.judge(state->samples[i]);
            for (const analysis::MetricSamples& ms : state->samples[i]) {
                MetricChart ch;
                ch.metric = ms.name;
                ch.canary = toChart(ms.canarySeries);
                ch.baseline = toChart(ms.baselineSeries);
                c.charts.push_back(ch);
            }
        }
        ReleaseReview review = recommend(state->matrix, canaries);
        review.prometheus = state->prometheus;
        review.metricSetSource = state->set.sources.join(QStringLiteral(", "));
        review.generatedAt = state->now;
        return review;
    }));
}

} // namespace

void runReleaseReview(argocd::Client& argocd, metrics::PrometheusClient* prometheus,
                      const QString& appsetName, const QString& appsetNamespace,
                      const analysis::MetricSet& metricSet, const ReviewOptions& options,
                      std::function<void(Result<ReleaseReview>)> done) {
    auto state = std::make_shared<RunState>();
    state->set = metricSet;
    state->done = std::move(done);
    state->now = options.now.isValid() ? options.now.toUTC() : QDateTime::currentDateTimeUtc();
    if (prometheus)
        state->prometheus = prometheus->endpoint().baseUrl.toString();
    if (const Status valid = options.validate(); !valid) {
        Error e = valid.error();
        QMetaObject::invokeMethod(
            &argocd, [state, e] { state->done(e); }, Qt::QueuedConnection);
        return;
    }
    ReviewOptions opts = options;
    opts.now = state->now;
    QPointer<metrics::PrometheusClient> prom(prometheus);
    argocd::Client* client = &argocd;
    argocd.getApplicationSet(
        appsetName, appsetNamespace,
        [state, opts, prom, client,
         hasProm = prometheus != nullptr](Result<nlohmann::json> appset) {
            if (!appset)
                return state->done(appset.error());
            auto appsetJson = std::make_shared<nlohmann::json>(std::move(*appset));
            client->listApplications(
                argocd::ListQuery{},
                [state, opts, prom, client, hasProm, appsetJson](Result<argocd::AppList> list) {
                    if (!list)
                        return state->done(list.error());
                    Result<ReleaseMatrix> matrix = buildReleaseMatrix(*appsetJson, list->apps);
                    if (!matrix)
                        return state->done(matrix.error());
                    state->matrix = std::move(*matrix);
                    state->canaries = planCanaries(state->matrix, opts);
                    state->samples.resize(state->canaries.size());
                    QVector<int> toMeasure;
                    for (int i = 0; i < state->canaries.size(); ++i) {
                        CanaryReview& c = state->canaries[i];
                        if (!c.judged)
                            continue;
                        if (!hasProm || !prom) {
                            c.judged = false;
                            c.notJudgedReason =
                                QStringLiteral("no Prometheus configured (--prometheus)");
                            continue;
                        }
                        toMeasure << i;
                    }
                    if (toMeasure.isEmpty())
                        return judgeAndFinish(client, state);
                    state->pending = int(toMeasure.size());
                    for (int i : toMeasure)
                        analysis::collectCanarySamples(
                            *prom, state->set, state->canaries[i].target,
                            [state, i, client](QVector<analysis::MetricSamples> samples) {
                                state->samples[i] = std::move(samples);
                                if (--state->pending == 0)
                                    judgeAndFinish(client, state);
                            });
                });
        });
}

} // namespace sextant::release
