#include "fleetfilterproxy.h"

#include "fleetmodel.h"

namespace sextant::models {

FleetFilterProxy::FleetFilterProxy(QObject* parent)
    : QSortFilterProxyModel(parent) {
    setSortRole(FleetModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
}

void FleetFilterProxy::setText(const QString& text) {
    if (text == m_text)
        return;
    m_text = text;
    // Every whitespace-separated term must match somewhere (AND), case-insensitively.
    m_terms = text.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    invalidateRowsFilter();
}

void FleetFilterProxy::setProblemsOnly(bool on) {
    if (on == m_problemsOnly)
        return;
    m_problemsOnly = on;
    invalidateRowsFilter();
}

bool FleetFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
    if (m_problemsOnly) {
        const auto health = argocd::HealthStatus(idx.data(FleetModel::HealthRole).toInt());
        const auto sync = argocd::SyncStatus(idx.data(FleetModel::SyncRole).toInt());
        const bool failed = idx.data(FleetModel::SyncFailedRole).toBool();
        if (health == argocd::HealthStatus::Healthy && sync == argocd::SyncStatus::Synced &&
            !failed)
            return false;
    }
    if (m_terms.isEmpty())
        return true;
    const QString haystack = idx.data(FleetModel::SearchTextRole).toString();
    for (const QString& term : m_terms) {
        if (!haystack.contains(term))
            return false;
    }
    return true;
}

} // namespace sextant::models
