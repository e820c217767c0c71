#include "waivers.h"

#include "policy/customrules.h"
#include "policy/rego.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

namespace sextant::policy {

namespace {

const QString kWaiverFile = QStringLiteral(".sextant-waivers.yaml");
const QString kWaiverFolder = QStringLiteral(".sextant");
const QString kWaiverSuffix = QStringLiteral(".waivers.yaml");

struct WaiverError {
    int line;
    QString what;
};

QString scalar(const YNode& map, const char* key, bool required, const QString& where) {
    const YNode* v = map.get(key);
    if (!v) {
        if (required)
            throw WaiverError{map.line,
                              QStringLiteral("%1 needs '%2'").arg(where, QLatin1String(key))};
        return {};
    }
    if (!v->isScalar() || v->scalar.empty())
        throw WaiverError{v->displayLine(),
                          QStringLiteral("'%1' must be a non-empty text").arg(QLatin1String(key))};
    return QString::fromStdString(v->scalar);
}

void onlyKeys(const YNode& map, std::initializer_list<const char*> allowed) {
    for (const auto& [key, value] : map.map) {
        const bool known =
            std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; });
        if (!known)
            throw WaiverError{value.displayLine(),
                              QStringLiteral("unknown key '%1'").arg(QString::fromStdString(key))};
    }
}

Waiver parseEntry(const YNode& n, const QString& file, const PolicyPack& pack) {
    if (!n.isMap())
        throw WaiverError{n.line, QStringLiteral("a waiver must be a map")};
    onlyKeys(n, {"rule", "object", "container", "reason", "ticket", "owner", "expires"});
    Waiver w;
    w.file = file;
    w.line = n.line;
    const QString what = QStringLiteral("a waiver");
    w.rule = scalar(n, "rule", true, what);
    // Rego rules are known only once the policies ran (`rego:<package>.<rule>`, or the id the
    // policy sets), so any rego: id is accepted, with '*' for a run of characters.
    if (!pack.find(w.rule) && !isRegoRule(w.rule))
        throw WaiverError{n.get("rule")->displayLine(),
                          QStringLiteral("unknown rule '%1'").arg(w.rule)};
    if (const YNode* o = n.get("object")) {
        if (!o->isMap())
            throw WaiverError{o->displayLine(),
                              QStringLiteral("'object' must be a map of kind, namespace, name")};
        onlyKeys(*o, {"kind", "namespace", "name"});
        w.kind = scalar(*o, "kind", false, what);
        w.ns = scalar(*o, "namespace", false, what);
        w.name = scalar(*o, "name", false, what);
    }
    w.container = scalar(n, "container", false, what);
    w.reason = scalar(n, "reason", true, what);
    w.ticket = scalar(n, "ticket", false, what);
    w.owner = scalar(n, "owner", true, what);
    const QString expires = scalar(n, "expires", true, what);
    static const QRegularExpression dateRe(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$"));
    w.expires = QDate::fromString(expires, Qt::ISODate);
    if (!dateRe.match(expires).hasMatch() || !w.expires.isValid())
        throw WaiverError{
            n.get("expires")->displayLine(),
            QStringLiteral("'expires' must be a date YYYY-MM-DD, not '%1'").arg(expires)};
    return w;
}

bool isWaiverFile(const QFileInfo& fi) {
    if (!fi.isFile())
        return false;
    if (fi.fileName() == kWaiverFile)
        return true;
    return fi.fileName().endsWith(kWaiverSuffix) && fi.dir().dirName() == kWaiverFolder;
}

// Which files a search collects: waiver files, custom rule files (`.sextant/policy/*.yaml`), or
// the `.sextant/policy` folders themselves (their Rego files, policy/rego.h).
enum class Wanted { Waivers, Rules, RuleFolders };

const QString kRulesFolder = QStringLiteral("policy");

// The wanted files directly in `dir` (its own waiver file and those of its .sextant folder).
void collectIn(const QString& dir, std::set<QString>& out, Wanted wanted) {
    if (wanted == Wanted::Rules || wanted == Wanted::RuleFolders) {
        const QDir folder(dir + QLatin1Char('/') + kWaiverFolder + QLatin1Char('/') + kRulesFolder);
        if (!folder.exists())
            return;
        if (wanted == Wanted::RuleFolders) {
            out.insert(folder.absolutePath());
            return;
        }
        for (const QFileInfo& fi : folder.entryInfoList(
                 {QStringLiteral("*.yaml"), QStringLiteral("*.yml")}, QDir::Files | QDir::Hidden))
            out.insert(fi.absoluteFilePath());
        return;
    }
    const QFileInfo own(dir + QLatin1Char('/') + kWaiverFile);
    if (isWaiverFile(own))
        out.insert(own.absoluteFilePath());
    const QDir folder(dir + QLatin1Char('/') + kWaiverFolder);
    if (!folder.exists())
        return;
    for (const QFileInfo& fi :
         folder.entryInfoList({QLatin1Char('*') + kWaiverSuffix}, QDir::Files | QDir::Hidden)) {
        out.insert(fi.absoluteFilePath());
    }
}

// Every wanted file below `dir` (not following .git or symlinked directories).
void collectBelow(const QString& dir, std::set<QString>& out, Wanted wanted) {
    collectIn(dir, out, wanted);
    const QFileInfoList subdirs = QDir(dir).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot |
                                                          QDir::Hidden | QDir::NoSymLinks);
    for (const QFileInfo& sub : subdirs) {
        if (sub.fileName() == QLatin1String(".git") || sub.fileName() == kWaiverFolder)
            continue;
        collectBelow(sub.absoluteFilePath(), out, wanted);
    }
}

QString repositoryRoot(const QString& start) {
    QDir dir(start);
    for (;;) {
        if (QFileInfo::exists(dir.filePath(QStringLiteral(".git"))))
            return dir.absolutePath();
        if (!dir.cdUp())
            return {};
    }
}

// Files found from the checked paths: below each checked directory, and in the directories from
// each checked path up to its repository root.
QStringList findFiles(const QStringList& paths, Wanted wanted) {
    std::set<QString> found;
    for (const QString& p : paths) {
        const QFileInfo fi(p);
        if (!fi.exists())
            continue;
        const QString start = fi.isDir() ? fi.absoluteFilePath() : fi.absolutePath();
        if (fi.isDir())
            collectBelow(start, found, wanted);
        QString root = repositoryRoot(start);
        if (root.isEmpty())
            root = start;
        QDir dir(start);
        for (;;) {
            collectIn(dir.absolutePath(), found, wanted);
            if (dir.absolutePath() == root || !dir.cdUp())
                break;
        }
    }
    // Named like the results: relative to the working directory when the paths were relative.
    const bool relative = std::any_of(paths.begin(), paths.end(),
                                      [](const QString& p) { return QDir::isRelativePath(p); });
    QStringList out;
    for (const QString& f : found)
        out << (relative ? QDir::current().relativeFilePath(f) : QDir::cleanPath(f));
    out.removeDuplicates();
    return out;
}

} // namespace

bool Waiver::matches(const Violation& v) const {
    if (v.rule != rule && !(isRegoRule(rule) && regoRuleMatches(rule, v.rule)))
        return false;
    if (!kind.isEmpty() && kind != v.kind)
        return false;
    if (!ns.isEmpty() && ns != v.ns)
        return false;
    if (!container.isEmpty() && container != v.container)
        return false;
    if (name.isEmpty() || name == v.name)
        return true;
    if (!name.contains(QLatin1Char('*')))
        return false;
    QStringList parts = name.split(QLatin1Char('*'));
    for (QString& part : parts)
        part = QRegularExpression::escape(part);
    const QString pattern = parts.join(QStringLiteral(".*"));
    return QRegularExpression(QRegularExpression::anchoredPattern(pattern))
        .match(v.name)
        .hasMatch();
}

QString waiverProblemKindName(WaiverProblem::Kind kind) {
    switch (kind) {
    case WaiverProblem::Kind::Expired:
        return QStringLiteral("expired");
    case WaiverProblem::Kind::NotWaivable:
        return QStringLiteral("not-waivable");
    case WaiverProblem::Kind::Unused:
        break;
    }
    return QStringLiteral("unused");
}

Result<std::vector<Waiver>> parseWaivers(const QByteArray& yaml, const QString& file,
                                         const PolicyPack& pack) {
    std::vector<Waiver> waivers;
    try {
        const std::vector<YNode> docs = parseYamlDocuments(yaml.toStdString());
        if (docs.empty())
            return waivers; // an empty file waives nothing
        if (docs.size() != 1 || !docs[0].isMap())
            throw WaiverError{docs.size() > 1 ? docs[1].line : docs[0].line,
                              QStringLiteral("expected one document with a 'waivers' list")};
        onlyKeys(docs[0], {"waivers"});
        const YNode* list = docs[0].get("waivers");
        if (!list || !(list->isSeq() || list->type == YNode::Type::Null))
            throw WaiverError{list ? list->displayLine() : docs[0].line,
                              QStringLiteral("expected a 'waivers' list")};
        for (const YNode& n : list->seq)
            waivers.push_back(parseEntry(n, file, pack));
    } catch (const YAML::Exception& e) {
        return Error::make(Error::Kind::Config, QStringLiteral("invalid waiver file"),
                           QStringLiteral("%1:%2: %3")
                               .arg(file)
                               .arg(e.mark.line + 1)
                               .arg(QString::fromStdString(e.msg)));
    } catch (const WaiverError& e) {
        return Error::make(Error::Kind::Config, QStringLiteral("invalid waiver file"),
                           QStringLiteral("%1:%2: %3").arg(file).arg(e.line).arg(e.what));
    }
    return waivers;
}

QStringList findWaiverFiles(const QStringList& paths) {
    return findFiles(paths, Wanted::Waivers);
}

QStringList findCustomRuleFiles(const QStringList& paths) {
    return findFiles(paths, Wanted::Rules);
}

QStringList findCustomRuleFolders(const QStringList& paths) {
    return findFiles(paths, Wanted::RuleFolders);
}

Result<std::vector<Waiver>> loadWaivers(const QStringList& paths, const PolicyPack& pack) {
    std::vector<Waiver> all;
    for (const QString& file : findWaiverFiles(paths)) {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return Error::make(Error::Kind::Io, QStringLiteral("cannot read waiver file"),
                               QStringLiteral("%1: %2").arg(file, f.errorString()));
        Result<std::vector<Waiver>> parsed = parseWaivers(f.readAll(), file, pack);
        if (!parsed)
            return parsed.error();
        for (Waiver& w : *parsed)
            all.push_back(std::move(w));
    }
    return all;
}

WaiverOutcome applyWaivers(std::vector<Violation> results, const std::vector<Waiver>& waivers,
                           const PolicyPack& pack, const QDate& today, const QStringList& rulesRun,
                           bool regoRan) {
    WaiverOutcome out;
    enum class State { Active, Expired, NotWaivable };
    std::vector<State> state;
    std::vector<bool> used(waivers.size(), false);
    for (const Waiver& w : waivers) {
        const Rule* rule = pack.find(w.rule);
        if (rule && !rule->waivable)
            state.push_back(State::NotWaivable);
        else if (w.expires < today)
            state.push_back(State::Expired);
        else
            state.push_back(State::Active);
    }
    for (Violation& v : results) {
        const Waiver* by = nullptr;
        for (std::size_t i = 0; i < waivers.size(); ++i) {
            if (state[i] != State::Active || !waivers[i].matches(v))
                continue;
            used[i] = true;
            if (!by)
                by = &waivers[i];
        }
        if (by)
            out.waived.push_back({std::move(v), *by});
        else
            out.results.push_back(std::move(v));
    }
    for (std::size_t i = 0; i < waivers.size(); ++i) {
        const Waiver& w = waivers[i];
        WaiverProblem p;
        p.file = w.file;
        p.line = w.line;
        p.rule = w.rule;
        p.owner = w.owner;
        p.expires = w.expires;
        switch (state[i]) {
        case State::NotWaivable:
            p.kind = WaiverProblem::Kind::NotWaivable;
            p.problem = QStringLiteral("rule '%1' is not waivable").arg(w.rule);
            break;
        case State::Expired:
            p.kind = WaiverProblem::Kind::Expired;
            p.problem = QStringLiteral("expired %1").arg(w.expires.toString(Qt::ISODate));
            break;
        case State::Active:
            if (used[i])
                continue;
            if (isRegoRule(w.rule)) {
                if (!regoRan)
                    continue; // the Rego policies did not run: nothing could match
                if (!rulesRun.isEmpty() &&
                    std::none_of(rulesRun.begin(), rulesRun.end(),
                                 [&](const QString& r) { return regoRuleMatches(r, w.rule); }))
                    continue;
            } else if (!rulesRun.isEmpty() && !rulesRun.contains(w.rule)) {
                continue;
            }
            p.kind = WaiverProblem::Kind::Unused;
            p.problem = QStringLiteral("matched no result");
            break;
        }
        out.problems.push_back(std::move(p));
    }
    std::stable_sort(out.problems.begin(), out.problems.end(),
                     [](const WaiverProblem& a, const WaiverProblem& b) {
                         return a.file != b.file ? a.file < b.file : a.line < b.line;
                     });
    return out;
}

} // namespace sextant::policy
