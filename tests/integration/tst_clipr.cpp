// `sextant-cli pr describe` end to end, as a user or a CI job runs it: a real Git repository
// made with the git CLI (kustomize bases, a shared component, dev/stage/prod overlays of two
// apps whose names share a prefix, an app-of-apps Application inside the repository), the
// Applications from tests/data/gitops/clipr-apps.yaml, and one commit per kind of change. The
// JSON shape of issue #6, the Markdown, the work tree, and every bad input (exit 2, a message
// on stderr, nothing on stdout).
//
// Object-level facts of kustomize bases need a renderer (kubectl or kustomize); without one the
// overlays are read as raw YAML, so those facts are asserted only when a renderer is installed.
// rawFallback runs the CLI with an empty PATH to check the fallback on every machine.

#include "gitfixtures.h"
#include "processrun.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant::test;

namespace {

const QString kApps = QStringLiteral(SEXTANT_TEST_DATA_DIR "/gitops/clipr-apps.yaml");
const QString kRepoURL = QStringLiteral("https://git.example.test/platform/config.git");

// A Secret's values: none of them, nor their base64 form, may appear in any output.
const QByteArray kPassword = "hunter2-S3cr3t-Value";
const QByteArray kToken = "super-secret-token";

bool haveRenderer() {
    return !QStandardPaths::findExecutable(QStringLiteral("kubectl")).isEmpty() ||
           !QStandardPaths::findExecutable(QStringLiteral("kustomize")).isEmpty();
}

QByteArray kustomization(const QStringList& resources, const QStringList& patches = {}) {
    QByteArray out = "resources:\n";
    for (const QString& r : resources)
        out += "- " + r.toUtf8() + '\n';
    if (!patches.isEmpty()) {
        out += "patches:\n";
        for (const QString& p : patches)
            out += "- path: " + p.toUtf8() + '\n';
    }
    return out;
}

QByteArray component(const QByteArray& labels) {
    return "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
           "kind: Component\n"
           "labels:\n"
           "- pairs:\n" +
           labels + "  includeSelectors: false\n";
}

QByteArray webDeployment(const QByteArray& memory) {
    return "apiVersion: apps/v1\n"
           "kind: Deployment\n"
           "metadata:\n"
           "  name: web\n"
           "spec:\n"
           "  replicas: 1\n"
           "  selector:\n"
           "    matchLabels: {app: web}\n"
           "  template:\n"
           "    metadata:\n"
           "      labels: {app: web}\n"
           "    spec:\n"
           "      containers:\n"
           "      - name: web\n"
           "        image: registry.example.test/web:1.4.2\n"
           "        resources:\n"
           "          limits: {memory: " +
           memory + "}\n";
}

QByteArray webService(int port) {
    return "apiVersion: v1\n"
           "kind: Service\n"
           "metadata:\n"
           "  name: web\n"
           "spec:\n"
           "  selector: {app: web}\n"
           "  ports:\n"
           "  - port: " +
           QByteArray::number(port) +
           "\n"
           "    targetPort: 8080\n";
}

QByteArray prodPatch(const QByteArray& tag, int replicas) {
    return "apiVersion: apps/v1\n"
           "kind: Deployment\n"
           "metadata:\n"
           "  name: web\n"
           "spec:\n"
           "  replicas: " +
           QByteArray::number(replicas) +
           "\n"
           "  template:\n"
           "    spec:\n"
           "      containers:\n"
           "      - name: web\n"
           "        image: registry.example.test/web:" +
           tag + "\n";
}

QByteArray adminPvc(const QByteArray& storage) {
    return "apiVersion: v1\n"
           "kind: PersistentVolumeClaim\n"
           "metadata:\n"
           "  name: admin-data\n"
           "spec:\n"
           "  accessModes: [ReadWriteOnce]\n"
           "  resources:\n"
           "    requests:\n"
           "      storage: " +
           storage + "\n";
}

QByteArray application(const QByteArray& name, const QByteArray& path, const QByteArray& ns,
                       const QByteArray& labels = {}) {
    return "apiVersion: argoproj.io/v1alpha1\n"
           "kind: Application\n"
           "metadata:\n"
           "  name: " +
           name +
           "\n"
           "  namespace: argocd\n" +
           labels +
           "spec:\n"
           "  project: default\n"
           "  source:\n"
           "    repoURL: " +
           kRepoURL.toUtf8() +
           "\n"
           "    targetRevision: main\n"
           "    path: " +
           path +
           "\n"
           "  destination:\n"
           "    server: https://kubernetes.default.svc\n"
           "    namespace: " +
           ns + "\n";
}

QByteArray toolsConfig(const QByteArray& mode) {
    return "apiVersion: v1\n"
           "kind: ConfigMap\n"
           "metadata:\n"
           "  name: tools-config\n"
           "data:\n"
           "  MODE: " +
           mode + "\n";
}

struct Described {
    ProcessRun run;
    QJsonObject json;
};

QStringList strings(const QJsonValue& v) {
    QStringList out;
    for (const QJsonValue& s : v.toArray())
        out << s.toString();
    return out;
}

// "app" of every impacted entry, sorted.
QStringList impactedApps(const QJsonObject& j) {
    QStringList out;
    for (const QJsonValue& e : j.value(QLatin1String("impacted")).toArray())
        out << e.toObject().value(QLatin1String("app")).toString();
    out.sort();
    return out;
}

// "rule app" of every risk, sorted ("blast-radius " for the change as a whole).
QStringList riskIds(const QJsonObject& j) {
    QStringList out;
    for (const QJsonValue& r : j.value(QLatin1String("risks")).toArray()) {
        const QJsonObject o = r.toObject();
        out << o.value(QLatin1String("rule")).toString() + QLatin1Char(' ') +
                   o.value(QLatin1String("app")).toString();
    }
    out.sort();
    return out;
}

// "app Kind ns/name change [field paths]" of every object change, sorted.
QStringList changeLines(const QJsonObject& j) {
    QStringList out;
    for (const QJsonValue& c : j.value(QLatin1String("changes")).toArray()) {
        const QJsonObject o = c.toObject();
        QStringList paths;
        for (const QJsonValue& f : o.value(QLatin1String("fields")).toArray())
            paths << f.toObject().value(QLatin1String("path")).toString();
        paths.sort();
        out << QStringLiteral("%1 %2 %3/%4 %5 [%6]")
                   .arg(o.value(QLatin1String("app")).toString(),
                        o.value(QLatin1String("kind")).toString(),
                        o.value(QLatin1String("namespace")).toString(),
                        o.value(QLatin1String("name")).toString(),
                        o.value(QLatin1String("change")).toString(), paths.join(QLatin1Char(',')));
    }
    out.sort();
    return out;
}

QJsonObject impactedEntry(const QJsonObject& j, const QString& app) {
    for (const QJsonValue& e : j.value(QLatin1String("impacted")).toArray())
        if (e.toObject().value(QLatin1String("app")).toString() == app)
            return e.toObject();
    return {};
}

QStringList sorted(QStringList l) {
    l.sort();
    return l;
}

} // namespace

class TestCliPr : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void jsonShape();
    void prodImageBump();
    void baseChangeStaysInItsApp();
    void storageAndDeletion();
    void newSecretNeverShown();
    void sharedComponent();
    void codeOwners();
    void appOfApps();
    void appDefinitionChanges();
    void workTree();
    void markdown();
    void rawFallback();
    void unchangedFiles();
    void badInput_data();
    void badInput();

private:
    // `pr describe --repo <repo> --base base [--head head] --apps <file> --output json`.
    Described describe(const QString& base, const QString& head, const QStringList& extra = {},
                       const QString& repo = {},
                       const QProcessEnvironment& env = environmentWithToken());

    QTemporaryDir m_tmp;
    QString m_repo;
    QHash<QString, QString> m_commit; // step name -> sha
};

void TestCliPr::initTestCase() {
    if (QStandardPaths::findExecutable(QStringLiteral("git")).isEmpty())
        QSKIP("git is not installed");
    QVERIFY2(QFile::exists(binary("sextant-cli")), "build the sextant-cli target first");
    QVERIFY(m_tmp.isValid());
    m_repo = m_tmp.filePath(QStringLiteral("config"));
    GitWorkRepo repo(m_repo);
    QVERIFY(repo.init());
    QCOMPARE(git(m_repo, {"remote", "add", "origin", kRepoURL}).exitCode, 0);

    // Two apps whose names share a prefix (apps/web, apps/web-admin; envs/<env>/web and
    // envs/<env>/web-admin), both using components/common. web-admin's base uses the
    // kustomization.yml file name.
    QVERIFY(repo.write("components/common/kustomization.yaml", component("    team: platform\n")));
    QVERIFY(repo.write("apps/web/kustomization.yaml",
                       kustomization({"deployment.yaml", "service.yaml"}) +
                           "components:\n- ../../components/common\n"));
    QVERIFY(repo.write("apps/web/deployment.yaml", webDeployment("256Mi")));
    QVERIFY(repo.write("apps/web/service.yaml", webService(80)));
    QVERIFY(repo.write("apps/web-admin/kustomization.yml",
                       kustomization({"deployment.yaml", "pvc.yaml"}) +
                           "components:\n- ../../components/common\n"));
    QVERIFY(repo.write("apps/web-admin/deployment.yaml",
                       "apiVersion: apps/v1\n"
                       "kind: Deployment\n"
                       "metadata:\n"
                       "  name: web-admin\n"
                       "spec:\n"
                       "  selector:\n"
                       "    matchLabels: {app: web-admin}\n"
                       "  template:\n"
                       "    metadata:\n"
                       "      labels: {app: web-admin}\n"
                       "    spec:\n"
                       "      containers:\n"
                       "      - name: admin\n"
                       "        image: registry.example.test/web-admin:2.0.0\n"
                       "        volumeMounts:\n"
                       "        - {name: data, mountPath: /data}\n"
                       "      volumes:\n"
                       "      - name: data\n"
                       "        persistentVolumeClaim: {claimName: admin-data}\n"));
    QVERIFY(repo.write("apps/web-admin/pvc.yaml", adminPvc("10Gi")));
    for (const QString env : {"dev", "stage", "prod"}) {
        QVERIFY(repo.write("envs/" + env + "/web/kustomization.yaml",
                           kustomization({"../../../apps/web"})));
        QVERIFY(repo.write("envs/" + env + "/web-admin/kustomization.yaml",
                           kustomization({"../../../apps/web-admin"})));
    }
    QVERIFY(repo.write("envs/prod/web/kustomization.yaml",
                       kustomization({"../../../apps/web"}, {"deployment-patch.yaml"})));
    QVERIFY(repo.write("envs/prod/web/deployment-patch.yaml", prodPatch("1.4.2", 3)));
    QVERIFY(repo.write("envs/prod/web-admin/kustomization.yaml",
                       kustomization({"../../../apps/web-admin", "debug-config.yaml"})));
    QVERIFY(repo.write("envs/prod/web-admin/debug-config.yaml", "apiVersion: v1\n"
                                                                "kind: ConfigMap\n"
                                                                "metadata:\n"
                                                                "  name: admin-debug\n"
                                                                "data:\n"
                                                                "  LOG_LEVEL: debug\n"));
    // App of apps: platform-root renders argocd/apps, where the Application tools is defined.
    QVERIFY(repo.write("argocd/root.yaml", application("platform-root", "argocd/apps", "argocd")));
    QVERIFY(repo.write("argocd/apps/tools.yaml",
                       application("tools", "tools", "tools", "  labels:\n    env: ops\n")));
    QVERIFY(repo.write("tools/configmap.yaml", toolsConfig("standard")));
    QVERIFY(repo.write("README.md", "# platform config\n"));
    m_commit["initial"] = repo.commit("initial", "2024-05-01T10:00:00Z");

    QVERIFY(repo.write("envs/prod/web/deployment-patch.yaml", prodPatch("1.5.0", 3)));
    m_commit["prodImage"] = repo.commit("web 1.5.0 in prod", "2024-05-02T10:00:00Z");

    QVERIFY(repo.write("apps/web/deployment.yaml", webDeployment("512Mi")));
    m_commit["webBase"] = repo.commit("web: more memory", "2024-05-03T10:00:00Z");

    QVERIFY(repo.write("apps/web-admin/pvc.yaml", adminPvc("20Gi")));
    QVERIFY(repo.remove("envs/prod/web-admin/debug-config.yaml"));
    QVERIFY(repo.write("envs/prod/web-admin/kustomization.yaml",
                       kustomization({"../../../apps/web-admin"})));
    m_commit["storage"] =
        repo.commit("web-admin: bigger volume, no debug config in prod", "2024-05-04T10:00:00Z");

    QVERIFY(repo.write("envs/stage/web/secret.yaml", "apiVersion: v1\n"
                                                     "kind: Secret\n"
                                                     "metadata:\n"
                                                     "  name: web-credentials\n"
                                                     "type: Opaque\n"
                                                     "stringData:\n"
                                                     "  password: " +
                                                         kPassword +
                                                         "\n"
                                                         "data:\n"
                                                         "  token: " +
                                                         kToken.toBase64() + "\n"));
    QVERIFY(repo.write("envs/stage/web/kustomization.yaml",
                       kustomization({"../../../apps/web", "secret.yaml"})));
    m_commit["secret"] = repo.commit("web stage credentials", "2024-05-05T10:00:00Z");

    QVERIFY(repo.write(".github/CODEOWNERS", "* @acme/platform\n"
                                             "/apps/web/ @acme/web-team\n"
                                             "/envs/prod/ @acme/sre @acme/web-team\n"));
    m_commit["codeowners"] = repo.commit("CODEOWNERS", "2024-05-06T10:00:00Z");

    QVERIFY(repo.write("apps/web/service.yaml", webService(8080)));
    QVERIFY(repo.write("envs/prod/web/deployment-patch.yaml", prodPatch("1.5.0", 4)));
    m_commit["owned"] = repo.commit("web port, prod replicas", "2024-05-07T10:00:00Z");

    QVERIFY(repo.write("components/common/kustomization.yaml",
                       component("    team: platform\n    tier: frontend\n")));
    m_commit["component"] = repo.commit("common: tier label", "2024-05-08T10:00:00Z");

    QVERIFY(repo.write("tools/configmap.yaml", toolsConfig("strict")));
    m_commit["tools"] = repo.commit("tools: strict mode", "2024-05-09T10:00:00Z");

    QVERIFY(repo.write(
        "argocd/apps/tools.yaml",
        application("tools", "tools", "tools", "  labels:\n    env: ops\n    team: platform\n")));
    m_commit["toolsApp"] = repo.commit("tools: team label", "2024-05-10T10:00:00Z");

    // tools moves to tools-v2 (its Application's source path changes) with a new MODE.
    QVERIFY(repo.move("tools", "tools-v2"));
    QVERIFY(repo.write("tools-v2/configmap.yaml", toolsConfig("relaxed")));
    QVERIFY(repo.write("argocd/apps/tools.yaml",
                       application("tools", "tools-v2", "tools",
                                   "  labels:\n    env: ops\n    team: platform\n")));
    m_commit["toolsMove"] = repo.commit("tools: move to tools-v2", "2024-05-10T12:00:00Z");

    QVERIFY(repo.write("README.md", "# platform config\n\nHow to promote.\n"));
    m_commit["readme"] = repo.commit("README", "2024-05-11T10:00:00Z");

    for (auto it = m_commit.cbegin(); it != m_commit.cend(); ++it)
        QVERIFY2(it.value().size() == 40, qPrintable(it.key()));
}

Described TestCliPr::describe(const QString& base, const QString& head, const QStringList& extra,
                              const QString& repo, const QProcessEnvironment& env) {
    QStringList args{"pr",       "describe", "--repo", repo.isEmpty() ? m_repo : repo,
                     "--base",   base,       "--apps", kApps,
                     "--output", "json"};
    if (!head.isEmpty())
        args << "--head" << head;
    args << extra;
    Described d;
    d.run = runProcess(binary("sextant-cli"), args, env);
    if (d.run.exitCode != 0) {
        qWarning("pr describe %s..%s failed (%d): %s", qPrintable(base), qPrintable(head),
                 d.run.exitCode, d.run.err.constData());
        return d;
    }
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(d.run.out, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("not JSON: %s", qPrintable(error.errorString()));
    d.json = doc.object();
    return d;
}

void TestCliPr::jsonShape() {
    const Described d = describe(m_commit["initial"], m_commit["prodImage"]);
    QCOMPARE(d.run.exitCode, 0);
    const QJsonObject& j = d.json;
    for (const char* key : {"impacted", "changes", "risks", "summary", "approvals", "policy"})
        QVERIFY2(j.value(QLatin1String(key)).isArray(), key);
    QVERIFY(j.value(QLatin1String("markdown")).isString());

    const QJsonArray impacted = j.value(QLatin1String("impacted")).toArray();
    QCOMPARE(impacted.size(), 1);
    const QJsonObject entry = impacted.first().toObject();
    for (const char* key : {"app", "instance", "cluster", "namespace"})
        QVERIFY2(entry.value(QLatin1String(key)).isString(), key);
    QCOMPARE(entry.value(QLatin1String("app")).toString(), QStringLiteral("web-prod"));
    QCOMPARE(entry.value(QLatin1String("cluster")).toString(), QStringLiteral("prod-eu"));
    QCOMPARE(entry.value(QLatin1String("namespace")).toString(), QStringLiteral("web"));
    QCOMPARE(entry.value(QLatin1String("environment")).toString(), QStringLiteral("prod"));
    QCOMPARE(strings(entry.value(QLatin1String("files"))),
             QStringList{"envs/prod/web/deployment-patch.yaml"});

    // The patch is an overlay file: raw or rendered, the Deployment's image changes.
    const QJsonArray changes = j.value(QLatin1String("changes")).toArray();
    QCOMPARE(changes.size(), 1);
    const QJsonObject change = changes.first().toObject();
    QCOMPARE(change.value(QLatin1String("app")).toString(), QStringLiteral("web-prod"));
    QCOMPARE(change.value(QLatin1String("kind")).toString(), QStringLiteral("Deployment"));
    QCOMPARE(change.value(QLatin1String("namespace")).toString(), QStringLiteral("web"));
    QCOMPARE(change.value(QLatin1String("name")).toString(), QStringLiteral("web"));
    QCOMPARE(change.value(QLatin1String("change")).toString(), QStringLiteral("changed"));
    const QJsonArray fields = change.value(QLatin1String("fields")).toArray();
    QCOMPARE(fields.size(), 1);
    const QJsonObject field = fields.first().toObject();
    QCOMPARE(field.value(QLatin1String("path")).toString(),
             QStringLiteral("spec.template.spec.containers[web].image"));
    QCOMPARE(field.value(QLatin1String("before")).toString(),
             QStringLiteral("registry.example.test/web:1.4.2"));
    QCOMPARE(field.value(QLatin1String("after")).toString(),
             QStringLiteral("registry.example.test/web:1.5.0"));

    const QJsonArray risks = j.value(QLatin1String("risks")).toArray();
    QCOMPARE(risks.size(), 1);
    const QJsonObject risk = risks.first().toObject();
    QCOMPARE(risk.value(QLatin1String("rule")).toString(), QStringLiteral("production"));
    QCOMPARE(risk.value(QLatin1String("app")).toString(), QStringLiteral("web-prod"));
    QVERIFY(risk.value(QLatin1String("reason")).toString().contains(QLatin1String("prod-eu")));
    QVERIFY(j.value(QLatin1String("markdown")).toString().startsWith(QLatin1String("### Summary")));
    QVERIFY(d.run.err.isEmpty());
}

void TestCliPr::prodImageBump() {
    const Described d = describe(m_commit["initial"], m_commit["prodImage"]);
    QCOMPARE(d.run.exitCode, 0);
    QCOMPARE(impactedApps(d.json), QStringList{"web-prod"});
    const QStringList summary = strings(d.json.value(QLatin1String("summary")));
    QCOMPARE(summary.size(), 1);
    QVERIFY2(summary.first().startsWith(QStringLiteral("image web 1.4.2 → 1.5.0")),
             qPrintable(summary.first()));
    QVERIFY(summary.first().contains(QLatin1String("prod-eu")));
    QCOMPARE(riskIds(d.json), QStringList{"production web-prod"});
    QVERIFY(d.json.value(QLatin1String("title"))
                .toString()
                .startsWith(QStringLiteral("image web 1.4.2 → 1.5.0")));
}

void TestCliPr::baseChangeStaysInItsApp() {
    // apps/web/deployment.yaml: every environment of web, none of web-admin (apps/web is a
    // string prefix of apps/web-admin; matching is on whole path segments).
    const Described d = describe(m_commit["prodImage"], m_commit["webBase"]);
    QCOMPARE(d.run.exitCode, 0);
    QCOMPARE(impactedApps(d.json), sorted({"web-dev", "web-stage", "web-prod"}));
    for (const QString app : {"web-dev", "web-stage", "web-prod"}) {
        const QJsonObject e = impactedEntry(d.json, app);
        QCOMPARE(strings(e.value(QLatin1String("files"))), QStringList{"apps/web/deployment.yaml"});
    }
    QCOMPARE(impactedEntry(d.json, "web-dev").value(QLatin1String("cluster")).toString(),
             QStringLiteral("dev-eu"));
    if (!haveRenderer())
        return;
    QCOMPARE(changeLines(d.json),
             sorted({"web-dev Deployment web/web changed "
                     "[spec.template.spec.containers[web].resources.limits.memory]",
                     "web-stage Deployment web/web changed "
                     "[spec.template.spec.containers[web].resources.limits.memory]",
                     "web-prod Deployment web/web changed "
                     "[spec.template.spec.containers[web].resources.limits.memory]"}));
    QCOMPARE(strings(d.json.value(QLatin1String("summary"))),
             QStringList{"containers[web].resources.limits.memory 256Mi → 512Mi in 3 Deployments "
                         "on 3 clusters"});
    QCOMPARE(riskIds(d.json), sorted({"blast-radius ", "production web-prod"}));
}

void TestCliPr::storageAndDeletion() {
    // apps/web-admin/pvc.yaml (all web-admin environments) and a ConfigMap dropped from
    // envs/prod/web-admin (not envs/prod/web, a string prefix of it).
    const Described d = describe(m_commit["webBase"], m_commit["storage"]);
    QCOMPARE(d.run.exitCode, 0);
    QCOMPARE(impactedApps(d.json), sorted({"web-admin-dev", "web-admin-stage", "web-admin-prod"}));
    QCOMPARE(sorted(strings(impactedEntry(d.json, "web-admin-prod").value(QLatin1String("files")))),
             sorted({"apps/web-admin/pvc.yaml", "envs/prod/web-admin/debug-config.yaml",
                     "envs/prod/web-admin/kustomization.yaml"}));
    QCOMPARE(strings(impactedEntry(d.json, "web-admin-dev").value(QLatin1String("files"))),
             QStringList{"apps/web-admin/pvc.yaml"});
    const QStringList risks = riskIds(d.json);
    // The deleted ConfigMap is an overlay file: seen raw or rendered.
    QVERIFY2(risks.contains("object-deleted web-admin-prod"), qPrintable(risks.join("; ")));
    QVERIFY(risks.contains("production web-admin-prod"));
    QVERIFY(
        changeLines(d.json).contains("web-admin-prod ConfigMap web-admin/admin-debug removed []"));
    if (!haveRenderer())
        return;
    QCOMPARE(risks, sorted({"blast-radius ", "object-deleted web-admin-prod",
                            "production web-admin-prod", "pvc-resize web-admin-dev",
                            "pvc-resize web-admin-stage", "pvc-resize web-admin-prod"}));
    QCOMPARE(changeLines(d.json),
             sorted({"web-admin-dev PersistentVolumeClaim web-admin/admin-data changed "
                     "[spec.resources.requests.storage]",
                     "web-admin-stage PersistentVolumeClaim web-admin/admin-data changed "
                     "[spec.resources.requests.storage]",
                     "web-admin-prod PersistentVolumeClaim web-admin/admin-data changed "
                     "[spec.resources.requests.storage]",
                     "web-admin-prod ConfigMap web-admin/admin-debug removed []"}));
    QVERIFY(strings(d.json.value(QLatin1String("summary")))
                .contains("spec.resources.requests.storage 10Gi → 20Gi in 3 "
                          "PersistentVolumeClaims on 3 clusters"));
}

void TestCliPr::newSecretNeverShown() {
    const Described d = describe(m_commit["storage"], m_commit["secret"]);
    QCOMPARE(d.run.exitCode, 0);
    QCOMPARE(impactedApps(d.json), QStringList{"web-stage"});
    QCOMPARE(riskIds(d.json), QStringList{"secret-changed web-stage"});
    QCOMPARE(changeLines(d.json),
             QStringList{"web-stage Secret web/web-credentials added [data.token,stringData."
                         "password]"});
    // Key names are listed, values never: not in the JSON (fields, markdown) nor in the
    // Markdown output, in no encoding.
    QVERIFY(d.run.out.contains("stringData.password"));
    const Described md = [&] {
        Described m;
        m.run = runCli({"pr", "describe", "--repo", m_repo, "--base", m_commit["storage"], "--head",
                        m_commit["secret"], "--apps", kApps});
        return m;
    }();
    QCOMPARE(md.run.exitCode, 0);
    QVERIFY(md.run.out.contains("Secret web/web-credentials"));
    for (const QByteArray& output : {d.run.out, d.run.err, md.run.out, md.run.err}) {
        for (const QByteArray& secret :
             {kPassword, kToken, kToken.toBase64(), kPassword.toBase64()}) {
            QVERIFY2(!output.contains(secret), secret.constData());
        }
    }
    for (const QJsonValue& c : d.json.value(QLatin1String("changes")).toArray())
        for (const QJsonValue& f : c.toObject().value(QLatin1String("fields")).toArray())
            QVERIFY(!f.toObject()
                         .value(QLatin1String("after"))
                         .toString()
                         .contains(QLatin1String("hunter2")));
}

void TestCliPr::sharedComponent() {
    // components/common is used by both bases: every environment of both apps.
    const Described d = describe(m_commit["owned"], m_commit["component"]);
    QCOMPARE(d.run.exitCode, 0);
    QCOMPARE(impactedApps(d.json), sorted({"web-dev", "web-stage", "web-prod", "web-admin-dev",
                                           "web-admin-stage", "web-admin-prod"}));
    const QJsonObject e = impactedEntry(d.json, "web-admin-stage");
    QCOMPARE(strings(e.value(QLatin1String("files"))),
             QStringList{"components/common/kustomization.yaml"});
    QVERIFY(
        strings(e.value(QLatin1String("reasons"))).join('\n').contains(QLatin1String("component")));
    if (!haveRenderer())
        return;
    QCOMPARE(d.json.value(QLatin1String("changes")).toArray().size(), 12);
    QCOMPARE(strings(d.json.value(QLatin1String("summary"))),
             QStringList{"metadata.labels.tier added (frontend) in 6 Deployments, 3 "
                         "PersistentVolumeClaims and 3 Services on 3 clusters"});
    QCOMPARE(riskIds(d.json),
             sorted({"blast-radius ", "production web-prod", "production web-admin-prod"}));
}

void TestCliPr::codeOwners() {
    // Before the commit that adds CODEOWNERS, no approvals.
    const Described before = describe(m_commit["storage"], m_commit["secret"]);
    QCOMPARE(before.run.exitCode, 0);
    QVERIFY(before.json.value(QLatin1String("approvals")).toArray().isEmpty());

    const Described d = describe(m_commit["codeowners"], m_commit["owned"]);
    QCOMPARE(d.run.exitCode, 0);
    QCOMPARE(impactedApps(d.json), sorted({"web-dev", "web-stage", "web-prod"}));
    QStringList approvals;
    for (const QJsonValue& a : d.json.value(QLatin1String("approvals")).toArray()) {
        const QJsonObject o = a.toObject();
        QVERIFY(!o.value(QLatin1String("optional")).toBool());
        approvals << strings(o.value(QLatin1String("owners"))).join(' ') + QStringLiteral(": ") +
                         strings(o.value(QLatin1String("files"))).join(' ');
    }
    QCOMPARE(sorted(approvals), sorted({"@acme/web-team: apps/web/service.yaml",
                                        "@acme/sre @acme/web-team: "
                                        "envs/prod/web/deployment-patch.yaml"}));
    const QString markdown = d.json.value(QLatin1String("markdown")).toString();
    QVERIFY(markdown.contains(QLatin1String("### Required approvals (.github/CODEOWNERS)")));
    QVERIFY(markdown.contains(QLatin1String("@acme/sre")));
    // The prod replicas come from an overlay patch: visible raw or rendered.
    QVERIFY(changeLines(d.json).contains("web-prod Deployment web/web changed [spec.replicas]"));
}

void TestCliPr::appOfApps() {
    // tools is defined in argocd/apps/tools.yaml, rendered by platform-root: a change to its
    // directory reaches tools only.
    const Described files = describe(m_commit["component"], m_commit["tools"]);
    QCOMPARE(files.run.exitCode, 0);
    QCOMPARE(impactedApps(files.json), QStringList{"tools"});
    const QJsonObject tools = impactedEntry(files.json, "tools");
    QCOMPARE(tools.value(QLatin1String("cluster")).toString(), QStringLiteral("in-cluster"));
    QCOMPARE(tools.value(QLatin1String("namespace")).toString(), QStringLiteral("tools"));
    QCOMPARE(tools.value(QLatin1String("environment")).toString(), QStringLiteral("ops"));
    QCOMPARE(changeLines(files.json),
             QStringList{"tools ConfigMap tools/tools-config changed [data.MODE]"});
    QVERIFY(riskIds(files.json).isEmpty());

    // A change of the Application manifest reaches the application it defines and the parent
    // that renders the manifest, whose rendered Application object changes.
    const Described manifest = describe(m_commit["tools"], m_commit["toolsApp"]);
    QCOMPARE(manifest.run.exitCode, 0);
    QCOMPARE(impactedApps(manifest.json), sorted({"platform-root", "tools"}));
    QCOMPARE(changeLines(manifest.json),
             QStringList{"platform-root Application argocd/tools changed [metadata.labels.team]"});
}

void TestCliPr::appDefinitionChanges() {
    // The Application tools now renders tools-v2 (moved from tools, MODE strict → relaxed).
    const Described d = describe(m_commit["toolsApp"], m_commit["toolsMove"]);
    QCOMPARE(d.run.exitCode, 0);
    QCOMPARE(impactedApps(d.json), sorted({"platform-root", "tools"}));
    const QStringList changes = changeLines(d.json);
    QVERIFY(changes.contains("platform-root Application argocd/tools changed [spec.source.path]"));
    // Argo CD renders the base with the base's definition (path tools) and the head with the
    // head's (tools-v2): the ConfigMap changes, it is not added.
    QVERIFY2(changes.contains("tools ConfigMap tools/tools-config changed [data.MODE]"),
             qPrintable(changes.join("; ")));
}

void TestCliPr::workTree() {
    // A clone with a local, uncommitted edit: without --head the work tree is described. The
    // clone's origin is a local path, so the Applications' URL is given with --repo-url.
    const QString clone = m_tmp.filePath(QStringLiteral("worktree-clone"));
    QCOMPARE(runProcess("git", {"clone", "-q", m_repo, clone}, gitEnvironment()).exitCode, 0);
    QVERIFY(writeFile(clone + "/envs/prod/web/deployment-patch.yaml", prodPatch("1.6.0", 4)));

    // With the origin URL (a local path) no Application uses the repository.
    const Described wrongUrl = describe("HEAD", {}, {}, clone);
    QCOMPARE(wrongUrl.run.exitCode, 0);
    QVERIFY(impactedApps(wrongUrl.json).isEmpty());
    QVERIFY(strings(wrongUrl.json.value(QLatin1String("notes")))
                .join('\n')
                .contains(QLatin1String("--repo-url")));

    const Described d = describe("HEAD", {}, {"--repo-url", kRepoURL}, clone);
    QCOMPARE(d.run.exitCode, 0);
    QCOMPARE(impactedApps(d.json), QStringList{"web-prod"});
    QCOMPARE(strings(impactedEntry(d.json, "web-prod").value(QLatin1String("files"))),
             QStringList{"envs/prod/web/deployment-patch.yaml"});
    QVERIFY(strings(d.json.value(QLatin1String("summary")))
                .join('\n')
                .contains(QStringLiteral("image web 1.5.0 → 1.6.0")));
    QVERIFY(
        d.json.value(QLatin1String("markdown")).toString().contains(QLatin1String("work tree")));

    // --head HEAD ignores the local edit.
    const Described committed = describe("HEAD~1", "HEAD", {"--repo-url", kRepoURL}, clone);
    QCOMPARE(committed.run.exitCode, 0);
    QVERIFY(impactedApps(committed.json).isEmpty()); // the README commit
}

void TestCliPr::markdown() {
    const ProcessRun r = runCli({"pr", "describe", "--repo", m_repo, "--base", m_commit["webBase"],
                                 "--head", m_commit["storage"], "--apps", kApps});
    QCOMPARE(r.exitCode, 0);
    const QString md = QString::fromUtf8(r.out);
    QVERIFY(md.startsWith(QLatin1String("### Summary")));
    QVERIFY(md.contains(QLatin1String("### Impacted applications (3)")));
    QVERIFY(md.contains(QStringLiteral("| prod-eu | prod (production) | web-admin-prod | — | "
                                       "web-admin |")));
    QVERIFY(md.contains(QLatin1String("`object-deleted` (web-admin-prod)")));
    QVERIFY(md.contains(QLatin1String("<details><summary><b>web-admin-prod</b>")));
    QVERIFY(md.contains(QLatin1String("#### ConfigMap web-admin/admin-debug (removed)")));
    QVERIFY(!md.contains(QLatin1String("web-prod")));
    QVERIFY(md.trimmed().endsWith(QLatin1String("</sub>")));
    QVERIFY(md.contains(m_commit["storage"].left(12)));
}

void TestCliPr::rawFallback() {
    // No renderer on PATH: the overlays are read as raw YAML, a note says so, the impact is the
    // same, and what the overlay files themselves hold is still diffed.
    QTemporaryDir emptyBin;
    QVERIFY(emptyBin.isValid());
    QProcessEnvironment env = environmentWithToken();
    env.insert(QStringLiteral("PATH"), emptyBin.path());
    const Described d = describe(m_commit["initial"], m_commit["prodImage"], {}, {}, env);
    QCOMPARE(d.run.exitCode, 0);
    QCOMPARE(impactedApps(d.json), QStringList{"web-prod"});
    QVERIFY(strings(d.json.value(QLatin1String("notes")))
                .join('\n')
                .contains(QLatin1String("neither kubectl nor kustomize is installed")));
    QVERIFY(strings(d.json.value(QLatin1String("summary")))
                .first()
                .startsWith(QStringLiteral("image web 1.4.2 → 1.5.0")));
    QVERIFY(d.json.value(QLatin1String("markdown"))
                .toString()
                .contains(QLatin1String("rendered with raw")));

    // A base change reaches the same applications; raw overlays hold no base objects.
    const Described base = describe(m_commit["prodImage"], m_commit["webBase"], {}, {}, env);
    QCOMPARE(base.run.exitCode, 0);
    QCOMPARE(impactedApps(base.json), sorted({"web-dev", "web-stage", "web-prod"}));
    QVERIFY(base.json.value(QLatin1String("changes")).toArray().isEmpty());
}

void TestCliPr::unchangedFiles() {
    // README only: nothing impacted, still a description and exit 0.
    const Described d = describe(m_commit["toolsMove"], m_commit["readme"]);
    QCOMPARE(d.run.exitCode, 0);
    QVERIFY(impactedApps(d.json).isEmpty());
    QVERIFY(d.json.value(QLatin1String("changes")).toArray().isEmpty());
    QVERIFY(d.json.value(QLatin1String("risks")).toArray().isEmpty());
    // CODEOWNERS' catch-all still names the owner of the README.
    const QJsonArray approvals = d.json.value(QLatin1String("approvals")).toArray();
    QCOMPARE(approvals.size(), 1);
    QCOMPARE(strings(approvals.first().toObject().value(QLatin1String("owners"))),
             QStringList{"@acme/platform"});
}

void TestCliPr::badInput_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message"); // a part of stderr

    const QString malformed = m_tmp.filePath(QStringLiteral("bad-apps.yaml"));
    QVERIFY(writeFile(malformed, "apiVersion: v1\n"
                                 "kind: List\n"
                                 "items:\n"
                                 "- apiVersion: argoproj.io/v1alpha1\n"
                                 "  kind: Application\n"
                                 "  metadata:\n"
                                 "    name: [web\n"
                                 "  spec: {}\n"));
    const QString wrongShape = m_tmp.filePath(QStringLiteral("shape-apps.yaml"));
    QVERIFY(writeFile(wrongShape, "apiVersion: argoproj.io/v1alpha1\n"
                                  "kind: Application\n"
                                  "metadata:\n"
                                  "  name: web\n"
                                  "spec:\n"
                                  "  sources: 5\n"));
    const QString empty = m_tmp.filePath(QStringLiteral("empty"));
    QVERIFY(QDir().mkpath(empty));
    const QString head = m_commit.value("prodImage");
    const QString base = m_commit.value("initial");

    QTest::newRow("no --repo") << QStringList{"--base", base, "--head", head}
                               << "needs --repo DIR and --base REV";
    QTest::newRow("no --base") << QStringList{"--repo", m_repo, "--head", head}
                               << "needs --repo DIR and --base REV";
    QTest::newRow("missing repo dir")
        << QStringList{"--repo", m_tmp.filePath("no-such-dir"), "--base", "HEAD"}
        << "No Git repository at " + m_tmp.filePath("no-such-dir");
    QTest::newRow("not a repository")
        << QStringList{"--repo", empty, "--base", "HEAD"} << "No Git repository at";
    QTest::newRow("unknown --base")
        << QStringList{"--repo", m_repo, "--base", "no-such-rev"} << "No revision no-such-rev";
    QTest::newRow("unknown --head")
        << QStringList{"--repo", m_repo, "--base", base, "--head", "release-9~2"}
        << "No revision release-9~2";
    QTest::newRow("malformed --apps")
        << QStringList{"--repo", m_repo, "--base", base, "--head", head, "--apps", malformed}
        << malformed + ":8:";
    QTest::newRow("--apps of the wrong shape")
        << QStringList{"--repo", m_repo, "--base", base, "--head", head, "--apps", wrongShape}
        << wrongShape + ":6: spec.sources is not a list";
    QTest::newRow("missing --apps file")
        << QStringList{"--repo", m_repo, "--base", base, "--apps", m_tmp.filePath("none.yaml")}
        << "Cannot read " + m_tmp.filePath("none.yaml");
    QTest::newRow("unknown --output")
        << QStringList{"--repo", m_repo, "--base", base, "--output", "xml"}
        << "--output must be json or md, not 'xml'";
    QTest::newRow("unknown option") << QStringList{"--repo", m_repo, "--base", base, "--frobnicate"}
                                    << "unexpected argument '--frobnicate'";
    QTest::newRow("--base without value")
        << QStringList{"--repo", m_repo, "--base"} << "--base needs a value";
    QTest::newRow("unknown --provider")
        << QStringList{"--repo", m_repo, "--base", base, "--provider", "svn"}
        << "--provider must be one of";
}

void TestCliPr::badInput() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const ProcessRun r = runCli(QStringList{"pr", "describe"} + args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.out.isEmpty(), r.out.constData());
    QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
    QVERIFY(r.err.startsWith("sextant-cli: "));
}

QTEST_GUILESS_MAIN(TestCliPr)
#include "tst_clipr.moc"
