// analysis::KnowledgeBase: storing analyses in SQLite, similar incidents by signature and by
// text, resolutions, restart persistence, pruning, redaction and broken files.

#include "analysis/knowledgebase.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace sextant;
using namespace sextant::analysis;

namespace {

struct Line {
    QString source; // log, event, container, ...
    QString text;
};

// Diagnoses are built by hand: the engine is not needed to test the store.
Diagnosis diagnosis(const QString& app, const QString& category, const QString& signature,
                    const QString& summary, const QVector<Line>& lines) {
    Diagnosis d;
    d.app = app;
    Finding f;
    f.category = category;
    f.signatureId = signature;
    f.summary = summary;
    f.confidence = 0.9;
    f.remediation = {QStringLiteral("Fix it")};
    f.fixKind = QStringLiteral("config-value");
    int n = 0;
    for (const Line& l : lines) {
        EvidenceItem e;
        e.id = QStringLiteral("E%1").arg(++n);
        e.source = l.source;
        e.text = l.text;
        e.warning = true;
        d.evidence.append(e);
        f.evidenceIds << e.id;
    }
    d.findings.append(f);
    return d;
}

Diagnosis crashLoop(const QString& app, const QString& pod) {
    return diagnosis(
        app, QStringLiteral("CrashLoop"), QStringLiteral("crashloop-backoff"),
        QStringLiteral("Container %1 in Pod %2 keeps crashing").arg(app.section('/', 1), pod),
        {{QStringLiteral("event"),
          QStringLiteral("Back-off restarting failed container in pod %1").arg(pod)},
         {QStringLiteral("log"), QStringLiteral("panic: runtime error: index out of range")}});
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestKnowledgeBase : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path(const QString& name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void distinctiveText() {
        QCOMPARE(KnowledgeBase::distinctiveText(QStringLiteral("web-6d8f7c9b5-x2k8p")),
                 QStringLiteral("web"));
        QCOMPARE(KnowledgeBase::distinctiveText(QStringLiteral("payments-api-6f7d8c9b5-q7x2m")),
                 QStringLiteral("payments api"));
        QCOMPARE(KnowledgeBase::distinctiveText(
                     QStringLiteral("pod 2b7c9e41-8d3a-4f6b-a1c2-5e9d7f3b8a60 at 10.244.1.17:8080 "
                                    "rev d1e2f3a4b5c6d7e8f9a0 exit 137 after 5m0s, 50Gi")),
                 QStringLiteral("pod at rev exit after"));
        QCOMPARE(KnowledgeBase::distinctiveText(
                     QStringLiteral("couldn't find key LOG_LEVEL in ConfigMap shop/web-config")),
                 QStringLiteral("couldn t find key log level in configmap shop web config"));
    }

    void recordAndGet() {
        KnowledgeBase kb(path(QStringLiteral("record.sqlite")));
        QVERIFY2(kb.isOpen(), qPrintable(kb.error().toString()));
        const Diagnosis d = crashLoop(QStringLiteral("payments/payments-api"),
                                      QStringLiteral("payments-api-6f7d8c9b5-q7x2m"));
        const QDateTime when =
            QDateTime::fromString(QStringLiteral("2026-11-20T10:00:00Z"), Qt::ISODate);
        const Result<qint64> id = kb.record(d, {}, QStringLiteral("prod-eu"), when);
        QVERIFY2(id.ok(), qPrintable(id.ok() ? QString() : id.error().toString()));
        QVERIFY(*id > 0);
        const Result<PastIncident> p = kb.get(*id);
        QVERIFY(p.ok());
        QCOMPARE(p->app, QStringLiteral("payments/payments-api"));
        QCOMPARE(p->instance, QStringLiteral("prod-eu"));
        QCOMPARE(p->time, when);
        QCOMPARE(p->categories, QStringList{QStringLiteral("CrashLoop")});
        QCOMPARE(p->signatureIds, QStringList{QStringLiteral("crashloop-backoff")});
        QVERIFY(p->summary.contains(QStringLiteral("keeps crashing")));
        QVERIFY(!p->resolved);
        const Json findings = Json::parse(p->findingsJson.toStdString());
        QCOMPARE(findings.size(), size_t(1));
        QCOMPARE(findings[0]["category"].get<std::string>(), std::string("CrashLoop"));
        QCOMPARE(findings[0]["evidence"].size(), size_t(2));
        QCOMPARE(*kb.count(), 1);
        QCOMPARE(kb.get(*id + 100).error().kind, Error::Kind::NotFound);
    }

    void neverStoresSecrets() {
        const QString file = path(QStringLiteral("secrets.sqlite"));
        {
            KnowledgeBase kb(file);
            QVERIFY(kb.isOpen());
            Diagnosis d = diagnosis(
                QStringLiteral("shop/web"), QStringLiteral("AppRuntimeError"),
                QStringLiteral("app-runtime-error"),
                QStringLiteral("Login to the database failed with password: hunter2secret"),
                {{QStringLiteral("log"),
                  QStringLiteral("connecting with DB_PASSWORD=hunter2secret failed")},
                 {QStringLiteral("text"),
                  QStringLiteral("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0."
                                 "c2lnbmF0dXJlc2lnbmF0dXJl")}});
            d.findings[0].fields.insert(QStringLiteral("token"), QStringLiteral("hunter2secret"));
            const Result<qint64> id = kb.record(d, {}, QStringLiteral("prod-eu"));
            QVERIFY(id.ok());
            QVERIFY(kb.recordResolution(*id, QStringLiteral("rotated, new password: hunter2secret"),
                                        QStringLiteral("https://git.example.com/pr/1?"
                                                       "access_token=hunter2secret"))
                        .ok());
            const PastIncident p = *kb.get(*id);
            for (const QString& s : {p.summary, p.findingsJson, p.resolution, p.resolutionLink}) {
                QVERIFY2(!s.contains(QStringLiteral("hunter2secret")), qPrintable(s));
                QVERIFY2(!s.contains(QStringLiteral("eyJhbGciOiJIUzI1NiJ9")), qPrintable(s));
            }
            QVERIFY(p.summary.contains(QStringLiteral("[REDACTED]")));
            QVERIFY(kb.search(QStringLiteral("hunter2secret"))->isEmpty());
        }
        // Nothing on disk either (database and WAL).
        for (const QString& f : {file, file + QStringLiteral("-wal")}) {
            const QByteArray bytes = readAll(f);
            QVERIFY(!bytes.contains("hunter2secret"));
            QVERIFY(!bytes.contains("eyJhbGciOiJIUzI1NiJ9"));
        }
    }

    void similarBySignature() {
        KnowledgeBase kb(path(QStringLiteral("signature.sqlite")));
        QVERIFY(kb.isOpen());
        const QDateTime t0 = QDateTime::currentDateTimeUtc().addDays(-10);
        const QString app = QStringLiteral("payments/payments-api");
        // Same app, same signature (older and newer); another app with the same signature; an
        // unrelated incident; one that only shares the category.
        const qint64 sameOld =
            *kb.record(crashLoop(app, QStringLiteral("payments-api-5d4c3b2a1-aaaa1")), {},
                       QStringLiteral("prod-eu"), t0);
        const qint64 fleet = *kb.record(crashLoop(QStringLiteral("orders/orders-api"),
                                                  QStringLiteral("orders-api-7f8e9d0c1-bbbb2")),
                                        {}, QStringLiteral("prod-us"), t0.addDays(1));
        const qint64 unrelated = *kb.record(
            diagnosis(QStringLiteral("shop/web"), QStringLiteral("MissingConfigKey"),
                      QStringLiteral("configmap-key-missing"),
                      QStringLiteral("Key LOG_LEVEL missing from ConfigMap shop/web-config"),
                      {{QStringLiteral("event"),
                        QStringLiteral("Error: couldn't find key LOG_LEVEL in ConfigMap "
                                       "shop/web-config")}}),
            {}, QStringLiteral("prod-eu"), t0.addDays(2));
        Diagnosis categoryOnly = crashLoop(QStringLiteral("cart/cart"), QStringLiteral("cart-0"));
        categoryOnly.findings[0].signatureId = QStringLiteral("crashloop-exit-code");
        const qint64 sameCategory =
            *kb.record(categoryOnly, {}, QStringLiteral("prod-eu"), t0.addDays(3));
        const qint64 sameNew =
            *kb.record(crashLoop(app, QStringLiteral("payments-api-6f7d8c9b5-q7x2m")), {},
                       QStringLiteral("prod-eu"), t0.addDays(4));

        const Diagnosis now = crashLoop(app, QStringLiteral("payments-api-6f7d8c9b5-zzzz9"));
        const qint64 self = *kb.record(now, {}, QStringLiteral("prod-eu"));
        const auto similar = kb.similar(now, 10, self);
        QVERIFY(similar.ok());
        QStringList order;
        for (const PastIncident& p : *similar)
            order << QString::number(p.id);
        QVERIFY2(similar->size() >= 4, qPrintable(order.join(',')));
        // Same app first (newest first), then the fleet, then a category-only match.
        QCOMPARE(similar->at(0).id, sameNew);
        QCOMPARE(similar->at(1).id, sameOld);
        QCOMPARE(similar->at(2).id, fleet);
        QCOMPARE(similar->at(3).id, sameCategory);
        QCOMPARE(similar->at(0).matchedBy, QStringLiteral("signature"));
        QVERIFY(similar->at(0).sameApp);
        QVERIFY(!similar->at(2).sameApp);
        QCOMPARE(similar->at(3).matchedBy, QStringLiteral("category"));
        for (const PastIncident& p : *similar) {
            QVERIFY(p.id != self);      // not the analysis itself
            QVERIFY(p.id != unrelated); // nothing in common
        }
        QCOMPARE(kb.similar(now, 2, self)->size(), 2);
    }

    void similarByText() {
        KnowledgeBase kb(path(QStringLiteral("text.sqlite")));
        QVERIFY(kb.isOpen());
        // Neither shares a signature or category with the query: only the text can tell.
        const qint64 samePanic = *kb.record(
            diagnosis(QStringLiteral("payments/payments-api"), QStringLiteral("AppRuntimeError"),
                      QStringLiteral("go-panic"), QStringLiteral("The application panicked"),
                      {{QStringLiteral("log"),
                        QStringLiteral("panic: invalid DATABASE_POOL_SIZE \"ten\": strconv.Atoi: "
                                       "parsing \"ten\": invalid syntax")},
                       {QStringLiteral("event"),
                        QStringLiteral("Back-off restarting failed container payments-api in pod "
                                       "payments-api-6f7d8c9b5-q7x2m")}}),
            {}, QStringLiteral("prod-eu"));
        // Same pod name prefix and numbers, different problem: must rank below.
        const qint64 samePod = *kb.record(
            diagnosis(QStringLiteral("payments/payments-api"), QStringLiteral("DNSFailure"),
                      QStringLiteral("dns-lookup"), QStringLiteral("Lookups of redis fail"),
                      {{QStringLiteral("log"),
                        QStringLiteral("dial tcp: lookup redis.payments.svc on 10.96.0.10:53: no "
                                       "such host (pod payments-api-6f7d8c9b5-q7x2m)")}}),
            {}, QStringLiteral("prod-eu"));
        const qint64 noise =
            *kb.record(diagnosis(QStringLiteral("shop/web"), QStringLiteral("QuotaExceeded"),
                                 QStringLiteral("quota"), QStringLiteral("Quota exceeded"),
                                 {{QStringLiteral("syncResult"),
                                   QStringLiteral("exceeded quota: shop-storage, requested: "
                                                  "requests.storage=50Gi")}}),
                       {}, QStringLiteral("prod-eu"));

        const Diagnosis query = diagnosis(
            QStringLiteral("billing/billing-api"), QStringLiteral("CrashLoop"),
            QStringLiteral("crashloop-backoff"), QStringLiteral("billing-api keeps crashing"),
            {{QStringLiteral("log"),
              QStringLiteral("panic: invalid DATABASE_POOL_SIZE \"12x\": strconv.Atoi: parsing "
                             "\"12x\": invalid syntax")},
             {QStringLiteral("event"),
              QStringLiteral("Back-off restarting failed container billing-api in pod "
                             "billing-api-7c9d8e6f5-k2m4p")}});
        const auto similar = kb.similar(query, 5);
        QVERIFY(similar.ok());
        QVERIFY(!similar->isEmpty());
        QCOMPARE(similar->first().id, samePanic);
        QCOMPARE(similar->first().matchedBy, QStringLiteral("text"));
        QVERIFY(similar->first().textScore > 0);
        for (const PastIncident& p : *similar) {
            QVERIFY(p.id != noise);
            if (p.id == samePod)
                QVERIFY(p.textScore < similar->first().textScore);
        }
    }

    void resolutionRoundTrip() {
        KnowledgeBase kb(path(QStringLiteral("resolution.sqlite")));
        QVERIFY(kb.isOpen());
        const qint64 id = *kb.record(crashLoop(QStringLiteral("payments/payments-api"),
                                               QStringLiteral("payments-api-6f7d8c9b5-q7x2m")),
                                     {}, QStringLiteral("prod-eu"));
        const Status s = kb.recordResolution(
            id, QStringLiteral("Set DATABASE_POOL_SIZE back to 10 in values-prod.yaml"),
            QStringLiteral("https://git.example.com/payments/api/pull/77"));
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        const PastIncident p = *kb.get(id);
        QVERIFY(p.resolved);
        QCOMPARE(p.resolution,
                 QStringLiteral("Set DATABASE_POOL_SIZE back to 10 in values-prod.yaml"));
        QCOMPARE(p.resolutionLink, QStringLiteral("https://git.example.com/payments/api/pull/77"));
        QVERIFY(p.resolvedAt.isValid());
        // The resolution is searchable.
        const auto found = kb.search(QStringLiteral("values-prod pool"));
        QVERIFY(found.ok());
        QCOMPARE(found->size(), 1);
        QCOMPARE(found->first().id, id);
        QCOMPARE(kb.recordResolution(id + 1000, QStringLiteral("x")).error().kind,
                 Error::Kind::NotFound);
    }

    void diagnosingAgainIsTheSameIncident() {
        KnowledgeBase kb(path(QStringLiteral("again.sqlite")));
        QVERIFY(kb.isOpen());
        const Diagnosis d = crashLoop(QStringLiteral("payments/payments-api"),
                                      QStringLiteral("payments-api-6f7d8c9b5-q7x2m"));
        const QDateTime t0 =
            QDateTime::fromString(QStringLiteral("2026-11-20T10:00:00Z"), Qt::ISODate);
        const qint64 first = *kb.record(d, {}, QStringLiteral("prod-eu"), t0);
        // The tab reopened ten minutes later: the same record.
        QCOMPARE(*kb.record(d, {}, QStringLiteral("prod-eu"), t0.addSecs(600)), first);
        QCOMPARE(*kb.count(), 1);
        // Another instance, another cause, or a day later: new incidents.
        QVERIFY(*kb.record(d, {}, QStringLiteral("prod-us"), t0.addSecs(700)) != first);
        QVERIFY(*kb.record(d, {}, QStringLiteral("prod-eu"), t0.addDays(1)) != first);
        // Once resolved, the next occurrence is a new incident.
        const qint64 latest = *kb.record(d, {}, QStringLiteral("prod-eu"), t0.addDays(1));
        QVERIFY(kb.recordResolution(latest, QStringLiteral("fixed")).ok());
        QVERIFY(*kb.record(d, {}, QStringLiteral("prod-eu"), t0.addDays(1).addSecs(60)) != latest);
    }

    void survivesRestart() {
        const QString file = path(QStringLiteral("restart.sqlite"));
        qint64 id = 0;
        {
            KnowledgeBase kb(file);
            QVERIFY(kb.isOpen());
            id = *kb.record(crashLoop(QStringLiteral("payments/payments-api"),
                                      QStringLiteral("payments-api-6f7d8c9b5-q7x2m")),
                            {}, QStringLiteral("prod-eu"));
            const Status s = kb.recordResolution(id, QStringLiteral("rolled back to 41"));
            QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        }
        KnowledgeBase kb(file);
        QVERIFY2(kb.isOpen(), qPrintable(kb.error().toString()));
        QCOMPARE(*kb.count(), 1);
        QCOMPARE(kb.get(id)->resolution, QStringLiteral("rolled back to 41"));
        const auto similar =
            kb.similar(crashLoop(QStringLiteral("payments/payments-api"), QStringLiteral("x")), 5);
        QCOMPARE(similar->size(), 1);
        QCOMPARE(similar->first().id, id);
        QVERIFY(similar->first().resolved);
        QCOMPARE(kb.search(QStringLiteral("rolled back"))->size(), 1);
    }

    void prunesOldest() {
        KnowledgeBase kb(path(QStringLiteral("prune.sqlite")), 5);
        QVERIFY(kb.isOpen());
        QCOMPARE(kb.maxEntries(), 5);
        const QDateTime t0 = QDateTime::currentDateTimeUtc().addDays(-30);
        QVector<qint64> ids;
        for (int i = 0; i < 8; ++i) {
            Diagnosis d =
                crashLoop(QStringLiteral("team/app%1").arg(QChar('a' + i)), QStringLiteral("pod"));
            d.evidence[1].text = QStringLiteral("marker%1 happened").arg(QChar('a' + i));
            ids << *kb.record(d, {}, QStringLiteral("prod-eu"), t0.addDays(i));
        }
        QCOMPARE(*kb.count(), 5);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(kb.get(ids[i]).error().kind, Error::Kind::NotFound);
            QVERIFY(kb.search(QStringLiteral("marker%1").arg(QChar('a' + i)))->isEmpty());
        }
        for (int i = 3; i < 8; ++i) {
            QVERIFY(kb.get(ids[i]).ok());
            QCOMPARE(kb.search(QStringLiteral("marker%1").arg(QChar('a' + i)))->size(), 1);
        }
        // Pruned rows leave no tags behind: similar() only returns live incidents.
        const auto similar = kb.similar(crashLoop(QStringLiteral("x/y"), QStringLiteral("p")), 50);
        QCOMPARE(similar->size(), 5);
    }

    void corruptFileIsATypedError() {
        const QString file = path(QStringLiteral("corrupt.sqlite"));
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QByteArray garbage;
            for (int i = 0; i < 4096; ++i)
                garbage += "this is not an SQLite database ";
            f.write(garbage);
        }
        KnowledgeBase kb(file);
        QVERIFY(!kb.isOpen());
        QCOMPARE(kb.error().kind, Error::Kind::Io);
        QVERIFY2(kb.error().shortMessage.contains(QStringLiteral("damaged")),
                 qPrintable(kb.error().toString()));
        // Every call answers with that error instead of failing strangely.
        const Result<qint64> r = kb.record(crashLoop(QStringLiteral("a/b"), QStringLiteral("p")),
                                           {}, QStringLiteral("i"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Io);
        QVERIFY(!kb.similar(Diagnosis{}, 5).ok());
        QVERIFY(!kb.search(QStringLiteral("x")).ok());
        QVERIFY(!kb.recordResolution(1, QStringLiteral("x")).ok());
    }

    void unwritableLocationIsATypedError() {
        // A regular file where the folder should be (root ignores permission bits).
        const QString blocker = path(QStringLiteral("blocker"));
        {
            QFile f(blocker);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("x");
        }
        KnowledgeBase kb(blocker + QStringLiteral("/kb/knowledge.sqlite"));
        QVERIFY(!kb.isOpen());
        QCOMPARE(kb.error().kind, Error::Kind::Io);
        QVERIFY(!kb.error().shortMessage.isEmpty());
        QVERIFY(!kb.count().ok());
    }
};

QTEST_GUILESS_MAIN(TestKnowledgeBase)
#include "tst_knowledgebase.moc"
