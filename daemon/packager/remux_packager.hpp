// The passthrough packager, in bvlived itself: core's Remuxer (media/remux/remuxer.hpp)
// turns media into init segments and fragments on the loop, with no child process and no
// pipe. One rendition. Two inputs:
//  - an encoder's bytes, FLV (RTMP) or MPEG-TS (SRT), given to write();
//  - a library video it reads itself (FileSource), in real time like a live (a simulive)
//    or as fast as the loop allows in bounded batches (a playback simulive).
//
// on_exit is reported on the next loop turn, never from inside write() or close_input(),
// so the session is never torn down under its own call.
#pragma once

#include <uv.h>

#include <memory>

#include "core/media/remux/remuxer.hpp"
#include "packager/file_source.hpp"
#include "packager/packager.hpp"
#include "uv/timer.hpp"

namespace bvlive {

class RemuxPackager final : public Packager {
 public:
  RemuxPackager(uv_loop_t* loop, remux::Container container, remux::RemuxOptions options, Callbacks callbacks);
  RemuxPackager(uv_loop_t* loop, std::unique_ptr<FileSource> file, bool realtime, remux::RemuxOptions options,
                Callbacks callbacks);

  void start() override;
  bool write(std::span<const std::uint8_t> bytes) override;
  void close_input() override;
  void interrupt() override { close_input(); }
  void kill() override;
  bool running() const override { return started_ && !exit_reported_; }
  std::optional<std::string> last_error() const override { return last_error_; }
  const char* kind() const override { return "in-process"; }

 private:
  void deliver(remux::RemuxOutput& out);
  void exit_soon(PackagerExit exit);
  // Playout: feeds the file's samples that are due, a bounded batch per timer tick.
  void pump();

  uv_loop_t* loop_;
  remux::Remuxer remuxer_;
  Callbacks callbacks_;
  uv::Timer exit_timer_;
  std::unique_ptr<FileSource> file_;
  bool realtime_ = true;
  uv::Timer pump_timer_;
  std::vector<remux::SourceEvent> due_;  // read from the file, not fed yet
  std::int64_t due_dts_ = 0;
  std::uint64_t started_at_ms_ = 0;
  std::optional<std::string> last_error_;
  bool started_ = false;
  bool input_closed_ = false;
  bool exiting_ = false;
  bool exit_reported_ = false;
};

}  // namespace bvlive
