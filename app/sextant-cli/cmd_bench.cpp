// sextant-cli bench: ingestion and fleet-view benchmarks. Each prints one JSON object.
//
// The machines this runs on are shared and noisy, and the first touch of fresh memory is slow:
// every figure is the median of warm runs, and the references (simdjson's and nlohmann's DOM
// parse of the same bytes) are measured in the same run. See docs/benchmarks.md.

#include "commands.h"

#include "analysis/diagnoser.h"
#include "analysis/evidence.h"
#include "argocd/appparser.h"
#include "fleet/fleetcache.h"
#include "fleet/fleetstore.h"
#include "fleetfilterproxy.h"
#include "fleetmodel.h"
#include "sim/simulator.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <map>
#include <vector>

namespace sextant::cli {

namespace {

using argocd::AppEvent;
using argocd::AppSummary;
using argocd::WatchEventType;

double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double msSince(const QElapsedTimer& t) {
    return double(t.nsecsElapsed()) / 1e6;
}

double round2(double v) {
    return std::round(v * 100) / 100;
}

// Resident set size in bytes, from /proc/self/statm.
qint64 residentBytes() {
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> parts = f.readAll().split(' ');
    return parts.size() > 1 ? parts[1].toLongLong() * sysconf(_SC_PAGESIZE) : 0;
}

void print(const nlohmann::ordered_json& out) {
    const std::string text = out.dump();
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

bool intArg(const QStringList& args, int& i, int& out) {
    if (i + 1 >= args.size())
        return false;
    bool ok = false;
    out = args[++i].toInt(&ok);
    return ok && out >= 0;
}

void printBenchHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli bench ingest FILE [--runs N] [--threads 1|2] [--dom]\n"
           "       sextant-cli bench fleet [--apps N] [--events-per-second R] [--seconds S]\n"
           "                               [--instances I] [--sort-column C] [--runs N]\n"
           "                               [--churn PERCENT]\n"
           "       sextant-cli bench cache [--apps N] [--runs N]\n"
           "       sextant-cli bench startup [--apps N] [--runs N] ...   (bench startup --help)\n"
           "       sextant-cli bench diagnose DIR [--runs N]\n"
           "       sextant-cli bench policy [--objects N] [--runs N]   (docs/policy.md)\n"
           "       sextant-cli bench pr [--files N] [--apps N] [--runs N]\n"
           "\n"
           "ingest  parses a GET /api/v1/applications body and builds the fleet store, warm,\n"
           "        N times (default 9); prints medians with simdjson's and nlohmann's DOM\n"
           "        parse of the same bytes as references. --threads 1: one walker even for a\n"
           "        large body; --dom: simdjson's DOM path instead of the indexed walk.\n"
           "fleet   generates a fleet in-process, ingests it into the store, the table model and\n"
           "        its sort/filter proxy (sort and text filter active), then applies synthetic\n"
           "        watch events at R per second for S seconds while a 1 ms timer on the main\n"
           "        thread records the longest event-loop stall. --churn: percent of events that\n"
           "        add an application, and again that delete one (default 1).\n"
           "cache   generates a fleet of one instance, saves it to the local fleet cache format\n"
           "        in a temporary directory, then measures loading it and applying it to a store\n"
           "        with the table model and a sorted proxy attached (the console's start from\n"
           "        the cache), warm, N times (default 9).\n"
           "startup the real console started from that cache, launch to a usable fleet view.\n"
           "diagnose  diagnoses every *.json evidence bundle in DIR with the built-in catalogue\n"
           "        and scores the top finding against the case's label (\"expected\": "
           "{\"primary\",\n"
           "        \"also\"}): correct when the top category is the primary and every \"also\"\n"
           "        category is among the findings. Time per case is the median of N warm runs\n"
           "        (default 9), loading the file excluded.\n"
           "pr      pr describe of a --files change (default 500) in a generated kustomize\n"
           "        repository of --apps apps (default 100) x dev/stage/prod overlays, a real\n"
           "        bare Git repository; medians of N runs (default 3). 'bench pr --help'.\n"
           "\n"
           "Each prints one JSON object. Wall-clock figures on a shared machine are noisy.\n";
}

// ---- bench ingest ------------------------------------------------------------------------------

int runIngest(const QStringList& args) {
    QString file;
    int runs = 9;
    bool references = true;
    argocd::ListParser::Options options;
    for (int i = 0; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--no-references")) {
            references = false; // for profiling the ingest path alone
        } else if (args[i] == QLatin1String("--dom")) {
            options.indexedWalk = false;
        } else if (args[i] == QLatin1String("--threads")) {
            if (!intArg(args, i, options.maxThreads) || options.maxThreads < 1) {
                printError(QStringLiteral("--threads needs a positive number"));
                return 2;
            }
        } else if (args[i] == QLatin1String("--runs")) {
            if (!intArg(args, i, runs) || runs < 1) {
                printError(QStringLiteral("--runs needs a positive number"));
                return 2;
            }
        } else if (args[i] == QLatin1String("--help")) {
            printBenchHelp();
            return 0;
        } else if (file.isEmpty() && !args[i].startsWith(QLatin1String("--"))) {
            file = args[i];
        } else {
            printError(QStringLiteral("unexpected argument '%1'").arg(args[i]));
            return 2;
        }
    }
    if (file.isEmpty()) {
        printError(QStringLiteral("bench ingest needs a FILE"));
        return 2;
    }
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) {
        printError(QStringLiteral("cannot read %1").arg(file), f.errorString());
        return 2;
    }
    QByteArray bytes = f.readAll();
    argocd::padForFastParse(bytes);
    const QString instance = QStringLiteral("bench");

    argocd::ListParser reference;
    argocd::ListParser parser(options);
    const qsizetype domItems = reference.domParseOnly(bytes);
    if (domItems < 0) {
        const auto r = argocd::parseApplicationList(bytes, instance);
        printError(QStringLiteral("%1 is not a valid application list").arg(file),
                   r ? QString() : r.error().toString());
        return 2;
    }

    // Each part runs back to back, warm, as node's JSON.parse is measured (see
    // docs/benchmarks.md): first the ingest runs, then the two reference parses. Interleaving
    // them left the body cold in the cache at every ingest run (nlohmann's DOM of a 55 MB list
    // churns through a gigabyte), which measured the cache, not the parser.
    std::vector<double> domMs, nlohmannMs, ingestMs, parseMs, storeMs;
    int apps = 0;
    argocd::ListParser::Stats stats;
    const int warmups = 2;
    for (int run = 0; run < warmups + runs; ++run) {
        QElapsedTimer t;
        // A fresh pool and store per run: the first list an instance sends.
        auto pool = std::make_unique<argocd::StringPool>();
        auto store = std::make_unique<fleet::FleetStore>();
        t.start();
        Result<argocd::AppList> list =
            argocd::parseApplicationListFast(bytes, instance, pool.get(), &parser);
        const double parsed = msSince(t);
        if (!list) {
            printError(list.error().shortMessage, list.error().details);
            return 2;
        }
        stats = parser.lastStats();
        store->applySnapshot(instance, list->apps);
        const double total = msSince(t);
        apps = store->size();
        store.reset(); // freeing is not part of ingest
        list = argocd::AppList{};
        pool.reset();
        if (run >= warmups) {
            ingestMs.push_back(total);
            parseMs.push_back(parsed);
            storeMs.push_back(total - parsed);
        }
    }
    if (references) {
        for (int run = 0; run < warmups + runs; ++run) {
            QElapsedTimer t;
            t.start();
            const qsizetype n = reference.domParseOnly(bytes);
            const double dom = msSince(t);
            Q_ASSERT(n == domItems);
            if (run >= warmups)
                domMs.push_back(dom);
        }
        for (int run = 0; run < 1 + runs; ++run) { // one warm-up: each run takes a second
            QElapsedTimer t;
            t.start();
            {
                const auto doc =
                    nlohmann::json::parse(bytes.cbegin(), bytes.cend(), nullptr, false);
                if (doc.is_discarded())
                    return 2;
            }
            const double nl = msSince(t);
            if (run >= 1)
                nlohmannMs.push_back(nl);
        }
    } else {
        domMs.assign(1, 0.0);
        nlohmannMs.assign(1, 0.0);
    }
    nlohmann::ordered_json out;
    out["bytes"] = bytes.size();
    out["apps"] = apps;
    out["runs"] = runs;
    out["ingest_ms"] = round2(median(ingestMs));
    out["simdjson_dom_ms"] = round2(median(domMs));
    out["nlohmann_dom_ms"] = round2(median(nlohmannMs));
    out["parse_ms"] = round2(median(parseMs));
    out["store_ms"] = round2(median(storeMs));
    // Which path built the rows (the indexed walk or the DOM path) and on how many threads.
    out["path"] = stats.indexedWalk ? "indexed" : "dom";
    out["threads"] = stats.threads;
    print(out);
    return 0;
}

// ---- bench fleet -------------------------------------------------------------------------------

// Largest gap between ticks of a 1 ms timer on the thread it lives on: how long the event loop
// was busy with something else. Also the most CPU time the thread itself used within one gap:
// on a shared machine a gap can be long because the OS ran other processes.
qint64 threadCpuNs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

class StallProbe : public QObject {
public:
    StallProbe() {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            const qint64 cpu = threadCpuNs();
            m_max = std::max(m_max, now - m_last);
            m_maxCpu = std::max(m_maxCpu, cpu - m_lastCpu);
            m_last = now;
            m_lastCpu = cpu;
        });
    }
    void start() {
        m_max = m_maxCpu = 0;
        m_clock.start();
        m_last = 0;
        m_lastCpu = threadCpuNs();
        m_timer.start();
    }
    double stop() {
        m_timer.stop();
        return double(m_max) / 1e6;
    }
    double maxBusyMs() const { return double(m_maxCpu) / 1e6; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_lastCpu = 0;
    qint64 m_max = 0;
    qint64 m_maxCpu = 0;
};

void spin(int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
}

int runFleet(const QStringList& args) {
    int apps = 50000, rate = 20000, seconds = 10, instances = 3, runs = 5;
    int churn = 1; // percent of events that add an application, and again that delete one
    int sortColumn = models::FleetModel::NameColumn;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        bool ok = true;
        if (a == QLatin1String("--apps"))
            ok = intArg(args, i, apps) && apps > 0;
        else if (a == QLatin1String("--events-per-second"))
            ok = intArg(args, i, rate);
        else if (a == QLatin1String("--seconds"))
            ok = intArg(args, i, seconds);
        else if (a == QLatin1String("--instances"))
            ok = intArg(args, i, instances) && instances > 0;
        else if (a == QLatin1String("--churn"))
            ok = intArg(args, i, churn) && churn <= 50;
        else if (a == QLatin1String("--runs"))
            ok = intArg(args, i, runs) && runs > 0;
        else if (a == QLatin1String("--sort-column"))
            ok = intArg(args, i, sortColumn) && sortColumn < models::FleetModel::ColumnCount;
        else if (a == QLatin1String("--help")) {
            printBenchHelp();
            return 0;
        } else {
            printError(QStringLiteral("unexpected argument '%1'").arg(a));
            return 2;
        }
        if (!ok) {
            printError(QStringLiteral("%1 needs a valid number").arg(a));
            return 2;
        }
    }

    // The fleet, as the instances would send it (full objects, not the UI projection: that is
    // the larger body).
    QVector<QPair<QString, QByteArray>> bodies;
    {
        sim::Simulator sim;
        sim::GeneratorOptions o;
        o.apps = apps;
        o.instances = instances;
        o.clusters = std::max(1, std::min(400, apps / 100));
        o.seed = 7;
        sim.generate(o);
        for (const QString& inst : sim.instanceNames()) {
            QByteArray body = sim.listBody(inst);
            argocd::padForFastParse(body);
            bodies.append({inst, std::move(body)});
        }
    }
    malloc_trim(0);

    auto ingest = [&](fleet::FleetStore& store, QVector<AppSummary>* keep) -> double {
        QElapsedTimer t;
        t.start();
        for (const auto& [inst, body] : std::as_const(bodies)) {
            Result<argocd::AppList> list = argocd::parseApplicationListFast(body, inst);
            if (!list)
                return -1;
            store.applySnapshot(inst, list->apps);
            if (keep)
                *keep += list->apps;
        }
        return msSince(t);
    };

    // 1. Memory: the store alone, resident bytes per application.
    qint64 bytesPerApp = 0;
    {
        const qint64 before = residentBytes();
        fleet::FleetStore bare;
        if (ingest(bare, nullptr) < 0) {
            printError(QStringLiteral("the generated list did not parse"));
            return 2;
        }
        malloc_trim(0);
        const qint64 after = residentBytes();
        bytesPerApp = bare.size() > 0 ? (after - before) / bare.size() : 0;
    }
    argocd::StringPool::shared()->prune();
    malloc_trim(0);

    // 2. Store + table model + proxy with a sort and a text filter active.
    fleet::FleetStore store;
    models::FleetModel model(&store);
    models::FleetFilterProxy proxy;
    proxy.setSourceModel(&model);
    proxy.sort(sortColumn);
    proxy.setText(QStringLiteral("team"));
    QVector<AppSummary> base; // what the event producer mutates
    const qint64 rssBeforeView = residentBytes();
    proxy.rowCount(); // the mapping exists before the rows arrive, as under a view
    const double ingestMs = ingest(store, &base);
    malloc_trim(0);
    const qint64 bytesPerAppWithView =
        store.size() > 0 ? (residentBytes() - rssBeforeView) / store.size() : 0;

    // 3. Filter and re-sort, warm medians (the first filter also builds the proxy's caches).
    const QStringList filters{QStringLiteral("prod"), QStringLiteral("payments"),
                              QStringLiteral("team"), QStringLiteral("eu")};
    std::vector<double> filterMs, sortMs;
    int sortedRows = 0;
    double firstFilterMs = 0;
    qint64 visibleSink = 0;
    for (int run = 0; run < runs + 1; ++run) {
        QElapsedTimer t;
        t.start();
        proxy.setText(filters[run % filters.size()]);
        // QSortFilterProxyModel builds its mapping lazily: make sure it is built and sorted.
        visibleSink += proxy.rowCount() + proxy.index(0, 0).row();
        const double ms = msSince(t);
        if (run == 0)
            firstFilterMs = ms;
        else
            filterMs.push_back(ms);
    }
    // Sorting is measured with every row visible (the "team" filter matches the whole fleet).
    proxy.setText(QStringLiteral("team"));
    const int sortColumns[] = {models::FleetModel::HealthColumn, models::FleetModel::NameColumn,
                               models::FleetModel::ClusterColumn, models::FleetModel::SyncColumn};
    for (int run = 0; run < runs + 1; ++run) {
        const int column = sortColumns[run % 4];
        QElapsedTimer t;
        t.start();
        proxy.sort(column, run % 2 ? Qt::DescendingOrder : Qt::AscendingOrder);
        visibleSink += proxy.rowCount() + proxy.index(0, 0).row();
        sortedRows = proxy.rowCount();
        if (run > 0)
            sortMs.push_back(msSince(t));
    }
    proxy.sort(sortColumn);
    proxy.setText(QStringLiteral("team"));

    // 3b. Typing into the filter box right after the rows arrived, on a fresh proxy as the
    // console has at start (sorted, no text yet). Cold: no event loop ran, so no search text
    // exists and the first character builds all of it on this thread (every start paid this
    // before the background build). Warm: the event loop ran until the proxy's background build
    // was done (search_build_ms, wall time), as it does while a person reaches for the keys.
    const QStringList keystrokes{QStringLiteral("p"), QStringLiteral("pr"), QStringLiteral("pro"),
                                 QStringLiteral("prod"), QStringLiteral("prod-")};
    double firstKeystrokeColdMs = 0, firstKeystrokeMs = 0, searchBuildMs = 0;
    std::vector<double> laterKeystrokeMs;
    {
        models::FleetFilterProxy cold;
        cold.setSourceModel(&model);
        cold.sort(sortColumn);
        cold.rowCount();
        QElapsedTimer t;
        t.start();
        cold.setText(keystrokes.first());
        visibleSink += cold.rowCount() + cold.index(0, 0).row();
        firstKeystrokeColdMs = msSince(t);
    }
    {
        models::FleetFilterProxy fresh;
        QElapsedTimer t;
        t.start();
        fresh.setSourceModel(&model);
        fresh.sort(sortColumn);
        fresh.rowCount();
        while (!fresh.searchTextReady() && msSince(t) < 60000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        searchBuildMs = msSince(t);
        for (int k = 0; k < keystrokes.size(); ++k) {
            t.start();
            fresh.setText(keystrokes.at(k));
            visibleSink += fresh.rowCount() + fresh.index(0, 0).row();
            if (k == 0)
                firstKeystrokeMs = msSince(t);
            else
                laterKeystrokeMs.push_back(msSince(t));
        }
    }

    // 4. Watch events at `rate` per second, in 100 ms batches (the watcher's coalescing),
    // produced on another thread like the watcher's decode jobs, applied on this one.
    StallProbe probe;
    std::atomic<qint64> submitted{0};
    std::atomic<bool> producing{true};
    const int batchesPerSecond = 10;
    const int perBatch = std::max(1, rate / batchesPerSecond);
    QThread* producer = QThread::create([&] {
        QRandomGenerator rng(42);
        QVector<AppSummary> extra;
        int nextNew = 0;
        QElapsedTimer clock;
        clock.start();
        const qint64 totalBatches = qint64(seconds) * batchesPerSecond;
        for (qint64 b = 0; b < totalBatches && rate > 0; ++b) {
            const qint64 due = b * 1000 / batchesPerSecond;
            while (clock.elapsed() < due)
                QThread::msleep(1);
            QVector<AppEvent> batch;
            batch.reserve(perBatch);
            for (int k = 0; k < perBatch; ++k) {
                const int dice = int(rng.bounded(100));
                if (dice < churn || base.isEmpty()) { // new applications
                    AppSummary a = base.isEmpty() ? AppSummary{} : base[0];
                    a.name = QStringLiteral("bench-new-%1").arg(nextNew++);
                    extra.append(a);
                    batch.append({WatchEventType::Added, a});
                } else if (dice < 2 * churn && !extra.isEmpty()) { // deletions
                    batch.append({WatchEventType::Deleted, extra.takeFirst()});
                } else { // status changes
                    AppSummary& a = base[int(rng.bounded(int(base.size())))];
                    switch (rng.bounded(3)) {
                    case 0:
                        a.health = a.health == argocd::HealthStatus::Healthy
                                       ? argocd::HealthStatus::Progressing
                                       : argocd::HealthStatus::Healthy;
                        break;
                    case 1:
                        a.sync = a.sync == argocd::SyncStatus::Synced
                                     ? argocd::SyncStatus::OutOfSync
                                     : argocd::SyncStatus::Synced;
                        break;
                    default:
                        a.operationPhase = a.operationPhase == argocd::OperationPhase::Running
                                               ? argocd::OperationPhase::Succeeded
                                               : argocd::OperationPhase::Running;
                        break;
                    }
                    a.resourceVersion = QString::number(b * perBatch + k);
                    batch.append({WatchEventType::Modified, a});
                }
            }
            submitted += batch.size();
            QMetaObject::invokeMethod(
                &store, [&store, batch = std::move(batch)] { store.applyEventsAsync(batch); },
                Qt::QueuedConnection);
        }
        producing = false;
    });

    // The GUI-thread share of each batch: from its first signal to batchApplied (the probe
    // also sees time the OS gave to other processes; this does not).
    QElapsedTimer applyClock;
    double maxApplyMs = 0;
    std::vector<double> applyMs;
    auto batchStarts = [&] {
        if (!applyClock.isValid())
            applyClock.start();
    };
    QObject::connect(&store, &fleet::FleetStore::rowsAboutToBeRemoved, &store, batchStarts);
    QObject::connect(&store, &fleet::FleetStore::rowsChanged, &store, batchStarts);
    QObject::connect(&store, &fleet::FleetStore::rowsAboutToBeInserted, &store, batchStarts);
    QObject::connect(&store, &fleet::FleetStore::batchApplied, &store, [&] {
        if (!applyClock.isValid())
            return;
        applyMs.push_back(msSince(applyClock));
        maxApplyMs = std::max(maxApplyMs, applyMs.back());
        applyClock.invalidate();
    });

    spin(200); // settle
    probe.start();
    QElapsedTimer eventClock;
    eventClock.start();
    producer->start();
    while (producing || store.pendingBatches() > 0)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    // The producer's schedule spans `seconds`; a store that keeps up is idle right after the
    // last batch, one that does not takes longer and the rate drops below the offered one.
    const double eventSeconds = std::max(double(seconds), msSince(eventClock) / 1000.0 - 0.1);
    const double lagMs = msSince(eventClock) - seconds * 1000.0;
    const double maxStallMs = probe.stop();
    producer->wait();
    delete producer;

    nlohmann::ordered_json out;
    out["apps"] = apps;
    out["ingest_ms"] = round2(ingestMs);
    out["bytes_per_app"] = bytesPerApp;
    out["filter_ms"] = round2(median(filterMs));
    out["sort_ms"] = round2(median(sortMs));
    out["events_applied_per_s"] =
        eventSeconds > 0 ? qint64(double(submitted.load()) / eventSeconds) : 0;
    out["max_gui_stall_ms"] = round2(maxStallMs);
    out["max_gui_busy_ms"] = round2(probe.maxBusyMs());
    out["max_batch_apply_ms"] = round2(maxApplyMs);
    out["median_batch_apply_ms"] = round2(median(applyMs));
    out["batches"] = qint64(applyMs.size());
    out["first_filter_ms"] = round2(firstFilterMs);
    out["first_keystroke_ms"] = round2(firstKeystrokeMs);
    out["later_keystroke_ms"] = round2(median(laterKeystrokeMs));
    out["first_keystroke_cold_ms"] = round2(firstKeystrokeColdMs);
    out["search_build_ms"] = round2(searchBuildMs);
    out["sorted_rows"] = sortedRows;
    out["bytes_per_app_with_view"] = bytesPerAppWithView;
    out["events"] = submitted.load();
    out["drain_ms"] = round2(lagMs);
    out["rows_after"] = store.size();
    out["visible_rows"] = proxy.rowCount();
    Q_UNUSED(visibleSink);
    print(out);
    return 0;
}

// ---- bench cache -------------------------------------------------------------------------------

int runCache(const QStringList& args) {
    int apps = 50000, runs = 9;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        bool ok = true;
        if (a == QLatin1String("--apps"))
            ok = intArg(args, i, apps) && apps > 0;
        else if (a == QLatin1String("--runs"))
            ok = intArg(args, i, runs) && runs > 0;
        else if (a == QLatin1String("--help")) {
            printBenchHelp();
            return 0;
        } else {
            printError(QStringLiteral("unexpected argument '%1'").arg(a));
            return 2;
        }
        if (!ok) {
            printError(QStringLiteral("%1 needs a valid number").arg(a));
            return 2;
        }
    }

    // The fleet as `bench fleet` generates it, one instance.
    QString instance;
    QVector<AppSummary> rows;
    {
        sim::Simulator sim;
        sim::GeneratorOptions o;
        o.apps = apps;
        o.instances = 1;
        o.clusters = std::max(1, std::min(400, apps / 100));
        o.seed = 7;
        sim.generate(o);
        instance = sim.instanceNames().value(0);
        QByteArray body = sim.listBody(instance);
        argocd::padForFastParse(body);
        Result<argocd::AppList> list = argocd::parseApplicationListFast(body, instance);
        if (!list) {
            printError(QStringLiteral("the generated list did not parse"));
            return 2;
        }
        rows = std::move(list->apps);
    }
    QTemporaryDir dir;
    if (!dir.isValid()) {
        printError(QStringLiteral("cannot create a temporary directory"));
        return 2;
    }
    const QString path = dir.filePath(QStringLiteral("fleet-bench.bin"));
    const QDateTime asOf = QDateTime::currentDateTimeUtc();

    std::vector<double> saveMs, loadMs, applyMs, totalMs;
    int loaded = 0;
    const int warmups = 2;
    for (int run = 0; run < warmups + runs; ++run) {
        const bool counted = run >= warmups;
        QElapsedTimer t;
        t.start();
        if (Status saved = fleet::FleetCache::save(path, instance, rows, asOf); !saved) {
            printError(saved.error().shortMessage, saved.error().details);
            return 2;
        }
        const double save = msSince(t);

        // A fresh pool, store, model and sorted proxy per run: the console at start.
        auto pool = std::make_unique<argocd::StringPool>();
        auto store = std::make_unique<fleet::FleetStore>();
        auto model = std::make_unique<models::FleetModel>(store.get());
        auto proxy = std::make_unique<models::FleetFilterProxy>();
        proxy->setSourceModel(model.get());
        proxy->sort(models::FleetModel::NameColumn);
        proxy->rowCount();

        t.start();
        Result<fleet::CachedFleet> cached = fleet::FleetCache::load(path, pool.get());
        const double load = msSince(t);
        if (!cached) {
            printError(cached.error().shortMessage, cached.error().details);
            return 2;
        }
        store->applySnapshot(cached->instanceId, cached->apps);
        loaded = proxy->rowCount(); // the proxy's mapping is built and sorted
        const double total = msSince(t);

        proxy.reset(); // freeing is not part of the start
        model.reset();
        store.reset();
        cached = fleet::CachedFleet{};
        pool.reset();
        if (counted) {
            saveMs.push_back(save);
            loadMs.push_back(load);
            applyMs.push_back(total - load);
            totalMs.push_back(total);
        }
    }
    if (loaded != rows.size()) {
        printError(QStringLiteral("loaded %1 of %2 rows").arg(loaded).arg(rows.size()));
        return 2;
    }
    nlohmann::ordered_json out;
    out["apps"] = loaded;
    out["bytes"] = QFileInfo(path).size();
    out["save_ms"] = round2(median(saveMs));
    out["load_ms"] = round2(median(loadMs));
    out["apply_ms"] = round2(median(applyMs));
    out["total_ms"] = round2(median(totalMs));
    out["runs"] = runs;
    print(out);
    return 0;
}

// ---- bench diagnose ----------------------------------------------------------------------------

int runDiagnoseBench(const QStringList& args) {
    QString dirPath;
    int runs = 9;
    for (int i = 0; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--runs")) {
            if (!intArg(args, i, runs) || runs < 1) {
                printError(QStringLiteral("--runs needs a positive number"));
                return 2;
            }
        } else if (args[i] == QLatin1String("--help")) {
            printBenchHelp();
            return 0;
        } else if (dirPath.isEmpty() && !args[i].startsWith(QLatin1String("--"))) {
            dirPath = args[i];
        } else {
            printError(QStringLiteral("unexpected argument '%1'").arg(args[i]));
            return 2;
        }
    }
    if (dirPath.isEmpty()) {
        printError(QStringLiteral("bench diagnose needs a DIR of evidence bundles"));
        return 2;
    }
    const QDir dir(dirPath);
    const QStringList files =
        dir.entryList({QStringLiteral("*.json")}, QDir::Files | QDir::Readable, QDir::Name);
    if (!dir.exists() || files.isEmpty()) {
        printError(QStringLiteral("no *.json evidence bundles in %1").arg(dirPath));
        return 2;
    }

    struct Case {
        QString file;
        analysis::EvidenceBundle bundle;
        QString primary;
        QStringList also;
        nlohmann::ordered_json expected;
    };
    std::vector<Case> cases;
    for (const QString& name : files) {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly)) {
            printError(QStringLiteral("cannot read %1").arg(f.fileName()), f.errorString());
            return 2;
        }
        const QByteArray bytes = f.readAll();
        auto bundle = analysis::EvidenceBundle::fromJson(bytes);
        if (!bundle) {
            printError(QStringLiteral("%1: %2").arg(name, bundle.error().shortMessage),
                       bundle.error().details);
            return 2;
        }
        // The label is read here only; the engine never sees it.
        const auto doc =
            nlohmann::ordered_json::parse(bytes.cbegin(), bytes.cend(), nullptr, false);
        Case c{name, std::move(*bundle), {}, {}, nlohmann::ordered_json::object()};
        if (doc.is_object() && doc.contains("expected") && doc["expected"].is_object()) {
            c.expected = doc["expected"];
            c.primary = QString::fromStdString(c.expected.value("primary", std::string()));
            if (c.expected.contains("also") && c.expected["also"].is_array())
                for (const auto& a : c.expected["also"])
                    if (a.is_string())
                        c.also << QString::fromStdString(a.get<std::string>());
        }
        if (c.primary.isEmpty()) {
            printError(QStringLiteral("%1 has no expected.primary label").arg(name));
            return 2;
        }
        cases.push_back(std::move(c));
    }

    const analysis::Diagnoser diagnoser(analysis::SignatureCatalogue::builtin());
    if (diagnoser.catalogue().signatures().isEmpty()) {
        printError(QStringLiteral("the built-in signature catalogue did not load"));
        return 2;
    }
    std::vector<std::vector<double>> times(cases.size());
    std::vector<QStringList> got(cases.size());
    for (int run = 0; run < runs + 1; ++run) { // run 0 warms caches and the regex JIT
        for (std::size_t i = 0; i < cases.size(); ++i) {
            QElapsedTimer t;
            t.start();
            const analysis::Diagnosis d = diagnoser.diagnose(cases[i].bundle);
            const double ms = msSince(t);
            if (run == 0) {
                for (const analysis::Finding& f : d.findings)
                    got[i] << f.category;
            } else {
                times[i].push_back(ms);
            }
        }
    }

    int correct = 0;
    std::map<QString, std::pair<int, int>> perCategory; // cases, correct
    nlohmann::ordered_json misses = nlohmann::ordered_json::array();
    double totalMs = 0;
    double maxMs = 0;
    QString slowest;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        bool ok = !got[i].isEmpty() && got[i].first() == c.primary;
        for (const QString& a : c.also)
            ok = ok && got[i].contains(a);
        correct += ok ? 1 : 0;
        auto& pc = perCategory[c.primary];
        ++pc.first;
        pc.second += ok ? 1 : 0;
        const double ms = median(times[i]);
        totalMs += ms;
        if (ms > maxMs) {
            maxMs = ms;
            slowest = c.file;
        }
        if (!ok) {
            nlohmann::ordered_json m;
            m["file"] = c.file.toStdString();
            m["expected"] = c.expected;
            nlohmann::ordered_json g = nlohmann::ordered_json::array();
            for (const QString& cat : got[i])
                g.push_back(cat.toStdString());
            m["got"] = std::move(g);
            misses.push_back(std::move(m));
        }
    }
    const auto ratio = [](int a, int b) {
        return b == 0 ? 0.0 : std::round(1000.0 * a / b) / 1000;
    };
    nlohmann::ordered_json out;
    out["cases"] = int(cases.size());
    out["accuracy"] = ratio(correct, int(cases.size()));
    nlohmann::ordered_json per = nlohmann::ordered_json::object();
    for (const auto& [cat, counts] : perCategory) {
        nlohmann::ordered_json pc;
        pc["cases"] = counts.first;
        pc["correct"] = counts.second;
        pc["accuracy"] = ratio(counts.second, counts.first);
        per[cat.toStdString()] = std::move(pc);
    }
    out["per_category"] = std::move(per);
    out["ms_per_case"] = std::round(totalMs / double(cases.size()) * 1000) / 1000;
    out["ms_max_case"] = std::round(maxMs * 1000) / 1000;
    out["slowest_case"] = slowest.toStdString();
    out["runs"] = runs;
    out["misses"] = std::move(misses);
    print(out);
    return 0;
}

} // namespace

int runBench(const QStringList& args) {
    if (args.isEmpty() || args.first() == QLatin1String("--help")) {
        printBenchHelp();
        return args.isEmpty() ? 2 : 0;
    }
    const QString what = args.first();
    if (what == QLatin1String("ingest"))
        return runIngest(args.mid(1));
    if (what == QLatin1String("fleet"))
        return runFleet(args.mid(1));
    if (what == QLatin1String("cache"))
        return runCache(args.mid(1));
    if (what == QLatin1String("diagnose"))
        return runDiagnoseBench(args.mid(1));
    if (what == QLatin1String("policy"))
        return runBenchPolicy(args.mid(1));
    if (what == QLatin1String("pr"))
        return runBenchPr(args.mid(1));
    if (what == QLatin1String("startup"))
        return runBenchStartup(args.mid(1));
    printError(QStringLiteral("unknown benchmark '%1' (ingest, fleet, cache, startup, diagnose, "
                              "policy, pr)")
                   .arg(what));
    return 2;
}

} // namespace sextant::cli
