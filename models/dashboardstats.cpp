#include "dashboardstats.h"

#include "fleet/fleetfilter.h"
#include "fleetmodel.h"

#include <QSet>

#include <algorithm>

namespace sextant::models {

using argocd::AppSummary;
using argocd::HealthStatus;
using argocd::SyncStatus;

static bool countsEqual(const fleet::FleetCounts& a, const fleet::FleetCounts& b) {
    return a.apps == b.apps && a.outOfSync == b.outOfSync && a.degraded == b.degraded &&
           a.progressing == b.progressing && a.syncFailed == b.syncFailed;
}

bool DashboardStats::operator==(const DashboardStats& o) const {
    if (!countsEqual(total, o.total) || health != o.health || clusters != o.clusters ||
        projects != o.projects || envs != o.envs || anyEnvLabel != o.anyEnvLabel ||
        byProject != o.byProject || byEnv != o.byEnv || perInstance.keys() != o.perInstance.keys())
        return false;
    for (auto it = perInstance.cbegin(); it != perInstance.cend(); ++it) {
        if (!countsEqual(it.value(), o.perInstance.value(it.key())))
            return false;
    }
    return true;
}

HealthStatus DashboardStats::worst(const HealthCounts& counts) {
    HealthStatus worstHealth = HealthStatus::Healthy;
    int worstSeverity = -1;
    for (int h = 0; h < int(counts.size()); ++h) {
        if (counts[h] == 0)
            continue;
        const int severity = FleetModel::healthSeverity(HealthStatus(h));
        if (severity > worstSeverity) {
            worstSeverity = severity;
            worstHealth = HealthStatus(h);
        }
    }
    return worstHealth;
}

namespace {

// Maps strings to dense indices. The parser interns cluster, project, instance and label
// strings, so rows with equal values share one buffer: the buffer address finds the index
// without hashing the text (a pointer hit is exact because the store keeps every buffer alive
// during compute). Strings that are not shared fall back to the text hash.
class Indexer {
public:
    int index(const QString& s) {
        const QChar* data = s.constData();
        if (data == m_lastData && s.size() == m_lastSize)
            return m_last;
        int result;
        const auto byPointer = m_byPointer.constFind(data);
        if (byPointer != m_byPointer.cend() && m_names.at(*byPointer).size() == s.size()) {
            result = *byPointer;
        } else {
            auto it = m_index.constFind(s);
            if (it == m_index.cend()) {
                it = m_index.insert(s, int(m_names.size()));
                m_names.append(s);
            }
            result = *it;
            if (m_byPointer.size() < 4096) // unshared strings must not grow this without bound
                m_byPointer.insert(data, result);
        }
        m_lastData = data;
        m_lastSize = s.size();
        m_last = result;
        return result;
    }
    const QStringList& names() const { return m_names; }

private:
    QHash<QString, int> m_index;
    QHash<const QChar*, int> m_byPointer;
    QStringList m_names;
    const QChar* m_lastData = nullptr;
    qsizetype m_lastSize = -1;
    int m_last = -1;
};

struct ClusterAccumulator {
    DashboardCluster totals;
    QVector<DashboardCell> byProject; // by project index
    QVector<DashboardCell> byEnv;     // by env index
};

void add(QVector<DashboardCell>& cells, int index, HealthStatus health) {
    if (cells.size() <= index)
        cells.resize(index + 1);
    DashboardCell& cell = cells[index];
    ++cell.apps;
    ++cell.health[int(health)];
}

} // namespace

DashboardStats DashboardStats::compute(const fleet::FleetStore& store, const QString& envLabel) {
    DashboardStats s;
    Indexer clusters, projects, envs, instances;
    QVector<ClusterAccumulator> acc;
    QVector<fleet::FleetCounts> perInstance;

    const int n = store.size();
    for (int row = 0; row < n; ++row) {
        const AppSummary& app = store.at(row);
        const bool outOfSync = app.sync == SyncStatus::OutOfSync;
        const bool degraded = app.health == HealthStatus::Degraded;
        const bool progressing = app.health == HealthStatus::Progressing;
        const bool failed = app.syncFailed();

        const int ii = instances.index(app.instance);
        if (perInstance.size() <= ii)
            perInstance.resize(ii + 1);
        for (fleet::FleetCounts* c : {&s.total, &perInstance[ii]}) {
            ++c->apps;
            c->outOfSync += outOfSync;
            c->degraded += degraded;
            c->progressing += progressing;
            c->syncFailed += failed;
        }
        ++s.health[int(app.health)];

        const int ci = clusters.index(app.destName.isEmpty() ? app.destServer : app.destName);
        if (acc.size() <= ci)
            acc.resize(ci + 1);
        ClusterAccumulator& a = acc[ci];
        ++a.totals.apps;
        a.totals.synced += app.sync == SyncStatus::Synced;
        a.totals.outOfSync += outOfSync;
        a.totals.unknownSync += app.sync == SyncStatus::Unknown;
        a.totals.problems += fleet::FleetFilter::isProblem(app);

        add(a.byProject, projects.index(app.project), app.health);

        static const QString noEnv;
        const QString* env = &noEnv;
        for (const auto& label : app.labels) {
            if (label.first == envLabel) {
                env = &label.second;
                s.anyEnvLabel = true;
                break;
            }
        }
        add(a.byEnv, envs.index(*env), app.health);
    }

    for (int i = 0; i < perInstance.size(); ++i)
        s.perInstance.insert(instances.names().at(i), perInstance.at(i));
    s.clusters.reserve(acc.size());
    for (int ci = 0; ci < acc.size(); ++ci) {
        const QString& cluster = clusters.names().at(ci);
        acc[ci].totals.cluster = cluster;
        s.clusters.append(acc[ci].totals);
        auto& projectRow = s.byProject[cluster];
        for (int pi = 0; pi < acc[ci].byProject.size(); ++pi)
            if (acc[ci].byProject[pi].apps > 0)
                projectRow.insert(projects.names().at(pi), acc[ci].byProject[pi]);
        auto& envRow = s.byEnv[cluster];
        for (int ei = 0; ei < acc[ci].byEnv.size(); ++ei)
            if (acc[ci].byEnv[ei].apps > 0)
                envRow.insert(envs.names().at(ei), acc[ci].byEnv[ei]);
    }

    std::sort(s.clusters.begin(), s.clusters.end(),
              [](const DashboardCluster& a, const DashboardCluster& b) {
                  if (a.problems != b.problems)
                      return a.problems > b.problems;
                  if (a.apps != b.apps)
                      return a.apps > b.apps;
                  return a.cluster < b.cluster;
              });
    s.projects = projects.names();
    s.projects.sort();
    QStringList envNames = envs.names();
    const bool noEnvValue = envNames.removeAll(QString()) > 0;
    envNames.sort();
    if (noEnvValue)
        envNames.append(QString());
    s.envs = envNames;
    return s;
}

} // namespace sextant::models
