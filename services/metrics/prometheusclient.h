#pragma once

#include "httptransport.h"

#include <QDateTime>
#include <QMap>
#include <QObject>
#include <QStringList>
#include <QVector>

#include <functional>

namespace sextant::metrics {

// One sample: Prometheus sends [unix seconds, "value"]; values are strings because JSON has no
// NaN or infinities ("NaN", "+Inf", "-Inf" are parsed into the doubles they name).
struct Sample {
    double time = 0; // seconds since the epoch, millisecond resolution
    double value = 0;
};

struct Series {
    QMap<QString, QString> labels;
    QVector<Sample> samples;
    // {a="1", b="2"} — for messages.
    QString labelText() const;
};

// What /api/v1/query and /api/v1/query_range answer.
struct QueryResult {
    enum class Type { Vector, Matrix, Scalar, String };
    Type type = Type::Vector;
    QVector<Series> series; // vector: one sample per series; matrix: many
    Sample scalar;          // scalar (and the time of a string)
    QString text;           // string
    QStringList warnings;   // the server's "warnings" and "infos"
    // Native-histogram samples have no float value; they are left out and counted here.
    int skippedHistogramSamples = 0;
};

// A Prometheus HTTP API client (also the OpenShift Thanos Querier route). Async over its own
// QNetworkAccessManager; callbacks on the client's thread.
//
// OpenShift: the route `thanos-querier` in `openshift-monitoring` (port 9091 `web`) needs a
// bearer token of someone with cluster-monitoring-view. The tenancy port 9092 (`tenancy`,
// kube-rbac-proxy + prom-label-proxy) accepts namespace-level rights instead and needs a
// `namespace=<ns>` parameter on every query; setTenancyNamespace() adds it, and
// prom-label-proxy then forces that namespace into every selector of the query.
class PrometheusClient : public QObject {
    Q_OBJECT
public:
    template <typename T>
    using Callback = std::function<void(Result<T>)>;

    // The server refuses a range when (end − start) / step exceeds this (web/api/v1/api.go:
    // "exceeded maximum resolution of 11,000 points per timeseries"), i.e. above 11,001 points.
    static constexpr qint64 kMaxResolution = 11000;
    // Queries longer than this go as a form POST instead of a URL.
    static constexpr int kMaxGetQueryBytes = 4000;

    explicit PrometheusClient(Endpoint endpoint, QObject* parent = nullptr);

    const Endpoint& endpoint() const { return m_transport->endpoint(); }
    const Error& configError() const { return m_transport->configError(); }
    void setToken(const QString& token) { m_transport->setToken(token); }
    void setRetryPolicy(const RetryPolicy& policy) { m_transport->setRetryPolicy(policy); }
    // Every query carries namespace=<ns> (Thanos Querier tenancy port); empty = none.
    void setTenancyNamespace(const QString& ns) { m_tenancyNamespace = ns; }
    const QString& tenancyNamespace() const { return m_tenancyNamespace; }

    // Instant query; an invalid `time` lets the server use its current time.
    void query(const QString& expr, const QDateTime& time, Callback<QueryResult> callback);
    // Range query over [start, end] (both inclusive) every stepMs milliseconds. Refused here,
    // without a request, when the server would refuse it (checkRange) — it is not split: a
    // canary window wants one resolution, so the message names the smallest step that fits.
    void queryRange(const QString& expr, const QDateTime& start, const QDateTime& end,
                    qint64 stepMs, Callback<QueryResult> callback);

    // The points per series a range yields: floor((end − start) / step) + 1.
    static qint64 pointsPerSeries(const QDateTime& start, const QDateTime& end, qint64 stepMs);
    // Invalid times, end before start, a step below 1 ms, or more than kMaxResolution steps.
    static Status checkRange(const QDateTime& start, const QDateTime& end, qint64 stepMs);
    // Parses a success or error envelope. An error envelope becomes the typed error.
    static Result<QueryResult> parseResponse(const QByteArray& body, const QString& who = {});
    // "NaN", "+Inf", "-Inf", "Inf" and decimal numbers; false for anything else.
    static bool parseValue(const QByteArray& text, double* out);
    // Unix seconds with millisecond precision, as the API accepts them.
    static QString timeParameter(const QDateTime& t);

private:
    void run(const QString& path, QList<QPair<QString, QString>> params,
             Callback<QueryResult> callback);

    HttpTransport* m_transport = nullptr;
    QString m_tenancyNamespace;
};

// Maps Prometheus's {"status":"error","errorType":..,"error":..} body onto `error`: the server's
// text in the short message, errorType in the details, and the kind by errorType (bad_data and
// execution -> BadRequest, timeout/canceled -> Timeout, unavailable/internal -> Server).
void refinePrometheusError(Error& error, const QByteArray& body);

} // namespace sextant::metrics
