#pragma once

#include "release/releasereview.h"

#include <QChartView>

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace sextant::ui {

// One canary metric over time: the canary's line (solid, warm colour) against the baseline's
// (dashed, cool colour) on a time axis, with a legend naming the clusters on each side. The two
// lines differ by dash as well as by colour, and the view's accessible description says in words
// what the chart shows (both medians, the window, the classification). Follows the widget
// palette, so it reads in the dark theme too. Tab focuses it; the arrow keys walk the metrics.
class CanaryChart : public QChartView {
    Q_OBJECT
public:
    explicit CanaryChart(QWidget* parent = nullptr);

    // Draws `chart`. `canaryLabel`/`baselineLabel` name the sides in the legend ("stage-eu-1",
    // "prod-eu-1, prod-us-1"); `summary` is one sentence for screen readers and the subtitle
    // (e.g. the classification and medians).
    void showMetric(const release::MetricChart& chart, const QString& canaryLabel,
                    const QString& baselineLabel, const QString& summary);
    // No chart: `message` says why (no metric selected, not judged, no samples).
    void showMessage(const QString& message);

    QLineSeries* canarySeries() const { return m_canary; }
    QLineSeries* baselineSeries() const { return m_baseline; }
    QString metric() const { return m_metric; }

Q_SIGNALS:
    // The arrow keys on the focused chart: show the previous (-1) or next (+1) metric.
    void stepRequested(int delta);

protected:
    void changeEvent(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void applyTheme();
    void rebuild();

    release::MetricChart m_data;
    QString m_canaryLabel;
    QString m_baselineLabel;
    QString m_summary;
    QString m_message;
    QString m_metric;
    bool m_hasData = false;
    QLineSeries* m_canary = nullptr;
    QLineSeries* m_baseline = nullptr;
};

} // namespace sextant::ui
