#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace sextant::ui {

class ConsoleSession;

// Add, edit, remove, test and import Argo CD instances. Tokens and passwords typed here go
// straight to the system keychain; the settings file only ever sees the connection details.
class InstanceDialog : public QDialog {
    Q_OBJECT
public:
    explicit InstanceDialog(ConsoleSession* session, QWidget* parent = nullptr);

    // For tests and first-start flows: start with an empty "new instance" form.
    void startNew();

private:
    void reloadList();
    void showInstance(const QString& id);
    void save();
    void test();
    void importFromCli();
    void removeCurrent();
    void setStatus(const QString& text, bool error);
    void updateAuthFields();
    bool formToConfig(struct FormResult& out);

    ConsoleSession* m_session;
    QString m_currentId;
    QListWidget* m_list;
    QLineEdit* m_name;
    QLineEdit* m_url;
    QComboBox* m_auth;
    QLineEdit* m_username;
    QLineEdit* m_secret;
    QLineEdit* m_caFile;
    QCheckBox* m_insecure;
    QLabel* m_insecureWarning;
    QComboBox* m_mode;
    QCheckBox* m_production;
    QLabel* m_status;
    QPushButton* m_remove;
};

} // namespace sextant::ui
