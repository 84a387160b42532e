// The JSON-RPC method table: each method name, whether it changes state, and the
// service call that serves it. Read this to know what the control socket offers.
#include <functional>
#include <string_view>

#include "daemon.hpp"
#include "rpc/error.hpp"

namespace bvlive {
namespace {

using nlohmann::json;
using Handler = std::function<json(Daemon&, LiveService&, const json&, const Caller&)>;

struct Method {
  std::string_view name;
  Handler handler;
};

Handler live_op(Trigger t) {
  return [t](Daemon&, LiveService& s, const json& p, const Caller& c) { return s.op(t, p, c); };
}

const Method kMethods[] = {
    {"live.create", [](Daemon&, LiveService& s, const json& p, const Caller& c) { return s.create(p, c); }},
    {"live.list", [](Daemon&, LiveService& s, const json& p, const Caller&) { return s.list(p); }},
    {"live.get", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.live_view(p); }},
    {"live.update", [](Daemon&, LiveService& s, const json& p, const Caller& c) { return s.update(p, c); }},
    {"live.preview", live_op(Trigger::Preview)},
    {"live.start", live_op(Trigger::Start)},
    {"live.end", live_op(Trigger::End)},
    {"live.cancel", live_op(Trigger::Cancel)},
    {"live.close", live_op(Trigger::Close)},
    {"live.reopen", live_op(Trigger::Reopen)},
    {"live.archive", live_op(Trigger::Archive)},
    {"live.delete", live_op(Trigger::Delete)},
    {"live.events", [](Daemon&, LiveService& s, const json& p, const Caller&) { return s.events(p); }},
    {"live.sessions", [](Daemon&, LiveService& s, const json& p, const Caller&) { return s.sessions(p); }},
    {"live.rotate_key", [](Daemon&, LiveService& s, const json& p, const Caller& c) { return s.rotate_key(p, c); }},
    {"library.add", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.library_add(p); }},
    {"library.list", [](Daemon& d, LiveService&, const json&, const Caller&) { return d.library_list(); }},
    {"library.get", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.library_get(p); }},
    {"library.remove", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.library_remove(p); }},
    {"live.token", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.issue_token(p); }},
    {"secret.rotate", [](Daemon& d, LiveService&, const json&, const Caller& c) { return d.rotate_secret(c); }},
    {"vod.get", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.vod().get(p); }},
    {"vod.retry", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.vod().retry(p); }},
    {"chat.list", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.chat_list(p); }},
    {"chat.send", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.chat_send(p); }},
    {"chat.delete", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.chat_delete(p); }},
    {"poll.create", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.poll_create(p); }},
    {"poll.close", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.poll_close(p); }},
    {"poll.list", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.poll_list(p); }},
    {"apikey.create", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.api_keys().create(p, now_ms()); }},
    {"apikey.list", [](Daemon& d, LiveService&, const json&, const Caller&) { return d.api_keys().list(); }},
    {"apikey.revoke", [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.api_keys().revoke(p, now_ms()); }},
    {"daemon.status", [](Daemon& d, LiveService&, const json&, const Caller&) { return d.status(); }},
    {"daemon.reload", [](Daemon& d, LiveService&, const json&, const Caller&) { return d.reload(); }},
};

}  // namespace

json Daemon::dispatch(const std::string& method, const json& params, const Peer& peer) {
  Caller caller;
  if (peer.uid) caller.uid = static_cast<std::int64_t>(*peer.uid);
  return dispatch_as(method, params, caller);
}

json Daemon::dispatch_as(const std::string& method, const json& params, const Caller& caller) {
  if (stopping_) throw RpcError(ErrorKind::Unavailable, "bvlived is shutting down; retry once it is back");
  for (const auto& m : kMethods) {
    if (m.name != method) continue;
    json result = m.handler(*this, *service_, params, caller);
    // Any call may have changed a schedule; recomputing the wake-up is cheap.
    scheduler_->rearm();
    sessions_->refresh_keys();  // create, update, rotate-key and ops change which keys are accepted
    return result;
  }
  std::string known;
  for (const auto& m : kMethods) known += (known.empty() ? "" : ", ") + std::string(m.name);
  throw RpcError(ErrorKind::MethodNotFound, "unknown method '" + method + "'; methods: " + known);
}

}  // namespace bvlive
