#include "streamdecoder.h"

#include "httperror.h"

namespace sextant::argocd {

StreamDecoder::StreamDecoder(qsizetype maxLineBytes)
    : m_maxLineBytes(maxLineBytes > 0 ? maxLineBytes : kDefaultMaxLineBytes) {}

void StreamDecoder::reset() {
    m_buffer.clear();
    m_offset = 0;
    m_skipping = false;
}

QVector<Result<nlohmann::json>> StreamDecoder::feed(QByteArrayView chunk) {
    QVector<Result<nlohmann::json>> out;
    while (!chunk.isEmpty()) {
        const qsizetype nl = chunk.indexOf('\n');
        if (m_skipping) {
            // Rest of an oversize line: account for the bytes, keep nothing.
            if (nl < 0) {
                m_offset += chunk.size();
                return out;
            }
            m_offset += nl + 1;
            chunk = chunk.sliced(nl + 1);
            m_skipping = false;
            continue;
        }
        if (nl < 0) {
            if (m_buffer.size() + chunk.size() > m_maxLineBytes) {
                out.append(Error::make(
                    Error::Kind::Protocol,
                    QStringLiteral("the server sent a stream message larger than %1 MiB")
                        .arg(m_maxLineBytes / (1024 * 1024)),
                    QStringLiteral("line starting at byte %1 of the stream exceeds the %2-byte "
                                   "limit; it was skipped")
                        .arg(m_offset)
                        .arg(m_maxLineBytes)));
                m_offset += m_buffer.size() + chunk.size();
                m_buffer.clear();
                m_skipping = true;
                return out;
            }
            m_buffer.append(chunk.data(), chunk.size());
            return out;
        }
        const qint64 lineOffset = m_offset;
        if (m_buffer.size() + nl > m_maxLineBytes) {
            out.append(Error::make(Error::Kind::Protocol,
                                   QStringLiteral("the server sent a stream message larger than "
                                                  "%1 MiB")
                                       .arg(m_maxLineBytes / (1024 * 1024)),
                                   QStringLiteral("line starting at byte %1 of the stream exceeds "
                                                  "the %2-byte limit; it was skipped")
                                       .arg(lineOffset)
                                       .arg(m_maxLineBytes)));
            m_offset += m_buffer.size() + nl + 1;
            m_buffer.clear();
            chunk = chunk.sliced(nl + 1);
            continue;
        }
        const qint64 lineLength = m_buffer.size() + nl;
        if (m_buffer.isEmpty()) {
            decodeLine(chunk.first(nl), lineOffset, out);
        } else {
            m_buffer.append(chunk.data(), nl);
            decodeLine(m_buffer, lineOffset, out);
            m_buffer.clear();
        }
        m_offset = lineOffset + lineLength + 1;
        chunk = chunk.sliced(nl + 1);
    }
    return out;
}

QVector<Result<nlohmann::json>> StreamDecoder::finish() {
    QVector<Result<nlohmann::json>> out;
    if (!m_skipping && !m_buffer.isEmpty()) {
        const QByteArray line = std::exchange(m_buffer, {});
        decodeLine(line, m_offset, out);
        m_offset += line.size();
    }
    m_buffer.clear();
    m_skipping = false;
    return out;
}

void StreamDecoder::decodeLine(QByteArrayView line, qint64 lineOffset,
                               QVector<Result<nlohmann::json>>& out) {
    // Trim trailing '\r' and spaces (SSE writes "data: {...} \n\n").
    while (!line.isEmpty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
        line.chop(1);
    qint64 start = 0;
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t'))
        ++start;
    line = line.sliced(start);
    lineOffset += start;
    if (line.isEmpty() || line.front() == ':')
        return; // blank separator or SSE keep-alive comment
    if (line.startsWith("data:")) {
        qsizetype skip = 5;
        if (line.size() > 5 && line[5] == ' ')
            skip = 6;
        line = line.sliced(skip);
        lineOffset += skip;
        if (line.isEmpty())
            return;
    } else if (line.startsWith("event:") || line.startsWith("id:") || line.startsWith("retry:")) {
        return; // SSE fields Argo CD does not use
    }

    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(line.begin(), line.end());
    } catch (const nlohmann::json::parse_error& e) {
        const qint64 at = lineOffset + qint64(e.byte > 0 ? e.byte - 1 : 0);
        out.append(Error::make(Error::Kind::Protocol,
                               QStringLiteral("the server sent a malformed stream message"),
                               QStringLiteral("invalid JSON at byte %1 of the stream (byte %2 of "
                                              "the message): %3")
                                   .arg(at)
                                   .arg(e.byte)
                                   .arg(QString::fromUtf8(e.what()))));
        return;
    }
    if (!doc.is_object()) {
        out.append(Error::make(
            Error::Kind::Protocol, QStringLiteral("the server sent an unexpected stream message"),
            QStringLiteral("message at byte %1 is not a JSON object").arg(lineOffset)));
        return;
    }
    if (auto it = doc.find("result"); it != doc.end() && !it->is_null()) {
        out.append(std::move(*it));
        return;
    }
    if (auto it = doc.find("error"); it != doc.end() && !it->is_null()) {
        out.append(streamErrorFromJson(*it));
        return;
    }
    out.append(Error::make(Error::Kind::Protocol,
                           QStringLiteral("the server sent an unexpected stream message"),
                           QStringLiteral("message at byte %1 has neither \"result\" nor "
                                          "\"error\"")
                               .arg(lineOffset)));
}

Error streamErrorFromJson(const nlohmann::json& error) {
    int httpCode = 0;
    QString message;
    QString status;
    if (error.is_object()) {
        if (auto it = error.find("http_code"); it != error.end() && it->is_number_integer())
            httpCode = it->get<int>();
        if (auto it = error.find("message"); it != error.end() && it->is_string())
            message = QString::fromStdString(it->get<std::string>());
        if (auto it = error.find("http_status"); it != error.end() && it->is_string())
            status = QString::fromStdString(it->get<std::string>());
    } else if (error.is_string()) {
        message = QString::fromStdString(error.get<std::string>());
    }
    if (httpCode == 0) {
        Error e = Error::make(
            Error::Kind::Server, QStringLiteral("the server ended the stream with an error"),
            message.isEmpty() ? QString() : QStringLiteral("server message: ") + message);
        return e;
    }
    Error e = Error::make(
        kindForHttpStatus(httpCode),
        QStringLiteral("the server ended the stream: %1").arg(message.isEmpty() ? status : message),
        QStringLiteral("HTTP status %1%2 (sent inside the stream)")
                .arg(httpCode)
                .arg(status.isEmpty() ? QString() : QLatin1Char(' ') + status) +
            (message.isEmpty() ? QString() : QStringLiteral("\nserver message: ") + message));
    e.httpStatus = httpCode;
    return e;
}

} // namespace sextant::argocd
