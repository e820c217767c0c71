// Smoke test of `sextant-cli bench`: tiny sizes, checks that each benchmark prints one JSON
// object with its keys. Never asserts a time: the machines are shared and noisy.

#include "sim/simulator.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

QString cli() {
    return QStringLiteral(SEXTANT_BIN_DIR "/sextant-cli");
}

QJsonObject runBench(const QStringList& args) {
    QProcess p;
    p.start(cli(), QStringList{QStringLiteral("bench")} + args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        return {};
    }
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("sextant-cli bench failed: %s", p.readAllStandardError().constData());
        return {};
    }
    const QList<QByteArray> lines = p.readAllStandardOutput().trimmed().split('\n');
    if (lines.size() != 1)
        return {};
    return QJsonDocument::fromJson(lines.first()).object();
}

} // namespace

class TestBenchSmoke : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        if (!QFile::exists(cli()))
            QFAIL(qPrintable(
                QStringLiteral("%1 is not built (build the sextant-cli target)").arg(cli())));
    }

    void ingest() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        sextant::sim::Simulator sim;
        sextant::sim::GeneratorOptions o;
        o.apps = 40;
        o.instances = 1;
        sim.generate(o);
        QFile f(dir.filePath(QStringLiteral("list.json")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(sim.listBody(sim.instanceNames().value(0)));
        f.close();

        const QJsonObject out = runBench({QStringLiteral("ingest"), f.fileName(),
                                          QStringLiteral("--runs"), QStringLiteral("1")});
        for (const char* key :
             {"bytes", "apps", "runs", "ingest_ms", "simdjson_dom_ms", "nlohmann_dom_ms"})
            QVERIFY2(out.contains(QLatin1String(key)), key);
        QCOMPARE(out.value(QLatin1String("apps")).toInt(), 40);
        QCOMPARE(out.value(QLatin1String("bytes")).toInteger(), f.size());
        // A small body: the indexed walk on one thread.
        QCOMPARE(out.value(QLatin1String("path")).toString(), QStringLiteral("indexed"));
        QCOMPARE(out.value(QLatin1String("threads")).toInt(), 1);

        const QJsonObject dom = runBench(
            {QStringLiteral("ingest"), f.fileName(), QStringLiteral("--runs"), QStringLiteral("1"),
             QStringLiteral("--dom"), QStringLiteral("--threads"), QStringLiteral("1")});
        QCOMPARE(dom.value(QLatin1String("path")).toString(), QStringLiteral("dom"));
        QCOMPARE(dom.value(QLatin1String("apps")).toInt(), 40);
    }

    void fleet() {
        const QJsonObject out =
            runBench({QStringLiteral("fleet"), QStringLiteral("--apps"), QStringLiteral("300"),
                      QStringLiteral("--events-per-second"), QStringLiteral("500"),
                      QStringLiteral("--seconds"), QStringLiteral("1"), QStringLiteral("--runs"),
                      QStringLiteral("1")});
        for (const char* key : {"apps", "ingest_ms", "bytes_per_app", "filter_ms", "sort_ms",
                                "events_applied_per_s", "max_gui_stall_ms"})
            QVERIFY2(out.contains(QLatin1String(key)), key);
        QCOMPARE(out.value(QLatin1String("apps")).toInt(), 300);
        QVERIFY(out.value(QLatin1String("events_applied_per_s")).toDouble() > 0);
        // The first and later keystrokes into the filter box, and the background build between.
        for (const char* key : {"first_keystroke_ms", "later_keystroke_ms",
                                "first_keystroke_cold_ms", "search_build_ms", "first_filter_ms"})
            QVERIFY2(out.contains(QLatin1String(key)), key);
    }

    void cache() {
        const QJsonObject out =
            runBench({QStringLiteral("cache"), QStringLiteral("--apps"), QStringLiteral("200"),
                      QStringLiteral("--runs"), QStringLiteral("1")});
        for (const char* key : {"apps", "bytes", "save_ms", "load_ms", "apply_ms", "total_ms"})
            QVERIFY2(out.contains(QLatin1String(key)), key);
        QCOMPARE(out.value(QLatin1String("apps")).toInt(), 200);
        QVERIFY(out.value(QLatin1String("bytes")).toInteger() > 0);
    }

    // The real console started from a cache of 60 applications, offscreen, measured by its own
    // startup probe; the instance is unreachable, so the rows came from the cache.
    void startup() {
        if (!QFile::exists(QStringLiteral(SEXTANT_BIN_DIR "/sextant")))
            QFAIL("the sextant console is not built (build the sextant target)");
        const QJsonObject out =
            runBench({QStringLiteral("startup"), QStringLiteral("--apps"), QStringLiteral("60"),
                      QStringLiteral("--runs"), QStringLiteral("1"), QStringLiteral("--settle"),
                      QStringLiteral("0")});
        for (const char* key :
             {"apps", "instances", "rows_shown", "view", "cache_bytes", "main_ms", "window_ms",
              "loop_ms", "cache_load_ms", "first_rows_ms", "usable_ms", "max_gui_stall_ms",
              "max_gui_stall_after_ms", "max_gui_busy_ms", "instance_states", "runs"})
            QVERIFY2(out.contains(QLatin1String(key)), key);
        QCOMPARE(out.value(QLatin1String("apps")).toInt(), 60);
        QCOMPARE(out.value(QLatin1String("rows_shown")).toInt(), 60);
        QCOMPARE(out.value(QLatin1String("view")).toString(), QStringLiteral("applications"));
        QVERIFY(out.value(QLatin1String("cache_bytes")).toInteger() > 0);
        QVERIFY(!out.value(QLatin1String("instance_states"))
                     .toArray()
                     .contains(QStringLiteral("live")));
    }

    void pr() {
        // 3 apps x 3 environments on one shared component; 12 changed files: the component,
        // 3 base Deployments and 8 overlay patches, so every application is reached.
        const QJsonObject out =
            runBench({QStringLiteral("pr"), QStringLiteral("--files"), QStringLiteral("12"),
                      QStringLiteral("--apps"), QStringLiteral("3"), QStringLiteral("--runs"),
                      QStringLiteral("1")});
        for (const char* key :
             {"bench", "files", "apps", "applications", "impacted", "objectChanges", "renderer",
              "impactMs", "renderMs", "totalMs", "runs"})
            QVERIFY2(out.contains(QLatin1String(key)), key);
        QCOMPARE(out.value(QLatin1String("bench")).toString(), QStringLiteral("pr"));
        QCOMPARE(out.value(QLatin1String("files")).toInt(), 12);
        QCOMPARE(out.value(QLatin1String("apps")).toInt(), 3);
        QCOMPARE(out.value(QLatin1String("applications")).toInt(), 9);
        QCOMPARE(out.value(QLatin1String("impacted")).toInt(), 9);
        QCOMPARE(out.value(QLatin1String("runs")).toInt(), 1);
        // Raw overlays still show the 8 changed replica patches; a renderer shows more.
        QVERIFY(out.value(QLatin1String("objectChanges")).toInt() >= 8);
        const QString renderer = out.value(QLatin1String("renderer")).toString();
        QVERIFY2(renderer == QLatin1String("raw") ||
                     renderer == QLatin1String("kubectl-kustomize") ||
                     renderer == QLatin1String("kustomize"),
                 qPrintable(renderer));
    }

    void badArguments() {
        QProcess p;
        p.start(cli(), {QStringLiteral("bench"), QStringLiteral("ingest"),
                        QStringLiteral("/nonexistent/list.json")});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
        p.start(cli(), {QStringLiteral("bench"), QStringLiteral("nope")});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
        p.start(cli(), {QStringLiteral("bench"), QStringLiteral("pr"), QStringLiteral("--files"),
                        QStringLiteral("0")});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAllStandardOutput().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestBenchSmoke)
#include "tst_benchsmoke.moc"
