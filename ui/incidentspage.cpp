#include "incidentspage.h"

#include "alertsmodel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace sextant::ui {

using incident::AlertMapping;
using incident::TimelineEvent;

namespace {

// Highlight colours chosen with their own text colour so they read in light and dark themes.
const QColor kSuspectBackground(0xff, 0xf1, 0xb8);
const QColor kAlertBackground(0xfd, 0xe0, 0xdc);
const QColor kInk(0x20, 0x20, 0x20);
const QColor kBad(0xb7, 0x1c, 0x1c);

QLabel* caption(const QString& text) {
    auto* l = new QLabel(QStringLiteral("<b>%1</b>").arg(text.toHtmlEscaped()));
    l->setContentsMargins(0, 8, 0, 2);
    return l;
}

// How sure the mapping is, in words: identity evidence (tracking label, workload, name) is
// "strong" with the location agreeing, "likely" alone; location alone is only "same namespace".
QString matchWords(const incident::AppMatch& m) {
    if (!m.identity)
        return QObject::tr("same namespace only");
    return m.score >= 80 ? QObject::tr("strong") : QObject::tr("likely");
}

QString utcTime(const QDateTime& t) {
    return t.toUTC().toString(QStringLiteral("HH:mm 'UTC'"));
}

} // namespace

IncidentsPage::IncidentsPage(QWidget* parent)
    : QWidget(parent)
    , m_model(new models::AlertsModel(this))
    , m_proxy(new models::AlertsFilterProxy(this))
    , m_watcher(new QFutureWatcher<QVector<AlertMapping>>(this))
    , m_rules(incident::MappingRules::builtin())
    , m_now(QDateTime::currentDateTimeUtc()) {
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(Qt::DisplayRole);

    // Top bar: where alerts come from, filters, refresh.
    m_source = new QLabel(this);
    m_source->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stateFilter = new QComboBox(this);
    m_stateFilter->addItem(tr("Firing and silenced"));
    m_stateFilter->addItem(tr("Firing only"));
    m_stateFilter->addItem(tr("Silenced or inhibited"));
    m_severityFilter = new QComboBox(this);
    m_severityFilter->addItem(tr("Any severity"), QString());
    m_severityFilter->addItem(tr("Critical"), QStringLiteral("critical"));
    m_severityFilter->addItem(tr("Warning and above"), QStringLiteral("warning"));
    m_severityFilter->addItem(tr("Info and above"), QStringLiteral("info"));
    m_refresh = new QPushButton(tr("Refresh"), this);
    auto* bar = new QHBoxLayout;
    bar->addWidget(m_source, 1);
    bar->addWidget(m_stateFilter);
    bar->addWidget(m_severityFilter);
    bar->addWidget(m_refresh);

    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("QLabel { background: #fde0dc; color: #202020; "
                                          "padding: 6px; border-radius: 3px; }"));
    m_error->hide();

    // Alerts list.
    m_alerts = new QTableView(this);
    m_alerts->setModel(m_proxy);
    m_alerts->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_alerts->setSelectionMode(QAbstractItemView::SingleSelection);
    m_alerts->setSortingEnabled(true);
    m_alerts->sortByColumn(models::AlertsModel::SeverityColumn, Qt::DescendingOrder);
    m_alerts->verticalHeader()->hide();
    m_alerts->setWordWrap(false);
    m_alerts->setAlternatingRowColors(true);
    m_alerts->horizontalHeader()->setStretchLastSection(true);
    m_alerts->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_alerts->setColumnWidth(models::AlertsModel::SeverityColumn, 78);
    m_alerts->setColumnWidth(models::AlertsModel::AlertColumn, 195);
    m_alerts->setColumnWidth(models::AlertsModel::StateColumn, 62);
    m_alerts->setColumnWidth(models::AlertsModel::StartedColumn, 108);
    m_alerts->setColumnWidth(models::AlertsModel::ApplicationColumn, 110);

    // Details of the selected alert.
    auto* details = new QWidget;
    auto* dl = new QVBoxLayout(details);
    dl->setContentsMargins(8, 0, 8, 8);
    m_header = new QLabel;
    m_header->setWordWrap(true);
    m_header->setTextFormat(Qt::RichText);
    m_labels = new QLabel;
    m_labels->setWordWrap(true);
    m_labels->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_apps = new QTreeWidget;
    m_apps->setHeaderLabels({tr("Application"), tr("Cluster / namespace"), tr("Match")});
    m_apps->setRootIsDecorated(true);
    m_apps->setMaximumHeight(150);
    m_apps->setColumnWidth(0, 260);
    m_apps->setColumnWidth(1, 200);
    m_suspects = new QLabel;
    m_suspects->setWordWrap(true);
    m_suspects->setTextFormat(Qt::RichText);
    m_timeline = new QTableWidget(0, 3);
    m_timeline->setHorizontalHeaderLabels(
        {tr("When (vs. alert)"), tr("What happened"), tr("Details")});
    m_timeline->verticalHeader()->hide();
    m_timeline->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_timeline->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_timeline->horizontalHeader()->setStretchLastSection(true);
    m_timeline->setColumnWidth(0, 130);
    m_timeline->setColumnWidth(1, 290);
    m_timeline->setWordWrap(false);
    m_timelineNote = new QLabel;
    m_timelineNote->setWordWrap(true);
    m_runbookNote = new QLabel;
    m_runbookNote->setWordWrap(true);
    m_triage = new QPushButton(tr("Open in triage"));
    m_triage->setToolTip(tr("Diagnose the selected application in the triage panel"));
    m_runbook = new QPushButton(tr("Propose runbook…"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_triage);
    buttons->addWidget(m_runbook);
    buttons->addStretch(1);
    dl->addWidget(m_header);
    dl->addWidget(m_labels);
    dl->addWidget(caption(tr("Applications this alert is about")));
    dl->addWidget(m_apps);
    dl->addWidget(caption(tr("Likely causes (changes shortly before the alert)")));
    dl->addWidget(m_suspects);
    dl->addWidget(caption(tr("Timeline of the application around the alert")));
    dl->addWidget(m_timeline, 1);
    dl->addWidget(m_timelineNote);
    dl->addWidget(m_runbookNote);
    dl->addLayout(buttons);

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(m_alerts);
    splitter->addWidget(details);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({700, 800});

    m_empty = new QLabel;
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setMargin(24);
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_empty);
    m_stack->addWidget(splitter);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_error);
    layout->addWidget(m_stack, 1);

    connect(m_refresh, &QPushButton::clicked, this, &IncidentsPage::refreshRequested);
    connect(m_stateFilter, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_proxy->setStateFilter(static_cast<models::AlertsFilterProxy::StateFilter>(i));
        afterFilter();
    });
    connect(m_severityFilter, &QComboBox::currentIndexChanged, this, [this](int) {
        m_proxy->setMinimumSeverity(m_severityFilter->currentData().toString());
        afterFilter();
    });
    connect(m_alerts->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (!current.isValid())
                    return; // filtered out or being refreshed: keep what is shown
                const QString fp = current.data(models::AlertsModel::FingerprintRole).toString();
                if (fp == m_selectedFingerprint)
                    return;
                m_selectedFingerprint = fp;
                showSelection();
            });
    connect(m_apps, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        while (item && item->parent())
            item = item->parent();
        const QString key = item ? item->data(0, Qt::UserRole).toString() : QString();
        if (!key.isEmpty() && key != m_selectedApp)
            selectApp(key);
    });
    connect(m_triage, &QPushButton::clicked, this, [this] {
        if (!m_selectedApp.isEmpty())
            Q_EMIT triageRequested(m_selectedApp);
    });
    connect(m_runbook, &QPushButton::clicked, this, &IncidentsPage::chooseRunbook);
    connect(m_watcher, &QFutureWatcher<QVector<AlertMapping>>::finished, this, [this] {
        if (m_watcher->property("generation").toInt() != m_generation)
            return; // a newer snapshot is being mapped
        applyMappings(m_watcher->result());
    });

    showSelection();
    updateEmptyState();
}

IncidentsPage::~IncidentsPage() {
    m_watcher->waitForFinished();
}

void IncidentsPage::setAlerts(const QVector<metrics::Alert>& alerts,
                              const QVector<argocd::AppSummary>& fleet) {
    m_alertsData = alerts;
    m_fleet = fleet;
    m_haveAlerts = true;
    m_now = QDateTime::currentDateTimeUtc();
    m_error->hide();
    remap();
}

void IncidentsPage::setResources(const QHash<QString, incident::AppResources>& resources) {
    m_resources = resources;
    if (m_haveAlerts)
        remap();
}

void IncidentsPage::setMappingRules(const incident::MappingRules& rules) {
    m_rules = rules;
    if (m_haveAlerts)
        remap();
}

void IncidentsPage::remap() {
    // Thousands of applications times dozens of alerts: off the GUI thread.
    // A mapping still running keeps its own copies and finishes unobserved: the watcher follows
    // the newest future only, and the generation check drops anything older.
    ++m_generation;
    m_watcher->setProperty("generation", m_generation);
    m_watcher->setFuture(QtConcurrent::run(
        [alerts = m_alertsData, fleet = m_fleet, resources = m_resources, rules = m_rules] {
            return incident::mapAlerts(alerts, fleet, resources, rules);
        }));
}

void IncidentsPage::applyMappings(const QVector<AlertMapping>& mappings) {
    m_model->setReferenceTime(m_now);
    m_model->setMappings(mappings);
    updateEmptyState();
    if (!m_selectedFingerprint.isEmpty() && m_model->rowOf(m_selectedFingerprint) >= 0) {
        showSelection(); // the mapping may have changed
    } else if (m_proxy->rowCount() > 0) {
        m_alerts->setCurrentIndex(m_proxy->index(0, 0));
    } else {
        m_selectedFingerprint.clear();
        showSelection();
    }
    Q_EMIT mappingFinished();
}

void IncidentsPage::afterFilter() {
    updateEmptyState();
    // The selected alert stays selected while it is listed; otherwise the first one is.
    if (selectAlert(m_selectedFingerprint))
        return;
    if (m_proxy->rowCount() > 0)
        m_alerts->setCurrentIndex(m_proxy->index(0, 0));
}

void IncidentsPage::setReferenceTime(const QDateTime& now) {
    m_now = now;
    m_model->setReferenceTime(now);
    updateEmptyState();
}

void IncidentsPage::setSource(const QString& description) {
    m_sourceText = description;
    updateEmptyState();
}

void IncidentsPage::setError(const Error& error) {
    const QString when =
        m_haveAlerts ? tr(" Showing the alerts from %1.").arg(utcTime(m_now)) : QString();
    m_error->setText(
        tr("Could not refresh the alerts: %1.%2").arg(error.shortMessage.toHtmlEscaped(), when));
    m_error->setToolTip(error.toString());
    m_error->show();
    updateEmptyState();
}

void IncidentsPage::setRunbooks(const QVector<incident::Runbook>& runbooks,
                                const QStringList& errors) {
    m_runbooks = runbooks;
    m_runbookErrors = errors;
    updateButtons();
}

void IncidentsPage::updateEmptyState() {
    const int total = m_model->rowCount();
    int mapped = 0;
    for (const AlertMapping& m : m_model->mappings())
        mapped += m.mapped() ? 1 : 0;
    if (m_sourceText.isEmpty()) {
        m_source->setText(tr("No alert source"));
    } else if (m_haveAlerts) {
        m_source->setText(tr("%1 · %2 alerts, %3 mapped to applications · updated %4")
                              .arg(m_sourceText)
                              .arg(total)
                              .arg(mapped)
                              .arg(utcTime(m_now)));
    } else {
        m_source->setText(m_sourceText);
    }
    QString empty;
    if (m_sourceText.isEmpty() && !m_haveAlerts)
        empty = tr("No Alertmanager is configured.\n\nConfigure an Alertmanager in Tools → "
                   "Metrics source… (its URL next to Prometheus). Its alerts are then mapped to "
                   "your Argo CD applications here, with the syncs and Git changes before each "
                   "alert.");
    else if (!m_haveAlerts && !m_error->isHidden())
        empty = tr("Could not load the alerts from %1.\n\nCheck the Alertmanager URL and token in "
                   "Tools → Metrics source…, then press Refresh.")
                    .arg(m_sourceText);
    else if (!m_haveAlerts)
        empty = tr("Loading the alerts from %1…").arg(m_sourceText);
    else if (total == 0)
        empty = tr("No alerts: nothing is firing on %1 (updated %2).")
                    .arg(m_sourceText, utcTime(m_now));
    else if (m_proxy->rowCount() == 0)
        empty = tr("No alert matches the filter (%1 hidden).\n\nChoose \"Firing and silenced\" and "
                   "\"Any severity\" to see them all.")
                    .arg(total);
    m_empty->setText(empty);
    m_stack->setCurrentIndex(empty.isEmpty() ? 1 : 0);
}

bool IncidentsPage::selectAlert(const QString& fingerprint) {
    const int row = m_model->rowOf(fingerprint);
    if (row < 0)
        return false;
    const QModelIndex idx = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!idx.isValid())
        return false;
    m_alerts->setCurrentIndex(idx);
    return true;
}

QString IncidentsPage::selectedFingerprint() const {
    return m_selectedFingerprint;
}

QString IncidentsPage::selectedAppKey() const {
    return m_selectedApp;
}

void IncidentsPage::showSelection() {
    const AlertMapping* m = m_model->mapping(m_model->rowOf(m_selectedFingerprint));
    // Rebuilt without signals: the choice of application below decides what is requested.
    const QSignalBlocker blockApps(m_apps);
    m_apps->clear();
    if (!m) {
        m_header->setText(tr("<i>Select an alert to see the applications it is about and what "
                             "changed before it fired.</i>"));
        m_labels->clear();
        m_selectedApp.clear();
        m_timelineData.reset();
        showTimeline();
        updateButtons();
        return;
    }
    const metrics::Alert& a = m->alert;
    const QString severity = incident::alertSeverity(a);
    const QString state = models::AlertsModel::stateOf(a);
    QString header =
        QStringLiteral("<span style='font-size:large'><b>%1</b></span> &nbsp; %2 · %3 "
                       "· started %4 ago (%5)")
            .arg(a.name().toHtmlEscaped(), severity, state,
                 incident::durationText(a.startsAt.secsTo(m_now)),
                 a.startsAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")));
    const QString summary = a.annotations.value(QStringLiteral("summary"),
                                                a.annotations.value(QStringLiteral("description")));
    if (!summary.isEmpty())
        header += QStringLiteral("<br>%1").arg(summary.toHtmlEscaped());
    if (a.silenced())
        header += tr("<br><i>Silenced by %1.</i>").arg(a.silencedBy.join(QStringLiteral(", ")));
    m_header->setText(header);
    QStringList labels;
    for (auto it = a.labels.cbegin(); it != a.labels.cend(); ++it)
        if (it.key() != QLatin1String("alertname"))
            labels << QStringLiteral("%1=%2").arg(it.key(), it.value());
    m_labels->setText(labels.join(QStringLiteral("  ")));

    if (!m->mapped()) {
        auto* item = new QTreeWidgetItem(m_apps, {m->unmappedReason});
        item->setFirstColumnSpanned(true);
        item->setForeground(0, QColor(0x75, 0x75, 0x75));
        m_selectedApp.clear();
        m_timelineData.reset();
        showTimeline();
        updateButtons();
        return;
    }
    QTreeWidgetItem* keep = nullptr;
    for (const incident::AppMatch& x : m->matches) {
        auto* item = new QTreeWidgetItem(
            m_apps,
            {x.appName, QStringLiteral("%1 / %2").arg(x.cluster, x.destNamespace), matchWords(x)});
        item->setToolTip(2, tr("Score %1: the points of the evidence below "
                               "(resources/alert-mapping.yaml)")
                                .arg(x.score));
        item->setData(0, Qt::UserRole, x.appKey);
        item->setToolTip(0, x.appKey);
        for (const QString& r : x.reasons) {
            auto* child = new QTreeWidgetItem(item, {r});
            child->setFirstColumnSpanned(true);
        }
        if (x.appKey == m_selectedApp)
            keep = item;
    }
    m_apps->expandItem(keep ? keep : m_apps->topLevelItem(0));
    const QString key = (keep ? keep : m_apps->topLevelItem(0))->data(0, Qt::UserRole).toString();
    m_apps->setCurrentItem(keep ? keep : m_apps->topLevelItem(0));
    if (key != m_selectedApp || !m_timelineData ||
        m_timelineData->alertFingerprint != m_selectedFingerprint)
        selectApp(key);
    else
        updateButtons();
}

void IncidentsPage::selectApp(const QString& appKey) {
    m_selectedApp = appKey;
    m_timelineData.reset();
    showTimeline();
    updateButtons();
    if (!appKey.isEmpty())
        Q_EMIT timelineRequested(appKey, m_selectedFingerprint);
}

void IncidentsPage::setTimeline(const incident::IncidentTimeline& timeline) {
    if (timeline.appKey != m_selectedApp || (!timeline.alertFingerprint.isEmpty() &&
                                             timeline.alertFingerprint != m_selectedFingerprint))
        return; // an answer for an earlier selection
    m_timelineData = timeline;
    showTimeline();
}

void IncidentsPage::showTimeline() {
    m_timeline->setRowCount(0);
    if (!m_timelineData) {
        m_suspects->setText(m_selectedApp.isEmpty()
                                ? tr("<i>No application: nothing to correlate.</i>")
                                : tr("<i>Loading the syncs and Git changes of %1…</i>")
                                      .arg(m_selectedApp.section(QLatin1Char('/'), -1)));
        m_timelineNote->clear();
        return;
    }
    const incident::IncidentTimeline& t = *m_timelineData;
    if (t.suspects.isEmpty()) {
        m_suspects->setText(tr("<i>None: no sync or commit of %1 shortly before %2 fired.</i>")
                                .arg(t.appName.toHtmlEscaped(), t.alertName.toHtmlEscaped()));
    } else {
        QString html = QStringLiteral("<ol style='margin-top:0'>");
        for (const incident::Suspect& s : t.suspects)
            html += QStringLiteral("<li>%1</li>").arg(s.reason.toHtmlEscaped());
        m_suspects->setText(html + QStringLiteral("</ol>"));
    }
    m_timeline->setRowCount(int(t.events.size()));
    for (int row = 0; row < t.events.size(); ++row) {
        const TimelineEvent& e = t.events[row];
        const bool isAnchor =
            e.kind == TimelineEvent::Kind::AlertFired && e.alertFingerprint == t.alertFingerprint;
        QString when = isAnchor ? tr("alert fired") : incident::relativeTime(e.secondsFromAlert);
        QString what = e.title;
        if (e.suspectRank > 0)
            what = tr("Likely cause %1 · %2").arg(e.suspectRank).arg(e.title);
        QList<QTableWidgetItem*> cells{new QTableWidgetItem(when), new QTableWidgetItem(what),
                                       new QTableWidgetItem(e.detail)};
        const QString tip =
            e.at.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'")) +
            (e.revision.isEmpty() ? QString() : QStringLiteral("\nrevision ") + e.revision);
        for (int c = 0; c < cells.size(); ++c) {
            QTableWidgetItem* cell = cells[c];
            cell->setToolTip(tip);
            if (isAnchor || e.suspectRank > 0) {
                cell->setBackground(isAnchor ? kAlertBackground : kSuspectBackground);
                cell->setForeground(e.bad && !isAnchor ? kBad : kInk);
                QFont f = cell->font();
                f.setBold(true);
                cell->setFont(f);
            } else if (e.bad) {
                cell->setForeground(kBad);
            }
            m_timeline->setItem(row, c, cell);
        }
    }
    m_timeline->resizeRowsToContents();
    // Show the alert row and what came just before it.
    for (int row = 0; row < t.events.size(); ++row)
        if (t.events[row].kind == TimelineEvent::Kind::AlertFired &&
            t.events[row].alertFingerprint == t.alertFingerprint) {
            m_timeline->scrollToItem(m_timeline->item(row, 0), QAbstractItemView::PositionAtCenter);
            break;
        }
    m_timelineNote->setText(
        t.notes.isEmpty()
            ? QString()
            : QStringLiteral("<i>%1</i>").arg(t.notes.join(QStringLiteral(" ")).toHtmlEscaped()));
}

QVector<incident::Runbook> IncidentsPage::applicableRunbooks() const {
    const AlertMapping* m = m_model->mapping(m_model->rowOf(m_selectedFingerprint));
    if (!m || m_selectedApp.isEmpty())
        return {};
    for (const argocd::AppSummary& app : m_fleet)
        if (app.key() == m_selectedApp)
            return incident::matchingRunbooks(m_runbooks, m->alert, app);
    return {};
}

void IncidentsPage::updateButtons() {
    m_triage->setEnabled(!m_selectedApp.isEmpty());
    m_triage->setText(
        m_selectedApp.isEmpty()
            ? tr("Open in triage")
            : tr("Open %1 in triage").arg(m_selectedApp.section(QLatin1Char('/'), -1)));
    const QVector<incident::Runbook> runbooks = applicableRunbooks();
    m_runbook->setEnabled(!runbooks.isEmpty());
    QString note;
    if (m_selectedApp.isEmpty()) {
        note.clear();
    } else if (!runbooks.isEmpty()) {
        QStringList items;
        for (const incident::Runbook& r : runbooks)
            items << tr("<b>%1</b> (%2): %3")
                         .arg(r.title.toHtmlEscaped(), r.id, r.actionText().toHtmlEscaped());
        note = tr("Pre-approved runbook%1 for this alert: %2. Proposing one drafts a pull request "
                  "for approval; nothing changes until it is merged and synced.")
                   .arg(runbooks.size() > 1 ? QStringLiteral("s") : QString(),
                        items.join(QStringLiteral("; ")));
        m_runbook->setToolTip(runbooks.size() == 1
                                  ? runbooks.first().description
                                  : tr("Choose one of %1 runbooks").arg(runbooks.size()));
    } else if (m_runbooks.isEmpty()) {
        note = tr("No runbooks loaded. Pre-approved runbooks live in the GitOps repository under "
                  "%1/ (see docs/incidents.md).")
                   .arg(incident::runbookDir());
        m_runbook->setToolTip(note);
    } else {
        note = tr("None of the %1 runbooks applies to this alert on this application.")
                   .arg(m_runbooks.size());
        m_runbook->setToolTip(note);
    }
    if (!m_runbookErrors.isEmpty())
        note += tr("<br><span style='color:#b71c1c'>%1 runbook problem%2: %3</span>")
                    .arg(m_runbookErrors.size())
                    .arg(m_runbookErrors.size() > 1 ? QStringLiteral("s") : QString())
                    .arg(m_runbookErrors.mid(0, 3).join(QStringLiteral("; ")).toHtmlEscaped());
    m_runbookNote->setText(note);
}

void IncidentsPage::chooseRunbook() {
    const QVector<incident::Runbook> runbooks = applicableRunbooks();
    if (runbooks.isEmpty())
        return;
    if (runbooks.size() == 1) {
        Q_EMIT runbookRequested(runbooks.first().id, m_selectedFingerprint, m_selectedApp);
        return;
    }
    QMenu menu(this);
    for (const incident::Runbook& r : runbooks) {
        QAction* act = menu.addAction(QStringLiteral("%1 — %2").arg(r.title, r.actionText()));
        const QString id = r.id;
        connect(act, &QAction::triggered, this,
                [this, id] { Q_EMIT runbookRequested(id, m_selectedFingerprint, m_selectedApp); });
    }
    menu.exec(m_runbook->mapToGlobal(QPoint(0, m_runbook->height())));
}

} // namespace sextant::ui
