// The range updater: every mix of removals, changes and additions must leave a view that
// replays the store's signals identical to the store, with no signal for unchanged rows.
#include "fleet/fleetstore.h"
#include "fleetmodel.h"

#include <QAbstractItemModelTester>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

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
    void randomMixesMatchTruth_data() {
        QTest::addColumn<quint32>("seed");
        for (quint32 s = 1; s <= 40; ++s)
            QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(s))) << s;
    }
    void randomMixesMatchTruth() {
        QFETCH(quint32, seed);
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
                store.applySnapshot(inst, next);
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
                store.applyEvents(events);
            }

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
        }
    }
};

QTEST_GUILESS_MAIN(TestFleetStore)
#include "tst_fleetstore.moc"
