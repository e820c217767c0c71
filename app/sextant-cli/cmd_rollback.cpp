// sextant-cli rollback rank|plan: ranked rollback targets of one Application with their reasons
// (docs/rollback.md), and the plan that would roll it back. Read-only: nothing is sent that
// changes the application; plans are printed, not executed.

#include "commands.h"
#include "serveroptions.h"

#include "analysis/diagnoser.h"
#include "analysis/evidencecollector.h"
#include "analysis/rollbackplan.h"
#include "analysis/rollbackranker.h"
#include "argocd/appparser.h"
#include "argocd/client.h"
#include "argocd/instance.h"

#include <QEventLoop>
#include <QFile>
#include <QTextStream>
#include <QUrl>

#include <cstdio>
#include <optional>

namespace sextant::cli {

namespace {

using Json = nlohmann::json;

void printRollbackHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli rollback rank --server URL (--token T | --token-file F) --app NAME\n"
           "                                [--app-namespace NS] [--output json|md]\n"
           "       sextant-cli rollback plan --server URL (--token T | --token-file F) --app NAME\n"
           "                                --id HISTORY_ID [--app-namespace NS] [--output "
           "json|md]\n"
           "\n"
           "rank: scores every history entry of the application as a rollback target, best\n"
           "first, each with its reasons and risks in words. Uses what the Argo CD API offers\n"
           "(history, rendered manifests per revision, health, operation state and, for an\n"
           "unhealthy application, a diagnosis); the console adds its local health timeline.\n"
           "plan: prints the Argo CD rollback plan for one history entry (auto-sync off when on,\n"
           "dry run, rollback, revert PR) and the Git revert plan. Nothing is executed.\n"
           "\n"
           "  --token T            bearer token (prefer --token-file or SEXTANT_TOKEN)\n"
           "  --ca-file PEM        CA bundle for a private certificate authority\n"
           "  --timeout S          per-request timeout in seconds (default 30)\n"
           "\n"
           "Exit code 0, or 2 on bad arguments or a failed request.\n";
}

// Runs one callback-style request to completion on a local event loop.
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

} // namespace

int runRollback(const QStringList& argsIn) {
    QStringList args = argsIn;
    if (args.isEmpty() || args.first() == QLatin1String("--help") ||
        args.first() == QLatin1String("-h")) {
        printRollbackHelp();
        return args.isEmpty() ? 2 : 0;
    }
    const QString action = args.takeFirst();
    if (action != QLatin1String("rank") && action != QLatin1String("plan")) {
        printError(QStringLiteral("unknown rollback action '%1'").arg(action),
                   QStringLiteral("run 'sextant-cli rollback --help'"));
        return 2;
    }
    QString output = QStringLiteral("json");
    ServerOptions serverOptions;
    QString app, appNamespace;
    qint64 historyId = -1;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        const QString name = a.section(QLatin1Char('='), 0, 0);
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            printRollbackHelp();
            return 0;
        }
        static const QStringList valueOptions =
            QStringList{QStringLiteral("--output"), QStringLiteral("--app"),
                        QStringLiteral("--app-namespace"), QStringLiteral("--id")} +
            ServerOptions::valueOptions();
        QString value;
        if (!valueOptions.contains(name)) {
            printError(QStringLiteral("unexpected argument '%1'").arg(a),
                       QStringLiteral("run 'sextant-cli rollback --help'"));
            return 2;
        }
        if (!takeValue(args, i, value)) {
            printError(QStringLiteral("%1 needs a value").arg(name));
            return 2;
        }
        QString bad;
        if (name == QLatin1String("--output")) {
            output = value;
        } else if (name == QLatin1String("--app")) {
            app = value;
        } else if (name == QLatin1String("--app-namespace")) {
            appNamespace = value;
        } else if (name == QLatin1String("--id")) {
            bool ok = false;
            historyId = value.toLongLong(&ok);
            if (!ok || historyId < 0)
                bad = QStringLiteral("--id must be a history id (a number)");
        } else {
            serverOptions.take(name, value, &bad);
        }
        if (!bad.isEmpty()) {
            printError(bad);
            return 2;
        }
    }
    if (output != QLatin1String("json") && output != QLatin1String("md")) {
        printError(QStringLiteral("--output must be json or md, not '%1'").arg(output));
        return 2;
    }
    if (serverOptions.server.isEmpty() || app.isEmpty()) {
        printError(QStringLiteral("rollback %1 needs --server URL and --app NAME").arg(action));
        return 2;
    }
    if (action == QLatin1String("plan") && historyId < 0) {
        printError(QStringLiteral("rollback plan needs --id HISTORY_ID (see 'rollback rank')"));
        return 2;
    }
    if (const Status token = serverOptions.resolveToken(); !token.ok()) {
        printError(token.error().shortMessage, token.error().details);
        return 2;
    }
    auto connected = serverOptions.connect();
    if (!connected.ok()) {
        printError(connected.error().shortMessage, connected.error().details);
        return 2;
    }
    argocd::Client& client = *connected.value();
    const argocd::InstanceConfig& config = client.config();

    const Result<Json> application =
        waitFor<Json>([&](auto cb) { client.getApplication(app, appNamespace, std::move(cb)); });
    if (!application.ok()) {
        printError(application.error().shortMessage, application.error().details);
        return 2;
    }

    if (action == QLatin1String("plan")) {
        const Result<argocd::AppSummary> summary =
            argocd::parseApplication(*application, config.id);
        if (!summary.ok()) {
            printError(summary.error().shortMessage, summary.error().details);
            return 2;
        }
        QString revision;
        QString currentRevision;
        for (const fleet::DeployEntry& e : fleet::DeployEntry::fromApplication(*application)) {
            if (e.id == historyId)
                revision = e.revision;
            currentRevision = e.revision;
        }
        if (revision.isEmpty()) {
            printError(QStringLiteral("%1 has no history entry %2").arg(app).arg(historyId));
            return 2;
        }
        const Json automated = application->value("spec", Json::object())
                                   .value("syncPolicy", Json::object())
                                   .value("automated", Json());
        const analysis::RollbackPlan argo = analysis::planArgoRollback(
            client, *summary, historyId, revision, {},
            automated.is_object() ? QString::fromStdString(automated.dump()) : QString());
        const analysis::RollbackPlan git =
            analysis::planGitRevert(*summary, historyId, revision, currentRevision);
        if (output == QLatin1String("md")) {
            write((argo.toMarkdown() + QLatin1Char('\n') + git.toMarkdown()).toUtf8());
            return 0;
        }
        const auto planJson = [](const analysis::RollbackPlan& p) {
            Json steps = Json::array();
            for (const analysis::PlanStep& s : p.steps)
                steps.push_back({{"title", s.title.toStdString()},
                                 {"method", s.request.method.toStdString()},
                                 {"url", s.request.url.toString(QUrl::FullyEncoded).toStdString()},
                                 {"body", s.request.body.toStdString()},
                                 {"production", s.request.production}});
            Json followUps = Json::array();
            for (const QString& f : p.followUps)
                followUps.push_back(f.toStdString());
            Json notes = Json::array();
            for (const QString& n : p.notes)
                notes.push_back(n.toStdString());
            return Json{{"kind", p.kind == analysis::RollbackPlan::Kind::ArgoRollback
                                     ? "argocd-rollback"
                                     : "git-revert"},
                        {"available", p.available},
                        {"unavailableReason", p.unavailableReason.toStdString()},
                        {"steps", steps},
                        {"followUps", followUps},
                        {"notes", notes}};
        };
        const Json doc = {{"app", argo.target.toStdString()},
                          {"historyId", historyId},
                          {"revision", revision.toStdString()},
                          {"plans", Json::array({planJson(argo), planJson(git)})}};
        write(QByteArray::fromStdString(doc.dump(2)) + '\n');
        return 0;
    }

    // rank: manifests of the current revision and of each candidate (single-source apps).
    analysis::RankInput input;
    input.application = *application;
    QStringList notes;
    const QVector<fleet::DeployEntry> history = fleet::DeployEntry::fromApplication(*application);
    QStringList revisions;
    for (const fleet::DeployEntry& e : history)
        if (!e.revision.isEmpty() && !e.revision.contains(QLatin1Char(',')) &&
            !revisions.contains(e.revision))
            revisions << e.revision;
    for (const QString& rev : revisions) {
        const Result<Json> m = waitFor<Json>(
            [&](auto cb) { client.manifests(app, appNamespace, rev, std::move(cb)); });
        if (m.ok())
            input.manifests.insert(rev, *m);
        else
            notes << QStringLiteral("manifests at %1: %2").arg(rev.left(7), m.error().shortMessage);
    }

    // An unhealthy app gets a diagnosis, so a candidate that brings the failure back is demoted.
    const Json status = application->value("status", Json::object());
    const std::string health = status.value("health", Json::object()).value("status", "");
    const std::string phase = status.value("operationState", Json::object()).value("phase", "");
    if (health == "Degraded" || health == "Missing" || phase == "Failed" || phase == "Error") {
        analysis::EvidenceCollector collector(&client);
        analysis::CollectOptions options;
        options.appName = app;
        options.appNamespace = appNamespace;
        const Result<analysis::EvidenceBundle> bundle = waitFor<analysis::EvidenceBundle>(
            [&](auto cb) { collector.collect(options, std::move(cb)); });
        if (bundle.ok()) {
            const analysis::Diagnoser diagnoser(analysis::SignatureCatalogue::builtin());
            input.knownFailures = analysis::knownFailuresFrom(diagnoser.diagnose(*bundle));
        } else {
            notes << QStringLiteral("no diagnosis: %1").arg(bundle.error().shortMessage);
        }
    }

    analysis::RollbackRanking ranking = analysis::RollbackRanker().rank(input);
    ranking.notes += notes;
    if (output == QLatin1String("md"))
        write(ranking.toMarkdown().toUtf8());
    else
        write(QByteArray::fromStdString(ranking.toJson().dump(2)) + '\n');
    return 0;
}

} // namespace sextant::cli
