#include "sessions/flv_resume.hpp"

#include <algorithm>

namespace bvlive {
namespace {
constexpr std::size_t kHeaderBytes = 9 + 4;  // FLV header + PreviousTagSize0
constexpr std::size_t kTagHeaderBytes = 11;
constexpr std::uint8_t kAudio = 8, kVideo = 9, kScript = 18;
}  // namespace

std::vector<std::uint8_t> FlvResume::feed(std::span<const std::uint8_t> bytes) {
  std::vector<std::uint8_t> out;
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  std::size_t at = 0;
  if (header_.empty()) {
    if (pending_.size() < kHeaderBytes) return out;
    header_.assign(pending_.begin(), pending_.begin() + kHeaderBytes);
    out.insert(out.end(), header_.begin(), header_.end());
    at = kHeaderBytes;
  }
  while (pending_.size() - at >= kTagHeaderBytes) {
    const std::uint8_t* p = pending_.data() + at;
    const std::size_t body = (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
    const std::size_t whole = kTagHeaderBytes + body + 4;
    if (pending_.size() - at < whole) break;
    on_tag(std::span<const std::uint8_t>(p, whole), out);
    at += whole;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(at));
  return out;
}

void FlvResume::on_tag(std::span<const std::uint8_t> tag, std::vector<std::uint8_t>& out) {
  const std::uint8_t type = tag[0] & 0x1f;
  const auto body = tag.subspan(kTagHeaderBytes, tag.size() - kTagHeaderBytes - 4);
  bool keyframe = false;
  if (type == kScript) {
    metadata_.assign(tag.begin(), tag.end());
  } else if (type == kVideo && !body.empty()) {
    has_video_ = true;
    const bool enhanced = (body[0] & 0x80) != 0;  // Enhanced RTMP: the low nibble is the packet type
    const bool config = enhanced ? (body[0] & 0x0f) == 0 : body.size() > 1 && body[1] == 0;
    keyframe = ((body[0] >> 4) & 0x07) == 1 && !config;
    if (config) video_config_.assign(tag.begin(), tag.end());
  } else if (type == kAudio && body.size() > 1 && (body[0] >> 4) == 10 && body[1] == 0) {
    audio_config_.assign(tag.begin(), tag.end());  // AAC AudioSpecificConfig
  }
  if (waiting_) {
    if (has_video_ && !(type == kVideo && keyframe)) return;
    waiting_ = false;
  }
  out.insert(out.end(), tag.begin(), tag.end());
}

std::vector<std::uint8_t> FlvResume::restart() {
  std::vector<std::uint8_t> out = header_;
  for (const auto* tag : {&metadata_, &video_config_, &audio_config_}) out.insert(out.end(), tag->begin(), tag->end());
  waiting_ = !header_.empty();
  return out;
}

}  // namespace bvlive
