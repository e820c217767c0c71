// PR risk rules with reasons, the catalogue's format, and policy results new/fixed.

#include "gitops/riskrules.h"

#include <QFile>
#include <QTest>

using namespace sextant;
using namespace sextant::gitops;

namespace {

const QString kCatalogueFile =
    QStringLiteral(SEXTANT_TEST_DATA_DIR "/../../resources/pr-risk-rules.yaml");

const RiskCatalogue& catalogue() {
    static const RiskCatalogue c = [] {
        QFile f(kCatalogueFile);
        if (!f.open(QIODevice::ReadOnly))
            qFatal("cannot read %s", qPrintable(kCatalogueFile));
        auto r = RiskCatalogue::fromYaml(f.readAll(), kCatalogueFile);
        if (!r)
            qFatal("%s", qPrintable(r.error().toString()));
        return *r;
    }();
    return c;
}

std::vector<policy::KubeObject> parse(const QByteArray& yaml) {
    auto r = policy::parseManifests(yaml, QStringLiteral("test.yaml"));
    return r ? *r : std::vector<policy::KubeObject>{};
}

AppChanges appChanges(const QByteArray& base, const QByteArray& head,
                      const QString& name = QStringLiteral("shop-prod"),
                      const QString& cluster = QStringLiteral("prod-eu"), bool production = false) {
    AppChanges a;
    a.app.app = name;
    a.app.cluster = cluster;
    a.app.environment = production ? QStringLiteral("prod") : QStringLiteral("dev");
    a.app.production = production;
    a.changes = diffObjects(parse(base), parse(head));
    return a;
}

std::vector<Risk> risks(const QByteArray& base, const QByteArray& head) {
    return assessRisks({appChanges(base, head)}, catalogue());
}

QStringList ruleIds(const std::vector<Risk>& risks) {
    QStringList ids;
    for (const Risk& r : risks)
        ids << r.rule;
    return ids;
}

const Risk* findRisk(const std::vector<Risk>& risks, const QString& rule) {
    for (const Risk& r : risks) {
        if (r.rule == rule)
            return &r;
    }
    return nullptr;
}

QByteArray object(const QByteArray& apiVersion, const QByteArray& kind, const QByteArray& name,
                  const QByteArray& body, const QByteArray& ns = "shop",
                  const QByteArray& annotations = {}) {
    QByteArray y =
        "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: " + name + "\n";
    if (!ns.isEmpty())
        y += "  namespace: " + ns + "\n";
    if (!annotations.isEmpty())
        y += "  annotations:\n" + annotations;
    return y + body;
}

QByteArray workload(const QByteArray& kind, const QByteArray& selector,
                    const QByteArray& extra = {}) {
    return object("apps/v1", kind, "web",
                  "spec:\n" + extra + "  selector:\n    matchLabels: {app: " + selector +
                      "}\n  template:\n    spec:\n      containers:\n      - name: web\n"
                      "        image: web:1\n");
}

} // namespace

class TestRiskRules : public QObject {
    Q_OBJECT

private slots:
    void builtinCatalogueIsCompiledIn() {
        // Needs resources/pr-risk-rules.yaml in resources/CMakeLists.txt's qt_add_resources.
        QVERIFY2(QFile::exists(QStringLiteral(":/sextant/pr-risk-rules.yaml")),
                 "pr-risk-rules.yaml is not compiled into the core");
        QCOMPARE(RiskCatalogue::builtin().rules().size(), catalogue().rules().size());
    }

    void catalogueIsValid() {
        QVERIFY(catalogue().rules().size() >= 20);
        for (const RiskRule& r : catalogue().rules()) {
            QVERIFY2(!r.reason.isEmpty() && !r.title.isEmpty(), qPrintable(r.id));
            QVERIFY(RiskCatalogue::knownChecks().contains(r.check));
        }
    }

    void catalogueErrorsHaveLines() {
        const auto bad = RiskCatalogue::fromYaml("rules:\n- id: x\n  severity: error\n  title: t\n"
                                                 "  reason: r\n  check: nope\n",
                                                 QStringLiteral("c.yaml"));
        QVERIFY(!bad);
        QVERIFY2(bad.error().details.startsWith(QStringLiteral("c.yaml:6:")),
                 qPrintable(bad.error().details));
        const auto dup = RiskCatalogue::fromYaml(
            "rules:\n- {id: x, severity: info, title: t, reason: r, check: production}\n"
            "- {id: x, severity: info, title: t, reason: r, check: production}\n",
            QStringLiteral("c.yaml"));
        QVERIFY(!dup);
        QVERIFY(dup.error().details.contains(QStringLiteral("duplicate")));
        const auto badChange = RiskCatalogue::fromYaml(
            "rules:\n- {id: x, severity: info, title: t, reason: r, check: object,\n"
            "   params: {kinds: ['*'], changes: [deleted]}}\n",
            QStringLiteral("c.yaml"));
        QVERIFY(!badChange);
    }

    void crdChangesAndDeletion() {
        const QByteArray crd =
            object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com",
                   "spec:\n  group: example.com\n  scope: Namespaced\n", {});
        QByteArray changed = crd;
        changed.replace("Namespaced", "Cluster");
        QVERIFY(ruleIds(risks(crd, changed)).contains(QStringLiteral("crd-changed")));
        const auto deleted = risks(crd, {});
        QVERIFY(ruleIds(deleted).contains(QStringLiteral("crd-deleted")));
        QCOMPARE(deleted.front().rule, QStringLiteral("crd-deleted")); // errors first
        QVERIFY(deleted.front().reason.contains(
            QStringLiteral("CustomResourceDefinition widgets.example.com is deleted")));
        QVERIFY(deleted.front().reason.contains(QStringLiteral("prod-eu")));
    }

    void pvcImmutableButResizeAllowed() {
        const QByteArray pvc = object("v1", "PersistentVolumeClaim", "data",
                                      "spec:\n  storageClassName: fast\n  resources:\n"
                                      "    requests: {storage: 1Gi}\n");
        QByteArray bigger = pvc;
        bigger.replace("1Gi", "5Gi");
        const auto resize = risks(pvc, bigger);
        QCOMPARE(ruleIds(resize), QStringList{QStringLiteral("pvc-resize")});
        QVERIFY(resize.front().reason.contains(QStringLiteral("1Gi → 5Gi")));
        QByteArray otherClass = pvc;
        otherClass.replace("fast", "slow");
        const auto immutable = risks(pvc, otherClass);
        QCOMPARE(ruleIds(immutable), QStringList{QStringLiteral("pvc-immutable")});
        QVERIFY(immutable.front().reason.contains(QStringLiteral("spec.storageClassName")));
        QVERIFY(ruleIds(risks(pvc, {})).contains(QStringLiteral("pvc-deleted")));
    }

    void statefulSetVolumeClaimTemplatesAndImmutables() {
        const QByteArray extra = "  serviceName: web\n  volumeClaimTemplates:\n"
                                 "  - metadata: {name: data}\n    spec:\n"
                                 "      resources: {requests: {storage: 1Gi}}\n";
        QByteArray head = extra;
        head.replace("1Gi", "2Gi").replace("serviceName: web", "serviceName: web2");
        const QStringList ids = ruleIds(
            risks(workload("StatefulSet", "web", extra), workload("StatefulSet", "web", head)));
        QVERIFY(ids.contains(QStringLiteral("statefulset-volume-claims")));
        QVERIFY(ids.contains(QStringLiteral("immutable-statefulset")));
        QVERIFY(!ids.contains(QStringLiteral("immutable-selector")));
    }

    void selectorIsImmutable() {
        for (const char* kind : {"Deployment", "StatefulSet", "DaemonSet"}) {
            const auto r = risks(workload(kind, "web"), workload(kind, "web-v2"));
            const Risk* sel = findRisk(r, QStringLiteral("immutable-selector"));
            QVERIFY2(sel, kind);
            QCOMPARE(sel->severity, Severity::Error);
            QVERIFY(sel->reason.contains(QStringLiteral("spec.selector.matchLabels.app")));
        }
        // A changed image alone is not a risk of this kind.
        QByteArray head = workload("Deployment", "web");
        head.replace("web:1", "web:2");
        QVERIFY(risks(workload("Deployment", "web"), head).empty());
    }

    void jobTemplateAndServiceFields() {
        const QByteArray job = object("batch/v1", "Job", "migrate",
                                      "spec:\n  template:\n    spec:\n      containers:\n"
                                      "      - {name: m, image: 'm:1'}\n");
        QByteArray job2 = job;
        job2.replace("m:1", "m:2");
        QVERIFY(ruleIds(risks(job, job2)).contains(QStringLiteral("immutable-job-template")));
        const QByteArray svc =
            object("v1", "Service", "web", "spec:\n  type: ClusterIP\n  clusterIP: 10.0.0.1\n");
        QByteArray svc2 = svc;
        svc2.replace("type: ClusterIP", "type: LoadBalancer").replace("10.0.0.1", "10.0.0.2");
        const QStringList ids = ruleIds(risks(svc, svc2));
        QVERIFY(ids.contains(QStringLiteral("service-type")));
        QVERIFY(ids.contains(QStringLiteral("service-cluster-ip")));
    }

    void deletionsAndRenames() {
        const QByteArray cm = object("v1", "ConfigMap", "NAME",
                                     "data:\n  a: '1'\n  b: '2'\n  c: '3'\n  d: '4'\n  e: '5'\n");
        QByteArray a = cm, b = cm;
        a.replace("NAME", "dev-web");
        b.replace("NAME", "prod-web");
        const auto renamed = risks(a, b);
        const Risk* r = findRisk(renamed, QStringLiteral("object-renamed"));
        QVERIFY(r);
        QVERIFY(r->reason.startsWith(QStringLiteral("ConfigMap shop/dev-web becomes ConfigMap "
                                                    "shop/prod-web")));
        QVERIFY(!findRisk(renamed, QStringLiteral("object-deleted")));
        QVERIFY(findRisk(risks(a, {}), QStringLiteral("object-deleted")));
        const QByteArray ns = object("v1", "Namespace", "shop", {}, {});
        QVERIFY(findRisk(risks(ns, {}), QStringLiteral("namespace-deleted")));
    }

    void namespaceMove() {
        const QByteArray a = object("v1", "ConfigMap", "web", "data: {a: '1'}\n", "shop");
        const QByteArray b = object("v1", "ConfigMap", "web", "data: {a: '1'}\n", "store");
        const Risk* r = findRisk(risks(a, b), QStringLiteral("namespace-move"));
        QVERIFY(r);
        QVERIFY(r->reason.contains(QStringLiteral("moves to namespace store")));
    }

    void rbacAndWildcards() {
        const QByteArray role = object("rbac.authorization.k8s.io/v1", "ClusterRole", "reader",
                                       "rules:\n- apiGroups: ['']\n  resources: [pods]\n"
                                       "  verbs: [get]\n",
                                       {});
        QByteArray wild = role;
        wild.replace("verbs: [get]", "verbs: ['*']");
        const auto r = risks(role, wild);
        QVERIFY(findRisk(r, QStringLiteral("rbac-changed")));
        const Risk* w = findRisk(r, QStringLiteral("rbac-wildcard"));
        QVERIFY(w);
        QVERIFY(w->reason.contains(QStringLiteral("rules[0].verbs")));
        // An unchanged wildcard is not reported again when something else changes.
        QByteArray wild2 = wild;
        wild2.replace("resources: [pods]", "resources: [pods, services]");
        QVERIFY(!findRisk(risks(wild, wild2), QStringLiteral("rbac-wildcard")));
        QVERIFY(findRisk(risks({}, wild), QStringLiteral("rbac-wildcard")));
    }

    void secretsNeverLeakIntoReasons() {
        const QByteArray s1 = object("v1", "Secret", "db", "data:\n  password: b2xkLXNlY3JldA==\n");
        const QByteArray s2 = object("v1", "Secret", "db", "data:\n  password: bmV3LXNlY3JldA==\n");
        const auto r = risks(s1, s2);
        const Risk* s = findRisk(r, QStringLiteral("secret-changed"));
        QVERIFY(s);
        QVERIFY(s->reason.contains(QStringLiteral("data.password")));
        QVERIFY(!s->reason.contains(QStringLiteral("b2xk")) &&
                !s->reason.contains(QStringLiteral("bmV3")));
    }

    void syncOptionsHooksAndWaves() {
        const QByteArray a = object("v1", "ConfigMap", "c", "data: {a: '1'}\n", "shop",
                                    "    argocd.argoproj.io/sync-wave: '1'\n");
        const QByteArray b = object("v1", "ConfigMap", "c", "data: {a: '1'}\n", "shop",
                                    "    argocd.argoproj.io/sync-wave: '2'\n"
                                    "    argocd.argoproj.io/sync-options: Replace=true\n"
                                    "    argocd.argoproj.io/hook: PreSync\n");
        const auto r = risks(a, b);
        QVERIFY(findRisk(r, QStringLiteral("sync-wave")));
        const Risk* opts = findRisk(r, QStringLiteral("sync-options"));
        QVERIFY(opts);
        QVERIFY(opts->reason.contains(QStringLiteral("Replace=true")));
        QVERIFY(findRisk(r, QStringLiteral("sync-hook")));
    }

    void productionAndBlastRadius() {
        const QByteArray a = object("v1", "ConfigMap", "c", "data: {a: '1'}\n");
        const QByteArray b = object("v1", "ConfigMap", "c", "data: {a: '2'}\n");
        std::vector<AppChanges> apps;
        apps.push_back(appChanges(a, b, QStringLiteral("shop-dev"), QStringLiteral("dev"), false));
        apps.push_back(
            appChanges(a, b, QStringLiteral("shop-prod"), QStringLiteral("prod-eu"), true));
        auto r = assessRisks(apps, catalogue());
        QCOMPARE(ruleIds(r), QStringList{QStringLiteral("production")});
        QCOMPARE(r.front().app, QStringLiteral("shop-prod"));
        QVERIFY(r.front().reason.contains(QStringLiteral("prod-eu (prod)")));
        for (int i = 0; i < 4; ++i)
            apps.push_back(appChanges(a, b, QStringLiteral("shop-%1").arg(i),
                                      QStringLiteral("c%1").arg(i % 2)));
        r = assessRisks(apps, catalogue());
        const Risk* blast = findRisk(r, QStringLiteral("blast-radius"));
        QVERIFY(blast);
        QVERIFY(blast->app.isEmpty());
        QVERIFY2(blast->reason.contains(QStringLiteral("6 applications on 4 clusters")),
                 qPrintable(blast->reason));
    }

    void policyNewAndFixed() {
        const QByteArray base = object("apps/v1", "Deployment", "web",
                                       "spec:\n  template:\n    spec:\n      containers:\n"
                                       "      - name: app\n        image: app:latest\n"
                                       "        securityContext: {privileged: true}\n");
        QByteArray head = base;
        head.replace("app:latest", "app:1.2.3");
        head.replace("privileged: true", "privileged: false");
        head.replace("        securityContext",
                     "        ports: [{containerPort: 22, hostPort: 22}]\n"
                     "        securityContext");
        const auto b = parse(base);
        const auto h = parse(head);
        const PolicyDelta d = comparePolicy(QStringLiteral("shop"), b, h, diffObjects(b, h));
        QStringList introduced, fixed;
        for (const auto& v : d.introduced)
            introduced << v.rule;
        for (const auto& v : d.fixed)
            fixed << v.rule;
        QVERIFY2(fixed.contains(QStringLiteral("privileged-container")),
                 qPrintable(fixed.join(',')));
        QVERIFY2(fixed.contains(QStringLiteral("image-tag")) ||
                     fixed.contains(QStringLiteral("latest-tag")),
                 qPrintable(fixed.join(',')));
        QVERIFY2(!introduced.isEmpty(), "a hostPort should be a new violation");
        // A violation that is unchanged is neither new nor fixed.
        for (const QString& rule : introduced)
            QVERIFY(!fixed.contains(rule));
        QVERIFY(comparePolicy(QStringLiteral("shop"), b, b).empty());
    }
};

QTEST_GUILESS_MAIN(TestRiskRules)
#include "tst_riskrules.moc"
