#include "driftcatalogue.h"

#include "core/yamljson.h"

#include <QFile>
#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

namespace sextant::report {

namespace {

using Json = nlohmann::json;

QStringList lowerList(const Json& node, const char* key, QString* error) {
    QStringList out;
    if (!node.contains(key))
        return out;
    const Json& v = node.at(key);
    if (!v.is_array()) {
        *error = QStringLiteral("'%1' must be a list").arg(QString::fromLatin1(key));
        return out;
    }
    for (const Json& item : v) {
        if (!item.is_string()) {
            *error = QStringLiteral("'%1' holds a value that is not a string")
                         .arg(QString::fromLatin1(key));
            return {};
        }
        out << QString::fromStdString(item.get<std::string>()).trimmed().toLower();
    }
    return out;
}

QString str(const Json& node, const char* key) {
    if (!node.is_object() || !node.contains(key) || !node.at(key).is_string())
        return {};
    return QString::fromStdString(node.at(key).get<std::string>());
}

bool anyGlob(const QStringList& patterns, const QString& text) {
    for (const QString& p : patterns)
        if (DriftCatalogue::globMatch(p, text))
            return true;
    return false;
}

bool labelsMatch(const QStringList& patterns, const argocd::AppSummary& app) {
    for (const QString& p : patterns) {
        const qsizetype eq = p.indexOf(QLatin1Char('='));
        const QString key = eq < 0 ? p : p.left(eq);
        for (const auto& [k, v] : app.labels) {
            if (k.toLower() != key)
                continue;
            if (eq < 0 || DriftCatalogue::globMatch(p.mid(eq + 1), v))
                return true;
        }
    }
    return false;
}

} // namespace

bool DriftCatalogue::globMatch(const QString& pattern, const QString& text) {
    // Iterative * / ? matcher: no regex per call (the report classifies thousands of apps).
    const QString t = text.toLower();
    qsizetype p = 0, s = 0, star = -1, mark = 0;
    while (s < t.size()) {
        if (p < pattern.size() && (pattern[p] == QLatin1Char('?') || pattern[p] == t[s])) {
            ++p;
            ++s;
        } else if (p < pattern.size() && pattern[p] == QLatin1Char('*')) {
            star = p++;
            mark = s;
        } else if (star >= 0) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == QLatin1Char('*'))
        ++p;
    return p == pattern.size();
}

Result<DriftCatalogue> DriftCatalogue::fromYaml(const QByteArray& yaml, const QString& fileName) {
    Json doc;
    try {
        doc = yamlToJson(YAML::Load(yaml.toStdString()));
    } catch (const std::exception& e) {
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1 is not valid YAML").arg(fileName),
                           QString::fromUtf8(e.what()));
    }
    if (!doc.is_object())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1: expected a mapping at the top").arg(fileName));
    DriftCatalogue cat;
    QString error;
    auto fail = [&](const QString& where) {
        return Error::make(Error::Kind::Config, QStringLiteral("%1: %2").arg(fileName, where),
                           error);
    };
    if (doc.contains("environments")) {
        const Json& envs = doc.at("environments");
        cat.m_envLabels = lowerList(envs, "labels", &error);
        if (!error.isEmpty())
            return fail(QStringLiteral("environments.labels"));
        if (envs.contains("names") && envs.at("names").is_array()) {
            for (const Json& e : envs.at("names")) {
                EnvironmentName env;
                env.name = str(e, "name").trimmed().toLower();
                if (env.name.isEmpty())
                    return fail(QStringLiteral("an environment has no name"));
                if (e.contains("rank") && e.at("rank").is_number_integer())
                    env.rank = e.at("rank").get<int>();
                env.aliases = lowerList(e, "aliases", &error);
                if (!error.isEmpty())
                    return fail(QStringLiteral("environment %1").arg(env.name));
                env.aliases << env.name;
                cat.m_environments << env;
            }
        }
    }
    if (!doc.contains("drift") || !doc.at("drift").is_array())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1: 'drift' must be a list of rules").arg(fileName));
    int index = 0;
    for (const Json& r : doc.at("drift")) {
        ++index;
        DriftRule rule;
        rule.category = str(r, "category").trimmed().toLower();
        rule.reason = str(r, "reason").trimmed();
        if (rule.category != QLatin1String("infrastructure") &&
            rule.category != QLatin1String("application")) {
            error = QStringLiteral("category must be infrastructure or application, not '%1'")
                        .arg(rule.category);
            return fail(QStringLiteral("drift rule %1").arg(index));
        }
        if (rule.reason.isEmpty()) {
            error = QStringLiteral("every rule needs a reason: it is printed in the report");
            return fail(QStringLiteral("drift rule %1").arg(index));
        }
        rule.projects = lowerList(r, "projects", &error);
        rule.namespaces = lowerList(r, "namespaces", &error);
        rule.labels = lowerList(r, "labels", &error);
        rule.paths = lowerList(r, "paths", &error);
        rule.repos = lowerList(r, "repos", &error);
        rule.names = lowerList(r, "names", &error);
        if (!error.isEmpty())
            return fail(QStringLiteral("drift rule %1 (%2)").arg(index).arg(rule.reason));
        rule.clusterScoped = r.contains("clusterScoped") && r.at("clusterScoped").is_boolean() &&
                             r.at("clusterScoped").get<bool>();
        cat.m_rules << rule;
    }
    return cat;
}

const DriftCatalogue& DriftCatalogue::builtin() {
    static const DriftCatalogue catalogue = [] {
        QFile f(QStringLiteral(":/sextant/report-drift-categories.yaml"));
        if (!f.open(QIODevice::ReadOnly)) {
            qCritical("built-in drift catalogue is missing from the resources");
            return DriftCatalogue();
        }
        auto loaded = fromYaml(f.readAll(), QStringLiteral("report-drift-categories.yaml"));
        if (!loaded) {
            qCritical("%s", qPrintable(loaded.error().toString()));
            return DriftCatalogue();
        }
        return std::move(*loaded);
    }();
    return catalogue;
}

DriftClass DriftCatalogue::classify(const argocd::AppSummary& app) const {
    const QString ns = app.destNamespace.toLower();
    for (const DriftRule& r : m_rules) {
        if (r.clusterScoped && !app.destNamespace.isEmpty())
            continue;
        if (!r.projects.isEmpty() && !anyGlob(r.projects, app.project))
            continue;
        if (!r.namespaces.isEmpty() && (ns.isEmpty() || !anyGlob(r.namespaces, ns)))
            continue;
        if (!r.labels.isEmpty() && !labelsMatch(r.labels, app))
            continue;
        if (!r.paths.isEmpty() && !anyGlob(r.paths, app.path))
            continue;
        if (!r.repos.isEmpty() && !anyGlob(r.repos, app.repoURL))
            continue;
        if (!r.names.isEmpty() && !anyGlob(r.names, app.name))
            continue;
        return {r.category, r.reason};
    }
    return {QStringLiteral("application"), QStringLiteral("no rule matched")};
}

const EnvironmentName* DriftCatalogue::lookupWords(const QString& text) const {
    if (text.isEmpty())
        return nullptr;
    const QString lower = text.toLower();
    // The whole value first ("prod-eu" may be an alias), then each word of it.
    for (const EnvironmentName& e : m_environments)
        if (e.aliases.contains(lower))
            return &e;
    static const QRegularExpression separators(QStringLiteral("[^a-z0-9]+"));
    const QStringList words = lower.split(separators, Qt::SkipEmptyParts);
    for (const QString& w : words)
        for (const EnvironmentName& e : m_environments)
            if (e.aliases.contains(w))
                return &e;
    return nullptr;
}

const EnvironmentName& DriftCatalogue::environmentOf(const argocd::AppSummary& app,
                                                     const QString& instanceName) const {
    for (const QString& key : m_envLabels)
        for (const auto& [k, v] : app.labels)
            if (k.toLower() == key)
                if (const EnvironmentName* e = lookupWords(v))
                    return *e;
    if (const EnvironmentName* e = lookupWords(app.destName))
        return *e;
    // A server URL: its host's first label is usually the cluster's name.
    if (app.destName.isEmpty() && !app.destServer.isEmpty())
        if (const EnvironmentName* e = lookupWords(QUrl(app.destServer).host()))
            return *e;
    if (const EnvironmentName* e =
            lookupWords(instanceName.isEmpty() ? app.instance : instanceName))
        return *e;
    return m_other;
}

int DriftCatalogue::rankOf(const QString& environment) const {
    for (const EnvironmentName& e : m_environments)
        if (e.name == environment)
            return e.rank;
    return 99;
}

} // namespace sextant::report
