// A saved instance shows its cached rows at start, before (and without) a connection, and says
// they are cached; removing the instance deletes its cache.
#include "consolesession.h"
#include "fleet/fleetcache.h"
#include "fleet/fleetstore.h"

#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;

class TestSessionCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        // No keychain: the instance cannot connect, so whatever rows appear came from the cache.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/sextant-test-bus");
        qunsetenv("DISPLAY");
        QVERIFY(m_home.isValid());
        qputenv("HOME", m_home.path().toUtf8());
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral(".config")).toUtf8());
        qputenv("XDG_CACHE_HOME", m_home.filePath(QStringLiteral(".cache")).toUtf8());
        qputenv("XDG_DATA_HOME", m_home.filePath(QStringLiteral(".local/share")).toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("SextantCacheTest"));
        QCoreApplication::setApplicationName(QStringLiteral("sextant"));
    }

    // The demo keeps nothing: its incidents and health history stay out of the user's files.
    void demoKeepsNothing() {
        const QString data = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
        ui::ConsoleSession session(nullptr, m_home.filePath(QStringLiteral("audit.jsonl")));
        QVERIFY(session.knowledgeBasePath().startsWith(data));
        session.startDemo();
        QVERIFY(!session.knowledgeBasePath().startsWith(data));
        QVERIFY(!session.healthTimelinePath().startsWith(data));
        QTRY_VERIFY_WITH_TIMEOUT(session.store()->size() > 0, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(session.healthTimelinePath()), 30000);
        QVERIFY(!QFile::exists(data + QStringLiteral("/sextant/health-timeline.sqlite")));
        QVERIFY(!QFile::exists(data + QStringLiteral("/sextant/knowledge.sqlite")));
    }

    void cachedRowsAtStart() {
        argocd::InstanceConfig config;
        config.id = QStringLiteral("prod-eu-id");
        config.name = QStringLiteral("prod-eu");
        config.baseUrl = QUrl(QStringLiteral("https://127.0.0.1:1"));
        {
            QSettings settings;
            settings.beginWriteArray(QStringLiteral("instances"));
            settings.setArrayIndex(0);
            settings.setValue(QStringLiteral("config"), config.toVariantMap());
            settings.endArray();
        }
        QVector<argocd::AppSummary> apps;
        for (int i = 0; i < 50; ++i) {
            argocd::AppSummary a;
            a.instance = config.id;
            a.appNamespace = QStringLiteral("argocd");
            a.name = QStringLiteral("app-%1").arg(i);
            a.health = i == 7 ? argocd::HealthStatus::Degraded : argocd::HealthStatus::Healthy;
            apps.append(a);
        }
        const QString path = fleet::FleetCache::defaultPath(config.id);
        const QDateTime asOf = QDateTime::currentDateTimeUtc().addSecs(-600);
        QVERIFY(fleet::FleetCache::save(path, config.id, apps, asOf).ok());

        ui::ConsoleSession session(nullptr, m_home.filePath(QStringLiteral("audit.jsonl")));
        session.loadSaved();
        QTRY_COMPARE_WITH_TIMEOUT(session.store()->size(), 50, 10000);
        QCOMPARE(session.store()->counts(config.id).degraded, 1);
        QTRY_VERIFY(session.instance(config.id)->cachedAsOf.isValid());
        QCOMPARE(session.instance(config.id)->cachedAsOf.toSecsSinceEpoch(),
                 asOf.toSecsSinceEpoch());

        session.removeInstance(config.id);
        QCOMPARE(session.store()->size(), 0);
        QTRY_VERIFY(!QFile::exists(path));
    }

private:
    QTemporaryDir m_home;
};

QTEST_MAIN(TestSessionCache)
#include "tst_sessioncache.moc"
