#include "client.h"
#include "core/tls.h"

#include "appparser.h"
#include "httperror.h"
#include "streamdecoder.h"

#include <QFile>
#include <QFutureWatcher>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <optional>

namespace sextant::argocd {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

// Bodies above this size are parsed on the thread pool even for small endpoints.
constexpr qsizetype kInlineParseLimit = 64 * 1024;

QByteArray toBytes(const ordered_json& body) {
    const std::string text = body.dump();
    return QByteArray(text.data(), qsizetype(text.size()));
}

std::string utf8(const QString& s) {
    return s.toStdString();
}

} // namespace

const QStringList Client::kUiListFields = {
    QStringLiteral("metadata.resourceVersion"),
    QStringLiteral("items.metadata.name"),
    QStringLiteral("items.metadata.namespace"),
    QStringLiteral("items.metadata.annotations"),
    QStringLiteral("items.metadata.labels"),
    QStringLiteral("items.metadata.creationTimestamp"),
    QStringLiteral("items.metadata.deletionTimestamp"),
    QStringLiteral("items.spec.destination"),
    QStringLiteral("items.spec.project"),
    QStringLiteral("items.spec.source"),
    QStringLiteral("items.spec.sources"),
    QStringLiteral("items.spec.sourceHydrator"),
    QStringLiteral("items.spec.syncPolicy"),
    QStringLiteral("items.operation.sync"),
    QStringLiteral("items.status.sourceHydrator"),
    QStringLiteral("items.status.summary"),
    QStringLiteral("items.status.sync.status"),
    QStringLiteral("items.status.sync.revision"),
    QStringLiteral("items.status.health"),
    QStringLiteral("items.status.operationState.phase"),
    QStringLiteral("items.status.operationState.startedAt"),
    QStringLiteral("items.status.operationState.finishedAt"),
};

struct Client::Call {
    QString method;
    QUrl url;
    QByteArray body;
    bool idempotent = true;    // may be retried (GET reads only)
    bool authenticated = true; // carries the token and takes part in the 401 handling
    int attempt = 0;
    bool cancelled = false;
    QList<QSslError> sslErrors;
    RawCallback done;
};

Client::Client(InstanceConfig config, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_nam(new QNetworkAccessManager(this)) {
    if (const Status s = m_config.validate(); !s)
        m_configError = s.error();
    auto tls = clientTlsConfiguration(m_config.displayName(),
                                      m_configError.isError() ? QString() : m_config.caFile,
                                      m_config.insecure);
    if (tls)
        m_ssl = tls.value();
    else
        m_configError = tls.error();
    m_nam->setRedirectPolicy(QNetworkRequest::SameOriginRedirectPolicy);
}

Client::~Client() {
    // Nothing may call back into a half-destroyed Client: cut the replies loose first.
    const auto replies = m_inFlight.keys();
    m_inFlight.clear();
    for (QNetworkReply* reply : replies) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void Client::setToken(const QString& token) {
    QString clean = token.trimmed();
    // A header value cannot carry line breaks; refuse rather than build a broken request.
    if (clean.contains(QLatin1Char('\n')) || clean.contains(QLatin1Char('\r')))
        clean.clear();
    m_token = clean;
    m_authBlocked = false;
    emit tokenChanged();
}

void Client::reportUnauthorized(const Error& error) {
    if (m_authBlocked)
        return;
    m_authBlocked = true;
    emit authenticationRequired(error);
}

QString Client::encodeSegment(const QString& segment) {
    return QString::fromLatin1(QUrl::toPercentEncoding(segment));
}

QUrl Client::withQuery(QUrl url, const QueryItems& items) {
    QString query = url.query(QUrl::FullyEncoded);
    for (const auto& [key, value] : items) {
        if (!query.isEmpty())
            query += QLatin1Char('&');
        query += QString::fromLatin1(QUrl::toPercentEncoding(key)) + QLatin1Char('=') +
                 QString::fromLatin1(QUrl::toPercentEncoding(value, ","));
    }
    url.setQuery(query, QUrl::TolerantMode);
    return url;
}

Client::QueryItems Client::listQueryItems(const ListQuery& q, const QStringList& fields) {
    QueryItems items;
    if (!fields.isEmpty())
        items.append({QStringLiteral("fields"), fields.join(QLatin1Char(','))});
    for (const QString& p : q.projects)
        items.append({QStringLiteral("projects"), p});
    if (!q.selector.isEmpty())
        items.append({QStringLiteral("selector"), q.selector});
    if (!q.appNamespace.isEmpty())
        items.append({QStringLiteral("appNamespace"), q.appNamespace});
    if (!q.name.isEmpty())
        items.append({QStringLiteral("name"), q.name});
    if (!q.repo.isEmpty())
        items.append({QStringLiteral("repo"), q.repo});
    return items;
}

QUrl Client::applicationUrl(const QString& name, const QString& suffix) const {
    return m_config.endpoint(QStringLiteral("/api/v1/applications/") + encodeSegment(name) +
                             suffix);
}

QNetworkRequest Client::makeRequest(const QUrl& url) const {
    QNetworkRequest request(url);
    // argocd-server routes h2 to gRPC: REST must stay on HTTP/1.1.
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::SameOriginRedirectPolicy);
    request.setTransferTimeout(m_config.requestTimeoutMs);
    request.setRawHeader("Accept", "application/json");
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QStringLiteral("sextant/%1").arg(QStringLiteral(SEXTANT_VERSION)));
    if (url.scheme() == QLatin1String("https"))
        request.setSslConfiguration(m_ssl);
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    return request;
}

Error Client::makeError(const QString& method, const QUrl& url, QNetworkReply* reply,
                        const QByteArray& body, bool timedOut) const {
    HttpFailure f;
    f.instanceName = m_config.displayName();
    f.method = method;
    f.url = url;
    if (reply) {
        f.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        f.networkError = reply->error();
        f.networkErrorString = reply->errorString();
    }
    f.body = body;
    f.timedOut = timedOut;
    f.timeoutMs = m_config.requestTimeoutMs;
    return errorFromHttpFailure(f);
}

int Client::retryDelayMs(int attempt) const {
    // attempt 1 -> base, 2 -> 2*base, ... capped, then jittered to 50-150 % so that many
    // clients that failed together do not come back together.
    const qint64 base = qint64(m_retry.baseDelayMs) << std::min(attempt - 1, 16);
    const qint64 capped = std::min<qint64>(base, m_retry.maxDelayMs);
    const double jitter = 0.5 + QRandomGenerator::global()->generateDouble();
    return int(std::max<qint64>(1, qint64(double(capped) * jitter)));
}

void Client::send(std::shared_ptr<Call> call) {
    const auto failSoon = [this, call](Error error) {
        QMetaObject::invokeMethod(
            this, [call, error = std::move(error)] { call->done(error); }, Qt::QueuedConnection);
    };
    if (m_configError.isError())
        return failSoon(m_configError);
    if (call->authenticated && m_authBlocked) {
        Error e = Error::make(Error::Kind::Unauthorized,
                              QStringLiteral("%1: waiting for a new login — the server refused "
                                             "the last token")
                                  .arg(m_config.displayName()),
                              QStringLiteral("request not sent: %1 %2")
                                  .arg(call->method, call->url.toDisplayString()));
        e.httpStatus = 401;
        return failSoon(e);
    }

    QNetworkRequest request = makeRequest(call->url);
    if (!call->authenticated)
        request.setRawHeader("Authorization", QByteArray());
    if (call->method != QLatin1String("GET"))
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply =
        call->method == QLatin1String("GET")
            ? m_nam->get(request)
            : m_nam->sendCustomRequest(request, call->method.toLatin1(), call->body);
    m_inFlight.insert(reply, call);
    call->sslErrors.clear();
    connect(reply, &QNetworkReply::sslErrors, this,
            [call](const QList<QSslError>& errors) { call->sslErrors = errors; });
    connect(reply, &QNetworkReply::finished, this,
            [this, call, reply] { finishCall(call, reply); });
}

void Client::finishCall(const std::shared_ptr<Call>& call, QNetworkReply* reply) {
    m_inFlight.remove(reply);
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
    if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300) {
        call->done(std::move(body));
        return;
    }

    Error error;
    bool truncated = false;
    if (reply->error() == QNetworkReply::NoError && status >= 300 && status < 400) {
        const QUrl target = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
        error = Error::make(Error::Kind::Config,
                            QStringLiteral("%1: the server redirects to another address — use "
                                           "that address as the server URL")
                                .arg(m_config.displayName()),
                            QStringLiteral("request: %1 %2\nHTTP status: %3\nredirect to: %4")
                                .arg(call->method, call->url.toDisplayString())
                                .arg(status)
                                .arg(call->url.resolved(target).toDisplayString()));
        error.httpStatus = status;
    } else if (const qint64 expected =
                   reply->header(QNetworkRequest::ContentLengthHeader).toLongLong();
               reply->error() == QNetworkReply::RemoteHostClosedError && expected > 0 &&
               body.size() < expected) {
        // The connection died in the middle of the body: a truncated answer.
        truncated = true;
        error = Error::make(Error::Kind::Protocol,
                            QStringLiteral("%1: the server's answer was cut off (truncated after "
                                           "%2 of %3 bytes)")
                                .arg(m_config.displayName())
                                .arg(body.size())
                                .arg(expected),
                            QStringLiteral("request: %1 %2\nHTTP status: %3\nthe body ends at "
                                           "byte offset %4; expected %5 bytes")
                                .arg(call->method, call->url.toDisplayString())
                                .arg(status)
                                .arg(body.size())
                                .arg(expected));
        error.httpStatus = status;
        error.url = call->url.toDisplayString();
    } else {
        // Qt reports its own transfer timeout as a cancelled operation; we never cancel a
        // request we still wait for, so a cancellation here is the timeout.
        const bool timedOut =
            (reply->error() == QNetworkReply::OperationCanceledError && !call->cancelled) ||
            reply->error() == QNetworkReply::TimeoutError;
        error = makeError(call->method, call->url, reply, body, timedOut);
        if (!call->sslErrors.isEmpty() && error.kind != Error::Kind::Timeout) {
            HttpFailure f;
            f.instanceName = m_config.displayName();
            f.method = call->method;
            f.url = call->url;
            f.httpStatus = status;
            f.networkError = reply->error();
            f.networkErrorString = reply->errorString();
            f.sslErrors = call->sslErrors;
            error = errorFromHttpFailure(f);
        }
    }

    if (error.kind == Error::Kind::Unauthorized && call->authenticated)
        reportUnauthorized(error);
    // A truncated body is usually a proxy or a restart in the middle: worth another try.
    if (call->idempotent && (error.isRetryable() || truncated) &&
        call->attempt < m_retry.maxRetries) {
        ++call->attempt;
        QTimer::singleShot(retryDelayMs(call->attempt), this, [this, call] { send(call); });
        return;
    }
    if (call->attempt > 0)
        error.details += QStringLiteral("\nattempts: %1").arg(call->attempt + 1);
    call->done(std::move(error));
}

template <typename T>
void Client::parseAsync(std::function<Result<T>()> work, Callback<T> callback) {
    auto holder = std::make_shared<std::optional<Result<T>>>();
    auto* watcher = new QFutureWatcher<void>(this);
    connect(watcher, &QFutureWatcher<void>::finished, this, [watcher, holder, callback] {
        watcher->deleteLater();
        if (holder->has_value())
            callback(std::move(**holder));
        else
            callback(Error::make(Error::Kind::Protocol,
                                 QStringLiteral("parsing the server's answer failed")));
    });
    watcher->setFuture(QtConcurrent::run([holder, work = std::move(work)] {
        try {
            holder->emplace(work());
        } catch (const std::exception& e) {
            holder->emplace(Error::make(Error::Kind::Protocol,
                                        QStringLiteral("the server's answer has an unexpected "
                                                       "shape"),
                                        QString::fromUtf8(e.what())));
        }
    }));
}

void Client::getRaw(const QUrl& url, RawCallback callback) {
    auto call = std::make_shared<Call>();
    call->method = QStringLiteral("GET");
    call->url = url;
    call->done = std::move(callback);
    send(std::move(call));
}

void Client::getParsed(const QUrl& url, const QString& what, Callback<Json> callback) {
    getRaw(url, [this, what, callback](Result<QByteArray> body) {
        if (!body)
            return callback(body.error());
        if (body->size() <= kInlineParseLimit)
            return callback(parseJsonBody(*body, what));
        parseAsync<Json>(
            [bytes = std::move(body).value(), what] { return parseJsonBody(bytes, what); },
            callback);
    });
}

void Client::getJson(const QString& encodedPath, const QueryItems& query, Callback<Json> callback) {
    getParsed(withQuery(m_config.endpoint(encodedPath), query), QStringLiteral("the response"),
              std::move(callback));
}

void Client::login(const QString& username, const QString& password, Callback<QString> callback) {
    auto call = std::make_shared<Call>();
    call->method = QStringLiteral("POST");
    call->url = m_config.endpoint(QStringLiteral("/api/v1/session"));
    call->body = toBytes(ordered_json{{"username", utf8(username)}, {"password", utf8(password)}});
    call->idempotent = false;
    call->authenticated = false;
    const QString who = m_config.displayName();
    call->done = [this, callback, who](Result<QByteArray> body) {
        if (!body) {
            Error e = body.error();
            if (e.kind == Error::Kind::Unauthorized)
                e.shortMessage = QStringLiteral("%1: login failed — wrong user name or password, "
                                                "or too many failed attempts")
                                     .arg(who);
            return callback(e);
        }
        Result<json> doc = parseJsonBody(*body, QStringLiteral("the login answer"));
        if (!doc)
            return callback(doc.error());
        const auto it = doc->find("token");
        if (!doc->is_object() || it == doc->end() || !it->is_string() ||
            it->get_ref<const std::string&>().empty())
            return callback(
                Error::make(Error::Kind::Protocol,
                            QStringLiteral("%1: the login answer has no token").arg(who)));
        const QString token = QString::fromStdString(it->get<std::string>());
        setToken(token);
        callback(token);
    };
    send(std::move(call));
}

void Client::listApplications(const ListQuery& query, Callback<AppList> callback) {
    const QUrl url =
        withQuery(m_config.endpoint(QStringLiteral("/api/v1/applications")),
                  listQueryItems(query, query.fields.isEmpty() ? kUiListFields : query.fields));
    getRaw(url, [this, callback](Result<QByteArray> body) {
        if (!body)
            return callback(body.error());
        // simdjson + interning (see appparser.h); same result as parseApplicationList.
        parseAsync<AppList>([bytes = std::move(body).value(),
                             id = m_config.id] { return parseApplicationListFast(bytes, id); },
                            callback);
    });
}

namespace {

Client::QueryItems nsItems(const QString& appNamespace) {
    Client::QueryItems items;
    if (!appNamespace.isEmpty())
        items.append({QStringLiteral("appNamespace"), appNamespace});
    return items;
}

} // namespace

void Client::getApplication(const QString& name, const QString& appNamespace,
                            Callback<Json> callback) {
    getParsed(withQuery(applicationUrl(name), nsItems(appNamespace)),
              QStringLiteral("the application"), std::move(callback));
}

void Client::resourceTree(const QString& name, const QString& appNamespace,
                          Callback<Json> callback) {
    const QUrl url =
        withQuery(applicationUrl(name, QStringLiteral("/resource-tree")), nsItems(appNamespace));
    getRaw(url, [this, callback](Result<QByteArray> body) {
        if (!body)
            return callback(body.error());
        parseAsync<Json>(
            [bytes = std::move(body).value()] {
                return parseJsonBody(bytes, QStringLiteral("the resource tree"));
            },
            callback);
    });
}

void Client::managedResources(const QString& name, const QString& appNamespace,
                              Callback<Json> callback) {
    const QUrl url = withQuery(applicationUrl(name, QStringLiteral("/managed-resources")),
                               nsItems(appNamespace));
    getRaw(url, [this, callback](Result<QByteArray> body) {
        if (!body)
            return callback(body.error());
        parseAsync<Json>(
            [bytes = std::move(body).value()] {
                return parseJsonBody(bytes, QStringLiteral("the managed resources"));
            },
            callback);
    });
}

void Client::applicationEvents(const QString& name, const QString& appNamespace,
                               Callback<Json> callback) {
    getParsed(withQuery(applicationUrl(name, QStringLiteral("/events")), nsItems(appNamespace)),
              QStringLiteral("the events"), std::move(callback));
}

void Client::resourceEvents(const QString& name, const QString& appNamespace,
                            const ResourceRef& resource, Callback<Json> callback) {
    QueryItems items = nsItems(appNamespace);
    items.append({QStringLiteral("resourceUID"), resource.uid});
    items.append({QStringLiteral("resourceNamespace"), resource.resourceNamespace});
    items.append({QStringLiteral("resourceName"), resource.name});
    getParsed(withQuery(applicationUrl(name, QStringLiteral("/events")), items),
              QStringLiteral("the events"), std::move(callback));
}

void Client::podLogs(const QString& name, const QString& appNamespace, const LogQuery& q,
                     Callback<QVector<LogLine>> callback) {
    QueryItems items = nsItems(appNamespace);
    if (!q.podNamespace.isEmpty())
        items.append({QStringLiteral("namespace"), q.podNamespace});
    if (!q.podName.isEmpty())
        items.append({QStringLiteral("podName"), q.podName});
    if (!q.kind.isEmpty())
        items.append({QStringLiteral("kind"), q.kind});
    if (!q.kind.isEmpty() || !q.group.isEmpty())
        items.append({QStringLiteral("group"), q.group});
    if (!q.resourceName.isEmpty())
        items.append({QStringLiteral("resourceName"), q.resourceName});
    if (!q.container.isEmpty())
        items.append({QStringLiteral("container"), q.container});
    items.append({QStringLiteral("follow"), QStringLiteral("false")});
    if (q.tailLines > 0)
        items.append({QStringLiteral("tailLines"), QString::number(q.tailLines)});
    items.append({QStringLiteral("sinceSeconds"), QString::number(q.sinceSeconds)});
    if (q.previous)
        items.append({QStringLiteral("previous"), QStringLiteral("true")});
    if (!q.filter.isEmpty())
        items.append({QStringLiteral("filter"), q.filter});
    const QUrl url = withQuery(applicationUrl(name, QStringLiteral("/logs")), items);
    getRaw(url, [this, callback](Result<QByteArray> body) {
        if (!body)
            return callback(body.error());
        parseAsync<QVector<LogLine>>(
            [bytes = std::move(body).value()]() -> Result<QVector<LogLine>> {
                StreamDecoder decoder;
                QVector<Result<json>> messages = decoder.feed(bytes);
                messages += decoder.finish();
                QVector<LogLine> lines;
                for (const Result<json>& m : messages) {
                    if (!m)
                        return m.error();
                    const json& r = *m;
                    if (!r.is_object())
                        continue;
                    if (r.value("last", false) && r.value("content", std::string()).empty())
                        break;
                    LogLine line;
                    line.content = QString::fromStdString(r.value("content", std::string()));
                    line.podName = QString::fromStdString(r.value("podName", std::string()));
                    line.timeStampStr =
                        QString::fromStdString(r.value("timeStampStr", std::string()));
                    line.timeStamp = QDateTime::fromString(
                        QString::fromStdString(r.value("timeStamp", std::string())), Qt::ISODate);
                    lines.append(std::move(line));
                    if (r.value("last", false))
                        break;
                }
                return lines;
            },
            callback);
    });
}

void Client::revisionMetadata(const QString& name, const QString& appNamespace,
                              const QString& revision, Callback<Json> callback) {
    getParsed(
        withQuery(applicationUrl(name, QStringLiteral("/revisions/") + encodeSegment(revision) +
                                           QStringLiteral("/metadata")),
                  nsItems(appNamespace)),
        QStringLiteral("the revision metadata"), std::move(callback));
}

void Client::manifests(const QString& name, const QString& appNamespace, const QString& revision,
                       Callback<Json> callback) {
    QueryItems items = nsItems(appNamespace);
    if (!revision.isEmpty())
        items.append({QStringLiteral("revision"), revision});
    const QUrl url = withQuery(applicationUrl(name, QStringLiteral("/manifests")), items);
    getRaw(url, [this, callback](Result<QByteArray> body) {
        if (!body)
            return callback(body.error());
        parseAsync<Json>(
            [bytes = std::move(body).value()] {
                return parseJsonBody(bytes, QStringLiteral("the manifests"));
            },
            callback);
    });
}

void Client::applicationSyncWindows(const QString& name, const QString& appNamespace,
                                    Callback<Json> callback) {
    getParsed(
        withQuery(applicationUrl(name, QStringLiteral("/syncwindows")), nsItems(appNamespace)),
        QStringLiteral("the sync windows"), std::move(callback));
}

void Client::listApplicationSets(const QStringList& projects, const QString& appsetNamespace,
                                 Callback<Json> callback) {
    QueryItems items;
    for (const QString& p : projects)
        items.append({QStringLiteral("projects"), p});
    if (!appsetNamespace.isEmpty())
        items.append({QStringLiteral("appsetNamespace"), appsetNamespace});
    getParsed(withQuery(m_config.endpoint(QStringLiteral("/api/v1/applicationsets")), items),
              QStringLiteral("the ApplicationSet list"), std::move(callback));
}

void Client::getApplicationSet(const QString& name, const QString& appsetNamespace,
                               Callback<Json> callback) {
    QueryItems items;
    if (!appsetNamespace.isEmpty())
        items.append({QStringLiteral("appsetNamespace"), appsetNamespace});
    getParsed(withQuery(m_config.endpoint(QStringLiteral("/api/v1/applicationsets/") +
                                          encodeSegment(name)),
                        items),
              QStringLiteral("the ApplicationSet"), std::move(callback));
}

void Client::listProjects(Callback<Json> callback) {
    getParsed(m_config.endpoint(QStringLiteral("/api/v1/projects")),
              QStringLiteral("the project list"), std::move(callback));
}

void Client::getProject(const QString& name, Callback<Json> callback) {
    getParsed(m_config.endpoint(QStringLiteral("/api/v1/projects/") + encodeSegment(name)),
              QStringLiteral("the project"), std::move(callback));
}

void Client::projectSyncWindows(const QString& name, Callback<Json> callback) {
    getParsed(m_config.endpoint(QStringLiteral("/api/v1/projects/") + encodeSegment(name) +
                                QStringLiteral("/syncwindows")),
              QStringLiteral("the project's sync windows"), std::move(callback));
}

void Client::listClusters(Callback<Json> callback) {
    getParsed(m_config.endpoint(QStringLiteral("/api/v1/clusters")),
              QStringLiteral("the cluster list"), std::move(callback));
}

void Client::canI(const QString& resource, const QString& action, const QString& subresource,
                  Callback<bool> callback) {
    // The subresource keeps its slashes ("project/app" or "project/namespace/app").
    QStringList parts;
    for (const QString& part : subresource.split(QLatin1Char('/')))
        parts << encodeSegment(part);
    const QUrl url = m_config.endpoint(
        QStringLiteral("/api/v1/account/can-i/") + encodeSegment(resource) + QLatin1Char('/') +
        encodeSegment(action) + QLatin1Char('/') + parts.join(QLatin1Char('/')));
    getParsed(url, QStringLiteral("the permission check"), [callback](Result<json> doc) {
        if (!doc)
            return callback(doc.error());
        if (!doc->is_object() || !doc->contains("value") || !(*doc)["value"].is_string())
            return callback(Error::make(Error::Kind::Protocol,
                                        QStringLiteral("the permission check answer has no "
                                                       "value")));
        callback((*doc)["value"].get<std::string>() == "yes");
    });
}

void Client::version(Callback<QString> callback) {
    getParsed(m_config.endpoint(QStringLiteral("/api/version")),
              QStringLiteral("the version answer"), [callback](Result<json> doc) {
                  if (!doc)
                      return callback(doc.error());
                  if (!doc->is_object() || !doc->contains("Version") ||
                      !(*doc)["Version"].is_string())
                      return callback(Error::make(Error::Kind::Protocol,
                                                  QStringLiteral("the version answer has no "
                                                                 "Version field")));
                  callback(QString::fromStdString((*doc)["Version"].get<std::string>()));
              });
}

// --- writes ---------------------------------------------------------------------------------

bool looksLikeProduction(const AppSummary& app) {
    static const QRegularExpression prod(
        QStringLiteral("(^|[^a-z])(prod|production|prd)([^a-z]|$)"),
        QRegularExpression::CaseInsensitiveOption);
    for (const QString* s :
         {&app.project, &app.destNamespace, &app.destName, &app.destServer, &app.name})
        if (prod.match(*s).hasMatch())
            return true;
    for (const auto& [key, value] : app.labels) {
        if ((key == QLatin1String("env") || key == QLatin1String("environment") ||
             key == QLatin1String("stage") || key == QLatin1String("tier")) &&
            prod.match(value).hasMatch())
            return true;
    }
    return false;
}

WriteRequest Client::baseWrite(const AppSummary& app, const QString& action) const {
    WriteRequest w;
    w.instanceId = m_config.id;
    w.instanceName = m_config.displayName();
    w.action = action;
    w.target =
        app.appNamespace.isEmpty() ? app.name : app.appNamespace + QLatin1Char('/') + app.name;
    w.production = looksLikeProduction(app);
    return w;
}

WriteRequest Client::prepareSync(const AppSummary& app, const SyncOptions& o) const {
    WriteRequest w = baseWrite(app, QStringLiteral("sync"));
    w.method = QStringLiteral("POST");
    w.url = applicationUrl(app.name, QStringLiteral("/sync"));
    ordered_json body = ordered_json::object();
    if (!app.appNamespace.isEmpty())
        body["appNamespace"] = utf8(app.appNamespace);
    if (!o.revision.isEmpty())
        body["revision"] = utf8(o.revision);
    if (!o.revisions.isEmpty()) {
        ordered_json revs = ordered_json::array();
        for (const QString& r : o.revisions)
            revs.push_back(utf8(r));
        body["revisions"] = revs;
        ordered_json positions = ordered_json::array();
        for (int p : o.sourcePositions)
            positions.push_back(p);
        body["sourcePositions"] = positions;
    }
    body["prune"] = o.prune;
    body["dryRun"] = o.dryRun;
    if (o.strategy != SyncOptions::Strategy::Default) {
        const char* key = o.strategy == SyncOptions::Strategy::Apply ? "apply" : "hook";
        body["strategy"] = ordered_json{{key, ordered_json{{"force", o.force}}}};
    }
    if (!o.resources.isEmpty()) {
        ordered_json resources = ordered_json::array();
        for (const SyncResource& r : o.resources)
            resources.push_back(ordered_json{{"group", utf8(r.group)},
                                             {"kind", utf8(r.kind)},
                                             {"namespace", utf8(r.resourceNamespace)},
                                             {"name", utf8(r.name)}});
        body["resources"] = resources;
    }
    if (!o.syncOptions.isEmpty()) {
        ordered_json items = ordered_json::array();
        for (const QString& s : o.syncOptions)
            items.push_back(utf8(s));
        body["syncOptions"] = ordered_json{{"items", items}};
    }
    if (!o.infos.isEmpty()) {
        ordered_json infos = ordered_json::array();
        for (const auto& [k, v] : o.infos)
            infos.push_back(ordered_json{{"name", utf8(k)}, {"value", utf8(v)}});
        body["infos"] = infos;
    }
    w.body = toBytes(body);

    QStringList notes;
    if (o.dryRun)
        notes << QStringLiteral("dry run");
    if (o.prune)
        notes << QStringLiteral("prune");
    if (o.strategy == SyncOptions::Strategy::Apply)
        notes << QStringLiteral("apply only, hooks skipped");
    if (o.force)
        notes << QStringLiteral("force");
    if (!o.resources.isEmpty())
        notes << QStringLiteral("%1 resource(s) only").arg(o.resources.size());
    QString to =
        !o.revision.isEmpty() ? QStringLiteral(" to revision %1").arg(o.revision)
        : !o.revisions.isEmpty()
            ? QStringLiteral(" to revisions %1").arg(o.revisions.join(QStringLiteral(", ")))
            : QStringLiteral(" to its target revision");
    w.summary =
        QStringLiteral("Sync %1 on %2%3%4")
            .arg(w.target, w.instanceName, to,
                 notes.isEmpty() ? QString()
                                 : QStringLiteral(" (%1)").arg(notes.join(QStringLiteral(", "))));
    return w;
}

WriteRequest Client::prepareRollback(const AppSummary& app, qint64 historyId, bool dryRun,
                                     bool prune) const {
    WriteRequest w = baseWrite(app, QStringLiteral("rollback"));
    w.method = QStringLiteral("POST");
    w.url = applicationUrl(app.name, QStringLiteral("/rollback"));
    ordered_json body = ordered_json::object();
    if (!app.appNamespace.isEmpty())
        body["appNamespace"] = utf8(app.appNamespace);
    body["id"] = historyId;
    body["dryRun"] = dryRun;
    body["prune"] = prune;
    w.body = toBytes(body);
    w.summary = QStringLiteral("Roll back %1 on %2 to history entry %3%4")
                    .arg(w.target, w.instanceName)
                    .arg(historyId)
                    .arg(dryRun ? QStringLiteral(" (dry run)") : QString());
    return w;
}

WriteRequest Client::prepareTerminate(const AppSummary& app) const {
    WriteRequest w = baseWrite(app, QStringLiteral("terminate"));
    w.method = QStringLiteral("DELETE");
    w.url = withQuery(applicationUrl(app.name, QStringLiteral("/operation")),
                      nsItems(app.appNamespace));
    w.summary =
        QStringLiteral("Terminate the running operation of %1 on %2").arg(w.target, w.instanceName);
    return w;
}

WriteRequest Client::prepareRefresh(const AppSummary& app, bool hard) const {
    WriteRequest w = baseWrite(app, QStringLiteral("refresh"));
    w.method = QStringLiteral("GET");
    QueryItems items = {
        {QStringLiteral("refresh"), hard ? QStringLiteral("hard") : QStringLiteral("normal")}};
    items += nsItems(app.appNamespace);
    w.url = withQuery(applicationUrl(app.name), items);
    w.summary = QStringLiteral("%1 refresh of %2 on %3")
                    .arg(hard ? QStringLiteral("Hard") : QStringLiteral("Normal"), w.target,
                         w.instanceName);
    return w;
}

WriteRequest Client::preparePatch(const AppSummary& app, const Json& mergePatch,
                                  const QString& summary) const {
    WriteRequest w = baseWrite(app, QStringLiteral("patch"));
    w.method = QStringLiteral("PATCH");
    w.url = applicationUrl(app.name);
    ordered_json body = ordered_json::object();
    body["name"] = utf8(app.name);
    if (!app.appNamespace.isEmpty())
        body["appNamespace"] = utf8(app.appNamespace);
    body["patch"] = mergePatch.dump();
    body["patchType"] = "merge";
    w.body = toBytes(body);
    w.summary = summary.isEmpty()
                    ? QStringLiteral("Patch %1 on %2: %3")
                          .arg(w.target, w.instanceName, QString::fromStdString(mergePatch.dump()))
                    : summary;
    return w;
}

void Client::execute(const ApprovedWrite& approved, Callback<Json> callback) {
    const WriteRequest& r = approved.request();
    const QUrl base = m_config.baseUrl;
    const auto refuse = [this, callback](const QString& why) {
        Error e =
            Error::make(Error::Kind::Approval,
                        QStringLiteral("%1: write not sent — %2").arg(m_config.displayName(), why));
        QMetaObject::invokeMethod(
            this, [callback, e] { callback(e); }, Qt::QueuedConnection);
    };
    if (r.instanceId != m_config.id)
        return refuse(
            QStringLiteral("it was approved for another instance (%1)").arg(r.instanceName));
    // The token must only ever go to this instance's server.
    if (r.url.scheme() != base.scheme() || r.url.host() != base.host() ||
        r.url.port(-1) != base.port(-1))
        return refuse(QStringLiteral("its URL points at another server"));
    static const QStringList methods = {QStringLiteral("GET"), QStringLiteral("POST"),
                                        QStringLiteral("PUT"), QStringLiteral("PATCH"),
                                        QStringLiteral("DELETE")};
    if (!methods.contains(r.method))
        return refuse(QStringLiteral("unsupported method '%1'").arg(r.method));

    auto call = std::make_shared<Call>();
    call->method = r.method;
    call->url = r.url;
    call->body = r.body;
    call->idempotent = false; // never retry a write
    call->done = [callback](Result<QByteArray> body) {
        if (!body)
            return callback(body.error());
        if (body->trimmed().isEmpty())
            return callback(json::object());
        callback(parseJsonBody(*body, QStringLiteral("the answer to the write")));
    };
    send(std::move(call));
}

} // namespace sextant::argocd
