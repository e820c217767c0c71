#include "savedviews.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSettings>

namespace sextant::ui {

static const char kKey[] = "views/saved";

SavedViews::SavedViews(QObject* parent)
    : QObject(parent) {
    reload();
}

void SavedViews::reload() {
    m_views.clear();
    const QByteArray json = QSettings().value(QLatin1String(kKey)).toByteArray();
    const QJsonArray array = QJsonDocument::fromJson(json).array();
    for (const QJsonValue& v : array) {
        const QJsonObject o = v.toObject();
        const QString name = o.value(QStringLiteral("name")).toString();
        if (name.isEmpty() || indexOf(name) >= 0)
            continue;
        m_views.append(
            {name, fleet::FleetFilter::fromJson(o.value(QStringLiteral("filter")).toObject())});
    }
}

void SavedViews::store() {
    QJsonArray array;
    for (const auto& [name, filter] : m_views)
        array.append(QJsonObject{{QStringLiteral("name"), name},
                                 {QStringLiteral("filter"), filter.toJson()}});
    QSettings settings;
    settings.setValue(QLatin1String(kKey), QJsonDocument(array).toJson(QJsonDocument::Compact));
    settings.sync();
    Q_EMIT changed();
}

int SavedViews::indexOf(const QString& name) const {
    for (int i = 0; i < m_views.size(); ++i)
        if (m_views[i].first == name)
            return i;
    return -1;
}

QStringList SavedViews::names() const {
    QStringList out;
    for (const auto& view : m_views)
        out << view.first;
    return out;
}

fleet::FleetFilter SavedViews::filter(const QString& name) const {
    const int i = indexOf(name);
    return i >= 0 ? m_views[i].second : fleet::FleetFilter();
}

QString SavedViews::nameOf(const fleet::FleetFilter& filter) const {
    for (const auto& [name, f] : m_views)
        if (f == filter)
            return name;
    return {};
}

void SavedViews::save(const QString& name, const fleet::FleetFilter& filter) {
    if (name.trimmed().isEmpty())
        return;
    const int i = indexOf(name.trimmed());
    if (i >= 0)
        m_views[i].second = filter;
    else
        m_views.append({name.trimmed(), filter});
    store();
}

bool SavedViews::rename(const QString& from, const QString& to) {
    const int i = indexOf(from);
    const QString target = to.trimmed();
    if (i < 0 || target.isEmpty() || (target != from && indexOf(target) >= 0))
        return false;
    m_views[i].first = target;
    store();
    return true;
}

bool SavedViews::remove(const QString& name) {
    const int i = indexOf(name);
    if (i < 0)
        return false;
    m_views.remove(i);
    store();
    return true;
}

} // namespace sextant::ui
