#include "approvaldialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace sextant::ui {

ApprovalDialog::ApprovalDialog(const WriteRequest& request, const QString& modeText,
                               QWidget* parent)
    : QDialog(parent) {
    setWindowTitle(tr("Approve change on %1").arg(request.instanceName));
    setMinimumWidth(640);
    auto* layout = new QVBoxLayout(this);

    auto* headline = new QLabel(QStringLiteral("<b>%1</b>").arg(request.summary.toHtmlEscaped()));
    headline->setWordWrap(true);
    layout->addWidget(headline);

    auto* form = new QFormLayout;
    form->addRow(tr("Instance:"), new QLabel(request.instanceName + QStringLiteral(" (") +
                                             modeText + QLatin1Char(')')));
    form->addRow(tr("Target:"), new QLabel(request.target));
    form->addRow(tr("Action:"), new QLabel(request.action));
    layout->addLayout(form);

    layout->addWidget(new QLabel(tr("Exact request that will be sent:")));
    auto* text = new QPlainTextEdit(request.displayText());
    text->setReadOnly(true);
    text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    text->setAccessibleName(tr("Exact request"));
    text->setMinimumHeight(160);
    layout->addWidget(text);

    auto* note = new QLabel(tr("Approving records your decision in the audit log before anything "
                               "is sent. Nothing else will be changed."));
    note->setWordWrap(true);
    layout->addWidget(note);

    m_comment = new QLineEdit;
    m_comment->setPlaceholderText(tr("Reason or ticket (optional, recorded in the audit log)"));
    m_comment->setAccessibleName(tr("Reason"));
    layout->addWidget(m_comment);

    auto* buttons = new QDialogButtonBox;
    m_approve = buttons->addButton(tr("Approve and send"), QDialogButtonBox::AcceptRole);
    buttons->addButton(tr("Reject"), QDialogButtonBox::RejectRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    if (request.production) {
        const QString expected = governance::ApprovalGate::confirmationText(request);
        auto* warn = new QLabel(tr("<b>Production.</b> Type <code>%1</code> to confirm.")
                                    .arg(expected.toHtmlEscaped()));
        warn->setStyleSheet(QStringLiteral("color: #b00020;"));
        layout->addWidget(warn);
        m_confirm = new QLineEdit;
        m_confirm->setObjectName(QStringLiteral("typedConfirmation"));
        m_confirm->setAccessibleName(tr("Typed confirmation"));
        layout->addWidget(m_confirm);
        m_approve->setEnabled(false);
        connect(m_confirm, &QLineEdit::textChanged, this,
                [this, expected](const QString& t) { m_approve->setEnabled(t == expected); });
    }
    layout->addWidget(buttons);
    // Rejecting is the default: Enter alone never approves.
    m_approve->setAutoDefault(false);
    m_approve->setDefault(false);
}

QString ApprovalDialog::typedConfirmation() const {
    return m_confirm ? m_confirm->text() : QString();
}

QString ApprovalDialog::comment() const {
    return m_comment->text();
}

DialogApprover::DialogApprover(QWidget* parent)
    : m_parent(parent) {}

void DialogApprover::requestApproval(const WriteRequest& request,
                                     std::function<void(governance::ApprovalDecision)> done) {
    auto* dialog = new ApprovalDialog(request, QObject::tr("read-write"), m_parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(dialog, &QDialog::finished, dialog, [dialog, done](int result) {
        governance::ApprovalDecision decision;
        decision.approved = result == QDialog::Accepted;
        decision.approver = qEnvironmentVariable("USER", QStringLiteral("unknown"));
        decision.comment = dialog->comment();
        decision.typedConfirmation = dialog->typedConfirmation();
        done(decision);
    });
    dialog->open();
}

} // namespace sextant::ui
