#include "fleetstore.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QSet>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <variant>

namespace sextant::fleet {

using argocd::AppEvent;
using argocd::AppSummary;
using argocd::WatchEventType;

struct FleetStore::Plan {
    quint64 generation = 0;
    QVector<int> gone;                          // sorted, unique
    QVector<QPair<int, ChangedFields>> changed; // rows that stay, numbering before the batch
    QVector<AppSummary> changedApps;            // parallel to `changed`
    QVector<AppSummary> added;
    QVector<quint64> addedHashes; // parallel to `added`
};

// Implicitly shared copies: taking one is O(1); the preparing thread only reads them and drops
// them before it reports back, so the store's next write does not have to detach.
struct FleetStore::Shared {
    RowTable rows;
    QVector<quint64> hashes;
    Index index;
    QHash<QString, FleetCounts> counts;
};

namespace {

struct RowsView {
    const RowTable& rows;
    const QVector<quint64>& hashes;
    const FleetStore::Index& index;
    const QHash<QString, FleetCounts>& counts;
};

struct SnapshotInput {
    QString instanceId;
    QVector<AppSummary> apps;
};
using EventsInput = QVector<AppEvent>;

bool sameKey(const AppSummary& a, const AppSummary& b) {
    return a.name == b.name && a.appNamespace == b.appNamespace && a.instance == b.instance;
}

void sortUnique(QVector<int>& rows) {
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
}

void lookUp(const RowsView& cur, const AppSummary& app, quint64 hash, FleetStore::Plan& plan) {
    const int row = cur.index.find(cur.rows, app, hash);
    if (row < 0) {
        plan.added.append(app);
        plan.addedHashes.append(hash);
        return;
    }
    const ChangedFields f = FleetStore::diff(cur.rows.at(row), app);
    if (f != ChangedNone) {
        plan.changed.append({row, f});
        plan.changedApps.append(app);
    }
}

FleetStore::Plan prepareSnapshot(const RowsView& cur, const SnapshotInput& in) {
    FleetStore::Plan plan;
    QVector<quint64> hashes;
    hashes.reserve(in.apps.size());
    for (const AppSummary& app : in.apps)
        hashes.append(FleetStore::keyHash(app));
    // A first list of an instance only adds: no key set needed to find what went away, and
    // every row goes to `added` (reserved: growing a vector of AppSummary moves every row).
    if (!cur.counts.contains(in.instanceId)) {
        plan.added.reserve(in.apps.size());
        plan.addedHashes.reserve(in.apps.size());
    } else {
        QHash<quint64, int> fresh; // hash -> an app of the list with it
        fresh.reserve(in.apps.size());
        bool collision = false;
        for (int i = 0; i < in.apps.size() && !collision; ++i) {
            auto it = fresh.find(hashes[i]);
            if (it == fresh.end())
                fresh.insert(hashes[i], i);
            else
                collision = !sameKey(in.apps[*it], in.apps[i]);
        }
        QSet<QString> freshKeys; // only when two keys of the list share a hash
        if (collision) {
            for (const AppSummary& app : in.apps)
                freshKeys.insert(app.key());
        }
        for (int i = 0; i < cur.rows.size(); ++i) {
            const AppSummary& row = cur.rows.at(i);
            if (row.instance != in.instanceId)
                continue;
            bool kept;
            if (collision) {
                kept = freshKeys.contains(row.key());
            } else {
                const int app = fresh.value(cur.hashes[i], -1);
                kept = app >= 0 && sameKey(in.apps[app], row);
            }
            if (!kept)
                plan.gone.append(i);
        }
    }
    for (int i = 0; i < in.apps.size(); ++i)
        lookUp(cur, in.apps[i], hashes[i], plan);
    return plan;
}

FleetStore::Plan prepareEvents(const RowsView& cur, const EventsInput& events) {
    FleetStore::Plan plan;
    // Collapse the batch to the last event per application first, so an app added and
    // deleted within one batch never reaches the view.
    QVector<quint64> hashes;
    hashes.reserve(events.size());
    QHash<quint64, int> lastEvent;
    lastEvent.reserve(events.size());
    bool collision = false;
    for (int i = 0; i < events.size(); ++i) {
        hashes.append(FleetStore::keyHash(events[i].app));
        auto it = lastEvent.find(hashes.back());
        if (it == lastEvent.end())
            lastEvent.insert(hashes.back(), i);
        else {
            collision |= !sameKey(events[*it].app, events[i].app);
            *it = i;
        }
    }
    QHash<QString, int> lastByKey; // only when two keys of the batch share a hash
    if (collision) {
        for (int i = 0; i < events.size(); ++i)
            lastByKey.insert(events[i].app.key(), i);
    }
    for (int i = 0; i < events.size(); ++i) {
        const int last =
            collision ? lastByKey.value(events[i].app.key()) : lastEvent.value(hashes[i]);
        if (last != i)
            continue;
        const AppEvent& ev = events[i];
        if (ev.type == WatchEventType::Deleted) {
            const int row = cur.index.find(cur.rows, ev.app, hashes[i]);
            if (row >= 0)
                plan.gone.append(row);
            continue;
        }
        // Effective events have distinct keys, so no row looked up here is also removed.
        lookUp(cur, ev.app, hashes[i], plan);
    }
    sortUnique(plan.gone);
    return plan;
}

FleetStore::Plan prepareRemoval(const RowsView& cur, const QString& instanceId) {
    FleetStore::Plan plan;
    for (int i = 0; i < cur.rows.size(); ++i) {
        if (cur.rows.at(i).instance == instanceId)
            plan.gone.append(i);
    }
    return plan;
}

// Removes what a batch says about one instance; true when nothing is left of it.
bool dropInstance(std::variant<SnapshotInput, EventsInput>& input, const QString& instanceId) {
    if (const auto* snapshot = std::get_if<SnapshotInput>(&input))
        return snapshot->instanceId == instanceId;
    auto& events = std::get<EventsInput>(input);
    events.erase(std::remove_if(events.begin(), events.end(),
                                [&](const AppEvent& e) { return e.app.instance == instanceId; }),
                 events.end());
    return events.isEmpty();
}

} // namespace

struct FleetStore::Job {
    std::variant<SnapshotInput, EventsInput> input;
    quint64 generation = 0;
    Shared rows; // released by the preparing thread
    Plan plan;

    Plan prepare(const RowsView& cur) const {
        if (const auto* s = std::get_if<SnapshotInput>(&input))
            return prepareSnapshot(cur, *s);
        return prepareEvents(cur, std::get<EventsInput>(input));
    }
};

void RowTable::erase(int first, int last) {
    for (int p = first; p <= last; ++p) {
        const int slot = order[p];
        slab[slot].app = AppSummary{}; // drop the values now; the slot is reused later
        free.append(slot);
    }
    order.erase(order.begin() + first, order.begin() + last + 1);
}

void RowTable::append(AppSummary&& app) {
    if (!free.isEmpty()) {
        const int slot = free.takeLast();
        slab[slot].app = std::move(app);
        order.append(slot);
        return;
    }
    order.append(int(slab.size()));
    slab.append(Row{std::move(app)});
}

FleetStore::FleetStore(QObject* parent)
    : QObject(parent) {}

FleetStore::~FleetStore() = default;

ChangedFields FleetStore::diff(const AppSummary& a, const AppSummary& b) {
    ChangedFields f = ChangedNone;
    if (a.sync != b.sync)
        f |= ChangedSync;
    if (a.health != b.health || a.healthMessage != b.healthMessage)
        f |= ChangedHealth;
    if (a.operationPhase != b.operationPhase || a.operationStartedAt != b.operationStartedAt ||
        a.operationFinishedAt != b.operationFinishedAt)
        f |= ChangedOperation;
    if (a.syncRevision != b.syncRevision || a.targetRevision != b.targetRevision)
        f |= ChangedRevision;
    if (a.project != b.project || a.destServer != b.destServer || a.destName != b.destName ||
        a.destNamespace != b.destNamespace || a.repoURL != b.repoURL || a.path != b.path ||
        a.multiSource != b.multiSource)
        f |= ChangedPlacement;
    if (a.labels != b.labels || a.images != b.images || a.autoSync != b.autoSync ||
        a.deleting != b.deleting || a.createdAt != b.createdAt)
        f |= ChangedMeta;
    if (a.resourceVersion != b.resourceVersion)
        f |= ChangedVersion;
    return f;
}

void FleetStore::applySnapshot(const QString& instanceId, const QVector<AppSummary>& apps) {
    finishSlices(); // a sliced async batch is announced completely first
    const RowsView cur{m_rows, m_hashes, m_index, m_counts};
    applyPlan(prepareSnapshot(cur, SnapshotInput{instanceId, apps}));
}

void FleetStore::applyEvents(const QVector<AppEvent>& events) {
    finishSlices(); // a sliced async batch is announced completely first
    const RowsView cur{m_rows, m_hashes, m_index, m_counts};
    applyPlan(prepareEvents(cur, events));
}

void FleetStore::removeInstance(const QString& instanceId) {
    finishSlices(); // a sliced async batch is announced completely first
    // Batches of this instance that are still queued must not bring its rows back.
    for (auto it = m_queue.begin(); it != m_queue.end();) {
        if (dropInstance((*it)->input, instanceId))
            it = m_queue.erase(it);
        else
            ++it;
    }
    // The batch being prepared is filtered when it comes back (its input is in use now).
    if (m_inFlight)
        m_removedWhileInFlight.insert(instanceId);
    const RowsView cur{m_rows, m_hashes, m_index, m_counts};
    applyPlan(prepareRemoval(cur, instanceId));
}

void FleetStore::applySnapshotAsync(const QString& instanceId, QVector<AppSummary> apps) {
    auto job = std::make_shared<Job>();
    job->input = SnapshotInput{instanceId, std::move(apps)};
    m_queue.push_back(std::move(job));
    startNextJob();
}

void FleetStore::applyEventsAsync(QVector<AppEvent> events) {
    if (events.isEmpty())
        return;
    // Waiting event batches are merged: applying A then B ends where applying A+B ends.
    if (!m_queue.empty()) {
        if (auto* waiting = std::get_if<EventsInput>(&m_queue.back()->input)) {
            *waiting += events;
            return;
        }
    }
    auto job = std::make_shared<Job>();
    job->input = std::move(events);
    m_queue.push_back(std::move(job));
    startNextJob();
}

void FleetStore::startNextJob() {
    if (m_inFlight || m_queue.empty())
        return;
    m_inFlight = std::move(m_queue.front());
    m_queue.pop_front();
    std::shared_ptr<Job> job = m_inFlight;
    job->generation = m_generation;
    job->rows = Shared{m_rows, m_hashes, m_index, m_counts};

    auto* watcher = new QFutureWatcher<void>(this);
    connect(watcher, &QFutureWatcher<void>::finished, this, [this, watcher, job] {
        watcher->deleteLater();
        onJobPrepared(job);
    });
    watcher->setFuture(QtConcurrent::run([job] {
        {
            const RowsView cur{job->rows.rows, job->rows.hashes, job->rows.index, job->rows.counts};
            job->plan = job->prepare(cur);
        }
        // Drop the shared copies before reporting, so the store's writes do not detach.
        job->rows = Shared{};
    }));
}

void FleetStore::onJobPrepared(std::shared_ptr<Job> job) {
    if (job != m_inFlight)
        return;
    bool emptied = false;
    for (const QString& removed : std::as_const(m_removedWhileInFlight))
        emptied = dropInstance(job->input, removed) || emptied;
    m_removedWhileInFlight.clear();
    if (emptied) {
        finishJob();
        return;
    }
    if (job->generation != m_generation) {
        // Rows changed (a synchronous batch) while this one was prepared: redo it here.
        const RowsView cur{m_rows, m_hashes, m_index, m_counts};
        job->plan = job->prepare(cur);
    }
    Plan plan = std::move(job->plan);
    job->input = EventsInput{};
    // The job stays in flight until its last slice is announced.
    applyPlan(std::move(plan), true);
}

void FleetStore::finishJob() {
    m_inFlight.reset();
    if (m_queue.empty())
        Q_EMIT asyncIdle();
    else
        startNextJob();
}

void FleetStore::finishSlices() {
    if (m_pending)
        announce(false);
}

namespace {
void addToCounts(FleetCounts& c, const AppSummary& app, int sign) {
    c.apps += sign;
    if (app.sync == argocd::SyncStatus::OutOfSync)
        c.outOfSync += sign;
    if (app.health == argocd::HealthStatus::Degraded)
        c.degraded += sign;
    if (app.health == argocd::HealthStatus::Progressing)
        c.progressing += sign;
    if (app.syncFailed())
        c.syncFailed += sign;
}
} // namespace

void FleetStore::countRow(const AppSummary& app, int sign) {
    FleetCounts& c = m_counts[app.instance];
    addToCounts(c, app, sign);
    if (c.apps == 0)
        m_counts.remove(app.instance);
}

void FleetStore::applyPlan(Plan plan, bool sliced) {
    const bool changesRows =
        !plan.gone.isEmpty() || !plan.changed.isEmpty() || !plan.added.isEmpty();
    if (changesRows)
        ++m_generation;

    // 1. Removals, highest range first, so lower indices stay valid while we go.
    const QVector<int>& gone = plan.gone;
    if (!gone.isEmpty()) {
        for (int r : gone) {
            m_index.remove(m_rows.at(r), m_hashes[r], r);
            countRow(m_rows.at(r), -1);
        }
        int end = int(gone.size()) - 1;
        while (end >= 0) {
            int start = end;
            while (start > 0 && gone[start - 1] == gone[start] - 1)
                --start;
            const int first = gone[start];
            const int last = gone[end];
            Q_EMIT rowsAboutToBeRemoved(first, last);
            m_rows.erase(first, last);
            m_hashes.erase(m_hashes.begin() + first, m_hashes.begin() + last + 1);
            Q_EMIT rowsRemoved(first, last);
            end = start - 1;
        }
        // Only rows after the first removed one moved.
        for (int i = gone.front(); i < m_rows.size(); ++i)
            m_index.move(m_rows.at(i), m_hashes[i], i);
    }

    // 2. Changes, renumbered past the removals, announced as contiguous ranges.
    Pending pending;
    pending.sliced = sliced;
    if (!plan.changed.isEmpty()) {
        QVector<QPair<int, ChangedFields>>& changed = plan.changed;
        for (int i = 0; i < changed.size(); ++i) {
            int row = changed[i].first;
            if (!gone.isEmpty())
                row -= int(std::lower_bound(gone.begin(), gone.end(), row) - gone.begin());
            changed[i].first = row;
            countRow(m_rows.at(row), -1);
            m_rows.at(row) = std::move(plan.changedApps[i]);
            countRow(m_rows.at(row), +1);
        }
        std::sort(changed.begin(), changed.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        int start = 0;
        while (start < changed.size()) {
            int end = start;
            ChangedFields fields = changed[start].second;
            while (end + 1 < changed.size() && changed[end + 1].first == changed[end].first + 1) {
                ++end;
                fields |= changed[end].second;
            }
            pending.ranges.append({changed[start].first, changed[end].first, fields});
            start = end + 1;
        }
    }
    pending.added = std::move(plan.added);
    pending.addedHashes = std::move(plan.addedHashes);
    m_pending = std::move(pending);
    announce(sliced);
}

// Views spend microseconds per announced range (a sorted, filtered proxy re-checks each row).
// A batch of thousands of scattered changes is therefore announced in slices of a few
// milliseconds, with the event loop running in between; the insertion and batchApplied()
// follow the last slice. Rows already hold their new values; only the announcements wait.
void FleetStore::announce(bool sliced) {
    constexpr qint64 kSliceNs = 4'000'000;
    QElapsedTimer clock;
    clock.start();
    Pending& p = *m_pending;
    while (p.next < p.ranges.size()) {
        const Range& r = p.ranges[p.next++];
        Q_EMIT rowsChanged(r.first, r.last, r.fields);
        if (sliced && p.next < p.ranges.size() && (p.next % 16) == 0 &&
            clock.nsecsElapsed() > kSliceNs) {
            QTimer::singleShot(0, this, [this] {
                if (m_pending)
                    announce(true);
            });
            return;
        }
    }

    // 3. One insertion at the end.
    Pending done = std::move(p);
    m_pending.reset();
    if (!done.added.isEmpty()) {
        const int first = int(m_rows.size());
        const int last = first + int(done.added.size()) - 1;
        Q_EMIT rowsAboutToBeInserted(first, last);
        // Room for the rows, growing at least twofold: reserve() allocates exactly what it is
        // asked for, so reserving a few more rows per watch batch would copy the whole slab
        // every time.
        auto makeRoom = [](auto& vector, qsizetype needed) {
            if (needed > vector.capacity())
                vector.reserve(std::max(needed, 2 * vector.capacity()));
        };
        makeRoom(m_rows.order, m_rows.size() + done.added.size());
        makeRoom(m_rows.slab, m_rows.slab.size() +
                                  std::max<qsizetype>(0, done.added.size() - m_rows.free.size()));
        makeRoom(m_hashes, m_hashes.size() + done.added.size());
        m_index.byHash.reserve(m_index.byHash.size() + done.added.size());
        // Added rows come grouped by instance: one counts lookup per run of the same one.
        FleetCounts* counts = nullptr;
        QString countsOf;
        for (int i = 0; i < done.added.size(); ++i) {
            if (!counts || done.added[i].instance != countsOf) {
                countsOf = done.added[i].instance;
                counts = &m_counts[countsOf];
            }
            addToCounts(*counts, done.added[i], +1);
            m_index.insert(m_rows, done.added[i], done.addedHashes[i], int(m_rows.size()));
            m_hashes.append(done.addedHashes[i]);
            m_rows.append(std::move(done.added[i]));
        }
        Q_EMIT rowsInserted(first, last);
    }
    Q_EMIT batchApplied();
    if (done.sliced)
        finishJob();
}

// FNV-1a over the UTF-16 units of instance '/' namespace '/' name, then a 64-bit finalizer.
namespace {
constexpr quint64 kFnvOffset = 14695981039346656037ULL;
quint64 fnv(quint64 h, QStringView s) {
    for (QChar c : s) {
        h ^= c.unicode();
        h *= 1099511628211ULL;
    }
    return h;
}
quint64 finish(quint64 h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}
const QChar kSlash[] = {QLatin1Char('/')};
} // namespace

quint64 FleetStore::keyHash(const AppSummary& app) {
    quint64 h = fnv(kFnvOffset, app.instance);
    h = fnv(h, QStringView(kSlash, 1));
    h = fnv(h, app.appNamespace);
    h = fnv(h, QStringView(kSlash, 1));
    return finish(fnv(h, app.name));
}

quint64 FleetStore::keyHash(QStringView key) {
    return finish(fnv(kFnvOffset, key));
}

namespace {
// `key` is instance/namespace/name of `app`, compared without building the key.
bool isKeyOf(const AppSummary& app, QStringView key) {
    const qsizetype i = app.instance.size(), n = app.appNamespace.size();
    return key.size() == i + n + app.name.size() + 2 && key.mid(i, 1) == u"/" &&
           key.mid(i + 1 + n, 1) == u"/" && key.left(i) == app.instance &&
           key.mid(i + 1, n) == app.appNamespace && key.mid(i + n + 2) == app.name;
}
} // namespace

int FleetStore::Index::find(const RowTable& rows, const AppSummary& app, quint64 hash) const {
    if (!collided.isEmpty()) {
        if (auto it = collided.constFind(app.key()); it != collided.cend())
            return *it;
    }
    const int row = byHash.value(hash, -1);
    return row >= 0 && sameKey(rows.at(row), app) ? row : -1;
}

int FleetStore::Index::find(const RowTable& rows, QStringView key) const {
    if (!collided.isEmpty()) {
        if (auto it = collided.constFind(key.toString()); it != collided.cend())
            return *it;
    }
    const int row = byHash.value(keyHash(key), -1);
    return row >= 0 && isKeyOf(rows.at(row), key) ? row : -1;
}

void FleetStore::Index::insert(const RowTable& rows, const AppSummary& app, quint64 hash, int row) {
    auto it = byHash.find(hash);
    if (it == byHash.end())
        byHash.insert(hash, row);
    else if (sameKey(rows.at(*it), app))
        *it = row; // the same key again: the later row wins, as it always did
    else
        collided.insert(app.key(), row);
}

void FleetStore::Index::remove(const AppSummary& app, quint64 hash, int row) {
    if (!collided.isEmpty()) {
        if (auto it = collided.find(app.key()); it != collided.end() && *it == row) {
            collided.erase(it);
            return;
        }
    }
    if (auto it = byHash.find(hash); it != byHash.end() && *it == row)
        byHash.erase(it);
}

void FleetStore::Index::move(const AppSummary& app, quint64 hash, int row) {
    if (!collided.isEmpty()) {
        if (auto it = collided.find(app.key()); it != collided.end()) {
            *it = row;
            return;
        }
    }
    byHash[hash] = row;
}

int FleetStore::indexOf(const QString& key) const {
    return m_index.find(m_rows, key);
}

FleetCounts FleetStore::counts(const QString& instanceId) const {
    if (!instanceId.isEmpty())
        return m_counts.value(instanceId);
    FleetCounts total;
    for (const FleetCounts& c : m_counts) {
        total.apps += c.apps;
        total.outOfSync += c.outOfSync;
        total.degraded += c.degraded;
        total.progressing += c.progressing;
        total.syncFailed += c.syncFailed;
    }
    return total;
}

QStringList FleetStore::instances() const {
    // In order of first appearance; stop scanning once every instance was seen.
    QStringList out;
    QSet<QString> seen;
    for (int r = 0; r < m_rows.size(); ++r) {
        const AppSummary& app = m_rows.at(r);
        if (seen.size() == m_counts.size())
            break;
        if (!seen.contains(app.instance)) {
            seen.insert(app.instance);
            out.append(app.instance);
        }
    }
    return out;
}

} // namespace sextant::fleet
