// Turns the fragmented-MP4 byte stream from a packager's pipe, arriving in pieces of any
// size, into an init segment (ftyp+moov) and fragments (moof+mdat).
//
// Other top-level boxes (styp, sidx, free, skip, mfra, ...) are dropped: the segmenter
// writes its own segment framing, and an index of ffmpeg's fragments would not match our
// segments. A moof must be followed directly by its mdat. Buffering is bounded: a box
// declared larger than the limit is an error, as is size 0 ("to end of file"), which a
// live stream cannot honour. Fragments must locate their samples relative to the moof
// (no tfhd base_data_offset), since each is copied out of the stream into a segment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/media/fmp4/box_builder.hpp"
#include "core/media/fmp4/box_reader.hpp"
#include "core/media/fmp4/fragment_info.hpp"
#include "core/media/fmp4/init_info.hpp"

namespace bvlive::fmp4 {

struct InitSegment {
  Bytes bytes;  // ftyp (when the stream had one) then moov
  InitInfo info;
};

struct Fragment {
  Bytes bytes;  // moof then mdat
  FragmentInfo info;
};

// The stream is unusable from here on; the splitter ignores further input.
struct SplitError {
  std::string message;
};

using SplitEvent = std::variant<InitSegment, Fragment, SplitError>;

inline constexpr std::size_t kDefaultMaxBoxBytes = 64u << 20;

class StreamSplitter {
 public:
  explicit StreamSplitter(std::size_t max_box_bytes = kDefaultMaxBoxBytes)
      : max_box_bytes_(max_box_bytes) {}

  std::vector<SplitEvent> feed(ByteSpan bytes);

  bool failed() const { return failed_; }
  // Bytes held waiting for the rest of a box (or a moof waiting for its mdat).
  std::size_t buffered() const { return buffer_.size() - start_ + pending_moof_.size(); }
  // Top-level boxes dropped so far (styp, sidx, free, ...).
  std::size_t dropped_boxes() const { return dropped_boxes_; }

 private:
  void take_box(FourCC type, ByteSpan box, std::size_t header_size,
                std::vector<SplitEvent>& events);
  void fail(std::string message, std::vector<SplitEvent>& events);

  std::size_t max_box_bytes_;
  Bytes buffer_;
  std::size_t start_ = 0;  // first unconsumed byte in buffer_
  Bytes ftyp_;
  std::optional<InitInfo> init_;
  Bytes pending_moof_;
  std::optional<FragmentInfo> pending_info_;
  std::size_t dropped_boxes_ = 0;
  bool failed_ = false;
};

}  // namespace bvlive::fmp4
