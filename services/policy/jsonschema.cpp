#include "jsonschema.h"

#include <QRegularExpression>
#include <QStringList>

#include <cmath>
#include <cstdlib>
#include <unordered_map>

namespace sextant::policy {

namespace {

enum class JType { Null, Boolean, Integer, Number, String, Array, Object };

const char* typeName(JType t) {
    switch (t) {
    case JType::Null:
        return "null";
    case JType::Boolean:
        return "boolean";
    case JType::Integer:
        return "integer";
    case JType::Number:
        return "number";
    case JType::String:
        return "string";
    case JType::Array:
        return "array";
    case JType::Object:
        break;
    }
    return "object";
}

bool parseNumber(const std::string& s, double& out) {
    static const QRegularExpression re(
        QStringLiteral("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$"));
    if (s.empty() || !re.match(QString::fromStdString(s)).hasMatch())
        return false;
    out = std::strtod(s.c_str(), nullptr);
    return true;
}

// The JSON type of a YAML node (YAML 1.2 core schema for plain scalars).
JType typeOf(const YNode& n, double* number = nullptr) {
    switch (n.type) {
    case YNode::Type::Null:
        return JType::Null;
    case YNode::Type::Map:
        return JType::Object;
    case YNode::Type::Seq:
        return JType::Array;
    case YNode::Type::Scalar:
        break;
    }
    if (n.quoted)
        return JType::String;
    const std::string& s = n.scalar;
    if (s == "null" || s == "Null" || s == "NULL" || s == "~")
        return JType::Null;
    bool b = false;
    if (n.asBool(b))
        return JType::Boolean;
    double d = 0;
    if (parseNumber(s, d)) {
        if (number)
            *number = d;
        return std::floor(d) == d && std::isfinite(d) ? JType::Integer : JType::Number;
    }
    return JType::String;
}

bool isNumeric(JType t) {
    return t == JType::Integer || t == JType::Number;
}

bool deepEqual(const YNode& a, const YNode& b) {
    double da = 0, db = 0;
    const JType ta = typeOf(a, &da);
    const JType tb = typeOf(b, &db);
    if (isNumeric(ta) && isNumeric(tb))
        return da == db;
    if (ta != tb)
        return false;
    switch (ta) {
    case JType::Null:
        return true;
    case JType::Boolean: {
        bool x = false, y = false;
        a.asBool(x);
        b.asBool(y);
        return x == y;
    }
    case JType::String:
        return a.scalar == b.scalar;
    case JType::Array:
        if (a.seq.size() != b.seq.size())
            return false;
        for (std::size_t i = 0; i < a.seq.size(); ++i)
            if (!deepEqual(a.seq[i], b.seq[i]))
                return false;
        return true;
    case JType::Object:
        if (a.map.size() != b.map.size())
            return false;
        for (const auto& [k, v] : a.map) {
            const YNode* o = b.get(k);
            if (!o || !deepEqual(v, *o))
                return false;
        }
        return true;
    default:
        return false;
    }
}

QString shownValue(const YNode& n) {
    switch (n.type) {
    case YNode::Type::Scalar:
        return QString::fromStdString(n.scalar);
    case YNode::Type::Map:
        return QStringLiteral("an object");
    case YNode::Type::Seq:
        return QStringLiteral("an array");
    case YNode::Type::Null:
        break;
    }
    return QStringLiteral("null");
}

const char* const kKeywords[] = {"$schema",
                                 "$id",
                                 "$comment",
                                 "$anchor",
                                 "title",
                                 "description",
                                 "default",
                                 "examples",
                                 "$defs",
                                 "definitions",
                                 "$ref",
                                 "type",
                                 "properties",
                                 "required",
                                 "const",
                                 "enum",
                                 "pattern",
                                 "not",
                                 "allOf",
                                 "anyOf",
                                 "oneOf",
                                 "items",
                                 "contains",
                                 "uniqueItems",
                                 "minimum",
                                 "maximum",
                                 "exclusiveMinimum",
                                 "exclusiveMaximum",
                                 "minLength",
                                 "maxLength",
                                 "minItems",
                                 "maxItems",
                                 "minProperties",
                                 "maxProperties",
                                 "additionalProperties",
                                 "propertyNames",
                                 "patternProperties",
                                 "resourceMinimum",
                                 "resourceMaximum",
                                 "format",
                                 "deprecated",
                                 "readOnly",
                                 "writeOnly"};

bool knownKeyword(const std::string& k) {
    for (const char* kw : kKeywords)
        if (k == kw)
            return true;
    return false;
}

struct SchemaError {
    int line;
    QString what;
};

} // namespace

bool parseQuantity(const std::string& text, double& out) {
    static const QRegularExpression re(QStringLiteral(
        "^([-+]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(?:[eE]([-+]?[0-9]+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|"
        "k|M|G|T|P|E)?$"));
    const auto m = re.match(QString::fromStdString(text));
    if (!m.hasMatch())
        return false;
    double v = m.captured(1).toDouble();
    if (m.capturedLength(2) > 0)
        v *= std::pow(10.0, m.captured(2).toDouble());
    static const std::unordered_map<std::string, double> suffixes = {{"Ki", 1024.0},
                                                                     {"Mi", std::pow(1024.0, 2)},
                                                                     {"Gi", std::pow(1024.0, 3)},
                                                                     {"Ti", std::pow(1024.0, 4)},
                                                                     {"Pi", std::pow(1024.0, 5)},
                                                                     {"Ei", std::pow(1024.0, 6)},
                                                                     {"n", 1e-9},
                                                                     {"u", 1e-6},
                                                                     {"m", 1e-3},
                                                                     {"k", 1e3},
                                                                     {"M", 1e6},
                                                                     {"G", 1e9},
                                                                     {"T", 1e12},
                                                                     {"P", 1e15},
                                                                     {"E", 1e18}};
    if (m.capturedLength(3) > 0)
        v *= suffixes.at(m.captured(3).toStdString());
    out = v;
    return true;
}

struct JsonSchema::Compiled {
    YNode root;
    std::unordered_map<const YNode*, QRegularExpression> patterns;
    // patternProperties: the compiled key pattern of each sub-schema
    std::unordered_map<const YNode*, QRegularExpression> keyPatterns;

    bool matchesPatternProperty(const YNode* pp, const std::string& key) const {
        if (!pp)
            return false;
        for (const auto& [pattern, sub] : pp->map) {
            const auto it = keyPatterns.find(&sub);
            if (it != keyPatterns.end() && it->second.match(QString::fromStdString(key)).hasMatch())
                return true;
        }
        return false;
    }

    const YNode* resolve(const std::string& ref) const {
        if (ref.rfind("#", 0) != 0)
            return nullptr;
        const YNode* n = &root;
        std::string rest = ref.substr(1);
        if (!rest.empty() && rest.front() == '/')
            rest.erase(0, 1);
        while (n && !rest.empty()) {
            const std::size_t slash = rest.find('/');
            std::string part = rest.substr(0, slash);
            // JSON Pointer escapes.
            for (std::size_t p; (p = part.find("~1")) != std::string::npos;)
                part.replace(p, 2, "/");
            for (std::size_t p; (p = part.find("~0")) != std::string::npos;)
                part.replace(p, 2, "~");
            n = n->get(part);
            rest = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
        }
        return n;
    }

    void check(const YNode& s) {
        if (s.type == YNode::Type::Scalar) {
            bool b = false;
            if (s.asBool(b))
                return; // true / false schemas
            throw SchemaError{s.line, QStringLiteral("a schema must be an object or a boolean")};
        }
        if (!s.isMap())
            throw SchemaError{s.line, QStringLiteral("a schema must be an object or a boolean")};
        for (const auto& [k, v] : s.map) {
            if (!knownKeyword(k))
                throw SchemaError{v.displayLine(),
                                  QStringLiteral("unsupported JSON Schema keyword '%1'")
                                      .arg(QString::fromStdString(k))};
            if (k == "patternProperties") {
                if (!v.isMap())
                    throw SchemaError{v.displayLine(),
                                      QStringLiteral("'patternProperties' must be an object")};
                for (const auto& [pattern, sub] : v.map) {
                    QRegularExpression re(QString::fromStdString(pattern));
                    if (!re.isValid())
                        throw SchemaError{
                            sub.displayLine(),
                            QStringLiteral("invalid pattern '%1': %2")
                                .arg(QString::fromStdString(pattern), re.errorString())};
                    keyPatterns.emplace(&sub, std::move(re));
                    check(sub);
                }
            } else if (k == "properties" || k == "$defs" || k == "definitions") {
                if (!v.isMap())
                    throw SchemaError{
                        v.displayLine(),
                        QStringLiteral("'%1' must be an object").arg(QString::fromStdString(k))};
                for (const auto& [name, sub] : v.map)
                    check(sub);
            } else if (k == "not" || k == "items" || k == "contains" || k == "propertyNames" ||
                       (k == "additionalProperties" && v.isMap())) {
                if (k == "items" && v.isSeq()) {
                    for (const YNode& sub : v.seq)
                        check(sub);
                } else {
                    check(v);
                }
            } else if (k == "allOf" || k == "anyOf" || k == "oneOf") {
                if (!v.isSeq() || v.seq.empty())
                    throw SchemaError{v.displayLine(),
                                      QStringLiteral("'%1' must be a non-empty array")
                                          .arg(QString::fromStdString(k))};
                for (const YNode& sub : v.seq)
                    check(sub);
            } else if (k == "$ref") {
                if (!v.isScalar() || !resolve(v.scalar))
                    throw SchemaError{v.displayLine(),
                                      QStringLiteral("$ref '%1' does not resolve within the "
                                                     "document (only '#/...' references are "
                                                     "supported)")
                                          .arg(QString::fromStdString(v.scalar))};
            } else if (k == "pattern") {
                QRegularExpression re(QString::fromStdString(v.scalar));
                if (!v.isScalar() || !re.isValid())
                    throw SchemaError{v.displayLine(),
                                      QStringLiteral("invalid pattern '%1': %2")
                                          .arg(QString::fromStdString(v.scalar), re.errorString())};
                re.optimize();
                patterns.emplace(&v, std::move(re));
            } else if (k == "required" && !(v.isSeq() || v.type == YNode::Type::Null)) {
                throw SchemaError{v.displayLine(), QStringLiteral("'required' must be an array")};
            } else if (k == "enum" && !v.isSeq()) {
                throw SchemaError{v.displayLine(), QStringLiteral("'enum' must be an array")};
            } else if ((k == "resourceMinimum" || k == "resourceMaximum")) {
                double q = 0;
                if (!v.isScalar() || !parseQuantity(v.scalar, q))
                    throw SchemaError{
                        v.displayLine(),
                        QStringLiteral("'%1' must be a quantity").arg(QString::fromStdString(k))};
            }
        }
    }

    bool validate(const YNode& s, const YNode& in, const std::string& at, QString* why,
                  int depth) const {
        auto fail = [&](const QString& what) {
            if (why)
                *why = at.empty() ? what
                                  : QStringLiteral("%1: %2").arg(QString::fromStdString(at), what);
            return false;
        };
        if (depth > 64)
            return fail(QStringLiteral("$ref recursion too deep"));
        if (s.type == YNode::Type::Scalar) {
            bool b = true;
            s.asBool(b);
            return b ? true : fail(QStringLiteral("no value is allowed here"));
        }
        double number = 0;
        const JType t = typeOf(in, &number);
        for (const auto& [k, v] : s.map) {
            if (k == "$ref") {
                if (!validate(*resolve(v.scalar), in, at, why, depth + 1))
                    return false;
            } else if (k == "type") {
                bool ok = false;
                auto matches = [&](const std::string& name) {
                    return name == typeName(t) || (name == "number" && t == JType::Integer);
                };
                if (v.isSeq()) {
                    for (const YNode& n : v.seq)
                        ok = ok || matches(n.scalar);
                } else {
                    ok = matches(v.scalar);
                }
                if (!ok)
                    return fail(QStringLiteral("expected type %1, got %2")
                                    .arg(v.isSeq() ? QStringLiteral("one of the listed")
                                                   : QString::fromStdString(v.scalar),
                                         QLatin1String(typeName(t))));
            } else if (k == "const") {
                if (!deepEqual(v, in))
                    return fail(
                        QStringLiteral("expected %1, got %2").arg(shownValue(v), shownValue(in)));
            } else if (k == "enum") {
                bool ok = false;
                for (const YNode& n : v.seq)
                    ok = ok || deepEqual(n, in);
                if (!ok)
                    return fail(
                        QStringLiteral("%1 is not one of the allowed values").arg(shownValue(in)));
            } else if (k == "not") {
                if (validate(v, in, at, nullptr, depth + 1))
                    return fail(QStringLiteral("matches a schema it must not match"));
            } else if (k == "allOf") {
                for (const YNode& sub : v.seq)
                    if (!validate(sub, in, at, why, depth + 1))
                        return false;
            } else if (k == "anyOf") {
                bool ok = false;
                for (const YNode& sub : v.seq)
                    ok = ok || validate(sub, in, at, nullptr, depth + 1);
                if (!ok)
                    return fail(QStringLiteral("matches none of the anyOf alternatives"));
            } else if (k == "oneOf") {
                int count = 0;
                for (const YNode& sub : v.seq)
                    count += validate(sub, in, at, nullptr, depth + 1) ? 1 : 0;
                if (count != 1)
                    return fail(
                        QStringLiteral("matches %1 of the oneOf alternatives, not one").arg(count));
            } else if (t == JType::Object && k == "required") {
                for (const YNode& r : v.seq)
                    if (!in.get(r.scalar))
                        return fail(QStringLiteral("'%1' is required")
                                        .arg(QString::fromStdString(r.scalar)));
            } else if (t == JType::Object && k == "properties") {
                for (const auto& [name, sub] : v.map)
                    if (const YNode* child = in.get(name))
                        if (!validate(sub, *child, at + '/' + name, why, depth + 1))
                            return false;
            } else if (t == JType::Object && k == "patternProperties") {
                for (const auto& [name, child] : in.map) {
                    for (const auto& [pattern, sub] : v.map) {
                        const auto it = keyPatterns.find(&sub);
                        if (it != keyPatterns.end() &&
                            it->second.match(QString::fromStdString(name)).hasMatch() &&
                            !validate(sub, child, at + '/' + name, why, depth + 1))
                            return false;
                    }
                }
            } else if (t == JType::Object && k == "propertyNames") {
                for (const auto& [name, child] : in.map) {
                    YNode key = YNode::makeScalar(name);
                    key.quoted = true; // a key is always a string
                    if (!validate(v, key, at + '/' + name, why, depth + 1))
                        return false;
                }
            } else if (t == JType::Object && k == "additionalProperties") {
                const YNode* props = s.get("properties");
                for (const auto& [name, child] : in.map) {
                    if ((props && props->get(name)) ||
                        matchesPatternProperty(s.get("patternProperties"), name))
                        continue;
                    if (!validate(v, child, at + '/' + name, why, depth + 1))
                        return false;
                }
            } else if (t == JType::Object && (k == "minProperties" || k == "maxProperties")) {
                long long n = 0;
                v.asInt(n);
                const long long size = static_cast<long long>(in.map.size());
                if (k == "minProperties" ? size < n : size > n)
                    return fail(QStringLiteral("has %1 properties, %2 %3")
                                    .arg(size)
                                    .arg(k == "minProperties" ? QStringLiteral("at least")
                                                              : QStringLiteral("at most"))
                                    .arg(n));
            } else if (t == JType::Array && k == "items") {
                for (std::size_t i = 0; i < in.seq.size(); ++i) {
                    const YNode* sub = v.isSeq() ? (i < v.seq.size() ? &v.seq[i] : nullptr) : &v;
                    if (sub &&
                        !validate(*sub, in.seq[i], at + '/' + std::to_string(i), why, depth + 1))
                        return false;
                }
            } else if (t == JType::Array && k == "contains") {
                bool ok = false;
                for (const YNode& item : in.seq)
                    ok = ok || validate(v, item, at, nullptr, depth + 1);
                if (!ok)
                    return fail(QStringLiteral("no item matches 'contains'"));
            } else if (t == JType::Array && (k == "minItems" || k == "maxItems")) {
                long long n = 0;
                v.asInt(n);
                const long long size = static_cast<long long>(in.seq.size());
                if (k == "minItems" ? size < n : size > n)
                    return fail(QStringLiteral("has %1 items, %2 %3")
                                    .arg(size)
                                    .arg(k == "minItems" ? QStringLiteral("at least")
                                                         : QStringLiteral("at most"))
                                    .arg(n));
            } else if (t == JType::Array && k == "uniqueItems") {
                bool unique = false;
                if (v.asBool(unique) && unique) {
                    for (std::size_t i = 0; i < in.seq.size(); ++i)
                        for (std::size_t j = i + 1; j < in.seq.size(); ++j)
                            if (deepEqual(in.seq[i], in.seq[j]))
                                return fail(
                                    QStringLiteral("items %1 and %2 are equal").arg(i).arg(j));
                }
            } else if (t == JType::String && (k == "minLength" || k == "maxLength")) {
                long long n = 0;
                v.asInt(n);
                const long long size = QString::fromStdString(in.scalar).size();
                if (k == "minLength" ? size < n : size > n)
                    return fail(QStringLiteral("'%1' is %2 characters long, %3 %4")
                                    .arg(QString::fromStdString(in.scalar))
                                    .arg(size)
                                    .arg(k == "minLength" ? QStringLiteral("at least")
                                                          : QStringLiteral("at most"))
                                    .arg(n));
            } else if (t == JType::String && k == "pattern") {
                const auto it = patterns.find(&v);
                if (it != patterns.end() &&
                    !it->second.match(QString::fromStdString(in.scalar)).hasMatch())
                    return fail(QStringLiteral("'%1' does not match /%2/")
                                    .arg(QString::fromStdString(in.scalar),
                                         QString::fromStdString(v.scalar)));
            } else if (isNumeric(t) && (k == "minimum" || k == "maximum" ||
                                        k == "exclusiveMinimum" || k == "exclusiveMaximum")) {
                double limit = 0;
                if (!parseNumber(v.scalar, limit))
                    continue;
                const bool ok = k == "minimum"            ? number >= limit
                                : k == "maximum"          ? number <= limit
                                : k == "exclusiveMinimum" ? number > limit
                                                          : number < limit;
                if (!ok)
                    return fail(QStringLiteral("%1 violates %2 %3")
                                    .arg(shownValue(in), QString::fromStdString(k),
                                         QString::fromStdString(v.scalar)));
            } else if ((t == JType::String || isNumeric(t)) &&
                       (k == "resourceMinimum" || k == "resourceMaximum")) {
                double have = 0, limit = 0;
                parseQuantity(v.scalar, limit);
                if (!parseQuantity(in.scalar, have))
                    return fail(QStringLiteral("'%1' is not a quantity").arg(shownValue(in)));
                if (k == "resourceMinimum" ? have < limit : have > limit)
                    return fail(QStringLiteral("%1 is %2 than %3")
                                    .arg(shownValue(in),
                                         k == "resourceMinimum" ? QStringLiteral("less")
                                                                : QStringLiteral("more"),
                                         QString::fromStdString(v.scalar)));
            }
        }
        return true;
    }
};

Result<JsonSchema> JsonSchema::compile(const YNode& schema, const QString& sourceName) {
    auto d = std::make_shared<Compiled>();
    d->root = schema;
    try {
        d->check(d->root);
    } catch (const SchemaError& e) {
        return Error::make(Error::Kind::Config, QStringLiteral("invalid JSON Schema"),
                           QStringLiteral("%1:%2: %3").arg(sourceName).arg(e.line).arg(e.what));
    }
    JsonSchema s;
    s.m_d = std::move(d);
    return s;
}

bool JsonSchema::validate(const YNode& instance, QString* why) const {
    return m_d->validate(m_d->root, instance, std::string(), why, 0);
}

} // namespace sextant::policy
