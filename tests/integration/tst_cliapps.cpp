// `sextant-cli apps` against a real `sextant-sim` process.

#include "argocd/appparser.h"
#include "processrun.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;

namespace {

using Run = sextant::test::ProcessRun;
using sextant::test::binary;

Run run(const QString& program, const QStringList& args,
        const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    return sextant::test::runProcess(program, args, env);
}

} // namespace

class TestCliApps : public QObject {
    Q_OBJECT
private:
    QProcess m_sim;
    QString m_url;
    QString m_token;

private slots:
    void initTestCase() {
        if (!QFileInfo::exists(binary("sextant-sim")) || !QFileInfo::exists(binary("sextant-cli")))
            QSKIP("sextant-sim / sextant-cli are not built (build them before this test)");
        m_sim.start(binary("sextant-sim"),
                    {QStringLiteral("--apps"), QStringLiteral("2000"), QStringLiteral("--seed"),
                     QStringLiteral("1"), QStringLiteral("--instances"), QStringLiteral("1")});
        QVERIFY(m_sim.waitForStarted(30000));
        QTRY_VERIFY_WITH_TIMEOUT(m_sim.canReadLine() || m_sim.state() != QProcess::Running, 60000);
        const QByteArray line = m_sim.readLine();
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        m_url = o.value(QStringLiteral("url")).toString();
        m_token = o.value(QStringLiteral("token")).toString();
        QVERIFY2(!m_url.isEmpty() && !m_token.isEmpty(), line.constData());
    }

    void cleanupTestCase() {
        if (m_sim.state() != QProcess::NotRunning) {
            m_sim.terminate();
            if (!m_sim.waitForFinished(10000)) {
                m_sim.kill();
                m_sim.waitForFinished(5000);
            }
        }
    }

    void jsonAgreesWithSimulator() {
        const Run cli =
            run(binary("sextant-cli"),
                {QStringLiteral("--server"), m_url, QStringLiteral("--token"), m_token,
                 QStringLiteral("apps"), QStringLiteral("--output"), QStringLiteral("json")});
        QVERIFY2(cli.exitCode == 0, cli.err.constData());
        const QJsonDocument doc = QJsonDocument::fromJson(cli.out);
        QVERIFY(doc.isObject());
        const QJsonArray apps = doc.object().value(QStringLiteral("apps")).toArray();
        QCOMPARE(apps.size(), 2000);

        const Run expected =
            run(binary("sextant-sim"),
                {QStringLiteral("--print-list"), QStringLiteral("--apps"), QStringLiteral("2000"),
                 QStringLiteral("--seed"), QStringLiteral("1"), QStringLiteral("--instances"),
                 QStringLiteral("1")});
        QCOMPARE(expected.exitCode, 0);
        const auto list = argocd::parseApplicationList(expected.out, QStringLiteral("x"));
        QVERIFY(list.ok());
        QCOMPARE(list->apps.size(), apps.size());
        const QString host = QUrl(m_url).host();
        const QStringList keys = {QStringLiteral("instance"),       QStringLiteral("name"),
                                  QStringLiteral("appNamespace"),   QStringLiteral("project"),
                                  QStringLiteral("cluster"),        QStringLiteral("namespace"),
                                  QStringLiteral("sync"),           QStringLiteral("health"),
                                  QStringLiteral("operationPhase"), QStringLiteral("revision")};
        for (int i = 0; i < apps.size(); ++i) {
            const QJsonObject a = apps.at(i).toObject();
            QCOMPARE(a.keys().size(), keys.size());
            for (const QString& k : keys)
                QVERIFY2(a.contains(k), qPrintable(k));
            const argocd::AppSummary& e = list->apps.at(i);
            QCOMPARE(a.value(QStringLiteral("name")).toString(), e.name);
            QCOMPARE(a.value(QStringLiteral("sync")).toString(), argocd::toString(e.sync));
            QCOMPARE(a.value(QStringLiteral("health")).toString(), argocd::toString(e.health));
            QCOMPARE(a.value(QStringLiteral("project")).toString(), e.project);
            QCOMPARE(a.value(QStringLiteral("instance")).toString(), host);
        }
        QVERIFY(!cli.out.contains(m_token.toUtf8()));
    }

    void tokenSourcesAndTable() {
        QTemporaryDir dir;
        const QString tokenFile = dir.filePath(QStringLiteral("token"));
        QFile f(tokenFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(m_token.toUtf8() + '\n');
        f.close();
        // Global options after the command, token from a file, table output, a filter.
        const Run table =
            run(binary("sextant-cli"), {QStringLiteral("apps"), QStringLiteral("--server"), m_url,
                                        QStringLiteral("--token-file"), tokenFile,
                                        QStringLiteral("--instance-name"), QStringLiteral("lab")});
        QVERIFY2(table.exitCode == 0, table.err.constData());
        const QList<QByteArray> lines = table.out.split('\n');
        QVERIFY(lines.first().startsWith("INSTANCE"));
        QVERIFY(lines.first().contains("HEALTH"));
        QVERIFY(lines.at(1).startsWith("lab "));
        QVERIFY(table.out.contains("2000 applications"));

        // Token from the environment.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SEXTANT_TOKEN"), m_token);
        const Run viaEnv = run(binary("sextant-cli"),
                               {QStringLiteral("--server"), m_url, QStringLiteral("apps"),
                                QStringLiteral("--output=json"), QStringLiteral("--project"),
                                QStringLiteral("payments")},
                               env);
        QVERIFY2(viaEnv.exitCode == 0, viaEnv.err.constData());
        const QJsonArray apps =
            QJsonDocument::fromJson(viaEnv.out).object().value(QStringLiteral("apps")).toArray();
        QVERIFY(!apps.isEmpty());
        QVERIFY(apps.size() < 2000);
        for (const QJsonValue& a : apps)
            QCOMPARE(a.toObject().value(QStringLiteral("project")).toString(),
                     QStringLiteral("payments"));
    }

    void tlsOptions() {
        const QString tls = QStringLiteral(SEXTANT_TEST_DATA_DIR "/tls/");
        QProcess sim;
        sim.start(binary("sextant-sim"),
                  {QStringLiteral("--apps"), QStringLiteral("10"), QStringLiteral("--instances"),
                   QStringLiteral("1"), QStringLiteral("--tls-cert"),
                   tls + QStringLiteral("server.pem"), QStringLiteral("--tls-key"),
                   tls + QStringLiteral("server.key")});
        QVERIFY(sim.waitForStarted(30000));
        QTRY_VERIFY_WITH_TIMEOUT(sim.canReadLine() || sim.state() != QProcess::Running, 60000);
        const QJsonObject o = QJsonDocument::fromJson(sim.readLine()).object();
        const QString url = o.value(QStringLiteral("url")).toString();
        const QString token = o.value(QStringLiteral("token")).toString();
        QVERIFY2(url.startsWith(QLatin1String("https://")), qPrintable(url));

        // --ca-file before the command name (a global option).
        const Run withCa =
            run(binary("sextant-cli"),
                {QStringLiteral("--server"), url, QStringLiteral("--ca-file"),
                 tls + QStringLiteral("ca.pem"), QStringLiteral("--token"), token,
                 QStringLiteral("apps"), QStringLiteral("--output"), QStringLiteral("json")});
        QVERIFY2(withCa.exitCode == 0, withCa.err.constData());
        QCOMPARE(QJsonDocument::fromJson(withCa.out)
                     .object()
                     .value(QStringLiteral("apps"))
                     .toArray()
                     .size(),
                 10);

        const Run untrusted =
            run(binary("sextant-cli"), {QStringLiteral("--server"), url, QStringLiteral("--token"),
                                        token, QStringLiteral("apps")});
        QCOMPARE(untrusted.exitCode, 2);
        QVERIFY2(untrusted.err.contains("certificate is not trusted"), untrusted.err.constData());

        const Run insecure = run(binary("sextant-cli"),
                                 {QStringLiteral("--insecure"), QStringLiteral("--server"), url,
                                  QStringLiteral("--token"), token, QStringLiteral("apps")});
        QVERIFY2(insecure.exitCode == 0, insecure.err.constData());
        QVERIFY(insecure.err.contains("TLS verification is disabled"));

        sim.terminate();
        if (!sim.waitForFinished(10000)) {
            sim.kill();
            sim.waitForFinished(5000);
        }
    }

    void errorsExit2WithoutToken() {
        const QString bad = QStringLiteral("not-a-valid-token-12345");
        const Run unauthorized =
            run(binary("sextant-cli"), {QStringLiteral("--server"), m_url,
                                        QStringLiteral("--token"), bad, QStringLiteral("apps")});
        QCOMPARE(unauthorized.exitCode, 2);
        QVERIFY(unauthorized.err.startsWith("sextant-cli: "));
        QVERIFY(unauthorized.err.contains("log in again"));
        QVERIFY(!unauthorized.err.contains(bad.toUtf8()));
        QVERIFY(unauthorized.out.isEmpty());

        const Run noScheme = run(binary("sextant-cli"),
                                 {QStringLiteral("--server"), QStringLiteral("argocd.example.com"),
                                  QStringLiteral("--token"), bad, QStringLiteral("apps")});
        QCOMPARE(noScheme.exitCode, 2);
        QVERIFY(noScheme.err.contains("no scheme"));

        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("SEXTANT_TOKEN"));
        const Run noToken = run(binary("sextant-cli"),
                                {QStringLiteral("--server"), m_url, QStringLiteral("apps")}, env);
        QCOMPARE(noToken.exitCode, 2);
        QVERIFY(noToken.err.contains("no token"));

        const Run badOutput =
            run(binary("sextant-cli"),
                {QStringLiteral("--server"), m_url, QStringLiteral("--token"), m_token,
                 QStringLiteral("apps"), QStringLiteral("--output"), QStringLiteral("yaml")});
        QCOMPARE(badOutput.exitCode, 2);
        QVERIFY(!badOutput.err.contains(m_token.toUtf8()));
    }
};

QTEST_GUILESS_MAIN(TestCliApps)
#include "tst_cliapps.moc"
