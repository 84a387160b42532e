// Shared by fuzz_flv and fuzz_ts: what a remux source (FlvSource, TsSource) told the
// remuxer, compared field by field, so a target can check that a whole input and the same
// input in pieces give the same events.
#pragma once

#include <cstddef>
#include <variant>
#include <vector>

#include "core/media/remux/elementary.hpp"

namespace bvfuzz {

inline bool same_event(const bvlive::remux::SourceEvent& a, const bvlive::remux::SourceEvent& b) {
  using namespace bvlive::remux;
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<TrackSeen>(&a)) {
    const auto& y = std::get<TrackSeen>(b);
    return x->config == y.config && x->config.codecs == y.config.codecs && x->config.width == y.config.width &&
           x->config.height == y.config.height && x->config.sample_rate == y.config.sample_rate &&
           x->config.channels == y.config.channels && x->config.nal_length_size == y.config.nal_length_size;
  }
  if (const auto* x = std::get_if<SampleSeen>(&a)) {
    const auto& y = std::get<SampleSeen>(b);
    return x->sample.type == y.sample.type && x->sample.dts == y.sample.dts &&
           x->sample.composition_offset == y.sample.composition_offset && x->sample.keyframe == y.sample.keyframe &&
           x->sample.data == y.sample.data;
  }
  if (const auto* x = std::get_if<TracksExpected>(&a)) {
    const auto& y = std::get<TracksExpected>(b);
    return x->video == y.video && x->audio == y.audio;
  }
  if (const auto* x = std::get_if<Unusable>(&a)) return x->message == std::get<Unusable>(b).message;
  return std::get<Notice>(a).message == std::get<Notice>(b).message;
}

inline bool same_events(const std::vector<bvlive::remux::SourceEvent>& a,
                        const std::vector<bvlive::remux::SourceEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_event(a[i], b[i])) return false;
  return true;
}

}  // namespace bvfuzz
