#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVector>

#include <functional>
#include <memory>
#include <optional>

namespace sextant::sim {

// The Git hosting APIs the provider server speaks (docs/simulator.md, "Git provider mode").
enum class ProviderFlavour { GitHub, GitLab, Gitea, BitbucketCloud, BitbucketDataCenter };

// "github", "gitlab", "gitea", "bitbucket-cloud", "bitbucket-dc" (also "forgejo").
std::optional<ProviderFlavour> providerFlavourFromString(QStringView text);
QString providerFlavourName(ProviderFlavour flavour);

struct SimPullRequest {
    int number = 0; // assigned by the server (GitHub/Gitea number, GitLab iid, Bitbucket id)
    QString sourceBranch;
    QString targetBranch;
    QString title;
    QString body;
    bool draft = false;
    bool open = true;
    QStringList labels;
    int version = 0; // Bitbucket Data Center: +1 on every update
    int updates = 0; // how many times it was edited through the API
    // A race: another client opened it just now. Lists do not show it until a create for the same
    // branches arrives; that create gets the duplicate answer and the pull request shows from
    // then on.
    bool hiddenUntilCreate = false;
};

struct SimComment {
    int number = 0; // the pull request
    qint64 id = 0;
    QString body;
};

struct RecordedRequest {
    QString method;
    QByteArray target;                            // raw path and query as sent
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;
    int status = 0;

    QByteArray header(const QByteArray& name) const;
};

class ProviderSimPrivate;

// A loopback HTTP/1.1 server answering the documented pull request endpoints of one Git
// provider, with in-memory repositories, branches, pull requests, labels and comments; one
// token (401 otherwise), the provider's own duplicate answer (GitHub 422, GitLab 409, Gitea 409,
// Bitbucket Cloud 400, Data Center 409 DuplicatePullRequestException), 404 for unknown
// repositories. Works on any thread with an event loop; no application-global state.
class ProviderSim : public QObject {
    Q_OBJECT
public:
    explicit ProviderSim(ProviderFlavour flavour, QObject* parent = nullptr);
    ~ProviderSim() override;

    ProviderFlavour flavour() const;
    void setToken(const QString& token);
    QString token() const;

    // owner: GitHub/Gitea owner, GitLab group path, Bitbucket workspace or project key.
    void addRepository(const QString& owner, const QString& repo,
                       const QStringList& branches = {QStringLiteral("main")});
    Status addBranch(const QString& owner, const QString& repo, const QString& branch);
    // Branches pushed to the Git repository at `gitDir` exist for pull requests too: the demo
    // pushes to a real local repository and opens the pull request here.
    Status linkRepository(const QString& owner, const QString& repo, const QString& gitDir);
    // Repository labels (Gitea resolves names to these IDs; GitHub adds unknown ones itself).
    Result<qint64> addLabel(const QString& owner, const QString& repo, const QString& name);
    Result<int> seedPullRequest(const QString& owner, const QString& repo, SimPullRequest pr);

    Status listen(const QHostAddress& address = QHostAddress::LocalHost, quint16 port = 0);
    void close();
    quint16 port() const;
    // The API root a client uses: http://127.0.0.1:P, …/api/v4, …/api/v1, …/2.0,
    // …/rest/api/latest.
    QUrl apiBase() const;

    // Inspection for tests and the standalone server.
    QVector<SimPullRequest> pullRequests(const QString& owner, const QString& repo) const;
    QVector<SimComment> comments(const QString& owner, const QString& repo) const;
    QVector<RecordedRequest> requests() const;
    void clearRequests();
    // Called with each parsed request before it is answered (for example to edit a pull request
    // "at the same time" as the client).
    void setBeforeServe(std::function<void(const RecordedRequest&)> hook);
    // Edits a pull request as another user would (Data Center: its version moves on).
    Status touchPullRequest(const QString& owner, const QString& repo, int number);

Q_SIGNALS:
    void requestServed(const QString& method, const QString& path, int status);

private:
    friend class ProviderSimPrivate;
    std::unique_ptr<ProviderSimPrivate> d;
};

} // namespace sextant::sim
