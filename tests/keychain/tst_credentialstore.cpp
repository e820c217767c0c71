// The credential store against a real Secret Service: a headless, unlocked gnome-keyring on a
// private D-Bus session set up by run-with-keyring.sh. Never run against a user's own keyring.
#include "secrets/credentialstore.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTest>

using namespace sextant;
using sextant::secrets::CredentialStore;

class TestCredentialStore : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        // Never against the user's own keychain: these tests write and remove entries.
        if (qgetenv("SEXTANT_TEST_PRIVATE_KEYRING") != "1")
            QSKIP("run through tests/keychain/run-with-keyring.sh (private D-Bus and keyring)");
        const Status probe = CredentialStore::probe();
        QVERIFY2(probe.ok(), qPrintable(probe.ok() ? QString() : probe.error().toString()));
        QVERIFY(CredentialStore::available());
    }

    void roundTripForTwoInstances() {
        CredentialStore store;
        const QString prodToken = CredentialStore::instanceTokenKey(QStringLiteral("prod-eu"));
        const QString stagingToken = CredentialStore::instanceTokenKey(QStringLiteral("staging"));
        const QString stagingPassword =
            CredentialStore::instancePasswordKey(QStringLiteral("staging"));

        QVERIFY(store.writeBlocking(prodToken, QStringLiteral("prod-token-1")).ok());
        QVERIFY(
            store.writeBlocking(stagingToken, QStringLiteral("staging-token-\u00e9\u2713")).ok());
        QVERIFY(store.writeBlocking(stagingPassword, QStringLiteral("pa ss:word")).ok());

        QCOMPARE(store.readBlocking(prodToken).value(), QStringLiteral("prod-token-1"));
        QCOMPARE(store.readBlocking(stagingToken).value(),
                 QStringLiteral("staging-token-\u00e9\u2713"));
        QCOMPARE(store.readBlocking(stagingPassword).value(), QStringLiteral("pa ss:word"));

        // Overwrite replaces.
        QVERIFY(store.writeBlocking(prodToken, QStringLiteral("prod-token-2")).ok());
        QCOMPARE(store.readBlocking(prodToken).value(), QStringLiteral("prod-token-2"));

        // Removing one instance's token leaves the other instance alone.
        QVERIFY(store.removeBlocking(prodToken).ok());
        const Result<QString> gone = store.readBlocking(prodToken);
        QVERIFY(!gone.ok());
        QCOMPARE(gone.error().kind, Error::Kind::NotFound);
        QCOMPARE(store.readBlocking(stagingToken).value(),
                 QStringLiteral("staging-token-\u00e9\u2713"));

        // A second store (another window, the CLI) sees the same entries.
        CredentialStore other;
        QCOMPARE(other.readBlocking(stagingPassword).value(), QStringLiteral("pa ss:word"));

        QVERIFY(store.removeBlocking(stagingToken).ok());
        QVERIFY(store.removeBlocking(stagingPassword).ok());
    }

    void serviceNamesAreSeparate() {
        CredentialStore sextantStore;
        CredentialStore otherService(QStringLiteral("not-sextant"));
        const QString key = CredentialStore::llmApiKeyKey(QStringLiteral("openai"));
        QVERIFY(sextantStore.writeBlocking(key, QStringLiteral("sk-test")).ok());
        const Result<QString> r = otherService.readBlocking(key);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::NotFound);
        QVERIFY(sextantStore.removeBlocking(key).ok());
    }

    void notFoundIsTyped() {
        CredentialStore store;
        const Result<QString> r =
            store.readBlocking(CredentialStore::instanceTokenKey(QStringLiteral("never-stored")));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::NotFound);
        QVERIFY(r.error().shortMessage.contains(QStringLiteral("instance/never-stored/token")));
        // Removing what is not there is not an error.
        QVERIFY(
            store.removeBlocking(CredentialStore::instanceTokenKey(QStringLiteral("never"))).ok());
    }

    void manyQueuedJobsCompleteInOrder() {
        CredentialStore store;
        const int n = 12;
        QStringList completed;
        QStringList values;
        for (int i = 0; i < n; ++i) {
            const QString key = CredentialStore::instanceTokenKey(QStringLiteral("inst-%1").arg(i));
            store.write(key, QStringLiteral("secret-%1").arg(i), [&completed, i](Status s) {
                QVERIFY(s.ok());
                completed << QStringLiteral("w%1").arg(i);
            });
            store.read(key, [&completed, &values, i](Result<QString> r) {
                QVERIFY(r.ok());
                completed << QStringLiteral("r%1").arg(i);
                values << r.value();
            });
        }
        for (int i = 0; i < n; ++i) {
            store.remove(CredentialStore::instanceTokenKey(QStringLiteral("inst-%1").arg(i)),
                         [&completed, i](Status s) {
                             QVERIFY(s.ok());
                             completed << QStringLiteral("d%1").arg(i);
                         });
        }
        QCOMPARE(store.pendingJobs(), 3 * n);
        QTRY_COMPARE_WITH_TIMEOUT(completed.size(), 3 * n, 60000);
        QStringList expected;
        for (int i = 0; i < n; ++i)
            expected << QStringLiteral("w%1").arg(i) << QStringLiteral("r%1").arg(i);
        for (int i = 0; i < n; ++i)
            expected << QStringLiteral("d%1").arg(i);
        QCOMPARE(completed, expected);
        for (int i = 0; i < n; ++i)
            QCOMPARE(values[i], QStringLiteral("secret-%1").arg(i));
        QCOMPARE(store.pendingJobs(), 0);
        const Result<QString> after =
            store.readBlocking(CredentialStore::instanceTokenKey(QStringLiteral("inst-0")));
        QCOMPARE(after.error().kind, Error::Kind::NotFound);
    }

    // Keep last: it locks the private keyring's login collection.
    void lockedKeychainIsExplained() {
        const QString gdbus = QStandardPaths::findExecutable(QStringLiteral("gdbus"));
        if (gdbus.isEmpty())
            QSKIP("gdbus (libglib2.0-bin) is needed to lock the keyring");
        CredentialStore store;
        const QString key = CredentialStore::instanceTokenKey(QStringLiteral("locked"));
        QVERIFY(store.writeBlocking(key, QStringLiteral("before-lock")).ok());

        QProcess lock;
        lock.start(gdbus,
                   {QStringLiteral("call"), QStringLiteral("--session"), QStringLiteral("--dest"),
                    QStringLiteral("org.freedesktop.secrets"), QStringLiteral("--object-path"),
                    QStringLiteral("/org/freedesktop/secrets"), QStringLiteral("--method"),
                    QStringLiteral("org.freedesktop.Secret.Service.Lock"),
                    QStringLiteral("['/org/freedesktop/secrets/collection/login']")});
        QVERIFY(lock.waitForFinished(60000));
        QCOMPARE(lock.exitCode(), 0);

        const Status w = store.writeBlocking(key, QStringLiteral("after-lock"));
        QVERIFY(!w.ok());
        QCOMPARE(w.error().kind, Error::Kind::Keychain);
        QCOMPARE(w.error().shortMessage,
                 QStringLiteral("The keychain is locked or access was denied"));
        // libsecret does not search locked items, so a read reports "not found" (documented in
        // credentialstore.h): callers ask the user, and the following write explains the lock.
        const Result<QString> r = store.readBlocking(key);
        QVERIFY(!r.ok());
        QVERIFY(r.error().kind == Error::Kind::NotFound || r.error().kind == Error::Kind::Keychain);
    }
};

QTEST_GUILESS_MAIN(TestCredentialStore)
#include "tst_credentialstore.moc"
