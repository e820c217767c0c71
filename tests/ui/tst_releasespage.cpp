// The Releases page over a hand-built release review (tests/support/releasefixture.h): the empty
// states say what to do, selecting an ApplicationSet asks for its review, the verdict banner
// names the recommendation and what blocks it, the buttons are enabled only when their action
// fits the review and emit what the session needs, the canary chart draws the selected metric,
// an error keeps the last good review on screen, and the version matrix marks drift. Screenshots
// (light and dark) land in <build>/screenshots/releases*.png.
#include "appsetlistmodel.h"
#include "canarychart.h"
#include "demosession.h"
#include "releasefixture.h"
#include "releasematrixmodel.h"
#include "releasespage.h"
#include "theme.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QToolButton>

using namespace sextant;
using ui::ReleasesPage;

namespace {

const QDateTime kNow = QDateTime::fromString(QStringLiteral("2026-11-26T14:30:00Z"), Qt::ISODate);
const QString kPaymentsStage = QStringLiteral("prod-eu/argocd/payments-api-stage-eu-1");

// The row of the canary table whose application and cluster match.
int canaryRow(const ReleasesPage& page, const QString& app) {
    for (int row = 0; row < page.canaryTable()->rowCount(); ++row)
        if (page.canaryTable()->item(row, 0)->text() == app)
            return row;
    return -1;
}

void clickCell(QTableView* view, const QModelIndex& index) {
    const QRect rect = view->visualRect(index);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
}

} // namespace

class TestReleasesPage : public QObject {
    Q_OBJECT

private:
    // A page as the console shows it: the list loaded, "shop" selected and reviewed.
    void load(ReleasesPage& page, bool failing = true) {
        page.resize(1600, 1000);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.setApplicationSets(test::releaseAppSets());
        page.setMetricsSource(QStringLiteral("Prometheus http://127.0.0.1:9090"));
        QVERIFY(page.selectApplicationSet(test::kReleaseInstance, QStringLiteral("argocd"),
                                          QStringLiteral("shop")));
        page.setLoading(QStringLiteral("Reviewing shop on prod-eu"));
        page.setReview(test::releaseReview(kNow, failing));
        page.setVersionMatrix(test::releaseVersions());
    }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void emptyStatesSayWhatToDo() {
        ReleasesPage page;
        page.resize(1200, 800);
        page.show();
        QVERIFY(!page.hasReview());
        QVERIFY(page.emptyStateLabel()->isVisible());
        QVERIFY2(page.emptyStateLabel()->text().contains(QStringLiteral("Connect an Argo CD")),
                 qPrintable(page.emptyStateLabel()->text()));
        page.setApplicationSets(test::releaseAppSets());
        QVERIFY2(page.emptyStateLabel()->text().startsWith(
                     QStringLiteral("Select an ApplicationSet on the left")),
                 qPrintable(page.emptyStateLabel()->text()));
        QVERIFY(!page.refreshButton()->isEnabled());
        QVERIFY(!page.exportButton()->isEnabled());
        QVERIFY(!page.proceedButton()->isEnabled());
        QVERIFY(!page.rollbackButton()->isEnabled());
        QVERIFY(!page.triageButton()->isEnabled());
        for (QWidget* w : std::initializer_list<QWidget*>{page.appSetView(), page.filterEdit(),
                                                          page.matrixView(), page.canaryTable(),
                                                          page.metricTable(), page.chart()})
            QVERIFY2(!w->accessibleName().isEmpty(), qPrintable(w->objectName()));
    }

    void selectingASetRequestsItsReview() {
        ReleasesPage page;
        page.resize(1200, 800);
        page.show();
        page.setApplicationSets(test::releaseAppSets());
        QSignalSpy requested(&page, &ReleasesPage::reviewRequested);
        // Rollouts in progress first: shop (step 2 of 3), then search (done), then the sets
        // without RollingSync.
        QTableView* list = page.appSetView();
        QCOMPARE(list->model()->rowCount(), 4);
        QCOMPARE(list->model()->index(0, models::AppSetListModel::NameColumn).data().toString(),
                 QStringLiteral("shop"));
        clickCell(list, list->model()->index(0, models::AppSetListModel::NameColumn));
        QCOMPARE(requested.size(), 1);
        QCOMPARE(requested.at(0).at(0).toString(), test::kReleaseInstance);
        QCOMPARE(requested.at(0).at(1).toString(), QStringLiteral("shop"));
        QCOMPARE(requested.at(0).at(2).toString(), QStringLiteral("argocd"));
        // Refresh asks again for the same set; a reload of the list keeps the selection
        // without asking.
        QVERIFY(page.refreshButton()->isEnabled());
        QTest::mouseClick(page.refreshButton(), Qt::LeftButton);
        QCOMPARE(requested.size(), 2);
        page.setApplicationSets(test::releaseAppSets());
        QCOMPARE(requested.size(), 2);
        QCOMPARE(list->currentIndex().data().toString().isEmpty(), false);
        // The filter narrows the list and says so.
        QTest::keyClicks(page.filterEdit(), QStringLiteral("cluster list"));
        QCOMPARE(list->model()->rowCount(), 1);
        QVERIFY(!page.selectApplicationSet(test::kReleaseInstance, QStringLiteral("argocd"),
                                           QStringLiteral("search")));
        page.filterEdit()->setText(QStringLiteral("zzz"));
        QCOMPARE(list->model()->rowCount(), 0);
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("appSetsState"))
                    ->text()
                    .contains(QStringLiteral("No ApplicationSet matches")));
        QSignalSpy reload(&page, &ReleasesPage::applicationSetsRefreshRequested);
        page.findChild<QToolButton*>(QStringLiteral("appSetsReload"))->click();
        QCOMPARE(reload.size(), 1);
    }

    void rollBackReview() {
        ReleasesPage page;
        load(page);
        QVERIFY(page.hasReview());
        QVERIFY(!page.isLoading());
        QVERIFY(!page.statusLabel()->isVisible());
        QVERIFY(page.titleLabel()->text().contains(QStringLiteral("Release of shop")));

        // The banner: recommendation in words (not colour alone), headline, what blocks.
        const QString banner = page.banner()->text();
        QVERIFY2(banner.contains(QStringLiteral("↩ ROLL BACK")), qPrintable(banner));
        QVERIFY(banner.contains(QStringLiteral("Roll back at step 2 (stage): payments-api on "
                                               "stage-eu-1 fails http-error-rate")));
        QVERIFY(banner.contains(QStringLiteral("Blocking: <b>step 2 (stage) · stage-eu-1</b>")));
        QVERIFY(banner.contains(QStringLiteral("5 of 6 canaries judged")));
        QVERIFY(page.banner()->styleSheet().contains(
            ReleasesPage::recommendationColor(release::Recommendation::RollBack).name()));

        // The steps strip: three steps, the blocking one named and its status in words.
        auto* step2 = page.stepsStrip()->findChild<QLabel*>(QStringLiteral("releaseStep2"));
        QVERIFY(step2);
        QVERIFY(step2->text().contains(QStringLiteral("▶ progressing")));
        QVERIFY(step2->text().contains(QStringLiteral("(current)")));
        QVERIFY(page.stepsStrip()->findChild<QLabel*>(QStringLiteral("releaseStep3")));

        // The matrix and its outliers (marked in the text, listed beside it).
        QCOMPARE(page.matrixModel()->rowCount(), 3);
        QCOMPARE(page.matrixModel()->columnCount(), 4);
        QVERIFY(page.matrixModel()->index(0, 1).data().toString().startsWith(u'⚠'));
        QCOMPARE(page.outlierList()->count(), 3); // two outliers, one note
        QVERIFY(page.outlierList()->item(0)->text().startsWith(QStringLiteral("⚠ payments-api")));
        QVERIFY(page.outlierList()->item(2)->text().startsWith(QStringLiteral("ℹ ")));

        // The canaries, worst first; the worst one is selected with its worst metric charted.
        QCOMPARE(page.canaryTable()->rowCount(), 6);
        QCOMPARE(page.canaryTable()->item(0, 0)->text(), QStringLiteral("payments-api-stage-eu-1"));
        QCOMPARE(page.canaryTable()->item(0, 4)->text(), QStringLiteral("Fail"));
        QCOMPARE(page.canaryTable()->item(0, 5)->text(), QStringLiteral("0"));
        QCOMPARE(page.canaryTable()->item(0, 6)->text(), QStringLiteral("↩ Roll back"));
        const int ledgerDev = canaryRow(page, QStringLiteral("ledger-worker-dev-eu-1"));
        QVERIFY(ledgerDev > 0);
        QCOMPARE(page.canaryTable()->item(ledgerDev, 4)->text(), QStringLiteral("not judged"));
        QVERIFY(page.canaryTable()
                    ->item(ledgerDev, 7)
                    ->text()
                    .startsWith(QStringLiteral("synced 4 minutes ago")));
        QCOMPARE(page.selectedCanary(), 1);
        QCOMPARE(page.metricTable()->rowCount(), 6);
        QCOMPARE(page.metricTable()->item(0, 0)->text(), QStringLiteral("http-error-rate"));
        QCOMPARE(page.metricTable()->item(0, 2)->text(), QStringLiteral("yes — failed"));
        QCOMPARE(page.metricTable()->item(0, 3)->text(), QStringLiteral("< 0.001"));
        QCOMPARE(page.metricTable()->item(0, 4)->text(), QStringLiteral("×13.7"));
        QCOMPARE(page.metricTable()->item(0, 5)->text(), QStringLiteral("0.041"));
        QCOMPARE(page.metricTable()->item(0, 6)->text(), QStringLiteral("0.003"));
        QCOMPARE(page.selectedMetric(), QStringLiteral("http-error-rate"));
        QCOMPARE(page.chart()->metric(), QStringLiteral("http-error-rate"));
        QVERIFY(page.chart()->canarySeries());
        QCOMPARE(page.chart()->canarySeries()->count(), 90);
        QCOMPARE(page.chart()->baselineSeries()->count(), 90);
        QCOMPARE(page.chart()->chart()->axes().size(), 2);
        QVERIFY(page.chart()->chart()->legend()->isVisible());
        const QString description = page.chart()->accessibleDescription();
        QVERIFY2(description.contains(QStringLiteral("canary stage-eu-1 (solid line, 90 points) "
                                                     "against baseline prod-eu-1, prod-us-1")),
                 qPrintable(description));
        QVERIFY(description.contains(QStringLiteral("canary median 0.041, baseline median 0.003")));

        // Another metric: its own chart; a metric without a chart says why.
        QVERIFY(page.selectMetric(QStringLiteral("latency-p99")));
        QCOMPARE(page.chart()->metric(), QStringLiteral("latency-p99"));
        QCOMPARE(page.chart()->canarySeries()->count(), 90);
        QVERIFY(page.selectMetric(QStringLiteral("memory")));
        QVERIFY(!page.chart()->canarySeries());
        QVERIFY(page.chart()->chart()->title().contains(QStringLiteral("No series to draw")));
        QVERIFY(!page.selectMetric(QStringLiteral("nonexistent")));
        // The arrow keys on the chart walk the metrics (failing first: error rate, p95, …).
        QVERIFY(page.selectMetric(QStringLiteral("http-error-rate")));
        QTest::keyClick(page.chart(), Qt::Key_Down);
        QCOMPARE(page.selectedMetric(), QStringLiteral("latency-p95"));
        QCOMPARE(page.chart()->metric(), QStringLiteral("latency-p95"));
        QVERIFY(page.chartNote()->text().contains(QStringLiteral("▲ High latency-p95")));
        QTest::keyClick(page.chart(), Qt::Key_Up);
        QTest::keyClick(page.chart(), Qt::Key_Up); // stays on the first
        QCOMPARE(page.selectedMetric(), QStringLiteral("http-error-rate"));
        QVERIFY(page.selectMetric(QStringLiteral("memory")));

        // Buttons: no proceeding past a roll-back verdict; roll back and triage name the app.
        QCOMPARE(page.proceedButton()->text(), QStringLiteral("Proceed: sync step 3…"));
        QVERIFY(!page.proceedButton()->isEnabled());
        QVERIFY(page.rollbackButton()->isEnabled());
        QCOMPARE(page.rollbackButton()->text(),
                 QStringLiteral("Roll back payments-api-stage-eu-1…"));
        QSignalSpy rollback(&page, &ReleasesPage::rollbackRequested);
        QSignalSpy triage(&page, &ReleasesPage::triageRequested);
        QSignalSpy proceed(&page, &ReleasesPage::proceedRequested);
        QTest::mouseClick(page.rollbackButton(), Qt::LeftButton);
        QCOMPARE(rollback.size(), 1);
        QCOMPARE(rollback.at(0).at(0).toString(), kPaymentsStage);
        QVERIFY(page.triageButton()->isEnabled());
        QTest::mouseClick(page.triageButton(), Qt::LeftButton);
        QCOMPARE(triage.size(), 1);
        QCOMPARE(triage.at(0).at(0).toString(), kPaymentsStage);
        QTest::mouseClick(page.proceedButton(), Qt::LeftButton);
        QCOMPARE(proceed.size(), 0);

        // A passing canary: no roll back for it.
        clickCell(page.canaryTable(),
                  page.canaryTable()->model()->index(
                      canaryRow(page, QStringLiteral("checkout-web-stage-eu-1")), 0));
        QCOMPARE(page.selectedCanary(), 3);
        QVERIFY(!page.rollbackButton()->isEnabled());
        // The metric chosen before stays chosen: the same measure across canaries.
        QCOMPARE(page.selectedMetric(), QStringLiteral("memory"));
        QVERIFY(!page.chart()->canarySeries());
        QVERIFY(page.selectMetric(QStringLiteral("http-error-rate")));
        QCOMPARE(page.chart()->canarySeries()->count(), 90);

        // The not-judged canary: no metrics, the reason instead of a chart.
        page.selectCanary(4);
        QCOMPARE(page.metricTable()->rowCount(), 0);
        QVERIFY(page.chart()->chart()->title().contains(QStringLiteral("not judged")));
        QVERIFY(!page.chart()->canarySeries());

        // A click in the matrix selects that cell's canary and is the triage target; Enter on
        // a cell opens it in triage.
        clickCell(page.matrixView(), page.matrixModel()->index(0, 1));
        QCOMPARE(page.selectedCanary(), 1);
        QVERIFY(page.rollbackButton()->isEnabled());
        clickCell(page.matrixView(), page.matrixModel()->index(2, 3)); // ledger on prod-us-1
        QCOMPARE(page.triageButton()->text(),
                 QStringLiteral("Open ledger-worker-prod-us-1 in triage"));
        QTest::keyClick(page.matrixView(), Qt::Key_Return);
        QCOMPARE(triage.size(), 2);
        QCOMPARE(triage.at(1).at(0).toString(),
                 QStringLiteral("prod-eu/argocd/ledger-worker-prod-us-1"));

        // Export: both formats.
        QSignalSpy exported(&page, &ReleasesPage::exportRequested);
        QVERIFY(page.exportButton()->isEnabled());
        const auto actions = page.exportMenu()->actions();
        QCOMPARE(actions.size(), 2);
        actions.at(0)->trigger();
        actions.at(1)->trigger();
        QCOMPARE(exported.size(), 2);
        QCOMPARE(exported.at(0).at(0).toString(), QStringLiteral("markdown"));
        QCOMPARE(exported.at(1).at(0).toString(), QStringLiteral("html"));
    }

    void proceedReview() {
        ReleasesPage page;
        load(page, false);
        QVERIFY(page.banner()->text().contains(QStringLiteral("✓ PROCEED")));
        QVERIFY(!page.banner()->text().contains(QStringLiteral("Blocking")));
        QVERIFY(page.proceedButton()->isEnabled());
        QCOMPARE(page.proceedButton()->text(), QStringLiteral("Proceed: sync step 3…"));
        QVERIFY(!page.rollbackButton()->isEnabled());
        QSignalSpy proceed(&page, &ReleasesPage::proceedRequested);
        QTest::mouseClick(page.proceedButton(), Qt::LeftButton);
        QCOMPARE(proceed.size(), 1);
        QCOMPARE(proceed.at(0).at(0).toInt(), 3);
        QStringList keys = proceed.at(0).at(1).toStringList();
        keys.sort();
        QCOMPARE(keys, (QStringList{QStringLiteral("prod-eu/argocd/checkout-web-prod-eu-1"),
                                    QStringLiteral("prod-eu/argocd/checkout-web-prod-us-1"),
                                    QStringLiteral("prod-eu/argocd/ledger-worker-prod-eu-1"),
                                    QStringLiteral("prod-eu/argocd/ledger-worker-prod-us-1"),
                                    QStringLiteral("prod-eu/argocd/payments-api-prod-eu-1"),
                                    QStringLiteral("prod-eu/argocd/payments-api-prod-us-1")}));
        // While a refresh runs nothing is proceeded from a review about to be replaced.
        page.setLoading(QStringLiteral("Reviewing shop on prod-eu"));
        QVERIFY(!page.proceedButton()->isEnabled());
        QVERIFY(!page.refreshButton()->isEnabled());
    }

    void errorKeepsTheLastReview() {
        ReleasesPage page;
        load(page);
        const QString banner = page.banner()->text();
        page.setLoading(QStringLiteral("Reviewing shop on prod-eu"));
        QVERIFY(page.statusLabel()->isVisible());
        QVERIFY(page.statusLabel()->text().contains(QStringLiteral("Reviewing shop on prod-eu…")));
        page.setError(Error::make(Error::Kind::Network, QStringLiteral("Could not reach prod-eu"),
                                  QStringLiteral("GET https://argocd.prod-eu.example.net/api/v1/"
                                                 "applicationsets/shop: connection refused")));
        QVERIFY(page.hasError());
        QVERIFY(!page.isLoading());
        QVERIFY(page.hasReview());
        QCOMPARE(page.banner()->text(), banner);
        QCOMPARE(page.matrixModel()->rowCount(), 3);
        QCOMPARE(page.canaryTable()->rowCount(), 6);
        QCOMPARE(page.chart()->canarySeries()->count(), 90);
        const QString status = page.statusLabel()->text();
        QVERIFY(page.statusLabel()->isVisible());
        QVERIFY2(status.contains(QStringLiteral("Could not reach prod-eu")), qPrintable(status));
        QVERIFY(status.contains(QStringLiteral("Still showing the review from")));
        QVERIFY(status.contains(QStringLiteral("connection refused")));
        QVERIFY(page.refreshButton()->isEnabled());
        QVERIFY(page.rollbackButton()->isEnabled());
        // The next review clears the error, and keeps the canary and metric the reader chose.
        QVERIFY(page.selectMetric(QStringLiteral("latency-p95")));
        page.setReview(test::releaseReview(kNow));
        QVERIFY(!page.hasError());
        QVERIFY(!page.statusLabel()->isVisible());
        QCOMPARE(page.selectedCanary(), 1);
        QCOMPARE(page.selectedMetric(), QStringLiteral("latency-p95"));
    }

    void versionsAndDrift() {
        ReleasesPage page;
        load(page);
        QTableWidget* v = page.versionTable();
        QCOMPARE(v->rowCount(), 4);
        QCOMPARE(v->columnCount(), 5); // component, dev, stage, prod, drift
        QCOMPARE(v->horizontalHeaderItem(3)->text(), QStringLiteral("prod"));
        QCOMPARE(v->item(1, 3)->text(), QStringLiteral("⚠ 0.9.3, 0.9.2"));
        QVERIFY(v->item(2, 4)->text().startsWith(QStringLiteral("⚠ prod runs 1.4.2")));
        QCOMPARE(v->item(3, 4)->text(), QStringLiteral("✓ same"));
        QVERIFY(page.tabs()->tabText(1).contains(QStringLiteral("3 drifting")));
    }

    void noPrometheusAndNoRollingSync() {
        ReleasesPage page;
        page.resize(1400, 900);
        page.show();
        release::ReleaseReview review = test::releaseReview(kNow);
        review.matrix.rollingSync = false;
        review.steps.clear();
        review.prometheus.clear();
        for (release::CanaryReview& c : review.canaries) {
            c.judged = false;
            c.notJudgedReason = QStringLiteral("no Prometheus configured");
            c.charts.clear();
            c.recommendation = release::Recommendation::Wait;
        }
        review.recommendation = release::Recommendation::Wait;
        page.setReview(review);
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("releaseSource"))
                    ->text()
                    .contains(QStringLiteral("no Prometheus configured")));
        QVERIFY(page.stepsStrip()->findChild<QLabel*>()->text().contains(
            QStringLiteral("No RollingSync strategy")));
        QCOMPARE(page.proceedStep(), 0);
        QCOMPARE(page.proceedButton()->text(), QStringLiteral("Proceed: no step left to sync"));
        QVERIFY(!page.proceedButton()->isEnabled());
        QVERIFY(!page.chart()->canarySeries());
    }

    // Screenshots at the size of a laptop screen, light then dark (the chart follows).
    void screenshots() {
        ui::applyTheme(ui::Theme::Light);
        ReleasesPage page;
        load(page);
        QVERIFY(page.chart()->chart()->backgroundBrush().color().lightness() > 128);
        QTest::qWait(50);
        QVERIFY(page.grab().save(test::screenshotDir() + QStringLiteral("/releases.png")));
        page.tabs()->setCurrentIndex(1);
        QTest::qWait(50);
        QVERIFY(page.grab().save(test::screenshotDir() + QStringLiteral("/releases-versions.png")));
        page.tabs()->setCurrentIndex(0);

        // Switching to the dark theme redraws the open page: the chart's base and lines follow.
        ui::applyTheme(ui::Theme::Dark);
        // (the palette reaches the widgets through posted events)
        QTRY_VERIFY(page.chart()->chart()->backgroundBrush().color().lightness() < 128);
        QCOMPARE(page.chart()->canarySeries()->count(), 90);
        QVERIFY(page.chart()->canarySeries()->pen().color().lightness() > 128);
        QCOMPARE(page.selectedCanary(), 1);
        QCOMPARE(page.selectedMetric(), QStringLiteral("http-error-rate"));
        QTest::qWait(50);
        QVERIFY(page.grab().save(test::screenshotDir() + QStringLiteral("/releases-dark.png")));
        ui::applyTheme(ui::Theme::System);
    }
};

QTEST_MAIN(TestReleasesPage)
#include "tst_releasespage.moc"
