#include "runbooks.h"

#include "alertmatch.h"
#include "gitops/yamledit.h"

#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <optional>

namespace sextant::incident {

using policy::YNode;

namespace {

QString str(const std::string& s) {
    return QString::fromStdString(s);
}

QString at(const QString& file, int line) {
    return line > 0 ? QStringLiteral("%1:%2").arg(file).arg(line) : file;
}

// Collects the problems of one runbook document; the runbook is kept only when there are none.
struct Checker {
    QString file;
    QStringList errors;

    void fail(int line, const QString& what) {
        errors << at(file, line) + QStringLiteral(": ") + what;
    }

    QString scalar(const YNode& parent, const char* key, bool required, const QString& what) {
        const YNode* n = parent.get(key);
        if (!n || n->type == YNode::Type::Null) {
            if (required)
                fail(parent.displayLine(), QStringLiteral("%1 is missing").arg(what));
            return {};
        }
        if (!n->isScalar()) {
            fail(n->displayLine(), QStringLiteral("%1 must be a single value").arg(what));
            return {};
        }
        return str(n->scalar).trimmed();
    }

    // A scalar or a list of scalars.
    QStringList list(const YNode& parent, const char* key, const QString& what) {
        const YNode* n = parent.get(key);
        if (!n || n->type == YNode::Type::Null)
            return {};
        if (n->isScalar())
            return {str(n->scalar).trimmed()};
        QStringList out;
        if (!n->isSeq()) {
            fail(n->displayLine(),
                 QStringLiteral("%1 must be a value or a list of values").arg(what));
            return out;
        }
        for (const YNode& item : n->seq) {
            if (!item.isScalar() || item.scalar.empty())
                fail(item.line, QStringLiteral("%1 must list plain values").arg(what));
            else
                out << str(item.scalar).trimmed();
        }
        return out;
    }

    std::optional<int> integer(const YNode& parent, const char* key, const QString& what,
                               bool required) {
        const YNode* n = parent.get(key);
        if (!n) {
            if (required)
                fail(parent.displayLine(), QStringLiteral("%1 is missing").arg(what));
            return std::nullopt;
        }
        long long v = 0;
        if (!n->asInt(v) || v < 0 || v > 1000) {
            fail(n->displayLine(),
                 QStringLiteral("%1 must be a whole number from 0 to 1000, not \"%2\"")
                     .arg(what, str(n->scalar)));
            return std::nullopt;
        }
        return int(v);
    }

    void onlyKeys(const YNode& n, const QStringList& keys, const QString& where) {
        for (const auto& [k, v] : n.map)
            if (!keys.contains(str(k)))
                fail(v.displayLine(), QStringLiteral("unknown key \"%1\" in %2 (known: %3)")
                                          .arg(str(k), where, keys.join(QStringLiteral(", "))));
    }
};

bool isKustomization(const QString& path) {
    const QString base = path.section(QLatin1Char('/'), -1);
    return base == QLatin1String("kustomization.yaml") ||
           base == QLatin1String("kustomization.yml") || base == QLatin1String("Kustomization");
}

QRegularExpression anchored(const QString& pattern) {
    return QRegularExpression(QRegularExpression::anchoredPattern(pattern));
}

bool wildcardMatch(const QString& pattern, const QString& name) {
    // wildcardToRegularExpression anchors the pattern: "shop-*" matches the whole name.
    return QRegularExpression(QRegularExpression::wildcardToRegularExpression(pattern))
        .match(name)
        .hasMatch();
}

QString slug(const QString& s) {
    QString out;
    for (const QChar c : s.toLower())
        out += (c.isLetterOrNumber() ? c : QLatin1Char('-'));
    static const QRegularExpression dashes(QStringLiteral("-+"));
    out.replace(dashes, QStringLiteral("-"));
    while (out.startsWith(QLatin1Char('-')))
        out.remove(0, 1);
    while (out.endsWith(QLatin1Char('-')))
        out.chop(1);
    return out.left(40);
}

Error refuse(const Runbook& r, const QString& what, Error::Kind kind = Error::Kind::Config) {
    return Error::make(kind, QStringLiteral("runbook %1: %2").arg(r.id, what),
                       QStringLiteral("Defined in %1.").arg(at(r.file, r.line)));
}

} // namespace

QString runbookDir() {
    return QStringLiteral(".sextant/runbooks");
}

QString Runbook::actionText() const {
    if (action == Action::Scale)
        return QStringLiteral("scale %1 %2 to %3 (allowed %4 to %5)")
            .arg(kind, name)
            .arg(replicas)
            .arg(minReplicas)
            .arg(maxReplicas);
    return QStringLiteral("set %1 in %2 to %3 (allowed: %4)")
        .arg(path, targetFile, value.isEmpty() ? QStringLiteral("a chosen value") : value,
             allowed.join(QStringLiteral(", ")));
}

RunbookSet parseRunbooks(const QByteArray& content, const QString& file) {
    RunbookSet out;
    auto docs = gitops::parseYaml(content);
    if (!docs.ok()) {
        out.errors << QStringLiteral("%1: %2").arg(file, docs.error().shortMessage);
        return out;
    }
    static const QRegularExpression idPattern(QStringLiteral("^[a-z0-9][a-z0-9-]{0,62}$"));
    for (const YNode& doc : *docs) {
        Checker c{file, {}};
        if (!doc.isMap()) {
            c.fail(doc.line, QStringLiteral("a runbook must be a YAML map"));
            out.errors << c.errors;
            continue;
        }
        Runbook r;
        r.file = file;
        r.line = doc.map.empty() ? doc.line : doc.map.front().second.displayLine();
        c.onlyKeys(doc,
                   {QStringLiteral("id"), QStringLiteral("title"), QStringLiteral("description"),
                    QStringLiteral("when"), QStringLiteral("action"), QStringLiteral("owners"),
                    QStringLiteral("approvers")},
                   QStringLiteral("a runbook"));
        r.id = c.scalar(doc, "id", true, QStringLiteral("id"));
        if (!r.id.isEmpty() && !idPattern.match(r.id).hasMatch())
            c.fail(doc.get("id")->displayLine(),
                   QStringLiteral("id \"%1\" must be lower-case letters, digits and dashes")
                       .arg(r.id));
        r.title = c.scalar(doc, "title", true, QStringLiteral("title"));
        r.description = c.scalar(doc, "description", false, QStringLiteral("description"));
        r.owners = c.list(doc, "owners", QStringLiteral("owners"));
        r.approvers = c.list(doc, "approvers", QStringLiteral("approvers"));

        const YNode* when = doc.get("when");
        if (!when || !when->isMap()) {
            c.fail(when ? when->displayLine() : r.line,
                   QStringLiteral("when is missing: a runbook must say which alerts it is for "
                                  "(alertname, labels, apps)"));
        } else {
            c.onlyKeys(
                *when,
                {QStringLiteral("alertname"), QStringLiteral("labels"), QStringLiteral("apps")},
                QStringLiteral("when"));
            r.alertNames = c.list(*when, "alertname", QStringLiteral("when.alertname"));
            r.apps = c.list(*when, "apps", QStringLiteral("when.apps"));
            if (const YNode* labels = when->get("labels")) {
                if (!labels->isMap())
                    c.fail(labels->displayLine(),
                           QStringLiteral("when.labels must map label names to patterns"));
                else
                    for (const auto& [k, v] : labels->map) {
                        if (!v.isScalar()) {
                            c.fail(v.displayLine(),
                                   QStringLiteral("when.labels.%1 must be a pattern").arg(str(k)));
                            continue;
                        }
                        const QString pattern = str(v.scalar);
                        if (!anchored(pattern).isValid())
                            c.fail(v.displayLine(),
                                   QStringLiteral("when.labels.%1: \"%2\" is not a valid regular "
                                                  "expression (%3)")
                                       .arg(str(k), pattern, anchored(pattern).errorString()));
                        r.labelRegex.insert(str(k), pattern);
                    }
            }
            if (r.alertNames.isEmpty() && r.labelRegex.isEmpty() && r.apps.isEmpty())
                c.fail(when->displayLine(),
                       QStringLiteral("when names no alertname, label or application: a runbook "
                                      "for every alert is not pre-approvable"));
        }

        const YNode* action = doc.get("action");
        if (!action || !action->isMap()) {
            c.fail(action ? action->displayLine() : r.line,
                   QStringLiteral("action is missing (type: scale or set-value)"));
        } else {
            const QString type = c.scalar(*action, "type", true, QStringLiteral("action.type"));
            r.targetFile = c.scalar(*action, "file", false, QStringLiteral("action.file"));
            r.path = c.scalar(*action, "path", false, QStringLiteral("action.path"));
            if (const YNode* d = action->get("document")) {
                if (!d->isMap())
                    c.fail(d->displayLine(),
                           QStringLiteral("action.document must be a map with kind and name"));
                else {
                    r.docKind = c.scalar(*d, "kind", false, QStringLiteral("action.document.kind"));
                    r.docName = c.scalar(*d, "name", false, QStringLiteral("action.document.name"));
                }
            }
            if (!r.targetFile.isEmpty() && !gitops::normalisePath(r.targetFile))
                c.fail(action->get("file")->displayLine(),
                       QStringLiteral("action.file %1 leaves the repository").arg(r.targetFile));
            const int typeLine =
                action->get("type") ? action->get("type")->displayLine() : action->displayLine();
            if (type == QLatin1String("scale")) {
                r.action = Runbook::Action::Scale;
                c.onlyKeys(*action,
                           {QStringLiteral("type"), QStringLiteral("kind"), QStringLiteral("name"),
                            QStringLiteral("replicas"), QStringLiteral("min"),
                            QStringLiteral("max"), QStringLiteral("file"),
                            QStringLiteral("document"), QStringLiteral("path")},
                           QStringLiteral("a scale action"));
                const QString kind =
                    c.scalar(*action, "kind", false, QStringLiteral("action.kind"));
                if (!kind.isEmpty())
                    r.kind = kind;
                if (r.kind != QLatin1String("Deployment") && r.kind != QLatin1String("StatefulSet"))
                    c.fail(action->get("kind")->displayLine(),
                           QStringLiteral("action.kind must be Deployment or StatefulSet, not %1")
                               .arg(r.kind));
                r.name =
                    c.scalar(*action, "name", true, QStringLiteral("action.name (the workload)"));
                const auto replicas =
                    c.integer(*action, "replicas", QStringLiteral("action.replicas"), true);
                const auto min = c.integer(*action, "min", QStringLiteral("action.min"), true);
                const auto max = c.integer(*action, "max", QStringLiteral("action.max"), true);
                if (replicas && min && max) {
                    r.replicas = *replicas;
                    r.minReplicas = *min;
                    r.maxReplicas = *max;
                    if (*min > *max)
                        c.fail(action->get("min")->displayLine(),
                               QStringLiteral("action.min (%1) is above action.max (%2)")
                                   .arg(*min)
                                   .arg(*max));
                    else if (*replicas < *min || *replicas > *max)
                        c.fail(action->get("replicas")->displayLine(),
                               QStringLiteral("action.replicas (%1) is outside min..max (%2..%3)")
                                   .arg(*replicas)
                                   .arg(*min)
                                   .arg(*max));
                }
                if (!r.path.isEmpty() && r.targetFile.isEmpty())
                    c.fail(action->get("path")->displayLine(),
                           QStringLiteral("action.path needs action.file"));
            } else if (type == QLatin1String("set-value")) {
                r.action = Runbook::Action::SetValue;
                c.onlyKeys(*action,
                           {QStringLiteral("type"), QStringLiteral("file"),
                            QStringLiteral("document"), QStringLiteral("path"),
                            QStringLiteral("allowed"), QStringLiteral("value")},
                           QStringLiteral("a set-value action"));
                if (r.targetFile.isEmpty())
                    c.fail(typeLine, QStringLiteral("action.file is missing (the file that holds "
                                                    "the value)"));
                if (r.path.isEmpty())
                    c.fail(typeLine, QStringLiteral("action.path is missing (e.g. canary.weight)"));
                r.allowed = c.list(*action, "allowed", QStringLiteral("action.allowed"));
                if (r.allowed.isEmpty())
                    c.fail(typeLine, QStringLiteral("action.allowed is missing: list the values "
                                                    "the runbook may set"));
                r.value = c.scalar(*action, "value", false, QStringLiteral("action.value"));
                if (!r.value.isEmpty() && !r.allowed.isEmpty() && !r.allowed.contains(r.value))
                    c.fail(action->get("value")->displayLine(),
                           QStringLiteral("action.value %1 is not one of action.allowed (%2)")
                               .arg(r.value, r.allowed.join(QStringLiteral(", "))));
            } else if (!type.isEmpty()) {
                c.fail(typeLine,
                       QStringLiteral("action.type \"%1\" is not scale or set-value").arg(type));
            }
        }
        if (c.errors.isEmpty())
            out.runbooks.push_back(std::move(r));
        else
            out.errors << c.errors;
    }
    return out;
}

RunbookSet loadRunbooks(const gitops::RepoTree& tree, const QString& dir) {
    RunbookSet out;
    QHash<QString, QString> seen; // id -> file:line
    for (const QString& f : tree.allFiles(dir)) {
        if (!f.endsWith(QLatin1String(".yaml")) && !f.endsWith(QLatin1String(".yml")))
            continue;
        RunbookSet one = parseRunbooks(tree.readFile(f).value_or(QByteArray()), f);
        out.errors << one.errors;
        for (Runbook& r : one.runbooks) {
            if (seen.contains(r.id)) {
                out.errors << QStringLiteral("%1: id %2 is already used at %3")
                                  .arg(at(r.file, r.line), r.id, seen.value(r.id));
                continue;
            }
            seen.insert(r.id, at(r.file, r.line));
            out.runbooks.push_back(std::move(r));
        }
    }
    return out;
}

bool runbookMatches(const Runbook& r, const metrics::Alert& alert, const argocd::AppSummary& app,
                    QString* why) {
    QStringList yes;
    const auto no = [&](const QString& reason) {
        if (why)
            *why = reason;
        return false;
    };
    if (!r.alertNames.isEmpty()) {
        if (!r.alertNames.contains(alert.name()))
            return no(QStringLiteral("alert %1 is not one of %2")
                          .arg(alert.name(), r.alertNames.join(QStringLiteral(", "))));
        yes << QStringLiteral("alertname %1").arg(alert.name());
    }
    for (auto it = r.labelRegex.cbegin(); it != r.labelRegex.cend(); ++it) {
        const QString value = alert.labels.value(it.key());
        if (!anchored(it.value()).match(value).hasMatch())
            return no(QStringLiteral("label %1=\"%2\" does not match %3")
                          .arg(it.key(), value, it.value()));
        yes << QStringLiteral("%1=%2").arg(it.key(), value);
    }
    if (!r.apps.isEmpty()) {
        const bool any = std::any_of(r.apps.begin(), r.apps.end(),
                                     [&](const QString& p) { return wildcardMatch(p, app.name); });
        if (!any)
            return no(QStringLiteral("application %1 is not one of %2")
                          .arg(app.name, r.apps.join(QStringLiteral(", "))));
        yes << QStringLiteral("application %1").arg(app.name);
    }
    if (why)
        *why = QStringLiteral("applies: ") + yes.join(QStringLiteral(", "));
    return true;
}

QVector<Runbook> matchingRunbooks(const QVector<Runbook>& runbooks, const metrics::Alert& alert,
                                  const argocd::AppSummary& app) {
    QVector<Runbook> out;
    for (const Runbook& r : runbooks)
        if (runbookMatches(r, alert, app))
            out.push_back(r);
    return out;
}

Result<RunbookProposal> proposeRunbook(const Runbook& r, const metrics::Alert& alert,
                                       const argocd::AppSummary& app, const gitops::RepoTree& tree,
                                       const ProposeOptions& options) {
    QString why;
    if (!runbookMatches(r, alert, app, &why))
        return refuse(r, QStringLiteral("does not apply here: %1").arg(why), Error::Kind::Conflict);

    RunbookProposal p;
    p.runbookId = r.id;
    p.appKey = app.key();
    p.alertFingerprint = alert.fingerprint;
    p.approvers = r.approvers;
    QString value = options.value.trimmed();
    QString change; // one line for the title

    const auto editFile = [&](const QString& file, const gitops::DocSelector& doc,
                              const gitops::YamlPath& path, const QString& what,
                              const QString& why) -> Status {
        const auto content = tree.readFile(file);
        if (!content)
            return refuse(r, QStringLiteral("%1 does not exist in this revision").arg(file),
                          Error::Kind::NotFound);
        auto current = gitops::readScalar(*content, doc, path);
        if (!current.ok())
            return refuse(r, QStringLiteral("%1: %2").arg(file, current.error().shortMessage),
                          current.error().kind);
        if (!current->has_value())
            return refuse(r, QStringLiteral("%1 has no %2").arg(file, gitops::yamlPathString(path)),
                          Error::Kind::NotFound);
        if (**current == value)
            return refuse(r,
                          QStringLiteral("%1 already sets %2 to %3")
                              .arg(file, gitops::yamlPathString(path), value),
                          Error::Kind::Conflict);
        auto changed = gitops::setScalar(*content, doc, path, value);
        if (!changed.ok())
            return refuse(r, QStringLiteral("%1: %2").arg(file, changed.error().shortMessage),
                          changed.error().kind);
        gitops::DraftEdit e;
        e.path = file;
        e.before = *content;
        e.after = changed->content;
        e.diff = gitops::unifiedDiff(file, e.before, e.after);
        e.why = why;
        p.edits.push_back(std::move(e));
        p.explanation = QStringLiteral("Sets %1 from %2 to %3 in %4:%5. %6")
                            .arg(what, **current, value, file)
                            .arg(changed->line)
                            .arg(why);
        return okStatus();
    };

    if (r.action == Runbook::Action::Scale) {
        if (value.isEmpty())
            value = QString::number(r.replicas);
        bool ok = false;
        const int n = value.toInt(&ok);
        if (!ok)
            return refuse(r, QStringLiteral("\"%1\" is not a replica count").arg(value));
        if (n < r.minReplicas || n > r.maxReplicas)
            return refuse(r, QStringLiteral("%1 replicas is outside what the runbook allows for "
                                            "%2 %3 (%4 to %5)")
                                 .arg(n)
                                 .arg(r.kind, r.name)
                                 .arg(r.minReplicas)
                                 .arg(r.maxReplicas));
        value = QString::number(n);
        change = QStringLiteral("scale %1 to %2 replicas").arg(r.name, value);
        if (!r.targetFile.isEmpty()) {
            const QString file = *gitops::normalisePath(r.targetFile);
            gitops::DocSelector doc{r.docKind, r.docName};
            gitops::YamlPath path;
            if (!r.path.isEmpty()) {
                path = gitops::parseYamlPath(r.path);
            } else if (isKustomization(file)) {
                path = {QStringLiteral("replicas"), QStringLiteral("[name=%1]").arg(r.name),
                        QStringLiteral("count")};
            } else {
                path = {QStringLiteral("spec"), QStringLiteral("replicas")};
                if (doc.isEmpty())
                    doc = {r.kind, r.name};
            }
            if (Status s =
                    editFile(file, doc, path,
                             QStringLiteral("the replica count of %1 %2").arg(r.kind, r.name),
                             QStringLiteral("The runbook names this file."));
                !s.ok())
                return s.error();
        } else {
            analysis::Finding f;
            f.category = QStringLiteral("Runbook");
            f.fixKind = QStringLiteral("replicas");
            f.resource = QStringLiteral("%1 %2").arg(r.kind, r.name);
            f.summary = QStringLiteral("runbook %1 for %2").arg(r.id, alert.name());
            gitops::FixTarget target;
            target.sourcePath = options.sourcePath.isEmpty() ? app.path : options.sourcePath;
            target.valueFiles = options.valueFiles;
            target.appName = app.name;
            target.fixKind = QStringLiteral("replicas");
            target.inputs.insert(QStringLiteral("replicas"), value);
            auto draft = gitops::draftFix(f, tree, target);
            if (!draft.ok())
                return refuse(r, draft.error().shortMessage, draft.error().kind);
            p.edits = draft->edits;
            p.explanation = draft->explanation;
            p.notes << draft->notes;
        }
    } else {
        if (value.isEmpty())
            value = r.value;
        if (value.isEmpty())
            return refuse(r, QStringLiteral("choose the value to set: one of %1")
                                 .arg(r.allowed.join(QStringLiteral(", "))));
        if (!r.allowed.contains(value))
            return refuse(r, QStringLiteral("%1 is not one of the values the runbook allows for "
                                            "%2 (%3)")
                                 .arg(value, r.path, r.allowed.join(QStringLiteral(", "))));
        change = QStringLiteral("set %1 to %2").arg(r.path, value);
        if (Status s = editFile(*gitops::normalisePath(r.targetFile), {r.docKind, r.docName},
                                gitops::parseYamlPath(r.path), r.path,
                                QStringLiteral("The runbook names this file and key."));
            !s.ok())
            return s.error();
    }
    if (p.edits.empty())
        return refuse(r, QStringLiteral("the change produced no edit"), Error::Kind::Protocol);
    for (const gitops::DraftEdit& e : p.edits)
        p.diff += e.diff;

    p.title = QStringLiteral("%1: %2 (runbook %3)").arg(app.name, change, r.id);
    p.branchName = QStringLiteral("sextant/runbook-%1-%2").arg(slug(r.id), slug(app.name));
    QStringList body;
    body << QStringLiteral("**Runbook** `%1`: %2 (pre-approved, defined in `%3`)")
                .arg(r.id, r.title, at(r.file, r.line));
    if (!r.description.isEmpty())
        body << QString() << r.description;
    body << QString()
         << QStringLiteral("**Alert** %1 (%2), firing since %3 UTC: %4")
                .arg(alert.name(), alertSeverity(alert),
                     alert.startsAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                     alertSubject(alert));
    if (const QString summary = alert.annotations.value(QStringLiteral("summary"));
        !summary.isEmpty())
        body << QStringLiteral("> %1").arg(summary);
    body << QString()
         << QStringLiteral("**Application** %1 (%2), destination %3 / %4")
                .arg(app.name, app.key(), app.cluster(), app.destNamespace)
         << QString() << QStringLiteral("**Change** %1. %2").arg(change, p.explanation)
         << QStringLiteral("Why this runbook: %1.").arg(why);
    if (r.action == Runbook::Action::Scale)
        body << QStringLiteral("The runbook allows %1 to %2 replicas.")
                    .arg(r.minReplicas)
                    .arg(r.maxReplicas);
    else
        body << QStringLiteral("The runbook allows: %1.").arg(r.allowed.join(QStringLiteral(", ")));
    if (!r.approvers.isEmpty())
        body << QString()
             << QStringLiteral("**Approvers** %1").arg(r.approvers.join(QStringLiteral(", ")));
    if (!r.owners.isEmpty())
        body << QStringLiteral("**Owners** %1").arg(r.owners.join(QStringLiteral(", ")));
    if (!p.notes.isEmpty()) {
        body << QString() << QStringLiteral("Notes:");
        for (const QString& n : p.notes)
            body << QStringLiteral("- ") + n;
    }
    body << QString()
         << QStringLiteral("Proposed by Sextant from a pre-approved runbook. Nothing changes in "
                           "the cluster until this is merged and Argo CD syncs it.");
    p.body = body.join(QLatin1Char('\n'));
    p.commitMessage = p.title + QStringLiteral("\n\n") + p.body + QLatin1Char('\n');
    return p;
}

} // namespace sextant::incident
