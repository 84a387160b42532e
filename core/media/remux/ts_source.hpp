// Reads what an SRT encoder sends, MPEG-TS, into track configurations and samples: H.264
// or HEVC access units (Annex B: their in-band parameter sets become the avcC/hvcC record,
// a change of them a new configuration; the rest become length-prefixed NAL units, as
// ISO/IEC 14496-15 stores them) and AAC frames (the ADTS header becomes the
// AudioSpecificConfig and is stripped). Times go through a Timeline.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/media/remux/elementary.hpp"
#include "core/media/remux/timeline.hpp"
#include "core/media/ts/demuxer.hpp"

namespace bvlive::remux {

class TsSource {
 public:
  void feed(std::span<const std::uint8_t> bytes, std::vector<SourceEvent>& out);
  // End of stream: the last video access unit is complete.
  void finish(std::vector<SourceEvent>& out);

 private:
  void handle(std::vector<ts::Event> events, std::vector<SourceEvent>& out);
  void on_program(const ts::ProgramChanged& p, std::vector<SourceEvent>& out);
  void on_video(ts::Sample& s, std::vector<SourceEvent>& out);
  void on_audio(ts::Sample& s, std::vector<SourceEvent>& out);

  ts::Demuxer demuxer_;
  Timeline timeline_;
  std::optional<std::uint16_t> video_pid_, audio_pid_;
  ts::StreamKind video_kind_ = ts::StreamKind::other;
  std::optional<TrackConfig> video_, audio_;
  Bytes audio_asc_;
  bool told_no_config_ = false;
  bool failed_ = false;
};

}  // namespace bvlive::remux
