#include "sim/metricscenario.h"

#include "sim/scenario.h"
#include "sim/simmodel.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace sextant::sim {

namespace {

struct Fail {
    int line;
    std::string message;
};

[[noreturn]] void fail(const YAML::Node& n, const std::string& what) {
    throw Fail{n.Mark().line >= 0 ? n.Mark().line + 1 : 0, what};
}

double number(const YAML::Node& n, const char* key, double def) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull())
        return def;
    try {
        return v.as<double>();
    } catch (const YAML::Exception&) {
        fail(v, std::string("'") + key + "' must be a number");
    }
}

std::string text(const YAML::Node& n, const char* key, const std::string& def = {}) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull())
        return def;
    if (!v.IsScalar())
        fail(v, std::string("'") + key + "' must be a string");
    return v.as<std::string>();
}

std::vector<std::string> names(const YAML::Node& n, const char* key) {
    std::vector<std::string> out;
    const YAML::Node v = n[key];
    if (!v || v.IsNull())
        return out;
    if (!v.IsSequence())
        fail(v, std::string("'") + key + "' must be a list");
    for (const auto& i : v)
        out.push_back(i.as<std::string>());
    return out;
}

// "-38m" relative to the reference, or an RFC 3339 time.
long long when(const YAML::Node& n, const char* key, long long reference, long long def) {
    const std::string v = text(n, key);
    if (v.empty())
        return def;
    if (v == "0")
        return reference;
    if (v[0] == '-') {
        const long long ms = parseDurationMs(v.substr(1));
        if (ms < 0)
            fail(n[key],
                 "'" + std::string(key) + "' is not a time or a relative duration like -2h");
        return reference - ms / 1000;
    }
    const long long t = parseRfc3339(v);
    if (t == 0)
        fail(n[key], "'" + std::string(key) + "' is not an RFC 3339 time");
    return t;
}

// Applies the parameters a map sets onto `p`.
void applyParams(const YAML::Node& n, WorkloadParams& p) {
    p.replicas = static_cast<int>(number(n, "replicas", p.replicas));
    if (p.replicas < 1 || p.replicas > 100)
        fail(n["replicas"], "'replicas' must be between 1 and 100");
    p.requestsPerSecond = number(n, "requestsPerSecond", p.requestsPerSecond);
    p.errorRate = number(n, "errorRate", p.errorRate);
    p.notFoundRate = number(n, "notFoundRate", p.notFoundRate);
    if (p.errorRate < 0 || p.notFoundRate < 0 || p.errorRate + p.notFoundRate > 1)
        fail(n, "'errorRate' and 'notFoundRate' are shares between 0 and 1");
    p.latencySeconds = number(n, "latencySeconds", p.latencySeconds);
    if (p.latencySeconds <= 0)
        fail(n["latencySeconds"], "'latencySeconds' must be positive");
    p.cpuCores = number(n, "cpuCores", p.cpuCores);
    p.memoryBytes = number(n, "memoryBytes", p.memoryBytes);
    p.restartsPerHour = number(n, "restartsPerHour", p.restartsPerHour);
    if (p.requestsPerSecond < 0 || p.cpuCores < 0 || p.memoryBytes < 0 || p.restartsPerHour < 0)
        fail(n, "rates, CPU and memory cannot be negative");
    if (const YAML::Node h = n["http"]; h && !h.IsNull()) {
        try {
            p.http = h.as<bool>();
        } catch (const YAML::Exception&) {
            fail(h, "'http' must be true or false");
        }
    }
}

// A deterministic generator per series: std::mt19937's raw output is specified by the
// standard (the distributions are not), so the text is the same with every standard library.
struct Noise {
    std::mt19937 gen;
    explicit Noise(const std::string& key)
        : gen(static_cast<quint32>(std::stoul(hexHash(key, 8), nullptr, 16))) {}
    double uniform() { return static_cast<double>(gen()) / 4294967296.0; }
    // v × (1 ± relative), uniformly.
    double around(double v, double relative) { return v * (1 + (uniform() * 2 - 1) * relative); }
};

// Kubernetes' "safe" alphabet for generated name suffixes (no vowels, no 0/1/3).
std::string safeName(const std::string& seed, int length) {
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    const std::string h = hexHash(seed, length * 2);
    std::string out;
    for (int i = 0; i < length; ++i)
        out += alphabet[std::stoi(h.substr(static_cast<size_t>(i) * 2, 2), nullptr, 16) % 27];
    return out;
}

std::string num(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

std::string count(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.0f", std::floor(v));
    return buf;
}

// Request duration buckets (a subset of the client libraries' defaults).
const double kBounds[] = {0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
constexpr int kBoundCount = sizeof kBounds / sizeof kBounds[0];
constexpr double kLatencySigma = 0.5;

double logNormalCdf(double x, double median) {
    return 0.5 * std::erfc(-std::log(x / median) / (kLatencySigma * std::sqrt(2.0)));
}

// One pod over its lifetime in the window.
struct Pod {
    std::string name, cluster;
    const MetricWorkload* workload = nullptr;
    const MetricCluster* cluster_ = nullptr;
    long long from = 0, to = 0; // inclusive sample times
    bool afterSync = false;
    const WorkloadParams& params() const { return afterSync ? cluster_->after : cluster_->before; }
    std::string labels(const std::string& extra = {}) const {
        std::string l =
            "{cluster=\"" + cluster + "\",namespace=\"" + workload->ns + "\",pod=\"" + name + "\"";
        if (!extra.empty())
            l += "," + extra;
        return l + "}";
    }
};

} // namespace

bool parseMetricScenario(const YAML::Node& node, long long reference, MetricScenario& out,
                         MetricScenarioError* error) {
    try {
        if (!node.IsMap())
            fail(node, "'metrics' must be a map with 'workloads'");
        MetricScenario sc;
        sc.present = true;
        sc.seed = static_cast<quint32>(number(node, "seed", 1));
        sc.end = when(node, "to", reference, reference);
        sc.start = when(node, "from", reference, sc.end - 3 * 3600);
        const std::string step = text(node, "step", "30s");
        const long long stepMs = parseDurationMs(step);
        if (stepMs < 1000 || stepMs % 1000 != 0)
            fail(node["step"] ? node["step"] : node, "'step' must be whole seconds, like 30s");
        sc.stepSeconds = static_cast<int>(stepMs / 1000);
        if (sc.end <= sc.start)
            fail(node, "'from' must be before 'to'");
        if ((sc.end - sc.start) / sc.stepSeconds > 100000)
            fail(node, "the metrics window has more than 100,000 points per series");
        const YAML::Node ws = node["workloads"];
        if (!ws || !ws.IsSequence())
            fail(node, "'metrics' needs a 'workloads' list");
        for (const auto& w : ws) {
            MetricWorkload wl;
            wl.name = text(w, "name");
            wl.ns = text(w, "namespace", wl.name);
            wl.container = text(w, "container", wl.name);
            if (wl.name.empty())
                fail(w, "a metrics workload needs 'name'");
            WorkloadParams base;
            applyParams(w, base);
            const YAML::Node cs = w["clusters"];
            if (!cs || !cs.IsSequence() || cs.size() == 0)
                fail(w, "metrics workload '" + wl.name + "' needs a 'clusters' list");
            for (const auto& c : cs) {
                MetricCluster mc;
                mc.name = c.IsScalar() ? c.as<std::string>() : text(c, "name");
                if (mc.name.empty())
                    fail(c, "a metrics cluster needs 'name'");
                mc.before = base;
                if (c.IsMap()) {
                    applyParams(c, mc.before);
                    mc.syncedAt = when(c, "syncedAt", reference, 0);
                    mc.podsBefore = names(c, "podsBefore");
                    mc.podsAfter = names(c, "pods");
                }
                mc.after = mc.before;
                if (c.IsMap() && c["after"]) {
                    if (!mc.syncedAt)
                        fail(c["after"], "'after' needs 'syncedAt'");
                    applyParams(c["after"], mc.after);
                }
                if (mc.syncedAt && (mc.syncedAt <= sc.start || mc.syncedAt > sc.end))
                    fail(c["syncedAt"], "'syncedAt' is outside the metrics window");
                wl.clusters.push_back(std::move(mc));
            }
            sc.workloads.push_back(std::move(wl));
        }
        out = std::move(sc);
        return true;
    } catch (const Fail& f) {
        if (error)
            *error = {f.line, f.message};
        return false;
    } catch (const YAML::Exception& e) {
        if (error)
            *error = {e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg};
        return false;
    }
}

std::vector<std::string> metricPods(const MetricScenario& sc, const MetricWorkload& w,
                                    const MetricCluster& c, bool afterSync) {
    const auto& explicitNames = afterSync || !c.syncedAt ? c.podsAfter : c.podsBefore;
    const WorkloadParams& p = afterSync ? c.after : c.before;
    std::vector<std::string> out;
    const std::string phase = afterSync ? "after" : "before";
    const std::string hash =
        safeName(std::to_string(sc.seed) + "/" + c.name + "/" + w.ns + "/" + w.name + "/" + phase,
                 9 + static_cast<int>(w.name.size() % 2));
    for (int i = 0; i < p.replicas; ++i)
        out.push_back(static_cast<size_t>(i) < explicitNames.size()
                          ? explicitNames[static_cast<size_t>(i)]
                          : w.name + "-" + hash + "-" + safeName(hash + std::to_string(i), 5));
    return out;
}

QByteArray metricScenarioOpenMetrics(const MetricScenario& sc) {
    if (sc.workloads.empty())
        return {};
    // Every pod with the samples it exists for: without a rollout the whole window; with one,
    // the old ReplicaSet's pods until the sync and the new one's from then on.
    std::vector<Pod> pods;
    const long long step = sc.stepSeconds;
    for (const auto& w : sc.workloads)
        for (const auto& c : w.clusters) {
            auto add = [&](bool after, long long from, long long to) {
                if (to < from)
                    return;
                for (const auto& name : metricPods(sc, w, c, after)) {
                    Pod p;
                    p.name = name;
                    p.cluster = c.name;
                    p.workload = &w;
                    p.cluster_ = &c;
                    p.from = from;
                    p.to = to;
                    p.afterSync = after;
                    pods.push_back(std::move(p));
                }
            };
            if (!c.syncedAt) {
                add(false, sc.start, sc.end);
            } else {
                // Sample times are start + k·step; the new pods' first scrape is the first one
                // at or after the sync.
                const long long k = (c.syncedAt - sc.start + step - 1) / step;
                const long long firstAfter = sc.start + k * step;
                add(false, sc.start, firstAfter - step);
                add(true, firstAfter, sc.end);
            }
        }

    std::string out;
    out.reserve(pods.size() * static_cast<size_t>((sc.end - sc.start) / step + 1) * 1600);
    const double pi = 3.14159265358979323846;
    // Traffic follows a slow wave (the same shape everywhere, phase per cluster) so the charts
    // look like a real afternoon rather than flat noise.
    auto wave = [&](const Pod& p, long long t) {
        const double phase =
            static_cast<double>(std::stoul(hexHash(p.cluster, 4), nullptr, 16) % 628) / 100;
        return 1 + 0.12 * std::sin(2 * pi * static_cast<double>(t - sc.start) / 10800.0 + phase);
    };
    auto times = [&](const Pod& p, auto&& fn) {
        for (long long t = p.from; t <= p.to; t += step)
            fn(t);
    };

    // Requests by status code (float sums, written as whole counts).
    out += "# TYPE http_requests counter\n";
    for (const Pod& p : pods) {
        const WorkloadParams& wp = p.params();
        if (!wp.http)
            continue;
        const char* codes[] = {"200", "404", "500", "503"};
        for (int code = 0; code < 4; ++code) {
            Noise n(std::to_string(sc.seed) + "/req/" + p.cluster + "/" + p.name);
            Noise e(std::to_string(sc.seed) + "/err/" + p.cluster + "/" + p.name);
            double total = 0;
            const std::string labels = p.labels(std::string("code=\"") + codes[code] + "\"");
            times(p, [&](long long t) {
                const double requests = n.around(wp.requestsPerSecond * step * wave(p, t), 0.1);
                const double errors = e.around(requests * wp.errorRate, 0.25);
                const double notFound = requests * wp.notFoundRate;
                const double share[] = {requests - errors - notFound, notFound, errors * 0.7,
                                        errors * 0.3};
                total += std::max(0.0, share[code]);
                out += "http_requests_total" + labels + " " + count(total) + " " +
                       std::to_string(t) + "\n";
            });
        }
    }

    // Request durations: a log-normal around the workload's median.
    out += "# TYPE http_request_duration_seconds histogram\n";
    for (const Pod& p : pods) {
        const WorkloadParams& wp = p.params();
        if (!wp.http)
            continue;
        Noise n(std::to_string(sc.seed) + "/req/" + p.cluster + "/" + p.name);
        Noise jitter(std::to_string(sc.seed) + "/lat/" + p.cluster + "/" + p.name);
        double cumulative[kBoundCount + 1] = {};
        double sum = 0;
        double share[kBoundCount + 1];
        double previous = 0;
        for (int b = 0; b < kBoundCount; ++b) {
            const double cdf = logNormalCdf(kBounds[b], wp.latencySeconds);
            share[b] = cdf - previous;
            previous = cdf;
        }
        share[kBoundCount] = 1 - previous;
        const double meanLatency = wp.latencySeconds * std::exp(kLatencySigma * kLatencySigma / 2);
        times(p, [&](long long t) {
            const double requests = n.around(wp.requestsPerSecond * step * wave(p, t), 0.1);
            double running = 0;
            for (int b = 0; b <= kBoundCount; ++b) {
                cumulative[b] += jitter.around(requests * share[b], 0.05);
                running += cumulative[b];
                const std::string le = b < kBoundCount ? num(kBounds[b]) : std::string("+Inf");
                out += "http_request_duration_seconds_bucket" + p.labels("le=\"" + le + "\"") +
                       " " + count(running) + " " + std::to_string(t) + "\n";
            }
            sum += requests * jitter.around(meanLatency, 0.05);
            out += "http_request_duration_seconds_count" + p.labels() + " " + count(running) + " " +
                   std::to_string(t) + "\n";
            out += "http_request_duration_seconds_sum" + p.labels() + " " + num(sum) + " " +
                   std::to_string(t) + "\n";
        });
    }

    // kube-state-metrics: restarts per container.
    out += "# TYPE kube_pod_container_status_restarts counter\n";
    for (const Pod& p : pods) {
        const WorkloadParams& wp = p.params();
        Noise n(std::to_string(sc.seed) + "/restarts/" + p.cluster + "/" + p.name);
        double expected = n.uniform(); // where in its cycle the first restart falls
        int restarts = 0;
        const std::string labels = p.labels("container=\"" + p.workload->container + "\"");
        times(p, [&](long long t) {
            if (t > p.from)
                expected += wp.restartsPerHour * static_cast<double>(step) / 3600.0;
            while (expected >= 1) {
                ++restarts;
                expected -= 1;
            }
            out += "kube_pod_container_status_restarts_total" + labels + " " +
                   std::to_string(restarts) + " " + std::to_string(t) + "\n";
        });
    }

    // cAdvisor: CPU seconds and the memory working set per container.
    out += "# TYPE container_cpu_usage_seconds counter\n";
    for (const Pod& p : pods) {
        const WorkloadParams& wp = p.params();
        Noise n(std::to_string(sc.seed) + "/cpu/" + p.cluster + "/" + p.name);
        double cpu = 0;
        const std::string labels = p.labels("container=\"" + p.workload->container + "\"");
        times(p, [&](long long t) {
            cpu += static_cast<double>(step) *
                   n.around(wp.cpuCores * (0.85 + 0.15 * wave(p, t)), 0.08);
            out += "container_cpu_usage_seconds_total" + labels + " " + num(cpu) + " " +
                   std::to_string(t) + "\n";
        });
    }
    out += "# TYPE container_memory_working_set_bytes gauge\n";
    for (const Pod& p : pods) {
        const WorkloadParams& wp = p.params();
        Noise n(std::to_string(sc.seed) + "/mem/" + p.cluster + "/" + p.name);
        const std::string labels = p.labels("container=\"" + p.workload->container + "\"");
        times(p, [&](long long t) {
            // A fresh pod warms up its caches over its first half hour.
            const double age = static_cast<double>(t - p.from) / 1800.0;
            const double warm = p.from == sc.start ? 1 : 0.8 + 0.2 * std::min(1.0, age);
            out += "container_memory_working_set_bytes" + labels + " " +
                   count(n.around(wp.memoryBytes * warm, 0.02)) + " " + std::to_string(t) + "\n";
        });
    }
    out += "# EOF\n";
    return QByteArray::fromStdString(out);
}

} // namespace sextant::sim
