#include "policyresultsmodel.h"

#include <QColor>
#include <QRegularExpression>

#include <algorithm>
#include <tuple>

namespace sextant::models {

PolicyResultsModel::PolicyResultsModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void PolicyResultsModel::setResults(std::vector<policy::Violation> results) {
    std::stable_sort(
        results.begin(), results.end(), [](const policy::Violation& a, const policy::Violation& b) {
            return std::make_tuple(-int(a.severity), a.rule, a.kind, a.ns, a.name, a.container) <
                   std::make_tuple(-int(b.severity), b.rule, b.kind, b.ns, b.name, b.container);
        });
    beginResetModel();
    m_results = std::move(results);
    endResetModel();
}

void PolicyResultsModel::clear() {
    beginResetModel();
    m_results.clear();
    endResetModel();
}

const policy::Violation* PolicyResultsModel::result(int row) const {
    return row >= 0 && row < int(m_results.size()) ? &m_results[std::size_t(row)] : nullptr;
}

int PolicyResultsModel::count(policy::Severity severity) const {
    return int(
        std::count_if(m_results.begin(), m_results.end(),
                      [severity](const policy::Violation& v) { return v.severity == severity; }));
}

int PolicyResultsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_results.size());
}

int PolicyResultsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString PolicyResultsModel::objectText(const policy::Violation& v) {
    QString text =
        v.kind + QLatin1Char(' ') + (v.ns.isEmpty() ? v.name : v.ns + QLatin1Char('/') + v.name);
    if (!v.container.isEmpty())
        text += tr(" · container %1").arg(v.container);
    return text;
}

QString PolicyResultsModel::shortFix(const QString& description) {
    // "add spec/template/spec/containers/0/securityContext/runAsNonRoot: true" reads as
    // "add runAsNonRoot: true"; the detail shows the whole path and the diff.
    const int space = int(description.indexOf(QLatin1Char(' ')));
    if (space < 0)
        return description;
    const QString verb = description.left(space);
    QString rest = description.mid(space + 1);
    const int end = int(rest.indexOf(QRegularExpression(QStringLiteral("[: ]"))));
    const QString path = end < 0 ? rest : rest.left(end);
    const int slash = int(path.lastIndexOf(QLatin1Char('/')));
    if (slash >= 0)
        rest = rest.mid(slash + 1);
    return verb + QLatin1Char(' ') + rest;
}

QString PolicyResultsModel::severityColor(policy::Severity severity) {
    switch (severity) {
    case policy::Severity::Error:
        return QStringLiteral("#d32f2f");
    case policy::Severity::Warning:
        return QStringLiteral("#ef6c00");
    case policy::Severity::Info:
        break;
    }
    return QStringLiteral("#5c7b99");
}

QVariant PolicyResultsModel::data(const QModelIndex& index, int role) const {
    const policy::Violation* v = index.isValid() ? result(index.row()) : nullptr;
    if (!v)
        return {};
    switch (role) {
    case RuleIdRole:
        return v->rule;
    case SeverityRole:
        return int(v->severity);
    case Qt::ForegroundRole:
        if (index.column() == SeverityColumn)
            return QColor(severityColor(v->severity));
        return {};
    case Qt::ToolTipRole:
        if (index.column() == MessageColumn)
            return v->message;
        if (index.column() == FixColumn && v->fix)
            return v->fix->description;
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeverityColumn:
            return policy::severityName(v->severity);
        case RuleColumn:
            return v->rule;
        case ObjectColumn:
            return objectText(*v);
        case MessageColumn:
            return v->message;
        case FixColumn:
            return v->fix ? shortFix(v->fix->description) : QString();
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant PolicyResultsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case RuleColumn:
        return tr("Rule");
    case ObjectColumn:
        return tr("Object");
    case MessageColumn:
        return tr("Message");
    case FixColumn:
        return tr("Fix");
    default:
        return {};
    }
}

} // namespace sextant::models
