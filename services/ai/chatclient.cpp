#include "chatclient.h"
#include "core/tls.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QTimer>

#include <nlohmann/json.hpp>

namespace sextant::ai {

using json = nlohmann::json;

namespace {

// An answer larger than this is not a chat answer; stop reading rather than fill memory.
constexpr qsizetype kMaxAnswerBytes = 16 * 1024 * 1024;

QString str(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

int integer(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<int>() : -1;
}

// The provider's explanation: OpenAI and vLLM {"error": {"message"}}, Ollama {"error": "…"},
// FastAPI-style {"detail": "…"}, or a short plain-text body.
QString serverMessage(const QByteArray& body) {
    if (body.isEmpty())
        return {};
    const json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_object()) {
        if (const auto e = doc.find("error"); e != doc.end()) {
            if (e->is_string())
                return QString::fromStdString(e->get<std::string>());
            if (e->is_object() && !str(*e, "message").isEmpty())
                return str(*e, "message");
        }
        for (const char* key : {"message", "detail"}) {
            if (!str(doc, key).isEmpty())
                return str(doc, key);
        }
        return {};
    }
    const QString text = QString::fromUtf8(body).trimmed();
    if (!text.isEmpty() && text.size() <= 300 && !text.startsWith(QLatin1Char('<')))
        return text;
    return {};
}

// Retry-After is either seconds or an HTTP date.
int retryAfterSeconds(const QByteArray& header) {
    if (header.isEmpty())
        return -1;
    bool ok = false;
    const int seconds = header.trimmed().toInt(&ok);
    if (ok)
        return std::max(0, seconds);
    const QDateTime when =
        QDateTime::fromString(QString::fromLatin1(header.trimmed()), Qt::RFC2822Date);
    if (!when.isValid())
        return -1;
    return int(std::max<qint64>(0, QDateTime::currentDateTimeUtc().secsTo(when)));
}

} // namespace

ChatClient::ChatClient(LlmConfig config, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_nam(new QNetworkAccessManager(this))
    , m_overallTimer(new QTimer(this))
    , m_firstTextTimer(new QTimer(this)) {
    if (const Status s = m_config.validate(); !s)
        m_configError = s.error();
    auto tls = clientTlsConfiguration(m_config.displayName(),
                                      m_configError.isError() ? QString() : m_config.caFile,
                                      !m_config.verifyTls);
    if (tls)
        m_ssl = tls.value();
    else
        m_configError =
            makeError(Error::Kind::Config, tls.error().shortMessage, tls.error().details);
    m_overallTimer->setSingleShot(true);
    m_firstTextTimer->setSingleShot(true);
    connect(m_overallTimer, &QTimer::timeout, this, &ChatClient::onOverallTimeout);
    connect(m_firstTextTimer, &QTimer::timeout, this, &ChatClient::onFirstTextTimeout);
}

ChatClient::~ChatClient() {
    stopRequest();
}

void ChatClient::setApiKey(const QString& key) {
    // A header value cannot hold a line break; such a key would corrupt the request.
    const QString clean = key.trimmed();
    m_apiKey =
        clean.contains(QLatin1Char('\n')) || clean.contains(QLatin1Char('\r')) ? QString() : clean;
}

void ChatClient::start(const PromptPreview& prompt) {
    startBody(prompt.body());
}

void ChatClient::startBody(const QByteArray& body) {
    stopRequest();
    m_mode = Mode::Unknown;
    m_body.clear();
    m_lineBuffer.clear();
    m_eventData.clear();
    m_streamDone = false;
    m_streamBytes = 0;
    m_httpStatus = 0;
    m_sslErrors.clear();
    m_answer = ChatAnswer{};
    m_retryAfterSeconds = -1;

    if (m_configError.isError())
        return failSoon(m_configError);
    if (m_config.auth != AuthStyle::None && m_apiKey.isEmpty())
        return failSoon(makeError(Error::Kind::Config,
                                  QStringLiteral("%1: no API key — store it in the keychain, or "
                                                 "choose \"no key\" for a local server")
                                      .arg(m_config.displayName())));
    const json request = json::parse(body.begin(), body.end(), nullptr, false);
    if (!request.is_object())
        return failSoon(makeError(Error::Kind::Config,
                                  QStringLiteral("the request to send is not a JSON object")));
    const bool wantStream = request.value("stream", false);

    QNetworkRequest r(m_config.chatCompletionsUrl());
    r.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    r.setRawHeader("Accept", wantStream ? "text/event-stream" : "application/json");
    r.setHeader(QNetworkRequest::UserAgentHeader,
                QStringLiteral("sextant/%1").arg(QStringLiteral(SEXTANT_VERSION)));
    if (m_config.auth == AuthStyle::Bearer)
        r.setRawHeader("Authorization", "Bearer " + m_apiKey.toUtf8());
    else if (m_config.auth == AuthStyle::ApiKeyHeader)
        r.setRawHeader("api-key", m_apiKey.toUtf8());
    if (r.url().scheme() == QLatin1String("https"))
        r.setSslConfiguration(m_ssl);
    // Our own timers decide; Qt's transfer timeout would also cut a slow but live stream.
    r.setTransferTimeout(0);

    m_clock.start();
    m_answer.streamed = false;
    QNetworkReply* reply = m_nam->post(r, body);
    m_reply = reply;
    connect(reply, &QNetworkReply::readyRead, this, &ChatClient::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &ChatClient::onFinished);
    connect(reply, &QNetworkReply::sslErrors, this,
            [this](const QList<QSslError>& errors) { m_sslErrors = errors; });
    m_overallTimer->start(m_config.requestTimeoutMs);
    // A non-streamed answer arrives all at once when the model is done: only the overall
    // timeout applies to it.
    if (wantStream)
        m_firstTextTimer->start(m_config.firstTokenTimeoutMs);
}

void ChatClient::cancel() {
    if (!m_reply)
        return;
    fail(makeError(Error::Kind::Cancelled,
                   QStringLiteral("%1: the request was cancelled").arg(m_config.displayName())));
}

void ChatClient::stopRequest() {
    m_overallTimer->stop();
    m_firstTextTimer->stop();
    if (QNetworkReply* reply = m_reply) {
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void ChatClient::onReadyRead() {
    QNetworkReply* reply = m_reply;
    if (!reply)
        return;
    if (m_mode == Mode::Unknown) {
        m_httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString type = reply->header(QNetworkRequest::ContentTypeHeader).toString();
        const bool ok = m_httpStatus >= 200 && m_httpStatus < 300;
        m_mode = ok && type.contains(QLatin1String("text/event-stream"), Qt::CaseInsensitive)
                     ? Mode::Stream
                     : Mode::Json;
        m_answer.streamed = m_mode == Mode::Stream;
    }
    const QByteArray bytes = reply->readAll();
    if (m_mode == Mode::Stream)
        return handleStreamBytes(bytes);
    m_body += bytes;
    if (m_body.size() > kMaxAnswerBytes)
        fail(makeError(Error::Kind::Protocol,
                       QStringLiteral("%1: the answer is larger than %2 MB — not a chat answer")
                           .arg(m_config.displayName())
                           .arg(kMaxAnswerBytes / (1024 * 1024))));
}

void ChatClient::handleStreamBytes(const QByteArray& bytes) {
    m_lineBuffer += bytes;
    m_streamBytes += bytes.size();
    if (m_streamBytes > kMaxAnswerBytes)
        return fail(makeError(Error::Kind::Protocol,
                              QStringLiteral("%1: the streamed answer is larger than %2 MB")
                                  .arg(m_config.displayName())
                                  .arg(kMaxAnswerBytes / (1024 * 1024))));
    // Server-sent events: "data: …" lines, an empty line ends an event, ":" starts a comment
    // (keep-alive). Lines end with \n or \r\n.
    qsizetype start = 0;
    while (m_reply) {
        const qsizetype end = m_lineBuffer.indexOf('\n', start);
        if (end < 0)
            break;
        QByteArray line = m_lineBuffer.mid(start, end - start);
        start = end + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.isEmpty()) {
            if (!m_eventData.isEmpty()) {
                const QByteArray data = m_eventData;
                m_eventData.clear();
                handleEvent(data);
            }
        } else if (line.startsWith("data:")) {
            QByteArray value = line.mid(5);
            if (value.startsWith(' '))
                value.remove(0, 1);
            if (!m_eventData.isEmpty())
                m_eventData += '\n';
            m_eventData += value;
        }
        // "event:", "id:", "retry:" and comments carry nothing we need.
    }
    m_lineBuffer.remove(0, start);
}

void ChatClient::handleEvent(const QByteArray& data) {
    if (data.trimmed() == "[DONE]") {
        m_streamDone = true;
        return;
    }
    if (m_streamDone)
        return;
    const json chunk = json::parse(data.begin(), data.end(), nullptr, false);
    if (!chunk.is_object())
        return fail(makeError(Error::Kind::Protocol,
                              QStringLiteral("%1: the streamed answer holds a garbled chunk")
                                  .arg(m_config.displayName()),
                              QStringLiteral("chunk: %1").arg(QString::fromUtf8(data.left(300)))));
    if (const auto e = chunk.find("error"); e != chunk.end() && !e->is_null()) {
        const QString message =
            e->is_string() ? QString::fromStdString(e->get<std::string>()) : str(*e, "message");
        return fail(makeError(Error::Kind::Server,
                              QStringLiteral("%1: the provider failed while answering: %2")
                                  .arg(m_config.displayName(), message)));
    }
    if (m_answer.model.isEmpty())
        m_answer.model = str(chunk, "model");
    if (const auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
        m_answer.promptTokens = integer(*usage, "prompt_tokens");
        m_answer.completionTokens = integer(*usage, "completion_tokens");
    }
    const auto choices = chunk.find("choices");
    if (choices == chunk.end() || !choices->is_array() || choices->empty())
        return; // usage-only and keep-alive chunks have no choices
    const json& choice = (*choices)[0];
    if (!choice.is_object())
        return fail(makeError(Error::Kind::Protocol,
                              QStringLiteral("%1: the streamed answer has an unexpected shape")
                                  .arg(m_config.displayName())));
    if (const QString reason = str(choice, "finish_reason"); !reason.isEmpty())
        m_answer.finishReason = reason;
    const auto delta = choice.find("delta");
    if (delta == choice.end() || !delta->is_object())
        return;
    const QString text = str(*delta, "content");
    if (text.isEmpty())
        return;
    if (m_answer.firstTextMs < 0) {
        m_answer.firstTextMs = m_clock.elapsed();
        m_firstTextTimer->stop();
    }
    m_answer.text += text;
    emit partialText(text, m_answer.text);
}

void ChatClient::onFinished() {
    QNetworkReply* reply = m_reply;
    if (!reply)
        return;
    if (m_mode == Mode::Unknown) {
        m_httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        m_mode = Mode::Json;
    }
    if (reply->bytesAvailable() > 0)
        onReadyRead();
    if (!m_reply)
        return; // failed while reading
    const QNetworkReply::NetworkError netError = reply->error();
    const bool httpOk = m_httpStatus >= 200 && m_httpStatus < 300;
    const QByteArray retryAfter = reply->rawHeader("Retry-After");

    if (m_httpStatus >= 300) {
        m_retryAfterSeconds = m_httpStatus == 429 ? retryAfterSeconds(retryAfter) : -1;
        return fail(httpError(m_httpStatus, m_body));
    }

    if (m_mode == Mode::Stream) {
        // A last event without its closing blank line still counts.
        if (!m_lineBuffer.isEmpty())
            handleStreamBytes("\n");
        if (!m_eventData.isEmpty()) {
            const QByteArray data = m_eventData;
            m_eventData.clear();
            handleEvent(data);
        }
        if (!m_reply)
            return;
        if (!m_streamDone)
            return fail(makeError(Error::Kind::Protocol,
                                  QStringLiteral("%1: the streamed answer was cut off before its "
                                                 "end")
                                      .arg(m_config.displayName()),
                                  QStringLiteral("received %1 characters of text; no "
                                                 "\"data: [DONE]\"%2")
                                      .arg(m_answer.text.size())
                                      .arg(netError != QNetworkReply::NoError
                                               ? QStringLiteral("; ") + reply->errorString()
                                               : QString())));
        if (m_answer.text.trimmed().isEmpty())
            return fail(makeError(Error::Kind::Protocol,
                                  QStringLiteral("%1: the model returned an empty answer")
                                      .arg(m_config.displayName())));
        return succeed(m_answer);
    }

    if (netError != QNetworkReply::NoError) {
        const qint64 expected = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong();
        if (httpOk && netError == QNetworkReply::RemoteHostClosedError)
            return fail(makeError(
                Error::Kind::Protocol,
                QStringLiteral("%1: the answer was cut off").arg(m_config.displayName()),
                QStringLiteral("received %1 of %2 bytes").arg(m_body.size()).arg(expected)));
        return fail(networkError());
    }

    // One JSON document: {"choices": [{"message": {"content": "…"}, "finish_reason"}], …}
    const json doc = json::parse(m_body.begin(), m_body.end(), nullptr, false);
    if (!doc.is_object())
        return fail(
            makeError(Error::Kind::Protocol,
                      QStringLiteral("%1: the answer is not valid JSON (garbled or cut off)")
                          .arg(m_config.displayName()),
                      QStringLiteral("%1 bytes; begins with: %2")
                          .arg(m_body.size())
                          .arg(QString::fromUtf8(m_body.left(200)))));
    if (const auto e = doc.find("error"); e != doc.end() && !e->is_null())
        return fail(makeError(Error::Kind::Server,
                              QStringLiteral("%1: the provider failed: %2")
                                  .arg(m_config.displayName(), serverMessage(m_body))));
    const auto choices = doc.find("choices");
    if (choices == doc.end() || !choices->is_array() || choices->empty() ||
        !(*choices)[0].is_object())
        return fail(
            makeError(Error::Kind::Protocol,
                      QStringLiteral("%1: the answer has no choices").arg(m_config.displayName())));
    const json& choice = (*choices)[0];
    const auto message = choice.find("message");
    if (message == choice.end() || !message->is_object() || !message->contains("content") ||
        !(*message)["content"].is_string())
        return fail(makeError(
            Error::Kind::Protocol,
            QStringLiteral("%1: the answer has no message text").arg(m_config.displayName())));
    ChatAnswer answer;
    answer.text = str(*message, "content");
    answer.model = str(doc, "model");
    answer.finishReason = str(choice, "finish_reason");
    if (const auto usage = doc.find("usage"); usage != doc.end() && usage->is_object()) {
        answer.promptTokens = integer(*usage, "prompt_tokens");
        answer.completionTokens = integer(*usage, "completion_tokens");
    }
    if (answer.text.trimmed().isEmpty())
        return fail(makeError(
            Error::Kind::Protocol,
            QStringLiteral("%1: the model returned an empty answer").arg(m_config.displayName())));
    succeed(std::move(answer));
}

void ChatClient::onOverallTimeout() {
    if (!m_reply)
        return;
    fail(makeError(
        Error::Kind::Timeout,
        QStringLiteral("%1: no complete answer within %2 s — the model may be "
                       "overloaded; try again or raise the request timeout")
            .arg(m_config.displayName())
            .arg(m_config.requestTimeoutMs / 1000.0, 0, 'g', 3),
        QStringLiteral("received %1 characters of text so far").arg(m_answer.text.size())));
}

void ChatClient::onFirstTextTimeout() {
    if (!m_reply)
        return;
    fail(makeError(Error::Kind::Timeout,
                   QStringLiteral("%1: the model did not start answering within %2 s — it may "
                                  "still be loading or be overloaded")
                       .arg(m_config.displayName())
                       .arg(m_config.firstTokenTimeoutMs / 1000.0, 0, 'g', 3)));
}

void ChatClient::succeed(ChatAnswer answer) {
    answer.elapsedMs = m_clock.elapsed();
    answer.streamed = m_mode == Mode::Stream;
    stopRequest();
    emit finished(answer);
}

void ChatClient::fail(Error error) {
    stopRequest();
    emit failed(error);
}

void ChatClient::failSoon(Error error) {
    // Signals come after start() returns, as they do for a real request.
    QTimer::singleShot(0, this, [this, error = std::move(error)] { emit failed(error); });
}

Error ChatClient::makeError(Error::Kind kind, const QString& shortMessage,
                            const QString& details) const {
    Error e = Error::make(kind, shortMessage);
    e.url = m_config.chatCompletionsUrl().toDisplayString(QUrl::RemoveUserInfo);
    e.httpStatus = m_httpStatus;
    QStringList lines;
    lines << QStringLiteral("request: POST %1").arg(e.url);
    if (m_httpStatus > 0)
        lines << QStringLiteral("HTTP status: %1").arg(m_httpStatus);
    if (!details.isEmpty())
        lines << details;
    e.details = lines.join(QLatin1Char('\n'));
    return e;
}

Error ChatClient::httpError(int status, const QByteArray& body) const {
    const QString who = m_config.displayName();
    const QString message = serverMessage(body);
    const auto withMessage = [&message](const QString& text) {
        return message.isEmpty() ? text : text + QStringLiteral(": ") + message;
    };
    const QString details =
        message.isEmpty() ? QString() : QStringLiteral("server message: %1").arg(message);
    if (status == 401)
        return makeError(Error::Kind::Unauthorized,
                         withMessage(QStringLiteral("%1: the provider refused the API key — check "
                                                    "the key stored in the keychain")
                                         .arg(who)),
                         details);
    if (status == 403)
        return makeError(Error::Kind::Forbidden,
                         withMessage(QStringLiteral("%1: the API key may not use this model or "
                                                    "endpoint")
                                         .arg(who)),
                         details);
    if (status == 404)
        return makeError(Error::Kind::NotFound,
                         withMessage(QStringLiteral("%1: not found — check the base URL (it "
                                                    "usually ends in /v1) and the model name")
                                         .arg(who)),
                         details);
    if (status == 429) {
        // Rate limits pass: Kind::Server makes the error retryable.
        const QString when = m_retryAfterSeconds >= 0
                                 ? QStringLiteral("try again in %1 s").arg(m_retryAfterSeconds)
                                 : QStringLiteral("try again later");
        return makeError(
            Error::Kind::Server,
            withMessage(QStringLiteral("%1: rate limited by the provider — %2").arg(who, when)),
            details + (m_retryAfterSeconds >= 0
                           ? QStringLiteral("\nretry after: %1 s").arg(m_retryAfterSeconds)
                           : QString()));
    }
    if (status == 408 || status == 504)
        return makeError(Error::Kind::Timeout,
                         withMessage(QStringLiteral("%1: the provider or a proxy timed out (HTTP "
                                                    "%2)")
                                         .arg(who)
                                         .arg(status)),
                         details);
    if (status >= 500)
        return makeError(
            Error::Kind::Server,
            withMessage(QStringLiteral("%1: the provider failed (HTTP %2)").arg(who).arg(status)),
            details);
    if (status >= 400)
        return makeError(Error::Kind::BadRequest,
                         withMessage(QStringLiteral("%1: the provider rejected the request (HTTP "
                                                    "%2)")
                                         .arg(who)
                                         .arg(status)),
                         details);
    return makeError(
        Error::Kind::Protocol,
        QStringLiteral("%1: unexpected HTTP status %2 — check the base URL").arg(who).arg(status),
        details);
}

Error ChatClient::networkError() const {
    const QNetworkReply* reply = m_reply;
    const QString who = m_config.displayName();
    const QString reason = reply ? reply->errorString() : QString();
    const QNetworkReply::NetworkError code =
        reply ? reply->error() : QNetworkReply::UnknownNetworkError;
    if (!m_sslErrors.isEmpty() || code == QNetworkReply::SslHandshakeFailedError) {
        QStringList tls;
        for (const QSslError& e : m_sslErrors)
            tls << e.errorString();
        return makeError(Error::Kind::Tls,
                         QStringLiteral("%1: the secure connection (TLS) failed — check the "
                                        "certificate, or add the provider's CA file")
                             .arg(who),
                         QStringLiteral("TLS errors: %1\nnetwork error: %2")
                             .arg(tls.isEmpty() ? QStringLiteral("handshake failed")
                                                : tls.join(QStringLiteral("; ")),
                                  reason));
    }
    const QString details = QStringLiteral("network error: %1").arg(reason);
    switch (code) {
    case QNetworkReply::ConnectionRefusedError:
        return makeError(Error::Kind::Network,
                         QStringLiteral("%1: the connection was refused — is the server running "
                                        "at %2?")
                             .arg(who, m_config.baseUrl.toDisplayString(QUrl::RemoveUserInfo)),
                         details);
    case QNetworkReply::HostNotFoundError:
        return makeError(Error::Kind::Network,
                         QStringLiteral("%1: host '%2' not found — check the base URL, DNS or VPN")
                             .arg(who, m_config.baseUrl.host()),
                         details);
    case QNetworkReply::TimeoutError:
        return makeError(Error::Kind::Timeout,
                         QStringLiteral("%1: the connection timed out").arg(who), details);
    case QNetworkReply::RemoteHostClosedError:
        return makeError(
            Error::Kind::Network,
            QStringLiteral("%1: the server closed the connection unexpectedly").arg(who), details);
    default:
        return makeError(Error::Kind::Network,
                         QStringLiteral("%1: the request failed: %2").arg(who, reason), details);
    }
}

} // namespace sextant::ai
