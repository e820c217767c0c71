#pragma once

#include "policy/policyengine.h"

#include <QAbstractTableModel>

#include <vector>

namespace sextant::models {

// The policy results of one application (the Policy tab of the application detail), most severe
// first: severity, rule, object, message and whether a fix is offered. A run is computed in one
// piece off the GUI thread and replaces the previous one (reset, no diffing).
class PolicyResultsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { SeverityColumn, RuleColumn, ObjectColumn, MessageColumn, FixColumn, ColumnCount };
    enum Role {
        RuleIdRole = Qt::UserRole + 1, // QString
        SeverityRole,                  // int: policy::Severity
    };

    explicit PolicyResultsModel(QObject* parent = nullptr);

    // Sorts by severity (errors first), then rule, kind, namespace, name and container.
    void setResults(std::vector<policy::Violation> results);
    void clear();
    const policy::Violation* result(int row) const;
    // Results of each severity.
    int count(policy::Severity severity) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // "Deployment payments/web" plus " · container app" for container results.
    static QString objectText(const policy::Violation& v);
    // "add runAsNonRoot: true" for "add spec/template/.../runAsNonRoot: true".
    static QString shortFix(const QString& description);
    // Red for errors, orange for warnings, grey-blue for info (readable on light and dark).
    static QString severityColor(policy::Severity severity);

private:
    std::vector<policy::Violation> m_results;
};

} // namespace sextant::models
