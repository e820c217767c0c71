// The dashboard on a generated fleet served over loopback by the in-process simulator: tiles
// show the store's counts, clicks on tiles, matrix cells and donut slices open the table with
// exactly the matching rows, the trend reads the history file, and saved views round trip.
#include "appdetailview.h"
#include "consolesession.h"
#include "dashboardview.h"
#include "filterbar.h"
#include "fleet/fleetfilter.h"
#include "fleet/fleethistory.h"
#include "fleetfilterproxy.h"
#include "fleetmodel.h"
#include "mainwindow.h"
#include "savedviews.h"
#include "sim/simulator.h"

#include <QApplication>
#include <QBarSet>
#include <QChartView>
#include <QDateTimeAxis>
#include <QHorizontalStackedBarSeries>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QPieSeries>
#include <QPieSlice>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using fleet::FleetFilter;

class TestDashboardView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantTest"));
        QSettings().remove(QStringLiteral("views"));
        QSettings().remove(QStringLiteral("favourites"));
        QSettings().remove(QStringLiteral("window"));
        QVERIFY(m_dir.isValid());
        sim::GeneratorOptions options;
        options.apps = 600;
        options.instances = 2;
        options.clusters = 8;
        options.seed = 5;
        m_sim.generate(options);
        m_sim.setTimeScale(0.01);
        QVERIFY(m_sim.listen().ok());

        m_session = std::make_unique<ui::ConsoleSession>(
            nullptr, m_dir.filePath(QStringLiteral("audit.jsonl")));
        m_window = std::make_unique<ui::MainWindow>(
            m_session.get(), nullptr, m_dir.filePath(QStringLiteral("history.sqlite")));
        m_window->resize(1500, 950);
        m_window->show();
        int expected = 0;
        for (const auto& ep : m_sim.endpoints()) {
            argocd::InstanceConfig config;
            config.id = ep.name;
            config.name = ep.name;
            config.baseUrl = ep.url;
            m_session->addEphemeralInstance(config, ep.token);
            expected += m_sim.appCount(ep.name);
        }
        QTRY_COMPARE_WITH_TIMEOUT(m_session->store()->size(), expected, 20000);
        for (const QString& id : m_session->instanceIds())
            QTRY_COMPARE_WITH_TIMEOUT(m_session->instance(id)->state,
                                      ui::ConsoleSession::State::Live, 20000);
        QCOMPARE(m_window->tabs()->currentWidget(), m_window->dashboard());
    }

    void cleanupTestCase() {
        m_window.reset();
        m_session.reset();
    }

    void tilesShowTheStoreCounts() {
        auto* dash = m_window->dashboard();
        dash->refreshNow();
        const fleet::FleetStore* store = m_session->store();
        QStringList scopes{QString()};
        scopes << m_session->instanceIds();
        for (const QString& scope : scopes) {
            const fleet::FleetCounts c = store->counts(scope);
            const auto* tile = dash->findChild<QWidget*>(
                QStringLiteral("tile:") + (scope.isEmpty() ? QStringLiteral("all") : scope));
            QVERIFY2(tile, qPrintable(scope));
            const auto buttons = tile->findChildren<QPushButton*>();
            QCOMPARE(buttons.size(), 4);
            const int expected[] = {c.apps, c.outOfSync, c.degraded, c.syncFailed};
            for (int i = 0; i < 4; ++i) {
                const auto labels = buttons[i]->findChildren<QLabel*>();
                QVERIFY(!labels.isEmpty());
                QCOMPARE(labels.first()->text(), QLocale().toString(expected[i]));
            }
        }
        const fleet::FleetCounts total = store->counts();
        QVERIFY(total.apps == 600);
        QCOMPARE(dash->stats().total.degraded, total.degraded);
        QCOMPARE(dash->stats().total.outOfSync, total.outOfSync);
        int healthSum = 0;
        for (int n : dash->stats().health)
            healthSum += n;
        QCOMPARE(healthSum, total.apps);
    }

    void tileClickFiltersTheTable() {
        auto* dash = m_window->dashboard();
        const QString id = m_session->instanceIds().first();
        const auto* tile = dash->findChild<QWidget*>(QStringLiteral("tile:") + id);
        QVERIFY(tile);
        const auto buttons = tile->findChildren<QPushButton*>();
        QTest::mouseClick(buttons[1], Qt::LeftButton); // out of sync
        QCOMPARE(m_window->tabs()->currentIndex(), 1);
        FleetFilter expected;
        expected.instances = {id};
        expected.sync = {argocd::SyncStatus::OutOfSync};
        QVERIFY(m_window->proxy()->filter() == expected);
        checkTableShowsExactly(expected);
        QVERIFY(m_window->proxy()->rowCount() == m_session->store()->counts(id).outOfSync);
    }

    void matrixCellFiltersTheTable() {
        m_window->showDashboard();
        auto* dash = m_window->dashboard();
        QCOMPARE(m_window->tabs()->currentWidget(), dash);
        dash->refreshNow();
        QTableWidget* matrix = dash->matrix();
        QVERIFY(matrix->rowCount() > 0);
        QVERIFY(matrix->columnCount() > 0);
        // The first row is the cluster with most problems; take its first filled cell.
        int row = 0, column = -1;
        for (int c = 0; c < matrix->columnCount() && column < 0; ++c)
            if (matrix->item(row, c))
                column = c;
        QVERIFY(column >= 0);
        matrix->scrollToItem(matrix->item(row, column));
        const QRect rect = matrix->visualItemRect(matrix->item(row, column));
        QSignalSpy spy(dash, &ui::DashboardView::filterRequested);
        QTest::mouseClick(matrix->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(spy.size(), 1);
        const FleetFilter f = spy.first().first().value<FleetFilter>();
        QCOMPARE(f.clusters.size(), 1);
        QCOMPARE(f.projects.size(), 1);
        QCOMPARE(f.clusters.first(), dash->stats().clusters.first().cluster);
        QCOMPARE(m_window->tabs()->currentIndex(), 1);
        checkTableShowsExactly(f);
        // The cell's count is the number of rows shown.
        const QString cell = matrix->item(row, column)->text();
        const int shown = m_window->proxy()->rowCount();
        QVERIFY2(cell.endsWith(shown == 1 ? QStringLiteral(" 1 app")
                                          : QStringLiteral(" %1 apps").arg(shown)) ||
                     cell == QStringLiteral("✓ %1 healthy").arg(shown),
                 qPrintable(cell));

        // Cluster × env label: the same click gives an env label condition.
        dash->setMatrixColumns(ui::DashboardView::MatrixColumns::EnvLabel);
        QVERIFY(dash->stats().anyEnvLabel);
        int envColumn = -1;
        for (int c = 0; c < matrix->columnCount() && envColumn < 0; ++c)
            if (matrix->item(0, c))
                envColumn = c;
        QVERIFY(envColumn >= 0);
        const FleetFilter envFilter = dash->matrixFilter(0, envColumn);
        QCOMPARE(envFilter.labels.size(), 1);
        QCOMPARE(envFilter.labels.first().key, QStringLiteral("env"));
        m_window->showFiltered(envFilter);
        checkTableShowsExactly(envFilter);
        QVERIFY(m_window->proxy()->rowCount() > 0);
        dash->setMatrixColumns(ui::DashboardView::MatrixColumns::Project);
    }

    void donutAndBarsFilterTheTable() {
        m_window->showDashboard();
        auto* dash = m_window->dashboard();
        QPieSlice* degraded = nullptr;
        const auto slices = dash->healthSeries()->slices();
        for (QPieSlice* slice : slices)
            if (slice->label().startsWith(QStringLiteral("Degraded")))
                degraded = slice;
        QVERIFY(degraded);
        Q_EMIT degraded->clicked();
        FleetFilter expected;
        expected.health = {argocd::HealthStatus::Degraded};
        QVERIFY(m_window->proxy()->filter() == expected);
        QCOMPARE(m_window->tabs()->currentIndex(), 1);
        checkTableShowsExactly(expected);
        QCOMPARE(m_window->proxy()->rowCount(), m_session->store()->counts().degraded);
        QCOMPARE(qRound(degraded->value()), m_window->proxy()->rowCount());

        // The top bar is the cluster with most problems; its OutOfSync segment.
        const auto sets = dash->clusterSeries()->barSets();
        QCOMPARE(sets.size(), 3);
        QBarSet* outOfSync = sets.at(1);
        const int last = int(outOfSync->count()) - 1;
        Q_EMIT outOfSync->clicked(last);
        const FleetFilter bar = m_window->proxy()->filter();
        QCOMPARE(bar.clusters, QStringList{dash->stats().clusters.first().cluster});
        QVERIFY(bar.sync == QList<argocd::SyncStatus>{argocd::SyncStatus::OutOfSync});
        checkTableShowsExactly(bar);
        QCOMPARE(m_window->proxy()->rowCount(), qRound(outOfSync->at(last)));

        // Screenshots: the filtered table, then the dashboard.
        const QString shots = QStringLiteral(SEXTANT_BIN_DIR "/../screenshots");
        QDir().mkpath(shots);
        m_window->showFiltered(expected);
        QTest::qWait(50);
        QVERIFY(m_window->grab().save(shots + QStringLiteral("/table-filtered-offscreen.png")));
        m_window->showDashboard();
        dash->refreshNow();
        QTest::qWait(50);
        QVERIFY(m_window->grab().save(shots + QStringLiteral("/dashboard-offscreen.png")));
    }

    void chartSegmentsAreReachableByKeyboard() {
        // Tab reaches each chart; the arrow keys walk its segments (highlighted and named for
        // screen readers); Enter filters the table exactly like a click.
        m_window->showDashboard();
        auto* dash = m_window->dashboard();
        dash->refreshNow();
        auto* health = dash->findChild<QChartView*>(QStringLiteral("healthChart"));
        auto* clusters = dash->findChild<QChartView*>(QStringLiteral("clusterChart"));
        auto* trend = dash->findChild<QChartView*>(QStringLiteral("trendChart"));
        QVERIFY(health && clusters && trend);
        for (QChartView* view : {health, clusters, trend})
            QCOMPARE(view->focusPolicy(), Qt::StrongFocus);

        // The donut starts with its worst slice; the next one is the second slice.
        health->setFocus();
        QTest::keyClick(health, Qt::Key_Home);
        const auto slices = dash->healthSeries()->slices();
        QVERIFY(slices.size() >= 2);
        QVERIFY(slices.at(0)->isExploded());
        QTest::keyClick(health, Qt::Key_Right);
        QVERIFY(!slices.at(0)->isExploded());
        QVERIFY(slices.at(1)->isExploded());
        QVERIFY2(health->accessibleDescription().startsWith(slices.at(1)->label()),
                 qPrintable(health->accessibleDescription()));
        QSignalSpy spy(dash, &ui::DashboardView::filterRequested);
        QTest::keyClick(health, Qt::Key_Return);
        QCOMPARE(spy.size(), 1);
        const FleetFilter fromKey = spy.takeFirst().first().value<FleetFilter>();
        QCOMPARE(fromKey.health.size(), 1);
        QVERIFY(slices.at(1)->label().startsWith(argocd::toString(fromKey.health.first())));
        checkTableShowsExactly(fromKey);
        QCOMPARE(m_window->proxy()->rowCount(), qRound(slices.at(1)->value()));

        // The cluster bars: the first segment is the top cluster's first non-empty status.
        m_window->showDashboard();
        clusters->setFocus();
        QTest::keyClick(clusters, Qt::Key_Home);
        QTest::keyClick(clusters, Qt::Key_Space);
        QCOMPARE(spy.size(), 1);
        const FleetFilter bar = spy.takeFirst().first().value<FleetFilter>();
        QCOMPARE(bar.clusters, QStringList{dash->stats().clusters.first().cluster});
        QCOMPARE(bar.sync.size(), 1);
        checkTableShowsExactly(bar);

        // The trend: the focused line's newest point is marked large in the focus colour
        // (and unmarked when the focus moves on), and Enter filters by its status.
        m_window->showDashboard();
        trend->setFocus();
        QTest::keyClick(trend, Qt::Key_Home);
        auto* first = qobject_cast<QLineSeries*>(trend->chart()->series().value(0));
        auto* second = qobject_cast<QLineSeries*>(trend->chart()->series().value(1));
        QVERIFY(first && second && first->count() > 0 && second->count() > 0);
        using Config = QXYSeries::PointConfiguration;
        const auto mark = first->pointConfiguration(first->count() - 1);
        QCOMPARE(mark.value(Config::Visibility).toBool(), true);
        QVERIFY(mark.value(Config::Size).toReal() >= 12);
        QCOMPARE(mark.value(Config::Color).value<QColor>(),
                 QApplication::palette().color(QPalette::Highlight));
        QVERIFY(second->pointConfiguration(second->count() - 1).isEmpty());
        QTest::keyClick(trend, Qt::Key_Right);
        QVERIFY(first->pointConfiguration(first->count() - 1).isEmpty());
        QVERIFY(!second->pointConfiguration(second->count() - 1).isEmpty());
        QTest::keyClick(trend, Qt::Key_Home);
        QTest::keyClick(trend, Qt::Key_Return);
        QCOMPARE(spy.size(), 1);
    }

    void matrixCellsAreReachableByKeyboard() {
        // Tab passes the matrix on (no cell-by-cell Tab trap); focus lands on a filled cell,
        // the arrow keys move between cells, each cell names itself for screen readers, and
        // Enter filters the table exactly like a click.
        m_window->showDashboard();
        auto* dash = m_window->dashboard();
        dash->refreshNow();
        QTableWidget* matrix = dash->matrix();
        QVERIFY(!matrix->tabKeyNavigation());
        QCOMPARE(matrix->focusPolicy() & Qt::TabFocus, Qt::TabFocus);
        matrix->setCurrentItem(nullptr);
        QFocusEvent focusIn(QEvent::FocusIn, Qt::TabFocusReason);
        QApplication::sendEvent(matrix, &focusIn);
        QTableWidgetItem* first = matrix->currentItem();
        QVERIFY(first);
        QCOMPARE(first->row(), 0);
        const QString spoken = first->data(Qt::AccessibleTextRole).toString();
        QVERIFY2(spoken.endsWith(first->text()), qPrintable(spoken));
        QVERIFY2(spoken.contains(matrix->verticalHeaderItem(0)->text()), qPrintable(spoken));
        QVERIFY(
            first->data(Qt::AccessibleDescriptionRole).toString().contains(QLatin1String("Enter")));

        // Right to the next filled cell of the first row (or stay on the first one).
        int target = first->column();
        for (int c = first->column() + 1; c < matrix->columnCount(); ++c)
            if (matrix->item(0, c)) {
                target = c;
                break;
            }
        for (int c = first->column(); c < target; ++c)
            QTest::keyClick(matrix, Qt::Key_Right);
        QCOMPARE(matrix->currentColumn(), target);
        QSignalSpy spy(dash, &ui::DashboardView::filterRequested);
        QTest::keyClick(matrix, Qt::Key_Return);
        QCOMPARE(spy.size(), 1);
        const FleetFilter f = spy.first().first().value<FleetFilter>();
        QVERIFY(f == dash->matrixFilter(0, target));
        QCOMPARE(m_window->tabs()->currentIndex(), 1);
        checkTableShowsExactly(f);
    }

    void trendHoldsEverySnapshot() {
        // A fresh start: the history has one snapshot, taken now; the time axis must include
        // it and the single point must be drawn inside the plot. A snapshot stamped a little
        // ahead of this clock (written by a process on another clock, or rounded up) too.
        for (const qint64 ahead : {qint64(0), qint64(90)}) {
            QTemporaryDir dir;
            QVERIFY(dir.isValid());
            fleet::FleetHistory history(dir.filePath(QStringLiteral("fresh.sqlite")));
            QVERIFY(history.isOpen());
            if (ahead > 0) {
                QHash<QString, fleet::FleetCounts> counts;
                counts.insert(m_session->instanceIds().first(),
                              m_session->store()->counts(m_session->instanceIds().first()));
                QVERIFY(history.record(counts, QDateTime::currentDateTimeUtc().addSecs(ahead)));
            }
            models::FleetModel model(m_session->store());
            ui::DashboardView dash(m_session.get(), &model, &history);
            dash.resize(1200, 700);
            dash.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dash));
            dash.refreshNow();
            const auto points = history.totals(QDateTime::currentDateTimeUtc().addDays(-1));
            QCOMPARE(points.size(), 1);

            auto* view = dash.findChild<QChartView*>(QStringLiteral("trendChart"));
            QVERIFY(view);
            QChart* chart = view->chart();
            const auto axes = chart->axes(Qt::Horizontal);
            QCOMPARE(axes.size(), 1);
            auto* time = qobject_cast<QDateTimeAxis*>(axes.first());
            QVERIFY(time);
            const qint64 x = points.first().time.toMSecsSinceEpoch();
            QVERIFY2(time->min().toMSecsSinceEpoch() < x && x < time->max().toMSecsSinceEpoch(),
                     qPrintable(QStringLiteral("%1 not in %2 .. %3")
                                    .arg(points.first().time.toString(Qt::ISODate),
                                         time->min().toUTC().toString(Qt::ISODate),
                                         time->max().toUTC().toString(Qt::ISODate))));
            QApplication::processEvents(); // layout of the plot area
            const auto series = chart->series();
            QCOMPARE(series.size(), 3);
            for (QAbstractSeries* s : series) {
                auto* line = qobject_cast<QLineSeries*>(s);
                QVERIFY(line);
                QCOMPARE(line->count(), 1);
                // One point is no line: it is drawn as a visible marker.
                QVERIFY(line->pointsVisible());
                QVERIFY(line->markerSize() >= 6);
                const QPointF at = chart->mapToPosition(line->at(0), line);
                // Strictly inside left to right; a zero count sits on the bottom edge.
                const QRectF plot = chart->plotArea();
                QVERIFY2(at.x() > plot.left() && at.x() < plot.right() &&
                             at.y() >= plot.top() - 0.5 && at.y() <= plot.bottom() + 0.5,
                         qPrintable(
                             QStringLiteral("(%1, %2) outside the plot").arg(at.x()).arg(at.y())));
            }
        }
    }

    void trendReadsTheHistory() {
        // The first refresh recorded a snapshot into the temp file.
        fleet::FleetHistory history(m_dir.filePath(QStringLiteral("history.sqlite")));
        QVERIFY(history.isOpen());
        const auto points = history.totals(QDateTime::currentDateTimeUtc().addDays(-1));
        QVERIFY(!points.isEmpty());
        QCOMPARE(points.last().counts.apps, m_session->store()->size());
    }

    void facetBarAndFreeTextCombine() {
        FleetFilter f;
        f.health = {argocd::HealthStatus::Healthy};
        m_window->showFiltered(f);
        const QString project = m_session->store()->at(0).project;
        // The facet bar edits the filter, keeping the typed text.
        m_window->proxy()->setText(QStringLiteral("env=") +
                                   m_session->store()->at(0).labels.value(0).second);
        FleetFilter edited = m_window->filterBar()->filter();
        QVERIFY(!edited.text().isEmpty());
        edited.projects = {project};
        Q_EMIT m_window->filterBar()->filterEdited(edited);
        QVERIFY(m_window->proxy()->filter() == edited);
        checkTableShowsExactly(edited);
    }

    // Changes that arrive while the table is in front show up as soon as the dashboard does.
    void hiddenDashboardCatchesUp() {
        m_window->showApplications();
        QVERIFY(!m_window->dashboard()->isVisible());
        const QString inst = m_sim.endpoints().first().name;
        QString healthyApp;
        for (const QString& name : m_sim.appNames(inst)) {
            const int row = m_session->store()->indexOf(inst + QStringLiteral("/argocd/") + name);
            if (row >= 0 && m_session->store()->at(row).health == argocd::HealthStatus::Healthy) {
                healthyApp = name;
                break;
            }
        }
        QVERIFY(!healthyApp.isEmpty());
        const int before = m_session->store()->counts().degraded;
        QVERIFY(m_sim.setAppHealth(inst, healthyApp, QStringLiteral("Degraded")).ok());
        QTRY_COMPARE_WITH_TIMEOUT(m_session->store()->counts().degraded, before + 1, 20000);
        m_window->showDashboard();
        const auto* tile = m_window->dashboard()->findChild<QWidget*>(QStringLiteral("tile:all"));
        QVERIFY(tile);
        const auto buttons = tile->findChildren<QPushButton*>();
        QCOMPARE(buttons[2]->findChildren<QLabel*>().first()->text(),
                 QLocale().toString(before + 1));
        int degradedSlice = 0;
        for (QPieSlice* slice : m_window->dashboard()->healthSeries()->slices())
            if (slice->label().startsWith(QStringLiteral("Degraded")))
                degradedSlice = qRound(slice->value());
        QCOMPARE(degradedSlice, before + 1);
    }

    void savedViewsRoundTrip() {
        FleetFilter f;
        f.instances = {m_session->instanceIds().last()};
        f.health = {argocd::HealthStatus::Degraded, argocd::HealthStatus::Missing};
        f.labels = {*fleet::LabelTerm::parse(u"env")};
        f.setText(QStringLiteral("label:team"));
        ui::SavedViews* views = m_window->savedViews();
        views->save(QStringLiteral("Broken in us"), f);
        FleetFilter g;
        g.problemsOnly = true;
        views->save(QStringLiteral("Problems"), g);
        QCOMPARE(views->names(), (QStringList{"Broken in us", "Problems"}));

        // Another reader (next start) sees the same views.
        ui::SavedViews reread;
        QCOMPARE(reread.names(), views->names());
        QVERIFY(reread.filter(QStringLiteral("Broken in us")) == f);
        QVERIFY(reread.filter(QStringLiteral("Problems")) == g);

        QVERIFY(!views->rename(QStringLiteral("Problems"), QStringLiteral("Broken in us")));
        QVERIFY(views->rename(QStringLiteral("Problems"), QStringLiteral("All problems")));
        QVERIFY(!views->rename(QStringLiteral("nope"), QStringLiteral("x")));
        reread.reload();
        QCOMPARE(reread.names(), (QStringList{"Broken in us", "All problems"}));

        QVERIFY(m_window->applyView(QStringLiteral("Broken in us")));
        QVERIFY(m_window->proxy()->filter() == f);
        QCOMPARE(m_window->tabs()->currentIndex(), 1);
        checkTableShowsExactly(f);
        QVERIFY(!m_window->applyView(QStringLiteral("Problems")));

        QVERIFY(views->remove(QStringLiteral("All problems")));
        reread.reload();
        QCOMPARE(reread.names(), QStringList{"Broken in us"});
    }

    void favouritesFilter() {
        const QString a = m_session->store()->at(3).key();
        const QString b = m_session->store()->at(7).key();
        m_window->setFavourite(a, true);
        m_window->setFavourite(b, true);
        FleetFilter f;
        f.favouritesOnly = true;
        m_window->showFiltered(f);
        QCOMPARE(m_window->proxy()->rowCount(), 2);
        m_window->setFavourite(b, false);
        QCOMPARE(m_window->proxy()->rowCount(), 1);
        QCOMPARE(m_window->proxy()->index(0, 0).data(models::FleetModel::KeyRole).toString(), a);
        QCOMPARE(QSettings().value(QStringLiteral("favourites/apps")).toStringList(),
                 QStringList{a});
        m_window->setFavourite(a, false);
    }

    // Enter on a row opens the full application detail beside the table.
    void enterOpensTheDetail() {
        m_window->showFiltered(FleetFilter());
        QTableView* table = m_window->fleetView();
        table->setFocus();
        table->setCurrentIndex(table->model()->index(2, 0));
        const QString key = table->currentIndex().data(models::FleetModel::KeyRole).toString();
        QVERIFY(!m_window->detailView()->isVisible());
        QTest::keyClick(table, Qt::Key_Return);
        QCOMPARE(m_window->detailView()->appKey(), key);
        QVERIFY(m_window->detailView()->isVisible());
        QTest::qWait(300); // let the detail's first answers arrive for the screenshot
        m_window->grab().save(QStringLiteral(SEXTANT_BIN_DIR "/../screenshots") +
                              QStringLiteral("/table-detail-offscreen.png"));
        // Another row brings the summary back.
        table->setCurrentIndex(table->model()->index(3, 0));
        QVERIFY(!m_window->detailView()->isVisible());
    }

private:
    // The table shows exactly the applications FleetFilter::matches accepts.
    void checkTableShowsExactly(const FleetFilter& f) {
        const fleet::FleetStore* store = m_session->store();
        QSet<QString> expected;
        for (int r = 0; r < store->size(); ++r)
            if (f.matches(store->at(r), m_window->proxy()->isFavourite(store->at(r).key())))
                expected << store->at(r).key();
        QSet<QString> shown;
        auto* model = m_window->fleetView()->model();
        for (int r = 0; r < model->rowCount(); ++r)
            shown << model->index(r, 0).data(models::FleetModel::KeyRole).toString();
        QCOMPARE(shown, expected);
    }

    QTemporaryDir m_dir;
    sim::Simulator m_sim;
    std::unique_ptr<ui::ConsoleSession> m_session;
    std::unique_ptr<ui::MainWindow> m_window;
};

QTEST_MAIN(TestDashboardView)
#include "tst_dashboardview.moc"
