#include "instancedialog.h"

#include "argocd/cliconfig.h"
#include "consolesession.h"
#include "governance/actionmode.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QUuid>
#include <QVBoxLayout>

namespace sextant::ui {

struct FormResult {
    argocd::InstanceConfig config;
    QString secret;
    governance::Mode mode = governance::Mode::Audit;
    bool production = false;
};

InstanceDialog::InstanceDialog(ConsoleSession* session, QWidget* parent)
    : QDialog(parent)
    , m_session(session) {
    setWindowTitle(tr("Argo CD instances"));
    resize(860, 520);
    auto* outer = new QHBoxLayout(this);

    auto* left = new QVBoxLayout;
    m_list = new QListWidget;
    m_list->setAccessibleName(tr("Instances"));
    left->addWidget(m_list);
    auto* add = new QPushButton(tr("&Add"));
    m_remove = new QPushButton(tr("&Remove"));
    auto* import = new QPushButton(tr("&Import from argocd CLI…"));
    auto* leftButtons = new QHBoxLayout;
    leftButtons->addWidget(add);
    leftButtons->addWidget(m_remove);
    left->addLayout(leftButtons);
    left->addWidget(import);
    outer->addLayout(left, 1);

    auto* right = new QVBoxLayout;
    auto* form = new QFormLayout;
    m_name = new QLineEdit;
    m_name->setPlaceholderText(tr("prod-eu"));
    m_url = new QLineEdit;
    m_url->setPlaceholderText(
        tr("https://openshift-gitops-server-openshift-gitops.apps.example.com"));
    m_auth = new QComboBox;
    m_auth->addItem(tr("API token (account or project token)"));
    m_auth->addItem(tr("Username and password (local user)"));
    m_username = new QLineEdit;
    m_secret = new QLineEdit;
    m_secret->setEchoMode(QLineEdit::Password);
    m_caFile = new QLineEdit;
    m_caFile->setPlaceholderText(
        tr("optional: PEM file with the CA that signed the server's certificate"));
    auto* browse = new QPushButton(tr("Browse…"));
    auto* caRow = new QHBoxLayout;
    caRow->addWidget(m_caFile);
    caRow->addWidget(browse);
    m_insecure = new QCheckBox(tr("Skip TLS certificate verification (insecure)"));
    m_insecureWarning = new QLabel(tr("Anyone on the network path can read your token and fake "
                                      "the server's answers. Prefer adding the CA file."));
    m_insecureWarning->setWordWrap(true);
    m_insecureWarning->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_mode = new QComboBox;
    m_mode->addItem(tr("Audit (read-only): watch and analyse, never change"));
    m_mode->addItem(tr("Read-write: changes allowed, each one approved by you"));
    m_production = new QCheckBox(tr("Production: require typing the target name to approve"));

    m_name->setObjectName(QStringLiteral("name"));
    m_url->setObjectName(QStringLiteral("url"));
    m_secret->setObjectName(QStringLiteral("secret"));
    m_auth->setObjectName(QStringLiteral("auth"));
    m_username->setObjectName(QStringLiteral("username"));
    m_caFile->setObjectName(QStringLiteral("caFile"));
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("Server &URL:"), m_url);
    form->addRow(tr("&Sign in with:"), m_auth);
    form->addRow(tr("User&name:"), m_username);
    form->addRow(tr("&Token / password:"), m_secret);
    auto* caLabel = new QLabel(tr("&CA file:"));
    caLabel->setBuddy(m_caFile); // the row's field is a layout, so the form cannot set it
    form->addRow(caLabel, caRow);
    form->addRow(QString(), m_insecure);
    form->addRow(QString(), m_insecureWarning);
    form->addRow(tr("&Mode:"), m_mode);
    form->addRow(QString(), m_production);
    right->addLayout(form);

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setAccessibleName(tr("Result"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    right->addWidget(m_status);
    right->addStretch();

    auto* buttons = new QDialogButtonBox;
    auto* testButton = buttons->addButton(tr("&Test connection"), QDialogButtonBox::ActionRole);
    testButton->setObjectName(QStringLiteral("test"));
    auto* saveButton = buttons->addButton(tr("&Save and connect"), QDialogButtonBox::ApplyRole);
    saveButton->setObjectName(QStringLiteral("save"));
    buttons->addButton(QDialogButtonBox::Close);
    right->addWidget(buttons);
    outer->addLayout(right, 2);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(testButton, &QPushButton::clicked, this, &InstanceDialog::test);
    connect(saveButton, &QPushButton::clicked, this, &InstanceDialog::save);
    connect(add, &QPushButton::clicked, this, &InstanceDialog::startNew);
    connect(m_remove, &QPushButton::clicked, this, &InstanceDialog::removeCurrent);
    connect(import, &QPushButton::clicked, this, &InstanceDialog::importFromCli);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file =
            QFileDialog::getOpenFileName(this, tr("CA certificate"), QDir::homePath(),
                                         tr("PEM files (*.pem *.crt *.cer);;All files (*)"));
        if (!file.isEmpty())
            m_caFile->setText(file);
    });
    connect(m_auth, &QComboBox::currentIndexChanged, this, &InstanceDialog::updateAuthFields);
    connect(m_insecure, &QCheckBox::toggled, m_insecureWarning, &QWidget::setVisible);
    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0)
            showInstance(m_list->item(row)->data(Qt::UserRole).toString());
    });
    connect(m_session, &ConsoleSession::instancesChanged, this, &InstanceDialog::reloadList);

    reloadList();
    if (m_list->count() > 0)
        m_list->setCurrentRow(0);
    else
        startNew();
}

void InstanceDialog::reloadList() {
    const QSignalBlocker block(m_list);
    m_list->clear();
    for (const QString& id : m_session->instanceIds()) {
        const auto* info = m_session->instance(id);
        auto* item = new QListWidgetItem(info->config.displayName() +
                                         (info->ephemeral ? tr("  (demo)") : QString()));
        item->setData(Qt::UserRole, id);
        m_list->addItem(item);
        if (id == m_currentId)
            m_list->setCurrentItem(item);
    }
}

void InstanceDialog::updateAuthFields() {
    const bool password = m_auth->currentIndex() == 1;
    m_username->setEnabled(password);
    m_secret->setPlaceholderText(m_currentId.isEmpty()
                                     ? tr("stored only in the system keychain")
                                     : tr("leave empty to keep the one in the keychain"));
}

void InstanceDialog::startNew() {
    m_currentId.clear();
    m_list->clearSelection();
    m_name->clear();
    m_url->clear();
    m_auth->setCurrentIndex(0);
    m_username->setText(QStringLiteral("admin"));
    m_secret->clear();
    m_caFile->clear();
    m_insecure->setChecked(false);
    m_insecureWarning->setVisible(false);
    m_mode->setCurrentIndex(0);
    m_production->setChecked(false);
    m_remove->setEnabled(false);
    setStatus(tr("New instance. It starts in audit (read-only) mode."), false);
    updateAuthFields();
    m_name->setFocus();
}

void InstanceDialog::showInstance(const QString& id) {
    const auto* info = m_session->instance(id);
    if (!info)
        return;
    m_currentId = id;
    const auto& c = info->config;
    m_name->setText(c.name);
    m_url->setText(c.baseUrl.toString());
    m_auth->setCurrentIndex(c.authMethod == argocd::AuthMethod::Password ? 1 : 0);
    m_username->setText(c.username);
    m_secret->clear();
    m_caFile->setText(c.caFile);
    m_insecure->setChecked(c.insecure);
    m_insecureWarning->setVisible(c.insecure);
    m_mode->setCurrentIndex(m_session->policy()->mode(id) == governance::Mode::ReadWrite ? 1 : 0);
    m_production->setChecked(m_session->policy()->requiresTypedConfirmation(id));
    m_remove->setEnabled(true);
    const QString state = ConsoleSession::stateName(info->state);
    setStatus(info->lastError.isError() ? tr("%1: %2").arg(state, info->lastError.toString())
                                        : tr("State: %1").arg(state),
              info->lastError.isError());
    updateAuthFields();
}

bool InstanceDialog::formToConfig(FormResult& out) {
    // A new instance gets its id now, so validation and the connection test see a whole config.
    out.config.id =
        m_currentId.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : m_currentId;
    out.config.name = m_name->text().trimmed();
    // Taken as typed: validate() explains a missing scheme instead of guessing one.
    out.config.baseUrl = QUrl(m_url->text().trimmed());
    out.config.authMethod =
        m_auth->currentIndex() == 1 ? argocd::AuthMethod::Password : argocd::AuthMethod::Token;
    out.config.username = m_username->text().trimmed();
    out.config.caFile = m_caFile->text().trimmed();
    out.config.insecure = m_insecure->isChecked();
    if (const auto* existing = m_session->instance(m_currentId))
        out.config.requestTimeoutMs = existing->config.requestTimeoutMs;
    out.secret = m_secret->text();
    out.mode = m_mode->currentIndex() == 1 ? governance::Mode::ReadWrite : governance::Mode::Audit;
    out.production = m_production->isChecked();
    if (auto valid = out.config.validate(); !valid.ok()) {
        setStatus(valid.error().toString(), true);
        return false;
    }
    return true;
}

void InstanceDialog::test() {
    FormResult form;
    if (!formToConfig(form))
        return;
    setStatus(tr("Testing %1…").arg(form.config.baseUrl.toString()), false);
    QPointer<InstanceDialog> self(this);
    m_session->testConnection(form.config, form.secret, [self](Status status, QString text) {
        if (!self)
            return;
        if (status.ok())
            self->setStatus(text, false);
        else
            self->setStatus(status.error().toString(), true);
    });
}

void InstanceDialog::save() {
    FormResult form;
    if (!formToConfig(form))
        return;
    if (const auto* existing = m_session->instance(form.config.id);
        existing && existing->ephemeral) {
        // Demo instances live in memory only: change the mode, nothing is saved.
        m_session->policy()->setMode(form.config.id, form.mode);
        m_session->policy()->setRequiresTypedConfirmation(form.config.id, form.production);
        setStatus(tr("Mode changed to %1.").arg(governance::displayName(form.mode)), false);
        return;
    }
    if (form.config.id.isEmpty() && form.secret.isEmpty()) {
        setStatus(tr("Enter a token or password: Sextant needs it to connect."), true);
        return;
    }
    setStatus(tr("Saving…"), false);
    QPointer<InstanceDialog> self(this);
    m_session->saveInstance(form.config, form.secret, form.mode == governance::Mode::ReadWrite,
                            form.production, [self](Result<QString> id) {
                                if (!self)
                                    return;
                                if (!id.ok()) {
                                    self->setStatus(id.error().toString(), true);
                                    return;
                                }
                                self->m_currentId = id.value();
                                self->reloadList();
                                self->setStatus(tr("Saved. Connecting…"), false);
                            });
}

void InstanceDialog::removeCurrent() {
    if (m_currentId.isEmpty())
        return;
    const auto* info = m_session->instance(m_currentId);
    if (QMessageBox::question(this, tr("Remove instance"),
                              tr("Remove %1 and delete its token from the keychain?")
                                  .arg(info->config.displayName())) != QMessageBox::Yes)
        return;
    m_session->removeInstance(m_currentId);
    startNew();
}

void InstanceDialog::importFromCli() {
    auto imported = argocd::CliConfigImport::load(argocd::CliConfigImport::defaultPath());
    if (!imported.ok()) {
        setStatus(imported.error().toString(), true);
        return;
    }
    int added = 0;
    QStringList notes = imported->warnings;
    for (argocd::ImportedContext ctx : imported->contexts) {
        if (!ctx.caPem.isEmpty()) {
            const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                                QStringLiteral("/ca");
            QDir().mkpath(dir);
            const QString caPath = dir + QLatin1Char('/') +
                                   ctx.contextName.replace(QLatin1Char('/'), QLatin1Char('_')) +
                                   QStringLiteral(".pem");
            if (auto written = argocd::CliConfigImport::writeCaFile(ctx, caPath); !written.ok())
                notes << written.error().shortMessage;
        }
        notes << ctx.notes;
        // Imported instances start read-only like every other.
        m_session->saveInstance(ctx.config, ctx.token, false, false, [](Result<QString>) {});
        ++added;
    }
    for (const auto& skipped : imported->skipped)
        notes << tr("Skipped %1 (%2): %3").arg(skipped.contextName, skipped.server, skipped.reason);
    setStatus(
        tr("Imported %n context(s) from %1; tokens went to the keychain.", nullptr, added)
                .arg(imported->path) +
            (notes.isEmpty() ? QString() : QStringLiteral("\n") + notes.join(QLatin1Char('\n'))),
        false);
}

void InstanceDialog::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

} // namespace sextant::ui
