// The session's segment and part writer on its own: no process, no socket, no loop. A fake
// index takes what it records, a fake clock gives the wall time, and fragments are made
// with the fMP4 writer (the bytes of a sample do not matter to it).
#define BOOST_TEST_MODULE segment_writer
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/media/fmp4/fragment_writer.hpp"
#include "core/media/fmp4/init_writer.hpp"
#include "sessions/segment_writer.hpp"
#include "support/process.hpp"

using namespace bvlive;

namespace {

class FakeIndex final : public SegmentIndex {
 public:
  explicit FakeIndex(std::string root) : root_(std::move(root)) {}
  std::int64_t next_seq(const std::string&) override {
    std::int64_t next = first_seq;
    for (const auto& s : segments) next = std::max(next, s.seq + 1);
    return next;
  }
  void append(const SegmentRecord& r, const SessionRow& session, std::optional<std::uint64_t>) override {
    segments.push_back(r);
    rows.push_back(session);
  }
  void append_part(const hls::PartRecord& p) override { parts.push_back(p); }
  void trim(const std::string&, std::size_t keep) override { trims.push_back(keep); }
  std::string path_of(const std::string& live_id, const std::string& file) const override {
    return root_ + "/" + live_id + "/" + file;
  }

  std::int64_t first_seq = 40;  // the live's earlier sessions had 40 segments
  std::vector<SegmentRecord> segments;
  std::vector<SessionRow> rows;
  std::vector<hls::PartRecord> parts;
  std::vector<std::size_t> trims;

 private:
  std::string root_;
};

const fmp4::Bytes kSample(100, 0xAB);

fmp4::InitSegment init_segment(std::uint16_t width) {
  const std::vector<fmp4::TrackEntry> tracks{{1, fmp4::TrackKind::video, 90000, fmp4::fourcc("avc1"), {1, 2, 3}, width, 240, 0, 0}};
  return {fmp4::write_init_segment(tracks), fmp4::init_info_of(tracks)};
}

// `frames` 25 fps video frames from `first_frame`, the first a keyframe when `key`.
fmp4::Fragment fragment(std::uint32_t sequence, std::uint64_t first_frame, int frames, bool key) {
  fmp4::TrackRun run;
  run.base_decode_time = first_frame * 3600;
  for (int i = 0; i < frames; ++i) run.samples.push_back({3600, 0, key && i == 0, kSample});
  return fmp4::write_fragment(sequence, {run}, true);
}

struct Fixture {
  bvtest::TempDir dir{"bvlive-writer"};
  FakeIndex index{dir.path()};
  SessionRow row;
  TimeMs now = 1'700'000'000'000;
  int first_segments = 0;
  std::vector<std::string> failures, events;
  std::optional<SegmentWriter> writer;

  explicit Fixture(bool ull = false, std::vector<std::string> renditions = {""}) {
    row.id = "se_test";
    row.live_id = "li_test";
    for (const auto& r : renditions)
      std::filesystem::create_directories(dir.path() + "/li_test/se_test" + (r.empty() ? "" : "/" + r));
    SegmentWriterSetup setup;
    setup.renditions = renditions;
    setup.ull = ull;
    setup.segment_seconds = ull ? 1.0 : 2.0;
    setup.keep_segments = [] { return std::size_t{6}; };
    setup.clock = [this] { return now; };
    SegmentWriter::Callbacks cb;
    cb.first_segment = [this] { ++first_segments; };
    cb.failed = [this](const std::string& r) { failures.push_back(r); };
    cb.event = [this](const std::string& e) { events.push_back(e); };
    writer.emplace(index, row, std::move(setup), std::move(cb));
  }
  bool exists(const std::string& file) const { return bvtest::path_exists(dir.path() + "/li_test/" + file); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(keyframe_fragments_become_numbered_timed_segments) {
  Fixture f;
  f.writer->take(0, init_segment(320));
  BOOST_TEST(f.exists("se_test/init.mp4"));
  for (std::uint32_t i = 0; i < 5; ++i) {
    f.writer->take(0, fragment(i + 1, i * 25, 25, true));  // 1 s GOPs
    f.now += 1000;
  }
  // 2 s segments, closed as soon as they hold the target: two so far, the fifth GOP open.
  BOOST_REQUIRE_EQUAL(f.index.segments.size(), 2u);
  const auto& first = f.index.segments[0];
  BOOST_TEST(first.seq == 40);
  BOOST_TEST(first.file == "se_test/seg_00000000.m4s");
  BOOST_TEST(first.init_file == "se_test/init.mp4");
  BOOST_TEST(first.duration == 2.0);
  // The first fragment came in at `now`, one second after its first frame.
  BOOST_TEST(first.program_date_time == 1'700'000'000'000 - 1000);
  BOOST_TEST(f.index.segments[1].program_date_time == first.program_date_time + 2000);
  BOOST_TEST(f.index.segments[1].seq == 41);
  BOOST_TEST(f.exists(first.file));
  BOOST_TEST(first.bytes == static_cast<std::int64_t>(std::filesystem::file_size(f.index.path_of("li_test", first.file))));
  BOOST_TEST(f.first_segments == 1);
  BOOST_TEST(f.row.segments == 2);
  BOOST_TEST(f.index.rows.back().segments == 2);  // recorded with the count that includes it
  BOOST_TEST(f.index.trims.size() == 2u);
  // The end of the push lists the open one.
  f.writer->finish();
  BOOST_REQUIRE_EQUAL(f.index.segments.size(), 3u);
  BOOST_TEST(f.index.segments[2].duration == 1.0);
  f.writer->take(0, fragment(9, 200, 25, true));  // nothing after the end
  BOOST_TEST(f.index.segments.size() == 3u);
  BOOST_TEST(f.failures.empty());
}

BOOST_AUTO_TEST_CASE(a_new_init_segment_closes_the_open_segment_and_names_the_next_file) {
  Fixture f;
  f.writer->take(0, init_segment(320));
  f.writer->take(0, fragment(1, 0, 25, true));
  f.writer->take(0, init_segment(640));
  BOOST_REQUIRE_EQUAL(f.index.segments.size(), 1u);  // the lone GOP, on the old init segment
  BOOST_TEST(f.index.segments[0].init_file == "se_test/init.mp4");
  BOOST_TEST(f.exists("se_test/init-2.mp4"));
  f.writer->take(0, fragment(2, 25, 25, true));
  f.writer->take(0, fragment(3, 50, 25, true));
  BOOST_REQUIRE_EQUAL(f.index.segments.size(), 2u);
  BOOST_TEST(f.index.segments[1].init_file == "se_test/init-2.mp4");
  BOOST_TEST(is_discontinuity(f.index.segments[0], f.index.segments[1]));
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(f.events[0].find("init-2.mp4") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ll_hls_parts_are_written_and_listed_as_they_come) {
  Fixture f(true);
  f.writer->take(0, init_segment(320));
  // 1 s GOPs in parts of 8, 8, 9 frames.
  std::uint32_t seq = 1;
  for (std::uint64_t gop = 0; gop < 3; ++gop) {
    f.writer->take(0, fragment(seq++, gop * 25, 8, true));
    f.writer->take(0, fragment(seq++, gop * 25 + 8, 8, false));
    f.writer->take(0, fragment(seq++, gop * 25 + 16, 9, false));
  }
  BOOST_REQUIRE_EQUAL(f.index.parts.size(), 9u);
  BOOST_TEST(f.index.parts[0].seq == 40);
  BOOST_TEST(f.index.parts[0].independent);
  BOOST_TEST(!f.index.parts[1].independent);
  BOOST_TEST(f.index.parts[2].index == 2);
  BOOST_TEST(f.index.parts[3].seq == 41);  // the next segment's first part
  BOOST_TEST(f.index.parts[3].index == 0);
  for (const auto& p : f.index.parts) BOOST_TEST(f.exists(p.file), p.file);
  // A segment closes at the first keyframe part past the target: two listed so far.
  BOOST_TEST(f.index.segments.size() == 2u);
}

BOOST_AUTO_TEST_CASE(unreadable_output_fails_once_with_the_reason) {
  Fixture f;
  f.writer->take(0, init_segment(320));
  f.writer->take(0, fmp4::SplitError{"box too large"});
  f.writer->take(0, fragment(1, 0, 25, true));
  f.writer->take(0, fmp4::SplitError{"again"});
  BOOST_REQUIRE_EQUAL(f.failures.size(), 1u);
  BOOST_TEST(f.failures[0] == "packager output unreadable: box too large");
  BOOST_TEST(f.writer->failed());
  f.writer->finish();
  BOOST_TEST(f.index.segments.empty());
}

BOOST_AUTO_TEST_CASE(a_segment_that_cannot_be_written_fails_the_session) {
  Fixture f;
  f.writer->take(0, init_segment(320));
  std::filesystem::remove_all(f.dir.path() + "/li_test/se_test");  // the folder is gone
  f.writer->take(0, fragment(1, 0, 25, true));
  f.writer->take(0, fragment(2, 25, 25, true));
  f.writer->take(0, fragment(3, 50, 25, true));
  BOOST_REQUIRE_EQUAL(f.failures.size(), 1u);
  BOOST_TEST(f.failures[0].find("cannot write a segment") == 0, f.failures[0]);
  BOOST_TEST(f.index.segments.empty());
  BOOST_TEST(f.first_segments == 0);
}

BOOST_AUTO_TEST_CASE(renditions_share_seqs_and_times) {
  Fixture f(false, {"720p", "360p"});
  f.writer->take(0, init_segment(1280));
  f.writer->take(1, init_segment(640));
  for (std::uint32_t i = 0; i < 4; ++i) {
    f.writer->take(0, fragment(i + 1, i * 25, 25, true));
    f.writer->take(1, fragment(i + 1, i * 25, 25, true));
  }
  f.writer->finish();
  std::vector<SegmentRecord> top, low;
  for (const auto& s : f.index.segments) (s.rendition == "720p" ? top : low).push_back(s);
  BOOST_REQUIRE_EQUAL(top.size(), 2u);
  BOOST_REQUIRE_EQUAL(low.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST(top[i].seq == low[i].seq);
    BOOST_TEST(top[i].program_date_time == low[i].program_date_time);
  }
  BOOST_TEST(low[0].file == "se_test/360p/seg_00000000.m4s");
  BOOST_TEST(low[0].init_file == "se_test/360p/init.mp4");
}
