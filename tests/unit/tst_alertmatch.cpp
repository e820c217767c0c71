// Alert -> application mapping (services/incident/alertmatch.h) over a small fleet shaped like
// the demo's: three applications in namespace shop on prod-eu-shop, one shop-web on
// stage-eu-shop, payments-api, and orders-api deployed to Argo CD's own cluster. Every mapping
// is checked with its reasons in words; unmapped alerts say why.

#include "incident/alertmatch.h"

#include <QTest>

using namespace sextant;
using namespace sextant::incident;

namespace {

argocd::AppSummary app(const QString& name, const QString& cluster, const QString& ns,
                       const QString& instance = QStringLiteral("prod-eu")) {
    argocd::AppSummary a;
    a.instance = instance;
    a.appNamespace = QStringLiteral("argocd");
    a.name = name;
    a.destNamespace = ns;
    if (cluster.startsWith(QLatin1String("https://")))
        a.destServer = cluster;
    else
        a.destName = cluster;
    return a;
}

QVector<argocd::AppSummary> fleet() {
    QVector<argocd::AppSummary> f{
        app(QStringLiteral("shop-checkout"), QStringLiteral("prod-eu-shop"),
            QStringLiteral("shop")),
        app(QStringLiteral("shop-web"), QStringLiteral("prod-eu-shop"), QStringLiteral("shop")),
        app(QStringLiteral("shop-cart"), QStringLiteral("prod-eu-shop"), QStringLiteral("shop")),
        app(QStringLiteral("payments-api"), QStringLiteral("prod-eu-shop"),
            QStringLiteral("payments")),
        app(QStringLiteral("orders-api"), QStringLiteral("https://kubernetes.default.svc"),
            QStringLiteral("orders")),
        app(QStringLiteral("shop-web"), QStringLiteral("stage-eu-shop"), QStringLiteral("shop"),
            QStringLiteral("staging")),
        app(QStringLiteral("search-api"),
            QStringLiteral("https://api.prod-us-1.k8s.example.net:6443"), QStringLiteral("search"),
            QStringLiteral("prod-us")),
    };
    f[0].images << QStringLiteral("registry.example.com/shop/checkout:v2.41.0");
    return f;
}

metrics::Alert alert(std::initializer_list<std::pair<const char*, const char*>> labels) {
    metrics::Alert a;
    for (const auto& [k, v] : labels)
        a.labels.insert(QLatin1String(k), QLatin1String(v));
    a.fingerprint = QStringLiteral("fp-") + a.name();
    return a;
}

QStringList names(const AlertMapping& m) {
    QStringList out;
    for (const AppMatch& x : m.matches)
        out << x.appKey;
    return out;
}

bool anyContains(const QStringList& list, const QString& needle) {
    return std::any_of(list.begin(), list.end(),
                       [&](const QString& s) { return s.contains(needle); });
}

QString dump(const AlertMapping& m) {
    QStringList out{m.unmappedReason};
    for (const AppMatch& x : m.matches)
        out << QStringLiteral("%1 %2: %3").arg(x.appKey).arg(x.score).arg(x.reasons.join("; "));
    return out.join('\n');
}

} // namespace

class TestAlertMatch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void builtinRulesLoad() {
        const MappingRules& r = MappingRules::builtin();
        QVERIFY(r.clusterLabels.contains("cluster"));
        QVERIFY(r.clusterLabels.contains("openshift_cluster"));
        QVERIFY(r.namespaceLabels.contains("namespace"));
        QVERIFY(r.trackingLabels.contains("app_kubernetes_io_instance"));
        QVERIFY(r.trackingLabels.contains("argocd_argoproj_io_instance"));
        QVERIFY(r.nameLabels.contains("job"));
        QCOMPARE(r.workloads.size(), 6);
        QVERIFY(r.inCluster.contains("https://kubernetes.default.svc"));
    }

    void deploymentByNameWithoutResources() {
        const AlertMapping m = mapAlert(alert({{"alertname", "KubeDeploymentReplicasMismatch"},
                                               {"cluster", "prod-eu-shop"},
                                               {"namespace", "shop"},
                                               {"deployment", "checkout"}}),
                                        fleet());
        QVERIFY2(m.mapped(), qPrintable(dump(m)));
        // The other shop apps only share the namespace: dropped once one app has identity.
        QCOMPARE(names(m), QStringList{"prod-eu/argocd/shop-checkout"});
        const AppMatch& top = m.matches.first();
        QVERIFY(top.identity);
        QVERIFY2(anyContains(top.reasons, "namespace shop is the destination namespace"),
                 qPrintable(dump(m)));
        QVERIFY(anyContains(top.reasons, "cluster prod-eu-shop is the destination cluster"));
        QVERIFY(anyContains(top.reasons, "deployment checkout is named like the application"));
        QVERIFY(anyContains(top.reasons, "runs an image named checkout"));
        QCOMPARE(top.score, 20 + 30 + 20 + 10);
    }

    void podMapsThroughTheResourceTree() {
        const QVector<argocd::AppSummary> f = fleet();
        QHash<QString, AppResources> res;
        res.insert(f[1].key(), AppResources::fromResourceTree(nlohmann::json::parse(R"({"nodes": [
            {"kind": "Deployment", "name": "web", "namespace": "shop"},
            {"kind": "ReplicaSet", "name": "web-6d8f7c9b5", "namespace": "shop"},
            {"kind": "ConfigMap", "name": "web-config", "namespace": "shop"}]})")));
        res.insert(f[0].key(), AppResources::fromResourceTree(nlohmann::json::parse(
                                   R"({"nodes": [{"kind": "Deployment", "name": "checkout"}]})")));
        const AlertMapping m = mapAlert(alert({{"alertname", "KubeContainerWaiting"},
                                               {"cluster", "prod-eu-shop"},
                                               {"namespace", "shop"},
                                               {"pod", "web-6d8f7c9b5-x2k8p"}}),
                                        f, res);
        QCOMPARE(names(m), QStringList{"prod-eu/argocd/shop-web"});
        QVERIFY2(m.matches[0].topReason().contains(
                     "Deployment web (owner of pod web-6d8f7c9b5-x2k8p) is one of the "
                     "application's resources"),
                 qPrintable(dump(m)));

        // A workload no loaded application owns, while every other candidate is only a
        // namespace match: the loaded app is ruled out, the others stay as location matches.
        const AlertMapping other = mapAlert(alert({{"alertname", "KubePodNotReady"},
                                                   {"cluster", "prod-eu-shop"},
                                                   {"namespace", "shop"},
                                                   {"deployment", "cart-redis-proxy"}}),
                                            f, res);
        QVERIFY(!names(other).contains("prod-eu/argocd/shop-web"));
        QVERIFY(!names(other).contains("prod-eu/argocd/shop-checkout"));
        QVERIFY(names(other).contains("prod-eu/argocd/shop-cart"));
        QVERIFY(!other.matches[0].identity);

        // With every shop app's resources loaded, nobody owns it: unmapped, and why.
        res.insert(f[2].key(),
                   AppResources::fromResourceTree(nlohmann::json::parse(
                       R"({"nodes": [{"kind": "StatefulSet", "name": "cart-redis"}]})")));
        const AlertMapping none = mapAlert(alert({{"alertname", "KubePodNotReady"},
                                                  {"cluster", "prod-eu-shop"},
                                                  {"namespace", "shop"},
                                                  {"deployment", "cart-redis-proxy"}}),
                                           f, res);
        QVERIFY2(!none.mapped(), qPrintable(dump(none)));
        QVERIFY2(none.unmappedReason.contains("Deployment cart-redis-proxy is not among the "
                                              "resources of the applications in namespace shop"),
                 qPrintable(none.unmappedReason));
    }

    void statefulSetPodOwner() {
        const QVector<argocd::AppSummary> f = fleet();
        QHash<QString, AppResources> res;
        res.insert(f[2].key(),
                   AppResources::fromResourceTree(nlohmann::json::parse(
                       R"({"nodes": [{"kind": "StatefulSet", "name": "cart-redis"}]})")));
        const AlertMapping m = mapAlert(alert({{"alertname", "KubePodCrashLooping"},
                                               {"namespace", "shop"},
                                               {"pod", "cart-redis-0"}}),
                                        f, res);
        QCOMPARE(names(m), QStringList{"prod-eu/argocd/shop-cart"});
        QVERIFY(m.matches[0].topReason().contains(
            "StatefulSet cart-redis (owner of pod cart-redis-0)"));
    }

    void namespaceOnlyListsEveryAppThere() {
        const AlertMapping m =
            mapAlert(alert({{"alertname", "KubeQuotaAlmostFull"}, {"namespace", "shop"}}), fleet());
        QCOMPARE(m.matches.size(), 4); // three on prod-eu-shop, one on stage-eu-shop
        for (const AppMatch& x : m.matches) {
            QVERIFY(!x.identity);
            QCOMPARE(x.score, 30);
        }
    }

    void clusterNarrowsAndContradicts() {
        const AlertMapping m = mapAlert(alert({{"alertname", "KubeQuotaAlmostFull"},
                                               {"k8s_cluster", "stage-eu-shop"},
                                               {"namespace", "shop"}}),
                                        fleet());
        QCOMPARE(names(m), QStringList{"staging/argocd/shop-web"});
        QVERIFY(
            m.matches[0].reasons.contains("k8s_cluster stage-eu-shop is the destination cluster"));

        const AlertMapping elsewhere = mapAlert(alert({{"alertname", "KubeQuotaAlmostFull"},
                                                       {"cluster", "prod-us-9"},
                                                       {"namespace", "shop"}}),
                                                fleet());
        QVERIFY(!elsewhere.mapped());
        QVERIFY2(elsewhere.unmappedReason.contains(
                     "namespace shop has applications only on prod-eu-shop, stage-eu-shop, not "
                     "on cluster prod-us-9"),
                 qPrintable(elsewhere.unmappedReason));
    }

    void clusterFromServerHostAndAliases() {
        // search-api names its cluster by server URL only: a host segment matches.
        const AlertMapping m = mapAlert(alert({{"alertname", "HighLatency"},
                                               {"openshift_cluster", "prod-us-1"},
                                               {"namespace", "search"}}),
                                        fleet());
        QCOMPARE(names(m), QStringList{"prod-us/argocd/search-api"});
        QCOMPARE(m.matches[0].score, 50);

        MappingRules rules = MappingRules::builtin();
        rules.clusterAliases.insert("eu-shop-production", "prod-eu-shop");
        const AlertMapping aliased = mapAlert(alert({{"alertname", "KubePodCrashLooping"},
                                                     {"cluster", "eu-shop-production"},
                                                     {"namespace", "payments"}}),
                                              fleet(), {}, rules);
        QCOMPARE(names(aliased), QStringList{"prod-eu/argocd/payments-api"});
        QVERIFY(!mapAlert(alert({{"alertname", "KubePodCrashLooping"},
                                 {"cluster", "eu-shop-production"},
                                 {"namespace", "payments"}}),
                          fleet())
                     .mapped());
    }

    void trackingLabelWinsAndContradicts() {
        const AlertMapping m = mapAlert(alert({{"alertname", "RedisDown"},
                                               {"namespace", "shop"},
                                               {"app_kubernetes_io_instance", "shop-cart"}}),
                                        fleet());
        QCOMPARE(names(m), QStringList{"prod-eu/argocd/shop-cart"});
        QVERIFY(m.matches[0].topReason().startsWith(
            "Argo CD tracking label app_kubernetes_io_instance=shop-cart names this application"));
        // Apps-in-any-namespace form "<namespace>_<name>".
        const AlertMapping ns =
            mapAlert(alert({{"alertname", "RedisDown"},
                            {"argocd_argoproj_io_instance", "argocd_shop-cart"}}),
                     fleet());
        QCOMPARE(names(ns), QStringList{"prod-eu/argocd/shop-cart"});
        const AlertMapping unknown = mapAlert(alert({{"alertname", "RedisDown"},
                                                     {"namespace", "shop"},
                                                     {"app_kubernetes_io_instance", "shop-gone"}}),
                                              fleet());
        QVERIFY(!unknown.mapped());
        QVERIFY2(unknown.unmappedReason.contains("no application named shop-gone"),
                 qPrintable(unknown.unmappedReason));
    }

    void nameLabels() {
        const AlertMapping exact =
            mapAlert(alert({{"alertname", "TargetDown"}, {"job", "payments-api"}}), fleet());
        QCOMPARE(names(exact), QStringList{"prod-eu/argocd/payments-api"});
        QVERIFY(
            exact.matches[0].reasons.contains("label job=payments-api is the application's name"));
        // A suffix alone is too weak; with the namespace it decides among the shop apps.
        QVERIFY(!mapAlert(alert({{"alertname", "TargetDown"}, {"service", "checkout"}}), fleet())
                     .mapped());
        const AlertMapping suffix = mapAlert(
            alert({{"alertname", "TargetDown"}, {"namespace", "shop"}, {"service", "cart"}}),
            fleet());
        QCOMPARE(names(suffix), QStringList{"prod-eu/argocd/shop-cart"});
        // kube-state-metrics: its own service label first, the failing container later.
        const AlertMapping ksm =
            mapAlert(alert({{"alertname", "KubePodCrashLooping"},
                            {"cluster", "prod-eu-shop"},
                            {"namespace", "shop"},
                            {"service", "kube-prometheus-stack-kube-state-metrics"},
                            {"job", "kube-state-metrics"},
                            {"container", "web"}}),
                     fleet());
        QCOMPARE(names(ksm), QStringList{"prod-eu/argocd/shop-web"});
        QVERIFY(ksm.matches[0].reasons.contains("label container=web ends the application's name"));
    }

    void inClusterAppsAreNotRuledOutByClusterLabel() {
        const AlertMapping m = mapAlert(alert({{"alertname", "KubeJobFailed"},
                                               {"cluster", "prod-eu-mgmt"},
                                               {"namespace", "orders"},
                                               {"job_name", "db-migrate"}}),
                                        fleet());
        QCOMPARE(names(m), QStringList{"prod-eu/argocd/orders-api"});
        QVERIFY2(anyContains(m.matches[0].reasons, "deploys to Argo CD's own cluster"),
                 qPrintable(dump(m)));
    }

    void unmappedAlertsSayWhy() {
        const AlertMapping dns = mapAlert(alert({{"alertname", "CoreDNSErrorsHigh"},
                                                 {"cluster", "prod-eu-shop"},
                                                 {"namespace", "kube-system"}}),
                                          fleet());
        QVERIFY(!dns.mapped());
        QCOMPARE(
            dns.unmappedReason,
            QString("no application matches: namespace kube-system has no Argo CD application"));
        const AlertMapping node = mapAlert(alert({{"alertname", "NodeFilesystemSpaceFillingUp"},
                                                  {"cluster", "prod-eu-shop"},
                                                  {"node", "ip-10-0-3-17"}}),
                                           fleet());
        QVERIFY(!node.mapped());
        QVERIFY2(node.unmappedReason.contains("names no namespace, workload or application") &&
                     node.unmappedReason.contains("on cluster prod-eu-shop"),
                 qPrintable(node.unmappedReason));
        QCOMPARE(alertSubject(node.alert), QString("cluster prod-eu-shop"));
        // mapAlerts keeps every alert, mapped or not, in order.
        const QVector<AlertMapping> all = mapAlerts({dns.alert, node.alert}, fleet());
        QCOMPARE(all.size(), 2);
        QCOMPARE(all[1].alert.name(), QString("NodeFilesystemSpaceFillingUp"));
    }

    void podOwners() {
        QCOMPARE(podOwner("checkout-5c7f9d8b6d-h2kqz"), QString("checkout"));
        QCOMPARE(podOwner("payments-api-6f7d8c9b5-q7x2m"), QString("payments-api"));
        QCOMPARE(podOwner("cart-redis-0"), QString("cart-redis"));
        QCOMPARE(podOwner("agent-x8k2p"), QString("agent"));
        QCOMPARE(podOwner("standalone"), QString("standalone"));
        QCOMPARE(replicaSetOwner("web-6d8f7c9b5"), QString("web"));
    }

    void severities() {
        QCOMPARE(alertSeverity(alert({{"severity", "Critical"}})), QString("critical"));
        QCOMPARE(alertSeverity(alert({{"severity", "warning"}})), QString("warning"));
        QCOMPARE(alertSeverity(alert({{"severity", "info"}})), QString("info"));
        QCOMPARE(alertSeverity(alert({{"alertname", "Watchdog"}})), QString("none"));
    }

    void ruleFileErrorsNameTheLine() {
        auto bad = MappingRules::parse("minScore: 30\ncluster:\n  labels: cluster\n", "rules.yaml");
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().shortMessage,
                 QString("rules.yaml:3: labels must be a list of strings"));
        auto points = MappingRules::parse("namespace:\n  labels: [namespace]\n  points: lots\n",
                                          "rules.yaml");
        QVERIFY(!points.ok());
        QVERIFY2(points.error().shortMessage.startsWith("rules.yaml:3: points must be a whole"),
                 qPrintable(points.error().shortMessage));
        auto syntax = MappingRules::parse("cluster: [unclosed\n", "rules.yaml");
        QVERIFY(!syntax.ok());
        QVERIFY(syntax.error().shortMessage.startsWith("rules.yaml: "));
        auto empty = MappingRules::parse("minScore: 10\n", "rules.yaml");
        QVERIFY(!empty.ok());
        QVERIFY2(empty.error().shortMessage.contains("name no labels"),
                 qPrintable(empty.error().shortMessage));
        auto ok = MappingRules::parse("namespace:\n  labels: [ns]\n  points: 40\nminScore: 40\n",
                                      "rules.yaml");
        QVERIFY(ok.ok());
        const AlertMapping m =
            mapAlert(alert({{"alertname", "X"}, {"ns", "payments"}}), fleet(), {}, *ok);
        QCOMPARE(names(m), QStringList{"prod-eu/argocd/payments-api"});
        QCOMPARE(m.matches[0].score, 40);
    }
};

QTEST_GUILESS_MAIN(TestAlertMatch)
#include "tst_alertmatch.moc"
