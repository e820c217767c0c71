// ui::FleetReportDialog: the preview and the saved files show the redacted report; posting asks
// for the URL, shows the exact payload and the destination host only, sends nothing without a
// confirmation, and sends exactly what it showed (to a receiver on loopback). Works with or
// without a keychain on the machine: the URL is stored only when a keychain accepts it.

#include "demosession.h"
#include "fleetreportdialog.h"
#include "hookreceiver.h"

#include "report/fleetreport.h"
#include "secrets/credentialstore.h"

#include <QCoreApplication>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>

using namespace sextant;

namespace {

report::FleetReport sampleReport() {
    argocd::AppSummary a;
    a.instance = QStringLiteral("prod-eu");
    a.appNamespace = QStringLiteral("argocd");
    a.name = QStringLiteral("shop-checkout");
    a.destName = QStringLiteral("prod-eu-shop");
    a.destNamespace = QStringLiteral("shop");
    a.health = argocd::HealthStatus::Degraded;
    a.healthMessage = QStringLiteral("Back-off pulling image; password=hunter2");
    argocd::AppSummary b = a;
    b.name = QStringLiteral("ingress-controller");
    b.destNamespace = QStringLiteral("ingress-nginx");
    b.health = argocd::HealthStatus::Healthy;
    b.sync = argocd::SyncStatus::OutOfSync;
    report::ReportInput in;
    in.apps = {a, b};
    in.now = QDateTime(QDate(2026, 11, 26), QTime(7, 0), Qt::UTC);
    return report::buildFleetReport(in);
}

const QString kPath = QStringLiteral("/services/T1/B2/dialogPathSecret");

} // namespace

class TestFleetReportDialog : public QObject {
    Q_OBJECT
private slots:
    void previewAndFilesAreRedacted() {
        ui::FleetReportDialog dialog(sampleReport(), nullptr);
        const QString text = dialog.preview()->toPlainText();
        QVERIFY(text.contains(QLatin1String("shop-checkout")));
        QVERIFY(text.contains(QLatin1String("ingress and traffic")));
        QVERIFY(!text.contains(QLatin1String("hunter2")));
        QVERIFY(!dialog.markdown().contains(QLatin1String("hunter2")));
        dialog.resize(1100, 900);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(
            dialog.grab().save(test::screenshotDir() + QStringLiteral("/fleetreportdialog.png")));
        QTemporaryDir dir;
        const QString md = dir.filePath(QStringLiteral("r.md"));
        const QString html = dir.filePath(QStringLiteral("r.html"));
        QVERIFY(dialog.saveMarkdown(md));
        QVERIFY(dialog.saveHtml(html));
        QFile f(md);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(f.readAll()), dialog.markdown());
        QVERIFY(!dialog.saveMarkdown(dir.filePath(QStringLiteral("missing/dir/r.md"))));
        // No keychain given: posting is off and says why.
        QVERIFY(!dialog.postButton()->isEnabled());
        QSignalSpy finished(&dialog, &ui::FleetReportDialog::postFinished);
        dialog.post(report::WebhookKind::Slack);
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().first().toBool(), false);
        QCOMPARE(dialog.lastPostError().kind, Error::Kind::Keychain);
    }

    void postShowsThePayloadAndSendsExactlyIt() {
        test::HookReceiver hook;
        QVERIFY(hook.listen());
        // A service of its own, so a real keychain on the machine is not touched.
        secrets::CredentialStore store(
            QStringLiteral("sextant-test-%1").arg(QCoreApplication::applicationPid()));
        ui::FleetReportDialog dialog(sampleReport(), &store);
        QVERIFY(dialog.postButton()->isEnabled());
        int prompts = 0;
        dialog.setUrlPrompt([&](report::WebhookKind) {
            ++prompts;
            return hook.url(kPath);
        });
        QString shownDestination;
        QByteArray shownBody;
        dialog.setConfirm([&](const QString& destination, const report::WebhookPayload& p) {
            shownDestination = destination;
            shownBody = p.body;
            return true;
        });
        QSignalSpy finished(&dialog, &ui::FleetReportDialog::postFinished);
        dialog.post(report::WebhookKind::Generic);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        QVERIFY2(finished.first().first().toBool(), qPrintable(dialog.lastPostError().toString()));
        QCOMPARE(prompts, 1);
        QCOMPARE(shownDestination, QStringLiteral("http://127.0.0.1:%1/…").arg(hook.port()));
        QCOMPARE(hook.requests.size(), 1);
        QCOMPARE(hook.requests.first().body, shownBody);
        QVERIFY(!shownBody.contains("hunter2"));
        QVERIFY(!dialog.statusLabel()->text().contains(QLatin1String("dialogPathSecret")));
        // Whatever the keychain did, remove the test entry again.
        bool done = false;
        store.remove(ui::FleetReportDialog::webhookKey(report::WebhookKind::Generic),
                     [&](Status) { done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 30000);
    }

    void nothingIsSentWithoutConfirmation() {
        test::HookReceiver hook;
        QVERIFY(hook.listen());
        secrets::CredentialStore store(
            QStringLiteral("sextant-test-%1-b").arg(QCoreApplication::applicationPid()));
        ui::FleetReportDialog dialog(sampleReport(), &store);
        dialog.setUrlPrompt([&](report::WebhookKind) { return hook.url(kPath); });
        bool asked = false;
        dialog.setConfirm([&](const QString&, const report::WebhookPayload& p) {
            asked = true;
            return !p.body.isEmpty() && false;
        });
        QSignalSpy finished(&dialog, &ui::FleetReportDialog::postFinished);
        dialog.post(report::WebhookKind::Slack);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        QVERIFY(asked);
        QCOMPARE(dialog.lastPostError().kind, Error::Kind::Cancelled);
        QTest::qWait(100);
        QCOMPARE(hook.requests.size(), 0);
        // An empty answer to the URL prompt cancels too.
        dialog.setUrlPrompt([](report::WebhookKind) { return QString(); });
        dialog.post(report::WebhookKind::Slack);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 60000);
        QCOMPARE(dialog.lastPostError().kind, Error::Kind::Cancelled);
        QCOMPARE(hook.requests.size(), 0);
    }
};

QTEST_MAIN(TestFleetReportDialog)
#include "tst_fleetreportdialog.moc"
