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

// The concat demuxer's list: "ffconcat version 1.0" and one `file` line per part, quoted.
std::string concat_list(const std::vector<std::string>& files);

}  // namespace bvlive::ffmpeg
