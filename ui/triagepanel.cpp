#include "triagepanel.h"

#include "ai/chatclient.h"
#include "ai/llmconfig.h"
#include "ai/narrative.h"
#include "ai/promptbuilder.h"
#include "ai/redactor.h"
#include "aisettingsdialog.h"
#include "analysis/diagnoser.h"
#include "analysis/evidencecollector.h"
#include "analysis/findingsformat.h"
#include "analysis/knowledgebase.h"
#include "analysis/signaturecatalogue.h"
#include "argocd/client.h"
#include "consolesession.h"
#include "correctivecommitdialog.h"
#include "findingsmodel.h"
#include "fleet/fleetstore.h"
#include "gitops/correctivefix.h"
#include "secrets/credentialstore.h"

#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace sextant::ui {

using analysis::Diagnosis;
using analysis::EvidenceBundle;
using analysis::EvidenceItem;
using analysis::Finding;

namespace {

QString esc(const QString& s) {
    return s.toHtmlEscaped();
}

// Plain words for the source of an evidence line.
QString sourceTitle(const QString& source) {
    static const QHash<QString, QString> titles = {
        {QStringLiteral("condition"), QObject::tr("condition")},
        {QStringLiteral("operation"), QObject::tr("sync operation")},
        {QStringLiteral("syncResult"), QObject::tr("sync result")},
        {QStringLiteral("health"), QObject::tr("health")},
        {QStringLiteral("container"), QObject::tr("container")},
        {QStringLiteral("event"), QObject::tr("event")},
        {QStringLiteral("log"), QObject::tr("log")},
        {QStringLiteral("revision"), QObject::tr("Git revision")},
        {QStringLiteral("diff"), QObject::tr("Git diff")},
        {QStringLiteral("text"), QObject::tr("pasted text")},
    };
    return titles.value(source, source);
}

// Where clicking the line leads, for the tooltip.
QString destinationHint(const EvidenceItem& item) {
    if (item.source == QLatin1String("log"))
        return QObject::tr("Open this line in the Logs tab");
    if (item.source == QLatin1String("event"))
        return QObject::tr("Show this event in the Events tab");
    if (item.source == QLatin1String("revision") || item.source == QLatin1String("diff"))
        return QObject::tr("Open the History tab");
    if (!item.kind.isEmpty() && !item.name.isEmpty())
        return QObject::tr("Show %1 %2 in the resource tree").arg(item.kind, item.name);
    return QObject::tr("Open the Summary tab");
}

// The evidence text with the extracted field values marked, so the eye finds the proof.
QString highlight(const QString& text, const QMap<QString, QString>& fields) {
    QVector<QPair<qsizetype, qsizetype>> spans;
    // Names of where things are (namespace, pod, container) appear in every line: marking
    // them hides the value that proves the cause.
    static const QSet<QString> locators = {
        QStringLiteral("namespace"), QStringLiteral("ns"),         QStringLiteral("pod"),
        QStringLiteral("container"), QStringLiteral("name"),       QStringLiteral("kind"),
        QStringLiteral("app"),       QStringLiteral("resource"),   QStringLiteral("revision"),
        QStringLiteral("author"),    QStringLiteral("node"),       QStringLiteral("project"),
        QStringLiteral("owner"),     QStringLiteral("replicaSet"), QStringLiteral("job"),
        QStringLiteral("hookType"),  QStringLiteral("exitCode"),   QStringLiteral("restarts"),
        QStringLiteral("count")};
    for (auto it = fields.constBegin(); it != fields.constEnd(); ++it) {
        const QString& v = it.value();
        if (v.size() < 3 || locators.contains(it.key()))
            continue; // "0", "1": marking digits everywhere helps nobody
        for (qsizetype at = text.indexOf(v); at >= 0; at = text.indexOf(v, at + v.size()))
            spans.append({at, at + v.size()});
    }
    std::sort(spans.begin(), spans.end());
    QString out;
    qsizetype pos = 0;
    for (const auto& [from, to] : spans) {
        if (from < pos)
            continue; // overlapping: the first one wins
        out += esc(text.mid(pos, from - pos));
        out += QStringLiteral("<span style='background:#fff0a0;color:#000'>%1</span>")
                   .arg(esc(text.mid(from, to - from)));
        pos = to;
    }
    out += esc(text.mid(pos));
    return out;
}

QString fixKindTitle(const QString& kind) {
    static const QHash<QString, QString> titles = {
        {QStringLiteral("image-tag"), QObject::tr("correct the image tag or digest")},
        {QStringLiteral("image-pull-secret"), QObject::tr("add or repair imagePullSecrets")},
        {QStringLiteral("config-key"), QObject::tr("add the missing key or fix the reference")},
        {QStringLiteral("config-value"), QObject::tr("fix the configuration value")},
        {QStringLiteral("secret-key"), QObject::tr("add the key to the Secret's source")},
        {QStringLiteral("resources"), QObject::tr("adjust resource requests and limits")},
        {QStringLiteral("node-selector"), QObject::tr("fix the nodeSelector / node affinity")},
        {QStringLiteral("toleration"), QObject::tr("add a toleration")},
        {QStringLiteral("affinity"), QObject::tr("relax the pod (anti-)affinity")},
        {QStringLiteral("quota"), QObject::tr("lower requests or raise the ResourceQuota")},
        {QStringLiteral("probe"), QObject::tr("fix the probe port, path or timing")},
        {QStringLiteral("storage-class"), QObject::tr("use an existing StorageClass")},
        {QStringLiteral("pvc"), QObject::tr("fix the PersistentVolumeClaim")},
        {QStringLiteral("rbac"), QObject::tr("grant the missing RBAC rule")},
        {QStringLiteral("service-selector"), QObject::tr("align the Service selector")},
        {QStringLiteral("network-policy"), QObject::tr("allow the traffic in a NetworkPolicy")},
        {QStringLiteral("ingress"), QObject::tr("fix the Ingress backend or host")},
        {QStringLiteral("hpa"), QObject::tr("fix the HorizontalPodAutoscaler")},
        {QStringLiteral("job"), QObject::tr("fix the Job")},
        {QStringLiteral("manifest"), QObject::tr("fix the manifest / chart / kustomization")},
        {QStringLiteral("namespace"), QObject::tr("create the namespace (CreateNamespace)")},
        {QStringLiteral("hook"), QObject::tr("fix the sync hook")},
        {QStringLiteral("argocd-project"), QObject::tr("allow it in the AppProject")},
        {QStringLiteral("sync-window"), QObject::tr("wait for or change the sync window")},
        {QStringLiteral("repo-credentials"), QObject::tr("repair the repository credentials")},
        {QStringLiteral("app-path"), QObject::tr("fix spec.source.path / targetRevision")},
        {QStringLiteral("ownership"), QObject::tr("give the resource one owning application")},
    };
    if (kind.isEmpty() || kind == QLatin1String("none"))
        return {};
    return titles.value(kind, kind);
}

} // namespace

const analysis::Diagnoser& TriagePanel::engine() {
    static const analysis::Diagnoser diagnoser(analysis::SignatureCatalogue::builtin());
    return diagnoser;
}

TriagePanel::TriagePanel(ConsoleSession* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_status(new QLabel(this))
    , m_run(new QPushButton(tr("Diagnose"), this))
    , m_copy(new QPushButton(tr("Copy as Markdown"), this))
    , m_export(new QPushButton(tr("Export evidence…"), this))
    , m_ai(new QPushButton(tr("Explain with AI…"), this))
    , m_annotate(new QPushButton(tr("Annotate app…"), this))
    , m_fix(new QPushButton(tr("Record fix…"), this))
    , m_addText(new QPushButton(tr("Add evidence…"), this))
    , m_rollback(new QPushButton(tr("Rollback options…"), this))
    , m_draftFix(new QPushButton(tr("Draft fix commit…"), this))
    , m_model(new models::FindingsModel(this))
    , m_findings(new QTableView(this))
    , m_detail(new QTextBrowser(this))
    , m_narrative(new QTextBrowser(this))
    , m_split(new QSplitter(Qt::Vertical, this)) {
    setObjectName(QStringLiteral("triagePanel"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    // A tool bar, not a row of buttons: in a narrow detail pane the actions that do not fit go
    // to its » menu instead of being cut off.
    auto* buttons = new QToolBar(this);
    buttons->setObjectName(QStringLiteral("triageActions"));
    m_run->setObjectName(QStringLiteral("triageRun"));
    m_run->setToolTip(tr("Collect conditions, sync result, resource health, events, logs and the "
                         "Git change from Argo CD (read-only) and diagnose them"));
    m_copy->setToolTip(tr("Copy the diagnosis as Markdown for a chat or a ticket"));
    m_export->setToolTip(tr("Save the evidence as a JSON bundle (docs/evidence-bundle.md) for "
                            "`sextant-cli diagnose --bundle` or a colleague"));
    m_ai->setObjectName(QStringLiteral("triageAi"));
    m_ai->setToolTip(tr("Ask an OpenAI-compatible model for a narrative. You see exactly what "
                        "will be sent, after redaction, before anything leaves this machine."));
    m_annotate->setToolTip(tr("Write the top finding into the application's annotation %1 "
                              "(you approve the exact request first)")
                               .arg(QString::fromLatin1(kAnalysisAnnotation)));
    m_fix->setToolTip(tr("Record what fixed this incident in the local knowledge base, so "
                         "similar incidents show it later"));
    m_addText->setToolTip(tr("Paste text the API cannot give (kubectl describe, an alert, CLI "
                             "output) and diagnose it together with the collected evidence; "
                             "works even when Argo CD cannot be reached"));
    m_rollback->setObjectName(QStringLiteral("triageRollback"));
    m_rollback->setToolTip(tr("Earlier revisions ranked as rollback targets, with reasons and "
                              "risks, and a plan you approve step by step"));
    m_draftFix->setObjectName(QStringLiteral("triageDraftFix"));
    m_draftFix->setToolTip(tr("Draft the Git fix for this finding in the application's config "
                              "repository (image tag, ConfigMap key, resources, replicas, "
                              "probes): review the diff and what it reaches, then approve the "
                              "commit and the pull request"));
    for (QPushButton* b :
         {m_run, m_addText, m_draftFix, m_rollback, m_copy, m_export, m_ai, m_annotate, m_fix})
        buttons->addWidget(b);
    layout->addWidget(buttons);
    m_status->setObjectName(QStringLiteral("triageStatus"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::RichText);
    layout->addWidget(m_status);

    m_findings->setObjectName(QStringLiteral("triageFindings"));
    m_findings->setModel(m_model);
    m_findings->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_findings->setSelectionMode(QAbstractItemView::SingleSelection);
    m_findings->setAlternatingRowColors(true);
    m_findings->verticalHeader()->hide();
    m_findings->horizontalHeader()->setStretchLastSection(false);
    m_findings->horizontalHeader()->setSectionResizeMode(models::FindingsModel::SummaryColumn,
                                                         QHeaderView::Stretch);
    m_findings->setWordWrap(false);
    m_findings->setAccessibleName(tr("Findings, most likely root cause first"));
    m_detail->setObjectName(QStringLiteral("triageDetail"));
    m_detail->setOpenLinks(false);
    m_detail->setAccessibleName(tr("Finding: root cause, evidence and remediation"));
    m_narrative->setObjectName(QStringLiteral("triageNarrative"));
    m_narrative->setOpenLinks(false);
    m_narrative->setAccessibleName(tr("AI narrative"));
    m_narrative->hide();
    m_split->addWidget(m_findings);
    m_split->addWidget(m_detail);
    m_split->addWidget(m_narrative);
    m_split->setStretchFactor(0, 1);
    m_split->setStretchFactor(1, 3);
    m_split->setStretchFactor(2, 2);
    m_split->setSizes({120, 600, 0}); // a few findings, the proof gets the room
    layout->addWidget(m_split, 1);

    connect(m_run, &QPushButton::clicked, this, &TriagePanel::diagnose);
    connect(m_copy, &QPushButton::clicked, this, &TriagePanel::copyMarkdown);
    connect(m_export, &QPushButton::clicked, this, &TriagePanel::exportBundleInteractive);
    connect(m_ai, &QPushButton::clicked, this, &TriagePanel::explainWithAi);
    connect(m_annotate, &QPushButton::clicked, this, &TriagePanel::annotate);
    connect(m_fix, &QPushButton::clicked, this, &TriagePanel::recordFix);
    connect(m_addText, &QPushButton::clicked, this, &TriagePanel::addEvidenceInteractive);
    connect(m_rollback, &QPushButton::clicked, this, &TriagePanel::rollbackRequested);
    connect(m_draftFix, &QPushButton::clicked, this, &TriagePanel::draftFixCommit);
    connect(m_detail, &QTextBrowser::anchorClicked, this, &TriagePanel::openLink);
    connect(m_narrative, &QTextBrowser::anchorClicked, this, &TriagePanel::openLink);
    connect(m_findings->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                renderFinding(current.row());
                updateButtons();
            });
    clearResult(tr("<span style='color:gray'>No application selected.</span>"));
}

TriagePanel::~TriagePanel() {
    if (m_collector)
        m_collector->cancel();
}

void TriagePanel::setApplication(const argocd::AppSummary& app) {
    ++m_gen;
    if (m_collector) {
        m_collector->cancel();
        m_collector->deleteLater();
    }
    if (m_chat) {
        m_chat->cancel();
        m_chat->deleteLater();
        m_chat = nullptr;
    }
    m_app = app;
    m_running = false;
    clearResult(tr("<span style='color:gray'>Not diagnosed yet. <b>Diagnose</b> collects the "
                   "evidence from %1 (read-only) and explains what is wrong.</span>")
                    .arg(esc(app.instance)));
}

void TriagePanel::clearResult(const QString& message) {
    m_bundle.reset();
    m_diagnosis.reset();
    m_kbId = 0;
    m_similarHtml.clear();
    m_aiText.clear();
    m_aiError.clear();
    m_aiNarrative.reset();
    m_model->clear();
    m_detail->clear();
    m_narrative->clear();
    m_narrative->hide();
    m_statusBase = message;
    m_status->setText(message);
    updateButtons();
}

void TriagePanel::updateButtons() {
    const bool have = m_diagnosis != nullptr;
    m_run->setEnabled(!m_app.name.isEmpty() && !m_running);
    m_addText->setEnabled(!m_app.name.isEmpty() && !m_running);
    m_run->setText(have ? tr("Diagnose again") : tr("Diagnose"));
    m_copy->setEnabled(have);
    m_export->setEnabled(m_bundle != nullptr);
    m_ai->setEnabled(have && !m_chat);
    const bool problem = have && !m_diagnosis->findings.isEmpty() &&
                         m_diagnosis->findings.front().category != QLatin1String("NoIssueFound");
    m_annotate->setEnabled(problem);
    m_rollback->setEnabled(problem);
    m_fix->setEnabled(problem && m_kbId > 0);
    const Finding* f = have ? currentFinding() : nullptr;
    m_draftFix->setEnabled(problem && m_bundle && f &&
                           gitops::correctiveFixKinds().contains(f->fixKind));
}

const Finding* TriagePanel::currentFinding() const {
    if (!m_diagnosis || m_diagnosis->findings.isEmpty())
        return nullptr;
    const int row = m_findings->currentIndex().isValid() ? m_findings->currentIndex().row() : 0;
    const Finding* f = m_model->finding(row);
    return f ? f : &m_diagnosis->findings.front();
}

void TriagePanel::draftFixCommit() {
    const Finding* f = currentFinding();
    if (!f || !m_bundle)
        return;
    auto* dialog = new CorrectiveCommitDialog(m_session, m_app.key(), m_bundle->application,
                                              m_bundle->resourceTree, *f, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    Q_EMIT fixDialogOpened(dialog);
}

void TriagePanel::diagnose() {
    if (m_app.name.isEmpty())
        return;
    argocd::Client* client = m_session->client(m_app.instance);
    if (!client) {
        clearResult(tr("<span style='color:#c03030'><b>%1 is not connected.</b></span> "
                       "Diagnosis needs a live connection to fetch the evidence.")
                        .arg(esc(m_app.instance)));
        return;
    }
    const quint64 gen = ++m_gen;
    if (m_collector) {
        m_collector->cancel();
        m_collector->deleteLater();
    }
    clearResult(tr("Collecting evidence from %1…").arg(esc(m_app.instance)));
    m_running = true;
    updateButtons();
    m_collector = new analysis::EvidenceCollector(client, this);
    connect(m_collector, &analysis::EvidenceCollector::progress, this,
            [this, gen](const QString& step) {
                if (gen == m_gen && m_running)
                    m_status->setText(
                        tr("Collecting evidence from %1: %2…").arg(esc(m_app.instance), esc(step)));
            });
    analysis::CollectOptions options;
    options.appName = m_app.name;
    options.appNamespace = m_app.appNamespace;
    QPointer<TriagePanel> self(this);
    m_collector->collect(options, [self, gen](Result<EvidenceBundle> bundle) {
        if (self)
            self->onCollected(gen, std::move(bundle));
    });
}

void TriagePanel::onCollected(quint64 gen, Result<EvidenceBundle> bundle) {
    if (gen != m_gen)
        return;
    if (!bundle.ok()) {
        m_running = false;
        if (bundle.error().kind == Error::Kind::Cancelled)
            return;
        clearResult(tr("<span style='color:#c03030'><b>Could not collect the evidence:</b> "
                       "%1</span><br><span style='color:gray'>%2</span>")
                        .arg(esc(bundle.error().shortMessage), esc(bundle.error().details)));
        return;
    }
    runDiagnosis(std::make_shared<const EvidenceBundle>(std::move(bundle).value()));
}

void TriagePanel::runDiagnosis(std::shared_ptr<const EvidenceBundle> shared) {
    const quint64 gen = m_gen;
    m_bundle = shared;
    m_running = true;
    updateButtons();
    m_status->setText(tr("Diagnosing…"));
    // The engine runs on the thread pool; the GUI thread only shows the result.
    auto* watcher = new QFutureWatcher<std::shared_ptr<const Diagnosis>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, gen] {
        watcher->deleteLater();
        if (gen != m_gen)
            return;
        m_running = false;
        showDiagnosis(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run(
        [shared] { return std::make_shared<const Diagnosis>(engine().diagnose(*shared)); }));
}

void TriagePanel::addEvidence(const QString& title, const QString& text) {
    if (m_app.name.isEmpty() || text.trimmed().isEmpty() || m_running)
        return;
    // Added to what was collected; without a collection (Argo CD unreachable) the pasted text
    // is the whole bundle.
    EvidenceBundle bundle = m_bundle ? *m_bundle : EvidenceBundle{};
    if (!m_bundle) {
        bundle.appName = m_app.name;
        bundle.appNamespace = m_app.appNamespace;
        bundle.instance = m_app.instance;
        bundle.collectedAt = QDateTime::currentDateTimeUtc();
    }
    bundle.text.push_back(
        {{"title", title.toStdString()}, {"source", "user"}, {"text", text.toStdString()}});
    ++m_gen;
    runDiagnosis(std::make_shared<const EvidenceBundle>(std::move(bundle)));
}

void TriagePanel::addEvidenceInteractive() {
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Add evidence"));
    dialog.resize(760, 520);
    auto* form = new QFormLayout(&dialog);
    auto* title = new QLineEdit(&dialog);
    title->setPlaceholderText(tr("e.g. kubectl describe pod web-6d8f7c9b5-x2k8p"));
    auto* text = new QPlainTextEdit(&dialog);
    text->setPlaceholderText(tr("Paste kubectl describe / get events output, an alert, CLI "
                                "output… It stays on this machine unless you send it to an AI "
                                "provider (after redaction and your review)."));
    text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    form->addRow(tr("Title"), title);
    form->addRow(tr("Text"), text);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Cancel, &dialog);
    box->addButton(tr("Diagnose with this"), QDialogButtonBox::AcceptRole);
    form->addRow(box);
    connect(box, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return;
    addEvidence(title->text().trimmed().isEmpty() ? tr("pasted text") : title->text().trimmed(),
                text->toPlainText());
}

void TriagePanel::showDiagnosis(std::shared_ptr<const Diagnosis> diagnosis) {
    m_diagnosis = diagnosis;
    m_model->setDiagnosis(diagnosis);
    m_findings->resizeColumnToContents(models::FindingsModel::ConfidenceColumn);
    m_findings->resizeColumnToContents(models::FindingsModel::CategoryColumn);
    m_findings->setColumnWidth(models::FindingsModel::ResourceColumn, 260);
    const int problems = int(std::count_if(
        diagnosis->findings.cbegin(), diagnosis->findings.cend(),
        [](const Finding& f) { return f.category != QLatin1String("NoIssueFound"); }));
    QStringList sources;
    QHash<QString, int> perSource;
    for (const EvidenceItem& e : diagnosis->evidence)
        ++perSource[e.source];
    for (const QString& s :
         {QStringLiteral("condition"), QStringLiteral("operation"), QStringLiteral("syncResult"),
          QStringLiteral("health"), QStringLiteral("container"), QStringLiteral("event"),
          QStringLiteral("log"), QStringLiteral("revision"), QStringLiteral("diff"),
          QStringLiteral("text")})
        if (perSource.value(s))
            sources << QStringLiteral("%1 %2").arg(perSource.value(s)).arg(sourceTitle(s));
    const QString headline =
        problems == 0 ? tr("<b style='color:#1e8e3e'>No problem found.</b>")
                      : tr("<b>%n finding(s)</b>, most likely root cause first.", "", problems);
    m_statusBase = tr("%1 Diagnosed in %2 ms from %3 evidence lines (%4).")
                       .arg(headline)
                       .arg(diagnosis->elapsedMs, 0, 'f', 1)
                       .arg(diagnosis->evidence.size())
                       .arg(sources.join(QStringLiteral(", ")));
    setStatusNote({});
    if (m_model->rowCount() > 0)
        m_findings->selectRow(0);
    // The table only needs as many lines as there are findings (up to six).
    const int rows = std::min(6, m_model->rowCount());
    const int tableHeight = m_findings->horizontalHeader()->height() +
                            rows * m_findings->verticalHeader()->defaultSectionSize() + 6;
    QList<int> sizes = m_split->sizes();
    const int total = sizes.value(0) + sizes.value(1);
    m_split->setSizes({tableHeight, std::max(200, total - tableHeight), sizes.value(2)});
    updateButtons();
    Q_EMIT diagnosed();
    lookUpSimilar();
}

void TriagePanel::lookUpSimilar() {
    if (!m_diagnosis)
        return;
    // Record this analysis and ask for similar ones on the knowledge base's thread.
    const quint64 gen = m_gen;
    QPointer<TriagePanel> self(this);
    // Similar means the same root cause: match on the leading findings, not on every weak
    // side finding (a low-confidence drift note made every failed sync look alike).
    auto leading = std::make_shared<Diagnosis>(*m_diagnosis);
    if (!leading->findings.isEmpty()) {
        const double top = leading->findings.front().confidence;
        leading->findings.erase(std::remove_if(leading->findings.begin() + 1,
                                               leading->findings.end(),
                                               [top](const Finding& f) {
                                                   return f.confidence < std::max(0.75, top - 0.1);
                                               }),
                                leading->findings.end());
    }
    const std::shared_ptr<const Diagnosis> diagnosis = leading;
    const QString app = m_app.appNamespace.isEmpty()
                            ? m_app.name
                            : m_app.appNamespace + QLatin1Char('/') + m_app.name;
    const QString instance = m_app.instance;
    const auto full = m_diagnosis;
    m_session->withKnowledgeBase([self, gen, diagnosis, full, app,
                                  instance](analysis::KnowledgeBase& kb) {
        QString html;
        qint64 id = 0;
        if (!kb.isOpen()) {
            html = QObject::tr("<p style='color:gray'>Similar incidents unavailable: %1</p>")
                       .arg(esc(kb.error().shortMessage));
        } else {
            if (auto recorded = kb.record(*full, app, instance); recorded.ok())
                id = recorded.value();
            auto similar = kb.similar(*diagnosis, 5, id);
            // Text likeness is a fallback for incidents no signature recognised; next to
            // incidents with the same cause it is noise.
            if (similar.ok()) {
                auto& list = similar.value();
                const auto byText = [](const analysis::PastIncident& p) {
                    return p.matchedBy == QLatin1String("text");
                };
                if (!std::all_of(list.cbegin(), list.cend(), byText))
                    list.erase(std::remove_if(list.begin(), list.end(), byText), list.end());
            }
            if (!similar.ok()) {
                html = QObject::tr("<p style='color:gray'>Similar incidents unavailable: %1</p>")
                           .arg(esc(similar.error().shortMessage));
            } else if (similar->isEmpty()) {
                html = QObject::tr("<p style='color:gray'>No similar incident recorded on this "
                                   "machine yet.</p>");
            } else {
                html = QStringLiteral("<ul>");
                for (const analysis::PastIncident& p : similar.value()) {
                    QString how =
                        p.matchedBy == QLatin1String("signature")  ? QObject::tr("same signature")
                        : p.matchedBy == QLatin1String("category") ? QObject::tr("same cause")
                                                                   : QObject::tr("similar text");
                    if (p.sameApp)
                        how += QObject::tr(", this application");
                    QString fix =
                        p.resolved ? QObject::tr("<br><b style='color:#1e8e3e'>Fixed by:</b> %1 %2")
                                         .arg(esc(p.resolution), esc(p.resolutionLink))
                                   : QString();
                    html += QStringLiteral("<li><b>%1</b> <span style='color:gray'>%2 · %3 · "
                                           "%4</span><br>%5%6</li>")
                                .arg(esc(p.app), esc(p.instance),
                                     esc(p.time.toLocalTime().toString(
                                         QStringLiteral("yyyy-MM-dd HH:mm"))),
                                     esc(how), esc(p.summary), fix);
                }
                html += QStringLiteral("</ul>");
            }
        }
        QMetaObject::invokeMethod(
            qApp,
            [self, gen, html, id] {
                if (!self || self->m_gen != gen)
                    return;
                self->m_similarHtml = html;
                self->m_kbId = id;
                self->updateButtons();
                self->renderFinding(self->m_findings->currentIndex().row());
            },
            Qt::QueuedConnection);
    });
}

void TriagePanel::renderFinding(int row) {
    const Finding* f = m_model->finding(row);
    if (!f || !m_diagnosis) {
        m_detail->clear();
        return;
    }
    QString html;
    const bool none = f->category == QLatin1String("NoIssueFound");
    html += QStringLiteral("<h3 style='margin-bottom:2px'>%1 <span style='color:gray;"
                           "font-weight:normal'>· %2 % confidence (%3)</span></h3>")
                .arg(esc(models::FindingsModel::categoryTitle(f->category)))
                .arg(qRound(f->confidence * 100))
                .arg(models::FindingsModel::confidenceWord(f->confidence));
    if (!f->resource.isEmpty())
        html += QStringLiteral("<div style='color:gray'>%1</div>").arg(esc(f->resource));
    html += QStringLiteral("<p style='font-size:large'>%1</p>").arg(esc(f->summary));

    if (!f->evidenceIds.isEmpty()) {
        html += tr("<h4>Evidence</h4>");
        html += QStringLiteral("<table cellspacing='0' cellpadding='3' width='100%'>");
        for (const QString& id : f->evidenceIds) {
            const EvidenceItem* e = m_diagnosis->item(id);
            if (!e)
                continue;
            html += QStringLiteral(
                        "<tr><td valign='top' width='40'><a href='evidence:%1' title='%5'>%1</a>"
                        "</td><td valign='top' style='color:gray' width='110'>%2</td>"
                        "<td valign='top'><span style='color:gray'>%3</span><br>"
                        "<code>%4</code></td></tr>")
                        .arg(esc(e->id), esc(sourceTitle(e->source)), esc(e->ref),
                             highlight(e->text, f->fields), esc(destinationHint(*e)));
        }
        html += QStringLiteral("</table>");
    }
    if (!f->remediation.isEmpty()) {
        html += none ? tr("<h4>Notes</h4><ol>") : tr("<h4>Remediation</h4><ol>");
        for (const QString& step : f->remediation)
            html += QStringLiteral("<li>%1</li>").arg(esc(step));
        html += QStringLiteral("</ol>");
    }
    if (const QString fix = fixKindTitle(f->fixKind); !fix.isEmpty())
        html += tr("<p><b>Suggested change in Git:</b> %1 <span style='color:gray'>(%2)</span>"
                   "</p>")
                    .arg(esc(fix), esc(f->fixKind));
    if (!f->fields.isEmpty()) {
        QStringList parts;
        for (auto it = f->fields.constBegin(); it != f->fields.constEnd(); ++it)
            parts << QStringLiteral("<span style='color:gray'>%1</span> %2")
                         .arg(esc(it.key()), esc(it.value()));
        html += QStringLiteral("<p style='font-size:small'>%1</p>")
                    .arg(parts.join(QStringLiteral(" · ")));
    }
    html += tr("<h4>Similar past incidents</h4>");
    html += m_similarHtml.isEmpty() ? tr("<p style='color:gray'>Looking…</p>") : m_similarHtml;
    if (!m_diagnosis->notes.isEmpty()) {
        html += tr("<h4 style='color:gray'>Notes (what was cut, folded or not available)</h4>"
                   "<ul style='color:gray'>");
        for (const QString& n : m_diagnosis->notes)
            html += QStringLiteral("<li>%1</li>").arg(esc(n));
        html += QStringLiteral("</ul>");
    }
    html += tr("<p style='color:gray;font-size:small'>Signature %1 · click an evidence id to see "
               "where it comes from</p>")
                .arg(esc(f->signatureId));
    m_detail->setHtml(html);
}

void TriagePanel::openLink(const QUrl& url) {
    if (url.scheme() != QLatin1String("evidence") || !m_diagnosis)
        return;
    if (const EvidenceItem* e = m_diagnosis->item(url.path()))
        Q_EMIT evidenceActivated(*e);
}

QString TriagePanel::markdown() const {
    if (!m_diagnosis)
        return {};
    QString md = analysis::diagnosisToMarkdown(*m_diagnosis);
    if (m_aiNarrative && !m_aiText.isEmpty()) {
        md += tr("\n\n## AI narrative (%1)\n\n").arg(m_aiProvider);
        md += m_aiText;
        if (!m_aiNarrative->flagged.isEmpty())
            md += tr("\n\n_%n statement(s) above cite no evidence and are unverified._", "",
                     int(m_aiNarrative->flagged.size()));
    }
    return md;
}

void TriagePanel::copyMarkdown() {
    QApplication::clipboard()->setText(markdown());
    setStatusNote(tr("copied as Markdown"));
}

Status TriagePanel::exportBundle(const QString& path) {
    if (!m_bundle)
        return Error::make(Error::Kind::Config, tr("Nothing to export yet: diagnose first"));
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return Error::make(Error::Kind::Io, tr("Cannot write %1").arg(path), f.errorString());
    f.write(m_bundle->toJson());
    if (!f.commit())
        return Error::make(Error::Kind::Io, tr("Cannot write %1").arg(path), f.errorString());
    m_session->recordAction(m_app.instance, QStringLiteral("export-evidence"), m_app.name,
                            tr("evidence bundle written to %1").arg(path));
    return okStatus();
}

void TriagePanel::exportBundleInteractive() {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export evidence bundle"), QStringLiteral("%1-evidence.json").arg(m_app.name),
        tr("Evidence bundle (*.json)"));
    if (path.isEmpty())
        return;
    const Status s = exportBundle(path);
    if (!s.ok()) {
        QMessageBox::warning(this, tr("Export failed"), s.error().toString());
        return;
    }
    QMessageBox::information(
        this, tr("Evidence exported"),
        tr("Saved to %1.\n\nThe bundle holds what Argo CD returned: logs and manifests are not "
           "redacted (Argo CD masks only Secret data). Check it before sharing it outside your "
           "team.\n\nDiagnose it offline with: sextant-cli diagnose --bundle %1")
            .arg(path));
}

void TriagePanel::annotate() {
    if (!m_diagnosis || m_diagnosis->findings.isEmpty())
        return;
    const Finding& top = m_diagnosis->findings.front();
    // Annotations are readable by anyone who can read the Application: redact and keep it short.
    QString text = QStringLiteral("%1 (%2 %): %3 [sextant %4]")
                       .arg(top.category)
                       .arg(qRound(top.confidence * 100))
                       .arg(top.summary, QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    text = ai::Redactor().redact(text).text;
    if (text.size() > 480)
        text = text.left(477) + QStringLiteral("...");
    const int row = m_session->store()->indexOf(m_app.key());
    if (row < 0) {
        QMessageBox::warning(this, tr("Annotate"),
                             tr("The application is no longer in the fleet."));
        return;
    }
    QPointer<TriagePanel> self(this);
    m_session->requestAnnotate(
        m_app.key(), {{QString::fromLatin1(kAnalysisAnnotation), text}},
        tr("Annotate %1 with the last analysis: %2").arg(m_app.name, text), [self](Status s) {
            if (!self)
                return;
            if (s.ok())
                self->setStatusNote(tr("annotation written"));
            else if (s.error().kind != Error::Kind::Approval)
                QMessageBox::warning(self, tr("Annotation failed"), s.error().toString());
            else
                self->setStatusNote(tr("annotation not sent: %1").arg(esc(s.error().shortMessage)));
        });
}

void TriagePanel::recordFix() {
    if (m_kbId <= 0)
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("What fixed it?"));
    auto* form = new QFormLayout(&dialog);
    auto* text = new QPlainTextEdit(&dialog);
    text->setPlaceholderText(tr("e.g. reverted the image tag to v2.14.0; the registry had no "
                                "v2.41.0 (typo in the release PR)"));
    auto* link = new QLineEdit(&dialog);
    link->setPlaceholderText(tr("commit, PR or ticket URL (optional)"));
    form->addRow(tr("Resolution"), text);
    form->addRow(tr("Link"), link);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, &dialog);
    form->addRow(box);
    connect(box, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted || text->toPlainText().trimmed().isEmpty())
        return;
    const qint64 id = m_kbId;
    const QString resolution = text->toPlainText().trimmed();
    const QString url = link->text().trimmed();
    QPointer<TriagePanel> self(this);
    m_session->withKnowledgeBase([self, id, resolution, url](analysis::KnowledgeBase& kb) {
        const Status s =
            kb.isOpen() ? kb.recordResolution(id, resolution, url) : Status(kb.error());
        QMetaObject::invokeMethod(
            qApp,
            [self, s] {
                if (!self)
                    return;
                self->setStatusNote(
                    s.ok() ? tr("fix recorded in the knowledge base")
                           : tr("fix not recorded: %1").arg(esc(s.error().shortMessage)));
            },
            Qt::QueuedConnection);
    });
}

void TriagePanel::configureAi() {
    AiSettingsDialog dialog(m_session, this);
    dialog.exec();
}

void TriagePanel::explainWithAi() {
    if (!m_diagnosis)
        return;
    QSettings settings;
    Result<ai::LlmConfig> config = ai::LlmConfig::load(settings);
    if (!config.ok()) {
        const bool missing = config.error().kind == Error::Kind::NotFound;
        const auto answer = QMessageBox::question(
            this, tr("AI narrative"),
            missing ? tr("No AI provider is configured. The diagnosis above is complete without "
                         "one; a model only adds a narrative.\n\nConfigure an OpenAI-compatible "
                         "endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp, OpenShift AI) "
                         "now?")
                    : tr("The AI provider settings are invalid: %1\n\nOpen the settings?")
                          .arg(config.error().toString()),
            QMessageBox::Yes | QMessageBox::No);
        if (answer == QMessageBox::Yes)
            configureAi();
        return;
    }
    // Build the prompt (redaction, budget) off the GUI thread, then show it before sending.
    const ai::LlmConfig cfg = config.value();
    const auto diagnosis = m_diagnosis;
    setStatusNote(tr("preparing the AI request…"));
    auto* watcher = new QFutureWatcher<Result<ai::PromptPreview>>(this);
    const quint64 gen = m_gen;
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, gen, cfg] {
        watcher->deleteLater();
        if (gen != m_gen)
            return;
        Result<ai::PromptPreview> preview = watcher->result();
        if (!preview.ok()) {
            setStatusNote({});
            QMessageBox::warning(this, tr("AI narrative"), preview.error().toString());
            return;
        }
        const ai::PromptPreview& p = preview.value();
        // "What will be sent": the exact request body, and what redaction removed.
        QDialog dialog(this);
        dialog.setWindowTitle(tr("Send to %1?").arg(cfg.displayName()));
        dialog.resize(900, 650);
        auto* lay = new QVBoxLayout(&dialog);
        QStringList redacted;
        for (const ai::RedactionCount& r : p.redactions)
            redacted << QStringLiteral("%1 × %2").arg(r.count).arg(r.kind);
        auto* info = new QLabel(&dialog);
        info->setWordWrap(true);
        info->setText(
            tr("<b>This exact request will be sent to %1</b> (%2, model %3): about %4 tokens, "
               "%5 evidence lines.<br>Redacted before sending: %6.<br>%7")
                .arg(esc(cfg.displayName()), esc(cfg.chatCompletionsUrl().toString()),
                     esc(cfg.model.isEmpty() ? tr("deployment default") : cfg.model))
                .arg(p.estimatedTokens)
                .arg(p.includedIds.size())
                .arg(redacted.isEmpty() ? tr("nothing secret-looking found")
                                        : esc(redacted.join(QStringLiteral(", "))))
                .arg(p.dropped.isEmpty()
                         ? QString()
                         : tr("Left out to fit the budget: %1 lines.").arg(p.dropped.size())));
        for (const QString& w : cfg.warnings())
            info->setText(info->text() +
                          QStringLiteral("<br><span style='color:#c03030'>%1</span>").arg(esc(w)));
        lay->addWidget(info);
        auto* body = new QPlainTextEdit(&dialog);
        body->setObjectName(QStringLiteral("aiPreviewBody"));
        body->setReadOnly(true);
        QString readable;
        for (const ai::ChatMessage& m : p.messages)
            readable += QStringLiteral("── %1 ──\n%2\n\n").arg(m.role, m.content);
        body->setPlainText(readable);
        lay->addWidget(body, 1);
        auto* box = new QDialogButtonBox(&dialog);
        box->addButton(tr("Send"), QDialogButtonBox::AcceptRole);
        box->addButton(QDialogButtonBox::Cancel);
        lay->addWidget(box);
        connect(box, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
        connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
        if (dialog.exec() != QDialog::Accepted) {
            setStatusNote(tr("nothing was sent to the model"));
            return;
        }

        const auto send = [this, gen, cfg, p, redacted](const QString& key) {
            if (gen != m_gen)
                return;
            if (m_chat)
                m_chat->deleteLater();
            m_chat = new ai::ChatClient(cfg, this);
            m_chat->setApiKey(key);
            m_aiProvider = cfg.displayName();
            m_aiText.clear();
            m_aiError.clear();
            m_aiNarrative.reset();
            m_narrative->show();
            if (m_split->sizes().value(2) < 100) { // room for the narrative under the proof
                const QList<int> sizes = m_split->sizes();
                const int rest = sizes.value(1) + sizes.value(2);
                m_split->setSizes({sizes.value(0), rest * 55 / 100, rest * 45 / 100});
            }
            setStatusNote(tr("sent to %1, waiting for the answer…").arg(esc(cfg.displayName())));
            m_narrative->setHtml(
                tr("<p style='color:gray'>Waiting for %1…</p>").arg(esc(cfg.displayName())));
            m_session->recordAction(
                m_app.instance, QStringLiteral("llm-send"), m_app.name,
                tr("sent %1 bytes (about %2 tokens, evidence %3) to %4 at %5; redacted: %6")
                    .arg(p.body().size())
                    .arg(p.estimatedTokens)
                    .arg(p.includedIds.join(QLatin1Char(',')), cfg.displayName(),
                         cfg.chatCompletionsUrl().toString(QUrl::RemoveQuery),
                         redacted.isEmpty() ? tr("nothing") : redacted.join(QStringLiteral(", "))));
            connect(m_chat, &ai::ChatClient::partialText, this,
                    [this](const QString&, const QString& soFar) {
                        m_aiText = soFar;
                        m_narrative->setPlainText(soFar);
                    });
            connect(m_chat, &ai::ChatClient::finished, this,
                    [this, gen](const ai::ChatAnswer& answer) {
                        if (gen != m_gen)
                            return;
                        m_aiText = answer.text;
                        m_aiNarrative = std::make_shared<ai::Narrative>(
                            ai::checkNarrative(answer.text, *m_diagnosis));
                        m_chat->deleteLater();
                        m_chat = nullptr; // ready for another question
                        renderNarrative();
                        updateButtons();
                    });
            connect(m_chat, &ai::ChatClient::failed, this,
                    [this, gen](const sextant::Error& error) {
                        if (gen != m_gen)
                            return;
                        m_aiError = error.toString();
                        m_chat->deleteLater();
                        m_chat = nullptr;
                        renderNarrative();
                        updateButtons();
                    });
            m_chat->start(p);
            updateButtons();
        };
        const QString keyName = cfg.apiKeyKey();
        if (keyName.isEmpty()) {
            send({});
            return;
        }
        QPointer<TriagePanel> self(this);
        m_session->credentials()->read(keyName, [self, send](Result<QString> key) {
            if (!self)
                return;
            if (!key.ok()) {
                QMessageBox::warning(self, tr("AI narrative"),
                                     tr("The API key could not be read from the keychain: %1")
                                         .arg(key.error().toString()));
                return;
            }
            send(key.value());
        });
    });
    watcher->setFuture(
        QtConcurrent::run([cfg, diagnosis] { return ai::PromptBuilder(cfg).build(*diagnosis); }));
}

void TriagePanel::setStatusNote(const QString& note) {
    m_status->setText(note.isEmpty() ? m_statusBase : m_statusBase + QStringLiteral(" · ") + note);
}

void TriagePanel::renderNarrative() {
    m_narrative->show();
    setStatusNote(m_aiError.isEmpty() ? tr("AI narrative below") : tr("the AI narrative failed"));
    if (!m_aiError.isEmpty()) {
        m_narrative->setHtml(
            tr("<p style='color:#c03030'><b>The AI narrative failed.</b> The diagnosis above "
               "does not depend on it.</p><pre>%1</pre>")
                .arg(esc(m_aiError)));
        return;
    }
    if (!m_aiNarrative)
        return;
    // Citations become links to the evidence; claims without support are marked.
    static const QRegularExpression cite(QStringLiteral("\\[(E\\d+)\\]"));
    QString html = tr("<h4>AI narrative <span style='color:gray;font-weight:normal'>(%1; "
                      "%2 of %3 statements cite evidence)</span></h4>")
                       .arg(esc(m_aiProvider))
                       .arg(m_aiNarrative->assertiveCount - m_aiNarrative->flagged.size())
                       .arg(m_aiNarrative->assertiveCount);
    QString section;
    for (const ai::Claim& c : m_aiNarrative->claims) {
        if (c.section != section) {
            section = c.section;
            if (!section.isEmpty())
                html += QStringLiteral("<h5>%1</h5>").arg(esc(section));
        }
        QString text = esc(c.text);
        text.replace(cite, QStringLiteral("<a href='evidence:\\1'>[\\1]</a>"));
        if (c.flagged())
            html += QStringLiteral("<p><span style='background:#ffd8d8;color:#000'>%1</span> "
                                   "<b style='color:#c03030'>%2</b></p>")
                        .arg(text, c.status == ai::Claim::Status::UnknownCitation
                                       ? tr("cites evidence that does not exist")
                                       : tr("unsupported: no evidence cited"));
        else
            html += QStringLiteral("<p>%1</p>").arg(text);
    }
    m_narrative->setHtml(html);
}

} // namespace sextant::ui
