#pragma once

#include "argocd/types.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <QVector>

namespace sextant::fleet {

class FleetStore;

// Something an SRE wants to hear about without watching the table: applications that turned
// Degraded, and syncs that failed. Several applications of one instance that change within the
// grouping window become one notice ("4 applications turned Degraded on prod-eu"), so a
// multi-application sync or an ApplicationSet rollout raises one notification, not forty.
struct Notice {
    enum class Kind { Degraded, SyncFailed, Recovered };
    Kind kind = Kind::Degraded;
    QString instance;
    QStringList appKeys;  // AppSummary::key() of every application in the notice
    QStringList appNames; // display names, same order
    QString detail;       // health or operation message of the first application
    QDateTime at;

    QString title() const;
    QString text() const;
};

// Watches a FleetStore and turns health and operation transitions into grouped notices. The
// first time an application is seen (initial list, re-list, new instance) it is only recorded:
// a console that starts up during an incident must not fire hundreds of notifications.
class TransitionDetector : public QObject {
    Q_OBJECT
public:
    explicit TransitionDetector(FleetStore* store, QObject* parent = nullptr);

    // How long transitions of one kind on one instance are collected into one notice.
    void setGroupingWindow(int ms);
    // Also announce Degraded → Healthy (off by default: recovery is good news, not a page).
    void setAnnounceRecovery(bool on) { m_announceRecovery = on; }
    // Emits what is being collected now instead of waiting for the window (tests, shutdown).
    void flush();

Q_SIGNALS:
    void notice(const sextant::fleet::Notice& notice);

private:
    struct Seen {
        argocd::HealthStatus health = argocd::HealthStatus::Unknown;
        argocd::OperationPhase phase = argocd::OperationPhase::None;
        QDateTime finishedAt;
    };
    void onRowsInserted(int first, int last);
    void onRowsChanged(int first, int last);
    void observe(const argocd::AppSummary& app, bool announce);
    void collect(Notice::Kind kind, const argocd::AppSummary& app, const QString& detail);

    FleetStore* m_store;
    // By FleetStore::keyHash: no key string built per row. At 50,000 rows arriving from the
    // local cache, building key strings and hashing them was two thirds of the GUI thread's
    // time in the store's insertion (bench startup). Two applications sharing a 64-bit hash
    // would share a baseline (a missed or extra notice), which is not worth a string per row.
    QHash<quint64, Seen> m_seen;
    QVector<Notice> m_pending;
    QTimer m_window;
    bool m_announceRecovery = false;
};

} // namespace sextant::fleet

Q_DECLARE_METATYPE(sextant::fleet::Notice)
