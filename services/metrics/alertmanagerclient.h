#pragma once

#include "httptransport.h"

#include <QDateTime>
#include <QMap>
#include <QObject>
#include <QStringList>
#include <QVector>

#include <functional>

namespace sextant::metrics {

// One alert as Alertmanager's API v2 returns it (GET /api/v2/alerts, "gettableAlert").
struct Alert {
    QMap<QString, QString> labels;
    QMap<QString, QString> annotations;
    QDateTime startsAt;
    QDateTime endsAt;
    QDateTime updatedAt;
    QString fingerprint;
    QString generatorUrl;
    QString state; // "active", "suppressed" (silenced or inhibited) or "unprocessed"
    QStringList silencedBy;
    QStringList inhibitedBy;
    QStringList receivers;

    QString name() const { return labels.value(QStringLiteral("alertname")); }
    bool silenced() const { return !silencedBy.isEmpty(); }
    bool inhibited() const { return !inhibitedBy.isEmpty(); }
};

// The filters of GET /api/v2/alerts; the flags choose which states are returned.
struct AlertQuery {
    // Label matchers in Alertmanager syntax, each one `filter` parameter:
    // alertname="KubePodCrashLooping", namespace=~"shop|cart", severity!="info".
    QStringList matchers;
    bool active = true;
    bool silenced = true;
    bool inhibited = true;
    bool unprocessed = true;
    QString receiver; // regular expression over receiver names; empty = all
};

// Read-only Alertmanager API v2 client. Same transport rules as PrometheusClient (bearer token —
// OpenShift's alertmanager-main route wants one —, TLS verification, typed errors).
class AlertmanagerClient : public QObject {
    Q_OBJECT
public:
    template <typename T>
    using Callback = std::function<void(Result<T>)>;

    explicit AlertmanagerClient(Endpoint endpoint, QObject* parent = nullptr);

    const Endpoint& endpoint() const { return m_transport->endpoint(); }
    const Error& configError() const { return m_transport->configError(); }
    void setToken(const QString& token) { m_transport->setToken(token); }
    void setRetryPolicy(const RetryPolicy& policy) { m_transport->setRetryPolicy(policy); }

    void alerts(const AlertQuery& query, Callback<QVector<Alert>> callback);

    static QList<QPair<QString, QString>> queryItems(const AlertQuery& query);
    static Result<QVector<Alert>> parseAlerts(const QByteArray& body, const QString& who = {});

private:
    HttpTransport* m_transport = nullptr;
};

} // namespace sextant::metrics
