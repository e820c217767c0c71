#pragma once

#include "report/fleetreport.h"

#include <QByteArray>
#include <QString>

#include <nlohmann/json.hpp>

namespace sextant::report {

// The three renderings of a FleetReport (docs/reports.md). Markdown for Slack, PRs and tickets;
// HTML self-contained (inline CSS, every value escaped, prints on A4); JSON with the stable
// schema "sextant.fleet-report/v1" (every list complete, no "and N more").
QString fleetReportToMarkdown(const FleetReport& report);
QString fleetReportToHtml(const FleetReport& report);
nlohmann::ordered_json fleetReportToJson(const FleetReport& report);
QByteArray fleetReportToJsonText(const FleetReport& report, int indent = 2);

// Markdown-safe text: characters that Markdown (and Slack) would read as formatting are
// escaped, and line breaks become spaces (one table cell or list item per value).
QString escapeMarkdown(const QString& text);

} // namespace sextant::report
