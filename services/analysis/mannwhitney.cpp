#include "mannwhitney.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sextant::analysis {

namespace {

constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kSqrt2Pi = 2.50662827463100050242;

// Two-sided normal tail probability 2·min(Φ(z), 1 − Φ(z)) without cancellation.
double twoSidedNormalP(double z) {
    return std::erfc(std::fabs(z) / kSqrt2);
}

struct RankSums {
    double rankSumX = 0;
    double tieTerm = 0; // Σ (t³ − t) over tie groups
    bool ties = false;
};

// Mid-ranks of x − shift and y together, the rank sum of the x part and the tie term.
RankSums rankSums(const QVector<double>& x, const QVector<double>& y, double shift) {
    const qsizetype nx = x.size();
    QVector<std::pair<double, bool>> all; // value, belongs to x
    all.reserve(nx + y.size());
    for (double v : x)
        all.push_back({v - shift, true});
    for (double v : y)
        all.push_back({v, false});
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    RankSums r;
    qsizetype i = 0;
    while (i < all.size()) {
        qsizetype j = i;
        while (j + 1 < all.size() && all[j + 1].first == all[i].first)
            ++j;
        const double t = double(j - i + 1);
        const double rank = (double(i + 1) + double(j + 1)) / 2.0;
        for (qsizetype k = i; k <= j; ++k)
            if (all[k].second)
                r.rankSumX += rank;
        if (t > 1) {
            r.ties = true;
            r.tieTerm += t * t * t - t;
        }
        i = j + 1;
    }
    return r;
}

double sign(double v) {
    return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
}

// R's wdiff(): the continuity-corrected, tie-corrected standardised statistic of x − d against y,
// minus zq. Non-increasing in d, a step function whose jumps sit at the pairwise differences.
double standardised(const QVector<double>& x, const QVector<double>& y, double d, double zq) {
    const double nx = double(x.size());
    const double ny = double(y.size());
    const RankSums r = rankSums(x, y, d);
    const double dz = r.rankSumX - nx * (nx + 1) / 2.0 - nx * ny / 2.0;
    const double n = nx + ny;
    const double variance =
        (nx * ny / 12.0) * ((n + 1) - (n > 1 ? r.tieTerm / (n * (n - 1)) : 0.0));
    // Every value tied (only at d = the one constant difference): the statistic is 0 there.
    if (variance <= 0)
        return -zq;
    return (dz - sign(dz) * 0.5) / std::sqrt(variance) - zq;
}

// R's root(): the d where standardised(d) − zq changes sign within [lo, hi]. The function is a
// non-increasing step function, so bisection converges on the jump (a pairwise difference)
// deterministically; R's uniroot stops anywhere within 1e-4 of it. Where the function is exactly
// zero over an interval (the continuity correction makes one around the estimate), the middle of
// that interval is returned, so swapping the samples negates the result exactly.
double findShift(const QVector<double>& x, const QVector<double>& y, double lo, double hi,
                 double zq) {
    const double fLo = standardised(x, y, lo, zq);
    if (fLo <= 0)
        return lo;
    const double fHi = standardised(x, y, hi, zq);
    if (fHi >= 0)
        return hi;
    // The last d where the predicate still holds (it holds at lo and not at hi).
    const auto edge = [&](auto holds) {
        double a = lo, b = hi;
        for (int i = 0; i < 200; ++i) {
            const double mid = a + (b - a) / 2.0;
            if (mid <= a || mid >= b)
                break;
            if (holds(standardised(x, y, mid, zq)))
                a = mid;
            else
                b = mid;
        }
        return a + (b - a) / 2.0;
    };
    const double positiveUntil = edge([](double f) { return f > 0; });
    const double nonNegativeUntil = edge([](double f) { return f >= 0; });
    return positiveUntil + (nonNegativeUntil - positiveUntil) / 2.0;
}

double median(QVector<double> v) {
    std::sort(v.begin(), v.end());
    const qsizetype n = v.size();
    if (n == 0)
        return std::numeric_limits<double>::quiet_NaN();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

} // namespace

QString MannWhitneyResult::methodText() const {
    const QString level = QString::number(confidenceLevel * 100, 'g', 4);
    if (method == Method::Exact)
        return QStringLiteral("Wilcoxon rank-sum exact test, %1 % interval (achieved %2 %)")
            .arg(level, QString::number(achievedConfidence * 100, 'f', 2));
    return QStringLiteral("Wilcoxon rank-sum test, normal approximation with tie and continuity "
                          "correction, %1 % interval")
        .arg(level);
}

double normalCdf(double z) {
    return 0.5 * std::erfc(-z / kSqrt2);
}

double normalQuantile(double p) {
    if (std::isnan(p) || p < 0 || p > 1)
        return std::numeric_limits<double>::quiet_NaN();
    if (p == 0)
        return -std::numeric_limits<double>::infinity();
    if (p == 1)
        return std::numeric_limits<double>::infinity();
    // Peter J. Acklam's rational approximation (relative error 1.15e-9) ...
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    constexpr double pLow = 0.02425;
    double x;
    if (p < pLow) {
        const double q = std::sqrt(-2 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - pLow) {
        const double q = p - 0.5;
        const double r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        const double q = std::sqrt(-2 * std::log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    // ... refined by one step of Halley's method against erfc to full double precision.
    for (int i = 0; i < 2; ++i) {
        const double e = normalCdf(x) - p;
        const double u = e * kSqrt2Pi * std::exp(x * x / 2);
        x = x - u / (1 + x * u / 2);
    }
    return x;
}

QVector<double> midRanks(const QVector<double>& values) {
    QVector<qsizetype> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](qsizetype a, qsizetype b) { return values[a] < values[b]; });
    QVector<double> ranks(values.size());
    qsizetype i = 0;
    while (i < order.size()) {
        qsizetype j = i;
        while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]])
            ++j;
        const double rank = (double(i + 1) + double(j + 1)) / 2.0;
        for (qsizetype k = i; k <= j; ++k)
            ranks[order[k]] = rank;
        i = j + 1;
    }
    return ranks;
}

QVector<double> wilcoxonCounts(int m, int n) {
    // counts(i, j)[u] = counts(i−1, j)[u − j] + counts(i, j−1)[u]: the largest of the i + j
    // values either belongs to the first sample (and beats all j values of the second) or not.
    QVector<QVector<double>> prev(n + 1, QVector<double>{1.0});
    for (int i = 1; i <= m; ++i) {
        QVector<QVector<double>> cur(n + 1);
        cur[0] = QVector<double>{1.0};
        for (int j = 1; j <= n; ++j) {
            QVector<double> row(i * j + 1, 0.0);
            const QVector<double>& above = prev[j];
            for (qsizetype u = 0; u < above.size(); ++u)
                row[u + j] += above[u];
            const QVector<double>& left = cur[j - 1];
            for (qsizetype u = 0; u < left.size(); ++u)
                row[u] += left[u];
            cur[j] = std::move(row);
        }
        prev = std::move(cur);
    }
    return prev[n];
}

MannWhitneyResult mannWhitney(const QVector<double>& x, const QVector<double>& y,
                              double confidenceLevel, MannWhitneyMethod method) {
    MannWhitneyResult r;
    r.nx = int(x.size());
    r.ny = int(y.size());
    r.confidenceLevel = confidenceLevel;
    if (x.isEmpty() || y.isEmpty()) {
        r.pValue = std::numeric_limits<double>::quiet_NaN();
        r.estimate = r.ciLower = r.ciUpper = std::numeric_limits<double>::quiet_NaN();
        return r;
    }
    const double nx = r.nx;
    const double ny = r.ny;
    const RankSums sums = rankSums(x, y, 0.0);
    r.w = sums.rankSumX - nx * (nx + 1) / 2.0;
    r.ties = sums.ties;
    const double alpha = 1.0 - confidenceLevel;

    const bool small = r.nx < 50 && r.ny < 50;
    const bool exact = method != MannWhitneyMethod::Normal && small && !sums.ties;
    if (exact) {
        r.method = MannWhitneyResult::Method::Exact;
        const QVector<double> counts = wilcoxonCounts(r.nx, r.ny);
        const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
        const auto cdf = [&](qsizetype q) { // P(W <= q)
            if (q < 0)
                return 0.0;
            double s = 0;
            for (qsizetype u = 0; u <= q && u < counts.size(); ++u)
                s += counts[u];
            return s / total;
        };
        const auto w = qsizetype(std::llround(r.w));
        const double p = r.w > nx * ny / 2.0 ? 1.0 - cdf(w - 1) : cdf(w);
        r.pValue = std::min(1.0, 2.0 * p);

        // R: qu = qwilcox(alpha/2) (smallest q with P(W <= q) >= alpha/2), at least 1; the
        // interval is [diffs[qu], diffs[m·n − qu + 1]] (1-based) of the sorted differences.
        QVector<double> diffs;
        diffs.reserve(x.size() * y.size());
        for (double a : x)
            for (double b : y)
                diffs.push_back(a - b);
        std::sort(diffs.begin(), diffs.end());
        qsizetype qu = 0;
        double acc = 0;
        const double target = (alpha / 2.0) * (1.0 - 64 * std::numeric_limits<double>::epsilon());
        while (qu < counts.size()) {
            acc += counts[qu] / total;
            if (acc >= target)
                break;
            ++qu;
        }
        if (qu == 0)
            qu = 1;
        const qsizetype ql = qsizetype(r.nx) * r.ny - qu;
        r.ciLower = diffs[qu - 1];
        r.ciUpper = diffs[std::min(ql, diffs.size() - 1)];
        r.achievedConfidence = 1.0 - 2.0 * cdf(qu - 1);
        r.estimate = median(diffs);
        return r;
    }

    r.method = MannWhitneyResult::Method::Normal;
    const double n = nx + ny;
    const double z0 = r.w - nx * ny / 2.0;
    const double variance =
        (nx * ny / 12.0) * ((n + 1) - (n > 1 ? sums.tieTerm / (n * (n - 1)) : 0.0));
    if (variance <= 0) {
        // A single value in both samples: nothing differs.
        r.pValue = 1.0;
        r.estimate = r.ciLower = r.ciUpper = 0.0;
        return r;
    }
    const double z = (z0 - sign(z0) * 0.5) / std::sqrt(variance);
    r.pValue = std::min(1.0, twoSidedNormalP(z));

    const double muMin =
        *std::min_element(x.begin(), x.end()) - *std::max_element(y.begin(), y.end());
    const double muMax =
        *std::max_element(x.begin(), x.end()) - *std::min_element(y.begin(), y.end());
    const double zq = normalQuantile(1.0 - alpha / 2.0);
    r.ciLower = findShift(x, y, muMin, muMax, zq);
    r.ciUpper = findShift(x, y, muMin, muMax, -zq);
    r.estimate = findShift(x, y, muMin, muMax, 0.0);
    return r;
}

} // namespace sextant::analysis
