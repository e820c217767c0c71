#include "notificationpanel.h"

#include <QApplication>
#include <QLabel>
#include <QListWidget>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QVBoxLayout>

namespace sextant::ui {

namespace {
constexpr int kMaxEntries = 500; // the history is for this session; older entries drop off
}

NotificationPanel::NotificationPanel(QWidget* parent)
    : QWidget(parent)
    , m_list(new QListWidget)
    , m_empty(new QLabel(tr("No notifications yet. Applications turning Degraded and failed "
                            "syncs appear here and on your desktop."))) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_empty->setWordWrap(true);
    m_empty->setStyleSheet(QStringLiteral("color: gray;"));
    layout->addWidget(m_empty);
    layout->addWidget(m_list);
    m_list->setAccessibleName(tr("Notification history"));
    m_list->setWordWrap(true);
    m_list->setAlternatingRowColors(true);
    m_list->hide();
    connect(m_list, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT applicationsRequested(item->data(Qt::UserRole).toStringList());
    });
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(
            QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning), this);
        m_tray->setToolTip(tr("Sextant"));
        m_tray->show();
    }
}

int NotificationPanel::count() const {
    return m_list->count();
}

void NotificationPanel::add(const fleet::Notice& notice) {
    const QString when = notice.at.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
    auto* item =
        new QListWidgetItem(QStringLiteral("%1  %2\n%3").arg(when, notice.title(), notice.text()));
    item->setData(Qt::UserRole, notice.appKeys);
    item->setToolTip(notice.appNames.join(QLatin1Char('\n')));
    const bool bad = notice.kind != fleet::Notice::Kind::Recovered;
    item->setIcon(
        style()->standardIcon(bad ? QStyle::SP_MessageBoxWarning : QStyle::SP_DialogApplyButton));
    m_list->insertItem(0, item);
    while (m_list->count() > kMaxEntries)
        delete m_list->takeItem(m_list->count() - 1);
    m_empty->hide();
    m_list->show();
    ++m_unread;
    Q_EMIT unreadChanged(m_unread);
    if (m_desktop && m_tray)
        m_tray->showMessage(notice.title(), notice.text(),
                            bad ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, 10000);
}

void NotificationPanel::markRead() {
    if (m_unread == 0)
        return;
    m_unread = 0;
    Q_EMIT unreadChanged(0);
}

} // namespace sextant::ui
