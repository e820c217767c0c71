#pragma once

#include "core/result.h"
#include "policy/yamltree.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace sextant::gitops {

// Line-level edits of YAML files that keep every byte the edit does not need to change:
// comments, quoting style, indentation, key order, blank lines, CRLF line ends. A file is never
// re-serialised: the parser (policy::YNode, with line and column per node) finds the place, the
// edit replaces one scalar token or inserts whole lines, and the result is parsed again to check
// that the edited value reads back as intended. Targets where a line edit is unsafe (flow style
// `{...}`/`[...]`, block scalars `|`/`>`, scalars spread over several lines) are refused with a
// typed Error instead of being guessed at.

// Which document of a (multi-document) file: by `kind` and/or `metadata.name`; an empty
// selector is the first non-empty document.
struct DocSelector {
    QString kind;
    QString name;
    bool isEmpty() const { return kind.isEmpty() && name.isEmpty(); }
};

// A path inside a document. Each segment is a map key ("spec"), a list index ("[0]") or the
// list item whose `key` field equals a value ("[name=web]"). Keys may contain dots.
using YamlPath = QStringList;
// "spec.template.spec.containers[name=web].image" -> {spec, template, spec, containers,
// [name=web], image}. For keys containing dots build the list by hand.
YamlPath parseYamlPath(const QString& dotted);
QString yamlPathString(const YamlPath& path);

// How a new value is written when the existing token's style does not decide it.
enum class ScalarStyle {
    Auto,   // plain when YAML allows it (3 stays a number, true a boolean)
    String, // must read back as a string: quoted when plain would be a number, boolean or null
};

struct SetOptions {
    ScalarStyle style = ScalarStyle::Auto;
    // Create missing map keys at the end of the path (block style, indentation of the
    // siblings). List items are never created: a missing "[name=x]" is an error.
    bool createMissing = false;
};

// What one edit did.
struct YamlChange {
    QByteArray content;    // the whole file after the edit
    int line = 0;          // 1-based line of the (first) changed or inserted line
    QString previous;      // the scalar before the edit ("" when the key was missing or null)
    bool inserted = false; // lines were inserted (missing key or list item)
};

// Parses every document (empty ones skipped); a syntax error becomes Error::Kind::Config with
// the 1-based line.
Result<std::vector<policy::YNode>> parseYaml(const QByteArray& content);
// The selected document, or an Error (NotFound) naming the selector.
Result<const policy::YNode*> selectDocument(const std::vector<policy::YNode>& docs,
                                            const DocSelector& selector);
// The node at `path` inside `doc`, or nullptr.
const policy::YNode* findNode(const policy::YNode& doc, const YamlPath& path);

// The scalar at `path`; nullopt when the path does not exist; an Error when the content does
// not parse, the document is missing or the node is not a scalar.
Result<std::optional<QString>> readScalar(const QByteArray& content, const DocSelector& doc,
                                          const YamlPath& path);

// Replaces the scalar at `path` with `value`, keeping the token's quoting style (a plain token
// becomes double-quoted only when `value` cannot be written plain). With createMissing, missing
// trailing map keys are inserted after the last entry of the deepest existing block map.
Result<YamlChange> setScalar(const QByteArray& content, const DocSelector& doc,
                             const YamlPath& path, const QString& value,
                             const SetOptions& options = {});

// Appends a scalar item to the block list at `seqPath`, with the dash indentation of its items
// ("- KEY=value"). With createMissing a missing or null list key gets a new one-item list.
Result<YamlChange> appendListItem(const QByteArray& content, const DocSelector& doc,
                                  const YamlPath& seqPath, const QString& value,
                                  const SetOptions& options = {});

// How `value` is written as a new YAML scalar (plain, or double-quoted when needed).
QString yamlScalarText(const QString& value, ScalarStyle style);
// Whether a plain scalar with this text reads as something other than a string (number,
// boolean, null, timestamp) under YAML 1.1 or 1.2 resolvers.
bool plainScalarIsNonString(const QString& text);

// A unified diff of one file ("--- a/<path>", "+++ b/<path>", @@ hunks with `context` lines),
// applicable with `git apply`; empty when the contents are equal.
QString unifiedDiff(const QString& path, const QByteArray& before, const QByteArray& after,
                    int context = 3);

} // namespace sextant::gitops
