#include "core/interaction/chat_message.hpp"

#include "util/utf8_text.hpp"

namespace bvlive::interaction {

std::optional<std::string> check_post(std::string& name, std::string& text, const ChatLimits& limits) {
  name = utf8::trim(name);
  text = utf8::trim(text);
  if (name.empty()) return "a display name is needed: give \"name\"";
  if (text.empty()) return "the message is empty: give \"text\"";
  if (const auto n = utf8::length(name); n > ChatLimits::kMaxName)
    return "the display name is " + std::to_string(n) + " characters long; at most " +
           std::to_string(ChatLimits::kMaxName) + " are allowed";
  if (const auto n = utf8::length(text); n > limits.max_length)
    return "the message is " + std::to_string(n) + " characters long; at most " + std::to_string(limits.max_length) +
           " are allowed";
  if (utf8::has_control(name))
    return "the display name contains control characters (or text-direction overrides); use printable text";
  if (utf8::has_control(text))
    return "the message contains control characters or text-direction overrides (a chat message is one line of "
           "printable text)";
  return std::nullopt;
}

nlohmann::json to_json(const ChatMessage& m) {
  return {{"id", m.id}, {"name", m.name}, {"text", m.text}, {"host", m.host}, {"at", format_rfc3339(m.at)}};
}

nlohmann::json to_json(const std::vector<ChatMessage>& messages) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : messages) list.push_back(to_json(m));
  return list;
}

}  // namespace bvlive::interaction
