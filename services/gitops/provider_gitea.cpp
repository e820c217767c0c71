// Gitea and Forgejo (/api/v1): the pull request list cannot be filtered by branch, so open ones
// are read page by page and matched here; labels are attached by ID after the names are looked
// up; drafts are a "WIP: " title prefix.

#include "gitprovider.h"

#include <QUrlQuery>

namespace sextant::gitops::detail {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

constexpr int kPageSize = 50;

class GiteaRecipe final : public ProviderRecipe {
public:
    using ProviderRecipe::ProviderRecipe;

    QPair<QByteArray, QByteArray> authHeader(const QString& token) const override {
        return {"Authorization", "token " + token.toUtf8()};
    }

    QString repoEndpoint(const QStringList& rest) const {
        return endpoint(QStringList{QStringLiteral("repos"), m_config.owner, m_config.repo} + rest);
    }

    static QString title(const PullRequestSpec& spec) {
        if (!spec.draft || spec.title.startsWith(QLatin1String("WIP:")))
            return spec.title;
        return QStringLiteral("WIP: ") + spec.title;
    }

    HttpCall listPage(int page) const {
        return {QStringLiteral("GET"),
                repoEndpoint({QStringLiteral("pulls")}) +
                    encodeQuery({{QStringLiteral("state"), QStringLiteral("open")},
                                 {QStringLiteral("limit"), QString::number(kPageSize)},
                                 {QStringLiteral("page"), QString::number(page)}}),
                {}};
    }

    HttpCall lookup(const PullRequestSpec&) const override { return listPage(1); }

    Result<LookupPage> parseLookup(const QByteArray& body, const PullRequestSpec& spec,
                                   const HttpCall& current) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the pull request list"));
        if (!doc)
            return doc.error();
        if (!doc->is_array())
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("Gitea: the pull request list is not an array"));
        LookupPage page;
        const QString fullName = m_config.repoPath();
        for (const json& pr : *doc) {
            if (!pr.is_object() || jsonString(pr, "state") != QLatin1String("open"))
                continue;
            const json head = pr.value("head", json::object());
            const json base = pr.value("base", json::object());
            if (jsonString(head, "ref") != spec.sourceBranch ||
                jsonString(base, "ref") != spec.targetBranch)
                continue;
            // A fork's branch of the same name is not ours.
            const QString headRepo = jsonString(head.value("repo", json::object()), "full_name");
            if (!headRepo.isEmpty() && headRepo.compare(fullName, Qt::CaseInsensitive) != 0)
                continue;
            Result<PullRequestInfo> info = toInfo(pr);
            if (!info)
                return info.error();
            page.found = *info;
            return page;
        }
        if (doc->size() >= size_t(kPageSize)) {
            const QUrlQuery query(QUrl(current.url, QUrl::StrictMode));
            page.next = listPage(query.queryItemValue(QStringLiteral("page")).toInt() + 1);
        }
        return page;
    }

    HttpCall create(const PullRequestSpec& spec) const override {
        ordered_json body;
        body["head"] = spec.sourceBranch.toStdString();
        body["base"] = spec.targetBranch.toStdString();
        body["title"] = title(spec).toStdString();
        body["body"] = spec.body.toStdString();
        return {QStringLiteral("POST"), repoEndpoint({QStringLiteral("pulls")}), jsonBytes(body)};
    }

    Result<PullRequestInfo> toInfo(const json& pr) const {
        PullRequestInfo info;
        info.number = int(jsonInteger(pr, "number"));
        info.webUrl = QUrl(jsonString(pr, "html_url"));
        info.title = jsonString(pr, "title");
        if (info.number <= 0)
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("Gitea: the pull request has no number"));
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
        body["title"] = title(spec).toStdString();
        body["body"] = spec.body.toStdString();
        return {QStringLiteral("PATCH"), repoEndpoint({QStringLiteral("pulls"), number}),
                jsonBytes(body)};
    }

    int duplicateStatus() const override { return 409; }

    LabelMode labelMode() const override { return LabelMode::ById; }
    HttpCall labelCatalogue() const override {
        return {QStringLiteral("GET"),
                repoEndpoint({QStringLiteral("labels")}) +
                    encodeQuery({{QStringLiteral("limit"), QStringLiteral("100")}}),
                {}};
    }
    Result<QHash<QString, qint64>> parseLabelCatalogue(const QByteArray& body) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the label list"));
        if (!doc)
            return doc.error();
        if (!doc->is_array())
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("Gitea: the label list is not an array"));
        QHash<QString, qint64> out;
        for (const json& l : *doc)
            if (const qint64 id = jsonInteger(l, "id"); id > 0)
                out.insert(jsonString(l, "name"), id);
        return out;
    }
    HttpCall addLabels(const QString& number, const QStringList& ids) const override {
        ordered_json list = ordered_json::array();
        for (const QString& id : ids) {
            bool ok = false;
            const qint64 n = id.toLongLong(&ok);
            if (ok)
                list.push_back(n);
            else
                list.push_back(id.toStdString()); // a placeholder in describe…()
        }
        ordered_json body;
        body["labels"] = list;
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
                               QStringLiteral("Gitea: the comment answer has no id"));
        return c;
    }
};

} // namespace

std::unique_ptr<ProviderRecipe> makeGiteaRecipe(const ProviderConfig& config) {
    return std::make_unique<GiteaRecipe>(config);
}

} // namespace sextant::gitops::detail
