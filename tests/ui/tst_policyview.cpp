// The Policy tab end to end: a ConsoleSession connected over loopback HTTP to the in-process
// simulator's demo fleet; opening payments-api's Policy tab fetches its rendered manifests,
// checks them off the GUI thread and shows the results most severe first with counts, the
// selected rule's rationale, equivalents and fix; custom rule files run too (and a bad one is an
// error, not a crash); an application whose manifests pass shows the empty state. Screenshots
// land in <build>/screenshots/policy-*.png.
#include "appdetailview.h"
#include "consolesession.h"
#include "demosession.h"
#include "fleet/fleetstore.h"
#include "gitfixtures.h"
#include "gitops/gitremotes.h"
#include "policy/policypack.h"
#include "policyresultsmodel.h"
#include "policyview.h"
#include "sim/simulator.h"

#include <QFile>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>

using namespace sextant;
using models::PolicyResultsModel;
using ui::AppDetailView;
using ui::PolicyView;

namespace {

constexpr int kWait = 30000; // an upper bound against hangs, never a timing assertion
const QString kPayments = QStringLiteral("prod-eu/argocd/payments-api");

using sextant::test::screenshotDir;

void grabTo(QWidget& widget, const QString& name) {
    QTest::qWait(50);
    widget.grab().save(screenshotDir() + QStringLiteral("/") + name);
}

// One instance with an application whose only object is a plain ConfigMap.
const QByteArray kCleanScenario = R"(instances:
  - name: lab
    username: admin
    password: lab-demo
clusters:
  - name: lab-cluster
    server: https://api.lab.k8s.example.net:6443
    instances: [lab]
projects:
  - name: lab
    sourceRepos: ["*"]
    destinations: [{server: "*", namespace: lab}]
applications:
  - name: settings
    instance: lab
    project: lab
    destination: {name: lab-cluster, namespace: lab}
    source: {repoURL: https://git.example.com/lab/settings.git, path: deploy, targetRevision: main}
    resources:
      - {kind: ConfigMap, name: settings, data: {LOG_FORMAT: json}}
)";

} // namespace

class TestPolicyView : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    sim::Simulator m_sim;
    ui::ConsoleSession* m_session = nullptr;

    void openPolicy(AppDetailView& view, const QString& key) {
        view.resize(1400, 900);
        view.show();
        view.showApplication(key);
        view.tabs()->setCurrentIndex(AppDetailView::PolicyTab);
        // Opening the tab is the demand.
        QTRY_VERIFY_WITH_TIMEOUT(view.policy()->hasResult() || view.policy()->lastError().isError(),
                                 kWait);
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantPolicyViewTest"));
        QVERIFY(m_dir.isValid());
        QVERIFY(m_sim.loadDemo().ok());
        QVERIFY(m_sim.listen().ok());
        m_session = test::sessionIn(m_dir, this);
        test::connectDemo(*m_session, m_sim);
        QTRY_VERIFY_WITH_TIMEOUT(m_session->store()->indexOf(kPayments) >= 0, kWait);
    }

    void cleanupTestCase() {
        delete m_session;
        m_session = nullptr;
    }

    void notFetchedUntilOpened() {
        QSignalSpy served(&m_sim, &sim::Simulator::requestServed);
        AppDetailView view(m_session, nullptr);
        view.showApplication(kPayments);
        QTest::qWait(200);
        for (const QList<QVariant>& r : served)
            QVERIFY2(!r.value(2).toString().endsWith(QLatin1String("/manifests")),
                     qPrintable(r.value(2).toString()));
        QVERIFY(!view.policy()->hasResult());
        QCOMPARE(view.tabs()->tabText(AppDetailView::PolicyTab), QStringLiteral("Policy"));
    }

    void paymentsApiReport() {
        AppDetailView view(m_session, nullptr);
        QSignalSpy served(&m_sim, &sim::Simulator::requestServed);
        openPolicy(view, kPayments);
        PolicyView* p = view.policy();
        QVERIFY2(p->hasResult(), qPrintable(p->lastError().details));
        // Fetched through the instance's client: GET .../applications/payments-api/manifests.
        bool fetched = false;
        for (const QList<QVariant>& r : served)
            fetched = fetched || (r.value(1).toString() == QLatin1String("GET") &&
                                  r.value(2).toString().endsWith(
                                      QLatin1String("/applications/payments-api/manifests")));
        QVERIFY(fetched);
        QVERIFY(p->objectCount() >= 1);
        QCOMPARE(p->ruleCount(), int(policy::PolicyPack::builtin().rules().size()));
        PolicyResultsModel* m = p->model();
        QVERIFY(m->rowCount() > 0);
        QVERIFY(p->resultsView()->isVisible());
        // Most severe first.
        for (int row = 1; row < m->rowCount(); ++row)
            QVERIFY(m->result(row - 1)->severity >= m->result(row)->severity);
        // The simulator's Deployment sets no securityContext: it runs as root, which is an
        // error of run-as-non-root for its container.
        int runAsRoot = -1;
        for (int row = 0; row < m->rowCount(); ++row)
            if (m->result(row)->rule == QLatin1String("run-as-non-root") &&
                m->result(row)->kind == QLatin1String("Deployment") &&
                m->result(row)->name == QLatin1String("payments-api"))
                runAsRoot = row;
        QVERIFY(runAsRoot >= 0);
        QCOMPARE(m->data(m->index(runAsRoot, PolicyResultsModel::SeverityColumn)).toString(),
                 QStringLiteral("error"));
        QCOMPARE(m->data(m->index(runAsRoot, PolicyResultsModel::ObjectColumn)).toString(),
                 QStringLiteral("Deployment payments/payments-api · container payments-api"));
        // Counts in the status line, and in the tab title.
        const QString status = p->statusLabel()->text();
        QVERIFY2(status.contains(QStringLiteral("%1 results").arg(m->rowCount())),
                 qPrintable(status));
        QVERIFY2(status.contains(QStringLiteral("%1 error").arg(m->count(policy::Severity::Error))),
                 qPrintable(status));
        QCOMPARE(view.tabs()->tabText(AppDetailView::PolicyTab),
                 QStringLiteral("Policy (%1)").arg(m->rowCount()));
        QVERIFY2(status.contains(QStringLiteral("No Git repository is set up for "
                                                "https://git.example.com/payments/api.git")),
                 qPrintable(status));
        // The first result is selected and explained.
        QCOMPARE(p->resultsView()->currentIndex().row(), 0);
        QVERIFY(!p->detailBrowser()->toPlainText().isEmpty());
        grabTo(view, QStringLiteral("policy-results.png"));

        // The selected result: rationale, equivalents, the fix as a diff.
        p->selectRow(runAsRoot);
        const QString detail = p->detailBrowser()->toPlainText();
        const policy::Rule* rule =
            policy::PolicyPack::builtin().find(QStringLiteral("run-as-non-root"));
        QVERIFY(rule);
        QVERIFY2(detail.contains(rule->rationale), qPrintable(detail));
        QVERIFY2(detail.contains(QStringLiteral("Polaris runAsRootAllowed")), qPrintable(detail));
        QVERIFY2(detail.contains(QStringLiteral("Kyverno require-run-as-nonroot")),
                 qPrintable(detail));
        QVERIFY2(detail.contains(QStringLiteral("+        runAsNonRoot: true")) ||
                     detail.contains(QStringLiteral("runAsNonRoot: true")),
                 qPrintable(detail));
        grabTo(view, QStringLiteral("policy-detail.png"));
    }

    void customRulesRunToo() {
        const QString rules = m_dir.filePath(QStringLiteral("team.yaml"));
        {
            QFile f(rules);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("rules:\n  - id: payments-replicas\n    severity: error\n"
                    "    title: Payments runs three replicas\n"
                    "    rationale: A payment in flight must survive a node drain.\n"
                    "    match: {kinds: [apps/Deployment], namespaces: [payments]}\n"
                    "    conditions: {field: spec.replicas, greaterThan: 2}\n"
                    "    message: \"{{name}} runs {{value}} replicas\"\n"
                    "    fix: {field: spec.replicas, value: 3}\n");
        }
        AppDetailView view(m_session, nullptr);
        view.policy()->setCustomRuleFiles({rules});
        openPolicy(view, kPayments);
        PolicyView* p = view.policy();
        QVERIFY2(p->hasResult(), qPrintable(p->lastError().details));
        QCOMPARE(p->ruleCount(), int(policy::PolicyPack::builtin().rules().size()) + 1);
        int row = -1;
        for (int r = 0; r < p->model()->rowCount(); ++r)
            if (p->model()->result(r)->rule == QLatin1String("payments-replicas"))
                row = r;
        QVERIFY(row >= 0);
        QCOMPARE(p->model()->result(row)->message, QStringLiteral("payments-api runs 2 replicas"));
        p->selectRow(row);
        const QString detail = p->detailBrowser()->toPlainText();
        QVERIFY2(detail.contains(QStringLiteral("Custom rule from")), qPrintable(detail));
        QVERIFY2(detail.contains(QStringLiteral("+  replicas: 3")), qPrintable(detail));

        // A broken rule file: the error with its file:line, no results, no crash.
        {
            QFile f(rules);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write("rules:\n  - id: x\n    severity: loud\n");
        }
        view.reload();
        view.tabs()->setCurrentIndex(AppDetailView::PolicyTab);
        QTRY_VERIFY_WITH_TIMEOUT(p->lastError().isError(), kWait);
        QVERIFY(!p->hasResult());
        QCOMPARE(p->model()->rowCount(), 0);
        QVERIFY2(p->detailBrowser()->toPlainText().contains(QStringLiteral("team.yaml:3:")),
                 qPrintable(p->detailBrowser()->toPlainText()));
    }

    void cleanApplicationShowsTheEmptyState() {
        sim::Simulator sim;
        QVERIFY(sim.loadScenarioYaml(kCleanScenario).ok());
        QVERIFY(sim.listen().ok());
        QTemporaryDir dir;
        ui::ConsoleSession session(nullptr, dir.filePath(QStringLiteral("audit.jsonl")));
        session.setKnowledgeBasePath(dir.filePath(QStringLiteral("knowledge.sqlite")));
        session.setHealthTimelinePath(dir.filePath(QStringLiteral("timeline.sqlite")));
        test::connectDemo(session, sim);
        const QString key = QStringLiteral("lab/argocd/settings");
        QTRY_VERIFY_WITH_TIMEOUT(session.store()->indexOf(key) >= 0, kWait);
        AppDetailView view(&session, nullptr);
        openPolicy(view, key);
        PolicyView* p = view.policy();
        QVERIFY2(p->hasResult(), qPrintable(p->lastError().details));
        QCOMPARE(p->objectCount(), 1);
        QCOMPARE(p->model()->rowCount(), 0);
        QVERIFY2(p->statusLabel()->text().contains(QStringLiteral("No policy violations")),
                 qPrintable(p->statusLabel()->text()));
        QCOMPARE(view.tabs()->tabText(AppDetailView::PolicyTab), QStringLiteral("Policy ✓"));
        QVERIFY(p->resultsView()->isHidden()); // no empty grid
        QVERIFY2(p->detailBrowser()->toPlainText().contains(
                     QStringLiteral("every rule of the pack passes")),
                 qPrintable(p->detailBrowser()->toPlainText()));
        grabTo(view, QStringLiteral("policy-empty.png"));
    }

    // Last: the remote stays set up in the session for the rest of the run.
    void rulesOfTheConfigRepositoryRun() {
        // payments-api follows https://git.example.com/payments/api.git, path chart, main.
        test::GitWorkRepo repo(m_dir.filePath(QStringLiteral("payments-api-repo")));
        QVERIFY(repo.init());
        const QByteArray rule = "rules:\n  - id: ID\n    severity: warning\n    title: t\n"
                                "    rationale: r\n    match: {kinds: [Deployment]}\n"
                                "    conditions: {field: metadata.labels.owner, exists: true}\n"
                                "    message: \"{{name}} names no owner (ID)\"\n";
        QVERIFY(repo.write(QStringLiteral(".sextant/policy/org.yaml"),
                           QByteArray(rule).replace("ID", "org-owner")));
        QVERIFY(repo.write(QStringLiteral("chart/.sextant/policy/chart.yml"),
                           QByteArray(rule).replace("ID", "chart-owner")));
        // Not on the way from chart/ to the root: not read.
        QVERIFY(repo.write(QStringLiteral("other/.sextant/policy/other.yaml"),
                           QByteArray(rule).replace("ID", "other-owner")));
        QVERIFY(repo.write(QStringLiteral("chart/Chart.yaml"), "name: payments-api\n"));
        // One waiver in force, one expired (it waives nothing and is reported).
        QVERIFY(repo.write(QStringLiteral(".sextant-waivers.yaml"),
                           "waivers:\n"
                           "  - rule: org-owner\n    object: {name: payments-api}\n"
                           "    reason: owner set by the platform\n    owner: team-payments\n"
                           "    expires: 2099-12-31\n"
                           "  - rule: chart-owner\n    reason: old\n    owner: team-old\n"
                           "    expires: 2020-01-31\n"));
        const QString sha = repo.commit(QStringLiteral("policy"));
        QVERIFY(!sha.isEmpty());
        gitops::GitRemote remote;
        remote.repoURL = QStringLiteral("https://git.example.com/payments/api.git");
        remote.cloneURL = test::fileUrl(repo.dir());
        remote.provider.kind = gitops::ProviderKind::GitHub;
        remote.provider.owner = QStringLiteral("payments");
        remote.provider.repo = QStringLiteral("api");
        m_session->addEphemeralGitRemote(remote, QStringLiteral("unused-token"));

        AppDetailView view(m_session, nullptr);
        openPolicy(view, kPayments);
        PolicyView* p = view.policy();
        QVERIFY2(p->hasResult(), qPrintable(p->lastError().details));
        QCOMPARE(p->ruleCount(), int(policy::PolicyPack::builtin().rules().size()) + 2);
        QStringList custom;
        for (int r = 0; r < p->model()->rowCount(); ++r)
            if (p->model()->result(r)->rule.endsWith(QLatin1String("-owner")))
                custom << p->model()->result(r)->message;
        custom.sort();
        QCOMPARE(custom, QStringList{"payments-api names no owner (chart-owner)"});
        QCOMPARE(p->waivedCount(), 1);
        const QString status = p->statusLabel()->text();
        QVERIFY2(status.contains(QStringLiteral("2 custom rule files and 1 waiver file from "
                                                "https://git.example.com/payments/api.git at %1")
                                     .arg(sha.left(7))),
                 qPrintable(status));
        QVERIFY2(status.contains(QStringLiteral("1 result waived by the repository's waivers "
                                                "(owners: team-payments)")),
                 qPrintable(status));
        QVERIFY2(status.contains(QStringLiteral("api/.sextant-waivers.yaml:7 (chart-owner): "
                                                "expired 2020-01-31")),
                 qPrintable(status));
        grabTo(view, QStringLiteral("policy-repository-rules.png"));
    }
};

QTEST_MAIN(TestPolicyView)
#include "tst_policyview.moc"
