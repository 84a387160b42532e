#define BOOST_TEST_MODULE library_probe
#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>
#include <vector>

#include "core/library/probe_result.hpp"
#include "support/process.hpp"

using namespace bvlive::library;

namespace {

// Real files made with ffmpeg once for all the cases, probed with the real ffprobe.
struct Media {
  bvtest::TempDir dir{"bvlive-probe"};
  bool mp3_made = false;

  Media() {
    make({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
          "sine=frequency=440:sample_rate=48000:duration=2", "-t", "2", "-c:v", "libx264",
          "-pix_fmt", "yuv420p", "-c:a", "aac", dir / "clip.mp4"});
    make({"-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", dir / "still.png"});
    make({"-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1", dir / "still.jpg"});
    make({"-f", "lavfi", "-i", "sine=frequency=440:duration=2", dir / "tone.wav"});
    make({"-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", dir / "tone.m4a"});
    // Cover art: an attached PNG picture in an MP3 (needs the LAME encoder).
    const auto mp3 = bvtest::run({"ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                                  "sine=frequency=440:duration=2", "-i", dir / "still.png", "-map",
                                  "0", "-map", "1", "-c:a", "libmp3lame", "-c:v", "png",
                                  "-disposition:v", "attached_pic", dir / "song.mp3"},
                                 bvtest::with_timeout(std::chrono::seconds(30)));
    mp3_made = mp3.code == 0;
    bvtest::write_file(dir / "notes.txt", "these are not pictures\n");
  }

  void make(std::vector<std::string> args) {
    args.insert(args.begin(), {"ffmpeg", "-v", "error", "-y"});
    const auto r = bvtest::run(args, bvtest::with_timeout(std::chrono::seconds(60)));
    BOOST_TEST_REQUIRE(r.code == 0, r.describe());
  }
};

Media& media() {
  static Media m;
  return m;
}

bvtest::RunResult ffprobe(const std::string& path) {
  return bvtest::run(ffprobe_command("ffprobe", path), bvtest::with_timeout(std::chrono::seconds(30)));
}

MediaProbe probe_ok(const std::string& path) {
  const auto r = ffprobe(path);
  BOOST_TEST_REQUIRE(r.code == 0, r.describe());
  auto parsed = parse_ffprobe_json(r.out);
  if (auto* e = std::get_if<ProbeError>(&parsed)) BOOST_FAIL(path + ": " + e->message);
  return std::get<MediaProbe>(parsed);
}

std::string probe_error(std::string_view json) {
  auto parsed = parse_ffprobe_json(json);
  BOOST_TEST_REQUIRE(std::holds_alternative<ProbeError>(parsed), std::string(json));
  return std::get<ProbeError>(parsed).message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(command_is_ffprobe_json_format_streams) {
  const std::vector<std::string> expected = {"/usr/bin/ffprobe", "-v", "error", "-print_format",
                                             "json", "-show_format", "-show_streams", "/a b/c.mp4"};
  BOOST_TEST(ffprobe_command("/usr/bin/ffprobe", "/a b/c.mp4") == expected);
}

BOOST_AUTO_TEST_CASE(video_with_audio) {
  const MediaProbe p = probe_ok(media().dir / "clip.mp4");
  BOOST_TEST(kind_name(p.kind) == "video");
  BOOST_TEST(p.duration_seconds > 1.9);
  BOOST_TEST(p.duration_seconds < 2.2);
  BOOST_TEST(p.video_codec == "h264");
  BOOST_TEST(p.audio_codec == "aac");
  BOOST_TEST(p.width == 320);
  BOOST_TEST(p.height == 240);
  BOOST_TEST(p.size_bytes > 1000);
  BOOST_TEST(contains(p.format_name, "mp4"));
  const auto j = p.to_json();
  BOOST_TEST(j.at("kind") == "video");
  BOOST_TEST(j.at("width") == 320);
  BOOST_TEST(j.at("size_bytes").get<std::int64_t>() == p.size_bytes);
}

BOOST_AUTO_TEST_CASE(png_and_jpeg_are_images) {
  const MediaProbe png = probe_ok(media().dir / "still.png");
  BOOST_TEST(kind_name(png.kind) == "image");
  BOOST_TEST(png.video_codec == "png");
  BOOST_TEST(png.audio_codec == "");
  BOOST_TEST(png.width == 320);
  BOOST_TEST(png.height == 240);
  BOOST_TEST(png.duration_seconds == 0);
  BOOST_TEST(png.size_bytes > 0);

  const MediaProbe jpg = probe_ok(media().dir / "still.jpg");
  BOOST_TEST(kind_name(jpg.kind) == "image");
  BOOST_TEST(jpg.video_codec == "mjpeg");
  BOOST_TEST(jpg.width == 640);
  BOOST_TEST(jpg.height == 360);
  BOOST_TEST(jpg.duration_seconds == 0);
}

BOOST_AUTO_TEST_CASE(wav_and_m4a_are_audio) {
  for (const char* name : {"tone.wav", "tone.m4a"}) {
    BOOST_TEST_CONTEXT(name) {
      const MediaProbe p = probe_ok(media().dir / name);
      BOOST_TEST(kind_name(p.kind) == "audio");
      BOOST_TEST(p.video_codec == "");
      BOOST_TEST(!p.audio_codec.empty());
      BOOST_TEST(p.width == 0);
      BOOST_TEST(p.duration_seconds > 1.9);
      BOOST_TEST(p.duration_seconds < 2.2);
    }
  }
  BOOST_TEST(probe_ok(media().dir / "tone.wav").audio_codec == "pcm_s16le");
  BOOST_TEST(probe_ok(media().dir / "tone.m4a").audio_codec == "aac");
}

BOOST_AUTO_TEST_CASE(cover_art_does_not_make_a_video) {
  if (!media().mp3_made) {
    BOOST_TEST_MESSAGE("ffmpeg has no libmp3lame: skipping the cover-art file");
    return;
  }
  const MediaProbe p = probe_ok(media().dir / "song.mp3");
  BOOST_TEST(kind_name(p.kind) == "audio");
  BOOST_TEST(p.audio_codec == "mp3");
  BOOST_TEST(p.video_codec == "");
  BOOST_TEST(p.duration_seconds > 0);
}

BOOST_AUTO_TEST_CASE(text_file_is_refused_with_ffprobes_reason) {
  const auto r = ffprobe(media().dir / "notes.txt");
  BOOST_TEST(r.code != 0, r.describe());
  const std::string why = probe_refusal(r.code, r.err);
  BOOST_TEST(contains(why, "ffprobe cannot read it: "), why);
  BOOST_TEST(contains(why, "Invalid data found when processing input"), why);
  BOOST_TEST(!contains(why, "\n"), why);
}

BOOST_AUTO_TEST_CASE(refusal_takes_the_first_line_or_the_status) {
  BOOST_TEST(probe_refusal(1, "\nx.bin: Invalid data\r\nmore\n") ==
             "ffprobe cannot read it: x.bin: Invalid data");
  BOOST_TEST(probe_refusal(1, "") == "ffprobe cannot read it: ffprobe exited with status 1");
}

BOOST_AUTO_TEST_CASE(garbage_and_streamless_json_are_errors) {
  BOOST_TEST(contains(probe_error("not json {"), "not JSON"));
  BOOST_TEST(contains(probe_error(""), "not JSON"));
  BOOST_TEST(contains(probe_error("[1,2]"), "not JSON"));
  BOOST_TEST(contains(probe_error(R"({"streams": [], "format": {"format_name": "tty"}})"),
                      "no audio or video stream: not a media file"));
  BOOST_TEST(contains(probe_error(R"({"streams": [{"codec_type": "data"}]})"),
                      "not a media file"));
  BOOST_TEST(contains(probe_error(R"({"streams": [{"codec_type": "subtitle", "codec_name": "srt"}]})"),
                      "not a media file"));
}

BOOST_AUTO_TEST_CASE(unsupported_image_codec_is_named) {
  const std::string why = probe_error(
      R"({"streams": [{"codec_type": "video", "codec_name": "svg", "width": 10, "height": 10}],
          "format": {"format_name": "svg_pipe", "size": "120"}})");
  BOOST_TEST(contains(why, "unsupported image codec svg"), why);
}

BOOST_AUTO_TEST_CASE(video_without_duration_is_refused) {
  const std::string why = probe_error(
      R"({"streams": [{"codec_type": "video", "codec_name": "h264", "width": 10, "height": 10},
                      {"codec_type": "audio", "codec_name": "aac"}],
          "format": {"format_name": "mpegts"}})");
  BOOST_TEST(contains(why, "no duration"), why);
}

BOOST_AUTO_TEST_CASE(mjpeg_movie_is_a_video_not_an_image) {
  const auto parsed = parse_ffprobe_json(
      R"({"streams": [{"codec_type": "video", "codec_name": "mjpeg", "width": 640, "height": 480,
                       "nb_frames": "250", "disposition": {"attached_pic": 0}}],
          "format": {"format_name": "avi", "duration": "10.000000", "size": "5000000"}})");
  BOOST_TEST_REQUIRE(std::holds_alternative<MediaProbe>(parsed));
  const auto& p = std::get<MediaProbe>(parsed);
  BOOST_TEST(kind_name(p.kind) == "video");
  BOOST_TEST(p.duration_seconds == 10.0);
  BOOST_TEST(p.size_bytes == 5000000);
}
