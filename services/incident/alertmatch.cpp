#include "alertmatch.h"

#include "gitops/yamledit.h"

#include <QFile>
#include <QRegularExpression>
#include <QUrl>

#include <algorithm>

namespace sextant::incident {

using policy::YNode;

namespace {

QString str(const std::string& s) {
    return QString::fromStdString(s);
}

Error ruleError(const QString& file, int line, const QString& what) {
    return Error::make(Error::Kind::Config,
                       line > 0 ? QStringLiteral("%1:%2: %3").arg(file).arg(line).arg(what)
                                : QStringLiteral("%1: %2").arg(file, what));
}

Result<QStringList> stringList(const YNode& parent, const char* key, const QString& file) {
    const YNode* n = parent.get(key);
    if (!n)
        return QStringList();
    if (!n->isSeq())
        return ruleError(file, n->displayLine(),
                         QStringLiteral("%1 must be a list of strings").arg(QLatin1String(key)));
    QStringList out;
    for (const YNode& item : n->seq) {
        if (!item.isScalar() || item.scalar.empty())
            return ruleError(
                file, item.line,
                QStringLiteral("%1 must be a list of strings").arg(QLatin1String(key)));
        out << str(item.scalar);
    }
    return out;
}

Status readInt(const YNode& parent, const char* key, int& out, const QString& file) {
    const YNode* n = parent.get(key);
    if (!n)
        return okStatus();
    long long v = 0;
    if (!n->asInt(v) || v < 0 || v > 1000)
        return ruleError(
            file, n->displayLine(),
            QStringLiteral("%1 must be a whole number from 0 to 1000").arg(QLatin1String(key)));
    out = int(v);
    return okStatus();
}

// A rule block with `labels` and `points` (or other point keys).
Status readBlock(const YNode& root, const char* key, QStringList& labels,
                 std::initializer_list<std::pair<const char*, int*>> points, const QString& file) {
    const YNode* n = root.get(key);
    if (!n)
        return okStatus();
    if (!n->isMap())
        return ruleError(
            file, n->displayLine(),
            QStringLiteral("%1 must be a map with labels and points").arg(QLatin1String(key)));
    auto l = stringList(*n, "labels", file);
    if (!l.ok())
        return l.error();
    labels = *l;
    for (const auto& [name, target] : points)
        if (Status s = readInt(*n, name, *target, file); !s.ok())
            return s;
    return okStatus();
}

// The first of `names` present (and non-empty) on the alert: {label, value}.
std::pair<QString, QString> firstLabel(const metrics::Alert& a, const QStringList& names) {
    for (const QString& n : names) {
        const QString v = a.labels.value(n).trimmed();
        if (!v.isEmpty())
            return {n, v};
    }
    return {};
}

bool isInCluster(const argocd::AppSummary& app, const MappingRules& rules) {
    return rules.inCluster.contains(app.destName) ||
           (app.destName.isEmpty() && rules.inCluster.contains(app.destServer));
}

// Whether the alert's cluster value names the app's destination: the destination name, an
// alias of it, or one dot-separated segment of the API server's host name
// ("api.prod-eu-shop.k8s.example.net" for "prod-eu-shop").
bool clusterMatches(const QString& value, const argocd::AppSummary& app,
                    const MappingRules& rules) {
    const QString wanted = rules.clusterAliases.value(value, value);
    if (!app.destName.isEmpty() && app.destName == wanted)
        return true;
    if (app.destServer == wanted)
        return true;
    const QString host = QUrl(app.destServer).host();
    return !host.isEmpty() && host.split(QLatin1Char('.')).contains(wanted);
}

// Argo CD writes "<name>" or, for Applications outside the control-plane namespace,
// "<namespace>_<name>" into the tracking label.
bool trackingMatches(const QString& value, const argocd::AppSummary& app) {
    return value == app.name || value == app.appNamespace + QLatin1Char('_') + app.name;
}

bool imageNamed(const argocd::AppSummary& app, const QString& name) {
    for (const QString& image : app.images) {
        QString repo = image.section(QLatin1Char('@'), 0, 0);
        const int colon = repo.lastIndexOf(QLatin1Char(':'));
        if (colon > repo.lastIndexOf(QLatin1Char('/')))
            repo = repo.left(colon);
        if (repo.section(QLatin1Char('/'), -1) == name)
            return true;
    }
    return false;
}

struct Candidate {
    AppMatch match;
    bool excluded = false;
    QString exclusion; // why, for the unmapped explanation
};

} // namespace

Result<MappingRules> MappingRules::parse(const QByteArray& yaml, const QString& file) {
    auto docs = gitops::parseYaml(yaml);
    if (!docs.ok())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1: %2").arg(file, docs.error().shortMessage),
                           docs.error().details);
    if (docs->empty() || !docs->front().isMap())
        return ruleError(file, 0, QStringLiteral("the rules must be a YAML map"));
    const YNode& root = docs->front();
    MappingRules r;
    if (Status s = readInt(root, "minScore", r.minScore, file); !s.ok())
        return s.error();
    auto inCluster = stringList(root, "inCluster", file);
    if (!inCluster.ok())
        return inCluster.error();
    r.inCluster = *inCluster;
    for (Status s :
         {readBlock(root, "cluster", r.clusterLabels, {{"points", &r.clusterPoints}}, file),
          readBlock(root, "namespace", r.namespaceLabels, {{"points", &r.namespacePoints}}, file),
          readBlock(root, "tracking", r.trackingLabels, {{"points", &r.trackingPoints}}, file),
          readBlock(root, "name", r.nameLabels,
                    {{"exactPoints", &r.nameExactPoints}, {"suffixPoints", &r.nameSuffixPoints}},
                    file),
          readInt(root, "workloadPoints", r.workloadPoints, file),
          readInt(root, "workloadGuessPoints", r.workloadGuessPoints, file),
          readInt(root, "imagePoints", r.imagePoints, file)})
        if (!s.ok())
            return s.error();
    if (const YNode* w = root.get("workloads")) {
        if (!w->isSeq())
            return ruleError(file, w->displayLine(),
                             QStringLiteral("workloads must be a list of {kind, labels}"));
        for (const YNode& item : w->seq) {
            const YNode* kind = item.get("kind");
            if (!kind || !kind->isScalar() || kind->scalar.empty())
                return ruleError(file, item.line, QStringLiteral("a workload needs a kind"));
            auto labels = stringList(item, "labels", file);
            if (!labels.ok())
                return labels.error();
            if (labels->isEmpty())
                return ruleError(
                    file, item.line,
                    QStringLiteral("workload %1 names no labels").arg(str(kind->scalar)));
            r.workloads.push_back({str(kind->scalar), *labels});
        }
    }
    if (r.namespaceLabels.isEmpty() && r.trackingLabels.isEmpty() && r.nameLabels.isEmpty() &&
        r.workloads.isEmpty())
        return ruleError(file, 0, QStringLiteral("the rules name no labels to map alerts by"));
    return r;
}

const MappingRules& MappingRules::builtin() {
    static const MappingRules rules = [] {
        QFile f(QStringLiteral(":/sextant/alert-mapping.yaml"));
        if (!f.open(QIODevice::ReadOnly))
            qFatal("resources/alert-mapping.yaml is not compiled in");
        auto r = parse(f.readAll(), QStringLiteral("alert-mapping.yaml"));
        if (!r.ok())
            qFatal("%s", qPrintable(r.error().toString()));
        return *r;
    }();
    return rules;
}

AppResources AppResources::fromResourceTree(const nlohmann::json& tree) {
    AppResources out;
    const auto nodes = tree.find("nodes");
    if (nodes == tree.end() || !nodes->is_array())
        return out;
    for (const auto& n : *nodes) {
        if (!n.is_object())
            continue;
        const QString kind = str(n.value("kind", std::string()));
        const QString name = str(n.value("name", std::string()));
        if (!kind.isEmpty() && !name.isEmpty())
            out.namesByKind[kind].insert(name);
    }
    return out;
}

QString replicaSetOwner(const QString& replicaSetName) {
    static const QRegularExpression hash(QStringLiteral("-[a-z0-9]{6,10}$"));
    QString out = replicaSetName;
    out.remove(hash);
    return out;
}

QString podOwner(const QString& podName) {
    // Deployment pods: <deployment>-<pod-template-hash (6-10)>-<5 chars>.
    static const QRegularExpression deploymentPod(QStringLiteral("-[a-z0-9]{6,10}-[a-z0-9]{5}$"));
    // StatefulSet pods: <name>-<ordinal>.
    static const QRegularExpression ordinal(QStringLiteral("-[0-9]+$"));
    // DaemonSet and Job pods: <name>-<5 chars>.
    static const QRegularExpression shortSuffix(QStringLiteral("-[a-z0-9]{5}$"));
    QString out = podName;
    if (out.contains(deploymentPod))
        return out.remove(deploymentPod);
    if (out.contains(ordinal))
        return out.remove(ordinal);
    if (out.contains(shortSuffix))
        return out.remove(shortSuffix);
    return out;
}

AlertMapping mapAlert(const metrics::Alert& alert, const QVector<argocd::AppSummary>& fleet,
                      const QHash<QString, AppResources>& resources, const MappingRules& rules) {
    AlertMapping out;
    out.alert = alert;
    const auto [clusterLabel, clusterValue] = firstLabel(alert, rules.clusterLabels);
    const auto [nsLabel, nsValue] = firstLabel(alert, rules.namespaceLabels);
    const auto [trackLabel, trackValue] = firstLabel(alert, rules.trackingLabels);
    QVector<std::pair<QString, QString>> nameFacts; // every name label present, in rule order
    for (const QString& n : rules.nameLabels)
        if (const QString v = alert.labels.value(n).trimmed(); !v.isEmpty())
            nameFacts.push_back({n, v});
    struct WorkloadFact {
        QString kind, label, value, owner; // owner: the workload a Pod/ReplicaSet belongs to
    };
    QVector<WorkloadFact> workloads;
    for (const MappingRules::Workload& w : rules.workloads) {
        const auto [label, value] = firstLabel(alert, w.labels);
        if (value.isEmpty())
            continue;
        WorkloadFact f{w.kind, label, value, {}};
        if (w.kind == QLatin1String("Pod"))
            f.owner = podOwner(value);
        else if (w.kind == QLatin1String("ReplicaSet"))
            f.owner = replicaSetOwner(value);
        workloads.push_back(f);
    }
    static const QStringList ownerKinds = {QStringLiteral("Deployment"),
                                           QStringLiteral("StatefulSet"),
                                           QStringLiteral("DaemonSet"), QStringLiteral("Job")};

    QVector<Candidate> candidates;
    for (const argocd::AppSummary& app : fleet) {
        Candidate c;
        AppMatch& m = c.match;
        QStringList location; // cluster and namespace reasons: listed after the identity ones
        m.appKey = app.key();
        m.appName = app.name;
        m.cluster = app.cluster();
        m.destNamespace = app.destNamespace;
        const auto exclude = [&c](const QString& why) {
            c.excluded = true;
            c.exclusion = why;
        };

        if (!clusterValue.isEmpty()) {
            if (isInCluster(app, rules)) {
                // Cannot compare: say so only when something else makes this app a candidate.
            } else if (clusterMatches(clusterValue, app, rules)) {
                m.score += rules.clusterPoints;
                location << QStringLiteral("%1 %2 is the destination cluster")
                                .arg(clusterLabel, clusterValue);
            } else {
                exclude(QStringLiteral("cluster"));
            }
        }
        if (!c.excluded && !nsValue.isEmpty()) {
            if (nsValue == app.destNamespace) {
                m.score += rules.namespacePoints;
                location.prepend(
                    QStringLiteral("%1 %2 is the destination namespace").arg(nsLabel, nsValue));
            } else {
                exclude(QStringLiteral("namespace"));
            }
        }
        if (!c.excluded && !trackValue.isEmpty()) {
            if (trackingMatches(trackValue, app)) {
                m.score += rules.trackingPoints;
                m.identity = true;
                m.reasons.prepend(
                    QStringLiteral("Argo CD tracking label %1=%2 names this application")
                        .arg(trackLabel, trackValue));
            } else {
                exclude(QStringLiteral("tracking"));
            }
        }
        // Every name label present is tried and the best one counts: kube-state-metrics alerts
        // carry service="…kube-state-metrics" next to the container that actually failed.
        if (!c.excluded) {
            int best = 0;
            QString bestReason;
            for (const auto& [label, value] : nameFacts) {
                if (value == app.name && rules.nameExactPoints > best) {
                    best = rules.nameExactPoints;
                    bestReason =
                        QStringLiteral("label %1=%2 is the application's name").arg(label, value);
                } else if (app.name.endsWith(QLatin1Char('-') + value) &&
                           rules.nameSuffixPoints > best) {
                    best = rules.nameSuffixPoints;
                    bestReason =
                        QStringLiteral("label %1=%2 ends the application's name").arg(label, value);
                }
            }
            if (best > 0) {
                m.score += best;
                m.identity = true;
                m.reasons << bestReason;
            }
        }
        const auto resIt = resources.constFind(m.appKey);
        const bool haveResources = resIt != resources.constEnd() && !resIt->isEmpty();
        bool workloadSeen = false;
        for (const WorkloadFact& f : workloads) {
            if (c.excluded || workloadSeen)
                break;
            if (haveResources) {
                bool owned = resIt->has(f.kind, f.value);
                QString via = QStringLiteral("%1 %2").arg(f.kind, f.value);
                if (!owned && !f.owner.isEmpty()) {
                    for (const QString& k : ownerKinds)
                        if (resIt->has(k, f.owner)) {
                            owned = true;
                            via = QStringLiteral("%1 %2 (owner of %3 %4)")
                                      .arg(k, f.owner, f.kind.toLower(), f.value);
                            break;
                        }
                }
                if (owned) {
                    m.score += rules.workloadPoints;
                    m.identity = true;
                    m.reasons.prepend(
                        QStringLiteral("%1 is one of the application's resources").arg(via));
                    workloadSeen = true;
                } else {
                    exclude(QStringLiteral("workload:%1 %2").arg(f.kind, f.value));
                }
            } else {
                const QString name = f.owner.isEmpty() ? f.value : f.owner;
                if (name == app.name || app.name.endsWith(QLatin1Char('-') + name)) {
                    m.score += rules.workloadGuessPoints;
                    m.identity = true;
                    m.reasons << QStringLiteral("%1 %2 is named like the application (its "
                                                "resources were not loaded)")
                                     .arg(f.label, f.value);
                    workloadSeen = true;
                }
                if (imageNamed(app, name)) {
                    m.score += rules.imagePoints;
                    m.reasons << QStringLiteral("the application runs an image named %1").arg(name);
                }
            }
        }
        m.reasons << location;
        if (!c.excluded && !clusterValue.isEmpty() && isInCluster(app, rules) && m.score > 0)
            m.reasons << QStringLiteral("the application deploys to Argo CD's own cluster: "
                                        "%1 %2 could not be compared")
                             .arg(clusterLabel, clusterValue);
        candidates.push_back(std::move(c));
    }

    QVector<AppMatch> kept;
    bool anyIdentity = false;
    for (const Candidate& c : candidates)
        if (!c.excluded && c.match.score >= rules.minScore) {
            kept.push_back(c.match);
            anyIdentity = anyIdentity || c.match.identity;
        }
    if (anyIdentity)
        kept.erase(
            std::remove_if(kept.begin(), kept.end(), [](const AppMatch& m) { return !m.identity; }),
            kept.end());
    std::stable_sort(kept.begin(), kept.end(), [](const AppMatch& a, const AppMatch& b) {
        return a.score != b.score ? a.score > b.score : a.appKey < b.appKey;
    });
    out.matches = kept;
    if (out.mapped())
        return out;

    // Unmapped: say which fact failed, in the order an SRE would check.
    const QString where =
        clusterValue.isEmpty() ? QString() : QStringLiteral(" on cluster %1").arg(clusterValue);
    if (nsValue.isEmpty() && trackValue.isEmpty() && nameFacts.isEmpty() && workloads.isEmpty()) {
        out.unmappedReason =
            QStringLiteral("no application matches: the alert names no namespace, workload or "
                           "application (a cluster- or node-level alert%1)")
                .arg(where);
        return out;
    }
    if (!nsValue.isEmpty()) {
        int inNamespace = 0, onCluster = 0;
        QStringList clusters;
        for (const argocd::AppSummary& app : fleet) {
            if (app.destNamespace != nsValue)
                continue;
            ++inNamespace;
            if (!clusters.contains(app.cluster()))
                clusters << app.cluster();
            if (clusterValue.isEmpty() || isInCluster(app, rules) ||
                clusterMatches(clusterValue, app, rules))
                ++onCluster;
        }
        if (inNamespace == 0) {
            out.unmappedReason =
                QStringLiteral("no application matches: namespace %1 has no Argo CD application")
                    .arg(nsValue);
            return out;
        }
        if (onCluster == 0) {
            clusters.sort();
            out.unmappedReason =
                QStringLiteral("no application matches: namespace %1 has "
                               "applications only on %2, not%3")
                    .arg(nsValue, clusters.mid(0, 5).join(QStringLiteral(", ")), where);
            return out;
        }
    }
    for (const Candidate& c : candidates) {
        if (c.exclusion.startsWith(QLatin1String("workload:"))) {
            out.unmappedReason =
                QStringLiteral("no application matches: %1 is not among the resources of the "
                               "applications in namespace %2%3")
                    .arg(c.exclusion.mid(9), nsValue.isEmpty() ? QStringLiteral("?") : nsValue,
                         where);
            return out;
        }
    }
    if (!trackValue.isEmpty()) {
        out.unmappedReason =
            QStringLiteral("no application matches: no application named %1 (label %2)%3")
                .arg(trackValue, trackLabel, where);
        return out;
    }
    out.unmappedReason = QStringLiteral("no application matches: the evidence (%1) stays below "
                                        "the mapping threshold")
                             .arg(alertSubject(alert, rules));
    return out;
}

QVector<AlertMapping> mapAlerts(const QVector<metrics::Alert>& alerts,
                                const QVector<argocd::AppSummary>& fleet,
                                const QHash<QString, AppResources>& resources,
                                const MappingRules& rules) {
    QVector<AlertMapping> out;
    out.reserve(alerts.size());
    for (const metrics::Alert& a : alerts)
        out.push_back(mapAlert(a, fleet, resources, rules));
    return out;
}

QString alertSeverity(const metrics::Alert& alert) {
    const QString s = alert.labels.value(QStringLiteral("severity")).trimmed().toLower();
    if (s == QLatin1String("critical") || s == QLatin1String("page") ||
        s == QLatin1String("error") || s == QLatin1String("high"))
        return QStringLiteral("critical");
    if (s == QLatin1String("warning") || s == QLatin1String("warn") || s == QLatin1String("medium"))
        return QStringLiteral("warning");
    if (s == QLatin1String("info") || s == QLatin1String("low"))
        return QStringLiteral("info");
    return QStringLiteral("none");
}

QString alertSubject(const metrics::Alert& alert, const MappingRules& rules) {
    QStringList parts;
    const auto [nl, ns] = firstLabel(alert, rules.namespaceLabels);
    if (!ns.isEmpty())
        parts << QStringLiteral("namespace %1").arg(ns);
    for (const MappingRules::Workload& w : rules.workloads) {
        const auto [label, value] = firstLabel(alert, w.labels);
        if (!value.isEmpty()) {
            parts << QStringLiteral("%1 %2").arg(label, value);
            break;
        }
    }
    const auto [cl, cluster] = firstLabel(alert, rules.clusterLabels);
    if (!cluster.isEmpty())
        parts << QStringLiteral("cluster %1").arg(cluster);
    if (parts.isEmpty())
        if (const QString node = alert.labels.value(QStringLiteral("node")); !node.isEmpty())
            parts << QStringLiteral("node %1").arg(node);
    return parts.join(QStringLiteral(", "));
}

} // namespace sextant::incident
