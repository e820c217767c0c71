#pragma once

#include "core/result.h"
#include "policy/manifests.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <string>

namespace sextant::policy {

// The body of Argo CD's GET /api/v1/applications/{name}/manifests ({"manifests": ["<object as
// JSON>", ...]}) as objects the engine checks. Each object is written out as block-style YAML
// (a virtual file "<app>/<Kind>-<name>.yaml" in `sources`), so results have a line and fixes a
// readable diff against the rendered object; they are not the author's files (Argo CD does not
// say which file an object came from). A manifest that is not a JSON object is skipped with a
// note. Runs anywhere (no Qt GUI types): the console calls it off the GUI thread.
Result<LoadedManifests> manifestsFromArgo(const nlohmann::json& body, const QString& app);

// Block-style YAML for a JSON value; strings that YAML would read as another type are quoted.
std::string toBlockYaml(const nlohmann::json& value);

} // namespace sextant::policy
