// The ffmpeg command lines of the live-to-VOD job (all remuxes, -c copy, unless the
// library video's codecs need a re-encode for HLS). Pure: argv vectors, argv[0] = ffmpeg.
#pragma once

#include <string>
#include <vector>

namespace bvlive::ffmpeg {

// The downloadable MP4 from per-session fragmented MP4 parts listed in a concat demuxer
// file: one continuous timeline, moov in front (+faststart).
std::vector<std::string> concat_to_mp4_command(const std::string& ffmpeg, const std::string& list_file,
                                               const std::string& out_mp4);

// A library video as an HLS-ready MP4 (H.264 + AAC, first video and audio streams).
// Codecs other than h264/aac are re-encoded, with a keyframe every `keyframe_seconds` so
// that segments can be cut at that length.
std::vector<std::string> library_to_mp4_command(const std::string& ffmpeg, const std::string& input,
                                                const std::string& out_mp4, bool transcode_video,
                                                bool transcode_audio, double keyframe_seconds);

// An MP4 as fragmented MP4 on stdout, a fragment per keyframe: what the segmenter reads.
std::vector<std::string> mp4_to_fragments_command(const std::string& ffmpeg, const std::string& input);

// One file of a concat list and, when known (> 0), how long it plays.
struct ConcatPart {
  std::string path;
  double duration_seconds = 0;
};

// The concat demuxer's list: "ffconcat version 1.0" and one `file` line per part, quoted,
// each followed by its `duration` when known. A live session's part that starts after the
// session did (the recording window opened mid-session) has fragments that start late, and
// ffmpeg then takes the part's end time for its length: without `duration` the next part
// would start that much later, a frozen gap as long as what was left out.
std::string concat_list(const std::vector<ConcatPart>& parts);

}  // namespace bvlive::ffmpeg
