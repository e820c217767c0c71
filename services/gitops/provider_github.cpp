// GitHub REST (also GitHub Enterprise Server at https://host/api/v3): pull requests are issues,
// so comments and labels go through the issue endpoints.

#include "gitprovider.h"

namespace sextant::gitops::detail {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

class GitHubRecipe final : public ProviderRecipe {
public:
    using ProviderRecipe::ProviderRecipe;

    QPair<QByteArray, QByteArray> authHeader(const QString& token) const override {
        return {"Authorization", "Bearer " + token.toUtf8()};
    }
    QList<QPair<QByteArray, QByteArray>> extraHeaders() const override {
        return {{"Accept", "application/vnd.github+json"}, {"X-GitHub-Api-Version", "2022-11-28"}};
    }

    QString repoEndpoint(const QStringList& rest) const {
        return endpoint(QStringList{QStringLiteral("repos"), m_config.owner, m_config.repo} + rest);
    }

    HttpCall lookup(const PullRequestSpec& spec) const override {
        // `head` is "owner:branch"; with head and base there is at most one open pull request.
        return {QStringLiteral("GET"),
                repoEndpoint({QStringLiteral("pulls")}) +
                    encodeQuery({{QStringLiteral("state"), QStringLiteral("open")},
                                 {QStringLiteral("head"),
                                  m_config.owner + QLatin1Char(':') + spec.sourceBranch},
                                 {QStringLiteral("base"), spec.targetBranch},
                                 {QStringLiteral("per_page"), QStringLiteral("100")}}),
                {}};
    }

    Result<LookupPage> parseLookup(const QByteArray& body, const PullRequestSpec& spec,
                                   const HttpCall&) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the pull request list"));
        if (!doc)
            return doc.error();
        if (!doc->is_array())
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("GitHub: the pull request list is not an array"));
        LookupPage page;
        for (const json& pr : *doc) {
            if (!pr.is_object() || jsonString(pr, "state") != QLatin1String("open"))
                continue;
            const json head = pr.value("head", json::object());
            const json base = pr.value("base", json::object());
            if (jsonString(head, "ref") != spec.sourceBranch ||
                jsonString(base, "ref") != spec.targetBranch)
                continue;
            Result<PullRequestInfo> info = toInfo(pr);
            if (!info)
                return info.error();
            page.found = *info;
            break;
        }
        return page;
    }

    HttpCall create(const PullRequestSpec& spec) const override {
        ordered_json body;
        body["title"] = spec.title.toStdString();
        body["head"] = spec.sourceBranch.toStdString();
        body["base"] = spec.targetBranch.toStdString();
        body["body"] = spec.body.toStdString();
        body["draft"] = spec.draft;
        return {QStringLiteral("POST"), repoEndpoint({QStringLiteral("pulls")}), jsonBytes(body)};
    }

    Result<PullRequestInfo> toInfo(const json& pr) const {
        PullRequestInfo info;
        info.number = int(jsonInteger(pr, "number"));
        info.webUrl = QUrl(jsonString(pr, "html_url"));
        info.title = jsonString(pr, "title");
        if (info.number <= 0)
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("GitHub: the pull request has no number"));
        return info;
    }

    Result<PullRequestInfo> parsePullRequest(const QByteArray& body) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the pull request"));
        if (!doc)
            return doc.error();
        return toInfo(*doc);
    }

    HttpCall update(const PullRequestSpec& spec, const QString& number,
                    const QString&) const override {
        ordered_json body;
        body["title"] = spec.title.toStdString();
        body["body"] = spec.body.toStdString();
        return {QStringLiteral("PATCH"), repoEndpoint({QStringLiteral("pulls"), number}),
                jsonBytes(body)};
    }

    int duplicateStatus() const override { return 422; }

    LabelMode labelMode() const override { return LabelMode::ByName; }
    HttpCall addLabels(const QString& number, const QStringList& labels) const override {
        ordered_json names = ordered_json::array();
        for (const QString& l : labels)
            names.push_back(l.toStdString());
        ordered_json body;
        body["labels"] = names;
        return {QStringLiteral("POST"),
                repoEndpoint({QStringLiteral("issues"), number, QStringLiteral("labels")}),
                jsonBytes(body)};
    }

    HttpCall comment(const QString& number, const QString& text) const override {
        ordered_json body;
        body["body"] = text.toStdString();
        return {QStringLiteral("POST"),
                repoEndpoint({QStringLiteral("issues"), number, QStringLiteral("comments")}),
                jsonBytes(body)};
    }

    Result<CommentResult> parseComment(const QByteArray& body) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the comment"));
        if (!doc)
            return doc.error();
        CommentResult c;
        c.id = jsonInteger(*doc, "id");
        c.webUrl = QUrl(jsonString(*doc, "html_url"));
        if (c.id <= 0)
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("GitHub: the comment answer has no id"));
        return c;
    }
};

} // namespace

std::unique_ptr<ProviderRecipe> makeGitHubRecipe(const ProviderConfig& config) {
    return std::make_unique<GitHubRecipe>(config);
}

} // namespace sextant::gitops::detail
