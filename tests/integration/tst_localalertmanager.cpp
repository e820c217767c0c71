// The demo's Alertmanager (services/sim/localalertmanager): a real prometheus-alertmanager on
// loopback, started without blocking, holding the alerts posted to it; read back with the
// console's AlertmanagerClient.

#include "incident/demoalerts.h"
#include "metrics/alertmanagerclient.h"
#include "sim/localalertmanager.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;

class TestLocalAlertmanager : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void servesThePostedAlerts() {
        if (!sim::LocalAlertmanager::installed())
            QSKIP("prometheus-alertmanager is not installed (scripts/setup-debian.sh installs it)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QDateTime started = QDateTime::currentDateTimeUtc();
        int posts = 0;
        sim::LocalAlertmanager am;
        QSignalSpy ready(&am, &sim::LocalAlertmanager::ready);
        QSignalSpy failed(&am, &sim::LocalAlertmanager::failed);
        am.start(dir.path(), [&] {
            ++posts;
            return QByteArray::fromStdString(incident::demoAlertsPostBody(started).dump());
        });
        QVERIFY(ready.isEmpty()); // never from within start()
        QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 60000);
        QVERIFY2(failed.isEmpty(),
                 failed.isEmpty() ? ""
                                  : qPrintable(failed.first().first().value<Error>().shortMessage));
        QVERIFY(am.isReady());
        QCOMPARE(posts, 1);
        QCOMPARE(ready.first().first().toUrl(), am.url());
        QCOMPARE(am.url().host(), QStringLiteral("127.0.0.1"));

        metrics::Endpoint e;
        e.baseUrl = am.url();
        metrics::AlertmanagerClient client(e);
        std::optional<Result<QVector<metrics::Alert>>> alerts;
        client.alerts(metrics::AlertQuery{},
                      [&](Result<QVector<metrics::Alert>> r) { alerts.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(alerts.has_value(), 30000);
        QVERIFY(alerts->ok());
        const QVector<metrics::Alert> expected = incident::demoAlerts(started);
        QCOMPARE(alerts->value().size(), expected.size());
        QStringList names;
        for (const metrics::Alert& a : alerts->value())
            names << a.name();
        for (const metrics::Alert& a : expected)
            QVERIFY2(names.contains(a.name()), qPrintable(a.name()));

        am.stop();
        QVERIFY(!am.isReady());
        QVERIFY(am.url().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestLocalAlertmanager)
#include "tst_localalertmanager.moc"
