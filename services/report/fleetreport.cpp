#include "fleetreport.h"

#include "ai/redactor.h"

#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>

#include <algorithm>

namespace sextant::report {

namespace {

using argocd::HealthStatus;
using argocd::OperationPhase;
using argocd::SyncStatus;

bool isFailing(const argocd::AppSummary& app) {
    return app.syncFailed() || app.health == HealthStatus::Degraded ||
           app.health == HealthStatus::Missing;
}

bool badHealth(HealthStatus h) {
    return h == HealthStatus::Degraded || h == HealthStatus::Missing;
}

QString statusText(const argocd::AppSummary& app) {
    QStringList parts;
    if (app.syncFailed())
        parts << (app.operationPhase == OperationPhase::Error ? QStringLiteral("sync error")
                                                              : QStringLiteral("sync failed"));
    if (badHealth(app.health))
        parts << argocd::toString(app.health);
    return parts.join(QStringLiteral(" · "));
}

QString sourceKey(const argocd::AppSummary& app) {
    return app.repoURL.isEmpty() ? app.name : app.repoURL + QLatin1Char('|') + app.path;
}

bool inPeriod(const QDateTime& t, const QDateTime& start, const QDateTime& end) {
    return t.isValid() && t >= start && t <= end;
}

// Who ran a sync: the history entry with the sync's revision deployed closest to its end.
QString whoDeployed(const QVector<fleet::DeployEntry>& history, const QString& revision,
                    const QDateTime& startedAt, const QDateTime& finishedAt) {
    if (revision.isEmpty())
        return {};
    const QDateTime ref = finishedAt.isValid() ? finishedAt : startedAt;
    QString best;
    qint64 bestGap = 15 * 60; // a history entry more than 15 min away is another sync
    for (const fleet::DeployEntry& e : history) {
        if (e.revision != revision || !e.deployedAt.isValid() || !ref.isValid())
            continue;
        const qint64 gap = std::abs(e.deployedAt.secsTo(ref));
        if (gap <= bestGap) {
            bestGap = gap;
            best = e.initiatedBy;
        }
    }
    return best;
}

QString firstLine(const QString& text) {
    const QString t = text.trimmed();
    const qsizetype nl = t.indexOf(QLatin1Char('\n'));
    return nl < 0 ? t : t.left(nl).trimmed();
}

// The cluster as a reader names it: destination.name, else the first label of the API host
// ("https://api.prod-euw1-02.k8s.example.net:6443" -> "prod-euw1-02"), "in-cluster" for the
// Argo CD's own cluster.
QString displayCluster(const argocd::AppSummary& app) {
    if (!app.destName.isEmpty())
        return app.destName;
    const QString host = QUrl(app.destServer).host();
    if (host.isEmpty())
        return app.destServer;
    if (host == QLatin1String("kubernetes.default.svc") ||
        host.startsWith(QLatin1String("kubernetes.default")))
        return QStringLiteral("in-cluster");
    QStringList labels = host.split(QLatin1Char('.'));
    if (labels.size() > 1 &&
        (labels.first() == QLatin1String("api") || labels.first() == QLatin1String("k8s")))
        labels.removeFirst();
    return labels.first();
}

QString number(int n) {
    return QLocale(QLocale::English).toString(n);
}

} // namespace

void ReportCounts::add(const argocd::AppSummary& app) {
    ++apps;
    switch (app.health) {
    case HealthStatus::Healthy:
        ++healthy;
        break;
    case HealthStatus::Degraded:
        ++degraded;
        break;
    case HealthStatus::Missing:
        ++missing;
        break;
    case HealthStatus::Progressing:
        ++progressing;
        break;
    case HealthStatus::Suspended:
        ++suspended;
        break;
    case HealthStatus::Unknown:
        ++unknownHealth;
        break;
    }
    if (app.sync == SyncStatus::Synced)
        ++synced;
    else if (app.sync == SyncStatus::OutOfSync)
        ++outOfSync;
    if (app.syncFailed())
        ++syncFailed;
    if (isFailing(app))
        ++failing;
}

QString formatDuration(qint64 seconds) {
    if (seconds < 0)
        seconds = 0;
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(seconds);
    const qint64 minutes = seconds / 60;
    if (minutes < 60)
        return QStringLiteral("%1 min").arg(minutes);
    const qint64 hours = minutes / 60;
    if (hours < 48)
        return minutes % 60 ? QStringLiteral("%1 h %2 min").arg(hours).arg(minutes % 60)
                            : QStringLiteral("%1 h").arg(hours);
    return hours % 24 ? QStringLiteral("%1 d %2 h").arg(hours / 24).arg(hours % 24)
                      : QStringLiteral("%1 d").arg(hours / 24);
}

QString FleetReport::summaryLine() const {
    int failingProd = 0;
    for (const FailingApp& f : failing)
        if (f.environmentRank == 0)
            ++failingProd;
    QStringList parts;
    parts << QStringLiteral("%1 apps on %2")
                 .arg(number(totals.apps), instances.join(QStringLiteral(", ")));
    parts << (failing.isEmpty() ? QStringLiteral("nothing failing")
                                : QStringLiteral("%1 failing (%2 in production)")
                                      .arg(number(int(failing.size())), number(failingProd)));
    parts << QStringLiteral("%1 out of sync (%2 infrastructure)")
                 .arg(number(int(drift.size())), number(driftInfrastructure));
    parts << QStringLiteral("%1 syncs in %2 (%3 failed)")
                 .arg(number(int(changes.size())), formatDuration(periodStart.secsTo(periodEnd)),
                      number(changesFailed));
    return parts.join(QStringLiteral(" · "));
}

FleetReport buildFleetReport(const ReportInput& input) {
    const DriftCatalogue& catalogue =
        input.catalogue ? *input.catalogue : DriftCatalogue::builtin();
    FleetReport r;
    r.title = input.title.isEmpty() ? QStringLiteral("Fleet report") : input.title;
    r.generatedAt = input.now.toUTC();
    r.periodEnd = r.generatedAt;
    r.periodStart = r.periodEnd.addSecs(-std::max<qint64>(input.periodSeconds, 60));
    r.previous = input.previous;

    auto instanceName = [&](const argocd::AppSummary& app) {
        const QString n = input.instanceNames.value(app.instance);
        return n.isEmpty() ? app.instance : n;
    };

    // Headline counts and the instance × environment breakdown.
    QHash<QString, int> rowIndex;
    QSet<QString> instances;
    QHash<QString, int> failingPerSource;
    for (const argocd::AppSummary& app : input.apps) {
        const QString inst = instanceName(app);
        instances.insert(inst);
        const EnvironmentName& env = catalogue.environmentOf(app, inst);
        const QString rowKey = inst + QLatin1Char('\n') + env.name;
        auto it = rowIndex.find(rowKey);
        if (it == rowIndex.end()) {
            it = rowIndex.insert(rowKey, int(r.breakdown.size()));
            r.breakdown.push_back({inst, env.name, {}});
        }
        r.breakdown[*it].counts.add(app);
        r.totals.add(app);
        if (isFailing(app))
            ++failingPerSource[sourceKey(app)];
    }
    r.instances = QStringList(instances.begin(), instances.end());
    r.instances.sort();
    std::sort(r.breakdown.begin(), r.breakdown.end(),
              [&](const InstanceEnvCounts& a, const InstanceEnvCounts& b) {
                  if (a.instance != b.instance)
                      return a.instance < b.instance;
                  const int ra = catalogue.rankOf(a.environment);
                  const int rb = catalogue.rankOf(b.environment);
                  return ra != rb ? ra < rb : a.environment < b.environment;
              });

    // What changed: the timeline's syncs when the console recorded them, else the last
    // operation of each app as the list shows it.
    bool usedTimeline = false;
    QSet<QString> changedApps;
    for (const argocd::AppSummary& app : input.apps) {
        const QString key = app.key();
        const QString inst = instanceName(app);
        const EnvironmentName& env = catalogue.environmentOf(app, inst);
        auto makeEntry = [&]() {
            ChangeEntry c;
            c.appKey = key;
            c.app = app.name;
            c.instance = inst;
            c.environment = env.name;
            c.project = app.project;
            c.cluster = displayCluster(app);
            return c;
        };
        const auto syncsIt = input.syncs.constFind(key);
        const QVector<fleet::DeployEntry> history = input.deployHistory.value(key);
        if (syncsIt != input.syncs.constEnd() && !syncsIt->isEmpty()) {
            usedTimeline = true;
            for (const fleet::SyncRecord& s : *syncsIt) {
                if (!inPeriod(s.startedAt, r.periodStart, r.periodEnd) &&
                    !inPeriod(s.finishedAt, r.periodStart, r.periodEnd))
                    continue;
                ChangeEntry c = makeEntry();
                c.revision = s.revision;
                c.startedAt = s.startedAt;
                c.finishedAt = s.finishedAt;
                c.result = argocd::toString(s.phase);
                c.message = firstLine(s.message);
                c.initiatedBy = whoDeployed(history, s.revision, s.startedAt, s.finishedAt);
                r.changes.push_back(c);
                changedApps.insert(key);
            }
            continue;
        }
        if (app.operationPhase == OperationPhase::None)
            continue;
        if (!inPeriod(app.operationStartedAt, r.periodStart, r.periodEnd) &&
            !inPeriod(app.operationFinishedAt, r.periodStart, r.periodEnd))
            continue;
        ChangeEntry c = makeEntry();
        c.revision = app.syncRevision;
        c.startedAt = app.operationStartedAt;
        c.finishedAt = app.operationFinishedAt;
        c.result = argocd::toString(app.operationPhase);
        c.initiatedBy = whoDeployed(history, c.revision, c.startedAt, c.finishedAt);
        if (const auto op = input.operations.constFind(key); op != input.operations.constEnd()) {
            c.message = firstLine(op->message);
            if (c.initiatedBy.isEmpty())
                c.initiatedBy = op->initiatedBy;
        }
        r.changes.push_back(c);
        changedApps.insert(key);
    }
    r.changeSource = usedTimeline ? QStringLiteral("timeline") : QStringLiteral("list");
    std::sort(r.changes.begin(), r.changes.end(), [](const ChangeEntry& a, const ChangeEntry& b) {
        const QDateTime ta = a.startedAt.isValid() ? a.startedAt : a.finishedAt;
        const QDateTime tb = b.startedAt.isValid() ? b.startedAt : b.finishedAt;
        if (ta != tb)
            return ta > tb;
        return a.appKey < b.appKey;
    });
    r.changedApps = int(changedApps.size());
    for (const ChangeEntry& c : r.changes)
        if (c.result == QLatin1String("Failed") || c.result == QLatin1String("Error"))
            ++r.changesFailed;
    if (!usedTimeline)
        r.notes << QStringLiteral(
            "No health timeline: 'what changed' shows the last sync operation of each "
            "application as Argo CD lists it (earlier syncs in the period are not visible), and "
            "how long an application has been failing is known only for failed syncs.");

    // What is failing and why.
    for (const argocd::AppSummary& app : input.apps) {
        if (!isFailing(app))
            continue;
        const QString inst = instanceName(app);
        const EnvironmentName& env = catalogue.environmentOf(app, inst);
        FailingApp f;
        f.appKey = app.key();
        f.app = app.name;
        f.instance = inst;
        f.environment = env.name;
        f.environmentRank = env.rank;
        f.project = app.project;
        f.cluster = displayCluster(app);
        f.destNamespace = app.destNamespace;
        f.health = argocd::toString(app.health);
        f.sync = argocd::toString(app.sync);
        f.operation = app.operationPhase == OperationPhase::None
                          ? QString()
                          : argocd::toString(app.operationPhase);
        f.status = statusText(app);
        f.severity = (app.syncFailed() || app.health == HealthStatus::Degraded) ? 0 : 1;
        f.message = firstLine(app.healthMessage);
        if (app.syncFailed())
            f.operationMessage = firstLine(input.operations.value(f.appKey).message);
        f.blastRadius = std::max(1, failingPerSource.value(sourceKey(app)));
        // Failing since: the start of the current bad-health run in the timeline, else the end
        // of the failed sync.
        const QVector<fleet::HealthRecord> health = input.health.value(f.appKey);
        if (!health.isEmpty() && badHealth(health.last().health) && badHealth(app.health)) {
            QDateTime since;
            for (auto it = health.crbegin(); it != health.crend() && badHealth(it->health); ++it)
                since = it->at;
            f.since = since;
        }
        if (!f.since.isValid() && app.syncFailed())
            f.since = app.operationFinishedAt.isValid() ? app.operationFinishedAt
                                                        : app.operationStartedAt;
        const auto diag = input.diagnoses.constFind(f.appKey);
        if (diag != input.diagnoses.constEnd() && !diag->findings.isEmpty()) {
            const analysis::Finding& top = diag->findings.first();
            if (top.category != QLatin1String("NoIssueFound")) {
                f.diagnosed = true;
                f.category = top.category;
                f.rootCause = top.summary;
                f.firstStep = top.remediation.value(0);
                f.confidence = top.confidence;
                f.resource = top.resource;
                ++r.diagnosed;
            }
        }
        r.failing.push_back(f);
    }
    std::sort(r.failing.begin(), r.failing.end(), [](const FailingApp& a, const FailingApp& b) {
        if (a.environmentRank != b.environmentRank)
            return a.environmentRank < b.environmentRank;
        if (a.severity != b.severity)
            return a.severity < b.severity;
        if (a.since.isValid() != b.since.isValid())
            return a.since.isValid();
        if (a.since != b.since)
            return a.since < b.since; // longer failing first
        if (a.blastRadius != b.blastRadius)
            return a.blastRadius > b.blastRadius;
        if (a.instance != b.instance)
            return a.instance < b.instance;
        return a.app < b.app;
    });

    // Drift.
    for (const argocd::AppSummary& app : input.apps) {
        if (app.sync != SyncStatus::OutOfSync)
            continue;
        const QString inst = instanceName(app);
        const EnvironmentName& env = catalogue.environmentOf(app, inst);
        const DriftClass cls = catalogue.classify(app);
        DriftApp d;
        d.appKey = app.key();
        d.app = app.name;
        d.instance = inst;
        d.environment = env.name;
        d.environmentRank = env.rank;
        d.project = app.project;
        d.cluster = displayCluster(app);
        d.destNamespace = app.destNamespace;
        d.category = cls.category;
        d.reason = cls.reason;
        d.autoSync = app.autoSync;
        if (d.category == QLatin1String("infrastructure"))
            ++r.driftInfrastructure;
        else
            ++r.driftApplication;
        r.drift.push_back(d);
    }
    std::sort(r.drift.begin(), r.drift.end(), [](const DriftApp& a, const DriftApp& b) {
        if (a.category != b.category)
            return a.category == QLatin1String("infrastructure");
        if (a.environmentRank != b.environmentRank)
            return a.environmentRank < b.environmentRank;
        if (a.reason != b.reason)
            return a.reason < b.reason;
        if (a.instance != b.instance)
            return a.instance < b.instance;
        return a.app < b.app;
    });

    // Group the failing apps by cause, in priority order (a group ranks as its first member).
    QHash<QString, int> groupIndex;
    for (int i = 0; i < r.failing.size(); ++i) {
        const FailingApp& f = r.failing[i];
        const QStringList names{f.app, f.destNamespace, f.project};
        const QString key =
            f.diagnosed
                ? QStringLiteral("D|%1|%2").arg(f.category, maskSpecifics(f.rootCause, names))
                : symptomKey(f);
        auto it = groupIndex.find(key);
        if (it == groupIndex.end()) {
            it = groupIndex.insert(key, int(r.causes.size()));
            CauseGroup g;
            g.key = key;
            g.status = f.status;
            g.diagnosed = f.diagnosed;
            g.category = f.category;
            g.confidence = f.confidence;
            g.why = f.diagnosed ? f.rootCause
                                : (!f.operationMessage.isEmpty() ? f.operationMessage : f.message);
            g.firstStep = f.firstStep;
            g.diagnosedOn = f.diagnosed ? f.app : QString();
            r.causes.push_back(g);
        }
        CauseGroup& g = r.causes[*it];
        g.members << i;
        if (f.environmentRank == 0)
            ++g.production;
    }
    // A failed sync's operation message names the failure itself: undiagnosed apps whose
    // operation message matches a diagnosed app's join that app's group. (Health messages are
    // symptoms, "exceeded its progress deadline", and are never merged this way.)
    QHash<QString, int> diagnosedBySymptom;
    for (int gi = 0; gi < r.causes.size(); ++gi)
        if (r.causes[gi].diagnosed)
            for (int m : std::as_const(r.causes[gi].members))
                if (!r.failing[m].operationMessage.isEmpty())
                    diagnosedBySymptom.insert(symptomKey(r.failing[m]), gi);
    for (int gi = 0; gi < r.causes.size(); ++gi) {
        CauseGroup& g = r.causes[gi];
        if (g.diagnosed || g.members.isEmpty())
            continue;
        const FailingApp& first = r.failing[g.members.first()];
        if (first.operationMessage.isEmpty())
            continue;
        const int target = diagnosedBySymptom.value(g.key, -1);
        if (target < 0)
            continue;
        CauseGroup& into = r.causes[target];
        into.members += g.members;
        std::sort(into.members.begin(), into.members.end());
        into.production += g.production;
        g.members.clear();
    }
    r.causes.erase(std::remove_if(r.causes.begin(), r.causes.end(),
                                  [](const CauseGroup& g) { return g.members.isEmpty(); }),
                   r.causes.end());
    // Causes rank as their most urgent member; among causes of the same environment and
    // severity, the diagnosed ones (root cause and first step known: actionable now) come first.
    std::stable_sort(r.causes.begin(), r.causes.end(),
                     [&r](const CauseGroup& a, const CauseGroup& b) {
                         const FailingApp& fa = r.failing[a.members.first()];
                         const FailingApp& fb = r.failing[b.members.first()];
                         if (fa.environmentRank != fb.environmentRank)
                             return fa.environmentRank < fb.environmentRank;
                         if (fa.severity != fb.severity)
                             return fa.severity < fb.severity;
                         if (a.diagnosed != b.diagnosed)
                             return a.diagnosed;
                         return a.members.first() < b.members.first();
                     });
    // An undiagnosed group of several apps shows its message with the names masked.
    for (CauseGroup& g : r.causes)
        if (!g.diagnosed && g.members.size() > 1) {
            const FailingApp& f = r.failing[g.members.first()];
            g.why = maskSpecifics(g.why, {f.app, f.destNamespace, f.project});
        }

    // Needs attention first: the most urgent causes, then production infrastructure drift.
    for (const CauseGroup& g : r.causes) {
        if (r.attention.size() >= r.limits.attention)
            break;
        const FailingApp& f = r.failing[g.members.first()];
        AttentionItem a;
        a.appKey = f.appKey;
        if (g.members.size() == 1) {
            a.headline =
                QStringLiteral("%1 (%2, %3): %4").arg(f.app, f.instance, f.environment, f.status);
            if (f.since.isValid())
                a.headline +=
                    QStringLiteral(" for %1").arg(formatDuration(f.since.secsTo(r.periodEnd)));
        } else {
            a.headline = QStringLiteral("%1 applications (%2 in production): %3, e.g. %4 (%5)")
                             .arg(number(int(g.members.size())), number(g.production), f.status,
                                  f.app, f.instance);
        }
        a.why = g.why;
        a.action = g.firstStep;
        r.attention.push_back(a);
    }
    QStringList prodInfraDrift; // "name (instance)"
    for (const DriftApp& d : r.drift)
        if (d.category == QLatin1String("infrastructure") && d.environmentRank == 0)
            prodInfraDrift << QStringLiteral("%1 (%2)").arg(d.app, d.instance);
    if (!prodInfraDrift.isEmpty()) {
        const int n = int(prodInfraDrift.size());
        AttentionItem a;
        a.headline = QStringLiteral("%1 infrastructure application%2 out of sync in production")
                         .arg(number(n), n == 1 ? QString() : QStringLiteral("s"));
        // Name them when they are few: the reader should not have to search the drift section.
        if (n <= 3)
            a.headline += QStringLiteral(": ") + prodInfraDrift.join(QStringLiteral(", "));
        a.why = QStringLiteral("platform components that differ from Git affect every workload on "
                               "their clusters");
        a.action = QStringLiteral("review the diff of each and sync, or revert the change in Git");
        r.attention.push_back(a);
    }
    return r;
}

QString maskSpecifics(const QString& text, const QStringList& names) {
    QString t = text;
    for (const QString& n : names)
        if (n.size() >= 3)
            t.replace(n, QStringLiteral("…"), Qt::CaseInsensitive);
    static const QRegularExpression quoted(QStringLiteral(R"("[^"]*")"));
    static const QRegularExpression pathLike(QStringLiteral(R"([^\s"']*/[^\s"']*)"));
    static const QRegularExpression hexes(QStringLiteral(R"(\b[0-9a-f]{7,}\b)"));
    static const QRegularExpression numbers(QStringLiteral(R"(\d+)"));
    t.replace(quoted, QStringLiteral("\"…\""));
    t.replace(pathLike, QStringLiteral("…"));
    t.replace(hexes, QStringLiteral("…"));
    t.replace(numbers, QStringLiteral("N"));
    return t.simplified();
}

QString symptomKey(const FailingApp& app) {
    const QString message = !app.operationMessage.isEmpty() ? app.operationMessage : app.message;
    return QStringLiteral("M|%1|%2").arg(
        app.status, maskSpecifics(message, {app.app, app.destNamespace, app.project}));
}

ReportInput::OperationInfo operationInfoFromApplication(const nlohmann::json& application) {
    ReportInput::OperationInfo info;
    if (!application.is_object())
        return info;
    try {
        const auto status = application.value("status", nlohmann::json::object());
        const auto op = status.value("operationState", nlohmann::json::object());
        if (!op.is_object())
            return info;
        info.message = QString::fromStdString(op.value("message", std::string()));
        const auto operation = op.value("operation", nlohmann::json::object());
        const auto by = operation.is_object()
                            ? operation.value("initiatedBy", nlohmann::json::object())
                            : nlohmann::json::object();
        if (by.is_object()) {
            if (by.value("automated", false))
                info.initiatedBy = QStringLiteral("automated");
            else
                info.initiatedBy = QString::fromStdString(by.value("username", std::string()));
        }
    } catch (const nlohmann::json::exception&) {
        // An unexpected shape: whatever was read so far.
    }
    return info;
}

ReportInput reportInputFromStore(const fleet::FleetStore& store, const QDateTime& now) {
    ReportInput input;
    input.now = now;
    input.apps.reserve(store.size());
    for (int i = 0; i < store.size(); ++i)
        input.apps.push_back(store.at(i));
    return input;
}

void addTimeline(ReportInput& input, const fleet::HealthTimeline& timeline) {
    for (const argocd::AppSummary& app : input.apps) {
        const QString key = app.key();
        if (auto s = timeline.syncs(key); !s.isEmpty())
            input.syncs.insert(key, std::move(s));
        if (auto h = timeline.healthTransitions(key); !h.isEmpty())
            input.health.insert(key, std::move(h));
        if (auto d = timeline.history(key); !d.isEmpty())
            input.deployHistory.insert(key, std::move(d));
    }
}

std::optional<PreviousTotals> previousFromHistory(const QVector<fleet::FleetHistory::Point>& points,
                                                  const QDateTime& before) {
    const fleet::FleetHistory::Point* best = nullptr;
    for (const auto& p : points)
        if (p.time <= before && (!best || p.time > best->time))
            best = &p;
    if (!best)
        return std::nullopt;
    PreviousTotals t;
    t.at = best->time;
    t.source = QStringLiteral("fleet history");
    t.apps = best->counts.apps;
    t.degraded = best->counts.degraded;
    t.syncFailed = best->counts.syncFailed;
    t.outOfSync = best->counts.outOfSync;
    return t;
}

std::optional<PreviousTotals> previousFromReportJson(const nlohmann::json& report) {
    if (!report.is_object() || report.value("format", std::string()) != kFleetReportFormat ||
        !report.contains("totals") || !report.at("totals").is_object())
        return std::nullopt;
    const nlohmann::json& t = report.at("totals");
    PreviousTotals p;
    p.at = QDateTime::fromString(QString::fromStdString(report.value("generatedAt", std::string())),
                                 Qt::ISODate);
    p.source = QStringLiteral("previous report");
    p.apps = t.value("apps", 0);
    p.failing = t.value("failing", -1);
    p.degraded = t.value("degraded", 0);
    p.syncFailed = t.value("syncFailed", 0);
    p.outOfSync = t.value("outOfSync", 0);
    return p;
}

int redactReport(FleetReport& report) {
    const ai::Redactor redactor;
    int total = 0;
    auto scrub = [&](QString& text) {
        if (text.isEmpty())
            return;
        ai::Redaction r = redactor.redact(text);
        if (r.total() > 0) {
            total += r.total();
            text = r.text;
        }
    };
    for (FailingApp& f : report.failing) {
        scrub(f.message);
        scrub(f.rootCause);
        scrub(f.firstStep);
    }
    for (CauseGroup& g : report.causes) {
        scrub(g.why);
        scrub(g.firstStep);
    }
    for (ChangeEntry& c : report.changes)
        scrub(c.message);
    for (AttentionItem& a : report.attention) {
        scrub(a.why);
        scrub(a.action);
    }
    for (QString& n : report.notes)
        scrub(n);
    return total;
}

} // namespace sextant::report
