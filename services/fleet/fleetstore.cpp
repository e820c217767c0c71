#include "fleetstore.h"

#include <QSet>

#include <algorithm>

namespace sextant::fleet {

using argocd::AppEvent;
using argocd::AppSummary;
using argocd::WatchEventType;

FleetStore::FleetStore(QObject* parent)
    : QObject(parent) {}

ChangedFields FleetStore::diff(const AppSummary& a, const AppSummary& b) {
    ChangedFields f = ChangedNone;
    if (a.sync != b.sync)
        f |= ChangedSync;
    if (a.health != b.health || a.healthMessage != b.healthMessage)
        f |= ChangedHealth;
    if (a.operationPhase != b.operationPhase || a.operationStartedAt != b.operationStartedAt ||
        a.operationFinishedAt != b.operationFinishedAt)
        f |= ChangedOperation;
    if (a.syncRevision != b.syncRevision || a.targetRevision != b.targetRevision)
        f |= ChangedRevision;
    if (a.project != b.project || a.destServer != b.destServer || a.destName != b.destName ||
        a.destNamespace != b.destNamespace || a.repoURL != b.repoURL || a.path != b.path ||
        a.multiSource != b.multiSource)
        f |= ChangedPlacement;
    if (a.labels != b.labels || a.images != b.images || a.autoSync != b.autoSync ||
        a.deleting != b.deleting || a.createdAt != b.createdAt ||
        a.resourceVersion != b.resourceVersion)
        f |= ChangedMeta;
    return f;
}

void FleetStore::applySnapshot(const QString& instanceId, const QVector<AppSummary>& apps) {
    QSet<QString> fresh;
    fresh.reserve(apps.size());
    for (const AppSummary& app : apps)
        fresh.insert(app.key());

    QVector<int> gone;
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].instance == instanceId && !fresh.contains(m_rows[i].key()))
            gone.append(i);
    }
    removeRows(std::move(gone));

    QVector<QPair<int, ChangedFields>> changed;
    QVector<AppSummary> added;
    for (const AppSummary& app : apps) {
        const int row = m_index.value(app.key(), -1);
        if (row < 0) {
            added.append(app);
            continue;
        }
        const ChangedFields f = diff(m_rows[row], app);
        if (f != ChangedNone) {
            m_rows[row] = app;
            changed.append({row, f});
        }
    }
    emitChanged(std::move(changed));
    appendRows(std::move(added));
    Q_EMIT batchApplied();
}

void FleetStore::applyEvents(const QVector<AppEvent>& events) {
    // Collapse the batch to the last event per application first, so an app added and
    // deleted within one batch never reaches the view.
    QHash<QString, int> lastEvent;
    for (int i = 0; i < events.size(); ++i)
        lastEvent.insert(events[i].app.key(), i);
    QVector<const AppEvent*> effective;
    effective.reserve(lastEvent.size());
    for (int i = 0; i < events.size(); ++i) {
        if (lastEvent.value(events[i].app.key()) == i)
            effective.append(&events[i]);
    }

    // Removals first: the rows that remain are then addressed through the rebuilt index.
    QVector<int> gone;
    for (const AppEvent* ev : effective) {
        const int row = m_index.value(ev->app.key(), -1);
        if (ev->type == WatchEventType::Deleted && row >= 0)
            gone.append(row);
    }
    removeRows(std::move(gone));

    QVector<QPair<int, ChangedFields>> changed;
    QVector<AppSummary> added;
    for (const AppEvent* ev : effective) {
        if (ev->type == WatchEventType::Deleted)
            continue;
        const int row = m_index.value(ev->app.key(), -1);
        if (row < 0) {
            added.append(ev->app);
            continue;
        }
        const ChangedFields f = diff(m_rows[row], ev->app);
        if (f != ChangedNone) {
            m_rows[row] = ev->app;
            changed.append({row, f});
        }
    }
    emitChanged(std::move(changed));
    appendRows(std::move(added));
    Q_EMIT batchApplied();
}

void FleetStore::removeInstance(const QString& instanceId) {
    QVector<int> gone;
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].instance == instanceId)
            gone.append(i);
    }
    removeRows(std::move(gone));
    Q_EMIT batchApplied();
}

void FleetStore::removeRows(QVector<int> rows) {
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    // Highest range first, so lower indices stay valid while we go.
    int end = int(rows.size()) - 1;
    while (end >= 0) {
        int start = end;
        while (start > 0 && rows[start - 1] == rows[start] - 1)
            --start;
        const int first = rows[start];
        const int last = rows[end];
        Q_EMIT rowsAboutToBeRemoved(first, last);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        Q_EMIT rowsRemoved(first, last);
        end = start - 1;
    }
    rebuildIndex();
}

void FleetStore::emitChanged(QVector<QPair<int, ChangedFields>> changed) {
    if (changed.isEmpty())
        return;
    std::sort(changed.begin(), changed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    int start = 0;
    while (start < changed.size()) {
        int end = start;
        ChangedFields fields = changed[start].second;
        while (end + 1 < changed.size() && changed[end + 1].first == changed[end].first + 1) {
            ++end;
            fields |= changed[end].second;
        }
        Q_EMIT rowsChanged(changed[start].first, changed[end].first, fields);
        start = end + 1;
    }
}

void FleetStore::appendRows(QVector<AppSummary> rows) {
    if (rows.isEmpty())
        return;
    const int first = int(m_rows.size());
    const int last = first + int(rows.size()) - 1;
    Q_EMIT rowsAboutToBeInserted(first, last);
    m_rows.reserve(m_rows.size() + rows.size());
    for (AppSummary& app : rows) {
        m_index.insert(app.key(), int(m_rows.size()));
        m_rows.append(std::move(app));
    }
    Q_EMIT rowsInserted(first, last);
}

void FleetStore::rebuildIndex() {
    m_index.clear();
    m_index.reserve(m_rows.size());
    for (int i = 0; i < m_rows.size(); ++i)
        m_index.insert(m_rows[i].key(), i);
}

FleetCounts FleetStore::counts(const QString& instanceId) const {
    FleetCounts c;
    for (const AppSummary& app : m_rows) {
        if (!instanceId.isEmpty() && app.instance != instanceId)
            continue;
        ++c.apps;
        if (app.sync == argocd::SyncStatus::OutOfSync)
            ++c.outOfSync;
        if (app.health == argocd::HealthStatus::Degraded)
            ++c.degraded;
        if (app.health == argocd::HealthStatus::Progressing)
            ++c.progressing;
        if (app.syncFailed())
            ++c.syncFailed;
    }
    return c;
}

QStringList FleetStore::instances() const {
    QStringList out;
    QSet<QString> seen;
    for (const AppSummary& app : m_rows) {
        if (!seen.contains(app.instance)) {
            seen.insert(app.instance);
            out.append(app.instance);
        }
    }
    return out;
}

} // namespace sextant::fleet
