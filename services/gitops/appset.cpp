#include "gitops/appset.h"

#include "core/yamljson.h"
#include "gitops/repotree.h"

#include <yaml-cpp/yaml.h>

#include <QRegularExpression>
#include <QSet>

#include <functional>
#include <optional>

namespace sextant::gitops {

namespace {

using json = nlohmann::json;

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

std::string ss(const QString& s) {
    return s.toStdString();
}

// Scalars as Argo CD prints them into a template.
std::optional<QString> scalarText(const json& v) {
    if (v.is_string())
        return qs(v.get<std::string>());
    if (v.is_number_integer())
        return QString::number(v.get<long long>());
    if (v.is_number_unsigned())
        return QString::number(v.get<unsigned long long>());
    if (v.is_number_float())
        return QString::number(v.get<double>());
    if (v.is_boolean())
        return v.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    return std::nullopt;
}

// --- glob matching -----------------------------------------------------------------------------

// Matches a '[...]' class at pattern[pi] (pi on '['); returns the index after ']' or -1 when
// malformed. `matched` tells whether `c` is in the class.
qsizetype matchClass(const QString& p, qsizetype pi, QChar c, bool& matched) {
    ++pi;
    bool negate = false;
    if (pi < p.size() && (p[pi] == QLatin1Char('^') || p[pi] == QLatin1Char('!'))) {
        negate = true;
        ++pi;
    }
    bool in = false;
    bool first = true;
    while (pi < p.size() && (first || p[pi] != QLatin1Char(']'))) {
        first = false;
        QChar lo = p[pi];
        if (lo == QLatin1Char('\\')) {
            if (++pi >= p.size())
                return -1;
            lo = p[pi];
        }
        ++pi;
        QChar hi = lo;
        if (pi + 1 < p.size() && p[pi] == QLatin1Char('-') && p[pi + 1] != QLatin1Char(']')) {
            ++pi;
            hi = p[pi];
            if (hi == QLatin1Char('\\')) {
                if (++pi >= p.size())
                    return -1;
                hi = p[pi];
            }
            ++pi;
        }
        if (lo <= c && c <= hi)
            in = true;
    }
    if (pi >= p.size())
        return -1; // no closing ']'
    matched = in != negate;
    return pi + 1;
}

// '*' and '?' never match '/' unless `crossSlash`. Backtracking over the last '*' only, which
// is exact for globs without "**" semantics.
bool wildMatch(const QString& p, const QString& s, bool crossSlash) {
    qsizetype pi = 0, si = 0;
    qsizetype starP = -1, starS = -1;
    while (si < s.size()) {
        if (pi < p.size()) {
            const QChar pc = p[pi];
            if (pc == QLatin1Char('*')) {
                while (pi < p.size() && p[pi] == QLatin1Char('*'))
                    ++pi;
                starP = pi;
                starS = si;
                continue;
            }
            if (pc == QLatin1Char('?') && (crossSlash || s[si] != QLatin1Char('/'))) {
                ++pi;
                ++si;
                continue;
            }
            if (pc == QLatin1Char('[')) {
                bool matched = false;
                const qsizetype next = matchClass(p, pi, s[si], matched);
                if (next < 0)
                    return false;
                if (matched && (crossSlash || s[si] != QLatin1Char('/'))) {
                    pi = next;
                    ++si;
                    continue;
                }
            } else if (pc == QLatin1Char('\\') && pi + 1 < p.size()) {
                if (p[pi + 1] == s[si]) {
                    pi += 2;
                    ++si;
                    continue;
                }
            } else if (pc != QLatin1Char('?') && pc == s[si]) {
                ++pi;
                ++si;
                continue;
            }
        }
        // Mismatch: let the last '*' swallow one more character.
        if (starP >= 0 && (crossSlash || s[starS] != QLatin1Char('/'))) {
            ++starS;
            si = starS;
            pi = starP;
            continue;
        }
        return false;
    }
    while (pi < p.size() && p[pi] == QLatin1Char('*'))
        ++pi;
    return pi == p.size();
}

QStringList expandBraces(const QString& pattern) {
    const qsizetype open = pattern.indexOf(QLatin1Char('{'));
    if (open < 0)
        return {pattern};
    int depth = 0;
    QList<qsizetype> commas;
    qsizetype close = -1;
    for (qsizetype i = open; i < pattern.size(); ++i) {
        const QChar c = pattern[i];
        if (c == QLatin1Char('\\')) {
            ++i;
            continue;
        }
        if (c == QLatin1Char('{'))
            ++depth;
        else if (c == QLatin1Char('}') && --depth == 0) {
            close = i;
            break;
        } else if (c == QLatin1Char(',') && depth == 1)
            commas.append(i);
    }
    if (close < 0)
        return {pattern};
    QStringList out;
    const QString head = pattern.left(open);
    const QString tail = pattern.mid(close + 1);
    qsizetype start = open + 1;
    commas.append(close);
    for (const qsizetype end : commas) {
        for (const QString& rest : expandBraces(head + pattern.mid(start, end - start) + tail))
            out.append(rest);
        start = end + 1;
    }
    return out;
}

} // namespace

bool goPathMatch(const QString& pattern, const QString& name) {
    return wildMatch(pattern, name, false);
}

bool doublestarMatch(const QString& pattern, const QString& name) {
    const QStringList p = pattern.split(QLatin1Char('/'));
    const QStringList s = name.split(QLatin1Char('/'));
    // Segment-wise match where a "**" segment matches zero or more segments.
    std::function<bool(qsizetype, qsizetype)> match = [&](qsizetype i, qsizetype j) -> bool {
        if (i == p.size())
            return j == s.size();
        if (p[i] == QLatin1String("**")) {
            for (qsizetype k = j; k <= s.size(); ++k)
                if (match(i + 1, k))
                    return true;
            return false;
        }
        if (j == s.size())
            return false;
        return wildMatch(p[i], s[j], false) && match(i + 1, j + 1);
    };
    return match(0, 0);
}

bool directoryGlobMatch(const QString& pattern, const QString& name) {
    for (const QString& alt : expandBraces(pattern))
        if (wildMatch(alt, name, true))
            return true;
    return false;
}

QString normalizeName(const QString& name) {
    static const QRegularExpression invalid(QStringLiteral("[^-a-z0-9.]"));
    QString n = name.toLower();
    n.replace(invalid, QStringLiteral("-"));
    if (n.size() > 253)
        n.truncate(253);
    while (!n.isEmpty() && (n.front() == QLatin1Char('-') || n.front() == QLatin1Char('.')))
        n.remove(0, 1);
    while (!n.isEmpty() && (n.back() == QLatin1Char('-') || n.back() == QLatin1Char('.')))
        n.chop(1);
    return n;
}

QMap<QString, QString> flattenParams(const AppSetParams& params) {
    QMap<QString, QString> out;
    std::function<void(const json&, const QString&)> walk = [&](const json& v,
                                                                const QString& prefix) {
        if (v.is_object()) {
            for (auto it = v.begin(); it != v.end(); ++it)
                walk(it.value(),
                     prefix.isEmpty() ? qs(it.key()) : prefix + QLatin1Char('.') + qs(it.key()));
        } else if (v.is_array()) {
            for (size_t i = 0; i < v.size(); ++i)
                walk(v[i], prefix + QLatin1Char('.') + QString::number(i));
        } else if (const auto t = scalarText(v)) {
            out.insert(prefix, *t);
        } else if (v.is_null()) {
            out.insert(prefix, QString());
        }
    };
    walk(params, QString());
    return out;
}

// --- templates ---------------------------------------------------------------------------------

namespace {

// A Go template value: a JSON value or nothing (missing).
using Value = std::optional<json>;

Value lookupDotted(const json& params, const QString& dotted) {
    const json* cur = &params;
    for (const QString& part : dotted.split(QLatin1Char('.'), Qt::SkipEmptyParts)) {
        if (!cur->is_object())
            return std::nullopt;
        const auto it = cur->find(ss(part));
        if (it == cur->end())
            return std::nullopt;
        cur = &*it;
    }
    return *cur;
}

// Splits a Go template command into tokens: fields, identifiers, numbers, quoted strings.
QStringList goTokens(const QString& cmd, bool& ok) {
    QStringList out;
    ok = true;
    qsizetype i = 0;
    while (i < cmd.size()) {
        const QChar c = cmd[i];
        if (c.isSpace()) {
            ++i;
            continue;
        }
        if (c == QLatin1Char('"') || c == QLatin1Char('`')) {
            const QChar quote = c;
            QString tok(quote);
            ++i;
            while (i < cmd.size() && cmd[i] != quote) {
                if (cmd[i] == QLatin1Char('\\') && quote == QLatin1Char('"') &&
                    i + 1 < cmd.size()) {
                    tok += cmd[i + 1];
                    i += 2;
                    continue;
                }
                tok += cmd[i++];
            }
            if (i >= cmd.size()) {
                ok = false;
                return {};
            }
            ++i;
            out.append(tok); // the leading quote marks a string literal
            continue;
        }
        if (c == QLatin1Char('(') || c == QLatin1Char(')')) {
            ok = false; // parenthesised sub-pipelines are not supported
            return {};
        }
        qsizetype j = i;
        while (j < cmd.size() && !cmd[j].isSpace())
            ++j;
        out.append(cmd.mid(i, j - i));
        i = j;
    }
    return out;
}

// Evaluates one argument token.
Value goArg(const QString& tok, const json& params) {
    if (tok.startsWith(QLatin1Char('"')) || tok.startsWith(QLatin1Char('`')))
        return json(ss(tok.mid(1)));
    if (tok == QLatin1String("."))
        return params;
    if (tok.startsWith(QLatin1Char('.')))
        return lookupDotted(params, tok.mid(1));
    if (tok.startsWith(QLatin1String("$."))) // the root, same as '.' here
        return lookupDotted(params, tok.mid(2));
    bool isInt = false;
    const long long n = tok.toLongLong(&isInt);
    if (isInt)
        return json(n);
    if (tok == QLatin1String("true") || tok == QLatin1String("false"))
        return json(tok == QLatin1String("true"));
    return std::nullopt;
}

QString valueText(const json& v) {
    if (const auto t = scalarText(v))
        return *t;
    return {};
}

// Calls a supported function; nullopt = unknown function or wrong arguments.
std::optional<json> goCall(const QString& fn, const std::vector<json>& args) {
    auto text = [&](size_t i) { return valueText(args[i]); };
    const size_t n = args.size();
    if (fn == QLatin1String("index")) {
        if (n < 2)
            return std::nullopt;
        json cur = args[0];
        for (size_t i = 1; i < n; ++i) {
            if (cur.is_array() && args[i].is_number_integer()) {
                const long long k = args[i].get<long long>();
                if (k < 0 || k >= (long long)cur.size())
                    return std::nullopt;
                cur = cur[size_t(k)];
            } else if (cur.is_object() && args[i].is_string()) {
                const auto it = cur.find(args[i].get<std::string>());
                if (it == cur.end())
                    return std::nullopt;
                cur = *it;
            } else {
                return std::nullopt;
            }
        }
        return cur;
    }
    if (fn == QLatin1String("lower") && n == 1)
        return json(ss(text(0).toLower()));
    if (fn == QLatin1String("upper") && n == 1)
        return json(ss(text(0).toUpper()));
    if (fn == QLatin1String("normalize") && n == 1)
        return json(ss(normalizeName(text(0))));
    if (fn == QLatin1String("toString") && n == 1)
        return json(ss(text(0)));
    if (fn == QLatin1String("quote") && n == 1)
        return json(ss(QLatin1Char('"') + text(0) + QLatin1Char('"')));
    if (fn == QLatin1String("trim") && n == 1)
        return json(ss(text(0).trimmed()));
    if (fn == QLatin1String("base") && n == 1)
        return json(ss(text(0).section(QLatin1Char('/'), -1)));
    if (fn == QLatin1String("dir") && n == 1) {
        const QString t = text(0);
        const qsizetype slash = t.lastIndexOf(QLatin1Char('/'));
        return json(ss(slash < 0 ? QStringLiteral(".") : t.left(slash)));
    }
    if (fn == QLatin1String("trunc") && n == 2 && args[0].is_number_integer()) {
        const long long k = args[0].get<long long>();
        const QString t = text(1);
        if (k >= 0)
            return json(ss(t.left(k)));
        return json(ss(t.right(-k)));
    }
    if (fn == QLatin1String("trimPrefix") && n == 2) {
        QString t = text(1);
        if (t.startsWith(text(0)))
            t.remove(0, text(0).size());
        return json(ss(t));
    }
    if (fn == QLatin1String("trimSuffix") && n == 2) {
        QString t = text(1);
        if (t.endsWith(text(0)))
            t.chop(text(0).size());
        return json(ss(t));
    }
    if (fn == QLatin1String("replace") && n == 3)
        return json(ss(text(2).replace(text(0), text(1))));
    if (fn == QLatin1String("default") && n == 2) {
        const json& v = args[1];
        const bool empty = v.is_null() || (v.is_string() && v.get<std::string>().empty()) ||
                           (v.is_boolean() && !v.get<bool>()) ||
                           (v.is_number() && v.get<double>() == 0) ||
                           ((v.is_array() || v.is_object()) && v.empty());
        return empty ? args[0] : v;
    }
    return std::nullopt;
}

// Evaluates a Go template action (between the braces); nullopt when it cannot be.
std::optional<QString> goAction(const QString& action, const json& params) {
    const QString trimmed = action.trimmed();
    if (trimmed.isEmpty() || trimmed.startsWith(QLatin1String("/*")))
        return std::nullopt;
    // Splitting on '|' outside quotes.
    QStringList commands;
    QString current;
    QChar quote;
    for (const QChar c : trimmed) {
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
        } else if (c == QLatin1Char('"') || c == QLatin1Char('`')) {
            quote = c;
        } else if (c == QLatin1Char('|')) {
            commands.append(current);
            current.clear();
            continue;
        }
        current += c;
    }
    commands.append(current);

    Value piped;
    for (qsizetype ci = 0; ci < commands.size(); ++ci) {
        bool ok = false;
        const QStringList toks = goTokens(commands[ci], ok);
        if (!ok || toks.isEmpty())
            return std::nullopt;
        const QString& head = toks.first();
        const bool isFunction = head.front().isLetter();
        if (!isFunction) {
            if (toks.size() != 1 || ci > 0)
                return std::nullopt;
            piped = goArg(head, params);
            if (!piped)
                return std::nullopt;
            continue;
        }
        std::vector<json> args;
        for (qsizetype i = 1; i < toks.size(); ++i) {
            Value v = goArg(toks[i], params);
            if (!v)
                return std::nullopt;
            args.push_back(std::move(*v));
        }
        if (ci > 0) {
            if (!piped)
                return std::nullopt;
            args.push_back(*piped);
        }
        piped = goCall(head, args);
        if (!piped)
            return std::nullopt;
    }
    if (!piped)
        return std::nullopt;
    return scalarText(*piped);
}

} // namespace

QString renderTemplate(const QString& text, const AppSetParams& params, bool goTemplate,
                       QStringList* unresolved) {
    if (!text.contains(QLatin1String("{{")))
        return text;
    QString out;
    qsizetype pos = 0;
    while (true) {
        const qsizetype open = text.indexOf(QLatin1String("{{"), pos);
        if (open < 0)
            break;
        const qsizetype close = text.indexOf(QLatin1String("}}"), open + 2);
        if (close < 0)
            break;
        QString inner = text.mid(open + 2, close - open - 2);
        QString before = text.mid(pos, open - pos);
        qsizetype next = close + 2;
        std::optional<QString> value;
        if (goTemplate) {
            // Trim markers "{{- " and " -}}" remove the whitespace around the action.
            if (inner.startsWith(QLatin1String("- "))) {
                inner.remove(0, 2);
                while (!before.isEmpty() && before.back().isSpace())
                    before.chop(1);
            }
            if (inner.endsWith(QLatin1String(" -"))) {
                inner.chop(2);
                while (next < text.size() && text[next].isSpace())
                    ++next;
            }
            value = goAction(inner, params);
        } else {
            const QString key = inner.trimmed();
            const auto it = params.is_object() ? params.find(ss(key)) : params.end();
            if (it != params.end())
                value = scalarText(*it);
        }
        out += before;
        if (value) {
            out += *value;
        } else {
            const QString original = text.mid(open, close + 2 - open);
            out += original;
            if (unresolved && !unresolved->contains(original))
                unresolved->append(original);
        }
        pos = next;
    }
    out += text.mid(pos);
    return out;
}

// --- generators --------------------------------------------------------------------------------

namespace {

QString strAt(const json& o, const char* key) {
    if (!o.is_object())
        return {};
    const auto it = o.find(key);
    if (it == o.end())
        return {};
    return scalarText(*it).value_or(QString());
}

bool boolAt(const json& o, const char* key) {
    if (!o.is_object())
        return false;
    const auto it = o.find(key);
    return it != o.end() && ((it->is_boolean() && it->get<bool>()) ||
                             (it->is_string() && it->get<std::string>() == "true"));
}

// Renders every string (keys too) of a JSON value.
json renderJson(const json& v, const json& params, bool go, QStringList* unresolved) {
    if (v.is_string())
        return ss(renderTemplate(qs(v.get<std::string>()), params, go, unresolved));
    if (v.is_array()) {
        json out = json::array();
        for (const json& e : v)
            out.push_back(renderJson(e, params, go, unresolved));
        return out;
    }
    if (v.is_object()) {
        json out = json::object();
        for (auto it = v.begin(); it != v.end(); ++it)
            out[ss(renderTemplate(qs(it.key()), params, go, unresolved))] =
                renderJson(it.value(), params, go, unresolved);
        return out;
    }
    return v;
}

void deepMerge(json& into, const json& from) {
    if (!into.is_object() || !from.is_object()) {
        into = from;
        return;
    }
    for (auto it = from.begin(); it != from.end(); ++it) {
        if (into.contains(it.key()) && into[it.key()].is_object() && it.value().is_object())
            deepMerge(into[it.key()], it.value());
        else
            into[it.key()] = it.value();
    }
}

// A parameter value by key: the flat key in fasttemplate mode, a dotted path in Go mode.
std::optional<QString> paramValue(const json& params, const QString& key, bool go) {
    if (!go) {
        const auto it = params.find(ss(key));
        if (it == params.end())
            return std::nullopt;
        return scalarText(*it).value_or(QString());
    }
    const Value v = lookupDotted(params, key);
    if (!v)
        return std::nullopt;
    return scalarText(*v).value_or(QString());
}

// Kubernetes label selector over a key -> value lookup.
bool selectorMatches(const json& selector,
                     const std::function<std::optional<QString>(const QString&)>& get) {
    if (!selector.is_object())
        return true;
    if (const auto ml = selector.find("matchLabels"); ml != selector.end() && ml->is_object()) {
        for (auto it = ml->begin(); it != ml->end(); ++it) {
            const auto v = get(qs(it.key()));
            if (!v || *v != scalarText(it.value()).value_or(QString()))
                return false;
        }
    }
    if (const auto me = selector.find("matchExpressions"); me != selector.end() && me->is_array()) {
        for (const json& expr : *me) {
            const QString key = strAt(expr, "key");
            const QString op = strAt(expr, "operator");
            QStringList values;
            if (const auto vs = expr.find("values"); vs != expr.end() && vs->is_array())
                for (const json& v : *vs)
                    values.append(scalarText(v).value_or(QString()));
            const auto v = get(key);
            if (op == QLatin1String("In")) {
                if (!v || !values.contains(*v))
                    return false;
            } else if (op == QLatin1String("NotIn")) {
                if (v && values.contains(*v))
                    return false;
            } else if (op == QLatin1String("Exists")) {
                if (!v)
                    return false;
            } else if (op == QLatin1String("DoesNotExist")) {
                if (v)
                    return false;
            } else {
                return false; // an unknown operator selects nothing, like Kubernetes
            }
        }
    }
    return true;
}

struct Expander {
    const AppSetContext& ctx;
    QString appSetName;
    QString fileName;
    bool go = false;
    QStringList notes;
    // Repository listing, computed once.
    std::optional<QStringList> files;
    std::optional<QStringList> dirs;

    void note(const QString& text) {
        const QString n =
            QStringLiteral("%1 (ApplicationSet %2): %3").arg(fileName, appSetName, text);
        if (!notes.contains(n))
            notes.append(n);
    }

    const QStringList& repoFiles() {
        if (!files)
            files = ctx.tree->allFiles();
        return *files;
    }

    const QStringList& repoDirs() {
        if (!dirs) {
            QSet<QString> set;
            for (const QString& f : repoFiles()) {
                QString d = parentDir(f);
                while (!d.isEmpty() && !set.contains(d)) {
                    set.insert(d);
                    d = parentDir(d);
                }
            }
            QStringList out;
            for (const QString& d : set) {
                bool hidden = false;
                for (const QString& seg : d.split(QLatin1Char('/')))
                    hidden = hidden || seg.startsWith(QLatin1Char('.'));
                if (!hidden)
                    out.append(d);
            }
            std::sort(out.begin(), out.end());
            dirs = out;
        }
        return *dirs;
    }

    // Adds generator `values` (rendered against the parameters themselves).
    void addValues(json& params, const json& gen) {
        const auto vals = gen.find("values");
        if (vals == gen.end() || !vals->is_object())
            return;
        QStringList unresolved;
        json rendered = json::object();
        for (auto it = vals->begin(); it != vals->end(); ++it) {
            const QString text = scalarText(it.value()).value_or(QString());
            rendered[it.key()] = ss(renderTemplate(text, params, go, &unresolved));
        }
        for (const QString& u : unresolved)
            note(QStringLiteral("generator value %1 left as written").arg(u));
        if (go) {
            params["values"] = rendered;
        } else {
            for (auto it = rendered.begin(); it != rendered.end(); ++it)
                params["values." + it.key()] = it.value();
        }
    }

    json pathParams(const QString& dir, const QString& file, const QString& prefix) {
        const QString base = dir.section(QLatin1Char('/'), -1);
        const QStringList segments = dir.split(QLatin1Char('/'));
        json params = json::object();
        if (go) {
            json p = json::object();
            p["path"] = ss(dir);
            p["basename"] = ss(base);
            p["basenameNormalized"] = ss(normalizeName(base));
            json segs = json::array();
            for (const QString& s : segments)
                segs.push_back(ss(s));
            p["segments"] = segs;
            if (!file.isNull()) {
                p["filename"] = ss(file);
                p["filenameNormalized"] = ss(normalizeName(file));
            }
            if (prefix.isEmpty())
                params["path"] = p;
            else
                params[ss(prefix)] = json{{"path", p}};
        } else {
            const QString name =
                prefix.isEmpty() ? QStringLiteral("path") : prefix + QStringLiteral(".path");
            params[ss(name)] = ss(dir);
            params[ss(name + ".basename")] = ss(base);
            params[ss(name + ".basenameNormalized")] = ss(normalizeName(base));
            for (qsizetype i = 0; i < segments.size(); ++i) {
                if (segments[i].isEmpty())
                    continue;
                params[ss(QStringLiteral("%1[%2]").arg(name).arg(i))] = ss(segments[i]);
                params[ss(QStringLiteral("%1.segments[%2]").arg(name).arg(i))] = ss(segments[i]);
            }
            if (!file.isNull()) {
                params[ss(name + ".filename")] = ss(file);
                params[ss(name + ".filenameNormalized")] = ss(normalizeName(file));
            }
        }
        return params;
    }

    // One parameter set per result; `inputs` receives repository files read (git files).
    std::vector<json> generate(const json& gen, std::vector<QStringList>* inputs, int depth) {
        std::vector<json> out;
        if (depth > 4) {
            note(QStringLiteral("generators nested too deeply, skipped"));
            return out;
        }
        std::vector<QStringList> localInputs;
        if (const auto l = gen.find("list"); l != gen.end() && l->is_object()) {
            out = listGenerator(*l);
        } else if (const auto c = gen.find("clusters"); c != gen.end() && c->is_object()) {
            out = clusterGenerator(*c);
        } else if (const auto g = gen.find("git"); g != gen.end() && g->is_object()) {
            out = gitGenerator(*g, localInputs);
        } else if (const auto m = gen.find("matrix"); m != gen.end() && m->is_object()) {
            out = matrixGenerator(*m, localInputs, depth);
        } else if (const auto mg = gen.find("merge"); mg != gen.end() && mg->is_object()) {
            out = mergeGenerator(*mg, localInputs, depth);
        } else {
            QString kind = QStringLiteral("unknown");
            if (gen.is_object() && !gen.empty())
                kind = qs(gen.begin().key());
            note(QStringLiteral("the %1 generator needs a live system; its Applications are not "
                                "known offline")
                     .arg(kind));
        }
        localInputs.resize(out.size());
        // Post-selector on the parameters.
        if (const auto sel = gen.find("selector"); sel != gen.end() && sel->is_object()) {
            std::vector<json> kept;
            std::vector<QStringList> keptInputs;
            for (size_t i = 0; i < out.size(); ++i) {
                const json& p = out[i];
                if (selectorMatches(*sel, [&](const QString& k) { return paramValue(p, k, go); })) {
                    kept.push_back(p);
                    keptInputs.push_back(localInputs[i]);
                }
            }
            out = std::move(kept);
            localInputs = std::move(keptInputs);
        }
        if (inputs)
            *inputs = std::move(localInputs);
        return out;
    }

    std::vector<json> listGenerator(const json& l) {
        std::vector<json> out;
        json elements = json::array();
        if (const auto e = l.find("elements"); e != l.end() && e->is_array())
            elements = *e;
        if (const QString yaml = strAt(l, "elementsYaml"); !yaml.isEmpty()) {
            try {
                const json parsed = yamlToJson(YAML::Load(yaml.toStdString()));
                if (parsed.is_array())
                    for (const json& e : parsed)
                        elements.push_back(e);
                else
                    note(QStringLiteral("elementsYaml is not a list"));
            } catch (const YAML::Exception& e) {
                note(QStringLiteral("elementsYaml does not parse: %1").arg(qs(e.msg)));
            }
        }
        for (const json& e : elements) {
            if (!e.is_object()) {
                note(QStringLiteral("a list element is not a map, skipped"));
                continue;
            }
            if (go) {
                out.push_back(e);
                continue;
            }
            json p = json::object();
            for (auto it = e.begin(); it != e.end(); ++it) {
                if (it.key() == "values" && it.value().is_object()) {
                    for (auto v = it.value().begin(); v != it.value().end(); ++v)
                        p["values." + v.key()] = ss(scalarText(v.value()).value_or(QString()));
                } else {
                    p[it.key()] = ss(scalarText(it.value()).value_or(QString()));
                }
            }
            out.push_back(std::move(p));
        }
        return out;
    }

    std::vector<json> clusterGenerator(const json& c) {
        std::vector<ClusterInfo> clusters = ctx.clusters;
        if (clusters.empty()) {
            note(QStringLiteral("no cluster list: only the in-cluster default is assumed"));
            clusters.push_back(
                {QStringLiteral("in-cluster"), QLatin1String(kInClusterServer), QString(), {}, {}});
        }
        if (boolAt(c, "flatList"))
            note(QStringLiteral("flatList cluster generator is expanded one cluster at a time"));
        std::vector<json> out;
        const json selector = c.contains("selector") ? c["selector"] : json();
        for (const ClusterInfo& cl : clusters) {
            if (!selectorMatches(selector, [&](const QString& k) -> std::optional<QString> {
                    if (!cl.labels.contains(k))
                        return std::nullopt;
                    return cl.labels.value(k);
                }))
                continue;
            json p = json::object();
            if (go) {
                json labels = json::object(), annotations = json::object();
                for (auto it = cl.labels.begin(); it != cl.labels.end(); ++it)
                    labels[ss(it.key())] = ss(it.value());
                for (auto it = cl.annotations.begin(); it != cl.annotations.end(); ++it)
                    annotations[ss(it.key())] = ss(it.value());
                p["name"] = ss(cl.name);
                p["nameNormalized"] = ss(normalizeName(cl.name));
                p["server"] = ss(cl.server);
                p["project"] = ss(cl.project);
                p["metadata"] = json{{"labels", labels}, {"annotations", annotations}};
            } else {
                p["name"] = ss(cl.name);
                p["nameNormalized"] = ss(normalizeName(cl.name));
                p["server"] = ss(cl.server);
                p["project"] = ss(cl.project);
                for (auto it = cl.labels.begin(); it != cl.labels.end(); ++it)
                    p[ss(QStringLiteral("metadata.labels.") + it.key())] = ss(it.value());
                for (auto it = cl.annotations.begin(); it != cl.annotations.end(); ++it)
                    p[ss(QStringLiteral("metadata.annotations.") + it.key())] = ss(it.value());
            }
            addValues(p, c);
            out.push_back(std::move(p));
        }
        return out;
    }

    std::vector<json> gitGenerator(const json& g, std::vector<QStringList>& inputs) {
        std::vector<json> out;
        const QString repo = strAt(g, "repoURL");
        if (!ctx.tree || (!ctx.repoURL.isEmpty() && !sameRepo(repo, ctx.repoURL))) {
            note(QStringLiteral("git generator on %1 is not the repository analysed, skipped")
                     .arg(repo));
            return out;
        }
        const QString prefix = strAt(g, "pathParamPrefix");
        auto readItems = [&](const char* key) {
            std::vector<std::pair<QString, bool>> items;
            if (const auto d = g.find(key); d != g.end() && d->is_array())
                for (const json& item : *d)
                    items.emplace_back(strAt(item, "path"), boolAt(item, "exclude"));
            return items;
        };
        const auto dirItems = readItems("directories");
        const auto fileItems = readItems("files");
        if (!dirItems.empty()) {
            for (const QString& dir : repoDirs()) {
                bool include = false, exclude = false;
                for (const auto& [pattern, isExclude] : dirItems) {
                    if (goPathMatch(pattern, dir))
                        (isExclude ? exclude : include) = true;
                }
                if (!include || exclude)
                    continue;
                json p = pathParams(dir, QString(), prefix);
                addValues(p, g);
                out.push_back(std::move(p));
                inputs.emplace_back();
            }
        }
        if (!fileItems.empty()) {
            for (const QString& file : repoFiles()) {
                bool include = false, exclude = false;
                for (const auto& [pattern, isExclude] : fileItems) {
                    if (doublestarMatch(pattern, file))
                        (isExclude ? exclude : include) = true;
                }
                if (!include || exclude)
                    continue;
                const auto content = ctx.tree->readFile(file);
                if (!content)
                    continue;
                json parsed;
                try {
                    const QByteArray t = content->trimmed();
                    if (t.startsWith('{') || t.startsWith('['))
                        parsed = json::parse(content->constBegin(), content->constEnd());
                    else
                        parsed = yamlToJson(YAML::Load(content->toStdString()));
                } catch (const std::exception& e) {
                    note(QStringLiteral("git files generator cannot read %1: %2")
                             .arg(file, QString::fromUtf8(e.what())));
                    continue;
                }
                std::vector<json> objects;
                if (parsed.is_array()) {
                    for (const json& o : parsed)
                        objects.push_back(o);
                } else if (parsed.is_object()) {
                    objects.push_back(parsed);
                } else {
                    note(QStringLiteral("git files generator: %1 holds no map").arg(file));
                    continue;
                }
                for (const json& o : objects) {
                    json p = json::object();
                    if (go) {
                        p = o.is_object() ? o : json::object();
                    } else {
                        const QMap<QString, QString> flat = flattenParams(o);
                        for (auto it = flat.begin(); it != flat.end(); ++it)
                            p[ss(it.key())] = ss(it.value());
                    }
                    deepMerge(
                        p, pathParams(parentDir(file), file.section(QLatin1Char('/'), -1), prefix));
                    addValues(p, g);
                    out.push_back(std::move(p));
                    inputs.push_back({file});
                }
            }
        }
        if (dirItems.empty() && fileItems.empty())
            note(QStringLiteral("git generator without directories or files"));
        return out;
    }

    std::vector<json> children(const json& m) {
        std::vector<json> out;
        if (const auto g = m.find("generators"); g != m.end() && g->is_array())
            for (const json& c : *g)
                out.push_back(c);
        return out;
    }

    static json combine(const json& a, const json& b) {
        json out = a;
        deepMerge(out, b);
        return out;
    }

    std::vector<json> matrixGenerator(const json& m, std::vector<QStringList>& inputs, int depth) {
        std::vector<json> out;
        const std::vector<json> kids = children(m);
        if (kids.size() != 2) {
            note(QStringLiteral("a matrix generator needs exactly two child generators"));
            return out;
        }
        std::vector<QStringList> firstInputs;
        const std::vector<json> first = generate(kids[0], &firstInputs, depth + 1);
        for (size_t i = 0; i < first.size(); ++i) {
            // The second child may use the first's parameters.
            QStringList unresolved;
            const json second = renderJson(kids[1], first[i], go, &unresolved);
            std::vector<QStringList> secondInputs;
            const std::vector<json> b = generate(second, &secondInputs, depth + 1);
            for (size_t j = 0; j < b.size(); ++j) {
                out.push_back(combine(first[i], b[j]));
                QStringList in = firstInputs[i];
                in.append(secondInputs[j]);
                inputs.push_back(in);
            }
        }
        return out;
    }

    std::vector<json> mergeGenerator(const json& m, std::vector<QStringList>& inputs, int depth) {
        std::vector<json> out;
        const std::vector<json> kids = children(m);
        QStringList keys;
        if (const auto k = m.find("mergeKeys"); k != m.end() && k->is_array())
            for (const json& v : *k)
                keys.append(scalarText(v).value_or(QString()));
        if (kids.size() < 2 || keys.isEmpty()) {
            note(QStringLiteral("a merge generator needs two or more generators and mergeKeys"));
            return out;
        }
        auto keyOf = [&](const json& p) -> std::optional<QString> {
            QStringList parts;
            for (const QString& k : keys) {
                const auto v = paramValue(p, k, go);
                if (!v)
                    return std::nullopt;
                parts.append(*v);
            }
            return parts.join(QChar(0x1f));
        };
        out = generate(kids[0], &inputs, depth + 1);
        for (size_t c = 1; c < kids.size(); ++c) {
            std::vector<QStringList> otherInputs;
            const std::vector<json> other = generate(kids[c], &otherInputs, depth + 1);
            QHash<QString, size_t> byKey;
            for (size_t i = 0; i < other.size(); ++i)
                if (const auto k = keyOf(other[i]); k && !byKey.contains(*k))
                    byKey.insert(*k, i);
            for (size_t i = 0; i < out.size(); ++i) {
                const auto k = keyOf(out[i]);
                if (!k || !byKey.contains(*k))
                    continue;
                const size_t j = byKey.value(*k);
                out[i] = combine(out[i], other[j]);
                inputs[i].append(otherInputs[j]);
            }
        }
        return out;
    }
};

} // namespace

AppSetExpansion expandApplicationSet(const nlohmann::json& appSet, const AppSetContext& ctx,
                                     const QString& fileName) {
    AppSetExpansion result;
    const json md = appSet.value("metadata", json::object());
    const json spec = appSet.value("spec", json::object());
    Expander x{ctx, strAt(md, "name"), fileName, false, {}, {}, {}};
    x.go = boolAt(spec, "goTemplate");
    if (!spec.is_object() || !spec.contains("template") || !spec["template"].is_object()) {
        x.note(QStringLiteral("no template"));
        result.notes = x.notes;
        return result;
    }
    if (spec.contains("templatePatch"))
        x.note(QStringLiteral("templatePatch is not applied offline"));
    const json generators = spec.value("generators", json::array());
    if (!generators.is_array() || generators.empty())
        x.note(QStringLiteral("no generators"));
    QSet<QString> seen;
    for (const json& gen : generators.is_array() ? generators : json::array()) {
        std::vector<QStringList> inputs;
        const std::vector<json> paramSets = x.generate(gen, &inputs, 0);
        inputs.resize(paramSets.size());
        // A generator's own template overrides fields of spec.template.
        json tmpl = spec["template"];
        for (const char* kind : {"list", "clusters", "git", "matrix", "merge"}) {
            if (const auto g = gen.find(kind); g != gen.end() && g->is_object())
                if (const auto t = g->find("template"); t != g->end() && t->is_object())
                    deepMerge(tmpl, *t);
        }
        for (size_t i = 0; i < paramSets.size(); ++i) {
            QStringList unresolved;
            const json rendered = renderJson(tmpl, paramSets[i], x.go, &unresolved);
            for (const QString& u : unresolved)
                x.note(QStringLiteral("%1 left as written").arg(u));
            json object = json::object();
            object["metadata"] = rendered.value("metadata", json::object());
            object["spec"] = rendered.value("spec", json::object());
            Result<AppRef> app = applicationFromJson(object, fileName);
            if (!app) {
                x.note(QStringLiteral("a generated Application is not valid: %1")
                           .arg(app.error().shortMessage));
                continue;
            }
            AppRef a = std::move(app).value();
            if (a.appNamespace.isEmpty())
                a.appNamespace = strAt(md, "namespace");
            if (seen.contains(a.key())) // Argo CD refuses duplicates; keep the first
                continue;
            seen.insert(a.key());
            a.generatedBy = x.appSetName;
            a.generatorFiles = inputs[i];
            resolveClusterAndEnvironment(a, ctx.clusters);
            result.apps.push_back(std::move(a));
        }
    }
    result.notes = x.notes;
    return result;
}

} // namespace sextant::gitops
