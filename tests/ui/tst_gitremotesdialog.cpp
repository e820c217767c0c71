// Tools → Git repositories… as a user meets it: provider fields pre-filled from the repository
// URL, bad input explained, a remote saved in audit mode, a token that never reaches a file
// (no keychain here: refused, nothing saved), a read-only test against a real repository, and
// demo remotes that are listed but cannot be changed.
#include "consolesession.h"
#include "gitfixtures.h"
#include "gitops/gitremotes.h"
#include "gitremotesdialog.h"
#include "governance/actionmode.h"
#include "secrets/credentialstore.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDirIterator>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QTest>

using namespace sextant;

class TestGitRemotesDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        // No Secret Service reachable: the keychain must refuse, never fall back to a file.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/sextant-test-bus");
        qunsetenv("DISPLAY");
        QVERIFY(m_home.isValid());
        qputenv("HOME", m_home.path().toUtf8());
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral(".config")).toUtf8());
        qputenv("XDG_DATA_HOME", m_home.filePath(QStringLiteral(".local/share")).toUtf8());
        qputenv("XDG_CACHE_HOME", m_home.filePath(QStringLiteral(".cache")).toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("SextantGitRemotesTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_gitremotesdialog"));

        // A real repository to test against: one commit on main, served from a bare copy.
        test::GitWorkRepo work(m_repos.filePath(QStringLiteral("work")));
        QVERIFY(work.init());
        QVERIFY(work.write(QStringLiteral("apps/web/kustomization.yaml"),
                           "resources:\n  - deployment.yaml\n"));
        QVERIFY(!work.commit(QStringLiteral("Add web"), QStringLiteral("2024-05-06T07:08:09Z"))
                     .isEmpty());
        m_bare = m_repos.filePath(QStringLiteral("gitops.git"));
        QVERIFY(test::cloneBare(work.dir(), m_bare));
    }

    void init() {
        QSettings().clear();
        m_session = std::make_unique<ui::ConsoleSession>(
            nullptr, m_home.filePath(QStringLiteral("audit.jsonl")));
    }
    void cleanup() { m_session.reset(); }

    void providerFieldsFollowTheUrl() {
        ui::GitRemotesDialog dialog(m_session.get());
        QTest::keyClicks(edit(dialog, "repoUrl"),
                         QStringLiteral("https://gitlab.com/platform/team/gitops.git"));
        QCOMPARE(combo(dialog, "provider")->currentText(), QStringLiteral("GitLab"));
        QCOMPARE(edit(dialog, "apiBase")->text(), QStringLiteral("https://gitlab.com/api/v4"));
        QCOMPARE(edit(dialog, "ownerRepo")->text(), QStringLiteral("platform/team/gitops"));
        QCOMPARE(edit(dialog, "username")->text(), QStringLiteral("oauth2"));

        // An unknown host: the chosen provider's convention.
        ui::GitRemotesDialog other(m_session.get());
        QCOMPARE(combo(other, "provider")->currentText(), QStringLiteral("GitHub"));
        QTest::keyClicks(edit(other, "repoUrl"),
                         QStringLiteral("https://git.internal.example/acme/gitops.git"));
        QCOMPARE(edit(other, "apiBase")->text(),
                 QStringLiteral("https://git.internal.example/api/v3"));
        QCOMPARE(edit(other, "ownerRepo")->text(), QStringLiteral("acme/gitops"));
        QCOMPARE(edit(other, "username")->text(), QStringLiteral("x-access-token"));

        // Writes start off; TLS verification starts on.
        QVERIFY(!check(dialog, "writes")->isChecked());
        QVERIFY(!check(dialog, "defaultBranch")->isChecked());
        QVERIFY(check(dialog, "verifyTls")->isChecked());
        check(dialog, "verifyTls")->setChecked(false);
        QVERIFY(!dialog.findChild<QLabel*>(QStringLiteral("tlsWarning"))->isHidden());
    }

    void validationIsExplained() {
        ui::GitRemotesDialog dialog(m_session.get());
        click(dialog, "save");
        QVERIFY(status(dialog).contains(QStringLiteral("repository URL exactly as")));

        edit(dialog, "repoUrl")->setText(QStringLiteral("github.com/acme/gitops"));
        click(dialog, "save");
        QVERIFY(status(dialog).contains(QStringLiteral("is not a repository URL")));

        edit(dialog, "repoUrl")
            ->setText(QStringLiteral("https://ada:hunter2@github.com/acme/gitops.git"));
        click(dialog, "save");
        QVERIFY(status(dialog).contains(QStringLiteral("Remove the password from the URL")));
        QVERIFY(!status(dialog).contains(QStringLiteral("hunter2")));

        edit(dialog, "repoUrl")->setText(QStringLiteral("https://github.com/acme/gitops.git"));
        edit(dialog, "apiBase")->setText(QStringLiteral("https://api.github.com"));
        edit(dialog, "ownerRepo")->setText(QStringLiteral("gitops"));
        click(dialog, "save");
        QVERIFY(status(dialog).contains(QStringLiteral("owner/repository")));

        edit(dialog, "ownerRepo")->setText(QStringLiteral("acme/gitops"));
        edit(dialog, "apiBase")->setText(QStringLiteral("api.github.com"));
        click(dialog, "save");
        QVERIFY(status(dialog).contains(QStringLiteral("API address")));

        edit(dialog, "apiBase")->setText(QStringLiteral("https://api.github.com"));
        edit(dialog, "cloneUrl")->setText(QStringLiteral("not a url"));
        click(dialog, "save");
        QVERIFY(status(dialog).contains(QStringLiteral("is not a clone URL")));
        QVERIFY(m_session->gitRemotes()->remotes().isEmpty());
    }

    void savedInAuditModeAndEditable() {
        ui::GitRemotesDialog dialog(m_session.get());
        fill(dialog, QStringLiteral("https://github.com/acme/gitops.git"), test::fileUrl(m_bare));
        click(dialog, "save");
        QTRY_VERIFY(!dialog.isBusy());
        QVERIFY2(status(dialog).contains(QStringLiteral("audit mode")), qPrintable(status(dialog)));
        const auto saved =
            m_session->gitRemotes()->find(QStringLiteral("git@github.com:acme/gitops"));
        QVERIFY(saved);
        QVERIFY(!saved->writesAllowed);
        QCOMPARE(saved->provider.repoPath(), QStringLiteral("acme/gitops"));
        QVERIFY(m_session->policy()->mode(saved->id()) == governance::Mode::Audit);
        // In the list, in the settings.
        QCOMPARE(dialog.table()->rowCount(), 1);
        QCOMPARE(dialog.table()->item(0, 2)->text(), QStringLiteral("acme/gitops"));
        QCOMPARE(dialog.table()->item(0, 3)->text(), QStringLiteral("off (audit)"));
        QTRY_VERIFY(dialog.table()->item(0, 4)->text() != QStringLiteral("checking…"));
        gitops::GitRemoteRegistry reloaded;
        reloaded.load();
        QCOMPARE(reloaded.remotes().size(), 1);

        // Allow writes: the repository switches to read-write.
        QVERIFY(dialog.select(QStringLiteral("https://github.com/acme/gitops")));
        check(dialog, "writes")->setChecked(true);
        click(dialog, "save");
        QTRY_VERIFY(!dialog.isBusy());
        QVERIFY(m_session->policy()->mode(saved->id()) == governance::Mode::ReadWrite);
        QCOMPARE(dialog.table()->item(0, 3)->text(), QStringLiteral("allowed, each approved"));

        // A second entry for the same repository is refused.
        dialog.startNew();
        fill(dialog, QStringLiteral("git@github.com:acme/gitops.git"), QString());
        click(dialog, "save");
        QVERIFY(status(dialog).contains(QStringLiteral("already set up")));
        QCOMPARE(m_session->gitRemotes()->remotes().size(), 1);
    }

    void tokenGoesToTheKeychainOrNowhere() {
        ui::GitRemotesDialog dialog(m_session.get());
        const QString token = QStringLiteral("ghp_secret_token_for_the_test_123");
        fill(dialog, QStringLiteral("https://github.com/acme/tokens.git"), QString());
        edit(dialog, "token")->setText(token);
        click(dialog, "save");
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 20000);
        if (secrets::CredentialStore::available()) {
            // With a keychain (tests/keychain/run-with-keyring.sh): saved, and the token is there.
            QVERIFY(
                m_session->gitRemotes()->find(QStringLiteral("https://github.com/acme/tokens")));
            const auto remote =
                m_session->gitRemotes()->find(QStringLiteral("https://github.com/acme/tokens"));
            QCOMPARE(m_session->credentials()
                         ->readBlocking(secrets::CredentialStore::gitTokenKey(remote->id()))
                         .value(),
                     token);
            QTRY_COMPARE(dialog.table()->item(0, 4)->text(), QStringLiteral("stored"));
        } else {
            // Without one: refused in plain words, and nothing is saved.
            QVERIFY2(status(dialog).contains(QStringLiteral("Not saved")),
                     qPrintable(status(dialog)));
            QVERIFY(status(dialog).contains(QStringLiteral("keychain"), Qt::CaseInsensitive));
            QVERIFY(
                !m_session->gitRemotes()->find(QStringLiteral("https://github.com/acme/tokens")));
        }
        QVERIFY(!status(dialog).contains(token));
        // The token is in no file under HOME (settings, audit log, cache).
        QDirIterator it(m_home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(!f.readAll().contains(token.toUtf8()), qPrintable(f.fileName()));
        }
    }

    void testReadsTheRepository() {
        ui::GitRemotesDialog dialog(m_session.get());
        fill(dialog, QStringLiteral("https://github.com/acme/gitops.git"), test::fileUrl(m_bare));
        click(dialog, "test");
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 20000);
        QVERIFY2(status(dialog).contains(QStringLiteral("default branch main")),
                 qPrintable(status(dialog)));
        QVERIFY(status(dialog).contains(QStringLiteral("\"Add web\" by Ada Tester")));
        QVERIFY(status(dialog).contains(QStringLiteral("Nothing was written")));
        QVERIFY(m_session->gitRemotes()->remotes().isEmpty()); // a test saves nothing

        edit(dialog, "cloneUrl")
            ->setText(test::fileUrl(m_repos.filePath(QStringLiteral("missing.git"))));
        click(dialog, "test");
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 20000);
        QVERIFY(!status(dialog).contains(QStringLiteral("default branch")));
        QCOMPARE(dialog.statusLabel()->styleSheet(), QStringLiteral("color: #b00020;"));
    }

    void demoRemotesAreReadOnly() {
        gitops::GitRemote demo;
        demo.repoURL = QStringLiteral("https://git.example.com/shop/checkout.git");
        demo.cloneURL = test::fileUrl(m_bare);
        demo.provider.kind = gitops::ProviderKind::GitHub;
        demo.provider.apiBase = QUrl(QStringLiteral("http://127.0.0.1:9"));
        demo.provider.owner = QStringLiteral("shop");
        demo.provider.repo = QStringLiteral("checkout");
        demo.writesAllowed = true;
        m_session->addEphemeralGitRemote(demo, QStringLiteral("demo-token"));
        QVERIFY(m_session->isEphemeralGitRemote(demo.repoURL));

        ui::GitRemotesDialog dialog(m_session.get());
        QCOMPARE(dialog.table()->rowCount(), 1);
        QVERIFY(dialog.table()->item(0, 0)->text().contains(QStringLiteral("(demo)")));
        QCOMPARE(dialog.table()->horizontalHeaderItem(4)->text(), QStringLiteral("Token"));
        QCOMPARE(dialog.table()->horizontalHeaderItem(3)->text(), QStringLiteral("Writes"));
        QTRY_COMPARE(dialog.table()->item(0, 4)->text(), QStringLiteral("stored"));
        QVERIFY(dialog.select(demo.repoURL));
        QVERIFY(status(dialog).contains(QStringLiteral("Demo repository")));
        QVERIFY(edit(dialog, "repoUrl")->isReadOnly());
        QVERIFY(edit(dialog, "ownerRepo")->isReadOnly());
        QVERIFY(!edit(dialog, "token")->isEnabled());
        QVERIFY(!check(dialog, "writes")->isEnabled());
        QVERIFY(!button(dialog, "save")->isEnabled());
        QVERIFY(!button(dialog, "remove")->isEnabled());
        dialog.save(); // even when called directly
        QVERIFY(status(dialog).contains(QStringLiteral("cannot be changed")));
        // Test still reads it.
        QVERIFY(button(dialog, "test")->isEnabled());
        click(dialog, "test");
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 20000);
        QVERIFY2(status(dialog).contains(QStringLiteral("default branch main")),
                 qPrintable(status(dialog)));
        // Removing it through the session is refused too; nothing reached the settings.
        bool refused = false;
        m_session->removeGitRemote(demo.repoURL, [&](Status s) { refused = !s.ok(); });
        QVERIFY(refused);
        QVERIFY(!QSettings().contains(QStringLiteral("gitRemotes/size")) ||
                QSettings().value(QStringLiteral("gitRemotes/size")).toInt() == 0);
        // The session tells the dialog no token value, only that there is one.
        QVERIFY(!status(dialog).contains(QStringLiteral("demo-token")));
    }

    void removeForgetsTheRemote() {
        ui::GitRemotesDialog dialog(m_session.get());
        fill(dialog, QStringLiteral("https://github.com/acme/gone.git"), QString());
        click(dialog, "save");
        QTRY_VERIFY(!dialog.isBusy());
        const auto saved =
            m_session->gitRemotes()->find(QStringLiteral("https://github.com/acme/gone.git"));
        QVERIFY(saved);
        bool removed = false;
        m_session->removeGitRemote(saved->repoURL, [&](Status) { removed = true; });
        QTRY_VERIFY_WITH_TIMEOUT(removed, 20000);
        QVERIFY(!m_session->gitRemotes()->find(saved->repoURL));
        gitops::GitRemoteRegistry reloaded;
        reloaded.load();
        QVERIFY(reloaded.remotes().isEmpty());
    }

private:
    static QLineEdit* edit(ui::GitRemotesDialog& d, const char* name) {
        auto* e = d.findChild<QLineEdit*>(QLatin1String(name));
        Q_ASSERT(e);
        return e;
    }
    static QComboBox* combo(ui::GitRemotesDialog& d, const char* name) {
        return d.findChild<QComboBox*>(QLatin1String(name));
    }
    static QCheckBox* check(ui::GitRemotesDialog& d, const char* name) {
        return d.findChild<QCheckBox*>(QLatin1String(name));
    }
    static QPushButton* button(ui::GitRemotesDialog& d, const char* name) {
        return d.findChild<QPushButton*>(QLatin1String(name));
    }
    static void click(ui::GitRemotesDialog& d, const char* name) { button(d, name)->click(); }
    static QString status(ui::GitRemotesDialog& d) { return d.statusLabel()->text(); }
    static void fill(ui::GitRemotesDialog& d, const QString& repoUrl, const QString& cloneUrl) {
        QTest::keyClicks(edit(d, "repoUrl"), repoUrl);
        edit(d, "cloneUrl")->setText(cloneUrl);
    }

    QTemporaryDir m_home;
    QTemporaryDir m_repos;
    QString m_bare;
    std::unique_ptr<ui::ConsoleSession> m_session;
};

QTEST_MAIN(TestGitRemotesDialog)
#include "tst_gitremotesdialog.moc"
