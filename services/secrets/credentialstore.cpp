#include "credentialstore.h"

#include <QEventLoop>
#include <QPointer>

#include <qt6keychain/keychain.h>

#include <optional>

namespace sextant::secrets {

namespace {

QString noKeychainMessage() {
    return QStringLiteral(
        "No keychain is available: Sextant stores tokens only in the system keychain (Secret "
        "Service). Install and start gnome-keyring or KWallet, then try again.");
}

QString lockedMessage() {
    return QStringLiteral("The keychain is locked or access was denied");
}

bool mentionsAny(const QString& text, std::initializer_list<const char*> words) {
    for (const char* w : words) {
        if (text.contains(QLatin1String(w), Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace

QString CredentialStore::key(const QString& scope, const QString& id, const QString& kind) {
    return scope + QLatin1Char('/') + id + QLatin1Char('/') + kind;
}

QString CredentialStore::instanceTokenKey(const QString& instanceId) {
    return key(QStringLiteral("instance"), instanceId, QStringLiteral("token"));
}

QString CredentialStore::instancePasswordKey(const QString& instanceId) {
    return key(QStringLiteral("instance"), instanceId, QStringLiteral("password"));
}

QString CredentialStore::llmApiKeyKey(const QString& providerId) {
    return key(QStringLiteral("llm"), providerId, QStringLiteral("apikey"));
}

QString CredentialStore::gitTokenKey(const QString& providerId) {
    return key(QStringLiteral("git"), providerId, QStringLiteral("token"));
}

QString CredentialStore::metricsTokenKey(const QString& sourceId) {
    return key(QStringLiteral("metrics"), sourceId, QStringLiteral("token"));
}

CredentialStore::CredentialStore(QObject* parent)
    : CredentialStore(defaultService(), parent) {}

CredentialStore::CredentialStore(QString service, QObject* parent)
    : QObject(parent)
    , m_service(std::move(service)) {}

CredentialStore::~CredentialStore() = default;

void CredentialStore::read(const QString& key, ReadCallback done) {
    Job job;
    job.op = Op::Read;
    job.key = key;
    job.readDone = std::move(done);
    enqueue(std::move(job));
}

void CredentialStore::write(const QString& key, const QString& secret, StatusCallback done) {
    Job job;
    job.op = Op::Write;
    job.key = key;
    job.secret = secret;
    job.statusDone = std::move(done);
    enqueue(std::move(job));
}

void CredentialStore::remove(const QString& key, StatusCallback done) {
    Job job;
    job.op = Op::Remove;
    job.key = key;
    job.statusDone = std::move(done);
    enqueue(std::move(job));
}

void CredentialStore::enqueue(Job job) {
    m_queue.enqueue(std::move(job));
    scheduleNext();
}

void CredentialStore::scheduleNext() {
    if (m_running || m_scheduled || m_queue.isEmpty())
        return;
    // Started from the event loop, never from the previous job's finished handler: QtKeychain
    // backends are not re-entrant and the Secret Service serialises its prompts anyway.
    m_scheduled = true;
    QMetaObject::invokeMethod(this, &CredentialStore::startNext, Qt::QueuedConnection);
}

void CredentialStore::startNext() {
    m_scheduled = false;
    if (m_running || m_queue.isEmpty())
        return;
    m_running = true;
    Job job = m_queue.dequeue();

    QKeychain::Job* kjob = nullptr;
    switch (job.op) {
    case Op::Read:
        kjob = new QKeychain::ReadPasswordJob(m_service, this);
        break;
    case Op::Write: {
        auto* w = new QKeychain::WritePasswordJob(m_service, this);
        w->setTextData(job.secret);
        job.secret.fill(QLatin1Char('\0')); // our copy is no longer needed
        job.secret.clear();
        kjob = w;
        break;
    }
    case Op::Remove:
        kjob = new QKeychain::DeletePasswordJob(m_service, this);
        break;
    }
    kjob->setAutoDelete(false);
    kjob->setInsecureFallback(false); // never plain-text storage, whatever the platform offers
    kjob->setKey(job.key);

    connect(kjob, &QKeychain::Job::finished, this,
            [this, job = std::move(job)](QKeychain::Job* finished) mutable {
                const int code = finished->error();
                const QString message = finished->errorString();
                QString secret;
                if (code == QKeychain::NoError && job.op == Op::Read)
                    secret = static_cast<QKeychain::ReadPasswordJob*>(finished)->textData();
                finished->deleteLater();
                m_running = false;

                QPointer<CredentialStore> self(this);
                if (job.op == Op::Read) {
                    if (job.readDone) {
                        if (code == QKeychain::NoError)
                            job.readDone(secret);
                        else
                            job.readDone(mapError(code, message, job.key));
                    }
                } else if (job.statusDone) {
                    const bool ok = code == QKeychain::NoError ||
                                    (job.op == Op::Remove && code == QKeychain::EntryNotFound);
                    job.statusDone(ok ? okStatus() : Status(mapError(code, message, job.key)));
                }
                if (self)
                    self->scheduleNext();
            });
    kjob->start();
}

Error CredentialStore::mapError(int code, const QString& keychainMessage, const QString& key) {
    const QString details =
        keychainMessage.isEmpty()
            ? QStringLiteral("Keychain entry: %1").arg(key)
            : QStringLiteral("%1\nKeychain entry: %2").arg(keychainMessage, key);
    switch (code) {
    case QKeychain::NoError:
        return Error{};
    case QKeychain::EntryNotFound:
        return Error::make(
            Error::Kind::NotFound,
            QStringLiteral("No credential is stored in the keychain for %1").arg(key), details);
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        return Error::make(Error::Kind::Keychain, lockedMessage(), details);
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return Error::make(Error::Kind::Keychain, noKeychainMessage(), details);
    case QKeychain::CouldNotDeleteEntry:
        return Error::make(Error::Kind::Keychain,
                           QStringLiteral("The credential could not be removed from the keychain"),
                           details);
    default:
        break;
    }
    // OtherError: QtKeychain passes the backend's words through; sort the common ones.
    if (mentionsAny(keychainMessage, {"locked", "collection/login", "Object does not exist",
                                      "denied", "dismissed", "not authorized", "prompt"})) {
        return Error::make(Error::Kind::Keychain, lockedMessage(), details);
    }
    if (mentionsAny(keychainMessage,
                    {"D-Bus", "DBus", "org.freedesktop.secrets", "ServiceUnknown", "autolaunch",
                     "Secret Service", "secret service", "No such interface", "NoReply",
                     "not provided by any .service", "kwallet", "Unknown error",
                     "Could not connect", "Connection refused", "Failed to execute program",
                     "session bus"})) {
        return Error::make(Error::Kind::Keychain, noKeychainMessage(), details);
    }
    return Error::make(Error::Kind::Keychain, QStringLiteral("The keychain reported an error"),
                       details);
}

Result<QString> CredentialStore::readBlocking(const QString& key) {
    std::optional<Result<QString>> out;
    QEventLoop loop;
    read(key, [&](Result<QString> r) {
        out.emplace(std::move(r));
        loop.quit();
    });
    if (!out)
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    return std::move(*out);
}

Status CredentialStore::writeBlocking(const QString& key, const QString& secret) {
    std::optional<Status> out;
    QEventLoop loop;
    write(key, secret, [&](Status s) {
        out.emplace(std::move(s));
        loop.quit();
    });
    if (!out)
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    return std::move(*out);
}

Status CredentialStore::removeBlocking(const QString& key) {
    std::optional<Status> out;
    QEventLoop loop;
    remove(key, [&](Status s) {
        out.emplace(std::move(s));
        loop.quit();
    });
    if (!out)
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    return std::move(*out);
}

Status CredentialStore::probe(const QString& service) {
    CredentialStore store(service);
    const Result<QString> r = store.readBlocking(QStringLiteral("sextant/probe/availability"));
    if (r.ok() || r.error().kind == Error::Kind::NotFound)
        return okStatus();
    return r.error();
}

bool CredentialStore::available(const QString& service) {
    return probe(service).ok();
}

} // namespace sextant::secrets
