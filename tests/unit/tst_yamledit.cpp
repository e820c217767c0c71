// Line-level YAML edits: only the edited token or the inserted lines change, every other byte
// (comments, quoting, indentation, CRLF) stays, and the edited file reads back as intended.

#include "gitops/yamledit.h"

#include <QTest>

using namespace sextant;
using namespace sextant::gitops;

namespace {

// The error of a failed result, for test messages (empty when it succeeded).
template <typename T>
QByteArray why(const Result<T>& r) {
    return r.ok() ? QByteArray() : r.error().toString().toUtf8();
}

// The lines of `after` that differ from `before` (same line count expected).
QList<QByteArray> changedLines(const QByteArray& before, const QByteArray& after) {
    const QList<QByteArray> a = before.split('\n');
    const QList<QByteArray> b = after.split('\n');
    QList<QByteArray> out;
    if (a.size() != b.size())
        return {"<line count differs>"};
    for (int i = 0; i < a.size(); ++i)
        if (a[i] != b[i])
            out << b[i];
    return out;
}

QString read(const QByteArray& content, const QString& path, const DocSelector& doc = {}) {
    auto v = readScalar(content, doc, parseYamlPath(path));
    if (!v.ok())
        return QStringLiteral("<error: %1>").arg(v.error().shortMessage);
    return v->has_value() ? **v : QStringLiteral("<absent>");
}

const QByteArray kDeployment = R"(# Checkout, production.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout   # keep in sync with the Service
  labels:
    app: checkout
spec:
  replicas: 2 # HPA min
  template:
    spec:
      containers:
        - name: sidecar
          image: 'envoy:1.29'
        - name: checkout
          # pinned by the release job
          image: "registry.example.com/shop/checkout:v2.41.0"
          resources:
            limits:
              memory: 512Mi
)";

} // namespace

class TestYamlEdit : public QObject {
    Q_OBJECT

private slots:
    void pathSyntax() {
        QCOMPARE(parseYamlPath(QStringLiteral("spec.template.spec.containers[name=web].image")),
                 (QStringList{"spec", "template", "spec", "containers", "[name=web]", "image"}));
        QCOMPARE(parseYamlPath(QStringLiteral("[0].value")), (QStringList{"[0]", "value"}));
        QCOMPARE(parseYamlPath(QStringLiteral("images[name=a.b/c].newTag")),
                 (QStringList{"images", "[name=a.b/c]", "newTag"}));
        QCOMPARE(yamlPathString({"spec", "containers", "[1]", "image"}),
                 QStringLiteral("spec.containers[1].image"));
    }

    void replaceKeepsQuotingCommentsAndEveryOtherByte() {
        auto c = setScalar(kDeployment, {},
                           parseYamlPath("spec.template.spec.containers[name=checkout].image"),
                           QStringLiteral("registry.example.com/shop/checkout:v2.14.0"));
        QVERIFY2(c.ok(), why(c).constData());
        QCOMPARE(c->line, 17);
        QCOMPARE(c->previous, QStringLiteral("registry.example.com/shop/checkout:v2.41.0"));
        QVERIFY(!c->inserted);
        QCOMPARE(changedLines(kDeployment, c->content),
                 (QList<QByteArray>{
                     R"(          image: "registry.example.com/shop/checkout:v2.14.0")"}));
        QCOMPARE(read(c->content, "spec.template.spec.containers[name=checkout].image"),
                 QStringLiteral("registry.example.com/shop/checkout:v2.14.0"));
        // The other container is untouched.
        QCOMPARE(read(c->content, "spec.template.spec.containers[0].image"),
                 QStringLiteral("envoy:1.29"));

        // Single quotes stay single quotes; a trailing comment stays.
        auto s = setScalar(kDeployment, {}, parseYamlPath("spec.template.spec.containers[0].image"),
                           QStringLiteral("envoy:1.30"));
        QVERIFY(s.ok());
        QCOMPARE(changedLines(kDeployment, s->content),
                 (QList<QByteArray>{"          image: 'envoy:1.30'"}));
        auto r = setScalar(kDeployment, {}, parseYamlPath("spec.replicas"), QStringLiteral("4"));
        QVERIFY(r.ok());
        QCOMPARE(changedLines(kDeployment, r->content),
                 (QList<QByteArray>{"  replicas: 4 # HPA min"}));
        auto n = setScalar(kDeployment, {}, parseYamlPath("metadata.name"),
                           QStringLiteral("checkout-v2"));
        QVERIFY(n.ok());
        QCOMPARE(changedLines(kDeployment, n->content),
                 (QList<QByteArray>{"  name: checkout-v2   # keep in sync with the Service"}));
    }

    void stringStyleQuotesWhatWouldNotReadAsAString() {
        const QByteArray kust = "images:\n  - name: app\n    newTag: v1 # tag\n";
        auto c = setScalar(kust, {}, parseYamlPath("images[name=app].newTag"),
                           QStringLiteral("1.10"), {ScalarStyle::String, false});
        QVERIFY(c.ok());
        QCOMPARE(c->content, QByteArray("images:\n  - name: app\n    newTag: \"1.10\" # tag\n"));
        QCOMPARE(read(c->content, "images[name=app].newTag"), QStringLiteral("1.10"));
        // Auto keeps numbers plain.
        auto a = setScalar(kust, {}, parseYamlPath("images[0].newTag"), QStringLiteral("2"));
        QVERIFY(a.ok());
        QCOMPARE(a->content, QByteArray("images:\n  - name: app\n    newTag: 2 # tag\n"));
        // A value with ": " or a leading indicator is quoted whatever the style.
        auto q = setScalar(kust, {}, parseYamlPath("images[0].newTag"), QStringLiteral("a: b"));
        QVERIFY(q.ok());
        QCOMPARE(read(q->content, "images[0].newTag"), QStringLiteral("a: b"));
        QVERIFY(plainScalarIsNonString("true"));
        QVERIFY(plainScalarIsNonString("0x1F"));
        QVERIFY(plainScalarIsNonString("1e3"));
        QVERIFY(plainScalarIsNonString("no"));
        QVERIFY(plainScalarIsNonString("2024-01-31"));
        QVERIFY(!plainScalarIsNonString("v2.14.0"));
        QVERIFY(!plainScalarIsNonString("512Mi"));
        QVERIFY(!plainScalarIsNonString("info"));
    }

    void insertMissingKeyWithSiblingIndentation() {
        const QByteArray cm = "apiVersion: v1\n"
                              "kind: ConfigMap\n"
                              "metadata:\n"
                              "    name: web-config\n"
                              "data:\n"
                              "    # structured logs\n"
                              "    LOG_FORMAT: json\n"
                              "    CDN_URL: \"https://cdn.example.com\"\n"
                              "\n"
                              "# end of file\n";
        auto c = setScalar(cm, {}, {"data", "LOG_LEVEL"}, QStringLiteral("info"),
                           {ScalarStyle::String, true});
        QVERIFY2(c.ok(), why(c).constData());
        QVERIFY(c->inserted);
        QCOMPARE(c->line, 9);
        QCOMPARE(c->content, QByteArray("apiVersion: v1\n"
                                        "kind: ConfigMap\n"
                                        "metadata:\n"
                                        "    name: web-config\n"
                                        "data:\n"
                                        "    # structured logs\n"
                                        "    LOG_FORMAT: json\n"
                                        "    CDN_URL: \"https://cdn.example.com\"\n"
                                        "    LOG_LEVEL: info\n"
                                        "\n"
                                        "# end of file\n"));
        // Without createMissing the key is reported missing.
        auto m = setScalar(cm, {}, {"data", "LOG_LEVEL"}, QStringLiteral("info"));
        QVERIFY(!m.ok());
        QCOMPARE(m.error().kind, Error::Kind::NotFound);
        // Nested missing keys use the document's indentation step (4 here).
        auto nested = setScalar(cm, {}, {"metadata", "labels", "team"}, QStringLiteral("shop"),
                                {ScalarStyle::String, true});
        QVERIFY(nested.ok());
        QVERIFY(
            nested->content.contains("    name: web-config\n    labels:\n        team: shop\n"));
        QCOMPARE(read(nested->content, "metadata.labels.team"), QStringLiteral("shop"));
        // A key whose value is null gets its first child.
        const QByteArray empty = "kind: ConfigMap\ndata: # filled per environment\nother: 1\n";
        auto e =
            setScalar(empty, {}, {"data", "A"}, QStringLiteral("yes"), {ScalarStyle::String, true});
        QVERIFY2(e.ok(), why(e).constData());
        QCOMPARE(e->content,
                 QByteArray(
                     "kind: ConfigMap\ndata: # filled per environment\n  A: \"yes\"\nother: 1\n"));
    }

    void insertAfterNestedBlockAndBlockScalar() {
        const QByteArray y = "spec:\n"
                             "  containers:\n"
                             "    - name: a\n"
                             "      resources:\n"
                             "        requests:\n"
                             "          cpu: 100m\n"
                             "      args:\n"
                             "        - |\n"
                             "          multi\n"
                             "\n"
                             "          line\n"
                             "  replicas: 1\n";
        auto c = setScalar(y, {}, parseYamlPath("spec.containers[name=a].resources.limits.memory"),
                           QStringLiteral("1Gi"), {ScalarStyle::String, true});
        QVERIFY2(c.ok(), why(c).constData());
        QVERIFY(
            c->content.contains("          cpu: 100m\n        limits:\n          memory: 1Gi\n"));
        // A key added to the container goes after the block scalar, blank line included.
        auto d = setScalar(y, {}, parseYamlPath("spec.containers[name=a].image"),
                           QStringLiteral("app:1"), {ScalarStyle::String, true});
        QVERIFY2(d.ok(), why(d).constData());
        QVERIFY(d->content.contains("          line\n      image: app:1\n  replicas: 1\n"));
        QCOMPARE(read(d->content, "spec.containers[0].args[0]"), QStringLiteral("multi\n\nline\n"));
    }

    void multiDocumentPicksByKindAndName() {
        const QByteArray y =
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  K: one\n"
            "---\n"
            "# second\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  K: one\n"
            "---\n"
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n";
        auto c = setScalar(y, {QStringLiteral("ConfigMap"), QStringLiteral("b")}, {"data", "K"},
                           QStringLiteral("two"));
        QVERIFY(c.ok());
        QCOMPARE(c->line, 14);
        QCOMPARE(read(c->content, "data.K", {QStringLiteral("ConfigMap"), QStringLiteral("a")}),
                 QStringLiteral("one"));
        QCOMPARE(read(c->content, "data.K", {QStringLiteral("ConfigMap"), QStringLiteral("b")}),
                 QStringLiteral("two"));
        // Inserting into the first document stays before its "---".
        auto i = setScalar(y, {QStringLiteral("ConfigMap"), QStringLiteral("a")}, {"data", "L"},
                           QStringLiteral("x"), {ScalarStyle::String, true});
        QVERIFY(i.ok());
        QVERIFY(i->content.startsWith("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
                                      "data:\n  K: one\n  L: x\n---\n# second\n"));
        auto missing =
            setScalar(y, {QStringLiteral("Deployment"), QString()}, {"spec"}, QStringLiteral("x"));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().kind, Error::Kind::NotFound);
    }

    void appendListItems() {
        const QByteArray k = "configMapGenerator:\n"
                             "- name: app\n"
                             "  literals:\n"
                             "  - LOG_FORMAT=json # default\n"
                             "  - CDN=https://x\n"
                             "  options:\n"
                             "    disableNameSuffixHash: true\n";
        auto c = appendListItem(k, {}, parseYamlPath("configMapGenerator[name=app].literals"),
                                QStringLiteral("LOG_LEVEL=info"), {ScalarStyle::String, false});
        QVERIFY2(c.ok(), why(c).constData());
        QCOMPARE(c->content, QByteArray("configMapGenerator:\n"
                                        "- name: app\n"
                                        "  literals:\n"
                                        "  - LOG_FORMAT=json # default\n"
                                        "  - CDN=https://x\n"
                                        "  - LOG_LEVEL=info\n"
                                        "  options:\n"
                                        "    disableNameSuffixHash: true\n"));
        QCOMPARE(read(c->content, "configMapGenerator[0].literals[2]"),
                 QStringLiteral("LOG_LEVEL=info"));
        // A missing list is created with createMissing.
        const QByteArray g = "configMapGenerator:\n  - name: app\n    envs:\n      - app.env\n";
        auto m = appendListItem(g, {}, parseYamlPath("configMapGenerator[0].literals"),
                                QStringLiteral("A=1"), {ScalarStyle::String, true});
        QVERIFY2(m.ok(), why(m).constData());
        QCOMPARE(m->content, QByteArray("configMapGenerator:\n  - name: app\n    envs:\n"
                                        "      - app.env\n    literals:\n      - A=1\n"));
    }

    void flowStyleAndUnsafeTargetsAreRefused() {
        const QByteArray flow = "images: [{name: app, newTag: v1}]\n"
                                "data: {A: b}\n"
                                "text: |\n  hello\n"
                                "quoted: \"one\n  two\"\n"
                                "anchor: &a value\n"
                                "multi: first\n  second\n";
        for (const char* path : {"images[0].newTag", "data.A", "data.B"}) {
            auto c = setScalar(flow, {}, parseYamlPath(path), QStringLiteral("x"),
                               {ScalarStyle::Auto, true});
            QVERIFY2(!c.ok(), path);
            QCOMPARE(c.error().kind, Error::Kind::Config);
            QVERIFY2(c.error().shortMessage.contains(QLatin1String("flow style")),
                     why(c).constData());
        }
        auto l = appendListItem(flow, {}, {"images"}, QStringLiteral("x"));
        QVERIFY(!l.ok());
        QVERIFY(l.error().shortMessage.contains(QLatin1String("flow style")));
        auto b = setScalar(flow, {}, {"text"}, QStringLiteral("x"));
        QVERIFY(!b.ok());
        QVERIFY(b.error().shortMessage.contains(QLatin1String("block scalar")));
        auto q = setScalar(flow, {}, {"quoted"}, QStringLiteral("x"));
        QVERIFY(!q.ok());
        QVERIFY(q.error().shortMessage.contains(QLatin1String("next line")));
        auto a = setScalar(flow, {}, {"anchor"}, QStringLiteral("x"));
        QVERIFY(!a.ok());
        // A plain scalar continued on the next line: the read-back check catches it.
        auto m = setScalar(flow, {}, {"multi"}, QStringLiteral("x"));
        QVERIFY(!m.ok());
        QCOMPARE(m.error().kind, Error::Kind::Protocol);
        // Not a scalar; list item missing; syntax error.
        QVERIFY(!setScalar(kDeployment, {}, {"spec"}, QStringLiteral("x")).ok());
        auto li =
            setScalar(kDeployment, {}, parseYamlPath("spec.template.spec.containers[name=x].image"),
                      QStringLiteral("x"), {ScalarStyle::Auto, true});
        QVERIFY(!li.ok());
        QCOMPARE(li.error().kind, Error::Kind::NotFound);
        auto bad = setScalar("a: [\n", {}, {"a"}, QStringLiteral("x"));
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().kind, Error::Kind::Config);
    }

    void crlfAndMissingFinalNewlineSurvive() {
        const QByteArray crlf = "data:\r\n  A: one # c\r\n  B: two\r\n";
        auto c = setScalar(crlf, {}, {"data", "A"}, QStringLiteral("uno"));
        QVERIFY(c.ok());
        QCOMPARE(c->content, QByteArray("data:\r\n  A: uno # c\r\n  B: two\r\n"));
        auto i = setScalar(crlf, {}, {"data", "C"}, QStringLiteral("three"),
                           {ScalarStyle::String, true});
        QVERIFY(i.ok());
        QCOMPARE(i->content, QByteArray("data:\r\n  A: one # c\r\n  B: two\r\n  C: three\r\n"));
        const QByteArray noEol = "a: 1\nb: 2";
        auto n = setScalar(noEol, {}, {"b"}, QStringLiteral("3"));
        QVERIFY(n.ok());
        QCOMPARE(n->content, QByteArray("a: 1\nb: 3"));
    }

    void unifiedDiffOfAnEdit() {
        QByteArray before;
        for (int i = 1; i <= 20; ++i)
            before +=
                QByteArray("k") + QByteArray::number(i) + ": v" + QByteArray::number(i) + "\n";
        auto c = setScalar(before, {}, {"k10"}, QStringLiteral("changed"));
        QVERIFY(c.ok());
        const QString d = unifiedDiff(QStringLiteral("dir/file.yaml"), before, c->content);
        QCOMPARE(d, QStringLiteral("--- a/dir/file.yaml\n+++ b/dir/file.yaml\n"
                                   "@@ -7,7 +7,7 @@\n"
                                   " k7: v7\n k8: v8\n k9: v9\n"
                                   "-k10: v10\n+k10: changed\n"
                                   " k11: v11\n k12: v12\n k13: v13\n"));
        // An insertion, and two far-apart changes give two hunks.
        auto ins = setScalar(before, {}, {"k21"}, QStringLiteral("new"), {ScalarStyle::Auto, true});
        QVERIFY(ins.ok());
        QCOMPARE(unifiedDiff(QStringLiteral("f"), before, ins->content),
                 QStringLiteral("--- a/f\n+++ b/f\n@@ -18,3 +18,4 @@\n k18: v18\n k19: v19\n"
                                " k20: v20\n+k21: new\n"));
        auto two = setScalar(c->content, {}, {"k1"}, QStringLiteral("first"));
        QVERIFY(two.ok());
        QCOMPARE(
            unifiedDiff(QStringLiteral("f"), before, two->content).count(QLatin1String("@@ -")), 2);
        QVERIFY(unifiedDiff(QStringLiteral("f"), before, before).isEmpty());
        QCOMPARE(unifiedDiff(QStringLiteral("f"), "a\n", "a"),
                 QStringLiteral(
                     "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n+a\n\\ No newline at end of file\n"));
    }
};

QTEST_GUILESS_MAIN(TestYamlEdit)
#include "tst_yamledit.moc"
