#include "render.h"

#include <QDir>
#include <QFileInfo>
#include <QSet>
#include <QTemporaryDir>

namespace sextant::gitops {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

// "group/Kind" of CustomResourceDefinitions in the render whose spec.scope is Cluster.
QStringList clusterScopedCrds(const std::vector<policy::KubeObject>& objects) {
    QStringList kinds;
    for (const policy::KubeObject& o : objects) {
        if (o.kind != "CustomResourceDefinition" || !o.root)
            continue;
        const policy::YNode* scope = o.root->path("spec/scope");
        const policy::YNode* group = o.root->path("spec/group");
        const policy::YNode* kind = o.root->path("spec/names/kind");
        if (scope && scope->scalar == "Cluster" && kind)
            kinds << (group ? qs(group->scalar) : QString()) + QLatin1Char('/') + qs(kind->scalar);
    }
    return kinds;
}

} // namespace

bool isNamespacedKind(const QString& group, const QString& kind,
                      const QStringList& clusterScopedKinds) {
    // Cluster-scoped kinds of Kubernetes itself and of widely installed projects.
    static const QSet<QString> clusterScoped = {
        QStringLiteral("/Namespace"),
        QStringLiteral("/Node"),
        QStringLiteral("/PersistentVolume"),
        QStringLiteral("/ComponentStatus"),
        QStringLiteral("rbac.authorization.k8s.io/ClusterRole"),
        QStringLiteral("rbac.authorization.k8s.io/ClusterRoleBinding"),
        QStringLiteral("apiextensions.k8s.io/CustomResourceDefinition"),
        QStringLiteral("apiregistration.k8s.io/APIService"),
        QStringLiteral("storage.k8s.io/StorageClass"),
        QStringLiteral("storage.k8s.io/CSIDriver"),
        QStringLiteral("storage.k8s.io/CSINode"),
        QStringLiteral("storage.k8s.io/VolumeAttachment"),
        QStringLiteral("scheduling.k8s.io/PriorityClass"),
        QStringLiteral("networking.k8s.io/IngressClass"),
        QStringLiteral("node.k8s.io/RuntimeClass"),
        QStringLiteral("admissionregistration.k8s.io/MutatingWebhookConfiguration"),
        QStringLiteral("admissionregistration.k8s.io/ValidatingWebhookConfiguration"),
        QStringLiteral("admissionregistration.k8s.io/ValidatingAdmissionPolicy"),
        QStringLiteral("admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding"),
        QStringLiteral("certificates.k8s.io/CertificateSigningRequest"),
        QStringLiteral("flowcontrol.apiserver.k8s.io/FlowSchema"),
        QStringLiteral("flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration"),
        QStringLiteral("policy/PodSecurityPolicy"),
        QStringLiteral("cert-manager.io/ClusterIssuer"),
        QStringLiteral("snapshot.storage.k8s.io/VolumeSnapshotClass"),
    };
    const QString key = group + QLatin1Char('/') + kind;
    return !clusterScoped.contains(key) && !clusterScopedKinds.contains(key);
}

SourceRenderer::SourceRenderer(const RepoTree& tree)
    : m_tree(tree) {}

SourceRenderer::~SourceRenderer() = default;

Status SourceRenderer::ensureExported() {
    const std::lock_guard<std::mutex> lock(m_exportMutex);
    if (m_exported)
        return okStatus();
    // A memory-backed folder when there is one: the export is read by the renderers and thrown
    // away, and removing thousands of files from a busy disk took seconds (bench pr).
    const QFileInfo shm(QStringLiteral("/dev/shm"));
    const QString parent =
        shm.isDir() && shm.isWritable() ? shm.absoluteFilePath() : QDir::tempPath();
    m_dir = std::make_unique<QTemporaryDir>(parent + QStringLiteral("/sextant-render-XXXXXX"));
    if (!m_dir->isValid())
        return Error::make(Error::Kind::Io, QStringLiteral("Cannot create a folder to render in"),
                           m_dir->errorString());
    if (Status s = m_tree.exportTo(m_dir->path()); !s)
        return s;
    m_exported = true;
    return okStatus();
}

Result<RenderedSource> SourceRenderer::render(const RenderInput& input) {
    // The same source rendered the same way gives the same objects. The release name matters
    // only to Helm (it names objects); kustomize and plain folders ignore it.
    const std::optional<QString> path = normalisePath(input.path);
    const bool chart =
        path &&
        m_tree.isFile(
            joinPath(*path, QStringLiteral("Chart.yaml")).value_or(QStringLiteral("Chart.yaml")));
    const QString key = QStringList{input.path, input.valueFiles.join(QLatin1Char('\x1e')),
                                    chart ? input.releaseName : QString(), input.ns}
                            .join(QLatin1Char('\x1f'));
    std::promise<Result<RenderedSource>> promise;
    std::shared_future<Result<RenderedSource>> future;
    bool owner = false;
    {
        const std::lock_guard<std::mutex> lock(m_cacheMutex);
        auto it = m_cache.find(key);
        if (it != m_cache.end()) {
            future = it->second;
            ++m_shared;
        } else {
            future = promise.get_future().share();
            m_cache.emplace(key, future);
            owner = true;
            ++m_run;
        }
    }
    if (owner)
        promise.set_value(renderUncached(input));
    return future.get();
}

int SourceRenderer::rendersRun() const {
    const std::lock_guard<std::mutex> lock(m_cacheMutex);
    return m_run;
}

int SourceRenderer::rendersShared() const {
    const std::lock_guard<std::mutex> lock(m_cacheMutex);
    return m_shared;
}

Result<RenderedSource> SourceRenderer::renderUncached(const RenderInput& input) {
    const std::optional<QString> path = normalisePath(input.path);
    if (!path)
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("%1: the source path leaves the repository").arg(input.path));
    RenderedSource out;
    if (!m_tree.isDir(*path) && !m_tree.isFile(*path)) {
        out.notes << QStringLiteral("%1: not in this revision; no objects")
                         .arg(path->isEmpty() ? QStringLiteral("/") : *path);
        return out;
    }
    if (Status s = ensureExported(); !s)
        return s.error();
    const QString root = m_dir->path();
    const QString local = path->isEmpty() ? root : root + QLatin1Char('/') + *path;

    policy::HelmOptions helm;
    helm.releaseName = input.releaseName;
    helm.ns = input.ns;
    for (const QString& values : input.valueFiles) {
        const std::optional<QString> v = normalisePath(values);
        if (!v || !m_tree.isFile(*v)) {
            // Argo CD fails the render for a missing value file unless ignoreMissingValueFiles.
            out.notes << QStringLiteral("%1: value file not in this revision; skipped").arg(values);
            continue;
        }
        helm.valueFiles << root + QLatin1Char('/') + *v;
    }

    Result<policy::LoadedManifests> loaded = policy::loadManifests({local}, helm);
    if (!loaded) {
        Error e = loaded.error();
        e.shortMessage.replace(root + QLatin1Char('/'), QString());
        e.details.replace(root + QLatin1Char('/'), QString());
        return e;
    }
    out.renderer = loaded->renderer;
    for (QString note : loaded->notes)
        out.notes << note.replace(root + QLatin1Char('/'), QString());
    out.objects = std::move(loaded->objects);

    const QStringList crdScoped = clusterScopedCrds(out.objects);
    const std::string ns = input.ns.toStdString();
    for (policy::KubeObject& o : out.objects) {
        o.file.replace(root + QLatin1Char('/'), QString());
        for (policy::KubeObject::Source& s : o.sources)
            s.file.replace(root + QLatin1Char('/'), QString());
        const QString apiVersion = qs(o.apiVersion);
        const QString group = apiVersion.contains(QLatin1Char('/'))
                                  ? apiVersion.section(QLatin1Char('/'), 0, 0)
                                  : QString();
        if (o.ns.empty() && !ns.empty() && isNamespacedKind(group, qs(o.kind), crdScoped))
            o.ns = ns; // what Argo CD does at sync for objects without a namespace
    }
    return out;
}

Result<RenderedSource> render(const RepoTree& tree, const RenderInput& input) {
    SourceRenderer renderer(tree);
    return renderer.render(input);
}

} // namespace sextant::gitops
