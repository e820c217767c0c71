#pragma once

#include "policy/policyengine.h"
#include "policy/waivers.h"

#include <string>

namespace sextant::policy {

// The output formats of `sextant-cli policy` (and later the console's report export).
struct Report {
    QString renderer;
    QStringList notes;
    std::vector<Violation> results;
    std::vector<WaivedResult> waived;
    std::vector<WaiverProblem> waiverProblems;
};

// {"rules": [{"id", "severity", "title", "rationale", "check", "waivable", "equivalents": {...}}]}
std::string rulesJson(const PolicyPack& pack);
// {"renderer", "notes", "results": [...], "waived": [...], "waiverProblems": [...]}
std::string reportJson(const Report& report);
// SARIF 2.1.0 with one run; rules come from the pack. Waived results are included with an
// external suppression whose justification is the waiver's reason.
std::string reportSarif(const Report& report, const PolicyPack& pack);
std::string reportMarkdown(const Report& report);

} // namespace sextant::policy
