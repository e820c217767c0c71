// The console's demo mode starts the demo Prometheus (the release train's metrics history) after
// the simulator loads, off the GUI thread, and reports its URL — or, without prometheus
// installed, a typed failure while the demo fleet works as before.
#include "consolesession.h"
#include "metrics/prometheusclient.h"
#include "sim/localprometheus.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace sextant;

class TestDemoPrometheus : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void demoStartsItsPrometheus() {
        QStandardPaths::setTestModeEnabled(true);
        QTemporaryDir dir;
        ui::ConsoleSession session(nullptr, dir.filePath(QStringLiteral("audit.jsonl")));
        QSignalSpy started(&session, &ui::ConsoleSession::demoStarted);
        QSignalSpy ready(&session, &ui::ConsoleSession::demoPrometheusReady);
        QSignalSpy failed(&session, &ui::ConsoleSession::demoPrometheusFailed);
        session.startDemo();
        QVERIFY(session.demoPrometheusUrl().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty(), 60000);
        QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 180000);
        // The demo's instances are there either way.
        QCOMPARE(session.instanceIds().size(), 3);
        if (!sim::LocalPrometheus::installed()) {
            QCOMPARE(failed.size(), 1);
            QCOMPARE(failed.first().first().value<Error>().kind, Error::Kind::NotFound);
            QVERIFY(session.demoPrometheusUrl().isEmpty());
            return;
        }
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).value<Error>().toString()));
        const QUrl url = ready.first().first().toUrl();
        QCOMPARE(session.demoPrometheusUrl(), url);
        QCOMPARE(url.host(), QStringLiteral("127.0.0.1"));
        // It serves the release train's history.
        metrics::Endpoint e;
        e.baseUrl = url;
        metrics::PrometheusClient client(e);
        std::optional<Result<metrics::QueryResult>> got;
        client.query(QStringLiteral("count(container_cpu_usage_seconds_total{namespace=~"
                                    "\"storefront|catalog|recommendations\"})"),
                     {}, [&](Result<metrics::QueryResult> r) { got.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 30000);
        QVERIFY2(got->ok(), qPrintable(got->ok() ? QString() : got->error().toString()));
        QCOMPARE((*got)->series.size(), 1);
        // 3 components × (2 dev + 2 + 2 stage + 3 + 3 prod pods) = 36 pods scraped at "now".
        QCOMPARE((*got)->series.first().samples.first().value, 36.0);
    }
};

QTEST_MAIN(TestDemoPrometheus)
#include "tst_demoprometheus.moc"
