#include "signaturecatalogue.h"

#include "evidence.h"

#include <QFile>
#include <QSet>
#include <QtDebug>

#include <yaml-cpp/yaml.h>

#include <stdexcept>

namespace sextant::analysis {

namespace {

const QStringList& knownSources() {
    static const QStringList s = {
        QStringLiteral("condition"), QStringLiteral("operation"), QStringLiteral("syncResult"),
        QStringLiteral("health"),    QStringLiteral("sync"),      QStringLiteral("pod"),
        QStringLiteral("container"), QStringLiteral("event"),     QStringLiteral("log"),
        QStringLiteral("revision"),  QStringLiteral("diff"),      QStringLiteral("text")};
    return s;
}

const QStringList& knownFixKinds() {
    static const QStringList s = {QStringLiteral("image-tag"),
                                  QStringLiteral("image-pull-secret"),
                                  QStringLiteral("config-key"),
                                  QStringLiteral("config-value"),
                                  QStringLiteral("secret-key"),
                                  QStringLiteral("resources"),
                                  QStringLiteral("node-selector"),
                                  QStringLiteral("toleration"),
                                  QStringLiteral("affinity"),
                                  QStringLiteral("quota"),
                                  QStringLiteral("probe"),
                                  QStringLiteral("storage-class"),
                                  QStringLiteral("pvc"),
                                  QStringLiteral("rbac"),
                                  QStringLiteral("service-selector"),
                                  QStringLiteral("network-policy"),
                                  QStringLiteral("ingress"),
                                  QStringLiteral("hpa"),
                                  QStringLiteral("job"),
                                  QStringLiteral("manifest"),
                                  QStringLiteral("namespace"),
                                  QStringLiteral("hook"),
                                  QStringLiteral("argocd-project"),
                                  QStringLiteral("sync-window"),
                                  QStringLiteral("repo-credentials"),
                                  QStringLiteral("app-path"),
                                  QStringLiteral("ownership"),
                                  QStringLiteral("none")};
    return s;
}

// A catalogue error that knows its line.
struct CatalogueError : std::runtime_error {
    int line;
    CatalogueError(const QString& what, int l)
        : std::runtime_error(what.toStdString())
        , line(l) {}
};

int lineOf(const YAML::Node& n) {
    return n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
}

[[noreturn]] void fail(const YAML::Node& n, const QString& what) {
    throw CatalogueError(what, lineOf(n));
}

QString scalar(const YAML::Node& n, const char* key, bool required) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull()) {
        if (required)
            fail(n, QStringLiteral("'%1' is required").arg(QLatin1String(key)));
        return {};
    }
    if (!v.IsScalar())
        fail(v, QStringLiteral("'%1' must be a string").arg(QLatin1String(key)));
    return QString::fromStdString(v.Scalar());
}

QStringList list(const YAML::Node& n, const char* key) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull())
        return {};
    if (v.IsScalar())
        return {QString::fromStdString(v.Scalar())};
    if (!v.IsSequence())
        fail(v, QStringLiteral("'%1' must be a list").arg(QLatin1String(key)));
    QStringList out;
    for (const YAML::Node& i : v) {
        if (!i.IsScalar())
            fail(i, QStringLiteral("'%1' entries must be strings").arg(QLatin1String(key)));
        out << QString::fromStdString(i.Scalar());
    }
    return out;
}

bool flag(const YAML::Node& n, const char* key) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull())
        return false;
    try {
        return v.as<bool>();
    } catch (const YAML::Exception&) {
        fail(v, QStringLiteral("'%1' must be true or false").arg(QLatin1String(key)));
    }
}

// Index just past the group or class that starts at `i` (escapes and nesting honoured).
int skipGroup(const QString& p, int i) {
    const QChar open = p[i];
    const QChar close = open == QLatin1Char('(') ? QLatin1Char(')') : QLatin1Char(']');
    int depth = 0;
    bool inClass = false;
    for (; i < p.size(); ++i) {
        const QChar c = p[i];
        if (c == QLatin1Char('\\')) {
            ++i;
            continue;
        }
        if (open == QLatin1Char('(')) {
            if (inClass) {
                if (c == QLatin1Char(']'))
                    inClass = false;
                continue;
            }
            if (c == QLatin1Char('[')) {
                inClass = true;
                if (i + 1 < p.size() && p[i + 1] == QLatin1Char('^'))
                    ++i;
                if (i + 1 < p.size() && p[i + 1] == QLatin1Char(']'))
                    ++i; // "[]...]": a leading ] is a member
                continue;
            }
            if (c == open)
                ++depth;
            else if (c == close && --depth == 0)
                return i + 1;
        } else {
            if (i > 0 && c == close && depth > 0)
                return i + 1;
            if (c == QLatin1Char('[') && depth == 0) {
                depth = 1;
                if (i + 1 < p.size() && p[i + 1] == QLatin1Char('^'))
                    ++i;
                if (i + 1 < p.size() && p[i + 1] == QLatin1Char(']'))
                    ++i;
            }
        }
    }
    return int(p.size());
}

// Index past a quantifier at `i` (none: `i`); `optional` tells whether it allows zero.
int skipQuantifier(const QString& p, int i, bool* optional) {
    *optional = false;
    if (i >= p.size())
        return i;
    const QChar c = p[i];
    int end = i;
    if (c == QLatin1Char('*') || c == QLatin1Char('?')) {
        *optional = true;
        end = i + 1;
    } else if (c == QLatin1Char('+')) {
        end = i + 1;
    } else if (c == QLatin1Char('{')) {
        const int close = int(p.indexOf(QLatin1Char('}'), i));
        if (close < 0)
            return i;
        *optional = true; // conservative: {n,m} is never counted as a literal
        end = close + 1;
    } else {
        return i;
    }
    if (end < p.size() && (p[end] == QLatin1Char('?') || p[end] == QLatin1Char('+')))
        ++end; // lazy or possessive
    return end;
}

Signature parseSignature(const YAML::Node& n) {
    if (!n.IsMap())
        fail(n, QStringLiteral("a signature must be a mapping"));
    Signature s;
    s.line = lineOf(n);
    s.id = scalar(n, "id", true);
    s.category = scalar(n, "category", true);
    s.title = scalar(n, "title", true);
    s.sources = list(n, "sources");
    for (const QString& src : s.sources)
        if (!knownSources().contains(src))
            fail(n["sources"], QStringLiteral("signature '%1': unknown source '%2' (one of: %3)")
                                   .arg(s.id, src, knownSources().join(QStringLiteral(", "))));
    s.reasons = list(n, "reasons");
    s.kinds = list(n, "kinds");
    s.owners = list(n, "owners");
    const QStringList patterns = list(n, "patterns");
    const YAML::Node patternNodes = n["patterns"];
    for (int i = 0; i < patterns.size(); ++i) {
        QRegularExpression re(patterns[i]);
        if (!re.isValid()) {
            const YAML::Node at = patternNodes.IsSequence() ? patternNodes[i] : patternNodes;
            fail(at, QStringLiteral("signature '%1': invalid pattern at offset %2: %3")
                         .arg(s.id)
                         .arg(re.patternErrorOffset())
                         .arg(re.errorString()));
        }
        re.optimize();
        QStringList names = re.namedCaptureGroups();
        names.removeAll(QString());
        s.groupNames << names;
        s.patterns << re;
        bool ci = false;
        s.literals << requiredLiteral(patterns[i], &ci);
        s.literalCaseInsensitive << ci;
    }
    if (s.patterns.isEmpty() && s.reasons.isEmpty())
        fail(n, QStringLiteral("signature '%1' needs 'patterns' or 'reasons'").arg(s.id));
    const YAML::Node conf = n["confidence"];
    if (!conf)
        fail(n, QStringLiteral("signature '%1': 'confidence' is required").arg(s.id));
    try {
        s.confidence = conf.as<double>();
    } catch (const YAML::Exception&) {
        fail(conf, QStringLiteral("signature '%1': 'confidence' must be a number").arg(s.id));
    }
    if (s.confidence <= 0 || s.confidence > 1)
        fail(conf, QStringLiteral("signature '%1': 'confidence' must be in (0, 1]").arg(s.id));
    s.summary = scalar(n, "summary", true);
    s.remediation = list(n, "remediation");
    s.fixKind = scalar(n, "fixKind", true);
    if (!knownFixKinds().contains(s.fixKind))
        fail(n["fixKind"],
             QStringLiteral("signature '%1': unknown fixKind '%2'").arg(s.id, s.fixKind));
    s.requiresAny = list(n, "requires");
    s.suppresses = list(n, "suppresses");
    s.boosts = list(n, "boosts");
    s.symptom = flag(n, "symptom");
    s.fallback = flag(n, "fallback");
    s.annotation = flag(n, "annotates");
    const QString scope = scalar(n, "scope", false);
    if (!scope.isEmpty() && scope != QLatin1String("resource") && scope != QLatin1String("app"))
        fail(n["scope"], QStringLiteral("signature '%1': scope is 'resource' or 'app'").arg(s.id));
    s.appScope = scope == QLatin1String("app");
    return s;
}

} // namespace

QString requiredLiteral(const QString& pattern, bool* caseInsensitive) {
    int i = 0;
    bool ci = false;
    if (pattern.startsWith(QLatin1String("(?i)"))) {
        ci = true;
        i = 4;
    }
    if (caseInsensitive)
        *caseInsensitive = ci;
    static const QRegularExpression inlineFlags(QStringLiteral("\\(\\?[a-zA-Z-]+[:)]"));
    if (inlineFlags.match(pattern, i).hasMatch())
        return {}; // inline flags change what a literal means
    // A top-level alternation has no single required text.
    for (int k = i; k < pattern.size(); ++k) {
        const QChar c = pattern[k];
        if (c == QLatin1Char('\\'))
            ++k;
        else if (c == QLatin1Char('(') || c == QLatin1Char('['))
            k = skipGroup(pattern, k) - 1;
        else if (c == QLatin1Char('|'))
            return {};
    }
    QString best;
    QString run;
    const auto flush = [&] {
        if (run.size() > best.size())
            best = run;
        run.clear();
    };
    while (i < pattern.size()) {
        const QChar c = pattern[i];
        QChar literal;
        int next = i + 1;
        if (c == QLatin1Char('\\')) {
            if (i + 1 >= pattern.size())
                break;
            const QChar e = pattern[i + 1];
            next = i + 2;
            if (e.isLetterOrNumber()) { // \d, \s, \b, \n ...: not a plain character
                flush();
                bool optional = false;
                i = skipQuantifier(pattern, next, &optional);
                continue;
            }
            literal = e;
        } else if (c == QLatin1Char('(') || c == QLatin1Char('[')) {
            flush();
            bool optional = false;
            i = skipQuantifier(pattern, skipGroup(pattern, i), &optional);
            continue;
        } else if (c == QLatin1Char('.') || c == QLatin1Char('^') || c == QLatin1Char('$')) {
            flush();
            bool optional = false;
            i = skipQuantifier(pattern, next, &optional);
            continue;
        } else {
            literal = c;
        }
        bool optional = false;
        const int after = skipQuantifier(pattern, next, &optional);
        if (after != next) { // quantified: "x+" still contains one x, "x?" maybe none
            if (!optional)
                run += literal;
            flush();
            i = after;
            continue;
        }
        run += literal;
        i = next;
    }
    flush();
    return best.size() >= 3 ? best : QString();
}

std::optional<QRegularExpressionMatch> Signature::match(int p, const QString& text) const {
    const QString& literal = literals[p];
    if (!literal.isEmpty() &&
        !text.contains(literal,
                       literalCaseInsensitive[p] ? Qt::CaseInsensitive : Qt::CaseSensitive))
        return std::nullopt;
    QRegularExpressionMatch m = patterns[p].match(text);
    if (!m.hasMatch())
        return std::nullopt;
    return m;
}

bool Signature::accepts(const EvidenceItem& item) const {
    if (!kinds.isEmpty() && !kinds.contains(item.kind))
        return false;
    if (!owners.isEmpty() && !owners.contains(item.ownerKind))
        return false;
    if (reasons.isEmpty())
        return true;
    if (item.reason.isEmpty())
        return !patterns.isEmpty(); // free text: the pattern has to carry the meaning
    return reasons.contains(item.reason);
}

bool SignatureCatalogue::hasCategory(const QString& id) const {
    for (const SignatureCategory& c : m_categories)
        if (c.id == id)
            return true;
    return false;
}

const QVector<int>& SignatureCatalogue::forSource(const QString& source) const {
    const auto it = m_bySource.constFind(source);
    return it == m_bySource.constEnd() ? m_anySource : *it;
}

Result<SignatureCatalogue> SignatureCatalogue::fromYaml(const QByteArray& yaml,
                                                        const QString& sourceName) {
    const auto error = [&](int line, const QString& what) {
        return Error::make(Error::Kind::Config,
                           QStringLiteral("Signature catalogue %1 is invalid").arg(sourceName),
                           QStringLiteral("%1:%2: %3").arg(sourceName).arg(line).arg(what));
    };
    SignatureCatalogue cat;
    try {
        const YAML::Node root = YAML::Load(yaml.toStdString());
        if (!root.IsMap())
            return error(1, QStringLiteral("the top level must be a mapping with 'categories' "
                                           "and 'signatures'"));
        const YAML::Node cats = root["categories"];
        if (!cats || !cats.IsSequence())
            fail(root, QStringLiteral("'categories' must be a list"));
        for (const YAML::Node& c : cats) {
            SignatureCategory category;
            if (c.IsScalar()) {
                category.id = QString::fromStdString(c.Scalar());
            } else {
                category.id = scalar(c, "id", true);
                category.title = scalar(c, "title", false);
            }
            if (cat.hasCategory(category.id))
                fail(c, QStringLiteral("category '%1' is listed twice").arg(category.id));
            cat.m_categories << category;
        }
        const YAML::Node sigs = root["signatures"];
        if (!sigs || !sigs.IsSequence())
            fail(root, QStringLiteral("'signatures' must be a list"));
        for (const YAML::Node& n : sigs) {
            Signature s = parseSignature(n);
            if (!cat.hasCategory(s.category))
                fail(n["category"],
                     QStringLiteral("signature '%1': unknown category '%2'").arg(s.id, s.category));
            if (cat.m_index.contains(s.id))
                fail(n["id"], QStringLiteral("signature id '%1' is used twice").arg(s.id));
            cat.m_index.insert(s.id, int(cat.m_signatures.size()));
            cat.m_signatures << s;
        }
        // Relations must name real signatures; a typo would silently disable a rule.
        for (const YAML::Node& n : sigs) {
            const QString id = scalar(n, "id", true);
            for (const char* key : {"requires", "suppresses", "boosts"})
                for (const QString& other : list(n, key))
                    if (!cat.m_index.contains(other))
                        fail(n[key], QStringLiteral("signature '%1': '%2' names unknown "
                                                    "signature '%3'")
                                         .arg(id, QLatin1String(key), other));
        }
    } catch (const CatalogueError& e) {
        return error(e.line, QString::fromStdString(e.what()));
    } catch (const YAML::Exception& e) {
        return error(e.mark.line >= 0 ? e.mark.line + 1 : 0, QString::fromStdString(e.msg));
    }

    for (int i = 0; i < cat.m_signatures.size(); ++i) {
        const Signature& s = cat.m_signatures[i];
        if (s.sources.isEmpty()) {
            cat.m_anySource << i;
            continue;
        }
    }
    // Every source list is in catalogue order, with the any-source signatures merged in.
    for (const QString& src : knownSources()) {
        QVector<int> ids;
        for (int i = 0; i < cat.m_signatures.size(); ++i) {
            const Signature& s = cat.m_signatures[i];
            if (s.sources.isEmpty() || s.sources.contains(src))
                ids << i;
        }
        cat.m_bySource.insert(src, ids);
    }
    for (int i = 0; i < cat.m_signatures.size(); ++i) {
        const QStringList& src = cat.m_signatures[i].sources;
        if (src.isEmpty() || src.contains(QLatin1String("text")) ||
            src.contains(QLatin1String("event")))
            cat.m_pastedEvent << i;
    }
    return cat;
}

SignatureCatalogue SignatureCatalogue::builtin() {
    static const SignatureCatalogue catalogue = [] {
        QFile f(QStringLiteral(":/sextant/signatures.yaml"));
        if (!f.open(QIODevice::ReadOnly)) {
            qCritical("built-in signature catalogue is missing from the resources");
            return SignatureCatalogue();
        }
        auto loaded = fromYaml(f.readAll(), QStringLiteral("signatures.yaml"));
        if (!loaded) {
            qCritical("%s", qPrintable(loaded.error().toString()));
            return SignatureCatalogue();
        }
        return std::move(*loaded);
    }();
    return catalogue;
}

} // namespace sextant::analysis
