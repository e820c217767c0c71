// MainWindow: the operations tabs — Releases (docs/release-review.md, docs/release-view.md) and
// Incidents (docs/incidents.md) — and the Tools entries for the metrics source and the fleet
// report (docs/reports.md). The pages show data; the session fetches it; every write still goes
// through the session's approval gate.

#include "mainwindow.h"

#include "alertsmodel.h"
#include "appdetailview.h"
#include "argocd/client.h"
#include "consolesession.h"
#include "fleet/fleetstore.h"
#include "fleet/healthtimeline.h"
#include "fleetreportdialog.h"
#include "incident/incidenttimeline.h"
#include "incident/runbooks.h"
#include "incidentspage.h"
#include "metricssourcedialog.h"
#include "prdraftdialog.h"
#include "release/releasereview.h"
#include "releasespage.h"
#include "report/fleetreport.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QtConcurrent>

namespace sextant::ui {

QList<QAction*> MainWindow::buildOperations(QMenu* viewMenu, QMenu* toolsMenu) {
    m_releases = new ReleasesPage;
    m_incidents = new IncidentsPage;
    m_tabs->addTab(m_releases, tr("Releases"));
    m_tabs->addTab(m_incidents, tr("Incidents"));
    m_tabs->setTabToolTip(2, tr("ApplicationSet rollouts: matrix, canary verdicts, recommendation "
                                "(Ctrl+3)"));
    m_tabs->setTabToolTip(3, tr("Alerts mapped to applications, with their timeline (Ctrl+4)"));

    auto* releasesAction = new QAction(tr("&Releases"), this);
    releasesAction->setShortcut(QKeySequence(tr("Ctrl+3")));
    auto* incidentsAction = new QAction(tr("&Incidents"), this);
    incidentsAction->setShortcut(QKeySequence(tr("Ctrl+4")));
    viewMenu->insertActions(viewMenu->actions().value(2), {releasesAction, incidentsAction});
    const auto showTab = [this](QWidget* page) {
        if (m_pages->currentIndex() == 1)
            m_tabs->setCurrentWidget(page);
    };
    connect(releasesAction, &QAction::triggered, this, [showTab, this] { showTab(m_releases); });
    connect(incidentsAction, &QAction::triggered, this, [showTab, this] { showTab(m_incidents); });

    auto* metricsAction = new QAction(tr("&Metrics source…"), this);
    metricsAction->setToolTip(tr("The Prometheus (or Thanos Querier) and Alertmanager the "
                                 "release review and the incidents read"));
    auto* reportAction = new QAction(tr("Daily fleet &report…"), this);
    reportAction->setToolTip(tr("What changed, what is failing and why, drift — to read, save "
                                "or post to Slack"));
    toolsMenu->addAction(metricsAction);
    toolsMenu->addAction(reportAction);
    connect(metricsAction, &QAction::triggered, this, [this] {
        MetricsSourceDialog dialog(m_session, this);
        connect(&dialog, &MetricsSourceDialog::saved, this, [this] {
            m_releases->setMetricsSource(m_session->metricsSourceDescription());
            m_incidents->setSource(m_session->alertSourceDescription());
        });
        dialog.exec();
    });
    connect(reportAction, &QAction::triggered, this, &MainWindow::openFleetReport);

    // Releases.
    m_releases->setMetricsSource(m_session->metricsSourceDescription());
    connect(m_releases, &ReleasesPage::applicationSetsRefreshRequested, this,
            &MainWindow::refreshApplicationSets);
    connect(m_releases, &ReleasesPage::reviewRequested, this, &MainWindow::reviewRelease);
    connect(m_releases, &ReleasesPage::proceedRequested, this, &MainWindow::proceedRelease);
    connect(m_releases, &ReleasesPage::rollbackRequested, this, [this](const QString& key) {
        openDetail(key);
        m_detailView->tabs()->setCurrentIndex(AppDetailView::RollbackTab);
    });
    connect(m_releases, &ReleasesPage::triageRequested, this, [this](const QString& key) {
        openDetail(key);
        m_detailView->tabs()->setCurrentIndex(AppDetailView::TriageTab);
    });
    connect(m_releases, &ReleasesPage::exportRequested, this, &MainWindow::exportRelease);

    // Incidents.
    m_incidents->setSource(m_session->alertSourceDescription());
    connect(m_incidents, &IncidentsPage::refreshRequested, this, &MainWindow::refreshAlerts);
    connect(m_incidents, &IncidentsPage::timelineRequested, this,
            [this](const QString& appKey, const QString& fingerprint) {
                QPointer<IncidentsPage> page(m_incidents);
                // The application's own alerts: the selected one and any other mapped to it.
                QVector<metrics::Alert> alerts;
                for (const incident::AlertMapping& m : m_incidents->model()->mappings()) {
                    bool mine = m.alert.fingerprint == fingerprint;
                    for (const incident::AppMatch& match : m.matches)
                        mine = mine || match.appKey == appKey;
                    if (mine)
                        alerts.append(m.alert);
                }
                m_session->incidentTimeline(appKey, alerts, fingerprint,
                                            [page](const incident::IncidentTimeline& t) {
                                                if (page)
                                                    page->setTimeline(t);
                                            });
                // The application's runbooks, from its config repository: the earlier app's are
                // dropped at once, and an answer for an app no longer selected is ignored.
                if (appKey != m_runbooksApp) {
                    m_runbooksApp = appKey;
                    m_incidents->setRunbooks({}, {});
                }
                m_session->loadRunbooks(appKey, [page, appKey](QVector<incident::Runbook> runbooks,
                                                               QStringList errors) {
                    if (page && page->selectedAppKey() == appKey)
                        page->setRunbooks(runbooks, errors);
                });
            });
    connect(m_incidents, &IncidentsPage::triageRequested, this, [this](const QString& key) {
        openDetail(key);
        m_detailView->tabs()->setCurrentIndex(AppDetailView::TriageTab);
    });
    connect(m_incidents, &IncidentsPage::runbookRequested, this, &MainWindow::proposeRunbook);
    // Alerts stay fresh while the tab is open: Alertmanager is cheap to ask.
    m_alertTimer = new QTimer(this);
    m_alertTimer->setInterval(60000);
    connect(m_alertTimer, &QTimer::timeout, this, [this] {
        if (m_tabs->currentWidget() == m_incidents && isVisible())
            refreshAlerts();
    });
    m_alertTimer->start();

    // First look at a tab: fetch what it shows.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int) {
        if (m_tabs->currentWidget() == m_releases) {
            refreshApplicationSets();
            refreshVersionMatrix();
        } else if (m_tabs->currentWidget() == m_incidents) {
            refreshAlerts();
        }
    });
    // The demo's metrics and alerts come up a few seconds after the fleet.
    connect(m_session, &ConsoleSession::demoPrometheusReady, this, [this] {
        m_releases->setMetricsSource(m_session->metricsSourceDescription());
        statusBar()->showMessage(tr("Demo Prometheus ready: the release review judges canaries"),
                                 5000);
    });
    connect(m_session, &ConsoleSession::demoPrometheusFailed, this, [this](const Error& e) {
        m_releases->setMetricsSource(
            tr("no Prometheus — the demo's could not start: %1").arg(e.shortMessage));
    });
    connect(m_session, &ConsoleSession::demoAlertmanagerReady, this, [this] {
        m_incidents->setSource(m_session->alertSourceDescription());
        if (m_tabs->currentWidget() == m_incidents)
            refreshAlerts();
    });
    connect(m_session, &ConsoleSession::demoAlertmanagerFailed, this,
            [this](const Error& e) { m_incidents->setError(e); });
    return {releasesAction, incidentsAction, metricsAction, reportAction};
}

void MainWindow::refreshApplicationSets() {
    QHash<QString, QString> names;
    for (const QString& id : m_session->instanceIds())
        if (const auto* info = m_session->instance(id))
            names.insert(id, info->config.name.isEmpty() ? id : info->config.name);
    m_releases->setInstanceNames(names);
    QPointer<ReleasesPage> page(m_releases);
    m_session->listApplicationSets(
        [page](QVector<release::AppSetSummary> sets, QStringList errors) {
            if (!page)
                return;
            page->setApplicationSets(sets);
            if (!errors.isEmpty() && sets.isEmpty())
                page->setError(Error::make(Error::Kind::Network, errors.first(),
                                           errors.join(QLatin1Char('\n'))));
        });
}

void MainWindow::refreshVersionMatrix() {
    // Every row of the fleet, grouped off the GUI thread (50,000 rows take a moment).
    const fleet::FleetStore* store = m_session->store();
    QVector<argocd::AppSummary> apps;
    apps.reserve(store->size());
    for (int row = 0; row < store->size(); ++row)
        apps.append(store->at(row));
    QPointer<ReleasesPage> page(m_releases);
    QtConcurrent::run([apps = std::move(apps)] {
        return release::buildVersionMatrix(apps);
    }).then(this, [page](release::VersionMatrix versions) {
        if (page)
            page->setVersionMatrix(versions);
    });
}

void MainWindow::reviewRelease(const QString& instance, const QString& name,
                               const QString& appsetNamespace) {
    m_releases->setMetricsSource(m_session->metricsSourceDescription());
    m_releases->setLoading(tr("Reviewing %1 on %2…").arg(name, instance));
    QPointer<ReleasesPage> page(m_releases);
    m_session->reviewRelease(instance, name, appsetNamespace,
                             [page](Result<release::ReleaseReview> review) {
                                 if (!page)
                                     return;
                                 if (review)
                                     page->setReview(review.value());
                                 else
                                     page->setError(review.error());
                             });
}

void MainWindow::proceedRelease(int step, const QStringList& appKeys) {
    if (appKeys.isEmpty())
        return;
    QStringList names;
    for (const QString& key : appKeys)
        names << key.section(QLatin1Char('/'), -1);
    const auto answer = QMessageBox::question(
        this, tr("Proceed to step %1").arg(step),
        tr("Sync the %n application(s) of step %1?\n\n%2\n\nEach sync is shown to you for "
           "approval and recorded in the audit log before it is sent.",
           nullptr, int(appKeys.size()))
            .arg(step)
            .arg(names.join(QLatin1Char('\n'))));
    if (answer != QMessageBox::Yes)
        return;
    auto left = std::make_shared<int>(int(appKeys.size()));
    auto failures = std::make_shared<QStringList>();
    QPointer<MainWindow> self(this);
    for (const QString& key : appKeys) {
        m_session->requestSync(key, false, false, [self, key, left, failures](Status s) {
            if (!s)
                failures->append(QStringLiteral("%1: %2").arg(key.section(QLatin1Char('/'), -1),
                                                              s.error().shortMessage));
            if (--*left > 0 || !self)
                return;
            if (failures->isEmpty())
                self->statusBar()->showMessage(tr("Step synced: review the release again in a "
                                                  "few minutes"),
                                               8000);
            else
                QMessageBox::warning(
                    self, tr("Proceed"),
                    tr("Not every sync was sent:\n%1").arg(failures->join(QLatin1Char('\n'))));
        });
    }
}

void MainWindow::exportRelease(const QString& format) {
    const release::ReleaseReview* review = m_releases->review();
    if (!review)
        return;
    const bool html = format == QLatin1String("html");
    const QString suggested =
        QStringLiteral("release-%1.%2")
            .arg(review->matrix.name, html ? QStringLiteral("html") : QStringLiteral("md"));
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export release report"), suggested,
                                     html ? tr("HTML (*.html)") : tr("Markdown (*.md)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    const QString text = html ? release::reviewToHtml(*review) : release::reviewToMarkdown(*review);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text.toUtf8()) < 0) {
        QMessageBox::warning(this, tr("Export release report"),
                             tr("%1 could not be written: %2").arg(path, file.errorString()));
        return;
    }
    statusBar()->showMessage(tr("Release report saved to %1").arg(path), 5000);
}

void MainWindow::refreshAlerts() {
    m_incidents->setSource(m_session->alertSourceDescription());
    if (m_session->alertSourceDescription().isEmpty())
        return; // the page says how to configure one
    QPointer<MainWindow> self(this);
    m_session->fetchAlerts([self](Result<QVector<metrics::Alert>> alerts) {
        if (!self)
            return;
        if (!alerts) {
            self->m_incidents->setError(alerts.error());
            return;
        }
        self->m_alerts = alerts.value();
        const fleet::FleetStore* store = self->m_session->store();
        QVector<argocd::AppSummary> apps;
        apps.reserve(store->size());
        for (int row = 0; row < store->size(); ++row)
            apps.append(store->at(row));
        self->m_incidents->setAlerts(self->m_alerts, apps); // mapped off the GUI thread
    });
}

void MainWindow::proposeRunbook(const QString& runbookId, const QString& fingerprint,
                                const QString& appKey) {
    std::optional<incident::Runbook> runbook;
    for (const incident::Runbook& r : m_incidents->applicableRunbooks())
        if (r.id == runbookId)
            runbook = r;
    const models::AlertsModel* model = m_incidents->model();
    const incident::AlertMapping* mapping = model->mapping(model->rowOf(fingerprint));
    if (!runbook || !mapping)
        return; // the selection moved on
    const metrics::Alert alert = mapping->alert;
    statusBar()->showMessage(tr("Drafting runbook %1…").arg(runbookId));
    QPointer<MainWindow> self(this);
    m_session->draftRunbookChange(
        appKey, *runbook, alert,
        [self, runbook = *runbook, appKey](Result<ConfigChangeDraft> draft) {
            if (!self)
                return;
            self->statusBar()->clearMessage();
            if (!draft) {
                // Not modal: the incident page stays usable (and tests are never blocked).
                auto* box = new QMessageBox(QMessageBox::Warning, tr("Propose runbook"),
                                            tr("No pull request for runbook %1: %2")
                                                .arg(runbook.id, draft.error().shortMessage),
                                            QMessageBox::Ok, self);
                box->setInformativeText(draft.error().details);
                box->setAttribute(Qt::WA_DeleteOnClose);
                box->open();
                return;
            }
            QString app = appKey.section(QLatin1Char('/'), -1);
            auto* dialog = new PrDraftDialog(self->m_session, self);
            dialog->setAttribute(Qt::WA_DeleteOnClose);
            dialog->presentDraft(std::move(draft).value(),
                                 tr("Runbook %1 for %2: %3").arg(runbook.id, app, runbook.title));
            dialog->show();
            Q_EMIT self->runbookDialogOpened(dialog);
        });
}

void MainWindow::openFleetReport() {
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto input = std::make_shared<report::ReportInput>(
        report::reportInputFromStore(*m_session->store(), now));
    for (const QString& id : m_session->instanceIds())
        if (const auto* info = m_session->instance(id))
            input->instanceNames.insert(id, info->config.name.isEmpty() ? id : info->config.name);
    statusBar()->showMessage(tr("Building the fleet report…"));
    QPointer<MainWindow> self(this);
    // 3. The report on the pool, the dialog here.
    auto build = [self, input] {
        if (!self)
            return;
        QtConcurrent::run([input] {
            return report::buildFleetReport(*input);
        }).then(self, [self](report::FleetReport built) {
            if (!self)
                return;
            self->statusBar()->clearMessage();
            auto* dialog =
                new FleetReportDialog(std::move(built), self->m_session->credentials(), self);
            dialog->setAttribute(Qt::WA_DeleteOnClose);
            dialog->show();
        });
    };
    // 2. Syncs and health transitions, read on the timeline's own thread.
    auto readTimeline = [self, input, build] {
        if (!self)
            return;
        self->m_session->withHealthTimeline([input, build](fleet::HealthTimeline& t) {
            if (t.isOpen())
                report::addTimeline(*input, t);
            QMetaObject::invokeMethod(qApp, build);
        });
    };
    // 1. Why the failing applications fail: the list carries no operation message, the full
    // Application does (the most urgent first, a bounded number of GETs).
    constexpr int kMaxOperationReads = 60;
    QVector<argocd::AppSummary> failing;
    for (const argocd::AppSummary& app : std::as_const(input->apps))
        if (app.syncFailed() || app.health == argocd::HealthStatus::Degraded ||
            app.health == argocd::HealthStatus::Missing)
            failing.append(app);
    std::stable_sort(failing.begin(), failing.end(),
                     [](const argocd::AppSummary& a, const argocd::AppSummary& b) {
                         return a.syncFailed() > b.syncFailed();
                     });
    if (failing.size() > kMaxOperationReads)
        failing.resize(kMaxOperationReads);
    auto left = std::make_shared<int>(0);
    for (const argocd::AppSummary& app : std::as_const(failing)) {
        argocd::Client* c = m_session->client(app.instance);
        if (!c)
            continue;
        ++*left;
        c->getApplication(
            app.name, app.appNamespace,
            [input, left, readTimeline, key = app.key()](Result<nlohmann::json> full) {
                if (full)
                    input->operations.insert(key,
                                             report::operationInfoFromApplication(full.value()));
                if (--*left == 0)
                    readTimeline();
            });
    }
    if (*left == 0)
        readTimeline();
}

} // namespace sextant::ui
