#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

#include <nlohmann/json.hpp>

namespace sextant::analysis {

using Json = nlohmann::json;

// Size caps applied while gathering or loading evidence; every cut is reported in
// EvidenceBundle::notes so the reader knows what was not seen.
struct EvidenceCaps {
    int maxEvents = 500;            // events kept (Warnings first, then newest)
    int maxLogLinesPerStream = 400; // lines kept per pod/container/previous stream (error windows)
    int logWindowBefore = 5;        // context lines kept before an error line
    int logWindowAfter = 10;        // and after it
    int maxLineChars = 2000;        // longer lines are cut with "…"
    int maxTextBlockLines = 2000;   // free-text evidence blocks
    int maxDiffBytes = 256 * 1024;  // Git diff of the failing revision
    int maxPods = 20;               // failing pods whose logs are fetched
};

// The portable evidence bundle (docs/evidence-bundle.md): whatever evidence is available about one
// Application. Every member is optional; the JSON shapes are Argo CD's and Kubernetes' own.
struct EvidenceBundle {
    QString format = QStringLiteral("sextant.evidence/v1");
    QDateTime collectedAt;
    QString instance; // Argo CD instance name or URL, informational
    QString appName;  // from application.metadata.name when present
    QString appNamespace;
    Json application;            // v1alpha1.Application (null when absent)
    Json resourceTree;           // v1alpha1.ApplicationTree
    Json events = Json::array(); // v1.Event objects (app and resource events)
    Json pods = Json::array();   // v1.Pod objects (status.containerStatuses, initContainerStatuses,
                                 // conditions)
    Json logs = Json::array();   // [{pod, namespace, container, previous, lines: [..]}]
    Json manifests = Json::array(); // rendered manifests (objects or YAML strings)
    Json revisions = Json::array(); // [{revision, author, date, message, tags}] newest last
    QString gitDiff;           // unified diff of the failing revision against the last healthy one
    QString gitDiffRange;      // "<healthy>..<failing>"
    Json text = Json::array(); // free-text blocks: [{title, source, text}]
    QStringList notes;         // what was capped, skipped or failed while collecting

    static Result<EvidenceBundle> fromJson(const QByteArray& bytes, const EvidenceCaps& caps = {});
    QByteArray toJson(int indent = 2) const;
};

// One line of evidence, normalised from any source of the bundle, so that signatures match
// structured fields and free text alike.
struct EvidenceItem {
    QString id;     // "E1", "E2", ... stable within one diagnosis, cited by findings and the LLM
    QString source; // condition | operation | syncResult | health | container | event | log |
                    // revision | diff | text
    QString ref;    // human label: "Pod shop/web-6d8f7c9b5-x2k8p", "condition ComparisonError",
                    // "log payments-api-6f7d8c9b5-q7x2m/payments-api (previous)"
    QString group, kind, ns, name; // the resource the line is about, when known
    QString container; // container of a container state or log line (added for the diagnoser)
    QString ownerKind, ownerName; // the controller of a Pod line ("Job", "db-migrate"), when known
    QString hookType;     // Argo CD hook type of a sync result (PreSync, PostSync, ...), else empty
    QString reason;       // event reason, container waiting/terminated reason, condition type,
                          // sync result status, health status
    QString text;         // the line itself (capped)
    bool warning = false; // Warning event, failed status, Degraded health, error log line
    int count = 0;        // event count
    QDateTime time;
};

// A root cause the engine (or a reviewer) believes, with the evidence lines that prove it.
struct Finding {
    QString category;        // taxonomy ID: ImagePullNotFound, CrashLoop, ... NoIssueFound
    QString signatureId;     // catalogue entry that matched
    QString summary;         // rendered root-cause template, one or two sentences
    double confidence = 0.0; // 0..1
    QStringList evidenceIds; // ids of EvidenceItem lines, strongest first
    QStringList remediation; // ordered steps
    QString fixKind;  // kind of Git fix suggested: image-tag, config-key, resources, ... or none
    QString resource; // "Deployment shop/checkout" when known
    QMap<QString, QString> fields; // extracted fields: image, configMap, key, quota, ...
};

struct Diagnosis {
    QString app;                    // "namespace/name"
    QVector<Finding> findings;      // ordered by confidence, highest first
    QVector<EvidenceItem> evidence; // every normalised line the engine saw
    QStringList notes;              // caps and gaps carried over from the bundle
    double elapsedMs = 0.0;

    const EvidenceItem* item(const QString& id) const;
};

} // namespace sextant::analysis
