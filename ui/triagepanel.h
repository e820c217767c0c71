#pragma once

#include "analysis/evidence.h"
#include "argocd/types.h"
#include "core/error.h"

#include <QPointer>
#include <QWidget>

#include <memory>

class QLabel;
class QDialog;
class QPushButton;
class QSplitter;
class QTableView;
class QTextBrowser;

namespace sextant {
namespace analysis {
class EvidenceCollector;
class Diagnoser;
} // namespace analysis
namespace ai {
class ChatClient;
struct Narrative;
} // namespace ai
namespace models {
class FindingsModel;
}
namespace ui {

class ConsoleSession;

// Incident triage for one application: collects the evidence from its Argo CD instance
// (analysis::EvidenceCollector), diagnoses it off the GUI thread (analysis::Diagnoser) and shows
// the findings with their evidence lines linked to the resource, event or log line they come
// from, the remediation, the Git change, and similar past incidents from the knowledge base.
// Optional: a narrative from an OpenAI-compatible model, after the user saw exactly what will be
// sent. Writes (annotating the application) go through the approval gate.
class TriagePanel : public QWidget {
    Q_OBJECT
public:
    // Used by the application annotation action.
    static constexpr const char* kAnalysisAnnotation = "ai.inferencesystems.com/last-analysis";

    explicit TriagePanel(ConsoleSession* session, QWidget* parent = nullptr);
    ~TriagePanel() override;

    // Shows `app` (nothing is fetched until diagnose()).
    void setApplication(const argocd::AppSummary& app);
    // Collects the evidence and diagnoses it; a run already going is replaced.
    void diagnose();
    bool hasResult() const { return m_diagnosis != nullptr; }
    bool isRunning() const { return m_running; }

    const analysis::Diagnosis* diagnosis() const { return m_diagnosis.get(); }
    const analysis::EvidenceBundle* bundle() const { return m_bundle.get(); }
    models::FindingsModel* model() const { return m_model; }
    QTableView* findingsView() const { return m_findings; }
    QTextBrowser* detailBrowser() const { return m_detail; }
    QTextBrowser* narrativeBrowser() const { return m_narrative; }
    QLabel* statusLabel() const { return m_status; }
    // The Markdown copied by "Copy as Markdown" (diagnosis plus any AI narrative).
    QString markdown() const;
    // Writes the evidence bundle as JSON (docs/evidence-bundle.md).
    Status exportBundle(const QString& path);
    // The engine shared by every panel (catalogue parsed once).
    static const analysis::Diagnoser& engine();

public Q_SLOTS:
    // Writes the top finding into the application's kAnalysisAnnotation annotation, through
    // the approval gate (audit mode refuses it).
    void annotate();
    // "What fixed it", into the knowledge base.
    void recordFix();
    // A corrective commit for the selected finding (or the top one) in a review dialog: the
    // fix drafted in the config repository, its impact, and the pull request to approve.
    void draftFixCommit();
    // The optional LLM narrative: preview of exactly what will be sent, then the request.
    void explainWithAi();
    // Pasted text (kubectl describe, an alert, CLI output) added to the evidence as a free-text
    // block, then diagnosed again; without a collected bundle the text is the whole evidence.
    void addEvidence(const QString& title, const QString& text);

Q_SIGNALS:
    // The user clicked an evidence line: the detail view shows where it comes from.
    void evidenceActivated(const sextant::analysis::EvidenceItem& item);
    // A diagnosis finished (for the tab title and tests).
    void diagnosed();
    // "Rollback options…": the detail view shows the ranked rollback targets.
    void rollbackRequested();
    // "Draft fix commit…" opened its review dialog (for tests).
    void fixDialogOpened(QDialog* dialog);

private:
    void clearResult(const QString& message);
    void onCollected(quint64 gen, Result<analysis::EvidenceBundle> bundle);
    void runDiagnosis(std::shared_ptr<const analysis::EvidenceBundle> bundle);
    void addEvidenceInteractive();
    void showDiagnosis(std::shared_ptr<const analysis::Diagnosis> diagnosis);
    void renderFinding(int row);
    void openLink(const QUrl& url);
    void lookUpSimilar();
    void copyMarkdown();
    void exportBundleInteractive();
    void configureAi();
    void renderNarrative();
    // The status line: the diagnosis headline plus one note about the latest action.
    void setStatusNote(const QString& note);
    void updateButtons();
    // The finding the fix actions work on: the selected one, else the top one.
    const analysis::Finding* currentFinding() const;

    ConsoleSession* m_session;
    argocd::AppSummary m_app;
    quint64 m_gen = 0;
    bool m_running = false;
    QPointer<analysis::EvidenceCollector> m_collector;
    std::shared_ptr<const analysis::EvidenceBundle> m_bundle;
    std::shared_ptr<const analysis::Diagnosis> m_diagnosis;
    qint64 m_kbId = 0;
    QString m_similarHtml;

    QLabel* m_status;
    QString m_statusBase;
    QPushButton* m_run;
    QPushButton* m_copy;
    QPushButton* m_export;
    QPushButton* m_ai;
    QPushButton* m_annotate;
    QPushButton* m_fix;
    QPushButton* m_addText;
    QPushButton* m_rollback;
    QPushButton* m_draftFix;
    models::FindingsModel* m_model;
    QTableView* m_findings;
    QTextBrowser* m_detail;
    QTextBrowser* m_narrative;
    QSplitter* m_split;

    QPointer<ai::ChatClient> m_chat;
    QString m_aiProvider;
    QString m_aiText;
    std::shared_ptr<ai::Narrative> m_aiNarrative;
    QString m_aiError;
};

} // namespace ui
} // namespace sextant
