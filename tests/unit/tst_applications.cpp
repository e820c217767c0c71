// Application objects from YAML and JSON: single objects, multi-document files, lists, the API's
// list answer; environments, cluster names and repository URL comparison.

#include "gitops/applications.h"

#include <QTest>

using namespace sextant;
using namespace sextant::gitops;

class TestApplications : public QObject {
    Q_OBJECT
private slots:
    void singleApplication();
    void multiDocumentSkipsOtherKinds();
    void kindList();
    void apiListJson();
    void multiSourceAndKinds();
    void environmentRules_data();
    void environmentRules();
    void clusterNames();
    void repoUrls_data();
    void repoUrls();
    void badYamlHasLine();
    void wrongShapeHasLine();
    void badJsonHasLine();
    void nonObjectDocument();
};

void TestApplications::singleApplication() {
    const QByteArray yaml = R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
  labels:
    team: shop
  annotations:
    runbook: https://wiki/web
spec:
  project: default
  source:
    repoURL: https://github.com/acme/config.git
    targetRevision: main
    path: apps/web
  destination:
    server: https://kubernetes.default.svc
    namespace: web
)";
    const auto apps = parseApplications(yaml, QStringLiteral("app.yaml"));
    QVERIFY2(apps.ok(), qPrintable(apps.ok() ? QString() : apps.error().toString()));
    QCOMPARE(apps->size(), size_t(1));
    const AppRef& a = apps->front();
    QCOMPARE(a.name, QStringLiteral("web"));
    QCOMPARE(a.appNamespace, QStringLiteral("argocd"));
    QCOMPARE(a.project, QStringLiteral("default"));
    QCOMPARE(a.destServer, QStringLiteral("https://kubernetes.default.svc"));
    QCOMPARE(a.destNamespace, QStringLiteral("web"));
    QCOMPARE(a.cluster, QStringLiteral("in-cluster"));
    QCOMPARE(a.environment, QString()); // no label, no env word anywhere
    QCOMPARE(a.labels.value("team"), QStringLiteral("shop"));
    QCOMPARE(a.annotations.value("runbook"), QStringLiteral("https://wiki/web"));
    QCOMPARE(a.sources.size(), size_t(1));
    QCOMPARE(a.sources[0].path, QStringLiteral("apps/web"));
    QCOMPARE(a.sources[0].targetRevision, QStringLiteral("main"));
    QCOMPARE(a.sources[0].kind, QString()); // left to detection
    QCOMPARE(a.key(), QStringLiteral("/argocd/web"));
}

void TestApplications::multiDocumentSkipsOtherKinds() {
    const QByteArray yaml = R"(---
apiVersion: v1
kind: ConfigMap
metadata: {name: x}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source: {repoURL: r, path: a}
  destination: {name: prod-eu-1, namespace: a}
---
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: b}
spec:
  source: {repoURL: r, path: b}
  destination: {name: dev, namespace: b}
)";
    const auto apps = parseApplications(yaml, QStringLiteral("apps.yaml"));
    QVERIFY(apps.ok());
    QCOMPARE(apps->size(), size_t(2));
    QCOMPARE(apps->at(0).name, QStringLiteral("a"));
    QCOMPARE(apps->at(0).cluster, QStringLiteral("prod-eu-1"));
    QCOMPARE(apps->at(0).environment, QStringLiteral("prod"));
    QCOMPARE(apps->at(1).environment, QStringLiteral("dev"));
}

void TestApplications::kindList() {
    const QByteArray yaml = R"(apiVersion: argoproj.io/v1alpha1
kind: ApplicationList
items:
- metadata: {name: one}
  spec: {source: {repoURL: r, path: one}, destination: {server: https://10.0.0.1}}
- kind: Application
  metadata: {name: two}
  spec: {source: {repoURL: r, path: two}, destination: {server: https://10.0.0.2}}
)";
    const auto apps = parseApplications(yaml, QStringLiteral("list.yaml"));
    QVERIFY(apps.ok());
    QCOMPARE(apps->size(), size_t(2));
    QCOMPARE(apps->at(1).name, QStringLiteral("two"));
    QCOMPARE(apps->at(1).cluster, QStringLiteral("https://10.0.0.2"));
}

void TestApplications::apiListJson() {
    const QByteArray json = R"({"metadata":{"resourceVersion":"1"},"items":[
 {"metadata":{"name":"web","namespace":"argocd","labels":{"environment":"uat"}},
  "spec":{"project":"p","sources":[{"repoURL":"git@github.com:acme/config","path":"web"}],
          "destination":{"server":"https://k8s.example:6443","namespace":"web"}},
  "status":{"sync":{"status":"Synced"}}}]})";
    const auto apps = parseApplications(json, QStringLiteral("apps.json"));
    QVERIFY2(apps.ok(), qPrintable(apps.ok() ? QString() : apps.error().toString()));
    QCOMPARE(apps->size(), size_t(1));
    QCOMPARE(apps->front().environment, QStringLiteral("uat"));
    QCOMPARE(apps->front().sources.front().repoURL, QStringLiteral("git@github.com:acme/config"));

    // A bare JSON array of Applications is read too.
    const auto arr = parseApplications(
        R"([{"metadata":{"name":"x"},"spec":{"destination":{"name":"c"}}}])", "a.json");
    QVERIFY(arr.ok());
    QCOMPARE(arr->size(), size_t(1));
}

void TestApplications::multiSourceAndKinds() {
    const QByteArray yaml = R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop}
spec:
  source: {repoURL: ignored, path: ignored}
  sources:
  - repoURL: https://charts.example.com
    chart: shop
    targetRevision: 1.2.3
    helm:
      valueFiles: [$values/envs/prod/values.yaml]
      fileParameters: [{name: cfg, path: files/cfg.json}]
  - repoURL: https://github.com/acme/config.git
    ref: values
  - repoURL: https://github.com/acme/config.git
    path: plain
    directory: {recurse: true, include: '*.yaml', exclude: 'skip/*'}
  - repoURL: https://github.com/acme/config.git
    path: overlay
    kustomize: {components: [../components/a]}
  - repoURL: https://github.com/acme/config.git
    path: plug
    plugin: {name: cmp}
  destination: {name: prod, namespace: shop}
)";
    const auto apps = parseApplications(yaml, QStringLiteral("shop.yaml"));
    QVERIFY(apps.ok());
    const AppRef& a = apps->front();
    QCOMPARE(a.sources.size(), size_t(5)); // spec.sources wins over spec.source
    QCOMPARE(a.sources[0].kind, QStringLiteral("chart"));
    QCOMPARE(a.sources[0].valueFiles, QStringList{"$values/envs/prod/values.yaml"});
    QCOMPARE(a.sources[0].fileParameters, QStringList{"files/cfg.json"});
    QCOMPARE(a.sources[1].ref, QStringLiteral("values"));
    QCOMPARE(a.sources[1].kind, QString());
    QCOMPARE(a.sources[2].kind, QStringLiteral("directory"));
    QVERIFY(a.sources[2].directoryRecurse);
    QCOMPARE(a.sources[2].directoryInclude, QStringLiteral("*.yaml"));
    QCOMPARE(a.sources[2].directoryExclude, QStringLiteral("skip/*"));
    QCOMPARE(a.sources[3].kind, QStringLiteral("kustomize"));
    QCOMPARE(a.sources[3].kustomizeComponents, QStringList{"../components/a"});
    QCOMPARE(a.sources[4].kind, QStringLiteral("plugin"));
    QCOMPARE(a.environment, QStringLiteral("prod"));
}

void TestApplications::environmentRules_data() {
    QTest::addColumn<QString>("label");
    QTest::addColumn<QString>("cluster");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");
    QTest::newRow("label wins") << "canary"
                                << "prod-eu"
                                << "web-dev"
                                << "envs/qa"
                                << "canary";
    QTest::newRow("cluster before name") << ""
                                         << "staging-1"
                                         << "web-prod"
                                         << ""
                                         << "staging";
    QTest::newRow("name before path") << ""
                                      << "k8s-eu"
                                      << "web-qa"
                                      << "envs/prod"
                                      << "qa";
    QTest::newRow("path") << ""
                          << "k8s-eu"
                          << "web"
                          << "overlays/production/eu"
                          << "production";
    QTest::newRow("pre-prod one word") << ""
                                       << "pre-prod-eu"
                                       << "web"
                                       << ""
                                       << "pre-prod";
    QTest::newRow("whole tokens only") << ""
                                       << "product-cluster"
                                       << "devops-tools"
                                       << "protest"
                                       << "";
    QTest::newRow("case") << ""
                          << "EU-PROD"
                          << "web"
                          << ""
                          << "prod";
}

void TestApplications::environmentRules() {
    QFETCH(QString, label);
    QFETCH(QString, cluster);
    QFETCH(QString, name);
    QFETCH(QString, path);
    QFETCH(QString, expected);
    AppRef a;
    a.name = name;
    a.destName = cluster;
    if (!label.isEmpty())
        a.labels.insert(QStringLiteral("env"), label);
    a.sources.push_back(AppSourceRef{});
    a.sources.back().path = path;
    resolveClusterAndEnvironment(a);
    QCOMPARE(a.environment, expected);

    // "environment" and "stage" labels count when "env" is absent.
    AppRef b = a;
    b.labels.clear();
    b.labels.insert(QStringLiteral("stage"), QStringLiteral("s2"));
    QCOMPARE(environmentFor(b), QStringLiteral("s2"));
}

void TestApplications::clusterNames() {
    AppRef a;
    a.name = QStringLiteral("web");
    a.destServer = QStringLiteral("https://10.1.2.3:6443");
    resolveClusterAndEnvironment(a, {{QStringLiteral("prod-us-east"),
                                      QStringLiteral("https://10.1.2.3:6443"),
                                      QString(),
                                      {},
                                      {}}});
    QCOMPARE(a.cluster, QStringLiteral("prod-us-east"));
    QCOMPARE(a.environment, QStringLiteral("prod"));
    resolveClusterAndEnvironment(a, {});
    QCOMPARE(a.cluster, QStringLiteral("https://10.1.2.3:6443"));
}

void TestApplications::repoUrls_data() {
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<bool>("same");
    QTest::newRow("https vs scp") << "https://github.com/Acme/Config.git"
                                  << "git@github.com:acme/config" << true;
    QTest::newRow("ssh url with port") << "ssh://git@GitHub.com:22/acme/config.git/"
                                       << "https://github.com/acme/config" << true;
    QTest::newRow("user in https") << "https://bot@gitlab.example.com/grp/sub/repo.git"
                                   << "gitlab.example.com/grp/sub/repo" << true;
    QTest::newRow("trailing slash") << "https://github.com/acme/config/"
                                    << "https://github.com/acme/config" << true;
    QTest::newRow("other repo") << "https://github.com/acme/config"
                                << "https://github.com/acme/config-prod" << false;
    QTest::newRow("other host") << "https://github.com/acme/config"
                                << "https://gitlab.com/acme/config" << false;
}

void TestApplications::repoUrls() {
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(bool, same);
    QCOMPARE(sameRepo(a, b), same);
    QCOMPARE(normaliseRepoURL(QStringLiteral("git@github.com:acme/config.git")),
             QStringLiteral("github.com/acme/config"));
}

void TestApplications::badYamlHasLine() {
    const QByteArray yaml = "apiVersion: argoproj.io/v1alpha1\n"
                            "kind: Application\n"
                            "metadata:\n"
                            "  name: web\n"
                            "spec:\n"
                            "  source: [unclosed\n"
                            "  destination: {}\n";
    const auto apps = parseApplications(yaml, QStringLiteral("bad.yaml"));
    QVERIFY(!apps.ok());
    QCOMPARE(apps.error().kind, Error::Kind::Config);
    QVERIFY2(apps.error().shortMessage.startsWith(QStringLiteral("bad.yaml:7:")),
             qPrintable(apps.error().shortMessage));
}

void TestApplications::wrongShapeHasLine() {
    const QByteArray yaml = "kind: ConfigMap\n"
                            "metadata: {name: c}\n"
                            "---\n"
                            "apiVersion: argoproj.io/v1alpha1\n"
                            "kind: Application\n"
                            "metadata:\n"
                            "  name: web\n"
                            "spec:\n"
                            "  destination: {name: x}\n"
                            "  sources:\n"
                            "    repoURL: r\n";
    const auto apps = parseApplications(yaml, QStringLiteral("shape.yaml"));
    QVERIFY(!apps.ok());
    QCOMPARE(apps.error().kind, Error::Kind::Protocol);
    QVERIFY2(apps.error().shortMessage.startsWith(QStringLiteral("shape.yaml:11: spec.sources")),
             qPrintable(apps.error().shortMessage));

    const auto noName = parseApplications("kind: Application\nmetadata:\n  labels: {a: b}\n"
                                          "spec: {}\n",
                                          QStringLiteral("n.yaml"));
    QVERIFY(!noName.ok());
    QCOMPARE(noName.error().shortMessage,
             QStringLiteral("n.yaml:3: Application without metadata.name"));
}

void TestApplications::badJsonHasLine() {
    const auto apps =
        parseApplications("{\"items\": [\n  {\"metadata\": \n  ,}\n]}", QStringLiteral("x.json"));
    QVERIFY(!apps.ok());
    QCOMPARE(apps.error().kind, Error::Kind::Config);
    QVERIFY2(apps.error().shortMessage.startsWith(QStringLiteral("x.json:3:")),
             qPrintable(apps.error().shortMessage));
}

void TestApplications::nonObjectDocument() {
    const auto apps = parseApplications("- just\n- a list\n", QStringLiteral("l.yaml"));
    QVERIFY(!apps.ok());
    QCOMPARE(apps.error().kind, Error::Kind::Protocol);
    QCOMPARE(apps.error().shortMessage,
             QStringLiteral("l.yaml:1: a document is not a Kubernetes object"));
}

QTEST_APPLESS_MAIN(TestApplications)
#include "tst_applications.moc"
