// RepoTree and its path rules: normalising what authors write into repository paths (and
// refusing paths that climb above the root), joining, whole-segment containment; MemoryTree,
// DirectoryTree (a QTemporaryDir, ".git" skipped) and OverlayTree (edits on top of a base that
// stays unchanged; a folder whose files were all removed is gone); diffTrees; exportTo.
#include "gitops/repotree.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::gitops;

Q_DECLARE_METATYPE(std::optional<QString>)

namespace {

bool writeFile(const QString& path, const QByteArray& content) {
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return false;
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size();
}

QByteArray readBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

// The base most tests start from.
MemoryTree sampleTree() {
    MemoryTree t;
    t.put(QStringLiteral("README.md"), "# config\n");
    t.put(QStringLiteral("apps/foo/kustomization.yaml"), "resources: [deploy.yaml]\n");
    t.put(QStringLiteral("apps/foo/deploy.yaml"), "kind: Deployment\n");
    t.put(QStringLiteral("apps/foobar/values.yaml"), "replicas: 2\n");
    t.put(QStringLiteral("apps/old/only.yaml"), "old: true\n");
    return t;
}

QString describe(const std::vector<FileChange>& changes) {
    QStringList out;
    for (const FileChange& c : changes)
        out << fileChangeKindName(c.kind) + QLatin1Char(' ') + c.path;
    return out.join(QStringLiteral(", "));
}

} // namespace

class TestRepoTree : public QObject {
    Q_OBJECT

private slots:
    void normalisePath_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<std::optional<QString>>("expected");
        QTest::newRow("plain") << QStringLiteral("apps/web") << std::optional<QString>("apps/web");
        QTest::newRow("root-empty") << QString() << std::optional<QString>(QString());
        QTest::newRow("root-dot") << QStringLiteral(".") << std::optional<QString>(QString());
        QTest::newRow("root-slash") << QStringLiteral("/") << std::optional<QString>(QString());
        QTest::newRow("dot-segments")
            << QStringLiteral("./apps/./web") << std::optional<QString>("apps/web");
        QTest::newRow("dotdot") << QStringLiteral("base/../apps/web")
                                << std::optional<QString>("apps/web");
        QTest::newRow("doc-example")
            << QStringLiteral("./base/../apps//web/") << std::optional<QString>("apps/web");
        QTest::newRow("double-slash")
            << QStringLiteral("apps//web///a.yaml") << std::optional<QString>("apps/web/a.yaml");
        QTest::newRow("leading-slash")
            << QStringLiteral("/apps/web") << std::optional<QString>("apps/web");
        QTest::newRow("trailing-slash")
            << QStringLiteral("apps/web/") << std::optional<QString>("apps/web");
        QTest::newRow("backslashes")
            << QStringLiteral("apps\\web\\a.yaml") << std::optional<QString>("apps/web/a.yaml");
        QTest::newRow("back-to-root") << QStringLiteral("apps/..") << std::optional<QString>("");
        QTest::newRow("above-root") << QStringLiteral("..") << std::optional<QString>();
        QTest::newRow("above-root-later")
            << QStringLiteral("apps/../../etc/passwd") << std::optional<QString>();
        QTest::newRow("above-root-leading-slash")
            << QStringLiteral("/../x") << std::optional<QString>();
        QTest::newRow("above-root-backslash")
            << QStringLiteral("apps\\..\\..\\x") << std::optional<QString>();
        QTest::newRow("dots-in-names")
            << QStringLiteral("a/..b/c..") << std::optional<QString>("a/..b/c..");
    }
    void normalisePath() {
        QFETCH(QString, input);
        QFETCH(std::optional<QString>, expected);
        const std::optional<QString> got = gitops::normalisePath(input);
        QCOMPARE(got.has_value(), expected.has_value());
        if (expected)
            QCOMPARE(*got, *expected);
    }

    void joinPath() {
        QCOMPARE(
            gitops::joinPath(QStringLiteral("apps/web/overlays/prod"), QStringLiteral("../../base"))
                .value(),
            QStringLiteral("apps/web/base"));
        QCOMPARE(
            gitops::joinPath(QStringLiteral("apps/web"), QStringLiteral("values.yaml")).value(),
            QStringLiteral("apps/web/values.yaml"));
        QCOMPARE(gitops::joinPath(QString(), QStringLiteral("./a/b")).value(),
                 QStringLiteral("a/b"));
        // An absolute path is from the repository root, whatever the directory.
        QCOMPARE(gitops::joinPath(QStringLiteral("apps/web"), QStringLiteral("/x")).value(),
                 QStringLiteral("x"));
        QCOMPARE(
            gitops::joinPath(QStringLiteral("apps/web"), QStringLiteral("/shared/base")).value(),
            QStringLiteral("shared/base"));
        QCOMPARE(gitops::joinPath(QStringLiteral("apps"), QStringLiteral("..")).value(), QString());
        QVERIFY(!gitops::joinPath(QStringLiteral("apps"), QStringLiteral("../..")).has_value());
        QVERIFY(!gitops::joinPath(QString(), QStringLiteral("../x")).has_value());
        QVERIFY(!gitops::joinPath(QStringLiteral("apps/web"), QStringLiteral("/../x")).has_value());
    }

    void pathContains() {
        QVERIFY(
            gitops::pathContains(QStringLiteral("apps/foo"), QStringLiteral("apps/foo/a.yaml")));
        QVERIFY(gitops::pathContains(QStringLiteral("apps/foo"),
                                     QStringLiteral("apps/foo/deep/er/b.yaml")));
        QVERIFY(!gitops::pathContains(QStringLiteral("apps/foo"),
                                      QStringLiteral("apps/foobar/a.yaml")));
        QVERIFY(!gitops::pathContains(QStringLiteral("apps/foo"), QStringLiteral("apps/foobar")));
        QVERIFY(!gitops::pathContains(QStringLiteral("apps/foo"), QStringLiteral("apps")));
        QVERIFY(
            !gitops::pathContains(QStringLiteral("apps/foo"), QStringLiteral("other/apps/foo")));
        QVERIFY(gitops::pathContains(QStringLiteral("apps/foo"), QStringLiteral("apps/foo")));
        QVERIFY(gitops::pathContains(QString(), QStringLiteral("anything/at/all.yaml")));
        QVERIFY(gitops::pathContains(QString(), QString()));
    }

    void parentDir() {
        QCOMPARE(gitops::parentDir(QStringLiteral("apps/web/a.yaml")), QStringLiteral("apps/web"));
        QCOMPARE(gitops::parentDir(QStringLiteral("apps/web")), QStringLiteral("apps"));
        QCOMPARE(gitops::parentDir(QStringLiteral("README.md")), QString());
        QCOMPARE(gitops::parentDir(QString()), QString());
    }

    void memoryTree() {
        MemoryTree t = sampleTree();
        // put() normalises; the root and paths above it are ignored.
        t.put(QStringLiteral("./apps/foo/../bar//x.yaml"), "x: 1\n");
        t.put(QStringLiteral("../escape.yaml"), "no\n");
        t.put(QStringLiteral("."), "no\n");
        QCOMPARE(t.files().keys(),
                 (QStringList{QStringLiteral("README.md"), QStringLiteral("apps/bar/x.yaml"),
                              QStringLiteral("apps/foo/deploy.yaml"),
                              QStringLiteral("apps/foo/kustomization.yaml"),
                              QStringLiteral("apps/foobar/values.yaml"),
                              QStringLiteral("apps/old/only.yaml")}));
        QCOMPARE(t.readFile(QStringLiteral("apps/bar/x.yaml")).value(), QByteArray("x: 1\n"));
        QCOMPARE(t.readFile(QStringLiteral("/apps\\bar/./x.yaml")).value(), QByteArray("x: 1\n"));
        QVERIFY(!t.readFile(QStringLiteral("apps/bar")).has_value()); // a folder is no file
        QVERIFY(!t.readFile(QStringLiteral("../README.md")).has_value());
        QVERIFY(t.isFile(QStringLiteral("README.md")));
        QVERIFY(!t.isFile(QStringLiteral("apps")));

        // Sorted: files by name, folders with a trailing '/'.
        QCOMPARE(t.list(QString()),
                 (QStringList{QStringLiteral("README.md"), QStringLiteral("apps/")}));
        QCOMPARE(t.list(QStringLiteral("apps")),
                 (QStringList{QStringLiteral("bar/"), QStringLiteral("foo/"),
                              QStringLiteral("foobar/"), QStringLiteral("old/")}));
        QCOMPARE(
            t.list(QStringLiteral("apps/foo/")),
            (QStringList{QStringLiteral("deploy.yaml"), QStringLiteral("kustomization.yaml")}));
        QVERIFY(t.list(QStringLiteral("apps/fo")).isEmpty()); // not a prefix match
        QVERIFY(t.list(QStringLiteral("README.md")).isEmpty());
        QVERIFY(t.list(QStringLiteral("nope")).isEmpty());

        QVERIFY(t.isDir(QString()));
        QVERIFY(t.isDir(QStringLiteral("apps")));
        QVERIFY(t.isDir(QStringLiteral("./apps/foo/")));
        QVERIFY(!t.isDir(QStringLiteral("apps/fo")));
        QVERIFY(!t.isDir(QStringLiteral("README.md")));
        QVERIFY(!t.isDir(QStringLiteral("..")));

        QCOMPARE(t.allFiles(QStringLiteral("apps/foo")),
                 (QStringList{QStringLiteral("apps/foo/deploy.yaml"),
                              QStringLiteral("apps/foo/kustomization.yaml")}));
        QCOMPARE(t.allFiles().size(), 6);
        QVERIFY(t.allFiles(QStringLiteral("nope")).isEmpty());

        t.remove(QStringLiteral("apps/bar/x.yaml"));
        QVERIFY(!t.isFile(QStringLiteral("apps/bar/x.yaml")));
        QVERIFY(!t.isDir(QStringLiteral("apps/bar")));
        QVERIFY(!t.list(QStringLiteral("apps")).contains(QStringLiteral("bar/")));
        // Replacing keeps one entry.
        t.put(QStringLiteral("README.md"), "# new\n");
        QCOMPARE(t.readFile(QStringLiteral("README.md")).value(), QByteArray("# new\n"));
        QCOMPARE(t.allFiles().size(), 5);
    }

    // The generic RepoTree::allFiles/isDir (through list()) agree with MemoryTree's own.
    void genericAllFilesThroughList() {
        const MemoryTree t = sampleTree();
        const RepoTree& generic = t;
        QCOMPARE(generic.RepoTree::allFiles(QString()), t.allFiles());
        QCOMPARE(generic.RepoTree::allFiles(QStringLiteral("apps/foo")),
                 t.allFiles(QStringLiteral("apps/foo")));
        QVERIFY(generic.RepoTree::isDir(QStringLiteral("apps/old")));
        QVERIFY(!generic.RepoTree::isDir(QStringLiteral("apps/fo")));
    }

    // Names that share a prefix with a folder and sort around it ('-' and '.' before '/', '0'
    // after) never leak into it.
    void siblingsSharingAPrefix() {
        MemoryTree base;
        base.put(QStringLiteral("apps/foo-bar/a.yaml"), "1\n");
        base.put(QStringLiteral("apps/foo.txt"), "2\n");
        base.put(QStringLiteral("apps/foo/b.yaml"), "3\n");
        base.put(QStringLiteral("apps/foo0/c.yaml"), "4\n");
        QCOMPARE(base.list(QStringLiteral("apps/foo")), QStringList{QStringLiteral("b.yaml")});
        QCOMPARE(base.allFiles(QStringLiteral("apps/foo")),
                 QStringList{QStringLiteral("apps/foo/b.yaml")});
        QCOMPARE(base.list(QStringLiteral("apps")),
                 (QStringList{QStringLiteral("foo-bar/"), QStringLiteral("foo.txt"),
                              QStringLiteral("foo/"), QStringLiteral("foo0/")}));
        OverlayTree head(base);
        head.remove(QStringLiteral("apps/foo/b.yaml"));
        head.put(QStringLiteral("apps/foo-bar/new.yaml"), "5\n");
        QVERIFY(!head.isDir(QStringLiteral("apps/foo")));
        QVERIFY(head.isDir(QStringLiteral("apps/foo-bar")));
        QVERIFY(head.isDir(QStringLiteral("apps/foo0")));
        QVERIFY(head.list(QStringLiteral("apps/foo")).isEmpty());
        QCOMPARE(head.list(QStringLiteral("apps")),
                 (QStringList{QStringLiteral("foo-bar/"), QStringLiteral("foo.txt"),
                              QStringLiteral("foo0/")}));
    }

    void directoryTree() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(writeFile(dir.filePath(QStringLiteral("README.md")), "# on disk\n"));
        QVERIFY(writeFile(dir.filePath(QStringLiteral("apps/web/values.yaml")), "a: 1\n"));
        QVERIFY(writeFile(dir.filePath(QStringLiteral("apps/web/.hidden.yaml")), "h: 1\n"));
        QVERIFY(writeFile(dir.filePath(QStringLiteral("apps/api/values.yaml")), "b: 2\n"));
        QVERIFY(writeFile(dir.filePath(QStringLiteral(".git/HEAD")), "ref: refs/heads/main\n"));
        QVERIFY(writeFile(dir.filePath(QStringLiteral(".git/config")), "[core]\n"));
        QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("empty"))));

        DirectoryTree t(dir.path() + QStringLiteral("/./"));
        QCOMPARE(t.root(), QDir(dir.path()).absolutePath());
        QCOMPARE(t.list(QString()),
                 (QStringList{QStringLiteral("README.md"), QStringLiteral("apps/"),
                              QStringLiteral("empty/")}));
        QCOMPARE(t.list(QStringLiteral("apps/web")),
                 (QStringList{QStringLiteral(".hidden.yaml"), QStringLiteral("values.yaml")}));
        QCOMPARE(t.allFiles(),
                 (QStringList{QStringLiteral("README.md"), QStringLiteral("apps/api/values.yaml"),
                              QStringLiteral("apps/web/.hidden.yaml"),
                              QStringLiteral("apps/web/values.yaml")}));
        QCOMPARE(t.readFile(QStringLiteral("apps/web/values.yaml")).value(), QByteArray("a: 1\n"));
        QCOMPARE(t.readFile(QStringLiteral("./apps/api/../web//values.yaml")).value(),
                 QByteArray("a: 1\n"));
        // Missing paths, folders, and anything above the root.
        QVERIFY(!t.readFile(QStringLiteral("apps/web/missing.yaml")).has_value());
        QVERIFY(!t.readFile(QStringLiteral("apps/web")).has_value());
        QVERIFY(!t.readFile(QString()).has_value());
        QVERIFY(!t.readFile(QStringLiteral("../") + QFileInfo(dir.path()).fileName() +
                            QStringLiteral("/README.md"))
                     .has_value());
        QVERIFY(t.list(QStringLiteral("missing")).isEmpty());
        QVERIFY(t.list(QStringLiteral("..")).isEmpty());
        QVERIFY(t.isDir(QString()));
        QVERIFY(t.isDir(QStringLiteral("apps/web")));
        QVERIFY(t.isDir(QStringLiteral("empty")));
        QVERIFY(!t.isDir(QStringLiteral("README.md")));
        QVERIFY(!t.isDir(QStringLiteral("missing")));
        QVERIFY(!t.isDir(QStringLiteral("..")));
        QVERIFY(t.isFile(QStringLiteral("README.md")));
        QVERIFY(!t.isFile(QStringLiteral("apps")));
    }

    void overlayTree() {
        const MemoryTree base = sampleTree();
        const QMap<QString, QByteArray> before = base.files();
        OverlayTree head(base);
        head.put(QStringLiteral("apps/foo/deploy.yaml"), "kind: Deployment\nreplicas: 3\n");
        head.put(QStringLiteral("apps/new/sub/values.yaml"), "new: true\n");
        head.remove(QStringLiteral("README.md"));
        head.remove(QStringLiteral("apps/old/only.yaml")); // the only file of apps/old

        // Replaced, added, removed, untouched.
        QCOMPARE(head.readFile(QStringLiteral("apps/foo/deploy.yaml")).value(),
                 QByteArray("kind: Deployment\nreplicas: 3\n"));
        QCOMPARE(head.readFile(QStringLiteral("apps/new/sub/values.yaml")).value(),
                 QByteArray("new: true\n"));
        QVERIFY(!head.readFile(QStringLiteral("README.md")).has_value());
        QCOMPARE(head.readFile(QStringLiteral("apps/foobar/values.yaml")).value(),
                 QByteArray("replicas: 2\n"));
        QVERIFY(!head.isFile(QStringLiteral("apps/old/only.yaml")));

        QCOMPARE(head.list(QString()), QStringList{QStringLiteral("apps/")});
        QCOMPARE(head.list(QStringLiteral("apps")),
                 (QStringList{QStringLiteral("foo/"), QStringLiteral("foobar/"),
                              QStringLiteral("new/")}));
        QCOMPARE(head.list(QStringLiteral("apps/new")), QStringList{QStringLiteral("sub/")});
        QVERIFY(head.list(QStringLiteral("apps/old")).isEmpty());
        QVERIFY(head.isDir(QStringLiteral("apps/new")));
        QVERIFY(head.isDir(QStringLiteral("apps/new/sub")));
        QVERIFY(!head.isDir(QStringLiteral("apps/old")));
        QVERIFY(head.isDir(QStringLiteral("apps/foo")));
        QVERIFY(head.isDir(QString()));
        QCOMPARE(head.allFiles(), (QStringList{QStringLiteral("apps/foo/deploy.yaml"),
                                               QStringLiteral("apps/foo/kustomization.yaml"),
                                               QStringLiteral("apps/foobar/values.yaml"),
                                               QStringLiteral("apps/new/sub/values.yaml")}));

        // A folder stays while one of its files is left, and comes back with a new file.
        head.remove(QStringLiteral("apps/foo/deploy.yaml"));
        QVERIFY(head.isDir(QStringLiteral("apps/foo")));
        head.remove(QStringLiteral("apps/foo/kustomization.yaml"));
        QVERIFY(!head.isDir(QStringLiteral("apps/foo")));
        QVERIFY(!head.list(QStringLiteral("apps")).contains(QStringLiteral("foo/")));
        head.put(QStringLiteral("apps/old/again.yaml"), "back\n");
        QVERIFY(head.isDir(QStringLiteral("apps/old")));
        QCOMPARE(head.list(QStringLiteral("apps/old")), QStringList{QStringLiteral("again.yaml")});

        // The base is untouched.
        QCOMPARE(base.files(), before);
        QVERIFY(base.isDir(QStringLiteral("apps/old")));
        QVERIFY(base.isFile(QStringLiteral("README.md")));
    }

    void diffTrees() {
        const MemoryTree base = sampleTree();
        OverlayTree head(base);
        head.put(QStringLiteral("apps/foo/deploy.yaml"), "kind: Deployment\nreplicas: 3\n");
        head.put(QStringLiteral("apps/foobar/values.yaml"), "replicas: 2\n"); // same bytes
        head.put(QStringLiteral("apps/zeta/new.yaml"), "z\n");
        head.put(QStringLiteral("AAA.md"), "first\n");
        head.remove(QStringLiteral("apps/old/only.yaml"));
        const std::vector<FileChange> changes = gitops::diffTrees(base, head);
        QCOMPARE(describe(changes),
                 QStringLiteral("added AAA.md, modified apps/foo/deploy.yaml, deleted "
                                "apps/old/only.yaml, added apps/zeta/new.yaml"));
        for (const FileChange& c : changes)
            QCOMPARE(c.oldPath, c.path);
        QVERIFY(gitops::diffTrees(base, base).empty());
        // The other way round.
        QCOMPARE(describe(gitops::diffTrees(head, base)),
                 QStringLiteral("deleted AAA.md, modified apps/foo/deploy.yaml, added "
                                "apps/old/only.yaml, deleted apps/zeta/new.yaml"));
        QCOMPARE(fileChangeKindName(FileChange::Kind::Renamed), QStringLiteral("renamed"));
    }

    void exportTo() {
        MemoryTree t = sampleTree();
        // Bytes that a text conversion would change: CRLF, NUL, invalid UTF-8, no final newline.
        const QByteArray binary("a\r\nb\0c\xff\xfe", 9);
        t.put(QStringLiteral("apps/foo/blob.bin"), binary);
        t.put(QStringLiteral("apps/foo/empty.txt"), QByteArray());
        QTemporaryDir out;
        QVERIFY(out.isValid());
        const QString target = out.filePath(QStringLiteral("export/here"));
        QVERIFY(t.exportTo(target).ok());
        QCOMPARE(readBytes(target + QStringLiteral("/apps/foo/blob.bin")), binary);
        QCOMPARE(readBytes(target + QStringLiteral("/apps/foo/empty.txt")), QByteArray());
        QCOMPARE(readBytes(target + QStringLiteral("/README.md")), QByteArray("# config\n"));
        QCOMPARE(DirectoryTree(target).allFiles(), t.allFiles());
        for (const QString& path : t.allFiles())
            QCOMPARE(DirectoryTree(target).readFile(path).value(), t.readFile(path).value());

        // A sub-folder only, relative to it.
        const QString sub = out.filePath(QStringLiteral("sub"));
        QVERIFY(t.exportTo(sub, QStringLiteral("apps/foo")).ok());
        QCOMPARE(DirectoryTree(sub).allFiles(),
                 (QStringList{QStringLiteral("blob.bin"), QStringLiteral("deploy.yaml"),
                              QStringLiteral("empty.txt"), QStringLiteral("kustomization.yaml")}));
        QCOMPARE(readBytes(sub + QStringLiteral("/deploy.yaml")), QByteArray("kind: Deployment\n"));

        // The folder argument written as authors write paths, like every other RepoTree call.
        const QString loose = out.filePath(QStringLiteral("loose"));
        QVERIFY(t.exportTo(loose, QStringLiteral("./apps/foo/")).ok());
        QCOMPARE(DirectoryTree(loose).allFiles(),
                 (QStringList{QStringLiteral("blob.bin"), QStringLiteral("deploy.yaml"),
                              QStringLiteral("empty.txt"), QStringLiteral("kustomization.yaml")}));

        // A target that cannot be created is an Io error.
        QVERIFY(writeFile(out.filePath(QStringLiteral("blocker")), "file\n"));
        const Status blocked = t.exportTo(out.filePath(QStringLiteral("blocker/inside")));
        QVERIFY(!blocked.ok());
        QCOMPARE(blocked.error().kind, Error::Kind::Io);
    }
};

QTEST_GUILESS_MAIN(TestRepoTree)
#include "tst_repotree.moc"
