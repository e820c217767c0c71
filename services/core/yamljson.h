#pragma once

#include <nlohmann/json.hpp>

namespace YAML {
class Node;
}

namespace sextant {

// A YAML node as JSON, for code that reads both (scenarios, manifests in evidence bundles).
// Scalars keep YAML's plain typing: unquoted true/false become booleans and unquoted integers
// numbers; quoted scalars stay strings; null and undefined nodes become null.
nlohmann::json yamlToJson(const YAML::Node& node);

} // namespace sextant
