#pragma once

// Test input files: manifests, policies, and scripts standing in for tools.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>

namespace sextant::test {

// Writes `content` to `path`, creating its folder; `executable` adds the owner's execute bit.
inline bool writeFile(const QString& path, const QByteArray& content, bool executable = false) {
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return false;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size())
        return false;
    f.close();
    if (executable)
        f.setPermissions(f.permissions() | QFileDevice::ExeOwner | QFileDevice::ExeUser);
    return true;
}

} // namespace sextant::test
