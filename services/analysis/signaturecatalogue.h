#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHash>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

namespace sextant::analysis {

struct EvidenceItem;

// One taxonomy entry (resources/signatures.yaml, `categories:`).
struct SignatureCategory {
    QString id;
    QString title;
};

// One failure signature: which evidence lines it reads, what it extracts and what it says.
// The format is described in docs/diagnosis.md.
struct Signature {
    QString id;
    QString category;
    QString title;
    QStringList sources; // EvidenceItem::source values read; empty = every source
    QStringList reasons; // EvidenceItem::reason values accepted (items without a reason are
                         // judged by the patterns alone)
    QStringList kinds;   // resource kinds accepted; empty = any
    QStringList owners;  // controller kinds of the line's Pod accepted (e.g. Job); empty = any
    QVector<QRegularExpression> patterns; // any one matches; named groups become fields
    QVector<QStringList> groupNames;      // the named groups of each pattern
    // A text every match must contain (derived from each pattern when it loads), checked with
    // QString::contains before the regular expression runs: most lines match nothing, and the
    // check is far cheaper than a match call.
    QStringList literals;
    QVector<bool> literalCaseInsensitive;

    // The match of pattern `p` in `text`, or nothing. (A QRegularExpressionMatch is costly to
    // create, even empty, so none exists unless the literal was found.)
    std::optional<QRegularExpressionMatch> match(int p, const QString& text) const;
    double confidence = 0.5;
    QString summary;         // root-cause template with {field} and optional [ ... {field} ]
    QStringList remediation; // templated steps
    QString fixKind = QStringLiteral("none");
    QStringList requiresAny; // fires only when one of these signatures matched too
    QStringList suppresses;  // these signatures' matches fold into this finding (same workload)
    QStringList boosts;      // these signatures' findings gain confidence when this one matched
    bool symptom = false;    // demoted below any finding that is not a symptom
    bool fallback = false;   // kept only when nothing else matched
    bool appScope = false;   // all matches form one finding, whatever the resource
    bool annotation = false; // never a finding: adds its sentence and evidence to the findings
                             // about the same workload (e.g. "still Progressing" blind spots)
    int line = 0;            // where it is defined, for error messages

    // Whether the item is one this signature reads (source, reason, kind), before any pattern.
    bool accepts(const EvidenceItem& item) const;
};

// The failure signatures as data, compiled once: every pattern is validated and optimised when
// the catalogue loads, so diagnosing only runs prepared regular expressions.
// The longest run of plain characters that every match of `pattern` contains, or an empty
// string when none can be derived safely (top-level alternation, inline flags other than a
// leading (?i)). Exposed for the tests.
QString requiredLiteral(const QString& pattern, bool* caseInsensitive = nullptr);

class SignatureCatalogue {
public:
    SignatureCatalogue() = default;

    // resources/signatures.yaml as compiled into the core (":/sextant/signatures.yaml").
    // The built-in catalogue is loaded once per process; a broken file is a build defect and is
    // reported by the tests, here it yields an empty catalogue and a qCritical.
    static SignatureCatalogue builtin();
    // Errors carry "<sourceName>:<line>: <what>" in their details.
    static Result<SignatureCatalogue> fromYaml(const QByteArray& yaml, const QString& sourceName);

    const QVector<SignatureCategory>& categories() const { return m_categories; }
    const QVector<Signature>& signatures() const { return m_signatures; }
    bool hasCategory(const QString& id) const;
    int indexOf(const QString& signatureId) const { return m_index.value(signatureId, -1); }
    // Signatures that read a given source, in catalogue order (plus those reading every source).
    const QVector<int>& forSource(const QString& source) const;
    // Signatures for a row of a pasted `kubectl get events` table (a "text" line with an event
    // reason): those reading text or events, in catalogue order.
    const QVector<int>& forPastedEvent() const { return m_pastedEvent; }

private:
    QVector<SignatureCategory> m_categories;
    QVector<Signature> m_signatures;
    QHash<QString, int> m_index;
    QHash<QString, QVector<int>> m_bySource;
    QVector<int> m_anySource;
    QVector<int> m_pastedEvent;
};

} // namespace sextant::analysis
