// The routes of the HTTP origin: playlists per view, init and media segments, /healthz
// and /metrics. Who may see what follows the live's state:
//   /live/ID/index.m3u8, media.m3u8, SESSION/FILE   public: the live while LIVE, its VOD
//                                                    (vod/...) while VOD
//   /live/ID/cover.jpg, /live/ID/covers/STATUS.jpg  public in every state (player pages)
//   /live/ID/keys/NAME.key                          an AES-128 protected live's keys (see
//                                                    segment_protection.hpp), as its segments
//   /live/ID/SESSION/seg_N.pK.m4s                   an ull_enabled live's LL-HLS parts
//   /live/ID/events                                 server-sent events for player pages, in
//                                                    every state (events/event_hub.hpp)
//   /live/ID/interaction, chat, polls/N/vote         chat and polls (interaction_routes.hpp)
//   /watch/ID                                       the viewer page (web/watch_page.hpp), in every
//                                                    state, behind the playback gate
//   /assets/hls.min.js                              the page's player library, from web_root
//   /preview/ID/...?token=PREVIEW_TOKEN                host preview in PREVIEW and LIVE
//   /bv/edge/gate                                   our nginx edges' auth_request (edge_gate.cpp)
// Outside those windows index.m3u8 answers with a status a player page can act on (404 not
// started, 503 + Retry-After while the VOD is made or waits for its window, 410 ended) and a
// one-line reason; every refusal says the state in X-Bvlive-State. media.m3u8 of an ended
// live keeps answering with ENDLIST, so players already watching stop cleanly, until a
// VOD window has come and gone.
// An ull_enabled live's media playlists are LL-HLS (low_latency_playlist.hpp): a blocking
// reload (_HLS_msn, _HLS_part) and a request for the part the preload hint names are held
// (HeldRequests) until what they ask for lands in the MediaIndex, within a bound.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "config/settings.hpp"
#include "events/event_hub.hpp"
#include "http/http_server.hpp"
#include "daemon/interaction/interaction_routes.hpp"
#include "core/media/hls/partial_segment.hpp"
#include "daemon/media/media_index.hpp"
#include "origin/held_requests.hpp"
#include "daemon/security/playback_gate.hpp"
#include "daemon/drm/drm_keys.hpp"
#include "daemon/security/segment_protection.hpp"
#include "service/live_service.hpp"
#include "core/vod/vod_catalog.hpp"

namespace bvlive {

// Where a DRM live's ClearKey licences are asked for: /live/ID/clearkey (and /preview/ID/...).
inline constexpr std::string_view kClearKeyLicence = "clearkey";

class Origin {
 public:
  Origin(uv_loop_t* loop, LiveService& lives, MediaIndex& index, const VodCatalog& vods,
         const MediaSettings& media, std::function<std::string()> metrics);

  // The edge gate's answers (/metrics): viewers let in, refused, lives this origin has not.
  struct EdgeGateCounts {
    std::uint64_t allowed = 0, refused = 0, unknown = 0;
  };
  const EdgeGateCounts& edge_gate_counts() const { return edge_gate_counts_; }
  // DRM ClearKey licences granted and refused, for /metrics.
  struct LicenceCounts {
    std::uint64_t granted = 0;
    std::uint64_t refused = 0;
  };
  const LicenceCounts& licence_counts() const { return licence_counts_; }

  // Media playlists rendered, and answered from an earlier rendering (/metrics).
  std::uint64_t playlist_renders() const { return renders_; }
  std::uint64_t playlist_render_hits() const { return render_hits_; }

  // A live's segments or parts changed: held requests for it look again.
  void wake(const std::string& live_id) { held_.wake(live_id); }
  const HeldRequests& held() const { return held_; }

  http::Response handle(const http::Request& req, const http::ClientInfo& client);

  // The cover images (/live/ID/cover.jpg, /live/ID/covers/STATUS.jpg; set by the daemon).
  std::function<http::Response(const LiveRecord& live, std::string_view status)> covers;
  // Token-protected lives: who may play (set by the daemon; null: everyone).
  PlaybackGate* playback_gate = nullptr;
  // AES-128 protected lives: their keys and sealed segments (set by the daemon; null: none).
  const SegmentProtection* protection = nullptr;
  // Lives with protection DRM: their keys, for playlist tags and ClearKey licences.
  DrmKeys* drm = nullptr;
  // Where the page's scripts are (node_modules/hls.js/...; set by the daemon).
  std::string web_root;
  // The player pages' event streams (set by the daemon; null: none).
  EventHub* events = nullptr;
  // Chat and polls (set by the daemon; null: none).
  InteractionRoutes* interaction = nullptr;
  // Whether a live has a session writing segments (set by the daemon).
  std::function<bool(const std::string& live_id)> session_running;

 private:
  enum class Audience { Public, Preview };
  // GET /bv/edge/gate: the playback gate's answer for the viewer request an edge names in
  // X-Original-URI (edge_gate.cpp).
  http::Response edge_gate(const http::Request& req, const http::ClientInfo& client);
  // An edge of ours asks for an object after its gate let the viewer in: no second check,
  // and a token-protected live's playlists carry edge::kEdgeQueryPlaceholder for the query.
  bool edge_gated(const http::Request& req) const;
  http::Response live_route(Audience audience, const std::vector<std::string>& parts, const http::Request& req,
                            const http::ClientInfo& client);
  http::Response watch_page(const std::string& id, const http::Request& req, const http::ClientInfo& client);
  http::Response asset(const std::string& name);
  http::Response master(const LiveRecord& live, Audience audience, const std::string& query);
  http::Response media_playlist(const LiveRecord& live, Audience audience, const std::string& rendition,
                                const std::string& query, const http::Request& req);
  // The playlist text as it stands (LL-HLS for an ull_enabled live).
  http::Response render_media_playlist(const LiveRecord& live, Audience audience, const std::string& rendition,
                                       const std::string& query, bool skip);
  std::string render_playlist_text(const LiveRecord& live, Audience audience, const std::string& rendition,
                                   const std::string& query, bool skip);
  static constexpr std::size_t kMaxRenderedPlaylists = 4096;
  // An LL-HLS part of an ull_enabled live: served, held until it lands (the preload hint), or 404.
  http::Response part_file(const LiveRecord& live, Audience audience, const std::string& rel);
  http::Response serve_part(const LiveRecord& live, Audience audience, const hls::PartRecord& part);
  // rel: "SESSION/seg_N.m4s", "SESSION/720p/init.mp4", ...
  http::Response media_file(const LiveRecord& live, Audience audience, const std::string& rel);
  http::Response key_file(const LiveRecord& live, Audience audience, const std::string& file);
  // POST LIVE/clearkey: the EME ClearKey licence of a DRM live (drm_licence.cpp).
  http::Response clearkey_licence(const LiveRecord& live, const http::Request& req);
  http::Response licence_answer(const LiveRecord& live, const http::Request& req);

  // A DRM live's playlist tags (SAMPLE-AES per system) added to a rendered playlist.
  std::string with_drm_tags(const LiveRecord& live, std::string playlist, const std::string& query, bool master);
  // A segment of a live's recording (vod/...), sealed with the VOD key when protected.
  http::Response vod_segment(const LiveRecord& live, const std::string& rel, const std::string& path);
  http::Response vod_route(const LiveRecord& live, const std::vector<std::string>& parts, const http::Request& req,
                           const std::string& query);
  // What a variant's attributes need from its init segment, read once per init file.
  struct InitFacts {
    std::string codecs;  // RFC 6381, "" when unknown
    int width = 0, height = 0;
  };
  const InitFacts& init_facts(const LiveRecord& live, const std::string& init_file);
  double session_frame_rate(const std::string& live_id, const std::string& session_id);

  // Rendered media playlists, per live and then per (audience, rendition, query, skip): one
  // rendering serves every viewer and every held request until the live's segments, parts
  // or fields change (the index version and `stamp`).
  struct RenderedPlaylist {
    std::uint64_t version = 0;
    std::string stamp;
    std::string body;
  };
  std::map<std::string, std::map<std::string, RenderedPlaylist>, std::less<>> rendered_;
  std::size_t rendered_count_ = 0;
  std::uint64_t renders_ = 0, render_hits_ = 0;
  EdgeGateCounts edge_gate_counts_;
  LicenceCounts licence_counts_;

  HeldRequests held_;
  LiveService& lives_;
  MediaIndex& index_;
  const VodCatalog& vods_;
  const MediaSettings& media_;
  std::function<std::string()> metrics_;
  std::map<std::string, InitFacts> init_facts_;
  std::map<std::string, double> frame_rates_;  // session id -> its source's frame rate  // init file -> its facts (init files never change)
  // A protected recording's segment URIs with their media sequence numbers (their IVs),
  // per live, read from its playlists once per VOD job run.
  struct VodSequences {
    std::int64_t written = 0;  // mtime of vod/media.m3u8 (ns) when read
    std::map<std::string, std::int64_t> seq;
  };
  std::map<std::string, VodSequences> vod_sequences_;
};

}  // namespace bvlive
