#pragma once

#include "argocd/types.h"
#include "core/result.h"

#include <QDateTime>
#include <QString>
#include <QVector>

namespace sextant::argocd {
class StringPool;
}

namespace sextant::fleet {

// The rows of one instance as they were last seen live: what the console shows at start until
// the instance's own list arrives.
struct CachedFleet {
    QString instanceId;
    QDateTime asOf; // UTC
    QVector<argocd::AppSummary> apps;
};

// The local fleet cache: one file per instance with its list-level rows (AppSummary holds no
// secrets; keep it so). Format, version 1 (all integers little-endian):
//   header (QDataStream, big-endian): quint32 magic "SXFC", quint32 version,
//                                     quint64 payload length, quint64 FNV-1a 64 of the payload
//   payload: instance id, asOf, a string table (UTF-8, each distinct value once), a label-set
//            table and an image-list table (string indices), then the rows as fixed-size
//            records of indices, enums, flags and dates.
// Rows reference table entries by index, so equal values share one QString after load, and
// the strings go through the StringPool the parsers use: cached and live rows share data.
class FleetCache {
public:
    // QStandardPaths::CacheLocation + "/fleet-<instanceId>.bin".
    static QString defaultPath(const QString& instanceId);

    // Writes atomically (QSaveFile). Every row must belong to `instanceId`.
    static Status save(const QString& path, const QString& instanceId,
                       const QVector<argocd::AppSummary>& apps, QDateTime asOf);

    // NotFound when there is no file; Protocol for a foreign, damaged, truncated or other-version
    // file; Io when it cannot be read. Never trusts a count or an index it has not checked.
    // `pool` may be nullptr (strings are then shared within the file only).
    static Result<CachedFleet> load(const QString& path, argocd::StringPool* pool);
    // With the parsers' shared pool.
    static Result<CachedFleet> load(const QString& path);

    static constexpr quint32 kMagic = 0x53584643; // "SXFC"
    static constexpr quint32 kVersion = 1;
};

} // namespace sextant::fleet
