#pragma once

#include "core/error.h"

#include <QByteArray>
#include <QList>
#include <QNetworkReply>
#include <QSslError>
#include <QString>
#include <QUrl>

namespace sextant::argocd {

// Everything known about a failed HTTP exchange, gathered by the transport and turned into a
// typed Error by errorFromHttpFailure(). Kept apart from QNetworkReply so the mapping is
// testable without a network.
struct HttpFailure {
    QString instanceName; // "prod-eu", the first words of every short message
    QString method;
    QUrl url;
    int httpStatus = 0;
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    QString networkErrorString;
    QByteArray body;            // response body (may carry the server's {"message":...})
    QList<QSslError> sslErrors; // from QNetworkReply::sslErrors
    bool timedOut = false;      // the transfer timeout fired
    int timeoutMs = 0;
};

Error::Kind kindForHttpStatus(int httpStatus);
// The server's explanation from an Argo CD error body ({"error":..,"message":..,"code":..});
// empty when the body is not such an object.
QString serverMessageFromBody(const QByteArray& body);
// Short message in plain SRE words, details with method, URL, HTTP status, server message and
// TLS errors. Never contains credentials (the token only ever travels in a header).
Error errorFromHttpFailure(const HttpFailure& failure);

} // namespace sextant::argocd
