#include "alertsmodel.h"

#include "incident/incidenttimeline.h"

#include <QColor>
#include <QFont>
#include <QSet>

namespace sextant::models {

using incident::AlertMapping;

AlertsModel::AlertsModel(QObject* parent)
    : QAbstractTableModel(parent)
    , m_now(QDateTime::currentDateTimeUtc()) {}

QString AlertsModel::stateOf(const metrics::Alert& alert) {
    if (alert.silenced())
        return QStringLiteral("silenced");
    if (alert.inhibited())
        return QStringLiteral("inhibited");
    return QStringLiteral("firing");
}

int AlertsModel::severityRank(const QString& severity) {
    if (severity == QLatin1String("critical"))
        return 0;
    if (severity == QLatin1String("warning"))
        return 1;
    if (severity == QLatin1String("info"))
        return 2;
    return 3;
}

bool AlertsModel::sameRow(const AlertMapping& a, const AlertMapping& b) {
    if (a.alert.labels != b.alert.labels || a.alert.annotations != b.alert.annotations ||
        a.alert.startsAt != b.alert.startsAt || a.alert.endsAt != b.alert.endsAt ||
        a.alert.silencedBy != b.alert.silencedBy || a.alert.inhibitedBy != b.alert.inhibitedBy ||
        a.alert.state != b.alert.state || a.unmappedReason != b.unmappedReason ||
        a.matches.size() != b.matches.size())
        return false;
    for (int i = 0; i < a.matches.size(); ++i)
        if (a.matches[i].appKey != b.matches[i].appKey ||
            a.matches[i].score != b.matches[i].score ||
            a.matches[i].reasons != b.matches[i].reasons)
            return false;
    return true;
}

void AlertsModel::setMappings(const QVector<AlertMapping>& mappings) {
    QHash<QString, int> incoming;
    for (int i = 0; i < mappings.size(); ++i)
        incoming.insert(mappings[i].alert.fingerprint, i);
    // Gone: remove, bottom up, merging neighbouring rows into one range.
    for (int row = m_rows.size() - 1; row >= 0;) {
        if (incoming.contains(m_rows[row].alert.fingerprint)) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !incoming.contains(m_rows[first - 1].alert.fingerprint))
            --first;
        beginRemoveRows({}, first, row);
        m_rows.remove(first, row - first + 1);
        endRemoveRows();
        row = first - 1;
    }
    // Kept: update in place, signalling only rows that changed.
    QSet<QString> present;
    for (int row = 0; row < m_rows.size(); ++row) {
        const AlertMapping& next = mappings[incoming.value(m_rows[row].alert.fingerprint)];
        present.insert(next.alert.fingerprint);
        if (sameRow(m_rows[row], next))
            continue;
        m_rows[row] = next;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    // New: appended in the order given.
    QVector<AlertMapping> added;
    for (const AlertMapping& m : mappings)
        if (!present.contains(m.alert.fingerprint))
            added.push_back(m);
    if (!added.isEmpty()) {
        beginInsertRows({}, m_rows.size(), m_rows.size() + added.size() - 1);
        m_rows += added;
        endInsertRows();
    }
}

void AlertsModel::clear() {
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

void AlertsModel::setReferenceTime(const QDateTime& now) {
    if (now == m_now)
        return;
    m_now = now;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, StartedColumn), index(m_rows.size() - 1, StartedColumn),
                           {Qt::DisplayRole});
}

const AlertMapping* AlertsModel::mapping(int row) const {
    return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr;
}

int AlertsModel::rowOf(const QString& fingerprint) const {
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].alert.fingerprint == fingerprint)
            return i;
    return -1;
}

int AlertsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AlertsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AlertsModel::data(const QModelIndex& index, int role) const {
    const AlertMapping* m = mapping(index.row());
    if (!m)
        return {};
    const metrics::Alert& a = m->alert;
    const QString severity = incident::alertSeverity(a);
    switch (role) {
    case FingerprintRole:
        return a.fingerprint;
    case SeverityRole:
        return severity;
    case SeverityRankRole:
        return severityRank(severity);
    case StateRole:
        return stateOf(a);
    case StartsAtRole:
        return a.startsAt;
    case MappedRole:
        return m->mapped();
    case AppKeysRole: {
        QStringList keys;
        for (const incident::AppMatch& x : m->matches)
            keys << x.appKey;
        return keys;
    }
    default:
        break;
    }
    const int col = index.column();
    if (role == Qt::DisplayRole) {
        switch (col) {
        case SeverityColumn:
            return severity == QLatin1String("none") ? QString() : severity;
        case AlertColumn:
            return a.name();
        case StateColumn:
            return stateOf(a);
        case StartedColumn:
            if (!a.startsAt.isValid())
                return QString();
            return QStringLiteral("%1 ago").arg(incident::durationText(a.startsAt.secsTo(m_now)));
        case ApplicationColumn:
            if (!m->mapped())
                return QStringLiteral("— no app —");
            if (m->matches.size() == 1)
                return m->matches.first().appName;
            return QStringLiteral("%1 +%2")
                .arg(m->matches.first().appName)
                .arg(m->matches.size() - 1);
        case ReasonColumn:
            if (m->mapped())
                return m->matches.first().topReason();
            // The column already says there is no application; the list shows why.
            return QString(m->unmappedReason).remove(QStringLiteral("no application matches: "));
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (col) {
        case AlertColumn:
            return a.annotations.value(QStringLiteral("summary"), incident::alertSubject(a));
        case StartedColumn:
            return a.startsAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
        case ApplicationColumn: {
            QStringList lines;
            for (const incident::AppMatch& x : m->matches)
                lines << QStringLiteral("%1 (%2/%3, score %4)")
                             .arg(x.appName, x.cluster, x.destNamespace)
                             .arg(x.score);
            return lines.isEmpty() ? m->unmappedReason : lines.join(QLatin1Char('\n'));
        }
        case ReasonColumn:
            return m->mapped() ? m->matches.first().reasons.join(QLatin1Char('\n'))
                               : m->unmappedReason;
        default:
            return {};
        }
    }
    if (role == Qt::ForegroundRole) {
        if (col == SeverityColumn && severity == QLatin1String("critical"))
            return QColor(0xc6, 0x28, 0x28);
        if (col == SeverityColumn && severity == QLatin1String("warning"))
            return QColor(0xb2, 0x6a, 0x00);
        if (col == StateColumn && stateOf(a) != QLatin1String("firing"))
            return QColor(0x75, 0x75, 0x75);
        if (col == ApplicationColumn && !m->mapped())
            return QColor(0x75, 0x75, 0x75);
    }
    if (role == Qt::FontRole && col == AlertColumn && stateOf(a) == QLatin1String("firing")) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

QVariant AlertsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case AlertColumn:
        return tr("Alert");
    case StateColumn:
        return tr("State");
    case StartedColumn:
        return tr("Started");
    case ApplicationColumn:
        return tr("Application");
    case ReasonColumn:
        return tr("Why this application");
    default:
        return {};
    }
}

AlertsFilterProxy::AlertsFilterProxy(QObject* parent)
    : QSortFilterProxyModel(parent) {}

void AlertsFilterProxy::setStateFilter(StateFilter filter) {
    if (filter == m_state)
        return;
    m_state = filter;
    invalidateFilter();
}

void AlertsFilterProxy::setMinimumSeverity(const QString& severity) {
    if (severity == m_minSeverity)
        return;
    m_minSeverity = severity;
    invalidateFilter();
}

bool AlertsFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
    const QString state = idx.data(AlertsModel::StateRole).toString();
    if (m_state == StateFilter::Firing && state != QLatin1String("firing"))
        return false;
    if (m_state == StateFilter::Silenced && state == QLatin1String("firing"))
        return false;
    if (!m_minSeverity.isEmpty() &&
        idx.data(AlertsModel::SeverityRankRole).toInt() > AlertsModel::severityRank(m_minSeverity))
        return false;
    return true;
}

bool AlertsFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    switch (left.column()) {
    case AlertsModel::SeverityColumn: {
        const int a = left.data(AlertsModel::SeverityRankRole).toInt();
        const int b = right.data(AlertsModel::SeverityRankRole).toInt();
        if (a != b)
            return a > b; // ascending order = least severe first; the page sorts descending
        return left.data(AlertsModel::StartsAtRole).toDateTime() >
               right.data(AlertsModel::StartsAtRole).toDateTime();
    }
    case AlertsModel::StartedColumn:
        return left.data(AlertsModel::StartsAtRole).toDateTime() <
               right.data(AlertsModel::StartsAtRole).toDateTime();
    default:
        return QSortFilterProxyModel::lessThan(left, right);
    }
}

} // namespace sextant::models
