#include "consolesession.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

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
    parser.addOption(demo);
    parser.addOption(auditLog);
    parser.process(app);

    sextant::ui::ConsoleSession session(nullptr, parser.value(auditLog));
    sextant::ui::MainWindow window(&session);
    window.show();
    if (parser.isSet(demo))
        session.startDemo();
    else
        session.loadSaved();
    return app.exec();
}
