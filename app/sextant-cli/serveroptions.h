#pragma once

#include "argocd/client.h"
#include "core/result.h"

#include <QString>

#include <memory>

namespace sextant::cli {

// The value of option args[i]: "--name=value", or the next argument (then i moves past it).
// False when a value is missing.
bool takeValue(const QStringList& args, int& i, QString& out);

// The connection options every command that talks to one Argo CD instance shares:
// --server, --token / --token-file / $SEXTANT_TOKEN, --ca-file, --instance-name, --timeout.
struct ServerOptions {
    QString server;
    QString token;
    QString tokenFile;
    QString caFile;
    QString instanceName;
    int timeoutSeconds = 30;

    // The option names above that take a value.
    static const QStringList& valueOptions();
    // Takes `name`'s value when it is one of valueOptions(); false otherwise. A bad value
    // (a timeout that is not a positive number) sets *error.
    bool take(const QString& name, const QString& value, QString* error);
    // --token, else --token-file, else $SEXTANT_TOKEN; an error in plain words when none works.
    // The token is never printed.
    Status resolveToken();
    // A validated client with the token set and a short retry policy for pipelines.
    Result<std::unique_ptr<argocd::Client>> connect() const;
};

} // namespace sextant::cli
