#include "yamledit.h"

#include "diff/textdiff.h"

#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace sextant::gitops {

using policy::YNode;

namespace {

Error refuse(const QString& what, const QString& details = {}) {
    return Error::make(Error::Kind::Config, what, details);
}

// The file as lines split on '\n' (a final '\n' leaves an empty last element, so joining
// restores the bytes exactly).
QList<QByteArray> splitLines(const QByteArray& content) {
    return content.split('\n');
}

QByteArray joinLines(const QList<QByteArray>& lines) {
    QByteArray out;
    for (int i = 0; i < lines.size(); ++i) {
        if (i > 0)
            out += '\n';
        out += lines[i];
    }
    return out;
}

// Length of a line without its '\r' (CRLF files keep their line ends).
int textEnd(const QByteArray& line) {
    return line.endsWith('\r') ? int(line.size()) - 1 : int(line.size());
}

bool usesCrlf(const QList<QByteArray>& lines) {
    return !lines.isEmpty() && lines.first().endsWith('\r');
}

int indentOf(const QByteArray& line) {
    int i = 0;
    while (i < line.size() && line[i] == ' ')
        ++i;
    return i;
}

bool isBlank(const QByteArray& line) {
    return line.trimmed().isEmpty();
}

// Where the comment of a line starts (a '#' after whitespace, outside quotes), or the end of
// the text; searching starts at `from`.
int commentStart(const QByteArray& line, int from) {
    const int end = textEnd(line);
    char quote = 0;
    for (int i = from; i < end; ++i) {
        const char c = line[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            continue;
        }
        if ((c == '"' || c == '\'') && (i == from || line[i - 1] == ' '))
            quote = c;
        else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
            return i;
    }
    return end;
}

// The end (exclusive) of the scalar token starting at `col`, or an error for tokens a line
// edit cannot replace safely.
Result<int> scalarTokenEnd(const QByteArray& line, int col, const QString& where) {
    const int end = textEnd(line);
    if (col >= end)
        return refuse(QStringLiteral("%1: no value on the line").arg(where));
    const char first = line[col];
    if (first == '"') {
        for (int i = col + 1; i < end; ++i) {
            if (line[i] == '\\') {
                ++i;
                continue;
            }
            if (line[i] == '"')
                return i + 1;
        }
        return refuse(QStringLiteral("%1: the quoted value continues on the next line").arg(where),
                      QStringLiteral("A line edit cannot replace a scalar spread over lines."));
    }
    if (first == '\'') {
        for (int i = col + 1; i < end; ++i) {
            if (line[i] == '\'') {
                if (i + 1 < end && line[i + 1] == '\'') {
                    ++i;
                    continue;
                }
                return i + 1;
            }
        }
        return refuse(QStringLiteral("%1: the quoted value continues on the next line").arg(where),
                      QStringLiteral("A line edit cannot replace a scalar spread over lines."));
    }
    if (first == '|' || first == '>')
        return refuse(QStringLiteral("%1 is a block scalar (%2)").arg(where, QChar(first)),
                      QStringLiteral("Block scalars span several lines; edit it by hand."));
    if (first == '&' || first == '*' || first == '!')
        return refuse(QStringLiteral("%1 uses an anchor, alias or tag").arg(where),
                      QStringLiteral("Changing it could change other nodes that share it."));
    int stop = commentStart(line, col);
    while (stop > col && (line[stop - 1] == ' ' || line[stop - 1] == '\t'))
        --stop;
    return stop;
}

QString quoteDouble(const QString& value) {
    QString out = QStringLiteral("\"");
    for (const QChar c : value) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            out += QLatin1Char('\\');
        if (c == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (c == QLatin1Char('\t'))
            out += QStringLiteral("\\t");
        else
            out += c;
    }
    return out + QLatin1Char('"');
}

bool plainAllowed(const QString& value) {
    if (value.isEmpty() || value != value.trimmed())
        return false;
    if (value.contains(QLatin1Char('\n')) || value.contains(QLatin1Char('\t')) ||
        value.contains(QLatin1Char('\r')))
        return false;
    static const QString indicators = QStringLiteral("?:,[]{}#&*!|>'\"%@`");
    const QChar first = value.front();
    if (indicators.contains(first))
        return false;
    if (first == QLatin1Char('-') && (value.size() == 1 || value[1] == QLatin1Char(' ')))
        return false;
    if (value.contains(QLatin1String(": ")) || value.contains(QLatin1String(" #")) ||
        value.endsWith(QLatin1Char(':')))
        return false;
    if (value == QLatin1String("---") || value == QLatin1String("..."))
        return false;
    return true;
}

struct Segment {
    enum class Kind { Key, Index, Match } kind = Kind::Key;
    QString key;   // Key: the map key; Match: the field compared
    int index = 0; // Index
    QString value; // Match: the value compared
};

Segment parseSegment(const QString& s) {
    Segment seg;
    if (s.startsWith(QLatin1Char('[')) && s.endsWith(QLatin1Char(']'))) {
        const QString inner = s.mid(1, s.size() - 2);
        const int eq = inner.indexOf(QLatin1Char('='));
        if (eq > 0) {
            seg.kind = Segment::Kind::Match;
            seg.key = inner.left(eq);
            seg.value = inner.mid(eq + 1);
            return seg;
        }
        bool ok = false;
        const int idx = inner.toInt(&ok);
        if (ok && idx >= 0) {
            seg.kind = Segment::Kind::Index;
            seg.index = idx;
            return seg;
        }
    }
    seg.key = s;
    return seg;
}

const YNode* child(const YNode& n, const Segment& seg) {
    switch (seg.kind) {
    case Segment::Kind::Key:
        return n.get(seg.key.toStdString());
    case Segment::Kind::Index:
        return n.isSeq() && seg.index < int(n.seq.size()) ? &n.seq[seg.index] : nullptr;
    case Segment::Kind::Match:
        if (!n.isSeq())
            return nullptr;
        for (const YNode& item : n.seq) {
            const YNode* v = item.get(seg.key.toStdString());
            if (v && v->isScalar() && QString::fromStdString(v->scalar) == seg.value)
                return &item;
        }
        return nullptr;
    }
    return nullptr;
}

// The nodes along `path` from the document root: chain[0] is the root, chain[k] the node of
// segment k-1. Stops at the first missing segment.
std::vector<const YNode*> walk(const YNode& doc, const YamlPath& path) {
    std::vector<const YNode*> chain{&doc};
    for (const QString& s : path) {
        const YNode* next = child(*chain.back(), parseSegment(s));
        if (!next)
            break;
        chain.push_back(next);
    }
    return chain;
}

// The greatest line of any node below (and including) `n`.
int lastNodeLine(const YNode& n) {
    int last = std::max(n.line, n.keyLine);
    for (const auto& [k, v] : n.map)
        last = std::max(last, lastNodeLine(v));
    for (const YNode& item : n.seq)
        last = std::max(last, lastNodeLine(item));
    return last;
}

// The last line (1-based) that belongs to a block collection whose entries are indented by
// `indent`: from the line of its last node, further lines indented deeper (continuations,
// block scalar content, blank lines inside them) still belong to it.
int blockEndLine(const QList<QByteArray>& lines, const YNode& n, int indent) {
    int end = lastNodeLine(n);
    int probe = end; // 1-based line after which we look
    while (probe < lines.size()) {
        int next = probe; // 0-based index of the next line = probe
        while (next < lines.size() && isBlank(lines[next]))
            ++next;
        if (next >= lines.size())
            break;
        const QByteArray& l = lines[next];
        if (indentOf(l) <= indent || l.trimmed() == "---" || l.trimmed() == "...")
            break;
        end = next + 1;
        probe = end;
    }
    return end;
}

bool anyFlow(const std::vector<const YNode*>& chain) {
    for (const YNode* n : chain)
        if (n->flow)
            return true;
    return false;
}

QString locationText(const QString& pathText, int line) {
    return line > 0 ? QStringLiteral("%1 (line %2)").arg(pathText).arg(line) : pathText;
}

// The indentation step of the document: the smallest positive difference between a map key and
// its parent's key, 2 when the document does not tell.
int indentStep(const YNode& n, int parentIndent = -1) {
    int best = 0;
    if (n.isMap() && !n.flow && !n.map.empty()) {
        const int mine = n.map.front().second.keyColumn;
        if (parentIndent >= 0 && mine > parentIndent)
            best = mine - parentIndent;
        for (const auto& [k, v] : n.map) {
            const int s = indentStep(v, mine);
            if (s > 0 && (best == 0 || s < best))
                best = s;
        }
    } else if (n.isSeq() && !n.flow) {
        for (const YNode& item : n.seq) {
            const int s = indentStep(item, -1);
            if (s > 0 && (best == 0 || s < best))
                best = s;
        }
    }
    return best;
}

// The column of the key of a map value, skipping the key token on its line to the ':' that
// ends it; -1 when the layout is unexpected.
int colonAfterKey(const QByteArray& line, int keyColumn) {
    const int end = textEnd(line);
    int i = keyColumn;
    if (i < end && (line[i] == '"' || line[i] == '\'')) {
        const char q = line[i];
        for (++i; i < end && line[i] != q; ++i) {
            if (q == '"' && line[i] == '\\')
                ++i;
        }
        ++i;
    }
    for (; i < end; ++i) {
        if (line[i] == ':' && (i + 1 == end || line[i + 1] == ' ' || line[i + 1] == '\t'))
            return i;
    }
    return -1;
}

QByteArray lineEnd(const QList<QByteArray>& lines) {
    return usesCrlf(lines) ? QByteArray("\r") : QByteArray();
}

// Re-reads the edited content and checks the value at `path` is now `value` (and a string when
// asked): the reading side must agree with what the edit meant.
Status verify(const QByteArray& content, const DocSelector& doc, const YamlPath& path,
              const QString& value, ScalarStyle style) {
    auto docs = parseYaml(content);
    if (!docs.ok())
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the edited file no longer parses"),
                           docs.error().toString());
    auto selected = selectDocument(*docs, doc);
    if (!selected.ok())
        return selected.error();
    const YNode* n = findNode(**selected, path);
    if (!n || !n->isScalar())
        return Error::make(
            Error::Kind::Protocol,
            QStringLiteral("after the edit %1 is not a scalar").arg(yamlPathString(path)));
    const QString got = QString::fromStdString(n->scalar);
    if (got != value)
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("after the edit %1 reads \"%2\", not \"%3\"")
                               .arg(yamlPathString(path), got, value),
                           QStringLiteral("The value probably continues on the next line."));
    if (style == ScalarStyle::String && !n->quoted && plainScalarIsNonString(got))
        return Error::make(
            Error::Kind::Protocol,
            QStringLiteral("after the edit %1 is not a string").arg(yamlPathString(path)));
    return okStatus();
}

// Formats a replacement for an existing token, keeping its quoting style.
QString replacementText(const QByteArray& oldToken, const QString& value, ScalarStyle style) {
    if (oldToken.startsWith('"'))
        return quoteDouble(value);
    if (oldToken.startsWith('\'') && !value.contains(QLatin1Char('\n')))
        return QLatin1Char('\'') + QString(value).replace(QLatin1Char('\''), QStringLiteral("''")) +
               QLatin1Char('\'');
    return yamlScalarText(value, style);
}

// Inserts `newLines` after 1-based line `after` (0 = at the top).
void insertAfter(QList<QByteArray>& lines, int after, const QList<QByteArray>& newLines) {
    for (int i = 0; i < newLines.size(); ++i)
        lines.insert(after + i, newLines[i]);
}

// The lines that create the keys `keys` (nested) with `value` at the deepest one.
QList<QByteArray> keyLines(const QStringList& keys, int indent, int step, const QString& value,
                           ScalarStyle style, const QByteArray& eol) {
    QList<QByteArray> out;
    for (int i = 0; i < keys.size(); ++i) {
        QString key = keys[i];
        if (!plainAllowed(key) || plainScalarIsNonString(key))
            key = quoteDouble(key);
        QString text = QString(indent + i * step, QLatin1Char(' ')) + key + QLatin1Char(':');
        if (i + 1 == keys.size())
            text += QLatin1Char(' ') + yamlScalarText(value, style);
        out << text.toUtf8() + eol;
    }
    return out;
}

} // namespace

YamlPath parseYamlPath(const QString& dotted) {
    YamlPath out;
    QString cur;
    int depth = 0;
    auto flush = [&] {
        if (!cur.isEmpty())
            out << cur;
        cur.clear();
    };
    for (const QChar c : dotted) {
        if (c == QLatin1Char('[') && depth == 0) {
            flush();
            ++depth;
            cur += c;
        } else if (c == QLatin1Char(']') && depth > 0) {
            --depth;
            cur += c;
            flush();
        } else if (c == QLatin1Char('.') && depth == 0) {
            flush();
        } else {
            cur += c;
        }
    }
    flush();
    return out;
}

QString yamlPathString(const YamlPath& path) {
    QString out;
    for (const QString& s : path) {
        if (!out.isEmpty() && !s.startsWith(QLatin1Char('[')))
            out += QLatin1Char('.');
        out += s;
    }
    return out;
}

bool plainScalarIsNonString(const QString& text) {
    static const QRegularExpression nonString(QStringLiteral(
        "^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|"
        "off|Off|OFF|y|Y|n|N|"
        "[-+]?(?:0|[1-9][0-9_]*)|0[0-7]+|0o[0-7]+|0x[0-9a-fA-F]+|0b[01_]+|"
        "[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*(?:[eE][-+]?[0-9]+)?|"
        "[-+]?[0-9][0-9_]*(?:[eE][-+]?[0-9]+)|"
        "[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)|"
        "[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?|"
        "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?)$"));
    return text.isEmpty() || nonString.match(text).hasMatch();
}

QString yamlScalarText(const QString& value, ScalarStyle style) {
    if (!plainAllowed(value))
        return quoteDouble(value);
    if (style == ScalarStyle::String && plainScalarIsNonString(value))
        return quoteDouble(value);
    return value;
}

Result<std::vector<YNode>> parseYaml(const QByteArray& content) {
    try {
        return policy::parseYamlDocuments(content.toStdString());
    } catch (const YAML::Exception& e) {
        return refuse(QStringLiteral("YAML syntax error at line %1").arg(e.mark.line + 1),
                      QString::fromStdString(e.what()));
    }
}

Result<const YNode*> selectDocument(const std::vector<YNode>& docs, const DocSelector& selector) {
    for (const YNode& d : docs) {
        if (selector.isEmpty())
            return &d;
        const YNode* kind = d.get("kind");
        const YNode* name = d.path("metadata/name");
        const bool kindOk = selector.kind.isEmpty() ||
                            (kind && QString::fromStdString(kind->scalar) == selector.kind);
        const bool nameOk = selector.name.isEmpty() ||
                            (name && QString::fromStdString(name->scalar) == selector.name);
        if (kindOk && nameOk)
            return &d;
    }
    return Error::make(Error::Kind::NotFound, selector.isEmpty()
                                                  ? QStringLiteral("the file has no YAML document")
                                                  : QStringLiteral("no document %1 %2 in the file")
                                                        .arg(selector.kind, selector.name)
                                                        .simplified());
}

const YNode* findNode(const YNode& doc, const YamlPath& path) {
    const auto chain = walk(doc, path);
    return chain.size() == std::size_t(path.size()) + 1 ? chain.back() : nullptr;
}

Result<std::optional<QString>> readScalar(const QByteArray& content, const DocSelector& doc,
                                          const YamlPath& path) {
    auto docs = parseYaml(content);
    if (!docs.ok())
        return docs.error();
    auto selected = selectDocument(*docs, doc);
    if (!selected.ok())
        return selected.error();
    const YNode* n = findNode(**selected, path);
    if (!n)
        return std::optional<QString>();
    if (n->type == YNode::Type::Null)
        return std::optional<QString>(QString());
    if (!n->isScalar())
        return refuse(QStringLiteral("%1 is not a scalar").arg(yamlPathString(path)));
    return std::optional<QString>(QString::fromStdString(n->scalar));
}

Result<YamlChange> setScalar(const QByteArray& content, const DocSelector& doc,
                             const YamlPath& path, const QString& value,
                             const SetOptions& options) {
    if (path.isEmpty())
        return refuse(QStringLiteral("empty YAML path"));
    auto docs = parseYaml(content);
    if (!docs.ok())
        return docs.error();
    auto selected = selectDocument(*docs, doc);
    if (!selected.ok())
        return selected.error();
    const YNode& root = **selected;
    const auto chain = walk(root, path);
    const QString pathText = yamlPathString(path);
    if (anyFlow(chain))
        return refuse(QStringLiteral("%1 is written in flow style ({...} or [...])")
                          .arg(locationText(pathText, chain.back()->line)),
                      QStringLiteral("A line edit inside a flow collection is unsafe; change it "
                                     "by hand or rewrite it in block style first."));

    QList<QByteArray> lines = splitLines(content);
    const QByteArray eol = lineEnd(lines);
    YamlChange change;

    if (chain.size() == std::size_t(path.size()) + 1) {
        const YNode& target = *chain.back();
        if (target.isMap() || target.isSeq())
            return refuse(
                QStringLiteral("%1 is a %2, not a scalar")
                    .arg(locationText(pathText, target.displayLine()),
                         target.isMap() ? QStringLiteral("map") : QStringLiteral("list")));
        if (target.type == YNode::Type::Null) {
            // "key:" or "key: ~": write the value after the colon.
            const int ln = target.keyLine;
            if (ln <= 0 || ln > lines.size())
                return refuse(QStringLiteral("%1 has no value to replace").arg(pathText));
            QByteArray& line = lines[ln - 1];
            const int colon = colonAfterKey(line, target.keyColumn);
            if (colon < 0)
                return refuse(QStringLiteral("%1: unexpected layout of the key")
                                  .arg(locationText(pathText, ln)));
            const int comment = commentStart(line, colon + 1);
            const QByteArray rest = line.mid(colon + 1, comment - colon - 1).trimmed();
            if (!rest.isEmpty() && rest != "~" && rest != "null" && rest != "Null" &&
                rest != "NULL")
                return refuse(
                    QStringLiteral("%1: unexpected value layout").arg(locationText(pathText, ln)));
            QByteArray tail = line.mid(comment);
            QByteArray head =
                line.left(colon + 1) + ' ' + yamlScalarText(value, options.style).toUtf8();
            if (!tail.isEmpty() && !tail.startsWith('\r'))
                head += ' ';
            line = head + tail;
            change.line = ln;
        } else {
            const int ln = target.line;
            if (ln <= 0 || ln > lines.size())
                return refuse(QStringLiteral("%1 has no position in the file").arg(pathText));
            QByteArray& line = lines[ln - 1];
            // An anchor or tag right before the value: other nodes may share it.
            int prev = std::min<int>(target.column, int(line.size())) - 1;
            while (prev >= 0 && (line[prev] == ' ' || line[prev] == '\t'))
                --prev;
            int tokenStart = prev;
            while (tokenStart > 0 && line[tokenStart - 1] != ' ' && line[tokenStart - 1] != '\t')
                --tokenStart;
            if (prev >= 0 && tokenStart >= 0 &&
                (line[tokenStart] == '&' || line[tokenStart] == '!'))
                return refuse(
                    QStringLiteral("%1 uses an anchor or tag").arg(locationText(pathText, ln)),
                    QStringLiteral("Changing it could change other nodes that share it."));
            auto end = scalarTokenEnd(line, target.column, locationText(pathText, ln));
            if (!end.ok())
                return end.error();
            const QByteArray oldToken = line.mid(target.column, *end - target.column);
            const QString text = replacementText(oldToken, value, options.style);
            line = line.left(target.column) + text.toUtf8() + line.mid(*end);
            change.line = ln;
            change.previous = QString::fromStdString(target.scalar);
        }
    } else {
        if (!options.createMissing)
            return Error::make(Error::Kind::NotFound,
                               QStringLiteral("%1 does not exist in the file").arg(pathText));
        const std::size_t existing = chain.size() - 1; // segments found
        QStringList missing;
        for (qsizetype i = qsizetype(existing); i < path.size(); ++i) {
            const Segment seg = parseSegment(path[i]);
            if (seg.kind != Segment::Kind::Key)
                return Error::make(
                    Error::Kind::NotFound,
                    QStringLiteral("%1: list item %2 does not exist").arg(pathText, path[i]));
            missing << seg.key;
        }
        const YNode& parent = *chain.back();
        int step = indentStep(root);
        if (step <= 0)
            step = 2;
        if (parent.isMap() && !parent.map.empty()) {
            const int indent = parent.map.front().second.keyColumn;
            const int after = blockEndLine(lines, parent, indent);
            insertAfter(lines, after, keyLines(missing, indent, step, value, options.style, eol));
            change.line = after + 1;
        } else if (parent.type == YNode::Type::Null && parent.keyLine > 0) {
            const int ln = parent.keyLine;
            QByteArray& line = lines[ln - 1];
            const int colon = colonAfterKey(line, parent.keyColumn);
            if (colon < 0)
                return refuse(QStringLiteral("%1: unexpected layout of the key")
                                  .arg(locationText(pathText, ln)));
            const int comment = commentStart(line, colon + 1);
            const QByteArray rest = line.mid(colon + 1, comment - colon - 1).trimmed();
            if (!rest.isEmpty() && rest != "~" && rest != "null" && rest != "Null" &&
                rest != "NULL")
                return refuse(
                    QStringLiteral("%1: unexpected value layout").arg(locationText(pathText, ln)));
            if (!rest.isEmpty()) // "key: ~" becomes "key:" so that children can follow
                line = line.left(colon + 1) + (comment < textEnd(line)
                                                   ? QByteArray(" ") + line.mid(comment)
                                                   : line.mid(textEnd(line)));
            insertAfter(
                lines, ln,
                keyLines(missing, parent.keyColumn + step, step, value, options.style, eol));
            change.line = ln + 1;
        } else if (parent.isMap() && parent.map.empty()) {
            return refuse(QStringLiteral("%1: the enclosing map is empty ({})").arg(pathText));
        } else {
            return refuse(QStringLiteral("%1: cannot add a key under a %2")
                              .arg(pathText, parent.isSeq() ? QStringLiteral("list")
                                                            : QStringLiteral("scalar")));
        }
        change.inserted = true;
    }

    change.content = joinLines(lines);
    if (const Status s = verify(change.content, doc, path, value, options.style); !s.ok())
        return s.error();
    return change;
}

Result<YamlChange> appendListItem(const QByteArray& content, const DocSelector& doc,
                                  const YamlPath& seqPath, const QString& value,
                                  const SetOptions& options) {
    auto docs = parseYaml(content);
    if (!docs.ok())
        return docs.error();
    auto selected = selectDocument(*docs, doc);
    if (!selected.ok())
        return selected.error();
    const YNode& root = **selected;
    const auto chain = walk(root, seqPath);
    const QString pathText = yamlPathString(seqPath);
    if (anyFlow(chain))
        return refuse(QStringLiteral("%1 is written in flow style ({...} or [...])")
                          .arg(locationText(pathText, chain.back()->line)),
                      QStringLiteral("A line edit inside a flow collection is unsafe; change it "
                                     "by hand or rewrite it in block style first."));
    QList<QByteArray> lines = splitLines(content);
    const QByteArray eol = lineEnd(lines);
    const QString itemText = yamlScalarText(value, options.style);
    YamlChange change;
    change.inserted = true;
    std::size_t newIndex = 0;

    if (chain.size() == std::size_t(seqPath.size()) + 1 && chain.back()->isSeq() &&
        !chain.back()->seq.empty()) {
        const YNode& seq = *chain.back();
        const YNode& first = seq.seq.front();
        if (first.line <= 0 || first.line > lines.size())
            return refuse(QStringLiteral("%1 has no position in the file").arg(pathText));
        // The dash of the first item gives the indentation of a new one.
        const QByteArray& firstLine = lines[first.line - 1];
        int dash = std::min<int>(first.column, textEnd(firstLine)) - 1;
        while (dash >= 0 && firstLine[dash] == ' ')
            --dash;
        if (dash < 0 || firstLine[dash] != '-')
            return refuse(QStringLiteral("%1: unexpected layout of the list items")
                              .arg(locationText(pathText, first.line)));
        const int dashIndent = indentOf(firstLine) <= dash ? dash : indentOf(firstLine);
        const int gap = std::max(1, first.column - dash - 1);
        const int after = blockEndLine(lines, seq, dashIndent);
        const QString text = QString(dashIndent, QLatin1Char(' ')) + QLatin1Char('-') +
                             QString(gap, QLatin1Char(' ')) + itemText;
        insertAfter(lines, after, {text.toUtf8() + eol});
        change.line = after + 1;
        newIndex = seq.seq.size();
    } else {
        const bool exists = chain.size() == std::size_t(seqPath.size()) + 1;
        if (exists && chain.back()->isSeq())
            return refuse(QStringLiteral("%1 is an empty list ([])").arg(pathText));
        if (exists && chain.back()->type != YNode::Type::Null)
            return refuse(QStringLiteral("%1 is not a list").arg(pathText));
        if (!exists && !options.createMissing)
            return Error::make(Error::Kind::NotFound,
                               QStringLiteral("%1 does not exist in the file").arg(pathText));
        // Create "key:\n  - value" (the whole missing tail is created as maps, the last key
        // holding the list).
        const std::size_t existing = exists ? chain.size() - 2 : chain.size() - 1;
        const YNode& parent = *chain[existing];
        QStringList missing;
        for (qsizetype i = qsizetype(existing); i < seqPath.size(); ++i) {
            const Segment seg = parseSegment(seqPath[i]);
            if (seg.kind != Segment::Kind::Key)
                return Error::make(
                    Error::Kind::NotFound,
                    QStringLiteral("%1: list item %2 does not exist").arg(pathText, seqPath[i]));
            missing << seg.key;
        }
        int step = indentStep(root);
        if (step <= 0)
            step = 2;
        int indent = 0;
        int after = 0;
        if (parent.isMap() && !parent.map.empty()) {
            indent = parent.map.front().second.keyColumn;
            if (exists) {
                // A null key: replace its line by nothing, the new lines take its place.
                const YNode& nullNode = *chain.back();
                after = nullNode.keyLine;
                const QByteArray& line = lines[after - 1];
                const int colon = colonAfterKey(line, nullNode.keyColumn);
                const int comment = colon < 0 ? -1 : commentStart(line, colon + 1);
                if (colon < 0 || !line.mid(colon + 1, comment - colon - 1).trimmed().isEmpty())
                    return refuse(QStringLiteral("%1: unexpected value layout")
                                      .arg(locationText(pathText, after)));
                indent = nullNode.keyColumn;
                QList<QByteArray> add;
                add << QString(indent + step, QLatin1Char(' ')).toUtf8() + "- " +
                           itemText.toUtf8() + eol;
                insertAfter(lines, after, add);
                change.line = after + 1;
                change.content = joinLines(lines);
                YamlPath itemPath = seqPath;
                itemPath << QStringLiteral("[0]");
                if (const Status s = verify(change.content, doc, itemPath, value, options.style);
                    !s.ok())
                    return s.error();
                return change;
            }
            after = blockEndLine(lines, parent, indent);
        } else {
            return refuse(QStringLiteral("%1: cannot create the list here").arg(pathText));
        }
        QList<QByteArray> add;
        for (int i = 0; i < missing.size(); ++i)
            add << QString(indent + i * step, QLatin1Char(' ')).toUtf8() + missing[i].toUtf8() +
                       ':' + eol;
        add << QString(indent + (missing.size() - 1) * step + step, QLatin1Char(' ')).toUtf8() +
                   "- " + itemText.toUtf8() + eol;
        insertAfter(lines, after, add);
        change.line = after + 1;
    }

    change.content = joinLines(lines);
    YamlPath itemPath = seqPath;
    itemPath << QStringLiteral("[%1]").arg(newIndex);
    if (const Status s = verify(change.content, doc, itemPath, value, options.style); !s.ok())
        return s.error();
    return change;
}

QString unifiedDiff(const QString& path, const QByteArray& before, const QByteArray& after,
                    int context) {
    if (before == after)
        return {};
    auto toLines = [](const QByteArray& bytes) {
        QStringList out;
        const QList<QByteArray> parts = bytes.split('\n');
        for (int i = 0; i < parts.size(); ++i) {
            if (i + 1 == parts.size() && parts[i].isEmpty())
                break; // the final newline ends the last line, it opens no new one
            out << QString::fromUtf8(parts[i]);
        }
        return out;
    };
    const QStringList a = toLines(before);
    const QStringList b = toLines(after);
    const bool aNoEol = !before.isEmpty() && !before.endsWith('\n');
    const bool bNoEol = !after.isEmpty() && !after.endsWith('\n');
    // A line that lost or gained its final newline differs, even with the same text.
    QStringList aCmp = a;
    QStringList bCmp = b;
    if (aNoEol && !aCmp.isEmpty())
        aCmp.last() += QChar(0);
    if (bNoEol && !bCmp.isEmpty())
        bCmp.last() += QChar(0);
    const QVector<diff::Edit> edits = diff::diffLines(aCmp, bCmp);

    QString out = QStringLiteral("--- a/%1\n+++ b/%1\n").arg(path);
    int i = 0;
    const int n = int(edits.size());
    while (i < n) {
        // Find the next change.
        int start = i;
        while (start < n && edits[start].kind == diff::Edit::Kind::Equal)
            ++start;
        if (start >= n)
            break;
        // Extend the hunk while changes are within 2*context equal lines of each other.
        int end = start;
        int lastChange = start;
        while (end < n) {
            if (edits[end].kind != diff::Edit::Kind::Equal) {
                lastChange = end;
            } else if (end - lastChange > 2 * context) {
                break;
            }
            ++end;
        }
        const int hunkStart = std::max(i, start - context);
        const int hunkEnd = std::min(n, lastChange + 1 + context);
        int oldStart = -1, newStart = -1, oldCount = 0, newCount = 0;
        QString body;
        for (int k = hunkStart; k < hunkEnd; ++k) {
            const diff::Edit& e = edits[k];
            switch (e.kind) {
            case diff::Edit::Kind::Equal:
                if (oldStart < 0)
                    oldStart = e.oldIndex;
                if (newStart < 0)
                    newStart = e.newIndex;
                ++oldCount;
                ++newCount;
                body += QLatin1Char(' ') + a[e.oldIndex] + QLatin1Char('\n');
                if (e.oldIndex == a.size() - 1 && aNoEol)
                    body += QStringLiteral("\\ No newline at end of file\n");
                break;
            case diff::Edit::Kind::Delete:
                if (oldStart < 0)
                    oldStart = e.oldIndex;
                ++oldCount;
                body += QLatin1Char('-') + a[e.oldIndex] + QLatin1Char('\n');
                if (e.oldIndex == a.size() - 1 && aNoEol)
                    body += QStringLiteral("\\ No newline at end of file\n");
                break;
            case diff::Edit::Kind::Insert:
                if (newStart < 0)
                    newStart = e.newIndex;
                ++newCount;
                body += QLatin1Char('+') + b[e.newIndex] + QLatin1Char('\n');
                if (e.newIndex == b.size() - 1 && bNoEol)
                    body += QStringLiteral("\\ No newline at end of file\n");
                break;
            }
        }
        // Line numbers of an empty side point at the line before it (unified diff convention).
        auto firstLine = [&](int startIdx, int count, bool oldSide) {
            if (count > 0)
                return startIdx + 1;
            // Count the lines of that side before the hunk.
            int preceding = 0;
            for (int k = 0; k < hunkStart; ++k) {
                const diff::Edit& e = edits[k];
                if (oldSide ? e.oldIndex >= 0 : e.newIndex >= 0)
                    ++preceding;
            }
            return preceding;
        };
        const int oldLine = firstLine(oldStart, oldCount, true);
        const int newLine = firstLine(newStart, newCount, false);
        out += QStringLiteral("@@ -%1,%2 +%3,%4 @@\n")
                   .arg(oldLine)
                   .arg(oldCount)
                   .arg(newLine)
                   .arg(newCount);
        out += body;
        i = hunkEnd;
    }
    return out;
}

} // namespace sextant::gitops
