#pragma once

#include "argocd/types.h"
#include "core/result.h"
#include "gitops/correctivefix.h"
#include "gitops/repotree.h"
#include "metrics/alertmanagerclient.h"

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

#include <vector>

namespace sextant::incident {

// Pre-approved runbooks kept in the GitOps repository (docs/incidents.md, "Runbooks"): one YAML
// document per runbook in `.sextant/runbooks/*.yaml`. A runbook says when it applies (alert
// name and label matchers, application names) and the one change it may make — scale a
// workload within bounds, or set a YAML value to one of a fixed set. Sextant only ever turns a
// runbook into a *proposal* (exact file edits and a pull request text); the commit goes through
// the approval gate like every other write.

// Where runbooks live in the repository: ".sextant/runbooks".
QString runbookDir();

struct Runbook {
    enum class Action { Scale, SetValue };

    QString id;
    QString title;
    QString description;
    QString file; // repository path it was read from
    int line = 0; // line of the document's first key

    // when: every given condition must hold.
    QStringList alertNames;            // any of; empty = any alert
    QMap<QString, QString> labelRegex; // label -> regular expression over the whole value
    QStringList apps;                  // application names, '*' wildcards; empty = any

    Action action = Action::Scale;
    // scale
    QString kind = QStringLiteral("Deployment"); // Deployment or StatefulSet
    QString name;                                // the workload
    int replicas = 0;                            // proposed count
    int minReplicas = 0;
    int maxReplicas = 0;
    // scale (optional) and set-value: where the value lives. Empty for scale = found like a
    // corrective commit (kustomize `replicas:` entry, then patches, then the manifest).
    QString targetFile;
    QString docKind, docName; // which document of the file (optional)
    QString path;             // dotted YAML path ("canary.weight"; scale default spec.replicas)
    // set-value
    QStringList allowed; // the values the runbook may set
    QString value;       // proposed value (one of allowed)

    QStringList owners;
    QStringList approvers;

    QString actionText() const; // "scale Deployment checkout to 4 (2–6)"
};

struct RunbookSet {
    QVector<Runbook> runbooks;
    QStringList errors; // "file:line: message", one per problem; bad runbooks are left out
};

// Parses one file (several runbooks as YAML documents separated by ---).
RunbookSet parseRunbooks(const QByteArray& content, const QString& file);
// Every *.yaml / *.yml below `dir` of the tree; duplicate ids are errors.
RunbookSet loadRunbooks(const gitops::RepoTree& tree, const QString& dir = runbookDir());

// Whether the runbook applies to this alert on this application; `why` gets the reason
// either way ("alertname KubePodCrashLooping, namespace shop matches ^shop$").
bool runbookMatches(const Runbook& runbook, const metrics::Alert& alert,
                    const argocd::AppSummary& app, QString* why = nullptr);
// The runbooks that apply, in file order.
QVector<Runbook> matchingRunbooks(const QVector<Runbook>& runbooks, const metrics::Alert& alert,
                                  const argocd::AppSummary& app);

// What the user may override when proposing.
struct ProposeOptions {
    QString value;          // scale: replica count; set-value: one of allowed. Empty = runbook's
    QStringList valueFiles; // Helm valueFiles of the application (scale without a file)
    QString sourcePath;     // the application's source path; empty = app.path
};

// The proposal: exact edits and the pull request text. Nothing is written.
struct RunbookProposal {
    QString runbookId;
    QString appKey;
    QString alertFingerprint;
    QString title;         // PR title / commit subject
    QString body;          // PR body (Markdown)
    QString commitMessage; // subject, blank line, body
    QString branchName;    // sextant/runbook-<id>-<app>
    std::vector<gitops::DraftEdit> edits;
    QString diff; // all edits' unified diffs, concatenated
    QString explanation;
    QStringList notes;
    QStringList approvers; // from the runbook: who must approve the PR
};

// Refused (Error) when the runbook does not apply to the alert and app, the value is outside the
// bounds or the allowed set, the file or path is missing, or the value is already set.
Result<RunbookProposal> proposeRunbook(const Runbook& runbook, const metrics::Alert& alert,
                                       const argocd::AppSummary& app, const gitops::RepoTree& tree,
                                       const ProposeOptions& options = {});

} // namespace sextant::incident
