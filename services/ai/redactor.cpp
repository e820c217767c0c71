#include "redactor.h"

#include <QDebug>
#include <QHash>
#include <QMap>
#include <QSet>

#include <algorithm>
#include <functional>
#include <initializer_list>

namespace sextant::ai {

namespace {

QRegularExpression
rx(const char* pattern,
   QRegularExpression::PatternOptions options = QRegularExpression::NoPatternOption) {
    QRegularExpression re(QString::fromUtf8(pattern), options);
    // A built-in rule that does not compile would silently redact nothing: say so loudly (the
    // unit tests then fail on the secret it should have caught).
    if (!re.isValid())
        qCritical("redactor: invalid built-in pattern %s: %s", pattern,
                  qPrintable(re.errorString()));
    return re;
}

constexpr auto kCaseless = QRegularExpression::CaseInsensitiveOption;
constexpr auto kMultiline = QRegularExpression::MultilineOption;

// Values that are already masked or are references rather than secrets: "[REDACTED]",
// "********", Argo CD's "++++++++", kubectl's "<set to the key 'password' in secret 'db'>",
// "${DB_PASSWORD}", "$(TOKEN)", "{{ .Values.password }}", booleans and null.
bool isNotASecretValue(QStringView raw) {
    QStringView v = raw.trimmed();
    while (!v.isEmpty() && (v.front() == u'"' || v.front() == u'\'' || v.front() == u'\\'))
        v = v.mid(1);
    while (!v.isEmpty() && (v.back() == u'"' || v.back() == u'\'' || v.back() == u'\\'))
        v.chop(1);
    if (v.isEmpty())
        return true;
    if (v.startsWith(u"[REDACTED") || v.startsWith(u"REDACTED") ||
        v.startsWith(u"<redacted", Qt::CaseInsensitive))
        return true;
    if (std::all_of(v.begin(), v.end(),
                    [](QChar c) { return c == u'*' || c == u'+' || c == u'•'; }))
        return true;
    if (v.startsWith(u'<') || v.startsWith(u"${") || v.startsWith(u"$(") || v.startsWith(u"{{"))
        return true;
    static const QSet<QString> literals = {
        QStringLiteral("true"), QStringLiteral("false"), QStringLiteral("null"),
        QStringLiteral("nil"),  QStringLiteral("none"),  QStringLiteral("~"),
        QStringLiteral("[]"),   QStringLiteral("{}"),    QStringLiteral("<none>")};
    return literals.contains(v.toString().toLower());
}

// One replacement decided by a pass that does its own parsing (Secret manifests).
struct Edit {
    qsizetype start = 0;
    qsizetype length = 0;
    QString replacement;
    QString kind; // counted when not empty
};

// The text being redacted and the counts so far. Every replacement keeps the line breaks of
// what it replaces, so the number of lines never changes.
class Scrubber {
public:
    explicit Scrubber(QString text)
        : m_text(std::move(text)) {}

    const QString& text() const { return m_text; }
    const QMap<QString, int>& counts() const { return m_counts; }

    static QString keepLineBreaks(QStringView replaced) {
        return QString(replaced.count(u'\n'), u'\n');
    }

    // For every match, replaces the first of `groups` that captured something with the
    // placeholder of kindOf(match); an empty kind leaves the match alone.
    void replace(const QRegularExpression& re, std::initializer_list<int> groups,
                 const std::function<QString(const QRegularExpressionMatch&)>& kindOf) {
        QVector<Edit> edits;
        auto it = re.globalMatch(m_text);
        while (it.hasNext()) {
            const QRegularExpressionMatch m = it.next();
            for (int g : groups) {
                if (m.capturedStart(g) < 0 || m.capturedLength(g) == 0)
                    continue;
                if (!isNotASecretValue(m.capturedView(g))) {
                    const QString kind = kindOf(m);
                    if (!kind.isEmpty())
                        edits.append({m.capturedStart(g), m.capturedLength(g),
                                      Redactor::placeholder(kind), kind});
                }
                break;
            }
        }
        apply(edits);
    }

    void replace(const QRegularExpression& re, std::initializer_list<int> groups,
                 const QString& kind) {
        replace(re, groups, [&kind](const QRegularExpressionMatch&) { return kind; });
    }

    // Applies non-overlapping edits (an edit overlapping an earlier one is dropped: the text it
    // covers is being replaced already).
    void apply(QVector<Edit> edits) {
        if (edits.isEmpty())
            return;
        std::stable_sort(edits.begin(), edits.end(),
                         [](const Edit& a, const Edit& b) { return a.start < b.start; });
        QString out;
        out.reserve(m_text.size());
        qsizetype last = 0;
        for (const Edit& e : std::as_const(edits)) {
            if (e.start < last)
                continue;
            out += QStringView(m_text).mid(last, e.start - last);
            out += e.replacement;
            out += keepLineBreaks(QStringView(m_text).mid(e.start, e.length));
            last = e.start + e.length;
            if (!e.kind.isEmpty())
                ++m_counts[e.kind];
        }
        out += QStringView(m_text).mid(last);
        m_text = std::move(out);
    }

private:
    QString m_text;
    QMap<QString, int> m_counts;
};

// --- names ----------------------------------------------------------------------------------

// "dbPassword" -> DB PASSWORD, "APIKey" -> API KEY, "x-api-key" -> X API KEY.
QStringList nameWords(QStringView name) {
    QString spaced;
    spaced.reserve(name.size() + 8);
    for (qsizetype i = 0; i < name.size(); ++i) {
        const QChar c = name[i];
        if (c.isUpper() && i > 0) {
            const QChar prev = name[i - 1];
            const bool lowerBefore = prev.isLower() || prev.isDigit();
            const bool acronymEnd = prev.isUpper() && i + 1 < name.size() && name[i + 1].isLower();
            if (lowerBefore || acronymEnd)
                spaced += u'_';
        }
        spaced += c;
    }
    static const QRegularExpression separators(QStringLiteral("[_.\\-\\s/]+"));
    QStringList words = spaced.toUpper().split(separators, Qt::SkipEmptyParts);
    return words;
}

// --- Kubernetes Secret manifests -------------------------------------------------------------

struct Line {
    qsizetype start = 0;
    QStringView text;
};

QVector<Line> splitLines(const QString& text) {
    QVector<Line> lines;
    qsizetype start = 0;
    while (start <= text.size()) {
        qsizetype end = text.indexOf(u'\n', start);
        if (end < 0)
            end = text.size();
        lines.append({start, QStringView(text).mid(start, end - start)});
        start = end + 1;
    }
    return lines;
}

qsizetype indentOf(QStringView line) {
    qsizetype n = 0;
    while (n < line.size() && (line[n] == u' ' || line[n] == u'\t'))
        ++n;
    return n;
}

// YAML: in every document that has "kind: Secret", the values under data: and stringData: (block
// maps, block scalars and flow maps). The key names stay.
QVector<Edit> yamlSecretDataEdits(const QString& text) {
    static const QRegularExpression kindLine =
        rx(R"rx(^\s*(?:-\s+)?kind:\s*["']?Secret["']?\s*(?:#.*)?$)rx");
    static const QRegularExpression dataLine =
        rx(R"rx(^(\s*)(-\s+)?(?:data|stringData):[ \t]*(.*)$)rx");
    static const QRegularExpression entry = rx(R"rx(^\s*([^:#\s][^:]*?):(?:[ \t]+(.*?))?\s*$)rx");
    static const QRegularExpression documentStart = rx(R"rx(^---)rx");
    QVector<Edit> edits;
    if (!text.contains(QLatin1String("Secret")))
        return edits;
    const QVector<Line> lines = splitLines(text);
    const QString kind = QStringLiteral("secret-data");
    const QString mark = Redactor::placeholder(kind);

    qsizetype docBegin = 0;
    while (docBegin < lines.size()) {
        qsizetype docEnd = docBegin + 1;
        while (docEnd < lines.size() && !documentStart.match(lines[docEnd].text).hasMatch())
            ++docEnd;
        bool isSecret = false;
        for (qsizetype i = docBegin; i < docEnd && !isSecret; ++i)
            isSecret = kindLine.match(lines[i].text).hasMatch();
        for (qsizetype i = docBegin; isSecret && i < docEnd; ++i) {
            const QRegularExpressionMatch d = dataLine.match(lines[i].text);
            if (!d.hasMatch())
                continue;
            const qsizetype indent = d.capturedLength(1) + d.capturedLength(2);
            const QStringView rest = d.capturedView(3).trimmed();
            if (!rest.isEmpty()) {
                // data: {password: abc} — everything between the braces.
                if (rest.startsWith(u'{') && rest != u"{}") {
                    const qsizetype open = lines[i].start + d.capturedStart(3) +
                                           lines[i].text.mid(d.capturedStart(3)).indexOf(u'{');
                    qsizetype close = lines[i].start + lines[i].text.lastIndexOf(u'}');
                    if (close <= open)
                        close = lines[i].start + lines[i].text.size();
                    edits.append({open + 1, close - open - 1, mark, kind});
                }
                continue;
            }
            qsizetype childIndent = -1;
            bool inBlockScalar = false;
            for (qsizetype j = i + 1; j < docEnd; ++j) {
                const QStringView line = lines[j].text;
                if (line.trimmed().isEmpty())
                    continue;
                const qsizetype ind = indentOf(line);
                if (ind <= indent)
                    break;
                if (childIndent < 0)
                    childIndent = ind;
                if (ind > childIndent) {
                    // Continuation of a block scalar (a PEM file, a config file): all of it goes.
                    if (inBlockScalar)
                        edits.append({lines[j].start + ind, line.size() - ind, QString(), {}});
                    continue;
                }
                inBlockScalar = false;
                const QRegularExpressionMatch e = entry.match(line);
                if (!e.hasMatch() || e.capturedLength(2) == 0)
                    continue;
                const QStringView value = e.capturedView(2);
                inBlockScalar = value.startsWith(u'|') || value.startsWith(u'>');
                if (!inBlockScalar && isNotASecretValue(value))
                    continue;
                edits.append(
                    {lines[j].start + e.capturedStart(2), e.capturedLength(2), mark, kind});
            }
        }
        docBegin = docEnd;
    }
    return edits;
}

// JSON, plain or escaped inside a string (the last-applied-configuration annotation): when the
// text names kind "Secret", the values of every "data"/"stringData" object.
QVector<Edit> jsonSecretDataEdits(const QString& text) {
    static const QRegularExpression kindJson = rx(R"rx(\\?"kind\\?"\s*:\s*\\?"Secret\\?")rx");
    static const QRegularExpression dataJson = rx(R"rx(\\?"(?:data|stringData)\\?"\s*:\s*\{)rx");
    static const QRegularExpression key = rx(R"rx((\\?)"([-._A-Za-z0-9]+)\1"\s*:\s*)rx");
    QVector<Edit> edits;
    if (!kindJson.match(text).hasMatch())
        return edits;
    const QString kind = QStringLiteral("secret-data");
    auto blocks = dataJson.globalMatch(text);
    while (blocks.hasNext()) {
        const QRegularExpressionMatch b = blocks.next();
        const qsizetype open = b.capturedEnd() - 1;
        // Data values are strings, so braces inside them are rare; counting braces is enough
        // to find the end of the object. When it never closes, everything to the end goes.
        qsizetype close = open + 1;
        for (int depth = 1; close < text.size(); ++close) {
            if (text[close] == u'{')
                ++depth;
            else if (text[close] == u'}' && --depth == 0)
                break;
        }
        const QStringView body = QStringView(text).mid(open + 1, close - open - 1);
        QVector<QRegularExpressionMatch> keys;
        auto it = key.globalMatch(body);
        while (it.hasNext())
            keys.append(it.next());
        for (qsizetype k = 0; k < keys.size(); ++k) {
            qsizetype from = keys[k].capturedEnd();
            qsizetype to = k + 1 < keys.size() ? keys[k + 1].capturedStart() : body.size();
            while (to > from && (body[to - 1].isSpace() || body[to - 1] == u','))
                --to;
            if (to <= from || isNotASecretValue(body.mid(from, to - from)))
                continue;
            const QString quote = keys[k].captured(1) + QStringLiteral("\"");
            edits.append(
                {open + 1 + from, to - from, quote + Redactor::placeholder(kind) + quote, kind});
        }
    }
    return edits;
}

QString envOrNameKind(QStringView name) {
    const QString kind = Redactor::secretKindForName(name);
    if (kind.isEmpty())
        return kind;
    // SHOUTING_SNAKE names are environment variables.
    static const QRegularExpression envName = rx(R"rx(^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$)rx");
    return envName.match(name).hasMatch() ? QStringLiteral("env-secret") : kind;
}

} // namespace

int Redaction::total() const {
    int n = 0;
    for (const RedactionCount& c : counts)
        n += c.count;
    return n;
}

void mergeCounts(QVector<RedactionCount>& into, const QVector<RedactionCount>& more) {
    for (const RedactionCount& c : more) {
        auto it = std::find_if(into.begin(), into.end(),
                               [&c](const RedactionCount& x) { return x.kind == c.kind; });
        if (it != into.end())
            it->count += c.count;
        else
            into.append(c);
    }
    std::sort(into.begin(), into.end(),
              [](const RedactionCount& a, const RedactionCount& b) { return a.kind < b.kind; });
}

QString Redactor::placeholder(const QString& kind) {
    return QStringLiteral("[REDACTED:%1]").arg(kind);
}

QString Redactor::secretKindForName(QStringView name) {
    const QStringList words = nameWords(name);
    if (words.isEmpty())
        return {};
    // Names that *name* a secret or describe it keep their value: secretName: db-creds,
    // secretKeyRef, key: password, PASSWORD_FILE=/run/secrets/db, token_type=bearer.
    static const QSet<QString> describing = {
        QStringLiteral("NAME"),      QStringLiteral("NAMES"),      QStringLiteral("REF"),
        QStringLiteral("REFS"),      QStringLiteral("SELECTOR"),   QStringLiteral("PATH"),
        QStringLiteral("PATHS"),     QStringLiteral("FILE"),       QStringLiteral("FILES"),
        QStringLiteral("FILENAME"),  QStringLiteral("DIR"),        QStringLiteral("URL"),
        QStringLiteral("URI"),       QStringLiteral("ENDPOINT"),   QStringLiteral("HOST"),
        QStringLiteral("PORT"),      QStringLiteral("NAMESPACE"),  QStringLiteral("LENGTH"),
        QStringLiteral("LEN"),       QStringLiteral("TTL"),        QStringLiteral("EXPIRY"),
        QStringLiteral("EXPIRES"),   QStringLiteral("EXPIRATION"), QStringLiteral("EXPIRED"),
        QStringLiteral("TYPE"),      QStringLiteral("POLICY"),     QStringLiteral("VERSION"),
        QStringLiteral("MODE"),      QStringLiteral("ENABLED"),    QStringLiteral("DISABLED"),
        QStringLiteral("REQUIRED"),  QStringLiteral("OPTIONAL"),   QStringLiteral("COUNT"),
        QStringLiteral("SIZE"),      QStringLiteral("AGE"),        QStringLiteral("TIMEOUT"),
        QStringLiteral("FORMAT"),    QStringLiteral("FIELD"),      QStringLiteral("MOUNT"),
        QStringLiteral("KIND"),      QStringLiteral("PROVIDER"),   QStringLiteral("HEADER"),
        QStringLiteral("ALGORITHM"), QStringLiteral("SECONDS"),    QStringLiteral("ISSUER"),
        QStringLiteral("AUDIENCE"),  QStringLiteral("LIMIT"),      QStringLiteral("STORE"),
        QStringLiteral("SOURCE"),    QStringLiteral("TEMPLATE"),   QStringLiteral("ROTATION"),
        QStringLiteral("PREFIX"),    QStringLiteral("STRATEGY"),   QStringLiteral("METHOD"),
        QStringLiteral("REQUEST"),   QStringLiteral("REVIEW"),     QStringLiteral("USERNAME"),
        QStringLiteral("STATUS"),    QStringLiteral("REASON"),     QStringLiteral("ERROR"),
    };
    if (describing.contains(words.last()))
        return {};
    if (words.first() == QLatin1String("EXISTING") || words.first() == QLatin1String("PUBLIC"))
        return {};
    if (words.size() == 1 &&
        (words.first() == QLatin1String("KEY") || words.first() == QLatin1String("PWD")))
        return {}; // "key: password" names a key; PWD is the shell's working directory
    if (words.size() >= 2 && words.last() == QLatin1String("ID") &&
        words[words.size() - 2] == QLatin1String("KEY"))
        return {}; // AWS_ACCESS_KEY_ID: the id itself is caught by its AKIA shape

    static const QHash<QString, QString> wordKinds = {
        {QStringLiteral("PASSWORD"), QStringLiteral("password")},
        {QStringLiteral("PASSWD"), QStringLiteral("password")},
        {QStringLiteral("PWD"), QStringLiteral("password")},
        {QStringLiteral("PASS"), QStringLiteral("password")},
        {QStringLiteral("PASSPHRASE"), QStringLiteral("password")},
        {QStringLiteral("PASSCODE"), QStringLiteral("password")},
        {QStringLiteral("TOKEN"), QStringLiteral("token")},
        {QStringLiteral("SECRET"), QStringLiteral("secret")},
        {QStringLiteral("CREDENTIAL"), QStringLiteral("credential")},
        {QStringLiteral("CREDENTIALS"), QStringLiteral("credential")},
        {QStringLiteral("CREDS"), QStringLiteral("credential")},
        {QStringLiteral("AUTH"), QStringLiteral("credential")},
        {QStringLiteral("AUTHORIZATION"), QStringLiteral("authorization")},
        {QStringLiteral("APIKEY"), QStringLiteral("api-key")},
        {QStringLiteral("KEY"), QStringLiteral("api-key")},
        {QStringLiteral("COOKIE"), QStringLiteral("cookie")},
        {QStringLiteral("DSN"), QStringLiteral("connection-string")},
        {QStringLiteral("PRIVATEKEY"), QStringLiteral("private-key")},
    };
    // The strongest word wins: "db_password_key" is a password.
    static const QStringList strength = {
        QStringLiteral("password"), QStringLiteral("private-key"),
        QStringLiteral("token"),    QStringLiteral("authorization"),
        QStringLiteral("cookie"),   QStringLiteral("connection-string"),
        QStringLiteral("secret"),   QStringLiteral("credential"),
        QStringLiteral("api-key")};
    QString best;
    for (const QString& w : words) {
        QString kind = wordKinds.value(w);
        // Glued words: "dbpassword", "githubtoken", "clientsecret".
        if (kind.isEmpty()) {
            if (w.contains(QLatin1String("PASSWORD")) || w.contains(QLatin1String("PASSWD")))
                kind = QStringLiteral("password");
            else if (w.endsWith(QLatin1String("TOKEN")))
                kind = QStringLiteral("token");
            else if (w.contains(QLatin1String("SECRET")))
                kind = QStringLiteral("secret");
            else if (w.contains(QLatin1String("CREDENTIAL")))
                kind = QStringLiteral("credential");
            else if (w.contains(QLatin1String("APIKEY")))
                kind = QStringLiteral("api-key");
        }
        if (kind == QLatin1String("api-key") && words.contains(QStringLiteral("PRIVATE")))
            kind = QStringLiteral("private-key");
        if (!kind.isEmpty() && (best.isEmpty() || strength.indexOf(kind) < strength.indexOf(best)))
            best = kind;
    }
    return best;
}

Result<Redactor> Redactor::create(const QStringList& userPatterns) {
    Redactor r;
    for (const QString& pattern : userPatterns) {
        QRegularExpression re(pattern);
        if (!re.isValid())
            return Error::make(Error::Kind::Config,
                               QStringLiteral("the redaction pattern '%1' is not a valid regular "
                                              "expression")
                                   .arg(pattern),
                               re.errorString());
        if (re.match(QString()).hasMatch())
            return Error::make(
                Error::Kind::Config,
                QStringLiteral("the redaction pattern '%1' matches empty text").arg(pattern));
        re.optimize();
        r.m_userPatterns.append(re);
    }
    return r;
}

Redaction Redactor::redact(const QString& input) const {
    Scrubber s(input);

    // 1. The user's own patterns see the untouched text.
    for (const QRegularExpression& re : m_userPatterns) {
        // With a capture group only group 1 goes (when it took part in the match).
        if (re.captureCount() >= 1)
            s.replace(re, {1, 0}, QStringLiteral("user-pattern"));
        else
            s.replace(re, {0}, QStringLiteral("user-pattern"));
    }

    // 2. Private keys, whole blocks. A block whose END line was cut off (evidence lines are
    //    capped) loses everything that still looks like key material.
    static const QRegularExpression pem = rx(
        R"rx(-----BEGIN[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----(?:[\s\S]*?-----END[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|(?:[A-Za-z0-9+/=\s:,-]|\\n|\\r)*))rx");
    s.replace(pem, {0}, QStringLiteral("private-key"));
    static const QRegularExpression encodedPem = rx(R"rx(LS0tLS1CRUdJTi[A-Za-z0-9+/=]*)rx");
    s.replace(encodedPem, {0}, QStringLiteral("encoded-pem"));

    // 3. Kubernetes Secret data.
    s.apply(yamlSecretDataEdits(s.text()));
    s.apply(jsonSecretDataEdits(s.text()));

    // 4. Headers: the credential after Authorization (its scheme stays), cookies.
    static const QRegularExpression authorization = rx(
        R"rx(\b((?:proxy-)?authorization)(\\?["']?)([ \t]*[:=][ \t]*)(\\?["'\[]?)((?:bearer|basic|token|digest|negotiate|apikey|bot)[ \t]+)?([^\s"'\\,;}\]]+))rx",
        kCaseless);
    s.replace(authorization, {6}, QStringLiteral("authorization"));
    static const QRegularExpression cookie =
        rx(R"rx(\b((?:set-)?cookie)(\\?["']?)(:[ \t]*)(\\?["'\[]?)([^\r\n"\\\]]+))rx", kCaseless);
    s.replace(cookie, {5}, QStringLiteral("cookie"));

    // 5. Specific key=value secrets whose kind is known better than from the name alone.
    static const QRegularExpression awsSecret = rx(
        R"rx((aws_?secret_?access_?key|secret_?access_?key)(\\?["']?)([ \t]*[:=][ \t]*)(\\?["']?)([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=]))rx",
        kCaseless);
    s.replace(awsSecret, {5}, QStringLiteral("aws-secret-key"));
    static const QRegularExpression connection = rx(
        R"rx(\b(AccountKey|SharedAccessKey|SharedAccessSignature|sig)=([^;&\s"']+))rx", kCaseless);
    s.replace(connection, {2}, QStringLiteral("connection-string"));

    // 6. Environment lists: `- name: DB_PASSWORD` + `value: x` (YAML block and flow), and
    //    {"name": "DB_PASSWORD", "value": "x"} (JSON, also escaped).
    const auto nameKind = [](const QRegularExpressionMatch& m) {
        return Redactor::secretKindForName(m.capturedView(2)).isEmpty()
                   ? QString()
                   : QStringLiteral("env-secret");
    };
    static const QRegularExpression yamlEnv = rx(
        R"rx(^([ \t]*-[ \t]+name:[ \t]*["']?)([A-Za-z_][A-Za-z0-9_.-]*)(["']?[ \t]*\n[ \t]*value:[ \t]*)([^\n]*?)[ \t]*$)rx",
        kMultiline);
    s.replace(yamlEnv, {4}, nameKind);
    static const QRegularExpression flowEnv = rx(
        R"rx((\{\s*name:\s*["']?)([A-Za-z_][A-Za-z0-9_.-]*)(["']?\s*,\s*value:\s*)("[^"\n]*"|'[^'\n]*'|[^,}\n]+))rx");
    s.replace(flowEnv, {4}, nameKind);
    static const QRegularExpression jsonEnv = rx(
        R"rx((\\?)"name\1"\s*:\s*\1"([A-Za-z_][A-Za-z0-9_.-]*)\1"\s*,\s*\1"value\1"\s*:\s*\1"((?:[^"\\]|\\.)*?)\1")rx");
    s.replace(jsonEnv, {3}, nameKind);

    // 7. Secret-named keys, variables and flags: password=x, "token": "x", DB_PASSWORD: x,
    //    --password x. The name stays; "key: password" and "secretName: db" are not secrets.
    //    The value sits in a lookahead so that "env: DB_PASSWORD=x" is also seen as the pair
    //    DB_PASSWORD=x after "env:" turned out not to be secret.
    static const QRegularExpression pair = rx(
        R"rx((?<![A-Za-z0-9_.\-\\])(\\?["']?)([A-Za-z_][A-Za-z0-9_.-]*)(\\?["']?)(:[ \t]*|[ \t]*=[ \t]*)(?=(?:\\?"((?:[^"\\\n]|\\[^"\n])*)\\?"|'([^'\n]*)'|([^\s,;&}\]"'<>()\[{][^\s,;&}\]"'<>()]*))([ \t]+bytes\b)?(?:(?=[ \t]+([A-Za-z]))|)))rx");
    s.replace(pair, {5, 6, 7}, [](const QRegularExpressionMatch& m) {
        if (m.capturedLength(8) > 0)
            return QString(); // kubectl describe secret: "password:  8 bytes"
        // Prose such as containerd's "failed to fetch anonymous token: unexpected status: 401":
        // after a colon, a plain word followed by more words is text, not a value.
        static const QRegularExpression word = rx(R"rx(^[A-Za-z]+$)rx");
        if (m.capturedView(4).startsWith(u':') && m.capturedLength(9) > 0 &&
            word.match(m.capturedView(7)).hasMatch())
            return QString();
        // Headers were handled above; their remaining word is the scheme ("Bearer").
        static const QRegularExpression header =
            rx(R"rx(^(?:proxy-)?authorization$|^(?:set-)?cookie$)rx", kCaseless);
        if (header.match(m.capturedView(2)).hasMatch())
            return QString();
        return envOrNameKind(m.capturedView(2));
    });
    static const QRegularExpression flag = rx(
        R"rx((?<![\w-])--([A-Za-z][A-Za-z0-9_.-]*)(?:=|[ \t]+)(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"'-][^\s"']*)))rx");
    s.replace(flag, {2, 3, 4}, [](const QRegularExpressionMatch& m) {
        return Redactor::secretKindForName(m.capturedView(1));
    });

    // 8. Credentials in URLs and connection strings: scheme://user:password@host.
    static const QRegularExpression urlCredentials =
        rx(R"rx(\b([A-Za-z][A-Za-z0-9+.-]*://)([^\s:/@"'<>\[\]]*):([^\s@/"'<>]+)@)rx");
    s.replace(urlCredentials, {3}, QStringLiteral("url-credentials"));

    // 9. Token shapes, wherever they appear.
    static const QRegularExpression jwt =
        rx(R"rx(\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)rx");
    s.replace(jwt, {0}, QStringLiteral("jwt"));
    static const QRegularExpression github =
        rx(R"rx(\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}))rx");
    s.replace(github, {0}, QStringLiteral("github-token"));
    static const QRegularExpression gitlab =
        rx(R"rx(\bgl(?:pat|dt|rt|ptt|ft|imt|oas|agent|soat|cbt)-[A-Za-z0-9_-]{20,})rx");
    s.replace(gitlab, {0}, QStringLiteral("gitlab-token"));
    static const QRegularExpression slack = rx(R"rx(\bxox[abposre]-[A-Za-z0-9-]{10,})rx");
    s.replace(slack, {0}, QStringLiteral("slack-token"));
    static const QRegularExpression slackWebhook =
        rx(R"rx(hooks\.slack\.com/services/([A-Za-z0-9_/]+))rx");
    s.replace(slackWebhook, {1}, QStringLiteral("slack-webhook"));
    static const QRegularExpression awsKeyId =
        rx(R"rx(\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b)rx");
    s.replace(awsKeyId, {0}, QStringLiteral("aws-access-key"));
    // Provider API keys: OpenAI/Anthropic sk-… (mixed case, unlike a Kubernetes name that
    // happens to start with "sk-"), Google AIza…, Stripe sk_live_…, npm, Hugging Face.
    static const QRegularExpression apiKeys = rx(
        R"rx(\bsk-(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{24,}|\bAIza[0-9A-Za-z_-]{35}\b|\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|\bnpm_[A-Za-z0-9]{36}\b|\bhf_[A-Za-z0-9]{30,}\b)rx");
    s.replace(apiKeys, {0}, QStringLiteral("api-key"));
    // "Bearer <token>" outside a header (a curl command line in a log). The token must hold a
    // digit, so "bearer authentication failed" stays readable.
    static const QRegularExpression bearer = rx(
        R"rx(\b(bearer)[ \t]+(?=[A-Za-z0-9._~+/-]*\d)([A-Za-z0-9._~+/-]{12,}=*)(?![A-Za-z0-9._~+/=-]))rx",
        kCaseless);
    s.replace(bearer, {2}, QStringLiteral("bearer"));

    Redaction result;
    result.text = s.text();
    for (auto it = s.counts().begin(); it != s.counts().end(); ++it)
        result.counts.append({it.key(), it.value()});
    return result;
}

} // namespace sextant::ai
