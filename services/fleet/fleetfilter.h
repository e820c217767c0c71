#pragma once

#include "argocd/types.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace sextant::fleet {

// One label condition: `key=value`, `key` (exists) or `!key` (absent).
struct LabelTerm {
    enum class Op { Equals, Exists, Absent };
    QString key;
    QString value;
    Op op = Op::Exists;

    // "env=prod", "env", "!env"; an empty key yields std::nullopt.
    static std::optional<LabelTerm> parse(QStringView text);
    QString toString() const;
    bool matches(const QList<QPair<QString, QString>>& labels) const;
    bool operator==(const LabelTerm&) const = default;
};

// What the fleet table shows: one definition shared by the table's proxy, the dashboard (which
// builds filters for what was clicked) and saved views. Facets are ANDed; the values inside one
// facet are alternatives (instance A or B). Empty facet = no restriction.
//
// Free text is split at whitespace into terms that must all match. A term `label:key=value`,
// `label:key`, `label:!key` or a plain `key=value` is a label condition; every other term is a
// case-insensitive substring of searchText().
class FleetFilter {
public:
    QStringList instances;  // instance ids
    QStringList clusters;   // AppSummary::cluster()
    QStringList namespaces; // destination namespaces
    QStringList projects;
    QList<argocd::SyncStatus> sync;
    QList<argocd::HealthStatus> health;
    // Failed and Error together are what the table shows as "Sync failed".
    QList<argocd::OperationPhase> operations;
    std::optional<bool> autoSync;
    QList<LabelTerm> labels; // all must hold
    bool favouritesOnly = false;
    bool problemsOnly = false; // OutOfSync, not Healthy, or the last sync failed

    void setText(const QString& text);
    const QString& text() const { return m_text; }
    // The plain (non-label) terms of the free text, lower case.
    const QStringList& textTerms() const { return m_terms; }
    // Label terms typed into the free text.
    const QList<LabelTerm>& textLabels() const { return m_textLabels; }

    bool isEmpty() const;
    // Everything, free text included; the text is matched against searchText(app, app.instance).
    bool matches(const argocd::AppSummary& app, bool favourite) const;
    // Everything except the plain free-text terms (for callers that cache searchText()).
    bool matchesFacets(const argocd::AppSummary& app, bool favourite) const;
    // `lowerHaystack` is searchText(); true when every plain term occurs in it.
    bool matchesTerms(QStringView lowerHaystack) const;

    // The lower-case text the free-text terms search: instance, cluster (name and server),
    // namespace, project, application name and namespace, repository, path, labels as k=v.
    static QString searchText(const argocd::AppSummary& app, const QString& instanceName);
    static bool isProblem(const argocd::AppSummary& app);

    // Facet helpers with the UI's vocabulary.
    static QList<argocd::OperationPhase> syncFailedPhases() {
        return {argocd::OperationPhase::Failed, argocd::OperationPhase::Error};
    }

    QJsonObject toJson() const;
    static FleetFilter fromJson(const QJsonObject& json);
    // A short, human description ("cluster prod-eu-1 · health Degraded"), empty when empty.
    QString describe() const;

    bool operator==(const FleetFilter& other) const;
    bool operator!=(const FleetFilter& other) const { return !(*this == other); }

private:
    QString m_text;
    QStringList m_terms;
    QList<LabelTerm> m_textLabels;
};

} // namespace sextant::fleet
