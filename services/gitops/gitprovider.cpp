#include "gitprovider.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTimer>

#include <nlohmann/json.hpp>

namespace sextant::gitops {

using json = nlohmann::json;

namespace {

constexpr int kMaxLookupPages = 20;
constexpr int kLookupRetries = 2;
const QString kRedacted = QStringLiteral("••••••");

QString stripGit(QString s) {
    while (s.endsWith(QLatin1Char('/')))
        s.chop(1);
    if (s.endsWith(QLatin1String(".git")))
        s.chop(4);
    return s;
}

} // namespace

// --- kinds ----------------------------------------------------------------------------------

QString providerKindName(ProviderKind kind) {
    switch (kind) {
    case ProviderKind::GitHub:
        return QStringLiteral("github");
    case ProviderKind::GitLab:
        return QStringLiteral("gitlab");
    case ProviderKind::Gitea:
        return QStringLiteral("gitea");
    case ProviderKind::BitbucketCloud:
        return QStringLiteral("bitbucket-cloud");
    case ProviderKind::BitbucketDataCenter:
        return QStringLiteral("bitbucket-dc");
    }
    return {};
}

QString providerDisplayName(ProviderKind kind) {
    switch (kind) {
    case ProviderKind::GitHub:
        return QStringLiteral("GitHub");
    case ProviderKind::GitLab:
        return QStringLiteral("GitLab");
    case ProviderKind::Gitea:
        return QStringLiteral("Gitea");
    case ProviderKind::BitbucketCloud:
        return QStringLiteral("Bitbucket Cloud");
    case ProviderKind::BitbucketDataCenter:
        return QStringLiteral("Bitbucket Data Center");
    }
    return {};
}

std::optional<ProviderKind> providerKindFromString(QStringView text) {
    const QString t = text.trimmed().toString().toLower();
    if (t == QLatin1String("github"))
        return ProviderKind::GitHub;
    if (t == QLatin1String("gitlab"))
        return ProviderKind::GitLab;
    if (t == QLatin1String("gitea") || t == QLatin1String("forgejo"))
        return ProviderKind::Gitea;
    if (t == QLatin1String("bitbucket-cloud") || t == QLatin1String("bitbucket"))
        return ProviderKind::BitbucketCloud;
    if (t == QLatin1String("bitbucket-dc") || t == QLatin1String("bitbucket-server") ||
        t == QLatin1String("bitbucket-datacenter") || t == QLatin1String("bitbucket-data-center"))
        return ProviderKind::BitbucketDataCenter;
    return std::nullopt;
}

QString pullRequestNoun(ProviderKind kind) {
    return kind == ProviderKind::GitLab ? QStringLiteral("merge request")
                                        : QStringLiteral("pull request");
}

// --- configuration --------------------------------------------------------------------------

QString ProviderConfig::id() const {
    QString host = apiBase.host();
    if (apiBase.port(-1) > 0)
        host += QLatin1Char(':') + QString::number(apiBase.port());
    return QStringLiteral("git:%1:%2/%3").arg(providerKindName(kind), host, repoPath());
}

QString ProviderConfig::repoPath() const {
    return owner + QLatin1Char('/') + repo;
}

QString ProviderConfig::displayName() const {
    return providerDisplayName(kind) + QLatin1Char(' ') + repoPath();
}

Status ProviderConfig::validate() const {
    const QString who = providerDisplayName(kind);
    if (!apiBase.isValid() || apiBase.host().isEmpty() ||
        (apiBase.scheme() != QLatin1String("https") && apiBase.scheme() != QLatin1String("http")))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1: the API address '%2' is not an http(s) URL")
                               .arg(who, apiBase.toDisplayString()));
    if (owner.trimmed().isEmpty() || repo.trimmed().isEmpty())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1: the repository needs an owner and a name").arg(who));
    if (repo.contains(QLatin1Char('/')))
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("%1: the repository name '%2' contains '/'").arg(who, repo));
    if (kind != ProviderKind::GitLab && owner.contains(QLatin1Char('/')))
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("%1: the owner '%2' contains '/' (only GitLab has nested groups)")
                .arg(who, owner));
    return okStatus();
}

Result<ProviderConfig> ProviderConfig::fromRepositoryUrl(const QString& repositoryUrl,
                                                         std::optional<ProviderKind> kind,
                                                         const QUrl& apiBase) {
    const QString text = repositoryUrl.trimmed();
    QString scheme, host, path;
    int port = -1;
    static const QRegularExpression scpLike(QStringLiteral("^[A-Za-z0-9._-]+@([^:/]+):(.+)$"));
    if (const auto m = scpLike.match(text); m.hasMatch() && !text.contains(QLatin1String("://"))) {
        scheme = QStringLiteral("ssh");
        host = m.captured(1);
        path = m.captured(2);
    } else {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty())
            return Error::make(Error::Kind::Config,
                               QStringLiteral("'%1' is not a repository URL").arg(text));
        scheme = url.scheme().toLower();
        host = url.host().toLower();
        port = url.port(-1);
        path = url.path();
    }
    QStringList parts = stripGit(path).split(QLatin1Char('/'), Qt::SkipEmptyParts);

    ProviderConfig c;
    QUrl api;
    if (host == QLatin1String("github.com") || host == QLatin1String("www.github.com")) {
        c.kind = kind.value_or(ProviderKind::GitHub);
        api = QUrl(QStringLiteral("https://api.github.com"));
    } else if (host == QLatin1String("gitlab.com")) {
        c.kind = kind.value_or(ProviderKind::GitLab);
        api = QUrl(QStringLiteral("https://gitlab.com/api/v4"));
    } else if (host == QLatin1String("bitbucket.org")) {
        c.kind = kind.value_or(ProviderKind::BitbucketCloud);
        api = QUrl(QStringLiteral("https://api.bitbucket.org/2.0"));
    } else if (!kind) {
        return Error::make(Error::Kind::Config,
                           QStringLiteral("cannot tell which provider hosts %1 — choose github, "
                                          "gitlab, gitea, bitbucket-cloud or bitbucket-dc")
                               .arg(host));
    } else {
        c.kind = *kind;
    }

    QString context; // path prefix of a server installed below /
    if (c.kind == ProviderKind::BitbucketDataCenter) {
        // https://host[/ctx]/scm/KEY/slug.git, ssh://git@host:7999/key/slug.git,
        // https://host[/ctx]/projects/KEY/repos/slug[/browse]
        const qsizetype scm = parts.indexOf(QStringLiteral("scm"));
        const qsizetype projects = parts.indexOf(QStringLiteral("projects"));
        if (scm >= 0 && parts.size() == scm + 3) {
            context = parts.mid(0, scm).join(QLatin1Char('/'));
            parts = parts.mid(scm + 1);
        } else if (projects >= 0 && parts.size() >= projects + 4 &&
                   parts[projects + 2] == QLatin1String("repos")) {
            context = parts.mid(0, projects).join(QLatin1Char('/'));
            parts = {parts[projects + 1], parts[projects + 3]};
        }
        if (parts.size() != 2)
            return Error::make(Error::Kind::Config,
                               QStringLiteral("'%1' is not a Bitbucket Data Center repository URL "
                                              "(…/scm/KEY/slug.git)")
                                   .arg(text));
        c.owner = parts[0].toUpper();
        c.repo = parts[1];
    } else if (c.kind == ProviderKind::GitLab) {
        if (parts.size() < 2)
            return Error::make(
                Error::Kind::Config,
                QStringLiteral("'%1' does not name a GitLab group and project").arg(text));
        c.repo = parts.takeLast();
        c.owner = parts.join(QLatin1Char('/'));
    } else {
        if (parts.size() != 2)
            return Error::make(
                Error::Kind::Config,
                QStringLiteral("'%1' does not name an owner and a repository").arg(text));
        c.owner = parts[0];
        c.repo = parts[1];
    }

    if (!apiBase.isEmpty()) {
        api = apiBase;
    } else if (api.isEmpty()) {
        QUrl u;
        u.setScheme(scheme == QLatin1String("http") ? scheme : QStringLiteral("https"));
        u.setHost(host);
        if (port > 0 && (scheme == QLatin1String("http") || scheme == QLatin1String("https")))
            u.setPort(port);
        QString prefix = context.isEmpty() ? QString() : QLatin1Char('/') + context;
        switch (c.kind) {
        case ProviderKind::GitHub:
            prefix += QStringLiteral("/api/v3");
            break;
        case ProviderKind::GitLab:
            prefix += QStringLiteral("/api/v4");
            break;
        case ProviderKind::Gitea:
            prefix += QStringLiteral("/api/v1");
            break;
        case ProviderKind::BitbucketCloud:
            return Error::make(Error::Kind::Config,
                               QStringLiteral("Bitbucket Cloud lives on bitbucket.org; give the "
                                              "API address for %1")
                                   .arg(host));
        case ProviderKind::BitbucketDataCenter:
            prefix += QStringLiteral("/rest/api/latest");
            break;
        }
        u.setPath(prefix);
        api = u;
    }
    c.apiBase = api;
    if (const Status s = c.validate(); !s)
        return s.error();
    return c;
}

// --- display --------------------------------------------------------------------------------

QString PlannedRequest::displayText() const {
    QString text = QStringLiteral("[%1] %2 %3").arg(when, method, url);
    for (const auto& [name, value] : headers)
        text += QStringLiteral("\n%1: %2").arg(name, value);
    if (!body.isEmpty())
        text += QStringLiteral("\nContent-Type: application/json\n\n") + QString::fromUtf8(body);
    return text;
}

// --- recipes: shared parts ------------------------------------------------------------------

namespace detail {

ProviderRecipe::~ProviderRecipe() = default;

QString ProviderRecipe::endpoint(const QStringList& segments) const {
    QString base = m_config.apiBase.toString(QUrl::FullyEncoded | QUrl::RemoveQuery |
                                             QUrl::RemoveFragment | QUrl::RemoveUserInfo);
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    for (const QString& s : segments)
        base += QLatin1Char('/') + QString::fromLatin1(QUrl::toPercentEncoding(s));
    return base;
}

QString ProviderRecipe::encodeQuery(const QList<QPair<QString, QString>>& items) {
    QString out;
    for (const auto& [k, v] : items) {
        out += out.isEmpty() ? QLatin1Char('?') : QLatin1Char('&');
        out += QString::fromLatin1(QUrl::toPercentEncoding(k)) + QLatin1Char('=') +
               QString::fromLatin1(QUrl::toPercentEncoding(v));
    }
    return out;
}

QByteArray jsonBytes(const nlohmann::ordered_json& doc) {
    const std::string text = doc.dump();
    return QByteArray(text.data(), qsizetype(text.size()));
}

Result<json> parseAnswer(const ProviderConfig& config, const QByteArray& body,
                         const QString& what) {
    json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_discarded())
        return Error::make(
            Error::Kind::Protocol,
            QStringLiteral("%1: %2 is not JSON").arg(providerDisplayName(config.kind), what),
            QString::fromUtf8(body.left(300)));
    return doc;
}

QString jsonString(const json& object, const char* key) {
    if (!object.is_object())
        return {};
    auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

qint64 jsonInteger(const json& object, const char* key, qint64 fallback) {
    if (!object.is_object())
        return fallback;
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer())
        return fallback;
    return it->get<qint64>();
}

std::unique_ptr<ProviderRecipe> makeRecipe(const ProviderConfig& config) {
    switch (config.kind) {
    case ProviderKind::GitHub:
        return makeGitHubRecipe(config);
    case ProviderKind::GitLab:
        return makeGitLabRecipe(config);
    case ProviderKind::Gitea:
        return makeGiteaRecipe(config);
    case ProviderKind::BitbucketCloud:
        return makeBitbucketCloudRecipe(config);
    case ProviderKind::BitbucketDataCenter:
        return makeBitbucketDataCenterRecipe(config);
    }
    return makeGitHubRecipe(config);
}

namespace {

QString jsonText(const json& v) {
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    if (v.is_array()) {
        QStringList parts;
        for (const json& e : v) {
            const QString t = jsonText(e);
            if (!t.isEmpty())
                parts << t;
        }
        return parts.join(QStringLiteral("; "));
    }
    if (v.is_object()) {
        // GitLab validation errors: {"title": ["can't be blank"]}
        QStringList parts;
        for (auto it = v.begin(); it != v.end(); ++it) {
            const QString t = jsonText(it.value());
            if (!t.isEmpty())
                parts << QString::fromStdString(it.key()) + QLatin1Char(' ') + t;
        }
        return parts.join(QStringLiteral("; "));
    }
    return {};
}

} // namespace

QString providerMessageFromBody(const QByteArray& body) {
    if (body.isEmpty() || body.size() > 1024 * 1024)
        return {};
    const json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (!doc.is_object()) {
        const QString text = QString::fromUtf8(body).trimmed();
        if (text.size() <= 300 && !text.startsWith(QLatin1Char('<')))
            return text;
        return {};
    }
    QStringList parts;
    if (auto it = doc.find("message"); it != doc.end())
        parts << jsonText(*it);
    if (auto it = doc.find("error"); it != doc.end()) {
        if (it->is_object() && it->contains("message"))
            parts << jsonText((*it)["message"]);
        else if (it->is_string())
            parts << jsonText(*it);
    }
    if (auto it = doc.find("errors"); it != doc.end() && it->is_array()) {
        for (const json& e : *it) {
            if (!e.is_object())
                continue;
            if (e.contains("message")) {
                parts << jsonText(e["message"]);
            } else {
                // GitHub: {"resource":"PullRequest","field":"head","code":"invalid"}
                const QString field = jsonText(e.value("field", json()));
                const QString code = jsonText(e.value("code", json()));
                if (!field.isEmpty() || !code.isEmpty())
                    parts << (field + QLatin1Char(' ') + code).trimmed();
            }
        }
    }
    parts.removeAll(QString());
    parts.removeDuplicates();
    return parts.join(QStringLiteral(": "));
}

Error errorFromProviderFailure(const ProviderConfig& config, const argocd::HttpFailure& failure,
                               const QString& subject) {
    const QString who = providerDisplayName(config.kind);
    const QString message = providerMessageFromBody(failure.body);
    argocd::HttpFailure f = failure;
    f.instanceName = who;
    f.body.clear(); // the provider's message is read here, in its own shapes
    Error e = argocd::errorFromHttpFailure(f);
    if (!message.isEmpty())
        e.details += QStringLiteral("\nserver message: ") + message;
    const auto withMessage = [&message](const QString& text) {
        return message.isEmpty() ? text : text + QStringLiteral(": ") + message;
    };
    const int s = failure.httpStatus;
    if (e.kind == Error::Kind::Timeout || e.kind == Error::Kind::Tls || s < 400) {
        e.shortMessage.replace(QStringLiteral("Argo CD"), who);
        return e;
    }
    const QString host = config.apiBase.host();
    switch (e.kind) {
    case Error::Kind::Unauthorized:
        e.shortMessage = QStringLiteral("The %1 token was refused by %2 — check it, or create a "
                                        "new one that can reach %3")
                             .arg(who, host, config.repoPath());
        break;
    case Error::Kind::Forbidden:
        e.shortMessage =
            withMessage(QStringLiteral("%1: permission denied on %2").arg(who, config.repoPath()));
        break;
    case Error::Kind::NotFound:
        e.shortMessage =
            QStringLiteral("%1: %2 not found or the token cannot see it").arg(who, subject);
        break;
    case Error::Kind::Conflict:
        e.shortMessage =
            withMessage(QStringLiteral("%1: conflict on %2").arg(who, config.repoPath()));
        break;
    case Error::Kind::BadRequest:
        e.shortMessage = withMessage(QStringLiteral("%1: %2 rejected the request (HTTP %3)")
                                         .arg(who, config.repoPath())
                                         .arg(s));
        break;
    case Error::Kind::Server:
        e.shortMessage =
            withMessage(QStringLiteral("%1: the server failed (HTTP %2)").arg(who).arg(s));
        break;
    default:
        break;
    }
    return e;
}

} // namespace detail

// --- the client -----------------------------------------------------------------------------

struct GitProvider::Call {
    detail::HttpCall http;
    QString subject;
    bool idempotent = true;
    int attempt = 0;
    QList<QSslError> sslErrors;
    RawCallback done;
};

struct GitProvider::Flow {
    PullRequestSpec spec;
    Callback<PullRequestResult> callback;
    PullRequestResult result;
};

GitProvider::GitProvider(ProviderConfig config, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_recipe(detail::makeRecipe(m_config))
    , m_nam(new QNetworkAccessManager(this)) {
    if (const Status s = m_config.validate(); !s)
        m_configError = s.error();
    m_ssl = QSslConfiguration::defaultConfiguration();
    if (!m_config.verifyTls)
        m_ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    // The token must never follow a redirect to another host.
    m_nam->setRedirectPolicy(QNetworkRequest::SameOriginRedirectPolicy);
}

GitProvider::~GitProvider() {
    const auto replies = m_inFlight.keys();
    m_inFlight.clear();
    for (QNetworkReply* reply : replies) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void GitProvider::setToken(const QString& token) {
    QString clean = token.trimmed();
    if (clean.contains(QLatin1Char('\n')) || clean.contains(QLatin1Char('\r')))
        clean.clear(); // a header value cannot carry line breaks
    m_token = clean;
}

QString GitProvider::scrub(QString text) const {
    if (m_token.size() >= 4)
        text.replace(m_token, kRedacted);
    return text;
}

Error GitProvider::refusal(const QString& why) const {
    return Error::make(Error::Kind::Approval,
                       QStringLiteral("%1: write not sent — %2").arg(m_config.displayName(), why));
}

void GitProvider::failSoon(const std::function<void(Error)>& callback, Error error) {
    QMetaObject::invokeMethod(
        this, [callback, error = std::move(error)] { callback(error); }, Qt::QueuedConnection);
}

// --- describe / prepare ---------------------------------------------------------------------

// "Authorization: Bearer", "PRIVATE-TOKEN:", "Authorization: token": how the token travels, for
// the approval dialog and the audit log (the token itself is added at send time only).
static QString credentialHeaderOf(const detail::ProviderRecipe& recipe) {
    const auto header = recipe.authHeader(QString());
    const QString scheme = QString::fromUtf8(header.second).trimmed();
    return QString::fromUtf8(header.first) + QLatin1Char(':') +
           (scheme.isEmpty() ? QString() : QLatin1Char(' ') + scheme);
}

namespace {

QString placeholders(QString url) {
    url.replace(QStringLiteral("%7Bnumber%7D"), QStringLiteral("{number}"));
    url.replace(QStringLiteral("%7Bversion%7D"), QStringLiteral("{version}"));
    return url;
}

} // namespace

QVector<PlannedRequest>
GitProvider::describeOpenOrUpdatePullRequest(const PullRequestSpec& spec) const {
    QList<QPair<QString, QString>> headers;
    const auto auth = m_recipe->authHeader(QStringLiteral("TOKEN"));
    QString authValue = QString::fromUtf8(auth.second);
    authValue.replace(QStringLiteral("TOKEN"), kRedacted);
    headers.append({QString::fromUtf8(auth.first), authValue});
    for (const auto& [k, v] : m_recipe->extraHeaders())
        headers.append({QString::fromUtf8(k), QString::fromUtf8(v)});

    const QString noun = pullRequestNoun(m_config.kind);
    QVector<PlannedRequest> out;
    const auto add = [&](const QString& when, const detail::HttpCall& c) {
        PlannedRequest p;
        p.when = when;
        p.method = c.method;
        p.url = placeholders(c.url);
        p.headers = headers;
        p.body = c.body;
        out.append(p);
    };
    add(QStringLiteral("always: look for an open %1 %2 → %3")
            .arg(noun, spec.sourceBranch, spec.targetBranch),
        m_recipe->lookup(spec));
    add(QStringLiteral("if none is open (also after the provider answers that one exists: "
                       "look again, then update)"),
        m_recipe->create(spec));
    add(QStringLiteral("if one is open"),
        m_recipe->update(spec, QStringLiteral("{number}"), QStringLiteral("{version}")));
    if (!spec.labels.isEmpty()) {
        switch (m_recipe->labelMode()) {
        case detail::ProviderRecipe::LabelMode::ByName:
            add(QStringLiteral("then: add the labels"),
                m_recipe->addLabels(QStringLiteral("{number}"), spec.labels));
            break;
        case detail::ProviderRecipe::LabelMode::ById:
            add(QStringLiteral("then: read the label IDs"), m_recipe->labelCatalogue());
            add(QStringLiteral("then: add the labels found (by ID)"),
                m_recipe->addLabels(QStringLiteral("{number}"), {QStringLiteral("{ids}")}));
            break;
        default:
            break;
        }
    }
    return out;
}

QVector<PlannedRequest> GitProvider::describeComment(int number, const QString& body) const {
    const auto auth = m_recipe->authHeader(QStringLiteral("TOKEN"));
    QString authValue = QString::fromUtf8(auth.second);
    authValue.replace(QStringLiteral("TOKEN"), kRedacted);
    const detail::HttpCall c = m_recipe->comment(QString::number(number), body);
    PlannedRequest p;
    p.when = QStringLiteral("always");
    p.method = c.method;
    p.url = c.url;
    p.headers.append({QString::fromUtf8(auth.first), authValue});
    for (const auto& [k, v] : m_recipe->extraHeaders())
        p.headers.append({QString::fromUtf8(k), QString::fromUtf8(v)});
    p.body = c.body;
    return {p};
}

WriteRequest GitProvider::prepareOpenOrUpdatePullRequest(const PullRequestSpec& spec) const {
    const detail::HttpCall create = m_recipe->create(spec);
    const detail::HttpCall update =
        m_recipe->update(spec, QStringLiteral("{number}"), QStringLiteral("{version}"));
    WriteRequest w;
    w.instanceId = m_config.id();
    w.instanceName = m_config.displayName();
    w.action = QStringLiteral("open-pull-request");
    w.credentialHeader = credentialHeaderOf(*m_recipe);
    w.target = m_config.repoPath() + QLatin1Char(':') + spec.sourceBranch;
    w.method = create.method;
    w.url = QUrl(create.url, QUrl::StrictMode);
    w.body = create.body;
    const QString noun = pullRequestNoun(m_config.kind);
    w.summary = QStringLiteral("Open a %1%2 on %3 from %4 into %5 titled \"%6\"; if one is "
                               "already open for these branches, update its title and "
                               "description instead (%7 %8)")
                    .arg(spec.draft ? QStringLiteral("draft ") : QString(), noun,
                         m_config.displayName(), spec.sourceBranch, spec.targetBranch, spec.title,
                         update.method, placeholders(update.url));
    if (!spec.labels.isEmpty())
        w.summary += QStringLiteral(", labels %1").arg(spec.labels.join(QStringLiteral(", ")));
    return w;
}

WriteRequest GitProvider::prepareComment(int number, const QString& body) const {
    const detail::HttpCall c = m_recipe->comment(QString::number(number), body);
    WriteRequest w;
    w.instanceId = m_config.id();
    w.instanceName = m_config.displayName();
    w.action = QStringLiteral("comment");
    w.credentialHeader = credentialHeaderOf(*m_recipe);
    w.target = QStringLiteral("%1#%2").arg(m_config.repoPath()).arg(number);
    w.method = c.method;
    w.url = QUrl(c.url, QUrl::StrictMode);
    w.body = c.body;
    w.summary = QStringLiteral("Comment on %1 #%2 of %3")
                    .arg(pullRequestNoun(m_config.kind))
                    .arg(number)
                    .arg(m_config.displayName());
    return w;
}

// --- transport ------------------------------------------------------------------------------

void GitProvider::send(const detail::HttpCall& http, bool idempotent, const QString& subject,
                       RawCallback done, QStringList* sentLog) {
    auto call = std::make_shared<Call>();
    call->http = http;
    call->idempotent = idempotent;
    call->subject = subject;
    call->done = std::move(done);
    if (sentLog)
        sentLog->append(http.method + QLatin1Char(' ') + http.url);
    dispatch(std::move(call));
}

void GitProvider::dispatch(std::shared_ptr<Call> call) {
    const QUrl url(call->http.url, QUrl::StrictMode);
    QNetworkRequest request(url);
    request.setTransferTimeout(m_config.requestTimeoutMs);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::SameOriginRedirectPolicy);
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QStringLiteral("sextant/%1").arg(QStringLiteral(SEXTANT_VERSION)));
    request.setRawHeader("Accept", "application/json");
    for (const auto& [k, v] : m_recipe->extraHeaders())
        request.setRawHeader(k, v);
    const auto auth = m_recipe->authHeader(m_token);
    request.setRawHeader(auth.first, auth.second);
    if (url.scheme() == QLatin1String("https"))
        request.setSslConfiguration(m_ssl);
    if (!call->http.body.isEmpty() || call->http.method != QLatin1String("GET"))
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply =
        call->http.method == QLatin1String("GET")
            ? m_nam->get(request)
            : m_nam->sendCustomRequest(request, call->http.method.toLatin1(), call->http.body);
    m_inFlight.insert(reply, call);
    call->sslErrors.clear();
    connect(reply, &QNetworkReply::sslErrors, this,
            [call](const QList<QSslError>& errors) { call->sslErrors = errors; });
    connect(reply, &QNetworkReply::finished, this,
            [this, call, reply] { finishCall(call, reply); });
}

void GitProvider::finishCall(const std::shared_ptr<Call>& call, QNetworkReply* reply) {
    m_inFlight.remove(reply);
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
    if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300) {
        call->done(std::move(body));
        return;
    }
    argocd::HttpFailure f;
    f.method = call->http.method;
    f.url = QUrl(call->http.url, QUrl::StrictMode);
    f.httpStatus = status;
    f.networkError = reply->error();
    f.networkErrorString = reply->errorString();
    f.body = body;
    f.sslErrors = call->sslErrors;
    // Qt reports its own transfer timeout as a cancelled operation.
    f.timedOut = reply->error() == QNetworkReply::OperationCanceledError ||
                 reply->error() == QNetworkReply::TimeoutError;
    f.timeoutMs = m_config.requestTimeoutMs;
    Error error = detail::errorFromProviderFailure(m_config, f, call->subject);
    if (status >= 300 && status < 400) {
        error = Error::make(Error::Kind::Config,
                            QStringLiteral("%1: the API redirects to another address — use that "
                                           "address as the API base")
                                .arg(providerDisplayName(m_config.kind)),
                            error.details);
        error.httpStatus = status;
    }
    error.shortMessage = scrub(error.shortMessage);
    error.details = scrub(error.details);
    if (call->idempotent && error.isRetryable() && call->attempt < kLookupRetries) {
        ++call->attempt;
        const int delay = 300 * (1 << (call->attempt - 1));
        const int jittered =
            int(delay * (0.5 + QRandomGenerator::global()->generateDouble())); // 50-150 %
        QTimer::singleShot(jittered, this, [this, call] { dispatch(call); });
        return;
    }
    if (call->attempt > 0)
        error.details += QStringLiteral("\nattempts: %1").arg(call->attempt + 1);
    call->done(std::move(error));
}

// --- reads ----------------------------------------------------------------------------------

void GitProvider::lookupPage(const detail::HttpCall& call, const PullRequestSpec& spec,
                             Callback<std::optional<PullRequestInfo>> callback,
                             QStringList* sentLog, int pagesLeft) {
    send(
        call, true, QStringLiteral("repository %1").arg(m_config.repoPath()),
        [this, call, spec, callback, sentLog, pagesLeft](Result<QByteArray> body) {
            if (!body)
                return callback(body.error());
            Result<detail::LookupPage> page = m_recipe->parseLookup(*body, spec, call);
            if (!page)
                return callback(page.error());
            if (page->found || !page->next)
                return callback(page->found);
            if (pagesLeft <= 1)
                return callback(
                    Error::make(Error::Kind::Protocol,
                                QStringLiteral("%1: too many open %2s to search for %3 → %4")
                                    .arg(m_config.displayName(), pullRequestNoun(m_config.kind),
                                         spec.sourceBranch, spec.targetBranch)));
            // A next page must stay on the API host: the token goes with it.
            const QUrl next(page->next->url, QUrl::StrictMode);
            if (next.host() != m_config.apiBase.host() ||
                next.port(-1) != m_config.apiBase.port(-1) ||
                next.scheme() != m_config.apiBase.scheme())
                return callback(Error::make(
                    Error::Kind::Protocol,
                    QStringLiteral("%1: the next page of the list points at another server")
                        .arg(m_config.displayName()),
                    next.toDisplayString()));
            lookupPage(*page->next, spec, callback, sentLog, pagesLeft - 1);
        },
        sentLog);
}

void GitProvider::findOpenPullRequest(const QString& sourceBranch, const QString& targetBranch,
                                      Callback<std::optional<PullRequestInfo>> callback) {
    if (m_configError.isError())
        return failSoon([callback](Error e) { callback(e); }, m_configError);
    PullRequestSpec spec;
    spec.sourceBranch = sourceBranch;
    spec.targetBranch = targetBranch;
    lookupPage(m_recipe->lookup(spec), spec, std::move(callback), nullptr, kMaxLookupPages);
}

// --- writes ---------------------------------------------------------------------------------

void GitProvider::openOrUpdatePullRequest(const ApprovedWrite& approved,
                                          const PullRequestSpec& spec,
                                          Callback<PullRequestResult> callback) {
    const auto fail = [this, callback](Error e) {
        failSoon([callback](Error err) { callback(err); }, std::move(e));
    };
    if (m_configError.isError())
        return fail(m_configError);
    const WriteRequest expected = prepareOpenOrUpdatePullRequest(spec);
    const WriteRequest& r = approved.request();
    if (r.instanceId != expected.instanceId)
        return fail(refusal(
            QStringLiteral("it was approved for another repository (%1)").arg(r.instanceName)));
    if (r.method != expected.method || r.url != expected.url || r.body != expected.body ||
        r.action != expected.action)
        return fail(refusal(QStringLiteral("the approved request differs from this %1")
                                .arg(pullRequestNoun(m_config.kind))));
    if (m_token.isEmpty())
        return fail(Error::make(Error::Kind::Unauthorized,
                                QStringLiteral("No %1 token is set for %2")
                                    .arg(providerDisplayName(m_config.kind), m_config.repoPath())));

    auto flow = std::make_shared<Flow>();
    flow->spec = spec;
    flow->callback = std::move(callback);
    lookupPage(
        m_recipe->lookup(spec), spec,
        [this, flow](Result<std::optional<PullRequestInfo>> found) {
            if (!found)
                return flow->callback(found.error());
            if (found->has_value())
                return runUpdate(flow, **found, true);
            runCreate(flow);
        },
        &flow->result.sent, kMaxLookupPages);
}

void GitProvider::runCreate(const std::shared_ptr<Flow>& flow) {
    send(
        m_recipe->create(flow->spec), false,
        QStringLiteral("repository %1").arg(m_config.repoPath()),
        [this, flow](Result<QByteArray> body) {
            if (!body) {
                const Error createError = body.error();
                if (createError.httpStatus != m_recipe->duplicateStatus())
                    return flow->callback(createError);
                // Another client may have opened one between our lookup and our create: look
                // again, and update what is there. Nothing found: the answer meant something
                // else, and is the error to report.
                return lookupPage(
                    m_recipe->lookup(flow->spec), flow->spec,
                    [this, flow, createError](Result<std::optional<PullRequestInfo>> found) {
                        if (!found || !found->has_value())
                            return flow->callback(createError);
                        runUpdate(flow, **found, true);
                    },
                    &flow->result.sent, kMaxLookupPages);
            }
            Result<PullRequestInfo> info = m_recipe->parsePullRequest(*body);
            if (!info)
                return flow->callback(info.error());
            flow->result.number = info->number;
            flow->result.webUrl = info->webUrl;
            flow->result.created = true;
            runLabels(flow);
        },
        &flow->result.sent);
}

void GitProvider::runUpdate(const std::shared_ptr<Flow>& flow, const PullRequestInfo& found,
                            bool retryOnStale) {
    const QString subject = QStringLiteral("%1 #%2 in %3")
                                .arg(pullRequestNoun(m_config.kind))
                                .arg(found.number)
                                .arg(m_config.repoPath());
    send(
        m_recipe->update(flow->spec, QString::number(found.number), QString::number(found.version)),
        false, subject,
        [this, flow, found, retryOnStale](Result<QByteArray> body) {
            if (!body) {
                // Data Center: someone changed it since we read its version; read it again once.
                if (retryOnStale && body.error().kind == Error::Kind::Conflict &&
                    m_config.kind == ProviderKind::BitbucketDataCenter)
                    return lookupPage(
                        m_recipe->lookup(flow->spec), flow->spec,
                        [this, flow,
                         error = body.error()](Result<std::optional<PullRequestInfo>> again) {
                            if (!again || !again->has_value())
                                return flow->callback(error);
                            runUpdate(flow, **again, false);
                        },
                        &flow->result.sent, kMaxLookupPages);
                return flow->callback(body.error());
            }
            Result<PullRequestInfo> info = m_recipe->parsePullRequest(*body);
            flow->result.number = found.number;
            flow->result.webUrl = info && !info->webUrl.isEmpty() ? info->webUrl : found.webUrl;
            flow->result.created = false;
            runLabels(flow);
        },
        &flow->result.sent);
}

void GitProvider::runLabels(const std::shared_ptr<Flow>& flow) {
    const QStringList& labels = flow->spec.labels;
    const QString number = QString::number(flow->result.number);
    const auto done = [flow] { flow->callback(flow->result); };
    if (labels.isEmpty())
        return done();
    const QString subject = QStringLiteral("%1 #%2 in %3")
                                .arg(pullRequestNoun(m_config.kind), number, m_config.repoPath());
    switch (m_recipe->labelMode()) {
    case detail::ProviderRecipe::LabelMode::InRequest:
        return done();
    case detail::ProviderRecipe::LabelMode::None:
        flow->result.labelsNotApplied = labels;
        return done();
    case detail::ProviderRecipe::LabelMode::ByName:
        return send(
            m_recipe->addLabels(number, labels), false, subject,
            [flow, done](Result<QByteArray> r) {
                if (!r)
                    return flow->callback(r.error());
                done();
            },
            &flow->result.sent);
    case detail::ProviderRecipe::LabelMode::ById:
        return send(
            m_recipe->labelCatalogue(), true,
            QStringLiteral("repository %1").arg(m_config.repoPath()),
            [this, flow, done, number, subject](Result<QByteArray> r) {
                if (!r)
                    return flow->callback(r.error());
                Result<QHash<QString, qint64>> catalogue = m_recipe->parseLabelCatalogue(*r);
                if (!catalogue)
                    return flow->callback(catalogue.error());
                QStringList ids;
                for (const QString& name : flow->spec.labels) {
                    if (catalogue->contains(name))
                        ids << QString::number(catalogue->value(name));
                    else
                        flow->result.labelsNotApplied << name;
                }
                if (ids.isEmpty())
                    return done();
                send(
                    m_recipe->addLabels(number, ids), false, subject,
                    [flow, done](Result<QByteArray> added) {
                        if (!added)
                            return flow->callback(added.error());
                        done();
                    },
                    &flow->result.sent);
            },
            &flow->result.sent);
    }
}

void GitProvider::comment(const ApprovedWrite& approved, int number, const QString& body,
                          Callback<CommentResult> callback) {
    const auto fail = [this, callback](Error e) {
        failSoon([callback](Error err) { callback(err); }, std::move(e));
    };
    if (m_configError.isError())
        return fail(m_configError);
    const WriteRequest expected = prepareComment(number, body);
    const WriteRequest& r = approved.request();
    if (r.instanceId != expected.instanceId)
        return fail(refusal(
            QStringLiteral("it was approved for another repository (%1)").arg(r.instanceName)));
    if (r.method != expected.method || r.url != expected.url || r.body != expected.body ||
        r.action != expected.action)
        return fail(refusal(QStringLiteral("the approved request differs from this comment")));
    if (m_token.isEmpty())
        return fail(Error::make(Error::Kind::Unauthorized,
                                QStringLiteral("No %1 token is set for %2")
                                    .arg(providerDisplayName(m_config.kind), m_config.repoPath())));
    send(m_recipe->comment(QString::number(number), body), false,
         QStringLiteral("%1 #%2 in %3")
             .arg(pullRequestNoun(m_config.kind))
             .arg(number)
             .arg(m_config.repoPath()),
         [this, callback](Result<QByteArray> answer) {
             if (!answer)
                 return callback(answer.error());
             callback(m_recipe->parseComment(*answer));
         });
}

} // namespace sextant::gitops
