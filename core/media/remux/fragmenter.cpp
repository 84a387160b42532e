#include "core/media/remux/fragmenter.hpp"

#include <cmath>

#include "core/media/fmp4/fragment_writer.hpp"
#include "core/media/fmp4/init_writer.hpp"

namespace bvlive::remux {
namespace {

fmp4::FourCC entry_code(Codec c) {
  switch (c) {
    case Codec::h264: return fmp4::fourcc("avc1");
    case Codec::hevc: return fmp4::fourcc("hvc1");
    case Codec::av1: return fmp4::fourcc("av01");
    case Codec::aac: break;
  }
  return fmp4::fourcc("mp4a");
}

std::int64_t rescale(std::int64_t v, std::int64_t to, std::int64_t from) {
  // Rounded to nearest; the values stay far below the overflow of v * to.
  const std::int64_t n = v * to;
  return n >= 0 ? (n + from / 2) / from : -((-n + from / 2) / from);
}

}  // namespace

void Fragmenter::set_tracks(const std::optional<TrackConfig>& video, const std::optional<TrackConfig>& audio,
                            std::vector<FragmentOutput>& out) {
  if (video == video_.config && audio == audio_.config) return;
  flush(out);
  video_.config = video;
  audio_.config = audio;
  // A new configuration starts at a keyframe; audio keeps its timeline.
  video_.started = false;
  video_.has_last = false;
  video_.timescale = static_cast<std::uint32_t>(kTicksPerSecond);
  if (audio) {
    const auto rate = static_cast<std::uint32_t>(audio->sample_rate > 0 ? audio->sample_rate : 48'000);
    if (audio_.timescale != rate) audio_.has_last = false;
    audio_.timescale = rate;
  }
  video_.id = video ? 1 : 0;
  audio_.id = audio ? (video ? 2 : 1) : 0;
  write_init(out);
}

void Fragmenter::write_init(std::vector<FragmentOutput>& out) {
  std::vector<fmp4::TrackEntry> entries;
  if (const auto& v = video_.config) {
    fmp4::TrackEntry e;
    e.track_id = video_.id;
    e.kind = fmp4::TrackKind::video;
    e.timescale = video_.timescale;
    e.sample_entry = entry_code(v->codec);
    e.config = v->record;
    e.width = static_cast<std::uint16_t>(v->width);
    e.height = static_cast<std::uint16_t>(v->height);
    entries.push_back(std::move(e));
  }
  if (const auto& a = audio_.config) {
    fmp4::TrackEntry e;
    e.track_id = audio_.id;
    e.kind = fmp4::TrackKind::audio;
    e.timescale = audio_.timescale;
    e.sample_entry = fmp4::fourcc("mp4a");
    e.config = a->record;
    e.sample_rate = static_cast<std::uint32_t>(a->sample_rate);
    e.channels = static_cast<std::uint16_t>(a->channels > 0 ? a->channels : 2);
    entries.push_back(std::move(e));
  }
  if (entries.empty()) return;
  out.emplace_back(fmp4::InitSegment{fmp4::write_init_segment(entries), fmp4::init_info_of(entries)});
}

bool Fragmenter::full(const Track& t, double seconds) {
  // Millisecond RTMP timestamps put nine 30 fps frames at 299 to 301 ms: 2 ms of slack
  // keeps a part at the frame count its PART-TARGET was computed for.
  const double slack = 0.002 * t.timescale;
  return static_cast<double>(t.known_ticks) + slack >= seconds * t.timescale;
}

void Fragmenter::set_duration(Track& t, std::int64_t next_dts) {
  if (t.held.empty() || t.held.back().duration_known) return;
  Held& last = t.held.back();
  const std::int64_t d = next_dts - last.dts;
  last.duration = static_cast<std::uint32_t>(d > 0 ? d : 1);
  last.duration_known = true;
  t.known_ticks += last.duration;
}

void Fragmenter::push(Sample s, std::vector<FragmentOutput>& out) {
  if (s.type == TrackType::video && video_.config) push_video(s, out);
  else if (s.type == TrackType::audio && audio_.config) push_audio(s, out);
  else ++dropped_;
}

void Fragmenter::push_video(Sample& s, std::vector<FragmentOutput>& out) {
  Track& t = video_;
  if (!t.started) {
    if (!s.keyframe) {
      ++dropped_;
      return;
    }
    t.started = true;
  }
  std::int64_t dts = s.dts;  // the video timescale is the timeline's own 90 kHz
  std::int32_t offset = s.composition_offset;
  if (t.has_last && dts <= t.last_dts) {
    // Keep the presentation time: what the decode time gains, the offset gives back.
    offset += static_cast<std::int32_t>(dts - (t.last_dts + 1));
    dts = t.last_dts + 1;
  }
  if (t.has_last) t.last_step = static_cast<std::uint32_t>(dts - t.last_dts);
  set_duration(t, dts);
  // The held video is complete up to this sample: a keyframe starts the next fragment, and
  // so does enough of it for a part.
  const bool part_full = options_.part_seconds > 0 && full(t, options_.part_seconds);
  if (s.keyframe || part_full) cut(out);
  t.held.push_back(Held{dts, offset, s.keyframe, 0, false, std::move(s.data)});
  t.bytes += t.held.back().data.size();
  t.last_dts = dts;
  t.has_last = true;
}

void Fragmenter::push_audio(Sample& s, std::vector<FragmentOutput>& out) {
  Track& t = audio_;
  if (video_.config && !video_.started) {
    ++dropped_;  // nothing to play it with yet
    return;
  }
  const std::int64_t frame = audio_.config->samples_per_frame > 0 ? audio_.config->samples_per_frame : 1024;
  const std::int64_t input = rescale(s.dts, t.timescale, kTicksPerSecond);
  std::int64_t dts = input;
  if (t.has_last) {
    const std::int64_t expected = t.last_dts + frame;
    // Within half a frame of where the frames so far end: the encoder's clock rounding.
    // Further ahead: a gap in the sound, kept. Behind by more than a frame: resync to the
    // encoder; otherwise continue from the frames.
    if (input > expected + frame / 2 || input < expected - frame) dts = input;
    else dts = expected;
    if (dts <= t.last_dts) dts = expected;
  }
  set_duration(t, dts);
  t.held.push_back(Held{dts, 0, true, 0, false, std::move(s.data)});
  t.bytes += t.held.back().data.size();
  t.last_dts = dts;
  t.has_last = true;
  t.started = true;
  if (!video_.config) {
    const double seconds = options_.part_seconds > 0 ? options_.part_seconds : options_.audio_fragment_seconds;
    if (full(t, seconds)) cut(out);
  }
}

void Fragmenter::flush(std::vector<FragmentOutput>& out) {
  // The newest sample of each track gets the step before it (an AAC frame for audio).
  for (Track* t : {&video_, &audio_}) {
    if (t->held.empty() || t->held.back().duration_known) continue;
    std::int64_t step = t->last_step > 0 ? t->last_step : kTicksPerSecond / 30;
    if (t == &audio_ && audio_.config) step = audio_.config->samples_per_frame > 0 ? audio_.config->samples_per_frame : 1024;
    set_duration(*t, t->held.back().dts + step);
  }
  cut(out);
}

void Fragmenter::cut(std::vector<FragmentOutput>& out) {
  std::vector<fmp4::TrackRun> runs;
  std::size_t taken_video = 0, taken_audio = 0;
  for (Track* t : {&video_, &audio_}) {
    if (!t->config) continue;
    fmp4::TrackRun run;
    run.track_id = t->id;
    run.kind = t == &video_ ? fmp4::TrackKind::video : fmp4::TrackKind::audio;
    run.timescale = t->timescale;
    std::size_t n = 0;
    for (const Held& h : t->held) {
      if (!h.duration_known) break;
      if (n == 0) run.base_decode_time = static_cast<std::uint64_t>(h.dts < 0 ? 0 : h.dts);
      run.samples.push_back({h.duration, h.composition_offset, h.keyframe, h.data});
      ++n;
    }
    (t == &video_ ? taken_video : taken_audio) = n;
    runs.push_back(std::move(run));
  }
  if (taken_video == 0 && taken_audio == 0) return;
  out.emplace_back(fmp4::write_fragment(sequence_++, runs, video_.config.has_value()));
  for (Track* t : {&video_, &audio_}) {
    const std::size_t n = t == &video_ ? taken_video : taken_audio;
    for (std::size_t i = 0; i < n; ++i) {
      t->bytes -= t->held.front().data.size();
      t->known_ticks -= t->held.front().duration;
      t->held.pop_front();
    }
  }
}

}  // namespace bvlive::remux
