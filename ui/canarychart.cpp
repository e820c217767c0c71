#include "canarychart.h"

#include <QChart>
#include <QDateTimeAxis>
#include <QEvent>
#include <QKeyEvent>
#include <QLegend>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sextant::ui {

namespace {

// Warm for the canary (the thing under judgement), cool for the baseline; both dark enough on
// white and light enough on the dark theme's base.
const QColor kCanaryLight(0xd0, 0x30, 0x30);
const QColor kCanaryDark(0xff, 0x6b, 0x6b);
const QColor kBaselineLight(0x1a, 0x73, 0xe8);
const QColor kBaselineDark(0x8a, 0xb4, 0xf8);

bool isDark(const QPalette& pal) {
    return pal.color(QPalette::Window).lightness() < 128;
}

} // namespace

CanaryChart::CanaryChart(QWidget* parent)
    : QChartView(new QChart, parent) {
    chart()->setAnimationOptions(QChart::NoAnimation);
    chart()->setMargins(QMargins(4, 4, 4, 4));
    chart()->legend()->setAlignment(Qt::AlignBottom);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 220);
    setFocusPolicy(Qt::StrongFocus); // reachable by Tab, so a screen reader reads the summary
    setAccessibleName(tr("Canary against baseline over time"));
    applyTheme();
    showMessage(tr("Select a canary, then a metric, to see its canary and baseline over time."));
}

void CanaryChart::applyTheme() {
    const QPalette pal = palette();
    chart()->setTheme(isDark(pal) ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart()->setBackgroundBrush(pal.brush(QPalette::Base));
    chart()->setBackgroundRoundness(0);
    chart()->setTitleBrush(pal.brush(QPalette::Text));
    QFont titleFont = font();
    titleFont.setBold(true);
    chart()->setTitleFont(titleFont);
    chart()->legend()->setLabelColor(pal.color(QPalette::Text));
    chart()->legend()->setFont(font());
}

void CanaryChart::changeEvent(QEvent* event) {
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        // Themes reset series colours: draw everything again.
        applyTheme();
        rebuild();
    }
}

void CanaryChart::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
    case Qt::Key_Up:
    case Qt::Key_Left:
        Q_EMIT stepRequested(-1);
        return;
    case Qt::Key_Down:
    case Qt::Key_Right:
        Q_EMIT stepRequested(+1);
        return;
    default:
        QChartView::keyPressEvent(event);
    }
}

void CanaryChart::showMetric(const release::MetricChart& data, const QString& canaryLabel,
                             const QString& baselineLabel, const QString& summary) {
    m_data = data;
    m_metric = data.metric;
    m_canaryLabel = canaryLabel;
    m_baselineLabel = baselineLabel;
    m_summary = summary;
    m_message.clear();
    m_hasData = true;
    rebuild();
}

void CanaryChart::showMessage(const QString& message) {
    m_data = {};
    m_metric.clear();
    m_summary.clear();
    m_message = message;
    m_hasData = false;
    rebuild();
}

void CanaryChart::rebuild() {
    QChart* c = chart();
    c->removeAllSeries();
    m_canary = nullptr;
    m_baseline = nullptr;
    const auto oldAxes = c->axes();
    for (QAbstractAxis* axis : oldAxes) {
        c->removeAxis(axis);
        delete axis;
    }
    if (!m_hasData) {
        c->setTitle(m_message);
        c->legend()->hide();
        setAccessibleDescription(m_message);
        return;
    }
    const bool dark = isDark(palette());
    const QColor text = palette().color(QPalette::Text);
    c->setTitle(m_data.metric);
    c->legend()->show();

    m_canary = new QLineSeries;
    m_canary->setName(tr("Canary: %1").arg(m_canaryLabel));
    m_baseline = new QLineSeries;
    m_baseline->setName(tr("Baseline: %1").arg(m_baselineLabel));
    double lo = INFINITY;
    double hi = -INFINITY;
    qint64 first = std::numeric_limits<qint64>::max();
    qint64 last = std::numeric_limits<qint64>::min();
    auto fill = [&](QLineSeries* series, const release::ChartSeries& s) {
        const int n = int(std::min(s.timesMs.size(), s.values.size()));
        for (int i = 0; i < n; ++i) {
            const double v = s.values[i];
            if (!std::isfinite(v))
                continue; // a gap in the data, not a zero
            series->append(qreal(s.timesMs[i]), v);
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            first = std::min(first, s.timesMs[i]);
            last = std::max(last, s.timesMs[i]);
        }
    };
    fill(m_baseline, m_data.baseline);
    fill(m_canary, m_data.canary);

    QPen basePen(dark ? kBaselineDark : kBaselineLight);
    basePen.setWidthF(2.0);
    basePen.setStyle(Qt::DashLine);
    m_baseline->setPen(basePen);
    QPen canaryPen(dark ? kCanaryDark : kCanaryLight);
    canaryPen.setWidthF(2.4);
    m_canary->setPen(canaryPen);
    // Baseline first so the canary is drawn on top of it.
    c->addSeries(m_baseline);
    c->addSeries(m_canary);

    auto* timeAxis = new QDateTimeAxis;
    auto* valueAxis = new QValueAxis;
    if (first <= last) {
        timeAxis->setRange(
            QDateTime::fromMSecsSinceEpoch(first).toLocalTime(),
            QDateTime::fromMSecsSinceEpoch(std::max(last, first + 60000)).toLocalTime());
        timeAxis->setFormat(last - first > 2 * 86400000LL ? QStringLiteral("MMM d HH:mm")
                                                          : QStringLiteral("HH:mm"));
        // Zero-based when the values are non-negative: a ratio reads true against zero.
        const double bottom = lo >= 0 ? 0 : lo - (hi - lo) * 0.05;
        const double top = hi > bottom ? hi + (hi - bottom) * 0.08 : bottom + 1;
        valueAxis->setRange(bottom, top);
        valueAxis->applyNiceNumbers();
    }
    timeAxis->setTickCount(6);
    timeAxis->setTitleText(tr("time (local)"));
    valueAxis->setLabelFormat(hi < 0.1 && hi > -0.1 ? QStringLiteral("%.4f")
                                                    : QStringLiteral("%.3g"));
    valueAxis->setTitleText(m_data.metric);
    for (QAbstractAxis* axis :
         {static_cast<QAbstractAxis*>(timeAxis), static_cast<QAbstractAxis*>(valueAxis)}) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
    }
    c->addAxis(timeAxis, Qt::AlignBottom);
    c->addAxis(valueAxis, Qt::AlignLeft);
    for (QLineSeries* s : {m_baseline, m_canary}) {
        s->attachAxis(timeAxis);
        s->attachAxis(valueAxis);
    }
    QString description =
        tr("%1: canary %2 (solid line, %3 points) against baseline %4 (dashed line, %5 points)")
            .arg(m_data.metric, m_canaryLabel)
            .arg(m_canary->count())
            .arg(m_baselineLabel)
            .arg(m_baseline->count());
    if (first <= last)
        description += tr(", from %1 to %2")
                           .arg(QDateTime::fromMSecsSinceEpoch(first).toLocalTime().toString(
                                    QStringLiteral("HH:mm")),
                                QDateTime::fromMSecsSinceEpoch(last).toLocalTime().toString(
                                    QStringLiteral("HH:mm")));
    if (!m_summary.isEmpty())
        description += QStringLiteral(". ") + m_summary;
    if (m_canary->count() == 0 && m_baseline->count() == 0)
        description += tr(". No samples to draw.");
    setAccessibleDescription(description);
    setToolTip(description);
}

} // namespace sextant::ui
