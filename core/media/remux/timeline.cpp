#include "core/media/remux/timeline.hpp"

namespace bvlive::remux {
namespace {

// Before a track has a plausible step of its own: about a frame.
constexpr std::int64_t kDefaultStep = kTicksPerSecond / 30;

}  // namespace

std::int64_t Timeline::map(Track& t, std::int64_t raw_step, std::int64_t raw, bool first, std::int64_t first_out) {
  corrected_last_ = false;
  if (first) {
    t.seen = true;
    t.last_raw = raw;
    t.last_out = first_out;
    return first_out;
  }
  std::int64_t step = raw_step;
  if (step < 0 || step > max_step_) {
    step = t.step > 0 ? t.step : kDefaultStep;
    ++corrections_;
    corrected_last_ = true;
  } else if (step > 0) {
    t.step = step;
  }
  t.last_raw = raw;
  t.last_out += step;
  return t.last_out;
}

std::int64_t Timeline::map_ms32(TrackType type, std::uint32_t ms) {
  Track& t = track(type);
  if (!origin_ms_) origin_ms_ = ms;
  // The difference modulo 2^32, read as signed: a wrap is a small positive step.
  const std::int64_t step_ms = static_cast<std::int32_t>(ms - static_cast<std::uint32_t>(t.last_raw));
  const std::int64_t since_origin = static_cast<std::int32_t>(ms - static_cast<std::uint32_t>(*origin_ms_));
  // A track that starts before the origin (audio a few ms ahead of video) starts at 0.
  const std::int64_t first_out = since_origin > 0 && since_origin <= max_step_ / 90 ? since_origin * 90 : 0;
  return map(t, step_ms * 90, ms, !t.seen, first_out);
}

std::int64_t Timeline::map_90k(TrackType type, std::int64_t ticks) {
  Track& t = track(type);
  if (!origin_90k_) origin_90k_ = ticks;
  const std::int64_t since_origin = ticks - *origin_90k_;
  const std::int64_t first_out = since_origin > 0 && since_origin <= max_step_ ? since_origin : 0;
  return map(t, ticks - t.last_raw, ticks, !t.seen, first_out);
}

}  // namespace bvlive::remux
