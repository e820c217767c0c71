#pragma once

#include "core/result.h"
#include "instance.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

namespace sextant::argocd {

// One context of the argocd CLI config, ready to become a Sextant instance.
struct ImportedContext {
    QString contextName;
    InstanceConfig config; // id = "argocd-cli:<context>", no secrets
    QString token;         // auth-token: for the keychain only, never for settings
    QString refreshToken;  // SSO refresh token, if any (keychain only)
    QByteArray caPem;      // decoded certificate-authority-data; see CliConfigImport::writeCaFile
    bool current = false;  // the CLI's current-context
    QStringList notes;     // non-fatal remarks ("client certificates are not supported", ...)
};

struct SkippedContext {
    QString contextName;
    QString server;
    QString reason;
};

struct CliConfig {
    QString path; // where it was read from
    QString currentContext;
    QVector<ImportedContext> contexts;
    QVector<SkippedContext> skipped;
    QStringList warnings; // e.g. file readable by others
};

// Reads the argocd CLI's config file (YAML) so existing logins can be imported.
class CliConfigImport {
public:
    // Where the argocd CLI looks: $ARGOCD_CONFIG_DIR/config, else ~/.argocd/config if that
    // directory exists, else $XDG_CONFIG_HOME/argocd/config, else ~/.config/argocd/config.
    // `env` maps variable names to values; `home` is the home directory.
    static QString resolvePath(const QHash<QString, QString>& env, const QString& home);
    // resolvePath() with this process's environment.
    static QString defaultPath();

    static Result<CliConfig> load(const QString& path);
    static Result<CliConfig> parse(const QByteArray& yaml, const QString& sourceName = {});

    // Writes the context's CA bundle (mode 0644) to `path`, chosen by the caller, and points
    // the context's config.caFile at it.
    static Status writeCaFile(ImportedContext& context, const QString& path);
};

} // namespace sextant::argocd
