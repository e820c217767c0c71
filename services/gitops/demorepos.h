#pragma once

#include "core/result.h"
#include "gitops/repotree.h"

#include <QString>

#include <vector>

namespace sextant::gitops {

// The demo GitOps repositories that the simulator's applications point at
// (resources/demo-gitops/<org>/<repo>/..., docs/corrective-commits.md): kustomize bases and
// overlays for shop/checkout, shop/web, orders/api and inventory/api, a Helm chart for
// payments/api. Each is served as https://git.example.com/<org>/<repo>.git.
struct DemoRepo {
    QString repoURL; // https://git.example.com/<org>/<repo>.git
    QString org;
    QString name;
    MemoryTree tree; // the files at the repository's current (newest) state
};

// Where the demo repositories are read from when no directory is given: the Qt resource
// ":/sextant/demo-gitops" (when the resource list compiles them in).
QString defaultDemoGitopsRoot();

// Loads every <org>/<repo> directory below `root` (a directory on disk or a ":/" resource
// path), sorted by repoURL. An Error when `root` holds no repository.
Result<std::vector<DemoRepo>> demoRepositories(const QString& root = defaultDemoGitopsRoot());

// The demo repository for an Application's repoURL (with or without ".git"), or nullptr.
const DemoRepo* findDemoRepo(const std::vector<DemoRepo>& repos, const QString& repoURL);

} // namespace sextant::gitops
