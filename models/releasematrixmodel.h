#pragma once

#include "release/releasematrix.h"

#include <QAbstractTableModel>
#include <QColor>

namespace sextant::models {

// One release matrix (release::ReleaseMatrix) as a table: a row per component, a column per
// destination cluster (ordered as the matrix orders them: RollingSync step, environment, name).
// A cell summarises what that cluster runs in a few short lines; its tool tip has everything.
// A matrix is computed in one piece by the release review and replaces the previous one (reset,
// no diffing: the review is a snapshot, not a live store).
class ReleaseMatrixModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role {
        CellIndexRole = Qt::UserRole + 1, // int: index into ReleaseMatrix::cells, -1 = no app
        OutlierRole,                      // bool: the cell has outlier reasons
        StatusColorRole,                  // QColor: outlier/health/sync colour; invalid = none
        AppKeyRole,                       // AppSummary::key() of the cell's application
        StepRole,                         // int: the cell's (header: the column's) step
    };

    explicit ReleaseMatrixModel(QObject* parent = nullptr);

    void setMatrix(const release::ReleaseMatrix& matrix);
    void clear();
    const release::ReleaseMatrix& matrix() const { return m_matrix; }
    // The cell at a model position, or nullptr when the component has no application there.
    const release::ReleaseCell* cell(int row, int column) const;
    // The model position of ReleaseMatrix::cells[cellIndex]; invalid when absent.
    QModelIndex indexOfCell(int cellIndex) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // What a person calls the version an application runs: the tag of its first image
    // ("registry/payments-api:1.5.0" -> "1.5.0"), else its short revision.
    static QString versionLabel(const argocd::AppSummary& app);
    // The first 7 characters of a Git SHA; other revisions (tags, chart versions) unchanged.
    static QString shortRevision(const QString& revision);
    // "registry/payments-api:1.5.0" -> "1.5.0"; a digest -> "sha256:1a2b3c4"; no tag -> "".
    static QString imageTag(const QString& image);
    // The colour a cell is tinted with: red for an outlier, a failed sync or Degraded/Missing,
    // orange for OutOfSync, blue for Progressing, green for Healthy and Synced.
    static QColor statusColor(const release::ReleaseCell& cell);
    // The one-line summary a screen reader reads for a cell.
    static QString accessibleText(const release::ReleaseCell& cell);
    static QString tooltip(const release::ReleaseCell& cell, const release::ReleaseRow& row);

private:
    release::ReleaseMatrix m_matrix;
};

} // namespace sextant::models
