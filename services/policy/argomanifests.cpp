#include "argomanifests.h"

#include <QRegularExpression>

namespace sextant::policy {

namespace {

// Whether a string must be quoted to stay a string in YAML (1.1 and 1.2 readers alike).
bool needsQuotes(const std::string& s) {
    if (s.empty())
        return true;
    // Plain: starts with a word character or '/', no ": " or " #", does not end with ':'.
    static const QRegularExpression plain(
        QStringLiteral("^[A-Za-z0-9_/][A-Za-z0-9_./@+=()$:-]*( [A-Za-z0-9_./@+=()$,:-]+)*$"));
    if (s.find(": ") != std::string::npos || s.back() == ':')
        return true;
    static const QRegularExpression special(QStringLiteral(
        "^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|"
        "Off|OFF|y|Y|n|N|[-+]?(?:\\.[0-9]+|[0-9][0-9_]*(?:\\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|"
        "0x[0-9a-fA-F]+|0o?[0-7]+|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)|[0-9:]+)$"));
    const QString q = QString::fromStdString(s);
    return !plain.match(q).hasMatch() || special.match(q).hasMatch();
}

std::string scalar(const nlohmann::json& v) {
    if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        return needsQuotes(s) ? nlohmann::json(s).dump() : s; // JSON strings are YAML strings
    }
    if (v.is_null())
        return "null";
    return v.dump(); // numbers, booleans
}

bool isContainer(const nlohmann::json& v) {
    return (v.is_object() || v.is_array()) && !v.empty();
}

void writeBlock(const nlohmann::json& v, int indent, std::string& out);

// "key: value" or "key:\n" + the nested block.
void writeEntry(const std::string& key, const nlohmann::json& v, int indent, std::string& out) {
    out += std::string(indent, ' ') + scalar(nlohmann::json(key)) + ':';
    if (!isContainer(v)) {
        out += ' ';
        out += v.is_object() ? "{}" : v.is_array() ? "[]" : scalar(v);
        out += '\n';
        return;
    }
    out += '\n';
    // Lists stay at the key's indentation (the usual Kubernetes style).
    writeBlock(v, v.is_array() ? indent : indent + 2, out);
}

void writeBlock(const nlohmann::json& v, int indent, std::string& out) {
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            writeEntry(it.key(), it.value(), indent, out);
        return;
    }
    for (const nlohmann::json& item : v) {
        out += std::string(indent, ' ') + "- ";
        if (item.is_object() && !item.empty()) {
            // The first key goes on the dash's line, the others below it.
            std::string nested;
            writeBlock(item, indent + 2, nested);
            out += nested.substr(std::size_t(indent) + 2);
        } else if (item.is_array() && !item.empty()) {
            std::string nested;
            writeBlock(item, indent + 2, nested);
            out += '\n' + nested;
        } else {
            out += item.is_object() ? "{}" : item.is_array() ? "[]" : scalar(item);
            out += '\n';
        }
    }
}

} // namespace

std::string toBlockYaml(const nlohmann::json& value) {
    std::string out;
    if (isContainer(value))
        writeBlock(value, 0, out);
    else
        out = scalar(value) + '\n';
    return out;
}

Result<LoadedManifests> manifestsFromArgo(const nlohmann::json& body, const QString& app) {
    LoadedManifests out;
    out.renderer = QStringLiteral("argocd");
    if (!body.is_object() || !body.contains("manifests") || !body["manifests"].is_array())
        return Error::make(Error::Kind::Protocol, QStringLiteral("unexpected manifests response"),
                           QStringLiteral("expected an object with a 'manifests' list"));
    int index = 0;
    for (const nlohmann::json& m : body["manifests"]) {
        ++index;
        nlohmann::json obj;
        if (m.is_string()) {
            obj = nlohmann::json::parse(m.get_ref<const std::string&>(), nullptr, false);
        } else {
            obj = m;
        }
        if (!obj.is_object()) {
            out.notes << QStringLiteral("manifest %1 is not a JSON object: skipped").arg(index);
            continue;
        }
        const std::string kind = obj.value("kind", std::string("Object"));
        std::string name = "object-" + std::to_string(index);
        if (obj.contains("metadata") && obj["metadata"].is_object() &&
            obj["metadata"].value("name", std::string()) != "")
            name = obj["metadata"]["name"].get<std::string>();
        const QString file =
            QStringLiteral("%1/%2-%3.yaml")
                .arg(app, QString::fromStdString(kind), QString::fromStdString(name));
        const std::string yaml = toBlockYaml(obj);
        Result<std::vector<KubeObject>> parsed =
            parseManifests(QByteArray::fromStdString(yaml), file);
        if (!parsed) {
            out.notes << QStringLiteral("manifest %1 (%2 %3) could not be read: %4")
                             .arg(index)
                             .arg(QString::fromStdString(kind), QString::fromStdString(name),
                                  parsed.error().details);
            continue;
        }
        out.sources.insert(file, QString::fromStdString(yaml).split(QLatin1Char('\n')));
        for (KubeObject& o : *parsed)
            out.objects.push_back(std::move(o));
    }
    return out;
}

} // namespace sextant::policy
