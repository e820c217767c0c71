// `sextant-cli diagnose` as a pipeline uses it: live against a real `sextant-sim --demo`
// process (read-only GETs over loopback), offline from the bundle it saved, and with bad input.

#include "processrun.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

using Run = sextant::test::ProcessRun;

using sextant::test::binary;

Run run(const QStringList& args, const QString& token = {}) {
    return sextant::test::runCli(args, token);
}

QString topCategory(const QByteArray& json) {
    const QJsonObject doc = QJsonDocument::fromJson(json).object();
    const QJsonArray findings = doc.value(QStringLiteral("findings")).toArray();
    return findings.isEmpty()
               ? QString()
               : findings.first().toObject().value(QStringLiteral("category")).toString();
}

} // namespace

class TestCliDiagnose : public QObject {
    Q_OBJECT
private:
    QProcess m_sim;
    QHash<QString, QPair<QString, QString>> m_instances; // name -> url, token
    QTemporaryDir m_dir;

private slots:
    void initTestCase() {
        if (!QFileInfo::exists(binary("sextant-sim")) || !QFileInfo::exists(binary("sextant-cli")))
            QSKIP("sextant-sim / sextant-cli are not built (build them before this test)");
        m_sim.start(binary("sextant-sim"), {QStringLiteral("--demo")});
        QVERIFY(m_sim.waitForStarted(30000));
        // One JSON line per instance on start.
        while (m_instances.size() < 3) {
            QTRY_VERIFY_WITH_TIMEOUT(m_sim.canReadLine() || m_sim.state() != QProcess::Running,
                                     60000);
            QVERIFY(m_sim.state() == QProcess::Running);
            const QJsonObject o = QJsonDocument::fromJson(m_sim.readLine()).object();
            m_instances.insert(o.value(QStringLiteral("name")).toString(),
                               {o.value(QStringLiteral("url")).toString(),
                                o.value(QStringLiteral("token")).toString()});
        }
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

    void liveDiagnosis_data() {
        QTest::addColumn<QString>("instance");
        QTest::addColumn<QString>("app");
        QTest::addColumn<QString>("category");
        QTest::newRow("shop-checkout") << "prod-eu"
                                       << "shop-checkout"
                                       << "ImagePullNotFound";
        QTest::newRow("shop-web") << "prod-eu"
                                  << "shop-web"
                                  << "MissingConfigKey";
        QTest::newRow("shop-cart") << "prod-eu"
                                   << "shop-cart"
                                   << "QuotaExceeded";
        QTest::newRow("orders-api") << "prod-us"
                                    << "orders-api"
                                    << "HookFailed";
        QTest::newRow("billing-api") << "prod-eu"
                                     << "billing-api"
                                     << "SyncWindowBlocked";
    }

    void liveDiagnosis() {
        QFETCH(QString, instance);
        QFETCH(QString, app);
        QFETCH(QString, category);
        const auto [url, token] = m_instances.value(instance);
        const QString saved = m_dir.filePath(app + QStringLiteral(".json"));
        const Run r = run({QStringLiteral("diagnose"), QStringLiteral("--server"), url,
                           QStringLiteral("--app"), app, QStringLiteral("--save-bundle"), saved},
                          token);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(topCategory(r.out), category);
        // The token is never printed, and the saved bundle diagnoses the same offline.
        QVERIFY(!r.out.contains(token.toUtf8()) && !r.err.contains(token.toUtf8()));
        QFile f(saved);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().contains(token.toUtf8()));
        const Run offline = run({QStringLiteral("diagnose"), QStringLiteral("--bundle"), saved});
        QVERIFY2(offline.exitCode == 0, offline.err.constData());
        QCOMPARE(topCategory(offline.out), category);
    }

    void markdownForTickets() {
        const auto [url, token] = m_instances.value(QStringLiteral("prod-eu"));
        const Run r = run({QStringLiteral("diagnose"), QStringLiteral("--server"), url,
                           QStringLiteral("--app"), QStringLiteral("payments-api"),
                           QStringLiteral("--output"), QStringLiteral("md")},
                          token);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.startsWith("## Diagnosis of"));
        QVERIFY(r.out.contains("DATABASE_POOL_SIZE"));
        QVERIFY(r.out.contains("Remediation"));
    }

    void errorsAreClear() {
        const auto [url, token] = m_instances.value(QStringLiteral("prod-eu"));
        // Unknown application: the server's NotFound, exit 2.
        Run r = run({QStringLiteral("diagnose"), QStringLiteral("--server"), url,
                     QStringLiteral("--app"), QStringLiteral("no-such-app")},
                    token);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("not found"), r.err.constData());
        // Bad token: unauthorised, and the token is not echoed.
        r = run({QStringLiteral("diagnose"), QStringLiteral("--server"), url,
                 QStringLiteral("--app"), QStringLiteral("shop-web")},
                QStringLiteral("not-a-valid-token-1234"));
        QCOMPARE(r.exitCode, 2);
        QVERIFY(!r.err.contains("not-a-valid-token-1234"));
        // Missing and malformed bundles.
        r = run({QStringLiteral("diagnose"), QStringLiteral("--bundle"),
                 m_dir.filePath(QStringLiteral("missing.json"))});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("cannot read"));
        const QString bad = m_dir.filePath(QStringLiteral("bad.json"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"application\": {\"status\": ");
        f.close();
        r = run({QStringLiteral("diagnose"), QStringLiteral("--bundle"), bad});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("bad.json"), r.err.constData());
        // Both sources at once, or neither.
        r = run({QStringLiteral("diagnose"), QStringLiteral("--bundle"), bad,
                 QStringLiteral("--server"), url, QStringLiteral("--app"), QStringLiteral("x")},
                token);
        QCOMPARE(r.exitCode, 2);
        r = run({QStringLiteral("diagnose")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("--bundle"));
    }
};

QTEST_GUILESS_MAIN(TestCliDiagnose)
#include "tst_clidiagnose.moc"
