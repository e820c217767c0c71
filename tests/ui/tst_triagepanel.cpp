// Incident triage in the console, end to end: a ConsoleSession connected over loopback HTTP to
// the in-process simulator's demo fleet; the application detail view's Triage tab collects the
// evidence, diagnoses it and shows the findings. Every scripted demo failure must come out with
// the right root cause and its evidence; clicking an evidence line leads to its source; the
// annotation goes through the approval gate and the audit log. Screenshots land in
// <build>/screenshots/.
#include "ai/llmconfig.h"
#include "analysis/diagnoser.h"
#include "analysis/evidence.h"
#include "analysis/knowledgebase.h"
#include "appdetailpane.h"
#include "appdetailview.h"
#include "consolesession.h"
#include "demosession.h"
#include "findingsmodel.h"
#include "fleet/fleetstore.h"
#include "governance/actionmode.h"
#include "governance/approvalgate.h"
#include "governance/auditlog.h"
#include "scriptedapprover.h"
#include "sim/simulator.h"
#include "triagepanel.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>
#include <QTreeView>
#include <QTreeWidget>

using namespace sextant;
using ui::AppDetailView;
using ui::TriagePanel;

namespace {

using sextant::test::screenshotDir;

using sextant::test::ScriptedApprover;

// The smallest OpenAI-compatible chat completions server: answers every POST with `answer`
// (non-streamed) and keeps the request bodies it received.
class ChatServer : public QObject {
public:
    ChatServer() {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, this, [this, s] { serve(s); });
            }
        });
        m_server.listen(QHostAddress::LocalHost);
    }
    QUrl baseUrl() const {
        return QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(m_server.serverPort()));
    }
    QString answer;
    QList<QByteArray> bodies;

private:
    void serve(QTcpSocket* s) {
        QByteArray& buf = m_buffers[s];
        buf += s->readAll();
        const qsizetype end = buf.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        qsizetype length = 0;
        for (const QByteArray& line : buf.left(end).split('\n'))
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        if (buf.size() < end + 4 + length)
            return;
        bodies << buf.mid(end + 4, length);
        const QJsonObject message{{QStringLiteral("role"), QStringLiteral("assistant")},
                                  {QStringLiteral("content"), answer}};
        const QJsonObject choice{{QStringLiteral("index"), 0},
                                 {QStringLiteral("message"), message},
                                 {QStringLiteral("finish_reason"), QStringLiteral("stop")}};
        const QByteArray body =
            QJsonDocument(QJsonObject{{QStringLiteral("id"), QStringLiteral("c1")},
                                      {QStringLiteral("model"), QStringLiteral("test")},
                                      {QStringLiteral("choices"), QJsonArray{choice}}})
                .toJson(QJsonDocument::Compact);
        s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                 QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        s->disconnectFromHost();
        m_buffers.remove(s);
    }
    QTcpServer m_server;
    QHash<QTcpSocket*, QByteArray> m_buffers;
};

QString describe(const analysis::Diagnosis& d) {
    QStringList out;
    for (const auto& f : d.findings)
        out << QStringLiteral("%1 %2 (%3)").arg(f.category).arg(f.confidence).arg(f.summary);
    return out.join(QStringLiteral("\n"));
}

} // namespace

class TestTriagePanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantTriageTest"));
        QVERIFY(m_dir.isValid());
        QVERIFY(m_sim.loadDemo().ok());
        m_sim.setTimeScale(0.01);
        QVERIFY(m_sim.listen().ok());
        m_session = new ui::ConsoleSession(this, m_dir.filePath(QStringLiteral("audit.jsonl")));
        m_session->setKnowledgeBasePath(m_dir.filePath(QStringLiteral("knowledge.sqlite")));
        m_session->setApprover(&m_approver);
        test::connectDemo(*m_session, m_sim);
        QTRY_VERIFY_WITH_TIMEOUT(
            m_session->store()->indexOf(QStringLiteral("prod-us/argocd/inventory-api")) >= 0 &&
                m_session->store()->indexOf(QStringLiteral("prod-eu/argocd/payments-api")) >= 0,
            30000);
    }

    void scriptedFailures_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QStringList>("accepted"); // top finding's category, any of these
        QTest::addColumn<QString>("evidence");     // text the shown evidence must contain
        QTest::newRow("shop-checkout")
            << QStringLiteral("prod-eu/argocd/shop-checkout")
            << QStringList{QStringLiteral("ImagePullNotFound")} << QStringLiteral("not found");
        QTest::newRow("shop-web") << QStringLiteral("prod-eu/argocd/shop-web")
                                  << QStringList{QStringLiteral("MissingConfigKey")}
                                  << QStringLiteral("LOG_LEVEL");
        QTest::newRow("shop-cart")
            << QStringLiteral("prod-eu/argocd/shop-cart")
            << QStringList{QStringLiteral("QuotaExceeded")} << QStringLiteral("exceeded quota");
        QTest::newRow("payments-api")
            << QStringLiteral("prod-eu/argocd/payments-api")
            << QStringList{QStringLiteral("CrashLoop"), QStringLiteral("AppRuntimeError")}
            << QStringLiteral("DATABASE_POOL_SIZE");
        QTest::newRow("orders-api")
            << QStringLiteral("prod-us/argocd/orders-api")
            << QStringList{QStringLiteral("HookFailed"), QStringLiteral("JobFailed")}
            << QStringLiteral("db-migrate");
        QTest::newRow("inventory-api")
            << QStringLiteral("prod-us/argocd/inventory-api")
            << QStringList{QStringLiteral("OutOfSyncDrift")} << QStringLiteral("inventory-api");
        QTest::newRow("billing-api")
            << QStringLiteral("prod-eu/argocd/billing-api")
            << QStringList{QStringLiteral("SyncWindowBlocked")} << QStringLiteral("window");
    }

    void scriptedFailures() {
        QFETCH(QString, key);
        QFETCH(QStringList, accepted);
        QFETCH(QString, evidence);
        QTRY_VERIFY_WITH_TIMEOUT(m_session->store()->indexOf(key) >= 0, 20000);
        AppDetailView view(m_session, nullptr);
        view.resize(1400, 900);
        view.show();
        view.showApplication(key);
        // Opening the tab is the demand: the diagnosis starts by itself.
        view.tabs()->setCurrentIndex(AppDetailView::TriageTab);
        TriagePanel* triage = view.triage();
        QTRY_VERIFY_WITH_TIMEOUT(triage->hasResult() || !triage->isRunning(), 30000);
        QVERIFY2(triage->hasResult(), qPrintable(triage->statusLabel()->text()));
        const analysis::Diagnosis* d = triage->diagnosis();
        QVERIFY(!d->findings.isEmpty());
        QVERIFY2(accepted.contains(d->findings.front().category), qPrintable(describe(*d)));
        QVERIFY2(!d->findings.front().evidenceIds.isEmpty(), qPrintable(describe(*d)));
        // The first finding is selected and its evidence is on screen.
        QCOMPARE(triage->findingsView()->currentIndex().row(), 0);
        const QString shown = triage->detailBrowser()->toPlainText();
        QVERIFY2(shown.contains(evidence), qPrintable(shown));
        QVERIFY(shown.contains(QStringLiteral("Remediation")));
        QVERIFY(
            view.tabs()->tabText(AppDetailView::TriageTab).startsWith(QStringLiteral("Triage")));
        // Similar incidents come from the knowledge base once recorded.
        QTRY_VERIFY_WITH_TIMEOUT(
            !triage->detailBrowser()->toPlainText().contains(QStringLiteral("Looking…")), 10000);
        QVERIFY(!triage->markdown().isEmpty());
        QVERIFY(triage->markdown().contains(d->findings.front().category) ||
                triage->markdown().contains(d->findings.front().summary.left(30)));
        QCoreApplication::processEvents();
        view.grab().save(screenshotDir() +
                         QStringLiteral("/triage-%1.png").arg(key.section(QLatin1Char('/'), -1)));
    }

    void healthyApplicationHasNoFinding() {
        // A generated application that is Synced and Healthy with nothing running.
        QString key;
        const auto* store = m_session->store();
        for (int i = 0; i < store->size() && key.isEmpty(); ++i) {
            const auto& a = store->at(i);
            if (a.health == argocd::HealthStatus::Healthy && a.sync == argocd::SyncStatus::Synced &&
                a.operationPhase == argocd::OperationPhase::Succeeded)
                key = a.key();
        }
        QVERIFY(!key.isEmpty());
        AppDetailView view(m_session, nullptr);
        view.showApplication(key);
        view.tabs()->setCurrentIndex(AppDetailView::TriageTab);
        QTRY_VERIFY_WITH_TIMEOUT(view.triage()->hasResult(), 30000);
        const analysis::Diagnosis* d = view.triage()->diagnosis();
        QCOMPARE(d->findings.size(), 1);
        QVERIFY2(d->findings.front().category == QLatin1String("NoIssueFound"),
                 qPrintable(describe(*d)));
        QVERIFY(view.triage()->statusLabel()->text().contains(QStringLiteral("No problem")));

        // What the API cannot show, pasted by the engineer, is diagnosed with the rest.
        view.triage()->addEvidence(
            QStringLiteral("kubectl describe pod"),
            QStringLiteral("Containers:\n  api:\n    State:          Waiting\n"
                           "      Reason:       CrashLoopBackOff\n"
                           "    Last State:     Terminated\n      Reason:       OOMKilled\n"
                           "      Exit Code:    137\n    Restart Count:  7\n"
                           "    Limits:\n      memory:  256Mi\n"));
        QTRY_VERIFY_WITH_TIMEOUT(view.triage()->diagnosis() != d && !view.triage()->isRunning(),
                                 20000);
        const analysis::Diagnosis* again = view.triage()->diagnosis();
        QVERIFY2(again->findings.front().category == QLatin1String("OOMKilled"),
                 qPrintable(describe(*again)));
        QVERIFY(view.triage()->bundle()->text.size() >= 1);
    }

    void evidenceLeadsToItsSource() {
        AppDetailView view(m_session, nullptr);
        view.resize(1400, 900);
        view.show();
        view.showApplication(QStringLiteral("prod-eu/argocd/payments-api"));
        view.tabs()->setCurrentIndex(AppDetailView::TriageTab);
        QTRY_VERIFY_WITH_TIMEOUT(view.triage()->hasResult(), 30000);
        const analysis::Diagnosis* d = view.triage()->diagnosis();
        // A previous-container log line with the panic: the Logs tab opens on that pod,
        // container and previous instance, searching the line.
        const analysis::EvidenceItem* log = nullptr;
        for (const auto& e : d->evidence)
            if (e.source == QLatin1String("log") && e.text.contains(QStringLiteral("panic")) &&
                e.reason == QLatin1String("previous"))
                log = &e;
        QVERIFY2(log, "no previous-container panic line in the evidence");
        Q_EMIT view.triage()->evidenceActivated(*log);
        QCOMPARE(view.tabs()->currentIndex(), int(AppDetailView::LogsTab));
        QTRY_COMPARE_WITH_TIMEOUT(view.podChoice()->currentData().toString(), log->name, 20000);
        QVERIFY(view.previousChoice()->isChecked());
        QVERIFY(view.logSearch()->text().contains(QStringLiteral("panic")));
        QTRY_VERIFY_WITH_TIMEOUT(view.logText()->toPlainText().contains(QStringLiteral("panic")),
                                 20000);

        // An event: the Events tab with that event selected.
        const analysis::EvidenceItem* event = nullptr;
        for (const auto& e : d->evidence)
            if (e.source == QLatin1String("event") && e.warning)
                event = &e;
        QVERIFY(event);
        Q_EMIT view.triage()->evidenceActivated(*event);
        QCOMPARE(view.tabs()->currentIndex(), int(AppDetailView::EventsTab));
        QTRY_VERIFY_WITH_TIMEOUT(view.eventsList()->currentItem() != nullptr, 20000);
        QVERIFY(view.eventsList()->currentItem()->text(6).contains(event->text.left(40)) ||
                event->text.contains(view.eventsList()->currentItem()->text(6)));

        // From the diagnosis to the rollback targets.
        auto* rollback = view.findChild<QPushButton*>(QStringLiteral("triageRollback"));
        QVERIFY(rollback && rollback->isEnabled());
        rollback->click();
        QCOMPARE(view.tabs()->currentIndex(), int(AppDetailView::RollbackTab));

        // A resource health line: the tree with that node selected.
        const analysis::EvidenceItem* health = nullptr;
        for (const auto& e : d->evidence)
            if ((e.source == QLatin1String("health") || e.source == QLatin1String("container")) &&
                e.kind == QLatin1String("Pod"))
                health = &e;
        QVERIFY(health);
        Q_EMIT view.triage()->evidenceActivated(*health);
        QCOMPARE(view.tabs()->currentIndex(), int(AppDetailView::TreeTab));
        QVERIFY(view.treeView()->currentIndex().isValid());
        QVERIFY(view.treeView()->currentIndex().data().toString().contains(health->name));
    }

    void annotateThroughTheApprovalGate() {
        const QString key = QStringLiteral("prod-eu/argocd/shop-web");
        AppDetailView view(m_session, nullptr);
        view.showApplication(key);
        view.tabs()->setCurrentIndex(AppDetailView::TriageTab);
        QTRY_VERIFY_WITH_TIMEOUT(view.triage()->hasResult(), 30000);

        // Audit mode first: refused, nothing sent.
        const int before = m_approver.seen.size();
        view.triage()->annotate();
        QTRY_VERIFY_WITH_TIMEOUT(
            view.triage()->statusLabel()->text().contains(QStringLiteral("not sent")), 10000);
        QCOMPARE(m_approver.seen.size(), before);

        // Read-write: the approver sees the exact PATCH; the simulator stores the annotation.
        m_session->policy()->setMode(QStringLiteral("prod-eu"), governance::Mode::ReadWrite);
        view.triage()->annotate();
        QTRY_VERIFY_WITH_TIMEOUT(
            view.triage()->statusLabel()->text().contains(QStringLiteral("annotation written")),
            10000);
        QCOMPARE(m_approver.seen.size(), before + 1);
        const WriteRequest& w = m_approver.seen.last();
        QCOMPARE(w.method, QStringLiteral("PATCH"));
        QVERIFY(w.body.contains(TriagePanel::kAnalysisAnnotation));
        QVERIFY(w.body.contains("MissingConfigKey"));
        m_session->policy()->setMode(QStringLiteral("prod-eu"), governance::Mode::Audit);

        const auto report = governance::AuditLog::verify(m_session->auditLogPath());
        QVERIFY2(report.ok, qPrintable(report.problem));
        QFile log(m_session->auditLogPath());
        QVERIFY(log.open(QIODevice::ReadOnly));
        QVERIFY(log.readAll().contains(TriagePanel::kAnalysisAnnotation));
    }

    void exportedBundleDiagnosesTheSameOffline() {
        AppDetailView view(m_session, nullptr);
        view.showApplication(QStringLiteral("prod-eu/argocd/shop-checkout"));
        view.tabs()->setCurrentIndex(AppDetailView::TriageTab);
        QTRY_VERIFY_WITH_TIMEOUT(view.triage()->hasResult(), 30000);
        const QString path = m_dir.filePath(QStringLiteral("checkout.json"));
        QVERIFY(view.triage()->exportBundle(path).ok());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        auto bundle = analysis::EvidenceBundle::fromJson(f.readAll());
        QVERIFY2(bundle.ok(), bundle.ok() ? "" : qPrintable(bundle.error().toString()));
        const auto offline = TriagePanel::engine().diagnose(bundle.value());
        QCOMPARE(offline.findings.front().category,
                 view.triage()->diagnosis()->findings.front().category);
    }

    void aiNarrativeAfterPreview() {
        ChatServer server;
        ai::LlmConfig config;
        config.name = QStringLiteral("Test model");
        config.baseUrl = server.baseUrl();
        config.model = QStringLiteral("test");
        config.auth = ai::AuthStyle::None;
        config.stream = false;
        QSettings settings;
        config.save(settings);
        settings.sync();

        AppDetailView view(m_session, nullptr);
        view.resize(1400, 900);
        view.show();
        view.showApplication(QStringLiteral("prod-eu/argocd/payments-api"));
        view.tabs()->setCurrentIndex(AppDetailView::TriageTab);
        QTRY_VERIFY_WITH_TIMEOUT(view.triage()->hasResult(), 30000);
        const analysis::Finding& top = view.triage()->diagnosis()->findings.front();
        const QString e1 = top.evidenceIds.value(0);
        QVERIFY(!e1.isEmpty());
        server.answer = QStringLiteral("## What happened\nThe payments-api containers crash at "
                                       "start on an invalid pool size [%1].\n"
                                       "## Likely causes\nThe database is overloaded as well.\n"
                                       "The commit also broke the cache [E999].\n")
                            .arg(e1);

        // The preview dialog shows the exact request; the test looks at it, then sends.
        QString previewText;
        // A poller, not a blocking wait: the dialog runs its own event loop.
        QTimer poll;
        poll.setInterval(50);
        connect(&poll, &QTimer::timeout, this, [&] {
            QWidget* dialog = QApplication::activeModalWidget();
            if (!dialog)
                return;
            poll.stop();
            dialog->resize(1000, 700);
            dialog->grab().save(screenshotDir() + QStringLiteral("/triage-ai-preview.png"));
            if (auto* body = dialog->findChild<QPlainTextEdit*>(QStringLiteral("aiPreviewBody")))
                previewText = body->toPlainText();
            for (QPushButton* b : dialog->findChildren<QPushButton*>())
                if (b->text() == QLatin1String("Send"))
                    b->click();
        });
        poll.start();
        view.triage()->explainWithAi();
        QTRY_VERIFY_WITH_TIMEOUT(!server.bodies.isEmpty(), 20000);
        QVERIFY(previewText.contains(QStringLiteral("DATABASE_POOL_SIZE")));
        // What was sent is what the preview showed (the request body carries the same text).
        const QJsonObject sent = QJsonDocument::fromJson(server.bodies.first()).object();
        const QJsonArray messages = sent.value(QStringLiteral("messages")).toArray();
        QVERIFY(messages.size() >= 2);
        for (const QJsonValue& m : messages)
            QVERIFY(previewText.contains(
                m.toObject().value(QStringLiteral("content")).toString().left(200)));
        QVERIFY(!server.bodies.first().contains(m_sim.endpoints().first().token.toUtf8()));

        // The narrative: cited claims link to evidence, the others are marked.
        QTRY_VERIFY_WITH_TIMEOUT(
            view.triage()->narrativeBrowser()->toPlainText().contains(QStringLiteral("crash")),
            20000);
        const QString narrative = view.triage()->narrativeBrowser()->toPlainText();
        QVERIFY2(narrative.contains(QStringLiteral("unsupported")), qPrintable(narrative));
        QVERIFY2(narrative.contains(QStringLiteral("does not exist")), qPrintable(narrative));
        QVERIFY(view.triage()->markdown().contains(QStringLiteral("AI narrative")));
        // Ready for another question.
        QVERIFY(view.findChild<QPushButton*>(QStringLiteral("triageAi"))->isEnabled());
        // Sending evidence to a model is recorded in the audit log.
        QFile log(m_session->auditLogPath());
        QVERIFY(log.open(QIODevice::ReadOnly));
        QVERIFY(log.readAll().contains("llm-send"));
        QCoreApplication::processEvents();
        view.grab().save(screenshotDir() + QStringLiteral("/triage-ai-narrative.png"));
        settings.remove(QStringLiteral("ai"));
    }

    void cleanupTestCase() {
        delete m_session;
        m_session = nullptr;
    }

private:
    QTemporaryDir m_dir;
    sim::Simulator m_sim;
    ui::ConsoleSession* m_session = nullptr;
    ScriptedApprover m_approver;
};

QTEST_MAIN(TestTriagePanel)
#include "tst_triagepanel.moc"
