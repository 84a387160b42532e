// A library video read sample by sample, for a simulive whose file needs no re-encoding:
// an MP4 (or MOV) with H.264, HEVC or AV1 video and AAC audio whose decoder
// configurations are in the sample entries (avc1, hvc1, av01, mp4a). Its samples come out
// as the remuxer's track configurations and samples, as an encoder's would
// (remux/elementary.hpp), in decode order across tracks.
//
// open() says why another file does not qualify (another container, codec, or in-band
// parameter sets), and the session lets ffmpeg play it instead.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/media/fmp4/movie_reader.hpp"
#include "core/media/remux/elementary.hpp"
#include "core/media/remux/timeline.hpp"

namespace bvlive {

class FileSource {
 public:
  // Opens `path` at `start_seconds` (the video keyframe at or before it). The reason it
  // cannot be remuxed in process, or the source.
  static std::variant<std::unique_ptr<FileSource>, std::string> open(const std::string& path, double start_seconds);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  enum class Read { sample, end, failed };
  // The next sample, preceded the first time by the tracks (TracksExpected, TrackSeen).
  // `dts`: the sample's decode time on the timeline (90 kHz, from 0).
  Read next(std::vector<remux::SourceEvent>& out, std::int64_t& dts);
  const std::string& error() const { return error_; }

 private:
  FileSource() = default;
  struct Track {
    fmp4::MovieTrack movie;
    remux::TrackConfig config;
    std::size_t next = 0;  // the next sample to read
    bool present = false;
  };
  // Seconds of a track's sample's decode time, for ordering the tracks.
  static double seconds(const Track& t, std::size_t i) {
    return static_cast<double>(t.movie.samples[i].dts) / t.movie.timescale;
  }

  int fd_ = -1;
  std::string path_;
  Track video_, audio_;
  remux::Timeline timeline_;
  bool announced_ = false;
  std::string error_;
};

}  // namespace bvlive
