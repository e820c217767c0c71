#pragma once

#include "core/error.h"
#include "llmconfig.h"
#include "promptbuilder.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslError>
#include <QString>

class QNetworkAccessManager;
class QTimer;

namespace sextant::ai {

struct ChatAnswer {
    QString text;
    QString model;        // as reported by the server
    QString finishReason; // "stop"; "length" when max tokens cut the answer
    bool streamed = false;
    int promptTokens = -1; // when the server reports usage
    int completionTokens = -1;
    qint64 elapsedMs = 0;
    qint64 firstTextMs = -1; // streamed answers: when the first text arrived
};

// An OpenAI-compatible chat completions client: POST {base}/chat/completions with
// "Authorization: Bearer <key>" (or Azure's "api-key: <key>"), answered as one JSON document or
// as a server-sent event stream (chosen by the response's Content-Type, so a server that ignores
// "stream" still works).
//
// Every request ends with exactly one of finished() or failed(); partialText() reports streamed
// text as it arrives. Errors are typed: Unauthorized (401), Forbidden (403), NotFound (404),
// Server (429 with the Retry-After, 5xx), BadRequest (other 4xx), Timeout (overall or first
// text), Protocol (garbled or cut-off JSON or stream, no choices, empty answer), Network
// (connection refused, host not found), Tls, Cancelled (cancel()). Short messages carry the
// server's error.message.
//
// Widget-free and thread-agnostic: it works in whatever thread it lives in (create it there or
// moveToThread() it, then call start() through a queued invocation). The API key is held in
// memory only and never appears in errors or logs.
class ChatClient : public QObject {
    Q_OBJECT
public:
    explicit ChatClient(LlmConfig config, QObject* parent = nullptr);
    ~ChatClient() override;

    const LlmConfig& config() const { return m_config; }
    // The key read from the keychain (CredentialStore, key LlmConfig::apiKeyKey()).
    void setApiKey(const QString& key);

    // Sends prompt.text byte for byte: what the preview showed is what goes out. A request still
    // running is abandoned without signals.
    void start(const PromptPreview& prompt);
    // The same for a body built elsewhere (chatRequestBody()).
    void startBody(const QByteArray& body);
    // Aborts the running request; failed() reports Kind::Cancelled. Nothing happens when idle.
    void cancel();
    bool isRunning() const { return m_reply != nullptr; }

    // Seconds from the last 429 answer's Retry-After header; -1 when absent.
    int lastRetryAfterSeconds() const { return m_retryAfterSeconds; }

signals:
    void partialText(const QString& delta, const QString& textSoFar);
    void finished(const sextant::ai::ChatAnswer& answer);
    void failed(const sextant::Error& error);

private:
    enum class Mode { Unknown, Json, Stream };

    void onReadyRead();
    void onFinished();
    void onOverallTimeout();
    void onFirstTextTimeout();
    void handleEvent(const QByteArray& data);
    void handleStreamBytes(const QByteArray& bytes);
    void succeed(ChatAnswer answer);
    void fail(Error error);
    void failSoon(Error error);
    void stopRequest();
    Error makeError(Error::Kind kind, const QString& shortMessage,
                    const QString& details = {}) const;
    Error httpError(int status, const QByteArray& body) const;
    Error networkError() const;

    LlmConfig m_config;
    Error m_configError;
    QString m_apiKey;
    QSslConfiguration m_ssl;
    QNetworkAccessManager* m_nam = nullptr;
    QTimer* m_overallTimer = nullptr;
    QTimer* m_firstTextTimer = nullptr;

    // State of the running request.
    QPointer<QNetworkReply> m_reply;
    Mode m_mode = Mode::Unknown;
    QByteArray m_body;       // JSON answer or error body
    QByteArray m_lineBuffer; // SSE: the incomplete last line
    QByteArray m_eventData;  // SSE: data lines of the event being read
    bool m_streamDone = false;
    qsizetype m_streamBytes = 0;
    int m_httpStatus = 0;
    QList<QSslError> m_sslErrors;
    QElapsedTimer m_clock;
    ChatAnswer m_answer;
    int m_retryAfterSeconds = -1;
};

} // namespace sextant::ai

Q_DECLARE_METATYPE(sextant::ai::ChatAnswer)
