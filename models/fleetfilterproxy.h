#pragma once

#include <QSortFilterProxyModel>

namespace sextant::models {

// Sorts the fleet table on any column and filters by free text and "problems only"
// (OutOfSync, not Healthy, or a failed sync). Source rows stay stable; only the proxy moves.
class FleetFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit FleetFilterProxy(QObject* parent = nullptr);

    void setText(const QString& text);
    QString text() const { return m_text; }
    void setProblemsOnly(bool on);
    bool problemsOnly() const { return m_problemsOnly; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QStringList m_terms;
    QString m_text;
    bool m_problemsOnly = false;
};

} // namespace sextant::models
