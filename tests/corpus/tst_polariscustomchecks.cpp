// Polaris's own check definitions (../shared/policy-fixtures/polaris-checks) imported as custom
// checks through the JSON Schema importer, each run alone on its own success*/failure* fixtures
// (../shared/policy-fixtures/polaris/<check>/): the importer and the validator must agree with
// Polaris. Checks whose definition needs Go template expansion must be refused with the reason.
// Prints the agreement and the refused checks. Skipped when ../shared is absent.

#include "policy/manifests.h"
#include "policy/polarischecks.h"
#include "policy/policyengine.h"
#include "policy/policypack.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>

#include <algorithm>

using namespace sextant;
using namespace sextant::policy;

namespace {

const QString kChecksDir = QStringLiteral(SEXTANT_SHARED_DIR "/policy-fixtures/polaris-checks");
const QString kFixturesDir = QStringLiteral(SEXTANT_SHARED_DIR "/policy-fixtures/polaris");

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A definition Polaris uses verbatim: no Go template anywhere (a `schema`, or a `schemaString`
// without actions).
// (pdbMinAvailableGreaterThanHPAMinReplicas has no schema at all: Polaris implements it in Go.)
bool isPlain(const QByteArray& text) {
    return (text.contains("\nschema:") || text.contains("\nschemaString:")) && !text.contains("{{");
}

} // namespace

class TestPolarisCustomChecks : public QObject {
    Q_OBJECT
private slots:
    void builtinChecksAgreeWithTheirFixtures();
};

void TestPolarisCustomChecks::builtinChecksAgreeWithTheirFixtures() {
    if (!QDir(kChecksDir).exists() || !QDir(kFixturesDir).exists())
        QSKIP("../shared/policy-fixtures/polaris-checks or polaris is not present");

    // The built-in check files, plus the custom-check definitions of the fixture folders.
    QStringList definitions;
    for (const QString& f : QDir(kChecksDir).entryList({QStringLiteral("*.yaml")}, QDir::Files))
        definitions << QDir(kChecksDir).filePath(f);
    for (const QString& d :
         QDir(kFixturesDir).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        const QString check = kFixturesDir + QLatin1Char('/') + d + QStringLiteral("/check.yaml");
        if (QFileInfo::exists(check))
            definitions << check;
    }

    int total = 0, agreed = 0, imported = 0;
    QStringList refused, disagreements, fixFailures;
    int fixed[2] = {0, 0}; // fixed / still failing after the fixes
    for (const QString& path : definitions) {
        const QByteArray text = readAll(path);
        const bool custom = path.endsWith(QLatin1String("/check.yaml"));
        const QString id =
            custom ? QFileInfo(path).dir().dirName() : QFileInfo(path).completeBaseName();
        const PolicyPack empty;
        Result<Rule> rule = importPolarisCheckFile(text, path, empty, Severity::Error);
        if (!isPlain(text)) {
            // Templates, or no schema: refused, with the reason.
            QVERIFY2(!rule.ok(), qPrintable(path + QStringLiteral(" should be refused")));
            QVERIFY2(!text.contains("{{") ||
                         rule.error().details.contains(QLatin1String("Go template")),
                     qPrintable(rule.error().details));
            refused << id;
            continue;
        }
        QVERIFY2(rule.ok(), qPrintable(rule.ok() ? QString() : rule.error().details));
        ++imported;
        Rule r = std::move(rule).value();
        r.id = id;
        PolicyPack pack;
        std::vector<Rule> one;
        one.push_back(std::move(r));
        QVERIFY(pack.addRules(std::move(one)).ok());

        const QDir dir(kFixturesDir + QLatin1Char('/') + id);
        QVERIFY2(dir.exists(), qPrintable(dir.path()));
        for (const QString& file : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files)) {
            const bool expectFail = file.startsWith(QLatin1String("failure"));
            if (!expectFail && !file.startsWith(QLatin1String("success")))
                continue;
            const QByteArray yaml = readAll(dir.filePath(file));
            const auto objects = parseManifests(yaml, dir.filePath(file));
            QVERIFY2(objects.ok(), qPrintable(dir.filePath(file)));
            SourceTexts sources;
            sources.insert(dir.filePath(file), QString::fromUtf8(yaml).split(QLatin1Char('\n')));
            CheckOptions options;
            options.sources = &sources;
            const std::vector<Violation> results = checkObjects(pack, *objects, options);
            // A failure whose results all carry a fix (from the check's mutation): applying
            // the fixes one by one must make the check pass.
            if (expectFail && !results.empty() &&
                std::all_of(results.begin(), results.end(),
                            [](const Violation& v) { return v.fix.has_value(); })) {
                QStringList lines = sources.value(dir.filePath(file));
                for (int round = 0; round < 20; ++round) {
                    SourceTexts now;
                    now.insert(dir.filePath(file), lines);
                    const auto fixedObjects =
                        parseManifests(lines.join(QLatin1Char('\n')).toUtf8(), dir.filePath(file));
                    QVERIFY2(fixedObjects.ok(), qPrintable(lines.join(QLatin1Char('\n'))));
                    CheckOptions o;
                    o.sources = &now;
                    const std::vector<Violation> left = checkObjects(pack, *fixedObjects, o);
                    if (left.empty() || !left.front().fix || !applyFix(lines, *left.front().fix)) {
                        ++fixed[left.empty() ? 0 : 1];
                        if (!left.empty())
                            fixFailures << id + QLatin1Char('/') + file;
                        break;
                    }
                }
            }
            const bool weFail = !results.empty();
            ++total;
            if (weFail == expectFail)
                ++agreed;
            else
                disagreements
                    << QStringLiteral("%1/%2: Polaris %3, imported check %4%5")
                           .arg(id, file,
                                expectFail ? QStringLiteral("fails") : QStringLiteral("passes"),
                                weFail ? QStringLiteral("fails") : QStringLiteral("passes"),
                                results.empty() ? QString()
                                                : QStringLiteral(" — ") + results.front().message);
        }
    }
    QVERIFY(total > 0);
    const double agreement = double(agreed) / total;
    qInfo("Imported Polaris checks: %d of %lld definitions; agreement with their fixtures: %d of "
          "%d files (%.1f%%)",
          imported, qlonglong(definitions.size()), agreed, total, agreement * 100);
    for (const QString& d : disagreements)
        qInfo("  disagreement: %s", qPrintable(d));
    qInfo("Fixes from the checks' mutations: %d of %d failure fixtures pass after applying them",
          fixed[0], fixed[0] + fixed[1]);
    for (const QString& f : fixFailures)
        qInfo("  still failing after its fixes: %s", qPrintable(f));
    qInfo("Refused (Go template actions, or no schema), %lld: %s", qlonglong(refused.size()),
          qPrintable(refused.join(QStringLiteral(", "))));
    QVERIFY(fixed[0] > 0);
    QVERIFY2(fixFailures.isEmpty(), qPrintable(fixFailures.join(QStringLiteral(", "))));
    QVERIFY2(agreement >= 0.95,
             qPrintable(QStringLiteral("agreement %1 below 0.95").arg(agreement)));
}

QTEST_GUILESS_MAIN(TestPolarisCustomChecks)
#include "tst_polariscustomchecks.moc"
