#pragma once

#include <QString>

namespace sextant::gitops {

// A container image reference: "registry:5000/org/app:tag@sha256:..." split into repository,
// tag and digest (a ':' before the last '/' is a registry port, not a tag).
struct ImageRef {
    QString repository;
    QString tag;
    QString digest; // "sha256:…" without the '@'
    QString toString() const;
    // What a reader calls the version: "1.4.2", "1.4.2@sha256:…", "@sha256:…", or empty.
    QString version() const;
};
ImageRef parseImageRef(const QString& image);

} // namespace sextant::gitops
