#include "origin/origin.hpp"
#include "origin/origin_answers.hpp"

#include "core/edge/nginx_edge_config.hpp"

#include "live/playback_access.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include "events/live_status.hpp"
#include "daemon/interaction/device_cookie.hpp"
#include "web/watch_page.hpp"
#include "core/media/hls/codecs_from_init.hpp"
#include "core/media/hls/low_latency_playlist.hpp"
#include "core/media/hls/master_playlist.hpp"
#include "core/media/hls/media_playlist.hpp"
#include "core/media/hls/renditions.hpp"
#include "core/media/hls/uri_query.hpp"
#include "core/media/hls/vod_keys.hpp"
#include "core/media/fmp4/stream_splitter.hpp"

namespace bvlive {
namespace {

using http::Response;

constexpr const char* kPlaylistCache = "no-cache";  // players re-fetch live playlists every segment
constexpr const char* kSegmentCache = "public, max-age=31536000, immutable";
constexpr const char* kPrivateCache = "private, no-store";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::span<const std::uint8_t> as_bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// An encrypted segment: the sealed bytes, cached like the clear file would be.
Response sealed(std::vector<std::uint8_t> bytes, const char* cache) {
  Response r;
  r.body.assign(bytes.begin(), bytes.end());
  r.set("Content-Type", "video/iso.segment");
  r.set("Cache-Control", cache);
  return r;
}

// "seg_00000042.p3.m4s": an LL-HLS part (partial_segment.hpp).
bool is_part_name(const std::string& name) {
  const auto p = name.rfind(".p");
  if (p == std::string::npos || !name.ends_with(".m4s") || p + 2 >= name.size() - 4) return false;
  return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(p) + 2, name.end() - 4,
                     [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<hls::PartRecord> rendition_parts(const std::deque<hls::PartRecord>& parts, const std::string& rendition) {
  std::vector<hls::PartRecord> out;
  for (const auto& p : parts)
    if (p.rendition == rendition) out.push_back(p);
  return out;
}

Response refusal(int status, const LiveRecord& l, std::string reason) {
  Response r = error(status, std::move(reason));
  r.set("X-Bvlive-State", std::string(to_string(l.state)));
  return r;
}

// The refusal for an access the rules deny, with the live's state for players and logs.
Response refused(const LiveRecord& l, const PlaybackAccess& access) {
  Response r = refusal(access.status, l, access.reason);
  if (access.retry_after_s) r.set("Retry-After", std::to_string(*access.retry_after_s));
  return r;
}

bool safe_name(const std::string& part) { return !part.empty() && part != "." && part != ".." && part[0] != '.'; }


}  // namespace

Origin::Origin(uv_loop_t* loop, LiveService& lives, MediaIndex& index, const VodCatalog& vods,
               const MediaSettings& media, std::function<std::string()> metrics)
    : held_(loop), lives_(lives), index_(index), vods_(vods), media_(media), metrics_(std::move(metrics)) {}

Response Origin::handle(const http::Request& req, const http::ClientInfo& client) {
  const auto parts = split_path(req.path);
  // Chat posts and votes are the origin's only writes; their routes check methods themselves.
  const bool interaction_route = interaction && InteractionRoutes::owns(parts);
  const bool licence_route = parts.size() == 3 && parts[2] == kClearKeyLicence && (parts[0] == "live" || parts[0] == "preview");
  if (licence_route && req.method != "POST") {
    Response r = error(405, "method " + req.method + " is not allowed here; ClearKey licences are asked for with POST");
    r.set("Allow", "POST, OPTIONS");
    return r;
  }
  if (req.method != "GET" && req.method != "HEAD" && !interaction_route && !licence_route) {
    Response r = error(405, "method " + req.method + " is not allowed here; use GET or HEAD");
    r.set("Allow", "GET, HEAD, OPTIONS");
    return r;
  }
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
  if (parts.size() == 3 && parts[0] == "bv" && parts[1] == "edge" && parts[2] == "gate") return edge_gate(req, client);
  if (parts.size() == 2 && parts[0] == "watch") return watch_page(parts[1], req, client);
  if (parts.size() == 2 && parts[0] == "assets") return asset(parts[1]);
  if (!parts.empty() && parts[0] == "live") return live_route(Audience::Public, parts, req, client);
  if (!parts.empty() && parts[0] == "preview") return live_route(Audience::Preview, parts, req, client);
  return error(404, "nothing at " + req.path + "; playlists are at /live/ID/index.m3u8, the viewer page at /watch/ID");
}

Response Origin::live_route(Audience audience, const std::vector<std::string>& parts, const http::Request& req,
                            const http::ClientInfo& client) {
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
    if (const auto access = preview_access(*live); !access.allowed()) return refused(*live, access);
    query = "?token=" + *token;
  } else {
    const bool entry = parts.size() == 3 && parts[2] == "index.m3u8";
    if (edge_gated(req)) {
      if (live->spec.security.privacy.type == PrivacyType::Token) query = "?" + std::string(edge::kEdgeQueryPlaceholder);
    } else if (playback_gate) {
      const auto decision = playback_gate->check(*live, req, client, entry, now_ms());
      if (!decision.allowed) return refusal(decision.status, *live, decision.reason);
      if (!decision.query.empty()) query = "?" + decision.query;
    }
    if (interaction && InteractionRoutes::owns(parts))
      return interaction->handle(*live, parts, req, playback_gate ? playback_gate->viewer(req, client) : client.address);
    if (events && parts.size() == 3 && parts[2] == "events")
      return events->subscribe(live->id, {EventHub::format("status", live_status(*live))});
    if (covers && parts.size() == 3 && parts[2] == "cover.jpg") return covers(*live, "");
    if (covers && parts.size() == 4 && parts[2] == "covers" && parts[3].ends_with(".jpg"))
      return covers(*live, std::string_view(parts[3]).substr(0, parts[3].size() - 4));
    if (live->state == LiveState::Vod) return vod_route(*live, parts, req, query);
    if (const auto access = public_access(*live, entry, now_ms()); !access.allowed()) return refused(*live, access);
  }
  if (parts.size() == 3 && parts[2] == kClearKeyLicence) return clearkey_licence(*live, req);
  if (parts.size() == 3 && parts[2] == "index.m3u8") return master(*live, audience, query);
  if (parts.size() == 4 && parts[2] == "keys") return key_file(*live, audience, parts[3]);
  if (std::string rendition; parts.size() == 3 && hls::rendition_of_playlist(parts[2], rendition))
    return media_playlist(*live, audience, rendition, query, req);
  // SESSION/FILE or SESSION/RENDITION/FILE
  if (parts.size() == 4 || parts.size() == 5) {
    std::string rel = parts[2];
    for (std::size_t i = 3; i < parts.size(); ++i) rel += "/" + parts[i];
    if (is_part_name(parts.back())) return part_file(*live, audience, rel);
    return media_file(*live, audience, rel);
  }
  return error(404, "nothing at " + req.path);
}

// The viewer page: the same for every live (it reads the id from its own URL), in every
// state, so a page opened early shows the ready_to_start cover and starts playing by itself.
Response Origin::watch_page(const std::string& id, const http::Request& req, const http::ClientInfo& client) {
  const LiveRecord* live = lives_.by_id_or_custom_id(id);
  if (!live) return error(404, "no live '" + id + "'");
  if (playback_gate && !edge_gated(req)) {
    const auto decision = playback_gate->check(*live, req, client, false, now_ms());
    if (!decision.allowed) return refusal(decision.status, *live, decision.reason);
  }
  Response r;
  ensure_device(req, r);  // polls count one vote per device
  r.body = std::string(kWatchPage);
  r.set("Content-Type", "text/html; charset=utf-8");
  r.set("Cache-Control", "no-cache");
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Referrer-Policy", "same-origin");
  return r;
}

Response Origin::asset(const std::string& name) {
  if (name != "hls.min.js") return error(404, "no asset " + name);
  const std::string path = web_root + "/node_modules/hls.js/dist/hls.min.js";
  if (::access(path.c_str(), R_OK) != 0)
    return error(404, "hls.js is not installed in " + web_root + ": run bash share/scripts/install-web.sh " + web_root +
                          " (or set http.web_root)");
  Response r = Response::file_at(path);
  r.set("Content-Type", "text/javascript; charset=utf-8");
  r.set("Cache-Control", "public, max-age=3600");
  return r;
}

// A live in VOD: its playlists and files are the asset's, under MEDIA/LIVE_ID/vod/.
Response Origin::vod_route(const LiveRecord& live, const std::vector<std::string>& parts, const http::Request& req,
                           const std::string& query) {
  const VodAsset* asset = vods_.of_live(live.id);
  if (!asset || asset->state != VodState::Ready)
    return refusal(503, live, "the VOD of live " + live.label() + " is not ready");
  std::string rel;
  std::string rendition;
  if (parts.size() == 3 && parts[2] == "index.m3u8") rel = vod_master_file();
  else if (parts.size() == 3 && parts[2] == "media.m3u8") rel = vod_playlist_file();
  else if (parts.size() == 3 && hls::rendition_of_playlist(parts[2], rendition)) rel = std::string(kVodDir) + "/" + parts[2];
  else if (parts.size() == 4 && parts[2] == "keys") return key_file(live, Audience::Public, parts[3]);
  else if (parts.size() == 3 && parts[2] == kClearKeyLicence) return clearkey_licence(live, req);
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
  const bool aes = protection && SegmentProtection::protects(live);
  // Only a catchup VOD is the live's own (encrypted) recording; a replace or reused VOD is
  // another asset, served as it was made.
  const bool drm = live.spec.security.protection == ProtectionType::Drm && live.spec.live_vod.source == LiveVodSource::Catchup;
  const bool media_playlist = rel.ends_with(".m3u8") && rel != vod_master_file();
  if ((aes || drm) && rel == vod_mp4_file(live.id))
    return refusal(403, live, "live " + live.label() + " is " + (aes ? "AES-128" : "DRM") +
                                  " protected: its recording is offered as HLS only, at /live/" + live.id + "/index.m3u8");
  const std::string path = index_.path_of(live.id, rel);
  if (::access(path.c_str(), R_OK) != 0) return error(404, "no file " + rel + " in the VOD of live " + live.label());
  if (aes && !rel.ends_with(".m3u8") && !is_init_file(rel)) return vod_segment(live, rel, path);
  if ((aes && media_playlist) || (drm && rel.ends_with(".m3u8")) || (!query.empty() && rel.ends_with(".m3u8"))) {
    // Playlists written before anyone asked for protection get their key tags now, and a
    // token-protected VOD's carry the token (and device) into every URI. A DRM live's
    // segments were encrypted as they were packaged: its playlists only gain the tags.
    std::string text = read_text(path);
    if (aes && media_playlist)
      text = hls::with_vod_key(text, SegmentProtection::key_file(SegmentProtection::kVodKeyName));
    // (with_query below carries the viewer's query into the tags' URIs too)
    if (drm) text = with_drm_tags(live, std::move(text), "", !media_playlist);
    Response r;
    r.body = query.empty() ? text : hls::with_query(text, std::string_view(query).substr(1));
    r.set("Content-Type", "application/vnd.apple.mpegurl");
    r.set("Cache-Control", query.empty() ? kPlaylistCache : kPrivateCache);
    return r;
  }
  Response r = Response::file_at(path);
  // The window may close: playlists are checked again; media files never change.
  r.set("Cache-Control", rel.ends_with(".m3u8") ? kPlaylistCache : kSegmentCache);
  return r;
}

const Origin::InitFacts& Origin::init_facts(const LiveRecord& live, const std::string& init_file) {
  if (auto it = init_facts_.find(init_file); it != init_facts_.end()) return it->second;
  std::ifstream in(index_.path_of(live.id, init_file), std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  InitFacts facts;
  auto parsed = hls::codecs_from_init(bytes);
  if (const auto* ok = std::get_if<std::string>(&parsed)) facts.codecs = *ok;
  fmp4::StreamSplitter splitter;
  for (const auto& ev : splitter.feed(bytes))
    if (const auto* init = std::get_if<fmp4::InitSegment>(&ev))
      if (const auto* video = init->info.video()) {
        facts.width = static_cast<int>(video->width);
        facts.height = static_cast<int>(video->height);
      }
  if (init_facts_.size() > 4096) init_facts_.clear();  // a bounded cache
  return init_facts_.emplace(init_file, facts).first->second;
}

// The source's frame rate (renditions are scaled, not resampled), as ffmpeg read it; 0 when
// unknown. Asked at every LL-HLS playlist: remembered once known.
double Origin::session_frame_rate(const std::string& live_id, const std::string& session_id) {
  if (const auto it = frame_rates_.find(session_id); it != frame_rates_.end()) return it->second;
  double frame_rate = 0;
  for (const auto& s : lives_.store().sessions(live_id)) {
    if (s.id != session_id) continue;
    auto media = nlohmann::json::parse(s.media_json, nullptr, false);
    if (media.is_object() && media.contains("video") && media["video"].is_object())
      frame_rate = media["video"].value("frame_rate", 0.0);
    break;
  }
  if (frame_rate > 0) {
    if (frame_rates_.size() > 4096) frame_rates_.clear();  // a bounded cache
    frame_rates_[session_id] = frame_rate;
  }
  return frame_rate;
}

// One variant per rendition of the newest session: a single rendition, or the ladder.
Response Origin::master(const LiveRecord& live, Audience audience, const std::string& query) {
  const auto& deque = index_.segments(live.id);
  const std::vector<SegmentRecord> all(deque.begin(), deque.end());
  std::vector<std::string> renditions{""};
  double frame_rate = 0;
  if (!all.empty()) {
    renditions = hls::session_renditions(all, all.back().session_id);
    frame_rate = session_frame_rate(live.id, all.back().session_id);
  }
  std::vector<hls::Variant> variants;
  for (const auto& rendition : renditions) {
    const auto segments = hls::rendition_view(all, rendition);
    hls::Variant v;
    v.uri = hls::rendition_playlist(rendition) + query;
    hls::measure_bandwidth(segments, v);
    if (!segments.empty()) {
      const InitFacts& facts = init_facts(live, segments.back().init_file);
      v.codecs = facts.codecs;
      v.width = facts.width;
      v.height = facts.height;
      v.frame_rate = frame_rate;
    }
    variants.push_back(std::move(v));
  }
  Response r;
  r.body = with_drm_tags(live, hls::master_playlist(variants), query, true);
  r.set("Content-Type", "application/vnd.apple.mpegurl");
  r.set("Cache-Control", audience == Audience::Public ? kPlaylistCache : kPrivateCache);
  return r;
}

Response Origin::media_playlist(const LiveRecord& live, Audience audience, const std::string& rendition,
                                const std::string& query, const http::Request& req) {
  if (!live.spec.ull_enabled) return render_media_playlist(live, audience, rendition, query, false);
  const auto skip_param = req.query_param("_HLS_skip");
  const bool skip = skip_param && (*skip_param == "YES" || *skip_param == "v2");
  const auto msn = req.query_param("_HLS_msn"), part = req.query_param("_HLS_part");
  std::string problem;
  const auto blocking = hls::parse_blocking_query(msn ? &*msn : nullptr, part ? &*part : nullptr, problem);
  if (!problem.empty()) return error(400, "blocking playlist reload: " + problem);
  if (!blocking) return render_media_playlist(live, audience, rendition, query, skip);

  // Held until the playlist holds the segment (or part) asked for, up to three target
  // durations (RFC 8216bis §6.2.5.2); a live that ends answers at once with its ENDLIST.
  const std::string live_id = live.id;
  auto check = [this, live_id, audience, rendition, query, skip, req = *blocking]() -> std::optional<Response> {
    const LiveRecord* now = lives_.by_id_or_custom_id(live_id);
    if (!now) return error(404, "live " + live_id + " was deleted");
    const auto& every = index_.segments(live_id);  // no copy: one wake-up checks many held requests
    const auto view = hls::rendition_view(std::vector<SegmentRecord>(every.begin(), every.end()), rendition);
    const auto parts = rendition_parts(index_.parts(live_id), rendition);
    const auto answer = hls::blocking_reload(view, parts, req);
    if (answer == hls::BlockingAnswer::Wait && now->state == LiveState::Live) return std::nullopt;
    if (answer == hls::BlockingAnswer::TooFar)
      return error(400, "_HLS_msn=" + std::to_string(req.msn) + " is more than two segments ahead of the "
                                 "playlist (last segment " + std::to_string(view.empty() ? -1 : view.back().seq) + ")");
    if (answer == hls::BlockingAnswer::BadRequest) return error(400, "blocking playlist reload: negative value");
    return render_media_playlist(*now, audience, rendition, query, skip);
  };
  const auto target_ms = static_cast<std::uint64_t>(std::ceil(media_.ull_segment_duration) * 1000);
  return held_.hold(live_id, 3 * target_ms, std::move(check), [live_id] {
    Response r = error(503, "live " + live_id + ": the segment or part asked for did not come in time; "
                                     "reload the playlist without _HLS_msn");
    r.set("Retry-After", "1");
    return r;
  });
}

Response Origin::render_media_playlist(const LiveRecord& live, Audience audience, const std::string& rendition,
                                       const std::string& query, bool skip) {
  // What the text depends on besides the index: the live's fields and whether its push runs.
  const bool running = session_running && session_running(live.id);
  const std::string stamp = std::to_string(static_cast<int>(live.state)) + "|" + std::to_string(live.updated_at) +
                            "|" + std::to_string(live.live_started_at.value_or(0)) + "|" + (running ? "1" : "0");
  const std::uint64_t version = index_.version(live.id);
  const std::string key = std::string(audience == Audience::Public ? "p" : "h") + "\n" + rendition + "\n" + query +
                          (skip ? "\nskip" : "\n");
  auto& of_live = rendered_[live.id];
  Response r;
  r.set("Content-Type", "application/vnd.apple.mpegurl");
  r.set("Cache-Control", audience == Audience::Public ? kPlaylistCache : kPrivateCache);
  if (const auto hit = of_live.find(key); hit != of_live.end()) {
    if (hit->second.version == version && hit->second.stamp == stamp) {
      ++render_hits_;
      r.body = hit->second.body;
      return r;
    }
  }
  ++renders_;
  r.body = with_drm_tags(live, render_playlist_text(live, audience, rendition, query, skip), query, false);
  // Renderings of older versions go; the whole cache is bounded (many token queries).
  const std::size_t before = of_live.size();
  std::erase_if(of_live, [&](const auto& e) { return e.second.version != version || e.second.stamp != stamp; });
  rendered_count_ -= before - of_live.size();
  if (rendered_count_ >= kMaxRenderedPlaylists) {
    rendered_.clear();
    rendered_count_ = 0;
  }
  auto [slot, added] = rendered_[live.id].insert_or_assign(key, RenderedPlaylist{version, stamp, r.body});
  if (added) ++rendered_count_;
  return r;
}

std::string Origin::render_playlist_text(const LiveRecord& live, Audience audience, const std::string& rendition,
                                         const std::string& query, bool skip) {
  const auto& deque = index_.segments(live.id);
  const std::vector<SegmentRecord> every(deque.begin(), deque.end());
  const std::vector<SegmentRecord> all = hls::rendition_view(every, rendition);
  hls::MediaPlaylistOptions o;
  o.window = media_.live_window;
  o.target_duration_hint = live.spec.ull_enabled ? media_.ull_segment_duration : media_.segment_duration;
  o.uri_query = query;
  if (protection && SegmentProtection::protects(live))
    o.key_uri = [this](const SegmentRecord& s) { return SegmentProtection::key_file(protection->key_name(s)); };
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
  if (live.spec.ull_enabled) {
    hls::LowLatencyOptions ll;
    ll.part_target = static_cast<double>(media_.ull_part_target) / 1000;
    if (!every.empty())
      ll.part_target = hls::frame_aligned_part_target(ll.part_target,
                                                      session_frame_rate(live.id, every.back().session_id));
    const auto parts = rendition_parts(index_.parts(live.id), rendition);
    // The other renditions of the newest push, reported so that a player switching to one
    // knows where it stands without a reload.
    std::map<std::string, std::string> report_renditions;  // playlist URI -> rendition
    if (!every.empty())
      for (const auto& other : hls::session_renditions(every, every.back().session_id))
        if (other != rendition) report_renditions[hls::rendition_playlist(other)] = other;
    for (const auto& [uri, name] : report_renditions) ll.rendition_reports.push_back(uri);
    return hls::low_latency_playlist(all, parts, o, ll, skip, [&](const std::string& uri) {
      const auto it = report_renditions.find(uri);
      if (it == report_renditions.end()) return std::pair<std::int64_t, int>{-1, -1};
      return hls::last_msn_part(hls::rendition_view(every, it->second),
                                rendition_parts(index_.parts(live.id), it->second));
    });
  }
  return hls::media_playlist(all, o);
}

Response Origin::part_file(const LiveRecord& live, Audience audience, const std::string& rel) {
  if (!live.spec.ull_enabled) return error(404, "no part " + rel + ": live " + live.label() + " is not ull_enabled");
  for (const hls::PartRecord& p : index_.parts(live.id))
    if (p.file == rel) return serve_part(live, audience, p);
  // Not there yet. The part a preload hint names is of the newest push's open segment:
  // hold the request until it lands. An old part (its segment done, the part dropped) or
  // another push's is not coming.
  // Its segment complete without it (the encoder's keyframe came first), or written by
  // another push: it is not coming.
  const auto segment_done = [this](const std::string& live_id, const std::string& part) {
    const auto& all = index_.segments(live_id);
    return std::any_of(all.rbegin(), all.rend(), [&](const SegmentRecord& s) {
      return part.starts_with(s.file.substr(0, s.file.size() - 4) + ".p");  // "S/seg_N" of "S/seg_N.m4s"
    });
  };
  const auto& all = index_.segments(live.id);
  const bool newest_push = !all.empty() && rel.starts_with(all.back().session_id + "/");
  if (!newest_push || segment_done(live.id, rel) || live.state != LiveState::Live || !session_running ||
      !session_running(live.id))
    return error(404, "no part " + rel + " in live " + live.label() + " (it may have left the playlist)");
  const std::string live_id = live.id;
  auto check = [this, live_id, audience, rel, segment_done]() -> std::optional<Response> {
    const LiveRecord* now = lives_.by_id_or_custom_id(live_id);
    if (!now) return error(404, "live " + live_id + " was deleted");
    for (const hls::PartRecord& p : index_.parts(live_id))
      if (p.file == rel) return serve_part(*now, audience, p);
    if (now->state != LiveState::Live) return error(404, "no part " + rel + ": live " + now->label() + " has ended");
    // A held hint is answered as soon as its segment closes without it, not at the bound:
    // a player (or an edge's cache lock, with every viewer behind it) is waiting.
    if (segment_done(live_id, rel)) return error(404, "no part " + rel + ": its segment ended before it");
    return std::nullopt;
  };
  const auto wait_ms = static_cast<std::uint64_t>(std::ceil(media_.ull_segment_duration) * 1000 * 3);
  return held_.hold(live_id, wait_ms, std::move(check), [rel] {
    return error(404, "no part " + rel + ": it did not come in time");
  });
}

Response Origin::serve_part(const LiveRecord& live, Audience audience, const hls::PartRecord& part) {
  if (audience == Audience::Public) {
    // A part of a complete segment of preview footage stays private, like the segment.
    for (const SegmentRecord& s : index_.segments(live.id))
      if (s.seq == part.seq && s.rendition == part.rendition && !segment_is_public(live, s))
        return error(404, "no part " + part.file + " in live " + live.label());
  }
  const char* cache = audience == Audience::Public ? kSegmentCache : kPrivateCache;
  const std::string path = index_.path_of(live.id, part.file);
  if (protection && SegmentProtection::protects(live)) {
    SegmentRecord parent;
    parent.seq = part.seq;
    parent.program_date_time = part.program_date_time;
    const std::string clear = read_text(path);
    if (clear.empty()) return error(404, "no part " + part.file + " in live " + live.label());
    return sealed(protection->seal(live.id, protection->key_name(parent), part.seq, as_bytes_of(clear)), cache);
  }
  Response r = Response::file_at(path);
  r.set("Cache-Control", cache);
  return r;
}

Response Origin::media_file(const LiveRecord& live, Audience audience, const std::string& rel) {
  const auto& all = index_.segments(live.id);
  const bool is_init = is_init_file(rel);
  const auto found = std::find_if(all.begin(), all.end(), [&](const SegmentRecord& s) {
    return (is_init ? s.init_file : s.file) == rel && (audience == Audience::Preview || segment_is_public(live, s));
  });
  if (found == all.end())
    return error(404, "no segment " + rel + " in live " + live.label() + " (it may have left the live window)");
  const char* cache = audience == Audience::Public ? kSegmentCache : kPrivateCache;
  const std::string path = index_.path_of(live.id, rel);
  if (!is_init && protection && SegmentProtection::protects(live)) {
    const std::string clear = read_text(path);
    if (clear.empty()) return error(404, "no segment " + rel + " in live " + live.label());
    return sealed(protection->seal(live.id, protection->key_name(*found), found->seq, as_bytes_of(clear)), cache);
  }
  Response r = Response::file_at(path);
  r.set("Cache-Control", cache);
  return r;
}

// A key is served only when a segment the caller may fetch is sealed with it: no keys for
// periods to come, none for preview footage on the public route.
Response Origin::key_file(const LiveRecord& live, Audience audience, const std::string& file) {
  const auto name = SegmentProtection::key_name_of_file(file);
  if (!protection || !SegmentProtection::protects(live) || !name)
    return error(404, "no key " + file + " for live " + live.label() + " (it is not AES-128 protected)");
  bool known = false;
  if (*name == SegmentProtection::kVodKeyName) {
    known = live.state == LiveState::Vod;
  } else {
    for (const SegmentRecord& s : index_.segments(live.id))
      if ((audience == Audience::Preview || segment_is_public(live, s)) && protection->key_name(s) == *name) {
        known = true;
        break;
      }
  }
  if (!known) return error(404, "no key " + file + " for live " + live.label() + " (no segment is sealed with it)");
  const auto key = protection->key(live.id, *name);
  Response r;
  r.body.assign(key.begin(), key.end());
  r.set("Content-Type", "application/octet-stream");
  r.set("Cache-Control", kPrivateCache);
  return r;
}

Response Origin::vod_segment(const LiveRecord& live, const std::string& rel, const std::string& path) {
  // The IV is where the playlists list the segment; they change only when the job reruns.
  std::error_code ec;
  const auto written = std::filesystem::last_write_time(index_.path_of(live.id, vod_playlist_file()), ec);
  const std::int64_t stamp = ec ? 0 : written.time_since_epoch().count();
  VodSequences& cached = vod_sequences_[live.id];
  if (cached.seq.empty() || cached.written != stamp) {
    cached = VodSequences{stamp, {}};
    const std::string master_name = std::filesystem::path(vod_master_file()).filename().string();
    for (const auto& entry :
         std::filesystem::directory_iterator(index_.path_of(live.id, std::string(kVodDir)), ec)) {
      const std::string name = entry.path().filename().string();
      if (name.ends_with(".m3u8") && name != master_name)
        cached.seq.merge(hls::segment_sequences(read_text(entry.path().string())));
    }
  }
  const auto it = cached.seq.find(rel);
  if (it == cached.seq.end()) return error(404, "no segment " + rel + " in the VOD of live " + live.label());
  return sealed(protection->seal(live.id, SegmentProtection::kVodKeyName, it->second, as_bytes_of(read_text(path))),
                kSegmentCache);
}

}  // namespace bvlive
