// Polaris custom checks as rules of the pack: target selection as Polaris does it (see
// polarischecks.h), the schema through JsonSchema, and simple `add`/`replace` mutations of a
// scalar as textual fixes.

#include "polarischecks.h"

#include "policy/checks.h"
#include "policy/jsonschema.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace sextant::policy {

namespace {

struct ImportError {
    int line;
    QString what;
};

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

enum class Target { Container, PodSpec, PodTemplate, Controller, Kind };

// Polaris validates the JSON of Kubernetes' typed structs, not the YAML as written: empty
// (null) fields are omitted, resource quantities are strings ("cpu: 1" becomes "1"), and a
// pod-level securityContext has no container-only fields. The copy validated here is shaped
// the same way, so a schema sees what it would see in Polaris.
void normalize(YNode& n, bool quantities = false) {
    if (n.isMap()) {
        n.map.erase(
            std::remove_if(n.map.begin(), n.map.end(),
                           [](const auto& kv) { return kv.second.type == YNode::Type::Null; }),
            n.map.end());
        for (auto& [k, v] : n.map) {
            if (quantities && v.isScalar())
                v.quoted = true;
            normalize(v, k == "limits" || k == "requests");
        }
    } else if (n.isSeq()) {
        for (YNode& i : n.seq)
            normalize(i);
    }
}

void normalizePodSpec(YNode& pod) {
    normalize(pod);
    for (auto& [k, v] : pod.map) {
        if (k != "securityContext" || !v.isMap())
            continue;
        v.map.erase(std::remove_if(v.map.begin(), v.map.end(),
                                   [](const auto& kv) {
                                       return kv.first == "privileged" ||
                                              kv.first == "allowPrivilegeEscalation" ||
                                              kv.first == "readOnlyRootFilesystem" ||
                                              kv.first == "capabilities" || kv.first == "procMount";
                                   }),
                    v.map.end());
    }
}

// `path` ('/'-separated) inside `root`, for writing.
YNode* mutablePath(YNode& root, const std::string& path) {
    YNode* n = &root;
    std::size_t start = 0;
    while (n && start < path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::string key = path.substr(start, slash - start);
        YNode* next = nullptr;
        for (auto& [k, v] : n->map)
            if (k == key)
                next = &v;
        n = next;
        start = slash == std::string::npos ? path.size() : slash + 1;
    }
    return n;
}

class PolarisCheck final : public CustomCheck {
public:
    Target target = Target::Container;
    bool schemaOnPodSpec = false; // schemaTarget: PodSpec with target: Container
    std::string group;            // Target::Kind
    std::string kind;
    bool anyGroup = false;
    QStringList includeControllers;
    QStringList excludeControllers;
    bool skipInitContainers = false;
    JsonSchema schema;
    QString failureMessage;
    std::string fixPath; // relative to the target, '/'-separated; empty = no fix
    std::string fixValue;

    void evaluate(const Rule&, const ObjectView& v, const ObjectSet&,
                  std::vector<Finding>& out) const override {
        const KubeObject& o = *v.obj;
        if (target == Target::Kind) {
            const std::size_t slash = o.apiVersion.find('/');
            const std::string g =
                slash == std::string::npos ? std::string() : o.apiVersion.substr(0, slash);
            // An object without a group ("v1") matches a group's target of its kind, as Polaris's
            // own fixtures require (a PodDisruptionBudget written as v1).
            if (o.kind == kind && (anyGroup || g == group || g.empty()))
                checkObject(v, std::string(), out);
            return;
        }
        if (!v.podSpec)
            return; // the other targets are workloads
        const QString k = q(o.kind);
        if (!includeControllers.isEmpty() && !includeControllers.contains(k))
            return;
        if (excludeControllers.contains(k))
            return;
        switch (target) {
        case Target::Controller:
            checkObject(v, std::string(), out);
            break;
        case Target::PodSpec: {
            YNode pod = *v.podSpec;
            normalizePodSpec(pod);
            check(pod, v.podSpecPath, nullptr, out);
            break;
        }
        case Target::PodTemplate: {
            const std::string tpl = v.podSpecPath == "spec"
                                        ? std::string()
                                        : v.podSpecPath.substr(0, v.podSpecPath.size() - 5);
            checkObject(v, tpl, out);
            break;
        }
        case Target::Container:
            for (const ContainerView& c : v.containers) {
                const std::string_view type = c.type;
                if (type == "ephemeralContainers" ||
                    (type == "initContainers" && skipInitContainers))
                    continue;
                if (!schemaOnPodSpec) {
                    YNode container = *c.node;
                    normalize(container);
                    check(container, c.path, &c, out);
                    continue;
                }
                // Polaris validates the pod spec with only this container in it.
                YNode pod = *v.podSpec;
                YNode list = YNode::makeSeq();
                list.append(*c.node);
                pod.set("containers", std::move(list));
                pod.set("initContainers", YNode::makeSeq());
                normalizePodSpec(pod);
                check(pod, c.path, &c, out, true);
            }
            break;
        case Target::Kind:
            break;
        }
    }

private:
    // The whole object (or, with `at`, the node at that path: the pod template), normalised.
    void checkObject(const ObjectView& v, const std::string& at, std::vector<Finding>& out) const {
        YNode copy = *v.obj->root;
        normalize(copy);
        if (v.podSpec)
            if (YNode* pod = mutablePath(copy, v.podSpecPath))
                normalizePodSpec(*pod);
        const YNode* node = at.empty() ? &copy : mutablePath(copy, at);
        if (node)
            check(*node, at, nullptr, out);
    }

    void check(const YNode& node, const std::string& path, const ContainerView* c,
               std::vector<Finding>& out, bool podCopy = false) const {
        QString why;
        if (schema.validate(node, &why))
            return;
        Finding f;
        f.path = path;
        if (c)
            f.container = q(c->name);
        // Paths in `why` refer to the copied pod spec when the schema targets it.
        f.message =
            QStringLiteral("%1 (%2%3)")
                .arg(failureMessage,
                     podCopy && why.startsWith(QLatin1Char('/')) ? QStringLiteral("pod spec ")
                                                                 : QString(),
                     why);
        if (!fixPath.empty()) {
            f.fixPath = path.empty() ? fixPath : path + '/' + fixPath;
            f.fixValue = fixValue;
        }
        out.push_back(std::move(f));
    }
};

// Every distinct Go template action ({{ ... }}) in the scalars and keys of `n`.
void collectTemplates(const YNode& n, QStringList& out) {
    static const QRegularExpression action(QStringLiteral("\\{\\{.*?\\}\\}"));
    auto scan = [&](const std::string& s) {
        if (s.find("{{") == std::string::npos)
            return;
        for (auto it = action.globalMatch(q(s)); it.hasNext();) {
            const QString a = it.next().captured(0).simplified();
            if (!out.contains(a))
                out << a;
        }
    };
    scan(n.scalar);
    for (const auto& [k, v] : n.map) {
        scan(k);
        collectTemplates(v, out);
    }
    for (const YNode& i : n.seq)
        collectTemplates(i, out);
}

QString templateRefusal(const QStringList& actions) {
    QStringList shown = actions.mid(0, 6);
    return QStringLiteral("uses Go template actions, which Polaris expands per object and this "
                          "importer does not: %1%2")
        .arg(shown.join(QStringLiteral(", ")),
             actions.size() > shown.size()
                 ? QStringLiteral(" and %1 more").arg(actions.size() - shown.size())
                 : QString());
}

QString scalarOf(const YNode& n, std::initializer_list<const char*> keys) {
    for (const char* k : keys)
        if (const YNode* v = n.get(k); v && v->isScalar())
            return q(v->scalar);
    return {};
}

QStringList listOf(const YNode* n) {
    QStringList out;
    if (n && n->isSeq())
        for (const YNode& i : n->seq)
            out << q(i.scalar);
    return out;
}

void shiftLines(YNode& n, int by) {
    if (n.line > 0)
        n.line += by;
    if (n.keyLine > 0)
        n.keyLine += by;
    for (auto& [k, v] : n.map)
        shiftLines(v, by);
    for (YNode& i : n.seq)
        shiftLines(i, by);
}

Rule importCheck(const YNode& n, const QString& id, Severity severity, const QString& file) {
    if (!n.isMap())
        throw ImportError{n.line, QStringLiteral("check '%1' must be a map").arg(id)};
    Rule r;
    r.id = id;
    r.line = n.displayLine(); // a customChecks entry: the line of its id
    r.file = file;
    r.severity = severity;
    r.check = "custom";
    r.params = YNode::makeMap();
    auto check = std::make_shared<PolarisCheck>();
    check->failureMessage = scalarOf(n, {"failureMessage", "FailureMessage"});
    const QString success = scalarOf(n, {"successMessage", "SuccessMessage"});
    r.category = scalarOf(n, {"category"});
    r.title = check->failureMessage.isEmpty() ? QStringLiteral("Polaris check %1").arg(id)
                                              : check->failureMessage.trimmed();
    if (check->failureMessage.isEmpty())
        check->failureMessage = r.title;
    r.rationale =
        QStringLiteral("Imported Polaris custom check%1. Passing means: %2")
            .arg(r.category.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(r.category),
                 success.isEmpty() ? QStringLiteral("the schema validates") : success);
    for (const char* tool : {"polaris", "kube-linter", "gatekeeper", "kyverno"})
        r.equivalents.emplace_back(QString::fromLatin1(tool),
                                   QLatin1String(tool) == QLatin1String("polaris") ? QStringList{id}
                                                                                   : QStringList{});

    const YNode* t = n.get("target");
    if (!t || !t->isScalar() || t->scalar.empty())
        throw ImportError{n.line, QStringLiteral("check '%1' needs a 'target'").arg(id)};
    const std::string target = t->scalar;
    if (target == "Container")
        check->target = Target::Container;
    else if (target == "PodSpec")
        check->target = Target::PodSpec;
    else if (target == "PodTemplate")
        check->target = Target::PodTemplate;
    else if (target == "Controller")
        check->target = Target::Controller;
    else {
        // group/Kind ("apps/Deployment", "/ConfigMap" for the core group) or a bare Kind.
        check->target = Target::Kind;
        const std::size_t slash = target.rfind('/');
        check->anyGroup = slash == std::string::npos;
        check->group = check->anyGroup ? std::string() : target.substr(0, slash);
        check->kind = check->anyGroup ? target : target.substr(slash + 1);
        if (check->kind.empty())
            throw ImportError{t->displayLine(),
                              QStringLiteral("target '%1' names no kind").arg(q(target))};
    }
    if (const YNode* st = n.get("schemaTarget"); st && !st->scalar.empty()) {
        if (st->scalar != "PodSpec" || check->target != Target::Container)
            throw ImportError{st->displayLine(),
                              QStringLiteral("schemaTarget '%1' with target '%2' is not supported "
                                             "(only PodSpec for a Container check)")
                                  .arg(q(st->scalar), q(target))};
        check->schemaOnPodSpec = true;
    }
    if (const YNode* c = n.get("controllers")) {
        check->includeControllers = listOf(c->get("include"));
        check->excludeControllers = listOf(c->get("exclude"));
    }
    if (const YNode* c = n.get("containers"))
        check->skipInitContainers =
            listOf(c->get("exclude")).contains(QStringLiteral("initContainer"));

    for (const char* multi : {"additionalSchemas", "additionalSchemaStrings"}) {
        if (const YNode* a = n.get(multi)) {
            QStringList actions;
            collectTemplates(*a, actions);
            throw ImportError{
                a->displayLine(),
                actions.isEmpty()
                    ? QStringLiteral("check '%1': %2 (checks across several resources) are not "
                                     "supported")
                          .arg(id, QLatin1String(multi))
                    : QStringLiteral("check '%1': %2 %3")
                          .arg(id, QLatin1String(multi), templateRefusal(actions))};
        }
    }
    YNode schemaNode;
    int schemaLine = n.line;
    if (const YNode* s = n.get("schema")) {
        schemaNode = *s;
        schemaLine = s->displayLine();
    } else if (const YNode* ss = n.get("schemaString")) {
        schemaLine = ss->displayLine();
        if (ss->scalar.find("{{") != std::string::npos) {
            QStringList actions;
            collectTemplates(*ss, actions);
            throw ImportError{
                schemaLine,
                QStringLiteral("check '%1': schemaString %2").arg(id, templateRefusal(actions))};
        }
        try {
            const std::vector<YNode> docs = parseYamlDocuments(ss->scalar);
            if (docs.size() != 1)
                throw ImportError{schemaLine, QStringLiteral("check '%1': schemaString must hold "
                                                             "one schema")
                                                  .arg(id)};
            schemaNode = docs.front();
        } catch (const YAML::Exception& e) {
            throw ImportError{
                schemaLine + e.mark.line + 1,
                QStringLiteral("check '%1': schemaString is not valid YAML: %2").arg(id, q(e.msg))};
        }
    } else {
        throw ImportError{n.line,
                          QStringLiteral("check '%1' needs 'schema' or 'schemaString'").arg(id)};
    }
    QStringList actions;
    collectTemplates(schemaNode, actions);
    if (!actions.isEmpty())
        throw ImportError{
            schemaLine, QStringLiteral("check '%1': schema %2").arg(id, templateRefusal(actions))};
    // Lines of a schemaString count from its first line in the file.
    if (n.get("schemaString"))
        shiftLines(schemaNode, schemaLine);
    Result<JsonSchema> compiled = JsonSchema::compile(schemaNode, file);
    if (!compiled)
        throw ImportError{0, QStringLiteral("check '%1': %2").arg(id, compiled.error().details)};
    check->schema = std::move(compiled).value();

    // A mutation that adds or replaces one scalar at a plain path becomes the textual fix.
    if (const YNode* muts = n.get("mutations"); muts && muts->isSeq() && muts->seq.size() == 1) {
        const YNode& m = muts->seq.front();
        const YNode* op = m.get("op");
        const YNode* path = m.get("path");
        const YNode* value = m.get("value");
        if (op && path && value && value->isScalar() &&
            (op->scalar == "add" || op->scalar == "replace") && path->scalar.size() > 1 &&
            path->scalar.front() == '/' && path->scalar.find('*') == std::string::npos &&
            path->scalar.find('~') == std::string::npos) {
            const std::string fixPath = path->scalar.substr(1);
            // A list index beyond any real list is not a fix (and would not fit the engine's
            // path walk).
            static const QRegularExpression hugeIndex(QStringLiteral("(^|/)[0-9]{10,}(/|$)"));
            if (!hugeIndex.match(q(fixPath)).hasMatch()) {
                check->fixPath = fixPath;
                check->fixValue = value->scalar;
            }
        }
    }
    r.custom = std::move(check);
    return r;
}

Result<Rule> wrap(const YNode& n, const QString& id, Severity severity, const QString& file,
                  const PolicyPack& existing) {
    try {
        if (existing.find(id))
            throw ImportError{
                n.line, QStringLiteral("check id '%1' is already a rule of the pack").arg(id)};
        return importCheck(n, id, severity, file);
    } catch (const ImportError& e) {
        // Line 0: the message already names the file and line (a schema error).
        return Error::make(
            Error::Kind::Config, QStringLiteral("cannot import Polaris check"),
            e.line > 0 ? QStringLiteral("%1:%2: %3").arg(file).arg(e.line).arg(e.what) : e.what);
    }
}

} // namespace

Result<Rule> importPolarisCheckFile(const QByteArray& yaml, const QString& file,
                                    const PolicyPack& existing, Severity severity) {
    std::vector<YNode> docs;
    try {
        docs = parseYamlDocuments(yaml.toStdString());
    } catch (const YAML::Exception& e) {
        return Error::make(
            Error::Kind::Config, QStringLiteral("cannot import Polaris check"),
            QStringLiteral("%1:%2: %3").arg(file).arg(e.mark.line + 1).arg(q(e.msg)));
    }
    if (docs.size() != 1 || !docs[0].isMap())
        return Error::make(Error::Kind::Config, QStringLiteral("cannot import Polaris check"),
                           QStringLiteral("%1:1: expected one check definition").arg(file));
    return wrap(docs[0], QFileInfo(file).completeBaseName(), severity, file, existing);
}

Result<PolarisImport> importPolarisConfig(const QByteArray& yaml, const QString& file,
                                          const PolicyPack& existing) {
    std::vector<YNode> docs;
    try {
        docs = parseYamlDocuments(yaml.toStdString());
    } catch (const YAML::Exception& e) {
        return Error::make(
            Error::Kind::Config, QStringLiteral("invalid Polaris configuration"),
            QStringLiteral("%1:%2: %3").arg(file).arg(e.mark.line + 1).arg(q(e.msg)));
    }
    if (docs.size() != 1 || !docs[0].isMap())
        return Error::make(Error::Kind::Config, QStringLiteral("invalid Polaris configuration"),
                           QStringLiteral("%1:1: expected one configuration map").arg(file));
    PolarisImport out;
    const YNode* custom = docs[0].get("customChecks");
    if (!custom) {
        out.notes << QStringLiteral("%1: no customChecks").arg(file);
        return out;
    }
    if (!custom->isMap())
        return Error::make(Error::Kind::Config, QStringLiteral("invalid Polaris configuration"),
                           QStringLiteral("%1:%2: customChecks must be a map of check id to "
                                          "definition")
                               .arg(file)
                               .arg(custom->displayLine()));
    const YNode* levels = docs[0].get("checks");
    QSet<QString> ids;
    for (const auto& [key, def] : custom->map) {
        const QString id = q(key);
        Severity severity = Severity::Warning;
        if (const YNode* l = levels ? levels->get(key) : nullptr) {
            if (l->scalar == "ignore") {
                out.notes << QStringLiteral("%1: custom check '%2' is set to ignore: not imported")
                                 .arg(file, id);
                continue;
            }
            if (l->scalar == "danger")
                severity = Severity::Error;
            else if (l->scalar != "warning")
                return Error::make(Error::Kind::Config,
                                   QStringLiteral("invalid Polaris configuration"),
                                   QStringLiteral("%1:%2: severity of '%3' must be danger, "
                                                  "warning or ignore")
                                       .arg(file)
                                       .arg(l->displayLine())
                                       .arg(id));
        }
        Result<Rule> r = wrap(def, id, severity, file, existing);
        if (!r)
            return r.error();
        ids.insert(id);
        out.rules.push_back(std::move(r).value());
    }
    return out;
}

} // namespace sextant::policy
