#pragma once

#include <QAbstractListModel>
#include <QPointer>
#include <QVector>

class QAction;

namespace sextant {
namespace fleet {
class FleetStore;
}
namespace models {

// What the command palette (Ctrl+K) offers: every action of the window and every application
// of the fleet, filtered by a fuzzy query and ranked. Rows are recomputed on each query; at most
// `limit` results are kept so typing stays instant on a 50,000-application fleet.
class CommandPaletteModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { KindRole = Qt::UserRole + 1, AppKeyRole, ShortcutRole, DetailRole };
    enum class Kind { Action, Application };

    CommandPaletteModel(fleet::FleetStore* store, QObject* parent = nullptr);

    void setActions(const QList<QAction*>& actions);
    void setQuery(const QString& query);
    void setLimit(int limit) { m_limit = limit; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QAction* action(int row) const;

    // 0 = no match. Higher is better: a prefix beats a word start beats a substring beats a
    // scattered subsequence; shorter texts win ties. Case-insensitive.
    static int matchScore(QStringView query, QStringView text);

private:
    struct Entry {
        Kind kind;
        int score;
        int index;      // action index
        QString appKey; // applications are resolved by key: rows move while the palette is open
    };
    fleet::FleetStore* m_store;
    QList<QPointer<QAction>> m_actions;
    QVector<Entry> m_entries;
    QString m_query;
    int m_limit = 200;
};

} // namespace models
} // namespace sextant
