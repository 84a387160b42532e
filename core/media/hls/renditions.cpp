#include "core/media/hls/renditions.hpp"

#include <algorithm>
#include <charconv>

namespace bvlive::hls {

int rendition_height(std::string_view rendition) {
  if (rendition.size() < 2 || rendition.back() != 'p') return 0;
  int height = 0;
  const auto digits = rendition.substr(0, rendition.size() - 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), height);
  if (ec != std::errc() || end != digits.data() + digits.size() || height <= 0) return 0;
  return height;
}

std::string rendition_name(int height) { return std::to_string(height) + "p"; }

std::string rendition_playlist(std::string_view rendition) {
  if (rendition.empty()) return "media.m3u8";
  return "media_" + std::string(rendition) + ".m3u8";
}

bool rendition_of_playlist(std::string_view file, std::string& rendition) {
  if (file == "media.m3u8") {
    rendition.clear();
    return true;
  }
  constexpr std::string_view prefix = "media_", suffix = ".m3u8";
  if (!file.starts_with(prefix) || !file.ends_with(suffix)) return false;
  const auto name = file.substr(prefix.size(), file.size() - prefix.size() - suffix.size());
  if (rendition_height(name) == 0) return false;
  rendition = std::string(name);
  return true;
}

namespace {

// The best stand-in for `want` among the renditions of one seq, [first, last).
const SegmentRecord& pick(std::span<const SegmentRecord> group, std::string_view want) {
  if (group.size() == 1) return group.front();
  const int want_height = rendition_height(want);
  const SegmentRecord* best_below = nullptr;  // highest not above `want`
  const SegmentRecord* lowest = nullptr;
  const SegmentRecord* highest = nullptr;
  for (const auto& s : group) {
    if (!want.empty() && s.rendition == want) return s;
    const int h = rendition_height(s.rendition);
    if (!highest || h > rendition_height(highest->rendition)) highest = &s;
    if (!lowest || h < rendition_height(lowest->rendition)) lowest = &s;
    if (h <= want_height && (!best_below || h > rendition_height(best_below->rendition))) best_below = &s;
  }
  if (want.empty()) return *highest;
  return best_below ? *best_below : *lowest;
}

}  // namespace

std::vector<SegmentRecord> rendition_view(std::span<const SegmentRecord> all, std::string_view rendition) {
  std::vector<SegmentRecord> out;
  out.reserve(all.size());
  std::size_t i = 0;
  while (i < all.size()) {
    std::size_t j = i + 1;
    while (j < all.size() && all[j].seq == all[i].seq) ++j;
    out.push_back(pick(all.subspan(i, j - i), rendition));
    i = j;
  }
  // The newest seqs of a push that has this rendition but has not written it for them yet
  // (a lower rendition trails the top one by a moment): left out, not stood in for, or the
  // playlist's live edge would switch to another rendition and back.
  if (!rendition.empty()) {
    while (!out.empty() && out.back().rendition != rendition &&
           std::any_of(out.begin(), out.end(), [&](const SegmentRecord& s) {
             return s.rendition == rendition && s.session_id == out.back().session_id;
           }))
      out.pop_back();
  }
  return out;
}

std::vector<std::string> session_renditions(std::span<const SegmentRecord> all, std::string_view session_id) {
  std::vector<std::string> out;
  for (const auto& s : all)
    if (s.session_id == session_id && std::find(out.begin(), out.end(), s.rendition) == out.end())
      out.push_back(s.rendition);
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return rendition_height(a) > rendition_height(b); });
  return out;
}

void measure_bandwidth(std::span<const SegmentRecord> segments, Variant& variant, std::size_t recent) {
  double peak = 0, bytes = 0, seconds = 0;
  const std::size_t from = segments.size() > recent ? segments.size() - recent : 0;
  for (std::size_t i = from; i < segments.size(); ++i) {
    if (segments[i].duration <= 0) continue;
    peak = std::max(peak, static_cast<double>(segments[i].bytes) * 8.0 / segments[i].duration);
    bytes += static_cast<double>(segments[i].bytes);
    seconds += segments[i].duration;
  }
  variant.bandwidth = std::max<std::int64_t>(static_cast<std::int64_t>(peak), 1);
  if (seconds > 0) variant.average_bandwidth = static_cast<std::int64_t>(bytes * 8 / seconds);
}

}  // namespace bvlive::hls
