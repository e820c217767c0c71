#include "appparser.h"

#include <QMutexLocker>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
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
    if (auto it = m_strings.constFind(h); it != m_strings.cend()) {
        if (sameText(it.value(), utf8))
            return it.value();
        return QString::fromUtf8(utf8.data(), qsizetype(utf8.size())); // hash collision
    }
    // Unique values (revisions nobody else shares, one-off messages) would otherwise pile up:
    // drop what no row uses any more once the pool has doubled since the last prune.
    if (++m_insertsSincePrune > std::max<std::size_t>(4096, std::size_t(m_strings.size())))
        prune();
    return m_strings.emplace(h, QString::fromUtf8(utf8.data(), qsizetype(utf8.size()))).value();
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
    if (auto it = m_labels.constFind(h); it != m_labels.cend())
        return same(it.value()) ? it.value() : labels;
    return m_labels.emplace(h, labels).value();
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
    if (auto it = m_images.constFind(h); it != m_images.cend())
        return same(it.value()) ? it.value() : images;
    return m_images.emplace(h, images).value();
}

int StringPool::prune() {
    m_insertsSincePrune = 0;
    int dropped = 0;
    auto sweep = [&dropped](auto& map) {
        // isDetached(): only the pool holds it
        dropped += int(map.removeIf([](const auto& it) { return it.value().isDetached(); }));
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

// ---- the indexed walk -------------------------------------------------------------------------
//
// simdjson's stage 1 runs over the whole body (piece by piece, see Pieces): it validates the UTF-8,
// checks that every string is closed and holds no raw control character, and writes the offsets of
// all structure characters and value starts (the structural index). Then, instead of simdjson's
// stage 2 (which builds a tape of every value, most of which a row never reads), the walk below
// goes through the index once: it checks the grammar of every object and array it descends into and
// reads, type-checks and (for strings) unescapes exactly the values the rows need, with the
// same rules as the DOM path. A value it does not need is skipped by bracket depth over the
// index: its UTF-8 and strings were checked by stage 1, its grammar and scalars are not.
// (simdjson's On-Demand front end does the same, but its skipping was measured at about twice
// the cost of this loop; see docs/benchmarks.md.)
//
// Anything unexpected -- invalid JSON the walk meets, a truncated body, a root that is not an
// object, items that are not an array of objects, trailing content, an escape or number it
// leaves to simdjson -- makes the walk give up, and the caller parses the body with the DOM
// path, which gives the reference's typed errors.

// The string values of one row that go through the pool, as views of the body (or of the
// walker's unescaped strings). The walk collects them; internRow() turns them into the row's
// QStrings.
struct RowViews {
    std::string_view ns, project, server, destName, destNamespace, repo, path, target, revision,
        firstRevision, message;
    // Ranges of the walker's `kv` (labels, sorted, last duplicate kept) and `imageViews`.
    std::uint32_t labelsBegin = 0, labelsCount = 0, imagesBegin = 0, imagesCount = 0;
    bool images = false; // status.summary.images is an array
};

// A collected value equal to the last one of its field (see Walk::note); compared by address.
const char kRepeatByte[] = "\x01";
const std::string_view kRepeat(kRepeatByte, 1);

struct Handoff;
using LabelViews = std::vector<std::pair<std::string_view, std::string_view>>;
using ImageViews = std::vector<std::string_view>;

// Interning for one walker, with the pool's mutex held by the caller. The second of two
// walkers only collects the views of its rows (it has a `handoff`) and hands them over in
// batches; the
// first walker's thread interns them after its own rows, while the second walks on (see
// splitWalk). Copying the same QStrings ("default", a cluster URL) into every row from two
// threads at once made their reference counts bounce between the cores, and looking values up
// in one pool from both threads did the same to the pool's table; each cost more than the
// second thread gained (docs/benchmarks.md).
struct Walk {
    explicit Walk(StringPool* p, Handoff* h = nullptr)
        : pool(p)
        , handoff(h) {}

    StringPool* pool = nullptr;
    Handoff* handoff = nullptr;    // collecting: where full batches go
    std::vector<RowViews> pending; // collecting: the views of the rows not handed over yet
    // Collecting: a value equal to the last one of its field becomes kRepeat (the interning
    // thread copies its own last value; it sees the rows in the same order), any other is
    // copied to `dense` while there is room, so that the interning thread reads consecutive
    // memory instead of cache lines all over the other core's part of the body.
    char* dense = nullptr;
    char* denseEnd = nullptr;

    std::string_view keep(std::string_view s) {
        if (s.size() > std::size_t(denseEnd - dense))
            return s;
        std::memcpy(dense, s.data(), s.size());
        const std::string_view copy(dense, s.size());
        dense += s.size();
        return copy;
    }
    std::string_view note(std::string_view& last, std::string_view s) {
        if (!pool || s.empty())
            return s;
        if (s == last)
            return kRepeat;
        last = s;
        return keep(s);
    }
    LabelViews kv;
    ImageViews imageViews;
    Scratch scratch;
    std::deque<std::string> unescaped; // strings with escapes, alive for the whole walk

    QString intern(std::string_view s) {
        if (!pool)
            return unique(s);
        if (s.empty())
            return {};
        return pool->intern(s);
    }
    template <typename List>
    List internList(const List& list) {
        if (!pool)
            return list;
        return pool->intern(list);
    }
    // The pooled string for `s`; a value equal to the last one of its field is copied
    // without a pool lookup.
    QString memo(MemoSlot slot, std::string_view s) {
        if (!pool)
            return unique(s);
        if (s.empty())
            return {};
        auto& [bytes, value] = scratch.memo[slot];
        if (s.data() == kRepeat.data())
            return value;
        if (s != bytes) {
            value = intern(s);
            bytes = s;
        }
        return value;
    }

    // Label sets and image lists repeat from row to row (and key by key: sorted keys put
    // "env" at the same position in most rows), so each position remembers its last bytes
    // and value, and each list its last elements and interned list.
    using PositionMemo = std::vector<std::pair<std::string_view, QString>>;
    PositionMemo labelKeys, labelValues, images;
    Labels lastLabels;
    QStringList lastImages;

    // The pooled string at a position; `memo` must have room for it. The reference stays
    // valid until the memo is resized.
    const QString& atRef(PositionMemo& memo, std::size_t position, std::string_view s) {
        static const QString kNull;
        if (s.empty())
            return kNull;
        auto& [bytes, value] = memo[position];
        if (s.data() != kRepeat.data() && s != bytes) {
            value = intern(s);
            bytes = s;
        }
        return value;
    }
    // The pooled label list of a row (sorted views, pool set): the previous row's list when
    // its elements are the same strings, without building a list to find out.
    Labels pooledLabels(const std::pair<std::string_view, std::string_view>* kv, std::size_t n) {
        if (labelKeys.size() < n)
            labelKeys.resize(n);
        if (labelValues.size() < n)
            labelValues.resize(n);
        bool same = lastLabels.size() == qsizetype(n);
        for (std::size_t i = 0; i < n; ++i) {
            const QString& key = atRef(labelKeys, i, kv[i].first);
            const QString& value = atRef(labelValues, i, kv[i].second);
            // at(): operator[] on the member would detach it from the pool's copy
            same = same && key.constData() == lastLabels.at(qsizetype(i)).first.constData() &&
                   value.constData() == lastLabels.at(qsizetype(i)).second.constData();
        }
        if (!same) {
            Labels list;
            list.reserve(qsizetype(n));
            for (std::size_t i = 0; i < n; ++i)
                list.append(
                    {atRef(labelKeys, i, kv[i].first), atRef(labelValues, i, kv[i].second)});
            lastLabels = internList(list);
        }
        return lastLabels;
    }
    // The same for a row's image list.
    QStringList pooledImages(const std::string_view* views, std::size_t n) {
        if (images.size() < n)
            images.resize(n);
        bool same = lastImages.size() == qsizetype(n);
        for (std::size_t i = 0; i < n; ++i) {
            const QString& image = atRef(images, i, views[i]);
            same = same && image.constData() == lastImages.at(qsizetype(i)).constData();
        }
        if (!same) {
            QStringList list;
            list.reserve(qsizetype(n));
            for (std::size_t i = 0; i < n; ++i)
                list.append(atRef(images, i, views[i]));
            lastImages = internList(list);
        }
        return lastImages;
    }
};

// Bracket depth change of an index entry's first byte.
constexpr std::array<std::int8_t, 256> kDepth = [] {
    std::array<std::int8_t, 256> d{};
    d['{'] = d['['] = 1;
    d['}'] = d[']'] = -1;
    return d;
}();

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// What may follow a scalar: whitespace or the structure that ends a value.
bool endsScalar(char c) {
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// The body's bytes and stage 1's index of them; `i` is the next entry to read.
struct Pieces;
struct Tokens {
    const char* buf = nullptr;
    const std::uint32_t* idx = nullptr;
    std::uint32_t n = 0;
    std::uint32_t i = 0;
    std::size_t size = 0;     // bytes of the piece at buf
    Pieces* pieces = nullptr; // where the next piece comes from

    char peek() const { return i < n ? buf[idx[i]] : '\0'; }
    const char* at() const { return buf + idx[i]; }
};

// The literal `word` at p, ended like a scalar. Stops at the first difference, so it never
// reads past the body's terminating byte.
bool isLiteral(const char* p, std::string_view word) {
    for (char c : word) {
        if (*p++ != c)
            return false;
    }
    return endsScalar(*p);
}

// A scalar the row does not use, checked as far as simdjson would accept it. Numbers with an
// exponent are left to the DOM path (1e999 overflows a double, which the reference rejects).
bool checkScalar(const char* p) {
    switch (*p) {
    case 't':
        return isLiteral(p, "true");
    case 'f':
        return isLiteral(p, "false");
    case 'n':
        return isLiteral(p, "null");
    default:
        break;
    }
    if (*p == '-')
        ++p;
    if (*p == '0') {
        ++p;
    } else if (*p >= '1' && *p <= '9') {
        while (isDigit(*p))
            ++p;
    } else {
        return false;
    }
    if (*p == '.') {
        ++p;
        if (!isDigit(*p))
            return false;
        while (isDigit(*p))
            ++p;
    }
    return endsScalar(*p);
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool hex4(const char* p, char32_t& out) {
    out = 0;
    for (int k = 0; k < 4; ++k) {
        const int v = hexValue(p[k]);
        if (v < 0)
            return false;
        out = out * 16 + char32_t(v);
    }
    return true;
}

void appendUtf8(std::string& s, char32_t c) {
    if (c < 0x80) {
        s += char(c);
    } else if (c < 0x800) {
        s += char(0xC0 | (c >> 6));
        s += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        s += char(0xE0 | (c >> 12));
        s += char(0x80 | ((c >> 6) & 0x3F));
        s += char(0x80 | (c & 0x3F));
    } else {
        s += char(0xF0 | (c >> 18));
        s += char(0x80 | ((c >> 12) & 0x3F));
        s += char(0x80 | ((c >> 6) & 0x3F));
        s += char(0x80 | (c & 0x3F));
    }
}

// The string token at the cursor, unescaped (a view of the body when it has no escape, which
// is nearly always). Stage 1 has checked that the string is closed and free of raw control
// characters. Escapes JSON does not allow, and lone surrogates, give up.
bool readString(Tokens& t, Walk& w, std::string_view& out) {
    if (t.peek() != '"')
        return false;
    const char* begin = t.at() + 1;
    const char* s = begin;
    // The closing quote is the last byte before the next index entry but whitespace: between
    // the two entries there is exactly this string. Then one memchr finds any escape.
    if (t.i + 1 < t.n) {
        const char* q = t.buf + t.idx[t.i + 1] - 1;
        while (q > begin && (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t'))
            --q;
        if (q >= begin && *q == '"') {
            // Most strings here are keys and names of a few bytes: a loop beats the call.
            if (q - begin <= 32) {
                s = begin;
                while (s < q && *s != '\\')
                    ++s;
            } else {
                const void* escape = std::memchr(begin, '\\', std::size_t(q - begin));
                s = escape ? static_cast<const char*>(escape) : q;
            }
        }
    }
    while (*s != '"' && *s != '\\')
        ++s;
    ++t.i;
    if (*s == '"') {
        out = std::string_view(begin, std::size_t(s - begin));
        return true;
    }
    std::string& o = w.unescaped.emplace_back(begin, std::size_t(s - begin));
    while (*s != '"') {
        if (*s != '\\') {
            o += *s++;
            continue;
        }
        const char e = s[1];
        s += 2;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            o += e;
            break;
        case 'b':
            o += '\b';
            break;
        case 'f':
            o += '\f';
            break;
        case 'n':
            o += '\n';
            break;
        case 'r':
            o += '\r';
            break;
        case 't':
            o += '\t';
            break;
        case 'u': {
            char32_t c = 0;
            if (!hex4(s, c))
                return false;
            s += 4;
            if (c >= 0xDC00 && c <= 0xDFFF)
                return false;
            if (c >= 0xD800 && c <= 0xDBFF) {
                char32_t low = 0;
                if (s[0] != '\\' || s[1] != 'u' || !hex4(s + 2, low) || low < 0xDC00 ||
                    low > 0xDFFF)
                    return false;
                s += 6;
                c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
            }
            appendUtf8(o, c);
            break;
        }
        default:
            return false;
        }
    }
    out = o;
    return true;
}

// Skips the value at the cursor: a container by bracket depth over the index, a scalar after
// checking it.
bool skipValue(Tokens& t) {
    if (t.i >= t.n)
        return false;
    const char c = t.buf[t.idx[t.i]];
    if (c == '{' || c == '[') {
        const char* buf = t.buf;
        const std::uint32_t* idx = t.idx;
        std::uint32_t i = t.i;
        const std::uint32_t n = t.n;
        int depth = 0;
        do {
            depth += kDepth[static_cast<unsigned char>(buf[idx[i]])];
            ++i;
        } while (depth > 0 && i < n);
        if (depth != 0)
            return false; // the body ends inside it
        t.i = i;
        return true;
    }
    if (c == '"') {
        ++t.i;
        return true;
    }
    if (c == '}' || c == ']' || c == ',' || c == ':' || !checkScalar(t.at()))
        return false;
    ++t.i;
    return true;
}

// A null value (which the reference treats as absent): checks and consumes it.
bool takeNull(Tokens& t) {
    if (t.peek() != 'n' || !isLiteral(t.at(), "null"))
        return false;
    ++t.i;
    return true;
}

// Calls f(key) for every field of the object at the cursor, with the cursor on the value; f
// must consume it. Fields come in document order, so a later duplicate overwrites an earlier
// one, as in the reference's std::map.
template <typename F>
bool eachField(Tokens& t, Walk& w, F&& f) {
    if (t.peek() != '{')
        return false;
    ++t.i;
    if (t.peek() == '}') {
        ++t.i;
        return true;
    }
    for (;;) {
        std::string_view key;
        if (!readString(t, w, key) || t.peek() != ':')
            return false;
        ++t.i;
        if (!f(key))
            return false;
        const char c = t.peek();
        ++t.i;
        if (c == '}')
            return true;
        if (c != ',')
            return false;
    }
}

// Calls f(index) for every element of the array at the cursor, with the cursor on it.
template <typename F>
bool eachElement(Tokens& t, F&& f) {
    if (t.peek() != '[')
        return false;
    ++t.i;
    if (t.peek() == ']') {
        ++t.i;
        return true;
    }
    for (std::size_t index = 0;; ++index) {
        if (!f(index))
            return false;
        const char c = t.peek();
        ++t.i;
        if (c == ']')
            return true;
        if (c != ',')
            return false;
    }
}

// A field the row reads as a string: the string, or empty for null and any other type (the
// reference's str()).
bool stringField(Tokens& t, Walk& w, std::string_view& out) {
    out = {};
    if (t.peek() == '"')
        return readString(t, w, out);
    return skipValue(t);
}

// A field the row reads as an object: f(key) for its fields; any other value is skipped (the
// reference's member() and is_object()). `isObject` tells which.
template <typename F>
bool objectField(Tokens& t, Walk& w, bool& isObject, F&& f) {
    isObject = t.peek() == '{';
    return isObject ? eachField(t, w, std::forward<F>(f)) : skipValue(t);
}

template <typename F>
bool arrayField(Tokens& t, bool& isArray, F&& f) {
    isArray = t.peek() == '[';
    return isArray ? eachElement(t, std::forward<F>(f)) : skipValue(t);
}

struct SourceFields {
    bool isObject = false;
    std::string_view repo, path, chart, target;
};

bool readSourceFields(Tokens& t, Walk& w, SourceFields& s) {
    s = {};
    return objectField(t, w, s.isObject, [&](std::string_view key) {
        if (key == "repoURL")
            return stringField(t, w, s.repo);
        if (key == "path")
            return stringField(t, w, s.path);
        if (key == "chart")
            return stringField(t, w, s.chart);
        if (key == "targetRevision")
            return stringField(t, w, s.target);
        return skipValue(t);
    });
}

// Appends the row's labels to w.kv, sorted by key with the last duplicate kept (the
// reference's std::map), replacing those of an earlier `labels` of the same row.
bool walkLabels(Tokens& t, Walk& w, RowViews& v) {
    auto& kv = w.kv;
    kv.resize(v.labelsBegin);
    v.labelsCount = 0;
    bool isObject = false;
    if (!objectField(t, w, isObject, [&](std::string_view key) {
            std::string_view value;
            if (!stringField(t, w, value))
                return false;
            kv.emplace_back(key, value);
            return true;
        }))
        return false;
    const auto begin = kv.begin() + qsizetype(v.labelsBegin);
    std::stable_sort(begin, kv.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    for (std::size_t i = kv.size(); i-- > v.labelsBegin + 1;) {
        if (kv[i - 1].first == kv[i].first)
            kv.erase(kv.begin() + qsizetype(i) - 1);
    }
    v.labelsCount = std::uint32_t(kv.size() - v.labelsBegin);
    return true;
}

bool walkMetadata(Tokens& t, Walk& w, RowViews& v, AppSummary& app) {
    std::string_view name, ns, version, created;
    bool deleting = false, isObject = false;
    w.kv.resize(v.labelsBegin);
    v.labelsCount = 0;
    if (!objectField(t, w, isObject, [&](std::string_view key) {
            if (key == "name")
                return stringField(t, w, name);
            if (key == "namespace")
                return stringField(t, w, ns);
            if (key == "resourceVersion")
                return stringField(t, w, version);
            if (key == "creationTimestamp")
                return stringField(t, w, created);
            if (key == "deletionTimestamp") {
                deleting = t.peek() != 'n'; // any value but null, like member()
                return deleting ? skipValue(t) : takeNull(t);
            }
            if (key == "labels")
                return walkLabels(t, w, v);
            return skipValue(t);
        }))
        return false;
    // Unique per row, not pooled: made by whichever walker reads them (a helper's stay in its
    // malloc arena for good, next to nothing it frees).
    app.name = unique(name);
    v.ns = ns;
    app.resourceVersion = unique(version);
    app.createdAt = ftime(created);
    app.deleting = deleting;
    return true;
}

void takeSource(const SourceFields& s, RowViews& v) {
    v.repo = s.repo;
    v.path = s.path.empty() ? s.chart : s.path;
    v.target = s.target;
}

bool walkSpec(Tokens& t, Walk& w, RowViews& v, AppSummary& app) {
    std::string_view project, server, destName, destNamespace;
    SourceFields source, firstOfSources;
    bool multi = false, autoSync = false, isObject = false;
    if (!objectField(t, w, isObject, [&](std::string_view key) {
            bool inner = false;
            if (key == "project")
                return stringField(t, w, project);
            if (key == "destination") {
                server = destName = destNamespace = {};
                return objectField(t, w, inner, [&](std::string_view k) {
                    if (k == "server")
                        return stringField(t, w, server);
                    if (k == "name")
                        return stringField(t, w, destName);
                    if (k == "namespace")
                        return stringField(t, w, destNamespace);
                    return skipValue(t);
                });
            }
            if (key == "source")
                return readSourceFields(t, w, source);
            if (key == "sources") {
                multi = false;
                firstOfSources = {};
                return arrayField(t, inner, [&](std::size_t index) {
                    if (index > 0)
                        return skipValue(t);
                    multi = true;
                    return readSourceFields(t, w, firstOfSources);
                });
            }
            if (key == "syncPolicy") {
                autoSync = false;
                return objectField(t, w, inner, [&](std::string_view k) {
                    if (k != "automated")
                        return skipValue(t);
                    bool enabled = true, isAutomated = false;
                    if (!objectField(t, w, isAutomated, [&](std::string_view e) {
                            if (e != "enabled")
                                return skipValue(t);
                            enabled = !(t.peek() == 'f' && isLiteral(t.at(), "false"));
                            return skipValue(t);
                        }))
                        return false;
                    autoSync = isAutomated && enabled;
                    return true;
                });
            }
            return skipValue(t);
        }))
        return false;
    v.project = project;
    v.server = server;
    v.destName = destName;
    v.destNamespace = destNamespace;
    app.multiSource = false;
    v.repo = v.path = v.target = {};
    if (source.isObject) {
        takeSource(source, v);
    } else if (multi) {
        app.multiSource = true;
        takeSource(firstOfSources, v);
    }
    app.autoSync = autoSync;
    return true;
}

bool walkStatus(Tokens& t, Walk& w, RowViews& v, AppSummary& app) {
    std::string_view syncStatus, revision, firstRevision, healthStatus, message, phase, started,
        finished;
    bool images = false, isObject = false;
    w.imageViews.resize(v.imagesBegin);
    if (!objectField(t, w, isObject, [&](std::string_view key) {
            bool inner = false;
            if (key == "sync") {
                syncStatus = revision = firstRevision = {};
                return objectField(t, w, inner, [&](std::string_view k) {
                    if (k == "status")
                        return stringField(t, w, syncStatus);
                    if (k == "revision")
                        return stringField(t, w, revision);
                    if (k == "revisions") {
                        firstRevision = {};
                        bool isArray = false;
                        return arrayField(t, isArray, [&](std::size_t index) {
                            return index == 0 ? stringField(t, w, firstRevision) : skipValue(t);
                        });
                    }
                    return skipValue(t);
                });
            }
            if (key == "health") {
                healthStatus = message = {};
                return objectField(t, w, inner, [&](std::string_view k) {
                    if (k == "status")
                        return stringField(t, w, healthStatus);
                    if (k == "message")
                        return stringField(t, w, message);
                    return skipValue(t);
                });
            }
            if (key == "operationState") {
                phase = started = finished = {};
                return objectField(t, w, inner, [&](std::string_view k) {
                    if (k == "phase")
                        return stringField(t, w, phase);
                    if (k == "startedAt")
                        return stringField(t, w, started);
                    if (k == "finishedAt")
                        return stringField(t, w, finished);
                    return skipValue(t);
                });
            }
            if (key == "summary") {
                images = false;
                w.imageViews.resize(v.imagesBegin);
                return objectField(t, w, inner, [&](std::string_view k) {
                    if (k != "images")
                        return skipValue(t);
                    w.imageViews.resize(v.imagesBegin);
                    return arrayField(t, images, [&](std::size_t) {
                        if (t.peek() != '"')
                            return skipValue(t);
                        std::string_view image;
                        if (!readString(t, w, image))
                            return false;
                        w.imageViews.push_back(image);
                        return true;
                    });
                });
            }
            return skipValue(t);
        }))
        return false;
    app.sync = fsync(syncStatus);
    v.revision = revision;
    v.firstRevision = firstRevision;
    app.health = fhealth(healthStatus);
    v.message = message;
    app.operationPhase = fphase(phase);
    app.operationStartedAt = ftime(started);
    app.operationFinishedAt = ftime(finished);
    v.images = images;
    v.imagesCount = std::uint32_t(w.imageViews.size() - v.imagesBegin);
    return true;
}

// A collecting walker's part of internRow: the views of the row made kRepeat or dense.
void collectRow(Walk& w, RowViews& v) {
    auto& m = w.scratch.memo;
    v.ns = w.note(m[MemoNamespace].first, v.ns);
    v.project = w.note(m[MemoProject].first, v.project);
    v.server = w.note(m[MemoServer].first, v.server);
    v.destName = w.note(m[MemoDestName].first, v.destName);
    v.destNamespace = w.note(m[MemoDestNamespace].first, v.destNamespace);
    v.repo = w.note(m[MemoRepo].first, v.repo);
    v.path = w.note(m[MemoPath].first, v.path);
    v.target = w.note(m[MemoTarget].first, v.target);
    v.revision = w.note(m[MemoRevision].first, v.revision);
    if (v.revision.empty())
        v.firstRevision = w.keep(v.firstRevision);
    v.message = w.note(m[MemoMessage].first, v.message);
    auto position = [](Walk::PositionMemo& memo, std::size_t i) -> std::string_view& {
        if (i >= memo.size())
            memo.resize(i + 1);
        return memo[i].first;
    };
    for (std::uint32_t i = 0; i < v.labelsCount; ++i) {
        auto& [key, value] = w.kv[v.labelsBegin + i];
        key = w.note(position(w.labelKeys, i), key);
        value = w.note(position(w.labelValues, i), value);
    }
    if (v.images) {
        for (std::uint32_t i = 0; i < v.imagesCount; ++i) {
            std::string_view& image = w.imageViews[v.imagesBegin + i];
            image = w.note(position(w.images, i), image);
        }
    }
}

// The row's pooled strings from its views: `w` interns (and remembers the last values), `kv`
// and `images` hold the row's label and image views (the walker's own, or a batch's).
void internRow(Walk& w, const LabelViews& kv, const ImageViews& images, const RowViews& v,
               const QString& instanceId, AppSummary& app) {
    app.instance = instanceId;
    app.appNamespace = w.memo(MemoNamespace, v.ns);
    app.labels = {};
    if (v.labelsCount > 0) {
        if (w.pool) {
            app.labels = w.pooledLabels(kv.data() + v.labelsBegin, v.labelsCount);
        } else {
            app.labels.reserve(qsizetype(v.labelsCount));
            for (std::uint32_t i = 0; i < v.labelsCount; ++i) {
                const auto& [key, value] = kv[v.labelsBegin + i];
                app.labels.append({unique(key), unique(value)});
            }
        }
    }
    app.project = w.memo(MemoProject, v.project);
    app.destServer = w.memo(MemoServer, v.server);
    app.destName = w.memo(MemoDestName, v.destName);
    app.destNamespace = w.memo(MemoDestNamespace, v.destNamespace);
    app.repoURL = w.memo(MemoRepo, v.repo);
    app.path = w.memo(MemoPath, v.path);
    app.targetRevision = w.memo(MemoTarget, v.target);
    app.syncRevision = w.memo(MemoRevision, v.revision);
    if (app.syncRevision.isEmpty())
        app.syncRevision = w.intern(v.firstRevision);
    app.healthMessage = w.memo(MemoMessage, v.message);
    app.images = {};
    if (v.images && v.imagesCount > 0) {
        if (w.pool) {
            app.images = w.pooledImages(images.data() + v.imagesBegin, v.imagesCount);
        } else {
            app.images.reserve(qsizetype(v.imagesCount));
            for (std::uint32_t i = 0; i < v.imagesCount; ++i)
                app.images.append(unique(images[v.imagesBegin + i]));
        }
    }
}

// One element of `items`. One that is not an object is the DOM path's error to word.
// Its pooled strings are interned at once, or for a collecting walker left in w.pending.
bool walkApplication(Tokens& t, Walk& w, const QString& instanceId, AppSummary& app) {
    if (!w.handoff) {
        w.kv.clear();
        w.imageViews.clear();
    }
    RowViews v;
    v.labelsBegin = std::uint32_t(w.kv.size());
    v.imagesBegin = std::uint32_t(w.imageViews.size());
    if (!eachField(t, w, [&](std::string_view key) {
            if (key == "metadata")
                return walkMetadata(t, w, v, app);
            if (key == "spec")
                return walkSpec(t, w, v, app);
            if (key == "status")
                return walkStatus(t, w, v, app);
            return skipValue(t);
        }))
        return false;
    if (w.handoff) {
        collectRow(w, v);
        w.pending.push_back(v);
    } else
        internRow(w, w.kv, w.imageViews, v, instanceId, app);
    return true;
}

// Stage 1 for one walker: a simdjson parser implementation and its structural index, kept for
// reuse like ListParser's DOM parser. Sized for the largest piece it has indexed.
struct Indexer {
    std::unique_ptr<simdjson::internal::dom_parser_implementation> impl;

    bool reserve(std::size_t size) {
        if (impl && impl->capacity() >= size)
            return true;
        impl.reset();
        return simdjson::get_active_implementation()->create_dom_parser_implementation(
                   size, simdjson::DEFAULT_MAX_DEPTH, impl) == simdjson::SUCCESS;
    }
    bool index(const char* data, std::size_t size, Tokens& t) {
        if (size == 0 || !reserve(size))
            return false;
        if (impl->stage1(reinterpret_cast<const std::uint8_t*>(data), size,
                         simdjson::stage1_mode::regular) != simdjson::SUCCESS)
            return false;
        t.buf = data;
        t.idx = impl->structural_indexes.get();
        t.n = impl->n_structural_indexes;
        t.i = 0;
        t.size = size;
        return true;
    }
};

// Where one item of `items` ends and the next begins, as Argo CD writes it (every Application's
// `metadata` first); see cutPieces.
constexpr char kItemBoundary[] = R"(},{"metadata":)";

// A byte range [begin, end) of the body.
struct Range {
    std::size_t begin = 0, end = 0;
};

// One walker's part of the body in pieces: each piece but the first starts at an item's `{`,
// each but the last ends with an item's `}` (the `,` between them is in no piece). Stage 1
// indexes one piece, the walk reads it while its bytes and index are still in the core's
// cache (a piece is a few hundred KiB), then the next. Indexing the whole body first and
// walking it afterwards read everything back from memory: one walker took 41 ms on the
// 10,000-application list, 35 ms over pieces (docs/benchmarks.md).
struct Pieces {
    const char* body = nullptr;
    const Range* next = nullptr;
    const Range* end = nullptr;
    Indexer* indexer = nullptr;
    std::size_t rowBytes = 0; // the bytes whose rows this walk holds (for the estimate)

    bool more() const { return next != end; }
    bool advance(Tokens& t) {
        const Range r = *next++;
        return indexer->index(body + r.begin, r.end - r.begin, t);
    }
};

// Which part of a body a walker has.
enum class Part {
    Whole,
    // Everything up to and including the `}` that ends an item: the walk must end inside the
    // root's `items` array, right after an element (a cut anywhere else fails).
    Head,
    // Everything after the `,` that follows that item: elements of `items`, then `]}`.
    Tail,
};

// Rows a collecting walker hands over to the interning thread: a batch at a time, in document
// order, each with its own views (see splitWalk).
struct Batch {
    QVector<AppSummary> rows;
    std::vector<RowViews> views;
    LabelViews kv;
    ImageViews imageViews;
};

struct Handoff {
    static constexpr qsizetype kRows = 256;
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Batch> full;   // handed over, not interned yet
    std::vector<Batch> spare; // empty batches allocated by the interning thread
    bool finished = false;    // the walk is over; `full` holds the last batches
    bool ok = false;          // and it succeeded

    // The walker's rows and views as a batch, and the other way round.
    static Batch takeFrom(Walk& w, QVector<AppSummary>& rows) {
        return {std::move(rows), std::move(w.pending), std::move(w.kv), std::move(w.imageViews)};
    }
    static void giveTo(Batch&& b, Walk& w, QVector<AppSummary>& rows) {
        rows = std::move(b.rows);
        w.pending = std::move(b.views);
        w.kv = std::move(b.kv);
        w.imageViews = std::move(b.imageViews);
    }

    // Hands over the walker's rows and views, and gives it the containers of a spare batch.
    void handOver(Walk& w, QVector<AppSummary>& rows) {
        Batch next;
        {
            std::lock_guard<std::mutex> lock(mutex);
            full.push_back(takeFrom(w, rows));
            if (!spare.empty()) {
                next = std::move(spare.back());
                spare.pop_back();
            }
        }
        ready.notify_one();
        giveTo(std::move(next), w, rows);
    }
    void finish(Walk& w, QVector<AppSummary>& rows, bool walked) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (walked && !rows.isEmpty())
                full.push_back(takeFrom(w, rows));
            finished = true;
            ok = walked;
        }
        ready.notify_one();
    }
    // Gives an interned batch's containers back to the walker (emptied, capacity kept).
    void recycle(Batch&& b) {
        b.rows.clear();
        b.views.clear();
        b.kv.clear();
        b.imageViews.clear();
        std::lock_guard<std::mutex> lock(mutex);
        spare.push_back(std::move(b));
    }
    // The next full batch; false once the walk is over and every batch was taken.
    bool take(Batch& out) {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [this] { return !full.empty() || finished; });
        if (full.empty())
            return false;
        out = std::move(full.front());
        full.pop_front();
        return true;
    }
};

// The elements of an items array from the cursor on (after its `[` or a `,`). With
// `open`, the tokens may end after an element instead of at the `]` (a Head). When the
// tokens of a piece end right after an element, the walk goes on in the next piece.
bool walkItems(Tokens& t, Walk& w, const QString& instanceId, AppList& list, bool open,
               bool& ended) {
    ended = false;
    const std::uint32_t firstOffset = t.i < t.n ? t.idx[t.i] : 0;
    bool estimated = false;
    for (;;) {
        AppSummary& app = list.apps.emplace_back();
        if (!walkApplication(t, w, instanceId, app))
            return false;
        // Room for the rows this walk will hold, estimated from the first item's size (only
        // for items of a realistic size, so a tiny first item cannot reserve millions).
        if (w.handoff) {
            if (list.apps.size() >= Handoff::kRows)
                w.handoff->handOver(w, list.apps);
        } else if (!estimated && t.pieces) {
            estimated = true;
            const std::size_t per = (t.i < t.n ? t.idx[t.i] : t.size) - firstOffset;
            if (per >= 256)
                list.apps.reserve(list.apps.size() + qsizetype(t.pieces->rowBytes / per) * 9 / 8 +
                                  1);
        }
        if (t.i == t.n) {
            if (t.pieces && t.pieces->more()) {
                if (!t.pieces->advance(t))
                    return false;
                continue;
            }
            if (open) {
                ended = true;
                return true;
            }
            return false;
        }
        const char c = t.peek();
        ++t.i;
        if (c == ']')
            return true;
        if (c != ',')
            return false;
    }
}

bool walkRoot(Tokens& t, Part part, const QString& instanceId, Walk& w, AppList& list) {
    if (part == Part::Tail) {
        bool ended = false;
        // After the items only the root's `}` may follow, and nothing after it: a key after
        // `items` would have to be read in order with the Head's, so such a body is walked whole.
        return walkItems(t, w, instanceId, list, false, ended) && t.peek() == '}' && ++t.i == t.n;
    }
    bool cutReached = false;
    const bool ok = eachField(t, w, [&](std::string_view key) {
        if (key == "metadata") {
            std::string_view version;
            bool isObject = false;
            if (!objectField(t, w, isObject, [&](std::string_view k) {
                    return k == "resourceVersion" ? stringField(t, w, version) : skipValue(t);
                }))
                return false;
            list.resourceVersion = unique(version);
            return true;
        }
        if (key != "items")
            return skipValue(t);
        list.apps.clear(); // the last `items` wins
        const char c = t.peek();
        if (c == 'n')
            return takeNull(t);
        if (c != '[')
            return false; // not an array: the DOM path words the error
        ++t.i;
        if (t.peek() == ']') {
            ++t.i;
            return true;
        }
        if (!walkItems(t, w, instanceId, list, part == Part::Head, cutReached))
            return false;
        // A Head ends here: make eachField stop without reading a `,` or `}`.
        return !cutReached;
    });
    if (part == Part::Head)
        return !ok && cutReached;
    return ok && t.i == t.n; // nothing may follow the root object
}

// Walks pieces [first, last) of `ranges` as `part`.
bool walkPieces(Indexer& indexer, const char* body, const Range* first, const Range* last,
                std::size_t rowBytes, Part part, const QString& instanceId, Walk& w,
                AppList& list) {
    Pieces pieces{body, first, last, &indexer, rowBytes};
    Tokens t;
    t.pieces = &pieces;
    if (!pieces.advance(t))
        return false;
    if (part != Part::Tail && t.peek() != '{')
        return false;
    return walkRoot(t, part, instanceId, w, list);
}

// The pieces of a body, cut at the first item boundary at least `step` bytes after the last
// cut (one search over the body in all). In valid JSON `},{"metadata":` can only
// be structure (a quote inside a string is always escaped, and this one follows `{`): the
// boundary of two objects in some array. A walk fails at a cut in any array but `items` (its
// piece ends where the walk does not expect an end), and stage 1 fails for a piece that would
// end inside a string, so a cut is trusted only as far as the walk succeeds. Argo CD writes
// every Application's `metadata` first.
std::vector<Range> cutPieces(const QByteArray& body, qsizetype step) {
    std::vector<Range> ranges;
    std::size_t begin = 0;
    qsizetype from = step;
    while (from < body.size()) {
        const qsizetype at = body.indexOf(QByteArrayView(kItemBoundary), from);
        if (at < 0)
            break;
        ranges.push_back({begin, std::size_t(at) + 1});
        begin = std::size_t(at) + 2; // after "},"
        from = at + step;
    }
    ranges.push_back({begin, std::size_t(body.size())});
    return ranges;
}

} // namespace

struct ListParser::Impl {
    Options options;
    Stats last;
    simdjson::dom::parser parser;
    Indexer indexers[2];
};

ListParser::ListParser()
    : ListParser(Options{}) {}
ListParser::ListParser(const Options& options)
    : d(std::make_unique<Impl>()) {
    d->options = options;
}
ListParser::~ListParser() = default;

const ListParser::Options& ListParser::options() const {
    return d->options;
}

const ListParser::Stats& ListParser::lastStats() const {
    return d->last;
}

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

namespace {

// Two walkers over the pieces of a large body: this thread takes the first `headPieces` as
// a Head, a helper the rest as a Tail. The helper interns nothing (see Walk): it hands its
// rows over in batches, and this thread interns them after its own, while the helper walks
// on. So this thread takes the smaller share of the body (Options::headShare). False when the
// cut between the two was not between two items or a walker gave up; the caller then walks
// the body with one walker.
bool splitWalk(ListParser::Impl& p, const QByteArray& body, const std::vector<Range>& ranges,
               std::size_t headPieces, const QString& instanceId, StringPool* pool, AppList& list) {
    const Range* cut = ranges.data() + headPieces;
    const Range* end = ranges.data() + ranges.size();
    const auto tailBytes = std::size_t(body.size()) - cut->begin;
    std::optional<QMutexLocker<QMutex>> lock;
    if (pool)
        lock.emplace(&pool->mutex());

    // What the helper needs is allocated here, before it starts. Memory a thread allocates
    // and frees stays in that thread's malloc arena, and glibc does not give the free top of
    // a secondary arena back (malloc_trim neither): the helper's temporary buffers cost 240
    // bytes per application of resident memory at 50,000 (bench fleet). The helper's own
    // allocations are the escaped strings and growth past the estimates below.
    std::size_t largest = 0;
    for (const Range& r : ranges)
        largest = std::max(largest, r.end - r.begin);
    if (!p.indexers[0].reserve(largest) || !p.indexers[1].reserve(largest))
        return false;
    Handoff handoff;
    Walk collected(pool, &handoff);
    // Room for the values that change from row to row (a few hundred bytes of each item of
    // several KiB); past it, values stay views of the body. Not zeroed: the helper touches
    // only what it writes.
    const std::size_t denseBytes = tailBytes / 8;
    const std::unique_ptr<char[]> dense(new char[denseBytes]);
    collected.dense = dense.get();
    collected.denseEnd = dense.get() + denseBytes;
    // Batches for its rows, estimated from the size of its first items with room to spare
    // (memory not written is not resident).
    qsizetype sampleEnd = qsizetype(cut->begin);
    int sampled = 0;
    for (; sampled < 8; ++sampled) {
        const qsizetype next = body.indexOf(QByteArrayView(kItemBoundary), sampleEnd);
        if (next < 0)
            break;
        sampleEnd = next + 2;
    }
    const qsizetype per = sampled > 0 ? (sampleEnd - qsizetype(cut->begin)) / sampled : 0;
    const qsizetype rows = per > 0 ? qsizetype(tailBytes) / per * 3 / 2 + 1 : 0;
    auto emptyBatch = [] {
        Batch b;
        b.rows.reserve(Handoff::kRows);
        b.views.reserve(std::size_t(Handoff::kRows));
        b.kv.reserve(std::size_t(Handoff::kRows) * 8);
        b.imageViews.reserve(std::size_t(Handoff::kRows) * 4);
        return b;
    };
    // At most 128 (32,768 rows, about 32 MiB of address space, little of it touched): batches
    // come back for reuse once interned, and a helper that runs further ahead than that (a
    // list of 100,000 applications or tiny items) allocates the rest itself.
    const qsizetype batches = std::min<qsizetype>(rows / Handoff::kRows + 2, 128);
    handoff.spare.reserve(std::size_t(batches));
    for (qsizetype i = 0; i < batches; ++i)
        handoff.spare.push_back(emptyBatch());
    AppList tail;
    Handoff::giveTo(emptyBatch(), collected, tail.apps);

    std::thread helper([&] {
        const bool ok = walkPieces(p.indexers[1], body.constData(), cut, end, tailBytes, Part::Tail,
                                   instanceId, collected, tail);
        handoff.finish(collected, tail.apps, ok);
    });
    Walk w(pool);
    // The Head's rows estimate covers the whole body: the Tail's rows join them.
    const bool headOk = walkPieces(p.indexers[0], body.constData(), ranges.data(), cut,
                                   std::size_t(body.size()), Part::Head, instanceId, w, list);
    Batch batch;
    while (handoff.take(batch)) {
        if (!headOk)
            continue; // the helper is left to finish; its rows are not used
        for (qsizetype i = 0; i < batch.rows.size(); ++i) {
            AppSummary& app = list.apps.emplace_back(std::move(batch.rows[i]));
            internRow(w, batch.kv, batch.imageViews, batch.views[std::size_t(i)], instanceId, app);
        }
        handoff.recycle(std::move(batch));
    }
    helper.join();
    return headOk && handoff.ok;
}

// The indexed walk; nullopt sends the caller to the DOM path.
std::optional<AppList> indexedApplicationList(ListParser::Impl& p, const QByteArray& body,
                                              const QString& instanceId, StringPool* pool) {
    // The walk may look at the byte after the last one (QByteArray's terminating '\0'); raw
    // data has none, so it is copied.
    QByteArray owned;
    const QByteArray* bytes = &body;
    if (!const_cast<QByteArray&>(body).data_ptr().isMutable()) {
        owned = QByteArray(body.constData(), body.size());
        bytes = &owned;
    }
    if (bytes->isEmpty())
        return std::nullopt;
    const ListParser::Options& o = p.options;
    std::vector<Range> ranges = cutPieces(*bytes, std::max<qsizetype>(1, o.pieceBytes));
    if (o.maxThreads > 1 && bytes->size() >= o.splitBytes && ranges.size() >= 2) {
        // This thread also interns the helper's rows after the join, so it takes a smaller
        // share of the body: the first piece that starts past headShare of it is the helper's.
        const auto share = std::size_t(double(bytes->size()) * o.headShare);
        std::size_t head = 1;
        while (head + 1 < ranges.size() && ranges[head].begin < share)
            ++head;
        AppList list;
        if (splitWalk(p, *bytes, ranges, head, instanceId, pool, list)) {
            p.last = {true, 2};
            return list;
        }
    }
    std::optional<QMutexLocker<QMutex>> lock;
    if (pool)
        lock.emplace(&pool->mutex());
    const char* data = bytes->constData();
    const auto size = std::size_t(bytes->size());
    AppList list;
    Walk w(pool);
    bool ok = walkPieces(p.indexers[0], data, ranges.data(), ranges.data() + ranges.size(), size,
                         Part::Whole, instanceId, w, list);
    if (!ok && ranges.size() > 1) {
        // A cut that was not between two items: the body as one piece.
        const Range whole{0, size};
        list = {};
        Walk again(pool);
        ok = walkPieces(p.indexers[0], data, &whole, &whole + 1, size, Part::Whole, instanceId,
                        again, list);
    }
    if (!ok)
        return std::nullopt;
    p.last = {true, 1};
    return list;
}

// The DOM path: simdjson's DOM parse checks every byte, then one walk over the tape.
Result<AppList> domApplicationList(ListParser::Impl& p, const QByteArray& body,
                                   const QString& instanceId, StringPool* pool) {
    QByteArray padded;
    const QByteArray* bytes = &body;
    if (roomAfter(body) < qsizetype(simdjson::SIMDJSON_PADDING)) {
        // Spaces in the padding, then cut off: simdjson reads the padding (valgrind reported
        // its uninitialised bytes), chop() keeps them in the allocation.
        padded.reserve(body.size() + qsizetype(simdjson::SIMDJSON_PADDING));
        padded.append(body);
        padded.append(QByteArray(qsizetype(simdjson::SIMDJSON_PADDING), ' '));
        padded.chop(qsizetype(simdjson::SIMDJSON_PADDING));
        bytes = &padded;
    }
    element root;
    if (p.parser.parse(bytes->constData(), std::size_t(bytes->size()), false).get(root) !=
        simdjson::SUCCESS) {
        // Rare: let the reference parser say where and why (or accept what it accepts).
        return parseApplicationList(body, instanceId);
    }
    p.last = {false, 1};
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

} // namespace

Result<AppList> parseApplicationListFast(const QByteArray& body, const QString& instanceId,
                                         StringPool* pool, ListParser* reusable) {
    std::unique_ptr<ListParser> temporary;
    if (!reusable) {
        temporary = std::make_unique<ListParser>();
        reusable = temporary.get();
    }
    ListParser::Impl& p = *reusable->d;
    p.last = {};
    if (p.options.indexedWalk) {
        if (std::optional<AppList> list = indexedApplicationList(p, body, instanceId, pool))
            return std::move(*list);
    }
    return domApplicationList(p, body, instanceId, pool);
}

} // namespace sextant::argocd
