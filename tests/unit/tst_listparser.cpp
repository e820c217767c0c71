// The simdjson list parser (parseApplicationListFast) against the nlohmann reference
// (parseApplicationList): same AppList field for field, same typed errors, no crash on
// truncated or damaged input, and interned strings shared between rows.

#include "argocd/appparser.h"
#include "argocd/client.h"
#include "sim/simulator.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTest>

using namespace sextant;
using namespace sextant::argocd;

namespace {

QByteArray listSample() {
    QFile f(QStringLiteral(SEXTANT_TEST_DATA_DIR "/argocd/app-list-sample.json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing test data app-list-sample.json");
    return f.readAll();
}

bool sameTime(const QDateTime& a, const QDateTime& b) {
    return a == b && a.isValid() == b.isValid() && (!a.isValid() || a.timeSpec() == b.timeSpec());
}

// Field by field, so a failure names the field.
void compareApps(const AppSummary& a, const AppSummary& b, int index) {
    const QByteArray where = "item " + QByteArray::number(index) + " (" + a.name.toUtf8() + "): ";
#define SAME(field) QVERIFY2(a.field == b.field, (where + #field).constData())
    SAME(instance);
    SAME(name);
    SAME(appNamespace);
    SAME(project);
    SAME(destServer);
    SAME(destName);
    SAME(destNamespace);
    SAME(repoURL);
    SAME(path);
    SAME(targetRevision);
    SAME(multiSource);
    SAME(autoSync);
    SAME(sync);
    SAME(syncRevision);
    SAME(health);
    SAME(healthMessage);
    SAME(operationPhase);
    SAME(labels);
    SAME(images);
    SAME(deleting);
    SAME(resourceVersion);
#undef SAME
    QVERIFY2(sameTime(a.operationStartedAt, b.operationStartedAt), where + "operationStartedAt");
    QVERIFY2(sameTime(a.operationFinishedAt, b.operationFinishedAt), where + "operationFinishedAt");
    QVERIFY2(sameTime(a.createdAt, b.createdAt), where + "createdAt");
    QVERIFY2(a == b, where + "operator==");
}

// Both parsers on the same bytes: the same list, or errors of the same kind and message.
void compareParsers(const QByteArray& body, bool expectOk, StringPool* pool = nullptr) {
    const Result<AppList> reference = parseApplicationList(body, QStringLiteral("inst"));
    StringPool local;
    const Result<AppList> fast =
        parseApplicationListFast(body, QStringLiteral("inst"), pool ? pool : &local);
    QCOMPARE(fast.ok(), reference.ok());
    if (expectOk)
        QVERIFY2(reference.ok(),
                 qPrintable(reference.ok() ? QString() : reference.error().toString()));
    if (!reference.ok()) {
        QCOMPARE(fast.error().kind, reference.error().kind);
        QCOMPARE(fast.error().shortMessage, reference.error().shortMessage);
        QCOMPARE(fast.error().details, reference.error().details);
        return;
    }
    QCOMPARE(fast->resourceVersion, reference->resourceVersion);
    QCOMPARE(fast->apps.size(), reference->apps.size());
    for (int i = 0; i < fast->apps.size(); ++i) {
        compareApps(fast->apps[i], reference->apps[i], i);
        if (QTest::currentTestFailed())
            return;
    }
    // Without a pool the fast parser gives the same too.
    const Result<AppList> plain = parseApplicationListFast(body, QStringLiteral("inst"), nullptr);
    QVERIFY(plain.ok());
    QCOMPARE(plain->apps, reference->apps);
}

QByteArray generatedList(quint32 seed, int apps, const QString& fields = {}) {
    sim::Simulator sim;
    sim::GeneratorOptions o;
    o.apps = apps;
    o.instances = 1;
    o.clusters = 7;
    o.seed = seed;
    sim.generate(o);
    return sim.listBody(sim.instanceNames().value(0), fields);
}

} // namespace

class TestListParser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sampleAgrees() { compareParsers(listSample(), true); }

    void generatedListsAgree_data() {
        QTest::addColumn<quint32>("seed");
        QTest::addColumn<bool>("projected");
        for (quint32 seed : {1u, 2u, 7u, 42u, 1234u}) {
            QTest::newRow(qPrintable(QStringLiteral("seed %1 full").arg(seed))) << seed << false;
            QTest::newRow(qPrintable(QStringLiteral("seed %1 ui fields").arg(seed)))
                << seed << true;
        }
    }
    void generatedListsAgree() {
        QFETCH(quint32, seed);
        QFETCH(bool, projected);
        const QByteArray body = generatedList(
            seed, 300, projected ? Client::kUiListFields.join(QLatin1Char(',')) : QString());
        const Result<AppList> list = parseApplicationList(body, QStringLiteral("inst"));
        QVERIFY(list.ok());
        // The generator must exercise what the parsers have to agree on.
        bool multi = false, labelled = false, failed = false, message = false;
        for (const AppSummary& a : list->apps) {
            multi |= a.multiSource;
            labelled |= !a.labels.isEmpty();
            failed |= a.syncFailed();
            message |= !a.healthMessage.isEmpty();
        }
        QVERIFY(multi);
        QVERIFY(labelled);
        QVERIFY(message);
        Q_UNUSED(failed);
        compareParsers(body, true);
    }

    void shapesAgree_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("ok");
        QTest::newRow("null items")
            << QByteArray(R"({"metadata":{"resourceVersion":"9"},"items":null})") << true;
        QTest::newRow("no items") << QByteArray(R"({"metadata":{}})") << true;
        QTest::newRow("empty items") << QByteArray(R"({"items":[]})") << true;
        QTest::newRow("empty object item") << QByteArray(R"({"items":[{}]})") << true;
        QTest::newRow("nulls everywhere")
            << QByteArray(
                   R"({"metadata":null,"items":[{"metadata":null,"spec":null,"status":null}]})")
            << true;
        QTest::newRow("wrong types")
            << QByteArray(R"({"items":[{"metadata":{"name":5,"labels":[1],"namespace":true},
                 "spec":{"project":{},"destination":"x","source":[],"sources":{},
                 "syncPolicy":{"automated":{"enabled":"no"}}},
                 "status":{"sync":{"status":1,"revisions":[3]},"health":[],
                 "operationState":{"phase":null,"startedAt":12},"summary":{"images":"x"}}}]})")
            << true;
        QTest::newRow("label values of any type")
            << QByteArray(
                   R"({"items":[{"metadata":{"name":"a","labels":{"z":"1","a":null,"m":2,"b":"x"}}}]})")
            << true;
        QTest::newRow("duplicate label keys")
            << QByteArray(R"({"items":[{"metadata":{"name":"a","labels":{"k":"1","k":"2"}}}]})")
            << true;
        QTest::newRow("automated disabled")
            << QByteArray(R"({"items":[{"spec":{"syncPolicy":{"automated":{"enabled":false}}}}]})")
            << true;
        QTest::newRow("automated null")
            << QByteArray(R"({"items":[{"spec":{"syncPolicy":{"automated":null}}}]})") << true;
        QTest::newRow("sources, chart, revisions")
            << QByteArray(R"({"items":[{"metadata":{"name":"m"},"spec":{"sources":[
                 {"repoURL":"https:\/\/c","chart":"shop","targetRevision":"1.2.3"},{"repoURL":"g"}]},
                 "status":{"sync":{"revisions":["abc","def"]}}}]})")
            << true;
        QTest::newRow("empty sources")
            << QByteArray(R"({"items":[{"spec":{"sources":[]}}]})") << true;
        QTest::newRow("timestamps of every shape")
            << QByteArray(
                   R"({"items":[{"metadata":{"name":"t","creationTimestamp":"2024-02-29T23:59:59Z"},
                 "status":{"operationState":{"startedAt":"2024-03-05T07:33:03.250Z",
                 "finishedAt":"2024-03-05T09:33:03+02:00"}}},
                 {"metadata":{"name":"u","creationTimestamp":"2023-02-29T10:00:00Z"},
                 "status":{"operationState":{"startedAt":"1999-12-31T24:00:00Z","finishedAt":"garbage"}}},
                 {"metadata":{"name":"v","creationTimestamp":"0000-01-01T00:00:00Z"}}]})")
            << true;
        QTest::newRow("unicode")
            << QByteArray(
                   R"({"items":[{"metadata":{"name":"caf\u00e9-☃","labels":{"ü":"\ud83d\ude00"}}}]})")
            << true;
        QTest::newRow("deletion timestamp")
            << QByteArray(R"({"items":[{"metadata":{"deletionTimestamp":"x"}}]})") << true;
        QTest::newRow("array root") << QByteArray("[]") << false;
        QTest::newRow("string root") << QByteArray(R"("x")") << false;
        QTest::newRow("items object") << QByteArray(R"({"items":{}})") << false;
        QTest::newRow("item not object") << QByteArray(R"({"items":[{},1]})") << false;
        QTest::newRow("empty body") << QByteArray() << false;
        QTest::newRow("garbage") << QByteArray("<html>") << false;
        QTest::newRow("trailing garbage") << QByteArray(R"({"items":[]} x)") << false;
        QTest::newRow("invalid utf-8")
            << QByteArray("{\"items\":[{\"metadata\":{\"name\":\"\xff\"}}]}") << false;
        QTest::newRow("control character")
            << QByteArray("{\"items\":[{\"metadata\":{\"name\":\"a\x01\"}}]}") << false;
        QTest::newRow("huge number") << QByteArray(R"({"x":1e999,"items":[]})") << false;
        QTest::newRow("deep nesting") << QByteArray(R"({"x":)") + QByteArray(5000, '[') +
                                             QByteArray(5000, ']') + QByteArray(R"(,"items":[]})")
                                      << true;
    }
    void shapesAgree() {
        QFETCH(QByteArray, body);
        QFETCH(bool, ok);
        const Result<AppList> reference = parseApplicationList(body, QStringLiteral("inst"));
        QCOMPARE(reference.ok(), ok);
        if (!ok)
            QCOMPARE(reference.error().kind, Error::Kind::Protocol);
        compareParsers(body, ok);
    }

    // Every prefix of a list is an error of kind Protocol (never a crash), identical to the
    // reference's.
    void truncationAtEveryOffset() {
        const QByteArray sample = listSample();
        const qsizetype end = sample.lastIndexOf('}');
        for (qsizetype cut = 0; cut < end; ++cut) {
            const QByteArray prefix = sample.left(cut);
            const Result<AppList> fast = parseApplicationListFast(prefix, QStringLiteral("i"));
            QVERIFY2(!fast.ok(), qPrintable(QStringLiteral("cut at %1").arg(cut)));
            QCOMPARE(fast.error().kind, Error::Kind::Protocol);
            compareParsers(prefix, false);
            if (QTest::currentTestFailed())
                return;
        }
    }

    void truncationOfALargeList() {
        const QByteArray body = generatedList(3, 200);
        const qsizetype end = body.lastIndexOf('}');
        QRandomGenerator rng(5);
        for (int k = 0; k < 300; ++k) {
            const qsizetype cut = qsizetype(rng.bounded(quint32(end)));
            const QByteArray prefix = body.left(cut);
            const Result<AppList> fast = parseApplicationListFast(prefix, QStringLiteral("i"));
            QVERIFY2(!fast.ok(), qPrintable(QStringLiteral("cut at %1").arg(cut)));
            QCOMPARE(fast.error().kind, Error::Kind::Protocol);
            QVERIFY(fast.error().details.contains(QLatin1String("offset")));
        }
    }

    // Random byte damage: both parsers agree on whatever comes out, and nothing crashes.
    void damagedBytesAgree() {
        const QByteArray body = generatedList(11, 20);
        QRandomGenerator rng(17);
        static const char kBytes[] = "{}[]\",:0 1e-\\\x01\xff\xc3tn";
        for (int k = 0; k < 400; ++k) {
            QByteArray damaged = body;
            const int edits = 1 + int(rng.bounded(3));
            for (int e = 0; e < edits; ++e) {
                const qsizetype at = qsizetype(rng.bounded(quint32(damaged.size())));
                damaged[at] = kBytes[rng.bounded(quint32(sizeof(kBytes) - 1))];
            }
            compareParsers(damaged, false);
            if (QTest::currentTestFailed())
                return;
        }
    }

    // Rows parsed through one pool share the data of repeated values.
    void internedStringsAreShared() {
        StringPool pool;
        const QByteArray body = generatedList(9, 200);
        const Result<AppList> a = parseApplicationListFast(body, QStringLiteral("i"), &pool);
        const Result<AppList> b = parseApplicationListFast(body, QStringLiteral("i"), &pool);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a->apps.size(), b->apps.size());
        QHash<QString, const QChar*> projectData;
        int shared = 0;
        for (int i = 0; i < a->apps.size(); ++i) {
            const AppSummary& x = a->apps[i];
            const AppSummary& y = b->apps[i];
            QCOMPARE(x, y);
            // Same value, same d-pointer, across parses too.
            QCOMPARE(x.project.constData(), y.project.constData());
            QCOMPARE(x.destServer.constData(), y.destServer.constData());
            QCOMPARE(x.repoURL.constData(), y.repoURL.constData());
            if (!x.labels.isEmpty())
                QCOMPARE(x.labels.constData(), y.labels.constData());
            if (!x.images.isEmpty())
                QCOMPARE(x.images.constData(), y.images.constData());
            const QChar* seen = projectData.value(x.project, nullptr);
            if (seen) {
                QCOMPARE(seen, x.project.constData());
                ++shared;
            } else {
                projectData.insert(x.project, x.project.constData());
            }
        }
        QVERIFY(shared > 0);
        // The nlohmann path with the same pool shares them as well (watch events).
        const nlohmann::json doc = nlohmann::json::parse(body.toStdString());
        const Result<AppSummary> one =
            parseApplication(doc["items"][0], QStringLiteral("i"), &pool);
        QVERIFY(one.ok());
        QCOMPARE(*one, a->apps[0]);
        QCOMPARE(one->project.constData(), a->apps[0].project.constData());
        if (!one->labels.isEmpty())
            QCOMPARE(one->labels.constData(), a->apps[0].labels.constData());
    }

    void poolDropsWhatNobodyUses() {
        StringPool pool;
        {
            const Result<AppList> a =
                parseApplicationListFast(generatedList(4, 50), QStringLiteral("i"), &pool);
            QVERIFY(a.ok());
            QVERIFY(pool.size() > 0);
            QCOMPARE(pool.prune(), 0); // all in use
        }
        QVERIFY(pool.prune() > 0);
        QCOMPARE(pool.size(), 0);
    }

    void paddedInPlace() {
        QByteArray body = listSample();
        padForFastParse(body);
        const QByteArray copy = body; // shares the padded buffer
        const Result<AppList> r = parseApplicationListFast(copy, QStringLiteral("i"));
        QVERIFY(r.ok());
        QCOMPARE(r->apps.size(), 3);
        ListParser parser;
        QCOMPARE(parser.domParseOnly(body), qsizetype(3));
    }
};

QTEST_GUILESS_MAIN(TestListParser)
#include "tst_listparser.moc"
