#include "instance.h"

#include <QJsonValue>

namespace sextant::argocd {

namespace {

Error configError(const QString& shortMessage, const QString& details = {}) {
    return Error::make(Error::Kind::Config, shortMessage, details);
}

} // namespace

QString toString(AuthMethod method) {
    return method == AuthMethod::Password ? QStringLiteral("password") : QStringLiteral("token");
}

Status InstanceConfig::validate() const {
    const QString who = displayName().isEmpty() ? QStringLiteral("instance") : displayName();
    if (id.trimmed().isEmpty())
        return configError(QStringLiteral("%1: the instance has no id").arg(who));
    const QString raw = baseUrl.toString();
    if (raw.trimmed().isEmpty())
        return configError(QStringLiteral("%1: the server URL is empty — enter "
                                          "https://argocd.example.com")
                               .arg(who));
    if (!baseUrl.isValid())
        return configError(
            QStringLiteral("%1: the server URL '%2' is not a valid URL").arg(who, raw),
            baseUrl.errorString());
    const QString scheme = baseUrl.scheme().toLower();
    if (scheme.isEmpty())
        return configError(QStringLiteral("%1: the server URL '%2' has no scheme — write "
                                          "https://%2")
                               .arg(who, raw));
    if (scheme != QLatin1String("https") && scheme != QLatin1String("http")) {
        // "argocd.example.com:443" parses as scheme "argocd.example.com": say what happened.
        if (baseUrl.host().isEmpty() && !raw.contains(QLatin1String("://")))
            return configError(QStringLiteral("%1: the server URL '%2' has no scheme — write "
                                              "https://%2")
                                   .arg(who, raw));
        return configError(QStringLiteral("%1: unsupported scheme '%2' in '%3' — use https:// "
                                          "(or http:// for a plain-text server)")
                               .arg(who, scheme, raw));
    }
    if (baseUrl.host().isEmpty())
        return configError(
            QStringLiteral("%1: the server URL '%2' has no host name").arg(who, raw));
    if (!baseUrl.userInfo().isEmpty())
        return configError(QStringLiteral("%1: the server URL must not contain a user name or "
                                          "password — use the credentials fields instead")
                               .arg(who));
    if (baseUrl.hasQuery() || baseUrl.hasFragment())
        return configError(QStringLiteral("%1: the server URL '%2' must not have a query or "
                                          "fragment")
                               .arg(who, raw));
    if (requestTimeoutMs <= 0)
        return configError(QStringLiteral("%1: the request timeout must be positive").arg(who));
    if (authMethod == AuthMethod::Password && username.trimmed().isEmpty())
        return configError(QStringLiteral("%1: password login needs a user name").arg(who));
    return okStatus();
}

QString InstanceConfig::displayName() const {
    return name.isEmpty() ? baseUrl.host() : name;
}

QUrl InstanceConfig::endpoint(const QString& encodedPath) const {
    QUrl url = baseUrl;
    QString root = url.path(QUrl::FullyEncoded);
    while (root.endsWith(QLatin1Char('/')))
        root.chop(1);
    url.setPath(root + encodedPath, QUrl::TolerantMode);
    url.setQuery(QString());
    url.setFragment(QString());
    return url;
}

QJsonObject InstanceConfig::toJson() const {
    QJsonObject o;
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("name"), name);
    o.insert(QStringLiteral("baseUrl"), baseUrl.toString());
    if (!caFile.isEmpty())
        o.insert(QStringLiteral("caFile"), caFile);
    o.insert(QStringLiteral("insecure"), insecure);
    o.insert(QStringLiteral("grpcWeb"), grpcWeb);
    o.insert(QStringLiteral("authMethod"), toString(authMethod));
    if (!username.isEmpty())
        o.insert(QStringLiteral("username"), username);
    o.insert(QStringLiteral("requestTimeoutMs"), requestTimeoutMs);
    return o;
}

Result<InstanceConfig> InstanceConfig::fromJson(const QJsonObject& o) {
    InstanceConfig c;
    c.id = o.value(QStringLiteral("id")).toString();
    c.name = o.value(QStringLiteral("name")).toString();
    c.baseUrl = QUrl(o.value(QStringLiteral("baseUrl")).toString());
    c.caFile = o.value(QStringLiteral("caFile")).toString();
    c.insecure = o.value(QStringLiteral("insecure")).toBool(false);
    c.grpcWeb = o.value(QStringLiteral("grpcWeb")).toBool(false);
    const QString method = o.value(QStringLiteral("authMethod")).toString(QStringLiteral("token"));
    if (method == QLatin1String("password"))
        c.authMethod = AuthMethod::Password;
    else if (method == QLatin1String("token"))
        c.authMethod = AuthMethod::Token;
    else
        return configError(QStringLiteral("unknown authentication method '%1' in the saved "
                                          "instance settings")
                               .arg(method));
    c.username = o.value(QStringLiteral("username")).toString();
    c.requestTimeoutMs = o.value(QStringLiteral("requestTimeoutMs")).toInt(30000);
    if (const Status s = c.validate(); !s)
        return s.error();
    return c;
}

QVariantMap InstanceConfig::toVariantMap() const {
    return toJson().toVariantMap();
}

Result<InstanceConfig> InstanceConfig::fromVariantMap(const QVariantMap& map) {
    return fromJson(QJsonObject::fromVariantMap(map));
}

} // namespace sextant::argocd
