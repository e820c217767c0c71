#pragma once

#include "fleet/transitiondetector.h"

#include <QWidget>

class QListWidget;
class QSystemTrayIcon;
class QLabel;

namespace sextant::ui {

// Desktop notifications for applications turning Degraded and failed syncs (grouped by the
// TransitionDetector), with an in-app history: newest first, time, instance, what happened.
// Activating an entry asks the window to show those applications.
class NotificationPanel : public QWidget {
    Q_OBJECT
public:
    explicit NotificationPanel(QWidget* parent = nullptr);

    void add(const fleet::Notice& notice);
    int count() const;
    // Desktop pop-ups through the system tray, where the desktop has one.
    void setDesktopNotifications(bool on) { m_desktop = on; }

Q_SIGNALS:
    void applicationsRequested(const QStringList& appKeys);
    void unreadChanged(int unread);

public Q_SLOTS:
    void markRead();

private:
    QListWidget* m_list;
    QLabel* m_empty;
    QSystemTrayIcon* m_tray = nullptr;
    bool m_desktop = true;
    int m_unread = 0;
};

} // namespace sextant::ui
