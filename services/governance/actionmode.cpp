#include "actionmode.h"

namespace sextant::governance {

QString modeToString(Mode mode) {
    switch (mode) {
    case Mode::Audit:
        return QStringLiteral("audit");
    case Mode::ReadWrite:
        return QStringLiteral("read-write");
    }
    return QStringLiteral("audit");
}

std::optional<Mode> modeFromString(QStringView text) {
    const QString t = text.trimmed().toString().toLower();
    if (t == QLatin1String("audit") || t == QLatin1String("read-only") ||
        t == QLatin1String("readonly"))
        return Mode::Audit;
    if (t == QLatin1String("read-write") || t == QLatin1String("readwrite") ||
        t == QLatin1String("rw"))
        return Mode::ReadWrite;
    return std::nullopt;
}

QString displayName(Mode mode) {
    return mode == Mode::Audit ? QStringLiteral("audit (read-only)") : QStringLiteral("read-write");
}

InstancePolicy::InstancePolicy(QObject* parent)
    : QObject(parent) {}

InstancePolicy::Settings InstancePolicy::settings(const QString& instanceId) const {
    QReadLocker locker(&m_lock);
    return m_settings.value(instanceId, Settings{});
}

Mode InstancePolicy::mode(const QString& instanceId) const {
    return settings(instanceId).mode;
}

bool InstancePolicy::requiresTypedConfirmation(const QString& instanceId) const {
    return settings(instanceId).requireTypedConfirmation;
}

bool InstancePolicy::contains(const QString& instanceId) const {
    QReadLocker locker(&m_lock);
    return m_settings.contains(instanceId);
}

QStringList InstancePolicy::instances() const {
    QReadLocker locker(&m_lock);
    QStringList ids = m_settings.keys();
    ids.sort();
    return ids;
}

void InstancePolicy::setSettings(const QString& instanceId, Settings settings) {
    {
        QWriteLocker locker(&m_lock);
        m_settings.insert(instanceId, settings);
    }
    emit changed(instanceId);
}

void InstancePolicy::setMode(const QString& instanceId, Mode mode) {
    {
        QWriteLocker locker(&m_lock);
        m_settings[instanceId].mode = mode;
    }
    emit changed(instanceId);
}

void InstancePolicy::setRequiresTypedConfirmation(const QString& instanceId, bool required) {
    {
        QWriteLocker locker(&m_lock);
        m_settings[instanceId].requireTypedConfirmation = required;
    }
    emit changed(instanceId);
}

void InstancePolicy::remove(const QString& instanceId) {
    {
        QWriteLocker locker(&m_lock);
        m_settings.remove(instanceId);
    }
    emit changed(instanceId);
}

} // namespace sextant::governance
