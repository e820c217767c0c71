#pragma once

#include "core/writerequest.h"
#include "governance/approvalgate.h"

#include <QDialog>

class QLineEdit;
class QPushButton;

namespace sextant::ui {

// Shows the exact request a write would send (method, URL, body; the token masked) and asks a
// human to approve or reject it. Production targets need the target's name typed in.
class ApprovalDialog : public QDialog {
    Q_OBJECT
public:
    ApprovalDialog(const WriteRequest& request, const QString& modeText, QWidget* parent = nullptr);
    QString typedConfirmation() const;
    QString comment() const;

private:
    QLineEdit* m_confirm = nullptr;
    QLineEdit* m_comment = nullptr;
    QPushButton* m_approve = nullptr;
};

// The console's Approver: one modal dialog per request, answered on the GUI thread.
class DialogApprover : public governance::Approver {
public:
    explicit DialogApprover(QWidget* parent);
    void requestApproval(const WriteRequest& request,
                         std::function<void(governance::ApprovalDecision)> done) override;

private:
    QWidget* m_parent;
};

} // namespace sextant::ui
