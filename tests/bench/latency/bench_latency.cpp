// bench_latency: glass-to-glass latency in a real player, bvlive against nginx-rtmp.
//
// ffmpeg pushes a 1280x720 25 fps test pattern in real time over RTMP (x264 zerolatency, 1 s
// keyframe interval, AAC) whose top rows carry the wall-clock time each frame was made, in
// black and white blocks (tests/bench/common/clock_pattern.hpp). Headless Chromium plays the
// HLS with hls.js (the npm package the web_assets target installs) on
// tests/data/player/player.html, which every second draws the frame on screen to a canvas,
// reads the time back and logs now minus that time. One run measures, one after the other:
//   (a) bvlive ULL: a live created with --ull, hls.js lowLatencyMode on (LL-HLS when the
//       daemon serves it: the report says whether hls.js saw parts);
//   (b) bvlive standard: a live without --ull ([media] segment_duration, 2 s by default),
//       hls.js lowLatencyMode off;
//   (c) nginx-rtmp (Debian's libnginx-mod-rtmp) HLS with hls_fragment 1s and a short
//       playlist, served by the same nginx over HTTP, hls.js lowLatencyMode off.
// Each: a warm-up once playback starts, then --seconds of one-second samples; median and p95
// per server, ratios against nginx, the machine's load. Every reading is checked (a real
// time, not in the future, never going back) so a misread clock breaks the run instead of
// printing a figure.
//
// Benchmarks report, they never fail on timing: exit 0 when the figures are printed, 1 when
// something broke (a server did not start, the player did not play, the clock was unreadable),
// 2 on bad usage.
//
// Run: share/scripts/bench.sh --only bench_latency [--quick] [--seconds N]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../common/bench_files.hpp"
#include "../common/bench_options.hpp"
#include "../common/bench_report.hpp"
#include "../common/bench_run.hpp"
#include "../common/clock_pattern.hpp"
#include "../common/nginx_rtmp.hpp"
#include "support/browser.hpp"
#include "support/process.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using bvbench::fmt;
using bvbench::loadavg;
using bvbench::seconds_since;
using bvbench::tail_of_file;

// ---------------------------------------------------------------- options

struct Options {
  int seconds = 60;  // measured window per scenario
  int warmup = 10;   // s after playback starts before measuring
  bool run_ull = true, run_standard = true, run_nginx = true;
  bool keep = false;
  std::string base_dir;
  std::string ffmpeg = "ffmpeg";
  std::string chromium = "chromium";
  std::string nginx = "/usr/sbin/nginx";
  std::string rtmp_module = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
  std::string hls_js = bvtest::hls_js_path();
  std::string preset = "veryfast";
};

[[noreturn]] void usage_error(const std::string& msg) { bvbench::usage_error("bench_latency", msg); }

void print_help() {
  std::cout <<
      "usage: bench_latency [options]\n"
      "  --seconds S         one-second samples measured per server (default 60)\n"
      "  --warmup S          seconds of playback before measuring (default 10)\n"
      "  --quick             smoke run: --seconds 15 --warmup 5\n"
      "  --no-ull            skip bvlive ULL    --no-standard  skip bvlive standard    --no-nginx  skip nginx-rtmp\n"
      "  --preset P          x264 preset of the pusher (default veryfast)\n"
      "  --dir DIR           make the temporary work directory under DIR (default $TMPDIR or /tmp)\n"
      "  --keep              keep the work directory (logs, state, HLS output, player reports)\n"
      "  --ffmpeg PATH       ffmpeg for the pusher (default: ffmpeg from PATH)\n"
      "  --chromium PATH     the browser (default: chromium from PATH, Debian's chromium package)\n"
      "  --hls-js FILE       hls.min.js (default: the one the web_assets target installed)\n"
      "  --nginx PATH        nginx binary (default /usr/sbin/nginx)\n"
      "  --rtmp-module PATH  (default /usr/lib/nginx/modules/ngx_rtmp_module.so, libnginx-mod-rtmp)\n"
      "Exit status: 0 figures printed, 1 something broke, 2 usage.\n";
}

Options parse_args(int argc, char** argv) {
  Options o;
  bool quick = false;
  std::optional<int> seconds, warmup;
  bvbench::OptionTable("bench_latency", print_help)
      .flag("--quick", quick)
      .number("--seconds", seconds, 86400)
      .number("--warmup", warmup, 3600)
      .flag("--no-ull", o.run_ull, false)
      .flag("--no-standard", o.run_standard, false)
      .flag("--no-nginx", o.run_nginx, false)
      .text("--preset", o.preset)
      .text("--dir", o.base_dir)
      .flag("--keep", o.keep)
      .text("--ffmpeg", o.ffmpeg)
      .text("--chromium", o.chromium)
      .text("--hls-js", o.hls_js)
      .text("--nginx", o.nginx)
      .text("--rtmp-module", o.rtmp_module)
      .parse(argc, argv);
  if (quick) {
    o.seconds = 15;
    o.warmup = 5;
  }
  if (seconds) o.seconds = *seconds;
  if (warmup) o.warmup = *warmup;
  if (!o.run_ull && !o.run_standard && !o.run_nginx) usage_error("--no-ull, --no-standard and --no-nginx leave nothing");
  if (o.base_dir.empty()) o.base_dir = bvbench::default_base_dir();
  return o;
}

// ---------------------------------------------------------------- failures and signals

using bvbench::Broken;
using bvbench::check_signal;
using bvbench::g_signal;
using bvbench::nap;

// Polls `done` every 250 ms for up to `timeout`; `check` throws when something died.
template <typename Done, typename Check>
bool wait_until(Done&& done, std::chrono::seconds timeout, Check&& check) {
  const auto t0 = Clock::now();
  for (;;) {
    check();
    if (done()) return true;
    if (Clock::now() - t0 > timeout) return false;
    nap(std::chrono::milliseconds(250));
  }
}

// A child stopped with SIGTERM (then SIGKILL) when it goes out of scope: nginx's workers and
// ffmpeg's output need the master to shut down in order.
class Child {
 public:
  Child(std::vector<std::string> argv, const std::string& log)
      : name_(argv.at(0)), log_(log), p_(std::make_unique<bvtest::BackgroundProcess>(std::move(argv), log)) {}
  ~Child() { p_->stop(SIGTERM, std::chrono::seconds(10)); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  void check() {
    if (!p_->running())
      throw Broken(name_ + " exited (" + std::to_string(p_->exit_code().value_or(-1)) + "); its log:\n" +
                   tail_of_file(log_, 15));
  }
  const std::string& log() const { return log_; }

 private:
  std::string name_, log_;
  std::unique_ptr<bvtest::BackgroundProcess> p_;
};

// ---------------------------------------------------------------- one measurement

struct Result {
  bool ran = false;
  std::vector<double> g2g;        // seconds, one per readable sample in the window
  std::vector<double> hls_latency;  // hls.latency, seconds
  int samples = 0;                // reports in the window
  int stalls = 0;                 // reports in which the video did not advance half a second
  int errors = 0, fatal = 0;      // hls.js ERROR events in the window
  bool ll_seen = false;           // hls.js saw parts (LL-HLS)
  double part_target = 0, target_duration = 0;
  int parts = 0, part_loads = 0, frag_loads = 0;
  bool can_block_reload = false;
  double startup_s = 0;           // browser start to "player: ready"
  std::string load_before, load_after;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

// Plays `url` in headless Chromium for the warm-up and the window; `check` throws when the
// server or the pusher died.
template <typename Check>
Result measure(const Options& o, const std::string& dir, const std::string& name, const std::string& url, bool ll,
               Check&& check) {
  Result r;
  const std::string page = bvtest::file_url(std::string(BVLIVE_TEST_DATA) + "/player/player.html",
                                            {{"hls", "file://" + o.hls_js}, {"src", url}, {"ll", ll ? "1" : "0"}});
  bvtest::BrowserOptions bo;
  bo.binary = o.chromium;
  bvtest::HeadlessBrowser browser(page, dir, name, bo);
  auto messages = [&] { return browser.messages("player: "); };
  auto all_messages = [&] {
    std::string s;
    for (const auto& m : messages()) s += "    | " + m.substr(0, 400) + "\n";
    return s;
  };
  auto alive = [&] {
    check();
    if (!browser.running()) throw Broken("chromium exited; its log:\n" + tail_of_file(dir + "/" + name + ".log", 15));
    for (const auto& m : messages())
      if (m.starts_with("failed")) throw Broken("the player page " + m);
  };
  const auto t0 = Clock::now();
  auto ready = [&] {
    const auto m = messages();
    return std::find(m.begin(), m.end(), "ready") != m.end();
  };
  if (!wait_until(ready, std::chrono::seconds(60), alive))
    throw Broken("the player did not start playing " + url + " within 60 s; its reports:\n" + all_messages());
  r.startup_s = seconds_since(t0);
  nap(std::chrono::seconds(o.warmup));
  alive();
  const std::size_t first = browser.json_messages("player: ").size();
  r.load_before = loadavg();
  const auto t_window = Clock::now();
  auto window_full = [&] { return browser.json_messages("player: ").size() >= first + static_cast<std::size_t>(o.seconds); };
  if (!wait_until(window_full, std::chrono::seconds(o.seconds + 30), alive))
    throw Broken("the player stopped reporting (" + fmt(seconds_since(t_window), 0) + " s into the window)");
  r.load_after = loadavg();
  const auto reports = browser.json_messages("player: ");
  std::int64_t last_frame = 0;
  double last_time = -1;
  std::string unreadable;
  for (std::size_t i = first; i < reports.size() && i < first + static_cast<std::size_t>(o.seconds); ++i) {
    const json& s = reports[i];
    ++r.samples;
    const double t = s.value("currentTime", 0.0);
    if (s.value("paused", true) || (last_time >= 0 && t - last_time < 0.5)) ++r.stalls;
    last_time = t;
    if (s["latency"].is_number()) r.hls_latency.push_back(s["latency"].get<double>());
    if (!s.contains("frame_ms")) {
      unreadable = s.value("clock", std::string("?"));
      continue;
    }
    const auto frame = s["frame_ms"].get<std::int64_t>(), now = s["now_ms"].get<std::int64_t>();
    // A misread strip is off by hours or runs backwards; a real one cannot be in the future.
    if (frame > now || now - frame > 120000 || frame < last_frame)
      throw Broken("the clock read from the picture makes no sense (frame " + std::to_string(frame) + ", now " +
                   std::to_string(now) + ", previous frame " + std::to_string(last_frame) + "): " + s.dump());
    last_frame = frame;
    r.g2g.push_back(static_cast<double>(now - frame) / 1000);
  }
  if (r.g2g.size() * 2 < static_cast<std::size_t>(r.samples))
    throw Broken("the clock strip was readable in " + std::to_string(r.g2g.size()) + " of " + std::to_string(r.samples) +
                 " samples (last reason: " + unreadable + ")");
  // Errors are counted over the whole playback (a fatal one before the window matters too).
  for (const auto& m : messages())
    if (m.starts_with("error ")) {
      ++r.errors;
      const json e = json::parse(m.substr(6), nullptr, false);
      if (e.is_object() && e.value("fatal", false)) ++r.fatal;
    }
  const json& last = reports[std::min(reports.size(), first + static_cast<std::size_t>(o.seconds)) - 1];
  r.part_target = last.value("part_target", 0.0);
  r.target_duration = last.value("target_duration", 0.0);
  r.parts = last.value("parts", 0);
  r.part_loads = last.value("part_loads", 0);
  r.frag_loads = last.value("frag_loads", 0);
  r.can_block_reload = last.value("can_block_reload", false);
  r.ll_seen = r.parts > 0 && r.part_target > 0;
  r.ran = true;
  return r;
}

// ---------------------------------------------------------------- the servers

// One live on a running bvlived, pushed and LIVE, measured, then its pusher stopped.
Result run_bvlive(const Options& o, bvtest::DaemonProcess& daemon, const std::string& dir, bool ull) {
  const std::string label = ull ? "ull" : "standard";
  bvtest::Cli cli(daemon.socket());
  auto check_daemon = [&] {
    if (!daemon.running()) throw Broken("bvlived exited; its log:\n" + tail_of_file(daemon.log_path(), 20));
  };
  const json status = cli.json({"status"});
  const int rtmp = status["listeners"]["rtmp"].get<int>(), http = status["listeners"]["http"].get<int>();
  std::vector<std::string> create = {"create", "--name", "latency " + label};
  if (ull) create.push_back("--ull");
  const json live = cli.json(create)["live"];
  const std::string id = live["id"].get<std::string>();
  cli.json({"preview", id});
  bvbench::ClockPattern p;
  p.preset = o.preset;
  Child pusher(bvbench::clock_pusher_argv(o.ffmpeg, "rtmp://127.0.0.1:" + std::to_string(rtmp) + "/live/" +
                                                        live["stream_key"].get<std::string>(), p),
               dir + "/pusher-" + label + ".log");
  auto check = [&] {
    check_daemon();
    pusher.check();
  };
  auto session_live = [&] {
    const json s = cli.json({"sessions", id})["sessions"];
    return !s.empty() && s[0]["state"] == "LIVE";
  };
  if (!wait_until(session_live, std::chrono::seconds(45), check))
    throw Broken("the " + label + " live has no LIVE session 45 s after the push started; bvlived's log:\n" +
                 tail_of_file(daemon.log_path(), 20));
  cli.json({"start", id});
  Result r = measure(o, dir, "chromium-" + label,
                     "http://127.0.0.1:" + std::to_string(http) + "/live/" + id + "/index.m3u8", ull, check);
  // Ended, so that no slate runs for it while the next live is measured.
  cli.json({"end", id});
  return r;
}

// nginx with the RTMP module writing HLS (1 s fragments) and serving it over HTTP.
Result run_nginx(const Options& o, const std::string& dir) {
  fs::create_directories(dir + "/hls");
  fs::create_directories(dir + "/logs");
  fs::create_directories(dir + "/tmp");
  const int rtmp = bvbench::free_port(), http = bvbench::free_port();
  const std::string conf = dir + "/nginx.conf", log = dir + "/logs/error.log";
  bvbench::NginxRtmpConf nc;
  nc.module = o.rtmp_module;
  nc.dir = dir;
  nc.rtmp_port = rtmp;
  nc.fragment_s = 1;
  nc.playlist_s = 4;
  nc.http_port = http;
  nc.worker_connections = 256;
  nc.comment = "bench_latency: nginx-rtmp HLS with 1 s fragments, served over HTTP";
  std::ofstream(conf) << bvbench::nginx_rtmp_conf(nc);
  Child nginx({o.nginx, "-p", dir, "-c", conf, "-e", log}, dir + "/logs/stderr.log");
  nap(std::chrono::milliseconds(500));
  nginx.check();
  bvbench::ClockPattern p;
  p.preset = o.preset;
  Child pusher(bvbench::clock_pusher_argv(o.ffmpeg, "rtmp://127.0.0.1:" + std::to_string(rtmp) + "/live/bench", p),
               dir + "/pusher.log");
  auto check = [&] {
    try {
      nginx.check();
    } catch (const Broken& e) {
      throw Broken(std::string(e.what()) + tail_of_file(log, 15));
    }
    pusher.check();
  };
  // Two fragments listed: enough for a player to start.
  auto listed = [&] {
    std::ifstream f(dir + "/hls/bench.m3u8");
    std::string line;
    int n = 0;
    while (std::getline(f, line)) n += line.rfind("#EXTINF:", 0) == 0;
    return n >= 2;
  };
  if (!wait_until(listed, std::chrono::seconds(45), check))
    throw Broken("nginx-rtmp listed no HLS fragment 45 s after the push started; its log:\n" + tail_of_file(log, 15));
  return measure(o, dir, "chromium-nginx", "http://127.0.0.1:" + std::to_string(http) + "/hls/bench.m3u8", false, check);
}

// ---------------------------------------------------------------- report

std::string sec(double v) { return std::isnan(v) ? "-" : fmt(v, 2); }
std::string ratio(double a, double b) { return std::isnan(a) || std::isnan(b) || b <= 0 ? "-" : fmt(a / b, 2); }

void print_row(const std::string& what, const std::string& a, const std::string& b, const std::string& c,
               const std::string& ra, const std::string& rb) {
  std::printf("| %-36s | %18s | %18s | %18s | %7s | %7s |\n", what.c_str(), a.c_str(), b.c_str(), c.c_str(), ra.c_str(),
              rb.c_str());
}

void print_report(const Result& u, const Result& s, const Result& n) {
  auto med = [](const Result& r) { return r.ran ? percentile(r.g2g, 0.5) : NAN; };
  auto p95 = [](const Result& r) { return r.ran ? percentile(r.g2g, 0.95) : NAN; };
  auto val = [](const Result& r, const std::string& v) { return r.ran ? v : std::string("-"); };
  std::printf("\nGlass-to-glass latency (s): now minus the capture time painted in the frame on screen\n");
  print_row("figure", "bvlive ULL", "bvlive standard", "nginx-rtmp 1 s", "ULL/ngx", "std/ngx");
  std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(38, '-').c_str(), std::string(20, '-').c_str(),
              std::string(20, '-').c_str(), std::string(20, '-').c_str(), std::string(9, '-').c_str(),
              std::string(9, '-').c_str());
  print_row("glass-to-glass median (s)", sec(med(u)), sec(med(s)), sec(med(n)), ratio(med(u), med(n)),
            ratio(med(s), med(n)));
  print_row("glass-to-glass p95 (s)", sec(p95(u)), sec(p95(s)), sec(p95(n)), ratio(p95(u), p95(n)),
            ratio(p95(s), p95(n)));
  auto minmax = [](const Result& r) {
    if (!r.ran || r.g2g.empty()) return std::string("-");
    const auto [lo, hi] = std::minmax_element(r.g2g.begin(), r.g2g.end());
    return fmt(*lo, 2) + " / " + fmt(*hi, 2);
  };
  print_row("glass-to-glass min / max (s)", minmax(u), minmax(s), minmax(n), "", "");
  auto hl = [](const Result& r) { return r.ran ? sec(percentile(r.hls_latency, 0.5)) : "-"; };
  print_row("hls.js latency median (s)", hl(u), hl(s), hl(n), "", "");
  auto samples = [&](const Result& r) {
    return val(r, std::to_string(r.g2g.size()) + " of " + std::to_string(r.samples));
  };
  print_row("clock samples read", samples(u), samples(s), samples(n), "", "");
  print_row("stalled samples", val(u, std::to_string(u.stalls)), val(s, std::to_string(s.stalls)),
            val(n, std::to_string(n.stalls)), "", "");
  auto errs = [&](const Result& r) { return val(r, std::to_string(r.errors) + " (" + std::to_string(r.fatal) + " fatal)"); };
  print_row("hls.js errors", errs(u), errs(s), errs(n), "", "");
  auto ll = [&](const Result& r) {
    return val(r, r.ll_seen ? "yes, part " + fmt(r.part_target, 3) + " s" : std::string("no"));
  };
  print_row("LL-HLS seen by hls.js", ll(u), ll(s), ll(n), "", "");
  auto loads = [&](const Result& r) {
    return val(r, std::to_string(r.frag_loads) + " / " + std::to_string(r.part_loads));
  };
  print_row("segment / part loads", loads(u), loads(s), loads(n), "", "");
  print_row("target duration (s)", val(u, fmt(u.target_duration, 0)), val(s, fmt(s.target_duration, 0)),
            val(n, fmt(n.target_duration, 0)), "", "");
  print_row("player start to first frame (s)", val(u, fmt(u.startup_s, 1)), val(s, fmt(s.startup_s, 1)),
            val(n, fmt(n.startup_s, 1)), "", "");
  print_row("load average, window start", val(u, u.load_before), val(s, s.load_before), val(n, n.load_before), "", "");
  print_row("load average, window end", val(u, u.load_after), val(s, s.load_after), val(n, n.load_after), "", "");
  if (u.ran && !u.ll_seen)
    std::printf("  note: the ULL live served no LL-HLS parts to hls.js: its figure is standard HLS with hls.js's\n"
                "  lowLatencyMode on (a daemon without LL-HLS, or parts not advertised)\n");
  std::fflush(stdout);
}

int run(const Options& o) {
  for (const char* v : {"BVLIVE_CONFIG", "BVLIVE_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"}) ::unsetenv(v);
  if (!fs::exists(o.hls_js))
    throw Broken("no hls.js at " + o.hls_js + ": build the web_assets target (ninja web_assets) or pass --hls-js FILE");
  if (o.run_nginx && !fs::exists(o.rtmp_module))
    throw Broken("no nginx RTMP module at " + o.rtmp_module +
                 " (apt-get install nginx-light libnginx-mod-rtmp, or --rtmp-module PATH, or --no-nginx)");
  const bvbench::WorkDir work(o.base_dir, "bench_latency", o.keep);
  const std::string& dir = work.path();

  std::printf("bench_latency: glass-to-glass latency in headless Chromium + hls.js, bvlive vs nginx-rtmp\n");
  bvbench::print_machine(dir, {{"bvlived", BVLIVED_BIN},
                               {"hls.js", o.hls_js},
                               {"player", std::string(BVLIVE_TEST_DATA) + "/player/player.html"}});
  std::printf("  pusher: ffmpeg -re testsrc2 1280x720 25 fps + clock strip, x264 %s zerolatency 2500k, 1 s GOP, AAC,\n"
              "  over RTMP; %d s warm-up after the first frame, then %d one-second samples per server\n",
              o.preset.c_str(), o.warmup, o.seconds);
  std::fflush(stdout);

  bool failed = false;
  Result ull, standard, nginx;
  auto attempt = [&](const char* what, auto&& body) {
    std::printf("\n[%s] pushing and playing... (load %s)\n", what, loadavg().c_str());
    std::fflush(stdout);
    try {
      body();
    } catch (const std::exception& e) {
      if (g_signal) throw;
      std::printf("  FAIL: %s: %s\n", what, e.what());
      failed = true;
    }
  };
  if (o.run_ull || o.run_standard) {
    const std::string ddir = dir + "/bvlived";
    fs::create_directories(ddir);
    bvtest::DaemonProcess daemon(ddir);
    try {
      daemon.start();
    } catch (const std::exception& e) {
      throw Broken(std::string("bvlived did not start: ") + e.what());
    }
    if (o.run_ull) attempt("bvlive ULL", [&] { ull = run_bvlive(o, daemon, dir, true); });
    if (o.run_standard) attempt("bvlive standard", [&] { standard = run_bvlive(o, daemon, dir, false); });
    if (daemon.stop() != 0) {
      std::printf("  FAIL: bvlived did not exit 0 on SIGTERM; its log:\n%s", tail_of_file(daemon.log_path(), 20).c_str());
      failed = true;
    }
  }
  if (o.run_nginx) attempt("nginx-rtmp", [&] { nginx = run_nginx(o, dir + "/nginx"); });
  print_report(ull, standard, nginx);
  std::printf("load average at end: %s\n", loadavg().c_str());
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  return bvbench::run_bench("bench_latency", [&] { return run(o); });
}
