#pragma once

#include <QString>

namespace sextant {

// A typed error with a short message for the status bar and a detailed one for the details
// pane. Retry rules belong to the kind: authentication errors are never retried, timeouts and
// connection errors back off.
struct Error {
    enum class Kind {
        None,
        Network,      // connection refused, reset, host not found
        Timeout,      // no answer within the configured time
        Tls,          // certificate not trusted, hostname mismatch, handshake failure
        Unauthorized, // HTTP 401: token missing, expired or revoked
        Forbidden,    // HTTP 403: RBAC denial, sync window
        NotFound,     // HTTP 404
        Conflict,     // HTTP 409
        BadRequest,   // HTTP 400 and other 4xx the server explains
        Server,       // HTTP 5xx
        Protocol,     // malformed or truncated JSON, unexpected shape
        Config,       // bad user input: URL, file, flag
        Keychain,     // Secret Service missing, locked or refusing
        Io,           // local file system
        Approval,     // a write was refused by the approval gate or audit mode
        Cancelled,
    };

    Kind kind = Kind::None;
    QString shortMessage; // one line, plain words, for the status bar
    QString details;      // HTTP status, URL, server message, TLS errors
    int httpStatus = 0;
    QString url;

    bool isError() const { return kind != Kind::None; }
    // Whether repeating the same request later may succeed.
    bool isRetryable() const;
    // A stable identifier for logs and JSON output ("unauthorized", "tls", ...).
    QString kindName() const;
    // "short message" followed by the details, for logs and the CLI.
    QString toString() const;

    static Error make(Kind kind, QString shortMessage, QString details = {});
};

} // namespace sextant
