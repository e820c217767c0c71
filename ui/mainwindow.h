#pragma once

#include <QMainWindow>

#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QTableView;
class QTextBrowser;
class QHBoxLayout;

namespace sextant {
namespace models {
class FleetModel;
class FleetFilterProxy;
} // namespace models
namespace ui {

class ConsoleSession;
class DialogApprover;

// The console: the fleet table across every instance, details of the selected application,
// and each instance's connection state in the status bar.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(ConsoleSession* session, QWidget* parent = nullptr);
    ~MainWindow() override;

    QTableView* fleetView() const { return m_table; }
    models::FleetFilterProxy* proxy() const { return m_proxy; }
    void openInstances();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QWidget* buildWelcome();
    void updatePage();
    void updateStatusBar();
    void updateDetails();
    QString selectedKey() const;
    void syncSelected();
    void refreshSelected();
    void askCredentials(const QString& id, const QString& reason);

    ConsoleSession* m_session;
    models::FleetModel* m_model;
    models::FleetFilterProxy* m_proxy;
    std::unique_ptr<DialogApprover> m_approver;
    QStackedWidget* m_pages;
    QTableView* m_table;
    QTextBrowser* m_details;
    QLineEdit* m_filter;
    QCheckBox* m_problemsOnly;
    QLabel* m_totals;
    QWidget* m_instanceStates;
    QHBoxLayout* m_instanceStatesLayout;
    QStringList m_credentialPrompts; // instances with an open credentials prompt
};

} // namespace ui
} // namespace sextant
