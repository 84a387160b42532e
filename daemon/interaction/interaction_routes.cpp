#include "daemon/interaction/interaction_routes.hpp"

#include <charconv>
#include <variant>

#include "daemon/interaction/device_cookie.hpp"
#include "core/interaction/room_status.hpp"
#include "util/ascii.hpp"

namespace bvlive {
namespace {

using http::Response;
using nlohmann::json;

Response plain(int status, std::string reason) {
  Response r = Response::text(status, std::move(reason));
  r.set("Cache-Control", "no-store");
  return r;
}

Response json_answer(int status, const json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.set("Content-Type", "application/json");
  r.set("Cache-Control", "no-store");
  return r;
}

Response refused(const interaction::Refusal& e) {
  Response r = plain(e.http_status(), e.what());
  if (e.retry_after() > 0) r.set("Retry-After", std::to_string((e.retry_after() + 999) / 1000));
  return r;
}

Response wrong_method(const http::Request& req, const char* allow) {
  Response r = plain(405, "method " + req.method + " is not allowed here; use " + allow);
  r.set("Allow", allow);
  return r;
}

// The JSON object of a POST body, or the answer that refuses it.
std::variant<json, Response> json_body(const http::Request& req) {
  const auto type = req.header("content-type");
  std::string_view media = type ? type->substr(0, type->find(';')) : std::string_view();
  while (media.ends_with(' ')) media.remove_suffix(1);
  if (!iequals(media, "application/json"))
    return plain(415, "send the body as JSON with Content-Type: application/json" +
                          (type ? " (got " + std::string(*type) + ")" : std::string()));
  if (req.body.size() > InteractionRoutes::kMaxBody)
    return plain(413, "the body is " + std::to_string(req.body.size()) + " bytes; at most " +
                          std::to_string(InteractionRoutes::kMaxBody) + " are accepted");
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return plain(400, "the body is not valid JSON (UTF-8 text)");
  if (!body.is_object()) return plain(400, "the body must be a JSON object");
  return body;
}

std::optional<std::string> string_field(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

bool InteractionRoutes::owns(const std::vector<std::string>& parts) {
  if (parts.size() < 3 || parts[0] != "live") return false;
  if (parts.size() == 3) return parts[2] == "interaction" || parts[2] == "chat";
  return parts.size() == 5 && parts[2] == "polls" && parts[4] == "vote";
}

Response InteractionRoutes::handle(const LiveRecord& live, const std::vector<std::string>& parts,
                                   const http::Request& req, const std::string& viewer) {
  try {
    if (parts[2] == "interaction") {
      if (req.method != "GET" && req.method != "HEAD") return wrong_method(req, "GET, HEAD");
      return interaction(live, req);
    }
    if (req.method != "POST") return wrong_method(req, "POST");
    if (parts[2] == "chat") return post_chat(live, req, viewer);
    return vote(live, parts[3], req);
  } catch (const interaction::Refusal& e) {
    return refused(e);
  }
}

Response InteractionRoutes::interaction(const LiveRecord& live, const http::Request& req) {
  Response r;
  const std::string device = ensure_device(req, r);
  const auto room = interaction::room_status(live);
  // `device` lets a page that gets no cookies (in another site's iframe) send it back
  // as X-Bvlive-Device.
  const json body = {{"phase", interaction::phase_json(room.phase)},
                     {"device", device},
                     {"chat", chat_.page_json(live)},
                     {"polls_enabled", room.polls_enabled},
                     {"polls", polls_.page_json(live, device)}};
  Response answer = json_answer(200, body);
  for (auto& h : r.headers) answer.headers.push_back(std::move(h));
  return answer;
}

Response InteractionRoutes::post_chat(const LiveRecord& live, const http::Request& req, const std::string& viewer) {
  auto parsed = json_body(req);
  if (auto* refusal = std::get_if<Response>(&parsed)) return std::move(*refusal);
  const json& body = std::get<json>(parsed);
  auto name = string_field(body, "name");
  auto text = string_field(body, "text");
  if (!name) return plain(400, "give your display name as \"name\" (a string)");
  if (!text) return plain(400, "give the message as \"text\" (a string)");
  const auto m = chat_.post(live, std::move(*name), std::move(*text), device_of(req), viewer, now_ms());
  return json_answer(201, {{"message", interaction::to_json(m)}});
}

Response InteractionRoutes::vote(const LiveRecord& live, const std::string& poll_id, const http::Request& req) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(poll_id.data(), poll_id.data() + poll_id.size(), id);
  if (ec != std::errc() || end != poll_id.data() + poll_id.size() || id <= 0)
    return plain(404, "no poll '" + poll_id + "' in live " + live.label() + "; poll ids are numbers");
  auto parsed = json_body(req);
  if (auto* refusal = std::get_if<Response>(&parsed)) return std::move(*refusal);
  const json& body = std::get<json>(parsed);
  const auto option = body.find("option");
  if (option == body.end() || !option->is_number_integer())
    return plain(400, "give the chosen option's index as \"option\" (a whole number from 0)");
  const auto o = option->get<std::int64_t>();
  const int index = o < 0 || o > 1000 ? -1 : static_cast<int>(o);
  const auto p = polls_.vote(live, id, index, device_of(req), now_ms());
  return json_answer(200, {{"poll", interaction::to_json(p, true, index)}});
}

}  // namespace bvlive
