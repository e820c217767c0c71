// sextant-cli apps: list the applications of one Argo CD instance as JSON or a table.

#include "commands.h"

#include "argocd/client.h"
#include "argocd/instance.h"
#include "argocd/types.h"

#include <QEventLoop>
#include <QFile>
#include <QRegularExpression>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>

namespace sextant::cli {

namespace {

struct AppsOptions {
    QString server;
    QString token;
    QString tokenFile;
    bool insecure = false;
    QString caFile;
    QStringList projects;
    QString selector;
    QString appNamespace;
    QString output = QStringLiteral("table");
    QString instanceName;
    int timeoutSeconds = 60;
    bool help = false;
};

void printAppsHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli [global options] apps [options]\n"
           "\n"
           "Lists the applications of one Argo CD instance.\n"
           "\n"
           "Connection:\n"
           "  --server URL          Argo CD URL, https://host[:port][/rootpath]\n"
           "  --token TOKEN         bearer token (prefer --token-file or SEXTANT_TOKEN)\n"
           "  --token-file FILE     read the token from FILE\n"
           "  --ca-file FILE        trust this PEM CA bundle for the server's certificate\n"
           "  --insecure            skip TLS certificate verification (you accept the risk)\n"
           "  --timeout SECONDS     per-request timeout (default 60)\n"
           "Filters (applied by the server):\n"
           "  --project NAME        only this project (repeatable)\n"
           "  --selector SELECTOR   label selector, e.g. 'env=prod,team in (a,b)'\n"
           "  --app-namespace NS    only Applications in this namespace\n"
           "Output:\n"
           "  --output json|table   default table\n"
           "  --instance-name NAME  value of the \"instance\" field (default: server host)\n"
           "\n"
           "Exit codes: 0 success, 2 error.\n";
}

// Parses "--name value" and "--name=value"; returns an error message or nothing.
std::optional<QString> parseArgs(const QStringList& args, AppsOptions& o) {
    static const QStringList valueOptions = {QStringLiteral("--server"),
                                             QStringLiteral("--token"),
                                             QStringLiteral("--token-file"),
                                             QStringLiteral("--ca-file"),
                                             QStringLiteral("--project"),
                                             QStringLiteral("--selector"),
                                             QStringLiteral("--app-namespace"),
                                             QStringLiteral("--output"),
                                             QStringLiteral("-o"),
                                             QStringLiteral("--instance-name"),
                                             QStringLiteral("--timeout")};
    for (int i = 0; i < args.size(); ++i) {
        QString name = args[i];
        QString value;
        bool hasValue = false;
        if (name.startsWith(QLatin1String("--")) && name.contains(QLatin1Char('='))) {
            const qsizetype eq = name.indexOf(QLatin1Char('='));
            value = name.mid(eq + 1);
            name = name.left(eq);
            hasValue = true;
        }
        if (name == QLatin1String("--help") || name == QLatin1String("-h")) {
            o.help = true;
            continue;
        }
        if (name == QLatin1String("--insecure")) {
            o.insecure = true;
            continue;
        }
        if (!valueOptions.contains(name))
            return QStringLiteral("unknown option '%1' for 'apps' (see 'sextant-cli apps --help')")
                .arg(name);
        if (!hasValue) {
            if (i + 1 >= args.size())
                return QStringLiteral("option %1 needs a value").arg(name);
            value = args[++i];
        }
        if (name == QLatin1String("--server"))
            o.server = value;
        else if (name == QLatin1String("--token"))
            o.token = value;
        else if (name == QLatin1String("--token-file"))
            o.tokenFile = value;
        else if (name == QLatin1String("--ca-file"))
            o.caFile = value;
        else if (name == QLatin1String("--project"))
            o.projects << value;
        else if (name == QLatin1String("--selector"))
            o.selector = value;
        else if (name == QLatin1String("--app-namespace"))
            o.appNamespace = value;
        else if (name == QLatin1String("--output") || name == QLatin1String("-o"))
            o.output = value;
        else if (name == QLatin1String("--instance-name"))
            o.instanceName = value;
        else if (name == QLatin1String("--timeout")) {
            bool ok = false;
            o.timeoutSeconds = value.toInt(&ok);
            if (!ok || o.timeoutSeconds <= 0)
                return QStringLiteral("--timeout needs a positive number of seconds");
        }
    }
    if (o.output != QLatin1String("json") && o.output != QLatin1String("table"))
        return QStringLiteral("unknown output format '%1' — use json or table").arg(o.output);
    return std::nullopt;
}

// --token, else --token-file, else $SEXTANT_TOKEN.
std::optional<QString> resolveToken(AppsOptions& o) {
    if (!o.token.isEmpty())
        return std::nullopt;
    if (!o.tokenFile.isEmpty()) {
        QFile file(o.tokenFile);
        if (!file.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read the token file %1: %2")
                .arg(o.tokenFile, file.errorString());
        o.token = QString::fromUtf8(file.readAll()).trimmed();
        if (o.token.isEmpty())
            return QStringLiteral("the token file %1 is empty").arg(o.tokenFile);
        return std::nullopt;
    }
    o.token = qEnvironmentVariable("SEXTANT_TOKEN").trimmed();
    if (o.token.isEmpty())
        return QStringLiteral("no token: pass --token-file FILE, set SEXTANT_TOKEN, or --token");
    return std::nullopt;
}

QString shortRevision(const QString& revision) {
    // Git SHAs are shown like `git log --oneline`; tags and chart versions as they are.
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{40}$"));
    return sha.match(revision).hasMatch() ? revision.left(8) : revision;
}

void printTable(const QString& instance, const QVector<argocd::AppSummary>& apps) {
    const QStringList headers = {QStringLiteral("INSTANCE"),  QStringLiteral("NAMESPACE"),
                                 QStringLiteral("NAME"),      QStringLiteral("PROJECT"),
                                 QStringLiteral("CLUSTER"),   QStringLiteral("DEST NAMESPACE"),
                                 QStringLiteral("SYNC"),      QStringLiteral("HEALTH"),
                                 QStringLiteral("OPERATION"), QStringLiteral("REVISION")};
    QVector<QStringList> rows;
    rows.reserve(apps.size());
    for (const argocd::AppSummary& a : apps)
        rows.append({instance, a.appNamespace, a.name, a.project, a.cluster(), a.destNamespace,
                     argocd::toString(a.sync), argocd::toString(a.health),
                     argocd::toString(a.operationPhase), shortRevision(a.syncRevision)});
    QVector<qsizetype> widths(headers.size());
    for (int c = 0; c < headers.size(); ++c)
        widths[c] = headers[c].size();
    for (const QStringList& row : rows)
        for (int c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], row[c].size());
    QTextStream out(stdout);
    const auto printRow = [&](const QStringList& row) {
        QString line;
        for (int c = 0; c < row.size(); ++c) {
            if (c + 1 < row.size())
                line += row[c].leftJustified(widths[c] + 2, QLatin1Char(' '));
            else
                line += row[c];
        }
        out << line.trimmed() << '\n';
    };
    printRow(headers);
    for (const QStringList& row : rows)
        printRow(row);
    out << '\n' << apps.size() << (apps.size() == 1 ? " application" : " applications") << '\n';
}

void printJson(const QString& instance, const QVector<argocd::AppSummary>& apps) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const argocd::AppSummary& a : apps) {
        list.push_back(nlohmann::ordered_json{
            {"instance", instance.toStdString()},
            {"name", a.name.toStdString()},
            {"appNamespace", a.appNamespace.toStdString()},
            {"project", a.project.toStdString()},
            {"cluster", a.cluster().toStdString()},
            {"namespace", a.destNamespace.toStdString()},
            {"sync", argocd::toString(a.sync).toStdString()},
            {"health", argocd::toString(a.health).toStdString()},
            {"operationPhase", argocd::toString(a.operationPhase).toStdString()},
            {"revision", a.syncRevision.toStdString()},
        });
    }
    const nlohmann::ordered_json doc = {{"apps", list}};
    const std::string text = doc.dump(2);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

} // namespace

int runApps(const QStringList& args) {
    AppsOptions o;
    if (const auto error = parseArgs(args, o)) {
        printError(*error);
        return 2;
    }
    if (o.help) {
        printAppsHelp();
        return 0;
    }
    if (o.server.isEmpty()) {
        printError(QStringLiteral("no server: pass --server https://argocd.example.com"));
        return 2;
    }
    if (const auto error = resolveToken(o)) {
        printError(*error);
        return 2;
    }

    argocd::InstanceConfig config;
    config.baseUrl = QUrl(o.server.trimmed(), QUrl::StrictMode);
    config.id = QStringLiteral("cli");
    config.name = !o.instanceName.isEmpty()         ? o.instanceName
                  : config.baseUrl.host().isEmpty() ? o.server
                                                    : config.baseUrl.host();
    config.caFile = o.caFile;
    config.insecure = o.insecure;
    config.requestTimeoutMs = o.timeoutSeconds * 1000;
    if (const Status valid = config.validate(); !valid) {
        printError(valid.error().shortMessage, valid.error().details);
        return 2;
    }
    if (o.insecure)
        QTextStream(stderr) << "sextant-cli: warning: TLS verification is disabled (--insecure)\n";

    argocd::Client client(config);
    if (client.configError().isError()) {
        printError(client.configError().shortMessage, client.configError().details);
        return 2;
    }
    client.setToken(o.token);
    // A pipeline wants an answer, not four minutes of patience: retry twice, quickly.
    client.setRetryPolicy(argocd::RetryPolicy{2, 500, 2000});
    argocd::ListQuery query;
    query.projects = o.projects;
    query.selector = o.selector;
    query.appNamespace = o.appNamespace;

    std::optional<Result<argocd::AppList>> result;
    QEventLoop loop;
    client.listApplications(query, [&](Result<argocd::AppList> r) {
        result.emplace(std::move(r));
        loop.quit();
    });
    if (!result)
        loop.exec();
    if (!result->ok()) {
        const Error& e = result->error();
        printError(e.shortMessage, e.details);
        return 2;
    }
    const QString instance = o.instanceName.isEmpty() ? config.baseUrl.host() : o.instanceName;
    if (o.output == QLatin1String("json"))
        printJson(instance, result->value().apps);
    else
        printTable(instance, result->value().apps);
    return 0;
}

} // namespace sextant::cli
