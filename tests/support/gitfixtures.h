#pragma once

// Real Git repositories for tests: work repositories made with the git CLI (fixed identity and
// dates, no user or system configuration), and a loopback smart-HTTP server — lighttpd running
// `git http-backend` behind basic auth — for credentials and push results over the wire.

#include "files.h"
#include "processrun.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

namespace sextant::test {

constexpr const char* kGitAuthorName = "Ada Tester";
constexpr const char* kGitAuthorEmail = "ada@example.test";

// git with no global or system configuration and a fixed identity.
inline QProcessEnvironment gitEnvironment(const QString& date = {}) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("GIT_CONFIG_NOSYSTEM"), QStringLiteral("1"));
    env.insert(QStringLiteral("GIT_CONFIG_GLOBAL"), QStringLiteral("/dev/null"));
    env.insert(QStringLiteral("GIT_TERMINAL_PROMPT"), QStringLiteral("0"));
    env.insert(QStringLiteral("GIT_AUTHOR_NAME"), QString::fromLatin1(kGitAuthorName));
    env.insert(QStringLiteral("GIT_AUTHOR_EMAIL"), QString::fromLatin1(kGitAuthorEmail));
    env.insert(QStringLiteral("GIT_COMMITTER_NAME"), QString::fromLatin1(kGitAuthorName));
    env.insert(QStringLiteral("GIT_COMMITTER_EMAIL"), QString::fromLatin1(kGitAuthorEmail));
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    if (!date.isEmpty()) {
        env.insert(QStringLiteral("GIT_AUTHOR_DATE"), date);
        env.insert(QStringLiteral("GIT_COMMITTER_DATE"), date);
    }
    return env;
}

// `git <args>` in `dir` (a work tree or a bare repository).
inline ProcessRun git(const QString& dir, const QStringList& args, const QString& date = {}) {
    return runProcess(QStringLiteral("git"), QStringList{QStringLiteral("-C"), dir} + args,
                      gitEnvironment(date));
}

// The trimmed standard output of a git command, or "" when it failed.
inline QString gitText(const QString& dir, const QStringList& args) {
    const ProcessRun r = git(dir, args);
    return r.exitCode == 0 ? QString::fromUtf8(r.out).trimmed() : QString();
}

// A repository with a work tree, driven through the git CLI.
class GitWorkRepo {
public:
    explicit GitWorkRepo(QString dir)
        : m_dir(std::move(dir)) {}
    const QString& dir() const { return m_dir; }

    bool init() {
        return QDir().mkpath(m_dir) && git(m_dir, {QStringLiteral("init"), QStringLiteral("-q"),
                                                   QStringLiteral("-b"), QStringLiteral("main")})
                                               .exitCode == 0;
    }
    bool write(const QString& path, const QByteArray& content) {
        return writeFile(m_dir + QLatin1Char('/') + path, content);
    }
    bool remove(const QString& path) {
        return git(m_dir, {QStringLiteral("rm"), QStringLiteral("-q"), path}).exitCode == 0;
    }
    bool move(const QString& from, const QString& to) {
        return git(m_dir, {QStringLiteral("mv"), from, to}).exitCode == 0;
    }
    // Commits everything; returns the new sha, "" on failure. `date` like "2024-05-06T07:08:09Z".
    QString commit(const QString& message, const QString& date = {}) {
        if (git(m_dir, {QStringLiteral("add"), QStringLiteral("-A")}).exitCode != 0)
            return {};
        if (git(m_dir,
                {QStringLiteral("commit"), QStringLiteral("-q"), QStringLiteral("-m"), message},
                date)
                .exitCode != 0)
            return {};
        return gitText(m_dir, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")});
    }
    bool tag(const QString& name, const QString& message) {
        return git(m_dir, {QStringLiteral("tag"), QStringLiteral("-a"), name, QStringLiteral("-m"),
                           message})
                   .exitCode == 0;
    }
    bool push(const QString& remote, const QString& refspec) {
        return git(m_dir, {QStringLiteral("push"), QStringLiteral("-q"), remote, refspec})
                   .exitCode == 0;
    }

private:
    QString m_dir;
};

// A bare copy of `source` at `target` (all branches and tags), HEAD on main.
inline bool cloneBare(const QString& source, const QString& target) {
    return runProcess(QStringLiteral("git"),
                      {QStringLiteral("clone"), QStringLiteral("-q"), QStringLiteral("--bare"),
                       source, target},
                      gitEnvironment())
               .exitCode == 0;
}

inline QString fileUrl(const QString& path) {
    return QStringLiteral("file://") + QDir(path).absolutePath();
}

// lighttpd serving every repository below a project root through `git http-backend` at
// http://127.0.0.1:<port>/git/<name>, all of it behind basic auth with one user. Stopped (and
// its folder removed) when destroyed.
class GitHttpServer {
public:
    GitHttpServer() = default;
    ~GitHttpServer() { stop(); }
    GitHttpServer(const GitHttpServer&) = delete;
    GitHttpServer& operator=(const GitHttpServer&) = delete;

    // The lighttpd executable ("" when not installed; tests skip then).
    static QString lighttpd() {
        if (QFileInfo(QStringLiteral("/usr/sbin/lighttpd")).isExecutable())
            return QStringLiteral("/usr/sbin/lighttpd");
        return QStandardPaths::findExecutable(QStringLiteral("lighttpd"),
                                              {QStringLiteral("/usr/sbin"),
                                               QStringLiteral("/usr/local/sbin"),
                                               QStringLiteral("/usr/bin")});
    }

    // Starts the server; on failure `error` says why (lighttpd's own log included).
    bool start(const QString& projectRoot, const QString& user, const QString& password,
               QString* error) {
        const QString backend = gitText(QDir::tempPath(), {QStringLiteral("--exec-path")}) +
                                QStringLiteral("/git-http-backend");
        if (!QFileInfo(backend).isExecutable())
            return fail(error, QStringLiteral("git-http-backend not found at ") + backend);
        if (!m_dir.isValid())
            return fail(error, QStringLiteral("no temporary folder"));
        const QString users = m_dir.filePath(QStringLiteral("users"));
        if (!writeFile(users, (user + QLatin1Char(':') + password + QLatin1Char('\n')).toUtf8()) ||
            !QDir().mkpath(m_dir.filePath(QStringLiteral("www"))))
            return fail(error, QStringLiteral("cannot write the server's files"));

        for (int attempt = 0; attempt < 5; ++attempt) {
            m_port = freePort();
            const QString config = m_dir.filePath(QStringLiteral("lighttpd.conf"));
            const QString text =
                QStringLiteral(
                    "server.modules = (\"mod_alias\", \"mod_setenv\", \"mod_cgi\", \"mod_auth\", "
                    "\"mod_authn_file\")\n"
                    "server.document-root = \"%1\"\n"
                    "server.bind = \"127.0.0.1\"\n"
                    "server.port = %2\n"
                    "server.errorlog = \"%3\"\n"
                    "alias.url = (\"/git\" => \"%4\")\n"
                    "$HTTP[\"url\"] =~ \"^/git\" {\n"
                    "  cgi.assign = (\"\" => \"\")\n"
                    "  setenv.add-environment = (\"GIT_PROJECT_ROOT\" => \"%5\", "
                    "\"GIT_HTTP_EXPORT_ALL\" => \"\", \"PATH\" => \"/usr/bin:/bin\")\n"
                    "}\n"
                    "auth.backend = \"plain\"\n"
                    "auth.backend.plain.userfile = \"%6\"\n"
                    "auth.require = (\"/git\" => (\"method\" => \"basic\", \"realm\" => \"git\", "
                    "\"require\" => \"valid-user\"))\n")
                    .arg(m_dir.filePath(QStringLiteral("www")))
                    .arg(m_port)
                    .arg(m_dir.filePath(QStringLiteral("error.log")), backend,
                         QDir(projectRoot).absolutePath(), users);
            if (!writeFile(config, text.toUtf8()))
                return fail(error, QStringLiteral("cannot write lighttpd.conf"));
            m_process.setProgram(lighttpd());
            m_process.setArguments({QStringLiteral("-D"), QStringLiteral("-f"), config});
            m_process.setProcessChannelMode(QProcess::MergedChannels);
            m_process.start();
            if (!m_process.waitForStarted(10000))
                return fail(error, QStringLiteral("lighttpd did not start"));
            if (waitUntilListening())
                return true;
            stop(); // most likely the port was taken meanwhile: try another one
        }
        QFile log(m_dir.filePath(QStringLiteral("error.log")));
        log.open(QIODevice::ReadOnly);
        return fail(error, QStringLiteral("lighttpd did not listen: ") +
                               QString::fromUtf8(m_process.readAll() + log.readAll()));
    }

    void stop() {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    quint16 port() const { return m_port; }
    QString url(const QString& repoName) const {
        return QStringLiteral("http://127.0.0.1:%1/git/%2").arg(m_port).arg(repoName);
    }

private:
    static bool fail(QString* error, const QString& why) {
        if (error)
            *error = why;
        return false;
    }
    static quint16 freePort() {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        return probe.serverPort();
    }
    bool waitUntilListening() {
        for (int i = 0; i < 100; ++i) {
            if (m_process.state() == QProcess::NotRunning)
                return false;
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, m_port);
            if (socket.waitForConnected(200))
                return true;
            QThread::msleep(50);
        }
        return false;
    }

    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
};

} // namespace sextant::test
