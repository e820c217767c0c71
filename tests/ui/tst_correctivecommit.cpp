// Issue #6 "done when", end to end in the console: a ConsoleSession on the demo fleet (with the
// demo's real bare Git repositories and its local GitHub), the Triage panel diagnoses
// shop-checkout (image tag typo v2.41.0), "Draft fix commit…" opens the corrective commit for
// review — one file, v2.41.0 -> v2.14.0 with its comment kept, the suggestion explained, the
// impact naming shop-checkout — and approving both writes pushes the branch (exact content, on
// top of the base commit) and opens the pull request; the audit log holds both approvals and
// outcomes and no token. A rejected commit and a repository in audit mode push nothing.
#include "analysis/evidence.h"
#include "argocd/client.h"
#include "configchange.h"
#include "consolesession.h"
#include "correctivecommitdialog.h"
#include "correctiveproposal.h"
#include "fleet/fleetstore.h"
#include "gitfixtures.h"
#include "gitops/gitremotes.h"
#include "gitops/gitrepository.h"
#include "scriptedapprover.h"
#include "triagepanel.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QUuid>

using namespace sextant;
using ui::CorrectiveCommitDialog;
using ui::TriagePanel;

namespace {

constexpr int kWait = 120000; // generous: the machine is shared; never a timing assertion
const QString kRepoURL = QStringLiteral("https://git.example.com/shop/checkout.git");
const QString kFile = QStringLiteral("deploy/overlays/prod/kustomization.yaml");
const QByteArray kTypoLine = "    newTag: v2.41.0 # release tag, bumped by the release job\n";
const QByteArray kFixedLine = "    newTag: v2.14.0 # release tag, bumped by the release job\n";

struct AuditEntry {
    QString action;
    QString phase;
    QString detail;
};

} // namespace

class TestCorrectiveCommit : public QObject {
    Q_OBJECT

    // The audit log's entries, in order.
    QVector<AuditEntry> auditEntries() const {
        QVector<AuditEntry> out;
        QFile file(m_session->auditLogPath());
        if (!file.open(QIODevice::ReadOnly))
            return out;
        for (const QByteArray& line : file.readAll().split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            out.append({o.value(QStringLiteral("action")).toString(),
                        o.value(QStringLiteral("phase")).toString(),
                        o.value(QStringLiteral("detail")).toString()});
        }
        return out;
    }
    // The phases recorded for `action`, from entry `from` on.
    QStringList phasesOf(const QString& action, int from = 0) const {
        QStringList out;
        const QVector<AuditEntry> all = auditEntries();
        for (int i = from; i < all.size(); ++i)
            if (all[i].action == action)
                out << all[i].phase;
        return out;
    }

    // The demo's bare repository for shop/checkout, opened afresh.
    std::unique_ptr<gitops::GitRepository> demoRepo() const {
        auto repo = gitops::GitRepository::open(m_repoPath);
        return repo.ok() ? std::move(repo.value()) : nullptr;
    }
    QString refs() const {
        return test::gitText(m_repoPath, {QStringLiteral("for-each-ref"),
                                          QStringLiteral("--format=%(refname) %(objectname)")});
    }

    // "Draft fix commit…" on the diagnosed panel; the dialog once its draft has arrived.
    CorrectiveCommitDialog* openDraft() {
        QPointer<CorrectiveCommitDialog> dialog;
        const auto c = connect(m_panel, &TriagePanel::fixDialogOpened, this, [&dialog](QDialog* d) {
            dialog = qobject_cast<CorrectiveCommitDialog*>(d);
        });
        m_panel->draftFixCommit();
        disconnect(c);
        if (!dialog)
            return nullptr;
        if (!QTest::qWaitFor([&dialog] { return !dialog || !dialog->isBusy(); }, kWait))
            return nullptr;
        return dialog;
    }

    static QString status(const CorrectiveCommitDialog* dialog) {
        return dialog->statusLabel()->text();
    }

private slots:
    void initTestCase() {
        // No keychain: the demo's provider token is held in memory only.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/sextant-test-bus");
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantCorrectiveCommitTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_correctivecommit"));
        QVERIFY(m_dir.isValid());
        {
            QSettings settings;
            settings.clear();
            settings.setValue(QStringLiteral("git/authorName"), QStringLiteral("Test Fixer"));
            settings.setValue(QStringLiteral("git/authorEmail"),
                              QStringLiteral("fixer@example.test"));
        }
        m_session = new ui::ConsoleSession(this, m_dir.filePath(QStringLiteral("audit.jsonl")));
        m_session->setApprover(&m_approver);
        m_session->startDemo();
        // The demo's repositories are made on the simulator's thread; their remotes come back.
        QTRY_VERIFY_WITH_TIMEOUT(m_session->gitRemotes()->find(kRepoURL).has_value(), kWait);
        const gitops::GitRemote remote = *m_session->gitRemotes()->find(kRepoURL);
        QVERIFY(remote.writesAllowed);
        QVERIFY(remote.isLocal());
        m_repoPath = QUrl(remote.effectiveCloneURL()).toLocalFile();
        QVERIFY2(demoRepo(), qPrintable(remote.effectiveCloneURL()));
        m_baseSha = demoRepo()->resolve(QStringLiteral("refs/heads/main")).value();
        // main carries the typo commit on top of the good release.
        QCOMPARE(demoRepo()->commitInfo(m_baseSha).value().summary,
                 QStringLiteral("Bump checkout image to v2.41.0"));
        QVERIFY(demoRepo()->tree(m_baseSha).value()->readFile(kFile).value().contains(kTypoLine));

        // The application, then its diagnosis as the Triage tab makes it.
        const auto row = [this] {
            for (int i = 0; i < m_session->store()->size(); ++i)
                if (m_session->store()->at(i).name == QLatin1String("shop-checkout"))
                    return i;
            return -1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(row() >= 0, kWait);
        const argocd::AppSummary app = m_session->store()->at(row());
        m_panel = new TriagePanel(m_session);
        m_panel->resize(1200, 800);
        m_panel->show();
        m_panel->setApplication(app);
        QSignalSpy diagnosed(m_panel, &TriagePanel::diagnosed);
        m_panel->diagnose();
        QTRY_VERIFY_WITH_TIMEOUT(!diagnosed.isEmpty() || !m_panel->isRunning(), kWait);
        QVERIFY2(m_panel->hasResult(), qPrintable(m_panel->statusLabel()->text()));
        QVERIFY(!m_panel->diagnosis()->findings.isEmpty());
        QCOMPARE(m_panel->diagnosis()->findings.front().category,
                 QStringLiteral("ImagePullNotFound"));
    }

    // The first approval (the commit) is rejected: nothing is committed or pushed, the pull
    // request is never asked for, and the dialog says who refused and why.
    void rejectedCommitPushesNothing() {
        const QString before = refs();
        CorrectiveCommitDialog* dialog = openDraft();
        QVERIFY(dialog);
        QVERIFY2(dialog->proposal().has_value(), qPrintable(status(dialog)));
        const QString branch = dialog->proposal()->draft.branchName;
        QVERIFY(!branch.isEmpty());
        QVERIFY(dialog->approveButton()->isEnabled());

        m_approver.approve = false;
        m_approver.seen.clear();
        const int from = int(auditEntries().size());
        QSignalSpy finished(dialog, &CorrectiveCommitDialog::finished);
        dialog->approveAndOpen();
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kWait);
        m_approver.approve = true;

        QVERIFY(!dialog->outcome().has_value());
        QCOMPARE(m_approver.seen.size(), 1);
        QCOMPARE(m_approver.seen[0].action, QStringLiteral("git-push"));
        QVERIFY2(status(dialog).contains(QStringLiteral("rejected the change")),
                 qPrintable(status(dialog)));
        QVERIFY2(status(dialog).contains(QStringLiteral("not during the incident call")),
                 qPrintable(status(dialog)));
        QVERIFY(!demoRepo()->resolve(QStringLiteral("refs/heads/") + branch).ok());
        QCOMPARE(refs(), before);
        QCOMPARE(phasesOf(QStringLiteral("git-push"), from),
                 (QStringList{QStringLiteral("requested"), QStringLiteral("rejected")}));
        QVERIFY(phasesOf(QStringLiteral("open-pull-request"), from).isEmpty());
        dialog->close();
    }

    // The "done when": draft, review, approve both writes, the pull request is open.
    void approvedFixOpensPullRequest() {
        CorrectiveCommitDialog* dialog = openDraft();
        QVERIFY(dialog);
        QVERIFY2(dialog->proposal().has_value(), qPrintable(status(dialog)));
        const ui::CorrectiveProposal& p = *dialog->proposal();
        QVERIFY2(p.draft.complete(), qPrintable(p.draft.neededInputs.join(QLatin1Char('\n'))));
        QCOMPARE(p.baseBranch, QStringLiteral("main"));
        QCOMPARE(p.baseSha, m_baseSha);
        QVERIFY(p.draft.branchName.startsWith(QStringLiteral("sextant/fix-shop-checkout")));

        // Only the prod overlay changes: v2.41.0 -> v2.14.0, the comment kept, nothing else.
        QCOMPARE(p.draft.edits.size(), size_t(1));
        const gitops::DraftEdit& edit = p.draft.edits.front();
        QCOMPARE(edit.path, kFile);
        const QByteArray original = demoRepo()->tree(m_baseSha).value()->readFile(kFile).value();
        QCOMPARE(edit.before, original);
        QByteArray expected = original;
        expected.replace(kTypoLine, kFixedLine);
        QVERIFY(expected != original);
        QCOMPARE(edit.after, expected);
        QVERIFY2(edit.diff.contains(QString::fromUtf8("-" + kTypoLine)), qPrintable(edit.diff));
        QVERIFY2(edit.diff.contains(QString::fromUtf8("+" + kFixedLine)), qPrintable(edit.diff));

        // The suggested tag, with its reason, in the input field.
        bool suggested = false;
        for (const gitops::SuggestedValue& s : p.draft.suggestions)
            if (s.input == QLatin1String("tag")) {
                suggested = true;
                QCOMPARE(s.value, QStringLiteral("v2.14.0"));
                QVERIFY2(s.reason.contains(QStringLiteral("looks like a typo of v2.14.0")),
                         qPrintable(s.reason));
            }
        QVERIFY(suggested);
        QVERIFY(dialog->input(QStringLiteral("tag")));
        QCOMPARE(dialog->input(QStringLiteral("tag"))->text(), QStringLiteral("v2.14.0"));

        // The impact names the application.
        QVERIFY(p.description);
        QStringList reached;
        for (const gitops::ImpactEntry& e : p.description->impacted)
            reached << e.app.name;
        QVERIFY2(reached.contains(QStringLiteral("shop-checkout")),
                 qPrintable(reached.join(QStringLiteral(", "))));
        const auto* impact = dialog->findChild<QTextBrowser*>(QStringLiteral("fixImpact"));
        QVERIFY(impact);
        QVERIFY(impact->toPlainText().contains(QStringLiteral("shop-checkout")));
        QVERIFY(!dialog->titleEdit()->text().isEmpty());
        QVERIFY(dialog->approveButton()->isEnabled());

        // Approve the commit, then the pull request.
        m_approver.approve = true;
        m_approver.seen.clear();
        const int from = int(auditEntries().size());
        QSignalSpy finished(dialog, &CorrectiveCommitDialog::finished);
        dialog->approveAndOpen();
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kWait);
        QVERIFY2(dialog->outcome().has_value(), qPrintable(status(dialog)));
        const ui::CorrectiveOutcome o = *dialog->outcome();
        QVERIFY(o.number >= 1);
        QVERIFY(o.webUrl.isValid() && !o.webUrl.isEmpty());
        QVERIFY(o.created);
        QCOMPARE(o.branch, p.draft.branchName);
        QVERIFY2(status(dialog).contains(o.webUrl.toString()), qPrintable(status(dialog)));
        QCOMPARE(m_approver.seen.size(), 2);
        QCOMPARE(m_approver.seen[0].action, QStringLiteral("git-push"));
        QVERIFY(m_approver.seen[0].body.contains("+" + kFixedLine));
        QCOMPARE(m_approver.seen[1].action, QStringLiteral("open-pull-request"));
        QVERIFY(!dialog->approveButton()->isEnabled()); // done: nothing to approve twice

        // The branch is in the demo's repository: exactly the new file, on top of the base.
        auto repo = demoRepo();
        QVERIFY(repo);
        QCOMPARE(repo->resolve(QStringLiteral("refs/heads/") + o.branch).value(), o.commitSha);
        QCOMPARE(repo->resolve(QStringLiteral("refs/heads/main")).value(), m_baseSha);
        const auto history = repo->log(o.commitSha, 2);
        QVERIFY(history.ok());
        QCOMPARE(history->size(), size_t(2));
        QCOMPARE(history->at(1).sha, m_baseSha);
        QCOMPARE(test::gitText(m_repoPath, {QStringLiteral("rev-list"), QStringLiteral("--parents"),
                                            QStringLiteral("-n1"), o.commitSha}),
                 o.commitSha + QLatin1Char(' ') + m_baseSha);
        QCOMPARE(repo->tree(o.commitSha).value()->readFile(kFile).value(), expected);
        const auto changed = repo->diff(m_baseSha, o.commitSha);
        QVERIFY(changed.ok());
        QCOMPARE(changed->size(), size_t(1));
        QCOMPARE(changed->front().path, kFile);
        const gitops::CommitInfo info = repo->commitInfo(o.commitSha).value();
        QCOMPARE(info.authorName, QStringLiteral("Test Fixer"));
        QCOMPARE(info.authorEmail, QStringLiteral("fixer@example.test"));
        QCOMPARE(info.summary, dialog->titleEdit()->text().trimmed());

        // Both writes approved and succeeded in the audit log; no token anywhere in it.
        QCOMPARE(phasesOf(QStringLiteral("git-push"), from),
                 (QStringList{QStringLiteral("requested"), QStringLiteral("approved"),
                              QStringLiteral("succeeded")}));
        QCOMPARE(phasesOf(QStringLiteral("open-pull-request"), from),
                 (QStringList{QStringLiteral("requested"), QStringLiteral("approved"),
                              QStringLiteral("succeeded")}));
        QFile log(m_session->auditLogPath());
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(log.readAll());
        QVERIFY(text.contains(o.commitSha));
        // The demo's provider token is a random UUID held in memory; none is in the log.
        static const QRegularExpression uuid(QStringLiteral(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"));
        QVERIFY(uuid.match(QUuid::createUuid().toString(QUuid::WithoutBraces)).hasMatch());
        const QRegularExpressionMatch leak = uuid.match(text);
        QVERIFY2(!leak.hasMatch(), qPrintable(leak.captured()));
        QVERIFY(!text.contains(QRegularExpression(QStringLiteral("Bearer +[A-Za-z0-9]"))));
        dialog->close();
    }

    // The Rollback tab's "Revert pull request…": shop-checkout's history names the demo
    // repository's real commits, so history entry 18 (the good release) can be reverted to in
    // Git: one file back to v2.14.0, described, committed, pushed and opened as a pull request
    // with two approvals. An entry whose commit the repository does not have is said so.
    void revertPullRequestToTheGoodRelease() {
        const QString key = [this] {
            for (int i = 0; i < m_session->store()->size(); ++i)
                if (m_session->store()->at(i).name == QLatin1String("shop-checkout"))
                    return m_session->store()->at(i).key();
            return QString();
        }();
        QVERIFY(!key.isEmpty());
        const argocd::AppSummary app = m_session->store()->at(m_session->store()->indexOf(key));
        argocd::Client* client = m_session->client(app.instance);
        QVERIFY(client);
        std::optional<Result<nlohmann::json>> fetched;
        client->getApplication(app.name, app.appNamespace, [&fetched](Result<nlohmann::json> r) {
            fetched.emplace(std::move(r));
        });
        QTRY_VERIFY_WITH_TIMEOUT(fetched.has_value(), kWait);
        QVERIFY(fetched->ok());
        const nlohmann::json application = fetched->value();
        QString good, unknown;
        for (const nlohmann::json& h : application["status"]["history"]) {
            if (h.value("id", 0) == 18)
                good = QString::fromStdString(h.value("revision", std::string()));
            if (h.value("id", 0) == 17)
                unknown = QString::fromStdString(h.value("revision", std::string()));
        }
        // Relinked to the real commit "Release checkout v2.14.0" (the parent of main).
        QCOMPARE(good, demoRepo()->resolve(QStringLiteral("main~1")).value());

        std::optional<Result<ui::ConfigChangeDraft>> drafted;
        m_session->draftRevertChange(
            key, application, good,
            [&drafted](Result<ui::ConfigChangeDraft> d) { drafted.emplace(std::move(d)); });
        QTRY_VERIFY_WITH_TIMEOUT(drafted.has_value(), kWait);
        QVERIFY2(drafted->ok(),
                 qPrintable(drafted->ok() ? QString() : drafted->error().toString()));
        const ui::ConfigChangeDraft draft = drafted->value();
        QCOMPARE(draft.baseBranch, QStringLiteral("main"));
        QCOMPARE(draft.baseSha, m_baseSha);
        QCOMPARE(int(draft.edits.size()), 1);
        QCOMPARE(draft.edits.front().path, kFile);
        QVERIFY(draft.edits.front().content->contains(kFixedLine));
        QVERIFY(draft.diff.contains(QString::fromUtf8("-" + kTypoLine.chopped(1))));
        QVERIFY(draft.description);
        QCOMPARE(int(draft.description->impacted.size()), 1);
        QCOMPARE(draft.description->impacted.front().app.name, QStringLiteral("shop-checkout"));
        QVERIFY(draft.whyNoPullRequest.isEmpty());

        m_approver.seen.clear();
        const int from = int(auditEntries().size());
        std::optional<Result<ui::CorrectiveOutcome>> outcome;
        m_session->submitConfigChange(
            draft, draft.suggestedBranch, QStringLiteral("Revert shop-checkout to v2.14.0"),
            QStringLiteral("Rollback through Git."),
            [&outcome](Result<ui::CorrectiveOutcome> o) { outcome.emplace(std::move(o)); });
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), kWait);
        QVERIFY2(outcome->ok(),
                 qPrintable(outcome->ok() ? QString() : outcome->error().toString()));
        QVERIFY(outcome->value().number >= 1);
        QCOMPARE(m_approver.seen.size(), 2);
        QCOMPARE(m_approver.seen[0].action, QStringLiteral("git-push"));
        QCOMPARE(m_approver.seen[1].action, QStringLiteral("open-pull-request"));
        QCOMPARE(phasesOf(QStringLiteral("git-push"), from),
                 (QStringList{QStringLiteral("requested"), QStringLiteral("approved"),
                              QStringLiteral("succeeded")}));
        const auto pushed =
            demoRepo()->resolve(QStringLiteral("refs/heads/") + draft.suggestedBranch);
        QVERIFY(pushed.ok());
        QVERIFY(
            demoRepo()->tree(pushed.value()).value()->readFile(kFile).value().contains(kFixedLine));

        // History entry 17 names a commit this repository never had.
        drafted.reset();
        m_session->draftRevertChange(
            key, application, unknown,
            [&drafted](Result<ui::ConfigChangeDraft> d) { drafted.emplace(std::move(d)); });
        QTRY_VERIFY_WITH_TIMEOUT(drafted.has_value(), kWait);
        QVERIFY(!drafted->ok());
        QCOMPARE(drafted->error().kind, Error::Kind::NotFound);
        QVERIFY2(drafted->error().shortMessage.contains(QStringLiteral("is not in")),
                 qPrintable(drafted->error().shortMessage));
    }

    // A repository in audit mode: the gate refuses before anyone is asked; nothing is pushed.
    void auditModeRefusesBeforeApproval() {
        gitops::GitRemote remote = *m_session->gitRemotes()->find(kRepoURL);
        remote.writesAllowed = false;
        m_session->addEphemeralGitRemote(remote, QStringLiteral("audit-mode-tok-5150"));
        QVERIFY(!m_session->gitRemotes()->find(kRepoURL)->writesAllowed);
        const QString before = refs();
        const int entries = int(auditEntries().size());

        CorrectiveCommitDialog* dialog = openDraft();
        QVERIFY(dialog);
        QVERIFY2(dialog->proposal().has_value(), qPrintable(status(dialog)));
        const auto* target = dialog->findChild<QLabel*>(QStringLiteral("fixTarget"));
        QVERIFY(target);
        QVERIFY2(target->text().contains(QStringLiteral("audit mode")), qPrintable(target->text()));

        m_approver.seen.clear();
        QSignalSpy finished(dialog, &CorrectiveCommitDialog::finished);
        dialog->approveAndOpen();
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kWait);
        QVERIFY(!dialog->outcome().has_value());
        QVERIFY(m_approver.seen.isEmpty());
        QVERIFY2(status(dialog).contains(QStringLiteral("(audit mode): nothing was committed")),
                 qPrintable(status(dialog)));
        QCOMPARE(refs(), before);
        const QVector<AuditEntry> all = auditEntries();
        QCOMPARE(all.size(), entries + 1);
        QCOMPARE(all.last().action, QStringLiteral("git-push"));
        QCOMPARE(all.last().phase, QStringLiteral("refused"));
        QFile log(m_session->auditLogPath());
        QVERIFY(log.open(QIODevice::ReadOnly));
        QVERIFY(!log.readAll().contains("audit-mode-tok-5150"));
        dialog->close();
    }

    void cleanupTestCase() {
        delete m_panel;
        m_panel = nullptr;
        delete m_session;
        m_session = nullptr;
        QSettings settings;
        const QString file = settings.fileName();
        settings.clear();
        settings.sync();
        QFile::remove(file);
        QDir().rmdir(QFileInfo(file).absolutePath());
    }

private:
    QTemporaryDir m_dir;
    ui::ConsoleSession* m_session = nullptr;
    TriagePanel* m_panel = nullptr;
    test::ScriptedApprover m_approver;
    QString m_repoPath;
    QString m_baseSha;
};

QTEST_MAIN(TestCorrectiveCommit)
#include "tst_correctivecommit.moc"
