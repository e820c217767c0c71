// The evidence bundle (docs/evidence-bundle.md): round trip, the shapes Kubernetes produces
// (EventList, YAML manifests), the caps applied while loading (and their notes), and typed
// errors for malformed input.

#include "analysis/evidence.h"

#include <QTest>

using namespace sextant;
using namespace sextant::analysis;

namespace {

QByteArray dump(const Json& j) {
    const std::string s = j.dump();
    return QByteArray(s.data(), qsizetype(s.size()));
}

Json makeEvent(const std::string& type, const std::string& reason, const std::string& ts) {
    return Json{{"type", type},
                {"reason", reason},
                {"message", reason + " at " + ts},
                {"lastTimestamp", ts},
                {"involvedObject", {{"kind", "Pod"}, {"name", "web-1"}, {"namespace", "shop"}}}};
}

} // namespace

class TestEvidenceBundle : public QObject {
    Q_OBJECT

private slots:
    void roundTrip() {
        const QByteArray in =
            "{\n"
            "  \"format\": \"sextant.evidence/v1\",\n"
            "  \"collectedAt\": \"2026-11-26T16:20:00Z\",\n"
            "  \"instance\": \"prod-eu\",\n"
            "  \"application\": {\"metadata\": {\"name\": \"payments-api\", \"namespace\": "
            "\"argocd\"},\n"
            "                  \"status\": {\"health\": {\"status\": \"Degraded\"}}},\n"
            "  \"resourceTree\": {\"nodes\": [{\"kind\": \"Pod\", \"name\": \"p\", \"health\": "
            "{\"status\": \"Degraded\"}}]},\n"
            "  \"events\": [{\"type\": \"Warning\", \"reason\": \"BackOff\", \"message\": \"m\", "
            "\"count\": 3}],\n"
            "  \"pods\": [{\"metadata\": {\"name\": \"p\"}, \"status\": {\"phase\": "
            "\"Running\"}}],\n"
            "  \"logs\": [{\"pod\": \"p\", \"namespace\": \"n\", \"container\": \"c\", "
            "\"previous\": true,\n"
            "            \"lines\": [\"panic: boom\"]}],\n"
            "  \"manifests\": [{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"}],\n"
            "  \"revisions\": [{\"revision\": \"abc\", \"author\": \"A <a@x>\", \"message\": "
            "\"m\"}],\n"
            "  \"gitDiff\": \"diff --git a/x b/x\\n+a\\n\",\n"
            "  \"gitDiffRange\": \"a..b\",\n"
            "  \"text\": [{\"title\": \"t\", \"source\": \"kubectl\", \"text\": \"line 1\\nline "
            "2\"}],\n"
            "  \"notes\": [\"collected with care\"],\n"
            "  \"expected\": {\"primary\": \"CrashLoop\"}\n"
            "}";
        const auto a = EvidenceBundle::fromJson(in);
        QVERIFY2(a.ok(), a.ok() ? "" : qPrintable(a.error().toString()));
        QCOMPARE(a->appName, QStringLiteral("payments-api"));
        QCOMPARE(a->appNamespace, QStringLiteral("argocd"));
        QCOMPARE(a->instance, QStringLiteral("prod-eu"));
        QCOMPARE(a->collectedAt, QDateTime(QDate(2026, 11, 26), QTime(16, 20), Qt::UTC));
        QCOMPARE(a->notes, QStringList{QStringLiteral("collected with care")});

        const auto b = EvidenceBundle::fromJson(a->toJson());
        QVERIFY(b.ok());
        QCOMPARE(b->toJson(), a->toJson());
        QVERIFY(b->application == a->application);
        QVERIFY(b->resourceTree == a->resourceTree);
        QVERIFY(b->events == a->events);
        QVERIFY(b->pods == a->pods);
        QVERIFY(b->logs == a->logs);
        QVERIFY(b->manifests == a->manifests);
        QVERIFY(b->revisions == a->revisions);
        QCOMPARE(b->gitDiff, a->gitDiff);
        QCOMPARE(b->gitDiffRange, a->gitDiffRange);
        QVERIFY(b->text == a->text);
        QCOMPARE(b->notes, a->notes);
        QCOMPARE(b->collectedAt, a->collectedAt);
        // The label is not part of the bundle.
        QVERIFY(!a->toJson().contains("expected"));
        // The documented order: format first.
        QVERIFY(a->toJson().indexOf("\"format\"") < a->toJson().indexOf("\"application\""));
    }

    void emptyAndTextOnlyBundlesAreValid() {
        const auto empty = EvidenceBundle::fromJson("{}");
        QVERIFY(empty.ok());
        QVERIFY(empty->application.is_null());
        const auto text = EvidenceBundle::fromJson("{\"text\": [{\"title\": \"kubectl describe pod "
                                                   "x\", \"text\": \"Reason: OOMKilled\"}]}");
        QVERIFY(text.ok());
        QCOMPARE(text->text.size(), std::size_t(1));
        // A name without the Application object survives a round trip.
        EvidenceBundle named;
        named.appName = QStringLiteral("web");
        named.appNamespace = QStringLiteral("argocd");
        const auto again = EvidenceBundle::fromJson(named.toJson());
        QVERIFY(again.ok());
        QCOMPARE(again->appName, QStringLiteral("web"));
        QCOMPARE(again->appNamespace, QStringLiteral("argocd"));
    }

    void eventListAndYamlManifests() {
        const QByteArray in = "{\n"
                              "  \"events\": {\"kind\": \"EventList\", \"apiVersion\": \"v1\", "
                              "\"items\": [{\"type\": \"Normal\", \"reason\": \"Pulled\"}]},\n"
                              "  \"manifests\": [\"apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n "
                              " name: cfg\\ndata:\\n  replicas: \\\"3\\\"\\n  n: "
                              "3\\n---\\napiVersion: v1\\nkind: Service\\n\",\n"
                              "                {\"kind\": \"Secret\"}]\n"
                              "}";
        const auto b = EvidenceBundle::fromJson(in);
        QVERIFY2(b.ok(), b.ok() ? "" : qPrintable(b.error().toString()));
        QCOMPARE(b->events.size(), std::size_t(1));
        QVERIFY(b->events[0]["reason"] == "Pulled");
        QCOMPARE(b->manifests.size(), std::size_t(3));
        QVERIFY(b->manifests[0]["metadata"]["name"] == "cfg");
        QVERIFY(b->manifests[0]["data"]["replicas"] == "3"); // quoted stays a string
        QVERIFY(b->manifests[0]["data"]["n"] == 3);
        QVERIFY(b->manifests[1]["kind"] == "Service");
        QVERIFY(b->manifests[2]["kind"] == "Secret");
    }

    void capsEvents() {
        Json events = Json::array();
        for (int i = 0; i < 10; ++i) // Normal events, newest last
            events.push_back(
                makeEvent("Normal", "Pulled", "2026-11-26T10:0" + std::to_string(i) + ":00Z"));
        events.push_back(
            makeEvent("Warning", "BackOff", "2026-11-26T09:00:00Z")); // old but Warning
        EvidenceCaps caps;
        caps.maxEvents = 3;
        const auto b = EvidenceBundle::fromJson(dump(Json{{"events", events}}), caps);
        QVERIFY(b.ok());
        QCOMPARE(b->events.size(), std::size_t(3));
        // Warnings first, then the newest; original order kept.
        QVERIFY(b->events[0]["lastTimestamp"] == "2026-11-26T10:08:00Z");
        QVERIFY(b->events[1]["lastTimestamp"] == "2026-11-26T10:09:00Z");
        QVERIFY(b->events[2]["reason"] == "BackOff");
        QCOMPARE(b->notes.size(), 1);
        QVERIFY2(b->notes[0].contains(QLatin1String("kept 3 of 11")), qPrintable(b->notes[0]));
    }

    void capsLogsToErrorWindows() {
        Json lines = Json::array();
        for (int i = 0; i < 1000; ++i)
            lines.push_back(i == 500 ? "panic: invalid DATABASE_POOL_SIZE"
                                     : "level=info msg=\"tick " + std::to_string(i) + "\"");
        Json logs = Json::array({Json{{"pod", "p"}, {"container", "c"}, {"lines", lines}}});
        EvidenceCaps caps;
        caps.maxLogLinesPerStream = 100;
        caps.logWindowBefore = 2;
        caps.logWindowAfter = 3;
        const auto b = EvidenceBundle::fromJson(dump(Json{{"logs", logs}}), caps);
        QVERIFY(b.ok());
        const Json& kept = b->logs[0]["lines"];
        QCOMPARE(kept.size(), std::size_t(6)); // 2 before, the error, 3 after
        QVERIFY(kept[2] == "panic: invalid DATABASE_POOL_SIZE");
        QVERIFY(b->notes.join(QLatin1Char('\n')).contains(QLatin1String("kept 6 of 1000")));

        // Without an error line the newest lines are kept.
        Json quiet = Json::array();
        for (int i = 0; i < 50; ++i)
            quiet.push_back("ok " + std::to_string(i));
        caps.maxLogLinesPerStream = 10;
        const auto q = EvidenceBundle::fromJson(
            dump(Json{{"logs", Json::array({Json{{"pod", "p"}, {"lines", quiet}}})}}), caps);
        QVERIFY(q.ok());
        QCOMPARE(q->logs[0]["lines"].size(), std::size_t(10));
        QVERIFY(q->logs[0]["lines"][9] == "ok 49");
    }

    void capsLinesTextDiffAndPods() {
        EvidenceCaps caps;
        caps.maxLineChars = 10;
        caps.maxTextBlockLines = 2;
        caps.maxDiffBytes = 12;
        caps.maxPods = 1;
        const Json in = {{"logs", Json::array({Json{{"pod", "a"}, {"lines", {"0123456789abcdef"}}},
                                               Json{{"pod", "b"}, {"lines", {"x"}}}})},
                         {"text", Json::array({Json{{"title", "t"}, {"text", "one\ntwo\nthree"}}})},
                         {"gitDiff", "+line one\n+line two\n"}};
        const auto b = EvidenceBundle::fromJson(dump(in), caps);
        QVERIFY(b.ok());
        QCOMPARE(b->logs.size(), std::size_t(1)); // only one pod's logs
        QCOMPARE(QString::fromStdString(b->logs[0]["lines"][0].get<std::string>()),
                 QStringLiteral("0123456789") + QChar(0x2026));
        QVERIFY(b->text[0]["text"] == "one\ntwo");
        QCOMPARE(b->gitDiff, QStringLiteral("+line one\n")); // whole lines only
        const QString notes = b->notes.join(QLatin1Char('\n'));
        QVERIFY2(notes.contains(QLatin1String("logs: kept the streams of 1 pods")),
                 qPrintable(notes));
        QVERIFY(notes.contains(QLatin1String("cut to 10 characters")));
        QVERIFY(notes.contains(QLatin1String("kept 2 of 3 lines")));
        QVERIFY(notes.contains(QLatin1String("gitDiff: kept 10 of 20 bytes")));
    }

    void malformed_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("shortPart");
        QTest::addColumn<QString>("detailPart");
        const int protocol = int(Error::Kind::Protocol);
        QTest::newRow("not json") << QByteArray("{\n  \"events\": [\n  oops\n]}") << protocol
                                  << "not valid JSON"
                                  << "line 3";
        QTest::newRow("array at top") << QByteArray("[]") << protocol << "not a JSON object"
                                      << "array";
        QTest::newRow("events string")
            << QByteArray("{\"events\": \"x\"}") << protocol << "'events'"
            << "array";
        QTest::newRow("event not object")
            << QByteArray("{\"events\": [1]}") << protocol << "'events'"
            << "object";
        QTest::newRow("application array")
            << QByteArray("{\"application\": []}") << protocol << "'application'"
            << "object";
        QTest::newRow("bad manifest yaml")
            << QByteArray("{\"manifests\": [\"a: [1,\\nb: 2\"]}") << protocol << "'manifests'"
            << "manifests[0]: YAML line";
        QTest::newRow("manifest number")
            << QByteArray("{\"manifests\": [3]}") << protocol << "'manifests'"
            << "manifests[0]";
        QTest::newRow("logs lines")
            << QByteArray("{\"logs\": [{\"pod\": \"p\", \"lines\": 3}]}") << protocol << "'logs'"
            << "logs[0].lines";
        QTest::newRow("text without text")
            << QByteArray("{\"text\": [{\"title\": \"t\"}]}") << protocol << "'text'"
            << "text[0]";
        QTest::newRow("gitDiff number") << QByteArray("{\"gitDiff\": 3}") << protocol << "'gitDiff'"
                                        << "string";
        QTest::newRow("wrong format")
            << QByteArray("{\"format\": \"other/v9\"}") << int(Error::Kind::Config)
            << "Unsupported evidence bundle format"
            << "other/v9";
    }

    void malformed() {
        QFETCH(QByteArray, json);
        QFETCH(int, kind);
        QFETCH(QString, shortPart);
        QFETCH(QString, detailPart);
        const auto b = EvidenceBundle::fromJson(json);
        QVERIFY(!b.ok());
        QCOMPARE(int(b.error().kind), kind);
        QVERIFY2(b.error().shortMessage.contains(shortPart), qPrintable(b.error().shortMessage));
        QVERIFY2(b.error().details.contains(detailPart), qPrintable(b.error().details));
    }

    void diagnosisItemLookup() {
        Diagnosis d;
        EvidenceItem a;
        a.id = QStringLiteral("E1");
        a.text = QStringLiteral("first");
        EvidenceItem b;
        b.id = QStringLiteral("E2");
        b.text = QStringLiteral("second");
        d.evidence = {a, b};
        QVERIFY(d.item(QStringLiteral("E2")));
        QCOMPARE(d.item(QStringLiteral("E2"))->text, QStringLiteral("second"));
        QVERIFY(!d.item(QStringLiteral("E3")));
    }
};

QTEST_GUILESS_MAIN(TestEvidenceBundle)
#include "tst_evidencebundle.moc"
