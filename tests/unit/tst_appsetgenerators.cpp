// ApplicationSet expansion offline: glob semantics, templates (fasttemplate and Go), and the
// list, clusters, git directories, git files, matrix and merge generators.

#include "gitops/appset.h"
#include "gitops/repotree.h"

#include <nlohmann/json.hpp>

#include <QTest>

#include <algorithm>

using namespace sextant;
using namespace sextant::gitops;
using json = nlohmann::json;

namespace {

const QString kRepo = QStringLiteral("https://github.com/acme/config.git");

json appSet(const char* yamlLikeJson) {
    return json::parse(yamlLikeJson);
}

QStringList names(const AppSetExpansion& x) {
    QStringList out;
    for (const AppRef& a : x.apps)
        out.append(a.name);
    return out;
}

MemoryTree repo() {
    MemoryTree t;
    t.put("apps/web/kustomization.yaml", "resources: []\n");
    t.put("apps/api/kustomization.yaml", "resources: []\n");
    t.put("apps/skip/kustomization.yaml", "resources: []\n");
    t.put("apps/web/sub/deep.yaml", "x: 1\n");
    t.put("apps/.hidden/kustomization.yaml", "resources: []\n");
    t.put(".github/workflows/ci.yaml", "on: push\n");
    t.put("clusters/prod-eu/config.json", R"({"cluster": {"name": "prod-eu", "region": "eu"},
        "replicas": 3})");
    t.put("clusters/dev/config.yaml", "cluster:\n  name: dev\n  region: us\nreplicas: 1\n");
    t.put("clusters/dev/other.txt", "not a config\n");
    return t;
}

ClusterInfo cluster(const char* name, const char* server, QMap<QString, QString> labels) {
    ClusterInfo c;
    c.name = QString::fromLatin1(name);
    c.server = QString::fromLatin1(server);
    c.labels = std::move(labels);
    return c;
}

} // namespace

class TestAppSetGenerators : public QObject {
    Q_OBJECT
private slots:
    void goPathMatchSemantics();
    void doublestarSemantics();
    void directoryGlobs();
    void normalizedNames();
    void fastAndGoTemplates();
    void unknownFunctionsLeftAndNoted();
    void listGenerator();
    void gitDirectories();
    void gitDirectoriesGoTemplate();
    void gitDirectoriesOtherRepoSkipped();
    void gitFiles();
    void clusterGenerator();
    void clusterGeneratorDefault();
    void matrixGitByClusters();
    void matrixSecondUsesFirst();
    void mergeGenerator();
    void generatorSelectorAndValues();
    void parseApplicationsExpandsAppSets();
};

void TestAppSetGenerators::goPathMatchSemantics() {
    QVERIFY(goPathMatch("apps/*", "apps/web"));
    QVERIFY(!goPathMatch("apps/*", "apps/web/sub"));
    QVERIFY(!goPathMatch("apps/**", "apps/web/sub")); // "**" is two '*': no crossing
    QVERIFY(goPathMatch("apps/**", "apps/web"));
    QVERIFY(goPathMatch("apps/w?b", "apps/web"));
    QVERIFY(!goPathMatch("apps/w?b", "apps/w/b"));
    QVERIFY(goPathMatch("apps/[a-w]eb", "apps/web"));
    QVERIFY(!goPathMatch("apps/[^w]eb", "apps/web"));
    QVERIFY(goPathMatch("apps/\\*", "apps/*"));
    QVERIFY(!goPathMatch("apps/\\*", "apps/x"));
    QVERIFY(!goPathMatch("apps/[", "apps/[")); // malformed: never matches
    QVERIFY(goPathMatch("*/*-prod", "envs/eu-prod"));
    QVERIFY(!goPathMatch("apps", "apps/web"));
}

void TestAppSetGenerators::doublestarSemantics() {
    QVERIFY(doublestarMatch("**/config.json", "config.json"));
    QVERIFY(doublestarMatch("**/config.json", "a/b/config.json"));
    QVERIFY(doublestarMatch("clusters/*/config.json", "clusters/x/config.json"));
    QVERIFY(!doublestarMatch("clusters/*/config.json", "clusters/x/y/config.json"));
    QVERIFY(doublestarMatch("clusters/**", "clusters/x/y/config.json"));
    QVERIFY(!doublestarMatch("clusters/*.json", "clusters/x/config.json"));
}

void TestAppSetGenerators::directoryGlobs() {
    QVERIFY(directoryGlobMatch("*.yaml", "a/b/c.yaml")); // '*' crosses '/' here
    QVERIFY(directoryGlobMatch("{config.json,env-usw2/*}", "env-usw2/x.yaml"));
    QVERIFY(directoryGlobMatch("{config.json,env-usw2/*}", "config.json"));
    QVERIFY(!directoryGlobMatch("{config.json,env-usw2/*}", "env-use1/x.yaml"));
    QVERIFY(!directoryGlobMatch("*.yaml", "a.yml"));
}

void TestAppSetGenerators::normalizedNames() {
    QCOMPARE(normalizeName("Prod_EU/Cluster-1."), QStringLiteral("prod-eu-cluster-1"));
    QCOMPARE(normalizeName("--a.b--"), QStringLiteral("a.b"));
}

void TestAppSetGenerators::fastAndGoTemplates() {
    QStringList unresolved;
    const json flat = {{"path", "apps/web"}, {"path.basename", "web"}, {"path[1]", "web"}};
    QCOMPARE(renderTemplate("{{path.basename}}-{{ path[1] }}", flat, false, &unresolved),
             QStringLiteral("web-web"));
    QVERIFY(unresolved.isEmpty());

    const json nested = {
        {"path", {{"path", "apps/web"}, {"basename", "Web_App"}, {"segments", {"apps", "web"}}}},
        {"values", {{"n", 3}}}};
    QCOMPARE(renderTemplate("{{.path.basename}}|{{index .path.segments 1}}|{{ .values.n }}", nested,
                            true, &unresolved),
             QStringLiteral("Web_App|web|3"));
    QCOMPARE(renderTemplate("{{ .path.basename | normalize }}/{{.path.basename | lower}}", nested,
                            true, &unresolved),
             QStringLiteral("web-app/web_app"));
    QCOMPARE(renderTemplate("{{ trunc 3 .path.basename }}-{{ default \"x\" .missing }}", nested,
                            true, &unresolved),
             QStringLiteral("Web-{{ default \"x\" .missing }}"));
    // A missing field in `default` is an unresolved value here, left as written.
    QCOMPARE(unresolved, QStringList{"{{ default \"x\" .missing }}"});
    QCOMPARE(renderTemplate("a {{- .path.basename -}} b", nested, true, nullptr),
             QStringLiteral("aWeb_Appb"));
}

void TestAppSetGenerators::unknownFunctionsLeftAndNoted() {
    QStringList unresolved;
    const json nested = {{"name", "x"}};
    QCOMPARE(renderTemplate("{{ sha256sum .name }}-{{ if .name }}y{{ end }}-{{", nested, true,
                            &unresolved),
             QStringLiteral("{{ sha256sum .name }}-{{ if .name }}y{{ end }}-{{"));
    QCOMPARE(unresolved.size(), 3);
    QCOMPARE(renderTemplate("{{unknown}}", json{{"name", "x"}}, false, &unresolved),
             QStringLiteral("{{unknown}}"));
    QVERIFY(unresolved.contains("{{unknown}}"));

    // Through an ApplicationSet: the Application is still produced, the note says why.
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "s"}, "spec": {
        "goTemplate": true,
        "generators": [{"list": {"elements": [{"env": "dev"}]}}],
        "template": {"metadata": {"name": "web-{{.env}}-{{ sha1sum .env }}"},
                     "spec": {"source": {"repoURL": "r", "path": "p"},
                              "destination": {"name": "c"}}}}})"),
                                        AppSetContext{}, "s.yaml");
    QCOMPARE(names(x), QStringList{"web-dev-{{ sha1sum .env }}"});
    QVERIFY(!x.notes.isEmpty());
    QVERIFY(x.notes.join('\n').contains("sha1sum"));
}

void TestAppSetGenerators::listGenerator() {
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "guestbook",
        "namespace": "argocd"}, "spec": {
        "generators": [{"list": {"elements": [
            {"cluster": "engineering-dev", "url": "https://1.2.3.4", "values": {"tier": "gold"}},
            {"cluster": "engineering-prod", "url": "https://2.4.6.8", "values": {"tier": "silver"}}
        ]}}],
        "template": {"metadata": {"name": "{{cluster}}-guestbook",
                                  "labels": {"tier": "{{values.tier}}"}},
                     "spec": {"project": "default",
                              "source": {"repoURL": "https://github.com/acme/config.git",
                                         "path": "guestbook/{{cluster}}"},
                              "destination": {"server": "{{url}}",
                                              "namespace": "guestbook"}}}}})"),
                                        AppSetContext{}, "gb.yaml");
    QCOMPARE(names(x), (QStringList{"engineering-dev-guestbook", "engineering-prod-guestbook"}));
    QVERIFY2(x.notes.isEmpty(), qPrintable(x.notes.join('\n')));
    const AppRef& prod = x.apps[1];
    QCOMPARE(prod.sources.front().path, QStringLiteral("guestbook/engineering-prod"));
    QCOMPARE(prod.destServer, QStringLiteral("https://2.4.6.8"));
    QCOMPARE(prod.labels.value("tier"), QStringLiteral("silver"));
    QCOMPARE(prod.generatedBy, QStringLiteral("guestbook"));
    QCOMPARE(prod.appNamespace, QStringLiteral("argocd"));
    QCOMPARE(prod.environment, QStringLiteral("prod"));
}

void TestAppSetGenerators::gitDirectories() {
    const MemoryTree t = repo();
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "dirs"}, "spec": {
        "generators": [{"git": {"repoURL": "git@github.com:acme/config",
            "revision": "HEAD",
            "directories": [{"path": "apps/*"}, {"path": "apps/skip", "exclude": true}]}}],
        "template": {"metadata": {"name": "{{path.basename}}-{{path[0]}}"},
                     "spec": {"source": {"repoURL": "https://github.com/acme/config.git",
                                         "path": "{{path}}"},
                              "destination": {"name": "in-cluster",
                                              "namespace": "{{path.basenameNormalized}}"}}}}})"),
                                        AppSetContext{&t, kRepo, {}}, "dirs.yaml");
    // apps/.hidden is excluded (dot directory), apps/skip by exclude: true, apps/web/sub is two
    // levels deep.
    QCOMPARE(names(x), (QStringList{"api-apps", "web-apps"}));
    QCOMPARE(x.apps[1].sources.front().path, QStringLiteral("apps/web"));
    QCOMPARE(x.apps[1].destNamespace, QStringLiteral("web"));
    QVERIFY2(x.notes.isEmpty(), qPrintable(x.notes.join('\n')));

    // "**" does not cross directories in path.Match: same result.
    const auto y = expandApplicationSet(appSet(R"({"metadata": {"name": "dirs"}, "spec": {
        "generators": [{"git": {"repoURL": "https://github.com/acme/config",
            "directories": [{"path": "apps/**"}]}}],
        "template": {"metadata": {"name": "{{path.basename}}"},
                     "spec": {"source": {"repoURL": "r", "path": "{{path}}"},
                              "destination": {"name": "c"}}}}})"),
                                        AppSetContext{&t, kRepo, {}}, "dirs.yaml");
    QCOMPARE(names(y), (QStringList{"api", "skip", "web"}));
}

void TestAppSetGenerators::gitDirectoriesGoTemplate() {
    const MemoryTree t = repo();
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "dirs"}, "spec": {
        "goTemplate": true,
        "generators": [{"git": {"repoURL": "https://github.com/acme/config",
            "pathParamPrefix": "app",
            "directories": [{"path": "apps/w*"}]}}],
        "template": {"metadata": {"name": "{{.app.path.basename}}-{{index .app.path.segments 0}}"},
                     "spec": {"source": {"repoURL": "r", "path": "{{.app.path.path}}"},
                              "destination": {"name": "c"}}}}})"),
                                        AppSetContext{&t, kRepo, {}}, "dirs.yaml");
    QCOMPARE(names(x), QStringList{"web-apps"});
    QCOMPARE(x.apps[0].sources.front().path, QStringLiteral("apps/web"));
}

void TestAppSetGenerators::gitDirectoriesOtherRepoSkipped() {
    const MemoryTree t = repo();
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "other"}, "spec": {
        "generators": [{"git": {"repoURL": "https://github.com/acme/other",
            "directories": [{"path": "apps/*"}]}}],
        "template": {"metadata": {"name": "{{path.basename}}"},
                     "spec": {"source": {"repoURL": "r", "path": "{{path}}"},
                              "destination": {"name": "c"}}}}})"),
                                        AppSetContext{&t, kRepo, {}}, "o.yaml");
    QVERIFY(x.apps.empty());
    QCOMPARE(x.notes.size(), 1);
    QVERIFY(x.notes[0].contains("not the repository analysed"));
}

void TestAppSetGenerators::gitFiles() {
    const MemoryTree t = repo();
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "files"}, "spec": {
        "generators": [{"git": {"repoURL": "https://github.com/acme/config",
            "files": [{"path": "clusters/**"}, {"path": "clusters/*/other.txt", "exclude": true}]}}],
        "template": {"metadata": {"name": "{{cluster.name}}-{{path.basename}}",
                                  "labels": {"region": "{{cluster.region}}",
                                             "file": "{{path.filename}}",
                                             "replicas": "{{replicas}}"}},
                     "spec": {"source": {"repoURL": "r", "path": "{{path}}"},
                              "destination": {"name": "{{cluster.name}}"}}}}})"),
                                        AppSetContext{&t, kRepo, {}}, "f.yaml");
    QCOMPARE(names(x), (QStringList{"dev-dev", "prod-eu-prod-eu"}));
    QCOMPARE(x.apps[0].labels.value("region"), QStringLiteral("us"));
    QCOMPARE(x.apps[0].labels.value("file"), QStringLiteral("config.yaml"));
    QCOMPARE(x.apps[1].labels.value("replicas"), QStringLiteral("3"));
    QCOMPARE(x.apps[1].sources.front().path, QStringLiteral("clusters/prod-eu"));
    QCOMPARE(x.apps[1].generatorFiles, QStringList{"clusters/prod-eu/config.json"});
    QCOMPARE(x.apps[1].environment, QStringLiteral("prod"));
}

void TestAppSetGenerators::clusterGenerator() {
    AppSetContext ctx;
    ctx.clusters = {cluster("prod-eu", "https://eu", {{"env", "prod"}, {"region", "eu"}}),
                    cluster("prod-us", "https://us", {{"env", "prod"}, {"region", "us"}}),
                    cluster("staging", "https://st", {{"env", "staging"}}),
                    cluster("legacy", "https://old", {{"env", "prod"}, {"legacy", "yes"}})};
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "c"}, "spec": {
        "generators": [{"clusters": {"selector": {
            "matchLabels": {"env": "prod"},
            "matchExpressions": [{"key": "legacy", "operator": "DoesNotExist"},
                                 {"key": "region", "operator": "In", "values": ["eu", "us"]}]}}}],
        "template": {"metadata": {"name": "web-{{nameNormalized}}",
                                  "labels": {"env": "{{metadata.labels.env}}"}},
                     "spec": {"source": {"repoURL": "r", "path": "web"},
                              "destination": {"server": "{{server}}", "namespace": "web"}}}}})"),
                                        ctx, "c.yaml");
    QCOMPARE(names(x), (QStringList{"web-prod-eu", "web-prod-us"}));
    QCOMPARE(x.apps[0].cluster, QStringLiteral("prod-eu")); // server -> cluster name
    QCOMPARE(x.apps[0].environment, QStringLiteral("prod"));

    // NotIn and Exists.
    const auto y = expandApplicationSet(appSet(R"({"metadata": {"name": "c"}, "spec": {
        "goTemplate": true,
        "generators": [{"clusters": {"selector": {"matchExpressions": [
            {"key": "env", "operator": "Exists"},
            {"key": "region", "operator": "NotIn", "values": ["eu"]}]}}}],
        "template": {"metadata": {"name": "x-{{.name}}-{{.metadata.labels.env}}"},
                     "spec": {"source": {"repoURL": "r", "path": "web"},
                              "destination": {"server": "{{.server}}"}}}}})"),
                                        ctx, "c.yaml");
    QCOMPARE(names(y), (QStringList{"x-prod-us-prod", "x-staging-staging", "x-legacy-prod"}));
}

void TestAppSetGenerators::clusterGeneratorDefault() {
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "c"}, "spec": {
        "generators": [{"clusters": {}}],
        "template": {"metadata": {"name": "web-{{name}}"},
                     "spec": {"source": {"repoURL": "r", "path": "web"},
                              "destination": {"server": "{{server}}"}}}}})"),
                                        AppSetContext{}, "c.yaml");
    QCOMPARE(names(x), QStringList{"web-in-cluster"});
    QCOMPARE(x.apps[0].cluster, QStringLiteral("in-cluster"));
    QVERIFY(x.notes.join('\n').contains("in-cluster default"));
}

void TestAppSetGenerators::matrixGitByClusters() {
    const MemoryTree t = repo();
    AppSetContext ctx{&t,
                      kRepo,
                      {cluster("dev", "https://dev", {{"env", "dev"}}),
                       cluster("prod", "https://prod", {{"env", "prod"}})}};
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "m"}, "spec": {
        "generators": [{"matrix": {"generators": [
            {"git": {"repoURL": "https://github.com/acme/config",
                     "directories": [{"path": "apps/*"}, {"path": "apps/skip", "exclude": true}]}},
            {"clusters": {"selector": {"matchLabels": {"env": "prod"}}}}]}}],
        "template": {"metadata": {"name": "{{path.basename}}-{{name}}"},
                     "spec": {"source": {"repoURL": "https://github.com/acme/config",
                                         "path": "{{path}}"},
                              "destination": {"server": "{{server}}"}}}}})"),
                                        ctx, "m.yaml");
    QCOMPARE(names(x), (QStringList{"api-prod", "web-prod"}));
    QCOMPARE(x.apps[0].cluster, QStringLiteral("prod"));
}

void TestAppSetGenerators::matrixSecondUsesFirst() {
    const MemoryTree t = repo();
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "m"}, "spec": {
        "goTemplate": true,
        "generators": [{"matrix": {"generators": [
            {"git": {"repoURL": "https://github.com/acme/config",
                     "files": [{"path": "clusters/*/config.*"}]}},
            {"list": {"elements": [{"app": "web-{{.cluster.name}}"}, {"app": "api"}]}}]}}],
        "template": {"metadata": {"name": "{{.app}}-{{.path.basename}}"},
                     "spec": {"source": {"repoURL": "r", "path": "{{.path.path}}"},
                              "destination": {"name": "{{.cluster.name}}"}}}}})"),
                                        AppSetContext{&t, kRepo, {}}, "m.yaml");
    QCOMPARE(names(x),
             (QStringList{"web-dev-dev", "api-dev", "web-prod-eu-prod-eu", "api-prod-eu"}));
    QCOMPARE(x.apps[2].generatorFiles, QStringList{"clusters/prod-eu/config.json"});
}

void TestAppSetGenerators::mergeGenerator() {
    AppSetContext ctx;
    ctx.clusters = {cluster("a", "https://a", {{"env", "dev"}}),
                    cluster("b", "https://b", {{"env", "prod"}})};
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "mg"}, "spec": {
        "generators": [{"merge": {"mergeKeys": ["server"], "generators": [
            {"clusters": {"values": {"replicas": "1"}}},
            {"list": {"elements": [{"server": "https://b", "values.replicas": "5"},
                                   {"server": "https://nowhere", "values.replicas": "9"}]}}]}}],
        "template": {"metadata": {"name": "web-{{name}}", "labels": {"r": "{{values.replicas}}"}},
                     "spec": {"source": {"repoURL": "r", "path": "web"},
                              "destination": {"server": "{{server}}"}}}}})"),
                                        ctx, "mg.yaml");
    QCOMPARE(names(x), (QStringList{"web-a", "web-b"}));
    QCOMPARE(x.apps[0].labels.value("r"), QStringLiteral("1"));
    QCOMPARE(x.apps[1].labels.value("r"), QStringLiteral("5"));
}

void TestAppSetGenerators::generatorSelectorAndValues() {
    const MemoryTree t = repo();
    const auto x = expandApplicationSet(appSet(R"({"metadata": {"name": "v"}, "spec": {
        "generators": [{"git": {"repoURL": "https://github.com/acme/config",
                                "directories": [{"path": "apps/*"}],
                                "values": {"ns": "team-{{path.basename}}"}},
                        "selector": {"matchExpressions": [
                            {"key": "path.basename", "operator": "NotIn", "values": ["skip"]}]}}],
        "template": {"metadata": {"name": "{{path.basename}}"},
                     "spec": {"source": {"repoURL": "r", "path": "{{path}}"},
                              "destination": {"name": "c", "namespace": "{{values.ns}}"}}}}})"),
                                        AppSetContext{&t, kRepo, {}}, "v.yaml");
    QCOMPARE(names(x), (QStringList{"api", "web"}));
    QCOMPARE(x.apps[1].destNamespace, QStringLiteral("team-web"));
}

void TestAppSetGenerators::parseApplicationsExpandsAppSets() {
    const QByteArray yaml = R"(apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: envs}
spec:
  generators:
  - list:
      elements: [{env: qa}, {env: prod}]
  - pullRequest: {github: {owner: acme, repo: config}}
  template:
    metadata: {name: 'web-{{env}}'}
    spec:
      source: {repoURL: r, path: 'envs/{{env}}'}
      destination: {name: 'cluster-{{env}}'}
)";
    QStringList notes;
    const auto apps = parseApplications(yaml, "set.yaml", AppSetContext{}, &notes);
    QVERIFY(apps.ok());
    QCOMPARE(apps->size(), size_t(2));
    QCOMPARE(apps->at(1).environment, QStringLiteral("prod"));
    QCOMPARE(notes.size(), 1);
    QVERIFY(notes[0].contains("pullRequest"));
}

QTEST_APPLESS_MAIN(TestAppSetGenerators)
#include "tst_appsetgenerators.moc"
