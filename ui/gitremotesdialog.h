#pragma once

#include "gitops/gitremotes.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace sextant::ui {

class ConsoleSession;

// Tools → Git repositories…: the config repositories Sextant reads, pushes to and opens pull
// requests on (docs/git-providers.md, "Console"). Each is keyed by the repository URL the Argo
// CD Applications use. The provider token typed here goes to the keychain through the session;
// the settings file and the list only ever say whether one is stored. New repositories start
// in audit mode (no writes); demo repositories are listed but cannot be edited.
class GitRemotesDialog : public QDialog {
    Q_OBJECT
public:
    explicit GitRemotesDialog(ConsoleSession* session, QWidget* parent = nullptr);

    // An empty form for a new repository.
    void startNew();
    // Selects the repository in the list and shows it in the form (false: not listed).
    bool select(const QString& repoURL);
    void save();
    void test();
    void removeCurrent();

    QTableWidget* table() const { return m_table; }
    QLabel* statusLabel() const { return m_status; }
    bool isBusy() const { return m_busy; }

Q_SIGNALS:
    // A save, removal or test has finished (its result is in the status line).
    void finished();

private:
    void reload();
    void showRemote(const gitops::GitRemote& remote);
    void repoUrlEdited();
    void providerChosen();
    void updateHints();
    void setEditable(bool editable);
    void setStatus(const QString& text, bool error);
    void setBusy(bool busy);
    // The form as a remote; false (with the reason in the status line) when it is not valid.
    bool formToRemote(gitops::GitRemote& out);

    ConsoleSession* m_session;
    QString m_currentURL; // the repoURL being edited; empty for a new one
    bool m_currentEphemeral = false;
    bool m_providerTouched = false; // API base, owner/repo typed by hand: no more pre-filling
    bool m_busy = false;

    QTableWidget* m_table;
    QLineEdit* m_repoUrl;
    QLineEdit* m_cloneUrl;
    QComboBox* m_provider;
    QLineEdit* m_apiBase;
    QLineEdit* m_ownerRepo;
    QLineEdit* m_username;
    QLabel* m_usernameHint;
    QLineEdit* m_token;
    QLabel* m_tokenState;
    QCheckBox* m_writes;
    QCheckBox* m_defaultBranch;
    QCheckBox* m_verifyTls;
    QLabel* m_tlsWarning;
    QLabel* m_status;
    QPushButton* m_add;
    QPushButton* m_remove;
    QPushButton* m_test;
    QPushButton* m_save;
};

} // namespace sextant::ui
