#include "media/ffmpeg/packager_command.hpp"

namespace bvlive::ffmpeg {

const char* input_format_name(InputFormat format) {
  switch (format) {
    case InputFormat::Flv: return "flv";
    case InputFormat::MpegTs: return "mpegts";
    case InputFormat::RtpSdp: return "sdp";
    case InputFormat::File: return "";
  }
  return "flv";
}

std::vector<std::string> packager_command(const PackagerArgs& args) {
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
  } else if (args.input == InputFormat::File) {
    // No stdin commands: SIGINT stops a playout early, and it ends by itself with the file.
    argv.push_back("-nostdin");
    if (args.realtime) argv.push_back("-re");
    if (args.start_seconds > 0) argv.insert(argv.end(), {"-ss", std::to_string(args.start_seconds)});
    argv.insert(argv.end(), {"-i", args.input_path});
  } else {
    argv.insert(argv.end(), {"-f", input_format_name(args.input), "-i", "pipe:0"});
  }
  argv.insert(argv.end(), {"-map", "0:v:0?", "-map", "0:a:0?"});
  argv.insert(argv.end(), {"-c", "copy"});
  // Per-stream codecs override the copy above where the source needs a re-encode.
  if (args.transcode_video)
    argv.insert(argv.end(), {"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "50",
                             "-keyint_min", "50", "-pix_fmt", "yuv420p"});
  if (args.transcode_audio) argv.insert(argv.end(), {"-c:a", "aac", "-b:a", "128k", "-ar", "48000"});
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
  if (args.fragment_duration_ms > 0)
    argv.insert(argv.end(), {"-frag_duration", std::to_string(args.fragment_duration_ms * 1000LL)});
  argv.insert(argv.end(), {
      // key=value lines on stderr, one block a second, ending with progress=continue|end.
      "-progress", "pipe:2",
      "-stats_period", "1",
      "pipe:1",
  });
  return argv;
}

}  // namespace bvlive::ffmpeg
