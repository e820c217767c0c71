// sextant-cli report fleet: the daily fleet summary of one or more Argo CD instances as Markdown,
// HTML or JSON, optionally posted to Slack or a generic webhook (docs/reports.md). Read-only:
// one list call per instance plus the evidence of at most --diagnose N failing applications.

#include "commands.h"
#include "serveroptions.h"

#include "analysis/diagnoser.h"
#include "analysis/evidencecollector.h"
#include "argocd/client.h"
#include "report/fleetreport.h"
#include "report/reportformat.h"
#include "report/webhook.h"

#include <QEventLoop>
#include <QFile>
#include <QRegularExpression>
#include <QTextStream>

#include <cstdio>
#include <memory>
#include <optional>

namespace sextant::cli {

namespace {

void printReportHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli report fleet --server URL [--token T | --token-file F]\n"
           "                               [--server URL2 [--token T2] ...]\n"
           "                               [--since 24h] [--diagnose N] [--now RFC3339]\n"
           "                               [--output md|json|html] [--previous FILE]\n"
           "                               [--title TEXT] [--out FILE]\n"
           "                               [--post slack|webhook --webhook-url-env VAR]\n"
           "\n"
           "The daily fleet summary: counts per instance and environment, what changed in the\n"
           "period, what is failing and why (prioritised: production first, failed syncs and\n"
           "Degraded first, longest failing first), drift split into infrastructure and\n"
           "application, and what needs attention first. Read-only.\n"
           "\n"
           "  --server URL         an Argo CD instance; repeat for several. --token, "
           "--token-file,\n"
           "                       --ca-file, --instance-name and --timeout after a --server "
           "apply\n"
           "                       to that server (SEXTANT_TOKEN is used when none is given)\n"
           "  --since D            the period: 24h (default), 90m, 7d\n"
           "  --diagnose N         diagnose the N most urgent failing applications (default 10,\n"
           "                       0 = none): root cause and first remediation step\n"
           "  --now T              end of the period (RFC 3339), default the current time\n"
           "  --output F           md (default), json (schema sextant.fleet-report/v1) or html\n"
           "  --previous FILE      an earlier JSON report: adds the change in the counts\n"
           "  --out FILE           write the report to FILE instead of stdout\n"
           "  --post KIND          also post it: slack (incoming webhook) or webhook (generic\n"
           "                       JSON {title, summary, markdown, report})\n"
           "  --webhook-url-env V  the environment variable holding the webhook URL (a secret:\n"
           "                       never passed on the command line, never printed)\n"
           "\n"
           "Every free-text value is redacted before output. Exit code 0, or 2 on bad options,\n"
           "an instance that could not be read (the report is still written, with a note) or\n"
           "a failed post.\n";
}

struct Target {
    ServerOptions options;
    QString label; // unique instance name in the report
    std::unique_ptr<argocd::Client> client;
};

// "24h", "90m", "7d", "3600s" -> seconds; 0 on bad input.
qint64 parseSince(const QString& text) {
    static const QRegularExpression re(QStringLiteral(R"(^\s*(\d+)\s*([smhdw]?)\s*$)"));
    const auto m = re.match(text.toLower());
    if (!m.hasMatch())
        return 0;
    const qint64 n = m.captured(1).toLongLong();
    const QString unit = m.captured(2);
    const qint64 factor = unit == QLatin1String("s")   ? 1
                          : unit == QLatin1String("m") ? 60
                          : unit == QLatin1String("d") ? 86400
                          : unit == QLatin1String("w") ? 7 * 86400
                                                       : 3600; // bare number = hours
    return n * factor;
}

template <typename T>
std::optional<Result<T>> waitFor(std::function<void(std::function<void(Result<T>)>)> start) {
    std::optional<Result<T>> out;
    QEventLoop loop;
    start([&](Result<T> r) {
        out.emplace(std::move(r));
        loop.quit();
    });
    if (!out)
        loop.exec();
    return out;
}

} // namespace

int runReportFleet(const QStringList& args) {
    std::vector<Target> targets;
    ServerOptions defaults; // options given before the first --server
    QString output = QStringLiteral("md");
    QString sinceText = QStringLiteral("24h");
    QString nowText;
    QString previousFile;
    QString title;
    QString outFile;
    QString post;
    QString webhookEnv;
    int diagnoseCount = 10;

    static const QStringList valueOptions = QStringList{QStringLiteral("--output"),
                                                        QStringLiteral("--since"),
                                                        QStringLiteral("--diagnose"),
                                                        QStringLiteral("--now"),
                                                        QStringLiteral("--previous"),
                                                        QStringLiteral("--title"),
                                                        QStringLiteral("--out"),
                                                        QStringLiteral("--post"),
                                                        QStringLiteral("--webhook-url-env")} +
                                            ServerOptions::valueOptions();
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            printReportHelp();
            return 0;
        }
        const QString name = a.section(QLatin1Char('='), 0, 0);
        if (!valueOptions.contains(name)) {
            printError(QStringLiteral("unexpected argument '%1'").arg(a),
                       QStringLiteral("run 'sextant-cli report fleet --help'"));
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
        else if (name == QLatin1String("--since"))
            sinceText = value;
        else if (name == QLatin1String("--now"))
            nowText = value;
        else if (name == QLatin1String("--previous"))
            previousFile = value;
        else if (name == QLatin1String("--title"))
            title = value;
        else if (name == QLatin1String("--out"))
            outFile = value;
        else if (name == QLatin1String("--post"))
            post = value;
        else if (name == QLatin1String("--webhook-url-env"))
            webhookEnv = value;
        else if (name == QLatin1String("--diagnose")) {
            bool ok = false;
            diagnoseCount = value.toInt(&ok);
            if (!ok || diagnoseCount < 0)
                bad = QStringLiteral("--diagnose must be a number of applications (0 or more)");
        } else if (name == QLatin1String("--server")) {
            Target t;
            t.options = defaults;
            t.options.server = value;
            targets.push_back(std::move(t));
        } else {
            (targets.empty() ? defaults : targets.back().options).take(name, value, &bad);
        }
        if (!bad.isEmpty()) {
            printError(bad);
            return 2;
        }
    }
    if (output != QLatin1String("md") && output != QLatin1String("json") &&
        output != QLatin1String("html")) {
        printError(QStringLiteral("--output must be md, json or html, not '%1'").arg(output));
        return 2;
    }
    if (targets.empty()) {
        printError(QStringLiteral("report fleet needs at least one --server URL"),
                   QStringLiteral("run 'sextant-cli report fleet --help'"));
        return 2;
    }
    const qint64 periodSeconds = parseSince(sinceText);
    if (periodSeconds <= 0) {
        printError(QStringLiteral("--since must be a duration such as 24h, 90m or 7d, not '%1'")
                       .arg(sinceText));
        return 2;
    }
    QDateTime now = QDateTime::currentDateTimeUtc();
    if (!nowText.isEmpty()) {
        now = QDateTime::fromString(nowText, Qt::ISODateWithMs);
        if (!now.isValid())
            now = QDateTime::fromString(nowText, Qt::ISODate);
        if (!now.isValid()) {
            printError(QStringLiteral("--now must be an RFC 3339 time such as "
                                      "2026-11-26T07:00:00Z, not '%1'")
                           .arg(nowText));
            return 2;
        }
        now = now.toUTC();
    }
    report::WebhookKind postKind = report::WebhookKind::Generic;
    QUrl webhookUrl;
    if (!webhookTarget(post, webhookEnv, &postKind, &webhookUrl))
        return 2;
    std::optional<report::PreviousTotals> previous;
    if (!previousFile.isEmpty()) {
        QFile f(previousFile);
        if (!f.open(QIODevice::ReadOnly)) {
            printError(QStringLiteral("cannot read %1").arg(previousFile), f.errorString());
            return 2;
        }
        const auto doc = nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
        previous = report::previousFromReportJson(doc);
        if (!previous) {
            printError(QStringLiteral("%1 is not a fleet report in JSON (%2)")
                           .arg(previousFile, QString::fromLatin1(report::kFleetReportFormat)));
            return 2;
        }
    }

    // Connect and list every instance.
    report::ReportInput input;
    input.now = now;
    input.periodSeconds = periodSeconds;
    input.title = title;
    input.previous = previous;
    QStringList instanceNotes;
    QHash<QString, argocd::Client*> clientByLabel;
    QStringList labels;
    for (Target& t : targets) {
        if (const Status token = t.options.resolveToken(); !token.ok()) {
            printError(QStringLiteral("%1: %2").arg(t.options.server, token.error().shortMessage),
                       token.error().details);
            return 2;
        }
        auto connected = t.options.connect();
        if (!connected.ok()) {
            printError(connected.error().shortMessage, connected.error().details);
            return 2;
        }
        t.client = std::move(connected.value());
        t.label = t.client->instanceName();
        for (int n = 2; labels.contains(t.label); ++n)
            t.label = t.client->instanceName() + QStringLiteral("#%1").arg(n);
        labels << t.label;
        clientByLabel.insert(t.label, t.client.get());
        argocd::Client* client = t.client.get();
        auto listed = waitFor<argocd::AppList>([client](auto done) {
            client->listApplications(argocd::ListQuery{}, std::move(done));
        });
        if (!listed->ok()) {
            instanceNotes << QStringLiteral("%1 could not be read: %2")
                                 .arg(t.label, listed->error().shortMessage);
            printError(QStringLiteral("%1: %2").arg(t.label, listed->error().shortMessage),
                       listed->error().details);
            continue;
        }
        for (argocd::AppSummary& app : listed->value().apps) {
            app.instance = t.label; // unique per instance in this run
            input.apps.push_back(std::move(app));
        }
    }
    if (instanceNotes.size() == int(targets.size())) {
        printError(QStringLiteral("no instance could be read: no report"));
        return 2;
    }

    // The list carries no operation message: read the full Application of each failed sync
    // (at most kMaxOperationReads) for its message and who started it.
    constexpr int kMaxOperationReads = 100;
    {
        int reads = 0;
        for (const argocd::AppSummary& app : std::as_const(input.apps)) {
            if (!app.syncFailed() || reads >= kMaxOperationReads)
                continue;
            argocd::Client* client = clientByLabel.value(app.instance);
            if (!client)
                continue;
            ++reads;
            const QString name = app.name;
            const QString ns = app.appNamespace;
            auto full = waitFor<argocd::Client::Json>(
                [&](auto done) { client->getApplication(name, ns, std::move(done)); });
            if (full->ok())
                input.operations.insert(app.key(),
                                        report::operationInfoFromApplication(full->value()));
        }
    }

    // Diagnose the most urgent failing apps in the report's own order, at most two per symptom
    // so that N diagnoses cover N different problems rather than one problem N times.
    if (diagnoseCount > 0) {
        const report::FleetReport draft = report::buildFleetReport(input);
        const analysis::Diagnoser diagnoser(analysis::SignatureCatalogue::builtin());
        QHash<QString, int> perSymptom;
        int done = 0;
        for (const report::FailingApp& f : draft.failing) {
            if (done >= diagnoseCount)
                break;
            // An app without any message shares nothing with another one: no cap for those.
            const bool silent = f.message.isEmpty() && f.operationMessage.isEmpty();
            int& seen = perSymptom[report::symptomKey(f)];
            if (!silent && seen >= 2)
                continue;
            ++seen;
            ++done;
            argocd::Client* client = clientByLabel.value(f.instance);
            if (!client)
                continue;
            // appKey = instance/namespace/name; the Application's namespace is the middle part.
            const QString appNamespace = f.appKey.section(QLatin1Char('/'), -2, -2);
            analysis::EvidenceCollector collector(client);
            analysis::CollectOptions options;
            options.appName = f.app;
            options.appNamespace = appNamespace;
            auto collected = waitFor<analysis::EvidenceBundle>(
                [&](auto cb) { collector.collect(options, std::move(cb)); });
            if (!collected->ok()) {
                instanceNotes << QStringLiteral("%1 (%2) could not be diagnosed: %3")
                                     .arg(f.app, f.instance, collected->error().shortMessage);
                continue;
            }
            input.diagnoses.insert(f.appKey, diagnoser.diagnose(collected->value()));
        }
    }

    report::FleetReport rep = report::buildFleetReport(input);
    if (diagnoseCount > 0 && rep.failing.size() > rep.diagnosed)
        rep.notes << QStringLiteral("%1 of %2 failing applications were diagnosed (--diagnose %3: "
                                    "the most urgent, at most two per symptom); the others show "
                                    "the message Argo CD gives.")
                         .arg(rep.diagnosed)
                         .arg(rep.failing.size())
                         .arg(diagnoseCount);
    rep.notes = instanceNotes + rep.notes;
    report::redactReport(rep);

    QByteArray text;
    if (output == QLatin1String("json"))
        text = report::fleetReportToJsonText(rep) + '\n';
    else if (output == QLatin1String("html"))
        text = report::fleetReportToHtml(rep).toUtf8();
    else
        text = report::fleetReportToMarkdown(rep).toUtf8();
    if (!outFile.isEmpty()) {
        QFile f(outFile);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text) != text.size()) {
            printError(QStringLiteral("cannot write %1").arg(outFile), f.errorString());
            return 2;
        }
    } else {
        std::fwrite(text.constData(), 1, std::size_t(text.size()), stdout);
        std::fflush(stdout);
    }

    int exitCode = instanceNotes.isEmpty() ? 0 : 2;
    if (!webhookUrl.isEmpty()) {
        report::PostContent content;
        content.title = QStringLiteral("%1 · %2").arg(
            rep.title, rep.periodEnd.toString(QStringLiteral("d MMM yyyy")));
        content.summary = rep.summaryLine();
        content.markdown = report::fleetReportToMarkdown(rep);
        content.report = report::fleetReportToJson(rep);
        const report::WebhookPayload payload = report::buildWebhookPayload(postKind, content);
        report::WebhookPoster poster;
        poster.setTimeoutMs(targets.front().options.timeoutSeconds * 1000);
        const auto posted = poster.postBlocking(webhookUrl, payload);
        if (!posted) {
            printError(posted.error().shortMessage, posted.error().details);
            return 2;
        }
        QTextStream(stderr) << "sextant-cli: posted the report to "
                            << report::webhookDestinationLabel(webhookUrl) << " (HTTP "
                            << posted->httpStatus << ", " << payload.body.size() << " bytes"
                            << (payload.notes.isEmpty()
                                    ? QString()
                                    : QStringLiteral("; ") +
                                          payload.notes.join(QStringLiteral("; ")))
                            << ")\n";
    }
    return exitCode;
}

int runReport(const QStringList& args) {
    // The report's name is the first word that is not an option or an option's value (global
    // options such as --server may stand before it).
    int at = 0;
    while (at < args.size() && args[at].startsWith(QLatin1String("-"))) {
        if (args[at] == QLatin1String("--help") || args[at] == QLatin1String("-h")) {
            printReportHelp();
            return 0;
        }
        at += args[at].contains(QLatin1Char('=')) ? 1 : 2;
    }
    if (at >= args.size()) {
        printReportHelp();
        return 2;
    }
    QStringList rest = args;
    const QString which = rest.takeAt(at);
    if (which == QLatin1String("fleet"))
        return runReportFleet(rest);
    printError(QStringLiteral("unknown report '%1'").arg(which),
               QStringLiteral("run 'sextant-cli report --help'"));
    return 2;
}

bool webhookTarget(const QString& post, const QString& urlEnv, report::WebhookKind* kind,
                   QUrl* url) {
    if (post.isEmpty() && urlEnv.isEmpty())
        return true;
    if (post.isEmpty() || urlEnv.isEmpty()) {
        printError(QStringLiteral("--post and --webhook-url-env go together"));
        return false;
    }
    if (!report::webhookKindFromString(post, kind)) {
        printError(QStringLiteral("--post must be slack or webhook, not '%1'").arg(post));
        return false;
    }
    const QString raw = qEnvironmentVariable(urlEnv.toLocal8Bit().constData()).trimmed();
    if (raw.isEmpty()) {
        printError(QStringLiteral("the environment variable %1 holds no webhook URL").arg(urlEnv));
        return false;
    }
    const Result<QUrl> valid = report::validateWebhookUrl(raw);
    if (!valid) {
        printError(valid.error().shortMessage, valid.error().details);
        return false;
    }
    *url = *valid;
    return true;
}

} // namespace sextant::cli
