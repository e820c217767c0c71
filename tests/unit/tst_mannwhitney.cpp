// analysis::mannWhitney against values derived independently inside the test: the exact
// permutation distribution by enumerating every assignment of ranks, U by counting pairs, the
// tie-corrected variance as the permutation variance of the mid-ranks, the Hodges-Lehmann
// estimate as the median of all pairwise differences; plus R's documented example and the
// normal quantiles every statistics table prints.

#include "analysis/mannwhitney.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

using namespace sextant::analysis;

namespace {

// Every way of choosing m of the ranks 1..m+n for the first sample: the U value of each.
QVector<double> enumerateU(int m, int n) {
    QVector<double> out;
    std::function<void(int, int, double)> rec = [&](int next, int left, double rankSum) {
        if (left == 0) {
            out.push_back(rankSum - m * (m + 1) / 2.0);
            return;
        }
        for (int r = next; r <= m + n - left + 1; ++r)
            rec(r + 1, left - 1, rankSum + r);
    };
    rec(1, m, 0);
    return out;
}

// Two-sided exact p-value of R's wilcox.test from the enumerated distribution.
double bruteExactP(double w, int m, int n) {
    const QVector<double> all = enumerateU(m, n);
    double le = 0, ge = 0;
    for (double u : all) {
        le += u <= w;
        ge += u >= w;
    }
    const double p = (w > m * n / 2.0 ? ge : le) / double(all.size());
    return std::min(1.0, 2 * p);
}

// U of x by counting pairs (a tie counts one half) — no ranks involved.
double pairCountU(const QVector<double>& x, const QVector<double>& y) {
    double u = 0;
    for (double a : x)
        for (double b : y)
            u += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
    return u;
}

QVector<double> sortedDiffs(const QVector<double>& x, const QVector<double>& y) {
    QVector<double> d;
    for (double a : x)
        for (double b : y)
            d.push_back(a - b);
    std::sort(d.begin(), d.end());
    return d;
}

double medianOf(QVector<double> v) {
    std::sort(v.begin(), v.end());
    const qsizetype n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// A small deterministic generator so the samples are the same on every run.
struct Lcg {
    quint64 state;
    double next() {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return double(state >> 11) / double(1ULL << 53);
    }
};

} // namespace

class TestMannWhitney : public QObject {
    Q_OBJECT
private slots:
    void normalQuantilesMatchTables() {
        QVERIFY(std::fabs(normalQuantile(0.975) - 1.959963984540054) < 1e-12);
        QVERIFY(std::fabs(normalQuantile(0.99) - 2.326347874040841) < 1e-12);
        QVERIFY(std::fabs(normalQuantile(0.5)) < 1e-15);
        QVERIFY(std::fabs(normalQuantile(0.01) + 2.326347874040841) < 1e-12);
        QVERIFY(std::fabs(normalQuantile(1e-10) + 6.361340902404056) < 1e-9);
        for (double p : {1e-8, 0.001, 0.02, 0.1, 0.3, 0.7, 0.9, 0.98, 0.999999})
            QVERIFY2(std::fabs(normalCdf(normalQuantile(p)) - p) < 1e-13 * std::max(1.0, p / 1e-3),
                     qPrintable(QString::number(p)));
        QVERIFY(std::fabs(normalCdf(1.0) - 0.8413447460685429) < 1e-15);
    }

    void midRanksAverageTies() {
        QCOMPARE(midRanks({3, 1, 4, 1, 5}), (QVector<double>{3, 1.5, 4, 1.5, 5}));
        QCOMPARE(midRanks({2, 2, 2}), (QVector<double>{2, 2, 2}));
    }

    void countsMatchEnumeration_data() {
        QTest::addColumn<int>("m");
        QTest::addColumn<int>("n");
        QTest::newRow("1x1") << 1 << 1;
        QTest::newRow("3x4") << 3 << 4;
        QTest::newRow("4x3") << 4 << 3;
        QTest::newRow("5x7") << 5 << 7;
        QTest::newRow("6x6") << 6 << 6;
    }
    void countsMatchEnumeration() {
        QFETCH(int, m);
        QFETCH(int, n);
        const QVector<double> counts = wilcoxonCounts(m, n);
        QVector<double> expected(m * n + 1, 0.0);
        for (double u : enumerateU(m, n))
            expected[qsizetype(u)] += 1;
        QCOMPARE(counts, expected);
    }

    // R's ?wilcox.test example (Hollander & Wolfe, depression scale): W = 35, one-sided
    // p = 0.1272, so two-sided 0.2544; no ties, so R takes the exact distribution.
    void rDocumentedExample() {
        const QVector<double> x = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
        const QVector<double> y = {1.15, 0.88, 0.90, 0.74, 1.21};
        const MannWhitneyResult r = mannWhitney(x, y, 0.95);
        QCOMPARE(r.method, MannWhitneyResult::Method::Exact);
        QCOMPARE(r.w, 35.0);
        QCOMPARE(r.w, pairCountU(x, y));
        QVERIFY2(std::fabs(r.pValue - 0.2544) < 5e-5, qPrintable(QString::number(r.pValue)));
        QVERIFY(std::fabs(r.pValue - bruteExactP(35, 10, 5)) < 1e-12);
        // Hodges-Lehmann: the median of the 50 pairwise differences.
        const QVector<double> diffs = sortedDiffs(x, y);
        QCOMPARE(r.estimate, medianOf(diffs));
        QVERIFY(r.ciLower <= r.estimate && r.estimate <= r.ciUpper);
    }

    // The exact interval consists of order statistics chosen from the permutation distribution:
    // recompute the index from the enumerated distribution.
    void exactIntervalFromEnumeration() {
        Lcg g{7};
        QVector<double> x, y;
        for (int i = 0; i < 7; ++i)
            x.push_back(10 + g.next() * 5);
        for (int i = 0; i < 8; ++i)
            y.push_back(8 + g.next() * 5);
        const MannWhitneyResult r = mannWhitney(x, y, 0.90);
        QCOMPARE(r.method, MannWhitneyResult::Method::Exact);
        QVector<double> us = enumerateU(7, 8);
        std::sort(us.begin(), us.end());
        // Smallest q with P(U <= q) >= 0.05.
        int q = 0;
        while (true) {
            const double below =
                double(std::count_if(us.begin(), us.end(), [&](double u) { return u <= q; }));
            if (below / us.size() >= 0.05)
                break;
            ++q;
        }
        const QVector<double> diffs = sortedDiffs(x, y);
        QCOMPARE(r.ciLower, diffs[q - 1]);
        QCOMPARE(r.ciUpper, diffs[56 - q]);
        const double tail =
            double(std::count_if(us.begin(), us.end(), [&](double u) { return u <= q - 1; })) /
            us.size();
        QVERIFY(std::fabs(r.achievedConfidence - (1 - 2 * tail)) < 1e-12);
        QVERIFY(r.achievedConfidence >= 0.90);
        QVERIFY(std::fabs(r.pValue - bruteExactP(pairCountU(x, y), 7, 8)) < 1e-12);
    }

    // With ties the normal approximation is used; check U, the tie-corrected variance and the
    // continuity correction against independent formulas.
    void normalApproximationWithTies() {
        Lcg g{42};
        QVector<double> x, y;
        for (int i = 0; i < 40; ++i)
            x.push_back(std::floor(g.next() * 6) + 1); // many ties: values 1..6
        for (int i = 0; i < 35; ++i)
            y.push_back(std::floor(g.next() * 5) + 1);
        const MannWhitneyResult r = mannWhitney(x, y, 0.98);
        QCOMPARE(r.method, MannWhitneyResult::Method::Normal);
        QVERIFY(r.ties);
        const double u = pairCountU(x, y);
        QCOMPARE(r.w, u);
        // Permutation variance of the rank sum: nx·ny/(N(N−1)) · Σ (r − r̄)².
        QVector<double> all = x + y;
        const QVector<double> ranks = midRanks(all);
        const double n = all.size();
        const double mean = (n + 1) / 2;
        double ss = 0;
        for (double rk : ranks)
            ss += (rk - mean) * (rk - mean);
        const double var = 40.0 * 35.0 / (n * (n - 1)) * ss;
        const double d = u - 40.0 * 35.0 / 2;
        const double z = (d - (d > 0 ? 0.5 : d < 0 ? -0.5 : 0)) / std::sqrt(var);
        const double p = 2 * std::min(normalCdf(z), 1 - normalCdf(z));
        QVERIFY2(std::fabs(r.pValue - p) < 1e-12,
                 qPrintable(QStringLiteral("%1 vs %2").arg(r.pValue).arg(p)));
    }

    // For tie-free samples of 20 the normal approximation must agree closely with the exact
    // distribution (and both paths must agree on W).
    void normalAgreesWithExact() {
        Lcg g{3};
        QVector<double> x, y;
        for (int i = 0; i < 20; ++i) {
            x.push_back(g.next() + 0.3);
            y.push_back(g.next());
        }
        const MannWhitneyResult exact = mannWhitney(x, y, 0.98, MannWhitneyMethod::Exact);
        const MannWhitneyResult normal = mannWhitney(x, y, 0.98, MannWhitneyMethod::Normal);
        QCOMPARE(exact.method, MannWhitneyResult::Method::Exact);
        QCOMPARE(normal.method, MannWhitneyResult::Method::Normal);
        QCOMPARE(exact.w, normal.w);
        QVERIFY2(std::fabs(exact.pValue - normal.pValue) < 0.01,
                 qPrintable(QStringLiteral("%1 vs %2").arg(exact.pValue).arg(normal.pValue)));
        QVERIFY(std::fabs(exact.ciLower - normal.ciLower) < 0.1);
        QVERIFY(std::fabs(exact.ciUpper - normal.ciUpper) < 0.1);
    }

    // A pure shift: the estimate recovers it and the interval covers it; the p-value is tiny.
    void recoversAShift() {
        Lcg g{11};
        QVector<double> x, y;
        for (int i = 0; i < 120; ++i) {
            const double v = g.next() * 10;
            y.push_back(v);
            x.push_back(g.next() * 10 + 3);
        }
        const MannWhitneyResult r = mannWhitney(x, y, 0.98);
        QCOMPARE(r.method, MannWhitneyResult::Method::Normal);
        QVERIFY(r.pValue < 1e-6);
        QVERIFY2(r.ciLower < 3 && 3 < r.ciUpper,
                 qPrintable(QStringLiteral("[%1, %2]").arg(r.ciLower).arg(r.ciUpper)));
        QVERIFY(r.ciLower > 1.5); // the shift is clearly positive
        const double hl = medianOf(sortedDiffs(x, y));
        QVERIFY2(std::fabs(r.estimate - hl) < 0.1,
                 qPrintable(QStringLiteral("%1 vs %2").arg(r.estimate).arg(hl)));
        // Swapping the samples negates the shift.
        const MannWhitneyResult s = mannWhitney(y, x, 0.98);
        QVERIFY(std::fabs(s.estimate + r.estimate) < 1e-9);
        QVERIFY(std::fabs(s.pValue - r.pValue) < 1e-15);
    }

    void sameDistributionIsNotSignificant() {
        Lcg g{5};
        QVector<double> x, y;
        for (int i = 0; i < 100; ++i) {
            x.push_back(g.next());
            y.push_back(g.next());
        }
        const MannWhitneyResult r = mannWhitney(x, y, 0.98);
        QVERIFY(r.pValue > 0.05);
        QVERIFY(r.ciLower < 0 && 0 < r.ciUpper);
    }

    void allValuesEqual() {
        const MannWhitneyResult r = mannWhitney({2, 2, 2}, {2, 2}, 0.98);
        QCOMPARE(r.pValue, 1.0);
        QCOMPARE(r.estimate, 0.0);
        // Two constants that differ: the shift is exactly their difference.
        const MannWhitneyResult c =
            mannWhitney(QVector<double>(30, 5.0), QVector<double>(30, 1.0), 0.98);
        QVERIFY(c.pValue < 1e-10);
        QVERIFY(std::fabs(c.estimate - 4.0) < 1e-9);
    }
};

QTEST_GUILESS_MAIN(TestMannWhitney)
#include "tst_mannwhitney.moc"
