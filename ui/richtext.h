#pragma once

#include <QString>
#include <QStringList>

// Small rich-text helpers shared by the review dialogs (corrective commit, PR drafting).
namespace sextant::ui::richtext {

inline QString esc(const QString& s) {
    return s.toHtmlEscaped();
}

inline QString red(const QString& html) {
    return QStringLiteral("<span style='color:#b00020'>%1</span>").arg(html);
}

inline QString gray(const QString& html) {
    return QStringLiteral("<span style='color:gray'>%1</span>").arg(html);
}

// "pull request" -> "Pull request".
inline QString capitalised(QString text) {
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

// A unified diff as coloured HTML lines (added green, removed red, hunk headers blue, file
// headers grey), escaped.
inline QString diffHtml(const QStringList& lines) {
    QString html = QStringLiteral("<pre style='margin:0'>");
    for (const QString& line : lines) {
        QString style;
        if (line.startsWith(QLatin1String("+++")) || line.startsWith(QLatin1String("---")))
            style = QStringLiteral("color:gray");
        else if (line.startsWith(QLatin1Char('+')))
            style = QStringLiteral("background-color:#d9f5dd;color:#0b4f19");
        else if (line.startsWith(QLatin1Char('-')))
            style = QStringLiteral("background-color:#fbe0e0;color:#7a1010");
        else if (line.startsWith(QLatin1String("@@")))
            style = QStringLiteral("color:#5060a0");
        html += style.isEmpty()
                    ? esc(line)
                    : QStringLiteral("<span style='%1'>%2</span>").arg(style, esc(line));
        html += QLatin1Char('\n');
    }
    return html + QStringLiteral("</pre>");
}

} // namespace sextant::ui::richtext
