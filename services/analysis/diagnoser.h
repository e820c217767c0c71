#pragma once

#include "evidence.h"
#include "signaturecatalogue.h"

namespace sextant::analysis {

// The deterministic diagnosis engine (docs/diagnosis.md): normalises a bundle into evidence
// lines, matches the catalogue's signatures, merges matches per workload, lets root causes
// outrank their symptoms and links the newest Git change. No network, no model, no clock other
// than the elapsed time it reports.
class Diagnoser {
public:
    explicit Diagnoser(SignatureCatalogue catalogue);

    Diagnosis diagnose(const EvidenceBundle& bundle, const EvidenceCaps& caps = {}) const;

    const SignatureCatalogue& catalogue() const { return m_catalogue; }

    // "{field}" placeholders are replaced by field values (a missing field reads "<field>");
    // "[ ... ]" is kept only when every placeholder inside it has a value; "[a|b]" keeps the
    // first alternative that is complete.
    static QString render(const QString& tpl, const QMap<QString, QString>& fields);

private:
    SignatureCatalogue m_catalogue;
};

} // namespace sextant::analysis
