// Workload rules closing Polaris's gaps (services/policy/checks.cpp): linux-hardening (one of
// AppArmor, seccomp, SELinux or dropped capabilities per container), naked-pod,
// network-policy-coverage (pods isolated by a NetworkPolicy of the set) and pdb-sanity
// against an autoscaler's minReplicas.

#include "policy/manifests.h"
#include "policy/policyengine.h"
#include "policy/policypack.h"

#include <QTest>

using namespace sextant::policy;

namespace {

const QString kFile = QStringLiteral("workload.yaml");

std::vector<Violation> run(const QByteArray& yaml, const QString& rule,
                           const PolicyPack& pack = PolicyPack::builtin()) {
    const auto objects = parseManifests(yaml, kFile);
    if (!objects) {
        qWarning("%s", qPrintable(objects.error().toString()));
        return {};
    }
    SourceTexts sources;
    sources.insert(kFile, QString::fromUtf8(yaml).split(QLatin1Char('\n')));
    CheckOptions options;
    options.onlyRules = {rule};
    options.sources = &sources;
    return checkObjects(pack, *objects, options);
}

// A Pod with `annotations` (indented 4) and `spec` (indented 2, below "spec:").
QByteArray pod(const QByteArray& spec, const QByteArray& annotations = {},
               const QByteArray& labels = "    app: web\n") {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n  labels:\n" +
           labels + (annotations.isEmpty() ? QByteArray() : "  annotations:\n" + annotations) +
           "spec:\n" + spec + "---\n";
}

// Applies the first fix until the rule passes (at most 5 rounds); returns the fixed text.
QByteArray fixAll(QByteArray yaml, const QString& rule) {
    for (int round = 0; round < 5; ++round) {
        const auto v = run(yaml, rule);
        if (v.empty() || !v.front().fix)
            break;
        QStringList lines = QString::fromUtf8(yaml).split(QLatin1Char('\n'));
        if (!applyFix(lines, *v.front().fix))
            break;
        yaml = lines.join(QLatin1Char('\n')).toUtf8();
    }
    return yaml;
}

const QString kHardening = QStringLiteral("linux-hardening");
const QString kNaked = QStringLiteral("naked-pod");
const QString kNetpol = QStringLiteral("network-policy-coverage");

QByteArray networkPolicy(const QByteArray& spec, const QByteArray& ns = "shop") {
    return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\n"
           "  namespace: " +
           ns + "\nspec:\n" + spec + "---\n";
}

const QByteArray kContainer = "  containers:\n  - name: app\n    image: app:1\n";

} // namespace

class TestPolicyHardening : public QObject {
    Q_OBJECT
private slots:
    void hardeningByAnyOfFour();
    void hardeningSeccompOverrides();
    void hardeningInitAndEphemeralContainers();
    void hardeningFixPasses();
    void nakedPods();
    void networkPolicyIsolation();
    void networkPolicyOnlyWhereManaged();
    void pdbAgainstAutoscaler();
};

void TestPolicyHardening::hardeningByAnyOfFour() {
    QCOMPARE(run(pod(kContainer), kHardening).size(), std::size_t(1));
    // AppArmor by annotation (named after the container), seccomp, SELinux, dropped caps.
    QVERIFY(run(pod(kContainer,
                    "    container.apparmor.security.beta.kubernetes.io/app: runtime/default\n"),
                kHardening)
                .empty());
    QVERIFY(run(pod("  securityContext:\n    appArmorProfile:\n      type: RuntimeDefault\n" +
                    kContainer),
                kHardening)
                .empty());
    QVERIFY(run(pod("  securityContext:\n    seccompProfile:\n      type: Localhost\n"
                    "      localhostProfile: p.json\n" +
                    kContainer),
                kHardening)
                .empty());
    QVERIFY(run(pod("  securityContext:\n    seLinuxOptions:\n      level: \"s0:c1,c2\"\n" +
                    kContainer),
                kHardening)
                .empty());
    QVERIFY(run(pod(kContainer + "    securityContext:\n      capabilities:\n"
                                 "        drop: [NET_RAW]\n"),
                kHardening)
                .empty());
    // What does not count: an annotation for another container, unconfined AppArmor, an empty
    // seLinuxOptions, dropping everything while adding ALL back.
    QCOMPARE(run(pod(kContainer,
                     "    container.apparmor.security.beta.kubernetes.io/other: runtime/default\n"),
                 kHardening)
                 .size(),
             std::size_t(1));
    QCOMPARE(
        run(pod(kContainer, "    container.apparmor.security.beta.kubernetes.io/app: unconfined\n"),
            kHardening)
            .size(),
        std::size_t(1));
    QCOMPARE(
        run(pod("  securityContext:\n    seLinuxOptions: {}\n" + kContainer), kHardening).size(),
        std::size_t(1));
    const auto addAll = run(pod(kContainer + "    securityContext:\n      capabilities:\n"
                                             "        drop: [ALL]\n        add: [all]\n"),
                            kHardening);
    QCOMPARE(addAll.size(), std::size_t(1));
    QVERIFY2(addAll[0].message.contains(QLatin1String("capabilities.add has ALL")),
             qPrintable(addAll[0].message));
    QCOMPARE(addAll[0].severity, Severity::Info);
}

void TestPolicyHardening::hardeningSeccompOverrides() {
    // The container's Unconfined overrides the pod's RuntimeDefault, and the other way round.
    const QByteArray podDefault = "  securityContext:\n    seccompProfile:\n"
                                  "      type: RuntimeDefault\n";
    const QByteArray podUnconfined = "  securityContext:\n    seccompProfile:\n"
                                     "      type: Unconfined\n";
    QCOMPARE(run(pod(podDefault + kContainer +
                     "    securityContext:\n      seccompProfile:\n        type: Unconfined\n"),
                 kHardening)
                 .size(),
             std::size_t(1));
    QVERIFY(run(pod(podUnconfined + kContainer +
                    "    securityContext:\n      seccompProfile:\n        type: RuntimeDefault\n"),
                kHardening)
                .empty());
    QCOMPARE(run(pod(podUnconfined + kContainer), kHardening).size(), std::size_t(1));
    // A pod profile without a type restricts nothing.
    QCOMPARE(
        run(pod("  securityContext:\n    seccompProfile: {}\n" + kContainer), kHardening).size(),
        std::size_t(1));
}

void TestPolicyHardening::hardeningInitAndEphemeralContainers() {
    const QByteArray spec = "  initContainers:\n  - name: setup\n    image: setup:1\n" +
                            kContainer +
                            "    securityContext:\n      capabilities:\n        drop: [ALL]\n"
                            "  ephemeralContainers:\n  - name: debug\n    image: busybox:1\n";
    const auto v = run(pod(spec), kHardening);
    QCOMPARE(v.size(), std::size_t(2));
    QStringList containers;
    for (const Violation& x : v)
        containers << x.container;
    containers.sort();
    QCOMPARE(containers, QStringList({QStringLiteral("debug"), QStringLiteral("setup")}));
    QVERIFY(v[0].message.contains(QLatin1String("Container '")));
    // In a Deployment the AppArmor annotation is read from the pod template, not the object.
    const QByteArray deployment =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n"
        "    container.apparmor.security.beta.kubernetes.io/app: runtime/default\nspec:\n"
        "  template:\n    metadata:\n      annotations:\n"
        "        container.apparmor.security.beta.kubernetes.io/app: localhost/p\n"
        "    spec:\n      containers:\n      - name: app\n        image: app:1\n";
    QVERIFY(run(deployment, kHardening).empty());
    QByteArray objectOnly = deployment;
    objectOnly.replace("        container.apparmor.security.beta.kubernetes.io/app: localhost/p\n",
                       "        other: x\n");
    QCOMPARE(run(objectOnly, kHardening).size(), std::size_t(1));
}

void TestPolicyHardening::hardeningFixPasses() {
    const QByteArray before = pod("  # the pod\n" + kContainer +
                                  "    securityContext:\n      seccompProfile:\n"
                                  "        type: Unconfined # was needed once\n");
    const QByteArray fixed = fixAll(before, kHardening);
    QVERIFY(run(fixed, kHardening).empty());
    QVERIFY2(fixed.contains("type: RuntimeDefault # was needed once"), fixed.constData());
    QVERIFY(fixed.contains("# the pod"));
    const QByteArray bare = fixAll(pod(kContainer), kHardening);
    QVERIFY2(run(bare, kHardening).empty(), bare.constData());
}

void TestPolicyHardening::nakedPods() {
    const auto v = run(pod(kContainer), kNaked);
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(v[0].line, 2); // kind: Pod
    QVERIFY2(v[0].message.contains(QLatin1String("no ownerReferences")), qPrintable(v[0].message));
    QVERIFY(!v[0].fix.has_value());
    const QByteArray owned =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-1\n  ownerReferences:\n"
        "  - apiVersion: apps/v1\n    kind: ReplicaSet\n    name: web-5d9\n    uid: 1\n"
        "spec:\n" +
        kContainer;
    QVERIFY(run(owned, kNaked).empty());
    // Controllers' pod templates are not Pods.
    QVERIFY(run("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n"
                "    spec:\n      containers:\n      - name: a\n        image: a:1\n",
                kNaked)
                .empty());
}

void TestPolicyHardening::networkPolicyIsolation() {
    const QByteArray both = "  podSelector:\n    matchLabels:\n      app: web\n"
                            "  policyTypes: [Ingress, Egress]\n";
    // Default deny both ways (no rules) isolates: the strongest coverage.
    QVERIFY(run(pod(kContainer) + networkPolicy(both), kNetpol).empty());
    // Only ingress, by default policyTypes (no egress rules): Egress is missing.
    const auto ingressOnly =
        run(pod(kContainer) +
                networkPolicy("  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {}\n"),
            kNetpol);
    QCOMPARE(ingressOnly.size(), std::size_t(1));
    QVERIFY2(ingressOnly[0].message.contains(QLatin1String("not isolated for Egress")),
             qPrintable(ingressOnly[0].message));
    QCOMPARE(ingressOnly[0].line, 6); // the pod's labels
    // Without policyTypes, egress rules make it an Egress policy too.
    QVERIFY(run(pod(kContainer) + networkPolicy("  podSelector: {}\n  ingress: []\n  egress:\n"
                                                "  - to:\n    - podSelector: {}\n"),
                kNetpol)
                .empty());
    // Two policies, one per direction, together isolate.
    QVERIFY(run(pod(kContainer) + networkPolicy("  podSelector: {}\n  policyTypes: [Ingress]\n") +
                    networkPolicy("  podSelector:\n    matchExpressions:\n    - key: app\n"
                                  "      operator: In\n      values: [web, api]\n"
                                  "  policyTypes: [Egress]\n"),
                kNetpol)
                .empty());
    // A policy that selects other pods, or lives in another namespace, does not count.
    const auto wrongLabel =
        run(pod(kContainer) + networkPolicy("  podSelector:\n    matchLabels:\n      app: api\n"
                                            "  policyTypes: [Ingress, Egress]\n"),
            kNetpol);
    QCOMPARE(wrongLabel.size(), std::size_t(1));
    QVERIFY2(wrongLabel[0].message.contains(QLatin1String("Ingress and Egress")),
             qPrintable(wrongLabel[0].message));
    QVERIFY(
        run(pod(kContainer) + networkPolicy(both, "tools") + networkPolicy(both), kNetpol).empty());
    // Pods on the host's network are out of NetworkPolicy's reach (host-network reports them).
    QVERIFY(run(pod("  hostNetwork: true\n" + kContainer) + networkPolicy("  podSelector: {}\n"),
                kNetpol)
                .empty());
    QCOMPARE(run(pod(kContainer) + networkPolicy("  podSelector: {}\n"), kNetpol).size(),
             std::size_t(1));
}

void TestPolicyHardening::networkPolicyOnlyWhereManaged() {
    // No NetworkPolicy of the namespace in the set: policies are managed elsewhere (or the
    // render is partial), so nothing is reported.
    const QByteArray elsewhere =
        networkPolicy("  podSelector: {}\n  policyTypes: [Ingress, Egress]\n", "tools");
    QVERIFY(run(pod(kContainer) + elsewhere, kNetpol).empty());
    // requireWhen: always reports it; namespaceInSet when the Namespace object is in the set.
    PolicyPack pack = PolicyPack::builtin();
    QVERIFY(pack.setParam(kNetpol, "requireWhen", YNode::makeScalar("always")));
    QCOMPARE(run(pod(kContainer), kNetpol, pack).size(), std::size_t(1));
    QVERIFY(pack.setParam(kNetpol, "requireWhen", YNode::makeScalar("namespaceInSet")));
    QVERIFY(run(pod(kContainer), kNetpol, pack).empty());
    QCOMPARE(
        run("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n" + pod(kContainer),
            kNetpol, pack)
            .size(),
        std::size_t(1));
    // Workloads are judged by their pod template's labels; a CronJob's sits two levels down.
    const QByteArray cronJob =
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\n  namespace: shop\n"
        "  labels:\n    app: web\nspec:\n  schedule: \"0 1 * * *\"\n  jobTemplate:\n    spec:\n"
        "      template:\n        metadata:\n          labels:\n            app: batch\n"
        "        spec:\n          containers:\n          - name: a\n            image: a:1\n"
        "---\n";
    const auto v = run(cronJob + networkPolicy("  podSelector:\n    matchLabels:\n      app: web\n"
                                               "  policyTypes: [Ingress, Egress]\n"),
                       kNetpol);
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(v[0].line, 14); // spec.jobTemplate.spec.template.metadata.labels
}

void TestPolicyHardening::pdbAgainstAutoscaler() {
    const auto objects = [](const QByteArray& minAvailable, const QByteArray& hpaMin) {
        return QByteArray("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: zk\n"
                          "spec:\n  replicas: 10\n  template:\n    metadata:\n      labels:\n"
                          "        app: zk\n    spec:\n      containers:\n      - name: zk\n"
                          "        image: zk:3\n---\n"
                          "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n"
                          "  name: zk\nspec:\n  minAvailable: ") +
               minAvailable +
               "\n  selector:\n    matchLabels:\n      app: zk\n---\n"
               "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
               "  name: zk\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n"
               "    kind: Deployment\n    name: zk\n" +
               (hpaMin.isEmpty() ? QByteArray() : "  minReplicas: " + hpaMin + "\n") +
               "  maxReplicas: 20\n";
    };
    const QString rule = QStringLiteral("pdb-sanity");
    // Compared with the autoscaler's floor, not the static replicas it overrides.
    const auto above = run(objects("6", "5"), rule);
    QCOMPARE(above.size(), std::size_t(1));
    QVERIFY2(above[0].message.contains(QLatin1String("minReplicas (HPA)")),
             qPrintable(above[0].message));
    // Equal blocks evictions at the floor too (Polaris passes it: deliberately stricter).
    QCOMPARE(run(objects("5", "5"), rule).size(), std::size_t(1));
    QVERIFY(run(objects("4", "5"), rule).empty());
    // minReplicas defaults to 1.
    QCOMPARE(run(objects("2", {}), rule).size(), std::size_t(1));
    // workloads: autoscaled leaves static workloads to the rest of the rule's users.
    PolicyPack pack = PolicyPack::builtin();
    QVERIFY(pack.setParam(rule, "workloads", YNode::makeScalar("autoscaled")));
    QByteArray noHpa = objects("12", "5");
    noHpa.truncate(noHpa.indexOf("---\napiVersion: autoscaling"));
    QCOMPARE(run(noHpa, rule).size(), std::size_t(1)); // 12 ≥ 10 replicas
    QVERIFY(run(noHpa, rule, pack).empty());
    QCOMPARE(run(objects("6", "5"), rule, pack).size(), std::size_t(1));
}

QTEST_GUILESS_MAIN(TestPolicyHardening)
#include "tst_policyhardening.moc"
