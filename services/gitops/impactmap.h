#pragma once

#include "gitops/applications.h"
#include "gitops/repotree.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <vector>

namespace sextant::gitops {

// One application a change reaches, with the changed files that reach it and why.
struct ImpactEntry {
    AppRef app;
    QStringList files;   // changed repository paths, sorted
    QStringList reasons; // one per file and route, e.g. "envs/prod-eu/version.yml is a patch
                         // of kustomization envs/prod-eu"
};

// Which repository files each Application renders, at one revision (see docs/impact-map.md).
// Built once from a RepoTree (no network, no widgets: safe on a worker thread), then queried.
// Sources of another repository are ignored; a source in this repository contributes:
//  - kustomize: the kustomization file of its directory and everything it references
//    (resources, bases, components, patches, generators' files, replacements, crds,
//    helmCharts values, ...), transitively through referenced directories;
//  - helm: every file under the chart directory, local file:// dependencies, valueFiles and
//    fileParameters (relative to the path, or "$ref/..." against the source with that ref);
//  - directory: the manifest files under the path (top level only unless recurse), with the
//    include/exclude globs;
//  - plugin: every file under the path.
// Paths match on whole segments: apps/foo never reaches apps/foobar.
class ImpactMap {
public:
    // `repoURL` is the repository `tree` is a revision of; empty means every source counts as
    // this repository (a folder analysed without knowing its remote).
    ImpactMap(const RepoTree& tree, QString repoURL, std::vector<AppRef> apps);

    // The applications (with detected source kinds filled in).
    const std::vector<AppRef>& apps() const { return m_apps; }
    // Applications reached by the changes, in the order of apps(). A change is looked up by its
    // path and, for renames, its old path. An Application or ApplicationSet manifest that
    // changed (definedIn, generatorFiles) reaches the applications it defines.
    std::vector<ImpactEntry> impacted(const std::vector<FileChange>& changes) const;
    // Every repository file the application renders, sorted (empty for an unknown app).
    QStringList filesOf(const AppRef& app) const;
    // What could not be resolved (remote bases, missing files, other repositories...).
    const QStringList& notes() const { return m_notes; }

private:
    struct Reach {
        int app = 0;
        QString reason;
    };
    void addFile(int app, const QString& path, const QString& reason);
    void note(const QString& text);

    QString m_repoURL;
    std::vector<AppRef> m_apps;
    QHash<QString, int> m_indexByKey;
    QHash<QString, std::vector<Reach>> m_byFile;  // file -> apps that render it
    std::vector<QHash<QString, QString>> m_files; // per app: file -> first reason
    QStringList m_notes;

    friend class ImpactWalker;
};

// Impact across a base and a head revision: a change is looked up at base by its old path
// (deleted and modified files, the old side of renames) and at head by its path (added,
// modified, renamed). Entries for the same application (AppRef::key) are merged.
std::vector<ImpactEntry> impactedAcross(const ImpactMap& base, const ImpactMap& head,
                                        const std::vector<FileChange>& changes);

// Application and ApplicationSet objects found in the repository's YAML and JSON files
// (app-of-apps), with definedIn set; ApplicationSets are expanded against this tree and the
// given clusters. Files that fail to parse are skipped with a note.
std::vector<AppRef> applicationsInRepo(const RepoTree& tree, const QString& repoURL,
                                       const std::vector<ClusterInfo>& clusters,
                                       QStringList* notes = nullptr);

} // namespace sextant::gitops
