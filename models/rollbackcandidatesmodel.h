#pragma once

#include "analysis/rollbackranker.h"

#include <QAbstractTableModel>
#include <QDateTime>

namespace sextant::models {

// The ranked rollback candidates of one application, best first: score, history id, revision,
// when it was deployed, whether the health timeline verified it, its images. A ranking is
// computed in one piece off the GUI thread and replaces the previous one (reset, no diffing).
class RollbackCandidatesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ScoreColumn,
        IdColumn,
        RevisionColumn,
        DeployedColumn,
        VerifiedColumn,
        ImagesColumn,
        ColumnCount
    };
    enum Role {
        HistoryIdRole = Qt::UserRole + 1, // qint64
        ScoreRole,                        // int 0..100
        RevisionRole,                     // full revision
    };

    explicit RollbackCandidatesModel(QObject* parent = nullptr);

    void setCandidates(const QVector<analysis::RollbackCandidate>& candidates,
                       const QDateTime& now = QDateTime::currentDateTimeUtc());
    void clear();
    const analysis::RollbackCandidate* candidate(int row) const;
    int rowOf(qint64 historyId) const; // -1 when absent

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The first 7 characters of a Git SHA; other revisions (Helm chart versions) unchanged.
    static QString shortRevision(const QString& revision);
    // A word for a score: strong ≥ 70, fair ≥ 50 (the neutral start), weak ≥ 30, else poor.
    static QString scoreWord(int score);
    // Green at or above the neutral 50, orange down to 30, red below.
    static QString scoreColor(int score);

private:
    QVector<analysis::RollbackCandidate> m_candidates;
    QDateTime m_now;
};

} // namespace sextant::models
