// `sextant-cli policy rules|check` and `bench policy` as a CI job runs them: exit codes, JSON
// and SARIF shapes, and errors with file:line.

#include "gitfixtures.h"
#include "processrun.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

using Run = sextant::test::ProcessRun;

const QString kCli = QStringLiteral(SEXTANT_BIN_DIR "/sextant-cli");
const QString kCleanDir = QStringLiteral(SEXTANT_TEST_DATA_DIR "/policy/clean");

Run run(const QStringList& args) {
    return sextant::test::runCli(args);
}

void writeFile(const QString& path, const QByteArray& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

const QByteArray kViolating = "apiVersion: apps/v1\n"
                              "kind: Deployment\n"
                              "metadata:\n"
                              "  name: web\n"
                              "spec:\n"
                              "  template:\n"
                              "    metadata:\n"
                              "      labels: {app: web}\n"
                              "    spec:\n"
                              "      containers:\n"
                              "      - name: web\n"
                              "        image: nginx\n"
                              "        securityContext:\n"
                              "          privileged: true\n";

// Only warnings: a NodePort Service whose selector matches the Deployment above.
const QByteArray kWarningsOnly = "apiVersion: v1\n"
                                 "kind: Service\n"
                                 "metadata:\n"
                                 "  name: web\n"
                                 "  labels: {app.kubernetes.io/name: web}\n"
                                 "spec:\n"
                                 "  type: NodePort\n"
                                 "  selector: {app: web}\n";

// Its only error is image-tag (no tag); the rest are warnings and infos.
const QByteArray kUntagged = "apiVersion: v1\n"
                             "kind: Pod\n"
                             "metadata:\n"
                             "  name: tool\n"
                             "  namespace: ops\n"
                             "spec:\n"
                             "  securityContext: {runAsNonRoot: true}\n"
                             "  containers:\n"
                             "  - name: tool\n"
                             "    image: registry.example.com/tool\n"
                             "    securityContext: {allowPrivilegeEscalation: false}\n";

const QByteArray kWaiverFile = "waivers:\n"
                               "  - rule: image-tag\n"
                               "    object: {kind: Pod, namespace: ops, name: \"to*\"}\n"
                               "    container: tool\n"
                               "    reason: built in-house, tag follows the commit\n"
                               "    ticket: OPS-7\n"
                               "    owner: platform-team\n"
                               "    expires: 2026-01-31\n"
                               "  - rule: host-network\n"
                               "    reason: nothing uses it\n"
                               "    owner: platform-team\n"
                               "    expires: 2026-12-31\n";

qsizetype newCount(const QJsonArray& results) {
    return std::count_if(results.begin(), results.end(), [](const QJsonValue& v) {
        return v.toObject().value("status") == QLatin1String("new");
    });
}

} // namespace

class TestCliPolicy : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void rulesJson();
    void cleanManifestsExitZero();
    void violationsExitOne();
    void failOnThreshold();
    void sarifShape();
    void markdown();
    void badYamlExitsTwoWithFileAndLine();
    void kustomizeDirectorySaysItsRenderer();
    void usageErrorsExitTwo();
    void waiverDropsExitCode();
    void expiredWaiverKeepsExitOne();
    void waiversInSarifAndMarkdown();
    void malformedWaiverExitsTwo();
    void benchPrintsFigures();
    void diffAwareAgainstBase();
    void diffAwareErrors();
    void customRulesFromFileAndRepository();
    void badCustomRuleFileExitsTwo();
    void polarisChecksImported();
    void benchWithCustomRules();

private:
    QTemporaryDir m_dir;
};

void TestCliPolicy::initTestCase() {
    QVERIFY(QFileInfo::exists(kCli));
    QVERIFY(m_dir.isValid());
    QDir().mkpath(m_dir.filePath(QStringLiteral("bad")));
    QDir().mkpath(m_dir.filePath(QStringLiteral("warn")));
    writeFile(m_dir.filePath(QStringLiteral("web.yaml")), kViolating);
    writeFile(m_dir.filePath(QStringLiteral("warn/svc.yaml")), kWarningsOnly);
    for (const char* d : {"waived/.git", "waived/app", "badwaiver"})
        QDir().mkpath(m_dir.filePath(QLatin1String(d)));
    writeFile(m_dir.filePath(QStringLiteral("waived/app/tool.yaml")), kUntagged);
    writeFile(m_dir.filePath(QStringLiteral("waived/.sextant-waivers.yaml")), kWaiverFile);
    writeFile(m_dir.filePath(QStringLiteral("badwaiver/tool.yaml")), kUntagged);
    writeFile(m_dir.filePath(QStringLiteral("badwaiver/.sextant-waivers.yaml")),
              "waivers:\n  - rule: image-tag\n    reason: r\n    expires: 2026-01-31\n");
    writeFile(m_dir.filePath(QStringLiteral("bad/broken.yaml")),
              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: indent\n");
}

void TestCliPolicy::rulesJson() {
    const Run r = run({QStringLiteral("policy"), QStringLiteral("rules"),
                       QStringLiteral("--output"), QStringLiteral("json")});
    QCOMPARE(r.exitCode, 0);
    const QJsonArray rules = QJsonDocument::fromJson(r.out).object().value("rules").toArray();
    QVERIFY(rules.size() >= 25);
    bool privileged = false;
    for (const QJsonValue& v : rules) {
        const QJsonObject rule = v.toObject();
        for (const char* key : {"id", "severity", "title", "equivalents"})
            QVERIFY2(rule.contains(QLatin1String(key)), key);
        const QJsonObject eq = rule.value("equivalents").toObject();
        for (const char* tool : {"polaris", "kube-linter", "gatekeeper", "kyverno"})
            QVERIFY2(eq.value(QLatin1String(tool)).isArray(), tool);
        if (rule.value("id").toString() == QLatin1String("privileged-container")) {
            privileged = true;
            QCOMPARE(eq.value("polaris").toArray().first().toString(),
                     QStringLiteral("runAsPrivileged"));
        }
    }
    QVERIFY(privileged);
}

void TestCliPolicy::cleanManifestsExitZero() {
    const Run r = run({QStringLiteral("policy"), QStringLiteral("check"), kCleanDir,
                       QStringLiteral("--fail-on"), QStringLiteral("info"),
                       QStringLiteral("--output"), QStringLiteral("json")});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(doc.value("renderer").toString(), QStringLiteral("raw"));
    QCOMPARE(doc.value("results").toArray().size(), 0);
    QVERIFY(doc.value("waived").isArray());
}

void TestCliPolicy::violationsExitOne() {
    const QString file = m_dir.filePath(QStringLiteral("web.yaml"));
    const Run r = run({QStringLiteral("policy"), QStringLiteral("check"), file,
                       QStringLiteral("--output"), QStringLiteral("json")});
    QCOMPARE(r.exitCode, 1);
    const QJsonArray results = QJsonDocument::fromJson(r.out).object().value("results").toArray();
    QJsonObject privileged;
    for (const QJsonValue& v : results) {
        if (v.toObject().value("rule").toString() == QLatin1String("privileged-container"))
            privileged = v.toObject();
    }
    QVERIFY(!privileged.isEmpty());
    QCOMPARE(privileged.value("severity").toString(), QStringLiteral("error"));
    QCOMPARE(privileged.value("file").toString(), file);
    QCOMPARE(privileged.value("line").toInt(), 14);
    const QJsonObject object = privileged.value("object").toObject();
    QCOMPARE(object.value("apiVersion").toString(), QStringLiteral("apps/v1"));
    QCOMPARE(object.value("kind").toString(), QStringLiteral("Deployment"));
    QCOMPARE(object.value("name").toString(), QStringLiteral("web"));
    QVERIFY(object.contains("namespace"));
    QVERIFY(privileged.value("message").toString().contains(QLatin1String("expected false")));
    const QJsonObject fix = privileged.value("fix").toObject();
    QCOMPARE(fix.value("line").toInt(), 14);
    QCOMPARE(fix.value("text").toString(), QStringLiteral("          privileged: false"));

    // --rules narrows the run; a rule that passes leaves exit code 0.
    const Run only = run({QStringLiteral("policy"), QStringLiteral("check"), file,
                          QStringLiteral("--rules"), QStringLiteral("host-network,host-pid")});
    QCOMPARE(only.exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(only.out).object().value("results").toArray().size(), 0);
}

void TestCliPolicy::failOnThreshold() {
    const QString dir = m_dir.filePath(QStringLiteral("warn"));
    const QStringList base = {QStringLiteral("policy"), QStringLiteral("check"), dir};
    QCOMPARE(run(base).exitCode, 0); // warnings do not reach the default "error"
    QCOMPARE(
        run(base + QStringList{QStringLiteral("--fail-on"), QStringLiteral("warning")}).exitCode,
        1);
    QCOMPARE(run({QStringLiteral("policy"), QStringLiteral("check"),
                  m_dir.filePath(QStringLiteral("web.yaml")), QStringLiteral("--fail-on"),
                  QStringLiteral("never")})
                 .exitCode,
             0);
}

void TestCliPolicy::sarifShape() {
    const QString file = m_dir.filePath(QStringLiteral("web.yaml"));
    const Run r = run({QStringLiteral("policy"), QStringLiteral("check"), file,
                       QStringLiteral("--output"), QStringLiteral("sarif")});
    QCOMPARE(r.exitCode, 1);
    const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(doc.value("version").toString(), QStringLiteral("2.1.0"));
    const QJsonObject runObj = doc.value("runs").toArray().first().toObject();
    const QJsonArray rules =
        runObj.value("tool").toObject().value("driver").toObject().value("rules").toArray();
    QVERIFY(rules.size() >= 25);
    for (const QJsonValue& v : rules) {
        QVERIFY(!v.toObject().value("id").toString().isEmpty());
        QVERIFY(
            !v.toObject().value("shortDescription").toObject().value("text").toString().isEmpty());
        QVERIFY(!v.toObject().contains("helpUri"));
    }
    const QJsonArray results = runObj.value("results").toArray();
    QVERIFY(!results.isEmpty());
    bool found = false;
    for (const QJsonValue& v : results) {
        const QJsonObject res = v.toObject();
        QVERIFY(!res.value("ruleId").toString().isEmpty());
        QVERIFY(QStringList({"error", "warning", "note"}).contains(res.value("level").toString()));
        QVERIFY(!res.value("message").toObject().value("text").toString().isEmpty());
        const QJsonObject loc = res.value("locations")
                                    .toArray()
                                    .first()
                                    .toObject()
                                    .value("physicalLocation")
                                    .toObject();
        QCOMPARE(loc.value("artifactLocation").toObject().value("uri").toString(), file);
        QVERIFY(loc.value("region").toObject().value("startLine").toInt() >= 1);
        if (res.value("ruleId").toString() == QLatin1String("privileged-container")) {
            found = true;
            QCOMPARE(res.value("level").toString(), QStringLiteral("error"));
            QCOMPARE(loc.value("region").toObject().value("startLine").toInt(), 14);
        }
    }
    QVERIFY(found);
}

void TestCliPolicy::markdown() {
    const Run r = run({QStringLiteral("policy"), QStringLiteral("check"),
                       m_dir.filePath(QStringLiteral("web.yaml")), QStringLiteral("--output"),
                       QStringLiteral("md")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.startsWith("# Policy report"));
    QVERIFY(r.out.contains("| error | privileged-container |"));
    QVERIFY(r.out.contains("```diff"));
}

void TestCliPolicy::badYamlExitsTwoWithFileAndLine() {
    const Run r = run(
        {QStringLiteral("policy"), QStringLiteral("check"), m_dir.filePath(QStringLiteral("bad"))});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("broken.yaml:5:"), r.err.constData());
    QVERIFY(r.out.isEmpty());
}

void TestCliPolicy::kustomizeDirectorySaysItsRenderer() {
    const Run r = run({QStringLiteral("policy"), QStringLiteral("check"),
                       QStringLiteral(SEXTANT_TEST_DATA_DIR "/policy/overlay/prod"),
                       QStringLiteral("--rules"), QStringLiteral("service-type")});
    QCOMPARE(r.exitCode, 0); // service-type is a warning
    const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
    const QString renderer = doc.value("renderer").toString();
    if (renderer == QLatin1String("raw")) {
        // No kubectl or kustomize: the raw files were checked and the note says so.
        QVERIFY(!doc.value("notes").toArray().isEmpty());
        return;
    }
    QVERIFY2(renderer == QLatin1String("kubectl-kustomize") ||
                 renderer == QLatin1String("kustomize"),
             qPrintable(renderer));
    const QJsonObject result = doc.value("results").toArray().first().toObject();
    QVERIFY(result.value("file").toString().endsWith(QLatin1String("overlay/base/service.yaml")));
    QCOMPARE(result.value("line").toInt(), 6);
    QCOMPARE(result.value("object").toObject().value("name").toString(),
             QStringLiteral("api-prod"));
}

void TestCliPolicy::usageErrorsExitTwo() {
    QCOMPARE(run({QStringLiteral("policy"), QStringLiteral("check")}).exitCode, 2);
    QCOMPARE(run({QStringLiteral("policy"), QStringLiteral("check"),
                  m_dir.filePath(QStringLiteral("missing.yaml"))})
                 .exitCode,
             2);
    QCOMPARE(run({QStringLiteral("policy"), QStringLiteral("check"), kCleanDir,
                  QStringLiteral("--rules"), QStringLiteral("no-such-rule")})
                 .exitCode,
             2);
    QCOMPARE(run({QStringLiteral("policy"), QStringLiteral("check"), kCleanDir,
                  QStringLiteral("--fail-on"), QStringLiteral("fatal")})
                 .exitCode,
             2);
    QCOMPARE(run({QStringLiteral("policy"), QStringLiteral("check"), kCleanDir,
                  QStringLiteral("--output"), QStringLiteral("xml")})
                 .exitCode,
             2);
    QCOMPARE(run({QStringLiteral("policy"), QStringLiteral("check"), kCleanDir,
                  QStringLiteral("--kube-version"), QStringLiteral("latest")})
                 .exitCode,
             2);
    QCOMPARE(run({QStringLiteral("policy"), QStringLiteral("frobnicate")}).exitCode, 2);
}

void TestCliPolicy::benchPrintsFigures() {
    const Run r =
        run({QStringLiteral("bench"), QStringLiteral("policy"), QStringLiteral("--objects"),
             QStringLiteral("300"), QStringLiteral("--runs"), QStringLiteral("3")});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(doc.value("objects").toInt(), 300);
    QVERIFY(doc.value("rules").toInt() >= 25);
    QVERIFY(doc.value("ms").isDouble()); // no wall-clock assertion on a shared machine
}

void TestCliPolicy::waiverDropsExitCode() {
    const QString dir = m_dir.filePath(QStringLiteral("waived"));
    // Without waivers (the manifest alone, outside the waiver file's tree): exit 1.
    const QString alone = m_dir.filePath(QStringLiteral("badwaiver/tool.yaml"));
    QDir(m_dir.filePath(QStringLiteral("alone"))).mkpath(QStringLiteral("."));
    const QString copy = m_dir.filePath(QStringLiteral("alone/tool.yaml"));
    QVERIFY(QFile::copy(alone, copy));
    const Run before = run({QStringLiteral("policy"), QStringLiteral("check"), copy});
    QCOMPARE(before.exitCode, 1);

    const Run r = run({QStringLiteral("policy"), QStringLiteral("check"), dir,
                       QStringLiteral("--today"), QStringLiteral("2026-01-31")});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
    for (const QJsonValue& v : doc.value("results").toArray())
        QVERIFY(v.toObject().value("severity").toString() != QLatin1String("error"));
    const QJsonArray waived = doc.value("waived").toArray();
    QCOMPARE(waived.size(), 1);
    const QJsonObject w = waived.first().toObject();
    QCOMPARE(w.value("rule").toString(), QStringLiteral("image-tag"));
    QCOMPARE(w.value("line").toInt(), 10);
    const QJsonObject waiver = w.value("waiver").toObject();
    QVERIFY(
        waiver.value("file").toString().endsWith(QLatin1String("waived/.sextant-waivers.yaml")));
    QCOMPARE(waiver.value("line").toInt(), 2);
    QCOMPARE(waiver.value("owner").toString(), QStringLiteral("platform-team"));
    QCOMPARE(waiver.value("ticket").toString(), QStringLiteral("OPS-7"));
    QCOMPARE(waiver.value("expires").toString(), QStringLiteral("2026-01-31"));
    QVERIFY(waiver.value("reason").toString().startsWith(QLatin1String("built in-house")));
    // The host-network waiver matched nothing.
    const QJsonArray problems = doc.value("waiverProblems").toArray();
    QCOMPARE(problems.size(), 1);
    QCOMPARE(problems.first().toObject().value("line").toInt(), 9);
    QCOMPARE(problems.first().toObject().value("kind").toString(), QStringLiteral("unused"));

    // From a file below it, the waiver file is found up to the repository root ("waived" has a
    // .git); without a repository the search would stop at the file's own directory.
    QCOMPARE(run({QStringLiteral("policy"), QStringLiteral("check"),
                  m_dir.filePath(QStringLiteral("waived/app/tool.yaml")), QStringLiteral("--today"),
                  QStringLiteral("2026-01-01")})
                 .exitCode,
             0);
}

void TestCliPolicy::expiredWaiverKeepsExitOne() {
    const Run r = run({QStringLiteral("policy"), QStringLiteral("check"),
                       m_dir.filePath(QStringLiteral("waived")), QStringLiteral("--today"),
                       QStringLiteral("2026-02-01")});
    QCOMPARE(r.exitCode, 1);
    const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(doc.value("waived").toArray().size(), 0);
    bool imageTag = false;
    for (const QJsonValue& v : doc.value("results").toArray())
        imageTag |= v.toObject().value("rule").toString() == QLatin1String("image-tag");
    QVERIFY(imageTag);
    const QJsonObject expired = doc.value("waiverProblems").toArray().first().toObject();
    QVERIFY(expired.value("file").toString().endsWith(QLatin1String(".sextant-waivers.yaml")));
    QCOMPARE(expired.value("line").toInt(), 2);
    QCOMPARE(expired.value("problem").toString(), QStringLiteral("expired 2026-01-31"));
    QCOMPARE(expired.value("kind").toString(), QStringLiteral("expired"));
    QCOMPARE(run({QStringLiteral("policy"), QStringLiteral("check"),
                  m_dir.filePath(QStringLiteral("waived")), QStringLiteral("--today"),
                  QStringLiteral("2026-13-01")})
                 .exitCode,
             2);
}

void TestCliPolicy::waiversInSarifAndMarkdown() {
    const QStringList base = {QStringLiteral("policy"),
                              QStringLiteral("check"),
                              m_dir.filePath(QStringLiteral("waived")),
                              QStringLiteral("--today"),
                              QStringLiteral("2026-01-01"),
                              QStringLiteral("--output")};
    const Run sarif = run(base + QStringList{QStringLiteral("sarif")});
    QCOMPARE(sarif.exitCode, 0);
    const QJsonArray results = QJsonDocument::fromJson(sarif.out)
                                   .object()
                                   .value("runs")
                                   .toArray()
                                   .first()
                                   .toObject()
                                   .value("results")
                                   .toArray();
    int suppressed = 0;
    for (const QJsonValue& v : results) {
        const QJsonArray s = v.toObject().value("suppressions").toArray();
        if (s.isEmpty())
            continue;
        ++suppressed;
        QCOMPARE(v.toObject().value("ruleId").toString(), QStringLiteral("image-tag"));
        QCOMPARE(s.first().toObject().value("kind").toString(), QStringLiteral("external"));
        QVERIFY(s.first()
                    .toObject()
                    .value("justification")
                    .toString()
                    .startsWith(QLatin1String("built in-house")));
    }
    QCOMPARE(suppressed, 1);
    const Run md = run(base + QStringList{QStringLiteral("md")});
    QCOMPARE(md.exitCode, 0);
    QVERIFY(md.out.contains("## Waived"));
    QVERIFY(md.out.contains("## Waiver problems"));
    QVERIFY(md.out.contains("| image-tag | ops/Pod/tool |"));
}

void TestCliPolicy::malformedWaiverExitsTwo() {
    const Run r = run({QStringLiteral("policy"), QStringLiteral("check"),
                       m_dir.filePath(QStringLiteral("badwaiver"))});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(".sextant-waivers.yaml:2: a waiver needs 'owner'"), r.err.constData());
    QVERIFY(r.out.isEmpty());
}

// A custom rule given with --rules-file and one found in .sextant/policy of the repository:
// both run, a waiver applies to one, exit codes follow their severities.
void TestCliPolicy::customRulesFromFileAndRepository() {
    const QString repo = m_dir.filePath(QStringLiteral("custom"));
    QDir().mkpath(repo + QStringLiteral("/.git"));
    QDir().mkpath(repo + QStringLiteral("/.sextant/policy"));
    QDir().mkpath(repo + QStringLiteral("/apps/web"));
    writeFile(repo + QStringLiteral("/apps/web/web.yaml"), kViolating);
    writeFile(repo + QStringLiteral("/.sextant/policy/org.yaml"),
              "rules:\n  - id: org-owner-label\n    severity: error\n"
              "    title: Workloads name their owner\n    rationale: Pager routing.\n"
              "    match: {kinds: [Deployment]}\n"
              "    conditions: {field: metadata.labels.owner, exists: true}\n"
              "    message: \"{{name}} has no owner label\"\n");
    const QString extra = m_dir.filePath(QStringLiteral("extra-rules.yaml"));
    writeFile(extra, "rules:\n  - id: web-cpu\n    severity: warning\n    title: t\n"
                     "    rationale: r\n    target: container\n"
                     "    conditions: {field: resources.limits.cpu, lessThan: 2}\n");
    const QStringList base = {QStringLiteral("policy"), QStringLiteral("check"),
                              repo + QStringLiteral("/apps/web"), QStringLiteral("--rules"),
                              QStringLiteral("org-owner-label,web-cpu")};
    Run r = run(base + QStringList{QStringLiteral("--rules-file"), extra});
    QCOMPARE(r.exitCode, 1);
    const QJsonArray results = QJsonDocument::fromJson(r.out).object()["results"].toArray();
    QStringList rules;
    for (const QJsonValue& v : results)
        rules << v.toObject()["rule"].toString();
    rules.sort();
    QCOMPARE(rules, (QStringList{"org-owner-label", "web-cpu"}));
    for (const QJsonValue& v : results)
        if (v.toObject()["rule"] == QLatin1String("org-owner-label"))
            QCOMPARE(v.toObject()["message"].toString(), QStringLiteral("web has no owner label"));
    // Without --rules-file the repository's rule still runs; an unknown id is an error.
    r = run(base);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("unknown rule 'web-cpu'"), r.err.constData());
    // A waiver of the custom error: only the warning is left, exit 0.
    writeFile(repo + QStringLiteral("/.sextant-waivers.yaml"),
              "waivers:\n  - rule: org-owner-label\n    reason: owner set by the platform\n"
              "    owner: team-web\n    expires: 2099-12-31\n");
    r = run(base + QStringList{QStringLiteral("--rules-file"), extra});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(r.out).object()["waived"].toArray().size(), 1);
    QFile::remove(repo + QStringLiteral("/.sextant-waivers.yaml"));
}

void TestCliPolicy::badCustomRuleFileExitsTwo() {
    const QString bad = m_dir.filePath(QStringLiteral("bad-rules.yaml"));
    writeFile(bad, "rules:\n  - id: x\n    severity: warning\n    title: t\n    rationale: r\n"
                   "    conditions:\n      field: a\n      exist: true\n");
    Run r = run({QStringLiteral("policy"), QStringLiteral("check"),
                 m_dir.filePath(QStringLiteral("web.yaml")), QStringLiteral("--rules-file"), bad});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("bad-rules.yaml:8: unknown key 'exist' in a condition"),
             r.err.constData());
    QVERIFY(r.out.isEmpty());
    r = run({QStringLiteral("policy"), QStringLiteral("check"),
             m_dir.filePath(QStringLiteral("web.yaml")), QStringLiteral("--rules-file"),
             m_dir.filePath(QStringLiteral("missing.yaml"))});
    QCOMPARE(r.exitCode, 2);
}

void TestCliPolicy::polarisChecksImported() {
    const QString config = m_dir.filePath(QStringLiteral("polaris.yaml"));
    writeFile(config, "checks:\n  imageRegistry: danger\ncustomChecks:\n  imageRegistry:\n"
                      "    successMessage: Image comes from the company registry\n"
                      "    failureMessage: Image should come from the company registry\n"
                      "    category: Security\n    target: Container\n    schema:\n"
                      "      properties:\n        image:\n"
                      "          pattern: ^registry.example.com/\n");
    Run r = run({QStringLiteral("policy"), QStringLiteral("check"),
                 m_dir.filePath(QStringLiteral("web.yaml")), QStringLiteral("--polaris-config"),
                 config, QStringLiteral("--rules"), QStringLiteral("imageRegistry")});
    QCOMPARE(r.exitCode, 1);
    const QJsonArray results = QJsonDocument::fromJson(r.out).object()["results"].toArray();
    QCOMPARE(results.size(), 1);
    QCOMPARE(results[0].toObject()["severity"].toString(), QStringLiteral("error"));
    QVERIFY(results[0].toObject()["message"].toString().startsWith(
        QLatin1String("Image should come from the company registry")));
    // `policy rules` lists the imported check with where it comes from.
    r = run({QStringLiteral("policy"), QStringLiteral("rules"), QStringLiteral("--polaris-config"),
             config});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject last =
        QJsonDocument::fromJson(r.out).object()["rules"].toArray().last().toObject();
    QCOMPARE(last["id"].toString(), QStringLiteral("imageRegistry"));
    QCOMPARE(last["category"].toString(), QStringLiteral("Security"));
    QVERIFY(last["source"].toString().endsWith(QLatin1String("polaris.yaml:4")));
    const QString templated = m_dir.filePath(QStringLiteral("templated.yaml"));
    writeFile(templated, "target: Controller\nschemaString: |\n  properties:\n"
                         "    metadata: {properties: {name: {const: '{{ .metadata.name }}'}}}\n");
    r = run({QStringLiteral("policy"), QStringLiteral("check"),
             m_dir.filePath(QStringLiteral("web.yaml")), QStringLiteral("--polaris-check"),
             templated});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("templated.yaml:2: check 'templated': schemaString uses Go template "
                            "actions"),
             r.err.constData());
}

void TestCliPolicy::benchWithCustomRules() {
    const QString rules = m_dir.filePath(QStringLiteral("bench-rules.yaml"));
    writeFile(rules, "rules:\n  - id: b1\n    severity: info\n    title: t\n    rationale: r\n"
                     "    target: container\n    conditions: {field: image, matches: ':'}\n");
    const Run r = run({QStringLiteral("bench"), QStringLiteral("policy"),
                       QStringLiteral("--objects"), QStringLiteral("90"), QStringLiteral("--runs"),
                       QStringLiteral("1"), QStringLiteral("--rules-file"), rules});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(doc.value("customRules").toInt(), 1);
    QVERIFY(doc.value("customMs").isDouble());
    QVERIFY(doc.value("customViolations").toInt() > 0); // every generated container has a tag
}

QTEST_GUILESS_MAIN(TestCliPolicy)
void TestCliPolicy::diffAwareAgainstBase() {
    // Base: a privileged Deployment (error) and a NodePort Service (warnings). Head: the
    // Service is fixed to ClusterIP, the Deployment is untouched but moved down a line (results
    // are matched on the object, not the line), and an untagged Pod is added (a new error).
    using sextant::test::GitWorkRepo;
    GitWorkRepo repo(m_dir.filePath(QStringLiteral("diffrepo")));
    QVERIFY(repo.init());
    QVERIFY(repo.write(QStringLiteral("apps/web/deploy.yaml"), kViolating));
    QVERIFY(repo.write(QStringLiteral("apps/web/service.yaml"), kWarningsOnly));
    const QString base = repo.commit(QStringLiteral("base"));
    QVERIFY(!base.isEmpty());
    QVERIFY(repo.write(QStringLiteral("apps/web/deploy.yaml"), "# moved down\n" + kViolating));
    QByteArray service = kWarningsOnly;
    service.replace("type: NodePort", "type: ClusterIP");
    QVERIFY(repo.write(QStringLiteral("apps/web/service.yaml"), service));
    QVERIFY(repo.write(QStringLiteral("apps/web/pod.yaml"), kUntagged));
    QVERIFY(!repo.commit(QStringLiteral("head")).isEmpty());

    const QString dir = repo.dir() + QStringLiteral("/apps/web");
    const Run r =
        run({"policy", "check", dir, "--base", "HEAD~1", "--output", "json", "--fail-on", "error"});
    QCOMPARE(r.exitCode, 1); // the Pod's image-tag error is new
    const QJsonObject out = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(out.value("base").toString(), QStringLiteral("HEAD~1"));
    QSet<QString> newRules, unchangedRules, fixedRules;
    for (const QJsonValue& v : out.value("results").toArray()) {
        const QJsonObject o = v.toObject();
        const QString key = o.value("rule").toString() + QLatin1Char('/') +
                            o.value("object").toObject().value("kind").toString();
        if (o.value("status").toString() == QLatin1String("new"))
            newRules.insert(key);
        else if (o.value("status").toString() == QLatin1String("unchanged"))
            unchangedRules.insert(key);
        else
            QFAIL(qPrintable(QStringLiteral("no status: ") + key));
    }
    for (const QJsonValue& v : out.value("fixed").toArray())
        fixedRules.insert(v.toObject().value("rule").toString() + QLatin1Char('/') +
                          v.toObject().value("object").toObject().value("kind").toString());
    QVERIFY2(newRules.contains("image-tag/Pod"),
             qPrintable(QStringList(newRules.values()).join(",")));
    QVERIFY(unchangedRules.contains("privileged-container/Deployment"));
    QVERIFY(!newRules.contains("privileged-container/Deployment"));
    QVERIFY2(fixedRules.contains("service-type/Service"),
             qPrintable(QStringList(fixedRules.values()).join(",")));
    // A fixed result names the file in the repository, not the export of the base revision.
    for (const QJsonValue& v : out.value("fixed").toArray())
        QCOMPARE(v.toObject().value("file").toString(),
                 repo.dir() + QStringLiteral("/apps/web/service.yaml"));
    const QJsonObject summary = out.value("summary").toObject();
    const QJsonArray results = out.value("results").toArray();
    QCOMPARE(summary.value("new").toInt(), int(newCount(results)));
    QCOMPARE(summary.value("fixed").toInt(), out.value("fixed").toArray().size());

    // Only new results fail: with the Pod gone again, the old privileged error alone passes.
    QVERIFY(QFile::remove(repo.dir() + QStringLiteral("/apps/web/pod.yaml")));
    const Run unchangedOnly =
        run({"policy", "check", dir, "--base", "HEAD~1", "--fail-on", "error"});
    QCOMPARE(unchangedOnly.exitCode, 0);
    const Run plain = run({"policy", "check", dir, "--fail-on", "error"});
    QCOMPARE(plain.exitCode, 1); // without --base the privileged error fails the check

    // SARIF carries the comparison as baselineState; Markdown splits new and fixed.
    QVERIFY(repo.write(QStringLiteral("apps/web/pod.yaml"), kUntagged));
    const Run sarif = run(
        {"policy", "check", dir, "--base", "HEAD~1", "--output", "sarif", "--fail-on", "never"});
    QCOMPARE(sarif.exitCode, 0);
    QSet<QString> states;
    for (const QJsonValue& res : QJsonDocument::fromJson(sarif.out)
                                     .object()
                                     .value("runs")
                                     .toArray()
                                     .first()
                                     .toObject()
                                     .value("results")
                                     .toArray())
        states.insert(res.toObject().value("baselineState").toString());
    QCOMPARE(states, (QSet<QString>{"new", "unchanged", "absent"}));
    const Run md =
        run({"policy", "check", dir, "--base", "HEAD~1", "--output", "md", "--fail-on", "never"});
    QVERIFY(md.out.contains("## New"));
    QVERIFY(md.out.contains("## Fixed"));
    QVERIFY(md.out.contains("Unchanged ("));
}

void TestCliPolicy::diffAwareErrors() {
    // Not in a Git work tree, or an unknown revision: exit 2 with the reason, nothing printed.
    QTemporaryDir plainDir;
    writeFile(plainDir.filePath(QStringLiteral("d.yaml")), kViolating);
    const Run outside = run({"policy", "check", plainDir.path(), "--base", "HEAD"});
    QCOMPARE(outside.exitCode, 2);
    QVERIFY(outside.out.isEmpty());
    QVERIFY2(outside.err.contains("not inside a Git work tree"), outside.err.constData());

    using sextant::test::GitWorkRepo;
    GitWorkRepo repo(m_dir.filePath(QStringLiteral("diffrepo-errors")));
    QVERIFY(repo.init());
    QVERIFY(repo.write(QStringLiteral("d.yaml"), kViolating));
    QVERIFY(!repo.commit(QStringLiteral("one")).isEmpty());
    const Run unknown = run({"policy", "check", repo.dir(), "--base", "no-such-revision"});
    QCOMPARE(unknown.exitCode, 2);
    QVERIFY(unknown.out.isEmpty());
    QVERIFY2(unknown.err.contains("no-such-revision"), unknown.err.constData());
}

#include "tst_clipolicy.moc"
