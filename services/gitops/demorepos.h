#pragma once

#include "core/result.h"
#include "gitops/repotree.h"

#include <QDateTime>
#include <QMap>
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

// Creates every demo repository as a real bare Git repository at root/<org>/<name>.git on
// branch main, with a short history: shop/checkout gets the good release (newTag v2.14.0, by
// Ana Lopez, a day before `now`) and then the typo commit "Bump checkout image to v2.41.0" (by
// Ben Okafor, 40 minutes before `now`); the others one commit. Returns repoURL -> git folder.
Result<QMap<QString, QString>> materialiseDemoRepositories(const QString& root,
                                                           const std::vector<DemoRepo>& repos,
                                                           const QDateTime& now);

// The demo repository for an Application's repoURL (with or without ".git"), or nullptr.
const DemoRepo* findDemoRepo(const std::vector<DemoRepo>& repos, const QString& repoURL);

} // namespace sextant::gitops
