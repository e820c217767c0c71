// One cluster is one cluster: applications that address their destination by server URL are
// shown under the cluster's name from the instance's cluster list, so the dashboard and the
// filters do not count "prod-eu-shop" and "https://api.prod-eu-shop…:6443" as two clusters.
#include "consolesession.h"
#include "demosession.h"
#include "fleet/fleetstore.h"
#include "sim/simulator.h"

#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;

class TestClusterNames : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void serversAreShownByName() {
        QStandardPaths::setTestModeEnabled(true);
        QTemporaryDir dir;
        sim::Simulator sim;
        QVERIFY(sim.loadDemo().ok());
        QVERIFY(sim.listen().ok());
        ui::ConsoleSession session(nullptr, dir.filePath(QStringLiteral("audit.jsonl")));
        test::connectDemo(session, sim);
        // Every instance listed (its rows are in the store) before looking at the whole fleet.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const QString& id : session.instanceIds())
                    if (session.instance(id)->state != ui::ConsoleSession::State::Live)
                        return false;
                return true;
            }(),
            30000);
        QTRY_VERIFY_WITH_TIMEOUT(
            session.store()->indexOf(QStringLiteral("prod-eu/argocd/shop-checkout")) >= 0, 30000);
        const QString orders = QStringLiteral("prod-us/argocd/orders-api");
        // orders-api's destination is {server: https://kubernetes.default.svc}.
        QTRY_VERIFY_WITH_TIMEOUT(session.store()->indexOf(orders) >= 0, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(session.store()->at(session.store()->indexOf(orders)).cluster(),
                                  QStringLiteral("in-cluster"), 30000);
        // No row of the fleet is left under a server URL that has a name.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (int i = 0; i < session.store()->size(); ++i)
                    if (session.store()->at(i).cluster().startsWith(QLatin1String("https://")))
                        return false;
                return true;
            }(),
            30000);
        QSet<QString> clusters;
        for (int i = 0; i < session.store()->size(); ++i)
            clusters.insert(session.store()->at(i).cluster());
        QVERIFY(clusters.contains(QStringLiteral("prod-eu-shop")));
        QVERIFY(
            !clusters.contains(QStringLiteral("https://api.prod-eu-shop.k8s.example.net:6443")));
    }
};

QTEST_MAIN(TestClusterNames)
#include "tst_clusternames.moc"
