#include "manifests.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace sextant::policy {

namespace {

std::string scalarAt(const YNode& root, std::string_view path) {
    const YNode* n = root.path(path);
    return n && n->isScalar() ? n->scalar : std::string();
}

KubeObject makeObject(YNode&& doc, const QString& file) {
    KubeObject o;
    o.apiVersion = scalarAt(doc, "apiVersion");
    o.kind = scalarAt(doc, "kind");
    o.ns = scalarAt(doc, "metadata/namespace");
    o.name = scalarAt(doc, "metadata/name");
    o.file = file;
    o.line = doc.line;
    o.root = std::make_shared<const YNode>(std::move(doc));
    return o;
}

// Splits `List` objects (kubectl get -o yaml output) into their items.
void appendObject(std::vector<KubeObject>& out, YNode&& doc, const QString& file) {
    if (!doc.isMap())
        return;
    const YNode* kind = doc.get("kind");
    const YNode* items = doc.get("items");
    if (kind && kind->scalar == "List" && items && items->isSeq()) {
        for (const YNode& item : items->seq)
            appendObject(out, YNode(item), file);
        return;
    }
    if (!kind || kind->scalar.empty())
        return; // not a Kubernetes object (values files, kustomize components)
    out.push_back(makeObject(std::move(doc), file));
}

bool isKustomizeDir(const QDir& dir) {
    return dir.exists(QStringLiteral("kustomization.yaml")) ||
           dir.exists(QStringLiteral("kustomization.yml")) ||
           dir.exists(QStringLiteral("Kustomization"));
}

// Runs a renderer; the output on success, an Error with its stderr otherwise.
Result<QByteArray> runRenderer(const QString& program, const QStringList& args,
                               const QString& what) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForStarted(10000))
        return Error::make(Error::Kind::Io, QStringLiteral("cannot start %1").arg(program));
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished(2000);
        return Error::make(Error::Kind::Timeout, QStringLiteral("%1 timed out").arg(what));
    }
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return Error::make(Error::Kind::Config, QStringLiteral("%1 failed").arg(what),
                           QString::fromUtf8(p.readAllStandardError()).trimmed());
    return p.readAllStandardOutput();
}

QStringList yamlFilesUnder(const QString& dir) {
    QStringList files;
    QDirIterator it(dir, {QStringLiteral("*.yaml"), QStringLiteral("*.yml")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    files.sort(); // stable output order
    return files;
}

Status loadFile(const QString& path, LoadedManifests& out) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error::make(Error::Kind::Io, QStringLiteral("cannot read %1").arg(path),
                           f.errorString());
    const QByteArray bytes = f.readAll();
    Result<std::vector<KubeObject>> objects = parseManifests(bytes, path);
    if (!objects)
        return objects.error();
    out.sources.insert(path, QString::fromUtf8(bytes).split(QLatin1Char('\n')));
    for (KubeObject& o : *objects)
        out.objects.push_back(std::move(o));
    return okStatus();
}

// The directories a kustomization builds on (resources, bases, components that are
// directories), recursively: their raw files are where a rendered object's fields come from.
void kustomizeInputs(const QString& dir, QStringList& dirs, QStringList& files) {
    const QString canonical = QFileInfo(dir).canonicalFilePath();
    if (canonical.isEmpty() || dirs.contains(canonical))
        return;
    dirs << canonical;
    for (const QString& file : yamlFilesUnder(canonical)) {
        if (!files.contains(file))
            files << file;
    }
    for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
        QFile f(QDir(canonical).filePath(QLatin1String(name)));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        try {
            for (const YNode& doc : parseYamlDocuments(f.readAll().toStdString())) {
                for (const char* key : {"resources", "bases", "components"}) {
                    const YNode* list = doc.get(key);
                    if (!list || !list->isSeq())
                        continue;
                    for (const YNode& entry : list->seq) {
                        const QString path =
                            QDir(canonical).filePath(QString::fromStdString(entry.scalar));
                        const QFileInfo info(path);
                        if (info.isDir())
                            kustomizeInputs(path, dirs, files);
                        else if (info.isFile() && !files.contains(info.canonicalFilePath()))
                            files << info.canonicalFilePath();
                    }
                }
            }
        } catch (const YAML::Exception&) {
            // kubectl already rendered it; a file we cannot read only costs the mapping.
        }
    }
}

// Maps rendered objects back to the author's objects: same kind and a name that the rendered
// name contains (Kustomize's namePrefix/nameSuffix), in the overlay's files first, then in its
// bases. Every match is kept: a field's line comes from whichever defines it (engine).
void mapToSources(std::vector<KubeObject>& rendered, const QString& dir, LoadedManifests& out) {
    QStringList dirs, files;
    kustomizeInputs(dir, dirs, files);
    // Report paths the way the user gave the directory (relative stays relative).
    if (QFileInfo(dir).isRelative()) {
        for (QString& f : files)
            f = QDir::current().relativeFilePath(f);
    }
    std::vector<KubeObject> raw;
    for (const QString& file : files) {
        if (QFileInfo(file).fileName().startsWith(QLatin1String("kustomization")))
            continue;
        LoadedManifests one;
        if (!loadFile(file, one))
            continue; // a patch or values file that is not valid on its own
        for (KubeObject& o : one.objects)
            raw.push_back(std::move(o));
        out.sources.insert(one.sources);
    }
    for (KubeObject& r : rendered) {
        for (const KubeObject& s : raw) {
            if (s.kind != r.kind || s.name.empty() || r.name.find(s.name) == std::string::npos)
                continue;
            r.sources.push_back({s.file, s.root});
        }
        if (!r.sources.empty()) {
            r.file = r.sources.front().file;
            r.line = r.sources.front().root->line;
        }
    }
}

Status loadRendered(const QString& dir, const HelmOptions& helm, LoadedManifests& out) {
    const Renderers& tools = Renderers::detect();
    QByteArray yaml;
    QString renderer;
    const bool kustomize = isKustomizeDir(QDir(dir));
    if (kustomize && !tools.kubectl.isEmpty()) {
        auto r = runRenderer(tools.kubectl, {QStringLiteral("kustomize"), dir},
                             QStringLiteral("kubectl kustomize %1").arg(dir));
        if (!r)
            return r.error();
        yaml = *r;
        renderer = QStringLiteral("kubectl-kustomize");
    } else if (kustomize && !tools.kustomize.isEmpty()) {
        auto r = runRenderer(tools.kustomize, {QStringLiteral("build"), dir},
                             QStringLiteral("kustomize build %1").arg(dir));
        if (!r)
            return r.error();
        yaml = *r;
        renderer = QStringLiteral("kustomize");
    } else if (!kustomize && !tools.helm.isEmpty()) {
        QStringList args{QStringLiteral("template")};
        if (!helm.releaseName.isEmpty())
            args << helm.releaseName;
        args << dir;
        if (!helm.ns.isEmpty())
            args << QStringLiteral("--namespace") << helm.ns;
        for (const QString& values : helm.valueFiles)
            args << QStringLiteral("--values") << QDir(dir).absoluteFilePath(values);
        auto r = runRenderer(tools.helm, args, QStringLiteral("helm template %1").arg(dir));
        if (!r)
            return r.error();
        yaml = *r;
        renderer = QStringLiteral("helm");
    } else {
        out.notes << (kustomize ? QStringLiteral("%1: kustomization found but neither kubectl nor "
                                                 "kustomize is installed; raw manifests checked")
                                      .arg(dir)
                                : QStringLiteral("%1: Helm chart found but helm is not installed; "
                                                 "templates/ not checked, other manifests checked")
                                      .arg(dir));
        for (const QString& file : yamlFilesUnder(dir)) {
            if (QFileInfo(file).fileName().startsWith(QLatin1String("kustomization")))
                continue;
            // Helm templates are Go templates, not YAML, until rendered.
            if (!kustomize &&
                QDir(dir).relativeFilePath(file).startsWith(QLatin1String("templates/")))
                continue;
            if (Status s = loadFile(file, out); !s)
                return s;
        }
        return okStatus();
    }
    Result<std::vector<KubeObject>> objects =
        parseManifests(yaml, QStringLiteral("%1 (%2 output)").arg(dir, renderer));
    if (!objects)
        return objects.error();
    for (KubeObject& o : *objects)
        o.rendered = true;
    mapToSources(*objects, dir, out);
    for (KubeObject& o : *objects)
        out.objects.push_back(std::move(o));
    if (out.renderer == QLatin1String("raw") || out.renderer == renderer)
        out.renderer = renderer;
    else
        out.renderer = QStringLiteral("mixed");
    return okStatus();
}

} // namespace

const Renderers& Renderers::detect() {
    static const Renderers found = [] {
        Renderers r;
        r.kubectl = QStandardPaths::findExecutable(QStringLiteral("kubectl"));
        r.kustomize = QStandardPaths::findExecutable(QStringLiteral("kustomize"));
        r.helm = QStandardPaths::findExecutable(QStringLiteral("helm"));
        return r;
    }();
    return found;
}

Result<std::vector<KubeObject>> parseManifests(const QByteArray& yaml, const QString& fileName) {
    std::vector<KubeObject> out;
    try {
        std::vector<YNode> docs = parseYamlDocuments(yaml.toStdString());
        for (YNode& d : docs)
            appendObject(out, std::move(d), fileName);
    } catch (const YAML::Exception& e) {
        return Error::make(Error::Kind::Config, QStringLiteral("%1: invalid YAML").arg(fileName),
                           QStringLiteral("%1:%2:%3: %4")
                               .arg(fileName)
                               .arg(e.mark.line + 1)
                               .arg(e.mark.column + 1)
                               .arg(QString::fromStdString(e.msg)));
    }
    return out;
}

Result<LoadedManifests> loadManifests(const QStringList& paths, const HelmOptions& helm) {
    LoadedManifests out;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (!info.exists())
            return Error::make(Error::Kind::Config, QStringLiteral("%1: no such file").arg(path));
        if (info.isDir()) {
            const QDir dir(path);
            if (isKustomizeDir(dir) || dir.exists(QStringLiteral("Chart.yaml"))) {
                if (Status s = loadRendered(path, helm, out); !s)
                    return s.error();
                continue;
            }
            for (const QString& file : yamlFilesUnder(path)) {
                if (Status s = loadFile(file, out); !s)
                    return s.error();
            }
        } else if (Status s = loadFile(path, out); !s) {
            return s.error();
        }
    }
    return out;
}

} // namespace sextant::policy
