// StreamDecoder: NDJSON and SSE framing exactly as argocd-server writes it (API notes §3.4).

#include "argocd/streamdecoder.h"

#include <QTest>

using sextant::Error;
using sextant::Result;
using sextant::argocd::StreamDecoder;
using json = nlohmann::json;

namespace {

const QByteArray kAdded =
    R"({"result":{"type":"ADDED","application":{"metadata":{"name":"guestbook","namespace":"argocd"},"status":{"health":{"status":"Healthy"}}}}})";
const QByteArray kModified =
    R"({"result":{"type":"MODIFIED","application":{"metadata":{"name":"caf\u00e9-app","namespace":"argocd","labels":{"team":"caf)"
    "\xc3\xa9"
    R"("}}}}})";
const QByteArray kStreamError =
    R"({"error":{"grpc_code":16,"http_code":401,"message":"invalid session: token is expired","http_status":"Unauthorized","details":[]}})";

QByteArray ndjson() {
    return kAdded + '\n' + kModified + '\n';
}

// grpc-gateway SSE: "data: <json> " + "\n\n" + "\n", plus ":" keep-alive comment lines.
QByteArray sse() {
    return QByteArray(":\n") + "data: " + kAdded + " \n\n\n" + ":\n" + "data: " + kModified +
           " \n\n\n" + ":\n";
}

QVector<Result<json>> decodeInChunks(const QByteArray& bytes, QList<qsizetype> cuts) {
    StreamDecoder d;
    QVector<Result<json>> out;
    qsizetype prev = 0;
    cuts.append(bytes.size());
    for (qsizetype cut : cuts) {
        out += d.feed(QByteArrayView(bytes).sliced(prev, cut - prev));
        prev = cut;
    }
    out += d.finish();
    return out;
}

void checkTwoResults(const QVector<Result<json>>& out) {
    QCOMPARE(out.size(), 2);
    QVERIFY(out[0].ok());
    QVERIFY(out[1].ok());
    QCOMPARE(out[0].value()["type"].get<std::string>(), std::string("ADDED"));
    QCOMPARE(out[0].value()["application"]["metadata"]["name"].get<std::string>(),
             std::string("guestbook"));
    QCOMPARE(out[1].value()["type"].get<std::string>(), std::string("MODIFIED"));
    QCOMPARE(QString::fromStdString(
                 out[1].value()["application"]["metadata"]["name"].get<std::string>()),
             QStringLiteral("caf\u00e9-app"));
    QCOMPARE(QString::fromStdString(
                 out[1].value()["application"]["metadata"]["labels"]["team"].get<std::string>()),
             QStringLiteral("caf\u00e9"));
}

} // namespace

class TestStreamDecoder : public QObject {
    Q_OBJECT
private slots:
    void ndjsonWhole() { checkTwoResults(decodeInChunks(ndjson(), {})); }
    void sseWhole() { checkTwoResults(decodeInChunks(sse(), {})); }

    void ndjsonSplitAtEveryOffset() {
        const QByteArray bytes = ndjson();
        for (qsizetype i = 0; i <= bytes.size(); ++i)
            checkTwoResults(decodeInChunks(bytes, {i}));
    }

    void sseSplitAtEveryOffset() {
        const QByteArray bytes = sse();
        for (qsizetype i = 0; i <= bytes.size(); ++i)
            checkTwoResults(decodeInChunks(bytes, {i}));
    }

    void byteByByte() {
        // Includes splitting inside the two-byte UTF-8 sequence of "é".
        const QByteArray bytes = sse() + ndjson();
        StreamDecoder d;
        QVector<Result<json>> out;
        for (char c : bytes)
            out += d.feed(QByteArrayView(&c, 1));
        out += d.finish();
        QCOMPARE(out.size(), 4);
        for (const auto& r : out)
            QVERIFY(r.ok());
    }

    void twoCutsEverywhereInSse() {
        const QByteArray bytes = sse();
        for (qsizetype i = 0; i <= bytes.size(); i += 7)
            for (qsizetype j = i; j <= bytes.size(); j += 5)
                checkTwoResults(decodeInChunks(bytes, {i, j}));
    }

    void keepAlivesAndBlankLinesOnly() {
        StreamDecoder d;
        QVERIFY(d.feed(":\n\n\n:\n  \n\r\n").isEmpty());
        QVERIFY(d.finish().isEmpty());
        QCOMPARE(d.bufferedBytes(), 0);
    }

    void crlfLineEndings() {
        StreamDecoder d;
        const auto out = d.feed("data: " + kAdded + " \r\n\r\n");
        QCOMPARE(out.size(), 1);
        QVERIFY(out[0].ok());
    }

    void lastLineWithoutNewline() {
        StreamDecoder d;
        QVERIFY(d.feed(kAdded).isEmpty());
        const auto out = d.finish();
        QCOMPARE(out.size(), 1);
        QVERIFY(out[0].ok());
    }

    void errorLineNdjson() {
        StreamDecoder d;
        const auto out = d.feed(kAdded + '\n' + kStreamError + '\n');
        QCOMPARE(out.size(), 2);
        QVERIFY(out[0].ok());
        QVERIFY(!out[1].ok());
        QCOMPARE(out[1].error().kind, Error::Kind::Unauthorized);
        QCOMPARE(out[1].error().httpStatus, 401);
        QVERIFY(out[1].error().shortMessage.contains(QLatin1String("token is expired")));
    }

    void errorLineSse() {
        StreamDecoder d;
        const QByteArray err =
            R"({"error":{"grpc_code":14,"http_code":503,"message":"shutting down","http_status":"Service Unavailable"}})";
        const auto out = d.feed("data: " + err + " \n\n\n");
        QCOMPARE(out.size(), 1);
        QCOMPARE(out[0].error().kind, Error::Kind::Server);
        QCOMPARE(out[0].error().httpStatus, 503);
    }

    void malformedLineIsProtocolErrorWithOffsetAndDecodingContinues() {
        StreamDecoder d;
        const QByteArray bad = R"({"result":{"type":"ADDED",)"; // cut off, then newline
        const auto out = d.feed(kAdded + '\n' + bad + '\n' + kModified + '\n');
        QCOMPARE(out.size(), 3);
        QVERIFY(out[0].ok());
        QVERIFY(!out[1].ok());
        QCOMPARE(out[1].error().kind, Error::Kind::Protocol);
        // The malformed message starts right after the first line.
        QVERIFY2(out[1].error().details.contains(
                     QStringLiteral("byte %1 of the stream").arg(kAdded.size() + 1 + bad.size())),
                 qPrintable(out[1].error().details));
        QVERIFY(out[2].ok());
    }

    void unexpectedShape() {
        StreamDecoder d;
        auto out = d.feed("[1,2]\n{\"other\":1}\n");
        QCOMPARE(out.size(), 2);
        QCOMPARE(out[0].error().kind, Error::Kind::Protocol);
        QCOMPARE(out[1].error().kind, Error::Kind::Protocol);
    }

    void oversizeLineIsSkipped() {
        StreamDecoder d(64); // tiny limit for the test
        QByteArray big = "{\"result\":\"" + QByteArray(200, 'x') + "\"}";
        QVector<Result<json>> out;
        // Feed the big line in pieces so the limit trips while buffering.
        out += d.feed(big.left(50));
        out += d.feed(big.mid(50, 100));
        out += d.feed(big.mid(150) + '\n');
        out += d.feed(R"({"result":{"ok":true}})"
                      "\n");
        QCOMPARE(out.size(), 2);
        QVERIFY(!out[0].ok());
        QCOMPARE(out[0].error().kind, Error::Kind::Protocol);
        QVERIFY(out[0].error().details.contains(QLatin1String("limit")));
        QVERIFY(out[1].ok());
        QCOMPARE(out[1].value()["ok"].get<bool>(), true);
        QVERIFY(d.bufferedBytes() < 64);
    }

    void oversizeLineInOneChunk() {
        StreamDecoder d(64);
        const auto out =
            d.feed("{\"result\":\"" + QByteArray(200, 'x') + "\"}\n" + R"({"result":1})" + '\n');
        QCOMPARE(out.size(), 2);
        QCOMPARE(out[0].error().kind, Error::Kind::Protocol);
        QVERIFY(out[1].ok());
    }

    void bytesConsumedCountsEverything() {
        StreamDecoder d;
        const QByteArray bytes = sse();
        d.feed(bytes.left(10));
        d.feed(bytes.mid(10));
        QCOMPARE(d.bytesConsumed() + d.bufferedBytes(), qint64(bytes.size()));
    }
};

QTEST_GUILESS_MAIN(TestStreamDecoder)
#include "tst_streamdecoder.moc"
