#pragma once

#include "analysis/evidence.h"

#include <QAbstractTableModel>

#include <memory>

namespace sextant::models {

// The findings of one diagnosis as a table: confidence, category, summary, resource. A diagnosis
// is computed in one piece off the GUI thread and replaces the previous one, so the model resets
// instead of diffing rows.
class FindingsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { ConfidenceColumn, CategoryColumn, SummaryColumn, ResourceColumn, ColumnCount };
    enum Role {
        ConfidenceRole = Qt::UserRole + 1, // double 0..1
        CategoryRole,                      // taxonomy id
        SignatureRole,
        FixKindRole,
        EvidenceCountRole,
    };

    explicit FindingsModel(QObject* parent = nullptr);

    void setDiagnosis(std::shared_ptr<const analysis::Diagnosis> diagnosis);
    void clear();
    const analysis::Diagnosis* diagnosis() const { return m_diagnosis.get(); }
    std::shared_ptr<const analysis::Diagnosis> diagnosisPtr() const { return m_diagnosis; }
    const analysis::Finding* finding(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // "high" (≥ 0.8), "medium" (≥ 0.5) or "low": the words shown next to the percentage.
    static QString confidenceWord(double confidence);
    // "ImagePullNotFound" -> "Image pull: not found"; unknown ids are split on capitals.
    static QString categoryTitle(const QString& category);

private:
    std::shared_ptr<const analysis::Diagnosis> m_diagnosis;
};

} // namespace sextant::models
