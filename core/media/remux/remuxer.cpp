#include "core/media/remux/remuxer.hpp"

#include <algorithm>

namespace bvlive::remux {

Remuxer::Remuxer(Container container, RemuxOptions options)
    : container_(container), options_(options), fragmenter_(options.fragments) {}

void Remuxer::feed(std::span<const std::uint8_t> bytes, RemuxOutput& out) {
  if (failed_) return;
  std::vector<SourceEvent> events;
  if (container_ == Container::flv) flv_.feed(bytes, events);
  else if (container_ == Container::mpegts) ts_.feed(bytes, events);
  handle(events, out);
}

void Remuxer::feed_events(std::vector<SourceEvent>& events, RemuxOutput& out) {
  if (!failed_) handle(events, out);
}

void Remuxer::finish(RemuxOutput& out) {
  if (failed_) return;
  std::vector<SourceEvent> events;
  if (container_ == Container::mpegts) ts_.finish(events);
  handle(events, out);
  if (failed_) return;
  maybe_start(out, true);
  fragmenter_.flush(out.media);
}

void Remuxer::handle(std::vector<SourceEvent>& events, RemuxOutput& out) {
  for (auto& ev : events) {
    if (failed_) return;
    if (auto* s = std::get_if<SampleSeen>(&ev)) {
      if (started_) {
        if (s->sample.type == TrackType::video) note_video_pace(s->sample.dts, out);
        fragmenter_.push(std::move(s->sample), out.media);
      } else {
        pending_bytes_ += s->sample.data.size();
        pending_.push_back(std::move(s->sample));
        maybe_start(out, false);
      }
    } else if (auto* t = std::get_if<TrackSeen>(&ev)) {
      (track_type(t->config.codec) == TrackType::video ? video_ : audio_) = t->config;
      if (started_) {
        fragmenter_.set_tracks(video_, audio_, out.media);
        out.media_info = media_info();
      } else {
        maybe_start(out, false);
      }
    } else if (auto* e = std::get_if<TracksExpected>(&ev)) {
      expected_ = *e;
      if (!started_) maybe_start(out, false);
    } else if (auto* u = std::get_if<Unusable>(&ev)) {
      failed_ = true;
      out.unusable = u->message;
    } else if (auto* n = std::get_if<Notice>(&ev)) {
      out.notices.push_back(n->message);
    }
  }
}

void Remuxer::maybe_start(RemuxOutput& out, bool force) {
  if (started_ || (!video_ && !audio_)) return;
  const bool want_video = expected_ ? expected_->video : true;
  const bool want_audio = expected_ ? expected_->audio : true;
  bool ready = force || ((!want_video || video_) && (!want_audio || audio_));
  if (!ready && !pending_.empty()) {
    const auto [lo, hi] = std::minmax_element(pending_.begin(), pending_.end(),
                                              [](const Sample& a, const Sample& b) { return a.dts < b.dts; });
    ready = static_cast<double>(hi->dts - lo->dts) >= options_.wait_seconds * kTicksPerSecond ||
            pending_bytes_ >= options_.max_held_bytes;
  }
  if (!ready) return;
  started_ = true;
  // Without a frame rate in the bitstream, the held video's own pace tells it.
  std::int64_t first = -1, last = -1, frames = 0;
  for (const Sample& s : pending_) {
    if (s.type != TrackType::video) continue;
    if (first < 0) first = s.dts;
    last = s.dts;
    ++frames;
  }
  if (frames > 1 && last > first) frame_rate_estimate_ = static_cast<double>(frames - 1) * kTicksPerSecond / (last - first);
  fragmenter_.set_tracks(video_, audio_, out.media);
  out.media_info = media_info();
  for (auto& s : pending_) fragmenter_.push(std::move(s), out.media);
  pending_.clear();
  pending_bytes_ = 0;
}

void Remuxer::note_video_pace(std::int64_t dts, RemuxOutput& out) {
  // A bitstream without timing info and no video held at the start: a second of frames
  // tells the rate (the LL-HLS part target is aligned to it).
  if (frame_rate_estimate_ > 0 || !video_ || video_->frame_rate > 0) return;
  if (paced_frames_++ == 0) paced_first_dts_ = dts;
  if (paced_frames_ < 31 || dts <= paced_first_dts_) return;
  frame_rate_estimate_ = static_cast<double>(paced_frames_ - 1) * kTicksPerSecond / (dts - paced_first_dts_);
  out.media_info = media_info();
}

ffmpeg::MediaInfo Remuxer::media_info() const {
  ffmpeg::MediaInfo m;
  if (video_) {
    m.video_codec = codec_name(video_->codec);
    m.width = video_->width;
    m.height = video_->height;
    m.frame_rate = video_->frame_rate > 0 ? video_->frame_rate : frame_rate_estimate_;
  }
  if (audio_) {
    m.audio_codec = codec_name(audio_->codec);
    m.sample_rate = audio_->sample_rate;
    m.channels = audio_->channels;
  }
  return m;
}

}  // namespace bvlive::remux
