#include "findingsmodel.h"

#include <QColor>
#include <QHash>

namespace sextant::models {

FindingsModel::FindingsModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void FindingsModel::setDiagnosis(std::shared_ptr<const analysis::Diagnosis> diagnosis) {
    beginResetModel();
    m_diagnosis = std::move(diagnosis);
    endResetModel();
}

void FindingsModel::clear() {
    setDiagnosis(nullptr);
}

const analysis::Finding* FindingsModel::finding(int row) const {
    if (!m_diagnosis || row < 0 || row >= m_diagnosis->findings.size())
        return nullptr;
    return &m_diagnosis->findings[row];
}

int FindingsModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !m_diagnosis)
        return 0;
    return int(m_diagnosis->findings.size());
}

int FindingsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString FindingsModel::confidenceWord(double confidence) {
    if (confidence >= 0.8)
        return tr("high");
    if (confidence >= 0.5)
        return tr("medium");
    return tr("low");
}

QString FindingsModel::categoryTitle(const QString& category) {
    // Titles for the taxonomy ids: what an SRE would say, not the CamelCase id.
    static const QHash<QString, QString> titles = {
        {QStringLiteral("ImagePullNotFound"), tr("Image not found")},
        {QStringLiteral("ImagePullAuth"), tr("Image pull not authorised")},
        {QStringLiteral("ImagePullRateLimit"), tr("Registry rate limit")},
        {QStringLiteral("InvalidImageName"), tr("Invalid image name")},
        {QStringLiteral("CrashLoop"), tr("Crash loop")},
        {QStringLiteral("OOMKilled"), tr("Out of memory (OOMKilled)")},
        {QStringLiteral("MissingConfigMap"), tr("Missing ConfigMap")},
        {QStringLiteral("MissingSecret"), tr("Missing Secret")},
        {QStringLiteral("MissingConfigKey"), tr("Missing config key")},
        {QStringLiteral("ContainerConfigError"), tr("Container config error")},
        {QStringLiteral("InsufficientResources"), tr("Insufficient cluster resources")},
        {QStringLiteral("UnschedulableNodeSelector"), tr("No node matches selector")},
        {QStringLiteral("UnschedulableTaint"), tr("Untolerated taint")},
        {QStringLiteral("UnschedulableAffinity"), tr("Affinity rules unsatisfiable")},
        {QStringLiteral("QuotaExceeded"), tr("Quota exceeded")},
        {QStringLiteral("ReadinessProbeFailed"), tr("Readiness probe failing")},
        {QStringLiteral("LivenessProbeFailed"), tr("Liveness probe failing")},
        {QStringLiteral("PVCPending"), tr("Volume claim pending")},
        {QStringLiteral("VolumeMountFailed"), tr("Volume mount failed")},
        {QStringLiteral("RBACForbidden"), tr("Kubernetes RBAC forbidden")},
        {QStringLiteral("ServiceNoEndpoints"), tr("Service has no endpoints")},
        {QStringLiteral("NetworkPolicyBlocked"), tr("Blocked by NetworkPolicy")},
        {QStringLiteral("DNSFailure"), tr("DNS failure")},
        {QStringLiteral("IngressMisconfigured"), tr("Ingress misconfigured")},
        {QStringLiteral("HPAMisconfigured"), tr("HPA misconfigured")},
        {QStringLiteral("JobFailed"), tr("Job failed")},
        {QStringLiteral("ProgressDeadlineExceeded"), tr("Rollout past its deadline")},
        {QStringLiteral("AppRuntimeError"), tr("Application error")},
        {QStringLiteral("ManifestRenderError"), tr("Manifest rendering failed")},
        {QStringLiteral("ManifestValidationError"), tr("Manifest rejected")},
        {QStringLiteral("SyncApplyFailed"), tr("Sync apply failed")},
        {QStringLiteral("NamespaceMissing"), tr("Namespace missing")},
        {QStringLiteral("HookFailed"), tr("Sync hook failed")},
        {QStringLiteral("ArgoPermissionDenied"), tr("Argo CD permission denied")},
        {QStringLiteral("ProjectDestinationDenied"), tr("Project does not allow this")},
        {QStringLiteral("SyncWindowBlocked"), tr("Blocked by sync window")},
        {QStringLiteral("RepoUnreachable"), tr("Repository unreachable")},
        {QStringLiteral("AppPathMissing"), tr("Source path missing")},
        {QStringLiteral("SharedResourceConflict"), tr("Resource owned by two apps")},
        {QStringLiteral("OutOfSyncDrift"), tr("Drift from Git")},
        {QStringLiteral("NoIssueFound"), tr("No issue found")},
    };
    const auto it = titles.constFind(category);
    if (it != titles.constEnd())
        return *it;
    QString out;
    for (int i = 0; i < category.size(); ++i) {
        if (i > 0 && category[i].isUpper() && !category[i - 1].isUpper())
            out += QLatin1Char(' ');
        out += i > 0 ? category[i].toLower() : category[i];
    }
    return out;
}

QVariant FindingsModel::data(const QModelIndex& index, int role) const {
    const analysis::Finding* f = finding(index.row());
    if (!f || index.column() >= ColumnCount)
        return {};
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ConfidenceColumn:
            return QStringLiteral("%1 % %2")
                .arg(qRound(f->confidence * 100))
                .arg(confidenceWord(f->confidence));
        case CategoryColumn:
            return categoryTitle(f->category);
        case SummaryColumn:
            return f->summary;
        case ResourceColumn:
            return f->resource;
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == CategoryColumn)
            return QStringLiteral("%1 (signature %2)").arg(f->category, f->signatureId);
        if (index.column() == SummaryColumn)
            return f->summary;
        break;
    case Qt::ForegroundRole:
        if (index.column() == ConfidenceColumn) {
            if (f->category == QLatin1String("NoIssueFound"))
                return QColor(0x1e, 0x8e, 0x3e);
            return f->confidence >= 0.8   ? QColor(0xc0, 0x30, 0x30)
                   : f->confidence >= 0.5 ? QColor(0xc0, 0x70, 0x00)
                                          : QColor(0x80, 0x80, 0x80);
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == ConfidenceColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case ConfidenceRole:
        return f->confidence;
    case CategoryRole:
        return f->category;
    case SignatureRole:
        return f->signatureId;
    case FixKindRole:
        return f->fixKind;
    case EvidenceCountRole:
        return int(f->evidenceIds.size());
    }
    return {};
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ConfidenceColumn:
        return tr("Confidence");
    case CategoryColumn:
        return tr("Root cause");
    case SummaryColumn:
        return tr("Summary");
    case ResourceColumn:
        return tr("Resource");
    }
    return {};
}

} // namespace sextant::models
