#include "policyengine.h"

#include "policy/checks.h"

#include <QSet>

#include <algorithm>
#include <tuple>

namespace sextant::policy {

namespace {

// Where the pod template sits in each workload kind (CronJob: inside the job template).
struct PodTemplatePath {
    const char* kind;
    const char* templatePath; // the PodTemplateSpec; "" for Pod (the object is the pod)
};

constexpr PodTemplatePath kPodTemplates[] = {
    {"Pod", ""},
    {"Deployment", "spec/template"},
    {"StatefulSet", "spec/template"},
    {"DaemonSet", "spec/template"},
    {"ReplicaSet", "spec/template"},
    {"ReplicationController", "spec/template"},
    {"Job", "spec/template"},
    {"CronJob", "spec/jobTemplate/spec/template"},
    {"Rollout", "spec/template"},          // Argo Rollouts (argoproj.io/v1alpha1)
    {"DeploymentConfig", "spec/template"}, // OpenShift
};

bool scalesByReplicas(const std::string& kind) {
    return kind == "Deployment" || kind == "StatefulSet" || kind == "ReplicaSet" ||
           kind == "ReplicationController" || kind == "Rollout" || kind == "DeploymentConfig";
}

ObjectView makeView(const KubeObject& o) {
    ObjectView v;
    v.obj = &o;
    const YNode& root = *o.root;
    for (const PodTemplatePath& p : kPodTemplates) {
        if (o.kind != p.kind)
            continue;
        const std::string_view tpl = p.templatePath;
        const YNode* templ = tpl.empty() ? &root : root.path(tpl);
        if (!templ)
            break;
        v.podSpec = templ->get("spec");
        v.podSpecPath = tpl.empty() ? std::string("spec") : std::string(tpl) + "/spec";
        v.podLabels = templ->path("metadata/labels");
        break;
    }
    if (v.podSpec && v.podSpec->isMap()) {
        for (const char* type : {"containers", "initContainers", "ephemeralContainers"}) {
            const YNode* list = v.podSpec->get(type);
            if (!list || !list->isSeq())
                continue;
            for (std::size_t i = 0; i < list->seq.size(); ++i) {
                const YNode& c = list->seq[i];
                if (!c.isMap())
                    continue;
                ContainerView cv;
                cv.node = &c;
                cv.type = type;
                cv.path = v.podSpecPath + '/' + type + '/' + std::to_string(i);
                const YNode* name = c.get("name");
                cv.name = name ? name->scalar : std::to_string(i);
                v.containers.push_back(std::move(cv));
            }
        }
    } else {
        v.podSpec = nullptr;
    }
    if (scalesByReplicas(o.kind)) {
        v.hasReplicas = true;
        long long n = 1;
        if (const YNode* r = root.path("spec/replicas"); r && r->asInt(n))
            v.replicas = n;
    }
    return v;
}

void buildIndexes(ObjectSet& set) {
    for (const ObjectView& v : set.views) {
        const KubeObject& o = *v.obj;
        if (o.kind == "ServiceAccount")
            set.serviceAccounts.emplace(o.ns + '/' + o.name, &v);
        else if (o.kind == "PodDisruptionBudget")
            set.pdbsByNamespace[o.ns].push_back(&v);
        else if (o.kind == "HorizontalPodAutoscaler") {
            const YNode* ref = o.root->path("spec/scaleTargetRef");
            const YNode* kind = ref ? ref->get("kind") : nullptr;
            const YNode* name = ref ? ref->get("name") : nullptr;
            long long minReplicas = 1;
            if (const YNode* m = o.root->path("spec/minReplicas"))
                m->asInt(minReplicas);
            if (kind && name)
                set.autoscaled[o.ns + '/' + kind->scalar + '/' + name->scalar] = minReplicas;
        } else if (o.kind == "Role")
            set.roles.emplace(o.ns + '/' + o.name, &v);
        else if (o.kind == "ClusterRole")
            set.clusterRoles.emplace(o.name, &v);
        else if (o.kind == "NetworkPolicy")
            set.networkPoliciesByNamespace[o.ns].push_back(&v);
        else if (o.kind == "Namespace")
            set.namespaces.emplace(o.name, &v);
        if (v.podSpec) {
            set.workloadsByNamespace[o.ns].push_back(&v);
            if (v.podLabels && v.podLabels->isMap()) {
                for (const auto& [k, val] : v.podLabels->map)
                    set.podTemplatesByLabel[o.ns + '\n' + k + '=' + val.scalar].push_back(&v);
            }
        }
    }
}

std::vector<std::string_view> splitPath(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        parts.push_back(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    }
    return parts;
}

bool isIndex(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Follows a path as far as it exists; returns the deepest node and how many parts matched.
const YNode* walk(const YNode& root, const std::vector<std::string_view>& parts,
                  std::size_t& depth) {
    const YNode* n = &root;
    depth = 0;
    for (std::string_view p : parts) {
        const YNode* next = nullptr;
        if (n->isSeq() && isIndex(p)) {
            const std::size_t i = std::stoul(std::string(p));
            next = i < n->seq.size() ? &n->seq[i] : nullptr;
        } else {
            next = n->get(p);
        }
        if (!next)
            break;
        n = next;
        ++depth;
    }
    return n;
}

// The file and line of a field: in the object itself, or for a rendered object in whichever
// of its source objects defines the most of the path (an overlay patch before its base).
std::pair<QString, int> locate(const KubeObject& o, const std::string& path) {
    const std::vector<std::string_view> parts = splitPath(path);
    if (o.sources.empty()) {
        std::size_t depth = 0;
        const int line = walk(*o.root, parts, depth)->displayLine();
        return {o.file, line > 0 ? line : o.line};
    }
    std::size_t bestDepth = 0;
    const KubeObject::Source* best = &o.sources.front();
    const YNode* bestNode = best->root.get();
    for (const KubeObject::Source& s : o.sources) {
        std::size_t depth = 0;
        const YNode* n = walk(*s.root, parts, depth);
        if (depth > bestDepth) {
            bestDepth = depth;
            best = &s;
            bestNode = n;
        }
    }
    const int line = bestNode->displayLine();
    return {best->file, line > 0 ? line : best->root->line};
}

// End of the scalar token that starts at `col` (quoted, or plain up to a comment/flow mark).
int tokenEnd(const QString& line, int col) {
    if (col >= line.size())
        return col;
    const QChar quote = line[col];
    if (quote == QLatin1Char('"') || quote == QLatin1Char('\'')) {
        const int close = int(line.indexOf(quote, col + 1));
        return close < 0 ? int(line.size()) : close + 1;
    }
    int end = col;
    while (end < line.size()) {
        const QChar c = line[end];
        if (c == QLatin1Char(',') || c == QLatin1Char('}') || c == QLatin1Char(']') ||
            (c == QLatin1Char('#') && end > col && line[end - 1].isSpace()))
            break;
        ++end;
    }
    while (end > col && line[end - 1].isSpace())
        --end;
    return end;
}

QString unifiedDiff(const QString& file, const QStringList& lines, const Fix& fix) {
    const QStringList added =
        fix.text.isEmpty() ? QStringList() : fix.text.split(QLatin1Char('\n'));
    QString d = QStringLiteral("--- a/%1\n+++ b/%1\n").arg(file);
    if (fix.removeLines == 0) {
        // One line of context before the insertion keeps the hunk applicable by patch(1).
        const int ctx = fix.line - 1;
        d += QStringLiteral("@@ -%1,1 +%1,%2 @@\n").arg(ctx).arg(added.size() + 1);
        d += QLatin1Char(' ') + lines.value(ctx - 1) + QLatin1Char('\n');
    } else {
        d += QStringLiteral("@@ -%1,%2 +%1,%3 @@\n")
                 .arg(fix.line)
                 .arg(fix.removeLines)
                 .arg(added.size());
        for (int i = 0; i < fix.removeLines; ++i)
            d += QLatin1Char('-') + lines.value(fix.line - 1 + i) + QLatin1Char('\n');
    }
    for (const QString& a : added)
        d += QLatin1Char('+') + a + QLatin1Char('\n');
    return d;
}

// A textual fix that writes `value` at `path`: replaces the scalar when the field exists,
// otherwise inserts the missing keys into the nearest existing block map.
std::optional<Fix> makeFix(const KubeObject& o, const QStringList& lines, const std::string& path,
                           const std::string& value) {
    const std::vector<std::string_view> parts = splitPath(path);
    std::size_t depth = 0;
    const YNode* n = walk(*o.root, parts, depth);
    Fix fix;
    fix.file = o.file;
    if (depth == parts.size()) {
        if (!n->isScalar() || n->line <= 0 || n->line > lines.size())
            return std::nullopt;
        const QString& text = lines[n->line - 1];
        const int end = tokenEnd(text, n->column);
        fix.line = n->line;
        fix.removeLines = 1;
        fix.text = text.left(n->column) + QString::fromStdString(value) + text.mid(end);
        fix.description = QStringLiteral("set %1 to %2")
                              .arg(QString::fromStdString(path), QString::fromStdString(value));
    } else {
        if (!n->isMap() || n->flow || n->map.empty())
            return std::nullopt;
        for (std::size_t i = depth; i < parts.size(); ++i) {
            if (isIndex(parts[i]))
                return std::nullopt; // would have to create a list item: no minimal fix
        }
        const YNode& first = n->map.front().second;
        if (first.keyLine <= 0 || first.keyLine > lines.size())
            return std::nullopt;
        const QString& keyText = lines[first.keyLine - 1];
        int insertAt = 0;
        if (keyText.left(first.keyColumn).trimmed().isEmpty()) {
            insertAt = first.keyLine; // before the first key
        } else if (first.isScalar() && first.line == first.keyLine &&
                   !keyText.mid(first.column).startsWith(QLatin1Char('|')) &&
                   !keyText.mid(first.column).startsWith(QLatin1Char('>'))) {
            insertAt = first.keyLine + 1; // after "- name: x"
        } else {
            return std::nullopt;
        }
        const QString indent(first.keyColumn, QLatin1Char(' '));
        QStringList added;
        for (std::size_t i = depth; i < parts.size(); ++i) {
            const QString step(int(i - depth) * 2, QLatin1Char(' '));
            QString line = indent + step +
                           QString::fromUtf8(parts[i].data(), int(parts[i].size())) +
                           QLatin1Char(':');
            if (i + 1 == parts.size())
                line += QLatin1Char(' ') + QString::fromStdString(value);
            added << line;
        }
        fix.line = insertAt;
        fix.removeLines = 0;
        fix.text = added.join(QLatin1Char('\n'));
        fix.description = QStringLiteral("add %1: %2")
                              .arg(QString::fromStdString(path), QString::fromStdString(value));
    }
    fix.diff = unifiedDiff(o.file, lines, fix);
    return fix;
}

} // namespace

std::vector<Violation> checkObjects(const PolicyPack& pack, const std::vector<KubeObject>& objects,
                                    const CheckOptions& options) {
    ObjectSet set;
    set.kubernetesVersion = options.kubernetesVersion;
    set.views.reserve(objects.size());
    for (const KubeObject& o : objects)
        set.views.push_back(makeView(o));
    buildIndexes(set);

    const auto& registry = checkRegistry();
    struct Active {
        const Rule* rule;
        CheckFn fn;
    };
    std::vector<Active> active;
    const QSet<QString> only(options.onlyRules.begin(), options.onlyRules.end());
    for (const Rule& r : pack.rules()) {
        if (!only.isEmpty() && !only.contains(r.id))
            continue;
        const auto it = registry.find(r.check);
        if (it != registry.end())
            active.push_back({&r, it->second});
    }

    std::vector<Violation> out;
    std::vector<Finding> findings;
    for (const ObjectView& v : set.views) {
        for (const Active& a : active) {
            findings.clear();
            a.fn(*a.rule, v, set, findings);
            for (Finding& f : findings) {
                const KubeObject& o = *v.obj;
                Violation viol;
                viol.rule = a.rule->id;
                viol.severity = f.severityOverride ? f.severity : a.rule->severity;
                viol.apiVersion = QString::fromStdString(o.apiVersion);
                viol.kind = QString::fromStdString(o.kind);
                viol.ns = QString::fromStdString(o.ns);
                viol.name = QString::fromStdString(o.name);
                viol.container = f.container;
                std::tie(viol.file, viol.line) = locate(o, f.path);
                viol.message = std::move(f.message);
                // Fixes only for objects read straight from the author's file: a rendered
                // object's field may come from a patch or a template.
                if (!f.fixPath.empty() && !o.rendered && options.sources) {
                    const auto src = options.sources->constFind(o.file);
                    if (src != options.sources->constEnd())
                        viol.fix = makeFix(o, *src, f.fixPath, f.fixValue);
                }
                out.push_back(std::move(viol));
            }
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Violation& a, const Violation& b) {
        if (a.file != b.file)
            return a.file < b.file;
        if (a.line != b.line)
            return a.line < b.line;
        return a.rule < b.rule;
    });
    return out;
}

bool applyFix(QStringList& lines, const Fix& fix) {
    const int at = fix.line - 1;
    if (at < 0 || at + fix.removeLines > lines.size())
        return false;
    for (int i = 0; i < fix.removeLines; ++i)
        lines.removeAt(at);
    if (!fix.text.isEmpty()) {
        const QStringList added = fix.text.split(QLatin1Char('\n'));
        for (int i = 0; i < added.size(); ++i)
            lines.insert(at + i, added[i]);
    }
    return true;
}

} // namespace sextant::policy
