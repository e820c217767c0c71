#include "core/tls.h"

#include <QFile>
#include <QSslCertificate>

namespace sextant {

Result<QSslConfiguration> clientTlsConfiguration(const QString& who, const QString& caFile,
                                                 bool insecure) {
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (!caFile.isEmpty()) {
        QFile file(caFile);
        if (!file.open(QIODevice::ReadOnly))
            return Error::make(Error::Kind::Config,
                               QStringLiteral("%1: cannot read the CA file '%2'").arg(who, caFile),
                               file.errorString());
        const QList<QSslCertificate> certs = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
        if (certs.isEmpty())
            return Error::make(Error::Kind::Config,
                               QStringLiteral("%1: the CA file '%2' contains no PEM certificate")
                                   .arg(who, caFile));
        ssl.addCaCertificates(certs);
    }
    if (insecure)
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    return ssl;
}

} // namespace sextant
