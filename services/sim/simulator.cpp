#include "sim/simulator.h"

#include "sim/jsonwriter.h"
#include "sim/scenario.h"
#include "sim/selector.h"
#include "sim/simmodel.h"

#include <QFile>
#include <QPointer>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <deque>
#include <map>
#include <random>

namespace sextant::sim {

using nlohmann::json;

namespace {

constexpr qsizetype kMaxHeaderBytes = 64 * 1024;
constexpr qsizetype kMaxBodyBytes = 8 * 1024 * 1024;
constexpr size_t kWatchBuffer = 1000; // ARGOCD_WATCH_API_BUFFER_SIZE
constexpr qint64 kSocketHighWater = 1024 * 1024;

struct Request {
    QByteArray method, target, version;
    std::vector<std::pair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;
    Str path;
    std::multimap<Str, Str> query;
    bool keepAlive = true;

    QByteArray header(const QByteArray& name) const {
        for (const auto& [k, v] : headers)
            if (k == name)
                return v;
        return {};
    }
    Str q(const Str& key) const {
        auto it = query.find(key);
        return it == query.end() ? Str() : it->second;
    }
    std::vector<Str> qAll(const Str& key) const {
        std::vector<Str> out;
        auto [b, e] = query.equal_range(key);
        for (auto it = b; it != e; ++it)
            out.push_back(it->second);
        return out;
    }
    bool has(const Str& key) const { return query.count(key) > 0; }
};

Str percentDecode(const Str& in, bool plusIsSpace) {
    Str s = in;
    if (plusIsSpace)
        std::replace(s.begin(), s.end(), '+', ' ');
    return QByteArray::fromPercentEncoding(QByteArray::fromStdString(s)).toStdString();
}

struct Response {
    int status = 200;
    Str body;
    QByteArray contentType = "application/json";
    bool json = true; // eligible for malformed/truncated faults
};

const char* reason(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Request Entity Too Large";
    case 415:
        return "Unsupported Media Type";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

int httpForGrpc(int code) {
    switch (code) {
    case 3:
    case 9:
    case 11:
        return 400;
    case 16:
        return 401;
    case 7:
        return 403;
    case 5:
        return 404;
    case 6:
    case 10:
        return 409;
    case 8:
        return 429;
    case 12:
        return 501;
    case 14:
        return 503;
    case 4:
        return 504;
    default:
        return 500;
    }
}

Response grpcError(int code, const Str& message) {
    Response r;
    r.status = httpForGrpc(code);
    r.json = false;
    nlohmann::ordered_json body;
    body["error"] = message;
    body["code"] = code;
    body["message"] = message;
    body["details"] = json::array();
    r.body = body.dump();
    return r;
}

Response ok(Str body) {
    Response r;
    r.body = std::move(body);
    return r;
}

struct WatchFilter {
    std::vector<Str> projects;
    std::optional<LabelSelector> selector;
    Str appNamespace, name, repo;
    bool matches(const App& a) const {
        if (!projects.empty() &&
            std::find(projects.begin(), projects.end(), a.project) == projects.end())
            return false;
        if (!appNamespace.empty() && a.ns != appNamespace)
            return false;
        if (!name.empty() && a.name != name)
            return false;
        if (!repo.empty()) {
            bool any = false;
            for (const auto& s : a.sources)
                any = any || s->repoURL == repo;
            if (!any)
                return false;
        }
        return !selector || selector->matches(a.labels);
    }
};

// The list and watch endpoints take the same filters (projects, legacy project, selector,
// appNamespace, name, repo). Returns the 400 answer for a selector that does not parse.
std::optional<Response> parseWatchFilter(const Request& r, WatchFilter& f) {
    f.projects = r.qAll("projects");
    for (const auto& p : r.qAll("project"))
        f.projects.push_back(p);
    f.appNamespace = r.q("appNamespace");
    f.name = r.q("name");
    f.repo = r.q("repo");
    if (const Str sel = r.q("selector"); !sel.empty()) {
        Str err;
        f.selector = LabelSelector::parse(sel, &err);
        if (!f.selector)
            return grpcError(3, err);
    }
    return std::nullopt;
}

} // namespace

class Connection;

class SimServer : public QTcpServer {
public:
    SimServer(SimulatorPrivate* d, int instance, QObject* parent)
        : QTcpServer(parent)
        , m_d(d)
        , m_instance(instance) {}

protected:
    void incomingConnection(qintptr fd) override;

private:
    SimulatorPrivate* m_d;
    int m_instance;
};

struct Runtime {
    QPointer<SimServer> server;
    quint16 port = 0;
    Faults faults;
    std::mt19937 rng{1};
    std::vector<QPointer<Connection>> watchers;
    std::map<Str, QPointer<QTimer>> opTimers;
    double draw() { return static_cast<double>(rng()) / 4294967296.0; }
};

class SimulatorPrivate {
public:
    explicit SimulatorPrivate(Simulator* q)
        : q(q) {}

    Simulator* q;
    Scenario sc;
    std::vector<Runtime> rt;
    double timeScale = 1.0;
    int keepAliveMs = 15000;
    quint32 faultSeed = 1;
    Faults defaultFaults;
    std::map<Str, Faults> instanceFaults;
    QList<QSslCertificate> certChain;
    QSslKey key;
    bool tls = false;
    bool listening = false;
    QHostAddress address;
    quint16 firstPort = 0;
    std::vector<QPointer<QTimer>> timelineTimers;

    void resetRuntime();
    int instanceIndex(const QString& name) const;
    int scaled(int ms) const { return std::max(1, static_cast<int>(ms * timeScale)); }

    void serve(Connection* c, const Request& r);
    Response route(int ii, Connection* c, const Request& r, bool& streaming);
    void broadcast(int ii, const App& a, const char* type);
    void bump(int ii, App& a, const char* type = "MODIFIED") {
        a.rv = sc.instances[static_cast<size_t>(ii)].nextRv();
        broadcast(ii, a, type);
    }

    // operations
    Response startSync(int ii, App& a, SyncOp op);
    void completeOperation(int ii, const Str& key, Str prevHealth);
    bool syncBlocked(const Instance& inst, const App& a, bool manual, json* active,
                     json* assigned) const;
    void runTimelineStep(const TimelineStep& s);
    Status removeApp(int ii, const Str& ns, const Str& name);
};

// ---- connection ----------------------------------------------------------------------------

class Connection : public QObject {
public:
    Connection(SimulatorPrivate* d, int ii, QTcpSocket* s)
        : QObject(s)
        , d(d)
        , ii(ii)
        , sock(s) {
        QObject::connect(s, &QTcpSocket::readyRead, this, [this] { onRead(); });
        QObject::connect(s, &QTcpSocket::disconnected, this, [this] {
            closed = true;
            sock->deleteLater();
        });
        QObject::connect(s, &QTcpSocket::bytesWritten, this, [this] { pump(); });
    }

    SimulatorPrivate* d;
    int ii;
    QTcpSocket* sock;
    QByteArray buf;
    std::deque<Request> queue;
    bool busy = false;
    bool closed = false;

    // streaming state
    enum class Stream { None, Watch, Logs } stream = Stream::None;
    bool sse = false;
    WatchFilter filter;
    std::vector<Str> fields;
    unsigned long long minRv = 0;
    std::vector<Str> initialKeys;
    size_t initialPos = 0;
    std::deque<QByteArray> live;
    std::unordered_map<Str, size_t> lastHash;
    QTimer* pacer = nullptr;
    bool paceReady = true;

    void onRead() {
        if (closed || stream != Stream::None) {
            sock->readAll(); // nothing more is read on a streaming connection
            return;
        }
        buf += sock->readAll();
        while (!closed) {
            const qsizetype end = buf.indexOf("\r\n\r\n");
            if (end < 0) {
                if (buf.size() > kMaxHeaderBytes)
                    return fatal(431, "request headers too large");
                break;
            }
            if (end > kMaxHeaderBytes)
                return fatal(431, "request headers too large");
            Request r;
            const QList<QByteArray> lines = buf.left(end).split('\n');
            const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
            if (first.size() != 3 || !first[2].startsWith("HTTP/1.") || first[0].isEmpty() ||
                !first[1].startsWith('/'))
                return fatal(400, "malformed request line");
            for (char ch : first[0])
                if (ch < 'A' || ch > 'Z')
                    return fatal(400, "malformed request line");
            r.method = first[0];
            r.target = first[1];
            r.version = first[2];
            qint64 length = 0;
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                if (line.isEmpty())
                    continue;
                const qsizetype colon = line.indexOf(':');
                if (colon <= 0)
                    return fatal(400, "malformed header line");
                r.headers.emplace_back(line.left(colon).trimmed().toLower(),
                                       line.mid(colon + 1).trimmed());
            }
            if (!r.header("transfer-encoding").isEmpty())
                return fatal(411, "chunked request bodies are not supported");
            if (const QByteArray cl = r.header("content-length"); !cl.isEmpty()) {
                bool okLen = false;
                length = cl.toLongLong(&okLen);
                if (!okLen || length < 0)
                    return fatal(400, "invalid Content-Length");
                if (length > kMaxBodyBytes)
                    return fatal(413, "request body too large");
            }
            if (buf.size() < end + 4 + length) {
                if (r.header("expect").toLower() == "100-continue" && !continued) {
                    continued = true;
                    sock->write("HTTP/1.1 100 Continue\r\n\r\n");
                }
                break;
            }
            continued = false;
            r.body = buf.mid(end + 4, length);
            buf.remove(0, end + 4 + length);
            const QByteArray conn = r.header("connection").toLower();
            r.keepAlive = r.version == "HTTP/1.1" ? conn != "close" : conn == "keep-alive";
            const qsizetype qm = r.target.indexOf('?');
            r.path =
                percentDecode(r.target.left(qm < 0 ? r.target.size() : qm).toStdString(), false);
            if (qm >= 0) {
                for (const QByteArray& part : r.target.mid(qm + 1).split('&')) {
                    if (part.isEmpty())
                        continue;
                    const qsizetype eq = part.indexOf('=');
                    const Str k =
                        percentDecode((eq < 0 ? part : part.left(eq)).toStdString(), true);
                    const Str v =
                        eq < 0 ? Str() : percentDecode(part.mid(eq + 1).toStdString(), true);
                    r.query.emplace(k, v);
                }
            }
            queue.push_back(std::move(r));
        }
        next();
    }

    bool continued = false;

    void next() {
        if (busy || closed || queue.empty() || stream != Stream::None)
            return;
        busy = true;
        Request r = std::move(queue.front());
        queue.pop_front();
        d->serve(this, r);
    }

    void fatal(int status, const Str& message) {
        Response resp = grpcError(status == 400 ? 3 : 3, message);
        resp.status = status;
        writeResponse(resp, false, "GARBAGE", "-");
        closed = true;
        sock->disconnectFromHost();
    }

    void writeResponse(const Response& resp, bool keepAlive, const QByteArray& method,
                       const Str& path, bool truncate = false) {
        QByteArray head =
            "HTTP/1.1 " + QByteArray::number(resp.status) + ' ' + reason(resp.status) + "\r\n";
        head += "Content-Type: " + resp.contentType + "\r\n";
        head += "Content-Length: " + QByteArray::number(static_cast<qsizetype>(resp.body.size())) +
                "\r\n";
        head += "X-Content-Type-Options: nosniff\r\n";
        head += keepAlive && !truncate ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
        head += "\r\n";
        sock->write(head);
        if (method != "HEAD") {
            if (truncate)
                sock->write(resp.body.data(), static_cast<qint64>(resp.body.size() / 2));
            else
                sock->write(resp.body.data(), static_cast<qint64>(resp.body.size()));
        }
        Q_EMIT d->q->requestServed(
            QString::fromStdString(d->sc.instances[static_cast<size_t>(ii)].name),
            QString::fromLatin1(method), QString::fromStdString(path), resp.status);
        if (truncate || !keepAlive) {
            closed = true;
            sock->disconnectFromHost();
        }
    }

    // -- streaming --
    void startStream(bool wantSse, const Str& path) {
        sse = wantSse;
        QByteArray head = "HTTP/1.1 200 OK\r\n";
        head += sse ? "Content-Type: text/event-stream\r\n" : "Content-Type: application/json\r\n";
        head += "Transfer-Encoding: chunked\r\nX-Content-Type-Options: nosniff\r\nConnection: "
                "keep-alive\r\n\r\n";
        sock->write(head);
        Q_EMIT d->q->requestServed(
            QString::fromStdString(d->sc.instances[static_cast<size_t>(ii)].name),
            QStringLiteral("GET"), QString::fromStdString(path), 200);
        const Faults& f = d->rt[static_cast<size_t>(ii)].faults;
        if (f.dropStreamAfterMs > 0)
            QTimer::singleShot(f.dropStreamAfterMs, this, [this] { dropNow(); });
        if (sse) {
            auto* ka = new QTimer(this);
            ka->setInterval(d->keepAliveMs);
            QObject::connect(ka, &QTimer::timeout, this, [this] { writeChunk(":\n"); });
            ka->start();
        }
        if (f.slowStreamDelayMs > 0) {
            pacer = new QTimer(this);
            pacer->setInterval(f.slowStreamDelayMs);
            QObject::connect(pacer, &QTimer::timeout, this, [this] {
                paceReady = true;
                pump();
            });
            pacer->start();
            paceReady = false;
        }
    }

    QByteArray frame(const Str& jsonDoc) const {
        QByteArray out;
        if (sse)
            out = "data: " + QByteArray::fromStdString(jsonDoc) + " \n\n\n";
        else
            out = QByteArray::fromStdString(jsonDoc) + "\n";
        return out;
    }

    void writeChunk(const QByteArray& data) {
        if (closed)
            return;
        sock->write(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
    }

    void endStream() {
        if (closed)
            return;
        sock->write("0\r\n\r\n");
        stream = Stream::None;
        busy = false;
        closed = true;
        sock->disconnectFromHost();
    }

    void dropNow() {
        if (closed)
            return;
        closed = true;
        sock->disconnectFromHost();
    }

    void enqueueLive(QByteArray framed) {
        if (live.size() >= kWatchBuffer)
            return; // the real server drops silently too
        live.push_back(std::move(framed));
        pump();
    }

    Str renderEvent(const App& a, const char* type) const {
        Str out;
        out.reserve(4096);
        JsonWriter w(out);
        w.beginObject();
        w.key("result");
        w.beginObject();
        w.kv("type", type);
        w.key("application");
        writeApp(w, a);
        w.endObject();
        w.endObject();
        if (!fields.empty())
            out = filterFields(json::parse(out), fields).dump();
        return out;
    }

    // Returns false when this event is a duplicate of the last one sent for the app.
    bool dedup(const Str& key, const Str& doc) {
        const size_t h = std::hash<Str>{}(doc);
        auto [it, inserted] = lastHash.emplace(key, h);
        if (!inserted && it->second == h)
            return false;
        it->second = h;
        return true;
    }

    void pump() {
        if (closed || stream != Stream::Watch)
            return;
        auto& inst = d->sc.instances[static_cast<size_t>(ii)];
        while (sock->bytesToWrite() < kSocketHighWater) {
            if (pacer && !paceReady)
                return;
            QByteArray next;
            if (initialPos < initialKeys.size()) {
                const Str& key = initialKeys[initialPos++];
                auto it = inst.index.find(key);
                if (it == inst.index.end())
                    continue;
                const App& a = inst.apps[it->second];
                const Str doc = renderEvent(a, "ADDED");
                if (!dedup(key, doc))
                    continue;
                next = frame(doc);
            } else if (!live.empty()) {
                next = std::move(live.front());
                live.pop_front();
            } else {
                return;
            }
            writeChunk(next);
            if (pacer)
                paceReady = false;
        }
    }
};

void SimServer::incomingConnection(qintptr fd) {
    QTcpSocket* sock;
    if (m_d->tls) {
        auto* ssl = new QSslSocket(this);
        if (!ssl->setSocketDescriptor(fd)) {
            delete ssl;
            return;
        }
        ssl->setLocalCertificateChain(m_d->certChain);
        ssl->setPrivateKey(m_d->key);
        ssl->setPeerVerifyMode(QSslSocket::VerifyNone);
        QObject::connect(ssl, &QSslSocket::sslErrors, ssl,
                         [ssl](const QList<QSslError>&) { ssl->ignoreSslErrors(); });
        ssl->startServerEncryption();
        sock = ssl;
    } else {
        sock = new QTcpSocket(this);
        if (!sock->setSocketDescriptor(fd)) {
            delete sock;
            return;
        }
    }
    QObject::connect(sock, &QAbstractSocket::errorOccurred, sock,
                     [sock](QAbstractSocket::SocketError) {
                         if (sock->state() != QAbstractSocket::ConnectedState)
                             sock->deleteLater();
                     });
    new Connection(m_d, m_instance, sock);
}

// ---- SimulatorPrivate ----------------------------------------------------------------------

int SimulatorPrivate::instanceIndex(const QString& name) const {
    const Str n = name.toStdString();
    for (size_t i = 0; i < sc.instances.size(); ++i)
        if (sc.instances[i].name == n)
            return static_cast<int>(i);
    return -1;
}

void SimulatorPrivate::resetRuntime() {
    for (auto& r : rt) {
        for (auto& w : r.watchers)
            if (w)
                w->dropNow();
        for (auto& [k, t] : r.opTimers)
            if (t)
                t->deleteLater();
        if (r.server) {
            r.server->close();
            r.server->deleteLater();
        }
    }
    for (auto& t : timelineTimers)
        if (t)
            t->deleteLater();
    timelineTimers.clear();
    rt.clear();
    rt.resize(sc.instances.size());
    for (size_t i = 0; i < rt.size(); ++i) {
        auto it = instanceFaults.find(sc.instances[i].name);
        rt[i].faults = it != instanceFaults.end() ? it->second : defaultFaults;
        rt[i].rng.seed(faultSeed + static_cast<quint32>(i) * 7919u);
    }
}

void SimulatorPrivate::broadcast(int ii, const App& a, const char* type) {
    auto& r = rt[static_cast<size_t>(ii)];
    Str full; // rendered once for every subscriber without `fields`
    r.watchers.erase(std::remove_if(r.watchers.begin(), r.watchers.end(),
                                    [](const QPointer<Connection>& c) { return !c || c->closed; }),
                     r.watchers.end());
    for (auto& c : r.watchers) {
        if (!c->filter.matches(a) || a.rv < c->minRv)
            continue;
        Str doc;
        if (c->fields.empty()) {
            if (full.empty())
                full = c->renderEvent(a, type);
            doc = full;
        } else {
            doc = c->renderEvent(a, type);
        }
        if (!c->dedup(a.key(), doc))
            continue;
        c->enqueueLive(c->frame(doc));
    }
}

bool SimulatorPrivate::syncBlocked(const Instance& inst, const App& a, bool manual, json* active,
                                   json* assigned) const {
    const json* project = nullptr;
    for (const auto& p : inst.projects)
        if (p["metadata"]["name"] == a.project)
            project = &p;
    if (!project || !project->contains("spec") || !(*project)["spec"].contains("syncWindows"))
        return false;
    const long long now = nowSeconds();
    auto glob = [](const Str& pattern, const Str& value) {
        const QRegularExpression re(
            QRegularExpression::anchoredPattern(QRegularExpression::wildcardToRegularExpression(
                QString::fromStdString(pattern),
                QRegularExpression::UnanchoredWildcardConversion)));
        return re.match(QString::fromStdString(value)).hasMatch();
    };
    bool denyActive = false, manualAllowed = false, allowAssigned = false, allowActive = false;
    for (const auto& w : (*project)["spec"]["syncWindows"]) {
        bool matches = false;
        for (const auto& p : w.value("applications", json::array()))
            matches = matches || glob(p.get<Str>(), a.name);
        for (const auto& p : w.value("namespaces", json::array()))
            matches = matches || glob(p.get<Str>(), a.destNamespace);
        for (const auto& p : w.value("clusters", json::array()))
            matches = matches || glob(p.get<Str>(), a.destServer) ||
                      (!a.destName.empty() && glob(p.get<Str>(), a.destName));
        if (!matches)
            continue;
        const json brief{{"kind", w.value("kind", "")},
                         {"schedule", w.value("schedule", "")},
                         {"duration", w.value("duration", "")},
                         {"manualSync", w.value("manualSync", false)}};
        if (assigned)
            assigned->push_back(brief);
        const bool isActive = windowActive(w.value("schedule", ""), w.value("duration", ""), now);
        if (isActive && active)
            active->push_back(brief);
        if (w.value("kind", "") == "deny") {
            if (isActive) {
                denyActive = true;
                manualAllowed = manualAllowed || w.value("manualSync", false);
            }
        } else {
            allowAssigned = true;
            if (isActive)
                allowActive = true;
            if (!isActive && w.value("manualSync", false) && manual)
                manualAllowed = true;
        }
    }
    if (denyActive)
        return !(manual && manualAllowed);
    if (allowAssigned && !allowActive)
        return !(manual && manualAllowed);
    return false;
}

Response SimulatorPrivate::startSync(int ii, App& a, SyncOp op) {
    const Str prevHealth = a.health;
    a.operation = std::make_shared<SyncOp>(op);
    auto st = std::make_shared<OperationState>();
    st->phase = "Running";
    st->startedAt = nowRfc3339();
    st->op = op;
    st->message = op.rollback ? "" : "";
    a.opState = st;
    a.health = "Progressing";
    a.healthMessage.clear();
    a.healthTransition = st->startedAt;
    const Str key = a.key();
    bump(ii, a);
    auto* t = new QTimer(q);
    t->setSingleShot(true);
    t->setInterval(scaled(2000));
    QObject::connect(t, &QTimer::timeout, q, [this, ii, key, prevHealth, t] {
        t->deleteLater();
        completeOperation(ii, key, prevHealth);
    });
    rt[static_cast<size_t>(ii)].opTimers[key] = t;
    t->start();
    return ok(appJson(a));
}

void SimulatorPrivate::completeOperation(int ii, const Str& key, Str prevHealth) {
    (void)prevHealth;
    auto& inst = sc.instances[static_cast<size_t>(ii)];
    auto it = inst.index.find(key);
    if (it == inst.index.end())
        return;
    App& a = inst.apps[it->second];
    if (!a.opState || a.opState->phase != "Running" || !a.operation)
        return;
    rt[static_cast<size_t>(ii)].opTimers.erase(key);
    const SyncOp op = *a.operation;
    auto& st = *a.opState;
    SyncOutcome outcome;
    if (a.extras && a.extras->outcome.set && !op.rollback)
        outcome = a.extras->outcome;
    st.finishedAt = nowRfc3339();
    st.hasResult = true;
    st.results = outcome.results;
    st.phase = outcome.phase;
    st.message = outcome.message.empty() && outcome.phase == "Succeeded"
                     ? "successfully synced (all tasks run)"
                     : outcome.message;
    const HistoryEntry* from = nullptr;
    if (op.rollback)
        for (const auto& h : a.history)
            if (h.id == op.rollbackId)
                from = &h;
    Str revision = op.revision;
    std::vector<Str> revisions = op.revisions;
    if (from) {
        revision = from->revision;
        revisions = from->revisions;
    } else if (revision.empty() || revision.size() != 40) {
        revision = a.syncRevision;
        revisions = a.syncRevisions;
    }
    st.resultRevision = revision;
    st.resultRevisions = revisions;
    if (from)
        st.resultSources = from->sources;
    if (st.phase == "Succeeded") {
        const bool selective = !op.resources.empty();
        if (!selective) {
            HistoryEntry e;
            e.id = a.history.empty() ? 0 : a.history.back().id + 1;
            e.revision = a.multiSource ? Str() : revision;
            e.revisions = a.multiSource ? revisions : std::vector<Str>{};
            e.multiSource = a.multiSource;
            e.sources = from ? from->sources : a.sources;
            e.deployStartedAt = st.startedAt;
            e.deployedAt = st.finishedAt;
            e.initiatedBy = op.initiatedBy;
            if (from)
                e.images = from->images;
            else if (!a.history.empty())
                e.images = a.history.back().images;
            a.history.push_back(std::move(e));
            if (a.history.size() > 10)
                a.history.erase(a.history.begin(),
                                a.history.begin() + static_cast<long>(a.history.size() - 10));
        }
        if (from && !from->images.empty())
            for (auto& r : a.resources)
                if (r.kind == "Deployment" && !r.images.empty())
                    r.images = from->images;
        a.syncStatus = op.rollback ? "OutOfSync" : "Synced";
        for (auto& r : a.resources) {
            if (!selective ||
                std::any_of(op.resources.begin(), op.resources.end(), [&](const ResourceRef& x) {
                    return x.kind == r.kind && x.name == r.name;
                })) {
                r.status = op.rollback && r.kind == "Deployment" ? "OutOfSync" : "Synced";
                r.liveReplicas = -1;
                r.liveData.clear();
            }
        }
        a.health = outcome.health;
        a.healthMessage = outcome.healthMessage;
        if (a.health == "Healthy") {
            for (auto& r : a.resources) {
                if (!r.health.empty()) {
                    r.health = "Healthy";
                    r.healthMessage.clear();
                }
                for (auto& p : r.pods) {
                    p.health = "Healthy";
                    p.healthMessage.clear();
                    p.statusReason = "Running";
                    p.containers = "1/1";
                }
            }
            a.conditions.erase(
                std::remove_if(a.conditions.begin(), a.conditions.end(),
                               [](const Condition& c) { return c.type == "SyncError"; }),
                a.conditions.end());
        }
    } else {
        a.health = outcome.health.empty() ? prevHealth : outcome.health;
        a.healthMessage = outcome.healthMessage;
    }
    a.healthTransition = st.finishedAt;
    a.reconciledAt = st.finishedAt;
    a.operation.reset();
    bump(ii, a);
}

void SimulatorPrivate::runTimelineStep(const TimelineStep& s) {
    const int ii = instanceIndex(QString::fromStdString(s.instance));
    if (ii < 0)
        return;
    App* a = sc.instances[static_cast<size_t>(ii)].find(s.ns, s.app);
    if (!a)
        return;
    if (s.action == "health") {
        q->setAppHealth(QString::fromStdString(s.instance), QString::fromStdString(s.app),
                        QString::fromStdString(s.health), QString::fromStdString(s.message));
    } else if (s.action == "drift") {
        a->syncStatus = "OutOfSync";
        for (auto& r : a->resources)
            if (r.kind == "Deployment" || r.kind == "StatefulSet") {
                r.status = "OutOfSync";
                r.liveReplicas = std::max(1, r.replicas) + 2;
                break;
            }
        a->reconciledAt = nowRfc3339();
        bump(ii, *a);
    } else if (s.action == "delete") {
        removeApp(ii, s.ns, s.app);
    } else if (s.action == "sync" || s.action == "sync-failed") {
        if (a->operation)
            return;
        SyncOp op;
        op.initiatedBy.automated = true;
        if (s.action == "sync-failed") {
            auto& ex = a->ensureExtras();
            ex.outcome.set = true;
            ex.outcome.phase = "Failed";
            ex.outcome.message =
                s.message.empty() ? "one or more objects failed to apply" : s.message;
            ex.outcome.health = s.health.empty() ? "Degraded" : s.health;
        }
        startSync(ii, *a, op);
    }
}

Status SimulatorPrivate::removeApp(int ii, const Str& ns, const Str& name) {
    auto& inst = sc.instances[static_cast<size_t>(ii)];
    App* a = inst.find(ns, name);
    if (!a)
        return Error::make(
            Error::Kind::NotFound,
            QStringLiteral("application %1 not found").arg(QString::fromStdString(name)));
    a->deletionTimestamp = nowRfc3339();
    bump(ii, *a, "DELETED");
    const Str key = a->key();
    if (auto t = rt[static_cast<size_t>(ii)].opTimers[key])
        t->deleteLater();
    rt[static_cast<size_t>(ii)].opTimers.erase(key);
    inst.apps.erase(inst.apps.begin() + static_cast<long>(inst.index[key]));
    inst.sortAndIndex();
    return okStatus();
}

// ---- request handling ----------------------------------------------------------------------

void SimulatorPrivate::serve(Connection* c, const Request& r) {
    const int ii = c->ii;
    QPointer<Connection> guard(c);
    auto respond = [this, guard, r] {
        if (!guard || guard->closed)
            return;
        Connection* conn = guard.data();
        const int inst = conn->ii;
        bool streaming = false;
        Response resp = route(inst, conn, r, streaming);
        if (streaming)
            return; // the connection now belongs to the stream
        bool truncate = false;
        Runtime& run = rt[static_cast<size_t>(inst)];
        if (resp.status == 200 && resp.json && r.path.rfind("/api/v1/", 0) == 0) {
            if (run.faults.malformedRate > 0 && run.draw() < run.faults.malformedRate) {
                resp.body = "<html><head><title>502 Bad Gateway</title></head><body>upstream sent "
                            "an invalid response</body></html>";
            } else if (run.faults.truncatedRate > 0 && run.draw() < run.faults.truncatedRate) {
                truncate = true;
            }
        }
        conn->writeResponse(resp, r.keepAlive, r.method, r.path, truncate);
        conn->busy = false;
        if (!conn->closed)
            QTimer::singleShot(0, conn, [conn] { conn->next(); });
    };
    const int latency = rt[static_cast<size_t>(ii)].faults.latencyMs;
    if (latency > 0)
        QTimer::singleShot(latency, c, respond);
    else
        respond();
}

static bool isAnonymous(const Str& path, const QByteArray& method) {
    return path == "/api/version" || (path == "/api/v1/session" && method == "POST") ||
           path == "/api/v1/settings" || path == "/api/v1/session/userinfo";
}

static std::vector<Str> splitPath(const Str& p) {
    std::vector<Str> out;
    size_t pos = 1;
    while (pos <= p.size()) {
        size_t s = p.find('/', pos);
        if (s == Str::npos)
            s = p.size();
        out.push_back(p.substr(pos, s - pos));
        pos = s + 1;
    }
    while (!out.empty() && out.back().empty())
        out.pop_back();
    return out;
}

Response SimulatorPrivate::route(int ii, Connection* c, const Request& r, bool& streaming) {
    Instance& inst = sc.instances[static_cast<size_t>(ii)];
    Runtime& run = rt[static_cast<size_t>(ii)];
    static const QByteArray methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    if (std::find(std::begin(methods), std::end(methods), r.method) == std::end(methods)) {
        Response resp = grpcError(12, "Method Not Allowed");
        resp.status = 405;
        return resp;
    }
    if (r.method != "GET") {
        // server.api.content.types: exact, lower-cased match.
        if (r.header("content-type").toLower() != "application/json") {
            Response resp;
            resp.status = 415;
            resp.json = false;
            resp.contentType = "text/plain; charset=utf-8";
            resp.body = "Invalid content type\n";
            return resp;
        }
    }
    const Str& path = r.path;
    // Authentication.
    Str token;
    const QByteArray authz = r.header("authorization");
    if (authz.startsWith("Bearer "))
        token = authz.mid(7).trimmed().toStdString();
    if (token.empty()) {
        const QByteArray cookie = r.header("cookie");
        const qsizetype at = cookie.indexOf("argocd.token=");
        if (at >= 0) {
            qsizetype end = cookie.indexOf(';', at);
            if (end < 0)
                end = cookie.size();
            token = cookie.mid(at + 13, end - at - 13).toStdString();
        }
    }
    const bool authed = !token.empty() && token == inst.token;
    const bool anonymousOk = isAnonymous(path, r.method);
    if (!authed && !anonymousOk && path.rfind("/api/", 0) == 0) {
        if (token.empty())
            return grpcError(16, "no session information");
        return grpcError(16, "invalid session: token signature is invalid");
    }
    // Failure injection (API calls only).
    if (path.rfind("/api/v1/", 0) == 0) {
        const Faults& f = run.faults;
        if (f.unauthorizedRate > 0 && run.draw() < f.unauthorizedRate)
            return grpcError(16, "invalid session: token has invalid claims: token is expired");
        if (f.forbiddenRate > 0 && run.draw() < f.forbiddenRate)
            return grpcError(7, "permission denied");
        if (f.serverErrorRate > 0 && run.draw() < f.serverErrorRate)
            return grpcError(13, "rpc error: code = Internal desc = injected server error");
    }

    const auto parts = splitPath(path);
    auto notFound = [] { return grpcError(5, "Not Found"); };
    if (parts.size() < 2 || parts[0] != "api")
        return notFound();
    if (parts[1] == "version" && parts.size() == 2) {
        json v{{"Version", "v3.5.1+sim"}};
        if (authed) {
            v.update(json{{"BuildDate", "2026-01-10T12:00:00Z"},
                          {"GitCommit", "4e2b1c0d7a9f3e5b6c8d0a1b2c3d4e5f6a7b8c9d"},
                          {"GitTag", "v3.5.1"},
                          {"GitTreeState", "clean"},
                          {"GoVersion", "go1.25.1"},
                          {"Compiler", "gc"},
                          {"Platform", "linux/amd64"},
                          {"KustomizeVersion", "v5.7.1"},
                          {"HelmVersion", "v3.18.4"},
                          {"KubectlVersion", "v0.34.0"},
                          {"JsonnetVersion", "v0.21.0"}});
        }
        return ok(v.dump());
    }
    if (parts[1] != "v1" || parts.size() < 3)
        return notFound();
    const Str& top = parts[2];
    const bool get = r.method == "GET";
    auto methodNotAllowed = [] {
        Response resp = grpcError(12, "Method Not Allowed");
        resp.status = 405;
        return resp;
    };
    auto parseBody = [&](json& out) -> std::optional<Response> {
        if (r.body.isEmpty()) {
            out = json::object();
            return std::nullopt;
        }
        try {
            out = json::parse(r.body.constData(), r.body.constData() + r.body.size());
        } catch (const json::exception& e) {
            return grpcError(3, Str("invalid character in request body: ") + e.what());
        }
        if (!out.is_object())
            return grpcError(3, "json: cannot unmarshal non-object into Go value");
        return std::nullopt;
    };

    if (top == "session") {
        if (parts.size() == 3 && r.method == "POST") {
            json b;
            if (auto e = parseBody(b))
                return *e;
            if (b.value("username", "") == inst.username &&
                b.value("password", "") == inst.password)
                return ok(json{{"token", inst.token}}.dump());
            return grpcError(16, "Invalid username or password");
        }
        if (parts.size() == 3 && r.method == "DELETE")
            return ok("{}");
        if (parts.size() == 4 && parts[3] == "userinfo" && get) {
            if (!authed)
                return ok(json{{"loggedIn", false}}.dump());
            return ok(json{{"loggedIn", true},
                           {"username", inst.username},
                           {"iss", "argocd"},
                           {"groups", json::array()}}
                          .dump());
        }
        return parts.size() <= 4 ? methodNotAllowed() : notFound();
    }
    if (top == "settings" && parts.size() == 3) {
        if (!get)
            return methodNotAllowed();
        const Str url =
            (tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(run.port);
        json s{{"url", url},
               {"appLabelKey", "app.kubernetes.io/instance"},
               {"trackingMethod", "annotation"},
               {"userLoginsDisabled", false},
               {"appsInAnyNamespaceEnabled", true},
               {"controllerNamespace", "argocd"},
               {"execEnabled", false},
               {"statusBadgeEnabled", false},
               {"kustomizeVersions", json::array()},
               {"syncWithReplaceAllowed", true},
               {"impersonationEnabled", false},
               {"hydratorEnabled", false},
               {"dexConfig", json{{"connectors", json::array()}}},
               {"help", json{{"chatUrl", ""}, {"chatText", ""}}},
               {"installationID", inst.name}};
        if (authed)
            s["resourceOverrides"] = json::object();
        return ok(s.dump());
    }
    if (top == "account" && parts.size() >= 4 && parts[3] == "can-i") {
        if (parts.size() < 6)
            return notFound();
        static const std::vector<Str> resources = {"clusters",     "projects",
                                                   "applications", "applicationsets",
                                                   "repositories", "write-repositories",
                                                   "certificates", "accounts",
                                                   "gpgkeys",      "logs",
                                                   "exec",         "extensions"};
        static const std::vector<Str> actions = {"get",  "create",   "update", "delete",
                                                 "sync", "override", "action", "invoke"};
        if (std::find(resources.begin(), resources.end(), parts[4 - 0]) == resources.end())
            return grpcError(3, parts[4] + " is not a valid resource");
        if (std::find(actions.begin(), actions.end(), parts[5]) == actions.end())
            return grpcError(3, parts[5] + " is not a valid action");
        return ok(json{{"value", "yes"}}.dump());
    }
    if (top == "clusters") {
        if (!get)
            return methodNotAllowed();
        if (parts.size() == 3)
            return ok(clusterListJson(inst));
        return notFound();
    }
    if (top == "projects") {
        if (!get)
            return methodNotAllowed();
        if (parts.size() == 3) {
            json items = json::array();
            for (const auto& p : inst.projects)
                items.push_back(p);
            json body{{"metadata", json::object()}, {"items", items}};
            if (r.has("fields")) {
                std::vector<Str> f;
                for (const auto& v : r.qAll("fields")) {
                    size_t pos = 0;
                    while (pos <= v.size()) {
                        size_t cpos = v.find(',', pos);
                        if (cpos == Str::npos)
                            cpos = v.size();
                        f.push_back(v.substr(pos, cpos - pos));
                        pos = cpos + 1;
                    }
                }
                body = filterFields(body, f);
            }
            return ok(body.dump());
        }
        const json* proj = nullptr;
        for (const auto& p : inst.projects)
            if (p["metadata"]["name"] == parts[3])
                proj = &p;
        if (!proj)
            return grpcError(5, "appprojects.argoproj.io \"" + parts[3] + "\" not found");
        if (parts.size() == 4)
            return ok(proj->dump());
        if (parts.size() == 5 && parts[4] == "syncwindows") {
            json windows = json::array();
            for (const auto& w :
                 proj->value("spec", json::object()).value("syncWindows", json::array()))
                if (windowActive(w.value("schedule", ""), w.value("duration", ""), nowSeconds()))
                    windows.push_back(w);
            return ok(json{{"windows", windows}}.dump());
        }
        return notFound();
    }
    if (top == "applicationsets") {
        if (!get)
            return methodNotAllowed();
        if (parts.size() == 3) {
            json items = json::array();
            const auto projects = r.qAll("projects");
            for (const auto& s : inst.appsets) {
                const Str proj = s.value("spec", json::object())
                                     .value("template", json::object())
                                     .value("spec", json::object())
                                     .value("project", "");
                if (!projects.empty() &&
                    std::find(projects.begin(), projects.end(), proj) == projects.end())
                    continue;
                items.push_back(s);
            }
            return ok(json{{"metadata", json::object()}, {"items", items}}.dump());
        }
        if (parts.size() == 4) {
            for (const auto& s : inst.appsets)
                if (s["metadata"]["name"] == parts[3])
                    return ok(s.dump());
            return grpcError(5, "applicationsets.argoproj.io \"" + parts[3] + "\" not found");
        }
        return notFound();
    }

    // Watch stream.
    if (top == "stream") {
        if (parts.size() != 4 || parts[3] != "applications")
            return notFound();
        if (!get)
            return methodNotAllowed();
        WatchFilter f;
        if (auto bad = parseWatchFilter(r, f))
            return *bad;
        for (const auto& v : r.qAll("fields")) {
            size_t pos = 0;
            while (pos <= v.size()) {
                size_t cpos = v.find(',', pos);
                if (cpos == Str::npos)
                    cpos = v.size();
                if (cpos > pos)
                    c->fields.push_back(v.substr(pos, cpos - pos));
                pos = cpos + 1;
            }
        }
        const Str rv = r.q("resourceVersion");
        c->minRv = rv.empty() ? 0 : std::strtoull(rv.c_str(), nullptr, 10);
        c->filter = f;
        if (rv.empty() || !f.name.empty()) {
            std::vector<const App*> matching;
            for (const auto& a : inst.apps)
                if (f.matches(a))
                    matching.push_back(&a);
            std::sort(matching.begin(), matching.end(), [](const App* x, const App* y) {
                return x->ns != y->ns ? x->ns < y->ns : x->name < y->name;
            });
            for (const App* a : matching)
                c->initialKeys.push_back(a->key());
        }
        streaming = true;
        c->stream = Connection::Stream::Watch;
        c->startStream(r.header("accept") == "text/event-stream", path);
        run.watchers.push_back(c);
        c->pump();
        return {};
    }

    if (top != "applications")
        return notFound();

    // List.
    if (parts.size() == 3) {
        if (!get)
            return methodNotAllowed();
        WatchFilter f;
        if (auto bad = parseWatchFilter(r, f))
            return *bad;
        std::vector<const App*> apps;
        apps.reserve(inst.apps.size());
        for (const auto& a : inst.apps)
            if (f.matches(a))
                apps.push_back(&a);
        Str fieldsParam;
        for (const auto& v : r.qAll("fields"))
            fieldsParam += (fieldsParam.empty() ? "" : ",") + v;
        return ok(listBody(inst, apps, FieldMask::parse(fieldsParam)));
    }

    // Per-application calls.
    Str appNs = r.q("appNamespace");
    json body;
    if (!get && !r.body.isEmpty()) {
        if (auto e = parseBody(body))
            return *e;
        if (body.contains("appNamespace") && body["appNamespace"].is_string() &&
            !body["appNamespace"].get<Str>().empty())
            appNs = body["appNamespace"].get<Str>();
    }
    const Str& name = parts[3];
    App* app = inst.find(appNs, name);
    if (!app)
        return grpcError(5, "applications.argoproj.io \"" + name + "\" not found");
    if (const Str proj = r.q("project"); !proj.empty() && proj != app->project)
        return grpcError(5, "applications.argoproj.io \"" + name + "\" not found");
    App& a = *app;

    if (parts.size() == 4) {
        if (get) {
            const Str refresh = r.q("refresh");
            if (!refresh.empty()) {
                a.reconciledAt = nowRfc3339();
                bump(ii, a);
            }
            return ok(appJson(a));
        }
        if (r.method == "PATCH") {
            const Str patchType = body.value("patchType", "json");
            if (!body.contains("patch") || !body["patch"].is_string())
                return grpcError(3, "patch must be a JSON string");
            if (patchType != "merge")
                return grpcError(3, "patchType '" + patchType +
                                        "' is not supported by sextant-sim; use \"merge\"");
            json patch;
            try {
                patch = json::parse(body["patch"].get<Str>());
            } catch (const json::exception& e) {
                return grpcError(3, Str("error unmarshaling patch: ") + e.what());
            }
            json doc = json::parse(appJson(a));
            doc.merge_patch(patch);
            auto toKV = [](const json& o) {
                KV kv;
                if (o.is_object())
                    for (auto it = o.begin(); it != o.end(); ++it)
                        if (it.value().is_string())
                            kv.emplace_back(it.key(), it.value().get<Str>());
                std::sort(kv.begin(), kv.end());
                return kv;
            };
            a.annotations = toKV(doc["metadata"].value("annotations", json::object()));
            a.labels = toKV(doc["metadata"].value("labels", json::object()));
            const json sp = doc["spec"].value("syncPolicy", json::object());
            if (sp.contains("automated") && sp["automated"].is_object()) {
                a.automated = true;
                a.automatedEnabled = sp["automated"].value("enabled", true);
                a.prune = sp["automated"].value("prune", false);
                a.selfHeal = sp["automated"].value("selfHeal", false);
            } else {
                a.automated = false;
            }
            a.syncOptions.clear();
            for (const auto& o : sp.value("syncOptions", json::array()))
                if (o.is_string())
                    a.syncOptions.push_back(o.get<Str>());
            if (doc["spec"].contains("project") && doc["spec"]["project"].is_string())
                a.project = doc["spec"]["project"].get<Str>();
            if (!a.multiSource && doc["spec"].contains("source") &&
                doc["spec"]["source"].is_object() && !a.sources.empty()) {
                auto s = std::make_shared<Source>(*a.sources.front());
                s->targetRevision =
                    doc["spec"]["source"].value("targetRevision", s->targetRevision);
                a.sources.front() = s;
            }
            bump(ii, a);
            // The controller picks up a refresh annotation and removes it.
            const auto refresh =
                std::find_if(a.annotations.begin(), a.annotations.end(), [](const auto& kv) {
                    return kv.first == "argocd.argoproj.io/refresh";
                });
            if (refresh != a.annotations.end()) {
                const Str key = a.key();
                QTimer::singleShot(scaled(500), q, [this, ii, key] {
                    auto& in = sc.instances[static_cast<size_t>(ii)];
                    auto it = in.index.find(key);
                    if (it == in.index.end())
                        return;
                    App& x = in.apps[it->second];
                    x.annotations.erase(std::remove_if(x.annotations.begin(), x.annotations.end(),
                                                       [](const auto& kv) {
                                                           return kv.first ==
                                                                  "argocd.argoproj.io/refresh";
                                                       }),
                                        x.annotations.end());
                    x.reconciledAt = nowRfc3339();
                    bump(ii, x);
                });
            }
            return ok(appJson(a));
        }
        if (r.method == "DELETE") {
            const Str n = a.name, ns = a.ns;
            removeApp(ii, ns, n);
            return ok("{}");
        }
        return methodNotAllowed();
    }

    const Str& sub = parts[4];
    if (sub == "sync" && parts.size() == 5) {
        if (r.method != "POST")
            return methodNotAllowed();
        if (a.operation)
            return grpcError(9, "another operation is already in progress");
        if (!a.deletionTimestamp.empty())
            return grpcError(9, "application is deleting");
        SyncOp op;
        op.revision = body.value("revision", "");
        for (const auto& v : body.value("revisions", json::array()))
            if (v.is_string())
                op.revisions.push_back(v.get<Str>());
        for (const auto& v : body.value("sourcePositions", json::array()))
            if (v.is_number_integer())
                op.sourcePositions.push_back(v.get<long long>());
        op.prune = body.value("prune", false);
        op.dryRun = body.value("dryRun", false);
        if (body.contains("strategy") && body["strategy"].is_object() &&
            body["strategy"].contains("apply"))
            op.strategy = "apply";
        if (body.contains("syncOptions") && body["syncOptions"].is_object())
            for (const auto& v : body["syncOptions"].value("items", json::array()))
                if (v.is_string())
                    op.syncOptions.push_back(v.get<Str>());
        if (op.syncOptions.empty())
            op.syncOptions = a.syncOptions;
        for (const auto& res : body.value("resources", json::array()))
            if (res.is_object())
                op.resources.push_back(ResourceRef{res.value("group", ""), res.value("kind", ""),
                                                   res.value("namespace", ""),
                                                   res.value("name", "")});
        if (body.contains("retryStrategy") && body["retryStrategy"].is_object())
            op.retryLimit = body["retryStrategy"].value("limit", 0);
        op.initiatedBy.username = inst.username;
        if (syncBlocked(inst, a, true, nullptr, nullptr))
            return grpcError(7, "cannot sync: blocked by sync window");
        if (a.autoSyncOn() && !op.dryRun && !op.revision.empty() && !a.multiSource) {
            const Str target = a.sources.front()->targetRevision.empty()
                                   ? Str("HEAD")
                                   : a.sources.front()->targetRevision;
            if (op.revision != target)
                return grpcError(9, "Cannot sync to " + op.revision +
                                        ": auto-sync currently set to " + target);
        }
        if (op.dryRun)
            return ok(appJson(a));
        return startSync(ii, a, op);
    }
    if (sub == "rollback" && parts.size() == 5) {
        if (r.method != "POST")
            return methodNotAllowed();
        if (a.autoSyncOn())
            return grpcError(9, "rollback cannot be initiated when auto-sync is enabled");
        if (a.operation)
            return grpcError(9, "another operation is already in progress");
        const long long id = body.value("id", 0LL);
        const HistoryEntry* h = nullptr;
        for (const auto& e : a.history)
            if (e.id == id)
                h = &e;
        if (!h)
            return grpcError(9, "application " + a.name + " does not have deployment with id " +
                                    std::to_string(id));
        if (body.value("dryRun", false))
            return ok(appJson(a));
        SyncOp op;
        op.rollback = true;
        op.rollbackId = id;
        op.revision = h->revision;
        op.revisions = h->revisions;
        op.prune = body.value("prune", false);
        op.strategy = "apply";
        op.syncOptions = a.syncOptions;
        op.initiatedBy.username = inst.username;
        return startSync(ii, a, op);
    }
    if (sub == "operation" && parts.size() == 5) {
        if (r.method != "DELETE")
            return methodNotAllowed();
        if (!a.operation || !a.opState || a.opState->phase != "Running")
            return grpcError(9, "Unable to terminate operation. No operation is in progress");
        const Str key = a.key();
        if (auto t = run.opTimers[key])
            t->deleteLater();
        run.opTimers.erase(key);
        a.opState->phase = "Terminating";
        bump(ii, a);
        QTimer::singleShot(scaled(300), q, [this, ii, key] {
            auto& in = sc.instances[static_cast<size_t>(ii)];
            auto it = in.index.find(key);
            if (it == in.index.end())
                return;
            App& x = in.apps[it->second];
            if (!x.opState || x.opState->phase != "Terminating")
                return;
            x.opState->phase = "Failed";
            x.opState->message = "Operation terminated";
            x.opState->finishedAt = nowRfc3339();
            x.operation.reset();
            x.health = "Degraded";
            x.healthMessage.clear();
            bump(ii, x);
        });
        return ok("{}");
    }
    if (!get)
        return methodNotAllowed();
    if (sub == "resource-tree" && parts.size() == 5)
        return ok(treeJson(a));
    if (sub == "managed-resources" && parts.size() == 5)
        return ok(managedResourcesJson(a));
    if (sub == "events" && parts.size() == 5) {
        const Str uid = r.q("resourceUID"), rns = r.q("resourceNamespace"),
                  rname = r.q("resourceName");
        return ok(eventsJson(a, uid, rns, rname));
    }
    if (sub == "manifests" && parts.size() == 5)
        return ok(manifestsJson(a, r.q("revision")));
    if (sub == "resource" && parts.size() == 5) {
        // argocd-server looks the resource up in the app's tree and refuses anything else.
        const Str kind = r.q("kind"), group = r.q("group"), rname = r.q("resourceName"),
                  rns = r.q("namespace");
        const json live = liveResource(a, group, kind, rns, rname);
        if (live.is_null())
            return grpcError(3, kind + " " + group + " " + rname +
                                    " not found as part of application " + a.name);
        return ok(json{{"manifest", live.dump()}}.dump());
    }
    if (sub == "syncwindows" && parts.size() == 5) {
        json active = json::array(), assigned = json::array();
        const bool blocked = syncBlocked(inst, a, true, &active, &assigned);
        return ok(
            json{{"activeWindows", active}, {"assignedWindows", assigned}, {"canSync", !blocked}}
                .dump());
    }
    if (sub == "revisions" && parts.size() == 7 && parts[6] == "metadata")
        return ok(revisionMetadataJson(a, parts[5]));
    if ((sub == "logs" && parts.size() == 5) ||
        (sub == "pods" && parts.size() == 7 && parts[6] == "logs")) {
        if (run.faults.denyLogs)
            return grpcError(7, "permission denied: logs, get, " + a.project + "/" + a.name +
                                    ", sub: " + inst.username + ":login");
        const Str podName = sub == "pods" ? parts[5] : r.q("podName");
        const Str resourceName = r.q("resourceName"), kind = r.q("kind");
        const Str container = r.q("container");
        const bool previous = r.q("previous") == "true";
        const bool follow = r.q("follow") == "true";
        const Str filterText = r.q("filter");
        const bool matchCase = r.q("matchCase") == "true";
        const long long tail = r.has("tailLines") ? std::atoll(r.q("tailLines").c_str()) : 0;
        std::vector<LogLine> lines;
        std::vector<Str> pods;
        for (const auto& l : logsFor(a)) {
            if (!podName.empty() && l.pod != podName)
                continue;
            if (podName.empty() && !resourceName.empty() && l.pod.rfind(resourceName, 0) != 0)
                continue;
            if (!container.empty() && l.container != container)
                continue;
            if (l.previous != previous)
                continue;
            if (!filterText.empty()) {
                const bool negate = filterText[0] == '!';
                const QString needle =
                    QString::fromStdString(negate ? filterText.substr(1) : filterText);
                const bool found = QString::fromStdString(l.content).contains(
                    needle, matchCase ? Qt::CaseSensitive : Qt::CaseInsensitive);
                if (found == negate)
                    continue;
            }
            if (std::find(pods.begin(), pods.end(), l.pod) == pods.end())
                pods.push_back(l.pod);
            lines.push_back(l);
        }
        if (pods.size() > 10)
            return grpcError(
                3, "max pods to view logs are reached. Please provide more granular query.");
        if (tail > 0 && static_cast<long long>(lines.size()) > tail)
            lines.erase(lines.begin(), lines.end() - tail);
        (void)kind;
        streaming = true;
        c->stream = Connection::Stream::Logs;
        c->startStream(r.header("accept") == "text/event-stream", path);
        auto entry = [](const LogLine& l) {
            nlohmann::ordered_json e;
            e["content"] = l.content;
            e["timeStamp"] = l.timestamp.substr(0, 19) + "Z";
            e["timeStampStr"] = l.timestamp;
            e["podName"] = l.pod;
            e["last"] = false;
            nlohmann::ordered_json wrap;
            wrap["result"] = e;
            return wrap.dump();
        };
        for (const auto& l : lines)
            c->writeChunk(c->frame(entry(l)));
        if (!follow) {
            c->writeChunk(c->frame(json{{"result", json{{"content", ""},
                                                        {"timeStamp", nullptr},
                                                        {"timeStampStr", ""},
                                                        {"podName", ""},
                                                        {"last", true}}}}
                                       .dump()));
            c->endStream();
        } else if (!pods.empty() && !previous) {
            const Str pod = pods.front();
            const Str cont = lines.empty() ? a.name : lines.back().container;
            auto* t = new QTimer(c);
            t->setInterval(std::max(50, scaled(1000)));
            QObject::connect(t, &QTimer::timeout, c, [c, pod, cont, entry] {
                c->writeChunk(c->frame(entry(
                    LogLine{pod, cont, false, nowRfc3339Nano(),
                            R"({"level":"info","msg":"GET /healthz 200","duration_ms":1})"})));
            });
            t->start();
        }
        return {};
    }
    return notFound();
}

// ---- Simulator -----------------------------------------------------------------------------

Simulator::Simulator(QObject* parent)
    : QObject(parent)
    , d(std::make_unique<SimulatorPrivate>(this)) {}

Simulator::~Simulator() {
    close();
}

static Status afterLoad(SimulatorPrivate* d) {
    const bool was = d->listening;
    d->resetRuntime();
    d->listening = false;
    if (was)
        return d->q->listen(d->address, d->firstPort);
    return okStatus();
}

Status Simulator::loadScenarioFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error::make(
            Error::Kind::Io,
            QStringLiteral("cannot read scenario %1: %2").arg(path, f.errorString()));
    Scenario sc;
    const Status st = parseScenario(f.readAll(), sc, path);
    if (!st.ok())
        return st;
    d->sc = std::move(sc);
    return afterLoad(d.get());
}

Status Simulator::loadScenarioYaml(const QByteArray& yaml) {
    Scenario sc;
    const Status st = parseScenario(yaml, sc, {});
    if (!st.ok())
        return st;
    d->sc = std::move(sc);
    return afterLoad(d.get());
}

void Simulator::generate(const GeneratorOptions& options) {
    Scenario sc;
    generateFleet(sc, options);
    d->sc = std::move(sc);
    afterLoad(d.get());
}

Status Simulator::loadDemo() {
    QFile f(QStringLiteral(":/sextant/demo-scenario.yaml"));
    if (!f.open(QIODevice::ReadOnly))
        return Error::make(
            Error::Kind::Io,
            QStringLiteral("the built-in demo scenario is missing from the resources"));
    Scenario sc;
    const Status st = parseScenario(f.readAll(), sc, QStringLiteral("demo-scenario.yaml"));
    if (!st.ok())
        return st;
    d->sc = std::move(sc);
    return afterLoad(d.get());
}

bool Simulator::hasMetrics() const {
    return d->sc.metrics.present && !d->sc.metrics.workloads.empty();
}

QDateTime Simulator::referenceTime() const {
    return QDateTime::fromSecsSinceEpoch(parseRfc3339(d->sc.referenceTime), Qt::UTC);
}

QByteArray Simulator::metricsOpenMetrics() const {
    return metricScenarioOpenMetrics(d->sc.metrics);
}

void Simulator::setFaults(const Faults& faults) {
    d->defaultFaults = faults;
    d->instanceFaults.clear();
    for (auto& r : d->rt)
        r.faults = faults;
}

void Simulator::setFaults(const QString& instance, const Faults& faults) {
    d->instanceFaults[instance.toStdString()] = faults;
    const int i = d->instanceIndex(instance);
    if (i >= 0 && i < static_cast<int>(d->rt.size()))
        d->rt[static_cast<size_t>(i)].faults = faults;
}

void Simulator::setFaultSeed(quint32 seed) {
    d->faultSeed = seed;
    for (size_t i = 0; i < d->rt.size(); ++i)
        d->rt[i].rng.seed(seed + static_cast<quint32>(i) * 7919u);
}

Status Simulator::setTls(const QString& certFile, const QString& keyFile) {
    if (!QSslSocket::supportsSsl())
        return Error::make(Error::Kind::Tls,
                           QStringLiteral("TLS is not available in this Qt build"));
    QFile cf(certFile), kf(keyFile);
    if (!cf.open(QIODevice::ReadOnly))
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("cannot read TLS certificate %1: %2").arg(certFile, cf.errorString()));
    if (!kf.open(QIODevice::ReadOnly))
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("cannot read TLS key %1: %2").arg(keyFile, kf.errorString()));
    const auto chain = QSslCertificate::fromData(cf.readAll(), QSsl::Pem);
    if (chain.isEmpty())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1 holds no PEM certificate").arg(certFile));
    const QByteArray keyData = kf.readAll();
    QSslKey key(keyData, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyData, QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1 holds no PEM RSA or EC private key").arg(keyFile));
    d->certChain = chain;
    d->key = key;
    d->tls = true;
    return okStatus();
}

Status Simulator::listen(const QHostAddress& address, quint16 firstPort) {
    if (d->sc.instances.empty())
        generate(GeneratorOptions{});
    if (d->listening)
        close();
    if (d->rt.size() != d->sc.instances.size())
        d->resetRuntime();
    d->address = address;
    d->firstPort = firstPort;
    for (size_t i = 0; i < d->sc.instances.size(); ++i) {
        auto* server = new SimServer(d.get(), static_cast<int>(i), this);
        const quint16 port = firstPort == 0 ? 0 : static_cast<quint16>(firstPort + i);
        if (!server->listen(address, port)) {
            const QString err = server->errorString();
            delete server;
            close();
            return Error::make(Error::Kind::Config, QStringLiteral("cannot listen on %1:%2: %3")
                                                        .arg(address.toString())
                                                        .arg(port)
                                                        .arg(err));
        }
        d->rt[i].server = server;
        d->rt[i].port = server->serverPort();
    }
    d->listening = true;
    for (const auto& step : d->sc.timeline) {
        auto* t = new QTimer(this);
        t->setSingleShot(true);
        t->setInterval(d->scaled(step.atMs));
        connect(t, &QTimer::timeout, this, [this, step, t] {
            d->runTimelineStep(step);
            t->deleteLater();
        });
        t->start();
        d->timelineTimers.push_back(t);
    }
    return okStatus();
}

void Simulator::close() {
    if (!d)
        return;
    for (auto& r : d->rt) {
        for (auto& w : r.watchers)
            if (w)
                w->dropNow();
        r.watchers.clear();
        if (r.server) {
            r.server->close();
            delete r.server.data();
        }
        r.port = 0;
    }
    for (auto& t : d->timelineTimers)
        if (t)
            delete t.data();
    d->timelineTimers.clear();
    d->listening = false;
}

QVector<InstanceEndpoint> Simulator::endpoints() const {
    QVector<InstanceEndpoint> out;
    for (size_t i = 0; i < d->sc.instances.size(); ++i) {
        const auto& inst = d->sc.instances[i];
        InstanceEndpoint e;
        e.name = QString::fromStdString(inst.name);
        const quint16 port = i < d->rt.size() ? d->rt[i].port : 0;
        if (port)
            e.url = QUrl(QStringLiteral("%1://127.0.0.1:%2")
                             .arg(d->tls ? QStringLiteral("https") : QStringLiteral("http"))
                             .arg(port));
        e.token = QString::fromStdString(inst.token);
        e.username = QString::fromStdString(inst.username);
        e.password = QString::fromStdString(inst.password);
        out.push_back(e);
    }
    return out;
}

QStringList Simulator::instanceNames() const {
    QStringList out;
    for (const auto& inst : d->sc.instances)
        out << QString::fromStdString(inst.name);
    return out;
}

QByteArray Simulator::listBody(const QString& instance, const QString& fieldsParam) const {
    const int i = d->instanceIndex(instance);
    if (i < 0)
        return {};
    const auto& inst = d->sc.instances[static_cast<size_t>(i)];
    std::vector<const App*> apps;
    apps.reserve(inst.apps.size());
    for (const auto& a : inst.apps)
        apps.push_back(&a);
    const Str body = sim::listBody(inst, apps, FieldMask::parse(fieldsParam.toStdString()));
    return QByteArray(body.data(), static_cast<qsizetype>(body.size()));
}

QStringList Simulator::appNames(const QString& instance) const {
    QStringList out;
    const int i = d->instanceIndex(instance);
    if (i < 0)
        return out;
    for (const auto& a : d->sc.instances[static_cast<size_t>(i)].apps)
        out << QString::fromStdString(a.name);
    return out;
}

int Simulator::appCount(const QString& instance) const {
    const int i = d->instanceIndex(instance);
    return i < 0 ? 0 : static_cast<int>(d->sc.instances[static_cast<size_t>(i)].apps.size());
}

void Simulator::revokeTokens(const QString& instance) {
    const int i = d->instanceIndex(instance);
    if (i < 0)
        return;
    auto& inst = d->sc.instances[static_cast<size_t>(i)];
    ++inst.tokenSerial;
    inst.token = makeToken(inst.name, inst.username, inst.tokenSerial, nowSeconds());
}

void Simulator::dropStreams() {
    for (auto& r : d->rt) {
        for (auto& w : r.watchers)
            if (w)
                w->dropNow();
        r.watchers.clear();
    }
}

int Simulator::relinkRevisions(const QString& repoURL,
                               const QHash<QString, QString>& commitsByMessage) {
    const auto normal = [](QString url) {
        url = url.trimmed().toLower();
        while (url.endsWith(QLatin1Char('/')))
            url.chop(1);
        if (url.endsWith(QLatin1String(".git")))
            url.chop(4);
        return url;
    };
    const QString wanted = normal(repoURL);
    int renamed = 0;
    for (auto& inst : d->sc.instances) {
        for (App& a : inst.apps) {
            const bool uses = std::any_of(a.sources.begin(), a.sources.end(), [&](const auto& s) {
                return s && normal(QString::fromStdString(s->repoURL)) == wanted;
            });
            if (!uses || a.multiSource)
                continue;
            std::map<Str, Str> rename;
            for (HistoryEntry& h : a.history) {
                const auto it = commitsByMessage.constFind(QString::fromStdString(h.message));
                if (it == commitsByMessage.constEnd() || h.revision.empty())
                    continue;
                rename[h.revision] = it->toStdString();
            }
            if (rename.empty())
                continue;
            const auto swap = [&](Str& revision) {
                if (auto it = rename.find(revision); it != rename.end())
                    revision = it->second;
            };
            for (HistoryEntry& h : a.history)
                swap(h.revision);
            swap(a.syncRevision);
            if (a.opState) {
                swap(a.opState->resultRevision);
                swap(a.opState->op.revision);
            }
            if (a.operation)
                swap(a.operation->revision);
            renamed += int(rename.size());
        }
    }
    return renamed;
}

Status Simulator::setAppHealth(const QString& instance, const QString& app, const QString& health,
                               const QString& message) {
    static const QStringList valid = {QStringLiteral("Healthy"),  QStringLiteral("Progressing"),
                                      QStringLiteral("Degraded"), QStringLiteral("Suspended"),
                                      QStringLiteral("Missing"),  QStringLiteral("Unknown")};
    if (!valid.contains(health))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("unknown health status %1").arg(health));
    const int i = d->instanceIndex(instance);
    if (i < 0)
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("unknown instance %1").arg(instance));
    auto& inst = d->sc.instances[static_cast<size_t>(i)];
    QString ns = QStringLiteral("argocd"), name = app;
    if (app.contains(QLatin1Char('/'))) {
        ns = app.section(QLatin1Char('/'), 0, 0);
        name = app.section(QLatin1Char('/'), 1);
    }
    App* a = inst.find(ns.toStdString(), name.toStdString());
    if (!a)
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("unknown application %1").arg(app));
    a->health = health.toStdString();
    a->healthMessage = message.toStdString();
    a->healthTransition = nowRfc3339();
    for (auto& r : a->resources)
        if (r.kind == "Deployment" || r.kind == "StatefulSet") {
            r.health = a->health;
            r.healthMessage = a->healthMessage;
            break;
        }
    d->bump(i, *a);
    return okStatus();
}

Status Simulator::deleteApp(const QString& instance, const QString& app) {
    const int i = d->instanceIndex(instance);
    if (i < 0)
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("unknown instance %1").arg(instance));
    QString ns = QStringLiteral("argocd"), name = app;
    if (app.contains(QLatin1Char('/'))) {
        ns = app.section(QLatin1Char('/'), 0, 0);
        name = app.section(QLatin1Char('/'), 1);
    }
    return d->removeApp(i, ns.toStdString(), name.toStdString());
}

void Simulator::setTimeScale(double scale) {
    d->timeScale = scale > 0 ? scale : 1.0;
}

void Simulator::setKeepAliveIntervalMs(int ms) {
    d->keepAliveMs = std::max(10, ms);
}

} // namespace sextant::sim
