#include "gitops/prdraft.h"

#include "gitops/codeowners.h"
#include "gitops/objectdiff.h"
#include "gitops/render.h"
#include "gitops/riskrules.h"

#include <QElapsedTimer>
#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QThread>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <optional>

namespace sextant::gitops {

bool isProductionName(const QString& name) {
    static const QRegularExpression separators(QStringLiteral("[^a-z0-9]+"));
    const QStringList tokens = name.toLower().split(separators, Qt::SkipEmptyParts);
    for (qsizetype i = 0; i < tokens.size(); ++i) {
        const QString& t = tokens[i];
        if (t != QLatin1String("prod") && t != QLatin1String("production") &&
            t != QLatin1String("prd"))
            continue;
        // "non-prod", "pre-prod" are not production.
        if (i > 0 &&
            (tokens[i - 1] == QLatin1String("non") || tokens[i - 1] == QLatin1String("pre")))
            continue;
        return true;
    }
    return false;
}

namespace {

// Applications given by the caller plus those defined in the repository at this revision; a
// definition in the repository wins over a copy of the same application from elsewhere only
// when the caller had none (the live object is what Argo CD renders).
std::vector<AppRef> appsAt(const RepoTree& tree, const ChangeRequest& request, QStringList& notes) {
    std::vector<AppRef> apps = request.apps;
    QSet<QString> keys;
    QSet<QString> names;
    for (AppRef& app : apps) {
        if (app.cluster.isEmpty() || app.environment.isEmpty())
            resolveClusterAndEnvironment(app, request.clusters);
        keys.insert(app.key());
        names.insert(app.name);
    }
    QStringList repoNotes;
    for (AppRef& app : applicationsInRepo(tree, request.repoURL, request.clusters, &repoNotes)) {
        if (keys.contains(app.key()) || names.contains(app.name))
            continue;
        keys.insert(app.key());
        apps.push_back(std::move(app));
    }
    for (const QString& n : repoNotes)
        if (!notes.contains(n))
            notes.append(n);
    return apps;
}

bool inThisRepo(const AppSourceRef& source, const QString& repoURL) {
    return repoURL.isEmpty() || sameRepo(source.repoURL, repoURL);
}

// The render inputs of an application's sources that live in this repository. A Helm chart
// from a chart repository renders nothing here; its value files in this repository still count
// (they reach the app), but without the chart there is nothing to diff: noted.
std::vector<RenderInput> renderInputs(const AppRef& app, const QString& repoURL,
                                      QStringList& notes) {
    std::vector<RenderInput> out;
    for (const AppSourceRef& source : app.sources) {
        if (!inThisRepo(source, repoURL))
            continue;
        if (!source.ref.isEmpty() && source.path.isEmpty())
            continue; // a values-only source: reached through the chart source's $ref files
        if (!source.chart.isEmpty() && source.path.isEmpty()) {
            notes.append(QStringLiteral("%1: the chart %2 comes from a chart repository; its "
                                        "values change but the chart is not rendered here")
                             .arg(app.name, source.chart));
            continue;
        }
        const auto path = normalisePath(source.path);
        if (!path) {
            notes.append(QStringLiteral("%1: source path %2 leaves the repository")
                             .arg(app.name, source.path));
            continue;
        }
        RenderInput input;
        input.path = *path;
        input.releaseName = app.name;
        input.ns = app.destNamespace;
        for (const QString& file : source.valueFiles) {
            if (file.startsWith(QLatin1Char('$'))) {
                const qsizetype slash = file.indexOf(QLatin1Char('/'));
                const QString ref = file.mid(1, slash < 0 ? -1 : slash - 1);
                const AppSourceRef* refSource = nullptr;
                for (const AppSourceRef& s : app.sources)
                    if (s.ref == ref)
                        refSource = &s;
                if (!refSource || !inThisRepo(*refSource, repoURL) || slash < 0) {
                    notes.append(QStringLiteral("%1: value file %2 is in another repository")
                                     .arg(app.name, file));
                    continue;
                }
                if (const auto p = normalisePath(file.mid(slash + 1)))
                    input.valueFiles.append(*p);
            } else if (const auto p = joinPath(input.path, file)) {
                input.valueFiles.append(*p);
            }
        }
        out.push_back(std::move(input));
    }
    return out;
}

struct Rendered {
    std::vector<policy::KubeObject> objects;
    QString renderer;
};

Rendered renderAll(SourceRenderer& renderer, const std::vector<RenderInput>& inputs,
                   const QString& app, const QString& side, QStringList& notes) {
    Rendered out;
    for (const RenderInput& input : inputs) {
        auto rendered = renderer.render(input);
        if (!rendered) {
            notes.append(QStringLiteral("%1 (%2): %3").arg(app, side, rendered.error().toString()));
            continue;
        }
        for (const QString& n : rendered->notes)
            notes.append(QStringLiteral("%1 (%2): %3").arg(app, side, n));
        if (out.renderer.isEmpty() || out.renderer == QLatin1String("raw"))
            out.renderer = rendered->renderer;
        for (auto& object : rendered->objects)
            out.objects.push_back(std::move(object));
    }
    return out;
}

} // namespace

Result<ChangeDescription> describeChange(const ChangeRequest& request) {
    if (!request.base || !request.head)
        return Error::make(Error::Kind::Config, QStringLiteral("Nothing to compare"),
                           QStringLiteral("describeChange needs a base and a head revision"));
    QElapsedTimer total;
    total.start();
    ChangeDescription out;

    QElapsedTimer phase;
    phase.start();
    const std::vector<AppRef> baseApps = appsAt(*request.base, request, out.notes);
    const std::vector<AppRef> headApps = appsAt(*request.head, request, out.notes);
    const ImpactMap baseMap(*request.base, request.repoURL, baseApps);
    const ImpactMap headMap(*request.head, request.repoURL, headApps);
    out.impacted = impactedAcross(baseMap, headMap, request.changes);
    if (!request.repoURL.isEmpty() && !headApps.empty()) {
        const bool anyUsesRepo =
            std::any_of(headApps.begin(), headApps.end(), [&](const AppRef& a) {
                return std::any_of(a.sources.begin(), a.sources.end(), [&](const AppSourceRef& s) {
                    return sameRepo(s.repoURL, request.repoURL);
                });
            });
        if (!anyUsesRepo)
            out.notes.append(QStringLiteral("None of the %1 Applications uses %2: if they name "
                                            "this repository by another URL, give that URL "
                                            "(--repo-url)")
                                 .arg(headApps.size())
                                 .arg(request.repoURL));
    }
    for (const ImpactMap* map : {&baseMap, &headMap})
        for (const QString& n : map->notes())
            if (!out.notes.contains(n))
                out.notes.append(n);
    out.impactMs = phase.elapsed();

    // One export per revision, shared by every application's renders.
    phase.restart();
    SourceRenderer baseRenderer(*request.base);
    SourceRenderer headRenderer(*request.head);
    DescriptionInput& input = out.input;
    input.repository = request.repositoryLabel;
    input.baseRevision = request.baseLabel;
    input.headRevision = request.headLabel;
    input.policyChecked = request.policy;
    for (const FileChange& change : request.changes)
        input.changedFiles.append(change.path);
    // Each application renders base and head (a child process per source when a renderer is
    // installed): spread over the cores, results kept in impact order.
    struct AppWork {
        const ImpactEntry* entry = nullptr;
        AppChanges changes;
        std::optional<PolicyDelta> policy;
    };
    std::vector<AppWork> work(out.impacted.size());
    for (std::size_t i = 0; i < work.size(); ++i)
        work[i].entry = &out.impacted[i];
    QThreadPool pool;
    pool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
    // Each side renders with the Application as that revision defines it: an app-of-apps change
    // (a new path, another namespace) must not be read back into the base. An application that
    // exists on one side only renders nothing on the other.
    QHash<QString, const AppRef*> baseByKey;
    QHash<QString, const AppRef*> headByKey;
    for (const AppRef& a : baseMap.apps())
        baseByKey.insert(a.key(), &a);
    for (const AppRef& a : headMap.apps())
        headByKey.insert(a.key(), &a);
    QtConcurrent::blockingMap(&pool, work, [&](AppWork& w) {
        const AppRef& app = w.entry->app;
        QStringList notes;
        const AppRef* baseApp = baseByKey.value(app.key());
        const AppRef* headApp = headByKey.value(app.key());
        const Rendered before =
            baseApp ? renderAll(baseRenderer, renderInputs(*baseApp, request.repoURL, notes),
                                app.name, QStringLiteral("base"), notes)
                    : Rendered{};
        const Rendered after =
            headApp ? renderAll(headRenderer, renderInputs(*headApp, request.repoURL, notes),
                                app.name, QStringLiteral("head"), notes)
                    : Rendered{};
        if (!baseApp)
            notes.append(QStringLiteral("%1 is new in this change").arg(app.name));
        if (!headApp)
            notes.append(QStringLiteral("%1 is removed by this change").arg(app.name));
        notes.removeDuplicates();
        AppChanges& changes = w.changes;
        changes.app.app = app.name;
        changes.app.instance = app.instance;
        changes.app.cluster = app.cluster;
        changes.app.environment = app.environment;
        changes.app.destNamespace = app.destNamespace;
        changes.app.production = isProductionName(app.environment) || isProductionName(app.cluster);
        changes.app.annotations = app.annotations;
        changes.changes = diffObjects(before.objects, after.objects);
        changes.renderer = after.renderer.isEmpty() ? before.renderer : after.renderer;
        changes.notes = notes;
        changes.files = w.entry->files;
        if (request.policy) {
            PolicyDelta delta =
                comparePolicy(app.name, before.objects, after.objects, changes.changes);
            if (!delta.empty())
                w.policy = std::move(delta);
        }
    });
    for (AppWork& w : work) {
        for (const QString& n : w.changes.notes)
            out.notes.append(n);
        if (w.policy)
            input.policy.push_back(std::move(*w.policy));
        input.apps.push_back(std::move(w.changes));
    }
    out.renderMs = phase.elapsed();

    input.risks = assessRisks(input.apps);
    input.codeOwners = CodeOwners::find(*request.head);
    if (!input.codeOwners)
        input.codeOwners = CodeOwners::find(*request.base);
    out.totalMs = total.elapsed();
    input.elapsedMs = out.totalMs;
    out.description = buildDescription(input, request.options);
    out.totalMs = total.elapsed();
    return out;
}

nlohmann::json changeDescriptionJson(const ChangeDescription& d) {
    nlohmann::json j = descriptionJson(d.input);
    nlohmann::json impacted = nlohmann::json::array();
    for (const ImpactEntry& e : d.impacted) {
        nlohmann::json files = nlohmann::json::array();
        for (const QString& f : e.files)
            files.push_back(f.toStdString());
        nlohmann::json reasons = nlohmann::json::array();
        for (const QString& r : e.reasons)
            reasons.push_back(r.toStdString());
        impacted.push_back({{"app", e.app.name.toStdString()},
                            {"instance", e.app.instance.toStdString()},
                            {"cluster", e.app.cluster.toStdString()},
                            {"environment", e.app.environment.toStdString()},
                            {"namespace", e.app.destNamespace.toStdString()},
                            {"files", files},
                            {"reasons", reasons}});
    }
    j["impacted"] = impacted;
    nlohmann::json notes = nlohmann::json::array();
    for (const QString& n : d.notes)
        notes.push_back(n.toStdString());
    j["notes"] = notes;
    j["title"] = d.description.title.toStdString();
    j["markdown"] =
        d.description.parts.isEmpty() ? std::string() : d.description.parts.first().toStdString();
    nlohmann::json overflow = nlohmann::json::array();
    for (qsizetype i = 1; i < d.description.parts.size(); ++i)
        overflow.push_back(d.description.parts[i].toStdString());
    j["overflow"] = overflow;
    j["timings"] = {{"impactMs", d.impactMs}, {"renderMs", d.renderMs}, {"totalMs", d.totalMs}};
    return j;
}

} // namespace sextant::gitops
