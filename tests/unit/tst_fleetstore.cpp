// The range updater: every mix of removals, changes and additions must leave a view that
// replays the store's signals identical to the store, with no signal for unchanged rows.
#include "fleet/fleetstore.h"
#include "fleetmodel.h"

#include <QAbstractItemModelTester>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <optional>

using namespace sextant;
using argocd::AppEvent;
using argocd::AppSummary;
using argocd::HealthStatus;
using argocd::SyncStatus;
using argocd::WatchEventType;

namespace {

AppSummary app(const QString& instance, const QString& name,
               HealthStatus h = HealthStatus::Healthy) {
    AppSummary a;
    a.instance = instance;
    a.name = name;
    a.appNamespace = QStringLiteral("argocd");
    a.project = QStringLiteral("default");
    a.destServer = QStringLiteral("https://kubernetes.default.svc");
    a.destNamespace = name;
    a.sync = SyncStatus::Synced;
    a.health = h;
    return a;
}

// A view that knows only what the model's signals told it.
class ShadowView : public QObject {
public:
    explicit ShadowView(QAbstractItemModel* model)
        : m_model(model) {
        for (int r = 0; r < model->rowCount(); ++r)
            keys.append(keyAt(r));
        connect(model, &QAbstractItemModel::rowsInserted, this,
                [this](const QModelIndex&, int first, int last) {
                    for (int r = first; r <= last; ++r)
                        keys.insert(r, keyAt(r));
                    ++insertSignals;
                });
        connect(model, &QAbstractItemModel::rowsRemoved, this,
                [this](const QModelIndex&, int first, int last) {
                    keys.remove(first, last - first + 1);
                    ++removeSignals;
                });
        connect(model, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex& tl, const QModelIndex& br) {
                    for (int r = tl.row(); r <= br.row(); ++r)
                        changedRows.insert(keyAt(r));
                    ++changeSignals;
                });
    }
    QString keyAt(int r) const {
        return m_model->index(r, 0).data(models::FleetModel::KeyRole).toString();
    }

    QStringList keys;
    QSet<QString> changedRows;
    int insertSignals = 0, removeSignals = 0, changeSignals = 0;

private:
    QAbstractItemModel* m_model;
};

// What counts() must say, computed the slow way.
fleet::FleetCounts scanCounts(const fleet::FleetStore& store, const QString& instance = {}) {
    fleet::FleetCounts c;
    for (int r = 0; r < store.size(); ++r) {
        const AppSummary& a = store.at(r);
        if (!instance.isEmpty() && a.instance != instance)
            continue;
        ++c.apps;
        c.outOfSync += a.sync == SyncStatus::OutOfSync;
        c.degraded += a.health == HealthStatus::Degraded;
        c.progressing += a.health == HealthStatus::Progressing;
        c.syncFailed += a.syncFailed();
    }
    return c;
}

void waitIdle(fleet::FleetStore& store) {
    if (store.pendingBatches() == 0)
        return;
    QSignalSpy idle(&store, &fleet::FleetStore::asyncIdle);
    QVERIFY(idle.wait(10000));
    QCOMPARE(store.pendingBatches(), 0);
}

} // namespace

class TestFleetStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void snapshotInsertsOnce() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ShadowView view(&model);
        QVector<AppSummary> apps;
        for (int i = 0; i < 100; ++i)
            apps.append(app(QStringLiteral("a"), QStringLiteral("app-%1").arg(i)));
        store.applySnapshot(QStringLiteral("a"), apps);
        QCOMPARE(store.size(), 100);
        QCOMPARE(view.insertSignals, 1);
        QCOMPARE(view.keys.size(), 100);
    }

    void unchangedSnapshotEmitsNothing() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        QVector<AppSummary> apps{app(QStringLiteral("a"), QStringLiteral("x")),
                                 app(QStringLiteral("a"), QStringLiteral("y"))};
        store.applySnapshot(QStringLiteral("a"), apps);
        ShadowView view(&model);
        store.applySnapshot(QStringLiteral("a"), apps);
        QCOMPARE(view.insertSignals + view.removeSignals + view.changeSignals, 0);
    }

    void changeIsRoleSpecific() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        store.applySnapshot(QStringLiteral("a"), {app(QStringLiteral("a"), QStringLiteral("x"))});
        QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);
        AppSummary changed = app(QStringLiteral("a"), QStringLiteral("x"), HealthStatus::Degraded);
        store.applyEvents({AppEvent{WatchEventType::Modified, changed}});
        QCOMPARE(spy.size(), 1);
        const auto tl = spy.at(0).at(0).value<QModelIndex>();
        const auto br = spy.at(0).at(1).value<QModelIndex>();
        QCOMPARE(tl.column(), int(models::FleetModel::HealthColumn));
        QCOMPARE(br.column(), int(models::FleetModel::HealthColumn));
    }

    // A new resourceVersion alone is a change of the store (ChangedVersion) that no column
    // shows: the model stays quiet, so sorted proxies do not move the row.
    void versionOnlyChangeIsNotRepainted() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        store.applySnapshot(QStringLiteral("a"), {app(QStringLiteral("a"), QStringLiteral("x"))});
        QSignalSpy modelSpy(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy storeSpy(&store, &fleet::FleetStore::rowsChanged);
        AppSummary changed = app(QStringLiteral("a"), QStringLiteral("x"));
        changed.resourceVersion = QStringLiteral("42");
        store.applyEvents({AppEvent{WatchEventType::Modified, changed}});
        QCOMPARE(storeSpy.size(), 1);
        QCOMPARE(storeSpy.at(0).at(2).value<fleet::ChangedFields>(),
                 fleet::ChangedFields(fleet::ChangedVersion));
        QCOMPARE(modelSpy.size(), 0);
        QCOMPARE(store.at(0).resourceVersion, QStringLiteral("42"));
        // With a visible change too, only the visible column is repainted.
        changed.resourceVersion = QStringLiteral("43");
        changed.sync = SyncStatus::OutOfSync;
        store.applyEvents({AppEvent{WatchEventType::Modified, changed}});
        QCOMPARE(modelSpy.size(), 1);
        QCOMPARE(modelSpy.at(0).at(0).value<QModelIndex>().column(),
                 int(models::FleetModel::SyncColumn));
        QCOMPARE(modelSpy.at(0).at(1).value<QModelIndex>().column(),
                 int(models::FleetModel::SyncColumn));
    }

    void snapshotOfOneInstanceLeavesOthers() {
        fleet::FleetStore store;
        store.applySnapshot(QStringLiteral("a"), {app(QStringLiteral("a"), QStringLiteral("x"))});
        store.applySnapshot(QStringLiteral("b"), {app(QStringLiteral("b"), QStringLiteral("x"))});
        store.applySnapshot(QStringLiteral("a"), {});
        QCOMPARE(store.size(), 1);
        QCOMPARE(store.at(0).instance, QStringLiteral("b"));
        QCOMPARE(store.counts(QStringLiteral("b")).apps, 1);
    }

    void addedThenDeletedInOneBatchNeverShows() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        ShadowView view(&model);
        const AppSummary a = app(QStringLiteral("a"), QStringLiteral("tmp"));
        store.applyEvents(
            {AppEvent{WatchEventType::Added, a}, AppEvent{WatchEventType::Deleted, a}});
        QCOMPARE(store.size(), 0);
        QCOMPARE(view.insertSignals, 0);
    }

    // Random batches of removals, changes and additions, checked against a plain model of the
    // truth after every batch.
    // Random batches of removals, changes and additions, checked against a plain model of the
    // truth after every batch; the same with batches prepared off the GUI thread, and with
    // async batches interleaved with synchronous ones (plans prepared against stale rows).
    void randomMixesMatchTruth_data() {
        QTest::addColumn<quint32>("seed");
        QTest::addColumn<int>("mode"); // 0 sync, 1 async, 2 async with sync interleaved
        for (quint32 s = 1; s <= 40; ++s) {
            QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(s))) << s << 0;
            QTest::newRow(qPrintable(QStringLiteral("seed %1 async").arg(s))) << s << 1;
            if (s <= 15)
                QTest::newRow(qPrintable(QStringLiteral("seed %1 mixed").arg(s))) << s << 2;
        }
    }
    void randomMixesMatchTruth() {
        QFETCH(quint32, seed);
        QFETCH(int, mode);
        QRandomGenerator rng(seed);
        fleet::FleetStore store;
        models::FleetModel model(&store);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ShadowView view(&model);
        QMap<QString, AppSummary> truth; // key -> app
        const QStringList instances{QStringLiteral("i1"), QStringLiteral("i2")};

        for (int round = 0; round < 30; ++round) {
            view.changedRows.clear();
            QSet<QString> expectChanged;
            if (rng.bounded(3) == 0) {
                // Snapshot for one instance: keep some, drop some, change some, add some.
                const QString inst = instances[rng.bounded(2)];
                QVector<AppSummary> next;
                for (auto it = truth.begin(); it != truth.end(); ++it) {
                    if (it->instance != inst)
                        continue;
                    const int dice = rng.bounded(4);
                    if (dice == 0)
                        continue; // removed
                    AppSummary a = *it;
                    if (dice == 1) {
                        a.health = a.health == HealthStatus::Healthy ? HealthStatus::Degraded
                                                                     : HealthStatus::Healthy;
                        expectChanged.insert(a.key());
                    }
                    next.append(a);
                }
                const int adds = rng.bounded(6);
                for (int k = 0; k < adds; ++k)
                    next.append(app(inst, QStringLiteral("n%1-%2").arg(round).arg(k)));
                if (mode == 0)
                    store.applySnapshot(inst, next);
                else
                    store.applySnapshotAsync(inst, next);
                for (auto it = truth.begin(); it != truth.end();) {
                    if (it->instance == inst)
                        it = truth.erase(it);
                    else
                        ++it;
                }
                for (const AppSummary& a : next)
                    truth.insert(a.key(), a);
            } else {
                QVector<AppEvent> events;
                const int n = 1 + rng.bounded(12);
                const QStringList keys = truth.keys();
                for (int k = 0; k < n; ++k) {
                    const int dice = rng.bounded(3);
                    if (dice == 0 || keys.isEmpty()) {
                        const AppSummary a = app(instances[rng.bounded(2)],
                                                 QStringLiteral("e%1-%2").arg(round).arg(k));
                        events.append({WatchEventType::Added, a});
                    } else {
                        AppSummary a = truth.value(keys[rng.bounded(int(keys.size()))]);
                        if (dice == 1) {
                            events.append({WatchEventType::Deleted, a});
                        } else {
                            a.sync = a.sync == SyncStatus::Synced ? SyncStatus::OutOfSync
                                                                  : SyncStatus::Synced;
                            events.append({WatchEventType::Modified, a});
                        }
                    }
                }
                // Truth: the last event per key wins.
                QHash<QString, AppEvent> last;
                for (const AppEvent& e : events)
                    last.insert(e.app.key(), e);
                for (const AppEvent& e : std::as_const(last)) {
                    if (e.type == WatchEventType::Deleted) {
                        truth.remove(e.app.key());
                    } else {
                        if (truth.contains(e.app.key()) && truth.value(e.app.key()) != e.app)
                            expectChanged.insert(e.app.key());
                        truth.insert(e.app.key(), e.app);
                    }
                }
                if (mode == 0) {
                    store.applyEvents(events);
                } else if (mode == 2 && rng.bounded(2) == 0) {
                    // An async batch in flight, then a synchronous one for other apps: the
                    // async plan is stale by the time it lands and must be redone.
                    QSet<QString> eventKeys;
                    for (const AppEvent& e : events)
                        eventKeys.insert(e.app.key());
                    std::optional<AppSummary> other;
                    for (const AppSummary& a : std::as_const(truth)) {
                        if (!eventKeys.contains(a.key())) {
                            other = a;
                            break;
                        }
                    }
                    store.applyEventsAsync(events);
                    if (other) {
                        other->health = other->health == HealthStatus::Healthy
                                            ? HealthStatus::Degraded
                                            : HealthStatus::Healthy;
                        QVERIFY(store.pendingBatches() > 0);
                        store.applyEvents({AppEvent{WatchEventType::Modified, *other}});
                        truth.insert(other->key(), *other);
                        expectChanged.insert(other->key());
                    }
                } else {
                    store.applyEventsAsync(events);
                }
            }
            waitIdle(store);

            // The view replayed from signals equals the store, which equals the truth.
            QCOMPARE(view.keys.size(), store.size());
            for (int r = 0; r < store.size(); ++r) {
                QCOMPARE(view.keys[r], store.at(r).key());
                QCOMPARE(store.at(r), truth.value(store.at(r).key()));
                QCOMPARE(store.indexOf(store.at(r).key()), r);
            }
            QCOMPARE(store.size(), int(truth.size()));
            // Every real change was announced, and nothing that did not change.
            for (const QString& key : expectChanged)
                QVERIFY2(view.changedRows.contains(key), qPrintable(key));
            QCOMPARE(view.changedRows.size(), expectChanged.size());
            // Counts are kept incrementally: they equal a full scan.
            QCOMPARE(store.counts(), scanCounts(store));
            for (const QString& inst : instances)
                QCOMPARE(store.counts(inst), scanCounts(store, inst));
        }
    }

    // A synchronous batch while an async one is prepared: the prepared plan is stale and is
    // redone, so the view, the index and the counts stay exact whatever the order of events.
    void staleAsyncPlanIsRedone() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ShadowView view(&model);
        QVector<AppSummary> apps;
        for (int i = 0; i < 2000; ++i)
            apps.append(app(QStringLiteral("a"), QStringLiteral("app-%1").arg(i)));
        store.applySnapshot(QStringLiteral("a"), apps);

        // Async: drop the first 1000, degrade the rest. Sync on top: delete app-1500.
        QVector<AppSummary> next;
        for (int i = 1000; i < 2000; ++i)
            next.append(
                app(QStringLiteral("a"), QStringLiteral("app-%1").arg(i), HealthStatus::Degraded));
        store.applySnapshotAsync(QStringLiteral("a"), next);
        QCOMPARE(store.pendingBatches(), 1);
        store.applyEvents({AppEvent{WatchEventType::Deleted, apps[1500]}});
        QCOMPARE(store.size(), 1999);
        waitIdle(store);
        // The snapshot is the newer truth: app-1500 is back, degraded.
        QCOMPARE(store.size(), 1000);
        QCOMPARE(view.keys.size(), 1000);
        for (int r = 0; r < store.size(); ++r) {
            QCOMPARE(view.keys[r], store.at(r).key());
            QCOMPARE(store.indexOf(store.at(r).key()), r);
            QVERIFY(store.at(r).health == HealthStatus::Degraded);
        }
        QCOMPARE(store.counts().degraded, 1000);
        QCOMPARE(store.counts(), scanCounts(store));
    }

    // Removing an instance also drops its batches that are queued or being prepared: an
    // instance removed by the user never comes back from a late answer.
    void removeInstanceDropsPendingBatches() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ShadowView view(&model);
        store.applySnapshot(QStringLiteral("keep"),
                            {app(QStringLiteral("keep"), QStringLiteral("k"))});
        QVector<AppSummary> gone;
        for (int i = 0; i < 3000; ++i)
            gone.append(app(QStringLiteral("gone"), QStringLiteral("app-%1").arg(i)));
        store.applySnapshotAsync(QStringLiteral("gone"), gone); // in flight
        store.applyEventsAsync(
            {AppEvent{WatchEventType::Added, app(QStringLiteral("gone"), QStringLiteral("late"))},
             AppEvent{WatchEventType::Added, app(QStringLiteral("keep"), QStringLiteral("k2"))}});
        store.applySnapshotAsync(QStringLiteral("gone"), gone); // queued
        QCOMPARE(store.pendingBatches(), 3);
        store.removeInstance(QStringLiteral("gone"));
        waitIdle(store);
        QCOMPARE(store.size(), 2);
        QCOMPARE(store.counts(QStringLiteral("gone")).apps, 0);
        QCOMPARE(store.counts(), scanCounts(store));
        QCOMPARE(view.keys.size(), 2);
        for (int r = 0; r < store.size(); ++r)
            QCOMPARE(store.at(r).instance, QStringLiteral("keep"));
    }

    // Thousands of scattered changes are announced in slices with the event loop running in
    // between; a synchronous batch arriving meanwhile first completes the announcements.
    void slicedAnnouncementsStayConsistent_data() {
        QTest::addColumn<bool>("interrupt");
        QTest::newRow("event loop runs") << false;
        QTest::newRow("sync batch mid-way") << true;
    }
    void slicedAnnouncementsStayConsistent() {
        QFETCH(bool, interrupt);
        fleet::FleetStore store;
        models::FleetModel model(&store);
        ShadowView view(&model);
        QVector<AppSummary> apps;
        for (int i = 0; i < 20000; ++i)
            apps.append(app(QStringLiteral("a"), QStringLiteral("app-%1").arg(i)));
        store.applySnapshot(QStringLiteral("a"), apps);

        // Every other row changes (10,000 one-row ranges), one is deleted, one is added.
        QVector<AppEvent> events;
        QSet<QString> expectChanged;
        for (int i = 0; i < apps.size(); i += 2) {
            AppSummary a = apps[i];
            a.sync = SyncStatus::OutOfSync;
            events.append({WatchEventType::Modified, a});
            expectChanged.insert(a.key());
        }
        events.append({WatchEventType::Deleted, apps[1]});
        events.append({WatchEventType::Added, app(QStringLiteral("a"), QStringLiteral("new"))});
        QSignalSpy batches(&store, &fleet::FleetStore::batchApplied);
        QSignalSpy changedSpy(&store, &fleet::FleetStore::rowsChanged);
        store.applyEventsAsync(events);
        // Wait for the first slice, then either let the loop finish or interrupt it.
        QTRY_VERIFY_WITH_TIMEOUT(changedSpy.size() > 0, 10000);
        if (interrupt) {
            AppSummary late = apps[3];
            late.health = HealthStatus::Degraded;
            store.applyEvents({AppEvent{WatchEventType::Modified, late}});
            expectChanged.insert(late.key());
            QCOMPARE(batches.size(), 2); // the async one completed first
        }
        waitIdle(store);
        QCOMPARE(store.size(), 20000);
        QCOMPARE(view.keys.size(), store.size());
        for (int r = 0; r < store.size(); ++r) {
            QCOMPARE(view.keys[r], store.at(r).key());
            QCOMPARE(store.indexOf(store.at(r).key()), r);
        }
        QCOMPARE(view.changedRows, expectChanged);
        QCOMPARE(store.counts().outOfSync, 10000);
        QCOMPARE(store.counts(), scanCounts(store));
        QCOMPARE(store.indexOf(QStringLiteral("a/argocd/new")), 19999);
    }

    // Event batches waiting behind a running one are merged and applied in order.
    void queuedEventBatchesMerge() {
        fleet::FleetStore store;
        QVector<AppSummary> apps;
        for (int i = 0; i < 100; ++i)
            apps.append(app(QStringLiteral("a"), QStringLiteral("app-%1").arg(i)));
        store.applySnapshotAsync(QStringLiteral("a"), apps);
        AppSummary x = apps[7];
        x.health = HealthStatus::Degraded;
        store.applyEventsAsync({AppEvent{WatchEventType::Modified, x}});
        x.health = HealthStatus::Missing;
        store.applyEventsAsync({AppEvent{WatchEventType::Modified, x}});
        store.applyEventsAsync({AppEvent{WatchEventType::Deleted, apps[3]}});
        QCOMPARE(store.pendingBatches(), 2); // the snapshot, and one merged event batch
        QSignalSpy batches(&store, &fleet::FleetStore::batchApplied);
        waitIdle(store);
        QCOMPARE(batches.size(), 2);
        QCOMPARE(store.size(), 99);
        QVERIFY(store.at(store.indexOf(x.key())).health == HealthStatus::Missing);
        QCOMPARE(store.indexOf(apps[3].key()), -1);
        QCOMPARE(store.counts(QStringLiteral("a")), scanCounts(store, QStringLiteral("a")));
    }

    void removeInstanceKeepsCounts() {
        fleet::FleetStore store;
        store.applySnapshot(QStringLiteral("a"),
                            {app(QStringLiteral("a"), QStringLiteral("x"), HealthStatus::Degraded),
                             app(QStringLiteral("a"), QStringLiteral("y"))});
        store.applySnapshot(QStringLiteral("b"), {app(QStringLiteral("b"), QStringLiteral("x"))});
        QCOMPARE(store.counts().apps, 3);
        QCOMPARE(store.counts().degraded, 1);
        QCOMPARE(store.instances(), (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
        store.removeInstance(QStringLiteral("a"));
        QCOMPARE(store.counts(), scanCounts(store));
        QCOMPARE(store.counts(QStringLiteral("a")).apps, 0);
        QCOMPARE(store.instances(), QStringList{QStringLiteral("b")});
        QCOMPARE(store.indexOf(QStringLiteral("b/argocd/x")), 0);
    }
};

QTEST_GUILESS_MAIN(TestFleetStore)
#include "tst_fleetstore.moc"
