#pragma once

#include "core/result.h"

#include <QJsonObject>
#include <QString>
#include <QUrl>
#include <QVariantMap>

namespace sextant::argocd {

enum class AuthMethod { Token, Password };

// How Sextant reaches one Argo CD instance. Saved in the settings file, so it never holds a
// secret: tokens and passwords live only in the keychain (services/secrets), keyed by `id`.
struct InstanceConfig {
    QString id;            // stable key (settings, keychain, fleet rows); never shown as a name
    QString name;          // display name, e.g. "prod-eu"
    QUrl baseUrl;          // https://host[:port][/rootpath]; the API lives at <baseUrl>/api/v1
    QString caFile;        // optional PEM bundle trusted in addition to the system CAs
    bool insecure = false; // skip TLS verification: an explicit, visible choice
    bool grpcWeb = false;  // informational (imported from the argocd CLI); REST is unaffected
    AuthMethod authMethod = AuthMethod::Token;
    QString username; // for AuthMethod::Password (the password itself is in the keychain)
    int requestTimeoutMs = 30000;

    // Checks the user's input; the error says what to fix ("add https:// in front of ...").
    Status validate() const;
    // The name to show: `name`, else the host of the URL.
    QString displayName() const;
    // <baseUrl>/<path>, keeping the root path; `encodedPath` starts with '/' and is
    // percent-encoded already (e.g. "/api/v1/applications/guestbook").
    QUrl endpoint(const QString& encodedPath) const;

    QJsonObject toJson() const;
    static Result<InstanceConfig> fromJson(const QJsonObject& object);
    QVariantMap toVariantMap() const;
    static Result<InstanceConfig> fromVariantMap(const QVariantMap& map);

    bool operator==(const InstanceConfig&) const = default;
};

QString toString(AuthMethod method);

} // namespace sextant::argocd
