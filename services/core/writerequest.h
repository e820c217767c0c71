#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QUrl>

namespace sextant {

namespace governance {
class ApprovalGate;
}

// The exact request a write would send: shown to the human before approval, recorded in the
// audit log, and then sent byte for byte. The bearer token is never part of it; the transport
// adds it at send time.
struct WriteRequest {
    QString instanceId;   // stable instance key
    QString instanceName; // display name
    QString action;       // "sync", "refresh", "rollback", "terminate", "patch"
    QString target;       // what it acts on, e.g. "argocd/guestbook"
    QString summary;      // one sentence in plain words
    QString method;       // "POST", "GET", "PATCH", "DELETE"
    QUrl url;             // full URL including query
    QByteArray body;      // exact body bytes (JSON), empty for none
    // The body's type, shown with it; empty for writes that are not HTTP (a Git push shows its
    // commit message and diff).
    QString contentType = QStringLiteral("application/json");
    bool production = false; // destination looks like production: stronger confirmation
    // How the transport adds the credential at send time, shown masked: "Authorization: Bearer"
    // for Argo CD and GitHub, "PRIVATE-TOKEN" for GitLab, "Authorization: token" for Gitea.
    QString credentialHeader = QStringLiteral("Authorization: Bearer");

    // "POST https://host/api/v1/applications/x/sync" and the body, for display and audit.
    QString displayText() const;
};

// Proof that a human approved exactly this request and that the approval was written to the
// audit log. Only governance::ApprovalGate can create one; executors accept nothing else, so a
// write that skipped the gate does not compile.
class ApprovedWrite {
public:
    const WriteRequest& request() const { return m_request; }
    const QString& approvedBy() const { return m_approvedBy; }
    const QDateTime& approvedAt() const { return m_approvedAt; }
    const QString& auditEntryHash() const { return m_auditEntryHash; }

private:
    friend class governance::ApprovalGate;
    ApprovedWrite(WriteRequest request, QString approvedBy, QDateTime approvedAt,
                  QString auditEntryHash)
        : m_request(std::move(request))
        , m_approvedBy(std::move(approvedBy))
        , m_approvedAt(std::move(approvedAt))
        , m_auditEntryHash(std::move(auditEntryHash)) {}

    WriteRequest m_request;
    QString m_approvedBy;
    QDateTime m_approvedAt;
    QString m_auditEntryHash;
};

} // namespace sextant
