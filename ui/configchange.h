#pragma once

#include "argocd/types.h"
#include "gitops/gitremotes.h"
#include "gitops/gitrepository.h"
#include "gitops/prdraft.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace sextant::ui {

// Which change of a config repository to describe (Tools → Describe a config change…): two
// revisions of a configured remote's mirror, or of a local Git repository, whose head may be
// its work tree with uncommitted edits.
struct ConfigChangeSource {
    enum class Kind { Remote, LocalFolder };
    Kind kind = Kind::Remote;
    QString repoURL;           // Remote: the configured remote, as Argo CD Applications name it
    QString folder;            // LocalFolder: a Git repository on disk (bare or with a work tree)
    QString base;              // a revision; empty = the repository's default branch
    QString head;              // a revision or branch; ignored with localChanges
    bool localChanges = false; // LocalFolder only: the work tree, tracked or not
};

// What Sextant found in a repository before describing anything: prefills base and head.
struct ConfigRepositoryInfo {
    QString repoURL;       // as Applications name it ("origin" for a local folder; may be empty)
    QString defaultBranch; // the branch a pull request goes into by default
    gitops::CommitInfo defaultTip;
    bool hasWorkTree = false;
    std::optional<gitops::GitRemote> remote; // configured for repoURL, if any
};

// A described change, ready for review; nothing has been written anywhere yet.
struct ConfigChangeDraft {
    ConfigChangeSource source;
    QString repoURL; // the repository as Applications name it (empty: not known)
    std::optional<gitops::GitRemote> remote; // where the branch is pushed and the PR opened
    QString baseLabel, headLabel;            // "main (1a2b3c4)", "work tree", ...
    QString baseBranch; // the base as a branch name on the remote (PR target); empty if not one
    QString baseSha;
    QString headBranch; // an existing branch the PR is opened from (head not local changes)
    QString headSha;    // empty for local changes
    // Local changes: every changed file of the work tree as written in the commit, and the
    // unified diff of all of them (exactly what the push approval shows).
    std::vector<gitops::FileEdit> edits;
    QString diff;
    QString suggestedBranch; // sextant/<short description>
    std::shared_ptr<const gitops::ChangeDescription> description;
    int fleetApplications = 0; // Applications of connected instances that use the repository
    QStringList notes;
    // Empty when "Approve and open pull request…" can go ahead; else why not, in plain words.
    QString whyNoPullRequest;

    bool pushesCommit() const { return source.localChanges; }
};

// An Application as the fleet table knows it, when its full object cannot be (or need not be)
// fetched: one source, no Helm value files (consolesession_gitops.cpp).
gitops::AppRef appRefFromSummary(const argocd::AppSummary& row, const QString& instanceName);

} // namespace sextant::ui
