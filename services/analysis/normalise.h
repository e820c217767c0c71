#pragma once

#include "evidence.h"

namespace sextant::analysis {

// Turns every source of a bundle into numbered evidence lines (E1, E2, ...) in Argo CD's own
// reading order: conditions, operation state and per-resource sync results, resource health,
// pod and container states, events (Warnings first), log error lines, revisions, Git diff lines,
// then free-text blocks one line each. Besides the sources listed in EvidenceItem, two more are
// produced: "pod" (pod-level status: Evicted, PodScheduled=False) and "sync" (a resource that
// is OutOfSync).
QVector<EvidenceItem> normaliseEvidence(const EvidenceBundle& bundle,
                                        const EvidenceCaps& caps = {});

// Whether a log line reads like an error (panic, exception, "failed", "refused", ...): the
// lines kept around a cap and the log lines that become evidence.
bool isErrorLogLine(const QString& line);

// Splits the flattened "<head>, reason: <msg1>,<msg2>" sync message into its causes. Argo CD
// joins per-object errors with a bare comma, and the errors contain commas themselves, so a
// comma only splits where the next text starts a new Kubernetes or Argo CD error. The first
// element is the head (with a "Retrying attempt" suffix, when present).
QStringList splitSyncMessage(const QString& message);

// "shop/web" for Pod shop/web-6d8f7c9b5-x2k8p, ReplicaSet shop/web-6d8f7c9b5, Deployment
// shop/web and StatefulSet pod shop/db-0: matches about one workload merge into one finding.
QString workloadKey(const QString& ns, const QString& kind, const QString& name);

} // namespace sextant::analysis
