#pragma once

#include "dashboardstats.h"
#include "fleet/fleetfilter.h"

#include <QElapsedTimer>
#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QHBoxLayout;
class QHorizontalStackedBarSeries;
class QLabel;
class QPieSeries;
class QScrollArea;
class QTableWidget;
class QTableWidgetItem;
class QTimer;

namespace sextant {
namespace fleet {
class FleetHistory;
}
namespace models {
class FleetModel;
}
namespace ui {

class ConsoleSession;
class DashboardTile;

// The fleet at a glance: tiles per instance and in total, a health donut, sync status of the
// clusters with the most problems, a trend of degraded and out-of-sync counts from the local
// history, and a cluster × project (or cluster × env label) health matrix. Everything clickable
// emits filterRequested() with the filter that shows exactly those applications.
//
// Cost: one pass over the store per refresh (DashboardStats::compute), refreshes coalesced to
// at most two per second while visible and one per ten seconds while hidden; widgets are only
// touched when the numbers changed.
class DashboardView : public QWidget {
    Q_OBJECT
public:
    enum class MatrixColumns { Project, EnvLabel };

    // `history` may be null (no trend); it must outlive the view.
    DashboardView(ConsoleSession* session, models::FleetModel* model, fleet::FleetHistory* history,
                  QWidget* parent = nullptr);
    ~DashboardView() override;

    const models::DashboardStats& stats() const { return m_stats; }
    // Recomputes now instead of at the next coalesced refresh (tests, first show).
    void refreshNow();

    void setMatrixColumns(MatrixColumns columns);
    MatrixColumns matrixColumns() const { return m_columns; }

    // For tests and keyboard users: the filter behind a matrix cell or a donut slice.
    QTableWidget* matrix() const { return m_matrix; }
    QPieSeries* healthSeries() const { return m_healthSeries; }
    QHorizontalStackedBarSeries* clusterSeries() const { return m_clusterSeries; }
    fleet::FleetFilter matrixFilter(int row, int column) const;

Q_SIGNALS:
    void filterRequested(const sextant::fleet::FleetFilter& filter);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void scheduleRefresh();
    void fitTiles();
    void updateTiles();
    void updateHealth();
    void updateClusters();
    void updateTrend();
    void updateMatrix();
    void applyChartTheme(QChart* chart);
    QString clusterLabel(const QString& cluster) const;
    void updateClusterLabels();
    QString instanceName(const QString& id) const;
    bool fleetLoading() const; // see the definition: no history snapshot while true
    QChartView* makeChartView(QChart* chart, const QString& accessibleName);

    ConsoleSession* m_session;
    models::FleetModel* m_model;
    fleet::FleetHistory* m_history;
    models::DashboardStats m_stats;
    bool m_computed = false;
    bool m_stale = false; // numbers changed while hidden; widgets not yet redrawn
    QTimer* m_refreshTimer;
    QElapsedTimer m_lastRefresh; // since the last refreshNow()
    QTimer* m_historyTimer;

    QScrollArea* m_tilesScroll;
    QHBoxLayout* m_tilesLayout;
    QVector<DashboardTile*> m_tiles; // [0] = all instances

    QChart* m_healthChart;
    QPieSeries* m_healthSeries;
    QChart* m_clusterChart;
    QHorizontalStackedBarSeries* m_clusterSeries;
    QVector<fleet::FleetFilter> m_trendFilters; // per trend line, in the chart's series order
    QStringList m_clusterCategories;            // cluster values behind the bars, top to bottom
    // Cluster value -> short label: the host of a server URL without the DNS labels every
    // cluster shares ("api.prod-eu-1.k8s.example.net" -> "prod-eu-1").
    QHash<QString, QString> m_clusterLabels;
    QChart* m_trendChart;
    QComboBox* m_trendRange;
    QLabel* m_trendNote;

    QComboBox* m_matrixMode;
    QTableWidget* m_matrix;
    QStringList m_matrixRows;    // cluster values
    QStringList m_matrixColumns; // project names or env values ("" = no env label)
    MatrixColumns m_columns = MatrixColumns::Project;
};

} // namespace ui
} // namespace sextant
