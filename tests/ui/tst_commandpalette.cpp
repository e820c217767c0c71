#include "commandpalette.h"
#include "commandpalettemodel.h"
#include "fleet/fleetstore.h"

#include <QAction>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTest>

using namespace sextant;

class TestCommandPalette : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void keyboardOnly() {
        fleet::FleetStore store;
        QVector<argocd::AppSummary> apps;
        for (const char* n : {"shop-web", "shop-checkout", "billing-api"}) {
            argocd::AppSummary a;
            a.instance = QStringLiteral("i");
            a.appNamespace = QStringLiteral("argocd");
            a.name = QString::fromLatin1(n);
            apps.append(a);
        }
        store.applySnapshot(QStringLiteral("i"), apps);
        QAction refresh(QStringLiteral("&Refresh"));
        QSignalSpy triggered(&refresh, &QAction::triggered);

        {
            ui::CommandPalette palette(&store, {&refresh});
            QSignalSpy chosen(&palette, &ui::CommandPalette::applicationChosen);
            palette.show();
            QTest::keyClicks(palette.input(), QStringLiteral("shop"));
            QTest::keyClick(palette.input(), Qt::Key_Down); // second result
            QTest::keyClick(palette.input(), Qt::Key_Return);
            QCOMPARE(chosen.size(), 1);
            QCOMPARE(chosen.at(0).at(0).toString(), QStringLiteral("i/argocd/shop-checkout"));
            QVERIFY(!palette.isVisible());
        }
        {
            ui::CommandPalette palette(&store, {&refresh});
            palette.show();
            QTest::keyClicks(palette.input(), QStringLiteral("refr"));
            QTest::keyClick(palette.input(), Qt::Key_Return);
            QTRY_COMPARE(triggered.size(), 1);
        }
    }
};

QTEST_MAIN(TestCommandPalette)
#include "tst_commandpalette.moc"
