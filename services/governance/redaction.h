#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>

namespace sextant::governance {

// The placeholder that replaces a secret value in anything Sextant records.
inline constexpr char kRedacted[] = "[REDACTED]";

// Whether a JSON key or query parameter name names a secret: password, token, secret,
// authorization, bearer, api key, private key, credentials, cookie (case-insensitive, also as
// part of a longer name such as "githubToken" or "client_secret").
bool isSecretName(QStringView name);

// Scrubs secrets from a request body before it is written to the audit log. JSON bodies are
// walked: values under secret-named keys, the data/stringData of Kubernetes Secret objects,
// "Bearer …" values and JWT-shaped strings become "[REDACTED]". Other bodies get a textual
// pass over `name: value`, `name=value` and `Bearer …` patterns. Returns the body unchanged
// (byte for byte) when nothing was found; *changed tells whether anything was replaced.
QByteArray redactSecrets(const QByteArray& body, bool* changed = nullptr);

// The URL with secret-named query parameters and any user-info password replaced.
QUrl redactUrl(const QUrl& url, bool* changed = nullptr);

} // namespace sextant::governance
