#include "releasespage.h"

#include "appsetlistmodel.h"
#include "canarychart.h"
#include "releasematrixmodel.h"
#include "richtext.h"

#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace sextant::ui {

using analysis::Classification;
using release::CanaryReview;
using release::Recommendation;
using release::StepStatus;
using richtext::esc;

namespace {

// Worst first, so the table and the selection lead with what blocks the release.
int severity(Recommendation r) {
    switch (r) {
    case Recommendation::RollBack:
        return 0;
    case Recommendation::Halt:
        return 1;
    case Recommendation::Wait:
        return 2;
    case Recommendation::Proceed:
        return 3;
    }
    return 4;
}

int metricSeverity(const analysis::MetricResult& m) {
    if (m.criticalFailure)
        return 0;
    switch (m.classification) {
    case Classification::High:
    case Classification::Low:
    case Classification::Error:
    case Classification::NoDataFailMetric:
        return 1;
    case Classification::NoData:
        return 2;
    case Classification::Pass:
        return 3;
    }
    return 4;
}

QString stepStatusText(StepStatus s) {
    switch (s) {
    case StepStatus::None:
        return QObject::tr("no status");
    case StepStatus::Waiting:
        return QObject::tr("◦ waiting");
    case StepStatus::Pending:
        return QObject::tr("… pending");
    case StepStatus::Progressing:
        return QObject::tr("▶ progressing");
    case StepStatus::Healthy:
        return QObject::tr("✓ done");
    }
    return {};
}

// Compact numbers for medians: 0.0412, 0.298, 261 M.
QString number(double v) {
    if (!std::isfinite(v))
        return QStringLiteral("—");
    const double a = std::abs(v);
    if (a == 0)
        return QStringLiteral("0");
    if (a >= 1e9)
        return QStringLiteral("%1 G").arg(v / 1e9, 0, 'g', 3);
    if (a >= 1e6)
        return QStringLiteral("%1 M").arg(v / 1e6, 0, 'g', 3);
    if (a >= 1e4)
        return QStringLiteral("%1 k").arg(v / 1e3, 0, 'g', 3);
    return QString::number(v, 'g', 3);
}

QString pValueText(double p) {
    if (!std::isfinite(p))
        return QStringLiteral("—");
    if (p < 0.001)
        return QStringLiteral("< 0.001");
    return QString::number(p, 'f', 3);
}

QString effectText(double e) {
    return std::isfinite(e) ? QStringLiteral("×%1").arg(e, 0, 'g', 3) : QStringLiteral("—");
}

QString classificationText(const analysis::MetricResult& m) {
    const QString name = analysis::classificationName(m.classification);
    switch (m.classification) {
    case Classification::Pass:
        return QStringLiteral("✓ ") + name;
    case Classification::High:
        return QStringLiteral("▲ ") + name;
    case Classification::Low:
        return QStringLiteral("▼ ") + name;
    default:
        return QStringLiteral("✗ ") + name;
    }
}

QTableWidgetItem* item(const QString& text, const QString& tooltip = {}) {
    auto* it = new QTableWidgetItem(text);
    it->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    if (!tooltip.isEmpty())
        it->setToolTip(tooltip);
    return it;
}

void setupTable(QTableWidget* table, const QStringList& headers, const QString& accessibleName) {
    table->setColumnCount(int(headers.size()));
    table->setHorizontalHeaderLabels(headers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setAlternatingRowColors(true);
    table->setWordWrap(true);
    table->setTextElideMode(Qt::ElideNone);
    table->verticalHeader()->hide();
    table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setHighlightSections(false);
    table->setAccessibleName(accessibleName);
    table->setTabKeyNavigation(false); // Tab leaves the table; arrows move inside it
}

// "1 canary", "6 canaries" (the console ships no translations, so %n(s) would show as is).
QString count(int n, const QString& one, const QString& many) {
    return QStringLiteral("%1 %2").arg(QLocale().toString(n), n == 1 ? one : many);
}

QLabel* caption(const QString& text) {
    auto* label = new QLabel(text);
    QFont f = label->font();
    f.setBold(true);
    label->setFont(f);
    return label;
}

// Matrix cells keep their status tint when selected (a selection fill would hide that the
// selected cell is the red one); the selection is a frame in the highlight colour instead.
class MatrixCellDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        QStyleOptionViewItem opt = option;
        const bool selected = opt.state & QStyle::State_Selected;
        opt.state &= ~QStyle::State_Selected;
        opt.state &= ~QStyle::State_HasFocus;
        if (selected) // the view has already filled the cell with the highlight: undo that
            painter->fillRect(option.rect, option.palette.brush(QPalette::Base));
        QStyledItemDelegate::paint(painter, opt, index);
        if (selected) {
            painter->save();
            QPen pen(option.palette.color(QPalette::Highlight), 3);
            pen.setJoinStyle(Qt::MiterJoin);
            painter->setPen(pen);
            painter->setBrush(Qt::NoBrush);
            painter->drawRect(QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5));
            painter->restore();
        }
    }
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        // Room for the selection frame around three lines.
        return QStyledItemDelegate::sizeHint(option, index) + QSize(8, 8);
    }
};

// Every column fits its content except the last (the reason), which takes the rest and wraps.
void fitColumns(QTableWidget* table) {
    QHeaderView* h = table->horizontalHeader();
    for (int c = 0; c + 1 < table->columnCount(); ++c)
        h->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    if (table->columnCount() > 0)
        h->setSectionResizeMode(table->columnCount() - 1, QHeaderView::Stretch);
    table->resizeRowsToContents();
}

} // namespace

QColor ReleasesPage::recommendationColor(Recommendation r) {
    switch (r) {
    case Recommendation::Proceed:
        return QColor(0x1e, 0x8e, 0x3e);
    case Recommendation::Wait:
        return QColor(0x1a, 0x6b, 0xc8);
    case Recommendation::Halt:
        return QColor(0xb0, 0x60, 0x00);
    case Recommendation::RollBack:
        return QColor(0xc5, 0x22, 0x1f);
    }
    return QColor(0x80, 0x80, 0x80);
}

QString ReleasesPage::recommendationText(Recommendation r) {
    switch (r) {
    case Recommendation::Proceed:
        return tr("✓ Proceed");
    case Recommendation::Wait:
        return tr("◷ Wait");
    case Recommendation::Halt:
        return tr("■ Halt");
    case Recommendation::RollBack:
        return tr("↩ Roll back");
    }
    return {};
}

ReleasesPage::ReleasesPage(QWidget* parent)
    : QWidget(parent)
    , m_appSetModel(new models::AppSetListModel(this))
    , m_appSetProxy(new QSortFilterProxyModel(this))
    , m_matrixModel(new models::ReleaseMatrixModel(this)) {
    setObjectName(QStringLiteral("releasesPage"));
    auto* root = new QHBoxLayout(this);
    root->setContentsMargins(6, 6, 6, 6);
    auto* split = new QSplitter(Qt::Horizontal);
    root->addWidget(split);

    auto* left = new QWidget;
    buildLeft(left);
    split->addWidget(left);

    // Right: the header (always visible: loading and errors show there), then the review.
    auto* right = new QWidget;
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(4, 0, 0, 0);
    rightLayout->setSpacing(4);
    auto* header = new QHBoxLayout;
    auto* titles = new QVBoxLayout;
    titles->setSpacing(0);
    m_title = new QLabel;
    m_title->setObjectName(QStringLiteral("releaseTitle"));
    m_title->setTextFormat(Qt::RichText);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    m_title->setFont(big);
    m_source = new QLabel;
    m_source->setObjectName(QStringLiteral("releaseSource"));
    m_source->setTextFormat(Qt::RichText);
    m_source->setWordWrap(true);
    m_source->setTextInteractionFlags(Qt::TextSelectableByMouse);
    titles->addWidget(m_title);
    titles->addWidget(m_source);
    header->addLayout(titles, 1);
    m_refresh = new QPushButton(tr("Refresh"));
    m_refresh->setObjectName(QStringLiteral("releaseRefresh"));
    m_refresh->setToolTip(tr("Review the selected ApplicationSet again: fetch its applications "
                             "and judge the canaries over the window up to now."));
    m_export = new QPushButton(tr("Export report…"));
    m_export->setObjectName(QStringLiteral("releaseExport"));
    m_export->setToolTip(tr("Save this review as a report to forward: Markdown or HTML."));
    m_exportMenu = new QMenu(m_export);
    m_exportMenu
        ->addAction(tr("Markdown (.md)…"), this,
                    [this] { Q_EMIT exportRequested(QStringLiteral("markdown")); })
        ->setObjectName(QStringLiteral("exportMarkdown"));
    m_exportMenu
        ->addAction(tr("HTML (.html)…"), this,
                    [this] { Q_EMIT exportRequested(QStringLiteral("html")); })
        ->setObjectName(QStringLiteral("exportHtml"));
    m_export->setMenu(m_exportMenu);
    header->addWidget(m_refresh, 0, Qt::AlignTop);
    header->addWidget(m_export, 0, Qt::AlignTop);
    rightLayout->addLayout(header);

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("releaseStatus"));
    m_status->setTextFormat(Qt::RichText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->hide();
    rightLayout->addWidget(m_status);

    m_rightStack = new QStackedWidget;
    m_emptyReview = new QLabel;
    m_emptyReview->setObjectName(QStringLiteral("releaseEmpty"));
    m_emptyReview->setAlignment(Qt::AlignCenter);
    m_emptyReview->setWordWrap(true);
    m_emptyReview->setMargin(40);
    m_rightStack->addWidget(m_emptyReview);

    auto* reviewPage = new QWidget;
    auto* reviewLayout = new QVBoxLayout(reviewPage);
    reviewLayout->setContentsMargins(0, 0, 0, 0);
    reviewLayout->setSpacing(4);
    // The verdict and what can be done about it, side by side.
    auto* verdict = new QHBoxLayout;
    m_banner = new QLabel;
    m_banner->setObjectName(QStringLiteral("releaseVerdict"));
    m_banner->setTextFormat(Qt::RichText);
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_banner->setFocusPolicy(Qt::StrongFocus);
    m_banner->setAccessibleName(tr("Release verdict"));
    m_banner->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Minimum);
    verdict->addWidget(m_banner, 1);
    auto* actions = new QVBoxLayout;
    actions->setSpacing(3);
    m_proceed = new QPushButton(tr("Proceed: sync step…"));
    m_proceed->setObjectName(QStringLiteral("releaseProceed"));
    m_rollback = new QPushButton(tr("Roll back…"));
    m_rollback->setObjectName(QStringLiteral("releaseRollback"));
    m_triage = new QPushButton(tr("Open in triage"));
    m_triage->setObjectName(QStringLiteral("releaseTriage"));
    actions->addWidget(m_proceed);
    actions->addWidget(m_rollback);
    actions->addWidget(m_triage);
    verdict->addLayout(actions);
    reviewLayout->addLayout(verdict);

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("releaseTabs"));
    m_tabs->addTab(buildReleaseTab(), tr("Release"));
    m_tabs->addTab(buildVersionTab(), tr("What version runs where"));
    reviewLayout->addWidget(m_tabs, 1);
    m_rightStack->addWidget(reviewPage);
    rightLayout->addWidget(m_rightStack, 1);
    split->addWidget(right);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({400, 1200});

    connect(m_refresh, &QPushButton::clicked, this, &ReleasesPage::requestReview);
    connect(m_proceed, &QPushButton::clicked, this, [this] {
        const int step = proceedStep();
        if (m_review && m_review->recommendation == Recommendation::Proceed && step > 0)
            Q_EMIT proceedRequested(step, proceedAppKeys());
    });
    connect(m_rollback, &QPushButton::clicked, this, [this] {
        const CanaryReview* c = canary();
        if (c && c->recommendation == Recommendation::RollBack)
            Q_EMIT rollbackRequested(appKeyOfCell(c->cell));
    });
    connect(m_triage, &QPushButton::clicked, this, [this] {
        if (const QString key = appKeyOfCell(m_subjectCell); !key.isEmpty())
            Q_EMIT triageRequested(key);
    });

    renderHeader();
    renderStatus();
    updateListState();
    updateButtons();
}

ReleasesPage::~ReleasesPage() = default;

QColor ReleasesPage::readable(const QColor& color) const {
    // The status colours are made for light backgrounds; on the dark theme's base they are
    // lightened so coloured words stay legible.
    return palette().color(QPalette::Base).lightness() < 128 ? color.lighter(165) : color;
}

void ReleasesPage::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_review) {
        const int selected = m_selectedCanary;
        renderSteps();
        renderOutliers();
        renderCanaries();
        selectCanary(selected);
    }
}

void ReleasesPage::buildLeft(QWidget* host) {
    auto* layout = new QVBoxLayout(host);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    auto* top = new QHBoxLayout;
    top->addWidget(caption(tr("ApplicationSets")), 1);
    m_reloadList = new QToolButton;
    m_reloadList->setObjectName(QStringLiteral("appSetsReload"));
    m_reloadList->setText(tr("Reload"));
    m_reloadList->setToolTip(tr("Fetch the ApplicationSets of every instance again"));
    m_reloadList->setAccessibleName(tr("Reload the ApplicationSets"));
    top->addWidget(m_reloadList);
    layout->addLayout(top);
    m_filter = new QLineEdit;
    m_filter->setObjectName(QStringLiteral("appSetsFilter"));
    m_filter->setPlaceholderText(tr("Filter: name, instance, health, message…"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Filter the ApplicationSets"));
    layout->addWidget(m_filter);

    m_appSetProxy->setSourceModel(m_appSetModel);
    m_appSetProxy->setFilterRole(models::AppSetListModel::SearchTextRole);
    m_appSetProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_appSetProxy->setFilterKeyColumn(0);
    m_appSetProxy->setSortRole(models::AppSetListModel::SortRole);
    m_appSetView = new QTableView;
    m_appSetView->setObjectName(QStringLiteral("appSetsList"));
    m_appSetView->setModel(m_appSetProxy);
    m_appSetView->setSortingEnabled(true);
    // Rollouts in progress first (the ones to review), then by name within a step.
    m_appSetView->sortByColumn(models::AppSetListModel::StepColumn, Qt::AscendingOrder);
    m_appSetView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_appSetView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_appSetView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_appSetView->setAlternatingRowColors(true);
    m_appSetView->setWordWrap(false);
    m_appSetView->setTabKeyNavigation(false);
    m_appSetView->verticalHeader()->hide();
    m_appSetView->horizontalHeader()->setStretchLastSection(true);
    m_appSetView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_appSetView->setAccessibleName(tr("ApplicationSets of every instance"));
    // The list is narrow: the strategy and the message are in the tool tip.
    m_appSetView->setColumnHidden(models::AppSetListModel::StrategyColumn, true);
    m_appSetView->setColumnHidden(models::AppSetListModel::MessageColumn, true);
    layout->addWidget(m_appSetView, 1);
    m_listState = new QLabel;
    m_listState->setObjectName(QStringLiteral("appSetsState"));
    m_listState->setWordWrap(true);
    m_listState->setTextFormat(Qt::RichText);
    layout->addWidget(m_listState);

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_appSetProxy->setFilterFixedString(text.trimmed().toLower());
        updateListState();
    });
    connect(m_reloadList, &QToolButton::clicked, this,
            &ReleasesPage::applicationSetsRefreshRequested);
    connect(m_appSetView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ReleasesPage::onAppSetChanged);
}

QWidget* ReleasesPage::buildReleaseTab() {
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);

    m_steps = new QWidget;
    m_steps->setObjectName(QStringLiteral("releaseSteps"));
    m_steps->setAccessibleName(tr("RollingSync steps"));
    m_stepsLayout = new QHBoxLayout(m_steps);
    m_stepsLayout->setContentsMargins(0, 0, 0, 0);
    m_stepsLayout->setSpacing(4);
    layout->addWidget(m_steps);

    m_matrixView = new QTableView;
    m_matrixView->setObjectName(QStringLiteral("releaseMatrix"));
    m_matrixView->setModel(m_matrixModel);
    m_matrixView->setItemDelegate(new MatrixCellDelegate(m_matrixView));
    m_matrixView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_matrixView->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_matrixView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_matrixView->setWordWrap(true);
    m_matrixView->setTabKeyNavigation(false);
    m_matrixView->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_matrixView->horizontalHeader()->setMinimumSectionSize(130);
    m_matrixView->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_matrixView->setAccessibleName(
        tr("Release matrix: components by cluster; Enter opens the application in triage"));
    connect(m_matrixView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &ReleasesPage::onMatrixCurrentChanged);
    connect(m_matrixView, &QTableView::activated, this, [this](const QModelIndex& index) {
        if (const QString key = index.data(models::ReleaseMatrixModel::AppKeyRole).toString();
            !key.isEmpty())
            Q_EMIT triageRequested(key);
    });

    auto* outlierBox = new QWidget;
    auto* outlierLayout = new QVBoxLayout(outlierBox);
    outlierLayout->setContentsMargins(0, 0, 0, 0);
    outlierLayout->setSpacing(2);
    outlierLayout->addWidget(caption(tr("Outliers and notes")));
    m_outliers = new QListWidget;
    m_outliers->setObjectName(QStringLiteral("releaseOutliers"));
    m_outliers->setWordWrap(true);
    m_outliers->setAccessibleName(tr("Outliers and notes, most serious first"));
    outlierLayout->addWidget(m_outliers, 1);

    auto* matrixRow = new QSplitter(Qt::Horizontal);
    matrixRow->addWidget(m_matrixView);
    matrixRow->addWidget(outlierBox);
    matrixRow->setStretchFactor(0, 3);
    matrixRow->setStretchFactor(1, 1);
    matrixRow->setSizes({900, 320});

    auto* canaryBox = new QWidget;
    auto* canaryLayout = new QVBoxLayout(canaryBox);
    canaryLayout->setContentsMargins(0, 0, 0, 0);
    canaryLayout->setSpacing(2);
    m_canaryCaption = caption(tr("Canaries"));
    m_canaryCaption->setWordWrap(true);
    canaryLayout->addWidget(m_canaryCaption);
    m_canaries = new QTableWidget;
    m_canaries->setObjectName(QStringLiteral("releaseCanaries"));
    setupTable(m_canaries,
               {tr("Application"), tr("Cluster"), tr("Env"), tr("Step"), tr("Verdict"), tr("Score"),
                tr("Recommendation"), tr("Reason")},
               tr("Canaries, worst first"));
    canaryLayout->addWidget(m_canaries, 1);

    auto* metricBox = new QWidget;
    auto* metricLayout = new QVBoxLayout(metricBox);
    metricLayout->setContentsMargins(0, 0, 0, 0);
    metricLayout->setSpacing(2);
    m_metricCaption = caption(tr("Metrics"));
    m_metricCaption->setWordWrap(true);
    metricLayout->addWidget(m_metricCaption);
    m_metrics = new QTableWidget;
    m_metrics->setObjectName(QStringLiteral("releaseMetrics"));
    setupTable(m_metrics,
               {tr("Metric"), tr("Result"), tr("Critical"), tr("p-value"), tr("Effect"),
                tr("Canary"), tr("Baseline"), tr("Reason")},
               tr("Metrics of the selected canary, failing first"));
    // One line per metric (the reason in full is under the chart and in the tool tip).
    m_metrics->setWordWrap(false);
    m_metrics->setTextElideMode(Qt::ElideRight);
    m_metrics->horizontalHeaderItem(4)->setToolTip(
        tr("Effect size: mean of the canary ÷ mean of the baseline"));
    m_metrics->horizontalHeaderItem(5)->setToolTip(tr("Median of the canary's samples"));
    m_metrics->horizontalHeaderItem(6)->setToolTip(tr("Median of the baseline's samples"));
    metricLayout->addWidget(m_metrics, 1);
    connect(m_canaries, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (m_syncing)
            return;
        const QTableWidgetItem* it = row >= 0 ? m_canaries->item(row, 0) : nullptr;
        selectCanary(it ? it->data(Qt::UserRole).toInt() : -1);
    });
    connect(m_metrics, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (m_syncing)
            return;
        const QTableWidgetItem* it = row >= 0 ? m_metrics->item(row, 0) : nullptr;
        m_selectedMetric = it ? it->text() : QString();
        renderChart();
    });

    auto* chartBox = new QWidget;
    auto* chartLayout = new QVBoxLayout(chartBox);
    chartLayout->setContentsMargins(0, 0, 0, 0);
    chartLayout->setSpacing(2);
    m_chart = new CanaryChart;
    m_chart->setObjectName(QStringLiteral("releaseChart"));
    connect(m_chart, &CanaryChart::stepRequested, this, [this](int delta) {
        const int rows = m_metrics->rowCount();
        if (rows == 0)
            return;
        const int row = std::clamp(m_metrics->currentRow() + delta, 0, rows - 1);
        selectMetric(m_metrics->item(row, 0)->text());
    });
    chartLayout->addWidget(m_chart, 1);
    m_chartNote = new QLabel;
    m_chartNote->setObjectName(QStringLiteral("releaseChartNote"));
    m_chartNote->setWordWrap(true);
    m_chartNote->setTextFormat(Qt::RichText);
    m_chartNote->setTextInteractionFlags(Qt::TextSelectableByMouse);
    chartLayout->addWidget(m_chartNote);

    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(metricBox);
    bottom->addWidget(chartBox);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    bottom->setSizes({680, 500});

    // The matrix, then the canaries across the whole width (their reasons are sentences), then
    // the selected canary's metrics beside its chart.
    auto* vertical = new QSplitter(Qt::Vertical);
    vertical->addWidget(matrixRow);
    vertical->addWidget(canaryBox);
    vertical->addWidget(bottom);
    vertical->setStretchFactor(0, 2);
    vertical->setStretchFactor(1, 2);
    vertical->setStretchFactor(2, 4);
    vertical->setSizes({190, 190, 360});
    layout->addWidget(vertical, 1);
    return page;
}

QWidget* ReleasesPage::buildVersionTab() {
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(4, 4, 4, 4);
    m_versionNote = new QLabel;
    m_versionNote->setObjectName(QStringLiteral("versionNote"));
    m_versionNote->setWordWrap(true);
    m_versionNote->setTextFormat(Qt::RichText);
    layout->addWidget(m_versionNote);
    m_versions = new QTableWidget;
    m_versions->setObjectName(QStringLiteral("versionMatrix"));
    setupTable(m_versions, {tr("Component")}, tr("What version runs in each environment"));
    m_versions->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_versions->setWordWrap(true);
    m_versions->horizontalHeader()->setMinimumSectionSize(90);
    layout->addWidget(m_versions, 1);
    renderVersions();
    return page;
}

// ---- Inputs ----

void ReleasesPage::setApplicationSets(const QVector<release::AppSetSummary>& sets) {
    m_syncing = true;
    m_appSetModel->setApplicationSets(sets);
    // Keep the selection across reloads (without asking for a new review).
    const int row = m_appSetModel->rowOf(m_currentKey);
    if (row >= 0) {
        const QModelIndex proxy = m_appSetProxy->mapFromSource(m_appSetModel->index(row, 0));
        if (proxy.isValid())
            m_appSetView->selectionModel()->setCurrentIndex(
                proxy, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
    m_syncing = false;
    updateListState();
    renderHeader();
}

void ReleasesPage::setInstanceNames(const QHash<QString, QString>& names) {
    m_appSetModel->setInstanceNames(names);
}

bool ReleasesPage::selectApplicationSet(const QString& instance, const QString& appsetNamespace,
                                        const QString& name) {
    release::AppSetSummary s;
    s.instance = instance;
    s.appsetNamespace = appsetNamespace;
    s.name = name;
    const int row = m_appSetModel->rowOf(models::AppSetListModel::key(s));
    const QModelIndex proxy =
        row < 0 ? QModelIndex() : m_appSetProxy->mapFromSource(m_appSetModel->index(row, 0));
    if (!proxy.isValid())
        return false;
    if (m_appSetView->currentIndex().row() == proxy.row())
        requestReview(); // already selected: a second selection asks again
    else
        m_appSetView->selectionModel()->setCurrentIndex(proxy, QItemSelectionModel::ClearAndSelect |
                                                                   QItemSelectionModel::Rows);
    return true;
}

void ReleasesPage::onAppSetChanged() {
    const QModelIndex current = m_appSetProxy->mapToSource(m_appSetView->currentIndex());
    const release::AppSetSummary* s = m_appSetModel->appSet(current.row());
    if (!s)
        return;
    const QString key = models::AppSetListModel::key(*s);
    if (m_syncing || key == m_currentKey)
        return;
    m_currentKey = key;
    requestReview();
}

void ReleasesPage::requestReview() {
    const release::AppSetSummary* s = m_appSetModel->appSet(m_appSetModel->rowOf(m_currentKey));
    if (!s)
        return;
    Q_EMIT reviewRequested(s->instance, s->name, s->appsetNamespace);
    renderHeader();
    updateButtons();
}

void ReleasesPage::setReview(const release::ReleaseReview& review) {
    const bool sameRelease = m_review && m_review->matrix.name == review.matrix.name &&
                             m_review->matrix.instance == review.matrix.instance;
    const int previousCell =
        sameRelease && m_selectedCanary >= 0 && m_selectedCanary < m_review->canaries.size()
            ? m_review->canaries[m_selectedCanary].cell
            : -1;
    const QString previousMetric = sameRelease ? m_selectedMetric : QString();
    m_review = review;
    m_loading.clear();
    m_error = {};
    m_selectedCanary = -1;
    m_selectedMetric = previousMetric;
    m_subjectCell = -1;
    m_syncing = true;
    m_matrixModel->setMatrix(review.matrix);
    m_syncing = false;
    m_rightStack->setCurrentIndex(1);
    renderHeader();
    renderStatus();
    renderBanner();
    renderSteps();
    renderOutliers();
    renderCanaries();
    // The same canary as before a refresh, else the worst one: what the reader came for.
    int select = canaryOfCell(previousCell);
    if (select < 0 && m_canaries->rowCount() > 0)
        select = m_canaries->item(0, 0)->data(Qt::UserRole).toInt();
    selectCanary(select);
    updateButtons();
}

void ReleasesPage::setVersionMatrix(const release::VersionMatrix& versions) {
    m_versionMatrix = versions;
    m_hasVersions = true;
    renderVersions();
}

void ReleasesPage::setLoading(const QString& what) {
    m_loading = what;
    renderStatus();
    updateButtons();
}

void ReleasesPage::setError(const sextant::Error& error) {
    m_error = error;
    m_loading.clear();
    renderStatus();
    updateButtons();
}

void ReleasesPage::setMetricsSource(const QString& description) {
    m_metricsSource = description;
    renderHeader();
}

// ---- Rendering ----

void ReleasesPage::updateListState() {
    const int total = m_appSetModel->rowCount();
    const int shown = m_appSetProxy->rowCount();
    QString text;
    if (total == 0)
        text = tr("No ApplicationSets yet. Sextant lists the ApplicationSets of every connected "
                  "Argo CD instance (Argo CD 2.8 or later); connect one, then press Reload.");
    else if (shown == 0)
        text = tr("No ApplicationSet matches “%1” (%n in all). Clear the filter to see them.",
                  nullptr, total)
                   .arg(esc(m_filter->text()));
    else if (shown < total)
        text = tr("%1 of %2 shown")
                   .arg(shown)
                   .arg(count(total, tr("ApplicationSet"), tr("ApplicationSets")));
    else
        text = count(total, tr("ApplicationSet"), tr("ApplicationSets"));
    m_listState->setText(richtext::gray(text));
    if (!m_review)
        m_emptyReview->setText(
            total == 0
                ? tr("No release to review yet.\n\nConnect an Argo CD instance that has "
                     "ApplicationSets, then press Reload on the left.")
                : tr("Select an ApplicationSet on the left to review its release.\n\nYou will "
                     "see which version runs on which cluster, the canary verdict per cluster "
                     "with its metrics and charts, and whether to proceed, halt or roll back."));
}

void ReleasesPage::renderHeader() {
    if (m_review) {
        const release::ReleaseMatrix& m = m_review->matrix;
        m_title->setText(tr("Release of %1 <span style='font-weight:normal'>on %2</span>")
                             .arg(esc(m.name), esc(m.instance)));
        m_title->setAccessibleName(tr("Release of %1 on %2").arg(m.name, m.instance));
    } else {
        m_title->setText(tr("Releases"));
    }
    QStringList parts;
    if (m_review && m_review->generatedAt.isValid())
        parts << tr("reviewed %1")
                     .arg(QLocale().toString(m_review->generatedAt.toLocalTime(),
                                             QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    QString source = m_metricsSource;
    if (source.isEmpty() && m_review)
        source = m_review->prometheus.isEmpty()
                     ? tr("no Prometheus configured — canaries are not judged")
                     : tr("Prometheus %1").arg(m_review->prometheus);
    if (!source.isEmpty()) {
        const bool none = source.startsWith(QLatin1String("no "), Qt::CaseInsensitive);
        parts << (none ? QStringLiteral("<span style='color:#b06000'>%1</span>")
                             .arg(esc(tr("metrics: %1").arg(source)))
                       : esc(tr("metrics: %1").arg(source)));
    }
    if (m_review && !m_review->metricSetSource.isEmpty())
        parts << esc(tr("metric set: %1").arg(m_review->metricSetSource));
    m_source->setText(richtext::gray(parts.join(QStringLiteral(" · "))));
    m_source->setVisible(!parts.isEmpty());
}

void ReleasesPage::renderStatus() {
    QString html;
    if (!m_loading.isEmpty()) {
        html = richtext::gray(tr("⏳ %1…").arg(esc(m_loading)));
    } else if (m_error.isError()) {
        html = richtext::red(tr("<b>✗ %1</b>").arg(esc(m_error.shortMessage)));
        if (m_review && m_review->generatedAt.isValid())
            html += QStringLiteral(" ") +
                    tr("Still showing the review from %1; press Refresh to try again.")
                        .arg(QLocale().toString(m_review->generatedAt.toLocalTime(),
                                                QStringLiteral("HH:mm:ss")));
        else
            html += QStringLiteral(" ") + tr("Press Refresh to try again.");
        if (!m_error.details.isEmpty())
            html += QStringLiteral("<br>") + richtext::gray(esc(m_error.details));
    }
    m_status->setText(html);
    m_status->setVisible(!html.isEmpty());
    m_status->setAccessibleName(m_status->text().isEmpty() ? QString() : tr("Review status"));
}

void ReleasesPage::renderBanner() {
    if (!m_review)
        return;
    const release::ReleaseReview& r = *m_review;
    const QColor color = recommendationColor(r.recommendation);
    int judged = 0;
    for (const CanaryReview& c : r.canaries)
        judged += c.judged ? 1 : 0;
    QString html = QStringLiteral("<span style='font-size:large'><b>%1</b></span>"
                                  "&nbsp;&nbsp;<b>%2</b>")
                       .arg(esc(recommendationText(r.recommendation).toUpper()), esc(r.headline));
    QStringList facts;
    if (!r.blocking.isEmpty())
        facts << tr("Blocking: <b>%1</b>").arg(esc(r.blocking));
    facts << tr("%1 of %2 judged")
                 .arg(judged)
                 .arg(count(int(r.canaries.size()), tr("canary"), tr("canaries")));
    if (!r.matrix.outliers.isEmpty())
        facts << count(int(r.matrix.outliers.size()), tr("outlier"), tr("outliers"));
    html += QStringLiteral("<br>") + facts.join(QStringLiteral(" · "));
    m_banner->setText(html);
    m_banner->setStyleSheet(
        QStringLiteral("QLabel#releaseVerdict { background-color: %1; color: white; "
                       "border-radius: 4px; padding: 8px 10px; }")
            .arg(color.name()));
    m_banner->setAccessibleDescription(
        tr("%1. %2. %3")
            .arg(recommendationText(r.recommendation).mid(2), r.headline,
                 r.blocking.isEmpty() ? tr("Nothing blocks") : tr("Blocking %1").arg(r.blocking)));
}

void ReleasesPage::renderSteps() {
    while (QLayoutItem* it = m_stepsLayout->takeAt(0)) {
        delete it->widget();
        delete it;
    }
    if (!m_review)
        return;
    const release::ReleaseReview& r = *m_review;
    if (!r.matrix.rollingSync || r.steps.isEmpty()) {
        auto* label = new QLabel(richtext::gray(
            tr("No RollingSync strategy: every application syncs on its own, all at once. The "
               "matrix shows where each one is.")));
        label->setTextFormat(Qt::RichText);
        label->setWordWrap(true);
        m_stepsLayout->addWidget(label, 1);
        return;
    }
    const QString blockingStep =
        r.blocking.section(QLatin1Char(' '), 0, 1); // "step 2 (stage) · x" -> "step 2"
    for (int i = 0; i < r.steps.size(); ++i) {
        const release::StepReview& s = r.steps[i];
        if (i > 0) {
            auto* arrow = new QLabel(QStringLiteral("→"));
            arrow->setAccessibleName(tr("then"));
            m_stepsLayout->addWidget(arrow);
        }
        const bool blocking =
            !blockingStep.isEmpty() && blockingStep == QStringLiteral("step %1").arg(s.step);
        const bool current = s.step == r.matrix.currentStep;
        QString maxUpdate;
        for (const release::RollingStep& rs : r.matrix.steps)
            if (rs.index == s.step && !rs.maxUpdate.isEmpty())
                maxUpdate = tr(" · max %1 at once").arg(rs.maxUpdate);
        const QColor color = recommendationColor(s.recommendation);
        auto* label = new QLabel;
        label->setTextFormat(Qt::RichText);
        label->setWordWrap(true);
        label->setFocusPolicy(Qt::TabFocus);
        label->setObjectName(QStringLiteral("releaseStep%1").arg(s.step));
        label->setText(QStringLiteral("<b>%1</b>%2 · %3<br>%4 · %5<br>"
                                      "<span style='color:%6'><b>%7</b></span> %8")
                           .arg(s.step > 0 ? tr("Step %1").arg(s.step) : tr("Outside the steps"),
                                current ? tr(" (current)") : QString(), esc(s.description),
                                stepStatusText(s.status),
                                esc(s.clusters.join(QStringLiteral(", "))) + maxUpdate,
                                readable(color).name(), esc(recommendationText(s.recommendation)),
                                richtext::gray(esc(s.reason))));
        label->setToolTip(s.reason);
        label->setAccessibleName(tr("Step %1, %2, %3, clusters %4: %5, %6")
                                     .arg(s.step)
                                     .arg(s.description, stepStatusText(s.status).mid(2),
                                          s.clusters.join(QStringLiteral(", ")),
                                          recommendationText(s.recommendation).mid(2), s.reason));
        label->setStyleSheet(QStringLiteral("QLabel { border: %1px solid %2; border-radius: 4px; "
                                            "padding: 4px 6px; }")
                                 .arg(blocking || current ? 3 : 1)
                                 .arg(color.name()));
        m_stepsLayout->addWidget(label, 1);
    }
}

void ReleasesPage::renderOutliers() {
    m_outliers->clear();
    if (!m_review)
        return;
    for (const QString& o : m_review->matrix.outliers) {
        auto* it = new QListWidgetItem(QStringLiteral("⚠ ") + o);
        it->setToolTip(o);
        m_outliers->addItem(it);
    }
    QStringList notes = m_review->matrix.notes;
    notes += m_review->notes;
    for (const QString& n : notes) {
        auto* it = new QListWidgetItem(QStringLiteral("ℹ ") + n);
        it->setToolTip(n);
        it->setForeground(palette().brush(QPalette::PlaceholderText));
        m_outliers->addItem(it);
    }
    if (m_outliers->count() == 0)
        m_outliers->addItem(tr("✓ No outliers: every cluster of each component runs the "
                               "release or the previous revision, and none is Degraded."));
}

void ReleasesPage::renderCanaries() {
    m_syncing = true;
    m_canaries->setRowCount(0);
    m_syncing = false;
    if (!m_review)
        return;
    const release::ReleaseReview& r = *m_review;
    QVector<int> order;
    for (int i = 0; i < r.canaries.size(); ++i)
        order << i;
    std::stable_sort(order.begin(), order.end(), [&r](int a, int b) {
        const CanaryReview& x = r.canaries[a];
        const CanaryReview& y = r.canaries[b];
        if (severity(x.recommendation) != severity(y.recommendation))
            return severity(x.recommendation) < severity(y.recommendation);
        return x.step < y.step;
    });
    m_syncing = true;
    m_canaries->setRowCount(int(order.size()));
    for (int row = 0; row < order.size(); ++row) {
        const CanaryReview& c = r.canaries[order[row]];
        const QString reason =
            c.judged ? c.reason
                     : (c.reason.isEmpty() ? c.notJudgedReason
                                           : c.notJudgedReason + QStringLiteral(" — ") + c.reason);
        const QString baseline =
            tr("Baseline: %1").arg(c.baselineClusters.join(QStringLiteral(", ")));
        auto* app = item(c.app, baseline);
        app->setData(Qt::UserRole, order[row]);
        m_canaries->setItem(row, 0, app);
        m_canaries->setItem(row, 1, item(c.cluster));
        m_canaries->setItem(row, 2, item(c.environment));
        m_canaries->setItem(row, 3, item(c.step > 0 ? QString::number(c.step) : QString()));
        m_canaries->setItem(
            row, 4,
            item(c.judged ? analysis::verdictName(c.report.verdict) : tr("not judged"),
                 c.judged ? c.report.scoreReason : c.notJudgedReason));
        m_canaries->setItem(row, 5,
                            item(c.judged ? QString::number(c.report.score, 'f', 0) : tr("—")));
        auto* rec = item(recommendationText(c.recommendation));
        rec->setForeground(readable(recommendationColor(c.recommendation)));
        QFont bold = rec->font();
        bold.setBold(true);
        rec->setFont(bold);
        m_canaries->setItem(row, 6, rec);
        m_canaries->setItem(row, 7, item(reason, reason + QLatin1Char('\n') + baseline));
    }
    fitColumns(m_canaries);
    m_syncing = false;
    int judged = 0;
    for (const CanaryReview& c : r.canaries)
        judged += c.judged ? 1 : 0;
    m_canaryCaption->setText(
        r.canaries.isEmpty()
            ? tr("Canaries — none: no cluster runs the release next to one still on the "
                 "previous revision")
            : tr("Canaries — %1 of %2 judged against the clusters still on the previous revision")
                  .arg(judged)
                  .arg(r.canaries.size()));
}

const CanaryReview* ReleasesPage::canary() const {
    return m_review && m_selectedCanary >= 0 && m_selectedCanary < m_review->canaries.size()
               ? &m_review->canaries[m_selectedCanary]
               : nullptr;
}

int ReleasesPage::canaryOfCell(int cell) const {
    if (!m_review || cell < 0)
        return -1;
    for (int i = 0; i < m_review->canaries.size(); ++i)
        if (m_review->canaries[i].cell == cell)
            return i;
    return -1;
}

QString ReleasesPage::appKeyOfCell(int cell) const {
    return m_review && cell >= 0 && cell < m_review->matrix.cells.size()
               ? m_review->matrix.cells[cell].app.key()
               : QString();
}

void ReleasesPage::selectCanary(int index) {
    if (!m_review || index >= m_review->canaries.size())
        index = -1;
    m_selectedCanary = index;
    m_syncing = true;
    for (int row = 0; row < m_canaries->rowCount(); ++row)
        if (m_canaries->item(row, 0)->data(Qt::UserRole).toInt() == index) {
            m_canaries->setCurrentCell(row, 0);
            break;
        }
    if (index < 0)
        m_canaries->clearSelection();
    m_syncing = false;
    if (const CanaryReview* c = canary())
        setSubjectCell(c->cell);
    renderMetrics();
    updateButtons();
}

bool ReleasesPage::selectMetric(const QString& name) {
    for (int row = 0; row < m_metrics->rowCount(); ++row)
        if (m_metrics->item(row, 0)->text() == name) {
            m_metrics->setCurrentCell(row, 0); // renders the chart
            m_selectedMetric = name;
            renderChart();
            return true;
        }
    return false;
}

void ReleasesPage::setSubjectCell(int cell) {
    m_subjectCell = cell;
    const QModelIndex index = m_matrixModel->indexOfCell(cell);
    if (index.isValid() && m_matrixView->currentIndex() != index) {
        m_syncing = true;
        m_matrixView->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
        m_syncing = false;
    }
    updateButtons();
}

void ReleasesPage::onMatrixCurrentChanged() {
    if (m_syncing)
        return;
    const int cell =
        m_matrixView->currentIndex().data(models::ReleaseMatrixModel::CellIndexRole).toInt();
    m_subjectCell = cell;
    // A cell that is a canary shows its verdict, metrics and chart.
    if (const int c = canaryOfCell(cell); c >= 0)
        selectCanary(c);
    updateButtons();
}

void ReleasesPage::renderMetrics() {
    const CanaryReview* c = canary();
    m_syncing = true;
    m_metrics->setRowCount(0);
    m_syncing = false;
    m_chartNote->clear();
    if (!c) {
        m_metricCaption->setText(tr("Metrics — select a canary above"));
        m_chart->showMessage(tr("Select a canary to see its metrics over time."));
        return;
    }
    if (!c->judged) {
        m_metricCaption->setText(
            tr("Metrics of %1 on %2 — not judged: %3").arg(c->app, c->cluster, c->notJudgedReason));
        m_chart->showMessage(
            tr("%1 on %2 is not judged:\n%3").arg(c->app, c->cluster, c->notJudgedReason));
        return;
    }
    const analysis::CanaryReport& report = c->report;
    QString verdict = tr("Metrics of %1 on %2 — %3, score %4 (pass ≥ %5, marginal ≥ %6)")
                          .arg(c->app, c->cluster, analysis::verdictName(report.verdict))
                          .arg(report.score, 0, 'f', 0)
                          .arg(report.thresholds.pass)
                          .arg(report.thresholds.marginal);
    if (!report.scoreReason.isEmpty())
        verdict += QStringLiteral(": ") + report.scoreReason;
    m_metricCaption->setText(verdict);
    QVector<int> order;
    for (int i = 0; i < report.metrics.size(); ++i)
        order << i;
    std::stable_sort(order.begin(), order.end(), [&report](int a, int b) {
        return metricSeverity(report.metrics[a]) < metricSeverity(report.metrics[b]);
    });
    m_syncing = true;
    m_metrics->setRowCount(int(order.size()));
    for (int row = 0; row < order.size(); ++row) {
        const analysis::MetricResult& m = report.metrics[order[row]];
        QString result = classificationText(m);
        if (m.muted)
            result += tr(" (muted)");
        auto* name = item(m.name, m.description);
        m_metrics->setItem(row, 0, name);
        auto* cls = item(result);
        if (m.classification != Classification::Pass) {
            cls->setForeground(readable(m.criticalFailure
                                            ? recommendationColor(Recommendation::RollBack)
                                            : recommendationColor(Recommendation::Halt)));
            QFont f = cls->font();
            f.setBold(true);
            cls->setFont(f);
        }
        m_metrics->setItem(row, 1, cls);
        m_metrics->setItem(row, 2,
                           item(m.criticalFailure ? tr("yes — failed")
                                : m.critical      ? tr("yes")
                                                  : QString()));
        m_metrics->setItem(row, 3, item(pValueText(m.pValue)));
        m_metrics->setItem(row, 4,
                           item(effectText(m.effectSize), tr("Mean ratio canary ÷ baseline")));
        m_metrics->setItem(row, 5,
                           item(m.canary.n > 0 ? number(m.canary.median) : tr("no data"),
                                tr("n = %1, mean %2").arg(m.canary.n).arg(number(m.canary.mean))));
        m_metrics->setItem(
            row, 6,
            item(m.baseline.n > 0 ? number(m.baseline.median) : tr("no data"),
                 tr("n = %1, mean %2").arg(m.baseline.n).arg(number(m.baseline.mean))));
        QString tip = m.reason;
        if (!m.canaryQuery.isEmpty())
            tip += tr("\nCanary query: %1").arg(m.canaryQuery);
        if (!m.baselineQuery.isEmpty())
            tip += tr("\nBaseline query: %1").arg(m.baselineQuery);
        for (const QString& n : m.notes)
            tip += QLatin1Char('\n') + n;
        m_metrics->setItem(row, 7, item(m.reason, tip));
    }
    fitColumns(m_metrics);
    // The metric shown before, else the first (the worst): the chart shows why.
    int select = 0;
    for (int row = 0; row < m_metrics->rowCount(); ++row)
        if (m_metrics->item(row, 0)->text() == m_selectedMetric)
            select = row;
    if (m_metrics->rowCount() > 0) {
        m_metrics->setCurrentCell(select, 0);
        m_selectedMetric = m_metrics->item(select, 0)->text();
    } else {
        m_selectedMetric.clear();
    }
    m_syncing = false;
    renderChart();
}

void ReleasesPage::renderChart() {
    const CanaryReview* c = canary();
    if (!c || !c->judged)
        return; // renderMetrics said why
    const analysis::MetricResult* result = nullptr;
    for (const analysis::MetricResult& m : c->report.metrics)
        if (m.name == m_selectedMetric)
            result = &m;
    if (!result) {
        m_chart->showMessage(tr("Select a metric to see the canary against its baseline."));
        m_chartNote->clear();
        return;
    }
    // Why, in the judge's words, under the picture.
    m_chartNote->setText(tr("<b>%1 %2</b>%3: %4")
                             .arg(esc(classificationText(*result)), esc(result->name),
                                  result->critical ? tr(" (critical)") : QString(),
                                  esc(result->reason)));
    for (const release::MetricChart& chart : c->charts) {
        if (chart.metric != m_selectedMetric)
            continue;
        const QString summary =
            tr("%1: canary median %2, baseline median %3, p-value %4, effect %5. %6")
                .arg(analysis::classificationName(result->classification),
                     number(result->canary.median), number(result->baseline.median),
                     pValueText(result->pValue), effectText(result->effectSize), result->reason);
        m_chart->showMetric(chart, c->cluster, c->baselineClusters.join(QStringLiteral(", ")),
                            summary);
        return;
    }
    m_chart->showMessage(tr("No series to draw for %1.\n%2").arg(result->name, result->reason));
}

void ReleasesPage::renderVersions() {
    const release::VersionMatrix& v = m_versionMatrix;
    m_versions->clear();
    QStringList headers{tr("Component")};
    for (const QString& env : v.environments)
        headers << env;
    headers << tr("Drift");
    m_versions->setColumnCount(int(headers.size()));
    m_versions->setHorizontalHeaderLabels(headers);
    m_versions->setRowCount(int(v.rows.size()));
    int drifting = 0;
    QColor tint = recommendationColor(Recommendation::Halt);
    tint.setAlpha(60);
    for (int row = 0; row < v.rows.size(); ++row) {
        const release::VersionRow& r = v.rows[row];
        drifting += r.drift ? 1 : 0;
        m_versions->setItem(row, 0, item(r.component));
        // The version most environments run: cells that differ from it are the drift.
        QHash<QString, int> votes;
        for (const release::VersionCell& cell : r.environments)
            if (!cell.versions.isEmpty())
                votes[cell.versions.first()] += 1;
        for (int col = 0; col < v.environments.size(); ++col) {
            const release::VersionCell* cell = nullptr;
            for (const release::VersionCell& c : r.environments)
                if (c.environment == v.environments[col])
                    cell = &c;
            if (!cell || cell->versions.isEmpty()) {
                m_versions->setItem(
                    row, col + 1,
                    item(QStringLiteral("—"), tr("Not deployed in %1").arg(v.environments[col])));
                continue;
            }
            const bool mixed = cell->versions.size() > 1;
            QString text = cell->versions.join(QStringLiteral(", "));
            if (mixed)
                text = QStringLiteral("⚠ ") + text;
            auto* it =
                item(text, tr("%1 in %2: %3 (%4)")
                               .arg(r.component, cell->environment,
                                    cell->versions.join(QStringLiteral(", ")),
                                    count(cell->apps, tr("application"), tr("applications"))));
            if (r.drift) {
                // The cells that differ from what most environments run (all of them on a tie),
                // and an environment that runs two versions at once.
                int most = 0;
                int leaders = 0;
                for (int n : std::as_const(votes))
                    most = std::max(most, n);
                for (int n : std::as_const(votes))
                    leaders += n == most ? 1 : 0;
                if (mixed || leaders > 1 || votes.value(cell->versions.first()) < most)
                    it->setBackground(tint);
            }
            m_versions->setItem(row, col + 1, it);
        }
        auto* drift = item(r.drift ? QStringLiteral("⚠ ") + r.driftDescription : tr("✓ same"),
                           r.driftDescription);
        if (r.drift) {
            QFont f = drift->font();
            f.setBold(true);
            drift->setFont(f);
        }
        m_versions->setItem(row, int(headers.size()) - 1, drift);
    }
    m_versions->resizeColumnsToContents();
    m_versions->resizeRowsToContents();
    if (!m_hasVersions)
        m_versionNote->setText(richtext::gray(
            tr("The versions of the fleet's components appear here once the applications of "
               "the connected instances are loaded.")));
    else if (v.rows.isEmpty())
        m_versionNote->setText(richtext::gray(tr("No components with an environment label.")));
    else
        m_versionNote->setText(
            tr("What each environment runs across the fleet (image tag, else short revision). "
               "%1")
                .arg(drifting > 0 ? tr("<b>⚠ %1 drift</b> between environments — expected "
                                       "while a release rolls out, a problem when it lasts.")
                                        .arg(count(drifting, tr("component"), tr("components")))
                                  : tr("✓ Every environment runs the same versions.")));
    m_tabs->setTabText(1, drifting > 0 ? tr("What version runs where (%1 drifting)").arg(drifting)
                                       : tr("What version runs where"));
}

int ReleasesPage::proceedStep() const {
    if (!m_review || !m_review->matrix.rollingSync)
        return 0;
    int best = 0;
    for (const release::StepReview& s : m_review->steps)
        if (s.step > 0 && s.status == StepStatus::Waiting && (best == 0 || s.step < best))
            best = s.step;
    return best;
}

QStringList ReleasesPage::proceedAppKeys() const {
    QStringList keys;
    const int step = proceedStep();
    if (!m_review || step <= 0)
        return keys;
    for (const release::ReleaseCell& cell : m_review->matrix.cells)
        if (cell.step == step)
            keys << cell.app.key();
    return keys;
}

void ReleasesPage::updateButtons() {
    const bool busy = !m_loading.isEmpty();
    m_refresh->setEnabled(!busy && m_appSetModel->rowOf(m_currentKey) >= 0);
    m_export->setEnabled(m_review.has_value());

    const int step = proceedStep();
    const bool proceed = m_review && m_review->recommendation == Recommendation::Proceed;
    m_proceed->setText(step > 0 ? tr("Proceed: sync step %1…").arg(step)
                                : tr("Proceed: no step left to sync"));
    m_proceed->setEnabled(!busy && proceed && step > 0);
    if (!m_review)
        m_proceed->setToolTip(QString());
    else if (!proceed)
        m_proceed->setToolTip(
            tr("The review recommends %1, not Proceed: %2")
                .arg(recommendationText(m_review->recommendation).mid(2), m_review->headline));
    else
        m_proceed->setToolTip(
            tr("Sync the %1 of step %2 through the approval gate (you approve "
               "each write).")
                .arg(count(int(proceedAppKeys().size()), tr("application"), tr("applications")))
                .arg(step));

    const CanaryReview* c = canary();
    const bool rollback = c && c->recommendation == Recommendation::RollBack;
    m_rollback->setText(c ? tr("Roll back %1…").arg(c->app) : tr("Roll back…"));
    m_rollback->setEnabled(!busy && rollback);
    m_rollback->setToolTip(
        rollback ? tr("Open the rollback plan for %1 on %2: %3").arg(c->app, c->cluster, c->reason)
                 : tr("Select a canary whose recommendation is Roll back."));

    const QString key = appKeyOfCell(m_subjectCell);
    const QString app =
        m_review && m_subjectCell >= 0 && m_subjectCell < m_review->matrix.cells.size()
            ? m_review->matrix.cells[m_subjectCell].app.name
            : QString();
    m_triage->setText(app.isEmpty() ? tr("Open in triage") : tr("Open %1 in triage").arg(app));
    m_triage->setEnabled(!key.isEmpty());
    // The banner beside them wraps; the buttons keep room for their whole text.
    for (QPushButton* b : {m_proceed, m_rollback, m_triage})
        b->setMinimumWidth(b->sizeHint().width());
    m_triage->setToolTip(app.isEmpty() ? tr("Select a cell of the matrix or a canary.")
                                       : tr("Diagnose %1 in the triage panel: events, logs, "
                                            "known failures.")
                                             .arg(app));
}

} // namespace sextant::ui
