// The Incidents page offscreen: empty states that say what to do, the demo alerts mapped to a
// fleet shaped like the demo's (mapping on a worker thread), the selected alert's applications
// with reasons, the timeline with the suspects marked, "Open in triage" and "Propose runbook…"
// as signals, filters, a failed refresh that keeps the last alerts, and a refresh that keeps the
// selection. The screenshot lands in <build>/screenshots/incidents.png.

#include "alertsmodel.h"
#include "incident/demoalerts.h"
#include "incidentspage.h"
#include "theme.h"

#include "demosession.h"

#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QTreeWidget>

using namespace sextant;
using namespace sextant::incident;
using sextant::ui::IncidentsPage;

namespace {

const QDateTime kNow = QDateTime(QDate(2026, 3, 10), QTime(3, 12), Qt::UTC);

argocd::AppSummary app(const QString& instance, const QString& name, const QString& cluster,
                       const QString& ns) {
    argocd::AppSummary a;
    a.instance = instance;
    a.appNamespace = QStringLiteral("argocd");
    a.name = name;
    a.destName = cluster;
    a.destNamespace = ns;
    return a;
}

QVector<argocd::AppSummary> demoFleet() {
    QVector<argocd::AppSummary> f{
        app("prod-eu", "shop-checkout", "prod-eu-shop", "shop"),
        app("prod-eu", "shop-web", "prod-eu-shop", "shop"),
        app("prod-eu", "shop-cart", "prod-eu-shop", "shop"),
        app("prod-eu", "payments-api", "prod-eu-shop", "payments"),
        app("staging", "storefront", "stage-eu-1", "storefront"),
    };
    f[0].images << "registry.example.com/shop/checkout:v2.41.0";
    f[1].images << "registry.example.com/shop/web:v5.2.0";
    f[3].images << "registry.example.com/payments/api:v3.9.0";
    return f;
}

QVector<metrics::Alert> alerts() {
    QVector<metrics::Alert> a = demoAlerts(kNow);
    // Someone silenced the disk alert while the node is drained.
    for (metrics::Alert& x : a)
        if (x.name() == "NodeFilesystemSpaceFillingUp") {
            x.silencedBy << "4b1f2c8e-silence";
            x.state = "suppressed";
        }
    return a;
}

QString fingerprintOf(const QString& name) {
    for (const metrics::Alert& a : alerts())
        if (a.name() == name)
            return a.fingerprint;
    return {};
}

// The storefront release: canary at 20 % synced 14 min before the error rate alert.
IncidentTimeline storefrontTimeline() {
    TimelineInput in;
    in.appKey = "staging/argocd/storefront";
    in.appName = "storefront";
    for (const metrics::Alert& a : alerts())
        if (a.name() == "HighErrorRate")
            in.alerts << a;
    const QString canary = "9f3e1d2c4b5a69788796a5b4c3d2e1f0a9b8c7d6";
    const QString previous = "5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b";
    const QString docs = "77aa88bb99cc00dd11ee22ff33aa44bb55cc66dd";
    in.changes << GitChange{previous, "Chen Wei <chen.wei@example.com>", kNow.addSecs(-26 * 3600),
                            "storefront v5.2.0"}
               << GitChange{canary, "Chen Wei <chen.wei@example.com>", kNow.addSecs(-31 * 60),
                            "storefront v5.3.0: canary at 20 %"}
               << GitChange{docs, "Priya Nair <priya.nair@example.com>", kNow.addSecs(-9 * 60),
                            "README: link the new dashboards"};
    in.syncs << fleet::SyncRecord{previous, kNow.addSecs(-25 * 3600 - 120),
                                  kNow.addSecs(-25 * 3600), argocd::OperationPhase::Succeeded,
                                  "successfully synced"}
             << fleet::SyncRecord{canary, kNow.addSecs(-26 * 60), kNow.addSecs(-24 * 60),
                                  argocd::OperationPhase::Succeeded, "successfully synced"};
    fleet::DeployEntry d;
    d.revision = canary;
    d.deployedAt = kNow.addSecs(-24 * 60);
    d.initiatedBy = "automated";
    in.deploys << d;
    in.health << fleet::HealthRecord{kNow.addSecs(-25 * 3600), argocd::HealthStatus::Healthy, {}}
              << fleet::HealthRecord{kNow.addSecs(-26 * 60), argocd::HealthStatus::Progressing,
                                     "Rollout is progressing: canary step 1 of 4 (20 %)"}
              << fleet::HealthRecord{kNow.addSecs(-21 * 60), argocd::HealthStatus::Healthy, {}};
    return buildTimeline(in, fingerprintOf("HighErrorRate"));
}

QVector<Runbook> runbooks() {
    const RunbookSet s = parseRunbooks(R"(id: storefront-canary-off
title: Send all storefront traffic to the stable version
description: Sets the canary weight to 0 while the canary's errors are investigated.
when:
  alertname: [HighErrorRate, HighLatency]
  apps: [storefront]
action:
  type: set-value
  file: storefront/values-stage.yaml
  path: canary.weight
  allowed: ["0", "20", "50", "100"]
  value: "0"
approvers: [release-managers]
---
id: checkout-scale-up
title: Scale checkout up
when:
  alertname: KubeDeploymentReplicasMismatch
  apps: [shop-checkout]
action: {type: scale, name: checkout, replicas: 4, min: 2, max: 6}
)",
                                       ".sextant/runbooks/release.yaml");
    if (s.runbooks.size() != 2)
        qFatal("%s", qPrintable(s.errors.join('\n')));
    return s.runbooks;
}

bool waitMapped(IncidentsPage& page, const std::function<void()>& feed) {
    QSignalSpy done(&page, &IncidentsPage::mappingFinished);
    feed();
    return done.wait(10000);
}

QStringList timelineRows(const IncidentsPage& page) {
    QStringList out;
    for (int r = 0; r < page.timelineView()->rowCount(); ++r)
        out << page.timelineView()->item(r, 0)->text() + " | " +
                   page.timelineView()->item(r, 1)->text();
    return out;
}

} // namespace

class TestIncidentsPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void emptyStatesSayWhatToDo() {
        IncidentsPage page;
        QVERIFY(page.emptyLabel()->text().contains(
            "Configure an Alertmanager in Tools → Metrics source…"));
        page.setSource("Alertmanager https://alertmanager.example.net");
        QVERIFY(page.emptyLabel()->text().startsWith("Loading the alerts from Alertmanager"));
        page.setError(Error::make(Error::Kind::Network, "connection refused"));
        QVERIFY(page.errorLabel()->isVisibleTo(&page));
        QVERIFY(page.emptyLabel()->text().contains("Check the Alertmanager URL and token"));
        QVERIFY(waitMapped(page, [&] { page.setAlerts({}, demoFleet()); }));
        QVERIFY(!page.errorLabel()->isVisibleTo(&page));
        QVERIFY(page.emptyLabel()->text().startsWith("No alerts: nothing is firing"));
    }

    void mapsSelectsAndAsksForTheTimeline() {
        IncidentsPage page;
        page.resize(1500, 860);
        page.setSource("Alertmanager https://alertmanager.prod-eu.example.net");
        QSignalSpy timeline(&page, &IncidentsPage::timelineRequested);
        QVERIFY(waitMapped(page, [&] { page.setAlerts(alerts(), demoFleet()); }));
        page.setReferenceTime(kNow);
        QCOMPARE(page.model()->rowCount(), 7);
        int mapped = 0;
        for (const AlertMapping& m : page.model()->mappings())
            mapped += m.mapped();
        QCOMPARE(mapped, 5);
        // Sorted by severity: a critical alert is first and selected.
        QCOMPARE(page.proxy()->index(0, 0).data(models::AlertsModel::SeverityRole).toString(),
                 QString("critical"));
        QVERIFY(!page.selectedFingerprint().isEmpty());

        timeline.clear();
        QVERIFY(page.selectAlert(fingerprintOf("KubeDeploymentReplicasMismatch")));
        QCOMPARE(timeline.size(), 1);
        QCOMPARE(timeline[0][0].toString(), QString("prod-eu/argocd/shop-checkout"));
        QCOMPARE(timeline[0][1].toString(), fingerprintOf("KubeDeploymentReplicasMismatch"));
        QCOMPARE(page.applicationsView()->topLevelItemCount(), 1);
        QTreeWidgetItem* top = page.applicationsView()->topLevelItem(0);
        QCOMPARE(top->text(0), QString("shop-checkout"));
        QCOMPARE(top->text(1), QString("prod-eu-shop / shop"));
        QCOMPARE(top->text(2), QString("strong"));
        QCOMPARE(page.triageButton()->text(), QString("Open shop-checkout in triage"));
        QStringList reasons;
        for (int i = 0; i < top->childCount(); ++i)
            reasons << top->child(i)->text(0);
        QVERIFY2(reasons.contains("namespace shop is the destination namespace"),
                 qPrintable(reasons.join('\n')));
        QVERIFY(page.suspectsLabel()->text().contains("Loading the syncs and Git changes of "
                                                      "shop-checkout"));

        // Triage and the runbook that applies here.
        QSignalSpy triage(&page, &IncidentsPage::triageRequested);
        QSignalSpy runbook(&page, &IncidentsPage::runbookRequested);
        QVERIFY(page.triageButton()->isEnabled());
        QVERIFY(!page.runbookButton()->isEnabled());
        page.setRunbooks(runbooks(), {".sextant/runbooks/old.yaml:4: action.type \"restart\" is "
                                      "not scale or set-value"});
        QVERIFY(page.runbookButton()->isEnabled());
        QTest::mouseClick(page.triageButton(), Qt::LeftButton);
        QCOMPARE(triage.size(), 1);
        QCOMPARE(triage[0][0].toString(), QString("prod-eu/argocd/shop-checkout"));
        QTest::mouseClick(page.runbookButton(), Qt::LeftButton);
        QCOMPARE(runbook.size(), 1);
        QCOMPARE(runbook[0][0].toString(), QString("checkout-scale-up"));
        QCOMPARE(runbook[0][1].toString(), fingerprintOf("KubeDeploymentReplicasMismatch"));
        QCOMPARE(runbook[0][2].toString(), QString("prod-eu/argocd/shop-checkout"));

        // An unmapped alert: the reason, no triage, no runbook, nothing requested.
        timeline.clear();
        QVERIFY(page.selectAlert(fingerprintOf("CoreDNSErrorsHigh")));
        QCOMPARE(timeline.size(), 0);
        QCOMPARE(page.applicationsView()->topLevelItem(0)->text(0),
                 QString("no application matches: namespace kube-system has no Argo CD "
                         "application"));
        QVERIFY(!page.triageButton()->isEnabled());
        QVERIFY(!page.runbookButton()->isEnabled());
    }

    void timelineShowsSuspectsAndIgnoresStaleAnswers() {
        IncidentsPage page;
        page.resize(1500, 860);
        page.setSource("Alertmanager https://alertmanager.prod-eu.example.net");
        QVERIFY(waitMapped(page, [&] { page.setAlerts(alerts(), demoFleet()); }));
        page.setReferenceTime(kNow);
        page.setRunbooks(runbooks());
        QVERIFY(page.selectAlert(fingerprintOf("HighErrorRate")));
        QCOMPARE(page.selectedAppKey(), QString("staging/argocd/storefront"));

        // An answer for another application is dropped.
        IncidentTimeline stale = storefrontTimeline();
        stale.appKey = "prod-eu/argocd/shop-checkout";
        page.setTimeline(stale);
        QCOMPARE(page.timelineView()->rowCount(), 0);

        page.setTimeline(storefrontTimeline());
        const QStringList rows = timelineRows(page);
        QVERIFY2(rows.contains("14 min before | Likely cause 1 · Sync of 9f3e1d2 finished"),
                 qPrintable(rows.join('\n')));
        QVERIFY2(rows.contains("alert fired | HighErrorRate fired"), qPrintable(rows.join('\n')));
        QVERIFY(
            page.suspectsLabel()->text().contains("sync of 9f3e1d2 by Chen Wei &#x27;storefront "
                                                  "v5.3.0: canary at 20 %&#x27; finished "
                                                  "14 min before HighErrorRate fired") ||
            page.suspectsLabel()->text().contains(
                "sync of 9f3e1d2 by Chen Wei 'storefront v5.3.0: canary at 20 %' finished "
                "14 min before HighErrorRate fired"));
        QVERIFY(page.runbookButton()->isEnabled());
        QCOMPARE(page.applicableRunbooks().first().id, QString("storefront-canary-off"));

        QDir().mkpath(test::screenshotDir());
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QTest::qWait(50);
        QVERIFY(page.grab().save(test::screenshotDir() + "/incidents.png"));
        // The dark palette too: highlighted rows carry their own ink.
        ui::applyTheme(ui::Theme::Dark);
        QTest::qWait(50);
        QVERIFY(page.grab().save(test::screenshotDir() + "/incidents-dark.png"));
        ui::applyTheme(ui::Theme::System);

        // A failed refresh keeps the alerts; a refresh without one alert keeps the selection.
        page.setError(Error::make(Error::Kind::Timeout, "Alertmanager did not answer in 30 s"));
        QCOMPARE(page.model()->rowCount(), 7);
        QVERIFY(page.errorLabel()->text().contains("Showing the alerts from"));
        QVector<metrics::Alert> fewer = alerts();
        fewer.removeIf([](const metrics::Alert& a) { return a.name() == "CoreDNSErrorsHigh"; });
        QSignalSpy timeline(&page, &IncidentsPage::timelineRequested);
        QSignalSpy removed(page.model(), &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(page.model(), &QAbstractItemModel::modelReset);
        QVERIFY(waitMapped(page, [&] { page.setAlerts(fewer, demoFleet()); }));
        QCOMPARE(page.model()->rowCount(), 6);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(page.selectedFingerprint(), fingerprintOf("HighErrorRate"));
        QCOMPARE(timeline.size(), 0); // same alert, same app: the timeline stays
        QVERIFY(page.timelineView()->rowCount() > 0);

        // Filters: firing only hides the silenced disk alert; critical only keeps one (CoreDNS is
        // gone).
        auto* state = page.findChildren<QComboBox*>().at(0);
        auto* severity = page.findChildren<QComboBox*>().at(1);
        state->setCurrentIndex(1);
        QCOMPARE(page.proxy()->rowCount(), 5);
        state->setCurrentIndex(2);
        QCOMPARE(page.proxy()->rowCount(), 1);
        state->setCurrentIndex(0);
        severity->setCurrentIndex(1);
        QCOMPARE(page.proxy()->rowCount(), 1);
        severity->setCurrentIndex(0);
        // The selection follows what is listed: HighErrorRate is the only critical alert.
        QCOMPARE(page.selectedFingerprint(), fingerprintOf("HighErrorRate"));
        QCOMPARE(page.model()->rowCount(), 6);
    }
};

QTEST_MAIN(TestIncidentsPage)
#include "tst_incidentspage.moc"
