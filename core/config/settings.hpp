// The daemon's settings: what bvlived.toml says, with the embedded defaults for
// everything it does not say. See man/bvlived.toml.5 for each key.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/media/ladder/rendition_plan.hpp"
#include "util/time.hpp"

namespace bvlive {

enum class LogLevel { Debug, Info, Warn, Error };

// Where a value came from in the config file, for messages like "bvlived.toml:12:3: ...".
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:column" (or just "file" when line is 0)
};

// Per-live automation. Durations are ms; -1 means "not set".
struct ScheduleDecl {
  // PREVIEW is entered this long before scheduled_at (0 = as soon as WAIT_FOR_PREVIEW).
  std::optional<DurationMs> auto_preview;
  bool auto_start = false;               // PREVIEW -> LIVE at scheduled_at (or at once without one)
  std::optional<DurationMs> auto_end;    // LIVE -> end this long after LIVE began
  std::optional<DurationMs> close_after; // LIVE_END -> CLOSED after this long (overrides the default)
  bool operator==(const ScheduleDecl&) const = default;
};

// One [[live]] table: a live declared by custom_id.
struct LiveDecl {
  std::string custom_id;
  // Every key of the table other than the schedule keys, as JSON in the shape of
  // the create body (TOML dates/datetimes become RFC 3339 strings). Validated by
  // the same code as `bvlive create`.
  nlohmann::json body = nlohmann::json::object();
  ScheduleDecl schedule;
  SourcePos pos;  // the [[live]] header
  // Position of each key, by dotted path inside the table ("broadcast_mode",
  // "security.privacy.type"), so a validation error can name file:line:column.
  std::map<std::string, SourcePos> key_pos;
  // The best position for a field path such as "live.security.privacy.type":
  // the deepest key present, else the table header.
  SourcePos locate(std::string_view path) const;
};

// [rtmp]: the RTMP ingest listener (rtmp://HOST:PORT/live/STREAM_KEY).
struct RtmpSettings {
  bool enabled = true;
  std::string listen = "0.0.0.0";  // address to bind
  int port = 1935;                 // 0 = any free port (tests)
  DurationMs handshake_timeout = 10'000;  // a client that stalls before publishing is dropped
  bool operator==(const RtmpSettings&) const = default;
};

// [srt]: the SRT ingest listener (streamid "#!::r=STREAM_KEY,m=publish" or the bare key).
struct SrtSettings {
  bool enabled = true;
  std::string listen = "0.0.0.0";
  int port = 9000;                 // UDP; 0 = any free port (tests)
  DurationMs latency = 120;        // SRTO_LATENCY
  std::string passphrase;          // empty = no encryption; else 10 to 79 characters
  bool operator==(const SrtSettings&) const = default;
};

// [http]: the HTTP origin (playlists, segments, /healthz, /metrics).
struct HttpSettings {
  bool enabled = true;
  std::string listen = "0.0.0.0";
  int port = 8080;                 // 0 = any free port (tests)
  std::string public_url;          // base of printed URLs, e.g. "https://live.example.com"; empty = http://HOST:PORT
  DurationMs idle_timeout = 30'000;  // keep-alive connections idle this long are closed
  // The folder the viewer page's scripts are served from (node_modules/hls.js/...): what
  // share/scripts/install-web.sh installs. Empty: the build's own (BUILD/web).
  std::string web_root;
  bool operator==(const HttpSettings&) const = default;
};

// [api]: the HTTP API (/bv/cms/v1/lives ...) on its own listener, for back-ends and
// scripts on other machines. Keys come from `bvlive apikey create`.
struct ApiSettings {
  bool enabled = true;
  std::string listen = "127.0.0.1";   // loopback only unless insecure_remote says otherwise
  int port = 8081;                    // 0 = any free port (tests)
  // A non-loopback listen address sends keys in the clear: refused at start unless this is
  // true (e.g. behind a TLS-terminating proxy on a private network).
  bool insecure_remote = false;
  std::uint64_t max_upload_bytes = 8ULL << 30;  // POST /library bodies; more is a 413
  double rate_limit = 20;             // requests per second per key, on average
  int rate_burst = 100;               // requests a key may make at once
  bool operator==(const ApiSettings&) const = default;
};

// [tls]: HTTPS and RTMPS, on their own ports beside the plain ones, with one certificate.
// TLS is on when `certificate` is set; the files are read again on reload (SIGHUP).
struct TlsSettings {
  std::string certificate;         // PEM: the certificate, then its chain (certbot's fullchain.pem)
  std::string key;                 // PEM: its private key (certbot's privkey.pem)
  bool https = true;               // serve the HTTPS origin: playback, viewer page, WHIP (on [http] listen)
  int https_port = 8443;           // 0 = any free port (tests)
  bool rtmps = true;               // take RTMPS ingest (on [rtmp] listen)
  int rtmps_port = 1936;           // 0 = any free port (tests)
  bool api = false;                // the [api] listener speaks HTTPS instead of HTTP
  bool redirect_http = false;      // the plain [http] port answers 308 to HTTPS (except /healthz, /metrics)
  std::int64_t hsts_max_age = 0;   // seconds; > 0 sends Strict-Transport-Security on HTTPS answers
  bool enabled() const { return !certificate.empty(); }
  bool operator==(const TlsSettings&) const = default;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_address(std::string_view host);

// [webrtc]: WHIP ingest (POST /whip/ID on the HTTP origin) and its ICE-lite UDP port.
struct WebrtcSettings {
  bool enabled = true;
  std::string listen = "0.0.0.0";
  int port = 8189;                 // UDP, one port for every WHIP session; 0 = any free port (tests)
  // Addresses offered as host candidates in the SDP answer; empty = the listen address when
  // it is a specific one, else every IPv4 address of this machine.
  std::vector<std::string> candidates;
  DurationMs consent_timeout = 10'000;  // a peer silent this long (no STUN consent, no media) is gone
  bool operator==(const WebrtcSettings&) const = default;
};

// [media]: the packager, the segmenter and retention.
// [transcode]: how a session is encoded when it is not passed through (a source above the
// live's resolution, a watermark, an ABR ladder).
struct TranscodeSettings {
  bool abr = false;                 // lives that do not set abr_enabled
  std::vector<ladder::LadderRung> ladder = ladder::default_ladder();  // highest first
  std::string preset = "veryfast";  // x264 -preset
  double keyframe_interval = 2.0;   // seconds, when no rendition is copied
  int audio_kbps = 128;             // when audio is re-encoded (Opus from WebRTC)
  double watermark_width = 0.15;    // fraction of the frame's width
  double watermark_margin = 0.03;   // fraction of the frame's height, from both edges
  bool operator==(const TranscodeSettings&) const = default;
};

// Who packages a passthrough push (H.264/HEVC/AV1 with AAC, copied): bvlived itself, or one
// ffmpeg child per push (the earlier way, kept for comparison and as a way out).
enum class RemuxMode { bvlived, ffmpeg };

struct MediaSettings {
  std::string ffmpeg = "ffmpeg";   // the transcoder binary (PATH is searched)
  RemuxMode remux = RemuxMode::bvlived;
  std::string ffprobe = "ffprobe"; // reads files imported into the media library
  double segment_duration = 2.0;   // target segment length in seconds (cut at keyframes)
  int live_window = 6;             // segments in a traditional live playlist
  // Lives with ull_enabled (LL-HLS): segments follow the encoder's keyframes from this length
  // (a 1 s keyframe interval gives one GOP each), in parts of at most ull_part_target.
  double ull_segment_duration = 1.0;
  DurationMs ull_part_target = 333;
  int keep_segments = 12;          // traditional mode without live_vod: segments kept on disk per live
  DurationMs session_max_duration = 24LL * 3600 * 1000;  // a push is ended after this long
  DurationMs first_segment_timeout = 20'000;  // PROCESSING longer than this is an ERROR
  DurationMs signal_timeout = 5'000;  // a LIVE push sending nothing this long is a signal interruption
  bool slate = false;                 // a lost push is followed by the signal_interruption cover as video
  // Pushes are refused while the media disk (STATE_DIR/media) has less free than this, so a
  // full disk never takes a recording or the database down with it. 0 = never refused.
  std::uint64_t min_free_space = 256ULL << 20;
  TranscodeSettings transcode;        // the [transcode] table
  bool operator==(const MediaSettings&) const = default;
};

// [security]: playback protection.
struct SecuritySettings {
  DurationMs device_idle = 60'000;  // a device not heard from this long no longer counts against a token's limit
  // Domain control, for a request with neither Origin nor Referer (native players, ffplay,
  // curl): let it through, or refuse it.
  bool allow_missing_origin = true;
  // AES-128 protection (security.protection AES_128): a live's segment key changes this often.
  DurationMs key_rotation = 3'600'000;
  // Geo control (security.geo_control): a MaxMind DB file (GeoLite2-Country or -City) telling a
  // viewer's country; "" = none, and lives with geo control refuse everyone.
  std::string geo_database;
  // Addresses whose X-Forwarded-For is believed (reverse proxies, CDNs): "203.0.113.0/24", "::1".
  std::vector<std::string> trusted_proxies;
  // Geo control, for a viewer whose country the database does not know: let in, or refuse.
  bool allow_unknown_country = false;
  // Shared with the nginx edges in front of this origin (`bvlive edge-config`): a request
  // carrying it in X-Bvlive-Edge comes from one of them. "" = no edges.
  std::string edge_secret;
  bool operator==(const SecuritySettings&) const = default;
};

// [drm]: where lives with protection DRM get their keys. With no key_server, the built-in
// ClearKey: keys derived by the daemon, licences answered by it behind the playback gate.
struct DrmSettings {
  std::string key_server;             // a SPEKE v2 endpoint (https://...); "" = built-in ClearKey
  std::string username;               // HTTP Basic credentials for the key server ("" = none)
  std::string password;
  std::vector<std::string> headers;   // extra request headers ("X-Api-Key: ..."), as vendors ask
  // The DRM systems playlists and init segments are signalled for. Empty: "clearkey"
  // without a key server, "widevine", "playready", "fairplay" with one.
  std::vector<std::string> systems;
  DurationMs timeout = 10'000;        // one key server request
  bool operator==(const DrmSettings&) const = default;
};

// [chat]: the chatrooms of player pages (a live's interaction.chatroom).
struct ChatSettings {
  int max_length = 500;            // characters in a message
  int history = 100;               // messages a page gets when it opens (late joiners)
  int rate_burst = 5;              // messages a viewer may post at once ...
  DurationMs rate_interval = 3'000;  // ... then one per this long
  bool operator==(const ChatSettings&) const = default;
};

struct Settings {
  // [daemon]
  std::string socket_path;        // empty: resolved at start (see paths.hpp)
  std::string socket_group;       // group owning the socket; empty = the daemon's own
  unsigned socket_mode = 0660;
  std::string state_dir;          // empty: resolved at start
  LogLevel log_level = LogLevel::Info;
  std::size_t max_request_bytes = 1 << 20;
  bool sync_full = true;          // SQLite synchronous=FULL (else NORMAL)
  std::string public_host;        // host in printed ingest/playback URLs; empty = this machine's host name

  // [defaults]
  DurationMs prepare_lead = 12LL * 3600 * 1000;
  DurationMs close_after = 0;     // 0 = never close automatically

  RtmpSettings rtmp;
  SrtSettings srt;
  HttpSettings http;
  ApiSettings api;
  TlsSettings tls;
  WebrtcSettings webrtc;
  MediaSettings media;
  SecuritySettings security;
  DrmSettings drm;
  ChatSettings chat;

  // [[live]]
  std::vector<LiveDecl> lives;

  std::string config_file;        // where these came from; empty = embedded defaults
};

std::string_view to_string(LogLevel l);
std::optional<LogLevel> parse_log_level(std::string_view s);

}  // namespace bvlive
