#pragma once

#include "core/error.h"
#include "release/releasematrix.h"
#include "release/releasereview.h"

#include <QHash>
#include <QWidget>

#include <optional>

class QLabel;
class QLineEdit;
class QListWidget;
class QMenu;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTableWidget;
class QToolButton;
class QHBoxLayout;

namespace sextant {
namespace models {
class AppSetListModel;
class ReleaseMatrixModel;
} // namespace models
namespace ui {

class CanaryChart;

// The Releases page (docs/release-view.md): on the left the ApplicationSets of every instance,
// filterable; on the right the release review of the selected one — the verdict (proceed, wait,
// halt, roll back) with the blocking step or cluster, the RollingSync steps, the matrix of
// components × clusters with its outliers, the canary verdict per cluster and, for the selected
// canary, its metrics and a chart of canary against baseline — and, on a second tab, what
// version runs in which environment across the fleet.
//
// The page only shows data and asks for things: it fetches nothing and writes nothing. Whoever
// owns it (the console session) answers reviewRequested() with setLoading() and then setReview()
// or setError(), and carries out proceedRequested() / rollbackRequested() through the approval
// gate. An error keeps the last good review on screen, with the error above it.
class ReleasesPage : public QWidget {
    Q_OBJECT
public:
    explicit ReleasesPage(QWidget* parent = nullptr);
    ~ReleasesPage() override;

    void setApplicationSets(const QVector<release::AppSetSummary>& sets);
    // Instance ids are stable keys (UUIDs for saved instances); the list shows these names.
    void setInstanceNames(const QHash<QString, QString>& names);
    // Shows `review`, clears the loading and error states.
    void setReview(const release::ReleaseReview& review);
    // The "What version runs where" tab (release::buildVersionMatrix over the fleet).
    void setVersionMatrix(const release::VersionMatrix& versions);
    // `what` in words ("Reviewing shop on prod-eu"); empty = no longer loading.
    void setLoading(const QString& what);
    // The last request failed: the error is shown, the last good review stays visible.
    void setError(const sextant::Error& error);
    // Where the canary metrics come from, e.g. "Prometheus http://127.0.0.1:9090", or why there
    // are none ("no Prometheus configured — canaries are not judged").
    void setMetricsSource(const QString& description);

    // Selects a set in the list (as a click would: reviewRequested() is emitted). False when the
    // list has no such set (or the filter hides it).
    bool selectApplicationSet(const QString& instance, const QString& appsetNamespace,
                              const QString& name);
    // Selects ReleaseReview::canaries[index] (its metrics and chart show); -1 = none.
    void selectCanary(int index);
    // Selects a metric of the selected canary (its chart shows). False when absent.
    bool selectMetric(const QString& name);

    bool hasReview() const { return m_review.has_value(); }
    const release::ReleaseReview* review() const { return m_review ? &*m_review : nullptr; }
    bool isLoading() const { return !m_loading.isEmpty(); }
    bool hasError() const { return m_error.isError(); }
    int selectedCanary() const { return m_selectedCanary; }
    QString selectedMetric() const { return m_selectedMetric; }
    // The step "Proceed" would sync (the first step still Waiting) and its applications;
    // 0 / empty when nothing is left to sync.
    int proceedStep() const;
    QStringList proceedAppKeys() const;

    // For tests, screenshots and keyboard users.
    QLabel* banner() const { return m_banner; }
    QLabel* statusLabel() const { return m_status; }
    QLabel* titleLabel() const { return m_title; }
    QLabel* emptyStateLabel() const { return m_emptyReview; }
    QPushButton* refreshButton() const { return m_refresh; }
    QPushButton* proceedButton() const { return m_proceed; }
    QPushButton* rollbackButton() const { return m_rollback; }
    QPushButton* triageButton() const { return m_triage; }
    QPushButton* exportButton() const { return m_export; }
    QMenu* exportMenu() const { return m_exportMenu; }
    QLineEdit* filterEdit() const { return m_filter; }
    QTableView* appSetView() const { return m_appSetView; }
    QTableView* matrixView() const { return m_matrixView; }
    QTableWidget* canaryTable() const { return m_canaries; }
    QTableWidget* metricTable() const { return m_metrics; }
    QTableWidget* versionTable() const { return m_versions; }
    QListWidget* outlierList() const { return m_outliers; }
    CanaryChart* chart() const { return m_chart; }
    QLabel* chartNote() const { return m_chartNote; } // the selected metric's reason
    QTabWidget* tabs() const { return m_tabs; }
    QWidget* stepsStrip() const { return m_steps; }
    models::ReleaseMatrixModel* matrixModel() const { return m_matrixModel; }
    models::AppSetListModel* appSetModel() const { return m_appSetModel; }

    // Colour and words of a recommendation, shared with the steps strip and the tables.
    static QColor recommendationColor(release::Recommendation r);
    static QString recommendationText(release::Recommendation r); // "↩ Roll back"

Q_SIGNALS:
    void reviewRequested(const QString& instance, const QString& name,
                         const QString& appsetNamespace);
    // The list's reload button: fetch the ApplicationSets again.
    void applicationSetsRefreshRequested();
    void proceedRequested(int step, const QStringList& appKeys);
    void rollbackRequested(const QString& appKey);
    void triageRequested(const QString& appKey);
    void exportRequested(const QString& format); // "markdown" or "html"

protected:
    void changeEvent(QEvent* event) override;

private:
    QColor readable(const QColor& color) const;
    void buildLeft(QWidget* host);
    QWidget* buildReleaseTab();
    QWidget* buildVersionTab();
    void onAppSetChanged();
    void requestReview();
    void renderHeader();
    void renderStatus();
    void renderBanner();
    void renderSteps();
    void renderOutliers();
    void renderCanaries();
    void renderMetrics();
    void renderChart();
    void renderVersions();
    void updateButtons();
    void updateListState();
    void setSubjectCell(int cell);
    void onMatrixCurrentChanged();
    QString appKeyOfCell(int cell) const;
    int canaryOfCell(int cell) const;
    const release::CanaryReview* canary() const;

    std::optional<release::ReleaseReview> m_review;
    release::VersionMatrix m_versionMatrix;
    bool m_hasVersions = false;
    QString m_loading;
    Error m_error;
    QString m_metricsSource;
    QString m_currentKey; // the set selected in the list ("instance/namespace/name")
    int m_selectedCanary = -1;
    QString m_selectedMetric;
    int m_subjectCell = -1; // the application the triage button opens
    bool m_syncing = false; // selection changes made by the page itself

    // Left.
    models::AppSetListModel* m_appSetModel;
    QSortFilterProxyModel* m_appSetProxy;
    QLineEdit* m_filter;
    QToolButton* m_reloadList;
    QTableView* m_appSetView;
    QLabel* m_listState;
    // Right.
    QLabel* m_title;
    QLabel* m_source;
    QLabel* m_status;
    QPushButton* m_refresh;
    QPushButton* m_export;
    QMenu* m_exportMenu;
    QStackedWidget* m_rightStack;
    QLabel* m_emptyReview;
    QLabel* m_banner;
    QPushButton* m_proceed;
    QPushButton* m_rollback;
    QPushButton* m_triage;
    QTabWidget* m_tabs;
    QWidget* m_steps;
    QHBoxLayout* m_stepsLayout;
    models::ReleaseMatrixModel* m_matrixModel;
    QTableView* m_matrixView;
    QListWidget* m_outliers;
    QTableWidget* m_canaries;
    QLabel* m_canaryCaption;
    QTableWidget* m_metrics;
    QLabel* m_metricCaption;
    CanaryChart* m_chart;
    QLabel* m_chartNote;
    QLabel* m_versionNote;
    QTableWidget* m_versions;
};

} // namespace ui
} // namespace sextant
