#include "policyreport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace sextant::policy {

namespace {

using nlohmann::ordered_json;

std::string s(const QString& q) {
    return q.toStdString();
}

ordered_json fixJson(const Fix& f) {
    ordered_json j;
    j["description"] = s(f.description);
    j["file"] = s(f.file);
    j["line"] = f.line;
    j["removeLines"] = f.removeLines;
    j["text"] = s(f.text);
    j["diff"] = s(f.diff);
    return j;
}

ordered_json violationJson(const Violation& v) {
    ordered_json j;
    j["rule"] = s(v.rule);
    j["severity"] = s(severityName(v.severity));
    j["object"] = {{"apiVersion", s(v.apiVersion)},
                   {"kind", s(v.kind)},
                   {"namespace", s(v.ns)},
                   {"name", s(v.name)}};
    if (!v.container.isEmpty())
        j["container"] = s(v.container);
    j["file"] = s(v.file);
    j["line"] = v.line;
    j["message"] = s(v.message);
    j["fix"] = v.fix ? fixJson(*v.fix) : ordered_json(nullptr);
    return j;
}

const char* sarifLevel(Severity sev) {
    switch (sev) {
    case Severity::Error:
        return "error";
    case Severity::Warning:
        return "warning";
    case Severity::Info:
        break;
    }
    return "note";
}

QString objectName(const Violation& v) {
    QString name = v.kind + QLatin1Char('/') + v.name;
    if (!v.ns.isEmpty())
        name = v.ns + QLatin1Char('/') + name;
    return name;
}

} // namespace

std::string rulesJson(const PolicyPack& pack) {
    ordered_json rules = ordered_json::array();
    for (const Rule& r : pack.rules()) {
        ordered_json eq = ordered_json::object();
        for (const auto& [tool, ids] : r.equivalents) {
            ordered_json list = ordered_json::array();
            for (const QString& id : ids)
                list.push_back(s(id));
            eq[s(tool)] = list;
        }
        rules.push_back({{"id", s(r.id)},
                         {"severity", s(severityName(r.severity))},
                         {"title", s(r.title)},
                         {"rationale", s(r.rationale)},
                         {"check", r.check},
                         {"equivalents", eq}});
    }
    return ordered_json{{"rules", rules}}.dump(2);
}

std::string reportJson(const Report& report) {
    ordered_json out;
    out["renderer"] = s(report.renderer);
    ordered_json notes = ordered_json::array();
    for (const QString& n : report.notes)
        notes.push_back(s(n));
    out["notes"] = notes;
    ordered_json results = ordered_json::array();
    for (const Violation& v : report.results)
        results.push_back(violationJson(v));
    out["results"] = results;
    out["waived"] = ordered_json::array(); // waivers are not implemented yet (docs/policy.md)
    return out.dump(2);
}

std::string reportSarif(const Report& report, const PolicyPack& pack) {
    ordered_json rules = ordered_json::array();
    std::map<QString, int> ruleIndex;
    for (const Rule& r : pack.rules()) {
        ruleIndex[r.id] = int(rules.size());
        rules.push_back({{"id", s(r.id)},
                         {"name", s(r.id)},
                         {"shortDescription", {{"text", s(r.title)}}},
                         {"fullDescription", {{"text", s(r.rationale)}}},
                         {"defaultConfiguration", {{"level", sarifLevel(r.severity)}}}});
    }
    ordered_json results = ordered_json::array();
    for (const Violation& v : report.results) {
        ordered_json region = {{"startLine", std::max(1, v.line)}};
        ordered_json res = {
            {"ruleId", s(v.rule)},
            {"level", sarifLevel(v.severity)},
            {"message", {{"text", s(objectName(v) + QStringLiteral(": ") + v.message)}}},
            {"locations", ordered_json::array({{{"physicalLocation",
                                                 {{"artifactLocation", {{"uri", s(v.file)}}},
                                                  {"region", region}}}}})}};
        if (const auto it = ruleIndex.find(v.rule); it != ruleIndex.end())
            res["ruleIndex"] = it->second;
        results.push_back(res);
    }
    ordered_json run = {
        {"tool",
         {{"driver",
           {{"name", "sextant-policy"}, {"version", SEXTANT_VERSION}, {"rules", rules}}}}},
        {"results", results}};
    ordered_json out = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                        {"version", "2.1.0"},
                        {"runs", ordered_json::array({run})}};
    return out.dump(2);
}

std::string reportMarkdown(const Report& report) {
    QString md = QStringLiteral("# Policy report\n\nRenderer: %1\n\n").arg(report.renderer);
    for (const QString& n : report.notes)
        md += QStringLiteral("> %1\n\n").arg(n);
    if (report.results.empty()) {
        md += QStringLiteral("No violations.\n");
        return md.toStdString();
    }
    md += QStringLiteral("| severity | rule | object | location | message |\n"
                         "| --- | --- | --- | --- | --- |\n");
    for (const Violation& v : report.results) {
        QString message = v.message;
        message.replace(QLatin1Char('|'), QStringLiteral("\\|"));
        md += QStringLiteral("| %1 | %2 | %3 | %4:%5 | %6 |\n")
                  .arg(severityName(v.severity), v.rule, objectName(v), v.file)
                  .arg(v.line)
                  .arg(message);
    }
    int fixes = 0;
    for (const Violation& v : report.results) {
        if (!v.fix)
            continue;
        if (fixes++ == 0)
            md += QStringLiteral("\n## Fixes\n");
        md += QStringLiteral("\n%1 (%2):\n\n```diff\n%3```\n")
                  .arg(v.rule, objectName(v), v.fix->diff);
    }
    return md.toStdString();
}

} // namespace sextant::policy
