#include "service/live_service.hpp"

#include "util/ascii.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

#include "config/config_loader.hpp"
#include "config/live_decl_spec.hpp"
#include "lifecycle/session_state.hpp"
#include "rpc/error.hpp"
#include "service/live_view.hpp"
#include "util/random_id.hpp"

namespace bvlive {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A chain of automatic transitions (SCHEDULED -> PREPARING -> WAIT_FOR_PREVIEW ->
// PREVIEW -> LIVE ...) never needs more steps than there are states.
constexpr int kMaxChain = 16;

std::string require_id(const json& params) {
  if (!params.is_object() || !params.contains("id") || params["id"].is_null())
    throw_invalid("id", "required: the live's id or custom_id");
  if (!params["id"].is_string() || params["id"].get<std::string>().empty())
    throw_invalid("id", "must be a non-empty string: the live's id or custom_id");
  return params["id"].get<std::string>();
}

const json& unwrap_live(const json& params, const char* what) {
  if (!params.is_object() || !params.contains("live")) throw_invalid("live", std::string("required: ") + what);
  const json& body = params["live"];
  if (body.is_object() && body.size() == 1 && body.contains("live") && body["live"].is_object()) return body["live"];
  return body;
}

// Fields that shape the stream: fixed once the live has gone LIVE.
struct FrozenField {
  const char* path;
  bool (*same)(const LiveSpec&, const LiveSpec&);
};
constexpr FrozenField kFrozenOnceLive[] = {
    {"type", [](const LiveSpec& a, const LiveSpec& b) { return a.type == b.type; }},
    {"source", [](const LiveSpec& a, const LiveSpec& b) { return a.source == b.source; }},
    {"broadcast_mode", [](const LiveSpec& a, const LiveSpec& b) { return a.broadcast_mode == b.broadcast_mode; }},
    {"scheduled_at", [](const LiveSpec& a, const LiveSpec& b) { return a.scheduled_at == b.scheduled_at; }},
    {"resolution", [](const LiveSpec& a, const LiveSpec& b) { return a.resolution == b.resolution; }},
    {"ull_enabled", [](const LiveSpec& a, const LiveSpec& b) { return a.ull_enabled == b.ull_enabled; }},
    {"ingestion_types", [](const LiveSpec& a, const LiveSpec& b) { return a.ingestion_types == b.ingestion_types; }},
    {"security.protection", [](const LiveSpec& a, const LiveSpec& b) { return a.security.protection == b.security.protection; }},
};

std::vector<std::string> changed_fields(const json& before, const json& after) {
  std::vector<std::string> out;
  for (auto it = after.begin(); it != after.end(); ++it)
    if (!before.contains(it.key()) || before[it.key()] != it.value()) out.push_back(it.key());
  return out;
}

}  // namespace

json transitions_json(const std::vector<AppliedTransition>& ts) {
  json out = json::array();
  for (const auto& t : ts)
    out.push_back({{"from", t.from ? json(std::string(to_string(*t.from))) : json(nullptr)},
                   {"to", t.to ? json(std::string(to_string(*t.to))) : json(nullptr)},
                   {"trigger", std::string(to_string(t.trigger))},
                   {"cause", t.cause}});
  return out;
}

LiveService::LiveService(Store& store, ScheduleRules rules, std::string media_root, TimeMs daemon_started_at)
    : store_(store), rules_(rules), media_root_(std::move(media_root)), started_at_(daemon_started_at) {
  for (auto& l : store_.load_lives()) {
    if (l.preview_token.empty()) {  // made before preview tokens existed (schema 1)
      l.preview_token = new_preview_token();
      store_.update_live(l);
    }
    auto id = l.id;
    lives_.emplace(std::move(id), std::move(l));
  }
}

const LiveRecord* LiveService::by_stream_key(std::string_view key) const {
  if (key.empty()) return nullptr;
  for (const auto& [id, live] : lives_)
    if (live.stream_key == key) return &live;
  return nullptr;
}

const LiveRecord* LiveService::by_id_or_custom_id(std::string_view key) const {
  if (auto it = lives_.find(key); it != lives_.end()) return &it->second;
  for (const auto& [id, l] : lives_)
    if (l.spec.custom_id && *l.spec.custom_id == key) return &l;
  return nullptr;
}

LiveRecord* LiveService::find(std::string_view key) {
  // The records are ours to change; the lookup itself is the const one.
  return const_cast<LiveRecord*>(by_id_or_custom_id(key));
}

const LiveRecord& LiveService::named(const json& params) const {
  const std::string key = require_id(params);
  if (const auto* l = by_id_or_custom_id(key)) return *l;
  throw_not_found(key);
}

LiveRecord& LiveService::resolve(const json& params) {
  // As find: the records are ours to change; the lookup itself is the const one.
  return const_cast<LiveRecord&>(named(params));
}

std::string LiveService::media_dir(const LiveRecord& live) const { return media_root_ + "/" + live.id; }

json LiveService::view(const LiveRecord& live) {
  std::optional<SessionRow> current;
  auto sessions = store_.sessions(live.id);
  if (!sessions.empty()) {
    auto st = parse_session_state(sessions.front().state);
    if (st && is_running(*st)) current = sessions.front();
  }
  return live_json(live, next_automatic(live, rules_), current);
}

void LiveService::check_custom_id_free(const LiveSpec& spec, const std::string& own_id) const {
  if (!spec.custom_id) return;
  for (const auto& [id, l] : lives_) {
    if (id == own_id) continue;
    if ((l.spec.custom_id && *l.spec.custom_id == *spec.custom_id) || id == *spec.custom_id)
      throw RpcError(ErrorKind::Conflict,
                     "live.custom_id: '" + *spec.custom_id + "' is already used by live " + id +
                         "; choose another custom_id",
                     {{"path", "live.custom_id"}, {"existing_id", id}});
  }
}

LiveRecord LiveService::make_live(const LiveSpec& spec, TimeMs now, bool from_config) {
  LiveRecord rec;
  do {
    rec.id = new_live_id();
  } while (find(rec.id));  // neither an existing id nor someone's custom_id
  rec.spec = spec;
  rec.state = LiveState::Scheduled;
  rec.stream_key = new_stream_key();
  rec.preview_token = new_preview_token();
  rec.created_at = rec.updated_at = rec.state_changed_at = now;
  rec.from_config = from_config;
  return rec;
}

void LiveService::insert(LiveRecord rec, const Caller& caller, std::vector<std::string>* warnings) {
  {
    sql::Transaction tx(store_.db());
    store_.insert_live(rec);
    store_.append_event({0, rec.id, rec.created_at, std::nullopt, std::string(to_string(rec.state)), "create",
                         caller.cause, "", caller.uid, caller.api_key});
    tx.commit();
  }
  if (warnings && rec.spec.scheduled_at && *rec.spec.scheduled_at < rec.created_at)
    warnings->push_back("live.scheduled_at: " + format_rfc3339(*rec.spec.scheduled_at) +
                        " is in the past; the live is prepared at once");
  auto id = rec.id;
  lives_.emplace(std::move(id), std::move(rec));
}

json LiveService::create(const json& params, const Caller& caller) {
  std::vector<std::string> warnings;
  const LiveSpec spec = live_spec_from_json(unwrap_live(params, "the live to create (the create body)"), &warnings);
  check_custom_id_free(spec, "");
  if (check_references) check_references(spec);
  const TimeMs now = now_ms();
  LiveRecord rec = make_live(spec, now, caller.cause == "config");
  const std::string id = rec.id;
  insert(std::move(rec), caller, &warnings);
  auto& live = lives_.at(id);
  auto ts = follow_automatic(live, now);
  json out = {{"live", view(live)}, {"warnings", warnings}, {"transitions", transitions_json(ts)}};
  return out;
}

json LiveService::list(const json& params) const {
  std::optional<LiveState> filter;
  if (params.is_object() && params.contains("state") && !params["state"].is_null()) {
    if (!params["state"].is_string()) throw_invalid("state", "must be a state name such as LIVE");
    filter = parse_live_state(params["state"].get<std::string>());
    if (!filter) {
      std::string all;
      for (auto s : kAllLiveStates) all += (all.empty() ? "" : ", ") + std::string(to_string(s));
      throw_invalid("state", "'" + params["state"].get<std::string>() + "' is not a state; use one of " + all);
    }
  }
  std::optional<LiveType> type;
  if (params.is_object() && params.contains("type") && !params["type"].is_null()) {
    if (!params["type"].is_string()) throw_invalid("type", "must be LIVE_TYPE_LIVE or LIVE_TYPE_SIMULIVE");
    const std::string t = params["type"].get<std::string>();
    if (t == "LIVE_TYPE_LIVE" || iequals(t, "live")) type = LiveType::Live;
    else if (t == "LIVE_TYPE_SIMULIVE" || iequals(t, "simulive")) type = LiveType::Simulive;
    else throw_invalid("type", "'" + t + "' is not a type; use LIVE_TYPE_LIVE or LIVE_TYPE_SIMULIVE");
  }
  // Paging (the HTTP API's page_size and page_token): a token is where the previous page
  // ended, "CREATED_AT.ID", so pages stay right when lives are added or deleted between them.
  std::optional<std::int64_t> page_size;
  if (params.is_object() && params.contains("page_size") && !params["page_size"].is_null()) {
    if (!params["page_size"].is_number_integer() || params["page_size"].get<std::int64_t>() < 1 ||
        params["page_size"].get<std::int64_t>() > 1000)
      throw_invalid("page_size", "must be 1 to 1000");
    page_size = params["page_size"].get<std::int64_t>();
  }
  std::optional<std::pair<TimeMs, std::string>> after;
  if (params.is_object() && params.contains("page_token") && !params["page_token"].is_null()) {
    const std::string token = params["page_token"].is_string() ? params["page_token"].get<std::string>() : "";
    const auto dot = token.find('.');
    TimeMs at = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + std::min(dot, token.size()), at);
    if (dot == std::string::npos || ec != std::errc() || end != token.data() + dot)
      throw_invalid("page_token", "not a page token of this list; pass the next_page_token of the previous page");
    after = std::make_pair(at, token.substr(dot + 1));
  }
  std::vector<const LiveRecord*> rows;
  rows.reserve(lives_.size());
  for (const auto& [id, l] : lives_)
    if ((!filter || l.state == *filter) && (!type || l.spec.type == *type)) rows.push_back(&l);
  std::ranges::sort(rows, [](const LiveRecord* a, const LiveRecord* b) {
    return std::tie(a->created_at, a->id) < std::tie(b->created_at, b->id);
  });
  const std::size_t total = rows.size();
  auto first = rows.begin();
  if (after)
    first = std::ranges::upper_bound(rows, *after, std::less<>(),
                                     [](const LiveRecord* l) { return std::make_pair(l->created_at, l->id); });
  auto last = rows.end();
  if (page_size && last - first > *page_size) last = first + *page_size;
  json out = json::array();
  for (auto it = first; it != last; ++it)
    out.push_back(live_summary_json(**it, session_running && session_running((*it)->id)));
  json result = {{"lives", std::move(out)}};
  if (page_size) {
    result["total_size"] = total;
    if (last != rows.end())
      result["next_page_token"] = std::to_string((*(last - 1))->created_at) + "." + (*(last - 1))->id;
  }
  return result;
}

json LiveService::get(const json& params) { return {{"live", view(resolve(params))}}; }

json LiveService::update(const json& params, const Caller& caller) {
  LiveRecord& live = resolve(params);
  if (live.state == LiveState::Archived)
    throw RpcError(ErrorKind::Conflict, "live " + live.label() + " is ARCHIVED and read-only",
                   {{"state", "ARCHIVED"}});
  const json& patch = unwrap_live(params, "the fields to change (an RFC 7396 merge patch of the create body)");
  if (!patch.is_object()) throw_invalid("live", "must be an object of the fields to change");
  const json before = to_json(live.spec);
  json merged = before;
  merged.merge_patch(patch);
  std::vector<std::string> warnings;
  LiveSpec spec = live_spec_from_json(merged, &warnings);
  check_custom_id_free(spec, live.id);
  if (check_references && to_json(spec) != before) check_references(spec);
  if (!before_live(live.state)) {
    for (const auto& f : kFrozenOnceLive)
      if (!f.same(live.spec, spec))
        throw RpcError(ErrorKind::Conflict,
                       "live." + std::string(f.path) + ": cannot change once the live has gone LIVE (it is " +
                           std::string(to_string(live.state)) + ")",
                       {{"path", std::string("live.") + f.path}, {"state", std::string(to_string(live.state))}});
  }
  // DRM encrypts as the packager writes: a running push would go on writing clear (or
  // encrypted) segments under playlists that say otherwise.
  const bool drm_before = live.spec.security.protection == ProtectionType::Drm;
  if (drm_before != (spec.security.protection == ProtectionType::Drm) && session_running && session_running(live.id))
    throw RpcError(ErrorKind::Conflict,
                   "live.security.protection: cannot change to or from DRM while a push runs; stop the encoder first",
                   {{"path", "live.security.protection"}, {"state", std::string(to_string(live.state))}});
  // Once ENCODING has begun, the VOD's source is what it is making; its window may still move.
  const LiveVod& had = live.spec.live_vod;
  const bool vod_begun = !before_live(live.state) && live.state != LiveState::Live;
  if (vod_begun && (had.source != spec.live_vod.source || had.replace_id != spec.live_vod.replace_id ||
                    had.playback_id != spec.live_vod.playback_id))
    throw RpcError(ErrorKind::Conflict,
                   "live.live_vod.source: cannot change once the live has ended (it is " +
                       std::string(to_string(live.state)) + "); only live_vod.started_at and ended_at can move",
                   {{"path", "live.live_vod.source"}, {"state", std::string(to_string(live.state))}});
  const auto changed = changed_fields(before, to_json(spec));
  if (!changed.empty()) {
    LiveRecord next = live;
    next.spec = std::move(spec);
    next.updated_at = now_ms();
    std::string detail;
    for (const auto& c : changed) detail += (detail.empty() ? "" : ", ") + c;
    sql::Transaction tx(store_.db());
    store_.update_live(next);
    store_.append_event({0, next.id, next.updated_at, std::string(to_string(next.state)),
                         std::string(to_string(next.state)), "update", caller.cause, detail, caller.uid, caller.api_key});
    tx.commit();
    live = std::move(next);
    if (on_changed) on_changed(live);
  }
  // A new schedule may already be due (e.g. scheduled_at moved into the past).
  auto ts = follow_automatic(live, now_ms());
  return {{"live", view(live)}, {"changed", changed}, {"warnings", warnings}, {"transitions", transitions_json(ts)}};
}

std::vector<AppliedTransition> LiveService::apply(LiveRecord& live, Trigger trigger, const Caller& caller,
                                                  TimeMs now) {
  const std::string& cause = caller.cause;
  TransitionFacts facts;
  facts.has_live_vod = live.spec.live_vod.enabled();
  facts.schedule_due = prepare_due(live.spec, rules_, now);
  const auto result = live_transition(live.state, trigger, facts);
  if (!result.allowed) {
    json allowed = json::array();
    for (auto s : result.allowed_from) allowed.push_back(std::string(to_string(s)));
    throw RpcError(ErrorKind::Conflict, live.label() + ": " + refusal_message(trigger, live.state, result.allowed_from),
                   {{"state", std::string(to_string(live.state))}, {"op", std::string(to_string(trigger))},
                    {"allowed_from", allowed}});
  }
  AppliedTransition applied{live.id, live.label(), live.state, result.to, trigger, cause};

  if (!result.to) {  // delete: forget it in the store first, then remove its media
    const std::string id = live.id;
    const std::string dir = media_dir(live);
    {
      sql::Transaction tx(store_.db());
      store_.delete_live(id);
      tx.commit();
    }
    lives_.erase(id);
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (on_transition) on_transition(applied);
    return {applied};
  }

  if (trigger == Trigger::ResourcesReady) {
    // The resources of this stage: the live's media folder. (Ingest routes are
    // looked up by stream key at connect time; nothing to build for them.)
    std::error_code ec;
    fs::create_directories(media_dir(live), ec);
    if (ec)
      throw RpcError(ErrorKind::Internal, "cannot create media folder " + media_dir(live) + ": " + ec.message());
  }

  LiveRecord next = live;
  next.state = *result.to;
  next.state_changed_at = now;
  next.updated_at = now;
  if (next.state == LiveState::Live) next.live_started_at = now, next.live_ended_at.reset(), next.playout_ends_at.reset();
  if (next.state != LiveState::Live) next.signal_lost_at.reset(), next.signal_reason.clear();
  if (live.state == LiveState::Live) next.live_ended_at = now;
  {
    sql::Transaction tx(store_.db());
    store_.update_live(next);
    store_.append_event({0, next.id, now, std::string(to_string(live.state)), std::string(to_string(next.state)),
                         std::string(to_string(trigger)), cause, "", caller.uid, caller.api_key});
    tx.commit();
  }
  live = std::move(next);
  if (on_transition) on_transition(applied);
  return {applied};
}

std::vector<AppliedTransition> LiveService::follow_automatic(LiveRecord& live, TimeMs now) {
  std::vector<AppliedTransition> out;
  // Taken before the chain moves the live: every step of a chain that was
  // pending while the daemon was down counts as missed.
  const TimeMs changed_at = live.updated_at;
  for (int i = 0; i < kMaxChain; ++i) {
    auto due = next_automatic(live, rules_);
    if (!due || due->at > now) break;
    const std::string cause(automatic_cause(*due, started_at_, changed_at));
    auto ts = apply(live, due->trigger, Caller{std::nullopt, cause, std::nullopt}, now);
    out.insert(out.end(), ts.begin(), ts.end());
  }
  return out;
}

json LiveService::op(Trigger trigger, const json& params, const Caller& caller) {
  LiveRecord& live = resolve(params);
  const TimeMs now = now_ms();
  const std::string label = live.label();
  const std::string id = live.id;
  auto ts = apply(live, trigger, caller, now);
  if (trigger == Trigger::Delete) return {{"deleted", {{"id", id}, {"custom_id", label == id ? json(nullptr) : json(label)}}}};
  auto more = follow_automatic(live, now);
  ts.insert(ts.end(), more.begin(), more.end());
  return {{"live", view(live)}, {"transitions", transitions_json(ts)}};
}

std::vector<AppliedTransition> LiveService::vod_asset_ready(const std::string& live_id) {
  LiveRecord* live = find(live_id);
  if (!live || live->state != LiveState::Encoding) return {};
  const TimeMs now = now_ms();
  auto ts = apply(*live, Trigger::VodAssetReady, Caller{std::nullopt, "encoding", std::nullopt}, now);
  auto more = follow_automatic(*live, now);
  ts.insert(ts.end(), more.begin(), more.end());
  return ts;
}

void LiveService::set_playout_end(const std::string& live_id, TimeMs at) {
  LiveRecord* live = find(live_id);
  if (!live || live->playout_ends_at == at) return;
  LiveRecord next = *live;
  next.playout_ends_at = at;
  next.updated_at = now_ms();
  store_.update_live(next);
  *live = std::move(next);
}

bool LiveService::set_signal(const std::string& live_id, bool lost, const std::string& detail) {
  LiveRecord* live = find(live_id);
  if (!live || (lost && live->state != LiveState::Live) || lost == live->signal_lost_at.has_value()) return false;
  LiveRecord next = *live;
  const TimeMs now = now_ms();
  if (lost) next.signal_lost_at = now, next.signal_reason = detail;
  else next.signal_lost_at.reset(), next.signal_reason.clear();
  next.updated_at = now;
  const std::string state(to_string(next.state));
  sql::Transaction tx(store_.db());
  store_.update_live(next);
  store_.append_event({0, next.id, now, state, state, "signal", "ingest",
                       (lost ? "signal interrupted: " : "signal restored: ") + detail, std::nullopt, std::nullopt});
  tx.commit();
  *live = std::move(next);
  if (on_changed) on_changed(*live);
  return true;
}

json LiveService::events(const json& params) {
  LiveRecord& live = resolve(params);
  std::int64_t limit = 0;
  if (params.contains("limit") && !params["limit"].is_null()) {
    if (!params["limit"].is_number_integer() || params["limit"].get<std::int64_t>() < 1)
      throw_invalid("limit", "must be a whole number >= 1");
    limit = params["limit"].get<std::int64_t>();
  }
  json out = json::array();
  for (const auto& e : store_.events(live.id, limit)) out.push_back(event_json(e));
  return {{"events", out}};
}

json LiveService::sessions(const json& params) {
  LiveRecord& live = resolve(params);
  json out = json::array();
  for (const auto& s : store_.sessions(live.id)) out.push_back(session_json(s));
  return {{"sessions", out}};
}

json LiveService::rotate_key(const json& params, const Caller& caller) {
  LiveRecord& live = resolve(params);
  if (live.state == LiveState::Archived)
    throw RpcError(ErrorKind::Conflict, "live " + live.label() + " is ARCHIVED and read-only", {{"state", "ARCHIVED"}});
  LiveRecord next = live;
  next.stream_key = new_stream_key();
  next.updated_at = now_ms();
  {
    sql::Transaction tx(store_.db());
    store_.update_live(next);
    // The key itself is a secret: never written to the history.
    store_.append_event({0, next.id, next.updated_at, std::string(to_string(next.state)),
                         std::string(to_string(next.state)), "rotate-key", caller.cause,
                         "stream key replaced; the old key no longer authenticates", caller.uid, caller.api_key});
    tx.commit();
  }
  live = std::move(next);
  return {{"live", view(live)}};
}

std::map<LiveState, int> LiveService::count_by_state() const {
  std::map<LiveState, int> out;
  for (const auto& [id, l] : lives_) ++out[l.state];
  return out;
}

std::optional<TimeMs> LiveService::next_due() const {
  std::optional<TimeMs> best;
  for (const auto& [id, l] : lives_)
    if (auto d = next_automatic(l, rules_); d && (!best || d->at < *best)) best = d->at;
  return best;
}

std::vector<AppliedTransition> LiveService::run_due(TimeMs now, std::vector<std::string>* failures) {
  // Collect first (applying may erase nothing here, but keeps iteration simple),
  // then apply in time order so history reads chronologically.
  std::vector<std::pair<TimeMs, std::string>> due;
  for (const auto& [id, l] : lives_)
    if (auto d = next_automatic(l, rules_); d && d->at <= now) due.emplace_back(d->at, id);
  std::ranges::sort(due);
  std::vector<AppliedTransition> out;
  for (const auto& [at, id] : due) {
    auto it = lives_.find(id);
    if (it == lives_.end()) continue;
    try {
      auto ts = follow_automatic(it->second, now);
      out.insert(out.end(), ts.begin(), ts.end());
    } catch (const std::exception& e) {
      // One live that cannot move (e.g. its media folder cannot be made) must
      // not hold the others back; it is retried on the next run.
      if (failures) failures->push_back("live " + it->second.label() + ": " + e.what());
    }
  }
  return out;
}

json LiveService::reconcile(const std::vector<LiveDecl>& decls) {
  // 1. Validate every declaration; any error refuses the whole file.
  const std::vector<LiveSpec> specs = live_decl_specs(decls);
  if (check_references)
    for (std::size_t i = 0; i < specs.size(); ++i) {
      try {
        check_references(specs[i]);
      } catch (const RpcError& e) {
        throw ConfigError("[[live]] " + decls[i].custom_id + ": " + e.what());
      }
    }
  // 2. Apply.
  json created = json::array(), updated = json::array(), unchanged = json::array(), skipped = json::array();
  json not_applied = json::array();
  const Caller config{std::nullopt, "config", std::nullopt};
  for (std::size_t i = 0; i < decls.size(); ++i) {
    const LiveSpec& want = specs[i];
    LiveRecord* live = find(decls[i].custom_id);
    if (!live) {
      const TimeMs now = now_ms();
      LiveRecord rec = make_live(want, now, true);
      const std::string id = rec.id;
      insert(std::move(rec), config, nullptr);
      follow_automatic(lives_.at(id), now);
      created.push_back(decls[i].custom_id);
      continue;
    }
    if (!before_live(live->state)) {
      skipped.push_back({{"custom_id", decls[i].custom_id},
                         {"reason", "live is " + std::string(to_string(live->state)) +
                                        "; the config never changes a live once it has gone LIVE"}});
      continue;
    }
    json patch = json::object();
    const json want_json = to_json(want);
    const json have_json = to_json(live->spec);
    json other = json::array();
    for (const auto& key : changed_fields(have_json, want_json)) {
      if (key == "scheduled_at" || key == "schedule") patch[key] = want_json[key];
      else other.push_back(key);
    }
    // Only the schedule follows the file; other fields are the operator's to
    // change (bvlive update), and the report says they differ.
    if (!other.empty())
      not_applied.push_back({{"custom_id", decls[i].custom_id},
                             {"fields", other},
                             {"reason", "only scheduled_at and the schedule keys follow the config for an existing "
                                        "live; change these with bvlive update"}});
    if (patch.empty()) {
      unchanged.push_back(decls[i].custom_id);
      continue;
    }
    auto result = update({{"id", live->id}, {"live", patch}}, config);
    updated.push_back({{"custom_id", decls[i].custom_id}, {"fields", result["changed"]}});
  }
  return {{"created", created},     {"updated", updated},         {"unchanged", unchanged},
          {"skipped", skipped},     {"not_applied", not_applied}};
}

}  // namespace bvlive
