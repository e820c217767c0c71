// Git providers end to end over loopback: for GitHub, GitLab, Gitea, Bitbucket Cloud and Data
// Center, GitProvider talks real HTTP to the provider server (sim::ProviderSim). A pull request is
// opened once and updated on the next call (never duplicated), a comment lands, a wrong token is
// Unauthorized, an unknown repository NotFound, a create that races with another client is
// resolved by updating the pull request the provider says exists, and the token appears in no
// request line, body, error, description or audit entry.

#include "gitfixtures.h"
#include "gitops/gitprovider.h"
#include "gitops/gitrepository.h"
#include "governance/actionmode.h"
#include "governance/approvalgate.h"
#include "governance/auditlog.h"
#include "scriptedapprover.h"
#include "sim/providersim.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace sextant;
using namespace sextant::gitops;

Q_DECLARE_METATYPE(sextant::gitops::ProviderKind)

namespace {

constexpr int kWait = 30000; // upper bound against hangs, never a timing assertion
const QString kRepo = QStringLiteral("gitops-config");
const QString kSource = QStringLiteral("sextant/fix-image-tag");
const QString kTarget = QStringLiteral("main");

sim::ProviderFlavour flavourOf(ProviderKind k) {
    return *sim::providerFlavourFromString(providerKindName(k));
}

QString ownerFor(ProviderKind k) {
    switch (k) {
    case ProviderKind::GitLab:
        return QStringLiteral("acme/platform"); // nested group: the id is acme%2Fplatform%2F…
    case ProviderKind::BitbucketDataCenter:
        return QStringLiteral("OPS");
    default:
        return QStringLiteral("acme");
    }
}

QString tokenFor(ProviderKind k) {
    return QStringLiteral("tok-S3cr3t-%1-7f9a2b").arg(providerKindName(k));
}

int duplicateStatus(ProviderKind k) {
    switch (k) {
    case ProviderKind::GitHub:
        return 422;
    case ProviderKind::BitbucketCloud:
        return 400;
    default:
        return 409;
    }
}

PullRequestSpec specFor(const QString& title, const QString& body = {}) {
    PullRequestSpec s;
    s.sourceBranch = kSource;
    s.targetBranch = kTarget;
    s.title = title;
    s.body = body.isEmpty() ? QStringLiteral("## Summary\nImage web 1.4.2 → 1.5.0") : body;
    return s;
}

void addKinds() {
    QTest::addColumn<ProviderKind>("kind");
    for (ProviderKind k : {ProviderKind::GitHub, ProviderKind::GitLab, ProviderKind::Gitea,
                           ProviderKind::BitbucketCloud, ProviderKind::BitbucketDataCenter})
        QTest::newRow(qPrintable(providerKindName(k))) << k;
}

// One provider server, one client, one approval gate with a scripted human.
struct Rig {
    ProviderKind kind;
    sim::ProviderSim server;
    std::unique_ptr<GitProvider> provider;
    QTemporaryDir dir;
    std::unique_ptr<governance::AuditLog> log;
    governance::InstancePolicy policy;
    test::ScriptedApprover approver;
    std::unique_ptr<governance::ApprovalGate> gate;
    QStringList errorsSeen; // every error text any call produced

    explicit Rig(ProviderKind k, const QString& clientToken = {}, const QString& repo = kRepo)
        : kind(k)
        , server(flavourOf(k)) {
        server.setToken(tokenFor(k));
        server.addRepository(ownerFor(k), kRepo, {kTarget, kSource});
        server.addLabel(ownerFor(k), kRepo, QStringLiteral("gitops"));
        if (!server.listen().ok())
            qFatal("provider server cannot listen");
        ProviderConfig c;
        c.kind = k;
        c.apiBase = server.apiBase();
        c.owner = ownerFor(k);
        c.repo = repo;
        provider = std::make_unique<GitProvider>(c);
        provider->setToken(clientToken.isEmpty() ? tokenFor(k) : clientToken);
        log = std::make_unique<governance::AuditLog>(dir.filePath(QStringLiteral("audit.jsonl")),
                                                     QStringLiteral("tester"));
        policy.setMode(c.id(), governance::Mode::ReadWrite);
        gate = std::make_unique<governance::ApprovalGate>(log.get(), &policy, &approver);
    }

    std::optional<ApprovedWrite> approve(const WriteRequest& request) {
        std::optional<Result<ApprovedWrite>> out;
        gate->submit(request, [&out](Result<ApprovedWrite> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&out] { return out.has_value(); }, kWait) || !out->ok())
            return std::nullopt;
        return out->value();
    }

    Result<PullRequestResult> open(const PullRequestSpec& spec) {
        const auto approved = approve(provider->prepareOpenOrUpdatePullRequest(spec));
        if (!approved)
            return Error::make(Error::Kind::Approval, QStringLiteral("not approved"));
        return openWith(*approved, spec);
    }

    Result<PullRequestResult> openWith(const ApprovedWrite& approved, const PullRequestSpec& spec) {
        std::optional<Result<PullRequestResult>> out;
        provider->openOrUpdatePullRequest(
            approved, spec, [&out](Result<PullRequestResult> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&out] { return out.has_value(); }, kWait))
            return Error::make(Error::Kind::Timeout, QStringLiteral("no answer"));
        if (!out->ok())
            errorsSeen << out->error().toString();
        gate->recordOutcome(approved, out->ok() ? okStatus() : Status(out->error()),
                            out->ok() ? out->value().sent.join(QLatin1Char('\n')) : QString());
        return *out;
    }

    Result<CommentResult> comment(int number, const QString& body) {
        const auto approved = approve(provider->prepareComment(number, body));
        if (!approved)
            return Error::make(Error::Kind::Approval, QStringLiteral("not approved"));
        std::optional<Result<CommentResult>> out;
        provider->comment(*approved, number, body,
                          [&out](Result<CommentResult> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&out] { return out.has_value(); }, kWait))
            return Error::make(Error::Kind::Timeout, QStringLiteral("no answer"));
        if (!out->ok())
            errorsSeen << out->error().toString();
        return *out;
    }

    QVector<sim::SimPullRequest> prs() const { return server.pullRequests(ownerFor(kind), kRepo); }

    bool sawStatus(const QString& method, int status) const {
        for (const auto& r : server.requests())
            if (r.method == method && r.status == status)
                return true;
        return false;
    }
};

} // namespace

class TestGitProviders : public QObject {
    Q_OBJECT

private slots:
    void createThenUpdateOnce_data() { addKinds(); }
    void createThenUpdateOnce() {
        QFETCH(ProviderKind, kind);
        Rig rig(kind);
        PullRequestSpec spec = specFor(QStringLiteral("Fix image tag of web"));
        spec.labels = {QStringLiteral("gitops"), QStringLiteral("automated")};
        const auto first = rig.open(spec);
        QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
        QVERIFY(first->created);
        QVERIFY(first->number > 0);
        QVERIFY(first->webUrl.isValid() && !first->webUrl.isEmpty());
        QCOMPARE(rig.prs().size(), 1);
        QCOMPARE(rig.prs()[0].title, spec.title);
        QCOMPARE(rig.prs()[0].sourceBranch, kSource);
        QCOMPARE(rig.prs()[0].targetBranch, kTarget);

        // Second call for the same branches: the same pull request, edited.
        spec.title = QStringLiteral("Fix image tag of web (v2)");
        spec.body = QStringLiteral("Second draft of the description");
        const auto second = rig.open(spec);
        QVERIFY2(second.ok(), qPrintable(second.ok() ? QString() : second.error().toString()));
        QVERIFY(!second->created);
        QCOMPARE(second->number, first->number);
        QCOMPARE(rig.prs().size(), 1);
        QCOMPARE(rig.prs()[0].title, spec.title);
        QCOMPARE(rig.prs()[0].body, spec.body);
        QCOMPARE(rig.prs()[0].updates, 1);

        // Labels: as far as each provider has them.
        switch (kind) {
        case ProviderKind::GitHub:
        case ProviderKind::GitLab:
            QCOMPARE(rig.prs()[0].labels, spec.labels);
            QVERIFY(second->labelsNotApplied.isEmpty());
            break;
        case ProviderKind::Gitea: // only labels the repository has can be attached by ID
            QCOMPARE(rig.prs()[0].labels, QStringList{QStringLiteral("gitops")});
            QCOMPARE(second->labelsNotApplied, QStringList{QStringLiteral("automated")});
            break;
        default:
            QVERIFY(rig.prs()[0].labels.isEmpty());
            QCOMPARE(second->labelsNotApplied, spec.labels);
        }

        // The documented authentication header, and GitHub's versioned media type.
        const auto requests = rig.server.requests();
        QVERIFY(!requests.isEmpty());
        const QByteArray token = tokenFor(kind).toUtf8();
        for (const auto& r : requests) {
            switch (kind) {
            case ProviderKind::GitHub:
                QCOMPARE(r.header("authorization"), "Bearer " + token);
                QCOMPARE(r.header("accept"), QByteArray("application/vnd.github+json"));
                QCOMPARE(r.header("x-github-api-version"), QByteArray("2022-11-28"));
                break;
            case ProviderKind::GitLab:
                QCOMPARE(r.header("private-token"), token);
                QVERIFY(r.header("authorization").isEmpty());
                QVERIFY(r.target.contains("/projects/acme%2Fplatform%2Fgitops-config/"));
                break;
            case ProviderKind::Gitea:
                QCOMPARE(r.header("authorization"), "token " + token);
                break;
            default:
                QCOMPARE(r.header("authorization"), "Bearer " + token);
            }
        }
        // No create was answered with the duplicate error: the lookup found it first.
        QVERIFY(!rig.sawStatus(QStringLiteral("POST"), duplicateStatus(kind)));
    }

    void draftFlag_data() { addKinds(); }
    void draftFlag() {
        QFETCH(ProviderKind, kind);
        Rig rig(kind);
        PullRequestSpec spec = specFor(QStringLiteral("Bump replicas"));
        spec.draft = true;
        const auto r = rig.open(spec);
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(rig.prs().size(), 1);
        QVERIFY(rig.prs()[0].draft);
        if (kind == ProviderKind::GitLab)
            QCOMPARE(rig.prs()[0].title, QStringLiteral("Draft: Bump replicas"));
        if (kind == ProviderKind::Gitea)
            QCOMPARE(rig.prs()[0].title, QStringLiteral("WIP: Bump replicas"));
    }

    void commentPosted_data() { addKinds(); }
    void commentPosted() {
        QFETCH(ProviderKind, kind);
        Rig rig(kind);
        const auto pr = rig.open(specFor(QStringLiteral("Fix probe path")));
        QVERIFY(pr.ok());
        const QString text =
            QStringLiteral("Rendered diff: 2 Deployments changed\n\n```diff\n-a\n+b\n```");
        const auto c = rig.comment(pr->number, text);
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().toString()));
        QVERIFY(c->id > 0);
        const auto comments = rig.server.comments(ownerFor(kind), kRepo);
        QCOMPARE(comments.size(), 1);
        QCOMPARE(comments[0].number, pr->number);
        QCOMPARE(comments[0].body, text);

        // A comment on a pull request that does not exist is NotFound, in plain words.
        const auto missing = rig.comment(pr->number + 40, QStringLiteral("hello"));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().kind, Error::Kind::NotFound);
        QVERIFY2(missing.error().shortMessage.contains(QString::number(pr->number + 40)),
                 qPrintable(missing.error().shortMessage));
    }

    void wrongTokenIsUnauthorized_data() { addKinds(); }
    void wrongTokenIsUnauthorized() {
        QFETCH(ProviderKind, kind);
        Rig rig(kind, QStringLiteral("expired-token-123456"));
        const auto r = rig.open(specFor(QStringLiteral("Fix image tag")));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Unauthorized);
        QCOMPARE(r.error().httpStatus, 401);
        QVERIFY2(r.error().shortMessage.contains(
                     QStringLiteral("The %1 token was refused").arg(providerDisplayName(kind))),
                 qPrintable(r.error().shortMessage));
        QVERIFY(!r.error().isRetryable());
        QVERIFY(rig.prs().isEmpty());
        QCOMPARE(rig.server.requests().size(), 1); // the lookup, nothing after it
        QVERIFY(!r.error().toString().contains(QStringLiteral("expired-token-123456")));
    }

    void unknownRepositoryIsNotFound_data() { addKinds(); }
    void unknownRepositoryIsNotFound() {
        QFETCH(ProviderKind, kind);
        Rig rig(kind, {}, QStringLiteral("no-such-repo"));
        const auto r = rig.open(specFor(QStringLiteral("Fix image tag")));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::NotFound);
        QVERIFY2(r.error().shortMessage.contains(
                     QStringLiteral("repository %1/no-such-repo not found or the token cannot "
                                    "see it")
                         .arg(ownerFor(kind))),
                 qPrintable(r.error().shortMessage));
        QVERIFY(r.error().details.contains(QStringLiteral("HTTP status: 404")));
    }

    void raceResolvedByUpdate_data() { addKinds(); }
    void raceResolvedByUpdate() {
        QFETCH(ProviderKind, kind);
        Rig rig(kind);
        // Another client opens one between our lookup and our create.
        sim::SimPullRequest other;
        other.sourceBranch = kSource;
        other.targetBranch = kTarget;
        other.title = QStringLiteral("Opened by the other pipeline");
        other.hiddenUntilCreate = true;
        const auto seeded = rig.server.seedPullRequest(ownerFor(kind), kRepo, other);
        QVERIFY(seeded.ok());

        const PullRequestSpec spec = specFor(QStringLiteral("Fix image tag of web"));
        const auto r = rig.open(spec);
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QVERIFY(!r->created);
        QCOMPARE(r->number, seeded.value());
        QCOMPARE(rig.prs().size(), 1);
        QCOMPARE(rig.prs()[0].title, spec.title);
        QVERIFY(rig.sawStatus(QStringLiteral("POST"), duplicateStatus(kind)));
        // lookup, create (duplicate), lookup again, update
        QVERIFY2(r->sent.size() >= 4, qPrintable(r->sent.join(QLatin1Char('\n'))));
    }

    void otherValidationErrorsAreReported() {
        // GitHub's 422 that is not a duplicate: the branch does not exist. Nothing is found on
        // the second look, so the provider's own words come back.
        Rig rig(ProviderKind::GitHub);
        PullRequestSpec spec = specFor(QStringLiteral("From nowhere"));
        spec.sourceBranch = QStringLiteral("no-such-branch");
        const auto r = rig.open(spec);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::BadRequest);
        QCOMPARE(r.error().httpStatus, 422);
        QVERIFY2(r.error().shortMessage.contains(QStringLiteral("Validation Failed: head invalid")),
                 qPrintable(r.error().shortMessage));
        QVERIFY(rig.prs().isEmpty());
    }

    void dataCenterStaleVersionIsReadAgain() {
        Rig rig(ProviderKind::BitbucketDataCenter);
        const auto first = rig.open(specFor(QStringLiteral("First")));
        QVERIFY(first.ok());
        // Someone edits the pull request while our update is on its way.
        bool touched = false;
        rig.server.setBeforeServe([&](const sim::RecordedRequest& r) {
            if (r.method == QLatin1String("PUT") && !touched) {
                touched = true;
                rig.server.touchPullRequest(ownerFor(rig.kind), kRepo, first->number);
            }
        });
        const auto second = rig.open(specFor(QStringLiteral("Second")));
        QVERIFY2(second.ok(), qPrintable(second.ok() ? QString() : second.error().toString()));
        QVERIFY(touched);
        QVERIFY(rig.sawStatus(QStringLiteral("PUT"), 409));
        QCOMPARE(rig.prs().size(), 1);
        QCOMPARE(rig.prs()[0].title, QStringLiteral("Second"));
    }

    void giteaLookupFollowsPages() {
        const ProviderKind kind = ProviderKind::Gitea;
        Rig rig(kind);
        // Gitea lists every open pull request; 60 others come before ours.
        for (int i = 0; i < 60; ++i) {
            sim::SimPullRequest p;
            p.sourceBranch = QStringLiteral("feature-%1").arg(i);
            p.targetBranch = kTarget;
            p.title = QStringLiteral("other %1").arg(i);
            QVERIFY(rig.server.seedPullRequest(ownerFor(kind), kRepo, p).ok());
        }
        sim::SimPullRequest ours;
        ours.sourceBranch = kSource;
        ours.targetBranch = kTarget;
        ours.title = QStringLiteral("ours");
        const auto number = rig.server.seedPullRequest(ownerFor(kind), kRepo, ours);
        QVERIFY(number.ok());
        const auto r = rig.open(specFor(QStringLiteral("updated")));
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QVERIFY(!r->created);
        QCOMPARE(r->number, number.value());
        QCOMPARE(rig.prs().size(), 61);
        QVERIFY(r->sent.first().contains(QStringLiteral("page=1")));
        QVERIFY(r->sent.at(1).contains(QStringLiteral("page=2")));
    }

    void approvalMustMatch() {
        Rig rig(ProviderKind::GitHub);
        const auto approved = rig.approve(
            rig.provider->prepareOpenOrUpdatePullRequest(specFor(QStringLiteral("Approved"))));
        QVERIFY(approved);
        const auto r = rig.openWith(*approved, specFor(QStringLiteral("Something else")));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Approval);
        QVERIFY(rig.server.requests().isEmpty());
        // Audit mode (no read-write) refuses before anything is asked.
        rig.policy.setMode(rig.provider->config().id(), governance::Mode::Audit);
        QVERIFY(!rig.approve(
            rig.provider->prepareOpenOrUpdatePullRequest(specFor(QStringLiteral("x")))));
    }

    void describeShowsEveryRequest_data() { addKinds(); }
    void describeShowsEveryRequest() {
        QFETCH(ProviderKind, kind);
        Rig rig(kind);
        PullRequestSpec spec = specFor(QStringLiteral("Fix image tag"));
        spec.labels = {QStringLiteral("gitops")};
        const auto plan = rig.provider->describeOpenOrUpdatePullRequest(spec);
        QVERIFY(plan.size() >= 3);
        QCOMPARE(plan[0].method, QStringLiteral("GET"));
        QCOMPARE(plan[1].method, QStringLiteral("POST"));
        QVERIFY(plan[2].url.contains(QStringLiteral("{number}")));
        const WriteRequest w = rig.provider->prepareOpenOrUpdatePullRequest(spec);
        QCOMPARE(w.url.toString(QUrl::FullyEncoded), plan[1].url);
        QCOMPARE(w.body, plan[1].body);
        if (kind == ProviderKind::BitbucketDataCenter)
            QVERIFY(plan[2].body.contains("\"version\""));
        for (const auto& p : plan) {
            QVERIFY(!p.displayText().contains(tokenFor(kind)));
            QVERIFY(p.displayText().contains(QStringLiteral("••••••")));
        }
        // And the real run sends exactly the described create.
        const auto r = rig.open(spec);
        QVERIFY(r.ok());
        bool sawCreate = false;
        for (const auto& req : rig.server.requests())
            if (req.method == QLatin1String("POST") && req.body == plan[1].body)
                sawCreate = true;
        QVERIFY(sawCreate);
    }

    void tokenNeverLeaks_data() { addKinds(); }
    void tokenNeverLeaks() {
        QFETCH(ProviderKind, kind);
        const QString token = tokenFor(kind);
        Rig rig(kind);
        PullRequestSpec spec = specFor(QStringLiteral("Fix image tag"));
        spec.labels = {QStringLiteral("gitops")};
        const auto a = rig.open(spec);
        QVERIFY(a.ok());
        const auto b = rig.open(spec); // update path
        QVERIFY(b.ok());
        QVERIFY(rig.comment(a->number, QStringLiteral("note")).ok());
        QVERIFY(!rig.comment(a->number + 9, QStringLiteral("note")).ok()); // 404 error text

        Rig refused(kind, token + QStringLiteral("-old")); // 401 error text
        QVERIFY(!refused.open(spec).ok());
        Rig missing(kind, {}, QStringLiteral("elsewhere")); // 404 error text
        QVERIFY(!missing.open(spec).ok());

        // What the approver is shown names the header the token travels in, masked.
        const QString expectedHeader =
            kind == ProviderKind::GitLab  ? QStringLiteral("PRIVATE-TOKEN: ••••••")
            : kind == ProviderKind::Gitea ? QStringLiteral("Authorization: token ••••••")
                                          : QStringLiteral("Authorization: Bearer ••••••");
        QVERIFY(!rig.approver.seen.isEmpty());
        QVERIFY2(rig.approver.seen.first().displayText().contains(expectedHeader),
                 qPrintable(rig.approver.seen.first().displayText()));

        QStringList texts;
        for (Rig* r : {&rig, &refused, &missing}) {
            texts << r->errorsSeen;
            for (const auto& req : r->server.requests())
                texts << QString::fromUtf8(req.target) << QString::fromUtf8(req.body);
            for (const auto& w : r->approver.seen)
                texts << w.displayText() << w.summary << w.url.toString() << w.target;
            QFile audit(r->dir.filePath(QStringLiteral("audit.jsonl")));
            QVERIFY(audit.open(QIODevice::ReadOnly));
            const QByteArray log = audit.readAll();
            QVERIFY(!log.isEmpty());
            texts << QString::fromUtf8(log);
        }
        texts << a->sent << b->sent;
        for (const auto& p : rig.provider->describeOpenOrUpdatePullRequest(spec))
            texts << p.displayText();
        for (const auto& p : rig.provider->describeComment(1, QStringLiteral("x")))
            texts << p.displayText();
        QVERIFY(texts.size() > 10);
        for (const QString& t : texts)
            QVERIFY2(!t.contains(token), qPrintable(t.left(200)));
        // The check itself can fail: the token is in the headers the server saw.
        bool inHeaders = false;
        for (const auto& req : rig.server.requests())
            for (const auto& h : req.headers)
                inHeaders = inHeaders || h.second.contains(token.toUtf8());
        QVERIFY(inHeaders);
    }

    void standaloneServer() {
        // `sextant-sim --git-provider github` as the console demo and CI start it.
        QProcess proc;
        proc.start(QStringLiteral(SEXTANT_BIN_DIR "/sextant-sim"),
                   {QStringLiteral("--git-provider"), QStringLiteral("github"),
                    QStringLiteral("--token"), QStringLiteral("standalone-tok-991"),
                    QStringLiteral("--repo"), QStringLiteral("demo/gitops-config"),
                    QStringLiteral("--branches"), QStringLiteral("main,") + kSource});
        QVERIFY(proc.waitForStarted(kWait));
        QVERIFY(QTest::qWaitFor([&proc] { return proc.canReadLine(); }, kWait));
        const auto line = nlohmann::json::parse(proc.readLine().toStdString());
        QCOMPARE(line["provider"].get<std::string>(), std::string("github"));
        ProviderConfig c;
        c.kind = ProviderKind::GitHub;
        c.apiBase = QUrl(QString::fromStdString(line["apiBase"].get<std::string>()));
        c.owner = QStringLiteral("demo");
        c.repo = QStringLiteral("gitops-config");
        GitProvider provider(c);
        provider.setToken(QString::fromStdString(line["token"].get<std::string>()));
        std::optional<Result<std::optional<PullRequestInfo>>> found;
        provider.findOpenPullRequest(kSource, kTarget, [&found](auto r) { found.emplace(r); });
        QVERIFY(QTest::qWaitFor([&found] { return found.has_value(); }, kWait));
        QVERIFY2(found->ok(), qPrintable(found->ok() ? QString() : found->error().toString()));
        QVERIFY(!found->value().has_value());
        proc.terminate();
        QVERIFY(proc.waitForFinished(kWait));
        QCOMPARE(proc.exitCode(), 0);
    }

    void configFromRepositoryUrl() {
        auto gh = ProviderConfig::fromRepositoryUrl(QStringLiteral("https://github.com/o/r.git"));
        QVERIFY(gh.ok());
        QCOMPARE(gh->kind, ProviderKind::GitHub);
        QCOMPARE(gh->apiBase, QUrl(QStringLiteral("https://api.github.com")));
        QCOMPARE(gh->owner, QStringLiteral("o"));
        QCOMPARE(gh->repo, QStringLiteral("r"));
        QCOMPARE(gh->id(), QStringLiteral("git:github:api.github.com/o/r"));

        auto ssh = ProviderConfig::fromRepositoryUrl(QStringLiteral("git@github.com:o/r.git"));
        QVERIFY(ssh.ok());
        QCOMPARE(ssh->repoPath(), QStringLiteral("o/r"));

        auto gl = ProviderConfig::fromRepositoryUrl(
            QStringLiteral("https://gitlab.com/group/sub/project.git"));
        QVERIFY(gl.ok());
        QCOMPARE(gl->kind, ProviderKind::GitLab);
        QCOMPARE(gl->owner, QStringLiteral("group/sub"));
        QCOMPARE(gl->apiBase, QUrl(QStringLiteral("https://gitlab.com/api/v4")));

        auto bb =
            ProviderConfig::fromRepositoryUrl(QStringLiteral("https://bitbucket.org/ws/repo"));
        QVERIFY(bb.ok());
        QCOMPARE(bb->kind, ProviderKind::BitbucketCloud);
        QCOMPARE(bb->apiBase, QUrl(QStringLiteral("https://api.bitbucket.org/2.0")));

        auto unknown = ProviderConfig::fromRepositoryUrl(QStringLiteral("https://git.corp/o/r"));
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().kind, Error::Kind::Config);

        auto gitea = ProviderConfig::fromRepositoryUrl(QStringLiteral("https://git.corp/o/r.git"),
                                                       ProviderKind::Gitea);
        QVERIFY(gitea.ok());
        QCOMPARE(gitea->apiBase, QUrl(QStringLiteral("https://git.corp/api/v1")));

        auto dc = ProviderConfig::fromRepositoryUrl(
            QStringLiteral("https://bb.corp/bitbucket/scm/ops/gitops-config.git"),
            ProviderKind::BitbucketDataCenter);
        QVERIFY(dc.ok());
        QCOMPARE(dc->owner, QStringLiteral("OPS"));
        QCOMPARE(dc->repo, QStringLiteral("gitops-config"));
        QCOMPARE(dc->apiBase, QUrl(QStringLiteral("https://bb.corp/bitbucket/rest/api/latest")));

        auto explicitBase = ProviderConfig::fromRepositoryUrl(
            QStringLiteral("https://ghe.corp/o/r"), ProviderKind::GitHub,
            QUrl(QStringLiteral("https://ghe.corp/api/v3")));
        QVERIFY(explicitBase.ok());
        QCOMPARE(explicitBase->apiBase, QUrl(QStringLiteral("https://ghe.corp/api/v3")));
    }

    // A pull request whose head branch exists only in a real Git repository linked to the
    // provider repository: answered as a missing branch (each provider's own answer) until the
    // branch is pushed there, then opened.
    void linkedRepositoryBranches_data() {
        QTest::addColumn<ProviderKind>("kind");
        QTest::addColumn<int>("missingStatus");
        QTest::newRow("github") << ProviderKind::GitHub << 422; // Validation Failed, head invalid
        QTest::newRow("gitlab") << ProviderKind::GitLab << 422;
        QTest::newRow("gitea") << ProviderKind::Gitea << 404;
        QTest::newRow("bitbucket-cloud") << ProviderKind::BitbucketCloud << 400;
        QTest::newRow("bitbucket-dc") << ProviderKind::BitbucketDataCenter << 404;
    }
    void linkedRepositoryBranches() {
        QFETCH(ProviderKind, kind);
        QFETCH(int, missingStatus);
        Rig rig(kind);
        const QString branch = QStringLiteral("sextant/fix-linked-%1").arg(providerKindName(kind));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString linked = dir.filePath(QStringLiteral("linked.git"));
        auto bare = GitRepository::initBare(linked);
        QVERIFY(bare.ok());
        QVERIFY(rig.server.linkRepository(ownerFor(kind), kRepo, linked).ok());
        const Status unknown =
            rig.server.linkRepository(ownerFor(kind), QStringLiteral("no-such-repo"), linked);
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().kind, Error::Kind::NotFound);

        // The branch, made in another repository and not pushed yet.
        auto local = GitRepository::initBare(dir.filePath(QStringLiteral("local.git")));
        QVERIFY(local.ok());
        MemoryTree files;
        files.put(QStringLiteral("deploy/overlays/prod/kustomization.yaml"), "newTag: v2.14.0\n");
        QVERIFY(local.value()
                    ->commitSnapshot(branch, files, QStringLiteral("Fix the image tag"),
                                     QStringLiteral("Ada Tester"),
                                     QStringLiteral("ada@example.test"),
                                     QDateTime::currentDateTimeUtc())
                    .ok());

        PullRequestSpec spec = specFor(QStringLiteral("Fix the image tag"));
        spec.sourceBranch = branch;
        rig.server.clearRequests();
        const auto before = rig.open(spec);
        QVERIFY(!before.ok());
        QVERIFY2(rig.sawStatus(QStringLiteral("POST"), missingStatus),
                 qPrintable(before.error().toString()));
        QVERIFY(rig.prs().isEmpty());

        const auto pushed = local.value()->push(test::fileUrl(linked), branch);
        QVERIFY2(pushed.ok(), qPrintable(pushed.ok() ? QString() : pushed.error().toString()));
        QVERIFY(pushed->refs.size() == 1 && pushed->refs[0].accepted);

        rig.server.clearRequests();
        const auto after = rig.open(spec);
        QVERIFY2(after.ok(), qPrintable(after.ok() ? QString() : after.error().toString()));
        QVERIFY(after->created);
        QVERIFY(after->number > 0);
        QVERIFY(!rig.sawStatus(QStringLiteral("POST"), missingStatus));
        const auto prs = rig.prs();
        QCOMPARE(prs.size(), 1);
        QCOMPARE(prs[0].sourceBranch, branch);
        QCOMPARE(prs[0].targetBranch, kTarget);
        QCOMPARE(prs[0].number, after->number);

        // A branch of the linked repository that was never pushed is still missing.
        PullRequestSpec other = specFor(QStringLiteral("Another fix"));
        other.sourceBranch = QStringLiteral("sextant/never-pushed");
        rig.server.clearRequests();
        QVERIFY(!rig.open(other).ok());
        QVERIFY(rig.sawStatus(QStringLiteral("POST"), missingStatus));
        QCOMPARE(rig.prs().size(), 1);
    }

    void errorBodiesInProviderWords() {
        using detail::providerMessageFromBody;
        QCOMPARE(
            providerMessageFromBody(
                R"({"message":["Another open merge request already exists for this source branch: !3"]})"),
            QStringLiteral("Another open merge request already exists for this source "
                           "branch: !3"));
        QCOMPARE(providerMessageFromBody(R"({"type":"error","error":{"message":"Bad branch"}})"),
                 QStringLiteral("Bad branch"));
        QCOMPARE(
            providerMessageFromBody(
                R"({"errors":[{"context":null,"message":"Only one pull request may be open","exceptionName":"x"}]})"),
            QStringLiteral("Only one pull request may be open"));
        QCOMPARE(
            providerMessageFromBody(
                R"({"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for o:b."}]})"),
            QStringLiteral("Validation Failed: A pull request already exists for o:b."));
    }
};

QTEST_GUILESS_MAIN(TestGitProviders)
#include "tst_gitproviders.moc"
