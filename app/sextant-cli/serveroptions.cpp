#include "serveroptions.h"

#include <QFile>
#include <QUrl>

namespace sextant::cli {

bool takeValue(const QStringList& args, int& i, QString& out) {
    const QString& a = args[i];
    const int eq = int(a.indexOf(QLatin1Char('=')));
    if (eq > 0) {
        out = a.mid(eq + 1);
        return true;
    }
    if (i + 1 >= args.size())
        return false;
    out = args[++i];
    return true;
}

const QStringList& ServerOptions::valueOptions() {
    static const QStringList names = {
        QStringLiteral("--server"),        QStringLiteral("--token"),
        QStringLiteral("--token-file"),    QStringLiteral("--ca-file"),
        QStringLiteral("--instance-name"), QStringLiteral("--timeout")};
    return names;
}

bool ServerOptions::take(const QString& name, const QString& value, QString* error) {
    if (name == QLatin1String("--server"))
        server = value;
    else if (name == QLatin1String("--token"))
        token = value;
    else if (name == QLatin1String("--token-file"))
        tokenFile = value;
    else if (name == QLatin1String("--ca-file"))
        caFile = value;
    else if (name == QLatin1String("--instance-name"))
        instanceName = value;
    else if (name == QLatin1String("--timeout")) {
        bool ok = false;
        timeoutSeconds = value.toInt(&ok);
        if ((!ok || timeoutSeconds <= 0) && error)
            *error = QStringLiteral("--timeout must be a positive number of seconds");
    } else {
        return false;
    }
    return true;
}

Status ServerOptions::resolveToken() {
    if (token.isEmpty() && !tokenFile.isEmpty()) {
        QFile tf(tokenFile);
        if (!tf.open(QIODevice::ReadOnly))
            return Error::make(Error::Kind::Config,
                               QStringLiteral("cannot read the token file %1").arg(tokenFile),
                               tf.errorString());
        token = QString::fromUtf8(tf.readAll()).trimmed();
    }
    if (token.isEmpty())
        token = qEnvironmentVariable("SEXTANT_TOKEN").trimmed();
    if (token.isEmpty())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("no token: pass --token-file FILE, set SEXTANT_TOKEN, "
                                          "or --token"));
    return okStatus();
}

Result<std::unique_ptr<argocd::Client>> ServerOptions::connect() const {
    argocd::InstanceConfig config;
    config.baseUrl = QUrl(server.trimmed(), QUrl::StrictMode);
    config.id = QStringLiteral("cli");
    config.name = !instanceName.isEmpty() ? instanceName : config.baseUrl.host();
    config.caFile = caFile;
    config.requestTimeoutMs = timeoutSeconds * 1000;
    if (const Status valid = config.validate(); !valid)
        return valid.error();
    auto client = std::make_unique<argocd::Client>(config);
    if (client->configError().isError())
        return client->configError();
    client->setToken(token);
    // A pipeline wants an answer, not minutes of patience: retry twice, quickly.
    client->setRetryPolicy(argocd::RetryPolicy{2, 500, 2000});
    return client;
}

} // namespace sextant::cli
