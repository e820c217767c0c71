// The impact map on the real history of kostis-codefresh/gitops-environment-promotion
// (../shared/gitops-corpus, see its SOURCES.md). The corpus has no Application objects:
// tests/data/gitops/promotion-apps.yaml declares one per envs/<env> overlay. For every commit,
// base (its parent) and head are exported with `git archive`, read as DirectoryTrees, diffed,
// and the environments the change reaches are compared with what reading the commit says.

#include "gitops/applications.h"
#include "gitops/impactmap.h"
#include "gitops/repotree.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace sextant;
using namespace sextant::gitops;

namespace {

const QString kBundle =
    QStringLiteral(SEXTANT_SHARED_DIR "/gitops-corpus/gitops-environment-promotion.bundle");
const QString kApps = QStringLiteral(SEXTANT_TEST_DATA_DIR "/gitops/promotion-apps.yaml");
// The remote in the scp-like form, while the Applications use https://….git.
const QString kRepoURL =
    QStringLiteral("git@github.com:kostis-codefresh/gitops-environment-promotion");

const QStringList kAll{
    "integration-gpu", "integration-non-gpu", "load-gpu",  "load-non-gpu", "qa",     "staging-asia",
    "staging-eu",      "staging-us",          "prod-asia", "prod-eu",      "prod-us"};
const QStringList kNonProd{
    "integration-gpu", "integration-non-gpu", "load-gpu",  "load-non-gpu", "qa",
    "staging-asia",    "staging-eu",          "staging-us"};

QStringList allBut(const QString& env) {
    QStringList out = kAll;
    out.removeAll(env);
    return out;
}

// What each commit touches, read from `git show --stat` and the kustomizations at that commit.
QHash<QString, QStringList> expectedEnvironments() {
    return {
        {"22d6cee", {}},                  // README only
        {"8d9c9be", {}},                  // base/ files, no overlay exists yet
        {"bc37446", {}},                  // base kustomization, variants/asia
        {"68e4307", {}},                  // more variants, still no overlay
        {"5541297", {"integration-gpu"}}, // first overlay (+ variant reshuffle)
        {"b5fd818", kAll},                // every overlay added or changed
        {"be40511", {"integration-gpu", "integration-non-gpu", "qa"}}, // replicas.yml removed
        {"d53156f", {"qa"}},
        {"bbda068", kNonProd}, // variants/non-prod/non-prod.yml: the non-prod component
        {"4f40e8a", allBut("integration-gpu")}, // namePrefix in 10 kustomizations
        {"0f9ea22", {"prod-asia"}},
        {"2de4a23", {"prod-eu"}},
        {"a836148", {"integration-gpu", "staging-asia", "staging-eu"}},
        {"56bb155", {"integration-gpu"}},
        {"da2bdfe", {"integration-gpu"}},
        {"505fa1f", kAll},                      // base/deployment.yml
        {"d562d49", allBut("integration-gpu")}, // settings.yml added to 10 overlays
        {"6e26ebf", {"integration-gpu", "integration-non-gpu", "qa", "staging-us"}},
        {"c6924e2", {}}, // README
        {"98ed32c", {}}, // README
        {"327d8ff", {}}, // .github workflow
        {"c99a92c", {}}, // .github workflow removed
    };
}

bool run(const QString& program, const QStringList& args, const QString& cwd,
         QByteArray* out = nullptr) {
    QProcess p;
    p.setWorkingDirectory(cwd);
    p.start(program, args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("%s %s failed: %s", qPrintable(program), qPrintable(args.join(' ')),
                 p.readAllStandardError().constData());
        return false;
    }
    if (out)
        *out = p.readAllStandardOutput();
    return true;
}

// The files of `commit` in a fresh folder.
bool exportCommit(const QString& repo, const QString& commit, const QString& target) {
    if (!QDir().mkpath(target))
        return false;
    const QString tar = target + QStringLiteral(".tar");
    return run("git", {"archive", "--format=tar", "-o", tar, commit}, repo) &&
           run("tar", {"-xf", tar, "-C", target}, repo);
}

QStringList environments(const std::vector<ImpactEntry>& entries) {
    QSet<QString> set;
    for (const ImpactEntry& e : entries)
        set.insert(e.app.environment);
    QStringList out(set.begin(), set.end());
    out.sort();
    return out;
}

} // namespace

class TestImpactCorpus : public QObject {
    Q_OBJECT
private slots:
    void everyCommit();
};

void TestImpactCorpus::everyCommit() {
    if (!QFile::exists(kBundle))
        QSKIP("../shared/gitops-corpus is not present");
    if (QStandardPaths::findExecutable("git").isEmpty() ||
        QStandardPaths::findExecutable("tar").isEmpty())
        QSKIP("git or tar is not installed");

    QFile appsFile(kApps);
    QVERIFY(appsFile.open(QIODevice::ReadOnly));
    const auto apps = parseApplications(appsFile.readAll(), kApps);
    QVERIFY2(apps.ok(), qPrintable(apps.ok() ? QString() : apps.error().toString()));
    QCOMPARE(apps->size(), size_t(11));

    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString repo = tmp.filePath("corpus");
    QVERIFY(run("git", {"clone", "--quiet", kBundle, repo}, tmp.path()));
    QByteArray log;
    QVERIFY(run("git", {"log", "--reverse", "--format=%h %H %P", "--abbrev=7"}, repo, &log));

    const QHash<QString, QStringList> expected = expectedEnvironments();
    QSet<QString> checked;
    QString previousDir;
    int index = 0;
    qint64 totalNs = 0;
    for (const QByteArray& line : log.split('\n')) {
        const QStringList parts = QString::fromUtf8(line).split(' ', Qt::SkipEmptyParts);
        if (parts.size() < 2)
            continue;
        const QString abbrev = parts[0];
        const QString sha = parts[1];
        QVERIFY2(parts.size() <= 3, "the corpus has no merge commits");
        const QString headDir = tmp.filePath(QStringLiteral("rev%1").arg(index++));
        QVERIFY(exportCommit(repo, sha, headDir));

        MemoryTree empty;
        const DirectoryTree head(headDir);
        std::unique_ptr<DirectoryTree> base;
        if (parts.size() == 3) {
            QVERIFY2(!previousDir.isEmpty(), "history is linear: the parent was exported");
            base = std::make_unique<DirectoryTree>(previousDir);
        }
        const RepoTree& baseTree = base ? static_cast<const RepoTree&>(*base) : empty;

        QElapsedTimer timer;
        timer.start();
        const std::vector<FileChange> changes = diffTrees(baseTree, head);
        const ImpactMap atBase(baseTree, kRepoURL, apps.value());
        const ImpactMap atHead(head, kRepoURL, apps.value());
        const std::vector<ImpactEntry> impact = impactedAcross(atBase, atHead, changes);
        totalNs += timer.nsecsElapsed();

        QVERIFY2(expected.contains(abbrev), qPrintable("no expectation for commit " + abbrev));
        QStringList want = expected.value(abbrev);
        want.sort();
        const QStringList got = environments(impact);
        if (got != want) {
            for (const ImpactEntry& e : impact)
                qInfo() << e.app.environment << e.reasons;
        }
        QVERIFY2(got == want, qPrintable(QStringLiteral("%1: got [%2], expected [%3]")
                                             .arg(abbrev, got.join(", "), want.join(", "))));
        // Every impacted file is one of the changed files.
        QSet<QString> changed;
        for (const FileChange& c : changes)
            changed.insert(c.path);
        for (const ImpactEntry& e : impact) {
            QVERIFY(!e.reasons.isEmpty());
            for (const QString& f : e.files)
                QVERIFY2(changed.contains(f), qPrintable(f));
        }
        checked.insert(abbrev);
        previousDir = headDir;
    }
    QCOMPARE(checked.size(), expected.size());
    qInfo("%lld commits: diff + two maps + impact in %.1f ms in total", qlonglong(checked.size()),
          totalNs / 1e6);
}

QTEST_GUILESS_MAIN(TestImpactCorpus)
#include "tst_impactcorpus.moc"
