#include "core/media/ffmpeg/cover_commands.hpp"

namespace bvlive::ffmpeg {
namespace {

std::vector<std::string> head(const std::string& ffmpeg) {
  return {ffmpeg, "-hide_banner", "-loglevel", "level+error", "-y"};
}

std::string escaped(std::string_view text, std::string_view specials) {
  std::string out;
  for (char c : text) {
    if (specials.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Fits 1280x720, never enlarging a smaller picture. (Commas are escaped for the filtergraph.)
constexpr const char* kFit = "scale=w=min(1280\\,iw):h=min(720\\,ih):force_original_aspect_ratio=decrease";

// One JPEG frame to `out` (any name: the daemon writes a temporary file, then renames it).
void jpeg_to(std::vector<std::string>& argv, const std::string& out) {
  argv.insert(argv.end(), {"-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-update", "1", out});
}

}  // namespace

std::string filter_value(std::string_view text) {
  // Level 1: the option value (key=value:key=value); level 2: the filtergraph.
  return escaped(escaped(text, "\\':"), "\\'[],;");
}

std::string card_filter(const std::string& title_file, const std::string& detail_file) {
  return "drawtext=expansion=none:textfile=" + filter_value(title_file) +
         ":fontcolor=white:fontsize=64:x=(w-text_w)/2:y=h/2-90,"
         "drawtext=expansion=none:textfile=" + filter_value(detail_file) +
         ":fontcolor=0xffcc00:fontsize=40:x=(w-text_w)/2:y=h/2+20";
}

std::vector<std::string> card_command(const std::string& ffmpeg, const std::string& title_file,
                                      const std::string& detail_file, const std::string& out_jpg) {
  auto argv = head(ffmpeg);
  argv.insert(argv.end(), {"-nostdin", "-f", "lavfi", "-i", "color=c=0x14181f:s=1280x720", "-vf",
                           card_filter(title_file, detail_file)});
  jpeg_to(argv, out_jpg);
  return argv;
}

std::vector<std::string> frame_command(const std::string& ffmpeg, const std::string& out_jpg) {
  auto argv = head(ffmpeg);
  argv.insert(argv.end(), {"-f", "mp4", "-i", "pipe:0", "-map", "0:v:0", "-vf", kFit});
  jpeg_to(argv, out_jpg);
  return argv;
}

std::vector<std::string> image_command(const std::string& ffmpeg, const std::string& image, const std::string& out_jpg) {
  auto argv = head(ffmpeg);
  argv.insert(argv.end(), {"-nostdin", "-i", image, "-vf", kFit});
  jpeg_to(argv, out_jpg);
  return argv;
}

}  // namespace bvlive::ffmpeg
