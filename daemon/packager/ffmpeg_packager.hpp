// The packager that runs ffmpeg (core/media/ffmpeg/packager_command.hpp): the encoder's
// bytes on its stdin, one fMP4 stream per rendition on its stdout and fds 3, 4, ..., each
// split into init segments and fragments (core/media/fmp4/stream_splitter.hpp).
#pragma once

#include <uv.h>

#include <memory>
#include <vector>

#include "core/media/ffmpeg/packager_command.hpp"
#include "core/media/fmp4/stream_splitter.hpp"
#include "packager/packager.hpp"
#include "process/ffmpeg_process.hpp"

namespace bvlive {

class FfmpegPackager final : public Packager {
 public:
  FfmpegPackager(uv_loop_t* loop, const ffmpeg::PackagerArgs& args, Callbacks callbacks);

  void start() override { process_->start(); }
  bool write(std::span<const std::uint8_t> bytes) override { return process_->write(bytes); }
  void close_input() override { process_->close_input(); }
  void interrupt() override { process_->interrupt(); }
  void kill() override { process_->kill(); }
  bool running() const override { return process_->running(); }
  std::optional<std::string> last_error() const override;
  std::size_t queued_input() const override { return process_->write_queue_bytes(); }
  int pid() const override { return process_->pid(); }
  const char* kind() const override { return "ffmpeg"; }

 private:
  void on_output(std::size_t rendition, std::span<const std::uint8_t> bytes);

  Callbacks callbacks_;
  std::vector<fmp4::StreamSplitter> splitters_;
  std::unique_ptr<FfmpegProcess> process_;
};

}  // namespace bvlive
