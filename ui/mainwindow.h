#pragma once

#include "fleet/fleetfilter.h"
#include "metrics/alertmanagerclient.h"

#include <QMainWindow>
#include <QSet>

#include <memory>

class QCheckBox;
class QComboBox;
class QDialog;
class QTabWidget;
class QLabel;
class QLineEdit;
class QMenu;
class QTimer;
class QStackedWidget;
class QTableView;
class QTextBrowser;
class QHBoxLayout;

namespace sextant {
namespace fleet {
class FleetHistory;
class TransitionDetector;
} // namespace fleet
namespace models {
class FleetModel;
class FleetFilterProxy;
} // namespace models
namespace ui {

class AppDetailView;
class ConsoleSession;
class DashboardView;
class DialogApprover;
class FilterBar;
class IncidentsPage;
class ReleasesPage;
class NotificationPanel;
class SavedViews;

// The console: a dashboard of the fleet and the fleet table across every instance (Ctrl+1,
// Ctrl+2) with facet filters and saved views, details of the selected application, and each
// instance's connection state in the status bar.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `historyPath`: the SQLite file of fleet snapshots for the dashboard's trend; empty = the
    // default in the user's data directory.
    explicit MainWindow(ConsoleSession* session, QWidget* parent = nullptr,
                        const QString& historyPath = {});
    ~MainWindow() override;

    QTableView* fleetView() const { return m_table; }
    models::FleetFilterProxy* proxy() const { return m_proxy; }
    NotificationPanel* notifications() const { return m_notifications; }
    DashboardView* dashboard() const { return m_dashboard; }
    FilterBar* filterBar() const { return m_filterBar; }
    SavedViews* savedViews() const { return m_views; }
    QTabWidget* tabs() const { return m_tabs; }
    AppDetailView* detailView() const { return m_detailView; }
    ReleasesPage* releasesPage() const { return m_releases; }
    IncidentsPage* incidentsPage() const { return m_incidents; }
    void openInstances();

    // Shows the table with exactly this filter (what the dashboard's clicks do).
    void showFiltered(const fleet::FleetFilter& filter);
    void showDashboard();
    void showApplications();
    // Selects a saved view by name; false when there is none.
    bool applyView(const QString& name);
    void setFavourite(const QString& appKey, bool favourite);
    // Opens the full detail (resource tree, diff, events, logs, history) of the application.
    void openDetail(const QString& appKey);
    // Selects the application's row in the table (clearing a filter that hides it).
    void selectApplication(const QString& appKey);

Q_SIGNALS:
    // "Propose runbook…" on the Incidents tab opened the pull request draft (PrDraftDialog).
    void runbookDialogOpened(QDialog* dialog);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QWidget* buildWelcome();
    void updatePage();
    void stepApplication(int delta);
    void showShortcuts(const QList<QAction*>& actions);
    void updateStatusBar();
    void updateDetails();
    QString selectedKey() const;
    void syncSelected();
    void refreshSelected();
    void askCredentials(const QString& id, const QString& reason);
    void onFilterChanged();
    void updateViewsCombo();
    void saveViewAs();
    void renameView();
    void deleteView();
    void toggleFavourite();
    // The Releases and Incidents tabs and their Tools entries (mainwindow_ops.cpp); returns the
    // actions for the command palette.
    QList<QAction*> buildOperations(QMenu* viewMenu, QMenu* toolsMenu);
    void refreshApplicationSets();
    void refreshVersionMatrix();
    void reviewRelease(const QString& instance, const QString& name,
                       const QString& appsetNamespace);
    void proceedRelease(int step, const QStringList& appKeys);
    void exportRelease(const QString& format);
    void refreshAlerts();
    // Drafts the runbook's pull request for the alert and shows it for review (PrDraftDialog):
    // nothing is written until the commit's diff and the pull request are approved.
    void proposeRunbook(const QString& runbookId, const QString& fingerprint,
                        const QString& appKey);
    void openFleetReport();

    ConsoleSession* m_session;
    models::FleetModel* m_model;
    models::FleetFilterProxy* m_proxy;
    std::unique_ptr<DialogApprover> m_approver;
    std::unique_ptr<fleet::FleetHistory> m_history;
    QStackedWidget* m_pages;
    QTabWidget* m_tabs;
    DashboardView* m_dashboard;
    FilterBar* m_filterBar;
    SavedViews* m_views;
    QComboBox* m_viewsCombo;
    QTableView* m_table;
    QTextBrowser* m_details; // narrow summary of the selected row
    AppDetailView* m_detailView;
    NotificationPanel* m_notifications = nullptr;
    fleet::TransitionDetector* m_detector = nullptr;
    QStackedWidget* m_detailStack;
    QLineEdit* m_filter;
    QCheckBox* m_problemsOnly;
    QLabel* m_totals;
    QWidget* m_instanceStates;
    QHBoxLayout* m_instanceStatesLayout;
    ReleasesPage* m_releases = nullptr;
    IncidentsPage* m_incidents = nullptr;
    QTimer* m_alertTimer = nullptr;
    QVector<metrics::Alert> m_alerts; // the last alerts shown on the Incidents tab
    QString m_runbooksApp;            // the application whose runbooks the tab shows
    QStringList m_credentialPrompts;  // instances with an open credentials prompt
};

} // namespace ui
} // namespace sextant
