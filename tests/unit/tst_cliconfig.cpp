// Import of argocd CLI logins (~/.config/argocd/config).

#include "argocd/cliconfig.h"

#include <QDir>
#include <QFile>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::argocd;

namespace {

QString dataFile(const QString& name) {
    return QStringLiteral(SEXTANT_TEST_DATA_DIR "/argocd/") + name;
}

const ImportedContext* find(const CliConfig& c, const QString& name) {
    for (const ImportedContext& ctx : c.contexts)
        if (ctx.contextName == name)
            return &ctx;
    return nullptr;
}

const SkippedContext* findSkipped(const CliConfig& c, const QString& name) {
    for (const SkippedContext& s : c.skipped)
        if (s.contextName == name)
            return &s;
    return nullptr;
}

} // namespace

class TestCliConfig : public QObject {
    Q_OBJECT
private slots:
    void contexts() {
        const auto r = CliConfigImport::load(dataFile(QStringLiteral("cli-config-multi.yaml")));
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->currentContext, QStringLiteral("staging"));
        QCOMPARE(r->contexts.size(), 5);

        const ImportedContext* prod = find(*r, QStringLiteral("prod-eu"));
        QVERIFY(prod);
        QCOMPARE(prod->config.baseUrl, QUrl(QStringLiteral("https://argocd.prod-eu.example.com")));
        QVERIFY(prod->config.grpcWeb);
        QVERIFY(!prod->config.insecure);
        QCOMPARE(prod->token, QStringLiteral("eyJhbGciOiJIUzI1NiJ9.prod-eu.sig"));
        QCOMPARE(prod->config.id, QStringLiteral("argocd-cli:prod-eu"));
        QVERIFY(!prod->current);
        QVERIFY(prod->config.validate().ok());

        const ImportedContext* staging = find(*r, QStringLiteral("staging"));
        QVERIFY(staging);
        QVERIFY(staging->current);
        QVERIFY(staging->config.insecure);
        QCOMPARE(staging->config.baseUrl,
                 QUrl(QStringLiteral("https://argocd-staging.example.com:8443")));
        QCOMPARE(staging->token, QStringLiteral("eyJhbGciOiJIUzI1NiJ9.staging.sig"));
        QCOMPARE(staging->refreshToken, QStringLiteral("refresh-staging"));

        const ImportedContext* lab = find(*r, QStringLiteral("lab"));
        QVERIFY(lab);
        QCOMPARE(lab->config.baseUrl, QUrl(QStringLiteral("http://10.0.0.5:8080")));
        QVERIFY(lab->notes.join(QLatin1Char(' ')).contains(QLatin1String("not encrypted")));

        const ImportedContext* ingress = find(*r, QStringLiteral("behind-ingress"));
        QVERIFY(ingress);
        QCOMPARE(ingress->config.baseUrl,
                 QUrl(QStringLiteral("https://tools.example.com/argo-cd")));
        QCOMPARE(ingress->config.endpoint(QStringLiteral("/api/v1/applications")),
                 QUrl(QStringLiteral("https://tools.example.com/argo-cd/api/v1/applications")));
        QVERIFY(ingress->token.isEmpty());
        QVERIFY(ingress->notes.join(QLatin1Char(' ')).contains(QLatin1String("no token")));

        const ImportedContext* ocp = find(*r, QStringLiteral("self-signed"));
        QVERIFY(ocp);
        QVERIFY(!ocp->caPem.isEmpty());
        QCOMPARE(QSslCertificate::fromData(ocp->caPem, QSsl::Pem).size(), 1);
        QVERIFY(ocp->config.caFile.isEmpty()); // the caller decides where it goes
        QVERIFY(ocp->notes.join(QLatin1Char(' ')).contains(QLatin1String("client certificates")));
    }

    void skipped() {
        const auto r = CliConfigImport::load(dataFile(QStringLiteral("cli-config-multi.yaml")));
        QVERIFY(r.ok());
        QCOMPARE(r->skipped.size(), 4);
        QVERIFY(
            findSkipped(*r, QStringLiteral("kubernetes"))->reason.contains(QLatin1String("core")));
        QVERIFY(
            findSkipped(*r, QStringLiteral("pf"))->reason.contains(QLatin1String("port-forward")));
        QVERIFY(findSkipped(*r, QStringLiteral("core-flagged"))
                    ->reason.contains(QLatin1String("core")));
        QVERIFY(
            findSkipped(*r, QStringLiteral("dangling"))->reason.contains(QLatin1String("not in")));
    }

    void noSecretInSettings() {
        const auto r = CliConfigImport::load(dataFile(QStringLiteral("cli-config-multi.yaml")));
        QVERIFY(r.ok());
        for (const ImportedContext& ctx : r->contexts) {
            const QVariantMap settings = ctx.config.toVariantMap();
            for (auto it = settings.cbegin(); it != settings.cend(); ++it) {
                if (!ctx.token.isEmpty())
                    QVERIFY(!it.value().toString().contains(ctx.token));
            }
            // And the config survives a settings round trip.
            const auto back = InstanceConfig::fromVariantMap(settings);
            QVERIFY(back.ok());
            QCOMPARE(*back, ctx.config);
        }
    }

    void writeCaFile() {
        auto r = CliConfigImport::load(dataFile(QStringLiteral("cli-config-multi.yaml")));
        QVERIFY(r.ok());
        QTemporaryDir dir;
        ImportedContext ctx = *find(*r, QStringLiteral("self-signed"));
        const QString path = dir.filePath(QStringLiteral("ocp-ca.pem"));
        QVERIFY(CliConfigImport::writeCaFile(ctx, path).ok());
        QCOMPARE(ctx.config.caFile, path);
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), ctx.caPem);

        ImportedContext noCa = *find(*r, QStringLiteral("prod-eu"));
        QCOMPARE(
            CliConfigImport::writeCaFile(noCa, dir.filePath(QStringLiteral("x.pem"))).error().kind,
            Error::Kind::Config);
    }

    void broadModeWarns() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config"));
        QVERIFY(QFile::copy(dataFile(QStringLiteral("cli-config-multi.yaml")), path));
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        auto strict = CliConfigImport::load(path);
        QVERIFY(strict.ok());
        QVERIFY(strict->warnings.isEmpty());
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                        QFileDevice::ReadGroup | QFileDevice::ReadOther);
        auto broad = CliConfigImport::load(path);
        QVERIFY(broad.ok()); // a warning, not a failure
        QCOMPARE(broad->warnings.size(), 1);
        QVERIFY(broad->warnings.first().contains(QLatin1String("chmod 600")));
    }

    void malformedYaml() {
        const auto r = CliConfigImport::load(dataFile(QStringLiteral("cli-config-malformed.yaml")));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Config);
        QVERIFY2(r.error().shortMessage.contains(QLatin1String("line")),
                 qPrintable(r.error().shortMessage));
        QVERIFY(r.error().shortMessage.contains(QLatin1String("cli-config-malformed.yaml")));

        const auto shape =
            CliConfigImport::load(dataFile(QStringLiteral("cli-config-wrong-shape.yaml")));
        QVERIFY(!shape.ok());
        QVERIFY(shape.error().shortMessage.contains(QLatin1String("'contexts' is not a list")));

        QCOMPARE(CliConfigImport::parse("", QStringLiteral("x")).error().kind, Error::Kind::Config);
        QCOMPARE(CliConfigImport::parse("- a\n- b\n", QStringLiteral("x")).error().kind,
                 Error::Kind::Config);
    }

    void missingOrUnreadable() {
        const auto r = CliConfigImport::load(QStringLiteral("/nonexistent/argocd/config"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Io);
        QVERIFY(r.error().shortMessage.contains(QLatin1String("argocd login")));
        QTemporaryDir dir;
        const auto d = CliConfigImport::load(dir.path()); // a directory is not a file
        QVERIFY(!d.ok());
    }

    void pathPrecedence() {
        QTemporaryDir home;
        QHash<QString, QString> env;
        // Nothing set, no legacy dir: ~/.config/argocd/config.
        QCOMPARE(CliConfigImport::resolvePath(env, home.path()),
                 home.path() + QStringLiteral("/.config/argocd/config"));
        // XDG_CONFIG_HOME.
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), QStringLiteral("/xdg"));
        QCOMPARE(CliConfigImport::resolvePath(env, home.path()),
                 QStringLiteral("/xdg/argocd/config"));
        // A legacy ~/.argocd directory beats XDG.
        QVERIFY(QDir(home.path()).mkdir(QStringLiteral(".argocd")));
        QCOMPARE(CliConfigImport::resolvePath(env, home.path()),
                 home.path() + QStringLiteral("/.argocd/config"));
        // ARGOCD_CONFIG_DIR beats everything.
        env.insert(QStringLiteral("ARGOCD_CONFIG_DIR"), QStringLiteral("/custom"));
        QCOMPARE(CliConfigImport::resolvePath(env, home.path()), QStringLiteral("/custom/config"));
    }
};

QTEST_GUILESS_MAIN(TestCliConfig)
#include "tst_cliconfig.moc"
