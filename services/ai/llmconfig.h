#pragma once

#include "core/result.h"

#include <QSettings>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVariantMap>

#include <optional>

namespace sextant::ai {

// How the API key travels: OpenAI, Ollama, vLLM, llama.cpp server and OpenShift AI take
// "Authorization: Bearer <key>"; Azure OpenAI takes "api-key: <key>". None sends no key at all
// (a local Ollama or llama.cpp server without authentication).
enum class AuthStyle { Bearer, ApiKeyHeader, None };

QString toString(AuthStyle style);
std::optional<AuthStyle> authStyleFromString(const QString& text);

// One OpenAI-compatible chat completions provider. Saved in the settings file, so it never holds
// the API key: `apiKeyRef` names the keychain entry (services/secrets) that holds it.
//
// Example base URLs (the client appends "/chat/completions" to the path, keeping any query):
//   OpenAI        https://api.openai.com/v1
//   Ollama        http://127.0.0.1:11434/v1
//   vLLM          http://127.0.0.1:8000/v1
//   llama.cpp     http://127.0.0.1:8080/v1
//   OpenShift AI  https://<model>-<project>.apps.<cluster>/v1
//   Azure OpenAI  https://<resource>.openai.azure.com/openai/deployments/<deployment>
//                 ?api-version=2024-06-01   (with AuthStyle::ApiKeyHeader)
struct LlmConfig {
    QString id = QStringLiteral("default"); // keychain namespace: llm/<id>/apikey
    QString name;                           // display name, e.g. "Ollama on this laptop"
    QUrl baseUrl;
    QString model; // "gpt-4o-mini", "llama3.1:8b"; optional for Azure (the deployment decides)
    AuthStyle auth = AuthStyle::Bearer;
    // Credential-store key of the API key (CredentialStore::llmApiKeyKey(id) by default); empty
    // when the provider needs no key. Never the key itself.
    QString apiKeyRef;
    int requestTimeoutMs = 120000;   // the whole answer
    int firstTokenTimeoutMs = 30000; // streamed answers: until the first text arrives
    int maxPromptTokens = 6000;      // budget for the messages, estimated at ~4 chars per token
    int maxCompletionTokens = 1000;
    double temperature = 0.2;
    bool stream = true;
    bool verifyTls = true; // turning it off is an explicit, visible choice
    QString caFile;        // optional PEM bundle trusted in addition to the system CAs
    // Extra redaction regexes (QRegularExpression syntax). With a capture group only group 1 is
    // replaced, otherwise the whole match.
    QStringList redactionPatterns;

    // Checks the user's input; the Kind::Config error says what to fix.
    Status validate() const;
    // Things that are allowed but worth a visible note (plain HTTP to a remote host, TLS
    // verification off).
    QStringList warnings() const;
    QString displayName() const;
    // <baseUrl path>/chat/completions with the base URL's query (Azure's api-version) kept.
    QUrl chatCompletionsUrl() const;
    // The keychain key to read: apiKeyRef (empty when auth is None).
    QString apiKeyKey() const;

    // Azure OpenAI hosts want the api-key header; everything else the Bearer header.
    static AuthStyle defaultAuthFor(const QUrl& baseUrl);

    QVariantMap toVariantMap() const;
    static Result<LlmConfig> fromVariantMap(const QVariantMap& map);
    // Writes the settings under `group` (default "ai/provider"); the API key is not part of them.
    void save(QSettings& settings, const QString& group = QStringLiteral("ai/provider")) const;
    // Kind::NotFound when nothing is configured (the LLM layer is optional), Kind::Config when the
    // saved settings are invalid.
    static Result<LlmConfig> load(QSettings& settings,
                                  const QString& group = QStringLiteral("ai/provider"));

    bool operator==(const LlmConfig&) const = default;
};

} // namespace sextant::ai
