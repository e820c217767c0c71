// Pre-approved runbooks (services/incident/runbooks.h): the format's errors with file:line, the
// `when` matching, and proposals — scale within bounds (refused outside), set-value from the
// allowed set — as exact edits that keep comments, with the diff and the pull request text.
// The demo's shop/checkout repository and small trees in memory.

#include "gitops/demorepos.h"
#include "gitops/yamledit.h"
#include "incident/runbooks.h"

#include <QTest>

using namespace sextant;
using namespace sextant::incident;

namespace {

template <typename T>
QByteArray why(const Result<T>& r) {
    return r.ok() ? QByteArray() : r.error().toString().toUtf8();
}

const QString kDemoRoot = QStringLiteral(SEXTANT_TEST_DATA_DIR "/../../resources/demo-gitops");

gitops::MemoryTree checkoutRepo() {
    auto repos = gitops::demoRepositories(kDemoRoot);
    if (!repos.ok())
        qFatal("demo repositories: %s", why(repos).constData());
    const gitops::DemoRepo* r =
        gitops::findDemoRepo(*repos, QStringLiteral("https://git.example.com/shop/checkout.git"));
    if (!r)
        qFatal("no shop/checkout demo repository");
    return r->tree;
}

const QByteArray kScale = R"(# Scale checkout when its pods cannot keep up.
id: checkout-scale-up
title: Scale checkout up
description: Add replicas to absorb load while the cause is found.
when:
  alertname: [KubePodCrashLooping, KubeDeploymentReplicasMismatch]
  labels:
    namespace: shop
    severity: warning|critical
  apps: [shop-checkout]
action:
  type: scale
  kind: Deployment
  name: checkout
  replicas: 4
  min: 2
  max: 6
owners: [team-shop]
approvers: [ana.lopez, ben.okafor]
)";

metrics::Alert alert(const QString& name = QStringLiteral("KubeDeploymentReplicasMismatch")) {
    metrics::Alert a;
    a.labels = {{"alertname", name},
                {"namespace", "shop"},
                {"deployment", "checkout"},
                {"cluster", "prod-eu-shop"},
                {"severity", "warning"}};
    a.annotations.insert("summary", "Deployment shop/checkout has not matched the expected "
                                    "number of replicas.");
    a.fingerprint = "0a1b2c3d4e5f6789";
    a.startsAt = QDateTime(QDate(2026, 3, 10), QTime(10, 0), Qt::UTC);
    return a;
}

argocd::AppSummary checkoutApp() {
    argocd::AppSummary a;
    a.instance = "prod-eu";
    a.appNamespace = "argocd";
    a.name = "shop-checkout";
    a.destName = "prod-eu-shop";
    a.destNamespace = "shop";
    a.repoURL = "https://git.example.com/shop/checkout.git";
    a.path = "deploy/overlays/prod";
    return a;
}

Runbook one(const QByteArray& yaml) {
    const RunbookSet s = parseRunbooks(yaml, ".sextant/runbooks/test.yaml");
    if (s.runbooks.size() != 1)
        qFatal("runbook did not parse: %s", qPrintable(s.errors.join('\n')));
    return s.runbooks.first();
}

} // namespace

class TestRunbooks : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesTheDocumentedExample() {
        const Runbook r = one(kScale);
        QCOMPARE(r.id, QString("checkout-scale-up"));
        QCOMPARE(r.line, 2);
        QCOMPARE(r.alertNames,
                 (QStringList{"KubePodCrashLooping", "KubeDeploymentReplicasMismatch"}));
        QCOMPARE(r.labelRegex.value("severity"), QString("warning|critical"));
        QCOMPARE(r.apps, QStringList{"shop-checkout"});
        QVERIFY(r.action == Runbook::Action::Scale);
        QCOMPARE(r.replicas, 4);
        QCOMPARE(r.minReplicas, 2);
        QCOMPARE(r.maxReplicas, 6);
        QCOMPARE(r.approvers, (QStringList{"ana.lopez", "ben.okafor"}));
        QCOMPARE(r.actionText(), QString("scale Deployment checkout to 4 (allowed 2 to 6)"));
    }

    void formatErrorsNameFileAndLine_data() {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("error");
        QTest::newRow("syntax") << QByteArray("id: x\nwhen: [unclosed\n") << "r.yaml: ";
        QTest::newRow("missing id")
            << QByteArray("title: T\nwhen: {alertname: A}\naction: {type: scale, name: web, "
                          "replicas: 2, min: 1, max: 3}\n")
            << "r.yaml:1: id is missing";
        QTest::newRow("bad id") << QByteArray("id: Scale_Up\ntitle: T\nwhen: {alertname: A}\n"
                                              "action: {type: scale, name: web, replicas: 2, "
                                              "min: 1, max: 3}\n")
                                << "r.yaml:1: id \"Scale_Up\" must be lower-case";
        QTest::newRow("no when") << QByteArray("id: a\ntitle: T\naction:\n  type: scale\n  name: "
                                               "web\n  replicas: 2\n  min: 1\n  max: 3\n")
                                 << "r.yaml:1: when is missing";
        QTest::newRow("empty when") << QByteArray("id: a\ntitle: T\nwhen:\n  apps: []\naction:\n"
                                                  "  type: scale\n  name: web\n  replicas: 2\n"
                                                  "  min: 1\n  max: 3\n")
                                    << "r.yaml:3: when names no alertname, label or application";
        QTest::newRow("unknown type")
            << QByteArray("id: a\ntitle: T\nwhen: {alertname: A}\naction:\n  type: restart\n")
            << "r.yaml:5: action.type \"restart\" is not scale or set-value";
        QTest::newRow("replicas outside bounds")
            << QByteArray("id: a\ntitle: T\nwhen: {alertname: A}\naction:\n  type: scale\n"
                          "  name: web\n  replicas: 9\n  min: 1\n  max: 3\n")
            << "r.yaml:7: action.replicas (9) is outside min..max (1..3)";
        QTest::newRow("min above max")
            << QByteArray("id: a\ntitle: T\nwhen: {alertname: A}\naction:\n  type: scale\n"
                          "  name: web\n  replicas: 2\n  min: 5\n  max: 3\n")
            << "r.yaml:8: action.min (5) is above action.max (3)";
        QTest::newRow("not a number")
            << QByteArray("id: a\ntitle: T\nwhen: {alertname: A}\naction:\n  type: scale\n"
                          "  name: web\n  replicas: lots\n  min: 1\n  max: 3\n")
            << "r.yaml:7: action.replicas must be a whole number from 0 to 1000, not \"lots\"";
        QTest::newRow("typo key")
            << QByteArray("id: a\ntitle: T\nwhen: {alertname: A}\naction:\n  type: scale\n"
                          "  name: web\n  replicas: 2\n  min: 1\n  max: 3\n  maximum: 9\n")
            << "r.yaml:10: unknown key \"maximum\" in a scale action";
        QTest::newRow("bad regex")
            << QByteArray("id: a\ntitle: T\nwhen:\n  labels:\n    namespace: \"shop(\"\n"
                          "action: {type: scale, name: web, replicas: 2, min: 1, max: 3}\n")
            << "r.yaml:5: when.labels.namespace: \"shop(\" is not a valid regular expression";
        QTest::newRow("value not allowed")
            << QByteArray(
                   "id: a\ntitle: T\nwhen: {alertname: A}\naction:\n  type: set-value\n"
                   "  file: values.yaml\n  path: canary.weight\n  allowed: [\"0\", \"100\"]\n"
                   "  value: \"50\"\n")
            << "r.yaml:9: action.value 50 is not one of action.allowed (0, 100)";
        QTest::newRow("set-value without file")
            << QByteArray("id: a\ntitle: T\nwhen: {alertname: A}\naction:\n  type: set-value\n"
                          "  path: canary.weight\n  allowed: [\"0\"]\n")
            << "r.yaml:5: action.file is missing";
    }

    void formatErrorsNameFileAndLine() {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, error);
        const RunbookSet s = parseRunbooks(yaml, "r.yaml");
        QVERIFY(s.runbooks.isEmpty());
        QVERIFY(!s.errors.isEmpty());
        QVERIFY2(s.errors.first().startsWith(error), qPrintable(s.errors.join('\n')));
    }

    void loadsFromTheRepositoryWithDuplicatesReported() {
        gitops::MemoryTree tree;
        tree.put(".sextant/runbooks/checkout.yaml", kScale);
        tree.put(".sextant/runbooks/more.yml",
                 "id: checkout-scale-up\ntitle: Again\nwhen: {alertname: A}\n"
                 "action: {type: scale, name: web, replicas: 2, min: 1, max: 3}\n---\n"
                 "id: web-scale\ntitle: Web\nwhen: {alertname: A}\n"
                 "action: {type: scale, name: web, replicas: 2, min: 1, max: 3}\n");
        tree.put(".sextant/runbooks/README.md", "not a runbook");
        tree.put("deploy/other.yaml", "id: ignored\n");
        const RunbookSet s = loadRunbooks(tree);
        QCOMPARE(s.runbooks.size(), 2);
        QCOMPARE(s.runbooks[0].id, QString("checkout-scale-up"));
        QCOMPARE(s.runbooks[1].id, QString("web-scale"));
        QCOMPARE(s.runbooks[1].line, 6);
        QCOMPARE(s.errors,
                 QStringList{".sextant/runbooks/more.yml:1: id checkout-scale-up is already used "
                             "at .sextant/runbooks/checkout.yaml:2"});
    }

    void whenMatching() {
        const Runbook r = one(kScale);
        QString reason;
        QVERIFY(runbookMatches(r, alert(), checkoutApp(), &reason));
        QCOMPARE(reason, QString("applies: alertname KubeDeploymentReplicasMismatch, "
                                 "namespace=shop, severity=warning, application shop-checkout"));
        QVERIFY(!runbookMatches(r, alert("HighErrorRate"), checkoutApp(), &reason));
        QVERIFY(reason.startsWith("alert HighErrorRate is not one of"));
        metrics::Alert info = alert();
        info.labels["severity"] = "info";
        QVERIFY(!runbookMatches(r, info, checkoutApp(), &reason));
        QCOMPARE(reason, QString("label severity=\"info\" does not match warning|critical"));
        metrics::Alert shopping = alert();
        shopping.labels["namespace"] = "shopping"; // patterns are anchored
        QVERIFY(!runbookMatches(r, shopping, checkoutApp()));
        argocd::AppSummary web = checkoutApp();
        web.name = "shop-web";
        QVERIFY(!runbookMatches(r, alert(), web, &reason));
        Runbook wild = r;
        wild.apps = {"shop-*"};
        QVERIFY(runbookMatches(wild, alert(), web));
        QCOMPARE(matchingRunbooks({r, wild}, alert(), web).size(), 1);
    }

    void scaleFindsTheFileLikeACorrectiveCommit() {
        const gitops::MemoryTree tree = checkoutRepo();
        auto p = proposeRunbook(one(kScale), alert(), checkoutApp(), tree);
        QVERIFY2(p.ok(), why(p).constData());
        QCOMPARE(p->edits.size(), size_t(1));
        const gitops::DraftEdit& e = p->edits.front();
        QCOMPARE(e.path, QString("deploy/base/deployment.yaml"));
        // Only the replica line changes; comments and the rest stay byte for byte.
        QVERIFY(e.before.contains("  replicas: 2\n"));
        QCOMPARE(QByteArray(e.after).replace("  replicas: 4\n", "  replicas: 2\n"), e.before);
        QVERIFY(e.after.contains("# Linked from the PR description and the triage panel."));
        QVERIFY(p->diff.contains("--- a/deploy/base/deployment.yaml"));
        QVERIFY(p->diff.contains("\n-  replicas: 2\n+  replicas: 4\n"));
        // The base is shared with the stage overlay: the proposal says so.
        QVERIFY2(p->notes.join('\n').contains("deploy/overlays/stage"),
                 qPrintable(p->notes.join('\n')));
        QCOMPARE(p->title, QString("shop-checkout: scale checkout to 4 replicas (runbook "
                                   "checkout-scale-up)"));
        QCOMPARE(p->branchName, QString("sextant/runbook-checkout-scale-up-shop-checkout"));
        QCOMPARE(p->approvers, (QStringList{"ana.lopez", "ben.okafor"}));
        QVERIFY(
            p->body.contains("**Runbook** `checkout-scale-up`: Scale checkout up (pre-approved, "
                             "defined in `.sextant/runbooks/test.yaml:2`)"));
        QVERIFY(p->body.contains("**Alert** KubeDeploymentReplicasMismatch (warning), firing since "
                                 "2026-03-10 10:00 UTC: namespace shop, deployment checkout, "
                                 "cluster prod-eu-shop"));
        QVERIFY(p->body.contains("The runbook allows 2 to 6 replicas."));
        QVERIFY(p->commitMessage.startsWith(p->title + "\n\n"));
        QCOMPARE(p->alertFingerprint, QString("0a1b2c3d4e5f6789"));
        QCOMPARE(p->appKey, QString("prod-eu/argocd/shop-checkout"));

        // Within bounds, the user's value wins.
        ProposeOptions six;
        six.value = "6";
        auto p6 = proposeRunbook(one(kScale), alert(), checkoutApp(), tree, six);
        QVERIFY2(p6.ok(), why(p6).constData());
        QVERIFY(p6->diff.contains("+  replicas: 6\n"));
    }

    void scaleRefusedOutsideBounds() {
        const gitops::MemoryTree tree = checkoutRepo();
        for (const char* v : {"8", "1", "many"}) {
            ProposeOptions o;
            o.value = QLatin1String(v);
            auto p = proposeRunbook(one(kScale), alert(), checkoutApp(), tree, o);
            QVERIFY(!p.ok());
            QCOMPARE(p.error().kind, Error::Kind::Config);
        }
        ProposeOptions eight;
        eight.value = "8";
        auto p = proposeRunbook(one(kScale), alert(), checkoutApp(), tree, eight);
        QCOMPARE(p.error().shortMessage,
                 QString("runbook checkout-scale-up: 8 replicas is outside what the runbook "
                         "allows for Deployment checkout (2 to 6)"));
        QCOMPARE(p.error().details, QString("Defined in .sextant/runbooks/test.yaml:2."));
        // Already at the value: nothing to propose.
        ProposeOptions two;
        two.value = "2";
        auto same = proposeRunbook(one(kScale), alert(), checkoutApp(), tree, two);
        QVERIFY(!same.ok());
        QCOMPARE(same.error().kind, Error::Kind::Conflict);
        // Not for this alert.
        auto other = proposeRunbook(one(kScale), alert("HighErrorRate"), checkoutApp(), tree);
        QVERIFY(!other.ok());
        QCOMPARE(other.error().kind, Error::Kind::Conflict);
        QVERIFY(other.error().shortMessage.contains("does not apply here"));
    }

    void scaleInANamedKustomization() {
        gitops::MemoryTree tree;
        const QByteArray kustomization = "resources:\n  - ../../base\n\n"
                                         "# Production capacity, reviewed by team-shop.\n"
                                         "replicas:\n  - name: checkout\n    count: 3 # baseline\n"
                                         "  - name: checkout-worker\n    count: 1\n";
        tree.put("deploy/overlays/prod/kustomization.yaml", kustomization);
        Runbook r = one(kScale);
        r.targetFile = "deploy/overlays/prod/kustomization.yaml";
        auto p = proposeRunbook(r, alert(), checkoutApp(), tree);
        QVERIFY2(p.ok(), why(p).constData());
        const QByteArray after = p->edits.front().after;
        QCOMPARE(after,
                 QByteArray(kustomization).replace("count: 3 # baseline", "count: 4 # baseline"));
        QVERIFY(p->explanation.startsWith("Sets the replica count of Deployment checkout from 3 "
                                          "to 4 in deploy/overlays/prod/kustomization.yaml:7."));
        QCOMPARE(p->diff, gitops::unifiedDiff("deploy/overlays/prod/kustomization.yaml",
                                              kustomization, after));
        r.targetFile = "deploy/overlays/prod/missing.yaml";
        auto missing = proposeRunbook(r, alert(), checkoutApp(), tree);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().kind, Error::Kind::NotFound);
    }

    void setValueFromTheAllowedSet() {
        gitops::MemoryTree tree;
        const QByteArray values = "image:\n  tag: v3.9.0\n\n# Traffic split for the canary.\n"
                                  "canary:\n  enabled: true\n  weight: 20 # percent to canary\n";
        tree.put("charts/storefront/values-prod.yaml", values);
        const Runbook r = one(R"(id: storefront-canary-off
title: Send all storefront traffic to the stable version
when:
  alertname: HighErrorRate
  labels: {service: storefront}
action:
  type: set-value
  file: charts/storefront/values-prod.yaml
  path: canary.weight
  allowed: ["0", "100"]
  value: "0"
approvers: [release-managers]
)");
        metrics::Alert a = alert("HighErrorRate");
        a.labels["service"] = "storefront";
        argocd::AppSummary app = checkoutApp();
        app.name = "storefront";
        auto p = proposeRunbook(r, a, app, tree);
        QVERIFY2(p.ok(), why(p).constData());
        QCOMPARE(p->edits.front().after, QByteArray(values).replace("weight: 20 #", "weight: 0 #"));
        QCOMPARE(p->title,
                 QString("storefront: set canary.weight to 0 (runbook storefront-canary-off)"));
        QVERIFY(p->body.contains("The runbook allows: 0, 100."));
        ProposeOptions fifty;
        fifty.value = "50";
        auto refused = proposeRunbook(r, a, app, tree, fifty);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().shortMessage.contains("50 is not one of the values the runbook "
                                                       "allows for canary.weight (0, 100)"),
                 why(refused).constData());
        Runbook wrongPath = r;
        wrongPath.path = "canary.percent";
        auto nopath = proposeRunbook(wrongPath, a, app, tree);
        QVERIFY(!nopath.ok());
        QCOMPARE(nopath.error().shortMessage,
                 QString("runbook storefront-canary-off: charts/storefront/values-prod.yaml has no "
                         "canary.percent"));
    }
};

QTEST_GUILESS_MAIN(TestRunbooks)
#include "tst_runbooks.moc"
