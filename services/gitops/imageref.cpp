#include "gitops/imageref.h"

namespace sextant::gitops {

QString ImageRef::toString() const {
    QString out = repository;
    if (!tag.isEmpty())
        out += QLatin1Char(':') + tag;
    if (!digest.isEmpty())
        out += QLatin1Char('@') + digest;
    return out;
}

QString ImageRef::version() const {
    return digest.isEmpty() ? tag : tag + QLatin1Char('@') + digest;
}

ImageRef parseImageRef(const QString& image) {
    ImageRef ref;
    QString rest = image.trimmed();
    const qsizetype at = rest.indexOf(QLatin1Char('@'));
    if (at >= 0) {
        ref.digest = rest.mid(at + 1);
        rest = rest.left(at);
    }
    const qsizetype slash = rest.lastIndexOf(QLatin1Char('/'));
    const qsizetype colon = rest.lastIndexOf(QLatin1Char(':'));
    if (colon > slash) { // a ':' before the last '/' is a registry port
        ref.tag = rest.mid(colon + 1);
        rest = rest.left(colon);
    }
    ref.repository = rest;
    return ref;
}

} // namespace sextant::gitops
