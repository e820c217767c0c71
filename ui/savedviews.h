#pragma once

#include "fleet/fleetfilter.h"

#include <QObject>
#include <QStringList>
#include <QVector>

namespace sextant::ui {

// Named fleet filters the user saved, kept in QSettings under "views/saved" as one JSON array
// (order preserved, names free of QSettings key rules). Saved on every change.
class SavedViews : public QObject {
    Q_OBJECT
public:
    explicit SavedViews(QObject* parent = nullptr);

    QStringList names() const;
    bool contains(const QString& name) const { return indexOf(name) >= 0; }
    fleet::FleetFilter filter(const QString& name) const;
    // The name of a saved view equal to `filter`, or empty.
    QString nameOf(const fleet::FleetFilter& filter) const;

    // Adds or overwrites.
    void save(const QString& name, const fleet::FleetFilter& filter);
    // False when `from` does not exist or `to` is taken or empty.
    bool rename(const QString& from, const QString& to);
    bool remove(const QString& name);
    // Reads settings again (another window may have changed them).
    void reload();

Q_SIGNALS:
    void changed();

private:
    int indexOf(const QString& name) const;
    void store();

    QVector<QPair<QString, fleet::FleetFilter>> m_views;
};

} // namespace sextant::ui
