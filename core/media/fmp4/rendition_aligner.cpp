#include "core/media/fmp4/rendition_aligner.hpp"

#include <utility>

namespace bvlive::fmp4 {

RenditionAligner::RenditionAligner(std::size_t renditions, double target_seconds, AlignerOptions options)
    : leader_(target_seconds, options.keyframe_fragments),
      followers_(renditions > 1 ? renditions - 1 : 0),
      keyframe_fragments_(options.keyframe_fragments),
      report_placed_(options.report_placed) {}

void RenditionAligner::report(std::size_t rendition, const Segment& segment, std::size_t index,
                              const TimedFragment& fragment) {
  if (!report_placed_) return;
  placed_.push_back({rendition, segment.sequence_number, index, segment.start_seconds, fragment.start_seconds,
                     fragment.duration_seconds, fragment.independent, fragment.bytes});
}

std::vector<AlignedSegment> RenditionAligner::push(std::size_t rendition, TimedFragment fragment) {
  std::vector<AlignedSegment> out;
  if (rendition == 0) {
    // Bytes are copied only when reported; the cutter takes the fragment after.
    std::optional<TimedFragment> copy;
    if (report_placed_) copy = fragment;
    auto seg = leader_.push(std::move(fragment));
    if (const auto& at = leader_.last_placement(); at && copy)
      report(0, Segment{at->sequence_number, at->segment_start_seconds, 0, {}}, at->index, *copy);
    if (seg) {
      leader_ends_.push_back(seg->start_seconds + seg->duration_seconds);
      out.push_back({0, std::move(*seg)});
      // A new boundary may release what followers were holding.
      for (std::size_t i = 0; i < followers_.size(); ++i) place(i + 1, followers_[i], out);
    }
    return out;
  }
  if (rendition > followers_.size()) return out;
  Follower& f = followers_[rendition - 1];
  f.pending.push_back(std::move(fragment));
  place(rendition, f, out);
  return out;
}

std::vector<AlignedSegment> RenditionAligner::flush() {
  std::vector<AlignedSegment> out;
  if (auto seg = leader_.flush()) {
    leader_ends_.push_back(seg->start_seconds + seg->duration_seconds);
    out.push_back({0, std::move(*seg)});
  }
  leader_done_ = true;
  for (std::size_t i = 0; i < followers_.size(); ++i) {
    place(i + 1, followers_[i], out);
    close(i + 1, followers_[i], out);
  }
  return out;
}

void RenditionAligner::close(std::size_t rendition, Follower& f, std::vector<AlignedSegment>& out) {
  if (f.open) out.push_back({rendition, std::move(*f.open)});
  f.open.reset();
  ++f.index;
}

void RenditionAligner::place(std::size_t rendition, Follower& f, std::vector<AlignedSegment>& out) {
  while (!f.pending.empty()) {
    const bool decided = f.index < leader_ends_.size();
    // The leader has not closed this segment yet: wait for its boundary. Once it has
    // finished, whatever remains belongs to this last segment.
    if (!decided && !leader_done_) return;
    TimedFragment& fragment = f.pending.front();
    // Only a keyframe can start the next segment: a fragment that is not one continues
    // the open segment, however close to the boundary (the short last part of a GOP).
    if (decided && (fragment.independent || !f.open)) {
      const double boundary = leader_ends_[f.index];
      if (fragment.start_seconds + fragment.duration_seconds / 2 >= boundary) {
        // It belongs to a later leader segment: this one is complete (or, when this
        // rendition has nothing for it, skipped).
        close(rendition, f, out);
        continue;
      }
    }
    if (!f.open) {
      if (!fragment.independent) {  // a decoder cannot start here
        f.pending.pop_front();
        continue;
      }
      f.open = Segment{f.index, fragment.start_seconds, 0, {}};
    }
    const double start = fragment.start_seconds, duration = fragment.duration_seconds;
    f.open->duration_seconds = start + duration - f.open->start_seconds;
    report(rendition, *f.open, f.open->fragments.size(), fragment);
    f.open->fragments.push_back(std::move(fragment.bytes));
    f.pending.pop_front();
    // The next fragment, if as long as this one, would have its midpoint past the
    // boundary: close now rather than a fragment later. Not with parts: a short part may
    // still end the GOP, and it would have no segment left to join.
    if (keyframe_fragments_ && decided && start + duration * 1.5 >= leader_ends_[f.index]) close(rendition, f, out);
  }
}

}  // namespace bvlive::fmp4
