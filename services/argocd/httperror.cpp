#include "httperror.h"

#include <nlohmann/json.hpp>

namespace sextant::argocd {

Error::Kind kindForHttpStatus(int s) {
    if (s == 401)
        return Error::Kind::Unauthorized;
    if (s == 403)
        return Error::Kind::Forbidden;
    if (s == 404)
        return Error::Kind::NotFound;
    if (s == 409)
        return Error::Kind::Conflict;
    if (s == 408 || s == 504)
        return Error::Kind::Timeout;
    if (s >= 500)
        return Error::Kind::Server;
    if (s >= 400)
        return Error::Kind::BadRequest;
    return Error::Kind::Protocol;
}

QString serverMessageFromBody(const QByteArray& body) {
    if (body.isEmpty() || body.size() > 1024 * 1024)
        return {};
    const nlohmann::json doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
    if (!doc.is_object()) {
        // Proxies answer with text or HTML; a short plain text is still worth showing.
        const QString text = QString::fromUtf8(body).trimmed();
        if (text.size() <= 300 && !text.startsWith(QLatin1Char('<')))
            return text;
        return {};
    }
    for (const char* key : {"message", "error"}) {
        auto it = doc.find(key);
        if (it != doc.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
            return QString::fromStdString(it->get<std::string>());
    }
    return {};
}

namespace {

QString tlsShortMessage(const QString& who, const QList<QSslError>& errors) {
    bool untrusted = false, mismatch = false, expired = false, notYet = false, revoked = false;
    for (const QSslError& e : errors) {
        switch (e.error()) {
        case QSslError::SelfSignedCertificate:
        case QSslError::SelfSignedCertificateInChain:
        case QSslError::UnableToGetLocalIssuerCertificate:
        case QSslError::UnableToGetIssuerCertificate:
        case QSslError::UnableToVerifyFirstCertificate:
        case QSslError::CertificateUntrusted:
        case QSslError::CertificateRejected:
        case QSslError::InvalidCaCertificate:
            untrusted = true;
            break;
        case QSslError::HostNameMismatch:
            mismatch = true;
            break;
        case QSslError::CertificateExpired:
            expired = true;
            break;
        case QSslError::CertificateNotYetValid:
            notYet = true;
            break;
        case QSslError::CertificateRevoked:
            revoked = true;
            break;
        default:
            break;
        }
    }
    if (untrusted)
        return QStringLiteral("%1: the server's certificate is not trusted — add its CA file or, "
                              "if you accept the risk, enable insecure mode")
            .arg(who);
    if (mismatch)
        return QStringLiteral("%1: the server's certificate is for a different host name — check "
                              "the server URL")
            .arg(who);
    if (expired)
        return QStringLiteral("%1: the server's certificate has expired — ask the Argo CD "
                              "administrators to renew it")
            .arg(who);
    if (notYet)
        return QStringLiteral("%1: the server's certificate is not valid yet — check this "
                              "computer's clock")
            .arg(who);
    if (revoked)
        return QStringLiteral("%1: the server's certificate was revoked").arg(who);
    return QStringLiteral("%1: the secure connection (TLS) to the server failed").arg(who);
}

} // namespace

Error errorFromHttpFailure(const HttpFailure& f) {
    const QString who = f.instanceName.isEmpty() ? f.url.host() : f.instanceName;
    const QString serverMessage = serverMessageFromBody(f.body);
    const QString urlText = f.url.toDisplayString(QUrl::RemoveUserInfo);

    QStringList details;
    details << QStringLiteral("request: %1 %2").arg(f.method, urlText);
    if (f.httpStatus > 0)
        details << QStringLiteral("HTTP status: %1").arg(f.httpStatus);
    if (!serverMessage.isEmpty())
        details << QStringLiteral("server message: %1").arg(serverMessage);
    if (!f.sslErrors.isEmpty()) {
        QStringList tls;
        for (const QSslError& e : f.sslErrors)
            tls << e.errorString();
        details << QStringLiteral("TLS errors: %1").arg(tls.join(QStringLiteral("; ")));
    }
    if (f.networkError != QNetworkReply::NoError && !f.networkErrorString.isEmpty())
        details << QStringLiteral("network error: %1").arg(f.networkErrorString);

    Error::Kind kind = Error::Kind::Network;
    QString shortMessage;
    const auto withServer = [&](const QString& text) {
        return serverMessage.isEmpty() ? text : text + QStringLiteral(": ") + serverMessage;
    };

    if (f.timedOut || f.networkError == QNetworkReply::TimeoutError) {
        kind = Error::Kind::Timeout;
        shortMessage = f.timeoutMs > 0
                           ? QStringLiteral("%1: the server did not answer within %2 s — it may "
                                            "be overloaded or unreachable")
                                 .arg(who)
                                 .arg(f.timeoutMs / 1000.0, 0, 'g', 3)
                           : QStringLiteral("%1: the server did not answer in time").arg(who);
    } else if (!f.sslErrors.isEmpty() || f.networkError == QNetworkReply::SslHandshakeFailedError) {
        kind = Error::Kind::Tls;
        shortMessage = tlsShortMessage(who, f.sslErrors);
    } else if (f.httpStatus >= 400) {
        kind = kindForHttpStatus(f.httpStatus);
        switch (kind) {
        case Error::Kind::Unauthorized:
            shortMessage = QStringLiteral("%1: not logged in, or the token has expired or was "
                                          "revoked — log in again")
                               .arg(who);
            break;
        case Error::Kind::Forbidden:
            shortMessage = withServer(QStringLiteral("%1: permission denied by Argo CD").arg(who));
            break;
        case Error::Kind::NotFound:
            shortMessage = withServer(QStringLiteral("%1: not found").arg(who));
            break;
        case Error::Kind::Conflict:
            shortMessage = withServer(QStringLiteral("%1: conflict").arg(who));
            break;
        case Error::Kind::Timeout:
            shortMessage =
                withServer(QStringLiteral("%1: the server or a proxy timed out (HTTP %2)")
                               .arg(who)
                               .arg(f.httpStatus));
            break;
        case Error::Kind::Server:
            shortMessage = withServer(
                QStringLiteral("%1: the server failed (HTTP %2)").arg(who).arg(f.httpStatus));
            break;
        default:
            shortMessage =
                withServer(QStringLiteral("%1: the server rejected the request (HTTP %2)")
                               .arg(who)
                               .arg(f.httpStatus));
            break;
        }
    } else {
        switch (f.networkError) {
        case QNetworkReply::ConnectionRefusedError:
            shortMessage = QStringLiteral("%1: the server refused the connection — check the URL "
                                          "and port, and that Argo CD is running")
                               .arg(who);
            break;
        case QNetworkReply::HostNotFoundError:
            shortMessage = QStringLiteral("%1: host '%2' not found — check the server URL, DNS "
                                          "or VPN")
                               .arg(who, f.url.host());
            break;
        case QNetworkReply::RemoteHostClosedError:
            shortMessage =
                QStringLiteral("%1: the server closed the connection unexpectedly").arg(who);
            break;
        case QNetworkReply::OperationCanceledError:
            kind = Error::Kind::Cancelled;
            shortMessage = QStringLiteral("%1: the request was cancelled").arg(who);
            break;
        case QNetworkReply::ProxyConnectionRefusedError:
        case QNetworkReply::ProxyConnectionClosedError:
        case QNetworkReply::ProxyNotFoundError:
        case QNetworkReply::ProxyTimeoutError:
        case QNetworkReply::ProxyAuthenticationRequiredError:
            shortMessage = QStringLiteral("%1: the network proxy failed — check the proxy "
                                          "settings")
                               .arg(who);
            break;
        case QNetworkReply::ProtocolUnknownError:
        case QNetworkReply::ProtocolInvalidOperationError:
        case QNetworkReply::ProtocolFailure:
            kind = Error::Kind::Protocol;
            shortMessage = QStringLiteral("%1: the server's answer could not be understood as "
                                          "HTTP — is this the Argo CD URL?")
                               .arg(who);
            break;
        default:
            shortMessage =
                QStringLiteral("%1: network error — %2")
                    .arg(who, f.networkErrorString.isEmpty() ? QStringLiteral("the request failed")
                                                             : f.networkErrorString);
            break;
        }
    }
    Error e = Error::make(kind, shortMessage, details.join(QLatin1Char('\n')));
    e.httpStatus = f.httpStatus;
    e.url = urlText;
    return e;
}

} // namespace sextant::argocd
