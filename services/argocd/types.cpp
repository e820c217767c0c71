#include "types.h"

namespace sextant::argocd {

QString toString(SyncStatus s) {
    switch (s) {
    case SyncStatus::Synced:
        return QStringLiteral("Synced");
    case SyncStatus::OutOfSync:
        return QStringLiteral("OutOfSync");
    case SyncStatus::Unknown:
        break;
    }
    return QStringLiteral("Unknown");
}

QString toString(HealthStatus h) {
    switch (h) {
    case HealthStatus::Healthy:
        return QStringLiteral("Healthy");
    case HealthStatus::Progressing:
        return QStringLiteral("Progressing");
    case HealthStatus::Degraded:
        return QStringLiteral("Degraded");
    case HealthStatus::Suspended:
        return QStringLiteral("Suspended");
    case HealthStatus::Missing:
        return QStringLiteral("Missing");
    case HealthStatus::Unknown:
        break;
    }
    return QStringLiteral("Unknown");
}

QString toString(OperationPhase p) {
    switch (p) {
    case OperationPhase::Running:
        return QStringLiteral("Running");
    case OperationPhase::Terminating:
        return QStringLiteral("Terminating");
    case OperationPhase::Failed:
        return QStringLiteral("Failed");
    case OperationPhase::Error:
        return QStringLiteral("Error");
    case OperationPhase::Succeeded:
        return QStringLiteral("Succeeded");
    case OperationPhase::None:
        break;
    }
    return QString();
}

SyncStatus syncStatusFromString(QStringView s) {
    if (s == u"Synced")
        return SyncStatus::Synced;
    if (s == u"OutOfSync")
        return SyncStatus::OutOfSync;
    return SyncStatus::Unknown;
}

HealthStatus healthStatusFromString(QStringView s) {
    if (s == u"Healthy")
        return HealthStatus::Healthy;
    if (s == u"Progressing")
        return HealthStatus::Progressing;
    if (s == u"Degraded")
        return HealthStatus::Degraded;
    if (s == u"Suspended")
        return HealthStatus::Suspended;
    if (s == u"Missing")
        return HealthStatus::Missing;
    return HealthStatus::Unknown;
}

OperationPhase operationPhaseFromString(QStringView s) {
    if (s == u"Running")
        return OperationPhase::Running;
    if (s == u"Terminating")
        return OperationPhase::Terminating;
    if (s == u"Failed")
        return OperationPhase::Failed;
    if (s == u"Error")
        return OperationPhase::Error;
    if (s == u"Succeeded")
        return OperationPhase::Succeeded;
    return OperationPhase::None;
}

} // namespace sextant::argocd
