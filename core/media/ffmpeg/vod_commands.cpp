#include "core/media/ffmpeg/vod_commands.hpp"

#include <cstdio>

namespace bvlive::ffmpeg {
namespace {

// Shared head: no banner, levelled errors (the stderr reader keeps them), no stdin, overwrite.
std::vector<std::string> head(const std::string& ffmpeg) {
  return {ffmpeg, "-hide_banner", "-loglevel", "level+error", "-nostdin", "-y"};
}

}  // namespace

std::vector<std::string> concat_to_mp4_command(const std::string& ffmpeg, const std::string& list_file,
                                               const std::string& out_mp4) {
  auto argv = head(ffmpeg);
  argv.insert(argv.end(), {"-f", "concat", "-safe", "0", "-i", list_file, "-map", "0", "-c", "copy",
                           "-movflags", "+faststart", "-f", "mp4", out_mp4});
  return argv;
}

std::vector<std::string> library_to_mp4_command(const std::string& ffmpeg, const std::string& input,
                                                const std::string& out_mp4, bool transcode_video,
                                                bool transcode_audio, double keyframe_seconds) {
  auto argv = head(ffmpeg);
  argv.insert(argv.end(), {"-i", input, "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy"});
  if (transcode_video) {
    char expr[64];
    std::snprintf(expr, sizeof expr, "expr:gte(t,n_forced*%g)", keyframe_seconds);
    argv.insert(argv.end(), {"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-force_key_frames", expr});
  }
  if (transcode_audio) argv.insert(argv.end(), {"-c:a", "aac", "-b:a", "128k"});
  argv.insert(argv.end(), {"-movflags", "+faststart", "-f", "mp4", out_mp4});
  return argv;
}

std::vector<std::string> mp4_to_fragments_command(const std::string& ffmpeg, const std::string& input) {
  auto argv = head(ffmpeg);
  argv.insert(argv.end(), {"-i", input, "-map", "0", "-c", "copy", "-f", "mp4", "-movflags",
                           "+frag_keyframe+empty_moov+default_base_moof", "pipe:1"});
  return argv;
}

std::string concat_list(const std::vector<ConcatPart>& parts) {
  std::string out = "ffconcat version 1.0\n";
  for (const auto& part : parts) {
    // Inside single quotes a quote is written as '\''.
    std::string quoted;
    for (char c : part.path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += "file '" + quoted + "'\n";
    if (part.duration_seconds > 0) {
      char line[48];
      std::snprintf(line, sizeof line, "duration %.6f\n", part.duration_seconds);
      out += line;
    }
  }
  return out;
}

}  // namespace bvlive::ffmpeg
