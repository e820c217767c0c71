#include "writerequest.h"

namespace sextant {

QString WriteRequest::displayText() const {
    QString text = method + QLatin1Char(' ') + url.toString(QUrl::FullyEncoded);
    if (!credentialHeader.isEmpty())
        text += QLatin1Char('\n') + credentialHeader + QStringLiteral(" ••••••");
    if (!body.isEmpty()) {
        if (!contentType.isEmpty())
            text += QStringLiteral("\nContent-Type: ") + contentType;
        text += QStringLiteral("\n\n") + QString::fromUtf8(body);
    }
    return text;
}

} // namespace sextant
