// sextant-sim: the Argo CD API simulator as a standalone server (docs/simulator.md).

#include "sim/localprometheus.h"
#include "sim/providersim.h"
#include "sim/simulator.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QSocketNotifier>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <functional>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int g_signalFds[2] = {-1, -1};

void onSignal(int) {
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signalFds[0], &c, 1);
}

[[noreturn]] void die(const QString& message) {
    std::fprintf(stderr, "sextant-sim: %s\n", qPrintable(message));
    std::exit(2);
}

double rateOption(const QCommandLineParser& p, const QString& name) {
    if (!p.isSet(name))
        return 0;
    bool ok = false;
    const double v = p.value(name).toDouble(&ok);
    if (!ok || v < 0 || v > 1)
        die(QStringLiteral("--%1 expects a rate between 0 and 1, got '%2'")
                .arg(name, p.value(name)));
    return v;
}

int intOption(const QCommandLineParser& p, const QString& name, int def) {
    if (!p.isSet(name))
        return def;
    bool ok = false;
    const int v = p.value(name).toInt(&ok);
    if (!ok || v < 0)
        die(QStringLiteral("--%1 expects a non-negative number, got '%2'")
                .arg(name, p.value(name)));
    return v;
}

void installSignalHandlers(QCoreApplication& app, const std::function<void()>& stop) {
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFds) == 0) {
        auto* notifier = new QSocketNotifier(g_signalFds[1], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &app, [stop] {
            char c;
            [[maybe_unused]] const auto n = ::read(g_signalFds[1], &c, 1);
            stop();
            QCoreApplication::quit();
        });
        struct sigaction sa {};
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
    }
    std::signal(SIGPIPE, SIG_IGN);
}

// --git-provider KIND: one Git provider's pull request API instead of Argo CD.
int runProviderServer(QCoreApplication& app, const QCommandLineParser& p) {
    using namespace sextant::sim;
    const auto flavour = providerFlavourFromString(p.value(QStringLiteral("git-provider")));
    if (!flavour)
        die(QStringLiteral("--git-provider expects github, gitlab, gitea, bitbucket-cloud or "
                           "bitbucket-dc, got '%1'")
                .arg(p.value(QStringLiteral("git-provider"))));
    ProviderSim server(*flavour);
    if (p.isSet(QStringLiteral("token")))
        server.setToken(p.value(QStringLiteral("token")));
    const QStringList repos = p.values(QStringLiteral("repo")).isEmpty()
                                  ? QStringList{QStringLiteral("demo/gitops-config")}
                                  : p.values(QStringLiteral("repo"));
    QStringList branches =
        p.value(QStringLiteral("branches")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (branches.isEmpty())
        branches = {QStringLiteral("main")};
    nlohmann::ordered_json repoList = nlohmann::ordered_json::array();
    for (const QString& r : repos) {
        const qsizetype slash = r.lastIndexOf(QLatin1Char('/'));
        if (slash <= 0 || slash == r.size() - 1)
            die(QStringLiteral("--repo expects owner/name (GitLab: group/sub/name), got '%1'")
                    .arg(r));
        server.addRepository(r.left(slash), r.mid(slash + 1), branches);
        for (const QString& label :
             p.value(QStringLiteral("labels")).split(QLatin1Char(','), Qt::SkipEmptyParts))
            server.addLabel(r.left(slash), r.mid(slash + 1), label);
        repoList.push_back(r.toStdString());
    }
    const int port = intOption(p, QStringLiteral("port"), 0);
    if (port > 65535)
        die(QStringLiteral("--port expects 0..65535"));
    const auto st = server.listen(QHostAddress::LocalHost, static_cast<quint16>(port));
    if (!st.ok())
        die(st.error().shortMessage);
    if (p.isSet(QStringLiteral("log-requests")))
        QObject::connect(&server, &ProviderSim::requestServed, &app,
                         [](const QString& method, const QString& path, int status) {
                             std::fprintf(stderr, "%s %s -> %d\n", qPrintable(method),
                                          qPrintable(path), status);
                         });
    nlohmann::ordered_json o;
    o["provider"] = providerFlavourName(*flavour).toStdString();
    o["apiBase"] = server.apiBase().toString().toStdString();
    o["token"] = server.token().toStdString();
    o["repos"] = repoList;
    const std::string line = o.dump();
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    installSignalHandlers(app, [&server] { server.close(); });
    return QCoreApplication::exec();
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sextant-sim"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SEXTANT_VERSION));

    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Argo CD API simulator. Prints one JSON line per instance ({\"name\",\"url\",\"token\"}) "
        "and serves until SIGINT/SIGTERM."));
    p.addHelpOption();
    p.addVersionOption();
    p.addOptions({
        {QStringLiteral("scenario"), QStringLiteral("Load a YAML scenario."),
         QStringLiteral("file")},
        {QStringLiteral("demo"),
         QStringLiteral("Serve the built-in demo (3 instances, ~2,000 apps, scripted failures, "
                        "a release train with RollingSync).")},
        {QStringLiteral("prometheus"),
         QStringLiteral("Also serve the scenario's metrics history from a local Prometheus "
                        "(needs prometheus and promtool); prints its URL once ready.")},
        {QStringLiteral("prometheus-dir"),
         QStringLiteral("--prometheus: keep its data here (default: a temporary folder)."),
         QStringLiteral("dir")},
        {QStringLiteral("apps"), QStringLiteral("Generate N applications."), QStringLiteral("N")},
        {QStringLiteral("instances"), QStringLiteral("Generated instances (default 3)."),
         QStringLiteral("N")},
        {QStringLiteral("clusters"), QStringLiteral("Generated clusters (default 40)."),
         QStringLiteral("N")},
        {QStringLiteral("seed"), QStringLiteral("Generator seed (default 1)."),
         QStringLiteral("S")},
        {QStringLiteral("listen"),
         QStringLiteral("Address and first port (default 127.0.0.1:0; 0 = free ports)."),
         QStringLiteral("host:port"), QStringLiteral("127.0.0.1:0")},
        {QStringLiteral("tls-cert"), QStringLiteral("Serve HTTPS with this PEM certificate."),
         QStringLiteral("file")},
        {QStringLiteral("tls-key"), QStringLiteral("PEM private key for --tls-cert."),
         QStringLiteral("file")},
        {QStringLiteral("latency-ms"), QStringLiteral("Delay every answer."), QStringLiteral("N")},
        {QStringLiteral("fail-401"), QStringLiteral("Rate of 401 answers (0..1)."),
         QStringLiteral("RATE")},
        {QStringLiteral("fail-403"), QStringLiteral("Rate of 403 answers (0..1)."),
         QStringLiteral("RATE")},
        {QStringLiteral("fail-500"), QStringLiteral("Rate of 500 answers (0..1)."),
         QStringLiteral("RATE")},
        {QStringLiteral("malformed"), QStringLiteral("Rate of 200 answers whose body is not JSON."),
         QStringLiteral("RATE")},
        {QStringLiteral("truncated"), QStringLiteral("Rate of 200 answers cut off mid-body."),
         QStringLiteral("RATE")},
        {QStringLiteral("drop-streams-after-ms"), QStringLiteral("Close watch streams after N ms."),
         QStringLiteral("N")},
        {QStringLiteral("slow-streams-ms"), QStringLiteral("Delay between stream events."),
         QStringLiteral("N")},
        {QStringLiteral("fault-seed"), QStringLiteral("Seed of the fault RNG (default 1)."),
         QStringLiteral("S")},
        {QStringLiteral("time-scale"),
         QStringLiteral("Scale operation durations (0.01 = 100x faster)."), QStringLiteral("F")},
        {QStringLiteral("keepalive-ms"), QStringLiteral("SSE keep-alive interval (default 15000)."),
         QStringLiteral("N")},
        {QStringLiteral("print-list"),
         QStringLiteral("Print the GET /api/v1/applications body and exit.")},
        {QStringLiteral("instance"),
         QStringLiteral("Instance for --print-list (default: the first)."), QStringLiteral("name")},
        {QStringLiteral("fields"), QStringLiteral("`fields` query for --print-list."),
         QStringLiteral("F")},
        {QStringLiteral("git-provider"),
         QStringLiteral("Serve a Git provider's pull request API instead of Argo CD: github, "
                        "gitlab, gitea, bitbucket-cloud or bitbucket-dc. Prints "
                        "{\"provider\",\"apiBase\",\"token\",\"repos\"} (docs/simulator.md)."),
         QStringLiteral("KIND")},
        {QStringLiteral("port"),
         QStringLiteral("--git-provider: port on 127.0.0.1 (default 0 = free)."),
         QStringLiteral("N")},
        {QStringLiteral("token"),
         QStringLiteral("--git-provider: the one token accepted (default sim-provider-token)."),
         QStringLiteral("T")},
        {QStringLiteral("repo"),
         QStringLiteral("--git-provider: a repository owner/name (repeatable; default "
                        "demo/gitops-config)."),
         QStringLiteral("owner/name")},
        {QStringLiteral("branches"),
         QStringLiteral("--git-provider: branches every repository has (default main)."),
         QStringLiteral("a,b")},
        {QStringLiteral("labels"), QStringLiteral("--git-provider: labels every repository has."),
         QStringLiteral("a,b")},
        {QStringLiteral("log-requests"),
         QStringLiteral("--git-provider: print each request and its status on stderr.")},
    });
    p.process(app);
    if (!p.positionalArguments().isEmpty())
        die(QStringLiteral("unexpected argument '%1' (see --help)")
                .arg(p.positionalArguments().constFirst()));
    if (p.isSet(QStringLiteral("git-provider")))
        return runProviderServer(app, p);

    sextant::sim::Simulator sim;
    const int sources = int(p.isSet(QStringLiteral("scenario"))) +
                        int(p.isSet(QStringLiteral("demo"))) + int(p.isSet(QStringLiteral("apps")));
    if (sources > 1)
        die(QStringLiteral("use only one of --scenario, --demo, --apps"));
    if (p.isSet(QStringLiteral("scenario"))) {
        const QString file = p.value(QStringLiteral("scenario"));
        if (!QFile::exists(file))
            die(QStringLiteral("scenario file %1 does not exist").arg(file));
        const auto st = sim.loadScenarioFile(file);
        if (!st.ok())
            die(st.error().shortMessage);
    } else if (p.isSet(QStringLiteral("apps")) || p.isSet(QStringLiteral("print-list"))) {
        sextant::sim::GeneratorOptions o;
        o.apps = intOption(p, QStringLiteral("apps"), o.apps);
        o.instances = std::max(1, intOption(p, QStringLiteral("instances"), o.instances));
        o.clusters = std::max(1, intOption(p, QStringLiteral("clusters"), o.clusters));
        o.seed = static_cast<quint32>(intOption(p, QStringLiteral("seed"), 1));
        sim.generate(o);
    } else {
        const auto st = sim.loadDemo();
        if (!st.ok())
            die(st.error().shortMessage);
    }

    if (p.isSet(QStringLiteral("print-list"))) {
        const QString inst = p.isSet(QStringLiteral("instance"))
                                 ? p.value(QStringLiteral("instance"))
                                 : sim.instanceNames().value(0);
        if (!sim.instanceNames().contains(inst))
            die(QStringLiteral("unknown instance '%1' (have: %2)")
                    .arg(inst, sim.instanceNames().join(QStringLiteral(", "))));
        const QByteArray body = sim.listBody(inst, p.value(QStringLiteral("fields")));
        std::fwrite(body.constData(), 1, static_cast<size_t>(body.size()), stdout);
        std::fflush(stdout);
        return 0;
    }

    sextant::sim::Faults f;
    f.latencyMs = intOption(p, QStringLiteral("latency-ms"), 0);
    f.unauthorizedRate = rateOption(p, QStringLiteral("fail-401"));
    f.forbiddenRate = rateOption(p, QStringLiteral("fail-403"));
    f.serverErrorRate = rateOption(p, QStringLiteral("fail-500"));
    f.malformedRate = rateOption(p, QStringLiteral("malformed"));
    f.truncatedRate = rateOption(p, QStringLiteral("truncated"));
    f.dropStreamAfterMs = intOption(p, QStringLiteral("drop-streams-after-ms"), 0);
    f.slowStreamDelayMs = intOption(p, QStringLiteral("slow-streams-ms"), 0);
    sim.setFaults(f);
    sim.setFaultSeed(static_cast<quint32>(intOption(p, QStringLiteral("fault-seed"), 1)));
    sim.setKeepAliveIntervalMs(intOption(p, QStringLiteral("keepalive-ms"), 15000));
    if (p.isSet(QStringLiteral("time-scale"))) {
        bool ok = false;
        const double s = p.value(QStringLiteral("time-scale")).toDouble(&ok);
        if (!ok || s <= 0)
            die(QStringLiteral("--time-scale expects a positive number"));
        sim.setTimeScale(s);
    }
    if (p.isSet(QStringLiteral("tls-cert")) != p.isSet(QStringLiteral("tls-key")))
        die(QStringLiteral("--tls-cert and --tls-key go together"));
    if (p.isSet(QStringLiteral("tls-cert"))) {
        const auto st =
            sim.setTls(p.value(QStringLiteral("tls-cert")), p.value(QStringLiteral("tls-key")));
        if (!st.ok())
            die(st.error().shortMessage);
    }

    const QString listen = p.value(QStringLiteral("listen"));
    const qsizetype colon = listen.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    const uint port = colon < 0 ? 0 : listen.mid(colon + 1).toUInt(&portOk);
    QHostAddress address(colon < 0 ? listen : listen.left(colon));
    if (colon < 0 || !portOk || port > 65535 || address.isNull())
        die(QStringLiteral("--listen expects host:port such as 127.0.0.1:0, got '%1'").arg(listen));
    const auto st = sim.listen(address, static_cast<quint16>(port));
    if (!st.ok())
        die(st.error().shortMessage);

    for (const auto& e : sim.endpoints()) {
        nlohmann::ordered_json o;
        o["name"] = e.name.toStdString();
        o["url"] = e.url.toString().toStdString();
        o["token"] = e.token.toStdString();
        const std::string line = o.dump();
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
    }
    std::fflush(stdout);

    // The demo Prometheus starts after the instances serve (the backfill takes seconds); its
    // line follows theirs: {"prometheus":"http://127.0.0.1:9xxx","dataDir":"..."}.
    sextant::sim::LocalPrometheus prometheus;
    QTemporaryDir prometheusTemp;
    if (p.isSet(QStringLiteral("prometheus"))) {
        if (!sim.hasMetrics())
            die(QStringLiteral("--prometheus: the scenario has no 'metrics' section"));
        const QString dir = p.isSet(QStringLiteral("prometheus-dir"))
                                ? p.value(QStringLiteral("prometheus-dir"))
                                : prometheusTemp.filePath(QStringLiteral("prometheus"));
        QObject::connect(&prometheus, &sextant::sim::LocalPrometheus::ready, &app,
                         [&prometheus, dir](const QUrl& url) {
                             nlohmann::ordered_json o;
                             o["prometheus"] = url.toString().toStdString();
                             o["dataDir"] = dir.toStdString();
                             o["readyMs"] = prometheus.backfillMs() + prometheus.startupMs();
                             const std::string line = o.dump();
                             std::fwrite(line.data(), 1, line.size(), stdout);
                             std::fputc('\n', stdout);
                             std::fflush(stdout);
                         });
        QObject::connect(&prometheus, &sextant::sim::LocalPrometheus::failed, &app,
                         [](const sextant::Error& e) { die(e.toString()); });
        prometheus.start(sim.metricsOpenMetrics(), dir);
    } else if (p.isSet(QStringLiteral("prometheus-dir"))) {
        die(QStringLiteral("--prometheus-dir goes with --prometheus"));
    }

    installSignalHandlers(app, [&sim, &prometheus] {
        sim.close();
        prometheus.stop();
    });
    return QCoreApplication::exec();
}
