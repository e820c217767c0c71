// Tools → Describe a config change… end to end on real repositories: a kustomize config
// repository with its Applications in the repository, served from a bare file:// remote; a
// change between two branches described (impact table, object changes, risks) and opened as a
// pull request on a provider server linked to that bare repository; the local changes of a
// work tree committed, pushed and opened with two approvals; audit mode refusing.
#include "consolesession.h"
#include "demosession.h"
#include "gitfixtures.h"
#include "gitops/gitremotes.h"
#include "governance/actionmode.h"
#include "prdraftdialog.h"
#include "scriptedapprover.h"
#include "sim/providersim.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>
#include <QTextBrowser>
#include <QTreeWidget>

using namespace sextant;

namespace {

const QString kRepoURL = QStringLiteral("https://git.example.com/acme/gitops.git");

QByteArray deployment(const QString& name) {
    return QStringLiteral("apiVersion: apps/v1\n"
                          "kind: Deployment\n"
                          "metadata:\n"
                          "  name: %1\n"
                          "spec:\n"
                          "  replicas: 2\n"
                          "  selector:\n"
                          "    matchLabels: {app: %1}\n"
                          "  template:\n"
                          "    metadata:\n"
                          "      labels: {app: %1}\n"
                          "    spec:\n"
                          "      containers:\n"
                          "        - name: %1\n"
                          "          image: registry.example.com/%1:1.4.2\n")
        .arg(name)
        .toUtf8();
}

QByteArray overlay(const QString& tag) {
    return QStringLiteral("resources:\n"
                          "  - ../../base\n"
                          "images:\n"
                          "  - name: registry.example.com/web\n"
                          "    newTag: %1\n")
        .arg(tag)
        .toUtf8();
}

QByteArray application(const QString& name, const QString& path, const QString& cluster) {
    return QStringLiteral("apiVersion: argoproj.io/v1alpha1\n"
                          "kind: Application\n"
                          "metadata:\n"
                          "  name: %1\n"
                          "  namespace: argocd\n"
                          "spec:\n"
                          "  project: default\n"
                          "  source:\n"
                          "    repoURL: %4\n"
                          "    targetRevision: main\n"
                          "    path: %2\n"
                          "  destination:\n"
                          "    name: %3\n"
                          "    namespace: web\n")
        .arg(name, path, cluster, kRepoURL)
        .toUtf8();
}

} // namespace

class TestPrDraftDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/sextant-test-bus");
        QVERIFY(m_home.isValid() && m_repos.isValid());
        qputenv("HOME", m_home.path().toUtf8());
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral(".config")).toUtf8());
        qputenv("XDG_DATA_HOME", m_home.filePath(QStringLiteral(".local/share")).toUtf8());
        qputenv("XDG_CACHE_HOME", m_home.filePath(QStringLiteral(".cache")).toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("SextantPrDraftTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_prdraftdialog"));
        QSettings().clear();

        // main: a kustomize base with prod and staging overlays and both Applications in the
        // repository (app-of-apps); branch bump-web-prod: the prod image tag 1.4.2 → 1.5.0.
        test::GitWorkRepo work(m_repos.filePath(QStringLiteral("work")));
        QVERIFY(work.init());
        QVERIFY(work.write(QStringLiteral("apps/web/base/kustomization.yaml"),
                           "resources:\n  - deployment.yaml\n"));
        QVERIFY(work.write(QStringLiteral("apps/web/base/deployment.yaml"),
                           deployment(QStringLiteral("web"))));
        QVERIFY(work.write(QStringLiteral("apps/web/overlays/prod/kustomization.yaml"),
                           overlay(QStringLiteral("1.4.2"))));
        QVERIFY(work.write(QStringLiteral("apps/web/overlays/staging/kustomization.yaml"),
                           overlay(QStringLiteral("1.4.2"))));
        QVERIFY(work.write(QStringLiteral("argocd/web-prod.yaml"),
                           application(QStringLiteral("web-prod"),
                                       QStringLiteral("apps/web/overlays/prod"),
                                       QStringLiteral("prod-eu"))));
        QVERIFY(work.write(QStringLiteral("argocd/web-staging.yaml"),
                           application(QStringLiteral("web-staging"),
                                       QStringLiteral("apps/web/overlays/staging"),
                                       QStringLiteral("staging-eu"))));
        QVERIFY(!work.commit(QStringLiteral("Web on 1.4.2"), QStringLiteral("2024-05-06T07:00:00Z"))
                     .isEmpty());
        QVERIFY(test::git(work.dir(), {QStringLiteral("checkout"), QStringLiteral("-q"),
                                       QStringLiteral("-b"), QStringLiteral("bump-web-prod")})
                    .exitCode == 0);
        QVERIFY(work.write(QStringLiteral("apps/web/overlays/prod/kustomization.yaml"),
                           overlay(QStringLiteral("1.5.0"))));
        m_bumpSha = work.commit(QStringLiteral("Web 1.5.0 in prod"),
                                QStringLiteral("2024-05-06T08:00:00Z"));
        QVERIFY(!m_bumpSha.isEmpty());
        QVERIFY(test::git(work.dir(), {QStringLiteral("checkout"), QStringLiteral("-q"),
                                       QStringLiteral("main")})
                    .exitCode == 0);
        m_bare = m_repos.filePath(QStringLiteral("gitops.git"));
        QVERIFY(test::cloneBare(work.dir(), m_bare));

        // A local clone whose origin is the URL the Applications use, with an uncommitted edit.
        m_clone = m_repos.filePath(QStringLiteral("clone"));
        QVERIFY(test::runProcess(QStringLiteral("git"),
                                 {QStringLiteral("clone"), QStringLiteral("-q"), m_bare, m_clone},
                                 test::gitEnvironment())
                    .exitCode == 0);
        QVERIFY(test::git(m_clone, {QStringLiteral("remote"), QStringLiteral("set-url"),
                                    QStringLiteral("origin"), kRepoURL})
                    .exitCode == 0);
        QVERIFY(test::writeFile(m_clone + QStringLiteral("/apps/web/overlays/staging/"
                                                         "kustomization.yaml"),
                                overlay(QStringLiteral("1.6.0"))));

        m_provider = std::make_unique<sim::ProviderSim>(sim::ProviderFlavour::GitHub);
        m_provider->setToken(QStringLiteral("provider-token"));
        m_provider->addRepository(QStringLiteral("acme"), QStringLiteral("gitops"));
        QVERIFY(m_provider->linkRepository(QStringLiteral("acme"), QStringLiteral("gitops"), m_bare)
                    .ok());
        QVERIFY(m_provider->listen().ok());
    }

    void init() {
        m_session = std::make_unique<ui::ConsoleSession>(
            nullptr, m_home.filePath(QStringLiteral("audit.jsonl")));
        m_approver = std::make_unique<test::ScriptedApprover>();
        m_session->setApprover(m_approver.get());
    }
    void cleanup() {
        m_session.reset();
        m_approver.reset();
    }

    void describesBranchesAndOpensPullRequest() {
        addRemote(/*writes=*/true);
        ui::PrDraftDialog dialog(m_session.get());
        QVERIFY(dialog.chooseRemote(kRepoURL));
        QTRY_VERIFY_WITH_TIMEOUT(dialog.statusLabel()->text().contains(QStringLiteral("main")),
                                 20000);
        dialog.setHead(QStringLiteral("bump-web-prod"));
        dialog.describe();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 60000);
        QVERIFY2(dialog.draft(), qPrintable(dialog.statusLabel()->text()));

        // Only the prod Application renders the changed overlay.
        QTableWidget* impact = dialog.impactTable();
        QCOMPARE(impact->rowCount(), 1);
        QCOMPARE(impact->item(0, 0)->text(), QStringLiteral("web-prod"));
        QCOMPARE(impact->item(0, 2)->text(), QStringLiteral("prod-eu"));
        QCOMPARE(impact->item(0, 3)->text(), QStringLiteral("prod"));
        QCOMPARE(impact->item(0, 5)->text(),
                 QStringLiteral("apps/web/overlays/prod/kustomization.yaml"));
        // The production risk, with its reason.
        bool production = false;
        for (int row = 0; row < dialog.risksTable()->rowCount(); ++row)
            production =
                production ||
                (dialog.risksTable()->item(row, 1)->text().contains(QStringLiteral("production")) &&
                 dialog.risksTable()->item(row, 4)->text().contains(QStringLiteral("web-prod")));
        QVERIFY(production);
        // The object changes name the Deployment; the Markdown and the title are filled in.
        QTreeWidget* tree = dialog.changesTree();
        QCOMPARE(tree->topLevelItemCount(), 1);
        QVERIFY(tree->topLevelItem(0)->childCount() >= 1);
        QCOMPARE(tree->currentItem(), tree->topLevelItem(0)->child(0));
        QVERIFY(dialog.findChild<QTextBrowser*>(QStringLiteral("objectDiff"))
                    ->toPlainText()
                    .contains(QStringLiteral("+")));
        QVERIFY(dialog.markdownEdit()->toPlainText().contains(QStringLiteral("web-prod")));
        QVERIFY(!dialog.titleEdit()->text().isEmpty());
        QVERIFY(dialog.approveButton()->isEnabled());
        QVERIFY(dialog.branchEdit()->isHidden()); // the branch exists: nothing to commit

        // Approve: the pull request only (the branch is already on the remote).
        dialog.titleEdit()->setText(QStringLiteral("Web 1.5.0 in prod"));
        dialog.approveAndOpen();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 30000);
        QVERIFY2(dialog.outcome(), qPrintable(dialog.statusLabel()->text()));
        QCOMPARE(m_approver->seen.size(), 1);
        QVERIFY(m_approver->seen.first().action != QStringLiteral("git-push"));
        const auto prs = m_provider->pullRequests(QStringLiteral("acme"), QStringLiteral("gitops"));
        QCOMPARE(prs.size(), 1);
        QCOMPARE(prs.first().sourceBranch, QStringLiteral("bump-web-prod"));
        QCOMPARE(prs.first().targetBranch, QStringLiteral("main"));
        QCOMPARE(prs.first().title, QStringLiteral("Web 1.5.0 in prod"));
        QVERIFY(prs.first().body.contains(QStringLiteral("web-prod")));
        QCOMPARE(dialog.outcome()->commitSha, m_bumpSha);
        QVERIFY(dialog.statusLabel()->text().contains(dialog.outcome()->webUrl.toString()));
        QVERIFY(!dialog.approveButton()->isEnabled());
        dialog.grab().save(test::screenshotDir() + QStringLiteral("/prdraft-branches.png"));
    }

    void revisionsThatAreNotBranchesDescribeOnly() {
        addRemote(/*writes=*/true);
        ui::PrDraftDialog dialog(m_session.get());
        QVERIFY(dialog.chooseRemote(kRepoURL));
        // A base that is a revision expression of a branch is still no branch to merge into.
        dialog.setBase(QStringLiteral("bump-web-prod~1"));
        dialog.setHead(QStringLiteral("bump-web-prod"));
        dialog.describe();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 60000);
        QVERIFY2(dialog.draft(), qPrintable(dialog.statusLabel()->text()));
        QCOMPARE(dialog.impactTable()->rowCount(), 1);
        QVERIFY2(dialog.draft()->whyNoPullRequest.contains(
                     QStringLiteral("base bump-web-prod~1 is not a branch")),
                 qPrintable(dialog.draft()->whyNoPullRequest));
        QVERIFY(dialog.statusLabel()->text().contains(QStringLiteral("not a branch")));
        QVERIFY(!dialog.approveButton()->isEnabled());

        // A head given as a commit: described, no pull request.
        dialog.setBase(QStringLiteral("main"));
        dialog.setHead(m_bumpSha.left(10));
        dialog.describe();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 60000);
        QVERIFY2(dialog.draft(), qPrintable(dialog.statusLabel()->text()));
        QCOMPARE(dialog.impactTable()->rowCount(), 1);
        QVERIFY2(dialog.draft()->whyNoPullRequest.contains(QStringLiteral("head")),
                 qPrintable(dialog.draft()->whyNoPullRequest));
        QVERIFY(!dialog.approveButton()->isEnabled());
        QVERIFY(m_approver->seen.isEmpty());
    }

    void localChangesAreCommittedPushedAndOpened() {
        addRemote(/*writes=*/true);
        ui::PrDraftDialog dialog(m_session.get());
        dialog.chooseFolder(m_clone);
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog.statusLabel()->text().contains(QStringLiteral("Pull requests go to")), 20000);
        dialog.setLocalChanges(true);
        dialog.describe();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 60000);
        QVERIFY2(dialog.draft(), qPrintable(dialog.statusLabel()->text()));
        QCOMPARE(dialog.impactTable()->rowCount(), 1);
        QCOMPARE(dialog.impactTable()->item(0, 0)->text(), QStringLiteral("web-staging"));
        QCOMPARE(dialog.draft()->edits.size(), std::size_t(1));
        QVERIFY(dialog.draft()->diff.contains(QStringLiteral("+    newTag: 1.6.0")));
        QVERIFY(dialog.branchEdit()->text().startsWith(QStringLiteral("sextant/")));
        QVERIFY(!dialog.branchEdit()->isHidden());
        QVERIFY(dialog.approveButton()->isEnabled());

        const QString branch = QStringLiteral("sextant/web-staging-1.6.0");
        dialog.branchEdit()->setText(branch);
        dialog.approveAndOpen();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 30000);
        QVERIFY2(dialog.outcome(), qPrintable(dialog.statusLabel()->text()));
        // Two approvals: the exact diff first, then the pull request.
        QCOMPARE(m_approver->seen.size(), 2);
        QCOMPARE(m_approver->seen[0].action, QStringLiteral("git-push"));
        QVERIFY(m_approver->seen[0].body.contains("+    newTag: 1.6.0"));
        QVERIFY(m_approver->seen[0].summary.contains(branch));
        // The branch is on the bare remote with the edit, on top of main.
        const QString pushed = test::gitText(
            m_bare, {QStringLiteral("show"),
                     branch + QStringLiteral(":apps/web/overlays/staging/kustomization.yaml")});
        QVERIFY(pushed.contains(QStringLiteral("newTag: 1.6.0")));
        QCOMPARE(
            test::gitText(m_bare, {QStringLiteral("rev-parse"), branch + QStringLiteral("~1")}),
            test::gitText(m_bare, {QStringLiteral("rev-parse"), QStringLiteral("main")}));
        QCOMPARE(dialog.outcome()->commitSha,
                 test::gitText(m_bare, {QStringLiteral("rev-parse"), branch}));
        bool opened = false;
        for (const sim::SimPullRequest& pr :
             m_provider->pullRequests(QStringLiteral("acme"), QStringLiteral("gitops")))
            opened =
                opened || (pr.sourceBranch == branch && pr.targetBranch == QLatin1String("main"));
        QVERIFY(opened);
        // The work tree is left as it was.
        QVERIFY(test::gitText(m_clone, {QStringLiteral("status"), QStringLiteral("--porcelain")})
                    .contains(QStringLiteral("staging/kustomization.yaml")));
    }

    void auditModeRefuses() {
        addRemote(/*writes=*/false);
        ui::PrDraftDialog dialog(m_session.get());
        dialog.chooseFolder(m_clone);
        dialog.setLocalChanges(true);
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog.statusLabel()->text().contains(QStringLiteral("Pull requests go to")), 20000);
        dialog.describe();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 60000);
        QVERIFY2(dialog.draft(), qPrintable(dialog.statusLabel()->text()));
        QVERIFY(dialog.findChild<QLabel*>(QStringLiteral("target"))
                    ->text()
                    .contains(QStringLiteral("audit mode")));
        dialog.branchEdit()->setText(QStringLiteral("sextant/refused"));
        dialog.approveAndOpen();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 30000);
        QVERIFY(!dialog.outcome());
        QVERIFY2(dialog.statusLabel()->text().contains(QStringLiteral("audit mode")),
                 qPrintable(dialog.statusLabel()->text()));
        QVERIFY(dialog.statusLabel()->text().contains(QStringLiteral("Git repositories")));
        QVERIFY(m_approver->seen.isEmpty()); // nobody was even asked
        QVERIFY(test::gitText(m_bare, {QStringLiteral("branch"), QStringLiteral("--list"),
                                       QStringLiteral("sextant/refused")})
                    .isEmpty());
    }

    void unknownRemoteDescribesOnly() {
        // No remote set up: the folder is described, with the reason there is no pull request.
        ui::PrDraftDialog dialog(m_session.get());
        dialog.chooseFolder(m_clone);
        dialog.setLocalChanges(true);
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog.statusLabel()->text().contains(QStringLiteral("describe only")), 20000);
        dialog.describe();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 60000);
        QVERIFY2(dialog.draft(), qPrintable(dialog.statusLabel()->text()));
        QCOMPARE(dialog.impactTable()->rowCount(), 1);
        QVERIFY(dialog.draft()->whyNoPullRequest.contains(QStringLiteral("Tools → Git")));
        QVERIFY(!dialog.approveButton()->isEnabled());
    }

private:
    void addRemote(bool writes) {
        gitops::GitRemote remote;
        remote.repoURL = kRepoURL;
        remote.cloneURL = test::fileUrl(m_bare);
        remote.provider.kind = gitops::ProviderKind::GitHub;
        remote.provider.apiBase = m_provider->apiBase();
        remote.provider.owner = QStringLiteral("acme");
        remote.provider.repo = QStringLiteral("gitops");
        remote.writesAllowed = writes;
        m_session->addEphemeralGitRemote(remote, QStringLiteral("provider-token"));
    }

    QTemporaryDir m_home;
    QTemporaryDir m_repos;
    QString m_bare, m_clone, m_bumpSha;
    std::unique_ptr<sim::ProviderSim> m_provider;
    std::unique_ptr<ui::ConsoleSession> m_session;
    std::unique_ptr<test::ScriptedApprover> m_approver;
};

QTEST_MAIN(TestPrDraftDialog)
#include "tst_prdraftdialog.moc"
