// chat.* and poll.*: the host's side of chatrooms and polls (bvlive chat, bvlive poll).
// Refusals are interaction::Refusal, an RpcError, so the CLI gets kind and reason.
#include "daemon.hpp"

#include "core/interaction/room_status.hpp"
#include "rpc/error.hpp"

namespace bvlive {
namespace {

using nlohmann::json;

std::optional<std::int64_t> whole_number(const json& params, const char* key, std::int64_t lo, const char* what) {
  if (!params.contains(key)) return std::nullopt;
  if (!params[key].is_number_integer() || params[key].get<std::int64_t>() < lo)
    throw_invalid(key, std::string("must be ") + what);
  return params[key].get<std::int64_t>();
}

std::int64_t required_number(const json& params, const char* key, const char* what) {
  const auto n = whole_number(params, key, 1, what);
  if (!n) throw_invalid(key, std::string("required: ") + what);
  return *n;
}

std::string string_param(const json& params, const char* key, bool required, const char* what) {
  if (!params.contains(key)) {
    if (required) throw_invalid(key, std::string("required: ") + what);
    return "";
  }
  if (!params[key].is_string()) throw_invalid(key, std::string("must be a string: ") + what);
  return params[key].get<std::string>();
}

}  // namespace

json Daemon::chat_list(const json& params) {
  const LiveRecord& live = service_->named(params);
  const auto after = whole_number(params, "after", 0, "a message id (0 or more)").value_or(0);
  const auto limit = whole_number(params, "limit", 1, "1 to 10000").value_or(settings_.chat.history);
  if (limit > 10000) throw_invalid("limit", "must be 1 to 10000");
  return {{"live_id", live.id}, {"room", chat_->room_json(live)}, {"messages", interaction::to_json(chat_->messages(live, after, limit))}};
}

json Daemon::chat_send(const json& params) {
  const LiveRecord& live = service_->named(params);
  std::string text = string_param(params, "text", true, "the message");
  std::string name = string_param(params, "name", false, "the display name (default Host)");
  return {{"message", interaction::to_json(chat_->host_post(live, std::move(name), std::move(text), now_ms()))}};
}

json Daemon::chat_delete(const json& params) {
  const LiveRecord& live = service_->named(params);
  const auto id = required_number(params, "message", "the id of the message to delete");
  chat_->remove(live, id, now_ms());
  return {{"deleted", id}};
}

json Daemon::poll_create(const json& params) {
  const LiveRecord& live = service_->named(params);
  std::string question = string_param(params, "question", true, "the poll's question");
  if (!params.contains("options") || !params["options"].is_array())
    throw_invalid("options", "required: an array of 2 to 10 option texts");
  std::vector<std::string> options;
  for (const auto& o : params["options"]) {
    if (!o.is_string()) throw_invalid("options", "each option must be a string");
    options.push_back(o.get<std::string>());
  }
  return {{"poll", interaction::to_json(polls_->create(live, std::move(question), std::move(options), now_ms()))}};
}

json Daemon::poll_close(const json& params) {
  const LiveRecord& live = service_->named(params);
  const auto id = required_number(params, "poll", "the id of the poll to close");
  return {{"poll", interaction::to_json(polls_->close(live, id, now_ms()))}};
}

json Daemon::poll_list(const json& params) {
  const LiveRecord& live = service_->named(params);
  json list = json::array();
  for (const auto& p : polls_->of_live(live.id)) list.push_back(interaction::to_json(p));
  const auto room = interaction::room_status(live);
  return {{"live_id", live.id}, {"polls_enabled", room.polls_enabled}, {"polls", list}};
}

}  // namespace bvlive
