// sextant-cli policy: the built-in policy pack over Kubernetes manifests (docs/policy.md), and
// `bench policy`, its throughput benchmark.

#include "commands.h"
#include "serveroptions.h"

#include "gitops/gitrepository.h"
#include "policy/customrules.h"
#include "policy/manifests.h"
#include "policy/polarischecks.h"
#include "policy/policyengine.h"
#include "policy/policypack.h"
#include "policy/policyreport.h"
#include "policy/rego.h"
#include "policy/waivers.h"

#include <QDate>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace sextant::cli {

namespace {

using policy::PolicyPack;
using policy::Severity;

void printPolicyHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli policy rules [--output json|md] [--rules-file FILE]...\n"
           "                                [--polaris-config FILE] [--polaris-check FILE]...\n"
           "       sextant-cli policy check PATH... [--rules ID,...] [--fail-on SEVERITY]\n"
           "                                [--output json|sarif|md] [--kube-version X.Y]\n"
           "                                [--pack FILE] [--today YYYY-MM-DD] [--base REV]\n"
           "                                [--rules-file FILE]... [--polaris-config FILE]\n"
           "                                [--polaris-check FILE]... [--rego DIR]...\n"
           "\n"
           "rules  lists the built-in rules with their equivalents in Polaris, kube-linter,\n"
           "       the Gatekeeper library and Kyverno, then the custom rules given.\n"
           "check  loads YAML files and directories (a directory with a kustomization is\n"
           "       rendered with `kubectl kustomize` or `kustomize build`, a Helm chart with\n"
           "       `helm template`, when installed) and runs the pack over every object.\n"
           "\n"
           "  --rules ID,...     only these rules\n"
           "  --fail-on SEV      error (default), warning, info or never: exit 1 when a result\n"
           "                     has this severity or a higher one\n"
           "  --kube-version     target Kubernetes version for deprecated-api (default 1.31)\n"
           "  --pack FILE        a rule pack file instead of the built-in one\n"
           "  --today DATE       the date waivers expire against (default: today)\n"
           "  --base REV         diff-aware: check the same paths at revision REV of their Git\n"
           "                     repository too; every result is 'new' or 'unchanged', results\n"
           "                     gone since REV are listed as 'fixed', and only new results\n"
           "                     count for --fail-on (SARIF: baselineState)\n"
           "  --rules-file FILE  custom rules in YAML (docs/policy.md); repeatable. Files in\n"
           "                     .sextant/policy/*.yaml from the checked paths up to the\n"
           "                     repository root are read too\n"
           "  --polaris-config FILE  the customChecks of a Polaris configuration file\n"
           "  --polaris-check FILE   one Polaris check file (id = file name); repeatable\n"
           "  --rego DIR         Rego policies (*.rego) in DIR, besides .sextant/policy/*.rego;\n"
           "                     run with conftest, else opa, when installed (SEXTANT_CONFTEST,\n"
           "                     SEXTANT_OPA name a binary); rules are rego:<package>.<rule>\n"
           "\n"
           "Waivers are read from .sextant-waivers.yaml and .sextant/*.waivers.yaml files\n"
           "below the checked directories and in the directories from each checked path up\n"
           "to the repository root (docs/policy.md). Waived results are listed apart and do\n"
           "not count for --fail-on; expired, unused and refused waivers are reported.\n"
           "\n"
           "Exit code 0 when clean, 1 when results reach --fail-on, 2 on an error (unreadable\n"
           "file, invalid YAML, waiver, custom rule or Polaris check file with its\n"
           "file:line, failed rendering, unknown rule).\n";
}

void write(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

// "--name value" or "--name=value".

// Custom rule files, then the customChecks of Polaris configurations, then single Polaris
// check files, added to the pack in that order (an id used twice is an error).
Status addCustomRules(PolicyPack& pack, const QStringList& rulesFiles,
                      const QStringList& polarisConfigs, const QStringList& polarisChecks);

int runRules(const QStringList& args) {
    QString output = QStringLiteral("json");
    QStringList rulesFiles;
    QStringList polarisConfigs;
    QStringList polarisChecks;
    for (int i = 0; i < args.size(); ++i) {
        const QString name = args[i].section(QLatin1Char('='), 0, 0);
        QString value;
        const bool known =
            name == QLatin1String("--output") || name == QLatin1String("--rules-file") ||
            name == QLatin1String("--polaris-config") || name == QLatin1String("--polaris-check");
        if (!known) {
            printError(QStringLiteral("unexpected argument '%1'").arg(args[i]));
            return 2;
        }
        if (!takeValue(args, i, value)) {
            printError(QStringLiteral("%1 needs a value").arg(name));
            return 2;
        }
        if (name == QLatin1String("--output"))
            output = value;
        else if (name == QLatin1String("--rules-file"))
            rulesFiles << value;
        else if (name == QLatin1String("--polaris-config"))
            polarisConfigs << value;
        else
            polarisChecks << value;
    }
    PolicyPack pack = PolicyPack::builtin();
    if (pack.rules().empty()) {
        printError(QStringLiteral("the built-in policy pack could not be loaded"));
        return 2;
    }
    if (Status s = addCustomRules(pack, rulesFiles, polarisConfigs, polarisChecks); !s) {
        printError(s.error().shortMessage, s.error().details);
        return 2;
    }
    if (output == QLatin1String("json")) {
        write(policy::rulesJson(pack));
        return 0;
    }
    if (output == QLatin1String("md")) {
        QTextStream out(stdout);
        out << "| id | severity | title |\n| --- | --- | --- |\n";
        for (const policy::Rule& r : pack.rules())
            out << "| " << r.id << " | " << policy::severityName(r.severity) << " | " << r.title
                << " |\n";
        return 0;
    }
    printError(QStringLiteral("unknown output '%1' (json, md)").arg(output));
    return 2;
}

// The Rego side of a run: the policies found, the engine, and which rules --rules selects.
struct RegoSetup {
    std::vector<policy::RegoPolicy> policies;
    policy::RegoEngine engine;
    policy::RegoOptions options;
    bool run = true; // false when --rules selects no Rego rule
    policy::RegoSummary summary;
};

// The pack's results and the Rego policies' results over the same objects, in file, line, rule
// order. Fills rego.summary.
Result<std::vector<policy::Violation>> allResults(const PolicyPack& pack,
                                                  const policy::LoadedManifests& loaded,
                                                  const policy::CheckOptions& options,
                                                  RegoSetup& rego) {
    std::vector<policy::Violation> results = policy::checkObjects(pack, loaded.objects, options);
    if (!rego.run) {
        rego.summary.policies = int(rego.policies.size());
        rego.summary.evaluated = false;
        if (!rego.policies.empty())
            rego.summary.note = QStringLiteral("%1 Rego policies not run: --rules selects none of "
                                               "their rules (rego:…)")
                                    .arg(rego.policies.size());
        return results;
    }
    Result<policy::RegoRun> ran =
        policy::runRego(rego.engine, rego.policies, loaded.objects, rego.options);
    if (!ran)
        return ran.error();
    rego.summary = ran->summary;
    if (ran->results.empty())
        return results;
    for (policy::Violation& v : ran->results)
        results.push_back(std::move(v));
    std::stable_sort(results.begin(), results.end(),
                     [](const policy::Violation& a, const policy::Violation& b) {
                         if (a.file != b.file)
                             return a.file < b.file;
                         if (a.line != b.line)
                             return a.line < b.line;
                         return a.rule < b.rule;
                     });
    return results;
}

// The Git repository whose work tree holds `path` (the nearest enclosing one).
Result<std::unique_ptr<gitops::GitRepository>> repositoryOf(const QString& path) {
    QDir dir(QFileInfo(path).isDir() ? QFileInfo(path).absoluteFilePath()
                                     : QFileInfo(path).absolutePath());
    while (true) {
        if (QFileInfo::exists(dir.filePath(QStringLiteral(".git")))) {
            auto repo = gitops::GitRepository::open(dir.absolutePath());
            if (repo && !repo.value()->isBare())
                return repo;
        }
        if (!dir.cdUp())
            break;
    }
    return Error::make(Error::Kind::Config,
                       QStringLiteral("%1 is not inside a Git work tree").arg(path),
                       QStringLiteral("--base compares with a revision of the repository that "
                                      "holds the paths"));
}

// The results of the same check over the same paths at revision `rev` of their repository.
Result<std::vector<policy::Violation>>
checkAtRevision(const QStringList& paths, const QString& rev, const PolicyPack& pack,
                const policy::CheckOptions& options, const std::vector<policy::Waiver>& waivers,
                const QDate& today, const QStringList& onlyRules, RegoSetup& rego) {
    auto repo = repositoryOf(paths.first());
    if (!repo)
        return repo.error();
    auto sha = repo.value()->resolve(rev);
    if (!sha)
        return sha.error();
    auto tree = repo.value()->tree(sha.value());
    if (!tree)
        return tree.error();
    QTemporaryDir exported;
    if (!exported.isValid())
        return Error::make(Error::Kind::Io, QStringLiteral("Cannot create a temporary folder"),
                           exported.errorString());
    if (Status s = tree.value()->exportTo(exported.path()); !s)
        return s.error();
    const QDir root(repo.value()->workTree());
    QStringList basePaths;
    for (const QString& p : paths) {
        const QString relative = root.relativeFilePath(QFileInfo(p).absoluteFilePath());
        if (relative.startsWith(QLatin1String("..")))
            return Error::make(
                Error::Kind::Config,
                QStringLiteral("%1 is not in the repository of %2").arg(p, paths.first()));
        const QString at = exported.filePath(relative);
        if (QFileInfo::exists(at)) // added by the change: nothing to compare with
            basePaths << at;
    }
    if (basePaths.isEmpty())
        return std::vector<policy::Violation>{};
    Result<policy::LoadedManifests> loaded = policy::loadManifests(basePaths);
    if (!loaded)
        return loaded.error();
    Result<std::vector<policy::Violation>> results = allResults(pack, *loaded, options, rego);
    if (!results)
        return results.error();
    std::vector<policy::Violation> atBase =
        policy::applyWaivers(std::move(results).value(), waivers, pack, today, onlyRules,
                             rego.summary.evaluated)
            .results;
    // The export is deleted on return: name each file as the same path of the work tree, in
    // the form the current results use (relative to the working directory when the paths
    // given were relative), so a fixed result points where the author looks for it.
    const QDir exportRoot(exported.path());
    const bool relativeInput = QFileInfo(paths.first()).isRelative();
    for (policy::Violation& v : atBase) {
        v.fix.reset(); // a fix of a result that is already gone means nothing
        if (v.file.isEmpty())
            continue;
        const QString inRepo = exportRoot.relativeFilePath(QFileInfo(v.file).absoluteFilePath());
        if (inRepo.startsWith(QLatin1String("..")))
            continue;
        const QString worktreePath = root.filePath(inRepo);
        v.file = relativeInput ? QDir::current().relativeFilePath(worktreePath) : worktreePath;
    }
    return atBase;
}

Status addCustomRules(PolicyPack& pack, const QStringList& rulesFiles,
                      const QStringList& polarisConfigs, const QStringList& polarisChecks) {
    if (Status s = policy::addCustomRuleFiles(pack, rulesFiles); !s)
        return s;
    auto read = [](const QString& file) -> Result<QByteArray> {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return Error::make(Error::Kind::Io, QStringLiteral("cannot read %1").arg(file),
                               f.errorString());
        return f.readAll();
    };
    for (const QString& file : polarisConfigs) {
        Result<QByteArray> text = read(file);
        if (!text)
            return text.error();
        Result<policy::PolarisImport> imported = policy::importPolarisConfig(*text, file, pack);
        if (!imported)
            return imported.error();
        for (const QString& note : imported->notes)
            QTextStream(stderr) << note << '\n';
        if (Status s = pack.addRules(std::move(imported->rules)); !s)
            return s;
    }
    for (const QString& file : polarisChecks) {
        Result<QByteArray> text = read(file);
        if (!text)
            return text.error();
        Result<policy::Rule> rule = policy::importPolarisCheckFile(*text, file, pack);
        if (!rule)
            return rule.error();
        std::vector<policy::Rule> one;
        one.push_back(std::move(rule).value());
        if (Status s = pack.addRules(std::move(one)); !s)
            return s;
    }
    return okStatus();
}

int runCheck(const QStringList& args) {
    QStringList paths;
    QStringList onlyRules;
    QString output = QStringLiteral("json");
    QString failOn = QStringLiteral("error");
    QString kubeVersion;
    QString packFile;
    QString todayText;
    QString baseRev;
    QStringList rulesFiles;
    QStringList polarisConfigs;
    QStringList polarisChecks;
    QStringList regoDirs;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        const QString name = a.section(QLatin1Char('='), 0, 0);
        QString value;
        if (name == QLatin1String("--help") || name == QLatin1String("-h")) {
            printPolicyHelp();
            return 0;
        }
        if (!a.startsWith(QLatin1String("--"))) {
            paths << a;
            continue;
        }
        const bool known =
            name == QLatin1String("--rules") || name == QLatin1String("--output") ||
            name == QLatin1String("--fail-on") || name == QLatin1String("--kube-version") ||
            name == QLatin1String("--pack") || name == QLatin1String("--base") ||
            name == QLatin1String("--today") || name == QLatin1String("--rules-file") ||
            name == QLatin1String("--polaris-config") || name == QLatin1String("--polaris-check") ||
            name == QLatin1String("--rego");
        if (!known) {
            printError(QStringLiteral("unexpected argument '%1'").arg(a));
            return 2;
        }
        if (!takeValue(args, i, value)) {
            printError(QStringLiteral("%1 needs a value").arg(name));
            return 2;
        }
        if (name == QLatin1String("--rules"))
            onlyRules = value.split(QLatin1Char(','), Qt::SkipEmptyParts);
        else if (name == QLatin1String("--output"))
            output = value;
        else if (name == QLatin1String("--fail-on"))
            failOn = value.toLower();
        else if (name == QLatin1String("--kube-version"))
            kubeVersion = value;
        else if (name == QLatin1String("--pack"))
            packFile = value;
        else if (name == QLatin1String("--today"))
            todayText = value;
        else if (name == QLatin1String("--rules-file"))
            rulesFiles << value;
        else if (name == QLatin1String("--polaris-config"))
            polarisConfigs << value;
        else if (name == QLatin1String("--polaris-check"))
            polarisChecks << value;
        else if (name == QLatin1String("--rego"))
            regoDirs << value;
        else
            baseRev = value;
    }
    if (paths.isEmpty()) {
        printError(QStringLiteral("policy check needs at least one PATH"));
        return 2;
    }
    if (output != QLatin1String("json") && output != QLatin1String("sarif") &&
        output != QLatin1String("md")) {
        printError(QStringLiteral("unknown output '%1' (json, sarif, md)").arg(output));
        return 2;
    }
    if (!kubeVersion.isEmpty() &&
        !QRegularExpression(QStringLiteral("^v?\\d+\\.\\d+$")).match(kubeVersion).hasMatch()) {
        printError(QStringLiteral("--kube-version must look like 1.31"));
        return 2;
    }
    QDate today = QDate::currentDate();
    if (!todayText.isEmpty()) {
        today = QDate::fromString(todayText, Qt::ISODate);
        if (!QRegularExpression(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$"))
                 .match(todayText)
                 .hasMatch() ||
            !today.isValid()) {
            printError(QStringLiteral("--today must be a date YYYY-MM-DD"));
            return 2;
        }
    }
    Severity threshold = Severity::Error;
    const bool never = failOn == QLatin1String("never");
    if (!never && !policy::parseSeverity(failOn, threshold)) {
        printError(QStringLiteral("--fail-on must be error, warning, info or never"));
        return 2;
    }

    std::optional<PolicyPack> customPack;
    if (!packFile.isEmpty()) {
        QFile f(packFile);
        if (!f.open(QIODevice::ReadOnly)) {
            printError(QStringLiteral("cannot read %1").arg(packFile), f.errorString());
            return 2;
        }
        Result<PolicyPack> loaded = PolicyPack::fromYaml(f.readAll(), packFile);
        if (!loaded) {
            printError(loaded.error().shortMessage, loaded.error().details);
            return 2;
        }
        customPack = std::move(loaded).value();
    }
    PolicyPack pack = customPack ? *customPack : PolicyPack::builtin();
    {
        QStringList files = rulesFiles;
        for (const QString& f : policy::findCustomRuleFiles(paths))
            if (!files.contains(f))
                files << f;
        if (Status s = addCustomRules(pack, files, polarisConfigs, polarisChecks); !s) {
            printError(s.error().shortMessage, s.error().details);
            return 2;
        }
    }
    for (const QString& dir : std::as_const(regoDirs)) {
        if (!QFileInfo::exists(dir)) {
            printError(QStringLiteral("--rego %1: no such folder").arg(dir));
            return 2;
        }
    }
    RegoSetup rego;
    {
        Result<std::vector<policy::RegoPolicy>> policies =
            policy::readRegoFiles(policy::findRegoFiles(paths, regoDirs));
        if (!policies) {
            printError(policies.error().shortMessage, policies.error().details);
            return 2;
        }
        rego.policies = std::move(policies).value();
        rego.engine = policy::RegoEngine::detect();
        // --rules narrows the Rego results too: `rego:main.deny`, `rego:*`.
        for (const QString& id : onlyRules)
            if (policy::isRegoRule(id))
                rego.options.onlyRules << id;
        rego.run = onlyRules.isEmpty() || !rego.options.onlyRules.isEmpty();
    }
    for (const QString& id : onlyRules) {
        if (policy::isRegoRule(id))
            continue; // known only once the policies ran
        if (!pack.find(id)) {
            printError(QStringLiteral("unknown rule '%1'").arg(id),
                       QStringLiteral("see 'sextant-cli policy rules'"));
            return 2;
        }
    }

    Result<policy::LoadedManifests> loaded = policy::loadManifests(paths);
    if (!loaded) {
        printError(loaded.error().shortMessage, loaded.error().details);
        return 2;
    }
    Result<std::vector<policy::Waiver>> waivers = policy::loadWaivers(paths, pack);
    if (!waivers) {
        printError(waivers.error().shortMessage, waivers.error().details);
        return 2;
    }
    policy::CheckOptions options;
    options.onlyRules = onlyRules;
    options.kubernetesVersion = kubeVersion;

    // Diff-aware mode: the same paths at the base revision of their Git repository, checked
    // the same way (the current waivers apply to both sides).
    std::optional<std::vector<policy::Violation>> atBase;
    if (!baseRev.isEmpty()) {
        // The current Rego policies apply to both sides, like custom rules.
        RegoSetup baseRego = rego;
        Result<std::vector<policy::Violation>> base =
            checkAtRevision(paths, baseRev, pack, options, *waivers, today, onlyRules, baseRego);
        if (!base) {
            printError(base.error().shortMessage, base.error().details);
            return 2;
        }
        atBase = std::move(base).value();
    }
    options.sources = &loaded->sources;
    policy::Report report;
    report.renderer = loaded->renderer;
    report.notes = loaded->notes;
    Result<std::vector<policy::Violation>> results = allResults(pack, *loaded, options, rego);
    if (!results) {
        printError(results.error().shortMessage, results.error().details);
        return 2;
    }
    report.rego = rego.summary;
    if (!rego.summary.note.isEmpty() && !rego.summary.evaluated)
        QTextStream(stderr) << "warning: " << rego.summary.note << '\n';
    policy::WaiverOutcome outcome = policy::applyWaivers(std::move(results).value(), *waivers, pack,
                                                         today, onlyRules, rego.summary.evaluated);
    report.results = std::move(outcome.results);
    report.waived = std::move(outcome.waived);
    report.waiverProblems = std::move(outcome.problems);
    if (atBase)
        policy::compareWithBase(report, baseRev, *atBase);

    if (output == QLatin1String("sarif"))
        write(policy::reportSarif(report, pack));
    else if (output == QLatin1String("md"))
        write(policy::reportMarkdown(report));
    else
        write(policy::reportJson(report));

    if (never)
        return 0;
    // In diff-aware mode only what the change introduces fails the check.
    bool failed = false;
    for (std::size_t i = 0; i < report.results.size(); ++i)
        if (int(report.results[i].severity) >= int(threshold) && (!atBase || report.isNew[i]))
            failed = true;
    return failed ? 1 : 0;
}

// ---- bench policy ------------------------------------------------------------------------------

// A realistic mix for one "application": a Deployment (two containers, partly hardened), its
// Service, PDB, ServiceAccount and ConfigMap, a CronJob, a StatefulSet, an HPA and an Ingress
// (or a NetworkPolicy or a RoleBinding).
// Some objects violate rules, as real repositories do.
std::string generatedObject(int i) {
    const std::string n = std::to_string(i);
    const std::string ns = "team-" + std::to_string(i / 90 % 40) + (i % 3 ? "-prod" : "-dev");
    const std::string app = "app-" + std::to_string(i / 9);
    switch (i % 9) {
    case 0:
        return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + app +
               "\n  namespace: " + ns + "\n  labels:\n    app.kubernetes.io/name: " + app +
               "\nspec:\n  replicas: " + std::to_string(1 + i % 3) +
               "\n  selector:\n    matchLabels:\n      app: " + app +
               "\n  template:\n    metadata:\n      labels:\n        app: " + app +
               "\n    spec:\n      securityContext:\n        runAsNonRoot: true\n"
               "        seccompProfile:\n          type: RuntimeDefault\n"
               "      containers:\n      - name: web\n        image: registry.example.com/" +
               app + ":1." + n +
               "\n        ports:\n        - containerPort: 8080\n"
               "        resources:\n          requests: {cpu: 100m, memory: 128Mi}\n"
               "          limits: {cpu: 500m, memory: 256Mi}\n"
               "        livenessProbe:\n          httpGet: {path: /healthz, port: 8080}\n"
               "        readinessProbe:\n          httpGet: {path: /ready, port: 8080}\n"
               "        securityContext:\n          allowPrivilegeEscalation: false\n"
               "          readOnlyRootFilesystem: true\n"
               "          capabilities:\n            drop: [ALL]\n"
               "        env:\n        - name: LOG_LEVEL\n          value: info\n"
               "        - name: DB_PASSWORD\n          value: hunter2\n"
               "      - name: sidecar\n        image: envoyproxy/envoy:latest\n"
               "      initContainers:\n      - name: migrate\n        image: migrate/migrate\n";
    case 1:
        return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + app + "\n  namespace: " + ns +
               "\n  labels:\n    app.kubernetes.io/name: " + app +
               "\nspec:\n  type: " + (i % 5 ? "ClusterIP" : "NodePort") +
               "\n  selector:\n    app: " + (i % 7 ? app : app + "-typo") +
               "\n  ports:\n  - port: 80\n    targetPort: 8080\n";
    case 2:
        return "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: " + app +
               "\n  namespace: " + ns + "\nspec:\n  minAvailable: " + std::to_string(1 + i % 2) +
               "\n  selector:\n    matchLabels:\n      app: " + app + "\n";
    case 3:
        return "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: " + app +
               "\n  namespace: " + ns + "\nautomountServiceAccountToken: false\n";
    case 4:
        return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + app + "-config" +
               "\n  namespace: " + ns + "\ndata:\n  LOG_LEVEL: info\n  FEATURE_X: \"true\"\n";
    case 5:
        return "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: " + app + "-report" +
               "\n  namespace: " + ns +
               "\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n"
               "    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n"
               "          containers:\n          - name: report\n            image: "
               "registry.example.com/report:2.1\n            resources:\n              "
               "requests: {cpu: 50m, memory: 64Mi}\n";
    case 6:
        return "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: " + app + "-db" +
               "\n  namespace: " + ns + "\nspec:\n  replicas: 3\n  serviceName: " + app +
               "-db\n  selector:\n    matchLabels:\n      app: " + app +
               "-db\n  template:\n    metadata:\n      labels:\n        app: " + app +
               "-db\n    spec:\n      containers:\n      - name: db\n        image: "
               "postgres:16.2\n        securityContext:\n          privileged: " +
               (i % 11 ? "false" : "true") +
               "\n        volumeMounts:\n        - name: data\n"
               "          mountPath: /var/lib/postgresql\n";
    case 7:
        return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: " +
               app + "\n  namespace: " + ns +
               "\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n"
               "    name: " +
               app + "\n  minReplicas: 2\n  maxReplicas: 6\n";
    default:
        // Every fourth application has a NetworkPolicy instead of an Ingress, and every
        // fourth a RoleBinding (to the default edit ClusterRole or to a Role not in the set):
        // the cross-object rules then have something to look up.
        if (i / 9 % 4 == 1)
            return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " +
                   app + "\n  namespace: " + ns +
                   "\nspec:\n  podSelector:\n    matchLabels:\n"
                   "      app: " +
                   app + "-report\n  policyTypes: [Ingress]\n";
        if (i / 9 % 4 == 2)
            return "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n"
                   "  name: " +
                   app + "-devs\n  namespace: " + ns +
                   "\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: " +
                   (i % 2 ? "ClusterRole\n  name: edit" : "Role\n  name: " + app + "-debug") +
                   "\nsubjects:\n- kind: Group\n  name: " + app + "-devs\n";
        return std::string(i % 4 ? "apiVersion: networking.k8s.io/v1\n"
                                 : "apiVersion: networking.k8s.io/v1beta1\n") +
               "kind: Ingress\nmetadata:\n  name: " + app + "\n  namespace: " + ns +
               "\nspec:\n  rules:\n  - host: " + app + ".example.com\n";
    }
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

} // namespace

int runPolicy(const QStringList& args) {
    if (args.isEmpty() || args.first() == QLatin1String("--help") ||
        args.first() == QLatin1String("-h")) {
        printPolicyHelp();
        return args.isEmpty() ? 2 : 0;
    }
    const QString what = args.first();
    if (what == QLatin1String("rules"))
        return runRules(args.mid(1));
    if (what == QLatin1String("check"))
        return runCheck(args.mid(1));
    printError(QStringLiteral("unknown policy command '%1' (rules, check)").arg(what));
    return 2;
}

int runBenchPolicy(const QStringList& args) {
    int objects = 10000;
    int runs = 7;
    QStringList rulesFiles;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        bool ok = false;
        if (a == QLatin1String("--rules-file") && i + 1 < args.size()) {
            rulesFiles << args[++i];
            continue;
        }
        if ((a == QLatin1String("--objects") || a == QLatin1String("--runs")) &&
            i + 1 < args.size()) {
            const int v = args[++i].toInt(&ok);
            if (ok && v > 0)
                (a == QLatin1String("--objects") ? objects : runs) = v;
            else
                ok = false;
        }
        if (!ok) {
            printError(QStringLiteral("usage: sextant-cli bench policy [--objects N] [--runs R] "
                                      "[--rules-file FILE]..."));
            return 2;
        }
    }
    PolicyPack pack = PolicyPack::builtin();
    if (pack.rules().empty()) {
        printError(QStringLiteral("the built-in policy pack could not be loaded"));
        return 2;
    }
    const std::size_t builtinRules = pack.rules().size();
    if (Status s = policy::addCustomRuleFiles(pack, rulesFiles); !s) {
        printError(s.error().shortMessage, s.error().details);
        return 2;
    }
    // Generated as YAML text and parsed like files would be (parse time reported apart).
    std::string text;
    for (int i = 0; i < objects; ++i)
        text += "---\n" + generatedObject(i);
    QElapsedTimer t;
    t.start();
    Result<std::vector<policy::KubeObject>> parsed =
        policy::parseManifests(QByteArray::fromStdString(text), QStringLiteral("bench.yaml"));
    const double parseMs = double(t.nsecsElapsed()) / 1e6;
    if (!parsed) {
        printError(parsed.error().shortMessage, parsed.error().details);
        return 2;
    }
    // The median of `runs` timed runs (after two warm-ups) of `options`' rules.
    auto measure = [&](const policy::CheckOptions& options, std::size_t& violations) {
        std::vector<double> times;
        const int warmups = 2;
        for (int run = 0; run < warmups + runs; ++run) {
            t.start();
            const std::vector<policy::Violation> results =
                policy::checkObjects(pack, *parsed, options);
            const double ms = double(t.nsecsElapsed()) / 1e6;
            violations = results.size();
            if (run >= warmups)
                times.push_back(ms);
        }
        return std::round(median(times) * 100) / 100;
    };
    std::size_t violations = 0;
    const double ms = measure({}, violations);
    nlohmann::ordered_json out;
    out["objects"] = parsed->size();
    out["rules"] = pack.rules().size();
    out["ms"] = ms;
    out["runs"] = runs;
    out["violations"] = violations;
    out["parseMs"] = std::round(parseMs * 100) / 100;
    if (pack.rules().size() > builtinRules) {
        // The custom rules alone, measured the same way: their share of `ms`.
        policy::CheckOptions customOnly;
        for (std::size_t i = builtinRules; i < pack.rules().size(); ++i)
            customOnly.onlyRules << pack.rules()[i].id;
        std::size_t customViolations = 0;
        out["customRules"] = pack.rules().size() - builtinRules;
        out["customMs"] = measure(customOnly, customViolations);
        out["customViolations"] = customViolations;
    }
    write(out.dump());
    return 0;
}

} // namespace sextant::cli
