#include "core/media/ffmpeg/packager_command.hpp"

#include <cstdio>
#include <utility>

#include "core/media/ffmpeg/cover_commands.hpp"

namespace bvlive::ffmpeg {

const char* input_format_name(InputFormat format) {
  switch (format) {
    case InputFormat::Flv: return "flv";
    case InputFormat::MpegTs: return "mpegts";
    case InputFormat::RtpSdp: return "sdp";
    case InputFormat::File:
    case InputFormat::Slate: return "";
  }
  return "flv";
}

int rendition_fd(std::size_t rendition) { return rendition == 0 ? 1 : static_cast<int>(rendition) + 2; }

namespace {

// LL-HLS parts: a fragment every `ms` as well as at keyframes, written to the pipe as soon
// as it is complete (-flush_packets 1: no output buffer holds a part back).
void argv_short_fragments(std::vector<std::string>& argv, int ms) {
  argv.insert(argv.end(), {"-frag_duration", std::to_string(ms * 1000LL), "-flush_packets", "1"});
}

// Encoded video keeps the source's frame times. ffmpeg's default for MP4 is a constant rate,
// the one it estimated while probing; when it could not estimate one (a WebRTC source on a
// loaded machine, an encoder without frame-rate metadata) it takes the stream's clock, 90 kHz
// for RTP or 1 kHz for FLV, and would repeat every frame that many times a second: the encode
// falls behind and never finishes a segment. A live source's own timing is the right one.
void argv_source_timing(std::vector<std::string>& argv) { argv.insert(argv.end(), {"-fps_mode:v", "vfr"}); }

std::string decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// The overlay's x and y for a corner, in overlay's own variables.
std::pair<std::string, std::string> corner_position(Corner corner, double margin_ratio) {
  const std::string m = "main_h*" + decimal(margin_ratio);
  const std::string left = m, right = "main_w-overlay_w-" + m;
  const std::string top = m, bottom = "main_h-overlay_h-" + m;
  switch (corner) {
    case Corner::TopLeft: return {left, top};
    case Corner::TopRight: return {right, top};
    case Corner::BottomLeft: return {left, bottom};
    case Corner::BottomRight: return {right, bottom};
  }
  return {right, top};
}

// -filter_complex for the encoded renditions: [0:v] (with the watermark drawn over it)
// split into one scaled chain per encoded rendition, labelled [v0], [v1], ... by index.
std::string ladder_filter(const PackagerArgs& args) {
  std::vector<std::size_t> encoded;
  for (std::size_t i = 0; i < args.renditions.size(); ++i)
    if (!args.renditions[i].copy) encoded.push_back(i);
  std::string graph;
  std::string source = "[0:v]";
  if (args.input == InputFormat::Slate) {
    // A picture fitted into 1280x720, or a card with two lines of text on a dark ground.
    if (!args.slate_image.empty())
      graph += "[0:v]scale=w=1280:h=720:force_original_aspect_ratio=decrease,"
               "pad=w=1280:h=720:x=(ow-iw)/2:y=(oh-ih)/2[slate];";
    else
      graph += "[0:v]" + card_filter(args.slate_title_file, args.slate_detail_file) + "[slate];";
    source = "[slate]";
  }
  if (!args.watermark.image_path.empty()) {
    const auto [x, y] = corner_position(args.watermark.corner, args.watermark.margin_ratio);
    // scale2ref sizes the image from the frame. In ffmpeg 5.1 its iw/ih are the reference's
    // (the frame) and main_w/main_h the image's, so h keeps the image's aspect ratio.
    // eof_action=repeat keeps the one image frame on every video frame.
    // The image is the input after the source's (a slate has two: picture and silence).
    const std::string image = args.input == InputFormat::Slate ? "[2:v]" : "[1:v]";
    graph += image + "format=rgba[wmimg];[wmimg]" + source + "scale2ref=w='iw*" + decimal(args.watermark.width_ratio) +
             "':h='ow*main_h/main_w'[wm][base];[base][wm]overlay=x='" + x + "':y='" + y + "':eof_action=repeat[marked];";
    source = "[marked]";
  }
  graph += source;
  if (encoded.size() > 1) {
    graph += "split=" + std::to_string(encoded.size());
    for (std::size_t i : encoded) graph += "[s" + std::to_string(i) + "]";
    graph += ";";
  }
  for (std::size_t n = 0; n < encoded.size(); ++n) {
    const std::size_t i = encoded[n];
    if (encoded.size() > 1) graph += "[s" + std::to_string(i) + "]";
    graph += "scale=w=-2:h='min(ih," + std::to_string(args.renditions[i].height) + ")',setsar=1,format=yuv420p[v" +
             std::to_string(i) + "]";
    if (n + 1 < encoded.size()) graph += ";";
  }
  return graph;
}

std::vector<std::string> common_head(const PackagerArgs& args);

}  // namespace

std::vector<std::string> packager_command(const PackagerArgs& args) {
  if (!args.renditions.empty()) return ladder_command(args);
  std::vector<std::string> argv = common_head(args);
  argv.insert(argv.end(), {"-map", "0:v:0?", "-map", "0:a:0?"});
  argv.insert(argv.end(), {"-c", "copy"});
  // Per-stream codecs override the copy above where the source needs a re-encode.
  if (args.transcode_video) {
    // Keyframes by time, not frame count: a browser's frame rate varies with its load.
    argv.insert(argv.end(), {"-c:v", "libx264", "-preset", args.preset, "-tune", "zerolatency", "-force_key_frames",
                             "expr:gte(t,n_forced*" + decimal(args.keyframe_interval) + ")", "-sc_threshold", "0",
                             "-g", "100000", "-pix_fmt", "yuv420p"});
    argv_source_timing(argv);
  }
  if (args.transcode_audio)
    argv.insert(argv.end(), {"-c:a", "aac", "-b:a", std::to_string(args.audio_kbps) + "k", "-ar", "48000"});
  if (args.input == InputFormat::MpegTs) {
    // ADTS-framed AAC from MPEG-TS must become raw AAC with an AudioSpecificConfig for MP4;
    // ffmpeg 5.1 does not insert this filter by itself with empty_moov and fails with
    // "Malformed AAC bitstream detected". (It only accepts AAC: other audio codecs fail.)
    argv.insert(argv.end(), {"-bsf:a", "aac_adtstoasc"});
  }
  argv.insert(argv.end(), {
      "-f", "mp4",
      "-movflags", "+frag_keyframe+empty_moov+default_base_moof",
  });
  if (args.fragment_duration_ms > 0) argv_short_fragments(argv, args.fragment_duration_ms);
  argv.insert(argv.end(), {
      // key=value lines on stderr, one block a second, ending with progress=continue|end.
      "-progress", "pipe:2",
      "-stats_period", "1",
      "pipe:1",
  });
  return argv;
}

std::vector<std::string> ladder_command(const PackagerArgs& args) {
  std::vector<std::string> argv = common_head(args);
  const bool marked = !args.watermark.image_path.empty();
  if (marked) argv.insert(argv.end(), {"-i", args.watermark.image_path});
  bool any_encoded = false, any_copied = false;
  for (const auto& r : args.renditions) (r.copy ? any_copied : any_encoded) = true;
  if (any_encoded) argv.insert(argv.end(), {"-filter_complex", ladder_filter(args)});
  // Global: before the outputs, as they apply to all of them.
  argv.insert(argv.end(), {"-progress", "pipe:2", "-stats_period", "1"});
  // Keyframes on the same frames everywhere, and nowhere else (no scene-cut keyframes).
  const std::string keyframes =
      any_copied ? "source" : "expr:gte(t,n_forced*" + decimal(args.keyframe_interval) + ")";
  for (std::size_t i = 0; i < args.renditions.size(); ++i) {
    const RenditionOutput& r = args.renditions[i];
    const std::string audio = args.input == InputFormat::Slate ? "1:a:0" : "0:a:0?";
    if (r.copy) {
      argv.insert(argv.end(), {"-map", "0:v:0", "-map", audio, "-c:v", "copy"});
    } else {
      const std::string kbps = std::to_string(r.video_kbps) + "k";
      argv.insert(argv.end(), {"-map", "[v" + std::to_string(i) + "]", "-map", audio, "-c:v", "libx264",
                               "-preset", args.preset, "-b:v", kbps, "-maxrate", kbps, "-bufsize",
                               std::to_string(r.video_kbps * 2) + "k", "-force_key_frames", keyframes,
                               "-sc_threshold", "0", "-g", "100000"});
      argv_source_timing(argv);
    }
    if (args.transcode_audio)
      argv.insert(argv.end(), {"-c:a", "aac", "-b:a", std::to_string(args.audio_kbps) + "k", "-ar", "48000"});
    else
      argv.insert(argv.end(), {"-c:a", "copy"});
    if (args.input == InputFormat::MpegTs && !args.transcode_audio) argv.insert(argv.end(), {"-bsf:a", "aac_adtstoasc"});
    argv.insert(argv.end(), {"-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof"});
    if (args.fragment_duration_ms > 0) argv_short_fragments(argv, args.fragment_duration_ms);
    argv.push_back("pipe:" + std::to_string(rendition_fd(i)));
  }
  return argv;
}

namespace {

// The program, logging, and the input.
std::vector<std::string> common_head(const PackagerArgs& args) {
  std::vector<std::string> argv{
      args.ffmpeg,
      "-hide_banner",
      // Every log line carries its level ("[error] ..."), so errors can be told apart.
      "-loglevel", "level+info",
      // No carriage-return status line: progress comes from -progress below instead.
      "-nostats",
      // Not -nostdin: stdin is the input. Not -fflags +nobuffer either: with ffmpeg 5.1 it
      // drops the packets read while probing (a third of a 6 s FLV, all of an MPEG-TS).
  };
  if (args.input == InputFormat::RtpSdp) {
    // stdin stays open for ffmpeg's interactive commands; SIGINT stops it cleanly.
    argv.insert(argv.end(), {"-protocol_whitelist", "file,udp,rtp", "-reorder_queue_size", "500",
                             "-f", "sdp", "-i", args.sdp_path});
  } else if (args.input == InputFormat::Slate) {
    // Both inputs in real time: lavfi and a looped image would otherwise run flat out.
    argv.push_back("-nostdin");
    if (!args.slate_image.empty())
      argv.insert(argv.end(), {"-re", "-loop", "1", "-framerate", "25", "-i", args.slate_image});
    else
      argv.insert(argv.end(), {"-re", "-f", "lavfi", "-i", "color=c=0x14181f:s=1280x720:r=25"});
    argv.insert(argv.end(), {"-re", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"});
  } else if (args.input == InputFormat::File) {
    // No stdin commands: SIGINT stops a playout early, and it ends by itself with the file.
    argv.push_back("-nostdin");
    if (args.realtime) argv.push_back("-re");
    if (args.start_seconds > 0) argv.insert(argv.end(), {"-ss", std::to_string(args.start_seconds)});
    argv.insert(argv.end(), {"-i", args.input_path});
  } else {
    argv.insert(argv.end(), {"-f", input_format_name(args.input), "-i", "pipe:0"});
  }
  return argv;
}

}  // namespace

}  // namespace bvlive::ffmpeg
