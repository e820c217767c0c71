#pragma once

#include "ai/llmconfig.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace sextant::ui {

class ConsoleSession;

// The optional AI provider: any OpenAI-compatible chat completions endpoint. Settings go to
// QSettings ("ai/provider"); the API key goes only to the keychain. Removing the provider
// deletes both. Everything in Sextant works without one.
class AiSettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit AiSettingsDialog(ConsoleSession* session, QWidget* parent = nullptr);

    // The settings as typed (not yet validated).
    ai::LlmConfig config() const;

private:
    void load();
    void save();
    void removeProvider();
    void fillPreset(int index);

    ConsoleSession* m_session;
    QComboBox* m_preset;
    QLineEdit* m_name;
    QLineEdit* m_baseUrl;
    QLineEdit* m_model;
    QComboBox* m_auth;
    QLineEdit* m_key;
    QLabel* m_keyState;
    QSpinBox* m_timeout;
    QSpinBox* m_firstToken;
    QSpinBox* m_promptTokens;
    QSpinBox* m_completionTokens;
    QCheckBox* m_stream;
    QCheckBox* m_verifyTls;
    QLineEdit* m_caFile;
    QPlainTextEdit* m_patterns;
    QLabel* m_error;
    bool m_hasSaved = false;
};

} // namespace sextant::ui
