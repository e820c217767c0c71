// GitRepository over real smart HTTP: lighttpd on a loopback port runs `git http-backend` behind
// basic auth. The right credentials mirror and push; a wrong password or none at all is
// Unauthorized after one refused attempt (libgit2 would ask forever otherwise); a push declined
// by the server's pre-receive hook is a Conflict carrying the hook's reason; the secret never
// appears in an error. Skipped only when lighttpd is not installed (scripts/setup-debian.sh
// installs it).

#include "gitfixtures.h"
#include "gitops/gitrepository.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::gitops;
using sextant::test::git;
using sextant::test::gitText;
using sextant::test::GitWorkRepo;

namespace {

const QString kUser = QStringLiteral("sextant");
const QString kSecret = QStringLiteral("tok-9f8e7d6c5b4a-SECRET");
const QString kWrongSecret = QStringLiteral("wrong-5a4b3c2d1e-PASSWORD");
const QString kHookReason = QStringLiteral("policy: branches under blocked/ are not accepted");

QString errorText(const Error& e) {
    return e.toString() + QLatin1Char('\n') + e.url;
}

} // namespace

class TestGitSmartHttp : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_root; // GIT_PROJECT_ROOT
    QString m_served;
    QString m_main;
    test::GitHttpServer m_server;
    QStringList m_errors; // every error text seen, checked for the secrets at the end

    GitCredentials rightCredentials() const { return {kUser, kSecret, false}; }
    QString cache(const QString& name) const {
        return m_tmp.filePath(QStringLiteral("cache-") + name);
    }

    CommitRequest edit(const QString& branch) const {
        CommitRequest r;
        r.branch = branch;
        r.parentRev = QStringLiteral("main");
        r.edits = {{QStringLiteral("apps/web/values.yaml"), QByteArray("replicas: 3\n")}};
        r.message = QStringLiteral("web: three replicas");
        r.authorName = QStringLiteral("Grace Fixer");
        r.authorEmail = QStringLiteral("grace@example.test");
        return r;
    }

private slots:
    void initTestCase() {
        if (test::GitHttpServer::lighttpd().isEmpty())
            QSKIP("lighttpd is not installed (scripts/setup-debian.sh installs it)");
        QVERIFY(m_tmp.isValid());
        m_root = m_tmp.filePath(QStringLiteral("served"));
        m_served = m_root + QStringLiteral("/config.git");
        GitWorkRepo src(m_tmp.filePath(QStringLiteral("src")));
        QVERIFY(src.init());
        QVERIFY(src.write(QStringLiteral("apps/web/values.yaml"), "replicas: 2\n"));
        QVERIFY(src.write(QStringLiteral("apps/web/kustomization.yaml"), "resources: []\n"));
        m_main = src.commit(QStringLiteral("first"));
        QVERIFY(!m_main.isEmpty());
        QVERIFY(test::cloneBare(src.dir(), m_served));
        QVERIFY(git(m_served, {QStringLiteral("config"), QStringLiteral("http.receivepack"),
                               QStringLiteral("true")})
                    .exitCode == 0);
        const QByteArray hook = "#!/bin/sh\n"
                                "while read old new ref; do\n"
                                "  case \"$ref\" in refs/heads/blocked/*)\n"
                                "    echo \"" +
                                kHookReason.toUtf8() +
                                "\" >&2\n"
                                "    exit 1;;\n"
                                "  esac\n"
                                "done\n"
                                "exit 0\n";
        const QString hookPath = m_served + QStringLiteral("/hooks/pre-receive");
        QVERIFY(test::writeFile(hookPath, hook));
        QVERIFY(QFile::setPermissions(hookPath, QFile::ReadOwner | QFile::WriteOwner |
                                                    QFile::ExeOwner | QFile::ReadGroup |
                                                    QFile::ExeGroup));
        QString error;
        QVERIFY2(m_server.start(m_root, kUser, kSecret, &error), qPrintable(error));
    }

    void mirrorsWithTheRightCredentials() {
        auto mirror = GitRepository::mirror(m_server.url(QStringLiteral("config.git")),
                                            cache(QStringLiteral("ok")), rightCredentials());
        if (!mirror.ok())
            m_errors << errorText(mirror.error());
        QVERIFY2(mirror.ok(), qPrintable(mirror.ok() ? QString() : errorText(mirror.error())));
        QCOMPARE(mirror.value()->resolve(QStringLiteral("main")).value(), m_main);
        QCOMPARE(mirror.value()->defaultBranch().value(), QStringLiteral("main"));
        // A second run fetches over the same credentials.
        QVERIFY(mirror.value()->fetch(rightCredentials()).ok());
        // The secret is nowhere on disk in the mirror's configuration.
        QFile config(mirror.value()->path() + QStringLiteral("/config"));
        QVERIFY(config.open(QIODevice::ReadOnly));
        QVERIFY(!config.readAll().contains(kSecret.toUtf8()));
    }

    void wrongPasswordIsUnauthorizedAtOnce() {
        QElapsedTimer timer;
        timer.start();
        auto mirror =
            GitRepository::mirror(m_server.url(QStringLiteral("config.git")),
                                  cache(QStringLiteral("wrong")), {kUser, kWrongSecret, false});
        QVERIFY(!mirror.ok());
        m_errors << errorText(mirror.error());
        QCOMPARE(mirror.error().kind, Error::Kind::Unauthorized);
        QVERIFY(mirror.error().shortMessage.contains(QLatin1String("127.0.0.1")));
        // Returns after one refused attempt instead of looping: far below any retry storm.
        QVERIFY2(timer.elapsed() < 20000, qPrintable(QString::number(timer.elapsed())));
        // No half-made mirror stays behind.
        QCOMPARE(QDir(cache(QStringLiteral("wrong")))
                     .entryList(QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot)
                     .size(),
                 0);

        auto none = GitRepository::mirror(m_server.url(QStringLiteral("config.git")),
                                          cache(QStringLiteral("none")), {});
        QVERIFY(!none.ok());
        m_errors << errorText(none.error());
        QCOMPARE(none.error().kind, Error::Kind::Unauthorized);
    }

    void pushesANewBranch() {
        auto mirror = GitRepository::mirror(m_server.url(QStringLiteral("config.git")),
                                            cache(QStringLiteral("push")), rightCredentials());
        QVERIFY(mirror.ok());
        const auto sha =
            mirror.value()->commitEdits(edit(QStringLiteral("sextant/three-replicas")));
        QVERIFY(sha.ok());

        // The wrong password cannot push either, and nothing arrives.
        const auto denied = mirror.value()->push(m_server.url(QStringLiteral("config.git")),
                                                 QStringLiteral("sextant/three-replicas"),
                                                 {kUser, kWrongSecret, false});
        QVERIFY(!denied.ok());
        m_errors << errorText(denied.error());
        QCOMPARE(denied.error().kind, Error::Kind::Unauthorized);
        QVERIFY(gitText(m_served,
                        {QStringLiteral("rev-parse"), QStringLiteral("--verify"),
                         QStringLiteral("-q"), QStringLiteral("refs/heads/sextant/three-replicas")})
                    .isEmpty());

        const auto pushed = mirror.value()->push(
            QStringLiteral("origin"), QStringLiteral("sextant/three-replicas"), rightCredentials());
        if (!pushed.ok())
            m_errors << errorText(pushed.error());
        QVERIFY2(pushed.ok(), qPrintable(pushed.ok() ? QString() : errorText(pushed.error())));
        QCOMPARE(pushed->refs.size(), size_t(1));
        QVERIFY(pushed->refs[0].accepted);
        QCOMPARE(gitText(m_served,
                         {QStringLiteral("rev-parse"), QStringLiteral("sextant/three-replicas")}),
                 sha.value());
        QCOMPARE(git(m_served, {QStringLiteral("show"),
                                QStringLiteral("sextant/three-replicas:apps/web/values.yaml")})
                     .out,
                 QByteArray("replicas: 3\n"));
    }

    void hookDeclinedPushIsAConflict() {
        auto mirror = GitRepository::mirror(m_server.url(QStringLiteral("config.git")),
                                            cache(QStringLiteral("hook")), rightCredentials());
        QVERIFY(mirror.ok());
        QVERIFY(mirror.value()->commitEdits(edit(QStringLiteral("blocked/change"))).ok());
        const auto declined =
            mirror.value()->push(m_server.url(QStringLiteral("config.git")),
                                 QStringLiteral("blocked/change"), rightCredentials());
        QVERIFY(!declined.ok());
        m_errors << errorText(declined.error());
        QCOMPARE(declined.error().kind, Error::Kind::Conflict);
        QVERIFY2(declined.error().details.contains(kHookReason),
                 qPrintable(errorText(declined.error())));
        QVERIFY(declined.error().details.contains(QLatin1String("refs/heads/blocked/change")));
        QVERIFY(
            gitText(m_served, {QStringLiteral("rev-parse"), QStringLiteral("--verify"),
                               QStringLiteral("-q"), QStringLiteral("refs/heads/blocked/change")})
                .isEmpty());
    }

    void secretsNeverAppearInErrors() {
        QVERIFY(m_errors.size() >= 4);
        for (const QString& text : std::as_const(m_errors)) {
            QVERIFY2(!text.contains(kSecret), qPrintable(text));
            QVERIFY2(!text.contains(kWrongSecret), qPrintable(text));
        }
    }

    void cleanupTestCase() {
        const quint16 port = m_server.port();
        m_server.stop();
        if (port != 0) { // the server is really gone
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, port);
            QVERIFY(!socket.waitForConnected(1000));
        }
    }
};

QTEST_GUILESS_MAIN(TestGitSmartHttp)
#include "tst_gitsmarthttp.moc"
