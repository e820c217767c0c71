#pragma once

#include "policy/manifests.h"
#include "policy/yamltree.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace sextant::gitops {

// One changed field of an object. `path` reads like kubectl's field paths, with list items
// named by their merge key where Kubernetes merges by key ("spec.template.spec.containers[web]
// .image"), by index otherwise ("spec.rules[0].verbs"), and keys that contain dots or slashes
// quoted ("metadata.annotations[\"argocd.argoproj.io/sync-wave\"]"). Values are YAML scalars,
// or a compact flow form for a whole added/removed map or list; Secret values are never kept.
struct FieldChange {
    enum class Kind { Added, Removed, Modified };
    Kind kind = Kind::Modified;
    QString path;
    QString before; // empty when Added
    QString after;  // empty when Removed
};
QString fieldChangeKindName(FieldChange::Kind kind); // "added", "removed", "changed"

// One object that differs between the base and the head render of a source.
struct ObjectChange {
    enum Change { Added, Removed, Changed, Renamed };
    QString apiVersion;
    QString kind;
    QString ns;
    QString name;
    Change change = Changed;
    // For Renamed: the base name and namespace (a namePrefix, a kustomize hash suffix, or a
    // namespace move). Kubernetes sees a rename as a deletion and a creation.
    QString oldName;
    QString oldNs;
    std::vector<FieldChange> fields;
    // The objects as rendered (null on the missing side), for diffs and risk rules.
    std::shared_ptr<const policy::YNode> before;
    std::shared_ptr<const policy::YNode> after;

    QString group() const; // "" for the core group, "apps", "rbac.authorization.k8s.io"...
    bool isSecret() const { return kind == QLatin1String("Secret") && group().isEmpty(); }
    // "Deployment shop/web" ("ClusterRole admin" without a namespace).
    QString displayName() const;
};
QString changeName(ObjectChange::Change change); // "added", "removed", "changed", "renamed"

struct ObjectDiffOptions {
    // A removed and an added object of the same kind and namespace are a rename when at least
    // this share of their fields (names excluded) is equal.
    double renameSimilarity = 0.8;
};

// The object-level difference between two renders. Objects are identified by API group, kind,
// namespace and name; fields Kubernetes or the renderers fill in (status, managedFields,
// resourceVersion, generation, uid, creationTimestamp, last-applied and checksum annotations)
// are ignored. Results are sorted by kind, namespace, name.
std::vector<ObjectChange> diffObjects(const std::vector<policy::KubeObject>& base,
                                      const std::vector<policy::KubeObject>& head,
                                      const ObjectDiffOptions& options = {});

// Whether a field path is noise the diff ignores (exposed for the tests and the docs).
bool isNoisePath(const QString& path);

// The object as YAML text with noise removed and Secret values replaced by "(redacted)"; a
// changed Secret value reads "(redacted, changed)" on the head side so the diff shows the key.
// `changedSecretKeys` are the data/stringData keys whose values differ.
QString objectYaml(const policy::YNode& root, bool secret,
                   const QStringList& changedSecretKeys = {});

// A unified diff (without file headers) between the base and head YAML of a change, with
// `context` unchanged lines around each change; Secret values redacted.
QStringList objectDiffLines(const ObjectChange& change, int context = 3);

} // namespace sextant::gitops
