// Incident runbooks in the console (issue 8 item 5, docs/incidents.md "Wiring"): the demo
// session (its real bare Git repositories and local GitHub), the main window's Incidents tab with
// the demo alerts. Selecting payments-api's KubePodCrashLooping alert loads the runbooks of
// payments/api's repository (.sextant/runbooks/payments.yaml at main); "Propose runbook…" opens
// the pull request draft with the exact edit (replicaCount 2 -> 1 in chart/values-prod.yaml).
// A refused commit pushes nothing; approving the commit and the pull request pushes the branch
// and opens the pull request on the local provider. An app whose repository is not set up says
// where to set it up.
#include "alertsmodel.h"
#include "configchange.h"
#include "consolesession.h"
#include "correctiveproposal.h"
#include "demosession.h"
#include "fleet/fleetstore.h"
#include "gitfixtures.h"
#include "gitops/gitremotes.h"
#include "gitops/gitrepository.h"
#include "gitops/prdraft.h"
#include "incident/demoalerts.h"
#include "incident/runbooks.h"
#include "incidentspage.h"
#include "mainwindow.h"
#include "prdraftdialog.h"
#include "scriptedapprover.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using ui::PrDraftDialog;

namespace {

constexpr int kWait = 120000; // generous: the machine is shared; never a timing assertion
const QString kRepoURL = QStringLiteral("https://git.example.com/payments/api.git");
const QString kFile = QStringLiteral("chart/values-prod.yaml");
const QString kRunbook = QStringLiteral("payments-crashloop-contain");

} // namespace

class TestIncidentRunbook : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    test::ScriptedApprover m_approver;
    ui::ConsoleSession* m_session = nullptr;
    ui::MainWindow* m_window = nullptr;
    QString m_repoPath;
    QString m_baseSha;
    QString m_paymentsKey;
    QString m_fingerprint;

    std::unique_ptr<gitops::GitRepository> demoRepo() const {
        auto repo = gitops::GitRepository::open(m_repoPath);
        return repo.ok() ? std::move(repo.value()) : nullptr;
    }
    QString refs() const {
        return test::gitText(m_repoPath, {QStringLiteral("for-each-ref"),
                                          QStringLiteral("--format=%(refname) %(objectname)")});
    }
    QString storeKey(const QString& name) const {
        for (int i = 0; i < m_session->store()->size(); ++i)
            if (m_session->store()->at(i).name == name)
                return m_session->store()->at(i).key();
        return {};
    }

    // A failed draft is shown in a (non-modal) message box.
    bool failedDraft() const {
        for (QMessageBox* box : m_window->findChildren<QMessageBox*>())
            if (box->isVisible()) {
                qWarning("%s %s", qPrintable(box->text()), qPrintable(box->informativeText()));
                return true;
            }
        return false;
    }

    // "Propose runbook…" on the page; the draft dialog once its draft is shown.
    PrDraftDialog* propose() {
        QPointer<PrDraftDialog> dialog;
        const auto c = connect(m_window, &ui::MainWindow::runbookDialogOpened, this,
                               [&dialog](QDialog* d) { dialog = qobject_cast<PrDraftDialog*>(d); });
        ui::IncidentsPage* page = m_window->incidentsPage();
        if (!page->runbookButton()->isEnabled())
            return nullptr;
        page->runbookButton()->click();
        const bool settled =
            QTest::qWaitFor([&dialog, this] { return !dialog.isNull() || failedDraft(); }, kWait);
        disconnect(c);
        if (!settled || !dialog || !dialog->draft())
            return nullptr;
        return dialog;
    }

private Q_SLOTS:
    void initTestCase() {
        // No keychain: the demo's provider token is held in memory only.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/sextant-test-bus");
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantIncidentRunbookTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_incidentrunbook"));
        QVERIFY(m_dir.isValid());
        {
            QSettings settings;
            settings.clear();
            settings.setValue(QStringLiteral("git/authorName"), QStringLiteral("Test Responder"));
            settings.setValue(QStringLiteral("git/authorEmail"),
                              QStringLiteral("responder@example.test"));
        }
        m_session = test::sessionIn(m_dir, this);
        m_session->setApprover(&m_approver);
        m_session->startDemo();
        QTRY_VERIFY_WITH_TIMEOUT(m_session->gitRemotes()->find(kRepoURL).has_value(), kWait);
        const gitops::GitRemote remote = *m_session->gitRemotes()->find(kRepoURL);
        QVERIFY(remote.writesAllowed);
        m_repoPath = QUrl(remote.effectiveCloneURL()).toLocalFile();
        QVERIFY2(demoRepo(), qPrintable(remote.effectiveCloneURL()));
        m_baseSha = demoRepo()->resolve(QStringLiteral("refs/heads/main")).value();
        // The demo repository carries the runbook file.
        QVERIFY(demoRepo()
                    ->tree(m_baseSha)
                    .value()
                    ->readFile(QStringLiteral(".sextant/runbooks/payments.yaml"))
                    .has_value());
        QTRY_VERIFY_WITH_TIMEOUT(!storeKey(QStringLiteral("payments-api")).isEmpty(), kWait);
        m_paymentsKey = storeKey(QStringLiteral("payments-api"));

        m_window = new ui::MainWindow(m_session, nullptr,
                                      m_dir.filePath(QStringLiteral("history.sqlite")));
        // The window installs its approval dialog; the scripted human answers instead.
        m_session->setApprover(&m_approver);
        m_window->resize(1400, 900);
        m_window->show();
        m_window->tabs()->setCurrentWidget(m_window->incidentsPage());
    }

    void cleanupTestCase() {
        delete m_window;
        m_window = nullptr;
        delete m_session;
        m_session = nullptr;
    }

    // Selecting the crash-loop alert loads payments-api's runbooks; the one for it applies.
    void runbooksLoadForTheAlertsApp() {
        ui::IncidentsPage* page = m_window->incidentsPage();
        const QVector<metrics::Alert> alerts =
            incident::demoAlerts(QDateTime::currentDateTimeUtc());
        for (const metrics::Alert& a : alerts)
            if (a.name() == QLatin1String("KubePodCrashLooping"))
                m_fingerprint = a.fingerprint;
        QVERIFY(!m_fingerprint.isEmpty());
        QVector<argocd::AppSummary> fleet;
        for (int i = 0; i < m_session->store()->size(); ++i)
            fleet.append(m_session->store()->at(i));
        QSignalSpy mapped(page, &ui::IncidentsPage::mappingFinished);
        page->setAlerts(alerts, fleet);
        QTRY_VERIFY_WITH_TIMEOUT(!mapped.isEmpty(), kWait);
        QVERIFY(page->selectAlert(m_fingerprint));
        QCOMPARE(page->selectedAppKey(), m_paymentsKey);
        QTRY_VERIFY_WITH_TIMEOUT(!page->applicableRunbooks().isEmpty(), kWait);
        const QVector<incident::Runbook> runbooks = page->applicableRunbooks();
        QCOMPARE(runbooks.size(), 1);
        QCOMPARE(runbooks.first().id, kRunbook);
        QCOMPARE(runbooks.first().file, QStringLiteral(".sextant/runbooks/payments.yaml"));
        QVERIFY(page->runbookButton()->isEnabled());

        // The same file, read directly: no problems reported.
        std::optional<QStringList> errors;
        m_session->loadRunbooks(
            m_paymentsKey, [&errors](QVector<incident::Runbook>, QStringList e) { errors = e; });
        QTRY_VERIFY_WITH_TIMEOUT(errors.has_value(), kWait);
        QVERIFY2(errors->isEmpty(), qPrintable(errors->join(QLatin1Char('\n'))));
    }

    // The draft shows the exact edit and the runbook's pull request; refusing the commit pushes
    // nothing and never asks for the pull request.
    void refusedCommitPushesNothing() {
        const QString before = refs();
        PrDraftDialog* dialog = propose();
        QVERIFY(dialog);
        const ui::ConfigChangeDraft& d = *dialog->draft();
        QVERIFY2(d.diff.contains(QStringLiteral("-replicaCount: 2")), qPrintable(d.diff));
        QVERIFY2(d.diff.contains(QStringLiteral("+replicaCount: 1")), qPrintable(d.diff));
        QCOMPARE(int(d.edits.size()), 1);
        QCOMPARE(d.edits.front().path, kFile);
        QCOMPARE(d.baseBranch, QStringLiteral("main"));
        QCOMPARE(d.baseSha, m_baseSha);
        QVERIFY(d.whyNoPullRequest.isEmpty());
        QVERIFY2(dialog->titleEdit()->text().contains(kRunbook),
                 qPrintable(dialog->titleEdit()->text()));
        QVERIFY(dialog->markdownEdit()->toPlainText().contains(QStringLiteral("dana.kim")));
        QVERIFY(dialog->branchEdit()->text().startsWith(QStringLiteral("sextant/runbook-")));
        QVERIFY(dialog->approveButton()->isEnabled());
        // Described like any change: the impact names payments-api, reached by the values file.
        QVERIFY(d.description);
        bool impacted = false;
        for (const gitops::ImpactEntry& e : d.description->impacted)
            impacted = impacted ||
                       (e.app.name == QLatin1String("payments-api") && e.files.contains(kFile));
        QVERIFY(impacted);
        const QString markdown = dialog->markdownEdit()->toPlainText();
        // The runbook's text leads; the description of the change (CODEOWNERS included) follows.
        QVERIFY2(markdown.startsWith(QStringLiteral("**Runbook** `") + kRunbook),
                 qPrintable(markdown.left(300)));
        QVERIFY(markdown.contains(QStringLiteral("from 2 to 1 in chart/values-prod.yaml")));
        QVERIFY(markdown.contains(QStringLiteral("@example/sre")));

        m_approver.approve = false;
        m_approver.seen.clear();
        QSignalSpy finished(dialog, &PrDraftDialog::finished);
        dialog->approveAndOpen();
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kWait);
        m_approver.approve = true;
        QVERIFY(!dialog->outcome().has_value());
        QCOMPARE(m_approver.seen.size(), 1);
        QCOMPARE(m_approver.seen[0].action, QStringLiteral("git-push"));
        QVERIFY(m_approver.seen[0].body.contains("+replicaCount: 1"));
        QCOMPARE(refs(), before);
        dialog->close();
    }

    // Approving both writes pushes exactly the edit on a new branch and opens the pull request.
    void approvedProposalOpensPullRequest() {
        PrDraftDialog* dialog = propose();
        QVERIFY(dialog);
        const QString branch = dialog->branchEdit()->text().trimmed();
        m_approver.seen.clear();
        QSignalSpy finished(dialog, &PrDraftDialog::finished);
        dialog->approveAndOpen();
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kWait);
        QVERIFY2(dialog->outcome().has_value(), qPrintable(dialog->statusLabel()->text()));
        const ui::CorrectiveOutcome o = *dialog->outcome();
        QVERIFY(o.created);
        QVERIFY(o.number >= 1);
        QVERIFY(o.webUrl.isValid());
        QCOMPARE(o.branch, branch);
        QCOMPARE(m_approver.seen.size(), 2);
        QCOMPARE(m_approver.seen[0].action, QStringLiteral("git-push"));
        QCOMPARE(m_approver.seen[1].action, QStringLiteral("open-pull-request"));
        QVERIFY(m_approver.seen[1].body.contains(kRunbook.toUtf8()));

        auto repo = demoRepo();
        QVERIFY(repo);
        QCOMPARE(repo->resolve(QStringLiteral("refs/heads/") + o.branch).value(), o.commitSha);
        QCOMPARE(repo->resolve(QStringLiteral("refs/heads/main")).value(), m_baseSha);
        const auto changed = repo->diff(m_baseSha, o.commitSha);
        QVERIFY(changed.ok());
        QCOMPARE(changed->size(), size_t(1));
        QCOMPARE(changed->front().path, kFile);
        const QByteArray after = repo->tree(o.commitSha).value()->readFile(kFile).value();
        QVERIFY(after.contains("\nreplicaCount: 1\n"));
        // Only the count changed: comments and the rest stay byte for byte.
        QByteArray expected = repo->tree(m_baseSha).value()->readFile(kFile).value();
        expected.replace("\nreplicaCount: 2\n", "\nreplicaCount: 1\n");
        QCOMPARE(after, expected);

        // Both writes are in the audit log, approved and succeeded, after the refused one.
        QFile log(m_session->auditLogPath());
        QVERIFY(log.open(QIODevice::ReadOnly));
        QStringList phases;
        for (const QByteArray& line : log.readAll().split('\n')) {
            const QJsonObject record = QJsonDocument::fromJson(line).object();
            if (!record.isEmpty())
                phases << record.value(QStringLiteral("action")).toString() + QLatin1Char(' ') +
                              record.value(QStringLiteral("phase")).toString();
        }
        for (const char* entry : {"git-push rejected", "git-push approved", "git-push succeeded",
                                  "open-pull-request approved", "open-pull-request succeeded"})
            QVERIFY2(phases.contains(QLatin1String(entry)), qPrintable(phases.join(", ")));
        dialog->close();
    }

    // An application whose repository is not set up: the runbooks cannot be read, and the
    // message says where to set it up.
    void noRepositoryNamesTheDialog() {
        QString key;
        for (int i = 0; i < m_session->store()->size() && key.isEmpty(); ++i) {
            const argocd::AppSummary& app = m_session->store()->at(i);
            if (!app.repoURL.isEmpty() && !m_session->gitRemotes()->find(app.repoURL))
                key = app.key();
        }
        if (key.isEmpty())
            QSKIP("every demo application's repository is set up");
        std::optional<QStringList> errors;
        m_session->loadRunbooks(key, [&errors](QVector<incident::Runbook> runbooks, QStringList e) {
            QVERIFY(runbooks.isEmpty());
            errors = e;
        });
        QTRY_VERIFY_WITH_TIMEOUT(errors.has_value(), kWait);
        QCOMPARE(errors->size(), 1);
        QVERIFY2(errors->first().contains(QStringLiteral("Tools → Git repositories…")),
                 qPrintable(errors->first()));
    }
};

QTEST_MAIN(TestIncidentRunbook)
#include "tst_incidentrunbook.moc"
