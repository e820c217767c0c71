#include "appsetlistmodel.h"

#include "fleetmodel.h"

#include <QColor>

namespace sextant::models {

using release::AppSetSummary;

AppSetListModel::AppSetListModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void AppSetListModel::setApplicationSets(const QVector<AppSetSummary>& sets) {
    beginResetModel();
    m_sets = sets;
    endResetModel();
}

void AppSetListModel::setInstanceNames(const QHash<QString, QString>& names) {
    m_instanceNames = names;
    if (!m_sets.isEmpty())
        Q_EMIT dataChanged(index(0, InstanceColumn), index(int(m_sets.size()) - 1, InstanceColumn));
}

const AppSetSummary* AppSetListModel::appSet(int row) const {
    return row >= 0 && row < m_sets.size() ? &m_sets[row] : nullptr;
}

QString AppSetListModel::key(const AppSetSummary& set) {
    return set.instance + QLatin1Char('/') + set.appsetNamespace + QLatin1Char('/') + set.name;
}

int AppSetListModel::rowOf(const QString& k) const {
    for (int i = 0; i < m_sets.size(); ++i)
        if (key(m_sets[i]) == k)
            return i;
    return -1;
}

int AppSetListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_sets.size());
}

int AppSetListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AppSetListModel::data(const QModelIndex& index, int role) const {
    const AppSetSummary* s = index.isValid() ? appSet(index.row()) : nullptr;
    if (!s)
        return {};
    const bool rolling = s->steps > 0;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case InstanceColumn:
            return instanceName(s->instance);
        case NameColumn:
            return s->name;
        case StrategyColumn:
            return s->strategy;
        case StepColumn:
            if (!rolling)
                return QStringLiteral("—");
            return s->currentStep > 0 ? tr("%1/%2").arg(s->currentStep).arg(s->steps)
                                      : tr("done (%1)").arg(s->steps);
        case AppsColumn:
            return s->applications;
        case HealthColumn:
            return s->health.isEmpty() ? tr("unknown") : s->health;
        case MessageColumn:
            return s->message;
        default:
            return {};
        }
    case SortRole:
        switch (index.column()) {
        case InstanceColumn:
            return instanceName(s->instance).toLower();
        case NameColumn:
            return s->name.toLower();
        case StrategyColumn:
            return s->strategy;
        case StepColumn:
            // In progress first by step, then finished, then sets without steps.
            return !rolling ? 10000 : s->currentStep > 0 ? s->currentStep : 9000;
        case AppsColumn:
            return s->applications;
        case HealthColumn: // ascending = worst first
            return -FleetModel::healthSeverity(argocd::healthStatusFromString(s->health));
        case MessageColumn:
            return s->message;
        default:
            return {};
        }
    case SearchTextRole:
        return QStringList{instanceName(s->instance),
                           s->name,
                           s->appsetNamespace,
                           s->strategy,
                           s->health,
                           s->message}
            .join(QLatin1Char(' '))
            .toLower();
    case KeyRole:
        return key(*s);
    case Qt::ToolTipRole: {
        QString text = tr("%1 in namespace %2 on %3")
                           .arg(s->name, s->appsetNamespace, instanceName(s->instance));
        text +=
            QLatin1Char('\n') +
            (rolling ? tr("RollingSync, %1 steps; %2")
                           .arg(s->steps)
                           .arg(s->currentStep > 0 ? tr("rolling out step %1").arg(s->currentStep)
                                                   : tr("no step in progress"))
                     : tr("Strategy: %1 (every application syncs on its own)").arg(s->strategy));
        text += QLatin1Char('\n') + tr("%n application(s)", nullptr, s->applications);
        if (!s->message.isEmpty())
            text += QLatin1Char('\n') + s->message;
        return text;
    }
    case Qt::ForegroundRole:
        if (index.column() == HealthColumn && !s->health.isEmpty())
            return FleetModel::healthColor(argocd::healthStatusFromString(s->health));
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == AppsColumn || index.column() == StepColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant AppSetListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case InstanceColumn:
        return tr("Instance");
    case NameColumn:
        return tr("ApplicationSet");
    case StrategyColumn:
        return tr("Strategy");
    case StepColumn:
        return tr("Step");
    case AppsColumn:
        return tr("Apps");
    case HealthColumn:
        return tr("Health");
    case MessageColumn:
        return tr("Message");
    default:
        return {};
    }
}

} // namespace sextant::models
