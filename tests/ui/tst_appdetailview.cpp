// The application detail view end to end: a ConsoleSession connected over loopback HTTP to the
// in-process simulator's demo fleet, the view fetching one application's summary, tree, diff,
// events, logs and history. Screenshots of every tab land in <build>/screenshots/.
#include "appdetailpane.h"
#include "appdetailview.h"
#include "argocd/client.h"
#include "consolesession.h"
#include "demosession.h"
#include "diff/manageddiff.h"
#include "diffview.h"
#include "fleet/fleetstore.h"
#include "resourcetreemodel.h"
#include "sim/simulator.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTreeView>
#include <QTreeWidget>

using namespace sextant;
using ui::AppDetailPane;
using ui::AppDetailView;

namespace {

const QString kCheckout = QStringLiteral("prod-eu/argocd/shop-checkout");
const QString kInventory = QStringLiteral("prod-us/argocd/inventory-api");
const QString kOrders = QStringLiteral("prod-us/argocd/orders-api");
const QString kPayments = QStringLiteral("prod-eu/argocd/payments-api");

using sextant::test::screenshotDir;

void shoot(QWidget* w, const QString& name) {
    QCoreApplication::processEvents();
    QVERIFY(w->grab().save(screenshotDir() + QLatin1Char('/') + name));
}

bool settled(AppDetailView& view, AppDetailView::Tab tab) {
    const auto state = view.pane(tab)->state();
    return state != AppDetailPane::State::Loading && state != AppDetailPane::State::Idle &&
           !view.pane(tab)->bannerText().contains(QStringLiteral("Loading"));
}

QTreeWidgetItem* findItem(QTreeWidget* list, int column, const QString& needle) {
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        if (list->topLevelItem(i)->text(column).contains(needle))
            return list->topLevelItem(i);
    return nullptr;
}

} // namespace

class TestAppDetailView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantTest"));
        QVERIFY(m_dir.isValid());
        QVERIFY(m_sim.loadDemo().ok());
        m_sim.setTimeScale(0.01);
        QVERIFY(m_sim.listen().ok());
        m_session = new ui::ConsoleSession(this, m_dir.filePath(QStringLiteral("audit.jsonl")));
        test::connectDemo(*m_session, m_sim);
        for (const QString& key : {kCheckout, kInventory, kOrders, kPayments})
            QTRY_VERIFY2_WITH_TIMEOUT(m_session->store()->indexOf(key) >= 0, qPrintable(key),
                                      30000);
        QVERIFY(m_session->client(QStringLiteral("prod-eu")));
        QVERIFY(!m_session->client(QStringLiteral("no-such-instance")));
    }

    void imagePullBackOff() {
        AppDetailView view(m_session, nullptr);
        view.resize(1400, 860);
        view.show();
        view.showApplication(kCheckout);
        QCOMPARE(view.appKey(), kCheckout);

        // Summary: the failing state, and the pod behind it once the tree is in.
        QTRY_VERIFY_WITH_TIMEOUT(settled(view, AppDetailView::SummaryTab), 20000);
        QCOMPARE(view.pane(AppDetailView::SummaryTab)->state(), AppDetailPane::State::Ready);
        QTRY_VERIFY_WITH_TIMEOUT(view.treeModel()->totalNodes() > 0, 20000);
        QTRY_VERIFY(
            view.summaryBrowser()->toPlainText().contains(QStringLiteral("ImagePullBackOff")));
        const QString summary = view.summaryBrowser()->toPlainText();
        QVERIFY2(summary.contains(QStringLiteral("Degraded")), qPrintable(summary));
        QVERIFY(summary.contains(QStringLiteral("checkout-5c7f9d8b6d-h2kqz")));
        QVERIFY(summary.contains(QStringLiteral("https://git.example.com/shop/checkout.git")));
        shoot(&view, QStringLiteral("appdetail-summary.png"));

        // Tree: the ImagePullBackOff pod is the first problem, first in its branch.
        view.tabs()->setCurrentIndex(AppDetailView::TreeTab);
        QCOMPARE(view.pane(AppDetailView::TreeTab)->state(), AppDetailPane::State::Ready);
        const auto* tree = view.treeModel()->tree();
        QVERIFY(!tree->rootCauses.isEmpty());
        const auto& cause = tree->nodes[tree->rootCauses.first()];
        QCOMPARE(cause.kind, QStringLiteral("Pod"));
        QCOMPARE(cause.infoValue(QStringLiteral("Status Reason")),
                 QStringLiteral("ImagePullBackOff"));
        auto* model = view.treeModel();
        QModelIndex index = model->index(0, 0);
        while (model->rowCount(index) > 0)
            index = model->index(0, 0, index);
        QCOMPARE(index.data().toString(), QStringLiteral("Pod checkout-5c7f9d8b6d-h2kqz"));
        QCOMPARE(index.siblingAtColumn(models::ResourceTreeModel::StatusColumn)
                     .data()
                     .toString()
                     .section(QStringLiteral(" · "), 0, 0),
                 QStringLiteral("ImagePullBackOff"));
        QVERIFY(view.tabs()->tabText(AppDetailView::TreeTab).contains(QStringLiteral("unhealthy")));
        shoot(&view, QStringLiteral("appdetail-tree.png"));

        // Events: the app's and the pod's, merged, with the pull failure as a warning.
        view.tabs()->setCurrentIndex(AppDetailView::EventsTab);
        QTRY_VERIFY_WITH_TIMEOUT(settled(view, AppDetailView::EventsTab), 20000);
        QTreeWidgetItem* pull =
            findItem(view.eventsList(), 6, QStringLiteral("Failed to pull image"));
        QVERIFY(pull);
        QCOMPARE(pull->text(1), QStringLiteral("Warning"));
        QCOMPARE(pull->text(4), QStringLiteral("×9"));
        QVERIFY(findItem(view.eventsList(), 2, QStringLiteral("OperationStarted"))); // app event
        shoot(&view, QStringLiteral("appdetail-events.png"));

        // Logs of the failing pod (the first pod offered).
        view.tabs()->setCurrentIndex(AppDetailView::LogsTab);
        QVERIFY(view.podChoice()->count() >= 2);
        QCOMPARE(view.podChoice()->currentData().toString(),
                 QStringLiteral("checkout-5c7f9d8b6d-h2kqz"));
        QTRY_VERIFY_WITH_TIMEOUT(
            view.logText()->toPlainText().contains(QStringLiteral("failing to pull image")), 20000);
        view.findChild<QLineEdit*>(QStringLiteral("logSearch"))->setText(QStringLiteral("pull"));
        QCOMPARE(view.logText()->extraSelections().size(), 1);
        shoot(&view, QStringLiteral("appdetail-logs.png"));

        // History: newest first, commit metadata fetched for the visible entries.
        view.tabs()->setCurrentIndex(AppDetailView::HistoryTab);
        QCOMPARE(view.historyList()->topLevelItemCount(), 3);
        QCOMPARE(view.historyList()->topLevelItem(0)->text(0), QStringLiteral("19"));
        QTRY_COMPARE_WITH_TIMEOUT(view.historyList()->topLevelItem(0)->text(4),
                                  QStringLiteral("Ben Okafor <ben.okafor@example.com>"), 20000);
        QTRY_COMPARE(view.historyList()->topLevelItem(0)->text(6),
                     QStringLiteral("Bump checkout image to v2.41.0"));
        QTRY_COMPARE(view.historyList()->topLevelItem(2)->text(6),
                     QStringLiteral("Release checkout v2.13.2"));
        shoot(&view, QStringLiteral("appdetail-history.png"));
    }

    void driftDiff() {
        AppDetailView view(m_session, nullptr);
        view.resize(1400, 860);
        view.show();
        view.tabs()->setCurrentIndex(AppDetailView::DiffTab);
        view.showApplication(kInventory);
        QTRY_VERIFY_WITH_TIMEOUT(settled(view, AppDetailView::DiffTab), 20000);
        QCOMPARE(view.pane(AppDetailView::DiffTab)->state(), AppDetailPane::State::Ready);
        const QString text = view.diffView()->visibleText();
        // Live has 6 replicas, Git 3; LOG_LEVEL was edited live.
        QVERIFY2(text.contains(QStringLiteral("-   replicas: 6")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("+   replicas: 3")));
        QVERIFY(text.contains(QStringLiteral("LOG_LEVEL: debug")));
        QVERIFY(text.contains(QStringLiteral("unchanged line")));
        // Only modified resources by default; the unchanged Service appears on request.
        QVERIFY(!text.contains(QStringLiteral("Service inventory/inventory-api")));
        auto* rows = view.diffView()->rowsModel();
        QCOMPARE(rows->listedResources().size(), 2);
        QVERIFY(view.tabs()->tabText(AppDetailView::DiffTab).contains(QStringLiteral("2")));
        shoot(&view, QStringLiteral("appdetail-diff.png"));

        view.diffView()->collapseAll();
        QCOMPARE(rows->rowCount(), 2);
        rows->setExpanded(rows->listedResources().first(), true);
        QVERIFY(rows->rowCount() > 2);
        view.diffView()->setShowUnchanged(true);
        QCOMPARE(rows->listedResources().size(), 3);
        view.diffView()->expandAll();
        QVERIFY(view.diffView()->visibleText().contains(
            QStringLiteral("Service inventory/inventory-api")));
    }

    void failedHookOperation() {
        AppDetailView view(m_session, nullptr);
        view.resize(1400, 860);
        view.show();
        view.showApplication(kOrders);
        QTRY_VERIFY_WITH_TIMEOUT(settled(view, AppDetailView::SummaryTab), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(view.treeModel()->totalNodes() > 0, 20000);
        const QString summary = view.summaryBrowser()->toPlainText();
        QVERIFY2(summary.contains(QStringLiteral("one or more synchronization tasks completed "
                                                 "unsuccessfully")),
                 qPrintable(summary));
        QVERIFY(summary.contains(QStringLiteral("Job orders/db-migrate")));
        QVERIFY(summary.contains(QStringLiteral("PreSync hook")));
        shoot(&view, QStringLiteral("appdetail-summary-failed-hook.png"));
    }

    void crashLoopPreviousLogs() {
        AppDetailView view(m_session, nullptr);
        view.resize(1400, 860);
        view.show();
        view.tabs()->setCurrentIndex(AppDetailView::LogsTab);
        view.showApplication(kPayments);
        QTRY_VERIFY_WITH_TIMEOUT(settled(view, AppDetailView::LogsTab), 20000);
        QVERIFY(view.podChoice()->count() > 0);
        for (auto* box : view.findChildren<QCheckBox*>())
            if (box->text() == QStringLiteral("Previous container"))
                box->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(settled(view, AppDetailView::LogsTab), 20000);
        QCOMPARE(view.findChild<QComboBox*>(QStringLiteral("logContainer"))->currentText(),
                 QStringLiteral("payments-api")); // from the kubelet's health message
        QTRY_VERIFY_WITH_TIMEOUT(
            view.logText()->toPlainText().contains(QStringLiteral("invalid DATABASE_POOL_SIZE")),
            20000);
        shoot(&view, QStringLiteral("appdetail-logs-previous.png"));
    }

    void staleAnswersAreIgnored() {
        AppDetailView view(m_session, nullptr);
        view.show();
        view.showApplication(kCheckout);
        view.showApplication(kInventory); // before any answer for checkout arrived
        QTRY_VERIFY_WITH_TIMEOUT(settled(view, AppDetailView::SummaryTab), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(view.treeModel()->totalNodes() > 0, 20000);
        QTest::qWait(200); // let any late answer for checkout arrive
        QVERIFY(view.summaryBrowser()->toPlainText().contains(QStringLiteral("inventory-api")));
        QVERIFY(!view.summaryBrowser()->toPlainText().contains(QStringLiteral("shop-checkout")));
        for (int r = 0; r < view.treeModel()->rowCount(); ++r)
            QVERIFY(!view.treeModel()->index(r, 0).data().toString().contains(
                QStringLiteral("checkout")));
    }

    void errorsAreShown() {
        AppDetailView view(m_session, nullptr);
        view.resize(1000, 600);
        view.show();
        // Not in the store.
        view.showApplication(QStringLiteral("prod-eu/argocd/does-not-exist"));
        QVERIFY(view.appKey().isEmpty());
        // Every request fails: the panes say so, with the short message.
        m_session->client(QStringLiteral("prod-eu"))->setRetryPolicy({0, 10, 10});
        sim::Faults faults;
        faults.serverErrorRate = 1.0;
        m_sim.setFaults(QStringLiteral("prod-eu"), faults);
        view.showApplication(kCheckout);
        QTRY_COMPARE_WITH_TIMEOUT(view.pane(AppDetailView::SummaryTab)->state(),
                                  AppDetailPane::State::Error, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(view.pane(AppDetailView::TreeTab)->state(),
                                  AppDetailPane::State::Error, 20000);
        QVERIFY(view.pane(AppDetailView::SummaryTab)
                    ->bannerText()
                    .contains(QStringLiteral("Could not load the application")));
        QVERIFY(
            view.pane(AppDetailView::SummaryTab)->bannerText().contains(QStringLiteral("prod-eu")));
        shoot(&view, QStringLiteral("appdetail-error.png"));
        m_sim.setFaults(QStringLiteral("prod-eu"), sim::Faults{});
        view.reload();
        QTRY_COMPARE_WITH_TIMEOUT(view.pane(AppDetailView::SummaryTab)->state(),
                                  AppDetailPane::State::Ready, 20000);
    }

    void largeDiffStaysLazy() {
        // 3 resources of 20,000 lines each, every 50th line changed: computed like the view does
        // (off the GUI thread there), shown collapsed, painted only where visible.
        nlohmann::json items = nlohmann::json::array();
        for (int r = 0; r < 3; ++r) {
            nlohmann::json live = nlohmann::json::object();
            nlohmann::json predicted = nlohmann::json::object();
            for (int i = 0; i < 20000; ++i) {
                const std::string key = "key" + std::to_string(i);
                live[key] = "value " + std::to_string(i);
                predicted[key] =
                    i % 50 == 0 ? "changed " + std::to_string(i) : "value " + std::to_string(i);
            }
            items.push_back({{"kind", "ConfigMap"},
                             {"namespace", "big"},
                             {"name", "cm" + std::to_string(r)},
                             {"normalizedLiveState", live.dump()},
                             {"predictedLiveState", predicted.dump()},
                             {"modified", true}});
        }
        auto d = std::make_shared<const diff::ManagedDiff>(
            diff::computeManagedDiff(nlohmann::json{{"items", items}}));
        QCOMPARE(d->modifiedCount, 3);
        QCOMPARE(d->resources[0].added, 400);
        ui::DiffView view;
        view.resize(1200, 700);
        view.show();
        view.setDiff(d);
        auto* rows = view.rowsModel();
        QCOMPARE(rows->rowCount(), 3); // too large to expand everything at once
        rows->setExpanded(1, true);
        QCOMPARE(rows->rowCount(), 3 + int(d->resources[1].rows.size()));
        QVERIFY(view.visibleText().contains(QStringLiteral("unchanged lines")));
        shoot(&view, QStringLiteral("appdetail-diff-large.png"));
        view.expandAll();
        QVERIFY(rows->rowCount() > 3000);
        view.listView()->scrollToBottom();
        QVERIFY(!view.grab().isNull());
    }

    void cleanupTestCase() {
        delete m_session;
        m_session = nullptr;
    }

private:
    QTemporaryDir m_dir;
    sim::Simulator m_sim;
    ui::ConsoleSession* m_session = nullptr;
};

QTEST_MAIN(TestAppDetailView)
#include "tst_appdetailview.moc"
