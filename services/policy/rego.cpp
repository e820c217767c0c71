#include "rego.h"

#include "policy/customrules.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

namespace sextant::policy {

namespace {

using nlohmann::json;

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

Error protocolError(const QString& what, const QString& details) {
    return Error::make(Error::Kind::Protocol, what, details);
}

// The first characters of an unparseable answer, for the details pane.
QString excerpt(const QByteArray& out) {
    QString text = QString::fromUtf8(out.left(400)).trimmed();
    if (out.size() > 400)
        text += QStringLiteral(" …");
    return text.isEmpty() ? QStringLiteral("(no output)") : text;
}

// One set entry: a text, or an object with "msg" and other keys (the metadata), as conftest reads
// them. Anything else is the policy's mistake, reported with the rule that returned it.
Result<RegoFinding> findingFrom(const json& entry, const QString& package, const QString& rule,
                                bool warning) {
    RegoFinding f;
    f.package = package;
    f.rule = rule;
    f.warning = warning;
    if (entry.is_string()) {
        f.message = q(entry.get<std::string>());
        return f;
    }
    if (entry.is_object() && entry.contains("msg") && entry["msg"].is_string()) {
        f.message = q(entry["msg"].get<std::string>());
        for (const auto& [key, value] : entry.items())
            if (key != "msg")
                f.metadata[key] = value;
        return f;
    }
    return Error::make(
        Error::Kind::Config,
        QStringLiteral("Rego rule %1.%2 returned an entry without a message").arg(package, rule),
        QStringLiteral("A deny/violation/warn entry must be a text or an object "
                       "with a \"msg\" text, not %1")
            .arg(excerpt(QByteArray::fromStdString(entry.dump()))));
}

const QRegularExpression& ruleNameRe() {
    // conftest's rule names: deny, violation and warn, alone or with a `_suffix`.
    static const QRegularExpression re(QStringLiteral("^(deny|violation|warn)(_[A-Za-z0-9_]+)?$"));
    return re;
}

// Collects the findings of every package below `node` (the data document of `opa eval`).
Status walkPackages(const json& node, const QString& package, RegoFileOutcome& out) {
    if (!node.is_object())
        return okStatus();
    QSet<QString> excepted; // rule-name suffixes the package's `exception` set excuses
    if (auto it = node.find("exception"); it != node.end() && it->is_array()) {
        for (const json& e : *it) {
            if (e.is_string())
                excepted.insert(q(e.get<std::string>()));
            else if (e.is_array())
                for (const json& name : e)
                    if (name.is_string())
                        excepted.insert(q(name.get<std::string>()));
        }
    }
    for (const auto& [key, value] : node.items()) {
        const QString name = q(key);
        const QRegularExpressionMatch m = ruleNameRe().match(name);
        if (m.hasMatch() && !package.isEmpty()) {
            // A rule that is not a set (e.g. `deny := true`) is not one conftest reads either.
            if (!value.is_array())
                continue;
            const bool warning = m.captured(1) == QLatin1String("warn");
            const QString suffix = m.captured(2).mid(1);
            const bool isExcepted = !warning && !suffix.isEmpty() && excepted.contains(suffix);
            for (const json& entry : value) {
                Result<RegoFinding> f = findingFrom(entry, package, name, warning);
                if (!f)
                    return f.error();
                (warning      ? out.warnings
                 : isExcepted ? out.exceptions
                              : out.failures)
                    .push_back(std::move(f).value());
            }
            continue;
        }
        if (value.is_object()) {
            const QString sub = package.isEmpty() ? name : package + QLatin1Char('.') + name;
            if (Status s = walkPackages(value, sub, out); !s)
                return s;
        }
    }
    return okStatus();
}

bool isNullText(const std::string& s) {
    return s.empty() || s == "null" || s == "Null" || s == "NULL" || s == "~";
}

json scalarJson(const YNode& n) {
    const std::string& s = n.scalar;
    if (n.quoted)
        return s;
    if (isNullText(s))
        return nullptr;
    if (s == "true" || s == "True" || s == "TRUE")
        return true;
    if (s == "false" || s == "False" || s == "FALSE")
        return false;
    static const QRegularExpression intRe(QStringLiteral("^[-+]?[0-9]+$"));
    static const QRegularExpression hexRe(QStringLiteral("^0x[0-9a-fA-F]+$"));
    static const QRegularExpression octRe(QStringLiteral("^0o[0-7]+$"));
    static const QRegularExpression floatRe(
        QStringLiteral("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$"));
    const QString text = q(s);
    bool ok = false;
    if (intRe.match(text).hasMatch()) {
        const qlonglong v = text.toLongLong(&ok, 10);
        if (ok)
            return v;
    } else if (hexRe.match(text).hasMatch()) {
        const qlonglong v = text.mid(2).toLongLong(&ok, 16);
        if (ok)
            return v;
    } else if (octRe.match(text).hasMatch()) {
        const qlonglong v = text.mid(2).toLongLong(&ok, 8);
        if (ok)
            return v;
    }
    if (floatRe.match(text).hasMatch()) {
        const double v = text.toDouble(&ok);
        if (ok)
            return v;
    }
    return s;
}

bool globMatch(const QString& pattern, const QString& text) {
    if (!pattern.contains(QLatin1Char('*')))
        return pattern == text;
    QStringList parts = pattern.split(QLatin1Char('*'));
    for (QString& part : parts)
        part = QRegularExpression::escape(part);
    return QRegularExpression(QRegularExpression::anchoredPattern(parts.join(QStringLiteral(".*"))))
        .match(text)
        .hasMatch();
}

QString notEvaluatedNote(int policies, const RegoEngine& engine) {
    QString note =
        (policies == 1 ? QStringLiteral("1 Rego policy not evaluated")
                       : QStringLiteral("%1 Rego policies not evaluated").arg(policies)) +
        QStringLiteral(": neither conftest nor opa is installed");
    if (!engine.detail.isEmpty())
        note += QStringLiteral(" (%1)").arg(engine.detail);
    return note;
}

// A finished process's output, or the typed error of a binary that failed or hung.
struct ProcessOutput {
    int exitCode = 0;
    QByteArray out;
    QByteArray err;
};

Result<ProcessOutput> runProcess(const QString& program, const QStringList& args,
                                 const QString& workDir, const QDeadlineTimer& deadline,
                                 int timeoutMs) {
    const QString name = QFileInfo(program).fileName();
    if (deadline.hasExpired())
        return Error::make(
            Error::Kind::Timeout,
            QStringLiteral("Rego policies did not finish within %1 s").arg(timeoutMs / 1000.0),
            QStringLiteral("%1 was not started: the run's time was used up").arg(name));
    QProcess p;
    p.setWorkingDirectory(workDir);
    p.start(program, args);
    if (!p.waitForStarted(30000))
        return Error::make(Error::Kind::Config, QStringLiteral("Could not start %1").arg(name),
                           QStringLiteral("%1: %2").arg(program, p.errorString()));
    if (!p.waitForFinished(int(std::max<qint64>(1, deadline.remainingTime())))) {
        p.kill();
        p.waitForFinished(5000);
        return Error::make(
            Error::Kind::Timeout,
            QStringLiteral("%1 did not finish within %2 s").arg(name).arg(timeoutMs / 1000.0),
            QStringLiteral("%1 %2").arg(program, args.join(QLatin1Char(' '))));
    }
    if (p.exitStatus() != QProcess::NormalExit)
        return Error::make(Error::Kind::Config, QStringLiteral("%1 crashed").arg(name),
                           QString::fromUtf8(p.readAllStandardError()).trimmed());
    return ProcessOutput{p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

} // namespace

QString regoEngineName(RegoEngine::Kind kind) {
    switch (kind) {
    case RegoEngine::Kind::Conftest:
        return QStringLiteral("conftest");
    case RegoEngine::Kind::Opa:
        return QStringLiteral("opa");
    case RegoEngine::Kind::None:
        break;
    }
    return {};
}

RegoEngine RegoEngine::detect(const QProcessEnvironment& env) {
    RegoEngine engine;
    QStringList problems;
    const auto find = [&](const QString& variable, const QString& tool) -> QString {
        if (env.contains(variable)) {
            const QString path = env.value(variable);
            const QFileInfo fi(path);
            if (fi.isFile() && fi.isExecutable())
                return fi.absoluteFilePath();
            problems << QStringLiteral("%1=%2 is not an executable file").arg(variable, path);
            return {};
        }
        return QStandardPaths::findExecutable(tool);
    };
    if (const QString c = find(QStringLiteral("SEXTANT_CONFTEST"), QStringLiteral("conftest"));
        !c.isEmpty()) {
        engine.kind = Kind::Conftest;
        engine.program = c;
    } else if (const QString o = find(QStringLiteral("SEXTANT_OPA"), QStringLiteral("opa"));
               !o.isEmpty()) {
        engine.kind = Kind::Opa;
        engine.program = o;
    }
    if (engine.kind == Kind::None)
        engine.detail = problems.join(QStringLiteral("; "));
    return engine;
}

Result<std::vector<RegoFileOutcome>> parseConftestOutput(const QByteArray& text) {
    const json doc = json::parse(text.toStdString(), nullptr, false);
    if (doc.is_discarded() || !doc.is_array())
        return protocolError(QStringLiteral("conftest's output is not its JSON report"),
                             excerpt(text));
    std::vector<RegoFileOutcome> out;
    QHash<QString, std::size_t> byFile;
    for (const json& entry : doc) {
        if (!entry.is_object() || !entry.contains("filename") || !entry["filename"].is_string())
            return protocolError(QStringLiteral("conftest's report has an entry without a "
                                                "filename"),
                                 excerpt(QByteArray::fromStdString(entry.dump())));
        const QString file = q(entry["filename"].get<std::string>());
        QString ns = QStringLiteral("main");
        if (auto it = entry.find("namespace"); it != entry.end() && it->is_string())
            ns = q(it->get<std::string>());
        auto at = byFile.find(file);
        if (at == byFile.end()) {
            at = byFile.insert(file, out.size());
            out.push_back(RegoFileOutcome{file, {}, {}, {}, 0});
        }
        RegoFileOutcome& o = out[*at];
        if (auto it = entry.find("successes"); it != entry.end() && it->is_number_integer())
            o.successes += it->get<int>();
        // conftest leaves out empty lists (and older versions write null).
        const auto list = [&](const char* key, const QString& rule, bool warning,
                              std::vector<RegoFinding>& into) -> Status {
            auto it = entry.find(key);
            if (it == entry.end() || it->is_null())
                return okStatus();
            if (!it->is_array())
                return protocolError(
                    QStringLiteral("conftest's report has a '%1' that is not a list")
                        .arg(QLatin1String(key)),
                    excerpt(QByteArray::fromStdString(it->dump())));
            for (const json& r : *it) {
                if (!r.is_object() || !r.contains("msg"))
                    return protocolError(QStringLiteral("conftest's report has a result "
                                                        "without a message"),
                                         excerpt(QByteArray::fromStdString(r.dump())));
                // conftest has already split an object message into "msg" and "metadata";
                // a message that is still an object is read the same way.
                json entryJson = r["msg"];
                if (entryJson.is_object() && !entryJson.contains("msg"))
                    return protocolError(QStringLiteral("conftest's report has a result "
                                                        "without a message"),
                                         excerpt(QByteArray::fromStdString(r.dump())));
                Result<RegoFinding> f = findingFrom(entryJson, ns, rule, warning);
                if (!f)
                    return protocolError(f.error().shortMessage, f.error().details);
                if (auto m = r.find("metadata"); m != r.end() && m->is_object())
                    for (const auto& [k, v] : m->items())
                        f->metadata[k] = v;
                into.push_back(std::move(f).value());
            }
            return okStatus();
        };
        // conftest does not say whether a failure came from `deny` or `violation`: both are
        // failures, named after `deny`.
        if (Status s = list("failures", QStringLiteral("deny"), false, o.failures); !s)
            return s.error();
        if (Status s = list("warnings", QStringLiteral("warn"), true, o.warnings); !s)
            return s.error();
        if (Status s = list("exceptions", QStringLiteral("deny"), false, o.exceptions); !s)
            return s.error();
    }
    return out;
}

Result<RegoFileOutcome> parseOpaEvalOutput(const QByteArray& text, const QString& filename) {
    const json doc = json::parse(text.toStdString(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return protocolError(QStringLiteral("opa's output is not its JSON result"), excerpt(text));
    if (auto errors = doc.find("errors"); errors != doc.end()) {
        QStringList lines;
        if (errors->is_array()) {
            for (const json& e : *errors) {
                if (!e.is_object())
                    continue;
                QString line = q(e.value("message", std::string()));
                if (auto code = e.find("code"); code != e.end() && code->is_string())
                    line += QStringLiteral(" (%1)").arg(q(code->get<std::string>()));
                if (auto loc = e.find("location"); loc != e.end() && loc->is_object())
                    line = QStringLiteral("%1:%2: %3")
                               .arg(q(loc->value("file", std::string())))
                               .arg(loc->value("row", 0))
                               .arg(line);
                lines << line;
            }
        }
        if (lines.isEmpty())
            lines << excerpt(text);
        return Error::make(Error::Kind::Config,
                           QStringLiteral("opa could not evaluate the Rego policies"),
                           lines.join(QLatin1Char('\n')));
    }
    RegoFileOutcome out;
    out.filename = filename;
    auto result = doc.find("result");
    if (result == doc.end())
        return out; // undefined: nothing to report
    if (!result->is_array())
        return protocolError(QStringLiteral("opa's result is not a list"), excerpt(text));
    for (const json& r : *result) {
        if (!r.is_object() || !r.contains("expressions") || !r["expressions"].is_array())
            return protocolError(QStringLiteral("opa's result has no expressions"), excerpt(text));
        for (const json& e : r["expressions"]) {
            if (!e.is_object() || !e.contains("value"))
                return protocolError(QStringLiteral("opa's expression has no value"),
                                     excerpt(text));
            if (Status s = walkPackages(e["value"], QString(), out); !s)
                return s.error();
        }
    }
    return out;
}

Violation regoViolation(const RegoFinding& finding, const KubeObject& object) {
    Violation v;
    QString id;
    if (auto it = finding.metadata.find("id");
        it != finding.metadata.end() && it->is_string() && !it->get<std::string>().empty())
        id = q(it->get<std::string>());
    if (id.isEmpty())
        id = finding.package + QLatin1Char('.') + finding.rule;
    v.rule = isRegoRule(id) ? id : QStringLiteral("rego:") + id;
    v.severity = finding.warning ? Severity::Warning : Severity::Error;
    if (auto it = finding.metadata.find("severity");
        it != finding.metadata.end() && it->is_string()) {
        Severity s;
        if (parseSeverity(q(it->get<std::string>()), s))
            v.severity = s;
    }
    if (auto it = finding.metadata.find("container");
        it != finding.metadata.end() && it->is_string())
        v.container = q(it->get<std::string>());
    v.apiVersion = q(object.apiVersion);
    v.kind = q(object.kind);
    v.ns = q(object.ns);
    v.name = q(object.name);
    v.file = object.file;
    v.line = object.line;
    v.message = finding.message;
    return v;
}

json objectJson(const YNode& node) {
    switch (node.type) {
    case YNode::Type::Null:
        return nullptr;
    case YNode::Type::Scalar:
        return scalarJson(node);
    case YNode::Type::Seq: {
        json a = json::array();
        for (const YNode& item : node.seq)
            a.push_back(objectJson(item));
        return a;
    }
    case YNode::Type::Map:
        break;
    }
    json o = json::object();
    for (const auto& [key, value] : node.map)
        o[key] = objectJson(value);
    return o;
}

bool regoRuleMatches(const QString& pattern, const QString& rule) {
    return globMatch(pattern, rule);
}

QStringList findRegoFiles(const QStringList& paths, const QStringList& extraDirs) {
    std::set<QString> found;
    const auto addIn = [&](const QString& dir, bool recursive) {
        QDirIterator it(dir, {QStringLiteral("*.rego")}, QDir::Files | QDir::Hidden,
                        recursive ? QDirIterator::Subdirectories : QDirIterator::NoIteratorFlags);
        while (it.hasNext()) {
            const QString f = it.next();
            if (!f.endsWith(QLatin1String("_test.rego")))
                found.insert(f);
        }
    };
    // The custom rule files' search finds each .sextant/policy folder; the .rego files live there.
    std::set<QString> folders;
    for (const QString& f : findCustomRuleFolders(paths))
        folders.insert(f);
    for (const QString& folder : folders)
        addIn(folder, false);
    for (const QString& dir : extraDirs) {
        if (QFileInfo(dir).isFile())
            found.insert(dir);
        else
            addIn(dir, true);
    }
    const bool relative = std::any_of(paths.begin(), paths.end(),
                                      [](const QString& p) { return QDir::isRelativePath(p); });
    QStringList out;
    for (const QString& f : found)
        out << (relative && !QDir::isRelativePath(f) ? QDir::current().relativeFilePath(f)
                                                     : QDir::cleanPath(f));
    out.removeDuplicates();
    out.sort();
    return out;
}

Result<std::vector<RegoPolicy>> readRegoFiles(const QStringList& files) {
    std::vector<RegoPolicy> out;
    for (const QString& file : files) {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return Error::make(Error::Kind::Io, QStringLiteral("cannot read Rego policy"),
                               QStringLiteral("%1: %2").arg(file, f.errorString()));
        out.push_back({file, f.readAll()});
    }
    return out;
}

Result<RegoRun> runRego(const RegoEngine& engine, const std::vector<RegoPolicy>& policies,
                        const std::vector<KubeObject>& objects, const RegoOptions& options) {
    RegoRun run;
    run.summary.policies = int(policies.size());
    if (policies.empty())
        return run;
    if (engine.kind == RegoEngine::Kind::None) {
        run.summary.note = notEvaluatedNote(run.summary.policies, engine);
        return run;
    }
    const QString engineName = regoEngineName(engine.kind);
    run.summary.engine = engineName;

    QTemporaryDir work;
    if (!work.isValid())
        return Error::make(Error::Kind::Io, QStringLiteral("Cannot create a temporary folder"),
                           work.errorString());
    const QDir root(work.path());
    root.mkdir(QStringLiteral("policy"));
    root.mkdir(QStringLiteral("input"));
    // The policies are copied under numbered names (two folders may both hold `main.rego`);
    // error messages name the original files again.
    QHash<QString, QString> originalName;
    for (std::size_t i = 0; i < policies.size(); ++i) {
        const QString copy = QStringLiteral("policy/%1-%2")
                                 .arg(i, 3, 10, QLatin1Char('0'))
                                 .arg(QFileInfo(policies[i].file).fileName());
        QFile f(root.filePath(copy));
        if (!f.open(QIODevice::WriteOnly) || f.write(policies[i].content) < 0)
            return Error::make(Error::Kind::Io, QStringLiteral("Cannot write a Rego policy copy"),
                               f.errorString());
        originalName.insert(root.filePath(copy), policies[i].file);
        originalName.insert(copy, policies[i].file);
    }
    const auto withOriginalNames = [&](QString text) {
        // Longest first, so the absolute path is replaced before its relative tail.
        QStringList keys = originalName.keys();
        std::sort(keys.begin(), keys.end(),
                  [](const QString& a, const QString& b) { return a.size() > b.size(); });
        for (const QString& k : keys)
            text.replace(k, originalName.value(k));
        return text.trimmed();
    };
    // One JSON input per object: results name the file, the file names the object.
    QStringList inputs;
    QHash<QString, std::size_t> objectOf;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        const QString name = QStringLiteral("input/%1.json").arg(i, 6, 10, QLatin1Char('0'));
        QFile f(root.filePath(name));
        const std::string text =
            objects[i].root ? objectJson(*objects[i].root).dump() : std::string("{}");
        if (!f.open(QIODevice::WriteOnly) ||
            f.write(text.data(), qint64(text.size())) != qint64(text.size()))
            return Error::make(Error::Kind::Io, QStringLiteral("Cannot write a Rego input"),
                               f.errorString());
        inputs << name;
        objectOf.insert(name, i);
        objectOf.insert(root.filePath(name), i);
    }
    run.summary.evaluated = true;
    if (objects.empty()) {
        run.summary.note =
            QStringLiteral("%1 Rego %2 evaluated with %3 over no objects")
                .arg(policies.size())
                .arg(policies.size() == 1 ? QStringLiteral("policy") : QStringLiteral("policies"))
                .arg(engineName);
        return run;
    }

    const QDeadlineTimer deadline(options.timeoutMs);
    std::vector<RegoFileOutcome> outcomes;
    const auto failed = [&](const ProcessOutput& p) {
        const QString err = withOriginalNames(QString::fromUtf8(p.err));
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("%1 failed (exit code %2)").arg(engineName).arg(p.exitCode),
            err.isEmpty() ? excerpt(p.out) : err);
    };
    if (engine.kind == RegoEngine::Kind::Conftest) {
        // In batches, so a large repository stays far below the command-line limit.
        const int batch = 500;
        for (int start = 0; start < inputs.size(); start += batch) {
            QStringList args{QStringLiteral("test"),   QStringLiteral("--output"),
                             QStringLiteral("json"),   QStringLiteral("--policy"),
                             QStringLiteral("policy"), QStringLiteral("--namespace"),
                             QStringLiteral("main"),   QStringLiteral("--all-namespaces")};
            args << inputs.mid(start, batch);
            Result<ProcessOutput> p =
                runProcess(engine.program, args, work.path(), deadline, options.timeoutMs);
            if (!p)
                return p.error();
            // Exit code 1 means "failures found" as well as "could not run": the output tells.
            Result<std::vector<RegoFileOutcome>> parsed = parseConftestOutput(p->out);
            if (!parsed) {
                if (p->exitCode != 0)
                    return failed(*p);
                return parsed.error();
            }
            if (p->exitCode != 0 && p->exitCode != 1)
                return failed(*p);
            for (RegoFileOutcome& o : *parsed)
                outcomes.push_back(std::move(o));
        }
    } else {
        for (const QString& input : std::as_const(inputs)) {
            const QStringList args{QStringLiteral("eval"),
                                   QStringLiteral("--format"),
                                   QStringLiteral("json"),
                                   QStringLiteral("--data"),
                                   QStringLiteral("policy"),
                                   QStringLiteral("--input"),
                                   input,
                                   QStringLiteral("data")};
            Result<ProcessOutput> p =
                runProcess(engine.program, args, work.path(), deadline, options.timeoutMs);
            if (!p)
                return p.error();
            Result<RegoFileOutcome> parsed = parseOpaEvalOutput(p->out, input);
            if (!parsed) {
                Error e = parsed.error();
                if (e.kind == Error::Kind::Protocol && p->exitCode != 0)
                    return failed(*p);
                e.details = withOriginalNames(e.details);
                return e;
            }
            if (p->exitCode != 0)
                return failed(*p);
            outcomes.push_back(std::move(parsed).value());
        }
    }

    for (const RegoFileOutcome& o : outcomes) {
        const auto at = objectOf.find(o.filename);
        if (at == objectOf.end())
            return protocolError(
                QStringLiteral("%1 reported a file it was not given").arg(engineName), o.filename);
        const KubeObject& object = objects[*at];
        run.summary.exceptions += int(o.exceptions.size());
        for (const auto* list : {&o.failures, &o.warnings})
            for (const RegoFinding& f : *list) {
                Violation v = regoViolation(f, object);
                if (!options.onlyRules.isEmpty() &&
                    std::none_of(options.onlyRules.begin(), options.onlyRules.end(),
                                 [&](const QString& p) { return globMatch(p, v.rule); }))
                    continue;
                run.results.push_back(std::move(v));
            }
    }
    std::stable_sort(run.results.begin(), run.results.end(),
                     [](const Violation& a, const Violation& b) {
                         if (a.file != b.file)
                             return a.file < b.file;
                         if (a.line != b.line)
                             return a.line < b.line;
                         return a.rule < b.rule;
                     });
    run.summary.note =
        QStringLiteral("%1 Rego %2 evaluated with %3")
            .arg(policies.size())
            .arg(policies.size() == 1 ? QStringLiteral("policy") : QStringLiteral("policies"))
            .arg(engineName);
    if (run.summary.exceptions > 0)
        run.summary.note += QStringLiteral(" (%1 excepted by the policies' own exception rules)")
                                .arg(run.summary.exceptions);
    return run;
}

} // namespace sextant::policy
