#include "prometheusclient.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

namespace sextant::metrics {

using json = nlohmann::json;

namespace {

// Bodies above this size are parsed on the thread pool.
constexpr qsizetype kInlineParseLimit = 64 * 1024;

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

Error protocolError(const QString& who, const QString& what) {
    return Error::make(Error::Kind::Protocol,
                       QStringLiteral("%1: the answer is not a Prometheus API response")
                           .arg(who.isEmpty() ? QStringLiteral("Prometheus") : who),
                       what);
}

bool parsePair(const json& pair, Sample* out) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() || !pair[1].is_string())
        return false;
    out->time = pair[0].get<double>();
    const std::string& v = pair[1].get_ref<const std::string&>();
    return PrometheusClient::parseValue(QByteArray(v.data(), qsizetype(v.size())), &out->value);
}

QMap<QString, QString> parseLabels(const json& metric) {
    QMap<QString, QString> labels;
    if (metric.is_object())
        for (auto it = metric.begin(); it != metric.end(); ++it)
            if (it->is_string())
                labels.insert(qs(it.key()), qs(it->get<std::string>()));
    return labels;
}

} // namespace

QString Series::labelText() const {
    QStringList parts;
    for (auto it = labels.begin(); it != labels.end(); ++it)
        parts << QStringLiteral("%1=\"%2\"").arg(it.key(), it.value());
    return QLatin1Char('{') + parts.join(QStringLiteral(", ")) + QLatin1Char('}');
}

PrometheusClient::PrometheusClient(Endpoint endpoint, QObject* parent)
    : QObject(parent)
    , m_transport(new HttpTransport(std::move(endpoint), QStringLiteral("Prometheus"), this)) {
    m_transport->setErrorRefiner(&refinePrometheusError);
}

bool PrometheusClient::parseValue(const QByteArray& text, double* out) {
    if (text == "NaN") {
        *out = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    if (text == "+Inf" || text == "Inf") {
        *out = std::numeric_limits<double>::infinity();
        return true;
    }
    if (text == "-Inf") {
        *out = -std::numeric_limits<double>::infinity();
        return true;
    }
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok)
        return false;
    *out = v;
    return true;
}

QString PrometheusClient::timeParameter(const QDateTime& t) {
    const qint64 ms = t.toMSecsSinceEpoch();
    // Integer arithmetic keeps "1717200000.500" exact.
    const qint64 secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    const qint64 frac = ms - secs * 1000;
    return QStringLiteral("%1.%2").arg(secs).arg(frac, 3, 10, QLatin1Char('0'));
}

qint64 PrometheusClient::pointsPerSeries(const QDateTime& start, const QDateTime& end,
                                         qint64 stepMs) {
    if (!start.isValid() || !end.isValid() || stepMs <= 0 || end < start)
        return 0;
    return (start.msecsTo(end)) / stepMs + 1;
}

Status PrometheusClient::checkRange(const QDateTime& start, const QDateTime& end, qint64 stepMs) {
    if (!start.isValid() || !end.isValid())
        return Error::make(Error::Kind::Config, QStringLiteral("the range needs a start and an "
                                                               "end time"));
    if (end < start)
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("the range ends (%1) before it starts (%2)")
                .arg(end.toUTC().toString(Qt::ISODate), start.toUTC().toString(Qt::ISODate)));
    if (stepMs <= 0)
        return Error::make(Error::Kind::Config, QStringLiteral("the step must be positive"));
    const qint64 spanMs = start.msecsTo(end);
    if (spanMs / stepMs > kMaxResolution) {
        // The smallest whole-second step that keeps the range within the limit.
        const qint64 minStepS = (spanMs + kMaxResolution * 1000 - 1) / (kMaxResolution * 1000);
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("the range would return %1 points per series; Prometheus answers at "
                           "most 11,001 (11,000 steps) — use a step of at least %2 s or a "
                           "shorter window")
                .arg(spanMs / stepMs + 1)
                .arg(std::max<qint64>(1, minStepS)),
            QStringLiteral("start %1, end %2, step %3 ms; the range is refused here, not split")
                .arg(start.toUTC().toString(Qt::ISODateWithMs),
                     end.toUTC().toString(Qt::ISODateWithMs))
                .arg(stepMs));
    }
    return okStatus();
}

void PrometheusClient::query(const QString& expr, const QDateTime& time,
                             Callback<QueryResult> callback) {
    QList<QPair<QString, QString>> params{{QStringLiteral("query"), expr}};
    if (time.isValid())
        params.append({QStringLiteral("time"), timeParameter(time)});
    run(QStringLiteral("/api/v1/query"), std::move(params), std::move(callback));
}

void PrometheusClient::queryRange(const QString& expr, const QDateTime& start, const QDateTime& end,
                                  qint64 stepMs, Callback<QueryResult> callback) {
    if (const Status s = checkRange(start, end, stepMs); !s) {
        Error e = s.error();
        e.shortMessage = QStringLiteral("%1: %2").arg(endpoint().displayName(), e.shortMessage);
        QMetaObject::invokeMethod(
            this, [callback, e] { callback(e); }, Qt::QueuedConnection);
        return;
    }
    const QString step = stepMs % 1000 == 0 ? QString::number(stepMs / 1000)
                                            : QString::number(double(stepMs) / 1000.0, 'f', 3);
    run(QStringLiteral("/api/v1/query_range"),
        {{QStringLiteral("query"), expr},
         {QStringLiteral("start"), timeParameter(start)},
         {QStringLiteral("end"), timeParameter(end)},
         {QStringLiteral("step"), step}},
        std::move(callback));
}

void PrometheusClient::run(const QString& path, QList<QPair<QString, QString>> params,
                           Callback<QueryResult> callback) {
    if (!m_tenancyNamespace.isEmpty())
        params.append({QStringLiteral("namespace"), m_tenancyNamespace});
    const QByteArray form = formEncode(params);
    QUrl url = m_transport->endpoint().endpoint(path);
    const QString who = endpoint().displayName();
    auto done = [this, who, callback](Result<QByteArray> body) {
        if (!body)
            return callback(body.error());
        if (body->size() <= kInlineParseLimit)
            return callback(parseResponse(*body, who));
        auto holder = std::make_shared<std::optional<Result<QueryResult>>>();
        auto* watcher = new QFutureWatcher<void>(this);
        connect(watcher, &QFutureWatcher<void>::finished, this, [watcher, holder, callback] {
            watcher->deleteLater();
            callback(std::move(**holder));
        });
        watcher->setFuture(QtConcurrent::run([holder, bytes = std::move(body).value(), who] {
            holder->emplace(parseResponse(bytes, who));
        }));
    };
    if (form.size() > kMaxGetQueryBytes) {
        // Both endpoints accept the same parameters as a form; a query is still idempotent.
        m_transport->postForm(url, form, true, std::move(done));
        return;
    }
    url.setQuery(QString::fromLatin1(form), QUrl::StrictMode);
    m_transport->get(url, std::move(done));
}

Result<QueryResult> PrometheusClient::parseResponse(const QByteArray& body, const QString& who) {
    json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return protocolError(who, QStringLiteral("the body is not a JSON object"));
    const std::string status = doc.value("status", std::string());
    if (status == "error") {
        Error e = Error::make(Error::Kind::BadRequest, QString());
        e.shortMessage = who;
        refinePrometheusError(e, body);
        return e;
    }
    if (status != "success")
        return protocolError(who, QStringLiteral("\"status\" is neither success nor error"));
    const auto dataIt = doc.find("data");
    if (dataIt == doc.end() || !dataIt->is_object())
        return protocolError(who, QStringLiteral("no \"data\" object"));
    const json& data = *dataIt;
    const std::string type = data.value("resultType", std::string());
    const auto resultIt = data.find("result");
    if (resultIt == data.end())
        return protocolError(who, QStringLiteral("no \"data.result\""));
    const json& result = *resultIt;

    QueryResult out;
    for (const char* key : {"warnings", "infos"})
        if (auto it = doc.find(key); it != doc.end() && it->is_array())
            for (const json& w : *it)
                if (w.is_string())
                    out.warnings << qs(w.get<std::string>());

    const auto badSample = [&](const QString& where) {
        return protocolError(who,
                             QStringLiteral("a sample in %1 is not [time, \"value\"]").arg(where));
    };
    if (type == "vector" || type == "matrix") {
        out.type = type == "vector" ? QueryResult::Type::Vector : QueryResult::Type::Matrix;
        if (!result.is_array())
            return protocolError(who, QStringLiteral("data.result is not a list"));
        out.series.reserve(qsizetype(result.size()));
        for (const json& item : result) {
            if (!item.is_object())
                return protocolError(who, QStringLiteral("a series is not an object"));
            Series s;
            s.labels = parseLabels(item.value("metric", json::object()));
            if (out.type == QueryResult::Type::Vector) {
                if (auto it = item.find("value"); it != item.end()) {
                    Sample sample;
                    if (!parsePair(*it, &sample))
                        return badSample(s.labelText());
                    s.samples.push_back(sample);
                } else if (item.contains("histogram")) {
                    ++out.skippedHistogramSamples;
                }
            } else {
                if (auto it = item.find("values"); it != item.end()) {
                    if (!it->is_array())
                        return badSample(s.labelText());
                    s.samples.reserve(qsizetype(it->size()));
                    for (const json& pair : *it) {
                        Sample sample;
                        if (!parsePair(pair, &sample))
                            return badSample(s.labelText());
                        s.samples.push_back(sample);
                    }
                }
                if (auto it = item.find("histograms"); it != item.end() && it->is_array())
                    out.skippedHistogramSamples += int(it->size());
            }
            out.series.push_back(std::move(s));
        }
        if (out.skippedHistogramSamples > 0)
            out.warnings << QStringLiteral("%1 native-histogram samples were left out; query them "
                                           "through histogram_quantile() or histogram_avg()")
                                .arg(out.skippedHistogramSamples);
        return out;
    }
    if (type == "scalar") {
        out.type = QueryResult::Type::Scalar;
        if (!parsePair(result, &out.scalar))
            return badSample(QStringLiteral("the scalar"));
        return out;
    }
    if (type == "string") {
        out.type = QueryResult::Type::String;
        if (!result.is_array() || result.size() != 2 || !result[0].is_number() ||
            !result[1].is_string())
            return badSample(QStringLiteral("the string result"));
        out.scalar.time = result[0].get<double>();
        out.scalar.value = std::numeric_limits<double>::quiet_NaN();
        out.text = qs(result[1].get<std::string>());
        return out;
    }
    return protocolError(who, QStringLiteral("unknown resultType '%1'").arg(qs(type)));
}

void refinePrometheusError(Error& error, const QByteArray& body) {
    const json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (!doc.is_object() || doc.value("status", std::string()) != "error")
        return;
    const QString type = qs(doc.value("errorType", std::string()));
    const QString text = qs(doc.value("error", std::string()));
    // The transport's message starts with the server's name; keep those first words.
    QString who = error.shortMessage.section(QLatin1Char(':'), 0, 0);
    if (who.isEmpty())
        who = QStringLiteral("Prometheus");
    if (type == QLatin1String("bad_data") || type == QLatin1String("execution")) {
        error.kind = Error::Kind::BadRequest;
        error.shortMessage = QStringLiteral("%1: Prometheus rejected the query: %2").arg(who, text);
    } else if (type == QLatin1String("timeout") || type == QLatin1String("canceled")) {
        error.kind = Error::Kind::Timeout;
        error.shortMessage =
            QStringLiteral("%1: the query took too long (%2): %3").arg(who, type, text);
    } else if (type == QLatin1String("unavailable") || type == QLatin1String("internal")) {
        error.kind = Error::Kind::Server;
        error.shortMessage = QStringLiteral("%1: Prometheus failed (%2): %3").arg(who, type, text);
    } else if (type == QLatin1String("not_found")) {
        error.kind = Error::Kind::NotFound;
        error.shortMessage = QStringLiteral("%1: not found: %2").arg(who, text);
    } else {
        error.shortMessage = QStringLiteral("%1: Prometheus error (%2): %3").arg(who, type, text);
    }
    if (!error.details.isEmpty())
        error.details += QLatin1Char('\n');
    error.details += QStringLiteral("errorType: %1\nerror: %2").arg(type, text);
}

} // namespace sextant::metrics
