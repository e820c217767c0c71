#pragma once

#include "policy/policyengine.h"
#include "policy/rego.h"
#include "policy/waivers.h"

#include <optional>
#include <string>

namespace sextant::policy {

// The output formats of `sextant-cli policy` (and later the console's report export).
struct Report {
    QString renderer;
    QStringList notes;
    std::vector<Violation> results;
    std::vector<WaivedResult> waived;
    std::vector<WaiverProblem> waiverProblems;
    // What became of the Rego policies (docs/policy.md, "Rego policies"); absent = not looked for.
    std::optional<RegoSummary> rego;

    // Diff-aware mode (`policy check --base REV`): how each result compares with the base
    // revision. Empty `base` = not in diff mode.
    QString base;
    std::vector<bool> isNew;      // parallel to results: new (true) or already there (false)
    std::vector<Violation> fixed; // at the base, gone now
};

// Matches results with those of a base revision on rule, kind, namespace, name and container
// (not on file and line: an edit above an object moves its line without changing anything).
// Fills report.isNew and report.fixed; each base result matches at most one current result.
void compareWithBase(Report& report, const QString& base, const std::vector<Violation>& atBase);

// {"rules": [{"id", "severity", "title", "rationale", "check", "waivable", "equivalents": {...}}]}
std::string rulesJson(const PolicyPack& pack);
// {"renderer", "notes", "rego", "results": [...], "waived": [...], "waiverProblems": [...]}
std::string reportJson(const Report& report);
// SARIF 2.1.0 with one run; rules come from the pack. Waived results are included with an
// external suppression whose justification is the waiver's reason. Rego rules that produced
// results are added to the driver's rules; the Rego note is a tool execution notification.
std::string reportSarif(const Report& report, const PolicyPack& pack);
std::string reportMarkdown(const Report& report);

} // namespace sextant::policy
