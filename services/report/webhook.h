#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <functional>

class QNetworkAccessManager;

class QTimer;

namespace sextant::report {

// Posting a report (the daily fleet summary, the release review, ...) to a Slack incoming
// webhook or a generic JSON webhook (docs/reports.md). The payload is built by a pure function,
// redacted, shown to the human as it is, and then sent byte for byte.
//
// The webhook URL is a secret (a Slack URL embeds its token): it is never logged, never part of
// an error message or the payload, and shown to the user only as its host.

enum class WebhookKind { Slack, Generic };

QString toString(WebhookKind kind); // "slack", "webhook"
// "slack" or "webhook"/"generic"; false on anything else.
bool webhookKindFromString(const QString& text, WebhookKind* kind);

// What a report gives to the poster. `report` is the machine-readable document (JSON schema of
// the report), `markdown` the human one; `html` is for saving and previews (not posted).
struct PostContent {
    QString title;   // "Fleet report · 26 Nov 2026"
    QString summary; // one line for notifications
    QString markdown;
    QString html;
    nlohmann::ordered_json report = nlohmann::ordered_json::object();
};

// Slack's documented limits the Slack payload respects.
inline constexpr int kSlackTextLimit = 40000;   // top-level "text"
inline constexpr int kSlackSectionLimit = 3000; // a section block's text
inline constexpr int kSlackHeaderLimit = 150;   // a header block's plain_text
inline constexpr int kSlackMaxBlocks = 50;      // blocks per message

struct WebhookPayload {
    WebhookKind kind = WebhookKind::Generic;
    QByteArray body; // exactly what is POSTed
    QString contentType = QStringLiteral("application/json");
    int redactions = 0; // secret values replaced before building the body
    QStringList notes;  // what was cut to fit (Slack limits)
};

// The exact body for `kind`, built from redacted copies of the content:
//   Slack:   {"text": title + summary + the report as mrkdwn (≤ 40,000 chars),
//             "blocks": [header, summary section, one section per ≤ 3,000 chars of mrkdwn …]}
//            (≤ 50 blocks; what does not fit is cut with a note "… cut to fit Slack").
//   Generic: {"title", "summary", "markdown", "report"}
// Secrets in free text (tokens, passwords, Authorization values, URL credentials, Slack/GitHub
// tokens...) are replaced by "[REDACTED:<kind>]" first; a final pass scrubs the body itself.
WebhookPayload buildWebhookPayload(WebhookKind kind, const PostContent& content);

// Markdown (as the report renderers write it) to Slack mrkdwn: headings and **bold** become
// *bold*, tables become bullet lines, links <url|text>, &, < and > are escaped.
QString markdownToSlackMrkdwn(const QString& markdown);

// Checks a webhook URL: https (http only to a loopback address, for tests), a host, no
// user-info. The error never contains the URL's path or query (where Slack keeps the token).
Result<QUrl> validateWebhookUrl(const QString& text);
// What the user may see of a webhook URL: "https://hooks.slack.com/…".
QString webhookDestinationLabel(const QUrl& url);

struct PostResult {
    int httpStatus = 0;
    QByteArray answer; // the server's answer body (Slack: "ok")
};

// Sends a payload with TLS verification on (core/tls.h), a timeout, no redirects (a redirect
// could carry the body elsewhere), and typed errors: Timeout, Network, Tls, Unauthorized,
// Forbidden, NotFound, BadRequest, Server — with the HTTP status and the server's answer (cut
// to 2,000 characters and redacted) in the details, and the destination as its host only.
class WebhookPoster : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(Result<PostResult>)>;

    // Uses its own QNetworkAccessManager when `manager` is null.
    explicit WebhookPoster(QNetworkAccessManager* manager = nullptr, QObject* parent = nullptr);
    ~WebhookPoster() override;

    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    int timeoutMs() const { return m_timeoutMs; }
    // Extra CA certificates (PEM) for a webhook behind a private CA.
    void setCaFile(const QString& path) { m_caFile = path; }

    // One post at a time: a running one is aborted (its callback gets Kind::Cancelled).
    void post(const QUrl& url, const WebhookPayload& payload, Callback done);
    // For the CLI: the same, waited for in a local event loop.
    Result<PostResult> postBlocking(const QUrl& url, const WebhookPayload& payload);
    void cancel();
    bool isRunning() const { return m_reply != nullptr; }

private:
    void finish(QNetworkReply* reply);

    QNetworkAccessManager* m_manager = nullptr;
    QPointer<QNetworkReply> m_reply;
    QTimer* m_timer = nullptr;
    Callback m_done;
    QString m_destination;
    bool m_timedOut = false;
    int m_timeoutMs = 20000;
    QString m_caFile;
};

} // namespace sextant::report
