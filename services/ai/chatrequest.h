#pragma once

#include "llmconfig.h"

#include <QByteArray>
#include <QString>
#include <QVector>

namespace sextant::ai {

// One message of an OpenAI-compatible chat completions request.
struct ChatMessage {
    QString role; // "system", "user", "assistant"
    QString content;
    bool operator==(const ChatMessage&) const = default;
};

// The exact request body sent to POST {base}/chat/completions:
// {"model", "messages", "max_tokens", "temperature", "stream"} (model left out when empty, for
// Azure deployments). Pretty-printed so the preview dialog can show these very bytes.
QByteArray chatRequestBody(const LlmConfig& config, const QVector<ChatMessage>& messages);

} // namespace sextant::ai
