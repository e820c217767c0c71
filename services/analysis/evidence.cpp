// Loading and saving the evidence bundle (docs/evidence-bundle.md). Loading is lenient about
// shapes Kubernetes itself produces (an EventList instead of an array, YAML manifests) and strict
// about everything else: a malformed member is a typed error naming the member, never a silent
// skip. Caps are applied while loading and every cut is written to `notes`.

#include "evidence.h"

#include "core/yamljson.h"
#include "normalise.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <numeric>

namespace sextant::analysis {

namespace {

QString qs(const Json& j) {
    return j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString();
}

Error malformed(const QString& member, const QString& details) {
    return Error::make(Error::Kind::Protocol,
                       QStringLiteral("Evidence bundle: '%1' is malformed").arg(member), details);
}

// Line and column of a byte offset, for JSON syntax errors.
QString position(const QByteArray& bytes, std::size_t offset) {
    int line = 1;
    int column = 1;
    for (std::size_t i = 0; i < offset && i < std::size_t(bytes.size()); ++i) {
        if (bytes[qsizetype(i)] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return QStringLiteral("line %1, column %2").arg(line).arg(column);
}

QString cutLine(const QString& line, int maxChars, int* cut) {
    if (maxChars <= 0 || line.size() <= maxChars)
        return line;
    if (cut)
        ++*cut;
    return line.left(maxChars) + QChar(0x2026);
}

QDateTime eventTime(const Json& e) {
    for (const char* key : {"lastTimestamp", "eventTime", "firstTimestamp"}) {
        const auto it = e.find(key);
        if (it != e.end() && it->is_string()) {
            const QDateTime t = QDateTime::fromString(qs(*it), Qt::ISODateWithMs);
            if (t.isValid())
                return t;
        }
    }
    if (e.contains("metadata") && e["metadata"].is_object())
        return QDateTime::fromString(qs(e["metadata"].value("creationTimestamp", Json())),
                                     Qt::ISODateWithMs);
    return {};
}

// Keeps `max` events: Warnings first, then the newest. The kept events stay in their original
// order, so the bundle still reads like the API answer.
void capEvents(Json& events, int max, QStringList& notes) {
    const int total = int(events.size());
    if (max < 0 || total <= max)
        return;
    std::vector<int> order(std::size_t(total), 0);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        const bool wa = events[std::size_t(a)].value("type", std::string()) == "Warning";
        const bool wb = events[std::size_t(b)].value("type", std::string()) == "Warning";
        if (wa != wb)
            return wa;
        return eventTime(events[std::size_t(a)]) > eventTime(events[std::size_t(b)]);
    });
    order.resize(std::size_t(max));
    std::sort(order.begin(), order.end());
    Json kept = Json::array();
    for (int i : order)
        kept.push_back(std::move(events[std::size_t(i)]));
    events = std::move(kept);
    notes << QStringLiteral("events: kept %1 of %2 (Warnings first, then newest)")
                 .arg(max)
                 .arg(total);
}

// Cuts one log stream to the windows around error lines; without error lines the newest lines
// are kept, because the end of a crashed container's log is where it died.
QStringList capLogLines(const QStringList& lines, const EvidenceCaps& caps) {
    if (lines.size() <= caps.maxLogLinesPerStream)
        return lines;
    QVector<bool> keep(lines.size(), false);
    bool anyError = false;
    for (int i = 0; i < lines.size(); ++i) {
        if (!isErrorLogLine(lines[i]))
            continue;
        anyError = true;
        const int from = std::max(0, i - caps.logWindowBefore);
        const int to = std::min(int(lines.size()) - 1, i + caps.logWindowAfter);
        for (int k = from; k <= to; ++k)
            keep[k] = true;
    }
    QStringList out;
    if (anyError) {
        for (int i = 0; i < lines.size(); ++i)
            if (keep[i])
                out << lines[i];
    } else {
        out = lines;
    }
    if (out.size() > caps.maxLogLinesPerStream)
        out = out.mid(out.size() - caps.maxLogLinesPerStream);
    return out;
}

Status loadLogs(const Json& in, EvidenceBundle& b, const EvidenceCaps& caps) {
    if (!in.is_array())
        return malformed(QStringLiteral("logs"), QStringLiteral("expected an array of streams"));
    QStringList pods;
    int droppedStreams = 0;
    int cutLines = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const Json& s = in[i];
        if (!s.is_object())
            return malformed(QStringLiteral("logs"),
                             QStringLiteral("logs[%1] is not an object").arg(i));
        const QString pod = qs(s.value("pod", Json()));
        if (!pods.contains(pod)) {
            if (pods.size() >= caps.maxPods) {
                ++droppedStreams;
                continue;
            }
            pods << pod;
        }
        QStringList lines;
        const auto li = s.find("lines");
        if (li != s.end() && li->is_array()) {
            for (const Json& l : *li)
                lines << qs(l);
        } else if (li != s.end() && li->is_string()) {
            lines = qs(*li).split(QLatin1Char('\n'));
        } else if (li != s.end() && !li->is_null()) {
            return malformed(QStringLiteral("logs"),
                             QStringLiteral("logs[%1].lines must be an array of strings").arg(i));
        }
        const QStringList kept = capLogLines(lines, caps);
        if (kept.size() < lines.size())
            b.notes << QStringLiteral("logs: %1/%2%3: kept %4 of %5 lines (error windows)")
                           .arg(pod, qs(s.value("container", Json())),
                                s.value("previous", false) ? QStringLiteral(" (previous)")
                                                           : QString())
                           .arg(kept.size())
                           .arg(lines.size());
        Json stream = s;
        Json arr = Json::array();
        for (const QString& l : kept)
            arr.push_back(cutLine(l, caps.maxLineChars, &cutLines).toStdString());
        stream["lines"] = std::move(arr);
        b.logs.push_back(std::move(stream));
    }
    if (droppedStreams > 0)
        b.notes << QStringLiteral("logs: kept the streams of %1 pods, skipped %2 more streams")
                       .arg(caps.maxPods)
                       .arg(droppedStreams);
    if (cutLines > 0)
        b.notes << QStringLiteral("logs: %1 lines cut to %2 characters")
                       .arg(cutLines)
                       .arg(caps.maxLineChars);
    return okStatus();
}

Status loadManifests(const Json& in, EvidenceBundle& b) {
    if (!in.is_array())
        return malformed(QStringLiteral("manifests"),
                         QStringLiteral("expected an array of objects or YAML strings"));
    for (std::size_t i = 0; i < in.size(); ++i) {
        const Json& m = in[i];
        if (m.is_object()) {
            b.manifests.push_back(m);
        } else if (m.is_string()) {
            try {
                for (const YAML::Node& doc : YAML::LoadAll(m.get<std::string>())) {
                    if (doc.IsNull())
                        continue;
                    if (!doc.IsMap())
                        return malformed(QStringLiteral("manifests"),
                                         QStringLiteral("manifests[%1]: a YAML document is not "
                                                        "a mapping")
                                             .arg(i));
                    b.manifests.push_back(yamlToJson(doc));
                }
            } catch (const YAML::Exception& e) {
                return malformed(QStringLiteral("manifests"),
                                 QStringLiteral("manifests[%1]: YAML line %2: %3")
                                     .arg(i)
                                     .arg(e.mark.line + 1)
                                     .arg(QString::fromStdString(e.msg)));
            }
        } else {
            return malformed(
                QStringLiteral("manifests"),
                QStringLiteral("manifests[%1] is neither an object nor a YAML string").arg(i));
        }
    }
    return okStatus();
}

Status loadText(const Json& in, EvidenceBundle& b, const EvidenceCaps& caps) {
    if (!in.is_array())
        return malformed(QStringLiteral("text"),
                         QStringLiteral("expected an array of {title, source, text}"));
    int cutLines = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        Json block = in[i];
        if (block.is_string()) // a bare string is a block without a title
            block = Json{{"title", ""}, {"source", "text"}, {"text", block}};
        if (!block.is_object() || !block.value("text", Json()).is_string())
            return malformed(QStringLiteral("text"),
                             QStringLiteral("text[%1] needs a string member 'text'").arg(i));
        QStringList lines = qs(block["text"]).split(QLatin1Char('\n'));
        if (lines.size() > caps.maxTextBlockLines) {
            b.notes << QStringLiteral("text: block '%1' kept %2 of %3 lines")
                           .arg(qs(block.value("title", Json())))
                           .arg(caps.maxTextBlockLines)
                           .arg(lines.size());
            lines = lines.mid(0, caps.maxTextBlockLines);
        }
        for (QString& l : lines)
            l = cutLine(l, caps.maxLineChars, &cutLines);
        block["text"] = lines.join(QLatin1Char('\n')).toStdString();
        b.text.push_back(std::move(block));
    }
    if (cutLines > 0)
        b.notes << QStringLiteral("text: %1 lines cut to %2 characters")
                       .arg(cutLines)
                       .arg(caps.maxLineChars);
    return okStatus();
}

// Accepts an array or a Kubernetes list object (`{"kind": "EventList", "items": [...]}`).
Result<Json> arrayOrList(const Json& in, const QString& member) {
    if (in.is_array())
        return in;
    if (in.is_object() && in.contains("items") && in["items"].is_array())
        return in["items"];
    if (in.is_null())
        return Json::array();
    return malformed(member, QStringLiteral("expected an array or a list object with 'items'"));
}

} // namespace

Result<EvidenceBundle> EvidenceBundle::fromJson(const QByteArray& bytes, const EvidenceCaps& caps) {
    Json root;
    try {
        root = Json::parse(bytes.cbegin(), bytes.cend());
    } catch (const Json::parse_error& e) {
        return Error::make(
            Error::Kind::Protocol, QStringLiteral("Evidence bundle is not valid JSON"),
            QStringLiteral("%1: %2").arg(position(bytes, e.byte > 0 ? e.byte - 1 : 0),
                                         QString::fromUtf8(e.what())));
    }
    if (!root.is_object())
        return Error::make(
            Error::Kind::Protocol, QStringLiteral("Evidence bundle is not a JSON object"),
            QStringLiteral("the top level is a %1").arg(QString::fromUtf8(root.type_name())));

    EvidenceBundle b;
    if (root.contains("format")) {
        const QString format = qs(root["format"]);
        if (!format.startsWith(QLatin1String("sextant.evidence/v1")))
            return Error::make(Error::Kind::Config,
                               QStringLiteral("Unsupported evidence bundle format"),
                               QStringLiteral("format is '%1', expected 'sextant.evidence/v1'")
                                   .arg(root["format"].dump().c_str()));
        b.format = format;
    }
    for (const char* key : {"collectedAt", "instance", "gitDiff", "gitDiffRange"}) {
        if (root.contains(key) && !root[key].is_string() && !root[key].is_null())
            return malformed(QString::fromUtf8(key), QStringLiteral("expected a string"));
    }
    b.collectedAt = QDateTime::fromString(qs(root.value("collectedAt", Json())), Qt::ISODateWithMs);
    b.instance = qs(root.value("instance", Json()));

    if (root.contains("application") && !root["application"].is_null()) {
        if (!root["application"].is_object())
            return malformed(QStringLiteral("application"), QStringLiteral("expected an object"));
        b.application = root["application"];
        const Json meta = b.application.value("metadata", Json::object());
        if (meta.is_object()) {
            b.appName = qs(meta.value("name", Json()));
            b.appNamespace = qs(meta.value("namespace", Json()));
        }
    }
    if (root.contains("resourceTree") && !root["resourceTree"].is_null()) {
        if (!root["resourceTree"].is_object())
            return malformed(QStringLiteral("resourceTree"), QStringLiteral("expected an object"));
        b.resourceTree = root["resourceTree"];
    }
    if (root.contains("events")) {
        auto events = arrayOrList(root["events"], QStringLiteral("events"));
        if (!events)
            return events.error();
        b.events = std::move(*events);
        for (const Json& e : b.events)
            if (!e.is_object())
                return malformed(QStringLiteral("events"),
                                 QStringLiteral("every event must be an object"));
        capEvents(b.events, caps.maxEvents, b.notes);
    }
    if (root.contains("pods")) {
        auto pods = arrayOrList(root["pods"], QStringLiteral("pods"));
        if (!pods)
            return pods.error();
        b.pods = std::move(*pods);
    }
    if (root.contains("logs") && !root["logs"].is_null()) {
        if (const Status s = loadLogs(root["logs"], b, caps); !s)
            return s.error();
    }
    if (root.contains("manifests") && !root["manifests"].is_null()) {
        if (const Status s = loadManifests(root["manifests"], b); !s)
            return s.error();
    }
    if (root.contains("revisions") && !root["revisions"].is_null()) {
        if (!root["revisions"].is_array())
            return malformed(QStringLiteral("revisions"), QStringLiteral("expected an array"));
        b.revisions = root["revisions"];
    }
    b.gitDiff = qs(root.value("gitDiff", Json()));
    if (b.gitDiff.toUtf8().size() > caps.maxDiffBytes) {
        const int total = int(b.gitDiff.toUtf8().size());
        QByteArray cut = b.gitDiff.toUtf8().left(caps.maxDiffBytes);
        cut.truncate(cut.lastIndexOf('\n') + 1); // whole lines only
        b.gitDiff = QString::fromUtf8(cut);
        b.notes << QStringLiteral("gitDiff: kept %1 of %2 bytes").arg(cut.size()).arg(total);
    }
    b.gitDiffRange = qs(root.value("gitDiffRange", Json()));
    if (root.contains("text") && !root["text"].is_null()) {
        if (const Status s = loadText(root["text"], b, caps); !s)
            return s.error();
    }
    if (root.contains("notes") && !root["notes"].is_null()) {
        if (!root["notes"].is_array())
            return malformed(QStringLiteral("notes"), QStringLiteral("expected an array"));
        QStringList notes;
        for (const Json& n : root["notes"])
            notes << (n.is_string() ? qs(n) : QString::fromStdString(n.dump()));
        b.notes = notes + b.notes; // the collector's notes first, then the loader's
    }
    return b;
}

QByteArray EvidenceBundle::toJson(int indent) const {
    // Members are written in the documented order; ordered_json keeps it.
    using Ordered = nlohmann::ordered_json;
    const auto ordered = [](const Json& j) { return Ordered::parse(j.dump()); };
    Ordered out;
    out["format"] = format.toStdString();
    if (collectedAt.isValid())
        out["collectedAt"] = collectedAt.toUTC().toString(Qt::ISODate).toStdString();
    if (!instance.isEmpty())
        out["instance"] = instance.toStdString();
    if (application.is_object()) {
        out["application"] = ordered(application);
    } else if (!appName.isEmpty()) {
        // Keep the name even without the Application object, so a round trip loses nothing.
        out["application"]["metadata"]["name"] = appName.toStdString();
        if (!appNamespace.isEmpty())
            out["application"]["metadata"]["namespace"] = appNamespace.toStdString();
    }
    if (resourceTree.is_object())
        out["resourceTree"] = ordered(resourceTree);
    const auto array = [&](const char* key, const Json& j) {
        if (j.is_array() && !j.empty())
            out[key] = ordered(j);
    };
    array("events", events);
    array("pods", pods);
    array("logs", logs);
    array("manifests", manifests);
    array("revisions", revisions);
    if (!gitDiff.isEmpty())
        out["gitDiff"] = gitDiff.toStdString();
    if (!gitDiffRange.isEmpty())
        out["gitDiffRange"] = gitDiffRange.toStdString();
    array("text", text);
    if (!notes.isEmpty()) {
        Ordered n = Ordered::array();
        for (const QString& s : notes)
            n.push_back(s.toStdString());
        out["notes"] = std::move(n);
    }
    const std::string s = out.dump(indent);
    return QByteArray(s.data(), qsizetype(s.size()));
}

const EvidenceItem* Diagnosis::item(const QString& id) const {
    for (const EvidenceItem& e : evidence)
        if (e.id == id)
            return &e;
    return nullptr;
}

} // namespace sextant::analysis
