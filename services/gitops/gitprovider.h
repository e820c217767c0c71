#pragma once

#include "argocd/httperror.h"
#include "core/result.h"
#include "core/writerequest.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QSslConfiguration>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVector>

#include <functional>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

class QNetworkAccessManager;
class QNetworkReply;

namespace sextant::gitops {

// The hosting services Sextant opens pull requests on (docs/git-providers.md).
enum class ProviderKind { GitHub, GitLab, Gitea, BitbucketCloud, BitbucketDataCenter };

// "github", "gitlab", "gitea", "bitbucket-cloud", "bitbucket-dc": settings, flags, JSON.
QString providerKindName(ProviderKind kind);
// "GitHub", "GitLab", "Gitea", "Bitbucket Cloud", "Bitbucket Data Center": messages.
QString providerDisplayName(ProviderKind kind);
// Accepts the stable names (case-insensitive) and "forgejo", "bitbucket", "bitbucket-server",
// "bitbucket-datacenter" as aliases.
std::optional<ProviderKind> providerKindFromString(QStringView text);
// "pull request" or "merge request" (GitLab), for messages.
QString pullRequestNoun(ProviderKind kind);

// Where one repository lives on one provider. `apiBase` is the API root every path is appended
// to: https://api.github.com (GitHub Enterprise: https://host/api/v3),
// https://gitlab.com/api/v4, https://host/api/v1 (Gitea/Forgejo), https://api.bitbucket.org/2.0,
// https://host/rest/api/latest (Bitbucket Data Center).
struct ProviderConfig {
    ProviderKind kind = ProviderKind::GitHub;
    QUrl apiBase;
    QString owner; // GitHub/Gitea owner, GitLab group path ("a/b"), Bitbucket workspace or
                   // Data Center project key
    QString repo;  // repository name or slug
    bool verifyTls = true;
    int requestTimeoutMs = 30000;

    // Stable key for governance (InstancePolicy mode, audit `instance`):
    // "git:<kind>:<api host[:port]>/<owner>/<repo>".
    QString id() const;
    // "GitHub o/r", the first words of every message.
    QString displayName() const;
    // "o/r" (GitLab: "group/sub/project", Data Center: "KEY/slug").
    QString repoPath() const;
    Status validate() const;

    // From a clone URL: https://host/o/r(.git), git@host:o/r.git or ssh://git@host/o/r.git.
    // github.com, gitlab.com and bitbucket.org are recognised; any other host needs `kind`.
    // `apiBase` overrides the derived API root; without it the provider's convention is used
    // (GitHub Enterprise /api/v3, GitLab /api/v4, Gitea /api/v1, Data Center
    // /rest/api/latest with its /scm/KEY/slug.git clone URLs).
    static Result<ProviderConfig> fromRepositoryUrl(const QString& repositoryUrl,
                                                    std::optional<ProviderKind> kind = {},
                                                    const QUrl& apiBase = {});
};

// What a pull (merge) request should say. Drafts: GitHub, Bitbucket Cloud and Data Center take a
// draft flag; GitLab gets the "Draft: " and Gitea the "WIP: " title prefix. Labels: GitHub and
// Gitea through the issue-labels endpoint (Gitea by ID, so names are resolved first), GitLab in
// the request itself; Bitbucket has none (reported back in labelsNotApplied).
struct PullRequestSpec {
    QString sourceBranch;
    QString targetBranch;
    QString title;
    QString body; // Markdown
    bool draft = false;
    QStringList labels;
};

struct PullRequestResult {
    int number = 0; // GitHub/Gitea number, GitLab iid, Bitbucket id
    QUrl webUrl;
    bool created = false; // false: an open one for the same branches was updated
    QStringList labelsNotApplied;
    QStringList sent; // "POST https://…" per request sent, in order, for the audit outcome
};

struct CommentResult {
    qint64 id = 0;
    QUrl webUrl; // empty when the provider does not return one
};

// An open pull request found for a source → target pair.
struct PullRequestInfo {
    int number = 0;
    QUrl webUrl;
    QString title;
    int version = -1; // Bitbucket Data Center's optimistic-locking version
};

// One HTTP request a call may send, for display before approval. The token is redacted in the
// headers; `url` and `body` may hold "{number}" and "{version}" where they are known only after
// the lookup.
struct PlannedRequest {
    QString when; // "always", "if none is open", "if one is open", ...
    QString method;
    QString url;
    QList<QPair<QString, QString>> headers;
    QByteArray body;
    QString displayText() const;
};

namespace detail {

// One exact request.
struct HttpCall {
    QString method;
    QString url; // fully encoded
    QByteArray body;
};

struct LookupPage {
    std::optional<PullRequestInfo> found;
    std::optional<HttpCall> next; // more pages to read
};

// The per-provider recipes: how each call is spelled and each answer read. Pure functions of
// the configuration, so describe…() and the executor build byte-identical requests.
class ProviderRecipe {
public:
    explicit ProviderRecipe(ProviderConfig config)
        : m_config(std::move(config)) {}
    virtual ~ProviderRecipe();
    const ProviderConfig& config() const { return m_config; }

    // The authentication header (name, value) for a token.
    virtual QPair<QByteArray, QByteArray> authHeader(const QString& token) const = 0;
    virtual QList<QPair<QByteArray, QByteArray>> extraHeaders() const { return {}; }

    virtual HttpCall lookup(const PullRequestSpec& spec) const = 0;
    // `current` is the request that produced `body` (for the next page).
    virtual Result<LookupPage> parseLookup(const QByteArray& body, const PullRequestSpec& spec,
                                           const HttpCall& current) const = 0;
    virtual HttpCall create(const PullRequestSpec& spec) const = 0;
    virtual Result<PullRequestInfo> parsePullRequest(const QByteArray& body) const = 0;
    // `number` and `version` are text so describe…() can pass placeholders.
    virtual HttpCall update(const PullRequestSpec& spec, const QString& number,
                            const QString& version) const = 0;
    // The status a create answers when an open one exists for the same branches.
    virtual int duplicateStatus() const = 0;
    // Labels applied after create/update: none (in the create body or unsupported) by default.
    enum class LabelMode { None, InRequest, ByName, ById };
    virtual LabelMode labelMode() const { return LabelMode::None; }
    virtual HttpCall labelCatalogue() const { return {}; }
    // name -> id from the catalogue answer (LabelMode::ById).
    virtual Result<QHash<QString, qint64>> parseLabelCatalogue(const QByteArray&) const {
        return QHash<QString, qint64>{};
    }
    // `labels` are names (ByName) or decimal IDs (ById).
    virtual HttpCall addLabels(const QString& number, const QStringList& labels) const {
        Q_UNUSED(number);
        Q_UNUSED(labels);
        return {};
    }
    virtual HttpCall comment(const QString& number, const QString& body) const = 0;
    virtual Result<CommentResult> parseComment(const QByteArray& body) const = 0;

    // <apiBase>/<segments percent-encoded one by one>, '/' inside a segment included.
    QString endpoint(const QStringList& segments) const;
    static QString encodeQuery(const QList<QPair<QString, QString>>& items);

protected:
    ProviderConfig m_config;
};

// JSON helpers shared by the recipes.
QByteArray jsonBytes(const nlohmann::ordered_json& doc);
// The answer as JSON, or a Protocol error naming the provider and `what`.
Result<nlohmann::json> parseAnswer(const ProviderConfig& config, const QByteArray& body,
                                   const QString& what);
QString jsonString(const nlohmann::json& object, const char* key);
qint64 jsonInteger(const nlohmann::json& object, const char* key, qint64 fallback = 0);

std::unique_ptr<ProviderRecipe> makeRecipe(const ProviderConfig& config);
std::unique_ptr<ProviderRecipe> makeGitHubRecipe(const ProviderConfig& config);
std::unique_ptr<ProviderRecipe> makeGitLabRecipe(const ProviderConfig& config);
std::unique_ptr<ProviderRecipe> makeGiteaRecipe(const ProviderConfig& config);
std::unique_ptr<ProviderRecipe> makeBitbucketCloudRecipe(const ProviderConfig& config);
std::unique_ptr<ProviderRecipe> makeBitbucketDataCenterRecipe(const ProviderConfig& config);

// The provider's explanation from an error body: GitHub {"message","errors":[{"message"}]},
// GitLab {"message": "..." | [..] | {field: [..]}}, Gitea {"message"}, Bitbucket Cloud
// {"error":{"message"}}, Data Center {"errors":[{"message"}]}. Empty when there is none.
QString providerMessageFromBody(const QByteArray& body);

// A failed exchange as a typed Error in the provider's words: 401 "The GitHub token was
// refused", 403 Forbidden, 404 "<subject> not found or the token cannot see it", 409 Conflict,
// other 4xx BadRequest, each with the provider's message; network and TLS failures as for Argo
// CD. `subject` names what the request was about ("repository o/r", "pull request #4 in o/r").
// Never contains the token: the token only travels in a header.
Error errorFromProviderFailure(const ProviderConfig& config, const argocd::HttpFailure& failure,
                               const QString& subject);

} // namespace detail

// The REST client of one repository on one provider. Lives on one thread; every callback is
// delivered on that thread, never after the GitProvider is destroyed. Reads (lookups) may be
// retried on network errors; writes are sent once, and only with an ApprovedWrite whose request
// is exactly what prepare…() builds for the same arguments.
class GitProvider : public QObject {
    Q_OBJECT
public:
    template <typename T>
    using Callback = std::function<void(Result<T>)>;

    explicit GitProvider(ProviderConfig config, QObject* parent = nullptr);
    ~GitProvider() override;

    const ProviderConfig& config() const { return m_config; }
    // Null unless the configuration cannot work.
    const Error& configError() const { return m_configError; }
    // The token travels only in the provider's auth header; it is never logged, never in an
    // error or an audit entry.
    void setToken(const QString& token);
    bool hasToken() const { return !m_token.isEmpty(); }

    // Every request openOrUpdatePullRequest() may send, in order, token redacted.
    QVector<PlannedRequest> describeOpenOrUpdatePullRequest(const PullRequestSpec& spec) const;
    QVector<PlannedRequest> describeComment(int number, const QString& body) const;
    // What the approval gate shows and records: the create request (method, URL, exact body),
    // with the update alternative in the summary. The executor refuses an ApprovedWrite that
    // differs from this for the spec it is given.
    WriteRequest prepareOpenOrUpdatePullRequest(const PullRequestSpec& spec) const;
    WriteRequest prepareComment(int number, const QString& body) const;

    // Idempotent: an open pull request for the same source → target is updated (title, body,
    // labels) instead of opening a second one; a create that races with another client and gets
    // the provider's duplicate answer looks again and updates what it finds.
    void openOrUpdatePullRequest(const ApprovedWrite& approved, const PullRequestSpec& spec,
                                 Callback<PullRequestResult> callback);
    void comment(const ApprovedWrite& approved, int number, const QString& body,
                 Callback<CommentResult> callback);
    // Read-only: the open pull request for source → target, if any.
    void findOpenPullRequest(const QString& sourceBranch, const QString& targetBranch,
                             Callback<std::optional<PullRequestInfo>> callback);

private:
    struct Call;
    struct Flow;
    using RawCallback = std::function<void(Result<QByteArray>)>;

    void send(const detail::HttpCall& call, bool idempotent, const QString& subject,
              RawCallback done, QStringList* sentLog = nullptr);
    void dispatch(std::shared_ptr<Call> call);
    void finishCall(const std::shared_ptr<Call>& call, QNetworkReply* reply);
    void lookupPage(const detail::HttpCall& call, const PullRequestSpec& spec,
                    Callback<std::optional<PullRequestInfo>> callback, QStringList* sentLog,
                    int pagesLeft);
    void runCreate(const std::shared_ptr<Flow>& flow);
    void runUpdate(const std::shared_ptr<Flow>& flow, const PullRequestInfo& found,
                   bool retryOnStale);
    void runLabels(const std::shared_ptr<Flow>& flow);
    Error refusal(const QString& why) const;
    QString scrub(QString text) const;
    void failSoon(const std::function<void(Error)>& callback, Error error);

    ProviderConfig m_config;
    std::unique_ptr<detail::ProviderRecipe> m_recipe;
    QString m_token;
    Error m_configError;
    QSslConfiguration m_ssl;
    QNetworkAccessManager* m_nam = nullptr;
    QHash<QNetworkReply*, std::shared_ptr<Call>> m_inFlight;
};

} // namespace sextant::gitops
