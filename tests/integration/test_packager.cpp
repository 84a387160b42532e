#define BOOST_TEST_MODULE packager
#include <boost/test/unit_test.hpp>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "core/media/fmp4/segment_cutter.hpp"
#include "core/media/fmp4/stream_splitter.hpp"
#include "process/ffmpeg_process.hpp"
#include "support/process.hpp"
#include "uv/loop.hpp"
#include "uv/timer.hpp"

using namespace bvlive;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// The daemon ignores SIGPIPE (a write to an exited ffmpeg must fail, not kill it); so do we.
struct IgnoreSigpipe {
  IgnoreSigpipe() { std::signal(SIGPIPE, SIG_IGN); }
};
const IgnoreSigpipe ignore_sigpipe;

// 6 s of 640x360 25 fps H.264 (one keyframe a second) and 48 kHz AAC from a real ffmpeg.
std::vector<std::uint8_t> encoded_input(const std::string& format) {
  const auto result = bvtest::run(
      {"ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
       "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-t", "6", "-c:v", "libx264",
       "-g", "25", "-preset", "ultrafast", "-c:a", "aac", "-f", format, "pipe:1"},
      bvtest::with_timeout(60s));
  BOOST_TEST_REQUIRE(result.code == 0, result.describe());
  BOOST_TEST_REQUIRE(result.out.size() > 100000u);
  return {result.out.begin(), result.out.end()};
}

// Drives the loop until `done` or the timeout; a ticking timer keeps UV_RUN_ONCE from
// blocking when nothing else is pending.
bool run_until(uv_loop_t* loop, const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  uv::Timer tick(loop);
  tick.start(10, 10, [] {});
  const auto deadline = Clock::now() + timeout;
  while (!done() && Clock::now() < deadline) uv_run(loop, UV_RUN_ONCE);
  tick.stop();
  return done();
}

// Whether `pid` is gone (reaped) or at least no longer running (a zombie of someone else).
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) == -1 && errno == ESRCH) return true;
  return false;
}

char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return '?';
  return text[close + 2];
}

// Our children named ffmpeg, running or zombie, from /proc/<pid>/stat ("pid (comm) state ppid").
std::vector<pid_t> ffmpeg_children() {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto open = text.find('(');
    const auto close = text.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 >= text.size()) continue;
    const std::string comm = text.substr(open + 1, close - open - 1);
    const pid_t ppid = static_cast<pid_t>(std::atol(text.c_str() + close + 4));
    if (comm == "ffmpeg" && ppid == ::getpid()) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

// Everything an FfmpegProcess reported, with the output split and cut as the segmenter will.
struct Recording {
  std::vector<std::uint8_t> output;
  std::size_t output_reads = 0;
  std::vector<ffmpeg::Progress> progress;
  int media_info_calls = 0;
  std::optional<ffmpeg::MediaInfo> media_info;
  int exit_calls = 0;
  std::optional<FfmpegProcess::ExitStatus> exit;
  bool output_after_exit = false;

  fmp4::StreamSplitter splitter;
  std::vector<fmp4::InitSegment> inits;
  std::vector<fmp4::Fragment> fragments;
  std::vector<std::string> split_errors;

  FfmpegProcess::Callbacks callbacks() {
    FfmpegProcess::Callbacks c;
    c.on_output = [this](std::span<const std::uint8_t> bytes) {
      if (exit) output_after_exit = true;
      ++output_reads;
      output.insert(output.end(), bytes.begin(), bytes.end());
      for (auto& event : splitter.feed(bytes)) {
        if (auto* init = std::get_if<fmp4::InitSegment>(&event)) inits.push_back(std::move(*init));
        else if (auto* fragment = std::get_if<fmp4::Fragment>(&event)) fragments.push_back(std::move(*fragment));
        else split_errors.push_back(std::get<fmp4::SplitError>(event).message);
      }
    };
    c.on_progress = [this](const ffmpeg::Progress& p) { progress.push_back(p); };
    c.on_media_info = [this](const ffmpeg::MediaInfo& info) {
      ++media_info_calls;
      media_info = info;
    };
    c.on_exit = [this](const FfmpegProcess::ExitStatus& status) {
      ++exit_calls;
      exit = status;
    };
    return c;
  }
};

ffmpeg::PackagerArgs args_for(ffmpeg::InputFormat input) {
  ffmpeg::PackagerArgs args;
  args.ffmpeg = "ffmpeg";
  args.input = input;
  return args;
}

// Writes `input` in chunks of uneven sizes; every write must be accepted.
void feed(FfmpegProcess& packager, const std::vector<std::uint8_t>& input) {
  std::size_t at = 0;
  std::size_t chunk = 4000;
  while (at < input.size()) {
    const std::size_t n = std::min(chunk, input.size() - at);
    BOOST_REQUIRE(packager.write(std::span<const std::uint8_t>(input.data() + at, n)));
    at += n;
    chunk = chunk * 7 % 65521 + 1000;  // 1 KB .. 66 KB
  }
}

// fragments_per_gop: 1 with one fragment per keyframe, 2 with 500 ms fragments.
void check_packaged_stream(Recording& r, const FfmpegProcess& packager, std::size_t fragments_per_gop) {
  BOOST_REQUIRE(r.exit.has_value());
  BOOST_TEST(r.exit_calls == 1);
  BOOST_TEST(r.exit->clean, r.exit->message);
  BOOST_TEST(r.exit->exit_code == 0);
  BOOST_TEST(r.exit->term_signal == 0);
  BOOST_TEST(!r.output_after_exit);
  BOOST_TEST(!packager.running());

  // What ffmpeg says it read.
  BOOST_TEST(r.media_info_calls == 1);
  BOOST_REQUIRE(r.media_info.has_value());
  BOOST_TEST(r.media_info->video_codec == "h264");
  BOOST_TEST(r.media_info->width == 640);
  BOOST_TEST(r.media_info->height == 360);
  BOOST_TEST(r.media_info->frame_rate == 25.0);
  BOOST_TEST(r.media_info->audio_codec == "aac");
  BOOST_TEST(r.media_info->sample_rate == 48000);
  BOOST_TEST(r.media_info->channels == 1);  // lavfi sine is mono

  BOOST_REQUIRE(!r.progress.empty());
  BOOST_TEST(r.progress.back().ended);
  bool some_speed = false;
  for (const auto& p : r.progress) some_speed = some_speed || p.speed.has_value();
  BOOST_TEST(some_speed);
  BOOST_TEST(r.progress.back().total_size.value_or(-1) == static_cast<std::int64_t>(r.output.size()));

  // The segmenter's view of the output.
  BOOST_TEST(r.split_errors.empty(), (r.split_errors.empty() ? "" : r.split_errors.front()));
  BOOST_REQUIRE_EQUAL(r.inits.size(), 1u);
  const auto& init = r.inits.front().info;
  const auto* video = init.video();
  BOOST_REQUIRE(video != nullptr);
  BOOST_TEST(video->width == 640u);
  BOOST_TEST(video->height == 360u);
  bool has_audio = false;
  for (const auto& track : init.tracks) has_audio = has_audio || track.kind == fmp4::TrackKind::audio;
  BOOST_TEST(has_audio);
  BOOST_TEST(r.splitter.buffered() == 0u);

  // One fragment per GOP (frag_keyframe), each starting at a keyframe.
  BOOST_TEST_MESSAGE("output " << r.output.size() << " bytes in " << r.output_reads << " reads, "
                               << r.fragments.size() << " fragments, " << r.splitter.dropped_boxes()
                               << " boxes dropped, " << r.progress.size() << " progress blocks");
  BOOST_TEST(r.fragments.size() == 6u * fragments_per_gop);
  fmp4::SegmentCutter cutter(2.0);
  std::vector<fmp4::Segment> segments;
  std::size_t independent = 0;
  for (auto& fragment : r.fragments) {
    auto timed = fmp4::timed_fragment(fragment.info, fragment.bytes);
    BOOST_REQUIRE(timed.has_value());
    BOOST_TEST_MESSAGE("fragment seq " << fragment.info.sequence_number << " start " << timed->start_seconds
                                       << " s, duration " << timed->duration_seconds << " s, "
                                       << fragment.bytes.size() << " bytes, independent "
                                       << timed->independent);
    if (timed->independent) ++independent;
    if (auto segment = cutter.push(std::move(*timed))) segments.push_back(std::move(*segment));
  }
  if (auto last = cutter.flush()) segments.push_back(std::move(*last));
  BOOST_TEST(independent == 6u);
  BOOST_TEST(r.fragments.front().info.starts_independent());
  BOOST_TEST(cutter.dropped_fragments() == 0u);

  BOOST_REQUIRE_EQUAL(segments.size(), 3u);
  double total = 0;
  for (const auto& segment : segments) {
    BOOST_TEST_MESSAGE("segment " << segment.sequence_number << " start " << segment.start_seconds
                                  << " s, duration " << segment.duration_seconds << " s, "
                                  << segment.fragments.size() << " fragments");
    BOOST_TEST(segment.duration_seconds == 2.0, boost::test_tools::tolerance(0.05));
    total += segment.duration_seconds;
  }
  BOOST_TEST(total == 6.0, boost::test_tools::tolerance(0.02));
}

void package_whole_stream(ffmpeg::InputFormat format, const std::string& ffmpeg_format,
                          int fragment_duration_ms = 0) {
  const auto input = encoded_input(ffmpeg_format);
  uv::Loop loop;
  Recording r;
  auto args = args_for(format);
  args.fragment_duration_ms = fragment_duration_ms;
  FfmpegProcess packager(loop.get(), args, r.callbacks());
  packager.start();
  BOOST_TEST(packager.running());
  BOOST_TEST(packager.pid() > 0);
  feed(packager, input);
  BOOST_TEST(packager.write_queue_bytes() <= input.size());
  packager.close_input();
  BOOST_TEST(!packager.write(std::span<const std::uint8_t>(input.data(), 10)));  // input is closed
  BOOST_REQUIRE(run_until(loop.get(), [&] { return r.exit.has_value(); }, 60s));
  BOOST_TEST(packager.write_queue_bytes() == 0u);
  check_packaged_stream(r, packager, fragment_duration_ms > 0 ? 1000 / fragment_duration_ms : 1);
  BOOST_TEST(packager.has_media_info());
  BOOST_TEST(packager.last_progress().has_value());
  BOOST_TEST(process_gone(packager.pid()));
  BOOST_TEST(ffmpeg_children().empty());
}

}  // namespace

BOOST_AUTO_TEST_CASE(flv_is_packaged_into_fragments_the_segmenter_cuts_in_two_seconds) {
  package_whole_stream(ffmpeg::InputFormat::Flv, "flv");
}

BOOST_AUTO_TEST_CASE(mpegts_is_packaged_into_fragments_the_segmenter_cuts_in_two_seconds) {
  package_whole_stream(ffmpeg::InputFormat::MpegTs, "mpegts");
}

BOOST_AUTO_TEST_CASE(half_second_fragments_still_make_two_second_segments_at_the_gop) {
  package_whole_stream(ffmpeg::InputFormat::Flv, "flv", 500);
}

BOOST_AUTO_TEST_CASE(garbage_input_ends_with_ffmpegs_error) {
  std::vector<std::uint8_t> garbage(300000);
  std::mt19937 random(42);
  for (auto& byte : garbage) byte = static_cast<std::uint8_t>(random());

  uv::Loop loop;
  Recording r;
  FfmpegProcess packager(loop.get(), args_for(ffmpeg::InputFormat::Flv), r.callbacks());
  packager.start();
  // ffmpeg may give up before reading it all: later writes are then refused or fail.
  for (std::size_t at = 0; at < garbage.size(); at += 10000)
    (void)packager.write(std::span<const std::uint8_t>(garbage.data() + at, 10000));
  packager.close_input();
  BOOST_REQUIRE(run_until(loop.get(), [&] { return r.exit.has_value(); }, 30s));
  BOOST_TEST(r.exit_calls == 1);
  BOOST_TEST(!r.exit->clean);
  BOOST_TEST(r.exit->exit_code != 0);
  BOOST_TEST(r.exit->term_signal == 0);
  BOOST_REQUIRE(!packager.errors().empty());
  BOOST_TEST_MESSAGE("garbage: " << r.exit->message);
  BOOST_TEST(r.exit->message ==
             "ffmpeg exited with code " + std::to_string(r.exit->exit_code) + ": " + packager.errors().back());
  BOOST_TEST(r.exit->message.find("could not find codec parameters") != std::string::npos, r.exit->message);
  BOOST_TEST(r.inits.empty());
  BOOST_TEST(r.media_info_calls == 0);
}

BOOST_AUTO_TEST_CASE(kill_mid_stream_reports_the_signal_and_leaves_no_zombie) {
  const auto input = encoded_input("flv");
  uv::Loop loop;
  Recording r;
  FfmpegProcess packager(loop.get(), args_for(ffmpeg::InputFormat::Flv), r.callbacks());
  packager.start();
  const pid_t pid = packager.pid();
  const std::vector<std::uint8_t> half(input.begin(), input.begin() + static_cast<long>(input.size() / 2));
  feed(packager, half);
  BOOST_REQUIRE(run_until(loop.get(), [&] { return !r.fragments.empty(); }, 30s));
  BOOST_TEST(packager.running());
  packager.kill();
  BOOST_REQUIRE(run_until(loop.get(), [&] { return r.exit.has_value(); }, 30s));
  BOOST_TEST(r.exit_calls == 1);
  BOOST_TEST(r.exit->term_signal == SIGKILL);
  BOOST_TEST(!r.exit->clean);
  BOOST_TEST(r.exit->message == "ffmpeg was killed by signal 9");
  BOOST_TEST(!packager.running());
  BOOST_TEST(!packager.write(std::span<const std::uint8_t>(input.data(), 10)));
  // on_exit comes after libuv's waitpid: nothing is left of the child.
  BOOST_TEST(process_gone(pid), "ffmpeg " << pid << " still exists, state " << process_state(pid));
  BOOST_TEST(ffmpeg_children().empty());
}

BOOST_AUTO_TEST_CASE(destroying_a_running_packager_kills_and_reaps_the_child) {
  const auto input = encoded_input("flv");
  uv::Loop loop;
  Recording r;
  auto packager = std::make_unique<FfmpegProcess>(loop.get(), args_for(ffmpeg::InputFormat::Flv), r.callbacks());
  packager->start();
  const pid_t pid = packager->pid();
  // ffmpeg probes about a second of input before it prints the input section.
  feed(*packager, std::vector<std::uint8_t>(input.begin(), input.begin() + static_cast<long>(input.size() / 2)));
  BOOST_REQUIRE(run_until(loop.get(), [&] { return r.media_info.has_value(); }, 30s));
  BOOST_REQUIRE(packager->running());
  BOOST_TEST((ffmpeg_children() == std::vector<pid_t>{pid}));
  packager.reset();
  BOOST_TEST(run_until(loop.get(), [&] { return process_gone(pid); }, 10s),
             "ffmpeg " << pid << " still exists, state " << process_state(pid));
  BOOST_TEST(r.exit_calls == 0);  // the owner is gone: no callback
  BOOST_TEST(ffmpeg_children().empty());
}

BOOST_AUTO_TEST_CASE(destroying_a_packager_from_its_own_callback_is_safe) {
  const auto input = encoded_input("flv");
  uv::Loop loop;
  std::unique_ptr<FfmpegProcess> packager;
  int outputs = 0;
  FfmpegProcess::Callbacks callbacks;
  callbacks.on_output = [&](std::span<const std::uint8_t>) {
    ++outputs;
    packager.reset();  // e.g. the session ends because the segmenter refused the stream
  };
  packager = std::make_unique<FfmpegProcess>(loop.get(), args_for(ffmpeg::InputFormat::Flv), callbacks);
  packager->start();
  const pid_t pid = packager->pid();
  feed(*packager, input);
  packager->close_input();
  BOOST_REQUIRE(run_until(loop.get(), [&] { return packager == nullptr; }, 30s));
  BOOST_TEST(outputs == 1);
  BOOST_TEST(run_until(loop.get(), [&] { return process_gone(pid); }, 10s));
}

BOOST_AUTO_TEST_CASE(a_full_write_queue_refuses_more_input) {
  uv::Loop loop;
  Recording r;
  // ffmpeg reads nothing before the loop runs, so a 64 KiB bound fills at once.
  FfmpegProcess packager(loop.get(), args_for(ffmpeg::InputFormat::Flv), r.callbacks(), 64 * 1024);
  packager.start();
  const std::vector<std::uint8_t> chunk(48 * 1024, 0);
  BOOST_TEST(packager.write(chunk));
  // The first write may have gone straight into the pipe; keep writing until refused.
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) refused = !packager.write(chunk);
  BOOST_TEST(refused);
  BOOST_TEST(packager.write_queue_bytes() <= 64u * 1024u);
  packager.kill();
  BOOST_REQUIRE(run_until(loop.get(), [&] { return r.exit.has_value(); }, 30s));
}

BOOST_AUTO_TEST_CASE(a_missing_ffmpeg_is_a_clear_error) {
  uv::Loop loop;
  Recording r;
  ffmpeg::PackagerArgs args = args_for(ffmpeg::InputFormat::Flv);
  args.ffmpeg = "ffmpeg-x";
  FfmpegProcess packager(loop.get(), args, r.callbacks());
  std::string message;
  try {
    packager.start();
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  BOOST_TEST(message == "cannot start the packager 'ffmpeg-x': no such file; set media.ffmpeg in bvlived.toml");
  BOOST_TEST(!packager.running());
  BOOST_TEST(!packager.write(std::span<const std::uint8_t>()));
}

// A daemon that dies (here: a forked copy that _exit()s without any cleanup) leaves its
// ffmpeg with stdin at EOF and stdout without a reader: ffmpeg must exit by itself.
BOOST_AUTO_TEST_CASE(ffmpeg_exits_by_itself_when_the_daemon_dies) {
  const auto input = encoded_input("flv");
  int report[2];
  BOOST_REQUIRE(::pipe(report) == 0);
  const pid_t daemon = ::fork();
  BOOST_REQUIRE(daemon >= 0);
  if (daemon == 0) {
    ::close(report[0]);
    pid_t ffmpeg_pid = -1;
    {
      uv::Loop loop;
      bool got_output = false;
      FfmpegProcess::Callbacks callbacks;
      callbacks.on_output = [&](std::span<const std::uint8_t>) { got_output = true; };
      FfmpegProcess packager(loop.get(), args_for(ffmpeg::InputFormat::Flv), callbacks);
      packager.start();
      ffmpeg_pid = packager.pid();
      (void)packager.write(std::span<const std::uint8_t>(input.data(), input.size() / 2));
      run_until(loop.get(), [&] { return got_output; }, 20s);
      (void)!::write(report[1], &ffmpeg_pid, sizeof ffmpeg_pid);
      ::_exit(0);  // no destructors: the packager is neither killed nor closed
    }
  }
  ::close(report[1]);
  pid_t ffmpeg_pid = -1;
  const auto got = ::read(report[0], &ffmpeg_pid, sizeof ffmpeg_pid);
  ::close(report[0]);
  int status = 0;
  ::waitpid(daemon, &status, 0);
  BOOST_REQUIRE_EQUAL(got, static_cast<ssize_t>(sizeof ffmpeg_pid));
  BOOST_REQUIRE(ffmpeg_pid > 0);
  // Reparented to init (or a subreaper), it is either reaped or at least a zombie: not running.
  const bool stopped = bvtest::poll_until(
      [&] {
        const char state = process_state(ffmpeg_pid);
        return process_gone(ffmpeg_pid) || state == 'Z' || state == '?';
      },
      10s, 50ms);
  if (!stopped) ::kill(ffmpeg_pid, SIGKILL);
  BOOST_TEST(stopped, "ffmpeg " << ffmpeg_pid << " still running after its daemon died");
}
