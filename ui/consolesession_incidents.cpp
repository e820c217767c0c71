// ConsoleSession: incidents (docs/incidents.md) — alerts from the configured Alertmanager (or the
// demo's), and the timeline of an application around an alert: its syncs and health from the
// health timeline, its deployment history and the Git changes behind it.

#include "consolesession.h"

#include "argocd/client.h"
#include "fleet/fleetstore.h"
#include "fleet/healthtimeline.h"
#include "incident/incidenttimeline.h"
#include "metrics/alertmanagerclient.h"
#include "secrets/credentialstore.h"

#include <QPointer>

#include <memory>

namespace sextant::ui {

QString ConsoleSession::alertSourceDescription() const {
    const metrics::MetricsSource source = metricsSource();
    if (source.alertsConfigured())
        return tr("Alertmanager %1").arg(source.alertmanager.baseUrl.toDisplayString());
    if (demoAlertmanagerUrl().isValid())
        return tr("demo Alertmanager %1 (the demo's alerts)")
            .arg(demoAlertmanagerUrl().toDisplayString());
    return {};
}

void ConsoleSession::fetchAlerts(std::function<void(Result<QVector<metrics::Alert>>)> done) {
    const metrics::MetricsSource source = metricsSource();
    metrics::Endpoint endpoint = source.alertmanager;
    if (!source.alertsConfigured()) {
        if (!demoAlertmanagerUrl().isValid()) {
            done(Error::make(Error::Kind::Config, tr("No Alertmanager configured"),
                             tr("Tools → Metrics source… takes its URL.")));
            return;
        }
        endpoint = metrics::Endpoint{};
        endpoint.baseUrl = demoAlertmanagerUrl();
        endpoint.name = tr("demo Alertmanager");
    } else {
        endpoint.name = tr("Alertmanager");
    }
    auto query = [endpoint, done](const QString& token) {
        // The last reference may go inside the client's own reply handler: delete it later.
        auto client = std::shared_ptr<metrics::AlertmanagerClient>(
            new metrics::AlertmanagerClient(endpoint), [](QObject* o) { o->deleteLater(); });
        if (client->configError().isError()) {
            done(client->configError());
            return;
        }
        if (!token.isEmpty())
            client->setToken(token);
        client->alerts(metrics::AlertQuery{}, [client, done](Result<QVector<metrics::Alert>> r) {
            done(std::move(r)); // `client` lives until its answer
        });
    };
    if (!source.alertsConfigured() || !source.hasToken) {
        query({});
        return;
    }
    // OpenShift's alertmanager-main route takes the same token as the Thanos Querier.
    m_secrets->read(secrets::CredentialStore::metricsTokenKey(source.id),
                    [query, done](Result<QString> token) {
                        if (!token) {
                            done(token.error());
                            return;
                        }
                        query(token.value());
                    });
}

void ConsoleSession::incidentTimeline(const QString& appKey, const QVector<metrics::Alert>& alerts,
                                      const QString& fingerprint,
                                      std::function<void(incident::IncidentTimeline)> done) {
    const int row = m_store->indexOf(appKey);
    if (row < 0) {
        incident::IncidentTimeline empty;
        empty.appKey = appKey;
        empty.notes << tr("%1 is no longer in the fleet").arg(appKey);
        done(empty);
        return;
    }
    const argocd::AppSummary app = m_store->at(row);
    argocd::Client* c = client(app.instance);
    QPointer<ConsoleSession> self(this);
    // 3. Everything together, on the timeline's thread (pure, small).
    auto build = [self, appKey, app, alerts, fingerprint,
                  done](QVector<incident::GitChange> changes, QStringList notes) {
        if (!self)
            return;
        self->withHealthTimeline([self, appKey, app, alerts, fingerprint, done, changes,
                                  notes](fleet::HealthTimeline& t) {
            incident::TimelineInput in;
            in.appKey = appKey;
            in.appName = app.name;
            in.alerts = alerts;
            in.changes = changes;
            if (t.isOpen()) {
                in.syncs = t.syncs(appKey);
                in.health = t.healthTransitions(appKey);
                in.deploys = t.history(appKey);
            }
            incident::IncidentTimeline timeline = incident::buildTimeline(in, fingerprint);
            timeline.notes << notes;
            if (!t.isOpen())
                timeline.notes << tr("Health timeline unavailable: %1").arg(t.errorString());
            QMetaObject::invokeMethod(self, [self, done, timeline] {
                if (self)
                    done(timeline);
            });
        });
    };
    if (!c) {
        build({}, {tr("%1 is not connected: Git changes are not shown").arg(app.instance)});
        return;
    }
    // 1. The Application: its history (who deployed what) goes into the health timeline.
    c->getApplication(
        app.name, app.appNamespace, [self, appKey, app, build](Result<nlohmann::json> full) {
            if (!self)
                return;
            if (!full) {
                build({},
                      {tr("The application could not be read: %1").arg(full.error().shortMessage)});
                return;
            }
            const nlohmann::json application = full.value();
            self->withHealthTimeline([appKey, application](fleet::HealthTimeline& t) {
                if (t.isOpen())
                    t.recordApplication(appKey, application);
            });
            // 2. The Git change behind each recent deployment (the last five).
            QVector<fleet::DeployEntry> entries = fleet::DeployEntry::fromApplication(application);
            QStringList revisions;
            for (auto it = entries.crbegin(); it != entries.crend() && revisions.size() < 5; ++it)
                if (!it->revision.isEmpty() && !it->revision.contains(QLatin1Char(',')) &&
                    !revisions.contains(it->revision))
                    revisions << it->revision;
            argocd::Client* client = self->client(app.instance);
            if (revisions.isEmpty() || !client) {
                build({}, {});
                return;
            }
            struct Pending {
                QVector<incident::GitChange> changes;
                QStringList notes;
                int left = 0;
            };
            auto pending = std::make_shared<Pending>();
            pending->left = revisions.size();
            for (const QString& revision : std::as_const(revisions)) {
                client->revisionMetadata(
                    app.name, app.appNamespace, revision,
                    [pending, revision, build](Result<nlohmann::json> meta) {
                        if (meta)
                            pending->changes << incident::GitChange::fromRevisionMetadata(
                                revision, meta.value());
                        else
                            pending->notes << tr("No commit details for %1: %2")
                                                  .arg(revision.left(7), meta.error().shortMessage);
                        if (--pending->left == 0)
                            build(pending->changes, pending->notes);
                    });
            }
        });
}

} // namespace sextant::ui
