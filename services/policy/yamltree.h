#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sextant::policy {

// A small read-only YAML tree with the line and column of every node. Rules look fields up
// thousands of times per run; yaml-cpp's map lookup converts every key it compares, so the
// manifests are copied once into this tree, where a lookup is a short scan of std::string keys.
struct YNode {
    enum class Type { Null, Scalar, Map, Seq };
    Type type = Type::Null;
    bool flow = false;   // written in flow style ({...} or [...]): no line-based fix offered
    bool quoted = false; // a quoted scalar ("true" is then a string, not a boolean)
    int line = 0;        // 1-based; 0 for nodes built in memory without a source
    int column = 0;      // 0-based
    int keyLine = 0;     // for a map value: the line of its key (what a reader looks at)
    int keyColumn = 0;   // for a map value: the column of its key
    std::string scalar;
    std::vector<std::pair<std::string, YNode>> map; // keys in source order
    std::vector<YNode> seq;

    bool isMap() const { return type == Type::Map; }
    bool isSeq() const { return type == Type::Seq; }
    bool isScalar() const { return type == Type::Scalar; }
    // The value under `key`, or nullptr (also when this is not a map).
    const YNode* get(std::string_view key) const;
    // Follows keys separated by '/' ("spec/template/spec").
    const YNode* path(std::string_view slashPath) const;
    // Scalar as boolean / integer; false when absent or of another type.
    bool asBool(bool& out) const;
    bool asInt(long long& out) const;
    // The line a reader should look at for this node (its key's line when it has one).
    int displayLine() const { return keyLine > 0 ? keyLine : line; }

    // Builders for objects generated in memory (tests, benchmark).
    static YNode makeScalar(std::string value);
    static YNode makeMap() {
        YNode n;
        n.type = Type::Map;
        return n;
    }
    static YNode makeSeq() {
        YNode n;
        n.type = Type::Seq;
        return n;
    }
    YNode& set(std::string key, YNode value); // appends or replaces; returns the stored value
    YNode& append(YNode value);
};

// Parses every document of `text`; documents that are empty are skipped. Throws
// YAML::Exception (with its Mark) on a syntax error: callers turn it into file:line.
// Each document is returned with its root node (a map for Kubernetes objects).
std::vector<YNode> parseYamlDocuments(const std::string& text);

} // namespace sextant::policy
