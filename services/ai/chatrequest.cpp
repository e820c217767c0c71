#include "chatrequest.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace sextant::ai {

QByteArray chatRequestBody(const LlmConfig& config, const QVector<ChatMessage>& messages) {
    // ordered_json keeps the field order stable, so the same prompt gives the same bytes.
    nlohmann::ordered_json body = nlohmann::ordered_json::object();
    if (!config.model.isEmpty())
        body["model"] = config.model.toStdString();
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const ChatMessage& m : messages)
        list.push_back({{"role", m.role.toStdString()}, {"content", m.content.toStdString()}});
    body["messages"] = std::move(list);
    body["max_tokens"] = config.maxCompletionTokens;
    // Rounded so that 0.2 is written as 0.2 and not as 0.20000000000000001.
    body["temperature"] = std::round(config.temperature * 100.0) / 100.0;
    body["stream"] = config.stream;
    // Invalid UTF-8 cannot come from a QString, but a throw here would be worse than a "?".
    const std::string text =
        body.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return QByteArray(text.data(), qsizetype(text.size()));
}

} // namespace sextant::ai
