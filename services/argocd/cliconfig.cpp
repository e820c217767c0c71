#include "cliconfig.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QSaveFile>
#include <QSslCertificate>

#include <yaml-cpp/yaml.h>

namespace sextant::argocd {

namespace {

struct ServerEntry {
    QString server;
    bool grpcWeb = false;
    QString rootPath;
    bool insecure = false;
    bool plainText = false;
    QString caData;
    bool clientCert = false;
    bool core = false;
};

struct UserEntry {
    QString authToken;
    QString refreshToken;
};

QString scalar(const YAML::Node& node, const char* key) {
    const YAML::Node v = node[key];
    if (!v || !v.IsScalar())
        return {};
    return QString::fromStdString(v.Scalar());
}

bool boolean(const YAML::Node& node, const char* key) {
    const YAML::Node v = node[key];
    if (!v || !v.IsScalar())
        return false;
    const QString s = QString::fromStdString(v.Scalar()).toLower();
    return s == QLatin1String("true") || s == QLatin1String("yes") || s == QLatin1String("1");
}

Error malformed(const QString& source, const QString& what) {
    return Error::make(
        Error::Kind::Config,
        QStringLiteral("the argocd CLI config %1 is not valid: %2").arg(source, what));
}

} // namespace

QString CliConfigImport::resolvePath(const QHash<QString, QString>& env, const QString& home) {
    const QString configDir = env.value(QStringLiteral("ARGOCD_CONFIG_DIR"));
    if (!configDir.isEmpty())
        return QDir(configDir).filePath(QStringLiteral("config"));
    const QString legacy = QDir(home).filePath(QStringLiteral(".argocd"));
    if (QFileInfo(legacy).isDir())
        return QDir(legacy).filePath(QStringLiteral("config"));
    const QString xdg = env.value(QStringLiteral("XDG_CONFIG_HOME"));
    if (!xdg.isEmpty())
        return QDir(xdg).filePath(QStringLiteral("argocd/config"));
    return QDir(home).filePath(QStringLiteral(".config/argocd/config"));
}

QString CliConfigImport::defaultPath() {
    const QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
    QHash<QString, QString> env;
    for (const char* key : {"ARGOCD_CONFIG_DIR", "XDG_CONFIG_HOME"}) {
        const QString name = QString::fromLatin1(key);
        if (pe.contains(name))
            env.insert(name, pe.value(name));
    }
    return resolvePath(env, QDir::homePath());
}

Result<CliConfig> CliConfigImport::load(const QString& path) {
    QFile file(path);
    if (!file.exists())
        return Error::make(Error::Kind::Io,
                           QStringLiteral("no argocd CLI config at %1 — log in with 'argocd login' "
                                          "first, or add the instance by hand")
                               .arg(path));
    if (!file.open(QIODevice::ReadOnly))
        return Error::make(Error::Kind::Io,
                           QStringLiteral("cannot read the argocd CLI config %1").arg(path),
                           file.errorString());
    const QByteArray bytes = file.readAll();
    Result<CliConfig> config = parse(bytes, path);
    if (!config)
        return config;
    config->path = path;
    const QFileDevice::Permissions broad = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                           QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                           QFileDevice::WriteOther | QFileDevice::ExeOther;
    if (file.permissions() & broad)
        config->warnings << QStringLiteral("%1 can be read by other users of this computer; it "
                                           "holds login tokens — run 'chmod 600 %1'")
                                .arg(path);
    return config;
}

Result<CliConfig> CliConfigImport::parse(const QByteArray& yaml, const QString& sourceName) {
    const QString source = sourceName.isEmpty() ? QStringLiteral("file") : sourceName;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml.constData(), std::size_t(yaml.size())));
    } catch (const YAML::Exception& e) {
        return malformed(source, QStringLiteral("YAML error at line %1, column %2: %3")
                                     .arg(e.mark.line + 1)
                                     .arg(e.mark.column + 1)
                                     .arg(QString::fromStdString(e.msg)));
    }
    if (!root || root.IsNull())
        return malformed(source, QStringLiteral("the file is empty"));
    if (!root.IsMap())
        return malformed(source, QStringLiteral("expected a mapping with contexts, servers and "
                                                "users"));

    CliConfig config;
    config.path = sourceName;
    try {
        config.currentContext = scalar(root, "current-context");
        QHash<QString, ServerEntry> servers;
        QHash<QString, UserEntry> users;
        if (const YAML::Node list = root["servers"]; list) {
            if (!list.IsSequence())
                return malformed(source, QStringLiteral("'servers' is not a list"));
            for (const YAML::Node& n : list) {
                if (!n.IsMap())
                    return malformed(source, QStringLiteral("a 'servers' entry is not a mapping"));
                ServerEntry s;
                s.server = scalar(n, "server");
                s.grpcWeb = boolean(n, "grpc-web");
                s.rootPath = scalar(n, "grpc-web-root-path");
                s.insecure = boolean(n, "insecure");
                s.plainText = boolean(n, "plain-text");
                s.caData = scalar(n, "certificate-authority-data");
                s.clientCert = !scalar(n, "client-certificate-data").isEmpty();
                s.core = boolean(n, "core");
                servers.insert(s.server, s);
            }
        }
        if (const YAML::Node list = root["users"]; list) {
            if (!list.IsSequence())
                return malformed(source, QStringLiteral("'users' is not a list"));
            for (const YAML::Node& n : list) {
                if (!n.IsMap())
                    return malformed(source, QStringLiteral("a 'users' entry is not a mapping"));
                users.insert(scalar(n, "name"),
                             UserEntry{scalar(n, "auth-token"), scalar(n, "refresh-token")});
            }
        }
        const YAML::Node contexts = root["contexts"];
        if (contexts && !contexts.IsSequence())
            return malformed(source, QStringLiteral("'contexts' is not a list"));
        if (contexts) {
            for (const YAML::Node& n : contexts) {
                if (!n.IsMap())
                    return malformed(source, QStringLiteral("a 'contexts' entry is not a mapping"));
                const QString name = scalar(n, "name");
                const QString serverName = scalar(n, "server");
                const QString userName = scalar(n, "user");
                const auto skip = [&](const QString& reason) {
                    config.skipped.append(SkippedContext{name, serverName, reason});
                };
                if (serverName.isEmpty()) {
                    skip(QStringLiteral("the context names no server"));
                    continue;
                }
                if (serverName == QLatin1String("port-forward") ||
                    serverName.startsWith(QLatin1String("port-forward"))) {
                    skip(QStringLiteral("it reaches Argo CD through a kubectl port-forward; add "
                                        "the server's real URL instead"));
                    continue;
                }
                if (serverName == QLatin1String("kubernetes")) {
                    skip(QStringLiteral("it is a --core context that talks to the Kubernetes "
                                        "API directly, not to an Argo CD server"));
                    continue;
                }
                const auto sit = servers.constFind(serverName);
                if (sit == servers.constEnd()) {
                    skip(QStringLiteral("its server '%1' is not in the servers list")
                             .arg(serverName));
                    continue;
                }
                const ServerEntry& s = *sit;
                if (s.core) {
                    skip(QStringLiteral("it is a --core context that talks to the Kubernetes "
                                        "API directly, not to an Argo CD server"));
                    continue;
                }

                ImportedContext ctx;
                ctx.contextName = name.isEmpty() ? serverName : name;
                ctx.current = ctx.contextName == config.currentContext;
                QString host = s.server;
                // The CLI assumes :443 when no port is given, also for plain-text servers.
                if (s.plainText && !host.contains(QLatin1Char(':')))
                    host += QStringLiteral(":443");
                QString url =
                    (s.plainText ? QStringLiteral("http://") : QStringLiteral("https://")) + host;
                QString rootPath = s.rootPath.trimmed();
                while (rootPath.startsWith(QLatin1Char('/')))
                    rootPath.remove(0, 1);
                while (rootPath.endsWith(QLatin1Char('/')))
                    rootPath.chop(1);
                if (!rootPath.isEmpty())
                    url += QLatin1Char('/') + rootPath;
                ctx.config.id = QStringLiteral("argocd-cli:") + ctx.contextName;
                ctx.config.name = ctx.contextName;
                ctx.config.baseUrl = QUrl(url);
                ctx.config.insecure = s.insecure;
                ctx.config.grpcWeb = s.grpcWeb;
                ctx.config.authMethod = AuthMethod::Token;
                if (s.plainText)
                    ctx.notes << QStringLiteral("plain-text server: traffic, including the "
                                                "token, is not encrypted");
                if (s.insecure)
                    ctx.notes << QStringLiteral("TLS verification is disabled for this server "
                                                "(insecure)");
                if (s.clientCert)
                    ctx.notes << QStringLiteral("client certificates (mTLS) are not imported");
                if (!s.caData.isEmpty()) {
                    const QByteArray pem = QByteArray::fromBase64(s.caData.toLatin1());
                    if (QSslCertificate::fromData(pem, QSsl::Pem).isEmpty())
                        ctx.notes << QStringLiteral("certificate-authority-data holds no PEM "
                                                    "certificate; ignored");
                    else
                        ctx.caPem = pem;
                }
                const auto uit = users.constFind(userName.isEmpty() ? serverName : userName);
                if (uit != users.constEnd()) {
                    ctx.token = uit->authToken;
                    ctx.refreshToken = uit->refreshToken;
                }
                if (ctx.token.isEmpty())
                    ctx.notes << QStringLiteral("no token stored for this context: log in "
                                                "after importing");
                if (const Status v = ctx.config.validate(); !v) {
                    skip(v.error().shortMessage);
                    continue;
                }
                config.contexts.append(std::move(ctx));
            }
        }
    } catch (const YAML::Exception& e) {
        return malformed(source, QString::fromStdString(e.what()));
    }
    return config;
}

Status CliConfigImport::writeCaFile(ImportedContext& context, const QString& path) {
    if (context.caPem.isEmpty())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the context '%1' has no CA certificate to write")
                               .arg(context.contextName));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error::make(Error::Kind::Io, QStringLiteral("cannot write the CA file %1").arg(path),
                           file.errorString());
    file.write(context.caPem);
    if (!file.commit())
        return Error::make(Error::Kind::Io, QStringLiteral("cannot write the CA file %1").arg(path),
                           file.errorString());
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                    QFileDevice::ReadGroup | QFileDevice::ReadOther);
    context.config.caFile = path;
    return okStatus();
}

} // namespace sextant::argocd
