#pragma once

// Small helpers shared by the local Prometheus and Alertmanager the demo and the tests start
// (localprometheus.cpp, localalertmanager.cpp).

#include <QByteArray>
#include <QHostAddress>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QTcpServer>

namespace sextant::sim::loopback {

// The executable on PATH, else in /usr/bin or /usr/local/bin; empty when missing.
inline QString findBinary(const QString& name) {
    QString found = QStandardPaths::findExecutable(name);
    if (found.isEmpty())
        found = QStandardPaths::findExecutable(
            name, {QStringLiteral("/usr/bin"), QStringLiteral("/usr/local/bin")});
    return found;
}

// A port that was free a moment ago; the server may still lose it to another process, which
// the callers handle by trying again.
inline int freePort() {
    QTcpServer s;
    return s.listen(QHostAddress::LocalHost, 0) ? s.serverPort() : 0;
}

// The end of a process's output, for error details.
inline QString tail(const QByteArray& output) {
    return QString::fromUtf8(output.right(2000)).trimmed();
}

// Terminate, then kill after a grace period; slots are disconnected first so nothing reacts.
inline void halt(QProcess* process) {
    if (!process || process->state() == QProcess::NotRunning)
        return;
    process->disconnect();
    process->terminate();
    if (!process->waitForFinished(5000)) {
        process->kill();
        process->waitForFinished(2000);
    }
}

} // namespace sextant::sim::loopback
