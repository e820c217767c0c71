#include "gitops/applications.h"

#include "core/yamljson.h"
#include "gitops/appset.h"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <QRegularExpression>

namespace sextant::gitops {

namespace {

using json = nlohmann::json;

QString str(const json& v) {
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    if (v.is_number_integer())
        return QString::number(v.get<long long>());
    if (v.is_number())
        return QString::number(v.get<double>());
    if (v.is_boolean())
        return v.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    return {};
}

QString strAt(const json& o, const char* key) {
    if (!o.is_object())
        return {};
    const auto it = o.find(key);
    return it == o.end() ? QString() : str(*it);
}

// A shape problem: the message and the '/'-separated field path it concerns.
struct ShapeError {
    QString message;
    QString field;
};

std::optional<ShapeError> readStringMap(const json& o, const char* key, const QString& at,
                                        QMap<QString, QString>& out) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null())
        return std::nullopt;
    if (!it->is_object())
        return ShapeError{QStringLiteral("%1 is not a map").arg(QLatin1String(key)),
                          at + QLatin1String(key)};
    for (auto kv = it->begin(); kv != it->end(); ++kv)
        out.insert(QString::fromStdString(kv.key()), str(kv.value()));
    return std::nullopt;
}

std::optional<ShapeError> readSource(const json& s, const QString& at, AppSourceRef& out) {
    if (!s.is_object())
        return ShapeError{QStringLiteral("a source is not a map"), at};
    out.repoURL = strAt(s, "repoURL");
    out.path = strAt(s, "path");
    out.chart = strAt(s, "chart");
    out.targetRevision = strAt(s, "targetRevision");
    out.ref = strAt(s, "ref");
    if (!out.chart.isEmpty())
        out.kind = QStringLiteral("chart");
    if (const auto h = s.find("helm"); h != s.end() && h->is_object()) {
        if (out.kind.isEmpty())
            out.kind = QStringLiteral("helm");
        if (const auto vf = h->find("valueFiles"); vf != h->end() && !vf->is_null()) {
            if (!vf->is_array())
                return ShapeError{QStringLiteral("helm.valueFiles is not a list"),
                                  at + QStringLiteral("/helm/valueFiles")};
            for (const json& v : *vf)
                out.valueFiles.append(str(v));
        }
        if (const auto fp = h->find("fileParameters"); fp != h->end() && !fp->is_null()) {
            if (!fp->is_array())
                return ShapeError{QStringLiteral("helm.fileParameters is not a list"),
                                  at + QStringLiteral("/helm/fileParameters")};
            for (const json& p : *fp)
                if (const QString path = strAt(p, "path"); !path.isEmpty())
                    out.fileParameters.append(path);
        }
    }
    if (const auto k = s.find("kustomize"); k != s.end() && k->is_object()) {
        if (out.kind.isEmpty())
            out.kind = QStringLiteral("kustomize");
        if (const auto c = k->find("components"); c != k->end() && c->is_array())
            for (const json& v : *c)
                out.kustomizeComponents.append(str(v));
    }
    if (const auto d = s.find("directory"); d != s.end() && d->is_object()) {
        if (out.kind.isEmpty())
            out.kind = QStringLiteral("directory");
        if (const auto r = d->find("recurse"); r != d->end())
            out.directoryRecurse = r->is_boolean() ? r->get<bool>() : str(*r) == "true";
        out.directoryInclude = strAt(*d, "include");
        out.directoryExclude = strAt(*d, "exclude");
    }
    if (const auto p = s.find("plugin"); p != s.end() && p->is_object() && out.kind.isEmpty())
        out.kind = QStringLiteral("plugin");
    return std::nullopt;
}

std::optional<ShapeError> readApplication(const json& o, AppRef& app) {
    const auto md = o.find("metadata");
    if (md == o.end() || !md->is_object())
        return ShapeError{QStringLiteral("Application without metadata"), QString()};
    app.name = strAt(*md, "name");
    if (app.name.isEmpty())
        return ShapeError{QStringLiteral("Application without metadata.name"),
                          QStringLiteral("metadata")};
    app.appNamespace = strAt(*md, "namespace");
    if (auto e = readStringMap(*md, "labels", QStringLiteral("metadata/"), app.labels))
        return e;
    if (auto e = readStringMap(*md, "annotations", QStringLiteral("metadata/"), app.annotations))
        return e;
    const auto spec = o.find("spec");
    if (spec == o.end() || !spec->is_object())
        return ShapeError{QStringLiteral("Application %1 has no spec").arg(app.name), QString()};
    app.project = strAt(*spec, "project");
    if (const auto d = spec->find("destination"); d != spec->end() && !d->is_null()) {
        if (!d->is_object())
            return ShapeError{QStringLiteral("spec.destination is not a map"),
                              QStringLiteral("spec/destination")};
        app.destServer = strAt(*d, "server");
        app.destName = strAt(*d, "name");
        app.destNamespace = strAt(*d, "namespace");
    }
    // Argo CD uses spec.sources when it is set, else spec.source.
    const auto many = spec->find("sources");
    if (many != spec->end() && !many->is_null()) {
        if (!many->is_array())
            return ShapeError{QStringLiteral("spec.sources is not a list"),
                              QStringLiteral("spec/sources")};
        for (size_t i = 0; i < many->size(); ++i) {
            AppSourceRef s;
            if (auto e = readSource((*many)[i], QStringLiteral("spec/sources/%1").arg(i), s))
                return e;
            app.sources.push_back(std::move(s));
        }
    }
    if (app.sources.empty()) {
        if (const auto one = spec->find("source"); one != spec->end() && !one->is_null()) {
            AppSourceRef s;
            if (auto e = readSource(*one, QStringLiteral("spec/source"), s))
                return e;
            app.sources.push_back(std::move(s));
        }
    }
    return std::nullopt;
}

// The line (1-based) of the YAML node at a '/'-separated field path, or of the deepest node
// that exists on the way.
int yamlLine(const YAML::Node& root, const QString& field) {
    YAML::Node node = root;
    int line = root.Mark().line + 1;
    for (const QString& part : field.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        YAML::Node next;
        bool isIndex = false;
        const int index = part.toInt(&isIndex);
        if (isIndex && node.IsSequence() && index < int(node.size()))
            next = node[index];
        else if (node.IsMap())
            next = node[part.toStdString()];
        if (!next.IsDefined())
            break;
        node = next;
        line = node.Mark().line + 1;
    }
    return line;
}

enum class ObjectKind { Application, ApplicationSet, List, Other };

ObjectKind kindOf(const json& o, bool inList) {
    const QString kind = strAt(o, "kind");
    if (kind == QLatin1String("Application"))
        return ObjectKind::Application;
    if (kind == QLatin1String("ApplicationSet"))
        return ObjectKind::ApplicationSet;
    if (kind == QLatin1String("List") || kind == QLatin1String("ApplicationList") ||
        kind == QLatin1String("ApplicationSetList"))
        return ObjectKind::List;
    if (!kind.isEmpty())
        return ObjectKind::Other;
    // The API's list items and single objects carry no kind: tell them apart by their shape.
    if (o.contains("items") && o["items"].is_array() && !o.contains("spec"))
        return ObjectKind::List;
    const auto spec = o.find("spec");
    if (spec != o.end() && spec->is_object()) {
        if (spec->contains("generators"))
            return ObjectKind::ApplicationSet;
        if (spec->contains("destination") || spec->contains("source") || spec->contains("sources"))
            return ObjectKind::Application;
    }
    return inList ? ObjectKind::Application : ObjectKind::Other;
}

struct Collector {
    QString fileName;
    const AppSetContext& ctx;
    QStringList* notes;
    std::vector<AppRef> apps;

    // Returns an error with the field path when an Application has a wrong shape.
    std::optional<ShapeError> add(const json& o, bool inList, const QString& at) {
        switch (kindOf(o, inList)) {
        case ObjectKind::Application: {
            AppRef app;
            if (auto e = readApplication(o, app)) {
                e->field = at + e->field;
                return e;
            }
            resolveClusterAndEnvironment(app, ctx.clusters);
            apps.push_back(std::move(app));
            return std::nullopt;
        }
        case ObjectKind::ApplicationSet: {
            AppSetExpansion x = expandApplicationSet(o, ctx, fileName);
            if (notes)
                notes->append(x.notes);
            for (AppRef& a : x.apps)
                apps.push_back(std::move(a));
            return std::nullopt;
        }
        case ObjectKind::List: {
            const auto items = o.find("items");
            if (items == o.end() || items->is_null())
                return std::nullopt;
            if (!items->is_array())
                return ShapeError{QStringLiteral("items is not a list"), at + "items"};
            for (size_t i = 0; i < items->size(); ++i)
                if (auto e = add((*items)[i], true, at + QStringLiteral("items/%1/").arg(i)))
                    return e;
            return std::nullopt;
        }
        case ObjectKind::Other:
            return std::nullopt;
        }
        return std::nullopt;
    }
};

int lineOfOffset(const QByteArray& text, qsizetype offset) {
    offset = std::clamp<qsizetype>(offset, 0, text.size());
    return int(std::count(text.begin(), text.begin() + offset, '\n')) + 1;
}

} // namespace

QString AppRef::key() const {
    return instance + QLatin1Char('/') + appNamespace + QLatin1Char('/') + name;
}

const QStringList& knownEnvironmentWords() {
    static const QStringList words{
        QStringLiteral("dev"),         QStringLiteral("development"), QStringLiteral("int"),
        QStringLiteral("integration"), QStringLiteral("test"),        QStringLiteral("testing"),
        QStringLiteral("qa"),          QStringLiteral("sit"),         QStringLiteral("uat"),
        QStringLiteral("load"),        QStringLiteral("perf"),        QStringLiteral("sandbox"),
        QStringLiteral("stage"),       QStringLiteral("staging"),     QStringLiteral("preprod"),
        QStringLiteral("pre-prod"),    QStringLiteral("nonprod"),     QStringLiteral("non-prod"),
        QStringLiteral("prod"),        QStringLiteral("production"),  QStringLiteral("prd"),
    };
    return words;
}

namespace {

QString envWordIn(const QString& text) {
    static const QRegularExpression split(QStringLiteral("[^a-z0-9]+"));
    const QStringList tokens = text.toLower().split(split, Qt::SkipEmptyParts);
    const QStringList& words = knownEnvironmentWords();
    for (qsizetype i = 0; i < tokens.size(); ++i) {
        if (i + 1 < tokens.size()) {
            const QString pair = tokens[i] + QLatin1Char('-') + tokens[i + 1];
            if (words.contains(pair))
                return pair;
        }
        if (words.contains(tokens[i]))
            return tokens[i];
    }
    return {};
}

} // namespace

QString environmentFor(const AppRef& app) {
    for (const char* label : {"env", "environment", "stage"}) {
        const QString v = app.labels.value(QLatin1String(label));
        if (!v.isEmpty())
            return v;
    }
    QStringList candidates{app.cluster, app.name};
    for (const AppSourceRef& s : app.sources)
        candidates.append(s.path);
    for (const QString& c : candidates)
        if (const QString w = envWordIn(c); !w.isEmpty())
            return w;
    return {};
}

void resolveClusterAndEnvironment(AppRef& app, const std::vector<ClusterInfo>& clusters) {
    if (!app.destName.isEmpty()) {
        app.cluster = app.destName;
    } else {
        app.cluster.clear();
        for (const ClusterInfo& c : clusters) {
            if (!c.server.isEmpty() && c.server == app.destServer && !c.name.isEmpty()) {
                app.cluster = c.name;
                break;
            }
        }
        if (app.cluster.isEmpty())
            app.cluster = app.destServer == QLatin1String(kInClusterServer)
                              ? QStringLiteral("in-cluster")
                              : app.destServer;
    }
    app.environment = environmentFor(app);
}

QString normaliseRepoURL(const QString& url) {
    QString u = url.trimmed().toLower();
    static const QRegularExpression scheme(QStringLiteral("^[a-z][a-z0-9+.-]*://"));
    const bool hadScheme = u.contains(scheme);
    u.remove(scheme);
    // user@ before the host
    if (const qsizetype at = u.indexOf(QLatin1Char('@')); at >= 0) {
        const qsizetype slash = u.indexOf(QLatin1Char('/'));
        if (slash < 0 || at < slash)
            u = u.mid(at + 1);
    }
    // host:port/path (URL) or host:path (scp-like)
    const qsizetype colon = u.indexOf(QLatin1Char(':'));
    const qsizetype slash = u.indexOf(QLatin1Char('/'));
    if (colon >= 0 && (slash < 0 || colon < slash)) {
        const QString host = u.left(colon);
        QString rest = u.mid(colon + 1);
        if (hadScheme) {
            // drop the port
            qsizetype i = 0;
            while (i < rest.size() && rest.at(i).isDigit())
                ++i;
            rest = rest.mid(i);
        }
        while (rest.startsWith(QLatin1Char('/')))
            rest.remove(0, 1);
        u = host + QLatin1Char('/') + rest;
    }
    while (u.endsWith(QLatin1Char('/')))
        u.chop(1);
    if (u.endsWith(QLatin1String(".git")))
        u.chop(4);
    while (u.endsWith(QLatin1Char('/')))
        u.chop(1);
    return u;
}

bool sameRepo(const QString& a, const QString& b) {
    return normaliseRepoURL(a) == normaliseRepoURL(b);
}

Result<AppRef> applicationFromJson(const nlohmann::json& object, const QString& fileName) {
    AppRef app;
    if (!object.is_object())
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("%1: an Application is not a map").arg(fileName));
    if (auto e = readApplication(object, app))
        return Error::make(
            Error::Kind::Protocol, QStringLiteral("%1: %2").arg(fileName, e->message),
            e->field.isEmpty() ? QString() : QStringLiteral("field %1").arg(e->field));
    resolveClusterAndEnvironment(app);
    return app;
}

Result<std::vector<AppRef>> parseApplications(const QByteArray& yamlOrJson,
                                              const QString& fileName) {
    return parseApplications(yamlOrJson, fileName, AppSetContext{}, nullptr);
}

Result<std::vector<AppRef>> parseApplications(const QByteArray& yamlOrJson, const QString& fileName,
                                              const AppSetContext& ctx, QStringList* notes) {
    Collector collector{fileName, ctx, notes, {}};
    const QByteArray trimmed = yamlOrJson.trimmed();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
        // JSON (the API's list answer): nlohmann is much faster than a YAML parser on it.
        json doc;
        try {
            doc = json::parse(yamlOrJson.constBegin(), yamlOrJson.constEnd());
        } catch (const json::parse_error& e) {
            return Error::make(Error::Kind::Config,
                               QStringLiteral("%1:%2: not valid JSON")
                                   .arg(fileName)
                                   .arg(lineOfOffset(yamlOrJson, qsizetype(e.byte))),
                               QString::fromUtf8(e.what()));
        }
        const json items = doc.is_array() ? json{{"items", doc}} : doc;
        if (auto e = collector.add(items, false, QString()))
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("%1: %2").arg(fileName, e->message),
                               QStringLiteral("field %1").arg(e->field));
        return std::move(collector.apps);
    }

    std::vector<YAML::Node> docs;
    try {
        docs = YAML::LoadAll(yamlOrJson.toStdString());
    } catch (const YAML::Exception& e) {
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1:%2: %3")
                               .arg(fileName)
                               .arg(e.mark.line + 1)
                               .arg(QString::fromStdString(e.msg)),
                           QStringLiteral("YAML syntax error at line %1, column %2")
                               .arg(e.mark.line + 1)
                               .arg(e.mark.column + 1));
    }
    for (const YAML::Node& node : docs) {
        if (!node.IsDefined() || node.IsNull())
            continue;
        if (!node.IsMap())
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("%1:%2: a document is not a Kubernetes object")
                                   .arg(fileName)
                                   .arg(node.Mark().line + 1));
        json object;
        try {
            object = yamlToJson(node);
        } catch (const YAML::Exception& e) {
            return Error::make(Error::Kind::Config, QStringLiteral("%1:%2: %3")
                                                        .arg(fileName)
                                                        .arg(e.mark.line + 1)
                                                        .arg(QString::fromStdString(e.msg)));
        }
        if (auto e = collector.add(object, false, QString()))
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("%1:%2: %3")
                                   .arg(fileName)
                                   .arg(yamlLine(node, e->field))
                                   .arg(e->message),
                               e->field.isEmpty() ? QString()
                                                  : QStringLiteral("field %1").arg(e->field));
    }
    return std::move(collector.apps);
}

} // namespace sextant::gitops
