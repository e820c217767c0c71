#pragma once

#include "argocd/types.h"
#include "core/error.h"

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QWidget>

#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTextBrowser;
class QTimer;
class QTreeView;
class QTreeWidget;
class QTreeWidgetItem;

namespace sextant {
namespace argocd {
class Client;
}
namespace analysis {
struct EvidenceItem;
}
namespace models {
class ResourceTreeModel;
struct PreparedTree;
} // namespace models
namespace ui {

class AppDetailPane;
class ConsoleSession;
class DiffView;
class PolicyView;
class RollbackView;
class TriagePanel;

// One application in depth, fetched on demand through its instance's argocd::Client: summary
// with conditions and operation state (failed resources first), the resource tree under a
// ranked node budget, the managed-resources diff, the events of the app and its unhealthy
// resources, pod logs and the deployment history with commit metadata. Read-only: nothing here
// writes. Heavy derivations (tree ranking, diffs) run on the thread pool; answers for a
// previously shown application are ignored (generation counter).
class AppDetailView : public QWidget {
    Q_OBJECT
public:
    enum Tab {
        SummaryTab,
        TriageTab,
        TreeTab,
        DiffTab,
        EventsTab,
        LogsTab,
        HistoryTab,
        RollbackTab,
        PolicyTab,
        TabCount
    };

    explicit AppDetailView(ConsoleSession* session, QWidget* parent = nullptr);
    ~AppDetailView() override;

    QString appKey() const { return m_key; }
    QTabWidget* tabs() const { return m_tabs; }
    AppDetailPane* pane(Tab tab) const { return m_panes[tab]; }
    models::ResourceTreeModel* treeModel() const { return m_treeModel; }
    QTreeView* treeView() const { return m_treeView; }
    DiffView* diffView() const { return m_diffView; }
    QTextBrowser* summaryBrowser() const { return m_summary; }
    QTreeWidget* eventsList() const { return m_events; }
    QTreeWidget* historyList() const { return m_history; }
    QPlainTextEdit* logText() const { return m_logText; }
    QComboBox* podChoice() const { return m_pod; }
    QComboBox* containerChoice() const { return m_container; }
    QCheckBox* previousChoice() const { return m_previous; }
    QLineEdit* logSearch() const { return m_search; }
    TriagePanel* triage() const { return m_triage; }
    RollbackView* rollback() const { return m_rollback; }
    PolicyView* policy() const { return m_policy; }

public Q_SLOTS:
    // appKey = argocd::AppSummary::key(); the row is looked up in the session's store.
    void showApplication(const QString& appKey);
    // Fetches everything of the current application again (GETs only).
    void reload();
    // Shows where an evidence line of a diagnosis comes from: the tree node, the event, the
    // log line (pod, container, previous, searched) or the summary.
    void revealEvidence(const sextant::analysis::EvidenceItem& item);

private:
    struct EventRow {
        QDateTime last;
        QDateTime first;
        QString type;
        QString reason;
        QString object;
        QString message;
        QString source;
        int count = 1;
        QString uid;
    };

    bool begin(Tab tab, const QString& what); // false (pane shows why) when there is no client
    argocd::Client* client() const;
    void clearAll();
    void updateHeader();
    void onTabChanged(int index);
    void loadApplication();
    void loadTree();
    void loadDiff();
    void loadEvents();
    void loadLogs();
    void renderSummary();
    void renderHistory();
    void fetchVisibleMetadata();
    void addEvents(const nlohmann::json& body);
    void finishEvents();
    void applyLogSearch();
    void populatePods();
    void populateContainers();
    void setTabTitle(Tab tab, const QString& title);

    ConsoleSession* m_session;
    QString m_key;
    argocd::AppSummary m_app; // list-level row at the time it was shown
    quint64 m_gen = 0;

    QLabel* m_header;
    QPushButton* m_reload;
    QTabWidget* m_tabs;
    AppDetailPane* m_panes[TabCount] = {};

    QTextBrowser* m_summary;
    std::shared_ptr<const nlohmann::json> m_appJson;

    models::ResourceTreeModel* m_treeModel;
    QTreeView* m_treeView;
    QLabel* m_treeProblems;
    QPushButton* m_showAll;
    std::shared_ptr<const models::PreparedTree> m_tree;
    Error m_treeError;

    DiffView* m_diffView;
    bool m_diffRequested = false;

    TriagePanel* m_triage;
    RollbackView* m_rollback;
    PolicyView* m_policy;
    // An evidence line to show once its data has arrived (events, pods of the tree).
    QString m_pendingEvent;
    struct PendingLog {
        QString pod, container, text;
        bool previous = false;
    };
    std::optional<PendingLog> m_pendingLog;
    void applyPendingLog();
    void applyPendingEvent();
    void revealTreeNode(const QString& kind, const QString& ns, const QString& name);

    QTreeWidget* m_events;
    bool m_eventsRequested = false;
    int m_eventsPending = 0;
    int m_eventsFailed = 0;
    int m_eventsSkipped = 0;
    Error m_eventsLastError;
    QVector<EventRow> m_eventRows;
    QSet<QString> m_eventUids;

    QComboBox* m_pod;
    QComboBox* m_container;
    QCheckBox* m_previous;
    QSpinBox* m_tail;
    QLineEdit* m_search;
    QLabel* m_matches;
    QCheckBox* m_follow;
    QPushButton* m_refreshLogs;
    QPlainTextEdit* m_logText;
    QTimer* m_followTimer;
    bool m_logsRequested = false;
    bool m_logsInFlight = false;

    QTreeWidget* m_history;
    QHash<QString, nlohmann::json> m_metaCache; // instance/ns/app/revision -> metadata
    QHash<QString, Error> m_metaErrors;
    QSet<QString> m_metaInFlight;
};

} // namespace ui
} // namespace sextant
