#define BOOST_TEST_MODULE ffmpeg_output
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/media/ffmpeg/packager_command.hpp"
#include "core/media/ffmpeg/stderr_reader.hpp"

using namespace bvlive::ffmpeg;

namespace {

// Captured from ffmpeg 5.1 running packager_command(Flv) on 6 s of testsrc2 640x360 25 fps
// (libx264, GOP 25) with a 48 kHz sine (aac), as FLV on stdin.
constexpr std::string_view kFlvRun =
    R"([info] ffmpeg stats and -progress period set to 1.
[info] Input #0, flv, from 'pipe:0':
[info]   Metadata:
[info]     encoder         : Lavf59.27.100
[info]   Duration: 00:00:06.00, start: 0.000000, bitrate: N/A
[info]   Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(progressive), 640x360 [SAR 1:1 DAR 16:9], 25 fps, 25 tbr, 1k tbn
[info]   Stream #0:1: Audio: aac (LC), 48000 Hz, mono, fltp, 69 kb/s
[info] Output #0, mp4, to 'pipe:1':
[info]   Metadata:
[info]     encoder         : Lavf59.27.100
[info]   Stream #0:0: Video: h264 (Constrained Baseline) (avc1 / 0x31637661), yuv420p(progressive), 640x360 [SAR 1:1 DAR 16:9], q=2-31, 25 fps, 25 tbr, 16k tbn
[info]   Stream #0:1: Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, mono, fltp, 69 kb/s
[info] Stream mapping:
[info]   Stream #0:0 -> #0:0 (copy)
[info]   Stream #0:1 -> #0:1 (copy)
frame=0
fps=0.00
stream_0_0_q=-1.0
bitrate= 469.5kbits/s
total_size=1252
out_time_us=21333
out_time_ms=21333
out_time=00:00:00.021333
dup_frames=0
drop_frames=0
speed=N/A
progress=continue
[info] frame=  150 fps=0.0 q=-1.0 Lsize=    1413kB time=00:00:06.03 bitrate=1917.2kbits/s speed=3.65e+03x    
frame=150
fps=0.00
stream_0_0_q=-1.0
bitrate=1917.2kbits/s
total_size=1446802
out_time_us=6037167
out_time_ms=6037167
out_time=00:00:06.037167
dup_frames=0
drop_frames=0
speed=3.65e+03x
progress=end
[info] video:1357kB audio:51kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: 0.339272%
)";

// ffmpeg 5.1 reading an MP4 file (720p29.97 High, stereo 44.1 kHz): per-stream bitrates,
// "(default)" suffixes, stream metadata sub-sections and an input bitrate.
constexpr std::string_view kFileInput =
    R"([info] Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'hi.mp4':
[info]   Metadata:
[info]     major_brand     : isom
[info]     minor_version   : 512
[info]     compatible_brands: isomiso2avc1mp41
[info]     encoder         : Lavf59.27.100
[info]   Duration: 00:00:02.00, start: 0.000000, bitrate: 3199 kb/s
[info]   Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 3056 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)
[info]     Metadata:
[info]       handler_name    : VideoHandler
[info]       vendor_id       : [0][0][0][0]
[info]       encoder         : Lavc59.37.100 libx264
[info]   Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 127 kb/s (default)
[info]     Metadata:
[info]       handler_name    : SoundHandler
[info]       vendor_id       : [0][0][0][0]
[info] Output #0, mp4, to 'pipe:1':
[info]   Metadata:
[info]     major_brand     : isom
[info]   Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], q=2-31, 3056 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)
)";

// MPEG-TS input (packager_command(MpegTs) without -bsf:a aac_adtstoasc, which is why it
// fails): program section, stream ids, and the muxer's error.
constexpr std::string_view kTsWithoutBsf =
    R"([info] ffmpeg stats and -progress period set to 1.
[info] Input #0, mpegts, from 'pipe:0':
[info]   Duration: N/A, start: 1.400000, bitrate: N/A
[info]   Program 1 
[info]     Metadata:
[info]       service_name    : Service01
[info]       service_provider: FFmpeg
[info]   Stream #0:0[0x100]: Video: h264 (Constrained Baseline) ([27][0][0][0] / 0x001B), yuv420p(progressive), 640x360 [SAR 1:1 DAR 16:9], 25 fps, 25 tbr, 90k tbn
[info]   Stream #0:1[0x101]: Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, mono, fltp, 71 kb/s
[info] Output #0, mp4, to 'pipe:1':
[info]   Metadata:
[info]     encoder         : Lavf59.27.100
[info]   Stream #0:0: Video: h264 (Constrained Baseline) (avc1 / 0x31637661), yuv420p(progressive), 640x360 [SAR 1:1 DAR 16:9], q=2-31, 25 fps, 25 tbr, 90k tbn
[info]   Stream #0:1: Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, mono, fltp, 71 kb/s
[info] Stream mapping:
[info]   Stream #0:0 -> #0:0 (copy)
[info]   Stream #0:1 -> #0:1 (copy)
[mp4 @ 0x555856ce3f40] [error] Malformed AAC bitstream detected: use the audio bitstream filter 'aac_adtstoasc' to fix it ('-bsf:a aac_adtstoasc' option with ffmpeg)
[error] av_interleaved_write_frame(): Operation not permitted
[info] frame=    5 fps=0.0 q=-1.0 Lsize=      50kB time=00:00:00.18 bitrate=2247.9kbits/s speed=1.36e+03x    
[info] video:48kB audio:0kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: 2.360386%
[info] Conversion failed!
)";

// Random bytes given to packager_command(Flv).
constexpr std::string_view kGarbageFlv =
    R"([info] ffmpeg stats and -progress period set to 1.
[flv @ 0x562be3dae180] [warning] Read FLV header error, input file is not a standard flv format, first PreviousTagSize0 always is 0
[flv @ 0x562be3dae180] [error] Unable to seek to the next packet
[fatal] pipe:0: could not find codec parameters
)";

struct Outcome {
  std::vector<Progress> progress;
  int media_info_ready = 0;
  std::size_t new_errors = 0;
  MediaInfo info;
  bool info_complete = false;
  std::vector<std::string> errors;
};

void add(Outcome& out, const StderrReader::Events& events) {
  out.progress.insert(out.progress.end(), events.progress.begin(), events.progress.end());
  out.media_info_ready += events.media_info_ready ? 1 : 0;
  out.new_errors += events.new_errors;
}

Outcome read_in_pieces(std::string_view text, const std::vector<std::size_t>& cuts) {
  StderrReader reader;
  Outcome out;
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    add(out, reader.feed(text.substr(at, cut - at)));
    at = cut;
  }
  add(out, reader.feed(text.substr(at)));
  add(out, reader.finish());
  out.info = reader.media_info();
  out.info_complete = reader.media_info_complete();
  out.errors = reader.errors();
  return out;
}

Outcome read_whole(std::string_view text) { return read_in_pieces(text, {}); }

bool same(const Outcome& a, const Outcome& b) {
  auto same_progress = [](const Progress& x, const Progress& y) {
    return x.speed == y.speed && x.fps == y.fps && x.bitrate_kbps == y.bitrate_kbps &&
           x.out_time_us == y.out_time_us && x.total_size == y.total_size && x.frame == y.frame &&
           x.ended == y.ended;
  };
  return a.progress.size() == b.progress.size() &&
         std::equal(a.progress.begin(), a.progress.end(), b.progress.begin(), same_progress) &&
         a.media_info_ready == b.media_info_ready && a.new_errors == b.new_errors &&
         a.info.to_json() == b.info.to_json() && a.info_complete == b.info_complete &&
         a.errors == b.errors;
}

}  // namespace

BOOST_AUTO_TEST_CASE(packager_command_for_flv_is_passthrough_to_fragmented_mp4) {
  PackagerArgs args;
  args.ffmpeg = "/usr/bin/ffmpeg";
  args.input = InputFormat::Flv;
  const auto argv = packager_command(args);
  const std::vector<std::string> expected{
      "/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "level+info", "-nostats", "-f", "flv",
      "-i", "pipe:0", "-map", "0:v:0?", "-map", "0:a:0?", "-c", "copy", "-f", "mp4",
      "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-progress", "pipe:2",
      "-stats_period", "1", "pipe:1"};
  BOOST_TEST(argv == expected, boost::test_tools::per_element());
  BOOST_TEST((std::find(argv.begin(), argv.end(), "-nostdin") == argv.end()));
}

BOOST_AUTO_TEST_CASE(packager_command_for_mpegts_converts_adts_aac) {
  PackagerArgs args;
  args.input = InputFormat::MpegTs;
  const auto argv = packager_command(args);
  BOOST_TEST(argv.front() == "ffmpeg");
  const auto f = std::find(argv.begin(), argv.end(), "-f");
  BOOST_REQUIRE(f != argv.end());
  BOOST_TEST(*(f + 1) == "mpegts");
  const auto bsf = std::find(argv.begin(), argv.end(), "-bsf:a");
  BOOST_REQUIRE(bsf != argv.end());
  BOOST_TEST(*(bsf + 1) == "aac_adtstoasc");
  BOOST_TEST(argv.back() == "pipe:1");
  BOOST_TEST((std::find(argv.begin(), argv.end(), "-frag_duration") == argv.end()));
}

BOOST_AUTO_TEST_CASE(packager_command_with_short_fragments) {
  PackagerArgs args;
  args.fragment_duration_ms = 500;
  const auto argv = packager_command(args);
  const auto at = std::find(argv.begin(), argv.end(), "-frag_duration");
  BOOST_REQUIRE(at != argv.end());
  BOOST_TEST(*(at + 1) == "500000");  // microseconds
  const auto flush = std::find(argv.begin(), argv.end(), "-flush_packets");
  BOOST_REQUIRE(flush != argv.end());
  BOOST_TEST(*(flush + 1) == "1");
  BOOST_TEST(argv.back() == "pipe:1");
}

BOOST_AUTO_TEST_CASE(flv_run_gives_media_info_of_the_input_and_two_progress_blocks) {
  const auto out = read_whole(kFlvRun);
  BOOST_TEST(out.media_info_ready == 1);
  BOOST_TEST(out.info_complete);
  BOOST_TEST(out.info.video_codec == "h264");
  BOOST_TEST(out.info.width == 640);
  BOOST_TEST(out.info.height == 360);
  BOOST_TEST(out.info.frame_rate == 25.0);
  BOOST_TEST(out.info.audio_codec == "aac");
  BOOST_TEST(out.info.sample_rate == 48000);
  BOOST_TEST(out.info.channels == 1);
  BOOST_TEST(out.info.audio_bitrate_kbps == 69);
  BOOST_TEST(out.info.bitrate_kbps == 0);  // "bitrate: N/A"
  BOOST_TEST(out.errors.empty());

  BOOST_REQUIRE_EQUAL(out.progress.size(), 2u);
  const auto& first = out.progress[0];
  BOOST_TEST(!first.ended);
  BOOST_TEST(!first.speed.has_value());  // speed=N/A
  BOOST_TEST(first.bitrate_kbps.value_or(-1) == 469.5);
  BOOST_TEST(first.total_size.value_or(-1) == 1252);
  BOOST_TEST(first.out_time_us.value_or(-1) == 21333);
  BOOST_TEST(first.frame.value_or(-1) == 0);
  const auto& last = out.progress[1];
  BOOST_TEST(last.ended);
  BOOST_TEST(last.speed.value_or(-1) == 3650.0);
  BOOST_TEST(last.fps.value_or(-1) == 0.0);
  BOOST_TEST(last.frame.value_or(-1) == 150);
  BOOST_TEST(last.total_size.value_or(-1) == 1446802);
  BOOST_TEST(last.out_time_us.value_or(-1) == 6037167);
}

BOOST_AUTO_TEST_CASE(any_split_into_two_pieces_reads_the_same) {
  const auto whole = read_whole(kFlvRun);
  for (std::size_t cut = 0; cut <= kFlvRun.size(); ++cut) {
    const auto split = read_in_pieces(kFlvRun, {cut});
    if (!same(whole, split)) BOOST_FAIL("different result when split at byte " << cut);
  }
  for (auto text : {kTsWithoutBsf, kGarbageFlv, kFileInput}) {
    const auto expected = read_whole(text);
    for (std::size_t cut = 0; cut <= text.size(); ++cut)
      if (!same(expected, read_in_pieces(text, {cut})))
        BOOST_FAIL("different result when split at byte " << cut);
  }
}

BOOST_AUTO_TEST_CASE(byte_by_byte_reads_the_same) {
  std::vector<std::size_t> every_byte;
  for (std::size_t i = 1; i < kFlvRun.size(); ++i) every_byte.push_back(i);
  BOOST_TEST(same(read_whole(kFlvRun), read_in_pieces(kFlvRun, every_byte)));
}

BOOST_AUTO_TEST_CASE(media_info_comes_from_the_input_section_only) {
  const auto out = read_whole(kFileInput);
  BOOST_TEST(out.info_complete);
  BOOST_TEST(out.info.video_codec == "h264");
  BOOST_TEST(out.info.width == 1280);
  BOOST_TEST(out.info.height == 720);
  BOOST_TEST(out.info.frame_rate == 29.97);
  BOOST_TEST(out.info.video_bitrate_kbps == 3056);
  BOOST_TEST(out.info.audio_codec == "aac");
  BOOST_TEST(out.info.sample_rate == 44100);
  BOOST_TEST(out.info.channels == 2);
  BOOST_TEST(out.info.audio_bitrate_kbps == 127);
  BOOST_TEST(out.info.bitrate_kbps == 3199);

  const auto json = out.info.to_json();
  BOOST_TEST(json["video"]["codec"] == "h264");
  BOOST_TEST(json["video"]["width"] == 1280);
  BOOST_TEST(json["audio"]["sample_rate"] == 44100);
  BOOST_TEST(json["bitrate_kbps"] == 3199);
}

// WebRTC through the SDP demuxer, when the probe ended before ffmpeg could estimate a rate:
// it prints the RTP clock as "90k tbr", which is no frame rate.
BOOST_AUTO_TEST_CASE(a_clock_printed_as_the_rate_is_an_unknown_frame_rate) {
  constexpr std::string_view kRtpInput =
      R"([info] Input #0, sdp, from '/tmp/session/input.sdp':
[info]   Metadata:
[info]     title           : bvlive WHIP ingest
[info]   Duration: N/A, bitrate: N/A
[info]   Stream #0:0: Video: vp8, yuv420p(tv, bt470bg/unknown/unknown, progressive), 640x360, 90k tbr, 90k tbn
[info]   Stream #0:1: Audio: opus, 48000 Hz, stereo, fltp
[info] Output #0, mp4, to 'pipe:1':
)";
  const auto out = read_whole(kRtpInput);
  BOOST_TEST(out.info.video_codec == "vp8");
  BOOST_TEST(out.info.width == 640);
  BOOST_TEST(out.info.frame_rate == 0.0);
  const std::string estimated = std::regex_replace(std::string(kRtpInput), std::regex("90k tbr"), "30 tbr");
  BOOST_TEST(read_whole(estimated).info.frame_rate == 30.0);
}

BOOST_AUTO_TEST_CASE(mpegts_input_and_muxer_error) {
  const auto out = read_whole(kTsWithoutBsf);
  BOOST_TEST(out.info.video_codec == "h264");
  BOOST_TEST(out.info.width == 640);
  BOOST_TEST(out.info.frame_rate == 25.0);
  BOOST_TEST(out.info.audio_codec == "aac");
  BOOST_TEST(out.info.sample_rate == 48000);
  BOOST_REQUIRE_EQUAL(out.errors.size(), 2u);
  BOOST_TEST(out.errors[0].starts_with("mp4: Malformed AAC bitstream detected"));
  BOOST_TEST(out.errors[1] == "av_interleaved_write_frame(): Operation not permitted");
  BOOST_TEST(out.progress.empty());
}

BOOST_AUTO_TEST_CASE(garbage_input_gives_errors_and_no_media_info) {
  StderrReader reader;
  reader.feed(kGarbageFlv);
  reader.finish();
  BOOST_TEST(!reader.media_info_complete());
  BOOST_TEST(!reader.media_info().has_video());
  BOOST_TEST(!reader.media_info().has_audio());
  BOOST_REQUIRE_EQUAL(reader.errors().size(), 2u);  // the warning is not an error
  BOOST_TEST(reader.errors()[0] == "flv: Unable to seek to the next packet");
  BOOST_TEST(reader.last_error().value_or("") == "pipe:0: could not find codec parameters");
}

BOOST_AUTO_TEST_CASE(without_level_prefix_well_known_fatal_messages_still_count) {
  StderrReader reader;
  reader.feed("pipe:0: Invalid data found when processing input\nsome chatter\n");
  BOOST_REQUIRE_EQUAL(reader.errors().size(), 1u);
  BOOST_TEST(reader.errors()[0] == "pipe:0: Invalid data found when processing input");
}

BOOST_AUTO_TEST_CASE(only_the_last_errors_are_kept) {
  StderrReader reader(kDefaultMaxLineBytes, 3);
  for (int i = 0; i < 10; ++i) reader.feed("[error] failure " + std::to_string(i) + "\n");
  BOOST_REQUIRE_EQUAL(reader.errors().size(), 3u);
  BOOST_TEST(reader.errors()[0] == "failure 7");
  BOOST_TEST(reader.last_error().value_or("") == "failure 9");
}

BOOST_AUTO_TEST_CASE(an_endless_line_is_cut_and_reading_continues) {
  StderrReader reader(64);
  const std::string endless(1 << 20, 'x');
  reader.feed("[error] ");
  for (int i = 0; i < 8; ++i) reader.feed(endless);
  reader.feed("\nspeed=1.5x\nprogress=continue\n");
  BOOST_REQUIRE_EQUAL(reader.errors().size(), 1u);
  BOOST_TEST(reader.errors()[0].size() <= 64u);
  BOOST_REQUIRE(reader.last_progress().has_value());
  BOOST_TEST(reader.last_progress()->speed.value_or(-1) == 1.5);
}

BOOST_AUTO_TEST_CASE(an_input_section_cut_by_the_end_of_stderr_is_complete_at_finish) {
  StderrReader reader;
  reader.feed("[info] Input #0, flv, from 'pipe:0':\n[info]   Stream #0:0: Audio: mp3, 44100 Hz, 5.1(side), fltp, 128 kb/s\n");
  BOOST_TEST(!reader.media_info_complete());
  const auto events = reader.finish();
  BOOST_TEST(events.media_info_ready);
  BOOST_TEST(reader.media_info().audio_codec == "mp3");
  BOOST_TEST(reader.media_info().channels == 6);
  BOOST_TEST(!reader.media_info().has_video());
}

BOOST_AUTO_TEST_CASE(progress_numbers) {
  BOOST_TEST(parse_progress_number("N/A", "x").has_value() == false);
  BOOST_TEST(parse_progress_number("1.02x", "x").value_or(-1) == 1.02);
  BOOST_TEST(parse_progress_number(" 469.5kbits/s", "kbits/s").value_or(-1) == 469.5);
  BOOST_TEST(parse_progress_number("4.02e+03x", "x").value_or(-1) == 4020.0);
  BOOST_TEST(channels_of_layout("stereo") == 2);
  BOOST_TEST(channels_of_layout("3 channels") == 3);
  BOOST_TEST(channels_of_layout("fltp") == 0);
}

// WHIP: RTP described by an SDP file, Opus re-encoded to AAC (and VP8 to H.264 when asked).
BOOST_AUTO_TEST_CASE(packager_command_for_rtp_reads_the_sdp_and_transcodes_what_hls_cannot_carry) {
  bvlive::ffmpeg::PackagerArgs args;
  args.input = bvlive::ffmpeg::InputFormat::RtpSdp;
  args.sdp_path = "/tmp/session/input.sdp";
  args.transcode_audio = true;
  const auto argv = bvlive::ffmpeg::packager_command(args);
  auto after_in = [](const std::vector<std::string>& v, const std::string& flag) {
    auto it = std::find(v.begin(), v.end(), flag);
    return it == v.end() || it + 1 == v.end() ? std::string() : *(it + 1);
  };
  auto after = [&](const std::string& flag) { return after_in(argv, flag); };
  BOOST_TEST(after("-protocol_whitelist") == "file,udp,rtp");
  BOOST_TEST(after("-i") == "/tmp/session/input.sdp");
  BOOST_TEST(after("-f") == "sdp");
  BOOST_TEST(after("-c:a") == "aac");
  BOOST_TEST(after("-c:v").empty(), "H.264 from WebRTC is copied");
  BOOST_TEST(argv.back() == "pipe:1");
  args.transcode_video = true;
  const auto vp8 = bvlive::ffmpeg::packager_command(args);
  BOOST_TEST((std::find(vp8.begin(), vp8.end(), "libx264") != vp8.end()));
  // Encoded frames keep the source's times (not a constant rate ffmpeg may have guessed wrong),
  // with a keyframe every keyframe_interval seconds, whatever the browser's frame rate.
  BOOST_TEST(after_in(vp8, "-fps_mode:v") == "vfr");
  BOOST_TEST(after_in(vp8, "-force_key_frames") == "expr:gte(t,n_forced*2)");
  args.transcode_video = false;
  BOOST_TEST(after_in(bvlive::ffmpeg::packager_command(args), "-fps_mode:v").empty(), "copied video is not retimed");
}
