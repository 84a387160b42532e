// The ffmpeg command line of a session's packager: the encoder's stream on stdin (FLV from
// RTMP, MPEG-TS from SRT), fragmented MP4 (CMAF) on stdout, log and progress on stderr.
#pragma once

#include <string>
#include <vector>

namespace bvlive::ffmpeg {

// Flv, MpegTs: the encoder's stream on stdin. RtpSdp: RTP on loopback UDP described by an
// SDP file (WHIP), read by ffmpeg's own RTP demuxer.
// File: a library video read by ffmpeg itself (a simulive's playout).
enum class InputFormat { Flv, MpegTs, RtpSdp, File };

struct PackagerArgs {
  std::string ffmpeg = "ffmpeg";  // path or name looked up in PATH (media.ffmpeg)
  InputFormat input = InputFormat::Flv;
  // 0: one fragment per keyframe (a GOP). Otherwise fragments are also cut after this many
  // milliseconds (-frag_duration), for LL-HLS parts; only those starting at a keyframe
  // are then independent.
  int fragment_duration_ms = 0;
  std::string sdp_path;           // RtpSdp: the SDP file
  std::string input_path;         // File: the video
  bool realtime = false;          // File: read at the native rate (-re), as a live would arrive
  double start_seconds = 0;       // File: start this far into it (-ss), to resume a playout
  bool transcode_video = false;   // re-encode video to H.264 (a VP8 WebRTC source)
  bool transcode_audio = false;   // re-encode audio to AAC (Opus from WebRTC)
};

// "flv" / "mpegts": the demuxer name given to -f.
const char* input_format_name(InputFormat format);

// argv (argv[0] = args.ffmpeg) for passthrough packaging: -c copy of the first video and
// first audio stream into fragmented MP4 that starts a fragment at every keyframe (and
// every fragment_duration_ms if set), with
// tfhd default-base-is-moof (the segmenter copies fragments out of the stream, so their
// data offsets must be relative to their own moof).
std::vector<std::string> packager_command(const PackagerArgs& args);

}  // namespace bvlive::ffmpeg
