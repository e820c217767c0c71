// Rollback ranking and plans end to end against the in-process simulator over loopback: the demo
// fleet's payments-api ranks history 41 first and its plan brings it back to Healthy; an
// auto-sync application shows Argo CD's refusal for a direct rollback and succeeds with the plan
// that turns auto-sync off first; a rejected approval stops a plan with nothing sent; the audit
// log verifies.

#include "analysis/diagnoser.h"
#include "analysis/evidencecollector.h"
#include "analysis/rollbackplan.h"
#include "analysis/rollbackranker.h"
#include "argocd/appparser.h"
#include "argocd/client.h"
#include "governance/actionmode.h"
#include "governance/approvalgate.h"
#include "governance/auditlog.h"
#include "scriptedapprover.h"
#include "sim/simulator.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace sextant;
using namespace sextant::analysis;
using Json = nlohmann::json;

namespace {

constexpr int kWait = 30000; // upper bound against hangs, never a timing assertion
const QString kInstance = QStringLiteral("prod-eu");

using sextant::test::ScriptedApprover;

bool anyContains(const QStringList& list, const QString& part) {
    for (const QString& s : list)
        if (s.contains(part))
            return true;
    return false;
}

} // namespace

class TestRollbackPlan : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<sim::Simulator> m_sim;
    std::unique_ptr<argocd::Client> m_client;
    QTemporaryDir m_dir;
    std::unique_ptr<governance::AuditLog> m_log;
    governance::InstancePolicy m_policy;
    ScriptedApprover m_approver;
    std::unique_ptr<governance::ApprovalGate> m_gate;

    template <typename T, typename Start>
    std::optional<Result<T>> wait(Start start) {
        std::optional<Result<T>> out;
        start([&out](Result<T> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&out] { return out.has_value(); }, kWait))
            return std::nullopt;
        return out;
    }

    Json application(const QString& name) {
        auto r =
            wait<Json>([&](auto cb) { m_client->getApplication(name, QString(), std::move(cb)); });
        if (!r || !r->ok()) {
            qWarning("getApplication %s failed", qPrintable(name));
            return {};
        }
        return r->value();
    }

    argocd::AppSummary summaryOf(const Json& app) {
        auto s = argocd::parseApplication(app, m_client->instanceId());
        return s.ok() ? s.value() : argocd::AppSummary{};
    }

    RankInput rankInput(const QString& name, bool withDiagnosis) {
        RankInput in;
        in.application = application(name);
        for (const fleet::DeployEntry& e : fleet::DeployEntry::fromApplication(in.application)) {
            auto m = wait<Json>(
                [&](auto cb) { m_client->manifests(name, QString(), e.revision, std::move(cb)); });
            if (m && m->ok())
                in.manifests.insert(e.revision, m->value());
        }
        if (withDiagnosis) {
            EvidenceCollector collector(m_client.get());
            CollectOptions options;
            options.appName = name;
            auto bundle =
                wait<EvidenceBundle>([&](auto cb) { collector.collect(options, std::move(cb)); });
            if (bundle && bundle->ok()) {
                const Diagnoser diagnoser(SignatureCatalogue::builtin());
                in.knownFailures = knownFailuresFrom(diagnoser.diagnose(bundle->value()));
            }
        }
        return in;
    }

    PlanRun runPlan(const RollbackPlan& plan) {
        RollbackPlanRunner runner(m_gate.get(), m_client.get());
        std::optional<PlanRun> out;
        runner.run(plan, [&out](PlanRun r) { out = std::move(r); });
        if (!QTest::qWaitFor([&out] { return out.has_value(); }, kWait)) {
            PlanRun timedOut;
            timedOut.stopReason = QStringLiteral("timed out");
            return timedOut;
        }
        return *out;
    }

    bool waitForHealthy(const QString& name) {
        return QTest::qWaitFor(
            [&] {
                const Json a = application(name);
                return a.is_object() &&
                       a["status"]["health"].value("status", "") == std::string("Healthy") &&
                       a["status"].value("operationState", Json::object()).value("phase", "") ==
                           std::string("Succeeded");
            },
            kWait);
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_sim = std::make_unique<sim::Simulator>();
        const Status s = m_sim->loadDemo();
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        m_sim->setTimeScale(0.01);
        QVERIFY(m_sim->listen().ok());
        for (const sim::InstanceEndpoint& e : m_sim->endpoints()) {
            if (e.name != kInstance)
                continue;
            argocd::InstanceConfig cfg;
            cfg.id = e.name;
            cfg.name = e.name;
            cfg.baseUrl = e.url;
            cfg.requestTimeoutMs = 30000;
            m_client = std::make_unique<argocd::Client>(cfg);
            m_client->setToken(e.token);
        }
        QVERIFY(m_client);
        m_log = std::make_unique<governance::AuditLog>(
            m_dir.filePath(QStringLiteral("audit.jsonl")), QStringLiteral("tester"));
        m_policy.setMode(kInstance, governance::Mode::ReadWrite);
        m_gate = std::make_unique<governance::ApprovalGate>(m_log.get(), &m_policy, &m_approver);
    }

    void cleanupTestCase() {
        m_gate.reset();
        m_client.reset();
        m_sim.reset();
    }

    void init() {
        m_approver.approve = true;
        m_approver.seen.clear();
    }

    void ranksPaymentsApi() {
        const RollbackRanking r =
            RollbackRanker().rank(rankInput(QStringLiteral("payments-api"), true));
        QCOMPARE(r.currentHistoryId, 42);
        QVERIFY(!r.candidates.isEmpty());
        const RollbackCandidate& top = r.candidates.first();
        QVERIFY2(top.id == 41, qPrintable(QString::fromStdString(r.toJson().dump(2))));
        QVERIFY(!top.reasons.isEmpty());
        QVERIFY(anyContains(top.reasons, QStringLiteral("the deployment just before the current")));
        QVERIFY(anyContains(top.reasons, QStringLiteral("1 object differs from now")));
        QCOMPARE(top.images,
                 QStringList{QStringLiteral("registry.example.com/payments/api:v3.8.2")});
        for (const RollbackCandidate& c : r.candidates)
            QVERIFY(c.id != 42);
        QVERIFY(anyContains(r.notes, QStringLiteral("No local health timeline")));
    }

    void ranksShopCheckoutAwayFromTheBadImage() {
        const RollbackRanking r =
            RollbackRanker().rank(rankInput(QStringLiteral("shop-checkout"), true));
        QCOMPARE(r.currentHistoryId, 19);
        QVERIFY2(r.candidates.size() == 2 && r.candidates.first().id == 18,
                 qPrintable(QString::fromStdString(r.toJson().dump(2))));
        QCOMPARE(r.candidates.first().images,
                 QStringList{QStringLiteral("registry.example.com/shop/checkout:v2.14.0")});
    }

    void rejectedApprovalStopsThePlanWithNothingSent() {
        const Json app = application(QStringLiteral("shop-checkout"));
        const RollbackPlan plan =
            planArgoRollback(*m_client, summaryOf(app), 18, QStringLiteral("8d2e4f6a"));
        QCOMPARE(plan.steps.size(), 2); // no auto-sync: dry run, rollback
        QSignalSpy served(m_sim.get(), &sim::Simulator::requestServed);
        m_approver.approve = false;
        const PlanRun run = runPlan(plan);
        QVERIFY(!run.completed);
        QCOMPARE(run.stoppedAt, 0);
        QVERIFY(run.steps[0].state == StepOutcome::State::Refused);
        QVERIFY2(run.stopReason.contains(QStringLiteral("rejected")), qPrintable(run.stopReason));
        QVERIFY(run.steps[1].state == StepOutcome::State::NotRun);
        QCOMPARE(m_approver.seen.size(), 1); // the second step was never submitted
        for (const QList<QVariant>& call : served)
            QCOMPARE(call.at(1).toString(), QStringLiteral("GET"));
    }

    void paymentsApiPlanHeals() {
        const Json app = application(QStringLiteral("payments-api"));
        QCOMPARE(app["status"]["health"].value("status", ""), std::string("Degraded"));
        const argocd::AppSummary summary = summaryOf(app);
        QVERIFY(!summary.autoSync);
        const RollbackPlan plan = planArgoRollback(
            *m_client, summary, 41, QStringLiteral("7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b"));
        QCOMPARE(plan.steps.size(), 2);
        QVERIFY(plan.steps[0].request.body.contains("\"dryRun\":true"));
        QVERIFY(plan.steps[1].request.body.contains("\"dryRun\":false"));
        QVERIFY(plan.steps[1].request.production); // typed confirmation through the gate
        QVERIFY(anyContains(plan.followUps, QStringLiteral("revert pull request")));
        QVERIFY(anyContains(plan.followUps, QStringLiteral("on the Rollback tab drafts it")));

        const PlanRun run = runPlan(plan);
        QVERIFY2(run.completed, qPrintable(run.stopReason));
        QCOMPARE(m_approver.seen.size(), 2);
        QVERIFY(waitForHealthy(QStringLiteral("payments-api")));
        const Json after = application(QStringLiteral("payments-api"));
        const auto history = fleet::DeployEntry::fromApplication(after);
        QCOMPARE(history.last().revision,
                 QStringLiteral("7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b"));
        QCOMPARE(after["status"]["sync"].value("status", ""), std::string("OutOfSync"));
    }

    void autoSyncRefusalThenPlanThatTurnsItOff() {
        const QString name = QStringLiteral("platform-ingress");
        const Json app = application(name);
        const argocd::AppSummary summary = summaryOf(app);
        QVERIFY(summary.autoSync);
        const auto history = fleet::DeployEntry::fromApplication(app);
        QVERIFY(history.size() >= 2);
        const fleet::DeployEntry target = history[history.size() - 2];

        // A direct rollback: Argo CD refuses while auto-sync is on.
        RollbackPlan direct;
        direct.target = summary.appNamespace + QLatin1Char('/') + name;
        direct.steps.append(
            {QStringLiteral("Roll back"), m_client->prepareRollback(summary, target.id)});
        const PlanRun refused = runPlan(direct);
        QVERIFY(!refused.completed);
        QVERIFY(refused.steps[0].state == StepOutcome::State::Failed);
        QVERIFY2(refused.stopReason.contains(
                     QStringLiteral("rollback cannot be initiated when auto-sync is enabled")),
                 qPrintable(refused.stopReason));

        // Ranking says so too.
        RankInput in;
        in.application = app;
        QVERIFY(RollbackRanker().rank(in).autoSync);

        const QString automated = QString::fromStdString(
            app["spec"]["syncPolicy"].value("automated", Json::object()).dump());
        const RollbackPlan plan =
            planArgoRollback(*m_client, summary, target.id, target.revision, {}, automated);
        QCOMPARE(plan.steps.size(), 3);
        QCOMPARE(plan.steps[0].request.method, QStringLiteral("PATCH"));
        QVERIFY(anyContains(plan.followUps, QStringLiteral("Turn auto-sync back on")));
        const PlanRun run = runPlan(plan);
        QVERIFY2(run.completed, qPrintable(run.stopReason));
        QVERIFY(waitForHealthy(name));
        const Json after = application(name);
        QVERIFY(!after["spec"].value("syncPolicy", Json::object()).contains("automated"));
        QCOMPARE(fleet::DeployEntry::fromApplication(after).last().revision, target.revision);
    }

    void gitRevertPlanIsDescribedButUnavailable() {
        const Json app = application(QStringLiteral("shop-checkout"));
        const RollbackPlan plan = planGitRevert(summaryOf(app), 18, QStringLiteral("8d2e4f6a1b3c"),
                                                QStringLiteral("c4b8a2f6e0d4"));
        QVERIFY(!plan.available);
        QVERIFY(plan.steps.isEmpty());
        QVERIFY(plan.unavailableReason.contains(QStringLiteral("Revert pull request")));
        QVERIFY(plan.toMarkdown().contains(QStringLiteral("Unavailable")));
        const PlanRun run = runPlan(plan);
        QVERIFY(!run.completed);
        QVERIFY(run.stopReason.contains(QStringLiteral("Revert pull request")));
    }

    void crdAddedSinceIsARisk() {
        // A scripted history where revision 3 added a CRD (resource `since: 3`).
        sim::Simulator lab;
        const QByteArray yaml =
            "instances: [{name: lab}]\n"
            "applications:\n"
            "  - name: widgets-operator\n"
            "    instance: lab\n"
            "    destination: {server: https://kubernetes.default.svc, namespace: widgets}\n"
            "    source: {repoURL: https://git.example.com/widgets.git, path: deploy, "
            "targetRevision: main}\n"
            "    resources:\n"
            "      - {group: apps, kind: Deployment, name: operator, images: [\"reg/w:v2.1\"]}\n"
            "      - {group: apiextensions.k8s.io, kind: CustomResourceDefinition,\n"
            "         name: widgets.example.com, since: 3}\n"
            "    status:\n"
            "      history:\n"
            "        - {id: 1, revision: 1111111111111111111111111111111111111111, deployedAt: "
            "-5d, images: [\"reg/w:v1.0\"]}\n"
            "        - {id: 2, revision: 2222222222222222222222222222222222222222, deployedAt: "
            "-3d, images: [\"reg/w:v1.1\"]}\n"
            "        - {id: 3, revision: 3333333333333333333333333333333333333333, deployedAt: "
            "-1d, images: [\"reg/w:v2.0\"]}\n"
            "        - {id: 4, revision: 4444444444444444444444444444444444444444, deployedAt: "
            "-2h, images: [\"reg/w:v2.1\"]}\n";
        const Status loaded = lab.loadScenarioYaml(yaml);
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().toString()));
        QVERIFY(lab.listen().ok());
        const sim::InstanceEndpoint ep = lab.endpoints().first();
        argocd::InstanceConfig cfg;
        cfg.id = ep.name;
        cfg.name = ep.name;
        cfg.baseUrl = ep.url;
        argocd::Client client(cfg);
        client.setToken(ep.token);
        const QString name = QStringLiteral("widgets-operator");

        RankInput in;
        auto app = wait<Json>([&](auto cb) { client.getApplication(name, {}, std::move(cb)); });
        QVERIFY(app && app->ok());
        in.application = app->value();
        for (const fleet::DeployEntry& e : fleet::DeployEntry::fromApplication(in.application)) {
            auto m =
                wait<Json>([&](auto cb) { client.manifests(name, {}, e.revision, std::move(cb)); });
            QVERIFY(m && m->ok());
            in.manifests.insert(e.revision, m->value());
        }
        const RollbackRanking r = RollbackRanker().rank(in);
        QVERIFY2(r.candidates.size() == 3 && r.candidates.first().id == 3,
                 qPrintable(QString::fromStdString(r.toJson().dump(2))));
        QVERIFY(r.candidates.first().risks.isEmpty());
        for (int i = 1; i < 3; ++i) {
            const RollbackCandidate& c = r.candidates[i];
            QVERIFY2(anyContains(c.risks, QStringLiteral("CRD widgets.example.com was added since: "
                                                         "rolling back leaves it")),
                     qPrintable(c.risks.join(QLatin1Char('|'))));
            QCOMPARE(c.changedObjects, 2);
        }
    }

    void auditLogVerifies() {
        const governance::VerifyReport report = governance::AuditLog::verify(m_log->path());
        QVERIFY2(report.ok, qPrintable(report.problem));
        // requested/rejected (1 step), requested/approved/succeeded x2 (payments-api),
        // requested/approved/failed (direct rollback), requested/approved/succeeded x3.
        QCOMPARE(report.entries, qint64(2 + 6 + 3 + 9));
        QFile f(m_log->path());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray log = f.readAll();
        QVERIFY(log.contains("\"phase\":\"rejected\""));
        QVERIFY(log.contains("\"phase\":\"failed\""));
        QVERIFY(log.contains("typed confirmation matched"));
    }
};

QTEST_GUILESS_MAIN(TestRollbackPlan)
#include "tst_rollbackplan.moc"
