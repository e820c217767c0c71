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

ordered_json waiverJson(const Waiver& w) {
    ordered_json j;
    j["file"] = s(w.file);
    j["line"] = w.line;
    j["reason"] = s(w.reason);
    j["ticket"] = w.ticket.isEmpty() ? ordered_json(nullptr) : ordered_json(s(w.ticket));
    j["owner"] = s(w.owner);
    j["expires"] = s(w.expires.toString(Qt::ISODate));
    return j;
}

ordered_json waiverProblemJson(const WaiverProblem& p) {
    ordered_json j;
    j["file"] = s(p.file);
    j["line"] = p.line;
    j["problem"] = s(p.problem);
    j["kind"] = s(waiverProblemKindName(p.kind));
    j["rule"] = s(p.rule);
    j["owner"] = s(p.owner);
    j["expires"] = s(p.expires.toString(Qt::ISODate));
    return j;
}

QString mdCell(QString text) {
    text.replace(QLatin1Char('|'), QStringLiteral("\\|"));
    text.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return text;
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
        ordered_json rule = {{"id", s(r.id)},       {"severity", s(severityName(r.severity))},
                             {"title", s(r.title)}, {"rationale", s(r.rationale)},
                             {"check", r.check},    {"waivable", r.waivable},
                             {"equivalents", eq}};
        // Custom rules say where they are defined (and imported Polaris checks their category).
        if (!r.file.isEmpty())
            rule["source"] = s(QStringLiteral("%1:%2").arg(r.file).arg(r.line));
        if (!r.category.isEmpty())
            rule["category"] = s(r.category);
        rules.push_back(std::move(rule));
    }
    return ordered_json{{"rules", rules}}.dump(2);
}

static QString baselineKey(const Violation& v) {
    return QStringList{v.rule, v.kind, v.ns, v.name, v.container}.join(QLatin1Char('\x1f'));
}

void compareWithBase(Report& report, const QString& base, const std::vector<Violation>& atBase) {
    report.base = base;
    std::multimap<QString, std::size_t> unmatched;
    for (std::size_t i = 0; i < atBase.size(); ++i)
        unmatched.emplace(baselineKey(atBase[i]), i);
    report.isNew.assign(report.results.size(), true);
    for (std::size_t i = 0; i < report.results.size(); ++i) {
        auto it = unmatched.find(baselineKey(report.results[i]));
        if (it == unmatched.end())
            continue;
        report.isNew[i] = false;
        unmatched.erase(it);
    }
    std::vector<std::size_t> fixedIndexes;
    for (const auto& [key, index] : unmatched)
        fixedIndexes.push_back(index);
    std::sort(fixedIndexes.begin(), fixedIndexes.end());
    report.fixed.clear();
    for (std::size_t index : fixedIndexes)
        report.fixed.push_back(atBase[index]);
}

std::string reportJson(const Report& report) {
    ordered_json out;
    out["renderer"] = s(report.renderer);
    ordered_json notes = ordered_json::array();
    for (const QString& n : report.notes)
        notes.push_back(s(n));
    out["notes"] = notes;
    if (report.rego) {
        const RegoSummary& r = *report.rego;
        out["rego"] = {
            {"engine", r.engine.isEmpty() ? ordered_json(nullptr) : ordered_json(s(r.engine))},
            {"policies", r.policies},
            {"evaluated", r.evaluated},
            {"exceptions", r.exceptions},
            {"note", r.note.isEmpty() ? ordered_json(nullptr) : ordered_json(s(r.note))}};
    }
    const bool diff = !report.base.isEmpty();
    if (diff) {
        const auto newCount = std::count(report.isNew.begin(), report.isNew.end(), true);
        out["base"] = s(report.base);
        out["summary"] = {{"new", newCount},
                          {"unchanged", qsizetype(report.results.size()) - newCount},
                          {"fixed", report.fixed.size()}};
    }
    ordered_json results = ordered_json::array();
    for (std::size_t i = 0; i < report.results.size(); ++i) {
        ordered_json j = violationJson(report.results[i]);
        if (diff)
            j["status"] = report.isNew[i] ? "new" : "unchanged";
        results.push_back(j);
    }
    out["results"] = results;
    if (diff) {
        ordered_json fixed = ordered_json::array();
        for (const Violation& v : report.fixed)
            fixed.push_back(violationJson(v));
        out["fixed"] = fixed;
    }
    ordered_json waived = ordered_json::array();
    for (const WaivedResult& w : report.waived) {
        ordered_json j = violationJson(w.violation);
        j["waiver"] = waiverJson(w.waiver);
        waived.push_back(j);
    }
    out["waived"] = waived;
    ordered_json problems = ordered_json::array();
    for (const WaiverProblem& p : report.waiverProblems)
        problems.push_back(waiverProblemJson(p));
    out["waiverProblems"] = problems;
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
    // Rego rules exist only in the results (the policies define them as they run).
    const auto addRegoRule = [&](const Violation& v) {
        if (!isRegoRule(v.rule) || ruleIndex.count(v.rule))
            return;
        ruleIndex[v.rule] = int(rules.size());
        rules.push_back({{"id", s(v.rule)},
                         {"name", s(v.rule)},
                         {"shortDescription",
                          {{"text", s(QStringLiteral("Rego policy %1").arg(v.rule.mid(5)))}}},
                         {"defaultConfiguration", {{"level", sarifLevel(v.severity)}}}});
    };
    for (const Violation& v : report.results)
        addRegoRule(v);
    for (const WaivedResult& w : report.waived)
        addRegoRule(w.violation);
    for (const Violation& v : report.fixed)
        addRegoRule(v);
    ordered_json results = ordered_json::array();
    const auto addResult = [&](const Violation& v, const Waiver* waiver) {
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
        if (waiver) {
            res["suppressions"] = ordered_json::array(
                {{{"kind", "external"},
                  {"status", "accepted"},
                  {"justification", s(waiver->reason)},
                  {"location",
                   {{"physicalLocation",
                     {{"artifactLocation", {{"uri", s(waiver->file)}}},
                      {"region", {{"startLine", std::max(1, waiver->line)}}}}}}}}});
        }
        results.push_back(res);
    };
    const bool diff = !report.base.isEmpty();
    for (std::size_t i = 0; i < report.results.size(); ++i) {
        addResult(report.results[i], nullptr);
        if (diff)
            results.back()["baselineState"] = report.isNew[i] ? "new" : "unchanged";
    }
    for (const WaivedResult& w : report.waived)
        addResult(w.violation, &w.waiver);
    if (diff) {
        // Fixed results are reported as absent, as SARIF's baseline comparison defines it.
        for (const Violation& v : report.fixed) {
            addResult(v, nullptr);
            results.back()["baselineState"] = "absent";
        }
    }
    ordered_json run = {
        {"tool",
         {{"driver",
           {{"name", "sextant-policy"}, {"version", SEXTANT_VERSION}, {"rules", rules}}}}},
        {"results", results}};
    if (report.rego && report.rego->policies > 0) {
        // Rego policies that could not run must not look like a clean result in CI.
        ordered_json notification = {
            {"descriptor",
             {{"id", report.rego->evaluated ? "rego-evaluated" : "rego-not-evaluated"}}},
            {"level", report.rego->evaluated ? "note" : "warning"},
            {"message", {{"text", s(report.rego->note)}}}};
        run["invocations"] = ordered_json::array(
            {{{"executionSuccessful", true},
              {"toolExecutionNotifications", ordered_json::array({notification})}}});
    }
    ordered_json out = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                        {"version", "2.1.0"},
                        {"runs", ordered_json::array({run})}};
    return out.dump(2);
}

std::string reportMarkdown(const Report& report) {
    QString md = QStringLiteral("# Policy report\n\nRenderer: %1\n\n").arg(report.renderer);
    for (const QString& n : report.notes)
        md += QStringLiteral("> %1\n\n").arg(n);
    if (report.rego && report.rego->policies > 0)
        md += QStringLiteral("> %1%2.\n\n")
                  .arg(report.rego->evaluated ? QString() : QStringLiteral("**Warning**: "),
                       report.rego->note);
    const bool diff = !report.base.isEmpty();
    const auto table = [&](bool onlyNew, bool onlyOld) {
        QString t = QStringLiteral("| severity | rule | object | location | message |\n"
                                   "| --- | --- | --- | --- | --- |\n");
        for (std::size_t i = 0; i < report.results.size(); ++i) {
            if ((onlyNew && !report.isNew[i]) || (onlyOld && report.isNew[i]))
                continue;
            const Violation& v = report.results[i];
            t += QStringLiteral("| %1 | %2 | %3 | %4:%5 | %6 |\n")
                     .arg(severityName(v.severity), v.rule, objectName(v), v.file)
                     .arg(v.line)
                     .arg(mdCell(v.message));
        }
        return t;
    };
    if (diff) {
        const auto newCount = std::count(report.isNew.begin(), report.isNew.end(), true);
        md += QStringLiteral("Compared with %1: **%2 new**, %3 unchanged, %4 fixed.\n\n")
                  .arg(report.base)
                  .arg(newCount)
                  .arg(qsizetype(report.results.size()) - newCount)
                  .arg(report.fixed.size());
        md += QStringLiteral("## New\n\n") +
              (newCount == 0 ? QStringLiteral("None.\n") : table(true, false));
        if (qsizetype(report.results.size()) > newCount)
            md += QStringLiteral("\n<details><summary>Unchanged (%1)</summary>\n\n%2\n</details>\n")
                      .arg(qsizetype(report.results.size()) - newCount)
                      .arg(table(false, true));
        if (!report.fixed.empty()) {
            md += QStringLiteral("\n## Fixed\n\n| severity | rule | object | message |\n"
                                 "| --- | --- | --- | --- |\n");
            for (const Violation& v : report.fixed)
                md += QStringLiteral("| %1 | %2 | %3 | %4 |\n")
                          .arg(severityName(v.severity), v.rule, objectName(v), mdCell(v.message));
        }
    } else if (report.results.empty()) {
        md += QStringLiteral("No violations.\n");
    } else {
        md += table(false, false);
    }
    if (!report.waived.empty()) {
        md += QStringLiteral("\n## Waived\n\n"
                             "| severity | rule | object | location | waiver | owner | expires | "
                             "reason |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (const WaivedResult& w : report.waived) {
            const Violation& v = w.violation;
            QString reason = w.waiver.reason;
            if (!w.waiver.ticket.isEmpty())
                reason += QStringLiteral(" (%1)").arg(w.waiver.ticket);
            md += QStringLiteral("| %1 | %2 | %3 | %4:%5 | %6:%7 | %8 | %9 | %10 |\n")
                      .arg(severityName(v.severity), v.rule, objectName(v), v.file)
                      .arg(v.line)
                      .arg(w.waiver.file)
                      .arg(w.waiver.line)
                      .arg(mdCell(w.waiver.owner), w.waiver.expires.toString(Qt::ISODate),
                           mdCell(reason));
        }
    }
    if (!report.waiverProblems.empty()) {
        md += QStringLiteral("\n## Waiver problems\n\n"
                             "| waiver | rule | owner | problem |\n| --- | --- | --- | --- |\n");
        for (const WaiverProblem& p : report.waiverProblems) {
            md += QStringLiteral("| %1:%2 | %3 | %4 | %5 |\n")
                      .arg(p.file)
                      .arg(p.line)
                      .arg(p.rule, mdCell(p.owner), mdCell(p.problem));
        }
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
