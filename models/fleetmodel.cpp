#include "fleetmodel.h"

#include <QColor>
#include <QLocale>
#include <QUrl>

namespace sextant::models {

using argocd::AppSummary;
using argocd::HealthStatus;
using argocd::OperationPhase;
using argocd::SyncStatus;

FleetModel::FleetModel(fleet::FleetStore* store, QObject* parent)
    : QAbstractTableModel(parent)
    , m_store(store) {
    connect(store, &fleet::FleetStore::rowsAboutToBeInserted, this,
            [this](int first, int last) { beginInsertRows({}, first, last); });
    connect(store, &fleet::FleetStore::rowsInserted, this, [this] { endInsertRows(); });
    connect(store, &fleet::FleetStore::rowsAboutToBeRemoved, this,
            [this](int first, int last) { beginRemoveRows({}, first, last); });
    connect(store, &fleet::FleetStore::rowsRemoved, this, [this] { endRemoveRows(); });
    connect(store, &fleet::FleetStore::rowsChanged, this, &FleetModel::onRowsChanged);
}

void FleetModel::setInstanceNames(const QHash<QString, QString>& names) {
    if (names == m_instanceNames)
        return;
    m_instanceNames = names;
    if (m_store->size() > 0)
        Q_EMIT dataChanged(index(0, InstanceColumn), index(m_store->size() - 1, InstanceColumn));
}

int FleetModel::healthSeverity(HealthStatus health) {
    switch (health) {
    case HealthStatus::Degraded:
        return 5;
    case HealthStatus::Missing:
        return 4;
    case HealthStatus::Unknown:
        return 3;
    case HealthStatus::Progressing:
        return 2;
    case HealthStatus::Suspended:
        return 1;
    case HealthStatus::Healthy:
        return 0;
    }
    return 3;
}

// "https://api.prod-eu.example.net:6443" reads as "api.prod-eu.example.net" in a narrow column;
// the full URL stays in the tooltip.
static QString clusterLabel(const AppSummary& app) {
    if (!app.destName.isEmpty())
        return app.destName;
    const QUrl url(app.destServer);
    if (url.isValid() && !url.host().isEmpty())
        return url.host();
    return app.destServer;
}

int FleetModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_store->size();
}

int FleetModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

void FleetModel::onRowsChanged(int first, int last, fleet::ChangedFields fields) {
    // Map changed fields to the narrowest column span that shows them.
    int firstColumn = ColumnCount;
    int lastColumn = -1;
    auto include = [&](int column) {
        firstColumn = std::min(firstColumn, column);
        lastColumn = std::max(lastColumn, column);
    };
    if (fields & fleet::ChangedPlacement) {
        include(ClusterColumn);
        include(ProjectColumn);
    }
    if (fields & fleet::ChangedSync)
        include(SyncColumn);
    if (fields & fleet::ChangedHealth)
        include(HealthColumn);
    if (fields & fleet::ChangedOperation) {
        include(OperationColumn);
        include(LastSyncColumn);
    }
    if (fields & fleet::ChangedRevision)
        include(RevisionColumn);
    if (fields & fleet::ChangedMeta) // labels and flags feed tooltips and search
        include(NameColumn);
    if (lastColumn < 0)
        return;
    Q_EMIT dataChanged(index(first, firstColumn), index(last, lastColumn));
}

static QString shortRevision(const AppSummary& app) {
    const QString& rev = app.syncRevision.isEmpty() ? app.targetRevision : app.syncRevision;
    // 40-hex commit SHAs are shown like Git does; tags and chart versions stay whole.
    if (rev.size() == 40 && rev.indexOf(QLatin1Char('.')) < 0)
        return rev.left(7);
    return rev;
}

QVariant FleetModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_store->size())
        return {};
    const AppSummary& app = m_store->at(index.row());
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case InstanceColumn:
            return instanceName(app.instance);
        case ClusterColumn:
            return clusterLabel(app);
        case NamespaceColumn:
            return app.destNamespace;
        case ProjectColumn:
            return app.project;
        case NameColumn:
            return app.appNamespace.isEmpty() || app.appNamespace == QLatin1String("argocd")
                       ? app.name
                       : app.appNamespace + QLatin1Char('/') + app.name;
        case SyncColumn:
            return argocd::toString(app.sync);
        case HealthColumn:
            return argocd::toString(app.health);
        case OperationColumn:
            if (app.syncFailed())
                return tr("Sync failed");
            return argocd::toString(app.operationPhase);
        case RevisionColumn:
            return shortRevision(app);
        case LastSyncColumn:
            return app.operationFinishedAt.isValid()
                       ? QLocale().toString(app.operationFinishedAt.toLocalTime(),
                                            QStringLiteral("yyyy-MM-dd HH:mm"))
                       : QString();
        }
        break;
    case SortRole:
        switch (column) {
        case LastSyncColumn:
            return app.operationFinishedAt;
        case HealthColumn:
            return healthSeverity(app.health);
        case SyncColumn:
            return int(app.sync == SyncStatus::Synced    ? 0
                       : app.sync == SyncStatus::Unknown ? 1
                                                         : 2);
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ToolTipRole:
        switch (column) {
        case HealthColumn:
            return app.healthMessage.isEmpty() ? argocd::toString(app.health) : app.healthMessage;
        case ClusterColumn:
            return app.destServer;
        case RevisionColumn:
            return tr("Synced: %1\nTarget: %2")
                .arg(app.syncRevision.isEmpty() ? tr("(none)") : app.syncRevision,
                     app.targetRevision.isEmpty() ? QStringLiteral("HEAD") : app.targetRevision);
        case NameColumn: {
            QStringList lines{app.repoURL +
                              (app.path.isEmpty() ? QString() : QLatin1Char(' ') + app.path)};
            if (app.autoSync)
                lines << tr("Auto-sync on");
            for (const auto& [k, v] : app.labels)
                lines << k + QLatin1Char('=') + v;
            return lines.join(QLatin1Char('\n'));
        }
        default:
            return {};
        }
    case Qt::ForegroundRole:
        if (column == HealthColumn)
            return healthColor(app.health);
        if (column == SyncColumn)
            return syncColor(app.sync);
        if (column == OperationColumn && app.syncFailed())
            return QColor(0xd0, 0x30, 0x30);
        return {};
    case KeyRole:
        return app.key();
    case SyncRole:
        return int(app.sync);
    case HealthRole:
        return int(app.health);
    case OperationRole:
        return int(app.operationPhase);
    case SyncFailedRole:
        return app.syncFailed();
    case SearchTextRole: {
        QString text = instanceName(app.instance) + QLatin1Char(' ') + app.cluster() +
                       QLatin1Char(' ') + app.destNamespace + QLatin1Char(' ') + app.project +
                       QLatin1Char(' ') + app.name + QLatin1Char(' ') + app.repoURL +
                       QLatin1Char(' ') + app.path;
        for (const auto& [k, v] : app.labels)
            text += QLatin1Char(' ') + k + QLatin1Char('=') + v;
        return text.toLower();
    }
    default:
        break;
    }
    return {};
}

QVariant FleetModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case InstanceColumn:
        return tr("Instance");
    case ClusterColumn:
        return tr("Cluster");
    case NamespaceColumn:
        return tr("Namespace");
    case ProjectColumn:
        return tr("Project");
    case NameColumn:
        return tr("Application");
    case SyncColumn:
        return tr("Sync");
    case HealthColumn:
        return tr("Health");
    case OperationColumn:
        return tr("Operation");
    case RevisionColumn:
        return tr("Revision");
    case LastSyncColumn:
        return tr("Last sync");
    }
    return {};
}

QColor FleetModel::healthColor(HealthStatus health) {
    switch (health) {
    case HealthStatus::Healthy:
        return QColor(0x1e, 0x8e, 0x3e);
    case HealthStatus::Progressing:
        return QColor(0x1a, 0x73, 0xe8);
    case HealthStatus::Degraded:
        return QColor(0xd0, 0x30, 0x30);
    case HealthStatus::Suspended:
        return QColor(0x80, 0x60, 0xc0);
    case HealthStatus::Missing:
        return QColor(0xe3, 0x74, 0x00);
    case HealthStatus::Unknown:
        break;
    }
    return QColor(0x80, 0x80, 0x80);
}

QColor FleetModel::syncColor(SyncStatus sync) {
    switch (sync) {
    case SyncStatus::Synced:
        return QColor(0x1e, 0x8e, 0x3e);
    case SyncStatus::OutOfSync:
        return QColor(0xe3, 0x74, 0x00);
    case SyncStatus::Unknown:
        break;
    }
    return QColor(0x80, 0x80, 0x80);
}

} // namespace sextant::models
