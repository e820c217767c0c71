#include "consolesession.h"
#include "mainwindow.h"
#include "startupprobe.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTextStream>

#include <memory>

int main(int argc, char* argv[]) {
    // First: the startup probe measures from here (and from the process's start before it).
    QElapsedTimer sinceMain;
    sinceMain.start();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("sextant"));
    QApplication::setApplicationDisplayName(QStringLiteral("Sextant"));
    QApplication::setOrganizationName(QStringLiteral("Sextant"));
    QApplication::setApplicationVersion(QStringLiteral(SEXTANT_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Operations console for Argo CD and OpenShift GitOps"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption demo(QStringLiteral("demo"),
                            QStringLiteral("Start the built-in simulator with the demo fleet "
                                           "and connect to it (nothing is saved)."));
    QCommandLineOption auditLog(QStringLiteral("audit-log"),
                                QStringLiteral("Audit log file (default: in the data directory)."),
                                QStringLiteral("file"));
    QCommandLineOption demoApps(QStringLiteral("demo-apps"),
                                QStringLiteral("With --demo: a generated fleet of N applications "
                                               "on 10 instances and 200 clusters instead of the "
                                               "demo scenario (e.g. 50000)."),
                                QStringLiteral("N"));
    QCommandLineOption startupProbe(
        QStringLiteral("startup-probe"),
        QStringLiteral("Measure this start: append one JSON line with the times from the "
                       "process's start to a usable fleet view to FILE, then quit (also "
                       "SEXTANT_STARTUP_PROBE=FILE; see docs/benchmarks.md)."),
        QStringLiteral("FILE"));
    QCommandLineOption probeSettle(
        QStringLiteral("startup-probe-settle"),
        QStringLiteral("With --startup-probe: keep measuring GUI stalls for MS milliseconds "
                       "after the view is usable (default 1000)."),
        QStringLiteral("MS"), QStringLiteral("1000"));
    parser.addOption(demo);
    parser.addOption(demoApps);
    parser.addOption(auditLog);
    parser.addOption(startupProbe);
    parser.addOption(probeSettle);
    parser.process(app);

    bool ok = true;
    const int apps = parser.isSet(demoApps) ? parser.value(demoApps).toInt(&ok) : 0;
    if (!ok || apps < 0 || apps > 500000) {
        QTextStream(stderr) << "sextant: --demo-apps takes a number from 1 to 500000\n";
        return 2;
    }

    const QString probePath = parser.isSet(startupProbe)
                                  ? parser.value(startupProbe)
                                  : qEnvironmentVariable("SEXTANT_STARTUP_PROBE");
    const int settleMs = parser.value(probeSettle).toInt(&ok);
    if (!ok || settleMs < 0 || settleMs > 600000) {
        QTextStream(stderr) << "sextant: --startup-probe-settle takes milliseconds (0-600000)\n";
        return 2;
    }

    sextant::ui::ConsoleSession session(nullptr, parser.value(auditLog));
    std::unique_ptr<sextant::ui::StartupProbe> probe;
    if (!probePath.isEmpty()) {
        probe = std::make_unique<sextant::ui::StartupProbe>(probePath, settleMs, 60000, sinceMain,
                                                            &session);
        QObject::connect(probe.get(), &sextant::ui::StartupProbe::finished, &app,
                         [](int code) { QCoreApplication::exit(code); });
    }
    // A demo session keeps nothing: its fleet snapshots go to a temporary file, not into the
    // trend history of the user's real fleet.
    QTemporaryDir demoData;
    const QString historyPath = parser.isSet(demo) && demoData.isValid()
                                    ? demoData.filePath(QStringLiteral("fleet-history.sqlite"))
                                    : QString();
    sextant::ui::MainWindow window(&session, nullptr, historyPath);
    window.show();
    if (probe)
        probe->watch(&window);
    if (parser.isSet(demo))
        session.startDemoFleet(apps);
    else
        session.loadSaved();
    return app.exec();
}
