#include "yamljson.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <string>

namespace sextant {

nlohmann::json yamlToJson(const YAML::Node& n) {
    switch (n.Type()) {
    case YAML::NodeType::Map: {
        nlohmann::json o = nlohmann::json::object();
        for (const auto& kv : n)
            o[kv.first.as<std::string>()] = yamlToJson(kv.second);
        return o;
    }
    case YAML::NodeType::Sequence: {
        nlohmann::json a = nlohmann::json::array();
        for (const auto& i : n)
            a.push_back(yamlToJson(i));
        return a;
    }
    case YAML::NodeType::Scalar: {
        const std::string s = n.Scalar();
        if (n.Tag() == "!")
            return s; // quoted
        if (s == "true" || s == "false")
            return s == "true";
        char* end = nullptr;
        const long long v = std::strtoll(s.c_str(), &end, 10);
        if (!s.empty() && end && *end == '\0')
            return v;
        return s;
    }
    default:
        return nullptr;
    }
}

} // namespace sextant
