#include "fleetreportdialog.h"

#include "report/reportformat.h"
#include "secrets/credentialstore.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace sextant::ui {

namespace {

Status writeFile(const QString& path, const QString& text) {
    QSaveFile f(path);
    const QByteArray bytes = text.toUtf8();
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
        return Error::make(Error::Kind::Io, QStringLiteral("cannot write %1").arg(path),
                           f.errorString());
    return okStatus();
}

QString kindLabel(report::WebhookKind kind) {
    return kind == report::WebhookKind::Slack ? QStringLiteral("Slack incoming webhook")
                                              : QStringLiteral("generic webhook");
}

// The default confirmation: destination, redaction count and the exact body, read-only.
bool confirmDialog(QWidget* parent, report::WebhookKind kind, const QString& destination,
                   const report::WebhookPayload& payload) {
    QDialog box(parent);
    box.setWindowTitle(QStringLiteral("Post the report?"));
    auto* layout = new QVBoxLayout(&box);
    QString intro =
        QStringLiteral("<p>Post this report to the %1 at <b>%2</b>?</p>"
                       "<p>This is exactly what will be sent (%3 bytes, %4).")
            .arg(kindLabel(kind), destination.toHtmlEscaped())
            .arg(payload.body.size())
            .arg(payload.redactions == 0
                     ? QStringLiteral("no secret found")
                     : QStringLiteral("%1 secret value%2 redacted")
                           .arg(payload.redactions)
                           .arg(payload.redactions == 1 ? QString() : QStringLiteral("s")));
    if (!payload.notes.isEmpty())
        intro += QStringLiteral(" Cut to fit: %1.")
                     .arg(payload.notes.join(QStringLiteral("; ")).toHtmlEscaped());
    intro += QStringLiteral("</p>");
    auto* label = new QLabel(intro, &box);
    label->setWordWrap(true);
    layout->addWidget(label);
    auto* body = new QPlainTextEdit(&box);
    body->setReadOnly(true);
    body->setObjectName(QStringLiteral("payload"));
    body->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    body->setPlainText(QString::fromUtf8(payload.body));
    layout->addWidget(body, 1);
    auto* buttons = new QDialogButtonBox(&box);
    buttons->addButton(QStringLiteral("Post"), QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &box, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &box, &QDialog::reject);
    layout->addWidget(buttons);
    box.resize(760, 560);
    return box.exec() == QDialog::Accepted;
}

} // namespace

FleetReportDialog::FleetReportDialog(report::FleetReport report, secrets::CredentialStore* store,
                                     QWidget* parent)
    : QDialog(parent)
    , m_store(store)
    , m_poster(new report::WebhookPoster(nullptr, this)) {
    setWindowTitle(QStringLiteral("Fleet report"));
    auto* layout = new QVBoxLayout(this);
    m_preview = new QTextBrowser(this);
    m_preview->setOpenExternalLinks(false);
    m_preview->setOpenLinks(false);
    layout->addWidget(m_preview, 1);

    auto* row = new QHBoxLayout;
    auto* saveMd = new QPushButton(QStringLiteral("Save as Markdown…"), this);
    auto* saveHtml = new QPushButton(QStringLiteral("Save as HTML…"), this);
    connect(saveMd, &QPushButton::clicked, this, [this] { saveAs(false); });
    connect(saveHtml, &QPushButton::clicked, this, [this] { saveAs(true); });
    row->addWidget(saveMd);
    row->addWidget(saveHtml);
    row->addStretch(1);
    m_kind = new QComboBox(this);
    m_kind->addItem(QStringLiteral("Slack"), int(report::WebhookKind::Slack));
    m_kind->addItem(QStringLiteral("Generic webhook"), int(report::WebhookKind::Generic));
    row->addWidget(m_kind);
    m_postButton = new QPushButton(QStringLiteral("Post…"), this);
    m_postButton->setToolTip(QStringLiteral(
        "Shows the exact redacted payload and the destination, then posts after you confirm"));
    connect(m_postButton, &QPushButton::clicked, this,
            [this] { post(report::WebhookKind(m_kind->currentData().toInt())); });
    row->addWidget(m_postButton);
    m_forgetButton = new QPushButton(QStringLiteral("Forget URL"), this);
    m_forgetButton->setToolTip(QStringLiteral("Removes the stored webhook URL from the keychain"));
    connect(m_forgetButton, &QPushButton::clicked, this, &FleetReportDialog::forgetUrl);
    row->addWidget(m_forgetButton);
    auto* close = new QPushButton(QStringLiteral("Close"), this);
    connect(close, &QPushButton::clicked, this, &QDialog::accept);
    row->addWidget(close);
    layout->addLayout(row);

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);
    if (!m_store) {
        m_postButton->setEnabled(false);
        m_forgetButton->setEnabled(false);
        m_postButton->setToolTip(QStringLiteral("Posting needs the keychain, which is not "
                                                "available here"));
    }
    resize(980, 760);
    setReport(std::move(report));
}

FleetReportDialog::~FleetReportDialog() = default;

QString FleetReportDialog::webhookKey(report::WebhookKind kind) {
    return secrets::CredentialStore::key(QStringLiteral("webhook"), report::toString(kind),
                                         QStringLiteral("url"));
}

void FleetReportDialog::setReport(report::FleetReport rep) {
    m_report = std::move(rep);
    // Redacted once here, so the preview, the files and the post show the same text.
    report::redactReport(m_report);
    render();
}

void FleetReportDialog::render() {
    m_markdown = report::fleetReportToMarkdown(m_report);
    m_html = report::fleetReportToHtml(m_report);
    m_preview->setHtml(m_html);
    setWindowTitle(QStringLiteral("%1 — %2").arg(m_report.title, m_report.summaryLine()));
}

void FleetReportDialog::setPostTimeoutMs(int ms) {
    m_poster->setTimeoutMs(ms);
}

Status FleetReportDialog::saveMarkdown(const QString& path) const {
    return writeFile(path, m_markdown);
}

Status FleetReportDialog::saveHtml(const QString& path) const {
    return writeFile(path, m_html);
}

void FleetReportDialog::saveAs(bool html) {
    const QString suggested = QStringLiteral("fleet-report-%1.%2")
                                  .arg(m_report.periodEnd.toString(QStringLiteral("yyyy-MM-dd")),
                                       html ? QStringLiteral("html") : QStringLiteral("md"));
    const QString path = QFileDialog::getSaveFileName(
        this,
        html ? QStringLiteral("Save the report as HTML")
             : QStringLiteral("Save the report as Markdown"),
        suggested, html ? QStringLiteral("HTML (*.html)") : QStringLiteral("Markdown (*.md)"));
    if (path.isEmpty())
        return;
    const Status saved = html ? saveHtml(path) : saveMarkdown(path);
    m_status->setText(saved ? QStringLiteral("Saved %1").arg(path).toHtmlEscaped()
                            : saved.error().toString().toHtmlEscaped());
}

void FleetReportDialog::setBusy(bool busy, const QString& text) {
    m_busy = busy;
    m_postButton->setEnabled(!busy && m_store);
    m_forgetButton->setEnabled(!busy && m_store);
    m_kind->setEnabled(!busy);
    if (!text.isEmpty())
        m_status->setText(text.toHtmlEscaped());
}

void FleetReportDialog::finishPost(const Status& status) {
    setBusy(false);
    m_lastError = status ? Error() : status.error();
    if (!status)
        m_status->setText(QStringLiteral("<b>Not posted:</b> %1<br><small>%2</small>")
                              .arg(status.error().shortMessage.toHtmlEscaped(),
                                   status.error().details.toHtmlEscaped().replace(
                                       QLatin1Char('\n'), QStringLiteral("<br>"))));
    emit postFinished(status.ok());
}

void FleetReportDialog::post(report::WebhookKind kind) {
    if (m_busy)
        return;
    if (!m_store) {
        finishPost(
            Error::make(Error::Kind::Keychain,
                        QStringLiteral("posting needs the keychain to keep the webhook URL")));
        return;
    }
    setBusy(true, QStringLiteral("Reading the %1 URL from the keychain…").arg(kindLabel(kind)));
    withUrl(kind, [this, kind](QUrl url, bool fromKeychain) {
        setBusy(true, QStringLiteral("Preparing the payload…"));
        report::PostContent content;
        content.title = QStringLiteral("%1 · %2").arg(
            m_report.title, m_report.periodEnd.toString(QStringLiteral("d MMM yyyy")));
        content.summary = m_report.summaryLine();
        content.markdown = m_markdown;
        content.html = m_html;
        // The JSON document and the redaction of every string run off the GUI thread.
        const report::FleetReport rep = m_report;
        auto* watcher = new QFutureWatcher<report::WebhookPayload>(this);
        connect(watcher, &QFutureWatcher<report::WebhookPayload>::finished, this,
                [this, watcher, kind, url, fromKeychain] {
                    watcher->deleteLater();
                    confirmAndSend(kind, url, fromKeychain, watcher->result());
                });
        watcher->setFuture(QtConcurrent::run([kind, content, rep]() mutable {
            content.report = report::fleetReportToJson(rep);
            return report::buildWebhookPayload(kind, content);
        }));
    });
}

void FleetReportDialog::withUrl(report::WebhookKind kind, std::function<void(QUrl, bool)> next) {
    QPointer<FleetReportDialog> self(this);
    m_store->read(webhookKey(kind), [self, kind, next](Result<QString> stored) {
        if (!self)
            return;
        if (stored) {
            auto url = report::validateWebhookUrl(*stored);
            if (url) {
                next(*url, true);
                return;
            }
        } else if (stored.error().kind != Error::Kind::NotFound) {
            // A keychain that cannot be read: say so; the URL may still be used once.
            self->m_status->setText(
                QStringLiteral("The keychain could not be read (%1); the URL you enter now "
                               "will not be stored.")
                    .arg(stored.error().shortMessage.toHtmlEscaped()));
        }
        QString typed;
        if (self->m_askUrl) {
            typed = self->m_askUrl(kind);
        } else {
            bool ok = false;
            typed = QInputDialog::getText(
                self, QStringLiteral("Webhook URL"),
                QStringLiteral("The %1 URL (kept in the system keychain, never shown again):")
                    .arg(kindLabel(kind)),
                QLineEdit::Password, QString(), &ok);
            if (!ok)
                typed.clear();
        }
        if (!self)
            return;
        if (typed.trimmed().isEmpty()) {
            self->finishPost(
                Error::make(Error::Kind::Cancelled, QStringLiteral("no webhook URL given")));
            return;
        }
        auto url = report::validateWebhookUrl(typed);
        if (!url) {
            self->finishPost(url.error());
            return;
        }
        next(*url, false);
    });
}

void FleetReportDialog::confirmAndSend(report::WebhookKind kind, QUrl url, bool fromKeychain,
                                       report::WebhookPayload payload) {
    const QString destination = report::webhookDestinationLabel(url);
    const bool yes = m_confirm ? m_confirm(destination, payload)
                               : confirmDialog(this, kind, destination, payload);
    if (!yes) {
        finishPost(Error::make(Error::Kind::Cancelled,
                               QStringLiteral("cancelled before anything was sent")));
        return;
    }
    setBusy(true, QStringLiteral("Posting to %1…").arg(destination));
    QPointer<FleetReportDialog> self(this);
    m_poster->post(url, payload,
                   [self, kind, url, fromKeychain, destination](Result<report::PostResult> r) {
                       if (!self)
                           return;
                       if (!r) {
                           self->finishPost(r.error());
                           return;
                       }
                       self->m_status->setText(QStringLiteral("Posted to %1 (HTTP %2).")
                                                   .arg(destination.toHtmlEscaped())
                                                   .arg(r->httpStatus));
                       if (fromKeychain || !self->m_store) {
                           self->setBusy(false);
                           self->m_lastError = Error();
                           emit self->postFinished(true);
                           return;
                       }
                       // The URL worked: keep it in the keychain (only there).
                       self->m_store->write(
                           webhookKey(kind), url.toString(QUrl::FullyEncoded),
                           [self, destination](Status written) {
                               if (!self)
                                   return;
                               if (!written)
                                   self->m_status->setText(
                                       QStringLiteral("Posted to %1; the URL could not be kept "
                                                      "in the keychain: %2")
                                           .arg(destination.toHtmlEscaped(),
                                                written.error().shortMessage.toHtmlEscaped()));
                               self->setBusy(false);
                               self->m_lastError = Error();
                               emit self->postFinished(true);
                           });
                   });
}

void FleetReportDialog::forgetUrl() {
    if (!m_store || m_busy)
        return;
    const report::WebhookKind kind = report::WebhookKind(m_kind->currentData().toInt());
    setBusy(true);
    QPointer<FleetReportDialog> self(this);
    m_store->remove(webhookKey(kind), [self, kind](Status removed) {
        if (!self)
            return;
        self->setBusy(
            false,
            removed
                ? QStringLiteral("The %1 URL was removed from the keychain.").arg(kindLabel(kind))
                : removed.error().shortMessage);
    });
}

} // namespace sextant::ui
