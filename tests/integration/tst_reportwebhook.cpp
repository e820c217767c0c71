// report::WebhookPoster against a real HTTP receiver on loopback: the exact bytes arrive, secrets
// planted in a report's messages are redacted before they leave, and failures are typed (HTTP
// 500 with the server's answer, timeout, redirect, connection refused) without the secret part
// of the URL in any message.

#include "hookreceiver.h"

#include "report/fleetreport.h"
#include "report/reportformat.h"
#include "report/webhook.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTest>

using namespace sextant;
using namespace sextant::report;

namespace {

const QString kSecretPath = QStringLiteral("/services/T0001/B0002/pathTokenXYZ");

PostContent plantedContent() {
    argocd::AppSummary a;
    a.instance = QStringLiteral("prod-eu");
    a.appNamespace = QStringLiteral("argocd");
    a.name = QStringLiteral("payments-api");
    a.destName = QStringLiteral("prod-eu-shop");
    a.destNamespace = QStringLiteral("payments");
    a.health = argocd::HealthStatus::Degraded;
    a.healthMessage = QStringLiteral(
        "DB connect failed: postgres://svc:Sup3rS3cret@db:5432/pay; "
        "Authorization: Bearer abcdefghijklmnop1234; slack xoxb-1234567890-abcdefghijkl");
    ReportInput in;
    in.apps = {a};
    in.now = QDateTime(QDate(2026, 11, 26), QTime(7, 0), Qt::UTC);
    FleetReport r = buildFleetReport(in);
    PostContent c;
    c.title = QStringLiteral("Fleet report · 26 Nov 2026");
    c.summary = r.summaryLine();
    c.markdown = fleetReportToMarkdown(r); // not redacted yet: the payload builder must
    c.report = fleetReportToJson(r);
    return c;
}

Result<PostResult> postTo(test::HookReceiver& hook, const WebhookPayload& p, int timeoutMs = 10000,
                          const QString& path = kSecretPath) {
    WebhookPoster poster;
    poster.setTimeoutMs(timeoutMs);
    return poster.postBlocking(QUrl(hook.url(path)), p);
}

} // namespace

class TestReportWebhook : public QObject {
    Q_OBJECT
private slots:
    void genericPostArrivesExactlyAndRedacted() {
        test::HookReceiver hook;
        QVERIFY(hook.listen());
        const WebhookPayload p = buildWebhookPayload(WebhookKind::Generic, plantedContent());
        const auto r = postTo(hook, p);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        QCOMPARE(r->httpStatus, 200);
        QCOMPARE(r->answer, QByteArray("ok"));
        QCOMPARE(hook.requests.size(), 1);
        const auto& got = hook.requests.first();
        QCOMPARE(got.method, QByteArray("POST"));
        QCOMPARE(got.path, kSecretPath.toUtf8());
        QCOMPARE(got.headers.value("content-type"), QByteArray("application/json"));
        QCOMPARE(got.body, p.body); // byte for byte what the user was shown
        for (const char* secret : {"Sup3rS3cret", "abcdefghijklmnop1234", "xoxb-1234567890"})
            QVERIFY2(!got.body.contains(secret), secret);
        QVERIFY(p.redactions >= 3);
        const QJsonObject j = QJsonDocument::fromJson(got.body).object();
        QCOMPARE(j.keys(), (QStringList{"markdown", "report", "summary", "title"}));
        QVERIFY(j[QLatin1String("markdown")].toString().contains(QLatin1String("payments-api")));
        QCOMPARE(j[QLatin1String("report")][QLatin1String("format")].toString(),
                 QStringLiteral("sextant.fleet-report/v1"));
    }

    void slackPost() {
        test::HookReceiver hook;
        QVERIFY(hook.listen());
        const WebhookPayload p = buildWebhookPayload(WebhookKind::Slack, plantedContent());
        QVERIFY(postTo(hook, p));
        const QJsonObject j = QJsonDocument::fromJson(hook.requests.first().body).object();
        QVERIFY(j[QLatin1String("text")].toString().contains(QLatin1String("payments-api")));
        QVERIFY(j[QLatin1String("blocks")].isArray());
        QVERIFY(!hook.requests.first().body.contains("Sup3rS3cret"));
    }

    void serverErrorIsTypedWithTheAnswer() {
        test::HookReceiver hook;
        hook.status = 500;
        hook.answer = "internal_error: try later";
        QVERIFY(hook.listen());
        const auto r = postTo(hook, buildWebhookPayload(WebhookKind::Generic, plantedContent()));
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Server);
        QCOMPARE(r.error().httpStatus, 500);
        QVERIFY(r.error().details.contains(QLatin1String("internal_error: try later")));
        QVERIFY(!r.error().toString().contains(QLatin1String("pathTokenXYZ")));
        QVERIFY(!r.error().url.contains(QLatin1String("pathTokenXYZ")));
    }

    void slackRefusalIsTyped() {
        test::HookReceiver hook;
        hook.status = 404;
        hook.answer = "no_service";
        QVERIFY(hook.listen());
        const auto r = postTo(hook, buildWebhookPayload(WebhookKind::Slack, plantedContent()));
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::NotFound);
        QVERIFY(r.error().shortMessage.contains(QLatin1String("no_service")));
    }

    void timeout() {
        test::HookReceiver hook;
        hook.silent = true;
        QVERIFY(hook.listen());
        const auto r =
            postTo(hook, buildWebhookPayload(WebhookKind::Generic, plantedContent()), 500);
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Timeout);
        QVERIFY(!r.error().toString().contains(QLatin1String("pathTokenXYZ")));
        QCOMPARE(hook.requests.size(), 1); // it did arrive; the answer never came
    }

    void redirectIsNotFollowed() {
        test::HookReceiver hook;
        hook.status = 302;
        QVERIFY(hook.listen());
        const auto r = postTo(hook, buildWebhookPayload(WebhookKind::Generic, plantedContent()));
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Protocol);
        QCOMPARE(hook.requests.size(), 1);
    }

    void connectionRefused() {
        quint16 port = 0;
        {
            QTcpServer probe; // a port that was free a moment ago and is closed now
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        WebhookPoster poster;
        poster.setTimeoutMs(5000);
        const auto r = poster.postBlocking(
            QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(kSecretPath)),
            buildWebhookPayload(WebhookKind::Generic, plantedContent()));
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Network);
        QVERIFY2(!r.error().toString().contains(QLatin1String("pathTokenXYZ")),
                 qPrintable(r.error().toString()));
    }

    void insecureUrlIsRefusedBeforeSending() {
        WebhookPoster poster;
        const auto r =
            poster.postBlocking(QUrl(QStringLiteral("http://hooks.example.com") + kSecretPath),
                                buildWebhookPayload(WebhookKind::Generic, plantedContent()));
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Config);
        QVERIFY(!r.error().toString().contains(QLatin1String("pathTokenXYZ")));
    }
};

QTEST_GUILESS_MAIN(TestReportWebhook)
#include "tst_reportwebhook.moc"
