// The proxy's direct comparisons sort every column the way the table displays it.
#include "fleet/fleetstore.h"
#include "fleetfilterproxy.h"
#include "fleetmodel.h"

#include <QTest>

using namespace sextant;
using argocd::AppSummary;
using argocd::HealthStatus;
using argocd::OperationPhase;
using models::FleetModel;

namespace {

AppSummary app(const QString& name, const QString& cluster, HealthStatus health,
               OperationPhase phase = OperationPhase::Succeeded) {
    AppSummary a;
    a.instance = QStringLiteral("i");
    a.appNamespace = QStringLiteral("argocd");
    a.name = name;
    if (cluster.startsWith(QLatin1String("https://")))
        a.destServer = cluster;
    else
        a.destName = cluster;
    a.health = health;
    a.operationPhase = phase;
    return a;
}

QStringList names(const QAbstractItemModel& proxy) {
    QStringList out;
    for (int r = 0; r < proxy.rowCount(); ++r)
        out << proxy.index(r, FleetModel::NameColumn).data().toString();
    return out;
}

} // namespace

class TestFleetSort : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void columnsSortAsDisplayed() {
        fleet::FleetStore store;
        store.applySnapshot(
            QStringLiteral("i"),
            {app(QStringLiteral("c"), QStringLiteral("https://api.beta.example:6443"),
                 HealthStatus::Healthy),
             app(QStringLiteral("a"), QStringLiteral("gamma"), HealthStatus::Degraded,
                 OperationPhase::Failed),
             app(QStringLiteral("b"), QStringLiteral("alpha"), HealthStatus::Progressing,
                 OperationPhase::Running),
             app(QStringLiteral("d"), QStringLiteral("alpha"), HealthStatus::Missing)});
        FleetModel model(&store);
        models::FleetFilterProxy proxy;
        proxy.setSourceModel(&model);

        proxy.sort(FleetModel::NameColumn, Qt::AscendingOrder);
        QCOMPARE(names(proxy), (QStringList{"a", "b", "c", "d"}));

        // Cluster: "alpha" < "api.beta.example" (the host, not "https://…") < "gamma"; ties by
        // name.
        proxy.sort(FleetModel::ClusterColumn, Qt::AscendingOrder);
        QCOMPARE(names(proxy), (QStringList{"b", "d", "c", "a"}));

        // Health: worst first when descending.
        proxy.sort(FleetModel::HealthColumn, Qt::DescendingOrder);
        QCOMPARE(names(proxy), (QStringList{"a", "d", "b", "c"}));

        // Operation: a failed sync is the most severe outcome.
        proxy.sort(FleetModel::OperationColumn, Qt::DescendingOrder);
        QCOMPARE(names(proxy).first(), QStringLiteral("a"));
        QCOMPARE(names(proxy)[1], QStringLiteral("b")); // Running
    }
};

QTEST_GUILESS_MAIN(TestFleetSort)
#include "tst_fleetsort.moc"
