#include "policypack.h"

#include "policy/checks.h"

#include <QFile>
#include <QSet>
#include <QtGlobal>

#include <yaml-cpp/yaml.h>

namespace sextant::policy {

namespace {

const char* const kTools[] = {"polaris", "kube-linter", "gatekeeper", "kyverno"};

struct PackError {
    int line;
    QString what;
};

QString scalarOf(const YNode& n, const char* key, bool required) {
    const YNode* v = n.get(key);
    if (!v || !v->isScalar() || v->scalar.empty()) {
        if (required)
            throw PackError{n.line, QStringLiteral("missing '%1'").arg(QLatin1String(key))};
        return {};
    }
    return QString::fromStdString(v->scalar);
}

Rule parseRule(const YNode& n) {
    if (!n.isMap())
        throw PackError{n.line, QStringLiteral("a rule must be a map")};
    Rule r;
    r.line = n.line;
    r.id = scalarOf(n, "id", true);
    if (!parseSeverity(scalarOf(n, "severity", true), r.severity))
        throw PackError{n.get("severity")->line,
                        QStringLiteral("severity must be error, warning or info")};
    r.title = scalarOf(n, "title", true);
    r.rationale = scalarOf(n, "rationale", true);
    r.check = scalarOf(n, "check", true).toStdString();
    if (!knownChecks().contains(QString::fromStdString(r.check)))
        throw PackError{n.get("check")->line,
                        QStringLiteral("unknown check '%1'").arg(QString::fromStdString(r.check))};
    if (const YNode* p = n.get("params")) {
        if (!p->isMap())
            throw PackError{p->line, QStringLiteral("params must be a map")};
        r.params = *p;
    } else {
        r.params = YNode::makeMap();
    }
    if (const YNode* w = n.get("waivable")) {
        if (!w->asBool(r.waivable))
            throw PackError{w->displayLine(), QStringLiteral("waivable must be true or false")};
    }
    const YNode* eq = n.get("equivalents");
    for (const char* tool : kTools) {
        QStringList ids;
        if (const YNode* list = eq ? eq->get(tool) : nullptr) {
            if (!list->isSeq())
                throw PackError{
                    list->line,
                    QStringLiteral("equivalents.%1 must be a list").arg(QLatin1String(tool))};
            for (const YNode& id : list->seq)
                ids << QString::fromStdString(id.scalar);
        }
        r.equivalents.emplace_back(QString::fromLatin1(tool), ids);
    }
    return r;
}

} // namespace

QString severityName(Severity s) {
    switch (s) {
    case Severity::Error:
        return QStringLiteral("error");
    case Severity::Warning:
        return QStringLiteral("warning");
    case Severity::Info:
        break;
    }
    return QStringLiteral("info");
}

bool parseSeverity(const QString& text, Severity& out) {
    const QString t = text.toLower();
    if (t == QLatin1String("error"))
        out = Severity::Error;
    else if (t == QLatin1String("warning"))
        out = Severity::Warning;
    else if (t == QLatin1String("info"))
        out = Severity::Info;
    else
        return false;
    return true;
}

QStringList Rule::equivalentsFor(const QString& tool) const {
    for (const auto& [t, ids] : equivalents) {
        if (t == tool)
            return ids;
    }
    return {};
}

const Rule* PolicyPack::find(const QString& id) const {
    for (const Rule& r : m_rules) {
        if (r.id == id)
            return &r;
    }
    return nullptr;
}

bool PolicyPack::setParam(const QString& ruleId, const std::string& key, YNode value) {
    for (Rule& r : m_rules) {
        if (r.id == ruleId) {
            r.params.set(key, std::move(value));
            return true;
        }
    }
    return false;
}

Status PolicyPack::addRules(std::vector<Rule> rules) {
    for (const Rule& r : rules) {
        const Rule* clash = find(r.id);
        int same = 0;
        for (const Rule& other : rules)
            same += other.id == r.id ? 1 : 0;
        if (clash || same > 1)
            return Error::make(
                Error::Kind::Config, QStringLiteral("invalid custom rule"),
                QStringLiteral("%1:%2: rule id '%3' is already used by %4")
                    .arg(r.file)
                    .arg(r.line)
                    .arg(r.id,
                         clash ? (clash->file.isEmpty()
                                      ? QStringLiteral("a built-in rule")
                                      : QStringLiteral("%1:%2").arg(clash->file).arg(clash->line))
                               : QStringLiteral("another rule of the same file")));
    }
    for (Rule& r : rules)
        m_rules.push_back(std::move(r));
    return okStatus();
}

Result<PolicyPack> PolicyPack::fromYaml(const QByteArray& yaml, const QString& sourceName) {
    PolicyPack pack;
    try {
        const std::vector<YNode> docs = parseYamlDocuments(yaml.toStdString());
        if (docs.size() != 1 || !docs[0].get("rules") || !docs[0].get("rules")->isSeq())
            throw PackError{1, QStringLiteral("expected one document with a 'rules' list")};
        QSet<QString> ids;
        for (const YNode& n : docs[0].get("rules")->seq) {
            Rule r = parseRule(n);
            if (ids.contains(r.id))
                throw PackError{n.line, QStringLiteral("duplicate rule id '%1'").arg(r.id)};
            ids.insert(r.id);
            pack.m_rules.push_back(std::move(r));
        }
    } catch (const YAML::Exception& e) {
        return Error::make(Error::Kind::Config, QStringLiteral("invalid policy pack"),
                           QStringLiteral("%1:%2: %3")
                               .arg(sourceName)
                               .arg(e.mark.line + 1)
                               .arg(QString::fromStdString(e.msg)));
    } catch (const PackError& e) {
        return Error::make(Error::Kind::Config, QStringLiteral("invalid policy pack"),
                           QStringLiteral("%1:%2: %3").arg(sourceName).arg(e.line).arg(e.what));
    }
    return pack;
}

const PolicyPack& PolicyPack::builtin() {
    static const PolicyPack pack = [] {
        QFile f(QStringLiteral(":/sextant/policy-pack.yaml"));
        if (!f.open(QIODevice::ReadOnly)) {
            qCritical("built-in policy pack missing from the resources");
            return PolicyPack();
        }
        Result<PolicyPack> r = fromYaml(f.readAll(), QStringLiteral("policy-pack.yaml"));
        if (!r) {
            qCritical("%s", qPrintable(r.error().toString()));
            return PolicyPack();
        }
        return std::move(r).value();
    }();
    return pack;
}

} // namespace sextant::policy
