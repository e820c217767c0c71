#pragma once

#include "analysis/evidence.h"
#include "correctiveproposal.h"

#include <QDialog>
#include <QMap>

#include <nlohmann/json.hpp>

#include <optional>

class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTextBrowser;

namespace sextant::ui {

class ConsoleSession;

// A corrective commit drafted from a diagnosis finding, for review: the values it uses (with the
// reasons for the suggested ones, editable), the exact diff of each file, what the change
// reaches (applications, clusters, object changes, risks, policy), and the pull request's title
// and description (editable). "Approve and open pull request…" asks for two approvals through
// the gate — the commit, then the provider request — and shows the link at the end.
class CorrectiveCommitDialog : public QDialog {
    Q_OBJECT
public:
    CorrectiveCommitDialog(ConsoleSession* session, QString appKey, nlohmann::json application,
                           nlohmann::json resourceTree, analysis::Finding finding,
                           QWidget* parent = nullptr);
    ~CorrectiveCommitDialog() override;

    // Drafts again with the values in the input fields.
    void redraft();
    void approveAndOpen();

    const std::optional<CorrectiveProposal>& proposal() const { return m_proposal; }
    const std::optional<CorrectiveOutcome>& outcome() const { return m_outcome; }
    bool isBusy() const { return m_busy; }
    QLabel* statusLabel() const { return m_status; }
    QPushButton* approveButton() const { return m_approve; }
    QLineEdit* input(const QString& name) const { return m_inputs.value(name); }
    QLineEdit* titleEdit() const { return m_title; }
    QPlainTextEdit* bodyEdit() const { return m_body; }

Q_SIGNALS:
    void drafted();  // a draft (or an error) arrived
    void finished(); // the pull request is open, or the submission failed

private:
    void showProposal(Result<CorrectiveProposal> result);
    void rebuildInputs();
    void setBusy(bool busy, const QString& text);
    void setStatus(const QString& html);

    ConsoleSession* m_session;
    QString m_appKey;
    nlohmann::json m_application;
    nlohmann::json m_tree;
    analysis::Finding m_finding;
    std::optional<CorrectiveProposal> m_proposal;
    std::optional<CorrectiveOutcome> m_outcome;
    QMap<QString, QString> m_values; // what the user typed or accepted, by input name
    bool m_busy = false;

    QLabel* m_heading;
    QLabel* m_status;
    QWidget* m_inputBox;
    QFormLayout* m_inputForm;
    QMap<QString, QLineEdit*> m_inputs;
    QPushButton* m_redraft;
    QTabWidget* m_tabs;
    QTextBrowser* m_changes;
    QTextBrowser* m_impact;
    QLineEdit* m_title;
    QPlainTextEdit* m_body;
    QLabel* m_target;
    QPushButton* m_approve;
};

} // namespace sextant::ui
