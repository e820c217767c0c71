#pragma once

#include "gitops/objectdiff.h"

#include <QMap>
#include <QString>
#include <QStringList>

#include <vector>

namespace sextant::gitops {

// One application a change reaches, as the summary, the risk rules and the description need
// it (the impact map's AppRef is mapped onto this by the caller).
struct AppContext {
    QString app;
    QString instance;
    QString cluster;
    QString environment;
    QString destNamespace;
    bool production = false;
    QMap<QString, QString> annotations;
};

// The object changes of one application between base and head.
struct AppChanges {
    AppContext app;
    std::vector<ObjectChange> changes;
    QString renderer;  // how base and head were rendered ("kubectl-kustomize", "raw", ...)
    QStringList notes; // renderer notes (missing tools, paths not in a revision)
    QStringList files; // changed files that reach this application
};

struct SummaryOptions {
    int maxLines = 30;    // beyond this, one "… and N more" line
    bool clusters = true; // say where ("on prod-eu", "on 2 clusters")
};

// Plain-word lines for a set of applications, identical changes grouped across them:
//   image web 1.4.2 → 1.5.0 in 3 Deployments on 2 clusters
//   replicas 2 → 4 in Deployment shop/web on prod-eu
//   ConfigMap shop/web-config: LOG_LEVEL added
//   2 objects added, 1 removed (CronJob shop/cleanup)
// Images first, then replicas, other fields, data keys, and added/removed/renamed objects last.
QStringList summarizeChanges(const std::vector<AppChanges>& apps,
                             const SummaryOptions& options = {});
// The same for one application (no cluster names: the application says where).
QStringList summarizeAppChanges(const AppChanges& app);

} // namespace sextant::gitops
