#include "gitops/repotree.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <algorithm>

namespace sextant::gitops {

std::optional<QString> normalisePath(const QString& path) {
    QStringList out;
    const QStringList parts = QString(path)
                                  .replace(QLatin1Char('\\'), QLatin1Char('/'))
                                  .split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (const QString& part : parts) {
        if (part == QLatin1String("."))
            continue;
        if (part == QLatin1String("..")) {
            if (out.isEmpty())
                return std::nullopt;
            out.removeLast();
            continue;
        }
        out.append(part);
    }
    return out.join(QLatin1Char('/'));
}

std::optional<QString> joinPath(const QString& dir, const QString& relative) {
    if (relative.startsWith(QLatin1Char('/')))
        return normalisePath(relative);
    if (dir.isEmpty())
        return normalisePath(relative);
    return normalisePath(dir + QLatin1Char('/') + relative);
}

bool pathContains(const QString& dir, const QString& path) {
    if (dir.isEmpty())
        return true;
    if (!path.startsWith(dir))
        return false;
    return path.size() == dir.size() || path.at(dir.size()) == QLatin1Char('/');
}

QString parentDir(const QString& path) {
    const qsizetype slash = path.lastIndexOf(QLatin1Char('/'));
    return slash < 0 ? QString() : path.left(slash);
}

bool RepoTree::isDir(const QString& path) const {
    return path.isEmpty() || !list(path).isEmpty();
}

QStringList RepoTree::allFiles(const QString& dir) const {
    QStringList out;
    QStringList pending{dir};
    while (!pending.isEmpty()) {
        const QString current = pending.takeLast();
        const QString prefix = current.isEmpty() ? QString() : current + QLatin1Char('/');
        for (const QString& entry : list(current)) {
            if (entry.endsWith(QLatin1Char('/')))
                pending.append(prefix + entry.chopped(1));
            else
                out.append(prefix + entry);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

Status RepoTree::exportTo(const QString& targetDir, const QString& dirIn) const {
    const std::optional<QString> dir = normalisePath(dirIn);
    if (!dir)
        return Error::make(Error::Kind::Config,
                           QStringLiteral("%1 is not a folder of the repository").arg(dirIn));
    const QString prefix = dir->isEmpty() ? QString() : *dir + QLatin1Char('/');
    for (const QString& path : allFiles(*dir)) {
        const QString relative = path.mid(prefix.size());
        const QString target = targetDir + QLatin1Char('/') + relative;
        if (!QDir().mkpath(QFileInfo(target).absolutePath()))
            return Error::make(Error::Kind::Io,
                               QStringLiteral("Cannot create a folder for %1").arg(target));
        const std::optional<QByteArray> content = readFile(path);
        if (!content)
            continue;
        QFile file(target);
        if (!file.open(QIODevice::WriteOnly) || file.write(*content) != content->size())
            return Error::make(Error::Kind::Io, QStringLiteral("Cannot write %1").arg(target),
                               file.errorString());
    }
    return okStatus();
}

void MemoryTree::put(const QString& path, QByteArray content) {
    if (const auto p = normalisePath(path); p && !p->isEmpty())
        m_files.insert(*p, std::move(content));
}

void MemoryTree::remove(const QString& path) {
    if (const auto p = normalisePath(path))
        m_files.remove(*p);
}

std::optional<QByteArray> MemoryTree::readFile(const QString& path) const {
    const auto p = normalisePath(path);
    if (!p)
        return std::nullopt;
    const auto it = m_files.constFind(*p);
    if (it == m_files.constEnd())
        return std::nullopt;
    return *it;
}

QStringList MemoryTree::list(const QString& dir) const {
    const auto d = normalisePath(dir);
    if (!d)
        return {};
    const QString prefix = d->isEmpty() ? QString() : *d + QLatin1Char('/');
    QStringList out;
    QSet<QString> seen;
    for (auto it = m_files.lowerBound(prefix); it != m_files.constEnd(); ++it) {
        if (!it.key().startsWith(prefix))
            break;
        const QString rest = it.key().mid(prefix.size());
        const qsizetype slash = rest.indexOf(QLatin1Char('/'));
        const QString entry = slash < 0 ? rest : rest.left(slash + 1);
        if (!seen.contains(entry)) {
            seen.insert(entry);
            out.append(entry);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool MemoryTree::isDir(const QString& path) const {
    const auto d = normalisePath(path);
    if (!d)
        return false;
    if (d->isEmpty())
        return true;
    const QString prefix = *d + QLatin1Char('/');
    const auto it = m_files.lowerBound(prefix);
    return it != m_files.constEnd() && it.key().startsWith(prefix);
}

QStringList MemoryTree::allFiles(const QString& dir) const {
    const auto d = normalisePath(dir);
    if (!d)
        return {};
    QStringList out;
    for (auto it = m_files.constBegin(); it != m_files.constEnd(); ++it)
        if (pathContains(*d, it.key()) && it.key() != *d)
            out.append(it.key());
    return out; // QMap keeps keys sorted
}

void OverlayTree::put(const QString& path, QByteArray content) {
    if (const auto p = normalisePath(path); p && !p->isEmpty())
        m_edits.insert(*p, std::move(content));
}

void OverlayTree::remove(const QString& path) {
    if (const auto p = normalisePath(path); p && !p->isEmpty())
        m_edits.insert(*p, std::nullopt);
}

std::optional<QByteArray> OverlayTree::readFile(const QString& path) const {
    const auto p = normalisePath(path);
    if (!p)
        return std::nullopt;
    const auto it = m_edits.constFind(*p);
    if (it != m_edits.constEnd())
        return *it;
    return m_base.readFile(*p);
}

QStringList OverlayTree::list(const QString& dir) const {
    const auto d = normalisePath(dir);
    if (!d)
        return {};
    const QString prefix = d->isEmpty() ? QString() : *d + QLatin1Char('/');
    QStringList entries = m_base.list(*d);
    bool removals = false;
    for (auto it = m_edits.lowerBound(prefix); it != m_edits.constEnd(); ++it) {
        if (!it.key().startsWith(prefix))
            break;
        const QString rest = it.key().mid(prefix.size());
        const qsizetype slash = rest.indexOf(QLatin1Char('/'));
        const QString entry = slash < 0 ? rest : rest.left(slash + 1);
        if (it.value()) {
            if (!entries.contains(entry))
                entries.append(entry);
        } else {
            removals = true;
        }
    }
    if (removals) {
        QStringList kept;
        for (const QString& entry : entries) {
            const QString path =
                prefix + (entry.endsWith(QLatin1Char('/')) ? entry.chopped(1) : entry);
            if (entry.endsWith(QLatin1Char('/')) ? isDir(path) : readFile(path).has_value())
                kept.append(entry);
        }
        entries = kept;
    }
    std::sort(entries.begin(), entries.end());
    return entries;
}

bool OverlayTree::isDir(const QString& path) const {
    const auto d = normalisePath(path);
    if (!d)
        return false;
    if (d->isEmpty())
        return true;
    const QString prefix = *d + QLatin1Char('/');
    for (auto it = m_edits.lowerBound(prefix); it != m_edits.constEnd(); ++it) {
        if (!it.key().startsWith(prefix))
            break;
        if (it.value())
            return true;
    }
    if (!m_base.isDir(*d))
        return false;
    // Still a folder unless every file below it was removed here.
    for (const QString& file : m_base.allFiles(*d)) {
        const auto it = m_edits.constFind(file);
        if (it == m_edits.constEnd() || it.value())
            return true;
    }
    return false;
}

DirectoryTree::DirectoryTree(QString root)
    : m_root(QDir(root).absolutePath()) {}

std::optional<QByteArray> DirectoryTree::readFile(const QString& path) const {
    const auto p = normalisePath(path);
    if (!p || p->isEmpty())
        return std::nullopt;
    QFile file(m_root + QLatin1Char('/') + *p);
    if (!QFileInfo(file).isFile() || !file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return file.readAll();
}

QStringList DirectoryTree::list(const QString& dir) const {
    const auto d = normalisePath(dir);
    if (!d)
        return {};
    QDir qdir(d->isEmpty() ? m_root : m_root + QLatin1Char('/') + *d);
    if (!qdir.exists())
        return {};
    QStringList out;
    const QFileInfoList entries = qdir.entryInfoList(
        QDir::Files | QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo& info : entries) {
        if (info.fileName() == QLatin1String(".git"))
            continue;
        out.append(info.isDir() ? info.fileName() + QLatin1Char('/') : info.fileName());
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool DirectoryTree::isDir(const QString& path) const {
    const auto d = normalisePath(path);
    return d && QFileInfo(d->isEmpty() ? m_root : m_root + QLatin1Char('/') + *d).isDir();
}

QString fileChangeKindName(FileChange::Kind kind) {
    switch (kind) {
    case FileChange::Kind::Added:
        return QStringLiteral("added");
    case FileChange::Kind::Modified:
        return QStringLiteral("modified");
    case FileChange::Kind::Deleted:
        return QStringLiteral("deleted");
    case FileChange::Kind::Renamed:
        return QStringLiteral("renamed");
    }
    return QStringLiteral("modified");
}

std::vector<FileChange> diffTrees(const RepoTree& base, const RepoTree& head) {
    const QStringList before = base.allFiles();
    const QStringList after = head.allFiles();
    std::vector<FileChange> out;
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < before.size() || j < after.size()) {
        if (j >= after.size() || (i < before.size() && before[i] < after[j])) {
            out.push_back({FileChange::Kind::Deleted, before[i], before[i]});
            ++i;
        } else if (i >= before.size() || after[j] < before[i]) {
            out.push_back({FileChange::Kind::Added, after[j], after[j]});
            ++j;
        } else {
            if (base.readFile(before[i]) != head.readFile(after[j]))
                out.push_back({FileChange::Kind::Modified, after[j], after[j]});
            ++i;
            ++j;
        }
    }
    return out;
}

} // namespace sextant::gitops
