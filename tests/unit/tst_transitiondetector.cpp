// Transitions become grouped notices; what is merely seen for the first time does not.
#include "fleet/fleetstore.h"
#include "fleet/transitiondetector.h"

#include <QSignalSpy>
#include <QTest>

using namespace sextant;
using argocd::AppEvent;
using argocd::AppSummary;
using argocd::HealthStatus;
using argocd::OperationPhase;
using argocd::WatchEventType;

namespace {

AppSummary app(const QString& instance, const QString& name, HealthStatus h) {
    AppSummary a;
    a.instance = instance;
    a.name = name;
    a.appNamespace = QStringLiteral("argocd");
    a.health = h;
    a.sync = argocd::SyncStatus::Synced;
    return a;
}

AppEvent modified(AppSummary a) {
    return AppEvent{WatchEventType::Modified, std::move(a)};
}

} // namespace

class TestTransitionDetector : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initialStateIsNotNews() {
        fleet::FleetStore store;
        fleet::TransitionDetector detector(&store);
        QSignalSpy spy(&detector, &fleet::TransitionDetector::notice);
        store.applySnapshot(QStringLiteral("i"), {app(QStringLiteral("i"), QStringLiteral("a"),
                                                      HealthStatus::Degraded)});
        detector.flush();
        QCOMPARE(spy.size(), 0);
    }

    void degradedTransitionsAreGroupedPerInstance() {
        fleet::FleetStore store;
        fleet::TransitionDetector detector(&store);
        detector.setGroupingWindow(60000);
        QSignalSpy spy(&detector, &fleet::TransitionDetector::notice);
        QVector<AppSummary> apps;
        for (const char* n : {"a", "b", "c"})
            apps << app(QStringLiteral("i"), QString::fromLatin1(n), HealthStatus::Healthy);
        store.applySnapshot(QStringLiteral("i"), apps);
        store.applySnapshot(QStringLiteral("j"),
                            {app(QStringLiteral("j"), QStringLiteral("x"), HealthStatus::Healthy)});

        AppSummary a = apps[0], b = apps[1];
        a.health = b.health = HealthStatus::Degraded;
        a.healthMessage = QStringLiteral("Deployment exceeded its progress deadline");
        store.applyEvents({modified(a)});
        store.applyEvents({modified(b)});
        store.applyEvents(
            {modified(app(QStringLiteral("j"), QStringLiteral("x"), HealthStatus::Degraded))});
        // Degraded again while already Degraded: not news.
        b.healthMessage = QStringLiteral("still bad");
        store.applyEvents({modified(b)});
        QCOMPARE(spy.size(), 0); // still inside the window
        detector.flush();
        QCOMPARE(spy.size(), 2);
        const auto first = spy.at(0).at(0).value<fleet::Notice>();
        QCOMPARE(first.instance, QStringLiteral("i"));
        QCOMPARE(first.appNames, (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
        QCOMPARE(first.title(), QStringLiteral("2 applications turned Degraded on i"));
        QVERIFY(first.text().contains(QStringLiteral("progress deadline")));
        const auto second = spy.at(1).at(0).value<fleet::Notice>();
        QCOMPARE(second.title(), QStringLiteral("x is Degraded on j"));
    }

    void failedSyncAnnouncedOncePerOperation() {
        fleet::FleetStore store;
        fleet::TransitionDetector detector(&store);
        QSignalSpy spy(&detector, &fleet::TransitionDetector::notice);
        AppSummary a = app(QStringLiteral("i"), QStringLiteral("a"), HealthStatus::Healthy);
        store.applySnapshot(QStringLiteral("i"), {a});
        a.operationPhase = OperationPhase::Running;
        store.applyEvents({modified(a)});
        a.operationPhase = OperationPhase::Failed;
        a.operationFinishedAt = QDateTime::fromSecsSinceEpoch(1000, Qt::UTC);
        store.applyEvents({modified(a)});
        a.healthMessage = QStringLiteral("unrelated change");
        store.applyEvents({modified(a)});
        detector.flush();
        QCOMPARE(spy.size(), 1);
        QCOMPARE(spy.at(0).at(0).value<fleet::Notice>().kind, fleet::Notice::Kind::SyncFailed);
        // A retry that fails again is a new failure.
        a.operationFinishedAt = QDateTime::fromSecsSinceEpoch(2000, Qt::UTC);
        store.applyEvents({modified(a)});
        detector.flush();
        QCOMPARE(spy.size(), 2);
    }

    void recoveryOnlyWhenAsked() {
        fleet::FleetStore store;
        fleet::TransitionDetector detector(&store);
        QSignalSpy spy(&detector, &fleet::TransitionDetector::notice);
        AppSummary a = app(QStringLiteral("i"), QStringLiteral("a"), HealthStatus::Degraded);
        store.applySnapshot(QStringLiteral("i"), {a});
        a.health = HealthStatus::Healthy;
        store.applyEvents({modified(a)});
        detector.flush();
        QCOMPARE(spy.size(), 0);
        detector.setAnnounceRecovery(true);
        a.health = HealthStatus::Degraded;
        store.applyEvents({modified(a)});
        a.health = HealthStatus::Healthy;
        store.applyEvents({modified(a)});
        detector.flush();
        QCOMPARE(spy.size(), 2);
        QCOMPARE(spy.at(1).at(0).value<fleet::Notice>().kind, fleet::Notice::Kind::Recovered);
    }

    void windowEmitsByItself() {
        fleet::FleetStore store;
        fleet::TransitionDetector detector(&store);
        detector.setGroupingWindow(50);
        QSignalSpy spy(&detector, &fleet::TransitionDetector::notice);
        AppSummary a = app(QStringLiteral("i"), QStringLiteral("a"), HealthStatus::Healthy);
        store.applySnapshot(QStringLiteral("i"), {a});
        a.health = HealthStatus::Degraded;
        store.applyEvents({modified(a)});
        QTRY_COMPARE(spy.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestTransitionDetector)
#include "tst_transitiondetector.moc"
