#include "aisettingsdialog.h"

#include "consolesession.h"
#include "secrets/credentialstore.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace sextant::ui {

namespace {

struct Preset {
    const char* title;
    const char* url;
    const char* model;
    ai::AuthStyle auth;
};

// Starting points only: every field stays editable.
const Preset kPresets[] = {
    {"Custom", "", "", ai::AuthStyle::Bearer},
    {"OpenAI", "https://api.openai.com/v1", "gpt-4o-mini", ai::AuthStyle::Bearer},
    {"Azure OpenAI",
     "https://<resource>.openai.azure.com/openai/deployments/<deployment>?api-version=2024-06-01",
     "", ai::AuthStyle::ApiKeyHeader},
    {"Ollama (this machine)", "http://127.0.0.1:11434/v1", "llama3.1:8b", ai::AuthStyle::None},
    {"vLLM", "http://127.0.0.1:8000/v1", "", ai::AuthStyle::Bearer},
    {"llama.cpp server", "http://127.0.0.1:8080/v1", "", ai::AuthStyle::None},
    {"OpenShift AI (model serving route)", "https://<route>/v1", "", ai::AuthStyle::Bearer},
};

QSpinBox* spin(QWidget* parent, int min, int max, const QString& suffix) {
    auto* s = new QSpinBox(parent);
    s->setRange(min, max);
    s->setSuffix(suffix);
    return s;
}

} // namespace

AiSettingsDialog::AiSettingsDialog(ConsoleSession* session, QWidget* parent)
    : QDialog(parent)
    , m_session(session)
    , m_preset(new QComboBox(this))
    , m_name(new QLineEdit(this))
    , m_baseUrl(new QLineEdit(this))
    , m_model(new QLineEdit(this))
    , m_auth(new QComboBox(this))
    , m_key(new QLineEdit(this))
    , m_keyState(new QLabel(this))
    , m_timeout(spin(this, 5, 600, tr(" s")))
    , m_firstToken(spin(this, 1, 300, tr(" s")))
    , m_promptTokens(spin(this, 500, 200000, tr(" tokens")))
    , m_completionTokens(spin(this, 50, 32000, tr(" tokens")))
    , m_stream(new QCheckBox(tr("Stream the answer as it is written"), this))
    , m_verifyTls(new QCheckBox(tr("Verify TLS certificates"), this))
    , m_caFile(new QLineEdit(this))
    , m_patterns(new QPlainTextEdit(this))
    , m_error(new QLabel(this)) {
    setWindowTitle(tr("AI provider"));
    setObjectName(QStringLiteral("aiSettingsDialog"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(
        tr("Optional. Sextant's diagnosis works without a model; a model only writes a narrative "
           "on top of the findings and must cite their evidence. Before each request you see "
           "exactly what will be sent, after redaction of secrets."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* form = new QFormLayout;
    for (const Preset& p : kPresets)
        m_preset->addItem(tr(p.title));
    form->addRow(tr("Preset"), m_preset);
    m_name->setPlaceholderText(tr("e.g. Ollama on this laptop"));
    form->addRow(tr("Name"), m_name);
    m_baseUrl->setObjectName(QStringLiteral("aiBaseUrl"));
    m_baseUrl->setPlaceholderText(QStringLiteral("https://api.openai.com/v1"));
    form->addRow(tr("Base URL"), m_baseUrl);
    form->addRow(tr("Model"), m_model);
    m_auth->addItem(tr("Authorization: Bearer <key>"), int(ai::AuthStyle::Bearer));
    m_auth->addItem(tr("api-key: <key> (Azure OpenAI)"), int(ai::AuthStyle::ApiKeyHeader));
    m_auth->addItem(tr("No key"), int(ai::AuthStyle::None));
    form->addRow(tr("Authentication"), m_auth);
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setPlaceholderText(tr("leave empty to keep the key stored in the keychain"));
    form->addRow(tr("API key"), m_key);
    m_keyState->setStyleSheet(QStringLiteral("color:gray"));
    form->addRow(QString(), m_keyState);
    form->addRow(tr("Answer timeout"), m_timeout);
    form->addRow(tr("First text within"), m_firstToken);
    form->addRow(tr("Prompt budget"), m_promptTokens);
    form->addRow(tr("Answer budget"), m_completionTokens);
    form->addRow(QString(), m_stream);
    form->addRow(QString(), m_verifyTls);
    m_caFile->setPlaceholderText(tr("optional PEM file with extra trusted CAs"));
    form->addRow(tr("CA file"), m_caFile);
    m_patterns->setPlaceholderText(
        tr("one regular expression per line, redacted in addition to the built-in rules\n"
           "e.g. (?i)internal-ticket-[0-9]+"));
    m_patterns->setMaximumHeight(80);
    form->addRow(tr("Extra redaction"), m_patterns);
    layout->addLayout(form);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color:#c03030"));
    layout->addWidget(m_error);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    auto* remove = box->addButton(tr("Remove provider"), QDialogButtonBox::DestructiveRole);
    layout->addWidget(box);
    connect(box, &QDialogButtonBox::accepted, this, &AiSettingsDialog::save);
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(remove, &QPushButton::clicked, this, &AiSettingsDialog::removeProvider);
    connect(m_preset, &QComboBox::activated, this, &AiSettingsDialog::fillPreset);
    connect(m_verifyTls, &QCheckBox::toggled, this, [this](bool on) {
        m_verifyTls->setStyleSheet(on ? QString() : QStringLiteral("color:#c03030"));
    });
    load();
    remove->setEnabled(m_hasSaved);
}

void AiSettingsDialog::fillPreset(int index) {
    if (index <= 0 || index >= int(std::size(kPresets)))
        return;
    const Preset& p = kPresets[index];
    m_name->setText(tr(p.title));
    m_baseUrl->setText(QString::fromLatin1(p.url));
    m_model->setText(QString::fromLatin1(p.model));
    m_auth->setCurrentIndex(m_auth->findData(int(p.auth)));
}

void AiSettingsDialog::load() {
    QSettings settings;
    Result<ai::LlmConfig> saved = ai::LlmConfig::load(settings);
    ai::LlmConfig c = saved.ok() ? saved.value() : ai::LlmConfig{};
    m_hasSaved = saved.ok();
    if (!saved.ok() && saved.error().kind != Error::Kind::NotFound)
        m_error->setText(tr("The saved settings are invalid: %1").arg(saved.error().shortMessage));
    m_name->setText(c.name);
    m_baseUrl->setText(c.baseUrl.toString());
    m_model->setText(c.model);
    m_auth->setCurrentIndex(m_auth->findData(int(c.auth)));
    m_timeout->setValue(c.requestTimeoutMs / 1000);
    m_firstToken->setValue(c.firstTokenTimeoutMs / 1000);
    m_promptTokens->setValue(c.maxPromptTokens);
    m_completionTokens->setValue(c.maxCompletionTokens);
    m_stream->setChecked(c.stream);
    m_verifyTls->setChecked(c.verifyTls);
    m_caFile->setText(c.caFile);
    m_patterns->setPlainText(c.redactionPatterns.join(QLatin1Char('\n')));
    m_keyState->setText(
        m_hasSaved && c.auth != ai::AuthStyle::None
            ? tr("A key is kept in the system keychain under %1.").arg(c.apiKeyKey())
            : tr("The key is stored only in the system keychain."));
}

ai::LlmConfig AiSettingsDialog::config() const {
    ai::LlmConfig c;
    c.name = m_name->text().trimmed();
    c.baseUrl = QUrl(m_baseUrl->text().trimmed());
    c.model = m_model->text().trimmed();
    c.auth = ai::AuthStyle(m_auth->currentData().toInt());
    c.apiKeyRef =
        c.auth == ai::AuthStyle::None ? QString() : secrets::CredentialStore::llmApiKeyKey(c.id);
    c.requestTimeoutMs = m_timeout->value() * 1000;
    c.firstTokenTimeoutMs = m_firstToken->value() * 1000;
    c.maxPromptTokens = m_promptTokens->value();
    c.maxCompletionTokens = m_completionTokens->value();
    c.stream = m_stream->isChecked();
    c.verifyTls = m_verifyTls->isChecked();
    c.caFile = m_caFile->text().trimmed();
    for (const QString& line : m_patterns->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty())
            c.redactionPatterns << line.trimmed();
    return c;
}

void AiSettingsDialog::save() {
    const ai::LlmConfig c = config();
    if (Status valid = c.validate(); !valid.ok()) {
        m_error->setText(valid.error().toString());
        return;
    }
    QSettings settings;
    const QString key = m_key->text();
    if (!key.isEmpty() && !c.apiKeyRef.isEmpty()) {
        // The key first: settings that point at a key the keychain refused would fail later.
        QPointer<AiSettingsDialog> self(this);
        m_session->credentials()->write(c.apiKeyRef, key, [self, c](Status s) {
            if (!self)
                return;
            if (!s.ok()) {
                self->m_error->setText(tr("The key was not saved: %1").arg(s.error().toString()));
                return;
            }
            QSettings stored;
            c.save(stored);
            self->accept();
        });
        return;
    }
    c.save(settings);
    accept();
}

void AiSettingsDialog::removeProvider() {
    if (QMessageBox::question(this, tr("Remove AI provider"),
                              tr("Remove the AI provider settings and its key from the "
                                 "keychain?")) != QMessageBox::Yes)
        return;
    QSettings settings;
    settings.remove(QStringLiteral("ai/provider"));
    m_session->credentials()->remove(
        secrets::CredentialStore::llmApiKeyKey(QStringLiteral("default")), [](Status) {});
    accept();
}

} // namespace sextant::ui
