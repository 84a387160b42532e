#include "daemon/security/segment_protection.hpp"

#include <algorithm>

namespace bvlive {

SegmentProtection::SegmentProtection(PlaybackSecret& master, const SecuritySettings& settings)
    : master_(master), settings_(settings) {}

std::string SegmentProtection::key_name(const SegmentRecord& s) const {
  return std::to_string(security::key_period(s.program_date_time, settings_.key_rotation));
}

std::optional<std::string> SegmentProtection::key_name_of_file(std::string_view file) {
  if (!file.ends_with(".key")) return std::nullopt;
  const std::string_view name = file.substr(0, file.size() - 4);
  if (name == kVodKeyName) return std::string(name);
  const std::string_view digits = name.starts_with('-') ? name.substr(1) : name;
  if (digits.empty() || digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](char c) {
        return c >= '0' && c <= '9';
      }))
    return std::nullopt;
  return std::string(name);
}

security::SegmentKey SegmentProtection::key(const std::string& live_id, std::string_view name) const {
  return security::segment_key(master_.bytes(), live_id, name);
}

std::vector<std::uint8_t> SegmentProtection::seal(const std::string& live_id, std::string_view key_name,
                                                  std::int64_t seq, std::span<const std::uint8_t> clear) const {
  return security::encrypt_segment(clear, key(live_id, key_name), seq);
}

}  // namespace bvlive
