#include "gitops/gitrepository.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QUrl>

#include <git2.h>

#include <algorithm>
#include <mutex>

namespace sextant::gitops {

namespace {

// --- libgit2 plumbing -------------------------------------------------------------------------

void ensureLibgit2() {
    static std::once_flag once;
    // Never shut down: objects may outlive any owner we could pick for the shutdown.
    std::call_once(once, [] { git_libgit2_init(); });
}

template <typename T, void (*Free)(T*)>
struct GitDeleter {
    void operator()(T* p) const {
        if (p)
            Free(p);
    }
};
template <typename T, void (*Free)(T*)>
using GitPtr = std::unique_ptr<T, GitDeleter<T, Free>>;

using ObjectPtr = GitPtr<git_object, git_object_free>;
using CommitPtr = GitPtr<git_commit, git_commit_free>;
using TreePtr = GitPtr<git_tree, git_tree_free>;
using TreeEntryPtr = GitPtr<git_tree_entry, git_tree_entry_free>;
using BlobPtr = GitPtr<git_blob, git_blob_free>;
using ReferencePtr = GitPtr<git_reference, git_reference_free>;
using RemotePtr = GitPtr<git_remote, git_remote_free>;
using RevwalkPtr = GitPtr<git_revwalk, git_revwalk_free>;
using DiffPtr = GitPtr<git_diff, git_diff_free>;
using SignaturePtr = GitPtr<git_signature, git_signature_free>;
using RepositoryPtr = GitPtr<git_repository, git_repository_free>;

struct BufGuard {
    git_buf buf = GIT_BUF_INIT;
    ~BufGuard() { git_buf_dispose(&buf); }
};

QString oidString(const git_oid* oid) {
    char hex[GIT_OID_HEXSZ + 1] = {};
    git_oid_tostr(hex, sizeof hex, oid);
    return QString::fromLatin1(hex);
}

QString lastGitMessage() {
    const git_error* e = git_error_last();
    return e && e->message ? QString::fromUtf8(e->message).trimmed() : QString();
}

int lastGitClass() {
    const git_error* e = git_error_last();
    return e ? e->klass : GIT_ERROR_NONE;
}

QString joinDetails(const QStringList& parts) {
    QStringList kept;
    for (const QString& p : parts)
        if (!p.isEmpty())
            kept.append(p);
    return kept.join(QLatin1Char('\n'));
}

// A local error from libgit2 (object store, references, trees): short message from the caller,
// libgit2's own text in the details.
Error gitError(Error::Kind kind, const QString& shortMessage, const QString& context = {}) {
    return Error::make(kind, shortMessage,
                       joinDetails({context, QStringLiteral("libgit2: ") + lastGitMessage()}));
}

QString removeSecret(QString text, const GitCredentials& credentials) {
    // Defence in depth: libgit2 never echoes the secret, but nothing we show may contain it.
    if (!credentials.secret.isEmpty())
        text.replace(credentials.secret, QStringLiteral("***"));
    return text;
}

// The URL without user information, for messages.
QString displayUrl(const QString& url) {
    const QUrl u(url);
    if (u.isValid() && !u.scheme().isEmpty() && !u.host().isEmpty())
        return u.toString(QUrl::RemoveUserInfo);
    return url;
}

bool isScpLike(const QString& url) {
    static const QRegularExpression scp(QStringLiteral("^(?:[^@/:]+@)?[^/:]+:[^/].*$"));
    return !url.contains(QLatin1String("://")) && scp.match(url).hasMatch();
}

QString hostOf(const QString& url) {
    if (isScpLike(url)) {
        QString rest = url.section(QLatin1Char(':'), 0, 0);
        return rest.contains(QLatin1Char('@')) ? rest.section(QLatin1Char('@'), 1) : rest;
    }
    const QUrl u(url);
    if (!u.host().isEmpty())
        return u.host();
    return QStringLiteral("the local repository");
}

bool looksLikeUrl(const QString& s) {
    return s.contains(QLatin1String("://")) || s.startsWith(QLatin1Char('/')) || isScpLike(s);
}

bool urlCarriesPassword(const QString& url) {
    const QUrl u(url);
    return u.isValid() && !u.password().isEmpty();
}

// State shared with libgit2's callbacks during one network operation.
struct TransportState {
    const GitCredentials* credentials = nullptr;
    int attempts = 0;            // credentials handed out since the last accepted phase
    bool refused = false;        // the server turned our credentials down
    bool noneConfigured = false; // the server asked and we had nothing to give
    std::vector<PushRefResult> refs;
    QByteArray sideband;
};

int acquireCredentials(git_credential** out, const char* url, const char* userFromUrl,
                       unsigned int allowed, void* payload) {
    Q_UNUSED(url);
    auto* state = static_cast<TransportState*>(payload);
    const GitCredentials& c = *state->credentials;
    const QByteArray user = !c.username.isEmpty()           ? c.username.toUtf8()
                            : (userFromUrl && *userFromUrl) ? QByteArray(userFromUrl)
                                                            : QByteArrayLiteral("git");
    // SSH asks for the user name alone first; that is not an authentication attempt.
    if (allowed & GIT_CREDENTIAL_USERNAME)
        return git_credential_username_new(out, user.constData());

    // libgit2 asks again for as long as the server says no: a second request means the first
    // answer was rejected, and asking the keychain again would only loop.
    if (++state->attempts > 1) {
        state->refused = true;
        git_error_set_str(GIT_ERROR_NET, "the server rejected the credentials");
        return GIT_EAUTH;
    }
    if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && !c.secret.isEmpty())
        return git_credential_userpass_plaintext_new(out, user.constData(),
                                                     c.secret.toUtf8().constData());
    if ((allowed & GIT_CREDENTIAL_SSH_KEY) && c.sshAgent)
        return git_credential_ssh_key_from_agent(out, user.constData());
    state->refused = true;
    state->noneConfigured = true;
    git_error_set_str(GIT_ERROR_NET, "the server asks for credentials and none are configured");
    return GIT_EAUTH;
}

int collectSideband(const char* text, int len, void* payload) {
    auto* state = static_cast<TransportState*>(payload);
    if (state->sideband.size() < 16384)
        state->sideband.append(text, len);
    return 0;
}

int collectPushStatus(const char* refname, const char* status, void* payload) {
    auto* state = static_cast<TransportState*>(payload);
    PushRefResult r;
    r.refName = QString::fromUtf8(refname);
    r.accepted = status == nullptr;
    r.message = status ? QString::fromUtf8(status) : QString();
    state->refs.push_back(r);
    return 0;
}

git_remote_callbacks makeCallbacks(TransportState& state) {
    git_remote_callbacks callbacks;
    git_remote_init_callbacks(&callbacks, GIT_REMOTE_CALLBACKS_VERSION);
    callbacks.credentials = acquireCredentials;
    callbacks.sideband_progress = collectSideband;
    callbacks.push_update_reference = collectPushStatus;
    callbacks.payload = &state;
    // certificate_check stays unset: libgit2 verifies TLS certificates itself.
    return callbacks;
}

QString remoteText(const TransportState& state) {
    QString text = QString::fromUtf8(state.sideband);
    text.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    QStringList lines;
    for (const QString& line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.trimmed().isEmpty())
            lines.append(line.trimmed());
    return lines.join(QLatin1Char('\n'));
}

// A failed network operation, typed from what the callbacks saw and libgit2's error.
Error transportError(int code, const TransportState& state, const QString& url,
                     const QString& what) {
    const QString host = hostOf(url);
    const QString message = lastGitMessage();
    const QString details =
        removeSecret(joinDetails({QStringLiteral("URL: ") + displayUrl(url),
                                  QStringLiteral("libgit2: ") + message, remoteText(state)}),
                     *state.credentials);
    Error e;
    if (state.noneConfigured) {
        e = Error::make(Error::Kind::Unauthorized,
                        QStringLiteral("The Git server at %1 asks for credentials and none are "
                                       "set")
                            .arg(host),
                        details);
    } else if (state.refused || code == GIT_EAUTH || message.contains(QLatin1String("401"))) {
        e = Error::make(Error::Kind::Unauthorized,
                        QStringLiteral("The Git server refused the credentials for %1").arg(host),
                        details);
    } else if (code == GIT_ECERTIFICATE || lastGitClass() == GIT_ERROR_SSL) {
        e = Error::make(Error::Kind::Tls,
                        QStringLiteral("Cannot verify the TLS connection to %1").arg(host),
                        details);
    } else if (message.contains(QLatin1String("403"))) {
        e = Error::make(Error::Kind::Forbidden,
                        QStringLiteral("The Git server at %1 does not allow %2").arg(host, what),
                        details);
    } else if (code == GIT_ENOTFOUND || message.contains(QLatin1String("404"))) {
        e = Error::make(Error::Kind::NotFound,
                        QStringLiteral("No Git repository at %1").arg(displayUrl(url)), details);
    } else if (code == GIT_ENONFASTFORWARD) {
        e = Error::make(Error::Kind::Conflict,
                        QStringLiteral("The push is not a fast-forward of the remote branch"),
                        details);
    } else {
        const int klass = lastGitClass();
        const bool network =
            klass == GIT_ERROR_NET || klass == GIT_ERROR_HTTP || klass == GIT_ERROR_SSH;
        e = Error::make(network ? Error::Kind::Network : Error::Kind::Io,
                        network ? QStringLiteral("Cannot reach the Git server at %1").arg(host)
                                : QStringLiteral("Cannot %1 %2").arg(what, displayUrl(url)),
                        details);
    }
    e.url = displayUrl(url);
    return e;
}

Result<RepositoryPtr> openRaw(const QString& path) {
    ensureLibgit2();
    git_repository* repo = nullptr;
    const int rc = git_repository_open_ext(&repo, QFile::encodeName(path).constData(),
                                           GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
    if (rc < 0)
        return gitError(rc == GIT_ENOTFOUND ? Error::Kind::NotFound : Error::Kind::Io,
                        QStringLiteral("No Git repository at %1").arg(path));
    return RepositoryPtr(repo);
}

Result<CommitPtr> peelCommit(git_repository* repo, const QString& rev) {
    if (rev.trimmed().isEmpty())
        return Error::make(Error::Kind::Config, QStringLiteral("No revision given"));
    git_object* obj = nullptr;
    int rc = git_revparse_single(&obj, repo, rev.toUtf8().constData());
    if (rc < 0 && rev.startsWith(QLatin1String("origin/"))) {
        // A mirror keeps the server's branches as its own: origin/x is refs/heads/x here.
        const QByteArray local = "refs/heads/" + rev.mid(7).toUtf8();
        rc = git_revparse_single(&obj, repo, local.constData());
    }
    if (rc < 0)
        return gitError(Error::Kind::NotFound,
                        QStringLiteral("No revision %1 in the repository").arg(rev));
    ObjectPtr object(obj);
    git_object* peeled = nullptr;
    if (git_object_peel(&peeled, object.get(), GIT_OBJECT_COMMIT) < 0)
        return gitError(Error::Kind::Config, QStringLiteral("%1 does not name a commit").arg(rev));
    return CommitPtr(reinterpret_cast<git_commit*>(peeled));
}

CommitInfo toCommitInfo(const git_commit* commit) {
    CommitInfo info;
    info.sha = oidString(git_commit_id(commit));
    info.shortSha = info.sha.left(7);
    if (const git_signature* author = git_commit_author(commit)) {
        info.authorName = QString::fromUtf8(author->name);
        info.authorEmail = QString::fromUtf8(author->email);
        info.time = QDateTime::fromSecsSinceEpoch(author->when.time, Qt::UTC);
    }
    // git_commit_summary caches into the commit object; the pointer stays ours to read.
    const char* summary = git_commit_summary(const_cast<git_commit*>(commit));
    info.summary = summary ? QString::fromUtf8(summary) : QString();
    const char* message = git_commit_message(commit);
    info.message = message ? QString::fromUtf8(message) : QString();
    return info;
}

bool isValidBranchName(const QString& branch) {
    if (branch.isEmpty())
        return false;
    int valid = 0;
    if (git_branch_name_is_valid(&valid, branch.toUtf8().constData()) < 0 || !valid)
        return false;
    const QByteArray ref = "refs/heads/" + branch.toUtf8();
    return git_reference_name_is_valid(&valid, ref.constData()) == 0 && valid;
}

Result<RemotePtr> remoteFor(git_repository* repo, const QString& remote) {
    git_remote* r = nullptr;
    int valid = 0;
    if (!looksLikeUrl(remote) &&
        git_remote_name_is_valid(&valid, remote.toUtf8().constData()) == 0 && valid &&
        git_remote_lookup(&r, repo, remote.toUtf8().constData()) == 0)
        return RemotePtr(r);
    if (!looksLikeUrl(remote))
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("%1 is neither a remote of the repository nor a URL").arg(remote));
    if (urlCarriesPassword(remote))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("The Git URL contains a password; set it as the "
                                          "credentials instead"),
                           QStringLiteral("URL: ") + displayUrl(remote));
    if (git_remote_create_anonymous(&r, repo, remote.toUtf8().constData()) < 0)
        return gitError(Error::Kind::Config,
                        QStringLiteral("%1 is not a usable Git URL").arg(displayUrl(remote)));
    return RemotePtr(r);
}

QString remoteUrl(git_remote* remote) {
    const char* url = git_remote_url(remote);
    return url ? QString::fromUtf8(url) : QString();
}

// Fetches `remoteName` with its configured refspecs, pruning, and points HEAD at the server's
// default branch when the server names one.
Status fetchRemote(git_repository* repo, const char* remoteName,
                   const GitCredentials& credentials) {
    git_remote* r = nullptr;
    if (git_remote_lookup(&r, repo, remoteName) < 0)
        return gitError(
            Error::Kind::Config,
            QStringLiteral("The repository has no remote %1").arg(QString::fromUtf8(remoteName)));
    RemotePtr remote(r);
    const QString url = remoteUrl(remote.get());
    TransportState state;
    state.credentials = &credentials;
    git_remote_callbacks callbacks = makeCallbacks(state);

    int rc = git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr);
    if (rc < 0)
        return transportError(rc, state, url, QStringLiteral("fetch from"));
    state.attempts = 0; // accepted: a later request may ask once more on a new connection

    QByteArray headRef;
    {
        BufGuard branch;
        if (git_remote_default_branch(&branch.buf, remote.get()) == 0 && branch.buf.ptr)
            headRef = QByteArray(branch.buf.ptr);
        git_error_clear();
    }

    git_fetch_options options;
    git_fetch_options_init(&options, GIT_FETCH_OPTIONS_VERSION);
    options.callbacks = callbacks;
    options.prune = GIT_FETCH_PRUNE;
    rc = git_remote_fetch(remote.get(), nullptr, &options, "sextant: fetch");
    git_remote_disconnect(remote.get());
    if (rc < 0)
        return transportError(rc, state, url, QStringLiteral("fetch from"));

    if (!headRef.isEmpty() && git_repository_is_bare(repo)) {
        git_reference* ref = nullptr;
        if (git_reference_lookup(&ref, repo, headRef.constData()) == 0) {
            ReferencePtr guard(ref);
            if (git_repository_set_head(repo, headRef.constData()) < 0)
                return gitError(Error::Kind::Io,
                                QStringLiteral("Cannot point the mirror's HEAD at %1")
                                    .arg(QString::fromUtf8(headRef)));
        }
        git_error_clear();
    }
    return okStatus();
}

} // namespace

// --- GitRepository ----------------------------------------------------------------------------

GitRepository::GitRepository(git_repository* repo)
    : m_repo(repo) {}

GitRepository::~GitRepository() {
    git_repository_free(m_repo);
}

Result<std::unique_ptr<GitRepository>> GitRepository::open(const QString& path) {
    auto repo = openRaw(path);
    if (!repo)
        return repo.error();
    return std::unique_ptr<GitRepository>(new GitRepository(repo.value().release()));
}

QString GitRepository::mirrorDirName(const QString& url) {
    QString normal = url.trimmed();
    if (isScpLike(normal)) {
        // git@host:group/repo.git -> ssh://host/group/repo
        const QString hostPart = normal.section(QLatin1Char(':'), 0, 0);
        const QString host =
            hostPart.contains(QLatin1Char('@')) ? hostPart.section(QLatin1Char('@'), 1) : hostPart;
        normal = QStringLiteral("ssh://") + host.toLower() + QLatin1Char('/') +
                 normal.section(QLatin1Char(':'), 1);
    } else if (normal.contains(QLatin1String("://"))) {
        QUrl u(normal);
        u.setUserInfo(QString());
        u.setScheme(u.scheme().toLower());
        u.setHost(u.host().toLower());
        normal = u.toString(QUrl::NormalizePathSegments);
    } else {
        normal = QStringLiteral("file://") + QDir::cleanPath(QDir(normal).absolutePath());
    }
    while (normal.endsWith(QLatin1Char('/')))
        normal.chop(1);
    if (normal.endsWith(QLatin1String(".git")))
        normal.chop(4);
    const QByteArray hash = QCryptographicHash::hash(normal.toUtf8(), QCryptographicHash::Sha256);
    return QString::fromLatin1(hash.toHex().left(32)) + QStringLiteral(".git");
}

Result<std::unique_ptr<GitRepository>> GitRepository::mirror(const QString& url,
                                                             const QString& cacheRoot,
                                                             const GitCredentials& credentials) {
    ensureLibgit2();
    if (url.trimmed().isEmpty())
        return Error::make(Error::Kind::Config, QStringLiteral("No Git URL given"));
    if (urlCarriesPassword(url))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("The Git URL contains a password; set it as the "
                                          "credentials instead"),
                           QStringLiteral("URL: ") + displayUrl(url));
    if (!QDir().mkpath(cacheRoot))
        return Error::make(Error::Kind::Io,
                           QStringLiteral("Cannot create the Git cache folder %1").arg(cacheRoot));
    const QString target = QDir(cacheRoot).filePath(mirrorDirName(url));
    const QByteArray urlBytes = url.trimmed().toUtf8();

    if (QFileInfo::exists(target)) {
        auto repo = openRaw(target);
        if (!repo)
            return repo.error();
        // The same repository may be named by another form of its URL; keep the latest.
        if (git_remote_set_url(repo.value().get(), "origin", urlBytes.constData()) < 0)
            return gitError(Error::Kind::Io, QStringLiteral("Cannot update the mirror's URL"),
                            target);
        if (Status s = fetchRemote(repo.value().get(), "origin", credentials); !s)
            return s.error();
        return std::unique_ptr<GitRepository>(new GitRepository(repo.value().release()));
    }

    // Clone into a scratch folder next to the target and move it in place only when complete,
    // so an interrupted or refused clone never leaves a half-made mirror behind.
    QTemporaryDir scratch(QDir(cacheRoot).filePath(QStringLiteral(".clone-XXXXXX")));
    if (!scratch.isValid())
        return Error::make(Error::Kind::Io,
                           QStringLiteral("Cannot create a folder in %1").arg(cacheRoot),
                           scratch.errorString());
    {
        git_repository* raw = nullptr;
        if (git_repository_init(&raw, QFile::encodeName(scratch.path()).constData(), 1) < 0)
            return gitError(Error::Kind::Io, QStringLiteral("Cannot create the mirror"),
                            scratch.path());
        RepositoryPtr repo(raw);
        git_remote* remote = nullptr;
        if (git_remote_create_with_fetchspec(&remote, repo.get(), "origin", urlBytes.constData(),
                                             "+refs/heads/*:refs/heads/*") < 0)
            return gitError(Error::Kind::Config,
                            QStringLiteral("%1 is not a usable Git URL").arg(displayUrl(url)));
        git_remote_free(remote);
        if (git_remote_add_fetch(repo.get(), "origin", "+refs/tags/*:refs/tags/*") < 0)
            return gitError(Error::Kind::Io, QStringLiteral("Cannot configure the mirror"));
        if (Status s = fetchRemote(repo.get(), "origin", credentials); !s)
            return s.error();
    }
    if (QDir().rename(scratch.path(), target))
        scratch.setAutoRemove(false);
    else if (!QFileInfo::exists(target))
        return Error::make(Error::Kind::Io,
                           QStringLiteral("Cannot move the new mirror into %1").arg(target));
    // else another process made the mirror meanwhile: it is as good as ours (ours is removed).
    return open(target);
}

QString GitRepository::path() const {
    return QFile::decodeName(git_repository_path(m_repo));
}

bool GitRepository::isBare() const {
    return git_repository_is_bare(m_repo);
}

QString GitRepository::workTree() const {
    const char* dir = git_repository_workdir(m_repo);
    return dir ? QDir(QFile::decodeName(dir)).absolutePath() : QString();
}

Result<QString> GitRepository::configuredRemoteUrl(const QString& name) const {
    git_remote* remote = nullptr;
    if (git_remote_lookup(&remote, m_repo, name.toUtf8().constData()) < 0)
        return gitError(Error::Kind::NotFound,
                        QStringLiteral("The repository has no remote named %1").arg(name));
    const QString raw = QString::fromUtf8(git_remote_url(remote));
    git_remote_free(remote);
    if (!raw.startsWith(QLatin1String("http"))) // scp-like and ssh URLs carry no secret
        return raw;
    QUrl url(raw);
    url.setUserInfo(QString());
    return url.toString();
}

Status GitRepository::fetch(const GitCredentials& credentials) {
    return fetchRemote(m_repo, "origin", credentials);
}

Result<QString> GitRepository::resolve(const QString& rev) const {
    auto commit = peelCommit(m_repo, rev);
    if (!commit)
        return commit.error();
    return oidString(git_commit_id(commit.value().get()));
}

Result<CommitInfo> GitRepository::commitInfo(const QString& rev) const {
    auto commit = peelCommit(m_repo, rev);
    if (!commit)
        return commit.error();
    return toCommitInfo(commit.value().get());
}

Result<std::vector<CommitInfo>> GitRepository::log(const QString& rev, int max) const {
    auto start = peelCommit(m_repo, rev);
    if (!start)
        return start.error();
    git_revwalk* w = nullptr;
    if (git_revwalk_new(&w, m_repo) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot read the history"));
    RevwalkPtr walk(w);
    git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
    if (git_revwalk_push(walk.get(), git_commit_id(start.value().get())) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot read the history of %1").arg(rev));
    std::vector<CommitInfo> out;
    git_oid oid;
    while (static_cast<int>(out.size()) < max && git_revwalk_next(&oid, walk.get()) == 0) {
        git_commit* c = nullptr;
        if (git_commit_lookup(&c, m_repo, &oid) < 0)
            return gitError(Error::Kind::Io,
                            QStringLiteral("Cannot read commit %1").arg(oidString(&oid)));
        CommitPtr commit(c);
        out.push_back(toCommitInfo(commit.get()));
    }
    return out;
}

Result<QString> GitRepository::defaultBranch() const {
    git_reference* head = nullptr;
    if (git_reference_lookup(&head, m_repo, "HEAD") == 0) {
        ReferencePtr guard(head);
        if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
            const QString target = QString::fromUtf8(git_reference_symbolic_target(head));
            git_reference* ref = nullptr;
            if (target.startsWith(QLatin1String("refs/heads/")) &&
                git_reference_lookup(&ref, m_repo, target.toUtf8().constData()) == 0) {
                git_reference_free(ref);
                return target.mid(11);
            }
        }
    }
    for (const char* name : {"main", "master"}) {
        git_reference* ref = nullptr;
        if (git_branch_lookup(&ref, m_repo, name, GIT_BRANCH_LOCAL) == 0) {
            git_reference_free(ref);
            return QString::fromLatin1(name);
        }
    }
    git_error_clear();
    return Error::make(Error::Kind::NotFound,
                       QStringLiteral("The repository has no default branch"),
                       QStringLiteral("HEAD names no existing branch and there is no main or "
                                      "master"));
}

Result<QString> GitRepository::mergeBase(const QString& a, const QString& b) const {
    auto ca = peelCommit(m_repo, a);
    if (!ca)
        return ca.error();
    auto cb = peelCommit(m_repo, b);
    if (!cb)
        return cb.error();
    git_oid base;
    const int rc = git_merge_base(&base, m_repo, git_commit_id(ca.value().get()),
                                  git_commit_id(cb.value().get()));
    if (rc == GIT_ENOTFOUND)
        return Error::make(Error::Kind::NotFound,
                           QStringLiteral("%1 and %2 have no common history").arg(a, b));
    if (rc < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot find the merge base"));
    return oidString(&base);
}

// --- GitTree ----------------------------------------------------------------------------------

struct GitTree::Impl {
    RepositoryPtr repo;
    TreePtr root;
    mutable std::mutex mutex;

    // The tree at `dir` ("" = root); nullptr when `dir` is not a directory.
    TreePtr subtree(const QString& dir) const {
        if (dir.isEmpty()) {
            git_tree* copy = nullptr;
            git_object_dup(reinterpret_cast<git_object**>(&copy),
                           reinterpret_cast<git_object*>(root.get()));
            return TreePtr(copy);
        }
        TreeEntryPtr entry = entryAt(dir);
        if (!entry || git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE)
            return nullptr;
        git_tree* tree = nullptr;
        if (git_tree_lookup(&tree, repo.get(), git_tree_entry_id(entry.get())) < 0)
            return nullptr;
        return TreePtr(tree);
    }

    TreeEntryPtr entryAt(const QString& path) const {
        git_tree_entry* entry = nullptr;
        if (git_tree_entry_bypath(&entry, root.get(), path.toUtf8().constData()) < 0) {
            git_error_clear();
            return nullptr;
        }
        return TreeEntryPtr(entry);
    }
};

GitTree::GitTree(std::unique_ptr<Impl> impl, QString sha)
    : m_impl(std::move(impl))
    , m_sha(std::move(sha)) {}

GitTree::~GitTree() = default;

std::optional<QByteArray> GitTree::readFile(const QString& path) const {
    const auto p = normalisePath(path);
    if (!p || p->isEmpty())
        return std::nullopt;
    std::lock_guard lock(m_impl->mutex);
    TreeEntryPtr entry = m_impl->entryAt(*p);
    if (!entry || git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB)
        return std::nullopt;
    git_blob* b = nullptr;
    if (git_blob_lookup(&b, m_impl->repo.get(), git_tree_entry_id(entry.get())) < 0)
        return std::nullopt;
    BlobPtr blob(b);
    return QByteArray(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                      static_cast<qsizetype>(git_blob_rawsize(blob.get())));
}

QStringList GitTree::list(const QString& dir) const {
    const auto d = normalisePath(dir);
    if (!d)
        return {};
    std::lock_guard lock(m_impl->mutex);
    TreePtr tree = m_impl->subtree(*d);
    if (!tree)
        return {};
    QStringList out;
    const size_t count = git_tree_entrycount(tree.get());
    for (size_t i = 0; i < count; ++i) {
        const git_tree_entry* e = git_tree_entry_byindex(tree.get(), i);
        const QString name = QString::fromUtf8(git_tree_entry_name(e));
        switch (git_tree_entry_type(e)) {
        case GIT_OBJECT_BLOB:
            out.append(name);
            break;
        case GIT_OBJECT_TREE:
            out.append(name + QLatin1Char('/'));
            break;
        default: // submodules are neither files nor folders of this repository
            break;
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool GitTree::isFile(const QString& path) const {
    const auto p = normalisePath(path);
    if (!p || p->isEmpty())
        return false;
    std::lock_guard lock(m_impl->mutex);
    TreeEntryPtr entry = m_impl->entryAt(*p);
    return entry && git_tree_entry_type(entry.get()) == GIT_OBJECT_BLOB;
}

bool GitTree::isDir(const QString& path) const {
    const auto p = normalisePath(path);
    if (!p)
        return false;
    if (p->isEmpty())
        return true;
    std::lock_guard lock(m_impl->mutex);
    TreeEntryPtr entry = m_impl->entryAt(*p);
    return entry && git_tree_entry_type(entry.get()) == GIT_OBJECT_TREE;
}

QStringList GitTree::allFiles(const QString& dir) const {
    const auto d = normalisePath(dir);
    if (!d)
        return {};
    std::lock_guard lock(m_impl->mutex);
    TreePtr tree = m_impl->subtree(*d);
    if (!tree)
        return {};
    struct Walk {
        QString prefix;
        QStringList files;
    } walk{d->isEmpty() ? QString() : *d + QLatin1Char('/'), {}};
    git_tree_walk(
        tree.get(), GIT_TREEWALK_PRE,
        [](const char* root, const git_tree_entry* entry, void* payload) -> int {
            if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB) {
                auto* w = static_cast<Walk*>(payload);
                w->files.append(w->prefix + QString::fromUtf8(root) +
                                QString::fromUtf8(git_tree_entry_name(entry)));
            }
            return 0;
        },
        &walk);
    std::sort(walk.files.begin(), walk.files.end());
    return walk.files;
}

Result<std::unique_ptr<GitTree>> GitRepository::tree(const QString& rev) const {
    auto commit = peelCommit(m_repo, rev);
    if (!commit)
        return commit.error();
    const QString sha = oidString(git_commit_id(commit.value().get()));
    // A handle of its own, so the tree does not tie this repository object to its thread.
    auto repo = openRaw(path());
    if (!repo)
        return repo.error();
    git_tree* t = nullptr;
    git_commit* c = nullptr;
    git_oid oid;
    git_oid_fromstr(&oid, sha.toLatin1().constData());
    if (git_commit_lookup(&c, repo.value().get(), &oid) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot read commit %1").arg(sha));
    CommitPtr own(c);
    if (git_commit_tree(&t, own.get()) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot read the files of %1").arg(sha));
    auto impl = std::make_unique<GitTree::Impl>();
    impl->repo = std::move(repo.value());
    impl->root = TreePtr(t);
    return std::unique_ptr<GitTree>(new GitTree(std::move(impl), sha));
}

Result<std::vector<FileChange>> GitRepository::diff(const QString& baseRev,
                                                    const QString& headRev) const {
    auto base = peelCommit(m_repo, baseRev);
    if (!base)
        return base.error();
    auto head = peelCommit(m_repo, headRev);
    if (!head)
        return head.error();
    git_tree* bt = nullptr;
    git_tree* ht = nullptr;
    if (git_commit_tree(&bt, base.value().get()) < 0)
        return gitError(Error::Kind::Io,
                        QStringLiteral("Cannot read the files of %1").arg(baseRev));
    TreePtr baseTree(bt);
    if (git_commit_tree(&ht, head.value().get()) < 0)
        return gitError(Error::Kind::Io,
                        QStringLiteral("Cannot read the files of %1").arg(headRev));
    TreePtr headTree(ht);

    git_diff* d = nullptr;
    git_diff_options options;
    git_diff_options_init(&options, GIT_DIFF_OPTIONS_VERSION);
    if (git_diff_tree_to_tree(&d, m_repo, baseTree.get(), headTree.get(), &options) < 0)
        return gitError(Error::Kind::Io,
                        QStringLiteral("Cannot compare %1 with %2").arg(baseRev, headRev));
    DiffPtr diff(d);
    git_diff_find_options find;
    git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);
    find.flags = GIT_DIFF_FIND_RENAMES;
    if (git_diff_find_similar(diff.get(), &find) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot detect renamed files"));

    std::vector<FileChange> out;
    const size_t count = git_diff_num_deltas(diff.get());
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
        FileChange change;
        change.path = QString::fromUtf8(delta->new_file.path);
        change.oldPath = QString::fromUtf8(delta->old_file.path);
        switch (delta->status) {
        case GIT_DELTA_ADDED:
        case GIT_DELTA_COPIED:
            change.kind = FileChange::Kind::Added;
            change.oldPath = change.path;
            break;
        case GIT_DELTA_DELETED:
            change.kind = FileChange::Kind::Deleted;
            change.path = change.oldPath;
            break;
        case GIT_DELTA_RENAMED:
            change.kind = FileChange::Kind::Renamed;
            break;
        default: // modified, type change (file <-> symlink)
            change.kind = FileChange::Kind::Modified;
            change.oldPath = change.path;
            break;
        }
        out.push_back(change);
    }
    std::sort(out.begin(), out.end(),
              [](const FileChange& a, const FileChange& b) { return a.path < b.path; });
    return out;
}

// --- Writing ----------------------------------------------------------------------------------

Result<QString> GitRepository::commitEdits(const CommitRequest& request) {
    const QString branch = request.branch.trimmed();
    if (!isValidBranchName(branch))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("\"%1\" is not a valid branch name").arg(branch));
    if (request.edits.empty())
        return Error::make(Error::Kind::Config, QStringLiteral("There are no edits to commit"));
    if (request.message.trimmed().isEmpty())
        return Error::make(Error::Kind::Config, QStringLiteral("The commit needs a message"));
    if (request.authorName.trimmed().isEmpty() || request.authorEmail.trimmed().isEmpty())
        return Error::make(Error::Kind::Config,
                           QStringLiteral("The commit needs an author name and email"));

    if (!request.allowDefaultBranch) {
        auto defaultName = defaultBranch();
        if (defaultName && defaultName.value() == branch)
            return Error::make(Error::Kind::Approval,
                               QStringLiteral("Commits to the default branch %1 are not allowed; "
                                              "use a new branch and a pull request")
                                   .arg(branch),
                               QStringLiteral("The instance's policy does not allow committing "
                                              "to the default branch."));
    }

    auto parent = peelCommit(m_repo, request.parentRev);
    if (!parent)
        return parent.error();
    const git_oid parentId = *git_commit_id(parent.value().get());
    const QByteArray refName = "refs/heads/" + branch.toUtf8();

    git_reference* existing = nullptr;
    if (git_reference_lookup(&existing, m_repo, refName.constData()) == 0) {
        ReferencePtr guard(existing);
        git_reference* resolved = nullptr;
        if (git_reference_resolve(&resolved, existing) < 0)
            return gitError(Error::Kind::Io, QStringLiteral("Cannot read branch %1").arg(branch));
        ReferencePtr direct(resolved);
        if (!git_oid_equal(git_reference_target(direct.get()), &parentId))
            return Error::make(
                Error::Kind::Conflict,
                QStringLiteral("Branch %1 has moved; it is not overwritten").arg(branch),
                QStringLiteral("Branch tip: %1\nExpected parent: %2")
                    .arg(oidString(git_reference_target(direct.get())), oidString(&parentId)));
    }
    git_error_clear();

    git_tree* pt = nullptr;
    if (git_commit_tree(&pt, parent.value().get()) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot read the files of the parent"));
    TreePtr parentTree(pt);

    std::vector<QByteArray> paths;
    std::vector<git_tree_update> updates;
    paths.reserve(request.edits.size());
    updates.reserve(request.edits.size());
    QSet<QString> seen;
    for (const FileEdit& edit : request.edits) {
        const auto p = normalisePath(edit.path);
        if (!p || p->isEmpty() ||
            p->split(QLatin1Char('/')).contains(QLatin1String(".git"), Qt::CaseInsensitive))
            return Error::make(
                Error::Kind::Config,
                QStringLiteral("\"%1\" is not a file path inside the repository").arg(edit.path));
        if (seen.contains(*p))
            return Error::make(Error::Kind::Config,
                               QStringLiteral("%1 is edited twice in one commit").arg(*p));
        seen.insert(*p);
        paths.push_back(p->toUtf8());

        git_tree_entry* e = nullptr;
        TreeEntryPtr current;
        if (git_tree_entry_bypath(&e, parentTree.get(), paths.back().constData()) == 0)
            current.reset(e);
        git_error_clear();
        if (current && git_tree_entry_type(current.get()) == GIT_OBJECT_TREE)
            return Error::make(Error::Kind::Config,
                               QStringLiteral("%1 is a folder, not a file").arg(*p));

        git_tree_update update{};
        update.path = paths.back().constData();
        if (edit.content) {
            if (git_blob_create_from_buffer(&update.id, m_repo, edit.content->constData(),
                                            static_cast<size_t>(edit.content->size())) < 0)
                return gitError(Error::Kind::Io, QStringLiteral("Cannot store %1").arg(*p));
            update.action = GIT_TREE_UPDATE_UPSERT;
            const git_filemode_t mode =
                current ? git_tree_entry_filemode(current.get()) : GIT_FILEMODE_BLOB;
            // Keep the executable bit; a symlink written with content becomes a plain file.
            update.filemode = mode == GIT_FILEMODE_BLOB_EXECUTABLE ? mode : GIT_FILEMODE_BLOB;
        } else {
            if (!current)
                return Error::make(
                    Error::Kind::Config,
                    QStringLiteral("Cannot delete %1: there is no such file").arg(*p));
            update.action = GIT_TREE_UPDATE_REMOVE;
        }
        updates.push_back(update);
    }

    git_oid treeId;
    if (git_tree_create_updated(&treeId, m_repo, parentTree.get(), updates.size(), updates.data()) <
        0)
        return gitError(Error::Kind::Config, QStringLiteral("Cannot apply the edits"),
                        QStringLiteral("A path may run through an existing file."));
    if (git_oid_equal(&treeId, git_tree_id(parentTree.get())))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("The edits change nothing; there is nothing to commit"));
    git_tree* nt = nullptr;
    if (git_tree_lookup(&nt, m_repo, &treeId) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot read the new files"));
    TreePtr newTree(nt);

    git_signature* sig = nullptr;
    if (git_signature_now(&sig, request.authorName.trimmed().toUtf8().constData(),
                          request.authorEmail.trimmed().toUtf8().constData()) < 0)
        return gitError(Error::Kind::Config, QStringLiteral("The author name or email is invalid"));
    SignaturePtr signature(sig);

    QByteArray message = request.message.toUtf8();
    if (!message.endsWith('\n'))
        message.append('\n');
    const git_commit* parents[] = {parent.value().get()};
    git_oid commitId;
    const int rc =
        git_commit_create(&commitId, m_repo, refName.constData(), signature.get(), signature.get(),
                          "UTF-8", message.constData(), newTree.get(), 1, parents);
    if (rc == GIT_EMODIFIED)
        return gitError(
            Error::Kind::Conflict,
            QStringLiteral("Branch %1 moved while committing; it is not overwritten").arg(branch));
    if (rc < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot create the commit"));
    return oidString(&commitId);
}

Result<std::unique_ptr<GitRepository>> GitRepository::initBare(const QString& path,
                                                               const QString& initialBranch) {
    ensureLibgit2();
    if (!isValidBranchName(initialBranch))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("\"%1\" is not a valid branch name").arg(initialBranch));
    git_repository_init_options options = GIT_REPOSITORY_INIT_OPTIONS_INIT;
    options.flags =
        GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
    const QByteArray head = initialBranch.toUtf8();
    options.initial_head = head.constData();
    git_repository* raw = nullptr;
    if (git_repository_init_ext(&raw, QFile::encodeName(path).constData(), &options) < 0)
        return gitError(Error::Kind::Io,
                        QStringLiteral("Cannot create a repository in %1").arg(path));
    return std::unique_ptr<GitRepository>(new GitRepository(raw));
}

Result<QString> GitRepository::commitSnapshot(const QString& branch, const RepoTree& files,
                                              const QString& message, const QString& authorName,
                                              const QString& authorEmail, const QDateTime& when) {
    if (!isValidBranchName(branch))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("\"%1\" is not a valid branch name").arg(branch));
    // Start from an empty tree and add every file.
    git_treebuilder* builder = nullptr;
    git_oid emptyId;
    if (git_treebuilder_new(&builder, m_repo, nullptr) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot build a tree"));
    const int written = git_treebuilder_write(&emptyId, builder);
    git_treebuilder_free(builder);
    if (written < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot build a tree"));
    git_tree* et = nullptr;
    if (git_tree_lookup(&et, m_repo, &emptyId) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot build a tree"));
    TreePtr emptyTree(et);

    const QStringList paths = files.allFiles();
    std::vector<QByteArray> pathBytes;
    std::vector<git_tree_update> updates;
    pathBytes.reserve(std::size_t(paths.size()));
    updates.reserve(std::size_t(paths.size()));
    for (const QString& path : paths) {
        const std::optional<QByteArray> content = files.readFile(path);
        if (!content)
            continue;
        git_tree_update update{};
        if (git_blob_create_from_buffer(&update.id, m_repo, content->constData(),
                                        std::size_t(content->size())) < 0)
            return gitError(Error::Kind::Io, QStringLiteral("Cannot store %1").arg(path));
        pathBytes.push_back(path.toUtf8());
        update.action = GIT_TREE_UPDATE_UPSERT;
        update.filemode = GIT_FILEMODE_BLOB;
        update.path = pathBytes.back().constData();
        updates.push_back(update);
    }
    git_oid treeId;
    if (git_tree_create_updated(&treeId, m_repo, emptyTree.get(), updates.size(), updates.data()) <
        0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot build the tree"));
    git_tree* nt = nullptr;
    if (git_tree_lookup(&nt, m_repo, &treeId) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot read the new tree"));
    TreePtr tree(nt);

    git_signature* sig = nullptr;
    if (git_signature_new(&sig, authorName.toUtf8().constData(), authorEmail.toUtf8().constData(),
                          when.toSecsSinceEpoch(), 0) < 0)
        return gitError(Error::Kind::Config, QStringLiteral("The author name or email is invalid"));
    SignaturePtr signature(sig);

    const QByteArray refName = "refs/heads/" + branch.toUtf8();
    CommitPtr parent;
    git_reference* existing = nullptr;
    if (git_reference_lookup(&existing, m_repo, refName.constData()) == 0) {
        ReferencePtr guard(existing);
        auto tip = peelCommit(m_repo, QString::fromUtf8(refName));
        if (!tip)
            return tip.error();
        parent = std::move(tip.value());
    }
    git_error_clear();
    QByteArray text = message.toUtf8();
    if (!text.endsWith('\n'))
        text.append('\n');
    const git_commit* parents[] = {parent.get()};
    git_oid commitId;
    if (git_commit_create(&commitId, m_repo, refName.constData(), signature.get(), signature.get(),
                          "UTF-8", text.constData(), tree.get(), parent ? 1 : 0,
                          parent ? parents : nullptr) < 0)
        return gitError(Error::Kind::Io, QStringLiteral("Cannot create the commit"));
    return oidString(&commitId);
}

Result<PushResult> GitRepository::push(const QString& remoteSpec, const QString& branch,
                                       const GitCredentials& credentials) {
    if (!isValidBranchName(branch))
        return Error::make(Error::Kind::Config,
                           QStringLiteral("\"%1\" is not a valid branch name").arg(branch));
    const QByteArray refName = "refs/heads/" + branch.toUtf8();
    git_oid localId;
    if (git_reference_name_to_id(&localId, m_repo, refName.constData()) < 0)
        return gitError(Error::Kind::NotFound,
                        QStringLiteral("There is no branch %1 to push").arg(branch));

    auto remote = remoteFor(m_repo, remoteSpec);
    if (!remote)
        return remote.error();
    const QString url = remoteUrl(remote.value().get());
    TransportState state;
    state.credentials = &credentials;
    git_remote_callbacks callbacks = makeCallbacks(state);

    int rc =
        git_remote_connect(remote.value().get(), GIT_DIRECTION_PUSH, &callbacks, nullptr, nullptr);
    if (rc < 0)
        return transportError(rc, state, url, QStringLiteral("push to"));
    state.attempts = 0;

    PushResult result;
    const git_remote_head** heads = nullptr;
    size_t headCount = 0;
    if (git_remote_ls(&heads, &headCount, remote.value().get()) == 0) {
        for (size_t i = 0; i < headCount; ++i) {
            if (refName == heads[i]->name && git_oid_equal(&heads[i]->oid, &localId)) {
                git_remote_disconnect(remote.value().get());
                result.upToDate = true;
                result.refs.push_back({QString::fromUtf8(refName), true, QString()});
                return result;
            }
        }
    }

    // Never "+": the server must accept it as a fast-forward.
    QByteArray refspec = refName + ':' + refName;
    char* specs[] = {refspec.data()};
    const git_strarray array{specs, 1};
    git_push_options options;
    git_push_options_init(&options, GIT_PUSH_OPTIONS_VERSION);
    options.callbacks = callbacks;
    rc = git_remote_upload(remote.value().get(), &array, &options);
    git_remote_disconnect(remote.value().get());
    if (rc < 0) {
        Error e = transportError(rc, state, url, QStringLiteral("push to"));
        if (e.kind == Error::Kind::Conflict)
            e.shortMessage =
                QStringLiteral("Branch %1 was not pushed: the remote branch has commits "
                               "that are not in it (not a fast-forward)")
                    .arg(branch);
        return e;
    }

    result.refs = state.refs;
    result.remoteMessages = removeSecret(remoteText(state), credentials);
    const auto mine = std::find_if(result.refs.begin(), result.refs.end(),
                                   [&](const PushRefResult& r) { return r.refName == refName; });
    const QString details =
        removeSecret(joinDetails({QStringLiteral("URL: ") + displayUrl(url),
                                  QStringLiteral("Ref: ") + QString::fromUtf8(refName),
                                  mine != result.refs.end() && !mine->accepted
                                      ? QStringLiteral("Server status: ") + mine->message
                                      : QString(),
                                  result.remoteMessages}),
                     credentials);
    if (mine == result.refs.end()) {
        Error e = Error::make(Error::Kind::Protocol,
                              QStringLiteral("The Git server did not report what it did with "
                                             "branch %1")
                                  .arg(branch),
                              details);
        e.url = displayUrl(url);
        return e;
    }
    if (!mine->accepted) {
        Error e = Error::make(
            Error::Kind::Conflict,
            QStringLiteral("The Git server rejected branch %1: %2").arg(branch, mine->message),
            details);
        e.url = displayUrl(url);
        return e;
    }
    return result;
}

} // namespace sextant::gitops
