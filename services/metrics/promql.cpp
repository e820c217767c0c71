#include "promql.h"

#include <QRegularExpression>

namespace sextant::metrics {

Status validateMatchers(const QString& matchers) {
    const QString text = matchers.trimmed();
    if (text.isEmpty())
        return Error::make(Error::Kind::Config, QStringLiteral("the selector is empty"));
    static const QRegularExpression one(QStringLiteral(
        R"re(\G\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$))re"));
    qsizetype pos = 0;
    while (pos < text.size()) {
        const QRegularExpressionMatch m = one.match(text, pos);
        if (!m.hasMatch() || m.capturedStart() != pos)
            return Error::make(
                Error::Kind::Config,
                QStringLiteral("'%1' is not a list of PromQL label matchers").arg(matchers),
                QStringLiteral("expected name=\"value\" (or !=, =~, !~) separated by commas, "
                               "e.g. pod=~\"web-canary-.*\"; the problem starts at character "
                               "%1")
                    .arg(pos + 1));
        pos = m.capturedEnd();
        if (m.captured(4) == QLatin1String(",") && pos >= text.size())
            break; // a trailing comma is valid PromQL
    }
    return okStatus();
}

Result<QString> renderTemplate(const QString& text, const QHash<QString, QString>& vars) {
    static const QRegularExpression placeholder(QStringLiteral(R"(\{\{\s*([A-Za-z_]\w*)\s*\}\})"));
    QString out;
    qsizetype last = 0;
    auto it = placeholder.globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        const QString name = m.captured(1);
        if (!vars.contains(name))
            return Error::make(
                Error::Kind::Config,
                QStringLiteral("unknown placeholder {{%1}} in a query template").arg(name),
                QStringLiteral("known: %1")
                    .arg(QStringList(vars.keys()).join(QStringLiteral(", "))));
        out += text.mid(last, m.capturedStart() - last);
        out += vars.value(name);
        last = m.capturedEnd();
    }
    out += text.mid(last);
    return out;
}

Result<qint64> parseDurationMs(const QString& textIn) {
    const QString text = textIn.trimmed();
    const auto bad = [&] {
        return Error::make(
            Error::Kind::Config,
            QStringLiteral("'%1' is not a duration (e.g. 30s, 5m, 1h30m)").arg(textIn));
    };
    bool ok = false;
    const double seconds = text.toDouble(&ok);
    if (ok) {
        if (!(seconds > 0) || seconds > 1e10)
            return bad();
        return qint64(seconds * 1000.0 + 0.5);
    }
    static const QRegularExpression part(QStringLiteral(R"(\G(\d+)(ms|y|w|d|h|m|s))"));
    static const QHash<QString, qint64> unit = {{QStringLiteral("ms"), 1},
                                                {QStringLiteral("s"), 1000},
                                                {QStringLiteral("m"), 60000},
                                                {QStringLiteral("h"), 3600000},
                                                {QStringLiteral("d"), 86400000},
                                                {QStringLiteral("w"), 7 * 86400000LL},
                                                {QStringLiteral("y"), 365 * 86400000LL}};
    qint64 total = 0;
    qsizetype pos = 0;
    while (pos < text.size()) {
        const QRegularExpressionMatch m = part.match(text, pos);
        if (!m.hasMatch())
            return bad();
        const qint64 n = m.captured(1).toLongLong(&ok);
        if (!ok || n > 100000000)
            return bad();
        total += n * unit.value(m.captured(2));
        pos = m.capturedEnd();
    }
    if (text.isEmpty() || total <= 0)
        return bad();
    return total;
}

QString formatDurationMs(qint64 ms) {
    if (ms <= 0)
        return QStringLiteral("0s");
    QString out;
    const std::pair<qint64, const char*> units[] = {
        {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
    for (const auto& [size, name] : units) {
        if (ms >= size) {
            out += QString::number(ms / size) + QLatin1String(name);
            ms %= size;
        }
    }
    return out;
}

Result<QDateTime> parseTime(const QString& textIn) {
    const QString text = textIn.trimmed();
    bool ok = false;
    const double seconds = text.toDouble(&ok);
    if (ok)
        return QDateTime::fromMSecsSinceEpoch(qint64(seconds * 1000.0 + 0.5), Qt::UTC);
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(text, Qt::ISODate);
    // RFC 3339 requires a zone; a local time would make the window depend on the machine.
    if (!t.isValid() || t.timeSpec() == Qt::LocalTime)
        return Error::make(Error::Kind::Config,
                           QStringLiteral("'%1' is not an RFC 3339 time with a zone (e.g. "
                                          "2025-01-01T10:00:00Z) nor unix seconds")
                               .arg(textIn));
    return t.toUTC();
}

} // namespace sextant::metrics
