#include "core/media/cenc/subsample_layout.hpp"

#include <limits>

#include "core/media/codec/nal_units.hpp"

namespace bvlive::cenc {
namespace {

constexpr std::size_t kMaxClear = std::numeric_limits<std::uint16_t>::max();

// Emits `clear` clear bytes ahead of `protected_bytes`, split where 16 bits run out.
void emit(std::vector<Subsample>& out, std::size_t clear, std::uint32_t protected_bytes) {
  while (clear > kMaxClear) {
    out.push_back({static_cast<std::uint16_t>(kMaxClear), 0});
    clear -= kMaxClear;
  }
  out.push_back({static_cast<std::uint16_t>(clear), protected_bytes});
}

}  // namespace

bool is_vcl_nal(VideoCodec codec, std::uint8_t header) {
  if (codec == VideoCodec::avc) {
    const int type = header & 0x1F;
    return type >= 1 && type <= 5;
  }
  return ((header >> 1) & 0x3F) <= 31;
}

std::optional<std::vector<Subsample>> video_subsamples(ByteSpan sample, int nal_length_size, VideoCodec codec) {
  const auto units = codec::split_length_prefixed(sample, nal_length_size);
  if (!units) return std::nullopt;
  std::vector<Subsample> out;
  std::size_t clear = 0;  // clear bytes waiting for the next protected part
  std::size_t done = 0;   // bytes of the sample accounted for
  for (const ByteSpan unit : *units) {
    const auto at = static_cast<std::size_t>(unit.data() - sample.data());
    clear += at - done;  // its length field (and any empty units before it)
    done = at + unit.size();
    if (unit.size() >= kClearLeadBytes + 16 && is_vcl_nal(codec, unit[0])) {
      emit(out, clear + kClearLeadBytes, static_cast<std::uint32_t>(unit.size() - kClearLeadBytes));
      clear = 0;
    } else {
      clear += unit.size();
    }
  }
  clear += sample.size() - done;  // trailing empty units
  if (clear > 0 || (out.empty() && !sample.empty())) emit(out, clear, 0);
  return out;
}

}  // namespace bvlive::cenc
