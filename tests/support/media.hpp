// Test support for the media plane: a real ffmpeg encoder, a plain HTTP client for the
// origin, ffprobe, and the daemon's listener ports. Loopback only, everything bounded.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace bvtest {

// ffmpeg pushing testsrc2 + a 1 kHz sine in real time (-re), H.264 with a 1 s GOP and
// AAC, as FLV ("flv", for rtmp:// URLs) or MPEG-TS ("mpegts", for srt:// URLs).
std::vector<std::string> encoder_argv(const std::string& url, const std::string& format,
                                      const std::string& size = "640x360", int seconds = 0);

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string describe() const;
};
// GET (or another method) on http://127.0.0.1:PORT/...; throws on a network error or a timeout.
HttpReply http_request(const std::string& url, const std::string& method = "GET",
                       const std::map<std::string, std::string>& headers = {}, const std::string& body = "",
                       Ms timeout = 10s);
inline HttpReply http_get(const std::string& url) { return http_request(url); }

// ffprobe -show_streams of a URL or file, as JSON ({"streams": [...]}); throws with its stderr.
nlohmann::json ffprobe_streams(const std::string& url, Ms timeout = 30s);

// A started bvlived in `dir` (listeners on loopback, any free ports), with `config_text` as
// its bvlived.toml ("" = an empty one). Fails the test case when it does not start.
std::unique_ptr<DaemonProcess> start_daemon(const TempDir& dir, const std::string& config_text = "");

struct Ports {
  int rtmp = 0, srt = 0, http = 0, webrtc = 0, api = 0, https = 0, rtmps = 0;
};
Ports ports_of(const Cli& cli);  // from `bvlive status --json`

// Every process whose parent is `parent`, as "PID comm" (from /proc).
std::vector<std::string> children_of(pid_t parent);
// Processes whose parent is `parent` and whose command name is `name` (from /proc).
std::vector<pid_t> children_named(pid_t parent, const std::string& name);

// Lines of an HLS playlist that start with `tag` ("#EXTINF", "#EXT-X-DISCONTINUITY", ...).
std::vector<std::string> playlist_lines(const std::string& playlist, const std::string& tag);
// How many lines are exactly `line` ("#EXT-X-DISCONTINUITY").
std::size_t count_lines(const std::string& playlist, const std::string& line);
// The segment URIs of a media playlist, in order.
std::vector<std::string> playlist_uris(const std::string& playlist);

}  // namespace bvtest
