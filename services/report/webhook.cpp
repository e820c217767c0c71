#include "webhook.h"

#include "ai/redactor.h"
#include "core/tls.h"
#include "governance/redaction.h"

#include <QEventLoop>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>

#include <optional>

namespace sextant::report {

namespace {

using OJson = nlohmann::ordered_json;

// Free-text redaction (names stay, values go) applied to every string of the content.
struct TextScrubber {
    ai::Redactor redactor;
    int count = 0;
    QString operator()(const QString& text) {
        if (text.isEmpty())
            return text;
        ai::Redaction r = redactor.redact(text);
        count += r.total();
        return r.total() > 0 ? r.text : text;
    }
    void walk(OJson& j) {
        if (j.is_string()) {
            const QString before = QString::fromStdString(j.get<std::string>());
            const QString after = (*this)(before);
            if (after != before)
                j = after.toStdString();
        } else if (j.is_array() || j.is_object()) {
            for (auto& v : j)
                walk(v);
        }
    }
};

// Slack escapes only &, < and >; a backslash escape of Markdown has no Slack equivalent, so the
// characters that would start formatting get a look-alike.
void appendSlackChar(QString& out, QChar c, bool escaped) {
    switch (c.unicode()) {
    case '&':
        out += QStringLiteral("&amp;");
        return;
    case '<':
        out += QStringLiteral("&lt;");
        return;
    case '>':
        out += QStringLiteral("&gt;");
        return;
    case '*':
        out += escaped ? QChar(0x2217) : c; // ∗
        return;
    case '`':
        out += escaped ? QChar(0x02CB) : c; // ˋ
        return;
    case '~':
        out += escaped ? QChar(0x223C) : c; // ∼
        return;
    default:
        out += c;
    }
}

QString inlineToSlack(const QString& line) {
    QString out;
    out.reserve(line.size() + 16);
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (c == QLatin1Char('\\') && i + 1 < line.size() && line[i + 1].isPunct()) {
            appendSlackChar(out, line[++i], true);
        } else if (c == QLatin1Char('\\') && i + 1 < line.size() && line[i + 1].isSymbol()) {
            appendSlackChar(out, line[++i], true);
        } else if (c == QLatin1Char('*') && i + 1 < line.size() &&
                   line[i + 1] == QLatin1Char('*')) {
            out += QLatin1Char('*');
            ++i;
        } else if (c == QLatin1Char('[')) {
            // [text](url) -> <url|text>
            static const QRegularExpression link(QStringLiteral(R"(\[([^\]\\]*)\]\(([^)\s]+)\))"));
            const auto m = link.match(line, i, QRegularExpression::NormalMatch,
                                      QRegularExpression::AnchorAtOffsetMatchOption);
            if (m.hasMatch()) {
                out += QLatin1Char('<') + m.captured(2) + QLatin1Char('|');
                for (const QChar t : m.captured(1))
                    appendSlackChar(out, t, false);
                out += QLatin1Char('>');
                i = m.capturedEnd(0) - 1;
            } else {
                out += c;
            }
        } else {
            appendSlackChar(out, c, false);
        }
    }
    return out;
}

QStringList splitTableRow(const QString& row) {
    // Split on | that is not escaped; drop the outer empty cells.
    QStringList cells;
    QString cell;
    for (qsizetype i = 0; i < row.size(); ++i) {
        if (row[i] == QLatin1Char('\\') && i + 1 < row.size()) {
            cell += row[i];
            cell += row[++i];
        } else if (row[i] == QLatin1Char('|')) {
            cells << cell.trimmed();
            cell.clear();
        } else {
            cell += row[i];
        }
    }
    cells << cell.trimmed();
    if (!cells.isEmpty() && cells.first().isEmpty())
        cells.removeFirst();
    if (!cells.isEmpty() && cells.last().isEmpty())
        cells.removeLast();
    return cells;
}

// Cuts mrkdwn into chunks of at most `limit` characters at line ends (a longer line is cut).
QStringList chunkLines(const QString& text, int limit) {
    QStringList chunks;
    QString current;
    for (QString line : text.split(QLatin1Char('\n'))) {
        if (line.size() > limit)
            line = line.left(limit - 1) + QStringLiteral("…");
        if (!current.isEmpty() && current.size() + 1 + line.size() > limit) {
            chunks << current;
            current.clear();
        }
        if (!current.isEmpty())
            current += QLatin1Char('\n');
        current += line;
    }
    if (!current.trimmed().isEmpty())
        chunks << current;
    return chunks;
}

OJson section(const QString& mrkdwn) {
    return OJson{{"type", "section"},
                 {"text", OJson{{"type", "mrkdwn"}, {"text", mrkdwn.toStdString()}}}};
}

QByteArray buildSlack(const PostContent& c, QStringList* notes) {
    OJson blocks = OJson::array();
    QString header = c.title.simplified();
    if (header.size() > kSlackHeaderLimit)
        header = header.left(kSlackHeaderLimit - 1) + QStringLiteral("…");
    if (!header.isEmpty())
        blocks.push_back(OJson{
            {"type", "header"},
            {"text",
             OJson{{"type", "plain_text"}, {"text", header.toStdString()}, {"emoji", false}}}});
    // The summary gets a block of its own only when there is no report body to show.
    if (!c.summary.isEmpty() && c.markdown.trimmed().isEmpty())
        blocks.push_back(section(inlineToSlack(c.summary).left(kSlackSectionLimit)));
    // The body: a new section at every Markdown heading (so a section never starts in the
    // middle of another one's list), each cut into ≤ 3,000-character chunks at line ends. The
    // first heading (the title) is already the header block.
    QStringList parts;
    QString part;
    bool first = true;
    for (const QString& line : c.markdown.split(QLatin1Char('\n'))) {
        if (line.startsWith(QLatin1Char('#'))) {
            if (first && line.startsWith(QLatin1String("# "))) {
                first = false;
                continue;
            }
            if (!part.trimmed().isEmpty())
                parts << part;
            part.clear();
        }
        first = false;
        part += line + QLatin1Char('\n');
    }
    if (!part.trimmed().isEmpty())
        parts << part;
    QStringList chunks;
    QString body;
    for (const QString& p : std::as_const(parts)) {
        const QString converted = markdownToSlackMrkdwn(p).trimmed();
        chunks += chunkLines(converted, kSlackSectionLimit);
        body += converted + QStringLiteral("\n\n");
    }
    const int room = kSlackMaxBlocks - int(blocks.size());
    for (int i = 0; i < chunks.size(); ++i) {
        if (i == room - 1 && chunks.size() > room) {
            const int cut = int(chunks.size()) - i;
            blocks.push_back(section(QStringLiteral("_… %1 more part%2 of the report cut to fit "
                                                    "Slack's 50-block limit._")
                                         .arg(cut)
                                         .arg(cut == 1 ? QString() : QStringLiteral("s"))));
            notes->append(QStringLiteral("%1 sections cut to fit Slack's %2-block limit")
                              .arg(cut)
                              .arg(kSlackMaxBlocks));
            break;
        }
        blocks.push_back(section(chunks[i]));
    }
    // "text" is the notification and the fallback for clients without blocks.
    QString text = c.title;
    if (!c.summary.isEmpty())
        text += QLatin1Char('\n') + inlineToSlack(c.summary);
    text += QStringLiteral("\n\n") + body.trimmed();
    if (text.size() > kSlackTextLimit) {
        text = text.left(kSlackTextLimit - 40) + QStringLiteral("\n_… cut to fit Slack._");
        notes->append(
            QStringLiteral("text cut to Slack's %1-character limit").arg(kSlackTextLimit));
    }
    OJson doc{{"text", text.toStdString()}, {"blocks", blocks}};
    return QByteArray::fromStdString(doc.dump());
}

Error::Kind kindForStatus(int status) {
    switch (status) {
    case 400:
        return Error::Kind::BadRequest;
    case 401:
        return Error::Kind::Unauthorized;
    case 403:
        return Error::Kind::Forbidden;
    case 404:
    case 410: // Slack: the webhook was removed
        return Error::Kind::NotFound;
    case 409:
        return Error::Kind::Conflict;
    default:
        return status >= 500 ? Error::Kind::Server : Error::Kind::BadRequest;
    }
}

QString cutAnswer(const QByteArray& body) {
    QString text = QString::fromUtf8(body.left(4000)).trimmed();
    text = ai::Redactor().redact(text).text;
    return text.size() > 2000 ? text.left(2000) + QStringLiteral("…") : text;
}

} // namespace

QString toString(WebhookKind kind) {
    return kind == WebhookKind::Slack ? QStringLiteral("slack") : QStringLiteral("webhook");
}

bool webhookKindFromString(const QString& text, WebhookKind* kind) {
    const QString t = text.trimmed().toLower();
    if (t == QLatin1String("slack")) {
        *kind = WebhookKind::Slack;
        return true;
    }
    if (t == QLatin1String("webhook") || t == QLatin1String("generic")) {
        *kind = WebhookKind::Generic;
        return true;
    }
    return false;
}

QString markdownToSlackMrkdwn(const QString& markdown) {
    static const QRegularExpression heading(QStringLiteral(R"(^#{1,6}\s+(.*)$)"));
    static const QRegularExpression bullet(QStringLiteral(R"(^(\s*)[-*+]\s+(.*)$)"));
    static const QRegularExpression tableRule(
        QStringLiteral(R"(^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$)"));
    QStringList out;
    const QStringList lines = markdown.split(QLatin1Char('\n'));
    // Slack renders no tables: each row becomes a bullet line. Numeric cells keep their column
    // name ("Degraded 21"), text cells stand alone, empty cells are dropped.
    static const QRegularExpression numeric(QStringLiteral(R"(^\**[0-9][0-9,.%]*\**$)"));
    QStringList header;
    for (int i = 0; i < lines.size(); ++i) {
        const QString& line = lines[i];
        const QString trimmed = line.trimmed();
        if (trimmed.startsWith(QLatin1Char('|'))) {
            if (tableRule.match(trimmed).hasMatch())
                continue;
            const QStringList cells = splitTableRow(trimmed);
            if (i + 1 < lines.size() && tableRule.match(lines[i + 1].trimmed()).hasMatch()) {
                header = cells; // the header row, followed by the |---| rule
                continue;
            }
            QStringList converted;
            for (qsizetype c = 0; c < cells.size(); ++c) {
                if (cells[c].isEmpty())
                    continue;
                const QString value = inlineToSlack(cells[c]);
                const QString name = header.value(c);
                converted << (numeric.match(cells[c]).hasMatch() && !name.isEmpty()
                                  ? inlineToSlack(name) + QLatin1Char(' ') + value
                                  : value);
            }
            out << QStringLiteral("• ") + converted.join(QStringLiteral(" · "));
            continue;
        }
        header.clear();
        if (const auto m = heading.match(line); m.hasMatch()) {
            QString text = m.captured(1).trimmed();
            // "**x**" inside a heading would double the stars.
            text.remove(QStringLiteral("**"));
            out << QStringLiteral("*") + inlineToSlack(text) + QStringLiteral("*");
            continue;
        }
        if (const auto m = bullet.match(line); m.hasMatch()) {
            const int depth = int(m.captured(1).size()) / 2;
            out << QString(depth * 4, QLatin1Char(' ')) +
                       (depth > 0 ? QStringLiteral("◦ ") : QStringLiteral("• ")) +
                       inlineToSlack(m.captured(2));
            continue;
        }
        out << inlineToSlack(line);
    }
    // Collapse runs of empty lines left by dropped table headers.
    QString joined = out.join(QLatin1Char('\n'));
    static const QRegularExpression blankRuns(QStringLiteral("\n{3,}"));
    joined.replace(blankRuns, QStringLiteral("\n\n"));
    return joined;
}

WebhookPayload buildWebhookPayload(WebhookKind kind, const PostContent& content) {
    TextScrubber scrub;
    PostContent c;
    c.title = scrub(content.title);
    c.summary = scrub(content.summary);
    c.markdown = scrub(content.markdown);
    c.report = content.report;
    scrub.walk(c.report);

    WebhookPayload p;
    p.kind = kind;
    if (kind == WebhookKind::Slack) {
        p.body = buildSlack(c, &p.notes);
    } else {
        const OJson doc{{"title", c.title.toStdString()},
                        {"summary", c.summary.toStdString()},
                        {"markdown", c.markdown.toStdString()},
                        {"report", c.report}};
        p.body = QByteArray::fromStdString(doc.dump());
    }
    // Second line of defence over the finished body: secret-named keys, Bearer values, JWTs.
    bool changed = false;
    p.body = governance::redactSecrets(p.body, &changed);
    p.redactions = scrub.count + (changed ? 1 : 0);
    return p;
}

Result<QUrl> validateWebhookUrl(const QString& text) {
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the webhook URL is not a valid URL"));
    if (!url.userInfo().isEmpty())
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("the webhook URL must not carry a user name or password"));
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("https"))
        return url;
    const QHostAddress address(url.host());
    const bool loopback =
        url.host() == QLatin1String("localhost") || (!address.isNull() && address.isLoopback());
    if (scheme == QLatin1String("http") && loopback)
        return url;
    return Error::make(Error::Kind::Config,
                       QStringLiteral("the webhook URL must use https (http only to localhost)"),
                       QStringLiteral("destination: %1").arg(webhookDestinationLabel(url)));
}

QString webhookDestinationLabel(const QUrl& url) {
    QString label = url.scheme() + QStringLiteral("://") + url.host();
    if (url.port() > 0)
        label += QLatin1Char(':') + QString::number(url.port());
    if (!url.path().isEmpty() && url.path() != QLatin1String("/"))
        label += QStringLiteral("/…");
    return label;
}

WebhookPoster::WebhookPoster(QNetworkAccessManager* manager, QObject* parent)
    : QObject(parent)
    , m_manager(manager ? manager : new QNetworkAccessManager(this))
    , m_timer(new QTimer(this)) {
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (m_reply) {
            m_timedOut = true;
            m_reply->abort();
        }
    });
}

WebhookPoster::~WebhookPoster() {
    if (m_reply) {
        m_done = nullptr;
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

void WebhookPoster::cancel() {
    if (!m_reply)
        return;
    QNetworkReply* reply = m_reply;
    m_reply = nullptr;
    m_timer->stop();
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
    if (auto done = std::exchange(m_done, nullptr))
        QTimer::singleShot(0, this, [done] {
            done(Error::make(Error::Kind::Cancelled, QStringLiteral("the post was cancelled")));
        });
}

void WebhookPoster::post(const QUrl& url, const WebhookPayload& payload, Callback done) {
    cancel();
    m_destination = webhookDestinationLabel(url);
    auto fail = [this, done](Error e) { QTimer::singleShot(0, this, [done, e] { done(e); }); };
    if (auto valid = validateWebhookUrl(url.toString(QUrl::FullyEncoded)); !valid) {
        fail(valid.error());
        return;
    }
    auto tls = clientTlsConfiguration(m_destination, m_caFile, false);
    if (!tls) {
        fail(tls.error());
        return;
    }
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, payload.contentType);
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("sextant/" SEXTANT_VERSION));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    if (url.scheme() == QLatin1String("https"))
        request.setSslConfiguration(*tls);
    m_done = std::move(done);
    m_timedOut = false;
    m_reply = m_manager->post(request, payload.body);
    connect(m_reply, &QNetworkReply::finished, this,
            [this, reply = m_reply.data()] { finish(reply); });
    m_timer->start(m_timeoutMs);
}

void WebhookPoster::finish(QNetworkReply* reply) {
    if (reply != m_reply)
        return;
    m_reply = nullptr;
    m_timer->stop();
    reply->deleteLater();
    Callback done = std::exchange(m_done, nullptr);
    if (!done)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    const QString where = QStringLiteral("POST %1").arg(m_destination);
    if (m_timedOut) {
        done(Error::make(
            Error::Kind::Timeout,
            QStringLiteral("the webhook did not answer within %1 s").arg(m_timeoutMs / 1000.0),
            where));
        return;
    }
    if (status >= 200 && status < 300) {
        done(PostResult{status, body});
        return;
    }
    if (status >= 300 && status < 400) {
        Error e = Error::make(Error::Kind::Protocol,
                              QStringLiteral("the webhook answered with a redirect (HTTP %1); "
                                             "redirects are not followed")
                                  .arg(status),
                              where);
        e.httpStatus = status;
        done(e);
        return;
    }
    if (status >= 400) {
        const QString answer = cutAnswer(body);
        Error e = Error::make(
            kindForStatus(status),
            QStringLiteral("the webhook refused the post: HTTP %1%2")
                .arg(status)
                .arg(answer.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(answer.left(120))),
            QStringLiteral("%1\nHTTP %2\nanswer: %3").arg(where).arg(status).arg(answer));
        e.httpStatus = status;
        e.url = m_destination;
        done(e);
        return;
    }
    // No HTTP status: a transport failure. Qt's error strings may contain the full URL.
    const QNetworkReply::NetworkError ne = reply->error();
    Error::Kind kind = Error::Kind::Network;
    if (ne == QNetworkReply::SslHandshakeFailedError)
        kind = Error::Kind::Tls;
    else if (ne == QNetworkReply::TimeoutError || ne == QNetworkReply::OperationCanceledError)
        kind = Error::Kind::Timeout;
    QString detail = reply->errorString();
    detail.replace(reply->url().toString(), m_destination);
    detail.replace(reply->url().toString(QUrl::FullyEncoded), m_destination);
    if (reply->url().path().size() > 1)
        detail.replace(reply->url().path(), QStringLiteral("/…"));
    Error e = Error::make(kind,
                          kind == Error::Kind::Tls
                              ? QStringLiteral("TLS handshake with the webhook failed")
                              : QStringLiteral("cannot reach the webhook at %1").arg(m_destination),
                          QStringLiteral("%1\n%2").arg(where, detail));
    e.url = m_destination;
    done(e);
}

Result<PostResult> WebhookPoster::postBlocking(const QUrl& url, const WebhookPayload& payload) {
    std::optional<Result<PostResult>> result;
    QEventLoop loop;
    post(url, payload, [&](Result<PostResult> r) {
        result.emplace(std::move(r));
        loop.quit();
    });
    if (!result)
        loop.exec();
    return std::move(*result);
}

} // namespace sextant::report
