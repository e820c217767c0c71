// AppWatcher against a scripted loopback server: what it does with bad and hostile stream
// content (malformed lines, in-stream errors, 401 before the stream starts).

#include "argocd/appwatcher.h"
#include "argocd/client.h"

#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace sextant;
using namespace sextant::argocd;

namespace {

constexpr int kWait = 30000;

const QByteArray kList =
    R"({"metadata":{"resourceVersion":"10"},"items":[{"metadata":{"name":"a","namespace":"argocd"},"status":{"health":{"status":"Healthy"}}},{"metadata":{"name":"b","namespace":"argocd"},"status":{"health":{"status":"Healthy"}}}]})";

QByteArray watchEvent(const char* type, const char* name, const char* health) {
    return QByteArray(R"({"result":{"type":")") + type +
           R"(","application":{"metadata":{"name":")" + name +
           R"(","namespace":"argocd"},"status":{"health":{"status":")" + health + R"("}}}}})";
}

// Minimal HTTP/1.1 server: answers the list, holds stream requests open for the test to feed.
class ScriptedServer : public QObject {
public:
    int listStatus = 200;
    int streamStatus = 200;
    int listRequests = 0;
    int streamRequests = 0;
    QList<QPointer<QTcpSocket>> streams;
    QList<QByteArray> streamRequestHeads;

    ScriptedServer() {
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) {
                auto* buffer = new QByteArray;
                QObject::connect(s, &QObject::destroyed, s, [buffer] { delete buffer; });
                QObject::connect(s, &QTcpSocket::readyRead, this, [this, s, buffer] {
                    *buffer += s->readAll();
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    const QByteArray head = buffer->left(end);
                    buffer->clear();
                    handle(s, head);
                });
            }
        });
        m_server.listen(QHostAddress::LocalHost, 0);
    }

    QUrl url() const {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
    }

    void push(const QByteArray& bytes) {
        for (const auto& s : std::as_const(streams))
            if (s)
                s->write(bytes);
    }

private:
    void handle(QTcpSocket* s, const QByteArray& head) {
        const QByteArray requestLine = head.left(head.indexOf("\r\n"));
        if (requestLine.contains(" /api/v1/stream/applications")) {
            ++streamRequests;
            streamRequestHeads << head;
            if (streamStatus != 200) {
                reply(s, streamStatus,
                      R"({"error":"invalid session","code":16,"message":"invalid session"})");
                return;
            }
            s->write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
            streams << QPointer<QTcpSocket>(s);
            return;
        }
        if (requestLine.contains(" /api/v1/applications")) {
            ++listRequests;
            reply(s, listStatus, listStatus == 200 ? kList : QByteArray(R"({"message":"nope"})"));
            return;
        }
        reply(s, 404, R"({"message":"not found"})");
    }

    static void reply(QTcpSocket* s, int status, const QByteArray& body) {
        s->write("HTTP/1.1 " + QByteArray::number(status) +
                 " X\r\nContent-Type: application/json\r\n"
                 "Content-Length: " +
                 QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        s->disconnectFromHost();
    }

    QTcpServer m_server;
};

struct Fixture {
    ScriptedServer server;
    std::unique_ptr<Client> client;
    std::unique_ptr<AppWatcher> watcher;
    QMap<QString, AppSummary> apps;
    int snapshots = 0;

    explicit Fixture(bool sse = false) {
        InstanceConfig c;
        c.id = QStringLiteral("scripted");
        c.name = QStringLiteral("scripted");
        c.baseUrl = server.url();
        client = std::make_unique<Client>(c);
        client->setToken(QStringLiteral("T0KEN-never-logged"));
        client->setRetryPolicy(RetryPolicy{1, 10, 20});
        watcher = std::make_unique<AppWatcher>(client.get());
        watcher->setUseSse(sse);
        watcher->setBackoff(20, 100);
        watcher->setCoalesceInterval(10);
        QObject::connect(watcher.get(), &AppWatcher::snapshot, watcher.get(),
                         [this](const QString&, const AppList& l) {
                             apps.clear();
                             for (const AppSummary& a : l.apps)
                                 apps.insert(a.name, a);
                             ++snapshots;
                         });
        QObject::connect(watcher.get(), &AppWatcher::events, watcher.get(),
                         [this](const QString&, const QVector<AppEvent>& events) {
                             for (const AppEvent& e : events)
                                 apps.insert(e.app.name, e.app);
                         });
    }
};

} // namespace

class TestAppWatcherStream : public QObject {
    Q_OBJECT
private slots:
    void malformedLineIsSkippedAndCounted() {
        Fixture f;
        QSignalSpy warnings(f.watcher.get(), &AppWatcher::warning);
        f.watcher->start();
        QTRY_COMPARE_WITH_TIMEOUT(f.snapshots, 1, kWait);
        QTRY_COMPARE_WITH_TIMEOUT(f.server.streams.size(), 1, kWait);
        const QByteArray head = f.server.streamRequestHeads.first();
        QVERIFY(head.contains("resourceVersion=10"));
        QVERIFY(head.contains("fields=result.type,"));

        f.server.push(watchEvent("MODIFIED", "a", "Degraded") +
                      "\n{\"result\":{\"type\":\"MODIF\n" +
                      watchEvent("MODIFIED", "b", "Progressing") + "\n");
        QTRY_VERIFY_WITH_TIMEOUT(
            f.apps.value(QStringLiteral("b")).health == HealthStatus::Progressing, kWait);
        QVERIFY(f.apps.value(QStringLiteral("a")).health == HealthStatus::Degraded);
        QCOMPARE(f.watcher->malformedLines(), 1);
        QCOMPARE(warnings.size(), 1);
        QCOMPARE(warnings.first().at(0).value<Error>().kind, Error::Kind::Protocol);
        QVERIFY(f.watcher->state() == ConnectionState::Live);
        QCOMPARE(f.server.streamRequests, 1); // a bad line does not cost a reconnect
        QCOMPARE(f.snapshots, 1);

        // An event split across writes, with an SSE-style prefix and keep-alives.
        const QByteArray split = "data: " + watchEvent("MODIFIED", "a", "Healthy") + " \n\n\n:\n";
        f.server.push(split.left(17));
        QTest::qWait(30);
        f.server.push(split.mid(17));
        QTRY_VERIFY_WITH_TIMEOUT(f.apps.value(QStringLiteral("a")).health == HealthStatus::Healthy,
                                 kWait);
        QCOMPARE(f.watcher->malformedLines(), 1);
    }

    void inStreamUnauthorizedStopsTheWatcher() {
        Fixture f;
        QSignalSpy auth(f.client.get(), &Client::authenticationRequired);
        f.watcher->start();
        QTRY_COMPARE_WITH_TIMEOUT(f.server.streams.size(), 1, kWait);
        f.server.push(
            R"({"error":{"grpc_code":16,"http_code":401,"message":"invalid session: token is expired","http_status":"Unauthorized"}})"
            "\n");
        QTRY_VERIFY_WITH_TIMEOUT(f.watcher->state() == ConnectionState::Failed, kWait);
        QCOMPARE(f.watcher->lastError().kind, Error::Kind::Unauthorized);
        QCOMPARE(auth.size(), 1);
        QVERIFY(!f.watcher->lastError().toString().contains(QLatin1String("T0KEN")));
        const int lists = f.server.listRequests;
        QTest::qWait(200);
        QCOMPARE(f.server.listRequests, lists); // no hammering while waiting for a token

        f.client->setToken(QStringLiteral("new-token"));
        QTRY_COMPARE_WITH_TIMEOUT(f.snapshots, 2, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(f.watcher->state() == ConnectionState::Live, kWait);
    }

    void streamAnswered401() {
        Fixture f;
        f.server.streamStatus = 401;
        QSignalSpy auth(f.client.get(), &Client::authenticationRequired);
        f.watcher->start();
        QTRY_VERIFY_WITH_TIMEOUT(f.watcher->state() == ConnectionState::Failed, kWait);
        QCOMPARE(f.watcher->lastError().kind, Error::Kind::Unauthorized);
        QCOMPARE(auth.size(), 1);
        QCOMPARE(f.server.streamRequests, 1);
    }

    void serverClosesStreamThenReconnectRelists() {
        Fixture f(true);
        f.watcher->start();
        QTRY_COMPARE_WITH_TIMEOUT(f.server.streams.size(), 1, kWait);
        QVERIFY(
            f.server.streamRequestHeads.first().toLower().contains("accept: text/event-stream"));
        f.server.streams.first()->disconnectFromHost();
        QTRY_COMPARE_WITH_TIMEOUT(f.server.streams.size() >= 2 ? 2 : int(f.server.streams.size()),
                                  2, kWait);
        QCOMPARE(f.server.listRequests, 2);
        QCOMPARE(f.snapshots, 2);
        QVERIFY(f.watcher->reconnects() >= 1);
    }

    void listFailureBacksOffAndRecovers() {
        Fixture f;
        f.server.listStatus = 500;
        QSignalSpy states(f.watcher.get(), &AppWatcher::stateChanged);
        f.watcher->start();
        QTRY_VERIFY_WITH_TIMEOUT(f.server.listRequests >= 4, kWait); // 2 per attempt (1 retry)
        QVERIFY(f.watcher->state() == ConnectionState::Reconnecting ||
                f.watcher->state() == ConnectionState::Connecting);
        QCOMPARE(f.watcher->lastError().kind, Error::Kind::Server);
        QCOMPARE(f.snapshots, 0);
        f.server.listStatus = 200;
        QTRY_COMPARE_WITH_TIMEOUT(f.snapshots, 1, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(f.watcher->state() == ConnectionState::Live, kWait);
        f.watcher->stop();
        QVERIFY(f.watcher->state() == ConnectionState::Stopped);
    }
};

QTEST_GUILESS_MAIN(TestAppWatcherStream)
#include "tst_appwatcherstream.moc"
