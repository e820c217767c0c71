#pragma once

// The human at the approval dialog, scripted: approves (or rejects) every request, types the
// confirmation production targets need, and keeps what it was shown.

#include "core/writerequest.h"
#include "governance/approvalgate.h"

#include <QVector>

namespace sextant::test {

class ScriptedApprover : public governance::Approver {
public:
    void requestApproval(const WriteRequest& request,
                         std::function<void(governance::ApprovalDecision)> done) override {
        seen.append(request);
        governance::ApprovalDecision d;
        d.approved = approve;
        d.approver = QStringLiteral("test-user");
        d.typedConfirmation = governance::ApprovalGate::confirmationText(request);
        if (!approve)
            d.comment = QStringLiteral("not during the incident call");
        done(d);
    }
    bool approve = true;
    QVector<WriteRequest> seen;
};

} // namespace sextant::test
