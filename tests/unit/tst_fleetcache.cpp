// The local fleet cache: round trip, shared strings, damaged and foreign files, atomic writes.

#include "argocd/appparser.h"
#include "fleet/fleetcache.h"

#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

using namespace sextant;
using argocd::AppSummary;
using fleet::FleetCache;

namespace {

QVector<AppSummary> makeApps(const QString& instance, int n) {
    QVector<AppSummary> apps;
    for (int i = 0; i < n; ++i) {
        AppSummary a;
        a.instance = instance;
        a.name = QStringLiteral("app-%1").arg(i);
        a.appNamespace = QStringLiteral("argocd");
        a.project = QStringLiteral("team-%1").arg(i % 3);
        a.destServer = QStringLiteral("https://kubernetes.default.svc");
        a.destName = i % 2 ? QStringLiteral("cluster-%1").arg(i % 5) : QString();
        a.destNamespace = QStringLiteral("ns-ü-%1").arg(i % 4);
        a.repoURL = QStringLiteral("https://git.example.com/repo.git");
        a.path = QStringLiteral("apps/%1").arg(i);
        a.targetRevision = QStringLiteral("HEAD");
        a.multiSource = i % 7 == 0;
        a.autoSync = i % 2 == 0;
        a.sync = argocd::SyncStatus(i % 3);
        a.syncRevision = QStringLiteral("abc%1").arg(i % 10);
        a.health = argocd::HealthStatus(i % 6);
        a.healthMessage = i % 5 ? QString() : QStringLiteral("Back-off pulling image");
        a.operationPhase = argocd::OperationPhase(i % 6);
        if (i % 3)
            a.operationStartedAt = QDateTime(QDate(2024, 5, 1), QTime(10, i % 60, 7), Qt::UTC);
        if (i % 4)
            a.operationFinishedAt = QDateTime(QDate(2024, 5, 1), QTime(11, 0, i % 60), Qt::UTC);
        a.createdAt = QDateTime(QDate(2023, 1, 1 + i % 28), QTime(0, 0), Qt::UTC);
        if (i % 2)
            a.labels = {{QStringLiteral("env"), QStringLiteral("prod")},
                        {QStringLiteral("team"), QStringLiteral("payments")}};
        if (i % 3 == 0)
            a.images = {QStringLiteral("nginx:1.25"), QStringLiteral("busybox:1")};
        a.deleting = i % 11 == 0;
        a.resourceVersion = QString::number(1000 + i);
        apps.append(a);
    }
    return apps;
}

} // namespace

class TestFleetCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("fleet.bin"));
        const QVector<AppSummary> apps = makeApps(QStringLiteral("prod"), 60);
        const QDateTime asOf = QDateTime(QDate(2024, 5, 2), QTime(8, 30, 1, 250), Qt::UTC);
        const Status saved = FleetCache::save(path, QStringLiteral("prod"), apps, asOf);
        QVERIFY2(saved.ok(), saved.ok() ? "" : qPrintable(saved.error().toString()));

        argocd::StringPool pool;
        const auto loaded = FleetCache::load(path, &pool);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().toString()));
        QCOMPARE(loaded->instanceId, QStringLiteral("prod"));
        QCOMPARE(loaded->asOf, asOf);
        QCOMPARE(loaded->apps.size(), apps.size());
        for (int i = 0; i < apps.size(); ++i) {
            const AppSummary& a = apps[i];
            const AppSummary& b = loaded->apps[i];
            QCOMPARE(b.instance, a.instance);
            QCOMPARE(b.name, a.name);
            QCOMPARE(b.appNamespace, a.appNamespace);
            QCOMPARE(b.project, a.project);
            QCOMPARE(b.destServer, a.destServer);
            QCOMPARE(b.destName, a.destName);
            QCOMPARE(b.destNamespace, a.destNamespace);
            QCOMPARE(b.repoURL, a.repoURL);
            QCOMPARE(b.path, a.path);
            QCOMPARE(b.targetRevision, a.targetRevision);
            QCOMPARE(b.multiSource, a.multiSource);
            QCOMPARE(b.autoSync, a.autoSync);
            QCOMPARE(int(b.sync), int(a.sync));
            QCOMPARE(b.syncRevision, a.syncRevision);
            QCOMPARE(int(b.health), int(a.health));
            QCOMPARE(b.healthMessage, a.healthMessage);
            QCOMPARE(int(b.operationPhase), int(a.operationPhase));
            QCOMPARE(b.operationStartedAt, a.operationStartedAt);
            QCOMPARE(b.operationStartedAt.isValid(), a.operationStartedAt.isValid());
            QCOMPARE(b.operationFinishedAt, a.operationFinishedAt);
            QCOMPARE(b.operationFinishedAt.isValid(), a.operationFinishedAt.isValid());
            QCOMPARE(b.createdAt, a.createdAt);
            QCOMPARE(b.labels, a.labels);
            QCOMPARE(b.images, a.images);
            QCOMPARE(b.deleting, a.deleting);
            QCOMPARE(b.resourceVersion, a.resourceVersion);
            QVERIFY(b == a);
        }
    }

    void emptyFleet() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("empty.bin"));
        QVERIFY(FleetCache::save(path, QStringLiteral("x"), {}, QDateTime()).ok());
        const auto loaded = FleetCache::load(path, nullptr);
        QVERIFY(loaded.ok());
        QVERIFY(loaded->apps.isEmpty());
        QVERIFY(!loaded->asOf.isValid());
    }

    void sharedStrings() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("fleet.bin"));
        QVERIFY(FleetCache::save(path, QStringLiteral("prod"), makeApps(QStringLiteral("prod"), 30),
                                 QDateTime::currentDateTimeUtc())
                    .ok());
        for (argocd::StringPool* pool :
             {static_cast<argocd::StringPool*>(nullptr), argocd::StringPool::shared()}) {
            const auto loaded = FleetCache::load(path, pool);
            QVERIFY(loaded.ok());
            const auto& apps = loaded->apps;
            // Equal values point at one d-pointer, across every field they appear in.
            QCOMPARE(apps[0].instance.constData(), apps[29].instance.constData());
            QCOMPARE(apps[0].repoURL.constData(), apps[1].repoURL.constData());
            QCOMPARE(apps[0].project.constData(), apps[3].project.constData());
            QCOMPARE(apps[1].labels.constData(), apps[3].labels.constData());
            QCOMPARE(apps[0].images.constData(), apps[3].images.constData());
            QCOMPARE(apps[1].labels[0].first.constData(), apps[5].labels[0].first.constData());
        }
        // Through the pool, a second load (and the live parser) get the same data.
        const auto a = FleetCache::load(path);
        const auto b = FleetCache::load(path);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a->apps[0].repoURL.constData(), b->apps[0].repoURL.constData());
        QCOMPARE(a->apps[1].labels.constData(), b->apps[1].labels.constData());
    }

    void rejectsRowsOfAnotherInstance() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("fleet.bin"));
        const Status saved = FleetCache::save(path, QStringLiteral("other"),
                                              makeApps(QStringLiteral("prod"), 2), {});
        QVERIFY(!saved.ok());
        QVERIFY(!QFile::exists(path));
    }

    void missingFile() {
        const auto loaded = FleetCache::load(QStringLiteral("/nonexistent/fleet-x.bin"));
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().kind, Error::Kind::NotFound);
    }

    void truncatedAndFlipped() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("fleet.bin"));
        QVERIFY(FleetCache::save(path, QStringLiteral("prod"), makeApps(QStringLiteral("prod"), 20),
                                 QDateTime::currentDateTimeUtc())
                    .ok());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray good = f.readAll();
        f.close();
        const QString damaged = dir.filePath(QStringLiteral("damaged.bin"));
        auto loadBytes = [&damaged](const QByteArray& bytes) {
            QFile out(damaged);
            if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
                qFatal("cannot write");
            out.write(bytes);
            out.close();
            return FleetCache::load(damaged, nullptr);
        };
        for (qsizetype cut = 0; cut < good.size(); cut += cut < 64 ? 1 : 7) {
            const auto r = loadBytes(good.left(cut));
            QVERIFY2(!r.ok(), qPrintable(QString::number(cut)));
            QCOMPARE(r.error().kind, Error::Kind::Protocol);
        }
        for (qsizetype at = 0; at < good.size(); at += at < 64 ? 1 : 5) {
            QByteArray bad = good;
            bad[at] = char(bad[at] ^ 0x5a);
            const auto r = loadBytes(bad);
            QVERIFY2(!r.ok(), qPrintable(QString::number(at)));
            QCOMPARE(r.error().kind, Error::Kind::Protocol);
        }
        // Trailing garbage.
        QVERIFY(!loadBytes(good + "x").ok());
    }

    void foreignAndWrongVersion() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("fleet.bin"));
        QVERIFY(FleetCache::save(path, QStringLiteral("prod"), makeApps(QStringLiteral("prod"), 3),
                                 QDateTime::currentDateTimeUtc())
                    .ok());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray good = f.readAll();
        f.close();
        auto write = [&path](const QByteArray& bytes) {
            QFile out(path);
            if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
                qFatal("cannot write");
            out.write(bytes);
        };

        write(QByteArray("{\"items\": []}\n").repeated(4));
        auto r = FleetCache::load(path, nullptr);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Protocol);
        QVERIFY(r.error().details.contains(QLatin1String("not a Sextant fleet cache")));

        QByteArray newer = good;
        {
            QDataStream s(&newer, QIODevice::ReadWrite);
            s.device()->seek(4);
            s << quint32(FleetCache::kVersion + 1);
        }
        write(newer);
        r = FleetCache::load(path, nullptr);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Protocol);
        QVERIFY(r.error().details.contains(QLatin1String("version")));

        write(QByteArray(4096, '\0'));
        QVERIFY(!FleetCache::load(path, nullptr).ok());
    }

    // A payload with a valid checksum but nonsense inside (a hand-made or buggy writer): the
    // counts and indices are checked, not trusted.
    void wellFormedButInconsistent() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("fleet.bin"));
        auto fnv = [](const QByteArray& b) {
            quint64 h = 14695981039346656037ull;
            for (char c : b) {
                h ^= quint8(c);
                h *= 1099511628211ull;
            }
            return h;
        };
        auto writePayload = [&](const QByteArray& payload) {
            QFile out(path);
            if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
                qFatal("cannot write");
            QDataStream s(&out);
            s << FleetCache::kMagic << FleetCache::kVersion << quint64(payload.size())
              << fnv(payload);
            s.writeRawData(payload.constData(), int(payload.size()));
        };
        auto le32 = [](quint32 v) {
            const quint32 x = qToLittleEndian(v);
            return QByteArray(reinterpret_cast<const char*>(&x), 4);
        };
        QByteArray head = le32(1) + "p" + QByteArray(8, '\0');
        // A string table claiming four billion entries.
        writePayload(head + le32(0xffffffff));
        QVERIFY(!FleetCache::load(path, nullptr).ok());
        // One string, empty list tables, one row whose name index is out of range.
        QByteArray body =
            head + le32(1) + le32(0) + le32(1) + le32(0) + le32(1) + le32(0) + le32(1);
        QByteArray row = le32(5) + QByteArray(13 * 4 + 3 * 8 + 4, '\0');
        writePayload(body + row);
        auto r = FleetCache::load(path, nullptr);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Protocol);
        // The same row with a valid (but empty) name is refused too.
        writePayload(body + QByteArray(14 * 4 + 3 * 8 + 4, '\0'));
        QVERIFY(!FleetCache::load(path, nullptr).ok());
    }

    void atomicOverwrite() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sub/fleet.bin"));
        QVERIFY(FleetCache::save(path, QStringLiteral("prod"), makeApps(QStringLiteral("prod"), 5),
                                 QDateTime::currentDateTimeUtc())
                    .ok());
        QVERIFY(FleetCache::save(path, QStringLiteral("prod"), makeApps(QStringLiteral("prod"), 9),
                                 QDateTime::currentDateTimeUtc())
                    .ok());
        const auto loaded = FleetCache::load(path, nullptr);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->apps.size(), 9);
        // No temporary files are left next to it.
        QCOMPARE(QDir(dir.filePath(QStringLiteral("sub"))).entryList(QDir::Files),
                 QStringList{QStringLiteral("fleet.bin")});
        // A write that fails leaves the previous file intact.
        const Status failed = FleetCache::save(path, QStringLiteral("other"),
                                               makeApps(QStringLiteral("prod"), 1), {});
        QVERIFY(!failed.ok());
        QCOMPARE(FleetCache::load(path, nullptr)->apps.size(), 9);
    }

    void defaultPathIsSafe() {
        const QString p = FleetCache::defaultPath(QStringLiteral("../a/b c"));
        QVERIFY(p.endsWith(QLatin1String("/fleet-.._a_b_c.bin")));
        QVERIFY(!QFileInfo(p).fileName().contains(QLatin1Char('/')));
    }
};

QTEST_GUILESS_MAIN(TestFleetCache)
#include "tst_fleetcache.moc"
