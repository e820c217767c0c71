// The proxy's search texts are built on a worker thread when a list arrives, so the first typed
// character does not build them on the GUI thread; rows that change while the worker runs keep
// no stale text, and rows inserted meanwhile are not mixed up with the worker's positions.
#include "fleet/fleetstore.h"
#include "fleetfilterproxy.h"
#include "fleetmodel.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QTimer>

using namespace sextant;
using argocd::AppSummary;

namespace {

QVector<AppSummary> fleetOf(int n, const QString& instance) {
    QVector<AppSummary> apps;
    for (int i = 0; i < n; ++i) {
        AppSummary a;
        a.instance = instance;
        a.appNamespace = QStringLiteral("argocd");
        a.name = QStringLiteral("app-%1").arg(i, 5, 10, QLatin1Char('0'));
        a.project = QStringLiteral("team-%1").arg(i % 7);
        a.labels = {{QStringLiteral("tier"), QStringLiteral("gold")}};
        apps.append(a);
    }
    return apps;
}

// Runs the event loop until the proxy's deferred build has started (its timer fired).
bool waitForBuildStart(models::FleetFilterProxy& proxy) {
    auto* timer = proxy.findChild<QTimer*>(QStringLiteral("searchTextTimer"));
    if (!timer || !timer->isActive())
        return false;
    for (int i = 0; i < 2000 && timer->isActive(); ++i) {
        QCoreApplication::processEvents(QEventLoop::AllEvents);
        if (timer->isActive())
            QThread::msleep(1);
    }
    return !timer->isActive();
}

} // namespace

class TestFleetSearchCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void builtInTheBackground() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        models::FleetFilterProxy proxy;
        proxy.setSourceModel(&model);
        QSignalSpy built(&proxy, &models::FleetFilterProxy::searchTextBuilt);
        store.applySnapshot(QStringLiteral("i1"), fleetOf(3000, QStringLiteral("i1")));
        QVERIFY(!proxy.searchTextReady()); // nothing built on this thread yet
        QTRY_VERIFY_WITH_TIMEOUT(proxy.searchTextReady(), 30000);
        QVERIFY(built.size() >= 1);

        // The texts are the ones filtering uses: every term finds what it should.
        proxy.setText(QStringLiteral("app-0004"));
        QCOMPARE(proxy.rowCount(), 10); // app-00040 .. app-00049
        proxy.setText(QStringLiteral("tier=gold team-3"));
        int expected = 0;
        for (int i = 0; i < 3000; ++i)
            expected += i % 7 == 3;
        QCOMPARE(proxy.rowCount(), expected);
        proxy.setText(QStringLiteral("i1 argocd/app-02999"));
        QCOMPARE(proxy.rowCount(), 1);

        // A status change (most watch events) keeps the text: it holds no status.
        proxy.setText(QString());
        AppSummary degraded = store.at(store.indexOf(QStringLiteral("i1/argocd/app-00010")));
        degraded.health = argocd::HealthStatus::Degraded;
        store.applyEvents({argocd::AppEvent{argocd::WatchEventType::Modified, degraded}});
        QVERIFY(proxy.searchTextReady());
    }

    void rowsChangedWhileBuildingKeepNoStaleText() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        models::FleetFilterProxy proxy;
        proxy.setSourceModel(&model);
        QVector<AppSummary> apps = fleetOf(20000, QStringLiteral("i1"));
        store.applySnapshot(QStringLiteral("i1"), apps);
        QVERIFY(waitForBuildStart(proxy));

        // While the worker runs (its result is applied on this thread, later), one row moves
        // to another project: the worker saw the old one. (Free text, not a label term: label
        // terms match the row's labels, not the search text.)
        AppSummary changed = apps.at(123);
        changed.project = QStringLiteral("relocated");
        store.applyEvents({argocd::AppEvent{argocd::WatchEventType::Modified, changed}});
        QSignalSpy built(&proxy, &models::FleetFilterProxy::searchTextBuilt);
        QVERIFY(built.wait(30000));

        proxy.setText(QStringLiteral("relocated"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.data(proxy.index(0, models::FleetModel::NameColumn)).toString(),
                 changed.name);
        proxy.setText(QStringLiteral("team-4"));
        int expected = 0;
        for (int i = 0; i < 20000; ++i)
            expected += i % 7 == 4 && i != 123;
        QCOMPARE(proxy.rowCount(), expected);
    }

    void rowsRemovedWhileBuilding() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        models::FleetFilterProxy proxy;
        proxy.setSourceModel(&model);
        const QVector<AppSummary> apps = fleetOf(20000, QStringLiteral("i1"));
        store.applySnapshot(QStringLiteral("i1"), apps);
        QVERIFY(waitForBuildStart(proxy));
        // A re-list without the first 300 applications arrives while the worker runs: every
        // position it worked on has moved, so its result is dropped and the build starts over.
        store.applySnapshot(QStringLiteral("i1"), apps.mid(300));
        store.applySnapshot(QStringLiteral("i2"), fleetOf(1500, QStringLiteral("i2")));
        QTRY_VERIFY_WITH_TIMEOUT(proxy.searchTextReady(), 30000);
        proxy.setText(QStringLiteral("i1 argocd/app-00"));
        QCOMPARE(proxy.rowCount(), 1000 - 300); // app-00300 .. app-00999
        proxy.setText(QStringLiteral("i1 argocd/app-00299"));
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setText(QStringLiteral("i1 argocd/app-19999"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.data(proxy.index(0, models::FleetModel::NameColumn)).toString(),
                 QStringLiteral("app-19999"));
        proxy.setText(QStringLiteral("i2 argocd/app-0"));
        QCOMPARE(proxy.rowCount(), 1500);
    }

    void fewChangedRowsAreLeftToTheFilter() {
        // A watch event or two is not worth a thread: the next text filter builds them.
        fleet::FleetStore store;
        models::FleetModel model(&store);
        models::FleetFilterProxy proxy;
        proxy.setSourceModel(&model);
        QVector<AppSummary> apps = fleetOf(5000, QStringLiteral("i1"));
        store.applySnapshot(QStringLiteral("i1"), apps);
        QTRY_VERIFY_WITH_TIMEOUT(proxy.searchTextReady(), 30000);
        AppSummary changed = apps.at(7);
        changed.project = QStringLiteral("moved-project");
        store.applyEvents({argocd::AppEvent{argocd::WatchEventType::Modified, changed}});
        QTest::qWait(100);
        QVERIFY(!proxy.searchTextReady()); // that one row waits for the filter
        proxy.setText(QStringLiteral("moved-project"));
        QCOMPARE(proxy.rowCount(), 1);
    }
};

QTEST_GUILESS_MAIN(TestFleetSearchCache)
#include "tst_fleetsearchcache.moc"
