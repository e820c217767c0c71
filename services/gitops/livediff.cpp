#include "gitops/livediff.h"

#include "policy/manifests.h"

#include <QSet>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace sextant::gitops {

namespace {

using Json = nlohmann::json;

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString groupOf(const std::string& apiVersion) {
    const auto slash = apiVersion.find('/');
    return slash == std::string::npos ? QString() : qs(apiVersion.substr(0, slash));
}

// One object from a JSON text (or an already parsed JSON object); nullopt for "null", an empty
// state or a text that does not parse.
std::optional<policy::KubeObject> objectFrom(const Json& state, const QString& what,
                                             QStringList& notes) {
    std::string text;
    if (state.is_string())
        text = state.get<std::string>();
    else if (state.is_object())
        text = state.dump();
    if (text.empty() || text == "null")
        return std::nullopt;
    auto parsed = policy::parseManifests(QByteArray::fromStdString(text), what);
    if (!parsed) {
        notes << QStringLiteral("%1 could not be read: %2").arg(what, parsed.error().shortMessage);
        return std::nullopt;
    }
    if (parsed.value().empty())
        return std::nullopt;
    return std::move(parsed.value().front());
}

using Identity = std::tuple<QString, QString, QString, QString>; // group, kind, ns, name

Identity identityOf(const policy::KubeObject& o) {
    return {groupOf(o.apiVersion), qs(o.kind), qs(o.ns), qs(o.name)};
}

bool isLiveOnlyNoise(const QString& path) {
    // The namespace is supplied by Argo CD at sync time when a manifest leaves it out.
    return path == QLatin1String("metadata.namespace");
}

} // namespace

QString LiveObjectChange::displayName() const {
    return ns.isEmpty() ? kind + QLatin1Char(' ') + name
                        : kind + QLatin1Char(' ') + ns + QLatin1Char('/') + name;
}

QString liveChangeName(LiveObjectChange::Change change) {
    switch (change) {
    case LiveObjectChange::Change::Changed:
        return QStringLiteral("changed");
    case LiveObjectChange::Change::Created:
        return QStringLiteral("created");
    case LiveObjectChange::Change::LeftInPlace:
        return QStringLiteral("left in place");
    }
    return {};
}

LiveDiff compareWithLive(const Json& candidateManifests, const Json& managed,
                         const QString& defaultNamespace) {
    LiveDiff out;
    std::vector<policy::KubeObject> live, target;
    // group/kind/name -> namespaces seen live, to give namespace-less candidate objects theirs.
    std::map<std::tuple<QString, QString, QString>, QStringList> liveNamespaces;
    const Json items = managed.is_object() ? managed.value("items", Json::array()) : Json::array();
    for (const Json& item : items) {
        if (!item.is_object())
            continue;
        const QString label = QStringLiteral("%1 %2").arg(qs(item.value("kind", std::string())),
                                                          qs(item.value("name", std::string())));
        if (auto o = objectFrom(item.value("liveState", Json()),
                                QStringLiteral("live state of %1").arg(label), out.notes)) {
            if (o->ns.empty())
                o->ns = item.value("namespace", std::string());
            liveNamespaces[{groupOf(o->apiVersion), qs(o->kind), qs(o->name)}].append(qs(o->ns));
            live.push_back(std::move(*o));
        } else {
            out.notes
                << QStringLiteral("%1 has no live state (not created yet, or deleted)").arg(label);
        }
        if (auto o = objectFrom(item.value("targetState", Json()),
                                QStringLiteral("target state of %1").arg(label), out.notes)) {
            if (o->ns.empty())
                o->ns = item.value("namespace", std::string());
            target.push_back(std::move(*o));
        }
    }
    out.liveObjects = int(live.size());

    std::vector<policy::KubeObject> candidate;
    const Json list = candidateManifests.is_object()
                          ? candidateManifests.value("manifests", Json::array())
                          : Json::array();
    int index = 0;
    for (const Json& m : list) {
        ++index;
        auto o = objectFrom(m, QStringLiteral("candidate manifest %1").arg(index), out.notes);
        if (!o)
            continue;
        if (o->ns.empty()) {
            const auto seen =
                liveNamespaces.find({groupOf(o->apiVersion), qs(o->kind), qs(o->name)});
            if (seen != liveNamespaces.end() && seen->second.size() == 1)
                o->ns = seen->second.front().toStdString();
            else if (seen == liveNamespaces.end() && !defaultNamespace.isEmpty()) {
                // A new object: namespaced unless it is one of the common cluster-scoped kinds.
                static const QSet<QString> clusterScoped = {
                    QStringLiteral("Namespace"),
                    QStringLiteral("ClusterRole"),
                    QStringLiteral("ClusterRoleBinding"),
                    QStringLiteral("CustomResourceDefinition"),
                    QStringLiteral("PersistentVolume"),
                    QStringLiteral("StorageClass"),
                    QStringLiteral("PriorityClass"),
                    QStringLiteral("ValidatingWebhookConfiguration"),
                    QStringLiteral("MutatingWebhookConfiguration"),
                    QStringLiteral("APIService"),
                    QStringLiteral("IngressClass")};
                if (!clusterScoped.contains(qs(o->kind)))
                    o->ns = defaultNamespace.toStdString();
            }
        }
        candidate.push_back(std::move(*o));
    }

    // Renames are not guessed: against the live state an object under a new name is created,
    // and the old one stays.
    ObjectDiffOptions noRenames;
    noRenames.renameSimilarity = 2.0;
    const std::vector<ObjectChange> toCandidate = diffObjects(live, candidate, noRenames);
    const std::vector<ObjectChange> fromTarget = diffObjects(target, candidate, noRenames);
    // Per object, the paths the current target sets and the candidate drops.
    std::map<Identity, QSet<QString>> droppedByCandidate;
    for (const ObjectChange& c : fromTarget) {
        if (c.change != ObjectChange::Changed)
            continue;
        QSet<QString>& paths = droppedByCandidate[{c.group(), c.kind, c.ns, c.name}];
        for (const FieldChange& f : c.fields)
            if (f.kind == FieldChange::Kind::Removed)
                paths.insert(f.path);
    }

    std::set<Identity> touched;
    for (const ObjectChange& c : toCandidate) {
        LiveObjectChange l;
        l.group = c.group();
        l.kind = c.kind;
        l.ns = c.ns;
        l.name = c.name;
        const Identity id{l.group, l.kind, l.ns, l.name};
        switch (c.change) {
        case ObjectChange::Changed: {
            const auto dropped = droppedByCandidate.find(id);
            for (const FieldChange& f : c.fields) {
                if (isLiveOnlyNoise(f.path))
                    continue;
                if (f.kind == FieldChange::Kind::Removed &&
                    (dropped == droppedByCandidate.end() || !dropped->second.contains(f.path)))
                    continue; // a default or a controller's field: applying leaves it
                l.fields.push_back(f);
            }
            if (l.fields.empty())
                continue;
            l.change = LiveObjectChange::Change::Changed;
            break;
        }
        case ObjectChange::Added:
            l.change = LiveObjectChange::Change::Created;
            break;
        case ObjectChange::Removed:
            l.change = LiveObjectChange::Change::LeftInPlace;
            break;
        case ObjectChange::Renamed: // not produced with renames off
            continue;
        }
        touched.insert(id);
        out.objects.append(std::move(l));
    }
    for (const policy::KubeObject& o : candidate) {
        const Identity id = identityOf(o);
        if (!touched.count(id))
            ++out.unchanged;
    }
    std::stable_sort(out.objects.begin(), out.objects.end(),
                     [](const LiveObjectChange& a, const LiveObjectChange& b) {
                         return std::tie(a.change, a.kind, a.ns, a.name) <
                                std::tie(b.change, b.kind, b.ns, b.name);
                     });
    return out;
}

} // namespace sextant::gitops
