#include "evidencecollector.h"

#include "argocd/client.h"

#include <QFutureWatcher>
#include <QRegularExpression>
#include <QSet>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <deque>
#include <optional>

namespace sextant::analysis {

namespace {

// Without an error line the last lines before the exit tell most; keep a short tail so that
// healthy chatter does not crowd out the other evidence.
constexpr int kTailWithoutErrors = 50;

// ---- defensive JSON access: answers come from a server, any member may be missing ----------

const Json& member(const Json& j, const char* key) {
    static const Json null;
    if (!j.is_object())
        return null;
    const auto it = j.find(key);
    return it == j.end() ? null : *it;
}

QString str(const Json& j, const char* key) {
    const Json& v = member(j, key);
    return v.is_string() ? QString::fromStdString(v.get<std::string>()) : QString();
}

qint64 integer(const Json& j, const char* key) {
    const Json& v = member(j, key);
    if (v.is_number_integer())
        return v.get<qint64>();
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>()).toLongLong();
    return 0;
}

std::string utf8(const QString& s) {
    return s.toStdString();
}

QString capLine(const QString& line, int maxChars) {
    if (maxChars <= 0 || line.size() <= maxChars)
        return line;
    return line.left(maxChars - 1) + QChar(0x2026); // "…"
}

// A resource of the tree worth looking at: a failing Pod, or an unhealthy workload/PVC.
struct Target {
    QString group, version, kind, ns, name, uid, health, statusReason;
    int restarts = 0;
    QString label() const { return kind + QLatin1Char(' ') + ns + QLatin1Char('/') + name; }
};

struct TreePlan {
    QVector<Target> pods;   // failing pods, worst first, capped at caps.maxPods
    QVector<Target> others; // unhealthy non-Pod resources whose events are fetched
    QStringList notes;
};

// Container waiting reasons that mean the container never ran: there are no logs to read.
bool neverStarted(const QString& reason) {
    static const QSet<QString> reasons = {QStringLiteral("ContainerCreating"),
                                          QStringLiteral("PodInitializing"),
                                          QStringLiteral("ImagePullBackOff"),
                                          QStringLiteral("ErrImagePull"),
                                          QStringLiteral("InvalidImageName"),
                                          QStringLiteral("CreateContainerConfigError"),
                                          QStringLiteral("CreateContainerError"),
                                          QStringLiteral("ErrImageNeverPull"),
                                          QStringLiteral("Pending"),
                                          QStringLiteral("Unschedulable"),
                                          QStringLiteral("SchedulingGated")};
    return reasons.contains(reason) || reason.startsWith(QLatin1String("Init:"));
}

TreePlan planFromTree(const Json& tree, const CollectOptions& opt) {
    // The kinds whose events explain a failure (the brief's list plus DaemonSets and HPAs).
    static const QSet<QString> eventKinds = {QStringLiteral("Deployment"),
                                             QStringLiteral("ReplicaSet"),
                                             QStringLiteral("StatefulSet"),
                                             QStringLiteral("DaemonSet"),
                                             QStringLiteral("Job"),
                                             QStringLiteral("CronJob"),
                                             QStringLiteral("PersistentVolumeClaim"),
                                             QStringLiteral("HorizontalPodAutoscaler")};
    TreePlan plan;
    QVector<QPair<int, Target>> pods; // rank, pod
    const Json& nodes = member(tree, "nodes");
    if (!nodes.is_array())
        return plan;
    for (const Json& n : nodes) {
        Target t;
        t.group = str(n, "group");
        t.version = str(n, "version");
        t.kind = str(n, "kind");
        t.ns = str(n, "namespace");
        t.name = str(n, "name");
        t.uid = str(n, "uid");
        t.health = str(member(n, "health"), "status");
        const Json& info = member(n, "info");
        if (info.is_array()) {
            for (const Json& i : info) {
                const QString name = str(i, "name");
                if (name == QLatin1String("Status Reason"))
                    t.statusReason = str(i, "value");
                else if (name == QLatin1String("Restart Count"))
                    t.restarts = str(i, "value").toInt();
            }
        }
        const bool unhealthy = !t.health.isEmpty() && t.health != QLatin1String("Healthy");
        if (t.kind == QLatin1String("Pod") && t.group.isEmpty()) {
            const bool badReason = !t.statusReason.isEmpty() &&
                                   t.statusReason != QLatin1String("Running") &&
                                   t.statusReason != QLatin1String("Completed");
            // Degraded first, then other unhealthy states, then pods that only restarted.
            const int rank = t.health == QLatin1String("Degraded") ? 0
                             : unhealthy || badReason              ? 1
                             : t.restarts > 0                      ? 2
                                                                   : -1;
            if (rank >= 0)
                pods.append({rank, t});
        } else if (unhealthy && t.health != QLatin1String("Missing") && !t.uid.isEmpty() &&
                   eventKinds.contains(t.kind)) {
            // Missing resources are not live, so they have no events.
            plan.others.append(t);
        }
    }
    std::stable_sort(pods.begin(), pods.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& p : pods)
        if (plan.pods.size() < opt.caps.maxPods)
            plan.pods.append(p.second);
    if (pods.size() > plan.pods.size())
        plan.notes << QStringLiteral("pods: looked at %1 of %2 failing pods (Degraded first)")
                          .arg(plan.pods.size())
                          .arg(pods.size());
    if (plan.others.size() > opt.maxOtherResources) {
        plan.notes << QStringLiteral("events: fetched for %1 of %2 unhealthy resources")
                          .arg(opt.maxOtherResources)
                          .arg(plan.others.size());
        plan.others.resize(opt.maxOtherResources);
    }
    return plan;
}

struct RevisionQuery {
    QString revision;
    int sourceIndex = -1; // multi-source apps: the Git source the revision belongs to
    qint64 historyId = 0;
};

// The failing revision (the failed operation's, else the current one) and the last history
// entry deployed before it, oldest first.
QVector<RevisionQuery> planRevisions(const Json& app, QStringList* notes) {
    QVector<RevisionQuery> out;
    const Json& spec = member(app, "spec");
    const Json& status = member(app, "status");
    const Json& sources = member(spec, "sources");
    const bool multi = sources.is_array() && !sources.empty();
    int sourceIndex = -1;
    if (multi) {
        // Helm repository sources have no commit metadata: use the first Git source.
        for (size_t i = 0; i < sources.size(); ++i)
            if (str(sources[i], "chart").isEmpty()) {
                sourceIndex = int(i);
                break;
            }
        if (sourceIndex < 0) {
            *notes << QStringLiteral("revisions: no Git source, no commit metadata");
            return out;
        }
    } else if (!str(member(spec, "source"), "chart").isEmpty()) {
        *notes << QStringLiteral("revisions: the source is a Helm chart, no commit metadata");
        return out;
    }
    const auto revisionOf = [&](const Json& holder) {
        if (!multi)
            return str(holder, "revision");
        const Json& revs = member(holder, "revisions");
        return revs.is_array() && size_t(sourceIndex) < revs.size() && revs[sourceIndex].is_string()
                   ? QString::fromStdString(revs[sourceIndex].get<std::string>())
                   : QString();
    };

    QString failing;
    const Json& op = member(status, "operationState");
    const QString phase = str(op, "phase");
    if (phase == QLatin1String("Failed") || phase == QLatin1String("Error")) {
        failing = revisionOf(member(op, "syncResult"));
        if (failing.isEmpty())
            failing = revisionOf(member(member(op, "operation"), "sync"));
    }
    if (failing.isEmpty())
        failing = revisionOf(member(status, "sync"));
    const Json& history = member(status, "history");
    const int n = history.is_array() ? int(history.size()) : 0;
    if (failing.isEmpty() && n > 0)
        failing = revisionOf(history[size_t(n - 1)]);
    if (failing.isEmpty())
        return out;

    int at = -1;
    for (int i = n - 1; i >= 0 && at < 0; --i)
        if (revisionOf(history[size_t(i)]) == failing)
            at = i;
    // A failed sync adds no history entry: then the newest entry is the one before it.
    const int before = at >= 0 ? at - 1 : n - 1;
    if (before >= 0) {
        const Json& h = history[size_t(before)];
        const QString rev = revisionOf(h);
        if (!rev.isEmpty() && rev != failing)
            out.append({rev, sourceIndex, integer(h, "id")});
    }
    out.append({failing, sourceIndex, at >= 0 ? integer(history[size_t(at)], "id") : 0});
    return out;
}

struct LogQuery {
    QString pod, ns, container;
    bool previous = false;
    QString label() const {
        return QStringLiteral("%1/%2%3").arg(
            pod, container.isEmpty() ? QStringLiteral("(default container)") : container,
            previous ? QStringLiteral(" (previous)") : QString());
    }
};

struct LogPlan {
    Json pods = Json::array();
    QVector<LogQuery> queries;
    QStringList notes;
};

// Which log streams to read, from the Pod objects (containerStatuses) or, without them, from
// the tree's Status Reason and Restart Count.
LogPlan planLogs(const QVector<Target>& pods, const QVector<Json>& answers) {
    LogPlan plan;
    for (int i = 0; i < pods.size(); ++i) {
        const Target& t = pods[i];
        Json pod;
        const QString manifest = i < answers.size() ? str(answers[i], "manifest") : QString();
        if (!manifest.isEmpty()) {
            pod = Json::parse(manifest.toStdString(), nullptr, false);
            if (pod.is_discarded() || !pod.is_object()) {
                plan.notes
                    << QStringLiteral("pods: %1: the live object is not JSON").arg(t.label());
                pod = Json();
            }
        }
        if (!pod.is_object()) {
            // No Pod object: decide from the tree alone, with the server's default container.
            if (neverStarted(t.statusReason) && t.restarts == 0) {
                plan.notes << QStringLiteral("logs: skipped %1 — it never started (%2)")
                                  .arg(t.label(), t.statusReason);
                continue;
            }
            plan.queries.append({t.name, t.ns, QString(), false});
            if (t.restarts > 0 || t.statusReason == QLatin1String("CrashLoopBackOff"))
                plan.queries.append({t.name, t.ns, QString(), true});
            continue;
        }
        plan.pods.push_back(pod);
        const Json& status = member(pod, "status");
        int streams = 0;
        QStringList notStarted;
        for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
            const bool init = list[0] == 'i';
            const Json& statuses = member(status, list);
            if (!statuses.is_array())
                continue;
            for (const Json& cs : statuses) {
                const QString name = str(cs, "name");
                const Json& state = member(cs, "state");
                const Json& terminated = member(state, "terminated");
                const QString waiting = str(member(state, "waiting"), "reason");
                const bool hasLast = member(member(cs, "lastState"), "terminated").is_object();
                const qint64 restarts = integer(cs, "restartCount");
                const bool ready =
                    member(cs, "ready").is_boolean() && member(cs, "ready").get<bool>();
                if (init && terminated.is_object() && integer(terminated, "exitCode") == 0)
                    continue; // init container done
                if (!init && ready && restarts == 0)
                    continue; // a healthy container, not the failing one
                const bool started = member(state, "running").is_object() ||
                                     terminated.is_object() || restarts > 0 || hasLast;
                if (!started) {
                    notStarted << QStringLiteral("%1 (%2)").arg(
                        name, waiting.isEmpty() ? QStringLiteral("waiting") : waiting);
                    continue;
                }
                plan.queries.append({t.name, t.ns, name, false});
                ++streams;
                if (restarts > 0 || hasLast || waiting == QLatin1String("CrashLoopBackOff")) {
                    plan.queries.append({t.name, t.ns, name, true});
                    ++streams;
                }
            }
        }
        if (!notStarted.isEmpty())
            plan.notes << QStringLiteral("logs: skipped %1 — never started: %2")
                              .arg(t.label(), notStarted.join(QStringLiteral(", ")));
        else if (streams == 0 && !member(status, "containerStatuses").is_array())
            plan.notes << QStringLiteral("logs: skipped %1 — no container started (phase %2)")
                              .arg(t.label(), str(status, "phase"));
    }
    return plan;
}

// Everything the requests brought back, handed to the pool for the final assembly.
struct Gathered {
    EvidenceBundle bundle; // application, resourceTree, pods, identity and notes already set
    CollectOptions opt;
    QVector<Json> eventAnswers;
    QVector<LogQuery> logQueries;
    QVector<std::optional<QStringList>> logAnswers;
    QVector<RevisionQuery> revisionQueries;
    QVector<Json> revisionAnswers;
    Json syncWindows;
};

QString eventTime(const Json& e) {
    for (const char* key : {"lastTimestamp", "eventTime", "firstTimestamp"})
        if (const QString t = str(e, key); !t.isEmpty())
            return t;
    return str(member(e, "metadata"), "creationTimestamp");
}

void assembleEvents(Gathered& g) {
    EvidenceBundle& b = g.bundle;
    std::vector<Json> events;
    QSet<QString> seen;
    for (const Json& answer : g.eventAnswers) {
        const Json& items = answer.is_array() ? answer : member(answer, "items");
        if (!items.is_array())
            continue;
        for (const Json& e : items) {
            if (!e.is_object())
                continue;
            // The same event can come back for the app and for a resource: keep it once.
            QString key = str(member(e, "metadata"), "uid");
            if (key.isEmpty())
                key = QString::fromStdString(member(e, "involvedObject").dump()) +
                      str(e, "reason") + str(e, "message") + str(e, "firstTimestamp");
            if (seen.contains(key))
                continue;
            seen.insert(key);
            Json copy = e;
            const QString message = str(e, "message");
            if (message.size() > g.opt.caps.maxLineChars)
                copy["message"] = utf8(capLine(message, g.opt.caps.maxLineChars));
            events.push_back(std::move(copy));
        }
    }
    const int total = int(events.size());
    if (total > g.opt.caps.maxEvents) {
        std::stable_sort(events.begin(), events.end(), [](const Json& x, const Json& y) {
            const bool wx = str(x, "type") == QLatin1String("Warning");
            const bool wy = str(y, "type") == QLatin1String("Warning");
            if (wx != wy)
                return wx;
            return eventTime(x) > eventTime(y); // RFC 3339 in UTC sorts as text
        });
        events.resize(size_t(std::max(0, g.opt.caps.maxEvents)));
        b.notes << QStringLiteral("events: kept %1 of %2 (Warnings first, then newest)")
                       .arg(g.opt.caps.maxEvents)
                       .arg(total);
    }
    b.events = Json::array();
    for (Json& e : events)
        b.events.push_back(std::move(e));
}

void assembleLogs(Gathered& g) {
    EvidenceBundle& b = g.bundle;
    b.logs = Json::array();
    for (int i = 0; i < g.logQueries.size() && i < g.logAnswers.size(); ++i) {
        if (!g.logAnswers[i] || g.logAnswers[i]->isEmpty())
            continue; // nothing written (yet): not evidence
        const LogQuery& q = g.logQueries[i];
        QString cut;
        const QStringList lines =
            EvidenceCollector::cutLogLines(*g.logAnswers[i], g.opt.caps, &cut);
        if (!cut.isEmpty())
            b.notes << QStringLiteral("logs %1: %2").arg(q.label(), cut);
        Json arr = Json::array();
        for (const QString& l : lines)
            arr.push_back(utf8(l));
        b.logs.push_back(Json{{"pod", utf8(q.pod)},
                              {"namespace", utf8(q.ns)},
                              {"container", utf8(q.container)},
                              {"previous", q.previous},
                              {"lines", std::move(arr)}});
    }
}

void assembleRevisions(Gathered& g) {
    EvidenceBundle& b = g.bundle;
    b.revisions = Json::array();
    for (int i = 0; i < g.revisionQueries.size() && i < g.revisionAnswers.size(); ++i) {
        const Json& m = g.revisionAnswers[i];
        if (!m.is_object())
            continue;
        const Json& tags = member(m, "tags");
        b.revisions.push_back(
            Json{{"revision", utf8(g.revisionQueries[i].revision)},
                 {"author", utf8(str(m, "author"))},
                 {"date", utf8(str(m, "date"))},
                 {"message", utf8(capLine(str(m, "message"), g.opt.caps.maxLineChars * 2))},
                 {"tags", tags.is_array() ? tags : Json::array()}});
    }
}

// A sync window that blocks syncing right now is evidence for an OutOfSync app that does not
// get synced; Argo CD only says so when a sync is attempted, so state it as a text block.
void assembleSyncWindows(Gathered& g) {
    const Json& w = g.syncWindows;
    if (!member(w, "canSync").is_boolean() || member(w, "canSync").get<bool>())
        return;
    QStringList lines;
    lines << QStringLiteral("canSync: false — a sync of %1 now is blocked by sync window")
                 .arg(g.bundle.appName);
    const Json& active = member(w, "activeWindows");
    if (active.is_array()) {
        for (const Json& win : active) {
            QStringList apps;
            const Json& a = member(win, "applications");
            if (a.is_array())
                for (const Json& x : a)
                    if (x.is_string())
                        apps << QString::fromStdString(x.get<std::string>());
            lines << QStringLiteral("active %1 window: schedule \"%2\", duration %3, time zone "
                                    "%4, manualSync %5, applications [%6]%7")
                         .arg(str(win, "kind"), str(win, "schedule"), str(win, "duration"),
                              str(win, "timeZone").isEmpty() ? QStringLiteral("UTC")
                                                             : str(win, "timeZone"),
                              member(win, "manualSync").is_boolean() &&
                                      member(win, "manualSync").get<bool>()
                                  ? QStringLiteral("true")
                                  : QStringLiteral("false"),
                              apps.join(QStringLiteral(", ")),
                              str(win, "description").isEmpty()
                                  ? QString()
                                  : QStringLiteral(" — %1").arg(str(win, "description")));
        }
    }
    g.bundle.text.push_back(
        Json{{"title", utf8(QStringLiteral("Sync windows of %1").arg(g.bundle.appName))},
             {"source", "argocd"},
             {"text", utf8(lines.join(QLatin1Char('\n')))}});
}

EvidenceBundle assembleBundle(Gathered g) {
    assembleEvents(g);
    assembleLogs(g);
    assembleRevisions(g);
    assembleSyncWindows(g);
    // Hook for the gitops service: the diff of the failing revision against the last healthy
    // one (bundle.gitDiff/gitDiffRange, capped at caps.maxDiffBytes) once a repository can be
    // configured.
    g.bundle.notes << QStringLiteral("git diff: no repository configured");
    return std::move(g.bundle);
}

// Runs `work` on the thread pool and hands its result to `then` on `context`'s thread; nothing
// is delivered once `context` is gone.
template <typename T>
void offThread(QObject* context, std::function<T()> work, std::function<void(T)> then) {
    auto* watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcher<T>::finished, context, [watcher, then] {
        watcher->deleteLater();
        then(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
}

QString failureNote(const QString& what, const Error& e) {
    return QStringLiteral("%1: failed — %2").arg(what, e.shortMessage);
}

} // namespace

struct EvidenceCollector::Run {
    CollectOptions opt;
    Callback done;
    EvidenceBundle bundle;
    // Request queue.
    std::deque<Starter> queue;
    int inFlight = 0;
    std::function<void()> then;
    // Plans and answers, one slot per request so the bundle's order does not depend on timing.
    TreePlan tree;
    QVector<RevisionQuery> revisionQueries;
    QVector<Json> eventAnswers;
    QVector<Json> podAnswers;
    Json syncWindows;
    QVector<LogQuery> logQueries;
    QVector<std::optional<QStringList>> logAnswers;
    bool logsForbidden = false;
    int logsSkipped = 0;
    QVector<Json> revisionAnswers;
};

EvidenceCollector::EvidenceCollector(argocd::Client* client, QObject* parent)
    : QObject(parent)
    , m_client(client) {
    if (client)
        connect(client, &QObject::destroyed, this, [this] {
            if (m_run)
                fail(m_run, Error::make(Error::Kind::Cancelled,
                                        QStringLiteral("evidence collection stopped: the "
                                                       "connection to the instance was closed")));
        });
}

EvidenceCollector::~EvidenceCollector() = default;

void EvidenceCollector::collect(const CollectOptions& options, Callback done) {
    cancel();
    auto run = std::make_shared<Run>();
    run->opt = options;
    run->opt.maxConcurrent = std::max(1, options.maxConcurrent);
    run->done = std::move(done);
    m_run = run;
    if (!m_client) {
        // Report asynchronously, like every other outcome.
        QMetaObject::invokeMethod(
            this,
            [this, run] {
                if (alive(run))
                    fail(run, Error::make(Error::Kind::Config,
                                          QStringLiteral("evidence collection needs a "
                                                         "connection to an instance")));
            },
            Qt::QueuedConnection);
        return;
    }
    run->bundle.collectedAt = QDateTime::currentDateTimeUtc();
    run->bundle.instance = m_client->instanceName();
    run->bundle.appName = options.appName;
    run->bundle.appNamespace = options.appNamespace;
    fetchApplication(run);
}

void EvidenceCollector::cancel() {
    if (!m_run)
        return;
    const Callback done = std::move(m_run->done);
    m_run.reset();
    if (done)
        QMetaObject::invokeMethod(
            this,
            [done] {
                done(Error::make(Error::Kind::Cancelled,
                                 QStringLiteral("evidence collection cancelled")));
            },
            Qt::QueuedConnection);
}

void EvidenceCollector::fail(const std::shared_ptr<Run>& run, const Error& error) {
    if (!alive(run))
        return;
    m_run.reset(); // first, so that the callback may start another collection
    if (run->done)
        run->done(error);
    emit failed(error);
}

void EvidenceCollector::finish(const std::shared_ptr<Run>& run) {
    if (!alive(run))
        return;
    m_run.reset();
    if (run->done)
        run->done(run->bundle);
    emit collected(run->bundle);
}

void EvidenceCollector::enqueue(const std::shared_ptr<Run>& run, Starter starter) {
    run->queue.push_back(std::move(starter));
}

void EvidenceCollector::runQueue(const std::shared_ptr<Run>& run, std::function<void()> then) {
    run->then = std::move(then);
    pump(run);
}

void EvidenceCollector::pump(const std::shared_ptr<Run>& run) {
    while (alive(run) && run->inFlight < run->opt.maxConcurrent && !run->queue.empty()) {
        Starter start = std::move(run->queue.front());
        run->queue.pop_front();
        ++run->inFlight;
        start([this, self = QPointer<EvidenceCollector>(this), run] {
            if (!self || !alive(run))
                return;
            --run->inFlight;
            pump(run);
        });
    }
    if (alive(run) && run->inFlight == 0 && run->queue.empty() && run->then) {
        auto then = std::move(run->then);
        run->then = nullptr;
        then();
    }
}

// ---- 1. the Application ----------------------------------------------------------------------

void EvidenceCollector::fetchApplication(const std::shared_ptr<Run>& run) {
    emit progress(QStringLiteral("application"));
    m_client->getApplication(
        run->opt.appName, run->opt.appNamespace,
        [this, self = QPointer<EvidenceCollector>(this), run](Result<Json> app) {
            if (!self || !alive(run))
                return;
            if (!app)
                return fail(run, app.error());
            run->bundle.application = std::move(app).value();
            const Json& meta = member(run->bundle.application, "metadata");
            if (const QString name = str(meta, "name"); !name.isEmpty())
                run->bundle.appName = name;
            if (const QString ns = str(meta, "namespace"); !ns.isEmpty())
                run->bundle.appNamespace = ns;
            fetchTree(run);
        });
}

// ---- 2. the resource tree --------------------------------------------------------------------

void EvidenceCollector::fetchTree(const std::shared_ptr<Run>& run) {
    emit progress(QStringLiteral("resource tree"));
    m_client->resourceTree(
        run->opt.appName, run->opt.appNamespace,
        [this, self = QPointer<EvidenceCollector>(this), run](Result<Json> tree) {
            if (!self || !alive(run))
                return;
            if (!tree) {
                run->bundle.notes << failureNote(QStringLiteral("resource tree"), tree.error());
                run->bundle.resourceTree = Json();
            } else {
                run->bundle.resourceTree = std::move(tree).value();
            }
            // Trees of large apps hold thousands of nodes: plan on the pool. The worker only
            // reads the run; nothing writes to it until the plan comes back.
            offThread<TreePlan>(
                this, [run] { return planFromTree(run->bundle.resourceTree, run->opt); },
                [this, run](TreePlan plan) {
                    if (!alive(run))
                        return;
                    run->bundle.notes << plan.notes;
                    plan.notes.clear();
                    run->tree = std::move(plan);
                    run->revisionQueries =
                        planRevisions(run->bundle.application, &run->bundle.notes);
                    fetchEventsAndPods(run);
                });
        });
}

// ---- 3. events, Pod objects, sync windows ---------------------------------------------------

void EvidenceCollector::fetchEventsAndPods(const std::shared_ptr<Run>& run) {
    const QString app = run->opt.appName;
    const QString appNs = run->opt.appNamespace;
    const QPointer<argocd::Client> client = m_client;
    QVector<Target> eventTargets = run->tree.others;
    eventTargets += run->tree.pods;
    run->eventAnswers.resize(eventTargets.size() + 1);
    run->podAnswers.resize(run->tree.pods.size());

    enqueue(run, [client, run, app, appNs](std::function<void()> finished) {
        client->applicationEvents(app, appNs, [run, finished](Result<Json> r) {
            if (r)
                run->eventAnswers[0] = std::move(r).value();
            else
                run->bundle.notes << failureNote(QStringLiteral("application events"), r.error());
            finished();
        });
    });
    for (int i = 0; i < eventTargets.size(); ++i) {
        const Target t = eventTargets[i];
        enqueue(run, [client, run, app, appNs, t, slot = i + 1](std::function<void()> finished) {
            client->resourceEvents(app, appNs, argocd::ResourceRef{t.uid, t.ns, t.name},
                                   [run, finished, t, slot](Result<Json> r) {
                                       if (r)
                                           run->eventAnswers[slot] = std::move(r).value();
                                       else
                                           run->bundle.notes << failureNote(
                                               QStringLiteral("events of %1").arg(t.label()),
                                               r.error());
                                       finished();
                                   });
        });
    }
    for (int i = 0; i < run->tree.pods.size(); ++i) {
        const Target t = run->tree.pods[i];
        enqueue(run, [client, run, app, appNs, t, i](std::function<void()> finished) {
            // GET .../resource answers {"manifest": "<live object as a JSON string>"}.
            argocd::Client::QueryItems q = {
                {QStringLiteral("namespace"), t.ns},
                {QStringLiteral("resourceName"), t.name},
                {QStringLiteral("version"), t.version.isEmpty() ? QStringLiteral("v1") : t.version},
                {QStringLiteral("group"), t.group},
                {QStringLiteral("kind"), t.kind}};
            if (!appNs.isEmpty())
                q.append({QStringLiteral("appNamespace"), appNs});
            client->getJson(QStringLiteral("/api/v1/applications/") +
                                argocd::Client::encodeSegment(app) + QStringLiteral("/resource"),
                            q, [run, finished, t, i](Result<Json> r) {
                                if (r)
                                    run->podAnswers[i] = std::move(r).value();
                                else
                                    run->bundle.notes << failureNote(
                                        QStringLiteral("live object of %1").arg(t.label()),
                                        r.error());
                                finished();
                            });
        });
    }
    const Json& status = member(run->bundle.application, "status");
    const QString phase = str(member(status, "operationState"), "phase");
    if (run->opt.fetchSyncWindows &&
        (str(member(status, "sync"), "status") == QLatin1String("OutOfSync") ||
         phase == QLatin1String("Failed") || phase == QLatin1String("Error"))) {
        enqueue(run, [client, run, app, appNs](std::function<void()> finished) {
            client->applicationSyncWindows(app, appNs, [run, finished](Result<Json> r) {
                if (r)
                    run->syncWindows = std::move(r).value();
                else
                    run->bundle.notes << failureNote(QStringLiteral("sync windows"), r.error());
                finished();
            });
        });
    }
    emit progress(QStringLiteral("events and pods (%1 requests)").arg(run->queue.size()));
    runQueue(run, [this, run] {
        offThread<LogPlan>(
            this,
            [pods = run->tree.pods, answers = run->podAnswers] { return planLogs(pods, answers); },
            [this, run](LogPlan plan) {
                if (!alive(run))
                    return;
                run->bundle.pods = std::move(plan.pods);
                run->bundle.notes << plan.notes;
                run->logQueries = std::move(plan.queries);
                fetchLogs(run);
            });
    });
}

// ---- 4. logs of failing pods ------------------------------------------------------------------

void EvidenceCollector::fetchLogs(const std::shared_ptr<Run>& run) {
    run->logAnswers.resize(run->logQueries.size());
    if (run->logQueries.isEmpty())
        return fetchRevisions(run);
    emit progress(QStringLiteral("logs (%1 streams)").arg(run->logQueries.size()));
    // Log access is one RBAC permission per app (`logs, get`): ask for the first stream alone,
    // and after a 403 skip the rest instead of failing them one by one.
    enqueueLog(run, 0);
    runQueue(run, [this, run] {
        for (int i = 1; i < run->logQueries.size(); ++i)
            enqueueLog(run, i);
        runQueue(run, [this, run] {
            if (run->logsSkipped > 0)
                run->bundle.notes << QStringLiteral("logs: skipped %1 more log stream(s) after "
                                                    "the permission error")
                                         .arg(run->logsSkipped);
            fetchRevisions(run);
        });
    });
}

void EvidenceCollector::enqueueLog(const std::shared_ptr<Run>& run, int i) {
    const QString app = run->opt.appName;
    const QString appNs = run->opt.appNamespace;
    const QPointer<argocd::Client> client = m_client;
    const LogQuery lq = run->logQueries[i];
    const int tail = run->opt.logTailLines;
    enqueue(run, [client, run, app, appNs, lq, i, tail](std::function<void()> finished) {
        if (run->logsForbidden) {
            ++run->logsSkipped;
            return finished();
        }
        argocd::LogQuery q;
        q.podName = lq.pod;
        q.podNamespace = lq.ns;
        q.container = lq.container;
        q.previous = lq.previous;
        q.tailLines = tail;
        client->podLogs(app, appNs, q, [run, finished, lq, i](Result<QVector<argocd::LogLine>> r) {
            if (r) {
                QStringList lines;
                lines.reserve(r->size());
                for (const argocd::LogLine& l : r.value())
                    lines << l.content;
                run->logAnswers[i] = std::move(lines);
            } else {
                if (r.error().kind == Error::Kind::Forbidden)
                    run->logsForbidden = true;
                run->bundle.notes << failureNote(QStringLiteral("logs %1").arg(lq.label()),
                                                 r.error());
            }
            finished();
        });
    });
}

// ---- 5. revision metadata -------------------------------------------------------------------

void EvidenceCollector::fetchRevisions(const std::shared_ptr<Run>& run) {
    const QString app = run->opt.appName;
    const QString appNs = run->opt.appNamespace;
    const QPointer<argocd::Client> client = m_client;
    run->revisionAnswers.resize(run->revisionQueries.size());
    for (int i = 0; i < run->revisionQueries.size(); ++i) {
        const RevisionQuery rq = run->revisionQueries[i];
        enqueue(run, [client, run, app, appNs, rq, i](std::function<void()> finished) {
            auto handle = [run, finished, rq, i](Result<Json> r) {
                if (r)
                    run->revisionAnswers[i] = std::move(r).value();
                else
                    run->bundle.notes << failureNote(
                        QStringLiteral("metadata of revision %1").arg(rq.revision), r.error());
                finished();
            };
            if (rq.sourceIndex < 0)
                return client->revisionMetadata(app, appNs, rq.revision, handle);
            // Multi-source apps name the source and the history entry.
            argocd::Client::QueryItems q;
            if (!appNs.isEmpty())
                q.append({QStringLiteral("appNamespace"), appNs});
            q.append({QStringLiteral("sourceIndex"), QString::number(rq.sourceIndex)});
            if (rq.historyId > 0)
                q.append({QStringLiteral("versionId"), QString::number(rq.historyId)});
            client->getJson(QStringLiteral("/api/v1/applications/%1/revisions/%2/metadata")
                                .arg(argocd::Client::encodeSegment(app),
                                     argocd::Client::encodeSegment(rq.revision)),
                            q, handle);
        });
    }
    emit progress(QStringLiteral("revision metadata"));
    runQueue(run, [this, run] { assemble(run); });
}

// ---- 6. the bundle ----------------------------------------------------------------------------

void EvidenceCollector::assemble(const std::shared_ptr<Run>& run) {
    emit progress(QStringLiteral("assembling"));
    Gathered g;
    g.bundle = std::move(run->bundle);
    g.opt = run->opt;
    g.eventAnswers = std::move(run->eventAnswers);
    g.logQueries = run->logQueries;
    g.logAnswers = std::move(run->logAnswers);
    g.revisionQueries = run->revisionQueries;
    g.revisionAnswers = std::move(run->revisionAnswers);
    g.syncWindows = std::move(run->syncWindows);
    offThread<EvidenceBundle>(
        this, [g = std::move(g)]() mutable { return assembleBundle(std::move(g)); },
        [this, run](EvidenceBundle bundle) {
            if (!alive(run))
                return;
            run->bundle = std::move(bundle);
            finish(run);
        });
}

// ---- log cutting ------------------------------------------------------------------------------

bool EvidenceCollector::isErrorLogLine(const QString& line) {
    // Words and shapes of error lines in plain, logfmt and JSON logs.
    static const QRegularExpression error(
        QStringLiteral(R"re(\b(panic|fatal|error|err|exception|traceback|failed|failure|fail|)re"
                       R"re(killed|oom|segfault|denied|refused|forbidden|unauthorized|timeout|)re"
                       R"re(timed out|cannot|can't|couldn't|unable|invalid|exited|no such|)re"
                       R"re(not found)\b|exit (status|code) [1-9]|"level":\s*"(error|fatal|)re"
                       R"re(panic|crit)|\blevel=(error|fatal|panic))re"),
        QRegularExpression::CaseInsensitiveOption);
    // JSON info/debug lines mentioning e.g. "errors": 0 are not errors.
    static const QRegularExpression quietJson(
        QStringLiteral(R"re("level":\s*"(info|debug|trace)")re"),
        QRegularExpression::CaseInsensitiveOption);
    return error.match(line).hasMatch() && !quietJson.match(line).hasMatch();
}

QStringList EvidenceCollector::cutLogLines(const QStringList& lines, const EvidenceCaps& caps,
                                           QString* cutNote) {
    const int n = int(lines.size());
    const int cap = std::max(1, caps.maxLogLinesPerStream);
    QVector<bool> keep(n, false);
    int errors = 0;
    for (int i = 0; i < n; ++i) {
        if (!isErrorLogLine(lines[i]))
            continue;
        ++errors;
        for (int k = std::max(0, i - caps.logWindowBefore);
             k <= std::min(n - 1, i + caps.logWindowAfter); ++k)
            keep[k] = true;
    }
    if (errors == 0)
        for (int k = std::max(0, n - std::min(cap, kTailWithoutErrors)); k < n; ++k)
            keep[k] = true;
    QVector<int> kept;
    for (int i = 0; i < n; ++i)
        if (keep[i])
            kept.append(i);
    if (kept.size() > cap) {
        // The first error is often the cause and the last one the current state: keep both ends.
        const int head = cap / 2;
        kept = kept.mid(0, head) + kept.mid(kept.size() - (cap - head));
    }
    QStringList out;
    out.reserve(kept.size());
    int longLines = 0;
    for (int i : kept) {
        if (caps.maxLineChars > 0 && lines[i].size() > caps.maxLineChars)
            ++longLines;
        out << capLine(lines[i], caps.maxLineChars);
    }
    if (cutNote) {
        QStringList parts;
        if (kept.size() < n)
            parts << (errors > 0 ? QStringLiteral("kept %1 of %2 lines (windows around %3 error "
                                                  "lines)")
                                       .arg(kept.size())
                                       .arg(n)
                                       .arg(errors)
                                 : QStringLiteral("kept the last %1 of %2 lines (no error line)")
                                       .arg(kept.size())
                                       .arg(n));
        if (longLines > 0)
            parts << QStringLiteral("%1 long line(s) cut to %2 characters")
                         .arg(longLines)
                         .arg(caps.maxLineChars);
        *cutNote = parts.join(QStringLiteral("; "));
    }
    return out;
}

} // namespace sextant::analysis
