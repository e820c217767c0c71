#include "fleetfilterproxy.h"

#include "fleetmodel.h"

#include "fleet/fleetstore.h"

#include <QBitArray>
#include <QColor>
#include <QTimer>
#include <QtConcurrent>

namespace sextant::models {

FleetFilterProxy::FleetFilterProxy(QObject* parent)
    : QSortFilterProxyModel(parent)
    , m_searchTimer(new QTimer(this)) {
    setSortRole(FleetModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
    // After the batch's own work (sorting, the first paint): the build is not urgent, only
    // done before a person can type.
    m_searchTimer->setObjectName(QStringLiteral("searchTextTimer"));
    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(50);
    connect(m_searchTimer, &QTimer::timeout, this, &FleetFilterProxy::startSearchBuild);
}

void FleetFilterProxy::setSourceModel(QAbstractItemModel* source) {
    if (m_fleet)
        disconnect(m_fleet, nullptr, this, nullptr);
    m_fleet = qobject_cast<FleetModel*>(source);
    Q_ASSERT_X(m_fleet || !source, "FleetFilterProxy", "the source must be a FleetModel");
    m_searchCache.clear();
    // Connected before the base class connects its own handlers, so the cache is already
    // correct when QSortFilterProxyModel re-filters the rows these signals announce.
    if (m_fleet) {
        connect(m_fleet, &QAbstractItemModel::rowsAboutToBeInserted, this,
                [this](const QModelIndex&, int first, int last) {
                    ++m_searchEpoch;
                    if (first <= m_searchCache.size() && !m_searchCache.isEmpty())
                        m_searchCache.insert(first, last - first + 1, QString());
                    scheduleSearchBuild();
                });
        connect(m_fleet, &QAbstractItemModel::rowsRemoved, this,
                [this](const QModelIndex&, int first, int last) {
                    ++m_searchEpoch;
                    if (last < m_searchCache.size())
                        m_searchCache.remove(first, last - first + 1);
                    else
                        m_searchCache.clear();
                    scheduleSearchBuild();
                });
        connect(m_fleet, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex& tl, const QModelIndex& br) {
                    // The search text holds the instance, cluster, namespace, project and name
                    // columns' fields (labels and source announce themselves there too); a
                    // status change keeps it. Watch events are mostly status changes, and
                    // dropping their texts made every batch rebuild thousands of them.
                    if (tl.column() > FleetModel::NameColumn)
                        return;
                    dropCache(tl.row(), br.row());
                    if (m_searchBuilding)
                        m_changedDuringBuild.append({tl.row(), br.row()});
                    scheduleSearchBuild();
                });
        connect(m_fleet, &QAbstractItemModel::modelReset, this, [this] {
            ++m_searchEpoch;
            m_searchCache.clear();
            scheduleSearchBuild();
        });
        connect(m_fleet, &QAbstractItemModel::layoutChanged, this, [this] {
            ++m_searchEpoch;
            m_searchCache.clear();
            scheduleSearchBuild();
        });
    }
    ++m_searchEpoch;
    QSortFilterProxyModel::setSourceModel(source);
    scheduleSearchBuild();
}

void FleetFilterProxy::scheduleSearchBuild() {
    if (m_fleet && !m_searchBuilding && !m_searchTimer->isActive())
        m_searchTimer->start();
}

void FleetFilterProxy::startSearchBuild() {
    if (!m_fleet || m_searchBuilding)
        return;
    const int rows = m_fleet->rowCount();
    if (m_searchCache.size() != rows)
        m_searchCache.resize(rows);
    QVector<int> missing;
    for (int r = 0; r < rows; ++r)
        if (m_searchCache.at(r).isNull())
            missing.append(r);
    // A fresh list (every row missing) is always built here. Fewer rows are left to the next
    // free-text filter: a worker holding the row table makes the store's next write copy it
    // (~10 ms at 50,000 rows on the GUI thread), worth it only for a large share of the rows.
    if (missing.isEmpty() || (missing.size() < rows && (missing.size() < kBackgroundSearchRows ||
                                                        missing.size() < rows / 4)))
        return;
    m_searchBuilding = true;
    m_changedDuringBuild.clear();
    // The copies are O(1): the worker reads the rows as they are now, while the store goes on.
    QtConcurrent::run([rowTable = m_fleet->store()->rowTable(), names = m_fleet->instanceNames(),
                       missing] {
        QVector<QString> texts;
        texts.reserve(missing.size());
        for (const int r : missing) {
            if (r >= rowTable.size())
                break;
            const argocd::AppSummary& app = rowTable.at(r);
            texts.append(
                fleet::FleetFilter::searchText(app, names.value(app.instance, app.instance)));
        }
        return texts;
    }).then(this, [this, epoch = m_searchEpoch, missing](QVector<QString> texts) {
        m_searchBuilding = false;
        // Rows inserted, removed or reordered meanwhile: the positions are stale, start over.
        if (epoch == m_searchEpoch && texts.size() == missing.size() &&
            m_searchCache.size() == m_fleet->rowCount()) {
            QBitArray changed(int(m_searchCache.size()));
            for (const auto& [first, last] : std::as_const(m_changedDuringBuild))
                for (int r = std::max(0, first); r <= last && r < changed.size(); ++r)
                    changed.setBit(r);
            for (qsizetype i = 0; i < missing.size(); ++i) {
                const int r = missing.at(i);
                if (!changed.testBit(r) && m_searchCache.at(r).isNull())
                    m_searchCache[r] = std::move(texts[i]);
            }
        }
        m_changedDuringBuild.clear();
        Q_EMIT searchTextBuilt();
        scheduleSearchBuild();
    });
}

bool FleetFilterProxy::searchTextReady() const {
    if (!m_fleet)
        return true;
    if (m_searchBuilding || m_searchCache.size() != m_fleet->rowCount())
        return m_fleet->rowCount() == 0;
    return std::none_of(m_searchCache.cbegin(), m_searchCache.cend(),
                        [](const QString& text) { return text.isNull(); });
}

void FleetFilterProxy::dropCache(int first, int last) {
    last = std::min(last, int(m_searchCache.size()) - 1);
    for (int r = first; r <= last; ++r)
        m_searchCache[r] = QString();
}

void FleetFilterProxy::setFilter(const fleet::FleetFilter& filter) {
    if (filter == m_filter)
        return;
    m_filter = filter;
    invalidateRowsFilter();
    Q_EMIT filterChanged();
}

void FleetFilterProxy::setText(const QString& text) {
    if (text == m_filter.text())
        return;
    m_filter.setText(text);
    invalidateRowsFilter();
    Q_EMIT filterChanged();
}

void FleetFilterProxy::setProblemsOnly(bool on) {
    if (on == m_filter.problemsOnly)
        return;
    m_filter.problemsOnly = on;
    invalidateRowsFilter();
    Q_EMIT filterChanged();
}

void FleetFilterProxy::setFavourites(const QSet<QString>& keys) {
    if (keys == m_favourites)
        return;
    m_favourites = keys;
    if (m_filter.favouritesOnly)
        invalidateRowsFilter();
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, FleetModel::NameColumn),
                           index(rowCount() - 1, FleetModel::NameColumn), {Qt::DisplayRole});
}

const QString& FleetFilterProxy::searchText(int sourceRow) const {
    const int rows = m_fleet->rowCount();
    if (m_searchCache.size() != rows)
        m_searchCache.resize(rows);
    QString& cached = m_searchCache[sourceRow];
    if (cached.isNull()) {
        const argocd::AppSummary& app = m_fleet->app(sourceRow);
        cached = fleet::FleetFilter::searchText(app, m_fleet->instanceName(app.instance));
    }
    return cached;
}

namespace {

int compareText(QStringView a, QStringView b) {
    return a.compare(b, Qt::CaseInsensitive);
}

// Kubernetes object names, namespaces and project names are lower-case DNS labels: a plain
// comparison orders them the same way and costs a fraction of a case-folding one.
int compareName(QStringView a, QStringView b) {
    return a.compare(b, Qt::CaseSensitive);
}

// The cluster column shows destination.name, or the host of destination.server: sort on the
// same text without parsing URLs.
QStringView clusterSortText(const argocd::AppSummary& app) {
    if (!app.destName.isEmpty())
        return app.destName;
    QStringView server = app.destServer;
    if (const qsizetype scheme = server.indexOf(u"://"); scheme >= 0)
        server = server.mid(scheme + 3);
    return server;
}

int syncRank(argocd::SyncStatus s) {
    return s == argocd::SyncStatus::Synced ? 0 : s == argocd::SyncStatus::Unknown ? 1 : 2;
}

// Failed and Error (shown as "Sync failed") sort as the most severe operation outcome.
int operationRank(const argocd::AppSummary& app) {
    if (app.syncFailed())
        return 6;
    switch (app.operationPhase) {
    case argocd::OperationPhase::None:
        return 0;
    case argocd::OperationPhase::Succeeded:
        return 1;
    case argocd::OperationPhase::Running:
        return 3;
    case argocd::OperationPhase::Terminating:
        return 4;
    default:
        return 5;
    }
}

template <typename T>
int compareValues(const T& a, const T& b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

} // namespace

bool FleetFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    if (!m_fleet)
        return QSortFilterProxyModel::lessThan(left, right);
    const argocd::AppSummary& a = m_fleet->app(left.row());
    const argocd::AppSummary& b = m_fleet->app(right.row());
    int c = 0;
    switch (left.column()) {
    case FleetModel::InstanceColumn:
        c = compareText(m_fleet->instanceName(a.instance), m_fleet->instanceName(b.instance));
        break;
    case FleetModel::ClusterColumn:
        c = compareText(clusterSortText(a), clusterSortText(b));
        break;
    case FleetModel::NamespaceColumn:
        c = compareName(a.destNamespace, b.destNamespace);
        break;
    case FleetModel::ProjectColumn:
        c = compareName(a.project, b.project);
        break;
    case FleetModel::NameColumn:
        break; // the tie-break below is the name order
    case FleetModel::SyncColumn:
        c = compareValues(syncRank(a.sync), syncRank(b.sync));
        break;
    case FleetModel::HealthColumn:
        c = compareValues(FleetModel::healthSeverity(a.health),
                          FleetModel::healthSeverity(b.health));
        break;
    case FleetModel::OperationColumn:
        c = compareValues(operationRank(a), operationRank(b));
        break;
    case FleetModel::RevisionColumn:
        c = compareName(a.syncRevision, b.syncRevision);
        break;
    case FleetModel::LastSyncColumn:
        c = compareValues(a.operationFinishedAt, b.operationFinishedAt);
        break;
    default:
        return QSortFilterProxyModel::lessThan(left, right);
    }
    if (c != 0)
        return c < 0;
    if ((c = compareName(a.name, b.name)) != 0)
        return c < 0;
    if ((c = compareName(a.appNamespace, b.appNamespace)) != 0)
        return c < 0;
    return compareName(a.instance, b.instance) < 0;
}

bool FleetFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (sourceParent.isValid() || !m_fleet)
        return false;
    const argocd::AppSummary& app = m_fleet->app(sourceRow);
    // The key is built only when favourites matter.
    const bool favourite =
        m_filter.favouritesOnly && !m_favourites.isEmpty() && m_favourites.contains(app.key());
    if (!m_filter.matchesFacets(app, favourite))
        return false;
    if (m_filter.textTerms().isEmpty())
        return true;
    return m_filter.matchesTerms(searchText(sourceRow));
}

QVariant FleetFilterProxy::data(const QModelIndex& index, int role) const {
    // Favourites carry a star in front of the name; the source model knows nothing about them.
    if (role == Qt::DisplayRole && index.column() == FleetModel::NameColumn &&
        !m_favourites.isEmpty()) {
        const QString name = QSortFilterProxyModel::data(index, role).toString();
        if (m_favourites.contains(
                QSortFilterProxyModel::data(index, FleetModel::KeyRole).toString()))
            return QStringLiteral("★ ") + name;
        return name;
    }
    return QSortFilterProxyModel::data(index, role);
}

} // namespace sextant::models
