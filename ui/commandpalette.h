#pragma once

#include <QDialog>

class QAction;
class QLineEdit;
class QListView;

namespace sextant {
namespace fleet {
class FleetStore;
}
namespace models {
class CommandPaletteModel;
}
namespace ui {

// Ctrl+K: type a few letters of an action or an application, Enter runs the action or opens the
// application. Up/Down move through the results, Escape closes.
class CommandPalette : public QDialog {
    Q_OBJECT
public:
    CommandPalette(fleet::FleetStore* store, const QList<QAction*>& actions,
                   QWidget* parent = nullptr);

    models::CommandPaletteModel* model() const { return m_model; }
    QLineEdit* input() const { return m_input; }

Q_SIGNALS:
    void applicationChosen(const QString& appKey);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void activate(int row);

    models::CommandPaletteModel* m_model;
    QLineEdit* m_input;
    QListView* m_list;
};

} // namespace ui
} // namespace sextant
