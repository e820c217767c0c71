// The console's metrics source settings (services/metrics/metricssource): validation in words,
// a round trip through the settings map, and a description that never carries the token.

#include "metrics/metricssource.h"

#include <QTemporaryFile>
#include <QTest>

using namespace sextant;
using namespace sextant::metrics;

class TestMetricsSource : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void emptyIsValidAndSaysSo() {
        const MetricsSource none;
        QVERIFY(!none.configured());
        QVERIFY(!none.alertsConfigured());
        QVERIFY(none.validate().ok());
        QCOMPARE(none.description(), QStringLiteral("no Prometheus configured"));
    }

    void badInputIsRefusedInWords_data() {
        QTest::addColumn<QString>("prometheus");
        QTest::addColumn<QString>("alertmanager");
        QTest::addColumn<QString>("caFile");
        QTest::addColumn<QString>("tenancy");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not a URL") << "thanos querier"
                                   << ""
                                   << ""
                                   << ""
                                   << "Prometheus: 'thanos querier' is not an http(s) URL";
        QTest::newRow("ftp") << "ftp://metrics.example.com"
                             << ""
                             << ""
                             << ""
                             << "is not an http(s) URL";
        QTest::newRow("credentials in URL") << "https://admin:secret@thanos.example.com"
                                            << ""
                                            << ""
                                            << ""
                                            << "must not carry a user name or password";
        QTest::newRow("bad alertmanager") << "https://thanos.example.com"
                                          << "alertmanager"
                                          << ""
                                          << ""
                                          << "Alertmanager: ";
        QTest::newRow("missing CA file") << "https://thanos.example.com"
                                         << ""
                                         << "/nonexistent/ca.pem"
                                         << ""
                                         << "the CA file '/nonexistent/ca.pem' cannot be read";
        QTest::newRow("tenancy without URL") << ""
                                             << ""
                                             << ""
                                             << "shop"
                                             << "a tenancy namespace needs a Prometheus URL";
    }

    void badInputIsRefusedInWords() {
        QFETCH(QString, prometheus);
        QFETCH(QString, alertmanager);
        QFETCH(QString, caFile);
        QFETCH(QString, tenancy);
        QFETCH(QString, expected);
        MetricsSource s;
        s.prometheus.baseUrl = QUrl(prometheus);
        s.prometheus.caFile = caFile;
        s.alertmanager.baseUrl = QUrl(alertmanager);
        s.tenancyNamespace = tenancy;
        const Status valid = s.validate();
        QVERIFY(!valid.ok());
        QVERIFY2(valid.error().shortMessage.contains(expected),
                 qPrintable(valid.error().shortMessage));
    }

    void roundTripAndDescription() {
        QTemporaryFile ca;
        QVERIFY(ca.open());
        MetricsSource s;
        s.prometheus.baseUrl = QUrl(QStringLiteral("https://thanos-querier.apps.example.com"));
        s.prometheus.caFile = ca.fileName();
        s.prometheus.insecure = true;
        s.tenancyNamespace = QStringLiteral("shop");
        s.alertmanager.baseUrl = QUrl(QStringLiteral("https://alertmanager.apps.example.com"));
        s.hasToken = true;
        QVERIFY(s.validate().ok());
        const MetricsSource back = MetricsSource::fromVariantMap(s.toVariantMap());
        QCOMPARE(back.prometheus.baseUrl, s.prometheus.baseUrl);
        QCOMPARE(back.prometheus.caFile, s.prometheus.caFile);
        QVERIFY(back.prometheus.insecure);
        QCOMPARE(back.tenancyNamespace, QStringLiteral("shop"));
        QCOMPARE(back.alertmanager.baseUrl, s.alertmanager.baseUrl);
        QVERIFY(back.hasToken);
        QCOMPARE(back.id, QStringLiteral("default"));
        const QString text = back.description();
        QVERIFY2(text.contains(QStringLiteral("thanos-querier.apps.example.com")),
                 qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("namespace shop")));
        QVERIFY(text.contains(QStringLiteral("token in keychain")));
        QVERIFY(text.contains(QStringLiteral("TLS NOT VERIFIED")));
        // The settings hold whether a token exists, never a token.
        for (const QVariant& v : s.toVariantMap())
            QVERIFY(!v.toString().contains(QStringLiteral("Bearer")));
    }
};

QTEST_GUILESS_MAIN(TestMetricsSource)
#include "tst_metricssource.moc"
