// Scenario loading, the generator and the demo scenario.

#include "sim/simulator.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace sextant::sim;

class TestSimScenario : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void loadsValidScenario() {
        QFile f(QStringLiteral(SEXTANT_TEST_DATA_DIR "/sim/valid-scenario.yaml"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray yaml = f.readAll();
        Simulator sim;
        const auto st = sim.loadScenarioYaml(yaml);
        QVERIFY2(st.ok(), qPrintable(st.ok() ? QString() : st.error().shortMessage));
        QCOMPARE(sim.instanceNames(), (QStringList{QStringLiteral("one"), QStringLiteral("two")}));
        QCOMPARE(sim.appNames(QStringLiteral("one")), QStringList{QStringLiteral("web")});
        QCOMPARE(sim.appCount(QStringLiteral("two")), 1);
        QCOMPARE(sim.endpoints().constFirst().password, QStringLiteral("secret"));
        const QJsonObject list =
            QJsonDocument::fromJson(sim.listBody(QStringLiteral("one"))).object();
        const QJsonObject app = list.value(QStringLiteral("items")).toArray().first().toObject();
        const QJsonObject status = app.value(QStringLiteral("status")).toObject();
        QCOMPARE(status.value(QStringLiteral("health"))
                     .toObject()
                     .value(QStringLiteral("status"))
                     .toString(),
                 QStringLiteral("Degraded"));
        QCOMPARE(status.value(QStringLiteral("history"))
                     .toArray()
                     .first()
                     .toObject()
                     .value(QStringLiteral("deployedAt"))
                     .toString(),
                 QStringLiteral("2026-02-01T08:00:00Z"));
        const QJsonObject api = QJsonDocument::fromJson(sim.listBody(QStringLiteral("two")))
                                    .object()
                                    .value(QStringLiteral("items"))
                                    .toArray()
                                    .first()
                                    .toObject();
        QCOMPARE(api.value(QStringLiteral("spec"))
                     .toObject()
                     .value(QStringLiteral("sources"))
                     .toArray()
                     .size(),
                 2);
    }

    void invalidScenarioNamesTheLine_data() {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("expected");
        QTest::newRow("syntax") << QByteArray("instances:\n  - name: a\n    bad: [unclosed\n")
                                << QStringLiteral(":4");
        QTest::newRow("health")
            << QByteArray("instances:\n  - name: a\napplications:\n  - name: x\n    destination: "
                          "{server: s}\n"
                          "    source: {repoURL: r}\n    status:\n      health: Sick\n")
            << QStringLiteral(":8: 'health' is 'Sick'");
        QTest::newRow("destination")
            << QByteArray("applications:\n  - name: x\n    source: {repoURL: r}\n")
            << QStringLiteral(":2: application 'x' needs 'destination'");
        QTest::newRow("not a map")
            << QByteArray("- 1\n- 2\n") << QStringLiteral("must be a YAML map");
    }
    void invalidScenarioNamesTheLine() {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, expected);
        Simulator sim;
        const auto st = sim.loadScenarioYaml(yaml);
        QVERIFY(!st.ok());
        QVERIFY2(st.error().shortMessage.contains(expected), qPrintable(st.error().shortMessage));
    }

    void missingFileIsAnError() {
        Simulator sim;
        QVERIFY(!sim.loadScenarioFile(QStringLiteral("/nonexistent/scenario.yaml")).ok());
    }

    void generatorIsDeterministic() {
        GeneratorOptions o;
        o.apps = 300;
        o.instances = 2;
        o.clusters = 12;
        o.seed = 42;
        Simulator a, b, c;
        a.generate(o);
        b.generate(o);
        o.seed = 43;
        c.generate(o);
        const QString first = a.instanceNames().constFirst();
        QCOMPARE(a.appCount(first), 150);
        QCOMPARE(a.listBody(first), b.listBody(first));
        QCOMPARE(a.listBody(first, QStringLiteral("items.metadata.name,items.status.health")),
                 b.listBody(first, QStringLiteral("items.metadata.name,items.status.health")));
        QVERIFY(a.listBody(first) != c.listBody(first));
        // Realistic content: labels, 40-hex revisions, some unhealthy apps.
        const QJsonArray items = QJsonDocument::fromJson(a.listBody(first))
                                     .object()
                                     .value(QStringLiteral("items"))
                                     .toArray();
        int degradedOrOutOfSync = 0;
        for (const auto& v : items) {
            const QJsonObject app = v.toObject();
            const QJsonObject labels = app.value(QStringLiteral("metadata"))
                                           .toObject()
                                           .value(QStringLiteral("labels"))
                                           .toObject();
            QVERIFY(labels.contains(QStringLiteral("team")) &&
                    labels.contains(QStringLiteral("env")));
            const QJsonObject status = app.value(QStringLiteral("status")).toObject();
            const QJsonArray history = status.value(QStringLiteral("history")).toArray();
            QVERIFY(history.size() >= 3 && history.size() <= 10);
            if (status.value(QStringLiteral("health"))
                        .toObject()
                        .value(QStringLiteral("status"))
                        .toString() != QStringLiteral("Healthy") ||
                status.value(QStringLiteral("sync"))
                        .toObject()
                        .value(QStringLiteral("status"))
                        .toString() != QStringLiteral("Synced"))
                ++degradedOrOutOfSync;
        }
        QVERIFY(degradedOrOutOfSync > 0 && degradedOrOutOfSync < items.size() / 4);
    }

    void demoHasScriptedFailures() {
        Simulator sim;
        const auto st = sim.loadDemo();
        QVERIFY2(st.ok(), qPrintable(st.ok() ? QString() : st.error().shortMessage));
        QCOMPARE(sim.instanceNames(),
                 (QStringList{QStringLiteral("prod-eu"), QStringLiteral("prod-us"),
                              QStringLiteral("staging")}));
        int total = 0;
        for (const auto& i : sim.instanceNames())
            total += sim.appCount(i);
        QVERIFY2(total >= 1900 && total <= 2100, qPrintable(QString::number(total)));
        const QStringList eu = sim.appNames(QStringLiteral("prod-eu"));
        for (const char* name : {"shop-checkout", "shop-web", "shop-cart", "payments-api",
                                 "billing-api", "platform-ingress", "search-api", "reports-api"})
            QVERIFY2(eu.contains(QLatin1String(name)), name);
        const QStringList us = sim.appNames(QStringLiteral("prod-us"));
        for (const char* name : {"orders-api", "inventory-api", "observability-agent"})
            QVERIFY2(us.contains(QLatin1String(name)), name);
        const QByteArray body = sim.listBody(QStringLiteral("prod-eu"));
        QVERIFY(body.contains("exceeded quota: shop-storage"));
        QVERIFY(body.contains("\"namespace\":\"team-a-apps\""));
    }

    void benchmarkFigures() {
        if (qEnvironmentVariableIsEmpty("SEXTANT_SIM_BENCH"))
            QSKIP("set SEXTANT_SIM_BENCH=1 to print generation and serialisation figures for "
                  "50,000 apps");
        GeneratorOptions o;
        o.apps = 50000;
        o.instances = 1;
        QElapsedTimer t;
        t.start();
        Simulator sim;
        sim.generate(o);
        const qint64 gen = t.restart();
        const QByteArray full = sim.listBody(sim.instanceNames().constFirst());
        const qint64 ser = t.restart();
        const QByteArray slim =
            sim.listBody(sim.instanceNames().constFirst(),
                         QStringLiteral("items.metadata.name,items.metadata.namespace,items.spec."
                                        "project,items.status.sync.status,items.status.health"));
        const qint64 ser2 = t.elapsed();
        qInfo("generate 50k: %lld ms; full list: %lld ms, %lld bytes; projected list: %lld ms, "
              "%lld bytes",
              gen, ser, static_cast<long long>(full.size()), ser2,
              static_cast<long long>(slim.size()));
    }
};

QTEST_GUILESS_MAIN(TestSimScenario)
#include "tst_simscenario.moc"
