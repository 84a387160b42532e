#include "daemon/vod/vod_job.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "log/log.hpp"
#include "daemon/media/atomic_file.hpp"
#include "core/media/ffmpeg/vod_commands.hpp"
#include "core/media/hls/master_playlist.hpp"
#include "core/media/hls/renditions.hpp"
#include "core/media/hls/vod_playlist.hpp"
#include "daemon/media/link_or_copy.hpp"
#include "uv/work.hpp"
#include "core/vod/vod_summary.hpp"

namespace bvlive {
namespace {

namespace fs = std::filesystem;
constexpr const char* kWorkDir = ".mp4work";   // per-session parts for the MP4, removed after
constexpr const char* kReplaceDir = "replace";  // the cut library video, inside vod/

fmp4::Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return fmp4::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void append_file(std::ofstream& out, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  out << in.rdbuf();
}

// Starts from an empty vod/ folder: a retry must not list what a failed attempt left.
void reset_dir(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir + ": " + ec.message());
}

}  // namespace

VodJob::VodJob(uv_loop_t* loop, VodJobInput input, Done done)
    : loop_(loop), in_(std::move(input)), done_(std::move(done)), cutter_(in_.segment_duration, true) {}

VodJob::~VodJob() { finished_ = true; }

void VodJob::cancel() {
  finished_ = true;  // a dying ffmpeg reports nothing more
  if (ffmpeg_) ffmpeg_->kill();
}

void VodJob::start() {
  switch (in_.live.spec.live_vod.source) {
    case LiveVodSource::Catchup:
      // A DRM live's segments are encrypted: its VOD is HLS only, no MP4 to download.
      return in_thread([this] { link_recording(); },
                       [this] { info_.segments > 0 && !drm() ? remux_sessions() : succeed(); });
    case LiveVodSource::Replace:
      return library_to_mp4();
    case LiveVodSource::Playback:
      return in_thread([this] { link_reused(); }, [this] { succeed(); });
    case LiveVodSource::Unspecified:
      break;
  }
  fail("the live has no live_vod source");
}

void VodJob::fail(std::string why) {
  if (finished_) return;
  finished_ = true;
  done_(std::nullopt, std::move(why));
}

void VodJob::succeed() {
  if (finished_) return;
  finished_ = true;
  done_(info_, "");
}

void VodJob::in_thread(std::function<void()> work, std::function<void()> next) {
  // Both halves hold the job: the thread may outlive a cancel().
  auto self = shared_from_this();
  uv::queue_work(loop_, [self, work = std::move(work)] { work(); },
                 [self, next = std::move(next)](std::exception_ptr error) {
    if (self->finished_) return;
    if (!error) return next();
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      self->fail(e.what());
    }
  });
}

void VodJob::run_ffmpeg(std::vector<std::string> argv, std::function<void()> next, const std::string& what,
                        FfmpegProcess::Callbacks callbacks) {
  callbacks.on_exit = [this, next = std::move(next), what](const FfmpegProcess::ExitStatus& status) {
    if (finished_) return;
    if (status.exit_code != 0 || status.term_signal != 0) return fail(what + " failed: " + status.message);
    next();
  };
  ffmpeg_ = std::make_unique<FfmpegProcess>(loop_, std::move(argv), std::move(callbacks));
  try {
    ffmpeg_->start();
  } catch (const std::exception& e) {
    return fail(what + " failed: " + e.what());
  }
  ffmpeg_->close_input();
}

void VodJob::write_playlists(const std::vector<SegmentRecord>& all) {
  // One media playlist per rendition of the last session (as the live's master had), each
  // with stand-ins where an earlier session lacked it; media.m3u8 is the top one.
  const std::vector<std::string> renditions =
      all.empty() ? std::vector<std::string>{""} : hls::session_renditions(all, all.back().session_id);
  std::vector<hls::Variant> variants;
  for (const auto& rendition : renditions) {
    const auto segments = hls::rendition_view(all, rendition);
    // Segment files are relative to vod/, and vod/ to the live's public URL.
    const std::string text = hls::vod_playlist(segments, std::nullopt, std::nullopt, "vod/");
    const std::string name = hls::rendition_playlist(rendition);
    write_file_atomic(in_.live_dir + "/vod/" + name, text);
    if (!rendition.empty() && rendition == renditions.front())
      write_file_atomic(in_.live_dir + "/" + vod_playlist_file(), text);
    fmp4::Bytes init;
    if (!segments.empty()) init = read_file(vod_dir() + "/" + segments.back().init_file);
    variants.push_back(vod_variant(segments, init, name));
  }
  write_file_atomic(in_.live_dir + "/" + vod_master_file(), hls::master_playlist(variants));
  info_ = summarize_vod(hls::rendition_view(all, ""));
}

// catchup ------------------------------------------------------------------------------

void VodJob::link_recording() {
  reset_dir(vod_dir());
  const auto& live = in_.live;
  const auto selected = hls::vod_segments(in_.recording, live.live_started_at, live.live_ended_at);
  std::set<std::string> inits;
  for (const auto& s : selected) {
    link_or_copy(in_.live_dir + "/" + s.file, vod_dir() + "/" + s.file);
    if (inits.insert(s.init_file).second) link_or_copy(in_.live_dir + "/" + s.init_file, vod_dir() + "/" + s.init_file);
  }
  write_playlists(selected);
  if (selected.empty() || drm()) return;
  // The MP4 is the top rendition: one fragmented MP4 per session (its init, then its
  // segments) for ffmpeg's concat demuxer, each as long as its segments.
  const auto top = hls::rendition_view(selected, "");
  const std::string work = vod_dir() + "/" + kWorkDir;
  fs::create_directories(work);
  std::vector<ffmpeg::ConcatPart> parts;
  std::ofstream out;
  for (std::size_t i = 0; i < top.size(); ++i) {
    if (i == 0 || top[i].session_id != top[i - 1].session_id || top[i].init_file != top[i - 1].init_file) {
      if (out.is_open()) out.close();
      char name[32];
      std::snprintf(name, sizeof name, "part_%03zu.mp4", parts.size());
      parts.push_back({work + "/" + name, 0});
      out.open(parts.back().path, std::ios::binary | std::ios::trunc);
      if (!out) throw std::runtime_error("cannot write " + parts.back().path);
      append_file(out, vod_dir() + "/" + top[i].init_file);
    }
    append_file(out, vod_dir() + "/" + top[i].file);
    parts.back().duration_seconds += top[i].duration;
  }
  out.close();
  if (!out) throw std::runtime_error("cannot write the MP4 parts in " + work + " (disk full?)");
  write_file_atomic(work + "/list.ffconcat", ffmpeg::concat_list(parts));
}

void VodJob::remux_sessions() {
  const std::string work = vod_dir() + "/" + kWorkDir;
  run_ffmpeg(ffmpeg::concat_to_mp4_command(in_.ffmpeg, work + "/list.ffconcat", mp4_path() + ".part"),
             [this, work] {
               std::error_code ec;
               fs::rename(mp4_path() + ".part", mp4_path(), ec);
               if (ec) return fail("cannot finish " + mp4_path() + ": " + ec.message());
               fs::remove_all(work, ec);
               info_.mp4_file = vod_mp4_file(in_.live.id);
               info_.mp4_bytes = static_cast<std::int64_t>(fs::file_size(mp4_path(), ec));
               succeed();
             },
             "the MP4 remux (ffmpeg concat)");
}

// replace ------------------------------------------------------------------------------

void VodJob::library_to_mp4() {
  if (!in_.library_item) return fail("the library video of live_vod.replace.id is gone");
  try {
    reset_dir(vod_dir());
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  const auto& probe = in_.library_item->probe;
  const bool video = probe.video_codec != "h264";
  const bool audio = !probe.audio_codec.empty() && probe.audio_codec != "aac";
  run_ffmpeg(ffmpeg::library_to_mp4_command(in_.ffmpeg, in_.library_path, mp4_path() + ".part", video, audio,
                                            in_.segment_duration),
             [this] {
               std::error_code ec;
               fs::rename(mp4_path() + ".part", mp4_path(), ec);
               if (ec) return fail("cannot finish " + mp4_path() + ": " + ec.message());
               info_.mp4_bytes = static_cast<std::int64_t>(fs::file_size(mp4_path(), ec));
               segment_mp4();
             },
             "packaging the library video " + in_.library_item->id);
}

void VodJob::segment_mp4() {
  std::error_code ec;
  fs::create_directories(vod_dir() + "/" + kReplaceDir, ec);
  FfmpegProcess::Callbacks cb;
  cb.on_output = [this](std::span<const std::uint8_t> bytes) { on_fragments(bytes); };
  const std::int64_t mp4_bytes = info_.mp4_bytes;
  run_ffmpeg(ffmpeg::mp4_to_fragments_command(in_.ffmpeg, mp4_path()),
             [this, mp4_bytes] {
               if (!split_error_.empty()) return fail("cannot segment the VOD: " + split_error_);
               if (auto seg = cutter_.flush()) write_segment(*seg);
               if (!split_error_.empty()) return fail(split_error_);
               try {
                 write_playlists(cut_);
               } catch (const std::exception& e) {
                 return fail(e.what());
               }
               info_.mp4_file = vod_mp4_file(in_.live.id);
               info_.mp4_bytes = mp4_bytes;
               succeed();
             },
             "segmenting the VOD", std::move(cb));
}

void VodJob::on_fragments(std::span<const std::uint8_t> bytes) {
  if (!split_error_.empty()) return;
  for (auto& ev : splitter_.feed(bytes)) {
    if (auto* init = std::get_if<fmp4::InitSegment>(&ev)) {
      try {
        write_file_atomic(vod_dir() + "/" + kReplaceDir + "/init.mp4", std::span<const fmp4::Bytes>(&init->bytes, 1));
      } catch (const std::exception& e) {
        split_error_ = e.what();
      }
    } else if (auto* frag = std::get_if<fmp4::Fragment>(&ev)) {
      if (auto timed = fmp4::timed_fragment(frag->info, std::move(frag->bytes)))
        if (auto seg = cutter_.push(std::move(*timed))) write_segment(*seg);
    } else if (auto* err = std::get_if<fmp4::SplitError>(&ev)) {
      split_error_ = err->message;
    }
  }
}

void VodJob::write_segment(const fmp4::Segment& segment) {
  char name[32];
  std::snprintf(name, sizeof name, "seg_%08llu.m4s", static_cast<unsigned long long>(segment.sequence_number));
  SegmentRecord r;
  r.live_id = in_.live.id;
  r.session_id = kReplaceDir;
  r.seq = static_cast<std::int64_t>(cut_.size());
  r.duration = segment.duration_seconds;
  // The replacement has no wall clock of its own: it is dated from the live's start.
  r.program_date_time = in_.live.live_started_at.value_or(0) + static_cast<TimeMs>(segment.start_seconds * 1000);
  r.file = std::string(kReplaceDir) + "/" + name;
  r.init_file = std::string(kReplaceDir) + "/init.mp4";
  for (const auto& f : segment.fragments) r.bytes += static_cast<std::int64_t>(f.size());
  try {
    write_file_atomic(vod_dir() + "/" + r.file, segment.fragments);
  } catch (const std::exception& e) {
    split_error_ = e.what();
    return;
  }
  cut_.push_back(std::move(r));
}

// playback -----------------------------------------------------------------------------

void VodJob::link_reused() {
  if (!in_.reused) throw std::runtime_error("the VOD of live_vod.playback.id is gone");
  reset_dir(vod_dir());
  const std::string from = in_.reused_live_dir + "/vod";
  const std::string their_mp4 = in_.reused_live_dir + "/" + in_.reused->info.mp4_file;
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    if (!in_.reused->info.mp4_file.empty() && path == their_mp4) continue;  // linked under our name below
    link_or_copy(path, vod_dir() + "/" + fs::relative(entry.path(), from).string());
  }
  info_ = in_.reused->info;
  if (!info_.mp4_file.empty()) {
    link_or_copy(their_mp4, mp4_path());
    info_.mp4_file = vod_mp4_file(in_.live.id);
  }
}

}  // namespace bvlive
