#pragma once

#include "core/result.h"
#include "policy/yamltree.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace sextant::policy {

// One Kubernetes object as the rules see it, with where it came from.
struct KubeObject {
    std::string apiVersion;
    std::string kind;
    std::string ns; // empty when the manifest does not say (Argo CD supplies it at sync)
    std::string name;
    QString file; // the file the author edits
    int line = 0; // first line of the object in that file
    std::shared_ptr<const YNode> root;
    // For rendered objects (Kustomize, Helm): the author's objects it was mapped back to (the
    // overlay's patches first, then the bases), used to find the file and line of a field;
    // empty when the object was read from a file directly or no source was found.
    struct Source {
        QString file;
        std::shared_ptr<const YNode> root;
    };
    std::vector<Source> sources;
    bool rendered = false;
};

// Source files by path, split into lines: fixes are computed and shown against them.
using SourceTexts = QHash<QString, QStringList>;

struct LoadedManifests {
    std::vector<KubeObject> objects;
    QString renderer = QStringLiteral("raw"); // raw, kubectl-kustomize, kustomize, helm
    QStringList notes; // e.g. "kustomization found but no renderer installed: raw manifests"
    SourceTexts sources;
};

// Which renderers are installed (looked up on PATH once per process).
struct Renderers {
    QString kubectl;
    QString kustomize;
    QString helm;
    static const Renderers& detect();
};

// Objects of one YAML text (every document); documents without kind are skipped, a YAML
// syntax error is an Error whose details read "<file>:<line>:<column>: <what>".
Result<std::vector<KubeObject>> parseManifests(const QByteArray& yaml, const QString& fileName);

// How a Helm chart is rendered, as Argo CD's spec.source.helm says: value files (absolute, or
// relative to the chart directory), the release name and the namespace. Empty = helm's defaults.
struct HelmOptions {
    QStringList valueFiles;
    QString releaseName;
    QString ns;
};

// Loads files and directories: a directory with a kustomization is rendered with
// `kubectl kustomize` (or `kustomize build`), one with a Chart.yaml with `helm template`, when
// installed; otherwise (and for plain directories) every *.yaml/*.yml below is read.
Result<LoadedManifests> loadManifests(const QStringList& paths, const HelmOptions& helm = {});

} // namespace sextant::policy
