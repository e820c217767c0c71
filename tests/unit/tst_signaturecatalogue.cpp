// The signature catalogue as data: the built-in file loads, covers the taxonomy, every
// pattern compiles, broken files are reported with file:line, and the literal prefilter derived
// from each pattern never hides a match.

#include "analysis/diagnoser.h"
#include "analysis/evidence.h"
#include "analysis/normalise.h"
#include "analysis/signaturecatalogue.h"

#include "taxonomy.h"

#include <QDir>
#include <QFile>
#include <QTest>

using namespace sextant;
using namespace sextant::analysis;

namespace {

// Issue 4, item 4: these IDs must exist exactly.
using sextant::test::kTaxonomy;

const QByteArray kMinimal = "categories:\n"
                            "  - {id: CrashLoop}\n"
                            "signatures:\n"
                            "  - id: crash\n"
                            "    category: CrashLoop\n"
                            "    title: Crash\n"
                            "    sources: [container]\n"
                            "    patterns: ['CrashLoopBackOff']\n"
                            "    confidence: 0.8\n"
                            "    summary: 'crash in {container}'\n"
                            "    fixKind: none\n";

} // namespace

class TestSignatureCatalogue : public QObject {
    Q_OBJECT

private slots:
    void builtinLoads() {
        const SignatureCatalogue cat = SignatureCatalogue::builtin();
        QVERIFY2(cat.signatures().size() >= 60,
                 qPrintable(QStringLiteral("%1 signatures").arg(cat.signatures().size())));
        for (const QString& id : kTaxonomy)
            QVERIFY2(cat.hasCategory(id), qPrintable(id));
        for (const Signature& s : cat.signatures()) {
            QVERIFY2(cat.hasCategory(s.category), qPrintable(s.id));
            QVERIFY2(!s.summary.isEmpty(), qPrintable(s.id));
            QVERIFY2(s.confidence > 0 && s.confidence <= 1, qPrintable(s.id));
            QVERIFY2(!s.patterns.isEmpty() || !s.reasons.isEmpty(), qPrintable(s.id));
            for (const QRegularExpression& re : s.patterns)
                QVERIFY2(re.isValid(), qPrintable(s.id + QStringLiteral(": ") + re.pattern()));
            QCOMPARE(s.literals.size(), s.patterns.size());
        }
        // Every category can be reached: NoIssueFound and Unclassified are the engine's own.
        for (const SignatureCategory& c : cat.categories()) {
            if (c.id == QLatin1String("NoIssueFound"))
                continue;
            bool used = false;
            for (const Signature& s : cat.signatures())
                used = used || s.category == c.id;
            QVERIFY2(used, qPrintable(c.id));
        }
    }

    void builtinReadsFromTheResource() {
        QFile f(QStringLiteral(":/sextant/signatures.yaml"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto loaded = SignatureCatalogue::fromYaml(f.readAll(), QStringLiteral("x.yaml"));
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().toString()));
        QCOMPARE(loaded->signatures().size(), SignatureCatalogue::builtin().signatures().size());
    }

    void minimalLoads() {
        const auto cat = SignatureCatalogue::fromYaml(kMinimal, QStringLiteral("mini.yaml"));
        QVERIFY2(cat.ok(), cat.ok() ? "" : qPrintable(cat.error().toString()));
        QCOMPARE(cat->signatures().size(), 1);
        QCOMPARE(cat->indexOf(QStringLiteral("crash")), 0);
        QCOMPARE(cat->forSource(QStringLiteral("container")).size(), 1);
        QVERIFY(cat->forSource(QStringLiteral("event")).isEmpty());
    }

    void errorsNameFileAndLine_data() {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("expected"); // "<file>:<line>: <part of the message>"
        QByteArray badRegex = kMinimal;
        badRegex.replace("['CrashLoopBackOff']", "['CrashLoop(BackOff']");
        QTest::newRow("invalid regex") << badRegex << QStringLiteral("bad.yaml:8: ");
        QByteArray unknownCategory = kMinimal;
        unknownCategory.replace("category: CrashLoop", "category: Nope");
        QTest::newRow("unknown category")
            << unknownCategory << QStringLiteral("bad.yaml:5: signature 'crash': unknown category");
        QByteArray missing = kMinimal;
        missing.replace("    confidence: 0.8\n", "");
        QTest::newRow("missing confidence") << missing << QStringLiteral("bad.yaml:4: ");
        QByteArray syntax = kMinimal;
        syntax.replace("title: Crash", "title: [Crash");
        QTest::newRow("yaml syntax") << syntax << QStringLiteral("bad.yaml:");
        QByteArray relation = kMinimal + "    suppresses: [ghost]\n";
        QTest::newRow("unknown relation")
            << relation << QStringLiteral("bad.yaml:12: signature 'crash': 'suppresses'");
        QByteArray source = kMinimal;
        source.replace("sources: [container]", "sources: [kontainer]");
        QTest::newRow("unknown source") << source << QStringLiteral("bad.yaml:7: ");
        QByteArray fix = kMinimal;
        fix.replace("fixKind: none", "fixKind: magic");
        QTest::newRow("unknown fixKind") << fix << QStringLiteral("bad.yaml:11: ");
        QByteArray dup = kMinimal + QByteArray(kMinimal).mid(kMinimal.indexOf("  - id: crash"));
        QTest::newRow("duplicate id") << dup << QStringLiteral("used twice");
        QTest::newRow("not a mapping") << QByteArray("- a\n- b\n") << QStringLiteral("bad.yaml:1:");
    }

    void errorsNameFileAndLine() {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, expected);
        const auto cat = SignatureCatalogue::fromYaml(yaml, QStringLiteral("bad.yaml"));
        QVERIFY(!cat.ok());
        QCOMPARE(cat.error().kind, Error::Kind::Config);
        QVERIFY(cat.error().shortMessage.contains(QLatin1String("bad.yaml")));
        QVERIFY2(cat.error().details.contains(expected), qPrintable(cat.error().details));
        QVERIFY2(cat.error().details.startsWith(QLatin1String("bad.yaml:")),
                 qPrintable(cat.error().details));
    }

    void requiredLiteral_data() {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("literal");
        QTest::addColumn<bool>("ci");
        QTest::newRow("plain") << "exceeded its progress deadline"
                               << "exceeded its progress deadline" << false;
        QTest::newRow("groups split runs")
            << "Failed to pull image \"(?<image>[^\"]+)\": .*not found"
            << "Failed to pull image \"" << false;
        QTest::newRow("escapes") << "node\\(s\\) didn't match"
                                 << "node(s) didn't match" << false;
        QTest::newRow("optional char dropped") << "images? pulled ok"
                                               << " pulled ok" << false;
        QTest::newRow("plus keeps one") << "abcd+efg"
                                        << "abcd" << false;
        QTest::newRow("top-level alternation") << "foo bar|baz qux"
                                               << "" << false;
        QTest::newRow("leading (?i)") << "(?i)blocked by sync window"
                                      << "blocked by sync window" << true;
        QTest::newRow("inline flag later") << "abc(?i)def"
                                           << "" << false;
        QTest::newRow("class with bracket") << "x[]a]yyyy"
                                            << "yyyy" << false;
        QTest::newRow("too short") << "\\bOK\\b"
                                   << "" << false;
        QTest::newRow("braces quantifier") << "abcde{2}fgh"
                                           << "abcd" << false;
    }

    void requiredLiteral() {
        QFETCH(QString, pattern);
        QFETCH(QString, literal);
        QFETCH(bool, ci);
        bool caseInsensitive = false;
        QCOMPARE(analysis::requiredLiteral(pattern, &caseInsensitive), literal);
        if (!literal.isEmpty())
            QCOMPARE(caseInsensitive, ci);
    }

    // The prefilter must never hide a match: on every evidence line of the labelled corpus,
    // a pattern that matches also contains its literal.
    void literalNeverHidesAMatch() {
        const SignatureCatalogue cat = SignatureCatalogue::builtin();
        QStringList lines = {
            QStringLiteral("Failed to pull image \"a/b:1\": rpc error: code = NotFound desc = "
                           "failed to pull and unpack image \"docker.io/a/b:1\": failed to "
                           "resolve reference \"docker.io/a/b:1\": docker.io/a/b:1: not found"),
            QStringLiteral("0/3 nodes are available: 3 Insufficient cpu."),
            QStringLiteral("BLOCKED BY SYNC WINDOW")};
        const QDir corpus(QStringLiteral(SEXTANT_TEST_DATA_DIR "/diagnose"));
        for (const QString& name : corpus.entryList({QStringLiteral("*.json")}, QDir::Files)) {
            QFile f(corpus.filePath(name));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const auto bundle = EvidenceBundle::fromJson(f.readAll());
            QVERIFY2(bundle.ok(), qPrintable(name));
            for (const EvidenceItem& e : normaliseEvidence(*bundle))
                lines << e.text;
        }
        int checked = 0;
        for (const Signature& s : cat.signatures()) {
            for (int p = 0; p < s.patterns.size(); ++p) {
                if (s.literals[p].isEmpty())
                    continue;
                for (const QString& line : std::as_const(lines)) {
                    if (!s.patterns[p].match(line).hasMatch())
                        continue;
                    ++checked;
                    QVERIFY2(s.match(p, line).has_value(),
                             qPrintable(s.id + QStringLiteral(" literal '") + s.literals[p] +
                                        QStringLiteral("' hides a match on: ") + line));
                }
            }
        }
        QVERIFY(checked > 0);
    }

    void relationsAndFlagsLoad() {
        const QByteArray yaml = "categories: [A, B]\n"
                                "signatures:\n"
                                "  - id: a\n"
                                "    category: A\n"
                                "    title: a\n"
                                "    sources: [event]\n"
                                "    reasons: [Failed]\n"
                                "    confidence: 0.9\n"
                                "    summary: a\n"
                                "    fixKind: none\n"
                                "    suppresses: [b]\n"
                                "    scope: app\n"
                                "  - id: b\n"
                                "    category: B\n"
                                "    title: b\n"
                                "    patterns: ['x']\n"
                                "    confidence: 0.5\n"
                                "    summary: b\n"
                                "    fixKind: none\n"
                                "    symptom: true\n"
                                "    fallback: true\n"
                                "    annotates: true\n"
                                "    requires: [a]\n"
                                "    boosts: [a]\n";
        const auto cat = SignatureCatalogue::fromYaml(yaml, QStringLiteral("r.yaml"));
        QVERIFY2(cat.ok(), cat.ok() ? "" : qPrintable(cat.error().toString()));
        const Signature& a = cat->signatures()[0];
        const Signature& b = cat->signatures()[1];
        QVERIFY(a.appScope);
        QCOMPARE(a.suppresses, QStringList{QStringLiteral("b")});
        QVERIFY(b.symptom && b.fallback && b.annotation);
        QCOMPARE(b.requiresAny, QStringList{QStringLiteral("a")});
        QCOMPARE(b.boosts, QStringList{QStringLiteral("a")});
        // No sources: read for every source.
        QVERIFY(cat->forSource(QStringLiteral("log")).contains(1));
        QVERIFY(!cat->forSource(QStringLiteral("log")).contains(0));
    }
};

QTEST_GUILESS_MAIN(TestSignatureCatalogue)
#include "tst_signaturecatalogue.moc"
