// sextant-cli pr describe: the impact and the object-level changes of a config-repository
// change, its risks and policy results, as a PR description (docs/pr-description.md) or JSON.
// Read-only: nothing is committed, pushed or opened here.

#include "commands.h"
#include "serveroptions.h"

#include "gitops/applications.h"
#include "gitops/gitrepository.h"
#include "gitops/prdraft.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QTextStream>

#include <cstdio>
#include <optional>

namespace sextant::cli {

namespace {

using Json = nlohmann::json;

void printPrHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli pr describe --repo DIR --base REV [--head REV]\n"
           "                              [--apps FILE] [--server URL (--token T | --token-file "
           "F)]\n"
           "                              [--repo-url URL] [--provider NAME] [--no-policy]\n"
           "                              [--output md|json]\n"
           "\n"
           "Describes the change from --base to --head of the Git repository in DIR (bare or\n"
           "with a work tree): which Argo CD Applications render the changed files, on which\n"
           "clusters and environments; the object-level changes of each (rendered with kubectl\n"
           "kustomize / kustomize / helm template when installed, else the raw YAML); risks\n"
           "with reasons; policy violations the change adds or fixes; CODEOWNERS approvals.\n"
           "Offline: the Applications come from --apps (YAML or JSON: one Application, a list,\n"
           "or the Argo CD API's {\"items\": [...]}), from --server (read-only GETs), and from\n"
           "Application/ApplicationSet manifests in the repository itself (app-of-apps).\n"
           "\n"
           "  --head REV       the revision to describe; default: the work tree with its local\n"
           "                   changes (every file in it, tracked or not), or HEAD when bare\n"
           "  --repo-url URL   the repository as the Applications name it; default: the\n"
           "                   'origin' remote; none: every source counts as this repository\n"
           "  --provider NAME  size budget of the description: github, gitlab, gitea,\n"
           "                   bitbucket-cloud, bitbucket-datacenter (default github: 65,536)\n"
           "  --no-policy      do not run the policy pack on base and head\n"
           "  --output md|json md (default): the description, then overflow comments after a\n"
           "                   '---' line; json: {\"impacted\", \"changes\", \"risks\", "
           "\"markdown\",\n"
           "                   ...}\n"
           "\n"
           "Exit code 0, or 2 on bad arguments, an unreadable repository or a failed request.\n";
}

template <typename T, typename Start>
Result<T> waitFor(Start start) {
    std::optional<Result<T>> out;
    QEventLoop loop;
    start([&](Result<T> r) {
        out.emplace(std::move(r));
        loop.quit();
    });
    if (!out)
        loop.exec();
    return std::move(*out);
}

void write(const QByteArray& bytes) {
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

// Applications and clusters from a connected instance (read-only GETs).
Status fetchFromServer(const ServerOptions& options, std::vector<gitops::AppRef>& apps,
                       std::vector<gitops::ClusterInfo>& clusters) {
    auto connected = options.connect();
    if (!connected.ok())
        return connected.error();
    argocd::Client& client = *connected.value();
    const Result<Json> clusterList =
        waitFor<Json>([&](auto cb) { client.listClusters(std::move(cb)); });
    if (clusterList.ok()) {
        for (const Json& c : clusterList->value("items", Json::array())) {
            gitops::ClusterInfo info;
            info.name = QString::fromStdString(c.value("name", std::string()));
            info.server = QString::fromStdString(c.value("server", std::string()));
            const Json labels = c.value("labels", Json::object());
            for (auto it = labels.begin(); it != labels.end(); ++it)
                if (it->is_string())
                    info.labels.insert(QString::fromStdString(it.key()),
                                       QString::fromStdString(it->get<std::string>()));
            clusters.push_back(std::move(info));
        }
    }
    const Result<Json> list = waitFor<Json>([&](auto cb) {
        client.getJson(QStringLiteral("/api/v1/applications"), {}, std::move(cb));
    });
    if (!list.ok())
        return list.error();
    for (const Json& item : list->value("items", Json::array())) {
        auto app = gitops::applicationFromJson(item, options.server);
        if (!app.ok())
            continue;
        app->instance = client.config().name.isEmpty() ? options.server : client.config().name;
        gitops::resolveClusterAndEnvironment(app.value(), clusters);
        apps.push_back(std::move(app.value()));
    }
    return okStatus();
}

} // namespace

int runPr(const QStringList& argsIn) {
    QStringList args = argsIn;
    if (args.isEmpty() || args.first() == QLatin1String("--help") ||
        args.first() == QLatin1String("-h")) {
        printPrHelp();
        return args.isEmpty() ? 2 : 0;
    }
    const QString action = args.takeFirst();
    if (action != QLatin1String("describe")) {
        printError(QStringLiteral("unknown pr action '%1'").arg(action),
                   QStringLiteral("run 'sextant-cli pr --help'"));
        return 2;
    }
    QString output = QStringLiteral("md");
    QString repoDir, base, head, appsFile, repoUrl, provider = QStringLiteral("github");
    bool repoUrlGiven = false;
    bool policy = true;
    ServerOptions serverOptions;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        const QString name = a.section(QLatin1Char('='), 0, 0);
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            printPrHelp();
            return 0;
        }
        if (a == QLatin1String("--no-policy")) {
            policy = false;
            continue;
        }
        static const QStringList valueOptions =
            QStringList{QStringLiteral("--output"),  QStringLiteral("--repo"),
                        QStringLiteral("--base"),    QStringLiteral("--head"),
                        QStringLiteral("--apps"),    QStringLiteral("--repo-url"),
                        QStringLiteral("--provider")} +
            ServerOptions::valueOptions();
        if (!valueOptions.contains(name)) {
            printError(QStringLiteral("unexpected argument '%1'").arg(a),
                       QStringLiteral("run 'sextant-cli pr --help'"));
            return 2;
        }
        QString value;
        if (!takeValue(args, i, value)) {
            printError(QStringLiteral("%1 needs a value").arg(name));
            return 2;
        }
        QString bad;
        if (name == QLatin1String("--output"))
            output = value;
        else if (name == QLatin1String("--repo"))
            repoDir = value;
        else if (name == QLatin1String("--base"))
            base = value;
        else if (name == QLatin1String("--head"))
            head = value;
        else if (name == QLatin1String("--apps"))
            appsFile = value;
        else if (name == QLatin1String("--repo-url")) {
            repoUrl = value;
            repoUrlGiven = true;
        } else if (name == QLatin1String("--provider"))
            provider = value;
        else
            serverOptions.take(name, value, &bad);
        if (!bad.isEmpty()) {
            printError(bad);
            return 2;
        }
    }
    if (output != QLatin1String("json") && output != QLatin1String("md")) {
        printError(QStringLiteral("--output must be json or md, not '%1'").arg(output));
        return 2;
    }
    if (repoDir.isEmpty() || base.isEmpty()) {
        printError(QStringLiteral("pr describe needs --repo DIR and --base REV"));
        return 2;
    }
    static const QStringList providers{QStringLiteral("github"),
                                       QStringLiteral("gitlab"),
                                       QStringLiteral("gitea"),
                                       QStringLiteral("bitbucket-cloud"),
                                       QStringLiteral("bitbucket-datacenter"),
                                       QStringLiteral("bitbucket-server")};
    if (!providers.contains(provider)) {
        printError(QStringLiteral("--provider must be one of %1, not '%2'")
                       .arg(providers.join(QStringLiteral(", ")), provider));
        return 2;
    }

    QElapsedTimer timer;
    timer.start();
    auto repo = gitops::GitRepository::open(repoDir);
    if (!repo.ok()) {
        printError(repo.error().shortMessage, repo.error().details);
        return 2;
    }
    gitops::GitRepository& git = *repo.value();
    const auto baseSha = git.resolve(base);
    if (!baseSha.ok()) {
        printError(baseSha.error().shortMessage, baseSha.error().details);
        return 2;
    }
    auto baseTree = git.tree(*baseSha);
    if (!baseTree.ok()) {
        printError(baseTree.error().shortMessage, baseTree.error().details);
        return 2;
    }
    gitops::ChangeRequest request;
    std::unique_ptr<gitops::RepoTree> headTree;
    QString headLabel;
    if (head.isEmpty() && !git.isBare()) {
        headTree = std::make_unique<gitops::DirectoryTree>(git.workTree());
        headLabel = QStringLiteral("work tree");
        request.changes = gitops::diffTrees(*baseTree.value(), *headTree);
    } else {
        const QString rev = head.isEmpty() ? QStringLiteral("HEAD") : head;
        const auto headSha = git.resolve(rev);
        if (!headSha.ok()) {
            printError(headSha.error().shortMessage, headSha.error().details);
            return 2;
        }
        auto tree = git.tree(*headSha);
        if (!tree.ok()) {
            printError(tree.error().shortMessage, tree.error().details);
            return 2;
        }
        headTree = std::move(tree.value());
        auto changes = git.diff(*baseSha, *headSha);
        if (!changes.ok()) {
            printError(changes.error().shortMessage, changes.error().details);
            return 2;
        }
        request.changes = std::move(changes.value());
        headLabel = rev == headSha->left(rev.size())
                        ? headSha->left(12)
                        : QStringLiteral("%1 (%2)").arg(rev, headSha->left(12));
    }
    if (!repoUrlGiven) {
        if (const auto origin = git.configuredRemoteUrl(); origin.ok())
            repoUrl = *origin;
    }

    if (!appsFile.isEmpty()) {
        QFile file(appsFile);
        if (!file.open(QIODevice::ReadOnly)) {
            printError(QStringLiteral("Cannot read %1").arg(appsFile), file.errorString());
            return 2;
        }
        auto apps = gitops::parseApplications(file.readAll(), appsFile);
        if (!apps.ok()) {
            printError(apps.error().shortMessage, apps.error().details);
            return 2;
        }
        for (auto& app : apps.value())
            request.apps.push_back(std::move(app));
    }
    if (!serverOptions.server.isEmpty()) {
        if (const Status token = serverOptions.resolveToken(); !token.ok()) {
            printError(token.error().shortMessage, token.error().details);
            return 2;
        }
        if (const Status fetched = fetchFromServer(serverOptions, request.apps, request.clusters);
            !fetched.ok()) {
            printError(fetched.error().shortMessage, fetched.error().details);
            return 2;
        }
    }

    request.base = baseTree.value().get();
    request.head = headTree.get();
    request.repoURL = repoUrl;
    request.repositoryLabel = repoUrl.isEmpty() ? repoDir : repoUrl;
    request.baseLabel = base == baseSha->left(base.size())
                            ? baseSha->left(12)
                            : QStringLiteral("%1 (%2)").arg(base, baseSha->left(12));
    request.headLabel = headLabel;
    request.policy = policy;
    request.options.budget = gitops::providerBudget(provider);
    auto described = gitops::describeChange(request);
    if (!described.ok()) {
        printError(described.error().shortMessage, described.error().details);
        return 2;
    }
    if (output == QLatin1String("json")) {
        Json j = gitops::changeDescriptionJson(*described);
        j["timings"]["wallMs"] = timer.elapsed();
        write(QByteArray::fromStdString(j.dump(2)) + '\n');
        return 0;
    }
    // What could not be followed or rendered goes to stderr: the Markdown stays paste-ready.
    for (const QString& note : described->notes)
        std::fprintf(stderr, "note: %s\n", qPrintable(note));
    const QStringList& parts = described->description.parts;
    write(parts.join(QStringLiteral("\n\n---\n\n")).toUtf8() + '\n');
    return 0;
}

} // namespace sextant::cli
