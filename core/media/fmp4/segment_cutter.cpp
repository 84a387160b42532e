#include "core/media/fmp4/segment_cutter.hpp"

#include <utility>

namespace bvlive::fmp4 {

namespace {

// Durations are sums of tick ratios; allow for rounding so an exact 2 s GOP pair is not
// read as 1.999999 s and pushed to a third GOP.
constexpr double kToleranceSeconds = 1e-3;

}  // namespace

std::optional<TimedFragment> timed_fragment(const FragmentInfo& info, Bytes bytes) {
  const TrackFragmentInfo* traf = info.video();
  if (!traf && !info.tracks.empty()) traf = &info.tracks.front();
  if (!traf || !traf->base_media_decode_time || traf->timescale == 0) return std::nullopt;
  const double scale = traf->timescale;
  return TimedFragment{static_cast<double>(*traf->base_media_decode_time) / scale,
                       static_cast<double>(traf->total_duration) / scale,
                       info.starts_independent(), std::move(bytes)};
}

std::optional<Segment> SegmentCutter::push(TimedFragment fragment) {
  std::optional<Segment> closed;
  placement_.reset();
  if (fragment.independent && open_ &&
      open_->duration_seconds + kToleranceSeconds >= target_seconds_) {
    closed = close();
  }
  if (!open_) {
    if (!fragment.independent) {
      ++dropped_;
      return closed;
    }
    open_ = Segment{next_sequence_++, fragment.start_seconds, 0, {}};
  }
  open_->duration_seconds =
      fragment.start_seconds + fragment.duration_seconds - open_->start_seconds;
  open_->fragments.push_back(std::move(fragment.bytes));
  placement_ = Placement{open_->sequence_number, open_->fragments.size() - 1, open_->start_seconds};
  if (!closed && keyframe_fragments_ && open_->duration_seconds + kToleranceSeconds >= target_seconds_)
    closed = close();
  return closed;
}

std::optional<Segment> SegmentCutter::flush() {
  if (!open_) return std::nullopt;
  return close();
}

Segment SegmentCutter::close() {
  Segment segment = std::move(*open_);
  open_.reset();
  return segment;
}

}  // namespace bvlive::fmp4
