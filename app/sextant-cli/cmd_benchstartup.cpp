// sextant-cli bench startup: launch to a usable fleet view from the local cache, measured on the
// real console binary (issue 3: at most 1 s at 50,000 applications).
//
// The console measures itself (`sextant --startup-probe FILE`, ui/startupprobe.h) from the
// kernel's start time of its process; this command only prepares a home directory with saved
// instances and their caches, launches it N times and reports the medians. The saved instances
// point at a closed loopback port and no keychain is reachable, so every row shown came from
// the cache and the run also shows how the console behaves with its instances unreachable.

#include "commands.h"

#include "argocd/appparser.h"
#include "argocd/instance.h"
#include "fleet/fleetcache.h"
#include "sim/simulator.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSettings>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace sextant::cli {

namespace {

double medianOf(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void printStartupHelp() {
    QTextStream(stdout)
        << "Usage: sextant-cli bench startup [--apps N] [--instances I] [--runs N]\n"
           "                                 [--settle MS] [--view applications|dashboard]\n"
           "                                 [--sextant PATH]\n"
           "\n"
           "Writes the local fleet cache of a generated fleet (N applications over I instances,\n"
           "seed 7; default 50000 and 1) and saved instances pointing at a closed loopback port\n"
           "into a temporary home, then starts the real console (PATH, default: the sextant\n"
           "next to sextant-cli) N times (default 5, after one warm-up) with\n"
           "QT_QPA_PLATFORM=offscreen and --startup-probe, and prints the medians of what it\n"
           "measured: from the process's start to the fleet table (or the dashboard, with\n"
           "--view dashboard) painted with the cached rows and the event loop free again.\n"
           "--settle: how long the console keeps measuring GUI stalls after that (default\n"
           "1000). See docs/benchmarks.md.\n";
}

// A loopback port nothing listens on: taken from the OS, then released.
quint16 closedLoopbackPort() {
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 1;
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

} // namespace

int runBenchStartup(const QStringList& args) {
    int apps = 50000, instances = 1, runs = 5, settle = 1000;
    QString view = QStringLiteral("applications");
    QString binary = qEnvironmentVariable("SEXTANT_BIN");
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        auto number = [&](int& out, int min, int max) {
            bool ok = false;
            if (i + 1 < args.size())
                out = args[++i].toInt(&ok);
            return ok && out >= min && out <= max;
        };
        bool ok = true;
        if (a == QLatin1String("--apps")) {
            ok = number(apps, 1, 500000);
        } else if (a == QLatin1String("--instances")) {
            ok = number(instances, 1, 50);
        } else if (a == QLatin1String("--runs")) {
            ok = number(runs, 1, 100);
        } else if (a == QLatin1String("--settle")) {
            ok = number(settle, 0, 60000);
        } else if (a == QLatin1String("--view") && i + 1 < args.size()) {
            view = args[++i];
            ok = view == QLatin1String("applications") || view == QLatin1String("dashboard");
        } else if (a == QLatin1String("--sextant") && i + 1 < args.size()) {
            binary = args[++i];
        } else if (a == QLatin1String("--help")) {
            printStartupHelp();
            return 0;
        } else {
            printError(QStringLiteral("unexpected argument '%1'").arg(a));
            return 2;
        }
        if (!ok) {
            printError(QStringLiteral("%1 needs a valid value (bench startup --help)").arg(a));
            return 2;
        }
    }
    if (binary.isEmpty())
        binary = QCoreApplication::applicationDirPath() + QStringLiteral("/sextant");
    if (!QFileInfo(binary).isExecutable()) {
        printError(QStringLiteral("no console binary at %1 (use --sextant PATH)").arg(binary));
        return 2;
    }

    QTemporaryDir home;
    if (!home.isValid()) {
        printError(QStringLiteral("cannot create a temporary directory"));
        return 2;
    }
    const QString configHome = home.filePath(QStringLiteral(".config"));
    const QString cacheHome = home.filePath(QStringLiteral(".cache"));
    const QString dataHome = home.filePath(QStringLiteral(".local/share"));
    // Where the console (organisation "Sextant", application "sextant") looks on Linux.
    const QString cacheDir = cacheHome + QStringLiteral("/Sextant/sextant");
    QDir().mkpath(cacheDir);
    QDir().mkpath(dataHome);

    // The fleet as `bench cache` generates it; each instance's rows saved as its cache.
    const quint16 port = closedLoopbackPort();
    qint64 cacheBytes = 0;
    {
        sim::Simulator sim;
        sim::GeneratorOptions o;
        o.apps = apps;
        o.instances = instances;
        o.clusters = std::max(1, std::min(400, apps / 100));
        o.seed = 7;
        sim.generate(o);
        QSettings settings(configHome + QStringLiteral("/Sextant/sextant.conf"),
                           QSettings::IniFormat);
        settings.beginWriteArray(QStringLiteral("instances"));
        const QStringList names = sim.instanceNames();
        for (int k = 0; k < names.size(); ++k) {
            argocd::InstanceConfig config;
            config.id = QStringLiteral("bench-%1").arg(k);
            config.name = names.at(k);
            config.baseUrl = QUrl(QStringLiteral("https://127.0.0.1:%1").arg(port));
            QByteArray body = sim.listBody(names.at(k));
            argocd::padForFastParse(body);
            Result<argocd::AppList> list = argocd::parseApplicationListFast(body, config.id);
            if (!list) {
                printError(QStringLiteral("the generated list did not parse"));
                return 2;
            }
            const QString path = fleet::FleetCache::defaultPath(config.id).section(
                QLatin1Char('/'), -1); // the file name the console uses
            const QString file = cacheDir + QLatin1Char('/') + path;
            if (Status saved = fleet::FleetCache::save(file, config.id, list->apps,
                                                       QDateTime::currentDateTimeUtc());
                !saved) {
                printError(saved.error().shortMessage, saved.error().details);
                return 2;
            }
            cacheBytes += QFileInfo(file).size();
            settings.setArrayIndex(k);
            settings.setValue(QStringLiteral("config"), config.toVariantMap());
        }
        settings.endArray();
        // The tab the user left open last time.
        settings.setValue(QStringLiteral("window/tab"), view == QLatin1String("dashboard") ? 0 : 1);
        settings.sync();
        if (settings.status() != QSettings::NoError) {
            printError(QStringLiteral("cannot write the console's settings in %1").arg(configHome));
            return 2;
        }
    }

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("HOME"), home.path());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), configHome);
    env.insert(QStringLiteral("XDG_CACHE_HOME"), cacheHome);
    env.insert(QStringLiteral("XDG_DATA_HOME"), dataHome);
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), home.path());
    // No keychain: the user's own is never asked, and no instance can sign in.
    env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
               QStringLiteral("unix:path=/nonexistent/sextant-bench-bus"));
    env.remove(QStringLiteral("SEXTANT_STARTUP_PROBE"));

    const char* timeKeys[] = {"main_ms",          "window_ms",
                              "loop_ms",          "cache_load_ms",
                              "cache_ready_ms",   "store_ms",
                              "first_rows_ms",    "usable_ms",
                              "max_gui_stall_ms", "max_gui_stall_after_ms",
                              "max_gui_busy_ms",  "max_gui_busy_after_ms"};
    std::map<std::string, std::vector<double>> times;
    nlohmann::json last;
    const int warmups = 1;
    for (int run = 0; run < warmups + runs; ++run) {
        const QString probe = home.filePath(QStringLiteral("probe-%1.jsonl").arg(run));
        QProcess console;
        console.setProcessEnvironment(env);
        console.setProcessChannelMode(QProcess::SeparateChannels);
        console.start(binary, {QStringLiteral("--startup-probe"), probe,
                               QStringLiteral("--startup-probe-settle"), QString::number(settle)});
        if (!console.waitForStarted(30000)) {
            printError(QStringLiteral("cannot start %1").arg(binary), console.errorString());
            return 2;
        }
        if (!console.waitForFinished(120000)) {
            console.kill();
            console.waitForFinished(5000);
            printError(QStringLiteral("the console did not finish its start within 120 s"));
            return 2;
        }
        QFile file(probe);
        QByteArray line;
        if (file.open(QIODevice::ReadOnly))
            line = file.readAll().trimmed().split('\n').last();
        nlohmann::json result = nlohmann::json::parse(line.toStdString(), nullptr, false);
        if (!result.is_object() || result.contains("error") ||
            console.exitStatus() != QProcess::NormalExit || console.exitCode() != 0) {
            printError(QStringLiteral("the console's startup probe failed (exit %1)")
                           .arg(console.exitCode()),
                       QString::fromUtf8(line) + QLatin1Char('\n') +
                           QString::fromUtf8(console.readAllStandardError().right(2000)));
            return 2;
        }
        if (run >= warmups)
            for (const char* key : timeKeys)
                if (result.contains(key) && result[key].is_number())
                    times[key].push_back(result[key].get<double>());
        last = std::move(result);
    }

    nlohmann::ordered_json out;
    out["apps"] = last.value("apps", 0);
    out["instances"] = instances;
    out["rows_shown"] = last.value("rows_shown", 0);
    out["view"] = last.value("view", std::string());
    out["cache_bytes"] = cacheBytes;
    for (const char* key : timeKeys)
        out[key] = std::round(medianOf(times[key]) * 10) / 10;
    const auto& usable = times["usable_ms"];
    out["usable_ms_min"] = usable.empty() ? 0 : *std::min_element(usable.begin(), usable.end());
    out["usable_ms_max"] = usable.empty() ? 0 : *std::max_element(usable.begin(), usable.end());
    out["instance_states"] = last.value("instance_states", nlohmann::json::array());
    out["settle_ms"] = settle;
    out["runs"] = runs;
    const std::string text = out.dump();
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    return 0;
}

} // namespace sextant::cli
