// sextant-cli bench pr: `pr describe` on a synthetic kustomize repository — a real bare Git
// repository in a temporary folder — with a head commit that changes --files files across
// bases, overlays and shared components. Prints one JSON object; see docs/benchmarks.md.
//
// The repository is made with the git CLI only for what GitRepository cannot do (init a bare
// repository and its empty root commit); the base and the head commits are written with
// GitRepository::commitEdits (libgit2, no work tree), like the PR flow writes.

#include "commands.h"

#include "gitops/applications.h"
#include "gitops/gitrepository.h"
#include "gitops/prdraft.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace sextant::cli {

namespace {

const QString kRepoURL = QStringLiteral("https://git.example.test/bench/config.git");
const QStringList kEnvs{QStringLiteral("dev"), QStringLiteral("stage"), QStringLiteral("prod")};

void printBenchPrHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli bench pr [--files N] [--apps N] [--runs N]\n"
           "\n"
           "Builds a bare Git repository in a temporary folder: N apps (default 100), each a\n"
           "kustomize base (Deployment, Service, ConfigMap) using one of N/10 shared components,\n"
           "with dev, stage and prod overlays (3 Argo CD Applications per app); then a head\n"
           "commit changing --files files (default 500): component labels, base images, overlay\n"
           "replicas, ConfigMap values, Service ports, in that order of preference. Times the\n"
           "whole of `pr describe` (trees, diff, impact, renders, object diff, risks, policy,\n"
           "Markdown) --runs times (default 3) and prints one JSON object with the medians:\n"
           "{\"bench\":\"pr\", \"files\", \"apps\", \"applications\", \"impacted\",\n"
           "\"objectChanges\", \"renderer\", \"impactMs\", \"renderMs\", \"totalMs\", \"runs\", "
           "...}.\n"
           "Needs git (to create the repository). Renders with kubectl kustomize or kustomize\n"
           "when installed, else reads the overlays as raw YAML (\"renderer\": \"raw\").\n";
}

double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double round1(double v) {
    return std::round(v * 10) / 10;
}

QString appName(int i) {
    return QStringLiteral("app-%1").arg(i, 3, 10, QLatin1Char('0'));
}

QString componentName(int k) {
    return QStringLiteral("shared-%1").arg(k, 2, 10, QLatin1Char('0'));
}

// The files of the repository; `v` is the revision of each kind of edit (0 base, 1 head).
QByteArray componentFile(int k, int v) {
    return QStringLiteral("apiVersion: kustomize.config.k8s.io/v1alpha1\n"
                          "kind: Component\n"
                          "labels:\n"
                          "- pairs:\n"
                          "    component: %1\n"
                          "    revision: r%2\n"
                          "  includeSelectors: false\n")
        .arg(componentName(k))
        .arg(v)
        .toUtf8();
}

QByteArray baseKustomization(int i, int components) {
    return QStringLiteral("resources:\n- deployment.yaml\n- service.yaml\n- configmap.yaml\n"
                          "components:\n- ../../../components/%1\n")
        .arg(componentName(i % components))
        .toUtf8();
}

QByteArray deployment(int i, int v) {
    return QStringLiteral("apiVersion: apps/v1\n"
                          "kind: Deployment\n"
                          "metadata:\n"
                          "  name: %1\n"
                          "spec:\n"
                          "  replicas: 1\n"
                          "  selector:\n"
                          "    matchLabels: {app: %1}\n"
                          "  template:\n"
                          "    metadata:\n"
                          "      labels: {app: %1}\n"
                          "    spec:\n"
                          "      containers:\n"
                          "      - name: %1\n"
                          "        image: registry.example.test/%1:1.%2.0\n"
                          "        ports:\n"
                          "        - containerPort: 8080\n"
                          "        envFrom:\n"
                          "        - configMapRef: {name: %1-config}\n"
                          "        resources:\n"
                          "          requests: {cpu: 100m, memory: 128Mi}\n"
                          "          limits: {memory: 256Mi}\n")
        .arg(appName(i))
        .arg(v)
        .toUtf8();
}

QByteArray service(int i, int v) {
    return QStringLiteral("apiVersion: v1\n"
                          "kind: Service\n"
                          "metadata:\n"
                          "  name: %1\n"
                          "spec:\n"
                          "  selector: {app: %1}\n"
                          "  ports:\n"
                          "  - name: http\n"
                          "    port: %2\n"
                          "    targetPort: 8080\n")
        .arg(appName(i))
        .arg(v ? 8080 : 80)
        .toUtf8();
}

QByteArray configMap(int i, int v) {
    return QStringLiteral("apiVersion: v1\n"
                          "kind: ConfigMap\n"
                          "metadata:\n"
                          "  name: %1-config\n"
                          "data:\n"
                          "  LOG_LEVEL: %2\n"
                          "  FEATURE_FLAGS: search,checkout\n")
        .arg(appName(i), v ? QStringLiteral("debug") : QStringLiteral("info"))
        .toUtf8();
}

QByteArray overlayKustomization() {
    return "resources:\n- ../../base\npatches:\n- path: replicas.yaml\n";
}

QByteArray replicasPatch(int i, int env, int v) {
    return QStringLiteral("apiVersion: apps/v1\n"
                          "kind: Deployment\n"
                          "metadata:\n"
                          "  name: %1\n"
                          "spec:\n"
                          "  replicas: %2\n")
        .arg(appName(i))
        .arg(env + 1 + v)
        .toUtf8();
}

QByteArray applications(int apps) {
    QByteArray out = "apiVersion: v1\nkind: List\nitems:\n";
    for (int i = 0; i < apps; ++i) {
        for (const QString& env : kEnvs) {
            out += QStringLiteral("- apiVersion: argoproj.io/v1alpha1\n"
                                  "  kind: Application\n"
                                  "  metadata:\n"
                                  "    name: %1-%2\n"
                                  "    namespace: argocd\n"
                                  "    labels: {env: %2}\n"
                                  "  spec:\n"
                                  "    project: default\n"
                                  "    source:\n"
                                  "      repoURL: %3\n"
                                  "      targetRevision: main\n"
                                  "      path: apps/%1/overlays/%2\n"
                                  "    destination:\n"
                                  "      name: %2-cluster-%4\n"
                                  "      namespace: %1\n")
                       .arg(appName(i), env, kRepoURL)
                       .arg(i % 4)
                       .toUtf8();
        }
    }
    return out;
}

// The edits of the head commit: layer by layer (every component, then every base Deployment,
// every prod patch, ...), so the changed files spread over all apps. Beyond what the
// repository has, new files that nothing references are added.
std::vector<gitops::FileEdit> headEdits(int files, int apps, int components) {
    std::vector<gitops::FileEdit> edits;
    auto add = [&](const QString& path, const QByteArray& content) {
        if (int(edits.size()) < files)
            edits.push_back({path, content});
    };
    for (int k = 0; k < components; ++k)
        add(QStringLiteral("components/%1/kustomization.yaml").arg(componentName(k)),
            componentFile(k, 1));
    for (int i = 0; i < apps; ++i)
        add(QStringLiteral("apps/%1/base/deployment.yaml").arg(appName(i)), deployment(i, 1));
    for (int env : {2, 1, 0})
        for (int i = 0; i < apps; ++i)
            add(QStringLiteral("apps/%1/overlays/%2/replicas.yaml").arg(appName(i), kEnvs[env]),
                replicasPatch(i, env, 1));
    for (int i = 0; i < apps; ++i)
        add(QStringLiteral("apps/%1/base/configmap.yaml").arg(appName(i)), configMap(i, 1));
    for (int i = 0; i < apps; ++i)
        add(QStringLiteral("apps/%1/base/service.yaml").arg(appName(i)), service(i, 1));
    for (int n = 0; int(edits.size()) < files; ++n)
        add(QStringLiteral("docs/notes/note-%1.md").arg(n), "A note nothing renders.\n");
    return edits;
}

std::vector<gitops::FileEdit> baseEdits(int apps, int components) {
    std::vector<gitops::FileEdit> edits;
    for (int k = 0; k < components; ++k)
        edits.push_back({QStringLiteral("components/%1/kustomization.yaml").arg(componentName(k)),
                         componentFile(k, 0)});
    for (int i = 0; i < apps; ++i) {
        const QString dir = QStringLiteral("apps/%1/").arg(appName(i));
        edits.push_back(
            {dir + QStringLiteral("base/kustomization.yaml"), baseKustomization(i, components)});
        edits.push_back({dir + QStringLiteral("base/deployment.yaml"), deployment(i, 0)});
        edits.push_back({dir + QStringLiteral("base/service.yaml"), service(i, 0)});
        edits.push_back({dir + QStringLiteral("base/configmap.yaml"), configMap(i, 0)});
        for (int env = 0; env < kEnvs.size(); ++env) {
            const QString overlay = dir + QStringLiteral("overlays/%1/").arg(kEnvs[env]);
            edits.push_back(
                {overlay + QStringLiteral("kustomization.yaml"), overlayKustomization()});
            edits.push_back({overlay + QStringLiteral("replicas.yaml"), replicasPatch(i, env, 0)});
        }
    }
    edits.push_back({QStringLiteral("README.md"), "# Generated by sextant-cli bench pr\n"});
    return edits;
}

// git with no user or system configuration; `out` gets the trimmed standard output.
bool runGit(const QStringList& args, QString* out = nullptr, QString* error = nullptr) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("GIT_CONFIG_NOSYSTEM"), QStringLiteral("1"));
    env.insert(QStringLiteral("GIT_CONFIG_GLOBAL"), QStringLiteral("/dev/null"));
    env.insert(QStringLiteral("GIT_AUTHOR_NAME"), QStringLiteral("Sextant Bench"));
    env.insert(QStringLiteral("GIT_AUTHOR_EMAIL"), QStringLiteral("bench@example.test"));
    env.insert(QStringLiteral("GIT_COMMITTER_NAME"), QStringLiteral("Sextant Bench"));
    env.insert(QStringLiteral("GIT_COMMITTER_EMAIL"), QStringLiteral("bench@example.test"));
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral("git"), args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        if (error)
            *error = QStringLiteral("git %1: %2")
                         .arg(args.join(QLatin1Char(' ')),
                              QString::fromUtf8(p.readAllStandardError()).trimmed());
        return false;
    }
    if (out)
        *out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    return true;
}

// A bare repository at `dir` whose main branch is one empty root commit.
bool initBare(const QString& dir, QString* error) {
    QString emptyTree, root;
    return runGit({QStringLiteral("init"), QStringLiteral("-q"), QStringLiteral("--bare"),
                   QStringLiteral("-b"), QStringLiteral("main"), dir},
                  nullptr, error) &&
           runGit({QStringLiteral("-C"), dir, QStringLiteral("hash-object"), QStringLiteral("-w"),
                   QStringLiteral("-t"), QStringLiteral("tree"), QStringLiteral("/dev/null")},
                  &emptyTree, error) &&
           runGit({QStringLiteral("-C"), dir, QStringLiteral("commit-tree"), emptyTree,
                   QStringLiteral("-m"), QStringLiteral("root")},
                  &root, error) &&
           runGit({QStringLiteral("-C"), dir, QStringLiteral("update-ref"),
                   QStringLiteral("refs/heads/main"), root},
                  nullptr, error);
}

Result<QString> commit(gitops::GitRepository& repo, std::vector<gitops::FileEdit> edits,
                       const QString& message) {
    gitops::CommitRequest request;
    request.branch = QStringLiteral("main");
    request.parentRev = QStringLiteral("main");
    request.edits = std::move(edits);
    request.message = message;
    request.authorName = QStringLiteral("Sextant Bench");
    request.authorEmail = QStringLiteral("bench@example.test");
    request.allowDefaultBranch = true; // a scratch repository nobody else uses
    return repo.commitEdits(request);
}

bool positiveArg(const QStringList& args, int& i, int& out) {
    if (i + 1 >= args.size())
        return false;
    bool ok = false;
    out = args[++i].toInt(&ok);
    return ok && out > 0;
}

} // namespace

int runBenchPr(const QStringList& args) {
    int files = 500;
    int apps = 100;
    int runs = 3;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            printBenchPrHelp();
            return 0;
        }
        int* target = a == QLatin1String("--files")  ? &files
                      : a == QLatin1String("--apps") ? &apps
                      : a == QLatin1String("--runs") ? &runs
                                                     : nullptr;
        if (!target) {
            printError(QStringLiteral("unexpected argument '%1'").arg(a),
                       QStringLiteral("run 'sextant-cli bench pr --help'"));
            return 2;
        }
        if (!positiveArg(args, i, *target)) {
            printError(QStringLiteral("%1 needs a positive number").arg(a));
            return 2;
        }
    }
    if (QStandardPaths::findExecutable(QStringLiteral("git")).isEmpty()) {
        printError(QStringLiteral("bench pr needs git to create its repository"));
        return 2;
    }
    const int components = std::max(1, apps / 10);

    QElapsedTimer setup;
    setup.start();
    QTemporaryDir tmp(QDir::tempPath() + QStringLiteral("/sextant-bench-pr-XXXXXX"));
    if (!tmp.isValid()) {
        printError(QStringLiteral("Cannot create a temporary folder"), tmp.errorString());
        return 2;
    }
    const QString dir = tmp.filePath(QStringLiteral("config.git"));
    QString gitError;
    if (!initBare(dir, &gitError)) {
        printError(QStringLiteral("Cannot create the benchmark repository"), gitError);
        return 2;
    }
    auto opened = gitops::GitRepository::open(dir);
    if (!opened) {
        printError(opened.error().shortMessage, opened.error().details);
        return 2;
    }
    gitops::GitRepository& repo = *opened.value();
    std::vector<gitops::FileEdit> base = baseEdits(apps, components);
    const int repoFiles = int(base.size());
    const auto baseSha = commit(repo, std::move(base), QStringLiteral("base"));
    if (!baseSha) {
        printError(baseSha.error().shortMessage, baseSha.error().details);
        return 2;
    }
    const auto headSha =
        commit(repo, headEdits(files, apps, components), QStringLiteral("the change"));
    if (!headSha) {
        printError(headSha.error().shortMessage, headSha.error().details);
        return 2;
    }
    auto parsedApps = gitops::parseApplications(applications(apps), QStringLiteral("bench.yaml"));
    if (!parsedApps) {
        printError(parsedApps.error().shortMessage, parsedApps.error().details);
        return 2;
    }
    const double setupMs = double(setup.nsecsElapsed()) / 1e6;

    std::vector<double> totals, impacts, renders;
    std::size_t changedFiles = 0, impacted = 0, objectChanges = 0, risks = 0;
    qsizetype markdownChars = 0, parts = 0;
    QString renderer = QStringLiteral("raw");
    for (int run = 0; run < runs; ++run) {
        QElapsedTimer total;
        total.start();
        auto baseTree = repo.tree(*baseSha);
        auto headTree = repo.tree(*headSha);
        auto changes = repo.diff(*baseSha, *headSha);
        if (!baseTree || !headTree || !changes) {
            const Error e = !baseTree   ? baseTree.error()
                            : !headTree ? headTree.error()
                                        : changes.error();
            printError(e.shortMessage, e.details);
            return 2;
        }
        gitops::ChangeRequest request;
        request.base = baseTree->get();
        request.head = headTree->get();
        request.changes = std::move(*changes);
        request.repoURL = kRepoURL;
        request.apps = *parsedApps;
        request.repositoryLabel = kRepoURL;
        request.baseLabel = baseSha->left(12);
        request.headLabel = headSha->left(12);
        changedFiles = request.changes.size();
        auto described = gitops::describeChange(request);
        if (!described) {
            printError(described.error().shortMessage, described.error().details);
            return 2;
        }
        totals.push_back(double(total.nsecsElapsed()) / 1e6);
        impacts.push_back(double(described->impactMs));
        renders.push_back(double(described->renderMs));
        impacted = described->impacted.size();
        objectChanges = 0;
        for (const gitops::AppChanges& a : described->input.apps) {
            objectChanges += a.changes.size();
            if (a.renderer != QLatin1String("raw") && !a.renderer.isEmpty())
                renderer = a.renderer;
        }
        risks = described->input.risks.size();
        markdownChars = 0;
        for (const QString& part : described->description.parts)
            markdownChars += part.size();
        parts = described->description.parts.size();
    }

    nlohmann::ordered_json out;
    out["bench"] = "pr";
    out["files"] = changedFiles;
    out["apps"] = apps;
    out["applications"] = parsedApps->size();
    out["repoFiles"] = repoFiles;
    out["impacted"] = impacted;
    out["objectChanges"] = objectChanges;
    out["risks"] = risks;
    out["markdownChars"] = markdownChars;
    out["parts"] = parts;
    out["renderer"] = renderer.toStdString();
    out["setupMs"] = round1(setupMs);
    out["impactMs"] = round1(median(impacts));
    out["renderMs"] = round1(median(renders));
    out["totalMs"] = round1(median(totals));
    out["minTotalMs"] = round1(*std::min_element(totals.begin(), totals.end()));
    out["runs"] = runs;
    const std::string text = out.dump();
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    return 0;
}

} // namespace sextant::cli
