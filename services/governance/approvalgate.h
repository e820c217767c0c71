#pragma once

#include "actionmode.h"
#include "auditlog.h"
#include "core/result.h"
#include "core/writerequest.h"

#include <QObject>
#include <QQueue>

#include <functional>

namespace sextant::governance {

// What a human decided about one WriteRequest.
struct ApprovalDecision {
    bool approved = false;
    QString approver;          // who decided; empty means the log's actor (the OS user)
    QString comment;           // reason for a rejection, note for an approval
    QString typedConfirmation; // for production targets: must equal the request's target
};

// Asks a human. The console shows request.displayText() in a dialog, the CLI prompts on the
// terminal, tests script the answers. `done` must be called exactly once, now or later (a
// closed dialog is a rejection); later calls are ignored.
class Approver {
public:
    virtual ~Approver();
    virtual void requestApproval(const WriteRequest& request,
                                 std::function<void(ApprovalDecision)> done) = 0;
};

// The only place that creates sextant::ApprovedWrite. For each submitted request it checks the
// instance mode, records `requested`, asks the approver, checks the typed confirmation for
// production targets, and records `approved` (fsync'ed) before handing out the ApprovedWrite, so
// nothing is sent that is not on disk first. Any failed audit write means no approval.
// Requests are handled one at a time, in submission order; callbacks run on the gate's thread.
// The log, the policy and the approver must outlive the gate.
class ApprovalGate : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(Result<ApprovedWrite>)>;

    ApprovalGate(AuditLog* log, const InstancePolicy* policy, Approver* approver,
                 QObject* parent = nullptr);
    ~ApprovalGate() override;

    void submit(WriteRequest request, Callback done);

    // Records what happened when the approved write was sent: `succeeded` or `failed`. The
    // write has happened either way; an Error here only says the record could not be written.
    Status recordOutcome(const ApprovedWrite& write, const Status& outcome,
                         const QString& detail = {});
    Status recordOutcome(const ApprovedWrite& write, const Error& error,
                         const QString& detail = {});

    // Whether an approval must carry the typed target name (production request or instance).
    bool needsTypedConfirmation(const WriteRequest& request) const;
    // What the approver has to type for a production target.
    static QString confirmationText(const WriteRequest& request);

    // Requests waiting behind the one being decided.
    int queuedCount() const { return static_cast<int>(m_queue.size()); }
    bool isBusy() const { return m_busy; }

signals:
    // An entry was written for a request (phase as in the log: "requested", "approved", ...).
    void recorded(const QString& target, const QString& phase, const QString& entryHash);

private:
    struct Pending {
        WriteRequest request;
        Callback done;
    };

    void scheduleNext();
    void processNext();
    void onDecision(quint64 ticket, const ApprovalDecision& decision);
    void finish(Result<ApprovedWrite> result);
    Result<QString> record(const WriteRequest& request, AuditPhase phase, const QString& detail,
                           const QString& actor = {});

    AuditLog* m_log;
    const InstancePolicy* m_policy;
    Approver* m_approver;
    QQueue<Pending> m_queue;
    Pending m_current;
    bool m_busy = false;
    bool m_scheduled = false;
    quint64 m_ticket = 0;
};

} // namespace sextant::governance
