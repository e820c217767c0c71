#pragma once

#include "argocd/types.h"

#include <QHash>
#include <QObject>
#include <QVector>

namespace sextant::fleet {

// Which fields of a row changed, so views repaint only what moved.
enum ChangedField : quint32 {
    ChangedNone = 0,
    ChangedSync = 1u << 0,
    ChangedHealth = 1u << 1,
    ChangedOperation = 1u << 2,
    ChangedRevision = 1u << 3,
    ChangedPlacement = 1u << 4, // project, destination, source
    ChangedMeta = 1u << 5,      // labels, images, resourceVersion, flags
};
using ChangedFields = quint32;

// Counts that the status bar and the dashboard tiles show.
struct FleetCounts {
    int apps = 0;
    int outOfSync = 0;
    int degraded = 0;
    int progressing = 0;
    int syncFailed = 0;
};

// The fleet across every connected instance: one row per Application. Rows are stored in a flat
// vector grouped by nothing in particular; identity is AppSummary::key(). Updates are applied as
// batches and announced as contiguous ranges, in the order Qt's item models need them:
// removals (highest rows first), then changes, then one insertion at the end. Unchanged rows
// produce no signal at all.
class FleetStore : public QObject {
    Q_OBJECT
public:
    explicit FleetStore(QObject* parent = nullptr);

    int size() const { return int(m_rows.size()); }
    const argocd::AppSummary& at(int row) const { return m_rows.at(row); }
    // -1 when the application is not in the store.
    int indexOf(const QString& key) const { return m_index.value(key, -1); }

    // Replaces everything known about one instance with a fresh list (after a list or re-list).
    void applySnapshot(const QString& instanceId, const QVector<argocd::AppSummary>& apps);
    // Applies watch events in order; later events for the same app win.
    void applyEvents(const QVector<argocd::AppEvent>& events);
    // Drops every row of an instance (instance removed or disconnected for good).
    void removeInstance(const QString& instanceId);

    FleetCounts counts(const QString& instanceId = {}) const;
    QStringList instances() const;

    // Compares two rows field by field.
    static ChangedFields diff(const argocd::AppSummary& a, const argocd::AppSummary& b);

Q_SIGNALS:
    void rowsAboutToBeRemoved(int first, int last);
    void rowsRemoved(int first, int last);
    void rowsAboutToBeInserted(int first, int last);
    void rowsInserted(int first, int last);
    void rowsChanged(int first, int last, sextant::fleet::ChangedFields fields);
    // After every applied batch, whatever it changed (for counters and charts).
    void batchApplied();

private:
    // The three steps of every batch; each takes what the step needs and emits its ranges.
    void removeRows(QVector<int> rows);
    void emitChanged(QVector<QPair<int, ChangedFields>> changed);
    void appendRows(QVector<argocd::AppSummary> rows);
    void rebuildIndex();

    QVector<argocd::AppSummary> m_rows;
    QHash<QString, int> m_index;
};

} // namespace sextant::fleet
