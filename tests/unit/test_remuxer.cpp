// The in-process remuxer (core/media/remux) on real encoder output: ffmpeg makes an FLV and
// an MPEG-TS with B-frames, the Remuxer turns them into an init segment and fragments in
// pieces of any size, and ffmpeg reads our fMP4 back: the same frames, bit for bit.
// Hand-edited tags check the timestamp wrap, jumps, configuration changes and garbage.
#define BOOST_TEST_MODULE remuxer
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/media/flv/flv_reader.hpp"
#include "core/media/flv/flv_writer.hpp"
#include "core/media/fmp4/codec_string.hpp"
#include "core/media/fmp4/fragment_writer.hpp"
#include "core/media/fmp4/init_writer.hpp"
#include "core/media/fmp4/segment_cutter.hpp"
#include "core/media/fmp4/stream_splitter.hpp"
#include "core/media/remux/fragmenter.hpp"
#include "core/media/remux/remuxer.hpp"
#include "core/media/remux/timeline.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvlive;
using bvlive::fmp4::Bytes;
using namespace std::chrono_literals;

namespace {

Bytes read_bytes(const std::string& path) {
  const std::string text = bvtest::read_file(path);
  return Bytes(text.begin(), text.end());
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  bvtest::write_file(path, std::string(bytes.begin(), bytes.end()));
}

// A 4 s 320x240 25 fps source with B-frames and a 1 s GOP, and a 48 kHz tone.
void make_source(const std::string& path, const std::string& format, const std::string& size = "320x240",
                 const std::string& profile = "high") {
  const auto r = bvtest::run({"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                              "testsrc2=size=" + size + ":rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                              "-t", "4", "-c:v", "libx264", "-profile:v", profile, "-bf", "2", "-g", "25", "-pix_fmt",
                              "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", format, path},
                             bvtest::with_timeout(60s));
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.describe());
}

struct Remuxed {
  Bytes file;  // init segment(s) and fragments, concatenated as one fMP4 stream
  std::vector<fmp4::InitSegment> inits;
  std::vector<fmp4::Fragment> fragments;
  std::vector<ffmpeg::MediaInfo> infos;
  std::optional<std::string> unusable;
  std::vector<std::string> notices;
};

// Feeds `input` in pieces of random sizes (fixed seed), as sockets deliver it.
Remuxed remux_all(remux::Container container, const Bytes& input, remux::RemuxOptions options = {},
                  std::size_t max_piece = 5000) {
  remux::Remuxer remuxer(container, options);
  Remuxed r;
  std::mt19937 rng(42);
  std::size_t at = 0;
  auto take = [&](remux::RemuxOutput& out) {
    if (out.media_info) r.infos.push_back(*out.media_info);
    if (out.unusable) r.unusable = out.unusable;
    for (auto& n : out.notices) r.notices.push_back(n);
    for (auto& m : out.media) {
      if (auto* i = std::get_if<fmp4::InitSegment>(&m)) {
        r.file.insert(r.file.end(), i->bytes.begin(), i->bytes.end());
        r.inits.push_back(std::move(*i));
      } else {
        auto& f = std::get<fmp4::Fragment>(m);
        r.file.insert(r.file.end(), f.bytes.begin(), f.bytes.end());
        r.fragments.push_back(std::move(f));
      }
    }
  };
  while (at < input.size()) {
    const std::size_t n = std::min<std::size_t>(input.size() - at, 1 + rng() % max_piece);
    remux::RemuxOutput out;
    remuxer.feed(std::span(input).subspan(at, n), out);
    take(out);
    at += n;
  }
  remux::RemuxOutput out;
  remuxer.finish(out);
  take(out);
  return r;
}

std::string probe(const std::string& path, const std::string& entries) {
  const auto r = bvtest::run({"ffprobe", "-v", "error", "-show_entries", entries, "-of", "csv=p=0", path});
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.describe());
  return r.out;
}

// The FLV's tags, rewritten by `edit` (which may drop, change or add tags).
struct Tag {
  std::uint8_t type;
  std::uint32_t timestamp;
  Bytes body;
};
std::vector<Tag> tags_of(const Bytes& flv) {
  std::vector<Tag> tags;
  flv::Reader reader;
  BOOST_REQUIRE(reader.feed(flv, [&](const flv::TagView& t) {
    tags.push_back({t.type, t.timestamp, Bytes(t.body.begin(), t.body.end())});
  }));
  return tags;
}
Bytes flv_of(const std::vector<Tag>& tags) {
  Bytes out = flv::file_header(true, true);
  for (const auto& t : tags) flv::append_tag(out, t.type, t.timestamp, t.body);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(flv_with_b_frames_remuxes_frame_for_frame) {
  bvtest::TempDir dir("bvlive-remux");
  make_source(dir / "in.flv", "flv");
  const Remuxed r = remux_all(remux::Container::flv, read_bytes(dir / "in.flv"));
  BOOST_REQUIRE(!r.unusable);
  BOOST_REQUIRE_EQUAL(r.inits.size(), 1u);
  write_bytes(dir / "out.mp4", r.file);

  // Every video frame and every audio frame, decoded, is the source's.
  BOOST_TEST(bvtest::frame_md5s(dir / "out.mp4", "0:v") == bvtest::frame_md5s(dir / "in.flv", "0:v"), boost::test_tools::per_element());
  BOOST_TEST(bvtest::frame_md5s(dir / "out.mp4", "0:a") == bvtest::frame_md5s(dir / "in.flv", "0:a"), boost::test_tools::per_element());
  // One fragment per 1 s GOP, each starting at a keyframe.
  BOOST_TEST(r.fragments.size() == 4u);
  for (const auto& f : r.fragments) BOOST_TEST(f.info.starts_independent());
  // B-frames: presentation differs from decode order, stated as composition offsets.
  const auto* video = r.fragments.front().info.video();
  BOOST_REQUIRE(video);
  BOOST_TEST(std::any_of(video->samples.begin(), video->samples.end(),
                         [](const fmp4::SampleInfo& s) { return s.composition_offset != 0; }));
  // What the session and `bvlive show` report.
  BOOST_REQUIRE(!r.infos.empty());
  BOOST_TEST(r.infos.front().video_codec == "h264");
  BOOST_TEST(r.infos.front().width == 320);
  BOOST_TEST(r.infos.front().height == 240);
  BOOST_TEST(r.infos.front().audio_codec == "aac");
  BOOST_TEST(r.infos.front().sample_rate == 48000);
  BOOST_TEST(std::abs(r.infos.back().frame_rate - 25.0) < 0.5);
  // The master playlist's CODECS comes from the init segment we wrote.
  const auto& init = r.inits.front().bytes;
  const auto moov = std::search(init.begin(), init.end(), std::begin("moov"), std::begin("moov") + 4);
  BOOST_REQUIRE(moov != init.end());
  const auto codecs = fmp4::rfc6381_codecs(std::span(init).subspan(static_cast<std::size_t>(moov - init.begin()) + 4));
  BOOST_REQUIRE(std::holds_alternative<std::string>(codecs));
  // High profile (0x64) at the level the encoder chose, and AAC LC.
  const int level = std::stoi(probe(dir / "in.flv", "stream=level").substr(0, 2));
  char expected[32];
  std::snprintf(expected, sizeof expected, "avc1.6400%02x,mp4a.40.2", level);
  BOOST_TEST(std::get<std::string>(codecs) == expected);
}

BOOST_AUTO_TEST_CASE(the_fragments_parse_as_the_ffmpeg_packager_output_did) {
  bvtest::TempDir dir("bvlive-remux");
  make_source(dir / "in.flv", "flv");
  const Remuxed r = remux_all(remux::Container::flv, read_bytes(dir / "in.flv"), {}, 1);  // byte by byte
  BOOST_REQUIRE(!r.unusable);
  // Our own reader (what the segmenter used on ffmpeg's output) agrees with what we say of them.
  fmp4::StreamSplitter splitter;
  const auto events = splitter.feed(r.file);
  std::size_t fragments = 0;
  for (const auto& ev : events) {
    BOOST_REQUIRE(!std::holds_alternative<fmp4::SplitError>(ev));
    if (const auto* f = std::get_if<fmp4::Fragment>(&ev)) {
      const auto& mine = r.fragments.at(fragments++).info;
      BOOST_REQUIRE_EQUAL(f->info.tracks.size(), mine.tracks.size());
      for (std::size_t t = 0; t < mine.tracks.size(); ++t) {
        BOOST_TEST(f->info.tracks[t].base_media_decode_time.value() == mine.tracks[t].base_media_decode_time.value());
        BOOST_TEST(f->info.tracks[t].total_duration == mine.tracks[t].total_duration);
        BOOST_TEST(f->info.tracks[t].samples.size() == mine.tracks[t].samples.size());
      }
    }
  }
  BOOST_TEST(fragments == r.fragments.size());
  // Consecutive fragments continue each track's timeline exactly.
  for (std::size_t i = 1; i < r.fragments.size(); ++i)
    for (const auto& t : r.fragments[i].info.tracks) {
      const auto* before = r.fragments[i - 1].info.find(t.track_id);
      BOOST_REQUIRE(before);
      BOOST_TEST(*t.base_media_decode_time == *before->base_media_decode_time + before->total_duration);
    }
}

BOOST_AUTO_TEST_CASE(mpegts_with_b_frames_remuxes_frame_for_frame) {
  bvtest::TempDir dir("bvlive-remux");
  make_source(dir / "in.ts", "mpegts");
  const Remuxed r = remux_all(remux::Container::mpegts, read_bytes(dir / "in.ts"), {}, 1316);
  BOOST_REQUIRE_MESSAGE(!r.unusable, r.unusable.value_or(""));
  write_bytes(dir / "out.mp4", r.file);
  BOOST_TEST(bvtest::frame_md5s(dir / "out.mp4", "0:v") == bvtest::frame_md5s(dir / "in.ts", "0:v"), boost::test_tools::per_element());
  BOOST_TEST(bvtest::frame_md5s(dir / "out.mp4", "0:a") == bvtest::frame_md5s(dir / "in.ts", "0:a"), boost::test_tools::per_element());
  // In-band parameter sets became the sample entry's avcC: avc1, not avc3.
  BOOST_TEST(probe(dir / "out.mp4", "stream=codec_tag_string").find("avc1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hevc_over_mpegts_becomes_hvc1) {
  bvtest::TempDir dir("bvlive-remux");
  const auto made = bvtest::run({"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                                 "-t", "3", "-c:v", "libx265", "-x265-params", "keyint=25:bframes=2:log-level=error",
                                 "-pix_fmt", "yuv420p", "-f", "mpegts", dir / "in.ts"},
                                bvtest::with_timeout(60s));
  BOOST_REQUIRE_MESSAGE(made.code == 0, made.describe());
  const Remuxed r = remux_all(remux::Container::mpegts, read_bytes(dir / "in.ts"));
  BOOST_REQUIRE_MESSAGE(!r.unusable, r.unusable.value_or(""));
  write_bytes(dir / "out.mp4", r.file);
  BOOST_TEST(probe(dir / "out.mp4", "stream=codec_name,codec_tag_string,width,height") == "hevc,hvc1,320,240\n");
  BOOST_TEST(bvtest::frame_md5s(dir / "out.mp4", "0:v") == bvtest::frame_md5s(dir / "in.ts", "0:v"), boost::test_tools::per_element());
  BOOST_TEST(r.infos.front().video_codec == "hevc");
}

BOOST_AUTO_TEST_CASE(the_32_bit_timestamp_wrap_and_jumps_keep_one_timeline) {
  bvtest::TempDir dir("bvlive-remux");
  make_source(dir / "in.flv", "flv");
  auto tags = tags_of(read_bytes(dir / "in.flv"));
  // Start 1.5 s before the wrap; jump back 5 s at 2 s of media and forward 10 minutes at 3 s.
  for (auto& t : tags) {
    std::uint32_t ts = t.timestamp + 0xFFFFFFFFu - 1500u;
    if (t.timestamp >= 2000) ts -= 5000;
    if (t.timestamp >= 3000) ts += 600'000;
    t.timestamp = ts;
  }
  const Remuxed r = remux_all(remux::Container::flv, flv_of(tags));
  BOOST_REQUIRE(!r.unusable);
  write_bytes(dir / "out.mp4", r.file);
  // Every frame is there, in order, and the stream lasts what the source lasts.
  BOOST_TEST(bvtest::frame_md5s(dir / "out.mp4", "0:v") == bvtest::frame_md5s(dir / "in.flv", "0:v"), boost::test_tools::per_element());
  const double duration = std::stod(probe(dir / "out.mp4", "format=duration"));
  BOOST_TEST(duration > 3.8);
  BOOST_TEST(duration < 4.3);
  BOOST_TEST(std::any_of(r.notices.begin(), r.notices.end(),
                         [](const std::string& n) { return n.find("jumped") != std::string::npos; }));
}

BOOST_AUTO_TEST_CASE(a_new_configuration_mid_stream_makes_a_new_init_segment) {
  bvtest::TempDir dir("bvlive-remux");
  make_source(dir / "a.flv", "flv", "320x240", "high");
  make_source(dir / "b.flv", "flv", "640x360", "main");
  auto tags = tags_of(read_bytes(dir / "a.flv"));
  auto second = tags_of(read_bytes(dir / "b.flv"));
  for (auto& t : second) t.timestamp += 4000;
  tags.insert(tags.end(), second.begin(), second.end());
  const Remuxed r = remux_all(remux::Container::flv, flv_of(tags));
  BOOST_REQUIRE(!r.unusable);
  BOOST_REQUIRE_EQUAL(r.inits.size(), 2u);
  BOOST_TEST(r.infos.back().width == 640);
  // The second init segment's fragments decode on their own as the second source.
  Bytes tail = r.inits[1].bytes;
  std::size_t second_start = 0;
  while (second_start < r.fragments.size() && r.fragments[second_start].info.tracks.front().base_media_decode_time <
                                                  std::uint64_t(4 * 90'000 - 9000))
    ++second_start;
  for (std::size_t i = second_start; i < r.fragments.size(); ++i)
    tail.insert(tail.end(), r.fragments[i].bytes.begin(), r.fragments[i].bytes.end());
  write_bytes(dir / "b.mp4", tail);
  BOOST_TEST(probe(dir / "b.mp4", "stream=width,height").find("640,360") != std::string::npos);
  BOOST_TEST(bvtest::frame_md5s(dir / "b.mp4", "0:v") == bvtest::frame_md5s(dir / "b.flv", "0:v"), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(garbage_in_a_video_tag_makes_the_stream_unusable_with_a_reason) {
  bvtest::TempDir dir("bvlive-remux");
  make_source(dir / "in.flv", "flv");
  auto tags = tags_of(read_bytes(dir / "in.flv"));
  for (auto& t : tags)
    if (t.type == flv::kTagVideo && t.timestamp >= 2000 && t.body.size() > 9 && t.body[1] == 1) {
      t.body[5] = 0x7F;  // the first NAL unit's length now runs far past the frame
      break;
    }
  const Remuxed r = remux_all(remux::Container::flv, flv_of(tags));
  BOOST_REQUIRE(r.unusable);
  BOOST_TEST(r.unusable->find("damaged video frame") != std::string::npos, *r.unusable);
  BOOST_TEST(r.unusable->find("ms") != std::string::npos);
  BOOST_TEST(!r.fragments.empty());  // what came before was packaged
}

BOOST_AUTO_TEST_CASE(an_unsupported_video_codec_is_refused_by_name) {
  // An FLV with On2 VP6 video (codec id 4): refused, naming the codec.
  const Bytes body{0x14, 0x00, 0x01, 0x02};
  Bytes flv = flv::file_header(false, true);
  flv::append_tag(flv, flv::kTagVideo, 0, body);
  const Remuxed r = remux_all(remux::Container::flv, flv);
  BOOST_REQUIRE(r.unusable);
  BOOST_TEST(r.unusable->find("VP6") != std::string::npos, *r.unusable);
}

BOOST_AUTO_TEST_CASE(audio_only_and_video_only_streams) {
  bvtest::TempDir dir("bvlive-remux");
  make_source(dir / "in.flv", "flv");
  auto tags = tags_of(read_bytes(dir / "in.flv"));
  std::vector<Tag> audio, video;
  for (const auto& t : tags) {
    if (t.type != flv::kTagVideo) audio.push_back(t);
    if (t.type != flv::kTagAudio) video.push_back(t);
  }
  // The source's metadata still names both codecs: the remuxer waits, then goes on without.
  const Remuxed a = remux_all(remux::Container::flv, flv_of(audio));
  BOOST_REQUIRE(!a.unusable);
  write_bytes(dir / "a.mp4", a.file);
  BOOST_TEST(probe(dir / "a.mp4", "stream=codec_type") == "audio\n");
  BOOST_TEST(bvtest::frame_md5s(dir / "a.mp4", "0:a") == bvtest::frame_md5s(dir / "in.flv", "0:a"), boost::test_tools::per_element());
  for (const auto& f : a.fragments) BOOST_TEST(f.info.starts_independent());

  const Remuxed v = remux_all(remux::Container::flv, flv_of(video));
  BOOST_REQUIRE(!v.unusable);
  write_bytes(dir / "v.mp4", v.file);
  BOOST_TEST(probe(dir / "v.mp4", "stream=codec_type") == "video\n");
  BOOST_TEST(bvtest::frame_md5s(dir / "v.mp4", "0:v") == bvtest::frame_md5s(dir / "in.flv", "0:v"), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parts_for_ll_hls) {
  bvtest::TempDir dir("bvlive-remux");
  make_source(dir / "in.flv", "flv");
  remux::RemuxOptions options;
  options.fragments.part_seconds = 0.3;
  const Remuxed r = remux_all(remux::Container::flv, read_bytes(dir / "in.flv"), options);
  BOOST_REQUIRE(!r.unusable);
  // 25 fps: 8 frames (0.32 s) a part, a new part at every keyframe too.
  std::size_t independent = 0;
  for (const auto& f : r.fragments) {
    const auto* v = f.info.video();
    BOOST_REQUIRE(v);
    BOOST_TEST(v->total_duration <= 8u * 3600u);
    if (f.info.starts_independent()) ++independent;
  }
  BOOST_TEST(independent == 4u);
  BOOST_TEST(r.fragments.size() >= 12u);
  write_bytes(dir / "out.mp4", r.file);
  BOOST_TEST(bvtest::frame_md5s(dir / "out.mp4", "0:v") == bvtest::frame_md5s(dir / "in.flv", "0:v"), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(timeline_corrects_each_track_on_its_own) {
  remux::Timeline t;
  BOOST_TEST(t.map_ms32(remux::TrackType::video, 0xFFFFFF00u) == 0);
  BOOST_TEST(t.map_ms32(remux::TrackType::video, 0xFFFFFF00u + 40) == 40 * 90);
  BOOST_TEST(t.map_ms32(remux::TrackType::video, 0x00000010u) == (0x100 + 0x10) * 90);  // across the wrap
  BOOST_TEST(t.corrections() == 0u);
  // Backwards: the step before stands in.
  const auto before = t.map_ms32(remux::TrackType::video, 0x10 + 40);
  const auto after = t.map_ms32(remux::TrackType::video, 5);
  BOOST_TEST(after - before == 40 * 90);
  BOOST_TEST(t.corrections() == 1u);
  // Audio starting a little after video keeps its offset.
  remux::Timeline u;
  u.map_ms32(remux::TrackType::video, 1000);
  BOOST_TEST(u.map_ms32(remux::TrackType::audio, 1023) == 23 * 90);
}

BOOST_AUTO_TEST_CASE(fragment_writer_offsets_point_at_each_tracks_samples) {
  const Bytes v1{1, 2, 3}, v2{4, 5}, a1{9, 9, 9, 9};
  std::vector<fmp4::TrackRun> runs(2);
  runs[0].track_id = 1;
  runs[0].samples = {{3000, 0, true, v1}, {3000, -3000, false, v2}};
  runs[1].track_id = 2;
  runs[1].kind = fmp4::TrackKind::audio;
  runs[1].timescale = 48000;
  runs[1].base_decode_time = 96000;
  runs[1].samples = {{1024, 0, true, a1}};
  const auto f = fmp4::write_fragment(7, runs, true);
  const std::vector<fmp4::TrackEntry> entries{{1, fmp4::TrackKind::video, 90000, fmp4::fourcc("avc1"), {}, 320, 240, 0, 0},
                                              {2, fmp4::TrackKind::audio, 48000, fmp4::fourcc("mp4a"), {0x11, 0x90}, 0, 0, 48000, 2}};
  fmp4::StreamSplitter splitter;
  const auto init = fmp4::write_init_segment(entries);
  auto events = splitter.feed(init);
  auto more = splitter.feed(f.bytes);
  events.insert(events.end(), more.begin(), more.end());
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  const auto& parsed = std::get<fmp4::Fragment>(events[1]).info;
  BOOST_TEST(parsed.sequence_number == 7u);
  BOOST_TEST(parsed.tracks[1].base_media_decode_time.value() == 96000u);
  BOOST_TEST(parsed.tracks[0].samples[1].composition_offset == -3000);
  // mdat holds the video samples, then the audio: the data offsets say so.
  const Bytes& b = f.bytes;
  const std::size_t mdat_payload = b.size() - 9;
  BOOST_TEST((Bytes(b.begin() + static_cast<long>(mdat_payload), b.end()) == Bytes{1, 2, 3, 4, 5, 9, 9, 9, 9}));
}
