#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

namespace sextant::diff {

// One step of an edit script between two sequences. Indices are 0-based; -1 where the step has
// no line on that side.
struct Edit {
    enum class Kind { Equal, Delete, Insert };
    Kind kind = Kind::Equal;
    int oldIndex = -1;
    int newIndex = -1;
    bool operator==(const Edit&) const = default;
};

// A changed character range inside a line (word-level highlighting).
struct Span {
    int start = 0;
    int length = 0;
    bool operator==(const Span&) const = default;
};

// One rendered row of a unified diff.
struct DiffRow {
    enum class Kind { Context, Removed, Added, Gap };
    Kind kind = Kind::Context;
    int oldLine = 0; // 1-based, 0 when the row has no old line
    int newLine = 0; // 1-based, 0 when the row has no new line
    QString text;
    QVector<Span> spans; // changed words inside `text` (Removed/Added rows paired with a partner)
    int gapLines = 0;    // Gap rows: how many unchanged lines are hidden
    int truncatedChars = 0; // characters cut off the end of `text` (very long lines)
};

struct DiffOptions {
    int context = 3;         // unchanged lines shown around every change
    int maxLineLength = 400; // longer lines are cut (the rest is counted in truncatedChars)
    // Myers' algorithm needs O(D^2) memory for D differences; beyond this many the remaining
    // middle part is reported as one replaced block (still correct, just less minimal).
    int maxEditCost = 2000;
    bool wordLevel = true;
};

// Myers' O(ND) difference of two integer sequences (lines or tokens interned to ids), after
// stripping the common prefix and suffix. The script is minimal unless maxEditCost is exceeded.
QVector<Edit> diffSequences(const QVector<int>& a, const QVector<int>& b, int maxEditCost = 2000);

// Line diff of two texts already split into lines.
QVector<Edit> diffLines(const QStringList& oldLines, const QStringList& newLines,
                        int maxEditCost = 2000);

// Word-level changes between two versions of a line: spans in the old and the new line that
// differ. Tokens are words ([A-Za-z0-9_.-]+ runs), whitespace runs and single other characters.
void wordSpans(const QString& oldLine, const QString& newLine, QVector<Span>* oldSpans,
               QVector<Span>* newSpans);

// A unified diff as rows: removed lines then added lines per change block, `context` unchanged
// lines around each block, and one Gap row for every longer unchanged run (also at the start and
// end), so hidden lines are always visible as "N unchanged lines".
QVector<DiffRow> buildRows(const QStringList& oldLines, const QStringList& newLines,
                           const DiffOptions& options = {});

struct RowStats {
    int added = 0;
    int removed = 0;
};
RowStats countRows(const QVector<DiffRow>& rows);

} // namespace sextant::diff
