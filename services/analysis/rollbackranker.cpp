#include "rollbackranker.h"

#include "evidence.h"

#include <QMap>
#include <QSet>

#include <algorithm>

namespace sextant::analysis {

namespace {

using Json = nlohmann::json;
using fleet::EntryOutcome;

// Score weights (docs/rollback.md explains each one). Every candidate starts at kBase.
constexpr int kBase = 50;
constexpr int kHealthyDay = 25;  // Healthy for 24 h or more after deploy
constexpr int kHealthyHour = 15; // Healthy for an hour or more
constexpr int kHealthySome = 5;  // Healthy at some point
constexpr int kVerified = 10;    // Healthy for an hour with no degraded episode
constexpr int kPerEpisode = 10;  // per degraded episode, at most kMaxEpisodes
constexpr int kMaxEpisodes = 30;
constexpr int kAfterFailure = 30; // the next sync replaced it while it was broken
constexpr int kFailedSync = 10;   // syncs to this revision that failed
constexpr int kStayedDay = 10;    // API only: stayed deployed a day before the next sync
constexpr int kStayedHour = 5;    // API only: an hour
constexpr int kReplacedFast = 10; // API only: replaced within 10 minutes
constexpr int kPerStepBack = 4;   // per deployment between it and the one before the current
constexpr int kMaxStepsBack = 20;
constexpr int kPerChangedObject = 2; // per object that differs from now
constexpr int kMaxChanged = 20;
constexpr int kSameAsNow = 25;     // renders what is deployed now: a rollback changes nothing
constexpr int kPerSevereRisk = 10; // irreversible or immutable change since
constexpr int kMaxRisk = 30;
constexpr int kKnownFailure = 50;       // would bring back what the diagnosis found
constexpr int kSameImagesDegraded = 20; // no diagnosis: same images as the Degraded current
constexpr int kMarkedBad = 60;

QString qs(const Json& j) {
    return j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString();
}

QString str(const Json& obj, const char* key) {
    if (!obj.is_object())
        return {};
    const auto it = obj.find(key);
    return it == obj.end() ? QString() : qs(*it);
}

const Json& at(const Json& obj, const char* key) {
    static const Json null;
    if (!obj.is_object())
        return null;
    const auto it = obj.find(key);
    return it == obj.end() ? null : *it;
}

QString shortRev(const QString& rev) {
    return rev.size() > 12 && !rev.contains(QLatin1Char(',')) ? rev.left(7) : rev;
}

struct Object {
    QString group, kind, ns, name;
    Json body;
    QString label() const { return kind + QLatin1Char(' ') + name; }
};

QMap<QString, Object> objectsOf(const Json& manifests) {
    QMap<QString, Object> out;
    const Json& list = at(manifests, "manifests");
    if (!list.is_array())
        return out;
    for (const Json& m : list) {
        Json obj = m.is_string() ? Json::parse(m.get<std::string>(), nullptr, false) : m;
        if (!obj.is_object())
            continue;
        Object o;
        const QString apiVersion = str(obj, "apiVersion");
        o.group = apiVersion.contains(QLatin1Char('/')) ? apiVersion.section(QLatin1Char('/'), 0, 0)
                                                        : QString();
        o.kind = str(obj, "kind");
        o.ns = str(at(obj, "metadata"), "namespace");
        o.name = str(at(obj, "metadata"), "name");
        obj.erase("status"); // rendered manifests carry none, but be safe
        o.body = std::move(obj);
        out.insert(o.group + QLatin1Char('/') + o.kind + QLatin1Char('/') + o.ns +
                       QLatin1Char('/') + o.name,
                   o);
    }
    return out;
}

QString hookOf(const Json& body) {
    const Json& ann = at(at(body, "metadata"), "annotations");
    QString hook = str(ann, "argocd.argoproj.io/hook");
    if (hook.isEmpty())
        hook = str(ann, "helm.sh/hook");
    return hook;
}

void collectImages(const Json& node, QStringList& out) {
    if (node.is_object()) {
        for (const char* key : {"containers", "initContainers"}) {
            const Json& list = at(node, key);
            if (list.is_array())
                for (const Json& c : list) {
                    const QString image = str(c, "image");
                    if (!image.isEmpty() && !out.contains(image))
                        out << image;
                }
        }
        for (auto it = node.begin(); it != node.end(); ++it)
            if (it.key() != "containers" && it.key() != "initContainers")
                collectImages(it.value(), out);
    } else if (node.is_array()) {
        for (const Json& x : node)
            collectImages(x, out);
    }
}

// Irreversible or immutable changes between the candidate's object `was` and the current `now`
// (either may be null: added or removed since).
void riskOf(const Object* was, const Object* now, ManifestDelta& d) {
    const Object& o = now ? *now : *was;
    const QString kind = o.kind;
    const QString label = o.label();
    if (kind == QLatin1String("CustomResourceDefinition")) {
        if (!was)
            d.risks << QStringLiteral("CRD %1 was added since: rolling back leaves it (and its "
                                      "custom resources) in the cluster")
                           .arg(o.name);
        else if (!now)
            d.risks << QStringLiteral("CRD %1 was removed since: rolling back re-creates it")
                           .arg(o.name);
        else
            d.risks << QStringLiteral("a CRD changed since (%1): rolling back re-applies the older "
                                      "definition, objects stored with the newer one stay")
                           .arg(o.name);
        ++d.severe;
        return;
    }
    if (kind == QLatin1String("PersistentVolumeClaim")) {
        if (!was) {
            d.risks << QStringLiteral("PersistentVolumeClaim %1 was created since: rolling back "
                                      "leaves the claim and its data")
                           .arg(o.name);
            ++d.severe;
            return;
        } else if (now && at(was->body, "spec") != at(now->body, "spec")) {
            d.risks << QStringLiteral("PersistentVolumeClaim %1 changed since: its spec is "
                                      "immutable (storage can only grow), the rollback may fail")
                           .arg(o.name);
            ++d.severe;
        }
    }
    if (kind == QLatin1String("StatefulSet") && was && now &&
        at(at(was->body, "spec"), "volumeClaimTemplates") !=
            at(at(now->body, "spec"), "volumeClaimTemplates")) {
        d.risks << QStringLiteral("StatefulSet %1 volumeClaimTemplates changed since: immutable, "
                                  "the rollback apply fails unless the StatefulSet is recreated")
                       .arg(o.name);
        ++d.severe;
    }
    if (now) {
        const QString hook = hookOf(now->body);
        if (!hook.isEmpty() && (!was || was->body != now->body)) {
            d.risks << QStringLiteral("%1 is a %2 hook that %3 since: rollback skips hooks, so "
                                      "what it did (e.g. a schema migration) is not reversed")
                           .arg(label, hook,
                                was ? QStringLiteral("changed") : QStringLiteral("was added"));
            ++d.severe;
            return;
        }
    }
    if (was && now) {
        static const QSet<QString> selectorKinds = {
            QStringLiteral("Deployment"), QStringLiteral("StatefulSet"),
            QStringLiteral("DaemonSet"), QStringLiteral("ReplicaSet")};
        if (selectorKinds.contains(kind) &&
            at(at(was->body, "spec"), "selector") != at(at(now->body, "spec"), "selector")) {
            d.risks << QStringLiteral("%1 selector changed since: the selector is immutable, the "
                                      "rollback apply will fail")
                           .arg(label);
            ++d.severe;
        }
        if (kind == QLatin1String("Job") &&
            at(at(was->body, "spec"), "template") != at(at(now->body, "spec"), "template")) {
            d.risks << QStringLiteral("Job %1 template changed since: immutable, the rollback "
                                      "apply fails unless the Job is deleted first")
                           .arg(o.name);
            ++d.severe;
        }
    }
    if (!was && now)
        d.risks << QStringLiteral("%1 was added since: rolling back leaves it (prune is off)")
                       .arg(label);
    if (was && !now)
        d.risks << QStringLiteral("%1 was deleted since: rolling back re-creates it").arg(label);
}

QString listShort(const QStringList& items, int max = 3) {
    if (items.size() <= max)
        return items.join(QStringLiteral(", "));
    return items.mid(0, max).join(QStringLiteral(", ")) +
           QStringLiteral(" and %1 more").arg(items.size() - max);
}

bool isDegraded(const QString& health) {
    return health == QLatin1String("Degraded") || health == QLatin1String("Missing");
}

} // namespace

QVector<KnownFailure> knownFailuresFrom(const Diagnosis& diagnosis) {
    QVector<KnownFailure> out;
    for (const Finding& f : diagnosis.findings) {
        if (f.category.isEmpty() || f.category == QLatin1String("NoIssueFound"))
            continue;
        KnownFailure k;
        k.category = f.category;
        k.summary = f.summary;
        k.image = f.fields.value(QStringLiteral("image"));
        k.revision = f.fields.value(QStringLiteral("revision"));
        out.append(k);
    }
    return out;
}

QString RollbackRanker::humanDuration(qint64 seconds) {
    if (seconds < 3600)
        return QStringLiteral("%1 min").arg(std::max<qint64>(1, seconds / 60));
    if (seconds < 48 * 3600)
        return QStringLiteral("%1 h").arg(seconds / 3600);
    return QStringLiteral("%1 d").arg(seconds / 86400);
}

QStringList RollbackRanker::imagesIn(const Json& manifests) {
    QStringList out;
    for (const Object& o : objectsOf(manifests))
        collectImages(at(o.body, "spec"), out);
    return out;
}

ManifestDelta RollbackRanker::compareManifests(const Json& candidate, const Json& current) {
    ManifestDelta d;
    const QMap<QString, Object> was = objectsOf(candidate);
    const QMap<QString, Object> now = objectsOf(current);
    for (auto it = now.cbegin(); it != now.cend(); ++it) {
        const auto old = was.constFind(it.key());
        if (old == was.cend()) {
            d.added << it->label();
            riskOf(nullptr, &it.value(), d);
        } else if (old->body != it->body) {
            d.changed << it->label();
            riskOf(&old.value(), &it.value(), d);
        }
    }
    for (auto it = was.cbegin(); it != was.cend(); ++it)
        if (!now.contains(it.key())) {
            d.removed << it->label();
            riskOf(&it.value(), nullptr, d);
        }
    return d;
}

RollbackRanking RollbackRanker::rank(const RankInput& in) const {
    RollbackRanking r;
    const Json& app = in.application;
    const Json& meta = at(app, "metadata");
    const Json& status = at(app, "status");
    r.app = str(meta, "namespace") + QLatin1Char('/') + str(meta, "name");
    const Json& automated = at(at(at(app, "spec"), "syncPolicy"), "automated");
    r.autoSync = automated.is_object() && at(automated, "enabled") != Json(false);
    r.timelineUsed = !in.outcomes.isEmpty();
    const QString health = str(at(status, "health"), "status");

    const QVector<fleet::DeployEntry> history = fleet::DeployEntry::fromApplication(app);
    if (history.isEmpty()) {
        r.notes << QStringLiteral("Argo CD has no deployment history for this application: "
                                  "nothing to roll back to");
        return r;
    }
    const fleet::DeployEntry& current = history.last();
    r.currentRevision = current.revision;
    r.currentHistoryId = current.id;
    if (!r.timelineUsed)
        r.notes << QStringLiteral("No local health timeline: ranked from what the Argo CD API "
                                  "offers (history, manifests, current health and operation); "
                                  "time Healthy after each deploy is unknown");
    if (r.autoSync)
        r.notes << QStringLiteral("Auto-sync is on: Argo CD refuses a rollback until it is "
                                  "turned off (the rollback plan does that first)");

    const auto currentIt = in.manifests.constFind(current.revision);
    const Json* currentManifests = currentIt != in.manifests.cend() ? &currentIt.value() : nullptr;
    const QStringList currentImages =
        currentManifests ? imagesIn(*currentManifests) : QStringList();
    // The revision a failed operation tried to deploy counts as failing too.
    const Json& op = at(status, "operationState");
    const QString opPhase = str(op, "phase");
    const QString failedOpRevision =
        (opPhase == QLatin1String("Failed") || opPhase == QLatin1String("Error"))
            ? str(at(op, "syncResult"), "revision")
            : QString();

    if (!failedOpRevision.isEmpty() && failedOpRevision != current.revision)
        r.notes << QStringLiteral("The last sync (to %1) failed and left no history entry: the "
                                  "cluster still runs history %2, possibly partly updated. "
                                  "Re-applying history %2 or fixing the failed sync may be "
                                  "better than rolling back further")
                       .arg(shortRev(failedOpRevision))
                       .arg(current.id);

    QHash<qint64, EntryOutcome> outcomeById;
    for (const EntryOutcome& o : in.outcomes)
        outcomeById.insert(o.historyId, o);

    bool missingManifests = false;
    for (int i = int(history.size()) - 2; i >= 0; --i) {
        const fleet::DeployEntry& e = history[i];
        if (e.revision == current.revision)
            continue; // the current revision is never a candidate
        RollbackCandidate c;
        c.id = e.id;
        c.revision = e.revision;
        c.deployedAt = e.deployedAt;
        c.initiatedBy = e.initiatedBy;
        int score = kBase;
        QStringList good, bad; // reasons for and against, shown strongest first

        // 1. What happened while it was deployed.
        const QDateTime replacedAt = history[i + 1].deployStartedAt.isValid()
                                         ? history[i + 1].deployStartedAt
                                         : history[i + 1].deployedAt;
        const auto oc = outcomeById.constFind(e.id);
        if (oc != outcomeById.cend() && oc->observed) {
            const EntryOutcome& o = *oc;
            if (o.healthySeconds >= 24 * 3600)
                score += kHealthyDay;
            else if (o.healthySeconds >= 3600)
                score += kHealthyHour;
            else if (o.healthySeconds > 0)
                score += kHealthySome;
            if (o.healthySeconds > 0)
                good << QStringLiteral("Healthy for %1 after deploy")
                            .arg(humanDuration(o.healthySeconds));
            c.verified = o.reachedHealthy && o.degradedEpisodes == 0 && o.healthySeconds >= 3600;
            if (c.verified) {
                score += kVerified;
                good << QStringLiteral("verified: no degraded episode while it was deployed");
            }
            if (o.degradedEpisodes > 0) {
                score -= std::min(kMaxEpisodes, kPerEpisode * o.degradedEpisodes);
                bad << QStringLiteral("Degraded %1 time%2 (%3 in total) while deployed")
                           .arg(o.degradedEpisodes)
                           .arg(o.degradedEpisodes == 1 ? QString() : QStringLiteral("s"))
                           .arg(humanDuration(o.degradedSeconds));
            }
            if (o.replacement == EntryOutcome::Replacement::AfterFailure) {
                score -= kAfterFailure;
                bad << (o.reachedHealthy
                            ? QStringLiteral("replaced by a later sync while it was Degraded")
                            : QStringLiteral("never became Healthy before the next sync "
                                             "replaced it"));
            }
            if (o.failedSyncs > 0) {
                score -= kFailedSync;
                bad << QStringLiteral("%1 sync%2 to this revision failed")
                           .arg(o.failedSyncs)
                           .arg(o.failedSyncs == 1 ? QString() : QStringLiteral("s"));
            }
        } else {
            if (r.timelineUsed)
                bad << QStringLiteral("no health data while it was deployed (Sextant was not "
                                      "watching)");
            if (e.deployedAt.isValid() && replacedAt.isValid()) {
                const qint64 stayed = e.deployedAt.secsTo(replacedAt);
                if (stayed >= 24 * 3600) {
                    score += kStayedDay;
                    good << QStringLiteral("stayed deployed for %1 before the next sync")
                                .arg(humanDuration(stayed));
                } else if (stayed >= 3600) {
                    score += kStayedHour;
                    good << QStringLiteral("stayed deployed for %1 before the next sync")
                                .arg(humanDuration(stayed));
                } else if (stayed < 600) {
                    score -= kReplacedFast;
                    bad << QStringLiteral("replaced after %1: often a sign it was broken")
                               .arg(humanDuration(std::max<qint64>(stayed, 60)));
                }
            }
        }

        // 2. Distance from now: each deployment in between is more change to undo.
        const int stepsBack = int(history.size()) - 1 - i;
        if (stepsBack > 1) {
            score -= std::min(kMaxStepsBack, kPerStepBack * (stepsBack - 1));
            bad << QStringLiteral("%1 deployments back").arg(stepsBack);
        } else {
            good << QStringLiteral("the deployment just before the current one");
        }
        if (e.deployedAt.isValid())
            good << QStringLiteral("deployed %1 ago")
                        .arg(humanDuration(e.deployedAt.secsTo(in.now)));

        // 3. Manifests: how much differs from now, and what cannot be undone.
        const auto mineIt = in.manifests.constFind(e.revision);
        if (currentManifests && mineIt != in.manifests.cend()) {
            const Json& mine = mineIt.value();
            c.images = imagesIn(mine);
            const ManifestDelta d = compareManifests(mine, *currentManifests);
            c.changedObjects = d.count();
            if (d.count() == 0) {
                score -= kSameAsNow;
                bad << QStringLiteral("renders the same manifests as now: rolling back changes "
                                      "nothing");
            } else {
                score -= std::min(kMaxChanged, kPerChangedObject * d.count());
                QStringList parts;
                if (!d.changed.isEmpty())
                    parts << QStringLiteral("%1 changed").arg(d.changed.size());
                if (!d.added.isEmpty())
                    parts << QStringLiteral("%1 added since").arg(d.added.size());
                if (!d.removed.isEmpty())
                    parts << QStringLiteral("%1 deleted since").arg(d.removed.size());
                const QString what = QStringLiteral("%1 object%2 differ%3 from now (%4: %5)")
                                         .arg(d.count())
                                         .arg(d.count() == 1 ? QString() : QStringLiteral("s"))
                                         .arg(d.count() == 1 ? QStringLiteral("s") : QString())
                                         .arg(parts.join(QStringLiteral(", ")),
                                              listShort(d.changed + d.added + d.removed));
                (d.count() <= 3 ? good : bad) << what;
            }
            score -= std::min(kMaxRisk, kPerSevereRisk * d.severe);
            c.risks = d.risks;
            if (!c.images.isEmpty() && !currentImages.isEmpty() && c.images != currentImages)
                good << QStringLiteral("runs %1 (now %2)")
                            .arg(listShort(c.images, 2), listShort(currentImages, 2));
        } else {
            missingManifests = true;
            c.risks << QStringLiteral("manifests at this revision unknown: changes since and "
                                      "irreversible changes not checked");
        }

        // 4. Would it bring back a known failure?
        bool knownHit = false;
        for (const KnownFailure& k : in.knownFailures) {
            if (!k.image.isEmpty() && c.images.contains(k.image)) {
                score -= kKnownFailure;
                knownHit = true;
                bad.prepend(QStringLiteral("same image as the failing revision (%1): %2")
                                .arg(k.image, k.category));
                break;
            }
            if (!k.revision.isEmpty() && k.revision == e.revision) {
                score -= kKnownFailure;
                knownHit = true;
                bad.prepend(QStringLiteral("this is the revision of the current failure (%1)")
                                .arg(k.category));
                break;
            }
        }
        if (!knownHit && !failedOpRevision.isEmpty() && failedOpRevision == e.revision) {
            score -= kKnownFailure;
            knownHit = true;
            bad.prepend(QStringLiteral("this is the revision whose last sync failed"));
        }
        if (!knownHit && in.knownFailures.isEmpty() && isDegraded(health) &&
            !currentImages.isEmpty() && c.images == currentImages) {
            score -= kSameImagesDegraded;
            bad.prepend(QStringLiteral("same images as the current, %1 revision").arg(health));
        }

        // 5. The user's word beats every heuristic.
        const auto badMark = in.badRevisions.constFind(e.revision);
        if (badMark != in.badRevisions.cend()) {
            score -= kMarkedBad;
            bad.prepend(QStringLiteral("marked bad: %1").arg(*badMark));
        }

        if (oc == outcomeById.cend() || !oc->observed)
            good << QStringLiteral("Argo CD recorded a successful sync of it");
        c.score = std::clamp(score, 0, 100);
        // Facts against a candidate matter more to the reader when its score is low.
        c.reasons = c.score >= kBase ? good + bad : bad + good;
        r.candidates.append(c);
    }
    if (missingManifests)
        r.notes << QStringLiteral("Some revisions had no manifests: their change count and "
                                  "irreversible changes are unknown");
    // Best first; equal scores: the more recent deployment (less to undo).
    std::stable_sort(r.candidates.begin(), r.candidates.end(),
                     [](const RollbackCandidate& a, const RollbackCandidate& b) {
                         if (a.score != b.score)
                             return a.score > b.score;
                         return a.id > b.id;
                     });
    if (r.candidates.isEmpty())
        r.notes << QStringLiteral("Every history entry is the current revision: nothing to roll "
                                  "back to");
    return r;
}

Json RollbackRanking::toJson() const {
    const auto toUtf8 = [](const QString& s) { return s.toStdString(); };
    const auto list = [&](const QStringList& l) {
        Json a = Json::array();
        for (const QString& s : l)
            a.push_back(toUtf8(s));
        return a;
    };
    Json candidatesJson = Json::array();
    for (const RollbackCandidate& c : candidates) {
        candidatesJson.push_back(Json{
            {"id", c.id},
            {"revision", toUtf8(c.revision)},
            {"deployedAt",
             c.deployedAt.isValid() ? Json(toUtf8(c.deployedAt.toString(Qt::ISODate))) : Json()},
            {"initiatedBy", toUtf8(c.initiatedBy)},
            {"score", c.score},
            {"verified", c.verified},
            {"reasons", list(c.reasons)},
            {"risks", list(c.risks)},
            {"images", list(c.images)},
            {"changedObjects", c.changedObjects < 0 ? Json() : Json(c.changedObjects)}});
    }
    return Json{{"app", toUtf8(app)},
                {"currentRevision", toUtf8(currentRevision)},
                {"currentHistoryId", currentHistoryId},
                {"autoSync", autoSync},
                {"timeline", timelineUsed},
                {"candidates", candidatesJson},
                {"notes", list(notes)}};
}

QString RollbackRanking::toMarkdown() const {
    QString md = QStringLiteral("# Rollback candidates for %1\n\n").arg(app);
    md += QStringLiteral("Current revision: `%1` (history %2)%3\n\n")
              .arg(shortRev(currentRevision))
              .arg(currentHistoryId)
              .arg(autoSync ? QStringLiteral(", auto-sync on") : QString());
    if (candidates.isEmpty())
        md += QStringLiteral("No candidates.\n\n");
    int rank = 0;
    for (const RollbackCandidate& c : candidates) {
        md += QStringLiteral("## %1. History %2 — `%3` — score %4%5\n\n")
                  .arg(++rank)
                  .arg(c.id)
                  .arg(shortRev(c.revision))
                  .arg(c.score)
                  .arg(c.verified ? QStringLiteral(" (verified)") : QString());
        if (c.deployedAt.isValid())
            md += QStringLiteral("Deployed %1%2.\n\n")
                      .arg(c.deployedAt.toString(Qt::ISODate),
                           c.initiatedBy.isEmpty() ? QString()
                                                   : QStringLiteral(" by ") + c.initiatedBy);
        for (const QString& reason : c.reasons)
            md += QStringLiteral("- %1\n").arg(reason);
        for (const QString& risk : c.risks)
            md += QStringLiteral("- **Risk:** %1\n").arg(risk);
        md += QLatin1Char('\n');
    }
    for (const QString& n : notes)
        md += QStringLiteral("> %1\n").arg(n);
    return md;
}

} // namespace sextant::analysis
