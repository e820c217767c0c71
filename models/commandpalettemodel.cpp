#include "commandpalettemodel.h"

#include "fleet/fleetstore.h"

#include <QAction>
#include <QUrl>

#include <algorithm>

namespace sextant::models {

CommandPaletteModel::CommandPaletteModel(fleet::FleetStore* store, QObject* parent)
    : QAbstractListModel(parent)
    , m_store(store) {}

void CommandPaletteModel::setActions(const QList<QAction*>& actions) {
    m_actions.clear();
    for (QAction* a : actions)
        m_actions.append(a);
    setQuery(m_query);
}

int CommandPaletteModel::matchScore(QStringView query, QStringView text) {
    if (query.isEmpty())
        return 1;
    const qsizetype at = text.indexOf(query, 0, Qt::CaseInsensitive);
    const int lengthBonus = std::max(0, 100 - int(text.size()));
    if (at == 0)
        return 4000 + lengthBonus;
    if (at > 0) {
        const QChar before = text[at - 1];
        const bool wordStart = !before.isLetterOrNumber();
        return (wordStart ? 3000 : 2000) + lengthBonus;
    }
    // Scattered subsequence: every query character in order ("shweb" finds "shop-web").
    qsizetype pos = 0;
    for (QChar c : query) {
        if (c.isSpace())
            continue;
        pos = text.indexOf(c, pos, Qt::CaseInsensitive);
        if (pos < 0)
            return 0;
        ++pos;
    }
    return 1000 + lengthBonus;
}

void CommandPaletteModel::setQuery(const QString& query) {
    beginResetModel();
    m_query = query;
    m_entries.clear();
    const QString q = query.trimmed();
    for (int i = 0; i < m_actions.size(); ++i) {
        const QAction* a = m_actions[i];
        if (!a || !a->isEnabled() || a->text().isEmpty())
            continue;
        const QString text =
            QString(a->text()).remove(QLatin1Char('&')).remove(QStringLiteral("…"));
        // Actions rank above applications with the same score: they are fewer and named.
        if (const int s = matchScore(q, text))
            m_entries.append({Kind::Action, s + 500, i, {}});
    }
    if (!q.isEmpty()) {
        for (int row = 0; row < m_store->size(); ++row) {
            const argocd::AppSummary& app = m_store->at(row);
            // Among equally good matches, the application in trouble is the likelier target.
            const bool trouble = app.health == argocd::HealthStatus::Degraded ||
                                 app.health == argocd::HealthStatus::Missing || app.syncFailed();
            if (const int s = matchScore(q, app.name))
                m_entries.append({Kind::Application, s + (trouble ? 50 : 0), -1, app.key()});
        }
    }
    std::stable_sort(m_entries.begin(), m_entries.end(),
                     [](const Entry& a, const Entry& b) { return a.score > b.score; });
    if (m_entries.size() > m_limit)
        m_entries.resize(m_limit);
    endResetModel();
}

int CommandPaletteModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_entries.size());
}

QAction* CommandPaletteModel::action(int row) const {
    if (row < 0 || row >= m_entries.size() || m_entries[row].kind != Kind::Action)
        return nullptr;
    return m_actions.value(m_entries[row].index);
}

QVariant CommandPaletteModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_entries.size())
        return {};
    const Entry& e = m_entries[index.row()];
    if (e.kind == Kind::Action) {
        const QAction* a = m_actions.value(e.index);
        if (!a)
            return {};
        switch (role) {
        case Qt::DisplayRole:
            return QString(a->text()).remove(QLatin1Char('&'));
        case KindRole:
            return int(Kind::Action);
        case ShortcutRole:
            return a->shortcut().toString(QKeySequence::NativeText);
        case DetailRole:
            return a->toolTip() == QString(a->text()).remove(QLatin1Char('&')) ? QString()
                                                                               : a->toolTip();
        default:
            return {};
        }
    }
    const int row = m_store->indexOf(e.appKey);
    if (row < 0)
        return role == Qt::DisplayRole ? tr("(no longer in the fleet)") : QVariant();
    const argocd::AppSummary& app = m_store->at(row);
    switch (role) {
    case Qt::DisplayRole:
        return app.name;
    case KindRole:
        return int(Kind::Application);
    case AppKeyRole:
        return app.key();
    case DetailRole:
        return (app.destName.isEmpty() ? QUrl(app.destServer).host() : app.destName) +
               QStringLiteral(" · ") + app.destNamespace + QStringLiteral(" · ") +
               argocd::toString(app.health) + QStringLiteral(" · ") + argocd::toString(app.sync);
    default:
        return {};
    }
}

} // namespace sextant::models
