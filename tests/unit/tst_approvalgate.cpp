#include "governance/approvalgate.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

using namespace sextant;
using namespace sextant::governance;

namespace {

// Answers from a script, synchronously or from the event loop, or holds the question until the
// test answers by hand.
class ScriptedApprover : public Approver {
public:
    QList<ApprovalDecision> answers;
    QList<WriteRequest> asked;
    bool answerLater = false; // from the event loop instead of inside requestApproval
    bool manual = false;      // keep `done` in `pending` for the test to call
    std::function<void(const WriteRequest&)> onAsk;
    std::function<void(ApprovalDecision)> pending;

    void requestApproval(const WriteRequest& request,
                         std::function<void(ApprovalDecision)> done) override {
        asked << request;
        if (onAsk)
            onAsk(request);
        if (manual) {
            pending = std::move(done);
            return;
        }
        const ApprovalDecision decision =
            answers.isEmpty() ? ApprovalDecision{} : answers.takeFirst();
        if (answerLater)
            QTimer::singleShot(0, [done, decision] { done(decision); });
        else
            done(decision);
    }
};

ApprovalDecision approve(QString who = QStringLiteral("bob"), QString typed = {}) {
    ApprovalDecision d;
    d.approved = true;
    d.approver = std::move(who);
    d.comment = QStringLiteral("looks right");
    d.typedConfirmation = std::move(typed);
    return d;
}

WriteRequest syncRequest(const QString& app = QStringLiteral("guestbook"),
                         bool production = false) {
    WriteRequest r;
    r.instanceId = QStringLiteral("prod-eu");
    r.instanceName = QStringLiteral("prod-eu");
    r.action = QStringLiteral("sync");
    r.target = QStringLiteral("argocd/") + app;
    r.summary = QStringLiteral("Sync %1 to HEAD").arg(app);
    r.method = QStringLiteral("POST");
    r.url = QUrl(QStringLiteral("https://argocd.example.com/api/v1/applications/%1/sync").arg(app));
    r.body = QByteArrayLiteral("{\"revision\":\"HEAD\"}");
    r.production = production;
    return r;
}

QList<QJsonObject> entries(const QString& path) {
    QList<QJsonObject> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return out;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray& l : lines) {
        if (!l.isEmpty())
            out << QJsonDocument::fromJson(l).object();
    }
    return out;
}

QStringList phases(const QString& path) {
    QStringList out;
    for (const QJsonObject& e : entries(path))
        out << e.value(QStringLiteral("phase")).toString();
    return out;
}

// Collects one gate callback.
struct Outcome {
    std::optional<Result<ApprovedWrite>> result;
    ApprovalGate::Callback callback() {
        return [this](Result<ApprovedWrite> r) { result.emplace(std::move(r)); };
    }
};

} // namespace

class TestApprovalGate : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
    std::unique_ptr<AuditLog> m_log;
    std::unique_ptr<InstancePolicy> m_policy;
    std::unique_ptr<ScriptedApprover> m_approver;
    std::unique_ptr<ApprovalGate> m_gate;

private slots:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_path = m_dir->filePath(QStringLiteral("audit.jsonl"));
        m_log = std::make_unique<AuditLog>(m_path, QStringLiteral("alice"));
        m_policy = std::make_unique<InstancePolicy>();
        m_approver = std::make_unique<ScriptedApprover>();
        m_gate = std::make_unique<ApprovalGate>(m_log.get(), m_policy.get(), m_approver.get());
    }

    void cleanup() {
        m_gate.reset();
        m_approver.reset();
        m_policy.reset();
        m_log.reset();
        m_dir.reset();
    }

    void modesDefaultToAudit() {
        QVERIFY(m_policy->mode(QStringLiteral("never-seen")) == Mode::Audit);
        QCOMPARE(modeToString(Mode::Audit), QStringLiteral("audit"));
        QCOMPARE(modeToString(Mode::ReadWrite), QStringLiteral("read-write"));
        QVERIFY(modeFromString(u"read-write") == Mode::ReadWrite);
        QVERIFY(modeFromString(u"AUDIT") == Mode::Audit);
        QVERIFY(!modeFromString(u"yolo"));
        m_policy->setMode(QStringLiteral("x"), Mode::ReadWrite);
        QVERIFY(m_policy->mode(QStringLiteral("x")) == Mode::ReadWrite);
        QVERIFY(!m_policy->requiresTypedConfirmation(QStringLiteral("x")));
        m_policy->remove(QStringLiteral("x"));
        QVERIFY(m_policy->mode(QStringLiteral("x")) == Mode::Audit);
    }

    void auditModeRefusesAndRecords() {
        Outcome out;
        m_gate->submit(syncRequest(), out.callback());
        QTRY_VERIFY(out.result.has_value());
        QVERIFY(!out.result->ok());
        QCOMPARE(out.result->error().kind, Error::Kind::Approval);
        QCOMPARE(out.result->error().shortMessage,
                 QStringLiteral("prod-eu is in audit (read-only) mode: switch it to read-write "
                                "in the instance settings to allow changes"));
        QVERIFY(m_approver->asked.isEmpty());
        QCOMPARE(phases(m_path), QStringList{QStringLiteral("refused")});
        QVERIFY(AuditLog::verify(m_path).ok);
    }

    void rejectionIsRecorded() {
        m_policy->setMode(QStringLiteral("prod-eu"), Mode::ReadWrite);
        ApprovalDecision no;
        no.approved = false;
        no.approver = QStringLiteral("bob");
        no.comment = QStringLiteral("not during the freeze");
        m_approver->answers << no;
        Outcome out;
        m_gate->submit(syncRequest(), out.callback());
        QTRY_VERIFY(out.result.has_value());
        QVERIFY(!out.result->ok());
        QCOMPARE(out.result->error().kind, Error::Kind::Approval);
        QCOMPARE(out.result->error().shortMessage, QStringLiteral("Change not approved"));
        QVERIFY(out.result->error().details.contains(QStringLiteral("not during the freeze")));
        QCOMPARE(phases(m_path),
                 (QStringList{QStringLiteral("requested"), QStringLiteral("rejected")}));
        const QJsonObject rejected = entries(m_path).last();
        QCOMPARE(rejected.value(QStringLiteral("actor")).toString(), QStringLiteral("bob"));
        QCOMPARE(rejected.value(QStringLiteral("detail")).toString(),
                 QStringLiteral("not during the freeze"));
        QCOMPARE(entries(m_path).first().value(QStringLiteral("actor")).toString(),
                 QStringLiteral("alice"));
    }

    void approvalIsOnDiskBeforeCallback() {
        m_policy->setMode(QStringLiteral("prod-eu"), Mode::ReadWrite);
        m_approver->answers << approve();
        m_approver->answerLater = true;
        bool called = false;
        QString hashOnDisk;
        QString phaseOnDisk;
        m_gate->submit(syncRequest(), [&](Result<ApprovedWrite> r) {
            called = true;
            QVERIFY(r.ok());
            // Read the file as any other process would, at the moment the write is handed out.
            const QList<QJsonObject> onDisk = entries(m_path);
            QVERIFY(!onDisk.isEmpty());
            hashOnDisk = onDisk.last().value(QStringLiteral("hash")).toString();
            phaseOnDisk = onDisk.last().value(QStringLiteral("phase")).toString();
            QCOMPARE(r->auditEntryHash(), hashOnDisk);
            QCOMPARE(r->approvedBy(), QStringLiteral("bob"));
            QCOMPARE(r->request().target, QStringLiteral("argocd/guestbook"));
            QCOMPARE(r->request().body, QByteArrayLiteral("{\"revision\":\"HEAD\"}"));
            QVERIFY(r->approvedAt().isValid());
            QVERIFY(AuditLog::verify(m_path, hashOnDisk).ok);
        });
        QTRY_VERIFY(called);
        QCOMPARE(phaseOnDisk, QStringLiteral("approved"));
        QCOMPARE(phases(m_path),
                 (QStringList{QStringLiteral("requested"), QStringLiteral("approved")}));
        const QJsonObject approved = entries(m_path).last();
        QCOMPARE(approved.value(QStringLiteral("actor")).toString(), QStringLiteral("bob"));
        QCOMPARE(approved.value(QStringLiteral("request"))
                     .toObject()
                     .value(QStringLiteral("url"))
                     .toString(),
                 QStringLiteral("https://argocd.example.com/api/v1/applications/guestbook/sync"));
    }

    void outcomesAreRecorded() {
        m_policy->setMode(QStringLiteral("prod-eu"), Mode::ReadWrite);
        m_approver->answers << approve() << approve();
        std::optional<ApprovedWrite> first;
        std::optional<ApprovedWrite> second;
        m_gate->submit(syncRequest(QStringLiteral("a")), [&](Result<ApprovedWrite> r) {
            QVERIFY(r.ok());
            first.emplace(r.value());
        });
        m_gate->submit(syncRequest(QStringLiteral("b")), [&](Result<ApprovedWrite> r) {
            QVERIFY(r.ok());
            second.emplace(r.value());
        });
        QTRY_VERIFY(first && second);
        QVERIFY(m_gate->recordOutcome(*first, okStatus(), QStringLiteral("sync started")).ok());
        Error e = Error::make(Error::Kind::Forbidden, QStringLiteral("RBAC denied the sync"));
        e.httpStatus = 403;
        QVERIFY(m_gate->recordOutcome(*second, e).ok());
        const QList<QJsonObject> all = entries(m_path);
        QCOMPARE(phases(m_path),
                 (QStringList{QStringLiteral("requested"), QStringLiteral("approved"),
                              QStringLiteral("requested"), QStringLiteral("approved"),
                              QStringLiteral("succeeded"), QStringLiteral("failed")}));
        QVERIFY(
            all[4].value(QStringLiteral("detail")).toString().contains(first->auditEntryHash()));
        QVERIFY(all[5].value(QStringLiteral("detail")).toString().contains(QStringLiteral("403")));
        QCOMPARE(all[5].value(QStringLiteral("target")).toString(), QStringLiteral("argocd/b"));
        QVERIFY(AuditLog::verify(m_path).ok);
    }

    void productionNeedsTypedConfirmation() {
        m_policy->setMode(QStringLiteral("prod-eu"), Mode::ReadWrite);
        m_approver->answers << approve(QStringLiteral("bob")) // nothing typed
                            << approve(QStringLiteral("bob"), QStringLiteral("guestbook")) // wrong
                            << approve(QStringLiteral("bob"), QStringLiteral("argocd/guestbook"));
        Outcome none, wrong, right;
        m_gate->submit(syncRequest(QStringLiteral("guestbook"), true), none.callback());
        m_gate->submit(syncRequest(QStringLiteral("guestbook"), true), wrong.callback());
        m_gate->submit(syncRequest(QStringLiteral("guestbook"), true), right.callback());
        QTRY_VERIFY(right.result.has_value());
        QVERIFY(none.result && !none.result->ok());
        QCOMPARE(none.result->error().kind, Error::Kind::Approval);
        QVERIFY(none.result->error().shortMessage.contains(QStringLiteral("typed")));
        QVERIFY(none.result->error().details.contains(QStringLiteral("argocd/guestbook")));
        QVERIFY(wrong.result && !wrong.result->ok());
        QVERIFY2(right.result->ok(),
                 qPrintable(right.result->ok() ? QString() : right.result->error().toString()));
        QCOMPARE(phases(m_path),
                 (QStringList{QStringLiteral("requested"), QStringLiteral("refused"),
                              QStringLiteral("requested"), QStringLiteral("refused"),
                              QStringLiteral("requested"), QStringLiteral("approved")}));
    }

    void instancePolicyCanRequireTypedConfirmation() {
        m_policy->setSettings(QStringLiteral("prod-eu"), {Mode::ReadWrite, true});
        m_approver->answers << approve();
        Outcome out;
        m_gate->submit(syncRequest(), out.callback()); // production flag not set on the request
        QTRY_VERIFY(out.result.has_value());
        QVERIFY(!out.result->ok());
        QCOMPARE(phases(m_path).last(), QStringLiteral("refused"));
    }

    void auditFailureBlocksApproval() {
        m_policy->setMode(QStringLiteral("prod-eu"), Mode::ReadWrite);
        m_approver->answers << approve();
        // While the human looks at the dialog, the log becomes unwritable.
        m_approver->onAsk = [this](const WriteRequest&) {
            QVERIFY(QFile::remove(m_path));
            QVERIFY(QDir().mkdir(m_path));
        };
        Outcome out;
        m_gate->submit(syncRequest(), out.callback());
        QTRY_VERIFY(out.result.has_value());
        QVERIFY(!out.result->ok());
        QCOMPARE(out.result->error().kind, Error::Kind::Approval);
        QCOMPARE(out.result->error().shortMessage,
                 QStringLiteral("Change not approved: the audit log could not be written"));
        QVERIFY(!out.result->error().details.isEmpty());
    }

    void unwritableLogMeansNobodyIsAsked() {
        QVERIFY(QDir().mkdir(m_path)); // a folder where the log file should be
        m_policy->setMode(QStringLiteral("prod-eu"), Mode::ReadWrite);
        m_approver->answers << approve();
        Outcome out;
        m_gate->submit(syncRequest(), out.callback());
        QTRY_VERIFY(out.result.has_value());
        QVERIFY(!out.result->ok());
        QVERIFY(out.result->error().shortMessage.contains(QStringLiteral("audit log")));
        QVERIFY(m_approver->asked.isEmpty());
    }

    void queuedApprovalsInOrder() {
        m_policy->setMode(QStringLiteral("prod-eu"), Mode::ReadWrite);
        m_approver->manual = true;
        QStringList order;
        for (const char* app : {"one", "two", "three"}) {
            m_gate->submit(syncRequest(QString::fromLatin1(app)),
                           [&order](Result<ApprovedWrite> r) {
                               order << (r.ok() ? r->request().target : QStringLiteral("rejected"));
                           });
        }
        QTRY_COMPARE(m_approver->asked.size(), 1);
        QCOMPARE(m_gate->queuedCount(), 2);
        QVERIFY(m_gate->isBusy());
        QTest::qWait(20); // nothing else is asked while a decision is open
        QCOMPARE(m_approver->asked.size(), 1);

        for (int i = 0; i < 3; ++i) {
            QTRY_COMPARE(m_approver->asked.size(), i + 1);
            auto done = std::move(m_approver->pending);
            if (i == 1) {
                ApprovalDecision no;
                done(no);
            } else {
                done(approve());
            }
            done(approve()); // a second answer to the same question is ignored
        }
        QTRY_COMPARE(order.size(), 3);
        QCOMPARE(order, (QStringList{QStringLiteral("argocd/one"), QStringLiteral("rejected"),
                                     QStringLiteral("argocd/three")}));
        QCOMPARE(m_approver->asked[0].target, QStringLiteral("argocd/one"));
        QCOMPARE(m_approver->asked[1].target, QStringLiteral("argocd/two"));
        QCOMPARE(m_approver->asked[2].target, QStringLiteral("argocd/three"));
        QCOMPARE(phases(m_path),
                 (QStringList{QStringLiteral("requested"), QStringLiteral("approved"),
                              QStringLiteral("requested"), QStringLiteral("rejected"),
                              QStringLiteral("requested"), QStringLiteral("approved")}));
        QVERIFY(!m_gate->isBusy());
    }

    void callbackMaySubmitAgain() {
        m_policy->setMode(QStringLiteral("prod-eu"), Mode::ReadWrite);
        m_approver->answers << approve() << approve();
        bool second = false;
        m_gate->submit(syncRequest(QStringLiteral("a")), [&](Result<ApprovedWrite> r) {
            QVERIFY(r.ok());
            m_gate->submit(syncRequest(QStringLiteral("b")),
                           [&](Result<ApprovedWrite> r2) { second = r2.ok(); });
        });
        QTRY_VERIFY(second);
    }

    void lateAnswerAfterGateIsGoneIsHarmless() {
        m_policy->setMode(QStringLiteral("prod-eu"), Mode::ReadWrite);
        m_approver->manual = true;
        bool called = false;
        m_gate->submit(syncRequest(), [&](Result<ApprovedWrite>) { called = true; });
        QTRY_COMPARE(m_approver->asked.size(), 1);
        m_gate.reset();
        m_approver->pending(approve());
        QVERIFY(!called);
        QCOMPARE(phases(m_path), QStringList{QStringLiteral("requested")});
    }
};

QTEST_GUILESS_MAIN(TestApprovalGate)
#include "tst_approvalgate.moc"
