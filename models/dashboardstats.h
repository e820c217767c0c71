#pragma once

#include "fleet/fleetstore.h"

#include <QHash>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

#include <array>

namespace sextant::models {

// Health counts in the order of argocd::HealthStatus.
using HealthCounts = std::array<int, 6>;

struct DashboardCell {
    HealthCounts health{};
    int apps = 0;
    bool operator==(const DashboardCell&) const = default;
};

struct DashboardCluster {
    QString cluster; // AppSummary::cluster(), the value filters use
    int apps = 0;
    int synced = 0;
    int outOfSync = 0;
    int unknownSync = 0;
    int problems = 0; // FleetFilter::isProblem
    bool operator==(const DashboardCluster&) const = default;
};

// Everything the dashboard shows, computed in one pass over the store.
struct DashboardStats {
    fleet::FleetCounts total;
    QMap<QString, fleet::FleetCounts> perInstance; // instance id -> counts
    HealthCounts health{};
    QVector<DashboardCluster> clusters; // most problems first, then most apps, then name
    // Matrix: cluster -> column value -> cell. Columns are projects, or values of the `env`
    // label (an empty value = no such label).
    QHash<QString, QHash<QString, DashboardCell>> byProject;
    QHash<QString, QHash<QString, DashboardCell>> byEnv;
    QStringList projects; // sorted
    QStringList envs;     // sorted; "" last when some apps have no env label
    bool anyEnvLabel = false;

    bool operator==(const DashboardStats& other) const;

    static DashboardStats compute(const fleet::FleetStore& store,
                                  const QString& envLabel = QStringLiteral("env"));
    // Worst health with at least one application, by FleetModel::healthSeverity.
    static argocd::HealthStatus worst(const HealthCounts& counts);
};

} // namespace sextant::models
