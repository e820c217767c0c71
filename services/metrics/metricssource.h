#pragma once

#include "metrics/httptransport.h"

#include <QString>
#include <QVariantMap>

namespace sextant::metrics {

// Where the console reads metrics (release review canaries) and alerts: one Prometheus-compatible
// query endpoint — a Prometheus, or OpenShift's Thanos Querier route, usually one that sees
// every cluster with a `cluster` label — and optionally an Alertmanager. Kept in the settings
// under "metrics/"; the bearer token lives only in the keychain under
// CredentialStore::metricsTokenKey(id), the settings only say whether one is stored.
struct MetricsSource {
    QString id = QStringLiteral("default");
    Endpoint prometheus;      // empty baseUrl = none configured
    QString tenancyNamespace; // Thanos Querier tenancy port (9092): namespace=<ns> on every query
    Endpoint alertmanager;    // empty baseUrl = none configured
    bool hasToken = false;

    bool configured() const { return !prometheus.baseUrl.isEmpty(); }
    bool alertsConfigured() const { return !alertmanager.baseUrl.isEmpty(); }
    // Both endpoints (when given) are http(s) URLs without credentials; the CA file exists.
    Status validate() const;
    // "Prometheus https://thanos-querier… (token in keychain)" or "none configured".
    QString description() const;

    QVariantMap toVariantMap() const;
    static MetricsSource fromVariantMap(const QVariantMap& map);
};

} // namespace sextant::metrics
