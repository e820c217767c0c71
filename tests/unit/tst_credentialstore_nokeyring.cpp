// The credential store on a machine without any keychain: no D-Bus session, no display. Every
// job must fail with a Kind::Keychain error that explains what to install, and nothing may be
// written anywhere as a plain-text fallback.
#include "secrets/credentialstore.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QTest>

#include <qt6keychain/keychain.h>

#include <cstdlib>

using namespace sextant;
using sextant::secrets::CredentialStore;

namespace {

QByteArray g_home;

QStringList filesUnder(const QString& dir) {
    QStringList found;
    QDirIterator it(dir, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext())
        found << it.next();
    return found;
}

const QString kNoKeychain = QStringLiteral(
    "No keychain is available: Sextant stores tokens only in the system keychain (Secret "
    "Service). Install and start gnome-keyring or KWallet, then try again.");

} // namespace

class TestCredentialStoreNoKeyring : public QObject {
    Q_OBJECT

private slots:
    void environmentHasNoKeychain() {
        QCOMPARE(qgetenv("HOME"), g_home);
        QVERIFY(!qEnvironmentVariableIsSet("DISPLAY"));
        QVERIFY(filesUnder(QString::fromLocal8Bit(g_home)).isEmpty());
    }

    void readFailsInPlainWords() {
        CredentialStore store;
        const Result<QString> r =
            store.readBlocking(CredentialStore::instanceTokenKey(QStringLiteral("prod-eu")));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Keychain);
        QCOMPARE(r.error().shortMessage, kNoKeychain);
        // The keychain library's own words are kept for the details pane.
        QVERIFY(r.error().details.contains(QStringLiteral("instance/prod-eu/token")));
        QVERIFY(r.error().details.size() >
                QStringLiteral("Keychain entry: instance/prod-eu/token").size());
        QCOMPARE(store.pendingJobs(), 0);
    }

    void writeFailsAndNothingLandsOnDisk() {
        CredentialStore store;
        const Status w = store.writeBlocking(CredentialStore::instanceTokenKey(QStringLiteral("a")),
                                             QStringLiteral("super-secret-token"));
        QVERIFY(!w.ok());
        QCOMPARE(w.error().kind, Error::Kind::Keychain);
        QCOMPARE(w.error().shortMessage, kNoKeychain);
        QVERIFY(!w.error().toString().contains(QStringLiteral("super-secret-token")));

        const Status rm =
            store.removeBlocking(CredentialStore::instanceTokenKey(QStringLiteral("a")));
        QVERIFY(!rm.ok());
        QCOMPARE(rm.error().kind, Error::Kind::Keychain);

        // No plain-text fallback: no settings file, no cache, nothing under HOME.
        const QStringList files = filesUnder(QString::fromLocal8Bit(g_home));
        QVERIFY2(files.isEmpty(), qPrintable(files.join(QLatin1Char('\n'))));
    }

    void asyncCallbacksRunInOrder() {
        CredentialStore store;
        QStringList order;
        for (int i = 0; i < 5; ++i) {
            store.read(QStringLiteral("instance/%1/token").arg(i), [&order, i](Result<QString> r) {
                QVERIFY(!r.ok());
                order << QString::number(i);
            });
        }
        QCOMPARE(store.pendingJobs(), 5);
        QTRY_COMPARE(order.size(), 5);
        QCOMPARE(order, (QStringList{QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2"),
                                     QStringLiteral("3"), QStringLiteral("4")}));
    }

    void probeSaysUnavailable() {
        const Status p = CredentialStore::probe();
        QVERIFY(!p.ok());
        QCOMPARE(p.error().kind, Error::Kind::Keychain);
        QVERIFY(!CredentialStore::available());
    }

    void errorMapping() {
        const QString key = QStringLiteral("instance/x/token");
        QCOMPARE(CredentialStore::mapError(QKeychain::EntryNotFound, {}, key).kind,
                 Error::Kind::NotFound);
        const QString locked = QStringLiteral("The keychain is locked or access was denied");
        QCOMPARE(CredentialStore::mapError(QKeychain::AccessDenied, {}, key).shortMessage, locked);
        QCOMPARE(CredentialStore::mapError(QKeychain::AccessDeniedByUser, {}, key).shortMessage,
                 locked);
        QCOMPARE(CredentialStore::mapError(
                     QKeychain::OtherError,
                     QStringLiteral("Object does not exist at path "
                                    "\u201c/org/freedesktop/secrets/collection/login\u201d"),
                     key)
                     .shortMessage,
                 locked);
        const Error noBus = CredentialStore::mapError(
            QKeychain::OtherError, QStringLiteral("Cannot autolaunch D-Bus without X11 $DISPLAY"),
            key);
        QCOMPARE(noBus.kind, Error::Kind::Keychain);
        QCOMPARE(noBus.shortMessage, kNoKeychain);
        QVERIFY(noBus.details.contains(QStringLiteral("Cannot autolaunch D-Bus")));
        QCOMPARE(CredentialStore::mapError(QKeychain::OtherError,
                                           QStringLiteral("Could not connect: No such file or "
                                                          "directory"),
                                           key)
                     .shortMessage,
                 kNoKeychain);
        QCOMPARE(CredentialStore::mapError(QKeychain::NoBackendAvailable, {}, key).shortMessage,
                 kNoKeychain);
        QCOMPARE(
            CredentialStore::mapError(QKeychain::OtherError, QStringLiteral("weird"), key).kind,
            Error::Kind::Keychain);
        QVERIFY(!CredentialStore::mapError(QKeychain::NoError, {}, key).isError());
    }

    void keysAreNamespaced() {
        QCOMPARE(CredentialStore::instanceTokenKey(QStringLiteral("prod-eu")),
                 QStringLiteral("instance/prod-eu/token"));
        QCOMPARE(CredentialStore::instancePasswordKey(QStringLiteral("prod-eu")),
                 QStringLiteral("instance/prod-eu/password"));
        QCOMPARE(CredentialStore::llmApiKeyKey(QStringLiteral("openai")),
                 QStringLiteral("llm/openai/apikey"));
        QCOMPARE(CredentialStore::gitTokenKey(QStringLiteral("github")),
                 QStringLiteral("git/github/token"));
        QCOMPARE(CredentialStore().service(), QStringLiteral("sextant"));
    }
};

int main(int argc, char* argv[]) {
    // Before QCoreApplication exists: a session bus address that leads nowhere, no display to
    // autolaunch one from, and a fresh HOME so any fallback file would be seen.
    char homeTemplate[] = "/tmp/sextant-nokeyring-XXXXXX";
    if (!::mkdtemp(homeTemplate))
        return 2;
    g_home = homeTemplate;
    qputenv("HOME", g_home);
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/sextant-test-no-bus");
    for (const char* var :
         {"DISPLAY", "WAYLAND_DISPLAY", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
          "XDG_STATE_HOME", "KDE_FULL_SESSION", "XDG_CURRENT_DESKTOP"})
        qunsetenv(var);

    int rc = 0;
    {
        QCoreApplication app(argc, argv);
        TestCredentialStoreNoKeyring test;
        QTEST_SET_MAIN_SOURCE_PATH
        rc = QTest::qExec(&test, argc, argv);
    }
    QDir(QString::fromLocal8Bit(g_home)).removeRecursively();
    return rc;
}

#include "tst_credentialstore_nokeyring.moc"
