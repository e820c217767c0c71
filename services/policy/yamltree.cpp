#include "yamltree.h"

#include <yaml-cpp/yaml.h>

#include <charconv>

namespace sextant::policy {

const YNode* YNode::get(std::string_view key) const {
    if (type != Type::Map)
        return nullptr;
    for (const auto& [k, v] : map) {
        if (k == key)
            return &v;
    }
    return nullptr;
}

const YNode* YNode::path(std::string_view slashPath) const {
    const YNode* n = this;
    while (n && !slashPath.empty()) {
        const std::size_t slash = slashPath.find('/');
        n = n->get(slashPath.substr(0, slash));
        slashPath =
            slash == std::string_view::npos ? std::string_view{} : slashPath.substr(slash + 1);
    }
    return n;
}

bool YNode::asBool(bool& out) const {
    if (type != Type::Scalar || quoted)
        return false;
    // YAML 1.2 core schema booleans (what Kubernetes' decoder accepts).
    if (scalar == "true" || scalar == "True" || scalar == "TRUE") {
        out = true;
        return true;
    }
    if (scalar == "false" || scalar == "False" || scalar == "FALSE") {
        out = false;
        return true;
    }
    return false;
}

bool YNode::asInt(long long& out) const {
    if (type != Type::Scalar || quoted || scalar.empty())
        return false;
    const char* end = scalar.data() + scalar.size();
    const auto r = std::from_chars(scalar.data(), end, out);
    return r.ec == std::errc() && r.ptr == end;
}

YNode YNode::makeScalar(std::string value) {
    YNode n;
    n.type = Type::Scalar;
    n.scalar = std::move(value);
    return n;
}

YNode& YNode::set(std::string key, YNode value) {
    type = Type::Map;
    for (auto& [k, v] : map) {
        if (k == key) {
            v = std::move(value);
            return v;
        }
    }
    map.emplace_back(std::move(key), std::move(value));
    return map.back().second;
}

YNode& YNode::append(YNode value) {
    type = Type::Seq;
    seq.push_back(std::move(value));
    return seq.back();
}

namespace {

YNode convert(const YAML::Node& in) {
    YNode out;
    const YAML::Mark m = in.Mark();
    // yaml-cpp marks are 0-based and -1 for nodes without a position.
    out.line = m.line >= 0 ? m.line + 1 : 0;
    out.column = m.column >= 0 ? m.column : 0;
    out.flow = in.Style() == YAML::EmitterStyle::Flow;
    switch (in.Type()) {
    case YAML::NodeType::Scalar:
        out.type = YNode::Type::Scalar;
        out.scalar = in.Scalar();
        // Plain scalars carry the tag "?"; quoted ones "!" (that is how yaml-cpp tells them apart).
        out.quoted = in.Tag() == "!";
        break;
    case YAML::NodeType::Sequence:
        out.type = YNode::Type::Seq;
        out.seq.reserve(in.size());
        for (const YAML::Node& item : in)
            out.seq.push_back(convert(item));
        break;
    case YAML::NodeType::Map:
        out.type = YNode::Type::Map;
        out.map.reserve(in.size());
        for (const auto& kv : in) {
            YNode value = convert(kv.second);
            const YAML::Mark km = kv.first.Mark();
            value.keyLine = km.line >= 0 ? km.line + 1 : 0;
            value.keyColumn = km.column >= 0 ? km.column : 0;
            out.map.emplace_back(kv.first.Scalar(), std::move(value));
        }
        break;
    default:
        out.type = YNode::Type::Null;
        break;
    }
    return out;
}

} // namespace

std::vector<YNode> parseYamlDocuments(const std::string& text) {
    std::vector<YNode> docs;
    for (const YAML::Node& doc : YAML::LoadAll(text)) {
        if (!doc.IsDefined() || doc.IsNull())
            continue;
        docs.push_back(convert(doc));
    }
    return docs;
}

} // namespace sextant::policy
