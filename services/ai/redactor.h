#pragma once

#include "core/result.h"

#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QVector>

namespace sextant::ai {

// How many values of one kind were replaced ("token" × 3), for the "what will be sent" preview.
struct RedactionCount {
    QString kind;
    int count = 0;
    bool operator==(const RedactionCount&) const = default;
};

struct Redaction {
    QString text;                   // the input with every secret value replaced
    QVector<RedactionCount> counts; // sorted by kind
    int total() const;
};

// Adds `more` into `into`, keeping the list sorted by kind.
void mergeCounts(QVector<RedactionCount>& into, const QVector<RedactionCount>& more);

// Removes secret values from text before it leaves the machine. Values are replaced by
// deterministic placeholders "[REDACTED:<kind>]"; names stay, so that "couldn't find key
// password in Secret shop/db" or `secretKeyRef: {name: db-creds, key: password}` keep their
// diagnostic value. Kinds:
//   user-pattern      the user's own regexes (LlmConfig::redactionPatterns), applied first
//   private-key       PEM "BEGIN … PRIVATE KEY" blocks, also cut-off ones and JSON-escaped ones
//   encoded-pem       base64 of a PEM block ("LS0tLS1CRUdJTi…", as in Secret data)
//   secret-data       values under data/stringData of a Kubernetes Secret (YAML, JSON, escaped
//                     JSON such as the last-applied-configuration annotation)
//   authorization     Authorization / Proxy-Authorization header credentials (the scheme stays)
//   cookie            Cookie / Set-Cookie header values
//   aws-access-key    AKIA…/ASIA… key ids;  aws-secret-key: aws_secret_access_key values
//   connection-string AccountKey=, SharedAccessKey=, sig= and DSN values
//   env-secret        values of secret-looking environment variables: NAME=value, NAME: value,
//                     YAML `- name: NAME / value: v` lists and JSON {"name","value"} arrays
//   password, token, secret, credential, api-key, private-key
//                     values of secret-looking keys and flags: password=…, "token": "…",
//                     --password …, client_secret: …
//   url-credentials   the password in scheme://user:password@host (the user name stays)
//   jwt, bearer, github-token, gitlab-token, slack-token, slack-webhook, api-key
//                     token shapes found anywhere (eyJ….….…, "Bearer x", ghp_…, glpat-…,
//                     xox…, sk-…, AIza…)
// The number of line breaks never changes (a redacted multi-line block leaves empty lines), so a
// caller can redact a block of lines at once and split the result back into its lines. Redacting
// redacted text changes nothing.
class Redactor {
public:
    // Built-in rules only.
    Redactor() = default;
    // Built-in rules plus the user's patterns; Kind::Config when a pattern is invalid or matches
    // empty text (a pattern that cannot be applied must not be skipped silently).
    static Result<Redactor> create(const QStringList& userPatterns);

    Redaction redact(const QString& text) const;

    static QString placeholder(const QString& kind);
    // Whether a key, flag or variable name names a secret value ("DB_PASSWORD", "clientSecret",
    // "api-key") as opposed to naming a secret ("secretName", "secretKeyRef", "key"). Empty when
    // not secret, else the kind used for its value.
    static QString secretKindForName(QStringView name);

private:
    QVector<QRegularExpression> m_userPatterns;
};

} // namespace sextant::ai
