// The startup probe (`sextant --startup-probe FILE`) on the real console, in-process: a saved
// instance that cannot be reached (closed loopback port, no keychain) and a local fleet cache
// give a table with the cached rows and one JSON line with the probe's keys. Without a cache
// the probe gives up with an error line instead of hanging. No time is asserted, only that the
// marks come in the order a start goes through.
#include "consolesession.h"
#include "fleet/fleetcache.h"
#include "fleet/fleetstore.h"
#include "fleetfilterproxy.h"
#include "mainwindow.h"
#include "startupprobe.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;

class TestStartupProbe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        // No keychain: the instance cannot sign in, so every row shown came from the cache.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/sextant-test-bus");
        QVERIFY(m_home.isValid());
        qputenv("HOME", m_home.path().toUtf8());
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral(".config")).toUtf8());
        qputenv("XDG_CACHE_HOME", m_home.filePath(QStringLiteral(".cache")).toUtf8());
        qputenv("XDG_DATA_HOME", m_home.filePath(QStringLiteral(".local/share")).toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("SextantProbeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("sextant"));

        // A port nothing listens on.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        m_port = server.serverPort();
        server.close();
    }

    void measuresAStartFromTheCache() {
        const QString id = QStringLiteral("probe-instance");
        saveInstance(id);
        QVector<argocd::AppSummary> apps;
        for (int i = 0; i < 40; ++i) {
            argocd::AppSummary a;
            a.instance = id;
            a.appNamespace = QStringLiteral("argocd");
            a.name = QStringLiteral("cached-%1").arg(i);
            a.project = QStringLiteral("team-%1").arg(i % 3);
            a.health = i % 5 == 0 ? argocd::HealthStatus::Degraded : argocd::HealthStatus::Healthy;
            apps.append(a);
        }
        QVERIFY(fleet::FleetCache::save(fleet::FleetCache::defaultPath(id), id, apps,
                                        QDateTime::currentDateTimeUtc())
                    .ok());
        QSettings().setValue(QStringLiteral("window/tab"), 1); // the table in front

        const QString out = m_home.filePath(QStringLiteral("probe.jsonl"));
        const QJsonObject result = runProbe(out, 0);
        QVERIFY2(!result.contains(QLatin1String("error")),
                 qPrintable(result.value(QLatin1String("error")).toString()));
        for (const char* key :
             {"apps", "rows_shown", "cached_apps", "view", "main_ms", "window_ms", "loop_ms",
              "cache_load_ms", "cache_ready_ms", "store_ms", "first_rows_ms", "usable_ms",
              "max_gui_stall_ms", "max_gui_stall_after_ms", "max_gui_busy_ms",
              "max_gui_busy_after_ms", "settle_ms", "instance_states"})
            QVERIFY2(result.contains(QLatin1String(key)), key);
        QCOMPARE(result.value(QLatin1String("apps")).toInt(), 40);
        QCOMPARE(result.value(QLatin1String("cached_apps")).toInt(), 40);
        QCOMPARE(result.value(QLatin1String("rows_shown")).toInt(), 40);
        QCOMPARE(result.value(QLatin1String("view")).toString(), QStringLiteral("applications"));
        // The marks follow the order of a start (no durations are compared).
        const auto at = [&result](const char* key) {
            return result.value(QLatin1String(key)).toDouble();
        };
        QVERIFY(at("main_ms") <= at("window_ms"));
        // The loop's first timer tick may come after the cache's continuation in the same turn.
        QVERIFY(at("window_ms") <= at("loop_ms"));
        QVERIFY(at("window_ms") <= at("cache_ready_ms"));
        QVERIFY(at("cache_ready_ms") <= at("store_ms"));
        QVERIFY(at("store_ms") <= at("first_rows_ms"));
        QVERIFY(at("first_rows_ms") <= at("usable_ms"));
        // Offline: the instance never went live.
        const QJsonArray states = result.value(QLatin1String("instance_states")).toArray();
        QCOMPARE(states.size(), 1);
        QVERIFY(states.first().toString() !=
                ui::ConsoleSession::stateName(ui::ConsoleSession::State::Live));
        // One line per start, appended.
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll().count('\n'), 1);
    }

    void withoutACacheItGivesUp() {
        const QString id = QStringLiteral("never-cached");
        saveInstance(id);
        QFile::remove(fleet::FleetCache::defaultPath(id));
        const QJsonObject result = runProbe(m_home.filePath(QStringLiteral("empty.jsonl")), 1);
        QVERIFY(result.value(QLatin1String("error")).toString().contains(QLatin1String("no rows")));
        QCOMPARE(result.value(QLatin1String("apps")).toInt(), 0);
        QVERIFY(result.value(QLatin1String("usable_ms")).isNull());
    }

private:
    void saveInstance(const QString& id) {
        argocd::InstanceConfig config;
        config.id = id;
        config.name = id;
        config.baseUrl = QUrl(QStringLiteral("https://127.0.0.1:%1").arg(m_port));
        QSettings settings;
        settings.remove(QStringLiteral("instances"));
        settings.beginWriteArray(QStringLiteral("instances"));
        settings.setArrayIndex(0);
        settings.setValue(QStringLiteral("config"), config.toVariantMap());
        settings.endArray();
    }

    // One start as main() does it; returns the JSON line the probe wrote.
    QJsonObject runProbe(const QString& path, int expectedCode) {
        QElapsedTimer sinceMain;
        sinceMain.start();
        ui::ConsoleSession session(nullptr, m_home.filePath(QStringLiteral("audit.jsonl")));
        // A short give-up time only for the start that has nothing to show.
        ui::StartupProbe probe(path, 0, expectedCode == 0 ? 60000 : 300, sinceMain, &session);
        QSignalSpy finished(&probe, &ui::StartupProbe::finished);
        ui::MainWindow window(&session, nullptr,
                              m_home.filePath(QStringLiteral("history-%1.sqlite").arg(++m_run)));
        window.resize(1200, 800);
        window.show();
        probe.watch(&window);
        session.loadSaved();
        if (!finished.wait(90000) && finished.isEmpty())
            return QJsonObject{{QStringLiteral("error"), QStringLiteral("probe never finished")}};
        if (finished.first().first().toInt() != expectedCode)
            qWarning("probe finished with %d", finished.first().first().toInt());
        if (expectedCode == 0 && expectedCode != finished.first().first().toInt())
            return QJsonObject{{QStringLiteral("error"), QStringLiteral("unexpected exit code")}};
        if (expectedCode == 0)
            // The table really shows the cached rows.
            if (window.fleetView()->model()->rowCount() != session.store()->size())
                return QJsonObject{{QStringLiteral("error"), QStringLiteral("table not filled")}};
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return QJsonObject{{QStringLiteral("error"), QStringLiteral("no output file")}};
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        return QJsonDocument::fromJson(lines.last()).object();
    }

    QTemporaryDir m_home;
    quint16 m_port = 1;
    int m_run = 0;
};

QTEST_MAIN(TestStartupProbe)
#include "tst_startupprobe.moc"
