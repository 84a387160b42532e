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

// What a method may change, which says what must follow it: a change to lives (their
// state, schedule or stream key) re-arms the scheduler and refreshes the keys ingest
// accepts; reads and other changes need neither.
enum class Effect { Reads, ChangesLives, ChangesOther };

struct Method {
  std::string_view name;
  Effect effect;
  Handler handler;
};

Handler live_op(Trigger t) {
  return [t](Daemon&, LiveService& s, const json& p, const Caller& c) { return s.op(t, p, c); };
}

constexpr Effect R = Effect::Reads, L = Effect::ChangesLives, O = Effect::ChangesOther;

const Method kMethods[] = {
    {"live.create", L, [](Daemon&, LiveService& s, const json& p, const Caller& c) { return s.create(p, c); }},
    {"live.list", R, [](Daemon&, LiveService& s, const json& p, const Caller&) { return s.list(p); }},
    {"live.get", R, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.live_view(p); }},
    {"live.update", L, [](Daemon&, LiveService& s, const json& p, const Caller& c) { return s.update(p, c); }},
    {"live.preview", L, live_op(Trigger::Preview)},
    {"live.start", L, live_op(Trigger::Start)},
    {"live.end", L, live_op(Trigger::End)},
    {"live.cancel", L, live_op(Trigger::Cancel)},
    {"live.close", L, live_op(Trigger::Close)},
    {"live.reopen", L, live_op(Trigger::Reopen)},
    {"live.archive", L, live_op(Trigger::Archive)},
    {"live.delete", L, live_op(Trigger::Delete)},
    {"live.events", R, [](Daemon&, LiveService& s, const json& p, const Caller&) { return s.events(p); }},
    {"live.sessions", R, [](Daemon&, LiveService& s, const json& p, const Caller&) { return s.sessions(p); }},
    {"live.rotate_key", L, [](Daemon&, LiveService& s, const json& p, const Caller& c) { return s.rotate_key(p, c); }},
    {"library.list", R, [](Daemon& d, LiveService&, const json&, const Caller&) { return d.library_list(); }},
    {"library.get", R, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.library_get(p); }},
    {"library.remove", O, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.library_remove(p); }},
    {"live.token", O, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.issue_token(p); }},
    {"secret.rotate", O, [](Daemon& d, LiveService&, const json&, const Caller& c) { return d.rotate_secret(c); }},
    {"vod.get", R, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.vod().get(p); }},
    {"vod.retry", L, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.vod().retry(p); }},
    {"chat.list", R, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.chat_list(p); }},
    {"chat.send", O, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.chat_send(p); }},
    {"chat.delete", O, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.chat_delete(p); }},
    {"poll.create", O, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.poll_create(p); }},
    {"poll.close", O, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.poll_close(p); }},
    {"poll.list", R, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.poll_list(p); }},
    {"apikey.create", O, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.api_keys().create(p, now_ms()); }},
    {"apikey.list", R, [](Daemon& d, LiveService&, const json&, const Caller&) { return d.api_keys().list(); }},
    {"apikey.revoke", O, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.api_keys().revoke(p, now_ms()); }},
    {"edge.config", R, [](Daemon& d, LiveService&, const json& p, const Caller&) { return d.edge_config(p); }},
    {"daemon.status", R, [](Daemon& d, LiveService&, const json&, const Caller&) { return d.status(); }},
    {"daemon.reload", L, [](Daemon& d, LiveService&, const json&, const Caller&) { return d.reload(); }},
};

// Methods answered later, when work on the thread pool is done (ControlServer::DispatchLater).
using LaterHandler = std::function<void(Daemon&, const json&, const Caller&, Daemon::Answer)>;
struct LaterMethod {
  std::string_view name;
  LaterHandler handler;
};
const LaterMethod kLaterMethods[] = {
    {"library.add", [](Daemon& d, const json& p, const Caller&, Daemon::Answer a) { d.library_add(p, std::move(a)); }},
};

}  // namespace

bool Daemon::dispatch_later(const std::string& method, const json& params, const Peer& peer, Answer answer) {
  for (const auto& m : kLaterMethods) {
    if (m.name != method) continue;
    if (stopping_) throw RpcError(ErrorKind::Unavailable, "bvlived is shutting down; retry once it is back");
    Caller caller;
    if (peer.uid) caller.uid = static_cast<std::int64_t>(*peer.uid);
    m.handler(*this, params, caller, std::move(answer));
    return true;
  }
  return false;
}

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
    if (m.effect == Effect::ChangesLives) {
      scheduler_->rearm();        // a schedule may have moved
      sessions_->refresh_keys();  // and which stream keys ingest accepts
    }
    return result;
  }
  std::string known;
  for (const auto& m : kMethods) known += (known.empty() ? "" : ", ") + std::string(m.name);
  for (const auto& m : kLaterMethods) known += ", " + std::string(m.name);
  throw RpcError(ErrorKind::MethodNotFound, "unknown method '" + method + "'; methods: " + known);
}

}  // namespace bvlive
