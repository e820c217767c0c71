#include "release/releasematrix.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>

#include <algorithm>
#include <climits>
#include <map>

namespace sextant::release {

using json = nlohmann::json;

namespace {

QString str(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

const json* child(const json& j, std::initializer_list<const char*> path) {
    const json* at = &j;
    for (const char* key : path) {
        if (!at->is_object())
            return nullptr;
        const auto it = at->find(key);
        if (it == at->end())
            return nullptr;
        at = &*it;
    }
    return at;
}

QString labelValue(const QList<QPair<QString, QString>>& labels, const QString& key) {
    for (const auto& [k, v] : labels)
        if (k == key)
            return v;
    return {};
}

bool hasLabel(const QList<QPair<QString, QString>>& labels, const QString& key) {
    return std::any_of(labels.begin(), labels.end(), [&](const auto& l) { return l.first == key; });
}

// The first dash/dot separated token of a cluster name that names an environment
// ("prod-eu-1" -> prod), else empty.
QString environmentFromCluster(const QString& cluster) {
    const QStringList tokens =
        cluster.split(QRegularExpression(QStringLiteral("[-_.]")), Qt::SkipEmptyParts);
    for (const QString& t : tokens)
        if (environmentRank(t) < 100)
            return t.toLower();
    return {};
}

QString environmentOf(const argocd::AppSummary& app) {
    for (const char* key : {"env", "environment"}) {
        const QString v = labelValue(app.labels, QLatin1String(key));
        if (!v.isEmpty())
            return v;
    }
    return environmentFromCluster(app.cluster());
}

// repoURL + path with the path segment that names the environment or the cluster replaced by
// "*", so deploy/overlays/prod and deploy/overlays/stage are one component.
QString componentOf(const argocd::AppSummary& app, const QString& env, const QString& cluster) {
    if (app.repoURL.isEmpty())
        return app.name;
    QStringList segments = app.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (QString& s : segments) {
        const QString lower = s.toLower();
        if ((!env.isEmpty() && lower == env.toLower()) || (!cluster.isEmpty() && s == cluster) ||
            environmentRank(lower) < 100)
            s = QStringLiteral("*");
    }
    QString repo = app.repoURL;
    if (repo.endsWith(QLatin1String(".git")))
        repo.chop(4);
    return segments.isEmpty() ? repo : repo + QLatin1Char('/') + segments.join(QLatin1Char('/'));
}

// Most common value first; ties by first appearance.
QStringList byFrequency(const QStringList& values) {
    QStringList order;
    QHash<QString, int> counts;
    for (const QString& v : values) {
        if (v.isEmpty())
            continue;
        if (!counts.contains(v))
            order << v;
        ++counts[v];
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](const QString& a, const QString& b) { return counts[a] > counts[b]; });
    return order;
}

QString shortRevision(const QString& rev) {
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{40}$"));
    return sha.match(rev).hasMatch() ? rev.left(7) : rev;
}

bool isSynced(const argocd::AppSummary& a) {
    return a.sync == argocd::SyncStatus::Synced;
}

// The revision a cell runs as far as the list view can tell: the synced revision when in sync;
// an OutOfSync application runs something older than status.sync.revision, unknown here.
QString runningRevision(const argocd::AppSummary& a) {
    return isSynced(a) ? a.syncRevision : QString();
}

QString stepDescription(const json& expressions) {
    QStringList parts;
    if (!expressions.is_array())
        return {};
    for (const json& e : expressions) {
        if (!e.is_object())
            continue;
        QStringList values;
        if (const auto it = e.find("values"); it != e.end() && it->is_array())
            for (const json& v : *it)
                if (v.is_string())
                    values << QString::fromStdString(v.get<std::string>());
        parts << QStringLiteral("%1 %2 (%3)")
                     .arg(str(e, "key"), str(e, "operator"), values.join(QStringLiteral(", ")));
    }
    return parts.join(QStringLiteral(", "));
}

struct CellSeverity {
    int rank;
    QString text;
};

} // namespace

bool RollingStep::matches(const QList<QPair<QString, QString>>& labels) const {
    // Argo CD builds a Kubernetes label selector from the expressions: every expression must
    // hold (AND); In needs the label with one of the values; NotIn holds when the label is
    // absent or has none of the values. An empty list selects everything.
    if (!matchExpressions.is_array())
        return false;
    for (const json& e : matchExpressions) {
        if (!e.is_object())
            return false;
        const QString key = str(e, "key");
        const QString op = str(e, "operator");
        QStringList values;
        if (const auto it = e.find("values"); it != e.end() && it->is_array())
            for (const json& v : *it)
                if (v.is_string())
                    values << QString::fromStdString(v.get<std::string>());
        const bool present = hasLabel(labels, key);
        const QString value = labelValue(labels, key);
        if (op == QLatin1String("In")) {
            if (!present || !values.contains(value))
                return false;
        } else if (op == QLatin1String("NotIn")) {
            if (present && values.contains(value))
                return false;
        } else if (op == QLatin1String("Exists")) {
            if (!present)
                return false;
        } else if (op == QLatin1String("DoesNotExist")) {
            if (present)
                return false;
        } else {
            return false; // an operator Argo CD would reject selects nothing
        }
    }
    return true;
}

namespace {

struct AppStepStatus {
    int step = 0;
    StepStatus status = StepStatus::None;
    QString message;
};

// Column names: destination.name, else a short name for the server URL — "in-cluster" for
// kubernetes.default.svc (as Argo CD names it), else the host's first DNS label after a leading
// "api." (https://api.prod-eu-1.k8s.example.net:6443 -> prod-eu-1), which is also what a
// Prometheus `cluster` label usually says. Names that would collide keep the full host.
QHash<QString, QString> clusterNames(const QVector<argocd::AppSummary>& apps) {
    QHash<QString, QString> shortOf; // server -> short
    QHash<QString, QSet<QString>> serversOf;
    for (const argocd::AppSummary& a : apps) {
        if (!a.destName.isEmpty() || a.destServer.isEmpty() || shortOf.contains(a.destServer))
            continue;
        const QUrl url(a.destServer);
        QString host = url.host();
        QString name;
        if (host == QLatin1String("kubernetes.default.svc"))
            name = QStringLiteral("in-cluster");
        else if (host.isEmpty())
            name = a.destServer;
        else {
            if (host.startsWith(QLatin1String("api.")))
                host = host.mid(4);
            static const QRegularExpression ip(QStringLiteral("^[0-9.]+$|:"));
            name =
                ip.match(host).hasMatch() ? url.authority() : host.section(QLatin1Char('.'), 0, 0);
        }
        shortOf.insert(a.destServer, name);
        serversOf[name].insert(a.destServer);
    }
    for (const argocd::AppSummary& a : apps)
        if (!a.destName.isEmpty())
            serversOf[a.destName].insert(QStringLiteral("name:") + a.destName);
    for (auto it = shortOf.begin(); it != shortOf.end(); ++it)
        if (serversOf.value(it.value()).size() > 1)
            it.value() =
                QUrl(it.key()).authority().isEmpty() ? it.key() : QUrl(it.key()).authority();
    return shortOf;
}

// Lays out the matrix; `statuses` maps application names to their applicationStatus entry.
ReleaseMatrix layOut(ReleaseMatrix m, const QVector<argocd::AppSummary>& apps,
                     const QHash<QString, AppStepStatus>& statuses) {
    const QHash<QString, QString> names = clusterNames(apps);
    // Cells, with their step.
    QHash<QString, QHash<QString, int>> slot; // component -> cluster -> cell
    for (const argocd::AppSummary& app : apps) {
        ReleaseCell c;
        c.app = app;
        c.cluster =
            app.destName.isEmpty() ? names.value(app.destServer, app.destServer) : app.destName;
        c.environment = environmentOf(app);
        if (c.environment.isEmpty())
            c.environment = environmentFromCluster(c.cluster);
        c.component = componentOf(app, c.environment, c.cluster);
        if (slot.value(c.component).contains(c.cluster))
            c.component = app.name; // two applications of one source on one cluster
        if (const auto it = statuses.find(app.name); it != statuses.end()) {
            c.step = it->step;
            c.stepStatus = it->status;
            c.stepMessage = it->message;
        }
        if (c.step == 0 && m.rollingSync)
            for (const RollingStep& s : m.steps)
                if (s.matches(app.labels)) {
                    c.step = s.index;
                    break;
                }
        slot[c.component].insert(c.cluster, int(m.cells.size()));
        m.cells.push_back(c);
    }

    // Columns: one per cluster, ordered by step, environment and name.
    QHash<QString, int> columnOf;
    for (const ReleaseCell& c : m.cells) {
        if (!columnOf.contains(c.cluster)) {
            columnOf.insert(c.cluster, int(m.columns.size()));
            ReleaseColumn col;
            col.cluster = c.cluster;
            col.step = c.step;
            m.columns.push_back(col);
        }
        ReleaseColumn& col = m.columns[columnOf[c.cluster]];
        if (c.step > 0 && (col.step == 0 || c.step < col.step))
            col.step = c.step;
    }
    for (ReleaseColumn& col : m.columns) {
        QStringList envs;
        for (const ReleaseCell& c : m.cells)
            if (c.cluster == col.cluster)
                envs << c.environment;
        col.environment = byFrequency(envs).value(0);
    }
    std::sort(
        m.columns.begin(), m.columns.end(), [](const ReleaseColumn& a, const ReleaseColumn& b) {
            const int sa = a.step == 0 ? INT_MAX : a.step, sb = b.step == 0 ? INT_MAX : b.step;
            if (sa != sb)
                return sa < sb;
            const int ea = environmentRank(a.environment), eb = environmentRank(b.environment);
            if (ea != eb)
                return ea < eb;
            if (a.environment != b.environment)
                return a.environment < b.environment;
            return a.cluster < b.cluster;
        });
    columnOf.clear();
    for (int i = 0; i < m.columns.size(); ++i)
        columnOf.insert(m.columns[i].cluster, i);

    // Rows.
    QStringList components = slot.keys();
    std::sort(components.begin(), components.end());
    for (const QString& component : components) {
        ReleaseRow row;
        row.component = component;
        row.cells = QVector<int>(m.columns.size(), -1);
        const QHash<QString, int>& byCluster = slot[component];
        for (auto it = byCluster.begin(); it != byCluster.end(); ++it)
            row.cells[columnOf[it.key()]] = it.value();
        m.rows.push_back(row);
    }

    // The release revision per row (docs/release-review.md, "Which revision is the release"):
    // 1. RollingSync status: the synced revision of the most advanced step whose cells are
    //    Progressing or Healthy (majority of its Synced cells);
    // 2. else the revision of the most recently synced Synced cell;
    // 3. else the majority of the lowest step's revisions.
    for (ReleaseRow& row : m.rows) {
        QVector<int> cells;
        for (int i : row.cells)
            if (i >= 0)
                cells << i;
        int advanced = -1;
        for (int i : cells) {
            const ReleaseCell& c = m.cells[i];
            if ((c.stepStatus == StepStatus::Progressing || c.stepStatus == StepStatus::Healthy) &&
                isSynced(c.app) && !c.app.syncRevision.isEmpty())
                advanced = std::max(advanced, c.step);
        }
        if (advanced >= 0) {
            QStringList revs;
            for (int i : cells) {
                const ReleaseCell& c = m.cells[i];
                if (c.step == advanced && isSynced(c.app) &&
                    (c.stepStatus == StepStatus::Progressing ||
                     c.stepStatus == StepStatus::Healthy))
                    revs << c.app.syncRevision;
            }
            row.releaseRevision = byFrequency(revs).value(0);
        }
        if (row.releaseRevision.isEmpty()) {
            QDateTime newest;
            for (int i : cells) {
                const argocd::AppSummary& a = m.cells[i].app;
                const QDateTime t =
                    a.operationFinishedAt.isValid() ? a.operationFinishedAt : a.operationStartedAt;
                if (isSynced(a) && !a.syncRevision.isEmpty() && t.isValid() &&
                    (!newest.isValid() || t > newest)) {
                    newest = t;
                    row.releaseRevision = a.syncRevision;
                }
            }
        }
        if (row.releaseRevision.isEmpty()) {
            int lowest = INT_MAX;
            for (int i : cells)
                lowest = std::min(lowest, m.cells[i].step);
            QStringList revs;
            for (int i : cells)
                if (m.cells[i].step == lowest)
                    revs << m.cells[i].app.syncRevision;
            row.releaseRevision = byFrequency(revs).value(0);
        }
        QStringList previous, releaseImages, previousImages;
        for (int i : cells) {
            ReleaseCell& c = m.cells[i];
            c.onReleaseRevision = isSynced(c.app) && !row.releaseRevision.isEmpty() &&
                                  c.app.syncRevision == row.releaseRevision;
            QStringList images = c.app.images;
            images.sort();
            (c.onReleaseRevision ? releaseImages : previousImages)
                << images.join(QLatin1Char('\n'));
            if (!c.onReleaseRevision)
                previous << runningRevision(c.app);
        }
        row.previousRevision = byFrequency(previous).value(0);
        row.releaseImages =
            byFrequency(releaseImages).value(0).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        row.previousImages =
            byFrequency(previousImages).value(0).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }

    // The current step: the lowest step whose cells are not all done (Healthy in the rollout,
    // or — without a RollingSync status — Healthy on the release revision).
    if (m.rollingSync) {
        QMap<int, bool> done;
        for (const ReleaseCell& c : m.cells) {
            if (c.step <= 0)
                continue;
            const bool cellDone = c.stepStatus == StepStatus::Healthy ||
                                  (c.stepStatus == StepStatus::None && c.onReleaseRevision &&
                                   c.app.health == argocd::HealthStatus::Healthy);
            done[c.step] = done.value(c.step, true) && cellDone;
        }
        for (auto it = done.begin(); it != done.end(); ++it)
            if (!it.value()) {
                m.currentStep = it.key();
                break;
            }
    }

    // Outliers, most serious first.
    std::vector<CellSeverity> outliers;
    for (const ReleaseRow& row : m.rows) {
        QVector<int> cells;
        for (int i : row.cells)
            if (i >= 0)
                cells << i;
        for (int i : cells) {
            ReleaseCell& c = m.cells[i];
            const QString who = QStringLiteral("%1 on %2").arg(c.app.name, c.cluster);
            bool othersHealthy = cells.size() > 1;
            for (int j : cells)
                if (j != i && m.cells[j].app.health != argocd::HealthStatus::Healthy)
                    othersHealthy = false;
            const QString rest =
                othersHealthy ? QStringLiteral(" while the rest of its row is Healthy") : QString();
            if (c.app.syncFailed()) {
                const QString text = QStringLiteral("%1: the sync %2%3")
                                         .arg(who,
                                              c.app.operationPhase == argocd::OperationPhase::Error
                                                  ? QStringLiteral("ended in an error")
                                                  : QStringLiteral("failed"),
                                              rest);
                c.outlierReasons << text;
                outliers.push_back({0, text});
            }
            if (c.app.health == argocd::HealthStatus::Degraded) {
                QString text = QStringLiteral("%1 is Degraded%2").arg(who, rest);
                if (!c.app.healthMessage.isEmpty())
                    text += QStringLiteral(": ") + c.app.healthMessage;
                c.outlierReasons << text;
                outliers.push_back({0, text});
            } else if (c.app.health == argocd::HealthStatus::Missing) {
                const QString text =
                    QStringLiteral("%1 is Missing: its resources do not exist on the cluster")
                        .arg(who);
                c.outlierReasons << text;
                outliers.push_back({1, text});
            }
            // Revisions: a cell on a third revision, or one that differs from every other cell
            // of its environment while those agree. Cells on the release revision are the
            // rollout's canaries, not outliers.
            const QString rev = runningRevision(c.app);
            if (rev.isEmpty() || c.onReleaseRevision)
                continue;
            if (!row.previousRevision.isEmpty() && rev != row.previousRevision) {
                const QString text =
                    QStringLiteral("%1 runs %2, neither the release %3 nor the "
                                   "previous %4")
                        .arg(who, shortRevision(rev), shortRevision(row.releaseRevision),
                             shortRevision(row.previousRevision));
                c.outlierReasons << text;
                outliers.push_back({2, text});
                continue;
            }
            QStringList others;
            for (int j : cells)
                if (j != i && m.cells[j].environment == c.environment)
                    others << runningRevision(m.cells[j].app);
            if (others.size() >= 2 && byFrequency(others).size() == 1 &&
                !others.contains(QString()) && others.first() != rev) {
                const QString text =
                    QStringLiteral("%1 runs %2 while the rest of %3 runs %4")
                        .arg(who, shortRevision(rev),
                             c.environment.isEmpty() ? QStringLiteral("its environment")
                                                     : c.environment,
                             shortRevision(others.first()));
                c.outlierReasons << text;
                outliers.push_back({2, text});
            }
        }
    }
    std::stable_sort(outliers.begin(), outliers.end(),
                     [](const CellSeverity& a, const CellSeverity& b) { return a.rank < b.rank; });
    for (const CellSeverity& o : outliers)
        m.outliers << o.text;
    return m;
}

} // namespace

Result<ReleaseMatrix> buildReleaseMatrix(const json& appset,
                                         const QVector<argocd::AppSummary>& apps) {
    if (!appset.is_object() || !child(appset, {"metadata", "name"}))
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("the ApplicationSet object has no metadata.name"));
    ReleaseMatrix m;
    m.name = str(appset["metadata"], "name");
    if (!apps.isEmpty())
        m.instance = apps.first().instance;

    if (const json* strategy = child(appset, {"spec", "strategy"}); strategy) {
        if (str(*strategy, "type") == QLatin1String("RollingSync")) {
            m.rollingSync = true;
            if (const json* steps = child(*strategy, {"rollingSync", "steps"});
                steps && steps->is_array()) {
                int index = 0;
                for (const json& s : *steps) {
                    RollingStep step;
                    step.index = ++index;
                    if (const auto it = s.find("matchExpressions"); it != s.end() && it->is_array())
                        step.matchExpressions = *it;
                    step.description = stepDescription(step.matchExpressions);
                    if (const auto it = s.find("maxUpdate"); it != s.end()) {
                        if (it->is_string())
                            step.maxUpdate = QString::fromStdString(it->get<std::string>());
                        else if (it->is_number_integer())
                            step.maxUpdate = QString::number(it->get<long long>());
                    }
                    m.steps.push_back(step);
                }
            }
        }
    }

    // Which applications the set owns: status.resources and status.applicationStatus name
    // them; without either, the template's literal labels select them.
    QSet<QString> owned;
    QHash<QString, QString> ownedNamespace;
    if (const json* resources = child(appset, {"status", "resources"});
        resources && resources->is_array())
        for (const json& r : *resources)
            if (r.is_object() && str(r, "kind") == QLatin1String("Application")) {
                owned.insert(str(r, "name"));
                ownedNamespace.insert(str(r, "name"), str(r, "namespace"));
            }
    QHash<QString, AppStepStatus> statuses;
    if (const json* st = child(appset, {"status", "applicationStatus"}); st && st->is_array())
        for (const json& s : *st) {
            if (!s.is_object())
                continue;
            const QString name = str(s, "application");
            if (name.isEmpty())
                continue;
            AppStepStatus a;
            // `step` is a string in the API ("1"); tolerate a number.
            if (const auto it = s.find("step"); it != s.end()) {
                if (it->is_string())
                    a.step = QString::fromStdString(it->get<std::string>()).toInt();
                else if (it->is_number_integer())
                    a.step = int(it->get<long long>());
            }
            a.status = stepStatusFromString(str(s, "status"));
            a.message = str(s, "message");
            statuses.insert(name, a);
            owned.insert(name);
        }

    QVector<argocd::AppSummary> mine;
    if (!owned.isEmpty()) {
        QSet<QString> found;
        for (const argocd::AppSummary& a : apps) {
            if (!owned.contains(a.name))
                continue;
            const QString ns = ownedNamespace.value(a.name);
            if (!ns.isEmpty() && !a.appNamespace.isEmpty() && ns != a.appNamespace)
                continue;
            mine << a;
            found.insert(a.name);
        }
        QStringList lacking;
        for (const QString& n : owned)
            if (!found.contains(n))
                lacking << n;
        lacking.sort();
        for (const QString& n : lacking)
            m.notes << QStringLiteral("%1 is listed in the ApplicationSet's status but not in the "
                                      "fleet (deleted, or outside the namespaces you can read)")
                           .arg(n);
    } else {
        QList<QPair<QString, QString>> required;
        if (const json* labels = child(appset, {"spec", "template", "metadata", "labels"});
            labels && labels->is_object())
            for (auto it = labels->begin(); it != labels->end(); ++it)
                if (it->is_string()) {
                    const QString v = QString::fromStdString(it->get<std::string>());
                    if (!v.contains(QLatin1String("{{")))
                        required.append({QString::fromStdString(it.key()), v});
                }
        if (required.isEmpty()) {
            m.notes << QStringLiteral("the ApplicationSet's status names no applications and its "
                                      "template has no fixed labels to find them by");
        } else {
            for (const argocd::AppSummary& a : apps) {
                const bool all = std::all_of(required.begin(), required.end(), [&](const auto& r) {
                    return hasLabel(a.labels, r.first) && labelValue(a.labels, r.first) == r.second;
                });
                if (all)
                    mine << a;
            }
            m.notes << QStringLiteral("the ApplicationSet's status names no applications; they "
                                      "were found by the template's labels");
        }
    }
    if (mine.isEmpty())
        m.notes << QStringLiteral("no application of the fleet belongs to this ApplicationSet");
    return layOut(std::move(m), mine, statuses);
}

ReleaseMatrix buildReleaseMatrix(const QString& name, const QVector<argocd::AppSummary>& apps) {
    ReleaseMatrix m;
    m.name = name;
    if (!apps.isEmpty())
        m.instance = apps.first().instance;
    return layOut(std::move(m), apps, {});
}

namespace {

// The version a person recognises: image tags (a digest shortened), else the short revision.
QString versionOf(const argocd::AppSummary& a) {
    QStringList tags;
    for (const QString& image : a.images) {
        const int at = image.indexOf(QLatin1Char('@'));
        if (at >= 0) {
            tags << image.mid(at + 1).section(QLatin1Char(':'), -1).left(12);
            continue;
        }
        const int slash = image.lastIndexOf(QLatin1Char('/'));
        const int colon = image.lastIndexOf(QLatin1Char(':'));
        tags << (colon > slash ? image.mid(colon + 1) : QStringLiteral("latest"));
    }
    tags.removeDuplicates();
    tags.sort();
    if (!tags.isEmpty())
        return tags.join(QStringLiteral(", "));
    if (!a.syncRevision.isEmpty())
        return shortRevision(a.syncRevision);
    return a.targetRevision;
}

} // namespace

VersionMatrix buildVersionMatrix(const QVector<argocd::AppSummary>& apps) {
    VersionMatrix vm;
    // component -> environment -> versions
    std::map<QString, std::map<QString, QStringList>> table;
    QSet<QString> envs;
    for (const argocd::AppSummary& a : apps) {
        QString env = environmentOf(a);
        if (env.isEmpty())
            env = QStringLiteral("other");
        envs.insert(env);
        table[componentOf(a, env, a.cluster())][env] << versionOf(a);
    }
    vm.environments = envs.values();
    std::sort(vm.environments.begin(), vm.environments.end(),
              [](const QString& a, const QString& b) {
                  const int ra = environmentRank(a), rb = environmentRank(b);
                  return ra != rb ? ra < rb : a < b;
              });
    for (const auto& [component, byEnv] : table) {
        VersionRow row;
        row.component = component;
        for (const QString& env : vm.environments) {
            const auto it = byEnv.find(env);
            if (it == byEnv.end())
                continue;
            VersionCell cell;
            cell.environment = env;
            cell.apps = int(it->second.size());
            cell.versions = byFrequency(it->second);
            row.environments.push_back(cell);
        }
        QStringList tops;
        for (const VersionCell& c : row.environments)
            tops << c.versions.value(0);
        tops.removeDuplicates();
        row.drift = tops.size() > 1;
        if (row.drift) {
            // Most promoted environment first: "prod runs 1.4.2, stage runs 1.5.0".
            QStringList parts;
            for (auto it = row.environments.rbegin(); it != row.environments.rend(); ++it)
                parts << QStringLiteral("%1 runs %2").arg(it->environment, it->versions.value(0));
            row.driftDescription = parts.join(QStringLiteral(", "));
        }
        vm.rows.push_back(row);
    }
    return vm;
}

AppSetSummary summariseAppSet(const QString& instance, const json& appset) {
    AppSetSummary s;
    s.instance = instance;
    if (!appset.is_object())
        return s;
    if (const json* md = child(appset, {"metadata"}); md && md->is_object()) {
        s.name = str(*md, "name");
        s.appsetNamespace = str(*md, "namespace");
    }
    s.strategy = QStringLiteral("AllAtOnce");
    if (const json* strategy = child(appset, {"spec", "strategy"});
        strategy && strategy->is_object()) {
        const QString type = str(*strategy, "type");
        if (!type.isEmpty())
            s.strategy = type;
        if (const json* steps = child(*strategy, {"rollingSync", "steps"});
            steps && steps->is_array())
            s.steps = int(steps->size());
    }
    QSet<QString> apps;
    if (const json* resources = child(appset, {"status", "resources"});
        resources && resources->is_array())
        for (const json& r : *resources)
            if (r.is_object() && str(r, "kind") == QLatin1String("Application"))
                apps.insert(str(r, "name"));
    if (const json* st = child(appset, {"status", "applicationStatus"}); st && st->is_array()) {
        QMap<int, bool> healthy;
        for (const json& a : *st) {
            if (!a.is_object())
                continue;
            apps.insert(str(a, "application"));
            int step = 0;
            if (const auto it = a.find("step"); it != a.end())
                step = it->is_string() ? QString::fromStdString(it->get<std::string>()).toInt()
                                       : (it->is_number_integer() ? int(it->get<long long>()) : 0);
            if (step <= 0)
                continue;
            healthy[step] =
                healthy.value(step, true) && str(a, "status") == QLatin1String("Healthy");
        }
        for (auto it = healthy.begin(); it != healthy.end(); ++it)
            if (!it.value()) {
                s.currentStep = it.key();
                break;
            }
    }
    apps.remove(QString());
    s.applications = int(apps.size());
    if (s.applications == 0)
        if (const json* count = child(appset, {"status", "resourcesCount"});
            count && count->is_number_integer())
            s.applications = int(count->get<long long>());
    if (const json* h = child(appset, {"status", "health", "status"}); h && h->is_string())
        s.health = QString::fromStdString(h->get<std::string>());
    // The most telling condition: an error first, then the rollout's progress.
    if (const json* conditions = child(appset, {"status", "conditions"});
        conditions && conditions->is_array()) {
        QString error, progress;
        for (const json& c : *conditions) {
            if (!c.is_object() || str(c, "status") != QLatin1String("True"))
                continue;
            const QString type = str(c, "type");
            if (type == QLatin1String("ErrorOccurred") && error.isEmpty())
                error = str(c, "message");
            else if (type == QLatin1String("RolloutProgressing") && progress.isEmpty())
                progress = str(c, "message");
        }
        s.message = !error.isEmpty() ? error : progress;
    }
    return s;
}

} // namespace sextant::release
