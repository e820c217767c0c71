// FleetFilter: every facet, combinations, label parsing, JSON round trip; and the proxy that
// applies it to the fleet table (including its per-row search-text cache across updates).
#include "fleet/fleetfilter.h"
#include "fleet/fleetstore.h"
#include "fleetfilterproxy.h"
#include "fleetmodel.h"

#include <QJsonDocument>
#include <QTest>

using namespace sextant;
using argocd::AppSummary;
using argocd::HealthStatus;
using argocd::OperationPhase;
using argocd::SyncStatus;
using fleet::FleetFilter;
using fleet::LabelTerm;

namespace {

AppSummary app(const QString& name, const QString& instance = QStringLiteral("prod-eu"),
               const QString& cluster = QStringLiteral("prod-eu-1"),
               const QString& project = QStringLiteral("shop")) {
    AppSummary a;
    a.instance = instance;
    a.name = name;
    a.appNamespace = QStringLiteral("argocd");
    a.project = project;
    a.destName = cluster;
    a.destServer = QStringLiteral("https://") + cluster + QStringLiteral(".example.net:6443");
    a.destNamespace = name + QStringLiteral("-ns");
    a.repoURL = QStringLiteral("https://git.example.com/") + project + QStringLiteral(".git");
    a.path = QStringLiteral("deploy/") + name;
    a.sync = SyncStatus::Synced;
    a.health = HealthStatus::Healthy;
    a.operationPhase = OperationPhase::Succeeded;
    a.autoSync = true;
    a.labels = {{QStringLiteral("env"), QStringLiteral("prod")},
                {QStringLiteral("team"), QStringLiteral("payments")}};
    return a;
}

} // namespace

class TestFleetFilter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void emptyMatchesEverything() {
        FleetFilter f;
        QVERIFY(f.isEmpty());
        QVERIFY(f.matches(app(QStringLiteral("a")), false));
        QVERIFY(f.matches(AppSummary(), false));
        QVERIFY(f.describe().isEmpty());
    }

    void eachFacet() {
        const AppSummary a = app(QStringLiteral("cart"));
        auto check = [&](const std::function<void(FleetFilter&)>& hit,
                         const std::function<void(FleetFilter&)>& miss) {
            FleetFilter yes, no;
            hit(yes);
            miss(no);
            QVERIFY(!yes.isEmpty());
            QVERIFY(yes.matches(a, false));
            QVERIFY(!no.matches(a, false));
        };
        check(
            [](FleetFilter& f) {
                f.instances = {"x", "prod-eu"};
            },
            [](FleetFilter& f) { f.instances = {"prod-us"}; });
        check([](FleetFilter& f) { f.clusters = {"prod-eu-1"}; },
              [](FleetFilter& f) { f.clusters = {"prod-eu-2"}; });
        check([](FleetFilter& f) { f.namespaces = {"cart-ns"}; },
              [](FleetFilter& f) { f.namespaces = {"cart"}; });
        check([](FleetFilter& f) { f.projects = {"shop"}; },
              [](FleetFilter& f) { f.projects = {"shop2"}; });
        check([](FleetFilter& f) { f.sync = {SyncStatus::Synced}; },
              [](FleetFilter& f) {
                  f.sync = {SyncStatus::OutOfSync, SyncStatus::Unknown};
              });
        check(
            [](FleetFilter& f) {
                f.health = {HealthStatus::Degraded, HealthStatus::Healthy};
            },
            [](FleetFilter& f) { f.health = {HealthStatus::Degraded}; });
        check([](FleetFilter& f) { f.operations = {OperationPhase::Succeeded}; },
              [](FleetFilter& f) { f.operations = FleetFilter::syncFailedPhases(); });
        check([](FleetFilter& f) { f.autoSync = true; },
              [](FleetFilter& f) { f.autoSync = false; });
        check([](FleetFilter& f) { f.labels = {*LabelTerm::parse(u"env=prod")}; },
              [](FleetFilter& f) { f.labels = {*LabelTerm::parse(u"env=staging")}; });
        check([](FleetFilter& f) { f.labels = {*LabelTerm::parse(u"team")}; },
              [](FleetFilter& f) { f.labels = {*LabelTerm::parse(u"tier")}; });
        check([](FleetFilter& f) { f.labels = {*LabelTerm::parse(u"!tier")}; },
              [](FleetFilter& f) { f.labels = {*LabelTerm::parse(u"!team")}; });
        check([](FleetFilter& f) { f.setText(QStringLiteral("CART prod-eu")); },
              [](FleetFilter& f) { f.setText(QStringLiteral("cart nothere")); });

        // Cluster by server URL when the destination has no name.
        AppSummary byServer = a;
        byServer.destName.clear();
        FleetFilter f;
        f.clusters = {byServer.destServer};
        QVERIFY(f.matches(byServer, false));
        QVERIFY(!f.matches(a, false));
    }

    void syncFailedAndProblems() {
        AppSummary failed = app(QStringLiteral("a"));
        failed.operationPhase = OperationPhase::Error;
        AppSummary ok = app(QStringLiteral("b"));
        FleetFilter f;
        f.operations = FleetFilter::syncFailedPhases();
        QVERIFY(f.matches(failed, false));
        QVERIFY(!f.matches(ok, false));
        QCOMPARE(f.describe(), QStringLiteral("operation Sync failed"));

        FleetFilter problems;
        problems.problemsOnly = true;
        QVERIFY(problems.matches(failed, false));
        QVERIFY(!problems.matches(ok, false));
        ok.sync = SyncStatus::OutOfSync;
        QVERIFY(problems.matches(ok, false));
        ok.sync = SyncStatus::Synced;
        ok.health = HealthStatus::Progressing;
        QVERIFY(problems.matches(ok, false));
    }

    void favourites() {
        FleetFilter f;
        f.favouritesOnly = true;
        QVERIFY(f.matches(app(QStringLiteral("a")), true));
        QVERIFY(!f.matches(app(QStringLiteral("a")), false));
    }

    void combinationsAreAnded() {
        AppSummary a = app(QStringLiteral("cart"));
        a.health = HealthStatus::Degraded;
        FleetFilter f;
        f.clusters = {QStringLiteral("prod-eu-1")};
        f.health = {HealthStatus::Degraded};
        f.labels = {*LabelTerm::parse(u"team=payments")};
        f.setText(QStringLiteral("car"));
        QVERIFY(f.matches(a, false));
        f.projects = {QStringLiteral("other")};
        QVERIFY(!f.matches(a, false));
        f.projects.clear();
        f.autoSync = false;
        QVERIFY(!f.matches(a, false));
    }

    void labelParsing() {
        QCOMPARE(LabelTerm::parse(u"env=prod")->op, LabelTerm::Op::Equals);
        QCOMPARE(LabelTerm::parse(u"env=prod")->key, QStringLiteral("env"));
        QCOMPARE(LabelTerm::parse(u"env=prod")->value, QStringLiteral("prod"));
        QCOMPARE(LabelTerm::parse(u"env=")->op, LabelTerm::Op::Equals); // empty value
        QCOMPARE(LabelTerm::parse(u"env")->op, LabelTerm::Op::Exists);
        QCOMPARE(LabelTerm::parse(u"!env")->op, LabelTerm::Op::Absent);
        QVERIFY(!LabelTerm::parse(u"=prod"));
        QVERIFY(!LabelTerm::parse(u""));
        QVERIFY(!LabelTerm::parse(u"!"));

        // Free text: label:… and plain key=value become label conditions, the rest is text.
        FleetFilter f;
        f.setText(QStringLiteral("  label:team  env=prod label:!tier Shop  "));
        QCOMPARE(f.textTerms(), QStringList{QStringLiteral("shop")});
        QCOMPARE(f.textLabels().size(), 3);
        QCOMPARE(f.textLabels().at(0).toString(), QStringLiteral("team"));
        QCOMPARE(f.textLabels().at(1).toString(), QStringLiteral("env=prod"));
        QCOMPARE(f.textLabels().at(2).toString(), QStringLiteral("!tier"));
        QVERIFY(f.matches(app(QStringLiteral("a")), false));
        f.setText(QStringLiteral("env=staging"));
        QVERIFY(!f.matches(app(QStringLiteral("a")), false));
        // A value-only prefix ("env=pro") is an exact label condition, not a substring.
        f.setText(QStringLiteral("env=pro"));
        QVERIFY(!f.matches(app(QStringLiteral("a")), false));
        f.setText(QStringLiteral("label:env=prod"));
        QVERIFY(f.matches(app(QStringLiteral("a")), false));
        // "x=" and "=x" are ordinary search text.
        f.setText(QStringLiteral("=prod"));
        QVERIFY(f.textLabels().isEmpty());
        QCOMPARE(f.textTerms(), QStringList{QStringLiteral("=prod")});
        QVERIFY(f.matches(app(QStringLiteral("a")), false)); // "env=prod" contains "=prod"
    }

    void jsonRoundTrip() {
        FleetFilter f;
        f.instances = {QStringLiteral("prod-eu"), QStringLiteral("prod-us")};
        f.clusters = {QStringLiteral("https://10.0.0.1:6443")};
        f.namespaces = {QStringLiteral("shop")};
        f.projects = {QStringLiteral("payments")};
        f.sync = {SyncStatus::OutOfSync, SyncStatus::Unknown};
        f.health = {HealthStatus::Degraded, HealthStatus::Missing};
        f.operations = {OperationPhase::Failed, OperationPhase::Error, OperationPhase::None};
        f.autoSync = false;
        f.labels = {*LabelTerm::parse(u"env=prod"), *LabelTerm::parse(u"team"),
                    *LabelTerm::parse(u"!tier")};
        f.favouritesOnly = true;
        f.problemsOnly = true;
        f.setText(QStringLiteral("cart label:region=eu"));
        const QByteArray bytes = QJsonDocument(f.toJson()).toJson();
        const FleetFilter back = FleetFilter::fromJson(QJsonDocument::fromJson(bytes).object());
        QVERIFY(back == f);
        QCOMPARE(back.textTerms(), f.textTerms());
        QCOMPARE(back.textLabels(), f.textLabels());
        QVERIFY(!back.autoSync.value());

        // Empty stays empty; unknown keys are ignored; autoSync true survives too.
        QVERIFY(FleetFilter::fromJson(FleetFilter().toJson()) == FleetFilter());
        FleetFilter on;
        on.autoSync = true;
        QVERIFY(FleetFilter::fromJson(on.toJson()) == on);
        QVERIFY(!(FleetFilter::fromJson(on.toJson()) == FleetFilter()));
        QVERIFY(FleetFilter::fromJson(QJsonObject{{"future", 1}}).isEmpty());
    }

    // The proxy filters exactly like FleetFilter::matches, before and after store updates.
    void proxyAppliesTheFilter() {
        fleet::FleetStore store;
        models::FleetModel model(&store);
        models::FleetFilterProxy proxy;
        proxy.setSourceModel(&model);

        QVector<AppSummary> apps;
        for (int i = 0; i < 60; ++i) {
            AppSummary a =
                app(QStringLiteral("app-%1").arg(i),
                    i % 2 ? QStringLiteral("prod-eu") : QStringLiteral("prod-us"),
                    QStringLiteral("cluster-%1").arg(i % 5), QStringLiteral("proj-%1").arg(i % 3));
            a.health = i % 7 == 0 ? HealthStatus::Degraded : HealthStatus::Healthy;
            a.sync = i % 4 == 0 ? SyncStatus::OutOfSync : SyncStatus::Synced;
            a.operationPhase = i % 9 == 0 ? OperationPhase::Failed : OperationPhase::Succeeded;
            a.autoSync = i % 2 == 0;
            if (i % 3 == 0)
                a.labels = {{QStringLiteral("env"), QStringLiteral("staging")}};
            apps << a;
        }
        store.applySnapshot(QStringLiteral("prod-eu"), {});
        QVector<AppSummary> eu, us;
        for (const auto& a : apps)
            (a.instance == QLatin1String("prod-eu") ? eu : us) << a;
        store.applySnapshot(QStringLiteral("prod-eu"), eu);
        store.applySnapshot(QStringLiteral("prod-us"), us);
        QCOMPARE(proxy.rowCount(), 60);

        auto expected = [&](const FleetFilter& f) {
            QSet<QString> keys;
            for (int r = 0; r < store.size(); ++r)
                if (f.matches(store.at(r), proxy.isFavourite(store.at(r).key())))
                    keys << store.at(r).key();
            return keys;
        };
        auto shown = [&] {
            QSet<QString> keys;
            for (int r = 0; r < proxy.rowCount(); ++r)
                keys << proxy.index(r, 0).data(models::FleetModel::KeyRole).toString();
            return keys;
        };

        FleetFilter f;
        f.clusters = {QStringLiteral("cluster-1"), QStringLiteral("cluster-3")};
        f.health = {HealthStatus::Healthy};
        proxy.setFilter(f);
        QCOMPARE(shown(), expected(f));
        QVERIFY(proxy.rowCount() > 0);

        f = FleetFilter();
        f.setText(QStringLiteral("app-1 label:!team"));
        proxy.setFilter(f);
        QCOMPARE(shown(), expected(f));
        QVERIFY(proxy.rowCount() > 0);

        // Free text follows changes, insertions and removals (the search cache is invalidated).
        f.setText(QStringLiteral("renamed-path"));
        proxy.setFilter(f);
        QCOMPARE(proxy.rowCount(), 0);
        eu[0].path = QStringLiteral("renamed-path");
        eu.removeAt(1);
        AppSummary extra = app(QStringLiteral("extra"), QStringLiteral("prod-eu"));
        extra.path = QStringLiteral("renamed-path/x");
        eu.append(extra);
        store.applySnapshot(QStringLiteral("prod-eu"), eu);
        QCOMPARE(shown(), expected(f));
        QCOMPARE(proxy.rowCount(), 2);
        store.removeInstance(QStringLiteral("prod-us"));
        QCOMPARE(shown(), expected(f));

        f = FleetFilter();
        f.favouritesOnly = true;
        proxy.setFilter(f);
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setFavourites({eu[2].key(), eu[3].key()});
        QCOMPARE(shown(), (QSet<QString>{eu[2].key(), eu[3].key()}));
        QVERIFY(proxy.index(0, models::FleetModel::NameColumn)
                    .data()
                    .toString()
                    .startsWith(QStringLiteral("★ ")));

        // setText and setProblemsOnly edit the same filter.
        proxy.setFilter(FleetFilter());
        proxy.setProblemsOnly(true);
        proxy.setText(QStringLiteral("prod-eu"));
        QVERIFY(proxy.filter().problemsOnly);
        QCOMPARE(proxy.filter().text(), QStringLiteral("prod-eu"));
        QCOMPARE(shown(), expected(proxy.filter()));

        // Sorting still works on every column.
        proxy.setFilter(FleetFilter());
        for (int c = 0; c < models::FleetModel::ColumnCount; ++c) {
            proxy.sort(c, Qt::AscendingOrder);
            QCOMPARE(proxy.rowCount(), store.size());
        }
    }
};

QTEST_GUILESS_MAIN(TestFleetFilter)
#include "tst_fleetfilter.moc"
