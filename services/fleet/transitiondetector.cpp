#include "transitiondetector.h"

#include "fleetstore.h"

namespace sextant::fleet {

using argocd::AppSummary;
using argocd::HealthStatus;
using argocd::OperationPhase;

QString Notice::title() const {
    const int n = int(appNames.size());
    switch (kind) {
    case Kind::Degraded:
        return n == 1
                   ? QStringLiteral("%1 is Degraded on %2").arg(appNames.first(), instance)
                   : QStringLiteral("%1 applications turned Degraded on %2").arg(n).arg(instance);
    case Kind::SyncFailed:
        return n == 1 ? QStringLiteral("Sync of %1 failed on %2").arg(appNames.first(), instance)
                      : QStringLiteral("%1 syncs failed on %2").arg(n).arg(instance);
    case Kind::Recovered:
        return n == 1 ? QStringLiteral("%1 is Healthy again on %2").arg(appNames.first(), instance)
                      : QStringLiteral("%1 applications recovered on %2").arg(n).arg(instance);
    }
    return {};
}

QString Notice::text() const {
    QStringList lines;
    const int shown = std::min(int(appNames.size()), 5);
    lines << appNames.mid(0, shown).join(QStringLiteral(", ")) +
                 (appNames.size() > shown
                      ? QStringLiteral(" and %1 more").arg(appNames.size() - shown)
                      : QString());
    if (!detail.isEmpty())
        lines << detail;
    return lines.join(QLatin1Char('\n'));
}

TransitionDetector::TransitionDetector(FleetStore* store, QObject* parent)
    : QObject(parent)
    , m_store(store) {
    m_window.setSingleShot(true);
    m_window.setInterval(3000);
    connect(&m_window, &QTimer::timeout, this, &TransitionDetector::flush);
    connect(store, &FleetStore::rowsInserted, this, &TransitionDetector::onRowsInserted);
    connect(store, &FleetStore::rowsChanged, this,
            [this](int first, int last, ChangedFields fields) {
                if (fields & (ChangedHealth | ChangedOperation))
                    onRowsChanged(first, last);
            });
    connect(store, &FleetStore::rowsAboutToBeRemoved, this, [this](int first, int last) {
        for (int row = first; row <= last; ++row)
            m_seen.remove(FleetStore::keyHash(m_store->at(row)));
    });
    for (int row = 0; row < store->size(); ++row)
        observe(store->at(row), false);
}

void TransitionDetector::setGroupingWindow(int ms) {
    m_window.setInterval(ms);
}

void TransitionDetector::onRowsInserted(int first, int last) {
    m_seen.reserve(m_seen.size() + (last - first + 1));
    for (int row = first; row <= last; ++row)
        observe(m_store->at(row), false);
}

void TransitionDetector::onRowsChanged(int first, int last) {
    for (int row = first; row <= last; ++row)
        observe(m_store->at(row), true);
}

void TransitionDetector::observe(const AppSummary& app, bool announce) {
    const quint64 key = FleetStore::keyHash(app);
    auto it = m_seen.find(key);
    const Seen now{app.health, app.operationPhase, app.operationFinishedAt};
    if (it == m_seen.end()) {
        m_seen.insert(key, now);
        return;
    }
    const Seen before = *it;
    *it = now;
    if (!announce)
        return;
    if (now.health == HealthStatus::Degraded && before.health != HealthStatus::Degraded)
        collect(Notice::Kind::Degraded, app, app.healthMessage);
    if (m_announceRecovery && before.health == HealthStatus::Degraded &&
        now.health == HealthStatus::Healthy)
        collect(Notice::Kind::Recovered, app, QString());
    // A failed operation is news once: when the phase turns Failed/Error, or when another
    // operation fails (a new finish time) after the last one had already failed.
    const bool failedNow = app.syncFailed();
    const bool failedBefore =
        before.phase == OperationPhase::Failed || before.phase == OperationPhase::Error;
    if (failedNow && (!failedBefore || before.finishedAt != now.finishedAt))
        collect(Notice::Kind::SyncFailed, app, QString());
}

void TransitionDetector::collect(Notice::Kind kind, const AppSummary& app, const QString& detail) {
    for (Notice& n : m_pending) {
        if (n.kind == kind && n.instance == app.instance) {
            if (!n.appKeys.contains(app.key())) {
                n.appKeys << app.key();
                n.appNames << app.name;
            }
            return;
        }
    }
    Notice n;
    n.kind = kind;
    n.instance = app.instance;
    n.appKeys << app.key();
    n.appNames << app.name;
    n.detail = detail;
    n.at = QDateTime::currentDateTimeUtc();
    m_pending.append(n);
    if (!m_window.isActive())
        m_window.start();
}

void TransitionDetector::flush() {
    m_window.stop();
    const QVector<Notice> ready = std::exchange(m_pending, {});
    for (const Notice& n : ready)
        Q_EMIT notice(n);
}

} // namespace sextant::fleet
