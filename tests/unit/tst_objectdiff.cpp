// Object-level diff of two renders and its plain-word summary (services/gitops).

#include "gitops/changesummary.h"
#include "gitops/imageref.h"
#include "gitops/objectdiff.h"

#include <QTest>

using namespace sextant;
using namespace sextant::gitops;

namespace {

std::vector<policy::KubeObject> parse(const QByteArray& yaml) {
    auto r = policy::parseManifests(yaml, QStringLiteral("test.yaml"));
    if (!r) {
        qWarning("%s", qPrintable(r.error().toString()));
        return {};
    }
    return *r;
}

QByteArray deployment(const QByteArray& name, const QByteArray& image, int replicas = 2,
                      const QByteArray& ns = "shop", const QByteArray& extraMeta = {}) {
    return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
           "\n  namespace: " + ns + "\n" + extraMeta +
           "spec:\n  replicas: " + QByteArray::number(replicas) +
           "\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n"
           "      labels: {app: web}\n    spec:\n      containers:\n      - name: sidecar\n"
           "        image: envoy:1.0\n      - name: web\n        image: " +
           image +
           "\n        env:\n        - name: A\n          value: '1'\n        - name: B\n"
           "          value: '2'\n";
}

const FieldChange* field(const ObjectChange& c, const QString& path) {
    for (const FieldChange& f : c.fields) {
        if (f.path == path)
            return &f;
    }
    return nullptr;
}

AppChanges app(const QString& name, const QString& cluster, std::vector<ObjectChange> changes) {
    AppChanges a;
    a.app.app = name;
    a.app.cluster = cluster;
    a.changes = std::move(changes);
    return a;
}

} // namespace

class TestObjectDiff : public QObject {
    Q_OBJECT

private slots:
    void identicalRendersHaveNoChange() {
        const auto objects = parse(deployment("web", "shop/web:1.4.2"));
        QVERIFY(diffObjects(objects, objects).empty());
    }

    void containersAreMatchedByName() {
        // The containers swap places and one image changes: one field change, keyed by name.
        QByteArray head = deployment("web", "shop/web:1.5.0");
        const int sidecar = head.indexOf("      - name: sidecar");
        const int web = head.indexOf("      - name: web");
        const QByteArray sidecarBlock = head.mid(sidecar, web - sidecar);
        head.remove(sidecar, web - sidecar);
        head.append(sidecarBlock);
        const auto changes = diffObjects(parse(deployment("web", "shop/web:1.4.2")), parse(head));
        QCOMPARE(changes.size(), std::size_t(1));
        QCOMPARE(changes[0].change, ObjectChange::Changed);
        QCOMPARE(changes[0].fields.size(), std::size_t(1));
        const FieldChange& f = changes[0].fields[0];
        QCOMPARE(f.path, QStringLiteral("spec.template.spec.containers[web].image"));
        QCOMPARE(f.before, QStringLiteral("shop/web:1.4.2"));
        QCOMPARE(f.after, QStringLiteral("shop/web:1.5.0"));
    }

    void envByNameAndListsByIndex() {
        QByteArray head = deployment("web", "x:1", 3);
        head.replace("value: '2'", "value: '3'");
        head += "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n"
                "  name: r\n  namespace: shop\nrules:\n- apiGroups: ['']\n  verbs: [get, list]\n";
        QByteArray base = deployment("web", "x:1", 2);
        base += "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n"
                "  name: r\n  namespace: shop\nrules:\n- apiGroups: ['']\n  verbs: [get]\n";
        const auto changes = diffObjects(parse(base), parse(head));
        QCOMPARE(changes.size(), std::size_t(2));
        const ObjectChange& d = changes[0];
        QCOMPARE(d.kind, QStringLiteral("Deployment"));
        QVERIFY(field(d, QStringLiteral("spec.replicas")));
        QCOMPARE(field(d, QStringLiteral("spec.replicas"))->after, QStringLiteral("3"));
        QVERIFY(field(d, QStringLiteral("spec.template.spec.containers[web].env[B].value")));
        const ObjectChange& r = changes[1];
        QCOMPARE(r.kind, QStringLiteral("Role"));
        const FieldChange* verbs = field(r, QStringLiteral("rules[0].verbs"));
        QVERIFY(verbs);
        QCOMPARE(verbs->before, QStringLiteral("[get]"));
        QCOMPARE(verbs->after, QStringLiteral("[get, list]"));
    }

    void noiseIsIgnored() {
        const QByteArray noisy =
            "  uid: 1234\n  resourceVersion: '99'\n  generation: 4\n"
            "  creationTimestamp: '2024-01-01T00:00:00Z'\n  annotations:\n"
            "    kubectl.kubernetes.io/last-applied-configuration: '{}'\n"
            "    deployment.kubernetes.io/revision: '7'\n  managedFields:\n  - manager: x\n";
        QByteArray head = deployment("web", "x:1", 2, "shop", noisy);
        head += "status:\n  readyReplicas: 2\n";
        head.replace(
            "      labels: {app: web}\n",
            "      labels: {app: web}\n      annotations:\n        checksum/config: abc\n");
        QVERIFY(diffObjects(parse(deployment("web", "x:1")), parse(head)).empty());
        QVERIFY(isNoisePath(QStringLiteral("status")));
        QVERIFY(isNoisePath(QStringLiteral("metadata.managedFields")));
        QVERIFY(
            isNoisePath(QStringLiteral("spec.template.metadata.annotations[\"checksum/config\"]")));
        QVERIFY(!isNoisePath(QStringLiteral("spec.replicas")));
        QVERIFY(
            !isNoisePath(QStringLiteral("metadata.annotations[\"argocd.argoproj.io/sync-wave\"]")));
    }

    void annotationPathsAreQuoted() {
        const QByteArray meta = "  annotations:\n    argocd.argoproj.io/sync-wave: '1'\n";
        const QByteArray meta2 = "  annotations:\n    argocd.argoproj.io/sync-wave: '2'\n";
        const auto changes = diffObjects(parse(deployment("web", "x:1", 2, "shop", meta)),
                                         parse(deployment("web", "x:1", 2, "shop", meta2)));
        QCOMPARE(changes.size(), std::size_t(1));
        QVERIFY(field(changes[0],
                      QStringLiteral("metadata.annotations[\"argocd.argoproj.io/sync-wave\"]")));
    }

    void addedAndRemovedObjects() {
        const QByteArray cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cleanup\n"
                                "  namespace: shop\nspec:\n  schedule: '0 * * * *'\n";
        const QByteArray svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
                               "  namespace: shop\nspec:\n  ports:\n  - port: 80\n";
        const auto changes = diffObjects(parse(deployment("web", "x:1") + "---\n" + cron),
                                         parse(deployment("web", "x:1") + "---\n" + svc));
        QCOMPARE(changes.size(), std::size_t(2));
        QCOMPARE(changes[0].kind, QStringLiteral("CronJob"));
        QCOMPARE(changes[0].change, ObjectChange::Removed);
        QVERIFY(changes[0].before && !changes[0].after);
        QCOMPARE(changes[1].kind, QStringLiteral("Service"));
        QCOMPARE(changes[1].change, ObjectChange::Added);
    }

    void namePrefixChangeIsARename() {
        const QByteArray cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\n"
                              "  namespace: shop\ndata:\n  a: '1'\n  b: '2'\n  c: '3'\n  d: '4'\n"
                              "  e: '5'\n";
        QByteArray base = cm, head = cm;
        base.replace("NAME", "dev-web-config");
        head.replace("NAME", "staging-web-config");
        const auto changes = diffObjects(parse(base), parse(head));
        QCOMPARE(changes.size(), std::size_t(1));
        QCOMPARE(changes[0].change, ObjectChange::Renamed);
        QCOMPARE(changes[0].oldName, QStringLiteral("dev-web-config"));
        QCOMPARE(changes[0].name, QStringLiteral("staging-web-config"));
        QVERIFY(changes[0].fields.empty());

        // Content that differs too much is a deletion and a creation, not a rename.
        QByteArray other = cm;
        other.replace("NAME", "other");
        other.replace("'1'", "'x'").replace("'2'", "'y'").replace("'3'", "'z'");
        const auto unrelated = diffObjects(parse(base), parse(other));
        QCOMPARE(unrelated.size(), std::size_t(2));
    }

    void kustomizeHashSuffixIsARename() {
        const QByteArray base = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                "  name: web-config-7d8h9c2g5k\n  namespace: shop\n"
                                "data:\n  LOG_LEVEL: info\n";
        const QByteArray head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                "  name: web-config-b5t4f6m2c9\n  namespace: shop\n"
                                "data:\n  LOG_LEVEL: debug\n";
        const auto changes = diffObjects(parse(base), parse(head));
        QCOMPARE(changes.size(), std::size_t(1));
        QCOMPARE(changes[0].change, ObjectChange::Renamed);
        QCOMPARE(changes[0].fields.size(), std::size_t(1));
        QCOMPARE(changes[0].fields[0].path, QStringLiteral("data.LOG_LEVEL"));
    }

    void namespaceMoveIsARename() {
        const auto changes = diffObjects(parse(deployment("web", "x:1", 2, "shop")),
                                         parse(deployment("web", "x:1", 2, "store")));
        QCOMPARE(changes.size(), std::size_t(1));
        QCOMPARE(changes[0].change, ObjectChange::Renamed);
        QCOMPARE(changes[0].oldNs, QStringLiteral("shop"));
        QCOMPARE(changes[0].ns, QStringLiteral("store"));
    }

    void secretValuesAreNeverShown() {
        const QByteArray base = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
                                "  namespace: shop\ndata:\n  password: c2VjcmV0LW9sZA==\n"
                                "  user: YWRtaW4=\n";
        const QByteArray head = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
                                "  namespace: shop\ndata:\n  password: c2VjcmV0LW5ldw==\n"
                                "  user: YWRtaW4=\nstringData:\n  token: hunter2\n";
        const auto changes = diffObjects(parse(base), parse(head));
        QCOMPARE(changes.size(), std::size_t(1));
        const ObjectChange& c = changes[0];
        QVERIFY(c.isSecret());
        QCOMPARE(c.fields.size(), std::size_t(2));
        QVERIFY(field(c, QStringLiteral("data.password")));
        QVERIFY(field(c, QStringLiteral("stringData.token")));
        QCOMPARE(field(c, QStringLiteral("stringData.token"))->kind, FieldChange::Kind::Added);
        const QString diff = objectDiffLines(c).join(QLatin1Char('\n'));
        for (const char* secret : {"c2VjcmV0LW9sZA==", "c2VjcmV0LW5ldw==", "YWRtaW4=", "hunter2"}) {
            QVERIFY2(!diff.contains(QLatin1String(secret)), qPrintable(diff));
            for (const FieldChange& f : c.fields)
                QVERIFY(!f.before.contains(QLatin1String(secret)) &&
                        !f.after.contains(QLatin1String(secret)));
        }
        QVERIFY(diff.contains(QStringLiteral("+  password: (redacted, changed)")));
        QVERIFY(diff.contains(QStringLiteral("-  password: (redacted)")));

        // An added Secret: key names only.
        const auto added = diffObjects({}, parse(head));
        QCOMPARE(added[0].change, ObjectChange::Added);
        QCOMPARE(added[0].fields.size(), std::size_t(3));
        const QString addedDiff = objectDiffLines(added[0]).join(QLatin1Char('\n'));
        QVERIFY(!addedDiff.contains(QStringLiteral("hunter2")));
        QVERIFY(addedDiff.contains(QStringLiteral("+  token: (redacted")));
    }

    // "changed" only where base and head both have the key with different values: an added or
    // removed Secret has every key "(redacted)", an unchanged key of a changed Secret too.
    void secretChangedOnlyWhereTheValueDiffers() {
        const QByteArray base = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
                                "  namespace: shop\ndata:\n  password: c2VjcmV0LW9sZA==\n"
                                "  user: YWRtaW4=\n";
        const QByteArray head = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
                                "  namespace: shop\ndata:\n  password: c2VjcmV0LW5ldw==\n"
                                "  user: YWRtaW4=\n  extra: eA==\nstringData:\n  token: hunter2\n";
        const auto added = diffObjects({}, parse(head));
        QCOMPARE(added[0].change, ObjectChange::Added);
        const QStringList addedLines = objectDiffLines(added[0]);
        for (const char* line : {"+  password: (redacted)", "+  user: (redacted)",
                                 "+  extra: (redacted)", "+  token: (redacted)"})
            QVERIFY2(addedLines.contains(QLatin1String(line)), line);
        QVERIFY2(
            !addedLines.join(QLatin1Char('\n')).contains(QStringLiteral("(redacted, changed)")),
            qPrintable(addedLines.join(QLatin1Char('\n'))));

        const auto removed = diffObjects(parse(base), {});
        QCOMPARE(removed[0].change, ObjectChange::Removed);
        const QStringList removedLines = objectDiffLines(removed[0]);
        QVERIFY(removedLines.contains(QStringLiteral("-  password: (redacted)")));
        QVERIFY(removedLines.contains(QStringLiteral("-  user: (redacted)")));
        QVERIFY(
            !removedLines.join(QLatin1Char('\n')).contains(QStringLiteral("(redacted, changed)")));

        const auto changed = diffObjects(parse(base), parse(head));
        QCOMPARE(changed[0].change, ObjectChange::Changed);
        const QStringList lines = objectDiffLines(changed[0]);
        QVERIFY(lines.contains(QStringLiteral("-  password: (redacted)")));
        QVERIFY(lines.contains(QStringLiteral("+  password: (redacted, changed)")));
        QVERIFY(lines.contains(QStringLiteral("   user: (redacted)"))); // context, unchanged
        QVERIFY(lines.contains(QStringLiteral("+  extra: (redacted, changed)"))); // new key
        QVERIFY(lines.contains(QStringLiteral("+  token: (redacted, changed)")));

        // A Secret renamed with its values unchanged: nothing "changed".
        QByteArray renamedHead = base;
        renamedHead.replace("name: db\n", "name: db-v2\n");
        const auto renamed = diffObjects(parse(base), parse(renamedHead));
        QCOMPARE(renamed.size(), std::size_t(1));
        QCOMPARE(renamed[0].change, ObjectChange::Renamed);
        const QString renamedDiff = objectDiffLines(renamed[0]).join(QLatin1Char('\n'));
        QVERIFY2(!renamedDiff.contains(QStringLiteral("(redacted, changed)")),
                 qPrintable(renamedDiff));
    }

    void diffLinesShowTheChange() {
        const auto changes = diffObjects(parse(deployment("web", "shop/web:1.4.2")),
                                         parse(deployment("web", "shop/web:1.5.0")));
        const QStringList lines = objectDiffLines(changes[0], 1);
        QVERIFY(lines.contains(QStringLiteral("-        image: shop/web:1.4.2")));
        QVERIFY(lines.contains(QStringLiteral("+        image: shop/web:1.5.0")));
        QVERIFY(lines.contains(QStringLiteral("       - name: web")));
        QVERIFY(!lines.join(QString()).contains(QStringLiteral("sidecar"))); // outside context
    }

    void summaryGroupsIdenticalChanges() {
        const auto image = diffObjects(parse(deployment("web", "shop/web:1.4.2")),
                                       parse(deployment("web", "shop/web:1.5.0")));
        const auto imageWorker = diffObjects(parse(deployment("worker", "shop/web:1.4.2")),
                                             parse(deployment("worker", "shop/web:1.5.0")));
        const auto replicas =
            diffObjects(parse(deployment("web", "x:1", 2)), parse(deployment("web", "x:1", 4)));
        const QByteArray cmBase = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n"
                                  "  namespace: shop\ndata:\n  A: '1'\n";
        const QByteArray cmHead = cmBase + "  LOG_LEVEL: debug\n";
        const QByteArray cron = "---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n"
                                "  name: cleanup\n  namespace: shop\nspec: {schedule: x}\n";
        const QByteArray svc = "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n"
                               "  namespace: shop\n---\napiVersion: v1\nkind: Service\n"
                               "metadata:\n  name: b\n  namespace: shop\n";
        const auto other = diffObjects(parse(cmBase + cron), parse(cmHead + svc));
        std::vector<AppChanges> apps;
        apps.push_back(app(QStringLiteral("shop-dev"), QStringLiteral("dev-eu"), image));
        apps.push_back(app(QStringLiteral("shop-prod"), QStringLiteral("prod-eu"), image));
        apps.push_back(app(QStringLiteral("worker-prod"), QStringLiteral("prod-eu"), imageWorker));
        apps.push_back(app(QStringLiteral("shop-prod-2"), QStringLiteral("prod-eu"), replicas));
        apps.push_back(app(QStringLiteral("shop-prod-3"), QStringLiteral("prod-eu"), other));
        const QStringList lines = summarizeChanges(apps);
        QCOMPARE(lines.value(0),
                 QStringLiteral("image web 1.4.2 → 1.5.0 in 3 Deployments on 2 clusters"));
        QCOMPARE(lines.value(1),
                 QStringLiteral("replicas 2 → 4 in Deployment shop/web on prod-eu"));
        QVERIFY2(
            lines.contains(QStringLiteral("ConfigMap shop/web-config: LOG_LEVEL added on prod-eu")),
            qPrintable(lines.join(QLatin1Char('\n'))));
        QCOMPARE(lines.last(), QStringLiteral("2 objects added (Service shop/a, Service shop/b), "
                                              "1 removed (CronJob shop/cleanup)"));
        // Per application: no cluster names.
        QCOMPARE(summarizeAppChanges(apps[3]),
                 QStringList{QStringLiteral("replicas 2 → 4 in Deployment shop/web")});
    }

    void summaryIsCapped() {
        std::vector<ObjectChange> many;
        for (int i = 0; i < 50; ++i) {
            const auto c =
                diffObjects(parse(deployment("web" + QByteArray::number(i), "x:1", 2)),
                            parse(deployment("web" + QByteArray::number(i), "x:1", 3 + i)));
            many.insert(many.end(), c.begin(), c.end());
        }
        SummaryOptions options;
        options.maxLines = 10;
        const QStringList lines = summarizeChanges({app(QStringLiteral("a"), {}, many)}, options);
        QCOMPARE(lines.size(), 10);
        QCOMPARE(lines.last(), QStringLiteral("… and 41 more field changes"));
    }

    void imageReferences() {
        QCOMPARE(parseImageRef(QStringLiteral("registry:5000/org/web:1.2")).repository,
                 QStringLiteral("registry:5000/org/web"));
        QCOMPARE(parseImageRef(QStringLiteral("registry:5000/org/web")).tag, QString());
        QCOMPARE(parseImageRef(QStringLiteral("web@sha256:abc")).version(),
                 QStringLiteral("@sha256:abc"));
        QCOMPARE(parseImageRef(QStringLiteral("web:1.0@sha256:abc")).version(),
                 QStringLiteral("1.0@sha256:abc"));
        QCOMPARE(parseImageRef(QStringLiteral("web:1.0@sha256:abc")).toString(),
                 QStringLiteral("web:1.0@sha256:abc"));
    }
};

QTEST_GUILESS_MAIN(TestObjectDiff)
#include "tst_objectdiff.moc"
