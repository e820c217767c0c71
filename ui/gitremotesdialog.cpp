#include "gitremotesdialog.h"

#include "configchange.h"
#include "consolesession.h"
#include "gitops/applications.h"
#include "governance/actionmode.h"
#include "secrets/credentialstore.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace sextant::ui {

namespace {

using gitops::ProviderKind;

enum Column { RepoColumn, ProviderColumn, PathColumn, WritesColumn, TokenColumn, CloneColumn };

const ProviderKind kKinds[] = {ProviderKind::GitHub, ProviderKind::GitLab, ProviderKind::Gitea,
                               ProviderKind::BitbucketCloud, ProviderKind::BitbucketDataCenter};

QString kindLabel(ProviderKind kind) {
    return kind == ProviderKind::Gitea ? QObject::tr("Gitea / Forgejo")
                                       : gitops::providerDisplayName(kind);
}

// The HTTPS user name that goes with each provider's tokens.
QString defaultUsername(ProviderKind kind) {
    switch (kind) {
    case ProviderKind::GitHub:
        return QStringLiteral("x-access-token");
    case ProviderKind::GitLab:
        return QStringLiteral("oauth2");
    case ProviderKind::Gitea:
        return QStringLiteral("git");
    case ProviderKind::BitbucketCloud:
        return QStringLiteral("x-token-auth");
    case ProviderKind::BitbucketDataCenter:
        return QString(); // a person's or a service account's user name
    }
    return {};
}

QString usernameHint(ProviderKind kind) {
    switch (kind) {
    case ProviderKind::GitHub:
        return QObject::tr("x-access-token works with personal, fine-grained and GitHub App "
                           "tokens. The token needs Contents and Pull requests: write.");
    case ProviderKind::GitLab:
        return QObject::tr("oauth2 works with personal, project and group access tokens "
                           "(scopes api and write_repository).");
    case ProviderKind::Gitea:
        return QObject::tr("Any user name works with an access token (repository: write).");
    case ProviderKind::BitbucketCloud:
        return QObject::tr("x-token-auth for repository and workspace access tokens (pull "
                           "requests: write).");
    case ProviderKind::BitbucketDataCenter:
        return QObject::tr("The Bitbucket user the HTTP access token belongs to (project or "
                           "repository tokens: the user name shown for the token).");
    }
    return {};
}

bool isDefaultUsername(const QString& name) {
    if (name.isEmpty())
        return true;
    for (ProviderKind kind : kKinds)
        if (name == defaultUsername(kind))
            return true;
    return false;
}

// A URL that carries a password (https://user:secret@host/…).
bool hasPassword(const QString& url) {
    const QUrl parsed(url);
    return parsed.isValid() && !parsed.password().isEmpty();
}

bool looksLikeRepositoryUrl(const QString& url) {
    static const QStringList schemes{QStringLiteral("https://"), QStringLiteral("http://"),
                                     QStringLiteral("ssh://"), QStringLiteral("git://")};
    for (const QString& s : schemes)
        if (url.startsWith(s, Qt::CaseInsensitive) && url.size() > s.size())
            return true;
    // scp-like: git@host:org/repo.git
    const int at = url.indexOf(QLatin1Char('@'));
    const int colon = url.indexOf(QLatin1Char(':'));
    return at > 0 && colon > at + 1 && !url.contains(QStringLiteral("://"));
}

bool looksLikeCloneUrl(const QString& url) {
    return looksLikeRepositoryUrl(url) || url.startsWith(QLatin1String("file://")) ||
           url.startsWith(QLatin1Char('/'));
}

QString ago(const QDateTime& when) {
    const qint64 s = when.secsTo(QDateTime::currentDateTimeUtc());
    if (s < 120)
        return QObject::tr("just now");
    if (s < 7200)
        return QObject::tr("%n minute(s) ago", nullptr, int(s / 60));
    if (s < 2 * 86400)
        return QObject::tr("%n hour(s) ago", nullptr, int(s / 3600));
    return QObject::tr("%n day(s) ago", nullptr, int(s / 86400));
}

} // namespace

GitRemotesDialog::GitRemotesDialog(ConsoleSession* session, QWidget* parent)
    : QDialog(parent)
    , m_session(session)
    , m_table(new QTableWidget(this))
    , m_repoUrl(new QLineEdit(this))
    , m_cloneUrl(new QLineEdit(this))
    , m_provider(new QComboBox(this))
    , m_apiBase(new QLineEdit(this))
    , m_ownerRepo(new QLineEdit(this))
    , m_username(new QLineEdit(this))
    , m_usernameHint(new QLabel(this))
    , m_token(new QLineEdit(this))
    , m_tokenState(new QLabel(this))
    , m_writes(
          new QCheckBox(tr("Allow writes (pushes and pull requests, each approved by you)"), this))
    , m_defaultBranch(new QCheckBox(tr("Allow commits to the default branch"), this))
    , m_verifyTls(new QCheckBox(tr("Verify the provider's TLS certificate"), this))
    , m_tlsWarning(new QLabel(this))
    , m_status(new QLabel(this))
    , m_add(new QPushButton(tr("&Add"), this))
    , m_remove(new QPushButton(tr("&Remove"), this))
    , m_test(nullptr)
    , m_save(nullptr) {
    setObjectName(QStringLiteral("gitRemotesDialog"));
    setWindowTitle(tr("Git repositories"));
    resize(1240, 640);
    auto* outer = new QVBoxLayout(this);
    auto* intro = new QLabel(
        tr("The config repositories your Argo CD Applications use. Sextant reads them to describe "
           "changes and draft fixes; with writes allowed it pushes a branch and opens a pull "
           "request, and you approve each of those first. Tokens are kept only in the system "
           "keychain."),
        this);
    intro->setWordWrap(true);
    outer->addWidget(intro);

    auto* body = new QHBoxLayout;
    auto* left = new QVBoxLayout;
    m_table->setObjectName(QStringLiteral("remotes"));
    m_table->setAccessibleName(tr("Configured Git repositories"));
    m_table->setColumnCount(6);
    m_table->setHorizontalHeaderLabels({tr("Repository (as Argo CD names it)"), tr("Provider"),
                                        tr("Owner/repository"), tr("Writes"), tr("Token"),
                                        tr("Clone URL")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    left->addWidget(m_table, 1);
    auto* listButtons = new QHBoxLayout;
    m_add->setObjectName(QStringLiteral("add"));
    m_remove->setObjectName(QStringLiteral("remove"));
    listButtons->addWidget(m_add);
    listButtons->addWidget(m_remove);
    listButtons->addStretch(1);
    left->addLayout(listButtons);
    body->addLayout(left, 3);

    auto* right = new QVBoxLayout;
    auto* form = new QFormLayout;
    m_repoUrl->setObjectName(QStringLiteral("repoUrl"));
    m_repoUrl->setPlaceholderText(QStringLiteral("https://github.com/acme/gitops.git"));
    m_repoUrl->setToolTip(tr("Exactly as spec.source.repoURL of your Applications says it "
                             "(https, ssh and .git variants match)"));
    form->addRow(tr("Repository &URL:"), m_repoUrl);
    m_cloneUrl->setObjectName(QStringLiteral("cloneUrl"));
    m_cloneUrl->setPlaceholderText(tr("optional: where Sextant fetches and pushes, if not there"));
    form->addRow(tr("&Clone URL:"), m_cloneUrl);
    m_provider->setObjectName(QStringLiteral("provider"));
    for (ProviderKind kind : kKinds)
        m_provider->addItem(kindLabel(kind), int(kind));
    form->addRow(tr("&Provider:"), m_provider);
    m_apiBase->setObjectName(QStringLiteral("apiBase"));
    m_apiBase->setPlaceholderText(QStringLiteral("https://api.github.com"));
    form->addRow(tr("API &base:"), m_apiBase);
    m_ownerRepo->setObjectName(QStringLiteral("ownerRepo"));
    m_ownerRepo->setPlaceholderText(tr("acme/gitops (GitLab: group/subgroup/project)"));
    form->addRow(tr("&Owner/repository:"), m_ownerRepo);
    m_username->setObjectName(QStringLiteral("username"));
    form->addRow(tr("HTTPS user &name:"), m_username);
    m_usernameHint->setWordWrap(true);
    m_usernameHint->setStyleSheet(QStringLiteral("color: gray;"));
    form->addRow(QString(), m_usernameHint);
    m_token->setObjectName(QStringLiteral("token"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setAccessibleName(tr("Provider token"));
    form->addRow(tr("&Token:"), m_token);
    m_tokenState->setObjectName(QStringLiteral("tokenState"));
    m_tokenState->setWordWrap(true);
    m_tokenState->setStyleSheet(QStringLiteral("color: gray;"));
    form->addRow(QString(), m_tokenState);
    m_writes->setObjectName(QStringLiteral("writes"));
    m_writes->setToolTip(tr("Off = audit mode: Sextant only reads this repository"));
    form->addRow(QString(), m_writes);
    m_defaultBranch->setObjectName(QStringLiteral("defaultBranch"));
    m_defaultBranch->setToolTip(
        tr("Normally every change goes to a new branch and a pull request"));
    form->addRow(QString(), m_defaultBranch);
    m_verifyTls->setObjectName(QStringLiteral("verifyTls"));
    form->addRow(QString(), m_verifyTls);
    m_tlsWarning->setObjectName(QStringLiteral("tlsWarning"));
    m_tlsWarning->setText(tr("Anyone on the network path can read the token and fake the "
                             "provider's answers. Use this only for a test server."));
    m_tlsWarning->setWordWrap(true);
    m_tlsWarning->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_tlsWarning->hide();
    form->addRow(QString(), m_tlsWarning);
    right->addLayout(form);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setAccessibleName(tr("Result"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    right->addWidget(m_status);
    right->addStretch(1);
    body->addLayout(right, 2);
    outer->addLayout(body, 1);

    auto* buttons = new QDialogButtonBox(this);
    m_test = buttons->addButton(tr("&Test (read-only)"), QDialogButtonBox::ActionRole);
    m_test->setObjectName(QStringLiteral("test"));
    m_test->setToolTip(tr("Fetch the repository into Sextant's cache, without writing anything "
                          "to it, and show its default branch and last commit"));
    m_save = buttons->addButton(tr("&Save"), QDialogButtonBox::ApplyRole);
    m_save->setObjectName(QStringLiteral("save"));
    buttons->addButton(QDialogButtonBox::Close);
    outer->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_test, &QPushButton::clicked, this, &GitRemotesDialog::test);
    connect(m_save, &QPushButton::clicked, this, &GitRemotesDialog::save);
    connect(m_add, &QPushButton::clicked, this, &GitRemotesDialog::startNew);
    connect(m_remove, &QPushButton::clicked, this, &GitRemotesDialog::removeCurrent);
    connect(m_repoUrl, &QLineEdit::textEdited, this, &GitRemotesDialog::repoUrlEdited);
    connect(m_provider, &QComboBox::activated, this, &GitRemotesDialog::providerChosen);
    for (QLineEdit* edit : {m_apiBase, m_ownerRepo})
        connect(edit, &QLineEdit::textEdited, this, [this] { m_providerTouched = true; });
    connect(m_verifyTls, &QCheckBox::toggled, this,
            [this](bool on) { m_tlsWarning->setVisible(!on); });
    connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (row < 0 || row >= m_table->rowCount())
            return;
        const QString url = m_table->item(row, RepoColumn)->data(Qt::UserRole).toString();
        if (const auto remote = m_session->gitRemotes()->find(url))
            showRemote(*remote);
    });

    reload();
    if (m_table->rowCount() > 0)
        m_table->selectRow(0);
    else
        startNew();
}

void GitRemotesDialog::reload() {
    const QSignalBlocker block(m_table);
    const QVector<gitops::GitRemote> remotes = m_session->gitRemotes()->remotes();
    m_table->setRowCount(int(remotes.size()));
    int current = -1;
    for (int row = 0; row < remotes.size(); ++row) {
        const gitops::GitRemote& r = remotes[row];
        const bool demo = m_session->isEphemeralGitRemote(r.repoURL);
        auto* repo = new QTableWidgetItem(demo ? tr("%1  (demo)").arg(r.repoURL) : r.repoURL);
        repo->setData(Qt::UserRole, r.repoURL);
        if (demo)
            repo->setToolTip(tr("A demo repository in a temporary folder: not editable, gone "
                                "when Sextant quits"));
        m_table->setItem(row, RepoColumn, repo);
        m_table->setItem(row, CloneColumn,
                         new QTableWidgetItem(r.cloneURL.isEmpty() ? tr("(same)") : r.cloneURL));
        m_table->setItem(row, ProviderColumn, new QTableWidgetItem(kindLabel(r.provider.kind)));
        m_table->setItem(row, PathColumn, new QTableWidgetItem(r.provider.repoPath()));
        m_table->setItem(row, WritesColumn,
                         new QTableWidgetItem(r.writesAllowed ? tr("allowed, each approved")
                                                              : tr("off (audit)")));
        m_table->setItem(row, TokenColumn, new QTableWidgetItem(tr("checking…")));
        if (gitops::sameRepo(r.repoURL, m_currentURL))
            current = row;
        // One keychain read per row, queued in order by the credential store.
        QPointer<GitRemotesDialog> self(this);
        const QString url = r.repoURL;
        m_session->gitTokenStored(r, [self, url](Result<bool> stored) {
            if (!self)
                return;
            for (int i = 0; i < self->m_table->rowCount(); ++i) {
                QTableWidgetItem* item = self->m_table->item(i, RepoColumn);
                if (!item || item->data(Qt::UserRole).toString() != url)
                    continue;
                QTableWidgetItem* token = self->m_table->item(i, TokenColumn);
                if (!stored.ok()) {
                    token->setText(tr("unknown (keychain)"));
                    token->setToolTip(stored.error().toString());
                } else {
                    token->setText(stored.value() ? tr("stored") : tr("none"));
                }
            }
        });
    }
    m_table->resizeColumnsToContents();
    if (current >= 0)
        m_table->selectRow(current);
}

bool GitRemotesDialog::select(const QString& repoURL) {
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (gitops::sameRepo(m_table->item(row, RepoColumn)->data(Qt::UserRole).toString(),
                             repoURL)) {
            m_table->selectRow(row);
            if (const auto remote = m_session->gitRemotes()->find(repoURL))
                showRemote(*remote);
            return true;
        }
    return false;
}

void GitRemotesDialog::startNew() {
    m_currentURL.clear();
    m_currentEphemeral = false;
    m_providerTouched = false;
    {
        const QSignalBlocker block(m_table);
        m_table->clearSelection();
        m_table->setCurrentCell(-1, -1);
    }
    m_repoUrl->clear();
    m_cloneUrl->clear();
    m_provider->setCurrentIndex(0);
    m_apiBase->clear();
    m_ownerRepo->clear();
    m_username->setText(defaultUsername(ProviderKind::GitHub));
    m_token->clear();
    m_writes->setChecked(false);
    m_defaultBranch->setChecked(false);
    m_verifyTls->setChecked(true);
    setEditable(true);
    m_remove->setEnabled(false);
    m_tokenState->setText(tr("The token is stored only in the system keychain."));
    m_token->setPlaceholderText(tr("provider access token"));
    updateHints();
    setStatus(tr("New repository. Writes stay off (audit mode) until you allow them."), false);
    m_repoUrl->setFocus();
}

void GitRemotesDialog::showRemote(const gitops::GitRemote& r) {
    m_currentURL = r.repoURL;
    m_currentEphemeral = m_session->isEphemeralGitRemote(r.repoURL);
    m_providerTouched = true; // a saved remote keeps what was chosen
    m_repoUrl->setText(r.repoURL);
    m_cloneUrl->setText(r.cloneURL);
    m_provider->setCurrentIndex(m_provider->findData(int(r.provider.kind)));
    m_apiBase->setText(r.provider.apiBase.toString());
    m_ownerRepo->setText(r.provider.repoPath());
    m_username->setText(r.username);
    m_token->clear();
    m_token->setPlaceholderText(tr("leave empty to keep the stored token"));
    m_writes->setChecked(r.writesAllowed);
    m_defaultBranch->setChecked(r.allowDefaultBranch);
    m_verifyTls->setChecked(r.provider.verifyTls);
    m_tlsWarning->setVisible(!r.provider.verifyTls);
    setEditable(!m_currentEphemeral);
    m_remove->setEnabled(!m_currentEphemeral);
    updateHints();
    m_tokenState->setText(tr("Checking the keychain…"));
    QPointer<GitRemotesDialog> self(this);
    const QString url = r.repoURL;
    m_session->gitTokenStored(r, [self, url](Result<bool> stored) {
        if (!self || self->m_currentURL != url)
            return;
        self->m_tokenState->setText(
            !stored.ok() ? tr("The keychain could not be read: %1").arg(stored.error().shortMessage)
            : stored.value() ? tr("A token is stored. Type a new one to replace it.")
                             : tr("No token is stored: reading public or local repositories "
                                  "works; pushes and pull requests need one."));
    });
    if (m_currentEphemeral)
        setStatus(tr("Demo repository, served from a temporary folder for the demo fleet. It "
                     "cannot be edited and goes away when Sextant quits; Test reads it."),
                  false);
    else
        setStatus(QString(), false);
}

void GitRemotesDialog::setEditable(bool editable) {
    // Read-only text stays readable (and copyable); choices are disabled.
    for (QLineEdit* e : {m_repoUrl, m_cloneUrl, m_apiBase, m_ownerRepo, m_username})
        e->setReadOnly(!editable);
    for (QWidget* w : std::initializer_list<QWidget*>{m_provider, m_token, m_writes,
                                                      m_defaultBranch, m_verifyTls})
        w->setEnabled(editable);
    m_save->setEnabled(editable && !m_busy);
}

void GitRemotesDialog::updateHints() {
    const auto kind = ProviderKind(m_provider->currentData().toInt());
    m_usernameHint->setText(usernameHint(kind));
}

void GitRemotesDialog::repoUrlEdited() {
    if (m_providerTouched)
        return;
    const QString url = m_repoUrl->text().trimmed();
    // Recognised hosts (github.com, gitlab.com, bitbucket.org) name their provider; for others
    // the provider chosen in the list decides the API's address.
    auto config = gitops::ProviderConfig::fromRepositoryUrl(url);
    if (!config.ok())
        config = gitops::ProviderConfig::fromRepositoryUrl(
            url, ProviderKind(m_provider->currentData().toInt()));
    if (!config.ok())
        return;
    const bool usernameWasDefault = isDefaultUsername(m_username->text().trimmed());
    m_provider->setCurrentIndex(m_provider->findData(int(config->kind)));
    m_apiBase->setText(config->apiBase.toString());
    m_ownerRepo->setText(config->repoPath());
    if (usernameWasDefault)
        m_username->setText(defaultUsername(config->kind));
    updateHints();
}

void GitRemotesDialog::providerChosen() {
    const auto kind = ProviderKind(m_provider->currentData().toInt());
    if (isDefaultUsername(m_username->text().trimmed()))
        m_username->setText(defaultUsername(kind));
    const QString url = m_repoUrl->text().trimmed();
    if (auto config = gitops::ProviderConfig::fromRepositoryUrl(url, kind); config.ok()) {
        m_apiBase->setText(config->apiBase.toString());
        m_ownerRepo->setText(config->repoPath());
    }
    updateHints();
}

bool GitRemotesDialog::formToRemote(gitops::GitRemote& r) {
    auto fail = [this](const QString& why) {
        setStatus(why, true);
        return false;
    };
    r.repoURL = m_repoUrl->text().trimmed();
    r.cloneURL = m_cloneUrl->text().trimmed();
    if (r.repoURL.isEmpty())
        return fail(tr("Enter the repository URL exactly as your Argo CD Applications name it "
                       "(spec.source.repoURL)."));
    if (!looksLikeRepositoryUrl(r.repoURL))
        return fail(tr("\"%1\" is not a repository URL: use https://host/owner/repo.git, "
                       "ssh://git@host/owner/repo.git or git@host:owner/repo.git.")
                        .arg(r.repoURL));
    if (hasPassword(r.repoURL) || hasPassword(r.cloneURL))
        return fail(tr("Remove the password from the URL and put the token in the Token field: "
                       "URLs are saved in plain text, the token only in the keychain."));
    if (!r.cloneURL.isEmpty() && !looksLikeCloneUrl(r.cloneURL))
        return fail(tr("\"%1\" is not a clone URL: use https://…, ssh://…, git@host:…, "
                       "file://… or a folder path.")
                        .arg(r.cloneURL));
    r.provider.kind = ProviderKind(m_provider->currentData().toInt());
    const QString api = m_apiBase->text().trimmed();
    r.provider.apiBase = QUrl(api);
    if (api.isEmpty() || !r.provider.apiBase.isValid() ||
        !(r.provider.apiBase.scheme() == QLatin1String("https") ||
          r.provider.apiBase.scheme() == QLatin1String("http")))
        return fail(tr("Enter the provider's API address (https://…), e.g. %1.")
                        .arg(r.provider.kind == ProviderKind::GitHub
                                 ? QStringLiteral("https://api.github.com")
                                 : QStringLiteral("https://git.example.com/api/v4")));
    const QString path = m_ownerRepo->text().trimmed();
    const int slash = path.lastIndexOf(QLatin1Char('/'));
    if (slash <= 0 || slash == path.size() - 1)
        return fail(tr("Enter the repository on the provider as owner/repository (GitLab: "
                       "group/subgroup/project)."));
    r.provider.owner = path.left(slash);
    r.provider.repo = path.mid(slash + 1);
    r.provider.verifyTls = m_verifyTls->isChecked();
    if (const auto existing = m_session->gitRemotes()->find(m_currentURL))
        r.provider.requestTimeoutMs = existing->provider.requestTimeoutMs;
    r.username = m_username->text().trimmed();
    if (r.username.isEmpty() && !r.isLocal() && !r.effectiveCloneURL().contains(QLatin1Char('@')))
        return fail(tr("Enter the HTTPS user name that goes with the token (%1).")
                        .arg(usernameHint(r.provider.kind)));
    r.writesAllowed = m_writes->isChecked();
    r.allowDefaultBranch = m_defaultBranch->isChecked();
    if (Status valid = r.provider.validate(); !valid.ok())
        return fail(valid.error().toString());
    return true;
}

void GitRemotesDialog::test() {
    gitops::GitRemote remote;
    if (!formToRemote(remote))
        return;
    setBusy(true);
    setStatus(tr("Fetching %1 (read-only)…").arg(remote.effectiveCloneURL()), false);
    QPointer<GitRemotesDialog> self(this);
    m_session->testGitRemote(
        remote, m_token->text(), [self, remote](Result<ConfigRepositoryInfo> info) {
            if (!self)
                return;
            self->setBusy(false);
            if (!info.ok()) {
                self->setStatus(info.error().toString(), true);
            } else {
                const gitops::CommitInfo& c = info->defaultTip;
                self->setStatus(tr("Read %1: default branch %2, last commit %3 "
                                   "\"%4\" by %5, %6. Nothing was written.")
                                    .arg(remote.effectiveCloneURL(), info->defaultBranch,
                                         c.shortSha, c.summary, c.authorName, ago(c.time)),
                                false);
            }
            Q_EMIT self->finished();
        });
}

void GitRemotesDialog::save() {
    if (m_currentEphemeral) {
        setStatus(tr("Demo repositories cannot be changed."), true);
        return;
    }
    gitops::GitRemote remote;
    if (!formToRemote(remote))
        return;
    const std::optional<gitops::GitRemote> previous =
        m_currentURL.isEmpty() ? std::nullopt : m_session->gitRemotes()->find(m_currentURL);
    const std::optional<gitops::GitRemote> clash = m_session->gitRemotes()->find(remote.repoURL);
    if (clash && (!previous || !gitops::sameRepo(clash->repoURL, previous->repoURL))) {
        setStatus(
            tr("%1 is already set up: select it in the list to change it.").arg(clash->repoURL),
            true);
        return;
    }
    const QString token = m_token->text();
    // Tokens are kept per provider repository: a different one needs its token typed again.
    const bool movedProvider = previous && previous->id() != remote.id();
    if (movedProvider && token.isEmpty()) {
        setStatus(tr("The provider repository changed from %1 to %2: enter its token again.")
                      .arg(previous->provider.displayName(), remote.provider.displayName()),
                  true);
        return;
    }
    setBusy(true);
    setStatus(token.isEmpty() ? tr("Saving…") : tr("Saving; the token goes to the keychain…"),
              false);
    QPointer<GitRemotesDialog> self(this);
    m_session->saveGitRemote(remote, token, [self, remote, previous, movedProvider](Status saved) {
        if (!self)
            return;
        self->setBusy(false);
        if (!saved.ok()) {
            self->setStatus(tr("Not saved: %1").arg(saved.error().toString()), true);
            Q_EMIT self->finished();
            return;
        }
        ConsoleSession* session = self->m_session;
        if (previous && !gitops::sameRepo(previous->repoURL, remote.repoURL))
            session->gitRemotes()->remove(previous->repoURL);
        if (movedProvider) {
            session->policy()->setMode(previous->id(), governance::Mode::Audit);
            session->credentials()->remove(secrets::CredentialStore::gitTokenKey(previous->id()),
                                           [](Status) {});
        }
        self->m_currentURL = remote.repoURL;
        self->reload();
        self->showRemote(remote);
        self->setStatus(remote.writesAllowed
                            ? tr("Saved. Writes are allowed; you approve each push and pull "
                                 "request.")
                            : tr("Saved in audit mode: Sextant reads %1 but never writes to it.")
                                  .arg(remote.provider.displayName()),
                        false);
        Q_EMIT self->finished();
    });
}

void GitRemotesDialog::removeCurrent() {
    if (m_currentURL.isEmpty() || m_currentEphemeral)
        return;
    if (QMessageBox::question(
            this, tr("Remove Git repository"),
            tr("Stop using %1 and delete its token from the keychain?").arg(m_currentURL)) !=
        QMessageBox::Yes)
        return;
    setBusy(true);
    QPointer<GitRemotesDialog> self(this);
    const QString url = m_currentURL;
    m_session->removeGitRemote(url, [self, url](Status removed) {
        if (!self)
            return;
        self->setBusy(false);
        self->reload();
        self->startNew();
        self->setStatus(
            removed.ok()
                ? tr("Removed %1 and its token.").arg(url)
                : tr("Removed %1; the keychain said: %2").arg(url, removed.error().shortMessage),
            !removed.ok());
        Q_EMIT self->finished();
    });
}

void GitRemotesDialog::setBusy(bool busy) {
    m_busy = busy;
    m_test->setEnabled(!busy);
    m_save->setEnabled(!busy && !m_currentEphemeral);
    m_add->setEnabled(!busy);
    m_remove->setEnabled(!busy && !m_currentEphemeral && !m_currentURL.isEmpty());
}

void GitRemotesDialog::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

} // namespace sextant::ui
