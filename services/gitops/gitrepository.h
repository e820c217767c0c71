#pragma once

// Repository work with libgit2: a bare mirror in a cache, revisions read without a work tree,
// diffs with rename detection, commits made from file edits without a checkout, and pushes whose
// per-ref result is checked. See docs/git.md for the rules (no force push, the default branch,
// credentials, the cache, threads).
//
// Every call here BLOCKS (disk and network I/O): run it on a worker thread, never on the GUI
// thread. A GitRepository (and a GitTree) may move between threads but is used by one thread at
// a time; separate objects, even on the same repository, can be used in parallel.

#include "core/result.h"
#include "gitops/repotree.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

struct git_repository;

namespace sextant::gitops {

// What to answer when a Git server asks who we are. The secret (HTTPS token or password) comes
// from the keychain and stays in memory; it never appears in an error, a log or on disk.
struct GitCredentials {
    QString username;      // HTTPS user name ("x-access-token", "oauth2", ...); SSH user
    QString secret;        // HTTPS token or password
    bool sshAgent = false; // SSH remotes: keys from the running ssh-agent
};

struct CommitInfo {
    QString sha;
    QString shortSha; // 7 characters
    QString authorName;
    QString authorEmail;
    QDateTime time;  // author time, UTC
    QString summary; // first paragraph of the message, on one line
    QString message; // the whole message
};

// One file to write or remove in a commit; `content` nullopt deletes the file.
struct FileEdit {
    QString path;
    std::optional<QByteArray> content;
};

struct CommitRequest {
    QString branch;    // short branch name ("sextant/fix-web-image"), created when missing
    QString parentRev; // the revision the edits apply to; an existing branch must point at it
    std::vector<FileEdit> edits;
    QString message;
    QString authorName;
    QString authorEmail;
    bool allowDefaultBranch = false; // the instance's policy allows committing to it
};

struct PushRefResult {
    QString refName; // "refs/heads/<branch>"
    bool accepted = false;
    QString message; // the server's status text for a rejected ref ("pre-receive hook declined")
};

struct PushResult {
    std::vector<PushRefResult> refs;
    QString remoteMessages; // what the server printed on its side band ("remote: ..." lines)
    bool upToDate = false;  // the remote already had this commit: nothing was sent
};

class GitTree;

class GitRepository {
public:
    // Opens an existing repository (bare or with a work tree) at `path`.
    static Result<std::unique_ptr<GitRepository>> open(const QString& path);
    // Creates an empty bare repository at `path` whose HEAD names `initialBranch`.
    static Result<std::unique_ptr<GitRepository>>
    initBare(const QString& path, const QString& initialBranch = QStringLiteral("main"));
    // A bare mirror of `url` (heads and tags) in cacheRoot/<mirrorDirName(url)>: cloned when
    // absent, fetched (pruning deleted branches and tags) when present. A URL that carries a
    // password is refused: the secret belongs in `credentials`.
    static Result<std::unique_ptr<GitRepository>>
    mirror(const QString& url, const QString& cacheRoot, const GitCredentials& credentials = {});
    // The cache folder name for a URL: a stable hash of the normalised URL (scheme and host in
    // lower case, no user, no trailing '/' or ".git"), ending in ".git".
    static QString mirrorDirName(const QString& url);

    ~GitRepository();
    GitRepository(const GitRepository&) = delete;
    GitRepository& operator=(const GitRepository&) = delete;

    QString path() const; // the repository's git directory
    bool isBare() const;
    // The folder of the work tree, empty for a bare repository.
    QString workTree() const;
    // The URL of a configured remote ("origin"); an http(s) URL's user and password are removed
    // (an ssh user such as git@ is kept: it is not a secret). NotFound when there is no remote.
    Result<QString> configuredRemoteUrl(const QString& name = QStringLiteral("origin")) const;

    // Fetches again from the mirror's origin (the URL given to mirror()).
    Status fetch(const GitCredentials& credentials = {});

    // The full sha of the commit `rev` names: branch, tag, sha (short or full), "HEAD",
    // "origin/<branch>" (the mirror's own branch), or any git revision expression.
    Result<QString> resolve(const QString& rev) const;
    Result<CommitInfo> commitInfo(const QString& rev) const;
    // Up to `max` commits reachable from `rev`, newest first.
    Result<std::vector<CommitInfo>> log(const QString& rev, int max) const;
    // The branch HEAD points at (a mirror's HEAD follows the server's default branch), else
    // "main" or "master" when they exist.
    Result<QString> defaultBranch() const;
    Result<QString> mergeBase(const QString& a, const QString& b) const;

    // The files of a revision. The tree holds its own handle on the repository.
    Result<std::unique_ptr<GitTree>> tree(const QString& rev) const;
    // Changed files from `baseRev` to `headRev`, sorted by path, renames detected.
    Result<std::vector<FileChange>> diff(const QString& baseRev, const QString& headRev) const;

    // Writes `request.edits` on top of `request.parentRev` as one commit on
    // refs/heads/<branch>, without a work tree, and returns the new commit's sha. Refused: the
    // default branch (unless allowed), a branch whose tip is not parentRev (someone else's
    // work is never overwritten), an invalid branch name or path, and edits that change nothing.
    Result<QString> commitEdits(const CommitRequest& request);

    // Records every file of `files` as the whole content of refs/heads/<branch> in one commit
    // (the branch's first commit when it does not exist yet, else on top of its tip), authored
    // at `when` (UTC). For building repositories such as the demo's, not for user changes:
    // those go through commitEdits and the approval gate.
    Result<QString> commitSnapshot(const QString& branch, const RepoTree& files,
                                   const QString& message, const QString& authorName,
                                   const QString& authorEmail, const QDateTime& when);

    // Pushes refs/heads/<branch> to `remote` (a remote name of this repository or a URL) as a
    // fast-forward only, never forced. A ref the server rejects (not a fast-forward, declined by
    // a hook) is an Error::Kind::Conflict with the server's text in the details.
    Result<PushResult> push(const QString& remote, const QString& branch,
                            const GitCredentials& credentials = {});

private:
    explicit GitRepository(git_repository* repo);
    git_repository* m_repo = nullptr;
};

// A commit's tree read as a RepoTree. Reads are serialised by a lock, so one GitTree may be read
// from several threads.
class GitTree final : public RepoTree {
public:
    ~GitTree() override;
    GitTree(const GitTree&) = delete;
    GitTree& operator=(const GitTree&) = delete;

    const QString& commitSha() const { return m_sha; }

    std::optional<QByteArray> readFile(const QString& path) const override;
    QStringList list(const QString& dir) const override;
    bool isFile(const QString& path) const override;
    bool isDir(const QString& path) const override;
    QStringList allFiles(const QString& dir = {}) const override;

private:
    friend class GitRepository;
    struct Impl;
    GitTree(std::unique_ptr<Impl> impl, QString sha);
    std::unique_ptr<Impl> m_impl;
    QString m_sha;
};

} // namespace sextant::gitops
