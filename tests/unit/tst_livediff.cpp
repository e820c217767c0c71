// What a rollback would change on the cluster: a candidate's manifests against the live state of
// the managed resources, with apply semantics (services/gitops/livediff).

#include "gitops/livediff.h"

#include <QTest>

using namespace sextant;
using namespace sextant::gitops;
using Json = nlohmann::json;

namespace {

Json deployment(const std::string& image, bool newFlag, bool live) {
    Json container = {{"name", "web"}, {"image", image}};
    Json env = Json::array({Json{{"name", "LOG_LEVEL"}, {"value", "info"}}});
    if (newFlag)
        env.push_back(Json{{"name", "NEW_FLAG"}, {"value", "on"}});
    container["env"] = env;
    if (live) {
        // Defaults the API server fills in: applying a manifest without them leaves them.
        container["terminationMessagePath"] = "/dev/termination-log";
        container["imagePullPolicy"] = "IfNotPresent";
    }
    Json d = {{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", "web"}}},
              {"spec",
               {{"replicas", 3},
                {"selector", {{"matchLabels", {{"app", "web"}}}}},
                {"template",
                 {{"metadata", {{"labels", {{"app", "web"}}}}},
                  {"spec", {{"containers", Json::array({container})}}}}}}}};
    if (live) {
        d["metadata"]["namespace"] = "shop";
        d["metadata"]["uid"] = "5f0c";
        d["metadata"]["resourceVersion"] = "81234";
        d["spec"]["template"]["spec"]["dnsPolicy"] = "ClusterFirst";
        d["status"] = {{"readyReplicas", 3}};
    }
    return d;
}

Json configMap(const std::string& level) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", "web-config"}, {"namespace", "shop"}}},
            {"data", {{"level", level}}}};
}

Json secret(const std::string& password) {
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", {{"name", "web-db"}, {"namespace", "shop"}}},
            {"data", {{"password", password}}}};
}

Json item(const std::string& group, const std::string& kind, const std::string& name,
          const Json& liveState, const Json& targetState) {
    return {{"group", group},
            {"kind", kind},
            {"namespace", "shop"},
            {"name", name},
            {"liveState", liveState.is_null() ? std::string("null") : liveState.dump()},
            {"targetState", targetState.is_null() ? std::string("null") : targetState.dump()}};
}

const LiveObjectChange* find(const LiveDiff& d, const QString& kind) {
    for (const LiveObjectChange& o : d.objects)
        if (o.kind == kind)
            return &o;
    return nullptr;
}

} // namespace

class TestLiveDiff : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void applySemantics() {
        const Json cronjob = {{"apiVersion", "batch/v1"},
                              {"kind", "CronJob"},
                              {"metadata", {{"name", "cleanup"}, {"namespace", "shop"}}},
                              {"spec", {{"schedule", "0 * * * *"}}}};
        const Json service = {{"apiVersion", "v1"},
                              {"kind", "Service"},
                              {"metadata", {{"name", "web"}}},
                              {"spec", {{"ports", Json::array({Json{{"port", 80}}})}}}};
        const Json managed = {
            {"items",
             Json::array({item("apps", "Deployment", "web", deployment("web:2.0", true, true),
                               deployment("web:2.0", true, false)),
                          item("", "ConfigMap", "web-config", configMap("info"), configMap("info")),
                          item("", "Secret", "web-db", secret("bmV3"), secret("bmV3")),
                          item("batch", "CronJob", "cleanup", cronjob, cronjob)})}};
        // The candidate: the old image, no NEW_FLAG, the same ConfigMap, an old password, a
        // Service that the current revision removed, and no CronJob (added since).
        const Json candidate = {
            {"manifests",
             Json::array({deployment("web:1.0", false, false).dump(), configMap("info").dump(),
                          secret("b2xk").dump(), service.dump()})}};
        const LiveDiff d = compareWithLive(candidate, managed, QStringLiteral("shop"));
        QCOMPARE(d.liveObjects, 4);
        QCOMPARE(d.unchanged, 1); // the ConfigMap

        const LiveObjectChange* dep = find(d, QStringLiteral("Deployment"));
        QVERIFY(dep);
        QCOMPARE(dep->change, LiveObjectChange::Change::Changed);
        QCOMPARE(dep->displayName(), QStringLiteral("Deployment shop/web"));
        QStringList paths;
        for (const FieldChange& f : dep->fields)
            paths << fieldChangeKindName(f.kind) + QLatin1Char(' ') + f.path + QLatin1Char(' ') +
                         f.before + QStringLiteral("→") + f.after;
        // The image goes back, the env var the current revision added goes away; the defaults
        // (terminationMessagePath, imagePullPolicy, dnsPolicy) and the namespace are left alone.
        QCOMPARE(paths.size(), 2);
        QVERIFY2(paths.filter(QStringLiteral("image web:2.0→web:1.0")).size() == 1,
                 qPrintable(paths.join(u'\n')));
        QVERIFY2(
            paths.filter(QStringLiteral("removed")).filter(QStringLiteral("NEW_FLAG")).size() == 1,
            qPrintable(paths.join(u'\n')));

        const LiveObjectChange* sec = find(d, QStringLiteral("Secret"));
        QVERIFY(sec);
        QCOMPARE(sec->change, LiveObjectChange::Change::Changed);
        for (const FieldChange& f : sec->fields) {
            QVERIFY(!f.before.contains(QStringLiteral("bmV3")));
            QVERIFY(!f.after.contains(QStringLiteral("b2xk")));
        }

        const LiveObjectChange* svc = find(d, QStringLiteral("Service"));
        QVERIFY(svc);
        QCOMPARE(svc->change, LiveObjectChange::Change::Created);
        QCOMPARE(svc->ns, QStringLiteral("shop")); // the application's namespace

        const LiveObjectChange* cj = find(d, QStringLiteral("CronJob"));
        QVERIFY(cj);
        QCOMPARE(cj->change, LiveObjectChange::Change::LeftInPlace);
        // Order: changed, created, left in place.
        QCOMPARE(d.objects.last().kind, QStringLiteral("CronJob"));
        QCOMPARE(d.objects.first().change, LiveObjectChange::Change::Changed);
    }

    void sameAsLiveIsNothing() {
        const Json managed = {{"items", Json::array({item("apps", "Deployment", "web",
                                                          deployment("web:2.0", true, true),
                                                          deployment("web:2.0", true, false))})}};
        const Json candidate = {
            {"manifests", Json::array({deployment("web:2.0", true, false).dump()})}};
        const LiveDiff d = compareWithLive(candidate, managed);
        QVERIFY(d.objects.isEmpty());
        QCOMPARE(d.unchanged, 1);
        QVERIFY(d.notes.isEmpty());
    }

    void badStatesAreNotes() {
        Json broken = item("apps", "Deployment", "web", Json(), Json());
        broken["liveState"] = "{not json";
        const Json managed = {{"items", Json::array({broken, item("", "ConfigMap", "gone", Json(),
                                                                  configMap("x"))})}};
        const LiveDiff d = compareWithLive(Json{{"manifests", "not a list"}}, managed);
        QCOMPARE(d.liveObjects, 0);
        QVERIFY(d.objects.isEmpty());
        QVERIFY2(d.notes.filter(QStringLiteral("could not be read")).size() == 1,
                 qPrintable(d.notes.join(u'\n')));
        QVERIFY(d.notes.filter(QStringLiteral("ConfigMap gone has no live state")).size() == 1);
        // Garbage in the answers themselves: nothing, no crash.
        QVERIFY(compareWithLive(Json("x"), Json(42)).objects.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestLiveDiff)
#include "tst_livediff.moc"
