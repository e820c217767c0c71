#include "rollbackplan.h"

#include "argocd/client.h"
#include "governance/approvalgate.h"

namespace sextant::analysis {

namespace {

QString shortRev(const QString& rev) {
    return rev.size() > 12 && !rev.contains(QLatin1Char(',')) ? rev.left(7) : rev;
}

QString targetOf(const argocd::AppSummary& app) {
    return app.appNamespace.isEmpty() ? app.name : app.appNamespace + QLatin1Char('/') + app.name;
}

} // namespace

QString toString(StepOutcome::State state) {
    switch (state) {
    case StepOutcome::State::Succeeded:
        return QStringLiteral("succeeded");
    case StepOutcome::State::Refused:
        return QStringLiteral("refused");
    case StepOutcome::State::Failed:
        return QStringLiteral("failed");
    case StepOutcome::State::NotRun:
        break;
    }
    return QStringLiteral("not run");
}

RollbackPlan planArgoRollback(const argocd::Client& client, const argocd::AppSummary& app,
                              qint64 historyId, const QString& revision,
                              const ArgoRollbackOptions& options, const QString& automatedJson) {
    RollbackPlan plan;
    plan.kind = RollbackPlan::Kind::ArgoRollback;
    plan.target = targetOf(app);
    plan.historyId = historyId;
    plan.revision = revision;
    const QString what = QStringLiteral("history %1 (%2)").arg(historyId).arg(shortRev(revision));

    if (app.autoSync) {
        // Removing `automated` works on every Argo CD version (the CLI's
        // `app set --sync-policy none` does the same); `enabled: false` needs 3.1+.
        const nlohmann::json patch = {{"spec", {{"syncPolicy", {{"automated", nullptr}}}}}};
        plan.steps.append(
            {QStringLiteral("Turn auto-sync off"),
             client.preparePatch(app, patch,
                                 QStringLiteral("Turn auto-sync off for %1 on %2 (needed before "
                                                "a rollback)")
                                     .arg(plan.target, client.instanceName()))});
        plan.notes << QStringLiteral("Auto-sync is on: Argo CD refuses a rollback while it is, and "
                                     "would sync straight back to Git's revision afterwards.");
        QString reenable = QStringLiteral("Turn auto-sync back on once Git matches the "
                                          "rolled-back state");
        if (!automatedJson.isEmpty())
            reenable += QStringLiteral(" (it was: automated %1)").arg(automatedJson);
        plan.followUps << reenable;
    }
    if (options.dryRunFirst)
        plan.steps.append({QStringLiteral("Dry run of the rollback to %1").arg(what),
                           client.prepareRollback(app, historyId, true, options.prune)});
    plan.steps.append({QStringLiteral("Roll back to %1").arg(what),
                       client.prepareRollback(app, historyId, false, options.prune)});
    plan.notes << QStringLiteral("Argo CD's rollback re-applies the entry's sources with the apply "
                                 "strategy: hooks do not run%1.")
                      .arg(options.prune ? QString() : QStringLiteral(" and nothing is pruned"));
    plan.followUps.prepend(
        QStringLiteral("Open a revert pull request so Git matches the cluster again (the "
                       "application stays OutOfSync until then): in the console, \"Revert pull "
                       "request…\" on the Rollback tab drafts it for this entry."));
    return plan;
}

RollbackPlan planGitRevert(const argocd::AppSummary& app, qint64 historyId, const QString& revision,
                           const QString& currentRevision) {
    RollbackPlan plan;
    plan.kind = RollbackPlan::Kind::GitRevert;
    plan.target = targetOf(app);
    plan.historyId = historyId;
    plan.revision = revision;
    plan.available = false;
    plan.unavailableReason =
        QStringLiteral("A pull request, not Argo CD requests: in the console, \"Revert pull "
                       "request…\" on the Rollback tab drafts the revert of the application's "
                       "files to this revision for your review and approval");
    plan.notes << QStringLiteral("Works with auto-sync and self-heal left on: Argo CD deploys the "
                                 "revert like any other commit.");
    plan.followUps
        << QStringLiteral("In %1 (branch %2), revert the commits after %3 up to %4")
               .arg(app.repoURL.isEmpty() ? QStringLiteral("the source repository") : app.repoURL,
                    app.targetRevision.isEmpty() ? QStringLiteral("HEAD") : app.targetRevision,
                    shortRev(revision), shortRev(currentRevision))
        << QStringLiteral("Open a pull request with the revert and get it reviewed and merged")
        << QStringLiteral("Argo CD syncs the merged revert (auto-sync) or a manual sync deploys "
                          "it");
    return plan;
}

QString RollbackPlan::toMarkdown() const {
    QString md = kind == Kind::ArgoRollback
                     ? QStringLiteral("# Argo CD rollback of %1 to history %2 (`%3`)\n\n")
                     : QStringLiteral("# Git revert for %1 back to history %2 (`%3`)\n\n");
    md = md.arg(target).arg(historyId).arg(shortRev(revision));
    if (!available)
        md += QStringLiteral("**Unavailable:** %1\n\n").arg(unavailableReason);
    int n = 0;
    for (const PlanStep& s : steps) {
        md += QStringLiteral("%1. %2 — `%3 %4`")
                  .arg(++n)
                  .arg(s.title, s.request.method, s.request.url.toString(QUrl::FullyEncoded));
        if (!s.request.body.isEmpty())
            md += QStringLiteral(" `%1`").arg(QString::fromUtf8(s.request.body));
        md += QLatin1Char('\n');
    }
    if (!followUps.isEmpty()) {
        md += QStringLiteral("\nAfterwards:\n");
        for (const QString& f : followUps)
            md += QStringLiteral("- %1\n").arg(f);
    }
    for (const QString& note : notes)
        md += QStringLiteral("\n> %1\n").arg(note);
    return md;
}

RollbackPlanRunner::RollbackPlanRunner(governance::ApprovalGate* gate, argocd::Client* client,
                                       QObject* parent)
    : QObject(parent)
    , m_gate(gate)
    , m_client(client) {}

void RollbackPlanRunner::run(const RollbackPlan& plan, Done done) {
    if (m_running || !plan.available || plan.steps.isEmpty()) {
        PlanRun refused;
        refused.stopReason = m_running         ? QStringLiteral("another plan is running")
                             : !plan.available ? plan.unavailableReason
                                               : QStringLiteral("the plan has no steps");
        refused.steps.resize(plan.steps.size());
        QPointer<RollbackPlanRunner> self(this);
        QMetaObject::invokeMethod(
            this,
            [self, done = std::move(done), refused] {
                if (self && done)
                    done(refused);
            },
            Qt::QueuedConnection);
        return;
    }
    m_plan = plan;
    m_done = std::move(done);
    m_run = PlanRun{};
    m_run.steps.resize(plan.steps.size());
    m_index = 0;
    m_running = true;
    next();
}

void RollbackPlanRunner::next() {
    if (m_index >= m_plan.steps.size()) {
        m_running = false;
        m_run.completed = true;
        if (Done done = std::move(m_done))
            done(m_run);
        return;
    }
    const PlanStep& step = m_plan.steps[m_index];
    emit stepStarted(m_index, step.title);
    QPointer<RollbackPlanRunner> self(this);
    m_gate->submit(step.request, [self](Result<ApprovedWrite> approval) {
        if (!self)
            return;
        if (!approval.ok()) {
            self->stop(StepOutcome::State::Refused, approval.error().toString());
            return;
        }
        const ApprovedWrite approved = approval.value();
        self->m_client->execute(approved, [self, approved](Result<nlohmann::json> sent) {
            if (!self)
                return;
            if (!sent.ok()) {
                // The gate writes the failure next to the approval in the audit log.
                self->m_gate->recordOutcome(approved, sent.error());
                // Short message and details: the server's own words (e.g. Argo CD's refusal).
                self->stop(StepOutcome::State::Failed, sent.error().toString());
                return;
            }
            const Status recorded = self->m_gate->recordOutcome(approved, okStatus());
            if (!recorded.ok()) {
                // The write happened but could not be recorded: do not go on unaudited.
                self->m_run.steps[self->m_index] = {StepOutcome::State::Succeeded, {}};
                emit self->stepFinished(self->m_index, self->m_run.steps[self->m_index]);
                ++self->m_index;
                self->stop(StepOutcome::State::Refused,
                           QStringLiteral("the audit log could not record the outcome: ") +
                               recorded.error().shortMessage);
                return;
            }
            self->m_run.steps[self->m_index] = {StepOutcome::State::Succeeded, {}};
            emit self->stepFinished(self->m_index, self->m_run.steps[self->m_index]);
            ++self->m_index;
            self->next();
        });
    });
}

void RollbackPlanRunner::stop(StepOutcome::State state, const QString& message) {
    m_running = false;
    if (m_index < m_run.steps.size()) {
        m_run.steps[m_index] = {state, message};
        emit stepFinished(m_index, m_run.steps[m_index]);
    }
    m_run.stoppedAt = m_index;
    m_run.stopReason = message;
    if (Done done = std::move(m_done))
        done(m_run);
}

} // namespace sextant::analysis
