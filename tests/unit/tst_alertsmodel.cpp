// models::AlertsModel keyed by fingerprint: a refresh removes gone alerts in contiguous ranges,
// signals dataChanged only for rows that changed, appends new ones, never resets; the filter
// proxy by state and severity, and sorting by severity rank and start time.

#include "alertsmodel.h"

#include <QSignalSpy>
#include <QTest>

using namespace sextant;
using namespace sextant::incident;
using sextant::models::AlertsFilterProxy;
using sextant::models::AlertsModel;

namespace {

const QDateTime kNow = QDateTime(QDate(2026, 3, 10), QTime(3, 0), Qt::UTC);

AlertMapping mapping(const QString& fp, const QString& severity, int minutesAgo,
                     const QString& app = {}) {
    AlertMapping m;
    m.alert.fingerprint = fp;
    m.alert.labels = {{"alertname", "Alert" + fp}, {"severity", severity}};
    m.alert.startsAt = kNow.addSecs(-60 * minutesAgo);
    m.alert.state = "active";
    if (app.isEmpty()) {
        m.unmappedReason = "no application matches: namespace kube-system has no Argo CD "
                           "application";
    } else {
        AppMatch x;
        x.appKey = "prod-eu/argocd/" + app;
        x.appName = app;
        x.score = 50;
        x.reasons << "namespace shop is the destination namespace";
        m.matches << x;
    }
    return m;
}

QStringList fingerprints(const AlertsModel& model) {
    QStringList out;
    for (const AlertMapping& m : model.mappings())
        out << m.alert.fingerprint;
    return out;
}

} // namespace

class TestAlertsModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void displaysColumns() {
        AlertsModel model;
        model.setReferenceTime(kNow);
        model.setMappings({mapping("a", "critical", 75, "shop-checkout"), mapping("b", "info", 3)});
        QCOMPARE(model.rowCount(), 2);
        const auto cell = [&](int row, int col) { return model.index(row, col).data().toString(); };
        QCOMPARE(cell(0, AlertsModel::SeverityColumn), QString("critical"));
        QCOMPARE(cell(0, AlertsModel::AlertColumn), QString("Alerta"));
        QCOMPARE(cell(0, AlertsModel::StateColumn), QString("firing"));
        QCOMPARE(cell(0, AlertsModel::StartedColumn), QString("1 h 15 min ago"));
        QCOMPARE(cell(0, AlertsModel::ApplicationColumn), QString("shop-checkout"));
        QCOMPARE(cell(0, AlertsModel::ReasonColumn),
                 QString("namespace shop is the destination namespace"));
        QCOMPARE(cell(1, AlertsModel::ApplicationColumn), QString("— no app —"));
        QCOMPARE(cell(1, AlertsModel::ReasonColumn),
                 QString("namespace kube-system has no Argo CD application"));
        QCOMPARE(model.index(0, 0).data(AlertsModel::AppKeysRole).toStringList(),
                 QStringList{"prod-eu/argocd/shop-checkout"});
        QVERIFY(!model.index(1, 0).data(AlertsModel::MappedRole).toBool());
    }

    void refreshIsKeyedByFingerprint() {
        AlertsModel model;
        model.setMappings({mapping("a", "critical", 10, "x"), mapping("b", "warning", 9, "y"),
                           mapping("c", "warning", 8, "z"), mapping("d", "info", 7),
                           mapping("e", "info", 6)});
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

        // b and c gone (one range), d changed (silenced), e unchanged, f new.
        AlertMapping d = mapping("d", "info", 7);
        d.alert.silencedBy << "silence-1";
        d.alert.state = "suppressed";
        model.setMappings({mapping("f", "critical", 1, "w"), mapping("e", "info", 6), d,
                           mapping("a", "critical", 10, "x")});
        QCOMPARE(removed.size(), 1);
        QCOMPARE(removed[0][1].toInt(), 1);
        QCOMPARE(removed[0][2].toInt(), 2);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toModelIndex().row(), 1); // d, now at row 1
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(inserted[0][1].toInt(), 3);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(fingerprints(model), (QStringList{"a", "d", "e", "f"}));
        QCOMPARE(model.index(1, AlertsModel::StateColumn).data().toString(), QString("silenced"));

        // The same snapshot again: no signal at all.
        removed.clear();
        inserted.clear();
        changed.clear();
        model.setMappings({mapping("f", "critical", 1, "w"), mapping("e", "info", 6), d,
                           mapping("a", "critical", 10, "x")});
        QCOMPARE(removed.size() + inserted.size() + changed.size(), 0);

        // A new mapping result for one alert (another app): that row only.
        model.setMappings({mapping("f", "critical", 1, "w"), mapping("e", "info", 6), d,
                           mapping("a", "critical", 10, "other")});
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toModelIndex().row(), 0);

        // Reference time: the Started column only.
        changed.clear();
        model.setReferenceTime(kNow.addSecs(60));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toModelIndex().column(), int(AlertsModel::StartedColumn));
        QCOMPARE(changed[0][1].toModelIndex().column(), int(AlertsModel::StartedColumn));
    }

    void filtersAndSorts() {
        AlertsModel model;
        AlertMapping silenced = mapping("s", "critical", 30);
        silenced.alert.silencedBy << "x";
        AlertMapping inhibited = mapping("i", "warning", 20);
        inhibited.alert.inhibitedBy << "y";
        model.setMappings({mapping("w", "warning", 5, "a"), silenced, mapping("c1", "critical", 2),
                           mapping("c2", "critical", 40), inhibited, mapping("n", "", 1)});
        AlertsFilterProxy proxy;
        proxy.setSourceModel(&model);
        proxy.sort(AlertsModel::SeverityColumn, Qt::DescendingOrder);
        QStringList order;
        for (int r = 0; r < proxy.rowCount(); ++r)
            order << proxy.index(r, 0).data(AlertsModel::FingerprintRole).toString();
        // Critical first (oldest first within a severity), then warning, then none.
        QCOMPARE(order, (QStringList{"c2", "s", "c1", "i", "w", "n"}));

        proxy.setStateFilter(AlertsFilterProxy::StateFilter::Firing);
        QCOMPARE(proxy.rowCount(), 4);
        proxy.setStateFilter(AlertsFilterProxy::StateFilter::Silenced);
        QCOMPARE(proxy.rowCount(), 2); // silenced and inhibited
        proxy.setStateFilter(AlertsFilterProxy::StateFilter::All);
        proxy.setMinimumSeverity("critical");
        QCOMPARE(proxy.rowCount(), 3);
        proxy.setMinimumSeverity("warning");
        QCOMPARE(proxy.rowCount(), 5);
        proxy.setMinimumSeverity({});
        QCOMPARE(proxy.rowCount(), 6);

        proxy.sort(AlertsModel::StartedColumn, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, 0).data(AlertsModel::FingerprintRole).toString(), QString("c2"));
    }
};

QTEST_GUILESS_MAIN(TestAlertsModel)
#include "tst_alertsmodel.moc"
