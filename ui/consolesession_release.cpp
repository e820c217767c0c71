// ConsoleSession: releases (docs/release-review.md) — the ApplicationSets of every connected
// instance, the release review of one of them with canaries judged on the configured metrics
// source, and that source's settings (the token in the keychain only).

#include "consolesession.h"

#include "analysis/canaryjudge.h"
#include "argocd/client.h"
#include "metrics/prometheusclient.h"
#include "release/releasereview.h"
#include "secrets/credentialstore.h"

#include <QPointer>
#include <QSettings>

#include <memory>

namespace sextant::ui {

namespace {
constexpr auto kMetricsKey = "metrics/source";
}

metrics::MetricsSource ConsoleSession::metricsSource() const {
    return metrics::MetricsSource::fromVariantMap(
        QSettings().value(QLatin1String(kMetricsKey)).toMap());
}

QString ConsoleSession::metricsSourceDescription() const {
    const metrics::MetricsSource source = metricsSource();
    if (!source.configured() && demoPrometheusUrl().isValid())
        return tr("demo Prometheus %1 (backfilled demo metrics)")
            .arg(demoPrometheusUrl().toDisplayString());
    return source.description();
}

void ConsoleSession::saveMetricsSource(const metrics::MetricsSource& input, const QString& token,
                                       bool removeToken, std::function<void(Status)> done) {
    metrics::MetricsSource source = input;
    if (const Status s = source.validate(); !s) {
        done(s);
        return;
    }
    const QString key = secrets::CredentialStore::metricsTokenKey(source.id);
    auto store = [source, done](bool hasToken) mutable {
        source.hasToken = hasToken;
        QSettings().setValue(QLatin1String(kMetricsKey), source.toVariantMap());
        done(okStatus());
    };
    if (!token.isEmpty()) {
        m_secrets->write(key, token, [store, done](Status written) mutable {
            if (!written) {
                done(written); // nothing saved: the token would be missing
                return;
            }
            store(true);
        });
    } else if (removeToken) {
        m_secrets->remove(key, [store, done](Status removed) mutable {
            if (!removed) {
                done(removed);
                return;
            }
            store(false);
        });
    } else {
        store(metricsSource().hasToken && metricsSource().id == source.id);
    }
}

void ConsoleSession::withPrometheus(
    const metrics::MetricsSource& source, const QString& typedToken,
    std::function<void(Result<std::shared_ptr<metrics::PrometheusClient>>)> done) {
    metrics::Endpoint endpoint = source.prometheus;
    if (!source.configured()) {
        const QUrl demo = demoPrometheusUrl();
        if (!demo.isValid()) {
            done(std::shared_ptr<metrics::PrometheusClient>());
            return;
        }
        endpoint = metrics::Endpoint{};
        endpoint.baseUrl = demo;
        endpoint.name = tr("demo Prometheus");
    }
    auto make = [endpoint, ns = source.tenancyNamespace, done](const QString& token) {
        // The last reference may go inside the client's own reply handler: delete it later.
        auto client = std::shared_ptr<metrics::PrometheusClient>(
            new metrics::PrometheusClient(endpoint), [](QObject* o) { o->deleteLater(); });
        if (client->configError().isError()) {
            done(client->configError());
            return;
        }
        if (!token.isEmpty())
            client->setToken(token);
        client->setTenancyNamespace(ns);
        done(client);
    };
    if (!typedToken.isEmpty() || !source.configured() || !source.hasToken) {
        make(typedToken);
        return;
    }
    m_secrets->read(
        secrets::CredentialStore::metricsTokenKey(source.id), [make, done](Result<QString> token) {
            if (!token) {
                Error e = token.error();
                e.shortMessage = tr("The metrics token could not be read: %1").arg(e.shortMessage);
                done(e);
                return;
            }
            make(token.value());
        });
}

void ConsoleSession::testMetricsSource(const metrics::MetricsSource& source, const QString& token,
                                       std::function<void(Result<QString>)> done) {
    if (const Status s = source.validate(); !s) {
        done(s.error());
        return;
    }
    if (!source.configured()) {
        done(Error::make(Error::Kind::Config, tr("Enter the Prometheus URL first")));
        return;
    }
    QPointer<ConsoleSession> self(this);
    withPrometheus(
        source, token, [self, done](Result<std::shared_ptr<metrics::PrometheusClient>> client) {
            if (!self)
                return;
            if (!client) {
                done(client.error());
                return;
            }
            auto c = client.value();
            // Any answer to a trivial instant query proves the URL, TLS and token.
            c->query(QStringLiteral("vector(1)"), QDateTime(),
                     [c, done](Result<metrics::QueryResult> r) {
                         if (!r) {
                             done(r.error());
                             return;
                         }
                         done(
                             tr("%1 answers queries").arg(c->endpoint().baseUrl.toDisplayString()));
                     });
        });
}

void ConsoleSession::listApplicationSets(
    std::function<void(QVector<release::AppSetSummary>, QStringList)> done) {
    struct Pending {
        QVector<release::AppSetSummary> sets;
        QStringList errors;
        int left = 0;
        std::function<void(QVector<release::AppSetSummary>, QStringList)> done;
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    QVector<QPair<QString, argocd::Client*>> clients;
    for (const QString& id : m_order)
        if (argocd::Client* c = client(id))
            clients.append({id, c});
    pending->left = clients.size();
    if (clients.isEmpty()) {
        pending->done({}, {tr("No connected Argo CD instance")});
        return;
    }
    for (const auto& [id, c] : clients) {
        c->listApplicationSets({}, {}, [pending, id](Result<nlohmann::json> list) {
            if (!list) {
                pending->errors.append(tr("%1: ApplicationSets could not be listed: %2")
                                           .arg(id, list.error().shortMessage));
            } else {
                for (const auto& item : list.value().value("items", nlohmann::json::array()))
                    pending->sets.append(release::summariseAppSet(id, item));
            }
            if (--pending->left == 0)
                pending->done(pending->sets, pending->errors);
        });
    }
}

void ConsoleSession::reviewRelease(const QString& instanceId, const QString& name,
                                   const QString& appsetNamespace,
                                   std::function<void(Result<release::ReleaseReview>)> done) {
    argocd::Client* argocd = client(instanceId);
    if (!argocd) {
        done(Error::make(Error::Kind::Config, tr("Instance %1 is not connected").arg(instanceId)));
        return;
    }
    auto set = analysis::MetricSet::builtIn();
    if (!set) {
        done(set.error());
        return;
    }
    QPointer<ConsoleSession> self(this);
    QPointer<argocd::Client> argo(argocd);
    withPrometheus(
        metricsSource(), {},
        [self, argo, instanceId, name, appsetNamespace, metricSet = set.value(),
         done](Result<std::shared_ptr<metrics::PrometheusClient>> prometheus) {
            if (!self || !argo) {
                done(Error::make(Error::Kind::Config, tr("The instance was disconnected")));
                return;
            }
            std::shared_ptr<metrics::PrometheusClient> prom;
            QString metricsNote;
            if (prometheus)
                prom = prometheus.value();
            else
                metricsNote = prometheus.error().shortMessage; // reviewed without metrics
            release::runReleaseReview(
                *argo, prom.get(), name, appsetNamespace, metricSet, release::ReviewOptions{},
                [prom, metricsNote, instanceId, done](Result<release::ReleaseReview> review) {
                    if (review) {
                        review.value().matrix.instance = instanceId;
                        if (!metricsNote.isEmpty())
                            review.value().notes.prepend(metricsNote);
                    }
                    done(std::move(review)); // `prom` lives until the review is done
                });
        });
}

} // namespace sextant::ui
