// fleet::HealthTimeline: outcomes of history entries from synthetic health and sync sequences,
// recording only real changes, persistence across a restart, caps, pruning and the schema check.

#include "fleet/healthtimeline.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::fleet;
using argocd::HealthStatus;
using argocd::OperationPhase;
using Json = nlohmann::json;

namespace {

const QDateTime t0 = QDateTime(QDate(2026, 11, 1), QTime(8, 0), Qt::UTC);

QDateTime at(qint64 minutes) {
    return t0.addSecs(minutes * 60);
}

DeployEntry entry(qint64 id, const QString& rev, const QDateTime& deployed) {
    DeployEntry e;
    e.id = id;
    e.revision = rev;
    e.deployedAt = deployed;
    e.deployStartedAt = deployed.addSecs(-30);
    return e;
}

argocd::AppSummary row(HealthStatus health, OperationPhase phase = OperationPhase::None,
                       const QDateTime& started = {}, const QDateTime& finished = {}) {
    argocd::AppSummary a;
    a.instance = QStringLiteral("prod-eu");
    a.appNamespace = QStringLiteral("argocd");
    a.name = QStringLiteral("payments-api");
    a.health = health;
    a.operationPhase = phase;
    a.operationStartedAt = started;
    a.operationFinishedAt = finished;
    a.syncRevision = QStringLiteral("rev-b");
    return a;
}

Json application() {
    // Not a raw string literal: moc does not tokenise those.
    return Json::parse(
        "{"
        "      \"metadata\": {\"name\": \"payments-api\", \"namespace\": \"argocd\"},"
        "      \"status\": {"
        "        \"health\": {\"status\": \"Degraded\", \"message\": \"progress deadline "
        "exceeded\"},"
        "        \"history\": ["
        "          {\"id\": 41, \"revision\": \"rev-b\", \"deployedAt\": \"2026-11-01T08:00:00Z\","
        "           \"deployStartedAt\": \"2026-11-01T07:59:30Z\","
        "           \"source\": {\"repoURL\": \"https://git.example.com/p.git\", \"path\": "
        "\"chart\","
        "                      \"targetRevision\": \"main\"},"
        "           \"initiatedBy\": {\"username\": \"alice\"}},"
        "          {\"id\": 40, \"revision\": \"rev-a\", \"deployedAt\": \"2026-10-28T08:00:00Z\","
        "           \"initiatedBy\": {\"automated\": true}}"
        "        ],"
        "        \"operationState\": {\"phase\": \"Failed\", \"message\": \"one or more objects "
        "failed to apply\","
        "          \"startedAt\": \"2026-11-01T09:00:00Z\", \"finishedAt\": "
        "\"2026-11-01T09:01:00Z\","
        "          \"syncResult\": {\"revision\": \"rev-c\"}}"
        "      }"
        "    }");
}

} // namespace

class TestHealthTimeline : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesHistory() {
        const QVector<DeployEntry> h = DeployEntry::fromApplication(application());
        QCOMPARE(h.size(), 2);
        QCOMPARE(h[0].id, 40); // sorted oldest first
        QCOMPARE(h[0].initiatedBy, QStringLiteral("automated"));
        QCOMPARE(h[1].revision, QStringLiteral("rev-b"));
        QCOMPARE(h[1].deployedAt, at(0));
        QCOMPARE(h[1].deployStartedAt, at(0).addSecs(-30));
        QCOMPARE(h[1].source, QStringLiteral("https://git.example.com/p.git chart@main"));
        QCOMPARE(h[1].initiatedBy, QStringLiteral("alice"));
    }

    void outcomesFromSyntheticSequence() {
        // 1 good for 30 h, 2 broken until replaced after an hour, 3 current and healthy.
        const QVector<DeployEntry> entries = {entry(1, QStringLiteral("a"), at(0)),
                                              entry(2, QStringLiteral("b"), at(30 * 60)),
                                              entry(3, QStringLiteral("c"), at(31 * 60))};
        const QVector<HealthRecord> health = {
            {at(-10), HealthStatus::Healthy, {}},
            {at(1), HealthStatus::Progressing, {}},
            {at(3), HealthStatus::Healthy, {}},
            {at(30 * 60 + 1), HealthStatus::Degraded, {}},
            {at(31 * 60 + 2), HealthStatus::Healthy, {}},
        };
        QVector<SyncRecord> syncs;
        syncs.append({QStringLiteral("b"), at(30 * 60 + 20), at(30 * 60 + 21),
                      OperationPhase::Failed, QStringLiteral("hook failed")});
        const QVector<EntryOutcome> o =
            HealthTimeline::computeOutcomes(entries, health, syncs, at(32 * 60));
        QCOMPARE(o.size(), 3);

        QVERIFY(o[0].observed);
        QCOMPARE(o[0].healthySeconds, qint64(30 * 3600 - 3 * 60 - 30)); // until the next sync began
        QCOMPARE(o[0].degradedEpisodes, 0);
        QVERIFY(o[0].reachedHealthy);
        QVERIFY(o[0].replacement == EntryOutcome::Replacement::Normal);
        QCOMPARE(o[0].replacedAt, at(30 * 60).addSecs(-30));

        // The previous revision's Healthy does not count for entry 2 (grace after deploy).
        QVERIFY(o[1].observed);
        QCOMPARE(o[1].healthySeconds, qint64(0));
        QCOMPARE(o[1].degradedEpisodes, 1);
        QVERIFY(!o[1].reachedHealthy);
        QVERIFY(o[1].replacement == EntryOutcome::Replacement::AfterFailure);
        QCOMPARE(o[1].failedSyncs, 1);

        QVERIFY(o[2].replacement == EntryOutcome::Replacement::Current);
        QCOMPARE(o[2].healthySeconds, qint64(58 * 60));
        QCOMPARE(o[2].degradedEpisodes, 0);
    }

    void episodesAndUnobservedEntries() {
        const QVector<DeployEntry> entries = {entry(1, QStringLiteral("a"), at(-5000)),
                                              entry(2, QStringLiteral("b"), at(0)),
                                              entry(3, QStringLiteral("c"), at(600))};
        // Only entry 2 was watched: Healthy, Degraded twice, Healthy again when replaced.
        const QVector<HealthRecord> health = {
            {at(2), HealthStatus::Healthy, {}},   {at(100), HealthStatus::Degraded, {}},
            {at(130), HealthStatus::Healthy, {}}, {at(200), HealthStatus::Missing, {}},
            {at(210), HealthStatus::Healthy, {}},
        };
        const QVector<EntryOutcome> o =
            HealthTimeline::computeOutcomes(entries, health, {}, at(700));
        QVERIFY(!o[0].observed);
        QVERIFY(o[0].replacement == EntryOutcome::Replacement::Unknown);
        QCOMPARE(o[1].degradedEpisodes, 2);
        QCOMPARE(o[1].degradedSeconds, qint64(40 * 60));
        QVERIFY(o[1].replacement == EntryOutcome::Replacement::Normal);
    }

    void recordsOnlyChangesAndSurvivesRestart() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("timeline.sqlite"));
        const QString key = row(HealthStatus::Healthy).key();
        {
            HealthTimeline t(path);
            QVERIFY2(t.isOpen(), qPrintable(t.errorString()));
            QVERIFY2(t.recordSummary(row(HealthStatus::Healthy), at(0)),
                     qPrintable(t.errorString()));
            QVERIFY(!t.recordSummary(row(HealthStatus::Healthy), at(1))); // nothing changed
            QVERIFY(t.recordSummary(row(HealthStatus::Progressing, OperationPhase::Running, at(10)),
                                    at(10)));
            QVERIFY(!t.recordSummary(
                row(HealthStatus::Progressing, OperationPhase::Running, at(10)), at(11)));
            QVERIFY(t.recordSummary(
                row(HealthStatus::Degraded, OperationPhase::Succeeded, at(10), at(12)), at(15)));
            QVERIFY(t.recordApplication(key, application(), at(70)));
            QVERIFY(t.markBad(key, QStringLiteral("rev-c"), QStringLiteral("panics at start"),
                              QStringLiteral("alice"), at(71)));
        }
        HealthTimeline t(path);
        QVERIFY2(t.isOpen(), qPrintable(t.errorString()));
        // The last state came back from the file: the same row writes nothing.
        QVERIFY(!t.recordSummary(
            row(HealthStatus::Degraded, OperationPhase::Failed, at(60), at(61)), at(80)));

        const QVector<HealthRecord> h = t.healthTransitions(key);
        QCOMPARE(h.size(), 3);
        QVERIFY(h[0].health == HealthStatus::Healthy);
        QVERIFY(h[2].health == HealthStatus::Degraded);
        QCOMPARE(h[2].at, at(15));

        const QVector<SyncRecord> s = t.syncs(key);
        QCOMPARE(s.size(), 2); // the list row's sync and the full object's failed one
        QVERIFY(s[0].phase == OperationPhase::Succeeded);
        QCOMPARE(s[0].finishedAt, at(12));
        QVERIFY(s[1].phase == OperationPhase::Failed);
        QCOMPARE(s[1].revision, QStringLiteral("rev-c"));
        QCOMPARE(s[1].message, QStringLiteral("one or more objects failed to apply"));

        const QVector<DeployEntry> history = t.history(key);
        QCOMPARE(history.size(), 2);
        QCOMPARE(history[1].id, 41);
        const QVector<EntryOutcome> o = t.outcomes(key, {}, at(90));
        QCOMPARE(o.size(), 2);
        QVERIFY(o[1].replacement == EntryOutcome::Replacement::Current);
        QVERIFY(o[1].reachedHealthy);
        QCOMPARE(o[1].degradedEpisodes, 1);

        const QHash<QString, QString> bad = t.badRevisions(key);
        QVERIFY(bad.value(QStringLiteral("rev-c")).startsWith(QStringLiteral("panics at start")));
        QVERIFY(bad.value(QStringLiteral("rev-c")).contains(QStringLiteral("alice")));
        QVERIFY(t.unmarkBad(key, QStringLiteral("rev-c")));
        QVERIFY(t.badRevisions(key).isEmpty());
    }

    void listRowDoesNotBlankTheMessage() {
        QTemporaryDir dir;
        HealthTimeline t(dir.filePath(QStringLiteral("t.sqlite")));
        const QString key = row(HealthStatus::Healthy).key();
        QVERIFY(t.recordApplication(key, application(), at(70)));
        // The watch row of the same operation: no message, its own revision field.
        t.recordSummary(
            row(HealthStatus::Degraded, OperationPhase::Error,
                QDateTime::fromString(QStringLiteral("2026-11-01T09:00:00Z"), Qt::ISODate), {}),
            at(75));
        const QVector<SyncRecord> s = t.syncs(key);
        QCOMPARE(s.size(), 1);
        QVERIFY(s[0].phase == OperationPhase::Error);
        QCOMPARE(s[0].message, QStringLiteral("one or more objects failed to apply"));
        QCOMPARE(s[0].finishedAt, at(61)); // not lost either
        QCOMPARE(s[0].revision, QStringLiteral("rev-c"));
    }

    void batchRecordingAndCaps() {
        QTemporaryDir dir;
        HealthTimeline t(dir.filePath(QStringLiteral("t.sqlite")));
        QVector<argocd::AppSummary> rows;
        for (int i = 0; i < 300; ++i) {
            argocd::AppSummary a = row(HealthStatus::Healthy);
            a.name = QStringLiteral("app-%1").arg(i);
            rows << a;
        }
        QCOMPARE(t.recordSummaries(rows, at(0)), 300);
        QCOMPARE(t.recordSummaries(rows, at(1)), 0);

        // One flapping app: the per-app cap keeps it bounded.
        for (int i = 0; i < 1200; ++i)
            t.recordSummary(row(i % 2 ? HealthStatus::Degraded : HealthStatus::Healthy), at(i));
        const int kept = int(t.healthTransitions(row(HealthStatus::Healthy).key()).size());
        QVERIFY2(kept <= HealthTimeline::kMaxHealthPerApp + 50, qPrintable(QString::number(kept)));
        QVERIFY(kept >= HealthTimeline::kMaxHealthPerApp);
        // The newest transitions are the ones kept.
        QCOMPARE(t.healthTransitions(row(HealthStatus::Healthy).key()).last().at, at(1199));
    }

    void pruneKeepsTheCurrentState() {
        QTemporaryDir dir;
        HealthTimeline t(dir.filePath(QStringLiteral("t.sqlite")));
        t.setRetentionDays(30);
        const QString key = row(HealthStatus::Healthy).key();
        t.recordSummary(row(HealthStatus::Healthy), at(0));
        t.recordSummary(row(HealthStatus::Degraded), at(10));
        t.recordSummary(row(HealthStatus::Healthy), at(20));
        t.prune(at(0).addDays(100));
        const QVector<HealthRecord> h = t.healthTransitions(key);
        QCOMPARE(h.size(), 1); // only the state the app is still in
        QVERIFY(h[0].health == HealthStatus::Healthy);
    }

    void refusesANewerSchema() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.sqlite"));
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 99")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("raw"));
        HealthTimeline t(path);
        QVERIFY(!t.isOpen());
        QVERIFY(t.errorString().contains(QStringLiteral("schema version 99")));
        QVERIFY(!t.recordSummary(row(HealthStatus::Healthy), at(0)));
    }
};

QTEST_GUILESS_MAIN(TestHealthTimeline)
#include "tst_healthtimeline.moc"
