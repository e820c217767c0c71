#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QVector>

#include <nlohmann/json.hpp>

namespace sextant::argocd {

// Incremental framer for Argo CD's streaming endpoints (watch, resource-tree stream, logs).
// Accepts both framings the server uses:
//   NDJSON:  {"result":{...}}\n
//   SSE:     data: {"result":{...}} \n\n\n   and ":" keep-alive comment lines
// Bytes may arrive split anywhere (inside a JSON token or a UTF-8 sequence); only '\n' ends a
// line. Each complete line yields either the `result` object or an Error:
//   - {"error":{...}} lines become a typed stream error (401 -> Unauthorized, ...);
//   - malformed JSON or an unexpected shape becomes Kind::Protocol with the stream byte offset;
//   - a line longer than maxLineBytes becomes one Kind::Protocol error and is skipped.
// Not thread-safe; one decoder per stream, used by one thread at a time.
class StreamDecoder {
public:
    static constexpr qsizetype kDefaultMaxLineBytes = qsizetype(64) * 1024 * 1024;

    explicit StreamDecoder(qsizetype maxLineBytes = kDefaultMaxLineBytes);

    // Feeds the next chunk; returns what the complete lines in it decode to, in order.
    QVector<Result<nlohmann::json>> feed(QByteArrayView chunk);
    // The stream ended: decodes a last line that had no trailing '\n'.
    QVector<Result<nlohmann::json>> finish();
    void reset();

    qsizetype bufferedBytes() const { return m_buffer.size(); }
    qint64 bytesConsumed() const { return m_offset; }

private:
    void decodeLine(QByteArrayView line, qint64 lineOffset, QVector<Result<nlohmann::json>>& out);

    QByteArray m_buffer;
    qsizetype m_maxLineBytes;
    qint64 m_offset = 0;     // stream offset of m_buffer[0]
    bool m_skipping = false; // inside an oversize line: drop bytes up to the next '\n'
};

// Maps an Argo CD stream error object ({"grpc_code":16,"http_code":401,"message":...}) to an
// Error of the matching kind.
Error streamErrorFromJson(const nlohmann::json& error);

} // namespace sextant::argocd
