// Rego results (services/policy/rego): conftest's and opa's documented JSON output parsed and
// mapped to objects, files and lines; the input JSON a policy sees; Rego rule ids in waivers; the
// "rego" part of the JSON, Markdown and SARIF reports.

#include "policy/manifests.h"
#include "policy/policypack.h"
#include "policy/policyreport.h"
#include "policy/rego.h"
#include "policy/waivers.h"

#include <QTest>

#include <nlohmann/json.hpp>

using namespace sextant;
using namespace sextant::policy;
using nlohmann::json;

namespace {

// `conftest test --output json examples/kubernetes/deployment.yaml`, as conftest's documentation
// shows it (docs/options.md, "--output"): failures as plain messages, the empty lists left out.
const QByteArray kConftestDocs = R"([
	{
		"filename": "examples/kubernetes/deployment.yaml",
		"namespace": "main",
		"successes": 1,
		"failures": [
			{
				"msg": "Containers must not run as root in Deployment hello-kubernetes"
			},
			{
				"msg": "Deployment hello-kubernetes must provide app/release labels for pod selectors"
			}
		]
	}
])";

// Structured results (conftest docs, "Structured output"/metadata): a rule returning
// {"msg": ..., "details": ...} is printed with the other keys under "metadata"; warnings and
// exceptions have the same shape; --all-namespaces gives one entry per file and namespace.
const QByteArray kConftestStructured = R"([
  {
    "filename": "input/000000.json",
    "namespace": "main",
    "successes": 2,
    "failures": [
      {
        "msg": "Deployment web runs as root",
        "metadata": {
          "id": "K8S-001",
          "severity": "warning",
          "container": "web",
          "details": {"field": "spec.template.spec.securityContext"}
        }
      }
    ],
    "warnings": [
      {"msg": "web has no app.kubernetes.io/name label"}
    ],
    "exceptions": [
      {"msg": "Deployment web uses the latest tag", "metadata": {"details": {}}}
    ]
  },
  {
    "filename": "input/000000.json",
    "namespace": "kubernetes.security",
    "successes": 0,
    "failures": [{"msg": "privileged container web"}]
  },
  {
    "filename": "input/000001.json",
    "namespace": "main",
    "successes": 3,
    "warnings": [],
    "failures": [],
    "exceptions": null
  }
])";

// `opa eval --format json --data policy --input input.json 'data'` (OPA docs, "opa eval": the
// result set with one expression whose value is the data document).
const QByteArray kOpaDocs = R"({
  "result": [
    {
      "expressions": [
        {
          "value": {
            "main": {
              "deny": ["Containers must not run as root in Deployment web"],
              "violation": [{"msg": "web has no resource limits", "severity": "info"}],
              "warn": [{"msg": "web uses an untrusted registry", "id": "registry-allowlist"}],
              "deny_latest": ["web uses the latest tag"],
              "exception": [["latest"]],
              "helper_value": 3
            },
            "kubernetes": {
              "security": {
                "deny": [],
                "warn_probes": ["web has no readiness probe"]
              }
            },
            "lib": {"names": {"prefix": "shop-"}}
          },
          "text": "data",
          "location": {"row": 1, "col": 1}
        }
      ]
    }
  ]
})";

// A policy that does not compile (OPA's documented error shape for --format json).
const QByteArray kOpaError = R"({
  "errors": [
    {
      "message": "var msg is unsafe",
      "code": "rego_unsafe_var_error",
      "location": {"file": "policy/000-deny.rego", "row": 7, "col": 3}
    }
  ]
})";

const QByteArray kManifests = "# two objects\n"
                              "apiVersion: apps/v1\n"
                              "kind: Deployment\n"
                              "metadata:\n"
                              "  name: web\n"
                              "  namespace: shop\n"
                              "spec:\n"
                              "  replicas: 3\n"
                              "---\n"
                              "apiVersion: v1\n"
                              "kind: Service\n"
                              "metadata:\n"
                              "  name: web\n"
                              "  namespace: shop\n"
                              "spec:\n"
                              "  ports:\n"
                              "  - port: 80\n"
                              "    name: \"8080\"\n";

// QCOMPARE has no printer for nlohmann::json: compare the dumps, which show on failure.
#define JEQ(actual, expected)                                                                      \
    QCOMPARE(QString::fromStdString((actual).dump()), QString::fromStdString((expected).dump()))

} // namespace

class TestRegoOutput : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void conftestDocumentedSample() {
        Result<std::vector<RegoFileOutcome>> r = parseConftestOutput(kConftestDocs);
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->size(), std::size_t(1));
        const RegoFileOutcome& o = r->front();
        QCOMPARE(o.filename, QStringLiteral("examples/kubernetes/deployment.yaml"));
        QCOMPARE(o.successes, 1);
        QCOMPARE(o.failures.size(), std::size_t(2));
        QVERIFY(o.warnings.empty());
        QVERIFY(o.exceptions.empty());
        QCOMPARE(o.failures[0].package, QStringLiteral("main"));
        QCOMPARE(o.failures[0].rule, QStringLiteral("deny"));
        QCOMPARE(o.failures[0].message,
                 QStringLiteral("Containers must not run as root in Deployment hello-kubernetes"));
        QVERIFY(!o.failures[0].warning);
    }

    void conftestStructuredAndNamespaces() {
        Result<std::vector<RegoFileOutcome>> r = parseConftestOutput(kConftestStructured);
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        // Two namespaces of the same file are merged into one outcome.
        QCOMPARE(r->size(), std::size_t(2));
        const RegoFileOutcome& first = (*r)[0];
        QCOMPARE(first.successes, 2);
        QCOMPARE(first.failures.size(), std::size_t(2));
        QCOMPARE(first.failures[0].metadata.value("id", std::string()), std::string("K8S-001"));
        QCOMPARE(first.failures[1].package, QStringLiteral("kubernetes.security"));
        QCOMPARE(first.warnings.size(), std::size_t(1));
        QVERIFY(first.warnings[0].warning);
        QCOMPARE(first.warnings[0].rule, QStringLiteral("warn"));
        QCOMPARE(first.exceptions.size(), std::size_t(1));
        QCOMPARE(first.exceptions[0].message, QStringLiteral("Deployment web uses the latest tag"));
        // Empty lists and a null list: a clean file.
        const RegoFileOutcome& second = (*r)[1];
        QCOMPARE(second.filename, QStringLiteral("input/000001.json"));
        QCOMPARE(second.successes, 3);
        QVERIFY(second.failures.empty() && second.warnings.empty() && second.exceptions.empty());
    }

    void conftestEmptyResults() {
        Result<std::vector<RegoFileOutcome>> r = parseConftestOutput("[]");
        QVERIFY(r.ok());
        QVERIFY(r->empty());
        r = parseConftestOutput(R"([{"filename": "a.json", "namespace": "main", "successes": 4}])");
        QVERIFY(r.ok());
        QCOMPARE(r->size(), std::size_t(1));
        QVERIFY(r->front().failures.empty());
    }

    void conftestMalformed_data() {
        QTest::addColumn<QByteArray>("output");
        QTest::newRow("not json") << QByteArray(
            "Error: running test: no policies found in [policy]");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("object, not list") << QByteArray(R"({"filename": "a.json"})");
        QTest::newRow("truncated") << QByteArray(R"([{"filename": "a.json", "failures": [)");
        QTest::newRow("no filename") << QByteArray(R"([{"namespace": "main"}])");
        QTest::newRow("failures not a list")
            << QByteArray(R"([{"filename": "a.json", "failures": "x"}])");
        QTest::newRow("result without msg")
            << QByteArray(R"([{"filename": "a.json", "failures": [{"metadata": {}}]}])");
        QTest::newRow("msg of another type")
            << QByteArray(R"([{"filename": "a.json", "failures": [{"msg": 42}]}])");
    }
    void conftestMalformed() {
        QFETCH(QByteArray, output);
        Result<std::vector<RegoFileOutcome>> r = parseConftestOutput(output);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Protocol);
        QVERIFY(!r.error().shortMessage.isEmpty());
        QVERIFY(!r.error().details.isEmpty());
    }

    void opaDocumentedSample() {
        Result<RegoFileOutcome> r = parseOpaEvalOutput(kOpaDocs, QStringLiteral("input/7.json"));
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->filename, QStringLiteral("input/7.json"));
        // deny and violation are failures; deny_latest is excused by `exception`.
        QCOMPARE(r->failures.size(), std::size_t(2));
        QCOMPARE(r->failures[0].rule, QStringLiteral("deny"));
        QCOMPARE(r->failures[0].package, QStringLiteral("main"));
        QCOMPARE(r->failures[0].message,
                 QStringLiteral("Containers must not run as root in Deployment web"));
        QCOMPARE(r->failures[1].rule, QStringLiteral("violation"));
        QCOMPARE(r->failures[1].message, QStringLiteral("web has no resource limits"));
        QCOMPARE(r->failures[1].metadata.value("severity", std::string()), std::string("info"));
        QCOMPARE(r->exceptions.size(), std::size_t(1));
        QCOMPARE(r->exceptions[0].rule, QStringLiteral("deny_latest"));
        // warn and warn_* of every package, nested packages by their dotted name.
        QCOMPARE(r->warnings.size(), std::size_t(2));
        QStringList warned;
        for (const RegoFinding& f : r->warnings)
            warned << f.package + QLatin1Char('.') + f.rule;
        warned.sort();
        QCOMPARE(warned, (QStringList{QStringLiteral("kubernetes.security.warn_probes"),
                                      QStringLiteral("main.warn")}));
    }

    void opaUndefinedAndEmpty() {
        Result<RegoFileOutcome> r = parseOpaEvalOutput("{}");
        QVERIFY(r.ok());
        QVERIFY(r->failures.empty() && r->warnings.empty());
        r = parseOpaEvalOutput(
            R"({"result": [{"expressions": [{"value": {}, "text": "data", "location": {"row": 1, "col": 1}}]}]})");
        QVERIFY(r.ok());
        QVERIFY(r->failures.empty() && r->warnings.empty());
    }

    void opaErrors() {
        Result<RegoFileOutcome> r = parseOpaEvalOutput(kOpaError);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Config);
        QVERIFY2(r.error().details.contains(QStringLiteral(
                     "policy/000-deny.rego:7: var msg is unsafe (rego_unsafe_var_error)")),
                 qPrintable(r.error().details));
    }

    void opaMalformed_data() {
        QTest::addColumn<QByteArray>("output");
        QTest::addColumn<int>("kind");
        QTest::newRow("text") << QByteArray("1 error occurred: policy.rego:3")
                              << int(Error::Kind::Protocol);
        QTest::newRow("list") << QByteArray("[]") << int(Error::Kind::Protocol);
        QTest::newRow("result not a list")
            << QByteArray(R"({"result": {}})") << int(Error::Kind::Protocol);
        QTest::newRow("no expressions")
            << QByteArray(R"({"result": [{}]})") << int(Error::Kind::Protocol);
        // A set entry that is neither a text nor an object with "msg" is the policy's mistake.
        QTest::newRow("entry without msg")
            << QByteArray(
                   R"({"result": [{"expressions": [{"value": {"main": {"deny": [{"reason": "x"}]}}}]}]})")
            << int(Error::Kind::Config);
    }
    void opaMalformed() {
        QFETCH(QByteArray, output);
        QFETCH(int, kind);
        Result<RegoFileOutcome> r = parseOpaEvalOutput(output);
        QVERIFY(!r.ok());
        QCOMPARE(int(r.error().kind), kind);
    }

    void mapsToObjectFileAndLine() {
        Result<std::vector<KubeObject>> objects =
            parseManifests(kManifests, QStringLiteral("apps/shop/web.yaml"));
        QVERIFY(objects.ok());
        QCOMPARE(objects->size(), std::size_t(2));
        Result<std::vector<RegoFileOutcome>> r = parseConftestOutput(kConftestStructured);
        QVERIFY(r.ok());

        // Metadata id, severity and container.
        const Violation a = regoViolation((*r)[0].failures[0], (*objects)[0]);
        QCOMPARE(a.rule, QStringLiteral("rego:K8S-001"));
        QCOMPARE(a.severity, Severity::Warning);
        QCOMPARE(a.container, QStringLiteral("web"));
        QCOMPARE(a.kind, QStringLiteral("Deployment"));
        QCOMPARE(a.apiVersion, QStringLiteral("apps/v1"));
        QCOMPARE(a.ns, QStringLiteral("shop"));
        QCOMPARE(a.name, QStringLiteral("web"));
        QCOMPARE(a.file, QStringLiteral("apps/shop/web.yaml"));
        QCOMPARE(a.line, (*objects)[0].line);
        QVERIFY(a.line >= 2);
        QCOMPARE(a.message, QStringLiteral("Deployment web runs as root"));
        QVERIFY(!a.fix);

        // No metadata: rego:<package>.<rule>, error for a failure, warning for a warning.
        const Violation b = regoViolation((*r)[0].failures[1], (*objects)[1]);
        QCOMPARE(b.rule, QStringLiteral("rego:kubernetes.security.deny"));
        QCOMPARE(b.severity, Severity::Error);
        QCOMPARE(b.kind, QStringLiteral("Service"));
        QCOMPARE(b.line, (*objects)[1].line);
        QVERIFY(b.line > a.line);
        const Violation c = regoViolation((*r)[0].warnings[0], (*objects)[0]);
        QCOMPARE(c.rule, QStringLiteral("rego:main.warn"));
        QCOMPARE(c.severity, Severity::Warning);

        // opa: the exact rule name; an unknown severity keeps the default; "info" is taken.
        Result<RegoFileOutcome> o = parseOpaEvalOutput(kOpaDocs);
        QVERIFY(o.ok());
        QCOMPARE(regoViolation(o->failures[1], (*objects)[0]).rule,
                 QStringLiteral("rego:main.violation"));
        QCOMPARE(regoViolation(o->failures[1], (*objects)[0]).severity, Severity::Info);
        RegoFinding odd = o->failures[0];
        odd.metadata["severity"] = "catastrophic";
        QCOMPARE(regoViolation(odd, (*objects)[0]).severity, Severity::Error);
        // An id already written as rego:… is not prefixed twice.
        odd.metadata["id"] = "rego:shop.root";
        QCOMPARE(regoViolation(odd, (*objects)[0]).rule, QStringLiteral("rego:shop.root"));
    }

    void inputJsonTypes() {
        Result<std::vector<KubeObject>> objects =
            parseManifests(kManifests, QStringLiteral("web.yaml"));
        QVERIFY(objects.ok());
        const json d = objectJson(*(*objects)[0].root);
        JEQ(d["spec"]["replicas"], json(3));
        JEQ(d["metadata"]["name"], json("web"));
        const json s = objectJson(*(*objects)[1].root);
        JEQ(s["spec"]["ports"][0]["port"], json(80));
        JEQ(s["spec"]["ports"][0]["name"], json("8080")); // quoted stays text

        Result<std::vector<KubeObject>> more = parseManifests(
            "kind: X\nmetadata: {name: x}\na: true\nb: ~\nc:\nd: 1.5\ne: 'true'\nf: 0x1F\n"
            "g: 1e3\nh: v1.2\ni: [1, two]\nj: |\n  42\n",
            QStringLiteral("x.yaml"));
        QVERIFY(more.ok());
        const json x = objectJson(*(*more)[0].root);
        JEQ(x["a"], json(true));
        QVERIFY(x["b"].is_null());
        QVERIFY(x["c"].is_null());
        JEQ(x["d"], json(1.5));
        JEQ(x["e"], json("true"));
        JEQ(x["f"], json(31));
        JEQ(x["g"], json(1000.0));
        JEQ(x["h"], json("v1.2"));
        JEQ(x["i"], json::parse(R"([1, "two"])"));
        JEQ(x["j"], json("42\n")); // a block scalar is text
    }

    void waiversOfRegoRules() {
        const PolicyPack& pack = PolicyPack::builtin();
        const QByteArray yaml = "waivers:\n"
                                "  - rule: rego:main.deny\n"
                                "    object: {kind: Deployment, name: web}\n"
                                "    reason: accepted until the migration\n"
                                "    owner: shop-team\n"
                                "    expires: 2099-01-01\n"
                                "  - rule: rego:kubernetes.*\n"
                                "    reason: the security package is advisory here\n"
                                "    owner: platform\n"
                                "    expires: 2099-01-01\n"
                                "  - rule: rego:unused.deny\n"
                                "    reason: nothing matches\n"
                                "    owner: platform\n"
                                "    expires: 2099-01-01\n";
        Result<std::vector<Waiver>> waivers = parseWaivers(yaml, QStringLiteral("w.yaml"), pack);
        QVERIFY2(waivers.ok(), qPrintable(waivers.ok() ? QString() : waivers.error().details));
        QCOMPARE(waivers->size(), std::size_t(3));
        // A non-rego rule id the pack does not have is still refused.
        QVERIFY(!parseWaivers("waivers:\n  - rule: nope\n    reason: r\n    owner: o\n"
                              "    expires: 2099-01-01\n",
                              QStringLiteral("w.yaml"), pack)
                     .ok());

        Violation v;
        v.rule = QStringLiteral("rego:main.deny");
        v.kind = QStringLiteral("Deployment");
        v.name = QStringLiteral("web");
        Violation sec = v;
        sec.rule = QStringLiteral("rego:kubernetes.security.deny");
        Violation other = v;
        other.name = QStringLiteral("api");
        const QDate today(2026, 11, 27);
        WaiverOutcome out = applyWaivers({v, sec, other}, *waivers, pack, today);
        QCOMPARE(out.waived.size(), std::size_t(2));
        QCOMPARE(out.results.size(), std::size_t(1));
        QCOMPARE(out.results[0].name, QStringLiteral("api"));
        QCOMPARE(out.problems.size(), std::size_t(1));
        QCOMPARE(out.problems[0].rule, QStringLiteral("rego:unused.deny"));
        QCOMPARE(out.problems[0].kind, WaiverProblem::Kind::Unused);
        // When the Rego policies did not run, their waivers are not "unused".
        out = applyWaivers({}, *waivers, pack, today, {}, false);
        QVERIFY(out.problems.empty());
    }

    void reportSaysNotEvaluated() {
        Report report;
        report.renderer = QStringLiteral("raw");
        RegoEngine none;
        none.detail = QStringLiteral("SEXTANT_OPA=/nonexistent is not an executable file");
        Result<RegoRun> run = runRego(none,
                                      {{QStringLiteral("a.rego"), "package main\n"},
                                       {QStringLiteral("b.rego"), "package main\n"},
                                       {QStringLiteral("c.rego"), "package x\n"}},
                                      {});
        QVERIFY(run.ok());
        QVERIFY(!run->summary.evaluated);
        QVERIFY(run->summary.engine.isEmpty());
        QCOMPARE(run->summary.policies, 3);
        QVERIFY2(run->summary.note.startsWith(QStringLiteral(
                     "3 Rego policies not evaluated: neither conftest nor opa is installed")),
                 qPrintable(run->summary.note));
        QVERIFY(run->summary.note.contains(none.detail));
        report.rego = run->summary;

        const json j = json::parse(reportJson(report));
        QVERIFY(j["rego"]["engine"].is_null());
        JEQ(j["rego"]["policies"], json(3));
        JEQ(j["rego"]["evaluated"], json(false));
        QCOMPARE(QString::fromStdString(j["rego"]["note"].get<std::string>()), run->summary.note);

        const QString md = QString::fromStdString(reportMarkdown(report));
        QCOMPARE(md.count(QStringLiteral("3 Rego policies not evaluated")), 1);

        const json sarif = json::parse(reportSarif(report, PolicyPack::builtin()));
        const json& n = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
        JEQ(n["level"], json("warning"));
        JEQ(n["descriptor"]["id"], json("rego-not-evaluated"));
        QCOMPARE(QString::fromStdString(n["message"]["text"].get<std::string>()),
                 run->summary.note);

        // No policies: nothing to say, no note anywhere.
        Result<RegoRun> empty = runRego(none, {}, {});
        QVERIFY(empty.ok());
        QCOMPARE(empty->summary.policies, 0);
        QVERIFY(empty->summary.note.isEmpty());
        report.rego = empty->summary;
        QVERIFY(!QString::fromStdString(reportMarkdown(report)).contains(QStringLiteral("Rego")));
        QVERIFY(!json::parse(reportSarif(report, PolicyPack::builtin()))["runs"][0].contains(
            "invocations"));
    }

    void sarifListsRegoRules() {
        Report report;
        report.renderer = QStringLiteral("raw");
        Violation v;
        v.rule = QStringLiteral("rego:main.deny");
        v.severity = Severity::Error;
        v.kind = QStringLiteral("Deployment");
        v.name = QStringLiteral("web");
        v.file = QStringLiteral("web.yaml");
        v.line = 2;
        v.message = QStringLiteral("runs as root");
        report.results.push_back(v);
        const json sarif = json::parse(reportSarif(report, PolicyPack::builtin()));
        const json& run = sarif["runs"][0];
        const int index = run["results"][0]["ruleIndex"].get<int>();
        JEQ(run["tool"]["driver"]["rules"][index]["id"], json("rego:main.deny"));
        JEQ(run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], json(2));
    }

    void detectHonoursVariables() {
        QProcessEnvironment env;
        env.insert(QStringLiteral("SEXTANT_CONFTEST"), QStringLiteral("/nonexistent/conftest"));
        env.insert(QStringLiteral("SEXTANT_OPA"), QStringLiteral("/nonexistent/opa"));
        const RegoEngine e = RegoEngine::detect(env);
        QCOMPARE(e.kind, RegoEngine::Kind::None);
        QVERIFY(e.detail.contains(QStringLiteral("SEXTANT_CONFTEST=/nonexistent/conftest")));
        QVERIFY(e.detail.contains(QStringLiteral("SEXTANT_OPA=/nonexistent/opa")));
        // A variable naming an executable is taken as that engine (here /bin/sh stands for a
        // binary that exists; it is not run).
        QProcessEnvironment opa;
        opa.insert(QStringLiteral("SEXTANT_CONFTEST"), QStringLiteral("/nonexistent"));
        opa.insert(QStringLiteral("SEXTANT_OPA"), QStringLiteral("/bin/sh"));
        const RegoEngine o = RegoEngine::detect(opa);
        QCOMPARE(o.kind, RegoEngine::Kind::Opa);
        QCOMPARE(o.program, QStringLiteral("/bin/sh"));
        QCOMPARE(regoEngineName(o.kind), QStringLiteral("opa"));
    }
};

QTEST_GUILESS_MAIN(TestRegoOutput)
#include "tst_regooutput.moc"
