// The fast list parser on real Argo CD Applications (../shared/argocd/fixtures): lists built
// from every fixture, compact and pretty-printed, give the reference parser's rows through the
// indexed walk (one walker and two, the cut forced), the DOM path and the reference alike.

#include "argocd/appparser.h"
#include "core/yamljson.h"

#include <QDir>
#include <QFile>
#include <QTest>

#include <yaml-cpp/yaml.h>

using namespace sextant;
using namespace sextant::argocd;
using json = nlohmann::ordered_json;

namespace {

const QString kFixtures = QStringLiteral(SEXTANT_SHARED_DIR "/argocd/fixtures");

// Every Application fixture as the list response carries it: without kind and apiVersion, so
// `metadata` comes first as in Argo CD's own output.
json applications() {
    json items = json::array();
    const QStringList files =
        QDir(kFixtures).entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name);
    for (const QString& f : files) {
        QFile file(QDir(kFixtures).filePath(f));
        if (!file.open(QIODevice::ReadOnly) || !file.readAll().contains("\nkind: Application\n"))
            continue;
        json app =
            json(sextant::yamlToJson(YAML::LoadFile(QDir(kFixtures).filePath(f).toStdString())));
        app.erase("kind");
        app.erase("apiVersion");
        items.push_back(std::move(app));
    }
    return items;
}

void sameRows(const AppList& fast, const AppList& reference) {
    QCOMPARE(fast.resourceVersion, reference.resourceVersion);
    QCOMPARE(fast.apps.size(), reference.apps.size());
    for (qsizetype i = 0; i < fast.apps.size(); ++i) {
        const AppSummary& a = fast.apps[i];
        const AppSummary& b = reference.apps[i];
        QVERIFY2(a == b, qPrintable(QStringLiteral("item %1 (%2)").arg(i).arg(b.name)));
        QCOMPARE(a.createdAt.timeSpec(), b.createdAt.timeSpec());
        QCOMPARE(a.operationStartedAt.timeSpec(), b.operationStartedAt.timeSpec());
        QCOMPARE(a.operationFinishedAt.timeSpec(), b.operationFinishedAt.timeSpec());
    }
}

// Every path of the fast parser against the reference; returns the threads of the split run.
int compareAllPaths(const QByteArray& body) {
    const Result<AppList> reference = parseApplicationList(body, QStringLiteral("corpus"));
    if (!reference.ok())
        qFatal("the reference rejects the corpus list: %s",
               qPrintable(reference.error().toString()));
    int splitThreads = 0;
    for (int variant = 0; variant < 3; ++variant) {
        ListParser::Options o;
        o.indexedWalk = variant < 2;
        o.maxThreads = variant == 1 ? 2 : 1;
        o.splitBytes = 1;
        o.pieceBytes = 1; // a piece per item
        ListParser parser(o);
        StringPool pool;
        const Result<AppList> fast =
            parseApplicationListFast(body, QStringLiteral("corpus"), &pool, &parser);
        if (!fast.ok())
            qFatal("the fast parser rejects the corpus list: %s",
                   qPrintable(fast.error().toString()));
        if (o.indexedWalk && !parser.lastStats().indexedWalk)
            qWarning("variant %d fell back to the DOM path", variant);
        if (variant == 1)
            splitThreads = parser.lastStats().threads;
        sameRows(*fast, *reference);
        if (QTest::currentTestFailed())
            return -1;
    }
    return splitThreads;
}

} // namespace

class TestListParserCorpus : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        if (!QDir(kFixtures).exists())
            QSKIP("../shared/argocd/fixtures is not present (only on project machines and CI)");
    }

    void compactList() {
        const json items = applications();
        QVERIFY(items.size() >= 5);
        const json list = {{"metadata", {{"resourceVersion", "4242"}}}, {"items", items}};
        const QByteArray body = QByteArray::fromStdString(list.dump());
        // Argo CD's compact output: the cut after the middle falls between two items.
        QCOMPARE(compareAllPaths(body), 2);
    }

    void prettyPrintedList() {
        const json list = {{"items", applications()}};
        // Whitespace everywhere: no `},{"metadata":` to cut at, one walker.
        QCOMPARE(compareAllPaths(QByteArray::fromStdString(list.dump(2))), 1);
    }

    void repeatedList() {
        json items = json::array();
        const json apps = applications();
        for (int copy = 0; copy < 40; ++copy) {
            for (json app : apps) {
                json& metadata = app["metadata"];
                if (metadata.is_object() && metadata.contains("name") &&
                    metadata["name"].is_string())
                    metadata["name"] =
                        metadata["name"].get<std::string>() + "-" + std::to_string(copy);
                items.push_back(std::move(app));
            }
        }
        const json list = {{"items", items}};
        QCOMPARE(compareAllPaths(QByteArray::fromStdString(list.dump())), 2);
    }
};

QTEST_GUILESS_MAIN(TestListParserCorpus)
#include "tst_listparsercorpus.moc"
