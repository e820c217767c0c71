// The demo's Prometheus (docs/simulator.md, "Demo Prometheus"): the release train's metrics
// history served by a local Prometheus, for the release review in demo mode.

#include "consolesession.h"

#include "incident/demoalerts.h"
#include "sim/localalertmanager.h"
#include "sim/localprometheus.h"
#include "sim/simulator.h"

#include <QTemporaryDir>

namespace sextant::ui {

void ConsoleSession::startDemoPrometheus() {
    if (!m_sim || m_demoPrometheusDir)
        return;
    // Under the demo's temporary folder when the session has one; removed with the session.
    m_demoPrometheusDir = std::make_unique<QTemporaryDir>(
        m_demoData && m_demoData->isValid()
            ? m_demoData->filePath(QStringLiteral("prometheus-XXXXXX"))
            : QDir::tempPath() + QStringLiteral("/sextant-demo-prometheus-XXXXXX"));
    if (!m_demoPrometheusDir->isValid()) {
        Q_EMIT demoPrometheusFailed(Error::make(Error::Kind::Io,
                                                tr("No temporary folder for the demo Prometheus"),
                                                m_demoPrometheusDir->errorString()));
        return;
    }
    const QString dir = m_demoPrometheusDir->path();
    // Generating the history, the backfill and the start all happen off the GUI thread: the
    // text on the simulator's thread, promtool and prometheus in their own processes, watched
    // through QProcess signals there. Only the outcome comes back here.
    QMetaObject::invokeMethod(m_sim, [this, sim = m_sim, dir] {
        if (!sim->hasMetrics())
            return;
        auto* prometheus = new sim::LocalPrometheus(sim);
        connect(prometheus, &sim::LocalPrometheus::ready, prometheus, [this](const QUrl& url) {
            QMetaObject::invokeMethod(this, [this, url] {
                m_demoPrometheusUrl = url;
                Q_EMIT demoPrometheusReady(url);
            });
        });
        connect(prometheus, &sim::LocalPrometheus::failed, prometheus, [this](const Error& error) {
            QMetaObject::invokeMethod(this, [this, error] {
                m_demoPrometheusUrl.clear();
                Q_EMIT demoPrometheusFailed(error);
            });
        });
        prometheus->start(sim->metricsOpenMetrics(), dir);
    });
}

void ConsoleSession::startDemoAlertmanager() {
    if (!m_sim || !m_demoPrometheusDir || !m_demoPrometheusDir->isValid() ||
        !m_demoAlertmanagerUrl.isEmpty())
        return;
    const QString dir = m_demoPrometheusDir->filePath(QStringLiteral("alertmanager"));
    // The demo's alerts line up with the scenario's history, counted back from the moment the
    // demo started; each repost keeps them active for four more hours.
    const QDateTime started = QDateTime::currentDateTimeUtc();
    QMetaObject::invokeMethod(m_sim, [this, sim = m_sim, dir, started] {
        auto* alertmanager = new sim::LocalAlertmanager(sim);
        connect(alertmanager, &sim::LocalAlertmanager::ready, alertmanager,
                [this](const QUrl& url) {
                    QMetaObject::invokeMethod(this, [this, url] {
                        m_demoAlertmanagerUrl = url;
                        Q_EMIT demoAlertmanagerReady(url);
                    });
                });
        connect(alertmanager, &sim::LocalAlertmanager::failed, alertmanager,
                [this](const Error& error) {
                    QMetaObject::invokeMethod(this, [this, error] {
                        m_demoAlertmanagerUrl.clear();
                        Q_EMIT demoAlertmanagerFailed(error);
                    });
                });
        alertmanager->start(dir, [started] {
            const qint64 elapsed = started.secsTo(QDateTime::currentDateTimeUtc());
            return QByteArray::fromStdString(
                incident::demoAlertsPostBody(started, elapsed + 4 * 3600).dump());
        });
    });
}

} // namespace sextant::ui
