// The application: every request that reads or changes a live, and every
// automatic transition, goes through here. It keeps an in-memory copy of all
// lives (the daemon's working set) and writes each change to the Store, in a
// committed transaction, before returning, so a reply always means "durable".
//
// No sockets, no loop: the daemon calls in from its JSON-RPC dispatcher and its
// scheduler timer; tests call in directly.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "lifecycle/live_state.hpp"
#include "live/live_record.hpp"
#include "schedule/due.hpp"
#include "store/store.hpp"

namespace bvlive {

// Who asked: recorded with every change.
struct Caller {
  std::optional<std::int64_t> uid;          // a control socket client's peer uid
  std::string cause = "op";  // "op" from a client, "config" from bvlived.toml
  std::optional<std::string> api_key = std::nullopt;  // an HTTP API client's key name
};

struct AppliedTransition {
  std::string live_id;
  std::string label;
  std::optional<LiveState> from;
  std::optional<LiveState> to;  // empty: deleted
  Trigger trigger;
  std::string cause;
};

class LiveService {
 public:
  // `media_root`: where each live's media folder is made (PREPARING -> WAIT_FOR_PREVIEW).
  LiveService(Store& store, ScheduleRules rules, std::string media_root, TimeMs daemon_started_at);

  void set_rules(ScheduleRules rules) { rules_ = rules; }
  const ScheduleRules& rules() const { return rules_; }

  // JSON-RPC methods (params and results as in core/rpc/README.md). Errors are RpcError.
  nlohmann::json create(const nlohmann::json& params, const Caller& caller);
  nlohmann::json list(const nlohmann::json& params) const;
  nlohmann::json get(const nlohmann::json& params);
  nlohmann::json update(const nlohmann::json& params, const Caller& caller);
  nlohmann::json op(Trigger op, const nlohmann::json& params, const Caller& caller);
  nlohmann::json events(const nlohmann::json& params);
  nlohmann::json sessions(const nlohmann::json& params);
  nlohmann::json rotate_key(const nlohmann::json& params, const Caller& caller);
  std::map<LiveState, int> count_by_state() const;
  std::size_t size() const { return lives_.size(); }
  const std::map<std::string, LiveRecord, std::less<>>& lives() const { return lives_; }
  Store& store() const { return store_; }
  // Lookups for the media plane (ingest by key; the origin by id or custom_id). Null when none.
  const LiveRecord* by_stream_key(std::string_view key) const;
  const LiveRecord* by_id_or_custom_id(std::string_view id) const;

  // Config reconciliation: create missing [[live]]s, update the schedule fields of
  // those not yet LIVE, never touch the others. Validates every declaration first
  // and changes nothing if one is bad (ConfigError naming file:line:column).
  nlohmann::json reconcile(const std::vector<LiveDecl>& decls);

  // Scheduler: the earliest pending automatic transition, and applying every one
  // due at `now` (in time order, following chains). Returns what it applied; a
  // live whose transition fails is skipped (described in `failures`) and stays due.
  std::optional<TimeMs> next_due() const;
  std::vector<AppliedTransition> run_due(TimeMs now, std::vector<std::string>* failures = nullptr);

  // ENCODING finished the live's VOD asset: ENCODING -> VOD_READY (and on, if its window
  // is already open). Cause "encoding".
  std::vector<AppliedTransition> vod_asset_ready(const std::string& live_id);
  // A simulive's playout is over (or will be, at `at`): the live ends then (trigger end,
  // cause schedule). Persisted; the scheduler applies it.
  void set_playout_end(const std::string& live_id, TimeMs at);
  // Marks a LIVE live's signal as interrupted (`lost`, with why) or restored; an events line
  // each time the mark changes (trigger "signal", cause "ingest"). Returns whether it changed.
  bool set_signal(const std::string& live_id, bool lost, const std::string& detail);

  // Called for each applied transition (logging, the media plane's hooks).
  std::function<void(const AppliedTransition&)> on_transition;
  // Called after a live's fields change without a transition (update, signal mark): the
  // player pages' event streams.
  std::function<void(const LiveRecord&)> on_changed;
  // Whether a live's push is running (its channel state in lists); unset: none is.
  std::function<bool(const std::string& live_id)> session_running;
  // Checks what a spec refers to outside the live (library items, VODs); throws RpcError
  // naming the field. Called by create, update and the config's reconciliation.
  std::function<void(const LiveSpec&)> check_references;

  // The live a request names in params["id"] (its id or custom_id); throws RpcError when
  // the id is missing or names no live.
  const LiveRecord& named(const nlohmann::json& params) const;

 private:
  LiveRecord& resolve(const nlohmann::json& params);
  LiveRecord* find(std::string_view id_or_custom_id);
  std::vector<AppliedTransition> apply(LiveRecord& live, Trigger trigger, const Caller& caller, TimeMs now);
  std::vector<AppliedTransition> follow_automatic(LiveRecord& live, TimeMs now);
  LiveRecord make_live(const LiveSpec& spec, TimeMs now, bool from_config);
  void insert(LiveRecord rec, const Caller& caller, std::vector<std::string>* warnings);
  void check_custom_id_free(const LiveSpec& spec, const std::string& own_id) const;
  nlohmann::json view(const LiveRecord& live);
  std::string media_dir(const LiveRecord& live) const;

  Store& store_;
  ScheduleRules rules_;
  std::string media_root_;
  TimeMs started_at_;
  std::map<std::string, LiveRecord, std::less<>> lives_;  // by id
};

nlohmann::json transitions_json(const std::vector<AppliedTransition>& ts);

}  // namespace bvlive
