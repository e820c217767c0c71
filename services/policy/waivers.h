#pragma once

#include "core/result.h"
#include "policy/policyengine.h"
#include "policy/policypack.h"

#include <QDate>
#include <QSet>
#include <QString>
#include <QStringList>

#include <vector>

namespace sextant::policy {

// One entry of a waiver file (`.sextant-waivers.yaml` or `.sextant/*.waivers.yaml`, format in
// docs/policy.md): exempts the results of one rule, narrowed to objects and a container, until
// an expiry date, with a reason and an owner that reviewers see in the pull request.
struct Waiver {
    QString rule;
    QString kind;      // empty = any
    QString ns;        // empty = any
    QString name;      // empty = any; '*' matches any run of characters
    QString container; // empty = any (object-level results included)
    QString reason;
    QString ticket; // optional
    QString owner;
    QDate expires; // valid through this day
    QString file;
    int line = 0; // the line of the entry's `- rule:` item

    bool matches(const Violation& v) const;
};

struct WaivedResult {
    Violation violation;
    Waiver waiver;
};

// A waiver that did not do what its author meant: expired, matched nothing, or targets a rule
// the pack marks `waivable: false`.
struct WaiverProblem {
    enum class Kind { Expired, Unused, NotWaivable };
    Kind kind = Kind::Unused;
    QString file;
    int line = 0;
    QString rule;
    QString owner;
    QDate expires;
    QString problem; // "expired 2026-01-31", "matched no result", "rule 'x' is not waivable"
};
QString waiverProblemKindName(WaiverProblem::Kind kind); // expired, unused, not-waivable

// Parses one waiver file. Errors (exit 2 in the CLI) carry "<file>:<line>: <what>" in their
// details: invalid YAML, missing or unknown keys, a bad date, a rule the pack does not have.
Result<std::vector<Waiver>> parseWaivers(const QByteArray& yaml, const QString& file,
                                         const PolicyPack& pack);

// The waiver files that apply to a run over `paths`: those below each checked directory and those
// in the directories from each checked path up to its repository root (the nearest ancestor with
// `.git`; without one, the checked path itself). Sorted, without duplicates; relative to the
// working directory when a checked path is relative, like the results' file names.
QStringList findWaiverFiles(const QStringList& paths);

// findWaiverFiles() and parseWaivers() on each.
Result<std::vector<Waiver>> loadWaivers(const QStringList& paths, const PolicyPack& pack);

struct WaiverOutcome {
    std::vector<Violation> results; // what is left to report (and to fail on)
    std::vector<WaivedResult> waived;
    std::vector<WaiverProblem> problems; // in file, line order
};

// Moves results matched by an unexpired waiver of a waivable rule to `waived`. `rulesRun` are
// the rules that were evaluated (empty = every rule of the pack): a waiver of a rule that did not
// run is not reported as unused, nor is a waiver of a Rego rule (`rego:…`) when `regoRan` is false
// (no engine installed, or no policies).
WaiverOutcome applyWaivers(std::vector<Violation> results, const std::vector<Waiver>& waivers,
                           const PolicyPack& pack, const QDate& today,
                           const QStringList& rulesRun = {}, bool regoRan = true);

} // namespace sextant::policy
