#pragma once

#include <QHash>
#include <QObject>
#include <QReadWriteLock>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

namespace sextant::governance {

// What Sextant may do on an instance. Every instance starts in Audit: it is watched and
// analysed, but nothing is sent that would change it until a human switches it to ReadWrite.
enum class Mode {
    Audit,     // read-only, the default for every new instance
    ReadWrite, // writes allowed, each one still goes through the approval gate
};

// "audit" / "read-write": stable names for settings files, JSON output and the audit log.
QString modeToString(Mode mode);
// Same as modeToString. Note: a QString toString() found by ADL hides QTest's, so compare modes
// in tests with QVERIFY(a == b) rather than QCOMPARE.
inline QString toString(Mode mode) {
    return modeToString(mode);
}
// Accepts the stable names (case-insensitive) and "read-only"/"readwrite"/"rw" as aliases.
std::optional<Mode> modeFromString(QStringView text);
// "audit (read-only)" / "read-write", for messages to people.
QString displayName(Mode mode);

// The per-instance governance settings. Unknown instances are in Audit mode, so forgetting to
// register an instance can only ever make Sextant more careful. Thread-safe.
class InstancePolicy : public QObject {
    Q_OBJECT
public:
    struct Settings {
        Mode mode = Mode::Audit;
        // Production instances: an approval must carry the target name typed by the approver.
        bool requireTypedConfirmation = false;
    };

    explicit InstancePolicy(QObject* parent = nullptr);

    Settings settings(const QString& instanceId) const;
    Mode mode(const QString& instanceId) const;
    bool requiresTypedConfirmation(const QString& instanceId) const;
    bool contains(const QString& instanceId) const;
    QStringList instances() const;

    void setSettings(const QString& instanceId, Settings settings);
    void setMode(const QString& instanceId, Mode mode);
    void setRequiresTypedConfirmation(const QString& instanceId, bool required);
    // Forgets the instance: it falls back to the Audit default.
    void remove(const QString& instanceId);

signals:
    void changed(const QString& instanceId);

private:
    mutable QReadWriteLock m_lock;
    QHash<QString, Settings> m_settings;
};

} // namespace sextant::governance
