#include "commandpalettemodel.h"
#include "fleet/fleetstore.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QTest>

using namespace sextant;

class TestCommandPaletteModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void scoresRankPrefixWordSubsequence() {
        using M = models::CommandPaletteModel;
        const int prefix = M::matchScore(u"shop", u"shop-web");
        const int word = M::matchScore(u"web", u"shop-web");
        const int inner = M::matchScore(u"op", u"shop-web");
        const int scattered = M::matchScore(u"shwb", u"shop-web");
        QVERIFY(prefix > word);
        QVERIFY(word > inner);
        QVERIFY(inner > scattered);
        QVERIFY(scattered > 0);
        QCOMPARE(M::matchScore(u"xyz", u"shop-web"), 0);
        QCOMPARE(M::matchScore(u"bew", u"shop-web"), 0); // order matters
        QVERIFY(M::matchScore(u"SHOP", u"shop-web") > 0);
        QVERIFY(M::matchScore(u"shop", u"shop") > M::matchScore(u"shop", u"shop-web"));
    }

    void actionsAndApplicationsRanked() {
        fleet::FleetStore store;
        QVector<argocd::AppSummary> apps;
        for (const char* n : {"shop-web", "shop-checkout", "billing-api", "web-shop"}) {
            argocd::AppSummary a;
            a.instance = QStringLiteral("i");
            a.appNamespace = QStringLiteral("argocd");
            a.name = QString::fromLatin1(n);
            apps.append(a);
        }
        store.applySnapshot(QStringLiteral("i"), apps);
        QAction sync(QStringLiteral("&Sync…"));
        QAction disabled(QStringLiteral("Shopping"));
        disabled.setEnabled(false);
        models::CommandPaletteModel model(&store);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setActions({&sync, &disabled});

        model.setQuery(QString());
        QCOMPARE(model.rowCount(), 1); // only the enabled action; applications need a query
        QCOMPARE(model.action(0), &sync);

        model.setQuery(QStringLiteral("shop"));
        QStringList names;
        for (int r = 0; r < model.rowCount(); ++r)
            names << model.index(r).data().toString();
        QCOMPARE(names, (QStringList{QStringLiteral("shop-web"), QStringLiteral("shop-checkout"),
                                     QStringLiteral("web-shop")}));
        QCOMPARE(model.index(0).data(models::CommandPaletteModel::AppKeyRole).toString(),
                 QStringLiteral("i/argocd/shop-web"));

        // Rows move underneath: entries still resolve by key.
        store.applyEvents({argocd::AppEvent{argocd::WatchEventType::Deleted, apps[2]}});
        QCOMPARE(model.index(0).data(models::CommandPaletteModel::AppKeyRole).toString(),
                 QStringLiteral("i/argocd/shop-web"));

        model.setLimit(1);
        model.setQuery(QStringLiteral("s"));
        QCOMPARE(model.rowCount(), 1);
    }
};

QTEST_MAIN(TestCommandPaletteModel) // QAction needs a QGuiApplication
#include "tst_commandpalettemodel.moc"
