// sextant-cli diagnose: the deterministic incident diagnosis of one Application, from an evidence
// bundle (docs/evidence-bundle.md, docs/diagnosis.md). Prints findings as JSON or Markdown.

#include "commands.h"
#include "serveroptions.h"

#include "analysis/diagnoser.h"
#include "analysis/evidence.h"
#include "analysis/evidencecollector.h"
#include "analysis/findingsformat.h"
#include "argocd/client.h"
#include "argocd/instance.h"

#include <QEventLoop>
#include <QFile>
#include <QSaveFile>
#include <QTextStream>
#include <QUrl>

#include <cstdio>
#include <optional>

namespace sextant::cli {

namespace {

void printDiagnoseHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli diagnose --bundle FILE [--output json|md]\n"
           "       sextant-cli diagnose --server URL (--token T | --token-file F) --app NAME\n"
           "                            [--app-namespace NS] [--output json|md]\n"
           "                            [--save-bundle FILE] [--ca-file PEM] [--timeout S]\n"
           "\n"
           "Diagnoses one Argo CD Application: findings ordered by confidence, each with its\n"
           "evidence lines, remediation steps and the kind of Git fix. --output json (default)\n"
           "prints the findings document, md a Markdown report for chat and tickets.\n"
           "\n"
           "  --bundle FILE        an evidence bundle (sextant.evidence/v1, "
           "docs/evidence-bundle.md)\n"
           "  --server URL         collect the evidence live from Argo CD (read-only GETs):\n"
           "                       application, resource tree, events, pods, logs, revisions\n"
           "  --token T            bearer token (prefer --token-file or SEXTANT_TOKEN)\n"
           "  --save-bundle FILE   also write the collected evidence as a bundle\n"
           "\n"
           "Exit code 0, or 2 on a missing or malformed bundle or a failed collection.\n";
}

} // namespace

int runDiagnose(const QStringList& args) {
    QString bundlePath;
    QString output = QStringLiteral("json");
    ServerOptions serverOptions;
    QString app;
    QString appNamespace;
    QString saveBundle;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        const QString name = a.section(QLatin1Char('='), 0, 0);
        QString value;
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            printDiagnoseHelp();
            return 0;
        }
        static const QStringList valueOptions =
            QStringList{QStringLiteral("--bundle"), QStringLiteral("--output"),
                        QStringLiteral("--app"), QStringLiteral("--app-namespace"),
                        QStringLiteral("--save-bundle")} +
            ServerOptions::valueOptions();
        if (!valueOptions.contains(name)) {
            printError(QStringLiteral("unexpected argument '%1'").arg(a),
                       QStringLiteral("run 'sextant-cli diagnose --help'"));
            return 2;
        }
        if (!takeValue(args, i, value)) {
            printError(QStringLiteral("%1 needs a value").arg(name));
            return 2;
        }
        QString bad;
        if (name == QLatin1String("--bundle"))
            bundlePath = value;
        else if (name == QLatin1String("--output"))
            output = value;
        else if (name == QLatin1String("--app"))
            app = value;
        else if (name == QLatin1String("--app-namespace"))
            appNamespace = value;
        else if (name == QLatin1String("--save-bundle"))
            saveBundle = value;
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

    analysis::EvidenceBundle bundle;
    if (!serverOptions.server.isEmpty() || !app.isEmpty()) {
        if (!bundlePath.isEmpty()) {
            printError(QStringLiteral("use either --bundle or --server, not both"));
            return 2;
        }
        if (serverOptions.server.isEmpty() || app.isEmpty()) {
            printError(QStringLiteral("live diagnosis needs --server URL and --app NAME"));
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
        analysis::EvidenceCollector collector(&client);
        analysis::CollectOptions options;
        options.appName = app;
        options.appNamespace = appNamespace;
        std::optional<Result<analysis::EvidenceBundle>> collected;
        QEventLoop loop;
        collector.collect(options, [&](Result<analysis::EvidenceBundle> r) {
            collected.emplace(std::move(r));
            loop.quit();
        });
        if (!collected)
            loop.exec();
        if (!collected->ok()) {
            printError(collected->error().shortMessage, collected->error().details);
            return 2;
        }
        bundle = std::move(collected->value());
        if (bundle.instance.isEmpty())
            bundle.instance = client.config().displayName();
        if (!saveBundle.isEmpty()) {
            QSaveFile out(saveBundle);
            if (!out.open(QIODevice::WriteOnly) || out.write(bundle.toJson()) < 0 ||
                !out.commit()) {
                printError(QStringLiteral("cannot write %1").arg(saveBundle), out.errorString());
                return 2;
            }
        }
    } else {
        if (bundlePath.isEmpty()) {
            printError(QStringLiteral("diagnose needs --bundle FILE or --server URL --app NAME"),
                       QStringLiteral("run 'sextant-cli diagnose --help'"));
            return 2;
        }
        QFile f(bundlePath);
        if (!f.open(QIODevice::ReadOnly)) {
            printError(QStringLiteral("cannot read %1").arg(bundlePath), f.errorString());
            return 2;
        }
        auto loaded = analysis::EvidenceBundle::fromJson(f.readAll());
        if (!loaded) {
            printError(QStringLiteral("%1: %2").arg(bundlePath, loaded.error().shortMessage),
                       loaded.error().details);
            return 2;
        }
        bundle = std::move(*loaded);
    }

    const analysis::Diagnoser diagnoser(analysis::SignatureCatalogue::builtin());
    if (diagnoser.catalogue().signatures().isEmpty()) {
        printError(QStringLiteral("the built-in signature catalogue did not load"));
        return 2;
    }
    const analysis::Diagnosis diagnosis = diagnoser.diagnose(bundle);
    if (output == QLatin1String("md")) {
        const QByteArray md = analysis::diagnosisToMarkdown(diagnosis).toUtf8();
        std::fwrite(md.constData(), 1, std::size_t(md.size()), stdout);
    } else {
        const QByteArray json = analysis::diagnosisToJsonText(diagnosis);
        std::fwrite(json.constData(), 1, std::size_t(json.size()), stdout);
        std::fputc('\n', stdout);
    }
    std::fflush(stdout);
    return 0;
}

} // namespace sextant::cli
