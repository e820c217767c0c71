#pragma once

#include "policy/policyengine.h"

#include <string>

namespace sextant::policy {

// The output formats of `sextant-cli policy` (and later the console's report export).
struct Report {
    QString renderer;
    QStringList notes;
    std::vector<Violation> results;
};

// {"rules": [{"id", "severity", "title", "rationale", "check", "equivalents": {...}}]}
std::string rulesJson(const PolicyPack& pack);
// {"renderer", "notes", "results": [...], "waived": []}
std::string reportJson(const Report& report);
// SARIF 2.1.0 with one run; rules come from the pack (only those with results or all).
std::string reportSarif(const Report& report, const PolicyPack& pack);
std::string reportMarkdown(const Report& report);

} // namespace sextant::policy
