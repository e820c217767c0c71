#pragma once

#include "fleet/fleetfilter.h"

#include <QWidget>

class QLabel;
class QMenu;
class QToolButton;

namespace sextant {
namespace fleet {
class FleetStore;
}
namespace models {
class FleetModel;
}
namespace ui {

// A row of facet buttons above the fleet table: instance, cluster, namespace, project, sync,
// health, operation, auto-sync, labels, favourites. Each opens a menu of the values present in
// the fleet right now (with counts); choosing values edits the filter and emits filterEdited().
// Free text and "problems only" live in the toolbar; they are carried through unchanged.
class FilterBar : public QWidget {
    Q_OBJECT
public:
    FilterBar(fleet::FleetStore* store, models::FleetModel* model, QWidget* parent = nullptr);

    void setFilter(const fleet::FleetFilter& filter); // shows it; emits nothing
    const fleet::FleetFilter& filter() const { return m_filter; }
    void setShownCount(int shown, int total);

Q_SIGNALS:
    void filterEdited(const sextant::fleet::FleetFilter& filter);

private:
    enum Facet {
        Instance,
        Cluster,
        Namespace,
        Project,
        Sync,
        Health,
        Operation,
        AutoSync,
        Label,
        FacetCount
    };
    void fillMenu(Facet facet, QMenu* menu);
    void edit(const std::function<void(fleet::FleetFilter&)>& change);
    void updateButtons();

    fleet::FleetStore* m_store;
    models::FleetModel* m_model;
    fleet::FleetFilter m_filter;
    QToolButton* m_buttons[FacetCount];
    QToolButton* m_favourites;
    QToolButton* m_clear;
    QLabel* m_shown;
};

} // namespace ui
} // namespace sextant
