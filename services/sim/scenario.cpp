#include "sim/scenario.h"

#include "core/yamljson.h"

#include <yaml-cpp/yaml.h>

#include <QCryptographicHash>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <stdexcept>
#include <unordered_set>

namespace sextant::sim {

using nlohmann::json;

namespace {

constexpr long long kFixedReference = 1768467600; // 2026-01-15T09:00:00Z

// A scenario error that knows where it happened.
struct ScenarioError : std::runtime_error {
    int line;
    ScenarioError(const std::string& what, int l)
        : std::runtime_error(what)
        , line(l) {}
};

[[noreturn]] void fail(const YAML::Node& n, const std::string& what) {
    throw ScenarioError(what, n.Mark().line >= 0 ? n.Mark().line + 1 : 0);
}

Str str(const YAML::Node& n, const char* key, const Str& def = {}) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull())
        return def;
    if (!v.IsScalar())
        fail(v, std::string("'") + key + "' must be a string");
    return v.as<std::string>();
}

bool boolean(const YAML::Node& n, const char* key, bool def = false) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull())
        return def;
    try {
        return v.as<bool>();
    } catch (const YAML::Exception&) {
        fail(v, std::string("'") + key + "' must be true or false");
    }
}

long long integer(const YAML::Node& n, const char* key, long long def = 0) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull())
        return def;
    try {
        return v.as<long long>();
    } catch (const YAML::Exception&) {
        fail(v, std::string("'") + key + "' must be a number");
    }
}

std::vector<Str> strings(const YAML::Node& n, const char* key) {
    std::vector<Str> out;
    const YAML::Node v = n[key];
    if (!v || v.IsNull())
        return out;
    if (!v.IsSequence())
        fail(v, std::string("'") + key + "' must be a list");
    for (const auto& i : v)
        out.push_back(i.as<std::string>());
    return out;
}

KV stringMap(const YAML::Node& n, const char* key) {
    KV out;
    const YAML::Node v = n[key];
    if (!v || v.IsNull())
        return out;
    if (!v.IsMap())
        fail(v, std::string("'") + key + "' must be a map");
    for (const auto& kv : v)
        out.emplace_back(kv.first.as<std::string>(),
                         kv.second.IsNull() ? Str() : kv.second.as<std::string>());
    std::sort(out.begin(), out.end());
    return out;
}

void oneOf(const YAML::Node& n, const char* key, const Str& value,
           std::initializer_list<const char*> allowed) {
    if (value.empty())
        return;
    for (const char* a : allowed)
        if (value == a)
            return;
    Str list;
    for (const char* a : allowed)
        list += (list.empty() ? "" : ", ") + Str(a);
    fail(n[key] ? n[key] : n, "'" + Str(key) + "' is '" + value + "', expected one of: " + list);
}

// "2026-01-01T10:00:00Z" as is; "-2h" / "-90s" relative to the reference time.
Str timeValue(const YAML::Node& n, const char* key, long long ref, const Str& def = {}) {
    const Str v = str(n, key);
    if (v.empty())
        return def;
    if (v[0] == '-') {
        const long long ms = parseDurationMs(v.substr(1));
        if (ms < 0)
            fail(n[key], "'" + Str(key) + "' is not a time or a relative duration like -2h");
        return rfc3339(ref - ms / 1000);
    }
    if (parseRfc3339(v) == 0)
        fail(n[key], "'" + Str(key) + "' is not an RFC 3339 time");
    return v;
}

// ApplicationSet spec/status are taken verbatim, except that time fields (keys ending in "Time",
// "Timestamp" or "At") may be relative like "-38m", as everywhere else in a scenario.
void resolveRelativeTimes(json& j, long long ref) {
    if (j.is_array()) {
        for (auto& v : j)
            resolveRelativeTimes(v, ref);
        return;
    }
    if (!j.is_object())
        return;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const Str& k = it.key();
        auto endsWith = [&k](const char* suffix) {
            const size_t n = std::strlen(suffix);
            return k.size() >= n && k.compare(k.size() - n, n, suffix) == 0;
        };
        if (it->is_string() && (endsWith("Time") || endsWith("Timestamp") || endsWith("At"))) {
            const Str v = it->get<Str>();
            if (v.size() > 1 && v[0] == '-') {
                const long long ms = parseDurationMs(v.substr(1));
                if (ms >= 0)
                    *it = rfc3339(ref - ms / 1000);
            }
        } else {
            resolveRelativeTimes(*it, ref);
        }
    }
}

Str base64Url(const QByteArray& in) {
    return in.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)
        .toStdString();
}

// ---- deterministic random ------------------------------------------------------------------

struct Rng {
    std::mt19937 gen;
    explicit Rng(quint32 seed)
        : gen(seed) {}
    quint32 next() { return static_cast<quint32>(gen()); }
    int below(int n) { return n <= 0 ? 0 : static_cast<int>(next() % static_cast<quint32>(n)); }
    Str hex(int len) {
        static const char digits[] = "0123456789abcdef";
        Str s(static_cast<size_t>(len), '0');
        for (int i = 0; i < len; i += 8) {
            quint32 v = next();
            for (int k = 0; k < 8 && i + k < len; ++k, v >>= 4)
                s[static_cast<size_t>(i + k)] = digits[v & 15];
        }
        return s;
    }
};

const char* const kTeams[] = {"payments", "checkout", "search",    "catalog",       "identity",
                              "billing",  "shipping", "inventory", "notifications", "analytics",
                              "platform", "frontend", "ledger",    "fraud",         "pricing",
                              "reviews",  "media",    "gateway",   "orders",        "loyalty"};
const char* const kServices[] = {"api",      "worker",   "web",      "gateway",  "scheduler",
                                 "consumer", "cache",    "indexer",  "exporter", "admin",
                                 "sync",     "notifier", "reporter", "auth",     "router",
                                 "ingest",   "graphql",  "cron",     "proxy",    "stream"};
const char* const kRegions[] = {"euw1", "euc1", "use1", "usw2", "apse1"};
const char* const kInstanceNames[] = {"prod-eu", "prod-us", "staging", "prod-ap", "dev"};
const char* const kTiers[] = {"frontend", "backend", "data"};

} // namespace

long long parseDurationMs(const Str& text) {
    if (text.empty())
        return -1;
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
        ++i;
    if (i == 0)
        return -1;
    const double v = std::atof(text.substr(0, i).c_str());
    const Str unit = text.substr(i);
    if (unit == "ms")
        return static_cast<long long>(v);
    if (unit == "s" || unit.empty())
        return static_cast<long long>(v * 1000);
    if (unit == "m")
        return static_cast<long long>(v * 60000);
    if (unit == "h")
        return static_cast<long long>(v * 3600000);
    if (unit == "d")
        return static_cast<long long>(v * 86400000);
    return -1;
}

Str makeToken(const Str& instance, const Str& user, int serial, long long issuedAt) {
    const json header{{"alg", "HS256"}, {"typ", "JWT"}};
    const Str jti = uidFor(instance + ":" + user + ":" + std::to_string(serial));
    const json payload{{"iss", "argocd"}, {"sub", user + ":login"},  {"nbf", issuedAt},
                       {"iat", issuedAt}, {"exp", issuedAt + 86400}, {"jti", jti}};
    const Str h = base64Url(QByteArray::fromStdString(header.dump()));
    const Str p = base64Url(QByteArray::fromStdString(payload.dump()));
    const Str sig = base64Url(QCryptographicHash::hash(QByteArray::fromStdString(h + "." + p + jti),
                                                       QCryptographicHash::Sha256));
    return h + "." + p + "." + sig;
}

// ---- generator -----------------------------------------------------------------------------

static Instance makeInstance(const Str& name, quint32 seed, long long ref) {
    Instance inst;
    inst.name = name;
    inst.password = "sim-" + hexHash(name + std::to_string(seed), 10);
    inst.token = makeToken(name, inst.username, 0, ref);
    return inst;
}

static json makeProject(const Str& name, const Str& description, const std::vector<Str>& repos,
                        const std::vector<std::pair<Str, Str>>& destinations, const json& windows,
                        const std::vector<Str>& sourceNamespaces, const Str& created) {
    json dests = json::array();
    for (const auto& [server, ns] : destinations)
        dests.push_back(json{{"server", server}, {"namespace", ns}});
    json spec{{"description", description},
              {"sourceRepos", repos},
              {"destinations", dests},
              {"clusterResourceWhitelist", json::array({json{{"group", "*"}, {"kind", "*"}}})}};
    if (!windows.empty())
        spec["syncWindows"] = windows;
    if (!sourceNamespaces.empty())
        spec["sourceNamespaces"] = sourceNamespaces;
    return json{
        {"metadata", json{{"name", name},
                          {"namespace", "argocd"},
                          {"uid", uidFor("project:" + name)},
                          {"resourceVersion", std::to_string(5000 + std::hash<Str>{}(name) % 1000)},
                          {"generation", 3},
                          {"creationTimestamp", created}}},
        {"spec", spec},
        {"status", json::object()}};
}

void generateFleet(Scenario& sc, const GeneratorOptions& o, bool keepExisting);

void generateFleet(Scenario& sc, const GeneratorOptions& o) {
    generateFleet(sc, o, false);
}

void generateFleet(Scenario& sc, const GeneratorOptions& o, bool keepExisting) {
    const long long ref = o.referenceTime > 0 ? o.referenceTime : kFixedReference;
    if (sc.referenceTime.empty())
        sc.referenceTime = rfc3339(ref);
    Rng rng(o.seed);
    const int nInst = std::max(1, o.instances);
    if (!keepExisting)
        sc.instances.clear();
    for (int i = static_cast<int>(sc.instances.size()); i < nInst; ++i)
        sc.instances.push_back(makeInstance(
            i < 5 ? Str(kInstanceNames[i]) : "argocd-" + std::to_string(i + 1), o.seed, ref));

    // Clusters: env dev/stage/prod, split between instances (prod clusters to prod instances).
    std::vector<int> prodInstances, otherInstances;
    for (int i = 0; i < static_cast<int>(sc.instances.size()); ++i)
        (sc.instances[static_cast<size_t>(i)].name.find("prod") != Str::npos ? prodInstances
                                                                             : otherInstances)
            .push_back(i);
    const bool split = !prodInstances.empty() && !otherInstances.empty();
    std::vector<std::vector<const Cluster*>> clustersOf(sc.instances.size());
    std::vector<Cluster> generated;
    generated.reserve(static_cast<size_t>(std::max(1, o.clusters)));
    int prodRR = 0, otherRR = 0, allRR = 0;
    for (int c = 0; c < std::max(1, o.clusters); ++c) {
        Cluster cl;
        const Str env = c % 10 < 3 ? "dev" : (c % 10 < 5 ? "stage" : "prod");
        const Str region = kRegions[c % 5];
        char num[16];
        std::snprintf(num, sizeof num, "%02d", c / 5 + 1);
        cl.name = env + "-" + region + "-" + num;
        cl.server = "https://api." + cl.name + ".k8s.example.net:6443";
        cl.labels = {{"env", env}, {"region", region}};
        std::sort(cl.labels.begin(), cl.labels.end());
        cl.serverVersion = "v1." + std::to_string(29 + c % 3) + "." + std::to_string(2 + c % 7);
        int owner;
        if (split)
            owner = env == "prod"
                        ? prodInstances[static_cast<size_t>(prodRR++) % prodInstances.size()]
                        : otherInstances[static_cast<size_t>(otherRR++) % otherInstances.size()];
        else
            owner = allRR++ % static_cast<int>(sc.instances.size());
        cl.instances = {sc.instances[static_cast<size_t>(owner)].name};
        generated.push_back(cl);
    }
    for (auto& inst : sc.instances) {
        if (!keepExisting || inst.clusters.empty()) {
            Cluster in;
            in.name = "in-cluster";
            in.server = "https://kubernetes.default.svc";
            inst.clusters.push_back(in);
        }
    }
    for (const auto& cl : generated)
        for (auto& inst : sc.instances)
            if (cl.instances.empty() || cl.instances.front() == inst.name)
                inst.clusters.push_back(cl);
    for (size_t i = 0; i < sc.instances.size(); ++i)
        for (const auto& cl : sc.instances[i].clusters)
            if (cl.name != "in-cluster")
                clustersOf[i].push_back(&cl);

    // Projects: one per team plus default.
    const Str projectCreated = rfc3339(ref - 400 * 86400);
    for (auto& inst : sc.instances) {
        auto has = [&](const Str& n) {
            for (const auto& p : inst.projects)
                if (p["metadata"]["name"] == n)
                    return true;
            return false;
        };
        if (!has("default"))
            inst.projects.push_back(
                makeProject("default", "", {"*"}, {{"*", "*"}}, json::array(), {}, projectCreated));
        for (const char* team : kTeams) {
            if (has(team))
                continue;
            json windows = json::array();
            if (std::hash<Str>{}(team) % 4 == 0)
                windows.push_back(json{{"kind", "deny"},
                                       {"schedule", "0 2 * * 6"},
                                       {"duration", "2h"},
                                       {"applications", json::array({"*"})},
                                       {"manualSync", true},
                                       {"timeZone", "UTC"},
                                       {"description", "weekend maintenance"}});
            inst.projects.push_back(makeProject(
                team, "Services of the " + Str(team) + " team",
                {"https://git.example.com/" + Str(team) + "/*",
                 "https://git.example.com/platform/charts.git", "https://charts.example.com"},
                {{"*", team}, {"*", Str(team) + "-*"}}, windows, {}, projectCreated));
        }
    }

    std::vector<std::unordered_set<Str>> used(sc.instances.size());
    for (size_t i = 0; i < sc.instances.size(); ++i)
        for (const auto& a : sc.instances[i].apps)
            used[i].insert(a.name);
    for (size_t i = 0; i < sc.instances.size(); ++i)
        sc.instances[i].apps.reserve(sc.instances[i].apps.size() +
                                     static_cast<size_t>(o.apps / nInst + 1));

    for (int n = 0; n < o.apps; ++n) {
        const size_t ii = static_cast<size_t>(n % static_cast<int>(sc.instances.size()));
        Instance& inst = sc.instances[ii];
        const auto& cls = clustersOf[ii];
        const Str team = kTeams[rng.below(20)];
        const Str service = kServices[rng.below(20)];
        const Cluster* cl = cls.empty()
                                ? &inst.clusters.front()
                                : cls[static_cast<size_t>(rng.below(static_cast<int>(cls.size())))];
        Str env = "prod";
        for (const auto& [k, v] : cl->labels)
            if (k == "env")
                env = v;
        Str name = team + "-" + service + "-" + cl->name;
        for (int k = 2; used[ii].count(name); ++k)
            name = team + "-" + service + "-" + cl->name + "-" + std::to_string(k);
        used[ii].insert(name);

        App a;
        a.name = name;
        a.project = team;
        a.uid = uidFor(inst.name + "/" + name);
        a.creationTimestamp = rfc3339(ref - (30 + rng.below(370)) * 86400 - rng.below(86400));
        a.labels = {{"env", env}, {"team", team}, {"tier", kTiers[rng.below(3)]}};
        std::sort(a.labels.begin(), a.labels.end());
        if (rng.below(4) == 0)
            a.annotations = {
                {"notifications.argoproj.io/subscribe.on-sync-failed.slack", team + "-alerts"}};
        a.destServer = cl->server;
        a.destNamespace = team;

        // Sources: 70% one, 20% two, 10% three.
        const int kind = rng.below(10);
        const Str gitRepo = "https://git.example.com/" + team + "/" + service + ".git";
        const Str chartVersion =
            "1." + std::to_string(rng.below(12)) + "." + std::to_string(rng.below(20));
        if (kind < 4) {
            auto s = std::make_shared<Source>();
            s->repoURL = gitRepo;
            s->path = "deploy/overlays/" + env;
            s->targetRevision = env == "prod" ? "main" : "HEAD";
            s->kustomize = true;
            a.sources.push_back(s);
        } else if (kind < 7) {
            auto s = std::make_shared<Source>();
            s->repoURL = "https://git.example.com/platform/charts.git";
            s->path = "charts/" + service;
            s->targetRevision = "main";
            s->helm = true;
            s->helmReleaseName = name;
            s->helmValueFiles = {"values.yaml", "values-" + env + ".yaml"};
            a.sources.push_back(s);
        } else {
            a.multiSource = true;
            auto chart = std::make_shared<Source>();
            chart->repoURL = "https://charts.example.com";
            chart->chart = service;
            chart->targetRevision = chartVersion;
            chart->helm = true;
            chart->helmValueFiles = {"$values/" + team + "/" + service + "/values-" + env +
                                     ".yaml"};
            auto values = std::make_shared<Source>();
            values->repoURL = "https://git.example.com/" + team + "/config.git";
            values->targetRevision = "main";
            values->ref = "values";
            a.sources = {chart, values};
            if (kind == 9) {
                auto extra = std::make_shared<Source>();
                extra->repoURL = gitRepo;
                extra->path = "deploy/extras/" + env;
                extra->targetRevision = "main";
                a.sources.push_back(extra);
            }
        }

        if (rng.below(10) < 4) {
            a.automated = true;
            a.prune = rng.below(2) == 0;
            a.selfHeal = rng.below(2) == 0;
        }
        if (rng.below(3) == 0)
            a.syncOptions = {"CreateNamespace=true"};
        if (rng.below(5) == 0)
            a.syncOptions.push_back("ServerSideApply=true");
        if (rng.below(4) == 0)
            a.retryLimit = 5;

        // History: 3-10 entries, ids increasing, newest last.
        const int hcount = 3 + rng.below(8);
        long long t = ref - static_cast<long long>(hcount) * (6 * 3600 + rng.below(72 * 3600));
        long long id = 1 + rng.below(200);
        const Str registry = "registry.example.com/" + team + "/" + service;
        int minor = rng.below(30);
        for (int h = 0; h < hcount; ++h) {
            HistoryEntry e;
            e.id = id++;
            if (a.multiSource) {
                for (const auto& s : a.sources)
                    e.revisions.push_back(s->chart.empty() ? rng.hex(40) : s->targetRevision);
                e.multiSource = true;
            } else {
                e.revision = rng.hex(40);
            }
            e.sources = a.sources;
            e.deployStartedAt = rfc3339(t);
            e.deployedAt = rfc3339(t + 1 + rng.below(40));
            if (a.automated && rng.below(2) == 0)
                e.initiatedBy.automated = true;
            else
                e.initiatedBy.username = rng.below(3) == 0 ? "ci-bot" : "admin";
            e.images = {registry + ":v2." + std::to_string(minor++) + "." +
                        std::to_string(rng.below(10))};
            a.history.push_back(std::move(e));
            t += 3600 + rng.below(48 * 3600);
            if (t > ref - 600)
                t = ref - 600 - rng.below(3000);
        }
        const HistoryEntry& last = a.history.back();
        a.syncRevision = last.revision;
        a.syncRevisions = last.revisions;
        a.reconciledAt = rfc3339(ref - rng.below(180));

        Resource dep;
        dep.group = "apps";
        dep.kind = "Deployment";
        dep.ns = team;
        dep.name = name.substr(0, std::min<size_t>(name.size(), 50));
        dep.name = team + "-" + service;
        dep.replicas = 1 + rng.below(3);
        dep.images = last.images;
        if (rng.below(5) == 0)
            dep.images.push_back("registry.example.com/platform/envoy:v1.31." +
                                 std::to_string(rng.below(5)));
        dep.health = "Healthy";
        Resource svc;
        svc.kind = "Service";
        svc.ns = team;
        svc.name = dep.name;
        svc.health = "Healthy";
        a.resources.push_back(svc);
        if (rng.below(2) == 0) {
            Resource cm;
            cm.kind = "ConfigMap";
            cm.ns = team;
            cm.name = dep.name + "-config";
            cm.data = {{"LOG_LEVEL", "info"}, {"FEATURE_FLAGS", "search-v2,fast-checkout"}};
            a.resources.push_back(cm);
        }
        const int bucket = rng.below(1000);
        const bool hpa = env == "prod" && rng.below(5) == 0;
        a.opState = std::make_shared<OperationState>();
        a.opState->phase = "Succeeded";
        a.opState->message = "successfully synced (all tasks run)";
        a.opState->startedAt = last.deployStartedAt;
        a.opState->finishedAt = last.deployedAt;
        a.opState->op.revision = last.revision;
        a.opState->op.revisions = last.revisions;
        a.opState->op.initiatedBy = last.initiatedBy;
        a.opState->op.syncOptions = a.syncOptions;
        a.opState->hasResult = true;
        a.opState->resultRevision = last.revision;
        a.opState->resultRevisions = last.revisions;
        if (bucket < 930) {
            // Synced and Healthy.
        } else if (bucket < 960) {
            a.syncStatus = "OutOfSync";
            dep.status = "OutOfSync";
            dep.liveReplicas = dep.replicas + 1 + rng.below(3);
            if (bucket < 940) {
                a.opState->phase = "Failed";
                a.opState->message =
                    "one or more objects failed to apply, reason: admission webhook "
                    "\"validate.kyverno.svc-fail\" denied the request: resource Deployment/" +
                    team + "/" + dep.name +
                    " was blocked due to the following policies require-requests-limits: "
                    "autogen-validate-resources: 'validation error: CPU and memory resource "
                    "requests and limits are required'";
                a.opState->results = {
                    ResultResource{"apps", "v1", "Deployment", team, dep.name, "SyncFailed",
                                   "admission webhook \"validate.kyverno.svc-fail\" denied the "
                                   "request: resource Deployment/" +
                                       team + "/" + dep.name + " was blocked",
                                   "", "Failed", "Sync"}};
                a.opState->startedAt = rfc3339(ref - 1800);
                a.opState->finishedAt = rfc3339(ref - 1790);
                a.opState->op.revision = a.multiSource ? Str() : rng.hex(40);
            }
        } else if (bucket < 980) {
            a.health = "Degraded";
            dep.health = "Degraded";
            dep.healthMessage = "Deployment \"" + dep.name + "\" exceeded its progress deadline";
            a.healthMessage = dep.healthMessage;
        } else if (bucket < 995) {
            a.health = "Progressing";
            dep.health = "Progressing";
            dep.healthMessage = "Waiting for rollout to finish: 1 of " +
                                std::to_string(dep.replicas + 1) +
                                " updated replicas are available...";
            dep.replicas += 1;
        } else if (bucket < 998) {
            a.syncStatus = "OutOfSync";
            a.health = "Missing";
            for (auto& r : a.resources) {
                r.status = "OutOfSync";
                r.health = r.kind == "Service" ? "Missing" : "";
            }
            dep.status = "OutOfSync";
            dep.health = "Missing";
        } else {
            a.syncStatus = "Unknown";
            a.conditions.push_back(
                Condition{"ComparisonError",
                          "Failed to load target state: failed to generate manifest for source 1 "
                          "of 1: rpc error: code = Unknown desc = unable to resolve git revision "
                          "release-2024: reference not found",
                          rfc3339(ref - 900)});
        }
        if (a.health != "Healthy")
            a.healthTransition = rfc3339(ref - 600 - rng.below(7200));
        else
            a.healthTransition = last.deployedAt;
        a.resources.insert(a.resources.begin(), dep);
        if (hpa) {
            Resource h;
            h.group = "autoscaling";
            h.version = "v2";
            h.kind = "HorizontalPodAutoscaler";
            h.ns = team;
            h.name = dep.name;
            h.health = "Healthy";
            a.resources.push_back(h);
        }
        std::sort(a.resources.begin(), a.resources.end(), [](const Resource& x, const Resource& y) {
            return std::tie(x.group, x.kind, x.name) < std::tie(y.group, y.kind, y.name);
        });
        a.rv = inst.nextRv();
        inst.apps.push_back(std::move(a));
    }

    // One ApplicationSet per team per instance, owning that team's generated apps.
    for (auto& inst : sc.instances) {
        std::map<Str, std::vector<const App*>> byTeam;
        for (const auto& a : inst.apps)
            byTeam[a.project].push_back(&a);
        for (const auto& [team, apps] : byTeam) {
            bool exists = false;
            for (const auto& s : inst.appsets)
                exists = exists || s["metadata"]["name"] == team + "-services";
            if (exists || std::find(std::begin(kTeams), std::end(kTeams), team) == std::end(kTeams))
                continue;
            json resources = json::array();
            int healthy = 0;
            for (const App* a : apps) {
                if (resources.size() < 5000)
                    resources.push_back(json{{"group", "argoproj.io"},
                                             {"version", "v1alpha1"},
                                             {"kind", "Application"},
                                             {"namespace", a->ns},
                                             {"name", a->name},
                                             {"status", a->syncStatus},
                                             {"health", json{{"status", a->health}}}});
                healthy += a->health == "Healthy";
            }
            const Str created = rfc3339(ref - 300 * 86400);
            json appset{
                {"metadata",
                 json{{"name", team + "-services"},
                      {"namespace", "argocd"},
                      {"uid", uidFor(inst.name + "/appset/" + team)},
                      {"resourceVersion", std::to_string(7000 + std::hash<Str>{}(team) % 1000)},
                      {"generation", 4},
                      {"creationTimestamp", created}}},
                {"spec",
                 json{{"goTemplate", true},
                      {"generators",
                       json::array(
                           {json{{"clusters",
                                  json{{"selector", json{{"matchLabels",
                                                          json{{"sextant.example.com/team-" + team,
                                                                "enabled"}}}}}}}}})},
                      {"template",
                       json{{"metadata", json{{"name", team + "-{{.values.service}}-{{.name}}"},
                                              {"labels", json{{"team", team}}}}},
                            {"spec",
                             json{{"project", team},
                                  {"source",
                                   json{{"repoURL", "https://git.example.com/" + team +
                                                        "/{{.values.service}}.git"},
                                        {"path",
                                         "deploy/overlays/{{index .metadata.labels \"env\"}}"},
                                        {"targetRevision", "main"}}},
                                  {"destination",
                                   json{{"server", "{{.server}}"}, {"namespace", team}}}}}}},
                      {"strategy",
                       json{{"type", "RollingSync"},
                            {"rollingSync",
                             json{{"steps",
                                   json::array({json{{"matchExpressions",
                                                      json::array({json{
                                                          {"key", "env"},
                                                          {"operator", "In"},
                                                          {"values", json::array({"dev"})}}})}},
                                                json{{"matchExpressions",
                                                      json::array({json{
                                                          {"key", "env"},
                                                          {"operator", "In"},
                                                          {"values", json::array({"stage"})}}})}},
                                                json{{"matchExpressions",
                                                      json::array({json{
                                                          {"key", "env"},
                                                          {"operator", "In"},
                                                          {"values", json::array({"prod"})}}})},
                                                     {"maxUpdate", "25%"}}})}}}}}}},
                {"status",
                 json{{"conditions",
                       json::array(
                           {json{{"type", "ErrorOccurred"},
                                 {"status", "False"},
                                 {"reason", "ApplicationSetUpToDate"},
                                 {"message", "All applications have been generated successfully"},
                                 {"lastTransitionTime", created}},
                            json{{"type", "ParametersGenerated"},
                                 {"status", "True"},
                                 {"reason", "ParametersGenerated"},
                                 {"message",
                                  "Successfully generated parameters for all Applications"},
                                 {"lastTransitionTime", created}},
                            json{{"type", "ResourcesUpToDate"},
                                 {"status", "True"},
                                 {"reason", "ApplicationSetUpToDate"},
                                 {"message", "All applications have been generated successfully"},
                                 {"lastTransitionTime", created}}})},
                      {"resources", resources},
                      {"resourcesCount", static_cast<int>(apps.size())},
                      {"health",
                       json{{"status", healthy == static_cast<int>(apps.size()) ? "Healthy"
                                                                                : "Degraded"}}}}}};
            inst.appsets.push_back(appset);
        }
        inst.sortAndIndex();
    }
}

// ---- YAML scenario -------------------------------------------------------------------------

static SourcePtr parseSource(const YAML::Node& n) {
    if (!n.IsMap())
        fail(n, "a source must be a map");
    auto s = std::make_shared<Source>();
    s->repoURL = str(n, "repoURL");
    if (s->repoURL.empty())
        fail(n, "a source needs 'repoURL'");
    s->path = str(n, "path");
    s->targetRevision = str(n, "targetRevision", "HEAD");
    s->chart = str(n, "chart");
    s->ref = str(n, "ref");
    s->name = str(n, "name");
    if (const auto h = n["helm"]) {
        s->helm = true;
        s->helmReleaseName = str(h, "releaseName");
        s->helmValues = str(h, "values");
        s->helmValueFiles = strings(h, "valueFiles");
        if (const auto p = h["parameters"])
            for (const auto& kv : p)
                s->helmParameters.emplace_back(str(kv, "name"), str(kv, "value"));
    }
    if (const auto k = n["kustomize"]) {
        s->kustomize = true;
        s->kustomizeNamePrefix = str(k, "namePrefix");
        s->kustomizeImages = strings(k, "images");
    }
    if (!s->helm && !s->kustomize && s->chart.empty() && s->path.find("overlays") != Str::npos)
        s->kustomize = true;
    return s;
}

static Initiator parseInitiator(const YAML::Node& n) {
    Initiator i;
    if (!n || n.IsNull())
        return i;
    if (n.IsScalar()) {
        const Str v = n.as<std::string>();
        if (v == "automated")
            i.automated = true;
        else
            i.username = v;
        return i;
    }
    i.username = str(n, "username");
    i.automated = boolean(n, "automated");
    return i;
}

static ResultResource parseResult(const YAML::Node& n) {
    ResultResource r;
    r.group = str(n, "group");
    r.version = str(n, "version", "v1");
    r.kind = str(n, "kind");
    r.ns = str(n, "namespace");
    r.name = str(n, "name");
    r.status = str(n, "status");
    r.message = str(n, "message");
    r.hookType = str(n, "hookType");
    r.hookPhase = str(n, "hookPhase", r.hookType.empty() ? "Running" : "");
    r.syncPhase = str(n, "syncPhase", r.hookType.empty() ? "Sync" : r.hookType);
    oneOf(n, "status", r.status, {"Synced", "SyncFailed", "Pruned", "PruneSkipped"});
    oneOf(n, "hookPhase", r.hookPhase, {"Running", "Succeeded", "Failed", "Error", "Terminating"});
    return r;
}

static const char* const kHealth[] = {"Healthy",   "Progressing", "Degraded",
                                      "Suspended", "Missing",     "Unknown"};

static void checkHealth(const YAML::Node& n, const char* key, const Str& v) {
    oneOf(n, key, v, {"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"});
}

static Resource parseResource(const YAML::Node& n, const App& app) {
    Resource r;
    r.group = str(n, "group");
    r.version = str(n, "version", "v1");
    r.kind = str(n, "kind");
    if (r.kind.empty())
        fail(n, "a resource needs 'kind'");
    r.name = str(n, "name");
    if (r.name.empty())
        fail(n, "a resource needs 'name'");
    r.ns = str(n, "namespace", app.destNamespace);
    r.status = str(n, "status", "Synced");
    oneOf(n, "status", r.status, {"Synced", "OutOfSync", "Unknown"});
    const bool workload =
        r.kind == "Deployment" || r.kind == "StatefulSet" || r.kind == "Service" ||
        r.kind == "Job" || r.kind == "PersistentVolumeClaim" ||
        r.kind == "HorizontalPodAutoscaler" || r.kind == "DaemonSet" || r.kind == "Ingress";
    r.health = str(n, "health", workload ? "Healthy" : "");
    checkHealth(n, "health", r.health);
    r.healthMessage = str(n, "healthMessage");
    r.hook = boolean(n, "hook");
    r.hookType = str(n, "hookType");
    r.syncWave = static_cast<int>(integer(n, "syncWave"));
    r.requiresPruning = boolean(n, "requiresPruning");
    r.replicas = static_cast<int>(
        integer(n, "replicas", r.kind == "Deployment" || r.kind == "StatefulSet" ? 1 : -1));
    r.liveReplicas = static_cast<int>(integer(n, "liveReplicas", -1));
    r.images = strings(n, "images");
    r.data = stringMap(n, "data");
    r.liveData = stringMap(n, "liveData");
    r.sinceHistoryId = integer(n, "since");
    if (const auto pods = n["pods"]) {
        for (const auto& p : pods) {
            PodInfo pi;
            pi.name = str(p, "name");
            if (pi.name.empty())
                fail(p, "a pod needs 'name'");
            pi.health = str(p, "health", "Healthy");
            checkHealth(p, "health", pi.health);
            pi.healthMessage = str(p, "healthMessage");
            pi.statusReason = str(p, "statusReason", "Running");
            pi.containers = str(p, "containers", pi.health == "Healthy" ? "1/1" : "0/1");
            pi.restarts = static_cast<int>(integer(p, "restarts"));
            pi.images = strings(p, "images");
            pi.node = str(p, "node", "node-" + hexHash(pi.name, 2));
            if (const auto last = p["lastTerminated"]) {
                if (!last.IsMap())
                    fail(last, "'lastTerminated' must be a map: {reason, exitCode}");
                pi.lastTerminatedReason = str(last, "reason", "Error");
                pi.lastTerminatedExitCode = static_cast<int>(integer(last, "exitCode", 1));
            }
            r.pods.push_back(pi);
        }
    }
    return r;
}

static void parseApp(const YAML::Node& n, Scenario& sc, long long ref) {
    if (!n.IsMap())
        fail(n, "an application must be a map");
    App a;
    a.name = str(n, "name");
    if (a.name.empty())
        fail(n, "an application needs 'name'");
    const Str instName =
        str(n, "instance", sc.instances.empty() ? Str() : sc.instances.front().name);
    Instance* inst = nullptr;
    for (auto& i : sc.instances)
        if (i.name == instName)
            inst = &i;
    if (!inst)
        fail(n["instance"] ? n["instance"] : n,
             "application '" + a.name + "' names unknown instance '" + instName + "'");
    a.ns = str(n, "namespace", "argocd");
    a.project = str(n, "project", "default");
    a.uid = uidFor(inst->name + "/" + a.ns + "/" + a.name);
    a.labels = stringMap(n, "labels");
    a.annotations = stringMap(n, "annotations");
    a.creationTimestamp = timeValue(n, "creationTimestamp", ref, rfc3339(ref - 200 * 86400));
    if (const auto d = n["destination"]) {
        a.destServer = str(d, "server");
        a.destName = str(d, "name");
        a.destNamespace = str(d, "namespace");
        if (a.destServer.empty() && a.destName.empty())
            fail(d, "'destination' needs 'server' or 'name'");
    } else {
        fail(n, "application '" + a.name + "' needs 'destination'");
    }
    if (const auto s = n["source"])
        a.sources.push_back(parseSource(s));
    if (const auto s = n["sources"]) {
        if (!s.IsSequence())
            fail(s, "'sources' must be a list");
        a.multiSource = true;
        for (const auto& i : s)
            a.sources.push_back(parseSource(i));
    }
    if (a.sources.empty())
        fail(n, "application '" + a.name + "' needs 'source' or 'sources'");
    if (const auto p = n["syncPolicy"]) {
        if (const auto au = p["automated"]) {
            a.automated = true;
            a.prune = boolean(au, "prune");
            a.selfHeal = boolean(au, "selfHeal");
            a.automatedEnabled = boolean(au, "enabled", true);
        }
        a.syncOptions = strings(p, "syncOptions");
        if (const auto r = p["retry"])
            a.retryLimit = static_cast<int>(integer(r, "limit", 5));
    }
    if (const auto rs = n["resources"]) {
        for (const auto& r : rs)
            a.resources.push_back(parseResource(r, a));
    } else {
        Resource dep;
        dep.group = "apps";
        dep.kind = "Deployment";
        dep.ns = a.destNamespace;
        dep.name = a.name;
        dep.replicas = 2;
        dep.health = "Healthy";
        dep.images = {"registry.example.com/" + a.project + "/" + a.name + ":v1.0.0"};
        Resource svc;
        svc.kind = "Service";
        svc.ns = a.destNamespace;
        svc.name = a.name;
        svc.health = "Healthy";
        a.resources = {svc, dep};
    }

    const YAML::Node st = n["status"];
    const YAML::Node empty;
    const YAML::Node& s = st ? st : empty;
    a.syncStatus = st ? str(s, "sync", "Synced") : "Synced";
    oneOf(s, "sync", a.syncStatus, {"Synced", "OutOfSync", "Unknown"});
    a.health = st ? str(s, "health", "Healthy") : "Healthy";
    checkHealth(s, "health", a.health);
    a.healthMessage = st ? str(s, "healthMessage") : Str();
    a.reconciledAt = st ? timeValue(s, "reconciledAt", ref, rfc3339(ref - 60)) : rfc3339(ref - 60);

    // History: explicit, or four deterministic entries.
    if (st && s["history"]) {
        long long lastId = 0;
        for (const auto& h : s["history"]) {
            HistoryEntry e;
            e.id = integer(h, "id", lastId + 1);
            if (e.id <= lastId)
                fail(h, "history ids must increase");
            lastId = e.id;
            e.revision = str(h, "revision");
            e.revisions = strings(h, "revisions");
            if (e.revision.empty() && e.revisions.empty())
                e.revision = hexHash(a.name + std::to_string(e.id), 40);
            e.deployedAt = timeValue(h, "deployedAt", ref, rfc3339(ref - (20 - e.id % 20) * 3600));
            e.deployStartedAt =
                timeValue(h, "deployStartedAt", ref, rfc3339(parseRfc3339(e.deployedAt) - 4));
            e.initiatedBy = parseInitiator(h["initiatedBy"]);
            if (e.initiatedBy.username.empty() && !e.initiatedBy.automated)
                e.initiatedBy.username = "admin";
            e.images = strings(h, "images");
            e.author = str(h, "author");
            e.message = str(h, "message");
            e.sources = a.sources;
            e.multiSource = a.multiSource;
            if (a.multiSource && e.revisions.empty())
                for (size_t k = 0; k < a.sources.size(); ++k)
                    e.revisions.push_back(
                        hexHash(a.name + std::to_string(e.id) + std::to_string(k), 40));
            a.history.push_back(e);
        }
    } else {
        for (int k = 0; k < 4; ++k) {
            HistoryEntry e;
            e.id = k + 1;
            e.sources = a.sources;
            e.multiSource = a.multiSource;
            if (a.multiSource)
                for (size_t j = 0; j < a.sources.size(); ++j)
                    e.revisions.push_back(
                        hexHash(a.name + std::to_string(e.id) + std::to_string(j), 40));
            else
                e.revision = hexHash(a.name + std::to_string(e.id), 40);
            e.deployedAt = rfc3339(ref - (4 - k) * 86400);
            e.deployStartedAt = rfc3339(ref - (4 - k) * 86400 - 5);
            e.initiatedBy.username = "admin";
            a.history.push_back(e);
        }
    }
    a.syncRevision = st ? str(s, "revision") : Str();
    if (a.syncRevision.empty() && !a.history.empty()) {
        a.syncRevision = a.history.back().revision;
        a.syncRevisions = a.history.back().revisions;
    }
    if (st && s["conditions"])
        for (const auto& c : s["conditions"]) {
            Condition cond{str(c, "type"), str(c, "message"),
                           timeValue(c, "lastTransitionTime", ref, rfc3339(ref - 300))};
            oneOf(c, "type", cond.type,
                  {"InvalidSpecError", "ComparisonError", "SyncError", "DeletionError",
                   "UnknownError", "SharedResourceWarning", "RepeatedResourceWarning",
                   "ExcludedResourceWarning", "OrphanedResourceWarning"});
            a.conditions.push_back(cond);
        }
    a.healthTransition = a.health == "Healthy" && !a.history.empty() ? a.history.back().deployedAt
                                                                     : rfc3339(ref - 900);

    a.opState = std::make_shared<OperationState>();
    auto& op = *a.opState;
    op.hasResult = true;
    if (st && s["operationState"]) {
        const auto o = s["operationState"];
        op.phase = str(o, "phase", "Succeeded");
        oneOf(o, "phase", op.phase, {"Running", "Terminating", "Failed", "Error", "Succeeded"});
        op.message =
            str(o, "message", op.phase == "Succeeded" ? "successfully synced (all tasks run)" : "");
        op.startedAt = timeValue(o, "startedAt", ref, rfc3339(ref - 600));
        op.finishedAt = op.phase == "Running" ? Str()
                                              : timeValue(o, "finishedAt", ref,
                                                          rfc3339(parseRfc3339(op.startedAt) + 12));
        op.op.revision = str(o, "revision", a.multiSource ? Str() : a.syncRevision);
        op.op.initiatedBy = parseInitiator(o["initiatedBy"]);
        if (op.op.initiatedBy.username.empty() && !op.op.initiatedBy.automated)
            op.op.initiatedBy.username = "admin";
        op.op.syncOptions = a.syncOptions;
        op.op.retryLimit = a.retryLimit;
        op.retryCount = static_cast<int>(integer(o, "retryCount"));
        op.resultRevision = op.op.revision;
        if (const auto rr = o["resources"])
            for (const auto& r : rr)
                op.results.push_back(parseResult(r));
    } else if (!a.history.empty()) {
        const auto& last = a.history.back();
        op.phase = "Succeeded";
        op.message = "successfully synced (all tasks run)";
        op.startedAt = last.deployStartedAt;
        op.finishedAt = last.deployedAt;
        op.op.revision = last.revision;
        op.op.revisions = last.revisions;
        op.op.initiatedBy = last.initiatedBy;
        op.resultRevision = last.revision;
        op.resultRevisions = last.revisions;
    } else {
        a.opState.reset();
    }

    if (const auto ev = n["events"]) {
        auto& ex = a.ensureExtras();
        for (const auto& e : ev) {
            const Str kind = str(e, "kind", "Application");
            const Str name = str(e, "name", a.name);
            const Str ns = kind == "Application" ? a.ns : str(e, "namespace", a.destNamespace);
            const Str type = str(e, "type", "Normal");
            oneOf(e, "type", type, {"Normal", "Warning"});
            const Str first = timeValue(e, "firstTimestamp", ref, rfc3339(ref - 600));
            const Str last = timeValue(e, "lastTimestamp", ref, first);
            const Str reason = str(e, "reason");
            const Str message = str(e, "message");
            Str uid = kind == "Application" ? a.uid : str(e, "uid", uidFor(a.key() + "pod" + name));
            for (const auto& r : a.resources)
                if (r.kind == kind && r.name == name)
                    uid = r.uid.empty() ? uidFor(a.key() + r.kind + r.name) : r.uid;
            const Str apiVersion =
                kind == "Application" ? "argoproj.io/v1alpha1"
                : (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet")
                    ? "apps/v1"
                : kind == "Job" ? "batch/v1"
                                : "v1";
            const Str component =
                str(e, "component",
                    kind == "Application" ? "argocd-application-controller" : "kubelet");
            const Str evName = name + "." + hexHash(reason + message + first, 16);
            json involved{{"kind", kind},
                          {"namespace", ns},
                          {"name", name},
                          {"uid", uid},
                          {"apiVersion", apiVersion}};
            if (const Str fp = str(e, "fieldPath"); !fp.empty())
                involved["fieldPath"] = fp;
            ex.events.push_back(
                json{{"metadata", json{{"name", evName},
                                       {"namespace", ns},
                                       {"uid", uidFor(evName)},
                                       {"resourceVersion",
                                        std::to_string(300000 + std::hash<Str>{}(evName) % 600000)},
                                       {"creationTimestamp", first}}},
                     {"involvedObject", involved},
                     {"reason", reason},
                     {"message", message},
                     {"source", json{{"component", component}}},
                     {"firstTimestamp", first},
                     {"lastTimestamp", last},
                     {"count", integer(e, "count", 1)},
                     {"type", type},
                     {"eventTime", nullptr},
                     {"reportingComponent", component},
                     {"reportingInstance", ""}});
        }
    }
    if (const auto logs = n["logs"]) {
        auto& ex = a.ensureExtras();
        for (const auto& l : logs) {
            const Str pod = str(l, "pod");
            if (pod.empty())
                fail(l, "a log block needs 'pod'");
            const Str container = str(l, "container", a.name);
            const bool previous = boolean(l, "previous");
            long long t =
                parseRfc3339(timeValue(l, "start", ref, rfc3339(ref - (previous ? 420 : 120))));
            int k = 0;
            for (const auto& line : l["lines"]) {
                const Str ts = rfc3339(t + k);
                char frac[16];
                std::snprintf(frac, sizeof frac, ".%09d", (k * 137131) % 1000000000);
                ex.logs.push_back(LogLine{pod, container, previous,
                                          ts.substr(0, ts.size() - 1) + frac + "Z",
                                          line.as<std::string>()});
                ++k;
            }
        }
    }
    if (const auto os = n["onSync"]) {
        auto& ex = a.ensureExtras();
        ex.outcome.set = true;
        ex.outcome.phase = str(os, "phase", "Succeeded");
        oneOf(os, "phase", ex.outcome.phase, {"Succeeded", "Failed", "Error"});
        ex.outcome.message =
            str(os, "message",
                ex.outcome.phase == "Succeeded" ? "successfully synced (all tasks run)" : "");
        ex.outcome.health = str(os, "health", "Healthy");
        checkHealth(os, "health", ex.outcome.health);
        ex.outcome.healthMessage = str(os, "healthMessage");
        if (const auto rr = os["resources"])
            for (const auto& r : rr)
                ex.outcome.results.push_back(parseResult(r));
    }
    if (inst->find(a.ns, a.name))
        fail(n, "application '" + a.ns + "/" + a.name + "' is defined twice in instance '" +
                    inst->name + "'");
    a.rv = inst->nextRv();
    inst->apps.push_back(std::move(a));
    inst->index[inst->apps.back().key()] = inst->apps.size() - 1;
}

Status parseScenario(const QByteArray& yaml, Scenario& out, const QString& sourceName) {
    const std::string where = sourceName.isEmpty() ? "scenario" : sourceName.toStdString();
    auto error = [&](int line, const std::string& what) {
        return Error::make(Error::Kind::Config,
                           QString::fromStdString(
                               where + (line > 0 ? ":" + std::to_string(line) : "") + ": " + what));
    };
    try {
        const YAML::Node root = YAML::Load(yaml.toStdString());
        if (!root.IsMap())
            return error(1, "a scenario must be a YAML map with 'instances', 'applications', ...");
        Scenario sc;
        long long ref = nowSeconds();
        if (const Str r = str(root, "referenceTime"); !r.empty()) {
            ref = parseRfc3339(r);
            if (ref == 0)
                fail(root["referenceTime"], "'referenceTime' is not an RFC 3339 time");
        }
        sc.referenceTime = rfc3339(ref);
        if (const auto insts = root["instances"]) {
            if (!insts.IsSequence())
                fail(insts, "'instances' must be a list");
            int k = 0;
            for (const auto& i : insts) {
                Instance inst = makeInstance(str(i, "name"), 1, ref);
                if (inst.name.empty())
                    fail(i, "an instance needs 'name'");
                for (const auto& other : sc.instances)
                    if (other.name == inst.name)
                        fail(i, "instance '" + inst.name + "' is defined twice");
                inst.username = str(i, "username", "admin");
                inst.password = str(i, "password", inst.password);
                inst.token = str(i, "token", makeToken(inst.name, inst.username, 0, ref));
                sc.instances.push_back(std::move(inst));
                ++k;
            }
        }
        if (sc.instances.empty())
            sc.instances.push_back(makeInstance("argocd", 1, ref));

        if (const auto cls = root["clusters"]) {
            for (const auto& c : cls) {
                Cluster cl;
                cl.name = str(c, "name");
                cl.server = str(c, "server");
                if (cl.name.empty() || cl.server.empty())
                    fail(c, "a cluster needs 'name' and 'server'");
                cl.labels = stringMap(c, "labels");
                cl.serverVersion = str(c, "serverVersion", "v1.31.4");
                cl.connection = str(c, "connection", "Successful");
                oneOf(c, "connection", cl.connection, {"Successful", "Failed", "Unknown"});
                cl.connectionMessage = str(c, "connectionMessage");
                cl.instances = strings(c, "instances");
                for (auto& inst : sc.instances)
                    if (cl.instances.empty() || std::find(cl.instances.begin(), cl.instances.end(),
                                                          inst.name) != cl.instances.end())
                        inst.clusters.push_back(cl);
            }
        }
        if (const auto projects = root["projects"]) {
            for (const auto& p : projects) {
                const Str name = str(p, "name");
                if (name.empty())
                    fail(p, "a project needs 'name'");
                json windows = json::array();
                if (const auto ws = p["syncWindows"])
                    for (const auto& w : ws) {
                        const Str kind = str(w, "kind");
                        oneOf(w, "kind", kind, {"allow", "deny"});
                        if (kind.empty() || str(w, "schedule").empty() ||
                            parseDurationMs(str(w, "duration")) <= 0)
                            fail(w, "a sync window needs 'kind', 'schedule' and 'duration'");
                        windows.push_back(yamlToJson(w));
                    }
                std::vector<std::pair<Str, Str>> dests;
                if (const auto ds = p["destinations"])
                    for (const auto& d : ds)
                        dests.emplace_back(str(d, "server", "*"), str(d, "namespace", "*"));
                if (dests.empty())
                    dests.emplace_back("*", "*");
                std::vector<Str> repos = strings(p, "sourceRepos");
                if (repos.empty())
                    repos = {"*"};
                json proj = makeProject(name, str(p, "description"), repos, dests, windows,
                                        strings(p, "sourceNamespaces"), rfc3339(ref - 400 * 86400));
                const auto only = strings(p, "instances");
                for (auto& inst : sc.instances)
                    if (only.empty() ||
                        std::find(only.begin(), only.end(), inst.name) != only.end())
                        inst.projects.push_back(proj);
            }
        }
        if (const auto apps = root["applications"]) {
            if (!apps.IsSequence())
                fail(apps, "'applications' must be a list");
            for (const auto& a : apps)
                parseApp(a, sc, ref);
        }
        if (const auto sets = root["applicationsets"]) {
            for (const auto& s : sets) {
                const Str name = str(s, "name");
                if (name.empty())
                    fail(s, "an applicationset needs 'name'");
                json appset{{"metadata", json{{"name", name},
                                              {"namespace", str(s, "namespace", "argocd")},
                                              {"uid", uidFor("appset/" + name)},
                                              {"resourceVersion", "7123"},
                                              {"generation", 2},
                                              {"creationTimestamp", rfc3339(ref - 100 * 86400)}}},
                            {"spec", json::object()},
                            {"status", json::object()}};
                if (s["spec"])
                    appset["spec"] = yamlToJson(s["spec"]);
                if (s["status"])
                    appset["status"] = yamlToJson(s["status"]);
                resolveRelativeTimes(appset["spec"], ref);
                resolveRelativeTimes(appset["status"], ref);
                const Str instName = str(s, "instance", sc.instances.front().name);
                bool placed = false;
                for (auto& inst : sc.instances)
                    if (inst.name == instName) {
                        inst.appsets.push_back(appset);
                        placed = true;
                    }
                if (!placed)
                    fail(s,
                         "applicationset '" + name + "' names unknown instance '" + instName + "'");
            }
        }
        if (const auto m = root["metrics"]) {
            MetricScenarioError me;
            if (!parseMetricScenario(m, ref, sc.metrics, &me))
                throw ScenarioError(me.message, me.line);
        }
        if (const auto tl = root["timeline"]) {
            for (const auto& t : tl) {
                TimelineStep step;
                step.atMs = static_cast<int>(parseDurationMs(str(t, "at")));
                if (step.atMs < 0)
                    fail(t, "'at' must be a duration like 30s");
                step.instance = str(t, "instance", sc.instances.front().name);
                step.app = str(t, "app");
                step.ns = str(t, "namespace", "argocd");
                step.action = str(t, "action", "health");
                oneOf(t, "action", step.action,
                      {"health", "sync", "drift", "delete", "sync-failed"});
                step.health = str(t, "health");
                checkHealth(t, "health", step.health);
                step.message = str(t, "message");
                step.sync = str(t, "sync");
                sc.timeline.push_back(step);
            }
        }
        if (const auto g = root["generate"]) {
            GeneratorOptions o;
            o.apps = static_cast<int>(integer(g, "apps", 0));
            o.clusters = static_cast<int>(integer(g, "clusters", 10));
            o.seed = static_cast<quint32>(integer(g, "seed", 1));
            o.instances = static_cast<int>(sc.instances.size());
            o.referenceTime = ref;
            generateFleet(sc, o, true);
        }
        for (auto& inst : sc.instances)
            inst.sortAndIndex();
        out = std::move(sc);
        return okStatus();
    } catch (const ScenarioError& e) {
        return error(e.line, e.what());
    } catch (const YAML::Exception& e) {
        return error(e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg);
    } catch (const std::exception& e) {
        return error(0, e.what());
    }
}

} // namespace sextant::sim
