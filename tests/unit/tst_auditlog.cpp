#include "governance/auditlog.h"
#include "governance/redaction.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <thread>
#include <vector>

#include <sys/resource.h>

using namespace sextant;
using namespace sextant::governance;

namespace {

AuditRecord sampleRecord(int i) {
    WriteRequest request;
    request.instanceId = QStringLiteral("prod-eu");
    request.action = QStringLiteral("sync");
    request.target = QStringLiteral("argocd/app-%1").arg(i);
    request.method = QStringLiteral("POST");
    request.url =
        QUrl(QStringLiteral("https://argocd.example.com/api/v1/applications/app-%1/sync").arg(i));
    request.body = QByteArrayLiteral("{\"prune\":false,\"revision\":\"HEAD\"}");
    return AuditRecord::forRequest(request, AuditPhase::Requested,
                                   QStringLiteral("entry %1").arg(i));
}

QList<QByteArray> readLines(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = f.readAll().split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

void writeLines(const QString& path, const QList<QByteArray>& lines) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    for (const QByteArray& l : lines)
        f.write(l + '\n');
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestAuditLog : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_counter = 0;

    // A fresh log with `n` entries; returns its path.
    QString makeLog(int n, QString* head = nullptr) {
        const QString path = m_dir.filePath(QStringLiteral("log-%1.jsonl").arg(++m_counter));
        AuditLog log(path, QStringLiteral("tester"));
        for (int i = 1; i <= n; ++i) {
            const Result<QString> r = log.append(sampleRecord(i));
            if (!r.ok())
                qFatal("append failed: %s", qPrintable(r.error().toString()));
        }
        if (head)
            *head = log.headHash();
        return path;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void phaseNames() {
        for (AuditPhase p : {AuditPhase::Requested, AuditPhase::Approved, AuditPhase::Rejected,
                             AuditPhase::Refused, AuditPhase::Succeeded, AuditPhase::Failed}) {
            QVERIFY(phaseFromString(phaseToString(p)) == p);
        }
        QVERIFY(!phaseFromString(u"bogus"));
    }

    void canonicalForm() {
        QJsonObject o;
        o.insert(QStringLiteral("b"), QStringLiteral("\u00e9\n\"\\\x01"));
        o.insert(QStringLiteral("a"), 12);
        o.insert(QStringLiteral("c"),
                 QJsonObject{{QStringLiteral("z"), true}, {QStringLiteral("y"), QJsonValue::Null}});
        QCOMPARE(AuditLog::canonicalJson(o),
                 QByteArray("{\"a\":12,\"b\":\"\xc3\xa9\\n\\\"\\\\\\u0001\",\"c\":{\"y\":null,"
                            "\"z\":true}}"));
        QCOMPARE(AuditLog::zeroHash(), QString(64, QLatin1Char('0')));
    }

    // A log written by an independent implementation of the documented format (Python, see
    // tests/data/audit/make-sample.py) verifies: the docs and the code agree.
    void independentSampleVerifies() {
        const QString path = QStringLiteral(SEXTANT_TEST_DATA_DIR "/audit/sample-valid.jsonl");
        const VerifyReport r = AuditLog::verify(
            path,
            QStringLiteral("acaa4cf94928106330817b6b7b794f8e47d8f90b33fc441ffbe6a816a04666b0"));
        QVERIFY2(r.ok, qPrintable(r.problem));
        QCOMPARE(r.entries, 3);
        QCOMPARE(r.anchorSeq, 3);
    }

    void appendAndVerify() {
        const QString path = m_dir.filePath(QStringLiteral("basic.jsonl"));
        AuditLog log(path, QStringLiteral("tester"));
        QCOMPARE(log.headHash(), AuditLog::zeroHash());
        QStringList hashes;
        for (int i = 1; i <= 5; ++i) {
            const Result<QString> r = log.append(sampleRecord(i));
            QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
            QCOMPARE(r.value(), log.headHash());
            hashes << r.value();
        }
        QCOMPARE(log.lastSeq(), 5);

        const QList<QByteArray> lines = readLines(path);
        QCOMPARE(lines.size(), 5);
        QString prev = AuditLog::zeroHash();
        static const QRegularExpression ts(
            QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"));
        for (int i = 0; i < lines.size(); ++i) {
            const QJsonObject e = QJsonDocument::fromJson(lines[i]).object();
            QCOMPARE(e.value(QStringLiteral("seq")).toInteger(), i + 1);
            QVERIFY(ts.match(e.value(QStringLiteral("ts")).toString()).hasMatch());
            QCOMPARE(e.value(QStringLiteral("actor")).toString(), QStringLiteral("tester"));
            QCOMPARE(e.value(QStringLiteral("phase")).toString(), QStringLiteral("requested"));
            QCOMPARE(e.value(QStringLiteral("prev")).toString(), prev);
            QCOMPARE(e.value(QStringLiteral("hash")).toString(), hashes[i]);
            QCOMPARE(AuditLog::entryHash(e), hashes[i]);
            const QJsonObject req = e.value(QStringLiteral("request")).toObject();
            QCOMPARE(req.value(QStringLiteral("method")).toString(), QStringLiteral("POST"));
            QCOMPARE(
                req.value(QStringLiteral("bodySha256")).toString(),
                QStringLiteral("814940413cc52908893cd796a782b1d5838480c5c9667e758c121d37365f7c73"));
            QVERIFY(!req.contains(QStringLiteral("redacted")));
            prev = hashes[i];
        }

        const VerifyReport r = AuditLog::verify(path);
        QVERIFY2(r.ok, qPrintable(r.problem));
        QCOMPARE(r.entries, 5);
        QCOMPARE(r.firstBadLine, 0);
        QCOMPARE(r.headHash, log.headHash());
        QVERIFY(AuditLog::verify(path, log.headHash()).ok);
        // An anchor taken earlier is still found after the log has grown.
        const VerifyReport anchored = AuditLog::verify(path, hashes[2]);
        QVERIFY(anchored.ok);
        QCOMPARE(anchored.anchorSeq, 3);
    }

    void emptyAndMissingFiles() {
        const QString empty = m_dir.filePath(QStringLiteral("empty.jsonl"));
        writeLines(empty, {});
        const VerifyReport e = AuditLog::verify(empty);
        QVERIFY(e.ok);
        QCOMPARE(e.entries, 0);
        QCOMPARE(e.headHash, AuditLog::zeroHash());

        const VerifyReport m = AuditLog::verify(m_dir.filePath(QStringLiteral("nope.jsonl")));
        QVERIFY(!m.ok);
        QVERIFY(m.unreadable);
    }

    void detectsEditedField() {
        const QString path = makeLog(6);
        QList<QByteArray> lines = readLines(path);
        lines[2].replace("argocd/app-3", "argocd/app-X");
        writeLines(path, lines);
        const VerifyReport r = AuditLog::verify(path);
        QVERIFY(!r.ok);
        QVERIFY(!r.unreadable);
        QCOMPARE(r.firstBadLine, 3);
        QCOMPARE(r.problem, QStringLiteral("entry 3 was edited (hash mismatch)"));
        QCOMPARE(r.entries, 2);
    }

    void detectsNonCanonicalRewrite() {
        // Same content, different bytes (pretty spacing): still an edit of the file.
        const QString path = makeLog(3);
        QList<QByteArray> lines = readLines(path);
        lines[1].replace("\",\"", "\", \"");
        writeLines(path, lines);
        const VerifyReport r = AuditLog::verify(path);
        QVERIFY(!r.ok);
        QCOMPARE(r.firstBadLine, 2);
        QVERIFY2(r.problem.startsWith(QStringLiteral("entry 2 was edited")), qPrintable(r.problem));
    }

    void detectsDeletedLine() {
        const QString path = makeLog(6);
        QList<QByteArray> lines = readLines(path);
        lines.removeAt(3); // seq 4
        writeLines(path, lines);
        const VerifyReport r = AuditLog::verify(path);
        QVERIFY(!r.ok);
        QCOMPARE(r.firstBadLine, 4);
        QCOMPARE(
            r.problem,
            QStringLiteral("entry 4 is missing or entries were reordered (seq 3 followed by 5)"));
    }

    void detectsDeletedFirstLine() {
        const QString path = makeLog(3);
        QList<QByteArray> lines = readLines(path);
        lines.removeFirst();
        writeLines(path, lines);
        const VerifyReport r = AuditLog::verify(path);
        QVERIFY(!r.ok);
        QCOMPARE(r.firstBadLine, 1);
        QVERIFY2(r.problem.startsWith(QStringLiteral("entry 1 is missing")), qPrintable(r.problem));
    }

    void detectsSwappedLines() {
        const QString path = makeLog(6);
        QList<QByteArray> lines = readLines(path);
        lines.swapItemsAt(1, 2); // seq 2 and 3
        writeLines(path, lines);
        const VerifyReport r = AuditLog::verify(path);
        QVERIFY(!r.ok);
        QCOMPARE(r.firstBadLine, 2);
        QCOMPARE(
            r.problem,
            QStringLiteral("entry 2 is missing or entries were reordered (seq 1 followed by 3)"));
    }

    void detectsDuplicatedLine() {
        const QString path = makeLog(4);
        QList<QByteArray> lines = readLines(path);
        lines.insert(2, lines[1]);
        writeLines(path, lines);
        const VerifyReport r = AuditLog::verify(path);
        QVERIFY(!r.ok);
        QCOMPARE(r.firstBadLine, 3);
        QCOMPARE(r.problem,
                 QStringLiteral("entries were reordered or duplicated (seq 2 followed by 2)"));
    }

    void detectsInsertedForgedLine() {
        // The forger recomputes the hash of their entry, but cannot make it continue the chain
        // without rewriting every later entry.
        const QString path = makeLog(6);
        QList<QByteArray> lines = readLines(path);
        QJsonObject forged = QJsonDocument::fromJson(lines[2]).object(); // seq 3
        forged.insert(QStringLiteral("detail"), QStringLiteral("forged"));
        forged.insert(QStringLiteral("prev"), QString(64, QLatin1Char('a')));
        forged.remove(QStringLiteral("hash"));
        forged.insert(QStringLiteral("hash"), AuditLog::entryHash(forged));
        lines.insert(2, AuditLog::canonicalJson(forged));
        writeLines(path, lines);
        const VerifyReport r = AuditLog::verify(path);
        QVERIFY(!r.ok);
        QCOMPARE(r.firstBadLine, 3);
        QCOMPARE(r.problem, QStringLiteral("entry 3's prev does not match entry 2's hash"));
    }

    void detectsTruncatedLastLine() {
        const QString path = makeLog(5);
        QByteArray data = readAll(path);
        data.chop(20);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(data);
        f.close();
        const VerifyReport r = AuditLog::verify(path);
        QVERIFY(!r.ok);
        QCOMPARE(r.firstBadLine, 5);
        QCOMPARE(r.problem, QStringLiteral("last line is truncated"));
        QCOMPARE(r.entries, 4);
    }

    void detectsMissingLineEnd() {
        const QString path = makeLog(2);
        QByteArray data = readAll(path);
        data.chop(1);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(data);
        f.close();
        const VerifyReport r = AuditLog::verify(path);
        QVERIFY(!r.ok);
        QCOMPARE(r.firstBadLine, 2);
        QVERIFY(r.problem.startsWith(QStringLiteral("last line is truncated")));
    }

    void detectsGarbage() {
        const QString path = makeLog(4);
        QList<QByteArray> lines = readLines(path);
        lines[2] = "this is not json";
        writeLines(path, lines);
        const VerifyReport r = AuditLog::verify(path);
        QVERIFY(!r.ok);
        QCOMPARE(r.firstBadLine, 3);
        QCOMPARE(r.problem, QStringLiteral("not JSON at line 3"));

        lines[2] = "{\"hello\":1}";
        writeLines(path, lines);
        const VerifyReport shape = AuditLog::verify(path);
        QCOMPARE(shape.firstBadLine, 3);
        QVERIFY2(shape.problem.contains(QStringLiteral("not an audit entry")),
                 qPrintable(shape.problem));
    }

    void rewrittenChainNeedsAnchor() {
        QString originalHead;
        const QString path = makeLog(5, &originalHead);

        // The attacker rewrites everything consistently: edits an entry and recomputes every
        // hash and prev after it.
        QList<QByteArray> lines = readLines(path);
        QString prev = AuditLog::zeroHash();
        QList<QByteArray> rewritten;
        for (const QByteArray& line : lines) {
            QJsonObject e = QJsonDocument::fromJson(line).object();
            if (e.value(QStringLiteral("seq")).toInteger() == 2)
                e.insert(QStringLiteral("actor"), QStringLiteral("mallory"));
            e.insert(QStringLiteral("prev"), prev);
            e.remove(QStringLiteral("hash"));
            prev = AuditLog::entryHash(e);
            e.insert(QStringLiteral("hash"), prev);
            rewritten << AuditLog::canonicalJson(e);
        }
        writeLines(path, rewritten);

        const VerifyReport plain = AuditLog::verify(path);
        QVERIFY2(plain.ok, "a consistent rewrite cannot be detected without an anchor");
        QCOMPARE(plain.entries, 5);

        const VerifyReport anchored = AuditLog::verify(path, originalHead);
        QVERIFY(!anchored.ok);
        QCOMPARE(anchored.firstBadLine, 5);
        QVERIFY2(anchored.problem.contains(QStringLiteral("expected head")) &&
                     anchored.problem.contains(QStringLiteral("rewritten")),
                 qPrintable(anchored.problem));
    }

    void anchorDetectsRemovedTail() {
        QString head;
        const QString path = makeLog(5, &head);
        QList<QByteArray> lines = readLines(path);
        lines.removeLast();
        writeLines(path, lines);
        QVERIFY(AuditLog::verify(path).ok); // removing the tail alone looks like a shorter log
        QVERIFY(!AuditLog::verify(path, head).ok);
    }

    void reopenResumesChain() {
        QString head;
        const QString path = makeLog(3, &head);
        AuditLog reopened(path);
        QVERIFY(reopened.open().ok());
        QCOMPARE(reopened.lastSeq(), 3);
        QCOMPARE(reopened.headHash(), head);
        const Result<QString> r = reopened.append(sampleRecord(4));
        QVERIFY(r.ok());
        const QList<QByteArray> lines = readLines(path);
        QCOMPARE(lines.size(), 4);
        const QJsonObject last = QJsonDocument::fromJson(lines.last()).object();
        QCOMPARE(last.value(QStringLiteral("seq")).toInteger(), 4);
        QCOMPARE(last.value(QStringLiteral("prev")).toString(), head);
        const VerifyReport v = AuditLog::verify(path);
        QVERIFY2(v.ok, qPrintable(v.problem));
        QCOMPARE(v.entries, 4);
    }

    void twoWritersOnOneFileKeepOneChain() {
        // The console and a CLI appending to the same file: each notices the other's entries.
        const QString path = m_dir.filePath(QStringLiteral("shared.jsonl"));
        AuditLog a(path, QStringLiteral("a"));
        AuditLog b(path, QStringLiteral("b"));
        for (int i = 0; i < 4; ++i) {
            QVERIFY(a.append(sampleRecord(i)).ok());
            QVERIFY(b.append(sampleRecord(i)).ok());
        }
        const VerifyReport v = AuditLog::verify(path);
        QVERIFY2(v.ok, qPrintable(v.problem));
        QCOMPARE(v.entries, 8);
        QCOMPARE(b.headHash(), v.headHash);
    }

    void refusesToAppendToBrokenChain() {
        const QString path = makeLog(4);
        QList<QByteArray> lines = readLines(path);
        lines.removeAt(1);
        writeLines(path, lines);
        const QByteArray before = readAll(path);

        AuditLog log(path);
        const Status opened = log.open();
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().kind, Error::Kind::Io);
        QVERIFY2(opened.error().shortMessage.contains(QStringLiteral("damaged")) &&
                     opened.error().shortMessage.contains(QStringLiteral("line 2")),
                 qPrintable(opened.error().shortMessage));
        const Result<QString> r = log.append(sampleRecord(9));
        QVERIFY(!r.ok());
        QCOMPARE(readAll(path), before);
    }

    void refusesWhenTamperedWhileOpen() {
        QString head;
        const QString path = makeLog(3, &head);
        AuditLog log(path);
        QVERIFY(log.open().ok());
        QList<QByteArray> lines = readLines(path);
        lines[0].replace("entry 1", "entry one");
        writeLines(path, lines);
        const Result<QString> r = log.append(sampleRecord(4));
        QVERIFY(!r.ok());
        QVERIFY(r.error().shortMessage.contains(QStringLiteral("damaged")));
    }

    void unwritableLocationIsTypedError() {
        // A path below a regular file cannot be created, even by root.
        const QString blocker = m_dir.filePath(QStringLiteral("blocker"));
        writeLines(blocker, {"x"});
        AuditLog log(blocker + QStringLiteral("/audit.jsonl"));
        const Result<QString> r = log.append(sampleRecord(1));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Io);
        QVERIFY2(
            r.error().shortMessage.startsWith(QStringLiteral("The audit log could not be written")),
            qPrintable(r.error().shortMessage));
        QVERIFY(r.error().details.contains(blocker));

        // A folder where the file should be.
        AuditLog dirLog(m_dir.path());
        const Result<QString> d = dirLog.append(sampleRecord(1));
        QVERIFY(!d.ok());
        QCOMPARE(d.error().kind, Error::Kind::Io);
    }

    void fullDiskLeavesNoHalfEntry() {
        // RLIMIT_FSIZE makes write(2) fail part-way (EFBIG), like a disk filling up mid-entry.
        const QString path = makeLog(2);
        const qint64 sizeBefore = QFileInfo(path).size();
        AuditLog log(path);
        QVERIFY(log.open().ok());

        AuditRecord big = sampleRecord(3);
        big.body = QByteArray("{\"data\":\"") + QByteArray(8192, 'x') + QByteArray("\"}");
        struct rlimit old {};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
        auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit limited = old;
        limited.rlim_cur = static_cast<rlim_t>(sizeBefore + 100);
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &limited), 0);
        const Result<QString> r = log.append(big);
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, oldHandler);

        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Io);
        QVERIFY2(r.error().shortMessage.contains(QStringLiteral("limit")) ||
                     r.error().shortMessage.contains(QStringLiteral("full")),
                 qPrintable(r.error().shortMessage));
        QCOMPARE(QFileInfo(path).size(), sizeBefore);
        QCOMPARE(log.lastSeq(), 2);
        QVERIFY(log.append(sampleRecord(3)).ok());
        const VerifyReport v = AuditLog::verify(path);
        QVERIFY2(v.ok, qPrintable(v.problem));
        QCOMPARE(v.entries, 3);
    }

    void secretsAreScrubbed() {
        const QString path = m_dir.filePath(QStringLiteral("secrets.jsonl"));
        AuditLog log(path);
        AuditRecord rec = sampleRecord(1);
        rec.url = QUrl(QStringLiteral("https://u:pw-in-url@argocd.example.com/api/v1/x?"
                                      "refresh=hard&token=tok-in-query"));
        rec.body = QByteArrayLiteral(
            R"({"password":"hunter2","nested":{"apiToken":"tok-nested","keep":"visible"},)"
            R"("list":[{"client_secret":"s3cr3t"}],"note":"Bearer abcdefghijkl",)"
            R"("jwt":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLWhlcmU",)"
            R"("manifest":{"kind":"Secret","data":{"k":"c2VjcmV0LWRhdGE="}}})");
        QVERIFY(log.append(rec).ok());

        AuditRecord text = sampleRecord(2);
        text.body = QByteArrayLiteral("user: admin\npassword: hunter3\nAuthorization: Bearer "
                                      "abcdef123456\napi_key=key-xyz&x=1\n");
        QVERIFY(log.append(text).ok());

        const QByteArray data = readAll(path);
        for (const char* secret :
             {"hunter2", "tok-nested", "s3cr3t", "abcdefghijkl", "eyJhbGci", "c2VjcmV0LWRhdGE",
              "tok-in-query", "pw-in-url", "hunter3", "abcdef123456", "key-xyz"}) {
            QVERIFY2(!data.contains(secret), secret);
        }
        QVERIFY(data.contains("visible"));
        QVERIFY(data.contains("refresh=hard"));
        QVERIFY(data.contains("user: admin"));
        const QJsonObject first = QJsonDocument::fromJson(readLines(path).first()).object();
        QVERIFY(first.value(QStringLiteral("request"))
                    .toObject()
                    .value(QStringLiteral("redacted"))
                    .toBool());
        QVERIFY(AuditLog::verify(path).ok);

        bool changed = true;
        const QByteArray clean = "{\"revision\":\"HEAD\",  \"prune\":true}";
        QCOMPARE(redactSecrets(clean, &changed), clean); // untouched, byte for byte
        QVERIFY(!changed);
    }

    void concurrentAppendsKeepOneChain() {
        const QString path = m_dir.filePath(QStringLiteral("threads.jsonl"));
        AuditLog log(path);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&log, t] {
                for (int i = 0; i < 25; ++i)
                    log.append(sampleRecord(t * 100 + i));
            });
        }
        for (auto& th : threads)
            th.join();
        const VerifyReport v = AuditLog::verify(path);
        QVERIFY2(v.ok, qPrintable(v.problem));
        QCOMPARE(v.entries, 100);
    }
};

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_auditlog.moc"
