#include "metricssourcedialog.h"

#include "consolesession.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace sextant::ui {

MetricsSourceDialog::MetricsSourceDialog(ConsoleSession* session, QWidget* parent)
    : QDialog(parent)
    , m_session(session)
    , m_loaded(session->metricsSource()) {
    setWindowTitle(tr("Metrics source"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(
        tr("The release review compares canaries with their baselines on this Prometheus. "
           "Use one that sees every cluster with a <code>cluster</code> label — a central "
           "Prometheus, Thanos, or OpenShift's <code>thanos-querier</code> route in "
           "<code>openshift-monitoring</code> (a token of someone with "
           "<code>cluster-monitoring-view</code>)."));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* form = new QFormLayout;
    m_url = new QLineEdit(m_loaded.prometheus.baseUrl.toString());
    m_url->setPlaceholderText(
        QStringLiteral("https://thanos-querier-openshift-monitoring.apps.example.com"));
    m_url->setAccessibleName(tr("Prometheus URL"));
    form->addRow(tr("Prometheus URL"), m_url);
    m_token = new QLineEdit;
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(m_loaded.hasToken ? tr("stored in the keychain — type to replace")
                                                  : tr("optional bearer token"));
    m_token->setAccessibleName(tr("Bearer token"));
    form->addRow(tr("Bearer token"), m_token);
    m_removeToken = new QCheckBox(tr("Remove the stored token"));
    m_removeToken->setVisible(m_loaded.hasToken);
    form->addRow(QString(), m_removeToken);
    m_namespace = new QLineEdit(m_loaded.tenancyNamespace);
    m_namespace->setPlaceholderText(tr("only for the tenancy port 9092, e.g. shop"));
    m_namespace->setAccessibleName(tr("Tenancy namespace"));
    form->addRow(tr("Tenancy namespace"), m_namespace);
    m_caFile = new QLineEdit(m_loaded.prometheus.caFile);
    m_caFile->setPlaceholderText(tr("PEM file added to the system CAs (optional)"));
    m_caFile->setAccessibleName(tr("CA file"));
    form->addRow(tr("CA file"), m_caFile);
    m_insecure = new QCheckBox(tr("Skip TLS verification (not recommended)"));
    m_insecure->setChecked(m_loaded.prometheus.insecure);
    form->addRow(QString(), m_insecure);
    m_alertmanager = new QLineEdit(m_loaded.alertmanager.baseUrl.toString());
    m_alertmanager->setPlaceholderText(tr("optional, e.g. https://alertmanager.example.com"));
    m_alertmanager->setAccessibleName(tr("Alertmanager URL"));
    form->addRow(tr("Alertmanager URL"), m_alertmanager);
    layout->addLayout(form);

    m_status = new QLabel(tr("Now: %1").arg(session->metricsSourceDescription()));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setAccessibleName(tr("Result"));
    layout->addWidget(m_status);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_testButton = buttons->addButton(tr("Test"), QDialogButtonBox::ActionRole);
    m_saveButton = buttons->addButton(tr("Save"), QDialogButtonBox::AcceptRole);
    connect(m_testButton, &QPushButton::clicked, this, &MetricsSourceDialog::test);
    connect(m_saveButton, &QPushButton::clicked, this, &MetricsSourceDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(640, sizeHint().height());
}

bool MetricsSourceDialog::formToSource(metrics::MetricsSource& out) {
    out = m_loaded;
    out.prometheus.baseUrl = QUrl(m_url->text().trimmed());
    out.prometheus.caFile = m_caFile->text().trimmed();
    out.prometheus.insecure = m_insecure->isChecked();
    out.tenancyNamespace = m_namespace->text().trimmed();
    out.alertmanager.baseUrl = QUrl(m_alertmanager->text().trimmed());
    out.alertmanager.caFile = out.prometheus.caFile;
    out.alertmanager.insecure = out.prometheus.insecure;
    if (const Status s = out.validate(); !s) {
        setStatus(s.error().shortMessage, true);
        return false;
    }
    return true;
}

void MetricsSourceDialog::test() {
    metrics::MetricsSource source;
    if (m_busy || !formToSource(source))
        return;
    setBusy(true);
    setStatus(tr("Testing %1…").arg(source.prometheus.baseUrl.toDisplayString()), false);
    QPointer<MetricsSourceDialog> self(this);
    m_session->testMetricsSource(source, m_token->text(), [self](Result<QString> result) {
        if (!self)
            return;
        self->setBusy(false);
        if (result)
            self->setStatus(result.value(), false);
        else
            self->setStatus(result.error().shortMessage, true);
        Q_EMIT self->finished();
    });
}

void MetricsSourceDialog::save() {
    metrics::MetricsSource source;
    if (m_busy || !formToSource(source))
        return;
    setBusy(true);
    QPointer<MetricsSourceDialog> self(this);
    m_session->saveMetricsSource(
        source, m_token->text(), m_removeToken->isChecked(), [self](Status saved) {
            if (!self)
                return;
            self->setBusy(false);
            if (!saved) {
                self->setStatus(saved.error().shortMessage, true);
            } else {
                self->m_loaded = self->m_session->metricsSource();
                self->m_token->clear();
                self->m_removeToken->setChecked(false);
                self->m_removeToken->setVisible(self->m_loaded.hasToken);
                self->setStatus(tr("Saved: %1").arg(self->m_loaded.description()), false);
                Q_EMIT self->saved();
            }
            Q_EMIT self->finished();
        });
}

void MetricsSourceDialog::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
}

void MetricsSourceDialog::setBusy(bool busy) {
    m_busy = busy;
    m_testButton->setEnabled(!busy);
    m_saveButton->setEnabled(!busy);
}

} // namespace sextant::ui
