// GitRepository against real repositories made with the git CLI: a source repository with
// kustomize-style files (a rename, a deletion, an annotated tag) and a bare file:// remote. A
// bare mirror is cloned and fetched into a temporary cache; revisions are read, listed and
// diffed without a work tree; commits are made from edits on the bare mirror and checked with
// `git show`/`git ls-tree`; the refusals (default branch, moved branch, no-op, bad names) leave
// every ref untouched; pushes over file:// are accepted, or rejected as a Conflict with the
// remote ref unchanged.

#include "gitfixtures.h"
#include "gitops/gitrepository.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::gitops;
using sextant::test::git;
using sextant::test::gitText;
using sextant::test::GitWorkRepo;

namespace {

const QByteArray kBaseKustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                                      "kind: Kustomization\n"
                                      "resources:\n"
                                      "  - deployment.yaml\n";
const QByteArray kDeployment = "apiVersion: apps/v1\n"
                               "kind: Deployment\n"
                               "metadata:\n"
                               "  name: web\n"
                               "spec:\n"
                               "  template:\n"
                               "    spec:\n"
                               "      containers:\n"
                               "        - name: web\n"
                               "          image: registry.example/web:1.4.2\n";
const QByteArray kProdV1 =
    "resources:\n  - ../../base\nimages:\n  - name: web\n    newTag: 1.4.2\n";
const QByteArray kProdV2 = "resources:\n  - ../../base\nimages:\n  - name: web\n    newTag: 1.5.0\n"
                           "patches:\n  - path: patch.yaml\n";
const QByteArray kStaging = "resources:\n  - ../../base\nnamePrefix: staging-\n";
const QByteArray kApiValues = "replicaCount: 3\nimage:\n  repository: registry.example/api\n"
                              "  tag: 2.0.0\nresources:\n  limits:\n    memory: 256Mi\n";
const QByteArray kPatch = "- op: replace\n  path: /spec/replicas\n  value: 4\n";

QString errorText(const Error& e) {
    return e.toString();
}

} // namespace

class TestGitRepository : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_src, m_remote, m_url, m_cache;
    QString m_c1, m_c2, m_c3;
    std::unique_ptr<GitRepository> m_mirror;

    QString remoteRef(const QString& ref) const {
        return gitText(m_remote, {QStringLiteral("rev-parse"), QStringLiteral("--verify"),
                                  QStringLiteral("-q"), ref});
    }
    QString mirrorGit(const QStringList& args) const { return gitText(m_mirror->path(), args); }

private slots:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        m_src = m_tmp.filePath(QStringLiteral("src"));
        m_remote = m_tmp.filePath(QStringLiteral("remote.git"));
        m_cache = m_tmp.filePath(QStringLiteral("cache"));
        GitWorkRepo src(m_src);
        QVERIFY(src.init());
        QVERIFY(src.write(QStringLiteral("README.md"), "# config\n"));
        QVERIFY(src.write(QStringLiteral("apps/web/base/kustomization.yaml"), kBaseKustomization));
        QVERIFY(src.write(QStringLiteral("apps/web/base/deployment.yaml"), kDeployment));
        QVERIFY(src.write(QStringLiteral("apps/web/overlays/prod/kustomization.yaml"), kProdV1));
        QVERIFY(
            src.write(QStringLiteral("apps/web/overlays/staging/kustomization.yaml"), kStaging));
        QVERIFY(src.write(QStringLiteral("apps/api/values.yaml"), kApiValues));
        m_c1 = src.commit(QStringLiteral("Add web and api\n\nFirst layout of the repository."),
                          QStringLiteral("2024-05-06T07:08:09Z"));
        QVERIFY(!m_c1.isEmpty());
        QVERIFY(src.tag(QStringLiteral("v1"), QStringLiteral("release 1")));

        QVERIFY(src.write(QStringLiteral("apps/web/overlays/prod/kustomization.yaml"), kProdV2));
        QVERIFY(src.write(QStringLiteral("apps/web/overlays/prod/patch.yaml"), kPatch));
        QVERIFY(src.move(QStringLiteral("apps/api/values.yaml"),
                         QStringLiteral("apps/api/values-prod.yaml")));
        QVERIFY(src.remove(QStringLiteral("README.md")));
        m_c2 = src.commit(QStringLiteral("web 1.5.0 in prod, api values per environment"),
                          QStringLiteral("2024-05-07T10:00:00Z"));
        QVERIFY(!m_c2.isEmpty());
        QVERIFY(test::cloneBare(m_src, m_remote));
        // A branch that will disappear upstream before the second fetch.
        QVERIFY(git(m_remote, {QStringLiteral("branch"), QStringLiteral("feature/gone"), m_c1})
                    .exitCode == 0);
        m_url = test::fileUrl(m_remote);
    }

    void mirrorClonesThenFetches() {
        auto mirror = GitRepository::mirror(m_url, m_cache);
        QVERIFY2(mirror.ok(), qPrintable(mirror.ok() ? QString() : errorText(mirror.error())));
        m_mirror = std::move(mirror.value());
        QVERIFY(m_mirror->isBare());
        QCOMPARE(
            QDir(m_mirror->path()).absolutePath(),
            QDir(m_cache + QLatin1Char('/') + GitRepository::mirrorDirName(m_url)).absolutePath());
        // No scratch folders left beside the mirror.
        QCOMPARE(QDir(m_cache).entryList(QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot).size(),
                 1);
        QCOMPARE(m_mirror->resolve(QStringLiteral("main")).value(), m_c2);
        QCOMPARE(m_mirror->resolve(QStringLiteral("v1")).value(), m_c1); // annotated tag, peeled
        QCOMPARE(m_mirror->resolve(QStringLiteral("feature/gone")).value(), m_c1);
        QCOMPARE(m_mirror->defaultBranch().value(), QStringLiteral("main"));

        // Upstream moves on: a new commit, a branch deleted.
        GitWorkRepo src(m_src);
        QVERIFY(src.write(QStringLiteral("apps/web/overlays/staging/kustomization.yaml"),
                          kStaging + "replicas:\n  - name: web\n    count: 2\n"));
        m_c3 = src.commit(QStringLiteral("staging: two web replicas"),
                          QStringLiteral("2024-05-08T12:30:00Z"));
        QVERIFY(!m_c3.isEmpty());
        QVERIFY(src.push(m_remote, QStringLiteral("main")));
        QVERIFY(git(m_remote, {QStringLiteral("branch"), QStringLiteral("-D"),
                               QStringLiteral("feature/gone")})
                    .exitCode == 0);

        // The same URL written differently lands in the same cache entry.
        QCOMPARE(GitRepository::mirrorDirName(m_url + QStringLiteral("/")),
                 GitRepository::mirrorDirName(m_url));
        auto again = GitRepository::mirror(m_url, m_cache);
        QVERIFY2(again.ok(), qPrintable(again.ok() ? QString() : errorText(again.error())));
        QCOMPARE(again.value()->path(), m_mirror->path());
        QCOMPARE(again.value()->resolve(QStringLiteral("main")).value(), m_c3);
        QCOMPARE(m_mirror->resolve(QStringLiteral("main")).value(), m_c3); // same repository
        const auto gone = again.value()->resolve(QStringLiteral("feature/gone"));
        QVERIFY(!gone.ok()); // pruned
        QCOMPARE(gone.error().kind, Error::Kind::NotFound);
    }

    void mirrorOfMissingRepository() {
        auto missing = GitRepository::mirror(test::fileUrl(m_tmp.filePath(QStringLiteral("nope"))),
                                             m_tmp.filePath(QStringLiteral("cache-missing")));
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().kind != Error::Kind::None);
        QVERIFY(!missing.error().shortMessage.isEmpty());
        // Nothing half-made stays in the cache.
        QCOMPARE(QDir(m_tmp.filePath(QStringLiteral("cache-missing")))
                     .entryList(QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot)
                     .size(),
                 0);
        auto withPassword = GitRepository::mirror(
            QStringLiteral("https://user:hunter2-secret@git.example/config.git"), m_cache);
        QVERIFY(!withPassword.ok());
        QCOMPARE(withPassword.error().kind, Error::Kind::Config);
        QVERIFY(!errorText(withPassword.error()).contains(QLatin1String("hunter2-secret")));
    }

    void resolvesRevisions() {
        QCOMPARE(m_mirror->resolve(m_c2.left(8)).value(), m_c2);
        QCOMPARE(m_mirror->resolve(m_c2).value(), m_c2);
        QCOMPARE(m_mirror->resolve(QStringLiteral("HEAD")).value(), m_c3);
        QCOMPARE(m_mirror->resolve(QStringLiteral("origin/main")).value(), m_c3);
        QCOMPARE(m_mirror->resolve(QStringLiteral("main~1")).value(), m_c2);
        QCOMPARE(m_mirror->resolve(QStringLiteral("refs/tags/v1")).value(), m_c1);
        const auto missing = m_mirror->resolve(QStringLiteral("no-such-branch"));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().kind, Error::Kind::NotFound);
        QVERIFY(missing.error().shortMessage.contains(QLatin1String("no-such-branch")));
        QCOMPARE(m_mirror->resolve(QString()).error().kind, Error::Kind::Config);
        QCOMPARE(m_mirror->mergeBase(QStringLiteral("main"), QStringLiteral("v1")).value(), m_c1);
    }

    void readsCommitInfoAndLog() {
        const auto info = m_mirror->commitInfo(QStringLiteral("v1"));
        QVERIFY(info.ok());
        QCOMPARE(info->sha, m_c1);
        QCOMPARE(info->shortSha, m_c1.left(7));
        QCOMPARE(info->authorName, QString::fromLatin1(test::kGitAuthorName));
        QCOMPARE(info->authorEmail, QString::fromLatin1(test::kGitAuthorEmail));
        QCOMPARE(info->time, QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9), Qt::UTC));
        QCOMPARE(info->time.timeSpec(), Qt::UTC);
        QCOMPARE(info->summary, QStringLiteral("Add web and api"));
        QCOMPARE(info->message,
                 QStringLiteral("Add web and api\n\nFirst layout of the repository.\n"));

        const auto log = m_mirror->log(QStringLiteral("main"), 10);
        QVERIFY(log.ok());
        QCOMPARE(log->size(), size_t(3));
        QCOMPARE(log->at(0).sha, m_c3);
        QCOMPARE(log->at(1).sha, m_c2);
        QCOMPARE(log->at(2).sha, m_c1);
        QCOMPARE(log->at(0).summary, QStringLiteral("staging: two web replicas"));
        QCOMPARE(m_mirror->log(QStringLiteral("main"), 1)->size(), size_t(1));
        QCOMPARE(m_mirror->log(QStringLiteral("v1"), 10)->size(), size_t(1));
    }

    void defaultBranchFallsBackToMain() {
        // HEAD names a branch that does not exist: "main" is the answer.
        const QString dir = m_tmp.filePath(QStringLiteral("trunk.git"));
        QVERIFY(test::runProcess(QStringLiteral("git"),
                                 {QStringLiteral("init"), QStringLiteral("-q"),
                                  QStringLiteral("--bare"), QStringLiteral("-b"),
                                  QStringLiteral("trunk"), dir},
                                 test::gitEnvironment())
                    .exitCode == 0);
        QVERIFY(GitWorkRepo(m_src).push(dir, QStringLiteral("main")));
        auto repo = GitRepository::open(dir);
        QVERIFY(repo.ok());
        QCOMPARE(repo.value()->defaultBranch().value(), QStringLiteral("main"));
        QVERIFY(!GitRepository::open(m_tmp.filePath(QStringLiteral("nothing-here"))).ok());
    }

    void treeReadsAndLists() {
        auto tree = m_mirror->tree(QStringLiteral("v1"));
        QVERIFY(tree.ok());
        const GitTree& t = *tree.value();
        QCOMPARE(t.commitSha(), m_c1);
        QCOMPARE(t.readFile(QStringLiteral("apps/web/overlays/prod/kustomization.yaml")).value(),
                 kProdV1);
        QCOMPARE(t.readFile(QStringLiteral("./apps/web/base/../base/deployment.yaml")).value(),
                 kDeployment);
        QCOMPARE(t.readFile(QStringLiteral("README.md")).value(), QByteArray("# config\n"));
        QVERIFY(!t.readFile(QStringLiteral("apps/web")).has_value()); // a folder
        QVERIFY(!t.readFile(QStringLiteral("apps/nope.yaml")).has_value());
        QVERIFY(!t.readFile(QStringLiteral("../outside")).has_value());
        QVERIFY(!t.readFile(QString()).has_value());

        QCOMPARE(t.list(QString()),
                 (QStringList{QStringLiteral("README.md"), QStringLiteral("apps/")}));
        QCOMPARE(t.list(QStringLiteral("apps")),
                 (QStringList{QStringLiteral("api/"), QStringLiteral("web/")}));
        QCOMPARE(
            t.list(QStringLiteral("apps/web/base/")),
            (QStringList{QStringLiteral("deployment.yaml"), QStringLiteral("kustomization.yaml")}));
        QCOMPARE(t.list(QStringLiteral("apps/web/overlays")),
                 (QStringList{QStringLiteral("prod/"), QStringLiteral("staging/")}));
        QVERIFY(t.list(QStringLiteral("apps/missing")).isEmpty());
        QVERIFY(t.list(QStringLiteral("README.md")).isEmpty());

        QVERIFY(t.isDir(QString()));
        QVERIFY(t.isDir(QStringLiteral("apps/web/overlays")));
        QVERIFY(!t.isDir(QStringLiteral("apps/web/overlays/prod/kustomization.yaml")));
        QVERIFY(!t.isDir(QStringLiteral("apps/we"))); // whole segments only
        QVERIFY(t.isFile(QStringLiteral("apps/api/values.yaml")));
        QVERIFY(!t.isFile(QStringLiteral("apps/api")));
        QVERIFY(!t.isFile(QStringLiteral("apps/api/values-prod.yaml")));

        const QStringList all{QStringLiteral("README.md"),
                              QStringLiteral("apps/api/values.yaml"),
                              QStringLiteral("apps/web/base/deployment.yaml"),
                              QStringLiteral("apps/web/base/kustomization.yaml"),
                              QStringLiteral("apps/web/overlays/prod/kustomization.yaml"),
                              QStringLiteral("apps/web/overlays/staging/kustomization.yaml")};
        QCOMPARE(t.allFiles(), all);
        QCOMPARE(t.allFiles(QStringLiteral("apps/web/overlays")),
                 (QStringList{QStringLiteral("apps/web/overlays/prod/kustomization.yaml"),
                              QStringLiteral("apps/web/overlays/staging/kustomization.yaml")}));
        QVERIFY(t.allFiles(QStringLiteral("README.md")).isEmpty());
        QVERIFY(t.allFiles(QStringLiteral("apps/none")).isEmpty());

        // The head revision reads exactly like the checkout it came from.
        auto head = m_mirror->tree(QStringLiteral("main"));
        QVERIFY(head.ok());
        const DirectoryTree checkout(m_src);
        QCOMPARE(head.value()->allFiles(), checkout.allFiles());
        for (const QString& path : checkout.allFiles())
            QCOMPARE(head.value()->readFile(path), checkout.readFile(path));

        // The tree has its own handle: it outlives the repository object it came from.
        auto reopened = GitRepository::open(m_mirror->path());
        QVERIFY(reopened.ok());
        auto detached = reopened.value()->tree(QStringLiteral("v1"));
        QVERIFY(detached.ok());
        reopened.value().reset();
        QCOMPARE(detached.value()->readFile(QStringLiteral("apps/api/values.yaml")).value(),
                 kApiValues);

        QCOMPARE(m_mirror->tree(QStringLiteral("no-such-rev")).error().kind, Error::Kind::NotFound);
    }

    void diffDetectsRenames() {
        const auto changes = m_mirror->diff(QStringLiteral("v1"), m_c2);
        QVERIFY(changes.ok());
        QCOMPARE(changes->size(), size_t(4));
        const auto& c = changes.value();
        QCOMPARE(c[0].path, QStringLiteral("README.md"));
        QCOMPARE(c[0].kind, FileChange::Kind::Deleted);
        QCOMPARE(c[1].path, QStringLiteral("apps/api/values-prod.yaml"));
        QCOMPARE(c[1].kind, FileChange::Kind::Renamed);
        QCOMPARE(c[1].oldPath, QStringLiteral("apps/api/values.yaml"));
        QCOMPARE(c[2].path, QStringLiteral("apps/web/overlays/prod/kustomization.yaml"));
        QCOMPARE(c[2].kind, FileChange::Kind::Modified);
        QCOMPARE(c[2].oldPath, c[2].path);
        QCOMPARE(c[3].path, QStringLiteral("apps/web/overlays/prod/patch.yaml"));
        QCOMPARE(c[3].kind, FileChange::Kind::Added);

        // The generic comparison agrees except that it sees the rename as delete + add.
        const auto base = m_mirror->tree(QStringLiteral("v1"));
        const auto head = m_mirror->tree(m_c2);
        const auto generic = diffTrees(*base.value(), *head.value());
        QCOMPARE(generic.size(), size_t(5));

        QVERIFY(m_mirror->diff(m_c2, m_c2)->empty());
        QCOMPARE(m_mirror->diff(QStringLiteral("v1"), QStringLiteral("nope")).error().kind,
                 Error::Kind::NotFound);
    }

    void commitsEditsOnANewBranch() {
        const QString mainBefore = m_mirror->resolve(QStringLiteral("main")).value();
        const QByteArray newProd =
            "resources:\n  - ../../base\nimages:\n  - name: web\n"
            "    newTag: 1.5.1 # fixed typo \xc3\xa9\n  - last line no newline";
        const QByteArray extra = "kind: ConfigMap\nmetadata:\n  name: extra\n";
        CommitRequest request;
        request.branch = QStringLiteral("sextant/fix-web-image");
        request.parentRev = QStringLiteral("main");
        request.edits = {{QStringLiteral("apps/web/overlays/prod/kustomization.yaml"), newProd},
                         {QStringLiteral("./apps/web/overlays/prod/extra/configmap.yaml"), extra},
                         {QStringLiteral("apps/web/overlays/prod/patch.yaml"), std::nullopt}};
        request.message = QStringLiteral("web: image tag 1.5.1 in prod\n\nDrafted by Sextant.");
        request.authorName = QStringLiteral("Grace Fixer");
        request.authorEmail = QStringLiteral("grace@example.test");
        const auto sha = m_mirror->commitEdits(request);
        QVERIFY2(sha.ok(), qPrintable(sha.ok() ? QString() : errorText(sha.error())));

        const QString dir = m_mirror->path();
        QCOMPARE(mirrorGit({QStringLiteral("rev-parse"), QStringLiteral("sextant/fix-web-image")}),
                 sha.value());
        QCOMPARE(mirrorGit({QStringLiteral("rev-parse"), sha.value() + QStringLiteral("^")}),
                 mainBefore);
        QCOMPARE(mirrorGit({QStringLiteral("rev-parse"), QStringLiteral("main")}), mainBefore);
        const test::ProcessRun show =
            git(dir, {QStringLiteral("show"),
                      sha.value() + QStringLiteral(":apps/web/overlays/prod/kustomization.yaml")});
        QCOMPARE(show.exitCode, 0);
        QCOMPARE(show.out, newProd); // byte for byte, no newline added
        QCOMPARE(
            git(dir, {QStringLiteral("show"),
                      sha.value() + QStringLiteral(":apps/web/overlays/prod/extra/configmap.yaml")})
                .out,
            extra);
        QCOMPARE(mirrorGit({QStringLiteral("log"), QStringLiteral("-1"),
                            QStringLiteral("--format=%an <%ae>|%cn|%s"), sha.value()}),
                 QStringLiteral("Grace Fixer <grace@example.test>|Grace Fixer|web: image tag "
                                "1.5.1 in prod"));
        // Every other file is the very same blob as in the parent.
        const auto lsTree = [&](const QString& rev) {
            QMap<QString, QString> blobs;
            const QString text = mirrorGit({QStringLiteral("ls-tree"), QStringLiteral("-r"), rev});
            for (const QString& line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
                blobs.insert(line.section(QLatin1Char('\t'), 1),
                             line.section(QLatin1Char(' '), 2, 2).section(QLatin1Char('\t'), 0, 0));
            return blobs;
        };
        QMap<QString, QString> before = lsTree(mainBefore);
        QMap<QString, QString> after = lsTree(sha.value());
        QVERIFY(before.contains(QStringLiteral("apps/web/overlays/prod/patch.yaml")));
        QVERIFY(!after.contains(QStringLiteral("apps/web/overlays/prod/patch.yaml")));
        before.remove(QStringLiteral("apps/web/overlays/prod/patch.yaml"));
        before.remove(QStringLiteral("apps/web/overlays/prod/kustomization.yaml"));
        after.remove(QStringLiteral("apps/web/overlays/prod/kustomization.yaml"));
        after.remove(QStringLiteral("apps/web/overlays/prod/extra/configmap.yaml"));
        QCOMPARE(after, before);
        QCOMPARE(before.size(), 4);
        QCOMPARE(git(dir, {QStringLiteral("fsck"), QStringLiteral("--no-progress")}).exitCode, 0);

        // A second commit on top of the branch's own tip updates the same branch.
        CommitRequest more = request;
        more.parentRev = sha.value();
        more.edits = {{QStringLiteral("apps/web/overlays/prod/extra/configmap.yaml"),
                       extra + "data:\n  key: value\n"}};
        more.message = QStringLiteral("web: extra data");
        const auto second = m_mirror->commitEdits(more);
        QVERIFY(second.ok());
        QCOMPARE(mirrorGit({QStringLiteral("rev-parse"), QStringLiteral("sextant/fix-web-image")}),
                 second.value());
        QCOMPARE(m_mirror->diff(sha.value(), second.value())->size(), size_t(1));
    }

    void refusesUnsafeCommits() {
        CommitRequest base;
        base.parentRev = QStringLiteral("main");
        base.edits = {{QStringLiteral("apps/web/base/deployment.yaml"), kDeployment + "# x\n"}};
        base.message = QStringLiteral("change");
        base.authorName = QStringLiteral("Grace Fixer");
        base.authorEmail = QStringLiteral("grace@example.test");
        const QString mainBefore = m_mirror->resolve(QStringLiteral("main")).value();

        CommitRequest toDefault = base;
        toDefault.branch = QStringLiteral("main");
        const auto refused = m_mirror->commitEdits(toDefault);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, Error::Kind::Approval);
        QVERIFY(refused.error().shortMessage.contains(QLatin1String("default branch")));
        QCOMPARE(m_mirror->resolve(QStringLiteral("main")).value(), mainBefore);

        // A branch someone else moved is never overwritten.
        CommitRequest first = base;
        first.branch = QStringLiteral("sextant/moved");
        first.parentRev = QStringLiteral("v1");
        const auto tip = m_mirror->commitEdits(first);
        QVERIFY(tip.ok());
        const auto moved = m_mirror->commitEdits(first); // still says "on top of v1"
        QVERIFY(!moved.ok());
        QCOMPARE(moved.error().kind, Error::Kind::Conflict);
        QVERIFY(moved.error().details.contains(tip.value()));
        QCOMPARE(m_mirror->resolve(QStringLiteral("sextant/moved")).value(), tip.value());

        // Edits that change nothing make no commit and no branch.
        CommitRequest noop = base;
        noop.branch = QStringLiteral("sextant/noop");
        noop.edits = {{QStringLiteral("apps/web/base/deployment.yaml"), kDeployment}};
        const auto nothing = m_mirror->commitEdits(noop);
        QVERIFY(!nothing.ok());
        QCOMPARE(nothing.error().kind, Error::Kind::Config);
        QVERIFY(nothing.error().shortMessage.contains(QLatin1String("change nothing")));
        QVERIFY(!m_mirror->resolve(QStringLiteral("sextant/noop")).ok());

        const auto refusedWith = [&](CommitRequest r) {
            const auto out = m_mirror->commitEdits(r);
            return out.ok() ? Error::Kind::None : out.error().kind;
        };
        CommitRequest bad = base;
        for (const QString& name :
             {QStringLiteral("bad..name"), QStringLiteral("trailing/"),
              QStringLiteral("with space"), QStringLiteral("x.lock"), QString()}) {
            bad.branch = name;
            QCOMPARE(refusedWith(bad), Error::Kind::Config);
        }
        bad.branch = QStringLiteral("sextant/bad-edits");
        bad.edits = {{QStringLiteral("../outside.yaml"), QByteArray("x")}};
        QCOMPARE(refusedWith(bad), Error::Kind::Config);
        bad.edits = {{QStringLiteral(".git/config"), QByteArray("x")}};
        QCOMPARE(refusedWith(bad), Error::Kind::Config);
        bad.edits = {{QStringLiteral("apps/web"), QByteArray("x")}}; // a folder
        QCOMPARE(refusedWith(bad), Error::Kind::Config);
        bad.edits = {{QStringLiteral("apps/none.yaml"), std::nullopt}}; // nothing to delete
        QCOMPARE(refusedWith(bad), Error::Kind::Config);
        bad.edits = {{QStringLiteral("a.yaml"), QByteArray("1")},
                     {QStringLiteral("./a.yaml"), QByteArray("2")}};
        QCOMPARE(refusedWith(bad), Error::Kind::Config);
        bad.edits = {{QStringLiteral("apps/web/base/deployment.yaml/x"), QByteArray("x")}};
        QCOMPARE(refusedWith(bad), Error::Kind::Config); // runs through a file
        bad.edits = {};
        QCOMPARE(refusedWith(bad), Error::Kind::Config);
        bad = base;
        bad.branch = QStringLiteral("sextant/no-parent");
        bad.parentRev = QStringLiteral("no-such-rev");
        QCOMPARE(refusedWith(bad), Error::Kind::NotFound);
        QVERIFY(!m_mirror->resolve(QStringLiteral("sextant/bad-edits")).ok());
        QVERIFY(!m_mirror->resolve(QStringLiteral("sextant/no-parent")).ok());

        // The default branch takes commits only when the policy allows it (on a copy).
        const QString copy = m_tmp.filePath(QStringLiteral("copy.git"));
        QVERIFY(test::cloneBare(m_remote, copy));
        auto repo = GitRepository::open(copy);
        QVERIFY(repo.ok());
        toDefault.allowDefaultBranch = true;
        const auto allowed = repo.value()->commitEdits(toDefault);
        QVERIFY(allowed.ok());
        QCOMPARE(gitText(copy, {QStringLiteral("rev-parse"), QStringLiteral("main")}),
                 allowed.value());
    }

    void pushesOverFileUrl() {
        const QString branch = QStringLiteral("sextant/fix-web-image");
        const QString local = m_mirror->resolve(branch).value();
        QVERIFY(remoteRef(QStringLiteral("refs/heads/") + branch).isEmpty());
        const auto pushed = m_mirror->push(m_url, branch);
        QVERIFY2(pushed.ok(), qPrintable(pushed.ok() ? QString() : errorText(pushed.error())));
        QCOMPARE(pushed->refs.size(), size_t(1));
        QCOMPARE(pushed->refs[0].refName, QStringLiteral("refs/heads/") + branch);
        QVERIFY(pushed->refs[0].accepted);
        QVERIFY(!pushed->upToDate);
        QCOMPARE(remoteRef(QStringLiteral("refs/heads/") + branch), local);

        // Pushing the same commit again sends nothing and says so; by remote name too.
        const auto again = m_mirror->push(QStringLiteral("origin"), branch);
        QVERIFY(again.ok());
        QVERIFY(again->upToDate);
        QVERIFY(again->refs[0].accepted);

        QCOMPARE(m_mirror->push(m_url, QStringLiteral("no-such-branch")).error().kind,
                 Error::Kind::NotFound);
        QCOMPARE(m_mirror->push(QStringLiteral("not-a-remote"), branch).error().kind,
                 Error::Kind::Config);
    }

    void nonFastForwardPushIsRejected() {
        // Someone pushed to the branch upstream meanwhile; our commit is not on top of theirs.
        GitWorkRepo src(m_src);
        QVERIFY(git(m_src, {QStringLiteral("checkout"), QStringLiteral("-q"), QStringLiteral("-b"),
                            QStringLiteral("sextant/race")})
                    .exitCode == 0);
        QVERIFY(
            src.write(QStringLiteral("apps/web/base/deployment.yaml"), kDeployment + "# them\n"));
        const QString theirs = src.commit(QStringLiteral("their change"));
        QVERIFY(!theirs.isEmpty());
        QVERIFY(src.push(m_remote, QStringLiteral("sextant/race")));
        QVERIFY(
            git(m_src, {QStringLiteral("checkout"), QStringLiteral("-q"), QStringLiteral("main")})
                .exitCode == 0);

        CommitRequest request;
        request.branch = QStringLiteral("sextant/race");
        request.parentRev = QStringLiteral("main");
        request.edits = {{QStringLiteral("apps/web/base/deployment.yaml"), kDeployment + "# us\n"}};
        request.message = QStringLiteral("our change");
        request.authorName = QStringLiteral("Grace Fixer");
        request.authorEmail = QStringLiteral("grace@example.test");
        QVERIFY(m_mirror->commitEdits(request).ok());
        const auto rejected = m_mirror->push(m_url, QStringLiteral("sextant/race"));
        QVERIFY(!rejected.ok());
        QCOMPARE(rejected.error().kind, Error::Kind::Conflict);
        QVERIFY(rejected.error().shortMessage.contains(QLatin1String("sextant/race")));
        QCOMPARE(remoteRef(QStringLiteral("refs/heads/sextant/race")), theirs);

        // The same when the remote tip is a commit we know (it is simply not our ancestor).
        const QString other = m_tmp.filePath(QStringLiteral("other.git"));
        QVERIFY(test::cloneBare(m_remote, other));
        QVERIFY(git(m_mirror->path(),
                    {QStringLiteral("push"), QStringLiteral("-q"), other,
                     QStringLiteral("+sextant/moved:refs/heads/sextant/fix-web-image")})
                    .exitCode == 0);
        const QString otherTip =
            gitText(other, {QStringLiteral("rev-parse"), QStringLiteral("sextant/fix-web-image")});
        const auto known =
            m_mirror->push(test::fileUrl(other), QStringLiteral("sextant/fix-web-image"));
        QVERIFY(!known.ok());
        QCOMPARE(known.error().kind, Error::Kind::Conflict);
        QVERIFY(!known.error().details.isEmpty());
        QCOMPARE(
            gitText(other, {QStringLiteral("rev-parse"), QStringLiteral("sextant/fix-web-image")}),
            otherTip);
    }

    // ~500 files: mirror, list and diff stay fast (times printed for the notes).
    void largeRepository() {
        GitWorkRepo big(m_tmp.filePath(QStringLiteral("big")));
        QVERIFY(big.init());
        for (int app = 0; app < 50; ++app)
            for (int file = 0; file < 10; ++file)
                QVERIFY(big.write(
                    QStringLiteral("apps/app-%1/overlays/env-%2/values.yaml").arg(app).arg(file),
                    QByteArray("replicas: ") + QByteArray::number(app + file) +
                        "\nimage: registry.example/app:" + QByteArray::number(app) + "\n" +
                        QByteArray(400, '#') + "\n"));
        QVERIFY(!big.commit(QStringLiteral("500 files")).isEmpty());
        for (int app = 0; app < 50; app += 2)
            QVERIFY(big.write(QStringLiteral("apps/app-%1/overlays/env-3/values.yaml").arg(app),
                              "replicas: 99\n"));
        QVERIFY(big.move(QStringLiteral("apps/app-1/overlays/env-1/values.yaml"),
                         QStringLiteral("apps/app-1/overlays/env-1/values-renamed.yaml")));
        QVERIFY(!big.commit(QStringLiteral("25 edits and a rename")).isEmpty());
        const QString bare = m_tmp.filePath(QStringLiteral("big.git"));
        QVERIFY(test::cloneBare(big.dir(), bare));

        QElapsedTimer timer;
        timer.start();
        auto mirror =
            GitRepository::mirror(test::fileUrl(bare), m_tmp.filePath(QStringLiteral("bigcache")));
        const qint64 mirrorMs = timer.restart();
        QVERIFY(mirror.ok());
        auto tree = mirror.value()->tree(QStringLiteral("main"));
        QVERIFY(tree.ok());
        const QStringList files = tree.value()->allFiles();
        const qint64 treeMs = timer.restart();
        const auto changes = mirror.value()->diff(QStringLiteral("main~1"), QStringLiteral("main"));
        const qint64 diffMs = timer.restart();
        QCOMPARE(files.size(), 500);
        QVERIFY(changes.ok());
        QCOMPARE(changes->size(), size_t(26));
        int renamed = 0;
        for (const FileChange& c : changes.value())
            renamed += c.kind == FileChange::Kind::Renamed;
        QCOMPARE(renamed, 1);
        qInfo("500 files: mirror %lld ms, tree()+allFiles() %lld ms, diff() %lld ms", mirrorMs,
              treeMs, diffMs);
    }

    // initBare: an empty bare repository whose HEAD names the initial branch; invalid names and
    // an existing repository are refused.
    void initBareNamesTheInitialBranch() {
        const QString path = m_tmp.filePath(QStringLiteral("init/trunk.git"));
        auto repo = GitRepository::initBare(path, QStringLiteral("trunk"));
        QVERIFY2(repo.ok(), qPrintable(repo.ok() ? QString() : errorText(repo.error())));
        QVERIFY(repo.value()->isBare());
        QVERIFY(repo.value()->workTree().isEmpty());
        QCOMPARE(QDir(repo.value()->path()).absolutePath(), QDir(path).absolutePath());
        QCOMPARE(gitText(path, {QStringLiteral("symbolic-ref"), QStringLiteral("HEAD")}),
                 QStringLiteral("refs/heads/trunk"));
        QCOMPARE(
            gitText(path, {QStringLiteral("rev-parse"), QStringLiteral("--is-bare-repository")}),
            QStringLiteral("true"));
        // Empty: no branch yet.
        QVERIFY(gitText(path, {QStringLiteral("for-each-ref")}).isEmpty());

        // The default is main.
        const QString defaultPath = m_tmp.filePath(QStringLiteral("init/default.git"));
        QVERIFY(GitRepository::initBare(defaultPath).ok());
        QCOMPARE(gitText(defaultPath, {QStringLiteral("symbolic-ref"), QStringLiteral("HEAD")}),
                 QStringLiteral("refs/heads/main"));

        for (const QString& bad : {QStringLiteral("bad..name"), QStringLiteral("has space"),
                                   QString(), QStringLiteral("-leading-dash"),
                                   QStringLiteral("ends.lock"), QStringLiteral("a~b")}) {
            const QString badPath = m_tmp.filePath(QStringLiteral("init/bad.git"));
            const auto refused = GitRepository::initBare(badPath, bad);
            QVERIFY2(!refused.ok(), qPrintable(bad));
            QCOMPARE(refused.error().kind, Error::Kind::Config);
            QVERIFY2(!QFileInfo::exists(badPath), qPrintable(bad)); // nothing made
        }
        // Never re-initialises an existing repository.
        const auto again = GitRepository::initBare(path, QStringLiteral("other"));
        QVERIFY(!again.ok());
        QCOMPARE(gitText(path, {QStringLiteral("symbolic-ref"), QStringLiteral("HEAD")}),
                 QStringLiteral("refs/heads/trunk"));
    }

    // commitSnapshot: a root commit, then a second one on top; each commit's tree is exactly the
    // RepoTree's files, authored as given.
    void commitSnapshotRecordsWholeTrees() {
        const QString path = m_tmp.filePath(QStringLiteral("snapshot.git"));
        auto made = GitRepository::initBare(path);
        QVERIFY(made.ok());
        GitRepository& repo = *made.value();

        MemoryTree first;
        first.put(QStringLiteral("README.md"), "# demo\n");
        first.put(QStringLiteral("deploy/base/kustomization.yaml"), kBaseKustomization);
        first.put(QStringLiteral("deploy/overlays/prod/kustomization.yaml"), kProdV1);
        first.put(QStringLiteral("bin/data.bin"), QByteArray("\0\x01\xff\r\n", 5));
        const QDateTime firstWhen(QDate(2024, 5, 6), QTime(7, 8, 9), Qt::UTC);
        const auto c1 = repo.commitSnapshot(
            QStringLiteral("main"), first, QStringLiteral("Release checkout v2.14.0"),
            QStringLiteral("Ana Lopez"), QStringLiteral("ana.lopez@example.com"), firstWhen);
        QVERIFY2(c1.ok(), qPrintable(c1.ok() ? QString() : errorText(c1.error())));
        QCOMPARE(c1.value().size(), 40);
        QCOMPARE(gitText(path, {QStringLiteral("rev-parse"), QStringLiteral("refs/heads/main")}),
                 c1.value());
        // A root commit.
        QCOMPARE(gitText(path, {QStringLiteral("rev-list"), QStringLiteral("--parents"),
                                QStringLiteral("-n1"), c1.value()}),
                 c1.value());
        QCOMPARE(gitText(path, {QStringLiteral("ls-tree"), QStringLiteral("-r"),
                                QStringLiteral("--name-only"), c1.value()})
                     .split(QLatin1Char('\n')),
                 first.allFiles());
        for (const QString& file : first.allFiles())
            QCOMPARE(git(path, {QStringLiteral("show"), c1.value() + QLatin1Char(':') + file}).out,
                     first.readFile(file).value());
        QCOMPARE(
            gitText(path, {QStringLiteral("show"), QStringLiteral("-s"),
                           QStringLiteral("--format=%an|%ae|%at|%ai|%cn|%ce|%ct"), c1.value()}),
            QStringLiteral("Ana Lopez|ana.lopez@example.com|%1|2024-05-06 07:08:09 +0000|Ana "
                           "Lopez|ana.lopez@example.com|%1")
                .arg(firstWhen.toSecsSinceEpoch()));
        QCOMPARE(git(path, {QStringLiteral("show"), QStringLiteral("-s"),
                            QStringLiteral("--format=%B"), c1.value()})
                     .out,
                 QByteArray("Release checkout v2.14.0\n\n"));

        // The second snapshot: one file changed, one removed, one added; a time given in another
        // zone is the same instant.
        MemoryTree second = first;
        second.put(QStringLiteral("deploy/overlays/prod/kustomization.yaml"), kProdV2);
        second.remove(QStringLiteral("README.md"));
        second.put(QStringLiteral("deploy/overlays/prod/patch.yaml"), kPatch);
        const QDateTime secondWhen =
            QDateTime(QDate(2024, 5, 7), QTime(12, 0, 0), Qt::UTC).toOffsetFromUtc(2 * 3600);
        const auto c2 = repo.commitSnapshot(
            QStringLiteral("main"), second,
            QStringLiteral("Bump checkout image to v2.41.0\n\nBy the release "
                           "job."),
            QStringLiteral("Ben Okafor"), QStringLiteral("ben.okafor@example.com"), secondWhen);
        QVERIFY2(c2.ok(), qPrintable(c2.ok() ? QString() : errorText(c2.error())));
        QCOMPARE(gitText(path, {QStringLiteral("rev-parse"), QStringLiteral("main")}), c2.value());
        QCOMPARE(gitText(path, {QStringLiteral("rev-parse"), c2.value() + QStringLiteral("^")}),
                 c1.value());
        QCOMPARE(gitText(path, {QStringLiteral("rev-list"), QStringLiteral("--count"),
                                QStringLiteral("main")}),
                 QStringLiteral("2"));
        QCOMPARE(gitText(path, {QStringLiteral("ls-tree"), QStringLiteral("-r"),
                                QStringLiteral("--name-only"), c2.value()})
                     .split(QLatin1Char('\n')),
                 second.allFiles());
        for (const QString& file : second.allFiles())
            QCOMPARE(git(path, {QStringLiteral("show"), c2.value() + QLatin1Char(':') + file}).out,
                     second.readFile(file).value());
        QCOMPARE(gitText(path, {QStringLiteral("show"), QStringLiteral("-s"),
                                QStringLiteral("--format=%an <%ae> %at"), c2.value()}),
                 QStringLiteral("Ben Okafor <ben.okafor@example.com> %1")
                     .arg(secondWhen.toSecsSinceEpoch()));
        QCOMPARE(gitText(path, {QStringLiteral("diff"), QStringLiteral("--name-status"), c1.value(),
                                c2.value()}),
                 QStringLiteral("D\tREADME.md\nM\tdeploy/overlays/prod/kustomization.yaml\n"
                                "A\tdeploy/overlays/prod/patch.yaml"));
        // What GitRepository reads back agrees, and the repository is sound.
        const auto info = repo.commitInfo(QStringLiteral("main"));
        QVERIFY(info.ok());
        QCOMPARE(info->summary, QStringLiteral("Bump checkout image to v2.41.0"));
        QCOMPARE(info->authorName, QStringLiteral("Ben Okafor"));
        QCOMPARE(info->time, secondWhen.toUTC());
        QCOMPARE(git(path, {QStringLiteral("fsck"), QStringLiteral("--strict")}).exitCode, 0);

        // Another branch starts with its own root commit; main does not move.
        MemoryTree other;
        other.put(QStringLiteral("only.txt"), "x\n");
        const auto c3 = repo.commitSnapshot(QStringLiteral("release/1"), other,
                                            QStringLiteral("r1"), QStringLiteral("Ana Lopez"),
                                            QStringLiteral("ana.lopez@example.com"), firstWhen);
        QVERIFY(c3.ok());
        QCOMPARE(gitText(path, {QStringLiteral("rev-list"), QStringLiteral("--count"),
                                QStringLiteral("release/1")}),
                 QStringLiteral("1"));
        QCOMPARE(gitText(path, {QStringLiteral("rev-parse"), QStringLiteral("main")}), c2.value());
        QCOMPARE(gitText(path, {QStringLiteral("symbolic-ref"), QStringLiteral("HEAD")}),
                 QStringLiteral("refs/heads/main"));

        // An invalid branch name is refused and changes nothing.
        const auto bad = repo.commitSnapshot(QStringLiteral("bad..branch"), other,
                                             QStringLiteral("no"), QStringLiteral("Ana Lopez"),
                                             QStringLiteral("ana.lopez@example.com"), firstWhen);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().kind, Error::Kind::Config);
        QCOMPARE(
            gitText(path, {QStringLiteral("for-each-ref"), QStringLiteral("--format=%(refname)")}),
            QStringLiteral("refs/heads/main\nrefs/heads/release/1"));
    }

    // configuredRemoteUrl: origin of a clone, without credentials; workTree() of a clone.
    void configuredRemoteUrlAndWorkTree() {
        const QString clone = m_tmp.filePath(QStringLiteral("clone"));
        QVERIFY(test::runProcess(QStringLiteral("git"),
                                 {QStringLiteral("clone"), QStringLiteral("-q"), m_url, clone},
                                 test::gitEnvironment())
                    .exitCode == 0);
        auto repo = GitRepository::open(clone);
        QVERIFY2(repo.ok(), qPrintable(repo.ok() ? QString() : errorText(repo.error())));
        QVERIFY(!repo.value()->isBare());
        QCOMPARE(repo.value()->workTree(), QDir(clone).absolutePath());
        QCOMPARE(repo.value()->configuredRemoteUrl().value(), m_url);
        QCOMPARE(repo.value()->configuredRemoteUrl(QStringLiteral("origin")).value(), m_url);

        const auto missing = repo.value()->configuredRemoteUrl(QStringLiteral("upstream"));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().kind, Error::Kind::NotFound);

        const auto setUrl = [&clone](const QString& name, const QString& url) {
            return git(clone, {QStringLiteral("remote"), QStringLiteral("add"), name, url})
                       .exitCode == 0;
        };
        QVERIFY(setUrl(QStringLiteral("withpassword"),
                       QStringLiteral("https://deploy-bot:hunter2-s3cret@git.example.com/org/"
                                      "config.git")));
        QVERIFY(setUrl(QStringLiteral("withuser"),
                       QStringLiteral("https://ghp_tokenAsUser123@git.example.com:8443/org/"
                                      "config.git")));
        QVERIFY(
            setUrl(QStringLiteral("scp"), QStringLiteral("git@git.example.com:org/config.git")));
        // Re-open: the remotes are read from the configuration on disk.
        repo = GitRepository::open(clone);
        QVERIFY(repo.ok());
        const auto stripped = repo.value()->configuredRemoteUrl(QStringLiteral("withpassword"));
        QVERIFY(stripped.ok());
        QCOMPARE(stripped.value(), QStringLiteral("https://git.example.com/org/config.git"));
        QCOMPARE(repo.value()->configuredRemoteUrl(QStringLiteral("withuser")).value(),
                 QStringLiteral("https://git.example.com:8443/org/config.git"));
        QCOMPARE(repo.value()->configuredRemoteUrl(QStringLiteral("scp")).value(),
                 QStringLiteral("git@git.example.com:org/config.git"));

        // A bare repository: no work tree; the mirror's origin is the URL it was made from.
        QVERIFY(m_mirror);
        QVERIFY(m_mirror->workTree().isEmpty());
        QCOMPARE(m_mirror->configuredRemoteUrl().value(), m_url);
        auto bare = GitRepository::initBare(m_tmp.filePath(QStringLiteral("no-remotes.git")));
        QVERIFY(bare.ok());
        QVERIFY(bare.value()->isBare());
        QVERIFY(bare.value()->workTree().isEmpty());
        QCOMPARE(bare.value()->configuredRemoteUrl().error().kind, Error::Kind::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestGitRepository)
#include "tst_gitrepository.moc"
