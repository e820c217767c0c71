#pragma once

#include "diff/manageddiff.h"

#include <QAbstractListModel>
#include <QVector>
#include <QWidget>

#include <memory>

class QCheckBox;
class QLabel;
class QListView;
class QPushButton;

namespace sextant::ui {

// Flat rows of a ManagedDiff for one virtualised list: a header row per resource and, for
// expanded resources, its diff rows. Collapsing only rebuilds this index, never the diff.
class DiffRowsModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        RowKindRole = Qt::UserRole + 1, // RowKind
        ResourceRole,                   // index into ManagedDiff::resources
        ExpandedRole,                   // bool, header rows
    };
    enum RowKind { HeaderRow, LineRow };

    explicit DiffRowsModel(QObject* parent = nullptr);

    void setDiff(std::shared_ptr<const diff::ManagedDiff> diff, bool expanded);
    const diff::ManagedDiff* managedDiff() const { return m_diff.get(); }
    void setShowUnchanged(bool show);
    bool showUnchanged() const { return m_showUnchanged; }
    void setExpanded(int resource, bool expanded);
    void setAllExpanded(bool expanded);
    bool isExpanded(int resource) const { return m_expanded.value(resource); }
    // Resources currently listed (modified ones, or all with showUnchanged).
    QVector<int> listedResources() const;

    // The row behind a list entry; nullptr for headers.
    const diff::DiffRow* diffRow(int row) const;
    const diff::ResourceDiff* resource(int row) const;
    bool isHeader(int row) const;
    int longestLine() const { return m_longest; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

private:
    struct Entry {
        int resource;
        int row; // -1 = header
    };
    void rebuild();

    std::shared_ptr<const diff::ManagedDiff> m_diff;
    QVector<bool> m_expanded;
    bool m_showUnchanged = false;
    QVector<Entry> m_entries;
    int m_longest = 0;
};

// The managed-resources diff: live state against the state after a sync, per resource, with
// collapsible sections, "⋯ N unchanged lines" gaps and word-level highlighting. Rows are painted
// by a delegate in one virtualised list, so a 100,000-line diff scrolls like a small one.
class DiffView : public QWidget {
    Q_OBJECT
public:
    explicit DiffView(QWidget* parent = nullptr);

    // Large diffs start collapsed (expand per resource); small ones start expanded.
    void setDiff(std::shared_ptr<const diff::ManagedDiff> diff);
    void clear();
    DiffRowsModel* rowsModel() const { return m_model; }
    QListView* listView() const { return m_list; }
    // Plain text of every listed row ("- " / "+ " / "  " prefixes, gaps, headers), for tests
    // and copying.
    QString visibleText() const;

    static constexpr int kExpandAllRowLimit = 4000;

public Q_SLOTS:
    void collapseAll();
    void expandAll();
    void setShowUnchanged(bool show);

private:
    void updateSummary();

    DiffRowsModel* m_model;
    QListView* m_list;
    QLabel* m_summary;
    QCheckBox* m_showUnchanged;
    QPushButton* m_collapse;
    QPushButton* m_expand;
};

} // namespace sextant::ui
