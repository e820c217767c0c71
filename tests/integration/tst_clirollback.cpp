// `sextant-cli rollback rank|plan` against a real `sextant-sim --demo` process over loopback:
// the documented JSON shape, payments-api's top candidate, the Markdown report, the plan of an
// auto-sync application, and bad input. Read-only: nothing here changes the simulator.

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

} // namespace

class TestCliRollback : public QObject {
    Q_OBJECT
private:
    QProcess m_sim;
    QString m_url;
    QString m_token;

    QStringList base(const QString& action, const QString& app) const {
        return {QStringLiteral("rollback"), action, QStringLiteral("--server"), m_url,
                QStringLiteral("--app"),    app};
    }

private slots:
    void initTestCase() {
        if (!QFileInfo::exists(binary("sextant-sim")) || !QFileInfo::exists(binary("sextant-cli")))
            QSKIP("sextant-sim / sextant-cli are not built (build them before this test)");
        m_sim.start(binary("sextant-sim"), {QStringLiteral("--demo")});
        QVERIFY(m_sim.waitForStarted(30000));
        // One JSON line per instance on start; prod-eu comes first.
        while (m_url.isEmpty()) {
            QTRY_VERIFY_WITH_TIMEOUT(m_sim.canReadLine() || m_sim.state() != QProcess::Running,
                                     60000);
            QVERIFY(m_sim.state() == QProcess::Running);
            const QJsonObject o = QJsonDocument::fromJson(m_sim.readLine()).object();
            if (o.value(QStringLiteral("name")).toString() == QLatin1String("prod-eu")) {
                m_url = o.value(QStringLiteral("url")).toString();
                m_token = o.value(QStringLiteral("token")).toString();
            }
        }
    }

    void cleanupTestCase() {
        if (m_sim.state() == QProcess::Running) {
            m_sim.terminate();
            if (!m_sim.waitForFinished(10000))
                m_sim.kill();
        }
    }

    void rankJson() {
        const Run r = run(base(QStringLiteral("rank"), QStringLiteral("payments-api")), m_token);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(doc.value(QStringLiteral("app")).toString(),
                 QStringLiteral("argocd/payments-api"));
        const QJsonArray candidates = doc.value(QStringLiteral("candidates")).toArray();
        QCOMPARE(candidates.size(), 2);
        const QJsonObject top = candidates.first().toObject();
        for (const char* key : {"id", "revision", "deployedAt", "score", "reasons", "risks"})
            QVERIFY2(top.contains(QLatin1String(key)), key);
        QCOMPARE(top.value(QStringLiteral("id")).toInt(), 41);
        QCOMPARE(top.value(QStringLiteral("revision")).toString(),
                 QStringLiteral("7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b"));
        QVERIFY(!top.value(QStringLiteral("reasons")).toArray().isEmpty());
        QVERIFY(top.value(QStringLiteral("score")).toInt() >
                candidates.at(1).toObject().value(QStringLiteral("score")).toInt());
        // Without a local timeline the CLI says what it ranked from.
        QVERIFY(QJsonDocument(doc.value(QStringLiteral("notes")).toArray())
                    .toJson()
                    .contains("No local health timeline"));
    }

    void rankMarkdownWithTokenFile() {
        QTemporaryDir dir;
        const QString tokenFile = dir.filePath(QStringLiteral("token"));
        QFile f(tokenFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(m_token.toUtf8() + '\n');
        f.close();
        const Run r = run(base(QStringLiteral("rank"), QStringLiteral("shop-checkout")) +
                          QStringList{QStringLiteral("--token-file"), tokenFile,
                                      QStringLiteral("--output"), QStringLiteral("md")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.startsWith("# Rollback candidates for argocd/shop-checkout"));
        QVERIFY2(r.out.contains("## 1. History 18"), r.out.constData());
    }

    void planOfAnAutoSyncApp() {
        const Run r = run(base(QStringLiteral("plan"), QStringLiteral("platform-ingress")) +
                              QStringList{QStringLiteral("--id"), QStringLiteral("2")},
                          m_token);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        const QJsonArray plans = doc.value(QStringLiteral("plans")).toArray();
        QCOMPARE(plans.size(), 2);
        const QJsonArray steps = plans.first().toObject().value(QStringLiteral("steps")).toArray();
        QCOMPARE(steps.size(), 3);
        QCOMPARE(steps.first().toObject().value(QStringLiteral("method")).toString(),
                 QStringLiteral("PATCH"));
        QVERIFY(steps.last()
                    .toObject()
                    .value(QStringLiteral("url"))
                    .toString()
                    .endsWith(QStringLiteral("/rollback")));
        QVERIFY(!plans.last().toObject().value(QStringLiteral("available")).toBool());
    }

    void badInput() {
        QCOMPARE(run({QStringLiteral("rollback")}).exitCode, 2);
        QCOMPARE(run({QStringLiteral("rollback"), QStringLiteral("undo")}, m_token).exitCode, 2);
        QCOMPARE(run({QStringLiteral("rollback"), QStringLiteral("rank"),
                      QStringLiteral("--server"), m_url},
                     m_token)
                     .exitCode,
                 2); // no --app
        const Run noToken = run(base(QStringLiteral("rank"), QStringLiteral("payments-api")));
        QCOMPARE(noToken.exitCode, 2);
        QVERIFY(noToken.err.contains("no token"));
        const Run missing = run(base(QStringLiteral("rank"), QStringLiteral("nope")), m_token);
        QCOMPARE(missing.exitCode, 2);
        QVERIFY(missing.err.contains("not found"));
        QCOMPARE(
            run(base(QStringLiteral("plan"), QStringLiteral("payments-api")), m_token).exitCode,
            2); // no --id
        QCOMPARE(run(base(QStringLiteral("plan"), QStringLiteral("payments-api")) +
                         QStringList{QStringLiteral("--id"), QStringLiteral("999")},
                     m_token)
                     .exitCode,
                 2);
        QCOMPARE(run(base(QStringLiteral("rank"), QStringLiteral("payments-api")) +
                         QStringList{QStringLiteral("--output"), QStringLiteral("yaml")},
                     m_token)
                     .exitCode,
                 2);
    }
};

QTEST_GUILESS_MAIN(TestCliRollback)
#include "tst_clirollback.moc"
