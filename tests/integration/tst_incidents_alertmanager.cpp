// Incident correlation end to end over loopback: the demo alerts (services/incident/demoalerts.h)
// are posted to a real Alertmanager (tests/support/prometheusfixture.h), read back with
// metrics::AlertmanagerClient, and mapped to the applications the simulator's demo fleet serves
// (argocd::Client listApplications on every instance, then resource trees of the candidates).
// The checkout alerts land on shop-checkout, the crash loop on payments-api, node and CoreDNS
// alerts stay unmapped with the reason; the timeline built from shop-checkout's history and
// revision metadata names the image bump as the suspect.

#include "argocd/client.h"
#include "fleet/healthtimeline.h"
#include "incident/alertmatch.h"
#include "incident/demoalerts.h"
#include "incident/incidenttimeline.h"
#include "metrics/alertmanagerclient.h"
#include "sim/simulator.h"

#include "prometheusfixture.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>

#include <memory>
#include <optional>

using namespace sextant;
using namespace sextant::incident;
using namespace sextant::test;

namespace {

template <typename T, typename Start>
Result<T> waitFor(Start start) {
    std::optional<Result<T>> out;
    QEventLoop loop;
    start([&](Result<T> r) {
        out.emplace(std::move(r));
        loop.quit();
    });
    if (!out)
        loop.exec();
    return std::move(*out);
}

const AlertMapping* byName(const QVector<AlertMapping>& all, const QString& name) {
    for (const AlertMapping& m : all)
        if (m.alert.name() == name)
            return &m;
    return nullptr;
}

QString dump(const AlertMapping* m) {
    if (!m)
        return QStringLiteral("<missing>");
    QStringList out{m->alert.name() + QStringLiteral(": ") + m->unmappedReason};
    for (const AppMatch& x : m->matches)
        out << QStringLiteral("  %1 %2: %3").arg(x.appKey).arg(x.score).arg(x.reasons.join("; "));
    return out.join('\n');
}

} // namespace

class TestIncidentsAlertmanager : public QObject {
    Q_OBJECT

    std::unique_ptr<sim::Simulator> m_sim;
    std::map<QString, std::unique_ptr<argocd::Client>> m_clients;
    QVector<argocd::AppSummary> m_fleet;
    QVector<metrics::Alert> m_alerts;
    AlertmanagerFixture m_am;

private Q_SLOTS:
    void initTestCase() {
        if (!AlertmanagerFixture::installed())
            QSKIP("prometheus-alertmanager is not installed (scripts/setup-debian.sh installs it)");
        QString error;
        QVERIFY2(m_am.start(&error), qPrintable(error));

        m_sim = std::make_unique<sim::Simulator>();
        const Status s = m_sim->loadDemo();
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        QVERIFY(m_sim->listen().ok());
        for (const sim::InstanceEndpoint& e : m_sim->endpoints()) {
            argocd::InstanceConfig cfg;
            cfg.id = e.name;
            cfg.name = e.name;
            cfg.baseUrl = e.url;
            auto client = std::make_unique<argocd::Client>(cfg);
            client->setToken(e.token);
            const auto list = waitFor<argocd::AppList>(
                [&](auto cb) { client->listApplications(argocd::ListQuery{}, cb); });
            QVERIFY2(list.ok(), qPrintable(list.ok() ? QString() : list.error().toString()));
            for (argocd::AppSummary a : list->apps) {
                a.instance = e.name;
                m_fleet.push_back(a);
            }
            m_clients[e.name] = std::move(client);
        }
        QVERIFY(m_fleet.size() > 1000);
    }

    void postsAndReadsTheDemoAlerts() {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const nlohmann::json body = demoAlertsPostBody(now);
        QNetworkAccessManager nam;
        QNetworkRequest req(m_am.url().resolved(QUrl(QStringLiteral("/api/v2/alerts"))));
        req.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        QNetworkReply* reply = nam.post(req, QByteArray::fromStdString(body.dump()));
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        QVERIFY2(reply->error() == QNetworkReply::NoError,
                 qPrintable(reply->errorString() + reply->readAll()));
        reply->deleteLater();

        metrics::Endpoint e;
        e.baseUrl = m_am.url();
        e.name = QStringLiteral("demo-alertmanager");
        metrics::AlertmanagerClient client(e);
        const QVector<metrics::Alert> expected = demoAlerts(now);
        for (int i = 0; i < 100; ++i) {
            const auto r = waitFor<QVector<metrics::Alert>>(
                [&](auto cb) { client.alerts(metrics::AlertQuery{}, cb); });
            QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
            m_alerts = *r;
            const bool settled = std::all_of(m_alerts.begin(), m_alerts.end(), [](const auto& a) {
                return a.state == QLatin1String("active");
            });
            if (m_alerts.size() == expected.size() && settled)
                break;
            QTest::qWait(100);
        }
        QCOMPARE(m_alerts.size(), expected.size());
        // Our fingerprint is the server's: demo data and live data agree on identity.
        for (const metrics::Alert& want : expected) {
            const auto got = std::find_if(m_alerts.begin(), m_alerts.end(), [&](const auto& a) {
                return a.fingerprint == want.fingerprint;
            });
            QVERIFY2(got != m_alerts.end(), qPrintable(want.name() + " " + want.fingerprint));
            QCOMPARE(got->labels, want.labels);
            QCOMPARE(got->startsAt.toSecsSinceEpoch(), want.startsAt.toSecsSinceEpoch());
        }
    }

    void mapsToTheDemoFleet() {
        if (m_alerts.isEmpty())
            QSKIP("no alerts were read");
        QElapsedTimer timer;
        timer.start();
        QVector<AlertMapping> mapped = mapAlerts(m_alerts, m_fleet);
        qInfo("mapped %d alerts over %d applications in %lld ms", int(m_alerts.size()),
              int(m_fleet.size()), timer.elapsed());
        const AlertMapping* replicas = byName(mapped, "KubeDeploymentReplicasMismatch");
        QVERIFY2(replicas && replicas->matches.size() == 1 &&
                     replicas->matches[0].appKey == "prod-eu/argocd/shop-checkout",
                 qPrintable(dump(replicas)));
        QVERIFY(replicas->matches[0].reasons.contains(
            "cluster prod-eu-shop is the destination cluster"));
        const AlertMapping* crash = byName(mapped, "KubePodCrashLooping");
        QVERIFY2(crash && !crash->matches.isEmpty() &&
                     crash->matches[0].appKey == "prod-eu/argocd/payments-api",
                 qPrintable(dump(crash)));
        const AlertMapping* dns = byName(mapped, "CoreDNSErrorsHigh");
        QVERIFY2(dns && !dns->mapped(), qPrintable(dump(dns)));
        QCOMPARE(
            dns->unmappedReason,
            QString("no application matches: namespace kube-system has no Argo CD application"));
        const AlertMapping* node = byName(mapped, "NodeFilesystemSpaceFillingUp");
        QVERIFY2(node && !node->mapped(), qPrintable(dump(node)));
        QVERIFY(node->unmappedReason.contains("names no namespace, workload or application"));
        // The release demo's storefront canary: mapped when the scenario has it, else why not.
        const AlertMapping* storefront = byName(mapped, "HighErrorRate");
        QVERIFY(storefront);
        const bool haveStorefront = std::any_of(m_fleet.begin(), m_fleet.end(), [](const auto& a) {
            return a.destNamespace == QLatin1String("storefront");
        });
        if (haveStorefront)
            QVERIFY2(storefront->mapped(), qPrintable(dump(storefront)));
        else
            QVERIFY2(storefront->unmappedReason.contains("namespace storefront has no Argo CD "
                                                         "application"),
                     qPrintable(dump(storefront)));

        // With the resource trees of the shop applications, the pod alerts map through their
        // owners, and shop-web's pod is told apart from checkout's.
        QHash<QString, AppResources> resources;
        for (const argocd::AppSummary& a : m_fleet) {
            if (a.destNamespace != QLatin1String("shop") || a.cluster() != "prod-eu-shop")
                continue;
            const auto tree = waitFor<nlohmann::json>(
                [&](auto cb) { m_clients[a.instance]->resourceTree(a.name, a.appNamespace, cb); });
            QVERIFY2(tree.ok(), qPrintable(tree.ok() ? QString() : tree.error().toString()));
            resources.insert(a.key(), AppResources::fromResourceTree(*tree));
        }
        QVERIFY(resources.size() >= 3);
        mapped = mapAlerts(m_alerts, m_fleet, resources);
        const AlertMapping* notReady = byName(mapped, "KubePodNotReady");
        QVERIFY2(notReady && notReady->matches.size() == 1 &&
                     notReady->matches[0].appKey == "prod-eu/argocd/shop-checkout",
                 qPrintable(dump(notReady)));
        QVERIFY2(notReady->matches[0].topReason().contains("is one of the application's resources"),
                 qPrintable(dump(notReady)));
        const AlertMapping* waiting = byName(mapped, "KubeContainerWaiting");
        QVERIFY2(waiting && waiting->matches.size() == 1 &&
                     waiting->matches[0].appKey == "prod-eu/argocd/shop-web",
                 qPrintable(dump(waiting)));
    }

    void timelineNamesTheImageBump() {
        if (m_alerts.isEmpty())
            QSKIP("no alerts were read");
        argocd::Client& client = *m_clients["prod-eu"];
        const auto app = waitFor<nlohmann::json>(
            [&](auto cb) { client.getApplication("shop-checkout", "argocd", cb); });
        QVERIFY(app.ok());
        TimelineInput in;
        in.appKey = "prod-eu/argocd/shop-checkout";
        in.appName = "shop-checkout";
        in.deploys = fleet::DeployEntry::fromApplication(*app);
        QVERIFY(in.deploys.size() >= 3);
        for (const fleet::DeployEntry& d : in.deploys) {
            const auto meta = waitFor<nlohmann::json>([&](auto cb) {
                client.revisionMetadata("shop-checkout", "argocd", d.revision, cb);
            });
            QVERIFY2(meta.ok(), qPrintable(meta.ok() ? QString() : meta.error().toString()));
            in.changes << GitChange::fromRevisionMetadata(d.revision, *meta);
        }
        for (const metrics::Alert& a : m_alerts)
            if (a.labels.value("namespace") == "shop" &&
                a.labels.value("pod").startsWith("checkout"))
                in.alerts << a;
        QCOMPARE(in.alerts.size(), 1);
        const IncidentTimeline t = buildTimeline(in, in.alerts[0].fingerprint);
        QVERIFY(!t.suspects.isEmpty());
        // History entry 19 was deployed 40 min before the scenario loaded; the alert started
        // 35 min before it was posted: the bump is the closest change, about 5 min before.
        const Suspect& top = t.suspects.first();
        QCOMPARE(top.revision, QString("c4b8a2f6e0d4c8b2a6f0e4d8c2b6a0f4e8d2c6b1"));
        QVERIFY2(top.reason.startsWith("sync of c4b8a2f by Ben Okafor 'Bump checkout image to "
                                       "v2.41.0' finished"),
                 qPrintable(top.reason));
        QVERIFY2(top.reason.endsWith("before KubePodNotReady fired"), qPrintable(top.reason));
        QVERIFY(top.secondsBefore > 0 && top.secondsBefore < 30 * 60);
    }
};

QTEST_GUILESS_MAIN(TestIncidentsAlertmanager)
#include "tst_incidents_alertmanager.moc"
