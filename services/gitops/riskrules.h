#pragma once

#include "core/result.h"
#include "gitops/changesummary.h"
#include "policy/policyengine.h"
#include "policy/policypack.h"
#include "policy/yamltree.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace sextant::gitops {

using policy::Severity;

// One rule of the PR risk catalogue (resources/pr-risk-rules.yaml, format in
// docs/pr-description.md): metadata, the named check it runs and that check's parameters.
struct RiskRule {
    QString id;
    Severity severity = Severity::Warning;
    QString title;
    QString reason; // template: {object} {oldObject} {kind} {namespace} {name} {fields}
                    // {change} {app} {cluster} {environment} {apps} {clusters}
    QString check;  // object, field, rbacWildcard, namespaceMove, production, blastRadius
    policy::YNode params;
    int line = 0;
};

class RiskCatalogue {
public:
    // The catalogue compiled into the core (":/sextant/pr-risk-rules.yaml"). A broken built-in
    // catalogue is a build defect: the tests report it; here it is an empty catalogue and a
    // qCritical.
    static const RiskCatalogue& builtin();
    // Errors carry "<sourceName>:<line>: <what>" in their details.
    static Result<RiskCatalogue> fromYaml(const QByteArray& yaml, const QString& sourceName);
    static QStringList knownChecks();

    const std::vector<RiskRule>& rules() const { return m_rules; }
    const RiskRule* find(const QString& id) const;

private:
    std::vector<RiskRule> m_rules;
};

struct Risk {
    QString rule;
    Severity severity = Severity::Warning;
    QString title;
    QString reason; // the rule's template filled in
    QString app;    // empty for risks of the whole change (blast radius)
    QString object; // "Deployment shop/web", empty for application-level risks
};

// Every rule of the catalogue over every application's changes; sorted by severity (errors
// first), then rule, application and object.
std::vector<Risk> assessRisks(const std::vector<AppChanges>& apps,
                              const RiskCatalogue& catalogue = RiskCatalogue::builtin());

// Policy results that the change introduces or removes, for one application: the pack runs on
// the base and the head render and violations are matched by rule, kind, namespace, name and
// container (renamed objects matched under their new name).
struct PolicyDelta {
    QString app;
    std::vector<policy::Violation> introduced;
    std::vector<policy::Violation> fixed;
    bool empty() const { return introduced.empty() && fixed.empty(); }
};
PolicyDelta comparePolicy(const QString& app, const std::vector<policy::KubeObject>& base,
                          const std::vector<policy::KubeObject>& head,
                          const std::vector<ObjectChange>& changes = {},
                          const policy::PolicyPack& pack = policy::PolicyPack::builtin());

} // namespace sextant::gitops
