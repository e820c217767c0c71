#include "objectdiff.h"

#include "diff/textdiff.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace sextant::gitops {

using policy::KubeObject;
using policy::YNode;

namespace {

const QString kRedacted = QStringLiteral("(redacted)");
const QString kRedactedChanged = QStringLiteral("(redacted, changed)");
constexpr int kMaxValueLength = 200;

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString groupOf(const QString& apiVersion) {
    const int slash = apiVersion.indexOf(QLatin1Char('/'));
    return slash < 0 ? QString() : apiVersion.left(slash);
}

bool keyNeedsQuotes(const QString& key) {
    if (key.isEmpty())
        return true;
    for (const QChar c : key) {
        if (c == QLatin1Char('.') || c == QLatin1Char('/') || c == QLatin1Char('[') ||
            c == QLatin1Char(']') || c == QLatin1Char('"') || c.isSpace())
            return true;
    }
    return false;
}

QString childPath(const QString& parent, const QString& key) {
    if (keyNeedsQuotes(key)) {
        QString escaped = key;
        escaped.replace(QLatin1Char('"'), QLatin1String("\\\""));
        return parent + QStringLiteral("[\"") + escaped + QStringLiteral("\"]");
    }
    return parent.isEmpty() ? key : parent + QLatin1Char('.') + key;
}

// Whether `key` under the map at `parent` is filled in by the cluster or the renderers.
bool isNoiseKey(const QString& parent, const QString& key) {
    if (parent.isEmpty())
        return key == QLatin1String("status");
    if (parent == QLatin1String("metadata")) {
        static const QSet<QString> keys = {QStringLiteral("managedFields"),
                                           QStringLiteral("resourceVersion"),
                                           QStringLiteral("generation"),
                                           QStringLiteral("uid"),
                                           QStringLiteral("creationTimestamp"),
                                           QStringLiteral("selfLink"),
                                           QStringLiteral("name"),
                                           QStringLiteral("namespace")};
        return keys.contains(key);
    }
    if (parent.endsWith(QLatin1String("annotations"))) {
        return key.startsWith(QLatin1String("checksum/")) ||
               key == QLatin1String("kubectl.kubernetes.io/last-applied-configuration") ||
               key == QLatin1String("deployment.kubernetes.io/revision");
    }
    if (parent.endsWith(QLatin1String("metadata")) && key == QLatin1String("creationTimestamp"))
        return true; // pod templates rendered by older tools carry "creationTimestamp: null"
    return false;
}

bool isSecretValuePath(const QString& parent) {
    return parent == QLatin1String("data") || parent == QLatin1String("stringData");
}

// A scalar as YAML would show it: quoted when a plain scalar would read differently.
QString scalarText(const YNode& n) {
    const QString s = qs(n.scalar);
    static const QRegularExpression plain(QStringLiteral(R"(^[A-Za-z0-9_./@+=~$(-][^\n]*$)"));
    const bool needsQuotes = n.quoted || s.isEmpty() || !plain.match(s).hasMatch() ||
                             s.endsWith(QLatin1Char(' ')) || s.endsWith(QLatin1Char(':')) ||
                             s.contains(QLatin1String(": ")) || s.contains(QLatin1String(" #"));
    if (n.type == YNode::Type::Null)
        return QStringLiteral("null");
    if (!needsQuotes)
        return s;
    QString escaped = s;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('"'), QLatin1String("\\\""));
    escaped.replace(QLatin1Char('\n'), QLatin1String("\\n"));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

void flowText(const YNode& n, QString& out) {
    if (out.size() > kMaxValueLength)
        return;
    switch (n.type) {
    case YNode::Type::Null:
        out += QStringLiteral("null");
        break;
    case YNode::Type::Scalar:
        out += scalarText(n);
        break;
    case YNode::Type::Map: {
        out += QLatin1Char('{');
        bool first = true;
        for (const auto& [k, v] : n.map) {
            if (!first)
                out += QStringLiteral(", ");
            first = false;
            out += qs(k) + QStringLiteral(": ");
            flowText(v, out);
        }
        out += QLatin1Char('}');
        break;
    }
    case YNode::Type::Seq: {
        out += QLatin1Char('[');
        bool first = true;
        for (const YNode& v : n.seq) {
            if (!first)
                out += QStringLiteral(", ");
            first = false;
            flowText(v, out);
        }
        out += QLatin1Char(']');
        break;
    }
    }
}

QString valueText(const YNode& n) {
    if (n.isScalar())
        return qs(n.scalar); // plain value for summaries ("1.5.0", not "\"1.5.0\"")
    QString out;
    flowText(n, out);
    if (out.size() > kMaxValueLength)
        out = out.left(kMaxValueLength) + QStringLiteral("…");
    return out;
}

bool sameNode(const YNode& a, const YNode& b) {
    if (a.type != b.type)
        return false;
    switch (a.type) {
    case YNode::Type::Null:
        return true;
    case YNode::Type::Scalar:
        return a.scalar == b.scalar;
    case YNode::Type::Map:
        if (a.map.size() != b.map.size())
            return false;
        for (const auto& [k, v] : a.map) {
            const YNode* other = b.get(k);
            if (!other || !sameNode(v, *other))
                return false;
        }
        return true;
    case YNode::Type::Seq:
        if (a.seq.size() != b.seq.size())
            return false;
        for (std::size_t i = 0; i < a.seq.size(); ++i) {
            if (!sameNode(a.seq[i], b.seq[i]))
                return false;
        }
        return true;
    }
    return false;
}

const YNode* itemKey(const YNode& item, std::string_view key) {
    if (!item.isMap())
        return nullptr;
    const YNode* k = item.path(key);
    return k && k->isScalar() && !k->scalar.empty() ? k : nullptr;
}

// The key Kubernetes merges a list by (strategic merge patch keys), when every item on both
// sides has a distinct one; empty for lists merged by position.
std::string listKey(const QString& field, const YNode* a, const YNode* b) {
    std::vector<std::string_view> candidates;
    if (field == QLatin1String("volumeMounts"))
        candidates = {"mountPath"};
    else if (field == QLatin1String("volumeDevices"))
        candidates = {"devicePath"};
    else if (field == QLatin1String("ports"))
        candidates = {"name", "containerPort", "port"};
    else if (field == QLatin1String("hostAliases"))
        candidates = {"ip"};
    else if (field == QLatin1String("volumeClaimTemplates"))
        candidates = {"metadata/name"};
    else
        candidates = {"name"};
    for (std::string_view key : candidates) {
        bool usable = true;
        for (const YNode* list : {a, b}) {
            if (!list)
                continue;
            std::set<std::string> seen;
            for (const YNode& item : list->seq) {
                const YNode* k = itemKey(item, key);
                if (!k || !seen.insert(k->scalar).second) {
                    usable = false;
                    break;
                }
            }
            if (!usable)
                break;
        }
        if (usable)
            return std::string(key);
    }
    return {};
}

bool allScalars(const YNode* list) {
    if (!list)
        return true;
    return std::all_of(list->seq.begin(), list->seq.end(),
                       [](const YNode& n) { return n.isScalar() || n.type == YNode::Type::Null; });
}

struct DiffContext {
    bool secret = false;
    std::vector<FieldChange>* out = nullptr;
};

void diffNodes(const YNode* a, const YNode* b, const QString& path, const QString& field,
               DiffContext& ctx);

// Whether a node says anything once noise is removed (a map of only noise keys does not).
bool hasContent(const YNode& n, const QString& path) {
    if (!n.isMap())
        return true;
    if (n.map.empty())
        return true; // "annotations: {}" is a real, if empty, value
    for (const auto& [k, v] : n.map) {
        const QString key = qs(k);
        if (!isNoiseKey(path, key) && hasContent(v, childPath(path, key)))
            return true;
    }
    return false;
}

void diffMaps(const YNode* a, const YNode* b, const QString& path, DiffContext& ctx) {
    std::vector<std::string> keys;
    for (const YNode* m : {a, b}) {
        if (!m)
            continue;
        for (const auto& [k, v] : m->map) {
            if (std::find(keys.begin(), keys.end(), k) == keys.end())
                keys.push_back(k);
        }
    }
    for (const std::string& k : keys) {
        const QString key = qs(k);
        if (isNoiseKey(path, key))
            continue;
        const YNode* x = a ? a->get(k) : nullptr;
        const YNode* y = b ? b->get(k) : nullptr;
        if (ctx.secret && isSecretValuePath(path)) {
            if (x && y && sameNode(*x, *y))
                continue;
            ctx.out->push_back({!x   ? FieldChange::Kind::Added
                                : !y ? FieldChange::Kind::Removed
                                     : FieldChange::Kind::Modified,
                                childPath(path, key), x ? kRedacted : QString(),
                                y ? kRedacted : QString()});
            continue;
        }
        diffNodes(x, y, childPath(path, key), key, ctx);
    }
}

void diffSeqs(const YNode* a, const YNode* b, const QString& path, const QString& field,
              DiffContext& ctx) {
    if (allScalars(a) && allScalars(b)) {
        // args, command, finalizers, verbs: one change for the whole list reads best.
        if (!a || !b || !sameNode(*a, *b))
            ctx.out->push_back({!a   ? FieldChange::Kind::Added
                                : !b ? FieldChange::Kind::Removed
                                     : FieldChange::Kind::Modified,
                                path, a ? valueText(*a) : QString(),
                                b ? valueText(*b) : QString()});
        return;
    }
    const std::string key = listKey(field, a, b);
    if (key.empty()) {
        const std::size_t n = std::max(a ? a->seq.size() : 0, b ? b->seq.size() : 0);
        for (std::size_t i = 0; i < n; ++i) {
            const YNode* x = a && i < a->seq.size() ? &a->seq[i] : nullptr;
            const YNode* y = b && i < b->seq.size() ? &b->seq[i] : nullptr;
            diffNodes(x, y, path + QStringLiteral("[%1]").arg(i), QString(), ctx);
        }
        return;
    }
    std::vector<std::string> order;
    for (const YNode* list : {a, b}) {
        if (!list)
            continue;
        for (const YNode& item : list->seq) {
            const std::string& k = itemKey(item, key)->scalar;
            if (std::find(order.begin(), order.end(), k) == order.end())
                order.push_back(k);
        }
    }
    auto find = [&](const YNode* list, const std::string& k) -> const YNode* {
        if (!list)
            return nullptr;
        for (const YNode& item : list->seq) {
            if (itemKey(item, key)->scalar == k)
                return &item;
        }
        return nullptr;
    };
    for (const std::string& k : order)
        diffNodes(find(a, k), find(b, k), path + QLatin1Char('[') + qs(k) + QLatin1Char(']'),
                  QString(), ctx);
}

void diffNodes(const YNode* a, const YNode* b, const QString& path, const QString& field,
               DiffContext& ctx) {
    if (!a && !b)
        return;
    if (ctx.secret && isSecretValuePath(path) && ((a && a->isMap()) || (b && b->isMap()))) {
        // A whole data map added or removed: report key by key, never the values.
        diffMaps(a && a->isMap() ? a : nullptr, b && b->isMap() ? b : nullptr, path, ctx);
        return;
    }
    if (!a && !hasContent(*b, path))
        return;
    if (!b && !hasContent(*a, path))
        return;
    if (!a) {
        ctx.out->push_back({FieldChange::Kind::Added, path, QString(), valueText(*b)});
        return;
    }
    if (!b) {
        ctx.out->push_back({FieldChange::Kind::Removed, path, valueText(*a), QString()});
        return;
    }
    if (a->type != b->type) {
        ctx.out->push_back({FieldChange::Kind::Modified, path, valueText(*a), valueText(*b)});
        return;
    }
    switch (a->type) {
    case YNode::Type::Null:
        return;
    case YNode::Type::Scalar:
        if (a->scalar != b->scalar)
            ctx.out->push_back({FieldChange::Kind::Modified, path, valueText(*a), valueText(*b)});
        return;
    case YNode::Type::Map:
        diffMaps(a, b, path, ctx);
        return;
    case YNode::Type::Seq:
        diffSeqs(a, b, path, field, ctx);
        return;
    }
}

std::vector<FieldChange> diffFields(const YNode* a, const YNode* b, bool secret) {
    std::vector<FieldChange> out;
    DiffContext ctx{secret, &out};
    diffMaps(a, b, QString(), ctx);
    return out;
}

// Leaves of an object (noise and name excluded) for rename similarity.
void flatten(const YNode& n, const QString& path, QHash<QString, QString>& out) {
    switch (n.type) {
    case YNode::Type::Null:
    case YNode::Type::Scalar:
        out.insert(path, qs(n.scalar));
        return;
    case YNode::Type::Map:
        for (const auto& [k, v] : n.map) {
            const QString key = qs(k);
            if (!isNoiseKey(path, key))
                flatten(v, childPath(path, key), out);
        }
        return;
    case YNode::Type::Seq:
        for (std::size_t i = 0; i < n.seq.size(); ++i)
            flatten(n.seq[i], path + QStringLiteral("[%1]").arg(i), out);
        return;
    }
}

double similarity(const QHash<QString, QString>& a, const QHash<QString, QString>& b) {
    const qsizetype total = std::max(a.size(), b.size());
    if (total == 0)
        return 1.0;
    qsizetype equal = 0;
    for (auto it = a.cbegin(); it != a.cend(); ++it) {
        const auto other = b.constFind(it.key());
        if (other != b.cend() && *other == it.value())
            ++equal;
    }
    return double(equal) / double(total);
}

QString stripKustomizeHash(const QString& name) {
    static const QRegularExpression hash(QStringLiteral("-[a-z0-9]{10}$"));
    const QRegularExpressionMatch m = hash.match(name);
    return m.hasMatch() ? name.left(m.capturedStart()) : QString();
}

struct Side {
    const KubeObject* object = nullptr;
    QString group, kind, ns, name;
};

Side sideOf(const KubeObject& o) {
    Side s;
    s.object = &o;
    s.group = groupOf(qs(o.apiVersion));
    s.kind = qs(o.kind);
    s.ns = qs(o.ns);
    s.name = qs(o.name);
    return s;
}

using Identity = std::tuple<QString, QString, QString, QString>;

ObjectChange makeChange(const Side* base, const Side* head, ObjectChange::Change change) {
    const Side& ref = head ? *head : *base;
    ObjectChange c;
    c.apiVersion = qs(ref.object->apiVersion);
    c.kind = ref.kind;
    c.ns = ref.ns;
    c.name = ref.name;
    c.change = change;
    if (change == ObjectChange::Renamed) {
        c.oldName = base->name;
        c.oldNs = base->ns;
    }
    c.before = base ? base->object->root : nullptr;
    c.after = head ? head->object->root : nullptr;
    const bool secret = ref.kind == QLatin1String("Secret") && ref.group.isEmpty();
    if (change != ObjectChange::Added && change != ObjectChange::Removed)
        c.fields = diffFields(c.before.get(), c.after.get(), secret);
    else if (secret) {
        // The key names of an added or removed Secret, never their values.
        for (FieldChange& f : diffFields(c.before.get(), c.after.get(), true)) {
            if (f.path.startsWith(QLatin1String("data")) ||
                f.path.startsWith(QLatin1String("stringData")))
                c.fields.push_back(std::move(f));
        }
    }
    return c;
}

// Emits `n` as block YAML below `indent`; noise removed, Secret values redacted.
struct YamlWriter {
    bool secret = false;
    QStringList changedKeys;
    QStringList lines;

    void value(const YNode& v, const QString& path, const QString& prefix, int indent) {
        const QString pad(indent, QLatin1Char(' '));
        if (v.isScalar() && v.scalar.find('\n') != std::string::npos) {
            lines << prefix + QStringLiteral(" |");
            for (const QString& l : qs(v.scalar).split(QLatin1Char('\n')))
                lines << (l.isEmpty() ? QString() : pad + QStringLiteral("  ") + l);
            if (lines.last().isEmpty())
                lines.removeLast();
            return;
        }
        if (v.isScalar() || v.type == YNode::Type::Null) {
            lines << prefix + QLatin1Char(' ') + scalarText(v);
            return;
        }
        if ((v.isMap() && v.map.empty()) || (v.isSeq() && v.seq.empty())) {
            lines << prefix + (v.isMap() ? QStringLiteral(" {}") : QStringLiteral(" []"));
            return;
        }
        lines << prefix;
        if (v.isMap())
            map(v, path, indent + 2);
        else
            seq(v, path, indent); // Kubernetes style: list items at the key's indentation
    }

    void map(const YNode& n, const QString& path, int indent) {
        const QString pad(indent, QLatin1Char(' '));
        for (const auto& [k, v] : n.map) {
            const QString key = qs(k);
            if (isNoiseKey(path, key) &&
                !(path == QLatin1String("metadata") &&
                  (key == QLatin1String("name") || key == QLatin1String("namespace"))))
                continue;
            const QString prefix = pad + key + QLatin1Char(':');
            if (secret && isSecretValuePath(path)) {
                lines << prefix + QLatin1Char(' ') +
                             (changedKeys.contains(key) ? kRedactedChanged : kRedacted);
                continue;
            }
            value(v, childPath(path, key), prefix, indent);
        }
    }

    void seq(const YNode& n, const QString& path, int indent) {
        const QString pad(indent, QLatin1Char(' '));
        for (const YNode& item : n.seq) {
            if (item.isMap() && !item.map.empty()) {
                // "- " takes the place of the first key's indentation.
                const qsizetype first = lines.size();
                map(item, path + QStringLiteral("[]"), indent + 2);
                if (lines.size() > first)
                    lines[first].replace(0, indent + 2, pad + QStringLiteral("- "));
            } else if (item.isSeq() && !item.seq.empty()) {
                lines << pad + QLatin1Char('-');
                seq(item, path + QStringLiteral("[]"), indent + 2);
            } else {
                value(item, path + QStringLiteral("[]"), pad + QLatin1Char('-'), indent + 2);
            }
        }
    }
};

// Keys whose value differs between base and head. An added or removed Secret has nothing to
// compare with: none of its keys is "changed".
QStringList changedSecretKeys(const ObjectChange& change) {
    QStringList keys;
    if (!change.before || !change.after)
        return keys;
    for (const char* section : {"data", "stringData"}) {
        const YNode* a = change.before ? change.before->get(section) : nullptr;
        const YNode* b = change.after ? change.after->get(section) : nullptr;
        if (!b || !b->isMap())
            continue;
        for (const auto& [k, v] : b->map) {
            const YNode* old = a && a->isMap() ? a->get(k) : nullptr;
            if (!old || !sameNode(*old, v))
                keys << qs(k);
        }
    }
    return keys;
}

} // namespace

QString fieldChangeKindName(FieldChange::Kind kind) {
    switch (kind) {
    case FieldChange::Kind::Added:
        return QStringLiteral("added");
    case FieldChange::Kind::Removed:
        return QStringLiteral("removed");
    case FieldChange::Kind::Modified:
        break;
    }
    return QStringLiteral("changed");
}

QString changeName(ObjectChange::Change change) {
    switch (change) {
    case ObjectChange::Added:
        return QStringLiteral("added");
    case ObjectChange::Removed:
        return QStringLiteral("removed");
    case ObjectChange::Renamed:
        return QStringLiteral("renamed");
    case ObjectChange::Changed:
        break;
    }
    return QStringLiteral("changed");
}

QString ObjectChange::group() const {
    return groupOf(apiVersion);
}

QString ObjectChange::displayName() const {
    return ns.isEmpty() ? kind + QLatin1Char(' ') + name
                        : kind + QLatin1Char(' ') + ns + QLatin1Char('/') + name;
}

bool isNoisePath(const QString& path) {
    QString parent, key;
    if (path.endsWith(QLatin1String("\"]"))) {
        const int open = path.lastIndexOf(QLatin1String("[\""));
        if (open < 0)
            return false;
        parent = path.left(open);
        key = path.mid(open + 2, path.size() - open - 4);
    } else {
        const int dot = path.lastIndexOf(QLatin1Char('.'));
        parent = dot < 0 ? QString() : path.left(dot);
        key = path.mid(dot + 1);
    }
    return isNoiseKey(parent, key);
}

std::vector<ObjectChange> diffObjects(const std::vector<KubeObject>& base,
                                      const std::vector<KubeObject>& head,
                                      const ObjectDiffOptions& options) {
    std::map<Identity, Side> baseById, headById;
    for (const KubeObject& o : base) {
        Side s = sideOf(o);
        baseById[{s.group, s.kind, s.ns, s.name}] = s;
    }
    for (const KubeObject& o : head) {
        Side s = sideOf(o);
        headById[{s.group, s.kind, s.ns, s.name}] = s;
    }

    std::vector<ObjectChange> out;
    std::vector<const Side*> removed, added;
    for (const auto& [id, b] : baseById) {
        const auto h = headById.find(id);
        if (h == headById.end()) {
            removed.push_back(&b);
            continue;
        }
        ObjectChange c = makeChange(&b, &h->second, ObjectChange::Changed);
        if (!c.fields.empty())
            out.push_back(std::move(c));
    }
    for (const auto& [id, h] : headById) {
        if (!baseById.count(id))
            added.push_back(&h);
    }

    // Renames, most certain first: a namespace move (same name), a kustomize hash suffix
    // (configMapGenerator), then content similarity (namePrefix/nameSuffix changes).
    std::set<const Side*> pairedBase, pairedHead;
    auto pair = [&](const Side* b, const Side* h) {
        pairedBase.insert(b);
        pairedHead.insert(h);
        out.push_back(makeChange(b, h, ObjectChange::Renamed));
    };
    for (const Side* b : removed) {
        for (const Side* h : added) {
            if (!pairedHead.count(h) && !pairedBase.count(b) && b->group == h->group &&
                b->kind == h->kind && b->name == h->name && b->ns != h->ns)
                pair(b, h);
        }
    }
    for (const Side* b : removed) {
        const QString stem = stripKustomizeHash(b->name);
        if (stem.isEmpty() || pairedBase.count(b))
            continue;
        for (const Side* h : added) {
            if (!pairedHead.count(h) && b->group == h->group && b->kind == h->kind &&
                b->ns == h->ns && stripKustomizeHash(h->name) == stem) {
                pair(b, h);
                break;
            }
        }
    }
    {
        QHash<const Side*, QHash<QString, QString>> leaves;
        auto leavesOf = [&](const Side* s) -> const QHash<QString, QString>& {
            auto it = leaves.find(s);
            if (it == leaves.end()) {
                QHash<QString, QString> l;
                flatten(*s->object->root, QString(), l);
                it = leaves.insert(s, l);
            }
            return *it;
        };
        struct Candidate {
            double score;
            const Side* b;
            const Side* h;
        };
        std::vector<Candidate> candidates;
        for (const Side* b : removed) {
            if (pairedBase.count(b))
                continue;
            for (const Side* h : added) {
                if (pairedHead.count(h) || b->group != h->group || b->kind != h->kind ||
                    b->ns != h->ns)
                    continue;
                const double score = similarity(leavesOf(b), leavesOf(h));
                if (score >= options.renameSimilarity)
                    candidates.push_back({score, b, h});
            }
        }
        std::stable_sort(candidates.begin(), candidates.end(),
                         [](const Candidate& x, const Candidate& y) { return x.score > y.score; });
        for (const Candidate& c : candidates) {
            if (!pairedBase.count(c.b) && !pairedHead.count(c.h))
                pair(c.b, c.h);
        }
    }
    for (const Side* b : removed) {
        if (!pairedBase.count(b))
            out.push_back(makeChange(b, nullptr, ObjectChange::Removed));
    }
    for (const Side* h : added) {
        if (!pairedHead.count(h))
            out.push_back(makeChange(nullptr, h, ObjectChange::Added));
    }
    std::sort(out.begin(), out.end(), [](const ObjectChange& x, const ObjectChange& y) {
        return std::tie(x.kind, x.ns, x.name, x.oldName) <
               std::tie(y.kind, y.ns, y.name, y.oldName);
    });
    return out;
}

QString objectYaml(const YNode& root, bool secret, const QStringList& changedSecretKeys) {
    YamlWriter w;
    w.secret = secret;
    w.changedKeys = changedSecretKeys;
    if (root.isMap())
        w.map(root, QString(), 0);
    return w.lines.join(QLatin1Char('\n'));
}

QStringList objectDiffLines(const ObjectChange& change, int context) {
    const bool secret = change.isSecret();
    const QStringList keys = secret ? changedSecretKeys(change) : QStringList();
    const QStringList before =
        change.before ? objectYaml(*change.before, secret).split(QLatin1Char('\n')) : QStringList();
    const QStringList after = change.after
                                  ? objectYaml(*change.after, secret, keys).split(QLatin1Char('\n'))
                                  : QStringList();
    diff::DiffOptions options;
    options.context = context;
    options.wordLevel = false;
    QStringList out;
    for (const diff::DiffRow& row : diff::buildRows(before, after, options)) {
        switch (row.kind) {
        case diff::DiffRow::Kind::Context:
            out << QLatin1Char(' ') + row.text;
            break;
        case diff::DiffRow::Kind::Removed:
            out << QLatin1Char('-') + row.text;
            break;
        case diff::DiffRow::Kind::Added:
            out << QLatin1Char('+') + row.text;
            break;
        case diff::DiffRow::Kind::Gap:
            out << QStringLiteral("@@ %1 unchanged lines @@").arg(row.gapLines);
            break;
        }
    }
    return out;
}

} // namespace sextant::gitops
