// CODEOWNERS: GitHub and GitLab syntax, locations, last match wins, sections.

#include "gitops/codeowners.h"

#include <QTest>

using namespace sextant::gitops;

class TestCodeOwners : public QObject {
    Q_OBJECT

private slots:
    void patterns_data() {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("match");
        // GitHub's documented examples.
        QTest::newRow("star") << "*"
                              << "a/b.yaml" << true;
        QTest::newRow("ext anywhere") << "*.js"
                                      << "src/app/x.js" << true;
        QTest::newRow("ext no") << "*.js"
                                << "src/app/x.jsx" << false;
        QTest::newRow("dir anywhere") << "apps/"
                                      << "deep/apps/web/x.yaml" << true;
        QTest::newRow("dir segment") << "apps/"
                                     << "myapps/x.yaml" << false;
        QTest::newRow("anchored dir") << "/build/logs/"
                                      << "build/logs/a/b.log" << true;
        QTest::newRow("anchored not deeper root") << "/build/logs/"
                                                  << "x/build/logs/a" << false;
        QTest::newRow("direct files only") << "docs/*"
                                           << "docs/getting-started.md" << true;
        QTest::newRow("direct files not nested") << "docs/*"
                                                 << "docs/build/t.md" << false;
        QTest::newRow("folder covers below") << "/apps/github"
                                             << "apps/github/x/y" << true;
        QTest::newRow("whole segment") << "/apps/foo"
                                       << "apps/foobar/x" << false;
        QTest::newRow("double star") << "**/logs"
                                     << "a/b/logs/x" << true;
        QTest::newRow("middle double star") << "apps/**/prod"
                                            << "apps/web/overlays/prod/k.yaml" << true;
        QTest::newRow("question") << "v?.yaml"
                                  << "v1.yaml" << true;
    }
    void patterns() {
        QFETCH(QString, pattern);
        QFETCH(QString, path);
        QFETCH(bool, match);
        QCOMPARE(CodeOwners::matches(pattern, path), match);
    }

    void lastMatchWinsOnGitHub() {
        const CodeOwners o = CodeOwners::parse(
            "# comment\n*       @org/platform\n/apps/   @org/apps # trailing comment\n"
            "/apps/web/ @alice @org/web\n/apps/web/generated/\n",
            CodeOwners::Syntax::GitHub);
        QCOMPARE(o.ownersOf(QStringLiteral("README.md")),
                 QStringList{QStringLiteral("@org/platform")});
        QCOMPARE(o.ownersOf(QStringLiteral("apps/db/k.yaml")),
                 QStringList{QStringLiteral("@org/apps")});
        QCOMPARE(o.ownersOf(QStringLiteral("apps/web/k.yaml")),
                 (QStringList{QStringLiteral("@alice"), QStringLiteral("@org/web")}));
        // A line without owners leaves the path unowned.
        QVERIFY(o.ownersOf(QStringLiteral("apps/web/generated/x.yaml")).isEmpty());
    }

    void gitLabSections() {
        const CodeOwners o = CodeOwners::parse(
            "* @default\n[Apps] @apps-team\napps/\napps/web/ @web\n^[Docs]\n*.md @docs\n"
            "[Security][2] @sec\napps/**/rbac.yaml\n",
            CodeOwners::Syntax::GitLab);
        QCOMPARE(o.ownersOf(QStringLiteral("apps/db/k.yaml")),
                 (QStringList{QStringLiteral("@default"), QStringLiteral("@apps-team")}));
        QCOMPARE(o.ownersOf(QStringLiteral("apps/web/rbac.yaml")),
                 (QStringList{QStringLiteral("@default"), QStringLiteral("@web"),
                              QStringLiteral("@sec")}));
        // Optional sections are listed but not required.
        const auto approvals = o.approvalsFor(QStringLiteral("apps/web/README.md"));
        bool docs = false;
        for (const auto& a : approvals) {
            if (a.section == QLatin1String("Docs")) {
                docs = true;
                QVERIFY(a.optional);
            }
        }
        QVERIFY(docs);
        QVERIFY(
            !o.ownersOf(QStringLiteral("apps/web/README.md")).contains(QStringLiteral("@docs")));
    }

    void findsTheFileWhereProvidersLook() {
        MemoryTree tree;
        QVERIFY(!CodeOwners::find(tree));
        tree.put(QStringLiteral("docs/CODEOWNERS"), "* @docs-location\n");
        QCOMPARE(CodeOwners::find(tree)->file(), QStringLiteral("docs/CODEOWNERS"));
        tree.put(QStringLiteral("CODEOWNERS"), "* @root-location\n");
        QCOMPARE(CodeOwners::find(tree)->file(), QStringLiteral("CODEOWNERS"));
        tree.put(QStringLiteral(".github/CODEOWNERS"), "* @github-location\n");
        const auto found = CodeOwners::find(tree);
        QCOMPARE(found->file(), QStringLiteral(".github/CODEOWNERS"));
        QCOMPARE(found->ownersOf(QStringLiteral("x")),
                 QStringList{QStringLiteral("@github-location")});
        // Sections make it GitLab syntax wherever it is.
        MemoryTree gitlab;
        gitlab.put(QStringLiteral("CODEOWNERS"), "[Apps]\napps/ @a\n");
        QCOMPARE(CodeOwners::find(gitlab)->syntax(), CodeOwners::Syntax::GitLab);
    }

    void requiredApprovalsGroupFiles() {
        const CodeOwners o =
            CodeOwners::parse("apps/ @apps\napps/web/ @web\n", CodeOwners::Syntax::GitHub);
        const auto r = requiredApprovals(
            o, {QStringLiteral("apps/web/a.yaml"), QStringLiteral("apps/web/b.yaml"),
                QStringLiteral("apps/db/c.yaml"), QStringLiteral("README.md")});
        QCOMPARE(r.size(), std::size_t(2));
        QCOMPARE(r[0].owners, QStringList{QStringLiteral("@web")});
        QCOMPARE(r[0].files.size(), 2);
        QCOMPARE(r[1].owners, QStringList{QStringLiteral("@apps")});
    }
};

QTEST_GUILESS_MAIN(TestCodeOwners)
#include "tst_codeowners.moc"
