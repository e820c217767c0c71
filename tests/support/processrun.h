#pragma once

// Running Sextant's own executables from tests: sextant-cli and sextant-sim as a user or a
// pipeline would, with the environment under the test's control.

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace sextant::test {

struct ProcessRun {
    int exitCode = -1; // -1: crashed or did not finish
    QByteArray out;
    QByteArray err;
};

// <build>/bin/<name>.
inline QString binary(const char* name) {
    return QStringLiteral(SEXTANT_BIN_DIR) + QLatin1Char('/') + QString::fromLatin1(name);
}

// The environment without SEXTANT_TOKEN, plus `token` in it when given.
inline QProcessEnvironment environmentWithToken(const QString& token = {}) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("SEXTANT_TOKEN"));
    if (!token.isEmpty())
        env.insert(QStringLiteral("SEXTANT_TOKEN"), token);
    return env;
}

// Runs `program` to completion (2 minutes at most) and collects its output.
inline ProcessRun
runProcess(const QString& program, const QStringList& args,
           const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    ProcessRun r;
    if (!p.waitForStarted(30000) || !p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished(5000);
        r.err = "process did not finish";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// sextant-cli with `args`, SEXTANT_TOKEN set to `token` (or unset).
inline ProcessRun runCli(const QStringList& args, const QString& token = {}) {
    return runProcess(binary("sextant-cli"), args, environmentWithToken(token));
}

} // namespace sextant::test
