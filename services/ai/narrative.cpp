#include "narrative.h"

#include <QRegularExpression>
#include <QSet>

namespace sextant::ai {

using analysis::Diagnosis;

namespace {

// "[E3]", "[E3, E7]", "[E3; E7]", "[E3-E5]", "[E3–5]"; also "(E3)" as models sometimes write.
const QRegularExpression& citationPattern() {
    static const QRegularExpression re(QStringLiteral(
        R"rx([\[(]\s*(E\d+(?:\s*[-–]\s*E?\d+)?(?:\s*[,;]\s*(?:and\s+)?E\d+(?:\s*[-–]\s*E?\d+)?)*)\s*[\])])rx"));
    return re;
}

constexpr int kMaxRange = 50; // "[E1-E9999]" is not a citation worth expanding

struct Unit {
    qsizetype start = 0;
    qsizetype end = 0;
    bool bullet = false;
};

bool isHeading(QStringView line, QString* title) {
    static const QRegularExpression markdown(
        QStringLiteral(R"rx(^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$)rx"));
    static const QRegularExpression bold(QStringLiteral(R"rx(^\s*\*\*([^*]+?)\*\*:?\s*$)rx"));
    QRegularExpressionMatch m = markdown.match(line);
    if (!m.hasMatch())
        m = bold.match(line);
    if (!m.hasMatch())
        return false;
    *title = m.captured(1).trimmed();
    if (title->endsWith(QLatin1Char(':')))
        title->chop(1);
    return true;
}

bool isBulletStart(QStringView line) {
    static const QRegularExpression bullet(QStringLiteral(R"rx(^\s*(?:[-*•+]|\d+[.)])\s+)rx"));
    return bullet.match(line).hasMatch();
}

// Sections whose sentences are steps or open questions, not statements of fact.
bool isNonFactSection(const QString& section) {
    static const QRegularExpression re(
        QStringLiteral(
            R"rx(next step|remediation|recommend|action|to do|gap|open question|unknown)rx"),
        QRegularExpression::CaseInsensitiveOption);
    return re.match(section).hasMatch();
}

// Splits a paragraph [start, end) of `text` into sentences. A citation written after the full
// stop ("… crashes. [E3]") belongs to the sentence before it.
QVector<Unit> sentences(const QString& text, qsizetype start, qsizetype end) {
    static const QSet<QString> abbreviations = {
        QStringLiteral("e.g"), QStringLiteral("i.e"),    QStringLiteral("etc"),
        QStringLiteral("vs"),  QStringLiteral("approx"), QStringLiteral("cf"),
        QStringLiteral("no"),  QStringLiteral("nr"),     QStringLiteral("min"),
        QStringLiteral("max"), QStringLiteral("ca")};
    QVector<Unit> out;
    qsizetype from = start;
    for (qsizetype i = start; i < end; ++i) {
        const QChar c = text[i];
        if (c != u'.' && c != u'!' && c != u'?')
            continue;
        qsizetype j = i + 1;
        while (j < end && (text[j] == u'"' || text[j] == u')' || text[j] == u'*' ||
                           text[j] == u'\'' || text[j] == u'`'))
            ++j;
        if (j < end && !text[j].isSpace())
            continue; // "1.2.3", "web-6d8f.x", "…/v1."
        if (c == u'.') {
            qsizetype w = i;
            while (w > from && (text[w - 1].isLetterOrNumber() || text[w - 1] == u'.'))
                --w;
            const QString word = text.mid(w, i - w).toLower();
            if (abbreviations.contains(word) || (word.size() == 1 && word[0].isLetter()))
                continue;
        }
        qsizetype k = j;
        while (k < end && text[k].isSpace())
            ++k;
        // Trailing citations after the stop belong to this sentence.
        while (k < end) {
            const QRegularExpressionMatch m =
                citationPattern().match(text, k, QRegularExpression::NormalMatch,
                                        QRegularExpression::AnchorAtOffsetMatchOption);
            if (!m.hasMatch() || m.capturedEnd() > end)
                break;
            j = m.capturedEnd();
            while (j < end && (text[j] == u'.' || text[j] == u','))
                ++j;
            k = j;
            while (k < end && text[k].isSpace())
                ++k;
        }
        if (k < end && !(text[k].isUpper() || text[k].isDigit() || text[k] == u'`' ||
                         text[k] == u'*' || text[k] == u'"' || text[k] == u'(' || text[k] == u'['))
            continue;
        out.append({from, j, false});
        from = k;
    }
    if (from < end)
        out.append({from, end, false});
    return out;
}

// Whether a sentence states a fact that needs evidence.
bool isAssertive(const QString& sentence, const QString& section) {
    if (isNonFactSection(section))
        return false;
    QString plain = sentence;
    plain.remove(citationPattern());
    static const QRegularExpression markup(
        QStringLiteral(R"rx(^\s*(?:[-*•+]|\d+[.)])\s+|[*_`#>])rx"));
    plain.remove(markup);
    plain = plain.trimmed();
    if (plain.isEmpty() || plain.endsWith(QLatin1Char('?')) || plain.endsWith(QLatin1Char(':')))
        return false;
    static const QRegularExpression space(QStringLiteral(R"rx(\s+)rx"));
    const QStringList words = plain.split(space, Qt::SkipEmptyParts);
    if (words.size() < 3)
        return false; // "None.", "Confidence: high."
    // Stated uncertainty is the honest answer the prompt asks for, not a claim.
    static const QRegularExpression hedge(
        QStringLiteral(
            R"rx(evidence (?:does|did) not|not (?:in|shown in|visible in) the evidence|no evidence|cannot be (?:determined|confirmed)|can't be (?:determined|confirmed)|is unclear|is not known|is unknown)rx"),
        QRegularExpression::CaseInsensitiveOption);
    if (hedge.match(plain).hasMatch())
        return false;
    // Imperative steps ("Check the image tag", "Roll back to …").
    static const QSet<QString> verbs = {
        QStringLiteral("check"),    QStringLiteral("run"),      QStringLiteral("verify"),
        QStringLiteral("inspect"),  QStringLiteral("consider"), QStringLiteral("update"),
        QStringLiteral("roll"),     QStringLiteral("restore"),  QStringLiteral("increase"),
        QStringLiteral("decrease"), QStringLiteral("add"),      QStringLiteral("create"),
        QStringLiteral("fix"),      QStringLiteral("set"),      QStringLiteral("ensure"),
        QStringLiteral("review"),   QStringLiteral("confirm"),  QStringLiteral("look"),
        QStringLiteral("compare"),  QStringLiteral("re-run"),   QStringLiteral("rerun"),
        QStringLiteral("sync"),     QStringLiteral("revert"),   QStringLiteral("scale"),
        QStringLiteral("delete"),   QStringLiteral("apply"),    QStringLiteral("edit"),
        QStringLiteral("change"),   QStringLiteral("grant"),    QStringLiteral("use"),
        QStringLiteral("contact"),  QStringLiteral("ask"),      QStringLiteral("monitor"),
        QStringLiteral("watch"),    QStringLiteral("open"),     QStringLiteral("correct"),
        QStringLiteral("rotate"),   QStringLiteral("restart"),  QStringLiteral("remove"),
        QStringLiteral("push"),     QStringLiteral("commit"),   QStringLiteral("raise"),
        QStringLiteral("lower"),    QStringLiteral("adjust"),   QStringLiteral("investigate"),
        QStringLiteral("describe"), QStringLiteral("fetch"),    QStringLiteral("retry"),
        QStringLiteral("make"),     QStringLiteral("try"),      QStringLiteral("wait"),
        QStringLiteral("pin"),      QStringLiteral("rebuild"),  QStringLiteral("redeploy")};
    QString first = words.first().toLower();
    first.remove(QRegularExpression(QStringLiteral(R"rx([^a-z-])rx")));
    return !verbs.contains(first);
}

} // namespace

double Narrative::supportedShare() const {
    if (assertiveCount == 0)
        return 1.0;
    int unsupported = 0;
    for (const Claim& c : flagged) {
        if (c.assertive)
            ++unsupported;
    }
    return double(assertiveCount - unsupported) / double(assertiveCount);
}

QStringList citedEvidenceIds(QStringView text) {
    QStringList ids;
    static const QRegularExpression part(QStringLiteral(R"rx(E(\d+)(?:\s*[-–]\s*E?(\d+))?)rx"));
    auto it = citationPattern().globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        auto parts = part.globalMatch(m.capturedView(1));
        while (parts.hasNext()) {
            const QRegularExpressionMatch p = parts.next();
            const int first = p.capturedView(1).toInt();
            const int last = p.capturedLength(2) > 0 ? p.capturedView(2).toInt() : first;
            if (last < first || last - first > kMaxRange) {
                ids << QStringLiteral("E%1").arg(first);
                continue;
            }
            for (int n = first; n <= last; ++n)
                ids << QStringLiteral("E%1").arg(n);
        }
    }
    return ids;
}

Narrative checkNarrative(const QString& answer, const Diagnosis& diagnosis) {
    Narrative result;
    result.text = answer;
    QSet<QString> known;
    for (const analysis::EvidenceItem& e : diagnosis.evidence)
        known.insert(e.id);

    // Units: bullets (with their continuation lines) and the sentences of paragraphs, each
    // under the section heading it follows. Code blocks are commands, not claims.
    struct Block {
        qsizetype start;
        qsizetype end;
        bool bullet;
        QString section;
    };
    QVector<Block> blocks;
    QString section;
    bool inFence = false;
    qsizetype pos = 0;
    Block* open = nullptr;
    const auto closeBlock = [&] { open = nullptr; };
    while (pos <= answer.size()) {
        qsizetype eol = answer.indexOf(QLatin1Char('\n'), pos);
        if (eol < 0)
            eol = answer.size();
        const QStringView line = QStringView(answer).mid(pos, eol - pos);
        QString title;
        if (line.trimmed().startsWith(u"```")) {
            inFence = !inFence;
            closeBlock();
        } else if (inFence) {
            // skipped
        } else if (line.trimmed().isEmpty()) {
            closeBlock();
        } else if (isHeading(line, &title)) {
            section = title;
            closeBlock();
        } else if (isBulletStart(line)) {
            blocks.append({pos, eol, true, section});
            open = &blocks.last();
        } else if (open) {
            open->end = eol; // a wrapped line continues the bullet or paragraph
        } else {
            blocks.append({pos, eol, false, section});
            open = &blocks.last();
        }
        pos = eol + 1;
    }

    QSet<QString> seen;
    QSet<QString> seenUnknown;
    for (const Block& b : std::as_const(blocks)) {
        const QVector<Unit> units =
            b.bullet ? QVector<Unit>{{b.start, b.end, true}} : sentences(answer, b.start, b.end);
        for (const Unit& u : units) {
            Claim c;
            qsizetype s = u.start;
            qsizetype e = u.end;
            while (s < e && answer[s].isSpace())
                ++s;
            while (e > s && answer[e - 1].isSpace())
                --e;
            if (s >= e)
                continue;
            c.offset = s;
            c.length = e - s;
            c.text = answer.mid(s, e - s);
            c.section = b.section;
            c.citedIds = citedEvidenceIds(c.text);
            for (const QString& id : std::as_const(c.citedIds)) {
                if (!known.contains(id)) {
                    if (!c.unknownIds.contains(id))
                        c.unknownIds << id;
                    if (!seenUnknown.contains(id)) {
                        seenUnknown.insert(id);
                        result.unknownIds << id;
                    }
                } else if (!seen.contains(id)) {
                    seen.insert(id);
                    result.citedIds << id;
                }
            }
            c.assertive = isAssertive(c.text, c.section);
            if (!c.unknownIds.isEmpty())
                c.status = Claim::Status::UnknownCitation;
            else if (c.assertive && c.citedIds.isEmpty())
                c.status = Claim::Status::Uncited;
            if (c.assertive)
                ++result.assertiveCount;
            if (c.flagged())
                result.flagged.append(c);
            result.claims.append(c);
        }
    }
    return result;
}

} // namespace sextant::ai
