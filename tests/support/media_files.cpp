#include "support/media_files.hpp"
#include "util/hex.hpp"

#include <boost/test/unit_test.hpp>

#include "support/media.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

namespace bvtest {

namespace {

void run_ffmpeg(std::vector<std::string> args) {
  args.insert(args.begin(), {"ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y"});
  const RunResult r = run(args, with_timeout(120s));
  if (r.code != 0) throw std::runtime_error("ffmpeg could not make a test file:" + r.describe());
}

}  // namespace

void make_test_video(const std::string& path, int seconds, const std::string& size, bool with_audio) {
  std::vector<std::string> a = {"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=25"};
  if (with_audio) a.insert(a.end(), {"-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000"});
  a.insert(a.end(), {"-t", std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
                     "-keyint_min", "25", "-pix_fmt", "yuv420p"});
  if (with_audio) a.insert(a.end(), {"-c:a", "aac", "-b:a", "64k"});
  a.insert(a.end(), {"-movflags", "+faststart", path});
  run_ffmpeg(a);
}

void make_test_image(const std::string& path) {
  run_ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", path});
}

double ffprobe_duration(const std::string& url_or_path, Ms timeout) {
  const RunResult r =
      run({"ffprobe", "-v", "error", "-show_format", "-of", "json", url_or_path}, with_timeout(timeout));
  if (r.code != 0) throw std::runtime_error("ffprobe failed:" + r.describe());
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.contains("format") || !j["format"].contains("duration"))
    throw std::runtime_error("ffprobe gave no format.duration:" + r.describe());
  const auto& d = j["format"]["duration"];
  return d.is_string() ? std::stod(d.get<std::string>()) : d.get<double>();
}

std::vector<std::string> frame_md5s(const std::string& url_or_path, const std::string& map, Ms timeout) {
  // passthrough: one line per decoded frame, none duplicated or dropped to fit a frame rate.
  const RunResult r = run({"ffmpeg", "-nostdin", "-v", "error", "-i", url_or_path, "-map", map, "-fps_mode",
                           "passthrough", "-f", "framemd5", "-"},
                          with_timeout(timeout));
  if (r.code != 0) throw std::runtime_error("ffmpeg framemd5 failed:" + r.describe());
  return framemd5_hashes(r.out);
}

RunResult framemd5_of_bytes(const std::string& bytes, const std::string& map, const std::string& key, bool copy,
                            Ms timeout) {
  std::vector<std::string> argv{"ffmpeg", "-nostdin", "-v", "error"};
  if (!key.empty()) argv.insert(argv.end(), {"-decryption_key", key});
  argv.insert(argv.end(), {"-i", "pipe:0", "-map", map, "-fps_mode", "passthrough"});
  if (copy) argv.insert(argv.end(), {"-c", "copy"});
  argv.insert(argv.end(), {"-f", "framemd5", "-"});
  RunOptions options;
  options.stdin_text = bytes;
  options.timeout = timeout;
  return run(argv, options);
}

std::vector<std::string> framemd5_hashes(const std::string& framemd5_output) {
  std::vector<std::string> out;
  std::istringstream lines(framemd5_output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 6 && std::getline(fields, field, ','); ++i) {
    }
    const auto first = field.find_first_not_of(' ');
    out.push_back(first == std::string::npos ? field : field.substr(first));
  }
  return out;
}

std::size_t count_equal(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) n += a[i] == b[i];
  return n;
}

void check_h264_aac(const nlohmann::json& probe, int width, int height) {
  int video = 0, audio = 0;
  for (const auto& s : probe["streams"]) {
    if (s["codec_type"] == "video") {
      ++video;
      BOOST_TEST(s["codec_name"] == "h264", probe.dump(2));
      BOOST_TEST(s["width"] == width, probe.dump(2));
      BOOST_TEST(s["height"] == height, probe.dump(2));
    } else if (s["codec_type"] == "audio") {
      ++audio;
      BOOST_TEST(s["codec_name"] == "aac", probe.dump(2));
    }
  }
  BOOST_TEST(video == 1, "expected one video stream: " << probe.dump(2));
  BOOST_TEST(audio == 1, "expected one audio stream: " << probe.dump(2));
}

double playlist_duration(const std::string& playlist) {
  double total = 0;
  for (const auto& line : playlist_lines(playlist, "#EXTINF:")) total += std::stod(line.substr(8));
  return total;
}

std::string hex(const std::string& bytes) {
  return bvlive::hex_encode({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

std::string openssl_decrypt(const TempDir& dir, const std::string& sealed, const std::string& key, std::int64_t seq) {
  char iv[33];
  std::snprintf(iv, sizeof iv, "%016llx%016llx", 0ULL, static_cast<unsigned long long>(seq));
  write_file(dir / "sealed.bin", sealed);
  const RunResult r = run({"openssl", "enc", "-d", "-aes-128-cbc", "-K", hex(key), "-iv", iv, "-in",
                           dir / "sealed.bin", "-out", dir / "clear.bin"});
  BOOST_TEST(r.code == 0, r.describe());
  return r.code == 0 ? read_file(dir / "clear.bin") : std::string();
}

std::string first_box(const std::string& bytes) { return bytes.size() >= 8 ? bytes.substr(4, 4) : ""; }

}  // namespace bvtest
