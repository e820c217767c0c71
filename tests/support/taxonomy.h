#pragma once

#include <QStringList>

namespace sextant::test {

// The taxonomy of issue 4, item 4. Kept here on purpose: the corpus is labelled against the
// issue, not against whatever the catalogue happens to declare.
inline const QStringList kTaxonomy = {
    QStringLiteral("ImagePullNotFound"),
    QStringLiteral("ImagePullAuth"),
    QStringLiteral("ImagePullRateLimit"),
    QStringLiteral("InvalidImageName"),
    QStringLiteral("CrashLoop"),
    QStringLiteral("OOMKilled"),
    QStringLiteral("MissingConfigMap"),
    QStringLiteral("MissingSecret"),
    QStringLiteral("MissingConfigKey"),
    QStringLiteral("ContainerConfigError"),
    QStringLiteral("InsufficientResources"),
    QStringLiteral("UnschedulableNodeSelector"),
    QStringLiteral("UnschedulableTaint"),
    QStringLiteral("UnschedulableAffinity"),
    QStringLiteral("QuotaExceeded"),
    QStringLiteral("ReadinessProbeFailed"),
    QStringLiteral("LivenessProbeFailed"),
    QStringLiteral("PVCPending"),
    QStringLiteral("VolumeMountFailed"),
    QStringLiteral("RBACForbidden"),
    QStringLiteral("ServiceNoEndpoints"),
    QStringLiteral("NetworkPolicyBlocked"),
    QStringLiteral("DNSFailure"),
    QStringLiteral("IngressMisconfigured"),
    QStringLiteral("HPAMisconfigured"),
    QStringLiteral("JobFailed"),
    QStringLiteral("ProgressDeadlineExceeded"),
    QStringLiteral("AppRuntimeError"),
    QStringLiteral("ManifestRenderError"),
    QStringLiteral("ManifestValidationError"),
    QStringLiteral("SyncApplyFailed"),
    QStringLiteral("NamespaceMissing"),
    QStringLiteral("HookFailed"),
    QStringLiteral("ArgoPermissionDenied"),
    QStringLiteral("ProjectDestinationDenied"),
    QStringLiteral("SyncWindowBlocked"),
    QStringLiteral("RepoUnreachable"),
    QStringLiteral("AppPathMissing"),
    QStringLiteral("SharedResourceConflict"),
    QStringLiteral("OutOfSyncDrift"),
    QStringLiteral("NoIssueFound"),
};

} // namespace sextant::test
