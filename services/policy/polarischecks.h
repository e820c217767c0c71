#pragma once

#include "core/result.h"
#include "policy/policypack.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace sextant::policy {

// Import of Polaris custom checks (docs/policy.md, "Polaris custom checks"): a check's JSON
// Schema (plain `schema`, or a `schemaString` without Go template actions) is compiled with
// JsonSchema and run on the check's target — Container (optionally with schemaTarget PodSpec),
// PodSpec, PodTemplate, Controller or a group/Kind — as a rule of the pack (check "custom").
// Checks whose schema needs Polaris's Go template expansion, or other resources
// (additionalSchemas), are refused with the reason.

// One check file (Polaris's own `pkg/config/checks/*.yaml` format); its id is the file's base
// name. Errors carry "<file>:<line>: <what>".
Result<Rule> importPolarisCheckFile(const QByteArray& yaml, const QString& file,
                                    const PolicyPack& existing,
                                    Severity severity = Severity::Warning);

// The `customChecks` of a Polaris configuration file. Each check's severity comes from the
// config's `checks:` map (danger = error, warning = warning, ignore = not imported); checks not
// listed there are imported as warnings (Polaris would not run them at all). `notes` says what
// was skipped.
struct PolarisImport {
    std::vector<Rule> rules;
    QStringList notes;
};
Result<PolarisImport> importPolarisConfig(const QByteArray& yaml, const QString& file,
                                          const PolicyPack& existing);

} // namespace sextant::policy
