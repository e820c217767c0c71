// report::buildFleetReport and its renderings (docs/reports.md): prioritisation, grouping by
// cause, drift categorisation from the data-driven catalogue, environments, change detection
// from the list and from a timeline, comparison with an earlier report, "and N more" limits,
// escaping, the JSON schema, redaction, and the Slack/generic webhook payloads.

#include "report/driftcatalogue.h"
#include "report/fleetreport.h"
#include "report/reportformat.h"
#include "report/webhook.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace sextant;
using namespace sextant::report;
using argocd::HealthStatus;
using argocd::OperationPhase;
using argocd::SyncStatus;

namespace {

const QDateTime kNow = QDateTime(QDate(2026, 11, 26), QTime(7, 0), Qt::UTC);

argocd::AppSummary app(const QString& name, const QString& instance, const QString& env,
                       HealthStatus health = HealthStatus::Healthy,
                       SyncStatus sync = SyncStatus::Synced) {
    argocd::AppSummary a;
    a.instance = instance;
    a.appNamespace = QStringLiteral("argocd");
    a.name = name;
    a.project = QStringLiteral("shop");
    a.destName = env + QStringLiteral("-eu-1");
    a.destNamespace = QStringLiteral("shop");
    a.repoURL = QStringLiteral("https://git.example.com/shop/") + name + QStringLiteral(".git");
    a.path = QStringLiteral("deploy");
    a.health = health;
    a.sync = sync;
    a.labels = {{QStringLiteral("env"), env}};
    return a;
}

argocd::AppSummary failedSync(argocd::AppSummary a, qint64 minutesAgo) {
    a.operationPhase = OperationPhase::Failed;
    a.operationStartedAt = kNow.addSecs(-minutesAgo * 60 - 30);
    a.operationFinishedAt = kNow.addSecs(-minutesAgo * 60);
    a.syncRevision = QStringLiteral("8d2e4f6a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d91");
    return a;
}

ReportInput input(QVector<argocd::AppSummary> apps) {
    ReportInput in;
    in.apps = std::move(apps);
    in.now = kNow;
    return in;
}

QStringList failingOrder(const FleetReport& r) {
    QStringList names;
    for (const FailingApp& f : r.failing)
        names << f.app;
    return names;
}

analysis::Diagnosis diagnosis(const QString& category, const QString& summary,
                              const QString& step) {
    analysis::Diagnosis d;
    analysis::Finding f;
    f.category = category;
    f.summary = summary;
    f.remediation = {step};
    f.confidence = 0.9;
    d.findings << f;
    return d;
}

QJsonObject parse(const QByteArray& json) {
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << error.errorString();
    return doc.object();
}

} // namespace

class TestFleetReport : public QObject {
    Q_OBJECT
private slots:
    void builtinCatalogueLoads() {
        const DriftCatalogue& c = DriftCatalogue::builtin();
        QVERIFY(c.rules().size() >= 5);
        QVERIFY(c.environments().size() >= 3);
        QCOMPARE(c.rankOf(QStringLiteral("production")), 0);
        QVERIFY(c.rankOf(QStringLiteral("staging")) < c.rankOf(QStringLiteral("development")));
    }

    void badCatalogueIsAClearError() {
        auto noRules = DriftCatalogue::fromYaml("environments: {}\n", QStringLiteral("x.yaml"));
        QVERIFY(!noRules);
        QVERIFY(noRules.error().shortMessage.contains(QLatin1String("x.yaml")));
        auto badCategory = DriftCatalogue::fromYaml("drift:\n  - {category: network, reason: r}\n",
                                                    QStringLiteral("y.yaml"));
        QVERIFY(!badCategory);
        QVERIFY(badCategory.error().details.contains(QLatin1String("network")));
        auto noReason =
            DriftCatalogue::fromYaml("drift:\n  - {category: application}\n", QStringLiteral("z"));
        QVERIFY(!noReason);
        auto notYaml = DriftCatalogue::fromYaml("drift: [\n", QStringLiteral("w"));
        QVERIFY(!notYaml);
    }

    void globs() {
        QVERIFY(DriftCatalogue::globMatch(QStringLiteral("openshift-*"),
                                          QStringLiteral("openshift-monitoring")));
        QVERIFY(DriftCatalogue::globMatch(QStringLiteral("*-csi-*"), QStringLiteral("aws-csi-x")));
        QVERIFY(DriftCatalogue::globMatch(QStringLiteral("kube-?ublic"),
                                          QStringLiteral("KUBE-PUBLIC")));
        QVERIFY(!DriftCatalogue::globMatch(QStringLiteral("openshift-*"),
                                           QStringLiteral("my-openshift")));
        QVERIFY(!DriftCatalogue::globMatch(QStringLiteral("monitoring"),
                                           QStringLiteral("monitoring2")));
    }

    void driftCategories_data() {
        QTest::addColumn<QString>("ns");
        QTest::addColumn<QString>("project");
        QTest::addColumn<QString>("label");
        QTest::addColumn<QString>("category");
        QTest::addColumn<QString>("reasonPart");
        QTest::newRow("kube-system") << "kube-system"
                                     << "shop"
                                     << ""
                                     << "infrastructure"
                                     << "Kubernetes system";
        QTest::newRow("openshift") << "openshift-monitoring"
                                   << "shop"
                                   << ""
                                   << "infrastructure"
                                   << "OpenShift";
        QTest::newRow("cert-manager") << "cert-manager"
                                      << "shop"
                                      << ""
                                      << "infrastructure"
                                      << "certificate";
        QTest::newRow("ingress") << "ingress-nginx"
                                 << "shop"
                                 << ""
                                 << "infrastructure"
                                 << "ingress";
        QTest::newRow("monitoring") << "monitoring"
                                    << "shop"
                                    << ""
                                    << "infrastructure"
                                    << "monitoring";
        QTest::newRow("cluster-scoped") << ""
                                        << "shop"
                                        << ""
                                        << "infrastructure"
                                        << "cluster-scoped";
        QTest::newRow("platform project") << "team-x"
                                          << "platform"
                                          << ""
                                          << "infrastructure"
                                          << "platform project";
        QTest::newRow("label") << "team-x"
                               << "shop"
                               << "tier=infrastructure"
                               << "infrastructure"
                               << "labelled";
        QTest::newRow("workload") << "shop"
                                  << "shop"
                                  << "tier=backend"
                                  << "application"
                                  << "workload";
    }

    void driftCategories() {
        QFETCH(QString, ns);
        QFETCH(QString, project);
        QFETCH(QString, label);
        QFETCH(QString, category);
        QFETCH(QString, reasonPart);
        argocd::AppSummary a =
            app(QStringLiteral("x"), QStringLiteral("i"), QStringLiteral("prod"));
        a.destNamespace = ns;
        a.project = project;
        if (!label.isEmpty())
            a.labels << qMakePair(label.section(QLatin1Char('='), 0, 0),
                                  label.section(QLatin1Char('='), 1));
        const DriftClass c = DriftCatalogue::builtin().classify(a);
        QCOMPARE(c.category, category);
        QVERIFY2(c.reason.contains(reasonPart, Qt::CaseInsensitive), qPrintable(c.reason));
    }

    void customCatalogueDrivesTheCategories() {
        auto cat = DriftCatalogue::fromYaml(
            "drift:\n"
            "  - {category: infrastructure, reason: \"shared data stores\", names: [\"*-db\"]}\n"
            "  - {category: application, reason: everything else}\n",
            QStringLiteral("custom.yaml"));
        QVERIFY(cat);
        ReportInput in =
            input({app(QStringLiteral("orders-db"), QStringLiteral("i"), QStringLiteral("prod"),
                       HealthStatus::Healthy, SyncStatus::OutOfSync),
                   app(QStringLiteral("orders-api"), QStringLiteral("i"), QStringLiteral("prod"),
                       HealthStatus::Healthy, SyncStatus::OutOfSync)});
        in.catalogue = &*cat;
        const FleetReport r = buildFleetReport(in);
        QCOMPARE(r.driftInfrastructure, 1);
        QCOMPARE(r.driftApplication, 1);
        QCOMPARE(r.drift.first().app, QStringLiteral("orders-db")); // infrastructure first
        QCOMPARE(r.drift.first().reason, QStringLiteral("shared data stores"));
    }

    void environments() {
        const DriftCatalogue& c = DriftCatalogue::builtin();
        argocd::AppSummary a = app(QStringLiteral("x"), QStringLiteral("i"), QStringLiteral("prd"));
        QCOMPARE(c.environmentOf(a).name, QStringLiteral("production"));
        a.labels.clear();
        a.destName = QStringLiteral("stage-eu-shop");
        QCOMPARE(c.environmentOf(a).name, QStringLiteral("staging"));
        a.destName.clear();
        a.destServer = QStringLiteral("https://api.dev-euw1-02.k8s.example.net:6443");
        QCOMPARE(c.environmentOf(a).name, QStringLiteral("development"));
        a.destServer = QStringLiteral("https://kubernetes.default.svc");
        QCOMPARE(c.environmentOf(a, QStringLiteral("prod-us")).name, QStringLiteral("production"));
        QCOMPARE(c.environmentOf(a, QStringLiteral("lab")).name, QStringLiteral("other"));
    }

    void prioritisation() {
        // Production before staging before development; sync failed / Degraded before
        // Missing; longer failing first; a wider blast radius first.
        argocd::AppSummary devDegraded = app(QStringLiteral("dev-degraded"), QStringLiteral("a"),
                                             QStringLiteral("dev"), HealthStatus::Degraded);
        argocd::AppSummary stageFailed = failedSync(
            app(QStringLiteral("stage-failed"), QStringLiteral("a"), QStringLiteral("stage")), 300);
        argocd::AppSummary prodMissing = app(QStringLiteral("prod-missing"), QStringLiteral("a"),
                                             QStringLiteral("prod"), HealthStatus::Missing);
        argocd::AppSummary prodNew = failedSync(
            app(QStringLiteral("prod-new"), QStringLiteral("a"), QStringLiteral("prod")), 5);
        argocd::AppSummary prodOld = failedSync(
            app(QStringLiteral("prod-old"), QStringLiteral("a"), QStringLiteral("prod")), 120);
        argocd::AppSummary prodWide = app(QStringLiteral("prod-wide"), QStringLiteral("a"),
                                          QStringLiteral("prod"), HealthStatus::Degraded);
        argocd::AppSummary prodWide2 = prodWide;
        prodWide2.instance = QStringLiteral("b"); // same source on another instance
        argocd::AppSummary prodNarrow = app(QStringLiteral("prod-narrow"), QStringLiteral("a"),
                                            QStringLiteral("prod"), HealthStatus::Degraded);
        argocd::AppSummary healthy =
            app(QStringLiteral("fine"), QStringLiteral("a"), QStringLiteral("prod"));
        argocd::AppSummary drifting =
            app(QStringLiteral("drifting"), QStringLiteral("a"), QStringLiteral("prod"),
                HealthStatus::Healthy, SyncStatus::OutOfSync);
        const FleetReport r =
            buildFleetReport(input({devDegraded, stageFailed, prodMissing, prodNew, prodNarrow,
                                    healthy, prodOld, prodWide, drifting, prodWide2}));
        QCOMPARE(failingOrder(r),
                 (QStringList{"prod-old", "prod-new", "prod-wide", "prod-wide", "prod-narrow",
                              "prod-missing", "stage-failed", "dev-degraded"}));
        QCOMPARE(r.totals.failing, 8);
        QCOMPARE(r.failing[2].blastRadius, 2);
        QCOMPARE(r.failing.first().since, kNow.addSecs(-120 * 60));
        // OutOfSync alone is drift, not failing.
        QVERIFY(!failingOrder(r).contains(QStringLiteral("drifting")));
        QCOMPARE(r.drift.size(), 1);
    }

    void timelineGivesFailingSinceAndOrder() {
        argocd::AppSummary a = app(QStringLiteral("recent"), QStringLiteral("i"),
                                   QStringLiteral("prod"), HealthStatus::Degraded);
        argocd::AppSummary b = app(QStringLiteral("longstanding"), QStringLiteral("i"),
                                   QStringLiteral("prod"), HealthStatus::Degraded);
        // Different messages: two causes, each with its own "for ...".
        a.healthMessage = QStringLiteral("Back-off pulling image");
        b.healthMessage = QStringLiteral("exceeded its progress deadline");
        ReportInput in = input({a, b});
        in.health.insert(a.key(), {{kNow.addSecs(-7200), HealthStatus::Healthy, {}},
                                   {kNow.addSecs(-600), HealthStatus::Degraded, {}}});
        in.health.insert(b.key(), {{kNow.addSecs(-90000), HealthStatus::Missing, {}},
                                   {kNow.addSecs(-80000), HealthStatus::Degraded, {}}});
        const FleetReport r = buildFleetReport(in);
        QCOMPARE(failingOrder(r), (QStringList{"longstanding", "recent"}));
        QCOMPARE(r.failing.first().since, kNow.addSecs(-90000)); // the start of the bad run
        QCOMPARE(r.failing.last().since, kNow.addSecs(-600));
        QVERIFY(fleetReportToMarkdown(r).contains(QLatin1String("Degraded for 10 min")));
    }

    void changesFromTheList() {
        argocd::AppSummary inside =
            app(QStringLiteral("synced-today"), QStringLiteral("i"), QStringLiteral("prod"));
        inside.operationPhase = OperationPhase::Succeeded;
        inside.operationStartedAt = kNow.addSecs(-3600);
        inside.operationFinishedAt = kNow.addSecs(-3500);
        inside.syncRevision = QStringLiteral("3f1c2a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39");
        argocd::AppSummary outside = inside;
        outside.name = QStringLiteral("synced-last-week");
        outside.operationStartedAt = kNow.addDays(-7);
        outside.operationFinishedAt = kNow.addDays(-7).addSecs(60);
        argocd::AppSummary failed = failedSync(
            app(QStringLiteral("failed-today"), QStringLiteral("i"), QStringLiteral("prod")), 30);
        ReportInput in = input({inside, outside, failed});
        in.operations.insert(failed.key(), {QStringLiteral("one or more objects failed to apply"),
                                            QStringLiteral("ana")});
        const FleetReport r = buildFleetReport(in);
        QCOMPARE(r.changeSource, QStringLiteral("list"));
        QCOMPARE(r.changes.size(), 2);
        QCOMPARE(r.changes[0].app, QStringLiteral("failed-today")); // newest first
        QCOMPARE(r.changes[0].initiatedBy, QStringLiteral("ana"));
        QCOMPARE(r.changes[1].app, QStringLiteral("synced-today"));
        QCOMPARE(r.changesFailed, 1);
        QVERIFY(!r.notes.isEmpty()); // says that the list shows one operation per app
        const QString md = fleetReportToMarkdown(r);
        QVERIFY(md.contains(QLatin1String("`3f1c2a9`")));
        QVERIFY(md.contains(QLatin1String("2 syncs on 2 applications: 1 failed, 1 succeeded")));
        QVERIFY(!md.contains(QLatin1String("synced-last-week")));
    }

    void changesFromTheTimeline() {
        argocd::AppSummary a =
            app(QStringLiteral("api"), QStringLiteral("i"), QStringLiteral("prod"));
        ReportInput in = input({a});
        fleet::SyncRecord s1{QStringLiteral("aaaaaaa1"),
                             kNow.addSecs(-7200),
                             kNow.addSecs(-7100),
                             OperationPhase::Succeeded,
                             {}};
        fleet::SyncRecord s2{QStringLiteral("bbbbbbb2"), kNow.addSecs(-3600), kNow.addSecs(-3590),
                             OperationPhase::Failed, QStringLiteral("hook failed\nmore")};
        fleet::SyncRecord old{QStringLiteral("0000000"),
                              kNow.addDays(-3),
                              kNow.addDays(-3),
                              OperationPhase::Succeeded,
                              {}};
        in.syncs.insert(a.key(), {old, s1, s2});
        fleet::DeployEntry e;
        e.revision = QStringLiteral("aaaaaaa1");
        e.deployedAt = kNow.addSecs(-7100);
        e.initiatedBy = QStringLiteral("automated");
        in.deployHistory.insert(a.key(), {e});
        const FleetReport r = buildFleetReport(in);
        QCOMPARE(r.changeSource, QStringLiteral("timeline"));
        QCOMPARE(r.changes.size(), 2);
        QCOMPARE(r.changes[0].revision, QStringLiteral("bbbbbbb2"));
        QCOMPARE(r.changes[0].message, QStringLiteral("hook failed"));
        QCOMPARE(r.changes[1].initiatedBy, QStringLiteral("automated"));
        QCOMPARE(r.changedApps, 1);
        QVERIFY(r.notes.isEmpty());
    }

    void comparisonWithThePreviousReport() {
        const FleetReport before = buildFleetReport(
            input({app(QStringLiteral("a"), QStringLiteral("i"), QStringLiteral("prod"),
                       HealthStatus::Degraded),
                   app(QStringLiteral("b"), QStringLiteral("i"), QStringLiteral("prod"))}));
        const auto prev = previousFromReportJson(
            nlohmann::json::parse(fleetReportToJsonText(before).toStdString()));
        QVERIFY(prev.has_value());
        QCOMPARE(prev->failing, 1);
        QCOMPARE(prev->at, kNow);
        ReportInput in = input({app(QStringLiteral("a"), QStringLiteral("i"),
                                    QStringLiteral("prod"), HealthStatus::Degraded),
                                app(QStringLiteral("b"), QStringLiteral("i"),
                                    QStringLiteral("prod"), HealthStatus::Missing),
                                app(QStringLiteral("c"), QStringLiteral("i"),
                                    QStringLiteral("prod"), HealthStatus::Missing)});
        in.now = kNow.addDays(1);
        in.previous = prev;
        const QString md = fleetReportToMarkdown(buildFleetReport(in));
        QVERIFY2(md.contains(QStringLiteral("failing 1 → 3 (+2)")), qPrintable(md));
        QVERIFY(md.contains(QStringLiteral("applications 2 → 3 (+1)")));
        QVERIFY(!previousFromReportJson(nlohmann::json::parse("{\"format\":\"other\"}")));
        // From the fleet history: the last snapshot before the period.
        QVector<fleet::FleetHistory::Point> points(3);
        points[0].time = kNow.addDays(-2);
        points[0].counts.degraded = 7;
        points[1].time = kNow.addSecs(-86400);
        points[1].counts.degraded = 4;
        points[2].time = kNow;
        const auto fromHistory = previousFromHistory(points, kNow.addSecs(-86400));
        QVERIFY(fromHistory);
        QCOMPARE(fromHistory->degraded, 4);
        QCOMPARE(fromHistory->failing, -1);
    }

    void causesGroupAndDiagnosesApply() {
        QVector<argocd::AppSummary> apps;
        ReportInput in;
        for (const char* name : {"orders-api", "billing-web", "search-indexer"}) {
            argocd::AppSummary a = failedSync(
                app(QString::fromLatin1(name), QStringLiteral("i"), QStringLiteral("prod")), 30);
            a.destNamespace = QString::fromLatin1(name).section(QLatin1Char('-'), 0, 0);
            apps << a;
        }
        argocd::AppSummary checkout = app(QStringLiteral("shop-checkout"), QStringLiteral("i"),
                                          QStringLiteral("prod"), HealthStatus::Degraded);
        apps << checkout;
        in = input(apps);
        for (const auto& a : apps)
            if (a.syncFailed())
                in.operations.insert(
                    a.key(), {QStringLiteral("admission webhook \"validate.kyverno.svc\" denied "
                                             "Deployment/%1/%2: requests and limits are required")
                                  .arg(a.destNamespace, a.name),
                              {}});
        in.diagnoses.insert(apps[0].key(),
                            diagnosis(QStringLiteral("SyncApplyFailed"),
                                      QStringLiteral("Admission webhook rejected the object"),
                                      QStringLiteral("Change the manifest in Git")));
        in.diagnoses.insert(checkout.key(),
                            diagnosis(QStringLiteral("ImagePullNotFound"),
                                      QStringLiteral("Image registry.example.com/shop/"
                                                     "checkout:v2.41.0 does not exist"),
                                      QStringLiteral("Check the tag exists")));
        const FleetReport r = buildFleetReport(in);
        QCOMPARE(r.causes.size(), 2);
        QCOMPARE(r.causes[0].members.size(), 3); // the undiagnosed two joined the diagnosed one
        QVERIFY(r.causes[0].diagnosed);
        QCOMPARE(r.causes[0].diagnosedOn, QStringLiteral("orders-api"));
        QCOMPARE(r.causes[1].category, QStringLiteral("ImagePullNotFound"));
        QCOMPARE(r.diagnosed, 2);
        QCOMPARE(r.attention.size(), 2);
        QVERIFY(r.attention[0].headline.startsWith(QLatin1String("3 applications")));
        QCOMPARE(r.attention[1].action, QStringLiteral("Check the tag exists"));
        const QString md = fleetReportToMarkdown(r);
        QVERIFY(md.contains(QLatin1String("diagnosed on orders-api")));
        QVERIFY(md.contains(QLatin1String("Root cause (ImagePullNotFound, 90%)")));
    }

    void operationInfoAndMasking() {
        const auto info = operationInfoFromApplication(nlohmann::json::parse(R"({
            "status": {"operationState": {"phase": "Failed", "message": "one or more objects failed",
                       "operation": {"initiatedBy": {"automated": true}}}}})"));
        QCOMPARE(info.message, QStringLiteral("one or more objects failed"));
        QCOMPARE(info.initiatedBy, QStringLiteral("automated"));
        const auto byUser = operationInfoFromApplication(nlohmann::json::parse(
            R"({"status": {"operationState": {"operation": {"initiatedBy": {"username": "ana"}}}}})"));
        QCOMPARE(byUser.initiatedBy, QStringLiteral("ana"));
        // Odd shapes read as nothing, never throw.
        QVERIFY(operationInfoFromApplication(
                    nlohmann::json::parse(R"({"status": {"operationState": 3}})"))
                    .message.isEmpty());
        QVERIFY(operationInfoFromApplication(
                    nlohmann::json::parse(R"({"status": {"operationState": {"operation":
                        {"initiatedBy": {"automated": "yes"}}}}})"))
                    .initiatedBy.isEmpty());
        QCOMPARE(maskSpecifics(QStringLiteral("Deployment \"web\" in shop/web-7f9c exceeded 600s"),
                               {QStringLiteral("web")}),
                 QStringLiteral("Deployment \"…\" in … exceeded Ns"));
    }

    void andNMore() {
        QVector<argocd::AppSummary> apps;
        for (int i = 0; i < 40; ++i) {
            argocd::AppSummary a =
                app(QStringLiteral("app-%1").arg(i), QStringLiteral("i"), QStringLiteral("prod"),
                    HealthStatus::Degraded, SyncStatus::OutOfSync);
            // 40 different causes: the health messages differ in words, not only in names.
            a.healthMessage = QStringLiteral("cause %1 happened").arg(QChar('A' + (i % 26))) +
                              QString(i / 26 + 1, QLatin1Char('!'));
            a.operationPhase = OperationPhase::Succeeded;
            a.operationStartedAt = kNow.addSecs(-60 * (i + 1));
            apps << a;
        }
        const FleetReport r = buildFleetReport(input(apps));
        QCOMPARE(r.failing.size(), 40);
        QCOMPARE(r.causes.size(), 40);
        const QString md = fleetReportToMarkdown(r);
        QVERIFY2(md.contains(QStringLiteral("…and 15 more causes (15 applications")),
                 qPrintable(md));
        QVERIFY(md.contains(QStringLiteral("…and 15 more syncs.")));
        QVERIFY(md.contains(QLatin1String(" and 28 more\n"))); // drift: 12 listed of 40
        const QString html = fleetReportToHtml(r);
        QVERIFY(html.contains(QStringLiteral("…and 15 more causes")));
        // JSON carries everything.
        const QJsonObject json = parse(fleetReportToJsonText(r));
        QCOMPARE(json[QLatin1String("failing")][QLatin1String("items")].toArray().size(), 40);
        QCOMPARE(json[QLatin1String("drift")][QLatin1String("items")].toArray().size(), 40);
        QCOMPARE(json[QLatin1String("changes")][QLatin1String("items")].toArray().size(), 40);
    }

    void escaping() {
        argocd::AppSummary a = app(QStringLiteral("web"), QStringLiteral("i"),
                                   QStringLiteral("prod"), HealthStatus::Degraded);
        a.healthMessage =
            QStringLiteral("<script>alert(1)</script> **bold** | pipe [link](http://x) "
                           "& `kubectl get pods`");
        const FleetReport r = buildFleetReport(input({a}));
        const QString html = fleetReportToHtml(r);
        QVERIFY(!html.contains(QLatin1String("<script>")));
        QVERIFY(html.contains(QLatin1String("&lt;script&gt;alert(1)&lt;/script&gt;")));
        QVERIFY(html.contains(QLatin1String("&amp; `kubectl")));
        const QString md = fleetReportToMarkdown(r);
        QVERIFY(md.contains(QLatin1String("\\<script\\>")));
        QVERIFY(md.contains(QLatin1String("\\*\\*bold\\*\\*")));
        QVERIFY(md.contains(QLatin1String("\\| pipe \\[link\\]")));
        QVERIFY(md.contains(QLatin1String("`kubectl get pods`"))); // code spans stay code
        QCOMPARE(escapeMarkdown(QStringLiteral("a\nb_c")), QStringLiteral("a b\\_c"));
        QCOMPARE(escapeMarkdown(QStringLiteral("one ` tick")), QStringLiteral("one \\` tick"));
    }

    void jsonSchema() {
        argocd::AppSummary a = failedSync(
            app(QStringLiteral("orders"), QStringLiteral("prod-us"), QStringLiteral("prod")), 10);
        argocd::AppSummary b =
            app(QStringLiteral("ingress"), QStringLiteral("prod-us"), QStringLiteral("prod"),
                HealthStatus::Healthy, SyncStatus::OutOfSync);
        b.destNamespace = QStringLiteral("ingress-nginx");
        ReportInput in = input({a, b});
        in.diagnoses.insert(a.key(), diagnosis(QStringLiteral("HookFailed"), QStringLiteral("x"),
                                               QStringLiteral("y")));
        const FleetReport r = buildFleetReport(in);
        const QJsonObject j = parse(fleetReportToJsonText(r));
        QCOMPARE(j[QLatin1String("format")].toString(), QStringLiteral("sextant.fleet-report/v1"));
        QCOMPARE(j[QLatin1String("generatedAt")].toString(),
                 QStringLiteral("2026-11-26T07:00:00Z"));
        QCOMPARE(j[QLatin1String("period")][QLatin1String("seconds")].toInt(), 86400);
        for (const char* key : {"title", "instances", "summary", "totals", "breakdown", "previous",
                                "attention", "failing", "changes", "drift", "notes"})
            QVERIFY2(j.contains(QLatin1String(key)), key);
        for (const char* key :
             {"apps", "healthy", "degraded", "missing", "progressing", "suspended", "unknownHealth",
              "synced", "outOfSync", "syncFailed", "failing"})
            QVERIFY2(j[QLatin1String("totals")].toObject().contains(QLatin1String(key)), key);
        const QJsonObject f = j[QLatin1String("failing")][QLatin1String("items")][0].toObject();
        for (const char* key :
             {"appKey", "app", "instance", "environment", "project", "cluster", "namespace",
              "status", "health", "sync", "operation", "since", "message", "operationMessage",
              "blastRadius", "diagnosed", "diagnosis"})
            QVERIFY2(f.contains(QLatin1String(key)), key);
        QCOMPARE(f[QLatin1String("diagnosis")][QLatin1String("category")].toString(),
                 QStringLiteral("HookFailed"));
        QCOMPARE(f[QLatin1String("environment")].toString(), QStringLiteral("production"));
        const QJsonObject cause =
            j[QLatin1String("failing")][QLatin1String("causes")][0].toObject();
        QCOMPARE(cause[QLatin1String("apps")].toArray().size(), 1);
        const QJsonObject d = j[QLatin1String("drift")][QLatin1String("items")][0].toObject();
        QCOMPARE(d[QLatin1String("category")].toString(), QStringLiteral("infrastructure"));
        QCOMPARE(d[QLatin1String("reason")].toString(), QStringLiteral("ingress and traffic"));
        const QJsonObject c = j[QLatin1String("changes")][QLatin1String("items")][0].toObject();
        for (const char* key :
             {"app", "revision", "startedAt", "finishedAt", "result", "initiatedBy", "message"})
            QVERIFY2(c.contains(QLatin1String(key)), key);
        QVERIFY(j[QLatin1String("previous")].isNull());
    }

    void redactionOfFreeText() {
        argocd::AppSummary a = app(QStringLiteral("api"), QStringLiteral("i"),
                                   QStringLiteral("prod"), HealthStatus::Degraded);
        a.healthMessage = QStringLiteral("connect failed: postgres://app:s3cr3tPass@db:5432 "
                                         "password=hunter2");
        FleetReport r = buildFleetReport(input({a}));
        QVERIFY(redactReport(r) >= 2);
        const QString md = fleetReportToMarkdown(r);
        QVERIFY(!md.contains(QLatin1String("hunter2")));
        QVERIFY(!md.contains(QLatin1String("s3cr3tPass")));
        QVERIFY(md.contains(QLatin1String("REDACTED")));
    }

    void slackMrkdwn() {
        const QString md = QStringLiteral(
            "# Title\n\n- **3 failing**: a & b\n  - nested <x>\n\n| A | B |\n|---|--:|\n| 1 | "
            "two |\n\nSee [docs](https://example.com/d) and \\*not bold\\* `code`\n");
        const QString s = markdownToSlackMrkdwn(md);
        QVERIFY2(s.startsWith(QLatin1String("*Title*\n")), qPrintable(s));
        QVERIFY(s.contains(QStringLiteral("• *3 failing*: a &amp; b")));
        QVERIFY(s.contains(QStringLiteral("    ◦ nested &lt;x&gt;")));
        QVERIFY2(s.contains(QStringLiteral("• A 1 · two")),
                 qPrintable(s)); // numbers keep their column
        QVERIFY(!s.contains(QLatin1String("---")));
        QVERIFY(!s.contains(QLatin1String("| A")));
        QVERIFY(s.contains(QStringLiteral("<https://example.com/d|docs>")));
        QVERIFY(s.contains(QStringLiteral("∗not bold∗ `code`")));
    }

    void slackPayloadRespectsLimits() {
        // A report far larger than one Slack message.
        PostContent c;
        c.title = QString(300, QLatin1Char('T'));
        c.summary = QStringLiteral("summary line");
        for (int i = 0; i < 3000; ++i)
            c.markdown += QStringLiteral("- line %1 with some words to fill the section\n").arg(i);
        c.markdown += QString(5000, QLatin1Char('x')) + QLatin1Char('\n');
        const WebhookPayload p = buildWebhookPayload(WebhookKind::Slack, c);
        const QJsonObject j = parse(p.body);
        QVERIFY(j[QLatin1String("text")].toString().size() <= kSlackTextLimit);
        const QJsonArray blocks = j[QLatin1String("blocks")].toArray();
        QVERIFY(blocks.size() <= kSlackMaxBlocks);
        QCOMPARE(blocks.first()[QLatin1String("type")].toString(), QStringLiteral("header"));
        QVERIFY(blocks.first()[QLatin1String("text")][QLatin1String("text")].toString().size() <=
                kSlackHeaderLimit);
        for (const QJsonValue& b : blocks)
            if (b[QLatin1String("type")].toString() == QLatin1String("section"))
                QVERIFY(b[QLatin1String("text")][QLatin1String("text")].toString().size() <=
                        kSlackSectionLimit);
        QVERIFY(blocks.last()[QLatin1String("text")][QLatin1String("text")].toString().contains(
            QLatin1String("cut to fit")));
        QVERIFY(!p.notes.isEmpty());
    }

    void genericPayloadAndRedaction() {
        PostContent c;
        c.title = QStringLiteral("Fleet report");
        c.summary = QStringLiteral("1 failing");
        c.markdown = QStringLiteral("token: ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked");
        c.report = nlohmann::ordered_json{
            {"format", "x"},
            {"failing",
             {{"message",
               "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}}}};
        const WebhookPayload p = buildWebhookPayload(WebhookKind::Generic, c);
        const QJsonObject j = parse(p.body);
        QCOMPARE(QStringList(j.keys()),
                 (QStringList{"markdown", "report", "summary", "title"})); // exactly these
        QVERIFY(!p.body.contains("ghp_abcdefghijklmnopqrstuvwxyz0123456789"));
        QVERIFY(!p.body.contains("eyJzdWIiOiJ4In0"));
        QVERIFY(p.redactions >= 2);
        QCOMPARE(j[QLatin1String("title")].toString(), QStringLiteral("Fleet report"));
        QCOMPARE(j[QLatin1String("report")][QLatin1String("format")].toString(),
                 QStringLiteral("x"));
    }

    void webhookUrls() {
        QVERIFY(validateWebhookUrl(QStringLiteral("https://hooks.slack.com/services/T/B/x")));
        QVERIFY(validateWebhookUrl(QStringLiteral("http://127.0.0.1:8080/hook")));
        const auto plain = validateWebhookUrl(QStringLiteral("http://hooks.example.com/T/secret"));
        QVERIFY(!plain);
        QVERIFY(!plain.error().toString().contains(QLatin1String("secret")));
        QVERIFY(!validateWebhookUrl(QStringLiteral("https://u:p@hooks.example.com/x")));
        QVERIFY(!validateWebhookUrl(QStringLiteral("not a url")));
        QCOMPARE(webhookDestinationLabel(
                     QUrl(QStringLiteral("https://hooks.slack.com/services/T000/B000/XXXXSECRET"))),
                 QStringLiteral("https://hooks.slack.com/…"));
        WebhookKind kind = WebhookKind::Generic;
        QVERIFY(webhookKindFromString(QStringLiteral("Slack"), &kind));
        QVERIFY(kind == WebhookKind::Slack);
        QVERIFY(!webhookKindFromString(QStringLiteral("teams"), &kind));
    }

    void readableAtFleetScale() {
        // 2,000 apps, 300 failing in 60 causes, 400 drifting, 1,500 syncs: the human formats
        // stay short; the JSON keeps every item.
        QVector<argocd::AppSummary> apps;
        const QStringList envs{QStringLiteral("prod"), QStringLiteral("stage"),
                               QStringLiteral("dev")};
        for (int i = 0; i < 2000; ++i) {
            argocd::AppSummary a = app(QStringLiteral("svc-%1").arg(i),
                                       QStringLiteral("inst-%1").arg(i % 3), envs[i % 3]);
            if (i % 7 == 0) {
                a.health = HealthStatus::Degraded;
                a.healthMessage = QStringLiteral("problem kind %1").arg(QChar('a' + (i % 60) / 3));
            }
            if (i % 5 == 0)
                a.sync = SyncStatus::OutOfSync;
            if (i % 4 != 0) {
                a.operationPhase = OperationPhase::Succeeded;
                a.operationStartedAt = kNow.addSecs(-(i * 37) % 80000);
            }
            apps << a;
        }
        // Timings are printed for docs/reports.md, never asserted.
        QElapsedTimer timer;
        timer.start();
        const FleetReport r = buildFleetReport(input(apps));
        const qint64 buildNs = timer.nsecsElapsed();
        timer.restart();
        const QString mdTimed = fleetReportToMarkdown(r);
        const qint64 mdNs = timer.nsecsElapsed();
        timer.restart();
        const QByteArray jsonTimed = fleetReportToJsonText(r);
        const qint64 jsonNs = timer.nsecsElapsed();
        qInfo("2,000 apps: build %.1f ms, Markdown %.1f ms (%lld bytes), JSON %.1f ms (%lld "
              "bytes)",
              buildNs / 1e6, mdNs / 1e6, qlonglong(mdTimed.toUtf8().size()), jsonNs / 1e6,
              qlonglong(jsonTimed.size()));
        timer.restart();
        PostContent content;
        content.title = r.title;
        content.summary = r.summaryLine();
        content.markdown = mdTimed;
        content.report = fleetReportToJson(r);
        const WebhookPayload generic = buildWebhookPayload(WebhookKind::Generic, content);
        const qint64 payloadNs = timer.nsecsElapsed();
        qInfo("2,000 apps: generic webhook payload (redacted) %.1f ms, %lld bytes", payloadNs / 1e6,
              qlonglong(generic.body.size()));
        QCOMPARE(r.totals.apps, 2000);
        QVERIFY(r.failing.size() > 250);
        const QString md = fleetReportToMarkdown(r);
        QVERIFY2(md.size() < 30000, qPrintable(QString::number(md.size())));
        QVERIFY(fleetReportToHtml(r).size() < 60000);
        const QJsonObject j = parse(fleetReportToJsonText(r));
        QCOMPARE(j[QLatin1String("failing")][QLatin1String("items")].toArray().size(),
                 int(r.failing.size()));
        QCOMPARE(j[QLatin1String("breakdown")].toArray().size(), 3);
    }
};

QTEST_GUILESS_MAIN(TestFleetReport)
#include "tst_fleetreport.moc"
