#pragma once

#include "policy/manifests.h"
#include "policy/policypack.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace sextant::policy {

// A minimal textual fix in the author's file: replace `removeLines` lines starting at `line`
// (1-based) with `text` (zero or more lines, no trailing newline); removeLines == 0 inserts
// before `line`. Only the touched lines change, so comments and formatting elsewhere stay.
struct Fix {
    QString description;
    QString file;
    int line = 0;
    int removeLines = 0;
    QString text;
    QString diff; // the same change as a unified diff, for people and `git apply`
};

struct Violation {
    QString rule;
    Severity severity = Severity::Warning;
    QString apiVersion;
    QString kind;
    QString ns;
    QString name;
    QString container; // empty for object-level results
    QString file;
    int line = 0;
    QString message; // actual and expected value
    std::optional<Fix> fix;
};

struct CheckOptions {
    QStringList onlyRules;                // empty = every rule of the pack
    QString kubernetesVersion;            // empty = the pack's default (deprecated-apis)
    const SourceTexts* sources = nullptr; // needed for fixes; null = no fixes
};

// Runs a pack over a set of objects (cross-object rules see the whole set).
// Results are ordered by file, line, rule.
std::vector<Violation> checkObjects(const PolicyPack& pack, const std::vector<KubeObject>& objects,
                                    const CheckOptions& options = {});

// Applies a fix to the lines of a file (as split on '\n'); false when it does not fit.
bool applyFix(QStringList& lines, const Fix& fix);

} // namespace sextant::policy
