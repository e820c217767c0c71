// analysis::RollbackRanker on synthetic applications: verified revisions beat recent ones, known
// failures and bad marks demote with their reason, irreversible changes become risks, the
// current revision is never a candidate, and the API-only ranking says what it lacks.

#include "analysis/rollbackranker.h"

#include <QTest>

using namespace sextant;
using namespace sextant::analysis;
using fleet::EntryOutcome;
using Json = nlohmann::json;

namespace {

const QDateTime now = QDateTime(QDate(2026, 11, 20), QTime(12, 0), Qt::UTC);

QString iso(const QDateTime& t) {
    return t.toString(Qt::ISODate);
}

// History entries (id, revision, hours ago), oldest first.
Json app(const QVector<std::tuple<int, QString, int>>& history, const QString& health,
         bool autoSync = false) {
    Json h = Json::array();
    for (const auto& [id, rev, hoursAgo] : history)
        h.push_back({{"id", id},
                     {"revision", rev.toStdString()},
                     {"deployedAt", iso(now.addSecs(-qint64(hoursAgo) * 3600)).toStdString()},
                     {"initiatedBy", {{"username", "alice"}}}});
    Json a = {{"metadata", {{"name", "checkout"}, {"namespace", "argocd"}}},
              {"spec", {{"syncPolicy", Json::object()}}},
              {"status", {{"health", {{"status", health.toStdString()}}}, {"history", h}}}};
    if (autoSync)
        a["spec"]["syncPolicy"]["automated"] = {{"prune", true}, {"selfHeal", true}};
    return a;
}

Json deployment(const QString& name, const QString& image, const QString& selector = {}) {
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", name.toStdString()}, {"namespace", "shop"}}},
            {"spec",
             {{"selector",
               {{"matchLabels", {{"app", (selector.isEmpty() ? name : selector).toStdString()}}}}},
              {"template",
               {{"spec", {{"containers", {{{"name", "c"}, {"image", image.toStdString()}}}}}}}}}}};
}

Json object(const QString& apiVersion, const QString& kind, const QString& name,
            const Json& spec = Json::object(), const Json& annotations = Json::object()) {
    return {{"apiVersion", apiVersion.toStdString()},
            {"kind", kind.toStdString()},
            {"metadata",
             {{"name", name.toStdString()}, {"namespace", "shop"}, {"annotations", annotations}}},
            {"spec", spec}};
}

Json manifests(const QVector<Json>& objects) {
    Json list = Json::array();
    for (const Json& o : objects)
        list.push_back(o.dump());
    return {{"manifests", list}};
}

EntryOutcome outcome(qint64 id, qint64 healthyHours, int episodes = 0, bool afterFailure = false) {
    EntryOutcome o;
    o.historyId = id;
    o.observed = true;
    o.healthySeconds = healthyHours * 3600;
    o.reachedHealthy = healthyHours > 0;
    o.degradedEpisodes = episodes;
    o.degradedSeconds = episodes * 600;
    o.replacement =
        afterFailure ? EntryOutcome::Replacement::AfterFailure : EntryOutcome::Replacement::Normal;
    return o;
}

const RollbackCandidate* find(const RollbackRanking& r, qint64 id) {
    for (const RollbackCandidate& c : r.candidates)
        if (c.id == id)
            return &c;
    return nullptr;
}

bool anyContains(const QStringList& list, const QString& part) {
    for (const QString& s : list)
        if (s.contains(part))
            return true;
    return false;
}

} // namespace

class TestRollbackRanker : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void verifiedBeatsMostRecent() {
        RankInput in;
        in.now = now;
        in.application = app({{10, QStringLiteral("r10"), 200},
                              {11, QStringLiteral("r11"), 100},
                              {12, QStringLiteral("r12"), 20},
                              {13, QStringLiteral("r13"), 1}},
                             QStringLiteral("Degraded"));
        in.outcomes = {outcome(10, 26), outcome(11, 72), outcome(12, 0, 1, true)};
        const RollbackRanking r = RollbackRanker().rank(in);
        QCOMPARE(r.currentHistoryId, 13);
        QCOMPARE(r.candidates.size(), 3);
        QVERIFY(!find(r, 13)); // the current revision is never a candidate
        QCOMPARE(r.candidates.first().id, 11);
        const RollbackCandidate& best = r.candidates.first();
        QVERIFY(best.verified);
        QVERIFY2(best.reasons.contains(QStringLiteral("Healthy for 3 d after deploy")),
                 qPrintable(best.reasons.join(QLatin1Char('|'))));
        const RollbackCandidate* recent = find(r, 12);
        QVERIFY(recent);
        QCOMPARE(r.candidates.last().id, 12);
        QVERIFY(anyContains(recent->reasons, QStringLiteral("never became Healthy")));
        QVERIFY(anyContains(recent->reasons, QStringLiteral("Degraded 1 time")));
        QVERIFY(recent->score < find(r, 10)->score);
        QVERIFY(r.timelineUsed);
    }

    void knownFailureIsDemotedWithTheReason() {
        RankInput in;
        in.now = now;
        in.application = app({{1, QStringLiteral("a"), 48},
                              {2, QStringLiteral("b"), 26},
                              {3, QStringLiteral("c"), 1}},
                             QStringLiteral("Degraded"));
        in.manifests.insert(QStringLiteral("a"),
                            manifests({deployment(QStringLiteral("checkout"),
                                                  QStringLiteral("shop/checkout:v2.13.2"))}));
        in.manifests.insert(QStringLiteral("b"),
                            manifests({deployment(QStringLiteral("checkout"),
                                                  QStringLiteral("shop/checkout:v2.41.0"))}));
        in.manifests.insert(QStringLiteral("c"),
                            manifests({deployment(QStringLiteral("checkout"),
                                                  QStringLiteral("shop/checkout:v2.41.0")),
                                       object(QStringLiteral("v1"), QStringLiteral("ConfigMap"),
                                              QStringLiteral("checkout-config"))}));
        in.knownFailures = {{QStringLiteral("ImagePullNotFound"),
                             QStringLiteral("no such tag"),
                             QStringLiteral("shop/checkout:v2.41.0"),
                             {}}};
        const RollbackRanking r = RollbackRanker().rank(in);
        QCOMPARE(r.candidates.first().id, 1);
        const RollbackCandidate* b = find(r, 2);
        QVERIFY(b);
        QVERIFY2(
            b->reasons.first().startsWith(QStringLiteral("same image as the failing revision")),
            qPrintable(b->reasons.join(QLatin1Char('|'))));
        QCOMPARE(b->images, QStringList{QStringLiteral("shop/checkout:v2.41.0")});
        QCOMPARE(find(r, 1)->changedObjects, 2);
        QVERIFY(anyContains(find(r, 1)->reasons, QStringLiteral("2 objects differ from now")));
        QVERIFY(anyContains(find(r, 1)->risks, QStringLiteral("ConfigMap checkout-config was "
                                                              "added since")));
    }

    void sameImagesAsDegradedCurrentWithoutDiagnosis() {
        RankInput in;
        in.now = now;
        in.application = app({{1, QStringLiteral("a"), 48},
                              {2, QStringLiteral("b"), 26},
                              {3, QStringLiteral("c"), 1}},
                             QStringLiteral("Degraded"));
        const Json bad = manifests({deployment(QStringLiteral("x"), QStringLiteral("x:2"))});
        in.manifests.insert(QStringLiteral("a"),
                            manifests({deployment(QStringLiteral("x"), QStringLiteral("x:1"))}));
        in.manifests.insert(QStringLiteral("b"), bad);
        in.manifests.insert(QStringLiteral("c"), bad);
        const RollbackRanking r = RollbackRanker().rank(in);
        QCOMPARE(r.candidates.first().id, 1);
        QVERIFY(anyContains(find(r, 2)->reasons,
                            QStringLiteral("same images as the current, Degraded revision")));
        QVERIFY(
            anyContains(find(r, 2)->reasons, QStringLiteral("renders the same manifests as now")));
    }

    void irreversibleChangesBecomeRisks() {
        const Json crdOld = object(QStringLiteral("apiextensions.k8s.io/v1"),
                                   QStringLiteral("CustomResourceDefinition"),
                                   QStringLiteral("widgets.example.com"), {{"versions", {"v1"}}});
        const Json crdNew = object(
            QStringLiteral("apiextensions.k8s.io/v1"), QStringLiteral("CustomResourceDefinition"),
            QStringLiteral("widgets.example.com"), {{"versions", {"v1", "v2"}}});
        const Json pvc = object(QStringLiteral("v1"), QStringLiteral("PersistentVolumeClaim"),
                                QStringLiteral("data"), {{"storage", "10Gi"}});
        const Json hook =
            object(QStringLiteral("batch/v1"), QStringLiteral("Job"), QStringLiteral("db-migrate"),
                   {{"backoffLimit", 1}}, {{"argocd.argoproj.io/hook", "PreSync"}});
        const Json svc =
            object(QStringLiteral("v1"), QStringLiteral("Service"), QStringLiteral("legacy"));
        const Json sts1 = object(QStringLiteral("apps/v1"), QStringLiteral("StatefulSet"),
                                 QStringLiteral("db"), {{"volumeClaimTemplates", {{{"a", 1}}}}});
        const Json sts2 = object(QStringLiteral("apps/v1"), QStringLiteral("StatefulSet"),
                                 QStringLiteral("db"), {{"volumeClaimTemplates", {{{"a", 2}}}}});
        const Json then = manifests(
            {crdOld, svc, sts1,
             deployment(QStringLiteral("api"), QStringLiteral("api:1"), QStringLiteral("api"))});
        const Json current = manifests(
            {crdNew, pvc, hook, sts2,
             deployment(QStringLiteral("api"), QStringLiteral("api:2"), QStringLiteral("api-v2"))});
        const ManifestDelta d = RollbackRanker::compareManifests(then, current);
        QCOMPARE(d.count(), 6);
        QCOMPARE(d.removed, QStringList{QStringLiteral("Service legacy")});
        const QString all = d.risks.join(QLatin1Char('\n'));
        QVERIFY2(all.contains(QStringLiteral("a CRD changed since (widgets.example.com)")),
                 qPrintable(all));
        QVERIFY(all.contains(QStringLiteral("PersistentVolumeClaim data was created since")));
        QVERIFY(all.contains(QStringLiteral("Job db-migrate is a PreSync hook that was added "
                                            "since: rollback skips hooks")));
        QVERIFY(all.contains(QStringLiteral("StatefulSet db volumeClaimTemplates changed")));
        QVERIFY(all.contains(QStringLiteral("Deployment api selector changed since")));
        QVERIFY(all.contains(QStringLiteral("Service legacy was deleted since")));
        QCOMPARE(d.severe, 5);
        QCOMPARE(RollbackRanker::imagesIn(current), QStringList{QStringLiteral("api:2")});
    }

    void riskyCandidateLosesToCleanOne() {
        RankInput in;
        in.now = now;
        in.application = app({{1, QStringLiteral("a"), 60},
                              {2, QStringLiteral("b"), 40},
                              {3, QStringLiteral("c"), 1}},
                             QStringLiteral("Degraded"));
        const Json crd = object(QStringLiteral("apiextensions.k8s.io/v1"),
                                QStringLiteral("CustomResourceDefinition"),
                                QStringLiteral("widgets.example.com"));
        in.manifests.insert(QStringLiteral("a"),
                            manifests({deployment(QStringLiteral("x"), QStringLiteral("x:1"))}));
        in.manifests.insert(
            QStringLiteral("b"),
            manifests({deployment(QStringLiteral("x"), QStringLiteral("x:2")), crd}));
        in.manifests.insert(
            QStringLiteral("c"),
            manifests({deployment(QStringLiteral("x"), QStringLiteral("x:3")), crd}));
        in.outcomes = {outcome(1, 20), outcome(2, 20)};
        const RollbackRanking r = RollbackRanker().rank(in);
        QCOMPARE(r.candidates.first().id, 2);
        QVERIFY(anyContains(find(r, 1)->risks, QStringLiteral("CRD widgets.example.com was added "
                                                              "since")));
        QVERIFY(find(r, 2)->risks.isEmpty());
    }

    void markedBadIsDemoted() {
        RankInput in;
        in.now = now;
        in.application = app({{1, QStringLiteral("a"), 60},
                              {2, QStringLiteral("b"), 40},
                              {3, QStringLiteral("c"), 1}},
                             QStringLiteral("Healthy"));
        in.badRevisions.insert(QStringLiteral("b"), QStringLiteral("leaks memory (bob)"));
        const RollbackRanking r = RollbackRanker().rank(in);
        QCOMPARE(r.candidates.first().id, 1);
        QCOMPARE(find(r, 2)->reasons.first(), QStringLiteral("marked bad: leaks memory (bob)"));
    }

    void failedSyncThatLeftNoHistoryIsExplained() {
        RankInput in;
        in.now = now;
        in.application = app({{1, QStringLiteral("a"), 60}, {2, QStringLiteral("b"), 40}},
                             QStringLiteral("Healthy"));
        in.application["status"]["operationState"] = {
            {"phase", "Failed"}, {"syncResult", {{"revision", "c0ffee0000000000"}}}};
        const RollbackRanking r = RollbackRanker().rank(in);
        QVERIFY2(anyContains(r.notes, QStringLiteral("The last sync (to c0ffee0) failed and left "
                                                     "no history entry")),
                 qPrintable(r.notes.join(QLatin1Char('|'))));
        QCOMPARE(r.candidates.size(), 1);
    }

    void currentRevisionIsNeverACandidate() {
        RankInput in;
        in.now = now;
        // 3 is a rollback to 1's revision: neither 1 nor 3 can be a target.
        in.application = app({{1, QStringLiteral("a"), 60},
                              {2, QStringLiteral("b"), 40},
                              {3, QStringLiteral("a"), 1}},
                             QStringLiteral("Healthy"));
        const RollbackRanking r = RollbackRanker().rank(in);
        QCOMPARE(r.candidates.size(), 1);
        QCOMPARE(r.candidates.first().id, 2);

        in.application = app({{5, QStringLiteral("a"), 60}}, QStringLiteral("Healthy"));
        QVERIFY(RollbackRanker().rank(in).candidates.isEmpty());
        in.application = app({}, QStringLiteral("Healthy"));
        const RollbackRanking none = RollbackRanker().rank(in);
        QVERIFY(none.candidates.isEmpty());
        QVERIFY(anyContains(none.notes, QStringLiteral("no deployment history")));
    }

    void apiOnlyRankingSaysWhatItLacks() {
        RankInput in;
        in.now = now;
        in.application = app({{1, QStringLiteral("a"), 100},
                              {2, QStringLiteral("b"), 50},
                              {3, QStringLiteral("c"), 49},
                              {4, QStringLiteral("d"), 1}},
                             QStringLiteral("Healthy"), true);
        // 3 was replaced after 5 minutes: a hint that it was broken.
        in.application["status"]["history"][3]["deployedAt"] =
            iso(now.addSecs(-49 * 3600 + 300)).toStdString();
        const RollbackRanking r = RollbackRanker().rank(in);
        QVERIFY(!r.timelineUsed);
        QVERIFY(r.autoSync);
        QVERIFY(anyContains(r.notes, QStringLiteral("No local health timeline")));
        QVERIFY(anyContains(r.notes, QStringLiteral("Auto-sync is on")));
        QVERIFY(anyContains(find(r, 3)->reasons, QStringLiteral("replaced after 5 min")));
        QVERIFY(anyContains(find(r, 1)->reasons,
                            QStringLiteral("stayed deployed for 2 d before the next sync")));
        QVERIFY(anyContains(find(r, 1)->risks, QStringLiteral("manifests at this revision "
                                                              "unknown")));
        QCOMPARE(r.candidates.last().id, 3);
    }

    void jsonAndMarkdown() {
        RankInput in;
        in.now = now;
        in.application = app({{1, QStringLiteral("a"), 60}, {2, QStringLiteral("b"), 1}},
                             QStringLiteral("Degraded"));
        const RollbackRanking r = RollbackRanker().rank(in);
        const Json j = r.toJson();
        QCOMPARE(j["app"].get<std::string>(), std::string("argocd/checkout"));
        QCOMPARE(j["candidates"].size(), std::size_t(1));
        const Json& c = j["candidates"][0];
        for (const char* key : {"id", "revision", "deployedAt", "score", "reasons", "risks"})
            QVERIFY2(c.contains(key), key);
        QCOMPARE(c["id"].get<int>(), 1);
        QCOMPARE(c["deployedAt"].get<std::string>(), iso(now.addSecs(-60 * 3600)).toStdString());
        const QString md = r.toMarkdown();
        QVERIFY(md.contains(QStringLiteral("# Rollback candidates for argocd/checkout")));
        QVERIFY(md.contains(QStringLiteral("## 1. History 1")));
    }
};

QTEST_GUILESS_MAIN(TestRollbackRanker)
#include "tst_rollbackranker.moc"
