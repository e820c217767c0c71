#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QHash>
#include <QString>

namespace sextant::metrics {

// Checks a label-matcher list as it may stand inside a PromQL selector's braces:
// `pod=~"web-canary-.*", track="canary"` (name, one of = != =~ !~, a double-quoted value with
// backslash escapes; commas between). Empty is refused: a canary needs a selector.
Status validateMatchers(const QString& matchers);

// Replaces every {{name}} (spaces inside the braces allowed) with vars[name]. An unknown name is
// an error, so a typo in a metric set never reaches Prometheus as literal braces.
Result<QString> renderTemplate(const QString& text, const QHash<QString, QString>& vars);

// A Prometheus duration ("30s", "1m30s", "500ms", "2h", "1d", "1w", "1y") or plain seconds
// ("15", "0.5"), in milliseconds; positive.
Result<qint64> parseDurationMs(const QString& text);
// "1m30s" style, the shortest exact form.
QString formatDurationMs(qint64 ms);

// RFC 3339 ("2025-01-01T00:00:00Z", with offset or fractional seconds) or unix seconds.
Result<QDateTime> parseTime(const QString& text);

} // namespace sextant::metrics
