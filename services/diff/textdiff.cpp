#include "textdiff.h"

#include <QHash>

#include <algorithm>
#include <vector>

namespace sextant::diff {

namespace {

// Myers over a[aBegin, aEnd) and b[bBegin, bEnd); appends the middle script to `out`.
void myersMiddle(const QVector<int>& a, int aBegin, int aEnd, const QVector<int>& b, int bBegin,
                 int bEnd, int maxCost, QVector<Edit>& out) {
    const int n = aEnd - aBegin;
    const int m = bEnd - bBegin;
    if (n == 0 && m == 0)
        return;
    auto replaceAll = [&] {
        for (int i = 0; i < n; ++i)
            out.append({Edit::Kind::Delete, aBegin + i, -1});
        for (int j = 0; j < m; ++j)
            out.append({Edit::Kind::Insert, -1, bBegin + j});
    };
    if (n == 0 || m == 0) {
        replaceAll();
        return;
    }
    const int maxD = std::min(n + m, std::max(1, maxCost));
    // trace[d] holds the furthest x for diagonals k = -d..d (index k + d).
    std::vector<std::vector<int>> trace;
    trace.reserve(64);
    int found = -1;
    for (int d = 0; d <= maxD && found < 0; ++d) {
        std::vector<int> v(size_t(2 * d + 1));
        const std::vector<int>* prev = d > 0 ? &trace[size_t(d - 1)] : nullptr;
        for (int k = -d; k <= d; k += 2) {
            int x;
            if (d == 0)
                x = 0;
            else if (k == -d ||
                     (k != d && (*prev)[size_t(k - 1 + d - 1)] < (*prev)[size_t(k + 1 + d - 1)]))
                x = (*prev)[size_t(k + 1 + d - 1)]; // down: insertion
            else
                x = (*prev)[size_t(k - 1 + d - 1)] + 1; // right: deletion
            int y = x - k;
            while (x < n && y < m && a[aBegin + x] == b[bBegin + y]) {
                ++x;
                ++y;
            }
            v[size_t(k + d)] = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
        trace.push_back(std::move(v));
    }
    if (found < 0) {
        replaceAll();
        return;
    }
    QVector<Edit> rev;
    int x = n;
    int y = m;
    for (int d = found; d > 0; --d) {
        const std::vector<int>& prev = trace[size_t(d - 1)];
        const int k = x - y;
        int prevK;
        if (k == -d || (k != d && prev[size_t(k - 1 + d - 1)] < prev[size_t(k + 1 + d - 1)]))
            prevK = k + 1;
        else
            prevK = k - 1;
        const int prevX = prev[size_t(prevK + d - 1)];
        const int prevY = prevX - prevK;
        while (x > prevX && y > prevY) {
            --x;
            --y;
            rev.append({Edit::Kind::Equal, aBegin + x, bBegin + y});
        }
        if (x == prevX)
            rev.append({Edit::Kind::Insert, -1, bBegin + prevY});
        else
            rev.append({Edit::Kind::Delete, aBegin + prevX, -1});
        x = prevX;
        y = prevY;
    }
    while (x > 0 && y > 0) {
        --x;
        --y;
        rev.append({Edit::Kind::Equal, aBegin + x, bBegin + y});
    }
    std::reverse(rev.begin(), rev.end());
    out += rev;
}

QVector<int> intern(const QStringList& lines, QHash<QString, int>& ids) {
    QVector<int> out;
    out.reserve(lines.size());
    for (const QString& line : lines) {
        auto it = ids.constFind(line);
        if (it == ids.cend())
            it = ids.insert(line, int(ids.size()));
        out.append(it.value());
    }
    return out;
}

QStringList tokenize(const QString& s, QVector<int>* starts) {
    QStringList tokens;
    int i = 0;
    const int n = int(s.size());
    auto isWord = [](QChar c) {
        return c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('.') ||
               c == QLatin1Char('-');
    };
    while (i < n) {
        const int start = i;
        const QChar c = s.at(i);
        if (isWord(c)) {
            while (i < n && isWord(s.at(i)))
                ++i;
        } else if (c.isSpace()) {
            while (i < n && s.at(i).isSpace())
                ++i;
        } else {
            ++i;
        }
        tokens.append(s.mid(start, i - start));
        starts->append(start);
    }
    return tokens;
}

void appendSpan(QVector<Span>& spans, int start, int length) {
    if (length <= 0)
        return;
    if (!spans.isEmpty() && spans.last().start + spans.last().length == start)
        spans.last().length += length;
    else
        spans.append({start, length});
}

QString cut(const QString& text, int maxLength, int* truncated) {
    if (maxLength <= 0 || text.size() <= maxLength) {
        *truncated = 0;
        return text;
    }
    *truncated = int(text.size()) - maxLength;
    return text.left(maxLength);
}

void clipSpans(QVector<Span>& spans, int length) {
    QVector<Span> out;
    for (Span s : std::as_const(spans)) {
        if (s.start >= length)
            break;
        s.length = std::min(s.length, length - s.start);
        out.append(s);
    }
    spans = out;
}

} // namespace

QVector<Edit> diffSequences(const QVector<int>& a, const QVector<int>& b, int maxEditCost) {
    QVector<Edit> out;
    out.reserve(std::max(a.size(), b.size()));
    const int n = int(a.size());
    const int m = int(b.size());
    int prefix = 0;
    while (prefix < n && prefix < m && a[prefix] == b[prefix])
        ++prefix;
    int suffix = 0;
    while (suffix < n - prefix && suffix < m - prefix && a[n - 1 - suffix] == b[m - 1 - suffix])
        ++suffix;
    for (int i = 0; i < prefix; ++i)
        out.append({Edit::Kind::Equal, i, i});
    myersMiddle(a, prefix, n - suffix, b, prefix, m - suffix, maxEditCost, out);
    for (int i = 0; i < suffix; ++i)
        out.append({Edit::Kind::Equal, n - suffix + i, m - suffix + i});
    return out;
}

QVector<Edit> diffLines(const QStringList& oldLines, const QStringList& newLines, int maxEditCost) {
    QHash<QString, int> ids;
    const QVector<int> a = intern(oldLines, ids);
    const QVector<int> b = intern(newLines, ids);
    return diffSequences(a, b, maxEditCost);
}

void wordSpans(const QString& oldLine, const QString& newLine, QVector<Span>* oldSpans,
               QVector<Span>* newSpans) {
    QVector<int> oldStarts;
    QVector<int> newStarts;
    const QStringList oldTokens = tokenize(oldLine, &oldStarts);
    const QStringList newTokens = tokenize(newLine, &newStarts);
    QHash<QString, int> ids;
    const QVector<Edit> edits =
        diffSequences(intern(oldTokens, ids), intern(newTokens, ids), /*maxEditCost=*/400);
    for (const Edit& e : edits) {
        if (e.kind == Edit::Kind::Delete && oldSpans)
            appendSpan(*oldSpans, oldStarts[e.oldIndex], int(oldTokens[e.oldIndex].size()));
        else if (e.kind == Edit::Kind::Insert && newSpans)
            appendSpan(*newSpans, newStarts[e.newIndex], int(newTokens[e.newIndex].size()));
    }
}

QVector<DiffRow> buildRows(const QStringList& oldLines, const QStringList& newLines,
                           const DiffOptions& options) {
    const QVector<Edit> edits = diffLines(oldLines, newLines, options.maxEditCost);
    const int total = int(edits.size());
    const int context = std::max(0, options.context);

    // Which Equal edits are shown as context: those within `context` of a change.
    QVector<bool> shown(total, false);
    int lastChange = -1;
    for (int i = 0; i < total; ++i) {
        if (edits[i].kind != Edit::Kind::Equal) {
            shown[i] = true;
            for (int j = std::max(std::max(0, lastChange + 1), i - context); j < i; ++j)
                shown[j] = true;
            lastChange = i;
        } else if (lastChange >= 0 && i - lastChange <= context) {
            shown[i] = true;
        }
    }

    QVector<DiffRow> rows;
    int i = 0;
    while (i < total) {
        const Edit& e = edits[i];
        if (e.kind == Edit::Kind::Equal && !shown[i]) {
            int j = i;
            while (j < total && edits[j].kind == Edit::Kind::Equal && !shown[j])
                ++j;
            DiffRow gap;
            gap.kind = DiffRow::Kind::Gap;
            gap.gapLines = j - i;
            gap.oldLine = edits[i].oldIndex + 1;
            gap.newLine = edits[i].newIndex + 1;
            rows.append(gap);
            i = j;
            continue;
        }
        if (e.kind == Edit::Kind::Equal) {
            DiffRow row;
            row.kind = DiffRow::Kind::Context;
            row.oldLine = e.oldIndex + 1;
            row.newLine = e.newIndex + 1;
            row.text = cut(oldLines[e.oldIndex], options.maxLineLength, &row.truncatedChars);
            rows.append(row);
            ++i;
            continue;
        }
        // A change block: every Delete and Insert up to the next Equal.
        QVector<int> dels;
        QVector<int> ins;
        while (i < total && edits[i].kind != Edit::Kind::Equal) {
            if (edits[i].kind == Edit::Kind::Delete)
                dels.append(edits[i].oldIndex);
            else
                ins.append(edits[i].newIndex);
            ++i;
        }
        const int firstRemoved = int(rows.size());
        for (int d : std::as_const(dels)) {
            DiffRow row;
            row.kind = DiffRow::Kind::Removed;
            row.oldLine = d + 1;
            row.text = cut(oldLines[d], options.maxLineLength, &row.truncatedChars);
            rows.append(row);
        }
        const int firstAdded = int(rows.size());
        for (int a : std::as_const(ins)) {
            DiffRow row;
            row.kind = DiffRow::Kind::Added;
            row.newLine = a + 1;
            row.text = cut(newLines[a], options.maxLineLength, &row.truncatedChars);
            rows.append(row);
        }
        if (options.wordLevel) {
            const int pairs = int(std::min(dels.size(), ins.size()));
            for (int p = 0; p < pairs; ++p) {
                const QString& o = oldLines[dels[p]];
                const QString& n = newLines[ins[p]];
                if (o.size() > 4000 || n.size() > 4000)
                    continue; // too long to be worth tokenising; the whole line stays marked
                DiffRow& ro = rows[firstRemoved + p];
                DiffRow& rn = rows[firstAdded + p];
                wordSpans(o, n, &ro.spans, &rn.spans);
                clipSpans(ro.spans, int(ro.text.size()));
                clipSpans(rn.spans, int(rn.text.size()));
            }
        }
    }
    return rows;
}

RowStats countRows(const QVector<DiffRow>& rows) {
    RowStats s;
    for (const DiffRow& r : rows) {
        if (r.kind == DiffRow::Kind::Added)
            ++s.added;
        else if (r.kind == DiffRow::Kind::Removed)
            ++s.removed;
    }
    return s;
}

} // namespace sextant::diff
