// The line and word diff behind the managed-resources diff viewer, and the YAML-like rendering
// of resource states (block style, sequences indented under their key like the web UI's
// js-yaml output).
#include "diff/manageddiff.h"
#include "diff/textdiff.h"

#include <QRandomGenerator>
#include <QTest>

using namespace sextant::diff;

namespace {

QStringList lines(int n, const QString& prefix = QStringLiteral("line")) {
    QStringList out;
    for (int i = 0; i < n; ++i)
        out << QStringLiteral("%1 %2").arg(prefix).arg(i);
    return out;
}

// Replays the script: the Equal+Delete steps must rebuild `a`, the Equal+Insert steps `b`.
bool replays(const QVector<Edit>& edits, const QStringList& a, const QStringList& b) {
    QStringList oldSide;
    QStringList newSide;
    for (const Edit& e : edits) {
        if (e.kind != Edit::Kind::Insert)
            oldSide << a.value(e.oldIndex, QStringLiteral("<bad old index>"));
        if (e.kind != Edit::Kind::Delete)
            newSide << b.value(e.newIndex, QStringLiteral("<bad new index>"));
        if (e.kind == Edit::Kind::Equal && a.value(e.oldIndex) != b.value(e.newIndex))
            return false;
    }
    return oldSide == a && newSide == b;
}

int cost(const QVector<Edit>& edits) {
    int c = 0;
    for (const Edit& e : edits)
        c += e.kind == Edit::Kind::Equal ? 0 : 1;
    return c;
}

int lcsDistance(const QStringList& a, const QStringList& b) {
    const int n = int(a.size());
    const int m = int(b.size());
    std::vector<int> table(size_t((n + 1) * (m + 1)), 0); // LCS length of a[i..] and b[j..]
    auto at = [&](int i, int j) -> int& { return table[size_t(i * (m + 1) + j)]; };
    for (int i = n - 1; i >= 0; --i)
        for (int j = m - 1; j >= 0; --j)
            at(i, j) =
                a.at(i) == b.at(j) ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    return n + m - 2 * at(0, 0);
}

QString kinds(const QVector<DiffRow>& rows) {
    QString s;
    for (const DiffRow& r : rows) {
        switch (r.kind) {
        case DiffRow::Kind::Context:
            s += QLatin1Char(' ');
            break;
        case DiffRow::Kind::Added:
            s += QLatin1Char('+');
            break;
        case DiffRow::Kind::Removed:
            s += QLatin1Char('-');
            break;
        case DiffRow::Kind::Gap:
            s += QStringLiteral("[%1]").arg(r.gapLines);
            break;
        }
    }
    return s;
}

} // namespace

class TestTextDiff : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void identical() {
        const QStringList a = lines(10);
        const QVector<Edit> edits = diffLines(a, a);
        QCOMPARE(edits.size(), 10);
        QCOMPARE(cost(edits), 0);
        QVERIFY(replays(edits, a, a));
        // Nothing changed: the whole text is one visible gap.
        const QVector<DiffRow> rows = buildRows(a, a);
        QCOMPARE(kinds(rows), QStringLiteral("[10]"));
        QVERIFY(buildRows({}, {}).isEmpty());
    }

    void insert() {
        const QStringList a = {"a", "b", "c"};
        const QStringList b = {"a", "b", "X", "c"};
        const QVector<Edit> edits = diffLines(a, b);
        QVERIFY(replays(edits, a, b));
        QCOMPARE(cost(edits), 1);
        QCOMPARE(edits[2], (Edit{Edit::Kind::Insert, -1, 2}));
        const QVector<DiffRow> rows = buildRows(a, b);
        QCOMPARE(kinds(rows), QStringLiteral("  + "));
        QCOMPARE(rows[2].newLine, 3);
        QCOMPARE(rows[2].oldLine, 0);
        QCOMPARE(rows[3].oldLine, 3);
        QCOMPARE(rows[3].newLine, 4);
        // Into and from empty.
        QCOMPARE(kinds(buildRows({}, b)), QStringLiteral("++++"));
        QCOMPARE(kinds(buildRows(a, {})), QStringLiteral("---"));
    }

    void remove() {
        const QStringList a = {"a", "b", "c", "d"};
        const QStringList b = {"a", "d"};
        const QVector<Edit> edits = diffLines(a, b);
        QVERIFY(replays(edits, a, b));
        QCOMPARE(cost(edits), 2);
        QCOMPARE(kinds(buildRows(a, b)), QStringLiteral(" -- "));
    }

    void replace() {
        const QStringList a = {"spec:", "  replicas: 3", "  paused: false"};
        const QStringList b = {"spec:", "  replicas: 6", "  paused: false"};
        const QVector<DiffRow> rows = buildRows(a, b);
        QCOMPARE(kinds(rows), QStringLiteral(" -+ "));
        QCOMPARE(rows[1].text, QStringLiteral("  replicas: 3"));
        QCOMPARE(rows[2].text, QStringLiteral("  replicas: 6"));
        // Only the changed word is highlighted.
        QCOMPARE(rows[1].spans, (QVector<Span>{{12, 1}}));
        QCOMPARE(rows[2].spans, (QVector<Span>{{12, 1}}));
    }

    void wordSpansMarkOnlyChangedWords() {
        QVector<Span> o;
        QVector<Span> n;
        wordSpans(QStringLiteral("image: registry.example.com/shop/checkout:v2.41.0"),
                  QStringLiteral("image: registry.example.com/shop/checkout:v2.14.0"), &o, &n);
        QCOMPARE(o.size(), 1);
        QCOMPARE(n.size(), 1);
        QCOMPARE(QStringLiteral("image: registry.example.com/shop/checkout:v2.41.0")
                     .mid(o[0].start, o[0].length),
                 QStringLiteral("v2.41.0"));
        o.clear();
        n.clear();
        wordSpans(QStringLiteral("LOG_LEVEL: debug"), QStringLiteral("LOG_LEVEL: info"), &o, &n);
        QCOMPARE(o, (QVector<Span>{{11, 5}}));
        QCOMPARE(n, (QVector<Span>{{11, 4}}));
        o.clear();
        n.clear();
        wordSpans(QStringLiteral("same"), QStringLiteral("same"), &o, &n);
        QVERIFY(o.isEmpty() && n.isEmpty());
    }

    void gapsBetweenHunks() {
        QStringList a = lines(30);
        QStringList b = a;
        b[10] = QStringLiteral("changed 10");
        b[25] = QStringLiteral("changed 25");
        DiffOptions options;
        options.context = 3;
        const QVector<DiffRow> rows = buildRows(a, b, options);
        // 7 hidden, 3 context, change, 3 context, 8 hidden, 3 context, change, 3 context, 1 hidden.
        QCOMPARE(kinds(rows), QStringLiteral("[7]   -+   [8]   -+   [1]"));
        QCOMPARE(rows[0].oldLine, 1);
        const DiffRow& middleGap = rows[9];
        QVERIFY(middleGap.kind == DiffRow::Kind::Gap);
        QCOMPARE(middleGap.oldLine, 15);
        // Context 0 still shows gaps.
        options.context = 0;
        QCOMPARE(kinds(buildRows(a, b, options)), QStringLiteral("[10]-+[14]-+[4]"));
    }

    void longLinesAreCut() {
        const QString longLine(5000, QLatin1Char('x'));
        DiffOptions options;
        options.maxLineLength = 100;
        const QVector<DiffRow> rows =
            buildRows({longLine + QStringLiteral("a")}, {longLine + QStringLiteral("b")}, options);
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[0].text.size(), 100);
        QCOMPARE(rows[0].truncatedChars, 4901);
        for (const Span& s : rows[0].spans)
            QVERIFY(s.start + s.length <= 100);
    }

    void minimalOnRandomInputs() {
        QRandomGenerator rng(42);
        for (int round = 0; round < 300; ++round) {
            QStringList a;
            QStringList b;
            const int n = int(rng.bounded(12));
            const int m = int(rng.bounded(12));
            for (int i = 0; i < n; ++i)
                a << QString(QChar(u'a' + rng.bounded(4)));
            for (int i = 0; i < m; ++i)
                b << QString(QChar(u'a' + rng.bounded(4)));
            const QVector<Edit> edits = diffLines(a, b);
            QVERIFY2(replays(edits, a, b), qPrintable(a.join("") + " -> " + b.join("")));
            QCOMPARE(cost(edits), lcsDistance(a, b));
        }
    }

    void largeInputs() {
        // 20,000 lines with 50 scattered replacements.
        QStringList a = lines(20000);
        QStringList b = a;
        for (int i = 0; i < 50; ++i)
            b[i * 397 + 11] = QStringLiteral("replaced %1").arg(i);
        const QVector<Edit> edits = diffLines(a, b);
        QVERIFY(replays(edits, a, b));
        QCOMPARE(cost(edits), 100);
        const QVector<DiffRow> rows = buildRows(a, b);
        const RowStats stats = countRows(rows);
        QCOMPARE(stats.added, 50);
        QCOMPARE(stats.removed, 50);
        int hidden = 0;
        for (const DiffRow& r : rows)
            hidden += r.kind == DiffRow::Kind::Gap ? r.gapLines : 0;
        QVERIFY(hidden > 19000);

        // Completely different texts beyond the edit-cost cap: still a correct script.
        const QStringList c = lines(6000, QStringLiteral("other"));
        const QVector<Edit> replaced = diffLines(a.mid(0, 6000), c, /*maxEditCost=*/500);
        QVERIFY(replays(replaced, a.mid(0, 6000), c));
        QCOMPARE(cost(replaced), 12000);
    }

    void yamlRendering() {
        const auto json = nlohmann::json::parse(R"({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": {}},
            "spec": {"replicas": 3, "paused": false,
                     "template": {"spec": {"containers": [
                         {"name": "web", "image": "nginx:1.27", "args": ["--port", "8080"]}]}}},
            "data": {"script": "line1\nline2\n", "empty": "", "yes": "true", "colon": "a: b"}
        })");
        // Keys sorted, as argocd-server (Go) and kubectl emit them.
        const QStringList expected = {
            "apiVersion: apps/v1",
            "data:",
            "  colon: \"a: b\"",
            "  empty: \"\"",
            "  script: |",
            "    line1",
            "    line2",
            "  \"yes\": \"true\"",
            "kind: Deployment",
            "metadata:",
            "  annotations: {}",
            "  labels:",
            "    app: web",
            "  name: web",
            "spec:",
            "  paused: false",
            "  replicas: 3",
            "  template:",
            "    spec:",
            "      containers:",
            "        - args:",
            "            - --port",
            "            - \"8080\"",
            "          image: nginx:1.27",
            "          name: web",
        };
        const QStringList got = toYamlLines(json);
        QCOMPARE(got.join('\n'), expected.join('\n'));
    }

    void managedResources() {
        // States are JSON strings; "null" or a missing field means "does not exist".
        auto item = [](const char* kind, const char* name, const char* live, const char* predicted,
                       bool modified) {
            nlohmann::json i = {{"group", ""},
                                {"kind", kind},
                                {"namespace", "shop"},
                                {"name", name},
                                {"modified", modified}};
            if (live)
                i["normalizedLiveState"] = live;
            if (predicted)
                i["predictedLiveState"] = predicted;
            return i;
        };
        nlohmann::json items = nlohmann::json::array();
        items.push_back(
            item("Service", "same", R"({"spec":{"port":80}})", R"({"spec":{"port":80}})", false));
        items.push_back(item("Deployment", "web", R"({"spec":{"replicas":6}})",
                             R"({"spec":{"replicas":3}})", true));
        items.push_back(item("ConfigMap", "new", "null", R"({"data":{"a":"1"}})", true));
        items.push_back(item("Secret", "old", R"({"data":{"a":"++++++++"}})", nullptr, true));
        items.push_back(item("ConfigMap", "broken", "{not json", "{}", true));
        const nlohmann::json body = {{"items", items}};
        const ManagedDiff d = computeManagedDiff(body);
        QCOMPARE(d.resources.size(), 5);
        QCOMPARE(d.modifiedCount, 4);
        // Modified resources first, the unchanged Service last.
        QCOMPARE(d.resources.last().name, QStringLiteral("same"));
        QVERIFY(d.resources.last().change == ResourceDiff::Change::Unchanged);
        const ResourceDiff& web = d.resources[0];
        QCOMPARE(web.title(), QStringLiteral("Deployment shop/web"));
        QVERIFY(web.change == ResourceDiff::Change::Modified);
        QCOMPARE(kinds(web.rows), QStringLiteral(" -+"));
        QCOMPARE(web.rows[1].text, QStringLiteral("  replicas: 6"));
        QCOMPARE(web.rows[2].text, QStringLiteral("  replicas: 3"));
        QVERIFY(d.resources[1].change == ResourceDiff::Change::Created);
        QCOMPARE(d.resources[1].added, 2);
        QVERIFY(d.resources[2].change == ResourceDiff::Change::Pruned);
        QCOMPARE(d.resources[2].removed, 2);
        QVERIFY(!d.resources[3].parseError.isEmpty());
        QCOMPARE(computeManagedDiff(nlohmann::json::object()).resources.size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestTextDiff)
#include "tst_textdiff.moc"
