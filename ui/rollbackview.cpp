#include "rollbackview.h"

#include "gitops/livediff.h"

#include "configchange.h"
#include "prdraftdialog.h"

#include "argocd/client.h"
#include "consolesession.h"
#include "fleet/fleetstore.h"
#include "fleet/healthtimeline.h"
#include "fleetmodel.h"
#include "gitops/livediff.h"
#include "governance/actionmode.h"
#include "governance/auditlog.h"
#include "rollbackcandidatesmodel.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace sextant::ui {

using analysis::PlanRun;
using analysis::RollbackCandidate;
using analysis::StepOutcome;
using Json = nlohmann::json;

namespace {

QString esc(const QString& s) {
    return s.toHtmlEscaped();
}

QString colored(const QString& color, const QString& text) {
    return QStringLiteral("<span style='color:%1'>%2</span>").arg(color, text);
}

const QString kGreen = QStringLiteral("#1e8e3e");
const QString kOrange = QStringLiteral("#b06000");
const QString kRed = QStringLiteral("#d03030");

QString shortRev(const QString& revision) {
    return models::RollbackCandidatesModel::shortRevision(revision);
}

QString list(const QStringList& items) {
    QString html = QStringLiteral("<ul style='margin-top:2px'>");
    for (const QString& item : items)
        html += QStringLiteral("<li>%1</li>").arg(esc(item));
    return html + QStringLiteral("</ul>");
}

const Json& member(const Json& object, const char* key) {
    static const Json empty = Json::object();
    if (!object.is_object())
        return empty;
    auto it = object.find(key);
    return it == object.end() ? empty : *it;
}

} // namespace

// A ranking and, per candidate, what differs from the current revision (computed together on
// the thread pool).
struct RollbackView::RankResult {
    analysis::RollbackRanking ranking;
    QHash<qint64, analysis::ManifestDelta> deltas;
    // Per candidate: what syncing it would change on the cluster (no entry: live unknown).
    QHash<qint64, gitops::LiveDiff> liveDiffs;
    QDateTime now;
};

RollbackView::RollbackView(ConsoleSession* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_status(new QLabel(this))
    , m_liveState(new QLabel(this))
    , m_model(new models::RollbackCandidatesModel(this))
    , m_table(new QTableView(this))
    , m_detail(new QTextBrowser(this))
    , m_planText(new QTextBrowser(this))
    , m_markBad(new QPushButton(tr("Mark revision as bad…"), this))
    , m_runButton(new QPushButton(tr("Review and run plan…"), this))
    , m_revertButton(new QPushButton(tr("Revert pull request…"), this))
    , m_split(new QSplitter(Qt::Vertical, this)) {
    auto* layout = new QVBoxLayout(this);
    m_status->setObjectName(QStringLiteral("rollbackStatus"));
    m_status->setTextFormat(Qt::RichText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    m_table->setObjectName(QStringLiteral("rollbackCandidates"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(models::RollbackCandidatesModel::ImagesColumn,
                                                      QHeaderView::Stretch);
    m_table->setAccessibleName(tr("Rollback candidates, best first"));
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                const RollbackCandidate* c = m_model->candidate(current.row());
                if (!c || c->id == m_selectedId)
                    return;
                m_selectedId = c->id;
                renderDetail();
                if (!planSent()) {
                    buildPlan();
                    renderPlan();
                }
                updateButtons();
            });

    auto* top = new QWidget;
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(m_table, 1);
    auto* actions = new QHBoxLayout;
    m_markBad->setObjectName(QStringLiteral("rollbackMarkBad"));
    m_markBad->setToolTip(tr("Remember locally that this revision is broken (with your reason). "
                             "It is demoted in every later ranking of this application. Nothing "
                             "is sent to Argo CD."));
    m_runButton->setObjectName(QStringLiteral("rollbackRun"));
    m_runButton->setToolTip(tr("Shows the steps, then sends them one by one: each one asks for "
                               "your approval and is recorded in the audit log."));
    actions->addWidget(m_markBad);
    actions->addStretch(1);
    m_liveState->setObjectName(QStringLiteral("rollbackLiveState"));
    m_liveState->setTextFormat(Qt::RichText);
    actions->addWidget(m_liveState);
    actions->addStretch(1);
    m_revertButton->setObjectName(QStringLiteral("rollbackRevertPr"));
    m_revertButton->setToolTip(
        tr("Put the files this application renders back as they were at the selected revision, "
           "as a pull request on its config repository: you review the diff and what it "
           "reaches, then approve the commit and the pull request. Works with auto-sync on."));
    actions->addWidget(m_revertButton);
    actions->addWidget(m_runButton);
    topLayout->addLayout(actions);

    m_detail->setObjectName(QStringLiteral("rollbackDetail"));
    m_detail->setAccessibleName(tr("Why this candidate, its risks and what differs from now"));
    m_planText->setObjectName(QStringLiteral("rollbackPlan"));
    m_planText->setAccessibleName(tr("Rollback plan and its progress"));
    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(m_detail);
    bottom->addWidget(m_planText);
    bottom->setStretchFactor(0, 1);
    bottom->setStretchFactor(1, 1);
    m_split->addWidget(top);
    m_split->addWidget(bottom);
    // Argo CD keeps ten deployments: the table needs little room, the reasons and plan more.
    m_split->setStretchFactor(0, 1);
    m_split->setStretchFactor(1, 3);
    m_split->setSizes({220, 660});
    layout->addWidget(m_split, 1);

    connect(m_markBad, &QPushButton::clicked, this, &RollbackView::markBadInteractive);
    connect(m_runButton, &QPushButton::clicked, this, &RollbackView::reviewAndRun);
    connect(m_revertButton, &QPushButton::clicked, this, &RollbackView::openRevertPullRequest);
    // The application's own state, live: what a rollback is supposed to change.
    connect(m_session->store(), &fleet::FleetStore::batchApplied, this,
            &RollbackView::updateLiveState);
    clearResult(tr("Select an application to see where it can be rolled back to."));
}

RollbackView::~RollbackView() = default;

argocd::Client* RollbackView::client() const {
    return m_key.isEmpty() ? nullptr : m_session->client(m_app.instance);
}

void RollbackView::setApplication(const argocd::AppSummary& app) {
    ++m_gen;
    m_app = app;
    m_key = app.key();
    m_knownFailures.clear();
    m_diagnosisPending = false;
    m_running = false;
    clearResult(tr("Open this tab to rank %1's earlier deployments as rollback targets.")
                    .arg(esc(app.name)));
    updateLiveState();
}

void RollbackView::setKnownFailures(const QVector<analysis::KnownFailure>& failures) {
    m_knownFailures = failures;
    m_diagnosisPending = false;
    if (m_appJson && !m_loading)
        rank();
    else
        updateStatus();
}

void RollbackView::setDiagnosisPending(bool pending) {
    m_diagnosisPending = pending;
    updateStatus();
}

void RollbackView::clearResult(const QString& message) {
    m_loading = false;
    m_appJson.reset();
    m_entries.clear();
    m_manifests.clear();
    m_managed.reset();
    m_manifestsPending = 0;
    m_fetchNotes.clear();
    m_outcomes.clear();
    m_bad.clear();
    m_timelineNote.clear();
    m_result.reset();
    m_ranking.reset();
    m_shownRankGen = m_rankGen;
    m_selectedId = 0;
    m_plan.reset();
    m_stepStates.clear();
    m_stepRunning = -1;
    m_run.reset();
    m_statusNote.clear();
    m_model->clear();
    m_detail->clear();
    m_planText->clear();
    m_status->setText(message);
    updateButtons();
}

void RollbackView::fail(const QString& what, const Error& error) {
    m_loading = false;
    m_status->setText(QStringLiteral("%1: %2").arg(
        colored(kRed, QStringLiteral("<b>%1</b>").arg(esc(what))), esc(error.shortMessage)));
    m_status->setToolTip(error.toString());
    updateButtons();
}

// ---- Loading: the application, the manifests of each history revision, the timeline ----

void RollbackView::load() {
    if (m_key.isEmpty() || m_running)
        return;
    const quint64 gen = ++m_gen;
    clearResult(tr("Loading %1 and its deployment history from %2…")
                    .arg(esc(m_app.name), esc(m_app.instance)));
    argocd::Client* c = client();
    if (!c) {
        fail(tr("Could not rank rollback targets"),
             Error::make(Error::Kind::Network, tr("%1 is not connected").arg(m_app.instance),
                         tr("Reconnect the instance from the status bar or File → Instances.")));
        return;
    }
    m_loading = true;
    updateButtons();
    QPointer<RollbackView> self(this);
    c->getApplication(m_app.name, m_app.appNamespace, [self, gen](Result<Json> result) {
        if (!self || self->m_gen != gen)
            return;
        if (!result.ok()) {
            self->fail(tr("Could not load the application"), result.error());
            return;
        }
        self->onApplication(gen, std::move(result).value());
    });
}

void RollbackView::onApplication(quint64 gen, Json application) {
    m_appJson = std::make_shared<const Json>(std::move(application));
    // The full object gives the timeline Argo CD's history and the last operation's revision.
    m_session->withHealthTimeline([key = m_key, app = m_appJson](fleet::HealthTimeline& t) {
        if (t.isOpen())
            t.recordApplication(key, *app);
    });
    m_entries = fleet::DeployEntry::fromApplication(*m_appJson);
    QStringList revisions;
    bool multiSource = false;
    for (const fleet::DeployEntry& e : std::as_const(m_entries)) {
        if (e.revision.contains(QLatin1Char(','))) {
            multiSource = true; // one GET /manifests per source is not supported here
            continue;
        }
        if (!e.revision.isEmpty() && !revisions.contains(e.revision))
            revisions.append(e.revision);
    }
    if (multiSource)
        m_fetchNotes << tr("Multi-source application: manifests are not compared, so changes "
                           "and irreversible risks are unknown.");
    argocd::Client* c = client();
    if (revisions.isEmpty() || !c) {
        readTimeline(gen);
        return;
    }
    // Every revision's manifests, and the live state they are compared with.
    m_manifestsPending = int(revisions.size()) + 1;
    m_status->setText(tr("Loading the rendered manifests of %n revision(s) from %1…", nullptr,
                         int(revisions.size()))
                          .arg(esc(m_app.instance)));
    QPointer<RollbackView> self(this);
    c->managedResources(m_app.name, m_app.appNamespace, [self, gen](Result<Json> result) {
        if (!self || self->m_gen != gen)
            return;
        if (result.ok())
            self->m_managed = std::make_shared<const Json>(std::move(result).value());
        else
            self->m_fetchNotes << tr("The live state could not be loaded (%1): candidates are "
                                     "not compared with the cluster.")
                                      .arg(result.error().shortMessage);
        if (--self->m_manifestsPending == 0)
            self->readTimeline(gen);
    });
    for (const QString& revision : std::as_const(revisions)) {
        c->manifests(m_app.name, m_app.appNamespace, revision,
                     [self, gen, revision](Result<Json> result) {
                         if (self && self->m_gen == gen)
                             self->onManifest(gen, revision, std::move(result));
                     });
    }
}

void RollbackView::onManifest(quint64 gen, const QString& revision, Result<Json> result) {
    if (result.ok())
        m_manifests.insert(revision, std::move(result).value());
    else
        m_fetchNotes << tr("The manifests at %1 could not be loaded (%2): it is ranked without "
                           "its changes and risks.")
                            .arg(shortRev(revision), result.error().shortMessage);
    if (--m_manifestsPending == 0)
        readTimeline(gen);
}

void RollbackView::readTimeline(quint64 gen) {
    m_status->setText(tr("Reading the local health timeline…"));
    QPointer<RollbackView> self(this);
    m_session->withHealthTimeline(
        [self, gen, key = m_key, entries = m_entries](fleet::HealthTimeline& t) {
            QVector<fleet::EntryOutcome> outcomes;
            QHash<QString, QString> bad;
            QString note;
            if (t.isOpen()) {
                outcomes = t.outcomes(key, entries);
                bad = t.badRevisions(key);
            } else {
                note = t.errorString();
            }
            QMetaObject::invokeMethod(
                qApp,
                [self, gen, outcomes, bad, note] {
                    if (!self || self->m_gen != gen)
                        return;
                    self->m_outcomes = outcomes;
                    self->m_bad = bad;
                    self->m_timelineNote = note;
                    self->m_loading = false;
                    self->rank();
                },
                Qt::QueuedConnection);
        });
}

// ---- Ranking (thread pool) ----

void RollbackView::rank() {
    if (!m_appJson)
        return;
    const quint64 gen = m_gen;
    const quint64 rankGen = ++m_rankGen;
    // The inputs are shared, not copied, until the worker builds its RankInput.
    QtConcurrent::run([app = m_appJson, outcomes = m_outcomes, manifests = m_manifests, bad = m_bad,
                       known = m_knownFailures, managed = m_managed, ns = m_app.destNamespace] {
        analysis::RankInput in;
        in.application = *app;
        in.outcomes = outcomes;
        in.manifests = manifests;
        in.badRevisions = bad;
        in.knownFailures = known;
        auto result = std::make_shared<RankResult>();
        result->now = in.now;
        result->ranking = analysis::RollbackRanker().rank(in);
        const auto current = manifests.constFind(result->ranking.currentRevision);
        if (current != manifests.constEnd()) {
            for (const RollbackCandidate& c : std::as_const(result->ranking.candidates)) {
                const auto at = manifests.constFind(c.revision);
                if (at != manifests.constEnd())
                    result->deltas.insert(
                        c.id, analysis::RollbackRanker::compareManifests(*at, *current));
            }
        }
        if (managed) {
            for (const RollbackCandidate& c : std::as_const(result->ranking.candidates)) {
                const auto at = manifests.constFind(c.revision);
                if (at != manifests.constEnd())
                    result->liveDiffs.insert(c.id, gitops::compareWithLive(*at, *managed, ns));
            }
        }
        return std::shared_ptr<const RankResult>(std::move(result));
    }).then(this, [this, gen, rankGen](std::shared_ptr<const RankResult> result) {
        if (gen == m_gen && rankGen == m_rankGen) {
            m_shownRankGen = rankGen;
            showRanking(std::move(result));
        }
    });
}

void RollbackView::showRanking(std::shared_ptr<const RankResult> result) {
    m_result = result;
    m_ranking = std::shared_ptr<const analysis::RollbackRanking>(result, &result->ranking);
    const qint64 keep = m_selectedId;
    m_model->setCandidates(m_ranking->candidates, result->now);
    m_selectedId = 0;
    int row = m_model->rowOf(keep);
    if (row < 0 && m_model->rowCount() > 0)
        row = 0;
    if (row >= 0) {
        m_selectedId = m_model->candidate(row)->id;
        // Signals blocked: the detail and the plan are rendered once below.
        QSignalBlocker block(m_table->selectionModel());
        m_table->selectRow(row);
        m_table->selectionModel()->setCurrentIndex(m_model->index(row, 0),
                                                   QItemSelectionModel::NoUpdate);
    }
    // A plan being sent, or sent, stays on screen: the ranking it came from is out of date
    // once Argo CD rolled back, and Reload starts over.
    if (!m_running && !planSent()) {
        buildPlan();
        renderPlan();
    }
    renderDetail();
    updateStatus();
    updateButtons();
    Q_EMIT ranked();
}

void RollbackView::selectCandidate(qint64 historyId) {
    const int row = m_model->rowOf(historyId);
    if (row >= 0)
        m_table->selectionModel()->setCurrentIndex(m_model->index(row, 0),
                                                   QItemSelectionModel::ClearAndSelect |
                                                       QItemSelectionModel::Rows);
}

const RollbackCandidate* RollbackView::selectedCandidate() const {
    return m_model->candidate(m_model->rowOf(m_selectedId));
}

// ---- Rendering ----

void RollbackView::updateStatus() {
    if (m_loading)
        return;
    if (!m_ranking) {
        return;
    }
    const analysis::RollbackRanking& r = *m_ranking;
    QString html;
    if (r.candidates.isEmpty()) {
        html = tr("<b>Nothing to roll back to.</b> Argo CD's history of %1 has no deployment "
                  "other than the current one (#%2).")
                   .arg(esc(m_app.name))
                   .arg(r.currentHistoryId);
    } else {
        const RollbackCandidate& best = r.candidates.first();
        QString why = best.reasons.isEmpty() ? QString() : best.reasons.first();
        if (!why.isEmpty())
            why = why.left(1).toUpper() + why.mid(1) + u'.';
        html = tr("<b>Best rollback target: #%1 (%2), score %3 of 100.</b> %4")
                   .arg(best.id)
                   .arg(esc(shortRev(best.revision)))
                   .arg(best.score)
                   .arg(esc(why));
        html += tr("<br><span style='color:gray'>%n earlier deployment(s) ranked; the current one "
                   "is #%1 (%2). ",
                   nullptr, int(r.candidates.size()))
                    .arg(r.currentHistoryId)
                    .arg(esc(shortRev(r.currentRevision)));
        // Whether the timeline actually saw any earlier deployment running, not merely
        // whether it was consulted.
        bool observed = false;
        for (const fleet::EntryOutcome& o : std::as_const(m_outcomes))
            observed = observed || (o.observed && o.historyId != r.currentHistoryId);
        html += observed ? tr("Health after each deployment comes from the local timeline (what "
                              "Sextant saw while it ran).</span>")
                         : tr("Sextant was not watching while these deployments ran, so there is "
                              "no health record of them: ranked from Argo CD's history and the "
                              "manifests.</span>");
    }
    if (m_diagnosisPending)
        html += QStringLiteral("<br>") +
                colored(kOrange, tr("Ranked without a diagnosis so far: the Triage tab is "
                                    "diagnosing the application, and the ranking updates when it "
                                    "has a result (a revision that would bring the failure back "
                                    "is then demoted)."));
    if (!m_statusNote.isEmpty())
        html += QStringLiteral("<br>") + m_statusNote;
    m_status->setText(html);
    m_status->setToolTip({});
}

void RollbackView::renderDetail() {
    const RollbackCandidate* c = selectedCandidate();
    if (!c || !m_ranking) {
        QString html;
        if (m_ranking) {
            const QStringList notes = m_ranking->notes + m_fetchNotes;
            if (!notes.isEmpty())
                html = tr("<h4>About this ranking</h4>") + list(notes);
        }
        m_detail->setHtml(html);
        return;
    }
    const analysis::RollbackRanking& r = *m_ranking;
    QString html = QStringLiteral("<style>h3{margin-bottom:2px} h4{margin-top:12px;"
                                  "margin-bottom:2px}</style>");
    const QString color = models::RollbackCandidatesModel::scoreColor(c->score);
    html +=
        tr("<h3>#%1 · %2 — %3</h3>")
            .arg(c->id)
            .arg(esc(shortRev(c->revision)))
            .arg(colored(color, tr("score %1 (%2)")
                                    .arg(c->score)
                                    .arg(models::RollbackCandidatesModel::scoreWord(c->score))));
    QStringList facts;
    if (c->deployedAt.isValid())
        facts << tr("deployed %1")
                     .arg(c->deployedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    if (!c->initiatedBy.isEmpty())
        facts << tr("by %1").arg(esc(c->initiatedBy));
    if (c->verified)
        facts << colored(kGreen, tr("✓ verified healthy by the timeline"));
    if (m_bad.contains(c->revision))
        facts << colored(kRed, tr("marked bad: %1").arg(esc(m_bad.value(c->revision))));
    html += QStringLiteral("<p style='color:gray;margin-top:0'>%1<br>%2</p>")
                .arg(facts.join(QStringLiteral(" · ")), esc(c->revision));

    html += tr("<h4>Why this score</h4>") + list(c->reasons);
    html += tr("<h4>Risks of rolling back to it</h4>");
    if (!c->risks.isEmpty())
        html += list(c->risks);
    else if (c->changedObjects >= 0)
        html += tr("<p>None found: nothing irreversible (CRDs, volumes, migration hooks, "
                   "immutable fields) changed between it and now.</p>");
    else
        html += tr("<p>Unknown: its manifests could not be compared.</p>");

    html += tr("<h4>What a rollback changes (#%1 compared with the current #%2)</h4>")
                .arg(c->id)
                .arg(r.currentHistoryId);
    const analysis::ManifestDelta* delta = nullptr;
    if (m_result) {
        const auto it = m_result->deltas.constFind(c->id);
        if (it != m_result->deltas.constEnd())
            delta = &it.value();
    }
    if (!delta) {
        html += tr("<p>Unknown: the manifests of one of the two revisions are missing.</p>");
    } else if (delta->count() == 0) {
        html += tr("<p>Nothing: both revisions render the same manifests, so rolling back would "
                   "not change the cluster.</p>");
    } else {
        if (!delta->changed.isEmpty())
            html += tr("<p style='margin-bottom:0'><b>Changed back</b> to their state at #%1:</p>")
                        .arg(c->id) +
                    list(delta->changed);
        if (!delta->removed.isEmpty())
            html += tr("<p style='margin-bottom:0'><b>Re-created</b> (deleted since #%1):</p>")
                        .arg(c->id) +
                    list(delta->removed);
        if (!delta->added.isEmpty())
            html += tr("<p style='margin-bottom:0'><b>Left in place</b> (added since #%1; the "
                       "rollback does not prune them):</p>")
                        .arg(c->id) +
                    list(delta->added);
    }
    html += renderLiveDiff(*c);
    if (!c->images.isEmpty())
        html += tr("<h4>Images at #%1</h4>").arg(c->id) + list(c->images);
    const QStringList notes =
        r.notes + m_fetchNotes +
        (m_timelineNote.isEmpty()
             ? QStringList()
             : QStringList{tr("Health timeline unavailable: %1").arg(m_timelineNote)});
    if (!notes.isEmpty())
        html += tr("<h4>About this ranking</h4>") + list(notes);
    m_detail->setHtml(html);
}

QString RollbackView::renderLiveDiff(const RollbackCandidate& c) const {
    QString html = tr("<h4>Compared with the live state (what syncing #%1 applies)</h4>").arg(c.id);
    const gitops::LiveDiff* d = nullptr;
    if (m_result) {
        const auto it = m_result->liveDiffs.constFind(c.id);
        if (it != m_result->liveDiffs.constEnd())
            d = &it.value();
    }
    if (!d)
        return html +
               tr("<p>Unknown: the live state or the manifests of #%1 are missing.</p>").arg(c.id);
    if (d->objects.isEmpty())
        return html + tr("<p>Nothing: the live objects already match #%1 (%n object(s) "
                         "compared).</p>",
                         nullptr, d->unchanged)
                          .arg(c.id);
    // Enough to judge the rollback at a glance; the full list is one scroll away.
    constexpr int kMaxFields = 8;
    QStringList items;
    for (const gitops::LiveObjectChange& o : d->objects) {
        QString item = QStringLiteral("<b>%1</b> — %2")
                           .arg(esc(o.displayName()), esc(gitops::liveChangeName(o.change)));
        if (o.change == gitops::LiveObjectChange::Change::LeftInPlace)
            item += tr(" (not in #%1; the rollback does not prune it)").arg(c.id);
        QStringList fields;
        for (const gitops::FieldChange& f : o.fields) {
            if (fields.size() == kMaxFields) {
                fields << tr("… and %n more field(s)", nullptr, int(o.fields.size()) - kMaxFields);
                break;
            }
            QString text;
            switch (f.kind) {
            case gitops::FieldChange::Kind::Modified:
                text = tr("<code>%1</code>: %2 → <b>%3</b>")
                           .arg(esc(f.path), esc(f.before), esc(f.after));
                break;
            case gitops::FieldChange::Kind::Added:
                text = tr("<code>%1</code>: set to <b>%2</b>").arg(esc(f.path), esc(f.after));
                break;
            case gitops::FieldChange::Kind::Removed:
                text = tr("<code>%1</code>: removed (was %2)").arg(esc(f.path), esc(f.before));
                break;
            }
            fields << text;
        }
        if (!fields.isEmpty())
            item += QStringLiteral("<br>") + fields.join(QStringLiteral("<br>"));
        items << item;
    }
    html += QStringLiteral("<ul><li>%1</li></ul>").arg(items.join(QStringLiteral("</li><li>")));
    if (d->unchanged > 0)
        html += tr("<p style='color:gray'>%n other object(s) already match the live state. "
                   "Fields only the cluster sets (defaults, controllers) are left out.</p>",
                   nullptr, d->unchanged);
    if (!d->notes.isEmpty())
        html += list(d->notes);
    return html;
}

QString RollbackView::liveOutcome() const {
    const int row = m_key.isEmpty() ? -1 : m_session->store()->indexOf(m_key);
    if (row < 0)
        return {};
    const argocd::HealthStatus health = m_session->store()->at(row).health;
    if (health == argocd::HealthStatus::Healthy)
        return tr("%1 is <b>Healthy</b> again.").arg(esc(m_app.name));
    return tr("Argo CD is deploying it; %1 is <b>%2</b> for now (this updates by itself).")
        .arg(esc(m_app.name), argocd::toString(health));
}

QString RollbackView::instanceModeNote() const {
    if (m_app.instance.isEmpty() ||
        m_session->policy()->mode(m_app.instance) == governance::Mode::ReadWrite)
        return {};
    return tr("%1 is in audit (read-only) mode: the plan will be refused at its first step and "
              "nothing will be sent. Switch the instance to read-write (File → Instances) to run "
              "it.")
        .arg(esc(m_app.instance));
}

void RollbackView::buildPlan() {
    m_plan.reset();
    m_stepStates.clear();
    m_stepRunning = -1;
    m_run.reset();
    const RollbackCandidate* c = selectedCandidate();
    argocd::Client* cl = client();
    if (!c || !cl || !m_appJson)
        return;
    // The live row: auto-sync may have been turned off since the tab was opened.
    const int row = m_session->store()->indexOf(m_key);
    const argocd::AppSummary summary = row >= 0 ? m_session->store()->at(row) : m_app;
    QString automated;
    const Json& policy = member(member(*m_appJson, "spec"), "syncPolicy");
    if (policy.contains("automated") && !policy["automated"].is_null())
        automated = QString::fromStdString(policy["automated"].dump());
    m_plan = analysis::planArgoRollback(*cl, summary, c->id, c->revision, {}, automated);
    m_stepStates.resize(m_plan->steps.size());
}

void RollbackView::renderPlan() {
    if (!m_plan) {
        m_planText->setHtml(
            m_ranking && m_ranking->candidates.isEmpty()
                ? tr("<p style='color:gray'>No plan: there is no earlier deployment.</p>")
                : QString());
        return;
    }
    const analysis::RollbackPlan& plan = *m_plan;
    QString html = QStringLiteral("<style>h3{margin-bottom:2px} h4{margin-top:12px;"
                                  "margin-bottom:2px} .mono{font-family:monospace}</style>");

    // The outcome of the last run first: it is what the reader came back for.
    if (m_run) {
        const PlanRun& run = *m_run;
        if (run.completed) {
            html += QStringLiteral("<p style='background:#e6f4ea;padding:6px'>%1</p>")
                        .arg(colored(kGreen,
                                     tr("<b>✓ Rollback to %1 sent.</b> All %n step(s) were "
                                        "approved, accepted by Argo CD and recorded in the audit "
                                        "log. %2 Then do the follow-ups below.",
                                        nullptr, int(plan.steps.size()))
                                         .arg(esc(m_runTarget), liveOutcome())));
        } else {
            const int at = run.stoppedAt;
            const QString title =
                at >= 0 && at < plan.steps.size() ? plan.steps[at].title : QString();
            const bool nothingSent = at <= 0;
            const bool refused = at >= 0 && at < run.steps.size() &&
                                 run.steps[at].state == StepOutcome::State::Refused;
            QString text =
                refused
                    ? tr("<b>✗ Stopped: step %1 (%2) was refused.</b>").arg(at + 1).arg(esc(title))
                    : tr("<b>✗ Stopped: step %1 (%2) failed.</b>").arg(at + 1).arg(esc(title));
            if (at < 0)
                text = tr("<b>✗ The plan did not run.</b>");
            text += QStringLiteral("<br>") + esc(run.stopReason);
            text += QStringLiteral("<br>") +
                    (nothingSent ? tr("Nothing was sent to Argo CD; the application is unchanged.")
                                 : tr("The steps before it were sent (✓ below); later steps were "
                                      "not."));
            html += QStringLiteral("<p style='background:#fce8e6;padding:6px'>%1</p>")
                        .arg(colored(kRed, text));
        }
    }

    html += tr("<h3>Plan: roll %1 back to #%2 (%3) with Argo CD</h3>")
                .arg(esc(m_app.name))
                .arg(plan.historyId)
                .arg(esc(shortRev(plan.revision)));
    if (const QString note = instanceModeNote(); !note.isEmpty() && !m_run)
        html += QStringLiteral("<p>%1</p>").arg(colored(kOrange, note));
    if (m_bad.contains(plan.revision))
        html += QStringLiteral("<p>%1</p>")
                    .arg(colored(kRed, tr("You marked this revision as bad: %1")
                                           .arg(esc(m_bad.value(plan.revision)))));
    if (m_ranking && !m_ranking->candidates.isEmpty() &&
        m_ranking->candidates.first().id != plan.historyId && !m_run)
        html += QStringLiteral("<p>%1</p>")
                    .arg(colored(kOrange,
                                 tr("This is not the best-ranked target: #%1 (%2) "
                                    "scores higher.")
                                     .arg(m_ranking->candidates.first().id)
                                     .arg(esc(shortRev(m_ranking->candidates.first().revision)))));
    if (!plan.available) {
        html += QStringLiteral("<p>%1</p>").arg(colored(kRed, esc(plan.unavailableReason)));
    } else {
        html += tr("<p>Each step is shown to you for approval, recorded in the audit log, and only "
                   "then sent. Sextant stops at the first step that is refused or fails; later "
                   "steps are not sent.</p>");
    }
    html += QStringLiteral("<ol>");
    for (int i = 0; i < plan.steps.size(); ++i) {
        const analysis::PlanStep& step = plan.steps[i];
        QString state;
        const StepOutcome outcome = i < m_stepStates.size() ? m_stepStates[i] : StepOutcome{};
        switch (outcome.state) {
        case StepOutcome::State::Succeeded:
            state = colored(kGreen, tr("✓ approved, accepted by Argo CD"));
            break;
        case StepOutcome::State::Refused:
            state = colored(kRed, tr("✗ refused"));
            break;
        case StepOutcome::State::Failed:
            state = colored(kRed, tr("✗ failed: %1").arg(esc(outcome.message)));
            break;
        case StepOutcome::State::NotRun:
            if (i == m_stepRunning)
                state = colored(kOrange, tr("▶ waiting for approval, then sending…"));
            else if (m_run && !m_run->completed)
                state = colored(QStringLiteral("gray"), tr("not sent"));
            else if (m_running)
                state = colored(QStringLiteral("gray"), tr("waiting"));
            break;
        }
        html +=
            QStringLiteral("<li><b>%1</b>%2<br>%3<br><span class='mono'>%4 %5</span>")
                .arg(esc(step.title), state.isEmpty() ? QString() : QStringLiteral(" — ") + state,
                     esc(step.request.summary), esc(step.request.method),
                     esc(step.request.url.toString()));
        if (!step.request.body.isEmpty())
            html += QStringLiteral("<br><span class='mono' style='color:#555'>%1</span>")
                        .arg(esc(QString::fromUtf8(step.request.body)));
        html += QStringLiteral("</li>");
    }
    html += QStringLiteral("</ol>");
    if (!plan.followUps.isEmpty())
        html += tr("<h4>After the steps (Sextant does not do these for you)</h4>") +
                list(plan.followUps);
    if (!plan.notes.isEmpty())
        html += tr("<h4>Why these steps</h4>") + list(plan.notes);
    m_planText->setHtml(html);
}

void RollbackView::updateButtons() {
    const RollbackCandidate* c = selectedCandidate();
    const bool idle = !m_loading && !m_running;
    m_markBad->setEnabled(c && idle);
    m_markBad->setText(c && m_bad.contains(c->revision) ? tr("Remove the bad mark")
                                                        : tr("Mark revision as bad…"));
    const bool sent = planSent();
    m_runButton->setEnabled(idle && m_plan && m_plan->available && !sent);
    m_runButton->setText(m_running ? tr("Running the plan…")
                         : sent    ? tr("Plan sent (Reload to rank again)")
                                   : tr("Review and run plan…"));
    m_table->setEnabled(!m_running);
    m_revertButton->setEnabled(idle && c && m_appJson && !c->revision.isEmpty());
}

void RollbackView::openRevertPullRequest() {
    const RollbackCandidate* c = selectedCandidate();
    if (!c || !m_appJson)
        return;
    const QString revision = c->revision;
    const qint64 id = c->id;
    m_revertButton->setEnabled(false);
    m_status->setText(
        tr("Drafting the revert of %1 to %2…").arg(esc(m_app.name), esc(revision.left(7))));
    QPointer<RollbackView> self(this);
    m_session->draftRevertChange(
        m_key, *m_appJson, revision, [self, revision, id](Result<ConfigChangeDraft> draft) {
            if (!self)
                return;
            self->updateButtons();
            if (!draft.ok()) {
                self->m_status->setText(
                    QStringLiteral("<span style='color:#b00020'>%1</span> "
                                   "<span style='color:gray'>%2</span>")
                        .arg(esc(tr("No revert pull request: %1").arg(draft.error().shortMessage)),
                             esc(draft.error().details)));
                return;
            }
            auto* dialog = new PrDraftDialog(self->m_session, self);
            dialog->setAttribute(Qt::WA_DeleteOnClose);
            dialog->presentDraft(std::move(draft).value(), tr("Revert %1 to history entry %2 (%3)")
                                                               .arg(self->m_app.name)
                                                               .arg(id)
                                                               .arg(revision.left(7)));
            dialog->show();
            self->updateStatus();
            Q_EMIT self->revertDialogOpened(dialog);
        });
}

void RollbackView::updateLiveState() {
    const int row = m_key.isEmpty() ? -1 : m_session->store()->indexOf(m_key);
    if (row < 0) {
        m_liveState->clear();
        return;
    }
    const argocd::AppSummary& app = m_session->store()->at(row);
    // After a sent rollback the result box says whether it worked yet.
    if (m_run && m_run->completed && app.health != m_liveHealth) {
        m_liveHealth = app.health;
        renderPlan();
    }
    m_liveHealth = app.health;
    QString op;
    if (app.operationPhase != argocd::OperationPhase::None)
        op = tr(" · last operation %1").arg(argocd::toString(app.operationPhase));
    m_liveState->setText(
        tr("<span style='color:gray'>Now:</span> %1 · %2%3")
            .arg(
                colored(models::FleetModel::healthColor(app.health).name(),
                        QStringLiteral("<b>%1</b>").arg(argocd::toString(app.health))),
                colored(models::FleetModel::syncColor(app.sync).name(), argocd::toString(app.sync)),
                op));
}

// ---- Actions ----

void RollbackView::markBadInteractive() {
    const RollbackCandidate* c = selectedCandidate();
    if (!c)
        return;
    if (m_bad.contains(c->revision)) {
        markSelectedBad({});
        return;
    }
    bool ok = false;
    const QString reason = QInputDialog::getText(
        this, tr("Mark revision as bad"),
        tr("Why is %1 (history #%2) bad? This is kept in the local health timeline, shown with "
           "the revision, and demotes it in every later ranking. Nothing is sent to Argo CD.")
            .arg(shortRev(c->revision))
            .arg(c->id),
        QLineEdit::Normal, {}, &ok);
    if (ok && !reason.trimmed().isEmpty())
        markSelectedBad(reason.trimmed());
}

void RollbackView::markSelectedBad(const QString& reason) {
    const RollbackCandidate* c = selectedCandidate();
    if (!c || m_loading)
        return;
    const QString revision = c->revision;
    // The same name the audit log records as the actor.
    const QString by =
        m_session->auditLog() ? m_session->auditLog()->actor() : governance::AuditLog::osUserName();
    const quint64 gen = m_gen;
    QPointer<RollbackView> self(this);
    m_session->withHealthTimeline([self, gen, key = m_key, revision, reason,
                                   by](fleet::HealthTimeline& t) {
        bool ok = false;
        if (t.isOpen())
            ok = reason.isEmpty() ? t.unmarkBad(key, revision)
                                  : t.markBad(key, revision, reason, by);
        const QHash<QString, QString> bad =
            t.isOpen() ? t.badRevisions(key) : QHash<QString, QString>{};
        const QString error = ok ? QString() : t.errorString();
        QMetaObject::invokeMethod(
            qApp,
            [self, gen, revision, reason, ok, bad, error] {
                if (!self || self->m_gen != gen)
                    return;
                if (!ok) {
                    self->m_statusNote = colored(kRed, tr("Could not store the mark for %1: %2")
                                                           .arg(shortRev(revision), esc(error)));
                    self->updateStatus();
                    return;
                }
                self->m_bad = bad;
                self->m_statusNote =
                    reason.isEmpty()
                        ? tr("Removed the bad mark of %1; ranked again.").arg(shortRev(revision))
                        : tr("Marked %1 as bad (“%2”); ranked again.")
                              .arg(shortRev(revision), esc(reason));
                self->rank();
            },
            Qt::QueuedConnection);
    });
}

void RollbackView::reviewAndRun() {
    if (!m_plan || !m_plan->available || m_running)
        return;
    QStringList steps;
    for (int i = 0; i < m_plan->steps.size(); ++i)
        steps << tr("%1. %2").arg(i + 1).arg(m_plan->steps[i].title);
    QMessageBox box(this);
    box.setIcon(QMessageBox::Question);
    box.setWindowTitle(tr("Run the rollback plan"));
    box.setText(tr("Roll %1 back to history #%2 (%3)?")
                    .arg(m_app.name)
                    .arg(m_plan->historyId)
                    .arg(shortRev(m_plan->revision)));
    QString info = tr("Sextant will ask you to approve each of these requests, one at a time, "
                      "and stops at the first one you reject or that fails:\n\n%1")
                       .arg(steps.join(QLatin1Char('\n')));
    if (!m_plan->followUps.isEmpty())
        info += tr("\n\nAfterwards, by you: %1").arg(m_plan->followUps.first());
    box.setInformativeText(info);
    QPushButton* start = box.addButton(tr("Start"), QMessageBox::AcceptRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(start);
    box.exec();
    if (box.clickedButton() == start)
        runPlan();
}

void RollbackView::runPlan() {
    if (!m_plan || m_running)
        return;
    m_running = true;
    m_run.reset();
    m_stepStates = QVector<StepOutcome>(m_plan->steps.size());
    m_stepRunning = -1;
    m_runTarget = tr("#%1 (%2)").arg(m_plan->historyId).arg(shortRev(m_plan->revision));
    m_statusNote.clear();
    renderPlan();
    updateButtons();
    const quint64 gen = m_gen;
    QPointer<RollbackView> self(this);
    m_session->runRollbackPlan(
        *m_plan,
        [self, gen](PlanRun run) {
            if (!self || self->m_gen != gen)
                return;
            self->m_running = false;
            self->m_stepRunning = -1;
            for (int i = 0; i < run.steps.size() && i < self->m_stepStates.size(); ++i)
                self->m_stepStates[i] = run.steps[i];
            const bool completed = run.completed;
            QString why = run.stopReason.section(u'\n', 0, 0).trimmed();
            if (!why.isEmpty() && !why.endsWith(u'.'))
                why += u'.';
            self->m_statusNote =
                completed ? colored(kGreen, tr("<b>Rollback to %1 sent.</b> The ranking above is "
                                               "from before it: Reload to rank again.")
                                                .arg(esc(self->m_runTarget)))
                          : colored(kRed, tr("<b>The rollback plan stopped:</b> %1 Details "
                                             "in the plan panel.")
                                              .arg(esc(why)));
            self->m_run = std::move(run);
            self->renderPlan();
            self->updateStatus();
            self->updateButtons();
            Q_EMIT self->planFinished(completed);
        },
        [self, gen](int step, const StepOutcome& outcome) {
            if (!self || self->m_gen != gen)
                return;
            if (outcome.state == StepOutcome::State::NotRun) {
                self->m_stepRunning = step;
            } else {
                if (step < self->m_stepStates.size())
                    self->m_stepStates[step] = outcome;
                self->m_stepRunning = -1;
            }
            self->renderPlan();
        });
}

} // namespace sextant::ui
