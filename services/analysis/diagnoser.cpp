#include "diagnoser.h"

#include "normalise.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSet>
#include <QTimeZone>

#include <algorithm>
#include <optional>

namespace sextant::analysis {

namespace {

constexpr int maxEvidencePerFinding = 8;
constexpr double symptomFactor = 0.6; // a symptom ranks below any root cause
constexpr double boostStep = 0.05;

// Matches of one signature about one workload (or about the whole app), before they become a
// Finding.
struct Candidate {
    int sig = -1;
    QString key; // workload key, empty when the evidence names no resource
    QVector<int> items;
    QMap<QString, QString> fields;
    double confidence = 0;
    bool alive = true;
    QString fixKind;         // the signature's, or a folded signature's when it has none
    QStringList annotations; // sentences added by annotation signatures
    QSet<int> symptomItems;  // lines only a symptom vouches for: listed after the proof
};

QString resourceLabel(const EvidenceItem& e) {
    if (e.name.isEmpty())
        return {};
    return e.ns.isEmpty() ? QStringLiteral("%1 %2").arg(e.kind, e.name)
                          : QStringLiteral("%1 %2/%3").arg(e.kind, e.ns, e.name);
}

// Fields every finding can use, taken from the evidence line itself.
void addItemFields(const EvidenceItem& e, QMap<QString, QString>& fields) {
    const auto set = [&](const QString& k, const QString& v) {
        if (!v.isEmpty() && !fields.contains(k))
            fields.insert(k, v);
    };
    // Application-level lines (conditions, operation) say nothing about one resource.
    if (e.kind != QLatin1String("Application") && !e.name.isEmpty()) {
        set(QStringLiteral("resource"), resourceLabel(e));
        set(QStringLiteral("kind"), e.kind);
        set(QStringLiteral("name"), e.name);
        set(QStringLiteral("namespace"), e.ns);
        // "pod", "service", "ingress", ...: templates name the object by its kind.
        if (!e.kind.isEmpty())
            set(e.kind.left(1).toLower() + e.kind.mid(1), e.name);
    }
    set(QStringLiteral("container"), e.container);
    set(QStringLiteral("hookType"), e.hookType);
    if (!e.ownerKind.isEmpty() && !e.ownerName.isEmpty()) {
        // A Job's Pod: the finding is about the Job ("job", "owner").
        set(QStringLiteral("owner"),
            e.ns.isEmpty() ? QStringLiteral("%1 %2").arg(e.ownerKind, e.ownerName)
                           : QStringLiteral("%1 %2/%3").arg(e.ownerKind, e.ns, e.ownerName));
        set(e.ownerKind.left(1).toLower() + e.ownerKind.mid(1), e.ownerName);
    }
    set(QStringLiteral("message"), e.text);
}

void mergeFields(QMap<QString, QString>& into, const QMap<QString, QString>& from, bool join) {
    for (auto it = from.cbegin(); it != from.cend(); ++it) {
        if (it.value().isEmpty())
            continue;
        auto existing = into.find(it.key());
        if (existing == into.end()) {
            into.insert(it.key(), it.value());
        } else if (join && !existing.value().split(QStringLiteral(", ")).contains(it.value())) {
            existing.value() += QStringLiteral(", ") + it.value();
        }
    }
}

// Folds `from` into `into`: its evidence lines follow, its fields fill gaps, and a cause that
// suggests no Git fix adopts the folded one's (a crash loop explained by a bad config value).
void foldItems(Candidate& into, const Candidate& from, bool fromSymptom) {
    for (int item : std::as_const(from.items)) {
        if (into.items.contains(item))
            continue;
        into.items << item;
        if (fromSymptom || from.symptomItems.contains(item))
            into.symptomItems.insert(item);
    }
}

void fold(Candidate& into, Candidate& from, const QString& fromFixKind, bool fromSymptom) {
    foldItems(into, from, fromSymptom);
    mergeFields(into.fields, from.fields, false);
    if (into.fixKind == QLatin1String("none") && fromFixKind != QLatin1String("none"))
        into.fixKind = fromFixKind;
    from.alive = false;
}

// "persistentvolumeclaims" (as an API error names a resource) to its Kind.
QString kindForResource(const QString& resource) {
    static const QHash<QString, QString> kinds = {
        {QStringLiteral("pods"), QStringLiteral("Pod")},
        {QStringLiteral("persistentvolumeclaims"), QStringLiteral("PersistentVolumeClaim")},
        {QStringLiteral("services"), QStringLiteral("Service")},
        {QStringLiteral("configmaps"), QStringLiteral("ConfigMap")},
        {QStringLiteral("secrets"), QStringLiteral("Secret")},
        {QStringLiteral("replicationcontrollers"), QStringLiteral("ReplicationController")},
        {QStringLiteral("resourcequotas"), QStringLiteral("ResourceQuota")},
        {QStringLiteral("deployments"), QStringLiteral("Deployment")},
        {QStringLiteral("replicasets"), QStringLiteral("ReplicaSet")},
        {QStringLiteral("statefulsets"), QStringLiteral("StatefulSet")},
        {QStringLiteral("daemonsets"), QStringLiteral("DaemonSet")},
        {QStringLiteral("jobs"), QStringLiteral("Job")},
        {QStringLiteral("cronjobs"), QStringLiteral("CronJob")},
        {QStringLiteral("ingresses"), QStringLiteral("Ingress")},
        {QStringLiteral("horizontalpodautoscalers"), QStringLiteral("HorizontalPodAutoscaler")}};
    return kinds.value(resource.section(QLatin1Char('.'), 0, 0).toLower());
}

bool createsPods(const QString& kind) {
    static const QSet<QString> controllers = {QStringLiteral("ReplicaSet"),
                                              QStringLiteral("Deployment"),
                                              QStringLiteral("StatefulSet"),
                                              QStringLiteral("DaemonSet"),
                                              QStringLiteral("Job"),
                                              QStringLiteral("CronJob"),
                                              QStringLiteral("ReplicationController")};
    return controllers.contains(kind);
}

// One field of a cron schedule ("*", "*/5", "1-5", "0,30", "1-10/2") as the allowed values.
std::optional<QVector<bool>> cronField(const QString& field, int lo, int hi) {
    QVector<bool> allowed(hi + 1, false);
    for (const QString& part : field.split(QLatin1Char(','))) {
        QString range = part.section(QLatin1Char('/'), 0, 0);
        int step = 1;
        if (part.contains(QLatin1Char('/'))) {
            bool ok = false;
            step = part.section(QLatin1Char('/'), 1).toInt(&ok);
            if (!ok || step <= 0)
                return std::nullopt;
        }
        int from = lo;
        int to = hi;
        if (range != QLatin1String("*")) {
            bool ok1 = false;
            bool ok2 = true;
            from = range.section(QLatin1Char('-'), 0, 0).toInt(&ok1);
            to = range.contains(QLatin1Char('-'))  ? range.section(QLatin1Char('-'), 1).toInt(&ok2)
                 : part.contains(QLatin1Char('/')) ? hi
                                                   : from;
            if (!ok1 || !ok2 || from < lo || to > hi || from > to)
                return std::nullopt;
        }
        for (int v = from; v <= to; v += step)
            allowed[v] = true;
    }
    return allowed;
}

// When the window opened by the latest start of `schedule` at or before `now` closes, if it is
// still open at `now`; Argo CD's sync windows are a cron schedule plus a Go duration.
QDateTime windowEnd(const QString& schedule, const QString& duration, const QString& zone,
                    const QDateTime& now) {
    static const QRegularExpression part(QStringLiteral("(\\d+(?:\\.\\d+)?)(h|m|s)"));
    qint64 secs = 0;
    int consumed = 0;
    for (auto it = part.globalMatch(duration); it.hasNext();) {
        const auto m = it.next();
        const double v = m.captured(1).toDouble();
        secs += qint64(v * (m.captured(2) == QLatin1String("h")   ? 3600
                            : m.captured(2) == QLatin1String("m") ? 60
                                                                  : 1));
        consumed += int(m.capturedLength());
    }
    const QStringList f = schedule.simplified().split(QLatin1Char(' '));
    if (secs <= 0 || consumed != duration.size() || f.size() != 5 || !now.isValid())
        return {};
    const auto minute = cronField(f[0], 0, 59);
    const auto hour = cronField(f[1], 0, 23);
    const auto dom = cronField(f[2], 1, 31);
    const auto month = cronField(f[3], 1, 12);
    auto dow = cronField(f[4], 0, 7);
    if (!minute || !hour || !dom || !month || !dow)
        return {};
    if ((*dow)[7])
        (*dow)[0] = true;
    const QTimeZone tz = zone.isEmpty() || zone == QLatin1String("UTC") ? QTimeZone::utc()
                                                                        : QTimeZone(zone.toUtf8());
    if (!tz.isValid())
        return {};
    const QDateTime local = now.toTimeZone(tz);
    const bool domAny = f[2] == QLatin1String("*");
    const bool dowAny = f[4] == QLatin1String("*");
    const int days = int(secs / 86400) + 2;
    for (int back = 0; back <= days; ++back) {
        const QDate day = local.date().addDays(-back);
        const bool domOk = (*dom)[day.day()];
        const bool dowOk = (*dow)[day.dayOfWeek() % 7];
        const bool dayOk = domAny || dowAny ? domOk && dowOk : domOk || dowOk;
        if (!(*month)[day.month()] || !dayOk)
            continue;
        for (int h = 23; h >= 0; --h) {
            if (!(*hour)[h])
                continue;
            for (int m = 59; m >= 0; --m) {
                if (!(*minute)[m])
                    continue;
                const QDateTime start(day, QTime(h, m), tz);
                if (start > local)
                    continue;
                // The latest start: the window is open now only if it has not closed yet.
                const QDateTime end = start.addSecs(secs);
                return end > local ? end : QDateTime();
            }
        }
    }
    return {};
}

// Fields computed from extracted ones, for templates: what a quota refuses ("target"), the
// project of the app, and when an active sync window closes.
void deriveFields(QMap<QString, QString>& fields, const EvidenceBundle& bundle) {
    const Json& spec = bundle.application.is_object() && bundle.application.contains("spec")
                           ? bundle.application["spec"]
                           : Json();
    if (!fields.contains(QStringLiteral("project")) && spec.is_object() &&
        spec.contains("project") && spec["project"].is_string())
        fields.insert(QStringLiteral("project"),
                      QString::fromStdString(spec["project"].get<std::string>()));

    const QString kind = fields.value(QStringLiteral("kind"));
    const QString resource = fields.value(QStringLiteral("resource"));
    const QString objectResource = fields.value(QStringLiteral("objectResource"));
    if (!objectResource.isEmpty() && !fields.contains(QStringLiteral("target"))) {
        const QString objectKind = kindForResource(objectResource);
        const QString objectName = fields.value(QStringLiteral("objectName"));
        const QString ns = fields.value(QStringLiteral("namespace"));
        if (!objectKind.isEmpty())
            fields.insert(QStringLiteral("objectKind"), objectKind);
        if (objectKind == QLatin1String("Pod") && createsPods(kind))
            fields.insert(QStringLiteral("target"), QStringLiteral("Pods for ") + resource);
        else if (!objectKind.isEmpty() && !objectName.isEmpty())
            fields.insert(
                QStringLiteral("target"),
                QStringLiteral("%1 %2").arg(
                    objectKind, ns.isEmpty() ? objectName : ns + QLatin1Char('/') + objectName));
    } else if (objectResource.isEmpty() && fields.contains(QStringLiteral("quota")) &&
               !resource.isEmpty() && !fields.contains(QStringLiteral("target"))) {
        fields.insert(QStringLiteral("target"),
                      createsPods(kind) ? QStringLiteral("Pods for ") + resource : resource);
    }

    const QString schedule = fields.value(QStringLiteral("schedule"));
    if (!schedule.isEmpty() && !fields.contains(QStringLiteral("windowEnd"))) {
        const QString zone = fields.value(QStringLiteral("timeZone"));
        const QDateTime end =
            windowEnd(schedule, fields.value(QStringLiteral("duration")), zone, bundle.collectedAt);
        if (end.isValid())
            fields.insert(QStringLiteral("windowEnd"),
                          end.toString(QStringLiteral("yyyy-MM-dd HH:mm ")) +
                              (zone.isEmpty() ? QStringLiteral("UTC") : zone));
    }
    const QString manual = fields.value(QStringLiteral("manualSync"));
    if (!manual.isEmpty() && !fields.contains(QStringLiteral("manualSyncText")))
        fields.insert(QStringLiteral("manualSyncText"),
                      manual == QLatin1String("true")
                          ? QStringLiteral("manual syncs are still allowed")
                          : QStringLiteral("manual syncs are blocked too"));
}

// Where a line goes in a finding's evidence: the extracted cause first (an error log line,
// the previous container's first), then terminated states, then messages with the detail
// (events, sync results, conditions, pasted text), then waiting states, then health and the
// generic lines a symptom contributed.
int evidenceTier(const EvidenceItem& e, bool symptomOnly) {
    int tier = 6;
    if (e.source == QLatin1String("log"))
        tier = e.warning ? (e.reason == QLatin1String("previous") ? 0 : 1) : 7;
    else if (e.source == QLatin1String("container"))
        tier = e.text.contains(QLatin1String("terminated")) ? 2 : 4;
    else if (e.source == QLatin1String("pod") || e.source == QLatin1String("event") ||
             e.source == QLatin1String("syncResult") || e.source == QLatin1String("text") ||
             e.source == QLatin1String("condition") || e.source == QLatin1String("operation"))
        tier = 3;
    else if (e.source == QLatin1String("health"))
        tier = e.kind == QLatin1String("Application") ? 6 : 5;
    else if (e.source == QLatin1String("revision") || e.source == QLatin1String("diff"))
        tier = 8;
    return symptomOnly ? tier + 10 : tier;
}

// Lines that differ only in numbers, hashes and the name of their own Pod say the same thing
// ("CrashLoopBackOff: back-off 5m0s ..." of two replicas, from the tree and from the Pod).
QString similarityKey(const EvidenceItem& e) {
    static const QRegularExpression token(QStringLiteral("[A-Za-z0-9]*[0-9][A-Za-z0-9]*"));
    // Exit codes tell causes apart (1 = the app failed, 137 = killed): they stay in the key,
    // while restart counts, hashes and pod-name suffixes do not.
    static const QRegularExpression exitCode(
        QStringLiteral("(?i)exit\\s*code\\W{0,3}(\\d+)|exitCode\\W{0,3}(\\d+)"));
    QString t = e.text;
    QString codes;
    for (auto it = exitCode.globalMatch(t); it.hasNext();) {
        const auto m = it.next();
        codes += QLatin1Char('|') + (m.captured(1).isEmpty() ? m.captured(2) : m.captured(1));
    }
    if (e.name.size() >= 3)
        t.replace(e.name, QStringLiteral("@"));
    return t.replace(token, QStringLiteral("#")).toLower() + codes;
}

QString stripEmail(const QString& author) {
    const int lt = author.indexOf(QLatin1Char('<'));
    return (lt > 0 ? author.left(lt) : author).trimmed();
}

// Values worth looking for in a Git change: the extracted fields that name something a commit
// can change (an image tag, a ConfigMap key, a StorageClass ...), not the pod or namespace.
QStringList linkableValues(const QMap<QString, QString>& fields) {
    static const QSet<QString> ignored = {
        QStringLiteral("resource"),   QStringLiteral("kind"),
        QStringLiteral("name"),       QStringLiteral("namespace"),
        QStringLiteral("pod"),        QStringLiteral("container"),
        QStringLiteral("count"),      QStringLiteral("exitCode"),
        QStringLiteral("restarts"),   QStringLiteral("message"),
        QStringLiteral("error"),      QStringLiteral("detail"),
        QStringLiteral("revision"),   QStringLiteral("author"),
        QStringLiteral("nodes"),      QStringLiteral("available"),
        QStringLiteral("project"),    QStringLiteral("owner"),
        QStringLiteral("hookType"),   QStringLiteral("target"),
        QStringLiteral("objectKind"), QStringLiteral("objectResource"),
        QStringLiteral("windowEnd"),  QStringLiteral("manualSyncText"),
        QStringLiteral("timeZone"),   QStringLiteral("duration"),
        QStringLiteral("windowKind"), QStringLiteral("manualSync")};
    QStringList out;
    for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
        if (ignored.contains(it.key()))
            continue;
        const QString v = it.value().trimmed();
        if (v.size() >= 3)
            out << v;
        if (it.key() == QLatin1String("image")) {
            // "registry/team/app:1.4.2" is usually changed as "tag: 1.4.2".
            const int colon = v.lastIndexOf(QLatin1Char(':'));
            if (colon > 0 && colon > v.lastIndexOf(QLatin1Char('/')) && v.size() - colon > 2)
                out << v.mid(colon + 1);
        }
    }
    return out;
}

} // namespace

Diagnoser::Diagnoser(SignatureCatalogue catalogue)
    : m_catalogue(std::move(catalogue)) {}

QString Diagnoser::render(const QString& tpl, const QMap<QString, QString>& fields) {
    static const QRegularExpression placeholder = [] {
        QRegularExpression re(QStringLiteral("\\{([A-Za-z][A-Za-z0-9_]*)\\}"));
        re.optimize();
        return re;
    }();
    const auto substitute = [&](const QString& s, bool* complete) {
        QString out;
        int last = 0;
        auto it = placeholder.globalMatch(s);
        while (it.hasNext()) {
            const auto m = it.next();
            out += s.mid(last, m.capturedStart() - last);
            const QString value = fields.value(m.captured(1));
            if (value.isEmpty()) {
                if (complete)
                    *complete = false;
                out += QLatin1Char('<') + m.captured(1) + QLatin1Char('>');
            } else {
                out += value;
            }
            last = int(m.capturedEnd());
        }
        return out + s.mid(last);
    };
    QString out;
    int i = 0;
    while (i < tpl.size()) {
        const int open = tpl.indexOf(QLatin1Char('['), i);
        const int close = open < 0 ? -1 : tpl.indexOf(QLatin1Char(']'), open);
        if (open < 0 || close < 0) {
            out += substitute(tpl.mid(i), nullptr);
            break;
        }
        out += substitute(tpl.mid(i, open - i), nullptr);
        // "[a|b]": the first alternative whose placeholders all have values.
        for (const QString& alternative :
             tpl.mid(open + 1, close - open - 1).split(QLatin1Char('|'))) {
            bool complete = true;
            const QString segment = substitute(alternative, &complete);
            if (complete) {
                out += segment;
                break;
            }
        }
        i = close + 1;
    }
    return out.simplified();
}

Diagnosis Diagnoser::diagnose(const EvidenceBundle& bundle, const EvidenceCaps& caps) const {
    QElapsedTimer timer;
    timer.start();
    Diagnosis d;
    d.app = bundle.appNamespace.isEmpty() ? bundle.appName
                                          : bundle.appNamespace + QLatin1Char('/') + bundle.appName;
    d.notes = bundle.notes;
    d.evidence = normaliseEvidence(bundle, caps);
    const QVector<Signature>& sigs = m_catalogue.signatures();

    // 1. Match every evidence line against the signatures that read its source.
    QVector<Candidate> cands;
    QVector<bool> matched(sigs.size(), false);
    for (int i = 0; i < d.evidence.size(); ++i) {
        const EvidenceItem& item = d.evidence[i];
        QString key; // computed lazily: most lines match nothing
        bool keyDone = false;
        // A row of a pasted events table is read like an event and like text.
        const bool pastedEvent = item.source == QLatin1String("text") && !item.reason.isEmpty();
        for (const int s :
             pastedEvent ? m_catalogue.forPastedEvent() : m_catalogue.forSource(item.source)) {
            const Signature& sig = sigs[s];
            if (!sig.accepts(item))
                continue;
            QMap<QString, QString> fields;
            bool hit = sig.patterns.isEmpty();
            for (int p = 0; p < sig.patterns.size() && !hit; ++p) {
                const std::optional<QRegularExpressionMatch> m = sig.match(p, item.text);
                if (!m)
                    continue;
                hit = true;
                for (const QString& g : sig.groupNames[p]) {
                    const QString v = m->captured(g).trimmed();
                    if (!v.isEmpty())
                        fields.insert(g, v);
                }
            }
            if (!hit)
                continue;
            if (!keyDone) {
                // A Job's Pod belongs to the Job (whatever its name).
                key = item.name.isEmpty() || item.kind == QLatin1String("Application") ? QString()
                      : item.ownerKind == QLatin1String("Job") && !item.ownerName.isEmpty()
                          ? workloadKey(item.ns, item.ownerKind, item.ownerName)
                          : workloadKey(item.ns, item.kind, item.name);
                keyDone = true;
            }
            addItemFields(item, fields);
            matched[s] = true;
            const QString k = sig.appScope ? QString() : key;
            // Same signature, same workload: one finding. Lines without a resource (pasted
            // text, operation messages) join any finding of their signature.
            int target = -1;
            for (int c = 0; c < cands.size(); ++c) {
                if (cands[c].sig != s)
                    continue;
                if (cands[c].key == k || k.isEmpty()) {
                    target = c;
                    break;
                }
                if (cands[c].key.isEmpty() && target < 0)
                    target = c;
            }
            if (target < 0) {
                Candidate c;
                c.sig = s;
                c.key = k;
                c.fixKind = sig.fixKind;
                cands << c;
                target = int(cands.size()) - 1;
            }
            Candidate& c = cands[target];
            if (c.key.isEmpty())
                c.key = k;
            if (!c.items.contains(i)) {
                c.items << i;
                if (sig.symptom)
                    c.symptomItems.insert(i);
            }
            mergeFields(c.fields, fields, sig.appScope);
        }
    }

    // 2. Relations: requires, then suppresses (fold symptoms into their cause), then boosts.
    for (Candidate& c : cands) {
        const Signature& sig = sigs[c.sig];
        if (sig.requiresAny.isEmpty())
            continue;
        bool any = false;
        for (const QString& r : sig.requiresAny)
            any = any || matched.value(m_catalogue.indexOf(r));
        c.alive = any;
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (int a = 0; a < cands.size(); ++a) {
            if (!cands[a].alive || sigs[cands[a].sig].suppresses.isEmpty())
                continue;
            for (int b = 0; b < cands.size(); ++b) {
                Candidate& A = cands[a];
                Candidate& B = cands[b];
                if (a == b || !B.alive || !sigs[A.sig].suppresses.contains(sigs[B.sig].id))
                    continue;
                const bool related = A.key == B.key || A.key.isEmpty() || B.key.isEmpty() ||
                                     sigs[A.sig].appScope || sigs[B.sig].appScope;
                if (!related)
                    continue;
                fold(A, B, sigs[B.sig].fixKind, sigs[B.sig].symptom);
                changed = true;
            }
        }
    }
    // Findings that say the same thing twice become one:
    // - same category, and one's lines are all among the other's (a generic and a specific
    //   reading of one event), or it is a symptom of that category (an unbound-PVC scheduling
    //   failure next to the missing StorageClass): the stronger signature keeps it;
    // - a symptom whose lines are all cited by a cause of another category (the generic
    //   "resource failed to sync" line of a quota error).
    for (Candidate& a : cands) {
        for (Candidate& b : cands) {
            // Fallbacks and annotations are settled later and never absorb anything.
            if (&a == &b || !a.alive || !b.alive || sigs[a.sig].annotation ||
                sigs[b.sig].annotation || sigs[a.sig].fallback || sigs[b.sig].fallback)
                continue;
            const bool subset = std::all_of(b.items.cbegin(), b.items.cend(),
                                            [&](int i) { return a.items.contains(i); });
            const bool sameCategory = sigs[a.sig].category == sigs[b.sig].category;
            const bool stronger = sigs[a.sig].confidence >= sigs[b.sig].confidence;
            if ((sameCategory && stronger && (subset || sigs[b.sig].symptom)) ||
                (!sameCategory && subset && sigs[b.sig].symptom && !sigs[a.sig].symptom))
                fold(a, b, sigs[b.sig].fixKind, sigs[b.sig].symptom);
        }
    }
    // Confidence: the signature's, a little more for corroborating lines, and a tie-break for
    // evidence that comes earlier in Argo CD's reading order (upstream causes first, as in
    // "fix the first listed reason" of a sync message).
    const double n = std::max(1.0, double(d.evidence.size()));
    for (Candidate& c : cands)
        c.confidence = sigs[c.sig].confidence + 0.01 * std::min(int(c.items.size()) - 1, 4) +
                       0.02 * (1.0 - double(c.items.value(0)) / n);
    // A booster (say, a NetworkPolicy in the diff) strengthens the finding it supports and
    // becomes part of its evidence.
    for (Candidate& a : cands) {
        if (!a.alive || sigs[a.sig].boosts.isEmpty())
            continue;
        for (Candidate& b : cands) {
            if (!b.alive || &a == &b || !sigs[a.sig].boosts.contains(sigs[b.sig].id))
                continue;
            b.confidence += boostStep;
            fold(b, a, sigs[a.sig].fixKind, sigs[a.sig].symptom);
            break;
        }
    }

    const Json& status = bundle.application.is_object() && bundle.application.contains("status")
                             ? bundle.application["status"]
                             : Json();
    const auto statusOf = [&](const char* key) {
        if (!status.is_object() || !status.contains(key) || !status[key].is_object())
            return QString();
        return QString::fromStdString(status[key].value("status", std::string()));
    };
    const QString health = statusOf("health");
    const QString sync = statusOf("sync");

    // Generic sync symptoms ("one or more objects failed to apply", "Drift from Git") do not
    // stand next to the specific cause that explains them: their lines become its evidence.
    // A cause explains the sync state when it cites a sync line (operation, sync result,
    // condition) or is a sync window; drift only folds when the last sync failed or a condition
    // error (ComparisonError, ...) explains why the app is OutOfSync.
    {
        const Json& op = status.is_object() && status.contains("operationState")
                             ? status["operationState"]
                             : Json();
        const QString phase =
            op.is_object() ? QString::fromStdString(op.value("phase", std::string())) : QString();
        const bool syncFailed = phase == QLatin1String("Failed") || phase == QLatin1String("Error");
        const auto citesSource = [&](const Candidate& c, std::initializer_list<const char*> srcs) {
            for (int item : std::as_const(c.items))
                for (const char* src : srcs)
                    if (d.evidence[item].source == QLatin1String(src) &&
                        !c.symptomItems.contains(item))
                        return true;
            return false;
        };
        const auto citesConditionError = [&](const Candidate& c) {
            for (int item : std::as_const(c.items))
                if (d.evidence[item].source == QLatin1String("condition") &&
                    d.evidence[item].reason.endsWith(QLatin1String("Error")))
                    return true;
            return false;
        };
        for (Candidate& b : cands) {
            const Signature& bs = sigs[b.sig];
            const bool drift = bs.category == QLatin1String("OutOfSyncDrift");
            if (!b.alive || !bs.symptom ||
                !(drift || bs.category == QLatin1String("SyncApplyFailed")))
                continue;
            Candidate* cause = nullptr;
            for (Candidate& a : cands) {
                const Signature& as = sigs[a.sig];
                if (!a.alive || &a == &b || as.symptom || as.fallback || as.annotation)
                    continue;
                const bool window = as.category == QLatin1String("SyncWindowBlocked");
                const bool explains =
                    drift ? window ||
                                (syncFailed &&
                                 citesSource(a, {"operation", "syncResult", "condition"})) ||
                                citesConditionError(a)
                          : window || citesSource(a, {"operation", "syncResult", "condition"});
                if (explains && (!cause || a.confidence > cause->confidence))
                    cause = &a;
            }
            if (!cause)
                continue;
            foldItems(*cause, b, true);
            b.alive = false;
        }
    }

    // 3. Annotations join the findings about their workload; a Healthy and Synced application
    // whose only trace of a problem is past Warning events has recovered: those become notes.
    for (Candidate& a : cands) {
        if (!a.alive || !sigs[a.sig].annotation)
            continue;
        a.alive = false;
        for (Candidate& c : cands) {
            if (!c.alive || sigs[c.sig].annotation || c.key.isEmpty() || c.key != a.key)
                continue;
            QMap<QString, QString> f = a.fields;
            mergeFields(f, c.fields, false);
            c.annotations << render(sigs[a.sig].summary, f);
            for (int item : std::as_const(a.items))
                if (!c.items.contains(item))
                    c.items << item;
        }
    }
    if (health == QLatin1String("Healthy") && sync == QLatin1String("Synced")) {
        for (Candidate& c : cands) {
            if (!c.alive)
                continue;
            bool eventsOnly = true;
            for (int item : std::as_const(c.items))
                eventsOnly = eventsOnly && d.evidence[item].source == QLatin1String("event");
            if (!eventsOnly)
                continue;
            c.alive = false;
            d.notes << QStringLiteral("Not reported: %1 (%2) appears only in past events; the "
                                      "application is Healthy and Synced.")
                           .arg(sigs[c.sig].category, d.evidence[c.items.first()].id);
        }
    }

    // 4. Symptoms rank below causes; fallbacks only speak when nothing else does.
    bool anyCause = false;
    bool anyNonFallback = false;
    for (const Candidate& c : std::as_const(cands)) {
        if (!c.alive)
            continue;
        anyNonFallback = anyNonFallback || !sigs[c.sig].fallback;
        anyCause = anyCause || (!sigs[c.sig].fallback && !sigs[c.sig].symptom);
    }
    for (Candidate& c : cands) {
        if (!c.alive)
            continue;
        if (sigs[c.sig].fallback && anyNonFallback)
            c.alive = false;
        else if (sigs[c.sig].symptom && anyCause)
            c.confidence *= symptomFactor;
    }

    // 5. Findings, strongest first.
    for (const Candidate& c : std::as_const(cands)) {
        if (!c.alive)
            continue;
        const Signature& sig = sigs[c.sig];
        Finding f;
        f.category = sig.category;
        f.signatureId = sig.id;
        f.confidence = std::min(0.99, c.confidence);
        QMap<QString, QString> fields = c.fields;
        deriveFields(fields, bundle);
        f.fields = fields;
        f.fields.remove(QStringLiteral("message")); // the evidence line itself, not a field
        f.fixKind = c.fixKind;
        f.resource = c.fields.value(QStringLiteral("resource"));
        // Strongest proof first; a line that repeats one already listed (another replica, the
        // same message from the tree and from the Pod) is folded and counted in a note.
        QVector<int> ordered = c.items;
        std::stable_sort(ordered.begin(), ordered.end(), [&](int x, int y) {
            return evidenceTier(d.evidence[x], c.symptomItems.contains(x)) <
                   evidenceTier(d.evidence[y], c.symptomItems.contains(y));
        });
        QSet<QString> seen;
        QStringList folded;
        int hidden = 0;
        for (int i : std::as_const(ordered)) {
            const QString key = similarityKey(d.evidence[i]);
            if (seen.contains(key)) {
                folded << d.evidence[i].id;
                continue;
            }
            seen.insert(key);
            if (f.evidenceIds.size() < maxEvidencePerFinding)
                f.evidenceIds << d.evidence[i].id;
            else
                ++hidden;
        }
        if (!folded.isEmpty() || hidden > 0) {
            QStringList parts;
            if (!folded.isEmpty())
                parts << QStringLiteral("%1 near-identical line(s) folded (%2)")
                             .arg(folded.size())
                             .arg(folded.join(QStringLiteral(", ")));
            if (hidden > 0)
                parts << QStringLiteral("%1 more line(s) beyond the first %2 not listed")
                             .arg(hidden)
                             .arg(maxEvidencePerFinding);
            d.notes << QStringLiteral("Evidence of %1%2: %3.")
                           .arg(sig.category,
                                f.resource.isEmpty() ? QString()
                                                     : QStringLiteral(" (%1)").arg(f.resource),
                                parts.join(QStringLiteral("; ")));
        }
        f.summary = render(sig.summary, fields);
        for (const QString& a : c.annotations)
            f.summary += QLatin1Char(' ') + a;
        for (const QString& step : sig.remediation)
            f.remediation << render(step, fields);
        d.findings << f;
    }
    std::stable_sort(d.findings.begin(), d.findings.end(), [](const Finding& a, const Finding& b) {
        return a.confidence > b.confidence;
    });

    // 6. Nothing matched: say so, and say whether the application agrees.
    if (d.findings.isEmpty()) {
        Finding f;
        f.signatureId = QStringLiteral("no-issue-found");
        f.fixKind = QStringLiteral("none");
        int warnings = 0;
        for (const EvidenceItem& e : std::as_const(d.evidence)) {
            warnings += e.warning ? 1 : 0;
            if (e.source == QLatin1String("health") && e.kind == QLatin1String("Application"))
                f.evidenceIds << e.id;
        }
        const bool synced = sync.isEmpty() || sync == QLatin1String("Synced");
        // Without an application status, warning lines (a pasted Warning event) are not
        // "healthy".
        const bool healthy =
            (health.isEmpty() && warnings == 0) || health == QLatin1String("Healthy");
        // A rollout in progress with nothing failing is not an incident.
        const bool progressing = health == QLatin1String("Progressing") && warnings == 0;
        if (synced && (healthy || progressing)) {
            f.category = QStringLiteral("NoIssueFound");
            f.confidence =
                health.isEmpty() ? 0.5 : (progressing ? 0.6 : (warnings == 0 ? 0.9 : 0.7));
            f.summary =
                warnings == 0
                    ? QStringLiteral("No failure found: the application is %1 and %2, and "
                                     "none of the %3 evidence lines matches a failure "
                                     "signature.")
                          .arg(health.isEmpty() ? QStringLiteral("not reported unhealthy") : health,
                               sync.isEmpty() ? QStringLiteral("not reported out of sync") : sync)
                          .arg(d.evidence.size())
                    : QStringLiteral("No failure signature matched; %1 warning lines did "
                                     "not point to a known cause.")
                          .arg(warnings);
        } else {
            f.category = QStringLiteral("Unclassified");
            f.confidence = 0.2;
            f.summary = QStringLiteral("The application is %1 / %2 but no known failure signature "
                                       "matched; read the warning evidence lines.")
                            .arg(health.isEmpty() ? QStringLiteral("?") : health,
                                 sync.isEmpty() ? QStringLiteral("?") : sync);
            for (const EvidenceItem& e : std::as_const(d.evidence))
                if (e.warning && f.evidenceIds.size() < maxEvidencePerFinding)
                    f.evidenceIds << e.id;
        }
        d.findings << f;
    }

    // 7. Link the newest Git change to the top finding.
    Finding& top = d.findings.first();
    if (top.category != QLatin1String("NoIssueFound")) {
        const EvidenceItem* newest = nullptr;
        for (const EvidenceItem& e : std::as_const(d.evidence))
            if (e.source == QLatin1String("revision"))
                newest = &e; // revisions are newest last
        const QStringList values = linkableValues(top.fields);
        QString touched;
        QStringList diffIds;
        for (const EvidenceItem& e : std::as_const(d.evidence)) {
            if (e.source != QLatin1String("diff"))
                continue;
            for (const QString& v : values) {
                if (e.text.contains(v)) {
                    if (touched.isEmpty())
                        touched = v;
                    if (diffIds.size() < 3)
                        diffIds << e.id;
                    break;
                }
            }
        }
        if (newest && touched.isEmpty())
            for (const QString& v : values)
                if (newest->text.contains(v, Qt::CaseInsensitive)) {
                    touched = v;
                    break;
                }
        const Json newestRevision = bundle.revisions.is_array() && !bundle.revisions.empty() &&
                                            bundle.revisions.back().is_object()
                                        ? bundle.revisions.back()
                                        : Json::object();
        const QString revision =
            QString::fromStdString(newestRevision.value("revision", std::string()));
        const QString author =
            QString::fromStdString(newestRevision.value("author", std::string()));
        if (newest) {
            top.evidenceIds.removeAll(newest->id);
            top.evidenceIds << newest->id;
            if (!revision.isEmpty())
                top.fields.insert(QStringLiteral("revision"), revision);
            if (!author.isEmpty())
                top.fields.insert(QStringLiteral("author"), author);
        }
        for (const QString& id : std::as_const(diffIds))
            if (!top.evidenceIds.contains(id))
                top.evidenceIds << id;
        if (!touched.isEmpty()) {
            if (newest)
                top.summary +=
                    QStringLiteral(" Likely introduced by %1 by %2 (\"%3\"), which "
                                   "changes %4.")
                        .arg(revision.left(7), stripEmail(author), newest->text, touched);
            else
                top.summary += QStringLiteral(" The Git diff of the failing revision changes %1.")
                                   .arg(touched);
        }
    }
    d.elapsedMs = double(timer.nsecsElapsed()) / 1e6;
    return d;
}

} // namespace sextant::analysis
