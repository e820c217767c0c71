#include "codeowners.h"

#include <map>

namespace sextant::gitops {

namespace {

QRegularExpression compile(const QString& rawPattern) {
    QString pattern = rawPattern;
    pattern.replace(QLatin1String("\\#"), QLatin1String("#"));
    pattern.replace(QLatin1String("\\ "), QLatin1String(" "));
    const bool dirOnly = pattern.endsWith(QLatin1Char('/'));
    if (dirOnly)
        pattern.chop(1);
    bool anchored = pattern.startsWith(QLatin1Char('/'));
    if (anchored)
        pattern.remove(0, 1);
    if (pattern.contains(QLatin1Char('/')))
        anchored = true; // a slash in the middle anchors the pattern at the root
    if (pattern.isEmpty() || pattern == QLatin1String("*") || pattern == QLatin1String("**"))
        return QRegularExpression(QStringLiteral("^.*$"));

    QString re;
    for (int i = 0; i < pattern.size(); ++i) {
        const QChar c = pattern.at(i);
        if (c == QLatin1Char('*')) {
            if (i + 1 < pattern.size() && pattern.at(i + 1) == QLatin1Char('*')) {
                const bool slashAfter =
                    i + 2 < pattern.size() && pattern.at(i + 2) == QLatin1Char('/');
                if (slashAfter) {
                    re += QStringLiteral("(?:.*/)?"); // "**/" = zero or more folders
                    i += 2;
                } else {
                    re += QStringLiteral(".*");
                    i += 1;
                }
            } else {
                re += QStringLiteral("[^/]*");
            }
        } else if (c == QLatin1Char('?')) {
            re += QStringLiteral("[^/]");
        } else {
            re += QRegularExpression::escape(QString(c));
        }
    }
    const QString prefix = anchored ? QStringLiteral("^") : QStringLiteral("^(?:.*/)?");
    // "docs/*" covers the files directly in docs/, not deeper ones (GitHub's documented case);
    // any other pattern that names a folder covers everything below it.
    QString suffix;
    if (dirOnly)
        suffix = QStringLiteral("/.*$");
    else if (pattern.endsWith(QLatin1String("/*")))
        suffix = QStringLiteral("$");
    else
        suffix = QStringLiteral("(?:/.*)?$");
    return QRegularExpression(prefix + re + suffix);
}

// Splits a line into whitespace-separated fields, keeping "\ " inside a pattern.
QStringList fields(const QString& line) {
    QStringList out;
    QString current;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (c == QLatin1Char('\\') && i + 1 < line.size()) {
            current += c;
            current += line.at(++i);
        } else if (c.isSpace()) {
            if (!current.isEmpty())
                out << current;
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.isEmpty())
        out << current;
    return out;
}

} // namespace

bool CodeOwners::matches(const QString& pattern, const QString& path) {
    return compile(pattern).match(path).hasMatch();
}

CodeOwners CodeOwners::parse(const QString& text, Syntax syntax, const QString& file) {
    CodeOwners out;
    out.m_file = file;
    out.m_syntax = syntax;
    QString section;
    bool optional = false;
    QStringList sectionOwners;
    static const QRegularExpression sectionLine(
        QStringLiteral(R"(^(\^)?\[([^\]]+)\](?:\[\d+\])?\s*(.*)$)"));
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        QString line = lines.at(i).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        // Comments after the owners ("path @a # why").
        if (const int hash = line.indexOf(QLatin1String(" #")); hash > 0)
            line = line.left(hash).trimmed();
        if (syntax == Syntax::GitLab) {
            const QRegularExpressionMatch m = sectionLine.match(line);
            if (m.hasMatch()) {
                optional = !m.captured(1).isEmpty();
                section = m.captured(2).trimmed();
                sectionOwners = fields(m.captured(3));
                continue;
            }
        }
        QStringList f = fields(line);
        Rule r;
        r.pattern = f.takeFirst();
        r.owners = f;
        if (r.owners.isEmpty() && syntax == Syntax::GitLab)
            r.owners = sectionOwners;
        r.section = section;
        r.optionalSection = optional;
        r.line = i + 1;
        r.regex = compile(r.pattern);
        out.m_rules.push_back(std::move(r));
    }
    return out;
}

std::optional<CodeOwners> CodeOwners::find(const RepoTree& tree) {
    struct Place {
        const char* path;
        Syntax syntax;
    };
    // GitHub's order; GitLab also reads .gitlab/CODEOWNERS (first of its own list).
    const Place places[] = {{".github/CODEOWNERS", Syntax::GitHub},
                            {".gitlab/CODEOWNERS", Syntax::GitLab},
                            {"CODEOWNERS", Syntax::GitHub},
                            {"docs/CODEOWNERS", Syntax::GitHub}};
    static const QRegularExpression gitlabSection(QStringLiteral(R"(^\^?\[[^\]]+\])"),
                                                  QRegularExpression::MultilineOption);
    for (const Place& p : places) {
        const std::optional<QByteArray> bytes = tree.readFile(QLatin1String(p.path));
        if (!bytes)
            continue;
        const QString text = QString::fromUtf8(*bytes);
        Syntax syntax = p.syntax;
        if (gitlabSection.match(text).hasMatch())
            syntax = Syntax::GitLab; // sections only exist in GitLab's syntax
        return parse(text, syntax, QLatin1String(p.path));
    }
    return std::nullopt;
}

std::vector<CodeOwners::Approval> CodeOwners::approvalsFor(const QString& path) const {
    // Last match wins, per section (GitHub files have the one section "").
    std::map<QString, const Rule*> winners;
    QStringList order;
    for (const Rule& r : m_rules) {
        if (!r.regex.match(path).hasMatch())
            continue;
        if (!winners.count(r.section))
            order << r.section;
        winners[r.section] = &r;
    }
    std::vector<Approval> out;
    for (const QString& section : order) {
        const Rule* r = winners[section];
        out.push_back({section, r->owners, r->optionalSection, r->line});
    }
    return out;
}

QStringList CodeOwners::ownersOf(const QString& path) const {
    QStringList owners;
    for (const Approval& a : approvalsFor(path)) {
        if (a.optional)
            continue;
        for (const QString& o : a.owners) {
            if (!owners.contains(o))
                owners << o;
        }
    }
    return owners;
}

std::vector<RequiredApproval> requiredApprovals(const CodeOwners& owners,
                                                const QStringList& changedFiles) {
    std::vector<RequiredApproval> out;
    for (const QString& file : changedFiles) {
        for (const CodeOwners::Approval& a : owners.approvalsFor(file)) {
            if (a.owners.isEmpty())
                continue;
            auto it = std::find_if(out.begin(), out.end(), [&](const RequiredApproval& r) {
                return r.section == a.section && r.owners == a.owners;
            });
            if (it == out.end()) {
                out.push_back({a.section, a.owners, a.optional, {}});
                it = out.end() - 1;
            }
            if (!it->files.contains(file))
                it->files << file;
        }
    }
    return out;
}

} // namespace sextant::gitops
