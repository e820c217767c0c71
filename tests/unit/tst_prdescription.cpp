// The PR description: sections, redaction, the size budget (fold, omit, split), JSON model.

#include "gitops/prdescription.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTest>

using namespace sextant;
using namespace sextant::gitops;

namespace {

std::vector<policy::KubeObject> parse(const QByteArray& yaml) {
    auto r = policy::parseManifests(yaml, QStringLiteral("test.yaml"));
    return r ? *r : std::vector<policy::KubeObject>{};
}

QByteArray deployment(const QByteArray& name, const QByteArray& image, int replicas, int envVars) {
    QByteArray y = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
                   "\n  namespace: shop\nspec:\n  replicas: " + QByteArray::number(replicas) +
                   "\n  selector:\n    matchLabels: {app: web}\n  template:\n    spec:\n"
                   "      containers:\n      - name: web\n        image: " +
                   image + "\n        env:\n";
    for (int i = 0; i < envVars; ++i)
        y += "        - name: VAR_" + QByteArray::number(i) + "\n          value: v" +
             QByteArray::number(i) + image.right(1) + "\n";
    return y;
}

const QByteArray kSecretBase = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
                               "  namespace: shop\ndata:\n  password: T0xELVZBTFVF\n";
const QByteArray kSecretHead = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
                               "  namespace: shop\ndata:\n  password: TkVXLVZBTFVF\n";

AppChanges makeApp(const QString& name, const QString& cluster, const QString& env,
                   const QByteArray& base, const QByteArray& head) {
    AppChanges a;
    a.app.app = name;
    a.app.instance = QStringLiteral("argocd-main");
    a.app.cluster = cluster;
    a.app.environment = env;
    a.app.destNamespace = QStringLiteral("shop");
    a.app.production = env == QLatin1String("prod");
    a.renderer = QStringLiteral("kubectl-kustomize");
    a.changes = diffObjects(parse(base), parse(head));
    return a;
}

RiskCatalogue testCatalogue() {
    auto c = RiskCatalogue::fromYaml(
        "rules:\n"
        "- {id: production, severity: warning, title: Production, reason: '{app} on {cluster}',"
        " check: production}\n"
        "- {id: secret-changed, severity: warning, title: Secret, reason: '{object} {fields}',"
        " check: object, params: {kinds: [/Secret], changes: [changed]}}\n",
        QStringLiteral("test"));
    return *c;
}

DescriptionInput input(int apps, int envVars, bool identical) {
    DescriptionInput in;
    in.baseRevision = QStringLiteral("abc1234");
    in.headRevision = QStringLiteral("def5678");
    for (int i = 0; i < apps; ++i) {
        const QByteArray image =
            identical ? "shop/web:1.5.0" : "shop/web:1.5." + QByteArray::number(i);
        in.apps.push_back(makeApp(QStringLiteral("shop-%1").arg(i),
                                  QStringLiteral("cluster-%1").arg(i % 3),
                                  i % 2 ? QStringLiteral("prod") : QStringLiteral("staging"),
                                  deployment("web", "shop/web:1.4.2", 2, envVars) + kSecretBase,
                                  deployment("web", image, 4, envVars) + kSecretHead));
    }
    in.risks = assessRisks(in.apps, testCatalogue());
    in.changedFiles = {QStringLiteral("apps/web/base/deployment.yaml")};
    in.codeOwners = CodeOwners::parse("apps/ @org/apps\n", CodeOwners::Syntax::GitHub,
                                      QStringLiteral("CODEOWNERS"));
    in.policyChecked = true;
    in.elapsedMs = 1234;
    return in;
}

// A large, varied change for the golden test: 100 app groups × 3 environments = 300
// applications with 3 object changes each (an image bump shared by the group, a ConfigMap, and
// per group a Service type, a PVC resize, an RBAC wildcard or a changed Secret; replicas and a
// sync wave in production). Dev and stage of a group are identical (folded); diff sizes vary so
// the largest are omitted; the rest is split into comments.
QByteArray largeBase(int g, bool head, int envIndex) {
    const QByteArray n = QByteArray::number(g);
    const QByteArray ns = "shop-" + n;
    const int replicas = head && envIndex == 2 ? 5 : 3;
    QByteArray y = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-" + n +
                   "\n  namespace: " + ns + "\n";
    if (head && envIndex == 2 && g % 10 == 0)
        y += "  annotations:\n    argocd.argoproj.io/sync-wave: \"2\"\n";
    y += "spec:\n  replicas: " + QByteArray::number(replicas) +
         "\n  selector:\n    matchLabels: {app: web}\n  template:\n    spec:\n"
         "      containers:\n      - name: web\n        image: registry.example.com/web:1." +
         (head ? "1." : "0.") + n + "\n        env:\n";
    for (int i = 0; i < (g % 7) * 6; ++i)
        y += "        - name: VAR_" + QByteArray::number(i) + "\n          value: \"" +
             QByteArray::number(i * (head ? 3 : 2)) + "\"\n";
    y += "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-" + n +
         "\n  namespace: " + ns + "\ndata:\n  LOG_LEVEL: " + (head ? "debug" : "info") + "\n";
    if (head && g % 5 == 0)
        y += "  FEATURE_X: \"on\"\n";
    switch (g % 10) {
    case 0: // a Service type, and a port elsewhere (no risk)
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
    case 9:
        y += "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-" + n +
             "\n  namespace: " + ns +
             "\nspec:\n  type: " + (head && g % 10 == 0 ? "NodePort" : "ClusterIP") +
             "\n  ports:\n  - port: " + (head ? "8080" : "80") + "\n";
        break;
    case 1:
        y += "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data-" + n +
             "\n  namespace: " + ns +
             "\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n"
             "      storage: " +
             (head ? "20Gi" : "10Gi") + "\n";
        break;
    case 2:
        y += "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: "
             "reader-" +
             n + "\n  namespace: " + ns +
             "\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n"
             "  verbs: [" +
             (head && g % 20 == 2 ? "\"*\""
              : head              ? "get, list, watch"
                                  : "get, list") +
             "]\n";
        break;
    default:
        y += "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db-" + n +
             "\n  namespace: " + ns +
             "\ndata:\n  user: YWRtaW4=\n  password: " + (head ? "TkVXLVZBTFVF" : "T0xELVZBTFVF") +
             "\n";
        break;
    }
    return y;
}

DescriptionInput largeInput(int groups = 100) {
    static const char* envs[] = {"dev", "stage", "prod"};
    DescriptionInput in;
    in.baseRevision = QStringLiteral("4f1c2ab");
    in.headRevision = QStringLiteral("9e0d7c3");
    for (int g = 0; g < groups; ++g) {
        for (int e = 0; e < 3; ++e) {
            AppChanges a =
                makeApp(QStringLiteral("web-%1-%2").arg(g).arg(QLatin1String(envs[e])),
                        QStringLiteral("%1-%2").arg(QLatin1String(envs[e])).arg(g % 4),
                        QLatin1String(envs[e]), largeBase(g, false, e), largeBase(g, true, e));
            a.app.instance = QStringLiteral("argocd");
            a.app.production = e == 2 && g % 5 == 0;
            if (g % 10 == 0)
                a.app.annotations.insert(QStringLiteral("link.argocd.argoproj.io/Grafana"),
                                         QStringLiteral("https://grafana/d/%1").arg(g));
            if (a.changes.size() != 3)
                qFatal("largeInput: app %d/%d has %d changes", g, e, int(a.changes.size()));
            in.apps.push_back(std::move(a));
        }
    }
    in.risks = assessRisks(in.apps);
    for (int g = 0; g < 100; ++g)
        in.changedFiles << QStringLiteral("apps/web-%1/base/deployment.yaml").arg(g);
    in.codeOwners = CodeOwners::parse("* @org/platform\napps/web-1*/ @org/web-team\n",
                                      CodeOwners::Syntax::GitHub, QStringLiteral("CODEOWNERS"));
    in.policyChecked = true;
    for (int g = 0; g < 100; g += 20) {
        PolicyDelta p;
        p.app = QStringLiteral("web-%1-prod").arg(g);
        policy::Violation v;
        v.rule = QStringLiteral("required-labels");
        v.kind = QStringLiteral("Deployment");
        v.ns = QStringLiteral("shop-%1").arg(g);
        v.name = QStringLiteral("web-%1").arg(g);
        v.message = QStringLiteral("metadata.labels has no app.kubernetes.io/name");
        (g % 40 ? p.fixed : p.introduced).push_back(v);
        in.policy.push_back(p);
    }
    in.elapsedMs = 4321;
    return in;
}

// `perApp` new policy results in each application of `in`; the same result in every application
// when `identical`, otherwise a message naming the application.
void addPolicyResults(DescriptionInput& in, int perApp, bool identical) {
    in.policyChecked = true;
    in.policy.clear();
    for (const AppChanges& a : in.apps) {
        PolicyDelta p;
        p.app = a.app.app;
        for (int r = 0; r < perApp; ++r) {
            policy::Violation v;
            v.rule = QStringLiteral("rule-%1").arg(r);
            v.severity = r % 3 ? policy::Severity::Warning : policy::Severity::Error;
            v.kind = QStringLiteral("Deployment");
            v.ns = QStringLiteral("shop");
            v.name = QStringLiteral("web");
            v.container = QStringLiteral("web");
            v.message = identical ? QStringLiteral("field %1 is unset, expected a value").arg(r)
                                  : QStringLiteral("field %1 is unset in %2, expected a value")
                                        .arg(r)
                                        .arg(a.app.app);
            p.introduced.push_back(v);
        }
        in.policy.push_back(p);
    }
}

QByteArray sha256(const QString& s) {
    return QCryptographicHash::hash(s.toUtf8(), QCryptographicHash::Sha256).toHex().left(16);
}

} // namespace

class TestPrDescription : public QObject {
    Q_OBJECT

private slots:
    void sectionsOfASmallChange() {
        DescriptionInput in = input(2, 2, true);
        in.apps[1].app.annotations.insert(QStringLiteral("link.argocd.argoproj.io/Dashboard"),
                                          QStringLiteral("https://grafana/d/shop"));
        in.apps[1].app.annotations.insert(QStringLiteral("runbook"),
                                          QStringLiteral("https://wiki/runbooks/shop"));
        const Description d = buildDescription(in);
        QCOMPARE(d.parts.size(), 1);
        QVERIFY(!d.split);
        const QString md = d.parts.front();
        for (const char* section :
             {"### Summary", "### Impacted applications (2)", "### Risks (", "### Policy results",
              "### Required approvals (CODEOWNERS)", "### Runbooks", "### Changes per application",
              "<details><summary><b>shop-0 (argocd-main)</b> (cluster-0, staging)"})
            QVERIFY2(md.contains(QLatin1String(section)), section);
        QVERIFY(md.contains(
            QStringLiteral("- image web 1.4.2 → 1.5.0 in 2 Deployments on 2 clusters")));
        QVERIFY(md.contains(QStringLiteral(
            "| cluster-1 | prod (production) | shop-1 | argocd-main | shop | +0 −0 ~2 |")));
        QVERIFY(md.contains(QStringLiteral("- @org/apps: `apps/web/base/deployment.yaml`")));
        QVERIFY(md.contains(QStringLiteral("- shop-1: [Dashboard](https://grafana/d/shop)")));
        QVERIFY(md.contains(QStringLiteral("- shop-1: [runbook](https://wiki/runbooks/shop)")));
        QVERIFY(md.contains(QStringLiteral("```diff\n")));
        QVERIFY(md.contains(QStringLiteral("+        image: shop/web:1.5.0")));
        QVERIFY(md.contains(QStringLiteral("described in 1.2 s")));
        // Risks sorted by severity, with reasons.
        QVERIFY(md.contains(QStringLiteral("`production` (shop-1): shop-1 on cluster-1")));
        // Secret values never appear, the key does.
        QVERIFY(!md.contains(QStringLiteral("T0xELVZBTFVF")) &&
                !md.contains(QStringLiteral("TkVXLVZBTFVF")));
        QVERIFY(md.contains(QStringLiteral("password: (redacted, changed)")));
        QCOMPARE(d.title, QStringLiteral("image web 1.4.2 → 1.5.0 in staging, prod"));
    }

    void identicalAppsAreFoldedFirst() {
        DescriptionInput in = input(12, 20, true);
        DescriptionOptions options;
        const int full = buildDescription(in, {1 << 24, 3}).parts.front().size();
        options.budget = full - 100;
        const Description d = buildDescription(in, options);
        QCOMPARE(d.parts.size(), 1);
        QCOMPARE(d.foldedApps, 11);
        QCOMPARE(d.omittedDiffs, 0);
        QVERIFY(d.parts.front().contains(
            QStringLiteral("Same object changes as **shop-0 (argocd-main)**")));
        QVERIFY(d.parts.front().size() <= options.budget);
    }

    void largestDiffsAreOmittedNext() {
        DescriptionInput in = input(1, 400, true);
        const int full = buildDescription(in, {1 << 24, 3}).parts.front().size();
        DescriptionOptions options;
        options.budget = full - 500;
        const Description d = buildDescription(in, options);
        QCOMPARE(d.parts.size(), 1);
        QCOMPARE(d.omittedDiffs, 1);
        QVERIFY(d.parts.front().size() <= options.budget);
        QVERIFY(d.parts.front().contains(QRegularExpression(
            QStringLiteral("_\\d+ diff lines omitted to stay within the size limit._"))));
        // The small Secret diff is kept.
        QVERIFY(d.parts.front().contains(QStringLiteral("password: (redacted, changed)")));
    }

    void hugeChangeIsSplitAndKeepsSummaryAndRisks() {
        DescriptionInput in = input(300, 30, false); // every app differs: nothing folds
        const QStringList summary = summarizeChanges(in.apps);
        const DescriptionOptions options{65536, 3};
        const Description d = buildDescription(in, options);
        QVERIFY(d.split);
        QVERIFY(d.parts.size() > 1);
        QString all;
        for (const QString& p : d.parts) {
            QVERIFY2(p.size() <= options.budget, qPrintable(QString::number(p.size())));
            all += p;
        }
        // The description itself holds the summary, the table start and the footer.
        QVERIFY(d.parts.front().contains(QStringLiteral("### Summary")));
        QVERIFY(d.parts.front().contains(QStringLiteral("### Impacted applications (300)")));
        for (const QString& line : summary)
            QVERIFY2(all.contains(QStringLiteral("- ") + line), qPrintable(line));
        for (const Risk& r : in.risks)
            QVERIFY2(all.contains(r.reason), qPrintable(r.reason));
        for (int i = 0; i < 300; ++i)
            QVERIFY(all.contains(QStringLiteral("| shop-%1 |").arg(i)));
        // A table continued in another part repeats its header.
        for (int i = 1; i < d.parts.size(); ++i) {
            if (d.parts[i].contains(QStringLiteral("| shop-")) &&
                !d.parts[i].contains(QStringLiteral("### Impacted")))
                QVERIFY(d.parts[i].contains(QStringLiteral("| Cluster | Environment |")));
        }
        QVERIFY(d.parts[1].startsWith(QStringLiteral("_Continued from the previous part")));
        QVERIFY(!all.contains(QStringLiteral("T0xELVZBTFVF")));
    }

    void tinyBudgetStillHoldsEveryRisk() {
        DescriptionInput in = input(40, 5, false);
        const DescriptionOptions options{4000, 3};
        const Description d = buildDescription(in, options);
        QString all;
        for (const QString& p : d.parts) {
            QVERIFY(p.size() <= options.budget);
            all += p;
        }
        QVERIFY(!in.risks.empty());
        for (const Risk& r : in.risks)
            QVERIFY(all.contains(r.reason));
    }

    // Policy results that alone exceed the budget are folded across applications: the
    // description keeps the summary, table, risks, the folded results and the footer.
    void identicalPolicyResultsAreFoldedAcrossApplications() {
        DescriptionInput in = input(12, 2, true);
        addPolicyResults(in, 60, true); // 720 results, ~100,000 characters one per line
        const DescriptionOptions options{65536, 3};
        const Description d = buildDescription(in, options);
        QVERIFY(d.split);
        const QString first = d.parts.front();
        for (const QString& p : d.parts)
            QVERIFY(p.size() <= options.budget);
        for (const char* section :
             {"### Summary", "### Impacted applications (12)", "### Risks (", "### Policy results",
              "720 new, 0 fixed.", "### Required approvals", "<sub>Sextant · 12 applications"})
            QVERIFY2(first.contains(QString::fromUtf8(section)), section);
        QStringList apps;
        for (int i = 0; i < 12; ++i)
            apps << QStringLiteral("shop-%1").arg(i);
        for (int r = 0; r < 60; ++r) {
            const QString line =
                QStringLiteral("- New in 12 applications: `rule-%1` (%2) Deployment shop/web "
                               "container web: field %1 is unset, expected a value — %3\n")
                    .arg(r)
                    .arg(r % 3 ? QStringLiteral("warning") : QStringLiteral("error"))
                    .arg(apps.join(QStringLiteral(", ")));
            QVERIFY2(first.contains(line), qPrintable(line));
        }
        QVERIFY(!first.contains(QStringLiteral("- New in shop-0:")));
        // The footer closes the description, before the pointer to the comments.
        QVERIFY(first.indexOf(QStringLiteral("<sub>Sextant")) >
                first.indexOf(QStringLiteral("### Required approvals")));
        QVERIFY(first.contains(QStringLiteral("_Per-application object diffs follow in")));
        // A namespace that differs between applications is left out of the folded line.
        DescriptionInput moved = input(12, 2, true);
        addPolicyResults(moved, 60, true);
        for (int i = 0; i < 12; ++i)
            for (policy::Violation& v : moved.policy[i].introduced)
                v.ns = QStringLiteral("ns-%1").arg(i);
        const QString movedFirst = buildDescription(moved, options).parts.front();
        QVERIFY(movedFirst.contains(QStringLiteral(
            "- New in 12 applications: `rule-0` (error) Deployment web container web:")));
    }

    // Results that differ per application do not fold: the description keeps a summary per rule
    // and the footer, the per-application results follow in the comments, none lost.
    void policyDetailMovesToTheComments() {
        DescriptionInput in = input(12, 2, true);
        addPolicyResults(in, 60, false);
        const DescriptionOptions options{65536, 3};
        const Description d = buildDescription(in, options);
        QVERIFY(d.split);
        QVERIFY(d.parts.size() >= 3);
        const QString first = d.parts.front();
        for (const QString& p : d.parts)
            QVERIFY(p.size() <= options.budget);
        for (const char* section :
             {"### Summary", "### Impacted applications (12)", "### Risks (", "### Policy results",
              "720 new, 0 fixed.", "- New `rule-0` (error): 12 results in 12 applications",
              "- New `rule-1` (warning): 12 results in 12 applications",
              "_Each result is listed per application in the comments._", "### Required approvals",
              "<sub>Sextant · 12 applications",
              "_Policy results and object diffs per application follow in"})
            QVERIFY2(first.contains(QString::fromUtf8(section)), section);
        QVERIFY(!first.contains(QStringLiteral("- New in shop-")));
        // Errors before warnings in the summary.
        QVERIFY(first.indexOf(QStringLiteral("`rule-57` (error)")) <
                first.indexOf(QStringLiteral("`rule-1` (warning)")));
        QString comments;
        for (int i = 1; i < d.parts.size(); ++i)
            comments += d.parts[i];
        QVERIFY(comments.contains(QStringLiteral("### Policy results per application")));
        for (const PolicyDelta& p : in.policy)
            for (const policy::Violation& v : p.introduced)
                QVERIFY(comments.contains(
                    QStringLiteral("- New in %1: `%2` (%3) Deployment shop/web container web: %4")
                        .arg(p.app, v.rule, policy::severityName(v.severity), v.message)));
        QVERIFY(comments.contains(QStringLiteral("### Changes per application")));
        QVERIFY(comments.indexOf(QStringLiteral("### Policy results per application")) <
                comments.indexOf(QStringLiteral("### Changes per application")));
    }

    // A budget smaller than the risks: the footer still ends the first part.
    void footerStaysInTheFirstPart() {
        DescriptionInput in = input(40, 5, false);
        const Description d = buildDescription(in, {4000, 3});
        QVERIFY(d.parts.size() > 2);
        QVERIFY(d.parts.front().contains(QStringLiteral("<sub>Sextant · 40 applications")));
        for (int i = 1; i < d.parts.size(); ++i)
            QVERIFY(!d.parts[i].contains(QStringLiteral("<sub>Sextant")));
    }

    void jsonModel() {
        const DescriptionInput in = input(2, 1, true);
        const nlohmann::json j = descriptionJson(in);
        QCOMPARE(j["changes"].size(), std::size_t(4));
        const auto& c = j["changes"][0];
        QCOMPARE(c["app"].get<std::string>(), std::string("shop-0"));
        QCOMPARE(c["kind"].get<std::string>(), std::string("Deployment"));
        QCOMPARE(c["namespace"].get<std::string>(), std::string("shop"));
        QCOMPARE(c["change"].get<std::string>(), std::string("changed"));
        QVERIFY(c["fields"].size() >= 2);
        QVERIFY(!j["risks"].empty());
        QVERIFY(j["risks"][0].contains("rule") && j["risks"][0].contains("reason") &&
                j["risks"][0].contains("app") && j["risks"][0].contains("severity"));
        QVERIFY(j.dump().find("T0xELVZBTFVF") == std::string::npos);
        QCOMPARE(j["approvals"][0]["owners"][0].get<std::string>(), std::string("@org/apps"));
    }

    // The output of the whole pipeline after the renders (summary, risks, Markdown with fold,
    // omit and split) on 300 applications × 3 changes, pinned by hashes taken before the
    // description and the risk rules were optimised: the faster code must say exactly the same.
    void largeChangeOutputIsPinned() {
        const DescriptionInput in = largeInput();
        QString risks;
        for (const Risk& r : in.risks)
            risks += r.rule + QLatin1Char('|') + r.app + QLatin1Char('|') + r.object +
                     QLatin1Char('|') + r.reason + QLatin1Char('\n');
        QElapsedTimer timer;
        timer.start();
        const Description d = buildDescription(in);
        const qint64 ms = timer.elapsed();
        qInfo("300 applications × 3 changes: %d risks, %d parts, %d folded, %d omitted, %lld ms",
              int(in.risks.size()), int(d.parts.size()), d.foldedApps, d.omittedDiffs, ms);
        QCOMPARE(int(in.risks.size()), 156);
        QCOMPARE(sha256(risks), QByteArray("e6881bf3d5a0b51f"));
        QCOMPARE(sha256(summarizeChanges(in.apps).join(QLatin1Char('\n'))),
                 QByteArray("198537c70f89cd0a"));
        QCOMPARE(d.title, QStringLiteral("image web 1.0.0 → 1.1.0 in dev, stage, prod"));
        QCOMPARE(d.foldedApps, 100);
        QCOMPARE(d.omittedDiffs, 600);
        QCOMPARE(d.split, true);
        QCOMPARE(int(d.parts.size()), 8);
        for (int i = 0; i < d.parts.size(); ++i)
            QVERIFY2(d.parts[i].size() <= 65536, qPrintable(QString::number(i)));
        QCOMPARE(sha256(d.parts.front()), QByteArray("3b965b772c4f2b92"));
        QCOMPARE(sha256(d.parts.join(QStringLiteral("\n<part>\n"))),
                 QByteArray("5db201e0f30c8f8c"));
        QCOMPARE(sha256(QString::fromStdString(descriptionJson(in).dump())),
                 QByteArray("b912ae39435c20ba"));
        // Other budgets: some diffs omitted, nothing omitted, nothing folded.
        struct Expected {
            int budget, folded, omitted;
            bool split;
            int parts;
            const char* hash;
        };
        for (const Expected& e : {Expected{150000, 100, 600, true, 4, "3c398a5acc7ad7e9"},
                                  Expected{500000, 100, 138, true, 2, "eea6ff4f4f8eb375"},
                                  Expected{800000, 100, 0, false, 1, "5b096c9b779d954d"},
                                  Expected{1 << 24, 0, 0, false, 1, "0e828bad9802c48d"}}) {
            const Description b = buildDescription(in, {e.budget, 3});
            QCOMPARE(b.foldedApps, e.folded);
            QCOMPARE(b.omittedDiffs, e.omitted);
            QCOMPARE(b.split, e.split);
            QCOMPARE(int(b.parts.size()), e.parts);
            QCOMPARE(sha256(b.parts.join(QStringLiteral("\n<part>\n"))), QByteArray(e.hash));
        }
    }

    void providerBudgets() {
        QCOMPARE(providerBudget(QStringLiteral("github")), 65536);
        QCOMPARE(providerBudget(QStringLiteral("GitLab")), 1048576);
        QCOMPARE(providerBudget(QStringLiteral("bitbucket-server")), 32768);
    }

    void markdownIsNotInjected() {
        DescriptionInput in = input(1, 1, true);
        in.apps[0].app.app = QStringLiteral("a|b<script>");
        const QString md = buildDescription(in).parts.front();
        QVERIFY(!md.contains(QStringLiteral("<script>")));
        QVERIFY(md.contains(QStringLiteral("a\\|b&lt;script&gt;")));
    }
};

QTEST_GUILESS_MAIN(TestPrDescription)
#include "tst_prdescription.moc"
