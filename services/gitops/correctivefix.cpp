#include "correctivefix.h"

#include "gitops/yamledit.h"

#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace sextant::gitops {

using analysis::Finding;
using policy::YNode;

namespace {

const QStringList kKustomizationNames = {QStringLiteral("kustomization.yaml"),
                                         QStringLiteral("kustomization.yml"),
                                         QStringLiteral("Kustomization")};

QString str(const std::string& s) {
    return QString::fromStdString(s);
}

QString scalarAt(const YNode& n, const char* key) {
    const YNode* v = n.get(key);
    return v && v->isScalar() ? str(v->scalar) : QString();
}

bool isYamlFile(const QString& path) {
    return path.endsWith(QLatin1String(".yaml")) || path.endsWith(QLatin1String(".yml"));
}

bool isRemote(const QString& entry) {
    return entry.contains(QLatin1String("://")) || entry.startsWith(QLatin1String("git@")) ||
           entry.startsWith(QLatin1String("github.com/"));
}

// ---- Collected edits ---------------------------------------------------------------------

class EditSet {
public:
    explicit EditSet(const RepoTree& tree)
        : m_tree(tree) {}

    Result<QByteArray> read(const QString& path) {
        if (m_current.contains(path))
            return m_current.value(path);
        const auto bytes = m_tree.readFile(path);
        if (!bytes)
            return Error::make(Error::Kind::NotFound,
                               QStringLiteral("%1 does not exist").arg(path));
        return *bytes;
    }

    Result<YamlChange> set(const QString& path, const DocSelector& doc, const YamlPath& yp,
                           const QString& value, const SetOptions& options, const QString& why) {
        auto content = read(path);
        if (!content.ok())
            return content.error();
        auto change = setScalar(*content, doc, yp, value, options);
        if (!change.ok())
            return Error::make(change.error().kind,
                               QStringLiteral("%1: %2").arg(path, change.error().shortMessage),
                               change.error().details);
        store(path, *content, change->content, why);
        return change;
    }

    Result<YamlChange> append(const QString& path, const DocSelector& doc, const YamlPath& yp,
                              const QString& value, const SetOptions& options, const QString& why) {
        auto content = read(path);
        if (!content.ok())
            return content.error();
        auto change = appendListItem(*content, doc, yp, value, options);
        if (!change.ok())
            return Error::make(change.error().kind,
                               QStringLiteral("%1: %2").arg(path, change.error().shortMessage),
                               change.error().details);
        store(path, *content, change->content, why);
        return change;
    }

    void replace(const QString& path, const QByteArray& before, const QByteArray& after,
                 const QString& why) {
        store(path, before, after, why);
    }

    std::vector<DraftEdit> edits() const {
        std::vector<DraftEdit> out;
        for (const QString& path : m_order) {
            DraftEdit e;
            e.path = path;
            e.before = m_original.value(path);
            e.after = m_current.value(path);
            if (e.before == e.after)
                continue;
            e.diff = unifiedDiff(path, e.before, e.after);
            e.why = m_why.value(path).join(QLatin1Char(' '));
            out.push_back(std::move(e));
        }
        return out;
    }

private:
    void store(const QString& path, const QByteArray& before, const QByteArray& after,
               const QString& why) {
        if (!m_original.contains(path)) {
            m_original.insert(path, before);
            m_order << path;
        }
        m_current.insert(path, after);
        if (!why.isEmpty() && !m_why[path].contains(why))
            m_why[path] << why;
    }

    const RepoTree& m_tree;
    QMap<QString, QByteArray> m_original;
    QMap<QString, QByteArray> m_current;
    QMap<QString, QStringList> m_why;
    QStringList m_order;
};

// ---- Kustomize layers --------------------------------------------------------------------

struct Layer {
    QString dir;
    QString file; // the kustomization file
    YNode root;
    QStringList resourceFiles; // manifests listed in resources
    QStringList patchFiles;    // strategic-merge or JSON 6902 patch files
    QString namePrefix;
    QString nameSuffix;
};

QString kustomizationIn(const RepoTree& tree, const QString& dir) {
    for (const QString& name : kKustomizationNames) {
        const QString path = dir.isEmpty() ? name : dir + QLatin1Char('/') + name;
        if (tree.isFile(path))
            return path;
    }
    return {};
}

QStringList scalarList(const YNode& root, const char* key) {
    QStringList out;
    if (const YNode* l = root.get(key); l && l->isSeq())
        for (const YNode& item : l->seq)
            if (item.isScalar())
                out << str(item.scalar);
    return out;
}

// The kustomizations reachable from `dir`, outermost first (depth-first in the order of
// `resources`, `bases`, `components`): the order in which an outer value overrides an inner one.
void collectLayers(const RepoTree& tree, const QString& dir, std::vector<Layer>& layers,
                   QStringList& notes, QSet<QString>& visited) {
    if (visited.contains(dir) || visited.size() > 64)
        return;
    visited.insert(dir);
    const QString file = kustomizationIn(tree, dir);
    if (file.isEmpty())
        return;
    auto docs = parseYaml(tree.readFile(file).value_or(QByteArray()));
    if (!docs.ok() || docs->empty()) {
        notes << QStringLiteral("%1 could not be read: %2")
                     .arg(file, docs.ok() ? QStringLiteral("empty") : docs.error().shortMessage);
        return;
    }
    Layer layer;
    layer.dir = dir;
    layer.file = file;
    layer.root = docs->front();
    layer.namePrefix = scalarAt(layer.root, "namePrefix");
    layer.nameSuffix = scalarAt(layer.root, "nameSuffix");
    QStringList children;
    for (const char* key : {"resources", "bases", "components"}) {
        for (const QString& entry : scalarList(layer.root, key)) {
            if (isRemote(entry)) {
                notes << QStringLiteral("%1: remote %2 entry %3 not followed")
                             .arg(file, QLatin1String(key), entry);
                continue;
            }
            const auto path = joinPath(dir, entry);
            if (!path)
                continue;
            if (tree.isFile(*path))
                layer.resourceFiles << *path;
            else if (tree.isDir(*path))
                children << *path;
        }
    }
    for (const QString& entry : scalarList(layer.root, "patchesStrategicMerge")) {
        if (entry.contains(QLatin1Char('\n')))
            continue; // an inline patch: no file to edit
        if (const auto path = joinPath(dir, entry); path && tree.isFile(*path))
            layer.patchFiles << *path;
    }
    for (const char* key : {"patches", "patchesJson6902"}) {
        if (const YNode* l = layer.root.get(key); l && l->isSeq()) {
            for (const YNode& item : l->seq) {
                const QString p = scalarAt(item, "path");
                if (p.isEmpty())
                    continue;
                if (const auto path = joinPath(dir, p); path && tree.isFile(*path))
                    layer.patchFiles << *path;
            }
        }
    }
    layers.push_back(std::move(layer));
    for (const QString& child : children)
        collectLayers(tree, child, layers, notes, visited);
}

// The directories of other kustomizations in the repository that include `dir` (directly or
// through other bases): who else a change in `dir` reaches.
QStringList otherUsersOf(const RepoTree& tree, const QString& dir, const QString& exceptDir) {
    QStringList users;
    for (const QString& f : tree.allFiles()) {
        const QString name = f.section(QLatin1Char('/'), -1);
        if (!kKustomizationNames.contains(name))
            continue;
        const QString d = parentDir(f);
        if (d == exceptDir || d == dir)
            continue;
        std::vector<Layer> layers;
        QStringList ignored;
        QSet<QString> visited;
        collectLayers(tree, d, layers, ignored, visited);
        for (std::size_t i = 1; i < layers.size(); ++i)
            if (layers[i].dir == dir) {
                users << d;
                break;
            }
    }
    // Only the outermost users (an overlay, not an intermediate base) are interesting.
    QStringList outer;
    for (const QString& u : users) {
        bool inner = false;
        for (const QString& v : users) {
            if (v == u)
                continue;
            std::vector<Layer> layers;
            QStringList ignored;
            QSet<QString> visited;
            collectLayers(tree, v, layers, ignored, visited);
            for (std::size_t i = 1; i < layers.size(); ++i)
                inner = inner || layers[i].dir == u;
        }
        if (!inner)
            outer << u;
    }
    outer.sort();
    return outer;
}

// ---- Workloads and containers ------------------------------------------------------------

struct Workload {
    QString kind;
    QString name;
};

Workload workloadOf(const Finding& f) {
    Workload w;
    const QString r = f.resource.trimmed();
    const int space = r.indexOf(QLatin1Char(' '));
    if (space > 0) {
        w.kind = r.left(space);
        w.name = r.mid(space + 1).section(QLatin1Char('/'), -1);
    }
    if (w.name.isEmpty())
        w.name = f.fields.value(QStringLiteral("name"));
    if (w.kind.isEmpty())
        w.kind = f.fields.value(QStringLiteral("kind"));
    if (w.kind == QLatin1String("Pod")) {
        // A Pod of a Deployment/ReplicaSet: "<workload>-<template hash>-<5 chars>"; Git has the
        // workload, whose kind is not known from the Pod name alone.
        static const QRegularExpression podSuffix(
            QStringLiteral("(?:-[a-z0-9]{6,10})?-[a-z0-9]{5}$"));
        w.name.remove(podSuffix);
        w.kind.clear();
    }
    return w;
}

// A container in a manifest or patch.
struct ContainerSite {
    QString file;
    DocSelector doc;
    YamlPath path; // to the container map
    const YNode* node = nullptr;
    QString docKind;
    QString docName;
};

YamlPath podSpecPath(const YNode& doc) {
    const QString kind = scalarAt(doc, "kind");
    if (kind == QLatin1String("CronJob"))
        return {QStringLiteral("spec"), QStringLiteral("jobTemplate"), QStringLiteral("spec"),
                QStringLiteral("template"), QStringLiteral("spec")};
    if (kind == QLatin1String("Pod"))
        return {QStringLiteral("spec")};
    return {QStringLiteral("spec"), QStringLiteral("template"), QStringLiteral("spec")};
}

struct ParsedFile {
    QString path;
    QByteArray content;
    std::vector<YNode> docs;
};

std::vector<ContainerSite> containersIn(const ParsedFile& file) {
    std::vector<ContainerSite> out;
    for (const YNode& doc : file.docs) {
        if (!doc.isMap())
            continue;
        const YamlPath spec = podSpecPath(doc);
        const YNode* podSpec = findNode(doc, spec);
        if (!podSpec)
            continue;
        for (const char* list : {"containers", "initContainers"}) {
            const YNode* l = podSpec->get(list);
            if (!l || !l->isSeq())
                continue;
            for (std::size_t i = 0; i < l->seq.size(); ++i) {
                const YNode& c = l->seq[i];
                ContainerSite site;
                site.file = file.path;
                site.docKind = scalarAt(doc, "kind");
                site.docName =
                    doc.path("metadata/name") ? str(doc.path("metadata/name")->scalar) : QString();
                site.doc = {site.docKind, site.docName};
                site.path = spec;
                site.path << QLatin1String(list);
                const QString name = scalarAt(c, "name");
                site.path << (name.isEmpty() ? QStringLiteral("[%1]").arg(i)
                                             : QStringLiteral("[name=%1]").arg(name));
                site.node = &c;
                out.push_back(site);
            }
        }
    }
    return out;
}

std::optional<ParsedFile> parseFile(EditSet& edits, const QString& path) {
    auto content = edits.read(path);
    if (!content.ok())
        return std::nullopt;
    auto docs = parseYaml(*content);
    if (!docs.ok())
        return std::nullopt;
    return ParsedFile{path, *content, std::move(*docs)};
}

// ---- Helm values -------------------------------------------------------------------------

struct ValuesFile {
    QString path;
    YNode root;
};

// Every scalar leaf path of a values tree (maps only; lists are not addressed by values).
void leafPaths(const YNode& n, YamlPath& prefix,
               std::vector<std::pair<YamlPath, const YNode*>>& out) {
    if (n.isMap() && !n.flow) {
        for (const auto& [k, v] : n.map) {
            prefix << str(k);
            leafPaths(v, prefix, out);
            prefix.removeLast();
        }
    } else if (n.isScalar() || n.type == YNode::Type::Null) {
        out.emplace_back(prefix, &n);
    }
}

bool setsValue(const YNode& root, const YamlPath& path) {
    const YNode* n = findNode(root, path);
    return n && n->isScalar() && !n->scalar.empty();
}

// ---- Quantities and tags -----------------------------------------------------------------

const QRegularExpression& placeholderPattern() {
    static const QRegularExpression re(
        QStringLiteral("^(?:|todo|tbd|fixme|changeme|change[-_ ]me|xxx+|\\.\\.\\.|placeholder|"
                       "<[^>]*>|\\$\\{[^}]*\\}|\\{\\{.*\\}\\}|replace[-_ ]?me|your[-_ ].*|value)$"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}

bool isPlaceholder(const QString& value) {
    return placeholderPattern().match(value.trimmed()).hasMatch();
}

bool validCpu(const QString& q) {
    static const QRegularExpression re(QStringLiteral("^(?:[0-9]+(?:\\.[0-9]+)?|[0-9]+m)$"));
    return re.match(q).hasMatch();
}

QString slug(const QString& s) {
    QString out;
    for (const QChar c : s.toLower()) {
        if (c.isLetterOrNumber() && c.unicode() < 128)
            out += c;
        else if (c == QLatin1Char('.') || c == QLatin1Char('_'))
            out += c == QLatin1Char('.') ? QLatin1Char('.') : QLatin1Char('-');
        else if (!out.endsWith(QLatin1Char('-')))
            out += QLatin1Char('-');
    }
    while (out.endsWith(QLatin1Char('-')) || out.endsWith(QLatin1Char('.')))
        out.chop(1);
    while (out.startsWith(QLatin1Char('-')) || out.startsWith(QLatin1Char('.')))
        out.remove(0, 1);
    out.replace(QStringLiteral(".."), QStringLiteral("."));
    return out.left(48);
}

// ---- The drafting context ----------------------------------------------------------------

enum class SourceType { Kustomize, Helm, Directory };

struct Ctx {
    const Finding& finding;
    const RepoTree& tree;
    const FixTarget& target;
    EditSet edits;
    CorrectiveDraft draft;
    SourceType type = SourceType::Directory;
    QString sourceDir;
    std::vector<Layer> layers;      // Kustomize
    std::vector<ValuesFile> values; // Helm, in the order Helm merges them
    QString container;
    Workload workload;

    Ctx(const Finding& f, const RepoTree& t, const FixTarget& ft)
        : finding(f)
        , tree(t)
        , target(ft)
        , edits(t) {}

    QString input(const char* key) const {
        return target.inputs.value(QLatin1String(key)).trimmed();
    }
    QString field(const char* key) const { return finding.fields.value(QLatin1String(key)); }
};

Status loadSource(Ctx& c) {
    const auto dir = normalisePath(c.target.sourcePath);
    if (!dir)
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("source path %1 leaves the repository").arg(c.target.sourcePath));
    c.sourceDir = *dir;
    if (!c.sourceDir.isEmpty() && !c.tree.isDir(c.sourceDir))
        return Error::make(
            Error::Kind::NotFound,
            QStringLiteral("source path %1 does not exist in this revision").arg(c.sourceDir));
    const QString chart = c.sourceDir.isEmpty() ? QStringLiteral("Chart.yaml")
                                                : c.sourceDir + QStringLiteral("/Chart.yaml");
    if (c.tree.isFile(chart)) {
        c.type = SourceType::Helm;
        QStringList files;
        const QString defaults = *joinPath(c.sourceDir, QStringLiteral("values.yaml"));
        if (c.tree.isFile(defaults))
            files << defaults;
        for (const QString& vf : c.target.valueFiles) {
            if (vf.startsWith(QLatin1Char('$')) || isRemote(vf)) {
                c.draft.notes << QStringLiteral("values file %1 lives in another source; it is "
                                                "not searched")
                                     .arg(vf);
                continue;
            }
            const auto p = joinPath(c.sourceDir, vf);
            if (!p || !c.tree.isFile(*p)) {
                c.draft.notes
                    << QStringLiteral("values file %1 is missing in this revision").arg(vf);
                continue;
            }
            files.removeAll(*p);
            files << *p;
        }
        for (const QString& f : files) {
            auto docs = parseYaml(c.tree.readFile(f).value_or(QByteArray()));
            if (!docs.ok())
                return Error::make(docs.error().kind,
                                   QStringLiteral("%1: %2").arg(f, docs.error().shortMessage),
                                   docs.error().details);
            c.values.push_back({f, docs->empty() ? YNode() : docs->front()});
        }
        return okStatus();
    }
    if (!kustomizationIn(c.tree, c.sourceDir).isEmpty()) {
        c.type = SourceType::Kustomize;
        QSet<QString> visited;
        collectLayers(c.tree, c.sourceDir, c.layers, c.draft.notes, visited);
        return okStatus();
    }
    c.type = SourceType::Directory;
    Layer plain; // a directory source is one layer of manifests
    plain.dir = c.sourceDir;
    QStringList files;
    for (const QString& f : c.tree.list(c.sourceDir))
        if (!f.endsWith(QLatin1Char('/')) && isYamlFile(f))
            files << *joinPath(c.sourceDir, f);
    if (files.isEmpty()) // Argo CD's directory.recurse: look deeper when the top is empty
        for (const QString& f : c.tree.allFiles(c.sourceDir))
            if (isYamlFile(f))
                files << f;
    plain.resourceFiles = files;
    c.layers.push_back(std::move(plain));
    return okStatus();
}

bool workloadMatches(const Ctx& c, const ContainerSite& s) {
    if (c.workload.name.isEmpty())
        return true;
    if (!c.workload.kind.isEmpty() && !s.docKind.isEmpty() && s.docKind != c.workload.kind)
        return false;
    if (s.docName.isEmpty() || s.docName == c.workload.name)
        return true;
    // A kustomize namePrefix/nameSuffix changes the rendered name.
    return c.workload.name.endsWith(s.docName) || c.workload.name.startsWith(s.docName);
}

bool containerMatches(const Ctx& c, const ContainerSite& s) {
    if (c.container.isEmpty())
        return true;
    return scalarAt(*s.node, "name") == c.container;
}

// Every container site of the workload, outermost first: per layer its patches, then its
// resources. `store` keeps the parsed files alive while the sites point into them.
std::vector<std::pair<ContainerSite, bool /*patch*/>> allSites(Ctx& c,
                                                               std::vector<ParsedFile>& store) {
    std::vector<std::pair<ContainerSite, bool>> out;
    store.reserve(256);
    for (const Layer& layer : c.layers) {
        for (const bool patch : {true, false}) {
            const QStringList& files = patch ? layer.patchFiles : layer.resourceFiles;
            for (const QString& f : files) {
                auto parsed = parseFile(c.edits, f);
                if (!parsed)
                    continue;
                store.push_back(std::move(*parsed));
                for (const ContainerSite& s : containersIn(store.back()))
                    if (workloadMatches(c, s))
                        out.emplace_back(s, patch);
            }
        }
    }
    return out;
}

QString lineRef(const QString& file, int line) {
    return line > 0 ? QStringLiteral("%1:%2").arg(file).arg(line) : file;
}

void noteOtherUsers(Ctx& c, const QString& editedFile) {
    if (c.type != SourceType::Kustomize)
        return;
    const QString dir = parentDir(editedFile);
    if (dir == c.sourceDir)
        return;
    const QStringList users = otherUsersOf(c.tree, dir, c.sourceDir);
    if (!users.isEmpty())
        c.draft.notes << QStringLiteral("%1 is shared: the change also reaches %2.")
                             .arg(editedFile, users.join(QStringLiteral(", ")));
}

void finishDraft(Ctx& c, const QString& title, const QString& shortName) {
    CorrectiveDraft& d = c.draft;
    d.edits = c.edits.edits();
    const QString app = c.target.appName.isEmpty() ? QStringLiteral("app") : c.target.appName;
    d.title = QStringLiteral("%1: %2").arg(app, title);
    d.branchName = QStringLiteral("sextant/fix-%1-%2").arg(slug(app), slug(shortName));
    QString msg = d.title + QStringLiteral("\n\n") + d.explanation;
    if (!d.notes.isEmpty())
        msg += QStringLiteral("\n\nNotes:\n- ") + d.notes.join(QStringLiteral("\n- "));
    msg += QStringLiteral("\n\nFinding: %1").arg(c.finding.category);
    if (!c.finding.signatureId.isEmpty())
        msg += QStringLiteral(" (%1)").arg(c.finding.signatureId);
    if (!c.finding.summary.isEmpty())
        msg += QStringLiteral(": ") + c.finding.summary;
    msg += QStringLiteral("\nDrafted by Sextant, reviewed and approved in the console.\n");
    d.commitMessage = msg;
}

// ---- image-tag / image-repository --------------------------------------------------------

struct ImageSetter {
    enum class Kind {
        KustomizeImages,
        ManifestImage,
        Json6902Image,
        HelmTag,
        HelmRepository,
        HelmImageString
    } kind;
    QString file;
    DocSelector doc;
    YamlPath path;   // to the scalar (newTag / image / tag / value)
    YamlPath entry;  // KustomizeImages: the images entry
    QString current; // current scalar
    int line = 0;
    QString why;
};

struct ImageSuggestion {
    QString tag;
    QString reason;
};

ImageSuggestion suggestTag(const ImageRef& failing, const QString& history) {
    QStringList known;   // tags of the same repository, oldest first
    QStringList healthy; // those not marked unhealthy
    QSet<QString> unhealthy;
    for (const QString& raw : history.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QStringList parts = raw.simplified().split(QLatin1Char(' '));
        if (parts.isEmpty())
            continue;
        const ImageRef ref = parseImageRef(parts.first());
        if (ref.repository != failing.repository || ref.tag.isEmpty() || ref.tag == failing.tag)
            continue;
        const QString outcome = parts.value(1).toLower();
        const bool bad = outcome == QLatin1String("unhealthy") ||
                         outcome == QLatin1String("degraded") || outcome == QLatin1String("failed");
        known.removeAll(ref.tag);
        known << ref.tag;
        if (bad) {
            unhealthy.insert(ref.tag);
            healthy.removeAll(ref.tag);
        } else if (!unhealthy.contains(ref.tag)) {
            healthy.removeAll(ref.tag);
            healthy << ref.tag;
        }
    }
    const QString lastHealthy = healthy.isEmpty() ? QString() : healthy.last();
    QStringList newestFirst = known;
    std::reverse(newestFirst.begin(), newestFirst.end());
    const NearMiss near = nearMissTag(failing.tag, newestFirst);
    if (!near.tag.isEmpty() && !unhealthy.contains(near.tag)) {
        QString reason =
            QStringLiteral("%1 looks like a typo of %2 (%3)").arg(failing.tag, near.tag, near.how);
        if (near.tag == lastHealthy)
            reason += QStringLiteral("; %1 is also the last tag that ran healthy").arg(near.tag);
        return {near.tag, reason};
    }
    if (!lastHealthy.isEmpty())
        return {lastHealthy,
                QStringLiteral("%1 is the last tag of %2 in the deployment history that ran "
                               "without being marked unhealthy")
                    .arg(lastHealthy, failing.repository)};
    return {};
}

// Where the image of the workload is decided, outermost first.
std::optional<ImageSetter> findImageSetter(Ctx& c, const ImageRef& failing, bool wantRepository,
                                           std::vector<ParsedFile>& store) {
    if (c.type == SourceType::Helm) {
        // The shape comes from any values file: a map with repository (and tag), or an image
        // string "repo:tag".
        std::optional<YamlPath> prefix;
        std::optional<YamlPath> stringPath;
        for (const ValuesFile& vf : c.values) {
            std::vector<std::pair<YamlPath, const YNode*>> leaves;
            YamlPath p;
            leafPaths(vf.root, p, leaves);
            for (const auto& [path, node] : leaves) {
                const QString key = path.last();
                const QString v = str(node->scalar);
                if (key == QLatin1String("repository") && !v.isEmpty()) {
                    YamlPath parent = path.mid(0, path.size() - 1);
                    const YNode* m = findNode(vf.root, parent);
                    const QString registry = m ? scalarAt(*m, "registry") : QString();
                    if (v == failing.repository ||
                        (!registry.isEmpty() &&
                         registry + QLatin1Char('/') + v == failing.repository) ||
                        failing.repository.endsWith(QLatin1Char('/') + v)) {
                        if (!prefix)
                            prefix = parent;
                    }
                } else if (key == QLatin1String("image") &&
                           parseImageRef(v).repository == failing.repository) {
                    if (!stringPath)
                        stringPath = path;
                }
            }
        }
        auto lastSetter = [&](const YamlPath& path) -> std::optional<std::size_t> {
            for (std::size_t i = c.values.size(); i-- > 0;)
                if (setsValue(c.values[i].root, path))
                    return i;
            return std::nullopt;
        };
        if (prefix) {
            YamlPath path = *prefix;
            path << (wantRepository ? QStringLiteral("repository") : QStringLiteral("tag"));
            ImageSetter s;
            s.kind =
                wantRepository ? ImageSetter::Kind::HelmRepository : ImageSetter::Kind::HelmTag;
            s.path = path;
            if (const auto i = lastSetter(path)) {
                s.file = c.values[*i].path;
                const YNode* n = findNode(c.values[*i].root, path);
                s.current = str(n->scalar);
                s.line = n->line;
                s.why = QStringLiteral("%1 is the last values file that sets %2 (Helm merges the "
                                       "value files in order; the last one wins).")
                            .arg(s.file, yamlPathString(path));
            } else {
                // Nothing sets it (empty: the chart's appVersion): the most specific file.
                s.file = c.values.back().path;
                s.why = QStringLiteral("No values file sets %1 (the chart falls back to its "
                                       "appVersion); %2 is the most specific values file of the "
                                       "Application.")
                            .arg(yamlPathString(path), s.file);
            }
            return s;
        }
        if (stringPath) {
            ImageSetter s;
            s.kind = ImageSetter::Kind::HelmImageString;
            s.path = *stringPath;
            const auto i = lastSetter(*stringPath);
            s.file = c.values[i.value_or(c.values.size() - 1)].path;
            if (i) {
                const YNode* n = findNode(c.values[*i].root, *stringPath);
                s.current = str(n->scalar);
                s.line = n->line;
            }
            s.why = QStringLiteral("%1 is the last values file that sets the image string %2.")
                        .arg(s.file, yamlPathString(*stringPath));
            return s;
        }
        // Last resort: a scalar holding the failing tag.
        for (std::size_t i = c.values.size(); i-- > 0 && !wantRepository;) {
            std::vector<std::pair<YamlPath, const YNode*>> leaves;
            YamlPath p;
            leafPaths(c.values[i].root, p, leaves);
            for (const auto& [path, node] : leaves) {
                if (str(node->scalar) == failing.tag &&
                    path.last().contains(QLatin1String("tag"), Qt::CaseInsensitive)) {
                    ImageSetter s;
                    s.kind = ImageSetter::Kind::HelmTag;
                    s.file = c.values[i].path;
                    s.path = path;
                    s.current = failing.tag;
                    s.line = node->line;
                    s.why = QStringLiteral("%1 sets %2 to the failing tag %3.")
                                .arg(s.file, yamlPathString(path), failing.tag);
                    return s;
                }
            }
        }
        return std::nullopt;
    }

    // Kustomize (or a plain directory, one layer without images).
    QSet<QString> names{failing.repository}; // image names that render to the failing one
    std::optional<ImageSetter> entryWithoutValue;
    for (const Layer& layer : c.layers) {
        if (const YNode* images = layer.root.get("images"); images && images->isSeq()) {
            if (images->flow)
                c.draft.notes
                    << QStringLiteral("%1: the images list is in flow style").arg(layer.file);
            for (std::size_t i = 0; i < images->seq.size(); ++i) {
                const YNode& e = images->seq[i];
                const QString name = scalarAt(e, "name");
                const QString newName = scalarAt(e, "newName");
                const bool rendersHere =
                    newName.isEmpty() ? names.contains(name) : names.contains(newName);
                if (!rendersHere)
                    continue;
                names.insert(name);
                const YamlPath entry{QStringLiteral("images"),
                                     name.isEmpty() ? QStringLiteral("[%1]").arg(i)
                                                    : QStringLiteral("[name=%1]").arg(name)};
                const char* key = wantRepository ? "newName" : "newTag";
                const bool hasDigest = !scalarAt(e, "digest").isEmpty();
                ImageSetter s;
                s.kind = ImageSetter::Kind::KustomizeImages;
                s.file = layer.file;
                s.entry = entry;
                s.path = entry;
                s.path << QLatin1String(key);
                if (const YNode* v = e.get(key); v && v->isScalar() && !v->scalar.empty()) {
                    s.current = str(v->scalar);
                    s.line = v->line;
                    s.why = QStringLiteral("%1 decides the image: its `images:` entry for %2 sets "
                                           "%3, and kustomize applies it after the bases and "
                                           "patches.")
                                .arg(layer.file, name, QLatin1String(key));
                    if (!wantRepository && hasDigest)
                        c.draft.notes << QStringLiteral("%1 also pins a digest for %2; a digest "
                                                        "wins over the tag, remove it if the tag "
                                                        "should count.")
                                             .arg(layer.file, name);
                    if (entryWithoutValue)
                        return entryWithoutValue;
                    return s;
                }
                if (!wantRepository && hasDigest) {
                    s.path = entry;
                    s.path << QStringLiteral("digest");
                    s.current = scalarAt(e, "digest");
                    s.why = QStringLiteral("%1 pins %2 by digest.").arg(layer.file, name);
                    return s;
                }
                if (!entryWithoutValue) {
                    s.line = e.line;
                    s.why = QStringLiteral("%1 has the outermost `images:` entry for %2; it gets "
                                           "the %3 so that the overlay decides the image.")
                                .arg(layer.file, name, QLatin1String(key));
                    entryWithoutValue = s;
                }
            }
        }
        // Patches of this layer, then its resources.
        for (const bool patch : {true, false}) {
            const QStringList& files = patch ? layer.patchFiles : layer.resourceFiles;
            for (const QString& f : files) {
                auto parsed = parseFile(c.edits, f);
                if (!parsed)
                    continue;
                store.push_back(std::move(*parsed));
                const ParsedFile& pf = store.back();
                // JSON 6902: a list of operations.
                if (patch && pf.docs.size() == 1 && pf.docs.front().isSeq()) {
                    const YNode& ops = pf.docs.front();
                    for (std::size_t i = 0; i < ops.seq.size(); ++i) {
                        const QString p = scalarAt(ops.seq[i], "path");
                        const QString v = scalarAt(ops.seq[i], "value");
                        if (p.endsWith(QLatin1String("/image")) &&
                            names.contains(parseImageRef(v).repository)) {
                            ImageSetter s;
                            s.kind = ImageSetter::Kind::Json6902Image;
                            s.file = f;
                            s.path = {QStringLiteral("[%1]").arg(i), QStringLiteral("value")};
                            s.current = v;
                            s.line = ops.seq[i].get("value")->line;
                            s.why = QStringLiteral("%1 is a JSON patch of %2 that replaces the "
                                                   "image.")
                                        .arg(f, layer.file);
                            return entryWithoutValue ? entryWithoutValue : s;
                        }
                    }
                    continue;
                }
                for (const ContainerSite& site : containersIn(pf)) {
                    if (!workloadMatches(c, site))
                        continue;
                    const QString image = scalarAt(*site.node, "image");
                    if (image.isEmpty() || !names.contains(parseImageRef(image).repository))
                        continue;
                    if (!c.container.isEmpty() && scalarAt(*site.node, "name") != c.container)
                        continue;
                    if (entryWithoutValue)
                        return entryWithoutValue;
                    ImageSetter s;
                    s.kind = ImageSetter::Kind::ManifestImage;
                    s.file = f;
                    s.doc = site.doc;
                    s.path = site.path;
                    s.path << QStringLiteral("image");
                    s.current = image;
                    s.line = site.node->get("image")->line;
                    s.why = patch ? QStringLiteral("%1 is a patch of %2 that sets the container "
                                                   "image; no `images:` entry overrides it.")
                                        .arg(f, layer.file)
                                  : QStringLiteral("%1 defines the container image and no overlay "
                                                   "`images:` entry or patch overrides it.")
                                        .arg(f);
                    return s;
                }
            }
        }
    }
    return entryWithoutValue;
}

Result<CorrectiveDraft> imageFix(Ctx& c, bool repositoryFix) {
    const QString image = c.field("image");
    if (image.isEmpty())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the finding names no image to correct"));
    const ImageRef failing = parseImageRef(image);
    CorrectiveDraft& d = c.draft;

    QString newTag = c.input("tag");
    QString newRepo = c.input("repository");
    if (const QString whole = c.input("image"); !whole.isEmpty()) {
        const ImageRef ref = parseImageRef(whole);
        if (newTag.isEmpty())
            newTag = ref.tag;
        if (newRepo.isEmpty() && ref.repository != failing.repository)
            newRepo = ref.repository;
    }
    if (!newTag.isEmpty() && isPlaceholder(newTag))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("\"%1\" is a placeholder, not an image tag").arg(newTag));
    static const QRegularExpression tagRe(QStringLiteral("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"));
    if (!newTag.isEmpty() && !tagRe.match(newTag).hasMatch())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("\"%1\" is not a valid image tag").arg(newTag));
    if (!newRepo.isEmpty() && (isPlaceholder(newRepo) || newRepo.contains(QLatin1Char(' '))))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("\"%1\" is not a valid image repository").arg(newRepo));
    const bool wantRepository = repositoryFix || (!newRepo.isEmpty() && newTag.isEmpty());

    if (!wantRepository && newTag.isEmpty()) {
        const ImageSuggestion s = suggestTag(failing, c.input("previousImages"));
        if (!s.tag.isEmpty()) {
            newTag = s.tag;
            d.suggestions.push_back({QStringLiteral("tag"), s.tag, s.reason});
        }
    }

    std::vector<ParsedFile> store;
    const auto setter = findImageSetter(c, failing, wantRepository, store);
    if (!setter)
        return Error::make(
            Error::Kind::NotFound,
            QStringLiteral("no file under %1 sets image %2")
                .arg(c.sourceDir.isEmpty() ? QStringLiteral("the repository root") : c.sourceDir,
                     failing.repository),
            QStringLiteral("Searched: kustomize images entries, patches and "
                           "manifests, or Helm values files."));
    const QString where = lineRef(setter->file, setter->line);

    if (wantRepository && newRepo.isEmpty()) {
        d.neededInputs << QStringLiteral("repository: the correct image repository for %1 (set "
                                         "in %2)")
                              .arg(failing.repository, where);
    }
    if (!wantRepository && newTag.isEmpty()) {
        d.neededInputs << QStringLiteral("tag: the correct tag of %1 (set in %2; no earlier "
                                         "healthy tag is known)")
                              .arg(failing.repository, where);
    }
    const bool tagChange = !wantRepository;
    const QString label =
        tagChange ? QStringLiteral("image tag") : QStringLiteral("image repository");
    if (!d.neededInputs.isEmpty()) {
        d.explanation = QStringLiteral("The %1 of %2 is decided in %3. %4")
                            .arg(label, failing.repository, where, setter->why);
        finishDraft(c, QStringLiteral("correct the %1 of %2").arg(label, failing.repository),
                    QStringLiteral("image"));
        return std::move(c.draft);
    }

    // The value written at the setter.
    const QString repo = newRepo.isEmpty() ? failing.repository : newRepo;
    QString written;
    SetOptions opts;
    opts.style = ScalarStyle::String;
    switch (setter->kind) {
    case ImageSetter::Kind::KustomizeImages:
    case ImageSetter::Kind::HelmTag:
    case ImageSetter::Kind::HelmRepository:
        written = setter->path.last() == QLatin1String("digest") ? QString()
                                                                 : (tagChange ? newTag : newRepo);
        opts.createMissing = true;
        break;
    case ImageSetter::Kind::ManifestImage:
    case ImageSetter::Kind::Json6902Image:
    case ImageSetter::Kind::HelmImageString: {
        ImageRef ref = parseImageRef(setter->current.isEmpty() ? image : setter->current);
        if (!ref.digest.isEmpty() && tagChange)
            d.notes << QStringLiteral("%1 pinned a digest (%2); it is dropped so the new tag "
                                      "counts.")
                           .arg(where, ref.digest);
        if (tagChange) {
            ref.tag = newTag;
            ref.digest.clear();
        }
        if (!newRepo.isEmpty())
            ref.repository = newRepo;
        written = ref.toString();
        break;
    }
    }
    if (setter->path.last() == QLatin1String("digest"))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1 pins %2 by digest; supply the digest to use, or "
                                          "remove the digest by hand")
                               .arg(where, failing.repository));

    // The current value must be the one that failed (or the draft is for another revision).
    if (tagChange && !setter->current.isEmpty()) {
        const QString currentTag = setter->kind == ImageSetter::Kind::KustomizeImages ||
                                           setter->kind == ImageSetter::Kind::HelmTag
                                       ? setter->current
                                       : parseImageRef(setter->current).tag;
        if (currentTag != failing.tag)
            d.notes << QStringLiteral("%1 sets %2, but the cluster reported %3: check that the "
                                      "Application runs this revision.")
                           .arg(where, currentTag, failing.tag);
    }
    if (setter->current == written)
        return Error::make(Error::Kind::Conflict,
                           QStringLiteral("%1 already sets %2").arg(where, written));

    auto changed = c.edits.set(setter->file, setter->doc, setter->path, written, opts, setter->why);
    if (!changed.ok())
        return changed.error();
    // A repository change together with a tag change in kustomize: newName too.
    if (tagChange && !newRepo.isEmpty() && setter->kind == ImageSetter::Kind::KustomizeImages) {
        YamlPath p = setter->entry;
        p << QStringLiteral("newName");
        auto more = c.edits.set(setter->file, {}, p, newRepo, opts, setter->why);
        if (!more.ok())
            return more.error();
    }
    if (tagChange && !newRepo.isEmpty() && setter->kind == ImageSetter::Kind::HelmTag) {
        YamlPath p = setter->path.mid(0, setter->path.size() - 1);
        p << QStringLiteral("repository");
        auto more = c.edits.set(setter->file, {}, p, newRepo, opts, setter->why);
        if (!more.ok())
            return more.error();
    }
    noteOtherUsers(c, setter->file);

    const QString newRef = ImageRef{repo, tagChange ? newTag : failing.tag, {}}.toString();
    // "Pod shop/web-1 cannot pull …", "Pods of Deployment shop/web cannot pull …".
    const QString resource = c.finding.resource.isEmpty() ? c.target.appName : c.finding.resource;
    const QString who = resource.startsWith(QLatin1String("Pod "))
                            ? resource
                            : QStringLiteral("Pods of %1").arg(resource);
    QString explanation = QStringLiteral("%1 cannot pull %2. This sets the image to %3 in "
                                         "%4, line %5. %6")
                              .arg(who, image, newRef, setter->file)
                              .arg(changed->line)
                              .arg(setter->why);
    for (const SuggestedValue& s : d.suggestions)
        explanation += QStringLiteral(" The tag %1 is a suggestion, not an input: %2. Change it "
                                      "before approving if it is wrong.")
                           .arg(s.value, s.reason);
    d.explanation = explanation;
    finishDraft(
        c,
        tagChange
            ? QStringLiteral("set %1 image tag to %2").arg(failing.repository, newTag)
            : QStringLiteral("set %1 image repository to %2").arg(failing.repository, newRepo),
        tagChange ? QStringLiteral("image-%1").arg(newTag) : QStringLiteral("image-repository"));
    return std::move(c.draft);
}

// ---- config-key --------------------------------------------------------------------------

// A ConfigMap name as written in Git: without kustomize's hash suffix, prefix and suffix.
bool configMapNameMatches(const QString& rendered, const QString& source, const Layer& layer) {
    QString r = rendered;
    static const QRegularExpression hash(QStringLiteral("-[a-z0-9]{10}$"));
    QStringList forms{r};
    if (hash.match(r).hasMatch())
        forms << r.left(r.size() - 11);
    for (QString f : forms) {
        if (f == source)
            return true;
        if (!layer.namePrefix.isEmpty() && f.startsWith(layer.namePrefix))
            f = f.mid(layer.namePrefix.size());
        if (!layer.nameSuffix.isEmpty() && f.endsWith(layer.nameSuffix))
            f.chop(layer.nameSuffix.size());
        if (f == source)
            return true;
    }
    return false;
}

Result<CorrectiveDraft> configKeyFix(Ctx& c) {
    CorrectiveDraft& d = c.draft;
    const QString configMap = c.field("configMap");
    const QString key = c.input("key").isEmpty() ? c.field("key") : c.input("key");
    if (configMap.isEmpty())
        return Error::make(Error::Kind::Config, QStringLiteral("the finding names no ConfigMap"));
    if (c.field("secret").size() > 0)
        return Error::make(Error::Kind::Config,
                           QStringLiteral("keys of Secrets are not written to Git by Sextant"));
    if (key.isEmpty())
        d.neededInputs << QStringLiteral("key: the ConfigMap key to add to %1").arg(configMap);
    static const QRegularExpression keyRe(QStringLiteral("^[-._a-zA-Z0-9]+$"));
    if (!key.isEmpty() && !keyRe.match(key).hasMatch())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("\"%1\" is not a valid ConfigMap key").arg(key));
    const bool hasValue = c.target.inputs.contains(QStringLiteral("value"));
    const QString value = c.target.inputs.value(QStringLiteral("value"));
    if (hasValue && isPlaceholder(value))
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("\"%1\" is a placeholder; supply the real value of %2").arg(value, key),
            QStringLiteral("A placeholder would let the Pod start with a wrong "
                           "setting."));
    if (c.type == SourceType::Helm)
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("ConfigMap %1 comes from a Helm template; its keys "
                                          "cannot be located in the values files")
                               .arg(configMap),
                           QStringLiteral("Add %1 to the values that feed the ConfigMap template "
                                          "by hand.")
                               .arg(key));
    if (!hasValue)
        d.neededInputs << QStringLiteral("value: the value of %1 in ConfigMap %2")
                              .arg(key.isEmpty() ? QStringLiteral("the key") : key, configMap);

    // Outermost first: a configMapGenerator, a patch of the ConfigMap, the manifest.
    enum class Where { Literals, EnvFile, Patch, Manifest } where = Where::Manifest;
    QString file;
    DocSelector doc;
    YamlPath path;
    QString why;
    bool found = false;
    for (const Layer& layer : c.layers) {
        if (const YNode* gens = layer.root.get("configMapGenerator"); gens && gens->isSeq()) {
            for (std::size_t i = 0; i < gens->seq.size() && !found; ++i) {
                const YNode& g = gens->seq[i];
                const QString name = scalarAt(g, "name");
                if (!configMapNameMatches(configMap, name, layer))
                    continue;
                const YamlPath entry{QStringLiteral("configMapGenerator"),
                                     QStringLiteral("[name=%1]").arg(name)};
                const QStringList envs = scalarList(g, "envs") + QStringList{scalarAt(g, "env")};
                QStringList envFiles;
                for (const QString& e : envs)
                    if (!e.isEmpty())
                        if (const auto p = joinPath(layer.dir, e))
                            envFiles << *p;
                if (g.get("literals") || envFiles.isEmpty()) {
                    where = Where::Literals;
                    file = layer.file;
                    path = entry;
                    path << QStringLiteral("literals");
                    why = QStringLiteral("%1 generates ConfigMap %2 from literals.")
                              .arg(layer.file, name);
                } else {
                    where = Where::EnvFile;
                    file = envFiles.last();
                    why = QStringLiteral("%1 generates ConfigMap %2 from the env file %3.")
                              .arg(layer.file, name, file);
                }
                found = true;
            }
        }
        for (const bool patch : {true, false}) {
            if (found)
                break;
            for (const QString& f : patch ? layer.patchFiles : layer.resourceFiles) {
                auto parsed = parseFile(c.edits, f);
                if (!parsed)
                    continue;
                for (const YNode& dn : parsed->docs) {
                    if (scalarAt(dn, "kind") != QLatin1String("ConfigMap"))
                        continue;
                    const YNode* n = dn.path("metadata/name");
                    const QString name = n ? str(n->scalar) : QString();
                    if (!configMapNameMatches(configMap, name, layer))
                        continue;
                    where = patch ? Where::Patch : Where::Manifest;
                    file = f;
                    doc = {QStringLiteral("ConfigMap"), name};
                    path = {QStringLiteral("data"), key};
                    why = patch ? QStringLiteral("%1 is the outermost patch of ConfigMap %2.")
                                      .arg(f, name)
                                : QStringLiteral("%1 defines ConfigMap %2 and no overlay patches "
                                                 "or generates it.")
                                      .arg(f, name);
                    found = true;
                    break;
                }
                if (found)
                    break;
            }
        }
        if (found)
            break;
    }
    if (!found)
        return Error::make(
            Error::Kind::NotFound,
            QStringLiteral("ConfigMap %1 is not defined under %2").arg(configMap, c.sourceDir),
            QStringLiteral("Searched configMapGenerator entries, patches and "
                           "manifests (it may be created outside this "
                           "Application)."));

    // The key must really be missing there.
    if (!key.isEmpty() && where != Where::EnvFile && where != Where::Literals) {
        auto content = c.edits.read(file);
        if (content.ok()) {
            auto existing = readScalar(*content, doc, path);
            if (existing.ok() && existing->has_value())
                return Error::make(Error::Kind::Conflict,
                                   QStringLiteral("%1 already has %2; the cluster has not synced "
                                                  "this revision")
                                       .arg(file, key));
        }
    }
    if (!d.neededInputs.isEmpty()) {
        d.explanation = QStringLiteral("ConfigMap %1 lacks %2. The key would be added in %3. %4")
                            .arg(configMap, key, file, why);
        finishDraft(c, QStringLiteral("add %1 to ConfigMap %2").arg(key, configMap),
                    QStringLiteral("config-%1").arg(key));
        return std::move(c.draft);
    }

    int line = 0;
    switch (where) {
    case Where::Literals: {
        auto content = c.edits.read(file);
        if (!content.ok())
            return content.error();
        auto docs = parseYaml(*content);
        if (docs.ok() && !docs->empty())
            if (const YNode* lits = findNode(docs->front(), path); lits && lits->isSeq())
                for (const YNode& l : lits->seq)
                    if (str(l.scalar).section(QLatin1Char('='), 0, 0) == key)
                        return Error::make(Error::Kind::Conflict,
                                           QStringLiteral("%1 already has the literal %2; the "
                                                          "cluster has not synced this revision")
                                               .arg(file, key));
        SetOptions opts;
        opts.style = ScalarStyle::String;
        opts.createMissing = true;
        auto changed = c.edits.append(file, {}, path, key + QLatin1Char('=') + value, opts, why);
        if (!changed.ok())
            return changed.error();
        line = changed->line;
        break;
    }
    case Where::EnvFile: {
        auto content = c.edits.read(file);
        if (!content.ok())
            return content.error();
        const QByteArray before = *content;
        for (const QByteArray& l : before.split('\n'))
            if (l.trimmed().startsWith(key.toUtf8() + '='))
                return Error::make(Error::Kind::Conflict,
                                   QStringLiteral("%1 already has %2").arg(file, key));
        if (value.contains(QLatin1Char('\n')))
            return Error::make(Error::Kind::Config,
                               QStringLiteral("an env file value cannot span lines"));
        QByteArray after = before;
        if (!after.isEmpty() && !after.endsWith('\n'))
            after += '\n';
        after += key.toUtf8() + '=' + value.toUtf8() + '\n';
        line = int(after.count('\n'));
        // Read it back the way kustomize does: the last KEY=value line.
        QString readBack;
        for (const QByteArray& l : after.split('\n'))
            if (l.startsWith(key.toUtf8() + '='))
                readBack = QString::fromUtf8(l.mid(key.toUtf8().size() + 1));
        if (readBack != value)
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("%1 does not read back %2").arg(file, key));
        c.edits.replace(file, before, after, why);
        break;
    }
    case Where::Patch:
    case Where::Manifest: {
        SetOptions opts;
        opts.style = ScalarStyle::String;
        opts.createMissing = true;
        auto changed = c.edits.set(file, doc, path, value, opts, why);
        if (!changed.ok())
            return changed.error();
        line = changed->line;
        break;
    }
    }
    noteOtherUsers(c, file);
    d.explanation = QStringLiteral("Containers reference key %1 of ConfigMap %2, which lacks it "
                                   "(CreateContainerConfigError). This adds %1=%3 in %4, line %5. "
                                   "%6")
                        .arg(key, configMap, value, file)
                        .arg(line)
                        .arg(why);
    finishDraft(c, QStringLiteral("add %1 to ConfigMap %2").arg(key, configMap),
                QStringLiteral("config-%1").arg(key));
    return std::move(c.draft);
}

// ---- Fields of a container (resources, probes) ------------------------------------------

// The place that decides `sub` (a path below the container) for the workload's container:
// the outermost patch or manifest that sets it; when none does, the outermost patch that names
// the container, else the manifest that defines it.
struct FieldSite {
    QString file;
    DocSelector doc;
    YamlPath path;
    QString current;
    int line = 0;
    QString why;
};

std::optional<FieldSite> findContainerField(Ctx& c, const YamlPath& sub,
                                            std::vector<ParsedFile>& store, QString& error) {
    const auto sites = allSites(c, store);
    std::vector<std::pair<ContainerSite, bool>> matching;
    for (const auto& s : sites)
        if (containerMatches(c, s.first))
            matching.push_back(s);
    if (matching.empty()) {
        error = c.container.isEmpty() ? QStringLiteral("no container of %1 found under %2")
                                            .arg(c.finding.resource, c.sourceDir)
                                      : QStringLiteral("container %1 of %2 not found under %3")
                                            .arg(c.container, c.finding.resource, c.sourceDir);
        return std::nullopt;
    }
    if (c.container.isEmpty()) {
        QSet<QString> names;
        for (const auto& s : matching)
            names.insert(scalarAt(*s.first.node, "name"));
        if (names.size() > 1) {
            error = QStringLiteral("%1 has several containers (%2): say which one")
                        .arg(c.finding.resource,
                             QStringList(names.values()).join(QStringLiteral(", ")));
            return std::nullopt;
        }
    }
    for (const auto& [site, patch] : matching) {
        const YNode* n = findNode(*site.node, sub);
        if (n && n->isScalar()) {
            FieldSite f;
            f.file = site.file;
            f.doc = site.doc;
            f.path = site.path + sub;
            f.current = str(n->scalar);
            f.line = n->line;
            f.why = patch ? QStringLiteral("%1 is the outermost patch that sets %2 of container "
                                           "%3.")
                                .arg(site.file, yamlPathString(sub), scalarAt(*site.node, "name"))
                          : QStringLiteral("%1 sets %2 of container %3 and no overlay patch "
                                           "overrides it.")
                                .arg(site.file, yamlPathString(sub), scalarAt(*site.node, "name"));
            return f;
        }
    }
    const auto& [site, patch] = matching.front();
    FieldSite f;
    f.file = site.file;
    f.doc = site.doc;
    f.path = site.path + sub;
    f.why = QStringLiteral("Nothing sets %1 of container %2 yet; %3 is the outermost %4 of it.")
                .arg(yamlPathString(sub), scalarAt(*site.node, "name"), site.file,
                     patch ? QStringLiteral("patch") : QStringLiteral("manifest"));
    return f;
}

// Helm: the last values file that sets `path`; else the last file that has its parent map.
std::optional<FieldSite> helmSetter(Ctx& c, const std::vector<YamlPath>& candidates) {
    for (const YamlPath& path : candidates) {
        for (std::size_t i = c.values.size(); i-- > 0;) {
            const YNode* n = findNode(c.values[i].root, path);
            if (n && n->isScalar()) {
                FieldSite f;
                f.file = c.values[i].path;
                f.path = path;
                f.current = str(n->scalar);
                f.line = n->line;
                f.why = QStringLiteral("%1 is the last values file that sets %2 (later values "
                                       "files win).")
                            .arg(f.file, yamlPathString(path));
                return f;
            }
        }
    }
    for (const YamlPath& path : candidates) {
        const YamlPath parent = path.mid(0, path.size() - 1);
        for (std::size_t i = c.values.size(); i-- > 0;) {
            const YNode* n = findNode(c.values[i].root, parent);
            if (n && n->isMap()) {
                FieldSite f;
                f.file = c.values.back().path;
                f.path = path;
                f.why = QStringLiteral("No values file sets %1; it is added to %2, the most "
                                       "specific values file.")
                            .arg(yamlPathString(path), f.file);
                return f;
            }
        }
    }
    return std::nullopt;
}

// Helm paths below which container settings may live: the root, or a map named after the
// container (common in charts with several containers).
std::vector<YamlPath> helmPrefixes(const Ctx& c) {
    std::vector<YamlPath> out;
    if (!c.container.isEmpty())
        out.push_back({c.container});
    out.push_back({});
    return out;
}

Result<FieldSite> locateField(Ctx& c, const YamlPath& containerSub,
                              const std::vector<YamlPath>& helmPaths,
                              std::vector<ParsedFile>& store) {
    if (c.type == SourceType::Helm) {
        if (const auto f = helmSetter(c, helmPaths))
            return *f;
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("no values file of %1 sets %2")
                               .arg(c.sourceDir, yamlPathString(helmPaths.front())));
    }
    QString error;
    if (const auto f = findContainerField(c, containerSub, store, error))
        return *f;
    return Error::make(Error::Kind::NotFound, error);
}

// ---- resources ---------------------------------------------------------------------------

Result<CorrectiveDraft> resourcesFix(Ctx& c) {
    CorrectiveDraft& d = c.draft;
    struct Want {
        const char* input;
        QStringList sub;
        bool memory;
    };
    const std::vector<Want> wants = {
        {"memoryLimit",
         {QStringLiteral("resources"), QStringLiteral("limits"), QStringLiteral("memory")},
         true},
        {"memoryRequest",
         {QStringLiteral("resources"), QStringLiteral("requests"), QStringLiteral("memory")},
         true},
        {"cpuLimit",
         {QStringLiteral("resources"), QStringLiteral("limits"), QStringLiteral("cpu")},
         false},
        {"cpuRequest",
         {QStringLiteral("resources"), QStringLiteral("requests"), QStringLiteral("cpu")},
         false},
    };
    QMap<QString, QString> values;
    for (const Want& w : wants) {
        const QString v = c.input(w.input);
        if (v.isEmpty())
            continue;
        if (w.memory ? !parseMemoryQuantity(v).has_value() : !validCpu(v))
            return Error::make(
                Error::Kind::Config,
                QStringLiteral("\"%1\" is not a valid %2 quantity")
                    .arg(v, w.memory ? QStringLiteral("memory") : QStringLiteral("CPU")));
        values.insert(QLatin1String(w.input), v);
    }
    std::vector<ParsedFile> store;
    auto helmPaths = [&](const QStringList& sub) {
        std::vector<YamlPath> out;
        for (const YamlPath& p : helmPrefixes(c))
            out.push_back(p + sub);
        return out;
    };
    const bool oom = c.finding.category == QLatin1String("OOMKilled");
    if (values.isEmpty() && oom) {
        auto limit = locateField(c, wants[0].sub, helmPaths(wants[0].sub), store);
        if (!limit.ok())
            return limit.error();
        const auto bytes = parseMemoryQuantity(limit->current);
        if (limit->current.isEmpty() || !bytes) {
            d.neededInputs << QStringLiteral("memoryLimit: the new memory limit of %1 (no limit "
                                             "is set in %2)")
                                  .arg(c.container.isEmpty() ? c.finding.resource : c.container,
                                       limit->file);
        } else {
            const QString raised = raisedMemoryLimit(*bytes);
            values.insert(QStringLiteral("memoryLimit"), raised);
            d.suggestions.push_back(
                {QStringLiteral("memoryLimit"), raised,
                 QStringLiteral("the container was OOMKilled at its limit of %1 (%2); 1.5 x %1, "
                                "rounded up to a multiple of 64Mi")
                     .arg(limit->current, lineRef(limit->file, limit->line))});
            // A request equal to the limit (Guaranteed QoS) stays equal.
            auto request = locateField(c, wants[1].sub, helmPaths(wants[1].sub), store);
            if (request.ok() && !request->current.isEmpty() &&
                parseMemoryQuantity(request->current) == bytes) {
                values.insert(QStringLiteral("memoryRequest"), raised);
                d.suggestions.push_back({QStringLiteral("memoryRequest"), raised,
                                         QStringLiteral("the request equalled the limit "
                                                        "(Guaranteed QoS); it stays equal")});
            }
        }
    } else if (values.isEmpty()) {
        d.neededInputs << QStringLiteral("memoryLimit, memoryRequest, cpuLimit or cpuRequest: "
                                         "the new requests or limits of %1")
                              .arg(c.container.isEmpty() ? c.finding.resource : c.container);
    }
    if (!d.neededInputs.isEmpty()) {
        d.explanation = QStringLiteral("%1: the requests and limits of %2 need values before "
                                       "Sextant can draft the change.")
                            .arg(c.finding.category, c.container);
        finishDraft(c, QStringLiteral("adjust resources of %1").arg(c.container),
                    QStringLiteral("resources"));
        return std::move(c.draft);
    }
    // Requests above limits are refused by the API server.
    const auto memLimit = parseMemoryQuantity(values.value(QStringLiteral("memoryLimit")));
    const auto memRequest = parseMemoryQuantity(values.value(QStringLiteral("memoryRequest")));
    if (memLimit && memRequest && *memRequest > *memLimit)
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the memory request %1 is above the limit %2")
                               .arg(values.value(QStringLiteral("memoryRequest")),
                                    values.value(QStringLiteral("memoryLimit"))));

    QStringList changes;
    for (const Want& w : wants) {
        const QString v = values.value(QLatin1String(w.input));
        if (v.isEmpty())
            continue;
        store.clear();
        auto site = locateField(c, w.sub, helmPaths(w.sub), store);
        if (!site.ok())
            return site.error();
        if (site->current == v)
            continue;
        SetOptions opts;
        opts.createMissing = true;
        opts.style = ScalarStyle::Auto; // "1" CPU stays a number, "512Mi" is a string anyway
        auto changed = c.edits.set(site->file, site->doc, site->path, v, opts, site->why);
        if (!changed.ok())
            return changed.error();
        changes << QStringLiteral("%1 %2 → %3 (%4)")
                       .arg(w.sub.mid(1).join(QLatin1Char('.')),
                            site->current.isEmpty() ? QStringLiteral("unset") : site->current, v,
                            lineRef(site->file, changed->line));
        noteOtherUsers(c, site->file);
    }
    if (changes.isEmpty())
        return Error::make(Error::Kind::Conflict,
                           QStringLiteral("the requests and limits already have these values"));
    // A new limit below an unchanged request would be refused by the API server.
    if (memLimit && !memRequest) {
        store.clear();
        auto request = locateField(c, wants[1].sub, helmPaths(wants[1].sub), store);
        if (request.ok() && !request->current.isEmpty()) {
            const auto r = parseMemoryQuantity(request->current);
            if (r && *r > *memLimit)
                return Error::make(Error::Kind::Config,
                                   QStringLiteral("the memory limit %1 would be below the request "
                                                  "%2 in %3")
                                       .arg(values.value(QStringLiteral("memoryLimit")),
                                            request->current, request->file));
        }
    }
    QString explanation =
        QStringLiteral("%1 of %2: %3.")
            .arg(c.finding.category, c.container.isEmpty() ? c.finding.resource : c.container,
                 changes.join(QStringLiteral("; ")));
    for (const auto& e : c.edits.edits())
        explanation += QLatin1Char(' ') + e.why;
    for (const SuggestedValue& s : d.suggestions)
        explanation +=
            QStringLiteral(" %1 = %2 is a suggestion: %3.").arg(s.input, s.value, s.reason);
    d.explanation = explanation;
    const QString limit = values.value(QStringLiteral("memoryLimit"));
    finishDraft(
        c,
        limit.isEmpty() ? QStringLiteral("adjust resources of %1").arg(c.container)
                        : QStringLiteral("raise memory limit of %1 to %2").arg(c.container, limit),
        limit.isEmpty() ? QStringLiteral("resources") : QStringLiteral("memory-%1").arg(limit));
    return std::move(c.draft);
}

// ---- replicas ----------------------------------------------------------------------------

Result<CorrectiveDraft> replicasFix(Ctx& c) {
    CorrectiveDraft& d = c.draft;
    const QString v = c.input("replicas");
    bool ok = false;
    const int n = v.toInt(&ok);
    if (!v.isEmpty() && (!ok || n < 0))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("\"%1\" is not a replica count").arg(v));
    if (v.isEmpty())
        d.neededInputs << QStringLiteral("replicas: the replica count of %1")
                              .arg(c.workload.name.isEmpty() ? c.target.appName : c.workload.name);
    FieldSite site;
    bool found = false;
    if (c.type == SourceType::Helm) {
        if (const auto f =
                helmSetter(c, {{QStringLiteral("replicaCount")}, {QStringLiteral("replicas")}})) {
            site = *f;
            found = true;
        }
    } else {
        // kustomize `replicas:` entries win over the manifests, outermost first.
        for (const Layer& layer : c.layers) {
            const YNode* list = layer.root.get("replicas");
            if (!list || !list->isSeq())
                continue;
            for (const YNode& e : list->seq) {
                const QString name = scalarAt(e, "name");
                if (!c.workload.name.isEmpty() && name != c.workload.name &&
                    !c.workload.name.endsWith(name))
                    continue;
                site.file = layer.file;
                site.path = {QStringLiteral("replicas"), QStringLiteral("[name=%1]").arg(name),
                             QStringLiteral("count")};
                site.current = scalarAt(e, "count");
                site.line = e.get("count") ? e.get("count")->line : e.line;
                site.why = QStringLiteral("%1 sets the replica count of %2 in its `replicas:` "
                                          "list, which overrides the manifests.")
                               .arg(layer.file, name);
                found = true;
                break;
            }
            if (found)
                break;
        }
        if (!found) {
            // Patches, then manifests, outermost first.
            for (const Layer& layer : c.layers) {
                for (const bool patch : {true, false}) {
                    for (const QString& f : patch ? layer.patchFiles : layer.resourceFiles) {
                        auto parsed = parseFile(c.edits, f);
                        if (!parsed || found)
                            continue;
                        for (const YNode& doc : parsed->docs) {
                            const QString kind = scalarAt(doc, "kind");
                            const YNode* name = doc.path("metadata/name");
                            const YNode* r = doc.path("spec/replicas");
                            if (!name || (!c.workload.kind.isEmpty() && kind != c.workload.kind) ||
                                (!c.workload.name.isEmpty() &&
                                 str(name->scalar) != c.workload.name))
                                continue;
                            if (!r && patch)
                                continue;
                            site.file = f;
                            site.doc = {kind, str(name->scalar)};
                            site.path = {QStringLiteral("spec"), QStringLiteral("replicas")};
                            site.current = r ? str(r->scalar) : QString();
                            site.line = r ? r->line : 0;
                            site.why = patch ? QStringLiteral("%1 is the outermost patch that sets "
                                                              "the replica count.")
                                                   .arg(f)
                                             : QStringLiteral("%1 sets the replica count and no "
                                                              "overlay overrides it.")
                                                   .arg(f);
                            found = true;
                            break;
                        }
                    }
                }
                if (found)
                    break;
            }
        }
    }
    if (!found)
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("no replica count of %1 found under %2")
                               .arg(c.workload.name, c.sourceDir));
    if (!d.neededInputs.isEmpty()) {
        d.explanation = QStringLiteral("The replica count is decided in %1 (now %2). %3")
                            .arg(lineRef(site.file, site.line), site.current, site.why);
        finishDraft(c, QStringLiteral("set replicas"), QStringLiteral("replicas"));
        return std::move(c.draft);
    }
    if (site.current == v)
        return Error::make(Error::Kind::Conflict,
                           QStringLiteral("%1 already sets %2 replicas").arg(site.file, v));
    SetOptions opts;
    opts.createMissing = true;
    auto changed = c.edits.set(site.file, site.doc, site.path, v, opts, site.why);
    if (!changed.ok())
        return changed.error();
    noteOtherUsers(c, site.file);
    d.explanation = QStringLiteral("Sets the replica count of %1 from %2 to %3 in %4. %5")
                        .arg(c.workload.name.isEmpty() ? c.target.appName : c.workload.name,
                             site.current.isEmpty() ? QStringLiteral("unset") : site.current, v,
                             lineRef(site.file, changed->line), site.why);
    finishDraft(c, QStringLiteral("set %1 replicas to %2").arg(c.workload.name, v),
                QStringLiteral("replicas-%1").arg(v));
    return std::move(c.draft);
}

// ---- probe -------------------------------------------------------------------------------

Result<CorrectiveDraft> probeFix(Ctx& c) {
    CorrectiveDraft& d = c.draft;
    QString probe = c.input("probe").toLower();
    if (probe.isEmpty())
        probe = c.finding.category == QLatin1String("ReadinessProbeFailed")
                    ? QStringLiteral("readiness")
                    : QStringLiteral("liveness");
    if (probe != QLatin1String("readiness") && probe != QLatin1String("liveness") &&
        probe != QLatin1String("startup"))
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("\"%1\" is not a probe (readiness, liveness, startup)").arg(probe));
    const QString newPath = c.input("probePath");
    const QString newPort = c.input("probePort");
    if (!newPath.isEmpty() && !newPath.startsWith(QLatin1Char('/')))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the probe path must start with '/'"));
    bool portOk = false;
    const int portNumber = newPort.toInt(&portOk);
    static const QRegularExpression portName(QStringLiteral("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"));
    if (!newPort.isEmpty() &&
        !(portOk ? portNumber > 0 && portNumber < 65536
                 : portName.match(newPort).hasMatch() && newPort.size() <= 15))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("\"%1\" is not a port number or name").arg(newPort));
    const QString probeKey = probe + QStringLiteral("Probe");
    if (newPath.isEmpty() && newPort.isEmpty()) {
        QString seen = c.field("url");
        d.neededInputs << QStringLiteral("probePath or probePort: what the %1 probe of %2 should "
                                         "call%3")
                              .arg(probe, c.container.isEmpty() ? c.finding.resource : c.container,
                                   seen.isEmpty() ? QString()
                                                  : QStringLiteral(" (it calls %1 now)").arg(seen));
    }
    std::vector<ParsedFile> store;
    QStringList changes;
    QString firstWhere;
    for (const auto& [input, leaf] :
         {std::pair<QString, QString>{newPath, QStringLiteral("path")},
          std::pair<QString, QString>{newPort, QStringLiteral("port")}}) {
        if (input.isEmpty() && d.neededInputs.isEmpty())
            continue;
        const YamlPath sub{probeKey, QStringLiteral("httpGet"), leaf};
        std::vector<YamlPath> helm;
        for (const YamlPath& p : helmPrefixes(c)) {
            helm.push_back(p + YamlPath{probeKey, QStringLiteral("httpGet"), leaf});
            helm.push_back(p + YamlPath{QStringLiteral("probes"), probe, leaf});
            helm.push_back(
                p + YamlPath{QStringLiteral("probes"), probeKey, QStringLiteral("httpGet"), leaf});
        }
        store.clear();
        auto site = locateField(c, sub, helm, store);
        if (!site.ok())
            return site.error();
        if (firstWhere.isEmpty())
            firstWhere = lineRef(site->file, site->line);
        if (input.isEmpty())
            continue;
        if (site->current.isEmpty() && c.type != SourceType::Helm)
            return Error::make(Error::Kind::NotFound,
                               QStringLiteral("the %1 probe of %2 is not an HTTP probe with a %3")
                                   .arg(probe, c.container, leaf));
        if (site->current == input)
            continue;
        SetOptions opts;
        opts.style = ScalarStyle::Auto; // a number port stays a number, a name a string
        auto changed = c.edits.set(site->file, site->doc, site->path, input, opts, site->why);
        if (!changed.ok())
            return changed.error();
        changes << QStringLiteral("%1 %2 → %3 (%4)")
                       .arg(leaf, site->current, input, lineRef(site->file, changed->line));
        noteOtherUsers(c, site->file);
    }
    if (!d.neededInputs.isEmpty()) {
        d.explanation =
            QStringLiteral("The %1 probe of %2 is set in %3.").arg(probe, c.container, firstWhere);
        finishDraft(c, QStringLiteral("fix the %1 probe of %2").arg(probe, c.container),
                    QStringLiteral("probe-%1").arg(probe));
        return std::move(c.draft);
    }
    if (changes.isEmpty())
        return Error::make(Error::Kind::Conflict,
                           QStringLiteral("the %1 probe already has these values").arg(probe));
    QString explanation = QStringLiteral("The %1 probe of %2 fails. This changes %3.")
                              .arg(probe, c.container, changes.join(QStringLiteral("; ")));
    for (const auto& e : c.edits.edits())
        explanation += QLatin1Char(' ') + e.why;
    d.explanation = explanation;
    finishDraft(c, QStringLiteral("fix the %1 probe of %2").arg(probe, c.container),
                QStringLiteral("probe-%1").arg(probe));
    return std::move(c.draft);
}

// Damerau-style one-edit comparison.
QString oneEditApart(const QString& a, const QString& b) {
    if (a == b)
        return {};
    if (a.size() == b.size()) {
        QList<int> diffs;
        for (int i = 0; i < a.size(); ++i)
            if (a[i] != b[i])
                diffs << i;
        if (diffs.size() == 2 && diffs[1] == diffs[0] + 1 && a[diffs[0]] == b[diffs[1]] &&
            a[diffs[1]] == b[diffs[0]])
            return QStringLiteral("two neighbouring characters swapped: \"%1\" vs \"%2\"")
                .arg(a.mid(diffs[0], 2), b.mid(diffs[0], 2));
        if (diffs.size() == 1)
            return QStringLiteral("one character differs: \"%1\" vs \"%2\"")
                .arg(a[diffs[0]], b[diffs[0]]);
        return {};
    }
    const QString& longer = a.size() > b.size() ? a : b;
    const QString& shorter = a.size() > b.size() ? b : a;
    if (longer.size() != shorter.size() + 1)
        return {};
    for (int i = 0; i < longer.size(); ++i) {
        if (longer.left(i) + longer.mid(i + 1) == shorter)
            return a.size() > b.size()
                       ? QStringLiteral("one extra character \"%1\"").arg(longer[i])
                       : QStringLiteral("one character \"%1\" missing").arg(longer[i]);
    }
    return {};
}

} // namespace

NearMiss nearMissTag(const QString& tag, const QStringList& knownTags) {
    for (const QString& known : knownTags) {
        const QString how = oneEditApart(tag, known);
        if (!how.isEmpty())
            return {known, how};
    }
    return {};
}

std::optional<double> parseMemoryQuantity(const QString& quantity) {
    static const QRegularExpression re(QStringLiteral(
        "^([0-9]+(?:\\.[0-9]+)?)(?:[eE]([0-9]+))?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$"));
    const auto m = re.match(quantity.trimmed());
    if (!m.hasMatch())
        return std::nullopt;
    double v = m.captured(1).toDouble();
    if (!m.captured(2).isEmpty())
        v *= std::pow(10.0, m.captured(2).toInt());
    const QString unit = m.captured(3);
    static const QMap<QString, double> units = {
        {QStringLiteral("Ki"), 1024.0},
        {QStringLiteral("Mi"), 1024.0 * 1024},
        {QStringLiteral("Gi"), 1024.0 * 1024 * 1024},
        {QStringLiteral("Ti"), 1024.0 * 1024 * 1024 * 1024},
        {QStringLiteral("Pi"), 1024.0 * 1024 * 1024 * 1024 * 1024},
        {QStringLiteral("Ei"), 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024},
        {QStringLiteral("k"), 1e3},
        {QStringLiteral("M"), 1e6},
        {QStringLiteral("G"), 1e9},
        {QStringLiteral("T"), 1e12},
        {QStringLiteral("P"), 1e15},
        {QStringLiteral("E"), 1e18},
        {QStringLiteral("m"), 1e-3},
    };
    if (!unit.isEmpty())
        v *= units.value(unit);
    return v;
}

QString raisedMemoryLimit(double bytes) {
    const double mi = 1024.0 * 1024;
    const double step = 64 * mi;
    const double raised = std::ceil(bytes * 1.5 / step) * step;
    const qint64 miB = qint64(std::llround(raised / mi));
    if (miB % 1024 == 0)
        return QStringLiteral("%1Gi").arg(miB / 1024);
    return QStringLiteral("%1Mi").arg(miB);
}

QStringList correctiveFixKinds() {
    return {QStringLiteral("image-tag"),  QStringLiteral("image-repository"),
            QStringLiteral("config-key"), QStringLiteral("resources"),
            QStringLiteral("replicas"),   QStringLiteral("probe")};
}

Result<CorrectiveDraft> draftFix(const Finding& finding, const RepoTree& tree,
                                 const FixTarget& target) {
    const QString kind = target.fixKind.isEmpty() ? finding.fixKind : target.fixKind;
    if (!correctiveFixKinds().contains(kind))
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("Sextant drafts no corrective commit for fix kind \"%1\"")
                .arg(kind.isEmpty() ? QStringLiteral("none") : kind),
            QStringLiteral("Handled: %1.").arg(correctiveFixKinds().join(QStringLiteral(", "))));
    Ctx c(finding, tree, target);
    c.draft.fixKind = kind;
    c.container = target.container.isEmpty() ? finding.fields.value(QStringLiteral("container"))
                                             : target.container;
    c.workload = workloadOf(finding);
    if (const Status s = loadSource(c); !s.ok())
        return s.error();
    if (kind == QLatin1String("image-tag"))
        return imageFix(c, false);
    if (kind == QLatin1String("image-repository"))
        return imageFix(c, true);
    if (kind == QLatin1String("config-key"))
        return configKeyFix(c);
    if (kind == QLatin1String("resources"))
        return resourcesFix(c);
    if (kind == QLatin1String("replicas"))
        return replicasFix(c);
    return probeFix(c);
}

} // namespace sextant::gitops
