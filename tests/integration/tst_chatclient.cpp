// ai::ChatClient against a local fake of the OpenAI chat completions protocol on 127.0.0.1:
// non-streamed and streamed answers, slow, garbled, truncated and error answers, TLS, and the
// whole PromptBuilder -> ChatClient -> server path, proving that no secret from the evidence
// reaches the server.

#include "ai/chatclient.h"
#include "ai/llmconfig.h"
#include "ai/narrative.h"
#include "ai/promptbuilder.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <functional>
#include <optional>

using namespace sextant;
using namespace sextant::ai;

namespace {

constexpr int kWait = 30000; // upper bound against hangs, never a timing assertion
const QString kApiKey = QStringLiteral("sk-test-ApiKey0123456789abcdefXYZ");

// One HTTP request as the server received it.
struct Captured {
    QByteArray method;
    QByteArray target;                    // path and query
    QMap<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
};

// A minimal HTTP/1.1 server speaking the chat completions protocol the way each test needs:
// it captures every request and hands the socket to the test's handler. Every answer closes
// the connection, so a test controls exactly where a body or a stream ends.
class FakeLlmServer : public QObject {
public:
    using Handler = std::function<void(QTcpSocket*, const Captured&)>;

    explicit FakeLlmServer(QTcpServer* server = nullptr)
        : m_server(server ? server : new QTcpServer(this)) {
        m_server->setParent(this);
        connect(m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket* socket = m_server->nextPendingConnection())
                accept(socket);
        });
        const bool listening = m_server->listen(QHostAddress::LocalHost, 0);
        Q_ASSERT(listening);
    }

    QUrl baseUrl(const QString& scheme = QStringLiteral("http")) const {
        return QUrl(QStringLiteral("%1://127.0.0.1:%2/v1").arg(scheme).arg(m_server->serverPort()));
    }

    Handler handler;
    QVector<Captured> requests;

    // --- answers ---
    static void writeHead(QTcpSocket* s, int status, const QByteArray& type,
                          const QList<QPair<QByteArray, QByteArray>>& extra = {},
                          qsizetype length = -1) {
        QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + " " + reason(status) + "\r\n";
        head += "Content-Type: " + type + "\r\nConnection: close\r\n";
        if (length >= 0)
            head += "Content-Length: " + QByteArray::number(length) + "\r\n";
        for (const auto& [name, value] : extra)
            head += name + ": " + value + "\r\n";
        s->write(head + "\r\n");
    }
    static void json(QTcpSocket* s, int status, const QByteArray& body,
                     const QList<QPair<QByteArray, QByteArray>>& extra = {}) {
        writeHead(s, status, "application/json", extra, body.size());
        s->write(body);
        s->disconnectFromHost();
    }
    // Writes `bytes` in pieces of `piece` bytes, `delayMs` apart, then closes.
    static void trickle(QTcpSocket* s, const QByteArray& bytes, int piece, int delayMs,
                        bool close = true) {
        QPointer<QTcpSocket> socket(s);
        auto offset = std::make_shared<qsizetype>(0);
        auto step = std::make_shared<std::function<void()>>();
        *step = [socket, bytes, piece, delayMs, close, offset, step] {
            if (!socket)
                return;
            if (*offset >= bytes.size()) {
                if (close)
                    socket->disconnectFromHost();
                *step = nullptr; // break the cycle
                return;
            }
            socket->write(bytes.mid(*offset, piece));
            socket->flush();
            *offset += piece;
            QTimer::singleShot(delayMs, socket, *step);
        };
        (*step)();
    }
    static QByteArray chunk(const QString& content, const char* finish = nullptr) {
        QJsonObject delta;
        if (!content.isNull())
            delta.insert(QStringLiteral("content"), content);
        QJsonObject choice{{QStringLiteral("index"), 0}, {QStringLiteral("delta"), delta}};
        choice.insert(QStringLiteral("finish_reason"),
                      finish ? QJsonValue(QString::fromLatin1(finish)) : QJsonValue());
        const QJsonObject o{{QStringLiteral("id"), QStringLiteral("chatcmpl-1")},
                            {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                            {QStringLiteral("model"), QStringLiteral("fake-model")},
                            {QStringLiteral("choices"), QJsonArray{choice}}};
        return "data: " + QJsonDocument(o).toJson(QJsonDocument::Compact) + "\n\n";
    }
    static QByteArray completion(const QString& content) {
        const QJsonObject message{{QStringLiteral("role"), QStringLiteral("assistant")},
                                  {QStringLiteral("content"), content}};
        const QJsonObject o{
            {QStringLiteral("id"), QStringLiteral("chatcmpl-2")},
            {QStringLiteral("object"), QStringLiteral("chat.completion")},
            {QStringLiteral("model"), QStringLiteral("fake-model")},
            {QStringLiteral("choices"),
             QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                    {QStringLiteral("message"), message},
                                    {QStringLiteral("finish_reason"), QStringLiteral("stop")}}}},
            {QStringLiteral("usage"), QJsonObject{{QStringLiteral("prompt_tokens"), 321},
                                                  {QStringLiteral("completion_tokens"), 12}}}};
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    }

private:
    static QByteArray reason(int status) {
        switch (status) {
        case 200:
            return "OK";
        case 401:
            return "Unauthorized";
        case 404:
            return "Not Found";
        case 429:
            return "Too Many Requests";
        default:
            return status >= 500 ? "Server Error" : "Status";
        }
    }

    void accept(QTcpSocket* socket) {
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
            *buffer += socket->readAll();
            const qsizetype headEnd = buffer->indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            Captured c;
            const QList<QByteArray> lines = buffer->left(headEnd).split('\n');
            const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
            c.method = requestLine.value(0);
            c.target = requestLine.value(1);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines[i].indexOf(':');
                if (colon > 0)
                    c.headers.insert(lines[i].left(colon).trimmed().toLower(),
                                     lines[i].mid(colon + 1).trimmed());
            }
            const qsizetype length = c.headers.value("content-length").toLongLong();
            if (buffer->size() < headEnd + 4 + length)
                return;
            c.body = buffer->mid(headEnd + 4, length);
            buffer->clear();
            disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
            requests.append(c);
            if (handler)
                handler(socket, c);
        });
    }

    QTcpServer* m_server;
};

LlmConfig configFor(const QUrl& baseUrl, bool stream = true) {
    LlmConfig c;
    c.id = QStringLiteral("test");
    c.name = QStringLiteral("fake");
    c.baseUrl = baseUrl;
    c.model = QStringLiteral("fake-model");
    c.apiKeyRef = QStringLiteral("llm/test/apikey");
    c.stream = stream;
    c.requestTimeoutMs = 20000;
    c.firstTokenTimeoutMs = 10000;
    return c;
}

QByteArray simpleBody(const LlmConfig& c) {
    return chatRequestBody(c, {{QStringLiteral("system"), QStringLiteral("You are terse.")},
                               {QStringLiteral("user"), QStringLiteral("Say hello.")}});
}

// Collects the outcome of one request.
struct Outcome {
    explicit Outcome(ChatClient* client) {
        QObject::connect(client, &ChatClient::finished, client, [this](const ChatAnswer& a) {
            answer = a;
            ++reports;
        });
        QObject::connect(client, &ChatClient::failed, client, [this](const Error& e) {
            error = e;
            ++reports;
        });
        QObject::connect(client, &ChatClient::partialText, client,
                         [this](const QString& delta, const QString& soFar) {
                             deltas << delta;
                             lastSoFar = soFar;
                         });
    }
    bool done() const { return reports > 0; }
    std::optional<ChatAnswer> answer;
    std::optional<Error> error;
    int reports = 0;
    QStringList deltas;
    QString lastSoFar;
};

#define WAIT_DONE(outcome) QTRY_VERIFY_WITH_TIMEOUT((outcome).done(), kWait)
#define EXPECT_ANSWER(outcome)                                                                     \
    do {                                                                                           \
        WAIT_DONE(outcome);                                                                        \
        QVERIFY2((outcome).answer.has_value(),                                                     \
                 qPrintable((outcome).error ? (outcome).error->toString() : QString()));           \
    } while (false)
#define EXPECT_ERROR(outcome, errorKind)                                                           \
    do {                                                                                           \
        WAIT_DONE(outcome);                                                                        \
        QVERIFY2((outcome).error.has_value(), "expected an error, got an answer");                 \
        QVERIFY2((outcome).error->kind == (errorKind), qPrintable((outcome).error->toString()));   \
    } while (false)

QString tlsFile(const char* name) {
    return QStringLiteral(SEXTANT_TEST_DATA_DIR "/tls/") + QString::fromLatin1(name);
}

} // namespace

class TestChatClient : public QObject {
    Q_OBJECT

private slots:
    void nonStreamedAnswer();
    void streamedAnswerInManySmallChunks();
    void streamWithCrlfCommentsAndUsage();
    void firstTokenTimeout();
    void overallTimeout();
    void garbledJson();
    void garbledStreamChunk();
    void truncatedStream();
    void truncatedJsonBody();
    void unauthorized();
    void rateLimitedWithRetryAfter();
    void serverErrorWithBody();
    void notFound();
    void emptyChoices();
    void connectionRefused();
    void cancel();
    void azureApiKeyHeader();
    void missingKeyAndBadConfig();
    void runsOffTheGuiThread();
    void tlsVerifiedWithCaFileOnly();
    void configValidationAndSettings();
    void noSecretFromTheEvidenceReachesTheServer();
};

void TestChatClient::nonStreamedAnswer() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::json(s, 200, FakeLlmServer::completion(QStringLiteral("Hello [E1].")));
    };
    const LlmConfig c = configFor(server.baseUrl(), false);
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    QVERIFY(client.isRunning());
    EXPECT_ANSWER(out);
    QCOMPARE(out.answer->text, QStringLiteral("Hello [E1]."));
    QCOMPARE(out.answer->model, QStringLiteral("fake-model"));
    QCOMPARE(out.answer->finishReason, QStringLiteral("stop"));
    QCOMPARE(out.answer->promptTokens, 321);
    QCOMPARE(out.answer->completionTokens, 12);
    QVERIFY(!out.answer->streamed);
    QVERIFY(!client.isRunning());
    QCOMPARE(out.reports, 1);

    QCOMPARE(server.requests.size(), 1);
    const Captured& r = server.requests.first();
    QCOMPARE(r.method, QByteArray("POST"));
    QCOMPARE(r.target, QByteArray("/v1/chat/completions"));
    QCOMPARE(r.headers.value("authorization"), "Bearer " + kApiKey.toUtf8());
    QVERIFY(r.headers.value("content-type").startsWith("application/json"));
    QCOMPARE(r.body, simpleBody(c));
}

void TestChatClient::streamedAnswerInManySmallChunks() {
    const QStringList words =
        QStringLiteral("The web container crashes at start because the DATABASE_URL "
                       "setting is missing from the ConfigMap shop/web-config [E5]. "
                       "Kubernetes restarts it with a growing back-off [E3].")
            .split(QLatin1Char(' '));
    QByteArray stream = FakeLlmServer::chunk(QString()); // role-only first chunk
    QString expected;
    for (int i = 0; i < words.size(); ++i) {
        const QString piece = (i ? QStringLiteral(" ") : QString()) + words[i];
        expected += piece;
        stream += FakeLlmServer::chunk(piece);
    }
    stream += FakeLlmServer::chunk(QString(), "stop");
    stream += "data: [DONE]\n\n";

    FakeLlmServer server;
    server.handler = [stream](QTcpSocket* s, const Captured&) {
        FakeLlmServer::writeHead(s, 200, "text/event-stream; charset=utf-8");
        FakeLlmServer::trickle(s, stream, 11, 0); // lines split mid-JSON, mid-"data:"
    };
    const LlmConfig c = configFor(server.baseUrl());
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ANSWER(out);
    QCOMPARE(out.answer->text, expected);
    QVERIFY(out.answer->streamed);
    QCOMPARE(out.answer->finishReason, QStringLiteral("stop"));
    QVERIFY(out.answer->firstTextMs >= 0);
    QCOMPARE(out.deltas.size(), words.size());
    QCOMPARE(out.deltas.join(QString()), expected);
    QCOMPARE(out.lastSoFar, expected);
    QCOMPARE(server.requests.first().headers.value("accept"), QByteArray("text/event-stream"));
}

void TestChatClient::streamWithCrlfCommentsAndUsage() {
    const QByteArray stream = ": keep-alive\r\n\r\n" + FakeLlmServer::chunk(QStringLiteral("Hi")) +
                              "event: message\r\ndata: {\"choices\":[{\"delta\":{\"content\":"
                              "\" there\"}}]}\r\n\r\n" +
                              "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
                              "\"completion_tokens\":2}}\n\n" +
                              "data: [DONE]\n\n";
    FakeLlmServer server;
    server.handler = [stream](QTcpSocket* s, const Captured&) {
        FakeLlmServer::writeHead(s, 200, "text/event-stream");
        FakeLlmServer::trickle(s, stream, 5, 0);
    };
    const LlmConfig c = configFor(server.baseUrl());
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ANSWER(out);
    QCOMPARE(out.answer->text, QStringLiteral("Hi there"));
    QCOMPARE(out.answer->promptTokens, 9);
    QCOMPARE(out.answer->completionTokens, 2);
}

void TestChatClient::firstTokenTimeout() {
    // The model is "loading": headers come, text never does.
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::writeHead(s, 200, "text/event-stream");
        s->write(": still loading\n\n");
    };
    LlmConfig c = configFor(server.baseUrl());
    c.firstTokenTimeoutMs = 300;
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::Timeout);
    QVERIFY2(out.error->shortMessage.contains(QLatin1String("did not start answering")),
             qPrintable(out.error->shortMessage));
    QVERIFY(out.error->isRetryable());
    QVERIFY(!client.isRunning());
}

void TestChatClient::overallTimeout() {
    // Text keeps coming, slowly, and never ends.
    QByteArray stream;
    for (int i = 0; i < 200; ++i)
        stream += FakeLlmServer::chunk(QStringLiteral("word "));
    FakeLlmServer server;
    server.handler = [stream](QTcpSocket* s, const Captured&) {
        FakeLlmServer::writeHead(s, 200, "text/event-stream");
        FakeLlmServer::trickle(s, stream, 64, 50);
    };
    LlmConfig c = configFor(server.baseUrl());
    c.requestTimeoutMs = 700;
    c.firstTokenTimeoutMs = 600;
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::Timeout);
    QVERIFY2(out.error->shortMessage.contains(QLatin1String("no complete answer")),
             qPrintable(out.error->shortMessage));
    QVERIFY(!out.deltas.isEmpty());
}

void TestChatClient::garbledJson() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::json(s, 200, "{\"choices\": [{\"message\": {\"content\": oops}}]}");
    };
    const LlmConfig c = configFor(server.baseUrl(), false);
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::Protocol);
    QVERIFY(out.error->shortMessage.contains(QLatin1String("not valid JSON")));
}

void TestChatClient::garbledStreamChunk() {
    const QByteArray stream =
        FakeLlmServer::chunk(QStringLiteral("Partial")) + "data: {\"choices\": [{\"delta\": }\n\n";
    FakeLlmServer server;
    server.handler = [stream](QTcpSocket* s, const Captured&) {
        FakeLlmServer::writeHead(s, 200, "text/event-stream");
        FakeLlmServer::trickle(s, stream, 16, 1, false);
    };
    const LlmConfig c = configFor(server.baseUrl());
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::Protocol);
    QVERIFY(out.error->shortMessage.contains(QLatin1String("garbled")));
    QCOMPARE(out.deltas, QStringList{QStringLiteral("Partial")});
}

void TestChatClient::truncatedStream() {
    const QByteArray stream = FakeLlmServer::chunk(QStringLiteral("The pod ")) +
                              FakeLlmServer::chunk(QStringLiteral("was OOMKilled")) +
                              "data: {\"choices\":[{\"delta\":{\"content\":\" because";
    FakeLlmServer server;
    server.handler = [stream](QTcpSocket* s, const Captured&) {
        FakeLlmServer::writeHead(s, 200, "text/event-stream");
        FakeLlmServer::trickle(s, stream, 20, 1); // then the connection closes
    };
    const LlmConfig c = configFor(server.baseUrl());
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    WAIT_DONE(out);
    QVERIFY(out.error.has_value());
    // The half chunk is garbled JSON or, when read as a whole, a stream without its end.
    QCOMPARE(out.error->kind, Error::Kind::Protocol);
    QCOMPARE(out.lastSoFar, QStringLiteral("The pod was OOMKilled"));
}

void TestChatClient::truncatedJsonBody() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        const QByteArray body = FakeLlmServer::completion(QStringLiteral("cut"));
        FakeLlmServer::writeHead(s, 200, "application/json", {}, body.size());
        s->write(body.left(body.size() / 2));
        s->disconnectFromHost();
    };
    const LlmConfig c = configFor(server.baseUrl(), false);
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::Protocol);
    QVERIFY2(out.error->shortMessage.contains(QLatin1String("cut off")) ||
                 out.error->shortMessage.contains(QLatin1String("not valid JSON")),
             qPrintable(out.error->toString()));
}

void TestChatClient::unauthorized() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::json(s, 401,
                            R"({"error":{"message":"Incorrect API key provided: sk-test-***XYZ.",)"
                            R"("type":"invalid_request_error","code":"invalid_api_key"}})");
    };
    const LlmConfig c = configFor(server.baseUrl(), false);
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::Unauthorized);
    QCOMPARE(out.error->httpStatus, 401);
    QVERIFY(out.error->shortMessage.contains(QLatin1String("Incorrect API key provided")));
    QVERIFY(!out.error->isRetryable());
    // The key itself never appears in an error.
    QVERIFY(!out.error->toString().contains(kApiKey));
}

void TestChatClient::rateLimitedWithRetryAfter() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::json(s, 429,
                            R"({"error":{"message":"Rate limit reached for requests",)"
                            R"("type":"requests","code":"rate_limit_exceeded"}})",
                            {{"Retry-After", "17"}});
    };
    const LlmConfig c = configFor(server.baseUrl(), false);
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::Server);
    QCOMPARE(out.error->httpStatus, 429);
    QCOMPARE(client.lastRetryAfterSeconds(), 17);
    QVERIFY(out.error->shortMessage.contains(QLatin1String("rate limited")));
    QVERIFY(out.error->shortMessage.contains(QLatin1String("try again in 17 s")));
    QVERIFY(out.error->shortMessage.contains(QLatin1String("Rate limit reached")));
    QVERIFY(out.error->isRetryable());
}

void TestChatClient::serverErrorWithBody() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::json(s, 500, R"({"error":"model runner crashed: CUDA out of memory"})");
    };
    const LlmConfig c = configFor(server.baseUrl());
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::Server);
    QCOMPARE(out.error->httpStatus, 500);
    QVERIFY(out.error->shortMessage.contains(QLatin1String("HTTP 500")));
    QVERIFY(out.error->shortMessage.contains(QLatin1String("CUDA out of memory")));
}

void TestChatClient::notFound() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::json(s, 404, R"({"error":{"message":"model 'fake-model' not found"}})");
    };
    const LlmConfig c = configFor(server.baseUrl(), false);
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::NotFound);
    QVERIFY(out.error->shortMessage.contains(QLatin1String("model 'fake-model' not found")));
}

void TestChatClient::emptyChoices() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::json(s, 200, R"({"id":"x","object":"chat.completion","choices":[]})");
    };
    const LlmConfig c = configFor(server.baseUrl(), false);
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::Protocol);
    QVERIFY(out.error->shortMessage.contains(QLatin1String("no choices")));
}

void TestChatClient::connectionRefused() {
    QUrl url;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        url = QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(probe.serverPort()));
    } // closed: nothing listens there now
    const LlmConfig c = configFor(url);
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ERROR(out, Error::Kind::Network);
    QVERIFY(out.error->shortMessage.contains(QLatin1String("refused")));
}

void TestChatClient::cancel() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::writeHead(s, 200, "text/event-stream");
        s->write(FakeLlmServer::chunk(QStringLiteral("thinking")));
    };
    const LlmConfig c = configFor(server.baseUrl());
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    QTRY_VERIFY_WITH_TIMEOUT(!out.deltas.isEmpty(), kWait);
    client.cancel();
    EXPECT_ERROR(out, Error::Kind::Cancelled);
    QVERIFY(!client.isRunning());
    client.cancel(); // idle: nothing happens
    QTest::qWait(50);
    QCOMPARE(out.reports, 1);
}

void TestChatClient::azureApiKeyHeader() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::json(s, 200, FakeLlmServer::completion(QStringLiteral("ok")));
    };
    LlmConfig c = configFor(QUrl(QStringLiteral("http://127.0.0.1:%1/openai/deployments/gpt4o"
                                                "?api-version=2024-06-01")
                                     .arg(server.baseUrl().port())),
                            false);
    c.auth = AuthStyle::ApiKeyHeader;
    c.model.clear();
    QVERIFY2(c.validate().ok(),
             qPrintable(c.validate().ok() ? QString() : c.validate().error().toString()));
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ANSWER(out);
    const Captured& r = server.requests.first();
    QCOMPARE(r.target,
             QByteArray("/openai/deployments/gpt4o/chat/completions?api-version=2024-06-01"));
    QCOMPARE(r.headers.value("api-key"), kApiKey.toUtf8());
    QVERIFY(!r.headers.contains("authorization"));
    QVERIFY(!QJsonDocument::fromJson(r.body).object().contains(QLatin1String("model")));
}

void TestChatClient::missingKeyAndBadConfig() {
    ChatClient noKey(configFor(QUrl(QStringLiteral("http://127.0.0.1:1/v1"))));
    Outcome a(&noKey);
    noKey.startBody(simpleBody(noKey.config()));
    EXPECT_ERROR(a, Error::Kind::Config);
    QVERIFY(a.error->shortMessage.contains(QLatin1String("no API key")));

    LlmConfig bad = configFor(QUrl(QStringLiteral("ftp://x/v1")));
    ChatClient badClient(bad);
    badClient.setApiKey(kApiKey);
    Outcome b(&badClient);
    badClient.startBody(simpleBody(bad));
    EXPECT_ERROR(b, Error::Kind::Config);

    // No key needed (local Ollama): no Authorization header at all.
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::json(s, 200, FakeLlmServer::completion(QStringLiteral("ok")));
    };
    LlmConfig local = configFor(server.baseUrl(), false);
    local.auth = AuthStyle::None;
    local.apiKeyRef.clear();
    ChatClient localClient(local);
    Outcome c(&localClient);
    localClient.startBody(simpleBody(local));
    EXPECT_ANSWER(c);
    QVERIFY(!server.requests.first().headers.contains("authorization"));
}

void TestChatClient::runsOffTheGuiThread() {
    FakeLlmServer server;
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::writeHead(s, 200, "text/event-stream");
        FakeLlmServer::trickle(s,
                               FakeLlmServer::chunk(QStringLiteral("from ")) +
                                   FakeLlmServer::chunk(QStringLiteral("a worker")) +
                                   "data: [DONE]\n\n",
                               9, 1);
    };
    const LlmConfig c = configFor(server.baseUrl());
    QThread worker;
    worker.start();
    auto* client = new ChatClient(c);
    client->setApiKey(kApiKey);
    client->moveToThread(&worker);
    std::optional<QString> text;
    QThread* finishedOn = nullptr;
    connect(client, &ChatClient::finished, this, [&](const ChatAnswer& a) { text = a.text; });
    connect(
        client, &ChatClient::finished, client,
        [&finishedOn] { finishedOn = QThread::currentThread(); }, Qt::DirectConnection);
    QMetaObject::invokeMethod(client, [client, body = simpleBody(c)] { client->startBody(body); });
    QTRY_VERIFY_WITH_TIMEOUT(text.has_value(), kWait);
    QCOMPARE(*text, QStringLiteral("from a worker"));
    QCOMPARE(finishedOn, &worker);
    QMetaObject::invokeMethod(client, &QObject::deleteLater);
    worker.quit();
    QVERIFY(worker.wait(kWait));
}

void TestChatClient::tlsVerifiedWithCaFileOnly() {
    QFile certFile(tlsFile("server.pem"));
    QFile keyFile(tlsFile("server.key"));
    QVERIFY(certFile.open(QIODevice::ReadOnly));
    QVERIFY(keyFile.open(QIODevice::ReadOnly));
    auto* ssl = new QSslServer;
    QSslConfiguration sc = QSslConfiguration::defaultConfiguration();
    sc.setLocalCertificate(QSslCertificate(certFile.readAll()));
    sc.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa));
    ssl->setSslConfiguration(sc);
    FakeLlmServer server(ssl);
    server.handler = [](QTcpSocket* s, const Captured&) {
        FakeLlmServer::json(s, 200, FakeLlmServer::completion(QStringLiteral("secure")));
    };

    // The test CA is not trusted by the system: TLS error.
    LlmConfig c = configFor(server.baseUrl(QStringLiteral("https")), false);
    {
        ChatClient client(c);
        client.setApiKey(kApiKey);
        Outcome out(&client);
        client.startBody(simpleBody(c));
        EXPECT_ERROR(out, Error::Kind::Tls);
    }
    // With the CA file it is.
    c.caFile = tlsFile("ca.pem");
    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.startBody(simpleBody(c));
    EXPECT_ANSWER(out);
    QCOMPARE(out.answer->text, QStringLiteral("secure"));
}

void TestChatClient::configValidationAndSettings() {
    LlmConfig ok = configFor(QUrl(QStringLiteral("https://api.openai.com/v1")));
    QVERIFY(ok.validate().ok());
    QCOMPARE(ok.chatCompletionsUrl().toString(),
             QStringLiteral("https://api.openai.com/v1/chat/completions"));
    QVERIFY(ok.warnings().isEmpty());

    const auto fails = [](LlmConfig c, const char* expected) {
        const Status s = c.validate();
        if (s.ok())
            return QStringLiteral("accepted");
        if (s.error().kind != Error::Kind::Config ||
            !s.error().shortMessage.contains(QLatin1String(expected)))
            return s.error().shortMessage;
        return QString();
    };
    LlmConfig c = ok;
    c.baseUrl = QUrl();
    QCOMPARE(fails(c, "base URL is empty"), QString());
    c = ok;
    c.baseUrl = QUrl(QStringLiteral("https://api.openai.com/v1/chat/completions"));
    QCOMPARE(fails(c, "without /chat/completions"), QString());
    c = ok;
    c.apiKeyRef = kApiKey; // the key pasted into the reference field
    QCOMPARE(fails(c, "not hold the key itself"), QString());
    c = ok;
    c.baseUrl = QUrl(QStringLiteral("https://shop.openai.azure.com/openai/deployments/gpt4o"));
    c.auth = AuthStyle::ApiKeyHeader;
    QCOMPARE(fails(c, "api-version"), QString());
    c = ok;
    c.model.clear();
    QCOMPARE(fails(c, "choose a model"), QString());
    c = ok;
    c.firstTokenTimeoutMs = c.requestTimeoutMs + 1;
    QCOMPARE(fails(c, "first-token timeout"), QString());
    c = ok;
    c.redactionPatterns = {QStringLiteral("(bad")};
    QCOMPARE(fails(c, "not a valid regular expression"), QString());
    c = ok;
    c.baseUrl = QUrl(QStringLiteral("https://user:pw@api.openai.com/v1"));
    QCOMPARE(fails(c, "user name or password"), QString());
    c = ok;
    c.temperature = 3;
    QCOMPARE(fails(c, "temperature"), QString());
    c = ok;
    c.baseUrl = QUrl(QStringLiteral("http://llm.shop.internal:8000/v1"));
    c.verifyTls = false;
    QVERIFY(c.validate().ok());
    QCOMPARE(c.warnings().size(), 1); // unencrypted; TLS off does not apply to http
    QVERIFY(LlmConfig::defaultAuthFor(QUrl(QStringLiteral("https://x.openai.azure.com/"))) ==
            AuthStyle::ApiKeyHeader);

    // Settings round trip; the file holds the reference, never a key.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sextant.conf"));
    LlmConfig saved = ok;
    saved.redactionPatterns = {QStringLiteral("ACME-[0-9]+"), QStringLiteral("corp_(\\w+)")};
    saved.stream = false;
    saved.temperature = 0.7;
    {
        QSettings settings(path, QSettings::IniFormat);
        QVERIFY(LlmConfig::load(settings).error().kind == Error::Kind::NotFound);
        saved.save(settings);
    }
    {
        QSettings settings(path, QSettings::IniFormat);
        const Result<LlmConfig> loaded = LlmConfig::load(settings);
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().toString()));
        QCOMPARE(*loaded, saved);
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY(text.contains("llm/test/apikey"));
    QVERIFY(!text.contains(kApiKey.toUtf8()));
}

// The "Done when" proof: a diagnosis whose evidence is full of secrets goes through
// PromptBuilder and ChatClient to the server; the server sees none of them, but all of the
// diagnosis text that makes the prompt useful.
void TestChatClient::noSecretFromTheEvidenceReachesTheServer() {
    const QString secretData = QStringLiteral("cG9zdGdyZXM6Ly9hcHA6aHVudGVyMkBkYg==");
    const QString secretData2 = QStringLiteral("U3VwM3JTM2NyZXRBcGlLZXk=");
    const QString bearer = QStringLiteral("9f8e7d6c5b4a3928170615aa77bb");
    const QString envPassword = QStringLiteral("Pg-Passw0rd-From-Env");
    const QString envPassword2 = QStringLiteral("inline-env-s3cret");
    const QString pemBody =
        QStringLiteral("MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6");
    const QString github = QStringLiteral("ghp_R8fK2mQ9xV4tL7wZ3nB6cJ1hY5dS0aE2uP4i");
    const QString userSecret = QStringLiteral("ACME-7F3A9C2E1B8D4F60");
    const QString jwt = QStringLiteral("eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2Vy"
                                       "dmljZWFjY291bnQifQ.c2lnbmF0dXJlLWJ5dGVz");
    const QString urlPassword = QStringLiteral("Tr0ub4dor-and-3");
    const QStringList secrets = {secretData,
                                 secretData2,
                                 bearer,
                                 envPassword,
                                 envPassword2,
                                 pemBody,
                                 github,
                                 userSecret,
                                 jwt,
                                 urlPassword,
                                 QStringLiteral("hJ6nQ0KGvT1m4fAo9Xj2k5Yw==")};

    analysis::Diagnosis d;
    d.app = QStringLiteral("shop/payments");
    int n = 0;
    const auto add = [&](const QString& source, const QString& ref, const QString& text,
                         bool warning = false) {
        analysis::EvidenceItem e;
        e.id = QStringLiteral("E%1").arg(++n);
        e.source = source;
        e.ref = ref;
        e.text = text;
        e.warning = warning;
        d.evidence << e;
    };
    add(QStringLiteral("condition"), QStringLiteral("condition ComparisonError"),
        QStringLiteral("Application is Degraded: Deployment shop/payments has 0/2 ready "
                       "replicas"),
        true);
    add(QStringLiteral("container"), QStringLiteral("Pod shop/payments-6f7d8c9b5-q7x2m"),
        QStringLiteral("payments: CreateContainerConfigError: couldn't find key password in "
                       "Secret shop/db-creds"),
        true);
    add(QStringLiteral("event"), QStringLiteral("Pod shop/payments-6f7d8c9b5-q7x2m"),
        QStringLiteral("Error: secret \"db-creds\" not found"), true);
    // A Secret manifest as one multi-line text block, and the same split into lines.
    add(QStringLiteral("text"), QStringLiteral("kubectl get secret db-creds -o yaml"),
        QStringLiteral("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-creds\n"
                       "  namespace: shop\ndata:\n  url: %1\n  api-key: %2\ntype: Opaque")
            .arg(secretData, secretData2));
    for (const QString& line : {QStringLiteral("kind: Secret"), QStringLiteral("data:"),
                                QStringLiteral("  connection: ") + secretData})
        add(QStringLiteral("text"), QStringLiteral("manifest shop/db-creds"), line);
    add(QStringLiteral("log"), QStringLiteral("log payments-6f7d8c9b5-q7x2m/payments"),
        QStringLiteral("calling billing API with Authorization: Bearer %1 -> 503").arg(bearer),
        true);
    add(QStringLiteral("text"), QStringLiteral("Deployment shop/payments env"),
        QStringLiteral("env:\n- name: DB_HOST\n  value: db.shop.svc\n- name: DB_PASSWORD\n"
                       "  value: %1")
            .arg(envPassword));
    add(QStringLiteral("log"), QStringLiteral("log payments-6f7d8c9b5-q7x2m/payments (previous)"),
        QStringLiteral("starting with PAYMENTS_DB_PASSWORD=%1 DB_HOST=db.shop.svc")
            .arg(envPassword2));
    add(QStringLiteral("text"), QStringLiteral("Secret shop/payments-tls tls.key"),
        QStringLiteral("-----BEGIN RSA PRIVATE KEY-----\n%1\nhJ6nQ0KGvT1m4fAo9Xj2k5Yw==\n"
                       "-----END RSA PRIVATE KEY-----")
            .arg(pemBody));
    add(QStringLiteral("revision"), QStringLiteral("revision 4f2a9c1"),
        QStringLiteral("ci: clone with https://%1@github.com/shop/payments.git").arg(github));
    add(QStringLiteral("log"), QStringLiteral("log payments-6f7d8c9b5-q7x2m/payments"),
        QStringLiteral("license %1 checked; sa token %2").arg(userSecret, jwt));
    add(QStringLiteral("event"), QStringLiteral("Application shop/payments"),
        QStringLiteral("repository https://deploy:%1@git.shop.local/infra.git not accessible")
            .arg(urlPassword),
        true);

    analysis::Finding f;
    f.category = QStringLiteral("MissingSecret");
    f.summary = QStringLiteral("Pod shop/payments-6f7d8c9b5-q7x2m cannot start: Secret "
                               "shop/db-creds does not exist.");
    f.confidence = 0.94;
    f.evidenceIds = {QStringLiteral("E2"), QStringLiteral("E3")};
    f.remediation = {QStringLiteral("Create the Secret shop/db-creds with the key password.")};
    f.resource = QStringLiteral("Deployment shop/payments");
    f.fields.insert(QStringLiteral("secret"), QStringLiteral("db-creds"));
    d.findings << f;

    FakeLlmServer server;
    const QString answerText = QStringLiteral(
        "## What happened\nThe payments pod cannot start because Secret shop/db-creds is "
        "missing [E2, E3].\n## Likely causes\n1. The Secret was never created [E3].\n"
        "## Next steps\n- Create the Secret.\n## Gaps\nNone.\n");
    server.handler = [answerText](QTcpSocket* s, const Captured&) {
        QByteArray stream;
        for (const QString& word : answerText.split(QLatin1Char(' ')))
            stream += FakeLlmServer::chunk(word + QLatin1Char(' '));
        stream += "data: [DONE]\n\n";
        FakeLlmServer::writeHead(s, 200, "text/event-stream");
        FakeLlmServer::trickle(s, stream, 50, 1);
    };

    LlmConfig c = configFor(server.baseUrl());
    c.redactionPatterns = {QStringLiteral("ACME-[0-9A-F]{16}")};
    const Result<PromptPreview> preview = PromptBuilder(c).build(d);
    QVERIFY2(preview.ok(), qPrintable(preview.ok() ? QString() : preview.error().toString()));
    QVERIFY(preview->dropped.isEmpty());

    ChatClient client(c);
    client.setApiKey(kApiKey);
    Outcome out(&client);
    client.start(*preview);
    EXPECT_ANSWER(out);

    QCOMPARE(server.requests.size(), 1);
    const QByteArray sent = server.requests.first().body;
    // What the preview showed is what was sent, byte for byte.
    QCOMPARE(sent, preview->body());
    // Check the raw bytes and the decoded message texts (JSON escaping must not hide a leak).
    QString decoded;
    const QJsonArray messages =
        QJsonDocument::fromJson(sent).object().value(QLatin1String("messages")).toArray();
    QCOMPARE(messages.size(), 2);
    for (const QJsonValue& m : messages)
        decoded += m.toObject().value(QLatin1String("content")).toString() + QLatin1Char('\n');
    for (const QString& secret : secrets) {
        QVERIFY2(!sent.contains(secret.toUtf8()), qPrintable(secret));
        QVERIFY2(!decoded.contains(secret), qPrintable(secret));
    }
    QVERIFY(!sent.contains(kApiKey.toUtf8()));
    // The diagnosis stays useful.
    for (const char* kept :
         {"couldn't find key password in Secret shop/db-creds", "secret \"db-creds\" not found",
          "name: db-creds", "CreateContainerConfigError", "MissingSecret",
          "Create the Secret shop/db-creds with the key password.", "DB_HOST=db.shop.svc",
          "value: db.shop.svc", "name: DB_PASSWORD", "Authorization: Bearer [REDACTED:",
          "github.com/shop/payments.git", "https://deploy:[REDACTED:url-credentials]@",
          "[REDACTED:private-key]", "[REDACTED:user-pattern]", "[REDACTED:secret-data]",
          "Evidence: [E2] [E3]", "Extracted: secret \"db-creds\""})
        QVERIFY2(decoded.contains(QString::fromUtf8(kept)), kept);
    QVERIFY(preview->redactions.size() >= 6);
    if (qEnvironmentVariableIsSet("SEXTANT_SHOW_PROMPT"))
        qInfo().noquote() << decoded;

    // And the answer checks out against the diagnosis.
    const Narrative narrative = checkNarrative(out.answer->text, d);
    QVERIFY(narrative.flagged.isEmpty());
    QCOMPARE(narrative.citedIds, (QStringList{"E2", "E3"}));
}

QTEST_GUILESS_MAIN(TestChatClient)
#include "tst_chatclient.moc"
