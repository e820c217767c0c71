#include "release/releasematrix.h"
#include "release/releasereview.h"

namespace sextant::release {

QString toString(StepStatus s) {
    switch (s) {
    case StepStatus::None:
        return {};
    case StepStatus::Waiting:
        return QStringLiteral("Waiting");
    case StepStatus::Pending:
        return QStringLiteral("Pending");
    case StepStatus::Progressing:
        return QStringLiteral("Progressing");
    case StepStatus::Healthy:
        return QStringLiteral("Healthy");
    }
    return {};
}

StepStatus stepStatusFromString(QStringView s) {
    if (s == u"Waiting")
        return StepStatus::Waiting;
    if (s == u"Pending")
        return StepStatus::Pending;
    if (s == u"Progressing")
        return StepStatus::Progressing;
    if (s == u"Healthy")
        return StepStatus::Healthy;
    return StepStatus::None;
}

QString toString(Recommendation r) {
    switch (r) {
    case Recommendation::Proceed:
        return QStringLiteral("Proceed");
    case Recommendation::Wait:
        return QStringLiteral("Wait");
    case Recommendation::Halt:
        return QStringLiteral("Halt");
    case Recommendation::RollBack:
        return QStringLiteral("Roll back");
    }
    return {};
}

int environmentRank(const QString& env) {
    // Promotion order; anything unknown sorts after prod, then by name at the call site.
    static const QStringList order = {
        QStringLiteral("dev"),    QStringLiteral("development"), QStringLiteral("test"),
        QStringLiteral("qa"),     QStringLiteral("int"),         QStringLiteral("staging"),
        QStringLiteral("stage"),  QStringLiteral("preprod"),     QStringLiteral("uat"),
        QStringLiteral("canary"), QStringLiteral("prod"),        QStringLiteral("production")};
    const QString e = env.toLower();
    if (e == QLatin1String("development"))
        return 0;
    if (e == QLatin1String("staging"))
        return 6;
    if (e == QLatin1String("production"))
        return 10;
    const int i = order.indexOf(e);
    return i < 0 ? 100 : i;
}

} // namespace sextant::release
