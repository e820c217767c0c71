// Bitbucket Cloud (api.bitbucket.org/2.0) and Bitbucket Data Center (/rest/api/latest). Neither
// has pull request labels. Data Center updates need the pull request's current `version`.

#include "gitprovider.h"

#include <QUrlQuery>

namespace sextant::gitops::detail {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

QString quoted(QString s) {
    s.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    s.replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QLatin1Char('"') + s + QLatin1Char('"');
}

class BitbucketCloudRecipe final : public ProviderRecipe {
public:
    using ProviderRecipe::ProviderRecipe;

    QPair<QByteArray, QByteArray> authHeader(const QString& token) const override {
        return {"Authorization", "Bearer " + token.toUtf8()};
    }

    QString prEndpoint(const QStringList& rest) const {
        return endpoint(QStringList{QStringLiteral("repositories"), m_config.owner, m_config.repo,
                                    QStringLiteral("pullrequests")} +
                        rest);
    }

    HttpCall lookup(const PullRequestSpec& spec) const override {
        const QString q = QStringLiteral("source.branch.name=%1 AND destination.branch.name=%2 "
                                         "AND state=\"OPEN\"")
                              .arg(quoted(spec.sourceBranch), quoted(spec.targetBranch));
        return {QStringLiteral("GET"),
                prEndpoint({}) + encodeQuery({{QStringLiteral("q"), q},
                                              {QStringLiteral("state"), QStringLiteral("OPEN")},
                                              {QStringLiteral("pagelen"), QStringLiteral("50")}}),
                {}};
    }

    Result<LookupPage> parseLookup(const QByteArray& body, const PullRequestSpec& spec,
                                   const HttpCall&) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the pull request list"));
        if (!doc)
            return doc.error();
        if (!doc->is_object() || !doc->contains("values") || !(*doc)["values"].is_array())
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("Bitbucket Cloud: the pull request list has no "
                                              "values"));
        LookupPage page;
        for (const json& pr : (*doc)["values"]) {
            const json src = pr.value("source", json::object()).value("branch", json::object());
            const json dst =
                pr.value("destination", json::object()).value("branch", json::object());
            if (jsonString(pr, "state") != QLatin1String("OPEN") ||
                jsonString(src, "name") != spec.sourceBranch ||
                jsonString(dst, "name") != spec.targetBranch)
                continue;
            Result<PullRequestInfo> info = toInfo(pr);
            if (!info)
                return info.error();
            page.found = *info;
            return page;
        }
        if (const QString next = jsonString(*doc, "next"); !next.isEmpty())
            page.next = HttpCall{QStringLiteral("GET"), next, {}};
        return page;
    }

    HttpCall create(const PullRequestSpec& spec) const override {
        ordered_json body;
        body["title"] = spec.title.toStdString();
        body["description"] = spec.body.toStdString();
        body["source"] = {{"branch", {{"name", spec.sourceBranch.toStdString()}}}};
        body["destination"] = {{"branch", {{"name", spec.targetBranch.toStdString()}}}};
        body["draft"] = spec.draft;
        return {QStringLiteral("POST"), prEndpoint({}), jsonBytes(body)};
    }

    Result<PullRequestInfo> toInfo(const json& pr) const {
        PullRequestInfo info;
        info.number = int(jsonInteger(pr, "id"));
        info.webUrl = QUrl(
            jsonString(pr.value("links", json::object()).value("html", json::object()), "href"));
        info.title = jsonString(pr, "title");
        if (info.number <= 0)
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("Bitbucket Cloud: the pull request has no id"));
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
        body["description"] = spec.body.toStdString();
        return {QStringLiteral("PUT"), prEndpoint({number}), jsonBytes(body)};
    }

    int duplicateStatus() const override { return 400; }

    HttpCall comment(const QString& number, const QString& text) const override {
        ordered_json body;
        body["content"] = {{"raw", text.toStdString()}};
        return {QStringLiteral("POST"), prEndpoint({number, QStringLiteral("comments")}),
                jsonBytes(body)};
    }

    Result<CommentResult> parseComment(const QByteArray& body) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the comment"));
        if (!doc)
            return doc.error();
        CommentResult c;
        c.id = jsonInteger(*doc, "id");
        c.webUrl = QUrl(
            jsonString(doc->value("links", json::object()).value("html", json::object()), "href"));
        if (c.id <= 0)
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("Bitbucket Cloud: the comment answer has no id"));
        return c;
    }
};

class BitbucketDataCenterRecipe final : public ProviderRecipe {
public:
    using ProviderRecipe::ProviderRecipe;

    QPair<QByteArray, QByteArray> authHeader(const QString& token) const override {
        return {"Authorization", "Bearer " + token.toUtf8()};
    }

    QString prEndpoint(const QStringList& rest) const {
        return endpoint(QStringList{QStringLiteral("projects"), m_config.owner,
                                    QStringLiteral("repos"), m_config.repo,
                                    QStringLiteral("pull-requests")} +
                        rest);
    }

    static QString ref(const QString& branch) { return QStringLiteral("refs/heads/") + branch; }

    HttpCall lookupFrom(const PullRequestSpec& spec, qint64 start) const {
        QList<QPair<QString, QString>> items = {
            {QStringLiteral("at"), ref(spec.sourceBranch)},
            {QStringLiteral("direction"), QStringLiteral("OUTGOING")},
            {QStringLiteral("state"), QStringLiteral("OPEN")},
            {QStringLiteral("limit"), QStringLiteral("100")}};
        if (start > 0)
            items.append({QStringLiteral("start"), QString::number(start)});
        return {QStringLiteral("GET"), prEndpoint({}) + encodeQuery(items), {}};
    }

    HttpCall lookup(const PullRequestSpec& spec) const override { return lookupFrom(spec, 0); }

    Result<LookupPage> parseLookup(const QByteArray& body, const PullRequestSpec& spec,
                                   const HttpCall&) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the pull request list"));
        if (!doc)
            return doc.error();
        if (!doc->is_object() || !doc->contains("values") || !(*doc)["values"].is_array())
            return Error::make(Error::Kind::Protocol,
                               QStringLiteral("Bitbucket Data Center: the pull request list has "
                                              "no values"));
        LookupPage page;
        for (const json& pr : (*doc)["values"]) {
            if (jsonString(pr, "state") != QLatin1String("OPEN") ||
                jsonString(pr.value("fromRef", json::object()), "id") != ref(spec.sourceBranch) ||
                jsonString(pr.value("toRef", json::object()), "id") != ref(spec.targetBranch))
                continue;
            Result<PullRequestInfo> info = toInfo(pr);
            if (!info)
                return info.error();
            page.found = *info;
            return page;
        }
        if (doc->value("isLastPage", true) == false)
            page.next = lookupFrom(spec, jsonInteger(*doc, "nextPageStart"));
        return page;
    }

    ordered_json refJson(const QString& branch) const {
        ordered_json r;
        r["id"] = ref(branch).toStdString();
        r["repository"] = {{"slug", m_config.repo.toStdString()},
                           {"project", {{"key", m_config.owner.toStdString()}}}};
        return r;
    }

    HttpCall create(const PullRequestSpec& spec) const override {
        ordered_json body;
        body["title"] = spec.title.toStdString();
        body["description"] = spec.body.toStdString();
        if (spec.draft)
            body["draft"] = true; // Data Center 8.18 and later
        body["fromRef"] = refJson(spec.sourceBranch);
        body["toRef"] = refJson(spec.targetBranch);
        return {QStringLiteral("POST"), prEndpoint({}), jsonBytes(body)};
    }

    Result<PullRequestInfo> toInfo(const json& pr) const {
        PullRequestInfo info;
        info.number = int(jsonInteger(pr, "id"));
        info.version = int(jsonInteger(pr, "version", -1));
        info.title = jsonString(pr, "title");
        const json self = pr.value("links", json::object()).value("self", json::array());
        if (self.is_array() && !self.empty())
            info.webUrl = QUrl(jsonString(self[0], "href"));
        if (info.number <= 0)
            return Error::make(Error::Kind::Protocol, QStringLiteral("Bitbucket Data Center: the "
                                                                     "pull request has no id"));
        return info;
    }

    Result<PullRequestInfo> parsePullRequest(const QByteArray& body) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the pull request"));
        if (!doc)
            return doc.error();
        return toInfo(*doc);
    }

    HttpCall update(const PullRequestSpec& spec, const QString& number,
                    const QString& version) const override {
        ordered_json body;
        bool ok = false;
        const int v = version.toInt(&ok);
        if (ok)
            body["version"] = v;
        else
            body["version"] = version.toStdString(); // a placeholder in describe…()
        body["title"] = spec.title.toStdString();
        body["description"] = spec.body.toStdString();
        return {QStringLiteral("PUT"), prEndpoint({number}), jsonBytes(body)};
    }

    int duplicateStatus() const override { return 409; }

    HttpCall comment(const QString& number, const QString& text) const override {
        ordered_json body;
        body["text"] = text.toStdString();
        return {QStringLiteral("POST"), prEndpoint({number, QStringLiteral("comments")}),
                jsonBytes(body)};
    }

    Result<CommentResult> parseComment(const QByteArray& body) const override {
        Result<json> doc = parseAnswer(m_config, body, QStringLiteral("the comment"));
        if (!doc)
            return doc.error();
        CommentResult c;
        c.id = jsonInteger(*doc, "id");
        if (c.id <= 0)
            return Error::make(Error::Kind::Protocol, QStringLiteral("Bitbucket Data Center: the "
                                                                     "comment answer has no id"));
        return c;
    }
};

} // namespace

std::unique_ptr<ProviderRecipe> makeBitbucketCloudRecipe(const ProviderConfig& config) {
    return std::make_unique<BitbucketCloudRecipe>(config);
}

std::unique_ptr<ProviderRecipe> makeBitbucketDataCenterRecipe(const ProviderConfig& config) {
    return std::make_unique<BitbucketDataCenterRecipe>(config);
}

} // namespace sextant::gitops::detail
