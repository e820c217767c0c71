// sextant-cli canary judge: canary against baseline on Prometheus (or the OpenShift Thanos
// Querier), judged metric by metric the way Kayenta's NetflixACAJudge does (docs/canary.md).
// Read-only: only /api/v1/query_range is called.

#include "commands.h"
#include "serveroptions.h"

#include "analysis/canaryjudge.h"
#include "metrics/prometheusclient.h"
#include "metrics/promql.h"

#include <QEventLoop>
#include <QFile>
#include <QTextStream>

#include <cstdio>
#include <optional>

namespace sextant::cli {

namespace {

void printCanaryHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli canary judge --prometheus URL --namespace NS\n"
           "           --canary MATCHERS --baseline MATCHERS\n"
           "           [--start RFC3339 --end RFC3339 | --window 30m] [--step 30s]\n"
           "           [--metrics FILE]... [--token T | --token-file F] [--ca-file PEM]\n"
           "           [--tenancy] [--timeout S] [--output json|md]\n"
           "\n"
           "Compares the canary's metrics with the baseline's over the same window: per metric a\n"
           "Mann-Whitney test with a 98 % interval and a mean-ratio effect size (Pass, High, Low,\n"
           "NoData, NoDataFailMetric, Error, each with its reason), then a weighted score and a\n"
           "verdict (Pass at 95, Marginal at 75 by default).\n"
           "\n"
           "  --canary, --baseline  PromQL label matchers put into each query's {{selector}},\n"
           "                        e.g. 'pod=~\"web-canary-.*\"'\n"
           "  --metrics FILE        a metric set overriding the built-in one (repeatable, applied\n"
           "                        in order; a file with 'complete: true' replaces it)\n"
           "  --window D            the window ending now (default 30m) unless --start/--end\n"
           "  --step D              resolution of the range queries (default 30s)\n"
           "  --token T             bearer token (OpenShift: oc whoami -t); prefer --token-file\n"
           "  --tenancy             OpenShift Thanos Querier tenancy port (9092): send\n"
           "                        namespace=NS with every query\n"
           "  --ca-file PEM         CA bundle for the server's certificate\n"
           "\n"
           "Exit code 0 when the verdict is Pass, 1 when Marginal or Fail, 2 on bad arguments or\n"
           "when no metric could be queried.\n";
}

void write(const QByteArray& bytes) {
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

} // namespace

int runCanary(const QStringList& argsIn) {
    QStringList args = argsIn;
    if (args.isEmpty() || args.first() == QLatin1String("--help") ||
        args.first() == QLatin1String("-h")) {
        printCanaryHelp();
        return args.isEmpty() ? 2 : 0;
    }
    const QString action = args.takeFirst();
    if (action != QLatin1String("judge")) {
        printError(QStringLiteral("unknown canary action '%1'").arg(action),
                   QStringLiteral("run 'sextant-cli canary --help'"));
        return 2;
    }
    QString output = QStringLiteral("json");
    QString prometheus, token, tokenFile, caFile, ns, canary, baseline, start, end, window, step;
    QStringList metricFiles;
    bool tenancy = false;
    int timeoutSeconds = 30;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        const QString name = a.section(QLatin1Char('='), 0, 0);
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            printCanaryHelp();
            return 0;
        }
        if (a == QLatin1String("--tenancy")) {
            tenancy = true;
            continue;
        }
        static const QStringList valueOptions = {
            QStringLiteral("--output"),  QStringLiteral("--prometheus"),
            QStringLiteral("--token"),   QStringLiteral("--token-file"),
            QStringLiteral("--ca-file"), QStringLiteral("--namespace"),
            QStringLiteral("--canary"),  QStringLiteral("--baseline"),
            QStringLiteral("--start"),   QStringLiteral("--end"),
            QStringLiteral("--window"),  QStringLiteral("--step"),
            QStringLiteral("--metrics"), QStringLiteral("--timeout")};
        if (!valueOptions.contains(name)) {
            printError(QStringLiteral("unexpected argument '%1'").arg(a),
                       QStringLiteral("run 'sextant-cli canary --help'"));
            return 2;
        }
        QString value;
        if (!takeValue(args, i, value)) {
            printError(QStringLiteral("%1 needs a value").arg(name));
            return 2;
        }
        if (name == QLatin1String("--output"))
            output = value;
        else if (name == QLatin1String("--prometheus"))
            prometheus = value;
        else if (name == QLatin1String("--token"))
            token = value;
        else if (name == QLatin1String("--token-file"))
            tokenFile = value;
        else if (name == QLatin1String("--ca-file"))
            caFile = value;
        else if (name == QLatin1String("--namespace"))
            ns = value;
        else if (name == QLatin1String("--canary"))
            canary = value;
        else if (name == QLatin1String("--baseline"))
            baseline = value;
        else if (name == QLatin1String("--start"))
            start = value;
        else if (name == QLatin1String("--end"))
            end = value;
        else if (name == QLatin1String("--window"))
            window = value;
        else if (name == QLatin1String("--step"))
            step = value;
        else if (name == QLatin1String("--metrics"))
            metricFiles << value;
        else if (name == QLatin1String("--timeout")) {
            bool ok = false;
            timeoutSeconds = value.toInt(&ok);
            if (!ok || timeoutSeconds <= 0) {
                printError(QStringLiteral("--timeout must be a positive number of seconds"));
                return 2;
            }
        }
    }
    if (output != QLatin1String("json") && output != QLatin1String("md")) {
        printError(QStringLiteral("--output must be json or md, not '%1'").arg(output));
        return 2;
    }
    if (prometheus.isEmpty() || ns.isEmpty() || canary.isEmpty() || baseline.isEmpty()) {
        printError(QStringLiteral("canary judge needs --prometheus URL, --namespace NS, --canary "
                                  "MATCHERS and --baseline MATCHERS"));
        return 2;
    }
    for (const auto& [flag, matchers] : {std::pair{QStringLiteral("--canary"), canary},
                                         std::pair{QStringLiteral("--baseline"), baseline}}) {
        if (const Status s = metrics::validateMatchers(matchers); !s) {
            printError(QStringLiteral("%1: %2").arg(flag, s.error().shortMessage),
                       s.error().details);
            return 2;
        }
    }
    if (canary.trimmed() == baseline.trimmed()) {
        printError(QStringLiteral("--canary and --baseline select the same series"));
        return 2;
    }

    analysis::CanaryTarget target;
    target.ns = ns;
    target.canarySelector = canary.trimmed();
    target.baselineSelector = baseline.trimmed();
    if (!start.isEmpty() || !end.isEmpty()) {
        if (start.isEmpty() || end.isEmpty() || !window.isEmpty()) {
            printError(QStringLiteral("give --start and --end together, or --window alone"));
            return 2;
        }
        const Result<QDateTime> s = metrics::parseTime(start);
        const Result<QDateTime> e = metrics::parseTime(end);
        if (!s || !e) {
            printError(
                QStringLiteral("--start/--end: %1").arg((!s ? s.error() : e.error()).shortMessage));
            return 2;
        }
        target.start = *s;
        target.end = *e;
    } else {
        const Result<qint64> w =
            metrics::parseDurationMs(window.isEmpty() ? QStringLiteral("30m") : window);
        if (!w) {
            printError(QStringLiteral("--window: %1").arg(w.error().shortMessage));
            return 2;
        }
        target.end = QDateTime::currentDateTimeUtc();
        target.start = target.end.addMSecs(-*w);
    }
    const Result<qint64> stepMs =
        metrics::parseDurationMs(step.isEmpty() ? QStringLiteral("30s") : step);
    if (!stepMs) {
        printError(QStringLiteral("--step: %1").arg(stepMs.error().shortMessage));
        return 2;
    }
    target.stepMs = *stepMs;
    if (const Status range =
            metrics::PrometheusClient::checkRange(target.start, target.end, target.stepMs);
        !range) {
        printError(range.error().shortMessage, range.error().details);
        return 2;
    }

    const Result<analysis::MetricSet> set = analysis::MetricSet::load(metricFiles);
    if (!set) {
        printError(set.error().shortMessage, set.error().details);
        return 2;
    }

    if (token.isEmpty() && !tokenFile.isEmpty()) {
        QFile tf(tokenFile);
        if (!tf.open(QIODevice::ReadOnly)) {
            printError(QStringLiteral("cannot read the token file %1").arg(tokenFile),
                       tf.errorString());
            return 2;
        }
        token = QString::fromUtf8(tf.readAll()).trimmed();
    }

    metrics::Endpoint endpoint;
    endpoint.baseUrl = QUrl(prometheus.trimmed(), QUrl::StrictMode);
    endpoint.caFile = caFile;
    endpoint.requestTimeoutMs = timeoutSeconds * 1000;
    if (const Status valid = endpoint.validate(); !valid) {
        printError(valid.error().shortMessage, valid.error().details);
        return 2;
    }
    metrics::PrometheusClient client(endpoint);
    if (client.configError().isError()) {
        printError(client.configError().shortMessage, client.configError().details);
        return 2;
    }
    if (!token.isEmpty())
        client.setToken(token);
    if (tenancy)
        client.setTenancyNamespace(ns);
    client.setRetryPolicy(metrics::RetryPolicy{2, 500, 2000});

    std::optional<QVector<analysis::MetricSamples>> samples;
    QEventLoop loop;
    analysis::collectCanarySamples(client, *set, target, [&](QVector<analysis::MetricSamples> s) {
        samples.emplace(std::move(s));
        loop.quit();
    });
    if (!samples)
        loop.exec();

    // Nothing measured at all is an error of the run, not a verdict on the canary.
    const auto firstError = std::find_if(samples->begin(), samples->end(),
                                         [](const auto& s) { return s.error.isError(); });
    const bool allFailed =
        std::all_of(samples->begin(), samples->end(),
                    [](const analysis::MetricSamples& s) { return s.error.isError(); });
    if (allFailed && firstError != samples->end()) {
        printError(
            QStringLiteral("no metric could be queried: %1").arg(firstError->error.shortMessage),
            firstError->error.details);
        return 2;
    }

    const analysis::CanaryReport report = analysis::CanaryJudge(*set).judge(*samples);
    if (output == QLatin1String("md")) {
        write(analysis::reportToMarkdown(report,
                                         QStringLiteral("Canary %1 vs baseline %2")
                                             .arg(target.canarySelector, target.baselineSelector))
                  .toUtf8());
    } else {
        nlohmann::ordered_json j = analysis::reportToJson(report);
        j["window"] = {{"start", target.start.toString(Qt::ISODateWithMs).toStdString()},
                       {"end", target.end.toString(Qt::ISODateWithMs).toStdString()},
                       {"step", metrics::formatDurationMs(target.stepMs).toStdString()}};
        j["canary"] = target.canarySelector.toStdString();
        j["baseline"] = target.baselineSelector.toStdString();
        j["namespace"] = ns.toStdString();
        const std::string text = j.dump(2) + "\n";
        write(QByteArray(text.data(), qsizetype(text.size())));
    }
    return report.verdict == analysis::Verdict::Pass ? 0 : 1;
}

} // namespace sextant::cli
