#include "diffview.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPainter>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

namespace sextant::ui {

using diff::DiffRow;
using diff::ResourceDiff;

namespace {

constexpr int kGutterChars = 14; // "12345 12345 + "

QColor changeColor(ResourceDiff::Change change) {
    switch (change) {
    case ResourceDiff::Change::Created:
        return QColor(0x1e, 0x8e, 0x3e);
    case ResourceDiff::Change::Pruned:
        return QColor(0xd0, 0x30, 0x30);
    case ResourceDiff::Change::Modified:
        return QColor(0xe3, 0x74, 0x00);
    case ResourceDiff::Change::Unchanged:
        break;
    }
    return QColor(0x80, 0x80, 0x80);
}

QString lineText(const DiffRow& row) {
    QString t = row.text;
    if (row.truncatedChars > 0)
        t += QStringLiteral(" … (%1 more characters)").arg(row.truncatedChars);
    return t;
}

class DiffDelegate : public QStyledItemDelegate {
public:
    DiffDelegate(DiffRowsModel* model, QObject* parent)
        : QStyledItemDelegate(parent)
        , m_model(model)
        , m_font(QFontDatabase::systemFont(QFontDatabase::FixedFont)) {}

    const QFont& font() const { return m_font; }

    QSize sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const override {
        const QFontMetrics fm(m_font);
        const int chars = kGutterChars + std::max(60, m_model->longestLine()) + 4;
        return QSize(fm.horizontalAdvance(QLatin1Char('m')) * chars, fm.height() + 4);
    }

    void paint(QPainter* p, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        p->save();
        p->setFont(m_font);
        const QFontMetrics fm(m_font);
        const QRect r = option.rect;
        const int cw = fm.horizontalAdvance(QLatin1Char('m'));
        const int baseline = r.top() + 2 + fm.ascent();
        const QColor text(0x20, 0x21, 0x24);
        const int row = index.row();
        if (m_model->isHeader(row)) {
            const ResourceDiff* rd = m_model->resource(row);
            const bool expanded = index.data(DiffRowsModel::ExpandedRole).toBool();
            p->fillRect(r, option.state & QStyle::State_Selected ? QColor(0xd2, 0xe3, 0xfc)
                                                                 : QColor(0xe8, 0xec, 0xf1));
            p->setPen(QColor(0xc0, 0xc6, 0xcf));
            p->drawLine(r.topLeft(), r.topRight());
            QFont bold = m_font;
            bold.setBold(true);
            p->setFont(bold);
            p->setPen(text);
            const QString title =
                (expanded ? QStringLiteral("▾ ") : QStringLiteral("▸ ")) + rd->title() +
                (rd->group.isEmpty() ? QString() : QStringLiteral("  (%1)").arg(rd->group));
            p->drawText(r.left() + 6, baseline, title);
            const int x = r.left() + 6 + QFontMetrics(bold).horizontalAdvance(title) + 3 * cw;
            p->setFont(m_font);
            p->setPen(changeColor(rd->change));
            QString note = diff::toString(rd->change);
            p->drawText(x, baseline, note);
            int x2 = x + fm.horizontalAdvance(note) + 2 * cw;
            if (!rd->parseError.isEmpty()) {
                p->setPen(QColor(0xd0, 0x30, 0x30));
                p->drawText(x2, baseline, rd->parseError);
            } else if (rd->added || rd->removed) {
                p->setPen(QColor(0x1e, 0x8e, 0x3e));
                const QString plus = QStringLiteral("+%1").arg(rd->added);
                p->drawText(x2, baseline, plus);
                x2 += fm.horizontalAdvance(plus) + cw;
                p->setPen(QColor(0xd0, 0x30, 0x30));
                p->drawText(x2, baseline, QStringLiteral("−%1").arg(rd->removed));
            }
            p->restore();
            return;
        }
        const DiffRow* d = m_model->diffRow(row);
        if (!d) {
            p->restore();
            return;
        }
        QColor bg = option.palette.base().color();
        QColor spanBg;
        QChar sign = QLatin1Char(' ');
        switch (d->kind) {
        case DiffRow::Kind::Removed:
            bg = QColor(0xfd, 0xec, 0xea);
            spanBg = QColor(0xf4, 0xb4, 0xae);
            sign = QLatin1Char('-');
            break;
        case DiffRow::Kind::Added:
            bg = QColor(0xe6, 0xf4, 0xea);
            spanBg = QColor(0xa8, 0xda, 0xb5);
            sign = QLatin1Char('+');
            break;
        case DiffRow::Kind::Gap:
            bg = QColor(0xf1, 0xf3, 0xf4);
            break;
        case DiffRow::Kind::Context:
            break;
        }
        if (option.state & QStyle::State_Selected)
            bg = bg.darker(108);
        p->fillRect(r, bg);
        const bool dark = bg.lightness() < 128;
        const QColor fg = dark ? option.palette.text().color() : text;
        p->setPen(dark ? option.palette.placeholderText().color() : QColor(0x80, 0x86, 0x8b));
        if (d->kind == DiffRow::Kind::Gap) {
            p->drawText(r.left() + 6 + kGutterChars * cw, baseline,
                        QStringLiteral("⋯ %1 unchanged line%2")
                            .arg(d->gapLines)
                            .arg(d->gapLines == 1 ? QString() : QStringLiteral("s")));
            p->restore();
            return;
        }
        auto num = [](int n) { return n > 0 ? QString::number(n) : QString(); };
        p->drawText(QRect(r.left(), r.top(), 5 * cw + 6, r.height()),
                    Qt::AlignRight | Qt::AlignVCenter, num(d->oldLine));
        p->drawText(QRect(r.left() + 6 * cw, r.top(), 5 * cw + 6, r.height()),
                    Qt::AlignRight | Qt::AlignVCenter, num(d->newLine));
        const int textX = r.left() + 6 + kGutterChars * cw;
        p->setPen(fg);
        p->drawText(textX - 2 * cw, baseline, QString(sign));
        for (const diff::Span& s : d->spans) {
            const int x0 = textX + fm.horizontalAdvance(d->text.left(s.start));
            const int w = fm.horizontalAdvance(d->text.mid(s.start, s.length));
            p->fillRect(QRect(x0, r.top() + 1, std::max(w, 2), r.height() - 2), spanBg);
        }
        p->drawText(textX, baseline, d->text);
        if (d->truncatedChars > 0) {
            p->setPen(QColor(0x80, 0x86, 0x8b));
            p->drawText(textX + fm.horizontalAdvance(d->text) + cw, baseline,
                        QStringLiteral("… (%1 more characters)").arg(d->truncatedChars));
        }
        p->restore();
    }

private:
    DiffRowsModel* m_model;
    QFont m_font;
};

} // namespace

DiffRowsModel::DiffRowsModel(QObject* parent)
    : QAbstractListModel(parent) {}

void DiffRowsModel::setDiff(std::shared_ptr<const diff::ManagedDiff> diff, bool expanded) {
    beginResetModel();
    m_diff = std::move(diff);
    m_expanded.fill(expanded, m_diff ? int(m_diff->resources.size()) : 0);
    rebuild();
    endResetModel();
}

void DiffRowsModel::setShowUnchanged(bool show) {
    if (show == m_showUnchanged)
        return;
    beginResetModel();
    m_showUnchanged = show;
    rebuild();
    endResetModel();
}

void DiffRowsModel::setExpanded(int resource, bool expanded) {
    if (resource < 0 || resource >= m_expanded.size() || m_expanded[resource] == expanded)
        return;
    // The resource's rows are one contiguous block after its header: insert or remove them.
    int header = -1;
    for (int i = 0; i < m_entries.size(); ++i) {
        if (m_entries[i].row < 0 && m_entries[i].resource == resource) {
            header = i;
            break;
        }
    }
    m_expanded[resource] = expanded;
    if (header < 0)
        return;
    const int n = int(m_diff->resources[resource].rows.size());
    if (n > 0) {
        if (expanded) {
            beginInsertRows({}, header + 1, header + n);
            rebuild();
            endInsertRows();
        } else {
            beginRemoveRows({}, header + 1, header + n);
            rebuild();
            endRemoveRows();
        }
    }
    const QModelIndex h = index(header);
    Q_EMIT dataChanged(h, h, {ExpandedRole, Qt::DisplayRole});
}

void DiffRowsModel::setAllExpanded(bool expanded) {
    beginResetModel();
    m_expanded.fill(expanded);
    rebuild();
    endResetModel();
}

QVector<int> DiffRowsModel::listedResources() const {
    QVector<int> out;
    if (!m_diff)
        return out;
    for (int i = 0; i < m_diff->resources.size(); ++i)
        if (m_showUnchanged || m_diff->resources[i].change != ResourceDiff::Change::Unchanged)
            out.append(i);
    return out;
}

void DiffRowsModel::rebuild() {
    m_entries.clear();
    m_longest = 0;
    if (!m_diff)
        return;
    for (int res : listedResources()) {
        const ResourceDiff& rd = m_diff->resources[res];
        m_entries.append({res, -1});
        m_longest = std::max(m_longest, int(rd.title().size()) + 40);
        if (!m_expanded[res])
            continue;
        for (int r = 0; r < rd.rows.size(); ++r) {
            m_entries.append({res, r});
            m_longest = std::max(m_longest, int(lineText(rd.rows[r]).size()));
        }
    }
}

bool DiffRowsModel::isHeader(int row) const {
    return row >= 0 && row < m_entries.size() && m_entries[row].row < 0;
}

const DiffRow* DiffRowsModel::diffRow(int row) const {
    if (row < 0 || row >= m_entries.size() || m_entries[row].row < 0)
        return nullptr;
    return &m_diff->resources[m_entries[row].resource].rows[m_entries[row].row];
}

const ResourceDiff* DiffRowsModel::resource(int row) const {
    if (row < 0 || row >= m_entries.size())
        return nullptr;
    return &m_diff->resources[m_entries[row].resource];
}

int DiffRowsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_entries.size());
}

QVariant DiffRowsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_entries.size())
        return {};
    const Entry& e = m_entries[index.row()];
    const ResourceDiff& rd = m_diff->resources[e.resource];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole: {
        if (e.row < 0)
            return rd.title() + QStringLiteral(" — ") + diff::toString(rd.change) +
                   QStringLiteral(" +%1 −%2").arg(rd.added).arg(rd.removed);
        const DiffRow& d = rd.rows[e.row];
        switch (d.kind) {
        case DiffRow::Kind::Gap:
            return QStringLiteral("⋯ %1 unchanged lines").arg(d.gapLines);
        case DiffRow::Kind::Removed:
            return QStringLiteral("- ") + lineText(d);
        case DiffRow::Kind::Added:
            return QStringLiteral("+ ") + lineText(d);
        case DiffRow::Kind::Context:
            return QStringLiteral("  ") + lineText(d);
        }
        break;
    }
    case Qt::ToolTipRole:
        if (e.row >= 0 && rd.rows[e.row].truncatedChars > 0)
            return tr("This line is %1 characters long; the view shows the first %2.")
                .arg(rd.rows[e.row].text.size() + rd.rows[e.row].truncatedChars)
                .arg(rd.rows[e.row].text.size());
        if (e.row < 0)
            return tr("Click (or press Enter) to collapse or expand this resource");
        break;
    case RowKindRole:
        return e.row < 0 ? HeaderRow : LineRow;
    case ResourceRole:
        return e.resource;
    case ExpandedRole:
        return m_expanded.value(e.resource);
    }
    return {};
}

DiffView::DiffView(QWidget* parent)
    : QWidget(parent)
    , m_model(new DiffRowsModel(this))
    , m_list(new QListView(this))
    , m_summary(new QLabel(this))
    , m_showUnchanged(new QCheckBox(tr("Show unchanged resources"), this))
    , m_collapse(new QPushButton(tr("Collapse all"), this))
    , m_expand(new QPushButton(tr("Expand all"), this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    m_summary->setObjectName(QStringLiteral("diffSummary"));
    m_summary->setTextFormat(Qt::RichText);
    bar->addWidget(m_summary, 1);
    bar->addWidget(m_showUnchanged);
    bar->addWidget(m_collapse);
    bar->addWidget(m_expand);
    layout->addLayout(bar);

    auto* delegate = new DiffDelegate(m_model, this);
    m_list->setObjectName(QStringLiteral("diffList"));
    m_list->setModel(m_model);
    m_list->setItemDelegate(delegate);
    m_list->setUniformItemSizes(true);
    m_list->setFont(delegate->font());
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_list->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setAccessibleName(tr("Differences between live and desired state"));
    layout->addWidget(m_list, 1);

    auto toggle = [this](const QModelIndex& index) {
        if (m_model->isHeader(index.row())) {
            const int res = index.data(DiffRowsModel::ResourceRole).toInt();
            m_model->setExpanded(res, !m_model->isExpanded(res));
        }
    };
    connect(m_list, &QListView::clicked, this, toggle);
    connect(m_list, &QListView::activated, this, toggle);
    connect(m_collapse, &QPushButton::clicked, this, &DiffView::collapseAll);
    connect(m_expand, &QPushButton::clicked, this, &DiffView::expandAll);
    connect(m_showUnchanged, &QCheckBox::toggled, this, &DiffView::setShowUnchanged);
    m_collapse->setToolTip(tr("Collapse every resource to its header line"));
    m_expand->setToolTip(tr("Show the changes of every listed resource"));
    updateSummary();
}

void DiffView::setDiff(std::shared_ptr<const diff::ManagedDiff> diff) {
    int listedRows = 0;
    if (diff) {
        for (const auto& rd : diff->resources)
            if (m_model->showUnchanged() || rd.change != ResourceDiff::Change::Unchanged)
                listedRows += int(rd.rows.size());
    }
    m_model->setDiff(std::move(diff), listedRows <= kExpandAllRowLimit);
    updateSummary();
}

void DiffView::clear() {
    m_model->setDiff(nullptr, false);
    updateSummary();
}

void DiffView::collapseAll() {
    m_model->setAllExpanded(false);
}

void DiffView::expandAll() {
    m_model->setAllExpanded(true);
}

void DiffView::setShowUnchanged(bool show) {
    if (m_showUnchanged->isChecked() != show)
        m_showUnchanged->setChecked(show);
    m_model->setShowUnchanged(show);
    updateSummary();
}

void DiffView::updateSummary() {
    const diff::ManagedDiff* d = m_model->managedDiff();
    if (!d) {
        m_summary->setText(QString());
        return;
    }
    int added = 0;
    int removed = 0;
    for (const auto& rd : d->resources) {
        added += rd.added;
        removed += rd.removed;
    }
    if (d->modifiedCount == 0) {
        m_summary->setText(tr("<b>No differences</b>: all %n managed resource(s) match the "
                              "desired state.",
                              nullptr, int(d->resources.size())));
        return;
    }
    m_summary->setText(
        tr("<b>%1 of %2 resources differ</b> from the desired state · "
           "<span style='color:#1e8e3e'>+%3</span> <span style='color:#d03030'>−%4</span> lines "
           "· <span style='color:gray'>− live now, + after sync</span>")
            .arg(d->modifiedCount)
            .arg(d->resources.size())
            .arg(added)
            .arg(removed));
}

QString DiffView::visibleText() const {
    QStringList lines;
    for (int r = 0; r < m_model->rowCount(); ++r)
        lines << m_model->index(r).data().toString();
    return lines.join(QLatin1Char('\n'));
}

} // namespace sextant::ui
