#include "mainwindow.h"

#include "aisettingsdialog.h"
#include "appdetailview.h"
#include "approvaldialog.h"
#include "commandpalette.h"
#include "consolesession.h"
#include "dashboardview.h"
#include "filterbar.h"
#include "fleet/fleethistory.h"
#include "fleet/transitiondetector.h"
#include "fleetfilterproxy.h"
#include "fleetmodel.h"
#include "gitremotesdialog.h"
#include "governance/actionmode.h"
#include "instancedialog.h"
#include "notificationpanel.h"
#include "prdraftdialog.h"
#include "savedviews.h"
#include "theme.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace sextant::ui {

using models::FleetModel;

static QString defaultHistoryPath() {
    // Next to the audit log ($XDG_DATA_HOME/sextant), like every other Sextant data file.
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                        QStringLiteral("/sextant");
    QDir().mkpath(dir);
    return dir + QStringLiteral("/fleet-history.sqlite");
}

MainWindow::MainWindow(ConsoleSession* session, QWidget* parent, const QString& historyPath)
    : QMainWindow(parent)
    , m_session(session)
    , m_model(new FleetModel(session->store(), this))
    , m_proxy(new models::FleetFilterProxy(this))
    , m_approver(std::make_unique<DialogApprover>(this))
    , m_history(std::make_unique<fleet::FleetHistory>(historyPath.isEmpty() ? defaultHistoryPath()
                                                                            : historyPath))
    , m_views(new SavedViews(this)) {
    setWindowTitle(tr("Sextant — Argo CD fleet"));
    if (const QScreen* screen = QGuiApplication::primaryScreen())
        resize(screen->availableSize() * 0.95);
    else
        resize(1400, 860);
    m_session->setApprover(m_approver.get());
    m_proxy->setSourceModel(m_model);

    // Actions first: menus, toolbar and shortcuts share them.
    auto* instancesAction = new QAction(tr("&Instances…"), this);
    instancesAction->setShortcut(QKeySequence(tr("Ctrl+I")));
    auto* syncAction = new QAction(tr("&Sync…"), this);
    syncAction->setShortcut(QKeySequence(tr("Ctrl+Shift+S")));
    syncAction->setToolTip(tr("Sync the selected application (asks for your approval first)"));
    auto* refreshAction = new QAction(tr("&Refresh"), this);
    refreshAction->setShortcut(QKeySequence(tr("Ctrl+R")));
    refreshAction->setToolTip(tr("Ask Argo CD to compare the selected application with Git now"));
    auto* favouriteAction = new QAction(tr("Toggle &favourite"), this);
    favouriteAction->setShortcut(QKeySequence(tr("Ctrl+D")));
    favouriteAction->setToolTip(tr("Mark or unmark the selected application as a favourite"));
    auto* dashboardAction = new QAction(tr("&Dashboard"), this);
    dashboardAction->setShortcut(QKeySequence(tr("Ctrl+1")));
    auto* applicationsAction = new QAction(tr("&Applications"), this);
    applicationsAction->setShortcut(QKeySequence(tr("Ctrl+2")));
    auto* paletteAction = new QAction(tr("&Go to action or application…"), this);
    paletteAction->setShortcut(QKeySequence(tr("Ctrl+K")));
    auto* nextAction = new QAction(tr("&Next application"), this);
    nextAction->setShortcut(QKeySequence(tr("Alt+Down")));
    auto* previousAction = new QAction(tr("&Previous application"), this);
    previousAction->setShortcut(QKeySequence(tr("Alt+Up")));
    auto* notificationsAction = new QAction(tr("&Notifications"), this);
    notificationsAction->setShortcut(QKeySequence(tr("Ctrl+Shift+N")));
    notificationsAction->setCheckable(true);
    auto* shortcutsAction = new QAction(tr("&Keyboard shortcuts"), this);
    shortcutsAction->setShortcut(QKeySequence(tr("F1")));
    auto* demoAction = new QAction(tr("Open the &demo fleet"), this);
    auto* quitAction = new QAction(tr("&Quit"), this);
    quitAction->setShortcut(QKeySequence::Quit);
    auto* gitRemotesAction = new QAction(tr("&Git repositories…"), this);
    gitRemotesAction->setToolTip(
        tr("The config repositories Sextant reads, pushes to and opens pull requests on"));
    auto* describeChangeAction = new QAction(tr("&Describe a config change…"), this);
    describeChangeAction->setShortcut(QKeySequence(tr("Ctrl+Shift+P")));
    describeChangeAction->setToolTip(tr("What a change of a config repository reaches, and a pull "
                                        "request for it"));

    auto* fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(instancesAction);
    fileMenu->addAction(demoAction);
    fileMenu->addSeparator();
    fileMenu->addAction(quitAction);
    auto* appMenu = menuBar()->addMenu(tr("&Application"));
    appMenu->addAction(syncAction);
    appMenu->addAction(refreshAction);
    appMenu->addSeparator();
    appMenu->addAction(favouriteAction);
    auto* viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(dashboardAction);
    viewMenu->addAction(applicationsAction);
    viewMenu->addSeparator();
    viewMenu->addAction(paletteAction);
    viewMenu->addAction(nextAction);
    viewMenu->addAction(previousAction);
    viewMenu->addAction(notificationsAction);
    viewMenu->addSeparator();
    // Theme: the desktop's, or forced light/dark; remembered across starts.
    auto* themeMenu = viewMenu->addMenu(tr("&Theme"));
    auto* themes = new QActionGroup(this);
    const Theme current = applySavedTheme();
    for (const auto& [theme, label] :
         {std::pair{Theme::System, tr("Follow the &system")}, std::pair{Theme::Light, tr("&Light")},
          std::pair{Theme::Dark, tr("&Dark")}}) {
        QAction* a = themeMenu->addAction(label);
        a->setCheckable(true);
        a->setChecked(theme == current);
        a->setObjectName(QStringLiteral("theme-") + themeName(theme));
        themes->addAction(a);
        connect(a, &QAction::triggered, this, [theme] {
            applyTheme(theme);
            saveTheme(theme);
        });
    }
    auto* toolsMenu = menuBar()->addMenu(tr("&Tools"));
    toolsMenu->addAction(describeChangeAction);
    toolsMenu->addAction(gitRemotesAction);
    toolsMenu->addSeparator();
    connect(gitRemotesAction, &QAction::triggered, this, [this] {
        GitRemotesDialog dialog(m_session, this);
        dialog.exec();
    });
    connect(describeChangeAction, &QAction::triggered, this, [this] {
        // Modeless: the change stays open while the user looks at the fleet.
        auto* dialog = new PrDraftDialog(m_session, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    toolsMenu->addAction(tr("&AI provider…"), this, [this] {
        AiSettingsDialog dialog(m_session, this);
        dialog.exec();
    });
    auto* helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(shortcutsAction);
    helpMenu->addAction(tr("&About Sextant"), this, [this] {
        QMessageBox::about(this, tr("About Sextant"),
                           tr("<b>Sextant %1</b><br>Operations console for Argo CD and OpenShift "
                              "GitOps.<br><br>Audit log: %2")
                               .arg(QStringLiteral(SEXTANT_VERSION), m_session->auditLogPath()));
    });

    auto* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setMovable(false);
    toolbar->addAction(instancesAction);
    toolbar->addSeparator();
    toolbar->addAction(syncAction);
    toolbar->addAction(refreshAction);
    toolbar->addSeparator();
    m_filter = new QLineEdit;
    m_filter->setPlaceholderText(
        tr("Filter by name, cluster, project, namespace or label=value   ( / )"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Filter applications"));
    m_filter->setMinimumWidth(420);
    toolbar->addWidget(m_filter);
    m_problemsOnly = new QCheckBox(tr("&Problems only"));
    m_problemsOnly->setToolTip(tr("OutOfSync, not Healthy, or the last sync failed"));
    toolbar->addWidget(m_problemsOnly);
    toolbar->addSeparator();
    m_viewsCombo = new QComboBox;
    m_viewsCombo->setPlaceholderText(tr("Saved views"));
    m_viewsCombo->setAccessibleName(tr("Saved views"));
    m_viewsCombo->setToolTip(tr("Apply a saved filter"));
    m_viewsCombo->setMinimumContentsLength(16);
    m_viewsCombo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    toolbar->addWidget(m_viewsCombo);
    auto* viewsButton = new QToolButton;
    viewsButton->setText(tr("Views"));
    viewsButton->setPopupMode(QToolButton::InstantPopup);
    viewsButton->setAccessibleName(tr("Manage saved views"));
    auto* viewsMenu = new QMenu(viewsButton);
    viewsMenu->addAction(tr("&Save current filter as view…"), this, &MainWindow::saveViewAs);
    viewsMenu->addAction(tr("&Rename view…"), this, &MainWindow::renameView);
    viewsMenu->addAction(tr("&Delete view"), this, &MainWindow::deleteView);
    viewsButton->setMenu(viewsMenu);
    toolbar->addWidget(viewsButton);
    auto* spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolbar->addWidget(spacer);
    m_totals = new QLabel;
    m_totals->setAccessibleName(tr("Fleet totals"));
    toolbar->addWidget(m_totals);

    // Fleet table and details side by side.
    m_table = new QTableView;
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    // Worst health first: the first screen an SRE sees is what needs attention.
    m_table->sortByColumn(FleetModel::HealthColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_table->setAccessibleName(tr("Applications"));
    const int widths[] = {90, 170, 150, 110, 230, 90, 100, 100, 90, 130};
    for (int c = 0; c < FleetModel::ColumnCount; ++c)
        m_table->setColumnWidth(c, widths[c]);

    m_details = new QTextBrowser;
    m_details->setOpenExternalLinks(false);
    m_details->setAccessibleName(tr("Application details"));

    // Right of the table: the selected row's summary, or (Enter / double-click) the full detail,
    // which fetches the application's tree, diff, events and logs on demand.
    m_detailView = new AppDetailView(m_session);
    auto* detailPage = new QWidget;
    auto* detailLayout = new QVBoxLayout(detailPage);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->setSpacing(2);
    auto* backToSummary = new QPushButton(tr("◀ Summary"));
    backToSummary->setToolTip(tr("Close the detail and show the selected row's summary (Esc)"));
    backToSummary->setShortcut(QKeySequence(Qt::Key_Escape));
    auto* detailHeader = new QHBoxLayout;
    detailHeader->addWidget(backToSummary);
    detailHeader->addStretch();
    detailLayout->addLayout(detailHeader);
    detailLayout->addWidget(m_detailView, 1);
    m_detailStack = new QStackedWidget;
    m_detailStack->addWidget(m_details);
    m_detailStack->addWidget(detailPage);
    // The detail's own minimum must not hold the splitter open while the summary is shown.
    m_detailStack->setMinimumWidth(280);
    connect(backToSummary, &QPushButton::clicked, this, [this] {
        m_detailStack->setCurrentIndex(0);
        m_table->setFocus();
    });
    connect(m_table, &QAbstractItemView::activated, this, [this](const QModelIndex& index) {
        openDetail(index.data(FleetModel::KeyRole).toString());
    });

    auto* splitter = new QSplitter;
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->addWidget(m_table);
    splitter->addWidget(m_detailStack);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({1000, 380});

    // Applications page: facet filters above the table and details.
    m_filterBar = new FilterBar(m_session->store(), m_model);
    auto* applications = new QWidget;
    auto* applicationsLayout = new QVBoxLayout(applications);
    applicationsLayout->setContentsMargins(0, 2, 0, 0);
    applicationsLayout->setSpacing(2);
    applicationsLayout->addWidget(m_filterBar);
    applicationsLayout->addWidget(splitter, 1);

    m_dashboard = new DashboardView(m_session, m_model, m_history.get());
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_dashboard, tr("Dashboard"));
    m_tabs->addTab(applications, tr("Applications"));
    m_tabs->setTabToolTip(0, tr("The fleet at a glance (Ctrl+1)"));
    m_tabs->setTabToolTip(1, tr("Every application, filtered (Ctrl+2)"));
    const QList<QAction*> operationsActions = buildOperations(viewMenu, toolsMenu);

    m_pages = new QStackedWidget;
    m_pages->addWidget(buildWelcome());
    m_pages->addWidget(m_tabs);
    setCentralWidget(m_pages);

    m_instanceStates = new QWidget;
    m_instanceStatesLayout = new QHBoxLayout(m_instanceStates);
    m_instanceStatesLayout->setContentsMargins(0, 0, 0, 0);
    statusBar()->addPermanentWidget(m_instanceStates);

    connect(instancesAction, &QAction::triggered, this, &MainWindow::openInstances);
    connect(demoAction, &QAction::triggered, m_session, &ConsoleSession::startDemo);
    connect(quitAction, &QAction::triggered, this, &QWidget::close);
    connect(syncAction, &QAction::triggered, this, &MainWindow::syncSelected);
    connect(refreshAction, &QAction::triggered, this, &MainWindow::refreshSelected);
    connect(favouriteAction, &QAction::triggered, this, &MainWindow::toggleFavourite);
    connect(dashboardAction, &QAction::triggered, this, &MainWindow::showDashboard);
    connect(applicationsAction, &QAction::triggered, this, &MainWindow::showApplications);
    connect(m_dashboard, &DashboardView::filterRequested, this, &MainWindow::showFiltered);
    // The bar edits a copy of the whole filter (free text included), so this is all it takes.
    connect(m_filterBar, &FilterBar::filterEdited, m_proxy, &models::FleetFilterProxy::setFilter);
    connect(m_proxy, &models::FleetFilterProxy::filterChanged, this, &MainWindow::onFilterChanged);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_proxy, signal, this,
                [this] { m_filterBar->setShownCount(m_proxy->rowCount(), m_model->rowCount()); });
    connect(m_proxy, &QAbstractItemModel::modelReset, this,
            [this] { m_filterBar->setShownCount(m_proxy->rowCount(), m_model->rowCount()); });
    connect(m_views, &SavedViews::changed, this, &MainWindow::updateViewsCombo);
    connect(m_viewsCombo, &QComboBox::activated, this,
            [this](int index) { applyView(m_viewsCombo->itemText(index)); });
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_table->addAction(favouriteAction);
    m_table->addAction(syncAction);
    m_table->addAction(refreshAction);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &models::FleetFilterProxy::setText);
    connect(m_problemsOnly, &QCheckBox::toggled, m_proxy,
            &models::FleetFilterProxy::setProblemsOnly);
    auto* slash = new QShortcut(QKeySequence(QStringLiteral("/")), this);
    connect(slash, &QShortcut::activated, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        // The right side always belongs to the selected row.
        if (m_detailStack->currentIndex() == 1 && selectedKey() != m_detailView->appKey())
            m_detailStack->setCurrentIndex(0);
        updateDetails();
    });
    connect(m_session, &ConsoleSession::instancesChanged, this, [this] {
        QHash<QString, QString> names;
        for (const QString& id : m_session->instanceIds())
            names.insert(id, m_session->instance(id)->config.displayName());
        m_model->setInstanceNames(names);
        updatePage();
        updateStatusBar();
    });
    connect(m_session, &ConsoleSession::instanceStateChanged, this, &MainWindow::updateStatusBar);
    connect(m_session, &ConsoleSession::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 8000); });
    connect(m_session, &ConsoleSession::demoFailed, this, [this](const Error& error) {
        QMessageBox::warning(this, tr("Demo fleet"), error.toString());
    });
    connect(m_session, &ConsoleSession::credentialsNeeded, this,
            [this](const QString& id, const Error& error) {
                // Deferred so a burst of 401s opens a single prompt.
                QTimer::singleShot(0, this,
                                   [this, id, error] { askCredentials(id, error.toString()); });
            });
    // Counters and details follow the store; the store batches at most a few times a second.
    connect(m_session->store(), &fleet::FleetStore::batchApplied, this, [this] {
        updateStatusBar();
        updateDetails();
    });

    // Ctrl+K reaches every action of the window and every application by name.
    const QList<QAction*> basePaletteActions{
        instancesAction, demoAction,          syncAction,           refreshAction,
        favouriteAction, dashboardAction,     applicationsAction,   nextAction,
        previousAction,  notificationsAction, describeChangeAction, gitRemotesAction,
        shortcutsAction, quitAction};
    const QList<QAction*> paletteActions = basePaletteActions + operationsActions;
    connect(paletteAction, &QAction::triggered, this, [this, paletteActions] {
        auto* palette = new CommandPalette(m_session->store(), paletteActions, this);
        palette->setAttribute(Qt::WA_DeleteOnClose);
        connect(palette, &CommandPalette::applicationChosen, this, [this](const QString& key) {
            selectApplication(key);
            openDetail(key);
        });
        palette->open();
    });
    connect(nextAction, &QAction::triggered, this, [this] { stepApplication(+1); });
    connect(previousAction, &QAction::triggered, this, [this] { stepApplication(-1); });
    connect(shortcutsAction, &QAction::triggered, this, [this, paletteActions, paletteAction] {
        showShortcuts(QList<QAction*>{paletteAction} + paletteActions);
    });

    // Notifications: grouped transitions, a dock with the history, desktop pop-ups.
    m_notifications = new NotificationPanel;
    auto* dock = new QDockWidget(tr("Notifications"), this);
    dock->setObjectName(QStringLiteral("notificationsDock"));
    dock->setWidget(m_notifications);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    dock->hide();
    connect(notificationsAction, &QAction::toggled, dock, &QDockWidget::setVisible);
    connect(dock, &QDockWidget::visibilityChanged, this, [this, notificationsAction](bool visible) {
        const QSignalBlocker block(notificationsAction);
        notificationsAction->setChecked(visible);
        if (visible)
            m_notifications->markRead();
    });
    connect(m_notifications, &NotificationPanel::unreadChanged, this,
            [notificationsAction](int unread) {
                notificationsAction->setText(unread > 0 ? tr("&Notifications (%1)").arg(unread)
                                                        : tr("&Notifications"));
            });
    toolbar->addAction(notificationsAction);
    m_detector = new fleet::TransitionDetector(m_session->store(), this);
    connect(m_detector, &fleet::TransitionDetector::notice, this, [this](fleet::Notice notice) {
        if (const auto* info = m_session->instance(notice.instance))
            notice.instance = info->config.displayName();
        m_notifications->add(notice);
    });
    connect(m_notifications, &NotificationPanel::applicationsRequested, this,
            [this](const QStringList& keys) {
                if (keys.isEmpty())
                    return;
                selectApplication(keys.first());
                openDetail(keys.first());
            });

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    splitter->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray());
    m_table->horizontalHeader()->restoreState(
        settings.value(QStringLiteral("window/columns")).toByteArray());

    {
        const QStringList favourites =
            settings.value(QStringLiteral("favourites/apps")).toStringList();
        m_proxy->setFavourites(QSet<QString>(favourites.cbegin(), favourites.cend()));
    }
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("window/tab"), 0).toInt());

    updateViewsCombo();
    onFilterChanged();
    updatePage();
    updateStatusBar();
    updateDetails();
}

MainWindow::~MainWindow() = default;

void MainWindow::openDetail(const QString& appKey) {
    if (appKey.isEmpty() || m_session->store()->indexOf(appKey) < 0)
        return;
    showApplications();
    m_detailView->showApplication(appKey);
    m_detailStack->setCurrentIndex(1);
    // The detail needs room: give it at least half the width when the summary was narrow.
    if (auto* splitter = findChild<QSplitter*>(QStringLiteral("mainSplitter"))) {
        const QList<int> sizes = splitter->sizes();
        const int total = sizes.value(0) + sizes.value(1);
        if (sizes.value(1) < total / 2)
            splitter->setSizes({total / 2, total - total / 2});
    }
}

void MainWindow::showDashboard() {
    if (m_pages->currentIndex() == 1)
        m_tabs->setCurrentWidget(m_dashboard);
}

void MainWindow::showApplications() {
    if (m_pages->currentIndex() != 1)
        return;
    m_tabs->setCurrentIndex(1);
    m_table->setFocus();
}

void MainWindow::selectApplication(const QString& appKey) {
    const int row = m_session->store()->indexOf(appKey);
    if (row < 0)
        return;
    showApplications();
    QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid()) {
        // Hidden by the current filter: show everything rather than a detail without its row.
        m_proxy->setFilter(fleet::FleetFilter());
        index = m_proxy->mapFromSource(m_model->index(row, 0));
    }
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
}

void MainWindow::stepApplication(int delta) {
    const int rows = m_proxy->rowCount();
    if (rows == 0)
        return;
    const QModelIndex current = m_table->currentIndex();
    const int next = current.isValid() ? std::clamp(current.row() + delta, 0, rows - 1) : 0;
    const QModelIndex index = m_proxy->index(next, current.isValid() ? current.column() : 0);
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
    // In the detail view, stepping moves the detail along with the selection.
    if (m_detailStack->currentIndex() == 1)
        openDetail(selectedKey());
}

void MainWindow::showShortcuts(const QList<QAction*>& actions) {
    QString html = QStringLiteral("<table cellspacing=6>");
    auto row = [&html](const QString& keys, const QString& what) {
        html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                    .arg(keys.toHtmlEscaped(), what.toHtmlEscaped());
    };
    for (const QAction* a : actions) {
        if (!a->shortcut().isEmpty())
            row(a->shortcut().toString(QKeySequence::NativeText),
                QString(a->text()).remove(QLatin1Char('&')).remove(QStringLiteral("…")));
    }
    row(QStringLiteral("/"), tr("Filter the applications"));
    row(tr("Enter"), tr("Open the selected application's details"));
    row(tr("Esc"), tr("Back from the details to the summary"));
    html += QStringLiteral("</table>");
    QMessageBox box(this);
    box.setWindowTitle(tr("Keyboard shortcuts"));
    box.setTextFormat(Qt::RichText);
    box.setText(html);
    box.exec();
}

void MainWindow::showFiltered(const fleet::FleetFilter& filter) {
    m_proxy->setFilter(filter);
    showApplications();
    if (m_proxy->rowCount() > 0 && !m_table->currentIndex().isValid())
        m_table->setCurrentIndex(m_proxy->index(0, 0));
}

void MainWindow::onFilterChanged() {
    const fleet::FleetFilter& f = m_proxy->filter();
    if (m_filter->text() != f.text()) {
        const QSignalBlocker block(m_filter);
        m_filter->setText(f.text());
    }
    if (m_problemsOnly->isChecked() != f.problemsOnly) {
        const QSignalBlocker block(m_problemsOnly);
        m_problemsOnly->setChecked(f.problemsOnly);
    }
    m_filterBar->setFilter(f);
    m_filterBar->setShownCount(m_proxy->rowCount(), m_model->rowCount());
    const QString view = m_views->nameOf(f);
    m_viewsCombo->setCurrentIndex(view.isEmpty() ? -1 : m_viewsCombo->findText(view));
}

void MainWindow::updateViewsCombo() {
    const QSignalBlocker block(m_viewsCombo);
    m_viewsCombo->clear();
    m_viewsCombo->addItems(m_views->names());
    const QString view = m_views->nameOf(m_proxy->filter());
    m_viewsCombo->setCurrentIndex(view.isEmpty() ? -1 : m_viewsCombo->findText(view));
    m_viewsCombo->setEnabled(m_viewsCombo->count() > 0);
}

bool MainWindow::applyView(const QString& name) {
    if (!m_views->contains(name))
        return false;
    showFiltered(m_views->filter(name));
    return true;
}

void MainWindow::saveViewAs() {
    const fleet::FleetFilter filter = m_proxy->filter();
    bool ok = false;
    const QString suggestion =
        m_views->nameOf(filter).isEmpty() ? filter.describe().left(60) : m_views->nameOf(filter);
    const QString name = QInputDialog::getText(
        this, tr("Save view"),
        tr("Name for this view:\n%1")
            .arg(filter.describe().isEmpty() ? tr("(every application)") : filter.describe()),
        QLineEdit::Normal, suggestion, &ok);
    if (!ok || name.trimmed().isEmpty())
        return;
    if (m_views->contains(name.trimmed()) &&
        QMessageBox::question(this, tr("Save view"),
                              tr("Replace the view \"%1\"?").arg(name.trimmed())) !=
            QMessageBox::Yes)
        return;
    m_views->save(name, filter);
    statusBar()->showMessage(tr("Saved view \"%1\".").arg(name.trimmed()), 5000);
}

void MainWindow::renameView() {
    const QString current = m_viewsCombo->currentText();
    if (current.isEmpty() || !m_views->contains(current)) {
        statusBar()->showMessage(tr("Choose a saved view first."), 5000);
        return;
    }
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Rename view"), tr("New name:"),
                                               QLineEdit::Normal, current, &ok);
    if (ok && !m_views->rename(current, name))
        QMessageBox::warning(this, tr("Rename view"),
                             tr("A view called \"%1\" already exists.").arg(name.trimmed()));
}

void MainWindow::deleteView() {
    const QString current = m_viewsCombo->currentText();
    if (current.isEmpty() || !m_views->contains(current)) {
        statusBar()->showMessage(tr("Choose a saved view first."), 5000);
        return;
    }
    if (QMessageBox::question(this, tr("Delete view"),
                              tr("Delete the view \"%1\"?").arg(current)) == QMessageBox::Yes)
        m_views->remove(current);
}

void MainWindow::setFavourite(const QString& appKey, bool favourite) {
    QSet<QString> favourites = m_proxy->favourites();
    if (favourite)
        favourites.insert(appKey);
    else
        favourites.remove(appKey);
    m_proxy->setFavourites(favourites);
    QStringList list(favourites.cbegin(), favourites.cend());
    list.sort();
    QSettings().setValue(QStringLiteral("favourites/apps"), list);
}

void MainWindow::toggleFavourite() {
    const QString key = selectedKey();
    if (key.isEmpty()) {
        statusBar()->showMessage(tr("Select an application first."), 5000);
        return;
    }
    setFavourite(key, !m_proxy->isFavourite(key));
}

QWidget* MainWindow::buildWelcome() {
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->addStretch();
    const QStringList paragraphs{
        tr("<h2>Welcome to Sextant</h2>"),
        tr("Connect an Argo CD or OpenShift GitOps instance to see your fleet, or explore the "
           "built-in demo fleet first."),
        tr("New instances start in <b>audit (read-only)</b> mode: Sextant watches and analyses, "
           "and changes nothing until you allow it. Tokens are kept only in your system keychain."),
    };
    for (const QString& text : paragraphs) {
        auto* label = new QLabel(text);
        label->setWordWrap(true);
        label->setAlignment(Qt::AlignCenter);
        label->setFixedWidth(600);
        label->setMinimumHeight(label->heightForWidth(600));
        layout->addWidget(label, 0, Qt::AlignHCenter);
    }
    auto* buttons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add an Argo CD instance…"));
    auto* demo = new QPushButton(tr("Open the demo fleet"));
    demo->setDefault(true);
    buttons->addStretch();
    buttons->addWidget(add);
    buttons->addWidget(demo);
    buttons->addStretch();
    layout->addLayout(buttons);
    layout->addStretch();
    connect(add, &QPushButton::clicked, this, &MainWindow::openInstances);
    connect(demo, &QPushButton::clicked, m_session, &ConsoleSession::startDemo);
    return page;
}

void MainWindow::updatePage() {
    m_pages->setCurrentIndex(m_session->instanceIds().isEmpty() ? 0 : 1);
}

void MainWindow::openInstances() {
    InstanceDialog dialog(m_session, this);
    dialog.exec();
}

void MainWindow::updateStatusBar() {
    const fleet::FleetCounts total = m_session->store()->counts();
    m_totals->setText(tr("%1 apps · %2 out of sync · %3 degraded · %4 failed syncs   ")
                          .arg(total.apps)
                          .arg(total.outOfSync)
                          .arg(total.degraded)
                          .arg(total.syncFailed));

    // One label per instance: a coloured dot, the name, the state, and the last error.
    while (m_instanceStatesLayout->count() < m_session->instanceIds().size())
        m_instanceStatesLayout->addWidget(new QLabel);
    while (m_instanceStatesLayout->count() > m_session->instanceIds().size())
        delete m_instanceStatesLayout->takeAt(0)->widget();
    int i = 0;
    for (const QString& id : m_session->instanceIds()) {
        const auto* info = m_session->instance(id);
        auto* label = qobject_cast<QLabel*>(m_instanceStatesLayout->itemAt(i++)->widget());
        const QString color = ConsoleSession::stateColor(info->state);
        const fleet::FleetCounts c = m_session->store()->counts(id);
        const bool live = info->state == ConsoleSession::State::Live;
        const bool readOnly = m_session->policy()->mode(id) == governance::Mode::Audit;
        // With many instances each label shrinks to what needs attention; the rest is in the
        // tooltip. What is wrong (not live, TLS off, the last error) is always shown.
        const bool compact = m_session->instanceIds().size() > 3;
        QString text = QStringLiteral("<span style='color:%1'>●</span> <b>%2</b>")
                           .arg(color, info->config.displayName().toHtmlEscaped());
        if (!compact || !live)
            text += QLatin1Char(' ') + ConsoleSession::stateName(info->state);
        if (live && !compact)
            text += tr(" · %n app(s)", nullptr, c.apps);
        if (readOnly && !compact)
            text += tr(" · read-only");
        if (info->config.insecure)
            text += tr(" · <span style='color:#d03030'>TLS not verified</span>");
        if (info->lastError.isError() && !live)
            text += QStringLiteral(" · ") + info->lastError.shortMessage.toHtmlEscaped();
        if (info->cachedAsOf.isValid())
            text += tr(" · showing cached data from %1")
                        .arg(info->cachedAsOf.toLocalTime().toString(QStringLiteral("HH:mm")));
        label->setText(text);
        QStringList tip{info->config.displayName() + QStringLiteral(" — ") +
                            ConsoleSession::stateName(info->state),
                        info->config.baseUrl.toString(), tr("%n application(s)", nullptr, c.apps),
                        readOnly ? tr("audit (read-only) mode") : tr("read-write mode")};
        if (info->lastError.isError())
            tip << info->lastError.toString();
        label->setToolTip(tip.join(QLatin1Char('\n')));
        label->setAccessibleName(tr("Instance %1").arg(info->config.displayName()));
    }
}

QString MainWindow::selectedKey() const {
    const QModelIndex current = m_table->currentIndex();
    return current.isValid() ? current.data(FleetModel::KeyRole).toString() : QString();
}

void MainWindow::updateDetails() {
    const QString key = selectedKey();
    const int row = m_session->store()->indexOf(key);
    if (row < 0) {
        m_details->setHtml(
            tr("<p style='color:gray'>Select an application to see its details.</p>"));
        return;
    }
    const argocd::AppSummary& app = m_session->store()->at(row);
    const auto* info = m_session->instance(app.instance);
    auto esc = [](const QString& s) { return s.toHtmlEscaped(); };
    auto color = [](const QColor& c) { return c.name(); };
    QString html;
    html += QStringLiteral("<h3>%1</h3>").arg(esc(app.name));
    html += QStringLiteral("<table cellspacing=3>");
    auto row2 = [&html](const QString& k, const QString& v) {
        html += QStringLiteral("<tr><td style='color:gray'>%1</td><td>%2</td></tr>").arg(k, v);
    };
    row2(tr("Instance"), esc(info ? info->config.displayName() : app.instance));
    row2(tr("Health"),
         QStringLiteral("<b style='color:%1'>%2</b>")
             .arg(color(FleetModel::healthColor(app.health)), esc(argocd::toString(app.health))));
    if (!app.healthMessage.isEmpty())
        row2(QString(), esc(app.healthMessage));
    row2(tr("Sync"),
         QStringLiteral("<b style='color:%1'>%2</b>")
             .arg(color(FleetModel::syncColor(app.sync)), esc(argocd::toString(app.sync))));
    if (app.operationPhase != argocd::OperationPhase::None)
        row2(tr("Last operation"),
             QStringLiteral("%1%2").arg(
                 esc(argocd::toString(app.operationPhase)),
                 app.operationFinishedAt.isValid()
                     ? tr(", finished %1")
                           .arg(app.operationFinishedAt.toLocalTime().toString(
                               QStringLiteral("yyyy-MM-dd HH:mm:ss")))
                     : QString()));
    row2(tr("Auto-sync"), app.autoSync ? tr("on") : tr("off"));
    row2(tr("Project"), esc(app.project));
    row2(tr("Destination"), esc(app.cluster()) + QStringLiteral(" / ") + esc(app.destNamespace));
    row2(tr("Source"), esc(app.repoURL) + (app.multiSource ? tr(" (+ more sources)") : QString()));
    if (!app.path.isEmpty())
        row2(tr("Path"), esc(app.path));
    row2(tr("Target revision"),
         esc(app.targetRevision.isEmpty() ? QStringLiteral("HEAD") : app.targetRevision));
    row2(tr("Synced revision"), QStringLiteral("<code>%1</code>").arg(esc(app.syncRevision)));
    if (!app.images.isEmpty())
        row2(tr("Images"), esc(app.images.join(QStringLiteral(", "))));
    QStringList labels;
    for (const auto& [k, v] : app.labels)
        labels << esc(k + QLatin1Char('=') + v);
    if (!labels.isEmpty())
        row2(tr("Labels"), labels.join(QStringLiteral("<br>")));
    html += QStringLiteral("</table>");
    if (m_session->policy()->mode(app.instance) == governance::Mode::Audit)
        html += tr("<p style='color:gray'>%1 is in audit (read-only) mode: Sync and Refresh are "
                   "refused until you switch it to read-write under Instances.</p>")
                    .arg(esc(info ? info->config.displayName() : app.instance));
    html += tr("<p style='color:gray'>Enter or double-click: resource tree, diff, events, logs "
               "and history.</p>");
    m_details->setHtml(html);
}

void MainWindow::syncSelected() {
    const QString key = selectedKey();
    if (key.isEmpty()) {
        statusBar()->showMessage(tr("Select an application to sync."), 5000);
        return;
    }
    const QString name = m_session->store()->at(m_session->store()->indexOf(key)).name;
    QMessageBox box(this);
    box.setWindowTitle(tr("Sync %1").arg(name));
    box.setText(tr("Sync <b>%1</b> to its target revision?").arg(name.toHtmlEscaped()));
    box.setInformativeText(
        tr("You will see the exact request and approve it before anything is sent."));
    auto* prune = new QCheckBox(tr("Prune resources that are no longer in Git"));
    auto* dryRun = new QCheckBox(tr("Dry run only"));
    auto* extra = new QWidget;
    auto* lay = new QVBoxLayout(extra);
    lay->addWidget(prune);
    lay->addWidget(dryRun);
    box.setCheckBox(nullptr);
    box.layout()->addWidget(extra);
    box.setStandardButtons(QMessageBox::Ok | QMessageBox::Cancel);
    box.button(QMessageBox::Ok)->setText(tr("Review request…"));
    if (box.exec() != QMessageBox::Ok)
        return;
    m_session->requestSync(key, prune->isChecked(), dryRun->isChecked(), [this, name](Status s) {
        statusBar()->showMessage(
            s.ok() ? tr("Sync of %1 started.").arg(name)
                   : tr("Sync of %1 not sent: %2").arg(name, s.error().shortMessage),
            10000);
        if (!s.ok() && s.error().kind != Error::Kind::Approval)
            QMessageBox::warning(this, tr("Sync failed"), s.error().toString());
    });
}

void MainWindow::refreshSelected() {
    const QString key = selectedKey();
    if (key.isEmpty()) {
        statusBar()->showMessage(tr("Select an application to refresh."), 5000);
        return;
    }
    const QString name = m_session->store()->at(m_session->store()->indexOf(key)).name;
    m_session->requestRefresh(key, false, [this, name](Status s) {
        statusBar()->showMessage(
            s.ok() ? tr("%1 refreshed.").arg(name)
                   : tr("Refresh of %1 not sent: %2").arg(name, s.error().shortMessage),
            10000);
    });
}

void MainWindow::askCredentials(const QString& id, const QString& reason) {
    if (m_credentialPrompts.contains(id))
        return;
    const auto* info = m_session->instance(id);
    if (!info)
        return;
    m_credentialPrompts << id;
    const bool password = info->config.authMethod == argocd::AuthMethod::Password;
    // Window-modal and asynchronous: the fleet keeps updating while the prompt is open.
    auto* dialog = new QInputDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Sign in to %1").arg(info->config.displayName()));
    dialog->setLabelText(tr("%1\n\n%2 for %3 (stored in the system keychain):")
                             .arg(reason, password ? tr("Password") : tr("API token"),
                                  info->config.baseUrl.toString()));
    dialog->setTextEchoMode(QLineEdit::Password);
    connect(dialog, &QInputDialog::finished, this, [this, id, dialog](int result) {
        m_credentialPrompts.removeAll(id);
        if (result == QDialog::Accepted && !dialog->textValue().isEmpty())
            m_session->provideCredentials(id, dialog->textValue());
    });
    dialog->open();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    if (auto* splitter = findChild<QSplitter*>(QStringLiteral("mainSplitter")))
        settings.setValue(QStringLiteral("window/splitter"), splitter->saveState());
    settings.setValue(QStringLiteral("window/columns"), m_table->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("window/tab"), m_tabs->currentIndex());
    QMainWindow::closeEvent(event);
}

} // namespace sextant::ui
