#include "appdetailview.h"

#include "analysis/evidence.h"
#include "analysis/rollbackranker.h"
#include "appdetailpane.h"
#include "argocd/client.h"
#include "consolesession.h"
#include "diff/manageddiff.h"
#include "diffview.h"
#include "fleet/fleetstore.h"
#include "fleetmodel.h"
#include "policyview.h"
#include "resourcetreemodel.h"
#include "rollbackview.h"
#include "triagepanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSpinBox>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>

namespace sextant::ui {

using argocd::HealthStatus;
using Json = nlohmann::json;

namespace {

constexpr int kMaxEventResources = 30; // resource event requests per application
constexpr int kFollowIntervalMs = 5000;
constexpr int kMaxHighlights = 5000;

QString esc(const QString& s) {
    return s.toHtmlEscaped();
}

QString js(const Json& o, const char* key) {
    if (!o.is_object())
        return {};
    auto it = o.find(key);
    if (it == o.end() || it->is_null())
        return {};
    if (it->is_string())
        return QString::fromStdString(it->get<std::string>());
    if (it->is_number_integer())
        return QString::number(it->get<qint64>());
    if (it->is_boolean())
        return it->get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    return {};
}

const Json& jo(const Json& o, const char* key) {
    static const Json null;
    if (!o.is_object())
        return null;
    auto it = o.find(key);
    return it == o.end() ? null : *it;
}

QDateTime jtime(const Json& o, const char* key) {
    const QString s = js(o, key);
    return s.isEmpty() ? QDateTime() : QDateTime::fromString(s, Qt::ISODateWithMs);
}

QString ago(const QDateTime& t) {
    if (!t.isValid())
        return {};
    const qint64 s = t.secsTo(QDateTime::currentDateTimeUtc());
    if (s < 0)
        return QObject::tr("in the future");
    if (s < 60)
        return QObject::tr("%1 s ago").arg(s);
    if (s < 3600)
        return QObject::tr("%1 min ago").arg(s / 60);
    if (s < 86400 * 2)
        return QObject::tr("%1 h %2 min ago").arg(s / 3600).arg((s % 3600) / 60);
    return QObject::tr("%1 days ago").arg(s / 86400);
}

QString when(const QDateTime& t) {
    if (!t.isValid())
        return QStringLiteral("—");
    return t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) +
           QStringLiteral(" <span style='color:gray'>(%1)</span>").arg(ago(t));
}

QString initiator(const Json& initiatedBy) {
    if (!initiatedBy.is_object())
        return QObject::tr("unknown");
    auto a = initiatedBy.find("automated");
    if (a != initiatedBy.end() && a->is_boolean() && a->get<bool>())
        return QObject::tr("automated (auto-sync)");
    const QString user = js(initiatedBy, "username");
    return user.isEmpty() ? QObject::tr("unknown") : user;
}

QString colored(const QColor& c, const QString& text, bool bold = true) {
    return QStringLiteral("<span style='color:%1'>%2%3%4</span>")
        .arg(c.name(), bold ? QStringLiteral("<b>") : QString(), esc(text),
             bold ? QStringLiteral("</b>") : QString());
}

QColor phaseColor(const QString& phase) {
    if (phase == QLatin1String("Failed") || phase == QLatin1String("Error"))
        return QColor(0xd0, 0x30, 0x30);
    if (phase == QLatin1String("Succeeded"))
        return QColor(0x1e, 0x8e, 0x3e);
    if (phase == QLatin1String("Running") || phase == QLatin1String("Terminating"))
        return QColor(0x1a, 0x73, 0xe8);
    return QColor(0x80, 0x80, 0x80);
}

bool isErrorCondition(const QString& type) {
    return type.endsWith(QLatin1String("Error"));
}

bool isFailedResource(const Json& r) {
    const QString status = js(r, "status");
    const QString hook = js(r, "hookPhase");
    return status == QLatin1String("SyncFailed") || hook == QLatin1String("Failed") ||
           hook == QLatin1String("Error");
}

QString shortRev(const QString& rev) {
    return rev.size() == 40 ? rev.left(8) : rev;
}

const char* kTable = "<table cellspacing='0' cellpadding='3' width='100%' "
                     "style='border-collapse:collapse'>";

QString row2(const QString& k, const QString& v) {
    return QStringLiteral("<tr><td style='color:gray' width='150'>%1</td><td>%2</td></tr>")
        .arg(esc(k), v);
}

// Container names are not in the resource tree; the image's repository basename is what most
// charts name the container.
QString containerFromImage(const QString& image) {
    QString s = image.section(QLatin1Char('@'), 0, 0);
    s = s.section(QLatin1Char('/'), -1);
    return s.section(QLatin1Char(':'), 0, 0);
}

} // namespace

AppDetailView::AppDetailView(ConsoleSession* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_header(new QLabel(this))
    , m_reload(new QPushButton(tr("Reload"), this))
    , m_tabs(new QTabWidget(this))
    , m_summary(new QTextBrowser)
    , m_treeModel(new models::ResourceTreeModel(this))
    , m_treeView(new QTreeView)
    , m_treeProblems(new QLabel)
    , m_showAll(new QPushButton)
    , m_diffView(new DiffView)
    , m_triage(new TriagePanel(session))
    , m_rollback(new RollbackView(session))
    , m_policy(new PolicyView(session))
    , m_events(new QTreeWidget)
    , m_pod(new QComboBox(this))
    , m_container(new QComboBox(this))
    , m_previous(new QCheckBox(tr("Previous container"), this))
    , m_tail(new QSpinBox(this))
    , m_search(new QLineEdit(this))
    , m_matches(new QLabel(this))
    , m_follow(new QCheckBox(tr("Follow"), this))
    , m_refreshLogs(new QPushButton(tr("Refresh"), this))
    , m_logText(new QPlainTextEdit)
    , m_followTimer(new QTimer(this))
    , m_history(new QTreeWidget) {
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    m_header->setObjectName(QStringLiteral("appDetailHeader"));
    m_header->setTextFormat(Qt::RichText);
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    top->addWidget(m_header, 1);
    m_reload->setToolTip(tr("Fetch this application again from its Argo CD instance (read-only; "
                            "does not ask Argo CD to refresh from Git)"));
    top->addWidget(m_reload, 0, Qt::AlignTop);
    layout->addLayout(top);
    layout->addWidget(m_tabs, 1);
    connect(m_reload, &QPushButton::clicked, this, &AppDetailView::reload);

    // Summary.
    m_summary->setObjectName(QStringLiteral("appSummary"));
    m_summary->setOpenLinks(false);
    m_panes[SummaryTab] = new AppDetailPane(m_summary);

    // Resource tree.
    auto* treePage = new QWidget;
    auto* treeLayout = new QVBoxLayout(treePage);
    treeLayout->setContentsMargins(0, 0, 0, 0);
    m_treeProblems->setObjectName(QStringLiteral("treeProblems"));
    m_treeProblems->setTextFormat(Qt::RichText);
    m_treeProblems->setWordWrap(true);
    treeLayout->addWidget(m_treeProblems);
    m_treeView->setObjectName(QStringLiteral("resourceTree"));
    m_treeView->setModel(m_treeModel);
    m_treeView->setUniformRowHeights(true);
    m_treeView->setAlternatingRowColors(true);
    m_treeView->setAccessibleName(tr("Resource tree"));
    m_treeView->header()->setStretchLastSection(true);
    treeLayout->addWidget(m_treeView, 1);
    m_showAll->setObjectName(QStringLiteral("showAllResources"));
    m_showAll->hide();
    treeLayout->addWidget(m_showAll, 0, Qt::AlignLeft);
    connect(m_showAll, &QPushButton::clicked, this, [this] {
        m_treeModel->setBudget(0);
        m_showAll->hide();
        m_treeView->expandToDepth(2);
    });
    m_panes[TreeTab] = new AppDetailPane(treePage);

    // Diff.
    m_panes[DiffTab] = new AppDetailPane(m_diffView);

    // Triage: the panel keeps its own state line; the pane only covers "no application".
    m_panes[TriageTab] = new AppDetailPane(m_triage);
    connect(m_triage, &TriagePanel::evidenceActivated, this, &AppDetailView::revealEvidence);
    connect(m_triage, &TriagePanel::rollbackRequested, this,
            [this] { m_tabs->setCurrentIndex(RollbackTab); });
    connect(m_triage, &TriagePanel::diagnosed, this, [this] {
        const auto* d = m_triage->diagnosis();
        int problems = 0;
        for (const auto& f : d->findings)
            problems += f.category != QLatin1String("NoIssueFound");
        setTabTitle(TriageTab, problems ? tr("Triage (%1)").arg(problems) : tr("Triage ✓"));
        // A rollback target that would bring a diagnosed failure back is demoted.
        m_rollback->setKnownFailures(analysis::knownFailuresFrom(*d));
    });

    // Rollback: ranked on demand like the triage; the panel keeps its own state line.
    m_panes[RollbackTab] = new AppDetailPane(m_rollback);

    // Policy: the built-in pack over the rendered manifests, run when the tab is first opened.
    m_panes[PolicyTab] = new AppDetailPane(m_policy);
    connect(m_policy, &PolicyView::checked, this, [this](int results) {
        if (m_policy->hasResult())
            setTabTitle(PolicyTab, results ? tr("Policy (%1)").arg(results) : tr("Policy ✓"));
    });

    // Events.
    m_events->setObjectName(QStringLiteral("events"));
    m_events->setHeaderLabels({tr("Last seen"), tr("Type"), tr("Reason"), tr("Object"), tr("Count"),
                               tr("First seen"), tr("Message")});
    m_events->header()->setStretchLastSection(true);
    m_events->setRootIsDecorated(false);
    m_events->setUniformRowHeights(true);
    m_events->setWordWrap(false);
    m_events->setAccessibleName(tr("Events, newest first"));
    m_panes[EventsTab] = new AppDetailPane(m_events);

    // Logs: the controls stay usable whatever the pane shows.
    auto* logsPage = new QWidget;
    auto* logsLayout = new QVBoxLayout(logsPage);
    auto* controls = new QHBoxLayout;
    m_pod->setObjectName(QStringLiteral("logPod"));
    m_pod->setAccessibleName(tr("Pod"));
    m_pod->setMinimumContentsLength(28);
    m_pod->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_container->setObjectName(QStringLiteral("logContainer"));
    m_container->setEditable(true);
    m_container->setAccessibleName(tr("Container"));
    m_container->setToolTip(
        tr("Argo CD's resource tree does not list container names: these are "
           "taken from the pod's health message or guessed from its images. "
           "Type another name if needed; empty = the pod's default container."));
    m_previous->setToolTip(tr("Logs of the previous container instance (after a crash/restart)"));
    m_tail->setRange(10, 100000);
    m_tail->setValue(500);
    m_tail->setSingleStep(100);
    m_tail->setPrefix(tr("last "));
    m_tail->setSuffix(tr(" lines"));
    m_tail->setAccessibleName(tr("Tail lines"));
    m_follow->setToolTip(tr("Sextant does not stream logs yet: Follow re-reads the last lines "
                            "every %1 seconds and scrolls to the end.")
                             .arg(kFollowIntervalMs / 1000));
    m_search->setObjectName(QStringLiteral("logSearch"));
    m_search->setPlaceholderText(tr("Search logs (Enter: next match)"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(tr("Search logs"));
    controls->addWidget(new QLabel(tr("Pod:")));
    controls->addWidget(m_pod, 2);
    controls->addWidget(new QLabel(tr("Container:")));
    controls->addWidget(m_container, 1);
    controls->addWidget(m_previous);
    controls->addWidget(m_tail);
    controls->addWidget(m_follow);
    controls->addWidget(m_refreshLogs);
    logsLayout->addLayout(controls);
    auto* searchRow = new QHBoxLayout;
    searchRow->addWidget(m_search, 1);
    searchRow->addWidget(m_matches);
    logsLayout->addLayout(searchRow);
    m_logText->setObjectName(QStringLiteral("logText"));
    m_logText->setReadOnly(true);
    m_logText->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_logText->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_logText->setMaximumBlockCount(200000);
    m_logText->setAccessibleName(tr("Log lines"));
    m_panes[LogsTab] = new AppDetailPane(m_logText);
    logsLayout->addWidget(m_panes[LogsTab], 1);
    logsLayout->setContentsMargins(0, 4, 0, 0);
    connect(m_refreshLogs, &QPushButton::clicked, this, &AppDetailView::loadLogs);
    connect(m_pod, &QComboBox::activated, this, [this] {
        populateContainers();
        loadLogs();
    });
    connect(m_container, &QComboBox::activated, this, &AppDetailView::loadLogs);
    connect(m_previous, &QCheckBox::toggled, this, &AppDetailView::loadLogs);
    connect(m_search, &QLineEdit::textChanged, this, &AppDetailView::applyLogSearch);
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        if (m_search->text().isEmpty())
            return;
        if (!m_logText->find(m_search->text())) {
            m_logText->moveCursor(QTextCursor::Start);
            m_logText->find(m_search->text());
        }
    });
    m_followTimer->setInterval(kFollowIntervalMs);
    connect(m_followTimer, &QTimer::timeout, this, [this] {
        if (!m_logsInFlight && m_tabs->currentIndex() == LogsTab)
            loadLogs();
    });
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on) {
            m_followTimer->start();
            loadLogs();
        } else {
            m_followTimer->stop();
        }
    });

    // History.
    m_history->setObjectName(QStringLiteral("history"));
    m_history->setHeaderLabels({tr("ID"), tr("Revision"), tr("Deployed"), tr("Initiated by"),
                                tr("Author"), tr("Commit date"), tr("Message")});
    m_history->setRootIsDecorated(false);
    m_history->setUniformRowHeights(true);
    m_history->setAccessibleName(tr("Deployment history, newest first"));
    m_panes[HistoryTab] = new AppDetailPane(m_history);
    connect(m_history->verticalScrollBar(), &QScrollBar::valueChanged, this,
            &AppDetailView::fetchVisibleMetadata);

    m_tabs->addTab(m_panes[SummaryTab], tr("Summary"));
    m_tabs->addTab(m_panes[TriageTab], tr("Triage"));
    m_tabs->addTab(m_panes[TreeTab], tr("Resources"));
    m_tabs->addTab(m_panes[DiffTab], tr("Diff"));
    m_tabs->addTab(m_panes[EventsTab], tr("Events"));
    auto* logsPane = new QWidget; // the logs page holds controls plus its own pane
    auto* lp = new QVBoxLayout(logsPane);
    lp->setContentsMargins(0, 0, 0, 0);
    lp->addWidget(logsPage);
    m_tabs->addTab(logsPane, tr("Logs"));
    m_tabs->addTab(m_panes[HistoryTab], tr("History"));
    m_tabs->addTab(m_panes[RollbackTab], tr("Rollback"));
    m_tabs->addTab(m_panes[PolicyTab], tr("Policy"));
    connect(m_tabs, &QTabWidget::currentChanged, this, &AppDetailView::onTabChanged);

    connect(m_panes[SummaryTab], &AppDetailPane::retryRequested, this,
            &AppDetailView::loadApplication);
    connect(m_panes[HistoryTab], &AppDetailPane::retryRequested, this,
            &AppDetailView::loadApplication);
    connect(m_panes[TreeTab], &AppDetailPane::retryRequested, this, &AppDetailView::loadTree);
    connect(m_panes[DiffTab], &AppDetailPane::retryRequested, this, &AppDetailView::loadDiff);
    connect(m_panes[EventsTab], &AppDetailPane::retryRequested, this, &AppDetailView::loadEvents);
    connect(m_panes[LogsTab], &AppDetailPane::retryRequested, this, &AppDetailView::loadLogs);

    // The header follows the application's live row: a rollback or a sync changes it while the
    // view is open, and a stale "Degraded" next to a healed application misleads.
    connect(m_session->store(), &fleet::FleetStore::rowsChanged, this,
            [this](int first, int last, fleet::ChangedFields fields) {
                if (m_key.isEmpty() || !(fields & (fleet::ChangedHealth | fleet::ChangedSync |
                                                   fleet::ChangedOperation)))
                    return;
                const int row = m_session->store()->indexOf(m_key);
                if (row < first || row > last)
                    return;
                const argocd::AppSummary& live = m_session->store()->at(row);
                m_app.health = live.health;
                m_app.healthMessage = live.healthMessage;
                m_app.sync = live.sync;
                m_app.syncRevision = live.syncRevision;
                m_app.operationPhase = live.operationPhase;
                m_app.operationStartedAt = live.operationStartedAt;
                m_app.operationFinishedAt = live.operationFinishedAt;
                updateHeader();
            });

    m_header->setText(tr("<p style='color:gray'>Select an application to see its details.</p>"));
    m_reload->setEnabled(false);
    for (AppDetailPane* p : m_panes)
        p->setMessage(tr("<span style='color:gray'>No application selected.</span>"));
}

AppDetailView::~AppDetailView() = default;

argocd::Client* AppDetailView::client() const {
    return m_key.isEmpty() ? nullptr : m_session->client(m_app.instance);
}

bool AppDetailView::begin(Tab tab, const QString& what) {
    if (m_key.isEmpty())
        return false;
    if (!client()) {
        m_panes[tab]->setError(
            tr("Could not load %1").arg(what),
            Error::make(Error::Kind::Network, tr("%1 is not connected").arg(m_app.instance),
                        tr("The instance %1 has no active connection. Reconnect it from the "
                           "status bar or File → Instances.")
                            .arg(m_app.instance)));
        return false;
    }
    m_panes[tab]->setLoading(tr("Loading %1 from %2…").arg(what, m_app.instance));
    return true;
}

void AppDetailView::showApplication(const QString& appKey) {
    ++m_gen;
    m_key = appKey;
    clearAll();
    const int row = m_session->store()->indexOf(appKey);
    if (row < 0) {
        m_key.clear();
        m_reload->setEnabled(false);
        m_header->setText(tr("<b>%1</b> <span style='color:gray'>is not in the fleet any more "
                             "(deleted, or its instance was removed).</span>")
                              .arg(esc(appKey)));
        for (AppDetailPane* p : m_panes)
            p->setMessage(tr("<span style='color:gray'>No application selected.</span>"));
        return;
    }
    m_app = m_session->store()->at(row);
    m_reload->setEnabled(true);
    m_triage->setApplication(m_app);
    m_panes[TriageTab]->setReady();
    m_rollback->setApplication(m_app);
    m_panes[RollbackTab]->setReady();
    m_policy->setApplication(m_app);
    m_panes[PolicyTab]->setReady();
    m_pendingLog.reset();
    m_pendingEvent.clear();
    // Sections load when first opened; until then they say so (never a stale or empty pane).
    m_panes[DiffTab]->setLoading(tr("Loading the managed resources from %1…").arg(m_app.instance));
    m_panes[EventsTab]->setLoading(tr("Loading events from %1…").arg(m_app.instance));
    m_panes[LogsTab]->setLoading(tr("Waiting for the resource tree…"));
    updateHeader();
    loadApplication();
    loadTree();
    onTabChanged(m_tabs->currentIndex());
}

void AppDetailView::reload() {
    if (m_key.isEmpty())
        return;
    const int tab = m_tabs->currentIndex();
    showApplication(m_key);
    m_tabs->setCurrentIndex(tab);
}

void AppDetailView::clearAll() {
    m_appJson.reset();
    m_tree.reset();
    m_treeError = {};
    m_treeModel->clear();
    m_treeProblems->clear();
    m_showAll->hide();
    m_summary->clear();
    m_diffView->clear();
    m_diffRequested = false;
    m_events->clear();
    m_eventRows.clear();
    m_eventUids.clear();
    m_eventsRequested = false;
    m_eventsPending = 0;
    m_eventsFailed = 0;
    m_eventsSkipped = 0;
    m_logText->clear();
    m_pod->clear();
    m_container->clear();
    m_follow->setChecked(false);
    m_previous->blockSignals(true);
    m_previous->setChecked(false);
    m_previous->blockSignals(false);
    m_logsRequested = false;
    m_logsInFlight = false;
    m_matches->clear();
    m_history->clear();
    m_metaInFlight.clear(); // answers of the previous app are dropped by the generation check
    const QStringList titles = {tr("Summary"), tr("Triage"),   tr("Resources"),
                                tr("Diff"),    tr("Events"),   tr("Logs"),
                                tr("History"), tr("Rollback"), tr("Policy")};
    for (int t = 0; t < TabCount; ++t)
        m_tabs->setTabText(t, titles[t]);
}

void AppDetailView::setTabTitle(Tab tab, const QString& title) {
    m_tabs->setTabText(tab, title);
}

void AppDetailView::updateHeader() {
    const auto* info = m_session->instance(m_app.instance);
    const QString instanceName = info ? info->config.displayName() : m_app.instance;
    QString op;
    if (m_app.operationPhase != argocd::OperationPhase::None) {
        const QString phase = argocd::toString(m_app.operationPhase);
        op = tr(" · last operation %1")
                 .arg(colored(phaseColor(phase), m_app.syncFailed() ? tr("Sync failed") : phase));
    }
    m_header->setText(
        tr("<span style='font-size:large'><b>%1</b></span> &nbsp; "
           "<span style='color:gray'>instance</span> <b>%2</b> · "
           "<span style='color:gray'>cluster</span> %3 · "
           "<span style='color:gray'>namespace</span> %4<br>%5 · %6%7")
            .arg(esc(m_app.name), esc(instanceName), esc(m_app.cluster()), esc(m_app.destNamespace),
                 colored(models::FleetModel::healthColor(m_app.health),
                         argocd::toString(m_app.health)),
                 colored(models::FleetModel::syncColor(m_app.sync), argocd::toString(m_app.sync)),
                 op));
}

void AppDetailView::onTabChanged(int index) {
    if (m_key.isEmpty())
        return;
    switch (index) {
    case DiffTab:
        if (!m_diffRequested)
            loadDiff();
        break;
    case EventsTab:
        if (!m_eventsRequested)
            loadEvents();
        break;
    case LogsTab:
        if (!m_logsRequested && m_tree)
            loadLogs();
        break;
    case HistoryTab:
        QTimer::singleShot(0, this, &AppDetailView::fetchVisibleMetadata);
        break;
    case TriageTab:
        // On demand: opening the tab is the demand. Later visits keep the result.
        if (!m_triage->hasResult() && !m_triage->isRunning())
            m_triage->diagnose();
        break;
    case RollbackTab:
        if (m_rollback->hasResult() || m_rollback->isLoading())
            break;
        // The diagnosis tells the ranking which failure not to bring back: an unhealthy app is
        // diagnosed too (read-only GETs), and the ranking updates when it finishes.
        if (const auto* d = m_triage->diagnosis()) {
            m_rollback->setKnownFailures(analysis::knownFailuresFrom(*d));
        } else if (m_app.health != argocd::HealthStatus::Healthy) {
            if (!m_triage->isRunning())
                m_triage->diagnose();
            m_rollback->setDiagnosisPending(true);
        }
        m_rollback->load();
        break;
    case PolicyTab:
        // On demand like the triage: opening the tab is the demand; later visits keep it.
        if (!m_policy->hasResult() && !m_policy->isLoading())
            m_policy->load();
        break;
    default:
        break;
    }
}

// ---- Summary and history: GET /applications/{name} ----

void AppDetailView::loadApplication() {
    if (!begin(SummaryTab, tr("the application")))
        return;
    m_panes[HistoryTab]->setLoading(tr("Loading the history from %1…").arg(m_app.instance));
    const quint64 gen = m_gen;
    QPointer<AppDetailView> self(this);
    client()->getApplication(m_app.name, m_app.appNamespace, [self, gen](Result<Json> result) {
        if (!self || self->m_gen != gen)
            return;
        if (!result.ok()) {
            self->m_panes[SummaryTab]->setError(tr("Could not load the application"),
                                                result.error());
            self->m_panes[HistoryTab]->setError(tr("Could not load the history"), result.error());
            return;
        }
        self->m_appJson = std::make_shared<const Json>(std::move(result).value());
        self->renderSummary();
        self->renderHistory();
    });
}

void AppDetailView::renderSummary() {
    if (!m_appJson)
        return;
    const Json& app = *m_appJson;
    const Json& spec = jo(app, "spec");
    const Json& status = jo(app, "status");
    const Json& health = jo(status, "health");
    const Json& sync = jo(status, "sync");
    QString html;
    html += QStringLiteral("<style>h3{margin-top:14px;margin-bottom:4px} "
                           "th{text-align:left;color:gray;font-weight:normal;"
                           "border-bottom:1px solid #ccc}</style>");

    // What is wrong, first.
    const QString healthStatus = js(health, "status");
    const QString syncStatus = js(sync, "status");
    const QColor hc = models::FleetModel::healthColor(argocd::healthStatusFromString(healthStatus));
    html += QStringLiteral("<h3>Status</h3>") + QString::fromLatin1(kTable);
    QString healthText = colored(hc, healthStatus.isEmpty() ? tr("Unknown") : healthStatus);
    if (!js(health, "message").isEmpty())
        healthText += QStringLiteral(" — ") + esc(js(health, "message"));
    if (jtime(health, "lastTransitionTime").isValid())
        // "since 2026-01-15 08:04 (315 days ago)": "since 315 days ago" is not English.
        healthText += QStringLiteral(" <span style='color:gray'>%1</span>")
                          .arg(esc(tr("since %1 (%2)")
                                       .arg(jtime(health, "lastTransitionTime")
                                                .toLocalTime()
                                                .toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                                            ago(jtime(health, "lastTransitionTime")))));
    html += row2(tr("Health"), healthText);
    QString syncText =
        colored(models::FleetModel::syncColor(argocd::syncStatusFromString(syncStatus)),
                syncStatus.isEmpty() ? tr("Unknown") : syncStatus);
    html += row2(tr("Sync"), syncText);
    if (m_tree && !m_tree->rootCauses.isEmpty()) {
        QString causes;
        const int shown = std::min<int>(5, int(m_tree->rootCauses.size()));
        for (int k = 0; k < shown; ++k) {
            const auto& n = m_tree->nodes[m_tree->rootCauses[k]];
            causes +=
                QStringLiteral("%1 <b>%2</b> %3 %4<br>")
                    .arg(colored(models::FleetModel::healthColor(n.health),
                                 argocd::toString(n.health)),
                         esc(n.kind + QLatin1Char(' ') + n.name), esc(n.statusText()),
                         n.healthMessage.isEmpty() ? QString()
                                                   : QStringLiteral("— ") + esc(n.healthMessage));
        }
        if (m_tree->rootCauses.size() > shown)
            causes += tr("<span style='color:gray'>and %1 more (see Resources)</span>")
                          .arg(m_tree->rootCauses.size() - shown);
        html += row2(tr("Unhealthy resources"), causes);
    }
    html += QStringLiteral("</table>");

    // Operation state.
    const Json& opState = jo(status, "operationState");
    if (opState.is_object()) {
        const QString phase = js(opState, "phase");
        html += QStringLiteral("<h3>Last operation</h3>") + QString::fromLatin1(kTable);
        html += row2(tr("Phase"), colored(phaseColor(phase), phase));
        if (!js(opState, "message").isEmpty())
            html += row2(tr("Message"), esc(js(opState, "message")));
        const QDateTime started = jtime(opState, "startedAt");
        const QDateTime finished = jtime(opState, "finishedAt");
        html += row2(tr("Started"), when(started));
        QString fin = when(finished);
        if (started.isValid() && finished.isValid())
            fin += tr(" · took %1 s").arg(started.secsTo(finished));
        html += row2(tr("Finished"), finished.isValid() ? fin : tr("still running"));
        const Json& operation = jo(opState, "operation");
        html += row2(tr("Initiated by"), esc(initiator(jo(operation, "initiatedBy"))));
        const QString retries = js(opState, "retryCount");
        const QString limit = js(jo(operation, "retry"), "limit");
        html += row2(tr("Retries"), esc((retries.isEmpty() ? QStringLiteral("0") : retries) +
                                        (limit.isEmpty() ? QString() : tr(" of %1").arg(limit))));
        const Json& syncResult = jo(opState, "syncResult");
        QString rev = js(syncResult, "revision");
        if (rev.isEmpty())
            rev = js(jo(operation, "sync"), "revision");
        if (!rev.isEmpty())
            html += row2(tr("Revision"), QStringLiteral("<code>%1</code>").arg(esc(rev)));
        html += QStringLiteral("</table>");
        const Json& resources = jo(syncResult, "resources");
        if (resources.is_array() && !resources.empty()) {
            QVector<const Json*> list;
            for (const Json& r : resources)
                list.append(&r);
            std::stable_sort(list.begin(), list.end(), [](const Json* a, const Json* b) {
                return isFailedResource(*a) > isFailedResource(*b);
            });
            int failed = 0;
            for (const Json* r : list)
                failed += isFailedResource(*r) ? 1 : 0;
            html += tr("<p><b>Resources of this operation</b> (%1, %2 failed)</p>")
                        .arg(list.size())
                        .arg(failed);
            html += QString::fromLatin1(kTable) +
                    tr("<tr><th>Resource</th><th>Status</th><th>Hook phase</th><th>Phase</th>"
                       "<th>Message</th></tr>");
            for (const Json* r : list) {
                const bool bad = isFailedResource(*r);
                const QString ns = js(*r, "namespace");
                const QString name =
                    js(*r, "kind") + QLatin1Char(' ') +
                    (ns.isEmpty() ? js(*r, "name") : ns + QLatin1Char('/') + js(*r, "name"));
                QString phaseCol = js(*r, "syncPhase");
                if (!js(*r, "hookType").isEmpty())
                    phaseCol = js(*r, "hookType") + tr(" hook");
                html += QStringLiteral("<tr%1><td>%2</td><td>%3</td><td>%4</td><td>%5</td>"
                                       "<td>%6</td></tr>")
                            .arg(bad ? QStringLiteral(" style='background:#fdecea'") : QString(),
                                 bad ? QStringLiteral("<b>%1</b>").arg(esc(name)) : esc(name),
                                 bad ? colored(QColor(0xd0, 0x30, 0x30), js(*r, "status").isEmpty()
                                                                             ? tr("Failed")
                                                                             : js(*r, "status"))
                                     : esc(js(*r, "status")),
                                 esc(js(*r, "hookPhase")), esc(phaseCol), esc(js(*r, "message")));
            }
            html += QStringLiteral("</table>");
        }
    } else {
        html += tr("<h3>Last operation</h3><p style='color:gray'>No operation recorded.</p>");
    }

    // Conditions, errors first.
    const Json& conditions = jo(status, "conditions");
    html += QStringLiteral("<h3>Conditions</h3>");
    if (conditions.is_array() && !conditions.empty()) {
        QVector<const Json*> list;
        for (const Json& c : conditions)
            list.append(&c);
        std::stable_sort(list.begin(), list.end(), [](const Json* a, const Json* b) {
            return isErrorCondition(js(*a, "type")) > isErrorCondition(js(*b, "type"));
        });
        html += QString::fromLatin1(kTable) +
                tr("<tr><th>Type</th><th>Message</th><th>Since</th></tr>");
        for (const Json* c : list) {
            const QString type = js(*c, "type");
            const QColor color =
                isErrorCondition(type) ? QColor(0xd0, 0x30, 0x30) : QColor(0xe3, 0x74, 0x00);
            html += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td></tr>")
                        .arg(colored(color, type), esc(js(*c, "message")),
                             when(jtime(*c, "lastTransitionTime")));
        }
        html += QStringLiteral("</table>");
    } else {
        html += tr("<p style='color:gray'>None.</p>");
    }

    // Application.
    html += QStringLiteral("<h3>Application</h3>") + QString::fromLatin1(kTable);
    const auto* info = m_session->instance(m_app.instance);
    html += row2(tr("Instance"), esc(info ? info->config.displayName() : m_app.instance));
    html += row2(tr("Application"), esc(js(jo(app, "metadata"), "namespace") + QLatin1Char('/') +
                                        js(jo(app, "metadata"), "name")));
    html += row2(tr("Project"), esc(js(spec, "project")));
    const Json& dest = jo(spec, "destination");
    QString cluster = js(dest, "name");
    if (cluster.isEmpty())
        cluster = js(dest, "server");
    else if (!js(dest, "server").isEmpty())
        cluster += QStringLiteral(" (%1)").arg(js(dest, "server"));
    html += row2(tr("Destination"),
                 esc(cluster) +
                     QStringLiteral(" · namespace <b>%1</b>").arg(esc(js(dest, "namespace"))));
    const Json& policy = jo(spec, "syncPolicy");
    const Json& automated = jo(policy, "automated");
    QString auto_ = tr("off");
    if (automated.is_object()) {
        auto enabled = automated.find("enabled");
        const bool on =
            enabled == automated.end() || !enabled->is_boolean() || enabled->get<bool>();
        if (on) {
            QStringList flags;
            if (js(automated, "prune") == QLatin1String("true"))
                flags << tr("prune");
            if (js(automated, "selfHeal") == QLatin1String("true"))
                flags << tr("self-heal");
            auto_ = tr("<b>on</b>") +
                    (flags.isEmpty()
                         ? QString()
                         : QStringLiteral(" (%1)").arg(esc(flags.join(QStringLiteral(", ")))));
        }
    }
    html += row2(tr("Auto-sync"), auto_);
    const Json& syncOptions = jo(policy, "syncOptions");
    if (syncOptions.is_array() && !syncOptions.empty()) {
        QStringList opts;
        for (const Json& o : syncOptions)
            if (o.is_string())
                opts << QString::fromStdString(o.get<std::string>());
        html += row2(tr("Sync options"), esc(opts.join(QStringLiteral(", "))));
    }
    html += QStringLiteral("</table>");

    // Sources (multi-source aware), with the revision each one is synced to.
    QVector<const Json*> sources;
    const Json& multi = jo(spec, "sources");
    if (multi.is_array() && !multi.empty()) {
        for (const Json& s : multi)
            sources.append(&s);
    } else if (jo(spec, "source").is_object()) {
        sources.append(&jo(spec, "source"));
    }
    const Json& syncedRevisions = jo(sync, "revisions");
    html += tr("<h3>Source%1</h3>").arg(sources.size() > 1 ? QStringLiteral("s") : QString());
    html += QString::fromLatin1(kTable) +
            tr("<tr><th>#</th><th>Repository</th><th>Path / chart</th><th>Target</th>"
               "<th>Synced revision</th></tr>");
    for (int i = 0; i < sources.size(); ++i) {
        const Json& s = *sources[i];
        QString path = js(s, "path");
        if (!js(s, "chart").isEmpty())
            path = tr("chart %1").arg(js(s, "chart"));
        if (!js(s, "ref").isEmpty())
            path += tr(" (ref %1)").arg(js(s, "ref"));
        QString synced;
        if (syncedRevisions.is_array() && i < int(syncedRevisions.size()) &&
            syncedRevisions[size_t(i)].is_string())
            synced = QString::fromStdString(syncedRevisions[size_t(i)].get<std::string>());
        else if (sources.size() == 1)
            synced = js(sync, "revision");
        html +=
            QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td>"
                           "<td><code>%5</code></td></tr>")
                .arg(i + 1)
                .arg(esc(js(s, "repoURL")), esc(path), esc(js(s, "targetRevision")), esc(synced));
    }
    html += QStringLiteral("</table>");
    const QDateTime reconciled = jtime(status, "reconciledAt");
    if (reconciled.isValid())
        html +=
            tr("<p style='color:gray'>Last compared with Git %1.</p>").arg(esc(ago(reconciled)));

    const int scroll = m_summary->verticalScrollBar()->value();
    m_summary->setHtml(html);
    m_summary->verticalScrollBar()->setValue(scroll);
    m_panes[SummaryTab]->setReady();
}

void AppDetailView::renderHistory() {
    m_history->clear();
    const Json& history = jo(jo(*m_appJson, "status"), "history");
    if (!history.is_array() || history.empty()) {
        m_panes[HistoryTab]->setMessage(
            tr("<span style='color:gray'>No deployment history. Argo CD records only successful, "
               "complete syncs; failed and partial syncs appear in the Summary's last "
               "operation.</span>"));
        setTabTitle(HistoryTab, tr("History"));
        return;
    }
    QVector<const Json*> entries;
    for (const Json& h : history)
        entries.append(&h);
    std::stable_sort(entries.begin(), entries.end(), [](const Json* a, const Json* b) {
        return js(*a, "id").toLongLong() > js(*b, "id").toLongLong();
    });
    const QString current = js(jo(jo(*m_appJson, "status"), "sync"), "revision");
    for (const Json* h : entries) {
        QStringList revisions;
        if (const Json& revs = jo(*h, "revisions"); revs.is_array()) {
            for (const Json& r : revs)
                if (r.is_string())
                    revisions << QString::fromStdString(r.get<std::string>());
        }
        if (revisions.isEmpty())
            revisions << js(*h, "revision");
        // Commit metadata comes from a Git source: skip Helm chart sources.
        int sourceIndex = 0;
        if (const Json& srcs = jo(*h, "sources"); srcs.is_array()) {
            for (int i = 0; i < int(srcs.size()); ++i) {
                if (js(srcs[size_t(i)], "chart").isEmpty()) {
                    sourceIndex = i;
                    break;
                }
            }
        }
        QStringList shortRevs;
        for (const QString& r : revisions)
            shortRevs << shortRev(r);
        auto* item = new QTreeWidgetItem(m_history);
        item->setText(0, js(*h, "id"));
        item->setText(1, shortRevs.join(QStringLiteral(", ")) +
                             (revisions.contains(current) ? tr("  (synced now)") : QString()));
        item->setToolTip(1, revisions.join(QLatin1Char('\n')));
        const QDateTime deployed = jtime(*h, "deployedAt");
        item->setText(2, deployed.isValid()
                             ? deployed.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")) +
                                   QStringLiteral("  (") + ago(deployed) + QLatin1Char(')')
                             : QString());
        item->setText(3, initiator(jo(*h, "initiatedBy")));
        item->setText(4, tr("…"));
        item->setData(0, Qt::UserRole, revisions.value(sourceIndex));
        item->setData(0, Qt::UserRole + 1, sourceIndex);
        item->setData(0, Qt::UserRole + 2, revisions.size() > 1);
        if (revisions.contains(current)) {
            QFont f = item->font(0);
            f.setBold(true);
            for (int c = 0; c < 4; ++c)
                item->setFont(c, f);
            item->setToolTip(0, tr("The revision currently deployed"));
        }
    }
    for (int c = 0; c < 4; ++c)
        m_history->resizeColumnToContents(c);
    setTabTitle(HistoryTab, tr("History (%1)").arg(entries.size()));
    m_panes[HistoryTab]->setReady();
    QTimer::singleShot(0, this, &AppDetailView::fetchVisibleMetadata);
}

void AppDetailView::fetchVisibleMetadata() {
    if (m_key.isEmpty() || !client() || !m_history->isVisible())
        return;
    const QRect viewport = m_history->viewport()->rect();
    for (int i = 0; i < m_history->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = m_history->topLevelItem(i);
        const QRect r = m_history->visualItemRect(item);
        if (!r.isValid() || !r.intersects(viewport))
            continue;
        const QString rev = item->data(0, Qt::UserRole).toString();
        const int sourceIndex = item->data(0, Qt::UserRole + 1).toInt();
        const bool multi = item->data(0, Qt::UserRole + 2).toBool();
        if (rev.isEmpty())
            continue;
        const QString cacheKey = m_app.instance + QLatin1Char('/') + m_app.appNamespace +
                                 QLatin1Char('/') + m_app.name + QLatin1Char('/') + rev;
        auto apply = [item](const Json& meta) {
            item->setText(4, js(meta, "author"));
            const QDateTime date = jtime(meta, "date");
            item->setText(5, date.isValid()
                                 ? date.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"))
                                 : QString());
            const QString message = js(meta, "message");
            item->setText(6, message.section(QLatin1Char('\n'), 0, 0));
            item->setToolTip(6, message);
            QTreeWidget* list = item->treeWidget();
            for (int c : {4, 5})
                list->resizeColumnToContents(c);
        };
        if (auto it = m_metaCache.constFind(cacheKey); it != m_metaCache.cend()) {
            apply(it.value());
            continue;
        }
        if (auto it = m_metaErrors.constFind(cacheKey); it != m_metaErrors.cend()) {
            item->setText(4, QString());
            item->setText(6, tr("commit metadata unavailable: %1").arg(it->shortMessage));
            item->setToolTip(6, it->toString());
            continue;
        }
        if (m_metaInFlight.contains(cacheKey))
            continue;
        m_metaInFlight.insert(cacheKey);
        const quint64 gen = m_gen;
        QPointer<AppDetailView> self(this);
        auto done = [self, gen, cacheKey](Result<Json> result) {
            if (!self)
                return;
            self->m_metaInFlight.remove(cacheKey);
            if (result.ok())
                self->m_metaCache.insert(cacheKey, std::move(result).value());
            else
                self->m_metaErrors.insert(cacheKey, result.error());
            if (self->m_gen == gen)
                self->fetchVisibleMetadata();
        };
        if (multi) {
            // Multi-source: the source comes from the history entry (versionId = id).
            const QString path = QStringLiteral("/api/v1/applications/%1/revisions/%2/metadata")
                                     .arg(argocd::Client::encodeSegment(m_app.name),
                                          argocd::Client::encodeSegment(rev));
            client()->getJson(path,
                              {{QStringLiteral("appNamespace"), m_app.appNamespace},
                               {QStringLiteral("sourceIndex"), QString::number(sourceIndex)},
                               {QStringLiteral("versionId"), item->text(0)}},
                              done);
        } else {
            client()->revisionMetadata(m_app.name, m_app.appNamespace, rev, done);
        }
    }
}

// ---- Resource tree ----

void AppDetailView::loadTree() {
    if (!begin(TreeTab, tr("the resource tree")))
        return;
    const quint64 gen = m_gen;
    QPointer<AppDetailView> self(this);
    client()->resourceTree(m_app.name, m_app.appNamespace, [self, gen](Result<Json> result) {
        if (!self || self->m_gen != gen)
            return;
        if (!result.ok()) {
            self->m_treeError = result.error();
            self->m_panes[TreeTab]->setError(tr("Could not load the resource tree"),
                                             result.error());
            if (self->m_eventsRequested)
                self->loadEvents();
            if (self->m_tabs->currentIndex() == LogsTab)
                self->m_panes[LogsTab]->setError(tr("No pods to show: the resource tree did "
                                                    "not load"),
                                                 result.error());
            return;
        }
        // Nesting and ranking can take a while on trees with thousands of nodes.
        QtConcurrent::run([body = std::move(result).value()] {
            return std::make_shared<const models::PreparedTree>(models::prepareResourceTree(body));
        }).then(self.data(), [self, gen](std::shared_ptr<const models::PreparedTree> tree) {
            if (!self || self->m_gen != gen)
                return;
            self->m_tree = tree;
            self->m_treeModel->setTree(tree);
            self->m_treeView->expandToDepth(2);
            for (int c = 0; c < models::ResourceTreeModel::ColumnCount - 1; ++c)
                self->m_treeView->resizeColumnToContents(c);
            self->m_treeView->setColumnWidth(0, std::min(self->m_treeView->columnWidth(0), 420));
            self->m_treeView->setColumnWidth(
                models::ResourceTreeModel::MessageColumn,
                std::min(self->m_treeView->columnWidth(models::ResourceTreeModel::MessageColumn),
                         480));
            const int total = self->m_treeModel->totalNodes();
            if (self->m_treeModel->hiddenNodes() > 0) {
                self->m_showAll->setText(tr("Show all %1 resources").arg(total));
                self->m_showAll->show();
            }
            QString problems;
            if (tree->problemCount > 0) {
                problems =
                    QStringLiteral("<b style='color:#d03030'>%1</b>")
                        .arg(tree->problemCount == 1
                                 ? tr("1 resource needs attention")
                                 : tr("%1 resources need attention").arg(tree->problemCount));
                if (!tree->rootCauses.isEmpty()) {
                    const auto& n = tree->nodes[tree->rootCauses.first()];
                    problems += tr(" · start with <b>%1 %2</b> %3")
                                    .arg(esc(n.kind), esc(n.name), esc(n.statusText()));
                }
                if (self->m_treeModel->hiddenNodes() > 0)
                    problems += tr(" · problems first; %1 of %2 resources shown")
                                    .arg(self->m_treeModel->visibleNodes())
                                    .arg(total);
            } else {
                problems = tr("<span style='color:#1e8e3e'>No degraded, missing or progressing "
                              "resources.</span>");
            }
            self->m_treeProblems->setText(problems);
            self->setTabTitle(
                TreeTab, tree->problemCount > 0
                             ? tr("Resources (%1, %2 unhealthy)").arg(total).arg(tree->problemCount)
                             : tr("Resources (%1)").arg(total));
            if (total == 0)
                self->m_panes[TreeTab]->setMessage(
                    tr("<span style='color:gray'>The application has no resources.</span>"));
            else
                self->m_panes[TreeTab]->setReady();
            self->renderSummary();
            self->populatePods();
            self->applyPendingLog();
            if (self->m_eventsRequested)
                self->loadEvents();
            if (self->m_tabs->currentIndex() == LogsTab && !self->m_logsRequested)
                self->loadLogs();
        });
    });
}

// ---- Diff ----

void AppDetailView::loadDiff() {
    m_diffRequested = true;
    if (!begin(DiffTab, tr("the managed resources")))
        return;
    const quint64 gen = m_gen;
    QPointer<AppDetailView> self(this);
    client()->managedResources(m_app.name, m_app.appNamespace, [self, gen](Result<Json> result) {
        if (!self || self->m_gen != gen)
            return;
        if (!result.ok()) {
            self->m_panes[DiffTab]->setError(tr("Could not load the managed resources"),
                                             result.error());
            return;
        }
        self->m_panes[DiffTab]->setLoading(tr("Computing differences…"));
        QtConcurrent::run([body = std::move(result).value()] {
            return std::make_shared<const diff::ManagedDiff>(diff::computeManagedDiff(body));
        }).then(self.data(), [self, gen](std::shared_ptr<const diff::ManagedDiff> d) {
            if (!self || self->m_gen != gen)
                return;
            self->m_diffView->setDiff(d);
            self->setTabTitle(DiffTab, d->modifiedCount > 0 ? tr("Diff (%1)").arg(d->modifiedCount)
                                                            : tr("Diff"));
            if (d->resources.isEmpty())
                self->m_panes[DiffTab]->setMessage(
                    tr("<span style='color:gray'>Argo CD reports no managed resources for this "
                       "application.</span>"));
            else
                self->m_panes[DiffTab]->setReady();
        });
    });
}

// ---- Events ----

void AppDetailView::loadEvents() {
    m_eventsRequested = true;
    if (!m_tree && !m_treeError.isError()) {
        if (client())
            m_panes[EventsTab]->setLoading(tr("Waiting for the resource tree…"));
        else
            begin(EventsTab, tr("events"));
        return;
    }
    if (!begin(EventsTab, tr("events")))
        return;
    m_events->clear();
    m_eventRows.clear();
    m_eventUids.clear();
    m_eventsFailed = 0;
    m_eventsSkipped = 0;
    m_eventsLastError = {};
    // The app's own events, then those of its unhealthy resources (causes first).
    QVector<int> resources;
    if (m_tree) {
        for (int n : m_tree->rankOrder) {
            const auto& node = m_tree->nodes[n];
            if (node.problemRank() > 0 && !node.notCreated())
                resources.append(n);
        }
    }
    if (resources.size() > kMaxEventResources) {
        m_eventsSkipped = int(resources.size()) - kMaxEventResources;
        resources.resize(kMaxEventResources);
    }
    m_eventsPending = 1 + int(resources.size());
    const quint64 gen = m_gen;
    QPointer<AppDetailView> self(this);
    auto done = [self, gen](Result<Json> result) {
        if (!self || self->m_gen != gen)
            return;
        --self->m_eventsPending;
        if (result.ok()) {
            self->addEvents(result.value());
        } else {
            ++self->m_eventsFailed;
            self->m_eventsLastError = result.error();
        }
        self->finishEvents();
    };
    client()->applicationEvents(m_app.name, m_app.appNamespace, done);
    for (int n : std::as_const(resources)) {
        const auto& node = m_tree->nodes[n];
        client()->resourceEvents(m_app.name, m_app.appNamespace,
                                 {node.uid, node.resourceNamespace, node.name}, done);
    }
}

void AppDetailView::addEvents(const Json& body) {
    const Json& items = jo(body, "items");
    if (!items.is_array())
        return;
    for (const Json& e : items) {
        const Json& meta = jo(e, "metadata");
        const QString uid = js(meta, "uid");
        if (!uid.isEmpty() && m_eventUids.contains(uid))
            continue;
        m_eventUids.insert(uid);
        EventRow row;
        row.uid = uid;
        row.type = js(e, "type");
        row.reason = js(e, "reason");
        row.message = js(e, "message");
        const Json& obj = jo(e, "involvedObject");
        row.object = js(obj, "kind") + QLatin1Char(' ') + js(obj, "name");
        row.source = js(jo(e, "source"), "component");
        if (row.source.isEmpty())
            row.source = js(e, "reportingComponent");
        const QString count = js(e, "count");
        row.count = count.isEmpty() ? 1 : std::max(1, count.toInt());
        row.first = jtime(e, "firstTimestamp");
        for (const char* key : {"lastTimestamp", "eventTime"}) {
            if (!row.last.isValid())
                row.last = jtime(e, key);
        }
        if (!row.last.isValid())
            row.last = jtime(jo(e, "series"), "lastObservedTime");
        if (!row.last.isValid())
            row.last = row.first.isValid() ? row.first : jtime(meta, "creationTimestamp");
        if (!row.first.isValid())
            row.first = row.last;
        m_eventRows.append(row);
    }
}

void AppDetailView::finishEvents() {
    std::stable_sort(m_eventRows.begin(), m_eventRows.end(),
                     [](const EventRow& a, const EventRow& b) { return a.last > b.last; });
    m_events->setUpdatesEnabled(false);
    m_events->clear();
    int warnings = 0;
    QList<QTreeWidgetItem*> items;
    for (const EventRow& r : std::as_const(m_eventRows)) {
        const bool warning = r.type == QLatin1String("Warning");
        warnings += warning ? 1 : 0;
        auto* item = new QTreeWidgetItem;
        item->setText(0, ago(r.last));
        item->setToolTip(0, r.last.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
        item->setText(1, r.type);
        item->setText(2, r.reason);
        item->setText(3, r.object);
        item->setText(4, r.count > 1 ? QStringLiteral("×%1").arg(r.count) : QString());
        item->setText(5, r.count > 1 ? ago(r.first) : QString());
        item->setToolTip(5, r.first.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
        item->setText(6, r.message);
        item->setToolTip(
            6, r.message + (r.source.isEmpty() ? QString() : QStringLiteral("\n— ") + r.source));
        item->setData(0, Qt::UserRole, r.type);
        if (warning) {
            const QBrush bg(QColor(0xfd, 0xec, 0xea));
            const QBrush fg(QColor(0x20, 0x21, 0x24));
            for (int c = 0; c < 7; ++c) {
                item->setBackground(c, bg);
                item->setForeground(c, fg);
            }
            item->setForeground(1, QColor(0xd0, 0x30, 0x30));
            QFont f = item->font(1);
            f.setBold(true);
            item->setFont(1, f);
            item->setFont(2, f);
        }
        items.append(item);
    }
    m_events->addTopLevelItems(items);
    for (int c : {0, 1, 2, 3, 4, 5})
        m_events->resizeColumnToContents(c);
    m_events->setUpdatesEnabled(true);
    applyPendingEvent();
    setTabTitle(EventsTab,
                warnings > 0 ? tr("Events (%1, %2 warnings)").arg(m_eventRows.size()).arg(warnings)
                             : tr("Events (%1)").arg(m_eventRows.size()));

    QStringList notes;
    if (m_eventsPending > 0)
        notes << tr("<span style='color:gray'>⏳ Loading events of %n more resource(s)…</span>",
                    nullptr, m_eventsPending);
    if (m_eventsFailed > 0)
        notes << tr("<span style='color:#d03030'>%n request(s) for events failed:</span> %1",
                    nullptr, m_eventsFailed)
                     .arg(esc(m_eventsLastError.shortMessage));
    if (m_eventsSkipped > 0)
        notes << tr("<span style='color:gray'>Events of %n more unhealthy resource(s) were not "
                    "fetched.</span>",
                    nullptr, m_eventsSkipped);
    if (m_treeError.isError())
        notes << tr("<span style='color:gray'>Only the Application's own events: the resource "
                    "tree did not load.</span>");
    if (m_eventRows.isEmpty() && m_eventsPending == 0) {
        if (m_eventsFailed > 0) {
            m_panes[EventsTab]->setError(tr("Could not load events"), m_eventsLastError);
            return;
        }
        notes.prepend(tr("<span style='color:gray'>No events. Kubernetes keeps events for about "
                         "an hour, so a quiet application has none.</span>"));
        m_panes[EventsTab]->setMessage(notes.join(QStringLiteral("<br>")));
        return;
    }
    m_panes[EventsTab]->setReady(notes.join(QStringLiteral("<br>")), m_eventsLastError);
}

// ---- Logs ----

void AppDetailView::populatePods() {
    m_pod->clear();
    if (!m_tree)
        return;
    for (int n : m_tree->rankOrder) {
        const auto& node = m_tree->nodes[n];
        if (node.kind != QLatin1String("Pod"))
            continue;
        QString label = node.name;
        const QString status = node.statusText();
        if (!status.isEmpty())
            label += QStringLiteral(" — ") + status;
        else if (node.hasHealth)
            label += QStringLiteral(" — ") + argocd::toString(node.health);
        m_pod->addItem(label, node.name);
        m_pod->setItemData(m_pod->count() - 1, node.resourceNamespace, Qt::UserRole + 1);
        m_pod->setItemData(m_pod->count() - 1, node.images, Qt::UserRole + 2);
        m_pod->setItemData(m_pod->count() - 1, node.healthMessage, Qt::UserRole + 3);
        if (node.problemRank() > 0)
            m_pod->setItemData(m_pod->count() - 1, models::FleetModel::healthColor(node.health),
                               Qt::ForegroundRole);
    }
    populateContainers();
}

void AppDetailView::populateContainers() {
    m_container->clear();
    // Names the kubelet reported ("container=payments-api") are certain; then the pod's default
    // container; then guesses from the image names.
    static const QRegularExpression reported(
        QStringLiteral("container[= ]\"?([a-z0-9]([-a-z0-9]*[a-z0-9])?)"));
    QStringList names;
    auto it = reported.globalMatch(m_pod->currentData(Qt::UserRole + 3).toString());
    while (it.hasNext()) {
        const QString c = it.next().captured(1);
        if (!names.contains(c))
            names << c;
    }
    m_container->addItems(names);
    m_container->addItem(QString()); // the pod's default container
    m_container->setItemData(m_container->count() - 1, tr("(default container)"), Qt::ToolTipRole);
    for (const QString& image : m_pod->currentData(Qt::UserRole + 2).toStringList()) {
        const QString c = containerFromImage(image);
        if (!c.isEmpty() && !names.contains(c)) {
            names << c;
            m_container->addItem(c);
        }
    }
    m_container->setCurrentIndex(0);
    m_container->lineEdit()->setPlaceholderText(tr("(default container)"));
}

void AppDetailView::loadLogs() {
    m_logsRequested = true;
    if (m_key.isEmpty())
        return;
    if (!m_tree) {
        if (m_treeError.isError())
            m_panes[LogsTab]->setError(tr("No pods to show: the resource tree did not load"),
                                       m_treeError);
        else
            m_panes[LogsTab]->setLoading(tr("Waiting for the resource tree…"));
        return;
    }
    if (m_pod->count() == 0) {
        m_panes[LogsTab]->setMessage(
            tr("<span style='color:gray'>This application has no pods in its resource "
               "tree.</span>"));
        return;
    }
    if (!client()) {
        begin(LogsTab, tr("logs"));
        return;
    }
    argocd::LogQuery query;
    query.podName = m_pod->currentData().toString();
    query.podNamespace = m_pod->currentData(Qt::UserRole + 1).toString();
    query.container = m_container->currentText().trimmed();
    query.previous = m_previous->isChecked();
    query.tailLines = m_tail->value();
    const bool following = m_follow->isChecked() && !m_logText->document()->isEmpty();
    if (!following)
        m_panes[LogsTab]->setLoading(
            tr("Loading logs of %1%2…")
                .arg(query.podName, query.container.isEmpty()
                                        ? QString()
                                        : tr(" (container %1)").arg(query.container)));
    m_logsInFlight = true;
    const quint64 gen = m_gen;
    QPointer<AppDetailView> self(this);
    client()->podLogs(
        m_app.name, m_app.appNamespace, query,
        [self, gen, query](Result<QVector<argocd::LogLine>> result) {
            if (!self || self->m_gen != gen)
                return;
            self->m_logsInFlight = false;
            if (!result.ok()) {
                self->m_panes[LogsTab]->setError(tr("Could not load logs of %1").arg(query.podName),
                                                 result.error());
                return;
            }
            const auto& lines = result.value();
            if (lines.isEmpty()) {
                self->m_logText->clear();
                self->m_panes[LogsTab]->setMessage(
                    tr("<span style='color:gray'>No log lines for %1%2%3.</span>")
                        .arg(esc(query.podName),
                             query.container.isEmpty()
                                 ? QString()
                                 : tr(", container %1").arg(esc(query.container)),
                             query.previous ? tr(" (previous container)") : QString()));
                return;
            }
            QStringList text;
            text.reserve(lines.size());
            for (const auto& l : lines)
                text << l.content;
            QScrollBar* bar = self->m_logText->verticalScrollBar();
            const bool atEnd = bar->value() >= bar->maximum() - 2;
            self->m_logText->setPlainText(text.join(QLatin1Char('\n')));
            if (self->m_follow->isChecked() || atEnd)
                self->m_logText->moveCursor(QTextCursor::End);
            self->m_panes[LogsTab]->setReady(
                tr("<span style='color:gray'>%n line(s) of %1%2%3</span>", nullptr,
                   int(lines.size()))
                    .arg(esc(query.podName),
                         query.container.isEmpty() ? QString()
                                                   : tr(" / %1").arg(esc(query.container)),
                         query.previous ? tr(" (previous container)") : QString()));
            self->applyLogSearch();
        });
}

void AppDetailView::applyLogSearch() {
    const QString needle = m_search->text();
    QList<QTextEdit::ExtraSelection> selections;
    int count = 0;
    if (!needle.isEmpty()) {
        QTextCharFormat format;
        format.setBackground(QColor(0xff, 0xe0, 0x66));
        format.setForeground(QColor(0x20, 0x21, 0x24));
        QTextDocument* doc = m_logText->document();
        QTextCursor cursor(doc);
        while (true) {
            cursor = doc->find(needle, cursor);
            if (cursor.isNull())
                break;
            ++count;
            if (selections.size() < kMaxHighlights) {
                QTextEdit::ExtraSelection sel;
                sel.cursor = cursor;
                sel.format = format;
                selections.append(sel);
            }
        }
        m_matches->setText(count == 0 ? tr("no matches") : tr("%n match(es)", nullptr, count));
    } else {
        m_matches->clear();
    }
    m_logText->setExtraSelections(selections);
}

// ---- Evidence navigation from the triage panel ----

void AppDetailView::revealEvidence(const analysis::EvidenceItem& item) {
    if (m_key.isEmpty())
        return;
    if (item.source == QLatin1String("log")) {
        m_pendingLog = PendingLog{item.name, item.container, item.text,
                                  item.reason == QLatin1String("previous")};
        m_tabs->setCurrentIndex(LogsTab);
        applyPendingLog();
        return;
    }
    if (item.source == QLatin1String("event")) {
        m_pendingEvent = item.text;
        m_tabs->setCurrentIndex(EventsTab);
        applyPendingEvent();
        return;
    }
    if (item.source == QLatin1String("revision") || item.source == QLatin1String("diff")) {
        m_tabs->setCurrentIndex(HistoryTab);
        return;
    }
    if (!item.kind.isEmpty() && !item.name.isEmpty()) {
        m_tabs->setCurrentIndex(TreeTab);
        revealTreeNode(item.kind, item.ns, item.name);
        return;
    }
    m_tabs->setCurrentIndex(SummaryTab);
}

void AppDetailView::revealTreeNode(const QString& kind, const QString& ns, const QString& name) {
    const models::PreparedTree* tree = m_treeModel->tree();
    if (!tree)
        return;
    for (int n = 0; n < tree->nodes.size(); ++n) {
        const auto& node = tree->nodes[n];
        if (node.kind != kind || node.name != name ||
            (!ns.isEmpty() && !node.resourceNamespace.isEmpty() && node.resourceNamespace != ns))
            continue;
        QModelIndex index = m_treeModel->indexOfNode(n);
        if (!index.isValid()) { // hidden by the node budget: show everything, then find it
            m_treeModel->setBudget(0);
            m_showAll->hide();
            index = m_treeModel->indexOfNode(n);
        }
        if (index.isValid()) {
            m_treeView->expand(index.parent());
            m_treeView->setCurrentIndex(index);
            m_treeView->scrollTo(index, QAbstractItemView::PositionAtCenter);
        }
        return;
    }
}

void AppDetailView::applyPendingLog() {
    if (!m_pendingLog || m_pod->count() == 0)
        return;
    const PendingLog want = *m_pendingLog;
    m_pendingLog.reset();
    const int podIndex = m_pod->findData(want.pod);
    if (podIndex >= 0) {
        m_pod->setCurrentIndex(podIndex);
        populateContainers();
    }
    if (!want.container.isEmpty())
        m_container->setCurrentText(want.container);
    m_previous->blockSignals(true);
    m_previous->setChecked(want.previous);
    m_previous->blockSignals(false);
    // The search highlights the evidence line once the logs are in.
    m_search->setText(want.text.left(120));
    loadLogs();
}

void AppDetailView::applyPendingEvent() {
    if (m_pendingEvent.isEmpty() || m_events->topLevelItemCount() == 0)
        return;
    for (int i = 0; i < m_events->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = m_events->topLevelItem(i);
        const QString message = item->text(6);
        if (message.isEmpty())
            continue;
        if (message == m_pendingEvent || message.contains(m_pendingEvent) ||
            m_pendingEvent.contains(message)) {
            m_events->setCurrentItem(item);
            m_events->scrollToItem(item, QAbstractItemView::PositionAtCenter);
            // The list is rebuilt while resource events keep arriving: select again then.
            if (m_eventsPending == 0)
                m_pendingEvent.clear();
            return;
        }
    }
}

} // namespace sextant::ui
