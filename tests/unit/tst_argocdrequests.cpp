// The exact requests the Argo CD client builds (writes, URLs) and its error mapping, without
// a network.

#include "argocd/client.h"
#include "argocd/httperror.h"
#include "argocd/instance.h"

#include <QJsonObject>
#include <QSslCertificate>
#include <QTest>

using namespace sextant;
using namespace sextant::argocd;
using json = nlohmann::json;

namespace {

InstanceConfig config(const QString& url = QStringLiteral("https://argocd.example.com/argo")) {
    InstanceConfig c;
    c.id = QStringLiteral("inst-1");
    c.name = QStringLiteral("prod-eu");
    c.baseUrl = QUrl(url);
    return c;
}

AppSummary app(const QString& name = QStringLiteral("guestbook"),
               const QString& ns = QStringLiteral("argocd")) {
    AppSummary a;
    a.instance = QStringLiteral("inst-1");
    a.name = name;
    a.appNamespace = ns;
    a.project = QStringLiteral("default");
    a.destNamespace = QStringLiteral("shop");
    return a;
}

} // namespace

class TestArgoCdRequests : public QObject {
    Q_OBJECT
private slots:
    void validateInstance_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("hint");
        QTest::newRow("https") << "https://argocd.example.com" << true << "";
        QTest::newRow("http") << "http://10.0.0.5:8080" << true << "";
        QTest::newRow("rootpath") << "https://tools.example.com/argo-cd" << true << "";
        QTest::newRow("no scheme") << "argocd.example.com" << false << "no scheme";
        QTest::newRow("host:port") << "argocd.example.com:443" << false << "no scheme";
        QTest::newRow("ftp") << "ftp://argocd.example.com" << false << "unsupported scheme";
        QTest::newRow("grpc") << "grpc://argocd.example.com" << false << "unsupported scheme";
        QTest::newRow("empty host") << "https://" << false << "no host";
        QTest::newRow("empty") << "" << false << "empty";
        QTest::newRow("userinfo") << "https://admin:pw@argocd.example.com" << false << "password";
        QTest::newRow("query") << "https://argocd.example.com/?x=1" << false << "query";
    }

    void validateInstance() {
        QFETCH(QString, url);
        QFETCH(bool, valid);
        QFETCH(QString, hint);
        const Status s = config(url).validate();
        QCOMPARE(s.ok(), valid);
        if (!valid) {
            QCOMPARE(s.error().kind, Error::Kind::Config);
            QVERIFY2(s.error().shortMessage.contains(hint), qPrintable(s.error().shortMessage));
            QVERIFY(s.error().shortMessage.startsWith(QLatin1String("prod-eu")));
        }
    }

    void validateOther() {
        InstanceConfig c = config();
        c.id.clear();
        QVERIFY(!c.validate().ok());
        c = config();
        c.requestTimeoutMs = 0;
        QVERIFY(!c.validate().ok());
        c = config();
        c.authMethod = AuthMethod::Password;
        QVERIFY(!c.validate().ok());
        c.username = QStringLiteral("admin");
        QVERIFY(c.validate().ok());
    }

    void instanceRoundTripHasNoSecrets() {
        InstanceConfig c = config();
        c.caFile = QStringLiteral("/etc/ssl/argocd-ca.pem");
        c.insecure = true;
        c.grpcWeb = true;
        c.authMethod = AuthMethod::Password;
        c.username = QStringLiteral("admin");
        c.requestTimeoutMs = 12000;
        const QJsonObject o = c.toJson();
        for (const QString& key : o.keys())
            QVERIFY2(!key.contains(QLatin1String("token"), Qt::CaseInsensitive) &&
                         !key.contains(QLatin1String("password"), Qt::CaseInsensitive),
                     qPrintable(key));
        const auto back = InstanceConfig::fromJson(o);
        QVERIFY(back.ok());
        QCOMPARE(*back, c);
        const auto viaMap = InstanceConfig::fromVariantMap(c.toVariantMap());
        QVERIFY(viaMap.ok());
        QCOMPARE(*viaMap, c);
        QJsonObject bad = o;
        bad.insert(QStringLiteral("baseUrl"), QStringLiteral("argocd.example.com"));
        QVERIFY(!InstanceConfig::fromJson(bad).ok());
    }

    void endpointKeepsRootPath() {
        QCOMPARE(config().endpoint(QStringLiteral("/api/v1/applications")),
                 QUrl(QStringLiteral("https://argocd.example.com/argo/api/v1/applications")));
        QCOMPARE(config(QStringLiteral("https://argocd.example.com/"))
                     .endpoint(QStringLiteral("/api/version")),
                 QUrl(QStringLiteral("https://argocd.example.com/api/version")));
    }

    void listQueryEncoding() {
        ListQuery q;
        q.projects = {QStringLiteral("a"), QStringLiteral("b c")};
        q.selector = QStringLiteral("env=prod,team in (x,y),tier+1");
        q.appNamespace = QStringLiteral("team-a");
        const QUrl url =
            Client::withQuery(config().endpoint(QStringLiteral("/api/v1/applications")),
                              Client::listQueryItems(q, {QStringLiteral("items.metadata.name"),
                                                         QStringLiteral("items.status.health")}));
        const QString s = url.toString(QUrl::FullyEncoded);
        QVERIFY2(s.contains(QLatin1String("fields=items.metadata.name,items.status.health")),
                 qPrintable(s));
        QVERIFY(s.contains(QLatin1String("projects=a&projects=b%20c")));
        QVERIFY2(s.contains(QLatin1String("selector=env%3Dprod,team%20in%20%28x,y%29,tier%2B1")),
                 qPrintable(s));
        QVERIFY(s.contains(QLatin1String("appNamespace=team-a")));
    }

    void uiFieldsAreTheWhitelist() {
        QVERIFY(Client::kUiListFields.contains(QStringLiteral("metadata.resourceVersion")));
        QVERIFY(Client::kUiListFields.contains(QStringLiteral("items.status.health")));
        for (const QString& f : Client::kUiListFields)
            QVERIFY(f == QLatin1String("metadata.resourceVersion") ||
                    f.startsWith(QLatin1String("items.")));
    }

    void requestCarriesTokenAndTls() {
        Client c(config());
        c.setToken(QStringLiteral("secret-token"));
        const QNetworkRequest r =
            c.makeRequest(c.config().endpoint(QStringLiteral("/api/version")));
        QCOMPARE(r.rawHeader("Authorization"), QByteArray("Bearer secret-token"));
        QCOMPARE(r.attribute(QNetworkRequest::Http2AllowedAttribute).toBool(), false);
        QCOMPARE(r.transferTimeout(), 30000);
        QCOMPARE(r.sslConfiguration().peerVerifyMode(), QSslSocket::AutoVerifyPeer);

        InstanceConfig insecure = config();
        insecure.insecure = true;
        Client ci(insecure);
        QCOMPARE(ci.makeRequest(insecure.endpoint(QStringLiteral("/x")))
                     .sslConfiguration()
                     .peerVerifyMode(),
                 QSslSocket::VerifyNone);
    }

    void caFile() {
        InstanceConfig c = config();
        c.caFile = QStringLiteral(SEXTANT_TEST_DATA_DIR "/tls/ca.pem");
        Client client(c);
        QVERIFY(!client.configError().isError());
        const auto cas = client.makeRequest(c.endpoint(QStringLiteral("/x")))
                             .sslConfiguration()
                             .caCertificates();
        const auto ours = QSslCertificate::fromPath(c.caFile);
        QCOMPARE(ours.size(), 1);
        QVERIFY(cas.contains(ours.first()));

        c.caFile = QStringLiteral("/nonexistent/ca.pem");
        Client missing(c);
        QCOMPARE(missing.configError().kind, Error::Kind::Config);
        QVERIFY(missing.configError().shortMessage.contains(QLatin1String("CA file")));
        c.caFile = QStringLiteral(SEXTANT_TEST_DATA_DIR "/argocd/app-list-sample.json");
        Client notPem(c);
        QVERIFY(notPem.configError().shortMessage.contains(QLatin1String("no PEM")));
    }

    void prepareSyncBody() {
        Client c(config());
        SyncOptions o;
        o.revision = QStringLiteral("abc123");
        o.dryRun = true;
        o.prune = true;
        o.strategy = SyncOptions::Strategy::Apply;
        o.force = true;
        o.resources = {{QStringLiteral("apps"), QStringLiteral("Deployment"),
                        QStringLiteral("shop"), QStringLiteral("web")}};
        o.syncOptions = {QStringLiteral("ServerSideApply=true"), QStringLiteral("PruneLast=true")};
        const WriteRequest w = c.prepareSync(app(), o);
        QCOMPARE(w.method, QStringLiteral("POST"));
        QCOMPARE(
            w.url.toString(),
            QStringLiteral("https://argocd.example.com/argo/api/v1/applications/guestbook/sync"));
        QCOMPARE(w.action, QStringLiteral("sync"));
        QCOMPARE(w.instanceId, QStringLiteral("inst-1"));
        QCOMPARE(w.instanceName, QStringLiteral("prod-eu"));
        QCOMPARE(w.target, QStringLiteral("argocd/guestbook"));
        QCOMPARE(
            w.body,
            QByteArray(
                R"({"appNamespace":"argocd","revision":"abc123","prune":true,"dryRun":true,)"
                R"("strategy":{"apply":{"force":true}},)"
                R"("resources":[{"group":"apps","kind":"Deployment","namespace":"shop","name":"web"}],)"
                R"("syncOptions":{"items":["ServerSideApply=true","PruneLast=true"]}})"));
        QVERIFY(w.summary.contains(QLatin1String("abc123")));
        QVERIFY(w.summary.contains(QLatin1String("dry run")));
        QVERIFY(!w.displayText().contains(QLatin1String("secret")));

        const WriteRequest plain = c.prepareSync(app(), SyncOptions{});
        QCOMPARE(plain.body,
                 QByteArray(R"({"appNamespace":"argocd","prune":false,"dryRun":false})"));

        SyncOptions multi;
        multi.revisions = {QStringLiteral("v1"), QStringLiteral("abc")};
        multi.sourcePositions = {1, 2};
        multi.strategy = SyncOptions::Strategy::Hook;
        QCOMPARE(c.prepareSync(app(QStringLiteral("m"), QString()), multi).body,
                 QByteArray(R"({"revisions":["v1","abc"],"sourcePositions":[1,2],"prune":false,)"
                            R"("dryRun":false,"strategy":{"hook":{"force":false}}})"));
    }

    void prepareOtherWrites() {
        Client c(config());
        const WriteRequest rb = c.prepareRollback(app(), 23, false, true);
        QCOMPARE(rb.method, QStringLiteral("POST"));
        QCOMPARE(rb.url.path(), QStringLiteral("/argo/api/v1/applications/guestbook/rollback"));
        QCOMPARE(rb.body,
                 QByteArray(R"({"appNamespace":"argocd","id":23,"dryRun":false,"prune":true})"));
        QCOMPARE(rb.action, QStringLiteral("rollback"));

        const WriteRequest t = c.prepareTerminate(app());
        QCOMPARE(t.method, QStringLiteral("DELETE"));
        QCOMPARE(t.url.toString(QUrl::FullyEncoded),
                 QStringLiteral("https://argocd.example.com/argo/api/v1/applications/guestbook/"
                                "operation?appNamespace=argocd"));
        QVERIFY(t.body.isEmpty());

        const WriteRequest r = c.prepareRefresh(app(), true);
        QCOMPARE(r.method, QStringLiteral("GET"));
        QCOMPARE(r.url.toString(QUrl::FullyEncoded),
                 QStringLiteral("https://argocd.example.com/argo/api/v1/applications/guestbook"
                                "?refresh=hard&appNamespace=argocd"));
        QCOMPARE(c.prepareRefresh(app(QStringLiteral("x"), QString())).url.query(),
                 QStringLiteral("refresh=normal"));

        const WriteRequest p = c.preparePatch(
            app(), json::parse(R"({"spec":{"syncPolicy":{"automated":{"enabled":false}}}})"));
        QCOMPARE(p.method, QStringLiteral("PATCH"));
        QCOMPARE(p.url.path(), QStringLiteral("/argo/api/v1/applications/guestbook"));
        const json body = json::parse(p.body.toStdString());
        QCOMPARE(body["name"].get<std::string>(), std::string("guestbook"));
        QCOMPARE(body["appNamespace"].get<std::string>(), std::string("argocd"));
        QCOMPARE(body["patchType"].get<std::string>(), std::string("merge"));
        QVERIFY(json::parse(body["patch"].get<std::string>()) ==
                json::parse(R"({"spec":{"syncPolicy":{"automated":{"enabled":false}}}})"));
    }

    void namesAreEscaped() {
        Client c(config());
        QCOMPARE(
            c.applicationUrl(QStringLiteral("a b/c"), QStringLiteral("/sync"))
                .toString(QUrl::FullyEncoded),
            QStringLiteral("https://argocd.example.com/argo/api/v1/applications/a%20b%2Fc/sync"));
    }

    void productionDetection() {
        AppSummary a = app();
        QVERIFY(!looksLikeProduction(a));
        a.destName = QStringLiteral("prod-eu-1");
        QVERIFY(looksLikeProduction(a));
        a = app();
        a.labels = {{QStringLiteral("env"), QStringLiteral("production")}};
        QVERIFY(looksLikeProduction(a));
        a = app();
        a.destNamespace = QStringLiteral("products"); // not "prod"
        QVERIFY(!looksLikeProduction(a));
    }

    void errorMapping_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("networkError");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("words");
        using K = Error::Kind;
        QTest::newRow("401")
            << 401 << int(QNetworkReply::AuthenticationRequiredError)
            << QByteArray(R"({"error":"invalid session","code":16,"message":"invalid session"})")
            << int(K::Unauthorized) << "log in again";
        QTest::newRow("403") << 403 << int(QNetworkReply::ContentAccessDenied)
                             << QByteArray(R"({"code":7,"message":"permission denied"})")
                             << int(K::Forbidden) << "permission denied";
        QTest::newRow("404")
            << 404 << int(QNetworkReply::ContentNotFoundError)
            << QByteArray(R"({"code":5,"message":"applications.argoproj.io x not found"})")
            << int(K::NotFound) << "not found";
        QTest::newRow("409") << 409 << int(QNetworkReply::ContentConflictError) << QByteArray()
                             << int(K::Conflict) << "conflict";
        QTest::newRow("400")
            << 400 << int(QNetworkReply::ProtocolInvalidOperationError)
            << QByteArray(
                   R"({"code":9,"message":"rollback cannot be initiated when auto-sync is enabled"})")
            << int(K::BadRequest) << "rollback cannot be initiated when auto-sync is enabled";
        QTest::newRow("500") << 500 << int(QNetworkReply::InternalServerError) << QByteArray("oops")
                             << int(K::Server) << "HTTP 500";
        QTest::newRow("503") << 503 << int(QNetworkReply::ServiceUnavailableError) << QByteArray()
                             << int(K::Server) << "server failed";
        QTest::newRow("504") << 504 << int(QNetworkReply::UnknownServerError) << QByteArray()
                             << int(K::Timeout) << "timed out";
        QTest::newRow("refused") << 0 << int(QNetworkReply::ConnectionRefusedError) << QByteArray()
                                 << int(K::Network) << "refused the connection";
        QTest::newRow("host") << 0 << int(QNetworkReply::HostNotFoundError) << QByteArray()
                              << int(K::Network) << "not found";
        QTest::newRow("closed") << 0 << int(QNetworkReply::RemoteHostClosedError) << QByteArray()
                                << int(K::Network) << "closed the connection";
        QTest::newRow("timeout") << 0 << int(QNetworkReply::TimeoutError) << QByteArray()
                                 << int(K::Timeout) << "did not answer within 30 s";
        QTest::newRow("tls") << 0 << int(QNetworkReply::SslHandshakeFailedError) << QByteArray()
                             << int(K::Tls) << "TLS";
    }

    void errorMapping() {
        QFETCH(int, status);
        QFETCH(int, networkError);
        QFETCH(QByteArray, body);
        QFETCH(int, kind);
        QFETCH(QString, words);
        HttpFailure f;
        f.instanceName = QStringLiteral("prod-eu");
        f.method = QStringLiteral("GET");
        f.url = QUrl(QStringLiteral("https://argocd.example.com/api/v1/applications"));
        f.httpStatus = status;
        f.networkError = QNetworkReply::NetworkError(networkError);
        f.networkErrorString = QStringLiteral("qt says no");
        f.body = body;
        f.timeoutMs = 30000;
        const Error e = errorFromHttpFailure(f);
        QCOMPARE(int(e.kind), kind);
        QVERIFY2(e.shortMessage.startsWith(QLatin1String("prod-eu: ")), qPrintable(e.shortMessage));
        QVERIFY2(e.shortMessage.contains(words), qPrintable(e.shortMessage));
        QVERIFY(e.details.contains(
            QLatin1String("GET https://argocd.example.com/api/v1/applications")));
        QCOMPARE(e.httpStatus, status);
        if (status > 0)
            QVERIFY(e.details.contains(QStringLiteral("HTTP status: %1").arg(status)));
        QVERIFY(!e.shortMessage.contains(QLatin1Char('\n')));
    }

    void tlsErrors() {
        HttpFailure f;
        f.instanceName = QStringLiteral("prod-eu");
        f.method = QStringLiteral("GET");
        f.url = QUrl(QStringLiteral("https://argocd.example.com/api/version"));
        f.networkError = QNetworkReply::SslHandshakeFailedError;
        f.sslErrors = {QSslError(QSslError::SelfSignedCertificateInChain)};
        Error e = errorFromHttpFailure(f);
        QCOMPARE(e.kind, Error::Kind::Tls);
        QCOMPARE(e.shortMessage,
                 QStringLiteral("prod-eu: the server's certificate is not trusted — add its CA "
                                "file or, if you accept the risk, enable insecure mode"));
        QVERIFY(e.details.contains(QLatin1String("TLS errors: ")));
        QVERIFY(
            e.details.contains(QSslError(QSslError::SelfSignedCertificateInChain).errorString()));
        f.sslErrors = {QSslError(QSslError::HostNameMismatch)};
        QVERIFY(errorFromHttpFailure(f).shortMessage.contains(QLatin1String("different host")));
        f.sslErrors = {QSslError(QSslError::CertificateExpired)};
        QVERIFY(errorFromHttpFailure(f).shortMessage.contains(QLatin1String("expired")));
    }

    void retryRules() {
        // Retry belongs to the kind: only network, timeout and 5xx.
        QVERIFY(Error::make(Error::Kind::Server, {}).isRetryable());
        QVERIFY(Error::make(Error::Kind::Timeout, {}).isRetryable());
        QVERIFY(!Error::make(Error::Kind::Unauthorized, {}).isRetryable());
        QVERIFY(!Error::make(Error::Kind::BadRequest, {}).isRetryable());
        QVERIFY(!Error::make(Error::Kind::Tls, {}).isRetryable());
    }
};

QTEST_GUILESS_MAIN(TestArgoCdRequests)
#include "tst_argocdrequests.moc"
