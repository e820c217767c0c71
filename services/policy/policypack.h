#pragma once

#include "core/result.h"
#include "policy/yamltree.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>
#include <utility>
#include <vector>

namespace sextant::policy {

class CustomCheck; // policy/customrules.h: rules whose logic is data

enum class Severity { Info = 0, Warning = 1, Error = 2 };
QString severityName(Severity s);
// "error", "warning", "info" (case-insensitive); false for anything else.
bool parseSeverity(const QString& text, Severity& out);

// One rule of a pack: metadata, the named C++ check it runs, and that check's parameters.
struct Rule {
    QString id;
    Severity severity = Severity::Warning;
    QString title;
    QString rationale;
    std::string check; // name of a check function (see checks.cpp, knownChecks())
    YNode params;      // check parameters as written in the pack (a map, possibly empty)
    // Matching checks in other tools: {"polaris", [...]}, {"kube-linter", [...]},
    // {"gatekeeper", [...]}, {"kyverno", [...]} — always these four, in this order.
    std::vector<std::pair<QString, QStringList>> equivalents;
    int line = 0; // where the rule is defined in the pack
    // `waivable: false` in the pack: waivers of this rule are refused and reported.
    bool waivable = true;
    // Custom rules (`check: custom`, docs/policy.md "Custom rules"): the compiled rule, the file
    // it was read from (the pack's rules have none) and, for imported Polaris checks, their
    // category.
    std::shared_ptr<const CustomCheck> custom;
    QString file;
    QString category;

    QStringList equivalentsFor(const QString& tool) const;
};

// A rule pack loaded from YAML (format in docs/policy.md).
class PolicyPack {
public:
    // resources/policy-pack.yaml as compiled into the core (":/sextant/policy-pack.yaml").
    // A broken built-in pack is a build defect: reported by the tests, here an empty pack and
    // a qCritical.
    static const PolicyPack& builtin();
    // Errors carry "<sourceName>:<line>: <what>" in their details.
    static Result<PolicyPack> fromYaml(const QByteArray& yaml, const QString& sourceName);

    const std::vector<Rule>& rules() const { return m_rules; }
    const Rule* find(const QString& id) const;
    // Replaces one parameter of one rule (the agreement harness runs rules with the reference
    // tool's parameters). Returns false when the rule does not exist.
    bool setParam(const QString& ruleId, const std::string& key, YNode value);
    // Adds custom rules; an id the pack already has is an error ("<file>:<line>: ...").
    Status addRules(std::vector<Rule> rules);

private:
    std::vector<Rule> m_rules;
};

} // namespace sextant::policy
