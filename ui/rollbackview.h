#pragma once

#include "analysis/rollbackplan.h"
#include "analysis/rollbackranker.h"
#include "argocd/types.h"
#include "core/error.h"

#include <QHash>
#include <QWidget>

#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

class QLabel;
class QDialog;
class QPushButton;
class QSplitter;
class QTableView;
class QTextBrowser;

namespace sextant {
namespace models {
class RollbackCandidatesModel;
}
namespace ui {

class ConsoleSession;

// Where to roll one application back to, and how (docs/rollback.md). On load() it fetches the
// Application and the manifests of every history revision through the instance's client (GETs
// only), reads the outcomes and the revisions marked bad from the session's health timeline,
// ranks the history with analysis::RollbackRanker off the GUI thread and shows the candidates
// with their reasons and risks, what differs between the selected one and the current
// revision, and the rollback plan for it. Running the plan goes through
// ConsoleSession::runRollbackPlan: every step is approved and audited; audit mode refuses it.
class RollbackView : public QWidget {
    Q_OBJECT
public:
    explicit RollbackView(ConsoleSession* session, QWidget* parent = nullptr);
    ~RollbackView() override;

    // Shows `app` (nothing is fetched until load()).
    void setApplication(const argocd::AppSummary& app);
    // Failures of the current diagnosis: a candidate that would bring one back is demoted.
    // Re-ranks when a ranking is shown.
    void setKnownFailures(const QVector<analysis::KnownFailure>& failures);
    // The triage diagnosis is still running: the ranking says it may change.
    void setDiagnosisPending(bool pending);

    bool hasResult() const { return m_ranking != nullptr; }
    bool isLoading() const { return m_loading; }
    // Loading, or a ranking is being computed (after a mark or a diagnosis).
    bool isBusy() const { return m_loading || m_rankGen != m_shownRankGen; }
    bool isRunning() const { return m_running; }
    const analysis::RollbackRanking* ranking() const { return m_ranking.get(); }
    // The candidate selected in the table (the top one after a ranking), or nullptr.
    const analysis::RollbackCandidate* selectedCandidate() const;
    const analysis::RollbackPlan* plan() const { return m_plan ? &*m_plan : nullptr; }
    const analysis::PlanRun* lastRun() const { return m_run ? &*m_run : nullptr; }

    models::RollbackCandidatesModel* model() const { return m_model; }
    QTableView* candidatesView() const { return m_table; }
    QTextBrowser* detailBrowser() const { return m_detail; }
    QTextBrowser* planBrowser() const { return m_planText; }
    QLabel* statusLabel() const { return m_status; }
    QPushButton* markBadButton() const { return m_markBad; }
    QPushButton* runButton() const { return m_runButton; }
    QPushButton* revertButton() const { return m_revertButton; }

public Q_SLOTS:
    // Fetches the application, its manifests and the timeline data, then ranks.
    void load();
    void selectCandidate(qint64 historyId);
    // Marks the selected candidate's revision as bad with `reason` (stored in the health
    // timeline) and ranks again; an empty reason removes the mark.
    void markSelectedBad(const QString& reason);
    // Runs the plan of the selected candidate without the review dialog (tests; the button
    // asks first). Every step still goes through the approval gate.
    void runPlan();
    // A Git revert of the application's files to the selected candidate's revision, drafted and
    // opened for review as a pull request (works with auto-sync and self-heal on).
    void openRevertPullRequest();

Q_SIGNALS:
    void ranked();                            // a ranking is shown (for tests and the tab title)
    void planFinished(bool completed);        // a plan run ended
    void revertDialogOpened(QDialog* dialog); // the revert pull request's review (for tests)

private:
    struct RankResult;

    argocd::Client* client() const;
    void clearResult(const QString& message);
    void fail(const QString& what, const Error& error);
    void onApplication(quint64 gen, nlohmann::json application);
    void onManifest(quint64 gen, const QString& revision, Result<nlohmann::json> result);
    void readTimeline(quint64 gen);
    void rank();
    void showRanking(std::shared_ptr<const RankResult> result);
    void renderDetail();
    QString renderLiveDiff(const analysis::RollbackCandidate& c) const;
    void buildPlan();
    void renderPlan();
    void updateStatus();
    void updateButtons();
    void updateLiveState();
    void markBadInteractive();
    void reviewAndRun();
    QString instanceModeNote() const;
    QString liveOutcome() const; // after a sent plan: Healthy again, or not yet
    bool planSent() const { return m_run && m_run->completed; }

    ConsoleSession* m_session;
    argocd::AppSummary m_app;
    QString m_key;
    quint64 m_gen = 0;
    bool m_loading = false;
    bool m_running = false;
    bool m_diagnosisPending = false;

    // Inputs of the ranking, kept so that marking a revision bad re-ranks without fetching.
    std::shared_ptr<const nlohmann::json> m_appJson;
    QVector<fleet::DeployEntry> m_entries;
    QHash<QString, nlohmann::json> m_manifests;
    int m_manifestsPending = 0; // manifests and the managed resources still on their way
    std::shared_ptr<const nlohmann::json> m_managed; // managed-resources: the live state
    QStringList m_fetchNotes;
    QVector<fleet::EntryOutcome> m_outcomes;
    QHash<QString, QString> m_bad;
    QString m_timelineNote;
    QVector<analysis::KnownFailure> m_knownFailures;
    quint64 m_rankGen = 0;
    quint64 m_shownRankGen = 0;

    std::shared_ptr<const RankResult> m_result;
    std::shared_ptr<const analysis::RollbackRanking> m_ranking;
    qint64 m_selectedId = 0;
    std::optional<analysis::RollbackPlan> m_plan;
    QVector<analysis::StepOutcome> m_stepStates;
    int m_stepRunning = -1;
    std::optional<analysis::PlanRun> m_run;
    QString m_runTarget; // "#41 (7e6d5c4)" of the run shown
    QString m_statusNote;
    argocd::HealthStatus m_liveHealth = argocd::HealthStatus::Unknown;

    QLabel* m_status;
    QLabel* m_liveState;
    models::RollbackCandidatesModel* m_model;
    QTableView* m_table;
    QTextBrowser* m_detail;
    QTextBrowser* m_planText;
    QPushButton* m_markBad;
    QPushButton* m_runButton;
    QPushButton* m_revertButton;
    QSplitter* m_split;
};

} // namespace ui
} // namespace sextant
