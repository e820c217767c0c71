// sextant-cli release review: the release matrix of one ApplicationSet, a canary judgement per
// cluster that already runs the release (against the clusters still on the previous revision,
// on Prometheus) and the recommendation per cluster, per RollingSync step and for the release
// (docs/release-review.md). Read-only: Argo CD GETs and Prometheus range queries only.

#include "commands.h"
#include "serveroptions.h"

#include "analysis/canaryjudge.h"
#include "metrics/prometheusclient.h"
#include "metrics/promql.h"
#include "release/releasereview.h"
#include "report/webhook.h"

#include <QEventLoop>
#include <QFile>
#include <QTextStream>

#include <cstdio>
#include <memory>
#include <optional>

namespace sextant::cli {

namespace {

void printReleaseHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli release review --server URL --appset NAME\n"
           "           [--token T | --token-file F] [--appset-namespace NS]\n"
           "           [--prometheus URL [--prometheus-token-env VAR] [--prometheus-ca-file PEM]]\n"
           "           [--metrics FILE]... [--canary-selector T] [--baseline-selector T]\n"
           "           [--min-window 10m] [--max-window 60m] [--step 30s] [--now RFC3339]\n"
           "           [--output md|json|html] [--post slack|webhook --webhook-url-env VAR]\n"
           "\n"
           "Lays out the ApplicationSet's applications as components x clusters (revision, sync,\n"
           "health, RollingSync step), judges every cluster that runs the release revision "
           "against\n"
           "the clusters still on the previous one over the same window (the canary judge,\n"
           "docs/canary.md), and recommends Proceed, Wait, Halt or Roll back per cluster, per\n"
           "step and for the release, naming the blocking step, cluster and metric.\n"
           "\n"
           "  --appset NAME           the ApplicationSet (--appset-namespace when not in "
           "argocd's)\n"
           "  --prometheus URL        Prometheus or the OpenShift Thanos Querier; without it no\n"
           "                          canary is judged (Wait)\n"
           "  --prometheus-token-env VAR  read Prometheus's bearer token from $VAR\n"
           "  --metrics FILE          a metric set overriding the built-in one (repeatable)\n"
           "  --canary-selector T     label matchers for the canary, default "
           "'cluster=\"{{cluster}}\"'\n"
           "  --baseline-selector T   for the baseline, default 'cluster=~\"{{clusters}}\"'\n"
           "                          variables: {{cluster}}, {{clusters}} (a regex alternation "
           "of\n"
           "                          the escaped names), {{app}}, {{namespace}}, {{env}}\n"
           "  --min-window D          a canary synced more recently is not judged yet (10m)\n"
           "  --max-window D          the longest window, ending now (60m)\n"
           "  --now T                 judge as of this instant (RFC 3339), e.g. to replay a "
           "release\n"
           "  --output F              md (default), json or html\n"
           "  --post KIND             also post the review: slack (incoming webhook) or webhook\n"
           "                          (generic JSON {title, summary, markdown, report}); the\n"
           "                          text is redacted first (docs/reports.md)\n"
           "  --webhook-url-env VAR   the environment variable holding the webhook URL (a\n"
           "                          secret: never on the command line)\n"
           "  --token T               Argo CD bearer token (prefer --token-file or SEXTANT_TOKEN)\n"
           "  --ca-file PEM           CA bundle for Argo CD's certificate\n"
           "\n"
           "Exit code 0 Proceed, 1 Halt or Roll back, 2 an error (bad arguments, Argo CD\n"
           "unreachable, no such ApplicationSet, a failed post), 3 Wait (too early, no baseline, "
           "still rolling\n"
           "out). Prometheus failures are not errors: the affected metrics count against the\n"
           "canary.\n";
}

void write(const QByteArray& bytes) {
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

bool minutes(const QString& flag, const QString& value, int* out) {
    const Result<qint64> ms = metrics::parseDurationMs(value);
    if (!ms || *ms < 60000 || *ms % 60000 != 0) {
        printError(QStringLiteral("%1 must be a whole number of minutes, e.g. 10m").arg(flag));
        return false;
    }
    *out = int(*ms / 60000);
    return true;
}

} // namespace

int runRelease(const QStringList& argsIn) {
    QStringList args = argsIn;
    if (args.isEmpty() || args.first() == QLatin1String("--help") ||
        args.first() == QLatin1String("-h")) {
        printReleaseHelp();
        return args.isEmpty() ? 2 : 0;
    }
    const QString action = args.takeFirst();
    if (action != QLatin1String("review")) {
        printError(QStringLiteral("unknown release action '%1'").arg(action),
                   QStringLiteral("run 'sextant-cli release --help'"));
        return 2;
    }
    QString output = QStringLiteral("md");
    ServerOptions serverOptions;
    QString appset, appsetNamespace, prometheus, promTokenEnv, promCaFile, now, post, webhookEnv;
    QStringList metricFiles;
    release::ReviewOptions options;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        const QString name = a.section(QLatin1Char('='), 0, 0);
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            printReleaseHelp();
            return 0;
        }
        static const QStringList valueOptions =
            QStringList{QStringLiteral("--output"),
                        QStringLiteral("--appset"),
                        QStringLiteral("--appset-namespace"),
                        QStringLiteral("--prometheus"),
                        QStringLiteral("--prometheus-token-env"),
                        QStringLiteral("--prometheus-ca-file"),
                        QStringLiteral("--metrics"),
                        QStringLiteral("--canary-selector"),
                        QStringLiteral("--baseline-selector"),
                        QStringLiteral("--min-window"),
                        QStringLiteral("--max-window"),
                        QStringLiteral("--step"),
                        QStringLiteral("--now"),
                        QStringLiteral("--post"),
                        QStringLiteral("--webhook-url-env")} +
            ServerOptions::valueOptions();
        if (!valueOptions.contains(name)) {
            printError(QStringLiteral("unexpected argument '%1'").arg(a),
                       QStringLiteral("run 'sextant-cli release --help'"));
            return 2;
        }
        QString value;
        if (!takeValue(args, i, value)) {
            printError(QStringLiteral("%1 needs a value").arg(name));
            return 2;
        }
        QString bad;
        if (name == QLatin1String("--output")) {
            output = value;
        } else if (name == QLatin1String("--appset")) {
            appset = value;
        } else if (name == QLatin1String("--appset-namespace")) {
            appsetNamespace = value;
        } else if (name == QLatin1String("--prometheus")) {
            prometheus = value;
        } else if (name == QLatin1String("--prometheus-token-env")) {
            promTokenEnv = value;
        } else if (name == QLatin1String("--prometheus-ca-file")) {
            promCaFile = value;
        } else if (name == QLatin1String("--metrics")) {
            metricFiles << value;
        } else if (name == QLatin1String("--canary-selector")) {
            options.canarySelector = value.trimmed();
        } else if (name == QLatin1String("--baseline-selector")) {
            options.baselineSelector = value.trimmed();
        } else if (name == QLatin1String("--min-window")) {
            if (!minutes(name, value, &options.minWindowMinutes))
                return 2;
        } else if (name == QLatin1String("--max-window")) {
            if (!minutes(name, value, &options.maxWindowMinutes))
                return 2;
        } else if (name == QLatin1String("--step")) {
            const Result<qint64> ms = metrics::parseDurationMs(value);
            if (!ms) {
                printError(QStringLiteral("--step: %1").arg(ms.error().shortMessage));
                return 2;
            }
            options.stepMs = *ms;
        } else if (name == QLatin1String("--now")) {
            now = value;
        } else if (name == QLatin1String("--post")) {
            post = value;
        } else if (name == QLatin1String("--webhook-url-env")) {
            webhookEnv = value;
        } else {
            serverOptions.take(name, value, &bad);
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
    // The webhook is checked before anything is fetched: a typo fails fast.
    report::WebhookKind postKind = report::WebhookKind::Generic;
    QUrl webhookUrl;
    if (!webhookTarget(post, webhookEnv, &postKind, &webhookUrl))
        return 2;
    if (serverOptions.server.isEmpty() || appset.isEmpty()) {
        printError(QStringLiteral("release review needs --server URL and --appset NAME"));
        return 2;
    }
    if (!now.isEmpty()) {
        const Result<QDateTime> t = metrics::parseTime(now);
        if (!t) {
            printError(QStringLiteral("--now: %1").arg(t.error().shortMessage));
            return 2;
        }
        options.now = *t;
    }
    if (const Status valid = options.validate(); !valid) {
        printError(valid.error().shortMessage, valid.error().details);
        return 2;
    }
    const Result<analysis::MetricSet> set = analysis::MetricSet::load(metricFiles);
    if (!set) {
        printError(set.error().shortMessage, set.error().details);
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

    std::unique_ptr<metrics::PrometheusClient> prom;
    if (!prometheus.isEmpty()) {
        metrics::Endpoint endpoint;
        endpoint.baseUrl = QUrl(prometheus.trimmed(), QUrl::StrictMode);
        endpoint.caFile = promCaFile;
        endpoint.requestTimeoutMs = serverOptions.timeoutSeconds * 1000;
        if (const Status valid = endpoint.validate(); !valid) {
            printError(valid.error().shortMessage, valid.error().details);
            return 2;
        }
        prom = std::make_unique<metrics::PrometheusClient>(endpoint);
        if (prom->configError().isError()) {
            printError(prom->configError().shortMessage, prom->configError().details);
            return 2;
        }
        if (!promTokenEnv.isEmpty()) {
            // The token travels in the environment, never on the command line (ps, shell
            // history) and never in the output.
            const QString token = qEnvironmentVariable(promTokenEnv.toLocal8Bit()).trimmed();
            if (token.isEmpty()) {
                printError(QStringLiteral("--prometheus-token-env: $%1 is empty or not set")
                               .arg(promTokenEnv));
                return 2;
            }
            prom->setToken(token);
        }
        prom->setRetryPolicy(metrics::RetryPolicy{2, 500, 2000});
    } else if (promTokenEnv.size() || promCaFile.size()) {
        printError(QStringLiteral("--prometheus-token-env and --prometheus-ca-file need "
                                  "--prometheus URL"));
        return 2;
    }

    std::optional<Result<release::ReleaseReview>> result;
    QEventLoop loop;
    release::runReleaseReview(client, prom.get(), appset, appsetNamespace, *set, options,
                              [&](Result<release::ReleaseReview> r) {
                                  result.emplace(std::move(r));
                                  loop.quit();
                              });
    if (!result)
        loop.exec();
    if (!result->ok()) {
        printError(result->error().shortMessage, result->error().details);
        return 2;
    }
    const release::ReleaseReview& review = result->value();
    if (output == QLatin1String("json"))
        write(QByteArray::fromStdString(release::reviewToJson(review).dump(2)) + '\n');
    else if (output == QLatin1String("html"))
        write(release::reviewToHtml(review).toUtf8());
    else
        write(release::reviewToMarkdown(review).toUtf8());
    if (!webhookUrl.isEmpty()) {
        report::PostContent content;
        content.title = QStringLiteral("Release review · %1").arg(review.matrix.name);
        content.summary = review.headline;
        content.markdown = release::reviewToMarkdown(review);
        content.html = release::reviewToHtml(review);
        content.report = release::reviewToJson(review);
        const report::WebhookPayload payload = report::buildWebhookPayload(postKind, content);
        report::WebhookPoster poster;
        const auto posted = poster.postBlocking(webhookUrl, payload);
        if (!posted) {
            printError(posted.error().shortMessage, posted.error().details);
            return 2;
        }
        QTextStream(stderr) << "sextant-cli: posted the review to "
                            << report::webhookDestinationLabel(webhookUrl) << " (HTTP "
                            << posted->httpStatus << ", " << payload.body.size() << " bytes)\n";
    }
    switch (review.recommendation) {
    case release::Recommendation::Proceed:
        return 0;
    case release::Recommendation::Halt:
    case release::Recommendation::RollBack:
        return 1;
    case release::Recommendation::Wait:
        return 3;
    }
    return 2;
}

} // namespace sextant::cli
