#pragma once

#include "analysis/evidence.h"
#include "core/result.h"
#include "gitops/imageref.h"
#include "gitops/repotree.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

#include <vector>

namespace sextant::gitops {

// Corrective commits for the diagnosis fix kinds (docs/corrective-commits.md): from a Finding
// and the Application's source in a repository revision, the minimal line-level edits of the
// file that actually decides the value (a kustomize overlay's `images:` entry before a patch
// before the base manifest; the last Helm values file that sets the value). Pure computation
// over a RepoTree: nothing is committed here (the commit goes through the approval gate).

// What the draft is for and what the user chose.
struct FixTarget {
    QString sourcePath;     // the Application's spec.source.path ("" = repository root)
    QStringList valueFiles; // Helm valueFiles, relative to sourcePath, in order (later win)
    QString appName;        // Argo CD Application name (branch name, title)
    QString container;      // container name; empty = the finding's "container" field
    QString fixKind;        // empty = the finding's fixKind; or "replicas", "image-repository"
    // What the user supplied or the console knows. Keys:
    //   image-tag:        "tag" (new tag), "image" (whole new reference), "previousImages"
    //                     (history, one image reference per line, oldest first; a line may end
    //                     with " healthy" or " unhealthy" when the health timeline knows)
    //   image-repository: "repository" (new repository, tag kept)
    //   config-key:       "key" (default: the finding's key), "value" (required)
    //   resources:        "memoryLimit", "memoryRequest", "cpuLimit", "cpuRequest"
    //   replicas:         "replicas"
    //   probe:            "probe" (readiness|liveness|startup), "probePath", "probePort"
    QMap<QString, QString> inputs;
};

// One changed file.
struct DraftEdit {
    QString path; // repository path
    QByteArray before;
    QByteArray after;
    QString diff; // unified diff of the file (git apply)
    QString why;  // why this file and not another
};

// A value the draft proposes on its own, with the reason (shown next to the input field).
struct SuggestedValue {
    QString input; // the FixTarget input it stands for ("tag", "memoryLimit", ...)
    QString value;
    QString reason;
};

struct CorrectiveDraft {
    QString fixKind;
    QString title;       // commit subject / PR title
    QString explanation; // plain words: what changes, where, why
    QString branchName;  // sextant/fix-<app>-<short>
    QString commitMessage;
    std::vector<DraftEdit> edits; // empty while neededInputs is not
    std::vector<SuggestedValue> suggestions;
    QStringList notes;        // other files the change reaches, mismatches, what was skipped
    QStringList neededInputs; // what the user must supply before there can be edits

    bool complete() const { return neededInputs.isEmpty() && !edits.empty(); }
};

// The fix kinds draftFix handles.
QStringList correctiveFixKinds();

// Drafts the corrective commit. An Error when the fix kind is not handled, the source cannot be
// read, the place that decides the value cannot be found, or a supplied value is refused
// (placeholder, malformed quantity, flow-style YAML). A draft without edits and with
// neededInputs when a value is unknown: nothing is ever invented silently.
Result<CorrectiveDraft> draftFix(const analysis::Finding& finding, const RepoTree& tree,
                                 const FixTarget& target);

// Helpers, public for tests and the console.
// When `tag` is one edit away from a known tag (two neighbouring characters swapped, one
// character changed, added or dropped), that tag and how they differ; else empty.
struct NearMiss {
    QString tag;
    QString how;
};
NearMiss nearMissTag(const QString& tag, const QStringList& knownTags);
// Kubernetes quantities: "512Mi" -> bytes; nullopt when malformed.
std::optional<double> parseMemoryQuantity(const QString& quantity);
// limit x 1.5 rounded up to a multiple of 64Mi, written in Gi when whole, else Mi.
QString raisedMemoryLimit(double bytes);

} // namespace sextant::gitops
