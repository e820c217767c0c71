#pragma once

#include "core/result.h"
#include "policy/policypack.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace sextant::policy {

// Custom rules written by a platform team in YAML (format in docs/policy.md, "Custom rules"):
// which objects a rule matches (kinds, namespaces, labels, environment), what it looks at
// (the object, its pod spec or each container), conditions on field paths that a compliant
// target satisfies, a message template and an optional fix. They become rules of the pack
// (check "custom"), so waivers, --rules, reports and SARIF treat them like built-in ones.
//
// Errors carry "<file>:<line>: <what>" in their details. `existing` is the pack the rules will
// be added to: an id it already has is an error.
Result<std::vector<Rule>> parseCustomRules(const QByteArray& yaml, const QString& file,
                                           const PolicyPack& existing);

// The custom rule files of a run over `paths`: `.sextant/policy/*.yaml` (and `*.yml`) found
// like waiver files (below each checked directory, and from each checked path up to its
// repository root). Sorted, without duplicates.
QStringList findCustomRuleFiles(const QStringList& paths);
// The `.sextant/policy` folders themselves, found the same way (their `*.rego` files are Rego
// policies, policy/rego.h).
QStringList findCustomRuleFolders(const QStringList& paths);

// Reads and parses each file and adds its rules to `pack`.
Status addCustomRuleFiles(PolicyPack& pack, const QStringList& files);

} // namespace sextant::policy
