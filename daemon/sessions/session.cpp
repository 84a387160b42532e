#include "sessions/session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <utility>

#include "log/log.hpp"
#include "daemon/media/atomic_file.hpp"
#include "core/media/hls/low_latency_playlist.hpp"
#include "packager/make_packager.hpp"
#include "util/random_id.hpp"

namespace bvlive {
namespace {

// After we end a push, the packager gets this long to hand over what it has.
constexpr std::uint64_t kDrainMs = 5'000;
// bytes_in is saved this often while a push runs (and at every state change).
constexpr std::uint64_t kStatsFlushMs = 5'000;
// A packager below this speed for this long cannot keep up with a live input: the session
// carries a warning until it is back (ffmpeg's speed of a live input hovers around 1.0).
constexpr double kSlowSpeed = 0.9;
constexpr TimeMs kSlowForMs = 10'000;
// A LIVE session's packager that exits unasked is restarted at most this many times
// (session.hpp, "Packager restarts"); the next exit ends the session in ERROR.
constexpr int kMaxPackagerRestarts = 3;
// A packager with input waiting but no progress for this long is stuck: a warning (the
// packager health bound, as kSlowForMs) ...
constexpr std::uint64_t kStuckWarnMs = 10'000;
// ... and after this long it is killed and restarted.
constexpr std::uint64_t kStuckKillMs = 20'000;
// Progress this recent is a packager at work (ffmpeg reports twice a second).
constexpr std::uint64_t kProgressFreshMs = 2'000;

std::string new_session_id() { return "se_" + random_string(16, "abcdefghijklmnopqrstuvwxyz0123456789"); }

// Until the plan is settled, the encoder's bytes are kept for a second packager run, up to
// this much (a few seconds of any sane stream: ffmpeg reads about a second to probe).
constexpr std::size_t kReplayMaxBytes = 32u << 20;
// Output held back for the plan beyond this much settles it as it is.
constexpr std::size_t kHeldOutputMaxBytes = 8u << 20;

int tier_height(Resolution r) {
  switch (r) {
    case Resolution::Hd: return 720;
    case Resolution::Fhd: return 1080;
    case Resolution::Uhd4k: return 2160;
  }
  return 720;
}

ffmpeg::Corner corner_of(WatermarkPosition p) {
  switch (p) {
    case WatermarkPosition::TopLeft: return ffmpeg::Corner::TopLeft;
    case WatermarkPosition::BottomLeft: return ffmpeg::Corner::BottomLeft;
    case WatermarkPosition::BottomRight: return ffmpeg::Corner::BottomRight;
    case WatermarkPosition::TopRight:
    case WatermarkPosition::Unspecified: break;
  }
  return ffmpeg::Corner::TopRight;
}

}  // namespace

Session::Session(SessionContext& ctx, const LiveRecord& live, const ingest::PublishRequest& request)
    : ctx_(ctx),
      container_(request.container),
      ffmpeg_sdp_(request.ffmpeg_sdp),
      transcode_video_(request.transcode_video),
      transcode_audio_(request.transcode_audio),
      input_file_(request.input_file),
      slate_image_(request.slate_image),
      slate_title_(request.slate_title),
      slate_detail_(request.slate_detail),
      realtime_(request.realtime),
      start_seconds_(request.start_seconds),
      kick_(request.kick),
      source_height_(request.source_height),
      max_duration_(ctx.loop),
      first_segment_(ctx.loop),
      drain_(ctx.loop),
      flush_stats_(ctx.loop),
      stall_(ctx.loop),
      packager_watch_(ctx.loop) {
  if (container_ == ingest::Container::Flv) flv_.emplace();
  row_.id = new_session_id();
  row_.live_id = live.id;
  row_.state = std::string(to_string(SessionState::Init));
  row_.protocol = std::string(ingest::to_string(request.protocol));
  row_.remote = request.remote;
  row_.started_at = now_ms();
  ull_ = live.spec.ull_enabled;
  drm_ = live.spec.security.protection == ProtectionType::Drm;
  tier_height_ = tier_height(live.spec.resolution);
  abr_ = live.spec.abr_enabled.value_or(ctx.media.transcode.abr);
  const Watermark& mark = live.spec.security.watermark;
  if (mark.enabled && mark.image_library_id && ctx.library_file) {
    watermark_file_ = ctx.library_file(*mark.image_library_id);
    watermark_corner_ = corner_of(mark.position);
    if (watermark_file_.empty())
      log::warn("session", "live " + live.id + ": watermark image " + *mark.image_library_id + " is not in the library");
  }
  ctx_.store.insert_session(row_);
  ctx_.record_event(row_.live_id, "session " + row_.id + ": INIT (" + row_.protocol + " from " + row_.remote + ")");
}

Session::~Session() = default;

std::string Session::dir() const { return ctx_.index.media_root() + "/" + row_.live_id + "/" + row_.id; }

void Session::save_row() {
  // After the segments queued before it, so the row's counts never run behind them.
  ctx_.index.commit_pending();
  ctx_.store.update_session(row_);
  unsaved_bytes_ = 0;
}

void Session::advance(SessionEvent event, const std::optional<std::string>& reason) {
  const auto next = session_transition(state_, event);
  if (!next) return;  // e.g. a second failure after ERROR: the first reason stands
  state_ = *next;
  row_.state = std::string(to_string(state_));
  if (state_ == SessionState::Ended) {
    row_.ended_at = now_ms();
    if (!row_.end_reason) row_.end_reason = reason.value_or("ended");
  } else if (state_ == SessionState::Error && reason) {
    row_.end_reason = reason;  // the failure is the reason it ends
  }
  save_row();
  ctx_.record_event(row_.live_id, "session " + row_.id + ": " + row_.state + (reason ? " (" + *reason + ")" : ""));
  log::info("session", "live " + row_.live_id + " session " + row_.id + ": " + row_.state +
                           (reason ? " (" + *reason + ")" : ""));
}

void Session::start() {
  std::error_code ec;
  std::filesystem::create_directories(dir(), ec);
  if (ec) {
    fail("cannot create " + dir() + ": " + ec.message());
    throw std::runtime_error(*row_.end_reason);
  }
  // Files ffmpeg reads: WHIP's SDP, the slate card's lines of text.
  std::vector<std::pair<std::string, std::string>> inputs;
  if (container_ == ingest::Container::RtpSdp) inputs.emplace_back("input.sdp", ffmpeg_sdp_);
  if (container_ == ingest::Container::Slate && slate_image_.empty()) {
    inputs.emplace_back("slate.title.txt", slate_title_);
    inputs.emplace_back("slate.detail.txt", slate_detail_);
  }
  for (const auto& [name, text] : inputs) {
    try {
      const fmp4::Bytes bytes(text.begin(), text.end());
      write_file_atomic(dir() + "/" + name, std::span<const fmp4::Bytes>(&bytes, 1));
    } catch (const std::exception& e) {
      fail(e.what());
      throw;
    }
  }
  if (drm_) {
    // Nothing leaves in the clear: no keys, no session.
    auto keys = ctx_.drm_keys ? ctx_.drm_keys(row_.live_id)
                              : std::variant<std::shared_ptr<const drm::ContentKeys>, std::string>("DRM is not set up");
    if (const auto* why = std::get_if<std::string>(&keys)) {
      fail("no DRM keys: " + *why);
      throw std::runtime_error(*row_.end_reason);
    }
    const auto& content = *std::get<std::shared_ptr<const drm::ContentKeys>>(keys);
    encryptor_.emplace(content.key, content.pssh_boxes());
  }
  plan_ = ladder::plan_renditions(plan_input(source_height_, true));
  plan_settled_ = source_height_.has_value();  // a library video's size is known: no trial run
  if (auto error = launch_packager()) {
    fail(*error);
    throw std::runtime_error(*error);
  }
  advance(SessionEvent::PackagerStarted);
  max_duration_.start(static_cast<std::uint64_t>(ctx_.media.session_max_duration), 0, [this] {
    end("session_max_duration reached (" + format_duration(ctx_.media.session_max_duration) + ")");
  });
  first_segment_.start(static_cast<std::uint64_t>(ctx_.media.first_segment_timeout), 0, [this] {
    if (state_ != SessionState::Processing) return;
    std::string why = "no segment after " + format_duration(ctx_.media.first_segment_timeout);
    if (auto error = packager_ ? packager_->last_error() : std::nullopt) why += ": " + *error;
    else if (row_.bytes_in == 0) why += ": the encoder sent no media";
    fail(why);
  });
  flush_stats_.start(kStatsFlushMs, kStatsFlushMs, [this] {
    if (unsaved_bytes_ == 0 || state_ == SessionState::Ended) return;
    // ffmpeg reports no input bitrate for a pipe: the session's is what the encoder sent.
    auto media = nlohmann::json::parse(row_.media_json, nullptr, false);
    const TimeMs elapsed = now_ms() - row_.started_at;
    if (media.is_object() && elapsed > 0) {
      media["bitrate_kbps"] = row_.bytes_in * 8 / elapsed;
      row_.media_json = media.dump();
    }
    // Counters only: committed with the next group of segments.
    ctx_.index.queue_session(row_);
    unsaved_bytes_ = 0;
  });
}

ladder::PlanInput Session::plan_input(std::optional<int> source_height, bool has_video) const {
  ladder::PlanInput in;
  in.tier_height = tier_height_;
  in.abr = abr_;
  in.ladder = ctx_.media.transcode.ladder;
  in.source_height = source_height;
  in.has_video = has_video;
  in.watermark = !watermark_file_.empty();
  in.reencode_video = transcode_video_;
  return in;
}

std::string Session::rendition_dir(std::size_t rendition) const {
  const std::string& name = plan_.at(rendition).name;
  return name.empty() ? dir() : dir() + "/" + name;
}

std::optional<std::string> Session::launch_packager() {
  ffmpeg::PackagerArgs args;
  args.ffmpeg = ctx_.media.ffmpeg;
  args.transcode_audio = transcode_audio_;
  switch (container_) {
    case ingest::Container::Flv: args.input = ffmpeg::InputFormat::Flv; break;
    case ingest::Container::MpegTs: args.input = ffmpeg::InputFormat::MpegTs; break;
    case ingest::Container::RtpSdp:
      args.input = ffmpeg::InputFormat::RtpSdp;
      args.sdp_path = dir() + "/input.sdp";
      break;
    case ingest::Container::File:
      args.input = ffmpeg::InputFormat::File;
      args.input_path = input_file_;
      args.realtime = realtime_;
      args.start_seconds = start_seconds_;
      break;
    case ingest::Container::Slate:
      args.input = ffmpeg::InputFormat::Slate;
      args.slate_image = slate_image_;
      args.slate_title_file = dir() + "/slate.title.txt";
      args.slate_detail_file = dir() + "/slate.detail.txt";
      break;
  }
  // Encoder settings apply wherever the packager encodes, ladder or not (a VP8 source).
  const TranscodeSettings& t = ctx_.media.transcode;
  args.preset = t.preset;
  args.keyframe_interval = t.keyframe_interval;
  args.audio_kbps = t.audio_kbps;
  if (!ladder::is_passthrough(plan_)) {
    for (const auto& r : plan_) args.renditions.push_back({r.copy, r.height, r.video_kbps});
    args.watermark = {watermark_file_, watermark_corner_, t.watermark_width, t.watermark_margin};
  }
  for (std::size_t i = 0; i < plan_.size(); ++i) {
    std::error_code ec;
    std::filesystem::create_directories(rendition_dir(i), ec);
    if (ec) return "cannot create " + rendition_dir(i) + ": " + ec.message();
  }
  if (ull_) {
    // See hls::frame_aligned_part_target: the playlist's PART-TARGET follows from this cut.
    args.fragment_duration_ms = static_cast<int>(std::lround(static_cast<double>(ctx_.media.ull_part_target) *
                                                             hls::kPartCutRatio));
  }
  SegmentWriterSetup setup;
  setup.renditions.clear();
  for (const auto& r : plan_) setup.renditions.push_back(r.name);
  setup.ull = ull_;
  setup.segment_seconds = ull_ ? ctx_.media.ull_segment_duration : ctx_.media.segment_duration;
  setup.keep_segments = [this] { return ctx_.keep_segments(row_.live_id); };
  setup.first_file_number = next_file_number_;
  setup.init_generations_before = init_generations_;
  SegmentWriter::Callbacks written;
  written.first_segment = [this] { on_first_segment(); };
  written.failed = [this](const std::string& reason) { fail(reason); };
  written.event = [this](const std::string& line) { ctx_.record_event(row_.live_id, line); };
  writer_.emplace(ctx_.index, row_, std::move(setup), std::move(written));
  held_output_.assign(plan_.size(), {});
  held_output_bytes_ = 0;

  Packager::Callbacks cb;
  cb.on_output = [this](std::size_t i, fmp4::SplitEvent ev) {
    last_progress_at_ = uv_now(ctx_.loop);
    on_output(i, std::move(ev));
  };
  cb.on_speed = [this](double speed) {
    last_progress_at_ = uv_now(ctx_.loop);
    speed_ = speed;
    watch_speed();
  };
  cb.on_media_info = [this](const ffmpeg::MediaInfo& m) { on_media_info(m); };
  cb.on_notice = [this](const std::string& notice) {
    log::info("session", "live " + row_.live_id + " session " + row_.id + ": " + notice);
  };
  cb.on_exit = [this](const PackagerExit& s) { on_packager_exit(s); };
  std::string note;
  packager_ = make_packager(ctx_.loop, args, ctx_.media.remux, std::move(cb), note);
  if (!note.empty()) log::info("session", "session " + row_.id + ": " + note);
  try {
    packager_->start();
  } catch (const std::exception& e) {
    packager_.reset();
    return std::string("packager failed to start: ") + e.what();
  }
  speed_ = std::string_view(packager_->kind()) == "in-process" ? 1.0 : 0.0;
  last_progress_at_ = uv_now(ctx_.loop);
  stuck_since_.reset();
  if (!ladder::is_passthrough(plan_))
    ctx_.record_event(row_.live_id, "session " + row_.id + ": renditions " + ladder::describe(plan_));
  return std::nullopt;
}

void Session::on_media_info(const ffmpeg::MediaInfo& m) {
  auto media = m.to_json();
  media["packager"] = packager_ && std::string_view(packager_->kind()) == "in-process" ? "bvlived" : "ffmpeg";
  row_.media_json = media.dump();
  save_row();
  if (plan_settled_) return;
  const bool sized = m.has_video() && m.height > 0;
  auto plan = ladder::plan_renditions(plan_input(sized ? std::optional<int>(m.height) : std::nullopt,
                                                 m.has_video()));
  if (plan == plan_) return settle_plan();
  if (!replay_complete_) {
    log::warn("session", "session " + row_.id + ": the source (" + std::to_string(m.width) + "x" +
                             std::to_string(m.height) + ") needs renditions " + ladder::describe(plan) +
                             " but too much input went by to restart the packager; keeping " + ladder::describe(plan_));
    return settle_plan();
  }
  // Another ffmpeg, on the right plan, gets the same input from the start.
  ctx_.record_event(row_.live_id, "session " + row_.id + ": source " + std::to_string(m.width) + "x" +
                                      std::to_string(m.height) + ", packager restarted for its renditions");
  plan_ = std::move(plan);
  replanning_ = true;
  packager_->kill();
}

void Session::settle_plan() {
  plan_settled_ = true;
  std::vector<std::uint8_t>().swap(replay_);
  auto held = std::exchange(held_output_, std::vector<std::vector<fmp4::SplitEvent>>(plan_.size()));
  held_output_bytes_ = 0;
  for (std::size_t i = 0; i < held.size(); ++i)
    for (auto& ev : held[i]) on_output(i, std::move(ev));
}

void Session::watch_media() {
  last_media_at_ = uv_now(ctx_.loop);
  const std::uint64_t timeout = static_cast<std::uint64_t>(ctx_.media.signal_timeout);
  stall_.start(1000, 1000, [this, timeout] {
    if (stalled_ || uv_now(ctx_.loop) - last_media_at_ < timeout) return;
    stalled_ = true;
    if (ctx_.signal)
      ctx_.signal(row_.live_id, true, "no media for " + format_duration(static_cast<DurationMs>(timeout)) +
                                          " in session " + row_.id);
  });
}

void Session::watch_speed() {
  // A playout that is not real time (a playback simulive) runs as fast as it can.
  if (container_ == ingest::Container::File && !realtime_) return;
  if (state_ != SessionState::Live) return;  // start-up probing is slow by nature
  if (stuck_warned_) return;                 // the watchdog clears its own warning
  const TimeMs now = now_ms();
  char speed[32];
  std::snprintf(speed, sizeof speed, "%.2fx", speed_);
  if (speed_ < kSlowSpeed) {
    if (!slow_since_) slow_since_ = now;
    if (row_.warning || now - *slow_since_ < kSlowForMs) return;
    row_.warning = std::string("packager slower than real time (speed ") + speed + " for " +
                   format_duration(now - *slow_since_) + ")";
    save_row();
    ctx_.record_event(row_.live_id, "session " + row_.id + ": WARNING " + *row_.warning);
    log::warn("session", "live " + row_.live_id + " session " + row_.id + ": " + *row_.warning);
    return;
  }
  slow_since_.reset();
  if (!row_.warning) return;
  row_.warning.reset();
  save_row();
  ctx_.record_event(row_.live_id, "session " + row_.id + ": packager back to real time (speed " + speed + ")");
  log::info("session", "live " + row_.live_id + " session " + row_.id + ": packager back to real time");
}

void Session::write(std::span<const std::uint8_t> bytes) {
  if (!ending_reason_.empty() || !packager_) return;
  last_media_at_ = uv_now(ctx_.loop);
  if (stalled_) {
    stalled_ = false;
    if (ctx_.signal) ctx_.signal(row_.live_id, false, "media flows again in session " + row_.id);
  }
  row_.bytes_in += static_cast<std::int64_t>(bytes.size());
  unsaved_bytes_ += static_cast<std::int64_t>(bytes.size());
  // WHIP's listener sends RTP to the packager itself; a playout has no encoder at all.
  if (container_ == ingest::Container::RtpSdp || self_fed()) return;
  if (!plan_settled_ && replay_complete_) {
    if (replay_.size() + bytes.size() > kReplayMaxBytes) {
      replay_complete_ = false;
      std::vector<std::uint8_t>().swap(replay_);
    } else {
      replay_.insert(replay_.end(), bytes.begin(), bytes.end());
    }
  }
  if (replanning_) return;  // the next packager gets it from replay_
  if (flv_) {
    // Watched for a restart; a restarted packager gets nothing before a keyframe.
    const auto forward = flv_->feed(bytes);
    if (!forward.empty() && !packager_->write(forward)) fail("packager too slow: more than 64 MiB of input waiting");
    return;
  }
  if (!packager_->write(bytes)) fail("packager too slow: more than 64 MiB of input waiting");
}

void Session::encoder_finished(const std::string& reason) {
  kick_ = nullptr;  // the connection is gone
  end(reason);
}

void Session::stop(const std::string& reason) {
  stopping_ = true;
  end(reason);
}

void Session::end(const std::string& reason) {
  if (!ending_reason_.empty()) return;
  ending_reason_ = reason;
  stall_.stop();
  packager_watch_.stop();
  // An encoder that went away (or a packager that failed) during a live is a lost signal;
  // a simulive's video ending is not, nor the slate's end.
  if (!stopping_ && !self_fed() && ctx_.signal)
    ctx_.signal(row_.live_id, true, "session " + row_.id + " ended: " + reason);
  max_duration_.stop();
  first_segment_.stop();
  if (auto kick = std::exchange(kick_, nullptr)) kick(reason);
  advance(SessionEvent::Finished, reason);
  if (packager_ && packager_->running()) {
    // Let ffmpeg write out the last fragment, then cut the last segment from it. An RTP
    // input has no end of file and a playout does not read stdin: SIGINT asks ffmpeg to finish.
    if (container_ == ingest::Container::RtpSdp || self_fed()) packager_->interrupt();
    else packager_->close_input();
    drain_.start(kDrainMs, 0, [this] {
      if (packager_) packager_->kill();
    });
  } else if (!finished_) {
    finished_ = true;
    flush_stats_.stop();
    if (on_finished) on_finished(*this);
  }
}

void Session::fail(const std::string& reason) {
  advance(SessionEvent::Failed, reason);
  end(reason);
}

void Session::on_output(std::size_t rendition, fmp4::SplitEvent ev) {
  if (replanning_ || rendition >= plan_.size() || !writer_) return;  // a packager on the wrong plan
  if (!plan_settled_) {
    if (const auto* f = std::get_if<fmp4::Fragment>(&ev)) held_output_bytes_ += f->bytes.size();
    held_output_[rendition].push_back(std::move(ev));
    if (held_output_bytes_ > kHeldOutputMaxBytes) settle_plan();  // nothing said of the input: go on as planned
    return;
  }
  if (encryptor_) {
    if (auto why = encryptor_->encrypt(rendition, ev)) return fail("DRM encryption failed: " + *why);
  }
  writer_->take(rendition, std::move(ev), uv_hrtime());
}

void Session::on_first_segment() {
  if (state_ != SessionState::Processing) return;
  first_segment_.stop();
  advance(SessionEvent::FirstSegment);
  if (container_ == ingest::Container::Slate) watch_packager();
  // The slate stands in for a lost signal: it does not restore it.
  if (container_ == ingest::Container::Slate) return;
  watch_packager();
  if (ctx_.signal) ctx_.signal(row_.live_id, false, "session " + row_.id + " is publishing");
  if (!self_fed()) watch_media();
}

void Session::on_packager_exit(const PackagerExit& status) {
  drain_.stop();
  if (std::exchange(replanning_, false) && ending_reason_.empty()) {
    // The plan changed with the source's size: the same input again, to a new ffmpeg.
    if (auto error = launch_packager()) return fail(*error);  // may finish (and free) the session
    if (!replay_.empty() && !packager_->write(replay_)) return fail("cannot replay the input to the packager");
    return;
  }
  // What the packager made before it stopped is complete: cut it into a last segment.
  if (writer_) writer_->finish();
  const bool file_done = container_ == ingest::Container::File && status.completed;
  if (ending_reason_.empty() && !file_done && restart_packager(status.message)) return;
  packager_watch_.stop();
  if (ending_reason_.empty() && file_done) end("playout finished");  // the video is over
  else if (ending_reason_.empty()) fail(status.message);  // nobody asked it to stop
  else if (!status.clean) log::debug("session", "session " + row_.id + " packager stopped: " + status.message);
  save_row();
  if (!finished_) {
    finished_ = true;
    flush_stats_.stop();
    max_duration_.stop();
    first_segment_.stop();
    if (on_finished) on_finished(*this);
  }
}

bool Session::restart_packager(const std::string& why) {
  const std::string who = "live " + row_.live_id + " session " + row_.id;
  // Only a LIVE session: one that never published fails as before (a bad input would fail
  // again), and a simulive's file would start over from its beginning.
  if (state_ != SessionState::Live || !plan_settled_ || container_ == ingest::Container::File) return false;
  // An in-process remux stops only on input it cannot read (a damaged frame): it would
  // stop again. An ffmpeg child may have been killed, crashed or got stuck.
  if (!packager_ || std::string_view(packager_->kind()) != "ffmpeg") return false;
  if (writer_ && writer_->failed()) return false;
  if (packager_restarts_ >= kMaxPackagerRestarts) {
    ctx_.record_event(row_.live_id, "session " + row_.id + ": packager not restarted again (" +
                                        std::to_string(kMaxPackagerRestarts) + " restarts already): " + why);
    log::error("session", who + ": packager failed after " + std::to_string(kMaxPackagerRestarts) +
                              " restarts, ending the session: " + why);
    return false;
  }
  ++packager_restarts_;
  if (writer_) {
    next_file_number_ = writer_->next_file_number();
    init_generations_ = writer_->init_generations();
  }
  const std::string line = "packager restarted (" + std::to_string(packager_restarts_) + " of " +
                           std::to_string(kMaxPackagerRestarts) + ") after: " + why;
  ctx_.record_event(row_.live_id, "session " + row_.id + ": " + line);
  log::warn("session", who + ": " + line);
  if (std::exchange(stuck_warned_, false)) row_.warning.reset();  // the line above says why
  slow_since_.reset();
  save_row();
  // Replaces (and frees) the packager whose on_exit this is called from: it is done with us.
  if (auto error = launch_packager()) {
    ctx_.record_event(row_.live_id, "session " + row_.id + ": " + *error);
    log::error("session", who + ": " + *error);
    return false;
  }
  if (flv_) {
    const auto head = flv_->restart();
    if (!head.empty() && !packager_->write(head)) {
      packager_->kill();  // its exit comes back here and counts as another restart
      return true;
    }
  }
  watch_packager();
  return true;
}

void Session::watch_packager() {
  if (!packager_ || std::string_view(packager_->kind()) != "ffmpeg") return;
  stuck_since_.reset();
  packager_watch_.start(1000, 1000, [this] {
    if (state_ != SessionState::Live || !ending_reason_.empty() || !packager_ || !packager_->running()) return;
    const std::uint64_t now = uv_now(ctx_.loop);
    // Does the packager have something to read? A file or the slate always; WHIP's RTP
    // while media arrives; a stdin input when bytes wait in its queue (the pipe is full).
    bool input_waiting = packager_->queued_input() > 0;
    if (self_fed()) input_waiting = true;
    else if (container_ == ingest::Container::RtpSdp) input_waiting = now - last_media_at_ < kProgressFreshMs;
    if (!input_waiting || now - last_progress_at_ < kProgressFreshMs) {
      stuck_since_.reset();
      if (stuck_warned_) set_stuck_warning(std::nullopt);
      return;
    }
    if (!stuck_since_) stuck_since_ = now;
    // It was fine at the last check at most; whole seconds, for the messages.
    const std::uint64_t stuck = (now - *stuck_since_ + 1000) / 1000 * 1000;
    if (stuck >= kStuckKillMs) {
      const std::string line = "packager stuck for " + format_duration(static_cast<DurationMs>(stuck)) +
                               " (ffmpeg pid " + std::to_string(packager_->pid()) + "), killing it";
      ctx_.record_event(row_.live_id, "session " + row_.id + ": " + line);
      log::warn("session", "live " + row_.live_id + " session " + row_.id + ": " + line);
      stuck_since_.reset();
      packager_->kill();  // on_exit follows: restarted, or the session fails
      return;
    }
    if (stuck >= kStuckWarnMs && !stuck_warned_)
      set_stuck_warning("packager stuck: input waiting but no progress for " +
                        format_duration(static_cast<DurationMs>(stuck)) + " (ffmpeg pid " +
                        std::to_string(packager_->pid()) + ")");
  });
}

void Session::set_stuck_warning(std::optional<std::string> warning) {
  const std::string who = "live " + row_.live_id + " session " + row_.id;
  if (warning) {
    stuck_warned_ = true;
    row_.warning = *warning;
    save_row();
    ctx_.record_event(row_.live_id, "session " + row_.id + ": WARNING " + *warning);
    log::warn("session", who + ": " + *warning);
    return;
  }
  if (!stuck_warned_) return;
  stuck_warned_ = false;
  row_.warning.reset();
  slow_since_.reset();
  save_row();
  ctx_.record_event(row_.live_id, "session " + row_.id + ": packager making progress again");
  log::info("session", who + ": packager making progress again");
}

}  // namespace bvlive
