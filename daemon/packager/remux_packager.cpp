#include "packager/remux_packager.hpp"

namespace bvlive {
namespace {

// A playout reads this far ahead of real time, so a fragment is never late for lack of
// its last frame; and at most this many samples a tick, so the loop stays responsive.
constexpr std::int64_t kReadAheadTicks = remux::kTicksPerSecond / 5;
constexpr int kSamplesPerTick = 400;
constexpr std::uint64_t kTickMs = 10;

}  // namespace

RemuxPackager::RemuxPackager(uv_loop_t* loop, remux::Container container, remux::RemuxOptions options,
                             Callbacks callbacks)
    : loop_(loop), remuxer_(container, options), callbacks_(std::move(callbacks)), exit_timer_(loop), pump_timer_(loop) {}

RemuxPackager::RemuxPackager(uv_loop_t* loop, std::unique_ptr<FileSource> file, bool realtime,
                             remux::RemuxOptions options, Callbacks callbacks)
    : loop_(loop),
      remuxer_(remux::Container::samples, options),
      callbacks_(std::move(callbacks)),
      exit_timer_(loop),
      file_(std::move(file)),
      realtime_(realtime),
      pump_timer_(loop) {}

void RemuxPackager::start() {
  started_ = true;
  if (!file_) return;
  started_at_ms_ = uv_now(loop_);
  pump_timer_.start(0, kTickMs, [this] { pump(); });
}

bool RemuxPackager::write(std::span<const std::uint8_t> bytes) {
  if (!started_) return false;
  if (input_closed_ || exiting_ || file_) return true;  // stopping (its exit says why), or no input of the encoder's
  remux::RemuxOutput out;
  remuxer_.feed(bytes, out);
  deliver(out);
  return true;
}

void RemuxPackager::pump() {
  if (exiting_ || input_closed_) return;
  const auto due_until = static_cast<std::int64_t>(uv_now(loop_) - started_at_ms_) * 90 + kReadAheadTicks;
  remux::RemuxOutput out;
  for (int n = 0; n < kSamplesPerTick && !exiting_; ++n) {
    if (!due_.empty()) {
      if (realtime_ && due_dts_ > due_until) break;  // not yet
      remuxer_.feed_events(due_, out);
      due_.clear();
    }
    const FileSource::Read read = file_->next(due_, due_dts_);
    if (read == FileSource::Read::sample) continue;
    remuxer_.feed_events(due_, out);
    due_.clear();
    pump_timer_.stop();
    if (read == FileSource::Read::failed) {
      deliver(out);
      last_error_ = file_->error();
      if (!exiting_) exit_soon(PackagerExit{file_->error(), false, false});
      return;
    }
    // The end of the video: what is held becomes the last fragment.
    input_closed_ = true;
    remuxer_.finish(out);
    deliver(out);
    if (!exiting_) exit_soon(PackagerExit{"playout finished", true, true});
    return;
  }
  deliver(out);
}

void RemuxPackager::close_input() {
  if (!started_ || input_closed_ || exiting_) return;
  input_closed_ = true;
  pump_timer_.stop();
  remux::RemuxOutput out;
  remuxer_.finish(out);
  deliver(out);
  // A playout stopped before its end did not complete; an encoder's input did.
  if (!exiting_) exit_soon(PackagerExit{"finished", true, !file_});
}

void RemuxPackager::kill() {
  if (!started_ || exiting_) return;
  pump_timer_.stop();
  exit_soon(PackagerExit{"stopped", input_closed_, false});
}

void RemuxPackager::deliver(remux::RemuxOutput& out) {
  if (out.media_info && callbacks_.on_media_info) callbacks_.on_media_info(*out.media_info);
  for (auto& m : out.media) {
    if (exiting_) break;  // the session stopped us while handling an earlier fragment
    if (!callbacks_.on_output) continue;
    if (auto* init = std::get_if<fmp4::InitSegment>(&m)) callbacks_.on_output(0, std::move(*init));
    else callbacks_.on_output(0, std::move(std::get<fmp4::Fragment>(m)));
  }
  if (callbacks_.on_notice)
    for (const auto& n : out.notices) callbacks_.on_notice(n);
  if (out.unusable && !exiting_) {
    last_error_ = *out.unusable;
    exit_soon(PackagerExit{*out.unusable, false, false});
  }
}

void RemuxPackager::exit_soon(PackagerExit exit) {
  exiting_ = true;
  pump_timer_.stop();
  exit_timer_.start(0, 0, [this, exit = std::move(exit)] {
    exit_reported_ = true;
    // Copied out first: the callback may destroy this packager, and this lambda with it.
    const PackagerExit status = exit;
    auto on_exit = std::move(callbacks_.on_exit);
    if (on_exit) on_exit(status);
  });
}

}  // namespace bvlive
