#pragma once

#include "gitops/repotree.h"

#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace sextant::gitops {

// A CODEOWNERS file. GitHub: the last matching line wins, a line without owners leaves a path
// unowned. GitLab: the same inside each [Section]; every matching section's owners must approve,
// except optional ^[Sections]; a section line may give default owners ("[Docs] @docs-team").
class CodeOwners {
public:
    enum class Syntax { GitHub, GitLab };

    struct Rule {
        QString pattern;
        QStringList owners;
        QString section; // GitLab section name, "" outside sections
        bool optionalSection = false;
        int line = 0;
        QRegularExpression regex;
    };

    // The owners that must approve a change of one path, per section ("" = no section).
    struct Approval {
        QString section;
        QStringList owners; // empty: matched by a line without owners
        bool optional = false;
        int line = 0; // the winning line
    };

    static CodeOwners parse(const QString& text, Syntax syntax, const QString& file = {});
    // Looks where GitHub looks (.github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS; first found
    // wins) and GitLab's .gitlab/CODEOWNERS; the syntax follows the location and the content.
    static std::optional<CodeOwners> find(const RepoTree& tree);

    const QString& file() const { return m_file; }
    Syntax syntax() const { return m_syntax; }
    const std::vector<Rule>& rules() const { return m_rules; }

    std::vector<Approval> approvalsFor(const QString& path) const;
    // All owners of a path (union over sections, optional sections excluded).
    QStringList ownersOf(const QString& path) const;

    // Whether a CODEOWNERS pattern matches a repository path (gitignore-style, as GitHub
    // documents it: "*.js" anywhere, "/build/" and "docs/*" anchored, "**" across folders, a
    // folder covers everything below it, "docs/*" only its direct files).
    static bool matches(const QString& pattern, const QString& path);

private:
    QString m_file;
    Syntax m_syntax = Syntax::GitHub;
    std::vector<Rule> m_rules;
};

// Required approvals for a set of changed files: owners -> the files they must approve.
struct RequiredApproval {
    QString section;
    QStringList owners;
    bool optional = false;
    QStringList files;
};
std::vector<RequiredApproval> requiredApprovals(const CodeOwners& owners,
                                                const QStringList& changedFiles);

} // namespace sextant::gitops
