#pragma once

#include "core/result.h"
#include "core/writerequest.h"

#include <QByteArray>
#include <QJsonObject>
#include <QMutex>
#include <QString>
#include <QUrl>

#include <optional>

namespace sextant::governance {

// Where an action stands when an entry is written. An approved write leaves at least
// requested → approved → succeeded|failed; a refused or rejected one stops early.
enum class AuditPhase { Requested, Approved, Rejected, Refused, Succeeded, Failed };

QString phaseToString(AuditPhase phase);
std::optional<AuditPhase> phaseFromString(QStringView text);

// What a caller asks the log to record. The log adds seq, ts, prev and hash, fills an empty
// actor with its own, and scrubs secrets from the request before writing.
struct AuditRecord {
    QString actor; // empty: the log's actor (the OS user unless set)
    QString instance;
    QString action;
    QString target;
    AuditPhase phase = AuditPhase::Requested;
    QString detail;

    bool hasRequest = false;
    QString method;
    QUrl url;
    QByteArray body; // the exact bytes that will be sent; scrubbed before writing

    static AuditRecord forRequest(const WriteRequest& request, AuditPhase phase,
                                  QString detail = {});
};

// The result of checking a log file. Line numbers are 1-based.
struct VerifyReport {
    bool ok = false;
    bool unreadable = false; // the file could not be read at all (missing, permissions)
    qint64 entries = 0;      // entries that passed every check
    int firstBadLine = 0;    // 0 when ok
    QString problem;         // plain words, empty when ok
    QString headHash;        // hash of the last entry that passed (64 zeros for an empty log)
    qint64 lastSeq = 0;      // seq of that entry
    qint64 anchorSeq = 0;    // with an expected head: the entry whose hash it is
};

// The hash-chained, append-only audit log (JSON Lines). Each append is written with one
// write(2), flushed and fsync'ed before append() returns, so the entry is on disk before the
// action it records proceeds; a failed append returns a typed Error and the caller must stop.
//
// Entry hash: SHA-256 (lower-case hex) over the canonical JSON of the entry without its "hash"
// key. Canonical JSON: UTF-8, no whitespace, object keys sorted by UTF-16 code units, strings
// with the minimal JSON escapes (\" \\ \b \f \n \r \t, other controls as \u00xx, everything
// else literal), integers in decimal, true/false/null. Each file line is the canonical JSON of
// the whole entry (hash included) followed by '\n'. See docs/audit-log.md.
//
// Thread-safe; several processes appending to one file are serialised with flock(2).
class AuditLog {
public:
    explicit AuditLog(QString path, QString actor = {});
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    const QString& path() const { return m_path; }
    QString actor() const;
    void setActor(QString actor);

    // Reads an existing file and resumes its chain; refuses (Kind::Io) when the chain is broken.
    // append() calls it on first use, so calling it is only needed to learn early.
    Status open();

    // Writes one entry and returns its hash, or an Error (disk full, permission, broken chain).
    Result<QString> append(const AuditRecord& record);

    // The hash of the last entry, 64 zeros for an empty log. Keep it somewhere the log's
    // writers cannot change (a ticket, a chat message, another machine): comparing it later
    // is the only way to detect a rewrite of the whole chain.
    QString headHash() const;
    qint64 lastSeq() const;

    // Checks a log file. With expectedHead, the chain must also contain an entry with that
    // hash (an anchor taken earlier); a rewritten chain or entries removed from the end then
    // fail.
    static VerifyReport verify(const QString& path, const QString& expectedHead = {});
    static VerifyReport verifyData(const QByteArray& data, const QString& expectedHead = {});

    static QByteArray canonicalJson(const QJsonValue& value);
    // SHA-256 hex over the canonical JSON of the entry without its "hash" key.
    static QString entryHash(const QJsonObject& entry);
    static QString zeroHash();
    // $XDG_DATA_HOME/sextant/audit.jsonl, shared by the console and sextant-cli.
    static QString defaultPath();
    // The login name of the user running the process.
    static QString osUserName();

private:
    Status openLocked();
    Status resumeFrom(const QByteArray& data);

    const QString m_path;
    mutable QMutex m_mutex;
    QString m_actor;
    bool m_opened = false;
    qint64 m_lastSeq = 0;
    QString m_head;
    qint64 m_knownSize = 0;
};

} // namespace sextant::governance
