#pragma once

// The simulator's metrics scenario (docs/simulator.md, "Metrics scenario"): what the workloads
// of a scenario export to Prometheus over a window before the scenario's reference time — HTTP
// requests by status code, request durations, restarts, CPU and memory per pod, the way an
// application's /metrics, kube-state-metrics and cAdvisor would — written as OpenMetrics text
// with explicit timestamps for `promtool tsdb create-blocks-from openmetrics`.
//
// The scenario is data (the `metrics:` section of the scenario YAML), not code per application,
// so a test scenario can describe its own. Output is deterministic: the same scenario, seed and
// reference time give byte-identical text.

#include <QByteArray>
#include <QtGlobal>

#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace sextant::sim {

// What one pod of a workload does, per pod. A cluster entry overrides any of these for the
// whole window, and its `after:` block overrides them from its sync onwards.
struct WorkloadParams {
    int replicas = 2;
    double requestsPerSecond = 20; // per pod
    double errorRate = 0.003;      // share of requests answered 5xx (500 and 503)
    double notFoundRate = 0.01;    // share answered 404 (a client error, not a failure)
    double latencySeconds = 0.08;  // median request duration (log-normal, sigma 0.5)
    double cpuCores = 0.25;        // CPU used per pod
    double memoryBytes = 256e6;    // working set per pod
    double restartsPerHour = 0;    // container restarts per pod
    bool http = true;              // false = the pods export no HTTP metrics at all
};

struct MetricCluster {
    std::string name;       // the `cluster` label
    WorkloadParams before;  // until `syncedAt` (the whole window when there is no sync)
    WorkloadParams after;   // from `syncedAt` on
    long long syncedAt = 0; // epoch seconds; 0 = no rollout in the window
    // Pod names before and after the rollout (a sync replaces the ReplicaSet, so the pods get a
    // new template hash); empty = derived like Kubernetes names them.
    std::vector<std::string> podsBefore, podsAfter;
};

struct MetricWorkload {
    std::string name;      // pod name prefix (the Deployment)
    std::string ns;        // the `namespace` label
    std::string container; // the `container` label of cAdvisor/kube-state-metrics series
    std::vector<MetricCluster> clusters;
};

struct MetricScenario {
    bool present = false;
    quint32 seed = 1;
    long long start = 0;  // epoch seconds of the first sample
    long long end = 0;    // epoch seconds of the last sample (the reference time by default)
    int stepSeconds = 30; // scrape interval
    std::vector<MetricWorkload> workloads;
};

// Parses the `metrics:` section; `reference` is the scenario's reference time (relative times
// such as "-38m" count back from it). On bad input: false, with the line and the message.
struct MetricScenarioError {
    int line = 0;
    std::string message;
};
bool parseMetricScenario(const YAML::Node& node, long long reference, MetricScenario& out,
                         MetricScenarioError* error);

// The scenario as OpenMetrics text: families contiguous, every series' points in time order,
// "# EOF" at the end. Empty when the scenario has no workloads.
QByteArray metricScenarioOpenMetrics(const MetricScenario& scenario);

// The pod names a cluster entry uses before/after its rollout (the explicit ones, else derived:
// "<workload>-<template hash>-<suffix>").
std::vector<std::string> metricPods(const MetricScenario& scenario, const MetricWorkload& w,
                                    const MetricCluster& c, bool afterSync);

} // namespace sextant::sim
