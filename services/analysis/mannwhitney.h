#pragma once

#include <QString>
#include <QVector>

namespace sextant::analysis {

// The two-sided Mann-Whitney U (Wilcoxon rank-sum) test with the Hodges-Lehmann location shift
// and its confidence interval, following R's wilcox.test(x, y, conf.int = TRUE, correct = TRUE),
// which Kayenta's NetflixACAJudge ports (kayenta-mannwhitney). `x` is the experiment (canary),
// `y` the control (baseline): a positive estimate means the canary is higher.
struct MannWhitneyResult {
    enum class Method {
        Exact,  // permutation distribution of W (small samples, no ties)
        Normal, // normal approximation with tie and continuity correction
    };
    Method method = Method::Normal;
    int nx = 0;
    int ny = 0;
    double w = 0;        // R's W = rank sum of x − nx(nx+1)/2 (the U statistic of x)
    double pValue = 1.0; // two-sided
    bool ties = false;
    // Hodges-Lehmann estimate of the shift x − y and its confidence interval.
    double estimate = 0;
    double ciLower = 0;
    double ciUpper = 0;
    double confidenceLevel = 0.98;
    // Exact method only: the confidence actually achieved by the order statistics chosen.
    double achievedConfidence = 0;
    QString methodText() const;
};

enum class MannWhitneyMethod {
    Auto,   // R's default: exact when both samples have fewer than 50 values and no ties
    Exact,  // refused (falls back to Normal) when there are ties or a sample has 50 or more
    Normal, // Kayenta's choice
};

// Both samples must be non-empty and finite (the caller removes NaN first); confidenceLevel in
// (0, 1). Deterministic: no random tie breaking.
MannWhitneyResult mannWhitney(const QVector<double>& x, const QVector<double>& y,
                              double confidenceLevel = 0.98,
                              MannWhitneyMethod method = MannWhitneyMethod::Auto);

// Standard normal distribution function and its inverse (Acklam's rational approximation with
// one Halley refinement; absolute error below 1e-12 over (1e-300, 1 − 1e-16)).
double normalCdf(double z);
double normalQuantile(double p);

// Mid-ranks (1-based; ties share their average rank), in the input's order.
QVector<double> midRanks(const QVector<double>& values);

// Number of arrangements giving each value of W = 0..m·n for samples of sizes m and n without
// ties (the coefficients of the Gaussian binomial [m+n choose m]); the total is C(m+n, m).
QVector<double> wilcoxonCounts(int m, int n);

} // namespace sextant::analysis
