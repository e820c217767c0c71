#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace sextant::gitops {

// Paths inside a repository are relative to its root, '/'-separated, with no leading '/' and no
// "." or ".." segments; "" is the root. normalisePath() turns what authors write into that form
// ("./base/../apps//web/" -> "apps/web"); a path that climbs above the root returns nullopt.
std::optional<QString> normalisePath(const QString& path);
// `relative` resolved against directory `dir` (both repository paths), then normalised.
std::optional<QString> joinPath(const QString& dir, const QString& relative);
// Whether `path` is `dir` or lies below it, on whole path segments: "apps/foo" contains
// "apps/foo/a.yaml" but not "apps/foobar/a.yaml". The root "" contains everything.
bool pathContains(const QString& dir, const QString& path);
// The directory part of a path ("" for a file at the root).
QString parentDir(const QString& path);

// A read-only view of the files of one revision: a Git commit (GitTree), a directory on disk
// (DirectoryTree) or files in memory (MemoryTree). Everything that analyses a repository
// (impact map, renderers, corrective fixes) reads through this, never through a work tree.
class RepoTree {
public:
    virtual ~RepoTree() = default;

    // The content of a file, or nullopt when there is no file at `path`.
    virtual std::optional<QByteArray> readFile(const QString& path) const = 0;
    // Direct children of a directory ("" = root), sorted: files by name, sub-directories by name
    // with a trailing '/'. Empty when `dir` is not a directory.
    virtual QStringList list(const QString& dir) const = 0;

    virtual bool isFile(const QString& path) const { return readFile(path).has_value(); }
    virtual bool isDir(const QString& path) const;
    // Every file below `dir` (recursive), sorted, as repository paths.
    virtual QStringList allFiles(const QString& dir = {}) const;
    // Writes every file below `dir` into `targetDir` (created), keeping relative paths; used to
    // hand a revision to an external renderer such as `kubectl kustomize`.
    Status exportTo(const QString& targetDir, const QString& dir = {}) const;
};

// Files in memory: tests, and a head revision made of local edits on top of a base.
class MemoryTree final : public RepoTree {
public:
    MemoryTree() = default;
    void put(const QString& path, QByteArray content);
    void remove(const QString& path);
    const QMap<QString, QByteArray>& files() const { return m_files; }

    std::optional<QByteArray> readFile(const QString& path) const override;
    QStringList list(const QString& dir) const override;
    bool isDir(const QString& path) const override;
    QStringList allFiles(const QString& dir = {}) const override;

private:
    QMap<QString, QByteArray> m_files; // normalised path -> content
};

// A revision made of edits on top of another (the head of a change not committed yet): files
// put here replace or add to the base's, files removed here are gone. The base must outlive it.
class OverlayTree final : public RepoTree {
public:
    explicit OverlayTree(const RepoTree& base)
        : m_base(base) {}
    void put(const QString& path, QByteArray content);
    void remove(const QString& path);

    std::optional<QByteArray> readFile(const QString& path) const override;
    QStringList list(const QString& dir) const override;
    bool isDir(const QString& path) const override;

private:
    const RepoTree& m_base;
    QMap<QString, std::optional<QByteArray>> m_edits; // normalised path -> content (none: removed)
};

// A directory on disk, read as a revision (a checkout with local changes, an export).
// Hidden entries named ".git" are skipped.
class DirectoryTree final : public RepoTree {
public:
    explicit DirectoryTree(QString root);
    const QString& root() const { return m_root; }

    std::optional<QByteArray> readFile(const QString& path) const override;
    QStringList list(const QString& dir) const override;
    bool isDir(const QString& path) const override;

private:
    QString m_root;
};

// One changed file between two revisions.
struct FileChange {
    enum class Kind { Added, Modified, Deleted, Renamed };
    Kind kind = Kind::Modified;
    QString path;    // path at head (for Deleted: the path that was removed)
    QString oldPath; // path at base for Renamed, else equal to path
};
QString fileChangeKindName(FileChange::Kind kind); // "added", "modified", "deleted", "renamed"

// Changed files between two trees by comparing contents (no rename detection): the generic
// fallback for directories and memory trees. Git revisions use GitRepository::diff, which is
// faster and detects renames.
std::vector<FileChange> diffTrees(const RepoTree& base, const RepoTree& head);

} // namespace sextant::gitops
