// ai::Redactor: every secret kind is removed before a prompt leaves the machine, the names that
// make a diagnosis useful stay, and the line count never changes.

#include "ai/redactor.h"

#include <QTest>

using namespace sextant;
using namespace sextant::ai;

namespace {

int countOf(const Redaction& r, const QString& kind) {
    for (const RedactionCount& c : r.counts) {
        if (c.kind == kind)
            return c.count;
    }
    return 0;
}

QString kinds(const Redaction& r) {
    QStringList out;
    for (const RedactionCount& c : r.counts)
        out << QStringLiteral("%1×%2").arg(c.kind).arg(c.count);
    return out.join(QStringLiteral(", "));
}

} // namespace

class TestRedactor : public QObject {
    Q_OBJECT

private slots:
    void secretKinds_data();
    void secretKinds();
    void keepsOrdinaryKubernetesText_data();
    void keepsOrdinaryKubernetesText();
    void secretManifestYaml();
    void secretManifestJsonAndLastApplied();
    void configMapDataStays();
    void pemBlocks();
    void environmentVariables();
    void userPatterns();
    void invalidUserPatternIsAnError();
    void idempotentAndLinePreserving();
    void secretNames_data();
    void secretNames();
    void mergeCountsSorted();
};

void TestRedactor::secretKinds_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("secret"); // must be gone
    QTest::addColumn<QString>("kept");   // must stay
    QTest::addColumn<QString>("kind");   // counted at least once

    QTest::newRow("jwt")
        << "login with eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlX3h5eg failed"
        << "eyJhbGciOiJIUzI1NiJ9"
        << "login with"
        << "jwt";
    QTest::newRow("authorization header")
        << "curl -H \"Authorization: Bearer abc123def456ghi789\" https://api.shop.local"
        << "abc123def456ghi789"
        << "Authorization: Bearer "
        << "authorization";
    QTest::newRow("authorization basic") << "Authorization: Basic dXNlcjpodW50ZXIy"
                                         << "dXNlcjpodW50ZXIy"
                                         << "Basic"
                                         << "authorization";
    QTest::newRow("authorization go map")
        << "headers=map[Authorization:[Bearer tok3nV4lue99aa] Accept:[*/*]]"
        << "tok3nV4lue99aa"
        << "Accept"
        << "authorization";
    QTest::newRow("bearer anywhere") << "retrying with Bearer 9f8e7d6c5b4a39281706 as fallback"
                                     << "9f8e7d6c5b4a39281706"
                                     << "as fallback"
                                     << "bearer";
    QTest::newRow("cookie") << "Cookie: session=abc123xyz; theme=dark"
                            << "abc123xyz"
                            << "Cookie: "
                            << "cookie";
    QTest::newRow("github classic")
        << "git clone https://ghp_R8fK2mQ9xV4tL7wZ3nB6cJ1hY5dS0aE2uP4i@github.com/shop/app"
        << "ghp_R8fK2mQ9xV4tL7wZ3nB6cJ1hY5dS0aE2uP4i"
        << "github.com/shop/app"
        << "github-token";
    QTest::newRow("github oauth") << "token gho_16C7e42F292c6912E7710c838347Ae178B4a rejected"
                                  << "gho_16C7e42F292c6912E7710c838347Ae178B4a"
                                  << "rejected"
                                  << "github-token";
    QTest::newRow("github fine-grained")
        << "using github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"
        << "github_pat_11ABCDEFG0123456789"
        << "using"
        << "github-token";
    QTest::newRow("gitlab") << "remote: glpat-xY7zK2mQ9vB4nL8pR3tW is invalid"
                            << "glpat-xY7zK2mQ9vB4nL8pR3tW"
                            << "is invalid"
                            << "gitlab-token";
    QTest::newRow("slack") << "notify via xoxb-1234567890-0987654321-AbCdEfGhIjKl failed"
                           << "xoxb-1234567890-0987654321-AbCdEfGhIjKl"
                           << "failed"
                           << "slack-token";
    QTest::newRow("slack webhook")
        << "POST https://hooks.slack.com/services/T0123ABCD/B0456EFGH/xYz123AbC456dEf789 500"
        << "xYz123AbC456dEf789"
        << "hooks.slack.com/services/"
        << "slack-webhook";
    QTest::newRow("aws access key id") << "InvalidAccessKeyId: AKIAIOSFODNN7EXAMPLE is unknown"
                                       << "AKIAIOSFODNN7EXAMPLE"
                                       << "is unknown"
                                       << "aws-access-key";
    QTest::newRow("aws secret key")
        << "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        << "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        << "aws_secret_access_key"
        << "aws-secret-key";
    QTest::newRow("api_key pair") << "GET /v1/rates?api_key=abcd1234efgh5678&currency=EUR"
                                  << "abcd1234efgh5678"
                                  << "currency=EUR"
                                  << "api-key";
    QTest::newRow("x-api-key header") << "x-api-key: 0123456789abcdef0123"
                                      << "0123456789abcdef0123"
                                      << "x-api-key"
                                      << "api-key";
    QTest::newRow("openai key") << "OpenAI error with key sk-proj-AbCdEf1234567890XyZaBcDeF9"
                                << "sk-proj-AbCdEf1234567890XyZaBcDeF9"
                                << "OpenAI error"
                                << "api-key";
    QTest::newRow("google key") << "maps key AIzaSyA1234567890abcdefghijklmnopqrstuv rejected"
                                << "AIzaSyA1234567890abcdefghijklmnopqrstuv"
                                << "rejected"
                                << "api-key";
    QTest::newRow("password=") << "connecting with user=app password=hunter2 host=db"
                               << "hunter2"
                               << "host=db"
                               << "password";
    QTest::newRow("password json") << R"({"user": "app", "password": "hunter2!x"})"
                                   << "hunter2!x"
                                   << R"("password": ")"
                                   << "password";
    QTest::newRow("password yaml") << "  password: Sup3rS3cret"
                                   << "Sup3rS3cret"
                                   << "  password: "
                                   << "password";
    QTest::newRow("password flag") << "argocd login argocd.shop --username admin --password "
                                      "Hunter2Pass"
                                   << "Hunter2Pass"
                                   << "--username admin"
                                   << "password";
    QTest::newRow("url credentials")
        << "repository https://deploy:Tr0ub4dor@git.shop.local/infra.git not accessible"
        << "Tr0ub4dor"
        << "https://deploy:"
        << "url-credentials";
    QTest::newRow("mongodb url") << "MONGO_URL=mongodb+srv://app:s3cr3tPw@cluster0.mongo.net/db"
                                 << "s3cr3tPw"
                                 << "cluster0.mongo.net"
                                 << "url-credentials";
    QTest::newRow("ado connection string")
        << "Server=sql.shop;Database=orders;User Id=sa;Password=P@ssw0rd!;"
        << "P@ssw0rd!"
        << "User Id=sa"
        << "password";
    QTest::newRow("azure storage")
        << "DefaultEndpointsProtocol=https;AccountName=shopfiles;AccountKey=Zm9vYmFyYmF6cXV4==;"
        << "Zm9vYmFyYmF6cXV4=="
        << "AccountName=shopfiles"
        << "connection-string";
    QTest::newRow("env NAME=value") << "env: DB_PASSWORD=hunter2 DB_HOST=db.shop.svc"
                                    << "hunter2"
                                    << "DB_HOST=db.shop.svc"
                                    << "env-secret";
    QTest::newRow("describe env") << "      STRIPE_SECRET_KEY:  rk_live_51Habcdefghijklmnop"
                                  << "rk_live_51Habcdefghijklmnop"
                                  << "STRIPE_SECRET_KEY"
                                  << "env-secret";
    QTest::newRow("client secret camel") << "oidc: clientSecret: 7f3a9c2e1b8d4f60"
                                         << "7f3a9c2e1b8d4f60"
                                         << "clientSecret"
                                         << "secret";
    QTest::newRow("escaped json password") << R"("{\"user\":\"app\",\"password\":\"hunter2\"}")"
                                           << "hunter2"
                                           << R"(\"user\":\"app\")"
                                           << "password";
}

void TestRedactor::secretKinds() {
    QFETCH(QString, input);
    QFETCH(QString, secret);
    QFETCH(QString, kept);
    QFETCH(QString, kind);
    const Redaction r = Redactor().redact(input);
    QVERIFY2(!r.text.contains(secret), qPrintable(r.text));
    QVERIFY2(r.text.contains(kept), qPrintable(r.text));
    QVERIFY2(countOf(r, kind) >= 1, qPrintable(kinds(r) + QStringLiteral(" | ") + r.text));
    QVERIFY(r.text.contains(Redactor::placeholder(kind)));
}

void TestRedactor::keepsOrdinaryKubernetesText_data() {
    QTest::addColumn<QString>("input");
    const char* lines[] = {
        R"(secret "db-creds" not found)",
        "Error: couldn't find key password in Secret shop/db",
        R"(MountVolume.SetUp failed for volume "creds" : secret "db-creds" not found)",
        "secretKeyRef:\n  name: db-creds\n  key: password",
        "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db-creds\n      key: "
        "password",
        R"(Back-off pulling image "ghcr.io/shop/web:1.4.2")",
        R"(Failed to pull image "registry.shop.local/api:v2": rpc error: code = Unknown desc = )"
        R"(failed to authorize: failed to fetch anonymous token: unexpected status: 401 )"
        R"(Unauthorized)",
        R"(pq: password authentication failed for user "app")",
        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
        "exceeded quota: compute-quota, requested: limits.memory=2Gi, used: "
        "limits.memory=3Gi, limited: limits.memory=4Gi",
        "      DB_PASSWORD:  <set to the key 'password' in secret 'db-creds'>  Optional: false",
        "password:  16 bytes",
        "automountServiceAccountToken: false",
        "serviceAccountName: payments",
        "      secretName: tls-cert",
        "imagePullSecrets: [{name: regcred}]",
        "Pod shop/sk-payments-api-6f7d8c9b5-q7x2m is CrashLoopBackOff",
        "ComparisonError: rpc error: code = Unknown desc = authentication required",
        R"(Secret shop/db-creds is missing key "password")",
        "token_type=bearer expires_in=3600",
        "PASSWORD_FILE=/run/secrets/db-password",
        "existingSecret: db-creds",
        "invalid bearer token, authentication failed",
        "kind: Secret\nmetadata:\n  name: db-creds\ntype: Opaque",
        R"({"kind":"Secret","metadata":{"name":"db-creds"},"type":"Opaque"})",
        "Normal  Pulled  kubelet  Successfully pulled image \"nginx:1.25\" in 1.2s",
        "level=error msg=\"upstream connect error\" host=payments.shop.svc port=8080",
    };
    int row = 0;
    for (const char* line : lines)
        QTest::addRow("ordinary-%d", ++row) << QString::fromUtf8(line);
}

void TestRedactor::keepsOrdinaryKubernetesText() {
    QFETCH(QString, input);
    const Redaction r = Redactor().redact(input);
    QCOMPARE(r.text, input);
    QCOMPARE(r.total(), 0);
}

void TestRedactor::secretManifestYaml() {
    const QString manifest = QStringLiteral("apiVersion: v1\n"
                                            "kind: Secret\n"
                                            "metadata:\n"
                                            "  name: db-creds\n"
                                            "  namespace: shop\n"
                                            "type: Opaque\n"
                                            "data:\n"
                                            "  password: aHVudGVyMlNlY3JldA==\n"
                                            "  username: YWRtaW4=\n"
                                            "stringData:\n"
                                            "  url: postgres://app@db:5432/shop\n"
                                            "  config.yaml: |\n"
                                            "    endpoint: https://x\n"
                                            "    apiKey: supersecretvalue123\n"
                                            "---\n"
                                            "apiVersion: v1\n"
                                            "kind: ConfigMap\n"
                                            "data:\n"
                                            "  LOG_LEVEL: debug\n");
    const Redaction r = Redactor().redact(manifest);
    for (const char* secret : {"aHVudGVyMlNlY3JldA==", "YWRtaW4=", "postgres://app@db",
                               "supersecretvalue123", "https://x"})
        QVERIFY2(!r.text.contains(QLatin1String(secret)), qPrintable(r.text));
    for (const char* kept : {"name: db-creds", "  password: [REDACTED:secret-data]",
                             "  username: [REDACTED:secret-data]", "  config.yaml: [REDACTED",
                             "LOG_LEVEL: debug", "type: Opaque"})
        QVERIFY2(r.text.contains(QLatin1String(kept)), qPrintable(r.text));
    QCOMPARE(countOf(r, QStringLiteral("secret-data")), 4);
    QCOMPARE(r.text.count(QLatin1Char('\n')), manifest.count(QLatin1Char('\n')));

    // Flow style.
    const Redaction flow =
        Redactor().redact(QStringLiteral("kind: Secret\ndata: {token: dG9rZW4xMjM=}\n"));
    QVERIFY2(!flow.text.contains(QLatin1String("dG9rZW4xMjM=")), qPrintable(flow.text));
}

void TestRedactor::secretManifestJsonAndLastApplied() {
    const QString json = QStringLiteral(
        R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db-creds"},)"
        R"("data":{"password":"aHVudGVy","config.json":"eyJhIjoxfQ=="},"type":"Opaque"})");
    const Redaction r = Redactor().redact(json);
    QVERIFY2(!r.text.contains(QLatin1String("aHVudGVy")), qPrintable(r.text));
    QVERIFY2(!r.text.contains(QLatin1String("eyJhIjoxfQ==")), qPrintable(r.text));
    QVERIFY(r.text.contains(QLatin1String(R"("password":"[REDACTED:secret-data]")")));
    QVERIFY(r.text.contains(QLatin1String(R"("name":"db-creds")")));

    // The annotation kubectl leaves on applied objects carries the whole Secret again.
    const QString annotated =
        QStringLiteral(R"("annotations":{"kubectl.kubernetes.io/last-applied-configuration":)"
                       R"("{\"apiVersion\":\"v1\",\"data\":{\"password\":\"czNjcjN0UGFzcw==\"},)"
                       R"(\"kind\":\"Secret\",\"metadata\":{\"name\":\"db-creds\"}}"})");
    const Redaction a = Redactor().redact(annotated);
    QVERIFY2(!a.text.contains(QLatin1String("czNjcjN0UGFzcw==")), qPrintable(a.text));
    QVERIFY2(a.text.contains(QLatin1String(R"(\"name\":\"db-creds\")")), qPrintable(a.text));
}

void TestRedactor::configMapDataStays() {
    const QString cm = QStringLiteral("kind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n"
                                      "  LOG_LEVEL: debug\n  FEATURE_X: \"on\"\n");
    QCOMPARE(Redactor().redact(cm).text, cm);
}

void TestRedactor::pemBlocks() {
    const QString pem =
        QStringLiteral("tls.key:\n-----BEGIN RSA PRIVATE KEY-----\n"
                       "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt\n"
                       "0gBr8CuT2L7zk8NkVmUxYfWg3tH6Z3m5hJ6nQ0KGvT1m4fAo9Xj2k5Yw==\n"
                       "-----END RSA PRIVATE KEY-----\nnext line stays");
    const Redaction r = Redactor().redact(pem);
    QVERIFY2(!r.text.contains(QLatin1String("MIIEowIBAAKCAQEA")), qPrintable(r.text));
    QVERIFY(!r.text.contains(QLatin1String("0gBr8CuT2L7zk8")));
    QVERIFY(r.text.contains(QLatin1String("next line stays")));
    QCOMPARE(countOf(r, QStringLiteral("private-key")), 1);
    QCOMPARE(r.text.count(QLatin1Char('\n')), pem.count(QLatin1Char('\n')));

    // Cut off by an evidence cap: no END line.
    const Redaction cut = Redactor().redact(
        QStringLiteral("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAA…"));
    QVERIFY2(!cut.text.contains(QLatin1String("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAA")),
             qPrintable(cut.text));

    // JSON-escaped, as in a Secret's stringData or a Helm values dump.
    const Redaction escaped = Redactor().redact(QStringLiteral(
        R"({"tls.key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"})"));
    QVERIFY2(!escaped.text.contains(QLatin1String("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")),
             qPrintable(escaped.text));

    // Base64 of a PEM block, as Secret data holds it.
    const Redaction encoded = Redactor().redact(
        QStringLiteral("  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJna3Fo"));
    QVERIFY2(!encoded.text.contains(QLatin1String("LS0tLS1CRUdJTiBQUklW")),
             qPrintable(encoded.text));
}

void TestRedactor::environmentVariables() {
    const QString yaml = QStringLiteral("env:\n"
                                        "- name: DB_HOST\n"
                                        "  value: db.shop.svc\n"
                                        "- name: DB_PASSWORD\n"
                                        "  value: hunter2-yaml\n"
                                        "- name: API_TOKEN\n"
                                        "  value: \"t0k3n-yaml\"\n");
    const Redaction y = Redactor().redact(yaml);
    QVERIFY2(!y.text.contains(QLatin1String("hunter2-yaml")), qPrintable(y.text));
    QVERIFY2(!y.text.contains(QLatin1String("t0k3n-yaml")), qPrintable(y.text));
    QVERIFY(y.text.contains(QLatin1String("value: db.shop.svc")));
    QVERIFY(y.text.contains(QLatin1String("name: DB_PASSWORD")));
    QCOMPARE(countOf(y, QStringLiteral("env-secret")), 2);

    const QString json = QStringLiteral(
        R"("env":[{"name":"DB_HOST","value":"db.shop.svc"},{"name":"SIGNING_KEY","value":"k3y-json"},)"
        R"({"name":"SECRET","value":"plainsecretjson"}])");
    const Redaction j = Redactor().redact(json);
    QVERIFY2(!j.text.contains(QLatin1String("k3y-json")), qPrintable(j.text));
    QVERIFY2(!j.text.contains(QLatin1String("plainsecretjson")), qPrintable(j.text));
    QVERIFY(j.text.contains(QLatin1String(R"("value":"db.shop.svc")")));

    const Redaction flow = Redactor().redact(QStringLiteral(
        "env: [{name: SESSION_SECRET, value: fl0wS3cret}, {name: PORT, value: 80}]"));
    QVERIFY2(!flow.text.contains(QLatin1String("fl0wS3cret")), qPrintable(flow.text));
    QVERIFY(flow.text.contains(QLatin1String("value: 80")));
}

void TestRedactor::userPatterns() {
    const Result<Redactor> r = Redactor::create(
        {QStringLiteral("ACME-[0-9A-F]{16}"), QStringLiteral(R"(customer_ref=(\w+))")});
    QVERIFY(r.ok());
    const Redaction out =
        r->redact(QStringLiteral("license ACME-0123456789ABCDEF expired; customer_ref=c99812"));
    QVERIFY2(!out.text.contains(QLatin1String("0123456789ABCDEF")), qPrintable(out.text));
    QVERIFY2(!out.text.contains(QLatin1String("c99812")), qPrintable(out.text));
    QVERIFY(out.text.contains(QLatin1String("customer_ref=[REDACTED:user-pattern]")));
    QCOMPARE(countOf(out, QStringLiteral("user-pattern")), 2);
}

void TestRedactor::invalidUserPatternIsAnError() {
    const Result<Redactor> bad = Redactor::create({QStringLiteral("(unclosed")});
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().kind, Error::Kind::Config);
    const Result<Redactor> empty = Redactor::create({QStringLiteral("x*")});
    QVERIFY(!empty.ok());
    QCOMPARE(empty.error().kind, Error::Kind::Config);
}

void TestRedactor::idempotentAndLinePreserving() {
    const QString mixed = QStringLiteral(
        "kind: Secret\ndata:\n  a: YWJj\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n"
        "-----END EC PRIVATE KEY-----\nAuthorization: Bearer abcdef123456789\n"
        "DB_PASSWORD=hunter2\nurl https://u:p4ss@h/x ghp_abcdefghijklmnopqrstuvwxyz0123456789\n");
    const Redaction once = Redactor().redact(mixed);
    const Redaction twice = Redactor().redact(once.text);
    QCOMPARE(twice.text, once.text);
    QCOMPARE(twice.total(), 0);
    QCOMPARE(once.text.count(QLatin1Char('\n')), mixed.count(QLatin1Char('\n')));
    QVERIFY(once.total() >= 6);
    // Deterministic: the same input gives the same output.
    QCOMPARE(Redactor().redact(mixed).text, once.text);
}

void TestRedactor::secretNames_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("kind");
    QTest::newRow("password") << "password"
                              << "password";
    QTest::newRow("DB_PASSWORD") << "DB_PASSWORD"
                                 << "password";
    QTest::newRow("dbPassword") << "dbPassword"
                                << "password";
    QTest::newRow("githubToken") << "githubToken"
                                 << "token";
    QTest::newRow("client_secret") << "client_secret"
                                   << "secret";
    QTest::newRow("x-api-key") << "x-api-key"
                               << "api-key";
    QTest::newRow("APIKey") << "APIKey"
                            << "api-key";
    QTest::newRow("private_key") << "private_key"
                                 << "private-key";
    QTest::newRow("auth") << "auth"
                          << "credential";
    QTest::newRow("key") << "key"
                         << "";
    QTest::newRow("secretName") << "secretName"
                                << "";
    QTest::newRow("secretKeyRef") << "secretKeyRef"
                                  << "";
    QTest::newRow("PASSWORD_FILE") << "PASSWORD_FILE"
                                   << "";
    QTest::newRow("token_type") << "token_type"
                                << "";
    QTest::newRow("max_tokens") << "max_tokens"
                                << "";
    QTest::newRow("AWS_ACCESS_KEY_ID") << "AWS_ACCESS_KEY_ID"
                                       << "";
    QTest::newRow("PWD") << "PWD"
                         << "";
    QTest::newRow("publicKey") << "publicKey"
                               << "";
    QTest::newRow("image") << "image"
                           << "";
}

void TestRedactor::secretNames() {
    QFETCH(QString, name);
    QFETCH(QString, kind);
    QCOMPARE(Redactor::secretKindForName(name), kind);
}

void TestRedactor::mergeCountsSorted() {
    QVector<RedactionCount> into = {{QStringLiteral("token"), 1}};
    mergeCounts(into, {{QStringLiteral("jwt"), 2}, {QStringLiteral("token"), 3}});
    QCOMPARE(into.size(), 2);
    QCOMPARE(into[0], (RedactionCount{QStringLiteral("jwt"), 2}));
    QCOMPARE(into[1], (RedactionCount{QStringLiteral("token"), 4}));
}

QTEST_GUILESS_MAIN(TestRedactor)
#include "tst_redactor.moc"
