#include "fleetfilter.h"

#include <QJsonArray>

namespace sextant::fleet {

using argocd::AppSummary;
using argocd::HealthStatus;
using argocd::OperationPhase;
using argocd::SyncStatus;

std::optional<LabelTerm> LabelTerm::parse(QStringView text) {
    LabelTerm term;
    if (text.startsWith(u'!')) {
        term.op = Op::Absent;
        term.key = text.mid(1).trimmed().toString();
    } else if (const auto eq = text.indexOf(u'='); eq >= 0) {
        term.op = Op::Equals;
        term.key = text.left(eq).trimmed().toString();
        term.value = text.mid(eq + 1).trimmed().toString();
    } else {
        term.op = Op::Exists;
        term.key = text.trimmed().toString();
    }
    if (term.key.isEmpty())
        return std::nullopt;
    return term;
}

QString LabelTerm::toString() const {
    switch (op) {
    case Op::Equals:
        return key + QLatin1Char('=') + value;
    case Op::Absent:
        return QLatin1Char('!') + key;
    case Op::Exists:
        break;
    }
    return key;
}

bool LabelTerm::matches(const QList<QPair<QString, QString>>& labels) const {
    for (const auto& [k, v] : labels) {
        if (k != key)
            continue;
        switch (op) {
        case Op::Exists:
            return true;
        case Op::Absent:
            return false;
        case Op::Equals:
            return v == value;
        }
    }
    return op == Op::Absent;
}

void FleetFilter::setText(const QString& text) {
    m_text = text;
    m_terms.clear();
    m_textLabels.clear();
    const QStringList tokens = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (const QString& token : tokens) {
        if (token.startsWith(QLatin1String("label:"), Qt::CaseInsensitive)) {
            if (auto term = LabelTerm::parse(QStringView(token).mid(6)))
                m_textLabels.append(*term);
            continue;
        }
        // A plain key=value token is a label condition; "=x" or "x=" are searched as text.
        const auto eq = token.indexOf(QLatin1Char('='));
        if (eq > 0 && eq < token.size() - 1) {
            if (auto term = LabelTerm::parse(token))
                m_textLabels.append(*term);
            continue;
        }
        m_terms.append(token.toLower());
    }
}

bool FleetFilter::isEmpty() const {
    return instances.isEmpty() && clusters.isEmpty() && namespaces.isEmpty() &&
           projects.isEmpty() && sync.isEmpty() && health.isEmpty() && operations.isEmpty() &&
           !autoSync.has_value() && labels.isEmpty() && !favouritesOnly && !problemsOnly &&
           m_terms.isEmpty() && m_textLabels.isEmpty();
}

bool FleetFilter::isProblem(const AppSummary& app) {
    return app.health != HealthStatus::Healthy || app.sync != SyncStatus::Synced ||
           app.syncFailed();
}

bool FleetFilter::matchesFacets(const AppSummary& app, bool favourite) const {
    // Cheapest and most selective checks first.
    if (favouritesOnly && !favourite)
        return false;
    if (problemsOnly && !isProblem(app))
        return false;
    if (!health.isEmpty() && !health.contains(app.health))
        return false;
    if (!sync.isEmpty() && !sync.contains(app.sync))
        return false;
    if (!operations.isEmpty() && !operations.contains(app.operationPhase))
        return false;
    if (autoSync.has_value() && *autoSync != app.autoSync)
        return false;
    if (!instances.isEmpty() && !instances.contains(app.instance))
        return false;
    if (!clusters.isEmpty() &&
        !clusters.contains(app.destName.isEmpty() ? app.destServer : app.destName))
        return false;
    if (!namespaces.isEmpty() && !namespaces.contains(app.destNamespace))
        return false;
    if (!projects.isEmpty() && !projects.contains(app.project))
        return false;
    for (const LabelTerm& term : labels) {
        if (!term.matches(app.labels))
            return false;
    }
    for (const LabelTerm& term : m_textLabels) {
        if (!term.matches(app.labels))
            return false;
    }
    return true;
}

bool FleetFilter::matchesTerms(QStringView lowerHaystack) const {
    for (const QString& term : m_terms) {
        if (!lowerHaystack.contains(term))
            return false;
    }
    return true;
}

bool FleetFilter::matches(const AppSummary& app, bool favourite) const {
    if (!matchesFacets(app, favourite))
        return false;
    return m_terms.isEmpty() || matchesTerms(searchText(app, app.instance));
}

QString FleetFilter::searchText(const AppSummary& app, const QString& instanceName) {
    QString text;
    text.reserve(160);
    const QLatin1Char sp(' ');
    text += instanceName;
    if (instanceName != app.instance)
        text += sp + app.instance;
    text += sp + app.destName + sp + app.destServer + sp + app.destNamespace + sp + app.project +
            sp + app.appNamespace + QLatin1Char('/') + app.name + sp + app.repoURL + sp + app.path;
    for (const auto& [k, v] : app.labels)
        text += sp + k + QLatin1Char('=') + v;
    return std::move(text).toLower(); // in place, no second buffer
}

namespace {

QString phaseName(OperationPhase p) {
    return p == OperationPhase::None ? QStringLiteral("None") : argocd::toString(p);
}

QJsonArray strings(const QStringList& list) {
    return QJsonArray::fromStringList(list);
}

QStringList stringList(const QJsonValue& v) {
    QStringList out;
    for (const QJsonValue& item : v.toArray())
        out << item.toString();
    return out;
}

template <typename T, typename F>
QJsonArray names(const QList<T>& values, F toName) {
    QJsonArray out;
    for (const T& v : values)
        out.append(toName(v));
    return out;
}

} // namespace

QJsonObject FleetFilter::toJson() const {
    QJsonObject o;
    o.insert(QStringLiteral("version"), 1);
    if (!m_text.isEmpty())
        o.insert(QStringLiteral("text"), m_text);
    if (!instances.isEmpty())
        o.insert(QStringLiteral("instances"), strings(instances));
    if (!clusters.isEmpty())
        o.insert(QStringLiteral("clusters"), strings(clusters));
    if (!namespaces.isEmpty())
        o.insert(QStringLiteral("namespaces"), strings(namespaces));
    if (!projects.isEmpty())
        o.insert(QStringLiteral("projects"), strings(projects));
    if (!sync.isEmpty())
        o.insert(QStringLiteral("sync"),
                 names(sync, [](SyncStatus s) { return argocd::toString(s); }));
    if (!health.isEmpty())
        o.insert(QStringLiteral("health"),
                 names(health, [](HealthStatus h) { return argocd::toString(h); }));
    if (!operations.isEmpty())
        o.insert(QStringLiteral("operations"), names(operations, phaseName));
    if (autoSync.has_value())
        o.insert(QStringLiteral("autoSync"), *autoSync);
    if (!labels.isEmpty())
        o.insert(QStringLiteral("labels"),
                 names(labels, [](const LabelTerm& t) { return t.toString(); }));
    if (favouritesOnly)
        o.insert(QStringLiteral("favouritesOnly"), true);
    if (problemsOnly)
        o.insert(QStringLiteral("problemsOnly"), true);
    return o;
}

FleetFilter FleetFilter::fromJson(const QJsonObject& o) {
    FleetFilter f;
    f.setText(o.value(QStringLiteral("text")).toString());
    f.instances = stringList(o.value(QStringLiteral("instances")));
    f.clusters = stringList(o.value(QStringLiteral("clusters")));
    f.namespaces = stringList(o.value(QStringLiteral("namespaces")));
    f.projects = stringList(o.value(QStringLiteral("projects")));
    for (const QString& s : stringList(o.value(QStringLiteral("sync"))))
        f.sync.append(argocd::syncStatusFromString(s));
    for (const QString& s : stringList(o.value(QStringLiteral("health"))))
        f.health.append(argocd::healthStatusFromString(s));
    for (const QString& s : stringList(o.value(QStringLiteral("operations"))))
        f.operations.append(argocd::operationPhaseFromString(s));
    if (o.contains(QStringLiteral("autoSync")))
        f.autoSync = o.value(QStringLiteral("autoSync")).toBool();
    for (const QString& s : stringList(o.value(QStringLiteral("labels")))) {
        if (auto term = LabelTerm::parse(s))
            f.labels.append(*term);
    }
    f.favouritesOnly = o.value(QStringLiteral("favouritesOnly")).toBool();
    f.problemsOnly = o.value(QStringLiteral("problemsOnly")).toBool();
    return f;
}

QString FleetFilter::describe() const {
    QStringList parts;
    auto add = [&parts](const QString& facet, const QStringList& values) {
        if (!values.isEmpty())
            parts << facet + QLatin1Char(' ') + values.join(QLatin1String(" or "));
    };
    add(QStringLiteral("instance"), instances);
    add(QStringLiteral("cluster"), clusters);
    add(QStringLiteral("namespace"), namespaces);
    add(QStringLiteral("project"), projects);
    QStringList values;
    for (SyncStatus s : sync)
        values << argocd::toString(s);
    add(QStringLiteral("sync"), values);
    values.clear();
    for (HealthStatus h : health)
        values << argocd::toString(h);
    add(QStringLiteral("health"), values);
    values.clear();
    QList<OperationPhase> ops = operations;
    if (ops.contains(OperationPhase::Failed) && ops.contains(OperationPhase::Error)) {
        ops.removeAll(OperationPhase::Failed);
        ops.removeAll(OperationPhase::Error);
        values << QStringLiteral("Sync failed");
    }
    for (OperationPhase p : ops)
        values << phaseName(p);
    add(QStringLiteral("operation"), values);
    if (autoSync.has_value())
        parts << (*autoSync ? QStringLiteral("auto-sync on") : QStringLiteral("auto-sync off"));
    for (const LabelTerm& t : labels)
        parts << QStringLiteral("label ") + t.toString();
    if (favouritesOnly)
        parts << QStringLiteral("favourites");
    if (problemsOnly)
        parts << QStringLiteral("problems only");
    if (!m_text.trimmed().isEmpty())
        parts << QLatin1Char('"') + m_text.trimmed() + QLatin1Char('"');
    return parts.join(QStringLiteral(" · "));
}

bool FleetFilter::operator==(const FleetFilter& o) const {
    return instances == o.instances && clusters == o.clusters && namespaces == o.namespaces &&
           projects == o.projects && sync == o.sync && health == o.health &&
           operations == o.operations && autoSync == o.autoSync && labels == o.labels &&
           favouritesOnly == o.favouritesOnly && problemsOnly == o.problemsOnly &&
           m_text == o.m_text;
}

} // namespace sextant::fleet
