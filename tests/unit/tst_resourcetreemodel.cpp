// The resource tree model: nesting by parentRefs, ranking of problem nodes under a node budget,
// and the model contract (QAbstractItemModelTester).
#include "resourcetreemodel.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace sextant;
using models::PreparedTree;
using models::ResourceTreeModel;
using Json = nlohmann::json;

namespace {

Json node(const QString& kind, const QString& name, const QString& health = {},
          const QString& parentUid = {}, const QString& parentKind = {}) {
    Json n = {{"kind", kind.toStdString()},
              {"namespace", "shop"},
              {"name", name.toStdString()},
              {"uid", (kind + "-" + name).toStdString()}};
    if (!health.isEmpty())
        n["health"] = {{"status", health.toStdString()}};
    if (!parentUid.isEmpty())
        n["parentRefs"] =
            Json::array({{{"kind", parentKind.toStdString()}, {"uid", parentUid.toStdString()}}});
    return n;
}

// The demo's ImagePullBackOff app: a Deployment with a ReplicaSet and two pods, a Service.
Json checkoutTree() {
    Json nodes = Json::array();
    nodes.push_back(node("Service", "checkout", "Healthy"));
    nodes.push_back(node("Pod", "checkout-ok", "Healthy", "ReplicaSet-checkout-rs", "ReplicaSet"));
    Json bad = node("Pod", "checkout-bad", "Degraded", "ReplicaSet-checkout-rs", "ReplicaSet");
    bad["info"] = Json::array({{{"name", "Status Reason"}, {"value", "ImagePullBackOff"}},
                               {{"name", "Containers"}, {"value", "0/1"}}});
    bad["images"] = Json::array({"registry.example.com/shop/checkout:v2.41.0"});
    nodes.push_back(bad);
    nodes.push_back(
        node("ReplicaSet", "checkout-rs", "Degraded", "Deployment-checkout", "Deployment"));
    nodes.push_back(node("Deployment", "checkout", "Degraded"));
    nodes.push_back(node("ConfigMap", "checkout-config"));
    return Json{{"nodes", nodes}};
}

QString label(const QModelIndex& index) {
    return index.siblingAtColumn(ResourceTreeModel::NameColumn).data().toString();
}

} // namespace

class TestResourceTreeModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void nesting() {
        auto tree =
            std::make_shared<const PreparedTree>(models::prepareResourceTree(checkoutTree()));
        QCOMPARE(tree->nodes.size(), 6);
        QCOMPARE(tree->roots.size(), 3); // Deployment, Service, ConfigMap
        ResourceTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTree(tree);
        QCOMPARE(model.rowCount(), 3);
        // The degraded Deployment ranks first among the roots.
        const QModelIndex deployment = model.index(0, 0);
        QCOMPARE(label(deployment), QStringLiteral("Deployment checkout"));
        QCOMPARE(model.rowCount(deployment), 1);
        const QModelIndex rs = model.index(0, 0, deployment);
        QCOMPARE(label(rs), QStringLiteral("ReplicaSet checkout-rs"));
        QCOMPARE(model.rowCount(rs), 2);
        // The failing pod before the healthy one, with its status reason.
        const QModelIndex pod = model.index(0, 0, rs);
        QCOMPARE(label(pod), QStringLiteral("Pod checkout-bad"));
        QCOMPARE(pod.siblingAtColumn(ResourceTreeModel::StatusColumn).data().toString(),
                 QStringLiteral("ImagePullBackOff · containers 0/1"));
        QCOMPARE(pod.siblingAtColumn(ResourceTreeModel::HealthColumn).data().toString(),
                 QStringLiteral("Degraded"));
        QCOMPARE(model.parent(pod), rs);
        QCOMPARE(model.parent(rs), deployment);
        QVERIFY(!model.parent(deployment).isValid());
        // Healthy roots by kind; a ConfigMap has no health.
        QCOMPARE(label(model.index(1, 0)), QStringLiteral("ConfigMap checkout-config"));
        QVERIFY(model.index(1, ResourceTreeModel::HealthColumn).data().toString().isEmpty());
        // The root cause is the pod, not its owners.
        QCOMPARE(tree->problemCount, 3);
        QCOMPARE(tree->nodes[tree->rootCauses.value(0)].name, QStringLiteral("checkout-bad"));
        QCOMPARE(tree->nodes[tree->rankOrder.value(0)].kind, QStringLiteral("Deployment"));
    }

    void unknownParentsAndCyclesBecomeRoots() {
        Json nodes = Json::array();
        nodes.push_back(node("Pod", "orphan", "Healthy", "ReplicaSet-gone", "ReplicaSet"));
        nodes.push_back(node("A", "a", {}, "B-b", "B"));
        nodes.push_back(node("B", "b", {}, "A-a", "A"));
        const PreparedTree tree = models::prepareResourceTree(Json{{"nodes", nodes}});
        QCOMPARE(tree.nodes.size(), 3);
        QVERIFY(tree.nodes[0].parent < 0);
        // The cycle is broken: at least one of A and B is a root, and everything is reachable.
        QVERIFY(tree.roots.size() >= 2);
        QCOMPARE(tree.rankOrder.size(), 3);
        ResourceTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTree(std::make_shared<const PreparedTree>(tree));
        QCOMPARE(model.visibleNodes(), 3);
        // Bad shapes give an empty tree, not a crash.
        QCOMPARE(models::prepareResourceTree(Json::object()).nodes.size(), 0);
        QCOMPARE(models::prepareResourceTree(Json{{"nodes", "x"}}).nodes.size(), 0);
    }

    void budgetRanksProblemsFirst() {
        // 2,000 healthy pods under 20 ReplicaSets, and deep in the list one pod that crashes
        // and one ConfigMap missing.
        Json nodes = Json::array();
        for (int r = 0; r < 20; ++r) {
            const QString rs = QStringLiteral("rs%1").arg(r, 2, 10, QLatin1Char('0'));
            nodes.push_back(node("ReplicaSet", rs, "Healthy"));
            for (int p = 0; p < 100; ++p) {
                const bool bad = r == 17 && p == 93;
                nodes.push_back(node("Pod", QStringLiteral("%1-pod%2").arg(rs).arg(p),
                                     bad ? "Degraded" : "Healthy", "ReplicaSet-" + rs,
                                     "ReplicaSet"));
            }
        }
        nodes.push_back(node("ConfigMap", "zz-missing", "Missing"));
        nodes.push_back(node("Job", "zz-running", "Progressing"));
        auto tree = std::make_shared<const PreparedTree>(
            models::prepareResourceTree(Json{{"nodes", nodes}}));
        QCOMPARE(tree->nodes.size(), 2022);

        ResourceTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setBudget(50);
        model.setTree(tree);
        QCOMPARE(model.visibleNodes(), 50);
        QCOMPARE(model.hiddenNodes(), 1972);
        // Degraded subtree first, then Missing, then Progressing, then the rest.
        QCOMPARE(label(model.index(0, 0)), QStringLiteral("ReplicaSet rs17"));
        QCOMPARE(label(model.index(0, 0, model.index(0, 0))), QStringLiteral("Pod rs17-pod93"));
        QCOMPARE(label(model.index(1, 0)), QStringLiteral("ConfigMap zz-missing"));
        QCOMPARE(label(model.index(2, 0)), QStringLiteral("Job zz-running"));
        // Every visible node's ancestors are visible (the model tester walks the whole tree).
        // Lifting the budget shows everything, problems still first.
        model.setBudget(0);
        QCOMPARE(model.visibleNodes(), 2022);
        QCOMPARE(model.hiddenNodes(), 0);
        QCOMPARE(model.rowCount(), 22);
        QCOMPARE(label(model.index(0, 0)), QStringLiteral("ReplicaSet rs17"));
        QCOMPARE(model.rowCount(model.index(0, 0)), 100);
        QCOMPARE(label(model.index(0, 0, model.index(0, 0))), QStringLiteral("Pod rs17-pod93"));
        // A budget smaller than the problems and their ancestors still keeps ranks in order.
        model.setBudget(2);
        QCOMPARE(model.visibleNodes(), 2);
        QCOMPARE(label(model.index(0, 0, model.index(0, 0))), QStringLiteral("Pod rs17-pod93"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void notCreatedNodes() {
        Json n = {{"kind", "PersistentVolumeClaim"},
                  {"namespace", "shop"},
                  {"name", "data"},
                  {"health", {{"status", "Missing"}}}};
        const PreparedTree tree = models::prepareResourceTree(Json{{"nodes", Json::array({n})}});
        QVERIFY(tree.nodes[0].notCreated());
        QCOMPARE(tree.nodes[0].statusText(), QStringLiteral("not created"));
        QCOMPARE(tree.rootCauses.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestResourceTreeModel)
#include "tst_resourcetreemodel.moc"
