#pragma once

#include "argocd/types.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QVector>

#include <deque>
#include <memory>
#include <optional>

namespace sextant::fleet {

// A stored row. Its own type only so that it can be declared relocatable (below): every member
// of AppSummary (QString, QList, QDateTime, enums) is, so growing the slab is a memmove.
struct Row {
    argocd::AppSummary app;
};

// Rows by position. The rows themselves sit in a slab and never move; the order is a vector of
// slab slots, so removing rows from the middle of 50,000 moves 4-byte slot numbers, not
// AppSummary values. Freed slots are reused by the next insertions.
struct RowTable {
    QVector<Row> slab;
    QVector<int> order;
    QVector<int> free;

    int size() const { return int(order.size()); }
    const argocd::AppSummary& at(int row) const { return slab.at(order.at(row)).app; }
    argocd::AppSummary& at(int row) { return slab[order[row]].app; }
    void erase(int first, int last); // positions, inclusive
    void append(argocd::AppSummary&& app);
};

} // namespace sextant::fleet

Q_DECLARE_TYPEINFO(sextant::fleet::Row, Q_RELOCATABLE_TYPE);

namespace sextant::fleet {

// Which fields of a row changed, so views repaint only what moved.
enum ChangedField : quint32 {
    ChangedNone = 0,
    ChangedSync = 1u << 0,
    ChangedHealth = 1u << 1,
    ChangedOperation = 1u << 2,
    ChangedRevision = 1u << 3,
    ChangedPlacement = 1u << 4, // project, destination, source
    ChangedMeta = 1u << 5,      // labels, images, flags, creation time
    // Only metadata.resourceVersion: every watch event bumps it, no view shows it. Kept apart
    // so a sorted proxy does not re-sort (and a view repaint) rows whose visible fields stayed.
    ChangedVersion = 1u << 6,
};
using ChangedFields = quint32;

// Counts that the status bar and the dashboard tiles show.
struct FleetCounts {
    int apps = 0;
    int outOfSync = 0;
    int degraded = 0;
    int progressing = 0;
    int syncFailed = 0;

    bool operator==(const FleetCounts&) const = default;
};

// The fleet across every connected instance: one row per Application. Rows are stored in a flat
// vector grouped by nothing in particular; identity is AppSummary::key(). Updates are applied as
// batches and announced as contiguous ranges, in the order Qt's item models need them:
// removals (highest rows first), then changes, then one insertion at the end. Unchanged rows
// produce no signal at all.
//
// The synchronous apply* methods do everything on the calling thread. The *Async variants
// prepare a batch on the thread pool (keys, the snapshot's key set, row lookups, field diffs)
// against an implicitly shared copy of the rows and the index, and the store's thread only
// applies the prepared plan. Async batches are applied one after another in submission order;
// consecutive event batches waiting behind a running one are merged. Mixing the two kinds is
// safe: a plan prepared against rows that changed meanwhile is recomputed on the spot.
class FleetStore : public QObject {
    Q_OBJECT
public:
    explicit FleetStore(QObject* parent = nullptr);
    ~FleetStore() override;

    int size() const { return int(m_rows.size()); }
    const argocd::AppSummary& at(int row) const { return m_rows.at(row); }
    // -1 when the application is not in the store.
    int indexOf(const QString& key) const;
    // The rows by position. A copy is O(1) and implicitly shared: a worker thread may read one
    // while this store goes on (its next write then copies the table for itself).
    const RowTable& rowTable() const { return m_rows; }

    // Replaces everything known about one instance with a fresh list (after a list or re-list).
    void applySnapshot(const QString& instanceId, const QVector<argocd::AppSummary>& apps);
    // Applies watch events in order; later events for the same app win.
    void applyEvents(const QVector<argocd::AppEvent>& events);
    // Drops every row of an instance (instance removed or disconnected for good).
    void removeInstance(const QString& instanceId);

    // Same results and signals as the synchronous versions, prepared off this thread.
    void applySnapshotAsync(const QString& instanceId, QVector<argocd::AppSummary> apps);
    void applyEventsAsync(QVector<argocd::AppEvent> events);
    // Async batches submitted and not yet applied.
    int pendingBatches() const { return int(m_queue.size()) + (m_inFlight ? 1 : 0); }

    // O(number of instances): kept up to date by every batch.
    FleetCounts counts(const QString& instanceId = {}) const;
    QStringList instances() const;

    // Compares two rows field by field.
    static ChangedFields diff(const argocd::AppSummary& a, const argocd::AppSummary& b);
    // A 64-bit hash of AppSummary::key(), computed without building the key string; both
    // overloads agree.
    static quint64 keyHash(const argocd::AppSummary& app);
    static quint64 keyHash(QStringView key);

    // Row lookup by key hash. Identity is still the full key: a hit is verified against the
    // row, and the (practically never seen) second key with an already used hash is kept by
    // its string. Costs ~16 bytes per row instead of a key string per row.
    struct Index {
        QHash<quint64, int> byHash;
        QHash<QString, int> collided;

        int find(const RowTable& rows, const argocd::AppSummary& app, quint64 hash) const;
        int find(const RowTable& rows, QStringView key) const;
        void insert(const RowTable& rows, const argocd::AppSummary& app, quint64 hash, int row);
        void remove(const argocd::AppSummary& app, quint64 hash, int row);
        void move(const argocd::AppSummary& app, quint64 hash, int row);
    };

    // What one batch does, in the store's row numbering before the batch (public for the
    // preparation code; callers use the apply* methods).
    struct Plan;

Q_SIGNALS:
    void rowsAboutToBeRemoved(int first, int last);
    void rowsRemoved(int first, int last);
    void rowsAboutToBeInserted(int first, int last);
    void rowsInserted(int first, int last);
    void rowsChanged(int first, int last, sextant::fleet::ChangedFields fields);
    // After every applied batch, whatever it changed (for counters and charts).
    void batchApplied();
    // Every async batch submitted so far has been applied.
    void asyncIdle();

private:
    struct Job;
    struct Shared; // implicitly shared copies of the rows and the index for preparation

    struct Range {
        int first = 0;
        int last = 0;
        ChangedFields fields = ChangedNone;
    };
    // Announcements of an applied batch still to be made (see announce()).
    struct Pending {
        QVector<Range> ranges;
        int next = 0;
        QVector<argocd::AppSummary> added;
        QVector<quint64> addedHashes;
        bool sliced = false; // an async job, finished by the last slice
    };

    // Sliced: announces in slices of a few ms across event-loop iterations (async jobs).
    void applyPlan(Plan plan, bool sliced = false);
    void announce(bool sliced);
    void finishSlices();
    void finishJob();
    void startNextJob();
    void onJobPrepared(std::shared_ptr<Job> job);

    void countRow(const argocd::AppSummary& app, int sign);

    RowTable m_rows;
    QVector<quint64> m_hashes; // m_hashes[i] == keyHash(m_rows.at(i))
    Index m_index;
    QHash<QString, FleetCounts> m_counts; // per instance
    quint64 m_generation = 0;             // bumps whenever rows change

    std::deque<std::shared_ptr<Job>> m_queue;
    std::shared_ptr<Job> m_inFlight;
    QSet<QString> m_removedWhileInFlight; // instances removed while m_inFlight was prepared
    std::optional<Pending> m_pending;
};

} // namespace sextant::fleet
