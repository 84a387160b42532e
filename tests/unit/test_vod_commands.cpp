// The live-to-VOD job's ffmpeg command lines: their argv, and what they do when the real
// ffmpeg runs them: fragmented MP4 parts (with awkward file names) joined into one MP4
// whose duration is the sum of the parts, a library video re-encoded to H.264 + AAC with
// a keyframe every N seconds, a copy that keeps only the first video and audio streams,
// and an MP4 turned into the fragments the segmenter reads.
#define BOOST_TEST_MODULE vod_commands
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "core/media/ffmpeg/vod_commands.hpp"
#include "core/media/fmp4/box_reader.hpp"
#include "core/media/fmp4/stream_splitter.hpp"
#include "support/boost_json.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvlive;
using namespace bvlive::ffmpeg;
using nlohmann::json;

namespace {

using Args = std::vector<std::string>;

void run_ffmpeg(Args args) {
  args.insert(args.begin(), {"ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y"});
  const auto r = bvtest::run(args, bvtest::with_timeout(std::chrono::seconds(120)));
  BOOST_TEST_REQUIRE(r.code == 0, r.describe());
}

// `seconds` of 320x240 H.264 (a keyframe a second) + AAC as fragmented MP4, as the
// packager writes a session's recording.
void make_fragmented_part(const std::string& path, int seconds) {
  run_ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
              "sine=frequency=1000:sample_rate=48000", "-t", std::to_string(seconds), "-c:v", "libx264", "-preset",
              "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags",
              "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", path});
}

// Runs a command this module built; fails the test case with its output when it fails.
void run_built(const Args& argv) {
  const auto r = bvtest::run(argv, bvtest::with_timeout(std::chrono::seconds(120)));
  BOOST_TEST_REQUIRE(r.code == 0, r.describe());
  BOOST_TEST(r.err.empty(), r.err);  // -loglevel level+error: nothing went wrong
}

json ffprobe_json(const Args& extra, const std::string& path) {
  Args argv = {"ffprobe", "-v", "error", "-of", "json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(path);
  const auto r = bvtest::run(argv, bvtest::with_timeout(std::chrono::seconds(30)));
  BOOST_TEST_REQUIRE(r.code == 0, r.describe());
  return json::parse(r.out);
}

// "video:h264" / "audio:aac" for each stream, in order.
std::vector<std::string> streams_of(const std::string& path) {
  std::vector<std::string> out;
  const json probe = ffprobe_json({"-show_streams"}, path);
  for (const auto& s : probe["streams"])
    out.push_back(s["codec_type"].get<std::string>() + ":" + s["codec_name"].get<std::string>());
  return out;
}

// Top-level box types of a file, in order ("ftyp", "moov", "mdat", ...).
std::vector<std::string> top_level_boxes(const std::string& path) {
  const std::string bytes = bvtest::read_file(path);
  fmp4::BoxReader reader(fmp4::ByteSpan(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  std::vector<std::string> out;
  while (auto box = reader.next()) out.push_back(fmp4::fourcc_text(box->type));
  BOOST_TEST(!reader.error().has_value(), path << ": malformed top-level box");
  return out;
}

std::ptrdiff_t index_of(const std::vector<std::string>& v, const std::string& x) {
  const auto it = std::find(v.begin(), v.end(), x);
  return it == v.end() ? -1 : it - v.begin();
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(concat_command_shape) {
  const Args want = {"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "level+error", "-nostdin", "-y",
                     "-f", "concat", "-safe", "0", "-i", "/m/vod/parts.txt", "-map", "0", "-c", "copy",
                     "-movflags", "+faststart", "-f", "mp4", "/m/vod/live_x.mp4"};
  BOOST_TEST(concat_to_mp4_command("/usr/bin/ffmpeg", "/m/vod/parts.txt", "/m/vod/live_x.mp4") == want);
}

BOOST_AUTO_TEST_CASE(library_command_shape_copy_and_transcode) {
  const Args copy = {"ffmpeg", "-hide_banner", "-loglevel", "level+error", "-nostdin", "-y",
                     "-i", "in.mov", "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
                     "-movflags", "+faststart", "-f", "mp4", "out.mp4"};
  BOOST_TEST(library_to_mp4_command("ffmpeg", "in.mov", "out.mp4", false, false, 2) == copy);

  const Args both = {"ffmpeg", "-hide_banner", "-loglevel", "level+error", "-nostdin", "-y",
                     "-i", "in.mkv", "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
                     "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                     "-force_key_frames", "expr:gte(t,n_forced*2)",
                     "-c:a", "aac", "-b:a", "128k",
                     "-movflags", "+faststart", "-f", "mp4", "out.mp4"};
  BOOST_TEST(library_to_mp4_command("ffmpeg", "in.mkv", "out.mp4", true, true, 2) == both);

  const Args audio_only = library_to_mp4_command("ffmpeg", "in.mkv", "out.mp4", false, true, 2);
  BOOST_TEST(index_of(audio_only, "libx264") == -1);
  BOOST_TEST(index_of(audio_only, "aac") != -1);
  const Args half = library_to_mp4_command("ffmpeg", "in.mkv", "out.mp4", true, false, 1.5);
  BOOST_TEST(index_of(half, "expr:gte(t,n_forced*1.5)") != -1);
  BOOST_TEST(index_of(half, "-c:a") == -1);
}

BOOST_AUTO_TEST_CASE(fragments_command_shape) {
  const Args want = {"ffmpeg", "-hide_banner", "-loglevel", "level+error", "-nostdin", "-y",
                     "-i", "/m/vod.mp4", "-map", "0", "-c", "copy", "-f", "mp4", "-movflags",
                     "+frag_keyframe+empty_moov+default_base_moof", "pipe:1"};
  BOOST_TEST(mp4_to_fragments_command("ffmpeg", "/m/vod.mp4") == want);
}

BOOST_AUTO_TEST_CASE(concat_list_quotes_every_name_and_gives_known_durations) {
  BOOST_TEST(concat_list({}) == "ffconcat version 1.0\n");
  BOOST_TEST(concat_list({{"/m/s1/rec.mp4", 0}, {"/m/a b/it's.mp4", 12.5}}) ==
             "ffconcat version 1.0\n"
             "file '/m/s1/rec.mp4'\n"
             "file '/m/a b/it'\\''s.mp4'\n"
             "duration 12.500000\n");
}

// The real thing: two sessions' fragmented recordings, one with a quote and spaces in its
// name, joined by the built command into one MP4 of their summed duration, moov first.
BOOST_AUTO_TEST_CASE(concat_joins_real_fragmented_parts_into_one_mp4) {
  bvtest::TempDir dir("bvlive-vodcmd");
  const std::string part1 = dir / "session one's.mp4";
  const std::string part2 = dir / "s2.mp4";
  make_fragmented_part(part1, 2);
  make_fragmented_part(part2, 3);
  const double d1 = bvtest::ffprobe_duration(part1), d2 = bvtest::ffprobe_duration(part2);
  BOOST_TEST_REQUIRE(d1 > 1.8);
  BOOST_TEST_REQUIRE(d2 > 2.8);

  const std::string list = dir / "parts.txt";
  bvtest::write_file(list, concat_list({{part1, 0}, {part2, 0}}));
  const std::string out = dir / "live_x.mp4";
  run_built(concat_to_mp4_command("ffmpeg", list, out));

  const double total = bvtest::ffprobe_duration(out);
  BOOST_TEST(total == d1 + d2, boost::test_tools::tolerance(0.06));
  BOOST_TEST(total > 4.8);
  BOOST_TEST(total < 5.3);
  BOOST_TEST(joined(streams_of(out)) == "video:h264 audio:aac");
  const auto boxes = top_level_boxes(out);
  BOOST_TEST_REQUIRE(index_of(boxes, "moov") != -1, joined(boxes));
  BOOST_TEST(index_of(boxes, "moov") < index_of(boxes, "mdat"), "+faststart puts moov first: " << joined(boxes));
  BOOST_TEST(index_of(boxes, "moof") == -1, "one plain MP4, not fragments: " << joined(boxes));

  // Every frame decodes.
  const auto decode = bvtest::run({"ffmpeg", "-nostdin", "-v", "error", "-i", out, "-f", "null", "-"},
                                  bvtest::with_timeout(std::chrono::seconds(60)));
  BOOST_TEST(decode.code == 0, decode.describe());
  BOOST_TEST(decode.err.empty(), decode.err);

  // ... and the joined MP4 becomes the fragments the segmenter reads: an init segment with
  // both tracks, then a fragment per keyframe (one a second).
  const auto frag = bvtest::run(mp4_to_fragments_command("ffmpeg", out), bvtest::with_timeout(std::chrono::seconds(60)));
  BOOST_TEST_REQUIRE(frag.code == 0, frag.describe());
  fmp4::StreamSplitter splitter;
  int inits = 0, fragments = 0;
  std::size_t tracks = 0;
  for (auto& ev : splitter.feed(fmp4::ByteSpan(reinterpret_cast<const std::uint8_t*>(frag.out.data()), frag.out.size()))) {
    if (auto* init = std::get_if<fmp4::InitSegment>(&ev)) ++inits, tracks = init->info.tracks.size();
    if (std::holds_alternative<fmp4::Fragment>(ev)) ++fragments;
    if (auto* err = std::get_if<fmp4::SplitError>(&ev)) BOOST_FAIL("splitter: " + err->message);
  }
  BOOST_TEST(inits == 1);
  BOOST_TEST(tracks == 2u);
  BOOST_TEST(fragments >= 5, fragments << " fragments");
  BOOST_TEST(splitter.buffered() == 0u);
}

// A catchup window that opens mid-session: the first part is that session's init and only
// its later segments, so its fragments start 2 s in. With each part's duration in the list
// the MP4 is the parts back to back (ffmpeg alone would take the first part's end time, 5 s,
// for its length and leave a 2 s gap before the second).
BOOST_AUTO_TEST_CASE(a_part_that_starts_late_leaves_no_gap_in_the_mp4) {
  bvtest::TempDir dir("bvlive-vodcmd");
  const std::string whole = dir / "session.mp4";
  make_fragmented_part(whole, 5);
  const std::string bytes = bvtest::read_file(whole);
  fmp4::StreamSplitter splitter;
  std::string late;
  double late_seconds = 0;
  int fragment = 0;
  for (auto& ev : splitter.feed(fmp4::ByteSpan(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()))) {
    if (auto* init = std::get_if<fmp4::InitSegment>(&ev)) late.append(init->bytes.begin(), init->bytes.end());
    if (auto* f = std::get_if<fmp4::Fragment>(&ev); f && fragment++ >= 2) {
      late.append(f->bytes.begin(), f->bytes.end());
      const auto* video = f->info.video();
      BOOST_TEST_REQUIRE(video != nullptr);
      late_seconds += static_cast<double>(video->total_duration) / video->timescale;
    }
  }
  BOOST_TEST_REQUIRE(fragment == 5);
  BOOST_TEST(late_seconds == 3.0, boost::test_tools::tolerance(0.05));
  const std::string part1 = dir / "part_000.mp4", part2 = dir / "part_001.mp4";
  bvtest::write_file(part1, late);
  make_fragmented_part(part2, 2);

  const std::string list = dir / "list.ffconcat";
  bvtest::write_file(list, concat_list({{part1, late_seconds}, {part2, 2.0}}));
  const std::string out = dir / "live_x.mp4";
  run_built(concat_to_mp4_command("ffmpeg", list, out));
  BOOST_TEST(bvtest::ffprobe_duration(out) == 5.0, boost::test_tools::tolerance(0.03));
  const auto decode = bvtest::run({"ffmpeg", "-nostdin", "-v", "error", "-i", out, "-f", "null", "-"},
                                  bvtest::with_timeout(std::chrono::seconds(60)));
  BOOST_TEST(decode.code == 0, decode.describe());
  BOOST_TEST(decode.err.empty(), decode.err);
}

// A library video ffmpeg cannot put in HLS as is (MPEG-4 part 2 + Opus in Matroska, one
// keyframe in 10 s) comes out as H.264 + AAC with a keyframe every second.
BOOST_AUTO_TEST_CASE(transcode_makes_h264_aac_with_keyframes_every_n_seconds) {
  bvtest::TempDir dir("bvlive-vodcmd");
  const std::string in = dir / "talk.mkv";
  run_ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
              "sine=frequency=440:sample_rate=48000", "-t", "3", "-c:v", "mpeg4", "-g", "250", "-c:a", "libopus",
              in});
  BOOST_TEST_REQUIRE(joined(streams_of(in)) == "video:mpeg4 audio:opus");

  const std::string out = dir / "lib_x.mp4";
  run_built(library_to_mp4_command("ffmpeg", in, out, true, true, 1.0));
  BOOST_TEST(joined(streams_of(out)) == "video:h264 audio:aac");
  const double d = bvtest::ffprobe_duration(out);
  BOOST_TEST(d > 2.9);
  BOOST_TEST(d < 3.2);
  const auto boxes = top_level_boxes(out);
  BOOST_TEST(index_of(boxes, "moov") < index_of(boxes, "mdat"), joined(boxes));

  // Keyframes at 0, 1 and 2 s, and no other.
  std::vector<double> keys;
  const json packets = ffprobe_json({"-select_streams", "v:0", "-show_entries", "packet=pts_time,flags"}, out);
  for (const auto& p : packets["packets"])
    if (p["flags"].get<std::string>().find('K') != std::string::npos)
      keys.push_back(std::stod(p["pts_time"].get<std::string>()));
  BOOST_TEST_REQUIRE(keys.size() == 3u);
  for (std::size_t i = 0; i < keys.size(); ++i) BOOST_TEST(keys[i] == static_cast<double>(i), boost::test_tools::tolerance(0.05));
}

// Already H.264 + AAC: copied, and only the first video and the first audio stream are kept;
// a video without audio is fine too (the audio map is optional).
BOOST_AUTO_TEST_CASE(copy_keeps_the_first_video_and_audio_streams) {
  bvtest::TempDir dir("bvlive-vodcmd");
  const std::string in = dir / "two_tracks.mkv";
  run_ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
              "-f", "lavfi", "-i", "sine=frequency=880", "-map", "0", "-map", "1", "-map", "2", "-t", "2", "-c:v",
              "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", in});
  BOOST_TEST_REQUIRE(joined(streams_of(in)) == "video:h264 audio:aac audio:aac");
  const std::string out = dir / "copy.mp4";
  run_built(library_to_mp4_command("ffmpeg", in, out, false, false, 2.0));
  BOOST_TEST(joined(streams_of(out)) == "video:h264 audio:aac");

  const std::string silent = dir / "silent.mp4";
  bvtest::make_test_video(silent, 1, "320x240", false);
  const std::string out2 = dir / "silent_copy.mp4";
  run_built(library_to_mp4_command("ffmpeg", silent, out2, false, false, 2.0));
  BOOST_TEST(joined(streams_of(out2)) == "video:h264");
}
