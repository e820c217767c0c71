#pragma once

#include "core/result.h"
#include "policy/manifests.h"
#include "policy/policyengine.h"

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <vector>

namespace sextant::policy {

// Rego policies (docs/policy.md, "Rego policies"): `.sextant/policy/*.rego` in the repository (and
// `--rego DIR` in the CLI) run through conftest or, without it, opa, when one of them is installed.
// Neither is required: when Rego files exist and no engine is found, the report says so once
// instead of skipping them silently.

// The engine that runs Rego policies, as found on this machine.
struct RegoEngine {
    enum class Kind { None, Conftest, Opa };
    Kind kind = Kind::None;
    QString program; // absolute path of the binary
    // Why none was found beyond "not installed" (e.g. "SEXTANT_CONFTEST=/x is not an executable
    // file"); empty otherwise.
    QString detail;

    // SEXTANT_CONFTEST, else `conftest` on PATH, then SEXTANT_OPA, else `opa` on PATH. A variable
    // that is set decides for its tool: pointing it at a missing file means "not installed" (tests
    // force the absent case that way).
    static RegoEngine
    detect(const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());
};
// "conftest", "opa", or an empty string for None.
QString regoEngineName(RegoEngine::Kind kind);

// One Rego policy file: its name as reports show it and its text.
struct RegoPolicy {
    QString file;
    QByteArray content;
};

// One entry of a policy's deny/violation/warn set (or of conftest's failures/warnings/exceptions).
struct RegoFinding {
    QString package; // the Rego package ("main", "kubernetes.security")
    QString rule;    // deny, violation, warn (or deny_foo …); conftest: "deny" or "warn"
    bool warning = false;
    QString message;
    nlohmann::json metadata = nlohmann::json::object(); // the entry's keys other than "msg"
};

// The findings for one input file.
struct RegoFileOutcome {
    QString filename;
    std::vector<RegoFinding> failures;
    std::vector<RegoFinding> warnings;
    std::vector<RegoFinding> exceptions; // failures the policies' own `exception` rules excused
    int successes = 0;                   // conftest's count of passed rules (opa does not say)
};

// conftest's documented JSON output (`conftest test --output json`): an array of
// {"filename", "namespace", "successes", "failures", "warnings", "exceptions"} (the lists may be
// absent), one entry per file and namespace. Entries of the same file are merged. Malformed
// output is an Error of kind Protocol.
Result<std::vector<RegoFileOutcome>> parseConftestOutput(const QByteArray& json);

// `opa eval --format json ... 'data'` over one input: the data document's packages, with their
// deny/violation/warn sets (and deny_*, violation_*, warn_* as conftest reads them) collected as
// conftest does; an `exception` set of rule-name suffixes moves the matching failures to
// `exceptions`. An {"errors": [...]} answer (parse or evaluation errors) is an Error naming the
// file and row; malformed output is an Error of kind Protocol.
Result<RegoFileOutcome> parseOpaEvalOutput(const QByteArray& json, const QString& filename = {});

// The report's result for one finding on `object`: rule `rego:<package>.<rule>` (or
// `rego:<metadata.id>`), severity from metadata "severity" (error, warning, info), else error for
// failures and warning for warnings; the object's file and line; metadata "container" names the
// container.
Violation regoViolation(const RegoFinding& finding, const KubeObject& object);

// What a Rego run did, for the report ("rego" in JSON, a note in Markdown, SARIF and the console).
struct RegoSummary {
    QString engine; // "conftest", "opa", empty when none ran
    int policies = 0;
    bool evaluated = false;
    int exceptions = 0;
    QString note; // one sentence; empty when there were no policies
};

struct RegoRun {
    RegoSummary summary;
    std::vector<Violation> results;
};

struct RegoOptions {
    int timeoutMs = 120000; // for the whole run (all processes together)
    // Only results whose rule matches one of these (globs with '*'); empty = all.
    QStringList onlyRules;
};

// The `*.rego` files (not `*_test.rego`) of a `.sextant/policy` folder found like custom rule
// files for `paths`, and of each directory in `extraDirs` (CLI `--rego DIR`, searched
// recursively). Sorted, without duplicates.
QStringList findRegoFiles(const QStringList& paths, const QStringList& extraDirs = {});
// Reads them; an unreadable file is an Io error.
Result<std::vector<RegoPolicy>> readRegoFiles(const QStringList& files);

// Runs `policies` over `objects` with `engine`, blocking (call it off the GUI thread). Each object
// is written to its own temporary JSON file, so every finding maps back to its object, file and
// line. No policies: an empty run. Policies but no engine: not evaluated, with the note. A
// binary that fails, times out or prints something unparseable is an Error (Timeout, Protocol,
// or Config with its stderr).
Result<RegoRun> runRego(const RegoEngine& engine, const std::vector<RegoPolicy>& policies,
                        const std::vector<KubeObject>& objects, const RegoOptions& options = {});

// A Kubernetes object as the JSON a Rego policy sees as `input` (scalars typed as YAML's core
// schema reads them: numbers, booleans, null, quoted text stays text).
nlohmann::json objectJson(const YNode& node);

// Whether `rule` (a rego:… id) matches `pattern` (exact, or with '*' for any run of characters).
bool regoRuleMatches(const QString& pattern, const QString& rule);
inline bool isRegoRule(const QString& rule) {
    return rule.startsWith(QLatin1String("rego:"));
}

} // namespace sextant::policy
