#pragma once

#include "analysis/evidence.h"
#include "chatrequest.h"
#include "llmconfig.h"
#include "redactor.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace sextant::ai {

// Exactly what will be sent, for the "what will be sent" dialog: ChatClient::start() sends
// `text` byte for byte.
struct PromptPreview {
    QString text;                       // the request body (JSON), as sent
    QVector<ChatMessage> messages;      // the same content as messages, for a readable view
    QVector<RedactionCount> redactions; // what was removed, by kind
    int estimatedTokens = 0;            // of the messages, ~4 characters per token
    QStringList dropped;     // evidence left out for size: "E41 log web-6d8f/web", lowest first
    QStringList includedIds; // evidence ids that are in the prompt, in id order

    QByteArray body() const { return text.toUtf8(); }
};

struct PromptOptions {
    int maxEvidenceLines = 300; // at most this many lines, before the token budget applies
    int maxLineChars = 600;     // each evidence line is cut to this length (after redaction)
};

// Builds the chat messages for one Diagnosis: a system prompt (SRE assistant, cite evidence ids,
// no invented facts, fixed answer sections) and a user message with the findings and the
// evidence lines with their ids. Everything from the diagnosis goes through the Redactor. When
// the estimate exceeds LlmConfig::maxPromptTokens, evidence is dropped lowest value first:
// uncited lines before lines cited by a finding, ordinary lines before warnings, later sources
// before earlier ones; the prompt says which ids were left out.
class PromptBuilder {
public:
    explicit PromptBuilder(LlmConfig config, PromptOptions options = {});

    // Kind::Config when a redaction pattern is invalid or the findings alone do not fit the
    // token budget.
    Result<PromptPreview> build(const analysis::Diagnosis& diagnosis) const;

    static QString systemPrompt();
    // ~4 characters per token, rounded up; the budget is an estimate, not a tokenizer.
    static int estimateTokens(QStringView text);
    // Per-message overhead of the chat format, in tokens.
    static constexpr int kMessageOverheadTokens = 4;

private:
    LlmConfig m_config;
    PromptOptions m_options;
};

} // namespace sextant::ai
