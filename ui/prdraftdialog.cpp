#include "prdraftdialog.h"

#include "richtext.h"

#include "consolesession.h"
#include "gitops/changesummary.h"
#include "gitops/gitremotes.h"
#include "policy/policypack.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace sextant::ui {

using namespace richtext;

namespace {

constexpr int kLocalFolderItem = -1; // the "Local folder…" entry's data
constexpr int AppRole = Qt::UserRole;
constexpr int ChangeRole = Qt::UserRole + 1;

QTableWidgetItem* cell(const QString& text, const QString& tip = {}) {
    auto* item = new QTableWidgetItem(text);
    item->setToolTip(tip.isEmpty() ? text : tip);
    return item;
}

QTableWidget* makeTable(QWidget* parent, const QStringList& headers, const QString& name) {
    auto* table = new QTableWidget(parent);
    table->setObjectName(name);
    table->setColumnCount(int(headers.size()));
    table->setHorizontalHeaderLabels(headers);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->setWordWrap(false);
    table->setSortingEnabled(false);
    return table;
}

} // namespace

PrDraftDialog::PrDraftDialog(ConsoleSession* session, QWidget* parent)
    : QDialog(parent)
    , m_session(session)
    , m_repository(new QComboBox(this))
    , m_folderRow(new QWidget(this))
    , m_folder(new QLineEdit(this))
    , m_base(new QLineEdit(this))
    , m_head(new QLineEdit(this))
    , m_localChanges(new QCheckBox(tr("Local changes (the work tree, committed for you)"), this))
    , m_describe(new QPushButton(tr("&Describe"), this))
    , m_status(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_summary(new QTextBrowser(this))
    , m_impact(makeTable(this,
                         {tr("Application"), tr("Instance"), tr("Cluster"), tr("Environment"),
                          tr("Namespace"), tr("Changed files"), tr("Why")},
                         QStringLiteral("impactTable")))
    , m_changes(new QTreeWidget(this))
    , m_objectDiff(new QTextBrowser(this))
    , m_risks(makeTable(this,
                        {tr("Severity"), tr("Risk"), tr("Application"), tr("Object"), tr("Why")},
                        QStringLiteral("risksTable")))
    , m_policy(new QTextBrowser(this))
    , m_commit(new QTextBrowser(this))
    , m_title(new QLineEdit(this))
    , m_branch(new QLineEdit(this))
    , m_branchLabel(new QLabel(tr("New &branch"), this))
    , m_markdown(new QPlainTextEdit(this))
    , m_target(new QLabel(this))
    , m_approve(new QPushButton(tr("&Approve and open pull request…"), this)) {
    setObjectName(QStringLiteral("prDraftDialog"));
    setWindowTitle(tr("Describe a config change"));
    resize(1280, 880);
    auto* layout = new QVBoxLayout(this);

    auto* chooser = new QGroupBox(tr("Change"), this);
    m_chooser = chooser;
    auto* form = new QFormLayout(chooser);
    m_form = form;
    m_repository->setObjectName(QStringLiteral("repository"));
    m_repository->setAccessibleName(tr("Repository"));
    m_repository->setMinimumContentsLength(48);
    form->addRow(tr("&Repository"), m_repository);
    auto* folderLayout = new QHBoxLayout(m_folderRow);
    folderLayout->setContentsMargins(0, 0, 0, 0);
    m_folder->setObjectName(QStringLiteral("folder"));
    m_folder->setPlaceholderText(tr("a folder with a Git repository (a clone of the config "
                                    "repository)"));
    auto* browse = new QPushButton(tr("Browse…"), m_folderRow);
    folderLayout->addWidget(m_folder, 1);
    folderLayout->addWidget(browse);
    form->addRow(tr("&Folder"), m_folderRow);
    m_base->setObjectName(QStringLiteral("base"));
    m_base->setPlaceholderText(tr("default branch"));
    m_base->setToolTip(tr("A branch, tag, commit or revision expression such as main~1"));
    form->addRow(tr("&Base"), m_base);
    auto* headRow = new QHBoxLayout;
    m_head->setObjectName(QStringLiteral("head"));
    m_head->setPlaceholderText(tr("a branch or revision"));
    m_head->setToolTip(tr("The revision to describe: a branch on the remote for a pull request, "
                          "or any revision to describe only"));
    m_localChanges->setObjectName(QStringLiteral("localChanges"));
    m_localChanges->setToolTip(tr("Describe the files as they are in the folder now, tracked "
                                  "or not; they are committed to a new branch when you approve"));
    headRow->addWidget(m_head, 1);
    headRow->addWidget(m_localChanges);
    auto* headLabel = new QLabel(tr("&Head"), this);
    headLabel->setBuddy(m_head); // the row's field is a layout, so the form cannot set it
    form->addRow(headLabel, headRow);
    auto* describeRow = new QHBoxLayout;
    m_describe->setObjectName(QStringLiteral("describe"));
    m_describe->setDefault(true);
    m_describe->setToolTip(tr("Find the Applications the change reaches and render base and "
                              "head (read-only)"));
    describeRow->addWidget(m_describe);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::RichText);
    m_status->setOpenExternalLinks(true);
    m_status->setTextInteractionFlags(Qt::TextBrowserInteraction);
    describeRow->addWidget(m_status, 1);
    form->addRow(QString(), describeRow);
    layout->addWidget(chooser);

    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_summary->setObjectName(QStringLiteral("summary"));
    m_summary->setAccessibleName(tr("Summary of the change"));
    m_changes->setObjectName(QStringLiteral("changesTree"));
    m_changes->setColumnCount(2);
    m_changes->setHeaderLabels({tr("Application / object / field"), tr("Change")});
    m_changes->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_changes->setColumnWidth(0, 460);
    m_changes->setAccessibleName(tr("Object changes per application"));
    m_objectDiff->setObjectName(QStringLiteral("objectDiff"));
    m_objectDiff->setAccessibleName(tr("Rendered diff of the selected object"));
    auto* changesSplit = new QSplitter(Qt::Horizontal, this);
    changesSplit->addWidget(m_changes);
    changesSplit->addWidget(m_objectDiff);
    changesSplit->setStretchFactor(0, 1);
    changesSplit->setStretchFactor(1, 1);
    m_policy->setObjectName(QStringLiteral("policy"));
    m_commit->setObjectName(QStringLiteral("commitDiff"));
    m_commit->setAccessibleName(tr("The commit: every changed file's exact diff"));

    auto* prPage = new QWidget(this);
    auto* prLayout = new QVBoxLayout(prPage);
    auto* prForm = new QFormLayout;
    m_title->setObjectName(QStringLiteral("title"));
    m_title->setAccessibleName(tr("Pull request title"));
    prForm->addRow(tr("&Title"), m_title);
    m_branch->setObjectName(QStringLiteral("branch"));
    m_branch->setAccessibleName(tr("New branch for the commit"));
    m_branchLabel->setBuddy(m_branch);
    prForm->addRow(m_branchLabel, m_branch);
    prLayout->addLayout(prForm);
    m_markdown->setObjectName(QStringLiteral("markdown"));
    m_markdown->setFont(mono);
    m_markdown->setAccessibleName(tr("Pull request description (Markdown)"));
    prLayout->addWidget(m_markdown, 1);

    m_tabs->addTab(m_summary, tr("&Summary"));
    m_tabs->addTab(m_impact, tr("A&pplications"));
    m_tabs->addTab(changesSplit, tr("&Object changes"));
    m_tabs->addTab(m_risks, tr("R&isks"));
    m_tabs->addTab(m_policy, tr("Polic&y and approvals"));
    m_tabs->addTab(m_commit, tr("&Commit"));
    m_tabs->addTab(prPage, tr("Pull re&quest"));
    layout->addWidget(m_tabs, 1);

    m_target->setObjectName(QStringLiteral("target"));
    m_target->setWordWrap(true);
    m_target->setTextFormat(Qt::RichText);
    layout->addWidget(m_target);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_approve->setObjectName(QStringLiteral("approve"));
    m_approve->setEnabled(false);
    buttons->addButton(m_approve, QDialogButtonBox::ActionRole);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_approve, &QPushButton::clicked, this, &PrDraftDialog::approveAndOpen);
    connect(m_describe, &QPushButton::clicked, this, &PrDraftDialog::describe);
    connect(m_repository, &QComboBox::currentIndexChanged, this, &PrDraftDialog::repositoryChosen);
    connect(m_folder, &QLineEdit::editingFinished, this, &PrDraftDialog::inspect);
    connect(m_localChanges, &QCheckBox::toggled, m_head, &QWidget::setDisabled);
    connect(m_changes, &QTreeWidget::currentItemChanged, this, &PrDraftDialog::showObjectDiff);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(
            this, tr("Folder with a Git repository"), m_folder->text());
        if (!dir.isEmpty())
            chooseFolder(dir);
    });

    fillRepositories();
    m_summary->setHtml(
        tr("<p>Choose the repository, the base (empty: its default branch) and the head (a "
           "branch or any revision; for a local folder also its uncommitted changes), then "
           "<b>Describe</b>.</p><p style='color:gray'>Sextant finds the Applications the change "
           "reaches, renders base and head, and drafts a pull request. Nothing is written until "
           "you approve it.</p>"));
    repositoryChosen();
}

PrDraftDialog::~PrDraftDialog() = default;

void PrDraftDialog::fillRepositories() {
    const QSignalBlocker block(m_repository);
    m_repository->clear();
    for (const gitops::GitRemote& r : m_session->gitRemotes()->remotes()) {
        const bool demo = m_session->isEphemeralGitRemote(r.repoURL);
        m_repository->addItem(demo ? tr("%1  (demo)").arg(r.repoURL) : r.repoURL, r.repoURL);
    }
    m_repository->addItem(tr("Local folder…"), kLocalFolderItem);
}

bool PrDraftDialog::chooseRemote(const QString& repoURL) {
    for (int i = 0; i < m_repository->count(); ++i)
        if (m_repository->itemData(i).typeId() == QMetaType::QString &&
            gitops::sameRepo(m_repository->itemData(i).toString(), repoURL)) {
            m_repository->setCurrentIndex(i);
            return true;
        }
    return false;
}

void PrDraftDialog::chooseFolder(const QString& folder) {
    m_folder->setText(folder);
    const int local = m_repository->findData(kLocalFolderItem);
    if (m_repository->currentIndex() != local)
        m_repository->setCurrentIndex(local); // inspects
    else
        inspect();
}

void PrDraftDialog::setBase(const QString& revision) {
    m_base->setText(revision);
}

void PrDraftDialog::setHead(const QString& revision) {
    m_localChanges->setChecked(false);
    m_head->setText(revision);
}

void PrDraftDialog::setLocalChanges(bool on) {
    m_localChanges->setChecked(on);
}

ConfigChangeSource PrDraftDialog::source() const {
    ConfigChangeSource s;
    const bool local = m_repository->currentData().typeId() != QMetaType::QString;
    s.kind = local ? ConfigChangeSource::Kind::LocalFolder : ConfigChangeSource::Kind::Remote;
    s.repoURL = local ? QString() : m_repository->currentData().toString();
    s.folder = m_folder->text().trimmed();
    s.base = m_base->text().trimmed();
    s.head = m_head->text().trimmed();
    s.localChanges = local && m_localChanges->isChecked();
    return s;
}

void PrDraftDialog::repositoryChosen() {
    const bool local = m_repository->currentData().typeId() != QMetaType::QString;
    m_form->setRowVisible(m_folderRow, local);
    m_localChanges->setVisible(local);
    if (!local)
        m_localChanges->setChecked(false);
    m_base->clear();
    if (!local || m_folder->text().trimmed().isEmpty()) {
        if (local) {
            setStatus(gray(tr("Choose a folder with a Git repository.")));
            return;
        }
    }
    inspect();
}

void PrDraftDialog::inspect() {
    const ConfigChangeSource s = source();
    if (s.kind == ConfigChangeSource::Kind::LocalFolder && s.folder.isEmpty())
        return;
    const int ticket = ++m_inspection;
    setStatus(gray(s.kind == ConfigChangeSource::Kind::Remote
                       ? tr("Fetching %1…").arg(esc(s.repoURL))
                       : tr("Reading %1…").arg(esc(s.folder))));
    QPointer<PrDraftDialog> self(this);
    m_session->inspectConfigRepository(s, [self, ticket](Result<ConfigRepositoryInfo> info) {
        if (!self || ticket != self->m_inspection)
            return;
        if (!info.ok()) {
            self->setStatus(red(esc(info.error().shortMessage)) + QLatin1Char(' ') +
                            gray(esc(info.error().details)));
            Q_EMIT self->inspected();
            return;
        }
        self->m_hasWorkTree = info->hasWorkTree;
        self->m_localChanges->setEnabled(info->hasWorkTree);
        if (self->m_base->text().isEmpty())
            self->m_base->setPlaceholderText(tr("default branch: %1").arg(info->defaultBranch));
        const gitops::CommitInfo& tip = info->defaultTip;
        QString text = tr("Default branch <b>%1</b> at %2 “%3” by %4.")
                           .arg(esc(info->defaultBranch), esc(tip.shortSha), esc(tip.summary),
                                esc(tip.authorName));
        if (self->source().kind == ConfigChangeSource::Kind::LocalFolder)
            text +=
                QLatin1Char(' ') +
                (info->remote
                     ? tr("Pull requests go to %1.").arg(esc(info->remote->provider.displayName()))
                 : info->repoURL.isEmpty()
                     ? tr("No 'origin' remote: describe only.")
                     : tr("%1 is not set up under Tools → Git repositories…: describe only.")
                           .arg(esc(info->repoURL)));
        self->setStatus(text);
        Q_EMIT self->inspected();
    });
}

void PrDraftDialog::setStatus(const QString& html) {
    m_status->setText(html);
}

void PrDraftDialog::setBusy(bool busy, const QString& text) {
    m_busy = busy;
    m_describe->setEnabled(!busy);
    m_repository->setEnabled(!busy);
    if (!text.isEmpty())
        setStatus(busy ? gray(esc(text)) : text);
    updateApprove();
}

void PrDraftDialog::updateApprove() {
    const bool ready = m_draft && m_draft->whyNoPullRequest.isEmpty() && !m_outcome;
    m_approve->setEnabled(!m_busy && ready);
    m_approve->setToolTip(
        !m_draft ? tr("Describe the change first")
        : !m_draft->whyNoPullRequest.isEmpty()
            ? m_draft->whyNoPullRequest
            : (m_draft->pushesCommit()
                   ? tr("You approve the commit (its exact diff), then the pull request (the "
                        "exact request); both are recorded in the audit log")
                   : tr("You approve the pull request (the exact request); it is recorded in "
                        "the audit log")));
}

void PrDraftDialog::presentDraft(ConfigChangeDraft draft, const QString& heading) {
    ++m_inspection; // an inspection still under way answers for another repository: ignored
    m_chooser->setEnabled(false);
    m_chooser->setToolTip(tr("The change is given: %1").arg(heading));
    {
        // Only shown: choosing the repository here must not inspect or describe anything.
        const QSignalBlocker blocker(m_repository);
        chooseRemote(draft.repoURL);
    }
    m_base->setText(draft.baseBranch);
    m_head->setText(draft.headLabel);
    setWindowTitle(heading);
    showDraft(std::move(draft));
}

void PrDraftDialog::describe() {
    if (m_busy)
        return;
    const ConfigChangeSource s = source();
    if (s.kind == ConfigChangeSource::Kind::LocalFolder && s.folder.isEmpty()) {
        setStatus(red(tr("Choose a folder with a Git repository first.")));
        return;
    }
    if (!s.localChanges && s.head.isEmpty()) {
        setStatus(red(s.kind == ConfigChangeSource::Kind::LocalFolder && m_hasWorkTree
                          ? tr("Name the head revision, or tick Local changes.")
                          : tr("Name the head revision (a branch, tag or commit).")));
        return;
    }
    m_outcome.reset();
    setBusy(true, tr("Describing…"));
    QPointer<PrDraftDialog> self(this);
    m_session->describeConfigChange(
        s,
        [self](Result<ConfigChangeDraft> result) {
            if (self)
                self->showDraft(std::move(result));
        },
        [self](const QString& text) {
            if (self)
                self->setBusy(true, text);
        });
}

void PrDraftDialog::showDraft(Result<ConfigChangeDraft> result) {
    if (!result.ok()) {
        const Error& e = result.error();
        m_draft.reset();
        setBusy(false,
                red(tr("Not described: %1").arg(esc(e.shortMessage))) +
                    (e.details.isEmpty() ? QString() : QLatin1Char(' ') + gray(esc(e.details))));
        Q_EMIT described();
        return;
    }
    m_draft = std::move(result.value());
    const ConfigChangeDraft& d = *m_draft;
    const gitops::ChangeDescription& c = *d.description;

    // Summary.
    QString html = QStringLiteral("<h3>%1</h3>").arg(esc(c.description.title));
    html += QStringLiteral("<p>%1 → %2 · %3</p>")
                .arg(esc(d.baseLabel), esc(d.headLabel),
                     tr("%n file(s) changed", nullptr, int(c.input.changedFiles.size())));
    const QStringList lines = gitops::summarizeChanges(c.input.apps);
    html += QStringLiteral("<ul>");
    if (lines.isEmpty())
        html += QStringLiteral("<li>%1</li>")
                    .arg(c.impacted.empty() ? tr("No Application renders the changed files.")
                                            : tr("The rendered objects do not change."));
    for (const QString& line : lines)
        html += QStringLiteral("<li>%1</li>").arg(esc(line));
    html += QStringLiteral("</ul>");
    int errors = 0;
    for (const gitops::Risk& r : c.input.risks)
        errors += r.severity == policy::Severity::Error ? 1 : 0;
    html +=
        QStringLiteral("<p>%1 · %2</p>")
            .arg(tr("%n application(s) reached", nullptr, int(c.impacted.size())),
                 errors > 0 ? red(tr("%n risk(s), %1 serious", nullptr, int(c.input.risks.size()))
                                      .arg(errors))
                            : tr("%n risk(s)", nullptr, int(c.input.risks.size())));
    if (!c.input.risks.empty()) {
        html += QStringLiteral("<ul>");
        int shown = 0;
        for (const gitops::Risk& r : c.input.risks) {
            if (++shown > 5) {
                html += QStringLiteral("<li>%1</li>")
                            .arg(tr("… and %n more on the Risks tab", nullptr,
                                    int(c.input.risks.size()) - 5));
                break;
            }
            const QString title = QStringLiteral("<b>%1</b>").arg(esc(r.title));
            html +=
                QStringLiteral("<li>%1: %2</li>")
                    .arg(r.severity == policy::Severity::Error ? red(title) : title, esc(r.reason));
        }
        html += QStringLiteral("</ul>");
    }
    html += QStringLiteral("<p>%1</p>")
                .arg(gray(d.fleetApplications > 0
                              ? tr("%n Application(s) of the connected instances use this "
                                   "repository; Applications defined in the repository are "
                                   "followed too.",
                                   nullptr, d.fleetApplications)
                              : tr("No Application of a connected instance uses this "
                                   "repository: only the Applications defined in the "
                                   "repository itself are followed.")));
    QStringList notes = d.notes + c.notes;
    if (!notes.isEmpty()) {
        html += QStringLiteral("<p><b>%1</b></p><ul>").arg(tr("Notes"));
        for (const QString& n : std::as_const(notes))
            html += QStringLiteral("<li>%1</li>").arg(esc(n));
        html += QStringLiteral("</ul>");
    }
    html += QStringLiteral("<p>%1</p>")
                .arg(gray(tr("Described in %1 ms (impact %2 ms, render %3 ms).")
                              .arg(c.totalMs)
                              .arg(c.impactMs)
                              .arg(c.renderMs)));
    m_summary->setHtml(html);

    // Applications reached, by cluster and environment.
    std::vector<const gitops::ImpactEntry*> entries;
    for (const gitops::ImpactEntry& e : c.impacted)
        entries.push_back(&e);
    std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
        return std::tie(a->app.environment, a->app.cluster, a->app.name) <
               std::tie(b->app.environment, b->app.cluster, b->app.name);
    });
    m_impact->setRowCount(int(entries.size()));
    for (int row = 0; row < int(entries.size()); ++row) {
        const gitops::ImpactEntry& e = *entries[std::size_t(row)];
        m_impact->setItem(row, 0, cell(e.app.name));
        m_impact->setItem(
            row, 1, cell(e.app.instance.isEmpty() ? tr("(in the repository)") : e.app.instance));
        m_impact->setItem(row, 2, cell(e.app.cluster));
        m_impact->setItem(row, 3, cell(e.app.environment.isEmpty() ? tr("—") : e.app.environment));
        m_impact->setItem(row, 4, cell(e.app.destNamespace));
        m_impact->setItem(
            row, 5, cell(e.files.join(QStringLiteral(", ")), e.files.join(QLatin1Char('\n'))));
        m_impact->setItem(row, 6, cell(e.reasons.value(0), e.reasons.join(QLatin1Char('\n'))));
    }
    m_impact->resizeColumnsToContents();
    m_tabs->setTabText(1, tr("A&pplications (%1)").arg(entries.size()));

    // Object changes: applications, their objects, the fields; the diff of the selected object.
    m_changes->clear();
    m_objectDiff->clear();
    int objects = 0;
    for (int a = 0; a < int(c.input.apps.size()); ++a) {
        const gitops::AppChanges& app = c.input.apps[std::size_t(a)];
        auto* top = new QTreeWidgetItem(m_changes);
        top->setText(0, app.app.app);
        top->setText(
            1, QStringLiteral("%1 · %2 · %3")
                   .arg(app.app.cluster,
                        app.app.environment.isEmpty() ? tr("no environment") : app.app.environment,
                        tr("%n object(s)", nullptr, int(app.changes.size()))));
        top->setData(0, AppRole, a);
        top->setData(0, ChangeRole, -1);
        for (int i = 0; i < int(app.changes.size()); ++i) {
            const gitops::ObjectChange& oc = app.changes[std::size_t(i)];
            auto* item = new QTreeWidgetItem(top);
            item->setText(0, oc.displayName());
            item->setText(1, oc.change == gitops::ObjectChange::Renamed
                                 ? tr("renamed from %1").arg(oc.oldName)
                                 : gitops::changeName(oc.change));
            item->setData(0, AppRole, a);
            item->setData(0, ChangeRole, i);
            for (const gitops::FieldChange& f : oc.fields) {
                auto* field = new QTreeWidgetItem(item);
                field->setText(0, f.path);
                field->setText(1, f.kind == gitops::FieldChange::Kind::Modified
                                      ? QStringLiteral("%1 → %2").arg(f.before, f.after)
                                  : f.kind == gitops::FieldChange::Kind::Added
                                      ? tr("added: %1").arg(f.after)
                                      : tr("removed (was %1)").arg(f.before));
                field->setToolTip(1, field->text(1));
                field->setData(0, AppRole, a);
                field->setData(0, ChangeRole, i);
            }
            ++objects;
        }
        top->setExpanded(a < 5);
    }
    // The first object's diff is on screen at once.
    if (QTreeWidgetItem* first = m_changes->topLevelItem(0)) {
        m_changes->setCurrentItem(first->childCount() > 0 ? first->child(0) : first);
        showObjectDiff();
    }
    m_tabs->setTabText(2, tr("&Object changes (%1)").arg(objects));

    // Risks.
    m_risks->setRowCount(int(c.input.risks.size()));
    for (int row = 0; row < int(c.input.risks.size()); ++row) {
        const gitops::Risk& r = c.input.risks[std::size_t(row)];
        auto* severity = cell(policy::severityName(r.severity));
        if (r.severity == policy::Severity::Error)
            severity->setForeground(QColor(0xb0, 0x00, 0x20));
        m_risks->setItem(row, 0, severity);
        m_risks->setItem(row, 1, cell(r.title));
        m_risks->setItem(row, 2, cell(r.app.isEmpty() ? tr("(whole change)") : r.app));
        m_risks->setItem(row, 3, cell(r.object));
        m_risks->setItem(row, 4, cell(r.reason));
    }
    m_risks->resizeColumnsToContents();
    m_tabs->setTabText(3, tr("R&isks (%1)").arg(c.input.risks.size()));

    // Policy and approvals.
    QString policyHtml = QStringLiteral("<h3>%1</h3>").arg(tr("Policy results"));
    if (!c.input.policyChecked) {
        policyHtml += QStringLiteral("<p>%1</p>").arg(gray(tr("The policy pack did not run.")));
    } else {
        int introduced = 0, fixed = 0;
        QString list;
        for (const gitops::PolicyDelta& delta : c.input.policy) {
            for (const policy::Violation& v : delta.introduced) {
                ++introduced;
                list += QStringLiteral("<li>%1 <b>%2</b> %3 %4/%5: %6</li>")
                            .arg(red(tr("new")), esc(delta.app), esc(v.rule), esc(v.kind),
                                 esc(v.name), esc(v.message));
            }
            for (const policy::Violation& v : delta.fixed) {
                ++fixed;
                list += QStringLiteral("<li><span style='color:#0b6b1f'>%1</span> <b>%2</b> %3 "
                                       "%4/%5: %6</li>")
                            .arg(tr("fixed"), esc(delta.app), esc(v.rule), esc(v.kind), esc(v.name),
                                 esc(v.message));
            }
        }
        policyHtml += QStringLiteral("<p>%1</p><ul>%2</ul>")
                          .arg(tr("%1 new, %2 fixed.").arg(introduced).arg(fixed), list);
    }
    policyHtml += QStringLiteral("<h3>%1</h3>").arg(tr("Required approvals"));
    if (!c.input.codeOwners) {
        policyHtml +=
            QStringLiteral("<p>%1</p>").arg(gray(tr("The repository has no CODEOWNERS file.")));
    } else {
        const auto approvals = gitops::requiredApprovals(*c.input.codeOwners, c.input.changedFiles);
        policyHtml += QStringLiteral("<p>%1</p><ul>")
                          .arg(gray(tr("From %1").arg(esc(c.input.codeOwners->file()))));
        for (const gitops::RequiredApproval& a : approvals)
            policyHtml +=
                QStringLiteral("<li>%1%2%3: %4</li>")
                    .arg(a.owners.isEmpty() ? tr("(no owner)")
                                            : esc(a.owners.join(QStringLiteral(", "))),
                         a.section.isEmpty() ? QString()
                                             : QStringLiteral(" [%1]").arg(esc(a.section)),
                         a.optional ? tr(" (optional)") : QString(),
                         esc(a.files.join(QStringLiteral(", "))));
        policyHtml += QStringLiteral("</ul>");
    }
    m_policy->setHtml(policyHtml);

    // The commit (local changes only).
    const int commitTab = m_tabs->indexOf(m_commit);
    m_tabs->setTabVisible(commitTab, d.pushesCommit());
    if (d.pushesCommit())
        m_commit->setHtml(QStringLiteral("<p>%1</p>")
                              .arg(tr("%n file(s) committed on a new branch from %1 when you "
                                      "approve:",
                                      nullptr, int(d.edits.size()))
                                       .arg(esc(d.baseLabel))) +
                          diffHtml(d.diff.split(QLatin1Char('\n'))));

    // The pull request.
    m_title->setText(c.description.title);
    m_markdown->setPlainText(c.description.parts.value(0));
    m_branch->setText(d.suggestedBranch);
    m_branch->setVisible(d.pushesCommit());
    m_branchLabel->setVisible(d.pushesCommit());

    if (!d.whyNoPullRequest.isEmpty()) {
        m_target->setText(
            gray(tr("No pull request from this change: %1").arg(esc(d.whyNoPullRequest))));
    } else if (d.remote) {
        const QString noun = gitops::pullRequestNoun(d.remote->provider.kind);
        m_target->setText(
            (d.pushesCommit()
                 ? tr("A new branch from <b>%1</b> is pushed to %2, then a %3 into <b>%4</b> is "
                      "opened on %5.")
                       .arg(esc(d.baseLabel), esc(d.remote->effectiveCloneURL()), esc(noun),
                            esc(d.baseBranch), esc(d.remote->provider.displayName()))
                 : tr("A %1 from <b>%2</b> into <b>%3</b> is opened on %4.")
                       .arg(esc(noun), esc(d.headBranch), esc(d.baseBranch),
                            esc(d.remote->provider.displayName()))) +
            QLatin1Char(' ') +
            (d.remote->writesAllowed
                 ? tr("Writes are allowed, each approved by you.")
                 : red(tr("<b>Writes are off (audit mode)</b>: allow them under Tools → Git "
                          "repositories…"))));
    } else {
        m_target->clear();
    }
    const QString status =
        d.whyNoPullRequest.isEmpty()
            ? tr("Described. Review the tabs, edit the pull request, then approve.")
            : tr("Described. No pull request from this: %1").arg(esc(d.whyNoPullRequest));
    setBusy(false, status);
    Q_EMIT described();
}

void PrDraftDialog::showObjectDiff() {
    QTreeWidgetItem* item = m_changes->currentItem();
    if (!item || !m_draft || !m_draft->description) {
        m_objectDiff->clear();
        return;
    }
    const auto& apps = m_draft->description->input.apps;
    const int a = item->data(0, AppRole).toInt();
    const int i = item->data(0, ChangeRole).toInt();
    if (a < 0 || a >= int(apps.size())) {
        m_objectDiff->clear();
        return;
    }
    const gitops::AppChanges& app = apps[std::size_t(a)];
    if (i < 0) {
        QString html = QStringLiteral("<h4>%1</h4><ul>").arg(esc(app.app.app));
        for (const QString& line : gitops::summarizeAppChanges(app))
            html += QStringLiteral("<li>%1</li>").arg(esc(line));
        html +=
            QStringLiteral("</ul><p>%1</p>")
                .arg(gray(tr("Rendered with %1. Files: %2")
                              .arg(esc(app.renderer), esc(app.files.join(QStringLiteral(", "))))));
        for (const QString& n : app.notes)
            html += QStringLiteral("<p>%1</p>").arg(gray(esc(n)));
        m_objectDiff->setHtml(html);
        return;
    }
    if (i >= int(app.changes.size()))
        return;
    const gitops::ObjectChange& oc = app.changes[std::size_t(i)];
    m_objectDiff->setHtml(
        QStringLiteral("<h4>%1 (%2)</h4>").arg(esc(oc.displayName()), esc(changeName(oc.change))) +
        diffHtml(gitops::objectDiffLines(oc)));
}

void PrDraftDialog::approveAndOpen() {
    if (!m_draft || m_busy || !m_draft->whyNoPullRequest.isEmpty())
        return;
    setBusy(true, m_draft->pushesCommit() ? tr("Waiting for your approval of the commit…")
                                          : tr("Waiting for your approval of the pull request…"));
    QPointer<PrDraftDialog> self(this);
    m_session->submitConfigChange(
        *m_draft, m_branch->text().trimmed(), m_title->text().trimmed(), m_markdown->toPlainText(),
        [self](Result<CorrectiveOutcome> outcome) {
            if (!self)
                return;
            if (!outcome.ok()) {
                const Error& e = outcome.error();
                self->setBusy(false,
                              red(esc(e.shortMessage)) + QLatin1Char(' ') + gray(esc(e.details)));
                Q_EMIT self->finished();
                return;
            }
            self->m_outcome = outcome.value();
            const CorrectiveOutcome& o = *self->m_outcome;
            const QString noun = self->m_draft->remote
                                     ? gitops::pullRequestNoun(self->m_draft->remote->provider.kind)
                                     : tr("pull request");
            self->setBusy(false, tr("<b>%1 #%2 %3</b>: <a href='%4'>%4</a> — commit %5 on %6.")
                                     .arg(esc(capitalised(noun)))
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
