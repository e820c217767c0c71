#pragma once

#include "core/result.h"
#include "gitops/applications.h"
#include "gitops/impactmap.h"
#include "gitops/prdescription.h"
#include "gitops/repotree.h"

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <vector>

namespace sextant::gitops {

// One config-repository change to describe: two revisions of the repository (Git commits, a
// work tree with local edits, or memory) and the Applications that may render it.
struct ChangeRequest {
    const RepoTree* base = nullptr;
    const RepoTree* head = nullptr;
    std::vector<FileChange> changes; // base -> head (GitRepository::diff or diffTrees)
    // The repository's URL as Argo CD knows it; only sources pointing at it are followed.
    // Empty: every source of every application is taken to be this repository.
    QString repoURL;
    // Applications from connected instances or a file. Applications and ApplicationSets defined
    // in the repository itself (app-of-apps) are always added, read at base and at head.
    std::vector<AppRef> apps;
    std::vector<ClusterInfo> clusters;
    QString repositoryLabel, baseLabel, headLabel; // for the description's footer
    bool policy = true;                            // run the policy pack on base and head
    DescriptionOptions options;
};

struct ChangeDescription {
    std::vector<ImpactEntry> impacted;
    DescriptionInput input; // apps with object changes, risks, policy, owners
    Description description;
    QStringList notes; // impact and render notes: what was not followed or rendered
    qint64 impactMs = 0;
    qint64 renderMs = 0;
    qint64 totalMs = 0;
};

// Whether an environment or cluster name reads as production ("prod", "production",
// "prod-eu"; not "preprod" or "non-prod").
bool isProductionName(const QString& name);

// Impact map at base and head, renders of every impacted application's sources in this
// repository at both revisions, object diff, risks, policy delta, CODEOWNERS and the Markdown.
// Pure computation over the trees (renderers run as child processes); worker threads only.
Result<ChangeDescription> describeChange(const ChangeRequest& request);

// `sextant-cli pr describe --output json`: {"impacted": [{"app", "instance", "cluster",
// "environment", "namespace", "files", "reasons"}], "changes": [...], "risks": [...],
// "policy": [...], "approvals": [...], "summary": [...], "notes": [...], "title",
// "markdown", "overflow": [...], "timings": {...}}.
nlohmann::json changeDescriptionJson(const ChangeDescription& description);

} // namespace sextant::gitops
