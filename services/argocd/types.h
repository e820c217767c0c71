#pragma once

#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVector>

namespace sextant::argocd {

enum class SyncStatus { Unknown, Synced, OutOfSync };
enum class HealthStatus { Unknown, Healthy, Progressing, Degraded, Suspended, Missing };
// None = no operationState at all.
enum class OperationPhase { None, Running, Terminating, Failed, Error, Succeeded };

QString toString(SyncStatus s);
QString toString(HealthStatus h);
QString toString(OperationPhase p);
SyncStatus syncStatusFromString(QStringView s);
HealthStatus healthStatusFromString(QStringView s);
OperationPhase operationPhaseFromString(QStringView s);

// The list-level view of one Application: exactly what the list endpoint's `fields` whitelist
// and the watch stream provide. Full objects (conditions, history, operation message) are
// fetched per application on demand.
struct AppSummary {
    QString instance;     // Sextant instance id this row came from
    QString name;         // metadata.name
    QString appNamespace; // metadata.namespace (the Application's own namespace)
    QString project;      // spec.project
    QString destServer;   // spec.destination.server
    QString destName;     // spec.destination.name
    QString destNamespace;
    QString repoURL;        // first source
    QString path;           // first source path (or chart)
    QString targetRevision; // first source targetRevision
    bool multiSource = false;
    bool autoSync = false; // spec.syncPolicy.automated present and not disabled
    SyncStatus sync = SyncStatus::Unknown;
    QString syncRevision; // status.sync.revision
    HealthStatus health = HealthStatus::Unknown;
    QString healthMessage;
    OperationPhase operationPhase = OperationPhase::None;
    QDateTime operationStartedAt;
    QDateTime operationFinishedAt;
    QList<QPair<QString, QString>> labels;
    QStringList images; // status.summary.images
    QDateTime createdAt;
    bool deleting = false; // metadata.deletionTimestamp set
    QString resourceVersion;

    // Destination cluster as the user names it: destination.name, else destination.server.
    QString cluster() const { return destName.isEmpty() ? destServer : destName; }
    // Identity across the fleet: instance, Application namespace and name.
    QString key() const {
        return instance + QLatin1Char('/') + appNamespace + QLatin1Char('/') + name;
    }
    bool syncFailed() const {
        return operationPhase == OperationPhase::Failed || operationPhase == OperationPhase::Error;
    }

    bool operator==(const AppSummary&) const = default;
};

struct AppList {
    QVector<AppSummary> apps;
    QString resourceVersion; // metadata.resourceVersion of the list
};

enum class WatchEventType { Added, Modified, Deleted };

struct AppEvent {
    WatchEventType type = WatchEventType::Modified;
    AppSummary app;
};

} // namespace sextant::argocd
