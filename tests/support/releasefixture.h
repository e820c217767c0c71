#pragma once

// A release review built by hand, as the release review would produce it for a realistic
// ApplicationSet: three components rolled out by RollingSync over dev → stage → prod (four
// clusters). The release has reached dev and stage; payments-api 1.5.0 fails its critical HTTP
// error rate on stage-eu-1 (roll back), checkout-web passes, ledger-worker was synced too
// recently to judge, and ledger-worker on prod-us-1 drifted to an older version. Used by the
// models' and the Releases page's tests (no Prometheus, no Argo CD: plain struct data).

#include "release/releasematrix.h"
#include "release/releasereview.h"

#include <QDateTime>

#include <cmath>

namespace sextant::test {

inline const QString kReleaseInstance = QStringLiteral("prod-eu");

inline argocd::AppSummary releaseApp(const QString& component, const QString& cluster,
                                     const QString& env, const QString& version,
                                     const QString& revision) {
    argocd::AppSummary a;
    a.instance = kReleaseInstance;
    a.name = component + QLatin1Char('-') + cluster;
    a.appNamespace = QStringLiteral("argocd");
    a.project = QStringLiteral("shop");
    a.destName = cluster;
    a.destServer = QStringLiteral("https://api.%1.k8s.example.net:6443").arg(cluster);
    a.destNamespace = QStringLiteral("shop");
    a.repoURL = QStringLiteral("https://git.example.net/platform/shop-deploy.git");
    a.path = QStringLiteral("apps/%1/overlays/%2").arg(component, env);
    a.targetRevision = QStringLiteral("main");
    a.autoSync = true;
    a.sync = argocd::SyncStatus::Synced;
    a.syncRevision = revision;
    a.health = argocd::HealthStatus::Healthy;
    a.operationPhase = argocd::OperationPhase::Succeeded;
    a.labels = {{QStringLiteral("env"), env}, {QStringLiteral("component"), component}};
    a.images = {QStringLiteral("registry.example.net/shop/%1:%2").arg(component, version)};
    return a;
}

// A series sampled every 30 s from `start`: `base` with a gentle wave and a deterministic
// jitter, times `factor` after `stepAt` points (a regression that starts after the sync).
inline release::ChartSeries releaseSeries(const QDateTime& start, int points, double base,
                                          double jitter, double factor = 1, int stepAt = 0,
                                          int seed = 1) {
    release::ChartSeries s;
    for (int i = 0; i < points; ++i) {
        s.timesMs.append(start.addSecs(30 * i).toMSecsSinceEpoch());
        const double wave = std::sin((i + seed * 7) / 6.0) * 0.5 + std::sin(i * 1.7 + seed) * 0.5;
        s.values.append((base + jitter * wave) * (i >= stepAt ? factor : 1.0));
    }
    return s;
}

inline analysis::MetricResult releaseMetric(const QString& name, analysis::Classification c,
                                            bool critical, double p, double effect,
                                            double canaryMedian, double baselineMedian,
                                            const QString& reason) {
    analysis::MetricResult m;
    m.name = name;
    m.classification = c;
    m.critical = critical;
    m.criticalFailure =
        critical && c != analysis::Classification::Pass && c != analysis::Classification::NoData;
    m.pValue = p;
    m.effectSize = effect;
    m.canary.n = std::isnan(canaryMedian) ? 0 : 90;
    m.canary.median = std::isnan(canaryMedian) ? 0 : canaryMedian;
    m.baseline.n = 90;
    m.baseline.median = baselineMedian;
    m.reason = reason;
    m.method = QStringLiteral("Mann-Whitney U");
    return m;
}

// `failing` = true: payments-api fails on stage (Roll back at step 2). false: it passes and the
// review recommends proceeding to step 3 (prod).
inline release::ReleaseReview releaseReview(const QDateTime& now, bool failing = true) {
    using namespace release;
    using analysis::Classification;
    ReleaseReview review;
    ReleaseMatrix& m = review.matrix;
    m.name = QStringLiteral("shop");
    m.instance = kReleaseInstance;
    m.rollingSync = true;
    const QStringList envs = {QStringLiteral("dev"), QStringLiteral("stage"),
                              QStringLiteral("prod")};
    for (int i = 0; i < envs.size(); ++i) {
        RollingStep step;
        step.index = i + 1;
        step.description = QStringLiteral("env In (%1)").arg(envs[i]);
        step.maxUpdate = i == 2 ? QStringLiteral("50%") : QString();
        m.steps.append(step);
    }
    m.currentStep = failing ? 2 : 3;
    const struct {
        const char* cluster;
        const char* env;
        int step;
    } columns[] = {{"dev-eu-1", "dev", 1},
                   {"stage-eu-1", "stage", 2},
                   {"prod-eu-1", "prod", 3},
                   {"prod-us-1", "prod", 3}};
    for (const auto& c : columns)
        m.columns.append({QString::fromLatin1(c.cluster), QString::fromLatin1(c.env), c.step});

    const struct {
        const char* component;
        const char* previous;
        const char* release;
        const char* previousRev;
        const char* releaseRev;
    } rows[] = {{"payments-api", "1.4.2", "1.5.0", "5b0c1f3e9a7d2c4b6e8f0a1b3c5d7e9f1a2b3c4d",
                 "9e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d"},
                {"checkout-web", "2.8.0", "2.9.1", "5b0c1f3e9a7d2c4b6e8f0a1b3c5d7e9f1a2b3c4d",
                 "9e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d"},
                {"ledger-worker", "0.9.3", "0.9.4", "5b0c1f3e9a7d2c4b6e8f0a1b3c5d7e9f1a2b3c4d",
                 "9e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d"}};
    for (const auto& r : rows) {
        ReleaseRow row;
        row.component = QString::fromLatin1(r.component);
        row.releaseRevision = QString::fromLatin1(r.releaseRev);
        row.previousRevision = QString::fromLatin1(r.previousRev);
        row.releaseImages = {
            QStringLiteral("registry.example.net/shop/%1:%2").arg(row.component, r.release)};
        row.previousImages = {
            QStringLiteral("registry.example.net/shop/%1:%2").arg(row.component, r.previous)};
        for (const auto& c : columns) {
            const QString cluster = QString::fromLatin1(c.cluster);
            const QString env = QString::fromLatin1(c.env);
            const bool onRelease = c.step < 3; // dev and stage run the release
            ReleaseCell cell;
            cell.component = row.component;
            cell.cluster = cluster;
            cell.environment = env;
            cell.step = c.step;
            cell.onReleaseRevision = onRelease;
            cell.app = releaseApp(row.component, cluster, env,
                                  QString::fromLatin1(onRelease ? r.release : r.previous),
                                  QString::fromLatin1(onRelease ? r.releaseRev : r.previousRev));
            cell.app.operationStartedAt = now.addSecs(onRelease ? -40 * 60 : -3 * 86400);
            cell.app.operationFinishedAt = cell.app.operationStartedAt.addSecs(45);
            cell.stepStatus = c.step == 1 ? StepStatus::Healthy
                              : c.step == 2
                                  ? (failing ? StepStatus::Progressing : StepStatus::Healthy)
                                  : StepStatus::Waiting;
            if (cell.stepStatus == StepStatus::Waiting)
                cell.stepMessage = QStringLiteral("Application is waiting for a previous step");
            row.cells.append(int(m.cells.size()));
            m.cells.append(cell);
        }
        m.rows.append(row);
    }
    // payments-api on stage: crash-looping on the release.
    ReleaseCell& paymentsStage = m.cells[1];
    if (failing) {
        paymentsStage.app.health = argocd::HealthStatus::Degraded;
        paymentsStage.app.healthMessage =
            QStringLiteral("Deployment payments-api: 2 of 4 pods in CrashLoopBackOff");
        paymentsStage.outlierReasons
            << QStringLiteral("payments-api on stage-eu-1 is Degraded; its other clusters are "
                              "Healthy");
    }
    // ledger-worker on prod-us-1: an older version than prod-eu-1, before the release got there.
    ReleaseCell& ledgerUs = m.cells[11];
    ledgerUs.app.images = {QStringLiteral("registry.example.net/shop/ledger-worker:0.9.2")};
    ledgerUs.app.syncRevision = QStringLiteral("0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d");
    ledgerUs.outlierReasons << QStringLiteral(
        "ledger-worker on prod-us-1 runs 0.9.2; the other clusters on the previous revision run "
        "0.9.3");
    // ledger-worker on dev: synced four minutes ago.
    m.cells[8].app.operationStartedAt = now.addSecs(-4 * 60);
    for (const ReleaseCell& c : m.cells)
        for (const QString& r : c.outlierReasons)
            m.outliers << r;

    // Canaries: every release cell, judged against prod-eu-1 and prod-us-1.
    const QDateTime start = now.addSecs(-45 * 60);
    const QStringList baseline = {QStringLiteral("prod-eu-1"), QStringLiteral("prod-us-1")};
    auto canary = [&](int cellIndex) {
        const ReleaseCell& cell = m.cells[cellIndex];
        CanaryReview c;
        c.cell = cellIndex;
        c.app = cell.app.name;
        c.cluster = cell.cluster;
        c.environment = cell.environment;
        c.step = cell.step;
        c.baselineClusters = baseline;
        c.target.ns = QStringLiteral("shop");
        c.target.start = start;
        c.target.end = now;
        return c;
    };
    auto passingReport = [&](CanaryReview& c, int seed) {
        c.judged = true;
        c.report.verdict = analysis::Verdict::Pass;
        c.report.score = 100;
        c.report.scoreReason = QStringLiteral("6 of 6 counted metrics pass");
        c.report.metrics = {
            releaseMetric(QStringLiteral("http-error-rate"), Classification::Pass, true, 0.62, 1.04,
                          0.0031, 0.0030, QStringLiteral("no significant difference (p = 0.62)")),
            releaseMetric(QStringLiteral("latency-p95"), Classification::Pass, false, 0.35, 1.02,
                          0.301, 0.298, QStringLiteral("no significant difference (p = 0.35)")),
            releaseMetric(QStringLiteral("latency-p99"), Classification::Pass, false, 0.48, 0.99,
                          0.612, 0.618, QStringLiteral("no significant difference (p = 0.48)")),
            releaseMetric(QStringLiteral("restarts"), Classification::Pass, false, NAN, NAN, 0, 0,
                          QStringLiteral("identical samples")),
            releaseMetric(QStringLiteral("cpu"), Classification::Pass, false, 0.09, 1.06, 0.212,
                          0.201, QStringLiteral("a ratio of 1.06 is within the allowed 1.2")),
            releaseMetric(QStringLiteral("memory"), Classification::Pass, false, 0.27, 1.01, 2.61e8,
                          2.58e8, QStringLiteral("no significant difference (p = 0.27)"))};
        c.charts = {{QStringLiteral("http-error-rate"),
                     releaseSeries(start, 90, 0.0031, 0.0008, 1, 0, seed),
                     releaseSeries(start, 90, 0.0030, 0.0006, 1, 0, seed + 1)},
                    {QStringLiteral("latency-p95"),
                     releaseSeries(start, 90, 0.30, 0.03, 1, 0, seed),
                     releaseSeries(start, 90, 0.298, 0.02, 1, 0, seed + 1)}};
        c.recommendation = Recommendation::Proceed;
        c.reason = QStringLiteral("All 6 metrics pass (score 100).");
    };

    CanaryReview paymentsDev = canary(0);
    passingReport(paymentsDev, 1);
    review.canaries << paymentsDev;

    CanaryReview paymentsStageCanary = canary(1);
    if (failing) {
        paymentsStageCanary.judged = true;
        paymentsStageCanary.report.verdict = analysis::Verdict::Fail;
        paymentsStageCanary.report.score = 0;
        paymentsStageCanary.report.scoreReason =
            QStringLiteral("critical metric http-error-rate failed: score set to 0 (3 of 5 "
                           "counted metrics pass)");
        paymentsStageCanary.report.metrics = {
            releaseMetric(QStringLiteral("http-error-rate"), Classification::High, true, 2.1e-9,
                          13.7, 0.041, 0.0030,
                          QStringLiteral("canary higher than baseline (p < 0.001, ratio 13.7, "
                                         "critical above 1.5)")),
            releaseMetric(QStringLiteral("latency-p95"), Classification::High, false, 0.0004, 1.38,
                          0.412, 0.298,
                          QStringLiteral("canary higher than baseline (p = 0.0004, ratio 1.38 ≥ "
                                         "1.2)")),
            releaseMetric(QStringLiteral("latency-p99"), Classification::Pass, false, 0.07, 1.08,
                          0.661, 0.618, QStringLiteral("no significant difference (p = 0.07)")),
            releaseMetric(QStringLiteral("restarts"), Classification::Pass, false, 0.11, 1.9, 2, 0,
                          QStringLiteral("a shift inside the tolerance band")),
            releaseMetric(QStringLiteral("cpu"), Classification::Pass, false, 0.31, 1.03, 0.207,
                          0.201, QStringLiteral("no significant difference (p = 0.31)")),
            releaseMetric(QStringLiteral("memory"), Classification::NoData, false, NAN, NAN, NAN,
                          2.58e8,
                          QStringLiteral("no data for the canary: the query returned no series"))};
        paymentsStageCanary.charts = {
            {QStringLiteral("http-error-rate"),
             releaseSeries(start, 90, 0.0031, 0.0008, 13.2, 14, 3),
             releaseSeries(start, 90, 0.0030, 0.0006, 1, 0, 4)},
            {QStringLiteral("latency-p95"), releaseSeries(start, 90, 0.30, 0.03, 1.38, 14, 5),
             releaseSeries(start, 90, 0.298, 0.02, 1, 0, 6)},
            {QStringLiteral("latency-p99"), releaseSeries(start, 90, 0.62, 0.05, 1.07, 14, 7),
             releaseSeries(start, 90, 0.618, 0.04, 1, 0, 8)}};
        paymentsStageCanary.recommendation = Recommendation::RollBack;
        paymentsStageCanary.reason =
            QStringLiteral("http-error-rate (critical) is 13.7× the baseline: 4.1 % of requests "
                           "fail against 0.3 % on prod-eu-1 and prod-us-1.");
    } else {
        passingReport(paymentsStageCanary, 3);
    }
    review.canaries << paymentsStageCanary;

    CanaryReview checkoutDev = canary(4);
    passingReport(checkoutDev, 9);
    review.canaries << checkoutDev;
    CanaryReview checkoutStage = canary(5);
    passingReport(checkoutStage, 11);
    review.canaries << checkoutStage;

    CanaryReview ledgerDev = canary(8);
    ledgerDev.judged = false;
    ledgerDev.notJudgedReason =
        QStringLiteral("synced 4 minutes ago: the window needs at least 10 minutes");
    ledgerDev.recommendation = Recommendation::Wait;
    ledgerDev.reason = QStringLiteral("Too early to judge; review again in 6 minutes.");
    review.canaries << ledgerDev;
    CanaryReview ledgerStage = canary(9);
    passingReport(ledgerStage, 13);
    review.canaries << ledgerStage;

    // Clusters and steps.
    ClusterReview dev{QStringLiteral("dev-eu-1"),
                      QStringLiteral("dev"),
                      1,
                      {0, 2, 4},
                      Recommendation::Proceed,
                      QStringLiteral("2 canaries pass, 1 too early")};
    ClusterReview stage{QStringLiteral("stage-eu-1"),
                        QStringLiteral("stage"),
                        2,
                        {1, 3, 5},
                        failing ? Recommendation::RollBack : Recommendation::Proceed,
                        failing ? QStringLiteral("payments-api fails http-error-rate (critical)")
                                : QStringLiteral("3 canaries pass")};
    ClusterReview prodEu{QStringLiteral("prod-eu-1"),
                         QStringLiteral("prod"),
                         3,
                         {},
                         Recommendation::Wait,
                         QStringLiteral("not on the release yet")};
    ClusterReview prodUs{QStringLiteral("prod-us-1"),
                         QStringLiteral("prod"),
                         3,
                         {},
                         Recommendation::Wait,
                         QStringLiteral("not on the release yet")};
    review.clusters = {dev, stage, prodEu, prodUs};
    review.steps = {{1,
                     m.steps[0].description,
                     StepStatus::Healthy,
                     {QStringLiteral("dev-eu-1")},
                     Recommendation::Proceed,
                     QStringLiteral("all canaries pass or are too early")},
                    {2,
                     m.steps[1].description,
                     failing ? StepStatus::Progressing : StepStatus::Healthy,
                     {QStringLiteral("stage-eu-1")},
                     failing ? Recommendation::RollBack : Recommendation::Proceed,
                     failing ? QStringLiteral("payments-api on stage-eu-1 fails http-error-rate")
                             : QStringLiteral("all 3 canaries pass")},
                    {3,
                     m.steps[2].description,
                     StepStatus::Waiting,
                     {QStringLiteral("prod-eu-1"), QStringLiteral("prod-us-1")},
                     Recommendation::Wait,
                     failing ? QStringLiteral("waiting for step 2")
                             : QStringLiteral("ready: sync when you proceed")}};
    review.recommendation = failing ? Recommendation::RollBack : Recommendation::Proceed;
    review.headline =
        failing ? QStringLiteral("Roll back at step 2 (stage): payments-api on stage-eu-1 fails "
                                 "http-error-rate (4.1 % vs 0.3 %, critical)")
                : QStringLiteral("Proceed to step 3 (prod): every judged canary passes");
    review.blocking = failing ? QStringLiteral("step 2 (stage) · stage-eu-1") : QString();
    review.metricSetSource = QStringLiteral("built-in (resources/canary-metrics.yaml)");
    review.prometheus = QStringLiteral("http://127.0.0.1:9090");
    review.generatedAt = now;
    review.notes << QStringLiteral(
        "ledger-worker on dev-eu-1 was synced 4 minutes ago and is not judged yet.");
    return review;
}

inline release::VersionMatrix releaseVersions() {
    using release::VersionCell;
    release::VersionMatrix v;
    v.environments = {QStringLiteral("dev"), QStringLiteral("stage"), QStringLiteral("prod")};
    auto row = [](const char* component, QVector<VersionCell> cells, const char* drift) {
        release::VersionRow r;
        r.component = QString::fromLatin1(component);
        r.environments = std::move(cells);
        r.drift = drift != nullptr;
        r.driftDescription = drift ? QString::fromUtf8(drift) : QString();
        return r;
    };
    const QString dev = QStringLiteral("dev"), stage = QStringLiteral("stage"),
                  prod = QStringLiteral("prod");
    v.rows = {row("checkout-web",
                  {{dev, {QStringLiteral("2.9.1")}, 1},
                   {stage, {QStringLiteral("2.9.1")}, 1},
                   {prod, {QStringLiteral("2.8.0")}, 2}},
                  "prod runs 2.8.0, stage runs 2.9.1"),
              row("ledger-worker",
                  {{dev, {QStringLiteral("0.9.4")}, 1},
                   {stage, {QStringLiteral("0.9.4")}, 1},
                   {prod, {QStringLiteral("0.9.3"), QStringLiteral("0.9.2")}, 2}},
                  "prod runs 0.9.3 and 0.9.2, stage runs 0.9.4"),
              row("payments-api",
                  {{dev, {QStringLiteral("1.5.0")}, 1},
                   {stage, {QStringLiteral("1.5.0")}, 1},
                   {prod, {QStringLiteral("1.4.2")}, 2}},
                  "prod runs 1.4.2, stage runs 1.5.0"),
              row("search-api",
                  {{dev, {QStringLiteral("3.2.0")}, 1},
                   {stage, {QStringLiteral("3.2.0")}, 1},
                   {prod, {QStringLiteral("3.2.0")}, 3}},
                  nullptr)};
    return v;
}

inline QVector<release::AppSetSummary> releaseAppSets() {
    using release::AppSetSummary;
    return {{kReleaseInstance, QStringLiteral("shop"), QStringLiteral("argocd"),
             QStringLiteral("RollingSync"), 3, 2, 12, QStringLiteral("Degraded"),
             QStringLiteral("RolloutProgressing: Application resource became Progressing, updating "
                            "status from Pending to Progressing")},
            {kReleaseInstance, QStringLiteral("search"), QStringLiteral("argocd"),
             QStringLiteral("RollingSync"), 3, 0, 9, QStringLiteral("Healthy"), QString()},
            {QStringLiteral("prod-us"), QStringLiteral("platform-addons"), QStringLiteral("argocd"),
             QStringLiteral("AllAtOnce"), 0, 0, 24, QStringLiteral("Healthy"), QString()},
            {QStringLiteral("prod-us"), QStringLiteral("observability"),
             QStringLiteral("openshift-gitops"), QStringLiteral("AllAtOnce"), 0, 0, 6,
             QStringLiteral("Progressing"),
             QStringLiteral("ErrorOccurred: failed to generate params: cluster list is empty")}};
}

} // namespace sextant::test
