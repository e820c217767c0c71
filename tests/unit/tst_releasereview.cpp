// release::planCanaries and release::recommend on hand-built matrices, with canary reports from
// the real CanaryJudge on synthetic samples: baselines and windows (too early, capped, no
// baseline), selector rendering and escaping, every recommendation path per canary, cluster,
// step and release, and the JSON / Markdown / HTML reports (escaping included).

#include "release/releasereview.h"

#include <QTest>

using namespace sextant;
using namespace sextant::release;
using json = nlohmann::json;

namespace {

const QString R1 = QStringLiteral("1111111111111111111111111111111111111111");
const QString R2 = QStringLiteral("2222222222222222222222222222222222222222");

QDateTime now() {
    return QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC);
}

argocd::AppSummary app(const QString& cluster, const QString& env, const QString& rev,
                       int syncedMinutesAgo) {
    argocd::AppSummary a;
    a.instance = QStringLiteral("lab");
    a.name = QStringLiteral("storefront-") + cluster;
    a.appNamespace = QStringLiteral("argocd");
    a.destName = cluster;
    a.destNamespace = QStringLiteral("shop");
    a.repoURL = QStringLiteral("https://git.example.com/shop.git");
    a.path = QStringLiteral("storefront/overlays/") + env;
    a.sync = argocd::SyncStatus::Synced;
    a.syncRevision = rev;
    a.health = argocd::HealthStatus::Healthy;
    a.operationPhase = argocd::OperationPhase::Succeeded;
    a.operationStartedAt = now().addSecs(-60 * (syncedMinutesAgo + 1));
    a.operationFinishedAt = now().addSecs(-60 * syncedMinutesAgo);
    a.labels = {{QStringLiteral("env"), env}};
    return a;
}

json step(const char* env) {
    return {{"matchExpressions",
             json::array({{{"key", "env"}, {"operator", "In"}, {"values", {env}}}})}};
}

// dev-eu-1 (step 1) and stage-eu-1 (step 2) run R2; prod-eu-1 and prod-us-1 (step 3) run R1.
struct Fixture {
    QVector<argocd::AppSummary> apps = {
        app("dev-eu-1", "dev", R2, 120), app("stage-eu-1", "stage", R2, 30),
        app("prod-eu-1", "prod", R1, 3000), app("prod-us-1", "prod", R1, 3000)};
    QStringList statuses = {"Healthy", "Healthy", "Waiting", "Waiting"};
    ReleaseMatrix matrix() const {
        json st = json::array();
        const int steps[] = {1, 2, 3, 3};
        for (int i = 0; i < apps.size(); ++i)
            st.push_back({{"application", apps[i].name.toStdString()},
                          {"status", statuses[i].toStdString()},
                          {"step", std::to_string(steps[i])}});
        const json set = {
            {"metadata", {{"name", "storefront"}, {"namespace", "argocd"}}},
            {"spec",
             {{"strategy",
               {{"type", "RollingSync"},
                {"rollingSync", {{"steps", {step("dev"), step("stage"), step("prod")}}}}}}}},
            {"status", {{"applicationStatus", st}}}};
        return *buildReleaseMatrix(set, apps);
    }
};

ReviewOptions options() {
    ReviewOptions o;
    o.now = now();
    return o;
}

const analysis::MetricSet& metricSet() {
    static const analysis::MetricSet set = *analysis::MetricSet::fromYaml(
        "complete: true\n"
        "thresholds: {pass: 95, marginal: 75}\n"
        "defaults: {minSamples: 20}\n"
        "metrics:\n"
        "  - {name: http-error-rate, description: share of HTTP requests answered with a 5xx "
        "status, query: 'e{ {{selector}} }', direction: increase, critical: true, "
        "allowedIncrease: 1.1}\n"
        "  - {name: http-latency-p95, query: 'l{ {{selector}} }', direction: increase, "
        "allowedIncrease: 1.1}\n"
        "  - {name: cpu-usage, query: 'c{ {{selector}} }', direction: increase, "
        "allowedIncrease: 1.2}\n"
        "  - {name: memory-working-set, query: 'm{ {{selector}} }', direction: increase, "
        "allowedIncrease: 1.2}\n"
        "  - {name: container-restarts, query: 'r{ {{selector}} }', direction: increase}\n",
        QStringLiteral("test-set"));
    return set;
}

QVector<double> values(quint64 seed, double mean, double relative, int n = 40) {
    QVector<double> v;
    for (int i = 0; i < n; ++i) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        const double u = double(seed >> 11) / double(1ULL << 53);
        v << mean * (1 + (u * 2 - 1) * relative);
    }
    return v;
}

// Samples for the five metrics; `worse` names metrics whose canary is clearly higher, `empty`
// those with no data at all.
QVector<analysis::MetricSamples> samples(const QStringList& worse, const QStringList& empty = {}) {
    QVector<analysis::MetricSamples> out;
    quint64 seed = 7;
    for (const analysis::CanaryMetric& m : metricSet().metrics) {
        analysis::MetricSamples s;
        s.name = m.name;
        const double base = m.name == QLatin1String("http-error-rate") ? 0.003 : 10;
        if (!empty.contains(m.name)) {
            s.baseline = values(seed++, base, 0.1);
            s.canary = values(seed++, worse.contains(m.name) ? base * 20 : base, 0.1);
        }
        out << s;
    }
    return out;
}

ReleaseReview review(const ReleaseMatrix& m, QVector<CanaryReview> canaries,
                     const QHash<QString, QVector<analysis::MetricSamples>>& byCluster) {
    const analysis::CanaryJudge judge(metricSet());
    for (CanaryReview& c : canaries)
        if (c.judged && byCluster.contains(c.cluster))
            c.report = judge.judge(byCluster[c.cluster]);
    return recommend(m, canaries);
}

const CanaryReview& canaryOn(const QVector<CanaryReview>& cs, const QString& cluster) {
    for (const CanaryReview& c : cs)
        if (c.cluster == cluster)
            return c;
    static CanaryReview none;
    return none;
}

} // namespace

class TestReleaseReview : public QObject {
    Q_OBJECT
private slots:
    void plansCanariesAgainstThePreviousRevision() {
        const Fixture f;
        const QVector<CanaryReview> cs = planCanaries(f.matrix(), options());
        QCOMPARE(cs.size(), 2);
        const CanaryReview& stage = canaryOn(cs, "stage-eu-1");
        QVERIFY(stage.judged);
        QCOMPARE(stage.baselineClusters, QStringList({"prod-eu-1", "prod-us-1"}));
        QCOMPARE(stage.step, 2);
        QCOMPARE(stage.environment, QStringLiteral("stage"));
        QCOMPARE(stage.target.start, now().addSecs(-30 * 60)); // from the sync
        QCOMPARE(stage.target.end, now());
        QCOMPARE(stage.target.ns, QStringLiteral("shop"));
        QCOMPARE(stage.target.canarySelector, QStringLiteral("cluster=\"stage-eu-1\""));
        QCOMPARE(stage.target.baselineSelector, QStringLiteral("cluster=~\"prod-eu-1|prod-us-1\""));
        const CanaryReview& dev = canaryOn(cs, "dev-eu-1");
        QCOMPARE(dev.target.start, now().addSecs(-60 * 60)); // capped at maxWindowMinutes
    }

    void baselinesInAnotherNamespace() {
        // Namespaces per environment: the baseline's queries name the baseline's namespace.
        Fixture f;
        f.apps[1].destNamespace = QStringLiteral("shop-stage");
        f.apps[2].destNamespace = QStringLiteral("shop-prod");
        f.apps[3].destNamespace = QStringLiteral("shop-prod");
        const CanaryReview stage = canaryOn(planCanaries(f.matrix(), options()), "stage-eu-1");
        QCOMPARE(stage.target.ns, QStringLiteral("shop-stage"));
        QCOMPARE(stage.target.baselineNs, QStringLiteral("shop-prod"));
        QCOMPARE(stage.baselineClusters, QStringList({"prod-eu-1", "prod-us-1"}));
        const analysis::CanaryMetric& m = metricSet().metrics.first();
        analysis::CanaryMetric nsMetric = m;
        nsMetric.query = QStringLiteral("e{namespace=\"{{namespace}}\",{{selector}}}");
        QCOMPARE(*analysis::renderMetricQuery(nsMetric, stage.target, true),
                 QStringLiteral("e{namespace=\"shop-stage\",cluster=\"stage-eu-1\"}"));
        QCOMPARE(*analysis::renderMetricQuery(nsMetric, stage.target, false),
                 QStringLiteral("e{namespace=\"shop-prod\",cluster=~\"prod-eu-1|prod-us-1\"}"));

        // Baselines split over namespaces: the most common one, and only its clusters.
        f.apps[3].destNamespace = QStringLiteral("other");
        f.apps << app("prod-ap-1", "prod", R1, 3000);
        f.apps.last().destNamespace = QStringLiteral("shop-prod");
        f.statuses << QStringLiteral("Waiting");
        json st = json::array();
        const int steps[] = {1, 2, 3, 3, 3};
        for (int i = 0; i < f.apps.size(); ++i)
            st.push_back({{"application", f.apps[i].name.toStdString()},
                          {"status", f.statuses[i].toStdString()},
                          {"step", std::to_string(steps[i])}});
        const json set = {
            {"metadata", {{"name", "storefront"}}},
            {"spec",
             {{"strategy",
               {{"type", "RollingSync"},
                {"rollingSync", {{"steps", {step("dev"), step("stage"), step("prod")}}}}}}}},
            {"status", {{"applicationStatus", st}}}};
        const ReleaseMatrix m2 = *buildReleaseMatrix(set, f.apps);
        const CanaryReview split = canaryOn(planCanaries(m2, options()), "stage-eu-1");
        QCOMPARE(split.target.baselineNs, QStringLiteral("shop-prod"));
        QCOMPARE(split.baselineClusters, QStringList({"prod-ap-1", "prod-eu-1"})); // column order
    }

    void tooEarlyAndNoBaseline() {
        Fixture f;
        f.apps[1] = app("stage-eu-1", "stage", R2, 4);
        const QVector<CanaryReview> cs = planCanaries(f.matrix(), options());
        const CanaryReview& stage = canaryOn(cs, "stage-eu-1");
        QVERIFY(!stage.judged);
        QCOMPARE(stage.notJudgedReason,
                 QStringLiteral("too early: synced 4 minutes ago, 10 needed"));

        Fixture g;
        g.apps[2].health = argocd::HealthStatus::Missing;
        g.apps[3].operationPhase = argocd::OperationPhase::Running;
        const QVector<CanaryReview> none = planCanaries(g.matrix(), options());
        QVERIFY(!canaryOn(none, "stage-eu-1").judged);
        QVERIFY2(canaryOn(none, "stage-eu-1").notJudgedReason.startsWith("no baseline"),
                 qPrintable(canaryOn(none, "stage-eu-1").notJudgedReason));

        Fixture u;
        u.apps[1].operationFinishedAt = QDateTime();
        u.apps[1].operationStartedAt = QDateTime();
        QVERIFY(canaryOn(planCanaries(u.matrix(), options()), "stage-eu-1")
                    .notJudgedReason.contains("time of the release's sync is unknown"));

        // Every cluster on the release: nothing left to compare with, no canary.
        Fixture done;
        for (auto& a : done.apps)
            a.syncRevision = R2;
        done.statuses = {"Healthy", "Healthy", "Healthy", "Healthy"};
        QVERIFY(planCanaries(done.matrix(), options()).isEmpty());
        const ReleaseReview r = recommend(done.matrix(), {});
        QCOMPARE(toString(r.recommendation), toString(Recommendation::Proceed));
        QVERIFY2(r.headline.startsWith("The rollout is complete: every step runs 2222222"),
                 qPrintable(r.headline));
    }

    void selectorsAreEscapedAndValidated() {
        QCOMPARE(promRegexAlternation({"prod.eu-1", "a|b", "q\"x"}),
                 QStringLiteral("prod\\\\.eu-1|a\\\\|b|q\\\"x"));
        const Result<QString> r =
            renderSelector(QStringLiteral("cluster=~\"{{clusters}}\",app=\"{{app}}\""),
                           {{"clusters", "prod.eu-1\nprod-us-1"}, {"app", "we\"b"}});
        QVERIFY(r.ok());
        QCOMPARE(*r, QStringLiteral("cluster=~\"prod\\\\.eu-1|prod-us-1\",app=\"we\\\"b\""));
        QVERIFY(options().validate().ok());
        ReviewOptions bad = options();
        bad.canarySelector = QStringLiteral("cluster=\"{{clustr}}\"");
        QVERIFY(!bad.validate().ok());
        QVERIFY(bad.validate().error().shortMessage.contains("canary selector"));
        ReviewOptions same = options();
        same.baselineSelector = same.canarySelector;
        QVERIFY(same.validate().error().shortMessage.contains("same series"));
        ReviewOptions syntax = options();
        syntax.baselineSelector = QStringLiteral("cluster=prod");
        QVERIFY(!syntax.validate().ok());
        ReviewOptions window = options();
        window.maxWindowMinutes = 5;
        QVERIFY(!window.validate().ok());
        ReviewOptions points = options();
        points.maxWindowMinutes = 24 * 60;
        points.stepMs = 1000;
        QVERIFY2(points.validate().error().shortMessage.contains("11000 points"),
                 qPrintable(points.validate().error().shortMessage));
    }

    void criticalFailureRollsBack() {
        const Fixture f;
        const ReleaseMatrix m = f.matrix();
        const ReleaseReview r =
            review(m, planCanaries(m, options()),
                   {{"dev-eu-1", samples({})}, {"stage-eu-1", samples({"http-error-rate"})}});
        const CanaryReview& stage = canaryOn(r.canaries, "stage-eu-1");
        QCOMPARE(toString(stage.recommendation), toString(Recommendation::RollBack));
        QVERIFY2(stage.reason.startsWith("storefront fails http-error-rate (critical) — "),
                 qPrintable(stage.reason));
        QVERIFY2(stage.reason.contains(" % vs 0.") && stage.reason.endsWith("(p < 0.001)"),
                 qPrintable(stage.reason));
        QCOMPARE(toString(canaryOn(r.canaries, "dev-eu-1").recommendation),
                 toString(Recommendation::Proceed));
        QCOMPARE(toString(r.recommendation), toString(Recommendation::RollBack));
        QVERIFY2(r.headline.startsWith("Halt the rollout at step 2 (stage): on stage-eu-1 "
                                       "storefront fails http-error-rate (critical) — "),
                 qPrintable(r.headline));
        QVERIFY(r.headline.endsWith(". Roll back stage-eu-1."));
        QCOMPARE(r.blocking, QStringLiteral("stage-eu-1 at step 2 (stage)"));
        QCOMPARE(r.steps.size(), 3);
        QCOMPARE(toString(r.steps[0].recommendation), toString(Recommendation::Proceed));
        QCOMPARE(toString(r.steps[1].recommendation), toString(Recommendation::RollBack));
        QCOMPARE(toString(r.steps[2].recommendation), toString(Recommendation::Wait));
        QCOMPARE(toString(r.steps[2].status), toString(StepStatus::Waiting));
        QCOMPARE(r.clusters.size(), 2);
    }

    void passingCanariesProceedToTheNextStep() {
        const Fixture f;
        const ReleaseMatrix m = f.matrix();
        const ReleaseReview r = review(m, planCanaries(m, options()),
                                       {{"dev-eu-1", samples({})}, {"stage-eu-1", samples({})}});
        QCOMPARE(toString(r.recommendation), toString(Recommendation::Proceed));
        QCOMPARE(r.headline, QStringLiteral("Proceed to step 3 (prod): sync prod-eu-1, prod-us-1"));
        QVERIFY(r.blocking.isEmpty());
        QCOMPARE(canaryOn(r.canaries, "stage-eu-1").reason,
                 QStringLiteral("storefront passes (score 100)"));

        // The same canaries while stage is still Progressing: wait for the step.
        Fixture p;
        p.statuses[1] = QStringLiteral("Progressing");
        const ReleaseMatrix pm = p.matrix();
        const ReleaseReview w = review(pm, planCanaries(pm, options()),
                                       {{"dev-eu-1", samples({})}, {"stage-eu-1", samples({})}});
        QCOMPARE(toString(w.recommendation), toString(Recommendation::Wait));
        QCOMPARE(w.headline, QStringLiteral("Wait at step 2 (stage): step 2 (stage) is still "
                                            "rolling out: stage-eu-1 not yet Healthy on the "
                                            "release."));
    }

    void marginalAndFailingMetricsHalt() {
        const Fixture f;
        const ReleaseMatrix m = f.matrix();
        // One of five fails: 80 -> Marginal.
        const ReleaseReview marginal =
            review(m, planCanaries(m, options()),
                   {{"dev-eu-1", samples({})}, {"stage-eu-1", samples({"http-latency-p95"})}});
        const CanaryReview& s1 = canaryOn(marginal.canaries, "stage-eu-1");
        QCOMPARE(toString(s1.recommendation), toString(Recommendation::Halt));
        QVERIFY2(s1.reason.startsWith("storefront is marginal (score 80): failing "
                                      "http-latency-p95 (High: "),
                 qPrintable(s1.reason));
        QCOMPARE(toString(marginal.recommendation), toString(Recommendation::Halt));
        QVERIFY(marginal.headline.startsWith("Halt the rollout at step 2 (stage): on stage-eu-1 "
                                             "storefront is marginal"));
        QVERIFY(!marginal.headline.contains("Roll back"));

        // Two of five fail, none critical: 60 -> Fail, Halt naming both.
        const ReleaseReview fail =
            review(m, planCanaries(m, options()),
                   {{"dev-eu-1", samples({})},
                    {"stage-eu-1", samples({"cpu-usage", "memory-working-set"})}});
        const CanaryReview& s2 = canaryOn(fail.canaries, "stage-eu-1");
        QCOMPARE(toString(s2.recommendation), toString(Recommendation::Halt));
        QVERIFY2(s2.reason.startsWith("storefront fails (score 60): cpu-usage (High: "),
                 qPrintable(s2.reason));
        QVERIFY(s2.reason.contains("memory-working-set (High: "));
        QVERIFY(s2.reason.contains(" MiB vs "));
    }

    void noDataHalts() {
        const Fixture f;
        const ReleaseMatrix m = f.matrix();
        const ReleaseReview r = review(
            m, planCanaries(m, options()),
            {{"dev-eu-1", samples({})},
             {"stage-eu-1", samples({}, {"http-latency-p95", "cpu-usage", "memory-working-set"})}});
        const CanaryReview& s = canaryOn(r.canaries, "stage-eu-1");
        QCOMPARE(toString(s.recommendation), toString(Recommendation::Halt));
        QVERIFY2(s.reason.startsWith("not enough data for storefront: 3 of 5 metrics have no data"),
                 qPrintable(s.reason));

        // A critical metric without data halts too (it is no reason to roll back).
        const ReleaseReview c =
            review(m, planCanaries(m, options()),
                   {{"dev-eu-1", samples({})}, {"stage-eu-1", samples({}, {"http-error-rate"})}});
        QCOMPARE(toString(canaryOn(c.canaries, "stage-eu-1").recommendation),
                 toString(Recommendation::Halt));
        QVERIFY(canaryOn(c.canaries, "stage-eu-1").reason.contains("critical: http-error-rate"));

        // Prometheus failures arrive as errors per metric: Halt naming the failed queries.
        QVector<analysis::MetricSamples> failed = samples({});
        for (analysis::MetricSamples& ms : failed) {
            ms.canary.clear();
            ms.baseline.clear();
            ms.error = Error::make(Error::Kind::Network, QStringLiteral("connection refused"));
        }
        const ReleaseReview e = review(m, planCanaries(m, options()),
                                       {{"dev-eu-1", samples({})}, {"stage-eu-1", failed}});
        QCOMPARE(toString(canaryOn(e.canaries, "stage-eu-1").recommendation),
                 toString(Recommendation::Halt));
        QVERIFY(canaryOn(e.canaries, "stage-eu-1").reason.contains("(query failed: "));
    }

    void unhealthyReleaseRollsBackWithoutMetrics() {
        Fixture f;
        f.apps[1].health = argocd::HealthStatus::Degraded;
        f.apps[1].healthMessage = QStringLiteral("Back-off restarting failed container web");
        const ReleaseMatrix m = f.matrix();
        const ReleaseReview r = review(m, planCanaries(m, options()), {{"dev-eu-1", samples({})}});
        QCOMPARE(canaryOn(r.canaries, "stage-eu-1").reason,
                 QStringLiteral("storefront is Degraded on the release: Back-off restarting "
                                "failed container web"));
        QCOMPARE(toString(r.recommendation), toString(Recommendation::RollBack));
        QVERIFY(r.headline.endsWith("Roll back stage-eu-1."));

        Fixture s;
        s.apps[1].operationPhase = argocd::OperationPhase::Failed;
        const ReleaseMatrix sm = s.matrix();
        const ReleaseReview sr =
            review(sm, planCanaries(sm, options()), {{"dev-eu-1", samples({})}});
        QCOMPARE(toString(canaryOn(sr.canaries, "stage-eu-1").recommendation),
                 toString(Recommendation::RollBack));
        QVERIFY(
            canaryOn(sr.canaries, "stage-eu-1").reason.contains("the sync of the release failed"));
    }

    void unhealthyReleaseWithoutBaselineStillCounts() {
        // Every cluster runs the release and one is Degraded: nothing to compare with, but the
        // release is rolled back there.
        Fixture f;
        for (auto& a : f.apps)
            a.syncRevision = R2;
        f.statuses = {"Healthy", "Healthy", "Healthy", "Progressing"};
        f.apps[3].health = argocd::HealthStatus::Degraded;
        const ReleaseMatrix m = f.matrix();
        const QVector<CanaryReview> cs = planCanaries(m, options());
        QCOMPARE(cs.size(), 1);
        QCOMPARE(cs.first().notJudgedReason,
                 QStringLiteral("no baseline: every cluster of this component runs the release"));
        const ReleaseReview r = recommend(m, cs);
        QCOMPARE(toString(r.recommendation), toString(Recommendation::RollBack));
        QVERIFY2(r.headline.startsWith("Halt the rollout at step 3 (prod): on prod-us-1 "
                                       "storefront is Degraded on the release"),
                 qPrintable(r.headline));

        // A failed sync of the release leaves the cell OutOfSync: it still took the release.
        Fixture s;
        s.apps[2].sync = argocd::SyncStatus::OutOfSync;
        s.apps[2].syncRevision = R2;
        s.apps[2].operationPhase = argocd::OperationPhase::Error;
        s.statuses[2] = QStringLiteral("Progressing");
        const ReleaseMatrix sm = s.matrix();
        const QVector<CanaryReview> scs = planCanaries(sm, options());
        const CanaryReview* failed = nullptr;
        for (const CanaryReview& c : scs)
            if (c.cluster == QLatin1String("prod-eu-1"))
                failed = &c;
        QVERIFY(failed);
        QCOMPARE(failed->baselineClusters, QStringList{"prod-us-1"});
        const ReleaseReview sr = recommend(sm, scs);
        QCOMPARE(toString(sr.recommendation), toString(Recommendation::RollBack));
        QVERIFY2(sr.headline.contains("on prod-eu-1 storefront: the sync of the release ended in "
                                      "an error"),
                 qPrintable(sr.headline));
    }

    void emptyStepsAreSkipped() {
        Fixture f;
        f.apps.removeAt(1); // no stage application
        f.statuses.removeAt(1);
        json st = json::array();
        const int steps[] = {1, 3, 3};
        for (int i = 0; i < f.apps.size(); ++i)
            st.push_back({{"application", f.apps[i].name.toStdString()},
                          {"status", f.statuses[i].toStdString()},
                          {"step", std::to_string(steps[i])}});
        const json set = {
            {"metadata", {{"name", "storefront"}}},
            {"spec",
             {{"strategy",
               {{"type", "RollingSync"},
                {"rollingSync", {{"steps", {step("dev"), step("stage"), step("prod")}}}}}}}},
            {"status", {{"applicationStatus", st}}}};
        const ReleaseMatrix m = *buildReleaseMatrix(set, f.apps);
        const ReleaseReview r = review(m, planCanaries(m, options()), {{"dev-eu-1", samples({})}});
        QCOMPARE(r.steps[1].reason, QStringLiteral("no application of the set matches this step"));
        QCOMPARE(r.headline, QStringLiteral("Proceed to step 3 (prod): sync prod-eu-1, prod-us-1"));
    }

    void notJudgedWaits() {
        Fixture f;
        f.apps[1] = app("stage-eu-1", "stage", R2, 4);
        const ReleaseMatrix m = f.matrix();
        const ReleaseReview r = review(m, planCanaries(m, options()), {{"dev-eu-1", samples({})}});
        QCOMPARE(toString(r.recommendation), toString(Recommendation::Wait));
        QCOMPARE(r.headline, QStringLiteral("Wait at step 2 (stage): on stage-eu-1 storefront not "
                                            "judged: too early: synced 4 minutes ago, 10 "
                                            "needed."));
        QCOMPARE(r.blocking, QStringLiteral("stage-eu-1 at step 2 (stage)"));
    }

    void withoutRollingSyncEnvironmentsAreTheSteps() {
        const Fixture f;
        const ReleaseMatrix m = buildReleaseMatrix(QStringLiteral("team=shop"), f.apps);
        const ReleaseReview r = review(m, planCanaries(m, options()),
                                       {{"dev-eu-1", samples({})}, {"stage-eu-1", samples({})}});
        QCOMPARE(r.steps.size(), 3);
        QCOMPARE(r.steps[2].description, QStringLiteral("environment prod"));
        QCOMPARE(r.headline, QStringLiteral("Proceed to step 3 (prod): sync prod-eu-1, prod-us-1"));
    }

    void reportsAreEscaped() {
        Fixture f;
        f.apps[1].health = argocd::HealthStatus::Degraded;
        f.apps[1].healthMessage = QStringLiteral("<script>alert(1)</script> | *bold* & `x`");
        const ReleaseMatrix m = f.matrix();
        QVector<CanaryReview> cs = planCanaries(m, options());
        ReleaseReview r = review(m, cs, {{"dev-eu-1", samples({})}});
        r.generatedAt = now();
        MetricChart chart;
        chart.metric = QStringLiteral("http-error-rate");
        chart.canary.timesMs = {0, 30000, 60000};
        chart.canary.values = {0.01, 0.05, 0.08};
        chart.baseline.timesMs = {0, 30000, 60000};
        chart.baseline.values = {0.003, 0.003, 0.004};
        for (CanaryReview& c : r.canaries)
            if (c.cluster == QLatin1String("dev-eu-1"))
                c.charts = {chart};

        const QString md = reviewToMarkdown(r);
        QVERIFY(md.contains("## Release review: storefront — Roll back"));
        QVERIFY2(md.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*bold\\* &amp; \\`x\\`"),
                 qPrintable(md));
        QVERIFY(!md.contains("<script>"));
        QVERIFY(md.contains("| prod-eu-1 (prod) |"));

        const QString html = reviewToHtml(r);
        QVERIFY(html.startsWith("<!DOCTYPE html>"));
        QVERIFY(!html.contains("<script>"));
        QVERIFY(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | *bold* &amp; `x`"));
        QVERIFY(html.contains("<svg"));
        QVERIFY(html.contains("<polyline"));
        QVERIFY(!html.contains("<link") && !html.contains(" src=")); // self-contained
        QVERIFY(html.contains(">Roll back<"));

        const nlohmann::ordered_json j = reviewToJson(r);
        QCOMPARE(j["recommendation"].get<std::string>(), std::string("Roll back"));
        QCOMPARE(j["applicationSet"].get<std::string>(), std::string("storefront"));
        QCOMPARE(j["steps"].size(), std::size_t(3));
        QCOMPARE(j["rows"][0]["cells"].size(), std::size_t(4));
        QCOMPARE(j["canaries"][0]["charts"][0]["canary"][2][1].get<double>(), 0.08);
        QVERIFY(j["canaries"][1]["judged"].get<bool>());
        QVERIFY(j["canaries"][1].contains("report"));
        QCOMPARE(j["generatedAt"].get<std::string>(), std::string("2026-03-01T12:00:00Z"));
    }
};

QTEST_GUILESS_MAIN(TestReleaseReview)
#include "tst_releasereview.moc"
