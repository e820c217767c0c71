#pragma once

#include <QStringList>
#include <QUrl>

namespace sextant::report {
enum class WebhookKind;
}

// Each subcommand gets the arguments after its name and returns the process exit code:
// 0 success, 1 a finding the caller asked to fail on (e.g. a broken audit chain), 2 an error.
namespace sextant::cli {

int runApps(const QStringList& args);     // cmd_apps.cpp
int runAudit(const QStringList& args);    // cmd_audit.cpp
int runBench(const QStringList& args);    // cmd_bench.cpp
int runCanary(const QStringList& args);   // cmd_canary.cpp
int runDiagnose(const QStringList& args); // cmd_diagnose.cpp
int runPolicy(const QStringList& args);   // cmd_policy.cpp
int runPr(const QStringList& args);       // cmd_pr.cpp
// 0 Proceed, 1 Halt / Roll back, 2 an error, 3 Wait.
int runRelease(const QStringList& args);  // cmd_release.cpp
int runReport(const QStringList& args);   // cmd_report.cpp
int runRollback(const QStringList& args); // cmd_rollback.cpp
// `bench policy` (cmd_policy.cpp, dispatched from cmd_bench.cpp).
int runBenchPolicy(const QStringList& args);
int runBenchPr(const QStringList& args);      // `bench pr` (cmd_benchpr.cpp)
int runBenchStartup(const QStringList& args); // `bench startup` (cmd_benchstartup.cpp)

// Prints to stderr in the CLI's one error format.
void printError(const QString& shortMessage, const QString& details = {});

// `--post slack|webhook --webhook-url-env VAR` (report fleet, release review): both or neither;
// the URL read from $VAR and validated. False (the reason printed) on a bad combination.
bool webhookTarget(const QString& post, const QString& urlEnv, report::WebhookKind* kind,
                   QUrl* url); // cmd_report.cpp

} // namespace sextant::cli
