// FleetHistory: when snapshots are written, totals across instances, retention, reopening.
#include "fleet/fleethistory.h"

#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using fleet::FleetCounts;
using fleet::FleetHistory;

namespace {

FleetCounts counts(int apps, int outOfSync, int degraded, int failed = 0) {
    FleetCounts c;
    c.apps = apps;
    c.outOfSync = outOfSync;
    c.degraded = degraded;
    c.syncFailed = failed;
    return c;
}

const QDateTime t0 = QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC);

} // namespace

class TestFleetHistory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void recordsAtMostOncePerIntervalUnlessSignificant() {
        QTemporaryDir dir;
        FleetHistory h(dir.filePath(QStringLiteral("h.sqlite")));
        QVERIFY2(h.isOpen(), qPrintable(h.errorString()));
        QHash<QString, FleetCounts> c{{QStringLiteral("a"), counts(1000, 10, 5)},
                                      {QStringLiteral("b"), counts(500, 2, 1)}};
        QVERIFY(h.record(c, t0));                        // first snapshot
        QVERIFY(!h.record(c, t0));                       // same instant
        QVERIFY(!h.record(c, t0.addSecs(30)));           // unchanged, before heartbeat
        c[QStringLiteral("a")].outOfSync = 11;           // small change
        QVERIFY(!h.record(c, t0.addSecs(30)));           // ...waits for the minute
        QVERIFY(h.record(c, t0.addSecs(61)));            // minute passed
        c[QStringLiteral("a")].degraded = 40;            // significant (>= 1% of 1000)
        QVERIFY(!h.record(c, t0.addSecs(63)));           // within the 5 s floor
        QVERIFY(h.record(c, t0.addSecs(70)));            // recorded before the next minute
        QVERIFY(!h.record(c, t0.addSecs(200)));          // unchanged
        QVERIFY(h.record(c, t0.addSecs(70 + 300)));      // heartbeat
        c.insert(QStringLiteral("c"), counts(10, 0, 0)); // a new instance is significant
        QVERIFY(h.record(c, t0.addSecs(70 + 310)));

        const auto totals = h.totals(t0.addSecs(-1));
        QCOMPARE(totals.size(), 5);
        QCOMPARE(totals.first().time, t0);
        QCOMPARE(totals.first().counts.apps, 1500);
        QCOMPARE(totals.first().counts.outOfSync, 12);
        QCOMPARE(totals.at(2).counts.degraded, 41);
        QCOMPARE(totals.last().counts.apps, 1510);
        // Restricted to instances, and by time.
        const auto onlyB = h.totals(t0.addSecs(-1), {QStringLiteral("b")});
        QCOMPARE(onlyB.size(), 5);
        QCOMPARE(onlyB.first().counts.apps, 500);
        QCOMPARE(h.totals(t0.addSecs(65)).size(), 3);
        const auto samples = h.samples(QStringLiteral("c"), t0);
        QCOMPARE(samples.size(), 1);
        QCOMPARE(samples.first().counts.apps, 10);
    }

    void significance() {
        QVERIFY(!FleetHistory::significantChange(counts(1000, 10, 5), counts(1000, 15, 9)));
        QVERIFY(FleetHistory::significantChange(counts(1000, 10, 5), counts(1000, 20, 5)));
        QVERIFY(FleetHistory::significantChange(counts(50, 0, 0), counts(50, 0, 1)));
        QVERIFY(FleetHistory::significantChange(counts(50, 0, 0, 0), counts(50, 0, 0, 1)));
        QVERIFY(FleetHistory::significantChange(counts(1000, 0, 0), counts(800, 0, 0)));
    }

    void retentionDropsOldRows() {
        QTemporaryDir dir;
        FleetHistory h(dir.filePath(QStringLiteral("h.sqlite")));
        h.setRetentionDays(30);
        QHash<QString, FleetCounts> c{{QStringLiteral("a"), counts(10, 1, 1)}};
        QVERIFY(h.record(c, t0));
        c[QStringLiteral("a")].degraded = 2;
        QVERIFY(h.record(c, t0.addDays(10)));
        c[QStringLiteral("a")].degraded = 3;
        QVERIFY(h.record(c, t0.addDays(35))); // prunes: the first row is now 35 days old
        const auto all = h.totals(t0.addDays(-100));
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.first().time, t0.addDays(10));
        h.prune(t0.addDays(41));
        QCOMPARE(h.totals(t0.addDays(-100)).size(), 1);
    }

    void survivesReopen() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("h.sqlite"));
        QHash<QString, FleetCounts> c{{QStringLiteral("a"), counts(10, 1, 1)}};
        {
            FleetHistory h(path);
            QVERIFY(h.record(c, t0));
            c[QStringLiteral("a")].degraded = 5;
            QVERIFY(h.record(c, t0.addSecs(120)));
        }
        FleetHistory again(path);
        QVERIFY(again.isOpen());
        QCOMPARE(again.lastSnapshot(), t0.addSecs(120));
        // It remembers the last counts: unchanged counts right after a restart are not written.
        QVERIFY(!again.record(c, t0.addSecs(150)));
        const auto totals = again.totals(t0);
        QCOMPARE(totals.size(), 2);
        QCOMPARE(totals.last().counts.degraded, 5);
        // Two histories on different files coexist (distinct connections).
        FleetHistory other(dir.filePath(QStringLiteral("other.sqlite")));
        QVERIFY(other.isOpen());
        QVERIFY(other.totals(t0).isEmpty());
    }

    void unwritablePathIsReported() {
        FleetHistory h(QStringLiteral("/nonexistent-dir/for/sure/h.sqlite"));
        QVERIFY(!h.isOpen());
        QVERIFY(!h.errorString().isEmpty());
        QVERIFY(!h.record({{QStringLiteral("a"), counts(1, 0, 0)}}, t0));
        QVERIFY(h.totals(t0).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestFleetHistory)
#include "tst_fleethistory.moc"
