#pragma once

#include "argocd/types.h"
#include "core/error.h"
#include "incident/alertmatch.h"
#include "incident/incidenttimeline.h"
#include "incident/runbooks.h"
#include "metrics/alertmanagerclient.h"

#include <QDateTime>
#include <QFutureWatcher>
#include <QHash>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;
class QTableWidget;
class QTreeWidget;

namespace sextant {
namespace models {
class AlertsModel;
class AlertsFilterProxy;
} // namespace models
namespace ui {

// Incidents (issue 8, item 5): alerts from Alertmanager mapped to Argo CD applications, and for
// the selected alert the applications with the reasons, one timeline of the alert, the app's
// syncs, health and Git changes with the suspects marked, and the way out: "Open in triage",
// "Propose runbook…". Plain data in, signals out: the page fetches nothing itself. The console
// feeds alerts and the fleet (mapping runs on a worker thread), answers timelineRequested with
// setTimeline, and turns runbookRequested into a proposal through the approval gate.
class IncidentsPage : public QWidget {
    Q_OBJECT
public:
    explicit IncidentsPage(QWidget* parent = nullptr);
    ~IncidentsPage() override;

    // A new snapshot of alerts and the fleet: mapped off the GUI thread, then shown
    // (mappingFinished). Clears the error banner.
    void setAlerts(const QVector<metrics::Alert>& alerts, const QVector<argocd::AppSummary>& fleet);
    // Resource trees the console loaded (appKey -> names by kind): the next mapping uses them,
    // and the current alerts are mapped again.
    void setResources(const QHash<QString, incident::AppResources>& resources);
    void setMappingRules(const incident::MappingRules& rules);
    // The timeline asked for with timelineRequested; ignored when the selection moved on.
    void setTimeline(const incident::IncidentTimeline& timeline);
    // Runbooks loaded from the application's GitOps repository, with the files' problems.
    void setRunbooks(const QVector<incident::Runbook>& runbooks, const QStringList& errors = {});
    // A failed refresh: shown above the list; the last good alerts stay.
    void setError(const Error& error);
    // Where alerts come from ("Alertmanager https://alertmanager.example.net"); empty = none
    // configured, and the page says how to configure one.
    void setSource(const QString& description);
    // "Started … ago" and "updated at" are relative to this (default: the time of setAlerts).
    void setReferenceTime(const QDateTime& now);

    models::AlertsModel* model() const { return m_model; }
    models::AlertsFilterProxy* proxy() const { return m_proxy; }
    QTableView* alertsView() const { return m_alerts; }
    QTreeWidget* applicationsView() const { return m_apps; }
    QTableWidget* timelineView() const { return m_timeline; }
    QPushButton* triageButton() const { return m_triage; }
    QPushButton* runbookButton() const { return m_runbook; }
    QLabel* emptyLabel() const { return m_empty; }
    QLabel* errorLabel() const { return m_error; }
    QLabel* suspectsLabel() const { return m_suspects; }

    // Selects the alert (and its best application); false when it is not listed.
    bool selectAlert(const QString& fingerprint);
    QString selectedFingerprint() const;
    QString selectedAppKey() const;
    // The runbooks that apply to the selected alert on the selected application.
    QVector<incident::Runbook> applicableRunbooks() const;

Q_SIGNALS:
    void refreshRequested();
    void timelineRequested(const QString& appKey, const QString& alertFingerprint);
    void triageRequested(const QString& appKey);
    void runbookRequested(const QString& runbookId, const QString& alertFingerprint,
                          const QString& appKey);
    void mappingFinished();

private:
    void remap();
    void applyMappings(const QVector<incident::AlertMapping>& mappings);
    void updateEmptyState();
    void afterFilter();
    void showSelection();
    void selectApp(const QString& appKey);
    void showTimeline();
    void updateButtons();
    void chooseRunbook();

    models::AlertsModel* m_model = nullptr;
    models::AlertsFilterProxy* m_proxy = nullptr;
    QFutureWatcher<QVector<incident::AlertMapping>>* m_watcher = nullptr;
    int m_generation = 0;

    QLabel* m_source = nullptr;
    QLabel* m_error = nullptr;
    QComboBox* m_stateFilter = nullptr;
    QComboBox* m_severityFilter = nullptr;
    QPushButton* m_refresh = nullptr;
    QStackedWidget* m_stack = nullptr;
    QLabel* m_empty = nullptr;
    QTableView* m_alerts = nullptr;

    QLabel* m_header = nullptr;
    QLabel* m_labels = nullptr;
    QTreeWidget* m_apps = nullptr;
    QLabel* m_suspects = nullptr;
    QTableWidget* m_timeline = nullptr;
    QLabel* m_timelineNote = nullptr;
    QLabel* m_runbookNote = nullptr;
    QPushButton* m_triage = nullptr;
    QPushButton* m_runbook = nullptr;

    QVector<metrics::Alert> m_alertsData;
    QVector<argocd::AppSummary> m_fleet;
    QHash<QString, incident::AppResources> m_resources;
    incident::MappingRules m_rules;
    QVector<incident::Runbook> m_runbooks;
    QStringList m_runbookErrors;
    QString m_sourceText;
    bool m_haveAlerts = false;
    QDateTime m_now;
    QString m_selectedFingerprint;
    QString m_selectedApp;
    std::optional<incident::IncidentTimeline> m_timelineData;
};

} // namespace ui
} // namespace sextant
