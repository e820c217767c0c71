#pragma once

#include "core/result.h"
#include "gitops/repotree.h"
#include "policy/manifests.h"

#include <QString>
#include <QStringList>

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

class QTemporaryDir;

namespace sextant::gitops {

// One source of an Argo CD Application at one revision, as the renderers need it.
struct RenderInput {
    QString path;           // repository path of the source (a kustomization, a chart, a folder)
    QStringList valueFiles; // Helm value files, repository paths ($values already resolved)
    QString releaseName;    // Helm release name (Argo CD uses the application's name)
    QString ns;             // destination namespace, given to objects that have none
};

struct RenderedSource {
    std::vector<policy::KubeObject> objects;  // files are repository paths
    QString renderer = QStringLiteral("raw"); // raw, kubectl-kustomize, kustomize, helm
    QStringList notes;                        // what could not be rendered, and why
};

// Renders sources of one revision: the tree is exported once to a temporary folder (kustomize
// overlays reach into sibling folders) and handed to policy::loadManifests, which picks
// `kubectl kustomize`, `kustomize build` or `helm template` when installed and otherwise reads
// the raw YAML with a note. render() may be called from several threads at once (the export
// happens once, under a lock); the folder is removed on destruction. Renders are shared:
// Applications that deploy the same source the same way (an ApplicationSet putting one overlay
// on forty clusters) render it once per revision.
class SourceRenderer {
public:
    explicit SourceRenderer(const RepoTree& tree);
    ~SourceRenderer();
    SourceRenderer(const SourceRenderer&) = delete;
    SourceRenderer& operator=(const SourceRenderer&) = delete;

    // A source path that does not exist in this revision renders to no objects with a note
    // (an application added or removed by the change).
    Result<RenderedSource> render(const RenderInput& input);

    // How many renders ran, and how many requests were answered from an earlier render.
    int rendersRun() const;
    int rendersShared() const;

private:
    Status ensureExported();
    Result<RenderedSource> renderUncached(const RenderInput& input);

    const RepoTree& m_tree;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::mutex m_exportMutex;
    bool m_exported = false;
    mutable std::mutex m_cacheMutex;
    std::map<QString, std::shared_future<Result<RenderedSource>>> m_cache;
    int m_run = 0;
    int m_shared = 0;
};

// One-off render (exports the tree for this call only).
Result<RenderedSource> render(const RepoTree& tree, const RenderInput& input);

// Whether objects of this kind live in a namespace. Built-in cluster-scoped kinds are known;
// `clusterScopedKinds` adds CRD-defined kinds whose scope is Cluster.
bool isNamespacedKind(const QString& group, const QString& kind,
                      const QStringList& clusterScopedKinds = {});

} // namespace sextant::gitops
