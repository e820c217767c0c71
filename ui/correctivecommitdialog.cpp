#include "correctivecommitdialog.h"

#include "richtext.h"

#include "consolesession.h"
#include "gitops/changesummary.h"
#include "policy/policypack.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace sextant::ui {

using namespace richtext;

namespace {

QString inputLabel(const QString& name) {
    static const QMap<QString, QString> labels{
        {QStringLiteral("tag"), QStringLiteral("Image tag")},
        {QStringLiteral("image"), QStringLiteral("Image")},
        {QStringLiteral("repository"), QStringLiteral("Image repository")},
        {QStringLiteral("key"), QStringLiteral("ConfigMap key")},
        {QStringLiteral("value"), QStringLiteral("Value")},
        {QStringLiteral("memoryLimit"), QStringLiteral("Memory limit")},
        {QStringLiteral("memoryRequest"), QStringLiteral("Memory request")},
        {QStringLiteral("cpuLimit"), QStringLiteral("CPU limit")},
        {QStringLiteral("cpuRequest"), QStringLiteral("CPU request")},
        {QStringLiteral("replicas"), QStringLiteral("Replicas")},
        {QStringLiteral("probe"), QStringLiteral("Probe")},
        {QStringLiteral("probePath"), QStringLiteral("Probe path")},
        {QStringLiteral("probePort"), QStringLiteral("Probe port")},
    };
    return labels.value(name, name);
}

} // namespace

CorrectiveCommitDialog::CorrectiveCommitDialog(ConsoleSession* session, QString appKey,
                                               nlohmann::json application,
                                               nlohmann::json resourceTree,
                                               analysis::Finding finding, QWidget* parent)
    : QDialog(parent)
    , m_session(session)
    , m_appKey(std::move(appKey))
    , m_application(std::move(application))
    , m_tree(std::move(resourceTree))
    , m_finding(std::move(finding))
    , m_heading(new QLabel(this))
    , m_status(new QLabel(this))
    , m_inputBox(new QGroupBox(tr("Values"), this))
    , m_inputForm(new QFormLayout)
    , m_redraft(new QPushButton(tr("Update draft"), this))
    , m_tabs(new QTabWidget(this))
    , m_changes(new QTextBrowser(this))
    , m_impact(new QTextBrowser(this))
    , m_title(new QLineEdit(this))
    , m_body(new QPlainTextEdit(this))
    , m_target(new QLabel(this))
    , m_approve(new QPushButton(tr("Approve and open pull request…"), this)) {
    setObjectName(QStringLiteral("correctiveCommitDialog"));
    const QString appName = QString::fromStdString(
        m_application.value("metadata", nlohmann::json::object()).value("name", std::string()));
    setWindowTitle(tr("Corrective commit — %1").arg(appName));
    resize(1100, 820);
    auto* layout = new QVBoxLayout(this);
    m_heading->setObjectName(QStringLiteral("fixHeading"));
    m_heading->setWordWrap(true);
    m_heading->setTextFormat(Qt::RichText);
    m_heading->setText(
        tr("<b>Corrective commit for %1</b><br>%2").arg(esc(appName), esc(m_finding.summary)));
    layout->addWidget(m_heading);
    m_status->setObjectName(QStringLiteral("fixStatus"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::RichText);
    m_status->setOpenExternalLinks(true);
    m_status->setTextInteractionFlags(Qt::TextBrowserInteraction);
    layout->addWidget(m_status);

    auto* inputs = new QVBoxLayout(m_inputBox);
    inputs->addLayout(m_inputForm);
    auto* redrawRow = new QHBoxLayout;
    redrawRow->addStretch(1);
    m_redraft->setToolTip(tr("Draft the commit again with these values"));
    redrawRow->addWidget(m_redraft);
    inputs->addLayout(redrawRow);
    m_inputBox->hide();
    layout->addWidget(m_inputBox);

    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_changes->setObjectName(QStringLiteral("fixChanges"));
    m_changes->setAccessibleName(tr("The commit: files and their exact changes"));
    m_impact->setObjectName(QStringLiteral("fixImpact"));
    m_impact->setAccessibleName(tr("What the change reaches: applications, objects, risks"));
    auto* prPage = new QWidget(this);
    auto* prLayout = new QVBoxLayout(prPage);
    auto* titleRow = new QFormLayout;
    m_title->setObjectName(QStringLiteral("fixTitle"));
    m_title->setAccessibleName(tr("Pull request title"));
    titleRow->addRow(tr("Title"), m_title);
    prLayout->addLayout(titleRow);
    m_body->setObjectName(QStringLiteral("fixBody"));
    m_body->setFont(mono);
    m_body->setAccessibleName(tr("Pull request description (Markdown)"));
    prLayout->addWidget(m_body, 1);
    m_tabs->addTab(m_changes, tr("Commit"));
    m_tabs->addTab(m_impact, tr("Impact and risks"));
    m_tabs->addTab(prPage, tr("Pull request"));
    layout->addWidget(m_tabs, 1);

    m_target->setObjectName(QStringLiteral("fixTarget"));
    m_target->setWordWrap(true);
    m_target->setTextFormat(Qt::RichText);
    layout->addWidget(m_target);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_approve->setObjectName(QStringLiteral("fixApprove"));
    m_approve->setToolTip(tr("You approve the commit (its exact diff) and then the pull request "
                             "(the exact request); both are recorded in the audit log"));
    m_approve->setEnabled(false);
    buttons->addButton(m_approve, QDialogButtonBox::ActionRole);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_approve, &QPushButton::clicked, this, &CorrectiveCommitDialog::approveAndOpen);
    connect(m_redraft, &QPushButton::clicked, this, &CorrectiveCommitDialog::redraft);
    redraft();
}

CorrectiveCommitDialog::~CorrectiveCommitDialog() = default;

void CorrectiveCommitDialog::setStatus(const QString& html) {
    m_status->setText(html);
}

void CorrectiveCommitDialog::setBusy(bool busy, const QString& text) {
    m_busy = busy;
    m_redraft->setEnabled(!busy);
    m_approve->setEnabled(!busy && m_proposal && m_proposal->draft.complete() && !m_outcome);
    if (!text.isEmpty())
        setStatus(busy ? QStringLiteral("<span style='color:gray'>%1</span>").arg(esc(text))
                       : text);
}

void CorrectiveCommitDialog::redraft() {
    for (auto it = m_inputs.constBegin(); it != m_inputs.constEnd(); ++it)
        if (!it.value()->text().trimmed().isEmpty())
            m_values.insert(it.key(), it.value()->text().trimmed());
        else
            m_values.remove(it.key());
    setBusy(true, tr("Reading the configuration repository and drafting the fix…"));
    QPointer<CorrectiveCommitDialog> self(this);
    m_session->draftCorrectiveCommit(m_appKey, m_application, m_tree, m_finding, m_values,
                                     [self](Result<CorrectiveProposal> result) {
                                         if (self)
                                             self->showProposal(std::move(result));
                                     });
}

void CorrectiveCommitDialog::rebuildInputs() {
    while (m_inputForm->rowCount() > 0)
        m_inputForm->removeRow(0);
    m_inputs.clear();
    if (!m_proposal) {
        m_inputBox->hide();
        return;
    }
    const gitops::CorrectiveDraft& draft = m_proposal->draft;
    QStringList names;
    for (const gitops::SuggestedValue& s : draft.suggestions)
        if (!names.contains(s.input))
            names.append(s.input);
    for (const QString& needed : draft.neededInputs) {
        // neededInputs read "tag: the correct image tag" or "memoryLimit, cpuLimit or
        // cpuRequest: …"; the input names come before the colon.
        static const QRegularExpression separators(QStringLiteral("\\s*,\\s*|\\s+or\\s+"));
        for (const QString& part :
             needed.section(QLatin1Char(':'), 0, 0).split(separators, Qt::SkipEmptyParts)) {
            const QString name = part.trimmed();
            if (!name.isEmpty() && !name.contains(QLatin1Char(' ')) && !names.contains(name))
                names.append(name);
        }
    }
    for (const QString& name : std::as_const(names)) {
        auto* edit = new QLineEdit(m_inputBox);
        edit->setObjectName(QStringLiteral("fixInput-") + name);
        QString reason;
        QString suggested;
        for (const gitops::SuggestedValue& s : draft.suggestions)
            if (s.input == name) {
                suggested = s.value;
                reason = s.reason;
            }
        edit->setText(m_values.value(name, suggested));
        edit->setAccessibleName(inputLabel(name));
        auto* cell = new QWidget(m_inputBox);
        auto* cellLayout = new QVBoxLayout(cell);
        cellLayout->setContentsMargins(0, 0, 0, 0);
        cellLayout->addWidget(edit);
        if (!reason.isEmpty()) {
            auto* why = new QLabel(tr("Suggested: %1").arg(reason), cell);
            why->setTextFormat(Qt::PlainText);
            why->setWordWrap(true);
            why->setStyleSheet(QStringLiteral("color: gray"));
            cellLayout->addWidget(why);
        }
        m_inputForm->addRow(inputLabel(name), cell);
        m_inputs.insert(name, edit);
        connect(edit, &QLineEdit::returnPressed, this, &CorrectiveCommitDialog::redraft);
    }
    m_inputBox->setVisible(!m_inputs.isEmpty());
}

void CorrectiveCommitDialog::showProposal(Result<CorrectiveProposal> result) {
    if (!result.ok()) {
        const Error& e = result.error();
        m_proposal.reset();
        m_changes->setHtml(
            QStringLiteral("<p>%1</p><p style='color:gray'>%2</p>")
                .arg(esc(e.shortMessage),
                     esc(e.details).replace(QLatin1Char('\n'), QStringLiteral("<br>"))));
        m_impact->clear();
        rebuildInputs();
        setBusy(false, QStringLiteral("<span style='color:#b00020'>%1</span>")
                           .arg(tr("No draft: %1").arg(esc(e.shortMessage))));
        Q_EMIT drafted();
        return;
    }
    m_proposal = std::move(result.value());
    const CorrectiveProposal& p = *m_proposal;
    const gitops::CorrectiveDraft& d = p.draft;
    rebuildInputs();

    QString html = QStringLiteral("<p>%1</p>").arg(esc(d.explanation));
    if (!d.neededInputs.isEmpty()) {
        html += QStringLiteral("<p><b>%1</b></p><ul>").arg(tr("Needed before there is a commit:"));
        for (const QString& n : d.neededInputs)
            html += QStringLiteral("<li>%1</li>").arg(esc(n));
        html += QStringLiteral("</ul>");
    }
    for (const gitops::DraftEdit& edit : d.edits) {
        html += QStringLiteral("<h4 style='margin-bottom:2px'>%1</h4><p style='color:gray;"
                               "margin-top:0'>%2</p>")
                    .arg(esc(edit.path), esc(edit.why));
        html += diffHtml(edit.diff.split(QLatin1Char('\n')));
    }
    QStringList notes = d.notes + p.notes;
    if (!notes.isEmpty()) {
        html += QStringLiteral("<p><b>%1</b></p><ul>").arg(tr("Notes"));
        for (const QString& n : std::as_const(notes))
            html += QStringLiteral("<li>%1</li>").arg(esc(n));
        html += QStringLiteral("</ul>");
    }
    m_changes->setHtml(html);

    QString impact;
    if (p.description) {
        const gitops::ChangeDescription& c = *p.description;
        impact += QStringLiteral("<h3>%1</h3><ul>").arg(tr("What changes"));
        for (const QString& line : gitops::summarizeChanges(c.input.apps))
            impact += QStringLiteral("<li>%1</li>").arg(esc(line));
        impact += QStringLiteral("</ul><h3>%1</h3>")
                      .arg(tr("Applications reached (%n)", nullptr, int(c.impacted.size())));
        impact += QStringLiteral("<table cellpadding='4'><tr><th align='left'>%1</th><th "
                                 "align='left'>%2</th><th align='left'>%3</th><th "
                                 "align='left'>%4</th></tr>")
                      .arg(tr("Application"), tr("Cluster"), tr("Environment"), tr("Files"));
        for (const gitops::ImpactEntry& e : c.impacted)
            impact += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td></tr>")
                          .arg(esc(e.app.name), esc(e.app.cluster), esc(e.app.environment),
                               esc(e.files.join(QStringLiteral(", "))));
        impact += QStringLiteral("</table><h3>%1</h3>")
                      .arg(tr("Risks (%n)", nullptr, int(c.input.risks.size())));
        if (c.input.risks.empty())
            impact += QStringLiteral("<p style='color:gray'>%1</p>").arg(tr("None found."));
        impact += QStringLiteral("<ul>");
        for (const gitops::Risk& r : c.input.risks)
            impact += QStringLiteral("<li><b>%1</b> (%2): %3</li>")
                          .arg(esc(r.title), esc(policy::severityName(r.severity)), esc(r.reason));
        impact += QStringLiteral("</ul><h3>%1</h3>").arg(tr("Policy"));
        int introduced = 0, fixed = 0;
        QString policyList;
        for (const gitops::PolicyDelta& delta : c.input.policy) {
            for (const policy::Violation& v : delta.introduced) {
                ++introduced;
                policyList += QStringLiteral("<li><span style='color:#b00020'>%1</span> %2: "
                                             "%3</li>")
                                  .arg(tr("new"), esc(v.rule), esc(v.message));
            }
            for (const policy::Violation& v : delta.fixed) {
                ++fixed;
                policyList += QStringLiteral("<li><span style='color:#0b6b1f'>%1</span> %2: "
                                             "%3</li>")
                                  .arg(tr("fixed"), esc(v.rule), esc(v.message));
            }
        }
        impact += QStringLiteral("<p>%1</p><ul>%2</ul>")
                      .arg(tr("%1 new, %2 fixed.").arg(introduced).arg(fixed), policyList);
        if (!c.notes.isEmpty()) {
            impact += QStringLiteral("<h3>%1</h3><ul>").arg(tr("Notes"));
            for (const QString& n : c.notes)
                impact += QStringLiteral("<li>%1</li>").arg(esc(n));
            impact += QStringLiteral("</ul>");
        }
    } else {
        impact = QStringLiteral("<p style='color:gray'>%1</p>")
                     .arg(tr("The impact is described once the draft has its edits."));
    }
    m_impact->setHtml(impact);

    if (m_title->text().isEmpty() || !m_title->isModified())
        m_title->setText(p.pullRequestTitle());
    if (!m_body->document()->isModified())
        m_body->setPlainText(p.pullRequestBody(m_finding.summary));
    m_body->document()->setModified(false);
    m_target->setText(
        tr("Branch <b>%1</b> from <b>%2</b> at %3 · pushed to %4 · %5 on %6 into %2 · writes "
           "are %7")
            .arg(esc(d.branchName), esc(p.baseBranch), esc(p.baseSha.left(7)),
                 esc(p.remote.effectiveCloneURL()),
                 esc(gitops::pullRequestNoun(p.remote.provider.kind)),
                 esc(p.remote.provider.displayName()),
                 p.remote.writesAllowed ? tr("allowed, each approved by you")
                                        : tr("<b>off (audit mode)</b>")));
    setBusy(false,
            d.complete()
                ? tr("Review the commit, what it reaches and the pull request, then approve.")
                : tr("Give the values below, then <b>Update draft</b>."));
    Q_EMIT drafted();
}

void CorrectiveCommitDialog::approveAndOpen() {
    if (!m_proposal || !m_proposal->draft.complete() || m_busy)
        return;
    setBusy(true, tr("Waiting for your approval of the commit…"));
    QPointer<CorrectiveCommitDialog> self(this);
    m_session->submitCorrectiveCommit(
        *m_proposal, m_title->text().trimmed(), m_body->toPlainText(),
        [self](Result<CorrectiveOutcome> outcome) {
            if (!self)
                return;
            if (!outcome.ok()) {
                const Error& e = outcome.error();
                self->setBusy(false, QStringLiteral("<span style='color:#b00020'>%1</span> "
                                                    "<span style='color:gray'>%2</span>")
                                         .arg(esc(e.shortMessage), esc(e.details)));
                Q_EMIT self->finished();
                return;
            }
            self->m_outcome = outcome.value();
            const CorrectiveOutcome& o = *self->m_outcome;
            self->setBusy(false, tr("<b>%1 #%2 %3</b>: <a href='%4'>%4</a> — commit %5 on %6.")
                                     .arg(esc(capitalised(gitops::pullRequestNoun(
                                         self->m_proposal->remote.provider.kind))))
                                     .arg(o.number)
                                     .arg(o.created ? tr("opened") : tr("updated"))
                                     .arg(esc(o.webUrl.toString()))
                                     .arg(esc(o.commitSha.left(7)), esc(o.branch)));
            Q_EMIT self->finished();
        },
        [self](const QString& text) {
            if (self)
                self->setBusy(true, text);
        });
}

} // namespace sextant::ui
