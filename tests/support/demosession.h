#pragma once

// Console tests on the simulator's fleet: connect a ConsoleSession to every instance of a
// listening in-process simulator, and a place for the screenshots the tests save.

#include "consolesession.h"
#include "sim/simulator.h"

#include <QDir>
#include <QString>
#include <QTemporaryDir>

namespace sextant::test {

// <build>/screenshots, created on first use.
inline QString screenshotDir() {
    const QString dir = QDir::cleanPath(QStringLiteral(SEXTANT_BIN_DIR "/../screenshots"));
    QDir().mkpath(dir);
    return dir;
}

// Adds every instance the simulator serves, with its token held in memory only.
inline void connectDemo(ui::ConsoleSession& session, sim::Simulator& sim) {
    for (const auto& ep : sim.endpoints()) {
        argocd::InstanceConfig config;
        config.id = ep.name;
        config.name = ep.name;
        config.baseUrl = ep.url;
        session.addEphemeralInstance(config, ep.token);
    }
}

// A console session that keeps its audit log, knowledge base and health timeline in `dir`
// (never in the user's data folder), owned by `parent`.
inline ui::ConsoleSession* sessionIn(const QTemporaryDir& dir, QObject* parent) {
    auto* session = new ui::ConsoleSession(parent, dir.filePath(QStringLiteral("audit.jsonl")));
    session->setKnowledgeBasePath(dir.filePath(QStringLiteral("knowledge.sqlite")));
    session->setHealthTimelinePath(dir.filePath(QStringLiteral("timeline.sqlite")));
    return session;
}

} // namespace sextant::test
