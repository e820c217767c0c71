#pragma once

#include "analysis/evidence.h"
#include "core/result.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace sextant::argocd {
class Client;
}

namespace sextant::analysis {

// What to collect and how much of it.
struct CollectOptions {
    QString appName;
    QString appNamespace;       // the Application's own namespace; empty = the server's default
    EvidenceCaps caps;          // every source is cut to these sizes (cuts listed in bundle.notes)
    int maxConcurrent = 4;      // requests in flight at once (the Client's manager has 6 slots)
    int logTailLines = 2000;    // lines asked per log stream before cutting to error windows
    int maxOtherResources = 20; // non-Pod resources whose events are fetched
    bool fetchSyncWindows = true; // GET .../syncwindows when the app is OutOfSync or failed
};

// Gathers an EvidenceBundle for one Application from a live Argo CD through argocd::Client, in
// Argo CD's own order: the Application -> resource tree -> app events, resource events and Pod
// objects of the unhealthy resources -> logs of failing pods (current and previous container,
// cut to the error windows) -> revision metadata of the failing revision and the one before it
// -> Git diff (not yet: noted). Only a failure to get the Application fails the collection;
// every other failed request is recorded in bundle.notes and collection goes on.
//
// Lives on the Client's thread; callbacks and signals arrive there. Parsing and cutting run on
// the thread pool. One collection at a time per collector: collect() cancels a running one.
// Destroying the collector drops a running collection silently (no callback, no signal).
class EvidenceCollector : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(Result<EvidenceBundle>)>;

    // The client must outlive the collection (if it is destroyed, the collection fails).
    explicit EvidenceCollector(argocd::Client* client, QObject* parent = nullptr);
    ~EvidenceCollector() override;

    // Starts collecting; `done` (optional) and then collected()/failed() report the outcome.
    // A collection already running is cancelled first.
    void collect(const CollectOptions& options, Callback done = {});
    // Stops the running collection: its callback receives Error::Kind::Cancelled (queued, never
    // from inside cancel()), no signal is emitted, and answers still in flight are dropped.
    void cancel();
    bool isRunning() const { return m_run != nullptr; }

    // Cuts one log stream to the windows around its error lines (caps.logWindowBefore/After),
    // at most caps.maxLogLinesPerStream lines of at most caps.maxLineChars characters. Without
    // an error line the short tail is kept. `cutNote` (optional) says what was dropped.
    static QStringList cutLogLines(const QStringList& lines, const EvidenceCaps& caps,
                                   QString* cutNote = nullptr);
    // Whether a log line looks like an error (panic, fatal, exception, "level":"error", ...).
    static bool isErrorLogLine(const QString& line);

signals:
    void progress(const QString& step); // "resource tree", "events and pods (3 requests)", ...
    void collected(const sextant::analysis::EvidenceBundle& bundle);
    void failed(const sextant::Error& error);

private:
    struct Run;
    using Starter = std::function<void(std::function<void()> finished)>;

    void fail(const std::shared_ptr<Run>& run, const Error& error);
    void finish(const std::shared_ptr<Run>& run);
    // Request queue: at most maxConcurrent starters run at once; `then` runs when all are done.
    void enqueue(const std::shared_ptr<Run>& run, Starter starter);
    void runQueue(const std::shared_ptr<Run>& run, std::function<void()> then);
    void pump(const std::shared_ptr<Run>& run);
    bool alive(const std::shared_ptr<Run>& run) const { return run && run == m_run; }

    void fetchApplication(const std::shared_ptr<Run>& run);
    void fetchTree(const std::shared_ptr<Run>& run);
    void fetchEventsAndPods(const std::shared_ptr<Run>& run);
    void fetchLogs(const std::shared_ptr<Run>& run);
    void enqueueLog(const std::shared_ptr<Run>& run, int index);
    void fetchRevisions(const std::shared_ptr<Run>& run);
    void assemble(const std::shared_ptr<Run>& run);

    QPointer<argocd::Client> m_client;
    std::shared_ptr<Run> m_run;
};

} // namespace sextant::analysis
