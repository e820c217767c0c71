#include "manageddiff.h"

#include <QRegularExpression>

#include <algorithm>

namespace sextant::diff {

namespace {

// Sorted keys: what the server sends anyway (Go marshals maps sorted, like kubectl -o yaml), and
// nlohmann::ordered_json inserts in O(n) per key, which is quadratic on large objects.
using OJson = nlohmann::json;

bool needsQuotes(const QString& s) {
    if (s.isEmpty())
        return true;
    static const QStringList reserved = {QStringLiteral("true"), QStringLiteral("false"),
                                         QStringLiteral("null"), QStringLiteral("yes"),
                                         QStringLiteral("no"),   QStringLiteral("on"),
                                         QStringLiteral("off"),  QStringLiteral("~")};
    if (reserved.contains(s.toLower()))
        return true;
    static const QRegularExpression number(
        QStringLiteral("^[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?$"));
    if (number.match(s).hasMatch())
        return true;
    const QChar first = s.front();
    // "-", "?" and ":" start a plain scalar unless a space follows ("--port" stays plain).
    if (QStringLiteral("-?:").contains(first) && (s.size() == 1 || s.at(1).isSpace()))
        return true;
    if (QStringLiteral(",[]{}#&*!|>'\"%@`").contains(first) || first.isSpace() ||
        s.back().isSpace() || s.contains(QLatin1Char('\n')))
        return true;
    return s.contains(QLatin1String(": ")) || s.contains(QLatin1String(" #")) ||
           s.endsWith(QLatin1Char(':'));
}

QString scalar(const OJson& v) {
    switch (v.type()) {
    case OJson::value_t::null:
        return QStringLiteral("null");
    case OJson::value_t::boolean:
        return v.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    case OJson::value_t::string: {
        const QString s = QString::fromStdString(v.get<std::string>());
        if (!needsQuotes(s))
            return s;
        QString q = s;
        q.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('"'), QLatin1String("\\\""));
        q.replace(QLatin1Char('\t'), QLatin1String("\\t"))
            .replace(QLatin1Char('\r'), QLatin1String("\\r"))
            .replace(QLatin1Char('\n'), QLatin1String("\\n"));
        return QLatin1Char('"') + q + QLatin1Char('"');
    }
    default:
        return QString::fromStdString(v.dump());
    }
}

bool isMultiline(const OJson& v) {
    return v.is_string() && v.get_ref<const std::string&>().find('\n') != std::string::npos;
}

bool isEmptyContainer(const OJson& v) {
    return (v.is_object() || v.is_array()) && v.empty();
}

QString inlineValue(const OJson& v) {
    if (v.is_object())
        return QStringLiteral("{}");
    if (v.is_array())
        return QStringLiteral("[]");
    return scalar(v);
}

void emitBlock(const QString& prefix, const OJson& v, int indent, QStringList& out) {
    QString text = QString::fromStdString(v.get<std::string>());
    const bool keep = text.endsWith(QLatin1Char('\n'));
    if (keep)
        text.chop(1);
    out.append(prefix + (keep ? QStringLiteral("|") : QStringLiteral("|-")));
    const QString pad(indent, QLatin1Char(' '));
    for (const QString& line : text.split(QLatin1Char('\n')))
        out.append(line.isEmpty() ? QString() : pad + line);
}

void emitValue(const OJson& v, int indent, QStringList& out);

void emitEntry(const QString& head, const OJson& value, int indent, QStringList& out) {
    // `head` is "key:" or "-" already indented.
    if (isMultiline(value)) {
        emitBlock(head + QLatin1Char(' '), value, indent + 2, out);
    } else if (value.is_structured() && !value.empty()) {
        out.append(head);
        emitValue(value, indent + 2, out);
    } else {
        out.append(head + QLatin1Char(' ') + inlineValue(value));
    }
}

void emitValue(const OJson& v, int indent, QStringList& out) {
    const QString pad(indent, QLatin1Char(' '));
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            QString key = QString::fromStdString(it.key());
            if (needsQuotes(key))
                key = scalar(OJson(it.key()));
            emitEntry(pad + key + QLatin1Char(':'), it.value(), indent, out);
        }
    } else if (v.is_array()) {
        for (const OJson& item : v) {
            if (item.is_object() && !item.empty()) {
                // First key on the dash line, the rest aligned under it.
                QStringList sub;
                emitValue(item, indent + 2, sub);
                if (!sub.isEmpty())
                    sub[0] = pad + QStringLiteral("- ") + sub[0].mid(indent + 2);
                out += sub;
            } else {
                emitEntry(pad + QLatin1Char('-'), item, indent, out);
            }
        }
    } else if (isMultiline(v)) {
        emitBlock(pad, v, indent + 2, out);
    } else {
        out.append(pad + scalar(v));
    }
}

// A state field: absent, JSON null, or the JSON string "null" all mean "does not exist".
bool readState(const nlohmann::json& item, const char* key, OJson* out, QString* error) {
    auto it = item.find(key);
    if (it == item.end() || it->is_null())
        return false;
    if (!it->is_string()) {
        *out = OJson::parse(it->dump());
        return !out->is_null();
    }
    const std::string& s = it->get_ref<const std::string&>();
    if (s.empty() || s == "null")
        return false;
    *out = OJson::parse(s, nullptr, /*allow_exceptions=*/false);
    if (out->is_discarded()) {
        *error = QStringLiteral("%1 is not valid JSON").arg(QString::fromLatin1(key));
        return false;
    }
    return !out->is_null();
}

QString str(const nlohmann::json& item, const char* key) {
    auto it = item.find(key);
    return it != item.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                               : QString();
}

} // namespace

QStringList toYamlLines(const nlohmann::json& value) {
    QStringList out;
    if (isEmptyContainer(value))
        out.append(inlineValue(value));
    else
        emitValue(value, 0, out);
    return out;
}

QString ResourceDiff::title() const {
    const QString where =
        resourceNamespace.isEmpty() ? name : resourceNamespace + QLatin1Char('/') + name;
    return kind + QLatin1Char(' ') + where;
}

QString toString(ResourceDiff::Change change) {
    switch (change) {
    case ResourceDiff::Change::Modified:
        return QStringLiteral("modified");
    case ResourceDiff::Change::Created:
        return QStringLiteral("will be created");
    case ResourceDiff::Change::Pruned:
        return QStringLiteral("will be pruned");
    case ResourceDiff::Change::Unchanged:
        break;
    }
    return QStringLiteral("unchanged");
}

ManagedDiff computeManagedDiff(const nlohmann::json& body, const DiffOptions& options) {
    ManagedDiff result;
    auto items = body.find("items");
    if (items == body.end() || !items->is_array())
        return result;
    for (const nlohmann::json& item : *items) {
        if (!item.is_object())
            continue;
        ResourceDiff rd;
        rd.group = str(item, "group");
        rd.kind = str(item, "kind");
        rd.resourceNamespace = str(item, "namespace");
        rd.name = str(item, "name");
        auto mod = item.find("modified");
        rd.modified = mod != item.end() && mod->is_boolean() && mod->get<bool>();

        OJson live;
        OJson predicted;
        QString error;
        const bool hasLive = readState(item, "normalizedLiveState", &live, &error);
        bool hasPredicted = readState(item, "predictedLiveState", &predicted, &error);
        if (!hasPredicted && item.contains("targetState") && !item.contains("predictedLiveState"))
            hasPredicted = readState(item, "targetState", &predicted, &error);
        rd.parseError = error;

        const QStringList oldLines = hasLive ? toYamlLines(live) : QStringList();
        const QStringList newLines = hasPredicted ? toYamlLines(predicted) : QStringList();
        rd.oldLineCount = int(oldLines.size());
        rd.newLineCount = int(newLines.size());
        if (!hasLive && hasPredicted)
            rd.change = ResourceDiff::Change::Created;
        else if (hasLive && !hasPredicted)
            rd.change = ResourceDiff::Change::Pruned;
        else if (oldLines != newLines)
            rd.change = ResourceDiff::Change::Modified;
        else
            rd.change =
                rd.modified ? ResourceDiff::Change::Modified : ResourceDiff::Change::Unchanged;
        rd.rows = buildRows(oldLines, newLines, options);
        const RowStats stats = countRows(rd.rows);
        rd.added = stats.added;
        rd.removed = stats.removed;
        result.totalRows += int(rd.rows.size());
        if (rd.change != ResourceDiff::Change::Unchanged)
            ++result.modifiedCount;
        result.resources.append(std::move(rd));
    }
    std::stable_sort(result.resources.begin(), result.resources.end(),
                     [](const ResourceDiff& a, const ResourceDiff& b) {
                         return (a.change != ResourceDiff::Change::Unchanged) >
                                (b.change != ResourceDiff::Change::Unchanged);
                     });
    return result;
}

} // namespace sextant::diff
