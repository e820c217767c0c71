// GitLab REST v4: merge requests are addressed by project (URL-encoded path) and iid; labels
// travel in the request itself; drafts are a "Draft: " title prefix.

#include "gitprovider.h"

namespace sextant::gitops::detail {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

class GitLabRecipe final : public ProviderRecipe {
public:
    using ProviderRecipe::ProviderRecipe;

    QPair<QByteArray, QByteArray> authHeader(const QString& token) const override {
        return {"PRIVATE-TOKEN", token.toUtf8()};
    }

    // The project id is the whole path, '/' encoded as %2F.
    QString projectEndpoint(const QStringList& rest) const {
        return endpoint(QStringList{QStringLiteral("projects"), m_config.repoPath()} + rest);
    }

    static QString title(const PullRequestSpec& spec) {
        if (!spec.draft || spec.title.startsWith(QLatin1String("Draft:")))
            return spec.title;
        return QStringLiteral("Draft: ") + spec.title;
    }

    HttpCall lookup(const PullRequestSpec& spec) const override {
        return {QStringLiteral("GET"),
                projectEndpoint({QStringLiteral("merge_requests")}) +
                    encodeQuery({{QStringLiteral("source_branch"), spec.sourceBranch},
                                 {QStringLiteral("target_branch"), spec.targetBranch},
                                 {QStringLiteral("state"), QStringLiteral("opened")},
                                 {QStringLiteral("per_page"), QStringLiteral("100")}}),
                {}};
    }

    Result<LookupPage> parseLookup(const QByteArray& body, const PullRequestSpec& spec,
                                   const HttpCall&) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the merge request list"));
        if (!doc)
            return doc.error();
        if (!doc->is_array())
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("GitLab: the merge request list is not an array"));
        LookupPage page;
        for (const json& mr : *doc) {
            if (!mr.is_object() || jsonString(mr, "state") != QLatin1String("opened") ||
                jsonString(mr, "source_branch") != spec.sourceBranch ||
                jsonString(mr, "target_branch") != spec.targetBranch)
                continue;
            Result<PullRequestInfo> info = toInfo(mr);
            if (!info)
                return info.error();
            page.found = *info;
            break;
        }
        return page;
    }

    HttpCall create(const PullRequestSpec& spec) const override {
        ordered_json body;
        body["source_branch"] = spec.sourceBranch.toStdString();
        body["target_branch"] = spec.targetBranch.toStdString();
        body["title"] = title(spec).toStdString();
        body["description"] = spec.body.toStdString();
        if (!spec.labels.isEmpty())
            body["labels"] = spec.labels.join(QLatin1Char(',')).toStdString();
        return {QStringLiteral("POST"), projectEndpoint({QStringLiteral("merge_requests")}),
                jsonBytes(body)};
    }

    Result<PullRequestInfo> toInfo(const json& mr) const {
        PullRequestInfo info;
        info.number = int(jsonInteger(mr, "iid"));
        info.webUrl = QUrl(jsonString(mr, "web_url"));
        info.title = jsonString(mr, "title");
        if (info.number <= 0)
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("GitLab: the merge request has no iid"));
        return info;
    }

    Result<PullRequestInfo> parsePullRequest(const QByteArray& body) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the merge request"));
        if (!doc)
            return doc.error();
        return toInfo(*doc);
    }

    HttpCall update(const PullRequestSpec& spec, const QString& number,
                    const QString&) const override {
        ordered_json body;
        body["title"] = title(spec).toStdString();
        body["description"] = spec.body.toStdString();
        if (!spec.labels.isEmpty())
            body["add_labels"] = spec.labels.join(QLatin1Char(',')).toStdString();
        return {QStringLiteral("PUT"), projectEndpoint({QStringLiteral("merge_requests"), number}),
                jsonBytes(body)};
    }

    int duplicateStatus() const override { return 409; }
    LabelMode labelMode() const override { return LabelMode::InRequest; }

    HttpCall comment(const QString& number, const QString& text) const override {
        ordered_json body;
        body["body"] = text.toStdString();
        return {
            QStringLiteral("POST"),
            projectEndpoint({QStringLiteral("merge_requests"), number, QStringLiteral("notes")}),
            jsonBytes(body)};
    }

    Result<CommentResult> parseComment(const QByteArray& body) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the note"));
        if (!doc)
            return doc.error();
        CommentResult c;
        c.id = jsonInteger(*doc, "id");
        if (c.id <= 0)
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("GitLab: the note answer has no id"));
        return c;
    }
};

} // namespace

std::unique_ptr<ProviderRecipe> makeGitLabRecipe(const ProviderConfig& config) {
    return std::make_unique<GitLabRecipe>(config);
}

} // namespace sextant::gitops::detail
