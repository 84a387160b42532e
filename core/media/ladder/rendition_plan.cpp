#include "core/media/ladder/rendition_plan.hpp"

#include <algorithm>

namespace bvlive::ladder {

std::vector<LadderRung> default_ladder() { return {{2160, 16000}, {1080, 5000}, {720, 2800}, {480, 1400}, {360, 800}}; }

namespace {

// The bitrate for an output of `height`: the smallest rung at or above it, else the top rung.
int kbps_for(const std::vector<LadderRung>& ladder, int height) {
  const LadderRung* best = nullptr;
  for (const auto& r : ladder)
    if (r.height >= height && (!best || r.height < best->height)) best = &r;
  if (best) return best->video_kbps;
  const auto top = std::max_element(ladder.begin(), ladder.end(),
                                    [](const LadderRung& a, const LadderRung& b) { return a.height < b.height; });
  return top == ladder.end() ? 2800 : top->video_kbps;
}

}  // namespace

std::vector<PlannedRendition> plan_renditions(const PlanInput& in) {
  if (!in.has_video) return {PlannedRendition{}};
  const int source = in.source_height.value_or(in.tier_height);
  const int top_height = std::min(source, in.tier_height);
  const bool copy_top = !in.watermark && !in.reencode_video && source <= in.tier_height;
  std::vector<PlannedRendition> plan;
  PlannedRendition top;
  top.name = in.abr ? std::to_string(top_height) + "p" : "";
  top.copy = copy_top;
  top.height = copy_top ? 0 : top_height;
  top.video_kbps = copy_top ? 0 : kbps_for(in.ladder, top_height);
  plan.push_back(top);
  if (!in.abr) return plan;
  std::vector<LadderRung> rungs = in.ladder;
  std::sort(rungs.begin(), rungs.end(), [](const LadderRung& a, const LadderRung& b) { return a.height > b.height; });
  for (const auto& r : rungs)
    if (r.height < top_height) plan.push_back({std::to_string(r.height) + "p", false, r.height, r.video_kbps});
  return plan;
}

bool is_passthrough(const std::vector<PlannedRendition>& plan) { return plan.size() == 1 && plan.front().copy; }

std::string describe(const std::vector<PlannedRendition>& plan) {
  std::string out;
  for (const auto& r : plan) {
    if (!out.empty()) out += ", ";
    out += r.name.empty() ? (r.copy ? "source" : std::to_string(r.height) + "p") : r.name;
    out += r.copy ? " copied" : " " + std::to_string(r.video_kbps) + "k";
  }
  return out;
}

}  // namespace bvlive::ladder
