// `sextant-cli audit verify` on a log written through AuditLog: intact (exit 0), tampered
// (exit 1, the message names the line), unreadable or misused (exit 2).
#include "governance/auditlog.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::governance;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

} // namespace

class TestCliAudit : public QObject {
    Q_OBJECT

    QString m_cli;
    QTemporaryDir m_dir;

    Run run(const QStringList& args) {
        QProcess p;
        p.start(m_cli, args);
        Run r;
        if (!p.waitForFinished(120000)) {
            p.kill();
            p.waitForFinished();
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    QString writeLog(const QString& name, int n, QString* head,
                     const QString& actor = QStringLiteral("ci")) {
        const QString path = m_dir.filePath(name);
        AuditLog log(path, actor);
        for (int i = 1; i <= n; ++i) {
            AuditRecord rec;
            rec.instance = QStringLiteral("prod-eu");
            rec.action = QStringLiteral("sync");
            rec.target = QStringLiteral("argocd/app-%1").arg(i);
            rec.phase = i % 2 ? AuditPhase::Requested : AuditPhase::Approved;
            rec.detail = QStringLiteral("entry %1").arg(i);
            if (!log.append(rec).ok())
                return {};
        }
        *head = log.headHash();
        return path;
    }

private slots:
    void initTestCase() {
        m_cli = QStringLiteral(SEXTANT_BIN_DIR "/sextant-cli");
        if (!QFileInfo(m_cli).isExecutable())
            QSKIP("sextant-cli is not built yet");
        QVERIFY(m_dir.isValid());
    }

    void intactLogExitsZero() {
        QString head;
        const QString path = writeLog(QStringLiteral("ok.jsonl"), 4, &head);
        QVERIFY(!path.isEmpty());
        const Run r = run({QStringLiteral("audit"), QStringLiteral("verify"), path});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("4 entries")), qPrintable(r.out));
        QVERIFY(r.out.contains(head));

        const Run anchored = run({QStringLiteral("audit"), QStringLiteral("verify"), path,
                                  QStringLiteral("--expect-head"), head});
        QCOMPARE(anchored.exitCode, 0);

        const Run json = run({QStringLiteral("audit"), QStringLiteral("verify"), path,
                              QStringLiteral("--output"), QStringLiteral("json")});
        QCOMPARE(json.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
        QCOMPARE(o.value(QStringLiteral("ok")).toBool(), true);
        QCOMPARE(o.value(QStringLiteral("entries")).toInt(), 4);
        QCOMPARE(o.value(QStringLiteral("headHash")).toString(), head);
    }

    void tamperedLogExitsOneAndNamesTheLine() {
        QString head;
        const QString path = writeLog(QStringLiteral("tampered.jsonl"), 5, &head);
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QByteArray data = f.readAll();
        f.close();
        data.replace("argocd/app-3", "argocd/app-9");
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(data);
        f.close();

        const Run r = run({QStringLiteral("audit"), QStringLiteral("verify"), path});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains(QStringLiteral("line 3")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("entry 3 was edited (hash mismatch)")),
                 qPrintable(r.out));

        const Run json = run({QStringLiteral("--output"), QStringLiteral("json"),
                              QStringLiteral("audit"), QStringLiteral("verify"), path});
        QCOMPARE(json.exitCode, 1);
        const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
        QCOMPARE(o.value(QStringLiteral("ok")).toBool(), false);
        QCOMPARE(o.value(QStringLiteral("line")).toInt(), 3);
    }

    void rewrittenChainNeedsExpectedHead() {
        QString head;
        const QString path = writeLog(QStringLiteral("rewritten.jsonl"), 3, &head);
        QString otherHead;
        const QString other =
            writeLog(QStringLiteral("other.jsonl"), 3, &otherHead, QStringLiteral("mallory"));
        QVERIFY(head != otherHead);
        const Run r = run({QStringLiteral("audit"), QStringLiteral("verify"), other,
                           QStringLiteral("--expect-head=") + head});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains(QStringLiteral("expected head")), qPrintable(r.out));
    }

    void usageAndIoErrorsExitTwo() {
        QCOMPARE(run({QStringLiteral("audit")}).exitCode, 2);
        QCOMPARE(run({QStringLiteral("audit"), QStringLiteral("verify")}).exitCode, 2);
        QCOMPARE(run({QStringLiteral("audit"), QStringLiteral("frobnicate"), QStringLiteral("x")})
                     .exitCode,
                 2);
        const Run missing = run({QStringLiteral("audit"), QStringLiteral("verify"),
                                 m_dir.filePath(QStringLiteral("missing.jsonl"))});
        QCOMPARE(missing.exitCode, 2);
        QVERIFY(missing.err.contains(QStringLiteral("missing.jsonl")));
        QString head;
        const QString path = writeLog(QStringLiteral("usage.jsonl"), 1, &head);
        QCOMPARE(run({QStringLiteral("audit"), QStringLiteral("verify"), path,
                      QStringLiteral("--expect-head"), QStringLiteral("not-a-hash")})
                     .exitCode,
                 2);
        QCOMPARE(run({QStringLiteral("audit"), QStringLiteral("verify"), path,
                      QStringLiteral("--output"), QStringLiteral("xml")})
                     .exitCode,
                 2);
    }
};

QTEST_GUILESS_MAIN(TestCliAudit)
#include "tst_cliaudit.moc"
