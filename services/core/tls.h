#pragma once

#include "core/result.h"

#include <QSslConfiguration>
#include <QString>

namespace sextant {

// The TLS settings every HTTP client here uses (Argo CD, Prometheus, Alertmanager, the LLM
// endpoint): the system's trust store plus the PEM certificates of `caFile` (empty = none), and
// peer verification off only when `insecure`. A CA file that cannot be read or holds no PEM
// certificate is a Config error whose message starts with `who` ("prod-eu: …").
Result<QSslConfiguration> clientTlsConfiguration(const QString& who, const QString& caFile,
                                                 bool insecure);

} // namespace sextant
