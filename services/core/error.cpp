#include "error.h"

namespace sextant {

bool Error::isRetryable() const {
    switch (kind) {
    case Kind::Network:
    case Kind::Timeout:
    case Kind::Server:
        return true;
    default:
        return false;
    }
}

QString Error::kindName() const {
    switch (kind) {
    case Kind::None:
        return QStringLiteral("none");
    case Kind::Network:
        return QStringLiteral("network");
    case Kind::Timeout:
        return QStringLiteral("timeout");
    case Kind::Tls:
        return QStringLiteral("tls");
    case Kind::Unauthorized:
        return QStringLiteral("unauthorized");
    case Kind::Forbidden:
        return QStringLiteral("forbidden");
    case Kind::NotFound:
        return QStringLiteral("not-found");
    case Kind::Conflict:
        return QStringLiteral("conflict");
    case Kind::BadRequest:
        return QStringLiteral("bad-request");
    case Kind::Server:
        return QStringLiteral("server");
    case Kind::Protocol:
        return QStringLiteral("protocol");
    case Kind::Config:
        return QStringLiteral("config");
    case Kind::Keychain:
        return QStringLiteral("keychain");
    case Kind::Io:
        return QStringLiteral("io");
    case Kind::Approval:
        return QStringLiteral("approval");
    case Kind::Cancelled:
        return QStringLiteral("cancelled");
    }
    return QStringLiteral("unknown");
}

QString Error::toString() const {
    if (details.isEmpty())
        return shortMessage;
    return shortMessage + QStringLiteral("\n") + details;
}

Error Error::make(Kind kind, QString shortMessage, QString details) {
    Error e;
    e.kind = kind;
    e.shortMessage = std::move(shortMessage);
    e.details = std::move(details);
    return e;
}

} // namespace sextant
