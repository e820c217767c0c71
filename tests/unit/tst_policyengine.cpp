// The policy engine's Kubernetes semantics, locations, fixes and pack (services/policy).

#include "policy/manifests.h"
#include "policy/policyengine.h"
#include "policy/policypack.h"
#include "policy/policyreport.h"
#include "policy/waivers.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant::policy;

namespace {

const QString kFile = QStringLiteral("test.yaml");

std::vector<Violation> run(const QByteArray& yaml, const QStringList& rules,
                           const QString& kubeVersion = {}) {
    const auto objects = parseManifests(yaml, kFile);
    if (!objects) {
        qWarning("%s", qPrintable(objects.error().toString()));
        return {};
    }
    SourceTexts sources;
    sources.insert(kFile, QString::fromUtf8(yaml).split(QLatin1Char('\n')));
    CheckOptions options;
    options.onlyRules = rules;
    options.kubernetesVersion = kubeVersion;
    options.sources = &sources;
    return checkObjects(PolicyPack::builtin(), *objects, options);
}

// A Deployment whose pod spec is `podSpec` (indented by 6 spaces in the template).
QByteArray deployment(const QByteArray& podSpec, const QByteArray& extraSpec = {}) {
    return "apiVersion: apps/v1\n"
           "kind: Deployment\n"
           "metadata:\n"
           "  name: web\n"
           "spec:\n" +
           extraSpec +
           "  template:\n"
           "    metadata:\n"
           "      labels:\n"
           "        app: web\n"
           "    spec:\n" +
           podSpec;
}

// Applies fixes one at a time (re-checking after each) until the rule passes or a violation
// has no fix; returns the fixed text.
QByteArray fixAll(QByteArray yaml, const QString& rule, int* applied = nullptr) {
    for (int round = 0; round < 10; ++round) {
        const std::vector<Violation> v = run(yaml, {rule});
        if (v.empty() || !v.front().fix)
            break;
        QStringList lines = QString::fromUtf8(yaml).split(QLatin1Char('\n'));
        if (!applyFix(lines, *v.front().fix))
            break;
        yaml = lines.join(QLatin1Char('\n')).toUtf8();
        if (applied)
            ++*applied;
    }
    return yaml;
}

// Two Deployments ("web" and "worker" in "shop", "api" in "tools"), each with one container
// "app" (image without tag) and "web" with a sidecar "proxy:latest": image-tag errors.
QByteArray imageTagObjects() {
    return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
           "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n"
           "        image: app\n      - name: proxy\n        image: proxy:latest\n"
           "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\n"
           "  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n"
           "      - name: app\n        image: app\n"
           "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n"
           "  namespace: tools\nspec:\n  template:\n    spec:\n      containers:\n"
           "      - name: app\n        image: app\n";
}

std::vector<Waiver> waivers(const QByteArray& yaml) {
    auto parsed = parseWaivers(yaml, QStringLiteral("w.yaml"), PolicyPack::builtin());
    if (!parsed) {
        qWarning("%s", qPrintable(parsed.error().toString()));
        return {};
    }
    return *parsed;
}

// One waiver entry for `rule` with the given extra lines (indented by 4).
QByteArray waiverEntry(const QByteArray& rule, const QByteArray& extra = {},
                       const QByteArray& expires = "2026-06-30") {
    return "  - rule: " + rule + "\n" + extra + "    reason: accepted risk\n    owner: team-a\n" +
           "    expires: " + expires + "\n";
}

const QDate kToday(2026, 3, 1);

} // namespace

class TestPolicyEngine : public QObject {
    Q_OBJECT
private slots:
    void builtinPackLoads();
    void packErrorsHaveLines();
    void docsListEveryRule();
    void podSecurityContextIsInherited();
    void containerOverridesPod();
    void seccompInheritance();
    void initAndEphemeralContainers();
    void cronJobAndRolloutTemplates();
    void linesPointAtTheField();
    void fixesMakeRulesPass_data();
    void fixesMakeRulesPass();
    void fixKeepsComments();
    void deprecatedApis_data();
    void deprecatedApis();
    void serviceSelectorMatchingNothing();
    void pdbPresenceAndSanity();
    void minReplicasPerEnvironment();
    void secretsInEnv();
    void hostProcessAndProcMount();
    void openShiftSccAssignedFields();
    void rolesAllowingPodExec();
    void configMapsIngressesAndAutoscalers();
    void invalidYamlHasFileAndLine();
    void listObjectsAreSplit();
    void kustomizeIsRenderedAndMappedBack();
    void kustomizeOverlayMapsToPatchAndBase();
    void helmChartIsRenderedOrExplained();
    void reportsHaveTheDocumentedShape();
    void waiversMatchRuleObjectAndContainer();
    void expiredWaiversDoNotWaive();
    void unusedAndRefusedWaiversAreReported();
    void malformedWaiverFilesHaveLines_data();
    void malformedWaiverFilesHaveLines();
    void waiverFilesAreFoundUpToTheRepositoryRoot();
    void reportsShowWaivers();
};

void TestPolicyEngine::builtinPackLoads() {
    const PolicyPack& pack = PolicyPack::builtin();
    QVERIFY(pack.rules().size() >= 25);
    for (const Rule& r : pack.rules()) {
        QVERIFY2(!r.title.isEmpty() && !r.rationale.isEmpty(), qPrintable(r.id));
        QCOMPARE(r.equivalents.size(), std::size_t(4));
    }
}

void TestPolicyEngine::packErrorsHaveLines() {
    const QByteArray bad = "rules:\n"
                           "  - id: x\n"
                           "    severity: error\n"
                           "    title: t\n"
                           "    rationale: r\n"
                           "    check: noSuchCheck\n";
    const auto r = PolicyPack::fromYaml(bad, QStringLiteral("pack.yaml"));
    QVERIFY(!r.ok());
    QVERIFY2(r.error().details.startsWith(QLatin1String("pack.yaml:6:")),
             qPrintable(r.error().details));
    QVERIFY(!PolicyPack::fromYaml("rules:\n  - id: x\n    severity: fatal\n", QStringLiteral("p"))
                 .ok());
}

// docs/policy.md's rule table must name every rule of the built-in pack with its severity.
void TestPolicyEngine::docsListEveryRule() {
    QFile f(QStringLiteral(SEXTANT_TEST_DATA_DIR "/../../docs/policy.md"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString doc = QString::fromUtf8(f.readAll());
    for (const Rule& r : PolicyPack::builtin().rules()) {
        const QString row = QStringLiteral("| `%1` | %2 |").arg(r.id, severityName(r.severity));
        QVERIFY2(doc.contains(row), qPrintable(QStringLiteral("docs/policy.md lacks: ") + row));
    }
}

void TestPolicyEngine::podSecurityContextIsInherited() {
    const QByteArray yaml = deployment("      securityContext:\n"
                                       "        runAsNonRoot: true\n"
                                       "      containers:\n"
                                       "      - name: app\n"
                                       "        image: app:1.0\n");
    QVERIFY(run(yaml, {QStringLiteral("run-as-non-root")}).empty());
    const QByteArray uid = deployment("      securityContext:\n"
                                      "        runAsUser: 1000\n"
                                      "      containers:\n"
                                      "      - name: app\n"
                                      "        image: app:1.0\n");
    QVERIFY(run(uid, {QStringLiteral("run-as-non-root")}).empty());
    // allowPrivilegeEscalation does not exist at pod level: a pod-level value is no answer.
    const QByteArray ape = deployment("      securityContext:\n"
                                      "        allowPrivilegeEscalation: false\n"
                                      "      containers:\n"
                                      "      - name: app\n"
                                      "        image: app:1.0\n");
    QCOMPARE(run(ape, {QStringLiteral("allow-privilege-escalation")}).size(), std::size_t(1));
}

void TestPolicyEngine::containerOverridesPod() {
    const QByteArray yaml = deployment("      securityContext:\n"
                                       "        runAsNonRoot: true\n"
                                       "      containers:\n"
                                       "      - name: ok\n"
                                       "        image: app:1.0\n"
                                       "      - name: root\n"
                                       "        image: app:1.0\n"
                                       "        securityContext:\n"
                                       "          runAsUser: 0\n");
    const auto v = run(yaml, {QStringLiteral("run-as-non-root")});
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(v[0].container, QStringLiteral("root"));
    QVERIFY(v[0].message.contains(QLatin1String("runAsUser is 0")));
    QCOMPARE(v[0].line, 19);
}

void TestPolicyEngine::seccompInheritance() {
    const QStringList rule = {QStringLiteral("seccomp-profile")};
    QVERIFY(run(deployment("      securityContext:\n"
                           "        seccompProfile: {type: RuntimeDefault}\n"
                           "      containers:\n"
                           "      - name: a\n"
                           "        image: a:1\n"),
                rule)
                .empty());
    QVERIFY(run(deployment("      securityContext:\n"
                           "        seccompProfile: {type: Unconfined}\n"
                           "      containers:\n"
                           "      - name: a\n"
                           "        image: a:1\n"
                           "        securityContext:\n"
                           "          seccompProfile: {type: Localhost, localhostProfile: p}\n"),
                rule)
                .empty());
    const auto v = run(deployment("      securityContext:\n"
                                  "        seccompProfile: {type: RuntimeDefault}\n"
                                  "      containers:\n"
                                  "      - name: a\n"
                                  "        image: a:1\n"
                                  "        securityContext:\n"
                                  "          seccompProfile: {type: Unconfined}\n"),
                       rule);
    QCOMPARE(v.size(), std::size_t(1));
    QVERIFY(v[0].message.contains(QLatin1String("Unconfined")));
}

void TestPolicyEngine::initAndEphemeralContainers() {
    const QByteArray yaml = deployment("      initContainers:\n"
                                       "      - name: setup\n"
                                       "        image: setup:1\n"
                                       "        securityContext: {privileged: true}\n"
                                       "      ephemeralContainers:\n"
                                       "      - name: debug\n"
                                       "        image: busybox:1.36\n"
                                       "        securityContext: {privileged: true}\n"
                                       "      containers:\n"
                                       "      - name: app\n"
                                       "        image: app:1\n"
                                       "        livenessProbe: {httpGet: {path: /, port: 80}}\n"
                                       "        resources: {requests: {cpu: 10m}}\n");
    const auto priv = run(yaml, {QStringLiteral("privileged-container")});
    QCOMPARE(priv.size(), std::size_t(2));
    QStringList messages;
    for (const Violation& v : priv)
        messages << v.message;
    QVERIFY(messages.join(' ').contains(QLatin1String("initContainer 'setup'")));
    QVERIFY(messages.join(' ').contains(QLatin1String("ephemeralContainer 'debug'")));
    // Probes cannot exist on init/ephemeral containers; resources not on ephemeral ones.
    QVERIFY(run(yaml, {QStringLiteral("liveness-probe")}).empty());
    const auto cpu = run(yaml, {QStringLiteral("cpu-requests")});
    QCOMPARE(cpu.size(), std::size_t(1));
    QCOMPARE(cpu[0].container, QStringLiteral("setup"));
}

void TestPolicyEngine::cronJobAndRolloutTemplates() {
    const QByteArray yaml = "apiVersion: batch/v1\n"
                            "kind: CronJob\n"
                            "metadata:\n"
                            "  name: nightly\n"
                            "spec:\n"
                            "  schedule: '0 3 * * *'\n"
                            "  jobTemplate:\n"
                            "    spec:\n"
                            "      template:\n"
                            "        spec:\n"
                            "          hostPID: true\n"
                            "          containers:\n"
                            "          - name: job\n"
                            "            image: job:1\n"
                            "            securityContext:\n"
                            "              privileged: true\n"
                            "---\n"
                            "apiVersion: argoproj.io/v1alpha1\n"
                            "kind: Rollout\n"
                            "metadata:\n"
                            "  name: canary\n"
                            "spec:\n"
                            "  template:\n"
                            "    metadata:\n"
                            "      labels: {app: canary}\n"
                            "    spec:\n"
                            "      containers:\n"
                            "      - name: app\n"
                            "        image: app:latest\n"
                            "---\n"
                            "apiVersion: v1\n"
                            "kind: Service\n"
                            "metadata:\n"
                            "  name: canary\n"
                            "spec:\n"
                            "  selector: {app: canary}\n";
    const auto priv = run(yaml, {QStringLiteral("privileged-container")});
    QCOMPARE(priv.size(), std::size_t(1));
    QCOMPARE(priv[0].kind, QStringLiteral("CronJob"));
    QCOMPARE(priv[0].line, 16);
    const auto pid = run(yaml, {QStringLiteral("host-pid")});
    QCOMPARE(pid.size(), std::size_t(1));
    QCOMPARE(pid[0].line, 11);
    // Jobs run to completion: no liveness probe asked of the CronJob; the Rollout needs one.
    const auto probes = run(yaml, {QStringLiteral("liveness-probe")});
    QCOMPARE(probes.size(), std::size_t(1));
    QCOMPARE(probes[0].kind, QStringLiteral("Rollout"));
    const auto tag = run(yaml, {QStringLiteral("image-tag")});
    QCOMPARE(tag.size(), std::size_t(1));
    QCOMPARE(tag[0].line, 29);
    // The Service selects the Rollout's pods (CRD workloads count).
    QVERIFY(run(yaml, {QStringLiteral("dangling-service")}).empty());
}

void TestPolicyEngine::linesPointAtTheField() {
    const QByteArray yaml = "# leading comment\n"
                            "---\n" +
                            deployment("      hostNetwork: true\n"
                                       "      containers:\n"
                                       "      - name: app\n"
                                       "        image: app:1\n"
                                       "        ports:\n"
                                       "        - containerPort: 80\n"
                                       "          hostPort: 8080\n");
    const auto net = run(yaml, {QStringLiteral("host-network")});
    QCOMPARE(net.size(), std::size_t(1));
    QCOMPARE(net[0].file, kFile);
    QCOMPARE(net[0].line, 13);
    QCOMPARE(net[0].name, QStringLiteral("web"));
    QCOMPARE(net[0].apiVersion, QStringLiteral("apps/v1"));
    const auto port = run(yaml, {QStringLiteral("host-port")});
    QCOMPARE(port.size(), std::size_t(1));
    QCOMPARE(port[0].line, 19);
    // A missing field: the line of the container that lacks it.
    const auto ro = run(yaml, {QStringLiteral("read-only-root-filesystem")});
    QCOMPARE(ro.size(), std::size_t(1));
    QCOMPARE(ro[0].line, 15);
}

void TestPolicyEngine::fixesMakeRulesPass_data() {
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QByteArray>("yaml");
    const QByteArray bare = deployment("      containers:\n"
                                       "      - name: app\n"
                                       "        image: app:1\n"
                                       "      - name: side\n"
                                       "        image: side:1\n"
                                       "        securityContext:\n"
                                       "          privileged: true\n"
                                       "          runAsNonRoot: false\n"
                                       "          allowPrivilegeEscalation: true\n"
                                       "          capabilities:\n"
                                       "            add: [NET_BIND_SERVICE]\n"
                                       "        imagePullPolicy: IfNotPresent\n");
    for (const char* rule :
         {"privileged-container", "run-as-non-root", "allow-privilege-escalation",
          "read-only-root-filesystem", "drop-all-capabilities", "seccomp-profile",
          "image-pull-policy", "automount-service-account-token", "min-replicas"})
        QTest::newRow(rule) << QString::fromLatin1(rule) << bare;
    QTest::newRow("host-ipc") << QStringLiteral("host-ipc")
                              << deployment("      hostIPC: true\n"
                                            "      containers:\n"
                                            "      - name: app\n"
                                            "        image: app:1\n");
    QTest::newRow("min-replicas existing") << QStringLiteral("min-replicas")
                                           << deployment("      containers:\n"
                                                         "      - name: app\n"
                                                         "        image: app:1\n",
                                                         "  replicas: 1\n");
    QTest::newRow("pod spec starts with a list")
        << QStringLiteral("automount-service-account-token")
        << deployment("      containers:\n"
                      "      - name: app\n"
                      "        image: app:1\n");
}

void TestPolicyEngine::fixesMakeRulesPass() {
    QFETCH(QString, rule);
    QFETCH(QByteArray, yaml);
    QVERIFY(!run(yaml, {rule}).empty());
    int applied = 0;
    const QByteArray fixed = fixAll(yaml, rule, &applied);
    QVERIFY(applied > 0);
    QVERIFY2(run(fixed, {rule}).empty(), fixed.constData());
    QVERIFY(parseManifests(fixed, kFile).ok());
}

void TestPolicyEngine::fixKeepsComments() {
    const QByteArray yaml = deployment("      containers:\n"
                                       "      - name: app # the main one\n"
                                       "        image: app:1\n"
                                       "        securityContext:\n"
                                       "          privileged: true # TODO remove\n");
    const auto v = run(yaml, {QStringLiteral("privileged-container")});
    QCOMPARE(v.size(), std::size_t(1));
    QVERIFY(v[0].fix);
    QCOMPARE(v[0].fix->text, QStringLiteral("          privileged: false # TODO remove"));
    QVERIFY(v[0].fix->diff.contains(QLatin1String("-          privileged: true # TODO remove")));
    const QByteArray fixed = fixAll(yaml, QStringLiteral("privileged-container"));
    QVERIFY(fixed.contains("- name: app # the main one"));
    // Only the one line changed.
    QCOMPARE(fixed.count('\n'), yaml.count('\n'));
}

void TestPolicyEngine::deprecatedApis_data() {
    QTest::addColumn<QByteArray>("apiVersion");
    QTest::addColumn<QByteArray>("kind");
    QTest::addColumn<QString>("kubeVersion");
    QTest::addColumn<QString>("expected"); // "", warning or error
    QTest::newRow("extensions Ingress")
        << QByteArray("extensions/v1beta1") << QByteArray("Ingress") << QString() << "error";
    QTest::newRow("extensions Deployment 1.15")
        << QByteArray("extensions/v1beta1") << QByteArray("Deployment") << "1.15"
        << "warning";
    QTest::newRow("batch CronJob 1.22")
        << QByteArray("batch/v1beta1") << QByteArray("CronJob") << "1.22"
        << "warning";
    QTest::newRow("batch CronJob 1.25")
        << QByteArray("batch/v1beta1") << QByteArray("CronJob") << "1.25"
        << "error";
    QTest::newRow("PDB v1beta1") << QByteArray("policy/v1beta1")
                                 << QByteArray("PodDisruptionBudget") << QString() << "error";
    QTest::newRow("PSP") << QByteArray("policy/v1beta1") << QByteArray("PodSecurityPolicy")
                         << QString() << "error";
    QTest::newRow("HPA v2beta2 1.24")
        << QByteArray("autoscaling/v2beta2") << QByteArray("HorizontalPodAutoscaler") << "1.24"
        << "warning";
    QTest::newRow("flowcontrol v1beta3 1.31")
        << QByteArray("flowcontrol.apiserver.k8s.io/v1beta3") << QByteArray("FlowSchema") << "1.31"
        << "warning";
    QTest::newRow("flowcontrol v1beta3 1.32")
        << QByteArray("flowcontrol.apiserver.k8s.io/v1beta3") << QByteArray("FlowSchema") << "1.32"
        << "error";
    QTest::newRow("networking v1 Ingress")
        << QByteArray("networking.k8s.io/v1") << QByteArray("Ingress") << QString() << "";
    QTest::newRow("apps v1") << QByteArray("apps/v1") << QByteArray("Deployment") << QString()
                             << "";
}

void TestPolicyEngine::deprecatedApis() {
    QFETCH(QByteArray, apiVersion);
    QFETCH(QByteArray, kind);
    QFETCH(QString, kubeVersion);
    QFETCH(QString, expected);
    const QByteArray yaml =
        "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: x\nspec: {}\n";
    const auto v = run(yaml, {QStringLiteral("deprecated-api")}, kubeVersion);
    if (expected.isEmpty()) {
        QVERIFY(v.empty());
        return;
    }
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(severityName(v[0].severity), expected);
    QCOMPARE(v[0].line, 1);
}

void TestPolicyEngine::serviceSelectorMatchingNothing() {
    const QByteArray yaml = deployment("      containers:\n"
                                       "      - name: app\n"
                                       "        image: app:1\n") +
                            "---\n"
                            "apiVersion: v1\n"
                            "kind: Service\n"
                            "metadata: {name: good}\n"
                            "spec:\n"
                            "  selector: {app: web}\n"
                            "---\n"
                            "apiVersion: v1\n"
                            "kind: Service\n"
                            "metadata: {name: typo}\n"
                            "spec:\n"
                            "  selector:\n"
                            "    app: wbe\n"
                            "---\n"
                            "apiVersion: v1\n"
                            "kind: Service\n"
                            "metadata: {name: other-namespace, namespace: elsewhere}\n"
                            "spec:\n"
                            "  selector: {app: web}\n"
                            "---\n"
                            "apiVersion: v1\n"
                            "kind: Service\n"
                            "metadata: {name: external}\n"
                            "spec:\n"
                            "  type: ExternalName\n"
                            "  externalName: db.example.com\n";
    const auto v = run(yaml, {QStringLiteral("dangling-service")});
    QCOMPARE(v.size(), std::size_t(2));
    QCOMPARE(v[0].name, QStringLiteral("typo"));
    QCOMPARE(v[0].line, 25);
    QVERIFY(v[0].message.contains(QLatin1String("app=wbe")));
    QCOMPARE(v[1].name, QStringLiteral("other-namespace"));
}

void TestPolicyEngine::pdbPresenceAndSanity() {
    const QByteArray web = deployment("      containers:\n"
                                      "      - name: app\n"
                                      "        image: app:1\n",
                                      "  replicas: 2\n");
    QCOMPARE(run(web, {QStringLiteral("pdb-presence")}).size(), std::size_t(1));
    const QByteArray withPdb = web + "---\n"
                                     "apiVersion: policy/v1\n"
                                     "kind: PodDisruptionBudget\n"
                                     "metadata: {name: web}\n"
                                     "spec:\n"
                                     "  minAvailable: 2\n"
                                     "  selector:\n"
                                     "    matchExpressions:\n"
                                     "    - {key: app, operator: In, values: [web, api]}\n";
    QVERIFY(run(withPdb, {QStringLiteral("pdb-presence")}).empty());
    // minAvailable 2 of 2 replicas: a drain can never evict one.
    const auto sanity = run(withPdb, {QStringLiteral("pdb-sanity")});
    QCOMPARE(sanity.size(), std::size_t(1));
    QCOMPARE(sanity[0].line, 20);
    QVERIFY(sanity[0].message.contains(QLatin1String("minAvailable 2")));
    const QByteArray zero = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: "
                            "z}\nspec:\n  maxUnavailable: 0\n  selector: {matchLabels: {a: b}}\n";
    QCOMPARE(run(zero, {QStringLiteral("pdb-sanity")}).size(), std::size_t(1));
    // A single replica needs no PDB.
    QVERIFY(run(deployment("      containers:\n      - name: a\n        image: a:1\n"),
                {QStringLiteral("pdb-presence")})
                .empty());
}

void TestPolicyEngine::minReplicasPerEnvironment() {
    auto inNamespace = [](const QByteArray& ns, const QByteArray& replicas) {
        return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  namespace: " + ns +
               "\nspec:\n  replicas: " + replicas +
               "\n  template:\n    spec:\n      containers:\n      - {name: a, image: a:1}\n";
    };
    const QStringList rule = {QStringLiteral("min-replicas")};
    QVERIFY(run(inNamespace("shop-dev", "1"), rule).empty());
    QCOMPARE(run(inNamespace("shop-prod", "1"), rule).size(), std::size_t(1));
    QVERIFY(run(inNamespace("shop-prod", "2"), rule).empty());
    const auto v = run(inNamespace("shop-prod", "1"), rule);
    QVERIFY(v[0].message.contains(QLatin1String("environment prod")));
    // An HPA owns the replica count.
    const QByteArray hpa = inNamespace("shop-prod", "1") +
                           "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
                           "metadata: {name: w, namespace: shop-prod}\n"
                           "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, "
                           "name: w}\n  minReplicas: 2\n  maxReplicas: 4\n";
    QVERIFY(run(hpa, rule).empty());
}

void TestPolicyEngine::secretsInEnv() {
    const QByteArray yaml = deployment("      containers:\n"
                                       "      - name: app\n"
                                       "        image: app:1\n"
                                       "        env:\n"
                                       "        - name: LOG_LEVEL\n"
                                       "          value: debug\n"
                                       "        - name: DB_PASSWORD\n"
                                       "          value: hunter2\n"
                                       "        - name: API_TOKEN\n"
                                       "          valueFrom: {secretKeyRef: {name: s, key: t}}\n");
    const auto v = run(yaml, {QStringLiteral("secret-in-env")});
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(v[0].line, 18);
    QVERIFY(v[0].message.contains(QLatin1String("DB_PASSWORD")));
}

void TestPolicyEngine::hostProcessAndProcMount() {
    // hostProcess set on the pod applies to every container.
    const QByteArray pod = deployment("      securityContext:\n"
                                      "        windowsOptions:\n"
                                      "          hostProcess: true\n"
                                      "      containers:\n"
                                      "      - name: a\n"
                                      "        image: a:1\n"
                                      "      - name: b\n"
                                      "        image: b:1\n");
    const auto hp = run(pod, {QStringLiteral("host-process")});
    QCOMPARE(hp.size(), std::size_t(2));
    QCOMPARE(hp[0].line, 13);
    QVERIFY(hp[0].message.contains(QLatin1String("windowsOptions.hostProcess is true")));
    const QByteArray proc = deployment("      containers:\n"
                                       "      - name: a\n"
                                       "        image: a:1\n"
                                       "        securityContext: {procMount: Unmasked}\n"
                                       "      - name: b\n"
                                       "        image: b:1\n"
                                       "        securityContext: {procMount: Default}\n");
    const auto pm = run(proc, {QStringLiteral("proc-mount")});
    QCOMPARE(pm.size(), std::size_t(1));
    QCOMPARE(pm[0].container, QStringLiteral("a"));
}

void TestPolicyEngine::openShiftSccAssignedFields() {
    // restricted-v2 assigns UID, fsGroup, supplemental groups and the SELinux level itself:
    // each pinned value is reported where it is written, the pod level once per object.
    const QByteArray yaml = deployment("      securityContext:\n"
                                       "        runAsUser: 1001\n"
                                       "        fsGroup: 2000\n"
                                       "        supplementalGroups: [5555]\n"
                                       "      containers:\n"
                                       "      - name: a\n"
                                       "        image: a:1\n"
                                       "        securityContext:\n"
                                       "          runAsUser: 1000\n"
                                       "          seLinuxOptions: {level: \"s0:c1,c2\"}\n"
                                       "      - name: b\n"
                                       "        image: b:1\n");
    const auto uid = run(yaml, {QStringLiteral("openshift-fixed-uid")});
    QCOMPARE(uid.size(), std::size_t(2)); // the pod's and container a's
    QCOMPARE(uid[0].line, 12);
    QVERIFY(uid[0].message.contains(QLatin1String("pod securityContext.runAsUser is 1001")));
    QCOMPARE(uid[1].container, QStringLiteral("a"));
    QCOMPARE(uid[1].line, 19);
    QVERIFY(uid[1].message.contains(QLatin1String("uid-range")));
    QCOMPARE(run(yaml, {QStringLiteral("openshift-fixed-fsgroup")}).size(), std::size_t(1));
    QCOMPARE(run(yaml, {QStringLiteral("openshift-fixed-supplemental-groups")}).size(),
             std::size_t(1));
    const auto selinux = run(yaml, {QStringLiteral("openshift-selinux-options")});
    QCOMPARE(selinux.size(), std::size_t(1));
    QCOMPARE(selinux[0].container, QStringLiteral("a"));
    // Nothing pinned: nothing reported, runAsNonRoot alone is what OpenShift wants.
    const QByteArray clean = deployment("      securityContext:\n"
                                        "        runAsNonRoot: true\n"
                                        "      containers:\n"
                                        "      - name: a\n"
                                        "        image: a:1\n");
    QVERIFY(run(clean,
                {QStringLiteral("openshift-fixed-uid"), QStringLiteral("openshift-fixed-fsgroup"),
                 QStringLiteral("openshift-fixed-supplemental-groups"),
                 QStringLiteral("openshift-selinux-options")})
                .empty());
}

void TestPolicyEngine::rolesAllowingPodExec() {
    const auto role = [](const QByteArray& kind, const QByteArray& name, const QByteArray& rule) {
        return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind +
               "\nmetadata:\n  name: " + name + "\n  namespace: shop\nrules:\n" + rule;
    };
    const QString id = QStringLiteral("rbac-pod-exec-attach");
    // exec by name, by resource wildcard, by verb wildcard, through the "*" API group.
    const auto exec =
        run(role("Role", "debug",
                 "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get, list]\n"
                 "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [create]\n"),
            {id});
    QCOMPARE(exec.size(), std::size_t(1));
    QCOMPARE(exec[0].line, 10); // the second rule
    QVERIFY2(exec[0].message.contains(QLatin1String("rule 1 allows create on pods/exec")),
             qPrintable(exec[0].message));
    QCOMPARE(run(role("ClusterRole", "ops",
                      "- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [get]\n"),
                 {id})
                 .size(),
             std::size_t(1));
    QCOMPARE(run(role("Role", "attach",
                      "- apiGroups: [\"\"]\n  resources: [pods/attach]\n  verbs: [\"*\"]\n"),
                 {id})
                 .size(),
             std::size_t(1));
    // Reading logs, another API group, and Kubernetes' own roles pass.
    QVERIFY(
        run(role("Role", "logs", "- apiGroups: [\"\"]\n  resources: [pods/log]\n  verbs: [get]\n"),
            {id})
            .empty());
    QVERIFY(
        run(role("Role", "apps", "- apiGroups: [apps]\n  resources: [\"*\"]\n  verbs: [\"*\"]\n"),
            {id})
            .empty());
    QVERIFY(run(role("ClusterRole", "edit",
                     "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [create]\n"),
                {id})
                .empty());
    QVERIFY(run(role("ClusterRole", "system:aggregate-to-edit",
                     "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [create]\n"),
                {id})
                .empty());
    // A list exec with the wrong verb passes.
    QVERIFY(run(role("Role", "watch-exec",
                     "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [list, watch]\n"),
                {id})
                .empty());
}

void TestPolicyEngine::configMapsIngressesAndAutoscalers() {
    const QByteArray yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n"
                            "  LOG_LEVEL: info\n  db_password: hunter2\n"
                            "---\n"
                            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\n"
                            "spec:\n  rules: [{host: a.example.com}]\n"
                            "---\n"
                            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
                            "metadata: {name: h}\nspec:\n  scaleTargetRef: {kind: Deployment, "
                            "name: web}\n  maxReplicas: 1\n";
    const auto cm = run(yaml, {QStringLiteral("secret-in-configmap")});
    QCOMPARE(cm.size(), std::size_t(1));
    QCOMPARE(cm[0].line, 6);
    QCOMPARE(run(yaml, {QStringLiteral("ingress-tls")}).size(), std::size_t(1));
    // minReplicas absent means 1 (Kubernetes' default); maxReplicas 1 cannot scale.
    const auto min = run(yaml, {QStringLiteral("hpa-min-replicas")});
    QCOMPARE(min.size(), std::size_t(1));
    QVERIFY(min[0].message.contains(QLatin1String("unset (1)")));
    QCOMPARE(run(yaml, {QStringLiteral("hpa-max-replicas")}).size(), std::size_t(1));
}

void TestPolicyEngine::invalidYamlHasFileAndLine() {
    const auto r = parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
                                  QStringLiteral("broken.yaml"));
    QVERIFY(!r.ok());
    QVERIFY2(QRegularExpression(QStringLiteral("^broken\\.yaml:\\d+:\\d+: "))
                 .match(r.error().details)
                 .hasMatch(),
             qPrintable(r.error().details));
}

void TestPolicyEngine::listObjectsAreSplit() {
    const QByteArray yaml = "apiVersion: v1\nkind: List\nitems:\n"
                            "- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n"
                            "  spec: {type: NodePort}\n"
                            "- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n"
                            "  spec: {type: LoadBalancer}\n";
    const auto v = run(yaml, {QStringLiteral("service-type")});
    QCOMPARE(v.size(), std::size_t(2));
    QCOMPARE(v[1].line, 11);
}

void TestPolicyEngine::kustomizeIsRenderedAndMappedBack() {
    const QString dir = QStringLiteral(SEXTANT_TEST_DATA_DIR "/policy/kustomize-app");
    const auto loaded = loadManifests({dir});
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().toString()));
    if (Renderers::detect().kubectl.isEmpty() && Renderers::detect().kustomize.isEmpty()) {
        QCOMPARE(loaded->renderer, QStringLiteral("raw"));
        QVERIFY(!loaded->notes.isEmpty());
        QSKIP("neither kubectl nor kustomize is installed: raw fallback checked only");
    }
    QVERIFY(loaded->renderer.contains(QLatin1String("kustomize")));
    QCOMPARE(loaded->objects.size(), std::size_t(1));
    QCOMPARE(loaded->objects[0].name, std::string("prod-api"));
    QCOMPARE(loaded->objects[0].ns, std::string("shop-prod"));
    CheckOptions options;
    options.onlyRules = {QStringLiteral("privileged-container")};
    options.sources = &loaded->sources;
    const auto v = checkObjects(PolicyPack::builtin(), loaded->objects, options);
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(QFileInfo(v[0].file).fileName(), QStringLiteral("deployment.yaml"));
    QCOMPARE(v[0].line, 21);
    QVERIFY(!v[0].fix); // rendered: the field may come from a patch
}

// A field set by the overlay's patch is reported in the patch; one only in the base, in the base.
void TestPolicyEngine::kustomizeOverlayMapsToPatchAndBase() {
    if (Renderers::detect().kubectl.isEmpty() && Renderers::detect().kustomize.isEmpty())
        QSKIP("neither kubectl nor kustomize is installed");
    const QString dir = QStringLiteral(SEXTANT_TEST_DATA_DIR "/policy/overlay");
    const auto loaded = loadManifests({dir + QStringLiteral("/prod")});
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().toString()));
    CheckOptions options;
    options.onlyRules = {QStringLiteral("image-tag"), QStringLiteral("privileged-container"),
                         QStringLiteral("service-type")};
    const auto v = checkObjects(PolicyPack::builtin(), loaded->objects, options);
    QCOMPARE(v.size(), std::size_t(3));
    QHash<QString, QString> where;
    for (const Violation& r : v) {
        where.insert(r.rule, QDir(dir).relativeFilePath(r.file) + QLatin1Char(':') +
                                 QString::number(r.line));
        QCOMPARE(r.ns, QStringLiteral("shop-prod"));
        QVERIFY(r.name.endsWith(QLatin1String("-prod")));
    }
    QCOMPARE(where.value(QStringLiteral("image-tag")), QStringLiteral("prod/image.yaml:10"));
    QCOMPARE(where.value(QStringLiteral("privileged-container")),
             QStringLiteral("base/deployment.yaml:19"));
    QCOMPARE(where.value(QStringLiteral("service-type")), QStringLiteral("base/service.yaml:6"));
}

void TestPolicyEngine::helmChartIsRenderedOrExplained() {
    const auto loaded = loadManifests({QStringLiteral(SEXTANT_TEST_DATA_DIR "/policy/chart")});
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().toString()));
    if (Renderers::detect().helm.isEmpty()) {
        // Templates are not YAML before rendering: skipped, and the note says why.
        QCOMPARE(loaded->renderer, QStringLiteral("raw"));
        QVERIFY(loaded->objects.empty());
        QCOMPARE(loaded->notes.size(), 1);
        QVERIFY(loaded->notes[0].contains(QLatin1String("helm is not installed")));
        return;
    }
    QCOMPARE(loaded->renderer, QStringLiteral("helm"));
    QCOMPARE(loaded->objects.size(), std::size_t(1));
    CheckOptions options;
    options.onlyRules = {QStringLiteral("host-network")};
    QCOMPARE(checkObjects(PolicyPack::builtin(), loaded->objects, options).size(), std::size_t(1));
}

void TestPolicyEngine::reportsHaveTheDocumentedShape() {
    Report report;
    report.renderer = QStringLiteral("raw");
    report.results = run(deployment("      containers:\n"
                                    "      - name: app\n"
                                    "        image: app:1\n"
                                    "        securityContext: {privileged: true}\n"),
                         {QStringLiteral("privileged-container")});
    QCOMPARE(report.results.size(), std::size_t(1));
    const std::string json = reportJson(report);
    for (const char* key : {"\"renderer\"", "\"results\"", "\"waived\"", "\"rule\"", "\"object\"",
                            "\"namespace\"", "\"file\"", "\"line\"", "\"message\"", "\"fix\""})
        QVERIFY2(json.find(key) != std::string::npos, key);
    const std::string sarif = reportSarif(report, PolicyPack::builtin());
    QVERIFY(sarif.find("\"version\": \"2.1.0\"") != std::string::npos);
    QVERIFY(sarif.find("\"startLine\": 14") != std::string::npos);
    QVERIFY(reportMarkdown(report).find("privileged-container") != std::string::npos);
}

void TestPolicyEngine::waiversMatchRuleObjectAndContainer() {
    const QStringList rule = {QStringLiteral("image-tag")};
    const std::vector<Violation> all = run(imageTagObjects(), rule);
    QCOMPARE(all.size(), std::size_t(4));
    const auto waivedNames = [&](const QByteArray& extra) {
        const WaiverOutcome o =
            applyWaivers(all, waivers("waivers:\n" + waiverEntry("image-tag", extra)),
                         PolicyPack::builtin(), kToday, rule);
        QStringList names;
        for (const WaivedResult& w : o.waived)
            names << w.violation.name + QLatin1Char('/') + w.violation.container;
        if (o.results.size() + o.waived.size() != all.size())
            names << QStringLiteral("(results lost)");
        return names;
    };
    // The rule alone waives every result of the rule.
    QCOMPARE(waivedNames({}).size(), 4);
    QCOMPARE(waivedNames("    object: {kind: Deployment, namespace: shop, name: web}\n"),
             QStringList({"web/app", "web/proxy"}));
    QCOMPARE(waivedNames("    object: {name: web}\n    container: proxy\n"),
             QStringList({"web/proxy"}));
    QCOMPARE(waivedNames("    object: {namespace: shop, name: \"w*\"}\n"),
             QStringList({"web/app", "web/proxy", "worker/app"}));
    QCOMPARE(waivedNames("    object: {name: \"*er\"}\n"), QStringList({"worker/app"}));
    QCOMPARE(waivedNames("    object: {namespace: tools}\n"), QStringList({"api/app"}));
    QCOMPARE(waivedNames("    object: {kind: StatefulSet}\n"), QStringList());
    QCOMPARE(waivedNames("    container: sidecar\n"), QStringList());

    // The waived result carries the waiver (file, line, reason, owner, expiry).
    const WaiverOutcome o = applyWaivers(
        all,
        waivers("waivers:\n" + waiverEntry("image-digest") +
                waiverEntry("image-tag", "    container: proxy\n    ticket: OPS-12\n")),
        PolicyPack::builtin(), kToday, rule);
    QCOMPARE(o.waived.size(), std::size_t(1));
    const Waiver& w = o.waived[0].waiver;
    QCOMPARE(w.file, QStringLiteral("w.yaml"));
    QCOMPARE(w.line, 6);
    QCOMPARE(w.reason, QStringLiteral("accepted risk"));
    QCOMPARE(w.ticket, QStringLiteral("OPS-12"));
    QCOMPARE(w.owner, QStringLiteral("team-a"));
    QCOMPARE(w.expires, QDate(2026, 6, 30));
    // The image-digest waiver's rule did not run: not reported as unused.
    QVERIFY(o.problems.empty());
}

void TestPolicyEngine::expiredWaiversDoNotWaive() {
    const QStringList rule = {QStringLiteral("image-tag")};
    const std::vector<Violation> all = run(imageTagObjects(), rule);
    const std::vector<Waiver> list =
        waivers("waivers:\n" + waiverEntry("image-tag", {}, "2026-01-31"));
    const WaiverOutcome expired = applyWaivers(all, list, PolicyPack::builtin(), kToday, rule);
    QCOMPARE(expired.results.size(), all.size());
    QVERIFY(expired.waived.empty());
    QCOMPARE(expired.problems.size(), std::size_t(1));
    QCOMPARE(expired.problems[0].kind, WaiverProblem::Kind::Expired);
    QCOMPARE(expired.problems[0].problem, QStringLiteral("expired 2026-01-31"));
    QCOMPARE(expired.problems[0].line, 2);
    QCOMPARE(expired.problems[0].owner, QStringLiteral("team-a"));
    // A waiver is valid through its expiry day.
    const WaiverOutcome lastDay =
        applyWaivers(all, list, PolicyPack::builtin(), QDate(2026, 1, 31), rule);
    QCOMPARE(lastDay.waived.size(), all.size());
    QVERIFY(lastDay.problems.empty());
}

void TestPolicyEngine::unusedAndRefusedWaiversAreReported() {
    const QByteArray yaml = deployment("      containers:\n"
                                       "      - name: app\n"
                                       "        image: app:1\n"
                                       "        securityContext: {privileged: true}\n"
                                       "        env:\n"
                                       "        - name: DB_PASSWORD\n"
                                       "          value: hunter2\n");
    const QStringList rules = {QStringLiteral("privileged-container"),
                               QStringLiteral("secret-in-env"), QStringLiteral("host-network")};
    const std::vector<Violation> all = run(yaml, rules);
    QCOMPARE(all.size(), std::size_t(2));
    QVERIFY(!PolicyPack::builtin().find(QStringLiteral("privileged-container"))->waivable);
    QVERIFY(!PolicyPack::builtin().find(QStringLiteral("secret-in-env"))->waivable);
    QVERIFY(PolicyPack::builtin().find(QStringLiteral("host-network"))->waivable);
    const WaiverOutcome o =
        applyWaivers(all,
                     waivers("waivers:\n" + waiverEntry("privileged-container") +
                             waiverEntry("secret-in-env", "    object: {name: web}\n") +
                             waiverEntry("host-network")),
                     PolicyPack::builtin(), kToday, rules);
    QCOMPARE(o.results.size(), std::size_t(2)); // refused waivers waive nothing
    QVERIFY(o.waived.empty());
    QCOMPARE(o.problems.size(), std::size_t(3));
    QCOMPARE(o.problems[0].kind, WaiverProblem::Kind::NotWaivable);
    QCOMPARE(o.problems[0].problem, QStringLiteral("rule 'privileged-container' is not waivable"));
    QCOMPARE(o.problems[1].kind, WaiverProblem::Kind::NotWaivable);
    QCOMPARE(o.problems[1].line, 6);
    QCOMPARE(o.problems[2].kind, WaiverProblem::Kind::Unused);
    QCOMPARE(o.problems[2].rule, QStringLiteral("host-network"));
    QCOMPARE(o.problems[2].line, 11);

    // A pack can mark its own rules; anything but a boolean is an error with its line.
    const QByteArray pack = "rules:\n"
                            "  - id: x\n"
                            "    severity: error\n"
                            "    title: t\n"
                            "    rationale: r\n"
                            "    check: hostPort\n"
                            "    waivable: perhaps\n";
    const auto bad = PolicyPack::fromYaml(pack, QStringLiteral("pack.yaml"));
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error().details.startsWith(QLatin1String("pack.yaml:7:")),
             qPrintable(bad.error().details));
}

void TestPolicyEngine::malformedWaiverFilesHaveLines_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<QString>("expected");
    QTest::newRow("syntax") << QByteArray("waivers:\n  - rule: image-tag\n   owner: x\n")
                            << QStringLiteral("f.yaml:3:");
    QTest::newRow("not a list") << QByteArray("waivers: image-tag\n")
                                << QStringLiteral("f.yaml:1: expected a 'waivers' list");
    QTest::newRow("unknown top key") << QByteArray("waiver:\n  - rule: image-tag\n")
                                     << QStringLiteral("f.yaml:1: unknown key 'waiver'");
    QTest::newRow("missing owner")
        << QByteArray("waivers:\n  - rule: image-tag\n    reason: r\n    expires: 2026-01-01\n")
        << QStringLiteral("f.yaml:2: a waiver needs 'owner'");
    QTest::newRow("missing reason")
        << QByteArray("waivers:\n  - rule: image-tag\n    owner: o\n    expires: 2026-01-01\n")
        << QStringLiteral("f.yaml:2: a waiver needs 'reason'");
    QTest::newRow("missing expiry") << QByteArray("waivers:\n" + waiverEntry("image-tag"))
                                           .replace("    expires: 2026-06-30\n", "")
                                    << QStringLiteral("f.yaml:2: a waiver needs 'expires'");
    QTest::newRow("bad date") << QByteArray("waivers:\n" +
                                            waiverEntry("image-tag", {}, "2026-02-30"))
                              << QStringLiteral("f.yaml:5: 'expires' must be a date");
    QTest::newRow("unknown rule") << QByteArray("waivers:\n" + waiverEntry("no-such-rule"))
                                  << QStringLiteral("f.yaml:2: unknown rule 'no-such-rule'");
    QTest::newRow("typo in a key")
        << QByteArray("waivers:\n" + waiverEntry("image-tag", "    contianer: app\n"))
        << QStringLiteral("f.yaml:3: unknown key 'contianer'");
    QTest::newRow("object not a map")
        << QByteArray("waivers:\n" + waiverEntry("image-tag", "    object: web\n"))
        << QStringLiteral("f.yaml:3: 'object' must be a map");
    QTest::newRow("unknown object key")
        << QByteArray("waivers:\n" + waiverEntry("image-tag", "    object: {labels: x}\n"))
        << QStringLiteral("f.yaml:3: unknown key 'labels'");
}

void TestPolicyEngine::malformedWaiverFilesHaveLines() {
    QFETCH(QByteArray, yaml);
    QFETCH(QString, expected);
    const auto r = parseWaivers(yaml, QStringLiteral("f.yaml"), PolicyPack::builtin());
    QVERIFY(!r.ok());
    QVERIFY2(r.error().details.startsWith(expected), qPrintable(r.error().details));
    // An empty file and an empty list waive nothing.
    QVERIFY(parseWaivers("", QStringLiteral("e.yaml"), PolicyPack::builtin())->empty());
    QVERIFY(
        parseWaivers("waivers: []\n", QStringLiteral("e.yaml"), PolicyPack::builtin())->empty());
}

void TestPolicyEngine::waiverFilesAreFoundUpToTheRepositoryRoot() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString top = tmp.path();
    const QString repo = top + QStringLiteral("/repo");
    for (const char* d : {"/repo/.git", "/repo/.sextant", "/repo/apps/shop/.sextant",
                          "/repo/apps/shop/base", "/repo/apps/other"})
        QVERIFY(QDir().mkpath(top + QLatin1String(d)));
    const QString entry = QStringLiteral("waivers: []\n");
    const auto touch = [&](const QString& path) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(entry.toUtf8());
    };
    touch(top + QStringLiteral("/.sextant-waivers.yaml")); // above the repository: ignored
    touch(repo + QStringLiteral("/.sextant-waivers.yaml"));
    touch(repo + QStringLiteral("/.sextant/security.waivers.yaml"));
    touch(repo + QStringLiteral("/.sextant/notes.yaml")); // not *.waivers.yaml: ignored
    touch(repo + QStringLiteral("/apps/shop/.sextant/shop.waivers.yaml"));
    touch(repo + QStringLiteral("/apps/shop/base/.sextant-waivers.yaml"));
    touch(repo + QStringLiteral("/apps/other/.sextant-waivers.yaml"));
    touch(repo + QStringLiteral("/apps/shop/base/deploy.yaml"));

    const QStringList fromDir = findWaiverFiles({repo + QStringLiteral("/apps/shop")});
    QCOMPARE(fromDir,
             QStringList({repo + QStringLiteral("/.sextant-waivers.yaml"),
                          repo + QStringLiteral("/.sextant/security.waivers.yaml"),
                          repo + QStringLiteral("/apps/shop/.sextant/shop.waivers.yaml"),
                          repo + QStringLiteral("/apps/shop/base/.sextant-waivers.yaml")}));
    // A file: its directory and the parents; the same file twice is listed once.
    const QString file = repo + QStringLiteral("/apps/shop/base/deploy.yaml");
    QCOMPARE(findWaiverFiles({file, file}).size(), 4);
    // Without .git, the search stops at the checked path.
    QVERIFY(QDir(repo + QStringLiteral("/.git")).removeRecursively());
    QCOMPARE(findWaiverFiles({repo + QStringLiteral("/apps/shop/base")}),
             QStringList({repo + QStringLiteral("/apps/shop/base/.sextant-waivers.yaml")}));
}

void TestPolicyEngine::reportsShowWaivers() {
    const QStringList rule = {QStringLiteral("image-tag")};
    const std::vector<Violation> all = run(imageTagObjects(), rule);
    const WaiverOutcome o =
        applyWaivers(all,
                     waivers("waivers:\n" + waiverEntry("image-tag", "    object: {name: web}\n") +
                             waiverEntry("image-tag", "    object: {name: gone}\n", "2025-12-31")),
                     PolicyPack::builtin(), kToday, rule);
    Report report;
    report.renderer = QStringLiteral("raw");
    report.results = o.results;
    report.waived = o.waived;
    report.waiverProblems = o.problems;
    QCOMPARE(report.waived.size(), std::size_t(2));

    const std::string json = reportJson(report);
    for (const char* key : {"\"waiver\"", "\"waiverProblems\"", "\"expired 2025-12-31\"",
                            "\"reason\": \"accepted risk\"", "\"owner\": \"team-a\""})
        QVERIFY2(json.find(key) != std::string::npos, key);
    const std::string sarif = reportSarif(report, PolicyPack::builtin());
    QVERIFY(sarif.find("\"suppressions\"") != std::string::npos);
    QVERIFY(sarif.find("\"kind\": \"external\"") != std::string::npos);
    QVERIFY(sarif.find("\"justification\": \"accepted risk\"") != std::string::npos);
    const std::string md = reportMarkdown(report);
    QVERIFY(md.find("## Waived") != std::string::npos);
    QVERIFY(md.find("## Waiver problems") != std::string::npos);
    QVERIFY(md.find("w.yaml:7 | image-tag | team-a | expired 2025-12-31") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestPolicyEngine)
#include "tst_policyengine.moc"
