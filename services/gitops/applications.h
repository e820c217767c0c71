#pragma once

#include "core/result.h"

#include <nlohmann/json_fwd.hpp>

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

#include <vector>

namespace sextant::gitops {

class RepoTree;

// One source of an Argo CD Application (spec.source, or one entry of spec.sources).
struct AppSourceRef {
    QString repoURL, path, chart, targetRevision, ref;
    QStringList valueFiles;     // helm.valueFiles as written (relative to path, or "$ref/...")
    QStringList fileParameters; // helm.fileParameters[].path
    // What the manifest declares: "chart" (spec.chart: a Helm repository chart), "helm",
    // "kustomize", "directory", "plugin"; empty when the source leaves it to Argo CD's
    // detection (the impact map detects it from the repository: Chart.yaml -> helm,
    // a kustomization file -> kustomize, else directory).
    QString kind;
    bool directoryRecurse = false;   // directory.recurse
    QString directoryInclude;        // directory.include glob
    QString directoryExclude;        // directory.exclude glob
    QStringList kustomizeComponents; // kustomize.components (relative to path)
};

// An Argo CD Application as far as the impact map needs it.
struct AppRef {
    QString name, appNamespace, instance, project;
    QString destServer, destName, destNamespace;
    QString cluster;     // best display name: destination name, cluster name for the server,
                         // "in-cluster" for https://kubernetes.default.svc, else the server URL
    QString environment; // see environmentFor()
    std::vector<AppSourceRef> sources;
    QMap<QString, QString> labels, annotations;
    QString definedIn;   // repository file that holds the manifest, when found in the repository
    QString generatedBy; // ApplicationSet name when expanded from one
    // Repository files that fed an ApplicationSet generator for this app (git files generator
    // inputs): changing them can change the generated Application.
    QStringList generatorFiles;

    // "instance/namespace/name": identity across base and head.
    QString key() const;
};

// A cluster known to an Argo CD instance, for the ApplicationSet cluster generator and for
// turning a destination server into a display name.
struct ClusterInfo {
    QString name, server, project;
    QMap<QString, QString> labels, annotations;
};

inline constexpr const char* kInClusterServer = "https://kubernetes.default.svc";

// Environment of an application, first match wins:
//  1. label `env`, `environment` or `stage` (in that order), verbatim;
//  2. a known environment word (knownEnvironmentWords()) as a whole token of the cluster
//     display name, then of the application name, then of each source path (tokens are split
//     on anything that is not a letter or digit; "pre-prod" and "non-prod" count as one word);
//  3. empty.
QString environmentFor(const AppRef& app);
const QStringList& knownEnvironmentWords();

// Fills cluster (display name) and environment from the destination and, when given, the
// instance's clusters (server -> name).
void resolveClusterAndEnvironment(AppRef& app, const std::vector<ClusterInfo>& clusters = {});

// Repository URLs compared the way Argo CD does: scheme, user and port dropped, scp-like
// "git@host:org/repo" read as "host/org/repo", ".git" and trailing '/' removed, lower case.
QString normaliseRepoURL(const QString& url);
bool sameRepo(const QString& a, const QString& b);

// One Application object (already parsed as JSON) -> AppRef. The error (Protocol) names the
// field that has the wrong shape; `fileName` is used in messages and stored as definedIn only
// by callers that know the file is in the repository.
Result<AppRef> applicationFromJson(const nlohmann::json& object, const QString& fileName);

// Context for ApplicationSets met while parsing: the repository their git generators may read
// (only when a generator's repoURL is `repoURL`), and the clusters of the instance.
struct AppSetContext {
    const RepoTree* tree = nullptr;
    QString repoURL;
    std::vector<ClusterInfo> clusters; // empty: only the in-cluster default is known
};

// Applications in `yamlOrJson`: a single Application, a multi-document YAML, a `kind: List`
// or ApplicationList, or the Argo CD API list JSON {"items": [...]}. ApplicationSets are
// expanded into their Applications when their generators can be evaluated offline (list,
// git on `ctx.tree`, clusters from `ctx.clusters`, matrix, merge); what could not be is
// appended to `notes`. Other kinds of objects are ignored. A syntax error is a Config error
// and a wrong shape a Protocol error, both with "file:line" for YAML.
Result<std::vector<AppRef>> parseApplications(const QByteArray& yamlOrJson,
                                              const QString& fileName);
Result<std::vector<AppRef>> parseApplications(const QByteArray& yamlOrJson, const QString& fileName,
                                              const AppSetContext& ctx, QStringList* notes);

} // namespace sextant::gitops
