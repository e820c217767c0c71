// `sextant-cli pr describe` on the real history of kostis-codefresh/gitops-environment-promotion
// (../shared/gitops-corpus, see its SOURCES.md), one commit at a time (its parent → it), with the
// Applications of tests/data/gitops/promotion-apps.yaml. For every commit: exactly the
// environments it touches (the same expectations as tst_impactcorpus, read from the commits) and,
// when a kustomize renderer is installed, what changed: the summary lines, the number of object
// changes, the risks by rule, and object-level facts for the commits that make a point (an image
// promoted to one region, a base change everywhere, namePrefix renames, replicas moved to a
// component, settings added). Without a renderer the impact is asserted and the command must
// still succeed. Prints the time of each describe; asserts none.

#include "processrun.h"
#include "promotioncorpus.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace sextant::test;
using namespace sextant::test::promotion;

namespace {

const QString kRepoURL =
    QStringLiteral("https://github.com/kostis-codefresh/gitops-environment-promotion.git");

// What the rendered objects say, per commit: the number of object changes, the summary lines
// (in order) and the risks as "rule xN".
struct Rendered {
    int objectChanges = 0;
    QStringList summary;
    QStringList risks;
};

QHash<QString, Rendered> expectedRendered() {
    return {
        {"8d9c9be", {0, {}, {}}},
        {"bc37446", {0, {}, {}}},
        {"68e4307", {0, {}, {}}},
        {"5541297",
         {2,
          {"2 objects added (Deployment integration/simple-deployment, Service "
           "integration/simple-service)"},
          {}}},
        {"b5fd818",
         {21,
          {"containers[webserver-simple].env[ENV].value integration → integration-gpu in "
           "Deployment integration/simple-deployment on test-gpu",
           "20 objects added"},
          {"blast-radius x1", "production x3"}}},
        {"be40511",
         {3,
          {"replicas 4 → 3 in 2 Deployments on 2 clusters",
           "replicas 2 → 3 in Deployment qa/simple-deployment on test"},
          {}}},
        {"d53156f",
         {1, {"image simple-env-app 2.0 → 1.0 in Deployment qa/simple-deployment on test"}, {}}},
        {"bbda068",
         {8,
          {"containers[webserver-simple].env[PAYPAL_URL].value staging.paypal.com → "
           "staging2.paypal.com in 8 Deployments on 7 clusters"},
          {"blast-radius x1"}}},
        {"4f40e8a",
         {20, {"20 objects renamed"}, {"blast-radius x1", "object-renamed x20", "production x3"}}},
        {"0f9ea22",
         {1,
          {"image simple-env-app 2.0 → 3.0 in Deployment prod/prod-asia-simple-deployment on "
           "prod-asia"},
          {"production x1"}}},
        {"2de4a23",
         {1,
          {"image simple-env-app 2.0 → 3.0 in Deployment prod/prod-eu-simple-deployment on "
           "prod-eu"},
          {"production x1"}}},
        {"a836148",
         {4,
          {"replicas 4 → 3 in 2 Deployments on 2 clusters",
           "2 objects renamed (Deployment integration/simple-deployment → "
           "integration/integration-gpu-simple-deployment, Service integration/simple-service → "
           "integration/integration-gpu-simple-service)"},
          {"blast-radius x1", "object-renamed x2"}}},
        {"56bb155",
         {1,
          {"containers[webserver-simple].env[UI_THEME] added ({name: UI_THEME, value: dark}) in "
           "Deployment integration/integration-gpu-simple-deployment on test-gpu",
           "containers[webserver-simple].env[CACHE_SIZE] added ({name: CACHE_SIZE, value: 1024kb}) "
           "in Deployment integration/integration-gpu-simple-deployment on test-gpu",
           "containers[webserver-simple].env[PAGE_LIMIT] added ({name: PAGE_LIMIT, value: \"25\"}) "
           "in Deployment integration/integration-gpu-simple-deployment on test-gpu",
           "containers[webserver-simple].env[SORTING] added ({name: SORTING, value: ascending}) in "
           "Deployment integration/integration-gpu-simple-deployment on test-gpu",
           "containers[webserver-simple].env[N_BUCKETS] added ({name: N_BUCKETS, value: \"42\"}) "
           "in Deployment integration/integration-gpu-simple-deployment on test-gpu"},
          {}}},
        {"da2bdfe",
         {1,
          {"image simple-env-app 2.0 → 1.0 in Deployment "
           "integration/integration-gpu-simple-deployment on test-gpu"},
          {}}},
        {"505fa1f",
         {11,
          {"containers[webserver-simple].imagePullPolicy added (Always) in 11 Deployments on 10 "
           "clusters"},
          {"blast-radius x1", "production x3"}}},
        {"d562d49",
         {10,
          {"containers[webserver-simple].env[UI_THEME] added ({name: UI_THEME, value: dark}) in 10 "
           "Deployments on 9 clusters",
           "containers[webserver-simple].env[CACHE_SIZE] added ({name: CACHE_SIZE, value: 1024kb}) "
           "in 10 Deployments on 9 clusters",
           "containers[webserver-simple].env[PAGE_LIMIT] added ({name: PAGE_LIMIT, value: \"25\"}) "
           "in 10 Deployments on 9 clusters",
           "containers[webserver-simple].env[SORTING] added ({name: SORTING, value: ascending}) in "
           "10 Deployments on 9 clusters",
           "containers[webserver-simple].env[N_BUCKETS] added ({name: N_BUCKETS, value: \"42\"}) "
           "in 10 Deployments on 9 clusters"},
          {"blast-radius x1", "production x3"}}},
        {"6e26ebf",
         {4,
          {"containers[webserver-simple].env[UI_THEME].value dark → light in 3 Deployments on 3 "
           "clusters",
           "containers[webserver-simple].env[PAGE_LIMIT].value 25 → 50 in 2 Deployments on 2 "
           "clusters",
           "containers[webserver-simple].env[SORTING].value ascending → descending in Deployment "
           "integration/integration-non-gpu-simple-deployment on test",
           "containers[webserver-simple].env[N_BUCKETS].value 42 → 48 in Deployment "
           "integration/integration-non-gpu-simple-deployment on test",
           "containers[webserver-simple].env[CACHE_SIZE].value 1024kb → 2048kb in Deployment "
           "qa/qa-simple-deployment on test",
           "containers[webserver-simple].env[N_BUCKETS].value 42 → 24 in Deployment "
           "staging/staging-us-simple-deployment on staging-us"},
          {"blast-radius x1"}}},
        {"c6924e2", {0, {}, {}}},
        {"98ed32c", {0, {}, {}}},
        {"327d8ff", {0, {}, {}}},
        {"c99a92c", {0, {}, {}}},
    };
}

bool run(const QString& program, const QStringList& args, const QString& cwd,
         QByteArray* out = nullptr) {
    QProcess p;
    p.setWorkingDirectory(cwd);
    p.start(program, args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("%s %s failed: %s", qPrintable(program), qPrintable(args.join(' ')),
                 p.readAllStandardError().constData());
        return false;
    }
    if (out)
        *out = p.readAllStandardOutput();
    return true;
}

QStringList sorted(QStringList l) {
    l.sort();
    return l;
}

QStringList strings(const QJsonValue& v) {
    QStringList out;
    for (const QJsonValue& s : v.toArray())
        out << s.toString();
    return out;
}

QString str(const QJsonObject& o, const char* key) {
    return o.value(QLatin1String(key)).toString();
}

// "rule xN" per rule, sorted.
QStringList riskCounts(const QJsonArray& risks) {
    std::map<QString, int> counts;
    for (const QJsonValue& r : risks)
        ++counts[str(r.toObject(), "rule")];
    QStringList out;
    for (const auto& [rule, n] : counts)
        out << QStringLiteral("%1 x%2").arg(rule).arg(n);
    return out;
}

struct Timing {
    QString commit;
    int apps = 0;
    qint64 wallMs = 0, impactMs = 0, renderMs = 0, totalMs = 0;
};

} // namespace

class TestPrCorpus : public QObject {
    Q_OBJECT
private slots:
    void everyCommit();

private:
    // Object-level facts of the commits that make a point (a renderer is installed).
    void checkObjects(const QString& commit, const QJsonObject& j,
                      const QHash<QString, QString>& envOfApp);
};

void TestPrCorpus::checkObjects(const QString& commit, const QJsonObject& j,
                                const QHash<QString, QString>& envOfApp) {
    const QJsonArray changes = j.value(QLatin1String("changes")).toArray();
    const QString image = QStringLiteral("docker.io/kostiscodefresh/simple-env-app:");
    if (commit == QLatin1String("0f9ea22") || commit == QLatin1String("2de4a23")) {
        // Version 3 promoted to one production region.
        const QString env = commit == QLatin1String("0f9ea22") ? "prod-asia" : "prod-eu";
        QCOMPARE(changes.size(), 1);
        const QJsonObject c = changes.first().toObject();
        QCOMPARE(str(c, "app"), "promotion-" + env);
        QCOMPARE(str(c, "kind"), QStringLiteral("Deployment"));
        QCOMPARE(str(c, "namespace"), QStringLiteral("prod"));
        QCOMPARE(str(c, "name"), env + "-simple-deployment");
        QCOMPARE(str(c, "change"), QStringLiteral("changed"));
        const QJsonArray fields = c.value(QLatin1String("fields")).toArray();
        QCOMPARE(fields.size(), 1);
        const QJsonObject f = fields.first().toObject();
        QCOMPARE(str(f, "path"),
                 QStringLiteral("spec.template.spec.containers[webserver-simple].image"));
        QCOMPARE(str(f, "before"), image + "2.0");
        QCOMPARE(str(f, "after"), image + "3.0");
    } else if (commit == QLatin1String("505fa1f")) {
        // base/deployment.yml: imagePullPolicy Always in every environment's Deployment.
        QSet<QString> envs;
        for (const QJsonValue& v : changes) {
            const QJsonObject c = v.toObject();
            envs.insert(envOfApp.value(str(c, "app")));
            QCOMPARE(str(c, "kind"), QStringLiteral("Deployment"));
            QCOMPARE(str(c, "change"), QStringLiteral("changed"));
            const QJsonArray fields = c.value(QLatin1String("fields")).toArray();
            QCOMPARE(fields.size(), 1);
            const QJsonObject f = fields.first().toObject();
            QCOMPARE(
                str(f, "path"),
                QStringLiteral("spec.template.spec.containers[webserver-simple].imagePullPolicy"));
            QCOMPARE(str(f, "change"), QStringLiteral("added"));
            QCOMPARE(str(f, "after"), QStringLiteral("Always"));
        }
        QCOMPARE(sorted(QStringList(envs.begin(), envs.end())), sorted(kAll));
    } else if (commit == QLatin1String("4f40e8a")) {
        // namePrefix: every Deployment and Service renamed to <env>-<name> in its namespace,
        // each rename a risk of its application.
        QSet<QString> renamedIn;
        for (const QJsonValue& v : changes) {
            const QJsonObject c = v.toObject();
            const QString env = envOfApp.value(str(c, "app"));
            QCOMPARE(str(c, "change"), QStringLiteral("renamed"));
            QVERIFY(str(c, "oldName") == QLatin1String("simple-deployment") ||
                    str(c, "oldName") == QLatin1String("simple-service"));
            QCOMPARE(str(c, "name"), env + QLatin1Char('-') + str(c, "oldName"));
            QCOMPARE(str(c, "oldNamespace"), str(c, "namespace"));
            renamedIn.insert(env);
        }
        QCOMPARE(sorted(QStringList(renamedIn.begin(), renamedIn.end())),
                 sorted(allBut("integration-gpu")));
        QSet<QString> riskApps;
        for (const QJsonValue& v : j.value(QLatin1String("risks")).toArray()) {
            const QJsonObject r = v.toObject();
            if (str(r, "rule") == QLatin1String("object-renamed")) {
                riskApps.insert(envOfApp.value(str(r, "app")));
                QVERIFY(!str(r, "reason").isEmpty());
            }
        }
        QCOMPARE(riskApps, renamedIn);
    } else if (commit == QLatin1String("be40511")) {
        // Per-environment replicas.yml removed, replicas: 3 from the shared non-prod component.
        QStringList replicas;
        for (const QJsonValue& v : changes) {
            const QJsonObject c = v.toObject();
            const QJsonArray fields = c.value(QLatin1String("fields")).toArray();
            QCOMPARE(fields.size(), 1);
            const QJsonObject f = fields.first().toObject();
            QCOMPARE(str(f, "path"), QStringLiteral("spec.replicas"));
            replicas << QStringLiteral("%1 %2 %3 -> %4")
                            .arg(envOfApp.value(str(c, "app")), str(c, "name"), str(f, "before"),
                                 str(f, "after"));
        }
        QCOMPARE(sorted(replicas), sorted({"integration-gpu simple-deployment 4 -> 3",
                                           "integration-non-gpu simple-deployment 4 -> 3",
                                           "qa simple-deployment 2 -> 3"}));
    } else if (commit == QLatin1String("d562d49")) {
        // settings.yml: five environment variables added to ten Deployments.
        for (const QJsonValue& v : changes) {
            const QJsonObject c = v.toObject();
            QStringList added;
            for (const QJsonValue& f : c.value(QLatin1String("fields")).toArray()) {
                QCOMPARE(str(f.toObject(), "change"), QStringLiteral("added"));
                added << str(f.toObject(), "path");
            }
            const QString prefix =
                QStringLiteral("spec.template.spec.containers[webserver-simple].env[");
            QCOMPARE(sorted(added),
                     sorted({prefix + "CACHE_SIZE]", prefix + "N_BUCKETS]", prefix + "PAGE_LIMIT]",
                             prefix + "SORTING]", prefix + "UI_THEME]"}));
        }
    }
}

void TestPrCorpus::everyCommit() {
    if (!QFile::exists(kBundle))
        QSKIP("../shared/gitops-corpus is not present");
    if (QStandardPaths::findExecutable("git").isEmpty())
        QSKIP("git is not installed");
    QVERIFY2(QFile::exists(binary("sextant-cli")), "build the sextant-cli target first");
    const bool renderer = !QStandardPaths::findExecutable("kubectl").isEmpty() ||
                          !QStandardPaths::findExecutable("kustomize").isEmpty();

    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString repo = tmp.filePath("corpus");
    QVERIFY(run("git", {"clone", "--quiet", kBundle, repo}, tmp.path()));
    QByteArray log;
    QVERIFY(run("git", {"log", "--reverse", "--format=%h %H %P", "--abbrev=7"}, repo, &log));

    const QHash<QString, QStringList> expected = expectedEnvironments();
    const QHash<QString, Rendered> rendered = expectedRendered();
    QSet<QString> checked;
    std::vector<Timing> timings;
    for (const QByteArray& line : log.split('\n')) {
        const QStringList parts = QString::fromUtf8(line).split(' ', Qt::SkipEmptyParts);
        if (parts.size() < 2)
            continue;
        QVERIFY2(parts.size() <= 3, "the corpus has no merge commits");
        if (parts.size() == 2)
            continue; // the root commit has no parent to compare with
        const QString abbrev = parts[0];
        const QString sha = parts[1];
        QVERIFY2(expected.contains(abbrev), qPrintable("no expectation for commit " + abbrev));

        QElapsedTimer timer;
        timer.start();
        const ProcessRun r =
            runCli({"pr", "describe", "--repo", repo, "--base", sha + "~1", "--head", sha, "--apps",
                    kApps, "--repo-url", kRepoURL, "--output", "json"});
        const qint64 wallMs = timer.elapsed();
        QVERIFY2(r.exitCode == 0, qPrintable(abbrev + ": " + QString::fromUtf8(r.err)));
        QJsonParseError error{};
        const QJsonObject j = QJsonDocument::fromJson(r.out, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));

        // Impact: exactly the environments of the commit, through changed files only.
        QByteArray changedOut;
        QVERIFY(run("git", {"diff", "--name-only", "--no-renames", sha + "~1", sha}, repo,
                    &changedOut));
        const QSet<QString> changed = [&] {
            QSet<QString> s;
            for (const QByteArray& f : changedOut.split('\n'))
                if (!f.isEmpty())
                    s.insert(QString::fromUtf8(f));
            return s;
        }();
        QHash<QString, QString> envOfApp;
        QStringList envs;
        for (const QJsonValue& v : j.value(QLatin1String("impacted")).toArray()) {
            const QJsonObject e = v.toObject();
            envOfApp.insert(str(e, "app"), str(e, "environment"));
            envs << str(e, "environment");
            QCOMPARE(str(e, "app"), "promotion-" + str(e, "environment"));
            QVERIFY(!strings(e.value(QLatin1String("files"))).isEmpty());
            for (const QString& f : strings(e.value(QLatin1String("files"))))
                QVERIFY2(changed.contains(f), qPrintable(abbrev + ": " + f));
        }
        QVERIFY2(sorted(envs) == sorted(expected.value(abbrev)),
                 qPrintable(QStringLiteral("%1: got [%2], expected [%3]")
                                .arg(abbrev, sorted(envs).join(", "),
                                     sorted(expected.value(abbrev)).join(", "))));
        for (const QJsonValue& v : j.value(QLatin1String("changes")).toArray())
            QVERIFY(envOfApp.contains(str(v.toObject(), "app")));
        const QString markdown = str(j, "markdown");
        QVERIFY(markdown.startsWith(QLatin1String("### Summary")));
        // The footer names the revisions; a long description (the raw YAML of b5fd818 gives
        // 370 new policy results) continues in the overflow parts.
        const QString allParts =
            markdown + strings(j.value(QLatin1String("overflow"))).join(QLatin1Char('\n'));
        QVERIFY2(allParts.contains(sha.left(12)), qPrintable(abbrev));

        if (renderer) {
            QVERIFY2(rendered.contains(abbrev), qPrintable("no object expectation for " + abbrev));
            const Rendered& want = rendered.value(abbrev);
            const QJsonArray changes = j.value(QLatin1String("changes")).toArray();
            QVERIFY2(changes.size() == want.objectChanges,
                     qPrintable(QStringLiteral("%1: %2 object changes, expected %3")
                                    .arg(abbrev)
                                    .arg(changes.size())
                                    .arg(want.objectChanges)));
            const QStringList summary = strings(j.value(QLatin1String("summary")));
            QVERIFY2(summary == want.summary,
                     qPrintable(abbrev + ": summary\n  " + summary.join("\n  ")));
            const QStringList risks = riskCounts(j.value(QLatin1String("risks")).toArray());
            QVERIFY2(risks == want.risks, qPrintable(abbrev + ": risks " + risks.join(", ")));
            checkObjects(abbrev, j, envOfApp);
            if (QTest::currentTestFailed())
                return;
        } else if (!envs.isEmpty()) {
            QVERIFY(strings(j.value(QLatin1String("notes")))
                        .join('\n')
                        .contains(QLatin1String("neither kubectl nor kustomize is installed")));
        }

        const QJsonObject t = j.value(QLatin1String("timings")).toObject();
        timings.push_back({abbrev, int(envs.size()), wallMs,
                           t.value(QLatin1String("impactMs")).toInteger(),
                           t.value(QLatin1String("renderMs")).toInteger(),
                           t.value(QLatin1String("totalMs")).toInteger()});
        checked.insert(abbrev);
    }
    // Every commit of the table but the root one (22d6cee), which has no parent to describe.
    QVERIFY(expected.contains(QStringLiteral("22d6cee")));
    QVERIFY(!checked.contains(QStringLiteral("22d6cee")));
    QCOMPARE(checked.size() + 1, expected.size());

    qint64 wall = 0;
    qInfo("commit   apps  wall ms  impact ms  render ms  describe ms (%s)",
          renderer ? "rendered" : "raw YAML, no renderer");
    for (const Timing& t : timings) {
        qInfo("%s %5d %8lld %10lld %10lld %12lld", qPrintable(t.commit), t.apps,
              qlonglong(t.wallMs), qlonglong(t.impactMs), qlonglong(t.renderMs),
              qlonglong(t.totalMs));
        wall += t.wallMs;
    }
    qInfo("%d commits described in %lld ms in total", int(timings.size()), qlonglong(wall));
}

QTEST_GUILESS_MAIN(TestPrCorpus)
#include "tst_prcorpus.moc"
