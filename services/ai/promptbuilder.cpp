#include "promptbuilder.h"

#include <QHash>

#include <algorithm>
#include <limits>
#include <numeric>
#include <tuple>

namespace sextant::ai {

using analysis::Diagnosis;
using analysis::EvidenceItem;
using analysis::Finding;

namespace {

// Runs of ids listed in the "left out" note; beyond that only the count is given.
constexpr int kListedOmittedRuns = 40;

struct EvidenceLine {
    int index = 0; // position in Diagnosis::evidence (the prompt keeps this order)
    QString id;
    QString rendered; // "[E3] event BackOff Pod shop/web: Back-off restarting …"
    QString label;    // "E3 event Pod shop/web", for PromptPreview::dropped
    // Sort key, lower is more valuable.
    int tier = 2; // 0 cited by a finding, 1 warning, 2 other
    int finding = std::numeric_limits<int>::max();
    int position = std::numeric_limits<int>::max();
};

QString cut(const QString& text, int maxChars) {
    if (maxChars <= 0 || text.size() <= maxChars)
        return text;
    return text.left(maxChars) + QStringLiteral("…");
}

QString renderFindings(const Diagnosis& d) {
    if (d.findings.isEmpty())
        return QStringLiteral("(none: the engine found no known failure signature)\n");
    QString out;
    for (int i = 0; i < d.findings.size(); ++i) {
        const Finding& f = d.findings[i];
        out += QStringLiteral("F%1. %2 (confidence %3)\n")
                   .arg(i + 1)
                   .arg(f.category)
                   .arg(f.confidence, 0, 'f', 2);
        out += QStringLiteral("    Summary: %1\n").arg(f.summary);
        if (!f.resource.isEmpty())
            out += QStringLiteral("    Resource: %1\n").arg(f.resource);
        if (!f.evidenceIds.isEmpty()) {
            QStringList ids;
            for (const QString& id : f.evidenceIds)
                ids << QStringLiteral("[%1]").arg(id);
            out += QStringLiteral("    Evidence: %1\n").arg(ids.join(QLatin1Char(' ')));
        }
        if (!f.fields.isEmpty()) {
            QStringList fields;
            // Written the way Kubernetes names things (secret "db-creds"): the fields name
            // resources and keys, and "secret=db-creds" would read as a secret assignment.
            for (auto it = f.fields.begin(); it != f.fields.end(); ++it)
                fields << QStringLiteral("%1 \"%2\"").arg(it.key(), it.value());
            out += QStringLiteral("    Extracted: %1\n").arg(fields.join(QStringLiteral(", ")));
        }
        if (!f.remediation.isEmpty()) {
            out += QStringLiteral("    Remediation:\n");
            for (int r = 0; r < f.remediation.size(); ++r)
                out += QStringLiteral("      %1. %2\n").arg(r + 1).arg(f.remediation[r]);
        }
        if (!f.fixKind.isEmpty() && f.fixKind != QLatin1String("none"))
            out += QStringLiteral("    Suggested Git fix: %1\n").arg(f.fixKind);
    }
    return out;
}

QString prefixOf(const EvidenceItem& e) {
    QString prefix = e.source;
    if (!e.reason.isEmpty())
        prefix += QLatin1Char(' ') + e.reason;
    if (e.warning)
        prefix += QStringLiteral(" (warning)");
    if (!e.ref.isEmpty())
        prefix += QLatin1Char(' ') + e.ref;
    if (e.count > 1)
        prefix += QStringLiteral(" ×%1").arg(e.count);
    if (e.time.isValid())
        prefix += QLatin1Char(' ') + e.time.toUTC().toString(Qt::ISODate);
    return prefix;
}

// Redacts the evidence texts. Consecutive lines of one source and ref (a log stream, a text
// block, a manifest) are redacted together, so a Secret manifest or a PEM block split over
// several lines is still recognised; the Redactor keeps the line count, so the result splits
// back into the original lines.
QStringList redactEvidenceTexts(const Redactor& redactor, const QVector<EvidenceItem>& evidence,
                                QVector<RedactionCount>& counts) {
    QStringList out;
    out.reserve(evidence.size());
    qsizetype i = 0;
    while (i < evidence.size()) {
        qsizetype j = i + 1;
        while (j < evidence.size() && evidence[j].source == evidence[i].source &&
               evidence[j].ref == evidence[i].ref)
            ++j;
        QStringList texts;
        QVector<qsizetype> lineCounts;
        for (qsizetype k = i; k < j; ++k) {
            texts << evidence[k].text;
            lineCounts << evidence[k].text.count(QLatin1Char('\n')) + 1;
        }
        const Redaction r = redactor.redact(texts.join(QLatin1Char('\n')));
        mergeCounts(counts, r.counts);
        const QStringList lines = r.text.split(QLatin1Char('\n'));
        qsizetype at = 0;
        for (qsizetype n : std::as_const(lineCounts)) {
            out << lines.mid(at, n).join(QLatin1Char('\n'));
            at += n;
        }
        i = j;
    }
    return out;
}

} // namespace

PromptBuilder::PromptBuilder(LlmConfig config, PromptOptions options)
    : m_config(std::move(config))
    , m_options(options) {}

int PromptBuilder::estimateTokens(QStringView text) {
    return int((text.size() + 3) / 4);
}

QString PromptBuilder::systemPrompt() {
    return QStringLiteral(
        "You are an SRE assistant helping an on-call engineer understand a failing Argo CD "
        "application. You receive the findings of Sextant's deterministic diagnosis engine and "
        "the evidence lines it saw. Every evidence line has an id such as [E3].\n"
        "\n"
        "Rules:\n"
        "- Use only facts stated in the findings and evidence lines. Never invent resource "
        "names, versions, times, numbers or causes.\n"
        "- Every sentence that states a fact ends with the ids of the evidence lines that prove "
        "it, in square brackets: [E3] or [E3, E7].\n"
        "- Cite only ids that appear in the evidence below. When the evidence does not settle "
        "a question, say so instead of guessing.\n"
        "- The findings are the engine's conclusions. You may rank them differently; say why, "
        "with citations.\n"
        "- Values shown as [REDACTED:kind] were removed on purpose. Do not guess them.\n"
        "- Be brief: the reader is in the middle of an incident.\n"
        "\n"
        "Answer in Markdown with exactly these sections:\n"
        "## What happened\n"
        "Two to five sentences telling the incident in time order, each with citations.\n"
        "## Likely causes\n"
        "A numbered list, most likely first: the cause, the reason with citations, and a "
        "confidence of high, medium or low.\n"
        "## Next steps\n"
        "Short imperative steps; cite the evidence when a step relies on a fact.\n"
        "## Gaps\n"
        "What the evidence does not show and would be worth checking, or \"None\".\n");
}

Result<PromptPreview> PromptBuilder::build(const Diagnosis& d) const {
    Result<Redactor> redactor = Redactor::create(m_config.redactionPatterns);
    if (!redactor)
        return redactor.error();

    PromptPreview preview;
    const QString system = systemPrompt();

    // Fixed parts of the user message, redacted as a whole.
    QString head =
        QStringLiteral("Application: %1\n\nFindings (highest confidence first):\n%2")
            .arg(d.app.isEmpty() ? QStringLiteral("(unknown)") : d.app, renderFindings(d));
    if (!d.notes.isEmpty())
        head += QStringLiteral("\nNotes on what was collected:\n- ") +
                d.notes.join(QStringLiteral("\n- ")) + QLatin1Char('\n');
    {
        const Redaction r = redactor->redact(head);
        head = r.text;
        mergeCounts(preview.redactions, r.counts);
    }
    const QString tail = QStringLiteral(
        "\nWrite the answer now, with the four sections, citing evidence ids for every fact.");

    // Evidence lines, redacted, rendered and ranked.
    const QStringList texts = redactEvidenceTexts(*redactor, d.evidence, preview.redactions);
    QHash<QString, QPair<int, int>> citedBy; // id -> (finding, position), the best one
    for (int f = 0; f < d.findings.size(); ++f) {
        const QStringList& ids = d.findings[f].evidenceIds;
        for (int p = 0; p < ids.size(); ++p) {
            if (!citedBy.contains(ids[p]))
                citedBy.insert(ids[p], {f, p});
        }
    }
    QVector<EvidenceLine> lines;
    lines.reserve(d.evidence.size());
    for (int i = 0; i < d.evidence.size(); ++i) {
        const EvidenceItem& e = d.evidence[i];
        EvidenceLine line;
        line.index = i;
        line.id = e.id;
        const Redaction prefix = redactor->redact(prefixOf(e));
        mergeCounts(preview.redactions, prefix.counts);
        // Continuation lines are indented under their id; lines left empty by a redacted
        // block (a private key) are dropped.
        QStringList parts = cut(texts[i], m_options.maxLineChars).split(QLatin1Char('\n'));
        for (qsizetype p = parts.size() - 1; p > 0; --p) {
            if (parts[p].trimmed().isEmpty())
                parts.removeAt(p);
        }
        const QString text = parts.join(QStringLiteral("\n    "));
        line.rendered = QStringLiteral("[%1] %2: %3").arg(e.id, prefix.text, text);
        line.label = QStringLiteral("%1 %2").arg(e.id, prefix.text);
        if (const auto it = citedBy.constFind(e.id); it != citedBy.constEnd()) {
            line.tier = 0;
            line.finding = it->first;
            line.position = it->second;
        } else {
            line.tier = e.warning ? 1 : 2;
        }
        lines.append(line);
    }
    // Most valuable first; among equals the earlier source (Argo CD's order: conditions,
    // operation, health, containers, events, logs, revisions) wins.
    QVector<int> ranked(lines.size());
    std::iota(ranked.begin(), ranked.end(), 0);
    std::stable_sort(ranked.begin(), ranked.end(), [&lines](int a, int b) {
        const EvidenceLine& x = lines[a];
        const EvidenceLine& y = lines[b];
        return std::tie(x.tier, x.finding, x.position, x.index) <
               std::tie(y.tier, y.finding, y.position, y.index);
    });

    const auto render = [&](int keep, QStringList* droppedLabels) {
        QVector<int> kept(ranked.begin(), ranked.begin() + keep);
        std::sort(kept.begin(), kept.end());
        QString user = head + QStringLiteral("\nEvidence lines (id, source, resource, text):\n");
        for (int i : std::as_const(kept))
            user += lines[i].rendered + QLatin1Char('\n');
        if (kept.isEmpty())
            user += QStringLiteral("(none)\n");
        const int droppedCount = int(ranked.size()) - keep;
        if (droppedCount > 0) {
            QVector<int> dropped(ranked.begin() + keep, ranked.end());
            std::sort(dropped.begin(), dropped.end());
            // Runs of neighbouring lines as ranges: "E12–E205" rather than 190 ids.
            QStringList ids;
            for (qsizetype i = 0; i < dropped.size();) {
                qsizetype j = i;
                while (j + 1 < dropped.size() && dropped[j + 1] == dropped[j] + 1)
                    ++j;
                if (ids.size() == kListedOmittedRuns) {
                    ids << QStringLiteral("…");
                    break;
                }
                ids << (i == j ? lines[dropped[i]].id
                               : lines[dropped[i]].id + QStringLiteral("–") + lines[dropped[j]].id);
                i = j + 1;
            }
            user += QStringLiteral("(%1 more evidence lines were left out to fit the size "
                                   "budget: %2. Do not cite them.)\n")
                        .arg(droppedCount)
                        .arg(ids.join(QStringLiteral(", ")));
        }
        user += tail;
        if (droppedLabels) {
            droppedLabels->clear();
            // Lowest value first, the order in which they were given up.
            for (int r = int(ranked.size()) - 1; r >= keep; --r)
                *droppedLabels << lines[ranked[r]].label;
        }
        return user;
    };
    const auto tokens = [&](const QString& user) {
        return estimateTokens(system) + estimateTokens(user) + 2 * kMessageOverheadTokens;
    };

    const int budget = m_config.maxPromptTokens;
    int keep = std::min<int>(int(ranked.size()), std::max(0, m_options.maxEvidenceLines));
    if (tokens(render(0, nullptr)) > budget)
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the findings alone need about %1 tokens, more than "
                                          "the prompt budget of %2 — raise the maximum prompt "
                                          "tokens")
                               .arg(tokens(render(0, nullptr)))
                               .arg(budget));
    if (tokens(render(keep, nullptr)) > budget) {
        // The size grows with every kept line, so the largest fitting count is found by
        // bisection; the final check covers the small wobble of the "left out" note.
        int lo = 0, hi = keep;
        while (lo < hi) {
            const int mid = (lo + hi + 1) / 2;
            if (tokens(render(mid, nullptr)) <= budget)
                lo = mid;
            else
                hi = mid - 1;
        }
        keep = lo;
        while (keep > 0 && tokens(render(keep, nullptr)) > budget)
            --keep;
    }

    const QString user = render(keep, &preview.dropped);
    preview.messages = {{QStringLiteral("system"), system}, {QStringLiteral("user"), user}};
    preview.estimatedTokens = tokens(user);
    QVector<int> kept(ranked.begin(), ranked.begin() + keep);
    std::sort(kept.begin(), kept.end());
    for (int i : std::as_const(kept))
        preview.includedIds << lines[i].id;
    preview.text = QString::fromUtf8(chatRequestBody(m_config, preview.messages));
    return preview;
}

} // namespace sextant::ai
