#include "demoalerts.h"

namespace sextant::incident {

namespace {

struct DemoAlert {
    qint64 startedSecondsAgo;
    QMap<QString, QString> labels;
    QString summary;
    QString description;
};

QVector<DemoAlert> definitions() {
    const auto L = [](std::initializer_list<std::pair<QString, QString>> kv) {
        QMap<QString, QString> m;
        for (const auto& [k, v] : kv)
            m.insert(k, v);
        return m;
    };
    return {
        // shop-checkout: history entry 19 (Bump checkout image to v2.41.0) deployed 40 min ago.
        {35 * 60,
         L({{"alertname", "KubePodNotReady"},
            {"severity", "warning"},
            {"cluster", "prod-eu-shop"},
            {"namespace", "shop"},
            {"pod", "checkout-5c7f9d8b6d-h2kqz"}}),
         "Pod shop/checkout-5c7f9d8b6d-h2kqz has been in a non-ready state for longer than 15 "
         "minutes.",
         "Container checkout is waiting: ImagePullBackOff."},
        {30 * 60,
         L({{"alertname", "KubeDeploymentReplicasMismatch"},
            {"severity", "warning"},
            {"cluster", "prod-eu-shop"},
            {"namespace", "shop"},
            {"deployment", "checkout"}}),
         "Deployment shop/checkout has not matched the expected number of replicas for longer "
         "than 15 minutes.",
         {}},
        // payments-api crash-loops since its last sync.
        {50 * 60,
         L({{"alertname", "KubePodCrashLooping"},
            {"severity", "warning"},
            {"cluster", "prod-eu-shop"},
            {"namespace", "payments"},
            {"pod", "payments-api-6f7d8c9b5-q7x2m"},
            {"container", "payments-api"}}),
         "Pod payments/payments-api-6f7d8c9b5-q7x2m (payments-api) is in waiting state (reason: "
         "\"CrashLoopBackOff\").",
         {}},
        // shop-web: CreateContainerConfigError (missing ConfigMap key).
        {22 * 60,
         L({{"alertname", "KubeContainerWaiting"},
            {"severity", "warning"},
            {"cluster", "prod-eu-shop"},
            {"namespace", "shop"},
            {"pod", "web-6d8f7c9b5-x2k8p"},
            {"container", "web"}}),
         "Pod shop/web-6d8f7c9b5-x2k8p container web has been in waiting state for longer than "
         "1 hour (reason: CreateContainerConfigError).",
         {}},
        // The release demo's bad canary (services/sim, release scenario).
        {10 * 60,
         L({{"alertname", "HighErrorRate"},
            {"severity", "critical"},
            {"cluster", "stage-eu-1"},
            {"namespace", "storefront"},
            {"service", "storefront"}}),
         "storefront 5xx ratio above 5 % for 5 minutes on stage-eu-1.",
         {}},
        // Unmapped: node- and platform-level alerts.
        {75 * 60,
         L({{"alertname", "NodeFilesystemSpaceFillingUp"},
            {"severity", "warning"},
            {"cluster", "prod-eu-shop"},
            {"node", "ip-10-0-3-17.eu-west-1.compute.internal"},
            {"mountpoint", "/var/lib/containerd"}}),
         "Filesystem on /var/lib/containerd is predicted to run out of space within the next "
         "24 hours.",
         {}},
        {12 * 60,
         L({{"alertname", "CoreDNSErrorsHigh"},
            {"severity", "critical"},
            {"cluster", "prod-eu-shop"},
            {"namespace", "kube-system"},
            {"job", "coredns"}}),
         "CoreDNS is returning SERVFAIL for 4 % of requests.",
         {}},
    };
}

} // namespace

QString labelsFingerprint(const QMap<QString, QString>& labels) {
    quint64 hash = 14695981039346656037ULL;
    const auto add = [&hash](const QByteArray& bytes) {
        for (const char c : bytes) {
            hash ^= quint8(c);
            hash *= 1099511628211ULL;
        }
        hash ^= 0xff;
        hash *= 1099511628211ULL;
    };
    for (auto it = labels.cbegin(); it != labels.cend(); ++it) { // QMap: sorted by name
        add(it.key().toUtf8());
        add(it.value().toUtf8());
    }
    return QStringLiteral("%1").arg(hash, 16, 16, QLatin1Char('0'));
}

QVector<metrics::Alert> demoAlerts(const QDateTime& now) {
    QVector<metrics::Alert> out;
    for (const DemoAlert& d : definitions()) {
        metrics::Alert a;
        a.labels = d.labels;
        a.annotations.insert(QStringLiteral("summary"), d.summary);
        if (!d.description.isEmpty())
            a.annotations.insert(QStringLiteral("description"), d.description);
        a.startsAt = now.addSecs(-d.startedSecondsAgo).toUTC();
        a.updatedAt = now.toUTC();
        a.endsAt = now.addSecs(4 * 3600).toUTC();
        a.fingerprint = labelsFingerprint(a.labels);
        a.state = QStringLiteral("active");
        a.receivers << QStringLiteral("default");
        out.push_back(a);
    }
    return out;
}

nlohmann::json demoAlertsPostBody(const QDateTime& now, qint64 activeForSeconds) {
    nlohmann::json out = nlohmann::json::array();
    const std::string endsAt =
        now.addSecs(activeForSeconds).toUTC().toString(Qt::ISODateWithMs).toStdString();
    for (const metrics::Alert& a : demoAlerts(now)) {
        nlohmann::json labels = nlohmann::json::object();
        for (auto it = a.labels.cbegin(); it != a.labels.cend(); ++it)
            labels[it.key().toStdString()] = it.value().toStdString();
        nlohmann::json annotations = nlohmann::json::object();
        for (auto it = a.annotations.cbegin(); it != a.annotations.cend(); ++it)
            annotations[it.key().toStdString()] = it.value().toStdString();
        out.push_back({{"labels", labels},
                       {"annotations", annotations},
                       {"startsAt", a.startsAt.toString(Qt::ISODateWithMs).toStdString()},
                       {"endsAt", endsAt},
                       {"generatorURL",
                        "http://prometheus.demo.local/graph?g0.expr=" + a.name().toStdString()}});
    }
    return out;
}

} // namespace sextant::incident
