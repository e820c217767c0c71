#include "prdescription.h"

#include <QSet>

#include <algorithm>
#include <map>

namespace sextant::gitops {

namespace {

constexpr int kPartReserve = 160; // continuation lines added around each part

QString escapeInline(QString s) {
    s.replace(QLatin1Char('<'), QLatin1String("&lt;"));
    s.replace(QLatin1Char('>'), QLatin1String("&gt;"));
    return s;
}

QString escapeCell(QString s) {
    s = escapeInline(s);
    s.replace(QLatin1Char('|'), QLatin1String("\\|"));
    s.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return s.isEmpty() ? QStringLiteral("—") : s;
}

// A fence longer than any backtick run in the content.
QString fenceFor(const QStringList& lines) {
    int longest = 0;
    for (const QString& l : lines) {
        int run = 0;
        for (const QChar c : l) {
            run = c == QLatin1Char('`') ? run + 1 : 0;
            longest = std::max(longest, run);
        }
    }
    return QString(std::max(3, longest + 1), QLatin1Char('`'));
}

QString appLabel(const AppContext& a) {
    return a.instance.isEmpty() ? a.app
                                : a.app + QStringLiteral(" (") + a.instance + QLatin1Char(')');
}

// One object of one application, with its diff (or the note that replaced it).
struct ObjectSection {
    QString heading; // "#### Deployment shop/web (changed)"
    QStringList diff;
    bool omitted = false;
    int size() const {
        if (omitted)
            return heading.size() + 60;
        int n = heading.size() + 20;
        for (const QString& l : diff)
            n += l.size() + 1;
        return n;
    }
};

struct AppSection {
    const AppChanges* app = nullptr;
    QString summaryLine; // <summary> text
    QStringList lines;   // plain-word summary of this application
    std::vector<ObjectSection> objects;
    QString signature;   // identical object changes share it
    int foldedInto = -1; // index of the application it repeats
    // renderApp()'s text, kept until the section is folded or one of its diffs omitted: the
    // budget passes measure the whole document several times.
    mutable QString rendered;
    mutable bool renderedValid = false;
    void invalidate() {
        renderedValid = false;
        rendered.clear();
    }
};

QString renderObject(const ObjectSection& o) {
    QString out = o.heading + QLatin1Char('\n');
    if (o.omitted) {
        out += QStringLiteral("_%1 diff lines omitted to stay within the size limit._\n")
                   .arg(o.diff.size());
        return out;
    }
    const QString fence = fenceFor(o.diff);
    out += fence + QStringLiteral("diff\n") + o.diff.join(QLatin1Char('\n')) + QLatin1Char('\n') +
           fence + QLatin1Char('\n');
    return out;
}

QString renderAppText(const AppSection& s, const std::vector<AppSection>& all) {
    QString out =
        QStringLiteral("<details><summary>") + s.summaryLine + QStringLiteral("</summary>\n\n");
    if (s.foldedInto >= 0) {
        out += QStringLiteral("Same object changes as **%1**:\n")
                   .arg(escapeInline(appLabel(all[s.foldedInto].app->app)));
        for (const ObjectSection& o : s.objects)
            out += QStringLiteral("- ") + o.heading.mid(5) + QLatin1Char('\n');
    } else {
        for (const QString& l : s.lines)
            out += QStringLiteral("- ") + escapeInline(l) + QLatin1Char('\n');
        if (!s.app->notes.isEmpty()) {
            out += QLatin1Char('\n');
            for (const QString& n : s.app->notes)
                out += QStringLiteral("> ") + escapeInline(n) + QLatin1Char('\n');
        }
        out += QLatin1Char('\n');
        for (const ObjectSection& o : s.objects)
            out += renderObject(o) + QLatin1Char('\n');
    }
    out += QStringLiteral("</details>\n");
    return out;
}

const QString& renderApp(const AppSection& s, const std::vector<AppSection>& all) {
    if (!s.renderedValid) {
        s.rendered = renderAppText(s, all);
        s.renderedValid = true;
    }
    return s.rendered;
}

// One unit of the Markdown that the splitter keeps whole; `resume` is repeated at the top of a
// part that starts inside the same section (a table's header).
struct Atom {
    QString text;
    QString resume;
};

struct Document {
    std::vector<Atom> essential; // summary, table, risks, policy, approvals, runbooks
    // The policy section's atoms within `essential`, and the shorter forms the split uses when
    // the description would not hold them: identical results folded across applications, or
    // a summary per rule with the per-application lines moved to the comments.
    std::size_t policyBegin = 0, policyEnd = 0;
    std::vector<Atom> policyFolded, policySummary, policyDetail;
    std::vector<AppSection> apps;
    QString detailsHeading = QStringLiteral("### Changes per application\n\n");
    QString footer;
};

int totalSize(const Document& d) {
    int n = d.footer.size() + d.detailsHeading.size();
    for (const Atom& a : d.essential)
        n += a.text.size();
    for (const AppSection& s : d.apps)
        n += renderApp(s, d.apps).size() + 1;
    return n;
}

QString joinAll(const Document& d) {
    QString out;
    for (const Atom& a : d.essential)
        out += a.text;
    if (!d.apps.empty()) {
        out += d.detailsHeading;
        for (const AppSection& s : d.apps)
            out += renderApp(s, d.apps) + QLatin1Char('\n');
    }
    out += d.footer;
    return out;
}

// An atom longer than a part is cut at line boundaries (a single longer line is cut hard).
std::vector<Atom> fitAtoms(const std::vector<Atom>& atoms, int limit) {
    std::vector<Atom> out;
    for (const Atom& a : atoms) {
        if (a.text.size() <= limit) {
            out.push_back(a);
            continue;
        }
        QString chunk;
        for (QString line : a.text.split(QLatin1Char('\n'))) {
            if (line.size() + 1 > limit)
                line = line.left(limit - 40) + QStringLiteral(" … (line cut)");
            if (chunk.size() + line.size() + 1 > limit) {
                out.push_back({chunk, a.resume});
                chunk.clear();
            }
            chunk += line + QLatin1Char('\n');
        }
        if (!chunk.isEmpty())
            out.push_back({chunk, a.resume});
    }
    return out;
}

// Atoms into parts of at most `budget` characters; the first part keeps `firstReserve`
// characters free (for the footer).
QStringList pack(const std::vector<Atom>& atoms, int budget, int firstReserve = 0) {
    const int limit = std::max(200, budget - kPartReserve);
    QStringList parts;
    QString current;
    QString lastResume;
    for (const Atom& a : fitAtoms(atoms, limit - 400)) {
        const QString resume = a.resume;
        const int partLimit = parts.isEmpty() ? std::max(200, limit - firstReserve) : limit;
        if (!current.isEmpty() && current.size() + a.text.size() > partLimit) {
            parts << current;
            current.clear();
            if (!resume.isEmpty() && resume == lastResume)
                current = resume;
        }
        current += a.text;
        lastResume = resume;
    }
    if (!current.isEmpty())
        parts << current;
    return parts;
}

QString severityBadge(Severity s) {
    switch (s) {
    case Severity::Error:
        return QStringLiteral("🔴 error");
    case Severity::Warning:
        return QStringLiteral("🟠 warning");
    case Severity::Info:
        break;
    }
    return QStringLiteral("🔵 info");
}

QString violationLine(const policy::Violation& v, bool withNamespace = true) {
    const QString object = v.ns.isEmpty() || !withNamespace
                               ? v.kind + QLatin1Char(' ') + v.name
                               : v.kind + QLatin1Char(' ') + v.ns + QLatin1Char('/') + v.name;
    QString where = object;
    if (!v.container.isEmpty())
        where += QStringLiteral(" container ") + v.container;
    return QStringLiteral("`%1` (%2) %3: %4")
        .arg(v.rule, policy::severityName(v.severity), escapeInline(where),
             escapeInline(v.message));
}

std::vector<std::pair<QString, QString>> runbooks(const AppContext& a) {
    std::vector<std::pair<QString, QString>> out;
    static const QString linkPrefix = QStringLiteral("link.argocd.argoproj.io/");
    for (auto it = a.annotations.cbegin(); it != a.annotations.cend(); ++it) {
        if (it.key().startsWith(linkPrefix))
            out.emplace_back(it.key().mid(linkPrefix.size()), it.value().trimmed());
        else if (it.key() == QLatin1String("runbook") ||
                 it.key().endsWith(QLatin1String("/runbook")))
            out.emplace_back(QStringLiteral("runbook"), it.value().trimmed());
    }
    return out;
}

// The shorter forms of the policy section (Document::policyFolded, policySummary,
// policyDetail). Results are identical across applications when rule, severity, object kind
// and name, container and message are equal; the namespace is shown when they share it.
void buildPolicyForms(const DescriptionInput& in, Document& d) {
    struct Group {
        bool introduced = true;
        const policy::Violation* first = nullptr;
        bool sameNamespace = true;
        QStringList apps;
    };
    std::vector<Group> groups;
    QHash<QString, std::size_t> index;
    // Per rule and severity: results and applications, new and fixed apart.
    struct RuleCount {
        bool introduced = true;
        const policy::Violation* first = nullptr;
        int results = 0;
        QSet<QString> apps;
    };
    std::vector<RuleCount> rules;
    QHash<QString, std::size_t> ruleIndex;
    auto add = [&](bool introduced, const QString& app, const policy::Violation& v) {
        const QChar sep(0x1f);
        const QString prefix = (introduced ? QStringLiteral("new") : QStringLiteral("fixed")) +
                               sep + v.rule + sep + policy::severityName(v.severity);
        const QString key =
            prefix + sep + v.kind + sep + v.name + sep + v.container + sep + v.message;
        const auto found = index.constFind(key);
        if (found == index.cend()) {
            index.insert(key, groups.size());
            groups.push_back({introduced, &v, true, {app}});
        } else {
            Group& g = groups[*found];
            g.sameNamespace = g.sameNamespace && g.first->ns == v.ns;
            if (!g.apps.contains(app))
                g.apps << app;
        }
        const auto r = ruleIndex.constFind(prefix);
        if (r == ruleIndex.cend()) {
            ruleIndex.insert(prefix, rules.size());
            rules.push_back({introduced, &v, 1, {app}});
        } else {
            ++rules[*r].results;
            rules[*r].apps.insert(app);
        }
    };
    for (const PolicyDelta& p : in.policy) {
        for (const policy::Violation& v : p.introduced)
            add(true, p.app, v);
        for (const policy::Violation& v : p.fixed)
            add(false, p.app, v);
    }
    const std::vector<Atom> head(d.essential.begin() + d.policyBegin - 1,
                                 d.essential.begin() + d.policyBegin); // "N new, M fixed."
    d.policyFolded = head;
    for (const Group& g : groups) {
        const QString what = g.introduced ? QStringLiteral("New") : QStringLiteral("Fixed");
        if (g.apps.size() == 1) {
            d.policyFolded.push_back({QStringLiteral("- %1 in %2: %3\n")
                                          .arg(what, escapeInline(g.apps.front()),
                                               violationLine(*g.first, g.sameNamespace)),
                                      {}});
            continue;
        }
        QStringList apps;
        for (const QString& a : g.apps)
            apps << escapeInline(a);
        d.policyFolded.push_back(
            {QStringLiteral("- %1 in %2 applications: %3 — %4\n")
                 .arg(what)
                 .arg(g.apps.size())
                 .arg(violationLine(*g.first, g.sameNamespace), apps.join(QStringLiteral(", "))),
             {}});
    }
    std::stable_sort(rules.begin(), rules.end(), [](const RuleCount& a, const RuleCount& b) {
        if (a.introduced != b.introduced)
            return a.introduced;
        if (a.first->severity != b.first->severity)
            return a.first->severity > b.first->severity;
        return a.first->rule < b.first->rule;
    });
    d.policySummary = head;
    for (const RuleCount& r : rules) {
        d.policySummary.push_back(
            {QStringLiteral("- %1 `%2` (%3): %4 result%5 in %6 application%7\n")
                 .arg(r.introduced ? QStringLiteral("New") : QStringLiteral("Fixed"), r.first->rule,
                      policy::severityName(r.first->severity))
                 .arg(r.results)
                 .arg(r.results == 1 ? QString() : QStringLiteral("s"))
                 .arg(r.apps.size())
                 .arg(r.apps.size() == 1 ? QString() : QStringLiteral("s")),
             {}});
    }
    d.policySummary.push_back(
        {QStringLiteral("\n_Each result is listed per application in the comments._\n"), {}});
    d.policyDetail.push_back({QStringLiteral("### Policy results per application\n\n"), {}});
    d.policyDetail.insert(d.policyDetail.end(), d.essential.begin() + d.policyBegin,
                          d.essential.begin() + d.policyEnd);
    d.policyDetail.push_back({QStringLiteral("\n"), {}});
}

Document buildDocument(const DescriptionInput& in, const DescriptionOptions& options,
                       const QStringList& lines) {
    Document d;
    // Summary.
    {
        QString s = QStringLiteral("### Summary\n\n");
        if (lines.isEmpty())
            s += QStringLiteral("No rendered object changes.\n");
        d.essential.push_back({s, {}});
        for (const QString& l : lines)
            d.essential.push_back({QStringLiteral("- ") + escapeInline(l) + QLatin1Char('\n'), {}});
        d.essential.push_back({QStringLiteral("\n"), {}});
    }
    // Impacted applications by cluster and environment.
    {
        std::vector<const AppChanges*> apps;
        for (const AppChanges& a : in.apps)
            apps.push_back(&a);
        std::stable_sort(apps.begin(), apps.end(), [](const AppChanges* x, const AppChanges* y) {
            return std::tie(x->app.cluster, x->app.environment, x->app.app) <
                   std::tie(y->app.cluster, y->app.environment, y->app.app);
        });
        const QString header = QStringLiteral(
            "| Cluster | Environment | Application | Instance | Namespace | Objects |\n"
            "|---|---|---|---|---|---|\n");
        d.essential.push_back(
            {QStringLiteral("### Impacted applications (%1)\n\n").arg(apps.size()) + header, {}});
        for (const AppChanges* a : apps) {
            int added = 0, removed = 0, changed = 0;
            for (const ObjectChange& c : a->changes) {
                if (c.change == ObjectChange::Added)
                    ++added;
                else if (c.change == ObjectChange::Removed)
                    ++removed;
                else
                    ++changed;
            }
            QString objects =
                a->changes.empty()
                    ? QStringLiteral("no change")
                    : QStringLiteral("+%1 −%2 ~%3").arg(added).arg(removed).arg(changed);
            QString env = a->app.environment;
            if (a->app.production)
                env += QStringLiteral(" (production)");
            d.essential.push_back(
                {QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |\n")
                     .arg(escapeCell(a->app.cluster), escapeCell(env), escapeCell(a->app.app),
                          escapeCell(a->app.instance), escapeCell(a->app.destNamespace), objects),
                 header});
        }
        d.essential.push_back({QStringLiteral("\n"), {}});
    }
    // Risks.
    {
        d.essential.push_back({QStringLiteral("### Risks (%1)\n\n").arg(in.risks.size()), {}});
        if (in.risks.empty())
            d.essential.push_back({QStringLiteral("No risk rule matched.\n"), {}});
        for (const Risk& r : in.risks) {
            QString where = r.app.isEmpty() ? QStringLiteral("all applications") : r.app;
            d.essential.push_back({QStringLiteral("- %1 **%2** `%3` (%4): %5\n")
                                       .arg(severityBadge(r.severity), escapeInline(r.title),
                                            r.rule, escapeInline(where), escapeInline(r.reason)),
                                   {}});
        }
        d.essential.push_back({QStringLiteral("\n"), {}});
    }
    // Policy results.
    {
        d.essential.push_back({QStringLiteral("### Policy results\n\n"), {}});
        if (!in.policyChecked) {
            d.essential.push_back({QStringLiteral("The policy engine did not run.\n"), {}});
        } else {
            int introduced = 0, fixed = 0;
            for (const PolicyDelta& p : in.policy) {
                introduced += int(p.introduced.size());
                fixed += int(p.fixed.size());
            }
            d.essential.push_back(
                {QStringLiteral("%1 new, %2 fixed.\n").arg(introduced).arg(fixed), {}});
            d.policyBegin = d.essential.size();
            for (const PolicyDelta& p : in.policy) {
                for (const policy::Violation& v : p.introduced)
                    d.essential.push_back({QStringLiteral("- New in %1: %2\n")
                                               .arg(escapeInline(p.app), violationLine(v)),
                                           {}});
                for (const policy::Violation& v : p.fixed)
                    d.essential.push_back({QStringLiteral("- Fixed in %1: %2\n")
                                               .arg(escapeInline(p.app), violationLine(v)),
                                           {}});
            }
            d.policyEnd = d.essential.size();
            buildPolicyForms(in, d);
        }
        d.essential.push_back({QStringLiteral("\n"), {}});
    }
    // Required approvals.
    if (in.codeOwners) {
        d.essential.push_back(
            {QStringLiteral("### Required approvals (%1)\n\n").arg(in.codeOwners->file()), {}});
        const std::vector<RequiredApproval> approvals =
            requiredApprovals(*in.codeOwners, in.changedFiles);
        if (approvals.empty())
            d.essential.push_back(
                {QStringLiteral("No owner is listed for the changed files.\n"), {}});
        for (const RequiredApproval& a : approvals) {
            QString files = a.files.mid(0, 3).join(QStringLiteral("`, `"));
            if (a.files.size() > 3)
                files += QStringLiteral("` and %1 more").arg(a.files.size() - 3);
            else
                files += QLatin1Char('`');
            d.essential.push_back(
                {QStringLiteral("- %1%2%3: `%4\n")
                     .arg(a.section.isEmpty() ? QString() : QStringLiteral("[%1] ").arg(a.section),
                          a.owners.join(QStringLiteral(", ")),
                          a.optional ? QStringLiteral(" (optional)") : QString(), files),
                 {}});
        }
        d.essential.push_back({QStringLiteral("\n"), {}});
    }
    // Runbooks.
    {
        std::vector<Atom> links;
        QSet<QString> seen;
        for (const AppChanges& a : in.apps) {
            for (const auto& [title, url] : runbooks(a.app)) {
                const QString line = QStringLiteral("- %1: [%2](%3)\n")
                                         .arg(escapeInline(a.app.app), escapeInline(title), url);
                if (!seen.contains(line)) {
                    seen.insert(line);
                    links.push_back({line, {}});
                }
            }
        }
        if (!links.empty()) {
            d.essential.push_back({QStringLiteral("### Runbooks\n\n"), {}});
            d.essential.insert(d.essential.end(), links.begin(), links.end());
            d.essential.push_back({QStringLiteral("\n"), {}});
        }
    }
    // Per-application details.
    for (const AppChanges& a : in.apps) {
        if (a.changes.empty())
            continue;
        AppSection s;
        s.app = &a;
        QStringList where;
        if (!a.app.cluster.isEmpty())
            where << a.app.cluster;
        if (!a.app.environment.isEmpty())
            where << a.app.environment;
        s.summaryLine = QStringLiteral("<b>%1</b>%2 — %3 object%4")
                            .arg(escapeInline(appLabel(a.app)),
                                 where.isEmpty() ? QString()
                                                 : QStringLiteral(" (%1)").arg(escapeInline(
                                                       where.join(QStringLiteral(", ")))))
                            .arg(a.changes.size())
                            .arg(a.changes.size() == 1 ? QString() : QStringLiteral("s"));
        s.lines = summarizeAppChanges(a);
        for (const ObjectChange& c : a.changes) {
            ObjectSection o;
            QString change = changeName(c.change);
            if (c.change == ObjectChange::Renamed)
                change += QStringLiteral(" from ") +
                          (c.oldNs.isEmpty() ? c.oldName : c.oldNs + QLatin1Char('/') + c.oldName);
            o.heading = QStringLiteral("#### %1 (%2)").arg(escapeInline(c.displayName()), change);
            o.diff = objectDiffLines(c, options.diffContext);
            s.signature += o.heading + QLatin1Char('\n') + o.diff.join(QLatin1Char('\n'));
            s.objects.push_back(std::move(o));
        }
        d.apps.push_back(std::move(s));
    }
    // Footer.
    {
        QSet<QString> clusters, renderers;
        int objects = 0;
        for (const AppChanges& a : in.apps) {
            if (!a.app.cluster.isEmpty())
                clusters.insert(a.app.cluster);
            if (!a.renderer.isEmpty())
                renderers.insert(a.renderer);
            objects += int(a.changes.size());
        }
        int errors = 0;
        for (const Risk& r : in.risks)
            errors += r.severity == Severity::Error ? 1 : 0;
        QStringList parts;
        parts << QStringLiteral("%1 application%2 on %3 cluster%4")
                     .arg(in.apps.size())
                     .arg(in.apps.size() == 1 ? QString() : QStringLiteral("s"))
                     .arg(clusters.size())
                     .arg(clusters.size() == 1 ? QString() : QStringLiteral("s"));
        parts << QStringLiteral("%1 object change%2")
                     .arg(objects)
                     .arg(objects == 1 ? QString() : QStringLiteral("s"));
        parts << QStringLiteral("%1 risk%2 (%3 error%4)")
                     .arg(in.risks.size())
                     .arg(in.risks.size() == 1 ? QString() : QStringLiteral("s"))
                     .arg(errors)
                     .arg(errors == 1 ? QString() : QStringLiteral("s"));
        QStringList r = renderers.values();
        r.sort();
        if (!r.isEmpty())
            parts << QStringLiteral("rendered with ") + r.join(QStringLiteral(", "));
        if (!in.baseRevision.isEmpty() || !in.headRevision.isEmpty())
            parts << QStringLiteral("`%1` → `%2`").arg(in.baseRevision, in.headRevision);
        if (in.elapsedMs >= 0)
            parts << QStringLiteral("described in %1 s")
                         .arg(double(in.elapsedMs) / 1000.0, 0, 'f', 1);
        d.footer = QStringLiteral("---\n<sub>Sextant · ") + parts.join(QStringLiteral(" · ")) +
                   QStringLiteral("</sub>\n");
    }
    return d;
}

// suggestTitle() from summary lines already made.
QString titleFromSummary(const DescriptionInput& input, const QStringList& lines) {
    QString what = lines.isEmpty() ? QStringLiteral("No rendered changes") : lines.front();
    const int in = what.lastIndexOf(QStringLiteral(" in "));
    if (in > 0 && !what.startsWith(QLatin1String("… ")))
        what = what.left(in);
    QStringList envs;
    for (const AppChanges& a : input.apps) {
        if (!a.app.environment.isEmpty() && !envs.contains(a.app.environment))
            envs << a.app.environment;
    }
    QString where;
    if (!envs.isEmpty() && envs.size() <= 3)
        where = QStringLiteral(" in ") + envs.join(QStringLiteral(", "));
    else if (input.apps.size() > 1)
        where = QStringLiteral(" in %1 applications").arg(input.apps.size());
    else if (input.apps.size() == 1)
        where = QStringLiteral(" in ") + input.apps.front().app.app;
    QString title = what + where;
    if (title.size() > 72)
        title = title.left(71) + QStringLiteral("…");
    return title;
}

} // namespace

QString suggestTitle(const DescriptionInput& input) {
    return titleFromSummary(input, summarizeChanges(input.apps));
}

Description buildDescription(const DescriptionInput& input, const DescriptionOptions& options) {
    Description out;
    const QStringList summary = summarizeChanges(input.apps);
    out.title = titleFromSummary(input, summary);
    Document d = buildDocument(input, options, summary);
    const int budget = std::max(1000, options.budget);

    // (1) Fold applications whose changes repeat an earlier one's (the same overlay change in
    // every environment is the common case).
    if (totalSize(d) > budget) {
        std::map<QString, int> first;
        for (int i = 0; i < int(d.apps.size()); ++i) {
            const auto [it, inserted] = first.emplace(d.apps[i].signature, i);
            if (!inserted) {
                d.apps[i].foldedInto = it->second;
                d.apps[i].invalidate();
                ++out.foldedApps;
            }
        }
    }
    // (2) Omit the largest diffs first until it fits.
    int size = totalSize(d);
    if (size > budget) {
        struct Candidate {
            ObjectSection* object;
            AppSection* app;
            int size;
        };
        std::vector<Candidate> sections;
        for (AppSection& s : d.apps) {
            if (s.foldedInto >= 0)
                continue;
            for (ObjectSection& o : s.objects)
                sections.push_back({&o, &s, o.size()});
        }
        std::stable_sort(sections.begin(), sections.end(),
                         [](const Candidate& a, const Candidate& b) { return a.size > b.size; });
        for (const Candidate& c : sections) {
            if (size <= budget)
                break;
            c.object->omitted = true;
            c.app->invalidate();
            size -= c.size - c.object->size();
            ++out.omittedDiffs;
        }
        size = totalSize(d);
    }
    if (size <= budget) {
        out.parts << joinAll(d);
        return out;
    }
    // (3) Split: the description keeps everything essential and the footer, comments carry the
    // details. Policy results that would push the rest out of the description are folded across
    // applications first; if that is still too long the description keeps a summary per rule
    // and the per-application results go to the comments.
    out.split = true;
    auto essentialWith = [&](const std::vector<Atom>* policy) {
        if (!policy)
            return d.essential;
        std::vector<Atom> atoms(d.essential.begin(), d.essential.begin() + d.policyBegin - 1);
        atoms.insert(atoms.end(), policy->begin(), policy->end());
        atoms.insert(atoms.end(), d.essential.begin() + d.policyEnd, d.essential.end());
        return atoms;
    };
    const int footerReserve = int(d.footer.size());
    QStringList parts = pack(d.essential, budget, footerReserve);
    bool policyInComments = false;
    if (parts.size() > 1 && d.policyEnd > d.policyBegin) {
        parts = pack(essentialWith(&d.policyFolded), budget, footerReserve);
        if (parts.size() > 1) {
            parts = pack(essentialWith(&d.policySummary), budget, footerReserve);
            policyInComments = true;
        }
    }
    parts.first() += d.footer;
    std::vector<Atom> details;
    if (policyInComments)
        details = d.policyDetail;
    if (!d.apps.empty())
        details.push_back({d.detailsHeading, {}});
    for (const AppSection& s : d.apps) {
        const QString text = renderApp(s, d.apps) + QLatin1Char('\n');
        if (text.size() <= budget - kPartReserve - 400) {
            details.push_back({text, {}});
            continue;
        }
        // One <details> per object when a whole application does not fit one comment.
        for (const ObjectSection& o : s.objects) {
            details.push_back(
                {QStringLiteral("<details><summary>%1 — %2</summary>\n\n%3</details>\n\n")
                     .arg(s.summaryLine, o.heading.mid(5), renderObject(o)),
                 {}});
        }
    }
    const QStringList more = pack(details, budget);
    if (!more.isEmpty()) {
        const QString what =
            !policyInComments ? QStringLiteral("Per-application object diffs")
            : d.apps.empty()  ? QStringLiteral("Policy results per application")
                              : QStringLiteral("Policy results and object diffs per application");
        parts.last() += QStringLiteral("\n_%1 follow in %2 comment%3._\n")
                            .arg(what)
                            .arg(more.size())
                            .arg(more.size() == 1 ? QString() : QStringLiteral("s"));
        for (const QString& p : more)
            parts << p;
    }
    // Number the parts once, across the description and its comments.
    const int n = int(parts.size());
    for (int i = 0; i < n; ++i) {
        if (i > 0)
            parts[i].prepend(QStringLiteral("_Continued from the previous part (%1 of %2)._\n\n")
                                 .arg(i + 1)
                                 .arg(n));
        if (i + 1 < n)
            parts[i] += QStringLiteral("\n_Continued in the next comment (part %1 of %2)._\n")
                            .arg(i + 2)
                            .arg(n);
    }
    out.parts = parts;
    return out;
}

nlohmann::json descriptionJson(const DescriptionInput& input) {
    using nlohmann::json;
    auto s = [](const QString& q) { return q.toStdString(); };
    json j;
    j["summary"] = json::array();
    for (const QString& l : summarizeChanges(input.apps))
        j["summary"].push_back(s(l));
    j["changes"] = json::array();
    for (const AppChanges& a : input.apps) {
        for (const ObjectChange& c : a.changes) {
            json fields = json::array();
            for (const FieldChange& f : c.fields)
                fields.push_back({{"path", s(f.path)},
                                  {"change", s(fieldChangeKindName(f.kind))},
                                  {"before", s(f.before)},
                                  {"after", s(f.after)}});
            json change = {{"app", s(a.app.app)},
                           {"instance", s(a.app.instance)},
                           {"cluster", s(a.app.cluster)},
                           {"apiVersion", s(c.apiVersion)},
                           {"kind", s(c.kind)},
                           {"namespace", s(c.ns)},
                           {"name", s(c.name)},
                           {"change", s(changeName(c.change))},
                           {"fields", fields}};
            if (c.change == ObjectChange::Renamed) {
                change["oldName"] = s(c.oldName);
                change["oldNamespace"] = s(c.oldNs);
            }
            j["changes"].push_back(change);
        }
    }
    j["risks"] = json::array();
    for (const Risk& r : input.risks)
        j["risks"].push_back({{"rule", s(r.rule)},
                              {"severity", s(policy::severityName(r.severity))},
                              {"title", s(r.title)},
                              {"reason", s(r.reason)},
                              {"app", s(r.app)},
                              {"object", s(r.object)}});
    auto violation = [&](const policy::Violation& v) {
        return json{{"rule", s(v.rule)},       {"severity", s(policy::severityName(v.severity))},
                    {"kind", s(v.kind)},       {"namespace", s(v.ns)},
                    {"name", s(v.name)},       {"container", s(v.container)},
                    {"message", s(v.message)}, {"file", s(v.file)},
                    {"line", v.line}};
    };
    j["policy"] = json::array();
    for (const PolicyDelta& p : input.policy) {
        json entry = {{"app", s(p.app)}, {"new", json::array()}, {"fixed", json::array()}};
        for (const policy::Violation& v : p.introduced)
            entry["new"].push_back(violation(v));
        for (const policy::Violation& v : p.fixed)
            entry["fixed"].push_back(violation(v));
        j["policy"].push_back(entry);
    }
    j["approvals"] = json::array();
    if (input.codeOwners) {
        for (const RequiredApproval& a : requiredApprovals(*input.codeOwners, input.changedFiles)) {
            json owners = json::array(), files = json::array();
            for (const QString& o : a.owners)
                owners.push_back(s(o));
            for (const QString& f : a.files)
                files.push_back(s(f));
            j["approvals"].push_back({{"section", s(a.section)},
                                      {"owners", owners},
                                      {"optional", a.optional},
                                      {"files", files}});
        }
    }
    return j;
}

int providerBudget(const QString& provider) {
    const QString p = provider.toLower();
    if (p == QLatin1String("gitlab"))
        return 1048576;
    if (p == QLatin1String("bitbucket-server") || p == QLatin1String("bitbucket-datacenter"))
        return 32768;
    return 65536;
}

} // namespace sextant::gitops
