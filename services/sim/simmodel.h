#pragma once

// The simulator's in-memory Argo CD state. Applications are typed and compact because fleets
// reach 50,000 entries; rarely used, scenario-only detail (events, logs, scripted outcomes) hangs
// off a shared pointer that generated apps leave empty.

#include "sim/metricscenario.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace sextant::sim {

class JsonWriter;

using Str = std::string;
using KV = std::vector<std::pair<Str, Str>>; // sorted by key, like Go map marshalling

struct Source {
    Str repoURL, path, targetRevision, chart, ref, name;
    bool helm = false;
    Str helmReleaseName, helmValues;
    std::vector<Str> helmValueFiles;
    KV helmParameters;
    bool kustomize = false;
    Str kustomizeNamePrefix;
    std::vector<Str> kustomizeImages;
    Str sourceType() const; // Helm, Kustomize, Directory
};
using SourcePtr = std::shared_ptr<const Source>;

struct Initiator {
    Str username;
    bool automated = false;
};

struct HistoryEntry {
    long long id = 0;
    Str revision;
    std::vector<Str> revisions; // multi-source
    Str deployStartedAt, deployedAt;
    std::vector<SourcePtr> sources;
    bool multiSource = false;
    Initiator initiatedBy;
    std::vector<Str> images; // images deployed by this revision (manifests?revision=)
    Str author, message;     // revision metadata
};

struct PodInfo {
    Str name;
    Str health = "Healthy";
    Str healthMessage;
    Str statusReason = "Running";
    Str containers = "1/1";
    int restarts = 0;
    std::vector<Str> images;
    Str node;
    // The container's previous instance (Pod status.containerStatuses[].lastState.terminated);
    // empty reason = none.
    Str lastTerminatedReason;
    int lastTerminatedExitCode = 0;
};

struct Resource {
    Str group, version = "v1", kind, ns, name;
    Str status = "Synced"; // Synced, OutOfSync, Unknown
    Str health;            // empty = no health (ConfigMap, Service...)
    Str healthMessage;
    bool hook = false;
    Str hookType;
    int syncWave = 0;
    bool requiresPruning = false;
    int replicas = -1;     // target replicas (Deployment/StatefulSet)
    int liveReplicas = -1; // live replicas when they drifted
    std::vector<Str> images;
    std::vector<PodInfo> pods; // empty = derived from replicas
    KV data;                   // ConfigMap data (target)
    KV liveData;               // ConfigMap data (live, if drifted)
    Str uid;
    // First history id whose rendered manifests (manifests?revision=) contain this resource;
    // 0 = every revision. Lets a scenario script e.g. a CRD added by a later revision.
    long long sinceHistoryId = 0;
};

struct ResourceRef {
    Str group, kind, ns, name;
};

struct ResultResource {
    Str group, version, kind, ns, name, status, message, hookType, hookPhase, syncPhase;
};

struct SyncOp {
    Str revision;
    std::vector<Str> revisions;
    std::vector<long long> sourcePositions;
    bool prune = false, dryRun = false;
    Str strategy = "hook"; // hook | apply
    std::vector<Str> syncOptions;
    std::vector<ResourceRef> resources;
    Initiator initiatedBy;
    int retryLimit = 0;
    bool rollback = false;
    long long rollbackId = 0;
};

struct OperationState {
    Str phase, message, startedAt, finishedAt;
    SyncOp op;
    bool hasResult = false;
    Str resultRevision;
    std::vector<Str> resultRevisions;
    std::vector<SourcePtr> resultSources;
    std::vector<ResultResource> results; // empty + hasResult = derived from app resources
    int retryCount = 0;
};

struct Condition {
    Str type, message, lastTransitionTime;
};

struct LogLine {
    Str pod, container;
    bool previous = false;
    Str timestamp; // RFC 3339 with nanoseconds
    Str content;
};

// What a sync of this app does when it completes (scripted failures).
struct SyncOutcome {
    bool set = false;
    Str phase = "Succeeded";
    Str message;
    Str health = "Healthy";
    Str healthMessage;
    std::vector<ResultResource> results;
};

struct AppExtras {
    nlohmann::json events = nlohmann::json::array(); // eventsEvent objects
    std::vector<LogLine> logs;
    SyncOutcome outcome;
};

struct App {
    Str name, ns = "argocd", project = "default", uid, creationTimestamp, deletionTimestamp;
    KV labels, annotations;
    Str destServer, destName, destNamespace;
    std::vector<SourcePtr> sources;
    bool multiSource = false;
    // syncPolicy
    bool automated = false;       // automated block present
    bool automatedEnabled = true; // automated.enabled (v3.1+)
    bool prune = false, selfHeal = false;
    std::vector<Str> syncOptions;
    int retryLimit = 0;
    // status
    Str syncStatus = "Synced", syncRevision;
    std::vector<Str> syncRevisions;
    Str health = "Healthy", healthMessage, healthTransition;
    std::vector<HistoryEntry> history;
    std::shared_ptr<OperationState> opState;
    std::shared_ptr<SyncOp> operation; // top-level `operation` while one is requested/running
    std::vector<Condition> conditions;
    std::vector<Resource> resources;
    std::vector<Str> externalURLs;
    Str reconciledAt;
    unsigned long long rv = 0;
    std::shared_ptr<AppExtras> extras;

    bool autoSyncOn() const { return automated && automatedEnabled; }
    Str key() const { return ns + "/" + name; }
    std::vector<Str> images() const;
    AppExtras& ensureExtras();
};

struct Cluster {
    Str name, server;
    KV labels;
    Str serverVersion = "v1.31.4";
    Str connection = "Successful";
    Str connectionMessage;
    std::vector<Str> instances; // empty = every instance
};

struct Instance {
    Str name, token, username = "admin", password;
    int tokenSerial = 0;
    std::vector<App> apps; // sorted by name, then namespace
    std::unordered_map<Str, size_t> index;
    unsigned long long rv = 1000;
    std::vector<nlohmann::json> projects; // AppProject objects
    std::vector<nlohmann::json> appsets;  // ApplicationSet objects
    std::vector<Cluster> clusters;

    void sortAndIndex();
    App* find(const Str& ns, const Str& name);
    unsigned long long nextRv() { return ++rv; }
};

struct TimelineStep {
    int atMs = 0;
    Str instance, app, ns = "argocd";
    Str action; // health | sync | drift | delete | sync-failed
    Str health, message, sync;
};

struct Scenario {
    std::vector<Instance> instances;
    std::vector<TimelineStep> timeline;
    Str referenceTime;      // RFC 3339; generated timestamps count back from here
    MetricScenario metrics; // the `metrics:` section (what the workloads export to Prometheus)
};

// ---- rendering -----------------------------------------------------------------------------

// Which list-whitelist fields to emit (argocd-api.md §3.2).
struct FieldMask {
    bool all = true; // no `fields`: full objects
    bool name = false, ns = false, annotations = false, labels = false, creation = false,
         deletion = false;
    bool spec = false, specDestination = false, specProject = false, specSource = false,
         specSources = false, specSyncPolicy = false;
    bool operationSync = false, statusSummary = false, syncStatus = false, syncRevision = false,
         health = false, opPhase = false, opStarted = false, opFinished = false,
         opOperationSync = false, statusResources = false;
    bool listResourceVersion = true;
    static FieldMask parse(const Str& fieldsParam);
};

void writeSource(JsonWriter& w, const Source& s);
void writeApp(JsonWriter& w, const App& app, const Str& controllerNs = "argocd");
void writeAppProjected(JsonWriter& w, const App& app, const FieldMask& mask);
Str listBody(const Instance& inst, const std::vector<const App*>& apps, const FieldMask& mask);
Str appJson(const App& app);
Str treeJson(const App& app);
Str managedResourcesJson(const App& app);
Str manifestsJson(const App& app, const Str& revision);
Str clusterListJson(const Instance& inst);
Str eventsJson(const App& app, const Str& resourceUid, const Str& resourceNs,
               const Str& resourceName);
std::vector<LogLine> logsFor(const App& app);
Str revisionMetadataJson(const App& app, const Str& revision);
// GET .../resource: the live object of one resource of the app's tree (the app's resources, the
// ReplicaSets and Pods under its workloads) as a JSON object, or null when the tree has no such
// resource.
nlohmann::json liveResource(const App& app, const Str& group, const Str& kind, const Str& ns,
                            const Str& name);

// Deterministic helpers shared by the generator and the renderers.
Str hexHash(const Str& seed, int length); // stable pseudo-random hex of the given length
Str uidFor(const Str& seed);              // k8s-looking uid
Str rfc3339(long long epochSeconds);      // "2026-01-01T10:00:00Z"
long long parseRfc3339(const Str& s);     // 0 when invalid
long long nowSeconds();
Str nowRfc3339();
Str nowRfc3339Nano();

// Generic `fields` path filter used by streams (paths like result.application.metadata.name).
nlohmann::json filterFields(const nlohmann::json& doc, const std::vector<Str>& paths);

} // namespace sextant::sim
