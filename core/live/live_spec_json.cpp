// LiveSpec <-> the create body of seeds/004.
#include <algorithm>
#include <cctype>

#include "live/json_reader.hpp"
#include "live/live_spec.hpp"
#include "rpc/error.hpp"

namespace bvlive {
namespace {

using nlohmann::json;

std::optional<std::string> library_id(JsonReader& r, std::string_view key, std::string_view id_key) {
  auto o = r.object(key);
  if (!o) return std::nullopt;
  auto id = o->string(id_key);
  o->finish();
  return id;
}

CoverImage read_cover(JsonReader& r) {
  CoverImage c;
  c.type = r.enumeration<CoverImageType>("type").value_or(CoverImageType::Unspecified);
  if (auto a = r.object("auto")) a->finish();  // {} in the seed: no settings yet
  c.customize_library_id = library_id(r, "customize", "library_id");
  r.finish();
  return c;
}

Chatroom read_chatroom(JsonReader& r) {
  Chatroom c;
  c.enabled = r.boolean("enabled").value_or(false);
  c.theme = r.enumeration<ChatroomTheme>("theme").value_or(ChatroomTheme::Unspecified);
  r.finish();
  return c;
}

std::vector<IngestType> read_ingestion_types(JsonReader& r) {
  const std::string key = "ingestion_types";
  const json* v = r.raw(key);
  if (!v) return {IngestType::Rtmp};
  std::vector<std::string> names;
  if (v->is_string()) {
    names.push_back(v->get<std::string>());
  } else if (v->is_array()) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string())
        throw_invalid(indexed_path(r.child_path(key), i), "must be a string");
      names.push_back((*v)[i].get<std::string>());
    }
  } else {
    r.fail(key, "must be a string or an array of strings");
  }
  std::vector<IngestType> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto t = parse_enum<IngestType>(names[i]);
    if (!t)
      throw_invalid(v->is_array() ? indexed_path(r.child_path(key), i) : r.child_path(key),
                    "'" + names[i] + "' is not one of " + enum_choices<IngestType>());
    if (std::ranges::find(out, *t) == out.end()) out.push_back(*t);
  }
  if (out.empty()) r.fail(key, "must name at least one of rtmp, srt, whip");
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Security read_security(JsonReader& r, std::vector<std::string>* warnings) {
  Security s;
  if (auto p = r.object("privacy")) {
    s.privacy.type = p->enumeration<PrivacyType>("type").value_or(PrivacyType::Public);
    if (auto t = p->object("token")) {
      if (auto n = t->integer("device_limit")) {
        if (*n < 0) t->fail("device_limit", "must be >= 0 (0 means no limit), not " + std::to_string(*n));
        s.privacy.device_limit = *n;
      }
      t->finish();
    }
    p->finish();
  }
  if (auto w = r.object("watermark")) {
    s.watermark.enabled = w->boolean("enabled").value_or(false);
    s.watermark.type = w->enumeration<WatermarkType>("type").value_or(WatermarkType::Unspecified);
    s.watermark.position = w->enumeration<WatermarkPosition>("position").value_or(WatermarkPosition::Unspecified);
    s.watermark.image_library_id = library_id(*w, "image", "library_id");
    w->finish();
  }
  if (auto d = r.object("domain_control")) {
    s.domain_control.enabled = d->boolean("enabled").value_or(false);
    for (auto& dom : d->string_list("domains").value_or(std::vector<std::string>{}))
      s.domain_control.domains.push_back(lower(dom));
    d->finish();
  }
  if (auto p = r.object("protection")) {
    s.protection = p->enumeration<ProtectionType>("type").value_or(ProtectionType::Unspecified);
    p->finish();
  }
  if (auto geo = r.string_list("geo_control")) {
    for (std::size_t i = 0; i < geo->size(); ++i) {
      std::string code = upper((*geo)[i]);
      const bool alpha2 = code.size() == 2 && std::isalpha(static_cast<unsigned char>(code[0])) &&
                          std::isalpha(static_cast<unsigned char>(code[1]));
      if (code.empty())
        throw_invalid(indexed_path(r.child_path("geo_control"), i),
                      "empty country code; use ISO 3166-1 alpha-2 codes such as \"US\"");
      if (!alpha2 && warnings)
        warnings->push_back(indexed_path(r.child_path("geo_control"), i) + ": '" + (*geo)[i] +
                            "' is not an ISO 3166-1 alpha-2 country code; it will match no viewer");
      if (std::ranges::find(s.geo_control, code) == s.geo_control.end()) s.geo_control.push_back(code);
    }
  }
  r.finish();
  return s;
}

LiveSchedule read_schedule(JsonReader& r) {
  LiveSchedule s;
  if (const json* v = r.raw("auto_preview")) {
    // true = as soon as WAIT_FOR_PREVIEW; false = off; else a lead duration.
    if (v->is_boolean()) {
      if (v->get<bool>()) s.auto_preview = 0;
    } else {
      json one = json::object({{"auto_preview", *v}});
      JsonReader tmp(one, r.path());
      s.auto_preview = tmp.duration("auto_preview");
    }
  }
  s.auto_start = r.boolean("auto_start").value_or(false);
  s.auto_end = r.duration("auto_end");
  if (s.auto_end && *s.auto_end <= 0) r.fail("auto_end", "must be longer than 0s");
  s.close_after = r.duration("close_after");
  (void)r.raw("from_config");  // read-only, in `show --json` output
  r.finish();
  return s;
}

json library_ref(const std::optional<std::string>& id, const char* key) {
  return id ? json{{key, *id}} : json::object();
}

json opt_time(const std::optional<TimeMs>& t) { return t ? json(format_rfc3339(*t)) : json(nullptr); }
json opt_duration(const std::optional<DurationMs>& d) { return d ? json(format_duration(*d)) : json(nullptr); }

}  // namespace

bool valid_custom_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::ranges::all_of(s, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

LiveSpec live_spec_from_json(const json& body_in, std::vector<std::string>* warnings) {
  // Accept {"live": {...}} (the API's create body) and the bare object.
  const json* body = &body_in;
  if (body_in.is_object() && body_in.size() == 1 && body_in.contains("live") && body_in["live"].is_object())
    body = &body_in["live"];
  JsonReader r(*body, "live");
  LiveSpec s;
  s.custom_id = r.string("custom_id");
  if (s.custom_id && !valid_custom_id(*s.custom_id))
    r.fail("custom_id", "'" + *s.custom_id + "' must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
  s.name = r.string("name").value_or(s.custom_id.value_or(""));
  if (s.name.empty()) r.fail("name", "required; give the live a name (e.g. --name \"Sunday service\")");
  if (s.name.size() > 256) r.fail("name", "longer than 256 bytes; shorten it");
  s.type = r.enumeration<LiveType>("type").value_or(LiveType::Live);
  if (auto src = r.object("source")) {
    s.source.type = src->enumeration<SourceType>("type").value_or(SourceType::Unspecified);
    s.source.library_id = library_id(*src, "library", "id");
    if (s.source.library_id && s.source.type == SourceType::Unspecified) s.source.type = SourceType::Library;
    src->finish();
  }
  s.broadcast_mode = r.enumeration<BroadcastMode>("broadcast_mode").value_or(BroadcastMode::TraditionalLive);
  s.scheduled_at = r.time("scheduled_at");
  s.resolution = r.enumeration<Resolution>("resolution").value_or(Resolution::Hd);
  if (auto v = r.object("live_vod")) {
    s.live_vod.source = v->enumeration<LiveVodSource>("source").value_or(LiveVodSource::Unspecified);
    s.live_vod.replace_id = library_id(*v, "replace", "id");
    s.live_vod.playback_id = library_id(*v, "playback", "id");
    s.live_vod.started_at = v->time("started_at");
    s.live_vod.ended_at = v->time("ended_at");
    v->finish();
  }
  if (auto sec = r.object("security")) s.security = read_security(*sec, warnings);
  s.ull_enabled = r.boolean("ull_enabled").value_or(false);
  s.abr_enabled = r.boolean("abr_enabled");
  if (auto covers = r.object("cover_images")) {
    for (std::size_t i = 0; i < kCoverStatuses.size(); ++i)
      if (auto c = covers->object(kCoverStatuses[i])) s.cover_images[i] = read_cover(*c);
    covers->finish();
  }
  if (auto m = r.object("metadata")) {
    s.metadata.short_description = m->string("short_description").value_or("");
    s.metadata.long_description = m->string("long_description").value_or("");
    m->finish();
  }
  if (auto sr = r.object("showroom")) {
    if (const json* model = sr->raw("model")) {
      if (!model->is_object()) sr->fail("model", "must be an object");
      s.showroom.model = *model;
    }
    if (const json* libs = sr->raw("libraries")) {
      if (!libs->is_array()) sr->fail("libraries", "must be an array of {\"id\": ...}");
      for (std::size_t i = 0; i < libs->size(); ++i) {
        JsonReader lib((*libs)[i], indexed_path(sr->child_path("libraries"), i));
        auto id = lib.string("id");
        if (!id) lib.fail("id", "required");
        lib.finish();
        s.showroom.library_ids.push_back(*id);
      }
    }
    sr->finish();
  }
  if (auto in = r.object("interaction")) {
    s.interaction.poll_enabled = in->boolean("poll_enabled").value_or(false);
    if (auto chat = in->object("chatroom")) {
      if (auto l = chat->object("live")) s.interaction.chat_live = read_chatroom(*l);
      if (auto v = chat->object("vod")) s.interaction.chat_vod = read_chatroom(*v);
      chat->finish();
    }
    in->finish();
  }
  s.ingestion_types = read_ingestion_types(r);
  // Also accept the spelling the seed's prose uses.
  if (r.has("ingest_types")) r.fail("ingest_types", "write ingestion_types");
  if (auto sch = r.object("schedule")) s.schedule = read_schedule(*sch);
  // Read-only fields of a live: tolerated in input so `show --json` output can be
  // fed back to `create`/`update`; they are ignored.
  for (const char* ro : {"id", "state", "channel_state", "stream_key", "created_at", "updated_at",
                         "state_changed_at", "live_started_at", "live_ended_at", "current_session",
                         "next_transition"})
    (void)r.raw(ro);
  r.finish();
  validate_live_spec(s);
  return s;
}

json to_json(const LiveSpec& s) {
  json covers = json::object();
  for (std::size_t i = 0; i < kCoverStatuses.size(); ++i) {
    const auto& c = s.cover_images[i];
    covers[std::string(kCoverStatuses[i])] = {
        {"type", long_name(c.type)},
        {"auto", json::object()},
        {"customize", library_ref(c.customize_library_id, "library_id")},
    };
  }
  json libraries = json::array();
  for (const auto& id : s.showroom.library_ids) libraries.push_back({{"id", id}});
  json ingest = json::array();
  for (auto t : s.ingestion_types) ingest.push_back(long_name(t));
  json schedule = {
      {"auto_preview", opt_duration(s.schedule.auto_preview)},
      {"auto_start", s.schedule.auto_start},
      {"auto_end", opt_duration(s.schedule.auto_end)},
      {"close_after", opt_duration(s.schedule.close_after)},
  };
  return {
      {"name", s.name},
      {"custom_id", s.custom_id ? json(*s.custom_id) : json(nullptr)},
      {"type", long_name(s.type)},
      {"source", {{"type", long_name(s.source.type)}, {"library", library_ref(s.source.library_id, "id")}}},
      {"broadcast_mode", long_name(s.broadcast_mode)},
      {"scheduled_at", opt_time(s.scheduled_at)},
      {"resolution", long_name(s.resolution)},
      {"live_vod",
       {{"source", long_name(s.live_vod.source)},
        {"replace", library_ref(s.live_vod.replace_id, "id")},
        {"playback", library_ref(s.live_vod.playback_id, "id")},
        {"started_at", opt_time(s.live_vod.started_at)},
        {"ended_at", opt_time(s.live_vod.ended_at)}}},
      {"security",
       {{"privacy",
         {{"type", long_name(s.security.privacy.type)},
          {"token", {{"device_limit", s.security.privacy.device_limit}}}}},
        {"watermark",
         {{"enabled", s.security.watermark.enabled},
          {"type", long_name(s.security.watermark.type)},
          {"position", long_name(s.security.watermark.position)},
          {"image", library_ref(s.security.watermark.image_library_id, "library_id")}}},
        {"domain_control", {{"enabled", s.security.domain_control.enabled}, {"domains", s.security.domain_control.domains}}},
        {"protection", {{"type", long_name(s.security.protection)}}},
        {"geo_control", s.security.geo_control}}},
      {"ull_enabled", s.ull_enabled},
      {"abr_enabled", s.abr_enabled ? json(*s.abr_enabled) : json(nullptr)},
      {"cover_images", covers},
      {"metadata", {{"short_description", s.metadata.short_description}, {"long_description", s.metadata.long_description}}},
      {"showroom", {{"model", s.showroom.model}, {"libraries", libraries}}},
      {"interaction",
       {{"poll_enabled", s.interaction.poll_enabled},
        {"chatroom",
         {{"live", {{"enabled", s.interaction.chat_live.enabled}, {"theme", long_name(s.interaction.chat_live.theme)}}},
          {"vod", {{"enabled", s.interaction.chat_vod.enabled}, {"theme", long_name(s.interaction.chat_vod.theme)}}}}}}},
      {"ingestion_types", ingest},
      {"schedule", schedule},
  };
}

}  // namespace bvlive
