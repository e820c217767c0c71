// ai::PromptBuilder: the prompt carries findings and evidence with their ids, fits the token
// budget by dropping the least valuable evidence first, is redacted, and the preview is exactly
// the request body.

#include "ai/chatrequest.h"
#include "ai/promptbuilder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace sextant;
using namespace sextant::ai;
using analysis::Diagnosis;
using analysis::EvidenceItem;
using analysis::Finding;

namespace {

LlmConfig config(int maxPromptTokens = 6000) {
    LlmConfig c;
    c.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:11434/v1"));
    c.model = QStringLiteral("llama3.1:8b");
    c.auth = AuthStyle::None;
    c.maxPromptTokens = maxPromptTokens;
    c.maxCompletionTokens = 700;
    c.temperature = 0.2;
    c.stream = true;
    return c;
}

EvidenceItem item(int n, const QString& source, const QString& text, bool warning = false) {
    EvidenceItem e;
    e.id = QStringLiteral("E%1").arg(n);
    e.source = source;
    e.ref = QStringLiteral("Pod shop/web-6d8f7c9b5-x2k8p");
    e.text = text;
    e.warning = warning;
    return e;
}

// E1 condition, E2 and E5 cited by the finding, E3 a warning event, the rest noisy log lines.
Diagnosis diagnosis(int logLines = 4, int logLineChars = 60) {
    Diagnosis d;
    d.app = QStringLiteral("shop/web");
    d.evidence << item(1, QStringLiteral("condition"), QStringLiteral("Application is Degraded"))
               << item(2, QStringLiteral("container"),
                       QStringLiteral("web: CrashLoopBackOff, exit code 1, restarts 7"), true)
               << item(3, QStringLiteral("event"),
                       QStringLiteral("Back-off restarting failed container web"), true)
               << item(4, QStringLiteral("event"), QStringLiteral("Pulled image web:1.4.2"));
    EvidenceItem cited = item(5, QStringLiteral("log"),
                              QStringLiteral("panic: config key DATABASE_URL missing"), true);
    cited.ref = QStringLiteral("log web-6d8f7c9b5-x2k8p/web (previous)");
    d.evidence << cited;
    for (int i = 0; i < logLines; ++i) {
        EvidenceItem e = item(6 + i, QStringLiteral("log"),
                              QStringLiteral("info request served %1 ")
                                  .arg(i)
                                  .leftJustified(logLineChars, QLatin1Char('.')));
        e.ref = QStringLiteral("log web-6d8f7c9b5-x2k8p/web");
        d.evidence << e;
    }
    Finding f;
    f.category = QStringLiteral("CrashLoop");
    f.summary = QStringLiteral("Container web in Deployment shop/web crashes at start: the "
                               "DATABASE_URL setting is missing.");
    f.confidence = 0.91;
    f.evidenceIds = {QStringLiteral("E5"), QStringLiteral("E2")};
    f.remediation = {QStringLiteral("Add DATABASE_URL to the ConfigMap shop/web-config."),
                     QStringLiteral("Sync the application.")};
    f.fixKind = QStringLiteral("config-key");
    f.resource = QStringLiteral("Deployment shop/web");
    d.findings << f;
    d.notes << QStringLiteral("logs of 2 more pods were not fetched (cap)");
    return d;
}

QString userMessage(const PromptPreview& p) {
    return p.messages.size() == 2 ? p.messages[1].content : QString();
}

} // namespace

class TestPromptBuilder : public QObject {
    Q_OBJECT

private slots:
    void carriesFindingsAndIds();
    void previewIsTheRequestBody();
    void trimsToBudgetLowestValueFirst();
    void lineCapAndLongLines();
    void findingsAloneTooLarge();
    void redactsEverything();
    void invalidUserPattern();
    void systemPromptAsksForCitations();
};

void TestPromptBuilder::carriesFindingsAndIds() {
    const Result<PromptPreview> p = PromptBuilder(config()).build(diagnosis());
    QVERIFY2(p.ok(), qPrintable(p.ok() ? QString() : p.error().toString()));
    const QString user = userMessage(*p);
    QCOMPARE(p->messages[0].role, QStringLiteral("system"));
    QCOMPARE(p->messages[1].role, QStringLiteral("user"));
    for (int i = 1; i <= 9; ++i)
        QVERIFY2(user.contains(QStringLiteral("[E%1] ").arg(i)), qPrintable(user));
    QVERIFY(user.contains(QLatin1String("Application: shop/web")));
    QVERIFY(user.contains(QLatin1String("F1. CrashLoop (confidence 0.91)")));
    QVERIFY(user.contains(QLatin1String("Evidence: [E5] [E2]")));
    QVERIFY(user.contains(QLatin1String("1. Add DATABASE_URL to the ConfigMap shop/web-config.")));
    QVERIFY(user.contains(QLatin1String("logs of 2 more pods were not fetched")));
    QVERIFY(user.contains(QLatin1String("[E5] log (warning) log web-6d8f7c9b5-x2k8p/web "
                                        "(previous): panic: config key DATABASE_URL missing")));
    // Evidence keeps the diagnosis' order.
    QVERIFY(user.indexOf(QLatin1String("[E1] ")) < user.indexOf(QLatin1String("[E2] ")));
    QVERIFY(user.indexOf(QLatin1String("[E5] ")) < user.indexOf(QLatin1String("[E6] ")));
    QVERIFY(p->dropped.isEmpty());
    QCOMPARE(p->includedIds.size(), 9);
    QVERIFY(!user.contains(QLatin1String("left out")));
    QVERIFY(p->redactions.isEmpty());
    QVERIFY(p->estimatedTokens > 0);
    QCOMPARE(p->estimatedTokens, PromptBuilder::estimateTokens(p->messages[0].content) +
                                     PromptBuilder::estimateTokens(user) +
                                     2 * PromptBuilder::kMessageOverheadTokens);
}

void TestPromptBuilder::previewIsTheRequestBody() {
    const LlmConfig c = config();
    const Result<PromptPreview> p = PromptBuilder(c).build(diagnosis());
    QVERIFY(p.ok());
    QCOMPARE(p->body(), chatRequestBody(c, p->messages));
    QCOMPARE(p->text.toUtf8(), p->body());
    const QJsonObject body = QJsonDocument::fromJson(p->body()).object();
    QCOMPARE(body.value(QLatin1String("model")).toString(), c.model);
    QCOMPARE(body.value(QLatin1String("stream")).toBool(), true);
    QCOMPARE(body.value(QLatin1String("max_tokens")).toInt(), 700);
    QCOMPARE(body.value(QLatin1String("temperature")).toDouble(), 0.2);
    const QJsonArray messages = body.value(QLatin1String("messages")).toArray();
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages[0].toObject().value(QLatin1String("content")).toString(),
             p->messages[0].content);
    QCOMPARE(messages[1].toObject().value(QLatin1String("content")).toString(),
             p->messages[1].content);
    // The same diagnosis gives the same bytes.
    QCOMPARE(PromptBuilder(c).build(diagnosis())->text, p->text);
    // Azure: no model field.
    LlmConfig azure = c;
    azure.model.clear();
    QVERIFY(!QJsonDocument::fromJson(chatRequestBody(azure, p->messages))
                 .object()
                 .contains(QLatin1String("model")));
}

void TestPromptBuilder::trimsToBudgetLowestValueFirst() {
    // 200 noisy log lines of ~300 characters: ~15k tokens, far above a 1500-token budget.
    const Diagnosis d = diagnosis(200, 300);
    const Result<PromptPreview> p = PromptBuilder(config(1500)).build(d);
    QVERIFY2(p.ok(), qPrintable(p.ok() ? QString() : p.error().toString()));
    QVERIFY2(p->estimatedTokens <= 1500, qPrintable(QString::number(p->estimatedTokens)));
    const QString user = userMessage(*p);
    // Cited lines and warnings survive; the condition (earliest source) too.
    for (const char* id : {"[E5] ", "[E2] ", "[E3] ", "[E1] "})
        QVERIFY2(user.contains(QLatin1String(id)), id);
    QVERIFY(!p->dropped.isEmpty());
    QVERIFY(p->dropped.size() < 200);
    // The last log line is the least valuable: it goes first.
    QVERIFY2(p->dropped.first().startsWith(QLatin1String("E205 ")), qPrintable(p->dropped.first()));
    for (const QString& label : p->dropped) {
        const QString id = label.section(QLatin1Char(' '), 0, 0);
        QVERIFY2(!user.contains(QStringLiteral("[%1] ").arg(id)), qPrintable(id));
        QVERIFY(!p->includedIds.contains(id));
    }
    QCOMPARE(p->includedIds.size() + p->dropped.size(), d.evidence.size());
    QVERIFY(user.contains(
        QStringLiteral("(%1 more evidence lines were left out").arg(p->dropped.size())));
    QVERIFY(user.contains(QLatin1String("E205")));
    // The budget is used, not wasted: one more line would not have fitted.
    QVERIFY(p->estimatedTokens > 1500 - 100);

    // A generous budget keeps everything.
    const Result<PromptPreview> all = PromptBuilder(config(100000)).build(d);
    QVERIFY(all.ok());
    QVERIFY(all->dropped.isEmpty());
}

void TestPromptBuilder::lineCapAndLongLines() {
    PromptOptions options;
    options.maxEvidenceLines = 6;
    options.maxLineChars = 40;
    const Diagnosis d = diagnosis(10, 200);
    const Result<PromptPreview> p = PromptBuilder(config(), options).build(d);
    QVERIFY(p.ok());
    QCOMPARE(p->includedIds.size(), 6);
    QCOMPARE(p->dropped.size(), d.evidence.size() - 6);
    QVERIFY(userMessage(*p).contains(QStringLiteral("info request served 0 ") +
                                     QString(18, QLatin1Char('.')) + QStringLiteral("…")) ||
            !p->includedIds.contains(QStringLiteral("E6")));
    for (const QString& line : userMessage(*p).split(QLatin1Char('\n'))) {
        if (line.startsWith(QLatin1String("[E")))
            QVERIFY2(line.size() < 160, qPrintable(line));
    }
}

void TestPromptBuilder::findingsAloneTooLarge() {
    Diagnosis d = diagnosis();
    d.findings[0].summary = QString(8000, QLatin1Char('x'));
    const Result<PromptPreview> p = PromptBuilder(config(1000)).build(d);
    QVERIFY(!p.ok());
    QCOMPARE(p.error().kind, Error::Kind::Config);
    QVERIFY(p.error().shortMessage.contains(QLatin1String("budget")));
}

void TestPromptBuilder::redactsEverything() {
    Diagnosis d = diagnosis();
    // A Secret manifest split over several lines of one text block, as evidence holds it.
    const QStringList manifest = {QStringLiteral("apiVersion: v1"),
                                  QStringLiteral("kind: Secret"),
                                  QStringLiteral("metadata:"),
                                  QStringLiteral("  name: db-creds"),
                                  QStringLiteral("data:"),
                                  QStringLiteral("  password: aHVudGVyMlNlY3JldA=="),
                                  QStringLiteral("  api-key: c2stbGl2ZS0xMjM0NQ==")};
    int n = 100;
    for (const QString& line : manifest) {
        EvidenceItem e = item(n++, QStringLiteral("text"), line);
        e.ref = QStringLiteral("kubectl get secret db-creds -o yaml");
        d.evidence << e;
    }
    d.findings[0].summary += QStringLiteral(" Seen with password=hunter2.");
    d.findings[0].fields.insert(QStringLiteral("token"),
                                QStringLiteral("ghp_abcdefghijklmnopqrstuvwxyz0123456789"));
    const Result<PromptPreview> p = PromptBuilder(config()).build(d);
    QVERIFY(p.ok());
    for (const char* secret : {"aHVudGVyMlNlY3JldA==", "c2stbGl2ZS0xMjM0NQ==", "hunter2",
                               "ghp_abcdefghijklmnopqrstuvwxyz0123456789"})
        QVERIFY2(!p->text.contains(QLatin1String(secret)), secret);
    QVERIFY(p->text.contains(QLatin1String("name: db-creds")));
    QVERIFY(p->text.contains(QLatin1String("[E105] text kubectl get secret db-creds -o yaml:   "
                                           "password: [REDACTED:secret-data]")));
    int total = 0;
    for (const RedactionCount& c : p->redactions)
        total += c.count;
    QVERIFY2(total >= 4, qPrintable(QString::number(total)));
}

void TestPromptBuilder::invalidUserPattern() {
    LlmConfig c = config();
    c.redactionPatterns = {QStringLiteral("([unclosed")};
    const Result<PromptPreview> p = PromptBuilder(c).build(diagnosis());
    QVERIFY(!p.ok());
    QCOMPARE(p.error().kind, Error::Kind::Config);
}

void TestPromptBuilder::systemPromptAsksForCitations() {
    const QString s = PromptBuilder::systemPrompt();
    QVERIFY(s.contains(QLatin1String("[E3]")));
    QVERIFY(s.contains(QLatin1String("Never invent")));
    for (const char* section : {"## What happened", "## Likely causes", "## Next steps", "## Gaps"})
        QVERIFY(s.contains(QLatin1String(section)));
}

QTEST_GUILESS_MAIN(TestPromptBuilder)
#include "tst_promptbuilder.moc"
