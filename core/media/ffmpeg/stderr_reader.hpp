// Reads a packager's stderr as it arrives, in pieces of any size: ffmpeg's log (run with
// -loglevel level+info, so each line says its level) interleaved with -progress blocks.
//
// From it come: a Progress for every completed progress block, the MediaInfo of the
// "Input #0" section (complete when the section ends, i.e. at the first line after it
// that is not indented, normally "Output #0" or an error), and the error lines
// ([error]/[fatal]/[panic], or a well-known fatal message without a level), of which the
// last few are kept for the message shown when ffmpeg fails. Memory is bounded: a line is
// cut at max_line_bytes, and only max_errors error lines are kept.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/media/ffmpeg/media_info.hpp"
#include "core/media/ffmpeg/progress.hpp"

namespace bvlive::ffmpeg {

inline constexpr std::size_t kDefaultMaxLineBytes = 4096;
inline constexpr std::size_t kDefaultMaxErrors = 20;

class StderrReader {
 public:
  // What one feed() completed.
  struct Events {
    std::vector<Progress> progress;   // in order
    bool media_info_ready = false;    // the input section ended during this feed (once)
    std::size_t new_errors = 0;       // error lines added
  };

  explicit StderrReader(std::size_t max_line_bytes = kDefaultMaxLineBytes,
                        std::size_t max_errors = kDefaultMaxErrors)
      : max_line_bytes_(max_line_bytes), max_errors_(max_errors) {}

  Events feed(std::string_view bytes);
  // End of the stream: a last line without a newline still counts, and an input section
  // still open is complete.
  Events finish();

  const MediaInfo& media_info() const { return media_info_; }
  bool media_info_complete() const { return section_ == Section::after_input; }
  // Error lines, oldest first, without level prefix; a component context is kept as
  // "flv: message" (the object address ffmpeg prints is dropped).
  const std::vector<std::string>& errors() const { return errors_; }
  std::optional<std::string> last_error() const;
  const std::optional<Progress>& last_progress() const { return last_progress_; }
  std::size_t lines() const { return lines_; }

 private:
  enum class Section { before_input, input, after_input };

  void take_line(std::string_view line, Events& events);
  void take_progress_field(std::string_view key, std::string_view value, Events& events);
  void add_error(std::string message, Events& events);
  void end_input_section(Events& events);

  std::size_t max_line_bytes_;
  std::size_t max_errors_;
  std::string line_;
  Section section_ = Section::before_input;
  MediaInfo media_info_;
  Progress block_;  // progress block being read
  std::optional<Progress> last_progress_;
  std::vector<std::string> errors_;
  std::size_t lines_ = 0;
};

// "1310.5kbits/s" -> 1310.5, "4.02e+03x" -> 4020, "N/A" -> nullopt. Exposed for tests.
std::optional<double> parse_progress_number(std::string_view value, std::string_view unit = {});

}  // namespace bvlive::ffmpeg
