#pragma once

#include "configchange.h"
#include "correctiveproposal.h"

#include <QDialog>

#include <optional>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QTextBrowser;
class QTreeWidget;

namespace sextant::ui {

class ConsoleSession;

// Tools → Describe a config change… (Ctrl+Shift+P): pick a config repository (a configured
// remote's mirror or a local Git repository), a base and a head revision or the local changes
// of a work tree, and Sextant describes the change off the GUI thread: the Applications it
// reaches by cluster and environment, the object-level changes, risks, policy results and
// approvals, and an editable pull request. "Approve and open pull request…" commits the local
// changes to a new branch and pushes it (one approval of the exact diff), then opens the pull
// request (a second approval); for a branch already on the remote, only the second.
class PrDraftDialog : public QDialog {
    Q_OBJECT
public:
    explicit PrDraftDialog(ConsoleSession* session, QWidget* parent = nullptr);
    ~PrDraftDialog() override;

    // Chooses a configured remote (its repoURL) or a local folder as the repository.
    bool chooseRemote(const QString& repoURL);
    void chooseFolder(const QString& folder);
    void setBase(const QString& revision);
    void setHead(const QString& revision); // also turns "local changes" off
    void setLocalChanges(bool on);

    void describe();
    void approveAndOpen();
    // Shows a change described elsewhere (a revert to an earlier revision, from the rollback
    // view) for review and approval; the repository and revisions are fixed.
    void presentDraft(ConfigChangeDraft draft, const QString& heading);

    bool isBusy() const { return m_busy; }
    const std::optional<ConfigChangeDraft>& draft() const { return m_draft; }
    const std::optional<CorrectiveOutcome>& outcome() const { return m_outcome; }
    QLabel* statusLabel() const { return m_status; }
    QTableWidget* impactTable() const { return m_impact; }
    QTableWidget* risksTable() const { return m_risks; }
    QTreeWidget* changesTree() const { return m_changes; }
    QLineEdit* titleEdit() const { return m_title; }
    QLineEdit* branchEdit() const { return m_branch; }
    QPlainTextEdit* markdownEdit() const { return m_markdown; }
    QPushButton* approveButton() const { return m_approve; }
    QTabWidget* tabs() const { return m_tabs; }

Q_SIGNALS:
    void inspected(); // the repository's default branch is known (or it could not be read)
    void described(); // a description (or an error) arrived
    void finished();  // the pull request is open, or the submission failed

private:
    void fillRepositories();
    void repositoryChosen();
    void inspect();
    void showDraft(Result<ConfigChangeDraft> result);
    void showObjectDiff();
    void updateApprove();
    void setBusy(bool busy, const QString& text = {});
    void setStatus(const QString& html);
    ConfigChangeSource source() const;

    ConsoleSession* m_session;
    std::optional<ConfigChangeDraft> m_draft;
    std::optional<CorrectiveOutcome> m_outcome;
    bool m_busy = false;
    bool m_hasWorkTree = false;
    int m_inspection = 0; // newer inspections win over older answers

    QFormLayout* m_form = nullptr;
    QWidget* m_chooser = nullptr;
    QComboBox* m_repository;
    QWidget* m_folderRow;
    QLineEdit* m_folder;
    QLineEdit* m_base;
    QLineEdit* m_head;
    QCheckBox* m_localChanges;
    QPushButton* m_describe;
    QLabel* m_status;
    QTabWidget* m_tabs;
    QTextBrowser* m_summary;
    QTableWidget* m_impact;
    QTreeWidget* m_changes;
    QTextBrowser* m_objectDiff;
    QTableWidget* m_risks;
    QTextBrowser* m_policy;
    QTextBrowser* m_commit;
    QLineEdit* m_title;
    QLineEdit* m_branch;
    QLabel* m_branchLabel;
    QPlainTextEdit* m_markdown;
    QLabel* m_target;
    QPushButton* m_approve;
};

} // namespace sextant::ui
