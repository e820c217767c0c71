// The PR description: sections, redaction, the size budget (fold, omit, split), JSON model.

#include "gitops/prdescription.h"

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
