// GCC 12 at -O2 reports FragmentInfo members as maybe-uninitialized when
// std::vector moves the std::variant events (a known false positive with
// std::variant); every member has an initializer.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "core/media/fmp4/stream_splitter.hpp"

#include <utility>

namespace bvlive::fmp4 {

void StreamSplitter::fail(std::string message, std::vector<SplitEvent>& events) {
  failed_ = true;
  buffer_.clear();
  start_ = 0;
  pending_moof_.clear();
  pending_info_.reset();
  events.push_back(SplitError{std::move(message)});
}

std::vector<SplitEvent> StreamSplitter::feed(ByteSpan bytes) {
  std::vector<SplitEvent> events;
  if (failed_) return events;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());

  while (!failed_) {
    const ByteSpan rest = ByteSpan(buffer_).subspan(start_);
    const auto parsed = parse_box_header(rest);
    if (const auto* error = std::get_if<BoxError>(&parsed)) {
      if (*error != BoxError::truncated_header) fail(describe(*error), events);
      break;  // a short header just needs more bytes
    }
    const auto& header = std::get<BoxHeader>(parsed);
    if (!header.total_size) {
      fail("box '" + fourcc_text(header.type) + "' of unbounded size (0) in a stream", events);
      break;
    }
    if (*header.total_size > max_box_bytes_) {
      fail("box '" + fourcc_text(header.type) + "' of " + std::to_string(*header.total_size) +
               " bytes exceeds the limit of " + std::to_string(max_box_bytes_),
           events);
      break;
    }
    const auto length = static_cast<std::size_t>(*header.total_size);
    if (rest.size() < length) break;
    take_box(header.type, rest.first(length), header.header_size, events);
    if (!failed_) start_ += length;
  }

  // Drop consumed bytes so the buffer holds at most one partial box.
  if (!failed_) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  return events;
}

void StreamSplitter::take_box(FourCC type, ByteSpan box, std::size_t header_size,
                              std::vector<SplitEvent>& events) {
  const ByteSpan payload = box.subspan(header_size);
  if (pending_info_ && type != fourcc("mdat")) {
    fail("moof followed by '" + fourcc_text(type) + "' instead of mdat", events);
    return;
  }
  if (type == fourcc("ftyp")) {
    ftyp_.assign(box.begin(), box.end());
  } else if (type == fourcc("moov")) {
    auto parsed = parse_moov(payload);
    if (auto* bad = std::get_if<ParseError>(&parsed)) return fail(bad->message, events);
    init_ = std::get<InitInfo>(parsed);
    InitSegment init{ftyp_, *init_};
    init.bytes.insert(init.bytes.end(), box.begin(), box.end());
    events.push_back(std::move(init));
  } else if (type == fourcc("moof")) {
    if (!init_) return fail("moof before moov", events);
    auto parsed = parse_moof(payload, *init_);
    if (auto* bad = std::get_if<ParseError>(&parsed)) return fail(bad->message, events);
    // An absolute base_data_offset points into ffmpeg's stream, not into the segment we
    // copy this moof to; ffmpeg writes moof-relative offsets with +default_base_moof.
    for (const auto& traf : std::get<FragmentInfo>(parsed).tracks)
      if (traf.base_data_offset)
        return fail("tfhd with an absolute base_data_offset (use -movflags +default_base_moof)",
                    events);
    pending_info_ = std::move(std::get<FragmentInfo>(parsed));
    pending_moof_.assign(box.begin(), box.end());
  } else if (type == fourcc("mdat")) {
    if (!pending_info_) {
      ++dropped_boxes_;  // media without a moof cannot be placed in time
      return;
    }
    Fragment fragment{std::move(pending_moof_), std::move(*pending_info_)};
    fragment.bytes.insert(fragment.bytes.end(), box.begin(), box.end());
    pending_moof_.clear();
    pending_info_.reset();
    events.push_back(std::move(fragment));
  } else {
    ++dropped_boxes_;
  }
}

}  // namespace bvlive::fmp4
