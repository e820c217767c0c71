#pragma once

#include "sim/simmodel.h"
#include "sim/simulator.h"

#include <QByteArray>
#include <QString>

namespace sextant::sim {

// Parses a scenario document (format in docs/simulator.md). Errors name the line.
Status parseScenario(const QByteArray& yaml, Scenario& out, const QString& sourceName);
// Fills `scenario` with a generated fleet. Existing instances keep their names and credentials;
// missing ones are created.
void generateFleet(Scenario& scenario, const GeneratorOptions& options);
// A JWT-shaped bearer token (iss argocd, sub <user>:login) that is stable for the inputs.
Str makeToken(const Str& instance, const Str& user, int serial, long long issuedAt);
// Parses "30s", "500ms", "2m", "1h" into milliseconds; -1 when invalid.
long long parseDurationMs(const Str& text);

} // namespace sextant::sim
