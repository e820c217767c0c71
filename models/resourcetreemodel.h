#pragma once

#include "argocd/types.h"

#include <QAbstractItemModel>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QStringList>
#include <QVector>

#include <memory>

#include <nlohmann/json.hpp>

namespace sextant::models {

// One node of an application's resource tree (GET /resource-tree), flattened.
struct ResourceNode {
    QString group;
    QString version;
    QString kind;
    QString resourceNamespace;
    QString name;
    QString uid;
    argocd::HealthStatus health = argocd::HealthStatus::Unknown;
    bool hasHealth = false; // many kinds (ConfigMap, Endpoints) carry no health at all
    QString healthMessage;
    QList<QPair<QString, QString>> info; // "Status Reason", "Containers", "Restart Count", ...
    QStringList images;
    QDateTime createdAt;
    bool orphaned = false;
    int parent = -1; // index into PreparedTree::nodes
    QVector<int> children;
    int depth = 0;
    int subtreeSeverity = 0; // worst problem rank in this subtree (0 = no problem)

    bool notCreated() const { return uid.isEmpty(); }
    // 3 Degraded, 2 Missing, 1 Progressing, 0 anything else.
    int problemRank() const;
    QString infoValue(const QString& name) const;
    // "ImagePullBackOff · containers 0/1 · restarts 3"
    QString statusText() const;
};

// The tree with its nesting resolved and its nodes ranked, built off the GUI thread.
struct PreparedTree {
    QVector<ResourceNode> nodes;
    QVector<int> roots; // ranked: problem subtrees first, then kind/name
    // Every node, most important first: problem nodes (worst first, deepest cause before its
    // owners), their ancestors, then the rest in tree order. The budget takes a prefix of it.
    QVector<int> rankOrder;
    int problemCount = 0;
    // The problem nodes that explain the others: problems without a problem child, worst first.
    QVector<int> rootCauses;
};

// Parses a /resource-tree body (nodes and orphanedNodes), nests nodes by parentRefs (uid, else
// kind/namespace/name; unknown parents and cycles make a node a root) and ranks them. Pure: call
// it from a worker thread.
PreparedTree prepareResourceTree(const nlohmann::json& body);

// The tree as an item model over PreparedTree. Large trees are shown under a node budget: the
// budget takes the rank order's prefix plus every ancestor, so problems are never hidden behind
// healthy nodes. No Widgets.
class ResourceTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        HealthColumn,
        StatusColumn,
        MessageColumn,
        NamespaceColumn,
        ImagesColumn,
        ColumnCount
    };
    enum Role {
        NodeIndexRole = Qt::UserRole + 1, // int, index into tree().nodes
        KindRole,
        HealthRole,      // argocd::HealthStatus as int
        ProblemRankRole, // ResourceNode::problemRank()
        UidRole,
    };
    static constexpr int kDefaultBudget = 500;

    explicit ResourceTreeModel(QObject* parent = nullptr);

    void setTree(std::shared_ptr<const PreparedTree> tree);
    void clear();
    const PreparedTree* tree() const { return m_tree.get(); }
    // 0 = no budget (show everything).
    void setBudget(int budget);
    int budget() const { return m_budget; }
    int totalNodes() const { return m_tree ? int(m_tree->nodes.size()) : 0; }
    int visibleNodes() const { return m_visibleCount; }
    int hiddenNodes() const { return totalNodes() - m_visibleCount; }
    const ResourceNode* node(const QModelIndex& index) const;
    QModelIndex indexOfNode(int nodeIndex, int column = 0) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void rebuild();

    std::shared_ptr<const PreparedTree> m_tree;
    int m_budget = kDefaultBudget;
    int m_visibleCount = 0;
    // Visible children per node (ranked order), and the visible roots; -1 stands for the root.
    QVector<QVector<int>> m_children;
    QVector<int> m_roots;
    QVector<int> m_rowInParent; // per node: its row among its visible siblings, -1 hidden
};

} // namespace sextant::models
