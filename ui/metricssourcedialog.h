#pragma once

#include "metrics/metricssource.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace sextant::ui {

class ConsoleSession;

// Tools → Metrics source…: the Prometheus (or OpenShift Thanos Querier) the release review
// judges canaries on, and optionally an Alertmanager (docs/release-review.md, "Metrics source").
// The bearer token typed here goes to the keychain through the session; the settings only say
// whether one is stored. TLS verification stays on unless the user turns it off explicitly.
class MetricsSourceDialog : public QDialog {
    Q_OBJECT
public:
    explicit MetricsSourceDialog(ConsoleSession* session, QWidget* parent = nullptr);

    void save();
    void test();

    QLineEdit* prometheusUrl() const { return m_url; }
    QLineEdit* token() const { return m_token; }
    QLabel* statusLabel() const { return m_status; }
    bool isBusy() const { return m_busy; }

Q_SIGNALS:
    // A save or test has finished (its result is in the status line).
    void finished();
    // The source was saved.
    void saved();

private:
    // The form as a source; false (with the reason in the status line) when it is not valid.
    bool formToSource(metrics::MetricsSource& out);
    void setStatus(const QString& text, bool error);
    void setBusy(bool busy);

    ConsoleSession* m_session;
    metrics::MetricsSource m_loaded;
    bool m_busy = false;
    QLineEdit* m_url = nullptr;
    QLineEdit* m_caFile = nullptr;
    QCheckBox* m_insecure = nullptr;
    QLineEdit* m_namespace = nullptr;
    QLineEdit* m_token = nullptr;
    QCheckBox* m_removeToken = nullptr;
    QLineEdit* m_alertmanager = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_testButton = nullptr;
    QPushButton* m_saveButton = nullptr;
};

} // namespace sextant::ui
