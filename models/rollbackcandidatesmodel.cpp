#include "rollbackcandidatesmodel.h"

#include <QColor>
#include <QRegularExpression>

namespace sextant::models {

RollbackCandidatesModel::RollbackCandidatesModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void RollbackCandidatesModel::setCandidates(const QVector<analysis::RollbackCandidate>& candidates,
                                            const QDateTime& now) {
    beginResetModel();
    m_candidates = candidates;
    m_now = now;
    endResetModel();
}

void RollbackCandidatesModel::clear() {
    beginResetModel();
    m_candidates.clear();
    endResetModel();
}

const analysis::RollbackCandidate* RollbackCandidatesModel::candidate(int row) const {
    return row >= 0 && row < m_candidates.size() ? &m_candidates[row] : nullptr;
}

int RollbackCandidatesModel::rowOf(qint64 historyId) const {
    for (int i = 0; i < m_candidates.size(); ++i)
        if (m_candidates[i].id == historyId)
            return i;
    return -1;
}

int RollbackCandidatesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_candidates.size());
}

int RollbackCandidatesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString RollbackCandidatesModel::shortRevision(const QString& revision) {
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{12,64}$"));
    return sha.match(revision).hasMatch() ? revision.left(7) : revision;
}

QString RollbackCandidatesModel::scoreWord(int score) {
    // 50 is where every candidate starts: above it the facts speak for it.
    if (score >= 70)
        return tr("strong");
    if (score >= 50)
        return tr("fair");
    if (score >= 30)
        return tr("weak");
    return tr("poor");
}

QString RollbackCandidatesModel::scoreColor(int score) {
    return score >= 50   ? QStringLiteral("#1e8e3e")
           : score >= 30 ? QStringLiteral("#b06000")
                         : QStringLiteral("#d03030");
}

QVariant RollbackCandidatesModel::data(const QModelIndex& index, int role) const {
    const analysis::RollbackCandidate* c = candidate(index.row());
    if (!c || !index.isValid())
        return {};
    switch (role) {
    case HistoryIdRole:
        return c->id;
    case ScoreRole:
        return c->score;
    case RevisionRole:
        return c->revision;
    case Qt::DisplayRole:
        switch (index.column()) {
        case ScoreColumn:
            return index.row() == 0 ? tr("%1 · best").arg(c->score)
                                    : tr("%1 · %2").arg(c->score).arg(scoreWord(c->score));
        case IdColumn:
            return tr("#%1").arg(c->id);
        case RevisionColumn:
            return shortRevision(c->revision);
        case DeployedColumn: {
            if (!c->deployedAt.isValid())
                return tr("unknown");
            const qint64 ago = c->deployedAt.secsTo(m_now.isValid() ? m_now : c->deployedAt);
            return tr("%1 (%2 ago)")
                .arg(c->deployedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                     analysis::RollbackRanker::humanDuration(std::max<qint64>(ago, 0)));
        }
        case VerifiedColumn:
            return c->verified ? tr("✓ verified") : tr("not verified");
        case ImagesColumn:
            return c->images.isEmpty() ? tr("unknown") : c->images.join(QStringLiteral(", "));
        default:
            return {};
        }
    case Qt::ToolTipRole:
        switch (index.column()) {
        case RevisionColumn:
            return c->revision;
        case VerifiedColumn:
            return c->verified ? tr("The health timeline saw it Healthy for at least an hour "
                                    "without a degraded episode.")
                               : tr("Sextant has not watched this revision long enough to "
                                    "vouch for it (or it degraded while deployed).");
        case ImagesColumn:
            return c->images.join(QLatin1Char('\n'));
        default:
            return c->reasons.join(QLatin1Char('\n'));
        }
    case Qt::ForegroundRole:
        if (index.column() == ScoreColumn)
            return QColor(scoreColor(c->score));
        if (index.column() == VerifiedColumn && c->verified)
            return QColor(QStringLiteral("#1e8e3e"));
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == ScoreColumn || index.column() == IdColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant RollbackCandidatesModel::headerData(int section, Qt::Orientation orientation,
                                             int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ScoreColumn:
        return tr("Score");
    case IdColumn:
        return tr("History");
    case RevisionColumn:
        return tr("Revision");
    case DeployedColumn:
        return tr("Deployed");
    case VerifiedColumn:
        return tr("Verified");
    case ImagesColumn:
        return tr("Images");
    default:
        return {};
    }
}

} // namespace sextant::models
