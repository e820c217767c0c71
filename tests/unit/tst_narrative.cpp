// ai::checkNarrative: citations are extracted and checked against the diagnosis, and claims
// without support are flagged.

#include "ai/narrative.h"

#include <QTest>

using namespace sextant;
using namespace sextant::ai;

namespace {

analysis::Diagnosis diagnosisWith(int evidence) {
    analysis::Diagnosis d;
    d.app = QStringLiteral("shop/web");
    for (int i = 1; i <= evidence; ++i) {
        analysis::EvidenceItem e;
        e.id = QStringLiteral("E%1").arg(i);
        e.text = QStringLiteral("line %1").arg(i);
        d.evidence << e;
    }
    return d;
}

QStringList flaggedTexts(const Narrative& n) {
    QStringList out;
    for (const Claim& c : n.flagged)
        out << c.text;
    return out;
}

} // namespace

class TestNarrative : public QObject {
    Q_OBJECT

private slots:
    void citationForms();
    void typicalAnswer();
    void flagsUncitedAndUnknown();
    void offsetsPointIntoText();
    void citationAfterFullStop();
    void stepsQuestionsAndGapsAreNotClaims();
    void emptyAnswer();
};

void TestNarrative::citationForms() {
    QCOMPARE(
        citedEvidenceIds(u"a [E3] b [E3, E7] c [E1;E2] d (E9) e [E4-E6] f [E10–12]"),
        (QStringList{"E3", "E3", "E7", "E1", "E2", "E9", "E4", "E5", "E6", "E10", "E11", "E12"}));
    QCOMPARE(citedEvidenceIds(u"no ids [3] [F1] E5 here"), QStringList{});
    // An absurd range is not expanded.
    QCOMPARE(citedEvidenceIds(u"[E1-E100000]"), QStringList{"E1"});
}

void TestNarrative::typicalAnswer() {
    const QString answer = QStringLiteral(
        "## What happened\n"
        "The web container started crashing after revision 4f2a was synced [E2]. "
        "It exits with code 1 because DATABASE_URL is missing [E5, E2].\n"
        "\n"
        "## Likely causes\n"
        "1. Missing config key DATABASE_URL — the process panics at start [E5]. Confidence: high.\n"
        "2. A bad image tag — ruled out, the image was pulled [E4].\n"
        "\n"
        "## Next steps\n"
        "- Add DATABASE_URL to the ConfigMap shop/web-config.\n"
        "- Sync the application and watch the rollout.\n"
        "\n"
        "## Gaps\n"
        "The evidence does not show who removed the key.\n");
    const Narrative n = checkNarrative(answer, diagnosisWith(5));
    QCOMPARE(n.text, answer);
    QCOMPARE(n.citedIds, (QStringList{"E2", "E5", "E4"}));
    QVERIFY(n.unknownIds.isEmpty());
    QVERIFY2(n.flagged.isEmpty(), qPrintable(flaggedTexts(n).join(QStringLiteral(" | "))));
    QCOMPARE(n.assertiveCount, 4);
    QCOMPARE(n.supportedShare(), 1.0);
    QCOMPARE(n.claims.first().section, QStringLiteral("What happened"));
    QCOMPARE(n.claims.last().section, QStringLiteral("Gaps"));
}

void TestNarrative::flagsUncitedAndUnknown() {
    const QString answer = QStringLiteral("## What happened\n"
                                          "The pod was OOMKilled at 10:02 [E1]. "
                                          "The memory limit was lowered in the last commit. "
                                          "The node ran out of disk [E42].\n"
                                          "## Likely causes\n"
                                          "- Memory limit too low [E1, E99]\n"
                                          "- Traffic spike after the marketing campaign\n"
                                          "## Next steps\n"
                                          "- Raise the limit, see [E77].\n");
    const Narrative n = checkNarrative(answer, diagnosisWith(3));
    QCOMPARE(n.unknownIds, (QStringList{"E42", "E99", "E77"}));
    QCOMPARE(n.citedIds, QStringList{"E1"});
    const QStringList flagged = flaggedTexts(n);
    QCOMPARE(flagged.size(), 5);
    QCOMPARE(flagged[0], QStringLiteral("The memory limit was lowered in the last commit."));
    QCOMPARE(n.flagged[0].status, Claim::Status::Uncited);
    QCOMPARE(flagged[1], QStringLiteral("The node ran out of disk [E42]."));
    QCOMPARE(n.flagged[1].status, Claim::Status::UnknownCitation);
    QCOMPARE(n.flagged[1].unknownIds, QStringList{"E42"});
    QCOMPARE(flagged[2], QStringLiteral("- Memory limit too low [E1, E99]"));
    QCOMPARE(n.flagged[2].status, Claim::Status::UnknownCitation);
    QCOMPARE(flagged[3], QStringLiteral("- Traffic spike after the marketing campaign"));
    QCOMPARE(n.flagged[3].status, Claim::Status::Uncited);
    // A step needs no citation, but an invented id is flagged wherever it is.
    QCOMPARE(flagged[4], QStringLiteral("- Raise the limit, see [E77]."));
    QVERIFY(!n.flagged[4].assertive);
    QCOMPARE(n.assertiveCount, 5);
    QCOMPARE(n.supportedShare(), 1.0 / 5.0);
}

void TestNarrative::offsetsPointIntoText() {
    const QString answer =
        QStringLiteral("Intro line without heading is a claim.\n\nSecond paragraph has a "
                       "citation [E1]. And a wrapped\nsentence across lines [E2].");
    const Narrative n = checkNarrative(answer, diagnosisWith(2));
    QCOMPARE(n.claims.size(), 3);
    for (const Claim& c : n.claims)
        QCOMPARE(answer.mid(c.offset, c.length), c.text);
    QCOMPARE(n.claims[2].text, QStringLiteral("And a wrapped\nsentence across lines [E2]."));
    QCOMPARE(flaggedTexts(n), QStringList{"Intro line without heading is a claim."});
}

void TestNarrative::citationAfterFullStop() {
    const Narrative n = checkNarrative(
        QStringLiteral("The image tag 1.4.3 does not exist. [E1] The registry answered 404, "
                       "e.g. for web:1.4.3. [E2][E1] Version 1.2.3 was fine."),
        diagnosisWith(2));
    QCOMPARE(n.claims.size(), 3);
    QCOMPARE(n.claims[0].text, QStringLiteral("The image tag 1.4.3 does not exist. [E1]"));
    QCOMPARE(n.claims[1].citedIds, (QStringList{"E2", "E1"}));
    QCOMPARE(n.claims[2].status, Claim::Status::Uncited);
}

void TestNarrative::stepsQuestionsAndGapsAreNotClaims() {
    const Narrative n =
        checkNarrative(QStringLiteral("Check the ConfigMap shop/web-config for the key.\n"
                                      "Was the key removed on purpose?\n"
                                      "It is unclear which commit removed it.\n"
                                      "None.\n"
                                      "**Summary**\n"
                                      "```\nkubectl -n shop rollout undo deploy/web\n```\n"),
                       diagnosisWith(1));
    QVERIFY2(n.flagged.isEmpty(), qPrintable(flaggedTexts(n).join(QStringLiteral(" | "))));
    QCOMPARE(n.assertiveCount, 0);
    QCOMPARE(n.supportedShare(), 1.0);
}

void TestNarrative::emptyAnswer() {
    const Narrative n = checkNarrative(QString(), diagnosisWith(1));
    QVERIFY(n.claims.isEmpty());
    QVERIFY(n.flagged.isEmpty());
}

QTEST_GUILESS_MAIN(TestNarrative)
#include "tst_narrative.moc"
