#include "approvalgate.h"

#include "redaction.h"

#include <QDateTime>
#include <QPointer>

namespace sextant::governance {

namespace {

QString instanceLabel(const WriteRequest& request) {
    return request.instanceName.isEmpty() ? request.instanceId : request.instanceName;
}

Error auditFailure(const Error& auditError) {
    return Error::make(Error::Kind::Approval,
                       QStringLiteral("Change not approved: the audit log could not be written"),
                       auditError.toString());
}

// A refusal stays a refusal when the log cannot take the entry; the details say so.
Error withAuditNote(Error error, const Result<QString>& recorded) {
    if (!recorded.ok()) {
        error.details += (error.details.isEmpty() ? QString() : QStringLiteral("\n")) +
                         QStringLiteral("The refusal could not be recorded in the audit log: ") +
                         recorded.error().toString();
    }
    return error;
}

} // namespace

Approver::~Approver() = default;

ApprovalGate::ApprovalGate(AuditLog* log, const InstancePolicy* policy, Approver* approver,
                           QObject* parent)
    : QObject(parent)
    , m_log(log)
    , m_policy(policy)
    , m_approver(approver) {}

ApprovalGate::~ApprovalGate() = default;

void ApprovalGate::submit(WriteRequest request, Callback done) {
    m_queue.enqueue(Pending{std::move(request), std::move(done)});
    scheduleNext();
}

bool ApprovalGate::needsTypedConfirmation(const WriteRequest& request) const {
    return request.production ||
           (m_policy && m_policy->requiresTypedConfirmation(request.instanceId));
}

QString ApprovalGate::confirmationText(const WriteRequest& request) {
    return request.target;
}

void ApprovalGate::scheduleNext() {
    if (m_busy || m_scheduled || m_queue.isEmpty())
        return;
    // Always continue from the event loop, never from inside the previous request's callback
    // chain, so a caller's callback can submit again without re-entering the gate.
    m_scheduled = true;
    QMetaObject::invokeMethod(this, &ApprovalGate::processNext, Qt::QueuedConnection);
}

Result<QString> ApprovalGate::record(const WriteRequest& request, AuditPhase phase,
                                     const QString& detail, const QString& actor) {
    if (!m_log) {
        return Error::make(Error::Kind::Io, QStringLiteral("No audit log is configured"));
    }
    AuditRecord rec = AuditRecord::forRequest(request, phase, detail);
    rec.actor = actor;
    Result<QString> hash = m_log->append(rec);
    if (hash.ok())
        emit recorded(request.target, phaseToString(phase), hash.value());
    return hash;
}

void ApprovalGate::processNext() {
    m_scheduled = false;
    if (m_busy || m_queue.isEmpty())
        return;
    m_busy = true;
    m_current = m_queue.dequeue();
    const WriteRequest& request = m_current.request;

    const Mode mode = m_policy ? m_policy->mode(request.instanceId) : Mode::Audit;
    if (mode != Mode::ReadWrite) {
        const Error refused = Error::make(
            Error::Kind::Approval,
            QStringLiteral("%1 is in audit (read-only) mode: switch it to read-write in the "
                           "instance settings to allow changes")
                .arg(instanceLabel(request)),
            QStringLiteral("Requested: %1 %2")
                .arg(request.method, redactUrl(request.url).toString(QUrl::FullyEncoded)));
        const Result<QString> recorded = record(
            request, AuditPhase::Refused, QStringLiteral("instance is in audit (read-only) mode"));
        finish(withAuditNote(refused, recorded));
        return;
    }

    const Result<QString> requested = record(request, AuditPhase::Requested, request.summary);
    if (!requested.ok()) {
        finish(auditFailure(requested.error()));
        return;
    }

    if (!m_approver) {
        const Error noApprover =
            Error::make(Error::Kind::Approval, QStringLiteral("Change not approved"),
                        QStringLiteral("No one is available to approve it"));
        finish(withAuditNote(noApprover, record(request, AuditPhase::Refused,
                                                QStringLiteral("no approver is available"))));
        return;
    }

    const quint64 ticket = ++m_ticket;
    QPointer<ApprovalGate> self(this);
    m_approver->requestApproval(request, [self, ticket](ApprovalDecision decision) {
        if (self)
            self->onDecision(ticket, decision);
    });
}

void ApprovalGate::onDecision(quint64 ticket, const ApprovalDecision& decision) {
    if (!m_busy || ticket != m_ticket)
        return; // a second answer for the same request, or an answer for an old one
    ++m_ticket; // any further call of the same `done` is now stale
    const WriteRequest& request = m_current.request;
    const QString approver = decision.approver.isEmpty() ? m_log->actor() : decision.approver;

    if (!decision.approved) {
        const QString comment = decision.comment.trimmed();
        const Error rejected =
            Error::make(Error::Kind::Approval, QStringLiteral("Change not approved"),
                        comment.isEmpty()
                            ? QStringLiteral("%1 rejected the change").arg(approver)
                            : QStringLiteral("%1 rejected the change: %2").arg(approver, comment));
        finish(withAuditNote(rejected,
                             record(request, AuditPhase::Rejected, comment, decision.approver)));
        return;
    }

    QString detail = decision.comment.trimmed();
    if (needsTypedConfirmation(request)) {
        const QString expected = confirmationText(request);
        if (decision.typedConfirmation.trimmed() != expected) {
            const Error refused = Error::make(
                Error::Kind::Approval,
                QStringLiteral("Change not approved: a production change needs the target name "
                               "typed to confirm"),
                QStringLiteral("Type \"%1\" exactly to approve this change.").arg(expected));
            finish(withAuditNote(
                refused, record(request, AuditPhase::Refused,
                                QStringLiteral("typed confirmation did not match the target name"),
                                decision.approver)));
            return;
        }
        detail = detail.isEmpty() ? QStringLiteral("typed confirmation matched")
                                  : detail + QStringLiteral(" (typed confirmation matched)");
    }

    // The approval is on disk (fsync'ed) before anyone holds an ApprovedWrite.
    const Result<QString> approved =
        record(request, AuditPhase::Approved, detail, decision.approver);
    if (!approved.ok()) {
        finish(auditFailure(approved.error()));
        return;
    }
    finish(ApprovedWrite(request, approver, QDateTime::currentDateTimeUtc(), approved.value()));
}

void ApprovalGate::finish(Result<ApprovedWrite> result) {
    Callback done = std::move(m_current.done);
    m_current = Pending{};
    m_busy = false;
    QPointer<ApprovalGate> self(this);
    if (done)
        done(std::move(result));
    if (self)
        self->scheduleNext();
}

Status ApprovalGate::recordOutcome(const ApprovedWrite& write, const Status& outcome,
                                   const QString& detail) {
    if (!outcome.ok())
        return recordOutcome(write, outcome.error(), detail);
    QString text = QStringLiteral("approval %1").arg(write.auditEntryHash());
    if (!detail.isEmpty())
        text += QStringLiteral(": ") + detail;
    const Result<QString> recorded = record(write.request(), AuditPhase::Succeeded, text);
    if (!recorded.ok())
        return recorded.error();
    return okStatus();
}

Status ApprovalGate::recordOutcome(const ApprovedWrite& write, const Error& error,
                                   const QString& detail) {
    QString text =
        QStringLiteral("approval %1: %2").arg(write.auditEntryHash(), error.shortMessage);
    if (error.httpStatus)
        text += QStringLiteral(" (HTTP %1)").arg(error.httpStatus);
    if (!detail.isEmpty())
        text += QStringLiteral(": ") + detail;
    const Result<QString> recorded = record(write.request(), AuditPhase::Failed, text);
    if (!recorded.ok())
        return recorded.error();
    return okStatus();
}

} // namespace sextant::governance
