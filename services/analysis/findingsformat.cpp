#include "findingsformat.h"

#include <cmath>

namespace sextant::analysis {

namespace {

std::string s(const QString& v) {
    return v.toStdString();
}

template <typename Ordered>
Ordered itemJson(const EvidenceItem& e) {
    Ordered j;
    j["id"] = s(e.id);
    j["source"] = s(e.source);
    j["ref"] = s(e.ref);
    j["text"] = s(e.text);
    return j;
}

double round3(double v) {
    return std::round(v * 1000) / 1000;
}

// Markdown quotes must not be broken by the evidence text itself.
QString quoted(const QString& text) {
    QString t = text;
    t.replace(QLatin1Char('\n'), QLatin1Char(' '));
    t.replace(QLatin1Char('`'), QLatin1Char('\''));
    return t;
}

} // namespace

namespace {

// One builder for both JSON flavours: Json (sorted keys) and ordered_json (documented order).
template <typename Ordered>
Ordered build(const Diagnosis& d) {
    Ordered out;
    out["app"] = s(d.app);
    Ordered findings = Ordered::array();
    for (const Finding& f : d.findings) {
        Ordered j;
        j["category"] = s(f.category);
        j["signature"] = s(f.signatureId);
        j["summary"] = s(f.summary);
        j["confidence"] = round3(f.confidence);
        Ordered ev = Ordered::array();
        for (const QString& id : f.evidenceIds)
            if (const EvidenceItem* e = d.item(id))
                ev.push_back(itemJson<Ordered>(*e));
        j["evidence"] = std::move(ev);
        Ordered steps = Ordered::array();
        for (const QString& r : f.remediation)
            steps.push_back(s(r));
        j["remediation"] = std::move(steps);
        j["fixKind"] = s(f.fixKind);
        j["resource"] = s(f.resource);
        Ordered fields = Ordered::object();
        for (auto it = f.fields.cbegin(); it != f.fields.cend(); ++it)
            fields[s(it.key())] = s(it.value());
        j["fields"] = std::move(fields);
        findings.push_back(std::move(j));
    }
    out["findings"] = std::move(findings);
    Ordered evidence = Ordered::array();
    for (const EvidenceItem& e : d.evidence)
        evidence.push_back(itemJson<Ordered>(e));
    out["evidence"] = std::move(evidence);
    Ordered notes = Ordered::array();
    for (const QString& n : d.notes)
        notes.push_back(s(n));
    out["notes"] = std::move(notes);
    out["elapsedMs"] = round3(d.elapsedMs);
    return out;
}

} // namespace

Json diagnosisToJson(const Diagnosis& d) {
    return build<Json>(d);
}

QByteArray diagnosisToJsonText(const Diagnosis& d, int indent) {
    const std::string text = build<nlohmann::ordered_json>(d).dump(indent);
    return QByteArray(text.data(), qsizetype(text.size()));
}

QString diagnosisToMarkdown(const Diagnosis& d) {
    QString md;
    const QString app = d.app.isEmpty() ? QStringLiteral("application") : d.app;
    if (d.findings.isEmpty()) {
        md += QStringLiteral("## Diagnosis of %1\n\nNo findings.\n").arg(app);
        return md;
    }
    const Finding& top = d.findings.first();
    md += QStringLiteral("## Diagnosis of %1: %2\n\n").arg(app, top.category);
    md += top.summary + QStringLiteral("\n");
    for (int i = 0; i < d.findings.size(); ++i) {
        const Finding& f = d.findings[i];
        md += QStringLiteral("\n### %1. %2 (confidence %3)\n\n")
                  .arg(i + 1)
                  .arg(f.category)
                  .arg(QString::number(f.confidence, 'f', 2));
        md += QStringLiteral("**Root cause:** %1\n").arg(f.summary);
        if (!f.resource.isEmpty())
            md += QStringLiteral("\n**Resource:** %1\n").arg(f.resource);
        if (!f.evidenceIds.isEmpty()) {
            md += QStringLiteral("\n**Evidence:**\n\n");
            for (const QString& id : f.evidenceIds) {
                const EvidenceItem* e = d.item(id);
                if (!e)
                    continue;
                md += QStringLiteral("> **%1** (%2): `%3`\n>\n")
                          .arg(id, quoted(e->ref), quoted(e->text));
            }
            md.chop(2); // the last quote separator
        }
        if (!f.remediation.isEmpty()) {
            md += QStringLiteral("\n**Remediation:**\n\n");
            for (int k = 0; k < f.remediation.size(); ++k)
                md += QStringLiteral("%1. %2\n").arg(k + 1).arg(f.remediation[k]);
        }
        if (f.fixKind != QLatin1String("none") && !f.fixKind.isEmpty())
            md += QStringLiteral("\nSuggested Git fix: `%1`\n").arg(f.fixKind);
    }
    if (!d.notes.isEmpty()) {
        md += QStringLiteral("\n### Notes\n\n");
        for (const QString& n : d.notes)
            md += QStringLiteral("- %1\n").arg(n);
    }
    md += QStringLiteral("\n_Diagnosed by Sextant in %1 ms from %2 evidence lines._\n")
              .arg(QString::number(d.elapsedMs, 'f', 2))
              .arg(d.evidence.size());
    return md;
}

} // namespace sextant::analysis
