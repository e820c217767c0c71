#pragma once

#include "incident/alertmatch.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QSortFilterProxyModel>

namespace sextant::models {

// Alerts from Alertmanager with the applications they were mapped to (incident::AlertMapping).
// Rows are keyed by fingerprint: a refresh removes the alerts that are gone, updates the ones
// that changed (dataChanged only for those) and appends new ones, so the selection and the
// scroll position survive the periodic refresh. Sorting and filtering: AlertsFilterProxy.
class AlertsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        SeverityColumn,
        AlertColumn,
        StateColumn,
        StartedColumn,
        ApplicationColumn,
        ReasonColumn,
        ColumnCount
    };
    enum Role {
        FingerprintRole = Qt::UserRole + 1,
        SeverityRole,     // "critical", "warning", "info", "none"
        SeverityRankRole, // 0 critical .. 3 none (sorting)
        StateRole,        // "firing", "silenced", "inhibited"
        StartsAtRole,     // QDateTime
        MappedRole,       // bool
        AppKeysRole,      // QStringList, best match first
    };

    explicit AlertsModel(QObject* parent = nullptr);

    void setMappings(const QVector<incident::AlertMapping>& mappings);
    void clear();
    // "Started" is shown relative to this time (the time of the last refresh).
    void setReferenceTime(const QDateTime& now);
    QDateTime referenceTime() const { return m_now; }

    const incident::AlertMapping* mapping(int row) const;
    int rowOf(const QString& fingerprint) const;
    const QVector<incident::AlertMapping>& mappings() const { return m_rows; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // "firing", "silenced" (a silence matches), "inhibited" (another alert inhibits it).
    static QString stateOf(const metrics::Alert& alert);
    static int severityRank(const QString& severity);

private:
    static bool sameRow(const incident::AlertMapping& a, const incident::AlertMapping& b);

    QVector<incident::AlertMapping> m_rows;
    QDateTime m_now;
};

// Filters by state and minimum severity; sorts by the column's natural order (severity rank,
// start time) rather than display text.
class AlertsFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class StateFilter { All, Firing, Silenced };

    explicit AlertsFilterProxy(QObject* parent = nullptr);
    void setStateFilter(StateFilter filter);
    // Show this severity and more severe ones: "critical", "warning", "info"; "" = all.
    void setMinimumSeverity(const QString& severity);
    StateFilter stateFilter() const { return m_state; }
    QString minimumSeverity() const { return m_minSeverity; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    StateFilter m_state = StateFilter::All;
    QString m_minSeverity;
};

} // namespace sextant::models
