// `sextant-cli report fleet` as a CronJob runs it: against a real `sextant-sim --demo` process
// (three instances over loopback), as Markdown, JSON and HTML, and posted to a webhook receiver
// on loopback — the exact body, the secret URL never printed, a 500 answer and a timeout.

#include "hookreceiver.h"
#include "processrun.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

namespace {

using sextant::test::binary;
using Run = sextant::test::ProcessRun;

const QString kHookPath = QStringLiteral("/hooks/T0001/B0002/cronPathSecret");

} // namespace

class TestReportCli : public QObject {
    Q_OBJECT
private:
    QProcess m_sim;
    QStringList m_names;
    QHash<QString, QPair<QString, QString>> m_instances; // name -> url, token

    // Every instance, each with its own token.
    QStringList servers() const {
        QStringList args;
        for (const QString& name : m_names) {
            const auto [url, token] = m_instances.value(name);
            args << QStringLiteral("--server") << url << QStringLiteral("--token") << token
                 << QStringLiteral("--instance-name") << name;
        }
        return args;
    }

    QStringList one(const QString& name) const {
        const auto [url, token] = m_instances.value(name);
        return {QStringLiteral("--server"), url, QStringLiteral("--token"), token};
    }

    // Runs the CLI without blocking the event loop, so the in-process receiver can answer.
    Run runAsync(const QStringList& args, const QProcessEnvironment& env) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(binary("sextant-cli"), args);
        Run r;
        if (!p.waitForStarted(30000))
            return r;
        QElapsedTimer waited;
        waited.start();
        while (p.state() != QProcess::NotRunning && waited.elapsed() < 120000)
            QTest::qWait(20);
        if (p.state() != QProcess::NotRunning) {
            p.kill();
            p.waitForFinished(5000);
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }

    QProcessEnvironment hookEnv(const sextant::test::HookReceiver& hook) const {
        QProcessEnvironment env = sextant::test::environmentWithToken();
        env.insert(QStringLiteral("REPORT_HOOK"), hook.url(kHookPath));
        return env;
    }

private slots:
    void initTestCase() {
        if (!QFileInfo::exists(binary("sextant-sim")) || !QFileInfo::exists(binary("sextant-cli")))
            QSKIP("sextant-sim / sextant-cli are not built (build them before this test)");
        m_sim.start(binary("sextant-sim"), {QStringLiteral("--demo")});
        QVERIFY(m_sim.waitForStarted(30000));
        while (m_instances.size() < 3) {
            QTRY_VERIFY_WITH_TIMEOUT(m_sim.canReadLine() || m_sim.state() != QProcess::Running,
                                     60000);
            QVERIFY(m_sim.state() == QProcess::Running);
            const QJsonObject o = QJsonDocument::fromJson(m_sim.readLine()).object();
            const QString name = o.value(QStringLiteral("name")).toString();
            m_names << name;
            m_instances.insert(name, {o.value(QStringLiteral("url")).toString(),
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

    void markdownNamesTheScriptedFailures() {
        const Run r =
            sextant::test::runCli(QStringList{QStringLiteral("report"), QStringLiteral("fleet"),
                                              QStringLiteral("--diagnose"), QStringLiteral("20")} +
                                  servers());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString md = QString::fromUtf8(r.out);
        QVERIFY(md.startsWith(QStringLiteral("# Fleet report · ")));
        for (const char* section :
             {"## Needs attention first", "## What is failing and why",
              "## What changed (last 24 h)", "## Drift: ", "### Infrastructure", "### Application",
              "## Fleet at a glance"})
            QVERIFY2(md.contains(QLatin1String(section)), section);
        // The scripted failures, each with its diagnosed root cause.
        QVERIFY(md.contains(QLatin1String("**shop-checkout**")));
        QVERIFY(md.contains(QLatin1String("Root cause (ImagePullNotFound")));
        QVERIFY(md.contains(QLatin1String("registry.example.com/shop/checkout:v2.41.0")));
        QVERIFY(md.contains(QLatin1String("Root cause (QuotaExceeded"))); // shop-cart
        QVERIFY(md.contains(QLatin1String("Root cause (HookFailed")));    // orders-api
        QVERIFY(md.contains(QLatin1String("prod-eu | production")));
        for (const QString& name : m_names) {
            const QByteArray token = m_instances.value(name).second.toUtf8();
            QVERIFY(!r.out.contains(token) && !r.err.contains(token));
        }
    }

    void jsonReport() {
        const Run r =
            sextant::test::runCli(QStringList{QStringLiteral("report"), QStringLiteral("fleet"),
                                              QStringLiteral("--output"), QStringLiteral("json"),
                                              QStringLiteral("--diagnose"), QStringLiteral("20"),
                                              QStringLiteral("--since"), QStringLiteral("7d")} +
                                  servers());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j[QLatin1String("format")].toString(), QStringLiteral("sextant.fleet-report/v1"));
        QCOMPARE(j[QLatin1String("instances")].toArray().size(), 3);
        QCOMPARE(j[QLatin1String("period")][QLatin1String("seconds")].toInt(), 7 * 86400);
        QVERIFY(j[QLatin1String("totals")][QLatin1String("apps")].toInt() > 1500);
        bool found = false;
        for (const QJsonValue& v : j[QLatin1String("failing")][QLatin1String("items")].toArray()) {
            const QJsonObject f = v.toObject();
            if (f[QLatin1String("app")].toString() != QLatin1String("shop-checkout"))
                continue;
            found = true;
            QCOMPARE(f[QLatin1String("instance")].toString(), QStringLiteral("prod-eu"));
            QCOMPARE(f[QLatin1String("environment")].toString(), QStringLiteral("production"));
            QCOMPARE(f[QLatin1String("diagnosis")][QLatin1String("category")].toString(),
                     QStringLiteral("ImagePullNotFound"));
        }
        QVERIFY(found);
        QVERIFY(j[QLatin1String("changes")][QLatin1String("total")].toInt() > 0);
        QVERIFY(j[QLatin1String("drift")][QLatin1String("total")].toInt() > 0);
    }

    void htmlReport() {
        const Run r =
            sextant::test::runCli(QStringList{QStringLiteral("report"), QStringLiteral("fleet"),
                                              QStringLiteral("--output"), QStringLiteral("html"),
                                              QStringLiteral("--diagnose"), QStringLiteral("0")} +
                                  one(QStringLiteral("prod-eu")));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.startsWith("<!DOCTYPE html>"));
        QVERIFY(r.out.contains("shop-checkout"));
        QVERIFY(r.out.trimmed().endsWith("</html>"));
    }

    void unreadableInstanceIsNamedAndFailsTheRun() {
        // One instance answers, one does not: the report is still written, with a note naming
        // the missing instance, and the exit code tells the pipeline something is wrong.
        const Run r = sextant::test::runCli(
            QStringList{QStringLiteral("report"), QStringLiteral("fleet"),
                        QStringLiteral("--diagnose"), QStringLiteral("0")} +
            one(QStringLiteral("staging")) +
            QStringList{QStringLiteral("--server"), QStringLiteral("http://127.0.0.1:1"),
                        QStringLiteral("--token"), QStringLiteral("t"),
                        QStringLiteral("--instance-name"), QStringLiteral("gone"),
                        QStringLiteral("--timeout"), QStringLiteral("3")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.startsWith("# Fleet report"));
        QVERIFY2(r.out.contains("gone could not be read"), r.out.right(800).constData());
        QVERIFY(r.err.contains("gone:"));
    }

    void badOptions_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no server") << QStringList{} << "at least one --server";
        QTest::newRow("output") << QStringList{"--server", "http://127.0.0.1:1", "--output", "pdf"}
                                << "--output must be";
        QTest::newRow("since") << QStringList{"--server", "http://127.0.0.1:1", "--since", "soon"}
                               << "--since must be";
        QTest::newRow("now") << QStringList{"--server", "http://127.0.0.1:1", "--now", "today"}
                             << "--now must be";
        QTest::newRow("post without url")
            << QStringList{"--server", "http://127.0.0.1:1", "--post", "slack"} << "go together";
        QTest::newRow("post kind") << QStringList{"--server", "http://127.0.0.1:1", "--post",
                                                  "teams",    "--webhook-url-env",  "REPORT_HOOK"}
                                   << "slack or webhook";
    }

    void badOptions() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = sextant::test::runCli(
            QStringList{QStringLiteral("report"), QStringLiteral("fleet")} + args,
            QStringLiteral("t"));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
    }

    void insecureWebhookUrlIsRefusedWithoutPrintingIt() {
        QProcessEnvironment env = sextant::test::environmentWithToken(QStringLiteral("t"));
        env.insert(QStringLiteral("REPORT_HOOK"),
                   QStringLiteral("http://hooks.example.com") + kHookPath);
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(binary("sextant-cli"),
                {QStringLiteral("report"), QStringLiteral("fleet"), QStringLiteral("--server"),
                 QStringLiteral("http://127.0.0.1:1"), QStringLiteral("--post"),
                 QStringLiteral("slack"), QStringLiteral("--webhook-url-env"),
                 QStringLiteral("REPORT_HOOK")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);
        const QByteArray err = p.readAllStandardError();
        QVERIFY(err.contains("https"));
        QVERIFY(!err.contains("cronPathSecret"));
    }

    void postsToAGenericWebhook() {
        sextant::test::HookReceiver hook;
        QVERIFY(hook.listen());
        const Run r = runAsync(QStringList{QStringLiteral("report"), QStringLiteral("fleet"),
                                           QStringLiteral("--diagnose"), QStringLiteral("3"),
                                           QStringLiteral("--post"), QStringLiteral("webhook"),
                                           QStringLiteral("--webhook-url-env"),
                                           QStringLiteral("REPORT_HOOK")} +
                                   one(QStringLiteral("prod-eu")),
                               hookEnv(hook));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(hook.requests.size(), 1);
        const auto& got = hook.requests.first();
        QCOMPARE(got.method, QByteArray("POST"));
        QCOMPARE(got.path, kHookPath.toUtf8());
        const QJsonObject j = QJsonDocument::fromJson(got.body).object();
        QCOMPARE(j.keys(), (QStringList{"markdown", "report", "summary", "title"}));
        // The markdown posted is the markdown printed.
        QCOMPARE(j[QLatin1String("markdown")].toString(), QString::fromUtf8(r.out));
        QVERIFY(j[QLatin1String("title")].toString().startsWith(QStringLiteral("Fleet report · ")));
        QCOMPARE(j[QLatin1String("report")][QLatin1String("format")].toString(),
                 QStringLiteral("sextant.fleet-report/v1"));
        QVERIFY(j[QLatin1String("summary")].toString().contains(QLatin1String("failing")));
        // The secret part of the URL is never printed.
        QVERIFY(!r.out.contains("cronPathSecret") && !r.err.contains("cronPathSecret"));
        QVERIFY2(r.err.contains("posted the report to http://127.0.0.1:"), r.err.constData());
    }

    void postsToSlack() {
        sextant::test::HookReceiver hook;
        QVERIFY(hook.listen());
        const Run r = runAsync(QStringList{QStringLiteral("report"), QStringLiteral("fleet"),
                                           QStringLiteral("--diagnose"), QStringLiteral("2"),
                                           QStringLiteral("--post"), QStringLiteral("slack"),
                                           QStringLiteral("--webhook-url-env"),
                                           QStringLiteral("REPORT_HOOK")} +
                                   servers(),
                               hookEnv(hook));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(hook.requests.size(), 1);
        const QJsonObject j = QJsonDocument::fromJson(hook.requests.first().body).object();
        QVERIFY(j[QLatin1String("text")].toString().size() <= 40000);
        const QJsonArray blocks = j[QLatin1String("blocks")].toArray();
        QVERIFY(!blocks.isEmpty() && blocks.size() <= 50);
        QCOMPARE(blocks.first()[QLatin1String("type")].toString(), QStringLiteral("header"));
        for (const QJsonValue& b : blocks)
            if (b[QLatin1String("type")].toString() == QLatin1String("section"))
                QVERIFY(b[QLatin1String("text")][QLatin1String("text")].toString().size() <= 3000);
        QVERIFY(j[QLatin1String("text")].toString().contains(QLatin1String("shop-checkout")));
    }

    void serverErrorFailsThePost() {
        sextant::test::HookReceiver hook;
        hook.status = 500;
        hook.answer = "upstream unavailable";
        QVERIFY(hook.listen());
        const Run r = runAsync(QStringList{QStringLiteral("report"), QStringLiteral("fleet"),
                                           QStringLiteral("--diagnose"), QStringLiteral("0"),
                                           QStringLiteral("--post"), QStringLiteral("webhook"),
                                           QStringLiteral("--webhook-url-env"),
                                           QStringLiteral("REPORT_HOOK")} +
                                   one(QStringLiteral("staging")),
                               hookEnv(hook));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("HTTP 500"), r.err.constData());
        QVERIFY(r.err.contains("upstream unavailable"));
        QVERIFY(!r.err.contains("cronPathSecret"));
        QCOMPARE(hook.requests.size(), 1);
    }

    void silentWebhookTimesOut() {
        sextant::test::HookReceiver hook;
        hook.silent = true;
        QVERIFY(hook.listen());
        const Run r = runAsync(QStringList{QStringLiteral("report"), QStringLiteral("fleet"),
                                           QStringLiteral("--timeout"), QStringLiteral("2"),
                                           QStringLiteral("--diagnose"), QStringLiteral("0"),
                                           QStringLiteral("--post"), QStringLiteral("webhook"),
                                           QStringLiteral("--webhook-url-env"),
                                           QStringLiteral("REPORT_HOOK")} +
                                   one(QStringLiteral("staging")),
                               hookEnv(hook));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("did not answer"), r.err.constData());
        QVERIFY(!r.err.contains("cronPathSecret"));
    }
};

QTEST_GUILESS_MAIN(TestReportCli)
#include "tst_reportcli.moc"
