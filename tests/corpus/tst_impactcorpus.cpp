// The impact map on the real history of kostis-codefresh/gitops-environment-promotion
// (../shared/gitops-corpus, see its SOURCES.md). The corpus has no Application objects:
// tests/data/gitops/promotion-apps.yaml declares one per envs/<env> overlay. For every commit,
// base (its parent) and head are exported with `git archive`, read as DirectoryTrees, diffed,
// and the environments the change reaches are compared with what reading the commit says.

#include "gitops/applications.h"
#include "gitops/impactmap.h"
#include "gitops/repotree.h"
#include "promotioncorpus.h"

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
using namespace sextant::test::promotion;

namespace {

// The remote in the scp-like form, while the Applications use https://….git.
const QString kRepoURL =
    QStringLiteral("git@github.com:kostis-codefresh/gitops-environment-promotion");

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
