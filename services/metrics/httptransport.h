#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QSslConfiguration>
#include <QUrl>

#include <functional>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace sextant::metrics {

// Where a metrics API lives and how to reach it. The same shape serves Prometheus, the OpenShift
// Thanos Querier route and Alertmanager.
struct Endpoint {
    QUrl baseUrl;   // http(s)://host[:port][/prefix]; a path prefix is kept ("/prometheus")
    QString name;   // first words of every message; the host when empty
    QString caFile; // PEM bundle added to the system CAs (OpenShift ingress CA, private CA)
    // Skips TLS verification. Only ever an explicit user choice; verification is on by default.
    bool insecure = false;
    int requestTimeoutMs = 30000;

    QString displayName() const;
    Status validate() const;
    // baseUrl's path + `path` ("/api/v1/query").
    QUrl endpoint(const QString& path) const;
};

struct RetryPolicy {
    int maxRetries = 2; // idempotent requests only, and only retryable errors (network, 5xx)
    int baseDelayMs = 500;
    int maxDelayMs = 4000;
};

// The HTTP plumbing both metrics clients share, written like argocd::Client: one
// QNetworkAccessManager, bearer token in a header only, TLS verification with an optional CA
// file, transfer timeout, jittered retries of idempotent requests, typed errors. Callbacks run on
// the transport's thread and never after it is destroyed.
class HttpTransport : public QObject {
    Q_OBJECT
public:
    using RawCallback = std::function<void(Result<QByteArray>)>;
    // Rewrites a mapped error with what the service's error body says (Prometheus's envelope).
    using ErrorRefiner = std::function<void(Error& error, const QByteArray& body)>;

    HttpTransport(Endpoint endpoint, QString serviceName, QObject* parent = nullptr);
    ~HttpTransport() override;

    const Endpoint& endpoint() const { return m_endpoint; }
    const QString& serviceName() const { return m_service; }
    void setToken(const QString& token);
    bool hasToken() const { return !m_token.isEmpty(); }
    void setRetryPolicy(const RetryPolicy& policy) { m_retry = policy; }
    void setErrorRefiner(ErrorRefiner refiner) { m_refiner = std::move(refiner); }
    // Null unless the configuration cannot work (bad URL, unreadable CA file).
    const Error& configError() const { return m_configError; }

    void get(const QUrl& url, RawCallback done);
    // application/x-www-form-urlencoded POST (Prometheus accepts it for long queries).
    void postForm(const QUrl& url, const QByteArray& form, bool idempotent, RawCallback done);

private:
    struct Call;
    void send(std::shared_ptr<Call> call);
    void finish(const std::shared_ptr<Call>& call, QNetworkReply* reply);
    int retryDelayMs(int attempt) const;

    Endpoint m_endpoint;
    QString m_service;
    QString m_token;
    Error m_configError;
    RetryPolicy m_retry;
    ErrorRefiner m_refiner;
    QSslConfiguration m_ssl;
    QNetworkAccessManager* m_nam = nullptr;
    QHash<QNetworkReply*, std::shared_ptr<Call>> m_inFlight;
};

// Percent-encodes key=value pairs like a form (also used for GET query strings).
QByteArray formEncode(const QList<QPair<QString, QString>>& items);

} // namespace sextant::metrics
