// The console's theme choice: forced light and dark palettes, and back to the platform's.
#include "theme.h"

#include <QApplication>
#include <QPalette>
#include <QSettings>
#include <QStandardPaths>
#include <QStyle>
#include <QTest>

using namespace sextant::ui;

class TestTheme : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantThemeTest"));
        QSettings().remove(QStringLiteral("ui/theme"));
    }

    void names() {
        for (Theme t : {Theme::System, Theme::Light, Theme::Dark})
            QCOMPARE(themeFromName(themeName(t)), t);
        QCOMPARE(themeFromName(QStringLiteral("purple")), Theme::System);
    }

    void forcedAndRestored() {
        QCOMPARE(applySavedTheme(), Theme::System); // nothing saved: the platform's look
        const QPalette original = QApplication::palette();
        const QString originalStyle = QApplication::style()->name();

        applyTheme(Theme::Dark);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80);
        QVERIFY(QApplication::palette().color(QPalette::Text).lightness() > 180);
        QCOMPARE(QApplication::style()->name().toLower(), QStringLiteral("fusion"));

        applyTheme(Theme::Light);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 180);
        QVERIFY(QApplication::palette().color(QPalette::Text).lightness() < 80);

        applyTheme(Theme::System);
        QCOMPARE(QApplication::palette().color(QPalette::Window), original.color(QPalette::Window));
        QCOMPARE(QApplication::style()->name(), originalStyle);
    }

    void savedChoiceComesBack() {
        saveTheme(Theme::Dark);
        QCOMPARE(applySavedTheme(), Theme::Dark);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80);
        applyTheme(Theme::System);
        QSettings().remove(QStringLiteral("ui/theme"));
    }
};

QTEST_MAIN(TestTheme)
#include "tst_theme.moc"
