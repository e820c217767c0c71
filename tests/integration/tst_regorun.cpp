// Rego policies run through a real conftest or opa (services/policy/rego, `sextant-cli policy
// check`): skipped with the reason when neither is installed. Without an engine the report must
// say that the policies were not evaluated, in every output. Binaries that fail, hang or print
// something unparseable are small shell scripts here, because only a misbehaving binary shows
// that the error is clear; two scripts also print conftest's and opa's documented output for
// the inputs they are given, which checks the command lines and the mapping back to files
// through a real process boundary.

#include "files.h"
#include "processrun.h"

#include "policy/manifests.h"
#include "policy/rego.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::policy;

namespace {

// Accepted by OPA from 0.42 (future keywords) to 1.x (where `contains`/`if` are required).
const QByteArray kPolicyMain = "package main\n"
                               "\n"
                               "import future.keywords.contains\n"
                               "import future.keywords.if\n"
                               "\n"
                               "deny contains msg if {\n"
                               "  input.kind == \"Deployment\"\n"
                               "  not input.spec.template.spec.securityContext.runAsNonRoot\n"
                               "  msg := sprintf(\"Deployment %s must set runAsNonRoot\", "
                               "[input.metadata.name])\n"
                               "}\n"
                               "\n"
                               "warn contains {\"msg\": msg, \"id\": \"replicas\", "
                               "\"severity\": \"info\"} if {\n"
                               "  input.kind == \"Deployment\"\n"
                               "  input.spec.replicas < 2\n"
                               "  msg := sprintf(\"%s runs %d replica(s)\", "
                               "[input.metadata.name, input.spec.replicas])\n"
                               "}\n";

const QByteArray kPolicyLabels = "package kubernetes.labels\n"
                                 "\n"
                                 "import future.keywords.contains\n"
                                 "import future.keywords.if\n"
                                 "\n"
                                 "deny contains msg if {\n"
                                 "  not input.metadata.labels.team\n"
                                 "  msg := sprintf(\"%s %s has no team label\", "
                                 "[input.kind, input.metadata.name])\n"
                                 "}\n";

// web: not runAsNonRoot, one replica, no team label (lines 1-13); api: compliant (15-27);
// a Service without a team label (29-).
const QByteArray kManifests = "apiVersion: apps/v1\n"         // 1
                              "kind: Deployment\n"            // 2
                              "metadata:\n"                   // 3
                              "  name: web\n"                 // 4
                              "spec:\n"                       // 5
                              "  replicas: 1\n"               // 6
                              "  template:\n"                 // 7
                              "    spec:\n"                   // 8
                              "      securityContext:\n"      // 9
                              "        runAsNonRoot: false\n" // 10
                              "      containers:\n"           // 11
                              "      - name: web\n"           // 12
                              "        image: web:1\n"        // 13
                              "---\n"                         // 14
                              "apiVersion: apps/v1\n"         // 15
                              "kind: Deployment\n"            // 16
                              "metadata:\n"                   // 17
                              "  name: api\n"                 // 18
                              "  labels: {team: shop}\n"      // 19
                              "spec:\n"                       // 20
                              "  replicas: 3\n"               // 21
                              "  template:\n"                 // 22
                              "    spec:\n"                   // 23
                              "      securityContext:\n"      // 24
                              "        runAsNonRoot: true\n"  // 25
                              "      containers:\n"           // 26
                              "      - name: api\n"           // 27
                              "---\n"                         // 28
                              "apiVersion: v1\n"              // 29
                              "kind: Service\n"               // 30
                              "metadata:\n"                   // 31
                              "  name: web\n"                 // 32
                              "spec:\n"                       // 33
                              "  selector: {app: web}\n";     // 34

using test::writeFile;

// A repository folder with the manifests and the two policies in .sextant/policy.
bool makeRepo(const QString& dir) {
    return QDir(dir).mkpath(QStringLiteral(".git")) &&
           writeFile(dir + QStringLiteral("/apps/web.yaml"), kManifests) &&
           writeFile(dir + QStringLiteral("/.sextant/policy/main.rego"), kPolicyMain) &&
           writeFile(dir + QStringLiteral("/.sextant/policy/labels.rego"), kPolicyLabels);
}

std::vector<KubeObject> objects(const QString& file) {
    Result<std::vector<KubeObject>> parsed = parseManifests(kManifests, file);
    return parsed ? std::move(parsed).value() : std::vector<KubeObject>{};
}

std::vector<RegoPolicy> policies() {
    return {{QStringLiteral("repo/.sextant/policy/labels.rego"), kPolicyLabels},
            {QStringLiteral("repo/.sextant/policy/main.rego"), kPolicyMain}};
}

QProcessEnvironment engineEnvironment(const QString& conftest, const QString& opa) {
    QProcessEnvironment env = test::environmentWithToken();
    env.insert(QStringLiteral("SEXTANT_CONFTEST"), conftest);
    env.insert(QStringLiteral("SEXTANT_OPA"), opa);
    return env;
}

RegoEngine engineAt(RegoEngine::Kind kind, const QString& program) {
    RegoEngine e;
    e.kind = kind;
    e.program = program;
    return e;
}

QString describe(const std::vector<Violation>& results) {
    QStringList out;
    for (const Violation& v : results)
        out << QStringLiteral("%1 %2 %3/%4 %5:%6 %7")
                   .arg(v.rule, severityName(v.severity), v.kind, v.name, v.file)
                   .arg(v.line)
                   .arg(v.message);
    return out.join(QLatin1Char('\n'));
}

} // namespace

class TestRegoRun : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The real engine, when installed: the policies' results on the right objects and lines.
    void realEngine() {
        const RegoEngine engine = RegoEngine::detect();
        if (engine.kind == RegoEngine::Kind::None)
            QSKIP("neither conftest nor opa is installed (nor named by SEXTANT_CONFTEST or "
                  "SEXTANT_OPA): the real Rego run is not tested here");
        Result<RegoRun> run = runRego(engine, policies(), objects(QStringLiteral("apps/web.yaml")));
        QVERIFY2(run.ok(), qPrintable(run.ok() ? QString() : run.error().toString()));
        QVERIFY(run->summary.evaluated);
        QCOMPARE(run->summary.engine, regoEngineName(engine.kind));
        QCOMPARE(run->summary.policies, 2);
        const QString all = describe(run->results);
        QCOMPARE(run->results.size(), std::size_t(4));
        // web (line 1): no team label, not runAsNonRoot, one replica; the Service (line 29).
        const Violation& root = run->results[1];
        QCOMPARE(root.rule, QStringLiteral("rego:main.deny"));
        QCOMPARE(root.message, QStringLiteral("Deployment web must set runAsNonRoot"));
        QCOMPARE(root.severity, Severity::Error);
        QCOMPARE(root.file, QStringLiteral("apps/web.yaml"));
        QCOMPARE(root.line, 1);
        QVERIFY2(run->results[0].rule == QStringLiteral("rego:kubernetes.labels.deny"),
                 qPrintable(all));
        QCOMPARE(run->results[2].rule, QStringLiteral("rego:replicas"));
        QCOMPARE(run->results[2].severity, Severity::Info);
        QCOMPARE(run->results[2].message, QStringLiteral("web runs 1 replica(s)"));
        QCOMPARE(run->results[3].kind, QStringLiteral("Service"));
        QCOMPARE(run->results[3].line, 29);
        QCOMPARE(run->results[3].message, QStringLiteral("Service web has no team label"));

        // The CLI over a repository: the same results among the built-in ones, and a waiver.
        QTemporaryDir dir;
        QVERIFY(makeRepo(dir.path()));
        QVERIFY(writeFile(dir.filePath(QStringLiteral(".sextant-waivers.yaml")),
                          "waivers:\n"
                          "  - rule: rego:kubernetes.*\n"
                          "    object: {kind: Service}\n"
                          "    reason: services are labelled by the platform\n"
                          "    owner: platform\n"
                          "    expires: 2099-01-01\n"));
        const test::ProcessRun cli =
            test::runProcess(test::binary("sextant-cli"),
                             {QStringLiteral("policy"), QStringLiteral("check"), dir.path(),
                              QStringLiteral("--fail-on"), QStringLiteral("never")});
        QVERIFY2(cli.exitCode == 0, cli.err.constData());
        const QJsonObject report = QJsonDocument::fromJson(cli.out).object();
        QCOMPARE(report[QStringLiteral("rego")][QStringLiteral("engine")].toString(),
                 regoEngineName(engine.kind));
        QVERIFY(report[QStringLiteral("rego")][QStringLiteral("evaluated")].toBool());
        int rego = 0;
        for (const QJsonValue& r : report[QStringLiteral("results")].toArray())
            rego += r[QStringLiteral("rule")].toString().startsWith(QLatin1String("rego:"));
        QCOMPARE(rego, 3);
        const QJsonArray waived = report[QStringLiteral("waived")].toArray();
        QCOMPARE(waived.size(), 1);
        QCOMPARE(waived[0][QStringLiteral("rule")].toString(),
                 QStringLiteral("rego:kubernetes.labels.deny"));
    }

    // Rego files present, no engine: the run still reports the built-in pack, and every output
    // says once that the policies were not evaluated.
    void notEvaluatedWithoutEngine() {
        QTemporaryDir dir;
        QVERIFY(makeRepo(dir.path()));
        QVERIFY(writeFile(dir.filePath(QStringLiteral("extra/third.rego")), kPolicyMain));
        const QProcessEnvironment env = engineEnvironment(QStringLiteral("/nonexistent/conftest"),
                                                          QStringLiteral("/nonexistent/opa"));
        const QStringList base{QStringLiteral("policy"),
                               QStringLiteral("check"),
                               dir.path(),
                               QStringLiteral("--rego"),
                               dir.filePath(QStringLiteral("extra")),
                               QStringLiteral("--fail-on"),
                               QStringLiteral("never"),
                               QStringLiteral("--output")};
        const QString note =
            QStringLiteral("3 Rego policies not evaluated: neither conftest nor opa is installed");

        const test::ProcessRun json = test::runProcess(
            test::binary("sextant-cli"), base + QStringList{QStringLiteral("json")}, env);
        QVERIFY2(json.exitCode == 0, json.err.constData());
        const QJsonObject report = QJsonDocument::fromJson(json.out).object();
        const QJsonObject rego = report[QStringLiteral("rego")].toObject();
        QVERIFY(rego[QStringLiteral("engine")].isNull());
        QCOMPARE(rego[QStringLiteral("policies")].toInt(), 3);
        QCOMPARE(rego[QStringLiteral("evaluated")].toBool(true), false);
        QVERIFY2(rego[QStringLiteral("note")].toString().startsWith(note),
                 qPrintable(rego[QStringLiteral("note")].toString()));
        QVERIFY(!report[QStringLiteral("results")].toArray().isEmpty()); // the built-in pack ran
        for (const QJsonValue& r : report[QStringLiteral("results")].toArray())
            QVERIFY(!r[QStringLiteral("rule")].toString().startsWith(QLatin1String("rego:")));
        QVERIFY(QString::fromUtf8(json.err).contains(note)); // and on stderr for the CI log

        const test::ProcessRun md = test::runProcess(test::binary("sextant-cli"),
                                                     base + QStringList{QStringLiteral("md")}, env);
        QCOMPARE(md.exitCode, 0);
        QCOMPARE(QString::fromUtf8(md.out).count(note), 1);

        const test::ProcessRun sarif = test::runProcess(
            test::binary("sextant-cli"), base + QStringList{QStringLiteral("sarif")}, env);
        QCOMPARE(sarif.exitCode, 0);
        const QJsonObject n =
            QJsonDocument::fromJson(sarif.out)
                .object()[QStringLiteral("runs")][0][QStringLiteral("invocations")][0]
                         [QStringLiteral("toolExecutionNotifications")][0]
                .toObject();
        QCOMPARE(n[QStringLiteral("level")].toString(), QStringLiteral("warning"));
        QVERIFY(n[QStringLiteral("message")][QStringLiteral("text")].toString().startsWith(note));

        // Without Rego files there is nothing to say.
        QTemporaryDir plain;
        QVERIFY(QDir(plain.path()).mkpath(QStringLiteral(".git")));
        QVERIFY(writeFile(plain.filePath(QStringLiteral("web.yaml")), kManifests));
        const test::ProcessRun none =
            test::runProcess(test::binary("sextant-cli"),
                             {QStringLiteral("policy"), QStringLiteral("check"), plain.path(),
                              QStringLiteral("--fail-on"), QStringLiteral("never"),
                              QStringLiteral("--output"), QStringLiteral("md")},
                             env);
        QCOMPARE(none.exitCode, 0);
        QVERIFY(!QString::fromUtf8(none.out).contains(QStringLiteral("Rego")));
    }

    // The command lines and the mapping back to objects through a process that prints
    // conftest's documented JSON for the inputs it is given.
    void conftestCommandLine() {
        QTemporaryDir bin;
        const QString script = bin.filePath(QStringLiteral("conftest"));
        QVERIFY(
            writeFile(script,
                      "#!/bin/sh\n"
                      "[ \"$1\" = test ] || { echo \"Error: unknown command $1\" >&2; exit 3; }\n"
                      "case \" $* \" in *\" --output json \"*) ;; *) exit 4;; esac\n"
                      "case \" $* \" in *\" --all-namespaces \"*) ;; *) exit 5;; esac\n"
                      "case \" $* \" in *\" --policy policy \"*) ;; *) exit 6;; esac\n"
                      "ls policy/*-main.rego policy/*-labels.rego >/dev/null || exit 7\n"
                      "out='['; sep=''\n"
                      "for a in \"$@\"; do case \"$a\" in input/*.json)\n"
                      "  kind=$(sed -n 's/.*\"kind\":\"\\([A-Za-z]*\\)\".*/\\1/p' \"$a\")\n"
                      "  out=\"$out$sep{\\\"filename\\\":\\\"$a\\\",\\\"namespace\\\":\\\"main\\\","
                      "\\\"successes\\\":1,\\\"failures\\\":[{\\\"msg\\\":\\\"saw $kind\\\"}]}\"\n"
                      "  sep=',';; esac; done\n"
                      "echo \"$out]\"\n"
                      "exit 1\n",
                      true));
        Result<RegoRun> run = runRego(engineAt(RegoEngine::Kind::Conftest, script), policies(),
                                      objects(QStringLiteral("apps/web.yaml")));
        QVERIFY2(run.ok(), qPrintable(run.ok() ? QString() : run.error().toString()));
        QCOMPARE(run->summary.engine, QStringLiteral("conftest"));
        QVERIFY(run->summary.evaluated);
        QCOMPARE(
            describe(run->results),
            QStringLiteral("rego:main.deny error Deployment/web apps/web.yaml:1 saw Deployment\n"
                           "rego:main.deny error Deployment/api apps/web.yaml:15 saw Deployment\n"
                           "rego:main.deny error Service/web apps/web.yaml:29 saw Service"));
        // --rules narrows the Rego results too.
        RegoOptions only;
        only.onlyRules = QStringList{QStringLiteral("rego:other.*")};
        run = runRego(engineAt(RegoEngine::Kind::Conftest, script), policies(),
                      objects(QStringLiteral("apps/web.yaml")), only);
        QVERIFY(run.ok());
        QVERIFY(run->results.empty());
    }

    void opaCommandLine() {
        QTemporaryDir bin;
        const QString script = bin.filePath(QStringLiteral("opa"));
        QVERIFY(
            writeFile(script,
                      "#!/bin/sh\n"
                      "[ \"$1 $2 $3 $4 $5 $6\" = \"eval --format json --data policy --input\" ] "
                      "|| exit 3\n"
                      "[ \"$8\" = data ] || exit 4\n"
                      "[ -f \"$7\" ] || exit 5\n"
                      "name=$(sed -n 's/.*\"name\":\"\\([a-z]*\\)\".*/\\1/p' \"$7\")\n"
                      "echo \"{\\\"result\\\":[{\\\"expressions\\\":[{\\\"value\\\":{\\\"shop\\\":"
                      "{\\\"checks\\\":{\\\"warn\\\":[{\\\"msg\\\":\\\"looked at $name\\\","
                      "\\\"container\\\":\\\"c\\\"}]}}},\\\"text\\\":\\\"data\\\"}]}]}\"\n",
                      true));
        Result<RegoRun> run = runRego(engineAt(RegoEngine::Kind::Opa, script), policies(),
                                      objects(QStringLiteral("apps/web.yaml")));
        QVERIFY2(run.ok(), qPrintable(run.ok() ? QString() : run.error().toString()));
        QCOMPARE(run->summary.engine, QStringLiteral("opa"));
        QCOMPARE(describe(run->results),
                 QStringLiteral(
                     "rego:shop.checks.warn warning Deployment/web apps/web.yaml:1 looked at web\n"
                     "rego:shop.checks.warn warning Deployment/api apps/web.yaml:15 looked at api\n"
                     "rego:shop.checks.warn warning Service/web apps/web.yaml:29 looked at web"));
        QCOMPARE(run->results[0].container, QStringLiteral("c"));
    }

    // A binary that prints something else, fails, or hangs: a clear typed error, no crash.
    void misbehavingEngines() {
        QTemporaryDir bin;
        const QString garbage = bin.filePath(QStringLiteral("garbage"));
        QVERIFY(
            writeFile(garbage, "#!/bin/sh\necho 'FAIL - input/000000.json - main - no'\n", true));
        Result<RegoRun> run = runRego(engineAt(RegoEngine::Kind::Conftest, garbage), policies(),
                                      objects(QStringLiteral("a.yaml")));
        QVERIFY(!run.ok());
        QCOMPARE(run.error().kind, Error::Kind::Protocol);
        QVERIFY(run.error().details.contains(QStringLiteral("FAIL - input/000000.json")));

        // A policy that does not compile: conftest's error on stderr names the original file.
        const QString failing = bin.filePath(QStringLiteral("failing"));
        QVERIFY(writeFile(failing,
                          "#!/bin/sh\n"
                          "f=$(ls policy/*-main.rego)\n"
                          "echo \"Error: running test: load: loading policies: 1 error occurred: "
                          "$f:6: rego_parse_error: unexpected identifier\" >&2\n"
                          "exit 1\n",
                          true));
        run = runRego(engineAt(RegoEngine::Kind::Conftest, failing), policies(),
                      objects(QStringLiteral("a.yaml")));
        QVERIFY(!run.ok());
        QCOMPARE(run.error().kind, Error::Kind::Config);
        QCOMPARE(run.error().shortMessage, QStringLiteral("conftest failed (exit code 1)"));
        QVERIFY2(run.error().details.contains(
                     QStringLiteral("repo/.sextant/policy/main.rego:6: rego_parse_error")),
                 qPrintable(run.error().details));

        // opa's JSON errors name the original file too.
        const QString opaErrors = bin.filePath(QStringLiteral("opa-errors"));
        QVERIFY(writeFile(opaErrors,
                          "#!/bin/sh\n"
                          "f=$(ls policy/*-labels.rego)\n"
                          "echo \"{\\\"errors\\\":[{\\\"message\\\":\\\"var x is unsafe\\\","
                          "\\\"code\\\":\\\"rego_unsafe_var_error\\\",\\\"location\\\":"
                          "{\\\"file\\\":\\\"$f\\\",\\\"row\\\":7,\\\"col\\\":3}}]}\"\n"
                          "exit 1\n",
                          true));
        run = runRego(engineAt(RegoEngine::Kind::Opa, opaErrors), policies(),
                      objects(QStringLiteral("a.yaml")));
        QVERIFY(!run.ok());
        QVERIFY2(run.error().details.contains(
                     QStringLiteral("repo/.sextant/policy/labels.rego:7: var x is unsafe")),
                 qPrintable(run.error().details));

        // A binary that never answers is stopped at the run's time limit.
        const QString hanging = bin.filePath(QStringLiteral("hanging"));
        QVERIFY(writeFile(hanging, "#!/bin/sh\nexec sleep 60\n", true));
        RegoOptions quick;
        quick.timeoutMs = 300;
        run = runRego(engineAt(RegoEngine::Kind::Conftest, hanging), policies(),
                      objects(QStringLiteral("a.yaml")), quick);
        QVERIFY(!run.ok());
        QCOMPARE(run.error().kind, Error::Kind::Timeout);

        // Through the CLI: exit code 2 with the reason.
        QTemporaryDir dir;
        QVERIFY(makeRepo(dir.path()));
        const test::ProcessRun cli =
            test::runProcess(test::binary("sextant-cli"),
                             {QStringLiteral("policy"), QStringLiteral("check"), dir.path()},
                             engineEnvironment(garbage, QStringLiteral("/nonexistent")));
        QCOMPARE(cli.exitCode, 2);
        QVERIFY2(QString::fromUtf8(cli.err).contains(QStringLiteral("not its JSON report")),
                 cli.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestRegoRun)
#include "tst_regorun.moc"
