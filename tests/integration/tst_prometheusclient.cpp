// metrics::PrometheusClient against a real Prometheus 2.42 serving backfilled history
// (tests/support/prometheusfixture.h): instant and range queries with exact values, NaN and
// infinities, scalar and string results, Prometheus's own error body for bad PromQL, and the
// 11,000-points rule checked against the server's. A canned loopback HTTP server covers what a
// plain Prometheus cannot show: the bearer token and the tenancy namespace on the wire, 401, 403
// and timeouts. metrics::AlertmanagerClient against a real Alertmanager: alerts posted through
// its API v2 are read back with labels, annotations, times, fingerprint and state, and the
// silenced filter works.

#include "metrics/alertmanagerclient.h"
#include "metrics/prometheusclient.h"

#include "prometheusfixture.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

using namespace sextant;
using namespace sextant::metrics;
using namespace sextant::test;

namespace {

template <typename T, typename Start>
Result<T> waitFor(Start start) {
    std::optional<Result<T>> out;
    QEventLoop loop;
    start([&](Result<T> r) {
        out.emplace(std::move(r));
        loop.quit();
    });
    if (!out)
        loop.exec();
    return std::move(*out);
}

// Answers every request with one canned response (or never), recording the request heads.
class CannedServer : public QObject {
public:
    int status = 200;
    QByteArray body = R"({"status":"success","data":{"resultType":"vector","result":[]}})";
    bool hang = false;
    QList<QByteArray> requests;

    bool listen() {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                connect(s, &QTcpSocket::readyRead, this, [this, s, buffer] {
                    *buffer += s->readAll();
                    if (!buffer->contains("\r\n\r\n"))
                        return;
                    requests << *buffer;
                    if (hang)
                        return;
                    const QByteArray reason = status == 200 ? "OK" : "Error";
                    s->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason +
                             "\r\nContent-Type: application/json\r\nContent-Length: " +
                             QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" +
                             body);
                    s->disconnectFromHost();
                });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
        return m_server.listen(QHostAddress::LocalHost, 0);
    }
    QUrl url() const {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
    }

private:
    QTcpServer m_server;
};

Endpoint endpointFor(const QUrl& url, int timeoutMs = 30000) {
    Endpoint e;
    e.baseUrl = url;
    e.name = QStringLiteral("prom-test");
    e.requestTimeoutMs = timeoutMs;
    return e;
}

QDateTime at(int secondsAfterStart) {
    return scenarioStart().addSecs(secondsAfterStart);
}

} // namespace

class TestPrometheusClient : public QObject {
    Q_OBJECT
    std::unique_ptr<PrometheusFixture> m_prom;
    std::unique_ptr<PrometheusClient> m_client;

private slots:
    void initTestCase() {
        if (!PrometheusFixture::installed())
            QSKIP("prometheus/promtool are not installed (scripts/setup-debian.sh installs them)");
        m_prom = std::make_unique<PrometheusFixture>();
        QString error;
        QVERIFY2(m_prom->start(canaryScenarioOpenMetrics(), &error), qPrintable(error));
        m_client = std::make_unique<PrometheusClient>(endpointFor(m_prom->url()));
        m_client->setRetryPolicy({0, 100, 100});
    }
    void cleanupTestCase() {
        m_client.reset();
        m_prom.reset();
    }

    void instantQueryOfBackfilledSeries() {
        const Result<QueryResult> r = waitFor<QueryResult>([&](auto cb) {
            m_client->query(QStringLiteral("sextant_test_counter"), at(15 * 40), cb);
        });
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->type, QueryResult::Type::Vector);
        QCOMPARE(r->series.size(), 1);
        QCOMPARE(r->series[0].labels.value("series"), QString("a"));
        QCOMPARE(r->series[0].labels.value("__name__"), QString("sextant_test_counter"));
        QCOMPARE(r->series[0].samples.size(), 1);
        QCOMPARE(r->series[0].samples[0].value, 40.0);
        QCOMPARE(r->series[0].samples[0].time, double(at(600).toSecsSinceEpoch()));
    }

    void rangeQueryReturnsEveryStep() {
        const Result<QueryResult> r = waitFor<QueryResult>([&](auto cb) {
            m_client->queryRange(QStringLiteral("sextant_test_counter"), at(60), at(60 + 600),
                                 30000, cb);
        });
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->type, QueryResult::Type::Matrix);
        QCOMPARE(r->series.size(), 1);
        const QVector<Sample>& s = r->series[0].samples;
        QCOMPARE(s.size(), 21); // 600 s / 30 s + 1
        for (int i = 0; i < s.size(); ++i) {
            QCOMPARE(s[i].time, double(at(60 + 30 * i).toSecsSinceEpoch()));
            QCOMPARE(s[i].value, double(4 + 2 * i)); // sample k sits at 15·k s
        }
        // The canary scenario's metrics are there for both selectors.
        const Result<QueryResult> pods = waitFor<QueryResult>([&](auto cb) {
            m_client->query(QStringLiteral("count by (pod) (container_memory_working_set_bytes)"),
                            at(1800), cb);
        });
        QVERIFY(pods.ok());
        QCOMPARE(pods->series.size(), 4);
    }

    void specialValues() {
        const Result<QueryResult> r = waitFor<QueryResult>([&](auto cb) {
            m_client->queryRange(QStringLiteral("sextant_test_special"), at(0), at(45), 15000, cb);
        });
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->series.size(), 1);
        const QVector<Sample>& s = r->series[0].samples;
        QCOMPARE(s.size(), 4);
        QVERIFY(std::isnan(s[0].value));
        QVERIFY(std::isinf(s[1].value) && s[1].value > 0);
        QVERIFY(std::isinf(s[2].value) && s[2].value < 0);
        QCOMPARE(s[3].value, 1.5);
    }

    void scalarAndString() {
        Result<QueryResult> r = waitFor<QueryResult>(
            [&](auto cb) { m_client->query(QStringLiteral("scalar(vector(2.5))"), at(0), cb); });
        QVERIFY(r.ok());
        QCOMPARE(r->type, QueryResult::Type::Scalar);
        QCOMPARE(r->scalar.value, 2.5);
        r = waitFor<QueryResult>(
            [&](auto cb) { m_client->query(QStringLiteral("\"hello\""), at(0), cb); });
        QVERIFY(r.ok());
        QCOMPARE(r->type, QueryResult::Type::String);
        QCOMPARE(r->text, QString("hello"));
    }

    void badPromQlIsBadRequestWithPrometheusMessage() {
        const Result<QueryResult> r = waitFor<QueryResult>([&](auto cb) {
            m_client->query(QStringLiteral("sum(rate(http_requests_total[5m])"), at(0), cb);
        });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::BadRequest);
        QCOMPARE(r.error().httpStatus, 400);
        QVERIFY2(r.error().shortMessage.contains("Prometheus rejected the query") &&
                     r.error().shortMessage.contains("parse error"),
                 qPrintable(r.error().shortMessage));
        QVERIFY(r.error().details.contains("errorType: bad_data"));
    }

    // Prometheus refuses (end − start) / step > 11,000; the client refuses the same ranges
    // before sending, and lets the largest allowed one through.
    void elevenThousandPointsRule() {
        const QDateTime start = at(0);
        const QDateTime endAllowed = start.addSecs(11000);
        const QDateTime endRefused = start.addSecs(11001);
        QVERIFY(PrometheusClient::checkRange(start, endAllowed, 1000).ok());
        QCOMPARE(PrometheusClient::pointsPerSeries(start, endAllowed, 1000), 11001);
        const Status refused = PrometheusClient::checkRange(start, endRefused, 1000);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().shortMessage.contains("11,001") &&
                     refused.error().shortMessage.contains("step of at least 2 s"),
                 qPrintable(refused.error().shortMessage));

        Result<QueryResult> r = waitFor<QueryResult>([&](auto cb) {
            m_client->queryRange(QStringLiteral("vector(1)"), start, endAllowed, 1000, cb);
        });
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->series[0].samples.size(), 11001);

        r = waitFor<QueryResult>([&](auto cb) {
            m_client->queryRange(QStringLiteral("vector(1)"), start, endRefused, 1000, cb);
        });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Config);
        QVERIFY(r.error().details.contains("not split"));

        // The server itself draws the line at the same place.
        QNetworkAccessManager nam;
        QUrl raw = m_prom->url().resolved(QUrl("/api/v1/query_range"));
        raw.setQuery(QStringLiteral("query=vector(1)&start=%1&end=%2&step=1")
                         .arg(start.toSecsSinceEpoch())
                         .arg(endRefused.toSecsSinceEpoch()));
        QNetworkReply* reply = nam.get(QNetworkRequest(raw));
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 400);
        QVERIFY(reply->readAll().contains("exceeded maximum resolution of 11,000 points"));
        reply->deleteLater();
    }

    void longQueriesArePosted() {
        // A query longer than a URL should carry: sent as a form, answered the same.
        QString expr = QStringLiteral("sextant_test_counter");
        while (expr.size() < PrometheusClient::kMaxGetQueryBytes + 100)
            expr += QStringLiteral(" + 0 * sextant_test_counter");
        const Result<QueryResult> r =
            waitFor<QueryResult>([&](auto cb) { m_client->query(expr, at(150), cb); });
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->series[0].samples[0].value, 10.0);
    }

    void tokenAndTenancyOnTheWire() {
        CannedServer server;
        QVERIFY(server.listen());
        PrometheusClient client(endpointFor(server.url()));
        client.setToken(QStringLiteral("sha256~secret-token"));
        client.setTenancyNamespace(QStringLiteral("shop"));
        const Result<QueryResult> r =
            waitFor<QueryResult>([&](auto cb) { client.query(QStringLiteral("up"), {}, cb); });
        QVERIFY(r.ok());
        QCOMPARE(server.requests.size(), 1);
        const QByteArray head = server.requests[0];
        QVERIFY(head.startsWith("GET /api/v1/query?query=up&namespace=shop HTTP/1.1"));
        QVERIFY(head.contains("Authorization: Bearer sha256~secret-token\r\n"));
    }

    void httpErrorsAreTyped_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("words");
        QTest::newRow("401") << 401 << QByteArray("Unauthorized") << int(Error::Kind::Unauthorized)
                             << "pass a valid bearer token";
        QTest::newRow("403") << 403 << QByteArray("Forbidden") << int(Error::Kind::Forbidden)
                             << "cluster-monitoring-view";
        QTest::newRow("422 execution")
            << 422
            << QByteArray(R"({"status":"error","errorType":"execution","error":"many-to-many"})")
            << int(Error::Kind::BadRequest) << "rejected the query: many-to-many";
        QTest::newRow("503 timeout")
            << 503
            << QByteArray(R"({"status":"error","errorType":"timeout","error":"query timed out"})")
            << int(Error::Kind::Timeout) << "took too long";
        QTest::newRow("200 not prometheus")
            << 200 << QByteArray("<html>login</html>") << int(Error::Kind::Protocol)
            << "not a Prometheus API response";
    }
    void httpErrorsAreTyped() {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(int, kind);
        QFETCH(QString, words);
        CannedServer server;
        server.status = status;
        server.body = body;
        QVERIFY(server.listen());
        PrometheusClient client(endpointFor(server.url()));
        client.setRetryPolicy({0, 1, 1});
        const Result<QueryResult> r =
            waitFor<QueryResult>([&](auto cb) { client.query(QStringLiteral("up"), {}, cb); });
        QVERIFY(!r.ok());
        QCOMPARE(int(r.error().kind), kind);
        QVERIFY2(r.error().shortMessage.contains(words), qPrintable(r.error().shortMessage));
        QVERIFY(!r.error().toString().contains("secret"));
    }

    void timeoutAndRefusedConnection() {
        CannedServer server;
        server.hang = true;
        QVERIFY(server.listen());
        PrometheusClient client(endpointFor(server.url(), 300));
        client.setRetryPolicy({1, 1, 1});
        Result<QueryResult> r =
            waitFor<QueryResult>([&](auto cb) { client.query(QStringLiteral("up"), {}, cb); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Timeout);
        QCOMPARE(server.requests.size(), 2); // retried once
        QVERIFY(r.error().details.contains("attempts: 2"));

        PrometheusClient refused(
            endpointFor(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(freeLoopbackPort()))));
        refused.setRetryPolicy({0, 1, 1});
        r = waitFor<QueryResult>([&](auto cb) { refused.query(QStringLiteral("up"), {}, cb); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Network);
        QVERIFY(r.error().shortMessage.contains("Prometheus is running"));
    }

    void configErrors() {
        Endpoint e = endpointFor(QUrl(QStringLiteral("https://thanos.example")));
        e.caFile = QStringLiteral("/nonexistent/ca.pem");
        PrometheusClient client(e);
        QCOMPARE(client.configError().kind, Error::Kind::Config);
        const Result<QueryResult> r =
            waitFor<QueryResult>([&](auto cb) { client.query(QStringLiteral("up"), {}, cb); });
        QVERIFY(!r.ok());
        QVERIFY(r.error().shortMessage.contains("CA file"));
        QVERIFY(!endpointFor(QUrl(QStringLiteral("ftp://x"))).validate().ok());
        QVERIFY(!endpointFor(QUrl(QStringLiteral("http://user:pw@x"))).validate().ok());
    }

    void alertmanagerAlerts() {
        if (!AlertmanagerFixture::installed())
            QSKIP("prometheus-alertmanager is not installed (scripts/setup-debian.sh installs it)");
        AlertmanagerFixture am;
        QString error;
        QVERIFY2(am.start(&error), qPrintable(error));

        const QDateTime startsAt = QDateTime::currentDateTimeUtc().addSecs(-300).toOffsetFromUtc(0);
        const QString startsText = startsAt.toString(Qt::ISODateWithMs);
        const nlohmann::json alerts = nlohmann::json::array(
            {{{"labels",
               {{"alertname", "HighErrorRate"}, {"namespace", "shop"}, {"severity", "critical"}}},
              {"annotations", {{"summary", "5xx above 5 % on web-canary"}}},
              {"startsAt", startsText.toStdString()},
              {"generatorURL", "http://prometheus.example/graph?g0.expr=x"}},
             {{"labels", {{"alertname", "NoisyAlert"}, {"namespace", "shop"}}},
              {"startsAt", startsText.toStdString()}}});
        const nlohmann::json silence = {
            {"matchers", {{{"name", "alertname"}, {"value", "NoisyAlert"}, {"isRegex", false}}}},
            {"startsAt", startsText.toStdString()},
            {"endsAt",
             QDateTime::currentDateTimeUtc().addSecs(3600).toString(Qt::ISODate).toStdString()},
            {"createdBy", "tst_prometheusclient"},
            {"comment", "silenced by the test"}};
        QNetworkAccessManager nam;
        for (const auto& [path, body] : {std::pair{"/api/v2/alerts", alerts.dump()},
                                         std::pair{"/api/v2/silences", silence.dump()}}) {
            QNetworkRequest req(am.url().resolved(QUrl(QString::fromLatin1(path))));
            req.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
            QNetworkReply* reply = nam.post(req, QByteArray::fromStdString(body));
            QEventLoop loop;
            connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            loop.exec();
            QVERIFY2(reply->error() == QNetworkReply::NoError,
                     qPrintable(reply->errorString() + reply->readAll()));
            reply->deleteLater();
        }

        Endpoint e;
        e.baseUrl = am.url();
        e.name = QStringLiteral("am-test");
        AlertmanagerClient client(e);
        // Alerts become "active" once the dispatcher has seen them: ask until then.
        QVector<Alert> found;
        for (int i = 0; i < 100; ++i) {
            AlertQuery q;
            q.matchers << QStringLiteral("alertname=\"HighErrorRate\"");
            const Result<QVector<Alert>> r =
                waitFor<QVector<Alert>>([&](auto cb) { client.alerts(q, cb); });
            QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
            found = *r;
            if (found.size() == 1 && found[0].state == QLatin1String("active"))
                break;
            QTest::qWait(100);
        }
        QCOMPARE(found.size(), 1);
        const Alert& a = found[0];
        QCOMPARE(a.name(), QString("HighErrorRate"));
        QCOMPARE(a.labels.value("namespace"), QString("shop"));
        QCOMPARE(a.annotations.value("summary"), QString("5xx above 5 % on web-canary"));
        QCOMPARE(a.startsAt.toSecsSinceEpoch(), startsAt.toSecsSinceEpoch());
        QCOMPARE(a.state, QString("active"));
        QVERIFY(!a.fingerprint.isEmpty());
        QCOMPARE(a.generatorUrl, QString("http://prometheus.example/graph?g0.expr=x"));
        QCOMPARE(a.receivers, QStringList{"blackhole"});

        // The silenced alert: hidden with silenced=false, shown as suppressed otherwise.
        AlertQuery noisy;
        noisy.matchers << QStringLiteral("namespace=\"shop\"");
        QVector<Alert> all;
        for (int i = 0; i < 100; ++i) {
            const Result<QVector<Alert>> r =
                waitFor<QVector<Alert>>([&](auto cb) { client.alerts(noisy, cb); });
            QVERIFY(r.ok());
            all = *r;
            const bool settled = std::all_of(all.begin(), all.end(), [](const Alert& x) {
                return x.state != QLatin1String("unprocessed");
            });
            if (all.size() == 2 && settled)
                break;
            QTest::qWait(100);
        }
        QCOMPARE(all.size(), 2);
        const auto silenced = std::find_if(all.begin(), all.end(),
                                           [](const Alert& x) { return x.name() == "NoisyAlert"; });
        QVERIFY(silenced != all.end());
        QCOMPARE(silenced->state, QString("suppressed"));
        QVERIFY(silenced->silenced());
        noisy.silenced = false;
        const Result<QVector<Alert>> active =
            waitFor<QVector<Alert>>([&](auto cb) { client.alerts(noisy, cb); });
        QVERIFY(active.ok());
        QCOMPARE(active->size(), 1);
        QCOMPARE(active->at(0).name(), QString("HighErrorRate"));

        // A bad matcher is the server's 400 with its explanation.
        AlertQuery bad;
        bad.matchers << QStringLiteral("alertname=~\"(\"");
        const Result<QVector<Alert>> r =
            waitFor<QVector<Alert>>([&](auto cb) { client.alerts(bad, cb); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::BadRequest);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusClient)
#include "tst_prometheusclient.moc"
