#pragma once

#include "gitops/applications.h"

#include <nlohmann/json.hpp>

#include <QMap>
#include <QString>
#include <QStringList>

#include <vector>

namespace sextant::gitops {

// The Applications an ApplicationSet generates, evaluated offline (see docs/impact-map.md):
//  - list: elements (and elementsYaml);
//  - clusters: ctx.clusters filtered by the selector (matchLabels, matchExpressions with In,
//    NotIn, Exists, DoesNotExist); with no cluster list, only the in-cluster default;
//  - git directories / files: read from ctx.tree, only when the generator's repoURL is
//    ctx.repoURL (else skipped with a note);
//  - matrix (two children; the second is templated with each parameter set of the first) and
//    merge (mergeKeys);
//  - other generators (pullRequest, scmProvider, clusterDecisionResource, plugin) are skipped
//    with a note.
// Templates: fasttemplate "{{path.basename}}" and, with goTemplate: true, Go templates
// "{{.path.basename}}", "{{index .path.segments 1}}" and the pipeline functions listed in
// docs/impact-map.md. A parameter or function that cannot be resolved is left as written and
// noted; nothing here throws.
struct AppSetExpansion {
    std::vector<AppRef> apps;
    QStringList notes;
};
AppSetExpansion expandApplicationSet(const nlohmann::json& appSet, const AppSetContext& ctx,
                                     const QString& fileName);

// Exposed for tests and for the documentation's examples.

// Go's path.Match: '*' matches any run of non-'/' characters, '?' one non-'/' character,
// '[...]' a class (with '^'/'!' negation and ranges), '\\' escapes. A malformed pattern never
// matches. This is what the git directory generator uses ("**" is simply two '*').
bool goPathMatch(const QString& pattern, const QString& name);
// Glob with "**" crossing directories ('*' and '?' stay within a segment), as the git files
// generator's doublestar matching.
bool doublestarMatch(const QString& pattern, const QString& name);
// Argo CD's directory include/exclude glob (gobwas without separators): '*' matches across
// '/', '{a,b}' alternatives, '?' and '[...]'.
bool directoryGlobMatch(const QString& pattern, const QString& name);
// Argo CD's SanitizeName: lower case, invalid DNS characters -> '-', trimmed of '-' and '.'.
QString normalizeName(const QString& name);

// A parameter set: nested (what Go templates see). Flattened with dots for fasttemplate.
using AppSetParams = nlohmann::json;
QMap<QString, QString> flattenParams(const AppSetParams& params);
// Renders one template string. `unresolved` receives what was left as written.
QString renderTemplate(const QString& text, const AppSetParams& params, bool goTemplate,
                       QStringList* unresolved);

} // namespace sextant::gitops
