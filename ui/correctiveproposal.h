#pragma once

#include "gitops/correctivefix.h"
#include "gitops/gitremotes.h"
#include "gitops/prdraft.h"

#include <QString>
#include <QStringList>

#include <memory>

namespace sextant::ui {

// A corrective commit ready for review: the edits drafted from a diagnosis finding against the
// application's config repository at its target branch, and what the change reaches (impact,
// object diff, risks, policy) as a PR description. Nothing has been written anywhere yet.
struct CorrectiveProposal {
    QString appKey;
    QString appName;
    QString instanceId;
    gitops::GitRemote remote;
    QString baseBranch; // the branch the pull request goes into
    QString baseSha;    // the commit the edits apply to
    gitops::CorrectiveDraft draft;
    // The description of the change (null while the draft still needs inputs).
    std::shared_ptr<const gitops::ChangeDescription> description;
    QStringList notes;

    // Branch, commit message and pull request as they will be proposed (editable in the UI).
    QString pullRequestTitle() const { return draft.title; }
    QString pullRequestBody(const QString& findingSummary) const;
};

// What the user approved in the end: the pull request that was opened or updated.
struct CorrectiveOutcome {
    QString commitSha;
    QString branch;
    int number = 0;
    QUrl webUrl;
    bool created = false;
};

} // namespace sextant::ui
