#include "policyview.h"

#include "argocd/client.h"
#include "consolesession.h"
#include "policy/argomanifests.h"
#include "policy/customrules.h"
#include "policy/policyengine.h"
#include "policy/policypack.h"
#include "policy/rego.h"
#include "policy/waivers.h"
#include "policyresultsmodel.h"
#include "richtext.h"

#include <QDate>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPointer>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>

namespace sextant::ui {

using Json = nlohmann::json;
using richtext::esc;

namespace {

QString colored(const QString& color, const QString& html) {
    return QStringLiteral("<span style='color:%1'>%2</span>").arg(color, html);
}

// "1 error", "3 errors" (without a translation loaded, %n leaves "error(s)").
QString counted(int n, const QString& one, const QString& many) {
    return QStringLiteral("%1 %2").arg(n).arg(n == 1 ? one : many);
}

} // namespace

// What a run produced, computed on the thread pool and shown in one piece.
struct PolicyView::Outcome {
    std::shared_ptr<const policy::PolicyPack> pack;
    std::vector<policy::Violation> results;
    std::vector<policy::WaivedResult> waived;
    std::vector<policy::WaiverProblem> waiverProblems;
    policy::RegoSummary rego;
    Error regoError; // the Rego engine failed; the pack's results stand
    QStringList notes;
    int objects = 0;
    Error error;
};

PolicyView::PolicyView(ConsoleSession* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_status(new QLabel(this))
    , m_model(new models::PolicyResultsModel(this))
    , m_table(new QTableView(this))
    , m_detail(new QTextBrowser(this)) {
    auto* layout = new QVBoxLayout(this);
    m_status->setObjectName(QStringLiteral("policyStatus"));
    m_status->setTextFormat(Qt::RichText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    m_table->setObjectName(QStringLiteral("policyResults"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(models::PolicyResultsModel::MessageColumn,
                                                      QHeaderView::Stretch);
    m_table->setAccessibleName(tr("Policy results, most severe first"));
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex&) { renderDetail(); });

    m_detail->setObjectName(QStringLiteral("policyDetail"));
    m_detail->setAccessibleName(tr("The selected result: its rule, rationale and fix"));
    m_detail->setOpenLinks(false);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    m_status->setText(tr("<span style='color:gray'>No application selected.</span>"));
}

PolicyView::~PolicyView() = default;

void PolicyView::setApplication(const argocd::AppSummary& app) {
    ++m_gen;
    m_app = app;
    m_key = app.key();
    m_loading = false;
    m_hasResult = false;
    m_error = {};
    m_objects = 0;
    m_waived = 0;
    m_rules = 0;
    m_rego = {};
    m_regoError = {};
    m_pack.reset();
    m_model->clear();
    m_detail->clear();
    m_status->setText(tr("<span style='color:gray'>The policy report of %1 runs when this tab is "
                         "opened.</span>")
                          .arg(esc(app.name)));
}

void PolicyView::setCustomRuleFiles(const QStringList& files) {
    m_ruleFiles = files;
}

void PolicyView::load() {
    if (m_key.isEmpty())
        return;
    const quint64 gen = ++m_gen;
    m_loading = true;
    m_hasResult = false;
    m_error = {};
    m_model->clear();
    m_detail->clear();
    m_table->setVisible(true);
    // First the custom rules of the application's config repository (when one is set up),
    // then its rendered manifests.
    m_status->setText(
        tr("Reading the custom policy rules of %1's config repository…").arg(esc(m_app.name)));
    QPointer<PolicyView> self(this);
    m_session->policyRuleFiles(m_app, [self, gen](Result<ConsoleSession::PolicyRuleFiles> rules) {
        if (!self || self->m_gen != gen)
            return;
        self->m_repoNote.clear();
        RepoRules repo;
        RepoRules waivers;
        RepoRules rego;
        if (!rules.ok()) {
            // The built-in pack still runs; the note says what is missing and why.
            self->m_repoNote = tr("The custom rules of %1 could not be read (%2): the built-in "
                                  "pack only.")
                                   .arg(esc(self->m_app.repoURL), esc(rules.error().shortMessage));
        } else if (!rules->configured) {
            self->m_repoNote = tr("No Git repository is set up for %1 (Tools → Git "
                                  "repositories…): its custom rules are not read.")
                                   .arg(esc(self->m_app.repoURL));
        } else {
            for (const auto& f : rules->files)
                repo.emplace_back(f.name, f.content);
            for (const auto& f : rules->waivers)
                waivers.emplace_back(f.name, f.content);
            for (const auto& f : rules->rego)
                rego.emplace_back(f.name, f.content);
            self->m_repoNote =
                tr("%1 and %2 from %3 at %4.")
                    .arg(counted(int(repo.size()), tr("custom rule file"), tr("custom rule files")),
                         counted(int(waivers.size()), tr("waiver file"), tr("waiver files")),
                         esc(self->m_app.repoURL), rules->revision.left(7));
        }
        self->m_repoFiles = int(repo.size());
        self->fetchManifests(gen, std::move(repo), std::move(waivers), std::move(rego));
    });
}

void PolicyView::fetchManifests(quint64 gen, RepoRules repo, RepoRules waivers, RepoRules rego) {
    argocd::Client* c = m_session->client(m_app.instance);
    if (!c) {
        fail(tr("Could not check %1").arg(m_app.name),
             Error::make(Error::Kind::Network, tr("%1 is not connected").arg(m_app.instance),
                         tr("Reconnect the instance from the status bar or File → Instances.")));
        return;
    }
    m_status->setText(tr("Loading the rendered manifests of %1 from %2…")
                          .arg(esc(m_app.name), esc(m_app.instance)));
    QPointer<PolicyView> self(this);
    c->manifests(
        m_app.name, m_app.appNamespace, QString(),
        [self, gen, files = m_ruleFiles, repo = std::move(repo), waivers = std::move(waivers),
         rego = std::move(rego), name = m_app.name](Result<Json> result) {
            if (!self || self->m_gen != gen)
                return;
            if (!result.ok()) {
                self->fail(tr("Could not load the rendered manifests"), result.error());
                return;
            }
            self->m_status->setText(tr("Checking the manifests of %1…").arg(esc(name)));
            auto body = std::make_shared<const Json>(std::move(result).value());
            // Parsing and checking thousands of objects must not block the window.
            QtConcurrent::run([body, files, repo, waivers, rego, name] {
                auto out = std::make_shared<Outcome>();
                auto pack = std::make_shared<policy::PolicyPack>(policy::PolicyPack::builtin());
                QStringList ruleFiles;
                QStringList regoFiles;
                for (const QString& f : files)
                    (f.endsWith(QLatin1String(".rego")) ? regoFiles : ruleFiles) << f;
                if (Status s = policy::addCustomRuleFiles(*pack, ruleFiles); !s) {
                    out->error = s.error();
                    return std::shared_ptr<const Outcome>(std::move(out));
                }
                for (const auto& [file, content] : repo) {
                    Result<std::vector<policy::Rule>> rules =
                        policy::parseCustomRules(content, file, *pack);
                    Status added =
                        rules ? pack->addRules(std::move(rules).value()) : Status(rules.error());
                    if (!added) {
                        out->error = added.error();
                        return std::shared_ptr<const Outcome>(std::move(out));
                    }
                }
                Result<policy::LoadedManifests> loaded = policy::manifestsFromArgo(*body, name);
                if (!loaded) {
                    out->error = loaded.error();
                    return std::shared_ptr<const Outcome>(std::move(out));
                }
                policy::CheckOptions options;
                options.sources = &loaded->sources;
                // The repository's waivers, as `policy check` applies them.
                std::vector<policy::Waiver> all;
                for (const auto& [file, content] : waivers) {
                    Result<std::vector<policy::Waiver>> parsed =
                        policy::parseWaivers(content, file, *pack);
                    if (!parsed) {
                        out->error = parsed.error();
                        return std::shared_ptr<const Outcome>(std::move(out));
                    }
                    for (policy::Waiver& w : *parsed)
                        all.push_back(std::move(w));
                }
                std::vector<policy::Violation> results =
                    policy::checkObjects(*pack, loaded->objects, options);
                // The Rego policies, when an engine is installed; a failing engine is reported
                // next to the pack's results rather than hiding them.
                Result<std::vector<policy::RegoPolicy>> policies = policy::readRegoFiles(regoFiles);
                if (!policies) {
                    out->error = policies.error();
                    return std::shared_ptr<const Outcome>(std::move(out));
                }
                for (const auto& [file, content] : rego)
                    policies->push_back({file, content});
                Result<policy::RegoRun> ran =
                    policy::runRego(policy::RegoEngine::detect(), *policies, loaded->objects);
                if (ran) {
                    out->rego = ran->summary;
                    for (policy::Violation& v : ran->results)
                        results.push_back(std::move(v));
                } else {
                    out->rego.policies = int(policies->size());
                    out->regoError = ran.error();
                }
                policy::WaiverOutcome waived = policy::applyWaivers(
                    std::move(results), all, *pack, QDate::currentDate(), {}, out->rego.evaluated);
                out->results = std::move(waived.results);
                out->waived = std::move(waived.waived);
                out->waiverProblems = std::move(waived.problems);
                out->objects = int(loaded->objects.size());
                out->notes = loaded->notes;
                out->pack = std::move(pack);
                return std::shared_ptr<const Outcome>(std::move(out));
            }).then(self.data(), [self, gen](std::shared_ptr<const Outcome> outcome) {
                if (self && self->m_gen == gen)
                    self->show(std::move(outcome));
            });
        });
}

void PolicyView::fail(const QString& what, const Error& error) {
    m_loading = false;
    m_hasResult = false;
    m_error = error;
    m_table->setVisible(false);
    m_status->setText(QStringLiteral("%1<br>%2")
                          .arg(richtext::red(QStringLiteral("<b>%1</b>").arg(esc(what))),
                               esc(error.shortMessage)));
    m_detail->setHtml(QStringLiteral("<pre>%1</pre>").arg(esc(error.details)));
    emit checked(0);
}

void PolicyView::show(std::shared_ptr<const Outcome> outcome) {
    if (outcome->error.isError()) {
        fail(tr("Could not check %1").arg(m_app.name), outcome->error);
        return;
    }
    m_loading = false;
    m_hasResult = true;
    m_pack = outcome->pack;
    m_objects = outcome->objects;
    m_rules = int(m_pack->rules().size());
    m_rego = outcome->rego;
    m_regoError = outcome->regoError;
    m_model->setResults(outcome->results);
    const int total = m_model->rowCount();
    // Without results the table would be an empty grid: the explanation takes its place.
    m_table->setVisible(total > 0);
    QString notes;
    if (!m_repoNote.isEmpty())
        notes += QStringLiteral("<br>") + richtext::gray(m_repoNote);
    m_waived = int(outcome->waived.size());
    if (m_waived > 0) {
        QStringList owners;
        for (const policy::WaivedResult& w : outcome->waived)
            if (!owners.contains(w.waiver.owner))
                owners << w.waiver.owner;
        notes += QStringLiteral("<br>") +
                 tr("%1 waived by the repository's waivers (owners: %2); not listed.")
                     .arg(counted(m_waived, tr("result"), tr("results")),
                          esc(owners.join(QStringLiteral(", "))));
    }
    for (const policy::WaiverProblem& p : outcome->waiverProblems)
        if (p.kind != policy::WaiverProblem::Kind::Unused)
            notes += QStringLiteral("<br>") +
                     colored(QStringLiteral("#b06000"), tr("Waiver %1:%2 (%3): %4")
                                                            .arg(esc(p.file))
                                                            .arg(p.line)
                                                            .arg(esc(p.rule), esc(p.problem)));
    if (m_regoError.isError())
        notes +=
            QStringLiteral("<br>") + richtext::red(tr("The Rego policies could not run: %1 — %2")
                                                       .arg(esc(m_regoError.shortMessage),
                                                            esc(m_regoError.details.left(300))));
    else if (m_rego.policies > 0 && !m_rego.evaluated)
        notes += QStringLiteral("<br>") +
                 colored(QStringLiteral("#b06000"), esc(m_rego.note) + QLatin1Char('.'));
    else if (m_rego.policies > 0)
        notes += QStringLiteral("<br>") + richtext::gray(esc(m_rego.note) + QLatin1Char('.'));
    for (const QString& n : outcome->notes)
        notes += QStringLiteral("<br>") + richtext::gray(esc(n));
    // Rego files given with the rule files are counted in the Rego note, not here.
    const int ruleFiles =
        int(std::count_if(m_ruleFiles.begin(), m_ruleFiles.end(),
                          [](const QString& f) { return !f.endsWith(QLatin1String(".rego")); }));
    const QString scope =
        tr("%1 of %2 checked against %3")
            .arg(counted(m_objects, tr("rendered object"), tr("rendered objects")), esc(m_app.name),
                 counted(m_rules, tr("rule"), tr("rules"))) +
        (ruleFiles == 0 && m_repoFiles == 0
             ? QString()
             : tr(" (the built-in pack and %1)")
                   .arg(counted(ruleFiles + m_repoFiles, tr("custom rule file"),
                                tr("custom rule files"))));
    if (m_objects == 0) {
        m_status->setText(
            tr("<b>%1 renders no manifests</b>: there is nothing to check.").arg(esc(m_app.name)) +
            notes);
        m_detail->setHtml(richtext::gray(tr("Argo CD returned no objects for this "
                                            "application's current revision.")));
    } else if (total == 0) {
        m_status->setText(colored(QStringLiteral("#1e8e3e"), tr("<b>No policy violations.</b>")) +
                          QStringLiteral(" ") + scope + QLatin1Char('.') + notes);
        m_detail->setHtml(
            tr("<h2 style='color:#1e8e3e'>✓ No policy violations</h2>"
               "<p>%1 of <b>%2</b>: every rule of the pack passes (security, resources, "
               "probes, labels, API versions).</p>"
               "<p style='color:gray'>Run <code>sextant-cli policy check</code> on the "
               "application's config repository to check the files the author edits, with "
               "waivers and the repository's custom rules.</p>")
                .arg(counted(m_objects, tr("rendered object"), tr("rendered objects")),
                     esc(m_app.name)));
    } else {
        using policy::Severity;
        QStringList parts;
        const int errors = m_model->count(Severity::Error);
        const int warnings = m_model->count(Severity::Warning);
        const int infos = m_model->count(Severity::Info);
        if (errors)
            parts << colored(models::PolicyResultsModel::severityColor(Severity::Error),
                             counted(errors, tr("error"), tr("errors")));
        if (warnings)
            parts << colored(models::PolicyResultsModel::severityColor(Severity::Warning),
                             counted(warnings, tr("warning"), tr("warnings")));
        if (infos)
            parts << colored(models::PolicyResultsModel::severityColor(Severity::Info),
                             counted(infos, tr("info"), tr("info")));
        m_status->setText(
            QStringLiteral("<b>%1</b>: ").arg(counted(total, tr("result"), tr("results"))) +
            parts.join(QStringLiteral(", ")) + QStringLiteral(" — ") + scope + QLatin1Char('.') +
            notes);
        m_table->resizeColumnToContents(models::PolicyResultsModel::SeverityColumn);
        m_table->resizeColumnToContents(models::PolicyResultsModel::RuleColumn);
        m_table->resizeColumnToContents(models::PolicyResultsModel::ObjectColumn);
        m_table->setColumnWidth(
            models::PolicyResultsModel::ObjectColumn,
            std::min(420, m_table->columnWidth(models::PolicyResultsModel::ObjectColumn)));
        m_table->resizeColumnToContents(models::PolicyResultsModel::FixColumn);
        m_table->setColumnWidth(
            models::PolicyResultsModel::FixColumn,
            std::min(320, m_table->columnWidth(models::PolicyResultsModel::FixColumn)));
        selectRow(0);
    }
    emit checked(total);
}

void PolicyView::selectRow(int row) {
    if (row < 0 || row >= m_model->rowCount())
        return;
    m_table->setCurrentIndex(m_model->index(row, 0));
    m_table->selectRow(row);
    renderDetail();
}

void PolicyView::renderDetail() {
    const policy::Violation* v = m_model->result(m_table->currentIndex().row());
    if (!v || !m_pack) {
        if (m_model->rowCount() > 0)
            m_detail->setHtml(richtext::gray(tr("Select a result to see its rule and fix.")));
        return;
    }
    const policy::Rule* rule = m_pack->find(v->rule);
    QString html = QStringLiteral("<h3 style='margin-bottom:4px'>%1 <code>%2</code> — %3</h3>")
                       .arg(colored(models::PolicyResultsModel::severityColor(v->severity),
                                    esc(policy::severityName(v->severity))),
                            esc(v->rule),
                            esc(rule                          ? rule->title
                                : policy::isRegoRule(v->rule) ? tr("a Rego policy's result")
                                                              : QString()));
    html += QStringLiteral("<p><b>%1</b>: %2</p>")
                .arg(esc(models::PolicyResultsModel::objectText(*v)), esc(v->message));
    if (rule) {
        html += tr("<p><b>Why</b>: %1</p>").arg(esc(rule->rationale));
        QStringList eq;
        for (const auto& [tool, ids] : rule->equivalents) {
            if (ids.isEmpty())
                continue;
            const QString name = tool == QLatin1String("polaris")      ? tr("Polaris")
                                 : tool == QLatin1String("gatekeeper") ? tr("Gatekeeper library")
                                 : tool == QLatin1String("kyverno")    ? tr("Kyverno")
                                                                       : tool;
            eq << QStringLiteral("%1 <code>%2</code>")
                      .arg(esc(name), esc(ids.join(QStringLiteral(", "))));
        }
        html += tr("<p><b>Same check elsewhere</b>: %1</p>")
                    .arg(eq.isEmpty() ? tr("none of Polaris, kube-linter, the Gatekeeper library "
                                           "and Kyverno has it")
                                      : eq.join(QStringLiteral(" · ")));
        if (!rule->file.isEmpty())
            html += tr("<p><b>Custom rule</b> from %1:%2%3</p>")
                        .arg(esc(rule->file))
                        .arg(rule->line)
                        .arg(rule->category.isEmpty()
                                 ? QString()
                                 : tr(" (Polaris category %1)").arg(esc(rule->category)));
        if (!rule->waivable)
            html += tr("<p>This rule cannot be waived.</p>");
    }
    if (!rule && policy::isRegoRule(v->rule))
        html += tr("<p><b>Rego policy</b>, evaluated with %1: the message is the policy's own. "
                   "Waive it with <code>rule: %2</code> (or a pattern such as "
                   "<code>rego:*</code>).</p>")
                    .arg(esc(m_rego.engine), esc(v->rule));
    if (v->fix) {
        html += tr("<p><b>Fix</b>: %1. Shown against the rendered object; make the same change "
                   "in the file or values that set this field.</p>")
                    .arg(esc(v->fix->description));
        QStringList lines = v->fix->diff.split(QLatin1Char('\n'));
        if (!lines.isEmpty() && lines.last().isEmpty())
            lines.removeLast();
        html += richtext::diffHtml(lines);
    } else if (!rule && policy::isRegoRule(v->rule)) {
        html += tr("<p><b>Fix</b>: none (Rego policies do not offer fixes).</p>");
    } else {
        html += tr("<p><b>Fix</b>: none offered (the value has no safe default).</p>");
    }
    m_detail->setHtml(html);
}

} // namespace sextant::ui
