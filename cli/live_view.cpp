#include "live_view.hpp"

#include "enums.hpp"
#include "output.hpp"

#include <ostream>
#include <string>

namespace bvlive::cli {
namespace {

using nlohmann::json;

const json& member(const json& obj, std::string_view key) {
  static const json null_value;
  if (!obj.is_object()) return null_value;
  auto it = obj.find(key);
  return it == obj.end() ? null_value : *it;
}

std::string next_transition(const json& next) {
  if (!next.is_object()) return "-";
  std::string trigger = field_text(next, "trigger");
  std::string at = time_field(next, "at");
  if (at == "-") return trigger;
  return trigger + " at " + at;
}

std::string live_vod_text(const json& vod) {
  if (!vod.is_object()) return "none";
  std::string source = field_text(vod, "source", true);
  if (source == "-" || source == "unspecified") return "none";
  std::string out = source;
  if (source == "replace" || source == "playback") {
    std::string id = field_text(member(vod, source), "id");
    if (id != "-") out += " " + id;
  }
  std::string from = time_field(vod, "started_at");
  std::string to = time_field(vod, "ended_at");
  if (from != "-" || to != "-") out += ", offered " + from + " to " + to;
  return out;
}

std::string privacy_text(const json& security) {
  const json& privacy = member(security, "privacy");
  std::string type = field_text(privacy, "type", true);
  if (type == "-" || type == "unspecified") return "public";
  if (type == "token") {
    const json& limit = member(member(privacy, "token"), "device_limit");
    if (limit.is_number() && limit.get<double>() > 0) return "token, device limit " + text_of(limit);
  }
  return type;
}

std::string schedule_text(const json& schedule) {
  if (!schedule.is_object()) return "-";
  std::string out;
  for (const char* key : {"auto_preview", "auto_start", "auto_end", "close_after"}) {
    const json& v = member(schedule, key);
    if (v.is_null() || (v.is_boolean() && !v.get<bool>())) continue;
    if (!out.empty()) out += ", ";
    out += key;
    if (!v.is_boolean()) out += " " + text_of(v);
  }
  if (out.empty()) out = "manual";
  if (member(schedule, "from_config").is_boolean() && member(schedule, "from_config").get<bool>())
    out += " (from config)";
  return out;
}

}  // namespace

std::string session_summary(const json& session) {
  if (!session.is_object()) return "none";
  std::string out = field_text(session, "id") + " " + field_text(session, "state") + ", " +
                    field_text(session, "protocol");
  if (std::string remote = field_text(session, "remote"); remote != "-") out += " from " + remote;
  out += ", since " + time_field(session, "started_at");
  if (std::string media = media_summary(member(session, "media")); !media.empty()) out += "\n" + media;
  if (const json& warning = member(session, "warning"); warning.is_string()) out += "\nWARNING: " + warning.get<std::string>();
  const json& segments = member(session, "segments");
  const json& bytes = member(session, "bytes_in");
  if (segments.is_number() && bytes.is_number())
    out += "\n" + std::to_string(segments.get<long long>()) + " segments, " +
           std::to_string(bytes.get<long long>() / 1000) + " kB in";
  return out;
}

std::string media_summary(const json& media) {
  std::string out;
  const json& v = member(media, "video");
  if (v.is_object() && member(v, "codec").is_string()) {
    out += text_of(member(v, "codec")) + " " + text_of(member(v, "width")) + "x" + text_of(member(v, "height"));
    if (const json& fps = member(v, "frame_rate"); fps.is_number() && fps.get<double>() > 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, " %.3g fps", fps.get<double>());
      out += buf;
    }
  }
  const json& a = member(media, "audio");
  if (a.is_object() && member(a, "codec").is_string()) {
    if (!out.empty()) out += " + ";
    out += text_of(member(a, "codec")) + " " + text_of(member(a, "sample_rate")) + " Hz " +
           text_of(member(a, "channels")) + " ch";
  }
  if (const json& br = member(media, "bitrate_kbps"); br.is_number() && br.get<double>() > 0)
    out += ", " + text_of(br) + " kb/s";
  return out;
}

namespace {

// "chat live dark, chat vod light, polls", or "none".
std::string interaction_text(const json& in) {
  std::string out;
  for (const char* phase : {"live", "vod"}) {
    const json& room = member(member(in, "chatroom"), phase);
    if (member(room, "enabled") == true)
      out += std::string(out.empty() ? "" : ", ") + "chat " + phase + " " + to_short_name(text_of(member(room, "theme")));
  }
  if (member(in, "poll_enabled") == true) out += out.empty() ? "polls" : ", polls";
  return out.empty() ? "none" : out;
}

}  // namespace

void print_live(std::ostream& out, const json& live) {
  KeyValues kv;
  kv.add("id", field_text(live, "id"));
  kv.add("custom_id", field_text(live, "custom_id"));
  kv.add("name", field_text(live, "name"));
  kv.add("type", field_text(live, "type", true));
  if (const json& lib = member(member(member(live, "source"), "library"), "id"); !lib.is_null())
    kv.add("source", "library " + text_of(lib));
  kv.add("broadcast_mode", field_text(live, "broadcast_mode", true));
  kv.add("resolution", field_text(live, "resolution", true));
  kv.add("ull_enabled", field_text(live, "ull_enabled"));
  kv.add("abr_enabled", member(live, "abr_enabled").is_boolean() ? field_text(live, "abr_enabled")
                                                                  : "default (transcode.abr in bvlived.toml)");
  kv.add("state", field_text(live, "state"));
  kv.add("channel_state", field_text(live, "channel_state"));
  kv.add("scheduled_at", time_field(live, "scheduled_at"));
  kv.add("next", next_transition(member(live, "next_transition")));
  kv.add("stream_key", field_text(live, "stream_key"));
  kv.add("preview_token", field_text(live, "preview_token"));
  kv.add("ingestion_types", field_text(live, "ingestion_types", true));
  // Where to push and where to watch (the daemon fills these from its listeners).
  const json& urls = member(live, "urls");
  const std::pair<const char*, const char*> kUrlRows[] = {{"rtmp_server", "rtmp_server"}, {"rtmp", "rtmp_url"},
                                                          {"rtmps_server", "rtmps_server"}, {"rtmps", "rtmps_url"},
                                                          {"srt", "srt_url"},           {"whip", "whip_url"},
                                                          {"preview", "preview_url"},
                                                          {"playback", "playback_url"}, {"player", "player_url"},
                                                          {"clearkey_licence", "clearkey_licence_url"}};
  for (const auto& [key, label] : kUrlRows)
    if (const json& u = member(urls, key); u.is_string()) kv.add(label, u.get<std::string>());
  kv.add("live_vod", live_vod_text(member(live, "live_vod")));
  // The VOD made at the end (bvlive vod ID has the details); a failure shows its reason here.
  if (const json& vod = member(live, "vod"); vod.is_object()) {
    std::string line = field_text(vod, "id") + " " + field_text(vod, "state");
    if (const json& error = member(vod, "error"); error.is_string()) line += ": " + error.get<std::string>();
    kv.add("vod", line);
  }
  kv.add("privacy", privacy_text(member(live, "security")));
  if (const json& p = member(member(member(live, "security"), "protection"), "type");
      p.is_string() && p != "PROTECTION_TYPE_UNSPECIFIED")
    kv.add("protection", to_short_name(p.get<std::string>()));
  if (const json& geo = member(member(live, "security"), "geo_control"); geo.is_array() && !geo.empty()) {
    std::string countries;
    for (const auto& c : geo) countries += (countries.empty() ? "" : ", ") + (c.is_string() ? c.get<std::string>() : "?");
    kv.add("geo_control", countries);
  }
  kv.add("interaction", interaction_text(member(live, "interaction")));
  if (std::string d = field_text(member(live, "metadata"), "short_description"); d != "-" && !d.empty())
    kv.add("description", d);
  kv.add("created_at", time_field(live, "created_at"));
  kv.add("updated_at", time_field(live, "updated_at"));
  kv.add("state_changed_at", time_field(live, "state_changed_at"));
  kv.add("live_started_at", time_field(live, "live_started_at"));
  kv.add("live_ended_at", time_field(live, "live_ended_at"));
  kv.add("schedule", schedule_text(member(live, "schedule")));
  kv.add("session", session_summary(member(live, "current_session")));
  if (const json& lost = member(live, "signal_interrupted"); lost.is_object())
    kv.add("signal", "INTERRUPTED since " + time_field(lost, "since") + " (" + field_text(lost, "reason") + ")");
  kv.print(out);
}

bool print_transitions(std::ostream& out, const nlohmann::json& result, const std::string& fallback_name) {
  const nlohmann::json live = result.is_object() ? result.value("live", nlohmann::json::object()) : nlohmann::json::object();
  const std::string who = live.is_object() && !live.empty() ? display_name(live) : fallback_name;
  const nlohmann::json transitions =
      result.is_object() ? result.value("transitions", nlohmann::json::array()) : nlohmann::json::array();
  if (!transitions.is_array() || transitions.empty()) return false;
  for (const auto& t : transitions) out << who << ": " << field_text(t, "from") << " -> " << field_text(t, "to") << '\n';
  return true;
}

}  // namespace bvlive::cli
