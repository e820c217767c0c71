// The incident timeline (services/incident/incidenttimeline.h): alerts, syncs joined with their
// Git change and history entry, health transitions and commits on one line, and the suspects
// ranked by how close before the alert they happened. Fixed times, no wall clock.

#include "incident/incidenttimeline.h"

#include <QTest>

using namespace sextant;
using namespace sextant::incident;

namespace {

const QDateTime kFired = QDateTime(QDate(2026, 3, 10), QTime(10, 0), Qt::UTC);

QDateTime at(int minutesFromFired) {
    return kFired.addSecs(qint64(minutesFromFired) * 60);
}

const QString kBump = QStringLiteral("c4b8a2f6e0d4c8b2a6f0e4d8c2b6a0f4e8d2c6b1");
const QString kReplicas = QStringLiteral("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
const QString kOld = QStringLiteral("8d2e4f6a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d91");
const QString kFailed = QStringLiteral("f00dfeed00112233445566778899aabbccddeeff");

metrics::Alert alert(const QString& name, const QString& fp, const QDateTime& startsAt) {
    metrics::Alert a;
    a.labels.insert("alertname", name);
    a.fingerprint = fp;
    a.startsAt = startsAt;
    a.updatedAt = startsAt.addSecs(60);
    a.endsAt = startsAt.addSecs(3600); // still active: endsAt after the last update
    a.annotations.insert("summary", name + " summary");
    return a;
}

TimelineInput input() {
    TimelineInput in;
    in.appKey = "prod-eu/argocd/shop-checkout";
    in.appName = "shop-checkout";
    metrics::Alert crash = alert("KubePodCrashLooping", "fp1", kFired);
    crash.updatedAt = at(31);
    crash.endsAt = at(30); // resolved half an hour later
    in.alerts << crash << alert("KubePodNotReady", "fp2", at(60));
    in.syncs << fleet::SyncRecord{kBump, at(-40), at(-38), argocd::OperationPhase::Succeeded,
                                  "successfully synced (all tasks run)"}
             << fleet::SyncRecord{kFailed, at(-3), at(1), argocd::OperationPhase::Failed,
                                  "one or more objects failed to apply\nsecond line"};
    fleet::DeployEntry old;
    old.id = 18;
    old.revision = kOld;
    old.deployStartedAt = at(-20 * 60 - 2);
    old.deployedAt = at(-20 * 60);
    old.initiatedBy = "ana";
    fleet::DeployEntry bump;
    bump.id = 19;
    bump.revision = kBump;
    bump.deployedAt = at(-38);
    bump.initiatedBy = "automated";
    in.deploys << old << bump;
    in.health << fleet::HealthRecord{at(-60), argocd::HealthStatus::Healthy, {}}
              << fleet::HealthRecord{at(-35), argocd::HealthStatus::Degraded,
                                     "Deployment \"checkout\" exceeded its progress deadline"};
    in.changes << GitChange{kBump, "Ben Okafor <ben.okafor@example.com>", at(-45),
                            "Bump checkout image to v2.41.0\n\nRelease notes..."}
               << GitChange{kReplicas, "jane <jane@example.com>", at(-10),
                            "raise checkout replicas"}
               << GitChange{kOld, "Ana Lopez <ana@example.com>", at(-20 * 60 - 30),
                            "Release checkout v2.14.0"};
    return in;
}

QStringList titles(const IncidentTimeline& t) {
    QStringList out;
    for (const TimelineEvent& e : t.events)
        out << QStringLiteral("%1 %2").arg(e.secondsFromAlert / 60).arg(e.title);
    return out;
}

} // namespace

class TestIncidentTimeline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mergesEverythingInTimeOrder() {
        const IncidentTimeline t = buildTimeline(input(), "fp1");
        QCOMPARE(t.alertName, QString("KubePodCrashLooping"));
        QCOMPARE(t.alertStartsAt, kFired);
        const QStringList expected{
            "-1230 Commit 8d2e4f6 by Ana Lopez",
            "-1200 Sync of 8d2e4f6 finished", // from the deployment history only
            "-60 Health became Healthy",         "-45 Commit c4b8a2f by Ben Okafor",
            "-38 Sync of c4b8a2f finished",      "-35 Health became Degraded",
            "-10 Commit a1b2c3d by jane",        "0 KubePodCrashLooping fired",
            "1 Sync of f00dfee failed",          "30 KubePodCrashLooping resolved",
            "60 KubePodNotReady fired",
        };
        QCOMPARE(titles(t), expected);
        const TimelineEvent& bump = t.events[4];
        QCOMPARE(bump.detail,
                 QString("\"Bump checkout image to v2.41.0\" · by Ben Okafor · automated sync"));
        QCOMPARE(bump.who, QString("Ben Okafor"));
        QVERIFY(!bump.bad);
        QCOMPARE(t.events[1].detail, QString("\"Release checkout v2.14.0\" · by Ana Lopez · "
                                             "initiated by ana"));
        const TimelineEvent& failed = t.events[8];
        QVERIFY(failed.bad);
        QCOMPARE(failed.detail, QString("one or more objects failed to apply"));
        QVERIFY(t.events[5].bad); // Degraded
        QVERIFY(t.notes.isEmpty());
    }

    void suspectsRankedByProximity() {
        const IncidentTimeline t = buildTimeline(input(), "fp1");
        QCOMPARE(t.suspects.size(), 3);
        // The failed sync started 3 min before and ended 1 min after: closest.
        QCOMPARE(t.suspects[0].revision, kFailed);
        QCOMPARE(t.suspects[0].reason,
                 QString("sync of f00dfee started 3 min before KubePodCrashLooping fired and was "
                         "still running (the sync did not succeed)"));
        QCOMPARE(t.suspects[1].revision, kReplicas);
        QCOMPARE(t.suspects[1].reason,
                 QString("commit a1b2c3d by jane 'raise checkout replicas' landed 10 min before "
                         "KubePodCrashLooping fired (no sync of it recorded)"));
        QCOMPARE(t.suspects[2].reason,
                 QString("sync of c4b8a2f by Ben Okafor 'Bump checkout image to v2.41.0' "
                         "finished 38 min before KubePodCrashLooping fired"));
        QCOMPARE(t.suspects[2].secondsBefore, 38 * 60);
        for (int i = 0; i < t.suspects.size(); ++i)
            QCOMPARE(t.suspects[i].rank, i + 1);
        // The events carry the ranks; the commit of a synced revision is not a suspect itself.
        QHash<QString, int> rankOf;
        for (const TimelineEvent& e : t.events)
            if (e.suspectRank)
                rankOf.insert(e.title, e.suspectRank);
        QCOMPARE(rankOf.value("Sync of f00dfee failed"), 1);
        QCOMPARE(rankOf.value("Commit a1b2c3d by jane"), 2);
        QCOMPARE(rankOf.value("Sync of c4b8a2f finished"), 3);
        QCOMPARE(rankOf.size(), 3);
    }

    void windowAndLimitAreOptions() {
        TimelineOptions o;
        o.suspectWindowSeconds = 15 * 60;
        IncidentTimeline t = buildTimeline(input(), "fp1", o);
        QCOMPARE(t.suspects.size(), 2);
        o.suspectWindowSeconds = 2 * 3600;
        o.maxSuspects = 1;
        t = buildTimeline(input(), "fp1", o);
        QCOMPARE(t.suspects.size(), 1);
        QCOMPARE(t.suspects[0].revision, kFailed);
        o.lookbackSeconds = 3600;
        o.lookaheadSeconds = 0;
        t = buildTimeline(input(), "fp1", o);
        QVERIFY(!titles(t).join('|').contains("8d2e4f6"));
        QVERIFY(!titles(t).join('|').contains("NotReady"));
    }

    void anchorsOnTheChosenAlert() {
        const IncidentTimeline t = buildTimeline(input(), "fp2");
        QCOMPARE(t.alertName, QString("KubePodNotReady"));
        QCOMPARE(t.events.first().secondsFromAlert, -(20 * 60 + 90) * 60);
        // The failed sync that ended 59 min before KubePodNotReady is the closest suspect; the
        // bump, 98 min before, is still inside the two hours.
        QCOMPARE(t.suspects.size(), 3);
        QCOMPARE(t.suspects[0].reason, QString("sync of f00dfee failed 59 min before "
                                               "KubePodNotReady fired (the sync did not succeed)"));
        QCOMPARE(t.suspects[2].secondsBefore, 98 * 60);
        // Without a fingerprint: the earliest alert.
        QCOMPARE(buildTimeline(input()).alertName, QString("KubePodCrashLooping"));
        const IncidentTimeline missing = buildTimeline(input(), "nope");
        QVERIFY(missing.events.isEmpty());
        QCOMPARE(missing.notes,
                 QStringList{"Alert nope is not among the alerts of shop-checkout."});
    }

    void notesSayWhatIsMissing() {
        TimelineInput in;
        in.appName = "orders-api";
        in.alerts << alert("KubeJobFailed", "fp", kFired);
        const IncidentTimeline t = buildTimeline(in);
        QCOMPARE(t.events.size(), 1);
        QCOMPARE(t.notes.size(), 3);
        QVERIFY(t.notes[0].startsWith("No syncs of orders-api are recorded"));
        QVERIFY(t.notes[1].startsWith("No Git revision metadata"));
        QVERIFY(t.notes[2].startsWith("No sync or commit in the 2 h before KubeJobFailed fired"));
    }

    void revisionMetadata() {
        const GitChange c = GitChange::fromRevisionMetadata(
            kBump, nlohmann::json::parse(R"({"author": "Ben Okafor <ben@example.com>",
                "date": "2026-03-10T09:15:00Z", "message": "Bump", "tags": null})"));
        QCOMPARE(c.author, QString("Ben Okafor <ben@example.com>"));
        QCOMPARE(c.date, at(-45));
        QCOMPARE(c.message, QString("Bump"));
        QVERIFY(!GitChange::fromRevisionMetadata(kBump, nlohmann::json()).date.isValid());
    }

    void words() {
        QCOMPARE(relativeTime(-240), QString("4 min before"));
        QCOMPARE(relativeTime(7500), QString("2 h 5 min after"));
        QCOMPARE(relativeTime(0), QString("at the same time"));
        QCOMPARE(durationText(45), QString("45 s"));
        QCOMPARE(durationText(7200), QString("2 h"));
        QCOMPARE(durationText(3 * 86400 + 7200), QString("3 d 2 h"));
        QCOMPARE(shortRevision(kBump), QString("c4b8a2f"));
        QCOMPARE(shortRevision("v1.2.3"), QString("v1.2.3"));
        QCOMPARE(personName("Jane Doe <jane@example.com>"), QString("Jane Doe"));
        QCOMPARE(personName("jane"), QString("jane"));
    }
};

QTEST_GUILESS_MAIN(TestIncidentTimeline)
#include "tst_incidenttimeline.moc"
