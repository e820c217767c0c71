// Every field the simulator emits exists in Argo CD's swagger.json, and enum values match the
// real fixtures. Needs the shared reference data (SEXTANT_SHARED_DIR/argocd).

#include "sim/simulator.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QTest>
#include <QTimer>

#include <yaml-cpp/yaml.h>

using namespace sextant::sim;

class TestSimShapes : public QObject {
    Q_OBJECT

private:
    QJsonObject defs;
    QString sharedDir;
    Simulator* sim = nullptr;
    QNetworkAccessManager nam;
    QStringList problems;

    QByteArray get(int instance, const QString& path) {
        const auto ep = sim->endpoints().at(instance);
        QNetworkRequest req(QUrl(ep.url.toString() + path));
        req.setRawHeader("Authorization", "Bearer " + ep.token.toUtf8());
        QNetworkReply* reply = nam.get(req);
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(10000, &loop, &QEventLoop::quit);
        loop.exec();
        const QByteArray body = reply->readAll();
        reply->deleteLater();
        return body;
    }

    QJsonObject resolve(QJsonObject schema) const {
        while (schema.contains(QStringLiteral("$ref")))
            schema = defs.value(schema.value(QStringLiteral("$ref"))
                                    .toString()
                                    .section(QLatin1Char('/'), -1))
                         .toObject();
        return schema;
    }

    // Property schemas of a definition including allOf parts.
    QJsonObject properties(const QJsonObject& schema) const {
        const QJsonObject s = resolve(schema);
        QJsonObject props = s.value(QStringLiteral("properties")).toObject();
        for (const auto& part : s.value(QStringLiteral("allOf")).toArray()) {
            const QJsonObject more = properties(part.toObject());
            for (auto it = more.begin(); it != more.end(); ++it)
                props.insert(it.key(), it.value());
        }
        return props;
    }

    void check(const QJsonValue& value, const QJsonObject& schemaIn, const QString& where) {
        if (schemaIn.value(QStringLiteral("$ref")).toString().endsWith(QStringLiteral("/v1JSON")))
            return; // arbitrary JSON (list generator elements)
        const QJsonObject schema = resolve(schemaIn);
        if (value.isArray()) {
            for (const auto& v : value.toArray())
                check(v, schema.value(QStringLiteral("items")).toObject(),
                      where + QStringLiteral("[]"));
            return;
        }
        if (!value.isObject())
            return;
        const QJsonObject props = properties(schema);
        if (props.isEmpty())
            return; // free-form map (labels, annotations, raw extensions)
        // Real quirk (argocd-api.md §10): in a list projection this path carries the syncResult.
        if (where.endsWith(QStringLiteral("items[].status.operationState.operation.sync")))
            return;
        const QJsonObject obj = value.toObject();
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            if (!props.contains(it.key())) {
                problems << where + QLatin1Char('.') + it.key();
                continue;
            }
            check(it.value(), props.value(it.key()).toObject(),
                  where + QLatin1Char('.') + it.key());
        }
    }

    void checkAs(const QByteArray& body, const QString& def) {
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
        QVERIFY2(err.error == QJsonParseError::NoError,
                 qPrintable(def + QStringLiteral(": ") + err.errorString()));
        QVERIFY2(defs.contains(def), qPrintable(def));
        check(doc.object(),
              QJsonObject{{QStringLiteral("$ref"), QStringLiteral("#/definitions/") + def}}, def);
    }

private Q_SLOTS:
    void initTestCase() {
        sharedDir = QString::fromUtf8(SEXTANT_SHARED_DIR) + QStringLiteral("/argocd");
        if (!QFile::exists(sharedDir + QStringLiteral("/swagger.json")))
            QSKIP("shared Argo CD reference data not available");
        QFile f(sharedDir + QStringLiteral("/swagger.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        defs = QJsonDocument::fromJson(f.readAll())
                   .object()
                   .value(QStringLiteral("definitions"))
                   .toObject();
        QVERIFY(!defs.isEmpty());
        sim = new Simulator(this);
        QVERIFY(sim->loadDemo().ok());
        QVERIFY(sim->listen().ok());
    }

    void fieldsExistInSwagger() {
        for (const char* app :
             {"payments-api", "shop-cart", "search-api", "shop-checkout", "billing-api"})
            checkAs(get(0, QStringLiteral("/api/v1/applications/") + QLatin1String(app)),
                    QStringLiteral("v1alpha1Application"));
        checkAs(get(1, QStringLiteral("/api/v1/applications/orders-api")),
                QStringLiteral("v1alpha1Application"));
        checkAs(get(0, QStringLiteral("/api/v1/applications")),
                QStringLiteral("v1alpha1ApplicationList"));
        checkAs(get(0, QStringLiteral("/api/v1/"
                                      "applications?fields=items.metadata.name,items.spec,items."
                                      "status.summary,items.status.operationState.operation.sync,"
                                      "items.operation.sync,items.status.resources")),
                QStringLiteral("v1alpha1ApplicationList"));
        for (const char* app : {"payments-api", "shop-checkout"})
            checkAs(get(0, QStringLiteral("/api/v1/applications/") + QLatin1String(app) +
                               QStringLiteral("/resource-tree")),
                    QStringLiteral("v1alpha1ApplicationTree"));
        checkAs(get(1, QStringLiteral("/api/v1/applications/orders-api/resource-tree")),
                QStringLiteral("v1alpha1ApplicationTree"));
        checkAs(get(0, QStringLiteral("/api/v1/clusters")), QStringLiteral("v1alpha1ClusterList"));
        checkAs(get(0, QStringLiteral("/api/v1/projects")),
                QStringLiteral("v1alpha1AppProjectList"));
        checkAs(get(0, QStringLiteral("/api/v1/projects/billing-prod")),
                QStringLiteral("v1alpha1AppProject"));
        checkAs(get(0, QStringLiteral("/api/v1/applicationsets")),
                QStringLiteral("v1alpha1ApplicationSetList"));
        checkAs(get(0, QStringLiteral("/api/v1/applications/payments-api/events")),
                QStringLiteral("eventsEventList"));
        checkAs(get(0, QStringLiteral("/api/v1/applications/shop-checkout/"
                                      "events?resourceUID=x&resourceNamespace=shop&resourceName="
                                      "checkout-5c7f9d8b6d-h2kqz")),
                QStringLiteral("eventsEventList"));
        checkAs(get(1, QStringLiteral("/api/v1/applications/inventory-api/managed-resources")),
                QStringLiteral("applicationManagedResourcesResponse"));
        // Live objects (GET .../resource): the wrapper is checked here; the Pod inside is a
        // Kubernetes object, not part of Argo CD's swagger.
        for (const char* query :
             {"namespace=payments&resourceName=payments-api-6f7d8c9b5-q7x2m&version=v1&group=&"
              "kind=Pod",
              "namespace=payments&resourceName=payments-api&version=v1&group=apps&kind="
              "Deployment"}) {
            const QByteArray body = get(0, QStringLiteral("/api/v1/applications/payments-api/"
                                                          "resource?") +
                                               QLatin1String(query));
            checkAs(body, QStringLiteral("applicationApplicationResourceResponse"));
            const QJsonObject live = QJsonDocument::fromJson(QJsonDocument::fromJson(body)
                                                                 .object()
                                                                 .value(QStringLiteral("manifest"))
                                                                 .toString()
                                                                 .toUtf8())
                                         .object();
            QVERIFY2(
                live.value(QStringLiteral("metadata")).toObject().contains(QStringLiteral("uid")),
                query);
        }
        checkAs(get(0, QStringLiteral("/api/v1/applications/payments-api/syncwindows")),
                QStringLiteral("applicationApplicationSyncWindowsResponse"));
        checkAs(get(0, QStringLiteral("/api/v1/settings")), QStringLiteral("clusterSettings"));
        checkAs(get(0, QStringLiteral("/api/v1/session/userinfo")),
                QStringLiteral("sessionGetUserInfoResponse"));
        checkAs(get(0, QStringLiteral("/api/version")), QStringLiteral("versionVersionMessage"));
        const QByteArray logs = get(
            0, QStringLiteral(
                   "/api/v1/applications/payments-api/logs?podName=payments-api-6f7d8c9b5-q7x2m"));
        for (const QByteArray& line : logs.trimmed().split('\n'))
            checkAs(QJsonDocument(QJsonDocument::fromJson(line)
                                      .object()
                                      .value(QStringLiteral("result"))
                                      .toObject())
                        .toJson(),
                    QStringLiteral("applicationLogEntry"));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QStringLiteral("\n"))));
    }

    void enumValuesMatchFixtures() {
        // Values the real objects use for each enum-like key.
        QMap<QString, QSet<QString>> seen;
        std::function<void(const YAML::Node&, const QString&)> walk = [&](const YAML::Node& n,
                                                                          const QString& parent) {
            if (n.IsMap()) {
                for (const auto& kv : n) {
                    const QString key = QString::fromStdString(kv.first.as<std::string>());
                    if (kv.second.IsScalar())
                        seen[parent + QLatin1Char('.') + key].insert(
                            QString::fromStdString(kv.second.as<std::string>()));
                    walk(kv.second, key);
                }
            } else if (n.IsSequence()) {
                for (const auto& i : n)
                    walk(i, parent);
            }
        };
        for (const QString& file :
             QDir(sharedDir + QStringLiteral("/fixtures")).entryList({QStringLiteral("*.yaml")})) {
            try {
                for (const auto& doc : YAML::LoadAllFromFile(
                         (sharedDir + QStringLiteral("/fixtures/") + file).toStdString()))
                    walk(doc, QString());
            } catch (const YAML::Exception&) {
            }
        }
        const QSet<QString> health{QStringLiteral("Healthy"),  QStringLiteral("Progressing"),
                                   QStringLiteral("Degraded"), QStringLiteral("Suspended"),
                                   QStringLiteral("Missing"),  QStringLiteral("Unknown")};
        const QSet<QString> phases{QStringLiteral("Running"), QStringLiteral("Terminating"),
                                   QStringLiteral("Failed"), QStringLiteral("Error"),
                                   QStringLiteral("Succeeded")};
        // Fixture values are a subset of the canonical sets the simulator uses.
        QVERIFY(!seen.value(QStringLiteral("health.status")).isEmpty());
        QVERIFY2(health.contains(seen.value(QStringLiteral("health.status"))),
                 "fixture health values");
        QVERIFY(phases.contains(seen.value(QStringLiteral("operationState.phase"))));

        // Every value the simulator emits is one of the real values.
        QSet<QString> simHealth, simSync, simPhase, simResultStatus, simHookPhase, simSyncPhase;
        for (int i = 0; i < 3; ++i) {
            const QJsonArray items =
                QJsonDocument::fromJson(get(i, QStringLiteral("/api/v1/applications")))
                    .object()
                    .value(QStringLiteral("items"))
                    .toArray();
            for (const auto& v : items) {
                const QJsonObject st = v.toObject().value(QStringLiteral("status")).toObject();
                simHealth.insert(st.value(QStringLiteral("health"))
                                     .toObject()
                                     .value(QStringLiteral("status"))
                                     .toString());
                simSync.insert(st.value(QStringLiteral("sync"))
                                   .toObject()
                                   .value(QStringLiteral("status"))
                                   .toString());
                const QJsonObject op = st.value(QStringLiteral("operationState")).toObject();
                if (!op.isEmpty())
                    simPhase.insert(op.value(QStringLiteral("phase")).toString());
                for (const auto& r : op.value(QStringLiteral("syncResult"))
                                         .toObject()
                                         .value(QStringLiteral("resources"))
                                         .toArray()) {
                    const QJsonObject rr = r.toObject();
                    if (rr.contains(QStringLiteral("status")))
                        simResultStatus.insert(rr.value(QStringLiteral("status")).toString());
                    simHookPhase.insert(rr.value(QStringLiteral("hookPhase")).toString());
                    simSyncPhase.insert(rr.value(QStringLiteral("syncPhase")).toString());
                }
            }
        }
        QVERIFY2(health.contains(simHealth),
                 qPrintable(QStringList(simHealth.values()).join(QLatin1Char(','))));
        QVERIFY(QSet<QString>({QStringLiteral("Synced"), QStringLiteral("OutOfSync"),
                               QStringLiteral("Unknown")})
                    .contains(simSync));
        QVERIFY(phases.contains(simPhase));
        QVERIFY(QSet<QString>({QStringLiteral("Synced"), QStringLiteral("SyncFailed"),
                               QStringLiteral("Pruned"), QStringLiteral("PruneSkipped")})
                    .contains(simResultStatus));
        QVERIFY(phases.contains(simHookPhase));
        QVERIFY(QSet<QString>({QStringLiteral("PreSync"), QStringLiteral("Sync"),
                               QStringLiteral("PostSync"), QStringLiteral("SyncFail")})
                    .contains(simSyncPhase));
        // Fixture values seen for these keys are all accepted by the simulator's sets too.
        for (const QString& v : seen.value(QStringLiteral("sync.status")))
            QVERIFY2(QSet<QString>({QStringLiteral("Synced"), QStringLiteral("OutOfSync"),
                                    QStringLiteral("Unknown")})
                         .contains(v),
                     qPrintable(v));
        for (const QString& v : seen.value(QStringLiteral("resources.hookPhase")))
            QVERIFY2(phases.contains(v), qPrintable(v));
    }
};

QTEST_GUILESS_MAIN(TestSimShapes)
#include "tst_simshapes.moc"
