#pragma once

#include "core/result.h"
#include "policy/yamltree.h"

#include <QString>

#include <memory>

namespace sextant::policy {

// A JSON Schema validator for the subset Polaris checks use (draft 2019-09): type, properties,
// required, const, enum, pattern, not, allOf/anyOf/oneOf, items, contains, uniqueItems,
// minimum/maximum (and the exclusive forms), minLength/maxLength, minItems/maxItems,
// minProperties/maxProperties, additionalProperties, $defs/definitions with "#/..." $ref inside
// the document, and Polaris's resourceMinimum/resourceMaximum (Kubernetes quantities).
//
// Schema and instance are YNode trees, so both may come from YAML or JSON. A plain scalar is
// typed as YAML 1.2's core schema does (null, true/false, integers, floats, else a string); a
// quoted scalar is always a string.
class JsonSchema {
public:
    // Rejects keywords outside the subset (the error names them and their line), $refs that do
    // not resolve within the document and patterns that do not compile.
    static Result<JsonSchema> compile(const YNode& schema, const QString& sourceName);

    // True when `instance` validates. On failure `why` (optional) gets the first reason, with
    // the instance path ("/securityContext/runAsNonRoot: expected true").
    bool validate(const YNode& instance, QString* why = nullptr) const;

private:
    struct Compiled;
    std::shared_ptr<const Compiled> m_d;
};

// A Kubernetes quantity ("100m", "128Mi", "1.5", "2e3") as a number (cores, bytes); false when
// the text is not a quantity.
bool parseQuantity(const std::string& text, double& out);

} // namespace sextant::policy
