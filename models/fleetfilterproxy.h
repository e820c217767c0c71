#pragma once

#include "fleet/fleetfilter.h"

#include <QSet>
#include <QSortFilterProxyModel>
#include <QVector>

class QTimer;

namespace sextant::models {

class FleetModel;

// Sorts the fleet table on any column and filters it with a fleet::FleetFilter (facets, labels,
// favourites, free text, "problems only"). Source rows stay stable; only the proxy moves.
//
// Filtering reads the store's rows directly (no QVariant round trip). The lower-case search text
// is cached per source row and dropped for rows the source reports as changed, inserted or
// removed. When many rows lack it (a list or the local cache just arrived: 50,000 rows take
// ~80 ms), it is built on a worker thread from an implicitly shared copy of the store's rows,
// so the first typed character filters as fast as the next ones; a few missing rows (watch
// events that moved an application) are built on demand by the next free-text filter, as
// before. Status changes keep the text: it holds no status.
class FleetFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit FleetFilterProxy(QObject* parent = nullptr);

    // Must be a FleetModel.
    void setSourceModel(QAbstractItemModel* source) override;

    void setFilter(const fleet::FleetFilter& filter);
    const fleet::FleetFilter& filter() const { return m_filter; }

    // Shorthands for the toolbar's text box and "Problems only"; they change filter() in place.
    void setText(const QString& text);
    QString text() const { return m_filter.text(); }
    void setProblemsOnly(bool on);
    bool problemsOnly() const { return m_filter.problemsOnly; }

    // Application keys (AppSummary::key()) marked as favourites.
    void setFavourites(const QSet<QString>& keys);
    const QSet<QString>& favourites() const { return m_favourites; }
    bool isFavourite(const QString& key) const { return m_favourites.contains(key); }

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

    // Every source row has its search text (the background build, if any, is done).
    bool searchTextReady() const;
    // Fewer rows than this (or than a quarter of all) without a search text are left to the
    // next free-text filter; a fresh list is always built in the background.
    static constexpr int kBackgroundSearchRows = 1000;

Q_SIGNALS:
    void filterChanged();
    // A background build of search texts finished and its texts are in the cache.
    void searchTextBuilt();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    // Compares the store's fields directly: no QVariant or display string per comparison, so a
    // re-sort of 50,000 rows stays cheap. Ties fall back to name and instance (stable order).
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    const QString& searchText(int sourceRow) const;
    void dropCache(int first, int last);
    void scheduleSearchBuild();
    void startSearchBuild();

    FleetModel* m_fleet = nullptr;
    fleet::FleetFilter m_filter;
    QSet<QString> m_favourites;
    // Per source row; a null QString means "not built yet".
    mutable QVector<QString> m_searchCache;
    QTimer* m_searchTimer = nullptr;
    // Bumps when source rows are inserted, removed or reordered: a build started before that
    // has texts for rows that are no longer where it thinks.
    quint64 m_searchEpoch = 0;
    bool m_searchBuilding = false;
    QVector<std::pair<int, int>> m_changedDuringBuild; // source rows changed while it ran
};

} // namespace sextant::models
