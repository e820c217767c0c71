#include "normalise.h"

#include <QRegularExpression>

namespace sextant::analysis {

namespace {

QString qs(const Json& j) {
    if (j.is_string())
        return QString::fromStdString(j.get<std::string>());
    if (j.is_number_integer())
        return QString::number(j.get<long long>());
    if (j.is_boolean())
        return j.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    return {};
}

QString str(const Json& obj, const char* key) {
    if (!obj.is_object())
        return {};
    const auto it = obj.find(key);
    return it == obj.end() ? QString() : qs(*it);
}

const Json& member(const Json& obj, const char* key) {
    static const Json null;
    if (!obj.is_object())
        return null;
    const auto it = obj.find(key);
    return it == obj.end() ? null : *it;
}

const Json& arrayMember(const Json& obj, const char* key) {
    static const Json empty = Json::array();
    const Json& m = member(obj, key);
    return m.is_array() ? m : empty;
}

QRegularExpression compiled(const QString& pattern,
                            QRegularExpression::PatternOptions options = {}) {
    QRegularExpression re(pattern, options);
    re.optimize();
    return re;
}

QString resourceLabel(const QString& kind, const QString& ns, const QString& name) {
    if (name.isEmpty())
        return kind;
    return ns.isEmpty() ? QStringLiteral("%1 %2").arg(kind, name)
                        : QStringLiteral("%1 %2/%3").arg(kind, ns, name);
}

QDateTime parseTime(const QString& s) {
    return s.isEmpty() ? QDateTime() : QDateTime::fromString(s, Qt::ISODateWithMs);
}

// Collects items and numbers them at the end, so every section can skip freely.
class Builder {
public:
    explicit Builder(const EvidenceCaps& caps)
        : m_caps(caps) {}

    EvidenceItem& add(const QString& source, const QString& ref, const QString& text) {
        EvidenceItem item;
        item.source = source;
        item.ref = ref;
        // Kubernetes messages may span lines (admission webhooks); evidence is one line.
        const QString line = text.contains(QLatin1Char('\n')) ? text.simplified() : text;
        item.text = line.size() > m_caps.maxLineChars && m_caps.maxLineChars > 0
                        ? line.left(m_caps.maxLineChars) + QChar(0x2026)
                        : line;
        m_items.push_back(std::move(item));
        return m_items.back();
    }

    QVector<EvidenceItem>& items() { return m_items; }

    QVector<EvidenceItem> take() {
        for (int i = 0; i < m_items.size(); ++i)
            m_items[i].id = QStringLiteral("E%1").arg(i + 1);
        return std::move(m_items);
    }

private:
    const EvidenceCaps& m_caps;
    QVector<EvidenceItem> m_items;
};

void conditions(const Json& app, Builder& out) {
    const Json& status = member(app, "status");
    for (const Json& c : arrayMember(status, "conditions")) {
        const QString type = str(c, "type");
        // SyncError carries the flattened sync message ("Failed last sync attempt to <rev>:
        // one or more objects failed to apply, reason: a,b"): one line per cause here too.
        const QStringList parts = splitSyncMessage(str(c, "message"));
        for (int i = 0; i < parts.size(); ++i) {
            EvidenceItem& e =
                out.add(QStringLiteral("condition"),
                        i == 0 ? QStringLiteral("condition %1").arg(type)
                               : QStringLiteral("condition %1, cause %2").arg(type).arg(i),
                        parts[i]);
            e.kind = QStringLiteral("Application");
            e.ns = str(member(app, "metadata"), "namespace");
            e.name = str(member(app, "metadata"), "name");
            e.reason = type;
            e.warning =
                type.endsWith(QLatin1String("Error")) || type.endsWith(QLatin1String("Warning"));
            e.time = parseTime(str(c, "lastTransitionTime"));
        }
    }
}

void operation(const Json& app, Builder& out) {
    const Json& op = member(member(app, "status"), "operationState");
    if (!op.is_object())
        return;
    const QString phase = str(op, "phase");
    const QString message = str(op, "message");
    const bool failed = phase == QLatin1String("Failed") || phase == QLatin1String("Error");
    if (!message.isEmpty()) {
        const QStringList parts = splitSyncMessage(message);
        for (int i = 0; i < parts.size(); ++i) {
            EvidenceItem& e =
                out.add(QStringLiteral("operation"),
                        i == 0 ? QStringLiteral("operation %1").arg(phase)
                               : QStringLiteral("operation %1, cause %2").arg(phase).arg(i),
                        parts[i]);
            e.reason = phase;
            e.warning = failed;
            e.time = parseTime(str(op, "finishedAt"));
        }
    }
    // Per-resource results: only what did not simply apply, plus hooks that did not succeed.
    for (const Json& r : arrayMember(member(op, "syncResult"), "resources")) {
        const QString status = str(r, "status");
        // Every resource of a sync result carries a hookPhase; only a hookType makes it a hook.
        const QString hookType = str(r, "hookType");
        const QString hookPhase = hookType.isEmpty() ? QString() : str(r, "hookPhase");
        const QString text = str(r, "message");
        const bool hookPending = !hookPhase.isEmpty() && hookPhase != QLatin1String("Succeeded");
        if (text.isEmpty() || (status == QLatin1String("Synced") && !hookPending))
            continue;
        const QString kind = str(r, "kind");
        const QString ns = str(r, "namespace");
        const QString name = str(r, "name");
        QString ref = QStringLiteral("sync result %1").arg(resourceLabel(kind, ns, name));
        if (!hookType.isEmpty())
            ref += QStringLiteral(" (%1 hook)").arg(hookType);
        EvidenceItem& e = out.add(QStringLiteral("syncResult"), ref, text);
        e.group = str(r, "group");
        e.kind = kind;
        e.ns = ns;
        e.name = name;
        e.hookType = hookType;
        e.reason = hookPhase.isEmpty() ? status : hookPhase; // hooks: Running/Failed/...
        e.warning = status == QLatin1String("SyncFailed") || hookPhase == QLatin1String("Failed") ||
                    hookPhase == QLatin1String("Error");
    }
}

bool unhealthy(const QString& status) {
    return !status.isEmpty() && status != QLatin1String("Healthy");
}

void health(const EvidenceBundle& b, Builder& out) {
    const Json& status = member(b.application, "status");
    const QString appHealth = str(member(status, "health"), "status");
    const QString appSync = str(member(status, "sync"), "status");
    if (!appHealth.isEmpty() || !appSync.isEmpty()) {
        QString text =
            QStringLiteral("Application %1: health %2, sync %3")
                .arg(b.appNamespace.isEmpty() ? b.appName
                                              : b.appNamespace + QLatin1Char('/') + b.appName,
                     appHealth.isEmpty() ? QStringLiteral("unknown") : appHealth,
                     appSync.isEmpty() ? QStringLiteral("unknown") : appSync);
        const QString msg = str(member(status, "health"), "message");
        if (!msg.isEmpty())
            text += QStringLiteral(": ") + msg;
        EvidenceItem& e =
            out.add(QStringLiteral("health"), QStringLiteral("application status"), text);
        e.kind = QStringLiteral("Application");
        e.ns = b.appNamespace;
        e.name = b.appName;
        e.reason = appHealth;
        e.warning = appHealth == QLatin1String("Degraded") ||
                    appHealth == QLatin1String("Missing") || appHealth == QLatin1String("Unknown");
    }

    QSet<QString> seen;
    const auto node = [&](const Json& n, const Json& healthObj, const QString& statusReason) {
        const QString hs = str(healthObj, "status");
        if (!unhealthy(hs))
            return;
        const QString kind = str(n, "kind");
        const QString ns = str(n, "namespace");
        const QString name = str(n, "name");
        const QString key = kind + QLatin1Char('/') + ns + QLatin1Char('/') + name;
        if (seen.contains(key))
            return;
        seen.insert(key);
        QString text = str(healthObj, "message");
        if (!statusReason.isEmpty() && !text.contains(statusReason))
            text = text.isEmpty() ? statusReason : statusReason + QStringLiteral(": ") + text;
        if (text.isEmpty())
            text = QStringLiteral("%1 is %2").arg(resourceLabel(kind, ns, name), hs);
        EvidenceItem& e =
            out.add(QStringLiteral("health"),
                    QStringLiteral("%1 %2").arg(resourceLabel(kind, ns, name), hs), text);
        e.group = str(n, "group");
        e.kind = kind;
        e.ns = ns;
        e.name = name;
        e.reason = hs;
        e.warning = hs == QLatin1String("Degraded");
    };
    for (const Json& n : arrayMember(b.resourceTree, "nodes")) {
        QString statusReason;
        for (const Json& info : arrayMember(n, "info"))
            if (str(info, "name") == QLatin1String("Status Reason"))
                statusReason = str(info, "value");
        node(n, member(n, "health"), statusReason);
    }
    for (const Json& r : arrayMember(status, "resources"))
        node(r, member(r, "health"), QString());

    // Drift: resources Argo CD compares as OutOfSync.
    for (const Json& r : arrayMember(status, "resources")) {
        if (str(r, "status") != QLatin1String("OutOfSync"))
            continue;
        const QString kind = str(r, "kind");
        const QString label = resourceLabel(kind, str(r, "namespace"), str(r, "name"));
        QString text = label + QStringLiteral(" is OutOfSync");
        if (member(r, "requiresPruning").is_boolean() && member(r, "requiresPruning").get<bool>())
            text += QStringLiteral(" and requires pruning");
        else if (str(member(r, "health"), "status") == QLatin1String("Missing"))
            text += QStringLiteral(" (missing from the cluster)");
        EvidenceItem& e =
            out.add(QStringLiteral("sync"), QStringLiteral("sync %1").arg(label), text);
        e.group = str(r, "group");
        e.kind = kind;
        e.ns = str(r, "namespace");
        e.name = str(r, "name");
        e.reason = QStringLiteral("OutOfSync");
    }
}

void containerStatuses(const Json& pod, const Json& statuses, bool init, Builder& out) {
    const QString ns = str(member(pod, "metadata"), "namespace");
    const QString name = str(member(pod, "metadata"), "name");
    for (const Json& c : statuses.is_array() ? statuses : Json::array()) {
        const QString container = str(c, "name");
        const QString ref = QStringLiteral("Pod %1 %2container %3")
                                .arg(ns.isEmpty() ? name : ns + QLatin1Char('/') + name,
                                     init ? QStringLiteral("init ") : QString(), container);
        const auto add = [&](const QString& reason, const QString& text, bool warning) {
            EvidenceItem& e = out.add(QStringLiteral("container"), ref, text);
            e.kind = QStringLiteral("Pod");
            e.ns = ns;
            e.name = name;
            e.container = container;
            e.reason = reason;
            e.warning = warning;
        };
        const int restarts = member(c, "restartCount").is_number_integer()
                                 ? member(c, "restartCount").get<int>()
                                 : 0;
        const Json& state = member(c, "state");
        const Json& waiting = member(state, "waiting");
        if (waiting.is_object()) {
            const QString reason = str(waiting, "reason");
            const QString msg = str(waiting, "message");
            const bool benign = reason == QLatin1String("ContainerCreating") ||
                                reason == QLatin1String("PodInitializing");
            if (!(benign && msg.isEmpty()))
                add(reason, msg.isEmpty() ? reason : reason + QStringLiteral(": ") + msg, !benign);
        }
        const auto terminated = [&](const Json& t, const QString& label) {
            if (!t.is_object())
                return;
            const QString reason = str(t, "reason");
            const QString exitCode = str(t, "exitCode");
            if (reason == QLatin1String("Completed") && (exitCode == QLatin1String("0")))
                return;
            QString text =
                QStringLiteral("%1: terminated %2, exit code %3")
                    .arg(label, reason.isEmpty() ? QStringLiteral("(no reason)") : reason,
                         exitCode.isEmpty() ? QStringLiteral("?") : exitCode);
            if (restarts > 0)
                text += QStringLiteral(", restarted %1 times").arg(restarts);
            if (!str(t, "message").isEmpty())
                text += QStringLiteral(": ") + str(t, "message");
            add(reason, text, exitCode != QLatin1String("0"));
        };
        terminated(member(state, "terminated"), QStringLiteral("State"));
        terminated(member(member(c, "lastState"), "terminated"), QStringLiteral("Last state"));
    }
}

void pods(const EvidenceBundle& b, Builder& out) {
    for (const Json& pod : b.pods) {
        const QString ns = str(member(pod, "metadata"), "namespace");
        const QString name = str(member(pod, "metadata"), "name");
        const Json& status = member(pod, "status");
        const auto add = [&](const QString& reason, const QString& text) {
            EvidenceItem& e = out.add(QStringLiteral("pod"),
                                      resourceLabel(QStringLiteral("Pod"), ns, name), text);
            e.kind = QStringLiteral("Pod");
            e.ns = ns;
            e.name = name;
            e.reason = reason;
            e.warning = true;
        };
        const QString reason = str(status, "reason");
        if (!reason.isEmpty())
            add(reason, str(status, "message").isEmpty()
                            ? reason
                            : reason + QStringLiteral(": ") + str(status, "message"));
        for (const Json& c : arrayMember(status, "conditions"))
            if (str(c, "type") == QLatin1String("PodScheduled") &&
                str(c, "status") == QLatin1String("False"))
                add(str(c, "reason").isEmpty() ? QStringLiteral("Unschedulable") : str(c, "reason"),
                    str(c, "message"));
        containerStatuses(pod, member(status, "initContainerStatuses"), true, out);
        containerStatuses(pod, member(status, "containerStatuses"), false, out);
    }
}

void events(const EvidenceBundle& b, Builder& out) {
    for (const bool warnings : {true, false}) {
        for (const Json& ev : b.events) {
            const bool isWarning = str(ev, "type") == QLatin1String("Warning");
            if (isWarning != warnings)
                continue;
            const Json& obj = member(ev, "involvedObject");
            const QString kind = str(obj, "kind");
            const QString ns = str(obj, "namespace");
            const QString name = str(obj, "name");
            const QString reason = str(ev, "reason");
            QString message = str(ev, "message");
            if (message.isEmpty())
                message = str(ev, "note"); // events.k8s.io/v1
            // Argo CD's own events repeat the flattened sync message: one line per cause.
            for (const QString& text : splitSyncMessage(message)) {
                EvidenceItem& e = out.add(
                    QStringLiteral("event"),
                    QStringLiteral("event %1 on %2").arg(reason, resourceLabel(kind, ns, name)),
                    text);
                e.group = str(obj, "apiVersion").section(QLatin1Char('/'), 0, -2);
                e.kind = kind;
                e.ns = ns;
                e.name = name;
                e.reason = reason;
                e.warning = isWarning;
                e.count =
                    member(ev, "count").is_number_integer() ? member(ev, "count").get<int>() : 1;
                for (const char* key : {"lastTimestamp", "eventTime", "firstTimestamp"})
                    if (!e.time.isValid())
                        e.time = parseTime(str(ev, key));
            }
        }
    }
}

void logs(const EvidenceBundle& b, Builder& out) {
    constexpr int maxPerStream = 20; // error lines per stream; the rest stays in the bundle
    for (const Json& s : b.logs) {
        const QString pod = str(s, "pod");
        const QString ns = str(s, "namespace");
        const QString container = str(s, "container");
        const bool previous =
            member(s, "previous").is_boolean() && member(s, "previous").get<bool>();
        const QString ref =
            QStringLiteral("log %1/%2%3")
                .arg(pod, container, previous ? QStringLiteral(" (previous)") : QString());
        QStringList lines;
        for (const Json& l : arrayMember(s, "lines"))
            lines << qs(l);
        QVector<int> picked;
        for (int i = 0; i < lines.size() && picked.size() < maxPerStream; ++i)
            if (!lines[i].trimmed().isEmpty() && isErrorLogLine(lines[i]))
                picked << i;
        const bool errors = !picked.isEmpty();
        if (!errors) // no error line: the last lines are where a crashed process stopped
            for (int i = std::max(0, int(lines.size()) - 3); i < lines.size(); ++i)
                if (!lines[i].trimmed().isEmpty())
                    picked << i;
        for (int i : picked) {
            EvidenceItem& e = out.add(QStringLiteral("log"), ref, lines[i].trimmed());
            e.kind = QStringLiteral("Pod");
            e.ns = ns;
            e.name = pod;
            e.container = container;
            e.reason = previous ? QStringLiteral("previous") : QString();
            e.warning = errors;
        }
    }
}

void revisions(const EvidenceBundle& b, Builder& out) {
    for (const Json& r : b.revisions) {
        const QString rev = str(r, "revision");
        const QString message = str(r, "message").section(QLatin1Char('\n'), 0, 0).trimmed();
        EvidenceItem& e =
            out.add(QStringLiteral("revision"),
                    QStringLiteral("revision %1 by %2").arg(rev.left(7), str(r, "author")),
                    message.isEmpty() ? QStringLiteral("(no commit message)") : message);
        // No resource: a commit is about the application, the diagnoser reads the author and
        // revision from the bundle.
        e.time = parseTime(str(r, "date"));
    }
}

void diff(const EvidenceBundle& b, Builder& out) {
    constexpr int maxLines = 300;
    QString file;
    int n = 0;
    for (const QString& line : b.gitDiff.split(QLatin1Char('\n'))) {
        if (line.startsWith(QLatin1String("+++ "))) {
            file = line.mid(4);
            if (file.startsWith(QLatin1String("b/")))
                file = file.mid(2);
            continue;
        }
        if (line.startsWith(QLatin1String("--- ")) || line.startsWith(QLatin1String("diff ")))
            continue;
        if (!(line.startsWith(QLatin1Char('+')) || line.startsWith(QLatin1Char('-'))) ||
            line.mid(1).trimmed().isEmpty())
            continue;
        if (++n > maxLines)
            break;
        EvidenceItem& e =
            out.add(QStringLiteral("diff"), QStringLiteral("diff %1").arg(file), line);
        // The file stays in the ref: it is not a Kubernetes resource.
        e.reason =
            line.startsWith(QLatin1Char('+')) ? QStringLiteral("added") : QStringLiteral("removed");
    }
}

// "pod", "deploy", "svc", ... as kubectl accepts them, to the Kind they name.
QString kindOf(const QString& word) {
    static const QHash<QString, QString> kinds = {
        {QStringLiteral("pod"), QStringLiteral("Pod")},
        {QStringLiteral("pods"), QStringLiteral("Pod")},
        {QStringLiteral("po"), QStringLiteral("Pod")},
        {QStringLiteral("deployment"), QStringLiteral("Deployment")},
        {QStringLiteral("deploy"), QStringLiteral("Deployment")},
        {QStringLiteral("replicaset"), QStringLiteral("ReplicaSet")},
        {QStringLiteral("rs"), QStringLiteral("ReplicaSet")},
        {QStringLiteral("statefulset"), QStringLiteral("StatefulSet")},
        {QStringLiteral("sts"), QStringLiteral("StatefulSet")},
        {QStringLiteral("daemonset"), QStringLiteral("DaemonSet")},
        {QStringLiteral("job"), QStringLiteral("Job")},
        {QStringLiteral("service"), QStringLiteral("Service")},
        {QStringLiteral("svc"), QStringLiteral("Service")},
        {QStringLiteral("ingress"), QStringLiteral("Ingress")},
        {QStringLiteral("persistentvolumeclaim"), QStringLiteral("PersistentVolumeClaim")},
        {QStringLiteral("pvc"), QStringLiteral("PersistentVolumeClaim")},
        {QStringLiteral("horizontalpodautoscaler"), QStringLiteral("HorizontalPodAutoscaler")},
        {QStringLiteral("hpa"), QStringLiteral("HorizontalPodAutoscaler")}};
    return kinds.value(word.toLower());
}

// One row of a pasted events table reads like an event: its type makes it a warning, its
// reason is the event reason and its object names the resource; the text is the message.
void eventTableRow(const QRegularExpressionMatch& m, const QString& title, const QString& blockNs,
                   Builder& out) {
    const QString object = m.captured(QStringLiteral("object"));
    const int slash = object.indexOf(QLatin1Char('/'));
    const QString kindWord =
        slash > 0 ? object.left(slash).section(QLatin1Char('.'), 0, 0) : QString();
    QString kind = kindOf(kindWord);
    if (kind.isEmpty() && !kindWord.isEmpty())
        kind = kindWord.left(1).toUpper() + kindWord.mid(1);
    const QString name = slash > 0 ? object.mid(slash + 1) : object;
    const QString ns =
        m.captured(QStringLiteral("ns")).isEmpty() ? blockNs : m.captured(QStringLiteral("ns"));
    const QString reason = m.captured(QStringLiteral("reason"));
    for (const QString& part : splitSyncMessage(m.captured(QStringLiteral("message")))) {
        EvidenceItem& e = out.add(QStringLiteral("text"),
                                  QStringLiteral("%1: %2 %3 on %4")
                                      .arg(title, m.captured(QStringLiteral("type")), reason,
                                           resourceLabel(kind, ns, name)),
                                  part);
        e.kind = kind;
        e.name = name;
        e.ns = ns;
        e.reason = reason;
        e.warning = m.captured(QStringLiteral("type")) == QLatin1String("Warning");
        e.count = m.captured(QStringLiteral("count")).isEmpty()
                      ? 1
                      : m.captured(QStringLiteral("count")).toInt();
    }
}

void textBlocks(const EvidenceBundle& b, Builder& out) {
    // Pasted kubectl output names its resource in the command ("kubectl describe pod x -n ns")
    // or on the line ("pod/x"): findings from text can then name the resource too.
    // `kubectl get events` (and `kubectl events`) tables: LAST SEEN TYPE REASON OBJECT MESSAGE,
    // with a NAMESPACE column first under -A.
    static const QRegularExpression eventHeader = compiled(
        QStringLiteral("^(?:NAMESPACE\\s+)?LAST SEEN\\s+TYPE\\s+REASON\\s+OBJECT\\s+MESSAGE$"));
    static const QRegularExpression eventRow = compiled(
        QStringLiteral("^(?:(?<ns>[a-z0-9][\\w.-]*)\\s+)?(?<seen>\\S+(?: \\(x(?<count>\\d+) over "
                       "\\S+\\))?)\\s+(?<type>Normal|Warning)\\s+(?<reason>[A-Za-z][\\w.-]*)\\s+"
                       "(?<object>\\S+)\\s+(?<message>.+)$"));
    static const QRegularExpression command = compiled(QStringLiteral(
        "kubectl\\s+(?:describe|get|logs)\\s+(?<kind>[a-z]+)[ /](?<name>[a-z0-9][\\w.-]*)"));
    static const QRegularExpression nsOption =
        compiled(QStringLiteral("(?:\\s-n\\s*|--namespace[= ])(?<ns>[a-z0-9][\\w-]*)"));
    static const QRegularExpression onLine = compiled(
        QStringLiteral("\\b(?<kind>pod|deployment|replicaset|statefulset|job|service|ingress|"
                       "persistentvolumeclaim|horizontalpodautoscaler)(?:\\.[\\w.]+)?/"
                       "(?<name>[a-z0-9][\\w.-]*)"),
        QRegularExpression::CaseInsensitiveOption);
    for (const Json& block : b.text) {
        QString title = str(block, "title");
        if (title.isEmpty())
            title = str(block, "source");
        QString blockKind;
        QString blockName;
        if (const auto m = command.match(title); m.hasMatch() && !kindOf(m.captured(1)).isEmpty()) {
            blockKind = kindOf(m.captured(1));
            blockName = m.captured(2);
        }
        const QString ns = nsOption.match(title).captured(1);
        bool eventTable = false; // inside a pasted `kubectl get events` table
        for (const QString& line : str(block, "text").split(QLatin1Char('\n'))) {
            const QString t = line.trimmed();
            if (t.isEmpty())
                continue;
            if (eventHeader.match(t).hasMatch()) {
                eventTable = true;
                continue;
            }
            if (eventTable) {
                if (const auto m = eventRow.match(t); m.hasMatch()) {
                    eventTableRow(m, title, ns, out);
                    continue;
                }
                eventTable = false; // the table ended
            }
            QString kind = blockKind;
            QString name = blockName;
            if (const auto m = onLine.match(t); m.hasMatch()) {
                kind = kindOf(m.captured(1));
                name = m.captured(2);
            }
            // A pasted sync message holds several causes, like operationState.message.
            for (const QString& part : splitSyncMessage(t)) {
                EvidenceItem& e = out.add(QStringLiteral("text"), title, part);
                e.kind = kind; // no structure: never a warning
                e.name = name;
                e.ns = name.isEmpty() ? QString() : ns;
            }
        }
    }
}

} // namespace

bool isErrorLogLine(const QString& line) {
    static const QRegularExpression re = compiled(
        QStringLiteral("\\b(panic|fatal|error|exception|traceback|failed|failure|refused|"
                       "denied|forbidden|oomkilled|killed|unable to|cannot|could not|"
                       "timed out|timeout|no such host|server misbehaving|not found|invalid|"
                       "name resolution|ENOTFOUND|EAI_AGAIN|NXDOMAIN|"
                       "out of memory|[a-z]\\w*(?:error|exception))\\b|^Caused by:|^\\s*raise "),
        QRegularExpression::CaseInsensitiveOption);
    return re.match(line).hasMatch();
}

QStringList splitSyncMessage(const QString& message) {
    static const QString marker = QStringLiteral(", reason: ");
    const int at = message.indexOf(marker);
    if (at < 0)
        return {message};
    QString head = message.left(at);
    QString rest = message.mid(at + marker.size());

    // "<...>. Retrying attempt #3 at 4:05PM." belongs to the operation, not to the last cause.
    static const QRegularExpression retry =
        compiled(QStringLiteral("\\.?\\s*Retrying attempt #\\d+ at [^,]*$"));
    if (const auto m = retry.match(rest); m.hasMatch()) {
        QString suffix = m.captured(0).trimmed();
        if (suffix.startsWith(QLatin1Char('.')))
            suffix = suffix.mid(1).trimmed();
        head += QStringLiteral(". ") + suffix;
        rest.truncate(m.capturedStart(0));
    }

    // Where a new Kubernetes/Argo CD error starts. A comma inside brackets or followed by a
    // space never splits ("exceeded quota: q, requested: ...", "limits.cpu,limits.memory").
    static const QRegularExpression start = compiled(QStringLiteral(
        "(?:[A-Za-z][\\w.-]*\\s(?:\"[^\"]*\"\\s)?(?:is\\s(?:forbidden|invalid)|not\\sfound|"
        "already\\s"
        "exists)"
        "|admission\\swebhook\\s\"|Internal\\serror\\soccurred:|error\\s(?:validating|when|"
        "creating|updating|patching|from\\sserver)|Error\\sfrom\\sserver|"
        "The\\sKubernetes\\sAPI\\scould\\snot\\sfind|the\\sserver\\scould\\snot\\sfind|"
        "resource\\s\\S+\\sis\\snot\\spermitted|namespace\\s\\S+\\sis\\snot\\spermitted|"
        "the\\snamespace\\sfailed|failed\\sto\\s|unable\\sto\\s|rpc\\serror:|"
        "Namespace\\sfor\\s\\S+|[a-z][\\w.-]*/[\\w.-]+\\s(?:is|was|failed)\\s)"));
    QStringList out{head};
    int depth = 0;
    int from = 0;
    for (int i = 0; i < rest.size(); ++i) {
        const QChar c = rest[i];
        if (c == QLatin1Char('[') || c == QLatin1Char('{') || c == QLatin1Char('('))
            ++depth;
        else if ((c == QLatin1Char(']') || c == QLatin1Char('}') || c == QLatin1Char(')')) &&
                 depth > 0)
            --depth;
        else if (c == QLatin1Char(',') && depth == 0 && i + 1 < rest.size() &&
                 !rest[i + 1].isSpace() &&
                 start
                     .match(rest, i + 1, QRegularExpression::NormalMatch,
                            QRegularExpression::AnchorAtOffsetMatchOption)
                     .hasMatch()) {
            out << rest.mid(from, i - from).trimmed();
            from = i + 1;
        }
    }
    out << rest.mid(from).trimmed();
    out.removeAll(QString());
    if (out.isEmpty())
        out << message;
    return out;
}

QString workloadKey(const QString& ns, const QString& kind, const QString& name) {
    static const QRegularExpression rsPod =
        compiled(QStringLiteral("^(.+)-[a-z0-9]{6,10}-[a-z0-9]{5}$"));
    static const QRegularExpression ordinal = compiled(QStringLiteral("^(.+)-\\d{1,4}$"));
    static const QRegularExpression shortSuffix = compiled(QStringLiteral("^(.+)-[a-z0-9]{5}$"));
    static const QRegularExpression rsHash = compiled(QStringLiteral("^(.+)-[a-z0-9]{6,10}$"));
    QString base = name;
    if (kind == QLatin1String("Pod")) {
        for (const QRegularExpression* re : {&rsPod, &ordinal, &shortSuffix}) {
            if (const auto m = re->match(name); m.hasMatch()) {
                base = m.captured(1);
                break;
            }
        }
    } else if (kind == QLatin1String("ReplicaSet")) {
        if (const auto m = rsHash.match(name); m.hasMatch())
            base = m.captured(1);
    }
    return ns + QLatin1Char('/') + base;
}

// The controller of every Pod the bundle knows (Pod ownerReferences, else the resource tree's
// parentRefs), so that lines about a Job's Pod are read as the Job's.
void owners(const EvidenceBundle& b, Builder& out) {
    QHash<QString, QPair<QString, QString>> owner; // "ns/pod" and "pod" -> (kind, name)
    const auto note = [&](const QString& ns, const QString& pod, const Json& refs) {
        for (const Json& r : refs.is_array() ? refs : Json::array()) {
            const bool controller =
                member(r, "controller").is_boolean() && member(r, "controller").get<bool>();
            if (str(r, "kind").isEmpty() || (!controller && refs.size() > 1))
                continue;
            const QPair<QString, QString> o{str(r, "kind"), str(r, "name")};
            owner.insert(ns + QLatin1Char('/') + pod, o);
            owner.insert(pod, o);
            return;
        }
    };
    for (const Json& n : arrayMember(b.resourceTree, "nodes"))
        if (str(n, "kind") == QLatin1String("Pod"))
            note(str(n, "namespace"), str(n, "name"), member(n, "parentRefs"));
    for (const Json& pod : b.pods) // the Pod's own references win
        note(str(member(pod, "metadata"), "namespace"), str(member(pod, "metadata"), "name"),
             member(member(pod, "metadata"), "ownerReferences"));
    if (owner.isEmpty())
        return;
    for (EvidenceItem& e : out.items()) {
        if (e.kind != QLatin1String("Pod") || e.name.isEmpty())
            continue;
        auto it = owner.constFind(e.ns + QLatin1Char('/') + e.name);
        if (it == owner.constEnd() && e.ns.isEmpty())
            it = owner.constFind(e.name);
        if (it == owner.constEnd())
            continue;
        e.ownerKind = it->first;
        e.ownerName = it->second;
    }
}

QVector<EvidenceItem> normaliseEvidence(const EvidenceBundle& bundle, const EvidenceCaps& caps) {
    Builder out(caps);
    conditions(bundle.application, out);
    operation(bundle.application, out);
    health(bundle, out);
    pods(bundle, out);
    events(bundle, out);
    logs(bundle, out);
    revisions(bundle, out);
    diff(bundle, out);
    textBlocks(bundle, out);
    owners(bundle, out);
    return out.take();
}

} // namespace sextant::analysis
