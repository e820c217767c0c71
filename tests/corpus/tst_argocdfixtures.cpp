// Every real Application object in ../shared/argocd/fixtures parses into a sensible AppSummary.

#include "argocd/appparser.h"
#include "core/yamljson.h"

#include <QDir>
#include <QFile>
#include <QTest>

#include <yaml-cpp/yaml.h>

using namespace sextant;
using namespace sextant::argocd;
using json = nlohmann::json;

namespace {

const QString kFixtures = QStringLiteral(SEXTANT_SHARED_DIR "/argocd/fixtures");

QStringList applicationFixtures() {
    QStringList out;
    const QStringList files =
        QDir(kFixtures).entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name);
    for (const QString& f : files) {
        QFile file(QDir(kFixtures).filePath(f));
        if (file.open(QIODevice::ReadOnly) && file.readAll().contains("\nkind: Application\n"))
            out << f;
    }
    return out;
}

Result<AppSummary> load(const QString& name) {
    const YAML::Node doc = YAML::LoadFile(QDir(kFixtures).filePath(name).toStdString());
    return parseApplication(sextant::yamlToJson(doc), QStringLiteral("corpus"));
}

} // namespace

class TestArgoCdFixtures : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        if (!QDir(kFixtures).exists())
            QSKIP("../shared/argocd/fixtures is not present (only on project machines and CI)");
    }

    void everyApplicationParses() {
        const QStringList files = applicationFixtures();
        QVERIFY2(files.size() >= 5, qPrintable(files.join(QLatin1Char(','))));
        for (const QString& f : files) {
            const auto r = load(f);
            QVERIFY2(r.ok(), qPrintable(f + QStringLiteral(": ") +
                                        (r.ok() ? QString() : r.error().toString())));
            const AppSummary& a = *r;
            // Statuses are either recognised or Unknown; never garbage.
            QVERIFY(!toString(a.sync).isEmpty());
            QVERIFY(!toString(a.health).isEmpty());
            if (!a.name.isEmpty()) {
                QVERIFY2(!a.project.isEmpty(), qPrintable(f));
                QVERIFY2(!a.cluster().isEmpty(), qPrintable(f));
                QVERIFY2(!a.repoURL.isEmpty(), qPrintable(f));
            }
            // The same object as a one-item list parses the same way.
            const YAML::Node doc = YAML::LoadFile(QDir(kFixtures).filePath(f).toStdString());
            const std::string body =
                json{{"items", json::array({sextant::yamlToJson(doc)})}}.dump();
            const auto list =
                parseApplicationList(QByteArray::fromStdString(body), QStringLiteral("corpus"));
            QVERIFY(list.ok());
            QVERIFY(list->apps.first() == a);
        }
    }

    void fullStatusApplication() {
        const auto r =
            load(QStringLiteral("app-full-status-history-operationstate-resources.yaml"));
        QVERIFY(r.ok());
        QCOMPARE(r->name, QStringLiteral("velero-test"));
        QCOMPARE(r->appNamespace, QStringLiteral("argo-cd"));
        QCOMPARE(r->project, QStringLiteral("sre"));
        QCOMPARE(r->cluster(), QStringLiteral("gke-alpha-01-europe-west1"));
        QCOMPARE(r->destNamespace, QStringLiteral("test-lla"));
        QCOMPARE(r->path, QStringLiteral("instances/test"));
        QCOMPARE(toString(r->health), QStringLiteral("Healthy"));
        QCOMPARE(toString(r->operationPhase), QStringLiteral("Succeeded"));
        QCOMPARE(r->operationStartedAt, QDateTime(QDate(2024, 3, 5), QTime(7, 33, 3), Qt::UTC));
        QCOMPARE(r->operationFinishedAt, QDateTime(QDate(2024, 3, 5), QTime(7, 33, 4), Qt::UTC));
        QCOMPARE(r->resourceVersion, QStringLiteral("722811357"));
        QVERIFY(r->labels.contains(qMakePair(QStringLiteral("preview"), QStringLiteral("true"))));
        QVERIFY(!r->images.isEmpty());
        QVERIFY(!r->deleting);
    }

    void referenceManifest() {
        const auto r = load(QStringLiteral("application-spec-reference-all-fields.yaml"));
        QVERIFY(r.ok());
        QCOMPARE(r->name, QStringLiteral("guestbook"));
        QCOMPARE(r->project, QStringLiteral("default"));
        QVERIFY(r->autoSync);     // automated.enabled: true
        QVERIFY(!r->multiSource); // spec.source wins when both are present
    }

    void minimalHealth() {
        const auto degraded = load(QStringLiteral("app-health-degraded-minimal.yaml"));
        QVERIFY(degraded.ok());
        QCOMPARE(toString(degraded->health), QStringLiteral("Degraded"));
        QVERIFY(degraded->name.isEmpty());
        const auto healthy = load(QStringLiteral("app-health-healthy-minimal.yaml"));
        QVERIFY(healthy.ok());
        QCOMPARE(toString(healthy->health), QStringLiteral("Healthy"));
    }

    void appOfAppsChild() {
        const auto live = load(QStringLiteral("app-of-apps-child-application-live.yaml"));
        QVERIFY(live.ok());
        QCOMPARE(live->name, QStringLiteral("argo-workflows"));
        QCOMPARE(live->cluster(), QStringLiteral("in-cluster"));
        QVERIFY(live->autoSync);
        const auto target = load(QStringLiteral("app-of-apps-child-application-target.yaml"));
        QVERIFY(target.ok());
        QVERIFY(live->targetRevision != target->targetRevision);
    }
};

QTEST_GUILESS_MAIN(TestArgoCdFixtures)
#include "tst_argocdfixtures.moc"
