// The Rollback tab end to end: a ConsoleSession connected over loopback HTTP to the in-process
// simulator's demo fleet (its health timeline fed from the store), the application detail view's
// Rollback tab ranks payments-api's history (41, v3.8.2, on top, with reasons), refuses the plan
// in audit mode with nothing sent, demotes a revision marked bad, and runs the plan with every
// step approved and audited until the application is Healthy again. Screenshots land in
// <build>/screenshots/rollback-*.png.
#include "analysis/rollbackplan.h"
#include "analysis/rollbackranker.h"
#include "appdetailview.h"
#include "consolesession.h"
#include "demosession.h"
#include "fleet/fleetstore.h"
#include "fleet/healthtimeline.h"
#include "governance/actionmode.h"
#include "governance/approvalgate.h"
#include "governance/auditlog.h"
#include "rollbackcandidatesmodel.h"
#include "rollbackview.h"
#include "scriptedapprover.h"
#include "sim/simulator.h"
#include "triagepanel.h"

#include <QDir>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>

#include <memory>
#include <optional>

using namespace sextant;
using ui::AppDetailView;
using ui::RollbackView;

namespace {

constexpr int kWait = 30000; // an upper bound against hangs, never a timing assertion
const QString kPayments = QStringLiteral("prod-eu/argocd/payments-api");
const QString kInstance = QStringLiteral("prod-eu");

using sextant::test::screenshotDir;

using sextant::test::ScriptedApprover;

// Lets pending layout requests run, so the picture shows the labels at their final size.
void grabTo(QWidget& widget, const QString& name) {
    QTest::qWait(50);
    widget.grab().save(screenshotDir() + QStringLiteral("/") + name);
}

QString ranking(const RollbackView& view) {
    return view.ranking() ? QString::fromStdString(view.ranking()->toJson().dump(2)) : QString();
}

} // namespace

class TestRollbackView : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    sim::Simulator m_sim;
    ScriptedApprover m_approver;
    ui::ConsoleSession* m_session = nullptr;

    // Opens payments-api's Rollback tab and waits until the ranking includes the diagnosis.
    void openRollback(AppDetailView& view, const QString& key = kPayments) {
        view.resize(1400, 900);
        view.show();
        view.showApplication(key);
        view.tabs()->setCurrentIndex(AppDetailView::RollbackTab);
        RollbackView* rb = view.rollback();
        // Opening the tab is the demand; the unhealthy app is diagnosed too, then re-ranked.
        QTRY_VERIFY_WITH_TIMEOUT(view.triage()->hasResult(), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(rb->hasResult() && !rb->isBusy(), kWait);
        QVERIFY(!rb->statusLabel()->text().contains(QStringLiteral("ranking updates when")));
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantRollbackViewTest"));
        QVERIFY(m_dir.isValid());
        QVERIFY(m_sim.loadDemo().ok());
        m_sim.setTimeScale(0.01);
        QVERIFY(m_sim.listen().ok());
        m_session = test::sessionIn(m_dir, this);
        m_session->setApprover(&m_approver);
        test::connectDemo(*m_session, m_sim);
        QTRY_VERIFY_WITH_TIMEOUT(m_session->store()->indexOf(kPayments) >= 0, kWait);
        QVERIFY(m_session->policy()->mode(kInstance) == governance::Mode::Audit);
    }

    void cleanupTestCase() {
        delete m_session;
        m_session = nullptr;
    }

    void timelineIsFedFromTheStore() {
        // The list rows reached the timeline on its own thread: payments-api's health is there.
        std::optional<int> transitions;
        m_session->withHealthTimeline([&transitions](fleet::HealthTimeline& t) {
            const int n = t.isOpen() ? int(t.healthTransitions(kPayments).size()) : -1;
            QMetaObject::invokeMethod(
                qApp, [&transitions, n] { transitions = n; }, Qt::QueuedConnection);
        });
        QTRY_VERIFY_WITH_TIMEOUT(transitions.has_value(), kWait);
        QVERIFY2(*transitions >= 1, qPrintable(QString::number(*transitions)));
        QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("timeline.sqlite"))));
    }

    void ranksPaymentsApi() {
        AppDetailView view(m_session, nullptr);
        openRollback(view);
        RollbackView* rb = view.rollback();
        QCOMPARE(view.tabs()->tabText(AppDetailView::RollbackTab), QStringLiteral("Rollback"));
        const analysis::RollbackRanking* r = rb->ranking();
        QCOMPARE(r->currentHistoryId, 42);
        QVERIFY2(!r->candidates.isEmpty() && r->candidates.first().id == 41,
                 qPrintable(ranking(*rb)));
        const analysis::RollbackCandidate& top = r->candidates.first();
        QVERIFY(!top.reasons.isEmpty());
        // The table, the reasons in words, the difference and the plan are all shown.
        QCOMPARE(rb->model()
                     ->data(rb->model()->index(0, models::RollbackCandidatesModel::IdColumn))
                     .toString(),
                 QStringLiteral("#41"));
        QCOMPARE(rb->selectedCandidate()->id, 41);
        const QString detail = rb->detailBrowser()->toPlainText();
        for (const QString& reason : top.reasons)
            QVERIFY2(detail.contains(reason), qPrintable(reason + QStringLiteral("\n") + detail));
        QVERIFY2(detail.contains(QStringLiteral("Deployment payments-api")), qPrintable(detail));
        // The candidate against the live state, field by field: the image goes back.
        const int live = detail.indexOf(QStringLiteral("Compared with the live state"));
        QVERIFY2(live > 0, qPrintable(detail));
        QVERIFY2(detail.indexOf(QStringLiteral("image"), live) > live,
                 qPrintable(detail.mid(live)));
        QVERIFY(rb->statusLabel()->text().contains(QStringLiteral("#41")));
        QVERIFY(rb->plan());
        QCOMPARE(rb->plan()->historyId, qint64(41));
        const QString plan = rb->planBrowser()->toPlainText();
        QVERIFY2(plan.contains(QStringLiteral("audit (read-only) mode")), qPrintable(plan));
        QVERIFY(plan.contains(QStringLiteral("revert pull request")));
        QVERIFY(rb->runButton()->isEnabled());
        grabTo(view, QStringLiteral("rollback-candidates.png"));
    }

    void auditModeRefusesWithNothingSent() {
        QVERIFY(m_session->policy()->mode(kInstance) == governance::Mode::Audit);
        AppDetailView view(m_session, nullptr);
        openRollback(view);
        RollbackView* rb = view.rollback();
        m_approver.seen.clear();
        QSignalSpy served(&m_sim, &sim::Simulator::requestServed);
        QSignalSpy finished(rb, &RollbackView::planFinished);
        rb->runPlan();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, kWait);
        QCOMPARE(finished.first().first().toBool(), false);
        const analysis::PlanRun* run = rb->lastRun();
        QVERIFY(run && !run->completed);
        QCOMPARE(run->stoppedAt, 0);
        QVERIFY(run->steps[0].state == analysis::StepOutcome::State::Refused);
        QVERIFY2(run->stopReason.contains(QStringLiteral("audit (read-only) mode")),
                 qPrintable(run->stopReason));
        QVERIFY(m_approver.seen.isEmpty()); // refused before anyone was asked
        for (const QList<QVariant>& call : served)
            QCOMPARE(call.at(1).toString(), QStringLiteral("GET"));
        const QString plan = rb->planBrowser()->toPlainText();
        QVERIFY2(plan.contains(QStringLiteral("was refused")), qPrintable(plan));
        QVERIFY(plan.contains(QStringLiteral("Nothing was sent to Argo CD")));
        QVERIFY(rb->statusLabel()->text().contains(QStringLiteral("stopped")));
        grabTo(view, QStringLiteral("rollback-refused.png"));
        const int row = m_session->store()->indexOf(kPayments);
        QVERIFY(m_session->store()->at(row).health == argocd::HealthStatus::Degraded);
    }

    void markedBadDropsInTheRanking() {
        AppDetailView view(m_session, nullptr);
        openRollback(view);
        RollbackView* rb = view.rollback();
        QCOMPARE(rb->ranking()->candidates.first().id, 41);
        const int before = rb->ranking()->candidates.first().score;
        rb->selectCandidate(41);
        QCOMPARE(rb->selectedCandidate()->id, 41);
        rb->markSelectedBad(QStringLiteral("drops connections under load"));
        QTRY_VERIFY_WITH_TIMEOUT(rb->ranking()->candidates.first().id != 41, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(!rb->isBusy(), kWait);
        const analysis::RollbackCandidate* marked = nullptr;
        for (const auto& c : rb->ranking()->candidates)
            if (c.id == 41)
                marked = &c;
        QVERIFY(marked);
        QVERIFY(marked->score < before);
        QVERIFY2(marked->reasons.join(QLatin1Char('|')).contains(QStringLiteral("marked bad")),
                 qPrintable(ranking(*rb)));
        // The selection stays on the revision just marked, and says so.
        QCOMPARE(rb->selectedCandidate()->id, 41);
        QVERIFY(rb->detailBrowser()->toPlainText().contains(
            QStringLiteral("drops connections under load")));
        QCOMPARE(rb->markBadButton()->text(), QStringLiteral("Remove the bad mark"));
        grabTo(view, QStringLiteral("rollback-marked-bad.png"));

        // Stored in the timeline: a new view sees it too. Then the mark is removed again.
        AppDetailView again(m_session, nullptr);
        openRollback(again);
        QVERIFY(again.rollback()->ranking()->candidates.first().id != 41);
        again.rollback()->selectCandidate(41);
        again.rollback()->markSelectedBad({});
        QTRY_VERIFY_WITH_TIMEOUT(again.rollback()->ranking()->candidates.first().id == 41, kWait);
    }

    void shopCheckoutAvoidsTheFailingImage() {
        // v2.41.0 does not exist in the registry (ImagePullNotFound): the diagnosis keeps every
        // revision running it away from the top.
        AppDetailView view(m_session, nullptr);
        openRollback(view, QStringLiteral("prod-eu/argocd/shop-checkout"));
        const analysis::RollbackRanking* r = view.rollback()->ranking();
        QVERIFY2(!r->candidates.isEmpty() && r->candidates.first().id == 18,
                 qPrintable(ranking(*view.rollback())));
        QCOMPARE(r->candidates.first().images,
                 QStringList{QStringLiteral("registry.example.com/shop/checkout:v2.14.0")});
        grabTo(view, QStringLiteral("rollback-shop-checkout.png"));
    }

    void runPlanHealsAndAudits() {
        m_session->policy()->setMode(kInstance, governance::Mode::ReadWrite);
        AppDetailView view(m_session, nullptr);
        openRollback(view);
        RollbackView* rb = view.rollback();
        QCOMPARE(rb->selectedCandidate()->id, 41);
        QVERIFY(!rb->planBrowser()->toPlainText().contains(QStringLiteral("audit (read-only)")));
        m_approver.seen.clear();
        QSignalSpy finished(rb, &RollbackView::planFinished);
        rb->runPlan();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, kWait);
        const analysis::PlanRun* run = rb->lastRun();
        QVERIFY2(run && run->completed, qPrintable(run ? run->stopReason : QString()));
        // No auto-sync on payments-api: dry run, then the rollback; both production-confirmed.
        QCOMPARE(m_approver.seen.size(), 2);
        for (const WriteRequest& request : std::as_const(m_approver.seen)) {
            QCOMPARE(request.action, QStringLiteral("rollback"));
            QVERIFY(request.production);
        }
        QTRY_VERIFY_WITH_TIMEOUT(
            m_session->store()->at(m_session->store()->indexOf(kPayments)).health ==
                argocd::HealthStatus::Healthy,
            kWait);
        QTRY_VERIFY_WITH_TIMEOUT(rb->findChild<QLabel*>(QStringLiteral("rollbackLiveState"))
                                     ->text()
                                     .contains(QStringLiteral("Healthy")),
                                 kWait);
        // The detail view's header follows the live row too.
        QTRY_VERIFY_WITH_TIMEOUT(view.findChild<QLabel*>(QStringLiteral("appDetailHeader"))
                                     ->text()
                                     .contains(QStringLiteral("Healthy")),
                                 kWait);
        const QString plan = rb->planBrowser()->toPlainText();
        QVERIFY2(plan.contains(QStringLiteral("Rollback to #41")), qPrintable(plan));
        QVERIFY2(plan.contains(QStringLiteral("payments-api is Healthy again")), qPrintable(plan));
        QVERIFY(plan.contains(QStringLiteral("revert pull request")));
        QVERIFY(!rb->runButton()->isEnabled());
        grabTo(view, QStringLiteral("rollback-done.png"));
        m_session->policy()->setMode(kInstance, governance::Mode::Audit);

        const governance::VerifyReport report =
            governance::AuditLog::verify(m_session->auditLogPath());
        QVERIFY2(report.ok, qPrintable(report.problem));
        QFile log(m_session->auditLogPath());
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QByteArray text = log.readAll();
        QVERIFY(text.contains("\"phase\":\"refused\""));
        QCOMPARE(text.count("\"phase\":\"approved\""), 2);
        QCOMPARE(text.count("\"phase\":\"succeeded\""), 2);
    }
};

QTEST_MAIN(TestRollbackView)
#include "tst_rollbackview.moc"
