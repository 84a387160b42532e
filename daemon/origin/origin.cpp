#include "origin/origin.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include "media/hls/codecs_from_init.hpp"
#include "media/hls/master_playlist.hpp"
#include "media/hls/media_playlist.hpp"

namespace bvlive {
namespace {

using http::Response;

constexpr const char* kPlaylistCache = "no-cache";  // players re-fetch live playlists every segment
constexpr const char* kSegmentCache = "public, max-age=31536000, immutable";
constexpr const char* kPrivateCache = "private, no-store";

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    const std::size_t j = path.find('/', i);
    const std::string part = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (!part.empty()) parts.push_back(part);
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return parts;
}

Response error(int status, std::string reason) {
  Response r = Response::text(status, std::move(reason));
  r.set("Cache-Control", "no-store");
  return r;
}

bool went_live(const LiveRecord& l) { return l.live_started_at.has_value(); }

Response refusal(int status, const LiveRecord& l, std::string reason) {
  Response r = error(status, std::move(reason));
  r.set("X-Bvlive-State", std::string(to_string(l.state)));
  return r;
}

// Why the public entry point (index.m3u8) does not play now, or nothing when it does.
std::optional<Response> public_refusal(const LiveRecord& l, TimeMs now) {
  const std::string label = l.label();
  const std::string state(to_string(l.state));
  if (l.state == LiveState::Live || l.state == LiveState::Vod) return std::nullopt;
  if (!went_live(l))
    return refusal(404, l, "live " + label + " has not started (state " + state +
                               "); public playback opens when it goes LIVE (bvlive start " + label + ")");
  if (l.state == LiveState::Encoding) {
    Response r = refusal(503, l, "live " + label + " has ended; its VOD is being prepared");
    r.set("Retry-After", "10");
    return r;
  }
  if (l.state == LiveState::VodReady) {
    const TimeMs opens = l.spec.live_vod.started_at.value_or(now);
    Response r = refusal(503, l, "live " + label + " has ended; its VOD opens at " + format_rfc3339(opens));
    r.set("Retry-After", std::to_string(std::max<TimeMs>(1, (opens - now + 999) / 1000)));
    return r;
  }
  return refusal(410, l, "live " + label + " has ended (state " + state + ")" +
                             (l.spec.live_vod.enabled() ? "; its VOD is no longer offered" : ""));
}

// After the end, players already watching may still read the closed live playlist and its
// segments; not once a VOD window has come and gone (LIVE_END of a live with live_vod).
bool ended_live_still_listed(const LiveRecord& l) {
  if (!went_live(l)) return false;
  if (l.state == LiveState::Encoding || l.state == LiveState::VodReady) return true;
  return l.state == LiveState::LiveEnd && !l.spec.live_vod.enabled();
}

bool safe_name(const std::string& part) { return !part.empty() && part != "." && part != ".." && part[0] != '.'; }

bool is_segment_public(const LiveRecord& l, const SegmentRecord& s) {
  // A segment that ends before LIVE began is preview footage.
  return s.program_date_time + static_cast<TimeMs>(std::llround(s.duration * 1000)) > *l.live_started_at;
}

}  // namespace

Origin::Origin(LiveService& lives, MediaIndex& index, const VodCatalog& vods, const MediaSettings& media,
               std::function<std::string()> metrics)
    : lives_(lives), index_(index), vods_(vods), media_(media), metrics_(std::move(metrics)) {}

Response Origin::handle(const http::Request& req, const http::ClientInfo&) {
  if (req.method != "GET" && req.method != "HEAD") {
    Response r = error(405, "method " + req.method + " is not allowed here; use GET or HEAD");
    r.set("Allow", "GET, HEAD, OPTIONS");
    return r;
  }
  const auto parts = split_path(req.path);
  if (parts.size() == 1 && parts[0] == "healthz") {
    Response r = Response::text(200, "ok");
    r.set("Cache-Control", "no-store");
    return r;
  }
  if (parts.size() == 1 && parts[0] == "metrics") {
    Response r;
    r.body = metrics_();
    r.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.set("Cache-Control", "no-store");
    return r;
  }
  if (!parts.empty() && parts[0] == "live") return live_route(Audience::Public, parts, req);
  if (!parts.empty() && parts[0] == "preview") return live_route(Audience::Preview, parts, req);
  return error(404, "nothing at " + req.path + "; playlists are at /live/ID/index.m3u8");
}

Response Origin::live_route(Audience audience, const std::vector<std::string>& parts, const http::Request& req) {
  if (parts.size() < 3)
    return error(404, "nothing at " + req.path + "; playlists are at /" + parts[0] + "/ID/index.m3u8");
  const LiveRecord* live = lives_.by_id_or_custom_id(parts[1]);
  if (!live) return error(404, "no live '" + parts[1] + "'");
  std::string query;
  if (audience == Audience::Preview) {
    const auto token = req.query_param("token");
    if (!token || token->empty())
      return error(403, "the preview of live " + live->label() +
                            " needs its preview token: add ?token=PREVIEW_TOKEN (bvlive show " + live->label() + ")");
    if (*token != live->preview_token)
      return error(403, "wrong preview token for live " + live->label() + " (bvlive show " + live->label() +
                            " prints the current one)");
    if (live->state != LiveState::Preview && live->state != LiveState::Live)
      return refusal(404, *live, "live " + live->label() + " is " + std::string(to_string(live->state)) +
                                     "; the host preview exists in PREVIEW and LIVE");
    query = "?token=" + *token;
  } else {
    if (covers && parts.size() == 3 && parts[2] == "cover.jpg") return covers(*live, "");
    if (covers && parts.size() == 4 && parts[2] == "covers" && parts[3].ends_with(".jpg"))
      return covers(*live, std::string_view(parts[3]).substr(0, parts[3].size() - 4));
    if (live->state == LiveState::Vod) return vod_route(*live, parts, req);
    const bool entry = parts.size() == 3 && parts[2] == "index.m3u8";
    if (auto refused = public_refusal(*live, now_ms()); refused && (entry || !ended_live_still_listed(*live)))
      return *refused;
  }
  if (parts.size() == 3 && parts[2] == "index.m3u8") return master(*live, audience, query);
  if (parts.size() == 3 && parts[2] == "media.m3u8") return media_playlist(*live, audience, query);
  if (parts.size() == 4) return media_file(*live, audience, parts[2], parts[3]);
  return error(404, "nothing at " + req.path);
}

// A live in VOD: its playlists and files are the asset's, under MEDIA/LIVE_ID/vod/.
Response Origin::vod_route(const LiveRecord& live, const std::vector<std::string>& parts, const http::Request& req) {
  const VodAsset* asset = vods_.of_live(live.id);
  if (!asset || asset->state != VodState::Ready)
    return refusal(503, live, "the VOD of live " + live.label() + " is not ready");
  std::string rel;
  if (parts.size() == 3 && parts[2] == "index.m3u8") rel = vod_master_file();
  else if (parts.size() == 3 && parts[2] == "media.m3u8") rel = vod_playlist_file();
  else if (parts.size() >= 4 && parts[2] == kVodDir) {
    rel = std::string(kVodDir);
    for (std::size_t i = 3; i < parts.size(); ++i) {
      if (!safe_name(parts[i])) return error(404, "nothing at " + req.path);
      rel += "/" + parts[i];
    }
  } else {
    return error(404, "nothing at " + req.path + "; live " + live.label() + " is VOD: play /live/" + live.id +
                          "/index.m3u8");
  }
  if (asset->info.segments == 0 && rel.ends_with(".m3u8"))
    return refusal(404, live, "the VOD of live " + live.label() + " has no content: nothing was recorded while it was LIVE");
  const std::string path = index_.path_of(live.id, rel);
  if (::access(path.c_str(), R_OK) != 0) return error(404, "no file " + rel + " in the VOD of live " + live.label());
  Response r = Response::file_at(path);
  // The window may close: playlists are checked again; media files never change.
  r.set("Cache-Control", rel.ends_with(".m3u8") ? kPlaylistCache : kSegmentCache);
  return r;
}

std::string Origin::codecs_of(const LiveRecord& live, const std::string& init_file) {
  if (auto it = codecs_.find(init_file); it != codecs_.end()) return it->second;
  std::ifstream in(index_.path_of(live.id, init_file), std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = hls::codecs_from_init(bytes);
  const auto* ok = std::get_if<std::string>(&parsed);
  const std::string codecs = ok ? *ok : "";
  if (codecs_.size() > 4096) codecs_.clear();  // a bounded cache: init files are never rewritten
  codecs_.emplace(init_file, codecs);
  return codecs;
}

Response Origin::master(const LiveRecord& live, Audience audience, const std::string& query) {
  const auto& all = index_.segments(live.id);
  hls::Variant v;
  v.uri = "media.m3u8" + query;
  // Bandwidth from what was actually produced: the peak and mean bitrate of recent segments.
  double peak = 0, bytes = 0, seconds = 0;
  const std::size_t from = all.size() > 30 ? all.size() - 30 : 0;
  for (std::size_t i = from; i < all.size(); ++i) {
    if (all[i].duration <= 0) continue;
    peak = std::max(peak, all[i].bytes * 8.0 / all[i].duration);
    bytes += static_cast<double>(all[i].bytes);
    seconds += all[i].duration;
  }
  v.bandwidth = std::max<std::int64_t>(static_cast<std::int64_t>(peak), 1);
  if (seconds > 0) v.average_bandwidth = static_cast<std::int64_t>(bytes * 8 / seconds);
  if (!all.empty()) {
    v.codecs = codecs_of(live, all.back().init_file);
    // Size and rate from the session's media info when the packager reported it.
    for (const auto& s : lives_.store().sessions(live.id)) {
      if (s.id != all.back().session_id) continue;
      auto media = nlohmann::json::parse(s.media_json, nullptr, false);
      if (media.is_object() && media.contains("video") && media["video"].is_object()) {
        const auto& video = media["video"];
        v.width = video.value("width", 0);
        v.height = video.value("height", 0);
        v.frame_rate = video.value("frame_rate", 0.0);
      }
      break;
    }
  }
  Response r;
  r.body = hls::master_playlist(std::span<const hls::Variant>(&v, 1));
  r.set("Content-Type", "application/vnd.apple.mpegurl");
  r.set("Cache-Control", audience == Audience::Public ? kPlaylistCache : kPrivateCache);
  return r;
}

Response Origin::media_playlist(const LiveRecord& live, Audience audience, const std::string& query) {
  const auto& deque = index_.segments(live.id);
  const std::vector<SegmentRecord> all(deque.begin(), deque.end());
  hls::MediaPlaylistOptions o;
  o.window = media_.live_window;
  o.target_duration_hint = media_.segment_duration;
  o.uri_query = query;
  if (audience == Audience::Preview) {
    o.view = hls::View::Preview;
  } else {
    o.view = live.spec.broadcast_mode == BroadcastMode::TraditionalLive ? hls::View::Live : hls::View::Dvr;
    o.dvr_start = live.live_started_at;
    o.ended = live.state != LiveState::Live;
    // A simulive in playback mode is packaged at once: when its playout is done, the
    // playlist is complete and players show the whole duration.
    if (live.spec.broadcast_mode == BroadcastMode::Playback && session_running && !session_running(live.id) &&
        !all.empty())
      o.ended = true;
  }
  Response r;
  r.body = hls::media_playlist(all, o);
  r.set("Content-Type", "application/vnd.apple.mpegurl");
  r.set("Cache-Control", audience == Audience::Public ? kPlaylistCache : kPrivateCache);
  return r;
}

Response Origin::media_file(const LiveRecord& live, Audience audience, const std::string& session,
                            const std::string& file) {
  const std::string rel = session + "/" + file;
  const auto& all = index_.segments(live.id);
  const bool is_init = file == "init.mp4";
  const auto found = std::find_if(all.begin(), all.end(), [&](const SegmentRecord& s) {
    return (is_init ? s.init_file : s.file) == rel && (audience == Audience::Preview || is_segment_public(live, s));
  });
  if (found == all.end())
    return error(404, "no segment " + rel + " in live " + live.label() + " (it may have left the live window)");
  Response r = Response::file_at(index_.path_of(live.id, rel));
  r.set("Cache-Control", audience == Audience::Public ? kSegmentCache : kPrivateCache);
  return r;
}

}  // namespace bvlive
