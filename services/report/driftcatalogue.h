#pragma once

#include "argocd/types.h"
#include "core/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVector>

namespace sextant::report {

// An environment the report groups by, in the order it is reported (production first).
struct EnvironmentName {
    QString name; // "production", "staging", "development", or "other"
    int rank = 99;
    QStringList aliases; // lower case
};

// One drift rule: every matcher the rule has must match (an empty list matches anything).
struct DriftRule {
    QString category; // "infrastructure" or "application"
    QString reason;   // printed next to the application
    QStringList projects, namespaces, labels, paths, repos, names; // globs, lower-cased
    bool clusterScoped = false; // matches only apps without a destination namespace
};

struct DriftClass {
    QString category;
    QString reason;
};

// The data-driven catalogue behind the report's environments and drift categories
// (resources/report-drift-categories.yaml, compiled in as :/sextant/report-drift-categories.yaml).
// The first matching rule wins; an app no rule matches is "application" / "no rule matched".
class DriftCatalogue {
public:
    // Kind::Config with the file name and the offending entry when the YAML is not valid.
    static Result<DriftCatalogue> fromYaml(const QByteArray& yaml, const QString& fileName);
    // The built-in catalogue (loaded once; empty rules when the resource is broken, logged).
    static const DriftCatalogue& builtin();

    DriftClass classify(const argocd::AppSummary& app) const;
    // The environment of an app: its env label, else the words of its cluster name, else the
    // words of its instance name; "other" (rank 99) when nothing matches.
    const EnvironmentName& environmentOf(const argocd::AppSummary& app,
                                         const QString& instanceName = {}) const;
    // The rank of an environment name (99 for unknown ones).
    int rankOf(const QString& environment) const;

    const QVector<DriftRule>& rules() const { return m_rules; }
    const QVector<EnvironmentName>& environments() const { return m_environments; }

    // Shell-style glob (* and ?), case-insensitive.
    static bool globMatch(const QString& pattern, const QString& text);

private:
    const EnvironmentName* lookupWords(const QString& text) const;

    QStringList m_envLabels;
    QVector<EnvironmentName> m_environments;
    EnvironmentName m_other{QStringLiteral("other"), 99, {}};
    QVector<DriftRule> m_rules;
};

} // namespace sextant::report
