// A library video read by bvlived itself for a simulive (packager/file_source.hpp over
// media/fmp4/movie_reader.hpp): an MP4 made by ffmpeg, read sample by sample and remuxed
// in process, decodes to the same frames; a start offset begins at the keyframe before it;
// files bvlived does not copy itself are refused with the reason (ffmpeg plays them).
#define BOOST_TEST_MODULE file_source
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "core/media/remux/remuxer.hpp"
#include "packager/file_source.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvlive;
using namespace std::chrono_literals;

namespace {

void make(const std::string& path, const std::vector<std::string>& codec_args) {
  std::vector<std::string> argv{"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                                "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
                                "sine=frequency=300:sample_rate=44100", "-t", "4"};
  argv.insert(argv.end(), codec_args.begin(), codec_args.end());
  argv.push_back(path);
  const auto r = bvtest::run(argv, bvtest::with_timeout(60s));
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.describe());
}

const std::vector<std::string> kH264Aac{"-c:v", "libx264", "-bf", "2", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac"};

// Reads the whole file through the remuxer into one fMP4 stream.
std::string remux_file(FileSource& source) {
  remux::Remuxer remuxer(remux::Container::samples, {});
  remux::RemuxOutput out;
  std::vector<remux::SourceEvent> events;
  std::int64_t dts = 0;
  for (;;) {
    const auto read = source.next(events, dts);
    remuxer.feed_events(events, out);
    events.clear();
    if (read != FileSource::Read::sample) {
      BOOST_REQUIRE(read == FileSource::Read::end);
      break;
    }
  }
  remuxer.finish(out);
  BOOST_REQUIRE(!out.unusable);
  std::string bytes;
  for (const auto& m : out.media) {
    const auto& b = std::holds_alternative<fmp4::InitSegment>(m) ? std::get<fmp4::InitSegment>(m).bytes
                                                                 : std::get<fmp4::Fragment>(m).bytes;
    bytes.append(b.begin(), b.end());
  }
  return bytes;
}

std::unique_ptr<FileSource> open_ok(const std::string& path, double start = 0) {
  auto opened = FileSource::open(path, start);
  if (auto* why = std::get_if<std::string>(&opened)) BOOST_FAIL("refused: " << *why);
  return std::move(std::get<std::unique_ptr<FileSource>>(opened));
}

std::string refusal(const std::string& path) {
  auto opened = FileSource::open(path, 0);
  const auto* why = std::get_if<std::string>(&opened);
  return why ? *why : "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_h264_aac_mp4_plays_frame_for_frame) {
  bvtest::TempDir dir("bvlive-file");
  make(dir / "in.mp4", kH264Aac);
  auto source = open_ok(dir / "in.mp4");
  bvtest::write_file(dir / "out.mp4", remux_file(*source));
  BOOST_TEST(bvtest::frame_md5s(dir / "out.mp4", "0:v") == bvtest::frame_md5s(dir / "in.mp4", "0:v"), boost::test_tools::per_element());
  // The AAC encoder's priming frame, which the file's edit list hides, is played: one frame
  // (23 ms of silence) more at the start, then every frame of the file.
  const auto in = bvtest::frame_md5s(dir / "in.mp4", "0:a");
  const auto out = bvtest::frame_md5s(dir / "out.mp4", "0:a");
  BOOST_REQUIRE(out.size() >= in.size());
  BOOST_TEST(out.size() - in.size() <= 1u);
  BOOST_TEST(std::vector<std::string>(out.end() - static_cast<long>(in.size()), out.end()) == in,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_start_offset_begins_at_the_keyframe_before_it) {
  bvtest::TempDir dir("bvlive-file");
  make(dir / "in.mp4", kH264Aac);
  auto source = open_ok(dir / "in.mp4", 2.5);  // keyframes every second: from 2 s
  bvtest::write_file(dir / "out.mp4", remux_file(*source));
  const auto all = bvtest::frame_md5s(dir / "in.mp4", "0:v");
  const auto rest = bvtest::frame_md5s(dir / "out.mp4", "0:v");
  BOOST_REQUIRE_EQUAL(rest.size(), 50u);
  BOOST_TEST(std::vector<std::string>(all.end() - 50, all.end()) == rest, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(hevc_in_mp4_plays_as_hvc1) {
  bvtest::TempDir dir("bvlive-file");
  make(dir / "in.mp4", {"-c:v", "libx265", "-tag:v", "hvc1", "-x265-params", "keyint=25:log-level=error", "-pix_fmt",
                        "yuv420p", "-an"});
  auto source = open_ok(dir / "in.mp4");
  bvtest::write_file(dir / "out.mp4", remux_file(*source));
  BOOST_TEST(bvtest::frame_md5s(dir / "out.mp4", "0:v") == bvtest::frame_md5s(dir / "in.mp4", "0:v"), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(files_for_ffmpeg_are_refused_with_the_reason) {
  bvtest::TempDir dir("bvlive-file");
  make(dir / "in.mkv", kH264Aac);
  BOOST_TEST(refusal(dir / "in.mkv") == "not an MP4 file");
  make(dir / "mp3.mp4", {"-c:v", "libx264", "-c:a", "libmp3lame"});
  BOOST_TEST(refusal(dir / "mp3.mp4") == "its mp4a track is not copied by bvlived");
  make(dir / "vp9.mp4", {"-c:v", "libvpx-vp9", "-deadline", "realtime", "-an"});
  BOOST_TEST(refusal(dir / "vp9.mp4") == "its vp09 track is not copied by bvlived");
  BOOST_TEST(refusal(dir / "missing.mp4").find("cannot open") == 0u);
  bvtest::write_file(dir / "garbage.mp4", std::string(5000, 'x'));
  BOOST_TEST(!refusal(dir / "garbage.mp4").empty());
}
