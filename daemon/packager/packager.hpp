// A session's packager: what turns the encoder's container bytes into init segments and
// fMP4 fragments, one stream of them per rendition. Two kinds:
//  - RemuxPackager (remux_packager.hpp): passthrough, in bvlived itself, no process;
//  - FfmpegPackager (ffmpeg_packager.hpp): an ffmpeg child, where pixels or samples change
//    (the ABR ladder, a watermark, WHIP's VP8/Opus, a simulive file, the slate).
// The session sees only this interface; which one runs is its plan's decision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "core/media/ffmpeg/media_info.hpp"
#include "core/media/fmp4/stream_splitter.hpp"

namespace bvlive {

struct PackagerExit {
  // Why it stopped: "ffmpeg exited with code 1: ...", "damaged video frame ...", "finished".
  std::string message;
  bool clean = false;      // it finished the input it was asked to close
  bool completed = false;  // it reached the end of an input of its own (a simulive's file)
};

class Packager {
 public:
  struct Callbacks {
    // Per rendition, in order: init segments, fragments, or a SplitError (unreadable output).
    std::function<void(std::size_t rendition, fmp4::SplitEvent event)> on_output;
    // ffmpeg's speed (1.0 = real time); an in-process remux keeps up by construction.
    std::function<void(double speed)> on_speed;
    // What the input holds, once known, and again when it changes.
    std::function<void(const ffmpeg::MediaInfo&)> on_media_info;
    // Something dropped or corrected along the way, for the log.
    std::function<void(const std::string&)> on_notice;
    // Once, last: nothing is called after it. May destroy the packager.
    std::function<void(const PackagerExit&)> on_exit;
  };

  virtual ~Packager() = default;

  // Throws std::runtime_error when it cannot start.
  virtual void start() = 0;
  // The encoder's bytes. False when they cannot be taken (the packager is too far behind,
  // or gone): the session fails.
  virtual bool write(std::span<const std::uint8_t> bytes) = 0;
  // End of input: the last fragments come out, then on_exit (clean).
  virtual void close_input() = 0;
  // Finish an input the packager reads itself (RTP, a file): like close_input.
  virtual void interrupt() = 0;
  // Stop now; on_exit follows.
  virtual void kill() = 0;
  virtual bool running() const = 0;
  // The last error it reported, for "no segment after 10 s: ..." messages.
  virtual std::optional<std::string> last_error() const = 0;
  // Input bytes taken by write() that the packager has not read yet (an ffmpeg child's
  // stdin queue): with no progress either, the packager is stuck (Session's watchdog).
  virtual std::size_t queued_input() const { return 0; }
  // The child's process id, 0 for an in-process packager (for the log).
  virtual int pid() const { return 0; }
  // "in-process" or "ffmpeg", for the log and `bvlive show`.
  virtual const char* kind() const = 0;
};

}  // namespace bvlive
