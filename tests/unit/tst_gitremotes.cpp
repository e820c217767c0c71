// GitRemoteRegistry: a repository is found by the URL an Application names it with, whatever
// the spelling (https, ssh, scp-like, ".git", trailing '/'), but never by a repository that only
// shares a prefix; put() replaces; ephemeral remotes (the demo's) never reach the settings; a
// saved remote comes back field for field. GitRemote::effectiveCloneURL and isLocal.
// Settings go to QStandardPaths' test location under an organisation of this test only.
#include "gitops/gitremotes.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

using namespace sextant;
using namespace sextant::gitops;

namespace {

GitRemote remoteFor(const QString& repoURL, const QString& owner, const QString& repo) {
    GitRemote r;
    r.repoURL = repoURL;
    r.provider.kind = ProviderKind::GitHub;
    r.provider.apiBase = QUrl(QStringLiteral("https://git.example.com/api/v3"));
    r.provider.owner = owner;
    r.provider.repo = repo;
    return r;
}

QStringList repoURLs(const GitRemoteRegistry& registry) {
    QStringList out;
    for (const GitRemote& r : registry.remotes())
        out << r.repoURL;
    return out;
}

} // namespace

class TestGitRemotes : public QObject {
    Q_OBJECT

    static int savedCount() {
        QSettings settings;
        const int n = settings.beginReadArray(QStringLiteral("gitRemotes"));
        settings.endArray();
        return n;
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SextantGitRemotesTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_gitremotes"));
        QSettings().clear();
    }

    void cleanup() { QSettings().clear(); }

    void cleanupTestCase() {
        QSettings settings;
        const QString file = settings.fileName();
        settings.clear();
        settings.sync();
        QFile::remove(file);
        QDir().rmdir(QFileInfo(file).absolutePath());
    }

    void findMatchesSpellingsOfTheSameRepository() {
        GitRemoteRegistry registry;
        registry.put(remoteFor(QStringLiteral("https://git.example.com/org/web.git"),
                               QStringLiteral("org"), QStringLiteral("web")),
                     /*ephemeral=*/true);
        const QStringList same{
            QStringLiteral("https://git.example.com/org/web.git"),
            QStringLiteral("https://git.example.com/org/web"),
            QStringLiteral("https://git.example.com/org/web/"),
            QStringLiteral("https://git.example.com/org/web.git/"),
            QStringLiteral("http://git.example.com/org/web"),
            QStringLiteral("HTTPS://Git.Example.COM/org/web.git"),
            QStringLiteral("https://git.example.com:443/org/web.git"),
            QStringLiteral("https://someone@git.example.com/org/web.git"),
            QStringLiteral("git@git.example.com:org/web.git"),
            QStringLiteral("git@git.example.com:org/web"),
            QStringLiteral("ssh://git@git.example.com/org/web.git"),
            QStringLiteral("ssh://git@git.example.com:22/org/web"),
        };
        for (const QString& url : same) {
            const auto found = registry.find(url);
            QVERIFY2(found.has_value(), qPrintable(url));
            QCOMPARE(found->provider.repo, QStringLiteral("web"));
        }
        const QStringList other{
            QStringLiteral("https://git.example.com/org/web-admin.git"),
            QStringLiteral("https://git.example.com/org/we"),
            QStringLiteral("https://git.example.com/org/web/extra"),
            QStringLiteral("https://git.example.com/other/web.git"),
            QStringLiteral("https://git.example.org/org/web.git"),
            QStringLiteral("git@git.example.com:org/web-admin.git"),
            QString(),
        };
        for (const QString& url : other)
            QVERIFY2(!registry.find(url).has_value(), qPrintable(url));

        // With both registered, each URL finds its own repository.
        registry.put(remoteFor(QStringLiteral("git@git.example.com:org/web-admin.git"),
                               QStringLiteral("org"), QStringLiteral("web-admin")),
                     true);
        QCOMPARE(registry.remotes().size(), 2);
        QCOMPARE(registry.find(QStringLiteral("https://git.example.com/org/web"))->provider.repo,
                 QStringLiteral("web"));
        QCOMPARE(
            registry.find(QStringLiteral("https://git.example.com/org/web-admin"))->provider.repo,
            QStringLiteral("web-admin"));
    }

    void putReplacesTheSameRepository() {
        GitRemoteRegistry registry;
        registry.put(remoteFor(QStringLiteral("https://git.example.com/org/web.git"),
                               QStringLiteral("org"), QStringLiteral("web")),
                     true);
        registry.put(remoteFor(QStringLiteral("https://git.example.com/org/api.git"),
                               QStringLiteral("org"), QStringLiteral("api")),
                     true);
        GitRemote again = remoteFor(QStringLiteral("git@git.example.com:org/web"),
                                    QStringLiteral("org"), QStringLiteral("web"));
        again.writesAllowed = true;
        again.cloneURL = QStringLiteral("file:///srv/git/web.git");
        registry.put(again, true);
        QCOMPARE(registry.remotes().size(), 2);
        const auto found = registry.find(QStringLiteral("https://git.example.com/org/web.git"));
        QVERIFY(found);
        QVERIFY(found->writesAllowed);
        QCOMPARE(found->repoURL, QStringLiteral("git@git.example.com:org/web"));
        QCOMPARE(found->cloneURL, QStringLiteral("file:///srv/git/web.git"));
        QVERIFY(!registry.find(QStringLiteral("https://git.example.com/org/api"))->writesAllowed);

        registry.remove(QStringLiteral("https://git.example.com/org/web/"));
        QCOMPARE(repoURLs(registry),
                 QStringList{QStringLiteral("https://git.example.com/org/api.git")});
        registry.remove(QStringLiteral("https://git.example.com/org/nothing"));
        QCOMPARE(registry.remotes().size(), 1);
    }

    void ephemeralRemotesAreNeverSaved() {
        GitRemoteRegistry registry;
        registry.put(remoteFor(QStringLiteral("https://git.example.com/shop/checkout.git"),
                               QStringLiteral("shop"), QStringLiteral("checkout")),
                     /*ephemeral=*/true);
        QCOMPARE(savedCount(), 0);
        // Saving another remote writes the whole list, still without the ephemeral one.
        registry.put(remoteFor(QStringLiteral("https://git.example.com/org/api.git"),
                               QStringLiteral("org"), QStringLiteral("api")));
        QCOMPARE(savedCount(), 1);
        QCOMPARE(registry.remotes().size(), 2);
        // Removing the ephemeral one leaves the saved list as it was.
        registry.remove(QStringLiteral("https://git.example.com/shop/checkout"));
        QCOMPARE(savedCount(), 1);

        GitRemoteRegistry reloaded;
        reloaded.load();
        QCOMPARE(repoURLs(reloaded),
                 QStringList{QStringLiteral("https://git.example.com/org/api.git")});
        QVERIFY(!reloaded.find(QStringLiteral("https://git.example.com/shop/checkout.git")));

        // Removing a saved remote saves the list without it.
        registry.remove(QStringLiteral("git@git.example.com:org/api.git"));
        QCOMPARE(savedCount(), 0);
        GitRemoteRegistry empty;
        empty.load();
        QVERIFY(empty.remotes().isEmpty());
    }

    // A removed remote is gone from the settings file, not just beyond the array's size.
    void removedRemoteLeavesNothingInSettings() {
        GitRemoteRegistry registry;
        registry.put(remoteFor(QStringLiteral("https://git.example.com/org/kept.git"),
                               QStringLiteral("org"), QStringLiteral("kept")));
        registry.put(remoteFor(QStringLiteral("https://git.example.com/org/removed.git"),
                               QStringLiteral("org"), QStringLiteral("removed")));
        registry.remove(QStringLiteral("https://git.example.com/org/removed.git"));
        QCOMPARE(savedCount(), 1);
        QSettings settings;
        QStringList left;
        for (const QString& key : settings.allKeys())
            if (settings.value(key).toString().contains(QStringLiteral("removed")))
                left << key + QStringLiteral(" = ") + settings.value(key).toString();
        QVERIFY2(left.isEmpty(), qPrintable(left.join(QStringLiteral("; "))));
    }

    void saveLoadRoundTrip() {
        GitRemote full;
        full.repoURL = QStringLiteral("https://gitlab.corp/platform/team/config.git");
        full.cloneURL = QStringLiteral("https://mirror.corp/platform/team/config.git");
        full.provider.kind = ProviderKind::GitLab;
        full.provider.apiBase = QUrl(QStringLiteral("https://gitlab.corp/api/v4"));
        full.provider.owner = QStringLiteral("platform/team");
        full.provider.repo = QStringLiteral("config");
        full.provider.verifyTls = false;
        full.username = QStringLiteral("oauth2");
        full.allowDefaultBranch = true;
        full.writesAllowed = true;

        GitRemote plain;
        plain.repoURL = QStringLiteral("git@bitbucket.org:ws/repo.git");
        plain.provider.kind = ProviderKind::BitbucketCloud;
        plain.provider.apiBase = QUrl(QStringLiteral("https://api.bitbucket.org/2.0"));
        plain.provider.owner = QStringLiteral("ws");
        plain.provider.repo = QStringLiteral("repo");

        {
            GitRemoteRegistry registry;
            registry.put(full);
            registry.put(plain);
        }
        GitRemoteRegistry loaded;
        loaded.load();
        QCOMPARE(loaded.remotes().size(), 2);
        const auto a = loaded.find(QStringLiteral("https://gitlab.corp/platform/team/config"));
        QVERIFY(a);
        QCOMPARE(a->repoURL, full.repoURL);
        QCOMPARE(a->cloneURL, full.cloneURL);
        QCOMPARE(a->provider.kind, ProviderKind::GitLab);
        QCOMPARE(a->provider.apiBase, full.provider.apiBase);
        QCOMPARE(a->provider.owner, full.provider.owner);
        QCOMPARE(a->provider.repo, full.provider.repo);
        QCOMPARE(a->provider.verifyTls, false);
        QCOMPARE(a->username, QStringLiteral("oauth2"));
        QCOMPARE(a->allowDefaultBranch, true);
        QCOMPARE(a->writesAllowed, true);
        QCOMPARE(a->id(), full.id());

        const auto b = loaded.find(QStringLiteral("https://bitbucket.org/ws/repo"));
        QVERIFY(b);
        QCOMPARE(b->repoURL, plain.repoURL);
        QVERIFY(b->cloneURL.isEmpty());
        QCOMPARE(b->provider.kind, ProviderKind::BitbucketCloud);
        QCOMPARE(b->provider.verifyTls, true);
        QCOMPARE(b->username, QStringLiteral("x-access-token")); // the default
        QCOMPARE(b->allowDefaultBranch, false);
        QCOMPARE(b->writesAllowed, false); // audit mode unless switched on
        QCOMPARE(b->id(), plain.id());

        // Entries without a repoURL or with an unknown provider are skipped, not invented.
        {
            QSettings settings;
            settings.beginWriteArray(QStringLiteral("gitRemotes"));
            settings.setArrayIndex(2);
            settings.setValue(QStringLiteral("repoURL"), QStringLiteral("https://x/o/r"));
            settings.setValue(QStringLiteral("provider"), QStringLiteral("sourceforge"));
            settings.setArrayIndex(3);
            settings.setValue(QStringLiteral("provider"), QStringLiteral("github"));
            settings.endArray();
        }
        GitRemoteRegistry again;
        again.load();
        QCOMPARE(repoURLs(again), (QStringList{full.repoURL, plain.repoURL}));
    }

    void effectiveCloneURLAndIsLocal() {
        GitRemote r;
        r.repoURL = QStringLiteral("https://git.example.com/shop/checkout.git");
        QCOMPARE(r.effectiveCloneURL(), r.repoURL);
        QVERIFY(!r.isLocal());
        r.cloneURL = QStringLiteral("file:///tmp/demo/shop/checkout.git");
        QCOMPARE(r.effectiveCloneURL(), r.cloneURL);
        QVERIFY(r.isLocal());
        r.cloneURL = QStringLiteral("/srv/git/checkout.git");
        QVERIFY(r.isLocal());
        r.cloneURL = QStringLiteral("git@git.example.com:shop/checkout.git");
        QVERIFY(!r.isLocal());
        r.cloneURL = QStringLiteral("ssh://git@git.example.com/shop/checkout.git");
        QVERIFY(!r.isLocal());
        r.cloneURL = QStringLiteral("https://mirror.example.com/shop/checkout.git");
        QCOMPARE(r.effectiveCloneURL(), r.cloneURL);
        QVERIFY(!r.isLocal());
        // A local repoURL without a clone URL is local too.
        r.cloneURL.clear();
        r.repoURL = QStringLiteral("file:///srv/git/config.git");
        QVERIFY(r.isLocal());
        // The governance key is the provider's.
        r.provider.kind = ProviderKind::GitHub;
        r.provider.apiBase = QUrl(QStringLiteral("http://127.0.0.1:8080"));
        r.provider.owner = QStringLiteral("shop");
        r.provider.repo = QStringLiteral("checkout");
        QCOMPARE(r.id(), r.provider.id());
        QVERIFY(r.id().startsWith(QStringLiteral("git:github:")));
    }
};

QTEST_GUILESS_MAIN(TestGitRemotes)
#include "tst_gitremotes.moc"
