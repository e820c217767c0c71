#pragma once

#include "argocd/types.h"
#include "core/result.h"
#include "metrics/alertmanagerclient.h"

#include <QHash>
#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>

#include <nlohmann/json.hpp>

namespace sextant::incident {

// Which alert labels carry which fact, and what a match is worth (resources/alert-mapping.yaml,
// format in docs/incidents.md). Label lists are tried in order; the first label present on the
// alert is used.
struct MappingRules {
    struct Workload {
        QString kind; // Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Pod
        QStringList labels;
    };

    int minScore = 30;
    QStringList inCluster;
    QStringList clusterLabels;
    int clusterPoints = 20;
    QStringList namespaceLabels;
    int namespacePoints = 30;
    QStringList trackingLabels;
    int trackingPoints = 60;
    QStringList nameLabels;
    int nameExactPoints = 40;
    int nameSuffixPoints = 25;
    QVector<Workload> workloads;
    int workloadPoints = 50;
    int workloadGuessPoints = 20;
    int imagePoints = 10;
    // An alert's cluster value -> the Argo CD destination name, when Prometheus's external label
    // and Argo CD name the same cluster differently (set by the console, not in the file).
    QHash<QString, QString> clusterAliases;

    // Parses the YAML format; errors name the file and line.
    static Result<MappingRules> parse(const QByteArray& yaml, const QString& file);
    // The shipped rules (:/sextant/alert-mapping.yaml), parsed once.
    static const MappingRules& builtin();
};

// The resources of one application by kind ("Deployment" -> {"checkout"}), from its resource
// tree: used to tell which of several applications in a namespace owns the alert's workload.
struct AppResources {
    QHash<QString, QSet<QString>> namesByKind;
    bool isEmpty() const { return namesByKind.isEmpty(); }
    bool has(const QString& kind, const QString& name) const {
        return namesByKind.value(kind).contains(name);
    }
    // Argo CD's resource tree (GET .../resource-tree: nodes[] with kind and name).
    static AppResources fromResourceTree(const nlohmann::json& tree);
};

// The workload a Pod belongs to, from its name: "checkout-5c7f9d8b6d-h2kqz" -> "checkout"
// (Deployment: ReplicaSet hash and pod suffix), "cart-redis-0" -> "cart-redis" (StatefulSet
// ordinal), "agent-x8k2p" -> "agent" (DaemonSet/Job suffix). A name without such a suffix is
// returned as it is.
QString podOwner(const QString& podName);
// The workload a ReplicaSet belongs to: "checkout-5c7f9d8b6d" -> "checkout".
QString replicaSetOwner(const QString& replicaSetName);

// One application an alert was mapped to, with the evidence in words.
struct AppMatch {
    QString appKey; // AppSummary::key()
    QString appName;
    QString cluster;
    QString destNamespace;
    int score = 0;
    bool identity = false; // tracking label, name or workload evidence (not only location)
    QStringList reasons;   // "namespace shop = the application's destination namespace"
    QString topReason() const { return reasons.value(0); }
};

// An alert and where it leads. `matches` is ordered by score, best first; empty = unmapped,
// with `unmappedReason` saying why in words.
struct AlertMapping {
    metrics::Alert alert;
    QVector<AppMatch> matches;
    QString unmappedReason;
    bool mapped() const { return !matches.isEmpty(); }
};

// Maps one alert over the fleet. `resources` (appKey -> its resources) is optional per app:
// apps without an entry are judged by names only.
AlertMapping mapAlert(const metrics::Alert& alert, const QVector<argocd::AppSummary>& fleet,
                      const QHash<QString, AppResources>& resources = {},
                      const MappingRules& rules = MappingRules::builtin());
QVector<AlertMapping> mapAlerts(const QVector<metrics::Alert>& alerts,
                                const QVector<argocd::AppSummary>& fleet,
                                const QHash<QString, AppResources>& resources = {},
                                const MappingRules& rules = MappingRules::builtin());

// Severity from the alert's `severity` label, normalised: critical, warning, info, none.
QString alertSeverity(const metrics::Alert& alert);
// One line for lists: alert name, then the identifying labels (namespace, workload, cluster).
QString alertSubject(const metrics::Alert& alert,
                     const MappingRules& rules = MappingRules::builtin());

} // namespace sextant::incident
