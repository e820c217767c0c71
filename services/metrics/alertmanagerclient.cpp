#include "alertmanagerclient.h"

#include <nlohmann/json.hpp>

namespace sextant::metrics {

using json = nlohmann::json;

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString stringField(const json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? qs(it->get<std::string>()) : QString();
}

QDateTime timeField(const json& o, const char* key) {
    const QString text = stringField(o, key);
    if (text.isEmpty())
        return {};
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(text, Qt::ISODate);
    return t.toUTC();
}

QMap<QString, QString> stringMap(const json& o, const char* key) {
    QMap<QString, QString> out;
    const auto it = o.find(key);
    if (it != o.end() && it->is_object())
        for (auto kv = it->begin(); kv != it->end(); ++kv)
            if (kv->is_string())
                out.insert(qs(kv.key()), qs(kv->get<std::string>()));
    return out;
}

QStringList stringList(const json& o, const char* key) {
    QStringList out;
    const auto it = o.find(key);
    if (it != o.end() && it->is_array())
        for (const json& v : *it)
            if (v.is_string())
                out << qs(v.get<std::string>());
    return out;
}

} // namespace

AlertmanagerClient::AlertmanagerClient(Endpoint endpoint, QObject* parent)
    : QObject(parent)
    , m_transport(new HttpTransport(std::move(endpoint), QStringLiteral("Alertmanager"), this)) {}

QList<QPair<QString, QString>> AlertmanagerClient::queryItems(const AlertQuery& q) {
    const auto flag = [](bool b) { return b ? QStringLiteral("true") : QStringLiteral("false"); };
    QList<QPair<QString, QString>> items{{QStringLiteral("active"), flag(q.active)},
                                         {QStringLiteral("silenced"), flag(q.silenced)},
                                         {QStringLiteral("inhibited"), flag(q.inhibited)},
                                         {QStringLiteral("unprocessed"), flag(q.unprocessed)}};
    for (const QString& m : q.matchers)
        items.append({QStringLiteral("filter"), m});
    if (!q.receiver.isEmpty())
        items.append({QStringLiteral("receiver"), q.receiver});
    return items;
}

void AlertmanagerClient::alerts(const AlertQuery& query, Callback<QVector<Alert>> callback) {
    QUrl url = m_transport->endpoint().endpoint(QStringLiteral("/api/v2/alerts"));
    url.setQuery(QString::fromLatin1(formEncode(queryItems(query))), QUrl::StrictMode);
    const QString who = endpoint().displayName();
    m_transport->get(url, [who, callback](Result<QByteArray> body) {
        if (!body)
            return callback(body.error());
        callback(parseAlerts(*body, who));
    });
}

Result<QVector<Alert>> AlertmanagerClient::parseAlerts(const QByteArray& body, const QString& who) {
    const json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_array())
        return Error::make(Error::Kind::Protocol,
                           QStringLiteral("%1: the answer is not an Alertmanager alert list")
                               .arg(who.isEmpty() ? QStringLiteral("Alertmanager") : who),
                           QStringLiteral("GET /api/v2/alerts answers a JSON array"));
    QVector<Alert> out;
    out.reserve(qsizetype(doc.size()));
    for (const json& a : doc) {
        if (!a.is_object())
            continue;
        Alert alert;
        alert.labels = stringMap(a, "labels");
        alert.annotations = stringMap(a, "annotations");
        alert.startsAt = timeField(a, "startsAt");
        alert.endsAt = timeField(a, "endsAt");
        alert.updatedAt = timeField(a, "updatedAt");
        alert.fingerprint = stringField(a, "fingerprint");
        alert.generatorUrl = stringField(a, "generatorURL");
        if (auto it = a.find("status"); it != a.end() && it->is_object()) {
            alert.state = stringField(*it, "state");
            alert.silencedBy = stringList(*it, "silencedBy");
            alert.inhibitedBy = stringList(*it, "inhibitedBy");
        }
        if (auto it = a.find("receivers"); it != a.end() && it->is_array())
            for (const json& r : *it)
                if (r.is_object())
                    alert.receivers << stringField(r, "name");
        out.push_back(std::move(alert));
    }
    return out;
}

} // namespace sextant::metrics
