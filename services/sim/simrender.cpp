#include "sim/jsonwriter.h"
#include "sim/simmodel.h"

#include <QCryptographicHash>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace sextant::sim {

using nlohmann::json;

// ---- small helpers -------------------------------------------------------------------------

Str hexHash(const Str& seed, int length) {
    Str out;
    int counter = 0;
    while (static_cast<int>(out.size()) < length) {
        const QByteArray in = QByteArray::fromStdString(seed) + QByteArray::number(counter++);
        out += QCryptographicHash::hash(in, QCryptographicHash::Sha1).toHex().toStdString();
    }
    out.resize(static_cast<size_t>(length));
    return out;
}

Str uidFor(const Str& seed) {
    const Str h = hexHash("uid:" + seed, 32);
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) +
           "-" + h.substr(20, 12);
}

Str rfc3339(long long t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

long long parseRfc3339(const Str& s) {
    std::tm tm{};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6)
        return 0;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return static_cast<long long>(timegm(&tm));
}

long long nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Str nowRfc3339() {
    return rfc3339(nowSeconds());
}

Str nowRfc3339Nano() {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    Str base = rfc3339(ns / 1000000000);
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(ns % 1000000000));
    base.insert(base.size() - 1, frac);
    return base;
}

Str Source::sourceType() const {
    if (helm || !chart.empty())
        return "Helm";
    if (kustomize)
        return "Kustomize";
    return "Directory";
}

std::vector<Str> App::images() const {
    std::vector<Str> out;
    for (const auto& r : resources) {
        if (r.hook)
            continue;
        for (const auto& i : r.images)
            if (std::find(out.begin(), out.end(), i) == out.end())
                out.push_back(i);
    }
    std::sort(out.begin(), out.end());
    return out;
}

AppExtras& App::ensureExtras() {
    if (!extras)
        extras = std::make_shared<AppExtras>();
    return *extras;
}

void Instance::sortAndIndex() {
    std::stable_sort(apps.begin(), apps.end(), [](const App& a, const App& b) {
        return a.name != b.name ? a.name < b.name : a.ns < b.ns;
    });
    index.clear();
    index.reserve(apps.size());
    for (size_t i = 0; i < apps.size(); ++i)
        index[apps[i].key()] = i;
}

App* Instance::find(const Str& ns, const Str& name) {
    auto it = index.find((ns.empty() ? Str("argocd") : ns) + "/" + name);
    return it == index.end() ? nullptr : &apps[it->second];
}

// ---- Application ---------------------------------------------------------------------------

static void writeKV(JsonWriter& w, const KV& kv) {
    w.beginObject();
    for (const auto& [k, v] : kv)
        w.kv(k, v);
    w.endObject();
}

void writeSource(JsonWriter& w, const Source& s) {
    w.beginObject();
    w.opt("repoURL", s.repoURL);
    w.opt("path", s.path);
    w.opt("targetRevision", s.targetRevision);
    w.opt("chart", s.chart);
    if (s.helm && (!s.helmReleaseName.empty() || !s.helmValueFiles.empty() ||
                   !s.helmParameters.empty() || !s.helmValues.empty())) {
        w.key("helm");
        w.beginObject();
        w.opt("releaseName", s.helmReleaseName);
        w.optStringArray("valueFiles", s.helmValueFiles);
        if (!s.helmParameters.empty()) {
            w.key("parameters");
            w.beginArray();
            for (const auto& [k, v] : s.helmParameters) {
                w.beginObject();
                w.kv("name", k);
                w.kv("value", v);
                w.endObject();
            }
            w.endArray();
        }
        w.opt("values", s.helmValues);
        w.endObject();
    }
    if (s.kustomize && (!s.kustomizeNamePrefix.empty() || !s.kustomizeImages.empty())) {
        w.key("kustomize");
        w.beginObject();
        w.opt("namePrefix", s.kustomizeNamePrefix);
        w.optStringArray("images", s.kustomizeImages);
        w.endObject();
    }
    w.opt("ref", s.ref);
    w.opt("name", s.name);
    w.endObject();
}

static void writeSources(JsonWriter& w, const std::vector<SourcePtr>& sources, bool multi) {
    if (multi) {
        w.key("sources");
        w.beginArray();
        for (const auto& s : sources)
            writeSource(w, *s);
        w.endArray();
    } else if (!sources.empty()) {
        w.key("source");
        writeSource(w, *sources.front());
    }
}

static void writeDestination(JsonWriter& w, const App& a) {
    w.key("destination");
    w.beginObject();
    w.opt("server", a.destServer);
    w.opt("namespace", a.destNamespace);
    w.opt("name", a.destName);
    w.endObject();
}

static void writeSyncPolicy(JsonWriter& w, const App& a) {
    w.beginObject();
    if (a.automated) {
        w.key("automated");
        w.beginObject();
        w.optTrue("prune", a.prune);
        w.optTrue("selfHeal", a.selfHeal);
        w.kv("enabled", a.automatedEnabled);
        w.endObject();
    }
    w.optStringArray("syncOptions", a.syncOptions);
    if (a.retryLimit > 0) {
        w.key("retry");
        w.beginObject();
        w.kv("limit", a.retryLimit);
        w.key("backoff");
        w.beginObject();
        w.kv("duration", "5s");
        w.kv("factor", 2);
        w.kv("maxDuration", "3m");
        w.endObject();
        w.endObject();
    }
    w.endObject();
}

static bool hasSyncPolicy(const App& a) {
    return a.automated || !a.syncOptions.empty() || a.retryLimit > 0;
}

static void writeSpec(JsonWriter& w, const App& a) {
    w.beginObject();
    writeSources(w, a.sources, a.multiSource);
    writeDestination(w, a);
    w.kv("project", a.project);
    if (hasSyncPolicy(a)) {
        w.key("syncPolicy");
        writeSyncPolicy(w, a);
    }
    w.endObject();
}

static void writeInitiator(JsonWriter& w, const Initiator& i) {
    w.key("initiatedBy");
    w.beginObject();
    w.opt("username", i.username);
    w.optTrue("automated", i.automated);
    w.endObject();
}

static void writeSyncOperation(JsonWriter& w, const SyncOp& op, const App& a) {
    w.beginObject();
    w.opt("revision", op.revision);
    if (!op.revisions.empty())
        w.stringArray("revisions", op.revisions);
    if (!op.sourcePositions.empty()) {
        w.key("sourcePositions");
        w.beginArray();
        for (auto p : op.sourcePositions)
            w.value(p);
        w.endArray();
    }
    w.optTrue("prune", op.prune);
    w.optTrue("dryRun", op.dryRun);
    w.key("syncStrategy");
    w.beginObject();
    w.key(op.strategy == "apply" ? "apply" : "hook");
    w.beginObject();
    w.endObject();
    w.endObject();
    w.optStringArray("syncOptions", op.syncOptions);
    if (!op.resources.empty()) {
        w.key("resources");
        w.beginArray();
        for (const auto& r : op.resources) {
            w.beginObject();
            w.kv("group", r.group);
            w.kv("kind", r.kind);
            w.kv("name", r.name);
            w.opt("namespace", r.ns);
            w.endObject();
        }
        w.endArray();
    }
    if (op.rollback) {
        // A rollback syncs to the sources recorded in the history entry.
        for (const auto& h : a.history)
            if (h.id == op.rollbackId) {
                writeSources(w, h.sources, h.multiSource);
                break;
            }
    }
    w.endObject();
}

static void writeOperation(JsonWriter& w, const SyncOp& op, const App& a) {
    w.beginObject();
    w.key("sync");
    writeSyncOperation(w, op, a);
    writeInitiator(w, op.initiatedBy);
    if (op.retryLimit > 0) {
        w.key("retry");
        w.beginObject();
        w.kv("limit", op.retryLimit);
        w.endObject();
    }
    w.endObject();
}

static std::vector<ResultResource> derivedResults(const App& a) {
    std::vector<ResultResource> out;
    for (const auto& r : a.resources) {
        if (r.hook)
            continue;
        Str lowerKind = r.kind;
        std::transform(lowerKind.begin(), lowerKind.end(), lowerKind.begin(), ::tolower);
        ResultResource rr{r.group,
                          r.version,
                          r.kind,
                          r.ns,
                          r.name,
                          "Synced",
                          lowerKind + (r.group.empty() ? "" : "." + r.group) + "/" + r.name +
                              " configured",
                          "",
                          "Running",
                          "Sync"};
        out.push_back(rr);
    }
    return out;
}

static void writeSyncResult(JsonWriter& w, const OperationState& st, const App& a) {
    w.beginObject();
    const auto results = st.results.empty() ? derivedResults(a) : st.results;
    w.key("resources");
    w.beginArray();
    for (const auto& r : results) {
        w.beginObject();
        w.kv("group", r.group);
        w.kv("version", r.version);
        w.kv("kind", r.kind);
        w.opt("namespace", r.ns);
        w.kv("name", r.name);
        w.opt("status", r.status);
        w.opt("message", r.message);
        w.opt("hookType", r.hookType);
        w.opt("hookPhase", r.hookPhase);
        w.opt("syncPhase", r.syncPhase);
        w.endObject();
    }
    w.endArray();
    w.opt("revision", st.resultRevision);
    if (!st.resultRevisions.empty())
        w.stringArray("revisions", st.resultRevisions);
    const auto& srcs = st.resultSources.empty() ? a.sources : st.resultSources;
    writeSources(w, srcs, a.multiSource);
    w.endObject();
}

static void writeOperationState(JsonWriter& w, const OperationState& st, const App& a) {
    w.beginObject();
    w.key("operation");
    writeOperation(w, st.op, a);
    w.kv("phase", st.phase);
    w.opt("message", st.message);
    if (st.hasResult) {
        w.key("syncResult");
        writeSyncResult(w, st, a);
    }
    w.kv("startedAt", st.startedAt);
    w.opt("finishedAt", st.finishedAt);
    w.optInt("retryCount", st.retryCount);
    w.endObject();
}

static void writeHistory(JsonWriter& w, const HistoryEntry& h) {
    w.beginObject();
    w.opt("revision", h.revision);
    w.kv("deployedAt", h.deployedAt);
    w.kv("id", h.id);
    if (h.multiSource) {
        w.key("sources");
        w.beginArray();
        for (const auto& s : h.sources)
            writeSource(w, *s);
        w.endArray();
    } else if (!h.sources.empty()) {
        w.key("source");
        writeSource(w, *h.sources.front());
    }
    w.opt("deployStartedAt", h.deployStartedAt);
    w.optStringArray("revisions", h.revisions);
    writeInitiator(w, h.initiatedBy);
    w.endObject();
}

static void writeHealth(JsonWriter& w, const Str& status, const Str& message, const Str& since) {
    w.beginObject();
    w.kv("status", status);
    w.opt("message", message);
    w.opt("lastTransitionTime", since);
    w.endObject();
}

static void writeResourceStatus(JsonWriter& w, const Resource& r, bool withHealth) {
    w.beginObject();
    w.opt("group", r.group);
    w.kv("version", r.version);
    w.kv("kind", r.kind);
    w.opt("namespace", r.ns);
    w.kv("name", r.name);
    w.kv("status", r.status);
    if (withHealth && !r.health.empty()) {
        w.key("health");
        writeHealth(w, r.health, r.healthMessage, {});
    }
    w.optTrue("hook", r.hook);
    w.optTrue("requiresPruning", r.requiresPruning);
    w.optInt("syncWave", r.syncWave);
    w.endObject();
}

static void writeResources(JsonWriter& w, const App& a) {
    w.key("resources");
    w.beginArray();
    for (const auto& r : a.resources)
        if (!r.hook)
            writeResourceStatus(w, r, true);
    w.endArray();
}

static void writeSummary(JsonWriter& w, const App& a) {
    w.beginObject();
    w.optStringArray("externalURLs", a.externalURLs);
    w.optStringArray("images", a.images());
    w.endObject();
}

static void writeMetadata(JsonWriter& w, const App& a) {
    w.beginObject();
    w.kv("name", a.name);
    w.kv("namespace", a.ns);
    w.kv("uid", a.uid);
    w.kv("resourceVersion", std::to_string(a.rv));
    w.kv("generation", static_cast<long long>(a.history.size() + 1));
    w.kv("creationTimestamp", a.creationTimestamp);
    w.opt("deletionTimestamp", a.deletionTimestamp);
    if (!a.labels.empty()) {
        w.key("labels");
        writeKV(w, a.labels);
    }
    if (!a.annotations.empty()) {
        w.key("annotations");
        writeKV(w, a.annotations);
    }
    w.key("finalizers");
    w.beginArray();
    w.value("resources-finalizer.argocd.argoproj.io");
    w.endArray();
    w.endObject();
}

void writeApp(JsonWriter& w, const App& a, const Str& controllerNs) {
    w.beginObject();
    w.key("metadata");
    writeMetadata(w, a);
    w.key("spec");
    writeSpec(w, a);
    w.key("status");
    w.beginObject();
    writeResources(w, a);
    w.key("sync");
    w.beginObject();
    w.kv("status", a.syncStatus);
    w.key("comparedTo");
    w.beginObject();
    writeSources(w, a.sources, a.multiSource);
    writeDestination(w, a);
    w.endObject();
    w.opt("revision", a.syncRevision);
    w.optStringArray("revisions", a.syncRevisions);
    w.endObject();
    w.key("health");
    writeHealth(w, a.health, a.healthMessage, a.healthTransition);
    if (!a.history.empty()) {
        w.key("history");
        w.beginArray();
        for (const auto& h : a.history)
            writeHistory(w, h);
        w.endArray();
    }
    if (!a.conditions.empty()) {
        w.key("conditions");
        w.beginArray();
        for (const auto& c : a.conditions) {
            w.beginObject();
            w.kv("type", c.type);
            w.kv("message", c.message);
            w.opt("lastTransitionTime", c.lastTransitionTime);
            w.endObject();
        }
        w.endArray();
    }
    w.opt("reconciledAt", a.reconciledAt);
    if (a.opState) {
        w.key("operationState");
        writeOperationState(w, *a.opState, a);
    }
    if (a.multiSource) {
        w.key("sourceTypes");
        w.beginArray();
        for (const auto& s : a.sources)
            w.value(s->sourceType());
        w.endArray();
    } else if (!a.sources.empty()) {
        w.kv("sourceType", a.sources.front()->sourceType());
    }
    w.key("summary");
    writeSummary(w, a);
    w.kv("resourceHealthSource", "appTree");
    w.kv("controllerNamespace", controllerNs);
    w.endObject();
    if (a.operation) {
        w.key("operation");
        writeOperation(w, *a.operation, a);
    }
    w.endObject();
}

// ---- list projection -----------------------------------------------------------------------

FieldMask FieldMask::parse(const Str& fieldsParam) {
    FieldMask m;
    if (fieldsParam.empty())
        return m;
    m.all = false;
    std::vector<Str> fields;
    size_t pos = 0;
    while (pos <= fieldsParam.size()) {
        size_t comma = fieldsParam.find(',', pos);
        if (comma == Str::npos)
            comma = fieldsParam.size();
        Str f = fieldsParam.substr(pos, comma - pos);
        while (!f.empty() && f.front() == ' ')
            f.erase(0, 1);
        while (!f.empty() && f.back() == ' ')
            f.pop_back();
        if (!f.empty())
            fields.push_back(f);
        pos = comma + 1;
    }
    const bool exclude = !fields.empty() && fields.front().rfind("-", 0) == 0;
    struct Entry {
        const char* path;
        bool FieldMask::*flag;
    };
    static const Entry entries[] = {
        {"items.metadata.name", &FieldMask::name},
        {"items.metadata.namespace", &FieldMask::ns},
        {"items.metadata.annotations", &FieldMask::annotations},
        {"items.metadata.labels", &FieldMask::labels},
        {"items.metadata.creationTimestamp", &FieldMask::creation},
        {"items.metadata.deletionTimestamp", &FieldMask::deletion},
        {"items.spec", &FieldMask::spec},
        {"items.spec.destination", &FieldMask::specDestination},
        {"items.spec.project", &FieldMask::specProject},
        {"items.spec.source", &FieldMask::specSource},
        {"items.spec.sources", &FieldMask::specSources},
        {"items.spec.syncPolicy", &FieldMask::specSyncPolicy},
        {"items.operation.sync", &FieldMask::operationSync},
        {"items.status.summary", &FieldMask::statusSummary},
        {"items.status.sync.status", &FieldMask::syncStatus},
        {"items.status.sync.revision", &FieldMask::syncRevision},
        {"items.status.health", &FieldMask::health},
        {"items.status.operationState.phase", &FieldMask::opPhase},
        {"items.status.operationState.startedAt", &FieldMask::opStarted},
        {"items.status.operationState.finishedAt", &FieldMask::opFinished},
        {"items.status.operationState.operation.sync", &FieldMask::opOperationSync},
        {"items.status.resources", &FieldMask::statusResources},
    };
    for (const auto& e : entries) {
        bool listed = false;
        for (const auto& f : fields) {
            const Str plain = f.rfind("-", 0) == 0 ? f.substr(1) : f;
            if (plain == e.path)
                listed = true;
        }
        m.*(e.flag) = exclude ? !listed : listed;
    }
    return m;
}

void writeAppProjected(JsonWriter& w, const App& a, const FieldMask& m) {
    // Mirrors the server's whitelist processor: a Go map per item, so keys come out sorted and
    // fields the app does not have come out as null where the server returns a typed nil.
    w.beginObject();
    const bool anyMeta = m.name || m.ns || m.annotations || m.labels || m.creation || m.deletion;
    if (anyMeta) {
        w.key("metadata");
        w.beginObject();
        if (m.annotations) {
            w.key("annotations");
            if (a.annotations.empty())
                w.null();
            else
                writeKV(w, a.annotations);
        }
        if (m.creation)
            w.kv("creationTimestamp", a.creationTimestamp);
        if (m.deletion) {
            w.key("deletionTimestamp");
            if (a.deletionTimestamp.empty())
                w.null();
            else
                w.value(a.deletionTimestamp);
        }
        if (m.labels) {
            w.key("labels");
            if (a.labels.empty())
                w.null();
            else
                writeKV(w, a.labels);
        }
        if (m.name)
            w.kv("name", a.name);
        if (m.ns)
            w.kv("namespace", a.ns);
        w.endObject();
    }
    if (m.operationSync && a.operation) {
        w.key("operation");
        w.beginObject();
        w.key("sync");
        writeSyncOperation(w, *a.operation, a);
        w.endObject();
    }
    if (m.spec) {
        w.key("spec");
        writeSpec(w, a);
    } else if (m.specDestination || m.specProject || m.specSource || m.specSources ||
               m.specSyncPolicy) {
        w.key("spec");
        w.beginObject();
        if (m.specDestination)
            writeDestination(w, a);
        if (m.specProject)
            w.kv("project", a.project);
        if (m.specSource) {
            w.key("source");
            if (a.multiSource || a.sources.empty())
                w.null();
            else
                writeSource(w, *a.sources.front());
        }
        if (m.specSources) {
            w.key("sources");
            if (!a.multiSource)
                w.null();
            else {
                w.beginArray();
                for (const auto& s : a.sources)
                    writeSource(w, *s);
                w.endArray();
            }
        }
        if (m.specSyncPolicy) {
            w.key("syncPolicy");
            if (hasSyncPolicy(a))
                writeSyncPolicy(w, a);
            else
                w.null();
        }
        w.endObject();
    }
    const bool anyOp = a.opState && (m.opPhase || m.opStarted || m.opFinished || m.opOperationSync);
    const bool anySync = m.syncStatus || m.syncRevision;
    if (anyOp || anySync || m.health || m.statusSummary || m.statusResources) {
        w.key("status");
        w.beginObject();
        if (m.health) {
            w.key("health");
            writeHealth(w, a.health, a.healthMessage, a.healthTransition);
        }
        if (anyOp) {
            w.key("operationState");
            w.beginObject();
            if (m.opFinished)
                w.kv("finishedAt", a.opState->finishedAt);
            if (m.opOperationSync) {
                w.key("operation");
                w.beginObject();
                w.key("sync");
                if (a.opState->hasResult)
                    writeSyncResult(w, *a.opState, a);
                else
                    w.null();
                w.endObject();
            }
            if (m.opPhase)
                w.kv("phase", a.opState->phase);
            if (m.opStarted)
                w.kv("startedAt", a.opState->startedAt);
            w.endObject();
        }
        if (m.statusResources) {
            // List responses carry no per-resource health since v3.0 (resourceHealthSource).
            w.key("resources");
            w.beginArray();
            for (const auto& r : a.resources)
                if (!r.hook)
                    writeResourceStatus(w, r, false);
            w.endArray();
        }
        if (m.statusSummary) {
            w.key("summary");
            writeSummary(w, a);
        }
        if (anySync) {
            w.key("sync");
            w.beginObject();
            if (m.syncRevision)
                w.kv("revision", a.syncRevision);
            if (m.syncStatus)
                w.kv("status", a.syncStatus);
            w.endObject();
        }
        w.endObject();
    }
    w.endObject();
}

Str listBody(const Instance& inst, const std::vector<const App*>& apps, const FieldMask& mask) {
    Str out;
    out.reserve(apps.size() * (mask.all ? 4096 : 512) + 64);
    JsonWriter w(out);
    w.beginObject();
    w.key("metadata");
    w.beginObject();
    w.kv("resourceVersion", std::to_string(inst.rv));
    w.endObject();
    w.key("items");
    if (apps.empty()) {
        w.null();
    } else {
        w.beginArray();
        for (const App* a : apps) {
            if (mask.all)
                writeApp(w, *a);
            else
                writeAppProjected(w, *a, mask);
        }
        w.endArray();
    }
    w.endObject();
    return out;
}

Str appJson(const App& app) {
    Str out;
    out.reserve(8192);
    JsonWriter w(out);
    writeApp(w, app);
    return out;
}

// ---- resource tree, manifests, diffs --------------------------------------------------------

namespace {

struct PodView {
    PodInfo pod;
    Str uid;
};

Str createdAtFor(const App& a) {
    if (!a.history.empty())
        return a.history.back().deployedAt;
    return a.creationTimestamp;
}

// The pods a workload resource has in the live cluster: explicit ones from the scenario, or
// derived from the replica count with a health that follows the resource.
std::vector<PodInfo> podsOf(const App& a, const Resource& r, const Str& rsName) {
    if (!r.pods.empty())
        return r.pods;
    std::vector<PodInfo> out;
    if (r.kind != "Deployment" && r.kind != "StatefulSet")
        return out;
    const int n = r.liveReplicas >= 0 ? r.liveReplicas : (r.replicas >= 0 ? r.replicas : 1);
    for (int i = 0; i < n; ++i) {
        PodInfo p;
        p.name = r.kind == "StatefulSet"
                     ? r.name + "-" + std::to_string(i)
                     : rsName + "-" + hexHash(a.name + r.name + std::to_string(i), 5);
        p.images = r.images;
        p.node =
            "node-" + hexHash(p.name, 2) + "." + (a.destName.empty() ? Str("cluster") : a.destName);
        if (r.health == "Degraded" && i == 0) {
            p.health = "Degraded";
            const int kind = static_cast<int>(std::hash<Str>{}(a.name) % 3);
            const Str container = r.name;
            if (kind == 0) {
                p.statusReason = "CrashLoopBackOff";
                p.containers = "0/1";
                p.restarts = 7 + static_cast<int>(std::hash<Str>{}(p.name) % 20);
                p.lastTerminatedReason = "Error";
                p.lastTerminatedExitCode = 1;
                p.healthMessage = "back-off 5m0s restarting failed container=" + container +
                                  " pod=" + p.name + "_" + r.ns + "(" + uidFor(p.name) + ")";
            } else if (kind == 1) {
                p.statusReason = "ImagePullBackOff";
                p.containers = "0/1";
                p.healthMessage = "Back-off pulling image \"" +
                                  (r.images.empty() ? Str() : r.images.front()) + "\"";
            } else {
                p.statusReason = "OOMKilled";
                p.containers = "0/1";
                p.restarts = 4;
                p.lastTerminatedReason = "OOMKilled";
                p.lastTerminatedExitCode = 137;
                p.healthMessage = "back-off 2m40s restarting failed container=" + container +
                                  " pod=" + p.name + "_" + r.ns + "(" + uidFor(p.name) + ")";
            }
        } else if (r.health == "Progressing" && i == n - 1) {
            p.health = "Progressing";
            p.statusReason = "ContainerCreating";
            p.containers = "0/1";
        }
        out.push_back(p);
    }
    return out;
}

Str rsNameFor(const App& a, const Resource& r) {
    return r.name + "-" + hexHash(a.name + r.name + a.syncRevision, 10);
}

void writeNodeRef(JsonWriter& w, const Str& group, const Str& version, const Str& kind,
                  const Str& ns, const Str& name, const Str& uid) {
    w.opt("group", group);
    w.kv("version", version);
    w.kv("kind", kind);
    w.opt("namespace", ns);
    w.kv("name", name);
    w.kv("uid", uid);
}

} // namespace

Str treeJson(const App& a) {
    Str out;
    JsonWriter w(out);
    w.beginObject();
    w.key("nodes");
    w.beginArray();
    const Str created = createdAtFor(a);
    for (const auto& r : a.resources) {
        const Str uid = r.uid.empty() ? uidFor(a.key() + r.kind + r.name) : r.uid;
        w.beginObject();
        writeNodeRef(w, r.group, r.version, r.kind, r.ns, r.name, uid);
        w.kv("resourceVersion", std::to_string(100000 + std::hash<Str>{}(uid) % 900000));
        if (!r.health.empty()) {
            w.key("health");
            writeHealth(w, r.health, r.healthMessage, {});
        }
        if (!r.images.empty())
            w.stringArray("images", r.images);
        if (r.kind == "Deployment") {
            w.key("info");
            w.beginArray();
            w.beginObject();
            w.kv("name", "Revision");
            w.kv("value", "Rev:" + std::to_string(a.history.size() > 0 ? a.history.size() : 1));
            w.endObject();
            w.endArray();
        }
        w.kv("createdAt", created);
        w.endObject();

        if (r.kind != "Deployment" && r.kind != "StatefulSet" && r.kind != "Job")
            continue;
        Str parentKind = r.kind, parentGroup = r.group, parentName = r.name, parentUid = uid;
        Str podPrefix = r.name;
        if (r.kind == "Deployment") {
            const Str rs = rsNameFor(a, r);
            const Str rsUid = uidFor(a.key() + "rs" + rs);
            w.beginObject();
            writeNodeRef(w, "apps", "v1", "ReplicaSet", r.ns, rs, rsUid);
            w.key("parentRefs");
            w.beginArray();
            w.beginObject();
            writeNodeRef(w, r.group, r.version, r.kind, r.ns, r.name, uid);
            w.endObject();
            w.endArray();
            w.kv("resourceVersion", std::to_string(100000 + std::hash<Str>{}(rsUid) % 900000));
            w.key("health");
            writeHealth(w, r.health.empty() ? Str("Healthy") : r.health, {}, {});
            w.key("info");
            w.beginArray();
            w.beginObject();
            w.kv("name", "Revision");
            w.kv("value", "Rev:" + std::to_string(a.history.size() > 0 ? a.history.size() : 1));
            w.endObject();
            w.endArray();
            w.kv("createdAt", created);
            w.endObject();
            parentKind = "ReplicaSet";
            parentGroup = "apps";
            parentName = rs;
            parentUid = rsUid;
            podPrefix = rs;
        }
        for (const auto& p : podsOf(a, r, podPrefix)) {
            const Str puid = uidFor(a.key() + "pod" + p.name);
            w.beginObject();
            writeNodeRef(w, "", "v1", "Pod", r.ns, p.name, puid);
            w.key("parentRefs");
            w.beginArray();
            w.beginObject();
            writeNodeRef(w, parentGroup, "v1", parentKind, r.ns, parentName, parentUid);
            w.endObject();
            w.endArray();
            w.key("info");
            w.beginArray();
            auto info = [&](const Str& n, const Str& v) {
                w.beginObject();
                w.kv("name", n);
                w.kv("value", v);
                w.endObject();
            };
            if (!p.node.empty())
                info("Node", p.node);
            info("Status Reason", p.statusReason);
            info("Containers", p.containers);
            if (p.restarts > 0)
                info("Restart Count", std::to_string(p.restarts));
            w.endArray();
            w.kv("resourceVersion", std::to_string(100000 + std::hash<Str>{}(puid) % 900000));
            w.stringArray("images", p.images.empty() ? r.images : p.images);
            w.key("health");
            writeHealth(w, p.health, p.healthMessage, {});
            w.key("networkingInfo");
            w.beginObject();
            w.key("labels");
            w.beginObject();
            w.kv("app.kubernetes.io/instance", a.name);
            w.kv("app.kubernetes.io/name", r.name);
            w.endObject();
            w.endObject();
            w.kv("createdAt", created);
            w.endObject();
        }
    }
    w.endArray();
    w.endObject();
    return out;
}

static json k8sLabels(const App& a, const Resource& r) {
    return json{{"app.kubernetes.io/instance", a.name}, {"app.kubernetes.io/name", r.name}};
}

// A plausible rendered manifest for a resource; `live` adds server-populated fields.
static json manifestFor(const App& a, const Resource& r, bool live,
                        const std::vector<Str>* imagesOverride = nullptr) {
    json m;
    m["apiVersion"] = r.group.empty() ? r.version : r.group + "/" + r.version;
    m["kind"] = r.kind;
    json meta{{"name", r.name}, {"labels", k8sLabels(a, r)}};
    if (!r.ns.empty())
        meta["namespace"] = r.ns;
    meta["annotations"] = json{{"argocd.argoproj.io/tracking-id",
                                a.name + ":" + r.group + "/" + r.kind + ":" + r.ns + "/" + r.name}};
    if (live) {
        meta["uid"] = r.uid.empty() ? uidFor(a.key() + r.kind + r.name) : r.uid;
        meta["resourceVersion"] = std::to_string(100000 + std::hash<Str>{}(r.name) % 900000);
        meta["creationTimestamp"] = a.creationTimestamp;
        meta["generation"] = static_cast<int>(a.history.size() + 1);
    }
    m["metadata"] = meta;
    const auto& images = imagesOverride && !imagesOverride->empty() ? *imagesOverride : r.images;
    if (r.kind == "Deployment" || r.kind == "StatefulSet") {
        const int replicas =
            live && r.liveReplicas >= 0 ? r.liveReplicas : (r.replicas >= 0 ? r.replicas : 1);
        json containers = json::array();
        int i = 0;
        for (const auto& img : images) {
            containers.push_back(json{
                {"name", i == 0 ? r.name : r.name + "-" + std::to_string(i)},
                {"image", img},
                {"ports", json::array({json{{"containerPort", 8080}, {"protocol", "TCP"}}})},
                {"resources", json{{"requests", json{{"cpu", "100m"}, {"memory", "128Mi"}}}}}});
            ++i;
        }
        m["spec"] =
            json{{"replicas", replicas},
                 {"selector", json{{"matchLabels", json{{"app.kubernetes.io/name", r.name}}}}},
                 {"template", json{{"metadata", json{{"labels", k8sLabels(a, r)}}},
                                   {"spec", json{{"containers", containers}}}}}};
        if (live)
            m["status"] = json{
                {"replicas", replicas},
                {"readyReplicas", r.health == "Healthy" ? replicas : std::max(0, replicas - 1)},
                {"observedGeneration", static_cast<int>(a.history.size() + 1)}};
    } else if (r.kind == "Service") {
        m["spec"] = json{
            {"type", "ClusterIP"},
            {"selector", json{{"app.kubernetes.io/name", r.name}}},
            {"ports",
             json::array({json{
                 {"name", "http"}, {"port", 80}, {"targetPort", 8080}, {"protocol", "TCP"}}})}};
        if (live)
            m["spec"]["clusterIP"] = "10.96." + std::to_string(std::hash<Str>{}(r.name) % 250) +
                                     "." + std::to_string(std::hash<Str>{}(a.name) % 250);
    } else if (r.kind == "ConfigMap") {
        json data = json::object();
        for (const auto& [k, v] : (live && !r.liveData.empty() ? r.liveData : r.data))
            data[k] = v;
        m["data"] = data;
    } else if (r.kind == "Secret") {
        m["type"] = "Opaque";
        m["data"] = json{{"password", "++++++++"}};
    } else if (r.kind == "HorizontalPodAutoscaler") {
        m["spec"] =
            json{{"minReplicas", 2},
                 {"maxReplicas", 10},
                 {"scaleTargetRef",
                  json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", r.name}}}};
    } else if (r.kind == "Job") {
        m["spec"] =
            json{{"backoffLimit", 2},
                 {"template",
                  json{{"spec",
                        json{{"restartPolicy", "Never"},
                             {"containers",
                              json::array({json{{"name", r.name},
                                                {"image", images.empty() ? Str("busybox:1.36")
                                                                         : images.front()}}})}}}}}};
    } else if (r.kind == "PersistentVolumeClaim") {
        m["spec"] = json{{"accessModes", json::array({"ReadWriteOnce"})},
                         {"resources", json{{"requests", json{{"storage", "50Gi"}}}}}};
    }
    return m;
}

Str managedResourcesJson(const App& a) {
    json items = json::array();
    for (const auto& r : a.resources) {
        if (r.hook)
            continue;
        const json target = manifestFor(a, r, false);
        const json liveObj = manifestFor(a, r, true);
        json predicted = liveObj;
        for (auto it = target.begin(); it != target.end(); ++it)
            if (it.key() != "metadata" && it.key() != "status")
                predicted[it.key()] = it.value();
        if (predicted.contains("spec") && liveObj.contains("spec") &&
            liveObj["spec"].contains("clusterIP"))
            predicted["spec"]["clusterIP"] = liveObj["spec"]["clusterIP"];
        items.push_back(json{{"group", r.group},
                             {"kind", r.kind},
                             {"namespace", r.ns},
                             {"name", r.name},
                             {"targetState", target.dump()},
                             {"liveState", liveObj.dump()},
                             {"normalizedLiveState", liveObj.dump()},
                             {"predictedLiveState", predicted.dump()},
                             {"resourceVersion", liveObj["metadata"]["resourceVersion"]},
                             {"modified", r.status == "OutOfSync"},
                             {"hook", false}});
    }
    return json{{"items", items}}.dump();
}

Str manifestsJson(const App& a, const Str& revision) {
    const std::vector<Str>* images = nullptr;
    Str rev = revision.empty() ? a.syncRevision : revision;
    // The first history entry of the revision decides which `since` resources it renders (a
    // later rollback entry with the same revision renders the same Git content).
    const HistoryEntry* first = nullptr;
    for (const auto& h : a.history)
        if (!revision.empty() && h.revision == revision) {
            if (!first)
                first = &h;
            if (!h.images.empty())
                images = &h.images;
        }
    json manifests = json::array();
    for (const auto& r : a.resources)
        if (!r.hook && (!first || r.sinceHistoryId <= first->id))
            manifests.push_back(
                manifestFor(a, r, false, r.kind == "Deployment" ? images : nullptr).dump());
    return json{
        {"manifests", manifests},
        {"namespace", a.destNamespace},
        {"server", a.destServer},
        {"revision", rev},
        {"sourceType", a.sources.empty() ? Str("Directory") : a.sources.front()->sourceType()}}
        .dump();
}

// ---- live objects (GET .../resource) ---------------------------------------------------------

namespace {

// Waiting reasons of a container that never started: no logs exist, the pod stays Pending.
bool neverStarted(const Str& reason) {
    static const char* const kReasons[] = {"ContainerCreating",    "PodInitializing",
                                           "ImagePullBackOff",     "ErrImagePull",
                                           "InvalidImageName",     "CreateContainerConfigError",
                                           "CreateContainerError", "ErrImageNeverPull"};
    return std::find(std::begin(kReasons), std::end(kReasons), reason) != std::end(kReasons);
}

int terminatedExitCode(const Str& reason) {
    if (reason == "Completed")
        return 0;
    if (reason == "OOMKilled")
        return 137;
    if (reason == "ContainerCannotRun")
        return 128;
    if (reason == "Error" || reason == "DeadlineExceeded")
        return 1;
    return -1; // not a terminated reason
}

// A v1.Pod whose status follows the scenario's pod: the Status Reason becomes the failing
// containers' state (waiting, or terminated for Error/OOMKilled/Completed), Restart Count their
// restartCount, lastTerminated their lastState.
json podObject(const App& a, const Resource& r, const PodInfo& p, const Str& ownerGroup,
               const Str& ownerKind, const Str& ownerName, const Str& ownerUid,
               const Str& created) {
    int ready = 0, total = 1;
    if (const auto slash = p.containers.find('/'); slash != Str::npos) {
        ready = std::atoi(p.containers.substr(0, slash).c_str());
        total = std::max(1, std::atoi(p.containers.substr(slash + 1).c_str()));
    }
    const auto& images = p.images.empty() ? r.images : p.images;
    const bool job = r.kind == "Job";
    const bool unschedulable = p.statusReason == "Pending" || p.statusReason == "Unschedulable";
    const bool evicted = p.statusReason == "Evicted";

    json containers = json::array(), statuses = json::array();
    bool waitingBeforeStart = false, failed = false, succeeded = true;
    for (int i = 0; i < total; ++i) {
        const Str name = i == 0 ? r.name : r.name + "-" + std::to_string(i);
        const Str image = images.empty() ? Str("busybox:1.36")
                                         : images[std::min<size_t>(size_t(i), images.size() - 1)];
        containers.push_back(json{{"name", name}, {"image", image}});
        json st{{"name", name}, {"image", image}, {"imageID", ""}};
        const bool ok = i < ready;
        json state;
        if (ok || p.statusReason == "Running") {
            state = json{{"running", json{{"startedAt", created}}}};
            succeeded = false;
        } else if (const int code = terminatedExitCode(p.statusReason); code >= 0) {
            json t{{"reason", p.statusReason},
                   {"exitCode", code},
                   {"startedAt", created},
                   {"finishedAt", created}};
            if (!p.healthMessage.empty())
                t["message"] = p.healthMessage;
            state = json{{"terminated", t}};
            failed = failed || code != 0;
            succeeded = succeeded && code == 0;
        } else {
            json w{{"reason", p.statusReason}};
            if (!p.healthMessage.empty())
                w["message"] = p.healthMessage;
            state = json{{"waiting", w}};
            waitingBeforeStart =
                waitingBeforeStart || (neverStarted(p.statusReason) && p.restarts == 0);
            succeeded = false;
        }
        st["state"] = state;
        st["ready"] = ok;
        st["started"] = state.contains("running");
        st["restartCount"] = ok ? 0 : p.restarts;
        json last = json::object();
        if (!ok && !p.lastTerminatedReason.empty())
            last["terminated"] = json{{"reason", p.lastTerminatedReason},
                                      {"exitCode", p.lastTerminatedExitCode},
                                      {"startedAt", created},
                                      {"finishedAt", created}};
        st["lastState"] = last;
        statuses.push_back(st);
    }

    const Str uid = uidFor(a.key() + "pod" + p.name);
    json meta{
        {"name", p.name},
        {"namespace", r.ns},
        {"uid", uid},
        {"resourceVersion", std::to_string(100000 + std::hash<Str>{}(uid) % 900000)},
        {"creationTimestamp", created},
        {"labels", k8sLabels(a, r)},
        {"ownerReferences",
         json::array({json{{"apiVersion", ownerGroup.empty() ? Str("v1") : ownerGroup + "/v1"},
                           {"kind", ownerKind},
                           {"name", ownerName},
                           {"uid", ownerUid},
                           {"controller", true},
                           {"blockOwnerDeletion", true}}})}};
    json spec{{"containers", containers}, {"restartPolicy", job ? "Never" : "Always"}};
    json status;
    const bool allReady = ready >= total;
    auto condition = [&](const char* type, bool value, const Str& reason = {},
                         const Str& message = {}) {
        json c{
            {"type", type}, {"status", value ? "True" : "False"}, {"lastTransitionTime", created}};
        if (!reason.empty())
            c["reason"] = reason;
        if (!message.empty())
            c["message"] = message;
        return c;
    };
    if (unschedulable) {
        status["phase"] = "Pending";
        status["conditions"] =
            json::array({condition("PodScheduled", false, "Unschedulable", p.healthMessage)});
        return json{{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata", meta},
                    {"spec", spec},
                    {"status", status}};
    }
    spec["nodeName"] = p.node;
    if (evicted) {
        status["phase"] = "Failed";
        status["reason"] = "Evicted";
        status["message"] = p.healthMessage;
        return json{{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata", meta},
                    {"spec", spec},
                    {"status", status}};
    }
    status["phase"] = waitingBeforeStart ? "Pending"
                      : succeeded        ? "Succeeded"
                      : failed && job    ? "Failed"
                                         : "Running";
    status["conditions"] =
        json::array({condition("Initialized", true),
                     condition("Ready", allReady, allReady ? "" : "ContainersNotReady"),
                     condition("ContainersReady", allReady, allReady ? "" : "ContainersNotReady"),
                     condition("PodScheduled", true)});
    status["containerStatuses"] = statuses;
    status["startTime"] = created;
    status["qosClass"] = "Burstable";
    return json{{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", meta},
                {"spec", spec},
                {"status", status}};
}

} // namespace

json liveResource(const App& a, const Str& group, const Str& kind, const Str& ns, const Str& name) {
    const Str created = createdAtFor(a);
    for (const auto& r : a.resources) {
        const Str uid = r.uid.empty() ? uidFor(a.key() + r.kind + r.name) : r.uid;
        if (r.kind == kind && r.name == name && r.group == group && (ns.empty() || r.ns == ns))
            return manifestFor(a, r, true);
        if (r.kind != "Deployment" && r.kind != "StatefulSet" && r.kind != "Job")
            continue;
        // The same parent chain as treeJson: Deployment -> ReplicaSet -> Pod, else direct.
        Str ownerGroup = r.group, ownerKind = r.kind, ownerName = r.name, ownerUid = uid;
        if (r.kind == "Deployment") {
            const Str rs = rsNameFor(a, r);
            const Str rsUid = uidFor(a.key() + "rs" + rs);
            if (kind == "ReplicaSet" && group == "apps" && name == rs &&
                (ns.empty() || ns == r.ns)) {
                json m = manifestFor(a, r, true);
                m["kind"] = "ReplicaSet";
                m["metadata"]["name"] = rs;
                m["metadata"]["uid"] = rsUid;
                m["metadata"]["ownerReferences"] =
                    json::array({json{{"apiVersion", "apps/v1"},
                                      {"kind", "Deployment"},
                                      {"name", r.name},
                                      {"uid", uid},
                                      {"controller", true},
                                      {"blockOwnerDeletion", true}}});
                return m;
            }
            ownerGroup = "apps";
            ownerKind = "ReplicaSet";
            ownerName = rs;
            ownerUid = rsUid;
        }
        if (kind != "Pod" || !group.empty() || (!ns.empty() && ns != r.ns))
            continue;
        for (const auto& p : podsOf(a, r, r.kind == "Deployment" ? ownerName : r.name))
            if (p.name == name)
                return podObject(a, r, p, ownerGroup, ownerKind, ownerName, ownerUid, created);
    }
    return nullptr;
}

// ---- events, logs, revision metadata --------------------------------------------------------

static json makeEvent(const Str& ns, const json& involved, const Str& reason, const Str& message,
                      const Str& type, const Str& component, const Str& first, const Str& last,
                      int count) {
    const Str name = involved.value("name", "") + "." + hexHash(reason + message + first, 16);
    return json{{"metadata",
                 json{{"name", name},
                      {"namespace", ns},
                      {"uid", uidFor(name)},
                      {"resourceVersion", std::to_string(200000 + std::hash<Str>{}(name) % 800000)},
                      {"creationTimestamp", first}}},
                {"involvedObject", involved},
                {"reason", reason},
                {"message", message},
                {"source", json{{"component", component}}},
                {"firstTimestamp", first},
                {"lastTimestamp", last},
                {"count", count},
                {"type", type},
                {"eventTime", nullptr},
                {"reportingComponent", component},
                {"reportingInstance", ""}};
}

// Whether `name` is one of the app's own resources or a ReplicaSet under them, not a Pod: those
// get no derived kubelet events.
static bool isWorkloadOrObject(const App& a, const Str& name) {
    for (const auto& r : a.resources)
        if (r.name == name || (r.kind == "Deployment" && rsNameFor(a, r) == name))
            return true;
    return false;
}

Str eventsJson(const App& a, const Str& resourceUid, const Str& resourceNs,
               const Str& resourceName) {
    json items = json::array();
    const bool resourceQuery = !resourceName.empty();
    if (a.extras && !a.extras->events.empty()) {
        for (const auto& e : a.extras->events) {
            const json& io = e["involvedObject"];
            const bool isApp = io.value("kind", "") == "Application";
            if (resourceQuery) {
                if (isApp || io.value("name", "") != resourceName ||
                    (!resourceNs.empty() && io.value("namespace", "") != resourceNs))
                    continue;
                (void)resourceUid;
            } else if (!isApp) {
                continue;
            }
            items.push_back(e);
        }
    }
    if (items.empty() && !resourceQuery) {
        // Application events derived from the last deployments.
        const json involved{{"kind", "Application"},
                            {"namespace", a.ns},
                            {"name", a.name},
                            {"uid", a.uid},
                            {"apiVersion", "argoproj.io/v1alpha1"}};
        const size_t n = a.history.size();
        for (size_t i = n > 2 ? n - 2 : 0; i < n; ++i) {
            const auto& h = a.history[i];
            const Str who = h.initiatedBy.automated ? Str("argocd-application-controller")
                                                    : Str("argocd-server");
            const Str by =
                h.initiatedBy.automated ? Str("automated sync policy") : h.initiatedBy.username;
            items.push_back(makeEvent(a.ns, involved, "OperationStarted",
                                      by + " initiated sync to " + h.revision, "Normal", who,
                                      h.deployStartedAt, h.deployStartedAt, 1));
            items.push_back(makeEvent(
                a.ns, involved, "ResourceUpdated", "Updated sync status: OutOfSync -> Synced",
                "Normal", "argocd-application-controller", h.deployedAt, h.deployedAt, 1));
            items.push_back(makeEvent(a.ns, involved, "OperationCompleted",
                                      "Sync operation to " + h.revision + " succeeded", "Normal",
                                      "argocd-application-controller", h.deployedAt, h.deployedAt,
                                      1));
        }
        if (a.health != "Healthy")
            items.push_back(makeEvent(
                a.ns, involved, "ResourceUpdated", "Updated health status: Healthy -> " + a.health,
                "Normal", "argocd-application-controller", a.reconciledAt, a.reconciledAt, 1));
    } else if (items.empty() && resourceQuery && !isWorkloadOrObject(a, resourceName)) {
        // Kubelet-style events for a derived pod.
        const json involved{{"kind", "Pod"},
                            {"namespace", resourceNs},
                            {"name", resourceName},
                            {"uid", resourceUid},
                            {"apiVersion", "v1"}};
        const Str t = createdAtFor(a);
        items.push_back(
            makeEvent(resourceNs, involved, "Scheduled",
                      "Successfully assigned " + resourceNs + "/" + resourceName + " to node-1",
                      "Normal", "default-scheduler", t, t, 1));
        items.push_back(makeEvent(resourceNs, involved, "Started", "Started container", "Normal",
                                  "kubelet", t, t, 1));
    }
    return json{{"metadata", json::object()}, {"items", items}}.dump();
}

std::vector<LogLine> logsFor(const App& a) {
    if (a.extras && !a.extras->logs.empty())
        return a.extras->logs;
    std::vector<LogLine> out;
    long long t = parseRfc3339(createdAtFor(a));
    for (const auto& r : a.resources) {
        if (r.kind != "Deployment" && r.kind != "StatefulSet")
            continue;
        for (const auto& p : podsOf(a, r, rsNameFor(a, r))) {
            static const char* msgs[] = {
                R"({"level":"info","msg":"starting server","addr":":8080"})",
                R"({"level":"info","msg":"connected to database","pool":10})",
                R"({"level":"info","msg":"GET /healthz 200","duration_ms":1})",
                R"({"level":"info","msg":"GET /api/v1/items 200","duration_ms":12})",
                R"({"level":"warn","msg":"slow request","path":"/api/v1/search","duration_ms":870})",
            };
            int k = 0;
            for (const char* m : msgs) {
                const Str ts = rfc3339(t + k * 7);
                out.push_back(
                    LogLine{p.name, r.name, false, ts.substr(0, ts.size() - 1) + ".000000000Z", m});
                ++k;
            }
        }
    }
    return out;
}

Str revisionMetadataJson(const App& a, const Str& revision) {
    const HistoryEntry* h = nullptr;
    for (const auto& e : a.history)
        if (e.revision == revision ||
            std::find(e.revisions.begin(), e.revisions.end(), revision) != e.revisions.end())
            h = &e;
    static const char* authors[] = {
        "Ana Lopez <ana.lopez@example.com>", "Ben Okafor <ben.okafor@example.com>",
        "Chen Wei <chen.wei@example.com>", "Dana Kim <dana.kim@example.com>",
        "Erik Lund <erik.lund@example.com>"};
    static const char* messages[] = {"Bump image to latest release", "Tune resource requests",
                                     "Add readiness probe", "Update Helm values for rollout",
                                     "Rotate config and bump chart version"};
    const size_t pick = std::hash<Str>{}(revision) % 5;
    json out;
    out["author"] = h && !h->author.empty() ? h->author : Str(authors[pick]);
    out["date"] = h ? h->deployStartedAt : Str(a.creationTimestamp);
    out["message"] = h && !h->message.empty() ? h->message : Str(messages[pick]);
    out["tags"] = json::array();
    return out.dump();
}

// ---- generic fields filter ------------------------------------------------------------------

static void copyPath(const json& src, json& dst, const std::vector<Str>& parts, size_t i) {
    if (i == parts.size()) {
        dst = src;
        return;
    }
    if (src.is_array()) {
        if (!dst.is_array())
            dst = json::array();
        for (size_t k = 0; k < src.size(); ++k) {
            if (dst.size() <= k)
                dst.push_back(json::object());
            copyPath(src[k], dst[k], parts, i);
        }
        return;
    }
    if (!src.is_object())
        return;
    auto it = src.find(parts[i]);
    if (it == src.end())
        return;
    if (!dst.is_object())
        dst = json::object();
    json& child = dst[parts[i]];
    copyPath(*it, child, parts, i + 1);
}

json filterFields(const json& doc, const std::vector<Str>& paths) {
    json out = json::object();
    for (const auto& p : paths) {
        std::vector<Str> parts;
        size_t pos = 0;
        while (pos <= p.size()) {
            size_t dot = p.find('.', pos);
            if (dot == Str::npos)
                dot = p.size();
            parts.push_back(p.substr(pos, dot - pos));
            pos = dot + 1;
        }
        copyPath(doc, out, parts, 0);
    }
    return out;
}

Str clusterListJson(const Instance& inst) {
    Str out;
    JsonWriter w(out);
    w.beginObject();
    w.key("metadata");
    w.beginObject();
    w.endObject();
    w.key("items");
    w.beginArray();
    const Str now = nowRfc3339();
    for (const auto& c : inst.clusters) {
        int count = 0;
        for (const auto& a : inst.apps)
            if (a.destServer == c.server || (!a.destName.empty() && a.destName == c.name))
                ++count;
        w.beginObject();
        w.kv("server", c.server);
        w.kv("name", c.name);
        w.key("config");
        w.beginObject();
        w.key("tlsClientConfig");
        w.beginObject();
        w.kv("insecure", false);
        w.endObject();
        w.endObject();
        auto conn = [&]() {
            w.beginObject();
            w.kv("status", c.connection);
            w.opt("message", c.connectionMessage);
            w.kv("attemptedAt", now);
            w.endObject();
        };
        w.key("connectionState");
        conn();
        w.kv("serverVersion", c.serverVersion.substr(1, c.serverVersion.rfind('.') - 1));
        if (!c.labels.empty()) {
            w.key("labels");
            writeKV(w, c.labels);
        }
        w.key("info");
        w.beginObject();
        w.key("connectionState");
        conn();
        w.kv("serverVersion", c.serverVersion);
        w.key("cacheInfo");
        w.beginObject();
        w.kv("resourcesCount", 400 + count * 9);
        w.kv("apisCount", 62);
        w.kv("lastCacheSyncTime", now);
        w.endObject();
        w.kv("applicationsCount", count);
        w.stringArray("apiVersions",
                      std::vector<Str>{"admissionregistration.k8s.io/v1", "apps/v1",
                                       "autoscaling/v2", "batch/v1", "networking.k8s.io/v1",
                                       "policy/v1", "rbac.authorization.k8s.io/v1",
                                       "storage.k8s.io/v1", "v1"});
        w.endObject();
        w.endObject();
    }
    w.endArray();
    w.endObject();
    return out;
}

} // namespace sextant::sim
