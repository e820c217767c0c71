// The Policy tab with Rego policies: a ConsoleSession connected over loopback HTTP to the
// in-process simulator's demo fleet. Without conftest or opa the tab says that the Rego
// policies were not evaluated (never a silent skip) and still shows the pack's results; with an
// engine its results join the list; an engine that fails is reported next to the pack's results.
// The engines here are shell scripts named by SEXTANT_CONFTEST (conftest cannot be installed on
// the project's machines); one prints conftest's documented JSON for the inputs it is given.
// Screenshots land in <build>/screenshots/policy-rego-*.png.
#include "appdetailview.h"
#include "consolesession.h"
#include "demosession.h"
#include "files.h"
#include "fleet/fleetstore.h"
#include "policyresultsmodel.h"
#include "policyview.h"
#include "sim/simulator.h"

#include <QFile>
#include <QLabel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>

using namespace sextant;
using ui::AppDetailView;
using ui::PolicyView;

namespace {

constexpr int kWait = 30000; // an upper bound against hangs, never a timing assertion
const QString kPayments = QStringLiteral("prod-eu/argocd/payments-api");

using sextant::test::screenshotDir;

using sextant::test::writeFile;

const QByteArray kPolicy = "package main\n\nimport future.keywords.contains\n"
                           "import future.keywords.if\n\n"
                           "deny contains msg if {\n  input.kind == \"Deployment\"\n"
                           "  msg := sprintf(\"%s: deployments need a change ticket\", "
                           "[input.metadata.name])\n}\n";

} // namespace

class TestPolicyViewRego : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    sim::Simulator m_sim;
    ui::ConsoleSession* m_session = nullptr;

    PolicyView* openPolicy(AppDetailView& view, const QStringList& files) {
        view.resize(1400, 900);
        view.show();
        view.policy()->setCustomRuleFiles(files);
        view.showApplication(kPayments);
        view.tabs()->setCurrentIndex(AppDetailView::PolicyTab);
        const PolicyView* p = view.policy();
        if (!QTest::qWaitFor([p] { return p->hasResult() || p->lastError().isError(); }, kWait))
            return nullptr;
        return view.policy();
    }

    QStringList regoFiles(int n) {
        QStringList files;
        for (int i = 0; i < n; ++i) {
            const QString f = m_dir.filePath(QStringLiteral("p%1.rego").arg(i));
            if (writeFile(f, kPolicy))
                files << f;
        }
        return files;
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantPolicyViewRegoTest"));
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
        qunsetenv("SEXTANT_CONFTEST");
        qunsetenv("SEXTANT_OPA");
    }

    void notEvaluatedWithoutEngine() {
        qputenv("SEXTANT_CONFTEST", "/nonexistent/conftest");
        qputenv("SEXTANT_OPA", "/nonexistent/opa");
        AppDetailView view(m_session, nullptr);
        PolicyView* p = openPolicy(view, regoFiles(3));
        QVERIFY(p);
        QVERIFY2(p->hasResult(), qPrintable(p->lastError().details));
        QCOMPARE(p->regoSummary().policies, 3);
        QVERIFY(!p->regoSummary().evaluated);
        const QString status = p->statusLabel()->text();
        QCOMPARE(status.count(QStringLiteral(
                     "3 Rego policies not evaluated: neither conftest nor opa is installed")),
                 1);
        QVERIFY2(!status.contains(QStringLiteral("custom rule file")), qPrintable(status));
        // The built-in pack ran all the same.
        QVERIFY(p->model()->rowCount() > 0);
        for (int r = 0; r < p->model()->rowCount(); ++r)
            QVERIFY(!p->model()->result(r)->rule.startsWith(QLatin1String("rego:")));
        QTest::qWait(50);
        view.grab().save(screenshotDir() + QStringLiteral("/policy-rego-not-evaluated.png"));
    }

    void resultsOfTheEngineJoinTheList() {
        const QString script = m_dir.filePath(QStringLiteral("conftest"));
        QVERIFY(writeFile(script,
                          "#!/bin/sh\n"
                          "out='['; sep=''\n"
                          "for a in \"$@\"; do case \"$a\" in input/*.json)\n"
                          "  if grep -q '\"kind\":\"Deployment\"' \"$a\"; then\n"
                          "    out=\"$out$sep{\\\"filename\\\":\\\"$a\\\",\\\"namespace\\\":"
                          "\\\"main\\\",\\\"successes\\\":0,\\\"failures\\\":[{\\\"msg\\\":"
                          "\\\"deployments need a change ticket\\\",\\\"metadata\\\":{\\\"id\\\":"
                          "\\\"change-ticket\\\"}}]}\"\n"
                          "  else out=\"$out$sep{\\\"filename\\\":\\\"$a\\\",\\\"namespace\\\":"
                          "\\\"main\\\",\\\"successes\\\":1}\"; fi\n"
                          "  sep=',';; esac; done\n"
                          "echo \"$out]\"\n",
                          true));
        qputenv("SEXTANT_CONFTEST", script.toLocal8Bit());
        AppDetailView view(m_session, nullptr);
        PolicyView* p = openPolicy(view, regoFiles(1));
        QVERIFY(p);
        QVERIFY2(p->hasResult(), qPrintable(p->lastError().details));
        QVERIFY(p->regoSummary().evaluated);
        QCOMPARE(p->regoSummary().engine, QStringLiteral("conftest"));
        int row = -1;
        for (int r = 0; r < p->model()->rowCount(); ++r)
            if (p->model()->result(r)->rule == QLatin1String("rego:change-ticket"))
                row = r;
        QVERIFY(row >= 0);
        QCOMPARE(p->model()->result(row)->kind, QStringLiteral("Deployment"));
        QVERIFY(p->statusLabel()->text().contains(
            QStringLiteral("1 Rego policy evaluated with conftest")));
        p->selectRow(row);
        const QString detail = p->detailBrowser()->toPlainText();
        QVERIFY2(detail.contains(QStringLiteral("Rego policy, evaluated with conftest")),
                 qPrintable(detail));
        QTest::qWait(50);
        view.grab().save(screenshotDir() + QStringLiteral("/policy-rego-results.png"));
    }

    void failingEngineIsReported() {
        const QString script = m_dir.filePath(QStringLiteral("conftest-broken"));
        QVERIFY(writeFile(script,
                          "#!/bin/sh\necho 'Error: running test: load: loading policies: "
                          "rego_parse_error' >&2\nexit 1\n",
                          true));
        qputenv("SEXTANT_CONFTEST", script.toLocal8Bit());
        AppDetailView view(m_session, nullptr);
        PolicyView* p = openPolicy(view, regoFiles(1));
        QVERIFY(p);
        QVERIFY2(p->hasResult(), qPrintable(p->lastError().details));
        QVERIFY(p->regoError().isError());
        QVERIFY(p->model()->rowCount() > 0); // the pack's results stand
        const QString status = p->statusLabel()->text();
        QVERIFY2(status.contains(QStringLiteral("The Rego policies could not run: conftest "
                                                "failed (exit code 1)")),
                 qPrintable(status));
        QVERIFY(status.contains(QStringLiteral("rego_parse_error")));
    }
};

QTEST_MAIN(TestPolicyViewRego)
#include "tst_policyviewrego.moc"
