#include "llmconfig.h"

#include "secrets/credentialstore.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QRegularExpression>
#include <QUrlQuery>

namespace sextant::ai {

namespace {

Error configError(const QString& shortMessage, const QString& details = {}) {
    return Error::make(Error::Kind::Config, shortMessage, details);
}

bool isLoopbackHost(const QString& host) {
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

} // namespace

QString toString(AuthStyle style) {
    switch (style) {
    case AuthStyle::Bearer:
        return QStringLiteral("bearer");
    case AuthStyle::ApiKeyHeader:
        return QStringLiteral("api-key");
    case AuthStyle::None:
        return QStringLiteral("none");
    }
    return QStringLiteral("bearer");
}

std::optional<AuthStyle> authStyleFromString(const QString& text) {
    for (AuthStyle s : {AuthStyle::Bearer, AuthStyle::ApiKeyHeader, AuthStyle::None}) {
        if (toString(s) == text)
            return s;
    }
    return std::nullopt;
}

AuthStyle LlmConfig::defaultAuthFor(const QUrl& baseUrl) {
    return baseUrl.host().endsWith(QLatin1String(".openai.azure.com"), Qt::CaseInsensitive)
               ? AuthStyle::ApiKeyHeader
               : AuthStyle::Bearer;
}

QString LlmConfig::displayName() const {
    if (!name.isEmpty())
        return name;
    return baseUrl.host().isEmpty() ? QStringLiteral("LLM provider") : baseUrl.host();
}

QString LlmConfig::apiKeyKey() const {
    return auth == AuthStyle::None ? QString() : apiKeyRef;
}

Status LlmConfig::validate() const {
    const QString who = displayName();
    if (id.trimmed().isEmpty() || id.contains(QLatin1Char('/')))
        return configError(QStringLiteral("%1: the provider id must be a non-empty name without "
                                          "'/'")
                               .arg(who));
    const QString raw = baseUrl.toString();
    if (raw.trimmed().isEmpty())
        return configError(QStringLiteral("%1: the base URL is empty — for example "
                                          "https://api.openai.com/v1 or "
                                          "http://127.0.0.1:11434/v1 (Ollama)")
                               .arg(who));
    if (!baseUrl.isValid())
        return configError(QStringLiteral("%1: the base URL '%2' is not a valid URL").arg(who, raw),
                           baseUrl.errorString());
    const QString scheme = baseUrl.scheme().toLower();
    if (scheme != QLatin1String("https") && scheme != QLatin1String("http"))
        return configError(QStringLiteral("%1: the base URL '%2' must start with https:// (or "
                                          "http:// for a local server)")
                               .arg(who, raw));
    if (baseUrl.host().isEmpty())
        return configError(QStringLiteral("%1: the base URL '%2' has no host name").arg(who, raw));
    if (!baseUrl.userInfo().isEmpty())
        return configError(QStringLiteral("%1: the base URL must not contain a user name or "
                                          "password — the API key belongs in the keychain")
                               .arg(who));
    if (baseUrl.hasFragment())
        return configError(
            QStringLiteral("%1: the base URL '%2' must not have a fragment (#…)").arg(who, raw));
    if (baseUrl.path().endsWith(QLatin1String("/chat/completions")))
        return configError(QStringLiteral("%1: give the base URL without /chat/completions — "
                                          "Sextant appends it")
                               .arg(who));
    if (auth == AuthStyle::ApiKeyHeader &&
        baseUrl.host().endsWith(QLatin1String(".openai.azure.com"), Qt::CaseInsensitive) &&
        !QUrlQuery(baseUrl).hasQueryItem(QStringLiteral("api-version")))
        return configError(QStringLiteral("%1: Azure OpenAI needs the api-version in the base "
                                          "URL, e.g. …/openai/deployments/<name>"
                                          "?api-version=2024-06-01")
                               .arg(who));
    if (model.trimmed().isEmpty() && auth != AuthStyle::ApiKeyHeader)
        return configError(QStringLiteral("%1: choose a model (for example gpt-4o-mini or "
                                          "llama3.1:8b)")
                               .arg(who));
    if (auth != AuthStyle::None) {
        if (apiKeyRef.trimmed().isEmpty())
            return configError(QStringLiteral("%1: no keychain entry for the API key — store "
                                              "the key, or choose \"no key\" for a local server")
                                   .arg(who));
        // Keychain keys are namespaced ("llm/<id>/apikey"); anything else is most likely the
        // key pasted into the wrong field, which would end up in the settings file.
        if (!apiKeyRef.contains(QLatin1Char('/')) ||
            apiKeyRef.contains(QRegularExpression(QStringLiteral("\\s"))))
            return configError(QStringLiteral("%1: the API key reference must name a keychain "
                                              "entry such as %2, not hold the key itself")
                                   .arg(who, secrets::CredentialStore::llmApiKeyKey(id)));
    }
    if (requestTimeoutMs <= 0)
        return configError(QStringLiteral("%1: the request timeout must be positive").arg(who));
    if (firstTokenTimeoutMs <= 0 || firstTokenTimeoutMs > requestTimeoutMs)
        return configError(QStringLiteral("%1: the first-token timeout must be positive and not "
                                          "longer than the request timeout")
                               .arg(who));
    if (maxPromptTokens < 500)
        return configError(QStringLiteral("%1: the prompt budget must be at least 500 tokens "
                                          "(the instructions and findings alone need that much)")
                               .arg(who));
    if (maxCompletionTokens <= 0)
        return configError(
            QStringLiteral("%1: the maximum answer length must be positive").arg(who));
    if (!(temperature >= 0.0 && temperature <= 2.0))
        return configError(QStringLiteral("%1: the temperature must be between 0 and 2").arg(who));
    if (!caFile.isEmpty() && !QFileInfo(caFile).isReadable())
        return configError(QStringLiteral("%1: cannot read the CA file '%2'").arg(who, caFile));
    for (const QString& pattern : redactionPatterns) {
        const QRegularExpression re(pattern);
        if (!re.isValid())
            return configError(QStringLiteral("%1: the redaction pattern '%2' is not a valid "
                                              "regular expression")
                                   .arg(who, pattern),
                               re.errorString());
        // A pattern that matches nothing would replace the empty string everywhere.
        if (re.match(QString()).hasMatch())
            return configError(QStringLiteral("%1: the redaction pattern '%2' matches empty "
                                              "text — make it match at least one character")
                                   .arg(who, pattern));
    }
    return okStatus();
}

QStringList LlmConfig::warnings() const {
    QStringList out;
    if (baseUrl.scheme() == QLatin1String("http") && !isLoopbackHost(baseUrl.host()))
        out << QStringLiteral("%1: the prompt travels unencrypted (http://) to %2")
                   .arg(displayName(), baseUrl.host());
    if (!verifyTls && baseUrl.scheme() == QLatin1String("https"))
        out << QStringLiteral("%1: TLS certificate verification is off").arg(displayName());
    return out;
}

QUrl LlmConfig::chatCompletionsUrl() const {
    QUrl url = baseUrl;
    QString path = url.path(QUrl::FullyEncoded);
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    url.setPath(path + QStringLiteral("/chat/completions"), QUrl::TolerantMode);
    return url;
}

QVariantMap LlmConfig::toVariantMap() const {
    QVariantMap m;
    m.insert(QStringLiteral("id"), id);
    m.insert(QStringLiteral("name"), name);
    m.insert(QStringLiteral("baseUrl"), baseUrl.toString());
    m.insert(QStringLiteral("model"), model);
    m.insert(QStringLiteral("auth"), toString(auth));
    m.insert(QStringLiteral("apiKeyRef"), apiKeyRef);
    m.insert(QStringLiteral("requestTimeoutMs"), requestTimeoutMs);
    m.insert(QStringLiteral("firstTokenTimeoutMs"), firstTokenTimeoutMs);
    m.insert(QStringLiteral("maxPromptTokens"), maxPromptTokens);
    m.insert(QStringLiteral("maxCompletionTokens"), maxCompletionTokens);
    m.insert(QStringLiteral("temperature"), temperature);
    m.insert(QStringLiteral("stream"), stream);
    m.insert(QStringLiteral("verifyTls"), verifyTls);
    m.insert(QStringLiteral("caFile"), caFile);
    m.insert(QStringLiteral("redactionPatterns"), redactionPatterns);
    return m;
}

Result<LlmConfig> LlmConfig::fromVariantMap(const QVariantMap& m) {
    LlmConfig c;
    const auto text = [&m](const char* key, const QString& fallback = {}) {
        return m.value(QLatin1String(key), fallback).toString();
    };
    const auto number = [&m](const char* key, int fallback) {
        return m.value(QLatin1String(key), fallback).toInt();
    };
    const auto flag = [&m](const char* key, bool fallback) {
        return m.value(QLatin1String(key), fallback).toBool();
    };
    c.id = text("id", c.id);
    c.name = text("name");
    c.baseUrl = QUrl(text("baseUrl"));
    c.model = text("model");
    const QString auth = text("auth", toString(defaultAuthFor(c.baseUrl)));
    const std::optional<AuthStyle> style = authStyleFromString(auth);
    if (!style)
        return configError(
            QStringLiteral("unknown API key style '%1' in the saved LLM settings").arg(auth));
    c.auth = *style;
    c.apiKeyRef = text("apiKeyRef");
    c.requestTimeoutMs = number("requestTimeoutMs", c.requestTimeoutMs);
    c.firstTokenTimeoutMs = number("firstTokenTimeoutMs", c.firstTokenTimeoutMs);
    c.maxPromptTokens = number("maxPromptTokens", c.maxPromptTokens);
    c.maxCompletionTokens = number("maxCompletionTokens", c.maxCompletionTokens);
    c.temperature = m.value(QStringLiteral("temperature"), c.temperature).toDouble();
    c.stream = flag("stream", c.stream);
    c.verifyTls = flag("verifyTls", c.verifyTls);
    c.caFile = text("caFile");
    c.redactionPatterns = m.value(QStringLiteral("redactionPatterns")).toStringList();
    if (const Status s = c.validate(); !s)
        return s.error();
    return c;
}

void LlmConfig::save(QSettings& settings, const QString& group) const {
    settings.beginGroup(group);
    settings.remove(QString()); // keys of an older version must not linger
    const QVariantMap map = toVariantMap();
    for (auto it = map.begin(); it != map.end(); ++it)
        settings.setValue(it.key(), it.value());
    settings.endGroup();
}

Result<LlmConfig> LlmConfig::load(QSettings& settings, const QString& group) {
    settings.beginGroup(group);
    QVariantMap map;
    const QStringList keys = settings.childKeys();
    for (const QString& key : keys)
        map.insert(key, settings.value(key));
    settings.endGroup();
    if (map.value(QStringLiteral("baseUrl")).toString().isEmpty())
        return Error::make(Error::Kind::NotFound, QStringLiteral("no LLM provider is configured"));
    return fromVariantMap(map);
}

} // namespace sextant::ai
