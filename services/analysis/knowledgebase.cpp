#include "knowledgebase.h"

#include "governance/redaction.h"

#include <QAtomicInt>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QVariant>

#include <algorithm>

namespace sextant::analysis {

namespace {

QAtomicInt connectionCounter;

constexpr int kMaxEvidenceLines = 200;       // evidence lines kept per analysis for search
constexpr int kMaxEvidenceChars = 32 * 1024; // and their total size
constexpr int kMaxQueryTokens = 48;          // distinctive words used to look for similar text
constexpr char kSignatureTag[] = "s";
constexpr char kCategoryTag[] = "c";

// A healthy result is not an incident: it never makes two analyses "similar".
const QString kNoIssue = QStringLiteral("NoIssueFound");

QString redact(const QString& text) {
    if (text.isEmpty())
        return text;
    return QString::fromUtf8(governance::redactSecrets(text.toUtf8()));
}

// A null QString binds as SQL NULL; the text columns are NOT NULL.
QVariant sqlText(const QString& s) {
    return s.isNull() ? QVariant(QStringLiteral("")) : QVariant(s);
}

QStringList uniqueNonEmpty(const QStringList& in) {
    QStringList out;
    for (const QString& s : in)
        if (!s.isEmpty() && !out.contains(s))
            out << s;
    return out;
}

// The evidence lines the findings cite, then the other warning lines: what made the diagnosis.
QString evidenceTextOf(const Diagnosis& d) {
    QStringList lines;
    int chars = 0;
    QSet<QString> used;
    const auto add = [&](const EvidenceItem& e) {
        if (used.contains(e.id) || lines.size() >= kMaxEvidenceLines || chars >= kMaxEvidenceChars)
            return;
        used.insert(e.id);
        const QString line = e.ref.isEmpty() ? e.text : e.ref + QStringLiteral(": ") + e.text;
        lines << line;
        chars += int(line.size());
    };
    QHash<QString, const EvidenceItem*> byId;
    for (const EvidenceItem& e : d.evidence)
        byId.insert(e.id, &e);
    for (const Finding& f : d.findings)
        for (const QString& id : f.evidenceIds)
            if (const EvidenceItem* e = byId.value(id))
                add(*e);
    for (const EvidenceItem& e : d.evidence)
        if (e.warning)
            add(e);
    if (lines.isEmpty())
        for (const EvidenceItem& e : d.evidence)
            add(e);
    return lines.join(QLatin1Char('\n')).left(kMaxEvidenceChars);
}

QString findingsJsonOf(const Diagnosis& d) {
    Json arr = Json::array();
    QHash<QString, const EvidenceItem*> byId;
    for (const EvidenceItem& e : d.evidence)
        byId.insert(e.id, &e);
    for (const Finding& f : d.findings) {
        Json evidence = Json::array();
        for (const QString& id : f.evidenceIds) {
            const EvidenceItem* e = byId.value(id);
            evidence.push_back(Json{{"id", id.toStdString()},
                                    {"source", e ? e->source.toStdString() : std::string()},
                                    {"text", e ? redact(e->text).toStdString() : std::string()}});
        }
        Json remediation = Json::array();
        for (const QString& r : f.remediation)
            remediation.push_back(redact(r).toStdString());
        Json fields = Json::object();
        for (auto it = f.fields.cbegin(); it != f.fields.cend(); ++it)
            fields[it.key().toStdString()] = redact(it.value()).toStdString();
        arr.push_back(Json{{"category", f.category.toStdString()},
                           {"signature", f.signatureId.toStdString()},
                           {"summary", redact(f.summary).toStdString()},
                           {"confidence", f.confidence},
                           {"evidence", evidence},
                           {"remediation", remediation},
                           {"fixKind", f.fixKind.toStdString()},
                           {"resource", f.resource.toStdString()},
                           {"fields", fields}});
    }
    const std::string dumped = arr.dump();
    // Every text was redacted above; the JSON walk also catches secret-named fields.
    return QString::fromUtf8(
        governance::redactSecrets(QByteArray(dumped.data(), qsizetype(dumped.size()))));
}

const QSet<QString>& stopWords() {
    static const QSet<QString> words = {
        QStringLiteral("the"),  QStringLiteral("and"),   QStringLiteral("for"),
        QStringLiteral("with"), QStringLiteral("from"),  QStringLiteral("that"),
        QStringLiteral("this"), QStringLiteral("was"),   QStringLiteral("are"),
        QStringLiteral("has"),  QStringLiteral("have"),  QStringLiteral("not"),
        QStringLiteral("but"),  QStringLiteral("its"),   QStringLiteral("into"),
        QStringLiteral("pod"),  QStringLiteral("pods"),  QStringLiteral("container"),
        QStringLiteral("log"),  QStringLiteral("event"), QStringLiteral("level"),
        QStringLiteral("msg"),  QStringLiteral("info"),  QStringLiteral("previous")};
    return words;
}

// Distinct search words of a text, in order of appearance.
QStringList tokensOf(const QString& text, int max) {
    QStringList out;
    QSet<QString> seen;
    for (const QString& t :
         KnowledgeBase::distinctiveText(text).split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (t.size() < 3 || stopWords().contains(t) || seen.contains(t))
            continue;
        seen.insert(t);
        out << t;
        if (out.size() >= max)
            break;
    }
    return out;
}

QString ftsQuery(const QStringList& tokens, const QString& joiner, bool prefix) {
    QStringList parts;
    for (const QString& t : tokens) // tokens are [a-z0-9]+: quoting is enough
        parts << QLatin1Char('"') + t + QLatin1Char('"') +
                     (prefix ? QStringLiteral("*") : QString());
    return parts.join(joiner);
}

QString placeholders(int n) {
    QStringList marks;
    for (int i = 0; i < n; ++i)
        marks << QStringLiteral("?");
    return marks.join(QLatin1Char(','));
}

const char* const kColumns = "id, app, instance, created, categories, signatures, summary, "
                             "findings, resolved, resolution, resolution_link, resolved_at";

PastIncident incidentFrom(const QSqlQuery& q) {
    PastIncident p;
    p.id = q.value(0).toLongLong();
    p.app = q.value(1).toString();
    p.instance = q.value(2).toString();
    p.time = QDateTime::fromMSecsSinceEpoch(q.value(3).toLongLong(), Qt::UTC);
    p.categories = q.value(4).toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    p.signatureIds = q.value(5).toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    p.summary = q.value(6).toString();
    p.findingsJson = q.value(7).toString();
    p.resolved = q.value(8).toInt() != 0;
    p.resolution = q.value(9).toString();
    p.resolutionLink = q.value(10).toString();
    if (!q.value(11).isNull())
        p.resolvedAt = QDateTime::fromMSecsSinceEpoch(q.value(11).toLongLong(), Qt::UTC);
    return p;
}

} // namespace

QString KnowledgeBase::distinctiveText(const QString& text) {
    static const QRegularExpression uuid(
        QStringLiteral("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression ipv4(QStringLiteral(R"(\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b)"));
    static const QRegularExpression separators(QStringLiteral(R"([^\p{L}\p{N}]+)"));
    static const QRegularExpression podSuffix(QStringLiteral("^[bcdfghjklmnpqrstvwxz2456789]{5}$"));
    QString s = text.toLower();
    s.replace(uuid, QStringLiteral(" "));
    s.replace(ipv4, QStringLiteral(" "));
    QStringList kept;
    for (const QString& word : s.split(separators, Qt::SkipEmptyParts)) {
        bool digit = false, letter = false;
        for (const QChar c : word) {
            digit = digit || c.isDigit();
            letter = letter || c.isLetter();
        }
        if (!letter)
            continue; // numbers: counts, sizes, exit codes, ports
        if (digit && word.front().isDigit())
            continue; // 50gi, 5m0s, 137s
        if (digit && word.size() >= 4)
            continue; // generated parts and hashes: 6d8f7c9b5, x2k8p, d1e2f3a4, sha256
        if (podSuffix.match(word).hasMatch())
            continue; // pod name suffixes that happen to have no digit
        kept << word;
    }
    return kept.join(QLatin1Char(' '));
}

KnowledgeBase::KnowledgeBase(const QString& path, int maxEntries)
    : m_path(path)
    , m_connection(
          QStringLiteral("sextant-knowledge-base-%1").arg(connectionCounter.fetchAndAddRelaxed(1)))
    , m_maxEntries(std::max(1, maxEntries)) {
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        m_error = Error::make(Error::Kind::Io,
                              QStringLiteral("knowledge base unavailable: cannot create the "
                                             "folder of %1")
                                  .arg(path),
                              QStringLiteral("path: %1").arg(info.absolutePath()));
        return;
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(path);
    if (!db.open()) {
        m_error = sqlError(QStringLiteral("open"), db.lastError());
        return;
    }
    QSqlQuery q(db);
    const auto run = [&](const QString& sql) {
        if (q.exec(sql))
            return true;
        m_error = sqlError(sql.section(QLatin1Char(' '), 0, 2), q.lastError());
        return false;
    };
    // quick_check reads every page: a damaged file is reported now, not in the middle of use.
    if (!run(QStringLiteral("PRAGMA quick_check")))
        return;
    if (!q.next() || q.value(0).toString() != QLatin1String("ok")) {
        m_error = Error::make(Error::Kind::Io,
                              QStringLiteral("knowledge base unavailable: %1 is damaged — move it "
                                             "away to start a new one")
                                  .arg(path),
                              QStringLiteral("PRAGMA quick_check: %1").arg(q.value(0).toString()));
        return;
    }
    if (!run(QStringLiteral("PRAGMA journal_mode=WAL")) ||
        !run(QStringLiteral("PRAGMA synchronous=NORMAL")) ||
        !run(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT "
                            "NULL)")) ||
        !run(
            QStringLiteral("CREATE TABLE IF NOT EXISTS incidents ("
                           " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                           " app TEXT NOT NULL, instance TEXT NOT NULL,"
                           " created INTEGER NOT NULL," // ms since the epoch, UTC
                           " categories TEXT NOT NULL, signatures TEXT NOT NULL," // space-separated
                           " summary TEXT NOT NULL, findings TEXT NOT NULL,"
                           " evidence TEXT NOT NULL,"
                           " resolved INTEGER NOT NULL DEFAULT 0, resolution TEXT NOT NULL"
                           " DEFAULT '', resolution_link TEXT NOT NULL DEFAULT '',"
                           " resolved_at INTEGER)")) ||
        !run(QStringLiteral(
            "CREATE INDEX IF NOT EXISTS incidents_created ON incidents (created)")) ||
        // One row per signature id / category of an analysis, for the "same signature" join.
        !run(QStringLiteral("CREATE TABLE IF NOT EXISTS incident_tags ("
                            " incident_id INTEGER NOT NULL, kind TEXT NOT NULL,"
                            " value TEXT NOT NULL)")) ||
        !run(QStringLiteral("CREATE INDEX IF NOT EXISTS incident_tags_value ON incident_tags"
                            " (kind, value)")) ||
        !run(QStringLiteral("CREATE INDEX IF NOT EXISTS incident_tags_incident ON incident_tags"
                            " (incident_id)")) ||
        // rowid = incidents.id; holds distinctiveText() of each column.
        !run(QStringLiteral("CREATE VIRTUAL TABLE IF NOT EXISTS incidents_fts USING fts5("
                            "summary, evidence, resolution, tokenize = 'unicode61')")))
        return;
    if (!run(QStringLiteral("SELECT MAX(version) FROM schema_version")))
        return;
    const QVariant version = q.next() ? q.value(0) : QVariant();
    if (!version.isNull() && version.toInt() > kSchemaVersion) {
        m_error = Error::make(Error::Kind::Config,
                              QStringLiteral("knowledge base unavailable: %1 was written by a "
                                             "newer Sextant")
                                  .arg(path),
                              QStringLiteral("schema version %1, this build reads up to %2")
                                  .arg(version.toInt())
                                  .arg(kSchemaVersion));
        return;
    }
    // Writing the version also proves the file is writable (SQLite opens read-only files
    // silently read-only).
    if (!run(QStringLiteral("DELETE FROM schema_version")) ||
        !run(
            QStringLiteral("INSERT INTO schema_version (version) VALUES (%1)").arg(kSchemaVersion)))
        return;
    m_open = true;
}

KnowledgeBase::~KnowledgeBase() {
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        if (db.isValid())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

Error KnowledgeBase::sqlError(const QString& what, const QSqlError& error) const {
    // SQLite primary result codes (extended codes keep them in the low byte).
    const int code = error.nativeErrorCode().toInt() & 0xff;
    QString shortMessage;
    if (code == 11 || code == 26) // SQLITE_CORRUPT, SQLITE_NOTADB
        shortMessage = QStringLiteral("knowledge base unavailable: %1 is damaged or not a "
                                      "database — move it away to start a new one")
                           .arg(m_path);
    else if (code == 8 || code == 14 || code == 10 || code == 13 || code == 23)
        // READONLY, CANTOPEN, IOERR, FULL, AUTH
        shortMessage = QStringLiteral("knowledge base unavailable: cannot write %1").arg(m_path);
    else
        shortMessage = QStringLiteral("knowledge base: %1 failed").arg(what);
    Error e = Error::make(Error::Kind::Io, shortMessage,
                          QStringLiteral("file: %1\nstatement: %2\nSQLite error %3: %4")
                              .arg(m_path, what, error.nativeErrorCode(), error.text()));
    return e;
}

Result<qint64> KnowledgeBase::record(const Diagnosis& d, const QString& app,
                                     const QString& instance, const QDateTime& when) {
    if (!m_open)
        return m_error;
    QStringList categories, signatures;
    for (const Finding& f : d.findings) {
        categories << f.category;
        signatures << f.signatureId;
    }
    categories = uniqueNonEmpty(categories);
    signatures = uniqueNonEmpty(signatures);
    const QString summary = redact(d.findings.isEmpty() ? QString() : d.findings.first().summary);
    const QString evidence = redact(evidenceTextOf(d));
    const QString findings = findingsJsonOf(d);
    const QString appName = app.isEmpty() ? d.app : app;

    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    // Diagnosing the same incident again (the tab reopened, "Diagnose again") is not a new
    // incident: the newest unresolved record of this app with the same signatures, from the
    // last six hours, is reused, so "similar incidents" does not fill up with copies.
    {
        QSqlQuery same(db);
        same.prepare(QStringLiteral("SELECT id, signatures, resolved FROM incidents WHERE app = ? "
                                    "AND instance = ? AND created >= ? ORDER BY created DESC "
                                    "LIMIT 1"));
        same.addBindValue(sqlText(appName));
        same.addBindValue(sqlText(instance));
        same.addBindValue(when.addSecs(-6 * 3600).toMSecsSinceEpoch());
        if (same.exec() && same.next() &&
            same.value(1).toString() == signatures.join(QLatin1Char(' ')) &&
            !same.value(2).toBool())
            return same.value(0).toLongLong();
    }
    if (!db.transaction())
        return sqlError(QStringLiteral("BEGIN"), db.lastError());
    QSqlQuery q(db);
    const auto rollback = [&](const QString& what, const QSqlError& e) {
        db.rollback();
        return sqlError(what, e);
    };
    q.prepare(QStringLiteral("INSERT INTO incidents (app, instance, created, categories, "
                             "signatures, summary, findings, evidence) VALUES (?,?,?,?,?,?,?,?)"));
    q.addBindValue(sqlText(appName));
    q.addBindValue(sqlText(instance));
    q.addBindValue(when.toMSecsSinceEpoch());
    q.addBindValue(sqlText(categories.join(QLatin1Char(' '))));
    q.addBindValue(sqlText(signatures.join(QLatin1Char(' '))));
    q.addBindValue(sqlText(summary));
    q.addBindValue(sqlText(findings));
    q.addBindValue(sqlText(evidence));
    if (!q.exec())
        return rollback(QStringLiteral("INSERT INTO incidents"), q.lastError());
    const qint64 id = q.lastInsertId().toLongLong();

    q.prepare(
        QStringLiteral("INSERT INTO incident_tags (incident_id, kind, value) VALUES (?,?,?)"));
    const auto tag = [&](const char* kind, const QString& value) {
        q.addBindValue(id);
        q.addBindValue(QString::fromLatin1(kind));
        q.addBindValue(value);
        return q.exec();
    };
    for (const QString& s : signatures)
        if (!tag(kSignatureTag, s))
            return rollback(QStringLiteral("INSERT INTO incident_tags"), q.lastError());
    for (const QString& c : categories)
        if (!tag(kCategoryTag, c))
            return rollback(QStringLiteral("INSERT INTO incident_tags"), q.lastError());

    q.prepare(QStringLiteral("INSERT INTO incidents_fts (rowid, summary, evidence, resolution) "
                             "VALUES (?,?,?,'')"));
    q.addBindValue(id);
    q.addBindValue(distinctiveText(summary + QLatin1Char(' ') + categories.join(QLatin1Char(' ')) +
                                   QLatin1Char(' ') + signatures.join(QLatin1Char(' '))));
    q.addBindValue(sqlText(distinctiveText(evidence)));
    if (!q.exec())
        return rollback(QStringLiteral("INSERT INTO incidents_fts"), q.lastError());
    if (!db.commit())
        return rollback(QStringLiteral("COMMIT"), db.lastError());
    if (const Status s = prune(); !s)
        return s.error();
    return id;
}

Status KnowledgeBase::prune() {
    const Result<int> n = count();
    if (!n)
        return n.error();
    const int excess = *n - m_maxEntries;
    if (excess <= 0)
        return okStatus();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.transaction();
    QSqlQuery q(db);
    // The same oldest-first selection for the three tables; incidents go last.
    const QString oldest =
        QStringLiteral("(SELECT id FROM incidents ORDER BY created, id LIMIT %1)").arg(excess);
    for (const QString& sql :
         {QStringLiteral("DELETE FROM incidents_fts WHERE rowid IN ") + oldest,
          QStringLiteral("DELETE FROM incident_tags WHERE incident_id IN ") + oldest,
          QStringLiteral("DELETE FROM incidents WHERE id IN ") + oldest}) {
        if (!q.exec(sql)) {
            db.rollback();
            return sqlError(QStringLiteral("prune"), q.lastError());
        }
    }
    if (!db.commit())
        return sqlError(QStringLiteral("prune"), db.lastError());
    return okStatus();
}

Status KnowledgeBase::recordResolution(qint64 id, const QString& text, const QString& link) {
    if (!m_open)
        return m_error;
    const QString resolution = redact(text);
    QString cleanLink = link.trimmed();
    if (!cleanLink.isEmpty()) // a PR URL may carry a token in its query
        cleanLink = governance::redactUrl(QUrl(cleanLink)).toString();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.transaction();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE incidents SET resolved = 1, resolution = ?, "
                             "resolution_link = ?, resolved_at = ? WHERE id = ?"));
    q.addBindValue(sqlText(resolution));
    q.addBindValue(sqlText(cleanLink));
    q.addBindValue(QDateTime::currentMSecsSinceEpoch());
    q.addBindValue(id);
    if (!q.exec()) {
        db.rollback();
        return sqlError(QStringLiteral("UPDATE incidents"), q.lastError());
    }
    if (q.numRowsAffected() == 0) {
        db.rollback();
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("knowledge base: no analysis with id %1").arg(id));
    }
    q.prepare(QStringLiteral("UPDATE incidents_fts SET resolution = ? WHERE rowid = ?"));
    q.addBindValue(sqlText(distinctiveText(resolution)));
    q.addBindValue(id);
    if (!q.exec()) {
        db.rollback();
        return sqlError(QStringLiteral("UPDATE incidents_fts"), q.lastError());
    }
    if (!db.commit())
        return sqlError(QStringLiteral("COMMIT"), db.lastError());
    return okStatus();
}

Result<int> KnowledgeBase::count() const {
    if (!m_open)
        return m_error;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM incidents")) || !q.next())
        return sqlError(QStringLiteral("SELECT COUNT"), q.lastError());
    return q.value(0).toInt();
}

Result<PastIncident> KnowledgeBase::get(qint64 id) const {
    if (!m_open)
        return m_error;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("SELECT %1 FROM incidents WHERE id = ?").arg(QLatin1String(kColumns)));
    q.addBindValue(id);
    if (!q.exec())
        return sqlError(QStringLiteral("SELECT incidents"), q.lastError());
    if (!q.next())
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("knowledge base: no analysis with id %1").arg(id));
    return incidentFrom(q);
}

Result<QVector<PastIncident>> KnowledgeBase::search(const QString& text, int limit) const {
    if (!m_open)
        return m_error;
    QVector<PastIncident> out;
    const QStringList tokens = tokensOf(text, kMaxQueryTokens);
    if (tokens.isEmpty() || limit <= 0)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    // Every word must match; a word also matches as a prefix ("crash" finds "crashloop").
    q.prepare(QStringLiteral("SELECT rowid, bm25(incidents_fts, 2.0, 1.0, 1.5) AS score FROM "
                             "incidents_fts WHERE incidents_fts MATCH ? ORDER BY score LIMIT ?"));
    q.addBindValue(ftsQuery(tokens, QStringLiteral(" AND "), true));
    q.addBindValue(limit);
    if (!q.exec())
        return sqlError(QStringLiteral("search"), q.lastError());
    QVector<QPair<qint64, double>> hits;
    while (q.next())
        hits.append({q.value(0).toLongLong(), -q.value(1).toDouble()});
    for (const auto& [id, score] : hits) {
        Result<PastIncident> p = get(id);
        if (!p)
            continue;
        p->matchedBy = QStringLiteral("text");
        p->textScore = score;
        out.append(std::move(p).value());
    }
    return out;
}

Result<QVector<PastIncident>> KnowledgeBase::similar(const Diagnosis& d, int limit,
                                                     qint64 excludeId) const {
    if (!m_open)
        return m_error;
    QVector<PastIncident> out;
    if (limit <= 0)
        return out;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);

    QStringList signatures, categories;
    for (const Finding& f : d.findings) {
        if (f.category == kNoIssue)
            continue;
        signatures << f.signatureId;
        categories << f.category;
    }
    signatures = uniqueNonEmpty(signatures);
    categories = uniqueNonEmpty(categories);

    struct Candidate {
        int signatures = 0, categories = 0;
        double text = 0.0;
    };
    QHash<qint64, Candidate> candidates;
    // Enough rows to rank within the limit after the same-app preference and text scoring.
    const int fetch = std::max(50, limit * 10);

    if (!signatures.isEmpty() || !categories.isEmpty()) {
        QSqlQuery q(db);
        QString where;
        if (!signatures.isEmpty())
            where += QStringLiteral("(t.kind = '%1' AND t.value IN (%2))")
                         .arg(QLatin1String(kSignatureTag), placeholders(int(signatures.size())));
        if (!categories.isEmpty())
            where += (where.isEmpty() ? QString() : QStringLiteral(" OR ")) +
                     QStringLiteral("(t.kind = '%1' AND t.value IN (%2))")
                         .arg(QLatin1String(kCategoryTag), placeholders(int(categories.size())));
        q.prepare(QStringLiteral("SELECT t.incident_id, SUM(t.kind = '%1'), SUM(t.kind = '%2') "
                                 "FROM incident_tags t JOIN incidents i ON i.id = t.incident_id "
                                 "WHERE (%3) AND t.incident_id != ? GROUP BY t.incident_id "
                                 "ORDER BY (i.app = ?) DESC, 2 DESC, 3 DESC, i.created DESC "
                                 "LIMIT ?")
                      .arg(QLatin1String(kSignatureTag), QLatin1String(kCategoryTag), where));
        for (const QString& s : signatures)
            q.addBindValue(s);
        for (const QString& c : categories)
            q.addBindValue(c);
        q.addBindValue(excludeId);
        q.addBindValue(d.app);
        q.addBindValue(fetch);
        if (!q.exec())
            return sqlError(QStringLiteral("similar (signatures)"), q.lastError());
        while (q.next())
            candidates.insert(q.value(0).toLongLong(), {q.value(1).toInt(), q.value(2).toInt(), 0});
    }

    // Text: the distinctive words of the summary and the evidence, any of them (bm25 ranks).
    QString queryText;
    for (const Finding& f : d.findings)
        queryText += f.summary + QLatin1Char('\n');
    queryText += evidenceTextOf(d);
    const QStringList tokens = tokensOf(redact(queryText), kMaxQueryTokens);
    if (!tokens.isEmpty()) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT rowid, bm25(incidents_fts, 2.0, 1.0, 1.5) AS score, "
                                 "summary || ' ' || evidence || ' ' || resolution FROM "
                                 "incidents_fts WHERE incidents_fts MATCH ? AND rowid != ? "
                                 "ORDER BY score LIMIT ?"));
        q.addBindValue(ftsQuery(tokens, QStringLiteral(" OR "), false));
        q.addBindValue(excludeId);
        q.addBindValue(fetch);
        if (!q.exec())
            return sqlError(QStringLiteral("similar (text)"), q.lastError());
        // Shared domain words ("sync", "pod", "argocd") do not make two incidents alike: an
        // untagged match must share at least four words and half of the smaller
        // vocabulary (seen in the console: every demo failure looked "similar" to every other
        // one with a fifth-of-the-query rule).
        const QSet<QString> wanted(tokens.cbegin(), tokens.cend());
        while (q.next()) {
            const QStringList words =
                q.value(2).toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
            const QSet<QString> have(words.cbegin(), words.cend());
            const qint64 id = q.value(0).toLongLong();
            const bool tagged = candidates.contains(id);
            const int shared = int(QSet<QString>(wanted).intersect(have).size());
            const int smaller = int(std::min(wanted.size(), have.size()));
            if (!tagged && (shared < 4 || shared * 2 < smaller))
                continue;
            candidates[id].text = -q.value(1).toDouble();
        }
    }

    for (auto it = candidates.cbegin(); it != candidates.cend(); ++it) {
        Result<PastIncident> p = get(it.key());
        if (!p)
            continue;
        p->sharedSignatures = it->signatures;
        p->sharedCategories = it->categories;
        p->textScore = it->text;
        p->sameApp = !d.app.isEmpty() && p->app == d.app;
        p->matchedBy = it->signatures > 0   ? QStringLiteral("signature")
                       : it->categories > 0 ? QStringLiteral("category")
                                            : QStringLiteral("text");
        out.append(std::move(p).value());
    }
    std::sort(out.begin(), out.end(), [](const PastIncident& a, const PastIncident& b) {
        const bool ta = a.sharedSignatures + a.sharedCategories > 0;
        const bool tb = b.sharedSignatures + b.sharedCategories > 0;
        if (ta != tb)
            return ta; // shared signatures/categories before text-only matches
        if (ta && a.sameApp != b.sameApp)
            return a.sameApp; // same app first, then the fleet
        if (a.sharedSignatures != b.sharedSignatures)
            return a.sharedSignatures > b.sharedSignatures;
        if (a.sharedCategories != b.sharedCategories)
            return a.sharedCategories > b.sharedCategories;
        if (a.textScore != b.textScore)
            return a.textScore > b.textScore;
        if (a.sameApp != b.sameApp)
            return a.sameApp;
        if (a.resolved != b.resolved)
            return a.resolved; // a recorded fix is the most useful neighbour
        return a.time > b.time;
    });
    if (out.size() > limit)
        out.resize(limit);
    return out;
}

} // namespace sextant::analysis
