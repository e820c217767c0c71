#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVector>

#include <memory>

namespace sextant::sim {

// Options for the deterministic fleet generator.
struct GeneratorOptions {
    int apps = 2000;
    int instances = 3;
    int clusters = 40;
    quint32 seed = 1;
    bool scriptedFailures = true;
    // Generated timestamps count back from this instant (epoch seconds). 0 = a fixed instant
    // (2026-01-15T09:00:00Z), so the same seed always yields byte-identical output.
    qint64 referenceTime = 0;
};

// Failure injection, per request unless said otherwise. Draws come from a seeded RNG per
// instance, so a given request sequence always sees the same faults.
struct Faults {
    int latencyMs = 0;           // added before every answer
    double unauthorizedRate = 0; // 401 answers (0..1)
    double forbiddenRate = 0;    // 403 answers (0..1)
    double serverErrorRate = 0;  // 500 answers (0..1)
    double malformedRate = 0;    // 200 with a body that is not JSON
    double truncatedRate = 0;    // 200 whose JSON body is cut off mid-way (connection closed)
    int dropStreamAfterMs = 0; // watch streams are closed by the server after this long (0 = never)
    int slowStreamDelayMs = 0; // delay between watch events / chunks
    // Pod logs answer 403 like an account without the `logs, get` RBAC permission (enforced by
    // default since Argo CD 3.0); every other call works.
    bool denyLogs = false;
};

struct InstanceEndpoint {
    QString name;
    QUrl url;
    QString token;
    QString username;
    QString password;
};

class SimulatorPrivate;

// An in-process Argo CD API server: several instances, each on its own loopback port, each with
// its own token and admin credentials, answering the real paths with the real JSON shapes.
// Works on any thread that runs an event loop; uses no application-global state.
class Simulator : public QObject {
    Q_OBJECT
public:
    explicit Simulator(QObject* parent = nullptr);
    ~Simulator() override;

    Status loadScenarioFile(const QString& path); // YAML scenario
    Status loadScenarioYaml(const QByteArray& yaml);
    void generate(const GeneratorOptions& options); // replace the scenario with a generated fleet
    Status loadDemo(); // built-in demo: resources/demo-scenario.yaml + generated fill

    void setFaults(const Faults& faults); // every instance
    void setFaults(const QString& instance, const Faults& faults);
    Status setTls(const QString& certFile, const QString& keyFile); // serve HTTPS with this cert
    // 0 = free ports, one per instance; a fixed port P gives instances P, P+1, ...
    Status listen(const QHostAddress& address = QHostAddress::LocalHost, quint16 firstPort = 0);
    void close(); // stop listening and drop every connection

    QVector<InstanceEndpoint> endpoints() const;
    QStringList instanceNames() const;
    // Exact GET /api/v1/applications body (fieldsParam = the comma-separated `fields` query).
    QByteArray listBody(const QString& instance, const QString& fieldsParam = {}) const;
    QStringList appNames(const QString& instance) const;
    // The scenario's `metrics:` section as OpenMetrics text with explicit timestamps (for
    // LocalPrometheus / promtool), generated on the calling thread; empty when it has none.
    // The demo's covers the three hours before it loaded.
    bool hasMetrics() const;
    // The instant the scenario's relative times count back from (its load time by default).
    QDateTime referenceTime() const;
    QByteArray metricsOpenMetrics() const;
    int appCount(const QString& instance) const;

    // Test and demo hooks:
    void revokeTokens(
        const QString& instance); // current token becomes invalid (401), a new one is issued
    void dropStreams();           // close every open watch stream now
    Status setAppHealth(const QString& instance, const QString& app, const QString& health,
                        const QString& message = {});              // emits MODIFIED
    Status deleteApp(const QString& instance, const QString& app); // emits DELETED
    // The demo's Git repositories are real: applications whose source is `repoURL` get the real
    // commit ids in their history and status, matched on the revision message (each entry of
    // `commitsByMessage` maps a commit's summary to its sha). Returns how many were renamed.
    int relinkRevisions(const QString& repoURL, const QHash<QString, QString>& commitsByMessage);
    void setTimeScale(double scale);     // speeds up operations (tests use e.g. 0.01)
    void setKeepAliveIntervalMs(int ms); // SSE keep-alive comment interval (default 15000)
    void setFaultSeed(quint32 seed);     // reseed the fault RNGs

Q_SIGNALS:
    void requestServed(const QString& instance, const QString& method, const QString& path,
                       int status);

private:
    std::unique_ptr<SimulatorPrivate> d;
};

} // namespace sextant::sim
