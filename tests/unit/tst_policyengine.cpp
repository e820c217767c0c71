// The policy engine's Kubernetes semantics, locations, fixes and pack (services/policy).

#include "policy/manifests.h"
#include "policy/policyengine.h"
#include "policy/policypack.h"
#include "policy/policyreport.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
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
    void configMapsIngressesAndAutoscalers();
    void invalidYamlHasFileAndLine();
    void listObjectsAreSplit();
    void kustomizeIsRenderedAndMappedBack();
    void kustomizeOverlayMapsToPatchAndBase();
    void helmChartIsRenderedOrExplained();
    void reportsHaveTheDocumentedShape();
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

QTEST_GUILESS_MAIN(TestPolicyEngine)
#include "tst_policyengine.moc"
