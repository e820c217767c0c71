#pragma once

#include "analysis/evidence.h"
#include "core/result.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVector>

class QSqlError;

namespace sextant::analysis {

// One stored analysis, as the knowledge base returns it.
struct PastIncident {
    qint64 id = 0;
    QString app;              // Diagnosis::app form: "namespace/name"
    QString instance;         // Argo CD instance name
    QDateTime time;           // when the analysis was recorded (UTC)
    QStringList categories;   // of the findings, strongest first
    QStringList signatureIds; // of the findings, strongest first
    QString summary;          // the top finding's summary (redacted)
    QString findingsJson;     // the findings as a JSON array (redacted)
    bool resolved = false;
    QString resolution;     // "what fixed it", as the user recorded it (redacted)
    QString resolutionLink; // fix revision or PR URL
    QDateTime resolvedAt;
    // Filled by similar()/search():
    QString matchedBy;    // "signature", "category" or "text"
    bool sameApp = false; // same app (and instance) as the query
    int sharedSignatures = 0;
    int sharedCategories = 0;
    double textScore = 0.0; // -bm25: higher = closer text; 0 = no text match
};

// Every analysis and, once the user records it, what fixed it, in a local SQLite database with
// an FTS5 index over summary, evidence and resolution. "Similar incidents" are found first by
// shared signature ids and categories (same app first, then the fleet), then by text.
//
// An optional store: when the file cannot be opened, written or read, isOpen() is false,
// error() explains it and every call returns that error; the rest of Sextant keeps working.
// Text is passed through governance::redactSecrets before it is stored. Each instance owns its
// own connection (WAL) and must be used on the thread that created it; calls take
// milliseconds.
class KnowledgeBase {
public:
    static constexpr int kDefaultMaxEntries = 10000;
    static constexpr int kSchemaVersion = 1;

    explicit KnowledgeBase(const QString& path, int maxEntries = kDefaultMaxEntries);
    ~KnowledgeBase();
    KnowledgeBase(const KnowledgeBase&) = delete;
    KnowledgeBase& operator=(const KnowledgeBase&) = delete;

    bool isOpen() const { return m_open; }
    const Error& error() const { return m_error; } // why it is not open (Kind::Io or Config)
    QString path() const { return m_path; }
    int maxEntries() const { return m_maxEntries; }

    // Stores one analysis; `app` empty = diagnosis.app. Prunes the oldest beyond maxEntries.
    Result<qint64> record(const Diagnosis& diagnosis, const QString& app, const QString& instance,
                          const QDateTime& when = QDateTime::currentDateTimeUtc());
    // "What fixed it": marks the analysis resolved. NotFound when the id does not exist.
    Status recordResolution(qint64 id, const QString& text, const QString& link = {});
    // Past incidents like this diagnosis, best first: those sharing signature ids or
    // categories (same app first, then the fleet), then those with similar evidence text.
    // `excludeId` leaves out the analysis itself when it was already recorded.
    Result<QVector<PastIncident>> similar(const Diagnosis& diagnosis, int limit = 5,
                                          qint64 excludeId = 0) const;
    // Full-text search over summary, evidence and resolution (bm25 order).
    Result<QVector<PastIncident>> search(const QString& text, int limit = 20) const;
    Result<PastIncident> get(qint64 id) const;
    Result<int> count() const;

    // The words that make evidence recognisable: lower case, without hashes, UIDs, IP
    // addresses, numbers and the random parts of generated names (web-6d8f7c9b5-x2k8p -> web).
    static QString distinctiveText(const QString& text);

private:
    Error sqlError(const QString& what, const QSqlError& error) const;
    Status prune();

    QString m_path;
    QString m_connection;
    int m_maxEntries;
    bool m_open = false;
    Error m_error;
};

} // namespace sextant::analysis
