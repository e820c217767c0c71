// The RBAC binding rules (services/policy/checks.cpp rbacBinding): bindings that grant
// cluster-admin or exec/attach into pods, evaluated over the whole set of objects, with the
// bound role looked up where Kubernetes looks it up.

#include "policy/manifests.h"
#include "policy/policyengine.h"
#include "policy/policypack.h"

#include <QTest>

using namespace sextant::policy;

namespace {

const QString kFile = QStringLiteral("rbac.yaml");
const QString kAdmin = QStringLiteral("rbac-cluster-admin-binding");
const QString kExec = QStringLiteral("rbac-binding-pod-exec-attach");

std::vector<Violation> run(const QByteArray& yaml, const QString& rule) {
    const auto objects = parseManifests(yaml, kFile);
    if (!objects) {
        qWarning("%s", qPrintable(objects.error().toString()));
        return {};
    }
    CheckOptions options;
    options.onlyRules = {rule};
    return checkObjects(PolicyPack::builtin(), *objects, options);
}

QByteArray role(const QByteArray& kind, const QByteArray& name, const QByteArray& ns,
                const QByteArray& rules) {
    return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind +
           "\nmetadata:\n  name: " + name + "\n" +
           (ns.isEmpty() ? QByteArray() : "  namespace: " + ns + "\n") + "rules:\n" + rules +
           "---\n";
}

QByteArray binding(const QByteArray& kind, const QByteArray& name, const QByteArray& ns,
                   const QByteArray& refKind, const QByteArray& refName) {
    return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind +
           "\nmetadata:\n  name: " + name + "\n" +
           (ns.isEmpty() ? QByteArray() : "  namespace: " + ns + "\n") +
           "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: " + refKind +
           "\n  name: " + refName +
           "\nsubjects:\n- kind: Group\n  name: developers\n  apiGroup: "
           "rbac.authorization.k8s.io\n---\n";
}

const QByteArray kWildcard = "- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]\n";
const QByteArray kSevenVerbs = "- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [get, list, "
                               "watch, create, update, patch, delete, deletecollection]\n";
const QByteArray kExecRule = "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [create]\n";
const QByteArray kReadPods = "- apiGroups: [\"\"]\n  resources: [pods, pods/log]\n  verbs: [get, "
                             "list]\n";

} // namespace

class TestPolicyRbac : public QObject {
    Q_OBJECT
private slots:
    void clusterAdminClusterRoleBinding();
    void clusterAdminEquivalentRoles();
    void clusterAdminRoleNotInSetIsNotAssumed();
    void defaultBindingsAreExempt();
    void execThroughBoundRoles();
    void execRoleLookupFollowsKubernetes();
    void execRoleNotInSet();
    void kubernetesDefaultClusterRoles();
    void scopeParameters();
    void reportedAtTheRoleRef();
};

void TestPolicyRbac::clusterAdminClusterRoleBinding() {
    // cluster-admin itself, whether or not the set defines it (the API server owns it).
    const auto v = run(
        binding("ClusterRoleBinding", "devs-admin", {}, "ClusterRole", "cluster-admin"), kAdmin);
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(v[0].severity, Severity::Error);
    QCOMPARE(v[0].kind, QStringLiteral("ClusterRoleBinding"));
    QVERIFY2(v[0].message.contains(QLatin1String("in every namespace")), qPrintable(v[0].message));
    QVERIFY(!v[0].fix.has_value()); // no minimal fix: the author decides what to grant
    // A RoleBinding to cluster-admin grants it within its namespace.
    const auto rb =
        run(binding("RoleBinding", "devs-admin", "shop", "ClusterRole", "cluster-admin"), kAdmin);
    QCOMPARE(rb.size(), std::size_t(1));
    QVERIFY2(rb[0].message.contains(QLatin1String("in namespace shop")), qPrintable(rb[0].message));
}

void TestPolicyRbac::clusterAdminEquivalentRoles() {
    // Every verb on every resource of every group, as "*" or spelled out (more verbs count too).
    for (const QByteArray& rules : {kWildcard, kSevenVerbs}) {
        const QByteArray yaml =
            role("ClusterRole", "everything", {}, kReadPods + rules) +
            binding("ClusterRoleBinding", "devs", {}, "ClusterRole", "everything");
        const auto v = run(yaml, kAdmin);
        QCOMPARE(v.size(), std::size_t(1));
        QVERIFY2(v[0].message.contains(QLatin1String("rule 1 grants")), qPrintable(v[0].message));
    }
    // A Role in the binding's namespace.
    QCOMPARE(run(role("Role", "ns-admin", "shop", kWildcard) +
                     binding("RoleBinding", "devs", "shop", "Role", "ns-admin"),
                 kAdmin)
                 .size(),
             std::size_t(1));
    // Narrower rules pass: explicit groups, resources or verbs.
    for (const QByteArray& rules :
         {QByteArray("- apiGroups: [\"\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]\n"),
          QByteArray("- apiGroups: [\"*\"]\n  resources: [pods]\n  verbs: [\"*\"]\n"),
          QByteArray(
              "- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [get, list, watch]\n")}) {
        QVERIFY(run(role("ClusterRole", "narrow", {}, rules) +
                        binding("ClusterRoleBinding", "devs", {}, "ClusterRole", "narrow"),
                    kAdmin)
                    .empty());
    }
}

void TestPolicyRbac::clusterAdminRoleNotInSetIsNotAssumed() {
    // A role from elsewhere may be anything: not reported as cluster-admin (the exec rule
    // reports that it cannot be verified).
    const QByteArray yaml =
        binding("ClusterRoleBinding", "devs", {}, "ClusterRole", "from-elsewhere");
    QVERIFY(run(yaml, kAdmin).empty());
    QCOMPARE(run(yaml, kExec).size(), std::size_t(1));
}

void TestPolicyRbac::defaultBindingsAreExempt() {
    const QByteArray everything = role("ClusterRole", "everything", {}, kWildcard + kExecRule);
    for (const QString& rule : {kAdmin, kExec}) {
        // Kubernetes' own bindings: system:*, the cluster-admin ClusterRoleBinding, GKE's calico.
        QVERIFY(run(binding("ClusterRoleBinding", "system:masters-admin", {}, "ClusterRole",
                            "cluster-admin"),
                    rule)
                    .empty());
        QVERIFY(
            run(binding("ClusterRoleBinding", "cluster-admin", {}, "ClusterRole", "cluster-admin"),
                rule)
                .empty());
        QVERIFY(run(everything + binding("RoleBinding", "system:controller:x", "kube-system",
                                         "ClusterRole", "everything"),
                    rule)
                    .empty());
        QVERIFY(run(everything + binding("ClusterRoleBinding", "gce:podsecuritypolicy:calico-sa",
                                         {}, "ClusterRole", "everything"),
                    rule)
                    .empty());
        // A user's binding to a role that merely has a system: name is not exempt.
        QCOMPARE(run(role("ClusterRole", "system:mine", {}, kWildcard + kExecRule) +
                         binding("ClusterRoleBinding", "mine", {}, "ClusterRole", "system:mine"),
                     rule)
                     .size(),
                 std::size_t(1));
        // A RoleBinding named cluster-admin is not Kubernetes' default binding.
        QCOMPARE(
            run(binding("RoleBinding", "cluster-admin", "shop", "ClusterRole", "cluster-admin"),
                rule)
                .size(),
            std::size_t(1));
    }
}

void TestPolicyRbac::execThroughBoundRoles() {
    const auto one = [](const QByteArray& rules) {
        return run(role("Role", "r", "shop", rules) +
                       binding("RoleBinding", "b", "shop", "Role", "r"),
                   kExec);
    };
    QCOMPARE(one(kReadPods + kExecRule).size(), std::size_t(1));
    QVERIFY2(one(kReadPods + kExecRule)[0].message.contains(
                 QLatin1String("rule 1 allows create on pods/exec")),
             qPrintable(one(kReadPods + kExecRule)[0].message));
    // attach with a verb wildcard, exec through the "*" group, get over a websocket.
    QCOMPARE(one("- apiGroups: [\"\"]\n  resources: [pods/attach]\n  verbs: [\"*\"]\n").size(),
             std::size_t(1));
    QCOMPARE(one("- apiGroups: [\"*\"]\n  resources: [pods/exec]\n  verbs: [create]\n").size(),
             std::size_t(1));
    QCOMPARE(one("- apiGroups: [\"\"]\n  resources: [\"*\"]\n  verbs: [get]\n").size(),
             std::size_t(1));
    // Logs, wrong verbs and other groups pass.
    QVERIFY(one(kReadPods).empty());
    QVERIFY(one("- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [list]\n").empty());
    QVERIFY(one("- apiGroups: [apps]\n  resources: [\"*\"]\n  verbs: [\"*\"]\n").empty());
    // A ClusterRoleBinding to a ClusterRole that allows exec, even one named system:*.
    QCOMPARE(run(role("ClusterRole", "system:debug", {}, kExecRule) +
                     binding("ClusterRoleBinding", "debuggers", {}, "ClusterRole", "system:debug"),
                 kExec)
                 .size(),
             std::size_t(1));
}

void TestPolicyRbac::execRoleLookupFollowsKubernetes() {
    // A RoleBinding's Role is the one in the binding's own namespace: a same-named Role
    // elsewhere is not it.
    const QByteArray safeHere = role("Role", "r", "shop", kReadPods);
    const QByteArray execElsewhere = role("Role", "r", "tools", kExecRule);
    QVERIFY(run(safeHere + execElsewhere + binding("RoleBinding", "b", "shop", "Role", "r"), kExec)
                .empty());
    QCOMPARE(
        run(safeHere + execElsewhere + binding("RoleBinding", "b", "tools", "Role", "r"), kExec)
            .size(),
        std::size_t(1));
    // A ClusterRole is found by name whatever namespace a manifest gives it.
    QCOMPARE(run(role("ClusterRole", "c", "stray", kExecRule) +
                     binding("RoleBinding", "b", "shop", "ClusterRole", "c"),
                 kExec)
                 .size(),
             std::size_t(1));
    // A ClusterRoleBinding cannot reference a Role (the API server refuses it): not a finding.
    QVERIFY(
        run(role("Role", "r", {}, kExecRule) + binding("ClusterRoleBinding", "b", {}, "Role", "r"),
            kExec)
            .empty());
}

void TestPolicyRbac::execRoleNotInSet() {
    // As Polaris: a binding to a role the checked objects do not contain cannot be verified.
    for (const QByteArray& yaml :
         {binding("RoleBinding", "b", "shop", "Role", "missing"),
          binding("RoleBinding", "b", "shop", "ClusterRole", "missing"),
          binding("ClusterRoleBinding", "b", {}, "ClusterRole", "missing")}) {
        const auto v = run(yaml, kExec);
        QCOMPARE(v.size(), std::size_t(1));
        QVERIFY2(v[0].message.contains(QLatin1String("not among the checked objects")),
                 qPrintable(v[0].message));
    }
}

void TestPolicyRbac::kubernetesDefaultClusterRoles() {
    // admin, edit and cluster-admin allow exec in every cluster (the API server reconciles
    // them), whatever a manifest in the set claims; view does not.
    for (const QByteArray& name :
         {QByteArray("admin"), QByteArray("edit"), QByteArray("cluster-admin")}) {
        const auto v = run(binding("RoleBinding", "b", "shop", "ClusterRole", name), kExec);
        QCOMPARE(v.size(), std::size_t(1));
        QVERIFY2(v[0].message.contains(QLatin1String("Kubernetes' default")),
                 qPrintable(v[0].message));
        QCOMPARE(run(role("ClusterRole", name, {}, kReadPods) +
                         binding("RoleBinding", "b", "shop", "ClusterRole", name),
                     kExec)
                     .size(),
                 std::size_t(1));
    }
    QVERIFY(run(binding("RoleBinding", "b", "shop", "ClusterRole", "view"), kExec).empty());
    QVERIFY(run(binding("ClusterRoleBinding", "b", {}, "ClusterRole", "view"), kAdmin).empty());
}

void TestPolicyRbac::scopeParameters() {
    // bindingKinds / roleKinds narrow a rule to the bindings one Polaris check looks at.
    PolicyPack pack = PolicyPack::builtin();
    YNode kinds = YNode::makeSeq();
    kinds.append(YNode::makeScalar("Role"));
    QVERIFY(pack.setParam(kExec, "roleKinds", kinds));
    const QByteArray yaml = role("ClusterRole", "c", {}, kExecRule) +
                            binding("RoleBinding", "to-cluster-role", "shop", "ClusterRole", "c") +
                            role("Role", "r", "shop", kExecRule) +
                            binding("RoleBinding", "to-role", "shop", "Role", "r");
    const auto objects = parseManifests(yaml, kFile);
    QVERIFY(objects.ok());
    CheckOptions options;
    options.onlyRules = {kExec};
    const auto v = checkObjects(pack, *objects, options);
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(v[0].name, QStringLiteral("to-role"));
    QCOMPARE(run(yaml, kExec).size(), std::size_t(2)); // the built-in pack: both
}

void TestPolicyRbac::reportedAtTheRoleRef() {
    const QByteArray yaml = role("Role", "r", "shop", kExecRule) + "# the team's binding\n" +
                            binding("RoleBinding", "b", "shop", "Role", "r");
    const auto v = run(yaml, kExec);
    QCOMPARE(v.size(), std::size_t(1));
    QCOMPARE(v[0].file, kFile);
    // The line of roleRef.name, right under its kind.
    const QStringList lines = QString::fromUtf8(yaml).split(QLatin1Char('\n'));
    QCOMPARE(lines.value(v[0].line - 1).trimmed(), QStringLiteral("name: r"));
    QVERIFY(lines.value(v[0].line - 2).contains(QLatin1String("kind: Role")));
}

QTEST_GUILESS_MAIN(TestPolicyRbac)
#include "tst_policyrbac.moc"
