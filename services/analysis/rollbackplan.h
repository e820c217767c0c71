#pragma once

#include "argocd/types.h"
#include "core/result.h"
#include "core/writerequest.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>

namespace sextant::argocd {
class Client;
}
namespace sextant::governance {
class ApprovalGate;
}

namespace sextant::analysis {

// One write of a plan, exactly as it will be shown to the approver and sent.
struct PlanStep {
    QString title; // "Turn auto-sync off", "Dry run of the rollback", ...
    WriteRequest request;
};

// An ordered list of writes that rolls an application back, plus what has to happen after it
// that Sextant cannot (yet) do itself. Every step goes through the approval gate on its own.
struct RollbackPlan {
    enum class Kind { ArgoRollback, GitRevert };

    Kind kind = Kind::ArgoRollback;
    QString target; // "argocd/payments-api"
    qint64 historyId = 0;
    QString revision;
    bool available = true;
    QString unavailableReason; // why the plan cannot run (Git revert: no PR drafting yet)
    QVector<PlanStep> steps;
    QStringList followUps; // after the steps, in words
    QStringList notes;     // why the steps are what they are

    QString toMarkdown() const;
};

struct ArgoRollbackOptions {
    bool dryRunFirst = true;
    bool prune = false; // Argo CD's default; pruning is rarely what a rollback under stress wants
};

// Plan (a): Argo CD rollback to history entry `historyId` (revision for display): when auto-sync
// is on, a PATCH turning it off first (Argo CD refuses a rollback otherwise, and would sync back
// to Git right after), a dry run, the rollback, then the follow-up revert PR so Git matches the
// cluster again. `automated` is the current spec.syncPolicy.automated (for the re-enable note).
RollbackPlan planArgoRollback(const argocd::Client& client, const argocd::AppSummary& app,
                              qint64 historyId, const QString& revision,
                              const ArgoRollbackOptions& options = {},
                              const QString& automatedJson = {});

// Plan (b): revert the commits in Git through a pull request, leaving auto-sync and self-heal on.
// Described but unavailable until Sextant can draft pull requests.
RollbackPlan planGitRevert(const argocd::AppSummary& app, qint64 historyId, const QString& revision,
                           const QString& currentRevision);

struct StepOutcome {
    enum class State { NotRun, Succeeded, Refused, Failed };
    State state = State::NotRun;
    QString message; // the refusal, the server's error, or empty
};

struct PlanRun {
    bool completed = false; // every step succeeded
    int stoppedAt = -1;     // index of the step that was refused or failed
    QString stopReason;
    QVector<StepOutcome> steps;
};

QString toString(StepOutcome::State state);

// Runs a plan one step at a time: submit to the gate, send the approved write, record its
// outcome in the audit log (through the gate), then the next step. Stops at the first refusal,
// rejection or error; later steps are not submitted. The gate and client must outlive the
// runner; `done` is called exactly once on the runner's thread (not if it is destroyed first).
class RollbackPlanRunner : public QObject {
    Q_OBJECT
public:
    using Done = std::function<void(PlanRun)>;

    RollbackPlanRunner(governance::ApprovalGate* gate, argocd::Client* client,
                       QObject* parent = nullptr);

    // Refuses (an error in PlanRun, nothing submitted) an unavailable plan or one already
    // running.
    void run(const RollbackPlan& plan, Done done);
    bool isRunning() const { return m_running; }

signals:
    void stepStarted(int index, const QString& title);
    void stepFinished(int index, const sextant::analysis::StepOutcome& outcome);

private:
    void next();
    void stop(StepOutcome::State state, const QString& message);

    governance::ApprovalGate* m_gate;
    argocd::Client* m_client;
    RollbackPlan m_plan;
    PlanRun m_run;
    Done m_done;
    int m_index = 0;
    bool m_running = false;
};

} // namespace sextant::analysis
