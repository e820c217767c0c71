#pragma once

#include "metrics/alertmanagerclient.h"

#include <QDateTime>
#include <QVector>

#include <nlohmann/json.hpp>

namespace sextant::incident {

// Alerts for the demo fleet (resources/demo-scenario.yaml), as a kube-prometheus stack would
// raise them for its scripted failures: the checkout pod stuck in ImagePullBackOff, payments-api
// crash-looping, shop-web's missing ConfigMap key; a storefront error-rate alert on stage-eu-1
// (the release canary of the release demo); and two that map to no application (a node on
// prod-eu-shop, CoreDNS in kube-system). Start times are relative to `now` and line up with the
// scenario's deployment history, so the timeline shows the suspect syncs.
QVector<metrics::Alert> demoAlerts(const QDateTime& now = QDateTime::currentDateTimeUtc());

// The body of POST /api/v2/alerts for the same alerts (labels, annotations, startsAt, endsAt,
// generatorURL). endsAt is `activeFor` after now: Alertmanager resolves an alert at endsAt, so
// whoever posts them re-posts before then (Prometheus re-sends every evaluation).
nlohmann::json demoAlertsPostBody(const QDateTime& now = QDateTime::currentDateTimeUtc(),
                                  qint64 activeForSeconds = 4 * 3600);

// Alertmanager's fingerprint of a label set (FNV-1a 64 over the sorted names and values, each
// followed by 0xff), as 16 hex digits: the same value the server reports for the alert.
QString labelsFingerprint(const QMap<QString, QString>& labels);

} // namespace sextant::incident
