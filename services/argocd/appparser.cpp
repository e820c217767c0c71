#include "appparser.h"

#include <string_view>

namespace sextant::argocd {

namespace {

using json = nlohmann::json;

const json* member(const json& object, const char* key) {
    if (!object.is_object())
        return nullptr;
    auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return nullptr;
    return &*it;
}

const json* path(const json& object, std::initializer_list<const char*> keys) {
    const json* cur = &object;
    for (const char* key : keys) {
        cur = member(*cur, key);
        if (!cur)
            return nullptr;
    }
    return cur;
}

QString str(const json* value) {
    if (!value || !value->is_string())
        return {};
    const std::string& s = value->get_ref<const std::string&>();
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString str(const json& object, std::initializer_list<const char*> keys) {
    return str(path(object, keys));
}

QDateTime timestamp(const json& object, std::initializer_list<const char*> keys) {
    const QString s = str(object, keys);
    if (s.isEmpty())
        return {};
    QDateTime t = QDateTime::fromString(s, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(s, Qt::ISODate);
    return t;
}

void readSource(const json& source, AppSummary& app) {
    app.repoURL = str(source, {"repoURL"});
    app.path = str(source, {"path"});
    if (app.path.isEmpty())
        app.path = str(source, {"chart"});
    app.targetRevision = str(source, {"targetRevision"});
}

} // namespace

Result<nlohmann::json> parseJsonBody(const QByteArray& body, const QString& what) {
    try {
        return json::parse(body.begin(), body.end());
    } catch (const json::parse_error& e) {
        // nlohmann counts bytes from 1; report the 0-based offset of the offending byte.
        const qint64 offset = std::min<qint64>(qint64(e.byte > 0 ? e.byte - 1 : 0), body.size());
        // The parser ran past the last byte: the body ended in the middle of a value.
        const bool truncated = body.isEmpty() || e.byte > std::size_t(body.size());
        return Error::make(
            Error::Kind::Protocol,
            truncated ? QStringLiteral("the server's %1 ended early (truncated JSON)").arg(what)
                      : QStringLiteral("the server sent malformed JSON for %1").arg(what),
            QStringLiteral("JSON error at byte offset %1 of %2: %3")
                .arg(offset)
                .arg(body.size())
                .arg(QString::fromUtf8(e.what())));
    }
}

Result<AppSummary> parseApplication(const json& a, const QString& instanceId) {
    if (!a.is_object())
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the server sent an application that is not an object"));
    AppSummary app;
    app.instance = instanceId;
    app.name = str(a, {"metadata", "name"});
    app.appNamespace = str(a, {"metadata", "namespace"});
    app.resourceVersion = str(a, {"metadata", "resourceVersion"});
    app.createdAt = timestamp(a, {"metadata", "creationTimestamp"});
    app.deleting = path(a, {"metadata", "deletionTimestamp"}) != nullptr;
    if (const json* labels = path(a, {"metadata", "labels"}); labels && labels->is_object()) {
        for (auto it = labels->begin(); it != labels->end(); ++it)
            app.labels.append({QString::fromStdString(it.key()), str(&it.value())});
    }

    app.project = str(a, {"spec", "project"});
    app.destServer = str(a, {"spec", "destination", "server"});
    app.destName = str(a, {"spec", "destination", "name"});
    app.destNamespace = str(a, {"spec", "destination", "namespace"});
    if (const json* source = path(a, {"spec", "source"}); source && source->is_object()) {
        readSource(*source, app);
    } else if (const json* sources = path(a, {"spec", "sources"});
               sources && sources->is_array() && !sources->empty()) {
        app.multiSource = true;
        readSource(sources->front(), app);
    }
    if (const json* automated = path(a, {"spec", "syncPolicy", "automated"});
        automated && automated->is_object()) {
        const json* enabled = member(*automated, "enabled");
        app.autoSync = !(enabled && enabled->is_boolean() && !enabled->get<bool>());
    }

    app.sync = syncStatusFromString(str(a, {"status", "sync", "status"}));
    app.syncRevision = str(a, {"status", "sync", "revision"});
    if (app.syncRevision.isEmpty()) {
        if (const json* revs = path(a, {"status", "sync", "revisions"});
            revs && revs->is_array() && !revs->empty())
            app.syncRevision = str(&revs->front());
    }
    app.health = healthStatusFromString(str(a, {"status", "health", "status"}));
    app.healthMessage = str(a, {"status", "health", "message"});
    app.operationPhase = operationPhaseFromString(str(a, {"status", "operationState", "phase"}));
    app.operationStartedAt = timestamp(a, {"status", "operationState", "startedAt"});
    app.operationFinishedAt = timestamp(a, {"status", "operationState", "finishedAt"});
    if (const json* images = path(a, {"status", "summary", "images"});
        images && images->is_array()) {
        for (const json& image : *images)
            if (image.is_string())
                app.images.append(str(&image));
    }
    return app;
}

Result<AppList> parseApplicationList(const QByteArray& body, const QString& instanceId) {
    Result<json> doc = parseJsonBody(body, QStringLiteral("application list"));
    if (!doc)
        return doc.error();
    const json& root = *doc;
    if (!root.is_object())
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the server's application list is not a JSON object"),
                           QStringLiteral("expected {\"items\":[...]}, got a JSON %1")
                               .arg(QString::fromUtf8(root.type_name())));
    AppList list;
    list.resourceVersion = str(root, {"metadata", "resourceVersion"});
    const json* items = member(root, "items");
    if (!items)
        return list; // absent or null: no applications
    if (!items->is_array())
        return Error::make(
            Error::Kind::Protocol,
            QStringLiteral("the server's application list has no item array"),
            QStringLiteral("\"items\" is a JSON %1").arg(QString::fromUtf8(items->type_name())));
    list.apps.reserve(qsizetype(items->size()));
    qsizetype index = 0;
    for (const json& item : *items) {
        Result<AppSummary> app = parseApplication(item, instanceId);
        if (!app) {
            Error e = app.error();
            e.details = QStringLiteral("item %1 of the list").arg(index);
            return e;
        }
        list.apps.append(std::move(app).value());
        ++index;
    }
    return list;
}

Result<AppEvent> parseWatchResult(const json& result, const QString& instanceId) {
    if (!result.is_object())
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the server sent a watch event that is not an object"));
    const QString type = str(result, {"type"});
    AppEvent event;
    if (type == QLatin1String("ADDED"))
        event.type = WatchEventType::Added;
    else if (type == QLatin1String("MODIFIED"))
        event.type = WatchEventType::Modified;
    else if (type == QLatin1String("DELETED"))
        event.type = WatchEventType::Deleted;
    else
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the server sent a watch event of unknown type"),
                           QStringLiteral("event type '%1'").arg(type));
    const json* application = member(result, "application");
    if (!application)
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the server sent a watch event without an application"));
    Result<AppSummary> app = parseApplication(*application, instanceId);
    if (!app)
        return app.error();
    event.app = std::move(app).value();
    if (event.app.name.isEmpty())
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the server sent a watch event for an application "
                                          "without a name"));
    return event;
}

} // namespace sextant::argocd
