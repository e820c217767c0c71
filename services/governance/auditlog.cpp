#include "auditlog.h"

#include "redaction.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutexLocker>
#include <QStandardPaths>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sextant::governance {

namespace {

const QLatin1String kPhaseNames[] = {
    QLatin1String("requested"), QLatin1String("approved"),  QLatin1String("rejected"),
    QLatin1String("refused"),   QLatin1String("succeeded"), QLatin1String("failed"),
};

void appendCanonicalString(QByteArray& out, const QString& s) {
    out += '"';
    const QByteArray utf8 = s.toUtf8();
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (u < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[u >> 4];
                out += hex[u & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void appendCanonical(QByteArray& out, const QJsonValue& value) {
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out += "null";
        break;
    case QJsonValue::Bool:
        out += value.toBool() ? "true" : "false";
        break;
    case QJsonValue::Double: {
        const double d = value.toDouble();
        if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9007199254740992.0)
            out += QByteArray::number(static_cast<qint64>(d));
        else
            out += QByteArray::number(d, 'g', 17);
        break;
    }
    case QJsonValue::String:
        appendCanonicalString(out, value.toString());
        break;
    case QJsonValue::Array: {
        out += '[';
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (i)
                out += ',';
            appendCanonical(out, array.at(i));
        }
        out += ']';
        break;
    }
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        QStringList keys = object.keys();
        std::sort(keys.begin(), keys.end()); // UTF-16 code unit order, as RFC 8785
        out += '{';
        bool first = true;
        for (const QString& key : keys) {
            if (!first)
                out += ',';
            first = false;
            appendCanonicalString(out, key);
            out += ':';
            appendCanonical(out, object.value(key));
        }
        out += '}';
        break;
    }
    }
}

QString sha256Hex(const QByteArray& data) {
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

// Plain words for the errno of a failed open/write/fsync, as a typed Error that blocks the
// action the entry was meant to record.
Error writeError(int err, const QString& path, const char* operation) {
    QString reason;
    switch (err) {
    case ENOSPC:
    case EDQUOT:
        reason = QStringLiteral("the disk is full");
        break;
    case EFBIG:
        reason = QStringLiteral("the file size limit was reached");
        break;
    case EACCES:
    case EPERM:
        reason = QStringLiteral("permission denied");
        break;
    case EROFS:
        reason = QStringLiteral("the file system is read-only");
        break;
    case ENOENT:
    case ENOTDIR:
        reason = QStringLiteral("its folder does not exist or is not a folder");
        break;
    case EISDIR:
        reason = QStringLiteral("the path is a folder");
        break;
    default:
        reason = QString::fromLocal8Bit(std::strerror(err));
    }
    return Error::make(
        Error::Kind::Io, QStringLiteral("The audit log could not be written: %1").arg(reason),
        QStringLiteral("%1 failed for %2: %3 (errno %4)")
            .arg(QLatin1String(operation), path, QString::fromLocal8Bit(std::strerror(err)))
            .arg(err));
}

// Closes the descriptor on every path out of append().
struct FdGuard {
    int fd = -1;
    ~FdGuard() {
        if (fd >= 0)
            ::close(fd);
    }
};

bool hasString(const QJsonObject& o, QLatin1String key) {
    return o.value(key).isString();
}

} // namespace

QString phaseToString(AuditPhase phase) {
    return QString(kPhaseNames[static_cast<int>(phase)]);
}

std::optional<AuditPhase> phaseFromString(QStringView text) {
    for (int i = 0; i < 6; ++i) {
        if (text == kPhaseNames[i])
            return static_cast<AuditPhase>(i);
    }
    return std::nullopt;
}

AuditRecord AuditRecord::forRequest(const WriteRequest& request, AuditPhase phase, QString detail) {
    AuditRecord r;
    r.instance = request.instanceId;
    r.action = request.action;
    r.target = request.target;
    r.phase = phase;
    r.detail = std::move(detail);
    r.hasRequest = true;
    r.method = request.method;
    r.url = request.url;
    r.body = request.body;
    return r;
}

AuditLog::AuditLog(QString path, QString actor)
    : m_path(std::move(path))
    , m_actor(actor.isEmpty() ? osUserName() : std::move(actor))
    , m_head(zeroHash()) {}

QString AuditLog::actor() const {
    QMutexLocker locker(&m_mutex);
    return m_actor;
}

void AuditLog::setActor(QString actor) {
    QMutexLocker locker(&m_mutex);
    m_actor = actor.isEmpty() ? osUserName() : std::move(actor);
}

QString AuditLog::headHash() const {
    QMutexLocker locker(&m_mutex);
    return m_head;
}

qint64 AuditLog::lastSeq() const {
    QMutexLocker locker(&m_mutex);
    return m_lastSeq;
}

Status AuditLog::open() {
    QMutexLocker locker(&m_mutex);
    return openLocked();
}

Status AuditLog::resumeFrom(const QByteArray& data) {
    const VerifyReport report = verifyData(data);
    if (!report.ok) {
        return Error::make(
            Error::Kind::Io,
            QStringLiteral("The audit log is damaged: %1 (line %2)")
                .arg(report.problem)
                .arg(report.firstBadLine),
            QStringLiteral("%1\nSextant does not append to a broken chain. Keep the file as "
                           "evidence, move it aside and start a new log.")
                .arg(m_path));
    }
    m_lastSeq = report.lastSeq;
    m_head = report.headHash;
    m_knownSize = data.size();
    return okStatus();
}

Status AuditLog::openLocked() {
    if (m_opened)
        return okStatus();
    const QFileInfo info(m_path);
    if (info.exists()) {
        if (!info.isFile()) {
            return Error::make(Error::Kind::Io,
                               QStringLiteral("The audit log path is not a regular file"), m_path);
        }
        QFile file(m_path);
        if (!file.open(QIODevice::ReadOnly)) {
            return Error::make(
                Error::Kind::Io,
                QStringLiteral("The audit log could not be read: %1").arg(file.errorString()),
                m_path);
        }
        const Status resumed = resumeFrom(file.readAll());
        if (!resumed)
            return resumed;
    } else {
        m_lastSeq = 0;
        m_head = zeroHash();
        m_knownSize = 0;
    }
    m_opened = true;
    return okStatus();
}

Result<QString> AuditLog::append(const AuditRecord& record) {
    QMutexLocker locker(&m_mutex);
    if (const Status opened = openLocked(); !opened)
        return opened.error();

    const QByteArray encodedPath = QFile::encodeName(m_path);
    const QFileInfo info(m_path);
    const bool existed = info.exists();
    if (!existed)
        QDir().mkpath(info.absolutePath()); // a failure shows up as the open error below

    FdGuard fd{::open(encodedPath.constData(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)};
    if (fd.fd < 0)
        return writeError(errno, m_path, "open");
    // Serialise writers in other processes (the console and a CLI on the same log).
    while (::flock(fd.fd, LOCK_EX) != 0) {
        if (errno != EINTR)
            return writeError(errno, m_path, "flock");
    }
    struct stat st {};
    if (::fstat(fd.fd, &st) != 0)
        return writeError(errno, m_path, "fstat");
    if (!S_ISREG(st.st_mode)) {
        return Error::make(Error::Kind::Io,
                           QStringLiteral("The audit log path is not a regular file"), m_path);
    }
    if (st.st_size != m_knownSize) {
        // Someone else appended (or the file was replaced): resume from what is on disk now.
        QFile file(m_path);
        if (!file.open(QIODevice::ReadOnly)) {
            return Error::make(
                Error::Kind::Io,
                QStringLiteral("The audit log could not be read: %1").arg(file.errorString()),
                m_path);
        }
        const QByteArray data = file.readAll();
        if (data.size() != st.st_size) {
            return Error::make(Error::Kind::Io, QStringLiteral("The audit log could not be read"),
                               m_path);
        }
        if (const Status resumed = resumeFrom(data); !resumed)
            return resumed.error();
    }

    QJsonObject entry;
    entry.insert(QLatin1String("seq"), m_lastSeq + 1);
    entry.insert(QLatin1String("ts"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    entry.insert(QLatin1String("actor"), record.actor.isEmpty() ? m_actor : record.actor);
    entry.insert(QLatin1String("instance"), record.instance);
    entry.insert(QLatin1String("action"), record.action);
    entry.insert(QLatin1String("target"), record.target);
    entry.insert(QLatin1String("phase"), phaseToString(record.phase));
    entry.insert(QLatin1String("detail"), record.detail);
    if (record.hasRequest) {
        bool bodyRedacted = false;
        bool urlRedacted = false;
        const QByteArray body = redactSecrets(record.body, &bodyRedacted);
        const QUrl url = redactUrl(record.url, &urlRedacted);
        QJsonObject request;
        request.insert(QLatin1String("method"), record.method);
        request.insert(QLatin1String("url"), url.toString(QUrl::FullyEncoded));
        // The hash of the exact bytes sent, unless secrets were scrubbed: a hash of a body with
        // a password in it would let anyone holding the log test guesses offline.
        request.insert(QLatin1String("bodySha256"), sha256Hex(body));
        request.insert(QLatin1String("body"), QString::fromUtf8(body));
        if (bodyRedacted || urlRedacted)
            request.insert(QLatin1String("redacted"), true);
        entry.insert(QLatin1String("request"), request);
    }
    entry.insert(QLatin1String("prev"), m_head);
    const QString hash = entryHash(entry);
    entry.insert(QLatin1String("hash"), hash);
    const QByteArray line = canonicalJson(entry) + '\n';

    const off_t sizeBefore = st.st_size;
    auto rollBack = [&] {
        // Leave no half entry behind: the next append must continue an intact chain.
        if (::ftruncate(fd.fd, sizeBefore) == 0)
            ::fsync(fd.fd);
    };
    qsizetype written = 0;
    while (written < line.size()) {
        const ssize_t n =
            ::write(fd.fd, line.constData() + written, static_cast<size_t>(line.size() - written));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            rollBack();
            return writeError(err, m_path, "write");
        }
        written += n;
    }
    if (::fsync(fd.fd) != 0) {
        const int err = errno;
        rollBack();
        return writeError(err, m_path, "fsync");
    }
    if (!existed) {
        // A new file is durable only once its directory entry is.
        const QByteArray dir = QFile::encodeName(info.absolutePath());
        const int dfd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
    }
    m_lastSeq += 1;
    m_head = hash;
    m_knownSize = sizeBefore + line.size();
    return hash;
}

VerifyReport AuditLog::verify(const QString& path, const QString& expectedHead) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        VerifyReport report;
        report.unreadable = true;
        report.problem = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return report;
    }
    return verifyData(file.readAll(), expectedHead);
}

VerifyReport AuditLog::verifyData(const QByteArray& data, const QString& expectedHead) {
    VerifyReport report;
    report.headHash = zeroHash();
    auto fail = [&report](int line, QString problem) {
        report.ok = false;
        report.firstBadLine = line;
        report.problem = std::move(problem);
        return report;
    };

    QString prevHash = zeroHash();
    qint64 prevSeq = 0;
    int lineNo = 0;
    qsizetype pos = 0;
    const QString anchor = expectedHead.trimmed().toLower();
    while (pos < data.size()) {
        const qsizetype end = data.indexOf('\n', pos);
        const bool hasLineEnd = end >= 0;
        const QByteArray line = data.mid(pos, hasLineEnd ? end - pos : -1);
        pos = hasLineEnd ? end + 1 : data.size();
        ++lineNo;

        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
        const bool isJson = parseError.error == QJsonParseError::NoError && doc.isObject();
        if (!hasLineEnd) {
            return fail(lineNo, isJson
                                    ? QStringLiteral("last line is truncated (it has no line end)")
                                    : QStringLiteral("last line is truncated"));
        }
        if (line.isEmpty()) {
            return fail(lineNo,
                        QStringLiteral("line %1 is empty (an entry was removed or the file edited)")
                            .arg(lineNo));
        }
        if (!isJson)
            return fail(lineNo, QStringLiteral("not JSON at line %1").arg(lineNo));

        const QJsonObject entry = doc.object();
        static const QLatin1String stringKeys[] = {
            QLatin1String("ts"),     QLatin1String("actor"),  QLatin1String("instance"),
            QLatin1String("action"), QLatin1String("target"), QLatin1String("phase"),
            QLatin1String("detail"), QLatin1String("prev"),   QLatin1String("hash")};
        const QJsonValue seqValue = entry.value(QLatin1String("seq"));
        const double seqDouble = seqValue.toDouble(-1);
        if (!seqValue.isDouble() || seqDouble < 1 || std::trunc(seqDouble) != seqDouble) {
            return fail(lineNo,
                        QStringLiteral("line %1 is not an audit entry (missing or wrong \"seq\")")
                            .arg(lineNo));
        }
        for (const QLatin1String key : stringKeys) {
            if (!hasString(entry, key)) {
                return fail(lineNo, QStringLiteral(
                                        "line %1 is not an audit entry (missing or wrong \"%2\")")
                                        .arg(lineNo)
                                        .arg(key));
            }
        }
        if (entry.contains(QLatin1String("request")) &&
            !entry.value(QLatin1String("request")).isObject()) {
            return fail(
                lineNo,
                QStringLiteral("line %1 is not an audit entry (wrong \"request\")").arg(lineNo));
        }

        const qint64 seq = static_cast<qint64>(seqDouble);
        const QString hash = entry.value(QLatin1String("hash")).toString();
        if (entryHash(entry) != hash)
            return fail(lineNo, QStringLiteral("entry %1 was edited (hash mismatch)").arg(seq));
        if (canonicalJson(entry) != line) {
            return fail(lineNo, QStringLiteral("entry %1 was edited (the line is not in its "
                                               "canonical form)")
                                    .arg(seq));
        }
        if (seq != prevSeq + 1) {
            if (seq > prevSeq + 1) {
                const QString missing = seq == prevSeq + 2
                                            ? QStringLiteral("entry %1 is missing").arg(prevSeq + 1)
                                            : QStringLiteral("entries %1 to %2 are missing")
                                                  .arg(prevSeq + 1)
                                                  .arg(seq - 1);
                const QString context =
                    prevSeq == 0 ? QStringLiteral("the log starts at seq %1").arg(seq)
                                 : QStringLiteral("seq %1 followed by %2").arg(prevSeq).arg(seq);
                return fail(
                    lineNo,
                    QStringLiteral("%1 or entries were reordered (%2)").arg(missing, context));
            }
            return fail(lineNo, QStringLiteral(
                                    "entries were reordered or duplicated (seq %1 followed by %2)")
                                    .arg(prevSeq)
                                    .arg(seq));
        }
        if (entry.value(QLatin1String("prev")).toString() != prevHash) {
            if (prevSeq == 0) {
                return fail(lineNo, QStringLiteral("entry 1's prev is not the zero hash (the log "
                                                   "does not start with its first entry)"));
            }
            return fail(lineNo, QStringLiteral("entry %1's prev does not match entry %2's hash")
                                    .arg(seq)
                                    .arg(prevSeq));
        }

        prevHash = hash;
        prevSeq = seq;
        report.entries += 1;
        report.headHash = hash;
        report.lastSeq = seq;
        if (!anchor.isEmpty() && hash == anchor)
            report.anchorSeq = seq;
    }

    if (!anchor.isEmpty() && report.anchorSeq == 0) {
        return fail(std::max(lineNo, 1),
                    QStringLiteral("the expected head %1 is not in the log (its head is %2): the "
                                   "chain was rewritten or entries at its end were removed")
                        .arg(anchor, report.headHash));
    }
    report.ok = true;
    return report;
}

QByteArray AuditLog::canonicalJson(const QJsonValue& value) {
    QByteArray out;
    appendCanonical(out, value);
    return out;
}

QString AuditLog::entryHash(const QJsonObject& entry) {
    QJsonObject withoutHash = entry;
    withoutHash.remove(QLatin1String("hash"));
    return sha256Hex(canonicalJson(withoutHash));
}

QString AuditLog::zeroHash() {
    return QString(64, QLatin1Char('0'));
}

QString AuditLog::defaultPath() {
    // Not AppDataLocation: the console and sextant-cli have different application names but must
    // share one chain.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/sextant/audit.jsonl");
}

QString AuditLog::osUserName() {
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    QByteArray buffer(size > 0 ? size : 16384, Qt::Uninitialized);
    struct passwd pw {};
    struct passwd* result = nullptr;
    if (::getpwuid_r(::geteuid(), &pw, buffer.data(), static_cast<size_t>(buffer.size()),
                     &result) == 0 &&
        result && result->pw_name && *result->pw_name)
        return QString::fromLocal8Bit(result->pw_name);
    for (const char* var : {"USER", "LOGNAME"}) {
        const QString v = qEnvironmentVariable(var);
        if (!v.isEmpty())
            return v;
    }
    return QStringLiteral("uid-%1").arg(::geteuid());
}

} // namespace sextant::governance
