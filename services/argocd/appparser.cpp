#include "appparser.h"

#include <QMutexLocker>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include <simdjson.h>

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

// Interned when a pool is given.
QString pstr(const json& object, std::initializer_list<const char*> keys, StringPool* pool) {
    if (!pool)
        return str(object, keys);
    const json* value = path(object, keys);
    if (!value || !value->is_string())
        return {};
    return pool->intern(value->get_ref<const std::string&>());
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

void readSource(const json& source, AppSummary& app, StringPool* pool) {
    app.repoURL = pstr(source, {"repoURL"}, pool);
    app.path = pstr(source, {"path"}, pool);
    if (app.path.isEmpty())
        app.path = pstr(source, {"chart"}, pool);
    app.targetRevision = pstr(source, {"targetRevision"}, pool);
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
    } catch (const json::exception& e) {
        // Valid syntax the reference cannot hold, e.g. a number overflowing a double.
        return Error::make(
            Error::Kind::Protocol,
            QStringLiteral("the server sent JSON for %1 that cannot be read").arg(what),
            QString::fromUtf8(e.what()));
    }
}

Result<AppSummary> parseApplication(const json& a, const QString& instanceId, StringPool* pool) {
    if (!a.is_object())
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the server sent an application that is not an object"));
    AppSummary app;
    app.instance = instanceId;
    app.name = str(a, {"metadata", "name"});
    app.appNamespace = pstr(a, {"metadata", "namespace"}, pool);
    app.resourceVersion = str(a, {"metadata", "resourceVersion"});
    app.createdAt = timestamp(a, {"metadata", "creationTimestamp"});
    app.deleting = path(a, {"metadata", "deletionTimestamp"}) != nullptr;
    if (const json* labels = path(a, {"metadata", "labels"}); labels && labels->is_object()) {
        auto build = [&] {
            Labels out;
            out.reserve(qsizetype(labels->size()));
            for (auto it = labels->begin(); it != labels->end(); ++it)
                out.append({pool ? pool->intern(it.key()) : QString::fromStdString(it.key()),
                            pool && it.value().is_string()
                                ? pool->intern(it.value().get_ref<const std::string&>())
                                : str(&it.value())});
            return out;
        };
        app.labels = pool ? pool->intern(build()) : build();
    }

    app.project = pstr(a, {"spec", "project"}, pool);
    app.destServer = pstr(a, {"spec", "destination", "server"}, pool);
    app.destName = pstr(a, {"spec", "destination", "name"}, pool);
    app.destNamespace = pstr(a, {"spec", "destination", "namespace"}, pool);
    if (const json* source = path(a, {"spec", "source"}); source && source->is_object()) {
        readSource(*source, app, pool);
    } else if (const json* sources = path(a, {"spec", "sources"});
               sources && sources->is_array() && !sources->empty()) {
        app.multiSource = true;
        readSource(sources->front(), app, pool);
    }
    if (const json* automated = path(a, {"spec", "syncPolicy", "automated"});
        automated && automated->is_object()) {
        const json* enabled = member(*automated, "enabled");
        app.autoSync = !(enabled && enabled->is_boolean() && !enabled->get<bool>());
    }

    app.sync = syncStatusFromString(str(a, {"status", "sync", "status"}));
    app.syncRevision = pstr(a, {"status", "sync", "revision"}, pool);
    if (app.syncRevision.isEmpty()) {
        if (const json* revs = path(a, {"status", "sync", "revisions"});
            revs && revs->is_array() && !revs->empty())
            app.syncRevision = pool && revs->front().is_string()
                                   ? pool->intern(revs->front().get_ref<const std::string&>())
                                   : str(&revs->front());
    }
    app.health = healthStatusFromString(str(a, {"status", "health", "status"}));
    app.healthMessage = pstr(a, {"status", "health", "message"}, pool);
    app.operationPhase = operationPhaseFromString(str(a, {"status", "operationState", "phase"}));
    app.operationStartedAt = timestamp(a, {"status", "operationState", "startedAt"});
    app.operationFinishedAt = timestamp(a, {"status", "operationState", "finishedAt"});
    if (const json* images = path(a, {"status", "summary", "images"});
        images && images->is_array()) {
        if (pool) {
            QStringList out;
            for (const json& image : *images)
                if (image.is_string())
                    out.append(pool->intern(image.get_ref<const std::string&>()));
            app.images = pool->intern(out);
        } else {
            for (const json& image : *images)
                if (image.is_string())
                    app.images.append(str(&image));
        }
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

Result<AppEvent> parseWatchResult(const json& result, const QString& instanceId, StringPool* pool) {
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
    Result<AppSummary> app = parseApplication(*application, instanceId, pool);
    if (!app)
        return app.error();
    event.app = std::move(app).value();
    if (event.app.name.isEmpty())
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the server sent a watch event for an application "
                                          "without a name"));
    return event;
}

// ---- string pool ------------------------------------------------------------------------------

StringPool* StringPool::shared() {
    static StringPool pool;
    return &pool;
}

namespace {

// The QString holds exactly these UTF-8 bytes (ASCII without allocating).
bool sameText(const QString& s, std::string_view utf8) {
    bool ascii = true;
    for (char c : utf8)
        ascii &= (static_cast<unsigned char>(c) < 0x80);
    if (ascii)
        return s.size() == qsizetype(utf8.size()) &&
               s == QLatin1StringView(utf8.data(), qsizetype(utf8.size()));
    return s == QString::fromUtf8(utf8.data(), qsizetype(utf8.size()));
}

quint64 mix(quint64 h, quintptr v) {
    h ^= quint64(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

} // namespace

QString StringPool::intern(std::string_view utf8) {
    if (utf8.empty())
        return {};
    const quint64 h = std::hash<std::string_view>{}(utf8);
    if (auto it = m_strings.find(h); it != m_strings.end()) {
        if (sameText(it->second, utf8))
            return it->second;
        return QString::fromUtf8(utf8.data(), qsizetype(utf8.size())); // hash collision
    }
    // Unique values (revisions nobody else shares, one-off messages) would otherwise pile up:
    // drop what no row uses any more once the pool has doubled since the last prune.
    if (++m_insertsSincePrune > std::max<std::size_t>(4096, m_strings.size()))
        prune();
    return m_strings.emplace(h, QString::fromUtf8(utf8.data(), qsizetype(utf8.size())))
        .first->second;
}

Labels StringPool::intern(const Labels& labels) {
    if (labels.isEmpty())
        return {};
    quint64 h = quint64(labels.size());
    for (const auto& [k, v] : labels)
        h = mix(mix(h, quintptr(k.constData())), quintptr(v.constData()));
    auto same = [&labels](const Labels& other) {
        if (other.size() != labels.size())
            return false;
        for (qsizetype i = 0; i < labels.size(); ++i) {
            if (other[i].first.constData() != labels[i].first.constData() ||
                other[i].second.constData() != labels[i].second.constData())
                return false;
        }
        return true;
    };
    if (auto it = m_labels.find(h); it != m_labels.end())
        return same(it->second) ? it->second : labels;
    return m_labels.emplace(h, labels).first->second;
}

QStringList StringPool::intern(const QStringList& images) {
    if (images.isEmpty())
        return {};
    quint64 h = quint64(images.size()) + 1;
    for (const QString& image : images)
        h = mix(h, quintptr(image.constData()));
    auto same = [&images](const QStringList& other) {
        if (other.size() != images.size())
            return false;
        for (qsizetype i = 0; i < images.size(); ++i) {
            if (other[i].constData() != images[i].constData())
                return false;
        }
        return true;
    };
    if (auto it = m_images.find(h); it != m_images.end())
        return same(it->second) ? it->second : images;
    return m_images.emplace(h, images).first->second;
}

int StringPool::prune() {
    m_insertsSincePrune = 0;
    int dropped = 0;
    auto sweep = [&dropped](auto& map) {
        for (auto it = map.begin(); it != map.end();) {
            if (it->second.isDetached()) { // only the pool holds it
                it = map.erase(it);
                ++dropped;
            } else {
                ++it;
            }
        }
    };
    // Lists first: they hold the strings they are made of.
    sweep(m_labels);
    sweep(m_images);
    sweep(m_strings);
    return dropped;
}

// ---- the simdjson fast path -----------------------------------------------------------------

namespace {

// Bytes writable after the data (QByteArray has no const accessor; this does not detach).
qsizetype roomAfter(const QByteArray& body) {
    return const_cast<QByteArray&>(body).data_ptr().freeSpaceAtEnd();
}

} // namespace

struct ListParser::Impl {
    simdjson::dom::parser parser;
};

ListParser::ListParser()
    : d(std::make_unique<Impl>()) {}
ListParser::~ListParser() = default;

qsizetype ListParser::domParseOnly(const QByteArray& body) {
    Q_ASSERT(roomAfter(body) >= qsizetype(simdjson::SIMDJSON_PADDING));
    simdjson::dom::element root;
    if (d->parser.parse(body.constData(), std::size_t(body.size()), false).get(root) !=
        simdjson::SUCCESS)
        return -1;
    simdjson::dom::array items;
    if (root["items"].get(items) != simdjson::SUCCESS)
        return 0;
    return qsizetype(items.size());
}

void padForFastParse(QByteArray& body) {
    if (roomAfter(body) < qsizetype(simdjson::SIMDJSON_PADDING))
        body.reserve(body.size() + qsizetype(simdjson::SIMDJSON_PADDING));
}

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::string_view fview(element value) {
    std::string_view s;
    if (value.get(s) != simdjson::SUCCESS)
        return {};
    return s;
}

QString unique(std::string_view s) {
    return s.empty() ? QString() : QString::fromUtf8(s.data(), qsizetype(s.size()));
}

int digits(const char* p, int n) {
    int v = 0;
    for (int i = 0; i < n; ++i) {
        const unsigned d = unsigned(p[i] - '0');
        if (d > 9)
            return -1;
        v = v * 10 + int(d);
    }
    return v;
}

int daysInMonth(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
qint64 daysFromCivil(int y, int m, int d) {
    y -= m <= 2;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = unsigned((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + qint64(doe) - 719468;
}

SyncStatus fsync(std::string_view s) {
    if (s == "Synced")
        return SyncStatus::Synced;
    if (s == "OutOfSync")
        return SyncStatus::OutOfSync;
    return SyncStatus::Unknown;
}

HealthStatus fhealth(std::string_view s) {
    if (s == "Healthy")
        return HealthStatus::Healthy;
    if (s == "Progressing")
        return HealthStatus::Progressing;
    if (s == "Degraded")
        return HealthStatus::Degraded;
    if (s == "Suspended")
        return HealthStatus::Suspended;
    if (s == "Missing")
        return HealthStatus::Missing;
    return HealthStatus::Unknown;
}

OperationPhase fphase(std::string_view s) {
    if (s == "Running")
        return OperationPhase::Running;
    if (s == "Terminating")
        return OperationPhase::Terminating;
    if (s == "Failed")
        return OperationPhase::Failed;
    if (s == "Error")
        return OperationPhase::Error;
    if (s == "Succeeded")
        return OperationPhase::Succeeded;
    return OperationPhase::None;
}

// Per-walk state. Lists are often grouped (by project, cluster, repository), so each interned
// field remembers its last bytes and value: a repeat costs a memcmp instead of a pool lookup.
enum MemoSlot {
    MemoNamespace,
    MemoProject,
    MemoServer,
    MemoDestName,
    MemoDestNamespace,
    MemoRepo,
    MemoPath,
    MemoTarget,
    MemoRevision,
    MemoMessage,
    MemoSlots
};

struct Scratch {
    std::vector<std::pair<std::string_view, std::string_view>> labels;
    std::array<std::pair<std::string_view, QString>, MemoSlots> memo;
};

QString interned(Scratch& scratch, MemoSlot slot, std::string_view s, StringPool* pool) {
    if (!pool)
        return s.empty() ? QString() : QString::fromUtf8(s.data(), qsizetype(s.size()));
    auto& [bytes, value] = scratch.memo[slot];
    if (s.empty())
        return {};
    if (s == bytes)
        return value;
    value = pool->intern(s);
    bytes = s;
    return value;
}

// One pass over an object's fields, collecting the wanted ones: the last occurrence of a key
// wins and a null value counts as absent, as with the reference parser (std::map, member()).
// Cheaper than a lookup per key on the large objects of a full list response.
template <std::size_t N>
struct Fields {
    std::array<element, N> value{};
    std::array<bool, N> found{};

    Fields(element object, const std::array<std::string_view, N>& names) {
        simdjson::dom::object o;
        if (object.get(o) != simdjson::SUCCESS)
            return;
        for (simdjson::dom::key_value_pair kv : o) {
            for (std::size_t i = 0; i < N; ++i) {
                if (kv.key == names[i]) {
                    value[i] = kv.value;
                    found[i] = !kv.value.is_null();
                    break;
                }
            }
        }
    }
    bool get(std::size_t i, element& out) const {
        if (!found[i])
            return false;
        out = value[i];
        return true;
    }
    std::string_view view(std::size_t i) const {
        return found[i] ? fview(value[i]) : std::string_view();
    }
    QString str(std::size_t i, StringPool* pool) const {
        const std::string_view s = view(i);
        if (pool)
            return pool->intern(s);
        return unique(s);
    }
};

// Kubernetes writes "2024-03-05T07:33:03Z"; that form is decoded by hand (QDateTime::fromString
// costs microseconds), everything else goes through the same Qt calls as the reference parser.
QDateTime ftime(std::string_view s) {
    if (s.empty())
        return {};
    if (s.size() == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
        s[16] == ':' && s[19] == 'Z') {
        const int y = digits(s.data(), 4), mo = digits(s.data() + 5, 2),
                  d = digits(s.data() + 8, 2), h = digits(s.data() + 11, 2),
                  mi = digits(s.data() + 14, 2), sec = digits(s.data() + 17, 2);
        if (y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h >= 0 &&
            h < 24 && mi >= 0 && mi < 60 && sec >= 0 && sec < 60) {
            const qint64 secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
            return QDateTime::fromMSecsSinceEpoch(secs * 1000, Qt::UTC);
        }
    }
    const QString text = QString::fromUtf8(s.data(), qsizetype(s.size()));
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(text, Qt::ISODate);
    return t;
}

void freadSource(element source, AppSummary& app, StringPool* pool, Scratch& scratch) {
    const Fields<4> f(source, {"repoURL", "path", "chart", "targetRevision"});
    app.repoURL = interned(scratch, MemoRepo, f.view(0), pool);
    app.path = interned(scratch, MemoPath, f.view(1), pool);
    if (app.path.isEmpty())
        app.path = interned(scratch, MemoPath, f.view(2), pool);
    app.targetRevision = interned(scratch, MemoTarget, f.view(3), pool);
}

void freadLabels(element labels, StringPool* pool, Scratch& scratch, AppSummary& app) {
    simdjson::dom::object labelObject;
    if (labels.get(labelObject) != simdjson::SUCCESS)
        return;
    // The reference parser's std::map orders keys and keeps the last duplicate.
    auto& kv = scratch.labels;
    kv.clear();
    for (simdjson::dom::key_value_pair field : labelObject)
        kv.emplace_back(field.key, fview(field.value));
    if (kv.empty())
        return;
    std::stable_sort(kv.begin(), kv.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    for (std::size_t i = kv.size(); i-- > 1;) {
        if (kv[i - 1].first == kv[i].first)
            kv.erase(kv.begin() + qsizetype(i) - 1);
    }
    auto build = [&] {
        Labels out;
        out.reserve(qsizetype(kv.size()));
        for (const auto& [k, v] : kv)
            out.append({pool ? pool->intern(k) : unique(k), pool ? pool->intern(v) : unique(v)});
        return out;
    };
    app.labels = pool ? pool->intern(build()) : build();
}

void freadImages(element images, StringPool* pool, AppSummary& app) {
    simdjson::dom::array imageArray;
    if (images.get(imageArray) != simdjson::SUCCESS)
        return;
    auto build = [&] {
        QStringList out;
        for (element image : imageArray) {
            std::string_view v;
            if (image.get(v) == simdjson::SUCCESS)
                out.append(pool ? pool->intern(v) : unique(v));
        }
        return out;
    };
    app.images = pool ? pool->intern(build()) : build();
}

void freadApplication(element a, const QString& instanceId, StringPool* pool, Scratch& scratch,
                      AppSummary& app) {
    app.instance = instanceId;
    element e;
    const Fields<3> top(a, {"metadata", "spec", "status"});

    if (top.get(0, e)) {
        const Fields<6> m(e, {"name", "namespace", "resourceVersion", "creationTimestamp",
                              "deletionTimestamp", "labels"});
        app.name = unique(m.view(0));
        app.appNamespace = interned(scratch, MemoNamespace, m.view(1), pool);
        app.resourceVersion = unique(m.view(2));
        app.createdAt = ftime(m.view(3));
        app.deleting = m.found[4];
        if (m.get(5, e))
            freadLabels(e, pool, scratch, app);
    }

    if (top.get(1, e)) {
        const Fields<5> spec(e, {"project", "destination", "source", "sources", "syncPolicy"});
        app.project = interned(scratch, MemoProject, spec.view(0), pool);
        if (spec.get(1, e)) {
            const Fields<3> d(e, {"server", "name", "namespace"});
            app.destServer = interned(scratch, MemoServer, d.view(0), pool);
            app.destName = interned(scratch, MemoDestName, d.view(1), pool);
            app.destNamespace = interned(scratch, MemoDestNamespace, d.view(2), pool);
        }
        simdjson::dom::array sources;
        if (spec.get(2, e) && e.is_object()) {
            freadSource(e, app, pool, scratch);
        } else if (spec.get(3, e) && e.get(sources) == simdjson::SUCCESS && sources.size() > 0) {
            app.multiSource = true;
            element first;
            if (sources.at(0).get(first) == simdjson::SUCCESS)
                freadSource(first, app, pool, scratch);
        }
        element automated;
        if (spec.get(4, e) && Fields<1>(e, {"automated"}).get(0, automated) &&
            automated.is_object()) {
            const Fields<1> f(automated, {"enabled"});
            bool on = true;
            app.autoSync = !(f.get(0, e) && e.get(on) == simdjson::SUCCESS && !on);
        }
    }

    if (top.get(2, e)) {
        const Fields<4> status(e, {"sync", "health", "operationState", "summary"});
        if (status.get(0, e)) {
            const Fields<3> sync(e, {"status", "revision", "revisions"});
            app.sync = fsync(sync.view(0));
            app.syncRevision = interned(scratch, MemoRevision, sync.view(1), pool);
            simdjson::dom::array revisions;
            if (app.syncRevision.isEmpty() && sync.get(2, e) &&
                e.get(revisions) == simdjson::SUCCESS && revisions.size() > 0) {
                element first;
                if (revisions.at(0).get(first) == simdjson::SUCCESS)
                    app.syncRevision = pool ? pool->intern(fview(first)) : unique(fview(first));
            }
        }
        if (status.get(1, e)) {
            const Fields<2> health(e, {"status", "message"});
            app.health = fhealth(health.view(0));
            app.healthMessage = interned(scratch, MemoMessage, health.view(1), pool);
        }
        if (status.get(2, e)) {
            const Fields<3> op(e, {"phase", "startedAt", "finishedAt"});
            app.operationPhase = fphase(op.view(0));
            app.operationStartedAt = ftime(op.view(1));
            app.operationFinishedAt = ftime(op.view(2));
        }
        if (status.get(3, e)) {
            const Fields<1> summary(e, {"images"});
            if (summary.get(0, e))
                freadImages(e, pool, app);
        }
    }
}

const char* typeName(element e) {
    switch (e.type()) {
    case element_type::ARRAY:
        return "array";
    case element_type::OBJECT:
        return "object";
    case element_type::STRING:
        return "string";
    case element_type::BOOL:
        return "boolean";
    case element_type::NULL_VALUE:
        return "null";
    default:
        return "number";
    }
}

} // namespace

Result<AppList> parseApplicationListFast(const QByteArray& body, const QString& instanceId,
                                         StringPool* pool, ListParser* reusable) {
    QByteArray padded;
    const QByteArray* bytes = &body;
    if (roomAfter(body) < qsizetype(simdjson::SIMDJSON_PADDING)) {
        padded.reserve(body.size() + qsizetype(simdjson::SIMDJSON_PADDING));
        padded.append(body);
        bytes = &padded;
    }
    std::unique_ptr<ListParser> temporary;
    if (!reusable) {
        temporary = std::make_unique<ListParser>();
        reusable = temporary.get();
    }
    element root;
    if (reusable->d->parser.parse(bytes->constData(), std::size_t(bytes->size()), false)
            .get(root) != simdjson::SUCCESS) {
        // Rare: let the reference parser say where and why (or accept what it accepts).
        return parseApplicationList(body, instanceId);
    }
    if (!root.is_object())
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the server's application list is not a JSON object"),
                           QStringLiteral("expected {\"items\":[...]}, got a JSON %1")
                               .arg(QString::fromUtf8(typeName(root))));
    AppList list;
    const Fields<2> top(root, {"metadata", "items"});
    element metadata, items;
    if (top.get(0, metadata))
        list.resourceVersion = unique(Fields<1>(metadata, {"resourceVersion"}).view(0));
    if (!top.get(1, items))
        return list; // absent or null: no applications
    simdjson::dom::array array;
    if (items.get(array) != simdjson::SUCCESS)
        return Error::make(
            Error::Kind::Protocol,
            QStringLiteral("the server's application list has no item array"),
            QStringLiteral("\"items\" is a JSON %1").arg(QString::fromUtf8(typeName(items))));
    list.apps.resize(qsizetype(array.size()));
    std::optional<QMutexLocker<QMutex>> lock;
    if (pool)
        lock.emplace(&pool->mutex());
    Scratch scratch;
    qsizetype index = 0;
    for (element item : array) {
        if (!item.is_object()) {
            Error e =
                Error::make(Error::Kind::Protocol,
                            QStringLiteral("the server sent an application that is not an object"));
            e.details = QStringLiteral("item %1 of the list").arg(index);
            return e;
        }
        freadApplication(item, instanceId, pool, scratch, list.apps[index]);
        ++index;
    }
    return list;
}

} // namespace sextant::argocd
