// The instance dialog as a new user meets it: bad input is explained, a connection test works
// against a real server, and without a keychain the token is not saved anywhere.
#include "consolesession.h"
#include "instancedialog.h"
#include "sim/simulator.h"

#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;

class TestInstanceDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        // No Secret Service reachable: the keychain must refuse, never fall back to a file.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/sextant-test-bus");
        qunsetenv("DISPLAY");
        QVERIFY(m_home.isValid());
        qputenv("HOME", m_home.path().toUtf8());
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral(".config")).toUtf8());
        qputenv("XDG_DATA_HOME", m_home.filePath(QStringLiteral(".local/share")).toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("SextantDialogTest"));
        sim::GeneratorOptions options;
        options.apps = 25;
        options.instances = 1;
        options.clusters = 2;
        m_sim.generate(options);
        QVERIFY(m_sim.listen().ok());
    }

    void badUrlIsExplained() {
        ui::ConsoleSession session(nullptr, m_home.filePath(QStringLiteral("audit.jsonl")));
        ui::InstanceDialog dialog(&session);
        fill(dialog, QStringLiteral("prod"), QStringLiteral("argocd.example.com"),
             QStringLiteral("t"));
        click(dialog, "test");
        QTRY_VERIFY(status(dialog).contains(QStringLiteral("has no scheme")));
        QVERIFY(status(dialog).contains(QStringLiteral("https://argocd.example.com")));
    }

    void testConnectionAgainstServer() {
        const auto ep = m_sim.endpoints().first();
        ui::ConsoleSession session(nullptr, m_home.filePath(QStringLiteral("audit.jsonl")));
        ui::InstanceDialog dialog(&session);

        fill(dialog, QStringLiteral("sim"), ep.url.toString(), QStringLiteral("wrong-token"));
        click(dialog, "test");
        QTRY_VERIFY_WITH_TIMEOUT(status(dialog).contains(QStringLiteral("401")) ||
                                     status(dialog).contains(QStringLiteral("token")),
                                 10000);
        QVERIFY(!status(dialog).contains(QStringLiteral("wrong-token")));

        fill(dialog, QStringLiteral("sim"), ep.url.toString(), ep.token);
        click(dialog, "test");
        QTRY_VERIFY_WITH_TIMEOUT(status(dialog).contains(QStringLiteral("25 application")), 10000);
    }

    void passwordSignIn() {
        const auto ep = m_sim.endpoints().first();
        ui::ConsoleSession session(nullptr, m_home.filePath(QStringLiteral("audit.jsonl")));
        ui::InstanceDialog dialog(&session);
        fill(dialog, QStringLiteral("sim"), ep.url.toString(), ep.password);
        dialog.findChild<QComboBox*>(QStringLiteral("auth"))->setCurrentIndex(1);
        dialog.findChild<QLineEdit*>(QStringLiteral("username"))->setText(ep.username);
        click(dialog, "test");
        QTRY_VERIFY_WITH_TIMEOUT(status(dialog).contains(QStringLiteral("25 application")), 10000);

        fill(dialog, QStringLiteral("sim"), ep.url.toString(), QStringLiteral("not-the-password"));
        click(dialog, "test");
        QTRY_VERIFY_WITH_TIMEOUT(!status(dialog).contains(QStringLiteral("25 application")) &&
                                     !status(dialog).startsWith(QStringLiteral("Testing")),
                                 10000);
        QVERIFY(!status(dialog).contains(QStringLiteral("not-the-password")));
    }

    void noKeychainSavesNothing() {
        const auto ep = m_sim.endpoints().first();
        ui::ConsoleSession session(nullptr, m_home.filePath(QStringLiteral("audit.jsonl")));
        ui::InstanceDialog dialog(&session);
        fill(dialog, QStringLiteral("sim"), ep.url.toString(), ep.token);
        click(dialog, "save");
        QTRY_VERIFY_WITH_TIMEOUT(
            status(dialog).contains(QStringLiteral("keychain"), Qt::CaseInsensitive), 20000);
        QVERIFY(session.instanceIds().isEmpty());
        const QString shots = QStringLiteral(SEXTANT_BIN_DIR "/../screenshots");
        QDir().mkpath(shots);
        dialog.grab().save(shots + QStringLiteral("/instancedialog-nokeychain.png"));
        // The token is in no file under HOME (settings, audit log, anything).
        QDirIterator it(m_home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(!f.readAll().contains(ep.token.toUtf8()), qPrintable(f.fileName()));
        }
    }

private:
    static void fill(ui::InstanceDialog& d, const QString& name, const QString& url,
                     const QString& secret) {
        d.findChild<QLineEdit*>(QStringLiteral("name"))->setText(name);
        d.findChild<QLineEdit*>(QStringLiteral("url"))->setText(url);
        d.findChild<QLineEdit*>(QStringLiteral("secret"))->setText(secret);
    }
    static void click(ui::InstanceDialog& d, const char* button) {
        d.findChild<QPushButton*>(QLatin1String(button))->click();
    }
    static QString status(ui::InstanceDialog& d) {
        return d.findChild<QLabel*>(QStringLiteral("status"))->text();
    }

    QTemporaryDir m_home;
    sim::Simulator m_sim;
};

QTEST_MAIN(TestInstanceDialog)
#include "tst_instancedialog.moc"
