#pragma once

#include "gitops/changesummary.h"
#include "gitops/codeowners.h"
#include "gitops/riskrules.h"

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace sextant::gitops {

// Everything a PR description says (docs/pr-description.md).
struct DescriptionInput {
    QString repository;   // shown in the footer
    QString baseRevision; // short SHAs or branch names
    QString headRevision;
    std::vector<AppChanges> apps; // impacted applications, each with its object changes
    std::vector<Risk> risks;      // assessRisks() over `apps`
    bool policyChecked = false;   // false: the section says the policy engine did not run
    std::vector<PolicyDelta> policy;
    std::optional<CodeOwners> codeOwners;
    QStringList changedFiles;
    qint64 elapsedMs = -1; // time to describe, for the footer; < 0 = not shown
};

struct DescriptionOptions {
    int budget = 65536;  // characters per part (GitHub's comment limit; see providerBudget)
    int diffContext = 3; // unchanged lines around each change in the object diffs
};

// The Markdown, within budget: parts[0] is the description, further parts are overflow
// comments. Each part is at most `budget` characters.
struct Description {
    QString title;
    QStringList parts;
    int foldedApps = 0;   // applications shown as "same changes as …"
    int omittedDiffs = 0; // object diffs replaced by "N lines omitted"
    bool split = false;
};

// How the budget is met: (1) applications whose object changes are identical to an earlier
// one's are folded into a reference, (2) the largest object diffs are replaced by "N lines
// omitted", largest first, until it fits, (3) what still does not fit is split into a
// description (summary, impact table, risks, policy, approvals, runbooks, footer) and overflow
// comments with the per-application details. Nothing of the summary or the risks is dropped;
// the footer ends the first part. Policy results that would push the rest out of the
// description are folded across applications, or else summarised per rule there and listed per
// application in the comments.
Description buildDescription(const DescriptionInput& input, const DescriptionOptions& options = {});

// A title for the PR from the first summary line and the environments reached (≤ 72 chars).
QString suggestTitle(const DescriptionInput& input);

// The machine-readable model for `sextant-cli pr describe --output json`:
// {"summary": [...], "changes": [{"app", "instance", "cluster", "kind", "apiVersion",
//  "namespace", "name", "change", "oldName", "oldNamespace", "fields": [{"path", "change",
//  "before", "after"}]}], "risks": [{"rule", "severity", "title", "reason", "app", "object"}],
//  "policy": [{"app", "new": [...], "fixed": [...]}], "approvals": [{"section", "owners",
//  "optional", "files"}]}
nlohmann::json descriptionJson(const DescriptionInput& input);

// Characters a provider accepts in a PR/MR description or comment: "github" and "gitea" 65,536,
// "gitlab" 1,048,576, "bitbucket-server"/"bitbucket-datacenter" 32,768, "bitbucket-cloud" and
// unknown providers 65,536.
int providerBudget(const QString& provider);

} // namespace sextant::gitops
