#include "changesummary.h"

#include "gitops/imageref.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace sextant::gitops {

namespace {

const QString kArrow = QStringLiteral(" → ");

QString plural(const QString& kind, int n) {
    if (n == 1 || kind.endsWith(QLatin1String("Endpoints")))
        return kind;
    if (kind.endsWith(QLatin1Char('y')) && kind.size() > 1 &&
        !QStringLiteral("aeiou").contains(kind.at(kind.size() - 2)))
        return kind.left(kind.size() - 1) + QStringLiteral("ies");
    if (kind.endsWith(QLatin1Char('s')) || kind.endsWith(QLatin1Char('x')) ||
        kind.endsWith(QLatin1String("ch")) || kind.endsWith(QLatin1String("sh")))
        return kind + QStringLiteral("es");
    return kind + QLatin1Char('s');
}

// Field paths read shorter without the pod template's prefix.
QString shortPath(const QString& path) {
    for (const char* prefix : {"spec.jobTemplate.spec.template.spec.", "spec.template.spec."}) {
        if (path.startsWith(QLatin1String(prefix)))
            return path.mid(int(qstrlen(prefix)));
    }
    return path;
}

struct Occurrence {
    QString app;
    QString cluster;
    QString kind;
    QString object; // display name
};

struct Statement {
    int order = 3; // 0 image, 1 replicas, 2 other fields, 3 data keys
    QString text;
    bool namesObject = false; // the text already says which object
    std::vector<Occurrence> where;
};

QString objectsPhrase(const std::vector<Occurrence>& where) {
    if (where.size() == 1)
        return where.front().object;
    QMap<QString, int> byKind;
    for (const Occurrence& o : where)
        ++byKind[o.kind];
    QStringList parts;
    for (auto it = byKind.cbegin(); it != byKind.cend(); ++it)
        parts << QStringLiteral("%1 %2").arg(it.value()).arg(plural(it.key(), it.value()));
    if (parts.size() > 1) {
        const QString last = parts.takeLast();
        return parts.join(QStringLiteral(", ")) + QStringLiteral(" and ") + last;
    }
    return parts.join(QString());
}

QString clustersPhrase(const std::vector<Occurrence>& where) {
    QSet<QString> clusters;
    const QString* first = nullptr;
    for (const Occurrence& o : where) {
        if (o.cluster.isEmpty())
            continue;
        if (!first)
            first = &o.cluster;
        clusters.insert(o.cluster);
    }
    if (clusters.isEmpty())
        return {};
    if (clusters.size() == 1)
        return QStringLiteral(" on ") + *first;
    return QStringLiteral(" on %1 clusters").arg(clusters.size());
}

QString appsPhrase(const std::vector<Occurrence>& where, bool withClusters) {
    QSet<QString> apps;
    for (const Occurrence& o : where)
        apps.insert(o.app);
    const QString clusters = withClusters ? clustersPhrase(where) : QString();
    if (apps.size() <= 1)
        return clusters;
    return QStringLiteral(" (%1 applications%2)").arg(apps.size()).arg(clusters);
}

QString valueChange(const FieldChange& f) {
    switch (f.kind) {
    case FieldChange::Kind::Added:
        return QStringLiteral(" added (%1)").arg(f.after);
    case FieldChange::Kind::Removed:
        return QStringLiteral(" removed (was %1)").arg(f.before);
    case FieldChange::Kind::Modified:
        break;
    }
    return QLatin1Char(' ') + f.before + kArrow + f.after;
}

// The data/stringData key of a field path of a ConfigMap or Secret, or empty.
QString dataKey(const QString& path) {
    static const QRegularExpression re(
        QStringLiteral(R"re(^(?:data|stringData|binaryData)(?:\.([^.\[]+)|\["(.*)"\])$)re"));
    const QRegularExpressionMatch m = re.match(path);
    if (!m.hasMatch())
        return {};
    return m.captured(1).isEmpty() ? m.captured(2) : m.captured(1);
}

class Collector {
public:
    void add(const AppContext& app, const ObjectChange& c) {
        const Occurrence where{app.app, app.cluster, c.kind, c.displayName()};
        switch (c.change) {
        case ObjectChange::Added:
            m_added.push_back(where);
            return;
        case ObjectChange::Removed:
            m_removed.push_back(where);
            return;
        case ObjectChange::Renamed: {
            Occurrence r = where;
            r.object = c.kind + QLatin1Char(' ') +
                       (c.oldNs.isEmpty() ? c.oldName : c.oldNs + QLatin1Char('/') + c.oldName) +
                       kArrow + (c.ns.isEmpty() ? c.name : c.ns + QLatin1Char('/') + c.name);
            m_renamed.push_back(r);
            break; // its field changes are summarised too
        }
        case ObjectChange::Changed:
            break;
        }
        static const QRegularExpression image(QStringLiteral(
            R"((?:^|\.)(?:initContainers|containers|ephemeralContainers)\[[^\]]+\]\.image$)"));
        QStringList added, removed, changed;
        const bool data = c.kind == QLatin1String("ConfigMap") || c.isSecret();
        for (const FieldChange& f : c.fields) {
            if (data) {
                const QString key = dataKey(f.path);
                if (!key.isEmpty()) {
                    (f.kind == FieldChange::Kind::Added     ? added
                     : f.kind == FieldChange::Kind::Removed ? removed
                                                            : changed)
                        << key;
                    continue;
                }
            }
            if (image.match(f.path).hasMatch() && f.kind == FieldChange::Kind::Modified) {
                const ImageRef a = parseImageRef(f.before);
                const ImageRef b = parseImageRef(f.after);
                const QString text =
                    a.repository == b.repository
                        ? QStringLiteral("image %1 %2%3%4")
                              .arg(a.repository.section(QLatin1Char('/'), -1),
                                   a.version().isEmpty() ? QStringLiteral("(no tag)") : a.version(),
                                   kArrow,
                                   b.version().isEmpty() ? QStringLiteral("(no tag)") : b.version())
                        : QStringLiteral("image %1%2%3").arg(f.before, kArrow, f.after);
                statement(0, text, false, where);
                continue;
            }
            if (f.path == QLatin1String("spec.replicas")) {
                statement(1, QStringLiteral("replicas") + valueChange(f), false, where);
                continue;
            }
            statement(2, shortPath(f.path) + valueChange(f), false, where);
        }
        if (!added.isEmpty() || !removed.isEmpty() || !changed.isEmpty()) {
            QStringList parts;
            if (!added.isEmpty())
                parts << added.join(QStringLiteral(", ")) + QStringLiteral(" added");
            if (!changed.isEmpty())
                parts << changed.join(QStringLiteral(", ")) + QStringLiteral(" changed");
            if (!removed.isEmpty())
                parts << removed.join(QStringLiteral(", ")) + QStringLiteral(" removed");
            statement(3, c.displayName() + QStringLiteral(": ") + parts.join(QStringLiteral("; ")),
                      true, where);
        }
    }

    QStringList lines(const SummaryOptions& options) const {
        std::vector<const Statement*> sorted;
        for (const Statement& s : m_statements)
            sorted.push_back(&s);
        std::stable_sort(sorted.begin(), sorted.end(), [](const Statement* a, const Statement* b) {
            if (a->order != b->order)
                return a->order < b->order;
            return a->where.size() > b->where.size();
        });
        QStringList out;
        for (const Statement* s : sorted) {
            if (s->namesObject)
                out << s->text + appsPhrase(s->where, options.clusters);
            else
                out << s->text + QStringLiteral(" in ") + objectsPhrase(s->where) +
                           (options.clusters ? clustersPhrase(s->where) : QString());
        }
        const QString objects = objectsLine();
        int limit = std::max(1, options.maxLines);
        if (!objects.isEmpty())
            --limit;
        if (out.size() > limit) {
            const qsizetype more = out.size() - (limit - 1);
            out = out.mid(0, limit - 1);
            out << QStringLiteral("… and %1 more field changes").arg(more);
        }
        if (!objects.isEmpty())
            out << objects;
        return out;
    }

private:
    void statement(int order, const QString& text, bool namesObject, const Occurrence& where) {
        // Statements are found by their text and occurrences by application and object through
        // hashes: a change reaching hundreds of applications stays linear.
        const QString occurrence = where.app + QChar(0x1f) + where.object;
        const auto found = m_index.constFind(text);
        if (found != m_index.cend()) {
            Statement& s = m_statements[*found];
            // The same object in the same application counts once (a field changed twice).
            if (m_seen[*found].contains(occurrence))
                return;
            m_seen[*found].insert(occurrence);
            s.where.push_back(where);
            return;
        }
        m_index.insert(text, m_statements.size());
        m_seen.push_back({occurrence});
        m_statements.push_back({order, text, namesObject, {where}});
    }

    static QString names(const std::vector<Occurrence>& list) {
        QStringList distinct;
        QSet<QString> seen;
        for (const Occurrence& o : list) {
            if (seen.contains(o.object))
                continue;
            seen.insert(o.object);
            distinct << o.object;
            if (distinct.size() > 3)
                return {};
        }
        return QStringLiteral(" (") + distinct.join(QStringLiteral(", ")) + QLatin1Char(')');
    }

    QString objectsLine() const {
        QStringList parts;
        const auto count = [](std::size_t n, const char* what, bool first) {
            return first ? QStringLiteral("%1 %2 %3")
                               .arg(n)
                               .arg(n == 1 ? QStringLiteral("object") : QStringLiteral("objects"))
                               .arg(QLatin1String(what))
                         : QStringLiteral("%1 %2").arg(n).arg(QLatin1String(what));
        };
        if (!m_added.empty())
            parts << count(m_added.size(), "added", parts.isEmpty()) + names(m_added);
        if (!m_removed.empty())
            parts << count(m_removed.size(), "removed", parts.isEmpty()) + names(m_removed);
        if (!m_renamed.empty())
            parts << count(m_renamed.size(), "renamed", parts.isEmpty()) + names(m_renamed);
        return parts.join(QStringLiteral(", "));
    }

    std::vector<Statement> m_statements;
    QHash<QString, qsizetype> m_index; // text → index in m_statements
    std::vector<QSet<QString>> m_seen; // per statement: application and object
    std::vector<Occurrence> m_added, m_removed, m_renamed;
};

} // namespace

QStringList summarizeChanges(const std::vector<AppChanges>& apps, const SummaryOptions& options) {
    Collector c;
    for (const AppChanges& a : apps) {
        for (const ObjectChange& change : a.changes)
            c.add(a.app, change);
    }
    return c.lines(options);
}

QStringList summarizeAppChanges(const AppChanges& app) {
    SummaryOptions options;
    options.clusters = false;
    options.maxLines = 1000;
    return summarizeChanges({app}, options);
}

} // namespace sextant::gitops
