// Custom rules in YAML, the JSON Schema validator and the Polaris custom-check importer
// (services/policy/customrules, jsonschema, polarischecks), with inline rules and schemas.

#include "policy/customrules.h"
#include "policy/jsonschema.h"
#include "policy/manifests.h"
#include "policy/polarischecks.h"
#include "policy/policyengine.h"
#include "policy/policypack.h"
#include "policy/policyreport.h"
#include "policy/waivers.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::policy;

namespace {

const QString kRules = QStringLiteral("rules.yaml");

// The built-in pack plus the custom rules of `rulesYaml`; fails the test when they do not load.
PolicyPack packWith(const QByteArray& rulesYaml) {
    PolicyPack pack = PolicyPack::builtin();
    Result<std::vector<Rule>> rules = parseCustomRules(rulesYaml, kRules, pack);
    if (!rules) {
        qWarning("%s", qPrintable(rules.error().details));
        return pack;
    }
    if (Status s = pack.addRules(std::move(rules).value()); !s)
        qWarning("%s", qPrintable(s.error().details));
    return pack;
}

std::vector<Violation> run(const PolicyPack& pack, const QByteArray& yaml, const QStringList& rules,
                           const QString& file = QStringLiteral("test.yaml")) {
    const auto objects = parseManifests(yaml, file);
    if (!objects) {
        qWarning("%s", qPrintable(objects.error().toString()));
        return {};
    }
    SourceTexts sources;
    sources.insert(file, QString::fromUtf8(yaml).split(QLatin1Char('\n')));
    CheckOptions options;
    options.onlyRules = rules;
    options.sources = &sources;
    return checkObjects(pack, *objects, options);
}

QStringList names(const std::vector<Violation>& v) {
    QStringList out;
    for (const Violation& x : v)
        out << x.name + (x.container.isEmpty() ? QString() : QLatin1Char('/') + x.container);
    return out;
}

QByteArray deployment(const QByteArray& name, const QByteArray& ns, const QByteArray& labels,
                      const QByteArray& replicas) {
    return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
           "\n  namespace: " + ns + "\n  labels:\n" + labels + "spec:\n  replicas: " + replicas +
           "\n  template:\n    spec:\n      containers:\n      - name: app\n        image: a:1\n";
}

const QByteArray kReplicaRule = "rules:\n"
                                "  - id: prod-replicas\n"
                                "    severity: error\n"
                                "    title: Production runs three replicas\n"
                                "    rationale: One replica means downtime on every drain.\n"
                                "    match:\n"
                                "      kinds: [apps/Deployment]\n"
                                "      namespaces: [\"shop-*\"]\n"
                                "      labels: [\"team=shop\", owner, \"!legacy\"]\n"
                                "      environments: [prod]\n"
                                "    conditions:\n"
                                "      - field: spec.replicas\n"
                                "        default: 1\n"
                                "        greaterThan: 2\n"
                                "    message: \"{{kind}} {{name}} runs {{ value }} replica(s), "
                                "expected {{expected}}\"\n"
                                "    fix: {field: spec.replicas, value: 3}\n";

// A schema from YAML text.
JsonSchema schemaOf(const char* yaml) {
    const auto docs = parseYamlDocuments(yaml);
    Result<JsonSchema> s = JsonSchema::compile(docs.front(), QStringLiteral("schema.yaml"));
    if (!s)
        qFatal("%s", qPrintable(s.error().details));
    return std::move(s).value();
}

bool valid(const JsonSchema& s, const char* yaml) {
    const auto docs = parseYamlDocuments(yaml);
    return s.validate(docs.empty() ? YNode() : docs.front());
}

} // namespace

class TestCustomRules : public QObject {
    Q_OBJECT
private slots:
    void matchByKindNamespaceLabelsEnvironment();
    void environmentFromPathAndNamespace();
    void messageHasActualAndExpectedValue();
    void targetsPodSpecAndEveryContainer();
    void operators_data();
    void operators();
    void combinators();
    void everyListItem();
    void someListItem();
    void fixIsMinimalAndMakesTheRulePass();
    void badFilesHaveFileAndLine_data();
    void badFilesHaveFileAndLine();
    void idsMustNotClash();
    void waiversApplyAndNonWaivableIsRefused();
    void ruleFilesAreFoundUpToTheRepositoryRoot();
    void reportsListCustomRules();
    void jsonSchemaKeywords();
    void jsonSchemaRefusesWhatItCannotDo();
    void quantities();
    void polarisContainerCheckOnPodSpec();
    void polarisConfigSeveritiesAndKinds();
    void polarisTemplatesAreRefused();
    void polarisMutationBecomesFix();
};

void TestCustomRules::matchByKindNamespaceLabelsEnvironment() {
    const PolicyPack pack = packWith(kReplicaRule);
    QVERIFY(pack.find(QStringLiteral("prod-replicas")));
    const QByteArray shop = "    team: shop\n    owner: ann\n    env: prod\n";
    const QByteArray yaml =
        deployment("hit", "shop-a", shop, "1") + "---\n" +
        deployment("enough", "shop-a", shop, "3") + "---\n" +
        deployment("other-ns", "tools", shop, "1") + "---\n" +
        deployment("other-team", "shop-a", "    team: web\n    owner: ann\n    env: prod\n", "1") +
        "---\n" + deployment("no-owner", "shop-a", "    team: shop\n    env: prod\n", "1") +
        "---\n" +
        deployment("legacy", "shop-a",
                   "    team: shop\n    owner: a\n    env: prod\n    legacy: y\n", "1") +
        "---\n" +
        deployment("dev", "shop-a", "    team: shop\n    owner: ann\n    env: dev\n", "1") +
        "---\napiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: other-group\n"
        "  namespace: shop-a\n  labels:\n" +
        shop + "spec:\n  replicas: 1\n";
    QCOMPARE(names(run(pack, yaml, {QStringLiteral("prod-replicas")})), QStringList{"hit"});
}

void TestCustomRules::environmentFromPathAndNamespace() {
    const PolicyPack pack = packWith(kReplicaRule);
    const QByteArray noEnv = "    team: shop\n    owner: ann\n";
    // No env label: a path segment of the file, else a part of the namespace.
    QCOMPARE(run(pack, deployment("a", "shop-x", noEnv, "1"), {"prod-replicas"},
                 QStringLiteral("overlays/prod/deploy.yaml"))
                 .size(),
             std::size_t(1));
    QCOMPARE(run(pack, deployment("a", "shop-x", noEnv, "1"), {"prod-replicas"},
                 QStringLiteral("overlays/staging/deploy.yaml"))
                 .size(),
             std::size_t(0));
    QCOMPARE(run(pack, deployment("a", "shop-prod", noEnv, "1"), {"prod-replicas"}).size(),
             std::size_t(1));
    // The label wins over the namespace.
    QCOMPARE(
        run(pack, deployment("a", "shop-prod", noEnv + "    env: dev\n", "1"), {"prod-replicas"})
            .size(),
        std::size_t(0));
}

void TestCustomRules::messageHasActualAndExpectedValue() {
    const PolicyPack pack = packWith(kReplicaRule);
    const auto v = run(pack, deployment("web", "shop-prod", "    team: shop\n    owner: a\n", "2"),
                       {"prod-replicas"});
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(v[0].message,
             QStringLiteral("Deployment web runs 2 replica(s), expected greater than 2"));
    QCOMPARE(v[0].severity, Severity::Error);
    QCOMPARE(v[0].line, 10); // spec.replicas
    // Absent: the default is the actual value.
    QByteArray absent = deployment("web", "shop-prod", "    team: shop\n    owner: a\n", "2");
    absent.replace("  replicas: 2\n", "");
    const auto w = run(pack, absent, {"prod-replicas"});
    QCOMPARE(w.size(), std::size_t(1));
    QVERIFY2(w[0].message.contains(QLatin1String("runs 1 replica")), qPrintable(w[0].message));
}

void TestCustomRules::targetsPodSpecAndEveryContainer() {
    const PolicyPack pack =
        packWith("rules:\n"
                 "  - id: uid\n    severity: warning\n    title: t\n    rationale: r\n"
                 "    target: container\n"
                 "    conditions:\n      field: securityContext.runAsUser\n      greaterThan: 999\n"
                 "    message: \"{{container}} runs as {{value}}\"\n"
                 "  - id: uid-init-only\n    severity: warning\n    title: t\n    rationale: r\n"
                 "    target: container\n    containerTypes: [initContainers]\n"
                 "    conditions:\n      field: securityContext.runAsUser\n      exists: true\n"
                 "  - id: sa\n    severity: info\n    title: t\n    rationale: r\n"
                 "    target: podSpec\n"
                 "    conditions:\n      field: serviceAccountName\n      notEquals: default\n");
    const QByteArray cron =
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: job\nspec:\n  jobTemplate:\n"
        "    spec:\n      template:\n        spec:\n          serviceAccountName: default\n"
        "          initContainers:\n          - name: init\n            image: a:1\n"
        "          containers:\n          - name: app\n            image: a:1\n"
        "            securityContext:\n              runAsUser: 1000\n"
        "          ephemeralContainers:\n          - name: debug\n            image: a:1\n"
        "---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: ro\nspec:\n"
        "  template:\n    spec:\n      containers:\n      - name: app\n        image: a:1\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n";
    const auto v = run(pack, cron, {"uid"});
    QCOMPARE(names(v), (QStringList{"job/init", "job/debug", "ro/app"}));
    QCOMPARE(v[0].message, QStringLiteral("init runs as absent"));
    QCOMPARE(names(run(pack, cron, {"uid-init-only"})), QStringList{"job/init"});
    const auto sa = run(pack, cron, {"sa"});
    QCOMPARE(names(sa), QStringList{"job"}); // the Rollout has no serviceAccountName: not "default"
    QCOMPARE(sa[0].line, 10);
}

void TestCustomRules::operators_data() {
    QTest::addColumn<QByteArray>("condition");
    QTest::addColumn<QByteArray>("value"); // the field's YAML; empty = absent
    QTest::addColumn<bool>("passes");
    QTest::newRow("exists/set") << QByteArray("exists: true") << QByteArray("x") << true;
    QTest::newRow("exists/absent") << QByteArray("exists: true") << QByteArray() << false;
    QTest::newRow("exists false") << QByteArray("exists: false") << QByteArray() << true;
    QTest::newRow("absent/absent") << QByteArray("absent: true") << QByteArray() << true;
    QTest::newRow("absent/set") << QByteArray("absent: true") << QByteArray("1") << false;
    QTest::newRow("equals number") << QByteArray("equals: 3") << QByteArray("3.0") << true;
    QTest::newRow("equals bool") << QByteArray("equals: true") << QByteArray("True") << true;
    QTest::newRow("equals text") << QByteArray("equals: Always") << QByteArray("IfNotPresent")
                                 << false;
    QTest::newRow("equals quoted") << QByteArray("equals: \"3\"") << QByteArray("3") << true;
    QTest::newRow("equals/absent") << QByteArray("equals: a") << QByteArray() << false;
    QTest::newRow("notEquals/absent") << QByteArray("notEquals: a") << QByteArray() << true;
    QTest::newRow("notEquals/same") << QByteArray("notEquals: a") << QByteArray("a") << false;
    QTest::newRow("in") << QByteArray("in: [a, b]") << QByteArray("b") << true;
    QTest::newRow("in/absent") << QByteArray("in: [a, b]") << QByteArray() << false;
    QTest::newRow("notIn") << QByteArray("notIn: [a, b]") << QByteArray("b") << false;
    QTest::newRow("notIn/absent") << QByteArray("notIn: [a, b]") << QByteArray() << true;
    QTest::newRow("matches") << QByteArray("matches: '^registry\\.example\\.com/'")
                             << QByteArray("registry.example.com/app:1") << true;
    QTest::newRow("matches/no") << QByteArray("matches: '^registry\\.example\\.com/'")
                                << QByteArray("docker.io/app:1") << false;
    QTest::newRow("matches/map") << QByteArray("matches: 'x'") << QByteArray("{x: 1}") << false;
    QTest::newRow("lessThan quantity")
        << QByteArray("lessThan: 1Gi") << QByteArray("512Mi") << true;
    QTest::newRow("lessThan cpu") << QByteArray("lessThan: 500m") << QByteArray("1") << false;
    QTest::newRow("greaterThan") << QByteArray("greaterThan: 1") << QByteArray("2") << true;
    QTest::newRow("greaterThan/text")
        << QByteArray("greaterThan: 1") << QByteArray("many") << false;
    QTest::newRow("greaterThan/absent") << QByteArray("greaterThan: 1") << QByteArray() << false;
}

void TestCustomRules::operators() {
    QFETCH(QByteArray, condition);
    QFETCH(QByteArray, value);
    QFETCH(bool, passes);
    const PolicyPack pack = packWith("rules:\n  - id: op\n    severity: info\n    title: t\n"
                                     "    rationale: r\n    conditions:\n"
                                     "      field: data.v\n      " +
                                     condition + "\n");
    QVERIFY(pack.find(QStringLiteral("op")));
    QByteArray yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n";
    yaml += value.isEmpty() ? QByteArray("  other: 1\n") : "  v: " + value + "\n";
    QCOMPARE(run(pack, yaml, {"op"}).empty(), passes);
}

void TestCustomRules::combinators() {
    const PolicyPack pack =
        packWith("rules:\n  - id: image\n    severity: error\n    title: t\n    rationale: r\n"
                 "    target: container\n"
                 "    conditions:\n"
                 "      all:\n"
                 "        - field: image\n          matches: '^registry\\.example\\.com/'\n"
                 "        - not:\n            field: image\n            matches: ':latest$'\n"
                 "        - any:\n"
                 "            - field: imagePullPolicy\n              equals: Always\n"
                 "            - field: image\n              matches: '@sha256:'\n"
                 "    message: \"{{container}}: {{field}} is {{value}}, expected {{expected}}\"\n");
    auto pod = [](const QByteArray& image, const QByteArray& policy) {
        return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
               "  - name: app\n    image: " +
               image + "\n" +
               (policy.isEmpty() ? QByteArray() : "    imagePullPolicy: " + policy + "\n");
    };
    QVERIFY(run(pack, pod("registry.example.com/a:1", "Always"), {"image"}).empty());
    QVERIFY(run(pack, pod("registry.example.com/a@sha256:abc", ""), {"image"}).empty());
    auto v = run(pack, pod("docker.io/a:1", "Always"), {"image"});
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(v[0].message,
             QStringLiteral(
                 "app: image is docker.io/a:1, expected matching /^registry\\.example\\.com//"));
    v = run(pack, pod("registry.example.com/a:latest", "Always"), {"image"});
    QCOMPARE(v.size(), std::size_t(1));
    QVERIFY2(v[0].message.contains(QLatin1String("expected not matching /:latest$/")),
             qPrintable(v[0].message));
    v = run(pack, pod("registry.example.com/a:1", "IfNotPresent"), {"image"});
    QCOMPARE(v.size(), std::size_t(1));
    QVERIFY2(v[0].message.contains(QLatin1String("imagePullPolicy is IfNotPresent")),
             qPrintable(v[0].message));
    QCOMPARE(v[0].line, 9); // the imagePullPolicy line
}

void TestCustomRules::everyListItem() {
    const PolicyPack pack = packWith(
        "rules:\n  - id: no-host-port\n    severity: warning\n    title: t\n    rationale: r\n"
        "    target: container\n"
        "    conditions: {field: 'ports[*].hostPort', absent: true}\n"
        "  - id: named-ports\n    severity: info\n    title: t\n    rationale: r\n"
        "    target: podSpec\n"
        "    conditions: {field: 'containers[*].ports[*].name', matches: '^[a-z-]+$'}\n");
    const QByteArray yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
                            "  containers:\n  - name: a\n    image: a:1\n    ports:\n"
                            "    - containerPort: 80\n      name: http\n"
                            "    - containerPort: 81\n      hostPort: 81\n      name: Admin\n"
                            "  - name: b\n    image: b:1\n";
    const auto v = run(pack, yaml, {"no-host-port"});
    QCOMPARE(names(v), QStringList{"p/a"}); // b has no ports: nothing to fail
    QCOMPARE(v[0].message, QStringLiteral("ports[1].hostPort is 81, expected absent"));
    QCOMPARE(v[0].line, 13);
    const auto n = run(pack, yaml, {"named-ports"});
    QCOMPARE(n.size(), std::size_t(1));
    QCOMPARE(n[0].message,
             QStringLiteral("containers[0].ports[1].name is Admin, expected matching /^[a-z-]+$/"));
    QCOMPARE(n[0].line, 14);
    // [*] cannot be written by a fix.
    const auto bad = parseCustomRules(
        "rules:\n  - id: x\n    severity: info\n    title: t\n    rationale: r\n"
        "    conditions: {field: a, exists: true}\n    fix: {field: 'a[*].b', value: 1}\n",
        kRules, PolicyPack::builtin());
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error().details.contains(QLatin1String("rules.yaml:7: a fix writes one field")),
             qPrintable(bad.error().details));
}

void TestCustomRules::someListItem() {
    // "Some container port is 8080" (an item that satisfies every `where` condition), "no
    // container port is 22 over TCP" (`not` of `some`: the offending item is named), and `some`
    // over the items of several lists (every container's env).
    const PolicyPack pack = packWith(
        "rules:\n  - id: serves-8080\n    severity: warning\n    title: t\n    rationale: r\n"
        "    target: container\n    containerTypes: [containers]\n"
        "    conditions:\n      some: ports\n      where: {field: containerPort, equals: 8080}\n"
        "  - id: no-ssh\n    severity: error\n    title: t\n    rationale: r\n"
        "    target: container\n"
        "    conditions:\n      not:\n        some: ports\n        where:\n"
        "          - {field: containerPort, equals: 22}\n"
        "          - {field: protocol, default: TCP, equals: TCP}\n"
        "  - id: log-level\n    severity: info\n    title: t\n    rationale: r\n"
        "    target: podSpec\n"
        "    conditions:\n      some: 'containers[*].env'\n"
        "      where: [{field: name, equals: LOG_LEVEL}, {field: value, exists: true}]\n"
        "    message: \"{{field}}: {{value}}, expected {{expected}}\"\n");
    const QByteArray yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n" // 1-5
                            "  containers:\n  - name: web\n    image: a:1\n"           // 6-8
                            "    ports:\n    - containerPort: 80\n"                    // 9-10
                            "    - containerPort: 8080\n"                              // 11
                            "  - name: ssh\n    image: b:1\n    ports:\n"              // 12-14
                            "    - containerPort: 22\n"                                // 15
                            "  - name: none\n    image: c:1\n";                        // 16-17
    const auto serves = run(pack, yaml, {"serves-8080"});
    QCOMPARE(names(serves), (QStringList{"p/ssh", "p/none"}));
    QCOMPARE(serves[0].message,
             QStringLiteral("ports is 1 item, none matching, expected an item where "
                            "containerPort is 8080"));
    QCOMPARE(serves[0].line, 14);
    QCOMPARE(serves[1].message,
             QStringLiteral("ports is absent, expected an item where containerPort is 8080"));

    const auto ssh = run(pack, yaml, {"no-ssh"});
    QCOMPARE(names(ssh), QStringList{"p/ssh"});
    QCOMPARE(ssh[0].message, QStringLiteral("ports[0].containerPort is 22, expected not 22"));
    QCOMPARE(ssh[0].line, 15);
    // UDP on 22 is not SSH: no item satisfies both conditions.
    QByteArray udp = yaml;
    udp.replace("    - containerPort: 22\n", "    - containerPort: 22\n      protocol: UDP\n");
    QVERIFY(run(pack, udp, {"no-ssh"}).empty());

    const auto env = run(pack, yaml, {"log-level"});
    QCOMPARE(env.size(), std::size_t(1));
    QCOMPARE(env[0].message,
             QStringLiteral("containers[*].env: absent, expected an item where name is LOG_LEVEL "
                            "and value is set"));
    QByteArray withEnv = yaml;
    withEnv.replace("  - name: none\n    image: c:1\n",
                    "  - name: none\n    image: c:1\n    env:\n    - name: DEBUG\n"
                    "      value: \"1\"\n    - name: LOG_LEVEL\n      value: info\n");
    QVERIFY(run(pack, withEnv, {"log-level"}).empty());

    // `some` needs `where`; `where` conditions are checked like any other.
    const auto missing =
        parseCustomRules("rules:\n  - id: x\n    severity: info\n    title: t\n    rationale: r\n"
                         "    conditions: {some: ports}\n",
                         kRules, PolicyPack::builtin());
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().details.contains(QLatin1String("rules.yaml:6: 'some: ports' needs "
                                                            "'where'")),
             qPrintable(missing.error().details));
    const auto badWhere = parseCustomRules(
        "rules:\n  - id: x\n    severity: info\n    title: t\n    rationale: r\n"
        "    conditions:\n      some: ports\n      where: {field: containerPort, equal: 1}\n",
        kRules, PolicyPack::builtin());
    QVERIFY(!badWhere.ok());
    QVERIFY2(badWhere.error().details.contains(QLatin1String("rules.yaml:8:")),
             qPrintable(badWhere.error().details));
}

void TestCustomRules::fixIsMinimalAndMakesTheRulePass() {
    const PolicyPack pack = packWith(
        kReplicaRule +
        "  - id: ro-root\n    severity: warning\n    title: t\n    rationale: r\n"
        "    target: container\n"
        "    conditions:\n      field: securityContext.readOnlyRootFilesystem\n      equals: true\n"
        "    fix:\n      field: securityContext.readOnlyRootFilesystem\n      value: true\n"
        "  - id: label\n    severity: info\n    title: t\n    rationale: r\n"
        "    conditions:\n      field: metadata.labels[\"app.kubernetes.io/name\"]\n"
        "      exists: true\n");
    const QByteArray yaml = "# the web app\n"
                            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
                            "  namespace: shop-prod\n  labels:\n    team: shop # owners\n"
                            "    owner: ann\nspec:\n  replicas: 1 # low on purpose\n"
                            "  template:\n    spec:\n      containers:\n      - name: app\n"
                            "        image: a:1\n      - name: side\n        image: b:1\n"
                            "        securityContext:\n          readOnlyRootFilesystem: false\n";
    for (const QString& rule : {QStringLiteral("prod-replicas"), QStringLiteral("ro-root")}) {
        QByteArray text = yaml;
        for (int round = 0; round < 5; ++round) {
            const auto v = run(pack, text, {rule});
            if (v.empty())
                break;
            QVERIFY2(v.front().fix, qPrintable(rule));
            QStringList lines = QString::fromUtf8(text).split(QLatin1Char('\n'));
            QVERIFY(applyFix(lines, *v.front().fix));
            text = lines.join(QLatin1Char('\n')).toUtf8();
        }
        QVERIFY2(run(pack, text, {rule}).empty(), qPrintable(rule + "\n" + text));
        QVERIFY(text.contains("# the web app") && text.contains("team: shop # owners"));
        if (rule == QLatin1String("prod-replicas"))
            QVERIFY(text.contains("  replicas: 3 # low on purpose\n"));
        else
            QVERIFY2(text.contains("      - name: app\n        securityContext:\n"
                                   "          readOnlyRootFilesystem: true\n        image: a:1\n"),
                     text.constData());
    }
    // The label key holds '/': found, reported at metadata.labels, no fix offered.
    const auto v = run(pack, yaml, {"label"});
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(v[0].line, 7);
    QVERIFY(!v[0].fix);
}

void TestCustomRules::badFilesHaveFileAndLine_data() {
    QTest::addColumn<QByteArray>("yaml");
    QTest::addColumn<QString>("details");
    const QByteArray head = "rules:\n  - id: x\n    severity: warning\n    title: t\n"
                            "    rationale: r\n";
    QTest::newRow("yaml") << QByteArray("rules:\n  - id: [\n") << "rules.yaml:3:";
    QTest::newRow("no rules") << QByteArray("rule: []\n") << "rules.yaml:1: unknown key 'rule'";
    QTest::newRow("unknown key") << head + "    conditons: []\n"
                                 << "rules.yaml:6: unknown key 'conditons' in a rule";
    QTest::newRow("no conditions") << head << "rules.yaml:2: a rule needs 'conditions'";
    QTest::newRow("severity") << QByteArray("rules:\n  - id: x\n    severity: high\n")
                              << "rules.yaml:3: severity must be error, warning or info";
    QTest::newRow("no operator") << head + "    conditions:\n      field: a\n"
                                 << "rules.yaml:7: condition on 'a' needs an operator";
    QTest::newRow("two operators") << head + "    conditions:\n      field: a\n      exists: "
                                             "true\n      equals: 1\n"
                                   << "rules.yaml:9: a condition has one operator";
    QTest::newRow("regex") << head + "    conditions:\n      field: a\n      matches: '('\n"
                           << "rules.yaml:8: invalid regular expression '('";
    QTest::newRow("number") << head + "    conditions:\n      field: a\n      lessThan: lots\n"
                            << "rules.yaml:8: 'lessThan' and 'greaterThan' take a number";
    QTest::newRow("path") << head + "    conditions:\n      field: a..b\n      exists: true\n"
                          << "rules.yaml:7: invalid field path 'a..b'";
    QTest::newRow("index") << head + "    conditions:\n      field: 'a[99999999999999999999]'\n"
                                     "      exists: true\n"
                           << "rules.yaml:7: invalid field path 'a[99999999999999999999]': list "
                              "index too large";
    QTest::newRow("target") << head + "    target: pod\n    conditions: {field: a, exists: true}\n"
                            << "rules.yaml:6: target must be object, podSpec or container";
    QTest::newRow("placeholder") << head + "    conditions: {field: a, exists: true}\n"
                                           "    message: \"{{valeu}}\"\n"
                                 << "rules.yaml:7: unknown placeholder {{valeu}}";
    QTest::newRow("fix slash") << head + "    conditions: {field: a, exists: true}\n"
                                         "    fix: {field: 'metadata.labels[\"a/b\"]', value: x}\n"
                               << "rules.yaml:7: a fix cannot write a key containing '/'";
    QTest::newRow("label") << head + "    match: {labels: ['=x']}\n"
                                     "    conditions: {field: a, exists: true}\n"
                           << "rules.yaml:6: label '=x' names no key";
    QTest::newRow("builtin id")
        << QByteArray("rules:\n  - id: image-tag\n    severity: warning\n    title: t\n"
                      "    rationale: r\n    conditions: {field: a, exists: true}\n")
        << "rules.yaml:2: rule id 'image-tag' is already used by a built-in rule";
    QTest::newRow("twice") << head + "    conditions: {field: a, exists: true}\n" + head.mid(7) +
                                  "    conditions: {field: a, exists: true}\n"
                           << "rules.yaml:7: rule id 'x' is already used at line 2";
}

void TestCustomRules::badFilesHaveFileAndLine() {
    QFETCH(QByteArray, yaml);
    QFETCH(QString, details);
    const Result<std::vector<Rule>> r = parseCustomRules(yaml, kRules, PolicyPack::builtin());
    QVERIFY(!r.ok());
    QVERIFY2(r.error().details.startsWith(details), qPrintable(r.error().details));
}

void TestCustomRules::idsMustNotClash() {
    // Across files: the second file's rule clashes with the first's.
    PolicyPack pack = packWith(kReplicaRule);
    const Result<std::vector<Rule>> again =
        parseCustomRules(kReplicaRule, QStringLiteral("other.yaml"), pack);
    QVERIFY(!again.ok());
    QCOMPARE(
        again.error().details,
        QStringLiteral("other.yaml:2: rule id 'prod-replicas' is already used by rules.yaml:2"));
    // A pack file may not name the custom check (it needs compiled rules).
    const auto bad = PolicyPack::fromYaml("rules:\n  - id: a\n    severity: info\n    title: t\n"
                                          "    rationale: r\n    check: custom\n",
                                          QStringLiteral("pack.yaml"));
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().details.contains(QLatin1String("unknown check 'custom'")));
}

void TestCustomRules::waiversApplyAndNonWaivableIsRefused() {
    const PolicyPack pack =
        packWith("rules:\n  - id: has-team\n    severity: warning\n    title: t\n    rationale: r\n"
                 "    conditions: {field: 'metadata.labels.team', exists: true}\n"
                 "  - id: no-root\n    severity: error\n    title: t\n    rationale: r\n"
                 "    nonWaivable: true\n    target: podSpec\n"
                 "    conditions: {field: securityContext.runAsNonRoot, equals: true}\n");
    QVERIFY(!pack.find(QStringLiteral("no-root"))->waivable);
    const QByteArray yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: n\n"
                            "spec:\n  containers:\n  - name: a\n    image: a:1\n";
    const auto results = run(pack, yaml, {"has-team", "no-root"});
    QCOMPARE(results.size(), std::size_t(2));
    const auto waivers = parseWaivers("waivers:\n"
                                      "  - rule: has-team\n    reason: r\n    owner: o\n"
                                      "    expires: 2030-01-01\n"
                                      "  - rule: no-root\n    reason: r\n    owner: o\n"
                                      "    expires: 2030-01-01\n",
                                      QStringLiteral("w.yaml"), pack);
    QVERIFY2(waivers.ok(), qPrintable(waivers.ok() ? QString() : waivers.error().details));
    const WaiverOutcome out = applyWaivers(results, *waivers, pack, QDate(2026, 1, 1));
    QCOMPARE(out.waived.size(), std::size_t(1));
    QCOMPARE(out.waived[0].violation.rule, QStringLiteral("has-team"));
    QCOMPARE(out.results.size(), std::size_t(1));
    QCOMPARE(out.results[0].rule, QStringLiteral("no-root"));
    QCOMPARE(out.problems.size(), std::size_t(1));
    QCOMPARE(out.problems[0].kind, WaiverProblem::Kind::NotWaivable);
}

void TestCustomRules::ruleFilesAreFoundUpToTheRepositoryRoot() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QDir root(tmp.path());
    QVERIFY(root.mkpath(QStringLiteral("repo/.git")));
    QVERIFY(root.mkpath(QStringLiteral("repo/.sextant/policy")));
    QVERIFY(root.mkpath(QStringLiteral("repo/apps/shop/.sextant/policy")));
    QVERIFY(root.mkpath(QStringLiteral("repo/apps/other/.sextant/policy")));
    QVERIFY(root.mkpath(QStringLiteral(".sextant/policy"))); // above the repository: not read
    auto touch = [&](const QString& rel, const QByteArray& text) {
        QFile f(root.filePath(rel));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text);
    };
    const QByteArray rule = "rules:\n  - id: ID\n    severity: info\n    title: t\n"
                            "    rationale: r\n    conditions: {field: kind, exists: true}\n";
    touch(QStringLiteral("repo/.sextant/policy/org.yaml"), QByteArray(rule).replace("ID", "org"));
    touch(QStringLiteral("repo/apps/shop/.sextant/policy/shop.yml"),
          QByteArray(rule).replace("ID", "shop"));
    touch(QStringLiteral("repo/apps/other/.sextant/policy/other.yaml"),
          QByteArray(rule).replace("ID", "other"));
    touch(QStringLiteral(".sextant/policy/outside.yaml"), "not: [valid\n");
    touch(QStringLiteral("repo/apps/shop/deploy.yaml"), "apiVersion: v1\nkind: Pod\n");
    const QStringList found =
        findCustomRuleFiles({root.filePath(QStringLiteral("repo/apps/shop"))});
    QCOMPARE(found.size(), 2);
    QVERIFY(found[0].endsWith(QLatin1String("repo/.sextant/policy/org.yaml")));
    QVERIFY(found[1].endsWith(QLatin1String("repo/apps/shop/.sextant/policy/shop.yml")));
    PolicyPack pack = PolicyPack::builtin();
    const Status s = addCustomRuleFiles(pack, found);
    QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().details));
    QVERIFY(pack.find(QStringLiteral("org")) && pack.find(QStringLiteral("shop")));
    QVERIFY(!pack.find(QStringLiteral("other")));
}

void TestCustomRules::reportsListCustomRules() {
    const PolicyPack pack = packWith(kReplicaRule);
    const QJsonArray rules = QJsonDocument::fromJson(QByteArray::fromStdString(rulesJson(pack)))
                                 .object()[u"rules"]
                                 .toArray();
    QCOMPARE(rules.size(), qsizetype(pack.rules().size()));
    QCOMPARE(rules.last().toObject()[u"id"].toString(), QStringLiteral("prod-replicas"));
    QCOMPARE(rules.last().toObject()[u"check"].toString(), QStringLiteral("custom"));
    Report report;
    report.renderer = QStringLiteral("raw");
    report.results =
        run(pack, deployment("web", "shop-prod", "    team: shop\n    owner: a\n", "1"),
            {"prod-replicas"});
    QCOMPARE(report.results.size(), std::size_t(1));
    const QJsonObject run0 =
        QJsonDocument::fromJson(QByteArray::fromStdString(reportSarif(report, pack)))
            .object()[u"runs"]
            .toArray()
            .first()
            .toObject();
    QCOMPARE(run0[u"results"].toArray().first().toObject()[u"ruleId"].toString(),
             QStringLiteral("prod-replicas"));
}

void TestCustomRules::jsonSchemaKeywords() {
    const JsonSchema s = schemaOf(R"(
$defs:
  port: {type: integer, minimum: 1, maximum: 65535}
type: object
required: [name]
properties:
  name: {type: string, minLength: 2, maxLength: 5, pattern: '^[a-z]+$'}
  kind: {enum: [a, b]}
  fixed: {const: true}
  ports: {type: array, minItems: 1, maxItems: 2, uniqueItems: true, items: {$ref: '#/$defs/port'}}
  tags: {type: array, contains: {const: x}}
  labels: {type: object, minProperties: 1, maxProperties: 2, additionalProperties: {type: string}}
  mode: {oneOf: [{const: 1}, {type: integer, minimum: 1}]}
  any: {anyOf: [{type: string}, {type: boolean}]}
  all: {allOf: [{type: integer}, {not: {const: 0}}]}
  ratio: {type: number, exclusiveMaximum: 1}
)");
    QVERIFY(valid(s, "name: web"));
    QVERIFY(!valid(s, "other: 1")); // required
    QVERIFY(!valid(s, "name: 12")); // type (a plain 12 is an integer)
    QVERIFY(valid(s, "name: ab\nfixed: true"));
    QVERIFY(!valid(s, "name: ab\nfixed: 'true'")); // quoted: a string, not true
    QVERIFY(!valid(s, "name: a"));                 // minLength
    QVERIFY(!valid(s, "name: abcdef"));            // maxLength
    QVERIFY(!valid(s, "name: Ab"));                // pattern
    QVERIFY(valid(s, "name: ab\nkind: b"));
    QVERIFY(!valid(s, "name: ab\nkind: c")); // enum
    QVERIFY(valid(s, "name: ab\nports: [80, 443]"));
    QVERIFY(!valid(s, "name: ab\nports: []"));        // minItems
    QVERIFY(!valid(s, "name: ab\nports: [1, 2, 3]")); // maxItems
    QVERIFY(!valid(s, "name: ab\nports: [80, 80]"));  // uniqueItems
    QVERIFY(!valid(s, "name: ab\nports: [0]"));       // $ref -> minimum
    QVERIFY(valid(s, "name: ab\ntags: [y, x]"));
    QVERIFY(!valid(s, "name: ab\ntags: [y]"));  // contains
    QVERIFY(!valid(s, "name: ab\nlabels: {}")); // minProperties
    QVERIFY(!valid(s, "name: ab\nlabels: {a: x, b: y, c: z}"));
    QVERIFY(!valid(s, "name: ab\nlabels: {a: [1]}")); // additionalProperties
    QVERIFY(valid(s, "name: ab\nmode: 2"));
    QVERIFY(!valid(s, "name: ab\nmode: 1")); // oneOf: both match
    QVERIFY(valid(s, "name: ab\nany: true"));
    QVERIFY(!valid(s, "name: ab\nany: [1]")); // anyOf
    QVERIFY(!valid(s, "name: ab\nall: 0"));   // allOf + not
    QVERIFY(valid(s, "name: ab\nratio: 0.5"));
    QVERIFY(!valid(s, "name: ab\nratio: 1")); // exclusiveMaximum
    QString why;
    const auto docs = parseYamlDocuments("name: ab\nports: [80, 0]");
    QVERIFY(!s.validate(docs.front(), &why));
    QCOMPARE(why, QStringLiteral("/ports/1: 0 violates minimum 1"));
    // Boolean schemas.
    QVERIFY(valid(schemaOf("properties: {a: true}"), "a: 1"));
    QVERIFY(!valid(schemaOf("properties: {a: false}"), "a: 1"));
}

void TestCustomRules::jsonSchemaRefusesWhatItCannotDo() {
    auto compile = [](const char* yaml) {
        return JsonSchema::compile(parseYamlDocuments(yaml).front(), QStringLiteral("s.yaml"));
    };
    auto r = compile("type: object\nif: {required: [a]}\n");
    QVERIFY(!r.ok());
    QCOMPARE(r.error().details, QStringLiteral("s.yaml:2: unsupported JSON Schema keyword 'if'"));
    r = compile("properties:\n  a: {$ref: '#/$defs/missing'}\n");
    QVERIFY(!r.ok());
    QVERIFY(r.error().details.startsWith(QLatin1String("s.yaml:2: $ref '#/$defs/missing' does not "
                                                       "resolve")));
    r = compile("properties:\n  a: {$ref: 'https://example.com/s.json'}\n");
    QVERIFY(!r.ok());
    r = compile("pattern: '('\n");
    QVERIFY(!r.ok());
    QVERIFY(r.error().details.startsWith(QLatin1String("s.yaml:1: invalid pattern")));
}

void TestCustomRules::quantities() {
    double v = 0;
    QVERIFY(parseQuantity("100m", v) && qFuzzyCompare(v, 0.1));
    QVERIFY(parseQuantity("128Mi", v) && qFuzzyCompare(v, 128.0 * 1024 * 1024));
    QVERIFY(parseQuantity("6G", v) && qFuzzyCompare(v, 6e9));
    QVERIFY(parseQuantity("1.5", v) && qFuzzyCompare(v, 1.5));
    QVERIFY(parseQuantity("2e3", v) && qFuzzyCompare(v, 2000.0));
    QVERIFY(!parseQuantity("lots", v));
    QVERIFY(!parseQuantity("1Xi", v));
    const JsonSchema s =
        schemaOf("properties:\n  cpu: {resourceMinimum: 100m, resourceMaximum: '2'}\n");
    QVERIFY(valid(s, "cpu: 500m"));
    QVERIFY(!valid(s, "cpu: 50m"));
    QVERIFY(!valid(s, "cpu: 3"));
}

void TestCustomRules::polarisContainerCheckOnPodSpec() {
    // Polaris's runAsRootAllowed shape: the pod spec with only the checked container in it.
    const QByteArray check = R"(successMessage: Is not allowed to run as root
failureMessage: Should not be allowed to run as root
category: Security
target: Container
schemaTarget: PodSpec
schema:
  $defs:
    good:
      type: object
      required: [runAsNonRoot]
      properties: {runAsNonRoot: {const: true}}
  anyOf:
  - required: [securityContext]
    properties:
      securityContext: {$ref: '#/$defs/good'}
      containers:
        items:
          properties:
            securityContext: {properties: {runAsNonRoot: {const: true}}}
  - properties:
      containers:
        items:
          required: [securityContext]
          properties:
            securityContext: {$ref: '#/$defs/good'}
)";
    PolicyPack pack;
    Result<Rule> rule = importPolarisCheckFile(check, QStringLiteral("/x/runAsRoot.yaml"), pack);
    QVERIFY2(rule.ok(), qPrintable(rule.ok() ? QString() : rule.error().details));
    QCOMPARE(rule->id, QStringLiteral("runAsRoot"));
    QCOMPARE(rule->category, QStringLiteral("Security"));
    QCOMPARE(rule->title, QStringLiteral("Should not be allowed to run as root"));
    QCOMPARE(rule->equivalentsFor(QStringLiteral("polaris")), QStringList{"runAsRoot"});
    std::vector<Rule> one{std::move(rule).value()};
    QVERIFY(pack.addRules(std::move(one)).ok());
    const QByteArray yaml =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n"
        "    spec:\n      securityContext: {runAsNonRoot: true}\n      containers:\n"
        "      - name: ok\n        image: a:1\n"
        "      - name: override\n        image: a:1\n"
        "        securityContext: {runAsNonRoot: false}\n"
        "      initContainers:\n      - name: init\n        image: a:1\n";
    const auto v = run(pack, yaml, {});
    QCOMPARE(names(v), QStringList{"d/override"});
    QVERIFY2(v[0].message.startsWith(QLatin1String("Should not be allowed to run as root (")),
             qPrintable(v[0].message));
    QCOMPARE(v[0].line, 12); // the container
}

void TestCustomRules::polarisConfigSeveritiesAndKinds() {
    const QByteArray config = R"(checks:
  ingressClass: danger
  quiet: ignore
customChecks:
  ingressClass:
    successMessage: Ingress class set
    failureMessage: Ingresses should name their class
    category: Reliability
    target: networking.k8s.io/Ingress
    schema:
      type: object
      properties:
        spec: {type: object, required: [ingressClassName]}
  quiet:
    failureMessage: never imported
    target: Container
    schema: {type: object}
  cpuBudget:
    failureMessage: CPU limit out of range
    target: Container
    containers: {exclude: [initContainer]}
    controllers: {include: [Deployment]}
    schemaString: |
      properties:
        resources:
          properties:
            limits:
              properties:
                cpu: {resourceMaximum: "2"}
)";
    Result<PolarisImport> imported =
        importPolarisConfig(config, QStringLiteral("polaris.yaml"), PolicyPack::builtin());
    QVERIFY2(imported.ok(), qPrintable(imported.ok() ? QString() : imported.error().details));
    QCOMPARE(imported->rules.size(), std::size_t(2));
    QCOMPARE(imported->notes.size(), 1);
    QVERIFY(imported->notes[0].contains(QLatin1String("'quiet' is set to ignore")));
    PolicyPack pack = PolicyPack::builtin();
    QVERIFY(pack.addRules(std::move(imported->rules)).ok());
    QCOMPARE(pack.find(QStringLiteral("ingressClass"))->severity, Severity::Error);
    QCOMPARE(pack.find(QStringLiteral("cpuBudget"))->severity, Severity::Warning);
    const QByteArray yaml =
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: in\nspec: {}\n"
        "---\napiVersion: example.com/v1\nkind: Ingress\nmetadata:\n  name: foreign\nspec: {}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n"
        "    spec:\n      initContainers:\n      - name: init\n        image: a:1\n"
        "        resources: {limits: {cpu: 4}}\n"
        "      containers:\n      - name: app\n        image: a:1\n"
        "        resources: {limits: {cpu: 3}}\n"
        "      - name: small\n        image: a:1\n        resources: {limits: {cpu: 500m}}\n"
        "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: app\n        image: a:1\n"
        "        resources: {limits: {cpu: 3}}\n";
    QCOMPARE(names(run(pack, yaml, {"ingressClass"})), QStringList{"in"});
    QCOMPARE(names(run(pack, yaml, {"cpuBudget"})), QStringList{"d/app"});
}

void TestCustomRules::polarisTemplatesAreRefused() {
    const QByteArray check = R"(failureMessage: x
target: Controller
schemaString: |
  properties:
    metadata:
      properties:
        name: {const: "{{ .metadata.name }}"}
      {{ if .spec.replicas }}required: [labels]{{ end }}
)";
    const Result<Rule> r = importPolarisCheckFile(check, QStringLiteral("c.yaml"), PolicyPack());
    QVERIFY(!r.ok());
    QVERIFY2(r.error().details.startsWith(QLatin1String("c.yaml:3: check 'c': schemaString uses Go "
                                                        "template actions")),
             qPrintable(r.error().details));
    QVERIFY(
        r.error().details.contains(QLatin1String("{{ .metadata.name }}, {{ if .spec.replicas }}, "
                                                 "{{ end }}")));
    // In a plain schema too (Polaris expands templates there as well).
    const QByteArray plain =
        "target: Controller\nschema:\n  properties:\n    a: {const: '{{ .x }}'}\n";
    const Result<Rule> p = importPolarisCheckFile(plain, QStringLiteral("p.yaml"), PolicyPack());
    QVERIFY(!p.ok());
    QVERIFY(p.error().details.contains(QLatin1String("{{ .x }}")));
    // Unsupported keywords name their line in the file, also inside a schemaString.
    const QByteArray ifThen = "target: Controller\nschemaString: |\n  type: object\n  if: {}\n";
    const Result<Rule> i = importPolarisCheckFile(ifThen, QStringLiteral("i.yaml"), PolicyPack());
    QVERIFY(!i.ok());
    QVERIFY2(
        i.error().details.contains(QLatin1String("i.yaml:4: unsupported JSON Schema keyword 'if'")),
        qPrintable(i.error().details));
    const Result<Rule> none =
        importPolarisCheckFile("target: Controller\n", QStringLiteral("n.yaml"), PolicyPack());
    QVERIFY(!none.ok());
    QVERIFY(none.error().details.contains(QLatin1String("needs 'schema' or 'schemaString'")));
}

void TestCustomRules::polarisMutationBecomesFix() {
    const QByteArray check = R"(failureMessage: Filesystem should be read only
target: Container
schema:
  properties:
    securityContext:
      required: [readOnlyRootFilesystem]
      properties: {readOnlyRootFilesystem: {const: true}}
  required: [securityContext]
mutations:
  - op: add
    path: /securityContext/readOnlyRootFilesystem
    value: true
)";
    PolicyPack pack;
    Result<Rule> rule = importPolarisCheckFile(check, QStringLiteral("ro.yaml"), pack);
    QVERIFY(rule.ok());
    std::vector<Rule> one{std::move(rule).value()};
    QVERIFY(pack.addRules(std::move(one)).ok());
    QByteArray yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                      "  - name: app # main\n    image: a:1\n    securityContext:\n"
                      "      runAsNonRoot: true\n";
    const auto v = run(pack, yaml, {});
    QCOMPARE(v.size(), std::size_t(1));
    QVERIFY(v[0].fix);
    QStringList lines = QString::fromUtf8(yaml).split(QLatin1Char('\n'));
    QVERIFY(applyFix(lines, *v[0].fix));
    yaml = lines.join(QLatin1Char('\n')).toUtf8();
    QVERIFY(run(pack, yaml, {}).empty());
    QVERIFY(yaml.contains("- name: app # main\n"));
}

QTEST_GUILESS_MAIN(TestCustomRules)
#include "tst_customrules.moc"
