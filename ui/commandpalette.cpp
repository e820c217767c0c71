#include "commandpalette.h"

#include "commandpalettemodel.h"

#include <QAction>
#include <QCoreApplication>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListView>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QVBoxLayout>

namespace sextant::ui {

namespace {

// Name on the left, shortcut on the right, detail (cluster, health…) in grey underneath.
class PaletteDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const override {
        return {option.rect.width(), option.fontMetrics.height() * 2 + 10};
    }

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        opt.text.clear();
        opt.widget->style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
        const bool selected = opt.state & QStyle::State_Selected;
        const QPalette& pal = opt.palette;
        const QRect r = opt.rect.adjusted(8, 4, -8, -4);
        const int line = opt.fontMetrics.height();
        const auto kind = models::CommandPaletteModel::Kind(
            index.data(models::CommandPaletteModel::KindRole).toInt());
        painter->save();
        QFont bold = opt.font;
        bold.setBold(true);
        painter->setFont(bold);
        painter->setPen(pal.color(selected ? QPalette::HighlightedText : QPalette::Text));
        const QString tag = kind == models::CommandPaletteModel::Kind::Action
                                ? QObject::tr("Action")
                                : QObject::tr("Application");
        painter->drawText(QRect(r.left(), r.top(), r.width(), line), Qt::AlignLeft,
                          index.data().toString());
        painter->setFont(opt.font);
        const QString shortcut = index.data(models::CommandPaletteModel::ShortcutRole).toString();
        painter->drawText(QRect(r.left(), r.top(), r.width(), line), Qt::AlignRight,
                          shortcut.isEmpty() ? tag : shortcut);
        painter->setPen(
            pal.color(selected ? QPalette::HighlightedText : QPalette::PlaceholderText));
        painter->drawText(QRect(r.left(), r.top() + line + 2, r.width(), line), Qt::AlignLeft,
                          index.data(models::CommandPaletteModel::DetailRole).toString());
        painter->restore();
    }
};

} // namespace

CommandPalette::CommandPalette(fleet::FleetStore* store, const QList<QAction*>& actions,
                               QWidget* parent)
    : QDialog(parent)
    , m_model(new models::CommandPaletteModel(store, this))
    , m_input(new QLineEdit)
    , m_list(new QListView) {
    setWindowTitle(tr("Go to action or application"));
    setMinimumSize(620, 420);
    m_model->setActions(actions);
    m_input->setPlaceholderText(tr("Type an action or an application name…"));
    m_input->setAccessibleName(tr("Command palette query"));
    m_list->setModel(m_model);
    m_list->setItemDelegate(new PaletteDelegate(m_list));
    m_list->setAccessibleName(tr("Results"));
    m_list->setUniformItemSizes(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_input);
    layout->addWidget(m_list);
    m_input->installEventFilter(this);

    connect(m_input, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_model->setQuery(text);
        if (m_model->rowCount() > 0)
            m_list->setCurrentIndex(m_model->index(0));
    });
    connect(m_input, &QLineEdit::returnPressed, this,
            [this] { activate(m_list->currentIndex().row()); });
    connect(m_list, &QListView::activated, this,
            [this](const QModelIndex& index) { activate(index.row()); });
    if (m_model->rowCount() > 0)
        m_list->setCurrentIndex(m_model->index(0));
}

bool CommandPalette::eventFilter(QObject* watched, QEvent* event) {
    // Arrow keys in the query box move the selection in the list.
    if (watched == m_input && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if (key == Qt::Key_Down || key == Qt::Key_Up || key == Qt::Key_PageDown ||
            key == Qt::Key_PageUp) {
            QCoreApplication::sendEvent(m_list, event);
            return true;
        }
    }
    return QDialog::eventFilter(watched, event);
}

void CommandPalette::activate(int row) {
    if (row < 0 || row >= m_model->rowCount())
        return;
    if (QAction* action = m_model->action(row)) {
        accept();
        // After the palette is gone, so dialogs the action opens are not stacked on it.
        QTimer::singleShot(0, action, &QAction::trigger);
        return;
    }
    const QString key =
        m_model->index(row).data(models::CommandPaletteModel::AppKeyRole).toString();
    if (key.isEmpty())
        return;
    accept();
    Q_EMIT applicationChosen(key);
}

} // namespace sextant::ui
