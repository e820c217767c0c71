#include "redaction.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrlQuery>

namespace sextant::governance {

namespace {

const QString& redacted() {
    static const QString text = QString::fromLatin1(kRedacted);
    return text;
}

// "Bearer abc.def" anywhere in a string, and strings shaped like a JWT (three base64url parts,
// the first starting with the encoded '{"').
const QRegularExpression& bearerPattern() {
    static const QRegularExpression re(
        QStringLiteral(R"((?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,})"));
    return re;
}

const QRegularExpression& jwtPattern() {
    static const QRegularExpression re(
        QStringLiteral(R"(eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)"));
    return re;
}

QString scrubString(const QString& text, bool* changed) {
    QString out = text;
    out.replace(bearerPattern(), QStringLiteral("\\1 ") + redacted());
    out.replace(jwtPattern(), redacted());
    if (out != text)
        *changed = true;
    return out;
}

QJsonValue scrubValue(const QJsonValue& value, bool* changed);

QJsonObject scrubObject(const QJsonObject& object, bool* changed) {
    QJsonObject out;
    const bool isKubernetesSecret =
        object.value(QLatin1String("kind")).toString() == QLatin1String("Secret");
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString& key = it.key();
        const bool secretKey =
            isSecretName(key) || (isKubernetesSecret && (key == QLatin1String("data") ||
                                                         key == QLatin1String("stringData")));
        if (secretKey && !it.value().isNull() &&
            !(it.value().isString() && it.value().toString().isEmpty())) {
            out.insert(key, redacted());
            *changed = true;
        } else {
            out.insert(key, scrubValue(it.value(), changed));
        }
    }
    return out;
}

QJsonValue scrubValue(const QJsonValue& value, bool* changed) {
    if (value.isObject())
        return scrubObject(value.toObject(), changed);
    if (value.isArray()) {
        QJsonArray out;
        const QJsonArray in = value.toArray();
        for (const QJsonValue& v : in)
            out.append(scrubValue(v, changed));
        return out;
    }
    if (value.isString())
        return scrubString(value.toString(), changed);
    return value;
}

// Text that is not JSON (YAML, form data, a manifest): `password: x`, `"token": "x"`,
// `secret=x` become `password: [REDACTED]`, and so on.
QString scrubText(const QString& text, bool* changed) {
    static const QRegularExpression pair(QStringLiteral(
        R"((?i)(["']?[A-Za-z0-9_.-]*(?:passw(?:or)?d|passphrase|token|secret|authorization|bearer|api[_-]?key|private[_-]?key|credentials?|cookie)[A-Za-z0-9_.-]*["']?[ \t]*[:=][ \t]*)("[^"\n]*"|'[^'\n]*'|[^\s,&;}\]]+))"));
    // Bearer values first, so "Authorization: Bearer x" cannot leave x behind once the pair
    // pass has replaced the word "Bearer".
    const QString input = scrubString(text, changed);
    QString out;
    qsizetype last = 0;
    auto it = pair.globalMatch(input);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        out += QStringView(input).mid(last, m.capturedStart(2) - last);
        out += redacted();
        last = m.capturedEnd(2);
    }
    out += QStringView(input).mid(last);
    if (out != input)
        *changed = true;
    return out;
}

} // namespace

bool isSecretName(QStringView name) {
    static const QRegularExpression re(QStringLiteral(
        R"((?i)passw(or)?d|passphrase|token|secret|authorization|bearer|api[_-]?key|private[_-]?key|credential|cookie)"));
    return re.match(name).hasMatch();
}

QByteArray redactSecrets(const QByteArray& body, bool* changed) {
    bool dirty = false;
    QByteArray out = body;
    if (!body.trimmed().isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error == QJsonParseError::NoError && (doc.isObject() || doc.isArray())) {
            const QJsonValue scrubbed = scrubValue(
                doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array()), &dirty);
            if (dirty) {
                out = scrubbed.isObject()
                          ? QJsonDocument(scrubbed.toObject()).toJson(QJsonDocument::Compact)
                          : QJsonDocument(scrubbed.toArray()).toJson(QJsonDocument::Compact);
            }
        } else {
            const QString text = QString::fromUtf8(body);
            const QString scrubbed = scrubText(text, &dirty);
            if (dirty)
                out = scrubbed.toUtf8();
        }
    }
    if (changed)
        *changed = dirty;
    return dirty ? out : body;
}

QUrl redactUrl(const QUrl& url, bool* changed) {
    bool dirty = false;
    QUrl out = url;
    if (!out.password().isEmpty()) {
        out.setPassword(redacted());
        dirty = true;
    }
    if (out.hasQuery()) {
        QUrlQuery query(out);
        auto items = query.queryItems(QUrl::FullyEncoded);
        for (auto& item : items) {
            if (isSecretName(QUrl::fromPercentEncoding(item.first.toUtf8())) &&
                !item.second.isEmpty()) {
                item.second = redacted();
                dirty = true;
            }
        }
        if (dirty) {
            QUrlQuery scrubbed;
            scrubbed.setQueryItems(items);
            out.setQuery(scrubbed);
        }
    }
    if (changed)
        *changed = dirty;
    return dirty ? out : url;
}

} // namespace sextant::governance
