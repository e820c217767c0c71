#include "metrics/metricssource.h"

#include <QFileInfo>

namespace sextant::metrics {

namespace {

Status validateEndpoint(const Endpoint& e, const QString& what) {
    if (const Status s = e.validate(); !s) {
        Error error = s.error();
        error.shortMessage = what + QStringLiteral(": ") + error.shortMessage;
        return error;
    }
    if (!e.caFile.isEmpty() && !QFileInfo(e.caFile).isReadable())
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("%1: the CA file '%2' cannot be read").arg(what, e.caFile));
    return okStatus();
}

QVariantMap endpointMap(const Endpoint& e) {
    return {{QStringLiteral("url"), e.baseUrl.toString()},
            {QStringLiteral("caFile"), e.caFile},
            {QStringLiteral("insecure"), e.insecure}};
}

Endpoint endpointFrom(const QVariant& v, const QString& name) {
    const QVariantMap m = v.toMap();
    Endpoint e;
    e.baseUrl = QUrl(m.value(QStringLiteral("url")).toString());
    e.caFile = m.value(QStringLiteral("caFile")).toString();
    e.insecure = m.value(QStringLiteral("insecure")).toBool();
    e.name = name;
    return e;
}

} // namespace

Status MetricsSource::validate() const {
    if (configured())
        if (const Status s = validateEndpoint(prometheus, QStringLiteral("Prometheus")); !s)
            return s;
    if (alertsConfigured())
        if (const Status s = validateEndpoint(alertmanager, QStringLiteral("Alertmanager")); !s)
            return s;
    if (!tenancyNamespace.isEmpty() && !configured())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("a tenancy namespace needs a Prometheus URL"));
    return okStatus();
}

QString MetricsSource::description() const {
    if (!configured())
        return QStringLiteral("no Prometheus configured");
    QString text = QStringLiteral("Prometheus ") + prometheus.baseUrl.toDisplayString();
    if (!tenancyNamespace.isEmpty())
        text += QStringLiteral(" (namespace %1)").arg(tenancyNamespace);
    if (hasToken)
        text += QStringLiteral(", token in keychain");
    if (prometheus.insecure)
        text += QStringLiteral(", TLS NOT VERIFIED");
    return text;
}

QVariantMap MetricsSource::toVariantMap() const {
    QVariantMap m;
    m.insert(QStringLiteral("id"), id);
    m.insert(QStringLiteral("prometheus"), endpointMap(prometheus));
    m.insert(QStringLiteral("tenancyNamespace"), tenancyNamespace);
    m.insert(QStringLiteral("alertmanager"), endpointMap(alertmanager));
    m.insert(QStringLiteral("hasToken"), hasToken);
    return m;
}

MetricsSource MetricsSource::fromVariantMap(const QVariantMap& map) {
    MetricsSource s;
    if (const QString id = map.value(QStringLiteral("id")).toString(); !id.isEmpty())
        s.id = id;
    s.prometheus =
        endpointFrom(map.value(QStringLiteral("prometheus")), QStringLiteral("Prometheus"));
    s.tenancyNamespace = map.value(QStringLiteral("tenancyNamespace")).toString();
    s.alertmanager =
        endpointFrom(map.value(QStringLiteral("alertmanager")), QStringLiteral("Alertmanager"));
    s.hasToken = map.value(QStringLiteral("hasToken")).toBool();
    return s;
}

} // namespace sextant::metrics
