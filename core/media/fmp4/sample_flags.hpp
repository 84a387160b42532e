// The 32-bit sample_flags word of trex/tfhd/trun (ISO/IEC 14496-12 §8.8.3.1):
// is_leading(2) depends_on(2) is_depended_on(2) has_redundancy(2) padding(3)
// is_non_sync(1) degradation_priority(16), from the most significant bit down.
#pragma once

#include <cstdint>

namespace bvlive::fmp4 {

constexpr std::uint32_t sample_depends_on(std::uint32_t flags) { return (flags >> 24) & 0x3; }
constexpr bool sample_is_non_sync(std::uint32_t flags) { return ((flags >> 16) & 0x1) != 0; }

// A sample a decoder can start at: declared to depend on no other (depends_on == 2, an
// I-picture) or not marked non-sync.
constexpr bool sample_is_sync(std::uint32_t flags) {
  return sample_depends_on(flags) == 2 || !sample_is_non_sync(flags);
}

// What ffmpeg writes: a key frame, and a frame that depends on others.
inline constexpr std::uint32_t kSyncSampleFlags = 0x02000000;
inline constexpr std::uint32_t kNonSyncSampleFlags = 0x01010000;

}  // namespace bvlive::fmp4
