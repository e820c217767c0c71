// The labelled quality corpus of the diagnosis engine (tests/data/diagnose, see its README.md):
// every case is a well-formed evidence bundle with a known label, the corpus covers the whole
// taxonomy, the built-in engine names the labelled root cause in at least 90% of the cases, and
// no healthy control ever produces a finding other than NoIssueFound.

#include "analysis/diagnoser.h"
#include "analysis/evidence.h"
#include "analysis/signaturecatalogue.h"

#include "taxonomy.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace sextant;
using namespace sextant::analysis;

namespace {

const QString kCorpusDir = QStringLiteral(SEXTANT_TEST_DATA_DIR "/diagnose");
constexpr int kMinCases = 80;
constexpr int kMinHealthyControls = 8;
constexpr double kMinAccuracy = 0.90;

using sextant::test::kTaxonomy;
const QString kHealthy = QStringLiteral("NoIssueFound");

struct Case {
    QString file;
    QString primary;
    QStringList also;
    QString why;
    QByteArray bytes; // the bundle without its label
};

struct Outcome {
    bool correct = false;
    QStringList categories; // finding categories, in the engine's order
    QString detail;         // top findings, for the miss report
};

QString describe(const Diagnosis& d) {
    QStringList parts;
    for (int i = 0; i < d.findings.size() && i < 3; ++i) {
        const Finding& f = d.findings.at(i);
        parts << QStringLiteral("%1/%2 (%3)")
                     .arg(f.category, f.signatureId, QString::number(f.confidence, 'f', 2));
    }
    if (d.findings.size() > 3)
        parts << QStringLiteral("+%1 more").arg(d.findings.size() - 3);
    return parts.isEmpty() ? QStringLiteral("<no finding>") : parts.join(QStringLiteral(", "));
}

// The scoring rule of the corpus README: the top finding carries the primary category and every
// `also` category appears among the findings.
Outcome score(const Case& c, const Diagnosis& d) {
    Outcome o;
    for (const Finding& f : d.findings)
        o.categories << f.category;
    o.correct = !o.categories.isEmpty() && o.categories.first() == c.primary;
    for (const QString& also : c.also)
        o.correct = o.correct && o.categories.contains(also);
    o.detail = describe(d);
    return o;
}

} // namespace

class TestDiagnoseCorpus : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void casesAreWellFormed();
    void corpusIsLargeAndCoversTheTaxonomy();
    void catalogueKnowsTheTaxonomy();
    void healthyControlsYieldOnlyNoIssueFound();
    void accuracyMeetsTheBar();

private:
    Diagnosis run(const Case& c) const;

    QVector<Case> m_cases;
    QStringList m_loadErrors;
    Diagnoser m_diagnoser{SignatureCatalogue::builtin()};
};

void TestDiagnoseCorpus::initTestCase() {
    QDir dir(kCorpusDir);
    QVERIFY2(dir.exists(), qPrintable(kCorpusDir));
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString& name : files) {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly)) {
            m_loadErrors << name + QStringLiteral(": cannot open");
            continue;
        }
        Case c;
        c.file = name;
        c.bytes = f.readAll();
        const Json doc = Json::parse(c.bytes.constBegin(), c.bytes.constEnd(), nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) {
            m_loadErrors << name + QStringLiteral(": not a JSON object");
            continue;
        }
        const Json expected = doc.value("expected", Json());
        if (!expected.is_object() || !expected.contains("primary") ||
            !expected["primary"].is_string()) {
            m_loadErrors << name + QStringLiteral(": no expected.primary");
            continue;
        }
        c.primary = QString::fromStdString(expected["primary"].get<std::string>());
        if (expected.contains("also")) {
            if (!expected["also"].is_array()) {
                m_loadErrors << name + QStringLiteral(": expected.also is not an array");
                continue;
            }
            for (const Json& a : expected["also"])
                if (a.is_string())
                    c.also << QString::fromStdString(a.get<std::string>());
        }
        if (expected.contains("why") && expected["why"].is_string())
            c.why = QString::fromStdString(expected["why"].get<std::string>());
        // The engine never sees the label: it gets the bundle without `expected`.
        Json unlabelled = doc;
        unlabelled.erase("expected");
        c.bytes = QByteArray::fromStdString(unlabelled.dump());
        m_cases << c;
    }
    qInfo("corpus: %lld cases in %s", static_cast<long long>(m_cases.size()),
          qPrintable(kCorpusDir));
}

Diagnosis TestDiagnoseCorpus::run(const Case& c) const {
    const Result<EvidenceBundle> bundle = EvidenceBundle::fromJson(c.bytes);
    if (!bundle.ok())
        return {};
    return m_diagnoser.diagnose(*bundle);
}

void TestDiagnoseCorpus::casesAreWellFormed() {
    QVERIFY2(m_loadErrors.isEmpty(), qPrintable(m_loadErrors.join(QLatin1Char('\n'))));
    static const QRegularExpression namePattern(
        QStringLiteral("^\\d{2,3}-[a-z0-9]+(-[a-z0-9]+)*\\.json$"));
    QStringList problems;
    for (const Case& c : std::as_const(m_cases)) {
        if (!namePattern.match(c.file).hasMatch())
            problems << c.file + QStringLiteral(": name is not <nn>-<slug>.json");
        if (!kTaxonomy.contains(c.primary))
            problems << c.file + QStringLiteral(": unknown primary category ") + c.primary;
        for (const QString& a : c.also) {
            if (!kTaxonomy.contains(a))
                problems << c.file + QStringLiteral(": unknown also category ") + a;
            if (a == c.primary || a == kHealthy)
                problems << c.file + QStringLiteral(": also repeats ") + a;
        }
        if (c.why.trimmed().isEmpty())
            problems << c.file + QStringLiteral(": expected.why is empty");
        const Json doc = Json::parse(c.bytes.constBegin(), c.bytes.constEnd());
        if (doc.value("format", std::string()) != "sextant.evidence/v1")
            problems << c.file + QStringLiteral(": format is not sextant.evidence/v1");
        const Result<EvidenceBundle> bundle = EvidenceBundle::fromJson(c.bytes);
        if (!bundle.ok()) {
            problems << c.file + QStringLiteral(": EvidenceBundle::fromJson failed: ") +
                            bundle.error().toString();
            continue;
        }
        const bool hasEvidence = !bundle->application.is_null() ||
                                 !bundle->resourceTree.is_null() || !bundle->events.empty() ||
                                 !bundle->pods.empty() || !bundle->logs.empty() ||
                                 !bundle->text.empty();
        if (!hasEvidence)
            problems << c.file + QStringLiteral(": bundle carries no evidence");
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
}

void TestDiagnoseCorpus::corpusIsLargeAndCoversTheTaxonomy() {
    QVERIFY2(m_cases.size() >= kMinCases,
             qPrintable(QStringLiteral("%1 cases, need %2").arg(m_cases.size()).arg(kMinCases)));
    QMap<QString, int> perCategory;
    for (const Case& c : std::as_const(m_cases))
        ++perCategory[c.primary];
    QStringList missing;
    for (const QString& cat : kTaxonomy)
        if (!perCategory.contains(cat))
            missing << cat;
    QVERIFY2(missing.isEmpty(),
             qPrintable(QStringLiteral("no case for: ") + missing.join(QStringLiteral(", "))));
    QVERIFY2(perCategory.value(kHealthy) >= kMinHealthyControls,
             qPrintable(QStringLiteral("%1 healthy controls, need %2")
                            .arg(perCategory.value(kHealthy))
                            .arg(kMinHealthyControls)));
}

void TestDiagnoseCorpus::catalogueKnowsTheTaxonomy() {
    const SignatureCatalogue& catalogue = m_diagnoser.catalogue();
    QVERIFY2(!catalogue.signatures().isEmpty(), "the built-in signature catalogue is empty");
    QStringList unknown;
    for (const QString& cat : kTaxonomy)
        if (!catalogue.hasCategory(cat))
            unknown << cat;
    QVERIFY2(unknown.isEmpty(), qPrintable(QStringLiteral("catalogue lacks categories: ") +
                                           unknown.join(QStringLiteral(", "))));
}

void TestDiagnoseCorpus::healthyControlsYieldOnlyNoIssueFound() {
    QStringList noisy;
    int controls = 0;
    for (const Case& c : std::as_const(m_cases)) {
        if (c.primary != kHealthy)
            continue;
        ++controls;
        const Diagnosis d = run(c);
        bool clean = !d.findings.isEmpty();
        for (const Finding& f : d.findings)
            clean = clean && f.category == kHealthy;
        if (!clean)
            noisy << QStringLiteral("%1: %2").arg(c.file, describe(d));
    }
    QVERIFY(controls > 0);
    if (!noisy.isEmpty())
        qWarning("healthy controls with other findings:\n  %s",
                 qPrintable(noisy.join(QStringLiteral("\n  "))));
    QVERIFY2(noisy.isEmpty(), "a healthy control produced a finding other than NoIssueFound");
}

void TestDiagnoseCorpus::accuracyMeetsTheBar() {
    QVERIFY(!m_cases.isEmpty());
    QMap<QString, QPair<int, int>> perCategory; // primary -> (correct, total)
    QStringList misses;
    int correct = 0;
    QElapsedTimer timer;
    qint64 nanos = 0;
    for (const Case& c : std::as_const(m_cases)) {
        const Result<EvidenceBundle> bundle = EvidenceBundle::fromJson(c.bytes);
        QVERIFY2(bundle.ok(), qPrintable(c.file));
        timer.start();
        const Diagnosis d = m_diagnoser.diagnose(*bundle);
        nanos += timer.nsecsElapsed();
        const Outcome o = score(c, d);
        auto& slot = perCategory[c.primary];
        ++slot.second;
        if (o.correct) {
            ++correct;
            ++slot.first;
        } else {
            QString expected = c.primary;
            if (!c.also.isEmpty())
                expected += QStringLiteral(" + ") + c.also.join(QStringLiteral(", "));
            misses << QStringLiteral("%1\n      expected %2 (%3)\n      got      %4")
                          .arg(c.file, expected, c.why, o.detail);
        }
    }
    const double accuracy = double(correct) / double(m_cases.size());
    qInfo("per category (correct/total):");
    for (auto it = perCategory.cbegin(); it != perCategory.cend(); ++it)
        qInfo("  %-26s %d/%d%s", qPrintable(it.key()), it.value().first, it.value().second,
              it.value().first == it.value().second ? "" : "  <--");
    qInfo("accuracy %.3f (%d/%lld), %.3f ms per case", accuracy, correct,
          static_cast<long long>(m_cases.size()), nanos / 1e6 / double(m_cases.size()));
    if (!misses.isEmpty())
        qInfo("misses:\n  %s", qPrintable(misses.join(QStringLiteral("\n  "))));
    QVERIFY2(accuracy >= kMinAccuracy, qPrintable(QStringLiteral("accuracy %1 below %2")
                                                      .arg(accuracy, 0, 'f', 3)
                                                      .arg(kMinAccuracy, 0, 'f', 2)));
}

QTEST_GUILESS_MAIN(TestDiagnoseCorpus)
#include "tst_diagnosecorpus.moc"
