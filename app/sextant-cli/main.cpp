#include "commands.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

namespace sextant::cli {

void printError(const QString& shortMessage, const QString& details) {
    QTextStream err(stderr);
    err << "sextant-cli: " << shortMessage << '\n';
    if (!details.isEmpty())
        err << details << '\n';
}

} // namespace sextant::cli

namespace {

void printUsage() {
    QTextStream out(stdout);
    out << "Usage: sextant-cli [--server URL --token TOKEN | --token-file FILE] COMMAND [options]\n"
           "\n"
           "Commands:\n"
           "  apps          list applications (--output json|table)\n"
           "  audit verify  check the hash chain of an audit log file\n"
           "  bench         ingest, fleet-view and diagnosis benchmarks (bench --help)\n"
           "  canary judge  canary vs baseline on Prometheus: per-metric classification, score\n"
           "                and verdict (canary --help)\n"
           "  diagnose      diagnose an application from an evidence bundle (--bundle FILE\n"
           "                --output json|md)\n"
           "  policy        check manifests against the policy pack (policy --help)\n"
           "  pr describe   impact, object changes, risks and policy results of a config-repo\n"
           "                change as a PR description (pr --help)\n"
           "  release       review an ApplicationSet rollout: matrix, canary verdict per\n"
           "                cluster, proceed/halt/roll back (release review --help)\n"
           "  report fleet  the daily fleet summary: what changed, what is failing and why,\n"
           "                drift; Markdown, HTML or JSON, posted to Slack (report --help)\n"
           "  rollback      rank rollback targets with reasons, print rollback plans\n"
           "                (rollback rank|plan --help)\n"
           "\n"
           "The token may also come from the SEXTANT_TOKEN environment variable.\n"
           "Run 'sextant-cli COMMAND --help' for a command's options.\n";
}

} // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sextant-cli"));
    QCoreApplication::setOrganizationName(QStringLiteral("Sextant"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SEXTANT_VERSION));

    QStringList args = app.arguments().mid(1);
    if (args.isEmpty() || args.first() == QLatin1String("--help") ||
        args.first() == QLatin1String("-h")) {
        printUsage();
        return args.isEmpty() ? 2 : 0;
    }
    if (args.first() == QLatin1String("--version")) {
        QTextStream(stdout) << "sextant-cli " << SEXTANT_VERSION << '\n';
        return 0;
    }
    // Global options (--server, --token, ...) may stand before the command name; the command
    // finds them in its own argument list.
    static const QStringList valueOptions = {
        QStringLiteral("--server"), QStringLiteral("--token"),   QStringLiteral("--token-file"),
        QStringLiteral("--output"), QStringLiteral("--ca-file"), QStringLiteral("--instance-name"),
        QStringLiteral("--timeout")};
    int commandIndex = 0;
    while (commandIndex < args.size() && args[commandIndex].startsWith(QLatin1String("--"))) {
        const QString& a = args[commandIndex];
        commandIndex += (valueOptions.contains(a) && !a.contains(QLatin1Char('='))) ? 2 : 1;
    }
    if (commandIndex >= args.size()) {
        sextant::cli::printError(QStringLiteral("no command given"));
        printUsage();
        return 2;
    }
    const QString command = args.takeAt(commandIndex);
    if (command == QLatin1String("apps"))
        return sextant::cli::runApps(args);
    if (command == QLatin1String("audit"))
        return sextant::cli::runAudit(args);
    if (command == QLatin1String("bench"))
        return sextant::cli::runBench(args);
    if (command == QLatin1String("canary"))
        return sextant::cli::runCanary(args);
    if (command == QLatin1String("diagnose"))
        return sextant::cli::runDiagnose(args);
    if (command == QLatin1String("policy"))
        return sextant::cli::runPolicy(args);
    if (command == QLatin1String("pr"))
        return sextant::cli::runPr(args);
    if (command == QLatin1String("release"))
        return sextant::cli::runRelease(args);
    if (command == QLatin1String("report"))
        return sextant::cli::runReport(args);
    if (command == QLatin1String("rollback"))
        return sextant::cli::runRollback(args);
    sextant::cli::printError(QStringLiteral("unknown command '%1'").arg(command));
    printUsage();
    return 2;
}
