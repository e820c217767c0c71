#include "sim/providersim.h"

#include "gitops/gitrepository.h"

#include <QPointer>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>

#include <nlohmann/json.hpp>

#include <map>

namespace sextant::sim {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

constexpr qsizetype kMaxHeaderBytes = 64 * 1024;
constexpr qsizetype kMaxBodyBytes = 8 * 1024 * 1024;

struct Reply {
    int status = 200;
    ordered_json body;
};

const char* reasonPhrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 422:
        return "Unprocessable Entity";
    default:
        return "Error";
    }
}

QString decode(const QByteArray& s, bool plusIsSpace) {
    QByteArray b = s;
    if (plusIsSpace)
        b.replace('+', ' ');
    return QString::fromUtf8(QByteArray::fromPercentEncoding(b));
}

std::string u8(const QString& s) {
    return s.toStdString();
}

QString qs(const json& doc, const char* key) {
    if (!doc.is_object())
        return {};
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                              : QString();
}

} // namespace

QByteArray RecordedRequest::header(const QByteArray& name) const {
    const QByteArray lower = name.toLower();
    for (const auto& [k, v] : headers)
        if (k == lower)
            return v;
    return {};
}

std::optional<ProviderFlavour> providerFlavourFromString(QStringView text) {
    const QString t = text.trimmed().toString().toLower();
    if (t == QLatin1String("github"))
        return ProviderFlavour::GitHub;
    if (t == QLatin1String("gitlab"))
        return ProviderFlavour::GitLab;
    if (t == QLatin1String("gitea") || t == QLatin1String("forgejo"))
        return ProviderFlavour::Gitea;
    if (t == QLatin1String("bitbucket-cloud") || t == QLatin1String("bitbucket"))
        return ProviderFlavour::BitbucketCloud;
    if (t == QLatin1String("bitbucket-dc") || t == QLatin1String("bitbucket-server") ||
        t == QLatin1String("bitbucket-datacenter"))
        return ProviderFlavour::BitbucketDataCenter;
    return std::nullopt;
}

QString providerFlavourName(ProviderFlavour f) {
    switch (f) {
    case ProviderFlavour::GitHub:
        return QStringLiteral("github");
    case ProviderFlavour::GitLab:
        return QStringLiteral("gitlab");
    case ProviderFlavour::Gitea:
        return QStringLiteral("gitea");
    case ProviderFlavour::BitbucketCloud:
        return QStringLiteral("bitbucket-cloud");
    case ProviderFlavour::BitbucketDataCenter:
        return QStringLiteral("bitbucket-dc");
    }
    return {};
}

struct SimRepo {
    QString owner, name;
    int projectId = 0; // GitLab numeric id
    QStringList branches;
    QString gitDir;                   // a real repository whose branches count too (linkRepository)
    std::map<QString, qint64> labels; // name -> id
    QVector<SimPullRequest> prs;
    QVector<SimComment> comments;
    QString path() const { return owner + QLatin1Char('/') + name; }
    // A branch exists when it was added, or (for a linked repository) when it was pushed there.
    bool hasBranch(const QString& branch) const {
        if (branches.contains(branch))
            return true;
        if (gitDir.isEmpty() || branch.isEmpty())
            return false;
        const auto repo = gitops::GitRepository::open(gitDir);
        return repo.ok() && repo.value()->resolve(QStringLiteral("refs/heads/") + branch).ok();
    }
};

struct ParsedRequest {
    RecordedRequest rec;
    QStringList segments; // decoded, after the API prefix
    std::multimap<QString, QString> query;
    json body;
    bool keepAlive = true;
    QString q(const QString& key) const {
        auto it = query.find(key);
        return it == query.end() ? QString() : it->second;
    }
};

class ProviderSimPrivate {
public:
    ProviderSim* q = nullptr;
    ProviderFlavour flavour = ProviderFlavour::GitHub;
    QString token = QStringLiteral("sim-provider-token");
    QPointer<QTcpServer> server;
    QHostAddress address;
    std::vector<SimRepo> repos;
    QVector<RecordedRequest> requests;
    std::function<void(const RecordedRequest&)> beforeServe;
    qint64 nextLabelId = 1;
    qint64 nextCommentId = 1000;
    int nextProjectId = 1;

    QString prefix() const {
        switch (flavour) {
        case ProviderFlavour::GitHub:
            return {};
        case ProviderFlavour::GitLab:
            return QStringLiteral("/api/v4");
        case ProviderFlavour::Gitea:
            return QStringLiteral("/api/v1");
        case ProviderFlavour::BitbucketCloud:
            return QStringLiteral("/2.0");
        case ProviderFlavour::BitbucketDataCenter:
            return QStringLiteral("/rest/api/latest");
        }
        return {};
    }
    QString webBase() const {
        return QStringLiteral("http://%1:%2")
            .arg(address.toString())
            .arg(server ? server->serverPort() : 0);
    }

    SimRepo* find(const QString& owner, const QString& repo) {
        for (SimRepo& r : repos) {
            const bool ownerMatch = flavour == ProviderFlavour::BitbucketDataCenter
                                        ? r.owner.compare(owner, Qt::CaseInsensitive) == 0
                                        : r.owner == owner;
            if (ownerMatch && r.name == repo)
                return &r;
        }
        return nullptr;
    }
    SimRepo* findGitLab(const QString& id) {
        bool numeric = false;
        const int n = id.toInt(&numeric);
        for (SimRepo& r : repos)
            if ((numeric && r.projectId == n) || (!numeric && r.path() == id))
                return &r;
        return nullptr;
    }
    static SimPullRequest* pr(SimRepo& repo, int number) {
        for (SimPullRequest& p : repo.prs)
            if (p.number == number)
                return &p;
        return nullptr;
    }
    // An open pull request for the branches; a hidden one (the race) becomes visible.
    static SimPullRequest* openFor(SimRepo& repo, const QString& source, const QString& target) {
        for (SimPullRequest& p : repo.prs)
            if (p.open && p.sourceBranch == source && p.targetBranch == target)
                return &p;
        return nullptr;
    }
    static int nextNumber(const SimRepo& repo) {
        int n = 0;
        for (const SimPullRequest& p : repo.prs)
            n = std::max(n, p.number);
        return n + 1;
    }

    void handle(QTcpSocket* sock, ParsedRequest& r);
    Reply route(ParsedRequest& r);
    Reply unauthorized() const;
    Reply notFoundRepo(const QString& path) const;
    Reply notFound(const QString& what) const;
    bool authorised(const RecordedRequest& r) const;

    Reply github(ParsedRequest& r);
    Reply gitlab(ParsedRequest& r);
    Reply gitea(ParsedRequest& r);
    Reply bitbucketCloud(ParsedRequest& r);
    Reply bitbucketDc(ParsedRequest& r);

    ordered_json githubPr(const SimRepo& repo, const SimPullRequest& p) const;
    ordered_json gitlabMr(const SimRepo& repo, const SimPullRequest& p) const;
    ordered_json giteaPr(const SimRepo& repo, const SimPullRequest& p) const;
    ordered_json cloudPr(const SimRepo& repo, const SimPullRequest& p) const;
    ordered_json dcPr(const SimRepo& repo, const SimPullRequest& p) const;
};

// ---- HTTP -----------------------------------------------------------------------------------

namespace {

class ProviderConnection : public QObject {
public:
    ProviderConnection(ProviderSimPrivate* d, QTcpSocket* s)
        : QObject(s)
        , d(d)
        , sock(s) {
        connect(s, &QTcpSocket::readyRead, this, [this] { onRead(); });
        connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
    }

    void onRead() {
        buf += sock->readAll();
        for (;;) {
            const qsizetype end = buf.indexOf("\r\n\r\n");
            if (end < 0) {
                if (buf.size() > kMaxHeaderBytes)
                    sock->disconnectFromHost();
                return;
            }
            const QList<QByteArray> lines = buf.left(end).split('\n');
            const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
            if (first.size() != 3 || !first[1].startsWith('/')) {
                sock->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: "
                            "close\r\n\r\n");
                sock->disconnectFromHost();
                return;
            }
            ParsedRequest r;
            r.rec.method = QString::fromLatin1(first[0]);
            r.rec.target = first[1];
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                const qsizetype colon = line.indexOf(':');
                if (colon > 0)
                    r.rec.headers.append(
                        {line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed()});
            }
            const qint64 length = r.rec.header("content-length").toLongLong();
            if (length < 0 || length > kMaxBodyBytes) {
                sock->write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: "
                            "close\r\n\r\n");
                sock->disconnectFromHost();
                return;
            }
            if (buf.size() < end + 4 + length)
                return;
            r.rec.body = buf.mid(end + 4, length);
            buf.remove(0, end + 4 + length);
            r.keepAlive = r.rec.header("connection").toLower() != "close";
            d->handle(sock, r);
            if (!r.keepAlive) {
                sock->disconnectFromHost();
                return;
            }
        }
    }

    ProviderSimPrivate* d;
    QTcpSocket* sock;
    QByteArray buf;
};

class ProviderServer : public QTcpServer {
public:
    ProviderServer(ProviderSimPrivate* d, QObject* parent)
        : QTcpServer(parent)
        , d(d) {}

protected:
    void incomingConnection(qintptr fd) override {
        auto* sock = new QTcpSocket(this);
        if (!sock->setSocketDescriptor(fd)) {
            delete sock;
            return;
        }
        new ProviderConnection(d, sock);
    }

private:
    ProviderSimPrivate* d;
};

} // namespace

void ProviderSimPrivate::handle(QTcpSocket* sock, ParsedRequest& r) {
    const qsizetype qm = r.rec.target.indexOf('?');
    const QByteArray rawPath = qm < 0 ? r.rec.target : r.rec.target.left(qm);
    // Split before decoding: GitLab's project id carries an encoded '/' (%2F).
    QStringList segments;
    for (const QByteArray& s : rawPath.split('/'))
        if (!s.isEmpty())
            segments << decode(s, false);
    if (qm >= 0)
        for (const QByteArray& part : r.rec.target.mid(qm + 1).split('&')) {
            if (part.isEmpty())
                continue;
            const qsizetype eq = part.indexOf('=');
            r.query.emplace(decode(eq < 0 ? part : part.left(eq), true),
                            eq < 0 ? QString() : decode(part.mid(eq + 1), true));
        }
    const QStringList prefixParts = prefix().split(QLatin1Char('/'), Qt::SkipEmptyParts);
    Reply reply;
    if (segments.mid(0, prefixParts.size()) != prefixParts) {
        reply = notFound(QStringLiteral("page"));
    } else {
        r.segments = segments.mid(prefixParts.size());
        if (!r.rec.body.isEmpty())
            r.body = json::parse(r.rec.body.begin(), r.rec.body.end(), nullptr, false);
        if (beforeServe)
            beforeServe(r.rec);
        if (!authorised(r.rec))
            reply = unauthorized();
        else if (!r.rec.body.isEmpty() && r.body.is_discarded())
            reply = Reply{400, ordered_json{{"message", "Problems parsing JSON"}}};
        else
            reply = route(r);
    }
    r.rec.status = reply.status;
    requests.append(r.rec);

    const std::string text = reply.body.is_null() ? std::string() : reply.body.dump();
    QByteArray head =
        "HTTP/1.1 " + QByteArray::number(reply.status) + ' ' + reasonPhrase(reply.status) + "\r\n";
    head += "Content-Type: application/json; charset=utf-8\r\n";
    head += "Content-Length: " + QByteArray::number(qsizetype(text.size())) + "\r\n";
    head += r.keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    sock->write(head);
    sock->write(text.data(), qint64(text.size()));
    Q_EMIT q->requestServed(r.rec.method, QString::fromUtf8(rawPath), reply.status);
}

bool ProviderSimPrivate::authorised(const RecordedRequest& r) const {
    const QByteArray t = token.toUtf8();
    const QByteArray auth = r.header("authorization");
    switch (flavour) {
    case ProviderFlavour::GitHub:
        return auth == "Bearer " + t || auth == "token " + t;
    case ProviderFlavour::GitLab:
        return r.header("private-token") == t || auth == "Bearer " + t;
    case ProviderFlavour::Gitea:
        return auth == "token " + t || auth == "Bearer " + t;
    case ProviderFlavour::BitbucketCloud:
    case ProviderFlavour::BitbucketDataCenter:
        return auth == "Bearer " + t;
    }
    return false;
}

Reply ProviderSimPrivate::unauthorized() const {
    switch (flavour) {
    case ProviderFlavour::GitHub:
        return {401,
                {{"message", "Bad credentials"},
                 {"documentation_url", "https://docs.github.com/rest"},
                 {"status", "401"}}};
    case ProviderFlavour::GitLab:
        return {401, {{"message", "401 Unauthorized"}}};
    case ProviderFlavour::Gitea:
        return {401,
                {{"message", "user does not exist [uid: 0, name: ]"},
                 {"url", u8(webBase() + QStringLiteral("/api/swagger"))}}};
    case ProviderFlavour::BitbucketCloud:
        return {401, {{"type", "error"}, {"error", {{"message", "Access token expired."}}}}};
    case ProviderFlavour::BitbucketDataCenter:
        return {401,
                {{"errors",
                  {{{"context", nullptr},
                    {"message", "Authentication failed. Please check your credentials and try "
                                "again."},
                    {"exceptionName", "com.atlassian.bitbucket.auth."
                                      "IncorrectPasswordAuthenticationException"}}}}}};
    }
    return {401, {}};
}

Reply ProviderSimPrivate::notFound(const QString& what) const {
    switch (flavour) {
    case ProviderFlavour::GitHub:
        return {404,
                {{"message", "Not Found"},
                 {"documentation_url", "https://docs.github.com/rest"},
                 {"status", "404"}}};
    case ProviderFlavour::GitLab:
        return {404, {{"message", u8(QStringLiteral("404 %1 Not Found").arg(what))}}};
    case ProviderFlavour::Gitea:
        return {404,
                {{"errors", nullptr},
                 {"message", "The target couldn't be found."},
                 {"url", u8(webBase() + QStringLiteral("/api/swagger"))}}};
    case ProviderFlavour::BitbucketCloud:
        return {404, {{"type", "error"}, {"error", {{"message", u8(what + " not found")}}}}};
    case ProviderFlavour::BitbucketDataCenter:
        return {404,
                {{"errors",
                  {{{"context", nullptr},
                    {"message", u8(what + QStringLiteral(" does not exist."))},
                    {"exceptionName", "com.atlassian.bitbucket.NoSuchEntityException"}}}}}};
    }
    return {404, {}};
}

Reply ProviderSimPrivate::notFoundRepo(const QString& path) const {
    switch (flavour) {
    case ProviderFlavour::GitLab:
        return notFound(QStringLiteral("Project"));
    case ProviderFlavour::BitbucketCloud:
        return notFound(QStringLiteral("Repository %1").arg(path));
    case ProviderFlavour::BitbucketDataCenter:
        return {404,
                {{"errors",
                  {{{"context", nullptr},
                    {"message", u8(QStringLiteral("Repository %1 does not exist.").arg(path))},
                    {"exceptionName",
                     "com.atlassian.bitbucket.repository.NoSuchRepositoryException"}}}}}};
    default:
        return notFound(QStringLiteral("Repository"));
    }
}

Reply ProviderSimPrivate::route(ParsedRequest& r) {
    switch (flavour) {
    case ProviderFlavour::GitHub:
        return github(r);
    case ProviderFlavour::GitLab:
        return gitlab(r);
    case ProviderFlavour::Gitea:
        return gitea(r);
    case ProviderFlavour::BitbucketCloud:
        return bitbucketCloud(r);
    case ProviderFlavour::BitbucketDataCenter:
        return bitbucketDc(r);
    }
    return notFound(QStringLiteral("page"));
}

// ---- GitHub ---------------------------------------------------------------------------------

ordered_json ProviderSimPrivate::githubPr(const SimRepo& repo, const SimPullRequest& p) const {
    ordered_json labels = ordered_json::array();
    for (const QString& l : p.labels)
        labels.push_back({{"name", u8(l)}});
    return {
        {"number", p.number},
        {"state", p.open ? "open" : "closed"},
        {"title", u8(p.title)},
        {"body", u8(p.body)},
        {"draft", p.draft},
        {"html_url", u8(QStringLiteral("%1/%2/pull/%3").arg(webBase(), repo.path()).arg(p.number))},
        {"head",
         {{"ref", u8(p.sourceBranch)},
          {"label", u8(repo.owner + QLatin1Char(':') + p.sourceBranch)},
          {"repo", {{"full_name", u8(repo.path())}}}}},
        {"base", {{"ref", u8(p.targetBranch)}, {"repo", {{"full_name", u8(repo.path())}}}}},
        {"labels", labels}};
}

Reply ProviderSimPrivate::github(ParsedRequest& r) {
    const QStringList& s = r.segments;
    if (s.size() < 4 || s[0] != QLatin1String("repos"))
        return notFound(QStringLiteral("page"));
    SimRepo* repo = find(s[1], s[2]);
    if (!repo)
        return notFoundRepo(s[1] + QLatin1Char('/') + s[2]);
    const QString& m = r.rec.method;
    const auto validation = [](const ordered_json& errors) {
        return Reply{422,
                     {{"message", "Validation Failed"},
                      {"errors", errors},
                      {"documentation_url",
                       "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"},
                      {"status", "422"}}};
    };
    if (s.size() == 4 && s[3] == QLatin1String("pulls")) {
        if (m == QLatin1String("GET")) {
            const QString state = r.q(QStringLiteral("state")).isEmpty()
                                      ? QStringLiteral("open")
                                      : r.q(QStringLiteral("state"));
            QString head = r.q(QStringLiteral("head"));
            QString headOwner;
            if (const qsizetype colon = head.indexOf(QLatin1Char(':')); colon >= 0) {
                headOwner = head.left(colon);
                head = head.mid(colon + 1);
            }
            const QString base = r.q(QStringLiteral("base"));
            ordered_json out = ordered_json::array();
            for (const SimPullRequest& p : repo->prs) {
                if (p.hiddenUntilCreate)
                    continue;
                if ((state == QLatin1String("open") && !p.open) ||
                    (state == QLatin1String("closed") && p.open))
                    continue;
                if (!headOwner.isEmpty() && headOwner != repo->owner)
                    continue;
                if ((!head.isEmpty() && p.sourceBranch != head) ||
                    (!base.isEmpty() && p.targetBranch != base))
                    continue;
                out.push_back(githubPr(*repo, p));
            }
            return {200, out};
        }
        if (m == QLatin1String("POST")) {
            const QString title = qs(r.body, "title"), head = qs(r.body, "head"),
                          base = qs(r.body, "base");
            if (title.isEmpty())
                return validation(
                    {{{"resource", "PullRequest"}, {"field", "title"}, {"code", "missing_field"}}});
            if (!repo->hasBranch(head))
                return validation(
                    {{{"resource", "PullRequest"}, {"field", "head"}, {"code", "invalid"}}});
            if (!repo->hasBranch(base))
                return validation(
                    {{{"resource", "PullRequest"}, {"field", "base"}, {"code", "invalid"}}});
            if (SimPullRequest* existing = openFor(*repo, head, base)) {
                existing->hiddenUntilCreate = false;
                return validation({{{"resource", "PullRequest"},
                                    {"code", "custom"},
                                    {"message", u8(QStringLiteral("A pull request already exists "
                                                                  "for %1:%2.")
                                                       .arg(repo->owner, head))}}});
            }
            SimPullRequest p;
            p.number = nextNumber(*repo);
            p.sourceBranch = head;
            p.targetBranch = base;
            p.title = title;
            p.body = qs(r.body, "body");
            p.draft = r.body.value("draft", false);
            repo->prs.append(p);
            return {201, githubPr(*repo, p)};
        }
        return {405, {{"message", "Method Not Allowed"}}};
    }
    if (s.size() == 5 && s[3] == QLatin1String("pulls")) {
        SimPullRequest* p = pr(*repo, s[4].toInt());
        if (!p)
            return notFound(QStringLiteral("Pull request"));
        if (m == QLatin1String("GET"))
            return {200, githubPr(*repo, *p)};
        if (m == QLatin1String("PATCH")) {
            if (r.body.contains("title"))
                p->title = qs(r.body, "title");
            if (r.body.contains("body"))
                p->body = qs(r.body, "body");
            ++p->updates;
            return {200, githubPr(*repo, *p)};
        }
        return {405, {{"message", "Method Not Allowed"}}};
    }
    if (s.size() == 6 && s[3] == QLatin1String("issues") && m == QLatin1String("POST")) {
        SimPullRequest* p = pr(*repo, s[4].toInt());
        if (!p)
            return notFound(QStringLiteral("Issue"));
        if (s[5] == QLatin1String("labels")) {
            ordered_json out = ordered_json::array();
            for (const json& l : r.body.value("labels", json::array())) {
                const QString name = QString::fromStdString(l.get<std::string>());
                if (!repo->labels.count(name))
                    repo->labels[name] = nextLabelId++;
                if (!p->labels.contains(name))
                    p->labels << name;
            }
            for (const QString& l : p->labels)
                out.push_back({{"id", repo->labels[l]}, {"name", u8(l)}});
            return {200, out};
        }
        if (s[5] == QLatin1String("comments")) {
            SimComment c{p->number, nextCommentId++, qs(r.body, "body")};
            repo->comments.append(c);
            return {201,
                    {{"id", c.id},
                     {"body", u8(c.body)},
                     {"html_url", u8(QStringLiteral("%1/%2/pull/%3#issuecomment-%4")
                                         .arg(webBase(), repo->path())
                                         .arg(p->number)
                                         .arg(c.id))}}};
        }
    }
    return notFound(QStringLiteral("page"));
}

// ---- GitLab ---------------------------------------------------------------------------------

ordered_json ProviderSimPrivate::gitlabMr(const SimRepo& repo, const SimPullRequest& p) const {
    ordered_json labels = ordered_json::array();
    for (const QString& l : p.labels)
        labels.push_back(u8(l));
    return {{"id", repo.projectId * 1000 + p.number},
            {"iid", p.number},
            {"project_id", repo.projectId},
            {"title", u8(p.title)},
            {"description", u8(p.body)},
            {"state", p.open ? "opened" : "closed"},
            {"draft", p.title.startsWith(QLatin1String("Draft:"))},
            {"source_branch", u8(p.sourceBranch)},
            {"target_branch", u8(p.targetBranch)},
            {"labels", labels},
            {"web_url", u8(QStringLiteral("%1/%2/-/merge_requests/%3")
                               .arg(webBase(), repo.path())
                               .arg(p.number))}};
}

Reply ProviderSimPrivate::gitlab(ParsedRequest& r) {
    const QStringList& s = r.segments;
    if (s.size() < 3 || s[0] != QLatin1String("projects"))
        return notFound(QStringLiteral("Page"));
    SimRepo* repo = findGitLab(s[1]);
    if (!repo)
        return notFoundRepo(s[1]);
    if (s[2] != QLatin1String("merge_requests"))
        return notFound(QStringLiteral("Page"));
    const QString& m = r.rec.method;
    const auto splitLabels = [](const QString& text) {
        QStringList out;
        for (const QString& l : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
            out << l.trimmed();
        return out;
    };
    if (s.size() == 3) {
        if (m == QLatin1String("GET")) {
            const QString state = r.q(QStringLiteral("state"));
            const QString source = r.q(QStringLiteral("source_branch"));
            const QString target = r.q(QStringLiteral("target_branch"));
            ordered_json out = ordered_json::array();
            for (const SimPullRequest& p : repo->prs) {
                if (p.hiddenUntilCreate)
                    continue;
                if ((state == QLatin1String("opened") && !p.open) ||
                    (state == QLatin1String("closed") && p.open))
                    continue;
                if ((!source.isEmpty() && p.sourceBranch != source) ||
                    (!target.isEmpty() && p.targetBranch != target))
                    continue;
                out.push_back(gitlabMr(*repo, p));
            }
            return {200, out};
        }
        if (m == QLatin1String("POST")) {
            const QString source = qs(r.body, "source_branch"),
                          target = qs(r.body, "target_branch"), title = qs(r.body, "title");
            if (title.isEmpty())
                return {400, {{"error", "title is missing"}}};
            if (!repo->hasBranch(source) || !repo->hasBranch(target))
                return {422, {{"message", {"Source branch or target branch does not exist"}}}};
            if (SimPullRequest* existing = openFor(*repo, source, target)) {
                existing->hiddenUntilCreate = false;
                return {409,
                        {{"message",
                          {u8(QStringLiteral("Another open merge request already "
                                             "exists for this source branch: !%1")
                                  .arg(existing->number))}}}};
            }
            SimPullRequest p;
            p.number = nextNumber(*repo);
            p.sourceBranch = source;
            p.targetBranch = target;
            p.title = title;
            p.body = qs(r.body, "description");
            p.draft = title.startsWith(QLatin1String("Draft:"));
            p.labels = splitLabels(qs(r.body, "labels"));
            repo->prs.append(p);
            return {201, gitlabMr(*repo, p)};
        }
        return {405, {{"message", "405 Method Not Allowed"}}};
    }
    SimPullRequest* p = pr(*repo, s[3].toInt());
    if (!p)
        return notFound(QStringLiteral("Merge Request"));
    if (s.size() == 4 && m == QLatin1String("PUT")) {
        if (r.body.contains("title")) {
            p->title = qs(r.body, "title");
            p->draft = p->title.startsWith(QLatin1String("Draft:"));
        }
        if (r.body.contains("description"))
            p->body = qs(r.body, "description");
        if (r.body.contains("labels"))
            p->labels = splitLabels(qs(r.body, "labels"));
        for (const QString& l : splitLabels(qs(r.body, "add_labels")))
            if (!p->labels.contains(l))
                p->labels << l;
        ++p->updates;
        return {200, gitlabMr(*repo, *p)};
    }
    if (s.size() == 4 && m == QLatin1String("GET"))
        return {200, gitlabMr(*repo, *p)};
    if (s.size() == 5 && s[4] == QLatin1String("notes") && m == QLatin1String("POST")) {
        const QString body = qs(r.body, "body");
        if (body.isEmpty())
            return {400, {{"message", {{"note", {"can't be blank"}}}}}};
        SimComment c{p->number, nextCommentId++, body};
        repo->comments.append(c);
        return {201,
                {{"id", c.id},
                 {"body", u8(c.body)},
                 {"noteable_type", "MergeRequest"},
                 {"noteable_iid", p->number}}};
    }
    return notFound(QStringLiteral("Page"));
}

// ---- Gitea ----------------------------------------------------------------------------------

ordered_json ProviderSimPrivate::giteaPr(const SimRepo& repo, const SimPullRequest& p) const {
    ordered_json labels = ordered_json::array();
    for (const QString& l : p.labels) {
        auto it = repo.labels.find(l);
        labels.push_back({{"id", it == repo.labels.end() ? 0 : it->second}, {"name", u8(l)}});
    }
    return {{"id", p.number + 100},
            {"number", p.number},
            {"state", p.open ? "open" : "closed"},
            {"title", u8(p.title)},
            {"body", u8(p.body)},
            {"draft", p.title.startsWith(QLatin1String("WIP:"))},
            {"html_url",
             u8(QStringLiteral("%1/%2/pulls/%3").arg(webBase(), repo.path()).arg(p.number))},
            {"head",
             {{"ref", u8(p.sourceBranch)},
              {"label", u8(p.sourceBranch)},
              {"repo", {{"full_name", u8(repo.path())}}}}},
            {"base",
             {{"ref", u8(p.targetBranch)},
              {"label", u8(p.targetBranch)},
              {"repo", {{"full_name", u8(repo.path())}}}}},
            {"labels", labels}};
}

Reply ProviderSimPrivate::gitea(ParsedRequest& r) {
    const QStringList& s = r.segments;
    if (s.size() < 4 || s[0] != QLatin1String("repos"))
        return notFound(QStringLiteral("page"));
    SimRepo* repo = find(s[1], s[2]);
    if (!repo)
        return notFoundRepo(s[1] + QLatin1Char('/') + s[2]);
    const QString& m = r.rec.method;
    if (s.size() == 4 && s[3] == QLatin1String("labels") && m == QLatin1String("GET")) {
        ordered_json out = ordered_json::array();
        for (const auto& [name, id] : repo->labels)
            out.push_back({{"id", id}, {"name", u8(name)}, {"color", "e11d21"}});
        return {200, out};
    }
    if (s.size() == 4 && s[3] == QLatin1String("pulls")) {
        if (m == QLatin1String("GET")) {
            const QString state = r.q(QStringLiteral("state"));
            const int limit = std::clamp(r.q(QStringLiteral("limit")).toInt(), 1, 50);
            const int page = std::max(1, r.q(QStringLiteral("page")).toInt());
            QVector<const SimPullRequest*> matching;
            for (const SimPullRequest& p : repo->prs) {
                if (p.hiddenUntilCreate)
                    continue;
                if ((state == QLatin1String("open") && !p.open) ||
                    (state == QLatin1String("closed") && p.open))
                    continue;
                matching << &p;
            }
            ordered_json out = ordered_json::array();
            for (qsizetype i = qsizetype(page - 1) * limit;
                 i < matching.size() && i < qsizetype(page) * limit; ++i)
                out.push_back(giteaPr(*repo, *matching[i]));
            return {200, out};
        }
        if (m == QLatin1String("POST")) {
            const QString head = qs(r.body, "head"), base = qs(r.body, "base"),
                          title = qs(r.body, "title");
            if (title.isEmpty())
                return {422,
                        {{"message", "[Title]: Required"},
                         {"url", u8(webBase() + QStringLiteral("/api/swagger"))}}};
            if (!repo->hasBranch(head) || !repo->hasBranch(base))
                return notFound(QStringLiteral("branch"));
            if (SimPullRequest* existing = openFor(*repo, head, base)) {
                existing->hiddenUntilCreate = false;
                return {409,
                        {{"message", u8(QStringLiteral("pull request already exists for "
                                                       "these targets [id: %1, issue_id: "
                                                       "%1, head_repo_id: 1, base_repo_id: "
                                                       "1, head_branch: %2, base_branch: %3]")
                                            .arg(existing->number + 100)
                                            .arg(head, base))},
                         {"url", u8(webBase() + QStringLiteral("/api/swagger"))}}};
            }
            SimPullRequest p;
            p.number = nextNumber(*repo);
            p.sourceBranch = head;
            p.targetBranch = base;
            p.title = title;
            p.body = qs(r.body, "body");
            p.draft = title.startsWith(QLatin1String("WIP:"));
            repo->prs.append(p);
            return {201, giteaPr(*repo, p)};
        }
        return {405, {{"message", "Method Not Allowed"}}};
    }
    if (s.size() == 5 && s[3] == QLatin1String("pulls")) {
        SimPullRequest* p = pr(*repo, s[4].toInt());
        if (!p)
            return notFound(QStringLiteral("pull request"));
        if (m == QLatin1String("PATCH")) {
            if (r.body.contains("title")) {
                p->title = qs(r.body, "title");
                p->draft = p->title.startsWith(QLatin1String("WIP:"));
            }
            if (r.body.contains("body"))
                p->body = qs(r.body, "body");
            ++p->updates;
            return {201, giteaPr(*repo, *p)}; // Gitea answers an edit with 201
        }
        if (m == QLatin1String("GET"))
            return {200, giteaPr(*repo, *p)};
    }
    if (s.size() == 6 && s[3] == QLatin1String("issues") && m == QLatin1String("POST")) {
        SimPullRequest* p = pr(*repo, s[4].toInt());
        if (!p)
            return notFound(QStringLiteral("issue"));
        if (s[5] == QLatin1String("labels")) {
            for (const json& id : r.body.value("labels", json::array())) {
                if (!id.is_number_integer())
                    return {422, {{"message", "labels must be label IDs"}}};
                for (const auto& [name, known] : repo->labels)
                    if (known == id.get<qint64>() && !p->labels.contains(name))
                        p->labels << name;
            }
            ordered_json out = ordered_json::array();
            for (const QString& l : p->labels)
                out.push_back({{"id", repo->labels[l]}, {"name", u8(l)}});
            return {200, out};
        }
        if (s[5] == QLatin1String("comments")) {
            SimComment c{p->number, nextCommentId++, qs(r.body, "body")};
            repo->comments.append(c);
            return {201,
                    {{"id", c.id},
                     {"body", u8(c.body)},
                     {"html_url", u8(QStringLiteral("%1/%2/pulls/%3#issuecomment-%4")
                                         .arg(webBase(), repo->path())
                                         .arg(p->number)
                                         .arg(c.id))}}};
        }
    }
    return notFound(QStringLiteral("page"));
}

// ---- Bitbucket Cloud ------------------------------------------------------------------------

ordered_json ProviderSimPrivate::cloudPr(const SimRepo& repo, const SimPullRequest& p) const {
    const QString html =
        QStringLiteral("%1/%2/pull-requests/%3").arg(webBase(), repo.path()).arg(p.number);
    return {{"type", "pullrequest"},
            {"id", p.number},
            {"title", u8(p.title)},
            {"description", u8(p.body)},
            {"state", p.open ? "OPEN" : "DECLINED"},
            {"draft", p.draft},
            {"source",
             {{"branch", {{"name", u8(p.sourceBranch)}}},
              {"repository", {{"full_name", u8(repo.path())}}}}},
            {"destination",
             {{"branch", {{"name", u8(p.targetBranch)}}},
              {"repository", {{"full_name", u8(repo.path())}}}}},
            {"links", {{"html", {{"href", u8(html)}}}}}};
}

Reply ProviderSimPrivate::bitbucketCloud(ParsedRequest& r) {
    const QStringList& s = r.segments;
    if (s.size() < 4 || s[0] != QLatin1String("repositories"))
        return notFound(QStringLiteral("Resource"));
    SimRepo* repo = find(s[1], s[2]);
    if (!repo)
        return notFoundRepo(s[1] + QLatin1Char('/') + s[2]);
    if (s[3] != QLatin1String("pullrequests"))
        return notFound(QStringLiteral("Resource"));
    const QString& m = r.rec.method;
    const auto bad = [](const QString& message) {
        return Reply{400, {{"type", "error"}, {"error", {{"message", u8(message)}}}}};
    };
    if (s.size() == 4) {
        if (m == QLatin1String("GET")) {
            // BBQL: field = "value" joined by AND; the fields a pull request lookup needs.
            std::map<QString, QString> filters;
            QString q = r.q(QStringLiteral("q")).trimmed();
            static const QRegularExpression term(
                QStringLiteral(R"re(^([a-z_.]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:AND\s+|$))re"));
            while (!q.isEmpty()) {
                const auto match = term.match(q);
                if (!match.hasMatch())
                    return bad(QStringLiteral("Invalid query: %1").arg(q));
                QString value = match.captured(2);
                value.replace(QStringLiteral("\\\""), QStringLiteral("\""));
                value.replace(QStringLiteral("\\\\"), QStringLiteral("\\"));
                filters[match.captured(1)] = value;
                q = q.mid(match.capturedLength()).trimmed();
            }
            for (const auto& [field, value] : filters)
                if (field != QLatin1String("source.branch.name") &&
                    field != QLatin1String("destination.branch.name") &&
                    field != QLatin1String("state"))
                    return bad(QStringLiteral("Invalid field name: %1").arg(field));
            QString state = r.q(QStringLiteral("state"));
            if (filters.count(QStringLiteral("state")))
                state = filters[QStringLiteral("state")];
            if (state.isEmpty())
                state = QStringLiteral("OPEN");
            const int pagelen = std::clamp(r.q(QStringLiteral("pagelen")).toInt(), 1, 50);
            const int page = std::max(1, r.q(QStringLiteral("page")).toInt());
            QVector<const SimPullRequest*> matching;
            for (const SimPullRequest& p : repo->prs) {
                if (p.hiddenUntilCreate || (state == QLatin1String("OPEN")) != p.open)
                    continue;
                if (filters.count(QStringLiteral("source.branch.name")) &&
                    filters[QStringLiteral("source.branch.name")] != p.sourceBranch)
                    continue;
                if (filters.count(QStringLiteral("destination.branch.name")) &&
                    filters[QStringLiteral("destination.branch.name")] != p.targetBranch)
                    continue;
                matching << &p;
            }
            ordered_json values = ordered_json::array();
            for (qsizetype i = qsizetype(page - 1) * pagelen;
                 i < matching.size() && i < qsizetype(page) * pagelen; ++i)
                values.push_back(cloudPr(*repo, *matching[i]));
            ordered_json out = {{"pagelen", pagelen},
                                {"size", matching.size()},
                                {"page", page},
                                {"values", values}};
            if (qsizetype(page) * pagelen < matching.size()) {
                QByteArray next = r.rec.target;
                next.replace(QByteArray("&page=") + QByteArray::number(page), "");
                next += (next.contains('?') ? "&page=" : "?page=") + QByteArray::number(page + 1);
                out["next"] = u8(webBase() + QString::fromUtf8(next));
            }
            return {200, out};
        }
        if (m == QLatin1String("POST")) {
            const QString title = qs(r.body, "title");
            const QString source =
                qs(r.body.value("source", json::object()).value("branch", json::object()), "name");
            const QString target =
                qs(r.body.value("destination", json::object()).value("branch", json::object()),
                   "name");
            if (title.isEmpty())
                return bad(QStringLiteral("title: This field is required."));
            if (!repo->hasBranch(source))
                return bad(QStringLiteral("source: Branch not found"));
            if (!target.isEmpty() && !repo->hasBranch(target))
                return bad(QStringLiteral("destination: Branch not found"));
            const QString dest = target.isEmpty() ? repo->branches.value(0) : target;
            if (SimPullRequest* existing = openFor(*repo, source, dest)) {
                existing->hiddenUntilCreate = false;
                return bad(QStringLiteral("There is already an open pull request from %1 to %2 "
                                          "(#%3)")
                               .arg(source, dest)
                               .arg(existing->number));
            }
            SimPullRequest p;
            p.number = nextNumber(*repo);
            p.sourceBranch = source;
            p.targetBranch = dest;
            p.title = title;
            p.body = qs(r.body, "description");
            p.draft = r.body.value("draft", false);
            repo->prs.append(p);
            return {201, cloudPr(*repo, p)};
        }
        return bad(QStringLiteral("Method not allowed"));
    }
    SimPullRequest* p = pr(*repo, s[4].toInt());
    if (!p)
        return notFound(QStringLiteral("Pull request %1").arg(s[4]));
    if (s.size() == 5 && m == QLatin1String("PUT")) {
        if (r.body.contains("title"))
            p->title = qs(r.body, "title");
        if (r.body.contains("description"))
            p->body = qs(r.body, "description");
        ++p->updates;
        return {200, cloudPr(*repo, *p)};
    }
    if (s.size() == 5 && m == QLatin1String("GET"))
        return {200, cloudPr(*repo, *p)};
    if (s.size() == 6 && s[5] == QLatin1String("comments") && m == QLatin1String("POST")) {
        const QString raw = qs(r.body.value("content", json::object()), "raw");
        if (raw.isEmpty())
            return bad(QStringLiteral("content.raw: This field is required."));
        SimComment c{p->number, nextCommentId++, raw};
        repo->comments.append(c);
        const QString html = QStringLiteral("%1/%2/pull-requests/%3#comment-%4")
                                 .arg(webBase(), repo->path())
                                 .arg(p->number)
                                 .arg(c.id);
        return {201,
                {{"type", "pullrequest_comment"},
                 {"id", c.id},
                 {"content", {{"raw", u8(raw)}, {"markup", "markdown"}}},
                 {"links", {{"html", {{"href", u8(html)}}}}}}};
    }
    return notFound(QStringLiteral("Resource"));
}

// ---- Bitbucket Data Center ------------------------------------------------------------------

ordered_json ProviderSimPrivate::dcPr(const SimRepo& repo, const SimPullRequest& p) const {
    const auto ref = [&repo](const QString& branch) {
        return ordered_json{
            {"id", u8(QStringLiteral("refs/heads/") + branch)},
            {"displayId", u8(branch)},
            {"repository", {{"slug", u8(repo.name)}, {"project", {{"key", u8(repo.owner)}}}}}};
    };
    const QString self = QStringLiteral("%1/projects/%2/repos/%3/pull-requests/%4/overview")
                             .arg(webBase(), repo.owner, repo.name)
                             .arg(p.number);
    return {{"id", p.number},
            {"version", p.version},
            {"title", u8(p.title)},
            {"description", u8(p.body)},
            {"state", p.open ? "OPEN" : "DECLINED"},
            {"open", p.open},
            {"closed", !p.open},
            {"draft", p.draft},
            {"fromRef", ref(p.sourceBranch)},
            {"toRef", ref(p.targetBranch)},
            {"links", {{"self", {{{"href", u8(self)}}}}}}};
}

Reply ProviderSimPrivate::bitbucketDc(ParsedRequest& r) {
    const QStringList& s = r.segments;
    if (s.size() < 5 || s[0] != QLatin1String("projects") || s[2] != QLatin1String("repos"))
        return notFound(QStringLiteral("Resource"));
    SimRepo* repo = find(s[1], s[3]);
    if (!repo)
        return notFoundRepo(s[1] + QLatin1Char('/') + s[3]);
    if (s[4] != QLatin1String("pull-requests"))
        return notFound(QStringLiteral("Resource"));
    const QString& m = r.rec.method;
    const auto dcError = [](int status, const QString& message, const char* exception) {
        return Reply{
            status,
            {{"errors",
              {{{"context", nullptr}, {"message", u8(message)}, {"exceptionName", exception}}}}}};
    };
    const auto branchOf = [](const QString& ref) {
        return ref.startsWith(QLatin1String("refs/heads/")) ? ref.mid(11) : ref;
    };
    if (s.size() == 5) {
        if (m == QLatin1String("GET")) {
            const QString at = branchOf(r.q(QStringLiteral("at")));
            const bool incoming = r.q(QStringLiteral("direction")) == QLatin1String("INCOMING");
            QString state = r.q(QStringLiteral("state"));
            if (state.isEmpty())
                state = QStringLiteral("OPEN");
            const int limit = std::clamp(r.q(QStringLiteral("limit")).toInt(), 1, 100);
            const int start = std::max(0, r.q(QStringLiteral("start")).toInt());
            QVector<const SimPullRequest*> matching;
            for (const SimPullRequest& p : repo->prs) {
                if (p.hiddenUntilCreate)
                    continue;
                if (state == QLatin1String("OPEN") && !p.open)
                    continue;
                if (!at.isEmpty() && (incoming ? p.targetBranch : p.sourceBranch) != at)
                    continue;
                matching << &p;
            }
            ordered_json values = ordered_json::array();
            for (qsizetype i = start; i < matching.size() && i < start + limit; ++i)
                values.push_back(dcPr(*repo, *matching[i]));
            const bool last = start + limit >= matching.size();
            ordered_json out = {{"size", values.size()},
                                {"limit", limit},
                                {"isLastPage", last},
                                {"start", start},
                                {"values", values}};
            if (!last)
                out["nextPageStart"] = start + limit;
            return {200, out};
        }
        if (m == QLatin1String("POST")) {
            const QString title = qs(r.body, "title");
            const QString source = branchOf(qs(r.body.value("fromRef", json::object()), "id"));
            const QString target = branchOf(qs(r.body.value("toRef", json::object()), "id"));
            if (title.isEmpty())
                return dcError(400, QStringLiteral("A title is required."),
                               "com.atlassian.bitbucket.validation.ArgumentValidationException");
            for (const QString& b : {source, target})
                if (!repo->hasBranch(b))
                    return dcError(404,
                                   QStringLiteral("Repository \"%1\" of project with key \"%2\" "
                                                  "has no branch \"%3\".")
                                       .arg(repo->name, repo->owner, b),
                                   "com.atlassian.bitbucket.repository.NoSuchBranchException");
            if (SimPullRequest* existing = openFor(*repo, source, target)) {
                existing->hiddenUntilCreate = false;
                Reply reply = dcError(409,
                                      QStringLiteral("Only one pull request may be open for a "
                                                     "given source and target branch"),
                                      "com.atlassian.bitbucket.pull.DuplicatePullRequestException");
                reply.body["errors"][0]["existingPullRequest"] = dcPr(*repo, *existing);
                return reply;
            }
            SimPullRequest p;
            p.number = nextNumber(*repo);
            p.sourceBranch = source;
            p.targetBranch = target;
            p.title = title;
            p.body = qs(r.body, "description");
            p.draft = r.body.value("draft", false);
            repo->prs.append(p);
            return {201, dcPr(*repo, p)};
        }
        return dcError(405, QStringLiteral("Method not allowed"),
                       "com.atlassian.bitbucket.ServiceException");
    }
    SimPullRequest* p = pr(*repo, s[5].toInt());
    if (!p)
        return dcError(
            404, QStringLiteral("Pull request %1 does not exist in %2.").arg(s[5], repo->path()),
            "com.atlassian.bitbucket.pull.NoSuchPullRequestException");
    if (s.size() == 6 && m == QLatin1String("PUT")) {
        if (!r.body.contains("version") || !r.body["version"].is_number_integer())
            return dcError(400, QStringLiteral("The version is required."),
                           "com.atlassian.bitbucket.validation.ArgumentValidationException");
        if (r.body["version"].get<int>() != p->version) {
            Reply reply = dcError(409,
                                  QStringLiteral("You are attempting to modify a pull request "
                                                 "based on out-of-date information."),
                                  "com.atlassian.bitbucket.pull.PullRequestOutOfDateException");
            reply.body["errors"][0]["currentVersion"] = p->version;
            return reply;
        }
        if (r.body.contains("title"))
            p->title = qs(r.body, "title");
        if (r.body.contains("description"))
            p->body = qs(r.body, "description");
        ++p->version;
        ++p->updates;
        return {200, dcPr(*repo, *p)};
    }
    if (s.size() == 6 && m == QLatin1String("GET"))
        return {200, dcPr(*repo, *p)};
    if (s.size() == 7 && s[6] == QLatin1String("comments") && m == QLatin1String("POST")) {
        const QString text = qs(r.body, "text");
        if (text.isEmpty())
            return dcError(400, QStringLiteral("The comment text is required."),
                           "com.atlassian.bitbucket.validation.ArgumentValidationException");
        SimComment c{p->number, nextCommentId++, text};
        repo->comments.append(c);
        return {201, {{"id", c.id}, {"version", 0}, {"text", u8(text)}}};
    }
    return notFound(QStringLiteral("Resource"));
}

// ---- public API -----------------------------------------------------------------------------

ProviderSim::ProviderSim(ProviderFlavour flavour, QObject* parent)
    : QObject(parent)
    , d(std::make_unique<ProviderSimPrivate>()) {
    d->q = this;
    d->flavour = flavour;
}

ProviderSim::~ProviderSim() {
    close();
}

ProviderFlavour ProviderSim::flavour() const {
    return d->flavour;
}

void ProviderSim::setToken(const QString& token) {
    d->token = token;
}

QString ProviderSim::token() const {
    return d->token;
}

void ProviderSim::addRepository(const QString& owner, const QString& repo,
                                const QStringList& branches) {
    if (SimRepo* existing = d->find(owner, repo)) {
        for (const QString& b : branches)
            if (!existing->branches.contains(b))
                existing->branches << b;
        return;
    }
    SimRepo r;
    r.owner = owner;
    r.name = repo;
    r.branches = branches;
    r.projectId = d->nextProjectId++;
    d->repos.push_back(std::move(r));
}

Status ProviderSim::linkRepository(const QString& owner, const QString& repo,
                                   const QString& gitDir) {
    SimRepo* r = d->find(owner, repo);
    if (!r)
        return Error::make(
            Error::Kind::NotFound,
            QStringLiteral("no repository %1/%2 on the provider server").arg(owner, repo));
    r->gitDir = gitDir;
    return okStatus();
}

Status ProviderSim::addBranch(const QString& owner, const QString& repo, const QString& branch) {
    SimRepo* r = d->find(owner, repo);
    if (!r)
        return Error::make(
            Error::Kind::NotFound,
            QStringLiteral("no repository %1/%2 on the provider server").arg(owner, repo));
    if (!r->branches.contains(branch))
        r->branches << branch;
    return okStatus();
}

Result<qint64> ProviderSim::addLabel(const QString& owner, const QString& repo,
                                     const QString& name) {
    SimRepo* r = d->find(owner, repo);
    if (!r)
        return Error::make(
            Error::Kind::NotFound,
            QStringLiteral("no repository %1/%2 on the provider server").arg(owner, repo));
    auto it = r->labels.find(name);
    if (it != r->labels.end())
        return it->second;
    const qint64 id = d->nextLabelId++;
    r->labels[name] = id;
    return id;
}

Result<int> ProviderSim::seedPullRequest(const QString& owner, const QString& repo,
                                         SimPullRequest pr) {
    SimRepo* r = d->find(owner, repo);
    if (!r)
        return Error::make(
            Error::Kind::NotFound,
            QStringLiteral("no repository %1/%2 on the provider server").arg(owner, repo));
    for (const QString& b : {pr.sourceBranch, pr.targetBranch})
        if (!r->branches.contains(b))
            r->branches << b;
    pr.number = ProviderSimPrivate::nextNumber(*r);
    r->prs.append(pr);
    return pr.number;
}

Status ProviderSim::touchPullRequest(const QString& owner, const QString& repo, int number) {
    SimRepo* r = d->find(owner, repo);
    SimPullRequest* p = r ? ProviderSimPrivate::pr(*r, number) : nullptr;
    if (!p)
        return Error::make(
            Error::Kind::NotFound,
            QStringLiteral("no pull request %1 in %2/%3").arg(number).arg(owner, repo));
    ++p->version;
    return okStatus();
}

Status ProviderSim::listen(const QHostAddress& address, quint16 port) {
    close();
    auto* server = new ProviderServer(d.get(), this);
    if (!server->listen(address, port)) {
        const QString err = server->errorString();
        delete server;
        return Error::make(Error::Kind::Config, QStringLiteral("cannot listen on %1:%2: %3")
                                                    .arg(address.toString())
                                                    .arg(port)
                                                    .arg(err));
    }
    d->server = server;
    d->address = address;
    return okStatus();
}

void ProviderSim::close() {
    if (d && d->server) {
        d->server->close();
        delete d->server.data();
    }
}

quint16 ProviderSim::port() const {
    return d->server ? d->server->serverPort() : 0;
}

QUrl ProviderSim::apiBase() const {
    return QUrl(d->webBase() + d->prefix());
}

QVector<SimPullRequest> ProviderSim::pullRequests(const QString& owner, const QString& repo) const {
    const SimRepo* r = d->find(owner, repo);
    return r ? r->prs : QVector<SimPullRequest>();
}

QVector<SimComment> ProviderSim::comments(const QString& owner, const QString& repo) const {
    const SimRepo* r = d->find(owner, repo);
    return r ? r->comments : QVector<SimComment>();
}

QVector<RecordedRequest> ProviderSim::requests() const {
    return d->requests;
}

void ProviderSim::clearRequests() {
    d->requests.clear();
}

void ProviderSim::setBeforeServe(std::function<void(const RecordedRequest&)> hook) {
    d->beforeServe = std::move(hook);
}

} // namespace sextant::sim
