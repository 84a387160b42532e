// The Live resource: the seed's create body, the enum forms, and each validation
// rule with the field path its error must name.
#define BOOST_TEST_MODULE live_spec
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "live/live_spec.hpp"
#include "rpc/error.hpp"

using namespace bvlive;
using nlohmann::json;

namespace {

json read_json(const std::string& name) {
  std::ifstream in(std::string(BVLIVE_TEST_DATA) + "/" + name);
  BOOST_REQUIRE_MESSAGE(in, "cannot open test data " << name);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

json minimal() { return {{"name", "Sunday service"}}; }

// Runs `fn`, expects an InvalidParams error whose path is `path` and whose
// message contains `fragment`.
void expect_invalid(const json& body, const std::string& path, const std::string& fragment) {
  try {
    live_spec_from_json(body);
    BOOST_ERROR("accepted an invalid body; expected an error at " << path << ": " << body.dump());
  } catch (const RpcError& e) {
    BOOST_TEST(to_string(e.kind()) == "invalid_params");
    BOOST_TEST(e.data().value("path", "") == path, e.what());
    BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, e.what());
    BOOST_TEST(std::string(e.what()).rfind(path + ": ", 0) == 0u, e.what());
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(seed_example_body_is_accepted_verbatim) {
  const json body = read_json("seed_create_body.json");
  std::vector<std::string> warnings;
  const LiveSpec s = live_spec_from_json(body, &warnings);
  BOOST_TEST(s.name == "string");
  BOOST_TEST(s.custom_id.value() == "string");
  BOOST_TEST((s.type == LiveType::Live));
  BOOST_TEST((s.broadcast_mode == BroadcastMode::TraditionalLive));
  BOOST_TEST((s.resolution == Resolution::Hd));
  BOOST_TEST(s.scheduled_at.value() == 1566656122000LL);
  BOOST_TEST(!s.live_vod.enabled());
  BOOST_TEST(s.security.watermark.enabled);
  BOOST_TEST((s.security.watermark.position == WatermarkPosition::TopRight));
  BOOST_TEST(s.security.domain_control.domains.size() == 1u);
  BOOST_TEST(s.showroom.library_ids.size() == 1u);
  BOOST_TEST((s.ingestion_types == std::vector<IngestType>{IngestType::Rtmp}));
  // "string" is not a country code: accepted (the seed's example), with a warning.
  BOOST_TEST(warnings.size() == 1u);
  BOOST_TEST(warnings.at(0).find("live.security.geo_control[0]") == 0u);
}

BOOST_AUTO_TEST_CASE(seed_example_body_round_trips) {
  const LiveSpec first = live_spec_from_json(read_json("seed_create_body.json"));
  const json out = to_json(first);
  const LiveSpec second = live_spec_from_json(out);
  BOOST_TEST((first == second));
  BOOST_TEST(to_json(second) == out);
  // Output uses the long names.
  BOOST_TEST(out["broadcast_mode"] == "BROADCAST_MODE_TRADITIONAL_LIVE");
  BOOST_TEST(out["resolution"] == "LIVE_RESOLUTION_HD");
  BOOST_TEST(out["ingestion_types"] == json::array({"LIVE_STREAM_INGEST_TYPE_RTMP"}));
  BOOST_TEST(out["security"]["privacy"]["type"] == "SECURITY_PRIVACY_TYPE_PUBLIC");
}

BOOST_AUTO_TEST_CASE(seed_live_vod_example_is_accepted) {
  json body = minimal();
  body.update(read_json("seed_live_vod_example.json"));
  const LiveSpec s = live_spec_from_json(body);
  BOOST_TEST((s.live_vod.source == LiveVodSource::Playback));
  BOOST_TEST(s.live_vod.playback_id.value() == "your_vod_id_for_playback");
  BOOST_TEST(*s.live_vod.ended_at - *s.live_vod.started_at == 3600 * 1000LL);
}

BOOST_AUTO_TEST_CASE(enums_accept_long_and_short_forms) {
  for (const char* form : {"BROADCAST_MODE_DVR", "dvr", "DVR", "broadcast_mode_dvr"}) {
    json b = minimal();
    b["broadcast_mode"] = form;
    BOOST_TEST((live_spec_from_json(b).broadcast_mode == BroadcastMode::Dvr), form);
  }
  json b = minimal();
  b["resolution"] = "fhd";
  b["ingestion_types"] = json::array({"srt", "LIVE_STREAM_INGEST_TYPE_WHIP", "srt"});
  const auto s = live_spec_from_json(b);
  BOOST_TEST(to_json(s)["resolution"] == "LIVE_RESOLUTION_FHD");
  BOOST_TEST(to_json(s)["ingestion_types"] ==
             json::array({"LIVE_STREAM_INGEST_TYPE_SRT", "LIVE_STREAM_INGEST_TYPE_WHIP"}));
  json bad = minimal();
  bad["resolution"] = "8k";
  expect_invalid(bad, "live.resolution", "LIVE_RESOLUTION_HD (hd)");
}

BOOST_AUTO_TEST_CASE(defaults_for_a_minimal_body) {
  const auto s = live_spec_from_json(minimal());
  BOOST_TEST((s.type == LiveType::Live));
  BOOST_TEST((s.broadcast_mode == BroadcastMode::TraditionalLive));
  BOOST_TEST((s.resolution == Resolution::Hd));
  BOOST_TEST(!s.scheduled_at.has_value());
  BOOST_TEST((s.security.privacy.type == PrivacyType::Public));
  BOOST_TEST((s.ingestion_types == std::vector<IngestType>{IngestType::Rtmp}));
  // Wrapped and bare bodies are the same.
  BOOST_TEST((live_spec_from_json(json{{"live", minimal()}}) == s));
}

BOOST_AUTO_TEST_CASE(playback_mode_only_for_simulive) {
  json b = minimal();
  b["broadcast_mode"] = "BROADCAST_MODE_PLAYBACK";
  expect_invalid(b, "live.broadcast_mode", "only for type LIVE_TYPE_SIMULIVE");
  b["type"] = "simulive";
  b["source"] = {{"library", {{"id", "lib1"}}}};
  BOOST_TEST((live_spec_from_json(b).broadcast_mode == BroadcastMode::Playback));
}

BOOST_AUTO_TEST_CASE(simulive_needs_a_library_source) {
  json b = minimal();
  b["type"] = "LIVE_TYPE_SIMULIVE";
  expect_invalid(b, "live.source.library.id", "needs the library video");
  b["source"] = {{"type", "LIVE_SOURCE_TYPE_LIBRARY"}, {"library", {{"id", ""}}}};
  expect_invalid(b, "live.source.library.id", "needs the library video");
}

BOOST_AUTO_TEST_CASE(live_vod_sources_need_their_ids_and_a_window) {
  json b = minimal();
  b["live_vod"] = {{"source", "replace"}, {"started_at", "2026-01-01T10:00:00Z"}, {"ended_at", "2026-01-01T11:00:00Z"}};
  expect_invalid(b, "live.live_vod.replace.id", "LIVE_VOD_SOURCE_REPLACE needs");
  b["live_vod"]["source"] = "LIVE_VOD_SOURCE_PLAYBACK";
  expect_invalid(b, "live.live_vod.playback.id", "LIVE_VOD_SOURCE_PLAYBACK needs");
  b["live_vod"]["playback"] = {{"id", "pb1"}};
  BOOST_TEST(live_spec_from_json(b).live_vod.enabled());

  json w = minimal();
  w["live_vod"] = {{"source", "catchup"}, {"started_at", "2026-01-01T11:00:00Z"}, {"ended_at", "2026-01-01T10:00:00Z"}};
  expect_invalid(w, "live.live_vod.ended_at", "must be after live_vod.started_at");
  w["live_vod"]["ended_at"] = "2026-01-01T11:00:00Z";  // equal is not before
  expect_invalid(w, "live.live_vod.ended_at", "must be after");
  w["live_vod"].erase("ended_at");
  expect_invalid(w, "live.live_vod.ended_at", "required");
}

BOOST_AUTO_TEST_CASE(enabled_chatroom_needs_a_theme) {
  json b = minimal();
  b["interaction"] = {{"chatroom", {{"live", {{"enabled", true}}}}}};
  expect_invalid(b, "live.interaction.chatroom.live.theme", "needs a theme");
  b["interaction"]["chatroom"]["live"]["theme"] = "CHATROOM_THEME_UNSPECIFIED";
  expect_invalid(b, "live.interaction.chatroom.live.theme", "needs a theme");
  b["interaction"]["chatroom"]["live"]["theme"] = "dark";
  BOOST_TEST((live_spec_from_json(b).interaction.chat_live.theme == ChatroomTheme::Dark));
  b["interaction"]["chatroom"]["vod"] = {{"enabled", true}};
  expect_invalid(b, "live.interaction.chatroom.vod.theme", "needs a theme");
}

BOOST_AUTO_TEST_CASE(device_limit_must_not_be_negative) {
  json b = minimal();
  b["security"] = {{"privacy", {{"type", "token"}, {"token", {{"device_limit", -1}}}}}};
  expect_invalid(b, "live.security.privacy.token.device_limit", ">= 0");
  b["security"]["privacy"]["token"]["device_limit"] = 3;
  BOOST_TEST(live_spec_from_json(b).security.privacy.device_limit == 3);
  b["security"]["privacy"]["token"]["device_limit"] = "3";
  expect_invalid(b, "live.security.privacy.token.device_limit", "whole number");
}

BOOST_AUTO_TEST_CASE(times_must_be_rfc3339) {
  json b = minimal();
  b["scheduled_at"] = "next friday";
  expect_invalid(b, "live.scheduled_at", "not an RFC 3339 time");
  b["scheduled_at"] = "2026-05-01 10:00";
  expect_invalid(b, "live.scheduled_at", "not an RFC 3339 time");
  b["scheduled_at"] = "2026-05-01T10:00:00+02:00";
  BOOST_TEST(live_spec_from_json(b).scheduled_at.has_value());
  json v = minimal();
  v["live_vod"] = {{"source", "catchup"}, {"started_at", 1234}, {"ended_at", "2026-01-01T10:00:00Z"}};
  expect_invalid(v, "live.live_vod.started_at", "must be a string");
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_refused_with_their_path) {
  json b = minimal();
  b["colour"] = "red";
  expect_invalid(b, "live.colour", "unknown field");
  json c = minimal();
  c["security"] = {{"privacy", {{"type", "public"}, {"tokn", json::object()}}}};
  expect_invalid(c, "live.security.privacy.tokn", "unknown field");
  json d = minimal();
  d["cover_images"] = {{"intermission", json::object()}};
  expect_invalid(d, "live.cover_images.intermission", "unknown field");
  json e = minimal();
  e["showroom"] = {{"libraries", json::array({{{"id", "a"}, {"x", 1}}})}};
  expect_invalid(e, "live.showroom.libraries[0].x", "unknown field");
}

BOOST_AUTO_TEST_CASE(wrong_types_name_the_field) {
  json b = minimal();
  b["ull_enabled"] = "yes";
  expect_invalid(b, "live.ull_enabled", "true or false");
  json c = minimal();
  c["security"] = "public";
  expect_invalid(c, "live.security", "must be an object");
  json d = minimal();
  d["ingestion_types"] = json::array({"rtmp", 5});
  expect_invalid(d, "live.ingestion_types[1]", "must be a string");
}

BOOST_AUTO_TEST_CASE(name_and_custom_id_rules) {
  expect_invalid(json::object(), "live.name", "required");
  json b = minimal();
  b["custom_id"] = "has space";
  expect_invalid(b, "live.custom_id", "1 to 64 characters");
  json c = {{"custom_id", "morning-news"}};
  BOOST_TEST(live_spec_from_json(c).name == "morning-news");  // name defaults to custom_id
}

BOOST_AUTO_TEST_CASE(security_rules) {
  json w = minimal();
  w["security"] = {{"watermark", {{"enabled", true}}}};
  expect_invalid(w, "live.security.watermark.image.library_id", "needs its image");
  json d = minimal();
  d["security"] = {{"domain_control", {{"enabled", true}, {"domains", json::array({"bad domain!"})}}}};
  expect_invalid(d, "live.security.domain_control.domains[0]", "not a host name");
  d["security"]["domain_control"]["domains"] = json::array();
  expect_invalid(d, "live.security.domain_control.domains", "allows no domain");
  d["security"]["domain_control"]["domains"] = json::array({"*.Example.com", "tv.example.org"});
  BOOST_TEST(live_spec_from_json(d).security.domain_control.domains.front() == "*.example.com");
  json g = minimal();
  g["security"] = {{"geo_control", json::array({"tw", "US"})}};
  BOOST_TEST((live_spec_from_json(g).security.geo_control == std::vector<std::string>{"TW", "US"}));
}

BOOST_AUTO_TEST_CASE(customized_cover_needs_an_image) {
  json b = minimal();
  b["cover_images"] = {{"end", {{"type", "COVER_IMAGE_TYPE_CUSTOMIZE"}}}};
  expect_invalid(b, "live.cover_images.end.customize.library_id", "needs the library id");
}

BOOST_AUTO_TEST_CASE(schedule_extension) {
  json b = minimal();
  b["schedule"] = {{"auto_preview", "15m"}, {"auto_start", true}, {"auto_end", "1h30m"}};
  const auto s = live_spec_from_json(b);
  BOOST_TEST(s.schedule.auto_preview.value() == 15 * 60 * 1000LL);
  BOOST_TEST(s.schedule.auto_end.value() == 90 * 60 * 1000LL);
  BOOST_TEST((live_spec_from_json(to_json(s)) == s));
  b["schedule"]["auto_preview"] = true;
  BOOST_TEST(live_spec_from_json(b).schedule.auto_preview.value() == 0);
  b["schedule"]["auto_end"] = "soon";
  expect_invalid(b, "live.schedule.auto_end", "not a duration");
}

BOOST_AUTO_TEST_CASE(show_output_can_be_fed_back) {
  // `bvlive show --json` adds read-only fields; create/update ignore them.
  json out = to_json(live_spec_from_json(minimal()));
  out["id"] = "abc";
  out["state"] = "LIVE";
  out["stream_key"] = "sk_x";
  out["schedule"]["from_config"] = true;
  BOOST_TEST((live_spec_from_json(out) == live_spec_from_json(minimal())));
}
