// The Releases page's models over hand-built data: the release matrix (components × clusters,
// headers with environment and step, a short summary per cell, the full detail in the tool tip,
// outliers marked in the text and by a role, reset on new data) and the ApplicationSet list
// (columns, typed sort values, search text), both under QAbstractItemModelTester.
#include "appsetlistmodel.h"
#include "releasefixture.h"
#include "releasematrixmodel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace sextant;
using models::AppSetListModel;
using models::ReleaseMatrixModel;

namespace {

const QDateTime kNow = QDateTime::fromString(QStringLiteral("2026-11-26T14:30:00Z"), Qt::ISODate);

} // namespace

class TestReleaseMatrixModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void dimensionsAndHeaders() {
        ReleaseMatrixModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), 0);
        const release::ReleaseReview review = test::releaseReview(kNow);
        model.setMatrix(review.matrix);
        QCOMPARE(model.rowCount(), 3);    // payments-api, checkout-web, ledger-worker
        QCOMPARE(model.columnCount(), 4); // dev-eu-1, stage-eu-1, prod-eu-1, prod-us-1
        QCOMPARE(model.headerData(1, Qt::Horizontal).toString(),
                 QStringLiteral("stage-eu-1\nStep 2 · stage"));
        QCOMPARE(model.headerData(3, Qt::Horizontal, ReleaseMatrixModel::StepRole).toInt(), 3);
        QVERIFY(model.headerData(1, Qt::Horizontal, Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("RollingSync step 2")));
        // The row header names the component and the versions it moves between.
        QCOMPARE(model.headerData(0, Qt::Vertical).toString(),
                 QStringLiteral("payments-api\n1.4.2 → 1.5.0"));
        QVERIFY(!model.headerData(4, Qt::Horizontal).isValid());
    }

    void cellRoles() {
        ReleaseMatrixModel model;
        const release::ReleaseReview review = test::releaseReview(kNow);
        model.setMatrix(review.matrix);

        // payments-api on stage: the release, Degraded, an outlier.
        const QModelIndex stage = model.index(0, 1);
        const QString display = stage.data().toString();
        QVERIFY2(display.startsWith(QStringLiteral("⚠ 1.5.0 ✓ release")), qPrintable(display));
        QVERIFY(display.contains(QStringLiteral("Degraded · Synced")));
        QVERIFY(display.contains(QStringLiteral("step 2 progressing")));
        QCOMPARE(stage.data(ReleaseMatrixModel::CellIndexRole).toInt(), 1);
        QCOMPARE(stage.data(ReleaseMatrixModel::OutlierRole).toBool(), true);
        QCOMPARE(stage.data(ReleaseMatrixModel::StatusColorRole).value<QColor>(),
                 QColor(0xd0, 0x30, 0x30));
        QCOMPARE(stage.data(ReleaseMatrixModel::AppKeyRole).toString(),
                 QStringLiteral("prod-eu/argocd/payments-api-stage-eu-1"));
        const QString tip = stage.data(Qt::ToolTipRole).toString();
        for (const char* part :
             {"Application: payments-api-stage-eu-1", "Cluster: stage-eu-1 · environment stage",
              "Revision: 9e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d (the release)",
              "Images: registry.example.net/shop/payments-api:1.5.0", "Sync: Synced",
              "Health: Degraded — Deployment payments-api: 2 of 4 pods in CrashLoopBackOff",
              "Last operation: Succeeded", "RollingSync step 2: Progressing",
              "⚠ Outlier: payments-api on stage-eu-1 is Degraded"})
            QVERIFY2(tip.contains(QString::fromUtf8(part)), qPrintable(tip));
        const QString spoken = stage.data(Qt::AccessibleTextRole).toString();
        QVERIFY2(spoken.startsWith(QStringLiteral("payments-api on stage-eu-1: runs 1.5.0, "
                                                  "Degraded, Synced, step 2 progressing. "
                                                  "Outlier:")),
                 qPrintable(spoken));
        QVERIFY(stage.data(Qt::BackgroundRole).value<QColor>().alpha() < 255);

        // payments-api on dev: healthy on the release, not an outlier, green.
        const QModelIndex dev = model.index(0, 0);
        QCOMPARE(dev.data().toString(),
                 QStringLiteral("1.5.0 ✓ release\nHealthy · Synced\nstep 1 done"));
        QCOMPARE(dev.data(ReleaseMatrixModel::OutlierRole).toBool(), false);
        QCOMPARE(dev.data(ReleaseMatrixModel::StatusColorRole).value<QColor>(),
                 QColor(0x1e, 0x8e, 0x3e));

        // ledger-worker on prod-us-1: the previous revision, drifted, waiting for its step.
        const QModelIndex us = model.index(2, 3);
        QCOMPARE(us.data(ReleaseMatrixModel::CellIndexRole).toInt(), 11);
        QVERIFY(us.data().toString().startsWith(QStringLiteral("⚠ 0.9.2 (previous)")));
        QVERIFY(us.data(Qt::ToolTipRole).toString().contains(QStringLiteral("(release is 0.9.4)")));
        QVERIFY(us.data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("Application is waiting for a previous step")));
        QCOMPARE(model.indexOfCell(11), us);
        QVERIFY(!model.indexOfCell(99).isValid());
    }

    void missingCell() {
        release::ReleaseReview review = test::releaseReview(kNow);
        review.matrix.rows[1].cells[3] = -1; // checkout-web is not deployed on prod-us-1
        ReleaseMatrixModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMatrix(review.matrix);
        const QModelIndex none = model.index(1, 3);
        QCOMPARE(none.data().toString(), QStringLiteral("—"));
        QCOMPARE(none.data(ReleaseMatrixModel::CellIndexRole).toInt(), -1);
        QCOMPARE(none.data(ReleaseMatrixModel::OutlierRole).toBool(), false);
        QCOMPARE(none.data(Qt::ToolTipRole).toString(),
                 QStringLiteral("checkout-web is not deployed on prod-us-1"));
        QVERIFY(model.cell(1, 3) == nullptr);
        QVERIFY(model.cell(1, 2) != nullptr);
    }

    void resetOnNewData() {
        ReleaseMatrixModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMatrix(test::releaseReview(kNow).matrix);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        release::ReleaseMatrix smaller = test::releaseReview(kNow, false).matrix;
        smaller.rows.removeLast();
        smaller.columns.removeLast();
        for (release::ReleaseRow& r : smaller.rows)
            r.cells.removeLast();
        model.setMatrix(smaller);
        QCOMPARE(reset.size(), 1);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), 3);
        // The passing variant: payments-api on stage is no longer an outlier.
        QCOMPARE(model.index(0, 1).data(ReleaseMatrixModel::OutlierRole).toBool(), false);
        model.clear();
        QCOMPARE(reset.size(), 2);
        QCOMPARE(model.rowCount(), 0);
    }

    void versionLabels() {
        QCOMPARE(ReleaseMatrixModel::imageTag(QStringLiteral("registry:5000/shop/api:1.5.0")),
                 QStringLiteral("1.5.0"));
        QCOMPARE(ReleaseMatrixModel::imageTag(QStringLiteral("registry:5000/shop/api")), QString());
        QCOMPARE(ReleaseMatrixModel::imageTag(QStringLiteral("shop/api@sha256:0123456789abcdef")),
                 QStringLiteral("sha256:0123456"));
        argocd::AppSummary app;
        app.syncRevision = QStringLiteral("9e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d");
        QCOMPARE(ReleaseMatrixModel::versionLabel(app), QStringLiteral("9e1d2c3"));
        app.images = {QStringLiteral("nginx")};
        QCOMPARE(ReleaseMatrixModel::versionLabel(app), QStringLiteral("9e1d2c3"));
        app.syncRevision = QStringLiteral("v1.2.3"); // a tag is kept whole
        QCOMPARE(ReleaseMatrixModel::versionLabel(app), QStringLiteral("v1.2.3"));
    }

    void appSetList() {
        AppSetListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setApplicationSets(test::releaseAppSets());
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.columnCount(), int(AppSetListModel::ColumnCount));
        QCOMPARE(model.index(0, AppSetListModel::NameColumn).data().toString(),
                 QStringLiteral("shop"));
        QCOMPARE(model.index(0, AppSetListModel::StepColumn).data().toString(),
                 QStringLiteral("2/3"));
        QCOMPARE(model.index(1, AppSetListModel::StepColumn).data().toString(),
                 QStringLiteral("done (3)"));
        QCOMPARE(model.index(2, AppSetListModel::StepColumn).data().toString(),
                 QStringLiteral("—"));
        QCOMPARE(model.index(2, AppSetListModel::AppsColumn).data().toInt(), 24);
        QCOMPARE(model.index(0, AppSetListModel::HealthColumn).data().toString(),
                 QStringLiteral("Degraded"));
        QCOMPARE(model.index(0, 0).data(AppSetListModel::KeyRole).toString(),
                 QStringLiteral("prod-eu/argocd/shop"));
        QCOMPARE(model.rowOf(QStringLiteral("prod-us/openshift-gitops/observability")), 3);
        QCOMPARE(model.rowOf(QStringLiteral("nope")), -1);
        QVERIFY(model.index(3, 0)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("ErrorOccurred")));
        model.setInstanceNames({{QStringLiteral("prod-us"), QStringLiteral("Production US")}});
        QCOMPARE(model.index(2, AppSetListModel::InstanceColumn).data().toString(),
                 QStringLiteral("Production US"));

        // Sorted through a proxy by typed values: apps numerically, health worst first.
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(AppSetListModel::SortRole);
        proxy.sort(AppSetListModel::AppsColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, AppSetListModel::NameColumn).data().toString(),
                 QStringLiteral("platform-addons"));
        proxy.sort(AppSetListModel::HealthColumn, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, AppSetListModel::NameColumn).data().toString(),
                 QStringLiteral("shop")); // Degraded first
        proxy.setFilterRole(AppSetListModel::SearchTextRole);
        proxy.setFilterFixedString(QStringLiteral("production us"));
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setFilterFixedString(QStringLiteral("cluster list is empty"));
        QCOMPARE(proxy.rowCount(), 1);

        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.setApplicationSets({});
        QCOMPARE(reset.size(), 1);
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(TestReleaseMatrixModel)
#include "tst_releasematrixmodel.moc"
