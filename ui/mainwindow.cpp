#include "mainwindow.h"

#include "approvaldialog.h"
#include "consolesession.h"
#include "fleetfilterproxy.h"
#include "fleetmodel.h"
#include "governance/actionmode.h"
#include "instancedialog.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace sextant::ui {

using models::FleetModel;

MainWindow::MainWindow(ConsoleSession* session, QWidget* parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_model(new FleetModel(session->store(), this))
    , m_proxy(new models::FleetFilterProxy(this))
    , m_approver(std::make_unique<DialogApprover>(this)) {
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
    auto* demoAction = new QAction(tr("Open the &demo fleet"), this);
    auto* quitAction = new QAction(tr("&Quit"), this);
    quitAction->setShortcut(QKeySequence::Quit);

    auto* fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(instancesAction);
    fileMenu->addAction(demoAction);
    fileMenu->addSeparator();
    fileMenu->addAction(quitAction);
    auto* appMenu = menuBar()->addMenu(tr("&Application"));
    appMenu->addAction(syncAction);
    appMenu->addAction(refreshAction);
    auto* helpMenu = menuBar()->addMenu(tr("&Help"));
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

    auto* splitter = new QSplitter;
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->addWidget(m_table);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({1000, 380});

    m_pages = new QStackedWidget;
    m_pages->addWidget(buildWelcome());
    m_pages->addWidget(splitter);
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
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &models::FleetFilterProxy::setText);
    connect(m_problemsOnly, &QCheckBox::toggled, m_proxy,
            &models::FleetFilterProxy::setProblemsOnly);
    auto* slash = new QShortcut(QKeySequence(QStringLiteral("/")), this);
    connect(slash, &QShortcut::activated, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::updateDetails);
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

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    splitter->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray());
    m_table->horizontalHeader()->restoreState(
        settings.value(QStringLiteral("window/columns")).toByteArray());

    updatePage();
    updateStatusBar();
    updateDetails();
}

MainWindow::~MainWindow() = default;

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
        QString color = QStringLiteral("#808080");
        switch (info->state) {
        case ConsoleSession::State::Live:
            color = QStringLiteral("#1e8e3e");
            break;
        case ConsoleSession::State::Connecting:
        case ConsoleSession::State::Reconnecting:
            color = QStringLiteral("#e37400");
            break;
        case ConsoleSession::State::Failed:
        case ConsoleSession::State::NeedsCredentials:
            color = QStringLiteral("#d03030");
            break;
        case ConsoleSession::State::Disconnected:
            break;
        }
        const fleet::FleetCounts c = m_session->store()->counts(id);
        QString text = QStringLiteral("<span style='color:%1'>●</span> <b>%2</b> %3")
                           .arg(color, info->config.displayName().toHtmlEscaped(),
                                ConsoleSession::stateName(info->state));
        if (info->state == ConsoleSession::State::Live)
            text += tr(" · %n app(s)", nullptr, c.apps);
        if (m_session->policy()->mode(id) == governance::Mode::Audit)
            text += tr(" · read-only");
        if (info->config.insecure)
            text += tr(" · <span style='color:#d03030'>TLS not verified</span>");
        if (info->lastError.isError() && info->state != ConsoleSession::State::Live)
            text += QStringLiteral(" · ") + info->lastError.shortMessage.toHtmlEscaped();
        label->setText(text);
        label->setToolTip(info->lastError.isError() ? info->lastError.toString()
                                                    : info->config.baseUrl.toString());
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
                    .arg(esc(app.instance));
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
    QMainWindow::closeEvent(event);
}

} // namespace sextant::ui
