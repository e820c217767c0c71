#include "consolesession.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTemporaryDir>
#include <QTextStream>

int main(int argc, char* argv[]) {
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
    parser.addOption(demo);
    parser.addOption(demoApps);
    parser.addOption(auditLog);
    parser.process(app);

    bool ok = true;
    const int apps = parser.isSet(demoApps) ? parser.value(demoApps).toInt(&ok) : 0;
    if (!ok || apps < 0 || apps > 500000) {
        QTextStream(stderr) << "sextant: --demo-apps takes a number from 1 to 500000\n";
        return 2;
    }

    sextant::ui::ConsoleSession session(nullptr, parser.value(auditLog));
    // A demo session keeps nothing: its fleet snapshots go to a temporary file, not into the
    // trend history of the user's real fleet.
    QTemporaryDir demoData;
    const QString historyPath = parser.isSet(demo) && demoData.isValid()
                                    ? demoData.filePath(QStringLiteral("fleet-history.sqlite"))
                                    : QString();
    sextant::ui::MainWindow window(&session, nullptr, historyPath);
    window.show();
    if (parser.isSet(demo))
        session.startDemoFleet(apps);
    else
        session.loadSaved();
    return app.exec();
}
