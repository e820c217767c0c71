#pragma once

#include <QString>

namespace sextant::ui {

// The console's colour scheme. System follows the desktop; Light and Dark force a palette (on
// the Fusion style, which honours every palette role) for desktops whose theme Qt cannot read,
// or for a dark room at 3 a.m. Charts and tiles follow the palette (PaletteChange).
enum class Theme { System, Light, Dark };

QString themeName(Theme theme); // "system", "light", "dark" (the settings value)
Theme themeFromName(const QString& name);
// Applies `theme` to the whole application. The first call remembers the platform's style and
// palette so that System can restore them.
void applyTheme(Theme theme);
// The theme saved under "ui/theme" (System when unset), applied.
Theme applySavedTheme();
void saveTheme(Theme theme);

} // namespace sextant::ui
