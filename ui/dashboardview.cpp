#include "dashboardview.h"

#include "consolesession.h"
#include "fleet/fleethistory.h"
#include "fleetmodel.h"

#include <QAccessible>
#include <QApplication>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalStackedBarSeries>
#include <QKeyEvent>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLocale>
#include <QPieLegendMarker>
#include <QPieSeries>
#include <QPieSlice>
#include <QPushButton>
#include <QScatterSeries>
#include <QScrollArea>
#include <QSet>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStyle>
#include <QTableWidget>
#include <QTimer>
#include <QToolTip>
#include <QUrl>
#include <QVBoxLayout>

#include <QValueAxis>
#include <climits>
#include <optional>

namespace sextant::ui {

namespace {

// One thing a chart lets you click: a donut slice, one cluster's bar of one sync status, a
// trend line. Built afresh on every key press (the series are rebuilt on every refresh).
struct ChartTarget {
    QString label;
    fleet::FleetFilter filter;
    std::function<void(bool)> highlight;
};

// Keyboard access to a chart: Tab focuses it, the arrow keys (and Home/End) move between its
// segments — highlighted, named in a tooltip and in the view's accessible description — and
// Enter or Space opens the table filtered to the segment, like a click.
class ChartKeys : public QObject {
public:
    using Targets = std::function<QVector<ChartTarget>()>;
    using Activate = std::function<void(const fleet::FleetFilter&)>;

    ChartKeys(QChartView* view, Targets targets, Activate activate)
        : QObject(view)
        , m_view(view)
        , m_targets(std::move(targets))
        , m_activate(std::move(activate)) {
        view->setFocusPolicy(Qt::StrongFocus);
        view->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (watched != m_view)
            return false;
        if (event->type() == QEvent::FocusIn) {
            show(m_current);
            return false;
        }
        if (event->type() == QEvent::FocusOut) {
            for (const ChartTarget& t : m_targets())
                t.highlight(false);
            return false;
        }
        if (event->type() != QEvent::KeyPress)
            return false;
        const int key = static_cast<QKeyEvent*>(event)->key();
        switch (key) {
        case Qt::Key_Right:
        case Qt::Key_Down:
            show(m_current + 1);
            return true;
        case Qt::Key_Left:
        case Qt::Key_Up:
            show(m_current - 1);
            return true;
        case Qt::Key_Home:
            show(0);
            return true;
        case Qt::Key_End:
            show(int(m_targets().size()) - 1);
            return true;
        case Qt::Key_Return:
        case Qt::Key_Enter:
        case Qt::Key_Space: {
            const QVector<ChartTarget> targets = m_targets();
            if (m_current >= 0 && m_current < targets.size())
                m_activate(targets.at(m_current).filter);
            return true;
        }
        default:
            return false;
        }
    }

private:
    void show(int index) {
        const QVector<ChartTarget> targets = m_targets();
        for (const ChartTarget& t : targets)
            t.highlight(false);
        if (targets.isEmpty()) {
            m_current = 0;
            m_view->setAccessibleDescription(QObject::tr("Nothing to select"));
            return;
        }
        m_current = std::clamp(index, 0, int(targets.size()) - 1);
        const ChartTarget& t = targets.at(m_current);
        t.highlight(true);
        const QString text = QObject::tr("%1 (%2 of %3) — Enter shows these applications")
                                 .arg(t.label)
                                 .arg(m_current + 1)
                                 .arg(targets.size());
        m_view->setAccessibleDescription(text);
        // Screen readers hear the new segment without waiting for the next focus change.
        QAccessibleEvent changed(m_view, QAccessible::DescriptionChanged);
        QAccessible::updateAccessibility(&changed);
        if (m_view->isVisible())
            QToolTip::showText(m_view->mapToGlobal(m_view->rect().center()), text, m_view);
    }

    QChartView* m_view;
    Targets m_targets;
    Activate m_activate;
    int m_current = 0;
};

} // namespace

using argocd::HealthStatus;
using argocd::SyncStatus;
using fleet::FleetFilter;
using models::DashboardStats;
using models::FleetModel;

namespace {

constexpr int kTopClusters = 10;
const QColor kFailColor(0xd0, 0x30, 0x30);

QString number(int n) {
    return QLocale().toString(n);
}

// A big number with a caption under it; the whole thing is one button (focusable, clickable).
class MetricButton : public QPushButton {
public:
    explicit MetricButton(const QString& caption, QWidget* parent = nullptr)
        : QPushButton(parent)
        , m_caption(caption) {
        setFlat(true);
        setCursor(Qt::PointingHandCursor);
        setFocusPolicy(Qt::StrongFocus);
        auto* layout = new QVBoxLayout(this);
        layout->setContentsMargins(6, 4, 6, 4);
        layout->setSpacing(0);
        m_value = new QLabel(QStringLiteral("0"));
        QFont big = m_value->font();
        big.setPointSizeF(big.pointSizeF() * 1.9);
        big.setWeight(QFont::DemiBold);
        m_value->setFont(big);
        m_value->setAttribute(Qt::WA_TransparentForMouseEvents);
        // Inside a button the default text role is ButtonText; these labels use WindowText.
        m_value->setForegroundRole(QPalette::WindowText);
        auto* label = new QLabel(caption);
        label->setAttribute(Qt::WA_TransparentForMouseEvents);
        label->setForegroundRole(QPalette::WindowText);
        QPalette pal = label->palette();
        pal.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
        label->setPalette(pal);
        layout->addWidget(m_value);
        layout->addWidget(label);
        QFont small = label->font();
        small.setPointSizeF(small.pointSizeF() * 0.9);
        label->setFont(small);
        setMinimumSize(layout->sizeHint());
    }
    void setValue(int value, const QColor& color, const QString& scope) {
        m_value->setText(number(value));
        QPalette pal = m_value->palette();
        pal.setColor(QPalette::WindowText,
                     color.isValid() ? color : palette().color(QPalette::WindowText));
        m_value->setPalette(pal);
        setAccessibleName(QStringLiteral("%1: %2 %3").arg(scope, number(value), m_caption));
        setToolTip(tr("Show these applications in the table"));
        setMinimumSize(layout()->sizeHint());
    }
    QString valueText() const { return m_value->text(); }

private:
    QString m_caption;
    QLabel* m_value;
};

} // namespace

// One instance (or the whole fleet): its name and state, and four clickable counts.
class DashboardTile : public QFrame {
public:
    enum Metric { Apps, OutOfSync, Degraded, SyncFailed, MetricCount };

    explicit DashboardTile(QWidget* parent = nullptr)
        : QFrame(parent) {
        setFrameShape(QFrame::StyledPanel);
        setAutoFillBackground(true);
        setBackgroundRole(QPalette::Base);
        auto* layout = new QVBoxLayout(this);
        layout->setContentsMargins(8, 6, 8, 4);
        layout->setSpacing(2);
        m_title = new QLabel;
        m_title->setTextFormat(Qt::RichText);
        layout->addWidget(m_title);
        auto* row = new QHBoxLayout;
        row->setSpacing(0);
        const QString captions[MetricCount] = {tr("applications"), tr("out of sync"),
                                               tr("degraded"), tr("failing syncs")};
        for (int m = 0; m < MetricCount; ++m) {
            m_metrics[m] = new MetricButton(captions[m]);
            row->addWidget(m_metrics[m]);
        }
        layout->addLayout(row);
    }

    void setCounts(const QString& titleHtml, const QString& scope, const fleet::FleetCounts& c) {
        m_title->setText(titleHtml);
        auto problem = [](int n, const QColor& color) { return n > 0 ? color : QColor(); };
        m_metrics[Apps]->setValue(c.apps, QColor(), scope);
        m_metrics[OutOfSync]->setValue(
            c.outOfSync, problem(c.outOfSync, FleetModel::syncColor(SyncStatus::OutOfSync)), scope);
        m_metrics[Degraded]->setValue(
            c.degraded, problem(c.degraded, FleetModel::healthColor(HealthStatus::Degraded)),
            scope);
        m_metrics[SyncFailed]->setValue(c.syncFailed, problem(c.syncFailed, kFailColor), scope);
    }

    QPushButton* metric(Metric m) const { return m_metrics[m]; }
    QString instanceId; // empty = all instances

private:
    QLabel* m_title;
    MetricButton* m_metrics[MetricCount];
};

DashboardView::DashboardView(ConsoleSession* session, FleetModel* model,
                             fleet::FleetHistory* history, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_model(model)
    , m_history(history)
    , m_refreshTimer(new QTimer(this))
    , m_historyTimer(new QTimer(this)) {
    setObjectName(QStringLiteral("dashboard"));
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(6, 6, 6, 6);
    root->setSpacing(6);

    // Tiles: all instances first, then one per instance; scrolls sideways with many instances.
    auto* tilesHost = new QWidget;
    m_tilesLayout = new QHBoxLayout(tilesHost);
    m_tilesLayout->setContentsMargins(0, 0, 0, 0);
    m_tilesLayout->setSpacing(6);
    m_tilesLayout->addStretch();
    m_tilesScroll = new QScrollArea;
    m_tilesScroll->setWidget(tilesHost);
    m_tilesScroll->setWidgetResizable(true);
    m_tilesScroll->setFrameShape(QFrame::NoFrame);
    m_tilesScroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_tilesScroll->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    root->addWidget(m_tilesScroll);

    // Charts: health donut, sync per cluster, trend.
    m_healthSeries = new QPieSeries;
    m_healthSeries->setHoleSize(0.5);
    m_healthSeries->setPieSize(0.85);
    m_healthChart = new QChart;
    m_healthChart->addSeries(m_healthSeries);
    // Beside the donut, wide enough for "Progressing 1,234" so no label is cut.
    m_healthChart->legend()->setAlignment(Qt::AlignRight);
    m_healthChart->legend()->setMinimumWidth(
        fontMetrics().horizontalAdvance(QStringLiteral("Progressing  00,000")) + 40);
    auto* healthView = makeChartView(m_healthChart, tr("Health of all applications"));

    m_clusterSeries = new QHorizontalStackedBarSeries;
    m_clusterSeries->setBarWidth(0.7);
    m_clusterChart = new QChart;
    m_clusterChart->addSeries(m_clusterSeries);
    m_clusterChart->legend()->setAlignment(Qt::AlignBottom);
    auto* clusterView = makeChartView(m_clusterChart, tr("Sync status per cluster"));

    m_trendChart = new QChart;
    m_trendChart->legend()->setAlignment(Qt::AlignBottom);
    auto* trendView = makeChartView(m_trendChart, tr("Trend of degraded and out-of-sync counts"));
    healthView->setObjectName(QStringLiteral("healthChart"));
    clusterView->setObjectName(QStringLiteral("clusterChart"));
    trendView->setObjectName(QStringLiteral("trendChart"));
    const auto activate = [this](const FleetFilter& f) { Q_EMIT filterRequested(f); };
    new ChartKeys(
        healthView,
        [this] {
            QVector<ChartTarget> out;
            const auto slices = m_healthSeries->slices();
            for (QPieSlice* slice : slices) {
                FleetFilter f;
                f.health = {HealthStatus(slice->property("health").toInt())};
                out.append({slice->label(), f, [slice](bool on) { slice->setExploded(on); }});
            }
            return out;
        },
        activate);
    new ChartKeys(
        clusterView,
        [this] {
            // Top to bottom as drawn (the first category is the bottom bar), then by status.
            QVector<ChartTarget> out;
            const auto sets = m_clusterSeries->barSets();
            for (int i = int(m_clusterCategories.size()) - 1; i >= 0; --i) {
                for (QBarSet* set : sets) {
                    if (i >= set->count() || set->at(i) <= 0)
                        continue;
                    FleetFilter f;
                    f.clusters = {m_clusterCategories.at(i)};
                    f.sync = {SyncStatus(set->property("sync").toInt())};
                    out.append({tr("%1: %2 %3")
                                    .arg(m_clusterCategories.at(i), set->label())
                                    .arg(number(int(set->at(i)))),
                                f, [set, i](bool on) {
                                    if (on)
                                        set->selectBar(i);
                                    else
                                        set->deselectBar(i);
                                }});
                }
            }
            return out;
        },
        activate);
    new ChartKeys(
        trendView,
        [this] {
            QVector<ChartTarget> out;
            const auto series = m_trendChart->series();
            for (int i = 0; i < series.size() && i < m_trendFilters.size(); ++i) {
                auto* line = qobject_cast<QLineSeries*>(series.at(i));
                if (!line)
                    continue;
                // The line and where it ends now: "Degraded: 12 at the latest snapshot".
                const QString label =
                    line->count() > 0
                        ? tr("%1: %2 at the latest snapshot")
                              .arg(line->name(), number(int(line->at(line->count() - 1).y())))
                        : tr("%1: no snapshot yet").arg(line->name());
                out.append({label, m_trendFilters.at(i), [line](bool on) {
                                QPen pen = line->pen();
                                pen.setWidthF(on ? 4.5 : 2.2);
                                line->setPen(pen);
                                // Mark where the focused line ends now with a large point
                                // in the focus colour, drawn even when the line hides its
                                // points (30 snapshots or more) and visible on a single
                                // snapshot, which has no line to thicken.
                                if (line->count() == 0)
                                    return;
                                const int newest = line->count() - 1;
                                if (on) {
                                    using Config = QXYSeries::PointConfiguration;
                                    line->setPointConfiguration(
                                        newest, {{Config::Visibility, true},
                                                 {Config::Size, 14.0},
                                                 {Config::Color, QApplication::palette().color(
                                                                     QPalette::Highlight)}});
                                } else {
                                    line->clearPointConfiguration(newest);
                                }
                            }});
            }
            return out;
        },
        activate);
    m_trendRange = new QComboBox;
    m_trendRange->addItem(tr("Last hour"), 3600);
    m_trendRange->addItem(tr("Last 24 hours"), 24 * 3600);
    m_trendRange->addItem(tr("Last 7 days"), 7 * 24 * 3600);
    m_trendRange->addItem(tr("Last 30 days"), 30 * 24 * 3600);
    m_trendRange->setCurrentIndex(1);
    m_trendRange->setAccessibleName(tr("Trend period"));
    m_trendNote = new QLabel;
    m_trendNote->setWordWrap(true);
    auto* trendBox = new QWidget;
    auto* trendLayout = new QVBoxLayout(trendBox);
    trendLayout->setContentsMargins(0, 0, 0, 0);
    auto* trendHeader = new QHBoxLayout;
    trendHeader->addWidget(m_trendNote, 1);
    trendHeader->addWidget(m_trendRange);
    trendLayout->addLayout(trendHeader);
    trendLayout->addWidget(trendView, 1);

    auto* charts = new QSplitter(Qt::Horizontal);
    charts->setObjectName(QStringLiteral("dashboardCharts"));
    charts->addWidget(healthView);
    charts->addWidget(clusterView);
    charts->addWidget(trendBox);
    charts->setStretchFactor(0, 3);
    charts->setStretchFactor(1, 4);
    charts->setStretchFactor(2, 4);
    charts->setSizes({300, 400, 400});

    // Matrix: clusters down, projects (or env values) across.
    m_matrixMode = new QComboBox;
    m_matrixMode->addItem(tr("Cluster × project"));
    m_matrixMode->addItem(tr("Cluster × env label"));
    m_matrixMode->setAccessibleName(tr("Matrix columns"));
    auto* matrixTitle = new QLabel(tr("<b>Health matrix</b> — each cell: worst health and the "
                                      "number of applications; click to list them"));
    m_matrix = new QTableWidget;
    m_matrix->setObjectName(QStringLiteral("healthMatrix"));
    m_matrix->setAccessibleName(tr("Health matrix"));
    m_matrix->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_matrix->setSelectionMode(QAbstractItemView::SingleSelection);
    m_matrix->setWordWrap(false);
    m_matrix->horizontalHeader()->setDefaultSectionSize(150);
    // Column widths from the first rows only (the clusters with most problems, what is on
    // screen): measuring every cell of 400 clusters took most of a 50,000-app refresh.
    m_matrix->horizontalHeader()->setResizeContentsPrecision(40);
    m_matrix->horizontalHeader()->setSectionsClickable(true);
    m_matrix->verticalHeader()->setSectionsClickable(true);
    m_matrix->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_matrix->setMouseTracking(true);
    // Tab moves on to the next control; the arrow keys move between cells and Enter opens one.
    m_matrix->setTabKeyNavigation(false);
    m_matrix->installEventFilter(this);
    auto* matrixBox = new QWidget;
    auto* matrixLayout = new QVBoxLayout(matrixBox);
    matrixLayout->setContentsMargins(0, 0, 0, 0);
    auto* matrixHeader = new QHBoxLayout;
    matrixHeader->addWidget(matrixTitle, 1);
    matrixHeader->addWidget(m_matrixMode);
    matrixLayout->addLayout(matrixHeader);
    matrixLayout->addWidget(m_matrix, 1);

    auto* vertical = new QSplitter(Qt::Vertical);
    vertical->setObjectName(QStringLiteral("dashboardSplitter"));
    vertical->addWidget(charts);
    vertical->addWidget(matrixBox);
    vertical->setStretchFactor(0, 1);
    vertical->setStretchFactor(1, 1);
    root->addWidget(vertical, 1);

    // Clicks become filters (slices and bar sets are connected as they are created).
    connect(m_matrix, &QTableWidget::cellClicked, this, [this](int row, int column) {
        if (m_matrix->item(row, column))
            Q_EMIT filterRequested(matrixFilter(row, column));
    });
    connect(m_matrix, &QTableWidget::cellActivated, this, [this](int row, int column) {
        if (m_matrix->item(row, column))
            Q_EMIT filterRequested(matrixFilter(row, column));
    });
    connect(m_matrix->verticalHeader(), &QHeaderView::sectionClicked, this, [this](int row) {
        if (row >= 0 && row < m_matrixRows.size()) {
            FleetFilter f;
            f.clusters = {m_matrixRows.at(row)};
            Q_EMIT filterRequested(f);
        }
    });
    connect(m_matrix->horizontalHeader(), &QHeaderView::sectionClicked, this, [this](int column) {
        if (column < 0 || column >= m_matrixColumns.size())
            return;
        FleetFilter f = matrixFilter(-1, column);
        Q_EMIT filterRequested(f);
    });
    connect(m_matrixMode, &QComboBox::currentIndexChanged, this, [this](int index) {
        setMatrixColumns(index == 1 ? MatrixColumns::EnvLabel : MatrixColumns::Project);
    });
    connect(m_trendRange, &QComboBox::currentIndexChanged, this, &DashboardView::updateTrend);

    // Refreshes follow the store, coalesced.
    m_refreshTimer->setSingleShot(true);
    connect(m_refreshTimer, &QTimer::timeout, this, &DashboardView::refreshNow);
    connect(m_session->store(), &fleet::FleetStore::batchApplied, this,
            &DashboardView::scheduleRefresh);
    connect(m_session, &ConsoleSession::instancesChanged, this, &DashboardView::scheduleRefresh);
    connect(m_session, &ConsoleSession::instanceStateChanged, this, [this] {
        if (isVisible())
            updateTiles();
    });
    // A quiet fleet still gets its heartbeat snapshot; record() decides whether one is due.
    m_historyTimer->setInterval(30 * 1000);
    connect(m_historyTimer, &QTimer::timeout, this, [this] {
        if (m_history && m_computed && !m_stats.perInstance.isEmpty() && !fleetLoading()) {
            QHash<QString, fleet::FleetCounts> counts;
            for (auto it = m_stats.perInstance.cbegin(); it != m_stats.perInstance.cend(); ++it)
                counts.insert(it.key(), it.value());
            if (m_history->record(counts) && isVisible())
                updateTrend();
        }
    });
    m_historyTimer->start();

    applyChartTheme(m_healthChart);
    applyChartTheme(m_clusterChart);
    applyChartTheme(m_trendChart);
    refreshNow();
}

DashboardView::~DashboardView() = default;

QChartView* DashboardView::makeChartView(QChart* chart, const QString& accessibleName) {
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(4, 4, 4, 4));
    auto* view = new QChartView(chart);
    view->setRenderHint(QPainter::Antialiasing);
    view->setAccessibleName(accessibleName);
    view->setMinimumSize(260, 220);
    return view;
}

void DashboardView::applyChartTheme(QChart* chart) {
    // Follow the widget palette so the charts sit in light and dark desktops alike.
    const QPalette pal = palette();
    const bool dark = pal.color(QPalette::Window).lightness() < 128;
    chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundBrush(pal.brush(QPalette::Base));
    chart->setBackgroundRoundness(0);
    chart->setTitleBrush(pal.brush(QPalette::Text));
    QFont titleFont = font();
    titleFont.setBold(true);
    chart->setTitleFont(titleFont);
    chart->legend()->setLabelColor(pal.color(QPalette::Text));
    chart->legend()->setFont(font());
}

void DashboardView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyChartTheme(m_healthChart);
        applyChartTheme(m_clusterChart);
        applyChartTheme(m_trendChart);
        if (m_computed) {
            // Themes reset series colours: draw everything again.
            updateHealth();
            updateClusters();
            updateTrend();
        }
    }
}

void DashboardView::fitTiles() {
    // Tall enough for the tiles, plus the scroll bar when there are more than fit.
    const QSize hint = m_tilesScroll->widget()->sizeHint();
    const bool overflow = hint.width() > m_tilesScroll->width();
    m_tilesScroll->setFixedHeight(
        hint.height() +
        (overflow ? style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, this) + 2 : 0));
}

bool DashboardView::eventFilter(QObject* watched, QEvent* event) {
    // Focus arriving on the matrix lands on a filled cell (the first is the cluster with the
    // most problems), so the first arrow or Enter already means something.
    if (watched == m_matrix && event->type() == QEvent::FocusIn && !m_matrix->currentItem()) {
        for (int r = 0; r < m_matrix->rowCount(); ++r)
            for (int c = 0; c < m_matrix->columnCount(); ++c)
                if (m_matrix->item(r, c)) {
                    m_matrix->setCurrentCell(r, c);
                    return false;
                }
    }
    return QWidget::eventFilter(watched, event);
}

void DashboardView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    fitTiles();
}

void DashboardView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refreshNow();
}

void DashboardView::scheduleRefresh() {
    if (m_refreshTimer->isActive())
        return;
    // While the table is in front only the history needs the numbers.
    if (!isVisible()) {
        m_refreshTimer->start(10000);
        return;
    }
    // At most two refreshes a second, but the first change after a quiet spell, and the first
    // rows of all, show at once: a start from the local cache drew its first counts half a
    // second late (bench startup --view dashboard).
    const qint64 since =
        m_lastRefresh.isValid() && m_stats.total.apps > 0 ? m_lastRefresh.elapsed() : 500;
    m_refreshTimer->start(int(std::clamp<qint64>(500 - since, 0, 500)));
}

bool DashboardView::fleetLoading() const {
    // An instance still connecting for the first time, with no rows yet (none cached either):
    // a snapshot now would put a false dip into the trend, and the history keeps the first
    // snapshot of a period for a while (FleetHistory::record). The first rows now refresh the
    // dashboard at once, before a second instance's list is there.
    for (const QString& id : m_session->instanceIds()) {
        const auto* info = m_session->instance(id);
        if (info && info->state == ConsoleSession::State::Connecting &&
            !m_stats.perInstance.contains(id))
            return true;
    }
    return false;
}

QString DashboardView::instanceName(const QString& id) const {
    return m_model ? m_model->instanceName(id) : id;
}

void DashboardView::updateClusterLabels() {
    // Only host names of server URLs are shortened; clusters named in Argo CD keep their name.
    m_clusterLabels.clear();
    QStringList values;
    QVector<QStringList> parts;
    QSet<QString> names;
    for (const auto& c : m_stats.clusters) {
        const QUrl url(c.cluster);
        if (!c.cluster.contains(QLatin1String("://")) || !url.isValid() || url.host().isEmpty()) {
            names.insert(c.cluster);
            continue;
        }
        values << c.cluster;
        parts << url.host().split(QLatin1Char('.'));
    }
    // Strip the DNS labels most hosts share at the end ("k8s.example.net") and at the start
    // ("api"), as long as at least 60% of them share it; a few odd hosts (kubernetes.default.svc)
    // keep their full name.
    auto mostCommon = [&parts](int k, bool atEnd) {
        QHash<QString, int> freq;
        for (const auto& p : parts)
            if (p.size() > k)
                ++freq[(atEnd ? p.mid(p.size() - k) : p.mid(0, k)).join(QLatin1Char('.'))];
        QString best;
        int count = 0;
        for (auto it = freq.cbegin(); it != freq.cend(); ++it)
            if (it.value() > count) {
                best = it.key();
                count = it.value();
            }
        return count * 10 >= int(parts.size()) * 6 && parts.size() >= 2 ? best : QString();
    };
    QString suffix, prefix;
    for (int k = 1;; ++k) {
        const QString candidate = mostCommon(k, true);
        if (candidate.isEmpty())
            break;
        suffix = candidate;
    }
    for (int k = 1;; ++k) {
        const QString candidate = mostCommon(k, false);
        if (candidate.isEmpty())
            break;
        prefix = candidate;
    }
    for (int i = 0; i < parts.size(); ++i) {
        const QString host = parts.at(i).join(QLatin1Char('.'));
        QString label = host;
        if (!suffix.isEmpty() && label.endsWith(QLatin1Char('.') + suffix))
            label.chop(suffix.size() + 1);
        if (!prefix.isEmpty() && label.startsWith(prefix + QLatin1Char('.')))
            label = label.mid(prefix.size() + 1);
        // "prod-eu-shop" by URL next to a cluster named "prod-eu-shop" would read as one.
        if (names.contains(label))
            label = host;
        m_clusterLabels.insert(values.at(i), label);
    }
}

QString DashboardView::clusterLabel(const QString& cluster) const {
    if (const auto it = m_clusterLabels.constFind(cluster);
        it != m_clusterLabels.cend() && !it->isEmpty())
        return *it;
    // Cluster servers read better as host names; the full URL is in the tooltip.
    if (cluster.contains(QLatin1String("://"))) {
        const QUrl url(cluster);
        if (url.isValid() && !url.host().isEmpty())
            return url.host();
    }
    return cluster.isEmpty() ? tr("(no cluster)") : cluster;
}

void DashboardView::refreshNow() {
    m_refreshTimer->stop();
    m_lastRefresh.start();
    DashboardStats stats = DashboardStats::compute(*m_session->store());
    // Charts drawn while hidden were skipped: the first visible refresh redraws everything.
    const bool changed = !m_computed || m_stale || !(stats == m_stats);
    m_stats = std::move(stats);
    m_computed = true;

    bool recorded = false;
    if (m_history && !m_stats.perInstance.isEmpty() && !fleetLoading()) {
        QHash<QString, fleet::FleetCounts> counts;
        for (auto it = m_stats.perInstance.cbegin(); it != m_stats.perInstance.cend(); ++it)
            counts.insert(it.key(), it.value());
        recorded = m_history->record(counts);
    }
    if (!isVisible() && !m_tiles.isEmpty()) {
        m_stale = m_stale || changed || recorded;
        return;
    }
    m_stale = false;
    updateTiles();
    if (changed) {
        updateClusterLabels();
        updateHealth();
        updateClusters();
        updateMatrix();
    }
    if (changed || recorded)
        updateTrend();
}

void DashboardView::updateTiles() {
    QStringList ids = m_session->instanceIds();
    // Instances that have rows but are no longer configured still count in the totals.
    for (auto it = m_stats.perInstance.cbegin(); it != m_stats.perInstance.cend(); ++it)
        if (!ids.contains(it.key()))
            ids << it.key();
    const int wanted = int(ids.size()) + 1;
    while (m_tiles.size() < wanted) {
        auto* tile = new DashboardTile;
        m_tilesLayout->insertWidget(int(m_tiles.size()), tile);
        for (int m = 0; m < DashboardTile::MetricCount; ++m) {
            connect(tile->metric(DashboardTile::Metric(m)), &QPushButton::clicked, this,
                    [this, tile, m] {
                        FleetFilter f;
                        if (!tile->instanceId.isEmpty())
                            f.instances = {tile->instanceId};
                        switch (DashboardTile::Metric(m)) {
                        case DashboardTile::OutOfSync:
                            f.sync = {SyncStatus::OutOfSync};
                            break;
                        case DashboardTile::Degraded:
                            f.health = {HealthStatus::Degraded};
                            break;
                        case DashboardTile::SyncFailed:
                            f.operations = FleetFilter::syncFailedPhases();
                            break;
                        default:
                            break;
                        }
                        Q_EMIT filterRequested(f);
                    });
        }
        m_tiles.append(tile);
    }
    while (m_tiles.size() > wanted)
        delete m_tiles.takeLast();

    m_tiles[0]->instanceId.clear();
    m_tiles[0]->setObjectName(QStringLiteral("tile:all"));
    m_tiles[0]->setCounts(
        tr("<b>All instances</b> <span style='color:gray'>· %n instance(s)</span>", nullptr,
           int(ids.size())),
        tr("All instances"), m_stats.total);
    for (int i = 0; i < ids.size(); ++i) {
        const QString& id = ids.at(i);
        DashboardTile* tile = m_tiles[i + 1];
        tile->instanceId = id;
        tile->setObjectName(QStringLiteral("tile:") + id);
        QString state = tr("not connected");
        QString color = QStringLiteral("#808080");
        if (const auto* info = m_session->instance(id)) {
            state = ConsoleSession::stateName(info->state);
            color = ConsoleSession::stateColor(info->state);
        }
        tile->setCounts(QStringLiteral("<b>%1</b> <span style='color:%2'>●</span> "
                                       "<span style='color:gray'>%3</span>")
                            .arg(instanceName(id).toHtmlEscaped(), color, state.toHtmlEscaped()),
                        instanceName(id), m_stats.perInstance.value(id));
    }
    fitTiles();
}

void DashboardView::updateHealth() {
    // Worst first, so the donut starts (at twelve o'clock) with what needs attention.
    static const HealthStatus order[] = {HealthStatus::Degraded,  HealthStatus::Missing,
                                         HealthStatus::Unknown,   HealthStatus::Progressing,
                                         HealthStatus::Suspended, HealthStatus::Healthy};
    m_healthSeries->clear();
    const int total = m_stats.total.apps;
    for (HealthStatus h : order) {
        const int n = m_stats.health[int(h)];
        if (n == 0)
            continue;
        auto* slice =
            new QPieSlice(QStringLiteral("%1  %2").arg(argocd::toString(h), number(n)), n);
        slice->setProperty("health", int(h));
        slice->setColor(FleetModel::healthColor(h));
        slice->setBorderColor(palette().color(QPalette::Base));
        slice->setLabelVisible(false);
        connect(slice, &QPieSlice::clicked, this, [this, h] {
            FleetFilter f;
            f.health = {h};
            Q_EMIT filterRequested(f);
        });
        connect(slice, &QPieSlice::hovered, slice, &QPieSlice::setExploded);
        m_healthSeries->append(slice);
    }
    m_healthChart->setTitle(total > 0 ? tr("Health — %1 applications").arg(number(total))
                                      : tr("Health — no applications yet"));
    // Legend markers are clickable too.
    const auto markers = m_healthChart->legend()->markers(m_healthSeries);
    for (QLegendMarker* marker : markers) {
        marker->disconnect(this);
        connect(marker, &QLegendMarker::clicked, this, [this, marker] {
            if (auto* slice = qobject_cast<QPieLegendMarker*>(marker)) {
                FleetFilter f;
                f.health = {HealthStatus(slice->slice()->property("health").toInt())};
                Q_EMIT filterRequested(f);
            }
        });
    }
}

void DashboardView::updateClusters() {
    m_clusterSeries->clear();
    const auto oldAxes = m_clusterChart->axes();
    for (QAbstractAxis* axis : oldAxes) {
        m_clusterChart->removeAxis(axis);
        delete axis;
    }
    // The top N clusters by problems; bars top to bottom = worst first, so categories go in
    // reverse (a horizontal bar chart draws its first category at the bottom).
    const int n = std::min<int>(kTopClusters, int(m_stats.clusters.size()));
    m_clusterCategories.clear();
    QStringList labels;
    auto* synced = new QBarSet(tr("Synced"));
    auto* outOfSync = new QBarSet(tr("OutOfSync"));
    auto* unknown = new QBarSet(tr("Unknown"));
    synced->setProperty("sync", int(SyncStatus::Synced));
    outOfSync->setProperty("sync", int(SyncStatus::OutOfSync));
    unknown->setProperty("sync", int(SyncStatus::Unknown));
    synced->setColor(FleetModel::syncColor(SyncStatus::Synced));
    outOfSync->setColor(FleetModel::syncColor(SyncStatus::OutOfSync));
    unknown->setColor(FleetModel::syncColor(SyncStatus::Unknown));
    for (QBarSet* set : {synced, outOfSync, unknown}) {
        set->setBorderColor(palette().color(QPalette::Base));
        set->setSelectedColor(set->color().darker(160)); // the bar the keyboard is on
        const auto sync = SyncStatus(set->property("sync").toInt());
        connect(set, &QBarSet::clicked, this, [this, sync](int index) {
            if (index < 0 || index >= m_clusterCategories.size())
                return;
            FleetFilter f;
            f.clusters = {m_clusterCategories.at(index)};
            f.sync = {sync};
            Q_EMIT filterRequested(f);
        });
    }
    int widest = 1;
    for (int i = n - 1; i >= 0; --i) {
        const models::DashboardCluster& c = m_stats.clusters.at(i);
        widest = std::max(widest, c.apps);
        m_clusterCategories << c.cluster;
        labels << clusterLabel(c.cluster);
        *synced << c.synced;
        *outOfSync << c.outOfSync;
        *unknown << c.unknownSync;
    }
    m_clusterSeries->append(synced);
    m_clusterSeries->append(outOfSync);
    m_clusterSeries->append(unknown);

    auto* categories = new QBarCategoryAxis;
    categories->append(labels);
    categories->setLabelsColor(palette().color(QPalette::Text));
    categories->setGridLineVisible(false);
    auto* values = new QValueAxis;
    values->setLabelFormat(QStringLiteral("%d"));
    values->setLabelsColor(palette().color(QPalette::Text));
    m_clusterChart->addAxis(categories, Qt::AlignLeft);
    m_clusterChart->addAxis(values, Qt::AlignBottom);
    m_clusterSeries->attachAxis(categories);
    m_clusterSeries->attachAxis(values);
    values->setRange(0, widest);
    values->applyNiceNumbers();
    m_clusterChart->setTitle(m_stats.clusters.size() > n
                                 ? tr("Sync status — the %1 clusters with most problems (of %2)")
                                       .arg(n)
                                       .arg(m_stats.clusters.size())
                                 : tr("Sync status per cluster"));
}

void DashboardView::updateTrend() {
    m_trendChart->removeAllSeries();
    const auto oldAxes = m_trendChart->axes();
    for (QAbstractAxis* axis : oldAxes) {
        m_trendChart->removeAxis(axis);
        delete axis;
    }
    m_trendChart->setTitle(tr("Problems over time"));
    if (!m_history || !m_history->isOpen()) {
        m_trendNote->setText(
            tr("<span style='color:gray'>No history: %1</span>")
                .arg(m_history ? m_history->errorString().toHtmlEscaped() : tr("not configured")));
        return;
    }
    const int seconds = m_trendRange->currentData().toInt();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime since = now.addSecs(-seconds);
    QStringList ids = m_stats.perInstance.keys();
    const auto points = m_history->totals(since, ids);

    auto* degraded = new QLineSeries;
    degraded->setName(tr("Degraded"));
    auto* outOfSync = new QLineSeries;
    outOfSync->setName(tr("Out of sync"));
    auto* failed = new QLineSeries;
    failed->setName(tr("Failing syncs"));
    int maxValue = 1;
    for (const auto& p : points) {
        const qreal x = qreal(p.time.toMSecsSinceEpoch());
        degraded->append(x, p.counts.degraded);
        outOfSync->append(x, p.counts.outOfSync);
        failed->append(x, p.counts.syncFailed);
        maxValue = std::max({maxValue, p.counts.degraded, p.counts.outOfSync, p.counts.syncFailed});
    }
    const struct {
        QLineSeries* series;
        QColor color;
        FleetFilter filter;
    } lines[] = {
        {outOfSync, FleetModel::syncColor(SyncStatus::OutOfSync),
         [] {
             FleetFilter f;
             f.sync = {SyncStatus::OutOfSync};
             return f;
         }()},
        {degraded, FleetModel::healthColor(HealthStatus::Degraded),
         [] {
             FleetFilter f;
             f.health = {HealthStatus::Degraded};
             return f;
         }()},
        {failed, kFailColor.darker(140),
         [] {
             FleetFilter f;
             f.operations = FleetFilter::syncFailedPhases();
             return f;
         }()},
    };
    auto* timeAxis = new QDateTimeAxis;
    timeAxis->setFormat(seconds > 2 * 24 * 3600 ? QStringLiteral("MMM d")
                                                : QStringLiteral("HH:mm"));
    // A young history fills the chart instead of hugging its right edge.
    QDateTime start = since;
    if (!points.isEmpty() && points.first().time.addSecs(-300) > since)
        start = points.first().time.addSecs(-300);
    // A little room on the right, so the newest points are not cut by the plot's edge (at least
    // a minute: a snapshot taken just now must not sit on, or past, the axis' end).
    QDateTime end = now;
    if (!points.isEmpty() && points.last().time > end)
        end = points.last().time;
    end = end.addSecs(std::max<qint64>(60, start.secsTo(end) / 30));
    timeAxis->setRange(start.toLocalTime(), end.toLocalTime());
    timeAxis->setTickCount(5);
    timeAxis->setLabelsColor(palette().color(QPalette::Text));
    auto* valueAxis = new QValueAxis;
    valueAxis->setRange(0, maxValue * 1.15);
    valueAxis->setLabelFormat(QStringLiteral("%d"));
    valueAxis->setLabelsColor(palette().color(QPalette::Text));
    valueAxis->applyNiceNumbers();
    m_trendChart->addAxis(timeAxis, Qt::AlignBottom);
    m_trendChart->addAxis(valueAxis, Qt::AlignLeft);
    m_trendFilters.clear();
    for (const auto& line : lines) {
        m_trendFilters.append(line.filter);
        QPen pen(line.color);
        pen.setWidthF(2.2);
        line.series->setPen(pen);
        // With few samples the line is short: show the points themselves.
        // A single snapshot is no line at all: without markers a fresh start looks empty.
        line.series->setPointsVisible(points.size() < 30);
        line.series->setMarkerSize(points.size() == 1 ? 10 : 7);
        m_trendChart->addSeries(line.series);
        line.series->attachAxis(timeAxis);
        line.series->attachAxis(valueAxis);
        const FleetFilter filter = line.filter;
        connect(line.series, &QLineSeries::clicked, this,
                [this, filter] { Q_EMIT filterRequested(filter); });
    }
    if (points.isEmpty()) {
        m_trendNote->setText(tr("<span style='color:gray'>No snapshots in this period yet. "
                                "Sextant records the counts about once a minute.</span>"));
    } else {
        m_trendNote->setText(
            tr("<span style='color:gray'>%n snapshot(s) since %1 · kept %2 days</span>", nullptr,
               int(points.size()))
                .arg(QLocale().toString(points.first().time.toLocalTime(), QLocale::ShortFormat))
                .arg(m_history->retentionDays()));
    }
}

fleet::FleetFilter DashboardView::matrixFilter(int row, int column) const {
    FleetFilter f;
    if (row >= 0 && row < m_matrixRows.size())
        f.clusters = {m_matrixRows.at(row)};
    if (column >= 0 && column < m_matrixColumns.size()) {
        const QString& value = m_matrixColumns.at(column);
        if (m_columns == MatrixColumns::Project) {
            f.projects = {value};
        } else {
            fleet::LabelTerm term;
            term.key = QStringLiteral("env");
            if (value.isEmpty()) {
                term.op = fleet::LabelTerm::Op::Absent;
            } else {
                term.op = fleet::LabelTerm::Op::Equals;
                term.value = value;
            }
            f.labels = {term};
        }
    }
    return f;
}

void DashboardView::setMatrixColumns(MatrixColumns columns) {
    if (columns == m_columns)
        return;
    m_columns = columns;
    {
        const QSignalBlocker block(m_matrixMode);
        m_matrixMode->setCurrentIndex(columns == MatrixColumns::EnvLabel ? 1 : 0);
    }
    updateMatrix();
}

void DashboardView::updateMatrix() {
    const bool env = m_columns == MatrixColumns::EnvLabel;
    m_matrixMode->setItemData(1, m_stats.anyEnvLabel ? QVariant() : QVariant(0),
                              Qt::UserRole - 1); // disabled without any env label
    const auto& cells = env ? m_stats.byEnv : m_stats.byProject;
    QStringList rows;
    for (const auto& c : m_stats.clusters)
        rows << c.cluster;
    const QStringList columns = env ? m_stats.envs : m_stats.projects;

    const bool sameShape = rows == m_matrixRows && columns == m_matrixColumns;
    m_matrixRows = rows;
    m_matrixColumns = columns;
    if (!sameShape) {
        m_matrix->clear();
        m_matrix->setRowCount(int(rows.size()));
        m_matrix->setColumnCount(int(columns.size()));
        QStringList headers;
        for (const QString& c : columns)
            headers << (c.isEmpty() ? tr("(no env label)") : c);
        m_matrix->setHorizontalHeaderLabels(headers);
        for (int r = 0; r < rows.size(); ++r) {
            auto* header = new QTableWidgetItem(clusterLabel(rows.at(r)));
            header->setToolTip(rows.at(r));
            m_matrix->setVerticalHeaderItem(r, header);
        }
    }
    const QColor base = palette().color(QPalette::Base);
    const QColor text = palette().color(QPalette::Text);
    // Thousands of cells (400 clusters × 20 projects) each set half a dozen roles, and each
    // role announced itself: the view is told once, below, instead (the whole fill took 85 ms
    // at 50,000 applications, 67 ms now: the rest is making the items). The shape (rows,
    // columns, headers) was announced normally above.
    std::optional<QSignalBlocker> quiet;
    quiet.emplace(m_matrix->model());
    for (int r = 0; r < rows.size(); ++r) {
        const auto rowCells = cells.value(rows.at(r));
        for (int c = 0; c < columns.size(); ++c) {
            const auto it = rowCells.constFind(columns.at(c));
            if (it == rowCells.cend() || it->apps == 0) {
                delete m_matrix->takeItem(r, c);
                continue;
            }
            const HealthStatus worst = DashboardStats::worst(it->health);
            const int worstCount = it->health[int(worst)];
            // Never colour alone: the worst health is written out with its count.
            const QString label =
                worst == HealthStatus::Healthy ? tr("✓ %1 healthy").arg(number(it->apps))
                : it->apps == 1
                    ? tr("%1 %2 · 1 app").arg(number(worstCount), argocd::toString(worst))
                    : tr("%1 %2 · %3 apps")
                          .arg(number(worstCount), argocd::toString(worst), number(it->apps));
            QTableWidgetItem* item = m_matrix->item(r, c);
            if (!item) {
                item = new QTableWidgetItem;
                m_matrix->setItem(r, c, item);
            }
            if (item->text() != label) {
                item->setText(label);
                QColor tint = FleetModel::healthColor(worst);
                const qreal alpha = worst == HealthStatus::Healthy ? 0.18 : 0.38;
                const QColor bg =
                    QColor::fromRgbF(tint.redF() * alpha + base.redF() * (1 - alpha),
                                     tint.greenF() * alpha + base.greenF() * (1 - alpha),
                                     tint.blueF() * alpha + base.blueF() * (1 - alpha));
                item->setBackground(bg);
                item->setForeground(text);
                QStringList tip;
                for (int h = 0; h < int(it->health.size()); ++h)
                    if (it->health[h] > 0)
                        tip << QStringLiteral("%1: %2").arg(argocd::toString(HealthStatus(h)),
                                                            number(it->health[h]));
                const QString where = tr("%1 / %2").arg(
                    clusterLabel(rows.at(r)),
                    columns.at(c).isEmpty() ? tr("(no env label)") : columns.at(c));
                item->setToolTip(tr("%1\n%2\nClick to list these applications.")
                                     .arg(where, tip.join(QLatin1Char('\n'))));
                // What a screen reader says on the cell (the arrow keys move between cells).
                item->setData(Qt::AccessibleTextRole, tr("%1: %2").arg(where, label));
                item->setData(
                    Qt::AccessibleDescriptionRole,
                    tr("%1. Enter lists these applications.").arg(tip.join(QStringLiteral(", "))));
                QFont f = item->font();
                f.setBold(worst == HealthStatus::Degraded || worst == HealthStatus::Missing);
                item->setFont(f);
            }
        }
    }
    quiet.reset();
    if (rows.size() > 0 && columns.size() > 0)
        Q_EMIT m_matrix->model()->dataChanged(
            m_matrix->model()->index(0, 0),
            m_matrix->model()->index(int(rows.size()) - 1, int(columns.size()) - 1));
    if (!sameShape)
        m_matrix->resizeColumnsToContents();
}

} // namespace sextant::ui
