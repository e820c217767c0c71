#include "reportformat.h"

#include <QLocale>
#include <QMap>
#include <QRegularExpression>
#include <functional>

namespace sextant::report {

namespace {

QString number(qsizetype n) {
    return QLocale(QLocale::English).toString(qlonglong(n));
}

QString plural(qsizetype n, const char* one, const char* many) {
    return number(n) + QLatin1Char(' ') + QString::fromLatin1(n == 1 ? one : many);
}

QString day(const QDateTime& t) {
    return QLocale(QLocale::English).toString(t.toUTC(), QStringLiteral("d MMM yyyy"));
}

QString stamp(const QDateTime& t) {
    if (!t.isValid())
        return QStringLiteral("—");
    return QLocale(QLocale::English).toString(t.toUTC(), QStringLiteral("d MMM HH:mm"));
}

QString iso(const QDateTime& t) {
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

// Git SHAs shortened like git does; tags and branches stay.
QString shortRevision(const QString& rev) {
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{40}$"));
    if (sha.match(rev).hasMatch())
        return rev.left(7);
    return rev.size() > 24 ? rev.left(23) + QStringLiteral("…") : rev;
}

QString delta(int now, int before) {
    const int d = now - before;
    if (d == 0)
        return QStringLiteral("%1 (no change)").arg(number(now));
    return QStringLiteral("%1 → %2 (%3%4)")
        .arg(number(before), number(now), d > 0 ? QStringLiteral("+") : QStringLiteral("−"),
             number(std::abs(d)));
}

QString environmentTitle(const QString& env) {
    return env.isEmpty() ? env : env.left(1).toUpper() + env.mid(1);
}

bool failedResult(const QString& result) {
    return result == QLatin1String("Failed") || result == QLatin1String("Error");
}

// Failed syncs first (they are what a reader looks for), but at most half of the shown rows
// when successful syncs are waiting: "what changed" must still show what went out. Newest first
// within each part; the cut rows follow (the renderers stop at limits.changes).
QVector<const ChangeEntry*> orderedChanges(const FleetReport& r) {
    QVector<const ChangeEntry*> failed, others;
    for (const ChangeEntry& c : r.changes)
        (failedResult(c.result) ? failed : others) << &c;
    const qsizetype cap = r.limits.changes;
    const qsizetype takeFailed = std::min(failed.size(), std::max(cap / 2, cap - others.size()));
    QVector<const ChangeEntry*> out = failed.mid(0, takeFailed);
    const qsizetype takeOthers = std::min(others.size(), cap - takeFailed);
    out += others.mid(0, takeOthers);
    out += failed.mid(takeFailed);
    out += others.mid(takeOthers);
    return out;
}

// "production 5, staging 4, development 3"
template <typename T>
QString perEnvironment(const QVector<T>& items) {
    QMap<QPair<int, QString>, int> byRank;
    for (const T& i : items)
        ++byRank[qMakePair(i.environmentRank, i.environment)];
    QStringList parts;
    for (auto it = byRank.cbegin(); it != byRank.cend(); ++it)
        parts << QStringLiteral("%1 in %2").arg(number(it.value()), it.key().second);
    return parts.join(QStringLiteral(", "));
}

QString changesLine(const FleetReport& r) {
    int running = 0;
    int succeeded = 0;
    for (const ChangeEntry& c : r.changes) {
        if (c.result == QLatin1String("Succeeded"))
            ++succeeded;
        else if (c.result == QLatin1String("Running") || c.result == QLatin1String("Terminating"))
            ++running;
    }
    QStringList parts;
    if (r.changesFailed)
        parts << QStringLiteral("%1 failed").arg(number(r.changesFailed));
    if (running)
        parts << QStringLiteral("%1 running").arg(number(running));
    parts << QStringLiteral("%1 succeeded").arg(number(succeeded));
    return QStringLiteral("%1 on %2: %3")
        .arg(plural(r.changes.size(), "sync", "syncs"),
             plural(r.changedApps, "application", "applications"),
             parts.join(QStringLiteral(", ")));
}

struct DriftGroup {
    QString category;
    QString reason;
    QVector<const DriftApp*> apps;
    int autoSync = 0;
};

QVector<DriftGroup> driftGroups(const FleetReport& r) {
    QVector<DriftGroup> groups;
    for (const DriftApp& d : r.drift) {
        auto it = std::find_if(groups.begin(), groups.end(), [&](const DriftGroup& g) {
            return g.category == d.category && g.reason == d.reason;
        });
        if (it == groups.end()) {
            groups.push_back({d.category, d.reason, {}, 0});
            it = groups.end() - 1;
        }
        it->apps << &d;
        if (d.autoSync)
            ++it->autoSync;
    }
    // Infrastructure first, then the largest groups.
    std::stable_sort(groups.begin(), groups.end(), [](const DriftGroup& a, const DriftGroup& b) {
        if (a.category != b.category)
            return a.category == QLatin1String("infrastructure");
        return a.apps.size() > b.apps.size();
    });
    return groups;
}

// One drift reason as a list line: "<reason> — 3 apps (2 in production), 1 without
// auto-sync: a (i, env), b (i, env) and 1 more". `esc` escapes text for the format, `bold`
// wraps the reason; Markdown and HTML differ only in those two.
QString driftLine(const DriftGroup& g, int maxNames,
                  const std::function<QString(const QString&)>& esc,
                  const std::function<QString(const QString&)>& bold) {
    QStringList names;
    for (const DriftApp* d : g.apps) {
        if (names.size() >= maxNames)
            break;
        names << QStringLiteral("%1 (%2, %3)")
                     .arg(esc(d->app), esc(d->instance), esc(d->environment));
    }
    QVector<DriftApp> members;
    for (const DriftApp* d : g.apps)
        members << *d;
    QString line = QStringLiteral("%1 — %2 (%3)")
                       .arg(bold(esc(g.reason)), plural(g.apps.size(), "app", "apps"),
                            esc(perEnvironment(members)));
    const qsizetype manual = g.apps.size() - g.autoSync;
    if (manual > 0)
        line += QStringLiteral(", %1 without auto-sync").arg(number(manual));
    line += QStringLiteral(": ") + names.join(QStringLiteral(", "));
    if (g.apps.size() > names.size())
        line += QStringLiteral(" and %1 more").arg(number(g.apps.size() - names.size()));
    return line;
}

QString failingWhere(const FailingApp& f) {
    QString where = f.instance;
    if (!f.cluster.isEmpty())
        where += QStringLiteral(" · ") + f.cluster;
    if (!f.destNamespace.isEmpty())
        where += QLatin1Char('/') + f.destNamespace;
    return where;
}

QString failingWhen(const FleetReport& r, const FailingApp& f) {
    if (!f.since.isValid())
        return {};
    return QStringLiteral("for %1 (since %2 UTC)")
        .arg(formatDuration(f.since.secsTo(r.periodEnd)), stamp(f.since));
}

} // namespace

QString escapeMarkdown(const QString& text) {
    // Balanced `code spans` (the diagnoser writes commands that way) stay code: inside a span
    // Markdown takes every character literally, so nothing there is escaped. An unbalanced
    // backtick is escaped like any other formatting character.
    const bool spans = text.count(QLatin1Char('`')) % 2 == 0;
    bool inCode = false;
    QString out;
    out.reserve(text.size() + 8);
    for (const QChar c : text) {
        if (c == QLatin1Char('\n') || c == QLatin1Char('\r') || c == QLatin1Char('\t')) {
            out += QLatin1Char(' ');
            continue;
        }
        if (c == QLatin1Char('`') && spans) {
            inCode = !inCode;
            out += c;
            continue;
        }
        if (inCode) {
            out += c == QLatin1Char('|') ? QStringLiteral("\\|") : QString(c);
            continue;
        }
        switch (c.unicode()) {
        case '\\':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '|':
        case '<':
        case '>':
        case '#':
        case '~':
            out += QLatin1Char('\\');
            out += c;
            break;
        default:
            out += c;
        }
    }
    return out;
}

QString fleetReportToMarkdown(const FleetReport& r) {
    const auto e = escapeMarkdown;
    QString md;
    md += QStringLiteral("# %1 · %2\n\n").arg(e(r.title), day(r.periodEnd));
    md += QStringLiteral("%1 · %2 · last %3 (%4 → %5 UTC)\n\n")
              .arg(e(r.instances.join(QStringLiteral(", "))),
                   plural(r.totals.apps, "application", "applications"),
                   formatDuration(r.periodStart.secsTo(r.periodEnd)), stamp(r.periodStart),
                   stamp(r.periodEnd));

    // Headline.
    if (r.failing.isEmpty())
        md += QStringLiteral("- **Nothing failing**\n");
    else
        md += QStringLiteral("- **%1 failing**: %2\n")
                  .arg(number(r.failing.size()), perEnvironment(r.failing));
    md +=
        QStringLiteral("- **%1 out of sync**: %2 infrastructure, %3 application\n")
            .arg(number(r.drift.size()), number(r.driftInfrastructure), number(r.driftApplication));
    md += QStringLiteral("- **%1**\n").arg(changesLine(r));
    if (r.previous) {
        QStringList parts;
        if (r.previous->failing >= 0)
            parts << QStringLiteral("failing %1").arg(delta(r.totals.failing, r.previous->failing));
        else
            parts
                << QStringLiteral("degraded %1").arg(delta(r.totals.degraded, r.previous->degraded))
                << QStringLiteral("sync failed %1")
                       .arg(delta(r.totals.syncFailed, r.previous->syncFailed));
        parts << QStringLiteral("out of sync %1")
                     .arg(delta(r.totals.outOfSync, r.previous->outOfSync));
        if (r.previous->apps != r.totals.apps)
            parts << QStringLiteral("applications %1").arg(delta(r.totals.apps, r.previous->apps));
        md += QStringLiteral("- Since the %1 of %2 UTC: %3\n")
                  .arg(r.previous->source, stamp(r.previous->at), parts.join(QStringLiteral(", ")));
    }
    md += QLatin1Char('\n');

    // Needs attention first.
    if (!r.attention.isEmpty()) {
        md += QStringLiteral("## Needs attention first\n\n");
        int n = 0;
        for (const AttentionItem& a : r.attention) {
            md += QStringLiteral("%1. **%2**").arg(++n).arg(e(a.headline));
            if (!a.why.isEmpty())
                md += QStringLiteral(" — %1").arg(e(a.why));
            md += QLatin1Char('\n');
            if (!a.action.isEmpty())
                md += QStringLiteral("   First step: %1\n").arg(e(a.action));
        }
        md += QLatin1Char('\n');
    }

    // What is failing and why, one entry per cause.
    md += QStringLiteral("## What is failing and why\n\n");
    if (r.failing.isEmpty()) {
        md += QStringLiteral("No application is Degraded, Missing or has a failed sync.\n\n");
    } else {
        md += QStringLiteral("%1 in %2, most urgent first (production first; failed syncs and "
                             "Degraded before Missing; longest failing first).\n\n")
                  .arg(plural(r.failing.size(), "failing application", "failing applications"),
                       plural(r.causes.size(), "cause", "causes"));
        int shown = 0;
        for (const CauseGroup& g : r.causes) {
            if (shown >= r.limits.failing)
                break;
            ++shown;
            const FailingApp& f = r.failing[g.members.first()];
            if (g.members.size() == 1) {
                md += QStringLiteral("%1. **%2** · %3 · %4 · %5")
                          .arg(shown)
                          .arg(e(f.app), e(f.environment), e(failingWhere(f)), e(f.status));
                if (const QString when = failingWhen(r, f); !when.isEmpty())
                    md += QStringLiteral(" %1").arg(when);
                md += QLatin1Char('\n');
            } else {
                QVector<FailingApp> members;
                for (int m : g.members)
                    members << r.failing[m];
                md += QStringLiteral("%1. **%2 applications** (%3) · %4")
                          .arg(shown)
                          .arg(number(g.members.size()), perEnvironment(members), e(f.status));
                if (const QString when = failingWhen(r, f); !when.isEmpty())
                    md += QStringLiteral(" %1").arg(when);
                md += QLatin1Char('\n');
            }
            if (g.diagnosed) {
                QString by =
                    QStringLiteral("%1, %2%").arg(e(g.category)).arg(qRound(g.confidence * 100));
                if (g.members.size() > 1)
                    by += QStringLiteral(", diagnosed on %1").arg(e(g.diagnosedOn));
                md += QStringLiteral("   - Root cause (%1): %2\n").arg(by, e(g.why));
                if (!g.firstStep.isEmpty())
                    md += QStringLiteral("   - First step: %1\n").arg(e(g.firstStep));
            } else if (!g.why.isEmpty()) {
                md += QStringLiteral("   - %1 (not diagnosed): %2\n")
                          .arg(f.operationMessage.isEmpty() ? e(f.health) : QStringLiteral("Sync"),
                               e(g.why));
            } else {
                md += QStringLiteral("   - Not diagnosed; Argo CD gives no message\n");
            }
            if (g.members.size() > 1) {
                QStringList names;
                for (int m : g.members) {
                    if (names.size() >= r.limits.appsPerCause)
                        break;
                    names << QStringLiteral("%1 (%2)").arg(e(r.failing[m].app),
                                                           e(failingWhere(r.failing[m])));
                }
                md += QStringLiteral("   - Applications: %1").arg(names.join(QStringLiteral(", ")));
                if (g.members.size() > names.size())
                    md +=
                        QStringLiteral(" and %1 more").arg(number(g.members.size() - names.size()));
                md += QLatin1Char('\n');
            }
        }
        if (r.causes.size() > shown) {
            int rest = 0;
            for (qsizetype i = shown; i < r.causes.size(); ++i)
                rest += int(r.causes[i].members.size());
            md += QStringLiteral("\n…and %1 more causes (%2; full list in the JSON report).\n")
                      .arg(number(r.causes.size() - shown),
                           plural(rest, "application", "applications"));
        }
        md += QLatin1Char('\n');
    }

    // What changed.
    md += QStringLiteral("## What changed (last %1)\n\n")
              .arg(formatDuration(r.periodStart.secsTo(r.periodEnd)));
    if (r.changes.isEmpty()) {
        md += QStringLiteral("No sync in the period.\n\n");
    } else {
        md += changesLine(r) + QStringLiteral(".\n\n");
        md += QStringLiteral("| Started (UTC) | Application | Where | Revision | Result | By |\n"
                             "|---|---|---|---|---|---|\n");
        const auto ordered = orderedChanges(r);
        int shown = 0;
        for (const ChangeEntry* c : ordered) {
            if (shown++ >= r.limits.changes)
                break;
            const QString rev = shortRevision(c->revision).remove(QLatin1Char('`'));
            md += QStringLiteral("| %1 | %2 | %3 · %4 | %5 | %6 | %7 |\n")
                      .arg(stamp(c->startedAt.isValid() ? c->startedAt : c->finishedAt), e(c->app),
                           e(c->instance), e(c->environment),
                           rev.isEmpty() ? QStringLiteral("—") : QStringLiteral("`%1`").arg(rev),
                           failedResult(c->result) ? QStringLiteral("**%1**").arg(e(c->result))
                                                   : e(c->result),
                           c->initiatedBy.isEmpty() ? QStringLiteral("—") : e(c->initiatedBy));
        }
        if (ordered.size() > r.limits.changes)
            md += QStringLiteral("\n…and %1 more syncs.\n")
                      .arg(number(ordered.size() - r.limits.changes));
        md += QLatin1Char('\n');
    }

    // Drift.
    md += QStringLiteral("## Drift: %1 out of sync\n\n")
              .arg(plural(r.drift.size(), "application", "applications"));
    if (r.drift.isEmpty()) {
        md += QStringLiteral("Every application matches Git.\n\n");
    } else {
        QString category;
        for (const DriftGroup& g : driftGroups(r)) {
            if (g.category != category) {
                if (!category.isEmpty())
                    md += QLatin1Char('\n');
                category = g.category;
                const int n = category == QLatin1String("infrastructure") ? r.driftInfrastructure
                                                                          : r.driftApplication;
                md += QStringLiteral("### %1 (%2)\n\n").arg(environmentTitle(category)).arg(n);
            }
            md += QStringLiteral("- ") +
                  driftLine(g, r.limits.driftPerReason, e,
                            [](const QString& t) { return QStringLiteral("**%1**").arg(t); }) +
                  QLatin1Char('\n');
        }
        md += QLatin1Char('\n');
    }

    // Fleet at a glance.
    md += QStringLiteral("## Fleet at a glance\n\n"
                         "| Instance | Environment | Apps | Healthy | Degraded | Missing | Sync "
                         "failed | Out of sync | Progressing |\n"
                         "|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
    for (const InstanceEnvCounts& row : r.breakdown) {
        const ReportCounts& c = row.counts;
        md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 | %8 | %9 |\n")
                  .arg(e(row.instance), e(row.environment), number(c.apps), number(c.healthy),
                       number(c.degraded), number(c.missing), number(c.syncFailed),
                       number(c.outOfSync), number(c.progressing));
    }
    const ReportCounts& t = r.totals;
    md += QStringLiteral("| **Total** | | **%1** | %2 | %3 | %4 | %5 | %6 | %7 |\n\n")
              .arg(number(t.apps), number(t.healthy), number(t.degraded), number(t.missing),
                   number(t.syncFailed), number(t.outOfSync), number(t.progressing));

    for (const QString& note : r.notes)
        md += QStringLiteral("_%1_\n\n").arg(e(note));
    md += QStringLiteral("_Generated by Sextant %1 at %2 UTC._\n")
              .arg(QStringLiteral(SEXTANT_VERSION), stamp(r.generatedAt));
    return md;
}

QString fleetReportToHtml(const FleetReport& r) {
    auto h = [](const QString& s) { return s.toHtmlEscaped(); };
    QString html;
    html += QStringLiteral(
                "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>%1 · "
                "%2</title>\n<style>\n"
                "body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
                "max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d232a;line-height:1.45}\n"
                "h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:1.8rem;"
                "border-bottom:1px solid "
                "#d0d7de;padding-bottom:.2rem}h3{font-size:1rem;margin-bottom:.3rem}\n"
                ".sub{color:#57606a}.kpis{font-size:1.05rem}"
                ".kpis b{font-size:1.35rem}.bad{color:#b42318}.warn{color:#9a6700}\n"
                "table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid "
                "#d0d7de;padding:.25rem "
                ".45rem;text-align:left;vertical-align:top}th{background:#f6f8fa}"
                "td.n{text-align:right}\ncode{font-family:ui-monospace,Menlo,Consolas,monospace;"
                "font-size:.85rem}li{margin:.25rem 0}.note{color:#57606a;font-size:.85rem}\n"
                "@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}"
                "tr,li{page-break-inside:avoid}}\n"
                "</style></head><body>\n")
                .arg(h(r.title), h(day(r.periodEnd)));
    html += QStringLiteral("<h1>%1 · %2</h1>\n<p class=\"sub\">%3 · %4 · last %5 (%6 → %7 "
                           "UTC)</p>\n")
                .arg(h(r.title), h(day(r.periodEnd)), h(r.instances.join(QStringLiteral(", "))),
                     h(plural(r.totals.apps, "application", "applications")),
                     h(formatDuration(r.periodStart.secsTo(r.periodEnd))), h(stamp(r.periodStart)),
                     h(stamp(r.periodEnd)));
    // Plain inline text with separators: Qt's rich-text engine (the console's preview) has no
    // inline-block, and a mail client may strip the style sheet.
    html += QStringLiteral("<p class=\"kpis\">");
    html += QStringLiteral("<span%1><b>%2</b> failing</span>")
                .arg(r.failing.isEmpty() ? QString() : QStringLiteral(" class=\"bad\""),
                     number(r.failing.size()));
    html +=
        QStringLiteral(" &nbsp;·&nbsp; <span%1><b>%2</b> out of sync (%3 infrastructure)</span>")
            .arg(r.drift.isEmpty() ? QString() : QStringLiteral(" class=\"warn\""),
                 number(r.drift.size()), number(r.driftInfrastructure));
    html += QStringLiteral(" &nbsp;·&nbsp; <b>%1</b> syncs (%2 failed)</p>\n")
                .arg(number(r.changes.size()), number(r.changesFailed));
    if (!r.failing.isEmpty())
        html += QStringLiteral("<p>Failing: %1.</p>\n").arg(h(perEnvironment(r.failing)));
    if (r.previous) {
        QStringList parts;
        if (r.previous->failing >= 0)
            parts << QStringLiteral("failing %1").arg(delta(r.totals.failing, r.previous->failing));
        parts << QStringLiteral("out of sync %1")
                     .arg(delta(r.totals.outOfSync, r.previous->outOfSync));
        parts << QStringLiteral("degraded %1").arg(delta(r.totals.degraded, r.previous->degraded));
        html += QStringLiteral("<p>Since the %1 of %2 UTC: %3.</p>\n")
                    .arg(h(r.previous->source), h(stamp(r.previous->at)),
                         h(parts.join(QStringLiteral(", "))));
    }

    if (!r.attention.isEmpty()) {
        html += QStringLiteral("<h2>Needs attention first</h2>\n<ol>\n");
        for (const AttentionItem& a : r.attention) {
            html += QStringLiteral("<li><b>%1</b>").arg(h(a.headline));
            if (!a.why.isEmpty())
                html += QStringLiteral(" — %1").arg(h(a.why));
            if (!a.action.isEmpty())
                html += QStringLiteral("<br>First step: %1").arg(h(a.action));
            html += QStringLiteral("</li>\n");
        }
        html += QStringLiteral("</ol>\n");
    }

    html += QStringLiteral("<h2>What is failing and why</h2>\n");
    if (r.failing.isEmpty()) {
        html +=
            QStringLiteral("<p>No application is Degraded, Missing or has a failed sync.</p>\n");
    } else {
        html +=
            QStringLiteral(
                "<p>%1 in %2, most urgent first.</p>\n<table><tr><th>#</th><th>Applications</th>"
                "<th>Status</th><th>Why</th><th>First step</th></tr>\n")
                .arg(h(plural(r.failing.size(), "failing application", "failing applications")),
                     h(plural(r.causes.size(), "cause", "causes")));
        int shown = 0;
        for (const CauseGroup& g : r.causes) {
            if (shown >= r.limits.failing)
                break;
            ++shown;
            const FailingApp& f = r.failing[g.members.first()];
            QString apps;
            if (g.members.size() == 1) {
                apps = QStringLiteral("<b>%1</b><br><span class=\"note\">%2 · %3</span>")
                           .arg(h(f.app), h(f.environment), h(failingWhere(f)));
            } else {
                QVector<FailingApp> members;
                for (int m : g.members)
                    members << r.failing[m];
                QStringList names;
                for (int m : g.members) {
                    if (names.size() >= r.limits.appsPerCause)
                        break;
                    names << h(QStringLiteral("%1 (%2)").arg(r.failing[m].app,
                                                             failingWhere(r.failing[m])));
                }
                apps = QStringLiteral(
                           "<b>%1 applications</b> (%2)<br><span class=\"note\">%3%4</span>")
                           .arg(number(g.members.size()), h(perEnvironment(members)),
                                names.join(QStringLiteral(", ")),
                                g.members.size() > names.size()
                                    ? QStringLiteral(" and %1 more")
                                          .arg(number(g.members.size() - names.size()))
                                    : QString());
            }
            QString status = h(f.status);
            if (const QString when = failingWhen(r, f); !when.isEmpty())
                status += QStringLiteral("<br><span class=\"note\">%1</span>").arg(h(when));
            QString why;
            if (g.diagnosed) {
                QString by =
                    QStringLiteral("%1, %2%").arg(h(g.category)).arg(qRound(g.confidence * 100));
                if (g.members.size() > 1)
                    by += QStringLiteral(", diagnosed on %1").arg(h(g.diagnosedOn));
                why = QStringLiteral("%1 <span class=\"note\">(%2)</span>").arg(h(g.why), by);
            } else {
                why =
                    g.why.isEmpty()
                        ? QStringLiteral("<span class=\"note\">not diagnosed; no message</span>")
                        : h(g.why) + QStringLiteral(" <span class=\"note\">(not diagnosed)</span>");
            }
            html +=
                QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</td></tr>\n")
                    .arg(shown)
                    .arg(apps, status, why, h(g.firstStep));
        }
        html += QStringLiteral("</table>\n");
        if (r.causes.size() > shown)
            html += QStringLiteral("<p>…and %1 more causes (full list in the JSON report).</p>\n")
                        .arg(number(r.causes.size() - shown));
    }

    html += QStringLiteral("<h2>What changed (last %1)</h2>\n")
                .arg(h(formatDuration(r.periodStart.secsTo(r.periodEnd))));
    if (r.changes.isEmpty()) {
        html += QStringLiteral("<p>No sync in the period.</p>\n");
    } else {
        html += QStringLiteral("<p>%1.</p>\n<table><tr><th>Started (UTC)</th><th>Application</th>"
                               "<th>Where</th><th>Revision</th><th>Result</th><th>By</th></tr>\n")
                    .arg(h(changesLine(r)));
        const auto ordered = orderedChanges(r);
        int shown = 0;
        for (const ChangeEntry* c : ordered) {
            if (shown++ >= r.limits.changes)
                break;
            html +=
                QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3 · %4</td><td><code>%5</code>"
                               "</td><td%6>%7</td><td>%8</td></tr>\n")
                    .arg(h(stamp(c->startedAt.isValid() ? c->startedAt : c->finishedAt)), h(c->app),
                         h(c->instance), h(c->environment), h(shortRevision(c->revision)),
                         failedResult(c->result) ? QStringLiteral(" class=\"bad\"") : QString(),
                         h(c->result),
                         h(c->initiatedBy.isEmpty() ? QStringLiteral("—") : c->initiatedBy));
        }
        html += QStringLiteral("</table>\n");
        if (ordered.size() > r.limits.changes)
            html += QStringLiteral("<p>…and %1 more syncs.</p>\n")
                        .arg(number(ordered.size() - r.limits.changes));
    }

    html += QStringLiteral("<h2>Drift: %1 out of sync</h2>\n")
                .arg(h(plural(r.drift.size(), "application", "applications")));
    if (r.drift.isEmpty()) {
        html += QStringLiteral("<p>Every application matches Git.</p>\n");
    } else {
        QString category;
        for (const DriftGroup& g : driftGroups(r)) {
            if (g.category != category) {
                if (!category.isEmpty())
                    html += QStringLiteral("</ul>\n");
                category = g.category;
                const int n = category == QLatin1String("infrastructure") ? r.driftInfrastructure
                                                                          : r.driftApplication;
                html += QStringLiteral("<h3>%1 (%2)</h3>\n<ul>\n")
                            .arg(h(environmentTitle(category)))
                            .arg(n);
            }
            html += QStringLiteral("<li>") +
                    driftLine(g, r.limits.driftPerReason, h,
                              [](const QString& t) { return QStringLiteral("<b>%1</b>").arg(t); }) +
                    QStringLiteral("</li>\n");
        }
        html += QStringLiteral("</ul>\n");
    }

    html += QStringLiteral("<h2>Fleet at a glance</h2>\n<table><tr><th>Instance</th>"
                           "<th>Environment</th><th>Apps</th><th>Healthy</th><th>Degraded</th>"
                           "<th>Missing</th><th>Sync failed</th><th>Out of sync</th>"
                           "<th>Progressing</th></tr>\n");
    auto countRow = [&](const QString& a, const QString& b, const ReportCounts& c, bool bold) {
        const QString open = bold ? QStringLiteral("<b>") : QString();
        const QString close = bold ? QStringLiteral("</b>") : QString();
        return QStringLiteral("<tr><td>%1%2%3</td><td>%4</td>").arg(open, h(a), close, h(b)) +
               QStringLiteral(
                   "<td class=\"n\">%1</td><td class=\"n\">%2</td><td class=\"n\">%3</td>"
                   "<td class=\"n\">%4</td><td class=\"n\">%5</td><td class=\"n\">%6</td>"
                   "<td class=\"n\">%7</td></tr>\n")
                   .arg(number(c.apps), number(c.healthy), number(c.degraded), number(c.missing),
                        number(c.syncFailed), number(c.outOfSync), number(c.progressing));
    };
    for (const InstanceEnvCounts& row : r.breakdown)
        html += countRow(row.instance, row.environment, row.counts, false);
    html += countRow(QStringLiteral("Total"), QString(), r.totals, true);
    html += QStringLiteral("</table>\n");
    for (const QString& note : r.notes)
        html += QStringLiteral("<p class=\"note\">%1</p>\n").arg(h(note));
    html +=
        QStringLiteral("<p class=\"note\">Generated by Sextant %1 at %2 UTC.</p>\n</body></html>\n")
            .arg(h(QStringLiteral(SEXTANT_VERSION)), h(stamp(r.generatedAt)));
    return html;
}

nlohmann::ordered_json fleetReportToJson(const FleetReport& r) {
    using J = nlohmann::ordered_json;
    auto s = [](const QString& v) { return v.toStdString(); };
    auto counts = [](const ReportCounts& c) {
        return J{{"apps", c.apps},
                 {"healthy", c.healthy},
                 {"degraded", c.degraded},
                 {"missing", c.missing},
                 {"progressing", c.progressing},
                 {"suspended", c.suspended},
                 {"unknownHealth", c.unknownHealth},
                 {"synced", c.synced},
                 {"outOfSync", c.outOfSync},
                 {"syncFailed", c.syncFailed},
                 {"failing", c.failing}};
    };
    J doc;
    doc["format"] = kFleetReportFormat;
    doc["title"] = s(r.title);
    doc["generatedAt"] = s(iso(r.generatedAt));
    doc["period"] = J{{"start", s(iso(r.periodStart))},
                      {"end", s(iso(r.periodEnd))},
                      {"seconds", r.periodStart.secsTo(r.periodEnd)}};
    J instances = J::array();
    for (const QString& i : r.instances)
        instances.push_back(s(i));
    doc["instances"] = instances;
    doc["summary"] = s(r.summaryLine());
    doc["totals"] = counts(r.totals);
    J breakdown = J::array();
    for (const InstanceEnvCounts& row : r.breakdown) {
        J j{{"instance", s(row.instance)}, {"environment", s(row.environment)}};
        j.update(counts(row.counts));
        breakdown.push_back(j);
    }
    doc["breakdown"] = breakdown;
    if (r.previous) {
        J p{{"at", s(iso(r.previous->at))},
            {"source", s(r.previous->source)},
            {"apps", r.previous->apps}};
        p["failing"] = r.previous->failing >= 0 ? J(r.previous->failing) : J(nullptr);
        p["degraded"] = r.previous->degraded;
        p["syncFailed"] = r.previous->syncFailed;
        p["outOfSync"] = r.previous->outOfSync;
        doc["previous"] = p;
    } else {
        doc["previous"] = nullptr;
    }
    J attention = J::array();
    for (const AttentionItem& a : r.attention)
        attention.push_back(J{{"appKey", s(a.appKey)},
                              {"headline", s(a.headline)},
                              {"why", s(a.why)},
                              {"action", s(a.action)}});
    doc["attention"] = attention;
    J failing = J::array();
    for (const FailingApp& f : r.failing) {
        J j{{"appKey", s(f.appKey)},
            {"app", s(f.app)},
            {"instance", s(f.instance)},
            {"environment", s(f.environment)},
            {"project", s(f.project)},
            {"cluster", s(f.cluster)},
            {"namespace", s(f.destNamespace)},
            {"status", s(f.status)},
            {"health", s(f.health)},
            {"sync", s(f.sync)},
            {"operation", s(f.operation)},
            {"since", f.since.isValid() ? J(s(iso(f.since))) : J(nullptr)},
            {"message", s(f.message)},
            {"operationMessage", s(f.operationMessage)},
            {"blastRadius", f.blastRadius},
            {"diagnosed", f.diagnosed}};
        if (f.diagnosed)
            j["diagnosis"] = J{{"category", s(f.category)},
                               {"rootCause", s(f.rootCause)},
                               {"firstStep", s(f.firstStep)},
                               {"confidence", f.confidence},
                               {"resource", s(f.resource)}};
        failing.push_back(j);
    }
    J causes = J::array();
    for (const CauseGroup& g : r.causes) {
        J apps = J::array();
        for (int m : g.members)
            apps.push_back(s(r.failing[m].appKey));
        causes.push_back(J{{"status", s(g.status)},
                           {"why", s(g.why)},
                           {"firstStep", s(g.firstStep)},
                           {"diagnosed", g.diagnosed},
                           {"category", s(g.category)},
                           {"confidence", g.confidence},
                           {"diagnosedOn", s(g.diagnosedOn)},
                           {"production", g.production},
                           {"apps", apps}});
    }
    doc["failing"] = J{{"total", r.failing.size()},
                       {"diagnosed", r.diagnosed},
                       {"items", failing},
                       {"causes", causes}};
    J changes = J::array();
    for (const ChangeEntry& c : r.changes)
        changes.push_back(
            J{{"appKey", s(c.appKey)},
              {"app", s(c.app)},
              {"instance", s(c.instance)},
              {"environment", s(c.environment)},
              {"project", s(c.project)},
              {"cluster", s(c.cluster)},
              {"revision", s(c.revision)},
              {"startedAt", c.startedAt.isValid() ? J(s(iso(c.startedAt))) : J(nullptr)},
              {"finishedAt", c.finishedAt.isValid() ? J(s(iso(c.finishedAt))) : J(nullptr)},
              {"result", s(c.result)},
              {"initiatedBy", s(c.initiatedBy)},
              {"message", s(c.message)}});
    doc["changes"] = J{{"source", s(r.changeSource)},
                       {"total", r.changes.size()},
                       {"failed", r.changesFailed},
                       {"apps", r.changedApps},
                       {"items", changes}};
    J drift = J::array();
    for (const DriftApp& d : r.drift)
        drift.push_back(J{{"appKey", s(d.appKey)},
                          {"app", s(d.app)},
                          {"instance", s(d.instance)},
                          {"environment", s(d.environment)},
                          {"project", s(d.project)},
                          {"cluster", s(d.cluster)},
                          {"namespace", s(d.destNamespace)},
                          {"category", s(d.category)},
                          {"reason", s(d.reason)},
                          {"autoSync", d.autoSync}});
    doc["drift"] = J{{"total", r.drift.size()},
                     {"infrastructure", r.driftInfrastructure},
                     {"application", r.driftApplication},
                     {"items", drift}};
    J notes = J::array();
    for (const QString& n : r.notes)
        notes.push_back(s(n));
    doc["notes"] = notes;
    return doc;
}

QByteArray fleetReportToJsonText(const FleetReport& r, int indent) {
    return QByteArray::fromStdString(fleetReportToJson(r).dump(indent));
}

} // namespace sextant::report
