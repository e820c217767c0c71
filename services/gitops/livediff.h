#pragma once

// What a rollback (a sync to a candidate revision) would change on the cluster, field by field:
// the candidate's rendered manifests (GET /api/v1/applications/{name}/manifests?revision=) against
// the live objects of GET /api/v1/applications/{name}/managed-resources (docs/rollback.md,
// "Compared with the live state").
//
// Apply semantics, as Argo CD's sync applies them: a field the candidate sets and the live
// object lacks or holds differently is changed; a field only the live object has is a default
// or a controller's (the API server, an HPA, a mutating webhook) and stays — unless the current
// target state (what the current revision applies) sets it, in which case applying the
// candidate removes it. Objects only the candidate has are created; managed objects the
// candidate lacks are left in place (Argo CD's rollback does not prune by default).

#include "gitops/objectdiff.h"

#include <QString>
#include <QStringList>
#include <QVector>

#include <nlohmann/json.hpp>

namespace sextant::gitops {

struct LiveObjectChange {
    enum class Change { Changed, Created, LeftInPlace };
    Change change = Change::Changed;
    QString group;
    QString kind;
    QString ns;
    QString name;
    // For Changed: what applying the candidate does to the live object. FieldChange::before is
    // the live value, `after` the candidate's; Removed = the current target sets the field and
    // the candidate does not.
    std::vector<FieldChange> fields;

    QString displayName() const; // "Deployment shop/web"
};

struct LiveDiff {
    QVector<LiveObjectChange> objects; // changed, then created, then left in place; by kind, name
    int unchanged = 0;                 // candidate objects the live state already matches
    int liveObjects = 0;               // managed objects with a live state
    QStringList notes;                 // unparsable states, objects without a live state
};

// `candidateManifests`: the manifests answer ({"manifests": ["<json>", ...]}); `managed`: the
// managed-resources answer ({"items": [{group, kind, namespace, name, liveState, targetState}]}).
// Candidate objects without a namespace take the live object's (same group, kind and name), else
// `defaultNamespace` for kinds the live state shows namespaced. Secret values are never returned.
LiveDiff compareWithLive(const nlohmann::json& candidateManifests, const nlohmann::json& managed,
                         const QString& defaultNamespace = {});

QString liveChangeName(LiveObjectChange::Change change); // "changed", "created", "left in place"

} // namespace sextant::gitops
