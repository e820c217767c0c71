// release::buildReleaseMatrix and friends on hand-built applications and ApplicationSet objects:
// RollingSync step matching (In/NotIn as Argo CD's label selectors), ownership from the status
// and from the template's labels, rows by source with the environment segment removed, column
// order, the release and previous revision, the current step, outliers in words, the version
// matrix's drift, and the Releases list summary.

#include "release/releasematrix.h"

#include <QTest>

using namespace sextant;
using namespace sextant::release;
using json = nlohmann::json;

namespace {

const QString R0 = QStringLiteral("0000000000000000000000000000000000000000");
const QString R1 = QStringLiteral("1111111111111111111111111111111111111111");
const QString R2 = QStringLiteral("2222222222222222222222222222222222222222");

QDateTime at(int minutesAgo) {
    return QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC).addSecs(-60 * minutesAgo);
}

argocd::AppSummary app(const QString& component, const QString& cluster, const QString& env,
                       const QString& rev, int syncedMinutesAgo,
                       argocd::HealthStatus health = argocd::HealthStatus::Healthy) {
    argocd::AppSummary a;
    a.instance = QStringLiteral("lab");
    a.name = component + QLatin1Char('-') + cluster;
    a.appNamespace = QStringLiteral("argocd");
    a.destName = cluster;
    a.destNamespace = QStringLiteral("shop");
    a.repoURL = QStringLiteral("https://git.example.com/shop.git");
    a.path = QStringLiteral("%1/overlays/%2").arg(component, env);
    a.targetRevision = QStringLiteral("main");
    a.sync = argocd::SyncStatus::Synced;
    a.syncRevision = rev;
    a.health = health;
    a.operationPhase = argocd::OperationPhase::Succeeded;
    a.operationStartedAt = at(syncedMinutesAgo + 1);
    a.operationFinishedAt = at(syncedMinutesAgo);
    a.labels = {{QStringLiteral("env"), env}, {QStringLiteral("app"), component}};
    a.images = {QStringLiteral("registry.example.com/shop/%1:%2")
                    .arg(component, rev == R2   ? QStringLiteral("1.5.0")
                                    : rev == R1 ? QStringLiteral("1.4.2")
                                                : QStringLiteral("1.3.0"))};
    return a;
}

json step(const QString& env) {
    return {{"matchExpressions",
             json::array({{{"key", "env"}, {"operator", "In"}, {"values", {env.toStdString()}}}})}};
}

json appset(const QVector<argocd::AppSummary>& apps, const json& statuses) {
    json resources = json::array();
    for (const argocd::AppSummary& a : apps)
        resources.push_back({{"group", "argoproj.io"},
                             {"kind", "Application"},
                             {"name", a.name.toStdString()},
                             {"namespace", "argocd"}});
    return {{"metadata", {{"name", "storefront"}, {"namespace", "argocd"}}},
            {"spec",
             {{"strategy",
               {{"type", "RollingSync"},
                {"rollingSync", {{"steps", {step("dev"), step("stage"), step("prod")}}}}}},
              {"template", {{"metadata", {{"labels", {{"team", "shop"}}}}}}}}},
            {"status", {{"resources", resources}, {"applicationStatus", statuses}}}};
}

json status(const argocd::AppSummary& a, int step, const char* s) {
    return {{"application", a.name.toStdString()},
            {"status", s},
            {"step", std::to_string(step)},
            {"message", "Application resource became " + std::string(s)}};
}

// dev and stage on R2 (stage-eu-1 still Progressing), prod on R1 and Waiting.
struct Rollout {
    QVector<argocd::AppSummary> apps = {
        app(QStringLiteral("storefront"), QStringLiteral("prod-us-1"), QStringLiteral("prod"), R1,
            3000),
        app(QStringLiteral("storefront"), QStringLiteral("dev-eu-1"), QStringLiteral("dev"), R2,
            120),
        app(QStringLiteral("storefront"), QStringLiteral("stage-eu-1"), QStringLiteral("stage"), R2,
            30),
        app(QStringLiteral("storefront"), QStringLiteral("stage-us-1"), QStringLiteral("stage"), R2,
            40),
        app(QStringLiteral("storefront"), QStringLiteral("prod-eu-1"), QStringLiteral("prod"), R1,
            3000)};
    json statuses() const {
        return json::array({status(apps[0], 3, "Waiting"), status(apps[1], 1, "Healthy"),
                            status(apps[2], 2, "Progressing"), status(apps[3], 2, "Healthy"),
                            status(apps[4], 3, "Waiting")});
    }
};

const ReleaseCell& cellOn(const ReleaseMatrix& m, const QString& cluster) {
    for (const ReleaseCell& c : m.cells)
        if (c.cluster == cluster)
            return c;
    static ReleaseCell none;
    return none;
}

bool anyContains(const QStringList& l, const QString& needle) {
    return std::any_of(l.begin(), l.end(), [&](const QString& s) { return s.contains(needle); });
}

} // namespace

class TestReleaseMatrix : public QObject {
    Q_OBJECT
private slots:
    void stepMatchingFollowsLabelSelectors() {
        RollingStep s;
        s.matchExpressions =
            json::array({{{"key", "env"}, {"operator", "In"}, {"values", {"stage", "prod"}}},
                         {{"key", "region"}, {"operator", "NotIn"}, {"values", {"us"}}}});
        using L = QList<QPair<QString, QString>>;
        QVERIFY(s.matches(L{{"env", "stage"}, {"region", "eu"}}));
        QVERIFY(s.matches(L{{"env", "prod"}})); // NotIn holds when the label is absent
        QVERIFY(!s.matches(L{{"env", "prod"}, {"region", "us"}})); // NotIn wins
        QVERIFY(!s.matches(L{{"env", "dev"}}));
        QVERIFY(!s.matches(L{{"region", "eu"}})); // In needs the label
        RollingStep all;
        QVERIFY(all.matches(L{})); // no expressions select everything
        RollingStep bad;
        bad.matchExpressions =
            json::array({{{"key", "env"}, {"operator", "Gt"}, {"values", {"1"}}}});
        QVERIFY(!bad.matches(L{{"env", "1"}}));
    }

    void rollingSyncLayout() {
        const Rollout r;
        const Result<ReleaseMatrix> built =
            buildReleaseMatrix(appset(r.apps, r.statuses()), r.apps);
        QVERIFY(built.ok());
        const ReleaseMatrix& m = *built;
        QVERIFY(m.rollingSync);
        QCOMPARE(m.steps.size(), 3);
        QCOMPARE(m.steps[1].description, QStringLiteral("env In (stage)"));
        QStringList columns;
        for (const ReleaseColumn& c : m.columns)
            columns << QStringLiteral("%1/%2/%3").arg(c.cluster, c.environment).arg(c.step);
        QCOMPARE(columns, QStringList({"dev-eu-1/dev/1", "stage-eu-1/stage/2", "stage-us-1/stage/2",
                                       "prod-eu-1/prod/3", "prod-us-1/prod/3"}));
        QCOMPARE(m.rows.size(), 1);
        const ReleaseRow& row = m.rows.first();
        QCOMPARE(row.component,
                 QStringLiteral("https://git.example.com/shop/storefront/overlays/*"));
        QCOMPARE(row.releaseRevision, R2); // the most advanced step in progress runs R2
        QCOMPARE(row.previousRevision, R1);
        QCOMPARE(row.releaseImages, QStringList{"registry.example.com/shop/storefront:1.5.0"});
        QCOMPARE(row.previousImages, QStringList{"registry.example.com/shop/storefront:1.4.2"});
        for (int i = 0; i < row.cells.size(); ++i)
            QCOMPARE(m.cells[row.cells[i]].cluster, m.columns[i].cluster);
        QVERIFY(cellOn(m, "stage-eu-1").onReleaseRevision);
        QVERIFY(!cellOn(m, "prod-eu-1").onReleaseRevision);
        QCOMPARE(toString(cellOn(m, "stage-eu-1").stepStatus), toString(StepStatus::Progressing));
        QCOMPARE(cellOn(m, "prod-us-1").stepMessage,
                 QStringLiteral("Application resource became Waiting"));
        QCOMPARE(m.currentStep, 2);
        QVERIFY2(m.outliers.isEmpty(), qPrintable(m.outliers.join('\n')));
        QVERIFY(m.notes.isEmpty());
    }

    void stepsFromLabelsWithoutStatus() {
        const Rollout r;
        const ReleaseMatrix m = *buildReleaseMatrix(appset(r.apps, json::array()), r.apps);
        QCOMPARE(cellOn(m, "dev-eu-1").step, 1);
        QCOMPARE(cellOn(m, "stage-us-1").step, 2);
        QCOMPARE(cellOn(m, "prod-eu-1").step, 3);
        QCOMPARE(toString(cellOn(m, "prod-eu-1").stepStatus), toString(StepStatus::None));
        // Without a status the release is the most recently synced revision.
        QCOMPARE(m.rows.first().releaseRevision, R2);
        // Steps 1 and 2 are Healthy on the release; prod is not: the current step is 3.
        QCOMPARE(m.currentStep, 3);
    }

    void ownershipAndMissingApplications() {
        Rollout r;
        json set = appset(r.apps, r.statuses());
        set["status"]["resources"].push_back(
            {{"kind", "Application"}, {"name", "storefront-prod-ap-1"}, {"namespace", "argocd"}});
        QVector<argocd::AppSummary> fleet = r.apps;
        fleet << app(QStringLiteral("billing"), QStringLiteral("prod-eu-1"), QStringLiteral("prod"),
                     R1, 10); // not the set's
        const ReleaseMatrix m = *buildReleaseMatrix(set, fleet);
        QCOMPARE(m.cells.size(), 5);
        QVERIFY(std::none_of(m.cells.begin(), m.cells.end(), [](const ReleaseCell& c) {
            return c.app.name.startsWith("billing");
        }));
        QVERIFY2(anyContains(m.notes, "storefront-prod-ap-1 is listed in the ApplicationSet's "
                                      "status but not in the fleet"),
                 qPrintable(m.notes.join('\n')));
    }

    void ownershipFromTemplateLabels() {
        Rollout r;
        for (argocd::AppSummary& a : r.apps)
            a.labels.append({QStringLiteral("team"), QStringLiteral("shop")});
        QVector<argocd::AppSummary> fleet = r.apps;
        fleet << app(QStringLiteral("billing"), QStringLiteral("prod-eu-1"), QStringLiteral("prod"),
                     R1, 10);
        json set = appset(r.apps, json::array());
        set["status"].erase("resources");
        const ReleaseMatrix m = *buildReleaseMatrix(set, fleet);
        QCOMPARE(m.cells.size(), 5);
        QVERIFY(anyContains(m.notes, "found by the template's labels"));

        json templated = set;
        templated["spec"]["template"]["metadata"]["labels"] = {{"env", "{{.metadata.labels.env}}"}};
        const ReleaseMatrix none = *buildReleaseMatrix(templated, fleet);
        QVERIFY(none.cells.isEmpty());
        QVERIFY(anyContains(none.notes, "no fixed labels"));
        QVERIFY(!buildReleaseMatrix(json::array(), fleet).ok());
    }

    void outliersInWords() {
        Rollout r;
        r.apps[2].health = argocd::HealthStatus::Degraded; // stage-eu-1
        r.apps[2].healthMessage =
            QStringLiteral("Deployment storefront exceeded its progress deadline");
        r.apps[0].syncRevision = R0; // prod-us-1 on a third revision
        r.apps << app(QStringLiteral("storefront"), QStringLiteral("prod-ap-1"),
                      QStringLiteral("prod"), R1, 3000, argocd::HealthStatus::Missing);
        json st = r.statuses();
        st.push_back(status(r.apps[5], 3, "Waiting"));
        const ReleaseMatrix m = *buildReleaseMatrix(appset(r.apps, st), r.apps);
        QCOMPARE(m.outliers.size(), 3);
        QVERIFY2(m.outliers[0].startsWith("storefront-stage-eu-1 on stage-eu-1 is Degraded: "
                                          "Deployment storefront exceeded"),
                 qPrintable(m.outliers.join('\n')));
        QVERIFY(m.outliers[1].contains("storefront-prod-ap-1 on prod-ap-1 is Missing"));
        QCOMPARE(m.outliers[2], QStringLiteral("storefront-prod-us-1 on prod-us-1 runs 0000000, "
                                               "neither the release 2222222 nor the previous "
                                               "1111111"));
        QCOMPARE(cellOn(m, "prod-us-1").outlierReasons.size(), 1);
        QVERIFY(cellOn(m, "prod-eu-1").outlierReasons.isEmpty());

        // Degraded while every other cell is Healthy says so; a failed sync too.
        Rollout h;
        h.apps[4].health = argocd::HealthStatus::Degraded; // prod-eu-1
        h.apps[3].operationPhase = argocd::OperationPhase::Failed;
        const ReleaseMatrix hm = *buildReleaseMatrix(appset(h.apps, h.statuses()), h.apps);
        QVERIFY2(anyContains(hm.outliers, "storefront-prod-eu-1 on prod-eu-1 is Degraded while "
                                          "the rest of its row is Healthy"),
                 qPrintable(hm.outliers.join('\n')));
        QVERIFY(anyContains(hm.outliers, "storefront-stage-us-1 on stage-us-1: the sync failed"));
    }

    void oneClusterBehindItsEnvironment() {
        // No ApplicationSet: three prod clusters, one left on the old revision.
        const QVector<argocd::AppSummary> apps = {app("api", "prod-a", "prod", R1, 60),
                                                  app("api", "prod-b", "prod", R1, 50),
                                                  app("api", "prod-c", "prod", R0, 9000)};
        const ReleaseMatrix m = buildReleaseMatrix(QStringLiteral("team=api"), apps);
        QVERIFY(!m.rollingSync);
        QCOMPARE(m.rows.first().releaseRevision, R1);
        QCOMPARE(m.rows.first().previousRevision, R0);
        QCOMPARE(
            m.outliers,
            QStringList{"api-prod-c on prod-c runs 0000000 while the rest of prod runs 1111111"});
    }

    void outOfSyncCellsRunSomethingOlder() {
        // RollingSync on a branch: every app targets R2, only dev has synced it.
        Rollout r;
        for (int i : {0, 2, 3, 4}) {
            r.apps[i].sync = argocd::SyncStatus::OutOfSync;
            r.apps[i].syncRevision = R2;
            r.apps[i].images = {QStringLiteral("registry.example.com/shop/storefront:1.4.2")};
        }
        const json st =
            json::array({status(r.apps[0], 3, "Waiting"), status(r.apps[1], 1, "Healthy"),
                         status(r.apps[2], 2, "Pending"), status(r.apps[3], 2, "Pending"),
                         status(r.apps[4], 3, "Waiting")});
        const ReleaseMatrix m = *buildReleaseMatrix(appset(r.apps, st), r.apps);
        const ReleaseRow& row = m.rows.first();
        QCOMPARE(row.releaseRevision, R2);
        QVERIFY(row.previousRevision.isEmpty()); // unknown from the list view
        QVERIFY(cellOn(m, "dev-eu-1").onReleaseRevision);
        QVERIFY(!cellOn(m, "stage-eu-1").onReleaseRevision);
        QCOMPARE(row.previousImages, QStringList{"registry.example.com/shop/storefront:1.4.2"});
        QCOMPARE(m.currentStep, 2);
    }

    void componentsAndCollisions() {
        argocd::AppSummary chart = app("web", "prod-a", "prod", R1, 10);
        chart.path = QStringLiteral("charts/web");
        argocd::AppSummary chart2 = chart;
        chart2.name = QStringLiteral("web-admin-prod-a");
        argocd::AppSummary noRepo = app("job", "prod-a", "prod", R1, 10);
        noRepo.repoURL.clear();
        const ReleaseMatrix m = buildReleaseMatrix(QStringLiteral("x"), {chart, chart2, noRepo});
        QStringList rows;
        for (const ReleaseRow& r : m.rows)
            rows << r.component;
        QCOMPARE(rows, QStringList({"https://git.example.com/shop/charts/web", "job-prod-a",
                                    "web-admin-prod-a"}));
    }

    void clusterNamesFromServers() {
        QVector<argocd::AppSummary> apps;
        for (const char* server : {"https://api.prod-eu-1.k8s.example.net:6443",
                                   "https://kubernetes.default.svc", "https://prod.a.example.com",
                                   "https://prod.b.example.com", "https://10.0.0.7:6443"}) {
            argocd::AppSummary a = app("web", "x", "prod", R1, 10);
            a.destName.clear();
            a.destServer = QLatin1String(server);
            a.name = QStringLiteral("web-%1").arg(apps.size());
            a.path = QStringLiteral("charts/web");
            apps << a;
        }
        const ReleaseMatrix m = buildReleaseMatrix(QStringLiteral("x"), apps);
        QStringList names;
        for (const ReleaseColumn& c : m.columns)
            names << c.cluster;
        names.sort();
        QCOMPARE(names, QStringList({"10.0.0.7:6443", "in-cluster", "prod-eu-1",
                                     "prod.a.example.com", "prod.b.example.com"}));
        QCOMPARE(m.rows.size(), 1); // one component across the five clusters
    }

    void versionMatrixShowsDrift() {
        const QVector<argocd::AppSummary> apps = {
            app("web", "dev-a", "dev", R2, 10),    app("web", "stage-a", "stage", R2, 10),
            app("web", "prod-a", "prod", R1, 10),  app("web", "prod-b", "prod", R1, 10),
            app("db", "stage-a", "stage", R1, 10), app("db", "prod-a", "prod", R1, 10)};
        const VersionMatrix vm = buildVersionMatrix(apps);
        QCOMPARE(vm.environments, QStringList({"dev", "stage", "prod"}));
        QCOMPARE(vm.rows.size(), 2);
        const VersionRow& db = vm.rows[0];
        const VersionRow& web = vm.rows[1];
        QVERIFY(db.component.endsWith("db/overlays/*"));
        QVERIFY(!db.drift);
        QVERIFY(web.drift);
        QCOMPARE(web.driftDescription,
                 QStringLiteral("prod runs 1.4.2, stage runs 1.5.0, dev runs 1.5.0"));
        QCOMPARE(web.environments.last().apps, 2);
        QCOMPARE(web.environments.last().versions, QStringList{"1.4.2"});
    }

    void appSetSummary() {
        const Rollout r;
        json set = appset(r.apps, r.statuses());
        set["status"]["conditions"] =
            json::array({{{"type", "RolloutProgressing"},
                          {"status", "True"},
                          {"message", "ApplicationSet Rollout is progressing"}},
                         {{"type", "ErrorOccurred"}, {"status", "False"}, {"message", "old"}}});
        set["status"]["health"] = {{"status", "Progressing"}};
        const AppSetSummary s = summariseAppSet(QStringLiteral("lab"), set);
        QCOMPARE(s.name, QStringLiteral("storefront"));
        QCOMPARE(s.appsetNamespace, QStringLiteral("argocd"));
        QCOMPARE(s.strategy, QStringLiteral("RollingSync"));
        QCOMPARE(s.steps, 3);
        QCOMPARE(s.currentStep, 2);
        QCOMPARE(s.applications, 5);
        QCOMPARE(s.health, QStringLiteral("Progressing"));
        QCOMPARE(s.message, QStringLiteral("ApplicationSet Rollout is progressing"));
        const AppSetSummary plain =
            summariseAppSet(QStringLiteral("lab"), {{"metadata", {{"name", "x"}}}});
        QCOMPARE(plain.strategy, QStringLiteral("AllAtOnce"));
        QCOMPARE(plain.applications, 0);
        QCOMPARE(summariseAppSet(QStringLiteral("lab"), json()).name, QString());
    }

    void environmentOrder() {
        QVERIFY(environmentRank("dev") < environmentRank("stage"));
        QVERIFY(environmentRank("staging") < environmentRank("prod"));
        QVERIFY(environmentRank("production") > environmentRank("uat"));
        QCOMPARE(environmentRank("moon"), 100);
        QCOMPARE(toString(stepStatusFromString(u"Pending")), toString(StepStatus::Pending));
        QCOMPARE(toString(StepStatus::Healthy), QStringLiteral("Healthy"));
    }
};

QTEST_GUILESS_MAIN(TestReleaseMatrix)
#include "tst_releasematrix.moc"
