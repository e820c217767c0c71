#pragma once

#include "core/result.h"
#include "types.h"

#include <QByteArray>
#include <QString>

#include <nlohmann/json.hpp>

namespace sextant::argocd {

// Parses GET /api/v1/applications (full objects or a `fields` projection). `"items": null`
// means no applications. Malformed or truncated JSON -> Kind::Protocol with the byte offset.
Result<AppList> parseApplicationList(const QByteArray& body, const QString& instanceId);

// One Application object -> AppSummary. Missing fields stay at their defaults; only a value
// that is not an object is an error.
Result<AppSummary> parseApplication(const nlohmann::json& application, const QString& instanceId);

// One watch stream `result` object ({"type":"MODIFIED","application":{...}}).
Result<AppEvent> parseWatchResult(const nlohmann::json& result, const QString& instanceId);

// Parses a JSON body with the byte offset of the first error in the message.
Result<nlohmann::json> parseJsonBody(const QByteArray& body, const QString& what);

} // namespace sextant::argocd
