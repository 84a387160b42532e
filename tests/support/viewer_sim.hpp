// A viewer simulator for the integration tests and benchmarks: many simulated HLS players
// (standard and LL-HLS) playing a live from origins or edge caches on loopback, all driven
// by one thread with poll(), each as a state machine with two keep-alive HTTP/1.1
// connections (the second for LL-HLS preload hints). Every object a viewer fetched is
// recorded in order, so that a test can check that nobody skipped or reordered anything.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bvtest {

struct ViewerSimOptions {
  std::string host = "127.0.0.1";
  std::vector<int> ports;             // viewer i plays from ports[i % size] (origins or edges)
  std::string target;                 // entry path with query: "/live/ID/index.m3u8?token=..."
  int viewers = 1;
  std::chrono::milliseconds play_for{20000};      // how long each viewer plays once started
  std::chrono::milliseconds start_spread{0};      // viewers join evenly over this span
  std::chrono::milliseconds request_timeout{10000};  // per request; LL-HLS holds last ~3 s
  std::chrono::milliseconds retry_after{250};     // after a connection error, timeout or 5xx
  // Viewer i binds source_addresses[i % size] ("127.0.0.7") before connecting, so that a
  // server sees distinct viewer addresses; empty: any.
  std::vector<std::string> source_addresses;
};

enum class FetchKind { Playlist, Init, Segment, Part, Hint };
const char* kind_name(FetchKind kind);

// One answered request, in the order the last bytes arrived.
struct Fetch {
  FetchKind kind = FetchKind::Playlist;
  std::int64_t msn = -1;  // media sequence number; for a playlist, the _HLS_msn asked for (-1: none)
  int part = -1;          // part index in its segment; -1 for a whole segment (or no _HLS_part)
  std::string path;       // URL path without its query
  int status = 0;
  std::size_t bytes = 0;  // body bytes
  std::chrono::system_clock::time_point received;  // when the last byte arrived
  bool held = false;      // the answer took over 100 ms (a blocking reload or hint held by the server)
};

struct ViewerResult {
  int index = 0;
  int port = 0;
  std::string source_address;
  bool low_latency = false;  // the media playlist was LL-HLS (and the viewer played parts)
  bool ended = false;        // it reached EXT-X-ENDLIST
  std::vector<Fetch> fetches;
  // For segments played part by part: how many parts the playlist listed for each, so that
  // order_problems knows when a segment was complete.
  std::map<std::int64_t, int> parts_per_segment;
  int hints_abandoned = 0;  // preload-hint requests dropped unanswered: the playlist showed that part would not come
  int retries = 0;  // requests made again after a connection error, timeout or 5xx
  std::vector<std::string> retry_reasons;  // why (the first 20): "GET ...: timed out", "HTTP 503"
  // "GET /x/seg_1.m4s: HTTP 404", "gap: ...", "never played: ...", answers longer than they
  // said. A refused preload hint is not one (hints are speculative): it is only a Fetch.
  std::vector<std::string> errors;
  std::chrono::system_clock::time_point started, finished;
};

// Runs all viewers to the end (each plays play_for after it joins); bounded by
// start_spread + play_for + request_timeout + a margin. Raises RLIMIT_NOFILE to its hard limit.
// Runs share nothing: several may go on at once in different threads.
std::vector<ViewerResult> run_viewers(const ViewerSimOptions& options);

// Every gap or out-of-order segment or part in what `viewer` fetched (answers 2xx only);
// empty when it played every segment and part in order from its first to its last.
std::vector<std::string> order_problems(const ViewerResult& viewer);

// The media it played: count of segments fetched whole plus segments completed by parts.
std::size_t segments_played(const ViewerResult& viewer);

struct ViewerTotals {
  std::size_t viewers = 0;
  std::size_t requests = 0;  // answered requests, all kinds
  std::map<FetchKind, std::size_t> by_kind;
  std::size_t bytes = 0;
  std::size_t held = 0;
  std::size_t not_2xx = 0;
  std::size_t errors = 0;
  std::size_t retries = 0;
  std::size_t hints_abandoned = 0;
  std::size_t order_problems = 0;
  double seconds = 0;              // first start to last finish
  double requests_per_second = 0;
  std::string describe() const;    // one line for logs and failure messages
};
ViewerTotals totals(const std::vector<ViewerResult>& results);

// One viewer's fetches, errors and order problems as text, for failure messages.
std::string describe(const ViewerResult& viewer, std::size_t max_fetches = 60);

// "127.0.0.2", "127.0.0.3", ... `count` distinct loopback addresses (skips .0, .1 and .255).
std::vector<std::string> loopback_addresses(int count);

}  // namespace bvtest
