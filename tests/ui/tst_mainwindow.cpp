// The console end to end: a ConsoleSession connected over loopback HTTP to the in-process
// simulator, the main window showing its rows, filtering, and a sync passing the approval gate.
#include "approvaldialog.h"
#include "consolesession.h"
#include "fleetfilterproxy.h"
#include "fleetmodel.h"
#include "governance/actionmode.h"
#include "governance/approvalgate.h"
#include "governance/auditlog.h"
#include "mainwindow.h"
#include "notificationpanel.h"
#include "scriptedapprover.h"
#include "sim/simulator.h"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;

namespace {

using sextant::test::ScriptedApprover;

QString describe(const ui::ConsoleSession& session) {
    QStringList lines;
    for (const QString& id : session.instanceIds()) {
        const auto* info = session.instance(id);
        lines << id + QStringLiteral(": ") + ui::ConsoleSession::stateName(info->state) +
                     QStringLiteral(" ") + info->lastError.toString();
    }
    lines << QStringLiteral("rows in store: %1").arg(session.store()->size());
    return lines.join(QLatin1Char('\n'));
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantTest"));
        QVERIFY(m_dir.isValid());
        sim::GeneratorOptions options;
        options.apps = 300;
        options.instances = 2;
        options.clusters = 6;
        options.seed = 3;
        m_sim.generate(options);
        m_sim.setTimeScale(0.01);
        QVERIFY(m_sim.listen().ok());
    }

    void showsEveryApplicationAndFilters() {
        ui::ConsoleSession session(nullptr, m_dir.filePath(QStringLiteral("audit1.jsonl")));
        ui::MainWindow window(&session);
        window.show();
        int expected = 0;
        for (const auto& ep : m_sim.endpoints()) {
            argocd::InstanceConfig config;
            config.id = ep.name;
            config.name = ep.name;
            config.baseUrl = ep.url;
            session.addEphemeralInstance(config, ep.token);
            expected += m_sim.appCount(ep.name);
        }
        QVERIFY(expected > 0);
        QTRY_VERIFY2_WITH_TIMEOUT(window.fleetView()->model()->rowCount() == expected,
                                  qPrintable(describe(session)), 20000);
        for (const QString& id : session.instanceIds())
            QTRY_COMPARE(session.instance(id)->state, ui::ConsoleSession::State::Live);

        // Free text narrows to the rows that contain every term.
        const QString someName = m_sim.appNames(m_sim.endpoints().first().name).first();
        window.proxy()->setText(someName);
        QVERIFY(window.fleetView()->model()->rowCount() >= 1);
        QVERIFY(window.fleetView()->model()->rowCount() < expected);
        for (int r = 0; r < window.fleetView()->model()->rowCount(); ++r) {
            const QString rowText = window.fleetView()
                                        ->model()
                                        ->index(r, 0)
                                        .data(models::FleetModel::SearchTextRole)
                                        .toString();
            QVERIFY(rowText.contains(someName.toLower()));
        }
        window.proxy()->setText(QString());
        window.proxy()->setProblemsOnly(true);
        QVERIFY(window.fleetView()->model()->rowCount() < expected);
        window.proxy()->setProblemsOnly(false);

        // A watch event reaches the row.
        const QString inst = m_sim.endpoints().first().name;
        QVERIFY(m_sim
                    .setAppHealth(inst, someName, QStringLiteral("Degraded"),
                                  QStringLiteral("test degraded"))
                    .ok());
        const QString key = inst + QStringLiteral("/argocd/") + someName;
        QTRY_VERIFY_WITH_TIMEOUT(session.store()->indexOf(key) >= 0 &&
                                     session.store()->at(session.store()->indexOf(key)).health ==
                                         argocd::HealthStatus::Degraded,
                                 20000);
        // The transition reaches the notification history, named after the instance.
        QTRY_VERIFY_WITH_TIMEOUT(window.notifications()->count() >= 1, 10000);

        // Keyboard navigation: select by key, step to the next row.
        window.selectApplication(key);
        QCOMPARE(window.fleetView()->currentIndex().data(models::FleetModel::KeyRole).toString(),
                 key);
        const int before = window.fleetView()->currentIndex().row();
        QTest::keySequence(&window, QKeySequence(QStringLiteral("Alt+Down")));
        QCOMPARE(window.fleetView()->currentIndex().row(),
                 std::min(before + 1, window.fleetView()->model()->rowCount() - 1));

        const QString shot = QStringLiteral(SEXTANT_BIN_DIR "/../screenshots");
        QDir().mkpath(shot);
        window.resize(1400, 800);
        window.grab().save(shot + QStringLiteral("/mainwindow-offscreen.png"));
    }

    void syncNeedsReadWriteAndApproval() {
        const QString auditPath = m_dir.filePath(QStringLiteral("audit2.jsonl"));
        ui::ConsoleSession session(nullptr, auditPath);
        ScriptedApprover approver;
        session.setApprover(&approver);
        const auto ep = m_sim.endpoints().first();
        argocd::InstanceConfig config;
        config.id = ep.name;
        config.name = ep.name;
        config.baseUrl = ep.url;
        session.addEphemeralInstance(config, ep.token);
        QTRY_COMPARE_WITH_TIMEOUT(session.store()->size(), m_sim.appCount(ep.name), 20000);
        const QString key = session.store()->at(0).key();

        // Audit mode (the default) refuses without asking anyone.
        bool done = false;
        Status result = okStatus();
        session.requestSync(key, false, false, [&](Status s) {
            result = s;
            done = true;
        });
        QTRY_VERIFY(done);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, Error::Kind::Approval);
        QVERIFY(approver.seen.isEmpty());

        // Read-write: the approver sees the exact request, the server gets it, the row follows.
        session.policy()->setMode(ep.name, governance::Mode::ReadWrite);
        done = false;
        session.requestSync(key, false, false, [&](Status s) {
            result = s;
            done = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().toString()));
        QCOMPARE(approver.seen.size(), 1);
        QCOMPARE(approver.seen.first().method, QStringLiteral("POST"));
        QVERIFY(approver.seen.first().url.path().endsWith(QStringLiteral("/sync")));
        QTRY_VERIFY_WITH_TIMEOUT(
            session.store()->at(session.store()->indexOf(key)).operationPhase !=
                argocd::OperationPhase::None,
            20000);

        // Rejection sends nothing and is recorded.
        approver.approve = false;
        done = false;
        session.requestRefresh(key, false, [&](Status s) {
            result = s;
            done = true;
        });
        QTRY_VERIFY(done);
        QVERIFY(!result.ok());

        const auto report = governance::AuditLog::verify(auditPath);
        QVERIFY(report.ok);
        QFile log(auditPath);
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QByteArray text = log.readAll();
        QVERIFY(text.contains("\"refused\""));
        QVERIFY(text.contains("\"approved\""));
        QVERIFY(text.contains("\"succeeded\""));
        QVERIFY(text.contains("\"rejected\""));
        QVERIFY(!text.contains(ep.token.toUtf8())); // the token never reaches the log
    }

    // Every kind of injected failure at once: the console keeps going, keeps its last good rows,
    // and says what is wrong in words.
    void survivesFaultInjection() {
        sim::Simulator faulty;
        sim::GeneratorOptions options;
        options.apps = 200;
        options.instances = 1;
        options.clusters = 4;
        options.seed = 11;
        faulty.generate(options);
        QVERIFY(faulty.listen().ok());
        const auto ep = faulty.endpoints().first();

        ui::ConsoleSession session(nullptr, m_dir.filePath(QStringLiteral("audit3.jsonl")));
        ui::MainWindow window(&session);
        window.show();
        argocd::InstanceConfig config;
        config.id = ep.name;
        config.name = ep.name;
        config.baseUrl = ep.url;
        config.requestTimeoutMs = 3000;
        session.addEphemeralInstance(config, ep.token);
        QTRY_COMPARE_WITH_TIMEOUT(session.store()->size(), 200, 20000);

        sim::Faults faults;
        faults.latencyMs = 50;
        faults.serverErrorRate = 0.3;
        faults.malformedRate = 0.2;
        faults.truncatedRate = 0.2;
        faults.dropStreamAfterMs = 300;
        faults.slowStreamDelayMs = 20;
        faulty.setFaults(faults);
        faulty.dropStreams();
        // While the faults last, rows are kept and the state says what went wrong.
        bool sawError = false;
        for (int i = 0; i < 40; ++i) {
            QTest::qWait(100);
            QCOMPARE(session.store()->size(), 200);
            const auto* info = session.instance(ep.name);
            if (info->lastError.isError()) {
                sawError = true;
                QVERIFY(!info->lastError.shortMessage.isEmpty());
                QVERIFY(!info->lastError.shortMessage.contains(ep.token));
            }
        }
        QVERIFY(sawError);

        // Unauthorized: the console asks for credentials instead of hammering the server.
        QSignalSpy asked(&session, &ui::ConsoleSession::credentialsNeeded);
        faults = sim::Faults();
        faults.unauthorizedRate = 1.0;
        faulty.setFaults(faults);
        faulty.dropStreams();
        QTRY_VERIFY_WITH_TIMEOUT(!asked.isEmpty(), 20000);
        QCOMPARE(session.store()->size(), 200);

        // Faults gone and a token given again: live once more.
        faulty.setFaults(sim::Faults());
        session.provideCredentials(ep.name, ep.token);
        QTRY_COMPARE_WITH_TIMEOUT(session.instance(ep.name)->state, ui::ConsoleSession::State::Live,
                                  20000);
    }

    // The approval dialog shows the exact request and, for production, approves only after the
    // target name is typed.
    void approvalDialogNeedsTypedTarget() {
        WriteRequest request;
        request.instanceName = QStringLiteral("prod-eu");
        request.action = QStringLiteral("sync");
        request.target = QStringLiteral("prod-eu/argocd/shop-web");
        request.summary = QStringLiteral("Sync shop-web to its target revision");
        request.method = QStringLiteral("POST");
        request.url =
            QUrl(QStringLiteral("https://argocd.example.com/api/v1/applications/shop-web/sync"));
        request.body = R"({"prune":false,"dryRun":false})";
        request.production = true;
        ui::ApprovalDialog dialog(request, QStringLiteral("read-write"));
        dialog.show();
        const auto text = dialog.findChild<QPlainTextEdit*>();
        QVERIFY(text);
        QVERIFY(text->toPlainText().contains(
            QStringLiteral("POST https://argocd.example.com/api/v1/applications/shop-web/sync")));
        QVERIFY(text->toPlainText().contains(QStringLiteral("\"prune\":false")));
        QPushButton* approve = nullptr;
        for (auto* b : dialog.findChildren<QPushButton*>())
            if (b->text().startsWith(QStringLiteral("Approve")))
                approve = b;
        QVERIFY(approve);
        QVERIFY(!approve->isEnabled());
        auto* confirm = dialog.findChild<QLineEdit*>(QStringLiteral("typedConfirmation"));
        QVERIFY(confirm);
        confirm->setText(QStringLiteral("prod-eu/argocd/shop-we"));
        QVERIFY(!approve->isEnabled());
        confirm->setText(governance::ApprovalGate::confirmationText(request));
        QVERIFY(approve->isEnabled());
        const QString shots = QStringLiteral(SEXTANT_BIN_DIR "/../screenshots");
        QDir().mkpath(shots);
        dialog.grab().save(shots + QStringLiteral("/approvaldialog.png"));
    }

private:
    QTemporaryDir m_dir;
    sim::Simulator m_sim;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
