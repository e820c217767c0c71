// The simdjson list parser (parseApplicationListFast) against the nlohmann reference
// (parseApplicationList): same AppList field for field, same typed errors, no crash on
// truncated or damaged input, and interned strings shared between rows. Most comparisons run
// the indexed walk on one thread, on two (split at any size) and the DOM path.

#include "argocd/appparser.h"
#include "argocd/client.h"
#include "sim/simulator.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTest>
#include <limits>

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

// The indexed walk on `threads` walkers over pieces of one item each (the split and every
// piece boundary at any size), or with `pieceBytes` the default pieces.
ListParser::Options walkOptions(int threads, qsizetype pieceBytes = 1) {
    ListParser::Options o;
    o.maxThreads = threads;
    o.splitBytes = 1; // split whatever has a cut between two items
    o.pieceBytes = pieceBytes;
    return o;
}

// One walker, the body as one piece.
ListParser::Options wholeOptions() {
    return walkOptions(1, std::numeric_limits<qsizetype>::max() / 2);
}

ListParser::Options domOptions() {
    ListParser::Options o;
    o.indexedWalk = false;
    return o;
}

// Both parsers on the same bytes: the same list, or errors of the same kind and message.
void compareParsers(const QByteArray& body, bool expectOk, StringPool* pool = nullptr,
                    const ListParser::Options& options = walkOptions(1)) {
    const Result<AppList> reference = parseApplicationList(body, QStringLiteral("inst"));
    StringPool local;
    ListParser parser(options);
    const Result<AppList> fast =
        parseApplicationListFast(body, QStringLiteral("inst"), pool ? pool : &local, &parser);
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
    ListParser plainParser(options);
    const Result<AppList> plain =
        parseApplicationListFast(body, QStringLiteral("inst"), nullptr, &plainParser);
    QVERIFY(plain.ok());
    QCOMPARE(plain->apps, reference->apps);
}

// compareParsers with one walker (one piece, and a piece per item), two walkers and the DOM
// path.
void compareAllPaths(const QByteArray& body, bool expectOk) {
    for (const ListParser::Options& o :
         {wholeOptions(), walkOptions(1), walkOptions(2), domOptions()}) {
        compareParsers(body, expectOk, nullptr, o);
        if (QTest::currentTestFailed())
            return;
    }
}

// Damage the walk may accept: the reference rejects `damaged`, the fast parser either rejects
// it with the same error or (the damage lies inside a value the walk skips, see
// docs/benchmarks.md) gives exactly the rows of the undamaged list, `intact`. Returns whether
// it was accepted.
bool compareDamaged(const QByteArray& damaged, const AppList& intact,
                    const ListParser::Options& options) {
    const Result<AppList> reference = parseApplicationList(damaged, QStringLiteral("inst"));
    StringPool pool;
    ListParser parser(options);
    const Result<AppList> fast =
        parseApplicationListFast(damaged, QStringLiteral("inst"), &pool, &parser);
    if (reference.ok()) {
        compareParsers(damaged, true, nullptr, options);
        return false;
    }
    if (!fast.ok()) {
        [&] {
            QCOMPARE(fast.error().kind, reference.error().kind);
            QCOMPARE(fast.error().shortMessage, reference.error().shortMessage);
            QCOMPARE(fast.error().details, reference.error().details);
        }();
        return false;
    }
    [&] {
        QVERIFY2(parser.lastStats().indexedWalk, "only the walk may accept damaged JSON");
        QCOMPARE(fast->resourceVersion, intact.resourceVersion);
        QCOMPARE(fast->apps.size(), intact.apps.size());
        for (int i = 0; i < fast->apps.size(); ++i) {
            compareApps(fast->apps[i], intact.apps[i], i);
            if (QTest::currentTestFailed())
                return;
        }
    }();
    return true;
}

// A list whose middle item carries `},{"metadata":` inside a nested array of objects, so the
// cut near the middle of the body falls inside an item.
QByteArray nestedPatternList() {
    QByteArray nested;
    for (int i = 0; i < 400; ++i)
        nested += (i ? "," : "") + QByteArray(R"({"metadata":{"name":"child-)") +
                  QByteArray::number(i) + R"("},"kind":"Pod"})";
    return QByteArray(R"({"metadata":{"resourceVersion":"77"},"items":[)"
                      R"({"metadata":{"name":"a","namespace":"argocd"},"spec":{"project":"p"}},)"
                      R"({"metadata":{"name":"b","namespace":"argocd"},"status":{"resources":[)") +
           nested +
           R"(],"health":{"status":"Degraded","message":"x"}}},)"
           R"({"metadata":{"name":"c","namespace":"argocd"},"status":{"sync":{"status":"Synced"}}}]})";
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
    void sampleAgrees() { compareAllPaths(listSample(), true); }

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
        compareAllPaths(body, true);
    }

    // Sizes around the split threshold with the default options, and the split at any size.
    void splitAgrees_data() {
        QTest::addColumn<int>("apps");
        for (int apps : {1, 2, 3, 10, 97, 800, 1500})
            QTest::newRow(qPrintable(QStringLiteral("%1 apps").arg(apps))) << apps;
    }
    void splitAgrees() {
        QFETCH(int, apps);
        const QByteArray body = generatedList(quint32(apps), apps);
        compareAllPaths(body, true);
        if (QTest::currentTestFailed())
            return;
        StringPool pool;
        ListParser parser(walkOptions(2));
        const Result<AppList> list =
            parseApplicationListFast(body, QStringLiteral("inst"), &pool, &parser);
        QVERIFY(list.ok());
        QVERIFY(parser.lastStats().indexedWalk);
        // Two or more items always have a cut between two of them.
        QCOMPARE(parser.lastStats().threads, apps >= 2 ? 2 : 1);
        // The second walker's rows are interned after the join; they must end up on the
        // pool's strings and lists like the first walker's: equal text, one copy.
        QHash<QString, const void*> copyOf;
        auto sameCopy = [&copyOf](const QString& s) {
            if (s.isEmpty())
                return true;
            const void* data = copyOf.value(s, s.constData());
            copyOf.insert(s, data);
            return data == s.constData();
        };
        QHash<QString, const void*> labelsOf;
        for (const AppSummary& app : list->apps) {
            for (const QString* s :
                 {&app.instance, &app.project, &app.destServer, &app.destName, &app.destNamespace,
                  &app.repoURL, &app.path, &app.targetRevision, &app.syncRevision})
                QVERIFY2(sameCopy(*s), qPrintable(app.name + QLatin1String(": ") + *s));
            for (const auto& [key, value] : app.labels)
                QVERIFY2(sameCopy(key) && sameCopy(value), qPrintable(app.name + ": " + key));
            for (const QString& image : app.images)
                QVERIFY2(sameCopy(image), qPrintable(app.name + ": " + image));
            if (!app.labels.isEmpty()) {
                QString text;
                for (const auto& [key, value] : app.labels)
                    text += key + QLatin1Char('=') + value + QLatin1Char(',');
                const void* data = labelsOf.value(text, app.labels.constData());
                labelsOf.insert(text, data);
                QVERIFY2(data == app.labels.constData(), qPrintable(app.name + ": " + text));
            }
        }
        // And a later list of the same fleet takes the very same strings from the pool.
        const Result<AppList> again =
            parseApplicationListFast(body, QStringLiteral("inst"), &pool, &parser);
        QVERIFY(again.ok());
        for (qsizetype i = 0; i < again->apps.size(); ++i)
            QVERIFY(again->apps[i].project.isEmpty() ||
                    again->apps[i].project.constData() == list->apps[i].project.constData());
        ListParser defaults;
        const Result<AppList> byDefault =
            parseApplicationListFast(body, QStringLiteral("inst"), &pool, &defaults);
        QVERIFY(byDefault.ok());
        QCOMPARE(defaults.lastStats().threads,
                 body.size() >= defaults.options().splitBytes ? 2 : 1);
        QCOMPARE(byDefault->apps, list->apps);
    }

    // The split pattern inside an item (a nested array of objects), inside another root key,
    // and a root key after `items`: the two walkers give up and one walks the body whole.
    void splitFallsBackToOneWalker_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("threads");
        QByteArray other;
        for (int i = 0; i < 300; ++i)
            other += (i ? "," : "") + QByteArray(R"({"metadata":{"name":"o"}})");
        const QByteArray items =
            R"([{"metadata":{"name":"a"}},{"metadata":{"name":"b"}},{"metadata":{"name":"c"}}])";
        QTest::newRow("inside an item") << nestedPatternList() << 1;
        QTest::newRow("another root key")
            << QByteArray(R"({"other":[)") + other + R"(],"items":)" + items + "}" << 1;
        QTest::newRow("key after items")
            << QByteArray(R"({"items":[)") + other + R"(],"metadata":{"resourceVersion":"8"}})"
            << 1;
        // The last `items` wins, and the cut is in it: the split holds.
        QTest::newRow("items twice")
            << QByteArray(R"({"items":)") + items + R"(,"items":[)" + other + "]}" << 2;
    }
    void splitFallsBackToOneWalker() {
        QFETCH(QByteArray, body);
        QFETCH(int, threads);
        compareAllPaths(body, true);
        if (QTest::currentTestFailed())
            return;
        ListParser parser(walkOptions(2));
        StringPool pool;
        const Result<AppList> list =
            parseApplicationListFast(body, QStringLiteral("inst"), &pool, &parser);
        QVERIFY(list.ok());
        QVERIFY(parser.lastStats().indexedWalk);
        QCOMPARE(parser.lastStats().threads, threads);
    }

    // Truncation anywhere in a body the walkers split, including around the cut.
    void truncationOfASplitList() {
        const QByteArray body = generatedList(8, 12);
        const qsizetype cut = body.indexOf(R"(},{"metadata":)", body.size() / 2);
        QVERIFY(cut > 0);
        QList<qsizetype> cuts;
        for (qsizetype at = cut - 40; at < cut + 40; ++at)
            cuts << at;
        QRandomGenerator rng(31);
        for (int k = 0; k < 150; ++k)
            cuts << qsizetype(rng.bounded(quint32(body.size() - 1)));
        for (qsizetype at : std::as_const(cuts)) {
            compareParsers(body.left(at), false, nullptr, walkOptions(2));
            if (QTest::currentTestFailed())
                return;
        }
    }

    // Escaped keys and values in what the walk reads are unescaped as the reference does.
    // (Plain literals: moc misreads raw strings holding escapes.)
    void escapesAgree() {
        compareAllPaths(QByteArray("{\"items\":[{\"meta\\u0064ata\":{\"na\\u006de\":"
                                   "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\",\"labels\":{\"k\\u00e9y\":"
                                   "\"\\ud83d\\ude00\",\"z\":\"\\u0000\"}},"
                                   "\"spec\":{\"project\":\"p\\u0041\"}}]}"),
                        true);
        for (const char* bad : {"\\x", "\\u12", "\\ud800", "\\udc00", "\\ud800\\u0041"}) {
            compareAllPaths(QByteArray("{\"items\":[{\"metadata\":{\"name\":\"") + bad + "\"}}]}",
                            false);
            if (QTest::currentTestFailed())
                return;
        }
    }

    // Scalars in fields the walk reads but cannot use (wrong types) are checked in full.
    void scalarsInReadFieldsAgree() {
        for (const char* value : {"1", "-0.5", "1e5", "1E999", "01", "1.", "-", "true", "tru",
                                  "false", "nul", "null", "123456789012345678901234567890"}) {
            compareAllPaths(QByteArray(R"({"items":[{"metadata":{"name":)") + value +
                                R"(,"generation":)" + value +
                                R"(},"spec":{"syncPolicy":{"automated":{"enabled":)" + value +
                                R"(}}}}]})",
                            false);
            if (QTest::currentTestFailed())
                return;
        }
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
        compareAllPaths(body, ok);
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

    // Random byte damage: both parsers agree on whatever comes out, and nothing crashes;
    // where the walk accepts damage the reference rejects, the damage lay in a skipped value
    // and the rows are those of the intact list.
    void damagedBytesAgree() {
        const QByteArray body = generatedList(11, 20);
        const Result<AppList> intact = parseApplicationList(body, QStringLiteral("inst"));
        QVERIFY(intact.ok());
        QRandomGenerator rng(17);
        static const char kBytes[] = "{}[]\",:0 1e-\\\x01\xff\xc3tn";
        int accepted = 0;
        for (int k = 0; k < 400; ++k) {
            QByteArray damaged = body;
            const qsizetype at = qsizetype(rng.bounded(quint32(damaged.size())));
            damaged[at] = kBytes[rng.bounded(quint32(sizeof(kBytes) - 1))];
            accepted += compareDamaged(damaged, *intact, walkOptions(k % 2 ? 2 : 1));
            if (QTest::currentTestFailed())
                return;
        }
        // Several edits at once: no crash, and the same error or the same rows unless the
        // walk accepted what the reference rejects (then nothing is compared: the edits may
        // also have changed values the rows read).
        for (int k = 0; k < 200; ++k) {
            QByteArray damaged = body;
            for (int e = 0; e < 3; ++e) {
                const qsizetype at = qsizetype(rng.bounded(quint32(damaged.size())));
                damaged[at] = kBytes[rng.bounded(quint32(sizeof(kBytes) - 1))];
            }
            const Result<AppList> reference = parseApplicationList(damaged, QStringLiteral("i"));
            ListParser parser(walkOptions(2));
            StringPool pool;
            const Result<AppList> fast =
                parseApplicationListFast(damaged, QStringLiteral("i"), &pool, &parser);
            if (reference.ok() || !fast.ok())
                compareParsers(damaged, false, nullptr, walkOptions(2));
            if (QTest::currentTestFailed())
                return;
        }
        qInfo("the walk accepted %d of 400 single-byte damages (inside skipped values)", accepted);
    }

    // The DOM path (ListParser::Options::indexedWalk off) rejects whatever the reference rejects.
    void domPathRejectsAllDamage() {
        const QByteArray body = generatedList(11, 20);
        QRandomGenerator rng(23);
        static const char kBytes[] = "{}[]\",:0 1e-\\\x01\xff\xc3tn";
        for (int k = 0; k < 300; ++k) {
            QByteArray damaged = body;
            const qsizetype at = qsizetype(rng.bounded(quint32(damaged.size())));
            damaged[at] = kBytes[rng.bounded(quint32(sizeof(kBytes) - 1))];
            compareParsers(damaged, false, nullptr, domOptions());
            if (QTest::currentTestFailed())
                return;
        }
    }

    // A damaged byte at every offset of one item and around it: in what the walk reads, in
    // what it skips (history, resources, operation results) and at the cut of a split body.
    void damageAtEveryOffsetOfAnItem() {
        const QByteArray body = generatedList(5, 3);
        const Result<AppList> intact = parseApplicationList(body, QStringLiteral("inst"));
        QVERIFY(intact.ok());
        const qsizetype from = body.indexOf(R"(},{"metadata":)", body.size() / 2);
        QVERIFY(from > 0);
        const qsizetype to = body.indexOf(R"(},{"metadata":)", from + 1);
        const qsizetype end = to > 0 ? to : body.size() - 8;
        int accepted = 0;
        for (qsizetype at = from - 8; at < end + 8; ++at) {
            // A closing brace, a quote, a letter: structure, strings and scalars broken.
            for (char c : {'}', '\x22', 'x'}) {
                if (body[at] == c)
                    continue;
                QByteArray damaged = body;
                damaged[at] = c;
                accepted += compareDamaged(damaged, *intact, walkOptions(at % 2 ? 2 : 1));
                if (QTest::currentTestFailed())
                    return;
            }
        }
        QVERIFY(accepted > 0); // the offsets do reach skipped values
        qInfo("the walk accepted %d damaged bytes of %lld offsets (inside skipped values)",
              accepted, qint64(end - from + 16));
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
