#pragma once

#include "core/result.h"
#include "report/fleetreport.h"
#include "report/webhook.h"

#include <QDialog>
#include <QPointer>

#include <functional>

class QComboBox;
class QLabel;
class QPushButton;
class QTextBrowser;

namespace sextant::secrets {
class CredentialStore;
}

namespace sextant::ui {

// The daily fleet summary (docs/reports.md): an HTML preview of a FleetReport built elsewhere
// (the console builds it from its FleetStore, HealthTimeline and FleetHistory off the GUI
// thread), Save as Markdown/HTML, and "Post…" to a Slack incoming webhook or a generic webhook.
//
// Posting: the webhook URL is read from the keychain (asked once and stored there after the
// first successful post; never in settings, never shown again); the payload is built off the GUI
// thread, redacted, and shown exactly as it will be sent together with the destination's host
// (never the full URL); nothing is sent without an explicit confirmation. The dialog makes no
// other network call.
class FleetReportDialog : public QDialog {
    Q_OBJECT
public:
    // `store` keeps the webhook URLs; null disables posting (the button says why).
    FleetReportDialog(report::FleetReport report, secrets::CredentialStore* store,
                      QWidget* parent = nullptr);
    ~FleetReportDialog() override;

    // The keychain key of a webhook URL: "webhook/<slack|webhook>/url".
    static QString webhookKey(report::WebhookKind kind);

    // Replaces the report (redacted again) and re-renders the preview.
    void setReport(report::FleetReport report);
    const report::FleetReport& report() const { return m_report; }
    QString markdown() const { return m_markdown; }
    QString html() const { return m_html; }

    Status saveMarkdown(const QString& path) const;
    Status saveHtml(const QString& path) const;

    // Starts the post flow for `kind`: keychain -> (ask for the URL) -> build the payload ->
    // confirm -> send. Outcome in postFinished().
    void post(report::WebhookKind kind);

    // Test hooks, replacing the modal prompts. `askUrl` returns the URL the user typed (empty =
    // cancelled); `confirm` sees the destination label and the exact payload and says yes or no.
    using UrlPrompt = std::function<QString(report::WebhookKind)>;
    using Confirm = std::function<bool(const QString& destination, const report::WebhookPayload&)>;
    void setUrlPrompt(UrlPrompt prompt) { m_askUrl = std::move(prompt); }
    void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }
    void setPostTimeoutMs(int ms);

    // The error of the last post attempt (Kind::None after a successful one).
    const Error& lastPostError() const { return m_lastError; }

    QTextBrowser* preview() const { return m_preview; }
    QLabel* statusLabel() const { return m_status; }
    QPushButton* postButton() const { return m_postButton; }
    QComboBox* destinationBox() const { return m_kind; }

Q_SIGNALS:
    // After a post attempt: ok, else lastPostError() holds the typed error (also shown in the
    // status line); Kind::Cancelled when the user cancelled.
    void postFinished(bool ok);

private:
    void render();
    void saveAs(bool html);
    void withUrl(report::WebhookKind kind, std::function<void(QUrl, bool fromKeychain)> next);
    void confirmAndSend(report::WebhookKind kind, QUrl url, bool fromKeychain,
                        report::WebhookPayload payload);
    void forgetUrl();
    void setBusy(bool busy, const QString& text = {});
    void finishPost(const Status& status);

    report::FleetReport m_report;
    QString m_markdown;
    QString m_html;
    QPointer<secrets::CredentialStore> m_store;
    report::WebhookPoster* m_poster = nullptr;
    QTextBrowser* m_preview = nullptr;
    QLabel* m_status = nullptr;
    QComboBox* m_kind = nullptr;
    QPushButton* m_postButton = nullptr;
    QPushButton* m_forgetButton = nullptr;
    UrlPrompt m_askUrl;
    Confirm m_confirm;
    bool m_busy = false;
    Error m_lastError;
};

} // namespace sextant::ui
