#include "riskrules.h"

#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QtGlobal>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

namespace sextant::gitops {

using policy::YNode;

namespace {

struct CatalogueError {
    int line;
    QString what;
};

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString scalarOf(const YNode& n, const char* key, bool required) {
    const YNode* v = n.get(key);
    if (!v || !v->isScalar() || v->scalar.empty()) {
        if (required)
            throw CatalogueError{n.line, QStringLiteral("missing '%1'").arg(QLatin1String(key))};
        return {};
    }
    return qs(v->scalar);
}

QStringList listParam(const YNode& params, const char* key) {
    QStringList out;
    const YNode* list = params.get(key);
    if (!list)
        return out;
    if (!list->isSeq())
        throw CatalogueError{list->line,
                             QStringLiteral("'%1' must be a list").arg(QLatin1String(key))};
    for (const YNode& item : list->seq)
        out << qs(item.scalar);
    return out;
}

const QStringList kChangeNames = {QStringLiteral("added"), QStringLiteral("removed"),
                                  QStringLiteral("changed"), QStringLiteral("renamed")};

RiskRule parseRule(const YNode& n) {
    if (!n.isMap())
        throw CatalogueError{n.line, QStringLiteral("a rule must be a map")};
    RiskRule r;
    r.line = n.line;
    r.id = scalarOf(n, "id", true);
    if (!policy::parseSeverity(scalarOf(n, "severity", true), r.severity))
        throw CatalogueError{n.get("severity")->line,
                             QStringLiteral("severity must be error, warning or info")};
    r.title = scalarOf(n, "title", true);
    r.reason = scalarOf(n, "reason", true);
    r.check = scalarOf(n, "check", true);
    if (!RiskCatalogue::knownChecks().contains(r.check))
        throw CatalogueError{n.get("check")->line,
                             QStringLiteral("unknown check '%1'").arg(r.check)};
    if (const YNode* p = n.get("params")) {
        if (!p->isMap())
            throw CatalogueError{p->line, QStringLiteral("params must be a map")};
        r.params = *p;
    } else {
        r.params = YNode::makeMap();
    }
    // Validate what each check reads, so a typo fails the load and not silently the rule.
    for (const QString& c : listParam(r.params, "changes")) {
        if (!kChangeNames.contains(c))
            throw CatalogueError{r.params.get("changes")->line,
                                 QStringLiteral("unknown change '%1'").arg(c)};
    }
    if ((r.check == QLatin1String("object") || r.check == QLatin1String("rbacWildcard")) &&
        listParam(r.params, "kinds").isEmpty())
        throw CatalogueError{r.line, QStringLiteral("check '%1' needs 'kinds'").arg(r.check)};
    if (r.check == QLatin1String("field") && listParam(r.params, "paths").isEmpty() &&
        listParam(r.params, "annotations").isEmpty())
        throw CatalogueError{r.line,
                             QStringLiteral("check 'field' needs 'paths' or 'annotations'")};
    listParam(r.params, "except");
    return r;
}

// ---- matching -------------------------------------------------------------------------------

bool kindMatches(const QStringList& kinds, const ObjectChange& c) {
    for (const QString& k : kinds) {
        if (k == QLatin1String("*"))
            return true;
        const int slash = k.indexOf(QLatin1Char('/'));
        if (slash < 0 ? k == c.kind : (k.left(slash) == c.group() && k.mid(slash + 1) == c.kind))
            return true;
    }
    return false;
}

QRegularExpression pathPattern(const QString& pattern) {
    QString re = QRegularExpression::escape(pattern);
    re.replace(QStringLiteral("\\[\\*\\]"), QStringLiteral("\\[[^\\]]*\\]"));
    return QRegularExpression(QLatin1Char('^') + re + QStringLiteral("(?:$|[.\\[])"));
}

bool anyPathMatches(const std::vector<QRegularExpression>& patterns, const QString& path) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const QRegularExpression& p) { return p.match(path).hasMatch(); });
}

QString annotationPath(const QString& key) {
    return QStringLiteral("metadata.annotations[\"%1\"]").arg(key);
}

QString fieldText(const FieldChange& f) {
    switch (f.kind) {
    case FieldChange::Kind::Added:
        return QStringLiteral("%1 added (%2)").arg(f.path, f.after);
    case FieldChange::Kind::Removed:
        return QStringLiteral("%1 removed (was %2)").arg(f.path, f.before);
    case FieldChange::Kind::Modified:
        break;
    }
    return QStringLiteral("%1 %2 → %3").arg(f.path, f.before, f.after);
}

QString joinLimited(const QStringList& items, int limit = 3) {
    if (items.size() <= limit)
        return items.join(QStringLiteral(", "));
    return items.mid(0, limit).join(QStringLiteral(", ")) +
           QStringLiteral(" and %1 more").arg(items.size() - limit);
}

QString oldObjectName(const ObjectChange& c) {
    const QString ns = c.change == ObjectChange::Renamed ? c.oldNs : c.ns;
    const QString name = c.change == ObjectChange::Renamed ? c.oldName : c.name;
    return ns.isEmpty() ? c.kind + QLatin1Char(' ') + name
                        : c.kind + QLatin1Char(' ') + ns + QLatin1Char('/') + name;
}

struct Finding {
    const AppContext* app = nullptr;
    const ObjectChange* object = nullptr;
    QStringList fields;
    QString change;
    QHash<QString, QString> extra;
};

QString fill(const RiskRule& rule, const Finding& f) {
    QHash<QString, QString> v = f.extra;
    if (f.app) {
        v.insert(QStringLiteral("app"), f.app->app);
        v.insert(QStringLiteral("cluster"),
                 f.app->cluster.isEmpty() ? QStringLiteral("the cluster") : f.app->cluster);
        v.insert(QStringLiteral("environment"), f.app->environment.isEmpty()
                                                    ? QStringLiteral("no environment named")
                                                    : f.app->environment);
    }
    if (f.object) {
        v.insert(QStringLiteral("object"), f.object->displayName());
        v.insert(QStringLiteral("oldObject"), oldObjectName(*f.object));
        v.insert(QStringLiteral("kind"), f.object->kind);
        v.insert(QStringLiteral("namespace"), f.object->ns);
        v.insert(QStringLiteral("name"), f.object->name);
    }
    v.insert(QStringLiteral("fields"),
             f.fields.isEmpty() ? QStringLiteral("no field details") : joinLimited(f.fields));
    v.insert(QStringLiteral("change"), f.change);
    QString out = rule.reason;
    static const QRegularExpression placeholder(QStringLiteral(R"(\{([A-Za-z]+)\})"));
    QString result;
    qsizetype last = 0;
    auto it = placeholder.globalMatch(out);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        result += out.mid(last, m.capturedStart() - last);
        const auto found = v.constFind(m.captured(1));
        result += found != v.cend() ? *found : m.captured(0);
        last = m.capturedEnd();
    }
    result += out.mid(last);
    return result.simplified();
}

Risk makeRisk(const RiskRule& rule, const Finding& f) {
    Risk r;
    r.rule = rule.id;
    r.severity = rule.severity;
    r.title = rule.title;
    r.reason = fill(rule, f);
    r.app = f.app ? f.app->app : QString();
    r.object = f.object ? f.object->displayName() : QString();
    return r;
}

// A rule's parameters read once per assessment, not once per application: the path patterns
// are compiled (and JIT-compiled on first match) once and reused for every object.
struct CompiledRule {
    const RiskRule* rule = nullptr;
    QStringList kinds;
    QStringList changes;
    std::vector<QRegularExpression> include, exclude;

    explicit CompiledRule(const RiskRule& r)
        : rule(&r) {
        const bool object = r.check == QLatin1String("object");
        if (object || r.check == QLatin1String("field") || r.check == QLatin1String("rbacWildcard"))
            kinds = listParam(r.params, "kinds");
        if (object)
            changes = listParam(r.params, "changes");
        if (r.check != QLatin1String("field"))
            return;
        for (const QString& p : listParam(r.params, "paths"))
            include.push_back(pathPattern(p));
        for (const QString& a : listParam(r.params, "annotations"))
            include.push_back(pathPattern(annotationPath(a)));
        for (const QString& p : listParam(r.params, "except"))
            exclude.push_back(pathPattern(p));
        for (QRegularExpression& re : include)
            re.optimize();
        for (QRegularExpression& re : exclude)
            re.optimize();
    }
};

void checkObject(const CompiledRule& cr, const AppChanges& app, std::vector<Risk>& out) {
    for (const ObjectChange& c : app.changes) {
        if (!kindMatches(cr.kinds, c) ||
            (!cr.changes.isEmpty() && !cr.changes.contains(changeName(c.change))))
            continue;
        Finding f{&app.app, &c, {}, changeName(c.change), {}};
        for (const FieldChange& field : c.fields)
            f.fields << field.path;
        out.push_back(makeRisk(*cr.rule, f));
    }
}

void checkField(const CompiledRule& cr, const AppChanges& app, std::vector<Risk>& out) {
    for (const ObjectChange& c : app.changes) {
        // Fields of added or removed objects are not changes of an existing object.
        if (c.change == ObjectChange::Added || c.change == ObjectChange::Removed)
            continue;
        if (!cr.kinds.isEmpty() && !kindMatches(cr.kinds, c))
            continue;
        Finding f{&app.app, &c, {}, {}, {}};
        QStringList texts;
        for (const FieldChange& field : c.fields) {
            if (anyPathMatches(cr.include, field.path) && !anyPathMatches(cr.exclude, field.path)) {
                f.fields << field.path;
                texts << fieldText(field);
            }
        }
        if (f.fields.isEmpty())
            continue;
        f.change = joinLimited(texts);
        out.push_back(makeRisk(*cr.rule, f));
    }
}

void checkRbacWildcard(const CompiledRule& cr, const AppChanges& app, std::vector<Risk>& out) {
    const RiskRule& rule = *cr.rule;
    for (const ObjectChange& c : app.changes) {
        if (!c.after || c.change == ObjectChange::Removed || !kindMatches(cr.kinds, c))
            continue;
        // Only wildcards this change introduces: an unchanged grant was reviewed before.
        auto wildcards = [](const YNode* root) {
            QStringList found;
            const YNode* rules = root ? root->get("rules") : nullptr;
            if (!rules || !rules->isSeq())
                return found;
            for (std::size_t i = 0; i < rules->seq.size(); ++i) {
                for (const char* key : {"verbs", "resources", "apiGroups", "nonResourceURLs"}) {
                    const YNode* list = rules->seq[i].get(key);
                    if (!list || !list->isSeq())
                        continue;
                    for (const YNode& item : list->seq) {
                        if (item.scalar == "*")
                            found << QStringLiteral("rules[%1].%2").arg(i).arg(QLatin1String(key));
                    }
                }
            }
            return found;
        };
        const QStringList before = wildcards(c.before.get());
        QStringList introduced;
        for (const QString& w : wildcards(c.after.get())) {
            if (!before.contains(w))
                introduced << w;
        }
        if (introduced.isEmpty())
            continue;
        out.push_back(makeRisk(rule, {&app.app, &c, introduced, changeName(c.change), {}}));
    }
}

void checkNamespaceMove(const RiskRule& rule, const AppChanges& app, std::vector<Risk>& out) {
    for (const ObjectChange& c : app.changes) {
        if (c.change == ObjectChange::Renamed && c.oldNs != c.ns)
            out.push_back(makeRisk(rule, {&app.app, &c, {}, changeName(c.change), {}}));
    }
}

long long intParam(const RiskRule& rule, const char* key, long long fallback) {
    long long v = fallback;
    if (const YNode* n = rule.params.get(key))
        n->asInt(v);
    return v;
}

} // namespace

const RiskCatalogue& RiskCatalogue::builtin() {
    static const RiskCatalogue catalogue = [] {
        QFile f(QStringLiteral(":/sextant/pr-risk-rules.yaml"));
        if (!f.open(QIODevice::ReadOnly)) {
            qCritical("built-in PR risk catalogue missing: %s", qPrintable(f.errorString()));
            return RiskCatalogue();
        }
        Result<RiskCatalogue> c = fromYaml(f.readAll(), QStringLiteral("pr-risk-rules.yaml"));
        if (!c) {
            qCritical("%s", qPrintable(c.error().toString()));
            return RiskCatalogue();
        }
        return *c;
    }();
    return catalogue;
}

QStringList RiskCatalogue::knownChecks() {
    return {QStringLiteral("object"),       QStringLiteral("field"),
            QStringLiteral("rbacWildcard"), QStringLiteral("namespaceMove"),
            QStringLiteral("production"),   QStringLiteral("blastRadius")};
}

Result<RiskCatalogue> RiskCatalogue::fromYaml(const QByteArray& yaml, const QString& sourceName) {
    auto fail = [&](int line, const QString& what) {
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1: invalid risk catalogue").arg(sourceName),
                           QStringLiteral("%1:%2: %3").arg(sourceName).arg(line).arg(what));
    };
    try {
        const std::vector<YNode> docs = policy::parseYamlDocuments(yaml.toStdString());
        if (docs.size() != 1 || !docs.front().isMap())
            return fail(1, QStringLiteral("expected one YAML document with 'rules'"));
        const YNode* rules = docs.front().get("rules");
        if (!rules || !rules->isSeq())
            return fail(docs.front().line, QStringLiteral("missing 'rules' list"));
        RiskCatalogue out;
        QSet<QString> ids;
        for (const YNode& n : rules->seq) {
            RiskRule r = parseRule(n);
            if (ids.contains(r.id))
                return fail(r.line, QStringLiteral("duplicate rule id '%1'").arg(r.id));
            ids.insert(r.id);
            out.m_rules.push_back(std::move(r));
        }
        return out;
    } catch (const CatalogueError& e) {
        return fail(e.line, e.what);
    } catch (const YAML::Exception& e) {
        return fail(e.mark.line + 1, QString::fromStdString(e.msg));
    }
}

const RiskRule* RiskCatalogue::find(const QString& id) const {
    for (const RiskRule& r : m_rules) {
        if (r.id == id)
            return &r;
    }
    return nullptr;
}

std::vector<Risk> assessRisks(const std::vector<AppChanges>& apps, const RiskCatalogue& catalogue) {
    std::vector<Risk> out;
    for (const RiskRule& rule : catalogue.rules()) {
        if (rule.check == QLatin1String("blastRadius")) {
            QSet<QString> appNames, clusters;
            for (const AppChanges& a : apps) {
                if (a.changes.empty())
                    continue;
                appNames.insert(a.app.instance + QLatin1Char('/') + a.app.app);
                if (!a.app.cluster.isEmpty())
                    clusters.insert(a.app.cluster);
            }
            if (appNames.size() >= intParam(rule, "minApps", 5) ||
                clusters.size() >= intParam(rule, "minClusters", 3)) {
                Finding f;
                f.extra.insert(QStringLiteral("apps"), QString::number(appNames.size()));
                f.extra.insert(QStringLiteral("clusters"), QString::number(clusters.size()));
                out.push_back(makeRisk(rule, f));
            }
            continue;
        }
        const CompiledRule compiled(rule);
        for (const AppChanges& a : apps) {
            if (rule.check == QLatin1String("object"))
                checkObject(compiled, a, out);
            else if (rule.check == QLatin1String("field"))
                checkField(compiled, a, out);
            else if (rule.check == QLatin1String("rbacWildcard"))
                checkRbacWildcard(compiled, a, out);
            else if (rule.check == QLatin1String("namespaceMove"))
                checkNamespaceMove(rule, a, out);
            else if (rule.check == QLatin1String("production") && a.app.production &&
                     !a.changes.empty())
                out.push_back(makeRisk(rule, {&a.app, nullptr, {}, {}, {}}));
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Risk& a, const Risk& b) {
        if (a.severity != b.severity)
            return a.severity > b.severity;
        return std::tie(a.rule, a.app, a.object) < std::tie(b.rule, b.app, b.object);
    });
    return out;
}

PolicyDelta comparePolicy(const QString& app, const std::vector<policy::KubeObject>& base,
                          const std::vector<policy::KubeObject>& head,
                          const std::vector<ObjectChange>& changes,
                          const policy::PolicyPack& pack) {
    // Base objects that were renamed are keyed under their head name, so a violation that
    // simply follows the object is neither new nor fixed.
    QHash<QString, QString> renamedTo;
    auto objectKey = [](const QString& kind, const QString& ns, const QString& name) {
        return kind + QLatin1Char('|') + ns + QLatin1Char('|') + name;
    };
    for (const ObjectChange& c : changes) {
        if (c.change == ObjectChange::Renamed)
            renamedTo.insert(objectKey(c.kind, c.oldNs, c.oldName),
                             objectKey(c.kind, c.ns, c.name));
    }
    auto key = [&](const policy::Violation& v, bool isBase) {
        QString object = objectKey(v.kind, v.ns, v.name);
        if (isBase)
            object = renamedTo.value(object, object);
        return v.rule + QLatin1Char('|') + object + QLatin1Char('|') + v.container;
    };
    const std::vector<policy::Violation> before = policy::checkObjects(pack, base);
    const std::vector<policy::Violation> after = policy::checkObjects(pack, head);
    QHash<QString, int> beforeCount, afterCount;
    for (const policy::Violation& v : before)
        ++beforeCount[key(v, true)];
    for (const policy::Violation& v : after)
        ++afterCount[key(v, false)];
    PolicyDelta delta;
    delta.app = app;
    QHash<QString, int> seen;
    for (const policy::Violation& v : after) {
        const QString k = key(v, false);
        if (++seen[k] > beforeCount.value(k))
            delta.introduced.push_back(v);
    }
    seen.clear();
    for (const policy::Violation& v : before) {
        const QString k = key(v, true);
        if (++seen[k] > afterCount.value(k))
            delta.fixed.push_back(v);
    }
    return delta;
}

} // namespace sextant::gitops
