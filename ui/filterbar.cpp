#include "filterbar.h"

#include "fleet/fleetstore.h"
#include "fleetmodel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMap>
#include <QMenu>
#include <QToolButton>
#include <QUrl>

#include <functional>

namespace sextant::ui {

using argocd::AppSummary;
using argocd::HealthStatus;
using argocd::OperationPhase;
using argocd::SyncStatus;
using fleet::FleetFilter;

namespace {

QStringList* stringFacet(FleetFilter& f, int facet) {
    switch (facet) {
    case 0:
        return &f.instances;
    case 1:
        return &f.clusters;
    case 2:
        return &f.namespaces;
    case 3:
        return &f.projects;
    default:
        return nullptr;
    }
}

QString stringValue(const AppSummary& app, int facet) {
    switch (facet) {
    case 0:
        return app.instance;
    case 1:
        return app.cluster();
    case 2:
        return app.destNamespace;
    case 3:
        return app.project;
    default:
        return {};
    }
}

QString shortCluster(const QString& cluster) {
    if (cluster.contains(QLatin1String("://"))) {
        const QUrl url(cluster);
        if (url.isValid() && !url.host().isEmpty())
            return url.host();
    }
    return cluster;
}

} // namespace

FilterBar::FilterBar(fleet::FleetStore* store, models::FleetModel* model, QWidget* parent)
    : QWidget(parent)
    , m_store(store)
    , m_model(model) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->setSpacing(4);
    const QString names[FacetCount] = {tr("Instance"),  tr("Cluster"),   tr("Namespace"),
                                       tr("Project"),   tr("Sync"),      tr("Health"),
                                       tr("Operation"), tr("Auto-sync"), tr("Label")};
    for (int f = 0; f < FacetCount; ++f) {
        auto* button = new QToolButton;
        button->setObjectName(QStringLiteral("facet:") + names[f]);
        button->setProperty("facetName", names[f]);
        button->setPopupMode(QToolButton::InstantPopup);
        button->setCheckable(true);
        button->setAutoRaise(false);
        button->setAccessibleName(tr("Filter by %1").arg(names[f].toLower()));
        auto* menu = new QMenu(button);
        connect(menu, &QMenu::aboutToShow, this, [this, f, menu] { fillMenu(Facet(f), menu); });
        button->setMenu(menu);
        m_buttons[f] = button;
        layout->addWidget(button);
    }
    m_favourites = new QToolButton;
    m_favourites->setText(tr("★ Favourites"));
    m_favourites->setCheckable(true);
    m_favourites->setToolTip(tr("Only applications marked as favourites (Ctrl+D on a row)"));
    connect(m_favourites, &QToolButton::clicked, this,
            [this](bool on) { edit([on](FleetFilter& f) { f.favouritesOnly = on; }); });
    layout->addWidget(m_favourites);
    m_clear = new QToolButton;
    m_clear->setText(tr("Clear filters"));
    m_clear->setToolTip(tr("Show every application"));
    connect(m_clear, &QToolButton::clicked, this, [this] { edit([](FleetFilter& f) { f = {}; }); });
    layout->addWidget(m_clear);
    layout->addStretch();
    m_shown = new QLabel;
    m_shown->setAccessibleName(tr("Applications shown"));
    layout->addWidget(m_shown);
    updateButtons();
}

void FilterBar::setFilter(const FleetFilter& filter) {
    m_filter = filter;
    updateButtons();
}

void FilterBar::setShownCount(int shown, int total) {
    m_shown->setText(shown == total
                         ? tr("all %1 applications").arg(QLocale().toString(total))
                         : tr("<b>%1</b> of %2 applications shown")
                               .arg(QLocale().toString(shown), QLocale().toString(total)));
}

void FilterBar::edit(const std::function<void(FleetFilter&)>& change) {
    FleetFilter f = m_filter;
    change(f);
    if (f == m_filter)
        return;
    m_filter = f;
    updateButtons();
    Q_EMIT filterEdited(m_filter);
}

void FilterBar::updateButtons() {
    auto caption = [](const QString& name, const QStringList& values) {
        if (values.isEmpty())
            return name;
        if (values.size() == 1)
            return name + QStringLiteral(": ") + values.first();
        return name + QStringLiteral(": %1 values").arg(values.size());
    };
    QStringList instanceNames;
    for (const QString& id : m_filter.instances)
        instanceNames << (m_model ? m_model->instanceName(id) : id);
    QStringList clusters;
    for (const QString& c : m_filter.clusters)
        clusters << shortCluster(c);
    QStringList sync, health, ops, labels;
    for (SyncStatus s : m_filter.sync)
        sync << argocd::toString(s);
    for (HealthStatus h : m_filter.health)
        health << argocd::toString(h);
    QList<OperationPhase> phases = m_filter.operations;
    if (phases.contains(OperationPhase::Failed) && phases.contains(OperationPhase::Error)) {
        phases.removeAll(OperationPhase::Failed);
        phases.removeAll(OperationPhase::Error);
        ops << tr("Sync failed");
    }
    for (OperationPhase p : phases)
        ops << (p == OperationPhase::None ? tr("None") : argocd::toString(p));
    for (const fleet::LabelTerm& t : m_filter.labels)
        labels << t.toString();
    const QStringList values[FacetCount] = {
        instanceNames,
        clusters,
        m_filter.namespaces,
        m_filter.projects,
        sync,
        health,
        ops,
        m_filter.autoSync.has_value() ? QStringList{*m_filter.autoSync ? tr("on") : tr("off")}
                                      : QStringList(),
        labels};
    for (int f = 0; f < FacetCount; ++f) {
        const QString name = m_buttons[f]->property("facetName").toString();
        m_buttons[f]->setText(caption(name, values[f]));
        m_buttons[f]->setChecked(!values[f].isEmpty());
        m_buttons[f]->setToolTip(values[f].isEmpty() ? tr("Any %1").arg(name.toLower())
                                                     : values[f].join(QStringLiteral("\n")));
        QFont font = m_buttons[f]->font();
        font.setBold(!values[f].isEmpty());
        m_buttons[f]->setFont(font);
    }
    m_favourites->setChecked(m_filter.favouritesOnly);
    m_clear->setEnabled(!m_filter.isEmpty() || !m_filter.text().isEmpty());
}

void FilterBar::fillMenu(Facet facet, QMenu* menu) {
    menu->clear();
    auto addToggle = [this, menu](const QString& text, bool checked,
                                  std::function<void(FleetFilter&, bool)> apply) {
        QAction* action = menu->addAction(text);
        action->setCheckable(true);
        action->setChecked(checked);
        connect(action, &QAction::toggled, this,
                [this, apply](bool on) { edit([&](FleetFilter& f) { apply(f, on); }); });
    };
    auto addAny = [this, menu](std::function<void(FleetFilter&)> clear, bool active) {
        QAction* any = menu->addAction(tr("Any (no restriction)"));
        any->setEnabled(active);
        connect(any, &QAction::triggered, this, [this, clear] { edit(clear); });
        menu->addSeparator();
    };

    switch (facet) {
    case Instance:
    case Cluster:
    case Namespace:
    case Project: {
        // One pass over the store for the values present now and how many apps each has.
        QHash<QString, int> counts;
        const int n = m_store->size();
        for (int row = 0; row < n; ++row)
            ++counts[stringValue(m_store->at(row), facet)];
        QStringList* selected = stringFacet(m_filter, facet);
        for (const QString& s : *selected)
            counts.insert(s, counts.value(s, 0)); // keep chosen values listed even when gone
        QMap<QString, QString> sorted;            // display -> value
        for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
            QString display = it.key();
            if (facet == Instance && m_model)
                display = m_model->instanceName(it.key());
            else if (facet == Cluster)
                display = shortCluster(it.key());
            if (display.isEmpty())
                display = tr("(none)");
            sorted.insert(display.toLower() + QLatin1Char('\x01') + it.key(),
                          display + QStringLiteral("  (%1)").arg(it.value()));
        }
        addAny([facet](FleetFilter& f) { stringFacet(f, facet)->clear(); }, !selected->isEmpty());
        for (auto it = sorted.cbegin(); it != sorted.cend(); ++it) {
            const QString value = it.key().section(QLatin1Char('\x01'), 1);
            addToggle(it.value(), selected->contains(value),
                      [facet, value](FleetFilter& f, bool on) {
                          QStringList* list = stringFacet(f, facet);
                          list->removeAll(value);
                          if (on)
                              list->append(value);
                      });
        }
        break;
    }
    case Sync: {
        addAny([](FleetFilter& f) { f.sync.clear(); }, !m_filter.sync.isEmpty());
        for (SyncStatus s : {SyncStatus::OutOfSync, SyncStatus::Synced, SyncStatus::Unknown})
            addToggle(argocd::toString(s), m_filter.sync.contains(s), [s](FleetFilter& f, bool on) {
                f.sync.removeAll(s);
                if (on)
                    f.sync.append(s);
            });
        break;
    }
    case Health: {
        addAny([](FleetFilter& f) { f.health.clear(); }, !m_filter.health.isEmpty());
        for (HealthStatus h :
             {HealthStatus::Degraded, HealthStatus::Missing, HealthStatus::Unknown,
              HealthStatus::Progressing, HealthStatus::Suspended, HealthStatus::Healthy})
            addToggle(argocd::toString(h), m_filter.health.contains(h),
                      [h](FleetFilter& f, bool on) {
                          f.health.removeAll(h);
                          if (on)
                              f.health.append(h);
                      });
        break;
    }
    case Operation: {
        addAny([](FleetFilter& f) { f.operations.clear(); }, !m_filter.operations.isEmpty());
        const bool failed = m_filter.operations.contains(OperationPhase::Failed) &&
                            m_filter.operations.contains(OperationPhase::Error);
        addToggle(tr("Sync failed (Failed or Error)"), failed, [](FleetFilter& f, bool on) {
            f.operations.removeAll(OperationPhase::Failed);
            f.operations.removeAll(OperationPhase::Error);
            if (on)
                f.operations << FleetFilter::syncFailedPhases();
        });
        for (OperationPhase p : {OperationPhase::Running, OperationPhase::Terminating,
                                 OperationPhase::Succeeded, OperationPhase::None})
            addToggle(p == OperationPhase::None ? tr("None (never synced by Argo CD)")
                                                : argocd::toString(p),
                      m_filter.operations.contains(p), [p](FleetFilter& f, bool on) {
                          f.operations.removeAll(p);
                          if (on)
                              f.operations.append(p);
                      });
        break;
    }
    case AutoSync: {
        addAny([](FleetFilter& f) { f.autoSync.reset(); }, m_filter.autoSync.has_value());
        for (bool value : {true, false})
            addToggle(value ? tr("Auto-sync on") : tr("Auto-sync off"), m_filter.autoSync == value,
                      [value](FleetFilter& f, bool on) {
                          if (on)
                              f.autoSync = value;
                          else
                              f.autoSync.reset();
                      });
        break;
    }
    case Label: {
        addAny([](FleetFilter& f) { f.labels.clear(); }, !m_filter.labels.isEmpty());
        QMap<QString, QMap<QString, int>> keys;
        const int n = m_store->size();
        for (int row = 0; row < n; ++row)
            for (const auto& [k, v] : m_store->at(row).labels)
                ++keys[k][v];
        if (keys.isEmpty())
            menu->addAction(tr("No application has labels"))->setEnabled(false);
        for (auto k = keys.cbegin(); k != keys.cend(); ++k) {
            QMenu* sub = menu->addMenu(k.key());
            auto addTerm = [this, sub](const fleet::LabelTerm& term, const QString& text) {
                QAction* action = sub->addAction(text);
                action->setCheckable(true);
                action->setChecked(m_filter.labels.contains(term));
                connect(action, &QAction::toggled, this, [this, term](bool on) {
                    edit([&](FleetFilter& f) {
                        f.labels.removeAll(term);
                        if (on)
                            f.labels.append(term);
                    });
                });
            };
            addTerm({k.key(), {}, fleet::LabelTerm::Op::Exists},
                    tr("has %1 (any value)").arg(k.key()));
            addTerm({k.key(), {}, fleet::LabelTerm::Op::Absent}, tr("has no %1").arg(k.key()));
            sub->addSeparator();
            int shown = 0;
            for (auto v = k.value().cbegin(); v != k.value().cend() && shown < 60; ++v, ++shown)
                addTerm({k.key(), v.key(), fleet::LabelTerm::Op::Equals},
                        QStringLiteral("%1=%2  (%3)").arg(k.key(), v.key()).arg(v.value()));
        }
        menu->addSeparator();
        menu->addAction(tr("Tip: type env=prod or label:team in the filter box"))
            ->setEnabled(false);
        break;
    }
    case FacetCount:
        break;
    }
}

} // namespace sextant::ui
