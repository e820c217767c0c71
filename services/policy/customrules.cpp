// Custom rules in YAML (docs/policy.md, "Custom rules"): parsed once into a small condition
// tree, evaluated by the "custom" check against the object, its pod spec or each container.

#include "customrules.h"

#include "policy/checks.h"
#include "policy/jsonschema.h"

#include <QFile>
#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace sextant::policy {

namespace {

struct RuleError {
    int line;
    QString what;
};

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

void onlyKeys(const YNode& map, std::initializer_list<const char*> allowed, const char* where) {
    for (const auto& [key, value] : map.map) {
        const bool known =
            std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; });
        if (!known) {
            QStringList names;
            for (const char* a : allowed)
                names << QLatin1String(a);
            throw RuleError{
                value.displayLine(),
                QStringLiteral("unknown key '%1' in %2 (known: %3)")
                    .arg(q(key), QLatin1String(where), names.join(QStringLiteral(", ")))};
        }
    }
}

std::string requiredScalar(const YNode& map, const char* key, const char* where) {
    const YNode* v = map.get(key);
    if (!v)
        throw RuleError{
            map.line,
            QStringLiteral("%1 needs '%2'").arg(QLatin1String(where), QLatin1String(key))};
    if (!v->isScalar() || v->scalar.empty())
        throw RuleError{v->displayLine(),
                        QStringLiteral("'%1' must be a non-empty text").arg(QLatin1String(key))};
    return v->scalar;
}

std::vector<std::string> scalarList(const YNode& n, const char* key) {
    std::vector<std::string> out;
    if (n.isScalar()) {
        out.push_back(n.scalar);
        return out;
    }
    if (!n.isSeq())
        throw RuleError{n.displayLine(),
                        QStringLiteral("'%1' must be a list of texts").arg(QLatin1String(key))};
    for (const YNode& i : n.seq) {
        if (!i.isScalar())
            throw RuleError{i.line,
                            QStringLiteral("'%1' must be a list of texts").arg(QLatin1String(key))};
        out.push_back(i.scalar);
    }
    return out;
}

// ---- field paths ------------------------------------------------------------------------------

// `spec.replicas`, `containers[0].image`, `metadata.labels["app.kubernetes.io/name"]`,
// `ports[*].hostPort` (every item of the list).
enum class Step { Key, Index, Every };

struct FieldPath {
    QString text;
    std::vector<std::string> parts; // keys, decimal indices for [N], "*" for [*]
    std::vector<Step> steps;
    bool hasEvery = false;
};

FieldPath parseFieldPath(const std::string& text, int line) {
    FieldPath p;
    p.text = q(text);
    std::size_t i = 0;
    auto bad = [&](const char* what) {
        throw RuleError{
            line, QStringLiteral("invalid field path '%1': %2").arg(q(text), QLatin1String(what))};
    };
    if (text.empty())
        bad("empty");
    while (i < text.size()) {
        if (text[i] == '[') {
            const std::size_t close = text.find(']', i);
            if (close == std::string::npos)
                bad("unclosed '['");
            std::string inner = text.substr(i + 1, close - i - 1);
            if (inner.size() >= 2 && (inner.front() == '"' || inner.front() == '\'') &&
                inner.back() == inner.front()) {
                p.parts.push_back(inner.substr(1, inner.size() - 2));
                p.steps.push_back(Step::Key);
            } else if (inner == "*") {
                p.parts.push_back(inner);
                p.steps.push_back(Step::Every);
                p.hasEvery = true;
            } else if (!inner.empty() && std::all_of(inner.begin(), inner.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; })) {
                if (inner.size() > 9)
                    bad("list index too large");
                p.parts.push_back(inner);
                p.steps.push_back(Step::Index);
            } else {
                bad("'[...]' holds a list index, * or a quoted key");
            }
            i = close + 1;
            if (i < text.size() && text[i] == '.')
                ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && text[end] != '.' && text[end] != '[')
            ++end;
        if (end == i)
            bad("empty part");
        p.parts.push_back(text.substr(i, end - i));
        p.steps.push_back(Step::Key);
        i = end;
        if (i < text.size() && text[i] == '.') {
            ++i;
            if (i == text.size())
                bad("ends with '.'");
        }
    }
    return p;
}

// A value the path reaches (null when absent) and its concrete path (indices for [*]).
struct Hit {
    const YNode* node = nullptr;
    std::vector<std::string> parts;
};

// Every value the path reaches: one for a path without [*] (absent or not); one per list item
// for [*] (none when the list is absent or empty).
void collect(const YNode* n, const FieldPath& p, std::size_t i, std::vector<std::string>& parts,
             std::vector<Hit>& out) {
    if (i == p.parts.size()) {
        out.push_back({n && n->type != YNode::Type::Null ? n : nullptr, parts});
        return;
    }
    const YNode* next = nullptr;
    switch (p.steps[i]) {
    case Step::Every:
        if (!n || !n->isSeq())
            return;
        for (std::size_t idx = 0; idx < n->seq.size(); ++idx) {
            parts.push_back(std::to_string(idx));
            collect(&n->seq[idx], p, i + 1, parts, out);
            parts.pop_back();
        }
        return;
    case Step::Index: {
        const std::size_t idx = std::stoul(p.parts[i]);
        next = n && n->isSeq() && idx < n->seq.size() ? &n->seq[idx] : nullptr;
        break;
    }
    case Step::Key:
        next = n ? n->get(p.parts[i]) : nullptr;
        break;
    }
    parts.push_back(p.parts[i]);
    collect(next, p, i + 1, parts, out);
    parts.pop_back();
}

// A concrete path as a reader writes it: "ports[1].hostPort", 'labels["a/b"]'.
QString pathText(const FieldPath& p, const std::vector<std::string>& parts) {
    if (!p.hasEvery)
        return p.text;
    QString out;
    for (std::size_t i = 0; i < parts.size() && i < p.steps.size(); ++i) {
        const QString part = q(parts[i]);
        if (p.steps[i] != Step::Key)
            out += QLatin1Char('[') + part + QLatin1Char(']');
        else if (part.contains(QLatin1Char('.')) || part.contains(QLatin1Char('/')))
            out += QStringLiteral("[\"%1\"]").arg(part);
        else
            out += (out.isEmpty() ? QString() : QStringLiteral(".")) + part;
    }
    return out;
}

// The engine's '/'-separated path from the object root; a key containing '/' cannot be written
// that way, so the path stops before it (its parent's line is reported).
std::string slashPath(const std::string& prefix, const std::vector<std::string>& parts) {
    std::string out = prefix;
    for (const std::string& part : parts) {
        if (part.find('/') != std::string::npos)
            break;
        if (!out.empty())
            out += '/';
        out += part;
    }
    return out;
}

// ---- values -----------------------------------------------------------------------------------

bool asNumber(const YNode& n, double& out) {
    if (!n.isScalar())
        return false;
    return parseQuantity(n.scalar, out);
}

// Scalars compare as numbers when both are numbers (or quantities), as booleans when both are
// booleans, else as text.
bool scalarEquals(const YNode& actual, const YNode& expected) {
    if (!actual.isScalar())
        return false;
    double a = 0, b = 0;
    if (!actual.quoted && !expected.quoted && asNumber(actual, a) && asNumber(expected, b))
        return a == b;
    bool x = false, y = false;
    if (actual.asBool(x) && expected.asBool(y))
        return x == y;
    return actual.scalar == expected.scalar;
}

QString shown(const YNode* n) {
    if (!n)
        return QStringLiteral("absent");
    if (n->isScalar())
        return q(n->scalar);
    return n->isMap() ? QStringLiteral("a map") : QStringLiteral("a list");
}

// ---- conditions -------------------------------------------------------------------------------

enum class Op {
    All,
    Any,
    Not,
    Some, // `some: LIST, where: ...`: at least one item of the list satisfies `where`
    Exists,
    Absent,
    Equals,
    NotEquals,
    In,
    NotIn,
    Matches,
    LessThan,
    GreaterThan
};

struct Condition {
    Op op = Op::All;
    FieldPath field;
    std::vector<YNode> values; // equals/notEquals: one; in/notIn: the list
    std::optional<YNode> defaultValue;
    QRegularExpression re;
    double number = 0;
    std::vector<Condition> children; // all/any/not; for `some`, the `where` conditions (all)
    int line = 0;
};

// Why a target failed: the field of the deciding leaf condition.
struct Blame {
    const FieldPath* field = nullptr;
    std::vector<std::string> parts; // the concrete path of the deciding value
    QString actual;
    QString expected;
    // A path built while evaluating (`some`: the list's path, the item's index and the path
    // inside the item); `field` points into it then.
    std::shared_ptr<const FieldPath> owned;
};

const std::pair<const char*, Op> kLeafOps[] = {{"exists", Op::Exists},
                                               {"absent", Op::Absent},
                                               {"equals", Op::Equals},
                                               {"notEquals", Op::NotEquals},
                                               {"in", Op::In},
                                               {"notIn", Op::NotIn},
                                               {"matches", Op::Matches},
                                               {"lessThan", Op::LessThan},
                                               {"greaterThan", Op::GreaterThan}};

Condition parseCondition(const YNode& n);

std::vector<Condition> parseList(const YNode& n, const char* key) {
    if (!n.isSeq() || n.seq.empty())
        throw RuleError{
            n.displayLine(),
            QStringLiteral("'%1' must be a non-empty list of conditions").arg(QLatin1String(key))};
    std::vector<Condition> out;
    for (const YNode& c : n.seq)
        out.push_back(parseCondition(c));
    return out;
}

Condition parseCondition(const YNode& n) {
    if (!n.isMap())
        throw RuleError{n.line, QStringLiteral("a condition must be a map")};
    Condition c;
    c.line = n.line;
    if (const YNode* all = n.get("all")) {
        onlyKeys(n, {"all"}, "an 'all' condition");
        c.op = Op::All;
        c.children = parseList(*all, "all");
        return c;
    }
    if (const YNode* any = n.get("any")) {
        onlyKeys(n, {"any"}, "an 'any' condition");
        c.op = Op::Any;
        c.children = parseList(*any, "any");
        return c;
    }
    if (const YNode* list = n.get("some")) {
        onlyKeys(n, {"some", "where"}, "a 'some' condition");
        if (!list->isScalar() || list->scalar.empty())
            throw RuleError{list->displayLine(),
                            QStringLiteral("'some' names a list field, e.g. some: ports")};
        c.op = Op::Some;
        c.field = parseFieldPath(list->scalar, list->displayLine());
        const YNode* where = n.get("where");
        if (!where)
            throw RuleError{n.line, QStringLiteral("'some: %1' needs 'where': the conditions "
                                                   "one item must satisfy")
                                        .arg(c.field.text)};
        if (where->isSeq())
            c.children = parseList(*where, "where");
        else
            c.children.push_back(parseCondition(*where));
        return c;
    }
    if (const YNode* inner = n.get("not")) {
        onlyKeys(n, {"not"}, "a 'not' condition");
        c.op = Op::Not;
        c.children.push_back(parseCondition(*inner));
        return c;
    }
    onlyKeys(n,
             {"field", "default", "exists", "absent", "equals", "notEquals", "in", "notIn",
              "matches", "lessThan", "greaterThan"},
             "a condition");
    c.field = parseFieldPath(requiredScalar(n, "field", "a condition"), n.line);
    const YNode* opNode = nullptr;
    for (const auto& [name, op] : kLeafOps) {
        if (const YNode* v = n.get(name)) {
            if (opNode)
                throw RuleError{v->displayLine(),
                                QStringLiteral("a condition has one operator (exists, absent, "
                                               "equals, notEquals, in, notIn, matches, lessThan, "
                                               "greaterThan)")};
            opNode = v;
            c.op = op;
        }
    }
    if (!opNode)
        throw RuleError{n.line, QStringLiteral("condition on '%1' needs an operator (exists, "
                                               "absent, equals, notEquals, in, notIn, matches, "
                                               "lessThan, greaterThan)")
                                    .arg(c.field.text)};
    if (const YNode* d = n.get("default")) {
        if (!d->isScalar())
            throw RuleError{d->displayLine(), QStringLiteral("'default' must be a scalar")};
        c.defaultValue = *d;
    }
    const int line = opNode->displayLine();
    switch (c.op) {
    case Op::Exists:
    case Op::Absent: {
        bool b = false;
        if (!opNode->asBool(b))
            throw RuleError{line, QStringLiteral("'exists' and 'absent' take true or false")};
        if (!b)
            c.op = c.op == Op::Exists ? Op::Absent : Op::Exists;
        break;
    }
    case Op::Equals:
    case Op::NotEquals:
        if (!opNode->isScalar())
            throw RuleError{line, QStringLiteral("'equals' and 'notEquals' compare with a "
                                                 "scalar value")};
        c.values.push_back(*opNode);
        break;
    case Op::In:
    case Op::NotIn:
        if (!opNode->isSeq() || opNode->seq.empty())
            throw RuleError{line, QStringLiteral("'in' and 'notIn' take a non-empty list")};
        for (const YNode& v : opNode->seq) {
            if (!v.isScalar())
                throw RuleError{v.line, QStringLiteral("'in' and 'notIn' list scalar values")};
            c.values.push_back(v);
        }
        break;
    case Op::Matches:
        c.re = QRegularExpression(q(opNode->scalar));
        if (!opNode->isScalar() || !c.re.isValid())
            throw RuleError{line, QStringLiteral("invalid regular expression '%1': %2")
                                      .arg(q(opNode->scalar), c.re.errorString())};
        c.re.optimize();
        break;
    case Op::LessThan:
    case Op::GreaterThan:
        if (!asNumber(*opNode, c.number))
            throw RuleError{line, QStringLiteral("'lessThan' and 'greaterThan' take a number "
                                                 "or a quantity such as 500m or 2Gi, not '%1'")
                                      .arg(shown(opNode))};
        c.values.push_back(*opNode);
        break;
    default:
        break;
    }
    return c;
}

QString expectedText(const Condition& c) {
    QStringList vals;
    for (const YNode& v : c.values)
        vals << q(v.scalar);
    switch (c.op) {
    case Op::Exists:
        return QStringLiteral("set");
    case Op::Absent:
        return QStringLiteral("absent");
    case Op::Equals:
        return vals.value(0);
    case Op::NotEquals:
        return QStringLiteral("not %1").arg(vals.value(0));
    case Op::In:
        return QStringLiteral("one of %1").arg(vals.join(QStringLiteral(", ")));
    case Op::NotIn:
        return QStringLiteral("none of %1").arg(vals.join(QStringLiteral(", ")));
    case Op::Matches:
        return QStringLiteral("matching /%1/").arg(c.re.pattern());
    case Op::LessThan:
        return QStringLiteral("less than %1").arg(vals.value(0));
    case Op::GreaterThan:
        return QStringLiteral("greater than %1").arg(vals.value(0));
    default:
        return {};
    }
}

bool holds(const Condition& c, const YNode* v) {
    switch (c.op) {
    case Op::Exists:
        return v != nullptr;
    case Op::Absent:
        return v == nullptr;
    case Op::Equals:
        return v && scalarEquals(*v, c.values.front());
    case Op::NotEquals:
        return !v || !scalarEquals(*v, c.values.front());
    case Op::In:
    case Op::NotIn: {
        bool found = false;
        for (const YNode& e : c.values)
            found = found || (v && scalarEquals(*v, e));
        return c.op == Op::In ? found : !found;
    }
    case Op::Matches:
        return v && v->isScalar() && c.re.match(q(v->scalar)).hasMatch();
    case Op::LessThan:
    case Op::GreaterThan: {
        double n = 0;
        if (!v || !asNumber(*v, n))
            return false;
        return c.op == Op::LessThan ? n < c.number : n > c.number;
    }
    default:
        return false;
    }
}

bool evaluate(const Condition& c, const YNode& target, Blame& blame);

// "an item where containerPort is 22 and protocol is TCP" (`some` when no item matched).
QString someExpected(const Condition& c) {
    QStringList parts;
    for (const Condition& child : c.children) {
        if (child.op == Op::All || child.op == Op::Any || child.op == Op::Not ||
            child.op == Op::Some)
            return QStringLiteral("an item matching the rule's conditions");
        parts << QStringLiteral("%1 is %2").arg(child.field.text, expectedText(child));
    }
    return QStringLiteral("an item where %1").arg(parts.join(QStringLiteral(" and ")));
}

// `some`: true when one item of the list (of every list the path reaches) satisfies all the
// `where` conditions. The blame is then that item's deciding value (for `not: {some: ...}`:
// "ports[1].containerPort is 22, expected not 22"); otherwise the list itself.
bool evaluateSome(const Condition& c, const YNode& target, Blame& blame) {
    std::vector<Hit> hits;
    std::vector<std::string> parts;
    collect(&target, c.field, 0, parts, hits);
    int items = 0;
    for (const Hit& hit : hits) {
        if (!hit.node || !hit.node->isSeq())
            continue;
        for (std::size_t idx = 0; idx < hit.node->seq.size(); ++idx) {
            ++items;
            // When the item matches, its first condition names it ("ports[0].containerPort").
            Blame inner;
            bool all = true;
            for (std::size_t i = 0; i < c.children.size() && all; ++i) {
                Blame b;
                all = evaluate(c.children[i], hit.node->seq[idx], b);
                if (i == 0)
                    inner = b;
            }
            if (!all)
                continue;
            auto path = std::make_shared<FieldPath>();
            path->hasEvery = true; // shown from the concrete parts
            path->parts = hit.parts;
            for (std::size_t i = 0; i < hit.parts.size(); ++i)
                path->steps.push_back(c.field.steps[i] == Step::Key ? Step::Key : Step::Index);
            path->parts.push_back(std::to_string(idx));
            path->steps.push_back(Step::Index);
            if (inner.field) {
                for (std::size_t i = 0; i < inner.parts.size(); ++i) {
                    path->parts.push_back(inner.parts[i]);
                    const bool key =
                        i < inner.field->steps.size() ? inner.field->steps[i] == Step::Key : true;
                    path->steps.push_back(key ? Step::Key : Step::Index);
                }
            }
            path->text = pathText(*path, path->parts);
            blame.owned = path;
            blame.field = path.get();
            blame.parts = path->parts;
            blame.actual = inner.field ? inner.actual : QStringLiteral("an item");
            blame.expected = inner.field ? inner.expected : someExpected(c);
            return true;
        }
    }
    blame.owned.reset();
    blame.field = &c.field;
    blame.parts = c.field.parts;
    for (const Hit& hit : hits)
        if (hit.node) {
            blame.parts = hit.parts;
            break;
        }
    const bool anyList = std::any_of(hits.begin(), hits.end(),
                                     [](const Hit& h) { return h.node && h.node->isSeq(); });
    blame.actual = items > 0
                       ? QStringLiteral("%1 %2, none matching")
                             .arg(items)
                             .arg(items == 1 ? QStringLiteral("item") : QStringLiteral("items"))
                   : anyList ? QStringLiteral("an empty list")
                             : QStringLiteral("absent");
    blame.expected = someExpected(c);
    return false;
}

bool evaluate(const Condition& c, const YNode& target, Blame& blame) {
    switch (c.op) {
    case Op::Some:
        return evaluateSome(c, target, blame);
    case Op::All:
        for (const Condition& child : c.children)
            if (!evaluate(child, target, blame))
                return false;
        return true;
    case Op::Any: {
        Blame first;
        for (std::size_t i = 0; i < c.children.size(); ++i) {
            Blame b;
            if (evaluate(c.children[i], target, b)) {
                blame = b;
                return true;
            }
            if (i == 0)
                first = b;
        }
        blame = first;
        return false;
    }
    case Op::Not: {
        const bool inner = evaluate(c.children.front(), target, blame);
        if (inner)
            blame.expected = QStringLiteral("not %1").arg(blame.expected);
        return !inner;
    }
    default:
        break;
    }
    std::vector<Hit> hits;
    std::vector<std::string> parts;
    collect(&target, c.field, 0, parts, hits);
    blame.field = &c.field;
    blame.parts = c.field.parts;
    blame.expected = expectedText(c);
    blame.actual = QStringLiteral("absent");
    // With [*] the condition must hold for every item; the first item that fails decides.
    for (const Hit& hit : hits) {
        const YNode* v = hit.node;
        if (!v && c.defaultValue)
            v = &*c.defaultValue;
        blame.parts = hit.parts;
        blame.actual = shown(v);
        if (!holds(c, v))
            return false;
    }
    return true;
}

// ---- the rule ---------------------------------------------------------------------------------

enum class Target { Object, PodSpec, Container };

struct Kind {
    bool anyGroup = true;
    std::string group;
    std::string kind;
};

struct LabelMatch {
    std::string key;
    std::optional<std::string> value; // none: the key must exist
    bool negate = false;              // "!key": the key must not exist
};

const char* const kEnvironmentLabels[] = {"env", "environment", "app.kubernetes.io/environment"};

class YamlRule final : public CustomCheck {
public:
    std::vector<Kind> kinds;
    std::vector<QRegularExpression> namespaces;
    std::vector<QRegularExpression> excludeNamespaces;
    std::vector<LabelMatch> labels;
    std::vector<std::string> environments;
    Target target = Target::Object;
    std::vector<std::string> containerTypes;
    Condition conditions;
    QString message;
    std::optional<FieldPath> fixField;
    std::string fixValue;

    void evaluate(const Rule& rule, const ObjectView& v, const ObjectSet&,
                  std::vector<Finding>& out) const override {
        if (!matches(v))
            return;
        switch (target) {
        case Target::Object:
            check(rule, v, *v.obj->root, std::string(), nullptr, out);
            break;
        case Target::PodSpec:
            if (v.podSpec)
                check(rule, v, *v.podSpec, v.podSpecPath, nullptr, out);
            break;
        case Target::Container:
            for (const ContainerView& c : v.containers) {
                if (!containerTypes.empty() &&
                    std::find(containerTypes.begin(), containerTypes.end(), c.type) ==
                        containerTypes.end())
                    continue;
                check(rule, v, *c.node, c.path, &c, out);
            }
            break;
        }
    }

private:
    bool matches(const ObjectView& v) const {
        const KubeObject& o = *v.obj;
        if (!kinds.empty()) {
            const std::size_t slash = o.apiVersion.find('/');
            const std::string group =
                slash == std::string::npos ? std::string() : o.apiVersion.substr(0, slash);
            const bool ok = std::any_of(kinds.begin(), kinds.end(), [&](const Kind& k) {
                return k.kind == o.kind && (k.anyGroup || k.group == group);
            });
            if (!ok)
                return false;
        }
        const QString ns = namespaces.empty() && excludeNamespaces.empty() ? QString() : q(o.ns);
        if (!namespaces.empty() &&
            std::none_of(namespaces.begin(), namespaces.end(),
                         [&](const QRegularExpression& re) { return re.match(ns).hasMatch(); }))
            return false;
        if (std::any_of(excludeNamespaces.begin(), excludeNamespaces.end(),
                        [&](const QRegularExpression& re) { return re.match(ns).hasMatch(); }))
            return false;
        const YNode* objLabels = o.root->path("metadata/labels");
        for (const LabelMatch& l : labels) {
            const YNode* have = objLabels ? objLabels->get(l.key) : nullptr;
            if (l.negate ? have != nullptr
                         : (!have || (l.value && (!have->isScalar() || have->scalar != *l.value))))
                return false;
        }
        if (!environments.empty() && !inEnvironment(o, objLabels))
            return false;
        return true;
    }

    // The environment from the env label, else a part of the file path (overlays/prod/...),
    // else a '-'/'.' separated part of the namespace (shop-prod).
    bool inEnvironment(const KubeObject& o, const YNode* objLabels) const {
        auto listed = [&](const std::string& e) {
            return std::find(environments.begin(), environments.end(), e) != environments.end();
        };
        for (const char* key : kEnvironmentLabels) {
            if (const YNode* l = objLabels ? objLabels->get(key) : nullptr; l && l->isScalar())
                return listed(l->scalar);
        }
        const QStringList segments = o.file.split(QLatin1Char('/'), Qt::SkipEmptyParts);
        for (const QString& s : segments)
            if (listed(s.toStdString()))
                return true;
        for (const KubeObject::Source& s : o.sources)
            for (const QString& part : s.file.split(QLatin1Char('/'), Qt::SkipEmptyParts))
                if (listed(part.toStdString()))
                    return true;
        static const QRegularExpression sep(QStringLiteral("[-.]"));
        for (const QString& part : q(o.ns).split(sep, Qt::SkipEmptyParts))
            if (listed(part.toStdString()))
                return true;
        return false;
    }

    void check(const Rule& rule, const ObjectView& v, const YNode& node, const std::string& prefix,
               const ContainerView* c, std::vector<Finding>& out) const {
        Blame blame;
        if (::sextant::policy::evaluate(conditions, node, blame))
            return;
        Finding f;
        f.path = blame.field ? slashPath(prefix, blame.parts) : prefix;
        if (c)
            f.container = q(c->name);
        QString text = message;
        const KubeObject& o = *v.obj;
        text.replace(QStringLiteral("{{field}}"),
                     blame.field ? pathText(*blame.field, blame.parts) : QString())
            .replace(QStringLiteral("{{value}}"), blame.actual)
            .replace(QStringLiteral("{{expected}}"), blame.expected)
            .replace(QStringLiteral("{{kind}}"), q(o.kind))
            .replace(QStringLiteral("{{name}}"), q(o.name))
            .replace(QStringLiteral("{{namespace}}"), q(o.ns))
            .replace(QStringLiteral("{{container}}"), c ? q(c->name) : QString())
            .replace(QStringLiteral("{{rule}}"), rule.id);
        f.message = text;
        if (fixField) {
            f.fixPath = slashPath(prefix, fixField->parts);
            f.fixValue = fixValue;
        }
        out.push_back(std::move(f));
    }
};

const QStringList kPlaceholders = {QStringLiteral("field"),     QStringLiteral("value"),
                                   QStringLiteral("expected"),  QStringLiteral("kind"),
                                   QStringLiteral("name"),      QStringLiteral("namespace"),
                                   QStringLiteral("container"), QStringLiteral("rule")};

// Namespace globs: '*' is any run of characters, '?' one character.
QRegularExpression globToRegex(const std::string& glob) {
    QString pattern;
    for (const QChar c : q(glob)) {
        if (c == QLatin1Char('*'))
            pattern += QStringLiteral(".*");
        else if (c == QLatin1Char('?'))
            pattern += QLatin1Char('.');
        else
            pattern += QRegularExpression::escape(QString(c));
    }
    return QRegularExpression(QRegularExpression::anchoredPattern(pattern));
}

Rule parseRule(const YNode& n, const QString& file) {
    if (!n.isMap())
        throw RuleError{n.line, QStringLiteral("a rule must be a map")};
    onlyKeys(n,
             {"id", "severity", "title", "rationale", "equivalents", "waivable", "nonWaivable",
              "match", "target", "containerTypes", "conditions", "message", "fix"},
             "a rule");
    Rule r;
    r.line = n.line;
    r.file = file;
    r.check = "custom";
    r.params = YNode::makeMap();
    r.id = q(requiredScalar(n, "id", "a rule"));
    static const QRegularExpression idRe(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]*$"));
    if (!idRe.match(r.id).hasMatch())
        throw RuleError{
            n.get("id")->displayLine(),
            QStringLiteral("rule id '%1' may hold letters, digits, '.', '_' and '-'").arg(r.id)};
    if (!parseSeverity(q(requiredScalar(n, "severity", "a rule")), r.severity))
        throw RuleError{n.get("severity")->displayLine(),
                        QStringLiteral("severity must be error, warning or info")};
    r.title = q(requiredScalar(n, "title", "a rule"));
    r.rationale = q(requiredScalar(n, "rationale", "a rule"));
    if (const YNode* w = n.get("waivable"); w && !w->asBool(r.waivable))
        throw RuleError{w->displayLine(), QStringLiteral("waivable must be true or false")};
    if (const YNode* w = n.get("nonWaivable")) {
        bool non = false;
        if (!w->asBool(non))
            throw RuleError{w->displayLine(), QStringLiteral("nonWaivable must be true or false")};
        if (non)
            r.waivable = false;
    }
    const YNode* eq = n.get("equivalents");
    if (eq && !eq->isMap())
        throw RuleError{eq->displayLine(), QStringLiteral("equivalents must be a map")};
    if (eq)
        onlyKeys(*eq, {"polaris", "kube-linter", "gatekeeper", "kyverno"}, "equivalents");
    for (const char* tool : {"polaris", "kube-linter", "gatekeeper", "kyverno"}) {
        QStringList ids;
        if (const YNode* list = eq ? eq->get(tool) : nullptr)
            for (const std::string& id : scalarList(*list, tool))
                ids << q(id);
        r.equivalents.emplace_back(QString::fromLatin1(tool), ids);
    }

    auto rule = std::make_shared<YamlRule>();
    if (const YNode* m = n.get("match")) {
        if (!m->isMap())
            throw RuleError{m->displayLine(), QStringLiteral("'match' must be a map")};
        onlyKeys(*m, {"kinds", "namespaces", "excludeNamespaces", "labels", "environments"},
                 "'match'");
        if (const YNode* k = m->get("kinds")) {
            for (const std::string& s : scalarList(*k, "kinds")) {
                Kind kind;
                const std::size_t slash = s.rfind('/');
                if (slash == std::string::npos) {
                    kind.kind = s;
                } else {
                    kind.anyGroup = false;
                    kind.group = s.substr(0, slash);
                    if (kind.group == "core")
                        kind.group.clear();
                    kind.kind = s.substr(slash + 1);
                }
                if (kind.kind.empty())
                    throw RuleError{k->displayLine(),
                                    QStringLiteral("'%1' names no kind").arg(q(s))};
                rule->kinds.push_back(kind);
            }
        }
        if (const YNode* ns = m->get("namespaces"))
            for (const std::string& s : scalarList(*ns, "namespaces"))
                rule->namespaces.push_back(globToRegex(s));
        if (const YNode* ns = m->get("excludeNamespaces"))
            for (const std::string& s : scalarList(*ns, "excludeNamespaces"))
                rule->excludeNamespaces.push_back(globToRegex(s));
        if (const YNode* l = m->get("labels")) {
            for (const std::string& s : scalarList(*l, "labels")) {
                LabelMatch lm;
                const std::size_t eqPos = s.find('=');
                if (!s.empty() && s.front() == '!') {
                    lm.negate = true;
                    lm.key = s.substr(1);
                } else if (eqPos != std::string::npos) {
                    lm.key = s.substr(0, eqPos);
                    lm.value = s.substr(eqPos + 1);
                } else {
                    lm.key = s;
                }
                if (lm.key.empty())
                    throw RuleError{l->displayLine(),
                                    QStringLiteral("label '%1' names no key (key=value, key or "
                                                   "!key)")
                                        .arg(q(s))};
                rule->labels.push_back(std::move(lm));
            }
        }
        if (const YNode* e = m->get("environments"))
            rule->environments = scalarList(*e, "environments");
    }
    if (const YNode* t = n.get("target")) {
        const std::string s = t->scalar;
        if (s == "object")
            rule->target = Target::Object;
        else if (s == "podSpec")
            rule->target = Target::PodSpec;
        else if (s == "container")
            rule->target = Target::Container;
        else
            throw RuleError{t->displayLine(),
                            QStringLiteral("target must be object, podSpec or container")};
    }
    if (const YNode* ct = n.get("containerTypes")) {
        if (rule->target != Target::Container)
            throw RuleError{ct->displayLine(),
                            QStringLiteral("containerTypes needs target: container")};
        for (const std::string& s : scalarList(*ct, "containerTypes")) {
            if (s != "containers" && s != "initContainers" && s != "ephemeralContainers")
                throw RuleError{ct->displayLine(),
                                QStringLiteral("containerTypes are containers, initContainers "
                                               "and ephemeralContainers")};
            rule->containerTypes.push_back(s);
        }
    }
    const YNode* conds = n.get("conditions");
    if (!conds)
        throw RuleError{n.line, QStringLiteral("a rule needs 'conditions'")};
    if (conds->isSeq()) {
        rule->conditions.op = Op::All;
        rule->conditions.children = parseList(*conds, "conditions");
    } else {
        rule->conditions = parseCondition(*conds);
    }
    rule->message = n.get("message")
                        ? q(requiredScalar(n, "message", "a rule"))
                        : QStringLiteral("{{field}} is {{value}}, expected {{expected}}");
    static const QRegularExpression placeholder(QStringLiteral("\\{\\{\\s*([^}]*?)\\s*\\}\\}"));
    for (auto it = placeholder.globalMatch(rule->message); it.hasNext();) {
        const QString name = it.next().captured(1);
        if (!kPlaceholders.contains(name))
            throw RuleError{n.get("message")->displayLine(),
                            QStringLiteral("unknown placeholder {{%1}} in message (known: %2)")
                                .arg(name, kPlaceholders.join(QStringLiteral(", ")))};
    }
    // Normalise "{{ value }}" to "{{value}}" so evaluation is a plain replace.
    rule->message.replace(placeholder, QStringLiteral("{{\\1}}"));
    if (const YNode* fix = n.get("fix")) {
        if (!fix->isMap())
            throw RuleError{fix->displayLine(),
                            QStringLiteral("'fix' must be a map with 'field' and 'value'")};
        onlyKeys(*fix, {"field", "value"}, "'fix'");
        FieldPath p = parseFieldPath(requiredScalar(*fix, "field", "'fix'"), fix->line);
        if (p.hasEvery)
            throw RuleError{fix->get("field")->displayLine(),
                            QStringLiteral("a fix writes one field: no [*] in its path")};
        for (const std::string& part : p.parts)
            if (part.find('/') != std::string::npos)
                throw RuleError{
                    fix->get("field")->displayLine(),
                    QStringLiteral("a fix cannot write a key containing '/' ('%1')").arg(q(part))};
        const YNode* value = fix->get("value");
        if (!value || !value->isScalar())
            throw RuleError{fix->line, QStringLiteral("'fix' needs a scalar 'value'")};
        rule->fixValue = value->quoted ? '"' + value->scalar + '"' : value->scalar;
        rule->fixField = std::move(p);
    }
    r.custom = std::move(rule);
    return r;
}

} // namespace

Result<std::vector<Rule>> parseCustomRules(const QByteArray& yaml, const QString& file,
                                           const PolicyPack& existing) {
    std::vector<Rule> rules;
    try {
        const std::vector<YNode> docs = parseYamlDocuments(yaml.toStdString());
        if (docs.empty())
            return rules;
        if (docs.size() != 1 || !docs[0].isMap())
            throw RuleError{docs.size() > 1 ? docs[1].line : docs[0].line,
                            QStringLiteral("expected one document with a 'rules' list")};
        onlyKeys(docs[0], {"rules"}, "a custom rule file");
        const YNode* list = docs[0].get("rules");
        if (!list || !(list->isSeq() || list->type == YNode::Type::Null))
            throw RuleError{list ? list->displayLine() : docs[0].line,
                            QStringLiteral("expected a 'rules' list")};
        for (const YNode& n : list->seq) {
            Rule r = parseRule(n, file);
            if (const Rule* clash = existing.find(r.id))
                throw RuleError{
                    n.get("id")->displayLine(),
                    QStringLiteral("rule id '%1' is already used by %2")
                        .arg(r.id,
                             clash->file.isEmpty()
                                 ? QStringLiteral("a built-in rule")
                                 : QStringLiteral("%1:%2").arg(clash->file).arg(clash->line))};
            for (const Rule& other : rules)
                if (other.id == r.id)
                    throw RuleError{n.get("id")->displayLine(),
                                    QStringLiteral("rule id '%1' is already used at line %2")
                                        .arg(r.id)
                                        .arg(other.line)};
            rules.push_back(std::move(r));
        }
    } catch (const YAML::Exception& e) {
        return Error::make(
            Error::Kind::Config, QStringLiteral("invalid custom rule file"),
            QStringLiteral("%1:%2: %3").arg(file).arg(e.mark.line + 1).arg(q(e.msg)));
    } catch (const RuleError& e) {
        return Error::make(Error::Kind::Config, QStringLiteral("invalid custom rule file"),
                           QStringLiteral("%1:%2: %3").arg(file).arg(e.line).arg(e.what));
    }
    return rules;
}

Status addCustomRuleFiles(PolicyPack& pack, const QStringList& files) {
    for (const QString& file : files) {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return Error::make(Error::Kind::Io, QStringLiteral("cannot read custom rule file"),
                               QStringLiteral("%1: %2").arg(file, f.errorString()));
        Result<std::vector<Rule>> rules = parseCustomRules(f.readAll(), file, pack);
        if (!rules)
            return rules.error();
        if (Status s = pack.addRules(std::move(rules).value()); !s)
            return s;
    }
    return okStatus();
}

} // namespace sextant::policy
