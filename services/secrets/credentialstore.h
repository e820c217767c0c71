#pragma once

#include "core/result.h"

#include <QObject>
#include <QQueue>
#include <QString>

#include <functional>

namespace sextant::secrets {

// Tokens, passwords and API keys, kept only in the system keychain (Secret Service, KWallet,
// macOS Keychain, Windows Credential Manager) through QtKeychain, under the service "sextant".
// There is deliberately no plain-text fallback: when no keychain is available the caller gets
// a Kind::Keychain error that says so, and asks the user to start one.
//
// Jobs run strictly one after another through an internal queue; the next job is always started
// from the event loop, never from inside the previous job's finished handler. Callbacks run on
// the store's thread, in submission order. Keys are namespaced per instance and kind
// ("instance/<id>/token"); use the key helpers below.
class CredentialStore : public QObject {
    Q_OBJECT
public:
    using ReadCallback = std::function<void(Result<QString>)>;
    using StatusCallback = std::function<void(Status)>;

    static QString defaultService() { return QStringLiteral("sextant"); }

    // "<scope>/<id>/<kind>", e.g. key("instance", "prod-eu", "token").
    static QString key(const QString& scope, const QString& id, const QString& kind);
    static QString instanceTokenKey(const QString& instanceId);    // instance/<id>/token
    static QString instancePasswordKey(const QString& instanceId); // instance/<id>/password
    static QString llmApiKeyKey(const QString& providerId);        // llm/<id>/apikey
    static QString gitTokenKey(const QString& providerId);         // git/<id>/token
    static QString metricsTokenKey(const QString& sourceId);       // metrics/<id>/token

    explicit CredentialStore(QObject* parent = nullptr);
    explicit CredentialStore(QString service, QObject* parent = nullptr);
    // Jobs still queued are dropped without calling their callbacks.
    ~CredentialStore() override;

    const QString& service() const { return m_service; }

    // Result: the secret; Kind::NotFound when nothing is stored under the key (ask the user);
    // Kind::Keychain when the keychain is missing, locked or refusing. With the Secret Service
    // a *locked* collection also reads as NotFound (libsecret does not search locked items); the
    // write that follows then fails with the "locked" message.
    void read(const QString& key, ReadCallback done);
    void write(const QString& key, const QString& secret, StatusCallback done);
    // Removing a key that holds nothing succeeds.
    void remove(const QString& key, StatusCallback done);

    // For the CLI: the same jobs, waited for in a local event loop.
    Result<QString> readBlocking(const QString& key);
    Status writeBlocking(const QString& key, const QString& secret);
    Status removeBlocking(const QString& key);

    // Jobs queued or running.
    int pendingJobs() const { return static_cast<int>(m_queue.size()) + (m_running ? 1 : 0); }

    // Whether a keychain answers: a harmless read of a key that never exists. Ok (also for
    // "not found") when available, the Kind::Keychain error otherwise. Needs an event loop
    // (QCoreApplication) and blocks until the keychain answers.
    static Status probe(const QString& service = defaultService());
    static bool available(const QString& service = defaultService());

    // Maps a QKeychain::Error code and its text to a typed Error in plain words (public for
    // tests; `code` is a QKeychain::Error value).
    static Error mapError(int code, const QString& keychainMessage, const QString& key);

private:
    enum class Op { Read, Write, Remove };
    struct Job {
        Op op = Op::Read;
        QString key;
        QString secret;
        ReadCallback readDone;
        StatusCallback statusDone;
    };

    void enqueue(Job job);
    void scheduleNext();
    void startNext();

    QString m_service;
    QQueue<Job> m_queue;
    bool m_running = false;
    bool m_scheduled = false;
};

} // namespace sextant::secrets
