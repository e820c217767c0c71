#pragma once

#include "textdiff.h"

#include <QString>
#include <QStringList>
#include <QVector>

#include <nlohmann/json.hpp>

namespace sextant::diff {

// YAML-like lines for a JSON value, the way `kubectl get -o yaml` reads: keys sorted (as the server
// sends them), block style, multi-line strings as `|` blocks, strings quoted only when needed.
QStringList toYamlLines(const nlohmann::json& value);

// The diff of one managed resource: live (normalizedLiveState) against what live would be after
// a sync (predictedLiveState), as the Argo CD web UI shows it.
struct ResourceDiff {
    enum class Change { Unchanged, Modified, Created, Pruned };
    QString group;
    QString kind;
    QString resourceNamespace;
    QString name;
    Change change = Change::Unchanged;
    bool modified = false; // the server's `modified` flag
    QVector<DiffRow> rows;
    int added = 0;
    int removed = 0;
    int oldLineCount = 0;
    int newLineCount = 0;
    QString parseError; // a state that was not valid JSON (shown instead of rows)

    QString title() const; // "Deployment inventory/inventory-api"
};

struct ManagedDiff {
    QVector<ResourceDiff> resources; // modified first, then the server's order
    int modifiedCount = 0;
    int totalRows = 0;
};

QString toString(ResourceDiff::Change change);

// Computes every resource's diff from a /managed-resources body. Heavy: run it on a worker
// thread (it touches only its arguments).
ManagedDiff computeManagedDiff(const nlohmann::json& body, const DiffOptions& options = {});

} // namespace sextant::diff
