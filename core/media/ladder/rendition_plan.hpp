// Which renditions a session's packager makes, from the live's resolution tier, its ABR
// switch, the configured ladder, the watermark, and the source's height once known.
//
// - The top rendition is the source when it fits the tier (copied: no encode at all),
//   else the source scaled down to the tier's height.
// - A watermark, or a source codec HLS cannot carry (VP8), makes the top encoded too.
// - With ABR, every rung of the ladder below the top follows, encoded from the same
//   decoded frames. Without it, the top is the only rendition, named "".
// Rendition names are their heights ("720p"); a copied single rendition has height 0
// ("as the source"), so a source of any size that fits gives the same plan.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bvlive::ladder {

struct LadderRung {
  int height = 0;
  int video_kbps = 0;
  bool operator==(const LadderRung&) const = default;
};

// 2160p 16000, 1080p 5000, 720p 2800, 480p 1400, 360p 800 (kbit/s).
std::vector<LadderRung> default_ladder();

struct PlanInput {
  int tier_height = 720;               // hd 720, fhd 1080, 4k 2160
  bool abr = false;
  std::vector<LadderRung> ladder = default_ladder();  // highest first
  std::optional<int> source_height{};  // unknown before ffmpeg has read the input
  bool has_video = true;               // false: an audio-only source, copied
  bool watermark = false;
  bool reencode_video = false;         // the source's video codec cannot be copied
};

struct PlannedRendition {
  std::string name;  // "" (the only rendition) or "720p"
  bool copy = true;
  int height = 0;    // encoded: the output height; copied: 0
  int video_kbps = 0;
  bool operator==(const PlannedRendition&) const = default;
};

// Highest first. An unknown source is assumed to be exactly the tier's height, the most
// common case, so that knowing it later rarely changes the plan.
std::vector<PlannedRendition> plan_renditions(const PlanInput& in);

// Whether a plan is plain passthrough: one copied rendition, the packager as it always was.
bool is_passthrough(const std::vector<PlannedRendition>& plan);

// "720p copied", "1080p 5000k, 720p 2800k" for logs and events.
std::string describe(const std::vector<PlannedRendition>& plan);

}  // namespace bvlive::ladder
