#include "core/media/cenc/subsample_layout.hpp"

#include <limits>

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
  if (nal_length_size != 1 && nal_length_size != 2 && nal_length_size != 4) return std::nullopt;
  const auto length_size = static_cast<std::size_t>(nal_length_size);
  std::vector<Subsample> out;
  std::size_t clear = 0;  // clear bytes waiting for the next protected part
  std::size_t at = 0;
  while (at < sample.size()) {
    if (sample.size() - at < length_size) return std::nullopt;
    std::size_t n = 0;
    for (std::size_t i = 0; i < length_size; ++i) n = (n << 8) | sample[at + i];
    at += length_size;
    if (n > sample.size() - at) return std::nullopt;
    const bool protect = n >= kClearLeadBytes + 16 && is_vcl_nal(codec, sample[at]);
    if (protect) {
      emit(out, clear + length_size + kClearLeadBytes, static_cast<std::uint32_t>(n - kClearLeadBytes));
      clear = 0;
    } else {
      clear += length_size + n;
    }
    at += n;
  }
  if (clear > 0 || (out.empty() && !sample.empty())) emit(out, clear, 0);
  return out;
}

}  // namespace bvlive::cenc
