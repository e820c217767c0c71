#include "incidenttimeline.h"

#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cstdlib>

namespace sextant::incident {

namespace {

QString firstLine(const QString& text) {
    return text.section(QLatin1Char('\n'), 0, 0).trimmed();
}

// A sync as the timeline shows it: a recorded SyncRecord, or a history entry the console did
// not see happen (Argo CD keeps the last ten, so the timeline reaches back before Sextant ran).
struct SyncItem {
    QString revision;
    QDateTime startedAt;
    QDateTime finishedAt;
    argocd::OperationPhase phase = argocd::OperationPhase::None;
    QString message;
    QString initiator;
    bool fromHistory = false;

    QDateTime at() const { return finishedAt.isValid() ? finishedAt : startedAt; }
};

QString phaseVerb(argocd::OperationPhase p) {
    switch (p) {
    case argocd::OperationPhase::Succeeded:
        return QStringLiteral("finished");
    case argocd::OperationPhase::Failed:
        return QStringLiteral("failed");
    case argocd::OperationPhase::Error:
        return QStringLiteral("ended in an error");
    case argocd::OperationPhase::Running:
        return QStringLiteral("started");
    case argocd::OperationPhase::Terminating:
        return QStringLiteral("was terminated");
    case argocd::OperationPhase::None:
        break;
    }
    return QStringLiteral("ran");
}

bool badPhase(argocd::OperationPhase p) {
    return p == argocd::OperationPhase::Failed || p == argocd::OperationPhase::Error;
}

bool badHealth(argocd::HealthStatus h) {
    return h == argocd::HealthStatus::Degraded || h == argocd::HealthStatus::Missing;
}

} // namespace

GitChange GitChange::fromRevisionMetadata(const QString& revision, const nlohmann::json& meta) {
    GitChange c;
    c.revision = revision;
    if (!meta.is_object())
        return c;
    c.author = QString::fromStdString(meta.value("author", std::string()));
    c.message = QString::fromStdString(meta.value("message", std::string()));
    const QString date = QString::fromStdString(meta.value("date", std::string()));
    c.date = QDateTime::fromString(date, Qt::ISODateWithMs);
    if (!c.date.isValid())
        c.date = QDateTime::fromString(date, Qt::ISODate);
    c.date = c.date.toUTC();
    return c;
}

QString shortRevision(const QString& revision) {
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{40}$"));
    return sha.match(revision).hasMatch() ? revision.left(7) : revision;
}

QString personName(const QString& author) {
    const int lt = author.indexOf(QLatin1Char('<'));
    const QString name = (lt > 0 ? author.left(lt) : author).trimmed();
    return name.isEmpty() ? author.trimmed() : name;
}

QString durationText(qint64 seconds) {
    seconds = std::llabs(seconds);
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(seconds);
    const qint64 minutes = seconds / 60;
    if (minutes < 60)
        return QStringLiteral("%1 min").arg(minutes);
    const qint64 hours = minutes / 60;
    if (hours < 48)
        return minutes % 60 ? QStringLiteral("%1 h %2 min").arg(hours).arg(minutes % 60)
                            : QStringLiteral("%1 h").arg(hours);
    return hours % 24 ? QStringLiteral("%1 d %2 h").arg(hours / 24).arg(hours % 24)
                      : QStringLiteral("%1 d").arg(hours / 24);
}

QString relativeTime(qint64 seconds) {
    if (std::llabs(seconds) < 1)
        return QStringLiteral("at the same time");
    return durationText(seconds) +
           (seconds < 0 ? QStringLiteral(" before") : QStringLiteral(" after"));
}

IncidentTimeline buildTimeline(const TimelineInput& input, const QString& alertFingerprint,
                               const TimelineOptions& options) {
    IncidentTimeline t;
    t.appKey = input.appKey;
    t.appName = input.appName;

    const metrics::Alert* anchor = nullptr;
    for (const metrics::Alert& a : input.alerts) {
        if (!alertFingerprint.isEmpty() && a.fingerprint == alertFingerprint) {
            anchor = &a;
            break;
        }
        if (alertFingerprint.isEmpty() && a.startsAt.isValid() &&
            (!anchor || a.startsAt < anchor->startsAt))
            anchor = &a;
    }
    if (!anchor || !anchor->startsAt.isValid()) {
        t.notes << (alertFingerprint.isEmpty()
                        ? QStringLiteral("No alert with a start time for %1.").arg(input.appName)
                        : QStringLiteral("Alert %1 is not among the alerts of %2.")
                              .arg(alertFingerprint, input.appName));
        return t;
    }
    t.alertName = anchor->name();
    t.alertFingerprint = anchor->fingerprint;
    t.alertStartsAt = anchor->startsAt;
    const QDateTime t0 = anchor->startsAt;
    const QDateTime from = t0.addSecs(-options.lookbackSeconds);
    const QDateTime to = t0.addSecs(options.lookaheadSeconds);
    const auto inRange = [&](const QDateTime& at) {
        return at.isValid() && at >= from && at <= to;
    };
    const auto push = [&](TimelineEvent e) {
        if (!inRange(e.at))
            return;
        e.secondsFromAlert = t0.secsTo(e.at);
        t.events.push_back(std::move(e));
    };

    QHash<QString, const GitChange*> changeOf;
    for (const GitChange& c : input.changes)
        if (!c.revision.isEmpty())
            changeOf.insert(c.revision, &c);

    // Alerts of the app (the anchor and the others, so a flapping alert shows as such).
    for (const metrics::Alert& a : input.alerts) {
        TimelineEvent fired;
        fired.kind = TimelineEvent::Kind::AlertFired;
        fired.at = a.startsAt;
        fired.title = QStringLiteral("%1 fired").arg(a.name());
        fired.detail = a.annotations.value(QStringLiteral("summary"),
                                           a.annotations.value(QStringLiteral("description")));
        fired.alertFingerprint = a.fingerprint;
        fired.bad = true;
        push(fired);
        // Alertmanager keeps endsAt in the future while an alert is active; one at or before
        // the last update means it was resolved.
        if (a.endsAt.isValid() && a.updatedAt.isValid() && a.endsAt <= a.updatedAt) {
            TimelineEvent resolved;
            resolved.kind = TimelineEvent::Kind::AlertResolved;
            resolved.at = a.endsAt;
            resolved.title = QStringLiteral("%1 resolved").arg(a.name());
            resolved.alertFingerprint = a.fingerprint;
            push(resolved);
        }
    }

    // Syncs: the recorded ones, then history entries no recorded sync accounts for.
    QVector<SyncItem> syncs;
    for (const fleet::SyncRecord& s : input.syncs)
        syncs.push_back({s.revision, s.startedAt, s.finishedAt, s.phase, s.message, {}, false});
    for (const fleet::DeployEntry& d : input.deploys) {
        const QDateTime at = d.deployedAt;
        auto same = std::find_if(syncs.begin(), syncs.end(), [&](const SyncItem& s) {
            return s.revision == d.revision && s.at().isValid() && at.isValid() &&
                   std::llabs(s.at().secsTo(at)) <= 600;
        });
        if (same != syncs.end()) {
            same->initiator = d.initiatedBy;
            continue;
        }
        syncs.push_back({d.revision, d.deployStartedAt.isValid() ? d.deployStartedAt : at, at,
                         argocd::OperationPhase::Succeeded, QString(), d.initiatedBy, true});
    }
    QSet<QString> syncedRevisions;
    for (const SyncItem& s : syncs) {
        syncedRevisions.insert(s.revision);
        const GitChange* change = changeOf.value(s.revision);
        TimelineEvent e;
        e.kind = TimelineEvent::Kind::Sync;
        e.at = s.at();
        e.revision = s.revision;
        e.bad = badPhase(s.phase);
        e.title =
            QStringLiteral("Sync of %1 %2").arg(shortRevision(s.revision), phaseVerb(s.phase));
        QStringList detail;
        if (change && !change->message.isEmpty())
            detail << QStringLiteral("\"%1\"").arg(firstLine(change->message));
        if (change && !change->author.isEmpty()) {
            e.who = personName(change->author);
            detail << QStringLiteral("by %1").arg(e.who);
        }
        if (!s.initiator.isEmpty())
            detail << (s.initiator == QLatin1String("automated")
                           ? QStringLiteral("automated sync")
                           : QStringLiteral("initiated by %1").arg(s.initiator));
        if (e.who.isEmpty() && !s.initiator.isEmpty() && s.initiator != QLatin1String("automated"))
            e.who = s.initiator;
        if (!s.message.isEmpty() && (e.bad || s.phase != argocd::OperationPhase::Succeeded))
            detail << firstLine(s.message);
        e.detail = detail.join(QStringLiteral(" · "));
        push(e);

        // Suspect: started inside the window before the alert fired.
        const QDateTime started = s.startedAt.isValid() ? s.startedAt : s.at();
        if (started.isValid() && started <= t0 &&
            started.secsTo(t0) <= options.suspectWindowSeconds) {
            Suspect sus;
            sus.kind = TimelineEvent::Kind::Sync;
            sus.revision = s.revision;
            sus.at = s.at();
            sus.secondsBefore = s.at().secsTo(t0);
            QString what = QStringLiteral("sync of %1").arg(shortRevision(s.revision));
            if (!e.who.isEmpty())
                what += QStringLiteral(" by %1").arg(e.who);
            if (change && !change->message.isEmpty())
                what += QStringLiteral(" '%1'").arg(firstLine(change->message));
            if (sus.secondsBefore >= 0)
                sus.reason = QStringLiteral("%1 %2 %3 before %4 fired")
                                 .arg(what, phaseVerb(s.phase), durationText(sus.secondsBefore),
                                      t.alertName);
            else
                sus.reason = QStringLiteral("%1 started %2 before %3 fired and was still running")
                                 .arg(what, durationText(started.secsTo(t0)), t.alertName);
            if (badPhase(s.phase))
                sus.reason += QStringLiteral(" (the sync did not succeed)");
            t.suspects.push_back(sus);
        }
    }

    for (const GitChange& c : input.changes) {
        TimelineEvent e;
        e.kind = TimelineEvent::Kind::GitChange;
        e.at = c.date;
        e.revision = c.revision;
        e.who = personName(c.author);
        e.title = QStringLiteral("Commit %1%2")
                      .arg(shortRevision(c.revision),
                           e.who.isEmpty() ? QString() : QStringLiteral(" by ") + e.who);
        e.detail = firstLine(c.message);
        push(e);
        // A commit whose sync is recorded is already a suspect through its sync.
        if (syncedRevisions.contains(c.revision) || !c.date.isValid() || c.date > t0 ||
            c.date.secsTo(t0) > options.suspectWindowSeconds)
            continue;
        Suspect sus;
        sus.kind = TimelineEvent::Kind::GitChange;
        sus.revision = c.revision;
        sus.at = c.date;
        sus.secondsBefore = c.date.secsTo(t0);
        sus.reason = QStringLiteral("commit %1%2 '%3' landed %4 before %5 fired (no sync of it "
                                    "recorded)")
                         .arg(shortRevision(c.revision),
                              e.who.isEmpty() ? QString() : QStringLiteral(" by ") + e.who,
                              firstLine(c.message), durationText(sus.secondsBefore), t.alertName);
        t.suspects.push_back(sus);
    }

    for (const fleet::HealthRecord& h : input.health) {
        TimelineEvent e;
        e.kind = TimelineEvent::Kind::Health;
        e.at = h.at;
        e.bad = badHealth(h.health);
        e.title = QStringLiteral("Health became %1").arg(argocd::toString(h.health));
        e.detail = firstLine(h.message);
        push(e);
    }

    std::stable_sort(t.suspects.begin(), t.suspects.end(), [](const Suspect& a, const Suspect& b) {
        return std::llabs(a.secondsBefore) < std::llabs(b.secondsBefore);
    });
    if (t.suspects.size() > options.maxSuspects)
        t.suspects.resize(options.maxSuspects);
    for (int i = 0; i < t.suspects.size(); ++i)
        t.suspects[i].rank = i + 1;
    for (TimelineEvent& e : t.events) {
        if (e.kind != TimelineEvent::Kind::Sync && e.kind != TimelineEvent::Kind::GitChange)
            continue;
        for (const Suspect& s : t.suspects)
            if (s.kind == e.kind && s.revision == e.revision && s.at == e.at)
                e.suspectRank = s.rank;
    }
    std::stable_sort(t.events.begin(), t.events.end(),
                     [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; });

    if (input.syncs.isEmpty() && input.deploys.isEmpty())
        t.notes << QStringLiteral("No syncs of %1 are recorded: the health timeline has not seen "
                                  "this application sync, and its deployment history was not "
                                  "loaded.")
                       .arg(input.appName);
    if (input.changes.isEmpty())
        t.notes << QStringLiteral("No Git revision metadata was loaded: commits are not shown.");
    if (t.suspects.isEmpty())
        t.notes << QStringLiteral("No sync or commit in the %1 before %2 fired: the cause is "
                                  "probably outside Git (load, a dependency, the cluster).")
                       .arg(durationText(options.suspectWindowSeconds), t.alertName);
    return t;
}

} // namespace sextant::incident
