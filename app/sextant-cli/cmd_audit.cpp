// sextant-cli audit verify FILE [--expect-head HASH] [--output json|text]
//
// Exit codes: 0 the chain is intact (and contains the expected head, if given), 1 tampering was
// detected, 2 usage or I/O error.
#include "commands.h"

#include "governance/auditlog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTextStream>

namespace sextant::cli {

namespace {

void printAuditUsage(QTextStream& out) {
    out << "Usage: sextant-cli audit verify FILE [--expect-head HASH] [--output json|text]\n"
           "\n"
           "Checks the hash chain of a Sextant audit log (JSON Lines). Detects edited, removed,\n"
           "reordered, inserted and truncated entries. A rewrite of the whole chain is only\n"
           "detected with --expect-head: the hash of an entry noted earlier, kept somewhere the\n"
           "log's writers cannot change.\n"
           "\n"
           "Exit codes: 0 intact, 1 tampering detected, 2 usage or I/O error.\n";
}

} // namespace

int runAudit(const QStringList& args) {
    QTextStream out(stdout);
    QString sub;
    QString file;
    QString expectHead;
    QString output = QStringLiteral("text");

    // Options may stand anywhere, also the global ones main() leaves in place.
    static const QStringList ignoredGlobals = {
        QStringLiteral("--server"), QStringLiteral("--token"), QStringLiteral("--token-file")};
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        auto value = [&](const QString& name, QString* target) -> bool {
            if (a.startsWith(name + QLatin1Char('='))) {
                *target = a.mid(name.size() + 1);
                return true;
            }
            if (a == name) {
                if (i + 1 >= args.size()) {
                    printError(QStringLiteral("%1 needs a value").arg(name));
                    return false;
                }
                *target = args[++i];
                return true;
            }
            return false;
        };
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            printAuditUsage(out);
            return 0;
        }
        if (a == QLatin1String("--expect-head") || a.startsWith(QLatin1String("--expect-head="))) {
            if (!value(QStringLiteral("--expect-head"), &expectHead))
                return 2;
            continue;
        }
        if (a == QLatin1String("--output") || a.startsWith(QLatin1String("--output="))) {
            if (!value(QStringLiteral("--output"), &output))
                return 2;
            continue;
        }
        bool ignored = false;
        for (const QString& g : ignoredGlobals) {
            QString unused;
            if (a.startsWith(g) && (a == g || a.startsWith(g + QLatin1Char('=')))) {
                if (!value(g, &unused))
                    return 2;
                ignored = true;
                break;
            }
        }
        if (ignored)
            continue;
        if (a.startsWith(QLatin1String("--"))) {
            printError(QStringLiteral("unknown option '%1' for 'audit'").arg(a));
            return 2;
        }
        if (sub.isEmpty())
            sub = a;
        else if (file.isEmpty())
            file = a;
        else {
            printError(QStringLiteral("unexpected argument '%1'").arg(a));
            return 2;
        }
    }

    if (sub.isEmpty()) {
        printError(QStringLiteral("'audit' needs a subcommand"));
        QTextStream err(stderr);
        printAuditUsage(err);
        return 2;
    }
    if (sub != QLatin1String("verify")) {
        printError(QStringLiteral("unknown audit subcommand '%1'").arg(sub));
        QTextStream err(stderr);
        printAuditUsage(err);
        return 2;
    }
    if (file.isEmpty()) {
        printError(QStringLiteral("'audit verify' needs the audit log file"));
        return 2;
    }
    if (output != QLatin1String("text") && output != QLatin1String("json")) {
        printError(QStringLiteral("--output must be json or text, not '%1'").arg(output));
        return 2;
    }
    expectHead = expectHead.trimmed().toLower();
    static const QRegularExpression hex64(QStringLiteral("^[0-9a-f]{64}$"));
    if (!expectHead.isEmpty() && !hex64.match(expectHead).hasMatch()) {
        printError(QStringLiteral("--expect-head must be a SHA-256 hash (64 hex digits)"));
        return 2;
    }

    const governance::VerifyReport report = governance::AuditLog::verify(file, expectHead);
    if (report.unreadable) {
        printError(QStringLiteral("cannot verify the audit log"), report.problem);
        return 2;
    }

    if (output == QLatin1String("json")) {
        QJsonObject o;
        o.insert(QStringLiteral("file"), file);
        o.insert(QStringLiteral("ok"), report.ok);
        o.insert(QStringLiteral("entries"), report.entries);
        o.insert(QStringLiteral("headHash"), report.headHash);
        o.insert(QStringLiteral("lastSeq"), report.lastSeq);
        if (!expectHead.isEmpty()) {
            o.insert(QStringLiteral("expectedHead"), expectHead);
            o.insert(QStringLiteral("anchorSeq"), report.anchorSeq);
        }
        if (!report.ok) {
            o.insert(QStringLiteral("line"), report.firstBadLine);
            o.insert(QStringLiteral("problem"), report.problem);
        }
        out << QJsonDocument(o).toJson(QJsonDocument::Indented);
    } else if (report.ok) {
        out << "OK: " << file << ": " << report.entries << " entries, chain intact\n";
        out << "head: " << report.headHash << '\n';
        if (!expectHead.isEmpty())
            out << "expected head found at seq " << report.anchorSeq << '\n';
    } else {
        out << "TAMPERED: " << file << " line " << report.firstBadLine << ": " << report.problem
            << '\n';
        out << "entries intact before it: " << report.entries << " (last good head "
            << report.headHash << ")\n";
    }
    return report.ok ? 0 : 1;
}

} // namespace sextant::cli
