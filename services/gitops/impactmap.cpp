#include "gitops/impactmap.h"

#include "core/yamljson.h"
#include "gitops/appset.h"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <QSet>

#include <map>

namespace sextant::gitops {

namespace {

using json = nlohmann::json;

QString qs(const json& v) {
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    return {};
}

QStringList stringList(const json& o, const char* key) {
    QStringList out;
    if (!o.is_object())
        return out;
    const auto it = o.find(key);
    if (it == o.end())
        return out;
    if (it->is_string()) {
        out.append(qs(*it));
    } else if (it->is_array()) {
        for (const json& v : *it)
            if (v.is_string())
                out.append(qs(v));
    }
    return out;
}

// Whether a kustomize or Helm reference points outside the repository.
bool isRemote(const QString& ref) {
    return ref.contains(QLatin1String("://")) || ref.startsWith(QLatin1String("git@")) ||
           ref.startsWith(QLatin1String("github.com/")) ||
           ref.startsWith(QLatin1String("gitlab.com/")) ||
           ref.startsWith(QLatin1String("bitbucket.org/")) || ref.contains(QLatin1String("?ref="));
}

const QStringList& kustomizationNames() {
    // kubernetes-sigs/kustomize api/konfig/general.go RecognizedKustomizationFileNames
    static const QStringList names{QStringLiteral("kustomization.yaml"),
                                   QStringLiteral("kustomization.yml"),
                                   QStringLiteral("Kustomization")};
    return names;
}

bool isManifestFile(const QString& path) {
    for (const char* ext : {".yaml", ".yml", ".json", ".jsonnet", ".libsonnet"})
        if (path.endsWith(QLatin1String(ext), Qt::CaseInsensitive))
            return true;
    return false;
}

} // namespace

// Walks the sources of the applications and fills the ImpactMap's indexes. Kustomizations and
// charts are parsed once per directory, however many applications share them.
class ImpactWalker {
public:
    ImpactWalker(ImpactMap& map, const RepoTree& tree)
        : m(map)
        , t(tree) {}

    void run() {
        for (int a = 0; a < int(m.m_apps.size()); ++a) {
            AppRef& app = m.m_apps[size_t(a)];
            if (!app.definedIn.isEmpty())
                m.addFile(a, app.definedIn,
                          QStringLiteral("%1 defines %2 %3")
                              .arg(app.definedIn,
                                   app.generatedBy.isEmpty()
                                       ? QStringLiteral("Application")
                                       : QStringLiteral("ApplicationSet %1, which generates")
                                             .arg(app.generatedBy),
                                   app.name));
            for (const QString& f : app.generatorFiles)
                m.addFile(a, f,
                          QStringLiteral("%1 is a git files generator input of ApplicationSet %2")
                              .arg(f, app.generatedBy));
            for (AppSourceRef& s : app.sources) {
                if (inRepo(s.repoURL))
                    walkSource(a, app, s);
                else // a chart or folder elsewhere may still take "$ref/..." values from here
                    helmValueFiles(a, app, s, QString(), true);
            }
        }
    }

private:
    ImpactMap& m;
    const RepoTree& t;
    // Parsed kustomization per directory: (file, document) or nullopt when there is none.
    struct Kustomization {
        QString file;
        json doc;
        bool ok = false;
    };
    // std::map: references stay valid while the walk inserts more directories.
    std::map<QString, std::optional<Kustomization>> kustomizations;

    bool inRepo(const QString& url) const {
        return m.m_repoURL.isEmpty() || sameRepo(url, m.m_repoURL);
    }

    const std::optional<Kustomization>& kustomizationOf(const QString& dir) {
        auto it = kustomizations.find(dir);
        if (it != kustomizations.end())
            return it->second;
        std::optional<Kustomization> k;
        for (const QString& name : kustomizationNames()) {
            const QString file = dir.isEmpty() ? name : dir + QLatin1Char('/') + name;
            const auto content = t.readFile(file);
            if (!content)
                continue;
            k = Kustomization{file, json(), false};
            try {
                k->doc = yamlToJson(YAML::Load(content->toStdString()));
                k->ok = k->doc.is_object();
                if (!k->ok)
                    m.note(QStringLiteral("%1 is not a map").arg(file));
            } catch (const YAML::Exception& e) {
                m.note(QStringLiteral("%1:%2: %3")
                           .arg(file)
                           .arg(e.mark.line + 1)
                           .arg(QString::fromStdString(e.msg)));
            }
            break;
        }
        return kustomizations.emplace(dir, std::move(k)).first->second;
    }

    QString detectKind(const AppSourceRef& s) {
        if (!s.kind.isEmpty())
            return s.kind;
        const auto root = normalisePath(s.path);
        if (!root)
            return QStringLiteral("directory");
        if (kustomizationOf(*root))
            return QStringLiteral("kustomize");
        if (t.isFile(joinPath(*root, QStringLiteral("Chart.yaml")).value_or(QString())))
            return QStringLiteral("helm");
        return QStringLiteral("directory");
    }

    void walkSource(int a, const AppRef& app, AppSourceRef& s) {
        if (s.path.isEmpty() && !s.ref.isEmpty() && s.chart.isEmpty())
            return; // a ref-only source supplies files to the others, renders nothing itself
        s.kind = detectKind(s);
        if (s.kind == QLatin1String("chart")) {
            // A chart from a Helm repository: only $ref value files can be in this repository.
            helmValueFiles(a, app, s, QString());
            return;
        }
        const auto root = normalisePath(s.path);
        if (!root) {
            m.note(
                QStringLiteral("%1: source path %2 leaves the repository").arg(app.name, s.path));
            return;
        }
        if (!root->isEmpty() && !t.isDir(*root)) {
            m.note(
                QStringLiteral("%1: path %2 does not exist in this revision").arg(app.name, *root));
            // Still index what would be read, so a file added here at another revision matches.
        }
        if (s.kind == QLatin1String("kustomize")) {
            QSet<QString> visited;
            visitKustomization(a, *root, {}, QString(), visited);
            for (const QString& c : s.kustomizeComponents) {
                if (isRemote(c)) {
                    m.note(QStringLiteral("%1: remote component %2 not followed").arg(app.name, c));
                    continue;
                }
                if (const auto p = joinPath(*root, c))
                    visitKustomization(a, *p, {*root}, QStringLiteral("a component"), visited);
            }
        } else if (s.kind == QLatin1String("helm")) {
            walkChart(a, *root, QStringLiteral("part of Helm chart %1").arg(*root), 0);
            helmValueFiles(a, app, s, *root);
        } else if (s.kind == QLatin1String("plugin")) {
            for (const QString& f : t.allFiles(*root))
                m.addFile(a, f,
                          QStringLiteral("%1 is under plugin source %2")
                              .arg(f, root->isEmpty() ? QStringLiteral("/") : *root));
        } else {
            walkDirectory(a, *root, s);
        }
    }

    void walkDirectory(int a, const QString& root, const AppSourceRef& s) {
        QStringList files;
        if (s.directoryRecurse) {
            files = t.allFiles(root);
        } else {
            const QString prefix = root.isEmpty() ? QString() : root + QLatin1Char('/');
            for (const QString& entry : t.list(root))
                if (!entry.endsWith(QLatin1Char('/')))
                    files.append(prefix + entry);
        }
        const QString shown = root.isEmpty() ? QStringLiteral("/") : root;
        for (const QString& f : files) {
            if (!isManifestFile(f))
                continue;
            const QString rel = root.isEmpty() ? f : f.mid(root.size() + 1);
            if (!s.directoryExclude.isEmpty() && directoryGlobMatch(s.directoryExclude, rel))
                continue;
            if (!s.directoryInclude.isEmpty() && !directoryGlobMatch(s.directoryInclude, rel))
                continue;
            m.addFile(a, f, QStringLiteral("%1 is a manifest in directory %2").arg(f, shown));
        }
    }

    void walkChart(int a, const QString& dir, const QString& role, int depth) {
        for (const QString& f : t.allFiles(dir))
            m.addFile(a, f, QStringLiteral("%1 is %2").arg(f, role));
        if (depth > 8)
            return;
        // Local dependencies (repository: file://../common) are rendered with the chart.
        const auto chart =
            t.readFile(joinPath(dir, QStringLiteral("Chart.yaml")).value_or(QString()));
        if (!chart)
            return;
        json doc;
        try {
            doc = yamlToJson(YAML::Load(chart->toStdString()));
        } catch (const YAML::Exception& e) {
            m.note(QStringLiteral("%1/Chart.yaml:%2: %3")
                       .arg(dir)
                       .arg(e.mark.line + 1)
                       .arg(QString::fromStdString(e.msg)));
            return;
        }
        const auto deps = doc.is_object() ? doc.find("dependencies") : doc.end();
        if (!doc.is_object() || deps == doc.end() || !deps->is_array())
            return;
        for (const json& d : *deps) {
            const QString repo = d.is_object() ? qs(d.value("repository", json())) : QString();
            if (!repo.startsWith(QLatin1String("file://")))
                continue;
            const auto p = joinPath(dir, repo.mid(7));
            if (!p) {
                m.note(QStringLiteral("%1: dependency %2 leaves the repository").arg(dir, repo));
                continue;
            }
            if (pathContains(dir, *p))
                continue; // charts/ sub-chart: already under the chart
            walkChart(a, *p,
                      QStringLiteral("part of local chart %1, a dependency of %2").arg(*p, dir),
                      depth + 1);
        }
    }

    void helmValueFiles(int a, const AppRef& app, const AppSourceRef& s, const QString& root,
                        bool refsOnly = false) {
        auto add = [&](const QString& file, const QString& what) {
            if (refsOnly && !file.startsWith(QLatin1Char('$')))
                return;
            if (isRemote(file)) {
                m.note(QStringLiteral("%1: remote %2 %3 not followed").arg(app.name, what, file));
                return;
            }
            if (file.startsWith(QLatin1Char('$'))) {
                const qsizetype slash = file.indexOf(QLatin1Char('/'));
                const QString ref = file.mid(1, slash < 0 ? -1 : slash - 1);
                const AppSourceRef* refSource = nullptr;
                for (const AppSourceRef& other : app.sources)
                    if (other.ref == ref)
                        refSource = &other;
                if (!refSource) {
                    m.note(QStringLiteral("%1: %2 names ref %3, which no source declares")
                               .arg(app.name, file, ref));
                    return;
                }
                if (!inRepo(refSource->repoURL))
                    return; // values from another repository
                const auto p = normalisePath(slash < 0 ? QString() : file.mid(slash + 1));
                if (!p || p->isEmpty()) {
                    m.note(QStringLiteral("%1: %2 is not a file of the repository")
                               .arg(app.name, file));
                    return;
                }
                m.addFile(a, *p,
                          QStringLiteral("%1 is a Helm %2 of %3 (through $%4)")
                              .arg(*p, what, app.name, ref));
                return;
            }
            if (s.kind == QLatin1String("chart") || refsOnly)
                return; // relative to a chart from a Helm repository: not in this repository
            const auto p = joinPath(root, file);
            if (!p) {
                m.note(QStringLiteral("%1: %2 leaves the repository").arg(app.name, file));
                return;
            }
            m.addFile(a, *p, QStringLiteral("%1 is a Helm %2 of %3").arg(*p, what, app.name));
        };
        for (const QString& f : s.valueFiles)
            add(f, QStringLiteral("values file"));
        for (const QString& f : s.fileParameters)
            add(f, QStringLiteral("file parameter"));
    }

    // `chain`: directories from the source root down to the one that references `dir`.
    void visitKustomization(int a, const QString& dir, QStringList chain, const QString& role,
                            QSet<QString>& visited) {
        if (visited.contains(dir))
            return; // cycles and diamonds are walked once
        visited.insert(dir);
        const std::optional<Kustomization>& k = kustomizationOf(dir);
        const QString via = chain.isEmpty()
                                ? QString()
                                : QStringLiteral(" (via %1)")
                                      .arg((chain + QStringList{dir}).join(QStringLiteral(" → ")));
        if (!k) {
            m.note(QStringLiteral("no kustomization in %1")
                       .arg(dir.isEmpty() ? QStringLiteral("/") : dir));
            // Index the names kustomize would look for, so one added at another revision
            // matches this application.
            for (const QString& name : kustomizationNames())
                m.addFile(a, joinPath(dir, name).value_or(name),
                          QStringLiteral("%1 would be the kustomization of %2%3")
                              .arg(joinPath(dir, name).value_or(name), dir, via));
            return;
        }
        const QString shownDir = dir.isEmpty() ? QStringLiteral("/") : dir;
        m.addFile(a, k->file,
                  QStringLiteral("%1 is the kustomization of %2%3%4")
                      .arg(k->file, shownDir,
                           role.isEmpty() || chain.isEmpty()
                               ? QString()
                               : QStringLiteral(", %1 of %2").arg(role, chain.last()),
                           via));
        if (!k->ok)
            return;
        const json& doc = k->doc;
        QStringList next = chain;
        next.append(dir);

        auto fileRef = [&](const QString& entry, const QString& what) {
            if (entry.isEmpty() || entry.contains(QLatin1Char('\n')))
                return; // inline content
            if (isRemote(entry)) {
                m.note(QStringLiteral("%1: remote %2 %3 not followed").arg(k->file, what, entry));
                return;
            }
            const auto p = joinPath(dir, entry);
            if (!p) {
                m.note(QStringLiteral("%1: %2 leaves the repository").arg(k->file, entry));
                return;
            }
            m.addFile(
                a, *p,
                QStringLiteral("%1 is %2 of kustomization %3%4").arg(*p, what, shownDir, via));
        };
        // resources and the like: a file, or a directory with its own kustomization.
        auto fileOrDir = [&](const QString& entry, const QString& what) {
            if (entry.isEmpty() || entry.contains(QLatin1Char('\n')))
                return;
            if (isRemote(entry)) {
                m.note(QStringLiteral("%1: remote %2 %3 not followed").arg(k->file, what, entry));
                return;
            }
            const auto p = joinPath(dir, entry);
            if (!p) {
                m.note(QStringLiteral("%1: %2 leaves the repository").arg(k->file, entry));
                return;
            }
            if (t.isFile(*p) || (!t.isDir(*p) && isManifestFile(*p))) {
                fileRef(entry, what);
                return;
            }
            visitKustomization(a, *p, next, what, visited);
        };

        for (const QString& e : stringList(doc, "resources"))
            fileOrDir(e, QStringLiteral("a resource"));
        for (const QString& e : stringList(doc, "bases"))
            fileOrDir(e, QStringLiteral("a base"));
        for (const QString& e : stringList(doc, "components"))
            fileOrDir(e, QStringLiteral("a component"));
        for (const char* key : {"generators", "transformers", "validators"}) {
            const QString what = QStringLiteral("a %1").arg(QString::fromLatin1(key).chopped(1));
            for (const QString& e : stringList(doc, key))
                fileOrDir(e, what);
        }
        for (const QString& e : stringList(doc, "patchesStrategicMerge"))
            fileRef(e, QStringLiteral("a patch"));
        for (const QString& e : stringList(doc, "crds"))
            fileRef(e, QStringLiteral("a CRD"));
        for (const QString& e : stringList(doc, "configurations"))
            fileRef(e, QStringLiteral("a transformer configuration"));
        auto objects = [&](const char* key) {
            std::vector<json> out;
            const auto it = doc.find(key);
            if (it != doc.end() && it->is_array())
                for (const json& v : *it)
                    out.push_back(v);
            return out;
        };
        for (const json& p : objects("patches")) {
            if (p.is_string())
                fileRef(qs(p), QStringLiteral("a patch"));
            else
                fileRef(qs(p.value("path", json())), QStringLiteral("a patch"));
        }
        for (const json& p : objects("patchesJson6902"))
            fileRef(qs(p.value("path", json())), QStringLiteral("a JSON patch"));
        for (const json& p : objects("replacements"))
            if (p.is_object())
                fileRef(qs(p.value("path", json())), QStringLiteral("a replacement"));
        if (const auto o = doc.find("openapi"); o != doc.end() && o->is_object())
            fileRef(qs(o->value("path", json())), QStringLiteral("an OpenAPI schema"));
        for (const char* key : {"configMapGenerator", "secretGenerator"}) {
            const QString what = QStringLiteral("an input of a %1").arg(QLatin1String(key));
            for (const json& g : objects(key)) {
                for (QString f : stringList(g, "files")) {
                    // "key=path" names the data key
                    if (const qsizetype eq = f.indexOf(QLatin1Char('=')); eq >= 0)
                        f = f.mid(eq + 1);
                    fileRef(f, what);
                }
                for (const QString& f : stringList(g, "envs"))
                    fileRef(f, what);
                for (const QString& f : stringList(g, "env"))
                    fileRef(f, what);
            }
        }
        QString chartHome = QStringLiteral("charts");
        if (const auto hg = doc.find("helmGlobals"); hg != doc.end() && hg->is_object())
            if (const QString h = qs(hg->value("chartHome", json())); !h.isEmpty())
                chartHome = h;
        for (const json& h : objects("helmCharts")) {
            if (!h.is_object())
                continue;
            fileRef(qs(h.value("valuesFile", json())), QStringLiteral("a Helm values file"));
            for (const QString& f : stringList(h, "additionalValuesFiles"))
                fileRef(f, QStringLiteral("a Helm values file"));
            const QString name = qs(h.value("name", json()));
            if (name.isEmpty())
                continue;
            if (const auto chartDir = joinPath(dir, chartHome + QLatin1Char('/') + name);
                chartDir && t.isDir(*chartDir))
                walkChart(a, *chartDir,
                          QStringLiteral("part of chart %1 of kustomization %2%3")
                              .arg(*chartDir, shownDir, via),
                          0);
        }
    }
};

ImpactMap::ImpactMap(const RepoTree& tree, QString repoURL, std::vector<AppRef> apps)
    : m_repoURL(std::move(repoURL))
    , m_apps(std::move(apps)) {
    m_files.resize(m_apps.size());
    for (int i = 0; i < int(m_apps.size()); ++i)
        m_indexByKey.insert(m_apps[size_t(i)].key(), i);
    ImpactWalker(*this, tree).run();
}

void ImpactMap::addFile(int app, const QString& path, const QString& reason) {
    QHash<QString, QString>& files = m_files[size_t(app)];
    if (files.contains(path))
        return;
    files.insert(path, reason);
    m_byFile[path].push_back({app, reason});
}

void ImpactMap::note(const QString& text) {
    if (!m_notes.contains(text))
        m_notes.append(text);
}

std::vector<ImpactEntry> ImpactMap::impacted(const std::vector<FileChange>& changes) const {
    std::map<int, ImpactEntry> hits;
    for (const FileChange& c : changes) {
        QStringList paths{c.path};
        if (!c.oldPath.isEmpty() && c.oldPath != c.path)
            paths.append(c.oldPath);
        for (const QString& path : paths) {
            const auto it = m_byFile.constFind(path);
            if (it == m_byFile.constEnd())
                continue;
            for (const Reach& r : *it) {
                ImpactEntry& e = hits[r.app];
                if (e.app.name.isEmpty())
                    e.app = m_apps[size_t(r.app)];
                if (!e.files.contains(path))
                    e.files.append(path);
                if (!e.reasons.contains(r.reason))
                    e.reasons.append(r.reason);
            }
        }
    }
    std::vector<ImpactEntry> out;
    out.reserve(hits.size());
    for (auto& [index, entry] : hits) {
        entry.files.sort();
        out.push_back(std::move(entry));
    }
    return out;
}

QStringList ImpactMap::filesOf(const AppRef& app) const {
    const auto it = m_indexByKey.constFind(app.key());
    if (it == m_indexByKey.constEnd())
        return {};
    QStringList out = m_files[size_t(*it)].keys();
    out.sort();
    return out;
}

std::vector<ImpactEntry> impactedAcross(const ImpactMap& base, const ImpactMap& head,
                                        const std::vector<FileChange>& changes) {
    std::vector<FileChange> atBase, atHead;
    for (const FileChange& c : changes) {
        const QString old = c.oldPath.isEmpty() ? c.path : c.oldPath;
        if (c.kind != FileChange::Kind::Added)
            atBase.push_back({c.kind, old, old});
        if (c.kind != FileChange::Kind::Deleted)
            atHead.push_back({c.kind, c.path, c.path});
    }
    std::vector<ImpactEntry> out = head.impacted(atHead);
    QHash<QString, size_t> byKey;
    for (size_t i = 0; i < out.size(); ++i)
        byKey.insert(out[i].app.key(), i);
    for (ImpactEntry& e : base.impacted(atBase)) {
        const auto it = byKey.constFind(e.app.key());
        if (it == byKey.constEnd()) {
            byKey.insert(e.app.key(), out.size());
            out.push_back(std::move(e));
            continue;
        }
        ImpactEntry& into = out[*it];
        for (const QString& f : e.files)
            if (!into.files.contains(f))
                into.files.append(f);
        for (const QString& r : e.reasons)
            if (!into.reasons.contains(r))
                into.reasons.append(r);
        into.files.sort();
    }
    return out;
}

std::vector<AppRef> applicationsInRepo(const RepoTree& tree, const QString& repoURL,
                                       const std::vector<ClusterInfo>& clusters,
                                       QStringList* notes) {
    std::vector<AppRef> out;
    QHash<QString, size_t> byKey;
    const AppSetContext ctx{&tree, repoURL, clusters};
    for (const QString& file : tree.allFiles()) {
        if (!file.endsWith(QLatin1String(".yaml")) && !file.endsWith(QLatin1String(".yml")) &&
            !file.endsWith(QLatin1String(".json")))
            continue;
        const auto content = tree.readFile(file);
        // Cheap filter: only files that can hold an Argo CD object are parsed.
        if (!content || !content->contains("argoproj.io") || !content->contains("Application"))
            continue;
        if (content->contains("{{") &&
            file.split(QLatin1Char('/')).contains(QLatin1String("templates"))) {
            if (notes)
                notes->append(QStringLiteral("%1 is a Helm template: its Applications are known "
                                             "only after rendering the chart")
                                  .arg(file));
            continue;
        }
        Result<std::vector<AppRef>> apps = parseApplications(*content, file, ctx, notes);
        if (!apps) {
            if (notes)
                notes->append(
                    QStringLiteral("skipped %1: %2").arg(file, apps.error().shortMessage));
            continue;
        }
        for (AppRef& a : apps.value()) {
            a.definedIn = file;
            const auto it = byKey.constFind(a.key());
            if (it != byKey.constEnd()) {
                AppRef& earlier = out[*it];
                if (notes)
                    notes->append(QStringLiteral("Application %1 appears in %2 and %3 (a "
                                                 "kustomize patch?); using the one with sources")
                                      .arg(a.name, earlier.definedIn, file));
                if (earlier.sources.empty() && !a.sources.empty())
                    earlier = std::move(a);
                continue;
            }
            byKey.insert(a.key(), out.size());
            out.push_back(std::move(a));
        }
    }
    return out;
}

} // namespace sextant::gitops
