// Corrective commits: the demo GitOps repositories and small trees in memory. Every applied fix
// is read back from the edited YAML (and rendered with kubectl kustomize when it is installed).

#include "analysis/diagnoser.h"
#include "analysis/evidence.h"
#include "gitops/correctivefix.h"
#include "gitops/demorepos.h"
#include "gitops/yamledit.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::gitops;
using analysis::Finding;

namespace {

// The error of a failed result, for test messages (empty when it succeeded).
template <typename T>
QByteArray why(const Result<T>& r) {
    return r.ok() ? QByteArray() : r.error().toString().toUtf8();
}

const QString kDemoRoot = QStringLiteral(SEXTANT_TEST_DATA_DIR "/../../resources/demo-gitops");

const std::vector<DemoRepo>& demo() {
    static const std::vector<DemoRepo> repos = [] {
        auto r = demoRepositories(kDemoRoot);
        if (!r.ok())
            qFatal("demo repositories: %s", why(r).constData());
        return std::move(*r);
    }();
    return repos;
}

const MemoryTree& demoTree(const char* url) {
    const DemoRepo* r = findDemoRepo(demo(), QLatin1String(url));
    if (!r)
        qFatal("no demo repository %s", url);
    return r->tree;
}

// The tree with the draft's edits applied.
MemoryTree applied(const MemoryTree& base, const CorrectiveDraft& d) {
    MemoryTree t = base;
    for (const DraftEdit& e : d.edits)
        t.put(e.path, e.after);
    return t;
}

QString readBack(const MemoryTree& t, const QString& file, const QString& path,
                 const DocSelector& doc = {}) {
    auto v = readScalar(t.readFile(file).value_or(QByteArray()), doc, parseYamlPath(path));
    if (!v.ok())
        return QStringLiteral("<error %1>").arg(v.error().shortMessage);
    return v->has_value() ? **v : QStringLiteral("<absent>");
}

// Lines of `after` that are not in `before` / of `before` not in `after` (by position).
QStringList diffLines(const DraftEdit& e, char sign) {
    QStringList out;
    for (const QString& l : e.diff.split(QLatin1Char('\n')))
        if (l.startsWith(QLatin1Char(sign)) && !l.startsWith(QString(3, QLatin1Char(sign))))
            out << l.mid(1);
    return out;
}

// Renders an overlay with kubectl kustomize; empty when kubectl is not installed.
QString kustomize(const MemoryTree& tree, const QString& dir) {
    const QString kubectl = QStandardPaths::findExecutable(QStringLiteral("kubectl"));
    if (kubectl.isEmpty())
        return {};
    QTemporaryDir tmp;
    if (!tree.exportTo(tmp.path()).ok())
        return QStringLiteral("<export failed>");
    QProcess p;
    p.start(kubectl, {QStringLiteral("kustomize"), tmp.filePath(dir)});
    if (!p.waitForFinished(60000) || p.exitCode() != 0)
        return QStringLiteral("<kustomize failed: %1>")
            .arg(QString::fromUtf8(p.readAllStandardError()));
    return QString::fromUtf8(p.readAllStandardOutput());
}

// The demo's shop-checkout evidence, as the collector gathers it from the simulator.
const char* kCheckoutBundle =
    "{\n"
    "  \"format\": \"sextant.evidence/v1\",\n"
    "  \"instance\": \"prod-eu\",\n"
    "  \"application\": {\"metadata\": {\"name\": \"shop-checkout\", \"namespace\": \"argocd\"},\n"
    "    \"spec\": {\"project\": \"shop\", \"source\": {\"repoURL\": "
    "\"https://git.example.com/shop/checkout.git\",\n"
    "      \"path\": \"deploy/overlays/prod\", \"targetRevision\": \"main\"}},\n"
    "    \"status\": {\"health\": {\"status\": \"Degraded\"}, \"sync\": {\"status\": \"Synced\",\n"
    "      \"revision\": \"c4b8a2f6e0d4c8b2a6f0e4d8c2b6a0f4e8d2c6b1\"}}},\n"
    "  \"resourceTree\": {\"nodes\": [\n"
    "    {\"group\": \"apps\", \"kind\": \"Deployment\", \"namespace\": \"shop\", \"name\": "
    "\"checkout\",\n"
    "     \"health\": {\"status\": \"Degraded\", \"message\": \"Deployment \\u0022checkout\\u0022 "
    "exceeded its progress deadline\"}},\n"
    "    {\"group\": \"apps\", \"kind\": \"ReplicaSet\", \"namespace\": \"shop\", \"name\": "
    "\"checkout-5c7f9d8b6d\",\n"
    "     \"parentRefs\": [{\"group\": \"apps\", \"kind\": \"Deployment\", \"namespace\": "
    "\"shop\", \"name\": \"checkout\"}]},\n"
    "    {\"kind\": \"Pod\", \"namespace\": \"shop\", \"name\": \"checkout-5c7f9d8b6d-h2kqz\",\n"
    "     \"parentRefs\": [{\"group\": \"apps\", \"kind\": \"ReplicaSet\", \"namespace\": "
    "\"shop\", \"name\": \"checkout-5c7f9d8b6d\"}],\n"
    "     \"health\": {\"status\": \"Degraded\", \"message\": \"Back-off pulling image "
    "\\u0022registry.example.com/shop/checkout:v2.41.0\\u0022\"},\n"
    "     \"info\": [{\"name\": \"Status Reason\", \"value\": \"ImagePullBackOff\"}]}]},\n"
    "  \"pods\": [{\"metadata\": {\"name\": \"checkout-5c7f9d8b6d-h2kqz\", \"namespace\": "
    "\"shop\",\n"
    "      \"ownerReferences\": [{\"kind\": \"ReplicaSet\", \"name\": \"checkout-5c7f9d8b6d\"}]},\n"
    "    \"status\": {\"phase\": \"Pending\", \"containerStatuses\": [{\"name\": \"checkout\",\n"
    "      \"image\": \"registry.example.com/shop/checkout:v2.41.0\", \"ready\": false, "
    "\"restartCount\": 0,\n"
    "      \"state\": {\"waiting\": {\"reason\": \"ImagePullBackOff\",\n"
    "        \"message\": \"Back-off pulling image "
    "\\u0022registry.example.com/shop/checkout:v2.41.0\\u0022\"}}}]}}],\n"
    "  \"events\": [\n"
    "    {\"involvedObject\": {\"kind\": \"Pod\", \"namespace\": \"shop\", \"name\": "
    "\"checkout-5c7f9d8b6d-h2kqz\",\n"
    "      \"fieldPath\": \"spec.containers{checkout}\"}, \"type\": \"Warning\", \"reason\": "
    "\"Failed\", \"count\": 9,\n"
    "     \"message\": \"Failed to pull image "
    "\\u0022registry.example.com/shop/checkout:v2.41.0\\u0022: failed to pull and unpack image "
    "\\u0022registry.example.com/shop/checkout:v2.41.0\\u0022: failed to resolve reference "
    "\\u0022registry.example.com/shop/checkout:v2.41.0\\u0022: "
    "registry.example.com/shop/checkout:v2.41.0: not found\"},\n"
    "    {\"involvedObject\": {\"kind\": \"Pod\", \"namespace\": \"shop\", \"name\": "
    "\"checkout-5c7f9d8b6d-h2kqz\"},\n"
    "     \"type\": \"Normal\", \"reason\": \"BackOff\", \"count\": 160,\n"
    "     \"message\": \"Back-off pulling image "
    "\\u0022registry.example.com/shop/checkout:v2.41.0\\u0022\"}]\n"
    "}";

const char* kWebBundle =
    "{\n"
    "  \"application\": {\"metadata\": {\"name\": \"shop-web\", \"namespace\": \"argocd\"},\n"
    "    \"status\": {\"health\": {\"status\": \"Degraded\"}, \"sync\": {\"status\": "
    "\"Synced\"}}},\n"
    "  \"resourceTree\": {\"nodes\": [\n"
    "    {\"group\": \"apps\", \"kind\": \"Deployment\", \"namespace\": \"shop\", \"name\": "
    "\"web\",\n"
    "     \"health\": {\"status\": \"Progressing\", \"message\": \"Waiting for rollout to finish: "
    "1 out of 3 new replicas have been updated...\"}},\n"
    "    {\"group\": \"apps\", \"kind\": \"ReplicaSet\", \"namespace\": \"shop\", \"name\": "
    "\"web-6d8f7c9b5\",\n"
    "     \"parentRefs\": [{\"group\": \"apps\", \"kind\": \"Deployment\", \"namespace\": "
    "\"shop\", \"name\": \"web\"}]},\n"
    "    {\"kind\": \"Pod\", \"namespace\": \"shop\", \"name\": \"web-6d8f7c9b5-x2k8p\",\n"
    "     \"parentRefs\": [{\"group\": \"apps\", \"kind\": \"ReplicaSet\", \"namespace\": "
    "\"shop\", \"name\": \"web-6d8f7c9b5\"}],\n"
    "     \"health\": {\"status\": \"Degraded\", \"message\": \"couldn\\u0027t find key LOG_LEVEL "
    "in ConfigMap shop/web-config\"}}]},\n"
    "  \"pods\": [{\"metadata\": {\"name\": \"web-6d8f7c9b5-x2k8p\", \"namespace\": \"shop\"},\n"
    "    \"status\": {\"phase\": \"Pending\", \"containerStatuses\": [{\"name\": \"web\", "
    "\"ready\": false,\n"
    "      \"state\": {\"waiting\": {\"reason\": \"CreateContainerConfigError\",\n"
    "        \"message\": \"couldn\\u0027t find key LOG_LEVEL in ConfigMap "
    "shop/web-config\"}}}]}}],\n"
    "  \"events\": [{\"involvedObject\": {\"kind\": \"Pod\", \"namespace\": \"shop\", \"name\": "
    "\"web-6d8f7c9b5-x2k8p\",\n"
    "      \"fieldPath\": \"spec.containers{web}\"}, \"type\": \"Warning\", \"reason\": "
    "\"Failed\", \"count\": 113,\n"
    "     \"message\": \"Error: couldn\\u0027t find key LOG_LEVEL in ConfigMap "
    "shop/web-config\"}]\n"
    "}";

Finding diagnoseFirst(const char* json) {
    static const analysis::Diagnoser engine(analysis::SignatureCatalogue::builtin());
    auto b = analysis::EvidenceBundle::fromJson(QByteArray(json));
    if (!b.ok())
        qFatal("bad bundle: %s", why(b).constData());
    const analysis::Diagnosis d = engine.diagnose(*b);
    if (d.findings.isEmpty())
        qFatal("no finding");
    return d.findings.first();
}

const QString kCheckoutHistory =
    QStringLiteral("registry.example.com/shop/checkout:v2.13.2\n"
                   "registry.example.com/shop/checkout:v2.14.0 healthy\n"
                   "registry.example.com/shop/checkout:v2.41.0 unhealthy\n");

Finding finding(const char* category, const char* fixKind, const char* resource,
                QMap<QString, QString> fields) {
    Finding f;
    f.category = QLatin1String(category);
    f.fixKind = QLatin1String(fixKind);
    f.resource = QLatin1String(resource);
    f.fields = std::move(fields);
    return f;
}

} // namespace

class TestCorrectiveFix : public QObject {
    Q_OBJECT

private slots:
    void demoRepositoriesMatchTheScenario() {
        const auto& repos = demo();
        QStringList urls;
        for (const DemoRepo& r : repos)
            urls << r.repoURL;
        QCOMPARE(urls, (QStringList{"https://git.example.com/inventory/api.git",
                                    "https://git.example.com/orders/api.git",
                                    "https://git.example.com/payments/api.git",
                                    "https://git.example.com/shop/checkout.git",
                                    "https://git.example.com/shop/web.git"}));
        QVERIFY(findDemoRepo(repos, QStringLiteral("https://git.example.com/shop/web")));
        QVERIFY(!findDemoRepo(repos, QStringLiteral("https://git.example.com/shop/cart.git")));
        const MemoryTree& checkout = demoTree("https://git.example.com/shop/checkout.git");
        QVERIFY(checkout.isFile(QStringLiteral("CODEOWNERS")));
        QCOMPARE(readBack(checkout, "deploy/overlays/prod/kustomization.yaml",
                          "images[name=registry.example.com/shop/checkout].newTag"),
                 QStringLiteral("v2.41.0"));
        QVERIFY(demoTree("https://git.example.com/payments/api.git")
                    .isFile(QStringLiteral("chart/Chart.yaml")));
        QVERIFY(!demoRepositories(QStringLiteral("/nonexistent/demo")).ok());
    }

    void demoCheckoutTypoPatchesTheOverlayNewTag() {
        const Finding f = diagnoseFirst(kCheckoutBundle);
        QCOMPARE(f.category, QStringLiteral("ImagePullNotFound"));
        QCOMPARE(f.fixKind, QStringLiteral("image-tag"));
        QCOMPARE(f.resource, QStringLiteral("Pod shop/checkout-5c7f9d8b6d-h2kqz"));
        QCOMPARE(f.fields.value("container"), QStringLiteral("checkout"));
        QCOMPARE(f.fields.value("image"),
                 QStringLiteral("registry.example.com/shop/checkout:v2.41.0"));

        const MemoryTree& tree = demoTree("https://git.example.com/shop/checkout.git");
        FixTarget t;
        t.sourcePath = QStringLiteral("deploy/overlays/prod");
        t.appName = QStringLiteral("shop-checkout");
        t.inputs.insert(QStringLiteral("previousImages"), kCheckoutHistory);
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QVERIFY(d->complete());
        QCOMPARE(d->edits.size(), std::size_t(1));
        const DraftEdit& e = d->edits.front();
        QCOMPARE(e.path, QStringLiteral("deploy/overlays/prod/kustomization.yaml"));
        // Exactly one line changes, its comment kept.
        QCOMPARE(diffLines(e, '-'),
                 QStringList{"    newTag: v2.41.0 # release tag, bumped by the release job"});
        QCOMPARE(diffLines(e, '+'),
                 QStringList{"    newTag: v2.14.0 # release tag, bumped by the release job"});
        QByteArray expected = e.before;
        expected.replace("newTag: v2.41.0", "newTag: v2.14.0");
        QCOMPARE(e.after, expected);
        QVERIFY(e.why.contains(QLatin1String("images:")));
        QVERIFY(
            e.diff.startsWith(QLatin1String("--- a/deploy/overlays/prod/kustomization.yaml\n")));

        QCOMPARE(d->suggestions.size(), std::size_t(1));
        QCOMPARE(d->suggestions.front().value, QStringLiteral("v2.14.0"));
        QVERIFY2(
            d->suggestions.front().reason.contains(QLatin1String("looks like a typo of v2.14.0")),
            qPrintable(d->suggestions.front().reason));
        QVERIFY(d->suggestions.front().reason.contains(QLatin1String("last tag that ran healthy")));
        QVERIFY(d->explanation.contains(QLatin1String("suggestion")));
        QCOMPARE(d->branchName, QStringLiteral("sextant/fix-shop-checkout-image-v2.14.0"));
        QCOMPARE(d->title, QStringLiteral("shop-checkout: set registry.example.com/shop/checkout "
                                          "image tag to v2.14.0"));
        QVERIFY(d->commitMessage.startsWith(d->title + QStringLiteral("\n\n")));
        QVERIFY(d->commitMessage.contains(QLatin1String("ImagePullNotFound")));

        // The reading side agrees: the overlay now says v2.14.0, the base is untouched, and
        // kustomize renders the corrected image.
        const MemoryTree after = applied(tree, *d);
        QCOMPARE(readBack(after, "deploy/overlays/prod/kustomization.yaml",
                          "images[name=registry.example.com/shop/checkout].newTag"),
                 QStringLiteral("v2.14.0"));
        QCOMPARE(after.readFile("deploy/base/deployment.yaml"),
                 tree.readFile("deploy/base/deployment.yaml"));
        const QString rendered = kustomize(after, QStringLiteral("deploy/overlays/prod"));
        if (!rendered.isEmpty()) {
            QVERIFY2(rendered.contains(
                         QLatin1String("image: registry.example.com/shop/checkout:v2.14.0")),
                     qPrintable(rendered));
            QVERIFY(!rendered.contains(QLatin1String("v2.41.0")));
        }
    }

    void imageTagNeedsAnInputWithoutHistory() {
        const Finding f = diagnoseFirst(kCheckoutBundle);
        const MemoryTree& tree = demoTree("https://git.example.com/shop/checkout.git");
        FixTarget t;
        t.sourcePath = QStringLiteral("deploy/overlays/prod");
        t.appName = QStringLiteral("shop-checkout");
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QVERIFY(!d->complete());
        QVERIFY(d->edits.empty());
        QCOMPARE(d->neededInputs.size(), qsizetype(1));
        QVERIFY2(d->neededInputs.first().startsWith(QLatin1String("tag:")),
                 qPrintable(d->neededInputs.first()));
        QVERIFY(d->neededInputs.first().contains(
            QLatin1String("deploy/overlays/prod/kustomization.yaml:12")));

        // A tag the user gives is used as is, without a suggestion.
        t.inputs.insert(QStringLiteral("tag"), QStringLiteral("v2.14.1"));
        auto given = draftFix(f, tree, t);
        QVERIFY(given.ok());
        QVERIFY(given->suggestions.empty());
        QCOMPARE(readBack(applied(tree, *given), "deploy/overlays/prod/kustomization.yaml",
                          "images[0].newTag"),
                 QStringLiteral("v2.14.1"));

        // Placeholders and malformed tags are refused.
        t.inputs.insert(QStringLiteral("tag"), QStringLiteral("TODO"));
        QCOMPARE(draftFix(f, tree, t).error().kind, Error::Kind::Config);
        t.inputs.insert(QStringLiteral("tag"), QStringLiteral("v2 14"));
        QCOMPARE(draftFix(f, tree, t).error().kind, Error::Kind::Config);
    }

    void imageRepositoryFixSetsNewName() {
        const Finding f = diagnoseFirst(kCheckoutBundle);
        const MemoryTree& tree = demoTree("https://git.example.com/shop/checkout.git");
        FixTarget t;
        t.sourcePath = QStringLiteral("deploy/overlays/prod");
        t.appName = QStringLiteral("shop-checkout");
        t.fixKind = QStringLiteral("image-repository");
        t.inputs.insert(QStringLiteral("repository"),
                        QStringLiteral("mirror.example.com/shop/checkout"));
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        const MemoryTree after = applied(tree, *d);
        QCOMPARE(readBack(after, "deploy/overlays/prod/kustomization.yaml", "images[0].newName"),
                 QStringLiteral("mirror.example.com/shop/checkout"));
        QCOMPARE(readBack(after, "deploy/overlays/prod/kustomization.yaml", "images[0].newTag"),
                 QStringLiteral("v2.41.0"));
        QCOMPARE(diffLines(d->edits.front(), '-'), QStringList());
        QCOMPARE(diffLines(d->edits.front(), '+'),
                 QStringList{"    newName: mirror.example.com/shop/checkout"});
    }

    void helmValuesTagInTheLastFileThatSetsIt() {
        const MemoryTree& tree = demoTree("https://git.example.com/payments/api.git");
        const Finding f = finding(
            "ImagePullNotFound", "image-tag", "Deployment payments/payments-api",
            {{"image", "registry.example.com/payments/api:v3.9.0"}, {"container", "payments-api"}});
        FixTarget t;
        t.sourcePath = QStringLiteral("chart");
        t.valueFiles = {QStringLiteral("values.yaml"), QStringLiteral("values-prod.yaml")};
        t.appName = QStringLiteral("payments-api");
        t.inputs.insert(QStringLiteral("previousImages"),
                        QStringLiteral("registry.example.com/payments/api:v3.8.1\n"
                                       "registry.example.com/payments/api:v3.8.2\n"
                                       "registry.example.com/payments/api:v3.9.0\n"));
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QCOMPARE(d->edits.size(), std::size_t(1));
        QCOMPARE(d->edits.front().path, QStringLiteral("chart/values-prod.yaml"));
        // The quoted token stays quoted.
        QCOMPARE(diffLines(d->edits.front(), '+'), QStringList{"  tag: \"v3.8.2\""});
        QCOMPARE(d->suggestions.front().value, QStringLiteral("v3.8.2"));
        QVERIFY(d->suggestions.front().reason.contains(QLatin1String("last tag")));
        QVERIFY(!d->suggestions.front().reason.contains(QLatin1String("typo")));
        const MemoryTree after = applied(tree, *d);
        QCOMPARE(readBack(after, "chart/values-prod.yaml", "image.tag"), QStringLiteral("v3.8.2"));
        QCOMPARE(after.readFile("chart/values.yaml"), tree.readFile("chart/values.yaml"));
    }

    void helmTagMissingEverywhereGoesToTheMostSpecificFile() {
        MemoryTree tree;
        tree.put("chart/Chart.yaml",
                 "apiVersion: v2\nname: api\nversion: 1.0.0\nappVersion: \"1.0\"\n");
        tree.put("chart/values.yaml",
                 "image:\n  repository: ghcr.io/acme/api\n  tag: \"\" # appVersion\n");
        tree.put("chart/values-prod.yaml", "# production\nreplicaCount: 3\n");
        const Finding f = finding("ImagePullNotFound", "image-tag", "Deployment prod/api",
                                  {{"image", "ghcr.io/acme/api:1.0"}});
        FixTarget t;
        t.sourcePath = QStringLiteral("chart");
        t.valueFiles = {QStringLiteral("values-prod.yaml")};
        t.inputs.insert(QStringLiteral("tag"), QStringLiteral("1.0.1"));
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QCOMPARE(d->edits.front().path, QStringLiteral("chart/values-prod.yaml"));
        QCOMPARE(d->edits.front().after,
                 QByteArray("# production\nreplicaCount: 3\nimage:\n  tag: 1.0.1\n"));
        QCOMPARE(readBack(applied(tree, *d), "chart/values-prod.yaml", "image.tag"),
                 QStringLiteral("1.0.1"));
        // A tag that would read as a number is quoted.
        t.inputs.insert(QStringLiteral("tag"), QStringLiteral("1.10"));
        auto q = draftFix(f, tree, t);
        QVERIFY(q.ok());
        QVERIFY(q->edits.front().after.endsWith("  tag: \"1.10\"\n"));
    }

    void plainManifestMultiDocument() {
        MemoryTree tree;
        tree.put("apps/worker/all.yaml",
                 "apiVersion: v1\nkind: Service\nmetadata:\n  name: worker\nspec:\n  ports:\n"
                 "    - port: 80\n"
                 "---\n"
                 "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n"
                 "  template:\n    spec:\n      containers:\n"
                 "        - name: worker # main\n"
                 "          image: quay.io/acme/worker:2.3.O@sha256:abc\n");
        const Finding f =
            finding("ImagePullNotFound", "image-tag", "Deployment jobs/worker",
                    {{"image", "quay.io/acme/worker:2.3.O@sha256:abc"}, {"container", "worker"}});
        FixTarget t;
        t.sourcePath = QStringLiteral("apps/worker");
        t.inputs.insert(QStringLiteral("previousImages"),
                        QStringLiteral("quay.io/acme/worker:2.2.9\nquay.io/acme/worker:2.3.0\n"));
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QCOMPARE(d->suggestions.front().value, QStringLiteral("2.3.0"));
        QVERIFY(d->suggestions.front().reason.contains(QLatin1String("typo of 2.3.0")));
        QCOMPARE(diffLines(d->edits.front(), '+'),
                 QStringList{"          image: quay.io/acme/worker:2.3.0"});
        QVERIFY(d->notes.join('\n').contains(QLatin1String("digest")));
        QCOMPARE(readBack(applied(tree, *d), "apps/worker/all.yaml",
                          "spec.template.spec.containers[name=worker].image",
                          {QStringLiteral("Deployment"), QStringLiteral("worker")}),
                 QStringLiteral("quay.io/acme/worker:2.3.0"));
    }

    void kustomizePatchDecidesWhenThereIsNoImagesEntry() {
        MemoryTree tree;
        tree.put("base/kustomization.yaml", "resources:\n  - deploy.yaml\n");
        tree.put("base/deploy.yaml",
                 "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n"
                 "spec:\n  template:\n    spec:\n      containers:\n"
                 "        - name: api\n          image: r.io/api:1.0\n");
        tree.put("prod/kustomization.yml", "resources:\n- ../base\npatches:\n- path: image.yaml\n");
        tree.put("prod/image.yaml",
                 "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n"
                 "spec:\n  template:\n    spec:\n      containers:\n"
                 "        - name: api\n          image: r.io/api:1.1 # prod pin\n");
        const Finding f = finding("ImagePullNotFound", "image-tag", "Deployment x/api",
                                  {{"image", "r.io/api:1.1"}});
        FixTarget t;
        t.sourcePath = QStringLiteral("prod");
        t.inputs.insert(QStringLiteral("tag"), QStringLiteral("1.0.5"));
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QCOMPARE(d->edits.size(), std::size_t(1));
        QCOMPARE(d->edits.front().path, QStringLiteral("prod/image.yaml"));
        QCOMPARE(diffLines(d->edits.front(), '+'),
                 QStringList{"          image: r.io/api:1.0.5 # prod pin"});
        // An overlay `images:` entry without newTag is preferred over the patch.
        tree.put("prod/kustomization.yml", "resources:\n- ../base\npatches:\n- path: image.yaml\n"
                                           "images:\n- name: r.io/api # pinned here\n");
        auto e = draftFix(f, tree, t);
        QVERIFY2(e.ok(), why(e).constData());
        QCOMPARE(e->edits.front().path, QStringLiteral("prod/kustomization.yml"));
        QCOMPARE(e->edits.front().after,
                 QByteArray("resources:\n- ../base\npatches:\n- path: image.yaml\n"
                            "images:\n- name: r.io/api # pinned here\n  newTag: 1.0.5\n"));
    }

    void configKeyIntoTheDemoConfigMapManifest() {
        const Finding f = diagnoseFirst(kWebBundle);
        QCOMPARE(f.category, QStringLiteral("MissingConfigKey"));
        QCOMPARE(f.fixKind, QStringLiteral("config-key"));
        QCOMPARE(f.fields.value("configMap"), QStringLiteral("web-config"));
        const MemoryTree& tree = demoTree("https://git.example.com/shop/web.git");
        FixTarget t;
        t.sourcePath = QStringLiteral("deploy/overlays/prod");
        t.appName = QStringLiteral("shop-web");
        // No value: the draft asks for it and says where the key goes.
        auto ask = draftFix(f, tree, t);
        QVERIFY2(ask.ok(), why(ask).constData());
        QVERIFY(ask->edits.empty());
        QVERIFY(
            ask->neededInputs.join('\n').contains(QLatin1String("value: the value of LOG_LEVEL")));
        QVERIFY(ask->explanation.contains(QLatin1String("deploy/base/configmap.yaml")));
        // Placeholders are refused.
        for (const char* p : {"", "TODO", "<value>", "changeme", "${LOG_LEVEL}"}) {
            t.inputs.insert(QStringLiteral("value"), QLatin1String(p));
            auto r = draftFix(f, tree, t);
            QVERIFY2(!r.ok(), p);
            QCOMPARE(r.error().kind, Error::Kind::Config);
        }
        t.inputs.insert(QStringLiteral("value"), QStringLiteral("info"));
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QCOMPARE(d->edits.size(), std::size_t(1));
        const DraftEdit& e = d->edits.front();
        QCOMPARE(e.path, QStringLiteral("deploy/base/configmap.yaml"));
        QCOMPARE(diffLines(e, '-'), QStringList());
        QCOMPARE(diffLines(e, '+'), QStringList{"  LOG_LEVEL: info"});
        QVERIFY(e.after.contains(
            "  # Structured logs for the log pipeline; \"text\" only for local runs.\n"));
        QVERIFY2(d->notes.join('\n').contains(QLatin1String("deploy/overlays/stage")),
                 qPrintable(d->notes.join('\n')));
        QCOMPARE(d->branchName, QStringLiteral("sextant/fix-shop-web-config-log-level"));
        const MemoryTree after = applied(tree, *d);
        QCOMPARE(readBack(after, "deploy/base/configmap.yaml", "data.LOG_LEVEL"),
                 QStringLiteral("info"));
        const QString rendered = kustomize(after, QStringLiteral("deploy/overlays/prod"));
        if (!rendered.isEmpty())
            QVERIFY2(rendered.contains(QLatin1String("LOG_LEVEL: info")), qPrintable(rendered));
        // The stage overlay keeps its own value.
        const QString stage = kustomize(after, QStringLiteral("deploy/overlays/stage"));
        if (!stage.isEmpty())
            QVERIFY(stage.contains(QLatin1String("LOG_LEVEL: debug")));

        // A value that would read as a boolean is quoted (ConfigMap data must be strings).
        t.inputs.insert(QStringLiteral("value"), QStringLiteral("true"));
        auto b = draftFix(f, tree, t);
        QVERIFY(b.ok());
        QCOMPARE(diffLines(b->edits.front(), '+'), QStringList{"  LOG_LEVEL: \"true\""});
    }

    void configKeyIntoAConfigMapGenerator() {
        const MemoryTree& tree = demoTree("https://git.example.com/inventory/api.git");
        const Finding f =
            finding("MissingConfigKey", "config-key", "Deployment inventory/inventory-api",
                    {{"configMap", "inventory-api-config"},
                     {"configMapNamespace", "inventory"},
                     {"key", "CACHE_TTL"}});
        FixTarget t;
        t.sourcePath = QStringLiteral("deploy/overlays/prod");
        t.appName = QStringLiteral("inventory-api");
        t.inputs.insert(QStringLiteral("value"), QStringLiteral("300"));
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QCOMPARE(d->edits.front().path, QStringLiteral("deploy/base/kustomization.yaml"));
        QCOMPARE(diffLines(d->edits.front(), '+'), QStringList{"      - CACHE_TTL=300"});
        QCOMPARE(readBack(applied(tree, *d), "deploy/base/kustomization.yaml",
                          "configMapGenerator[name=inventory-api-config].literals[1]"),
                 QStringLiteral("CACHE_TTL=300"));
        const QString rendered =
            kustomize(applied(tree, *d), QStringLiteral("deploy/overlays/prod"));
        if (!rendered.isEmpty())
            QVERIFY2(rendered.contains(QLatin1String("CACHE_TTL: \"300\"")), qPrintable(rendered));
        // An existing literal is a conflict, not a second line.
        t.inputs.insert(QStringLiteral("key"), QStringLiteral("LOG_LEVEL"));
        auto dup = draftFix(f, tree, t);
        QVERIFY(!dup.ok());
        QCOMPARE(dup.error().kind, Error::Kind::Conflict);

        // An env-file generator with a hash suffix in the rendered name.
        MemoryTree envTree;
        envTree.put("app/kustomization.yaml",
                    "configMapGenerator:\n  - name: app-config\n    envs:\n      - app.env\n");
        envTree.put("app/app.env", "# app settings\nMODE=fast\n");
        const Finding g = finding("MissingConfigKey", "config-key", "Deployment ns/app",
                                  {{"configMap", "app-config-5k2b9h7f4m"}, {"key", "REGION"}});
        FixTarget u;
        u.sourcePath = QStringLiteral("app");
        u.inputs.insert(QStringLiteral("value"), QStringLiteral("eu-west-1"));
        auto e = draftFix(g, envTree, u);
        QVERIFY2(e.ok(), why(e).constData());
        QCOMPARE(e->edits.front().path, QStringLiteral("app/app.env"));
        QCOMPARE(e->edits.front().after,
                 QByteArray("# app settings\nMODE=fast\nREGION=eu-west-1\n"));
    }

    void oomKilledRaisesTheLimitWhereTheOverlayDecidesIt() {
        const MemoryTree& tree = demoTree("https://git.example.com/shop/checkout.git");
        const Finding f = finding("OOMKilled", "resources", "Pod shop/checkout-5c7f9d8b6d-h2kqz",
                                  {{"container", "checkout"}, {"exitCode", "137"}});
        FixTarget t;
        t.sourcePath = QStringLiteral("deploy/overlays/prod");
        t.appName = QStringLiteral("shop-checkout");
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QCOMPARE(d->edits.size(), std::size_t(1));
        // The prod patch sets 768Mi, not the base's 512Mi: the patch is the file that decides.
        QCOMPARE(d->edits.front().path, QStringLiteral("deploy/overlays/prod/resources.yaml"));
        QCOMPARE(diffLines(d->edits.front(), '+'), QStringList{"              memory: 1152Mi"});
        QCOMPARE(d->suggestions.front().input, QStringLiteral("memoryLimit"));
        QCOMPARE(d->suggestions.front().value, QStringLiteral("1152Mi"));
        QVERIFY(d->suggestions.front().reason.contains(QLatin1String("768Mi")));
        QVERIFY(d->suggestions.front().reason.contains(QLatin1String("1.5")));
        const MemoryTree after = applied(tree, *d);
        QCOMPARE(readBack(after, "deploy/overlays/prod/resources.yaml",
                          "spec.template.spec.containers[name=checkout].resources.limits.memory"),
                 QStringLiteral("1152Mi"));
        const QString rendered = kustomize(after, QStringLiteral("deploy/overlays/prod"));
        if (!rendered.isEmpty())
            QVERIFY2(rendered.contains(QLatin1String("memory: 1152Mi")), qPrintable(rendered));

        // Given values win; a request above the limit is refused; bad quantities too.
        t.inputs.insert(QStringLiteral("memoryLimit"), QStringLiteral("2Gi"));
        t.inputs.insert(QStringLiteral("memoryRequest"), QStringLiteral("1Gi"));
        auto g = draftFix(f, tree, t);
        QVERIFY(g.ok());
        QVERIFY(g->suggestions.empty());
        QCOMPARE(diffLines(g->edits.front(), '+'),
                 (QStringList{"              memory: 1Gi", "              memory: 2Gi"}));
        t.inputs.insert(QStringLiteral("memoryRequest"), QStringLiteral("3Gi"));
        QCOMPARE(draftFix(f, tree, t).error().kind, Error::Kind::Config);
        t.inputs.insert(QStringLiteral("memoryRequest"), QStringLiteral("lots"));
        QCOMPARE(draftFix(f, tree, t).error().kind, Error::Kind::Config);
    }

    void oomKilledInHelmValues() {
        const MemoryTree& tree = demoTree("https://git.example.com/payments/api.git");
        const Finding f = finding("OOMKilled", "resources", "Deployment payments/payments-api",
                                  {{"container", "payments-api"}});
        FixTarget t;
        t.sourcePath = QStringLiteral("chart");
        t.valueFiles = {QStringLiteral("values.yaml"), QStringLiteral("values-prod.yaml")};
        t.appName = QStringLiteral("payments-api");
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QCOMPARE(d->edits.front().path, QStringLiteral("chart/values-prod.yaml"));
        QCOMPARE(diffLines(d->edits.front(), '+'), QStringList{"    memory: 1536Mi"});
        QCOMPARE(readBack(applied(tree, *d), "chart/values-prod.yaml", "resources.limits.memory"),
                 QStringLiteral("1536Mi"));
    }

    void replicasInTheKustomizationReplicasList() {
        const MemoryTree& tree = demoTree("https://git.example.com/inventory/api.git");
        const Finding f =
            finding("OutOfSyncDrift", "none", "Deployment inventory/inventory-api", {});
        FixTarget t;
        t.sourcePath = QStringLiteral("deploy/overlays/prod");
        t.appName = QStringLiteral("inventory-api");
        t.fixKind = QStringLiteral("replicas");
        auto ask = draftFix(f, tree, t);
        QVERIFY(ask.ok());
        QVERIFY(ask->neededInputs.join('\n').startsWith(QLatin1String("replicas:")));
        t.inputs.insert(QStringLiteral("replicas"), QStringLiteral("6"));
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QCOMPARE(d->edits.front().path, QStringLiteral("deploy/overlays/prod/kustomization.yaml"));
        QCOMPARE(diffLines(d->edits.front(), '+'), QStringList{"    count: 6"});
        QCOMPARE(readBack(applied(tree, *d), "deploy/overlays/prod/kustomization.yaml",
                          "replicas[name=inventory-api].count"),
                 QStringLiteral("6"));
        t.inputs.insert(QStringLiteral("replicas"), QStringLiteral("-1"));
        QCOMPARE(draftFix(f, tree, t).error().kind, Error::Kind::Config);

        // Helm: replicaCount in the last values file that sets it.
        const MemoryTree& chart = demoTree("https://git.example.com/payments/api.git");
        FixTarget h;
        h.sourcePath = QStringLiteral("chart");
        h.valueFiles = {QStringLiteral("values.yaml"), QStringLiteral("values-prod.yaml")};
        h.fixKind = QStringLiteral("replicas");
        h.inputs.insert(QStringLiteral("replicas"), QStringLiteral("3"));
        auto hd = draftFix(finding("CrashLoop", "none", "Deployment payments/payments-api", {}),
                           chart, h);
        QVERIFY2(hd.ok(), why(hd).constData());
        QCOMPARE(hd->edits.front().path, QStringLiteral("chart/values-prod.yaml"));
        QCOMPARE(diffLines(hd->edits.front(), '+'), QStringList{"replicaCount: 3"});
    }

    void probePathInTheBaseAndInHelmValues() {
        const MemoryTree& tree = demoTree("https://git.example.com/shop/web.git");
        const Finding f = finding("ReadinessProbeFailed", "probe", "Deployment shop/web",
                                  {{"container", "web"}, {"url", "http://10.1.2.3:3000/ready"}});
        FixTarget t;
        t.sourcePath = QStringLiteral("deploy/overlays/prod");
        t.appName = QStringLiteral("shop-web");
        auto ask = draftFix(f, tree, t);
        QVERIFY2(ask.ok(), why(ask).constData());
        QVERIFY(ask->neededInputs.join('\n').contains(
            QLatin1String("it calls http://10.1.2.3:3000/ready now")));
        t.inputs.insert(QStringLiteral("probePath"), QStringLiteral("/healthz"));
        auto d = draftFix(f, tree, t);
        QVERIFY2(d.ok(), why(d).constData());
        QCOMPARE(d->edits.front().path, QStringLiteral("deploy/base/deployment.yaml"));
        QCOMPARE(diffLines(d->edits.front(), '+'), QStringList{"              path: /healthz"});
        QCOMPARE(readBack(applied(tree, *d), "deploy/base/deployment.yaml",
                          "spec.template.spec.containers[name=web].readinessProbe.httpGet.path"),
                 QStringLiteral("/healthz"));
        t.inputs.insert(QStringLiteral("probePath"), QStringLiteral("healthz"));
        QCOMPARE(draftFix(f, tree, t).error().kind, Error::Kind::Config);

        const MemoryTree& chart = demoTree("https://git.example.com/payments/api.git");
        FixTarget h;
        h.sourcePath = QStringLiteral("chart");
        h.valueFiles = {QStringLiteral("values.yaml"), QStringLiteral("values-prod.yaml")};
        h.inputs.insert(QStringLiteral("probePort"), QStringLiteral("8081"));
        auto hd =
            draftFix(finding("LivenessProbeFailed", "probe", "Deployment payments/payments-api",
                             {{"container", "payments-api"}}),
                     chart, h);
        QVERIFY2(hd.ok(), why(hd).constData());
        QCOMPARE(hd->edits.front().path, QStringLiteral("chart/values.yaml"));
        QCOMPARE(readBack(applied(chart, *hd), "chart/values.yaml", "probes.liveness.port"),
                 QStringLiteral("8081"));
        QCOMPARE(readBack(applied(chart, *hd), "chart/values.yaml", "probes.readiness.port"),
                 QStringLiteral("8080"));
    }

    void refusals() {
        // Flow-style images list: no line edit.
        MemoryTree tree;
        tree.put("o/kustomization.yaml", "resources: [deploy.yaml]\n"
                                         "images: [{name: r.io/api, newTag: \"1.1\"}]\n");
        tree.put("o/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n");
        const Finding f = finding("ImagePullNotFound", "image-tag", "Deployment x/api",
                                  {{"image", "r.io/api:1.1"}});
        FixTarget t;
        t.sourcePath = QStringLiteral("o");
        t.inputs.insert(QStringLiteral("tag"), QStringLiteral("1.0"));
        auto d = draftFix(f, tree, t);
        QVERIFY(!d.ok());
        QCOMPARE(d.error().kind, Error::Kind::Config);
        QVERIFY2(d.error().shortMessage.contains(QLatin1String("flow style")), why(d).constData());
        // Unknown fix kinds, missing sources, images nobody sets.
        QCOMPARE(draftFix(finding("RBACForbidden", "rbac", "", {}), tree, t).error().kind,
                 Error::Kind::Config);
        FixTarget missing = t;
        missing.sourcePath = QStringLiteral("nope");
        QCOMPARE(draftFix(f, tree, missing).error().kind, Error::Kind::NotFound);
        const Finding other = finding("ImagePullNotFound", "image-tag", "Deployment x/api",
                                      {{"image", "r.io/other:1"}});
        QCOMPARE(
            draftFix(
                other, demoTree("https://git.example.com/shop/web.git"),
                FixTarget{QStringLiteral("deploy/overlays/prod"), {}, {}, {}, {}, {{"tag", "2"}}})
                .error()
                .kind,
            Error::Kind::NotFound);
        // Secrets are never written; Helm ConfigMap keys cannot be located.
        QCOMPARE(draftFix(finding("MissingConfigKey", "config-key", "",
                                  {{"configMap", "x"}, {"secret", "s"}}),
                          tree, t)
                     .error()
                     .kind,
                 Error::Kind::Config);
        FixTarget h;
        h.sourcePath = QStringLiteral("chart");
        h.inputs.insert(QStringLiteral("value"), QStringLiteral("10"));
        QCOMPARE(draftFix(finding("MissingConfigKey", "config-key", "",
                                  {{"configMap", "payments-api-config"}, {"key", "X"}}),
                          demoTree("https://git.example.com/payments/api.git"), h)
                     .error()
                     .kind,
                 Error::Kind::NotFound);
    }

    void helpers() {
        const ImageRef r = parseImageRef(QStringLiteral("reg.io:5000/a/b:1.2@sha256:ff"));
        QCOMPARE(r.repository, QStringLiteral("reg.io:5000/a/b"));
        QCOMPARE(r.tag, QStringLiteral("1.2"));
        QCOMPARE(r.digest, QStringLiteral("sha256:ff"));
        QCOMPARE(parseImageRef(QStringLiteral("reg.io:5000/a/b")).tag, QString());
        QCOMPARE(r.toString(), QStringLiteral("reg.io:5000/a/b:1.2@sha256:ff"));

        const NearMiss swap = nearMissTag(QStringLiteral("v2.41.0"),
                                          {QStringLiteral("v2.13.2"), QStringLiteral("v2.14.0")});
        QCOMPARE(swap.tag, QStringLiteral("v2.14.0"));
        QVERIFY(swap.how.contains(QLatin1String("swapped")));
        QCOMPARE(nearMissTag(QStringLiteral("v1.2.33"), {QStringLiteral("v1.2.3")}).tag,
                 QStringLiteral("v1.2.3"));
        QCOMPARE(nearMissTag(QStringLiteral("v3.0.0"), {QStringLiteral("v2.14.0")}).tag, QString());

        QCOMPARE(raisedMemoryLimit(*parseMemoryQuantity(QStringLiteral("512Mi"))),
                 QStringLiteral("768Mi"));
        QCOMPARE(raisedMemoryLimit(*parseMemoryQuantity(QStringLiteral("1Gi"))),
                 QStringLiteral("1536Mi"));
        QCOMPARE(raisedMemoryLimit(*parseMemoryQuantity(QStringLiteral("2Gi"))),
                 QStringLiteral("3Gi"));
        QCOMPARE(raisedMemoryLimit(*parseMemoryQuantity(QStringLiteral("500M"))),
                 QStringLiteral("768Mi"));
        QVERIFY(!parseMemoryQuantity(QStringLiteral("1 Gi")));
        QVERIFY(!parseMemoryQuantity(QStringLiteral("lots")));
        QCOMPARE(*parseMemoryQuantity(QStringLiteral("1e3")), 1000.0);
    }
};

QTEST_GUILESS_MAIN(TestCorrectiveFix)
#include "tst_correctivefix.moc"
