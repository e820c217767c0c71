#include "releasematrixmodel.h"

#include "fleetmodel.h"

#include <QRegularExpression>

namespace sextant::models {

using release::ReleaseCell;
using release::ReleaseRow;
using release::StepStatus;

namespace {

// The release version of a row in the words the cells use: the image tag, else the revision.
QString rowVersion(const QStringList& images, const QString& revision) {
    for (const QString& image : images)
        if (const QString tag = ReleaseMatrixModel::imageTag(image); !tag.isEmpty())
            return tag;
    return ReleaseMatrixModel::shortRevision(revision);
}

// A symbol with the step status, so the state does not hang on the tint alone.
QString stepWord(StepStatus s) {
    switch (s) {
    case StepStatus::None:
        return {};
    case StepStatus::Waiting:
        return QObject::tr("waiting");
    case StepStatus::Pending:
        return QObject::tr("pending");
    case StepStatus::Progressing:
        return QObject::tr("progressing");
    case StepStatus::Healthy:
        return QObject::tr("done");
    }
    return {};
}

} // namespace

ReleaseMatrixModel::ReleaseMatrixModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void ReleaseMatrixModel::setMatrix(const release::ReleaseMatrix& matrix) {
    beginResetModel();
    m_matrix = matrix;
    endResetModel();
}

void ReleaseMatrixModel::clear() {
    beginResetModel();
    m_matrix = {};
    endResetModel();
}

const ReleaseCell* ReleaseMatrixModel::cell(int row, int column) const {
    if (row < 0 || row >= m_matrix.rows.size() || column < 0)
        return nullptr;
    const ReleaseRow& r = m_matrix.rows[row];
    if (column >= r.cells.size())
        return nullptr;
    const int i = r.cells[column];
    return i >= 0 && i < m_matrix.cells.size() ? &m_matrix.cells[i] : nullptr;
}

QModelIndex ReleaseMatrixModel::indexOfCell(int cellIndex) const {
    if (cellIndex < 0)
        return {};
    for (int row = 0; row < m_matrix.rows.size(); ++row) {
        const int column = int(m_matrix.rows[row].cells.indexOf(cellIndex));
        if (column >= 0 && column < m_matrix.columns.size())
            return index(row, column);
    }
    return {};
}

int ReleaseMatrixModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_matrix.rows.size());
}

int ReleaseMatrixModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_matrix.columns.size());
}

QString ReleaseMatrixModel::shortRevision(const QString& revision) {
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{12,64}$"));
    return sha.match(revision).hasMatch() ? revision.left(7) : revision;
}

QString ReleaseMatrixModel::imageTag(const QString& image) {
    const qsizetype at = image.indexOf(QLatin1Char('@'));
    if (at >= 0) {
        // name@sha256:abc… — the digest is the version; 7 hex digits tell two apart.
        const QString digest = image.mid(at + 1);
        const qsizetype colon = digest.indexOf(QLatin1Char(':'));
        return colon < 0 ? digest.left(7) : digest.left(colon + 8);
    }
    // The tag follows the last ':' after the last '/' (a registry port has a '/' after it).
    const qsizetype slash = image.lastIndexOf(QLatin1Char('/'));
    const qsizetype colon = image.lastIndexOf(QLatin1Char(':'));
    return colon > slash ? image.mid(colon + 1) : QString();
}

QString ReleaseMatrixModel::versionLabel(const argocd::AppSummary& app) {
    return rowVersion(app.images, app.syncRevision);
}

QColor ReleaseMatrixModel::statusColor(const ReleaseCell& cell) {
    const argocd::AppSummary& app = cell.app;
    if (!cell.outlierReasons.isEmpty() || app.syncFailed() ||
        app.health == argocd::HealthStatus::Degraded || app.health == argocd::HealthStatus::Missing)
        return FleetModel::healthColor(argocd::HealthStatus::Degraded);
    if (app.sync == argocd::SyncStatus::OutOfSync)
        return FleetModel::syncColor(argocd::SyncStatus::OutOfSync);
    if (app.health == argocd::HealthStatus::Progressing ||
        app.operationPhase == argocd::OperationPhase::Running)
        return FleetModel::healthColor(argocd::HealthStatus::Progressing);
    if (app.health == argocd::HealthStatus::Healthy && app.sync == argocd::SyncStatus::Synced)
        return FleetModel::healthColor(argocd::HealthStatus::Healthy);
    return FleetModel::healthColor(argocd::HealthStatus::Unknown);
}

QString ReleaseMatrixModel::accessibleText(const ReleaseCell& cell) {
    const argocd::AppSummary& app = cell.app;
    QString text = tr("%1 on %2: runs %3, %4, %5")
                       .arg(cell.component, cell.cluster, versionLabel(app),
                            argocd::toString(app.health), argocd::toString(app.sync));
    if (cell.step > 0)
        text += tr(", step %1 %2").arg(cell.step).arg(stepWord(cell.stepStatus));
    if (!cell.outlierReasons.isEmpty())
        text += tr(". Outlier: %1").arg(cell.outlierReasons.join(QStringLiteral("; ")));
    return text;
}

QString ReleaseMatrixModel::tooltip(const ReleaseCell& cell, const ReleaseRow& row) {
    const argocd::AppSummary& app = cell.app;
    QStringList lines;
    lines << tr("Application: %1 (%2)").arg(app.name, app.key());
    lines << tr("Cluster: %1 · environment %2")
                 .arg(cell.cluster, cell.environment.isEmpty() ? tr("unknown") : cell.environment);
    QString revision =
        tr("Revision: %1").arg(app.syncRevision.isEmpty() ? tr("unknown") : app.syncRevision);
    if (!row.releaseRevision.isEmpty())
        revision +=
            cell.onReleaseRevision
                ? tr(" (the release)")
                : tr(" (release is %1)").arg(rowVersion(row.releaseImages, row.releaseRevision));
    lines << revision;
    lines << tr("Images: %1")
                 .arg(app.images.isEmpty() ? tr("none reported")
                                           : app.images.join(QStringLiteral(", ")));
    lines << tr("Sync: %1").arg(argocd::toString(app.sync));
    QString health = tr("Health: %1").arg(argocd::toString(app.health));
    if (!app.healthMessage.isEmpty())
        health += QStringLiteral(" — ") + app.healthMessage;
    lines << health;
    if (app.operationPhase != argocd::OperationPhase::None)
        lines << tr("Last operation: %1").arg(argocd::toString(app.operationPhase));
    if (cell.step > 0) {
        QString step = tr("RollingSync step %1: %2")
                           .arg(cell.step)
                           .arg(release::toString(cell.stepStatus).isEmpty()
                                    ? tr("no status")
                                    : release::toString(cell.stepStatus));
        if (!cell.stepMessage.isEmpty())
            step += QStringLiteral(" — ") + cell.stepMessage;
        lines << step;
    }
    for (const QString& reason : cell.outlierReasons)
        lines << tr("⚠ Outlier: %1").arg(reason);
    return lines.join(QLatin1Char('\n'));
}

QVariant ReleaseMatrixModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_matrix.rows.size() ||
        index.column() >= m_matrix.columns.size())
        return {};
    const ReleaseRow& row = m_matrix.rows[index.row()];
    const ReleaseCell* c = cell(index.row(), index.column());
    const int cellIndex = index.column() < row.cells.size() ? row.cells[index.column()] : -1;
    if (!c) {
        switch (role) {
        case Qt::DisplayRole:
            return QStringLiteral("—");
        case Qt::ToolTipRole:
        case Qt::AccessibleTextRole:
            return tr("%1 is not deployed on %2")
                .arg(row.component, m_matrix.columns[index.column()].cluster);
        case CellIndexRole:
            return -1;
        case OutlierRole:
            return false;
        case Qt::TextAlignmentRole:
            return int(Qt::AlignCenter);
        default:
            return {};
        }
    }
    const argocd::AppSummary& app = c->app;
    switch (role) {
    case Qt::DisplayRole: {
        // Three short lines: what runs, how it is, where the rollout is. A warning sign marks an
        // outlier in the text itself (not by colour alone).
        QString version = versionLabel(app);
        if (!row.releaseRevision.isEmpty())
            version += c->onReleaseRevision ? tr(" ✓ release") : tr(" (previous)");
        QStringList lines;
        lines << (c->outlierReasons.isEmpty() ? version : QStringLiteral("⚠ ") + version);
        QString state =
            argocd::toString(app.health) + QStringLiteral(" · ") + argocd::toString(app.sync);
        if (app.syncFailed())
            state +=
                QStringLiteral(" · ") + tr("sync %1").arg(argocd::toString(app.operationPhase));
        lines << state;
        if (c->step > 0)
            lines << tr("step %1 %2").arg(c->step).arg(stepWord(c->stepStatus));
        return lines.join(QLatin1Char('\n'));
    }
    case Qt::ToolTipRole:
        return tooltip(*c, row);
    case Qt::AccessibleTextRole:
        return accessibleText(*c);
    case Qt::BackgroundRole: {
        // A light wash of the status colour: readable under light and dark palettes alike.
        QColor color = statusColor(*c);
        color.setAlpha(c->outlierReasons.isEmpty() ? 40 : 90);
        return color;
    }
    case Qt::TextAlignmentRole:
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    case CellIndexRole:
        return cellIndex;
    case OutlierRole:
        return !c->outlierReasons.isEmpty();
    case StatusColorRole:
        return statusColor(*c);
    case AppKeyRole:
        return app.key();
    case StepRole:
        return c->step;
    default:
        return {};
    }
}

QVariant ReleaseMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal) {
        if (section < 0 || section >= m_matrix.columns.size())
            return {};
        const release::ReleaseColumn& column = m_matrix.columns[section];
        const QString env = column.environment.isEmpty() ? tr("env ?") : column.environment;
        switch (role) {
        case Qt::DisplayRole:
            return column.step > 0
                       ? tr("%1\nStep %2 · %3").arg(column.cluster).arg(column.step).arg(env)
                       : tr("%1\n%2").arg(column.cluster, env);
        case Qt::ToolTipRole:
        case Qt::AccessibleTextRole:
            return column.step > 0 ? tr("Cluster %1, environment %2, RollingSync step %3")
                                         .arg(column.cluster, env)
                                         .arg(column.step)
                                   : tr("Cluster %1, environment %2").arg(column.cluster, env);
        case StepRole:
            return column.step;
        default:
            return {};
        }
    }
    if (section < 0 || section >= m_matrix.rows.size())
        return {};
    const ReleaseRow& row = m_matrix.rows[section];
    const QString release = rowVersion(row.releaseImages, row.releaseRevision);
    const QString previous = rowVersion(row.previousImages, row.previousRevision);
    switch (role) {
    case Qt::DisplayRole:
        if (release.isEmpty())
            return row.component;
        return previous.isEmpty() ? tr("%1\nrelease %2").arg(row.component, release)
                                  : tr("%1\n%2 → %3").arg(row.component, previous, release);
    case Qt::ToolTipRole:
    case Qt::AccessibleTextRole: {
        QString text = tr("Component %1").arg(row.component);
        if (!row.releaseRevision.isEmpty())
            text += tr(", rolling out %1 (revision %2)").arg(release, row.releaseRevision);
        if (!row.previousRevision.isEmpty())
            text += tr(", replacing %1 (revision %2)").arg(previous, row.previousRevision);
        return text;
    }
    default:
        return {};
    }
}

} // namespace sextant::models
