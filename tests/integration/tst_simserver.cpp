// Real HTTP over loopback against the in-process simulator.

#include "sim/simulator.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

using namespace sextant::sim;

namespace {

struct Reply {
    int status = 0;
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

} // namespace

class TestSimServer : public QObject {
    Q_OBJECT

private:
    Simulator* sim = nullptr;
    QNetworkAccessManager nam;
    InstanceEndpoint ep;

    Reply send(const QByteArray& method, const QString& path, const QByteArray& body = {},
               const QString& token = QStringLiteral("<default>"),
               const QByteArray& contentType = "application/json") {
        QNetworkRequest req(QUrl(ep.url.toString() + path));
        const QString tok = token == QStringLiteral("<default>") ? ep.token : token;
        if (!tok.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + tok.toUtf8());
        if (method != "GET" && !contentType.isEmpty())
            req.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
        QNetworkReply* reply = nam.sendCustomRequest(req, method, body);
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(10000, &loop, &QEventLoop::quit);
        loop.exec();
        Reply r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.error = reply->error();
        reply->deleteLater();
        return r;
    }
    Reply get(const QString& path, const QString& token = QStringLiteral("<default>")) {
        return send("GET", path, {}, token);
    }

    // Raw socket exchange: send bytes, collect until `until` appears or the timeout passes.
    QByteArray raw(const QByteArray& request, const QByteArray& until, int timeoutMs = 5000,
                   QTcpSocket* keep = nullptr) {
        QTcpSocket local;
        QTcpSocket* s = keep ? keep : &local;
        // The simulator runs on this thread: wait with an event loop, never block.
        if (s->state() != QAbstractSocket::ConnectedState) {
            s->connectToHost(QHostAddress::LocalHost, ep.url.port());
            if (!QTest::qWaitFor([s] { return s->state() == QAbstractSocket::ConnectedState; },
                                 5000))
                return {};
        }
        if (!request.isEmpty())
            s->write(request);
        QByteArray got;
        (void)QTest::qWaitFor(
            [&] {
                got += s->readAll();
                return (!until.isEmpty() && got.contains(until)) ||
                       s->state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
        got += s->readAll();
        return got;
    }

private Q_SLOTS:
    void init() {
        sim = new Simulator;
        const auto st = sim->loadDemo();
        QVERIFY2(st.ok(), qPrintable(st.ok() ? QString() : st.error().shortMessage));
        sim->setTimeScale(0.02);
        sim->setKeepAliveIntervalMs(200);
        QVERIFY(sim->listen().ok());
        ep = sim->endpoints().constFirst();
        QCOMPARE(ep.name, QStringLiteral("prod-eu"));
    }
    void cleanup() {
        delete sim;
        sim = nullptr;
    }

    void versionIsAnonymous() {
        const Reply r = get(QStringLiteral("/api/version"), QString());
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().contains(QStringLiteral("Version")));
        QVERIFY(!r.json().contains(QStringLiteral("GoVersion")));
        QVERIFY(get(QStringLiteral("/api/version")).json().contains(QStringLiteral("GoVersion")));
    }

    void unauthorizedWithoutToken() {
        const Reply r = get(QStringLiteral("/api/v1/applications"), QString());
        QCOMPARE(r.status, 401);
        QCOMPARE(r.json().value(QStringLiteral("code")).toInt(), 16);
        QVERIFY(r.json().contains(QStringLiteral("error")));
        QVERIFY(r.json().value(QStringLiteral("details")).isArray());
        QCOMPARE(get(QStringLiteral("/api/v1/applications"), QStringLiteral("bogus")).status, 401);
    }

    void sessionLogin() {
        const QByteArray body =
            QJsonDocument(QJsonObject{{QStringLiteral("username"), ep.username},
                                      {QStringLiteral("password"), ep.password}})
                .toJson(QJsonDocument::Compact);
        const Reply r = send("POST", QStringLiteral("/api/v1/session"), body, QString());
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("token")).toString(), ep.token);
        QCOMPARE(send("POST", QStringLiteral("/api/v1/session"),
                      "{\"username\":\"admin\",\"password\":\"x\"}", QString())
                     .status,
                 401);
        QCOMPARE(
            send("POST", QStringLiteral("/api/v1/session"), body, QString(), "text/plain").status,
            415);
    }

    void listWithFieldsProjection() {
        const Reply r = get(
            QStringLiteral("/api/v1/applications?fields=items.metadata.name,items.status.health,"
                           "items.status.conditions,items.status.sync.status"));
        QCOMPARE(r.status, 200);
        const QJsonObject o = r.json();
        QVERIFY(!o.value(QStringLiteral("metadata"))
                     .toObject()
                     .value(QStringLiteral("resourceVersion"))
                     .toString()
                     .isEmpty());
        const QJsonArray items = o.value(QStringLiteral("items")).toArray();
        QCOMPARE(items.size(), sim->appCount(ep.name));
        for (const auto& v : items) {
            const QJsonObject item = v.toObject();
            QCOMPARE(item.keys(),
                     (QStringList{QStringLiteral("metadata"), QStringLiteral("status")}));
            QCOMPARE(item.value(QStringLiteral("metadata")).toObject().keys(),
                     QStringList{QStringLiteral("name")});
            const QJsonObject status = item.value(QStringLiteral("status")).toObject();
            QVERIFY(!status.contains(QStringLiteral("conditions"))); // not in the whitelist
            QVERIFY(status.contains(QStringLiteral("health")));
            QVERIFY(
                status.value(QStringLiteral("sync")).toObject().contains(QStringLiteral("status")));
        }
        // Items are sorted by name and the body equals listBody().
        const QByteArray direct =
            sim->listBody(ep.name, QStringLiteral("items.metadata.name,items.status.health,items."
                                                  "status.conditions,items.status.sync.status"));
        QCOMPARE(QJsonDocument::fromJson(direct)
                     .object()
                     .value(QStringLiteral("items"))
                     .toArray()
                     .size(),
                 items.size());
    }

    void listFilters() {
        auto names = [&](const QString& query) {
            QStringList out;
            const QJsonArray items =
                get(QStringLiteral("/api/v1/"
                                   "applications?fields=items.metadata.name,items.spec.project,"
                                   "items.metadata.labels&") +
                    query)
                    .json()
                    .value(QStringLiteral("items"))
                    .toArray();
            for (const auto& v : items)
                out << v.toObject()
                           .value(QStringLiteral("metadata"))
                           .toObject()
                           .value(QStringLiteral("name"))
                           .toString();
            return out;
        };
        const QStringList shop = names(QStringLiteral("selector=team%3Dshop"));
        QVERIFY(shop.contains(QStringLiteral("shop-checkout")));
        QVERIFY(!shop.contains(QStringLiteral("payments-api")));
        const QStringList inSet =
            names(QStringLiteral("selector=team%20in%20(shop,payments),env!%3Dstage"));
        QVERIFY(inSet.contains(QStringLiteral("payments-api")));
        QVERIFY(inSet.contains(QStringLiteral("shop-web")));
        QVERIFY(names(QStringLiteral("selector=!team")).isEmpty());
        const QStringList projects = names(QStringLiteral("projects=shop&projects=payments"));
        QVERIFY(projects.contains(QStringLiteral("shop-cart")) &&
                projects.contains(QStringLiteral("payments-api")));
        QCOMPARE(names(QStringLiteral("appNamespace=team-a-apps")),
                 QStringList{QStringLiteral("reports-api")});
        QCOMPARE(get(QStringLiteral("/api/v1/applications?selector=team%20in%20(a")).status, 400);
    }

    void getAppShape() {
        const Reply r = get(QStringLiteral("/api/v1/applications/payments-api"));
        QCOMPARE(r.status, 200);
        const QJsonObject app = r.json();
        const QJsonObject status = app.value(QStringLiteral("status")).toObject();
        QCOMPARE(status.value(QStringLiteral("health"))
                     .toObject()
                     .value(QStringLiteral("status"))
                     .toString(),
                 QStringLiteral("Degraded"));
        const QJsonArray history = status.value(QStringLiteral("history")).toArray();
        QCOMPARE(history.size(), 3);
        QCOMPARE(history.last().toObject().value(QStringLiteral("id")).toInt(), 42);
        QCOMPARE(history.last().toObject().value(QStringLiteral("revision")).toString().size(), 40);
        QVERIFY(status.value(QStringLiteral("operationState"))
                    .toObject()
                    .value(QStringLiteral("syncResult"))
                    .toObject()
                    .contains(QStringLiteral("resources")));
        QVERIFY(app.value(QStringLiteral("spec"))
                    .toObject()
                    .value(QStringLiteral("source"))
                    .toObject()
                    .contains(QStringLiteral("helm")));
        QVERIFY(!status.value(QStringLiteral("reconciledAt")).toString().isEmpty());
        QCOMPARE(get(QStringLiteral("/api/v1/applications/nope")).status, 404);
        QCOMPARE(
            get(QStringLiteral("/api/v1/applications/reports-api?appNamespace=team-a-apps")).status,
            200);
        QCOMPARE(get(QStringLiteral("/api/v1/nothing/here")).status, 404);

        const QJsonArray nodes =
            get(QStringLiteral("/api/v1/applications/payments-api/resource-tree"))
                .json()
                .value(QStringLiteral("nodes"))
                .toArray();
        bool crashPod = false;
        for (const auto& n : nodes)
            for (const auto& i : n.toObject().value(QStringLiteral("info")).toArray())
                crashPod = crashPod || i.toObject().value(QStringLiteral("value")).toString() ==
                                           QStringLiteral("CrashLoopBackOff");
        QVERIFY(crashPod);
        ep = sim->endpoints().at(1);
        const QJsonArray managed =
            get(QStringLiteral("/api/v1/applications/inventory-api/managed-resources"))
                .json()
                .value(QStringLiteral("items"))
                .toArray();
        QVERIFY(!managed.isEmpty());
        QVERIFY(managed.first().toObject().value(QStringLiteral("liveState")).isString());
    }

    void watchNdjsonFraming() {
        QTcpSocket s;
        const QByteArray req = "GET "
                               "/api/v1/stream/"
                               "applications?name=shop-web&fields=result.type,result.application."
                               "metadata.name HTTP/1.1\r\n"
                               "Host: x\r\nAuthorization: Bearer " +
                               ep.token.toUtf8() + "\r\n\r\n";
        const QByteArray got = raw(req, "}}}\n", 5000, &s);
        QVERIFY2(got.startsWith("HTTP/1.1 200 OK\r\n"), got.constData());
        QVERIFY(got.contains("Transfer-Encoding: chunked\r\n"));
        QVERIFY(got.contains("Content-Type: application/json\r\n"));
        const QByteArray line = "{\"result\":{\"application\":{\"metadata\":{\"name\":\"shop-web\"}"
                                "},\"type\":\"ADDED\"}}\n";
        QVERIFY2(got.contains(QByteArray::number(line.size(), 16) + "\r\n" + line + "\r\n"),
                 got.constData());
    }

    void watchSseFraming() {
        QTcpSocket s;
        const QByteArray req =
            "GET /api/v1/stream/applications?name=shop-web&fields=result.type HTTP/1.1\r\n"
            "Host: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer " +
            ep.token.toUtf8() + "\r\n\r\n";
        const QByteArray got = raw(req, ":\n", 5000, &s);
        QVERIFY(got.contains("Content-Type: text/event-stream\r\n"));
        const QByteArray event = "data: {\"result\":{\"type\":\"ADDED\"}} \n\n\n";
        QVERIFY2(got.contains(QByteArray::number(event.size(), 16) + "\r\n" + event + "\r\n"),
                 got.constData());
        QVERIFY(got.contains("2\r\n:\n\r\n")); // keep-alive comment
    }

    void syncRunsAndSucceeds() {
        QTcpSocket s;
        const QByteArray req =
            "GET "
            "/api/v1/stream/"
            "applications?name=inventory-api&fields=result.type,result.application.status."
            "operationState.phase,result.application.status.history HTTP/1.1\r\n"
            "Host: x\r\nAuthorization: Bearer " +
            ep.token.toUtf8() + "\r\n\r\n";
        // inventory-api lives on prod-us.
        ep = sim->endpoints().at(1);
        const QByteArray req2 =
            QByteArray(req).replace(sim->endpoints().at(0).token.toUtf8(), ep.token.toUtf8());
        QByteArray got = raw(req2, "ADDED", 5000, &s);
        QVERIFY(got.contains("ADDED"));
        // Long enough that the second sync below surely finds this one running, even on a
        // loaded machine (at the suite's 0.02 scale it lasts 10 ms).
        sim->setTimeScale(1.0);
        const Reply r = send("POST", QStringLiteral("/api/v1/applications/inventory-api/sync"),
                             "{\"prune\":false,\"strategy\":{\"hook\":{}}}");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()
                     .value(QStringLiteral("status"))
                     .toObject()
                     .value(QStringLiteral("operationState"))
                     .toObject()
                     .value(QStringLiteral("phase"))
                     .toString(),
                 QStringLiteral("Running"));
        QVERIFY(r.json().contains(QStringLiteral("operation")));
        QCOMPARE(
            send("POST", QStringLiteral("/api/v1/applications/inventory-api/sync"), "{}").status,
            400);
        got += raw({}, "Succeeded", 8000, &s);
        sim->setTimeScale(0.02);
        QVERIFY(got.contains("\"type\":\"MODIFIED\""));
        QVERIFY(got.contains("\"phase\":\"Running\""));
        QVERIFY(got.contains("\"phase\":\"Succeeded\""));
        const QJsonObject app = get(QStringLiteral("/api/v1/applications/inventory-api")).json();
        const QJsonObject status = app.value(QStringLiteral("status")).toObject();
        QCOMPARE(status.value(QStringLiteral("sync"))
                     .toObject()
                     .value(QStringLiteral("status"))
                     .toString(),
                 QStringLiteral("Synced"));
        QCOMPARE(status.value(QStringLiteral("history"))
                     .toArray()
                     .last()
                     .toObject()
                     .value(QStringLiteral("id"))
                     .toInt(),
                 5);
        QVERIFY(!app.contains(QStringLiteral("operation")));
        QCOMPARE(
            send("DELETE", QStringLiteral("/api/v1/applications/inventory-api/operation")).status,
            400);
    }

    void failedPreSyncHook() {
        ep = sim->endpoints().at(1);
        QCOMPARE(send("POST", QStringLiteral("/api/v1/applications/orders-api/sync"), "{}").status,
                 200);
        QJsonObject op;
        for (int i = 0; i < 100; ++i) {
            op = get(QStringLiteral("/api/v1/applications/orders-api"))
                     .json()
                     .value(QStringLiteral("status"))
                     .toObject()
                     .value(QStringLiteral("operationState"))
                     .toObject();
            if (op.value(QStringLiteral("phase")).toString() != QStringLiteral("Running"))
                break;
            QTest::qWait(20);
        }
        QCOMPARE(op.value(QStringLiteral("phase")).toString(), QStringLiteral("Failed"));
        QVERIFY(op.value(QStringLiteral("message"))
                    .toString()
                    .startsWith(QStringLiteral(
                        "one or more synchronization tasks completed unsuccessfully")));
    }

    void terminate() {
        ep = sim->endpoints().at(1);
        sim->setTimeScale(50); // keep the operation running
        QCOMPARE(
            send("POST", QStringLiteral("/api/v1/applications/inventory-api/sync"), "{}").status,
            200);
        QCOMPARE(
            send("DELETE", QStringLiteral("/api/v1/applications/inventory-api/operation")).status,
            200);
        QCOMPARE(get(QStringLiteral("/api/v1/applications/inventory-api"))
                     .json()
                     .value(QStringLiteral("status"))
                     .toObject()
                     .value(QStringLiteral("operationState"))
                     .toObject()
                     .value(QStringLiteral("phase"))
                     .toString(),
                 QStringLiteral("Terminating"));
        sim->setTimeScale(0.02);
    }

    void rollbackRefusedWithAutoSync() {
        const Reply r = send(
            "POST", QStringLiteral("/api/v1/applications/platform-ingress/rollback"), "{\"id\":2}");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json().value(QStringLiteral("message")).toString(),
                 QStringLiteral("rollback cannot be initiated when auto-sync is enabled"));
        // Disable auto-sync with a merge patch, then the rollback is accepted.
        const QByteArray patch =
            "{\"patch\":\"{\\\"spec\\\":{\\\"syncPolicy\\\":{\\\"automated\\\":{\\\"enabled\\\":"
            "false}}}}\",\"patchType\":\"merge\"}";
        const Reply p =
            send("PATCH", QStringLiteral("/api/v1/applications/platform-ingress"), patch);
        QCOMPARE(p.status, 200);
        QCOMPARE(send("POST", QStringLiteral("/api/v1/applications/platform-ingress/rollback"),
                      "{\"id\":2}")
                     .status,
                 200);
    }

    void syncWindowBlocks() {
        const Reply r = send("POST", QStringLiteral("/api/v1/applications/billing-api/sync"), "{}");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.json().value(QStringLiteral("message")).toString(),
                 QStringLiteral("cannot sync: blocked by sync window"));
        QCOMPARE(get(QStringLiteral("/api/v1/applications/billing-api/syncwindows"))
                     .json()
                     .value(QStringLiteral("canSync"))
                     .toBool(),
                 false);
    }

    void faultInjection() {
        Faults f;
        f.unauthorizedRate = 1.0;
        sim->setFaults(f);
        QCOMPARE(get(QStringLiteral("/api/v1/applications")).status, 401);
        f = {};
        f.malformedRate = 1.0;
        sim->setFaults(f);
        Reply r = get(QStringLiteral("/api/v1/applications?fields=items.metadata.name"));
        QCOMPARE(r.status, 200);
        QJsonParseError err;
        QJsonDocument::fromJson(r.body, &err);
        QVERIFY(err.error != QJsonParseError::NoError);
        f = {};
        f.truncatedRate = 1.0;
        sim->setFaults(f);
        const QByteArray got =
            raw("GET /api/v1/applications/shop-web HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    ep.token.toUtf8() + "\r\n\r\n",
                {}, 3000);
        const qsizetype split = got.indexOf("\r\n\r\n");
        QVERIFY(split > 0);
        const QByteArray head = got.left(split);
        const qsizetype at = head.indexOf("Content-Length: ");
        const int declared = head.mid(at + 16, head.indexOf("\r\n", at) - at - 16).toInt();
        QVERIFY(got.size() - split - 4 < declared);
        sim->setFaults(Faults{});
        QCOMPARE(get(QStringLiteral("/api/v1/applications/shop-web")).status, 200);
    }

    void revokeTokens() {
        const QString old = ep.token;
        sim->revokeTokens(ep.name);
        QCOMPARE(get(QStringLiteral("/api/v1/applications/shop-web"), old).status, 401);
        const QString fresh = sim->endpoints().constFirst().token;
        QVERIFY(fresh != old);
        QCOMPARE(get(QStringLiteral("/api/v1/applications/shop-web"), fresh).status, 200);
    }

    void dropStreamsClosesStream() {
        QNetworkRequest req(
            QUrl(ep.url.toString() + QStringLiteral("/api/v1/stream/applications?name=shop-web")));
        req.setRawHeader("Authorization", "Bearer " + ep.token.toUtf8());
        QNetworkReply* reply = nam.get(req);
        QSignalSpy ready(reply, &QNetworkReply::readyRead);
        QVERIFY(ready.wait(5000));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        sim->dropStreams();
        QVERIFY(finished.wait(5000));
        reply->deleteLater();
    }

    void streamEventsOnHooks() {
        QTcpSocket s;
        const QByteArray req = "GET "
                               "/api/v1/stream/"
                               "applications?name=shop-web&fields=result.type,result.application."
                               "status.health.status HTTP/1.1\r\n"
                               "Host: x\r\nAuthorization: Bearer " +
                               ep.token.toUtf8() + "\r\n\r\n";
        QByteArray got = raw(req, "ADDED", 5000, &s);
        QVERIFY(
            sim->setAppHealth(ep.name, QStringLiteral("shop-web"), QStringLiteral("Healthy")).ok());
        got += raw({}, "MODIFIED", 5000, &s);
        QVERIFY(got.contains("{\"result\":{\"application\":{\"status\":{\"health\":{\"status\":"
                             "\"Healthy\"}}},\"type\":\"MODIFIED\"}}"));
        QVERIFY(sim->deleteApp(ep.name, QStringLiteral("shop-web")).ok());
        got += raw({}, "DELETED", 5000, &s);
        QVERIFY(got.contains("\"type\":\"DELETED\""));
        QCOMPARE(get(QStringLiteral("/api/v1/applications/shop-web")).status, 404);
    }

    void robustAgainstGarbage() {
        QByteArray got = raw("GARBAGE\r\n\r\n", "\r\n\r\n", 3000);
        QVERIFY2(got.startsWith("HTTP/1.1 400"), got.constData());
        got = raw("HEAD /api/version HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n", 3000);
        QVERIFY2(got.startsWith("HTTP/1.1 405"), got.constData());
        got = raw("POST /api/v1/session HTTP/1.1\r\nContent-Type: "
                  "application/json\r\nContent-Length: 999999999\r\n\r\n",
                  "\r\n\r\n", 3000);
        QVERIFY2(got.startsWith("HTTP/1.1 413"), got.constData());
        raw(QByteArray(100, '\0') + "\xff\xfe\r\n\r\n", {}, 500);
        // Pipelined requests on one connection, answered in order.
        got = raw("GET /api/version HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/applications/none "
                  "HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                      ep.token.toUtf8() + "\r\n\r\n",
                  "not found", 3000);
        QVERIFY(got.indexOf("HTTP/1.1 200") < got.indexOf("HTTP/1.1 404"));
        QCOMPARE(get(QStringLiteral("/api/version")).status, 200);
    }

    void logsAndEvents() {
        Reply r = get(QStringLiteral(
            "/api/v1/applications/payments-api/"
            "logs?podName=payments-api-6f7d8c9b5-q7x2m&container=payments-api&previous=true"));
        QCOMPARE(r.status, 200);
        const QList<QByteArray> lines = r.body.trimmed().split('\n');
        QVERIFY(lines.size() >= 2);
        QVERIFY(r.body.contains("panic: invalid DATABASE_POOL_SIZE"));
        QCOMPARE(QJsonDocument::fromJson(lines.last())
                     .object()
                     .value(QStringLiteral("result"))
                     .toObject()
                     .value(QStringLiteral("last"))
                     .toBool(),
                 true);
        r = get(QStringLiteral(
            "/api/v1/applications/shop-checkout/"
            "events?resourceUID=x&resourceNamespace=shop&resourceName=checkout-5c7f9d8b6d-h2kqz"));
        QVERIFY(r.body.contains("Failed to pull image"));
        r = get(QStringLiteral("/api/v1/applications/shop-checkout/events"));
        QVERIFY(r.json().value(QStringLiteral("items")).toArray().size() >= 1);
        QVERIFY(!r.body.contains("Failed to pull image"));
    }
};

QTEST_GUILESS_MAIN(TestSimServer)
#include "tst_simserver.moc"
