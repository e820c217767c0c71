// Rendering a source of a revision: kustomize through kubectl/kustomize when installed, the raw
// YAML fallback always (services/gitops/render).

#include "gitops/objectdiff.h"
#include "gitops/render.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::gitops;

namespace {

bool haveKustomize() {
    const auto& r = policy::Renderers::detect();
    return !r.kubectl.isEmpty() || !r.kustomize.isEmpty();
}

MemoryTree kustomizeRepo(const QByteArray& replicas = "3") {
    MemoryTree t;
    t.put(QStringLiteral("apps/web/base/kustomization.yaml"),
          "resources:\n- deployment.yaml\n- config.yaml\n");
    t.put(QStringLiteral("apps/web/base/deployment.yaml"),
          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n"
          "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n"
          "      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n"
          "        image: shop/web:1.4.2\n");
    t.put(QStringLiteral("apps/web/base/config.yaml"),
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  A: '1'\n"
          "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
          "  name: web-reader\nrules: []\n");
    t.put(QStringLiteral("apps/web/overlays/prod/kustomization.yml"),
          "resources:\n- ../../base\nnamePrefix: prod-\nimages:\n- name: shop/web\n"
          "  newTag: 1.5.0\npatches:\n- path: replicas.yaml\n");
    t.put(QStringLiteral("apps/web/overlays/prod/replicas.yaml"),
          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: " +
              replicas + "\n");
    return t;
}

const policy::KubeObject* find(const RenderedSource& r, const std::string& kind) {
    for (const auto& o : r.objects) {
        if (o.kind == kind)
            return &o;
    }
    return nullptr;
}

} // namespace

class TestRender : public QObject {
    Q_OBJECT

private slots:
    void rawFolderWithDefaultNamespace() {
        MemoryTree t;
        t.put(QStringLiteral("apps/plain/a.yaml"),
              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n"
              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: other\n---\n"
              "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n");
        t.put(QStringLiteral("apps/plain/crd.yaml"),
              "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
              "  name: gadgets.example.com\nspec:\n  group: example.com\n  scope: Cluster\n"
              "  names: {kind: Gadget, plural: gadgets}\n---\napiVersion: example.com/v1\n"
              "kind: Gadget\nmetadata:\n  name: g\n---\napiVersion: example.com/v1\n"
              "kind: Widget\nmetadata:\n  name: w\n");
        t.put(QStringLiteral("apps/plainer/ignored.yaml"),
              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: elsewhere\n");
        RenderInput in;
        in.path = QStringLiteral("apps/plain");
        in.ns = QStringLiteral("shop");
        const auto r = render(t, in);
        QVERIFY2(r, r ? "" : qPrintable(r.error().toString()));
        QCOMPARE(r->renderer, QStringLiteral("raw"));
        QCOMPARE(r->objects.size(), std::size_t(6));
        QHash<QString, QString> ns;
        for (const auto& o : r->objects) {
            ns.insert(QString::fromStdString(o.name), QString::fromStdString(o.ns));
            QVERIFY2(o.file.startsWith(QLatin1String("apps/plain/")), qPrintable(o.file));
        }
        QCOMPARE(ns.value(QStringLiteral("a")), QStringLiteral("shop"));
        QCOMPARE(ns.value(QStringLiteral("b")), QStringLiteral("other"));
        QCOMPARE(ns.value(QStringLiteral("shop")), QString());                // Namespace
        QCOMPARE(ns.value(QStringLiteral("gadgets.example.com")), QString()); // CRD
        QCOMPARE(ns.value(QStringLiteral("g")), QString()); // a cluster-scoped custom kind
        QCOMPARE(ns.value(QStringLiteral("w")), QStringLiteral("shop")); // unknown: namespaced
    }

    void identicalSourcesRenderOnce() {
        // An ApplicationSet puts one folder on many clusters: one render per revision serves
        // every Application that deploys it the same way; another namespace is another render.
        MemoryTree t;
        t.put(QStringLiteral("apps/web/cm.yaml"),
              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n");
        SourceRenderer renderer(t);
        RenderInput in;
        in.path = QStringLiteral("apps/web");
        in.ns = QStringLiteral("shop");
        for (const char* release : {"web-eu", "web-us", "web-asia"}) {
            in.releaseName = QString::fromLatin1(release); // not a Helm chart: irrelevant
            const auto r = renderer.render(in);
            QVERIFY(r);
            QCOMPARE(r->objects.size(), std::size_t(1));
            QCOMPARE(QString::fromStdString(r->objects.front().ns), QStringLiteral("shop"));
        }
        QCOMPARE(renderer.rendersRun(), 1);
        QCOMPARE(renderer.rendersShared(), 2);
        in.ns = QStringLiteral("shop-canary");
        const auto other = renderer.render(in);
        QVERIFY(other);
        QCOMPARE(QString::fromStdString(other->objects.front().ns), QStringLiteral("shop-canary"));
        QCOMPARE(renderer.rendersRun(), 2);
    }

    void missingPathRendersNothingWithANote() {
        MemoryTree t;
        t.put(QStringLiteral("apps/other/a.yaml"), "kind: ConfigMap\n");
        RenderInput in;
        in.path = QStringLiteral("apps/web");
        const auto r = render(t, in);
        QVERIFY(r);
        QVERIFY(r->objects.empty());
        QCOMPARE(r->notes,
                 QStringList{QStringLiteral("apps/web: not in this revision; no objects")});
        in.path = QStringLiteral("../outside");
        QVERIFY(!render(t, in));
    }

    void invalidYamlIsAnErrorWithARepoPath() {
        MemoryTree t;
        t.put(QStringLiteral("apps/bad/a.yaml"), "kind: [unclosed\n");
        RenderInput in;
        in.path = QStringLiteral("apps/bad");
        const auto r = render(t, in);
        QVERIFY(!r);
        QVERIFY2(r.error().details.startsWith(QStringLiteral("apps/bad/a.yaml:")),
                 qPrintable(r.error().details));
    }

    void kustomizeOverlay() {
        if (!haveKustomize())
            QSKIP("neither kubectl nor kustomize is installed");
        const MemoryTree t = kustomizeRepo();
        SourceRenderer renderer(t);
        RenderInput in;
        in.path = QStringLiteral("apps/web/overlays/prod");
        in.ns = QStringLiteral("shop");
        const auto r = renderer.render(in);
        QVERIFY2(r, r ? "" : qPrintable(r.error().toString()));
        QVERIFY(r->renderer == QLatin1String("kubectl-kustomize") ||
                r->renderer == QLatin1String("kustomize"));
        const policy::KubeObject* d = find(*r, "Deployment");
        QVERIFY(d);
        QCOMPARE(d->name, std::string("prod-web"));
        QCOMPARE(d->ns, std::string("shop"));
        QCOMPARE(d->root->path("spec/replicas")->scalar, std::string("3"));
        const auto* image = d->root->path("spec/template/spec/containers");
        QCOMPARE(image->seq.front().get("image")->scalar, std::string("shop/web:1.5.0"));
        QVERIFY2(!d->file.contains(QStringLiteral("sextant-render")), qPrintable(d->file));
        QCOMPARE(find(*r, "ClusterRole")->ns, std::string()); // cluster-scoped: no default
        // The renderer reuses its export for another source of the same revision.
        in.path = QStringLiteral("apps/web/base");
        const auto base = renderer.render(in);
        QVERIFY(base);
        QCOMPARE(find(*base, "Deployment")->name, std::string("web"));
    }

    void kustomizeBaseAndHeadDiff() {
        if (!haveKustomize())
            QSKIP("neither kubectl nor kustomize is installed");
        RenderInput in;
        in.path = QStringLiteral("apps/web/overlays/prod");
        in.ns = QStringLiteral("shop");
        const auto base = render(kustomizeRepo("3"), in);
        const auto head = render(kustomizeRepo("5"), in);
        QVERIFY(base && head);
        const auto changes = diffObjects(base->objects, head->objects);
        QCOMPARE(changes.size(), std::size_t(1));
        QCOMPARE(changes[0].displayName(), QStringLiteral("Deployment shop/prod-web"));
        QCOMPARE(changes[0].fields.size(), std::size_t(1));
        QCOMPARE(changes[0].fields[0].path, QStringLiteral("spec.replicas"));
        QCOMPARE(changes[0].fields[0].after, QStringLiteral("5"));
    }

    void kustomizeWithoutRendererFallsBackToRaw() {
        if (haveKustomize()) {
            // The renderers are detected once per process: check the fallback in a child that
            // sees no kubectl and no kustomize on its PATH.
            QTemporaryDir emptyBin;
            QProcess child;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("PATH"), emptyBin.path());
            child.setProcessEnvironment(env);
            child.start(QCoreApplication::applicationFilePath(),
                        {QStringLiteral("kustomizeWithoutRendererFallsBackToRaw")});
            QVERIFY(child.waitForFinished(60000));
            const QString out = QString::fromUtf8(child.readAllStandardOutput());
            QVERIFY2(child.exitCode() == 0, qPrintable(out));
            QVERIFY2(out.contains(QStringLiteral("PASS   : TestRender::kustomizeWithout")),
                     qPrintable(out));
            return;
        }
        RenderInput in;
        in.path = QStringLiteral("apps/web/overlays/prod");
        in.ns = QStringLiteral("shop");
        const auto r = render(kustomizeRepo(), in);
        QVERIFY(r);
        QCOMPARE(r->renderer, QStringLiteral("raw"));
        QCOMPARE(r->notes.size(), 1);
        QVERIFY2(r->notes.front().startsWith(
                     QStringLiteral("apps/web/overlays/prod: kustomization found")),
                 qPrintable(r->notes.front()));
        // The overlay's own files are read as they are (the patch is a partial Deployment).
        QCOMPARE(r->objects.size(), std::size_t(1));
        QCOMPARE(r->objects.front().ns, std::string("shop"));
        QCOMPARE(r->objects.front().file, QStringLiteral("apps/web/overlays/prod/replicas.yaml"));
    }
};

QTEST_GUILESS_MAIN(TestRender)
#include "tst_render.moc"
