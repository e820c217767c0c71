#pragma once

#include "analysis/evidence.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace sextant::ai {

// One sentence of a paragraph, or one bullet, of the model's answer.
struct Claim {
    enum class Status {
        Supported,       // cites evidence that exists, or asserts nothing that needs it
        Uncited,         // asserts something without any citation
        UnknownCitation, // cites an id that is not in the diagnosis (an invented id)
    };

    QString text;         // as written, citations included
    QString section;      // the heading it falls under: "What happened", "Likely causes", …
    qsizetype offset = 0; // position in Narrative::text, for highlighting
    qsizetype length = 0;
    QStringList citedIds;   // every id cited, in order ("E3", "E7")
    QStringList unknownIds; // the cited ids that the diagnosis does not have
    bool assertive = false; // states a fact (not a heading, question, step or stated gap)
    Status status = Status::Supported;

    bool flagged() const { return status != Status::Supported; }
};

// The model's answer, checked against the diagnosis it was given. The console shows `text` and
// marks every claim in `flagged` as "unsupported".
struct Narrative {
    QString text;
    QStringList citedIds;   // distinct ids cited, in order of first appearance
    QStringList unknownIds; // distinct cited ids that are not evidence of the diagnosis
    QVector<Claim> claims;  // every sentence and bullet, in order
    QVector<Claim> flagged; // the claims with status Uncited or UnknownCitation
    int assertiveCount = 0; // how many claims state facts

    // Share of assertive claims that are supported, 1.0 when there are none.
    double supportedShare() const;
};

// Extracts citations ("[E3]", "[E3, E7]", "[E3-E5]"), checks each id against the diagnosis'
// evidence, splits the answer into sentences and bullets and flags the assertive ones that cite
// nothing or cite an unknown id. Steps ("Check …", the "Next steps" section), questions, stated
// gaps ("the evidence does not show …") and headings are not assertive; a citation of an unknown
// id is flagged wherever it appears.
Narrative checkNarrative(const QString& answer, const analysis::Diagnosis& diagnosis);

// The ids cited in `text`, in order, ranges expanded.
QStringList citedEvidenceIds(QStringView text);

} // namespace sextant::ai
