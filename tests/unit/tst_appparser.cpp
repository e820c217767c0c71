// Application list / watch event parsing into AppSummary.

#include "argocd/appparser.h"

#include <QFile>
#include <QTest>

using namespace sextant;
using namespace sextant::argocd;
using json = nlohmann::json;

namespace {

QByteArray listSample() {
    QFile f(QStringLiteral(SEXTANT_TEST_DATA_DIR "/argocd/app-list-sample.json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing test data app-list-sample.json");
    return f.readAll();
}

} // namespace

class TestAppParser : public QObject {
    Q_OBJECT
private slots:
    void singleSource() {
        const auto r = parseApplicationList(listSample(), QStringLiteral("prod-eu"));
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->resourceVersion, QStringLiteral("123456"));
        QCOMPARE(r->apps.size(), 3);
        const AppSummary& a = r->apps[0];
        QCOMPARE(a.instance, QStringLiteral("prod-eu"));
        QCOMPARE(a.name, QStringLiteral("guestbook"));
        QCOMPARE(a.appNamespace, QStringLiteral("argocd"));
        QCOMPARE(a.project, QStringLiteral("default"));
        QCOMPARE(a.cluster(), QStringLiteral("https://kubernetes.default.svc"));
        QCOMPARE(a.destNamespace, QStringLiteral("guestbook"));
        QCOMPARE(a.repoURL, QStringLiteral("https://github.com/argoproj/argocd-example-apps.git"));
        QCOMPARE(a.path, QStringLiteral("guestbook"));
        QCOMPARE(a.targetRevision, QStringLiteral("HEAD"));
        QVERIFY(!a.multiSource);
        QVERIFY(a.autoSync);
        QCOMPARE(toString(a.sync), toString(SyncStatus::OutOfSync));
        QCOMPARE(a.syncRevision, QStringLiteral("ea8759964626a583667a2bfd08f334ec2070040a"));
        QCOMPARE(toString(a.health), toString(HealthStatus::Degraded));
        QCOMPARE(a.healthMessage, QStringLiteral("Deployment exceeded its progress deadline"));
        QCOMPARE(toString(a.operationPhase), toString(OperationPhase::Failed));
        QVERIFY(a.syncFailed());
        QCOMPARE(a.operationStartedAt, QDateTime(QDate(2024, 3, 5), QTime(7, 33, 3), Qt::UTC));
        QCOMPARE(a.operationFinishedAt, QDateTime(QDate(2024, 3, 5), QTime(7, 36, 4), Qt::UTC));
        QCOMPARE(a.createdAt, QDateTime(QDate(2024, 3, 4), QTime(22, 0, 5), Qt::UTC));
        QCOMPARE(a.images,
                 (QStringList{QStringLiteral("nginx:1.27"), QStringLiteral("busybox:1.36")}));
        QCOMPARE(a.labels.size(), 2);
        QVERIFY(a.labels.contains(qMakePair(QStringLiteral("env"), QStringLiteral("prod"))));
        QVERIFY(!a.deleting);
    }

    void multiSource() {
        const auto r = parseApplicationList(listSample(), QStringLiteral("i"));
        QVERIFY(r.ok());
        const AppSummary& a = r->apps[1];
        QVERIFY(a.multiSource);
        QCOMPARE(a.repoURL, QStringLiteral("https://charts.example.com"));
        QCOMPARE(a.path, QStringLiteral("shop")); // chart when there is no path
        QCOMPARE(a.targetRevision, QStringLiteral("1.2.3"));
        QCOMPARE(a.cluster(), QStringLiteral("prod-eu"));  // destination.name wins
        QVERIFY(!a.autoSync);                              // automated.enabled: false
        QCOMPARE(a.syncRevision, QStringLiteral("1.2.3")); // first of revisions[]
        QVERIFY(a.deleting);
        QCOMPARE(toString(a.operationPhase), toString(OperationPhase::None));
    }

    void missingFieldsUseDefaults() {
        const auto r = parseApplicationList(listSample(), QStringLiteral("i"));
        QVERIFY(r.ok());
        const AppSummary& a = r->apps[2];
        QCOMPARE(a.name, QStringLiteral("bare"));
        QCOMPARE(toString(a.sync), toString(SyncStatus::Unknown));
        QCOMPARE(toString(a.health), toString(HealthStatus::Unknown));
        QVERIFY(!a.autoSync);
        QVERIFY(a.cluster().isEmpty());
    }

    void nullItemsMeansEmpty() {
        const auto r = parseApplicationList(R"({"metadata":{"resourceVersion":"9"},"items":null})",
                                            QStringLiteral("i"));
        QVERIFY(r.ok());
        QVERIFY(r->apps.isEmpty());
        QCOMPARE(r->resourceVersion, QStringLiteral("9"));
        const auto absent = parseApplicationList(R"({"metadata":{}})", QStringLiteral("i"));
        QVERIFY(absent.ok());
        QVERIFY(absent->apps.isEmpty());
    }

    void wrongTypesAreTolerated() {
        const auto r = parseApplicationList(
            R"({"items":[{"metadata":{"name":"x","labels":{"a":1}},"spec":{"project":7,"source":"oops"},"status":{"sync":{"status":null},"summary":{"images":[1,"ok:1"]}}}]})",
            QStringLiteral("i"));
        QVERIFY(r.ok());
        QCOMPARE(r->apps[0].project, QString());
        QCOMPARE(r->apps[0].images, QStringList{QStringLiteral("ok:1")});
    }

    void malformedIsProtocolErrorWithPosition() {
        const QByteArray bad = R"({"items":[{"metadata":{"name":"x"}},})";
        const auto r = parseApplicationList(bad, QStringLiteral("i"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Protocol);
        QVERIFY2(r.error().details.contains(QLatin1String("byte ")), qPrintable(r.error().details));
        QVERIFY2(r.error().details.contains(QLatin1String("byte offset 36 of 37")),
                 qPrintable(r.error().details));
    }

    void truncatedIsProtocolError() {
        const QByteArray sample = listSample();
        const QByteArray cut = sample.left(sample.size() / 2);
        const auto r = parseApplicationList(cut, QStringLiteral("i"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Protocol);
        QVERIFY2(r.error().shortMessage.contains(QLatin1String("truncated")),
                 qPrintable(r.error().shortMessage));
    }

    void wrongShapes() {
        QCOMPARE(parseApplicationList("[]", QStringLiteral("i")).error().kind,
                 Error::Kind::Protocol);
        QCOMPARE(parseApplicationList(R"({"items":{}})", QStringLiteral("i")).error().kind,
                 Error::Kind::Protocol);
        QCOMPARE(parseApplicationList(R"({"items":[1]})", QStringLiteral("i")).error().kind,
                 Error::Kind::Protocol);
        QCOMPARE(parseApplicationList("", QStringLiteral("i")).error().kind, Error::Kind::Protocol);
    }

    void watchResult() {
        const json modified = json::parse(
            R"({"type":"MODIFIED","application":{"metadata":{"name":"guestbook","namespace":"argocd","resourceVersion":"77"},"status":{"health":{"status":"Progressing"}}}})");
        const auto e = parseWatchResult(modified, QStringLiteral("i"));
        QVERIFY(e.ok());
        QCOMPARE(e->type, WatchEventType::Modified);
        QCOMPARE(e->app.name, QStringLiteral("guestbook"));
        QCOMPARE(e->app.resourceVersion, QStringLiteral("77"));
        QCOMPARE(toString(e->app.health), toString(HealthStatus::Progressing));
        QCOMPARE(parseWatchResult(
                     json::parse(R"({"type":"ADDED","application":{"metadata":{"name":"a"}}})"),
                     QStringLiteral("i"))
                     ->type,
                 WatchEventType::Added);
        QCOMPARE(parseWatchResult(
                     json::parse(R"({"type":"DELETED","application":{"metadata":{"name":"a"}}})"),
                     QStringLiteral("i"))
                     ->type,
                 WatchEventType::Deleted);
        QCOMPARE(parseWatchResult(json::parse(R"({"type":"BOOKMARK","application":{}})"),
                                  QStringLiteral("i"))
                     .error()
                     .kind,
                 Error::Kind::Protocol);
        QCOMPARE(
            parseWatchResult(json::parse(R"({"type":"ADDED"})"), QStringLiteral("i")).error().kind,
            Error::Kind::Protocol);
        QCOMPARE(parseWatchResult(json::parse(R"({"type":"ADDED","application":{"metadata":{}}})"),
                                  QStringLiteral("i"))
                     .error()
                     .kind,
                 Error::Kind::Protocol);
    }
};

QTEST_GUILESS_MAIN(TestAppParser)
#include "tst_appparser.moc"
