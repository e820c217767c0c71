#pragma once

// Internal to services/policy: the view of objects the check functions share, and the
// registry of named checks a pack's rules refer to.

#include "policy/policyengine.h"

#include <QStringList>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sextant::policy {

// Names of the check functions a rule may use (`check:` in the pack).
QStringList knownChecks();

struct ContainerView {
    const YNode* node = nullptr;
    const char* type = "containers"; // containers, initContainers, ephemeralContainers
    std::string path;                // from the object root, '/'-separated, with indices
    std::string name;
};

// An object with its pod template (when it has one) resolved once for all rules.
struct ObjectView {
    const KubeObject* obj = nullptr;
    const YNode* podSpec = nullptr;
    std::string podSpecPath;
    const YNode* podLabels = nullptr; // the pod template's labels (Pod: metadata.labels)
    std::vector<ContainerView> containers;
    bool hasReplicas = false; // the kind scales by spec.replicas
    long long replicas = 1;   // spec.replicas, Kubernetes' default 1 when absent
};

// The objects of one run with the indexes the cross-object checks need, built once so those
// checks stay linear in the number of objects.
struct ObjectSet {
    std::vector<ObjectView> views;
    QString kubernetesVersion;
    // "ns/name" -> ServiceAccount
    std::unordered_map<std::string, const ObjectView*> serviceAccounts;
    // "ns\nkey=value" -> objects whose pod template carries that label
    std::unordered_map<std::string, std::vector<const ObjectView*>> podTemplatesByLabel;
    std::unordered_map<std::string, std::vector<const ObjectView*>> pdbsByNamespace;
    std::unordered_map<std::string, std::vector<const ObjectView*>> workloadsByNamespace;
    // "ns/kind/name" of every HorizontalPodAutoscaler target -> its minReplicas (default 1)
    std::unordered_map<std::string, long long> autoscaled;
    // RBAC: "ns/name" -> Role, name -> ClusterRole (cluster-scoped: a namespace is ignored)
    std::unordered_map<std::string, const ObjectView*> roles;
    std::unordered_map<std::string, const ObjectView*> clusterRoles;
    // namespace -> NetworkPolicies; the namespaces the set declares (kind Namespace)
    std::unordered_map<std::string, std::vector<const ObjectView*>> networkPoliciesByNamespace;
    std::unordered_map<std::string, const ObjectView*> namespaces;
};

// What a check reports; the engine turns the paths into file, line and a textual fix.
struct Finding {
    std::string path; // the offending field (or the nearest existing parent)
    QString message;
    QString container;
    std::string fixPath;  // where the fix writes; empty = no fix
    std::string fixValue; // YAML text of the value to write at fixPath
    bool severityOverride = false;
    Severity severity = Severity::Warning;
};

// The logic of a custom rule (policy/customrules.cpp) or an imported Polaris check
// (policy/polarischecks.cpp), run by the check named "custom".
class CustomCheck {
public:
    virtual ~CustomCheck() = default;
    virtual void evaluate(const Rule& rule, const ObjectView& v, const ObjectSet& set,
                          std::vector<Finding>& out) const = 0;
};

using CheckFn = void (*)(const Rule&, const ObjectView&, const ObjectSet&, std::vector<Finding>&);
const std::unordered_map<std::string, CheckFn>& checkRegistry();

} // namespace sextant::policy
