#include "fleetcache.h"

#include "argocd/appparser.h"

#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QMutexLocker>
#include <QSaveFile>
#include <QStandardPaths>
#include <QtEndian>

#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

namespace sextant::fleet {

using argocd::AppSummary;

namespace {

constexpr qint64 kNoDate = std::numeric_limits<qint64>::min();
// A row on disk: 12 string indices, label set, image list (4 bytes each), 3 dates (8 bytes),
// sync, health, phase, flags (1 byte each).
constexpr qsizetype kRowBytes = 14 * 4 + 3 * 8 + 4;
constexpr qsizetype kHeaderBytes = 4 + 4 + 8 + 8;

quint64 fnv1a(const char* p, qsizetype n) {
    quint64 h = 14695981039346656037ull;
    for (qsizetype i = 0; i < n; ++i) {
        h ^= quint8(p[i]);
        h *= 1099511628211ull;
    }
    return h;
}

Error corrupt(const QString& path, const QString& why) {
    return Error::make(
        Error::Kind::Protocol,
        QObject::tr("The fleet cache %1 is unreadable").arg(QFileInfo(path).fileName()), why);
}

// ---- payload writer / reader (little-endian) ---------------------------------------------------

class Writer {
public:
    template <typename T>
    void put(T v) {
        const T le = qToLittleEndian(v);
        bytes.append(reinterpret_cast<const char*>(&le), sizeof le);
    }
    void putBytes(const QByteArray& b) {
        put<quint32>(quint32(b.size()));
        bytes.append(b);
    }
    QByteArray bytes;
};

class Reader {
public:
    Reader(const char* p, qsizetype n)
        : m_p(p)
        , m_end(p + n) {}
    template <typename T>
    bool get(T& v) {
        if (m_end - m_p < qsizetype(sizeof(T)))
            return false;
        T raw;
        std::memcpy(&raw, m_p, sizeof raw);
        v = qFromLittleEndian(raw);
        m_p += sizeof raw;
        return true;
    }
    // A length-prefixed byte run, not copied.
    bool getBytes(const char*& data, quint32& size) {
        if (!get(size) || quint64(m_end - m_p) < size)
            return false;
        data = m_p;
        m_p += size;
        return true;
    }
    qsizetype remaining() const { return m_end - m_p; }

private:
    const char* m_p;
    const char* m_end;
};

// Distinct values, index 0 being the empty one.
template <typename T>
struct Table {
    QHash<T, quint32> index;
    QVector<T> values{T{}};
    quint32 add(const T& v) {
        if (v.isEmpty())
            return 0;
        auto it = index.constFind(v);
        if (it != index.constEnd())
            return *it;
        const quint32 i = quint32(values.size());
        index.insert(v, i);
        values.append(v);
        return i;
    }
};

qint64 dateOut(const QDateTime& d) {
    return d.isValid() ? d.toMSecsSinceEpoch() : kNoDate;
}

QDateTime dateIn(qint64 ms) {
    return ms == kNoDate ? QDateTime() : QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

} // namespace

QString FleetCache::defaultPath(const QString& instanceId) {
    QString safe = instanceId;
    for (QChar& c : safe) {
        if (!c.isLetterOrNumber() && c != QLatin1Char('-') && c != QLatin1Char('_') &&
            c != QLatin1Char('.'))
            c = QLatin1Char('_');
    }
    return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
           QStringLiteral("/fleet-") + safe + QStringLiteral(".bin");
}

Status FleetCache::save(const QString& path, const QString& instanceId,
                        const QVector<AppSummary>& apps, QDateTime asOf) {
    Table<QString> strings;
    Table<QVector<quint32>> labelSets;
    Table<QVector<quint32>> imageLists;
    Writer rows;
    rows.bytes.reserve(apps.size() * kRowBytes);
    for (const AppSummary& a : apps) {
        if (a.instance != instanceId)
            return Error::make(Error::Kind::Config,
                               QObject::tr("A row of another instance cannot be cached"), a.key());
        for (const QString* s : {&a.name, &a.appNamespace, &a.project, &a.destServer, &a.destName,
                                 &a.destNamespace, &a.repoURL, &a.path, &a.targetRevision,
                                 &a.syncRevision, &a.healthMessage, &a.resourceVersion})
            rows.put<quint32>(strings.add(*s));
        QVector<quint32> labels;
        labels.reserve(a.labels.size() * 2);
        for (const auto& [k, v] : a.labels)
            labels << strings.add(k) << strings.add(v);
        rows.put<quint32>(labelSets.add(labels));
        QVector<quint32> images;
        images.reserve(a.images.size());
        for (const QString& image : a.images)
            images << strings.add(image);
        rows.put<quint32>(imageLists.add(images));
        rows.put<qint64>(dateOut(a.operationStartedAt));
        rows.put<qint64>(dateOut(a.operationFinishedAt));
        rows.put<qint64>(dateOut(a.createdAt));
        rows.put<quint8>(quint8(a.sync));
        rows.put<quint8>(quint8(a.health));
        rows.put<quint8>(quint8(a.operationPhase));
        rows.put<quint8>(
            quint8((a.multiSource ? 1 : 0) | (a.autoSync ? 2 : 0) | (a.deleting ? 4 : 0)));
    }

    Writer payload;
    payload.putBytes(instanceId.toUtf8());
    payload.put<qint64>(dateOut(asOf));
    payload.put<quint32>(quint32(strings.values.size()));
    for (const QString& s : std::as_const(strings.values))
        payload.putBytes(s.toUtf8());
    for (const auto* table : {&labelSets, &imageLists}) {
        payload.put<quint32>(quint32(table->values.size()));
        for (const QVector<quint32>& list : table->values) {
            payload.put<quint32>(quint32(list.size()));
            for (quint32 i : list)
                payload.put<quint32>(i);
        }
    }
    payload.put<quint32>(quint32(apps.size()));
    payload.bytes.append(rows.bytes);

    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error::make(Error::Kind::Io, QObject::tr("Cannot write the fleet cache"),
                           path + QStringLiteral(": ") + file.errorString());
    QDataStream out(&file);
    out << kMagic << kVersion << quint64(payload.bytes.size())
        << fnv1a(payload.bytes.constData(), payload.bytes.size());
    out.writeRawData(payload.bytes.constData(), int(payload.bytes.size()));
    if (out.status() != QDataStream::Ok || !file.commit())
        return Error::make(Error::Kind::Io, QObject::tr("Cannot write the fleet cache"),
                           path + QStringLiteral(": ") + file.errorString());
    return okStatus();
}

Result<CachedFleet> FleetCache::load(const QString& path) {
    return load(path, argocd::StringPool::shared());
}

Result<CachedFleet> FleetCache::load(const QString& path, argocd::StringPool* pool) {
    QFile file(path);
    if (!file.exists())
        return Error::make(Error::Kind::NotFound, QObject::tr("No fleet cache"), path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::make(Error::Kind::Io, QObject::tr("Cannot read the fleet cache"),
                           path + QStringLiteral(": ") + file.errorString());
    const QByteArray bytes = file.readAll();
    if (bytes.size() < kHeaderBytes)
        return corrupt(path, QObject::tr("too short for a fleet cache"));

    QDataStream in(bytes);
    quint32 magic = 0, version = 0;
    quint64 length = 0, checksum = 0;
    in >> magic >> version >> length >> checksum;
    if (magic != kMagic)
        return corrupt(path, QObject::tr("not a Sextant fleet cache"));
    if (version != kVersion)
        return corrupt(
            path, QObject::tr("format version %1, this build reads %2").arg(version).arg(kVersion));
    if (length != quint64(bytes.size() - kHeaderBytes))
        return corrupt(path, QObject::tr("%1 bytes of data, the header says %2")
                                 .arg(bytes.size() - kHeaderBytes)
                                 .arg(length));
    const char* data = bytes.constData() + kHeaderBytes;
    if (fnv1a(data, qsizetype(length)) != checksum)
        return corrupt(path, QObject::tr("checksum mismatch"));

    // The checksum catches damage; the checks below also keep a well-formed foreign or
    // hand-made file from indexing out of bounds or allocating what it does not contain.
    Reader r(data, qsizetype(length));
    const auto bad = [&path](const char* what) {
        return corrupt(path, QObject::tr("bad %1").arg(QLatin1String(what)));
    };
    CachedFleet fleet;
    const char* p = nullptr;
    quint32 n = 0;
    qint64 asOf = 0;
    if (!r.getBytes(p, n) || !r.get(asOf))
        return bad("header fields");
    fleet.instanceId = QString::fromUtf8(p, n);
    fleet.asOf = dateIn(asOf);
    if (fleet.instanceId.isEmpty())
        return bad("instance id");

    quint32 count = 0;
    if (!r.get(count) || count < 1 || count > quint64(r.remaining()) / 4)
        return bad("string table");
    QVector<QString> strings(count);
    {
        std::optional<QMutexLocker<QMutex>> lock;
        if (pool)
            lock.emplace(&pool->mutex());
        for (quint32 i = 0; i < count; ++i) {
            if (!r.getBytes(p, n))
                return bad("string table");
            strings[i] = pool ? pool->intern(std::string_view(p, n)) : QString::fromUtf8(p, n);
        }
    }

    QVector<argocd::Labels> labelSets;
    QVector<QStringList> imageLists;
    for (int table = 0; table < 2; ++table) {
        if (!r.get(count) || count < 1 || count > quint64(r.remaining()) / 4)
            return bad("list table");
        table == 0 ? labelSets.resize(count) : imageLists.resize(count);
        for (quint32 i = 0; i < count; ++i) {
            quint32 size = 0;
            if (!r.get(size) || size > quint64(r.remaining()) / 4 || (table == 0 && size % 2))
                return bad("list table");
            QVector<quint32> idx(size);
            for (quint32& v : idx) {
                r.get(v);
                if (v >= quint32(strings.size()))
                    return bad("string index");
            }
            if (table == 0) {
                argocd::Labels& labels = labelSets[i];
                labels.reserve(size / 2);
                for (quint32 k = 0; k < size; k += 2)
                    labels.append({strings[idx[k]], strings[idx[k + 1]]});
            } else {
                QStringList& images = imageLists[i];
                images.reserve(size);
                for (quint32 v : idx)
                    images.append(strings[v]);
            }
        }
    }
    if (pool) {
        QMutexLocker lock(&pool->mutex());
        for (argocd::Labels& labels : labelSets)
            labels = pool->intern(labels);
        for (QStringList& images : imageLists)
            images = pool->intern(images);
    }

    if (!r.get(count) || quint64(r.remaining()) != quint64(count) * kRowBytes)
        return bad("row count");
    const QString instance = fleet.instanceId;
    fleet.apps.resize(count);
    const auto str = [&strings](quint32 i, QString& out) {
        if (i >= quint32(strings.size()))
            return false;
        out = strings[i];
        return true;
    };
    for (AppSummary& a : fleet.apps) {
        a.instance = instance;
        quint32 idx[14];
        for (quint32& v : idx)
            r.get(v);
        qint64 started = 0, finished = 0, created = 0;
        quint8 sync = 0, health = 0, phase = 0, flags = 0;
        r.get(started);
        r.get(finished);
        r.get(created);
        r.get(sync);
        r.get(health);
        r.get(phase);
        r.get(flags);
        if (!str(idx[0], a.name) || !str(idx[1], a.appNamespace) || !str(idx[2], a.project) ||
            !str(idx[3], a.destServer) || !str(idx[4], a.destName) ||
            !str(idx[5], a.destNamespace) || !str(idx[6], a.repoURL) || !str(idx[7], a.path) ||
            !str(idx[8], a.targetRevision) || !str(idx[9], a.syncRevision) ||
            !str(idx[10], a.healthMessage) || !str(idx[11], a.resourceVersion))
            return bad("string index");
        if (idx[12] >= quint32(labelSets.size()) || idx[13] >= quint32(imageLists.size()))
            return bad("list index");
        a.labels = labelSets[idx[12]];
        a.images = imageLists[idx[13]];
        if (sync > quint8(argocd::SyncStatus::OutOfSync) ||
            health > quint8(argocd::HealthStatus::Missing) ||
            phase > quint8(argocd::OperationPhase::Succeeded) || flags > 7)
            return bad("row status");
        a.sync = argocd::SyncStatus(sync);
        a.health = argocd::HealthStatus(health);
        a.operationPhase = argocd::OperationPhase(phase);
        a.multiSource = flags & 1;
        a.autoSync = flags & 2;
        a.deleting = flags & 4;
        a.operationStartedAt = dateIn(started);
        a.operationFinishedAt = dateIn(finished);
        a.createdAt = dateIn(created);
        if (a.name.isEmpty())
            return bad("row name");
    }
    return fleet;
}

} // namespace sextant::fleet
