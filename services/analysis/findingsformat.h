#pragma once

#include "evidence.h"

namespace sextant::analysis {

// The findings document of `sextant-cli diagnose --output json` (docs/evidence-bundle.md):
// {"app", "findings": [{"category", "signature", "summary", "confidence", "evidence": [{"id",
// "source", "ref", "text"}], "remediation", "fixKind", "resource", "fields"}], "evidence",
// "notes", "elapsedMs"}.
Json diagnosisToJson(const Diagnosis& diagnosis);
// The same document as text with the members in the documented order (Json sorts keys), for
// the CLI and exported files.
QByteArray diagnosisToJsonText(const Diagnosis& diagnosis, int indent = 2);

// For chat and tickets: a headline, then per finding its root cause, the evidence as quoted
// lines with their ids and the remediation as numbered steps.
QString diagnosisToMarkdown(const Diagnosis& diagnosis);

} // namespace sextant::analysis
