#include "resourcetreemodel.h"

#include "fleetmodel.h"

#include <QColor>
#include <QFont>
#include <QHash>
#include <QSet>

#include <algorithm>

namespace sextant::models {

using argocd::HealthStatus;

namespace {

QString jstr(const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                            : QString();
}

QString identity(const QString& group, const QString& kind, const QString& ns,
                 const QString& name) {
    return group + QLatin1Char('/') + kind + QLatin1Char('/') + ns + QLatin1Char('/') + name;
}

ResourceNode parseNode(const nlohmann::json& n, bool orphaned) {
    ResourceNode node;
    node.group = jstr(n, "group");
    node.version = jstr(n, "version");
    node.kind = jstr(n, "kind");
    node.resourceNamespace = jstr(n, "namespace");
    node.name = jstr(n, "name");
    node.uid = jstr(n, "uid");
    node.orphaned = orphaned;
    if (auto h = n.find("health"); h != n.end() && h->is_object()) {
        const QString status = jstr(*h, "status");
        node.hasHealth = !status.isEmpty();
        node.health = argocd::healthStatusFromString(status);
        node.healthMessage = jstr(*h, "message");
    }
    if (auto info = n.find("info"); info != n.end() && info->is_array()) {
        for (const auto& i : *info)
            if (i.is_object())
                node.info.append({jstr(i, "name"), jstr(i, "value")});
    }
    if (auto images = n.find("images"); images != n.end() && images->is_array()) {
        for (const auto& i : *images)
            if (i.is_string())
                node.images.append(QString::fromStdString(i.get<std::string>()));
    }
    const QString created = jstr(n, "createdAt");
    if (!created.isEmpty())
        node.createdAt = QDateTime::fromString(created, Qt::ISODate);
    return node;
}

} // namespace

int ResourceNode::problemRank() const {
    if (!hasHealth)
        return 0;
    switch (health) {
    case HealthStatus::Degraded:
        return 3;
    case HealthStatus::Missing:
        return 2;
    case HealthStatus::Progressing:
        return 1;
    default:
        return 0;
    }
}

QString ResourceNode::infoValue(const QString& key) const {
    for (const auto& [k, v] : info)
        if (k == key)
            return v;
    return {};
}

QString ResourceNode::statusText() const {
    QStringList parts;
    for (const auto& [k, v] : info) {
        if (v.isEmpty())
            continue;
        if (k == QLatin1String("Status Reason"))
            parts.prepend(v);
        else if (k == QLatin1String("Containers"))
            parts.append(QStringLiteral("containers %1").arg(v));
        else if (k.contains(QLatin1String("Restart"), Qt::CaseInsensitive))
            parts.append(QStringLiteral("restarts %1").arg(v));
        else if (k == QLatin1String("Node"))
            continue; // in the tooltip; it crowds the column
        else
            parts.append(k + QStringLiteral(" ") + v);
    }
    if (notCreated())
        parts.prepend(QStringLiteral("not created"));
    return parts.join(QStringLiteral(" · "));
}

PreparedTree prepareResourceTree(const nlohmann::json& body) {
    PreparedTree tree;
    for (const char* key : {"nodes", "orphanedNodes"}) {
        auto list = body.find(key);
        if (list == body.end() || !list->is_array())
            continue;
        for (const auto& n : *list)
            if (n.is_object())
                tree.nodes.append(parseNode(n, std::string_view(key) == "orphanedNodes"));
    }
    const int count = int(tree.nodes.size());

    QHash<QString, int> byUid;
    QHash<QString, int> byIdentity;
    for (int i = 0; i < count; ++i) {
        const ResourceNode& n = tree.nodes[i];
        if (!n.uid.isEmpty())
            byUid.insert(n.uid, i);
        byIdentity.insert(identity(n.group, n.kind, n.resourceNamespace, n.name), i);
    }
    // Parents: the first parentRef that resolves to a node of this tree.
    {
        const auto resolve = [&](const nlohmann::json& ref) {
            const QString uid = jstr(ref, "uid");
            if (!uid.isEmpty()) {
                if (auto it = byUid.constFind(uid); it != byUid.cend())
                    return it.value();
            }
            return byIdentity.value(identity(jstr(ref, "group"), jstr(ref, "kind"),
                                             jstr(ref, "namespace"), jstr(ref, "name")),
                                    -1);
        };
        int i = 0;
        for (const char* key : {"nodes", "orphanedNodes"}) {
            auto list = body.find(key);
            if (list == body.end() || !list->is_array())
                continue;
            for (const auto& n : *list) {
                if (!n.is_object())
                    continue;
                if (auto refs = n.find("parentRefs"); refs != n.end() && refs->is_array()) {
                    for (const auto& ref : *refs) {
                        const int p = ref.is_object() ? resolve(ref) : -1;
                        if (p >= 0 && p != i) {
                            tree.nodes[i].parent = p;
                            break;
                        }
                    }
                }
                ++i;
            }
        }
    }
    // Break cycles: walk up from every node; a node that reaches itself becomes a root.
    for (int i = 0; i < count; ++i) {
        int steps = 0;
        int p = tree.nodes[i].parent;
        while (p >= 0 && p != i && steps <= count) {
            p = tree.nodes[p].parent;
            ++steps;
        }
        if (p == i || steps > count)
            tree.nodes[i].parent = -1;
    }
    for (int i = 0; i < count; ++i) {
        const int p = tree.nodes[i].parent;
        if (p >= 0)
            tree.nodes[p].children.append(i);
        else
            tree.roots.append(i);
    }
    // Depth and subtree severity (iterative, no recursion on deep chains).
    QVector<int> order; // parents before children
    order.reserve(count);
    for (int r : std::as_const(tree.roots))
        order.append(r);
    for (int k = 0; k < order.size(); ++k) {
        const int n = order[k];
        for (int c : std::as_const(tree.nodes[n].children)) {
            tree.nodes[c].depth = tree.nodes[n].depth + 1;
            order.append(c);
        }
    }
    for (int k = int(order.size()) - 1; k >= 0; --k) {
        ResourceNode& n = tree.nodes[order[k]];
        n.subtreeSeverity = std::max(n.subtreeSeverity, n.problemRank());
        if (n.parent >= 0) {
            ResourceNode& p = tree.nodes[n.parent];
            p.subtreeSeverity = std::max(p.subtreeSeverity, n.subtreeSeverity);
        }
    }
    const auto siblingLess = [&](int a, int b) {
        const ResourceNode& x = tree.nodes[a];
        const ResourceNode& y = tree.nodes[b];
        if (x.subtreeSeverity != y.subtreeSeverity)
            return x.subtreeSeverity > y.subtreeSeverity;
        if (x.problemRank() != y.problemRank())
            return x.problemRank() > y.problemRank();
        if (x.kind != y.kind)
            return x.kind < y.kind;
        return x.name < y.name;
    };
    std::stable_sort(tree.roots.begin(), tree.roots.end(), siblingLess);
    for (ResourceNode& n : tree.nodes)
        std::stable_sort(n.children.begin(), n.children.end(), siblingLess);

    // Problems: worst first, the deepest (the cause: a Pod before its ReplicaSet) first.
    QVector<int> problems;
    for (int i = 0; i < count; ++i)
        if (tree.nodes[i].problemRank() > 0)
            problems.append(i);
    tree.problemCount = int(problems.size());
    std::stable_sort(problems.begin(), problems.end(), [&](int a, int b) {
        const ResourceNode& x = tree.nodes[a];
        const ResourceNode& y = tree.nodes[b];
        if (x.problemRank() != y.problemRank())
            return x.problemRank() > y.problemRank();
        if (x.depth != y.depth)
            return x.depth > y.depth;
        return siblingLess(a, b);
    });
    for (int p : std::as_const(problems)) {
        bool problemChild = false;
        for (int c : std::as_const(tree.nodes[p].children))
            problemChild = problemChild || tree.nodes[c].problemRank() > 0;
        if (!problemChild)
            tree.rootCauses.append(p);
    }

    QVector<bool> taken(count, false);
    tree.rankOrder.reserve(count);
    for (int p : std::as_const(problems)) {
        QVector<int> chain;
        for (int a = p; a >= 0 && !taken[a]; a = tree.nodes[a].parent)
            chain.prepend(a);
        for (int a : std::as_const(chain)) {
            taken[a] = true;
            tree.rankOrder.append(a);
        }
    }
    // The rest in ranked tree order (pre-order, so ancestors come first).
    QVector<int> stack;
    for (auto it = tree.roots.crbegin(); it != tree.roots.crend(); ++it)
        stack.append(*it);
    while (!stack.isEmpty()) {
        const int n = stack.takeLast();
        if (!taken[n]) {
            taken[n] = true;
            tree.rankOrder.append(n);
        }
        const auto& ch = tree.nodes[n].children;
        for (auto it = ch.crbegin(); it != ch.crend(); ++it)
            stack.append(*it);
    }
    return tree;
}

ResourceTreeModel::ResourceTreeModel(QObject* parent)
    : QAbstractItemModel(parent) {}

void ResourceTreeModel::setTree(std::shared_ptr<const PreparedTree> tree) {
    beginResetModel();
    m_tree = std::move(tree);
    rebuild();
    endResetModel();
}

void ResourceTreeModel::clear() {
    setTree(nullptr);
}

void ResourceTreeModel::setBudget(int budget) {
    if (budget == m_budget)
        return;
    beginResetModel();
    m_budget = budget;
    rebuild();
    endResetModel();
}

void ResourceTreeModel::rebuild() {
    m_children.clear();
    m_roots.clear();
    m_rowInParent.clear();
    m_visibleCount = 0;
    if (!m_tree)
        return;
    const int count = int(m_tree->nodes.size());
    QVector<bool> visible(count, m_budget <= 0);
    if (m_budget > 0) {
        const int take = std::min(m_budget, int(m_tree->rankOrder.size()));
        for (int k = 0; k < take; ++k)
            visible[m_tree->rankOrder[k]] = true;
    }
    m_children.resize(count);
    m_rowInParent.fill(-1, count);
    for (int r : m_tree->roots) {
        if (visible[r]) {
            m_rowInParent[r] = int(m_roots.size());
            m_roots.append(r);
        }
    }
    for (int i = 0; i < count; ++i) {
        if (!visible[i])
            continue;
        ++m_visibleCount;
        for (int c : m_tree->nodes[i].children) {
            if (visible[c]) {
                m_rowInParent[c] = int(m_children[i].size());
                m_children[i].append(c);
            }
        }
    }
}

const ResourceNode* ResourceTreeModel::node(const QModelIndex& index) const {
    if (!m_tree || !index.isValid())
        return nullptr;
    return &m_tree->nodes[int(index.internalId())];
}

QModelIndex ResourceTreeModel::indexOfNode(int nodeIndex, int column) const {
    if (!m_tree || nodeIndex < 0 || nodeIndex >= m_rowInParent.size() ||
        m_rowInParent[nodeIndex] < 0)
        return {};
    return createIndex(m_rowInParent[nodeIndex], column, quintptr(nodeIndex));
}

QModelIndex ResourceTreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (!m_tree || row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (parent.isValid() && parent.column() != 0)
        return {};
    const QVector<int>& list = parent.isValid() ? m_children[int(parent.internalId())] : m_roots;
    if (row >= list.size())
        return {};
    return createIndex(row, column, quintptr(list[row]));
}

QModelIndex ResourceTreeModel::parent(const QModelIndex& child) const {
    if (!m_tree || !child.isValid())
        return {};
    const int p = m_tree->nodes[int(child.internalId())].parent;
    if (p < 0)
        return {};
    return createIndex(m_rowInParent[p], 0, quintptr(p));
}

int ResourceTreeModel::rowCount(const QModelIndex& parent) const {
    if (!m_tree)
        return 0;
    if (!parent.isValid())
        return int(m_roots.size());
    if (parent.column() != 0)
        return 0;
    return int(m_children[int(parent.internalId())].size());
}

int ResourceTreeModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

QVariant ResourceTreeModel::data(const QModelIndex& index, int role) const {
    const ResourceNode* n = node(index);
    if (!n)
        return {};
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return n->kind + QLatin1Char(' ') + n->name +
                   (n->orphaned ? QStringLiteral(" (orphaned)") : QString());
        case HealthColumn:
            return n->hasHealth ? argocd::toString(n->health) : QString();
        case StatusColumn:
            return n->statusText();
        case MessageColumn:
            return n->healthMessage;
        case NamespaceColumn:
            return n->resourceNamespace;
        case ImagesColumn:
            return n->images.join(QStringLiteral(", "));
        }
        break;
    case Qt::ForegroundRole:
        if (index.column() == HealthColumn && n->hasHealth)
            return FleetModel::healthColor(n->health);
        if (index.column() == MessageColumn && n->problemRank() > 0)
            return FleetModel::healthColor(n->health);
        break;
    case Qt::FontRole:
        if (index.column() == HealthColumn && n->problemRank() > 0) {
            QFont f;
            f.setBold(true);
            return f;
        }
        break;
    case Qt::ToolTipRole: {
        QStringList lines;
        lines << n->kind + QLatin1Char(' ') +
                     (n->resourceNamespace.isEmpty()
                          ? n->name
                          : n->resourceNamespace + QLatin1Char('/') + n->name);
        if (!n->group.isEmpty() || !n->version.isEmpty())
            lines << QStringLiteral("API: %1").arg(
                n->group.isEmpty() ? n->version : n->group + QLatin1Char('/') + n->version);
        if (n->hasHealth)
            lines << QStringLiteral("Health: ") + argocd::toString(n->health) +
                         (n->healthMessage.isEmpty() ? QString()
                                                     : QStringLiteral(" — ") + n->healthMessage);
        for (const auto& [k, v] : n->info)
            lines << k + QStringLiteral(": ") + v;
        for (const QString& image : n->images)
            lines << QStringLiteral("Image: ") + image;
        if (n->notCreated())
            lines << QStringLiteral("Not created yet");
        else if (n->createdAt.isValid())
            lines << QStringLiteral("Created: ") +
                         n->createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        return lines.join(QLatin1Char('\n'));
    }
    case NodeIndexRole:
        return int(index.internalId());
    case KindRole:
        return n->kind;
    case HealthRole:
        return int(n->health);
    case ProblemRankRole:
        return n->problemRank();
    case UidRole:
        return n->uid;
    }
    return {};
}

QVariant ResourceTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Resource");
    case HealthColumn:
        return tr("Health");
    case StatusColumn:
        return tr("Status");
    case MessageColumn:
        return tr("Message");
    case NamespaceColumn:
        return tr("Namespace");
    case ImagesColumn:
        return tr("Images");
    }
    return {};
}

} // namespace sextant::models
