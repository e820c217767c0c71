// The change -> impact map on in-memory repositories: kustomize (every reference kind, the three
// file names, components, cycles), Helm (values, $ref multi-source, local dependencies), plain
// directories, whole-segment matching, repository URL forms, base/head union, app-of-apps.
// Also prints the time to build a map of ~200 applications and look up ~500 changed files.

#include "gitops/applications.h"
#include "gitops/impactmap.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace sextant;
using namespace sextant::gitops;

namespace {

const QString kRepo = QStringLiteral("https://github.com/acme/config.git");

AppRef app(const QString& name, const QString& path, const QString& kind = {},
           const QString& repo = kRepo) {
    AppRef a;
    a.name = name;
    a.appNamespace = QStringLiteral("argocd");
    AppSourceRef s;
    s.repoURL = repo;
    s.path = path;
    s.kind = kind;
    a.sources.push_back(s);
    return a;
}

std::vector<FileChange> modified(const QStringList& paths) {
    std::vector<FileChange> out;
    for (const QString& p : paths)
        out.push_back({FileChange::Kind::Modified, p, p});
    return out;
}

QStringList names(const std::vector<ImpactEntry>& entries) {
    QStringList out;
    for (const ImpactEntry& e : entries)
        out.append(e.app.name);
    out.sort();
    return out;
}

QStringList hit(const ImpactMap& map, const QString& path) {
    return names(map.impacted(modified({path})));
}

} // namespace

class TestImpactMap : public QObject {
    Q_OBJECT
private slots:
    void prefixTrap();
    void kustomizeFileNames();
    void kustomizeReferenceKinds();
    void componentsAndCycle();
    void remoteAndMissingNoted();
    void helmChartAndValues();
    void multiSourceValuesRef();
    void plainDirectory();
    void repoUrlForms();
    void reasonsAndFilesOf();
    void baseHeadUnion();
    void appOfApps();
    void appSetInRepo();
    void syntheticScale();
};

void TestImpactMap::prefixTrap() {
    MemoryTree t;
    t.put("apps/foo/deploy.yaml", "kind: Deployment\n");
    t.put("apps/foobar/deploy.yaml", "kind: Deployment\n");
    t.put("apps/foo-kust/kustomization.yaml", "resources: [../foo/deploy.yaml]\n");
    ImpactMap map(
        t, kRepo,
        {app("foo", "apps/foo"), app("foobar", "apps/foobar"), app("kust", "apps/foo-kust")});
    QCOMPARE(hit(map, "apps/foobar/deploy.yaml"), QStringList{"foobar"});
    QCOMPARE(hit(map, "apps/foo/deploy.yaml"), (QStringList{"foo", "kust"}));
    QCOMPARE(hit(map, "apps/foo"), QStringList{}); // a directory name is not a file
}

void TestImpactMap::kustomizeFileNames() {
    MemoryTree t;
    t.put("a/kustomization.yml", "resources: [svc.yaml]\n");
    t.put("a/svc.yaml", "kind: Service\n");
    t.put("b/Kustomization", "resources: [svc.yaml]\n");
    t.put("b/svc.yaml", "kind: Service\n");
    t.put("b/unused.yaml", "kind: Service\n");
    t.put("c/kustomization.yaml", "resources: [svc.yaml]\n");
    t.put("c/svc.yaml", "kind: Service\n");
    ImpactMap map(t, kRepo, {app("a", "a"), app("b", "b"), app("c", "c")});
    QCOMPARE(hit(map, "a/svc.yaml"), QStringList{"a"});
    QCOMPARE(hit(map, "a/kustomization.yml"), QStringList{"a"});
    QCOMPARE(hit(map, "b/svc.yaml"), QStringList{"b"});
    QCOMPARE(hit(map, "b/Kustomization"), QStringList{"b"});
    QCOMPARE(hit(map, "c/svc.yaml"), QStringList{"c"});
    // A file the kustomization does not reference is not rendered.
    QCOMPARE(hit(map, "b/unused.yaml"), QStringList{});
    QCOMPARE(map.apps()[1].sources[0].kind, QStringLiteral("kustomize")); // detected
}

void TestImpactMap::kustomizeReferenceKinds() {
    MemoryTree t;
    t.put("o/kustomization.yaml", R"(resources:
- deploy.yaml
- ../base
bases: [../legacy]
crds: [crds/crd.yaml]
configurations: [conf/names.yaml]
generators: [gen.yaml]
transformers: [../transformers]
openapi: {path: schema.json}
patches:
- path: p1.yaml
  target: {kind: Deployment}
- patch: |-
    - op: replace
      path: /x
patchesStrategicMerge:
- p2.yaml
- |-
  apiVersion: v1
  kind: ConfigMap
patchesJson6902:
- path: p3.yaml
  target: {kind: Service}
configMapGenerator:
- name: cm
  files: [app.properties, key=data/other.txt]
  envs: [cm.env]
secretGenerator:
- name: s
  env: secret.env
replacements:
- path: repl.yaml
helmCharts:
- name: local
  valuesFile: values.yaml
  additionalValuesFiles: [values-extra.yaml]
)");
    const QStringList referenced{"o/deploy.yaml",
                                 "o/crds/crd.yaml",
                                 "o/conf/names.yaml",
                                 "o/gen.yaml",
                                 "o/schema.json",
                                 "o/p1.yaml",
                                 "o/p2.yaml",
                                 "o/p3.yaml",
                                 "o/app.properties",
                                 "o/data/other.txt",
                                 "o/cm.env",
                                 "o/secret.env",
                                 "o/repl.yaml",
                                 "o/values.yaml",
                                 "o/values-extra.yaml",
                                 "base/kustomization.yaml",
                                 "base/b.yaml",
                                 "legacy/kustomization.yaml",
                                 "legacy/l.yaml",
                                 "transformers/kustomization.yaml",
                                 "transformers/t.yaml",
                                 "o/charts/local/Chart.yaml",
                                 "o/charts/local/templates/x.yaml"};
    for (const QString& f : referenced)
        if (!f.endsWith("kustomization.yaml"))
            t.put(f, "x: 1\n");
    t.put("base/kustomization.yaml", "resources: [b.yaml]\n");
    t.put("legacy/kustomization.yaml", "resources: [l.yaml]\n");
    t.put("transformers/kustomization.yaml", "resources: [t.yaml]\n");
    t.put("o/notes.md", "not rendered\n");
    t.put("base/unreferenced.yaml", "x: 1\n");
    ImpactMap map(t, kRepo, {app("o", "o")});
    QStringList expected = referenced;
    expected.append("o/kustomization.yaml");
    expected.sort();
    QCOMPARE(map.filesOf(map.apps()[0]), expected);
    QCOMPARE(hit(map, "o/notes.md"), QStringList{});
    QCOMPARE(hit(map, "base/unreferenced.yaml"), QStringList{});
    QVERIFY2(map.notes().isEmpty(), qPrintable(map.notes().join('\n')));
}

void TestImpactMap::componentsAndCycle() {
    MemoryTree t;
    t.put("envs/qa/kustomization.yml",
          "resources: [../../base]\ncomponents: [../../variants/non-prod]\n"
          "patchesStrategicMerge: [version.yml]\n");
    t.put("envs/qa/version.yml", "x: 1\n");
    t.put("envs/prod/kustomization.yml",
          "resources: [../../base]\ncomponents: [../../variants/prod]\n");
    t.put("variants/non-prod/kustomization.yml",
          "kind: Component\npatchesStrategicMerge: [non-prod.yml]\n");
    t.put("variants/non-prod/non-prod.yml", "x: 1\n");
    t.put("variants/prod/kustomization.yml", "kind: Component\npatches: [{path: prod.yml}]\n");
    t.put("variants/prod/prod.yml", "x: 1\n");
    // base and shared reference each other: a cycle kustomize itself would reject.
    t.put("base/kustomization.yml", "resources: [deployment.yml, ../shared]\n");
    t.put("base/deployment.yml", "x: 1\n");
    t.put("shared/kustomization.yml", "resources: [../base, cm.yml]\n");
    t.put("shared/cm.yml", "x: 1\n");
    // Application-level components (spec.source.kustomize.components).
    t.put("extra/kustomization.yaml", "kind: Component\npatches: [{path: e.yaml}]\n");
    t.put("extra/e.yaml", "x: 1\n");
    AppRef prod = app("prod", "envs/prod");
    prod.sources[0].kustomizeComponents = QStringList{"../../extra"};
    ImpactMap map(t, kRepo, {app("qa", "envs/qa"), prod});
    QCOMPARE(hit(map, "variants/non-prod/non-prod.yml"), QStringList{"qa"});
    QCOMPARE(hit(map, "variants/prod/prod.yml"), QStringList{"prod"});
    QCOMPARE(hit(map, "shared/cm.yml"), (QStringList{"prod", "qa"}));
    QCOMPARE(hit(map, "base/deployment.yml"), (QStringList{"prod", "qa"}));
    QCOMPARE(hit(map, "extra/e.yaml"), QStringList{"prod"});
    QCOMPARE(hit(map, "envs/qa/version.yml"), QStringList{"qa"});
}

void TestImpactMap::remoteAndMissingNoted() {
    MemoryTree t;
    t.put("a/kustomization.yaml",
          "resources:\n- github.com/acme/base?ref=v1\n- https://example.com/x.yaml\n"
          "- missing.yaml\n- ../nodir\n- ../../outside\n");
    ImpactMap map(t, kRepo, {app("a", "a")});
    const QString notes = map.notes().join('\n');
    QVERIFY(notes.contains("remote a resource github.com/acme/base?ref=v1 not followed"));
    QVERIFY(notes.contains("https://example.com/x.yaml"));
    QVERIFY(notes.contains("no kustomization in nodir"));
    QVERIFY(notes.contains("../../outside leaves the repository"));
    // A file referenced but absent at this revision still maps: adding it reaches the app.
    QCOMPARE(hit(map, "a/missing.yaml"), QStringList{"a"});
    QCOMPARE(hit(map, "nodir/kustomization.yaml"), QStringList{"a"});

    // Broken YAML in a kustomization: noted with its line, the file itself still maps.
    MemoryTree b;
    b.put("k/kustomization.yaml", "resources:\n  - [unclosed\n");
    ImpactMap broken(b, kRepo, {app("k", "k", "kustomize")});
    QVERIFY2(broken.notes().join('\n').contains("k/kustomization.yaml:"),
             qPrintable(broken.notes().join('\n')));
    QCOMPARE(hit(broken, "k/kustomization.yaml"), QStringList{"k"});
}

void TestImpactMap::helmChartAndValues() {
    MemoryTree t;
    t.put("charts/web/Chart.yaml",
          "apiVersion: v2\nname: web\ndependencies:\n- name: common\n  repository: "
          "file://../common\n- name: redis\n  repository: https://charts.bitnami.com\n");
    t.put("charts/web/templates/deploy.yaml", "kind: Deployment\n");
    t.put("charts/web/values.yaml", "replicas: 1\n");
    t.put("charts/common/Chart.yaml", "apiVersion: v2\nname: common\n");
    t.put("charts/common/templates/_helpers.tpl", "{{- define \"x\" -}}{{- end -}}\n");
    t.put("charts/webapp/Chart.yaml", "apiVersion: v2\nname: webapp\n");
    t.put("values/prod.yaml", "replicas: 3\n");
    t.put("values/dev.yaml", "replicas: 1\n");
    t.put("files/cfg.json", "{}\n");
    AppRef prod = app("web-prod", "charts/web");
    prod.sources[0].valueFiles = QStringList{"values.yaml", "../../values/prod.yaml"};
    prod.sources[0].fileParameters = QStringList{"../../files/cfg.json"};
    AppRef dev = app("web-dev", "charts/web", QStringLiteral("helm"));
    dev.sources[0].valueFiles = QStringList{"../../values/dev.yaml"};
    ImpactMap map(t, kRepo, {prod, dev, app("webapp", "charts/webapp")});
    QCOMPARE(map.apps()[0].sources[0].kind, QStringLiteral("helm"));
    QCOMPARE(hit(map, "charts/web/templates/deploy.yaml"), (QStringList{"web-dev", "web-prod"}));
    QCOMPARE(hit(map, "values/prod.yaml"), QStringList{"web-prod"});
    QCOMPARE(hit(map, "values/dev.yaml"), QStringList{"web-dev"});
    QCOMPARE(hit(map, "files/cfg.json"), QStringList{"web-prod"});
    QCOMPARE(hit(map, "charts/common/templates/_helpers.tpl"),
             (QStringList{"web-dev", "web-prod"}));
    QCOMPARE(hit(map, "charts/webapp/Chart.yaml"), QStringList{"webapp"});
}

void TestImpactMap::multiSourceValuesRef() {
    MemoryTree t;
    t.put("envs/prod/values.yaml", "replicas: 3\n");
    t.put("envs/dev/values.yaml", "replicas: 1\n");
    t.put("envs/prod/unrelated.yaml", "x: 1\n");
    const auto apps = parseApplications(R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop-prod}
spec:
  sources:
  - repoURL: https://charts.example.com
    chart: shop
    targetRevision: 1.2.3
    helm:
      valueFiles: [$values/envs/prod/values.yaml, values-prod.yaml]
  - repoURL: git@github.com:acme/config.git
    targetRevision: main
    ref: values
  destination: {name: prod}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop-other}
spec:
  sources:
  - repoURL: https://charts.example.com
    chart: shop
    helm:
      valueFiles: [$values/envs/prod/values.yaml]
  - repoURL: https://github.com/acme/other-config.git
    ref: values
  destination: {name: prod}
)",
                                        "apps.yaml");
    QVERIFY(apps.ok());
    ImpactMap map(t, kRepo, apps.value());
    QCOMPARE(hit(map, "envs/prod/values.yaml"), QStringList{"shop-prod"});
    QCOMPARE(hit(map, "envs/prod/unrelated.yaml"), QStringList{});
    QCOMPARE(hit(map, "values-prod.yaml"), QStringList{}); // inside the remote chart
    const ImpactEntry e = map.impacted(modified({"envs/prod/values.yaml"})).front();
    QCOMPARE(e.reasons, QStringList{"envs/prod/values.yaml is a Helm values file of shop-prod "
                                    "(through $values)"});
}

void TestImpactMap::plainDirectory() {
    MemoryTree t;
    t.put("d/a.yaml", "x: 1\n");
    t.put("d/b.json", "{}\n");
    t.put("d/README.md", "docs\n");
    t.put("d/sub/c.yaml", "x: 1\n");
    t.put("d/sub/skip/d.yaml", "x: 1\n");
    AppRef flat = app("flat", "d");
    AppRef deep = app("deep", "d", QStringLiteral("directory"));
    deep.sources[0].directoryRecurse = true;
    AppRef filtered = app("filtered", "d", QStringLiteral("directory"));
    filtered.sources[0].directoryRecurse = true;
    filtered.sources[0].directoryInclude = QStringLiteral("*.yaml");
    filtered.sources[0].directoryExclude = QStringLiteral("{sub/skip/*,a.yaml}");
    ImpactMap map(t, kRepo, {flat, deep, filtered});
    QCOMPARE(map.filesOf(map.apps()[0]), (QStringList{"d/a.yaml", "d/b.json"}));
    QCOMPARE(map.filesOf(map.apps()[1]),
             (QStringList{"d/a.yaml", "d/b.json", "d/sub/c.yaml", "d/sub/skip/d.yaml"}));
    QCOMPARE(map.filesOf(map.apps()[2]), QStringList{"d/sub/c.yaml"});
    QCOMPARE(hit(map, "d/README.md"), QStringList{});
}

void TestImpactMap::repoUrlForms() {
    MemoryTree t;
    t.put("a/x.yaml", "x: 1\n");
    ImpactMap map(t, QStringLiteral("git@GitHub.com:acme/config"),
                  {app("https", "a", {}, "https://github.com/acme/config.git/"),
                   app("ssh", "a", {}, "ssh://git@github.com:22/acme/config"),
                   app("other", "a", {}, "https://github.com/acme/config-other")});
    QCOMPARE(hit(map, "a/x.yaml"), (QStringList{"https", "ssh"}));

    // Empty repoURL: every source counts as this repository.
    ImpactMap any(t, QString(), {app("other", "a", {}, "https://github.com/acme/config-other")});
    QCOMPARE(hit(any, "a/x.yaml"), QStringList{"other"});
}

void TestImpactMap::reasonsAndFilesOf() {
    MemoryTree t;
    t.put("envs/prod-eu/kustomization.yml",
          "resources: [../../base]\npatchesStrategicMerge: [version.yml]\n");
    t.put("envs/prod-eu/version.yml", "x: 1\n");
    t.put("base/kustomization.yml", "resources: [deployment.yml]\n");
    t.put("base/deployment.yml", "x: 1\n");
    ImpactMap map(t, kRepo, {app("prod-eu", "envs/prod-eu")});
    const auto entries =
        map.impacted(modified({"envs/prod-eu/version.yml", "base/deployment.yml", "README.md"}));
    QCOMPARE(entries.size(), size_t(1));
    QCOMPARE(entries[0].files, (QStringList{"base/deployment.yml", "envs/prod-eu/version.yml"}));
    QCOMPARE(entries[0].reasons,
             (QStringList{"envs/prod-eu/version.yml is a patch of kustomization envs/prod-eu",
                          "base/deployment.yml is a resource of kustomization base (via "
                          "envs/prod-eu → base)"}));
    QCOMPARE(map.filesOf(map.apps()[0]),
             (QStringList{"base/deployment.yml", "base/kustomization.yml",
                          "envs/prod-eu/kustomization.yml", "envs/prod-eu/version.yml"}));
    QCOMPARE(map.filesOf(app("unknown", "x")), QStringList{});
}

void TestImpactMap::baseHeadUnion() {
    MemoryTree base;
    base.put("o/kustomization.yaml", "resources: [old.yaml]\n");
    base.put("o/old.yaml", "x: 1\n");
    base.put("p/kustomization.yaml", "resources: [a.yaml]\n");
    base.put("p/a.yaml", "x: 1\n");
    MemoryTree head;
    head.put("o/kustomization.yaml", "resources: [new.yaml]\n");
    head.put("o/new.yaml", "x: 1\n");
    head.put("p/kustomization.yaml", "resources: [b.yaml]\n");
    head.put("p/b.yaml", "x: 1\n"); // renamed from a.yaml
    const std::vector<AppRef> apps{app("o", "o"), app("p", "p")};
    const ImpactMap atBase(base, kRepo, apps);
    const ImpactMap atHead(head, kRepo, apps);
    std::vector<FileChange> changes = diffTrees(base, head);
    QCOMPARE(changes.size(), size_t(6));
    // Only at head: the added file; only at base: the deleted one.
    QCOMPARE(names(atHead.impacted({{FileChange::Kind::Added, "o/new.yaml", "o/new.yaml"}})),
             QStringList{"o"});
    QCOMPARE(names(atBase.impacted({{FileChange::Kind::Added, "o/new.yaml", "o/new.yaml"}})),
             QStringList{});
    const auto across = impactedAcross(atBase, atHead, changes);
    QCOMPARE(names(across), (QStringList{"o", "p"}));
    QCOMPARE(across[0].files, (QStringList{"o/kustomization.yaml", "o/new.yaml", "o/old.yaml"}));
    // A rename is looked up by its old path at base and new path at head.
    const auto renamed = impactedAcross(
        atBase, atHead,
        {{FileChange::Kind::Renamed, QStringLiteral("p/b.yaml"), QStringLiteral("p/a.yaml")}});
    QCOMPARE(names(renamed), QStringList{"p"});
    QCOMPARE(renamed[0].files, (QStringList{"p/a.yaml", "p/b.yaml"}));
    // A deleted file is not looked up at head, an added one not at base.
    const auto deleted = impactedAcross(
        atBase, atHead,
        {{FileChange::Kind::Deleted, QStringLiteral("o/new.yaml"), QStringLiteral("o/new.yaml")}});
    QCOMPARE(names(deleted), QStringList{});
}

void TestImpactMap::appOfApps() {
    MemoryTree t;
    t.put("apps/web.yaml", R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd, labels: {env: prod}}
spec:
  source: {repoURL: 'git@github.com:acme/config.git', path: services/web}
  destination: {name: prod-eu, namespace: web}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: elsewhere, namespace: argocd}
spec:
  source: {repoURL: 'https://github.com/acme/other', path: services/web}
  destination: {name: prod-eu, namespace: web}
)");
    t.put("apps/broken.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
                              "metadata: {name: [\n");
    t.put("root/kustomization.yaml", "resources: [../apps/web.yaml]\n");
    t.put("root/app.yaml", R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: root, namespace: argocd}
spec:
  source: {repoURL: 'https://github.com/acme/config', path: root}
  destination: {server: 'https://kubernetes.default.svc', namespace: argocd}
)");
    t.put("services/web/deploy.yaml", "kind: Deployment\n");
    t.put("charts/apps/templates/app.yaml",
          "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: "
          "{{ .Values.name }}\n");
    QStringList notes;
    const std::vector<AppRef> apps = applicationsInRepo(t, kRepo, {}, &notes);
    QStringList found;
    for (const AppRef& a : apps)
        found.append(a.name + "@" + a.definedIn);
    QCOMPARE(found,
             (QStringList{"web@apps/web.yaml", "elsewhere@apps/web.yaml", "root@root/app.yaml"}));
    QCOMPARE(notes.size(), 2);
    QVERIFY(notes.join('\n').contains(
        "skipped apps/broken.yaml: apps/broken.yaml:4: end of sequence flow not found"));
    QVERIFY(notes.join('\n').contains("charts/apps/templates/app.yaml is a Helm template"));

    ImpactMap map(t, kRepo, apps);
    // The manifest file reaches the app it defines and the parent that renders it.
    QCOMPARE(hit(map, "apps/web.yaml"), (QStringList{"elsewhere", "root", "web"}));
    QCOMPARE(hit(map, "services/web/deploy.yaml"), QStringList{"web"});
    const auto e = map.impacted(modified({"apps/web.yaml"}));
    QStringList reasons;
    for (const ImpactEntry& x : e)
        reasons.append(x.reasons);
    QVERIFY(reasons.contains("apps/web.yaml defines Application web"));
    QVERIFY(reasons.contains("apps/web.yaml is a resource of kustomization root"));
}

void TestImpactMap::appSetInRepo() {
    MemoryTree t;
    t.put("appsets/envs.yaml", R"(apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: envs, namespace: argocd}
spec:
  generators:
  - git:
      repoURL: https://github.com/acme/config.git
      revision: HEAD
      files: [{path: 'envs/*/config.json'}]
  template:
    metadata: {name: 'web-{{path.basename}}'}
    spec:
      source: {repoURL: https://github.com/acme/config.git, path: '{{path}}'}
      destination: {name: '{{cluster}}', namespace: web}
)");
    t.put("envs/qa/config.json", R"({"cluster": "qa-1"})");
    t.put("envs/qa/kustomization.yaml", "resources: [d.yaml]\n");
    t.put("envs/qa/d.yaml", "x: 1\n");
    t.put("envs/prod/config.json", R"({"cluster": "prod-1"})");
    t.put("envs/prod/kustomization.yaml", "resources: [d.yaml]\n");
    t.put("envs/prod/d.yaml", "x: 1\n");
    const std::vector<AppRef> apps = applicationsInRepo(t, kRepo, {});
    QCOMPARE(apps.size(), size_t(2));
    QCOMPARE(apps[0].name, QStringLiteral("web-prod"));
    QCOMPARE(apps[0].cluster, QStringLiteral("prod-1"));
    QCOMPARE(apps[0].environment, QStringLiteral("prod"));
    QCOMPARE(apps[0].generatedBy, QStringLiteral("envs"));
    ImpactMap map(t, kRepo, apps);
    QCOMPARE(hit(map, "envs/qa/config.json"), QStringList{"web-qa"});
    QCOMPARE(hit(map, "envs/qa/d.yaml"), QStringList{"web-qa"});
    QCOMPARE(hit(map, "appsets/envs.yaml"), (QStringList{"web-prod", "web-qa"}));
}

// ~200 applications over kustomize overlays sharing bases and components, ~500 changed files.
void TestImpactMap::syntheticScale() {
    MemoryTree t;
    const int kApps = 200;
    const int kBases = 10;
    for (int b = 0; b < kBases; ++b) {
        QByteArray k = "resources:\n";
        for (int f = 0; f < 20; ++f) {
            const QString file = QStringLiteral("bases/b%1/r%2.yaml").arg(b).arg(f);
            t.put(file, "kind: ConfigMap\n");
            k += QStringLiteral("- r%1.yaml\n").arg(f).toUtf8();
        }
        t.put(QStringLiteral("bases/b%1/kustomization.yaml").arg(b), k);
        t.put(QStringLiteral("components/c%1/kustomization.yaml").arg(b),
              "kind: Component\npatches: [{path: p.yaml}]\n");
        t.put(QStringLiteral("components/c%1/p.yaml").arg(b), "x: 1\n");
    }
    std::vector<AppRef> apps;
    for (int a = 0; a < kApps; ++a) {
        const QString dir = QStringLiteral("envs/e%1").arg(a);
        t.put(dir + "/kustomization.yaml",
              QStringLiteral("resources: [../../bases/b%1]\ncomponents: [../../components/c%2]\n"
                             "patchesStrategicMerge: [v.yaml, r.yaml]\n")
                  .arg(a % kBases)
                  .arg((a / kBases) % kBases)
                  .toUtf8());
        t.put(dir + "/v.yaml", "x: 1\n");
        t.put(dir + "/r.yaml", "x: 1\n");
        t.put(dir + "/unused.yaml", "x: 1\n");
        apps.push_back(app(QStringLiteral("e%1").arg(a), dir));
    }
    // 500 changes: every app's v.yaml and unused.yaml (not rendered), 100 base files.
    std::vector<FileChange> changes;
    for (int a = 0; a < kApps; ++a) {
        changes.push_back({FileChange::Kind::Modified, QStringLiteral("envs/e%1/v.yaml").arg(a),
                           QStringLiteral("envs/e%1/v.yaml").arg(a)});
        changes.push_back({FileChange::Kind::Modified,
                           QStringLiteral("envs/e%1/unused.yaml").arg(a),
                           QStringLiteral("envs/e%1/unused.yaml").arg(a)});
    }
    for (int i = 0; i < 100; ++i) {
        const QString f = QStringLiteral("bases/b%1/r%2.yaml").arg(i % kBases).arg(i / kBases);
        changes.push_back({FileChange::Kind::Modified, f, f});
    }
    QCOMPARE(changes.size(), size_t(500));

    // The same repository on disk, read as a DirectoryTree (a checkout or an export).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(t.exportTo(dir.path()).ok());
    const DirectoryTree onDisk(dir.path());

    for (const RepoTree* tree :
         {static_cast<const RepoTree*>(&t), static_cast<const RepoTree*>(&onDisk)}) {
        std::vector<qint64> buildNs, queryNs;
        std::vector<ImpactEntry> result;
        for (int run = 0; run < 7; ++run) { // the first run warms up; medians are reported
            QElapsedTimer timer;
            timer.start();
            ImpactMap map(*tree, kRepo, apps);
            buildNs.push_back(timer.nsecsElapsed());
            timer.restart();
            result = map.impacted(changes);
            queryNs.push_back(timer.nsecsElapsed());
        }
        QCOMPARE(result.size(), size_t(kApps));
        for (const ImpactEntry& e : result) // own v.yaml + the 10 changed files of its base
            QCOMPARE(e.files.size(), 11);
        std::sort(buildNs.begin(), buildNs.end());
        std::sort(queryNs.begin(), queryNs.end());
        qInfo("impact map (%s), %d apps, %zu files in repo: build median %.2f ms (min %.2f), "
              "500-file lookup median %.3f ms (min %.3f)",
              tree == &t ? "memory" : "disk", kApps, size_t(t.files().size()), buildNs[3] / 1e6,
              buildNs[0] / 1e6, queryNs[3] / 1e6, queryNs[0] / 1e6);
    }
}

QTEST_APPLESS_MAIN(TestImpactMap)
#include "tst_impactmap.moc"
