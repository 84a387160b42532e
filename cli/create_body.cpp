#include "create_body.hpp"

#include "cli_error.hpp"
#include "enums.hpp"
#include "exit_codes.hpp"
#include "util/time.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <iterator>
#include <sstream>

namespace bvlive::cli {
namespace {

using nlohmann::json;

constexpr const char* kNone = "none";
constexpr const char* kFieldGroup = "Live fields";

bool is_none(const std::string& v) { return v == kNone; }

// A CLI11 validator/transform: a short or long enum name -> the long name.
template <typename E>
CLI::Validator enum_name() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (auto long_name = to_long_name<E>(value)) {
          value = *long_name;
          return {};
        }
        return "'" + value + "' is not one of " + short_names<E>();
      },
      short_names<E>());
}

CLI::Validator rfc3339_or_none() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (is_none(value) || parse_rfc3339(value)) return {};
        return "'" + value + "' is not an RFC 3339 time (like 2025-06-01T09:00:00Z)";
      },
      "");
}

CLI::Validator duration_or_none() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (is_none(value) || parse_duration(value)) return {};
        return "'" + value + "' is not a duration (like 90s, 15m, 1h30m, 2d)";
      },
      "");
}

// "catchup", "replace:LIBRARY_ID", "playback:PLAYBACK_ID" or "none".
CLI::Validator live_vod_source() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (is_none(value)) return {};
        std::string source = value.substr(0, value.find(':'));
        auto long_name = to_long_name<LiveVodSource>(source);
        if (!long_name)
          return "'" + value + "' is not one of catchup, replace:LIBRARY_ID, playback:PLAYBACK_ID";
        return {};
      },
      "");
}

// obj[key] as an object (replacing a non-object there).
json& object_at(json& obj, const char* key) {
  json& slot = obj[key];
  if (!slot.is_object()) slot = json::object();
  return slot;
}

// Sets body.a.b.c = value, creating objects on the way. A null value with ClearAs::Remove
// erases the field instead (and creates nothing).
void set_path(json& body, std::initializer_list<const char*> path, json value, ClearAs clear) {
  json* obj = &body;
  const char* const* last = path.end() - 1;
  for (const char* const* key = path.begin(); key != last; ++key) {
    if (value.is_null() && clear == ClearAs::Remove) {
      auto it = obj->find(*key);
      if (it == obj->end() || !it->is_object()) return;
      obj = &*it;
    } else {
      obj = &object_at(*obj, *key);
    }
  }
  if (value.is_null() && clear == ClearAs::Remove)
    obj->erase(*last);
  else
    (*obj)[*last] = std::move(value);
}

CLI::Validator non_negative_integer() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (!value.empty() && value.size() <= 9 &&
            value.find_first_not_of("0123456789") == std::string::npos)
          return {};
        return "'" + value + "' is not a whole number from 0";
      },
      "");
}

json text_or_null(const TextFlag& f) { return is_none(f.value) ? json(nullptr) : json(f.value); }

TextFlag& text_option(CLI::App& sub, TextFlag& flag, const std::string& names,
                      const std::string& help, const std::string& value_text) {
  flag.option = sub.add_option(names, flag.value, help)->option_text(value_text)->group(kFieldGroup);
  return flag;
}

void bool_flag(CLI::App& sub, BoolFlag& flag, const std::string& on_name,
               const std::string& off_name, const std::string& on_help, const std::string& off_help) {
  flag.on_option = sub.add_flag(on_name, flag.on, on_help)->group(kFieldGroup);
  flag.off_option = sub.add_flag(off_name, flag.off, off_help)->group(kFieldGroup);
}

}  // namespace

void add_live_flags(CLI::App& sub, LiveFlags& f) {
  text_option(sub, f.name, "--name", "display name", "TEXT");
  text_option(sub, f.custom_id, "--custom-id", "your own unique id for the live", "ID");
  text_option(sub, f.type, "--type", "live, or simulive (plays a library video as a live)",
              short_names<LiveType>())
      .option->transform(enum_name<LiveType>());
  text_option(sub, f.library_id, "--library-id", "source video of a simulive (source.library.id)",
              "ID");
  text_option(sub, f.broadcast_mode, "--broadcast-mode",
              "traditional (sliding window), dvr (start-over), playback (simulive only)",
              short_names<BroadcastMode>())
      .option->transform(enum_name<BroadcastMode>());
  text_option(sub, f.scheduled_at, "--scheduled-at",
              "launch time (RFC 3339); none: launch now", "TIME")
      .option->check(rfc3339_or_none());
  text_option(sub, f.resolution, "--resolution", "highest output rendition: 720p, 1080p, 2160p",
              short_names<Resolution>())
      .option->transform(enum_name<Resolution>());
  bool_flag(sub, f.ull, "--ull", "--no-ull", "ultra-low latency (LL-HLS): ull_enabled true",
            "ultra-low latency off");
  bool_flag(sub, f.abr, "--abr", "--no-abr",
            "an ABR ladder of renditions below the top (abr_enabled true; [transcode] in bvlived.toml)",
            "the top rendition only (abr_enabled false)");
  f.ingest_option =
      sub.add_option("--ingest", f.ingest,
                     "accepted ingest protocol; repeat or separate with commas (ingestion_types)")
          ->option_text("rtmp|srt|whip")
          ->delimiter(',')
          ->transform(enum_name<IngestType>())
          ->group(kFieldGroup);
  text_option(sub, f.live_vod, "--live-vod",
              "VOD after the live: catchup, replace:LIBRARY_ID, playback:PLAYBACK_ID, or none",
              "SOURCE")
      .option->check(live_vod_source());
  text_option(sub, f.vod_start, "--vod-start", "VOD offered from (live_vod.started_at)", "TIME")
      .option->check(rfc3339_or_none());
  text_option(sub, f.vod_end, "--vod-end", "VOD offered until (live_vod.ended_at)", "TIME")
      .option->check(rfc3339_or_none());
  text_option(sub, f.privacy, "--privacy", "who may watch (security.privacy.type)",
              short_names<PrivacyType>())
      .option->transform(enum_name<PrivacyType>());
  text_option(sub, f.device_limit, "--device-limit",
              "devices per token with --privacy token (0: no limit)", "N")
      .option->check(non_negative_integer());
  text_option(sub, f.protection, "--protection", "encrypt segments with AES-128, samples with DRM (cbcs), or not (security.protection)",
              "aes-128|drm|none")
      .option->transform(enum_name<ProtectionType>());
  text_option(sub, f.geo, "--geo",
              "countries allowed to watch, ISO 3166 codes separated by commas, or none (security.geo_control)",
              "CC,CC|none");
  text_option(sub, f.description, "--description", "short description (metadata.short_description)",
              "TEXT");
  text_option(sub, f.auto_preview, "--auto-preview",
              "enter PREVIEW this long before scheduled_at (0: as soon as ready), or none", "DUR")
      .option->check(duration_or_none());
  bool_flag(sub, f.auto_start, "--auto-start", "--no-auto-start",
            "go live at scheduled_at without a start op (schedule.auto_start)",
            "start only with a start op");
  text_option(sub, f.auto_end, "--auto-end",
              "end the live this long after it started (schedule.auto_end), or none", "DUR")
      .option->check(duration_or_none());
  text_option(sub, f.close_after, "--close-after",
              "close this long after LIVE_END (schedule.close_after), or none", "DUR")
      .option->check(duration_or_none());
  text_option(sub, f.chat_live, "--chat-live",
              "the viewer page's chatroom while live, with its theme (interaction.chatroom.live), or off",
              "light|dark|off")
      .option->check(CLI::IsMember({"light", "dark", "off"}));
  text_option(sub, f.chat_vod, "--chat-vod",
              "the chatroom while its VOD plays (interaction.chatroom.vod), or off", "light|dark|off")
      .option->check(CLI::IsMember({"light", "dark", "off"}));
  bool_flag(sub, f.polls, "--polls", "--no-polls", "polls on the viewer page (interaction.poll_enabled; bvlive poll)",
            "no polls");
}

json read_body_file(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CliError(kExitUsage, "cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  const std::string where = path == "-" ? std::string("stdin") : path;
  json body;
  try {
    body = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();  // "[json.exception.parse_error.101] parse error at ..."
    if (auto p = what.find("] "); what.starts_with("[json.exception") && p != std::string::npos)
      what.erase(0, p + 2);
    throw CliError(kExitUsage, where + ": not JSON: " + what);
  } catch (const json::exception& e) {  // a number out of range (1e400)
    std::string what = e.what();
    if (auto p = what.find("] "); what.starts_with("[json.exception") && p != std::string::npos)
      what.erase(0, p + 2);
    throw CliError(kExitUsage, where + ": cannot read the JSON: " + what);
  }
  if (body.is_object() && body.size() == 1 && body.contains("live")) body = body["live"];
  if (!body.is_object())
    throw CliError(kExitUsage, where + ": the body must be a JSON object (the live, or {\"live\": {...}})");
  return body;
}

void apply_live_flags(const LiveFlags& f, json& body, ClearAs clear) {
  for (const BoolFlag* b : {&f.ull, &f.abr, &f.auto_start, &f.polls})
    if (b->on_option->count() > 0 && b->off_option->count() > 0)
      throw CliError(kExitUsage, b->on_option->get_name() + " and " + b->off_option->get_name() +
                                     " contradict each other");
  if (!body.is_object()) body = json::object();
  if (f.name.given()) body["name"] = f.name.value;
  if (f.custom_id.given()) body["custom_id"] = f.custom_id.value;
  if (f.type.given()) body["type"] = f.type.value;
  if (f.library_id.given()) {
    json& source = object_at(body, "source");
    source["type"] = "LIVE_SOURCE_TYPE_LIBRARY";
    object_at(source, "library")["id"] = f.library_id.value;
  }
  if (f.broadcast_mode.given()) body["broadcast_mode"] = f.broadcast_mode.value;
  if (f.scheduled_at.given()) set_path(body, {"scheduled_at"}, text_or_null(f.scheduled_at), clear);
  if (f.resolution.given()) body["resolution"] = f.resolution.value;
  if (f.ull.given()) body["ull_enabled"] = f.ull.value();
  if (f.abr.given()) body["abr_enabled"] = f.abr.value();
  if (f.ingest_option != nullptr && f.ingest_option->count() > 0) body["ingestion_types"] = f.ingest;

  if (f.live_vod.given()) {
    if (is_none(f.live_vod.value)) {
      set_path(body, {"live_vod"}, nullptr, clear);
    } else {
      const std::string& v = f.live_vod.value;
      auto colon = v.find(':');
      std::string source = *to_long_name<LiveVodSource>(v.substr(0, colon));
      json& vod = object_at(body, "live_vod");
      vod["source"] = source;
      if (colon != std::string::npos) {
        const char* key = source == "LIVE_VOD_SOURCE_REPLACE"    ? "replace"
                          : source == "LIVE_VOD_SOURCE_PLAYBACK" ? "playback"
                                                                 : nullptr;
        if (key == nullptr)
          throw CliError(kExitUsage, "--live-vod catchup takes no id (got '" + v + "')");
        object_at(vod, key)["id"] = v.substr(colon + 1);
      }
    }
  }
  if (f.vod_start.given())
    set_path(body, {"live_vod", "started_at"}, text_or_null(f.vod_start), clear);
  if (f.vod_end.given()) set_path(body, {"live_vod", "ended_at"}, text_or_null(f.vod_end), clear);

  if (f.privacy.given()) object_at(object_at(body, "security"), "privacy")["type"] = f.privacy.value;
  if (f.geo.given()) {
    // "fr, de" -> ["fr", "de"]: the daemon upper-cases and checks each code.
    json countries = json::array();
    if (!is_none(f.geo.value)) {
      std::size_t i = 0;
      while (i <= f.geo.value.size()) {
        const std::size_t j = std::min(f.geo.value.find(',', i), f.geo.value.size());
        std::string code = f.geo.value.substr(i, j - i);
        code.erase(0, code.find_first_not_of(' '));
        code.erase(code.find_last_not_of(' ') + 1);
        countries.push_back(code);
        i = j + 1;
      }
    }
    object_at(body, "security")["geo_control"] = countries;
  }
  if (f.protection.given()) object_at(object_at(body, "security"), "protection")["type"] = f.protection.value;
  if (f.device_limit.given()) {
    json& privacy = object_at(object_at(body, "security"), "privacy");
    object_at(privacy, "token")["device_limit"] = std::stoll(f.device_limit.value);
  }
  if (f.description.given())
    set_path(body, {"metadata", "short_description"}, f.description.value, clear);

  if (f.auto_preview.given())
    set_path(body, {"schedule", "auto_preview"}, text_or_null(f.auto_preview), clear);
  if (f.auto_start.given()) object_at(body, "schedule")["auto_start"] = f.auto_start.value();
  if (f.auto_end.given())
    set_path(body, {"schedule", "auto_end"}, text_or_null(f.auto_end), clear);
  if (f.close_after.given())
    set_path(body, {"schedule", "close_after"}, text_or_null(f.close_after), clear);

  if (f.polls.given()) object_at(body, "interaction")["poll_enabled"] = f.polls.value();
  for (const auto& [flag, phase] : {std::pair{&f.chat_live, "live"}, std::pair{&f.chat_vod, "vod"}}) {
    if (!flag->given()) continue;
    json room = flag->value == "off" ? json{{"enabled", false}}
                                     : json{{"enabled", true}, {"theme", *to_long_name<ChatroomTheme>(flag->value)}};
    object_at(object_at(body, "interaction"), "chatroom")[phase] = room;
  }
}

}  // namespace bvlive::cli
