// bench_transcode: what the transcoding packager costs, per live channel.
//
// Generates once a 1920x1080 and a 1280x720 25 fps H.264 + AAC FLV test source (lavfi
// testsrc2 + sine, x264 ultrafast, a keyframe every 2 s) and a small PNG watermark, then for
// each configuration runs the real ffmpeg with the argv bvlived would give it
// (ladder::plan_renditions -> ffmpeg::packager_command, mapped as daemon/sessions/session.cpp
// launch_packager() does), the FLV fed on stdin from the file at full speed (no -re), every
// output fd (1, 3, 4, ...) read and counted by this process. Measured: wall time (so the
// realtime factor = media seconds / wall seconds) and the child's CPU time (wait4: user +
// sys), i.e. CPU seconds per media second = the cores one live channel needs in real time.
//
// Configurations: passthrough (hd tier, 720p source, copied: the baseline); hd tier with a
// 1080p source (scaled to 720p); the same with a watermark; an fhd ABR ladder (1080p copied +
// 720p/480p/360p); the same with a watermark (every rendition encoded); an hd ABR ladder
// from the 1080p source (720p + 480p + 360p encoded).
//
// Benchmarks report, they never fail on timing: exit 0 when the figures are printed, 1 when
// something broke (ffmpeg failed, an output stayed empty, the media was not all processed:
// a FAIL line says which), 2 on bad usage.
//
// Run: share/scripts/bench.sh --only bench_transcode [--quick] [--preset veryfast] ...
#include "../common/bench_files.hpp"
#include "../common/bench_options.hpp"
#include "../common/bench_report.hpp"
#include "../common/bench_run.hpp"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "config/settings.hpp"
#include "core/media/ffmpeg/packager_command.hpp"
#include "core/media/ladder/rendition_plan.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// ---------------------------------------------------------------- options

struct Options {
  int seconds = 20;              // length of the generated sources
  std::string preset = "veryfast";  // x264 -preset of the encoded renditions (the daemon's default)
  std::string only;              // run only the configurations whose name contains this
  bool keep = false;
  std::string base_dir;
  std::string ffmpeg = "ffmpeg";
};


void print_help() {
  std::cout <<
      "usage: bench_transcode [options]\n"
      "  --seconds S     length of the generated test sources (default 20)\n"
      "  --quick         smoke run: --seconds 8\n"
      "  --preset P      x264 preset of the encoded renditions (default veryfast, as bvlived's\n"
      "                  [transcode] preset)\n"
      "  --only TEXT     run only the configurations whose name contains TEXT (passthrough always runs)\n"
      "  --ffmpeg PATH   ffmpeg for the sources and the packagers (default: ffmpeg from PATH)\n"
      "  --dir DIR       make the temporary work directory under DIR (default $TMPDIR or /tmp)\n"
      "  --keep          keep the work directory (sources, ffmpeg logs) afterwards\n"
      "Exit status: 0 figures printed, 1 something broke (ffmpeg failed, an output was empty), 2 usage.\n";
}

Options parse_args(int argc, char** argv) {
  Options o;
  bool quick = false;
  std::optional<int> seconds;
  bvbench::OptionTable("bench_transcode", print_help)
      .flag("--quick", quick)
      .number("--seconds", seconds, 3600)
      .text("--preset", o.preset, true)
      .text("--only", o.only, true)
      .text("--ffmpeg", o.ffmpeg, true)
      .text("--dir", o.base_dir, true)
      .flag("--keep", o.keep)
      .parse(argc, argv);
  if (quick) o.seconds = 8;
  if (seconds) o.seconds = *seconds;
  if (o.base_dir.empty()) o.base_dir = bvbench::default_base_dir();
  return o;
}

// ---------------------------------------------------------------- failures, signals, text

using bvbench::Broken;
using bvbench::check_signal;
using bvbench::errno_text;
using bvbench::g_signal;
using bvbench::nap;

using bvbench::fmt;
using bvbench::loadavg;
using bvbench::seconds_since;
using bvbench::tail_of_file;

// The last value of a key=value line in a file (ffmpeg's -progress blocks), or empty.
std::string last_value(const std::string& path, const std::string& key) {
  std::ifstream f(path);
  std::string line, value;
  while (std::getline(f, line))
    if (line.rfind(key + "=", 0) == 0) value = line.substr(key.size() + 1);
  return value;
}

// ---------------------------------------------------------------- fds and child processes

using bvbench::Fd;

// How a child ended, with its resources (wait4).
struct Exit {
  int status = 0;
  rusage usage{};
  double wall_s = 0;
  bool ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
  std::string describe() const {
    if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
  }
  double cpu_s() const {
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(usage.ru_utime) + s(usage.ru_stime);
  }
  double max_rss_mb() const { return static_cast<double>(usage.ru_maxrss) / 1024; }  // KiB on Linux
};

// One child process we started: stdin from a file (or /dev/null), stderr to a log, and the
// given pipe write ends on the given fds. SIGKILLed and reaped on destruction if still running.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& stdin_path, const std::string& log,
        const std::vector<std::pair<int, int>>& fd_map)  // {target fd, source fd}
      : started_(Clock::now()) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw Broken(errno_text("fork"));
    if (pid_ == 0) {
      ::signal(SIGINT, SIG_IGN);  // Ctrl-C reaches the benchmark, which stops us
      ::signal(SIGPIPE, SIG_DFL);
      // Sources out of the way first (high, close-on-exec), so a target never overwrites one.
      std::vector<std::pair<int, int>> moved;
      for (const auto& [target, source] : fd_map) moved.emplace_back(target, ::fcntl(source, F_DUPFD_CLOEXEC, 100));
      int in = ::open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
      int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int out = ::open("/dev/null", O_WRONLY);
      bool fine = in >= 0 && err >= 0 && out >= 0 && ::dup2(in, STDIN_FILENO) >= 0 &&
                  ::dup2(err, STDERR_FILENO) >= 0 && ::dup2(out, STDOUT_FILENO) >= 0;
      for (const auto& [target, source] : moved) fine = fine && source >= 0 && ::dup2(source, target) >= 0;
      if (fine) ::execvp(args[0], args.data());
      const std::string msg = std::string("bench_transcode: ") + (fine ? "cannot run " + argv[0] : "fd setup failed") +
                              ": " + std::strerror(errno) + "\n";
      ssize_t ignored = ::write(err >= 0 ? err : STDERR_FILENO, msg.data(), msg.size());
      (void)ignored;
      ::_exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Non-blocking: the exit once the child has ended.
  std::optional<Exit> poll_exit() {
    if (pid_ <= 0) return std::nullopt;
    Exit e;
    pid_t r = ::wait4(pid_, &e.status, WNOHANG, &e.usage);
    if (r != pid_) return std::nullopt;
    e.wall_s = seconds_since(started_);
    pid_ = -1;
    return e;
  }
  void kill() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  }

 private:
  pid_t pid_ = -1;
  Clock::time_point started_;
};

// Runs argv to completion (no output fds), for the test sources; throws on failure.
void run_to_end(const std::vector<std::string>& argv, const std::string& log, double timeout_s, const std::string& what) {
  Child c(argv, "", log, {});
  const auto t0 = Clock::now();
  for (;;) {
    check_signal();
    if (auto e = c.poll_exit()) {
      if (!e->ok()) throw Broken(what + " with " + argv[0] + " failed (" + e->describe() + "):\n" + tail_of_file(log, 10));
      return;
    }
    if (seconds_since(t0) > timeout_s) throw Broken(what + " took over " + fmt(timeout_s, 0) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// ---------------------------------------------------------------- sources

struct Sources {
  std::string fhd, hd, watermark;
};

std::string make_source(const Options& o, const std::string& dir, int width, int height, int kbps) {
  const std::string out = dir + "/source-" + std::to_string(height) + "p.flv";
  const std::string k = std::to_string(kbps) + "k";
  run_to_end({o.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
              "-f", "lavfi", "-i", "testsrc2=size=" + std::to_string(width) + "x" + std::to_string(height) + ":rate=25",
              "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
              "-t", std::to_string(o.seconds), "-c:v", "libx264", "-preset", "ultrafast",
              "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
              "-b:v", k, "-maxrate", k, "-bufsize", std::to_string(kbps * 2) + "k", "-pix_fmt", "yuv420p",
              "-c:a", "aac", "-b:a", "128k", "-f", "flv", out},
             dir + "/source-" + std::to_string(height) + "p.log", 60.0 + o.seconds * 20.0,
             "generating the " + std::to_string(height) + "p test source");
  return out;
}

Sources make_sources(const Options& o, const std::string& dir) {
  Sources s;
  s.fhd = make_source(o, dir, 1920, 1080, 5000);
  s.hd = make_source(o, dir, 1280, 720, 2800);
  // A translucent logo-sized PNG with an alpha channel, as users upload.
  s.watermark = dir + "/watermark.png";
  run_to_end({o.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
              "-f", "lavfi", "-i", "testsrc=size=320x120:rate=1", "-frames:v", "1",
              "-vf", "format=rgba,colorchannelmixer=aa=0.6", s.watermark},
             dir + "/watermark.log", 60, "generating the watermark image");
  return s;
}

// ---------------------------------------------------------------- one packager run

struct Config {
  std::string name;
  int tier_height = 720;
  bool abr = false;
  int source_height = 1080;
  bool watermark = false;
  std::string without_watermark;  // the configuration this one adds a watermark to
};

std::vector<Config> configurations() {
  return {
      {"passthrough (baseline)", 720, false, 720, false, ""},
      {"hd, 1080p source", 720, false, 1080, false, ""},
      {"hd + watermark", 720, false, 1080, true, "hd, 1080p source"},
      {"fhd ABR", 1080, true, 1080, false, ""},
      {"fhd ABR + watermark", 1080, true, 1080, true, "fhd ABR"},
      {"hd ABR, 1080p source", 720, true, 1080, false, ""},
  };
}

struct Result {
  bool ran = false;
  std::string renditions;  // ladder::describe
  double media_s = 0, wall_s = 0, cpu_s = 0, rss_mb = 0;
  std::vector<unsigned long long> output_bytes;
  double realtime() const { return media_s / wall_s; }
  double cpu_per_media_s() const { return cpu_s / media_s; }
};

// The daemon's plan for this configuration, and the argv launch_packager() builds from it.
std::pair<std::vector<bvlive::ladder::PlannedRendition>, std::vector<std::string>> packager_for(
    const Options& o, const Config& c, const Sources& s) {
  bvlive::ladder::PlanInput in;
  in.tier_height = c.tier_height;
  in.abr = c.abr;
  in.source_height = c.source_height;
  in.watermark = c.watermark;
  const auto plan = bvlive::ladder::plan_renditions(in);
  const bvlive::TranscodeSettings t;  // the daemon's defaults, but for the preset
  bvlive::ffmpeg::PackagerArgs args;
  args.ffmpeg = o.ffmpeg;
  args.input = bvlive::ffmpeg::InputFormat::Flv;
  if (!bvlive::ladder::is_passthrough(plan)) {
    for (const auto& r : plan) args.renditions.push_back({r.copy, r.height, r.video_kbps});
    if (c.watermark)
      args.watermark = {s.watermark, bvlive::ffmpeg::Corner::TopRight, t.watermark_width, t.watermark_margin};
    args.preset = o.preset;
    args.keyframe_interval = t.keyframe_interval;
    args.audio_kbps = t.audio_kbps;
  }
  return {plan, bvlive::ffmpeg::packager_command(args)};
}

Result run_config(const Options& o, const Config& c, const Sources& s, const std::string& dir, int index) {
  Result r;
  auto [plan, argv] = packager_for(o, c, s);
  r.renditions = bvlive::ladder::describe(plan);
  const std::size_t outputs = bvlive::ladder::is_passthrough(plan) ? 1 : plan.size();
  const std::string log = dir + "/packager-" + std::to_string(index) + ".log";
  {
    std::ofstream cmd(dir + "/packager-" + std::to_string(index) + ".cmd");
    for (const auto& a : argv) cmd << "'" << a << "' ";
    cmd << "\n";
  }

  // One pipe per output, its read end here (non-blocking), its write end on rendition_fd(i).
  std::vector<Fd> readers, writers;
  std::vector<std::pair<int, int>> fd_map;
  for (std::size_t i = 0; i < outputs; ++i) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw Broken(errno_text("pipe2"));
    readers.emplace_back(p[0]);
    writers.emplace_back(p[1]);
    ::fcntl(p[0], F_SETFL, ::fcntl(p[0], F_GETFL) | O_NONBLOCK);
    fd_map.emplace_back(bvlive::ffmpeg::rendition_fd(i), p[1]);
  }
  Child child(argv, c.source_height == 1080 ? s.fhd : s.hd, log, fd_map);
  writers.clear();  // the child's copies only: EOF once it exits

  r.output_bytes.assign(outputs, 0);
  std::vector<bool> open(outputs, true);
  std::vector<char> buf(1 << 16);
  const double timeout_s = 120.0 + o.seconds * 30.0;
  const auto t0 = Clock::now();
  std::optional<Exit> exit;
  for (;;) {
    check_signal();
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < outputs; ++i)
      if (open[i]) {
        fds.push_back({readers[i].get(), POLLIN, 0});
        which.push_back(i);
      }
    if (fds.empty()) break;
    int n = ::poll(fds.data(), fds.size(), 100);
    if (n < 0 && errno != EINTR) throw Broken(errno_text("poll"));
    for (std::size_t k = 0; n > 0 && k < fds.size(); ++k) {
      if (!fds[k].revents) continue;
      const std::size_t i = which[k];
      for (;;) {
        ssize_t got = ::read(readers[i].get(), buf.data(), buf.size());
        if (got > 0) {
          r.output_bytes[i] += static_cast<unsigned long long>(got);
          continue;
        }
        if (got == 0) open[i] = false;
        else if (errno != EAGAIN && errno != EINTR) throw Broken(errno_text("read from the packager"));
        break;
      }
    }
    if (seconds_since(t0) > timeout_s) {
      child.kill();
      throw Broken(c.name + ": ffmpeg did not finish within " + fmt(timeout_s, 0) + " s; its log:\n" +
                   tail_of_file(log, 15));
    }
  }
  // Every output is at EOF: the child has exited (or is about to).
  while (!(exit = child.poll_exit())) {
    check_signal();
    if (seconds_since(t0) > timeout_s) {
      child.kill();
      throw Broken(c.name + ": ffmpeg closed its outputs but did not exit");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!exit->ok())
    throw Broken(c.name + ": ffmpeg " + exit->describe() + "; its log (" + log + "):\n" + tail_of_file(log, 15));
  for (std::size_t i = 0; i < outputs; ++i)
    if (r.output_bytes[i] == 0)
      throw Broken(c.name + ": output " + std::to_string(i) + " (fd " + std::to_string(bvlive::ffmpeg::rendition_fd(i)) +
                   ") stayed empty; log " + log);
  // The media actually processed, from ffmpeg's own -progress report.
  const std::string out_us = last_value(log, "out_time_us");
  char* end = nullptr;
  const double processed = out_us.empty() ? 0 : std::strtod(out_us.c_str(), &end) / 1e6;
  if (processed < o.seconds * 0.9)
    throw Broken(c.name + ": ffmpeg processed " + fmt(processed, 2) + " s of the " + std::to_string(o.seconds) +
                 " s source; log " + log);
  r.media_s = processed;
  r.wall_s = exit->wall_s;
  r.cpu_s = exit->cpu_s();
  r.rss_mb = exit->max_rss_mb();
  r.ran = true;
  return r;
}

// ---------------------------------------------------------------- report

std::string ratio(double a, double b, int prec = 1) { return a > 0 && b > 0 ? fmt(a / b, prec) + "x" : "-"; }

std::string megabytes(const Result& r) {
  std::string out;
  for (auto b : r.output_bytes) out += (out.empty() ? "" : "+") + fmt(static_cast<double>(b) / 1e6, 1);
  return out;
}

int run(const Options& o) {
  const bvbench::WorkDir work(o.base_dir, "bench_transcode", o.keep);
  const std::string& dir = work.path();

  const long cores = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("bench_transcode: bvlived's packager (the real ffmpeg, argv from ffmpeg::packager_command)\n");
  bvbench::print_machine(dir, {{"ffmpeg", o.ffmpeg}, {"x264 preset", o.preset + " (the encoded renditions)"}});
  std::fflush(stdout);

  const auto t_src = Clock::now();
  const Sources s = make_sources(o, dir);
  std::printf("  sources: %d s of testsrc2 + sine, H.264 (x264 ultrafast, keyframe every 2 s) + AAC, 25 fps, FLV:\n"
              "    1080p %.1f MB, 720p %.1f MB (made in %.1f s); watermark 320x120 RGBA PNG, top right\n",
              o.seconds, static_cast<double>(fs::file_size(s.fhd)) / 1e6,
              static_cast<double>(fs::file_size(s.hd)) / 1e6, seconds_since(t_src));
  std::printf("  each run: the FLV on stdin at full speed (no -re), every output fd read here;\n"
              "  wall time and the child's CPU (wait4: user+sys); media seconds from ffmpeg's -progress\n");
  std::fflush(stdout);

  const auto configs = configurations();
  std::vector<Result> results(configs.size());
  bool failed = false;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const Config& c = configs[i];
    if (i > 0 && !o.only.empty() && c.name.find(o.only) == std::string::npos) continue;
    std::printf("  [%zu/%zu] %s ... ", i + 1, configs.size(), c.name.c_str());
    std::fflush(stdout);
    try {
      results[i] = run_config(o, c, s, dir, static_cast<int>(i));
      const Result& r = results[i];
      std::printf("%.1f s wall, %.1f s CPU, outputs %s MB (load %s)\n", r.wall_s, r.cpu_s, megabytes(r).c_str(),
                  loadavg().c_str());
    } catch (const Broken& e) {
      if (g_signal) throw;
      std::printf("\n  FAIL: %s\n", e.what());
      failed = true;
    }
    std::fflush(stdout);
  }

  auto find = [&](const std::string& name) -> const Result* {
    for (std::size_t i = 0; i < configs.size(); ++i)
      if (configs[i].name == name && results[i].ran) return &results[i];
    return nullptr;
  };
  const Result& base = results[0];
  std::printf("\nx264 preset %s, %ld cores; CPU/media-s = CPU seconds per media second = cores one live needs\n"
              "in real time; lives = how many this machine could carry in real time on CPU alone (%ld / that)\n",
              o.preset.c_str(), cores, cores);
  std::printf("| %-22s | %-48s | %8s | %11s | %6s | %7s | %11s | %9s |\n", "configuration", "renditions", "realtime",
              "CPU/media-s", "lives", "RSS MB", "CPU vs pass", "wm vs no");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(24, '-').c_str(), std::string(50, '-').c_str(),
              std::string(10, '-').c_str(), std::string(13, '-').c_str(), std::string(8, '-').c_str(),
              std::string(9, '-').c_str(), std::string(13, '-').c_str(), std::string(11, '-').c_str());
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const Config& c = configs[i];
    const Result& r = results[i];
    if (!r.ran) continue;
    const double per = r.cpu_per_media_s();
    const std::string lives = per > 0 ? std::to_string(static_cast<long>(std::floor(cores / per))) : "-";
    const Result* without = c.without_watermark.empty() ? nullptr : find(c.without_watermark);
    std::printf("| %-22s | %-48s | %7sx | %11s | %6s | %7s | %11s | %9s |\n", c.name.c_str(), r.renditions.c_str(),
                fmt(r.realtime(), 1).c_str(), fmt(per, per < 0.1 ? 4 : 3).c_str(), lives.c_str(), fmt(r.rss_mb, 0).c_str(),
                i == 0 ? "1.0x" : base.ran ? ratio(per, base.cpu_per_media_s()).c_str() : "-",
                without ? ratio(per, without->cpu_per_media_s(), 2).c_str() : "-");
  }
  std::printf("  (realtime: media seconds / wall seconds with the whole machine; lives: the packager alone,\n"
              "   not the daemon's own CPU; RSS: the packager's peak;\n"
              "   CPU vs pass: CPU/media-s over the passthrough baseline's; wm vs no: over the same plan\n"
              "   without a watermark)\n");
  std::printf("load average at end: %s\n", loadavg().c_str());
  std::fflush(stdout);
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  return bvbench::run_bench("bench_transcode", [&] { return run(o); });
}
