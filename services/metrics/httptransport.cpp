#include "httptransport.h"
#include "core/tls.h"

#include "argocd/httperror.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QTimer>

namespace sextant::metrics {

QString Endpoint::displayName() const {
    return !name.isEmpty() ? name : baseUrl.host();
}

Status Endpoint::validate() const {
    if (!baseUrl.isValid() || baseUrl.host().isEmpty() ||
        (baseUrl.scheme() != QLatin1String("http") && baseUrl.scheme() != QLatin1String("https")))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("'%1' is not an http(s) URL of a metrics server")
                               .arg(baseUrl.toDisplayString()));
    if (!baseUrl.userInfo().isEmpty())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("the metrics URL must not carry a user name or password "
                                          "— pass a bearer token instead"));
    if (requestTimeoutMs <= 0)
        return Error::make(Error::Kind::Config, QStringLiteral("the request timeout must be "
                                                               "positive"));
    return okStatus();
}

QUrl Endpoint::endpoint(const QString& path) const {
    QUrl url = baseUrl;
    QString base = url.path();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    url.setPath(base + path);
    url.setQuery(QString());
    url.setFragment(QString());
    return url;
}

QByteArray formEncode(const QList<QPair<QString, QString>>& items) {
    QByteArray out;
    for (const auto& [key, value] : items) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(key) + '=' + QUrl::toPercentEncoding(value);
    }
    return out;
}

struct HttpTransport::Call {
    QByteArray method;
    QUrl url;
    QByteArray body;
    QByteArray contentType;
    bool idempotent = true;
    int attempt = 0;
    QList<QSslError> sslErrors;
    RawCallback done;
};

HttpTransport::HttpTransport(Endpoint endpoint, QString serviceName, QObject* parent)
    : QObject(parent)
    , m_endpoint(std::move(endpoint))
    , m_service(std::move(serviceName))
    , m_nam(new QNetworkAccessManager(this)) {
    if (const Status s = m_endpoint.validate(); !s)
        m_configError = s.error();
    auto tls = clientTlsConfiguration(m_endpoint.displayName(),
                                      m_configError.isError() ? QString() : m_endpoint.caFile,
                                      m_endpoint.insecure);
    if (tls)
        m_ssl = tls.value();
    else
        m_configError = tls.error();
    // A redirect to another origin would carry the token elsewhere: same origin only.
    m_nam->setRedirectPolicy(QNetworkRequest::SameOriginRedirectPolicy);
}

HttpTransport::~HttpTransport() {
    const auto replies = m_inFlight.keys();
    m_inFlight.clear();
    for (QNetworkReply* reply : replies) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void HttpTransport::setToken(const QString& token) {
    QString clean = token.trimmed();
    if (clean.contains(QLatin1Char('\n')) || clean.contains(QLatin1Char('\r')))
        clean.clear();
    m_token = clean;
}

void HttpTransport::get(const QUrl& url, RawCallback done) {
    auto call = std::make_shared<Call>();
    call->method = "GET";
    call->url = url;
    call->done = std::move(done);
    send(std::move(call));
}

void HttpTransport::postForm(const QUrl& url, const QByteArray& form, bool idempotent,
                             RawCallback done) {
    auto call = std::make_shared<Call>();
    call->method = "POST";
    call->url = url;
    call->body = form;
    call->contentType = "application/x-www-form-urlencoded";
    call->idempotent = idempotent;
    call->done = std::move(done);
    send(std::move(call));
}

int HttpTransport::retryDelayMs(int attempt) const {
    const qint64 base = qint64(m_retry.baseDelayMs) << std::min(attempt - 1, 16);
    const qint64 capped = std::min<qint64>(base, m_retry.maxDelayMs);
    const double jitter = 0.5 + QRandomGenerator::global()->generateDouble();
    return int(std::max<qint64>(1, qint64(double(capped) * jitter)));
}

void HttpTransport::send(std::shared_ptr<Call> call) {
    if (m_configError.isError()) {
        QMetaObject::invokeMethod(
            this, [call, e = m_configError] { call->done(e); }, Qt::QueuedConnection);
        return;
    }
    QNetworkRequest request(call->url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::SameOriginRedirectPolicy);
    request.setTransferTimeout(m_endpoint.requestTimeoutMs);
    request.setRawHeader("Accept", "application/json");
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QStringLiteral("sextant/%1").arg(QStringLiteral(SEXTANT_VERSION)));
    if (call->url.scheme() == QLatin1String("https"))
        request.setSslConfiguration(m_ssl);
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    if (!call->contentType.isEmpty())
        request.setRawHeader("Content-Type", call->contentType);
    QNetworkReply* reply = call->method == "GET"
                               ? m_nam->get(request)
                               : m_nam->sendCustomRequest(request, call->method, call->body);
    m_inFlight.insert(reply, call);
    call->sslErrors.clear();
    connect(reply, &QNetworkReply::sslErrors, this,
            [call](const QList<QSslError>& errors) { call->sslErrors = errors; });
    connect(reply, &QNetworkReply::finished, this, [this, call, reply] { finish(call, reply); });
}

void HttpTransport::finish(const std::shared_ptr<Call>& call, QNetworkReply* reply) {
    m_inFlight.remove(reply);
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
    if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300) {
        call->done(std::move(body));
        return;
    }

    argocd::HttpFailure f;
    f.instanceName = m_endpoint.displayName();
    f.method = QString::fromLatin1(call->method);
    f.url = call->url;
    f.httpStatus = status;
    f.networkError = reply->error();
    f.networkErrorString = reply->errorString();
    f.body = body;
    f.sslErrors = call->sslErrors;
    // Qt reports its own transfer timeout as a cancelled operation; we never cancel a request
    // we still wait for, so a cancellation here is the timeout.
    f.timedOut = reply->error() == QNetworkReply::OperationCanceledError ||
                 reply->error() == QNetworkReply::TimeoutError;
    f.timeoutMs = m_endpoint.requestTimeoutMs;
    Error error = argocd::errorFromHttpFailure(f);
    // The mapping speaks of Argo CD; here the server is Prometheus or Alertmanager.
    error.shortMessage.replace(QStringLiteral("Argo CD"), m_service);
    error.shortMessage.replace(QStringLiteral("log in again"),
                               QStringLiteral("pass a valid bearer token"));
    if (error.kind == Error::Kind::Forbidden && !error.shortMessage.contains(QStringLiteral("—")))
        error.shortMessage += QStringLiteral(
            " — the token lacks the rights to read metrics (OpenShift: cluster-monitoring-view "
            "for the whole cluster, or query the tenancy port with a namespace)");
    if (m_refiner)
        m_refiner(error, body);

    if (call->idempotent && error.isRetryable() && call->attempt < m_retry.maxRetries) {
        ++call->attempt;
        QTimer::singleShot(retryDelayMs(call->attempt), this, [this, call] { send(call); });
        return;
    }
    if (call->attempt > 0)
        error.details += QStringLiteral("\nattempts: %1").arg(call->attempt + 1);
    call->done(std::move(error));
}

} // namespace sextant::metrics
