// The ffmpeg command line of a session's packager: the encoder's stream on stdin (FLV from
// RTMP, MPEG-TS from SRT), fragmented MP4 (CMAF) on stdout, log and progress on stderr.
#pragma once

#include <string>
#include <vector>

namespace bvlive::ffmpeg {

// Flv, MpegTs: the encoder's stream on stdin. RtpSdp: RTP on loopback UDP described by an
// SDP file (WHIP), read by ffmpeg's own RTP demuxer.
// File: a library video read by ffmpeg itself (a simulive's playout).
// Slate: a still picture (an image, or a card ffmpeg draws) with silence, in real time,
// until stopped; only with renditions (it is always encoded).
enum class InputFormat { Flv, MpegTs, RtpSdp, File, Slate };

// One output of a transcoding packager: a rendition of the ladder.
struct RenditionOutput {
  bool copy = true;     // the source's video as is (only ever the top rendition)
  int height = 0;       // encoded: scaled down to this height, never up (width keeps the aspect)
  int video_kbps = 0;   // encoded: target and peak bitrate
  bool operator==(const RenditionOutput&) const = default;
};

enum class Corner { TopLeft, TopRight, BottomLeft, BottomRight };

// An image drawn over the video before it is scaled into renditions, so it sits at the
// same place and proportion in each.
struct WatermarkArgs {
  std::string image_path;     // empty: none
  Corner corner = Corner::TopRight;
  double width_ratio = 0.15;  // its width as a fraction of the frame's (height keeps its aspect)
  double margin_ratio = 0.03; // its distance from both edges, as a fraction of the frame's height
};

struct PackagerArgs {
  std::string ffmpeg = "ffmpeg";  // path or name looked up in PATH (media.ffmpeg)
  InputFormat input = InputFormat::Flv;
  // 0: one fragment per keyframe (a GOP). Otherwise fragments are also cut after this many
  // milliseconds (-frag_duration), for LL-HLS parts, each flushed to the pipe at once
  // (-flush_packets 1); only those starting at a keyframe are then independent.
  int fragment_duration_ms = 0;
  std::string sdp_path;           // RtpSdp: the SDP file
  std::string input_path;         // File: the video
  bool realtime = false;          // File: read at the native rate (-re), as a live would arrive
  double start_seconds = 0;       // File: start this far into it (-ss), to resume a playout
  std::string slate_image;        // Slate: the picture, fitted into 1280x720; "" for a card
  std::string slate_title_file;   // Slate card: its two lines of text, read from files
  std::string slate_detail_file;
  bool transcode_video = false;   // re-encode video to H.264 (a VP8 WebRTC source)
  bool transcode_audio = false;   // re-encode audio to AAC (Opus from WebRTC)

  // Transcoding. Empty: one output, copied (or re-encoded as transcode_video says).
  // Otherwise one fMP4 output per rendition, the first on stdout and the next ones on fds
  // 3, 4, ... (rendition_fd), with keyframes on the same frames in every one: the
  // source's when the top rendition is copied, else every keyframe_interval seconds.
  std::vector<RenditionOutput> renditions;
  WatermarkArgs watermark;
  std::string preset = "veryfast";  // x264
  double keyframe_interval = 2.0;
  int audio_kbps = 128;             // when audio is re-encoded
};

// The fd a rendition's output is written to: 1 (stdout) for the first, then 3, 4, ...
int rendition_fd(std::size_t rendition);

// "flv" / "mpegts": the demuxer name given to -f.
const char* input_format_name(InputFormat format);

// argv (argv[0] = args.ffmpeg) for passthrough packaging: -c copy of the first video and
// first audio stream into fragmented MP4 that starts a fragment at every keyframe (and
// every fragment_duration_ms if set), with
// tfhd default-base-is-moof (the segmenter copies fragments out of the stream, so their
// data offsets must be relative to their own moof).
// With renditions, ladder_command(args).
std::vector<std::string> packager_command(const PackagerArgs& args);

// A transcoding packager: one output per rendition (see PackagerArgs::renditions), audio
// copied (or re-encoded to AAC) into each.
std::vector<std::string> ladder_command(const PackagerArgs& args);

}  // namespace bvlive::ffmpeg
