#pragma once

#include "core/result.h"
#include "types.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sextant::argocd {

using Labels = QList<QPair<QString, QString>>;

// Shares the data of repeated strings between rows: every AppSummary that names the same
// project, cluster, namespace, repository, revision, label set or image list points at one
// QString/QList d-pointer, so 50,000 rows cost what their distinct values cost. Strings are
// found by a hash of their UTF-8 bytes (no copy of the bytes is kept: a hit is verified
// against the QString), lists by the identities of their interned elements. Two values with
// the same hash simply stay unshared.
// Not thread-safe by itself: parsers hold mutex() for the whole walk of one document.
class StringPool {
public:
    // The pool every parser uses unless told otherwise (lives for the whole process).
    static StringPool* shared();

    QMutex& mutex() { return m_mutex; }
    // Empty input gives a null QString (equal to an empty one).
    QString intern(std::string_view utf8);
    // Lists whose elements came from intern().
    Labels intern(const Labels& labels);
    QStringList intern(const QStringList& images);
    // Drops entries nobody but the pool uses any more (call with the mutex held or while no
    // parser runs). Returns how many were dropped.
    int prune();
    int size() const { return int(m_strings.size() + m_labels.size() + m_images.size()); }

private:
    // Key: a hash, already mixed. QHash (open addressing in spans) was measured faster and
    // smaller than std::unordered_map here: bench fleet's bytes_per_app 989 -> 960.
    template <typename T>
    using Map = QHash<quint64, T>;

    QMutex m_mutex;
    Map<QString> m_strings;
    Map<Labels> m_labels;
    Map<QStringList> m_images;
    std::size_t m_insertsSincePrune = 0;
};

// A reusable simdjson parser. Its buffers grow to the largest document it has seen, so keep
// one only where lists are parsed repeatedly and the memory is worth it (benchmarks); the
// default (nullptr) uses a temporary parser that frees its buffers when the parse returns.
class ListParser {
public:
    struct Options {
        // The indexed walk: simdjson's stage 1 (UTF-8, strings closed, no raw control
        // characters, the structure indexed) covers the whole body, piece by piece, and a walk
        // over the index reads and checks the values the rows need and skips the rest by bracket
        // depth, without checking their grammar (see docs/benchmarks.md). Off: the DOM path, which
        // checks every byte as the reference does.
        bool indexedWalk = true;
        // Walk the items on two threads when the body is at least splitBytes long (indexed
        // walk only; see splitWalk in appparser.cpp). The first walker takes about headShare
        // of the body, as it also interns the second one's rows.
        int maxThreads = 2;
        qsizetype splitBytes = 4 * 1024 * 1024;
        double headShare = 0.33;
        // Stage 1 and the walk go piece by piece, pieces cut between two items about every
        // pieceBytes (see cutPieces in appparser.cpp). 1 cuts between every two items.
        qsizetype pieceBytes = 512 * 1024;
    };
    // What the last parseApplicationListFast with this parser did (for the benchmarks).
    struct Stats {
        bool indexedWalk = false; // the rows came from the indexed walk
        int threads = 0;          // walkers that built them (0: the reference parser did)
    };

    ListParser();
    explicit ListParser(const Options& options);
    ~ListParser();
    ListParser(const ListParser&) = delete;
    ListParser& operator=(const ListParser&) = delete;

    const Options& options() const;
    const Stats& lastStats() const;

    // simdjson's DOM parse alone (the physical-limit reference of the benchmarks): the number
    // of elements of `items`, 0 when there is none, -1 for invalid JSON. `body` must be padded
    // (padForFastParse).
    qsizetype domParseOnly(const QByteArray& body);

    struct Impl;
    std::unique_ptr<Impl> d;
};

// The hot path for GET /api/v1/applications: simdjson's stage 1 indexes the body piece by
// piece, and a walk over the index builds AppSummary rows with interned strings (a second
// thread walks most of a large body). Gives the same AppList as parseApplicationList (labels
// ordered by key, as the reference's std::map gives them). Whenever the walk meets anything it does
// not expect (invalid JSON, a truncated body, a shape error) the body is parsed again by simdjson's
// DOM and, if that rejects it, by the reference parser, so errors carry the same message and byte
// offset. The walk reads the body in place; the DOM path reads up to SIMDJSON_PADDING bytes
// past its end when its allocation has room (see padForFastParse), otherwise a padded copy.
Result<AppList> parseApplicationListFast(const QByteArray& body, const QString& instanceId,
                                         StringPool* pool = StringPool::shared(),
                                         ListParser* parser = nullptr);
// Makes room after the bytes of `body` so parseApplicationListFast can parse it in place.
void padForFastParse(QByteArray& body);

// Parses GET /api/v1/applications (full objects or a `fields` projection). `"items": null`
// means no applications. Malformed or truncated JSON -> Kind::Protocol with the byte offset.
Result<AppList> parseApplicationList(const QByteArray& body, const QString& instanceId);

// One Application object -> AppSummary. Missing fields stay at their defaults; only a value
// that is not an object is an error.
// With a pool, repeated strings are interned (see StringPool; the caller holds its mutex).
Result<AppSummary> parseApplication(const nlohmann::json& application, const QString& instanceId,
                                    StringPool* pool = nullptr);

// One watch stream `result` object ({"type":"MODIFIED","application":{...}}).
Result<AppEvent> parseWatchResult(const nlohmann::json& result, const QString& instanceId,
                                  StringPool* pool = nullptr);

// Parses a JSON body with the byte offset of the first error in the message.
Result<nlohmann::json> parseJsonBody(const QByteArray& body, const QString& what);

} // namespace sextant::argocd
