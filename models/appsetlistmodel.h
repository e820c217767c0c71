#pragma once

#include "release/releasematrix.h"

#include <QAbstractTableModel>
#include <QHash>

namespace sextant::models {

// The ApplicationSets of every instance, one row each (release::AppSetSummary): instance, name,
// strategy, RollingSync step, applications, health and the most telling condition. The list is
// fetched in one piece per refresh and replaces the previous one (reset). Sorting and filtering
// belong to a proxy: SortRole gives typed values, SearchTextRole the text to match.
class AppSetListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        InstanceColumn,
        NameColumn,
        StrategyColumn,
        StepColumn,
        AppsColumn,
        HealthColumn,
        MessageColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // typed value for sorting
        SearchTextRole,              // instance, name, namespace, strategy, health, message
        KeyRole,                     // "instance/namespace/name"
    };

    explicit AppSetListModel(QObject* parent = nullptr);

    void setApplicationSets(const QVector<release::AppSetSummary>& sets);
    const QVector<release::AppSetSummary>& applicationSets() const { return m_sets; }
    const release::AppSetSummary* appSet(int row) const;
    int rowOf(const QString& key) const; // -1 when absent
    static QString key(const release::AppSetSummary& set);
    // Instance ids are stable keys (UUIDs for saved instances); rows show these names instead.
    void setInstanceNames(const QHash<QString, QString>& names);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QString instanceName(const QString& id) const { return m_instanceNames.value(id, id); }

    QVector<release::AppSetSummary> m_sets;
    QHash<QString, QString> m_instanceNames;
};

} // namespace sextant::models
