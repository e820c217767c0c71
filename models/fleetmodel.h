#pragma once

#include "fleet/fleetstore.h"

#include <QAbstractTableModel>
#include <QHash>

namespace sextant::models {

// A table over fleet::FleetStore that owns no rows: it relays the store's contiguous range
// notifications as beginInsertRows/endRemoveRows/dataChanged, with dataChanged limited to the
// columns whose fields changed. Sorting and filtering belong to proxies (FleetFilterProxy).
class FleetModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        InstanceColumn,
        ClusterColumn,
        NamespaceColumn,
        ProjectColumn,
        NameColumn,
        SyncColumn,
        HealthColumn,
        OperationColumn,
        RevisionColumn,
        LastSyncColumn,
        ColumnCount
    };
    enum Role {
        KeyRole = Qt::UserRole + 1, // AppSummary::key()
        SortRole,                   // typed value for sorting (dates as QDateTime)
        SyncRole,                   // argocd::SyncStatus as int
        HealthRole,                 // argocd::HealthStatus as int
        OperationRole,              // argocd::OperationPhase as int
        SyncFailedRole,             // bool
        SearchTextRole,             // every searchable field joined, lower case
    };

    explicit FleetModel(fleet::FleetStore* store, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    fleet::FleetStore* store() const { return m_store; }
    // Instance ids are stable keys (UUIDs for saved instances); rows show these names instead.
    void setInstanceNames(const QHash<QString, QString>& names);
    QString instanceName(const QString& id) const { return m_instanceNames.value(id, id); }
    const QHash<QString, QString>& instanceNames() const { return m_instanceNames; }
    // Worst first: Degraded, Missing, Unknown, Progressing, Suspended, Healthy.
    static int healthSeverity(argocd::HealthStatus health);
    const argocd::AppSummary& app(int row) const { return m_store->at(row); }

    // Colours used for statuses everywhere in the console, so a glance means the same thing.
    static QColor healthColor(argocd::HealthStatus health);
    static QColor syncColor(argocd::SyncStatus sync);

private:
    void onRowsChanged(int first, int last, fleet::ChangedFields fields);

    fleet::FleetStore* m_store;
    QHash<QString, QString> m_instanceNames;
};

} // namespace sextant::models
