#pragma once

#include "argocd/types.h"
#include "core/error.h"
#include "policy/rego.h"

#include <QStringList>
#include <QWidget>

#include <memory>
#include <utility>
#include <vector>

class QLabel;
class QTableView;
class QTextBrowser;

namespace sextant {
namespace policy {
class PolicyPack;
}
namespace models {
class PolicyResultsModel;
}
namespace ui {

class ConsoleSession;

// The policy report of one application (the Policy tab of its detail view, docs/policy.md): on
// load() it reads the custom rules of the application's config repository when a Git remote is
// set up for it (ConsoleSession::policyRuleFiles), fetches the application's rendered manifests
// (GET /applications/{name}/manifests, through the instance's client), parses them and runs the
// built-in pack with those rules — plus custom rule files when given — off the GUI thread, and
// shows the results most severe first with their counts, and for the selected result the rule's
// rationale, its equivalents in other tools, the message and the fix as a diff against the rendered
// object. Read-only.
class PolicyView : public QWidget {
    Q_OBJECT
public:
    explicit PolicyView(ConsoleSession* session, QWidget* parent = nullptr);
    ~PolicyView() override;

    // Shows `app` (nothing is fetched until load()).
    void setApplication(const argocd::AppSummary& app);
    // Custom rule files (docs/policy.md, "Custom rules") run with the built-in pack, e.g. the
    // .sextant/policy files of the application's config repository; `*.rego` files among them are
    // Rego policies (run when conftest or opa is installed). Takes effect on load().
    void setCustomRuleFiles(const QStringList& files);

    bool hasResult() const { return m_hasResult; }
    bool isLoading() const { return m_loading; }
    // The run's error (fetch, parse or a bad rule file); isError() false when it worked.
    const Error& lastError() const { return m_error; }
    int objectCount() const { return m_objects; }
    // Results the repository's waivers moved out of the list.
    int waivedCount() const { return m_waived; }
    int ruleCount() const { return m_rules; }
    // What became of the Rego policies of the last run (none, not evaluated, evaluated), and the
    // engine's error when it failed (the pack's results are shown all the same).
    const policy::RegoSummary& regoSummary() const { return m_rego; }
    const Error& regoError() const { return m_regoError; }

    models::PolicyResultsModel* model() const { return m_model; }
    QTableView* resultsView() const { return m_table; }
    QTextBrowser* detailBrowser() const { return m_detail; }
    QLabel* statusLabel() const { return m_status; }

public Q_SLOTS:
    void load();
    void selectRow(int row);

Q_SIGNALS:
    // A run finished (results shown, or the error); `results` is the number shown.
    void checked(int results);

private:
    struct Outcome;
    // Custom rule files read from the config repository: name, content.
    using RepoRules = std::vector<std::pair<QString, QByteArray>>;
    void fetchManifests(quint64 gen, RepoRules repo, RepoRules waivers, RepoRules rego);
    void show(std::shared_ptr<const Outcome> outcome);
    void fail(const QString& what, const Error& error);
    void renderDetail();

    ConsoleSession* m_session;
    argocd::AppSummary m_app;
    QString m_key;
    QStringList m_ruleFiles;
    int m_repoFiles = 0; // custom rule files read from the config repository
    QString m_repoNote;  // what was read from the config repository (HTML)
    quint64 m_gen = 0;
    bool m_loading = false;
    bool m_hasResult = false;
    Error m_error;
    int m_objects = 0;
    int m_rules = 0;
    int m_waived = 0;
    policy::RegoSummary m_rego;
    Error m_regoError;
    std::shared_ptr<const policy::PolicyPack> m_pack; // the rules of the shown run

    QLabel* m_status;
    models::PolicyResultsModel* m_model;
    QTableView* m_table;
    QTextBrowser* m_detail;
};

} // namespace ui
} // namespace sextant
