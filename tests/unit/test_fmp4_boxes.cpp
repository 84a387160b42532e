#define BOOST_TEST_MODULE fmp4_boxes
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/media/fmp4/box_builder.hpp"
#include "core/media/fmp4/box_reader.hpp"
#include "core/media/fmp4/fragment_info.hpp"
#include "core/media/fmp4/init_info.hpp"
#include "core/media/fmp4/sample_flags.hpp"
#include "core/media/fmp4/stream_splitter.hpp"

using namespace bvlive::fmp4;

namespace {

// ---- hand-built boxes ------------------------------------------------------------------

Bytes ftyp() {
  return make_box(fourcc("ftyp"),
                  ByteBuilder().fourcc(fourcc("iso6")).u32(0).fourcc(fourcc("cmfc")).take());
}

Bytes mvhd(std::uint32_t timescale) {
  ByteBuilder b;
  b.u32(0).u32(0).u32(timescale).u32(0);
  for (int i = 0; i < 20; ++i) b.u32(0);  // rate .. next_track_ID, roughly
  return make_full_box(fourcc("mvhd"), 0, 0, b.data());
}

Bytes tkhd(std::uint8_t version, std::uint32_t track_id, std::uint32_t width,
           std::uint32_t height) {
  ByteBuilder b;
  if (version == 1) {
    b.u64(1).u64(2).u32(track_id).u32(0).u64(0);
  } else {
    b.u32(1).u32(2).u32(track_id).u32(0).u32(0);
  }
  b.u32(0).u32(0).u16(0).u16(0).u16(0).u16(0);
  for (int i = 0; i < 9; ++i) b.u32(0);
  b.u32(width << 16).u32(height << 16);
  return make_full_box(fourcc("tkhd"), version, 3, b.data());
}

Bytes mdhd(std::uint8_t version, std::uint32_t timescale) {
  ByteBuilder b;
  if (version == 1) {
    b.u64(1).u64(2).u32(timescale).u64(0);
  } else {
    b.u32(1).u32(2).u32(timescale).u32(0);
  }
  b.u16(0x55c4).u16(0);
  return make_full_box(fourcc("mdhd"), version, 0, b.data());
}

Bytes hdlr(FourCC handler) {
  ByteBuilder b;
  b.u32(0).fourcc(handler).u32(0).u32(0).u32(0).u8(0);
  return make_full_box(fourcc("hdlr"), 0, 0, b.data());
}

Bytes trak(std::uint8_t version, std::uint32_t track_id, FourCC handler, std::uint32_t timescale,
           std::uint32_t width, std::uint32_t height) {
  const Bytes mdia = make_box(fourcc("mdia"), concat({mdhd(version, timescale), hdlr(handler),
                                                      make_box(fourcc("minf"), Bytes{})}));
  return make_box(fourcc("trak"), concat({tkhd(version, track_id, width, height), mdia}));
}

Bytes trex(std::uint32_t track_id, std::uint32_t duration, std::uint32_t size,
           std::uint32_t flags) {
  return make_full_box(fourcc("trex"), 0, 0,
                       ByteBuilder().u32(track_id).u32(1).u32(duration).u32(size).u32(flags).take());
}

constexpr std::uint32_t kVideo = 1;
constexpr std::uint32_t kAudio = 2;

// Video 1280x720 at 90 kHz (version 0 boxes) whose trex says "non-sync, 3000 ticks";
// audio at 48 kHz (version 1 boxes), every sample sync, 1024 ticks.
Bytes moov(std::uint32_t video_trex_flags = kNonSyncSampleFlags) {
  const Bytes mvex = make_box(fourcc("mvex"), concat({trex(kVideo, 3000, 0, video_trex_flags),
                                                      trex(kAudio, 1024, 0, 0)}));
  return make_box(fourcc("moov"),
                  concat({mvhd(1000), trak(0, kVideo, fourcc("vide"), 90000, 1280, 720),
                          trak(1, kAudio, fourcc("soun"), 48000, 0, 0), mvex}));
}

Bytes mfhd(std::uint32_t sequence) {
  return make_full_box(fourcc("mfhd"), 0, 0, ByteBuilder().u32(sequence).take());
}

Bytes tfdt(std::uint8_t version, std::uint64_t time) {
  ByteBuilder b;
  if (version == 1) {
    b.u64(time);
  } else {
    b.u32(static_cast<std::uint32_t>(time));
  }
  return make_full_box(fourcc("tfdt"), version, 0, b.data());
}

struct TfhdFields {
  std::uint32_t flags = kTfhdDefaultBaseIsMoof;
  std::uint64_t base_data_offset = 0;
  std::uint32_t description = 1, duration = 0, size = 0, sample_flags = 0;
};

Bytes tfhd(std::uint32_t track_id, const TfhdFields& f) {
  ByteBuilder b;
  b.u32(track_id);
  if (f.flags & kTfhdBaseDataOffset) b.u64(f.base_data_offset);
  if (f.flags & kTfhdSampleDescriptionIndex) b.u32(f.description);
  if (f.flags & kTfhdDefaultSampleDuration) b.u32(f.duration);
  if (f.flags & kTfhdDefaultSampleSize) b.u32(f.size);
  if (f.flags & kTfhdDefaultSampleFlags) b.u32(f.sample_flags);
  return make_full_box(fourcc("tfhd"), 0, f.flags, b.data());
}

// A trun carrying exactly the fields its flags ask for, taken from `samples`.
Bytes trun(std::uint8_t version, std::uint32_t flags, const std::vector<SampleInfo>& samples,
           std::uint32_t first_sample_flags = 0) {
  ByteBuilder b;
  b.u32(static_cast<std::uint32_t>(samples.size()));
  if (flags & kTrunDataOffset) b.u32(0x100);
  if (flags & kTrunFirstSampleFlags) b.u32(first_sample_flags);
  for (const auto& s : samples) {
    if (flags & kTrunSampleDuration) b.u32(s.duration);
    if (flags & kTrunSampleSize) b.u32(s.size);
    if (flags & kTrunSampleFlags) b.u32(s.flags);
    if (flags & kTrunSampleCompositionTimeOffset)
      b.u32(static_cast<std::uint32_t>(static_cast<std::int32_t>(s.composition_offset)));
  }
  return make_full_box(fourcc("trun"), version, flags, b.data());
}

Bytes traf(std::initializer_list<std::span<const std::uint8_t>> children) {
  return make_box(fourcc("traf"), concat(children));
}

Bytes moof(std::uint32_t sequence, std::initializer_list<std::span<const std::uint8_t>> trafs) {
  Bytes payload = mfhd(sequence);
  for (const auto& t : trafs) payload.insert(payload.end(), t.begin(), t.end());
  return make_box(fourcc("moof"), payload);
}

// A one-traf video fragment of `count` samples, the first a key frame, trun with per-sample
// sizes and first_sample_flags the way ffmpeg writes them.
Bytes video_moof(std::uint32_t sequence, std::uint64_t decode_time, std::uint32_t count) {
  std::vector<SampleInfo> samples(count, SampleInfo{3000, 100, 0, 0});
  return moof(sequence, {traf({tfhd(kVideo, {}), tfdt(1, decode_time),
                               trun(0, kTrunDataOffset | kTrunFirstSampleFlags | kTrunSampleSize,
                                    samples, kSyncSampleFlags)})});
}

Bytes mdat(std::size_t size, bool large = false) {
  return make_box(fourcc("mdat"), Bytes(size, 0xab), large);
}

InitInfo init_info(std::uint32_t video_trex_flags = kNonSyncSampleFlags) {
  const Bytes box = moov(video_trex_flags);
  auto parsed = parse_moov(ByteSpan(box).subspan(8));
  BOOST_REQUIRE(std::holds_alternative<InitInfo>(parsed));
  return std::get<InitInfo>(parsed);
}

FragmentInfo fragment_info(const Bytes& moof_box, const InitInfo& init) {
  auto parsed = parse_moof(ByteSpan(moof_box).subspan(8), init);
  if (auto* bad = std::get_if<ParseError>(&parsed)) BOOST_FAIL(bad->message);
  return std::get<FragmentInfo>(parsed);
}

std::vector<Box> all_boxes(ByteSpan bytes, std::optional<BoxError>& error) {
  std::vector<Box> boxes;
  BoxReader reader(bytes);
  while (auto box = reader.next()) boxes.push_back(*box);
  error = reader.error();
  return boxes;
}

}  // namespace

// ---- box framing -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(reads_boxes_end_to_end) {
  const Bytes bytes = concat({ftyp(), make_box(fourcc("free"), Bytes{1, 2, 3})});
  std::optional<BoxError> error;
  const auto boxes = all_boxes(bytes, error);
  BOOST_TEST(!error);
  BOOST_REQUIRE_EQUAL(boxes.size(), 2u);
  BOOST_TEST(boxes[0].type == fourcc("ftyp"));
  BOOST_TEST(boxes[0].header_size == 8u);
  BOOST_TEST(boxes[1].type == fourcc("free"));
  BOOST_TEST(boxes[1].payload.size() == 3u);
  BOOST_TEST(boxes[1].payload[2] == 3);
}

BOOST_AUTO_TEST_CASE(reads_64_bit_largesize) {
  const Bytes bytes = concat({mdat(5, true), make_box(fourcc("free"), Bytes{})});
  std::optional<BoxError> error;
  const auto boxes = all_boxes(bytes, error);
  BOOST_TEST(!error);
  BOOST_REQUIRE_EQUAL(boxes.size(), 2u);
  BOOST_TEST(boxes[0].header_size == 16u);
  BOOST_TEST(boxes[0].bytes.size() == 21u);
  BOOST_TEST(boxes[0].payload.size() == 5u);
  BOOST_TEST(boxes[1].type == fourcc("free"));
}

BOOST_AUTO_TEST_CASE(size_zero_runs_to_the_end) {
  const Bytes bytes = ByteBuilder().u32(0).fourcc(fourcc("mdat")).u32(7).u16(9).take();
  std::optional<BoxError> error;
  const auto boxes = all_boxes(bytes, error);
  BOOST_TEST(!error);
  BOOST_REQUIRE_EQUAL(boxes.size(), 1u);
  BOOST_TEST(boxes[0].payload.size() == 6u);
}

BOOST_AUTO_TEST_CASE(uuid_header_includes_extended_type) {
  ByteBuilder b;
  b.u32(8 + 16 + 2).fourcc(fourcc("uuid")).u64(1).u64(2).u16(3);
  const auto parsed = parse_box_header(b.data());
  BOOST_REQUIRE(std::holds_alternative<BoxHeader>(parsed));
  BOOST_TEST(std::get<BoxHeader>(parsed).header_size == 24u);
}

BOOST_AUTO_TEST_CASE(absurd_sizes_are_errors) {
  std::optional<BoxError> error;
  all_boxes(ByteBuilder().u32(4).fourcc(fourcc("free")).take(), error);
  BOOST_TEST((error == BoxError::size_below_header));
  all_boxes(ByteBuilder().u32(1).fourcc(fourcc("free")).u64(12).take(), error);
  BOOST_TEST((error == BoxError::size_below_header));
  all_boxes(ByteBuilder().u32(1).fourcc(fourcc("mdat")).u64(~0ull).take(), error);
  BOOST_TEST((error == BoxError::truncated_payload));
  all_boxes(ByteBuilder().u32(0xffffffff).fourcc(fourcc("mdat")).take(), error);
  BOOST_TEST((error == BoxError::truncated_payload));
}

BOOST_AUTO_TEST_CASE(every_truncation_is_an_error_not_a_crash) {
  const Bytes first = ftyp();
  const Bytes bytes = concat({first, mdat(9, true)});
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    std::optional<BoxError> error;
    const auto boxes = all_boxes(ByteSpan(bytes).first(length), error);
    const bool at_boundary = length == 0 || length == first.size();
    BOOST_TEST(error.has_value() == !at_boundary, "length " << length);
    BOOST_TEST(boxes.size() == (length >= first.size() ? 1u : 0u), "length " << length);
  }
}

// ---- moov ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(moov_gives_tracks_timescales_sizes_and_trex_defaults) {
  const InitInfo info = init_info();
  BOOST_TEST(info.movie_timescale == 1000u);
  BOOST_REQUIRE_EQUAL(info.tracks.size(), 2u);
  const TrackInfo* video = info.video();
  BOOST_REQUIRE(video);
  BOOST_TEST(video->track_id == kVideo);
  BOOST_TEST(video->handler == fourcc("vide"));
  BOOST_TEST(video->timescale == 90000u);
  BOOST_TEST(video->width == 1280u);
  BOOST_TEST(video->height == 720u);
  BOOST_TEST(video->has_trex);
  BOOST_TEST(video->defaults.duration == 3000u);
  BOOST_TEST(video->defaults.flags == kNonSyncSampleFlags);
  const TrackInfo* audio = info.find(kAudio);
  BOOST_REQUIRE(audio);
  BOOST_TEST((audio->kind == TrackKind::audio));
  BOOST_TEST(audio->timescale == 48000u);  // from an mdhd version 1
  BOOST_TEST(audio->width == 0u);
  BOOST_TEST(audio->defaults.duration == 1024u);
}

BOOST_AUTO_TEST_CASE(moov_errors) {
  const Bytes no_tracks = mvhd(1000);
  BOOST_TEST(std::holds_alternative<ParseError>(parse_moov(no_tracks)));
  const Bytes zero_timescale = trak(0, 1, fourcc("vide"), 0, 1, 1);
  BOOST_TEST(std::holds_alternative<ParseError>(parse_moov(zero_timescale)));
  const Bytes stray_trex = concat({trak(0, 1, fourcc("vide"), 90000, 1, 1),
                                   make_box(fourcc("mvex"), trex(9, 1, 1, 0))});
  BOOST_TEST(std::holds_alternative<ParseError>(parse_moov(stray_trex)));
}

BOOST_AUTO_TEST_CASE(truncated_moov_never_crashes) {
  const Bytes box = moov();
  const ByteSpan payload = ByteSpan(box).subspan(8);
  for (std::size_t length = 0; length < payload.size(); ++length) {
    const auto parsed = parse_moov(payload.first(length));
    // A cut between children can still parse (a moov without mvex); most cuts cannot.
    if (const auto* info = std::get_if<InitInfo>(&parsed)) BOOST_TEST(!info->tracks.empty());
  }
  BOOST_TEST(std::holds_alternative<InitInfo>(parse_moov(payload)));
}

// ---- moof ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(trun_honours_every_flag_combination) {
  const InitInfo init = init_info();
  const std::vector<std::uint32_t> optional_flags = {
      kTrunDataOffset, kTrunFirstSampleFlags, kTrunSampleDuration, kTrunSampleSize,
      kTrunSampleFlags, kTrunSampleCompositionTimeOffset};
  const std::vector<SampleInfo> samples = {
      {1001, 500, kSyncSampleFlags, 2002}, {1002, 501, kNonSyncSampleFlags, -1001},
      {1003, 502, kNonSyncSampleFlags, 0}};
  const std::uint32_t first_flags = 0x02400000;  // sync, differs from every other value
  TfhdFields defaults;
  defaults.flags |= kTfhdDefaultSampleSize;
  defaults.size = 77;  // tfhd overrides trex's size; trex's duration and flags stand

  for (std::uint8_t version = 0; version <= 1; ++version) {
    for (std::uint32_t mask = 0; mask < (1u << optional_flags.size()); ++mask) {
      std::uint32_t flags = 0;
      for (std::size_t bit = 0; bit < optional_flags.size(); ++bit)
        if (mask & (1u << bit)) flags |= optional_flags[bit];
      const Bytes box = moof(7, {traf({tfhd(kVideo, defaults), tfdt(0, 0),
                                       trun(version, flags, samples, first_flags)})});
      const FragmentInfo info = fragment_info(box, init);
      BOOST_TEST_CONTEXT("version " << int(version) << " flags 0x" << std::hex << flags) {
        BOOST_TEST(info.sequence_number == 7u);
        const TrackFragmentInfo* traf = info.video();
        BOOST_REQUIRE(traf);
        BOOST_REQUIRE_EQUAL(traf->samples.size(), samples.size());
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < samples.size(); ++i) {
          const SampleInfo& got = traf->samples[i];
          const std::uint32_t duration =
              (flags & kTrunSampleDuration) ? samples[i].duration : 3000u;
          const std::uint32_t size = (flags & kTrunSampleSize) ? samples[i].size : 77u;
          std::uint32_t sample_flags = kNonSyncSampleFlags;
          if (flags & kTrunSampleFlags) {
            sample_flags = samples[i].flags;
          } else if (i == 0 && (flags & kTrunFirstSampleFlags)) {
            sample_flags = first_flags;
          }
          std::int64_t offset = 0;
          if (flags & kTrunSampleCompositionTimeOffset) {
            offset = version == 1 ? samples[i].composition_offset
                                  : std::int64_t(static_cast<std::uint32_t>(
                                        static_cast<std::int32_t>(samples[i].composition_offset)));
          }
          BOOST_TEST(got.duration == duration);
          BOOST_TEST(got.size == size);
          BOOST_TEST(got.flags == sample_flags);
          BOOST_TEST(got.composition_offset == offset);
          total += duration;
        }
        BOOST_TEST(traf->total_duration == total);
        const bool first_is_sync = (flags & kTrunSampleFlags) || (flags & kTrunFirstSampleFlags);
        BOOST_TEST(info.starts_independent() == first_is_sync);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(tfdt_version_0_and_1) {
  const InitInfo init = init_info();
  const std::vector<SampleInfo> one = {{}};
  const std::uint64_t big = (std::uint64_t(1) << 33) + 5;
  const FragmentInfo v1 =
      fragment_info(moof(1, {traf({tfhd(kVideo, {}), tfdt(1, big), trun(0, 0, one)})}), init);
  BOOST_TEST(*v1.video()->base_media_decode_time == big);
  const FragmentInfo v0 = fragment_info(
      moof(1, {traf({tfhd(kVideo, {}), tfdt(0, 0xfffffff0u), trun(0, 0, one)})}), init);
  BOOST_TEST(*v0.video()->base_media_decode_time == 0xfffffff0u);
  const FragmentInfo none =
      fragment_info(moof(1, {traf({tfhd(kVideo, {}), trun(0, 0, one)})}), init);
  BOOST_TEST(!none.video()->base_media_decode_time);
}

BOOST_AUTO_TEST_CASE(tfhd_fields_follow_its_flags) {
  const InitInfo init = init_info();
  TfhdFields f;
  f.flags = kTfhdBaseDataOffset | kTfhdSampleDescriptionIndex | kTfhdDefaultSampleDuration |
            kTfhdDefaultSampleSize | kTfhdDefaultSampleFlags;
  f.base_data_offset = 0x123456789ull;
  f.description = 2;
  f.duration = 1500;
  f.size = 42;
  f.sample_flags = kSyncSampleFlags;
  const std::vector<SampleInfo> two(2);
  const FragmentInfo info =
      fragment_info(moof(3, {traf({tfhd(kVideo, f), tfdt(0, 9), trun(0, 0, two)})}), init);
  const TrackFragmentInfo& traf = *info.video();
  BOOST_TEST(traf.tfhd_flags == f.flags);
  BOOST_TEST(*traf.base_data_offset == 0x123456789ull);
  BOOST_TEST(traf.defaults.sample_description_index == 2u);
  BOOST_TEST(traf.samples[1].duration == 1500u);
  BOOST_TEST(traf.samples[1].size == 42u);
  BOOST_TEST(traf.total_duration == 3000u);
  BOOST_TEST(traf.timescale == 90000u);
}

BOOST_AUTO_TEST_CASE(sync_detection_from_first_sample_tfhd_and_trex_flags) {
  const std::vector<SampleInfo> two(2);
  auto starts_independent = [&](std::uint32_t trex_flags, std::optional<std::uint32_t> tfhd_flags,
                                std::optional<std::uint32_t> first_flags) {
    TfhdFields f;
    if (tfhd_flags) {
      f.flags |= kTfhdDefaultSampleFlags;
      f.sample_flags = *tfhd_flags;
    }
    const std::uint32_t trun_flags = first_flags ? kTrunFirstSampleFlags : 0;
    const Bytes box = moof(1, {traf({tfhd(kVideo, f), tfdt(0, 0),
                                     trun(0, trun_flags, two, first_flags.value_or(0))})});
    const FragmentInfo info = fragment_info(box, init_info(trex_flags));
    BOOST_TEST(!info.video()->sample_is_sync_at(1) == (tfhd_flags.value_or(trex_flags) ==
                                                       kNonSyncSampleFlags));
    return info.starts_independent();
  };
  // trex alone.
  BOOST_TEST(!starts_independent(kNonSyncSampleFlags, {}, {}));
  BOOST_TEST(starts_independent(kSyncSampleFlags, {}, {}));
  // tfhd overrides trex.
  BOOST_TEST(starts_independent(kNonSyncSampleFlags, kSyncSampleFlags, {}));
  BOOST_TEST(!starts_independent(kSyncSampleFlags, kNonSyncSampleFlags, {}));
  // first_sample_flags overrides both, for the first sample only.
  BOOST_TEST(starts_independent(kNonSyncSampleFlags, kNonSyncSampleFlags, kSyncSampleFlags));
  BOOST_TEST(!starts_independent(kSyncSampleFlags, kSyncSampleFlags, kNonSyncSampleFlags));
  // depends_on == 2 counts as sync even with the non-sync bit; neither bit set is sync too.
  BOOST_TEST(starts_independent(kNonSyncSampleFlags, {}, 0x02010000u));
  BOOST_TEST(starts_independent(kNonSyncSampleFlags, {}, 0u));
}

BOOST_AUTO_TEST_CASE(fragment_without_video_is_independent_only_in_audio_only_streams) {
  InitInfo init = init_info();
  const Bytes box = moof(1, {traf({tfhd(kAudio, {}), tfdt(0, 0), trun(0, 0, {{}, {}})})});
  const FragmentInfo in_av_stream = fragment_info(box, init);
  BOOST_TEST(!in_av_stream.video());
  BOOST_TEST(!in_av_stream.starts_independent());
  BOOST_TEST(in_av_stream.find(kAudio)->total_duration == 2048u);
  init.tracks.erase(init.tracks.begin());  // drop the video track
  BOOST_TEST(fragment_info(box, init).starts_independent());
}

BOOST_AUTO_TEST_CASE(moof_errors) {
  const InitInfo init = init_info();
  auto fails = [&](const Bytes& box) {
    return std::holds_alternative<ParseError>(parse_moof(ByteSpan(box).subspan(8), init));
  };
  BOOST_TEST(fails(make_box(fourcc("moof"), traf({tfhd(kVideo, {})}))));  // no mfhd
  BOOST_TEST(fails(moof(1, {traf({tfhd(99, {})})})));                       // unknown track
  BOOST_TEST(fails(moof(1, {traf({tfdt(0, 0)})})));                         // no tfhd
  // A sample count far beyond the bytes present.
  const Bytes lying = make_full_box(fourcc("trun"), 0, kTrunSampleSize,
                                    ByteBuilder().u32(1000).u32(1).take());
  BOOST_TEST(fails(moof(1, {traf({tfhd(kVideo, {}), lying})})));
  // A huge count of samples that carry no fields.
  const Bytes huge = make_full_box(fourcc("trun"), 0, 0, ByteBuilder().u32(0xffffffff).take());
  BOOST_TEST(fails(moof(1, {traf({tfhd(kVideo, {}), huge})})));
}

BOOST_AUTO_TEST_CASE(truncated_moof_never_crashes) {
  const InitInfo init = init_info();
  const std::vector<SampleInfo> samples(3, SampleInfo{1, 2, 3, 4});
  const std::uint32_t all = kTrunDataOffset | kTrunFirstSampleFlags | kTrunSampleDuration |
                            kTrunSampleSize | kTrunSampleFlags | kTrunSampleCompositionTimeOffset;
  TfhdFields f;
  f.flags = 0x3b;
  const Bytes box = moof(1, {traf({tfhd(kVideo, f), tfdt(1, 5), trun(1, all, samples)})});
  const ByteSpan payload = ByteSpan(box).subspan(8);
  const std::size_t mfhd_size = 16;  // a moof of just its mfhd is legal: no track fragments
  for (std::size_t length = 0; length < payload.size(); ++length)
    BOOST_TEST(std::holds_alternative<ParseError>(parse_moof(payload.first(length), init)) ==
                   (length != mfhd_size),
               "length " << length);
  BOOST_TEST(std::holds_alternative<FragmentInfo>(parse_moof(payload, init)));
}

// ---- stream splitter -------------------------------------------------------------------

namespace {

Bytes sample_stream() {
  return concat({ftyp(), moov(), make_box(fourcc("styp"), Bytes{1, 2, 3, 4}),
                 video_moof(1, 0, 30), mdat(3000), make_box(fourcc("free"), Bytes{}),
                 video_moof(2, 90000, 30), mdat(3000, true), make_box(fourcc("sidx"), Bytes(20))});
}

struct Collected {
  std::vector<Bytes> inits;
  std::vector<Bytes> fragments;
  std::vector<std::uint32_t> sequences;
  std::vector<std::string> errors;
};

void collect(std::vector<SplitEvent> events, Collected& out) {
  for (auto& event : events) {
    if (auto* init = std::get_if<InitSegment>(&event)) out.inits.push_back(init->bytes);
    if (auto* fragment = std::get_if<Fragment>(&event)) {
      out.fragments.push_back(fragment->bytes);
      out.sequences.push_back(fragment->info.sequence_number);
    }
    if (auto* error = std::get_if<SplitError>(&event)) out.errors.push_back(error->message);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(splitter_emits_init_and_fragments_and_drops_other_boxes) {
  const Bytes stream = sample_stream();
  StreamSplitter splitter;
  Collected got;
  collect(splitter.feed(stream), got);
  BOOST_TEST(got.errors.empty());
  BOOST_REQUIRE_EQUAL(got.inits.size(), 1u);
  BOOST_TEST(got.inits[0] == concat({ftyp(), moov()}));
  BOOST_REQUIRE_EQUAL(got.fragments.size(), 2u);
  BOOST_TEST(got.fragments[0] == concat({video_moof(1, 0, 30), mdat(3000)}));
  BOOST_TEST(got.fragments[1] == concat({video_moof(2, 90000, 30), mdat(3000, true)}));
  BOOST_TEST(splitter.dropped_boxes() == 3u);
  BOOST_TEST(splitter.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(splitter_fed_one_byte_at_a_time_matches_all_at_once) {
  const Bytes stream = sample_stream();
  Collected whole, bytewise, chunked;
  StreamSplitter a, b, c;
  collect(a.feed(stream), whole);
  for (std::uint8_t byte : stream) collect(b.feed(ByteSpan(&byte, 1)), bytewise);
  for (std::size_t at = 0; at < stream.size(); at += 7)
    collect(c.feed(ByteSpan(stream).subspan(at, std::min<std::size_t>(7, stream.size() - at))),
            chunked);
  for (const Collected* other : {&bytewise, &chunked}) {
    BOOST_TEST(other->errors.empty());
    BOOST_TEST(other->inits == whole.inits);
    BOOST_TEST(other->fragments == whole.fragments);
    BOOST_TEST(other->sequences == whole.sequences);
  }
}

BOOST_AUTO_TEST_CASE(splitter_errors_are_sticky) {
  {
    StreamSplitter splitter(1000);
    Collected got;
    collect(splitter.feed(concat({ftyp(), moov(), video_moof(1, 0, 1)})), got);
    collect(splitter.feed(ByteBuilder().u32(5000).fourcc(fourcc("mdat")).take()), got);
    BOOST_TEST(got.errors.size() == 1u);  // mdat larger than the limit
    BOOST_TEST(splitter.failed());
    collect(splitter.feed(mdat(1)), got);
    BOOST_TEST(got.errors.size() == 1u);
    BOOST_TEST(got.fragments.empty());
  }
  auto first_error = [](const Bytes& stream) {
    StreamSplitter splitter;
    Collected got;
    collect(splitter.feed(stream), got);
    return got.errors.size() == 1u && splitter.failed();
  };
  BOOST_TEST(first_error(concat({ftyp(), video_moof(1, 0, 1)})));                // before moov
  BOOST_TEST(first_error(concat({ftyp(), moov(), video_moof(1, 0, 1), ftyp()})));  // no mdat
  BOOST_TEST(first_error(ByteBuilder().u32(0).fourcc(fourcc("mdat")).take()));     // size 0
  BOOST_TEST(first_error(ByteBuilder().u32(3).fourcc(fourcc("free")).take()));     // absurd
  TfhdFields absolute;
  absolute.flags = kTfhdBaseDataOffset;
  absolute.base_data_offset = 1234;
  BOOST_TEST(first_error(concat({ftyp(), moov(),
                                 moof(1, {traf({tfhd(kVideo, absolute), trun(0, 0, {{}})})}),
                                 mdat(1)})));
}

BOOST_AUTO_TEST_CASE(splitter_survives_every_single_byte_corruption) {
  // Under the sanitizers this is a small fuzz pass: each byte of the headers (everything
  // before the first mdat's payload) flipped in turn, fed in odd-sized chunks.
  const Bytes stream = sample_stream();
  const std::size_t headers = concat({ftyp(), moov(), make_box(fourcc("styp"), Bytes{1, 2, 3, 4}),
                                      video_moof(1, 0, 30)}).size() + 8;
  for (std::size_t at = 0; at < headers; ++at) {
    for (std::uint8_t mask : {std::uint8_t(0xff), std::uint8_t(0x01), std::uint8_t(0x80)}) {
      Bytes corrupt = stream;
      corrupt[at] ^= mask;
      StreamSplitter splitter(1 << 16);
      Collected got;
      for (std::size_t pos = 0; pos < corrupt.size(); pos += 333)
        collect(splitter.feed(ByteSpan(corrupt).subspan(
                    pos, std::min<std::size_t>(333, corrupt.size() - pos))),
                got);
      BOOST_TEST(got.errors.size() <= 1u);
      BOOST_TEST(got.fragments.size() <= 2u);
    }
  }
}
