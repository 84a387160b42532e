#include "packager/ffmpeg_packager.hpp"

#include <algorithm>

namespace bvlive {

FfmpegPackager::FfmpegPackager(uv_loop_t* loop, const ffmpeg::PackagerArgs& args, Callbacks callbacks)
    : callbacks_(std::move(callbacks)), splitters_(std::max<std::size_t>(args.renditions.size(), 1)) {
  FfmpegProcess::Callbacks cb;
  cb.on_rendition_output = [this](std::size_t i, std::span<const std::uint8_t> b) { on_output(i, b); };
  cb.on_progress = [this](const ffmpeg::Progress& p) {
    if (p.speed && callbacks_.on_speed) callbacks_.on_speed(*p.speed);
  };
  cb.on_media_info = [this](const ffmpeg::MediaInfo& m) {
    if (callbacks_.on_media_info) callbacks_.on_media_info(m);
  };
  cb.on_exit = [this](const FfmpegExit& s) {
    PackagerExit exit;
    exit.clean = s.clean;
    exit.completed = s.exit_code == 0 && s.term_signal == 0;
    exit.message = s.clean ? s.message : "packager failed: " + s.message;
    // Moved out first: the callback may destroy this packager.
    auto on_exit = std::move(callbacks_.on_exit);
    if (on_exit) on_exit(exit);
  };
  process_ = std::make_unique<FfmpegProcess>(loop, args, std::move(cb));
}

std::optional<std::string> FfmpegPackager::last_error() const {
  if (process_->errors().empty()) return std::nullopt;
  return process_->errors().back();
}

void FfmpegPackager::on_output(std::size_t rendition, std::span<const std::uint8_t> bytes) {
  if (rendition >= splitters_.size() || !callbacks_.on_output) return;
  for (auto& ev : splitters_[rendition].feed(bytes)) {
    const bool failed = std::holds_alternative<fmp4::SplitError>(ev);
    callbacks_.on_output(rendition, std::move(ev));
    if (failed) return;
  }
}

}  // namespace bvlive
