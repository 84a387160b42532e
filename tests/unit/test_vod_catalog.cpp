// Live-to-VOD assets over a real SQLite store: each ENCODING attempt is persisted before
// the job starts, READY/FAILED results survive a restart, live_vod.playback.id resolves
// only to a READY asset; and what a finished VOD lists (duration, segments,
// discontinuities, bytes) and its master playlist variant, with codecs and picture size
// read from an init segment that the real ffmpeg wrote.
#define BOOST_TEST_MODULE vod_catalog
#include <boost/test/unit_test.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/media/fmp4/stream_splitter.hpp"
#include "rpc/error.hpp"
#include "store/store.hpp"
#include "support/boost_json.hpp"
#include "support/rpc_errors.hpp"
#include "support/process.hpp"
#include "support/segments.hpp"
#include "core/vod/vod_catalog.hpp"
#include "core/vod/vod_summary.hpp"

using namespace bvlive;
using bvtest::contains;
using bvtest::error_of;
using bvtest::starts_with;
using nlohmann::json;

namespace {

using Lives = std::map<std::string, LiveRecord, std::less<>>;

const json kWindow = {{"started_at", "2030-01-01T00:00:00Z"}, {"ended_at", "2030-01-02T00:00:00Z"}};

json vod_body(const std::string& name, json live_vod) {
  live_vod.update(kWindow);
  return {{"name", name}, {"live_vod", live_vod}};
}

LiveRecord live_of(const std::string& id, json body, LiveState state = LiveState::Encoding) {
  LiveRecord l;
  l.id = id;
  l.spec = live_spec_from_json(body);
  l.state = state;
  l.stream_key = "key_" + id;
  l.preview_token = "tok_" + id;
  l.created_at = l.updated_at = l.state_changed_at = 1000;
  return l;
}

struct Fixture {
  bvtest::TempDir dir{"bvlive-vodcat"};
  std::unique_ptr<Store> store;
  std::unique_ptr<VodCatalog> vods;
  Lives lives;

  Fixture() { reopen(); }
  void reopen() {
    vods.reset();
    store.reset();
    store = std::make_unique<Store>(dir / "bvlive.db", true);
    vods = std::make_unique<VodCatalog>(*store);
  }
  // The live's row must exist: vod_assets.live_id references lives(id).
  const LiveRecord& add_live(const std::string& id, json body) {
    LiveRecord l = live_of(id, std::move(body));
    store->insert_live(l);
    return lives[id] = l;
  }
};


// The init segment (ftyp + moov) of a fragmented MP4 that ffmpeg wrote: 320x240 H.264
// (High profile) with AAC-LC audio.
fmp4::Bytes real_init_segment(const bvtest::TempDir& dir) {
  const std::string out = dir / "frag.mp4";
  const auto r = bvtest::run({"ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                              "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
                              "-t", "1", "-c:v", "libx264", "-profile:v", "high", "-pix_fmt",
                              "yuv420p", "-c:a", "aac", "-movflags", "+frag_keyframe+empty_moov+default_base_moof",
                              "-f", "mp4", out},
                             bvtest::with_timeout(std::chrono::seconds(60)));
  BOOST_TEST_REQUIRE(r.code == 0, r.describe());
  const std::string bytes = bvtest::read_file(out);
  fmp4::StreamSplitter splitter;
  for (auto& ev : splitter.feed(fmp4::ByteSpan(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()))) {
    if (auto* init = std::get_if<fmp4::InitSegment>(&ev)) return init->bytes;
    if (auto* err = std::get_if<fmp4::SplitError>(&ev)) BOOST_FAIL("splitter: " + err->message);
  }
  BOOST_FAIL("no init segment in ffmpeg's fragmented MP4");
  return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(states_and_info_read_back) {
  for (auto s : {VodState::Encoding, VodState::Ready, VodState::Failed})
    BOOST_TEST((parse_vod_state(to_string(s)) == std::optional<VodState>(s)));
  BOOST_TEST(to_string(VodState::Ready) == "READY");
  BOOST_TEST(!parse_vod_state("ready").has_value());
  BOOST_TEST(!parse_vod_state("").has_value());

  const VodInfo info{12.5, 6, 1, 6000, "vod/live_x.mp4", 5000};
  BOOST_TEST((vod_info_from_json(to_json(info)) == info));
  // Tolerant: missing keys keep their defaults; a non-object gives all defaults.
  const VodInfo partial = vod_info_from_json({{"segments", 3}});
  BOOST_TEST(partial.segments == 3);
  BOOST_TEST(partial.duration_seconds == 0);
  BOOST_TEST(partial.mp4_file == "");
  BOOST_TEST((vod_info_from_json(json("garbage")) == VodInfo{}));
  BOOST_TEST(starts_with(new_vod_id(), "vod_"));
  BOOST_TEST(new_vod_id().size() == 16u);
  BOOST_TEST(vod_mp4_file("live_x") == "vod/live_x.mp4");
}

BOOST_FIXTURE_TEST_SUITE(catalog, Fixture)

BOOST_AUTO_TEST_CASE(store_has_the_vod_tables) { BOOST_TEST(store->schema_version() >= 3); }

BOOST_AUTO_TEST_CASE(begin_creates_an_encoding_asset_and_persists_it) {
  const auto& live = add_live("live_a", vod_body("A", {{"source", "catchup"}}));
  BOOST_TEST(vods->of_live("live_a") == nullptr);
  const VodAsset& a = vods->begin(live, 5000);
  BOOST_TEST(starts_with(a.id, "vod_"));
  BOOST_TEST(a.live_id == "live_a");
  BOOST_TEST(long_name(a.source) == "LIVE_VOD_SOURCE_CATCHUP");
  BOOST_TEST(a.source_ref == "");
  BOOST_TEST(to_string(a.state) == "ENCODING");
  BOOST_TEST(a.attempts == 1);
  BOOST_TEST(a.started_at == 5000);
  BOOST_TEST(!a.finished_at.has_value());
  BOOST_TEST(!a.error.has_value());
  const std::string id = a.id;

  reopen();  // persisted before begin() returned
  const VodAsset* back = vods->of_live("live_a");
  BOOST_TEST_REQUIRE(back != nullptr);
  BOOST_TEST(back->id == id);
  BOOST_TEST(to_string(back->state) == "ENCODING");
  BOOST_TEST(back->attempts == 1);
  BOOST_TEST(back->started_at == 5000);
  BOOST_TEST(vods->find(id) == back);
  BOOST_TEST(vods->find("vod_nosuchthing") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_failed_attempt_is_retried_under_the_same_id) {
  const auto& live = add_live("live_a", vod_body("A", {{"source", "catchup"}}));
  VodAsset failed = vods->begin(live, 5000);
  failed.state = VodState::Failed;
  failed.error = "ffmpeg exited 1: moov atom not found";
  failed.info.segments = 2;
  failed.finished_at = 6000;
  vods->save(failed);

  reopen();
  const VodAsset* f = vods->of_live("live_a");
  BOOST_TEST_REQUIRE(f != nullptr);
  BOOST_TEST(to_string(f->state) == "FAILED");
  BOOST_TEST(f->error.value_or("") == "ffmpeg exited 1: moov atom not found");
  BOOST_TEST(f->finished_at.value_or(0) == 6000);

  const VodAsset& retry = vods->begin(live, 7000);
  BOOST_TEST(retry.id == failed.id);
  BOOST_TEST(retry.attempts == 2);
  BOOST_TEST(to_string(retry.state) == "ENCODING");
  BOOST_TEST(!retry.error.has_value());
  BOOST_TEST(!retry.finished_at.has_value());
  BOOST_TEST(retry.started_at == 7000);
  BOOST_TEST((retry.info == VodInfo{}));
  reopen();
  BOOST_TEST(vods->of_live("live_a")->attempts == 2);
  BOOST_TEST(!vods->of_live("live_a")->error.has_value());
  BOOST_TEST(vods->assets().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_ready_asset_keeps_its_info_across_a_restart) {
  const auto& live = add_live("live_a", vod_body("A", {{"source", "catchup"}}));
  VodAsset a = vods->begin(live, 5000);
  a.state = VodState::Ready;
  a.info = VodInfo{12.0, 6, 1, 6000, vod_mp4_file("live_a"), 7777};
  a.finished_at = 9000;
  vods->save(a);
  reopen();
  const VodAsset* back = vods->of_live("live_a");
  BOOST_TEST_REQUIRE(back != nullptr);
  BOOST_TEST(to_string(back->state) == "READY");
  BOOST_TEST((back->info == a.info));
  BOOST_TEST(back->finished_at.value_or(0) == 9000);
}

BOOST_AUTO_TEST_CASE(source_ref_is_the_replacement_or_the_reused_vod) {
  const auto& rep = add_live("live_r", vod_body("R", {{"source", "replace"}, {"replace", {{"id", "lib_edit"}}}}));
  const auto& pb = add_live("live_p", vod_body("P", {{"source", "playback"}, {"playback", {{"id", "vod_old"}}}}));
  BOOST_TEST(vods->begin(rep, 1).source_ref == "lib_edit");
  BOOST_TEST(long_name(vods->of_live("live_r")->source) == "LIVE_VOD_SOURCE_REPLACE");
  BOOST_TEST(vods->begin(pb, 1).source_ref == "vod_old");
  BOOST_TEST(long_name(vods->of_live("live_p")->source) == "LIVE_VOD_SOURCE_PLAYBACK");
  reopen();
  BOOST_TEST(vods->of_live("live_r")->source_ref == "lib_edit");
  BOOST_TEST(vods->of_live("live_p")->source_ref == "vod_old");
}

BOOST_AUTO_TEST_CASE(forget_drops_the_asset_of_a_deleted_live) {
  const auto& live = add_live("live_a", vod_body("A", {{"source", "catchup"}}));
  vods->begin(live, 5000);
  store->delete_live("live_a");  // the row goes with the live
  vods->forget("live_a");
  BOOST_TEST(vods->of_live("live_a") == nullptr);
  BOOST_TEST(vods->assets().empty());
  vods->forget("live_never");  // harmless
  reopen();
  BOOST_TEST(vods->assets().empty());
}

BOOST_AUTO_TEST_CASE(playback_source_resolves_a_ready_vod_by_vod_id_live_id_or_custom_id) {
  json body = vod_body("A", {{"source", "catchup"}});
  body["custom_id"] = "sunday";
  const auto& live = add_live("live_a", body);
  VodAsset a = vods->begin(live, 5000);
  a.state = VodState::Ready;
  vods->save(a);
  const std::string path = "live.live_vod.playback.id";
  BOOST_TEST(vods->playback_source(a.id, lives, path).id == a.id);
  BOOST_TEST(vods->playback_source("live_a", lives, path).id == a.id);
  BOOST_TEST(vods->playback_source("sunday", lives, path).id == a.id);
}

BOOST_AUTO_TEST_CASE(playback_source_refuses_an_unknown_or_unfinished_vod_at_the_path) {
  const auto& enc = add_live("live_e", vod_body("E", {{"source", "catchup"}}));
  add_live("live_n", {{"name", "No VOD"}});  // a live without any asset
  const VodAsset& e = vods->begin(enc, 5000);
  const std::string path = "live.live_vod.playback.id";

  const auto unknown = error_of([&] { vods->playback_source("vod_nothere", lives, path); });
  BOOST_TEST(to_string(unknown.kind()) == to_string(ErrorKind::InvalidParams));
  BOOST_TEST(starts_with(unknown.what(), path + ": no VOD 'vod_nothere'"), unknown.what());
  BOOST_TEST(unknown.data()["path"] == path);

  const auto no_asset = error_of([&] { vods->playback_source("live_n", lives, path); });
  BOOST_TEST(starts_with(no_asset.what(), path + ": no VOD 'live_n'"), no_asset.what());

  for (const std::string& ref : {e.id, std::string("live_e")}) {
    BOOST_TEST_CONTEXT(ref) {
      const auto encoding = error_of([&] { vods->playback_source(ref, lives, path); });
      BOOST_TEST(to_string(encoding.kind()) == to_string(ErrorKind::InvalidParams));
      BOOST_TEST(starts_with(encoding.what(), path + ": "), encoding.what());
      BOOST_TEST(contains(encoding.what(), "is ENCODING; only a READY VOD can be reused"), encoding.what());
    }
  }
  VodAsset failed = *vods->of_live("live_e");
  failed.state = VodState::Failed;
  vods->save(failed);
  const auto f = error_of([&] { vods->playback_source("live_e", lives, "x.y"); });
  BOOST_TEST(starts_with(f.what(), "x.y: "), f.what());
  BOOST_TEST(contains(f.what(), "is FAILED"), f.what());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(summary_counts_duration_segments_discontinuities_and_bytes) {
  std::vector<SegmentRecord> segs;
  bvtest::add_session(segs, "s1", 3, 2.0);
  bvtest::add_session(segs, "s2", 2, 1.5);
  bvtest::add_session(segs, "s3", 1, 4.0);
  segs[1].bytes = 2500;
  const VodInfo info = summarize_vod(segs);
  BOOST_TEST(info.duration_seconds == 13.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(info.segments == 6);
  BOOST_TEST(info.discontinuities == 2);
  BOOST_TEST(info.bytes == 7500);
  BOOST_TEST(info.mp4_file == "");
  BOOST_TEST(info.mp4_bytes == 0);

  const VodInfo none = summarize_vod({});
  BOOST_TEST((none == VodInfo{}));
}

BOOST_AUTO_TEST_CASE(variant_bandwidth_is_the_peak_and_the_average) {
  std::vector<SegmentRecord> segs;
  bvtest::add_session(segs, "s1", 3, 2.0);
  segs[0].bytes = 250000;  // 1 Mbit/s over 2 s
  segs[1].bytes = 500000;  // 2 Mbit/s: the peak
  segs[2].bytes = 250000;
  const hls::Variant v = vod_variant(segs, {}, "media.m3u8");
  BOOST_TEST(v.uri == "media.m3u8");
  BOOST_TEST(v.bandwidth == 2000000);
  BOOST_TEST(v.average_bandwidth.value_or(0) == 1333333);
  // Without an init segment there is nothing to say about codecs or size.
  BOOST_TEST(v.codecs == "");
  BOOST_TEST(v.width == 0);
  BOOST_TEST(v.height == 0);

  // No measurable segment: BANDWIDTH stays a valid positive number, no average.
  const hls::Variant empty = vod_variant({}, {}, "media.m3u8");
  BOOST_TEST(empty.bandwidth == 1);
  BOOST_TEST(!empty.average_bandwidth.has_value());
}

BOOST_AUTO_TEST_CASE(variant_reads_codecs_and_resolution_from_a_real_init_segment) {
  bvtest::TempDir dir("bvlive-vodvar");
  const fmp4::Bytes init = real_init_segment(dir);
  std::vector<SegmentRecord> segs;
  bvtest::add_session(segs, "s1", 2, 2.0);
  const hls::Variant v = vod_variant(segs, init, "media.m3u8");
  BOOST_TEST(v.width == 320);
  BOOST_TEST(v.height == 240);
  BOOST_TEST(starts_with(v.codecs, "avc1.64"), v.codecs);  // High profile
  BOOST_TEST(contains(v.codecs, "mp4a.40.2"), v.codecs);
  BOOST_TEST(v.bandwidth == 4000);  // 1000 bytes per 2 s segment
  const std::vector<hls::Variant> vs = {v};
  const std::string master = hls::master_playlist(vs);
  BOOST_TEST(contains(master, "RESOLUTION=320x240"), master);
  BOOST_TEST(contains(master, "CODECS=\"" + v.codecs + "\""), master);

  // A damaged init segment gives no codecs rather than a wrong answer.
  fmp4::Bytes cut(init.begin(), init.begin() + static_cast<std::ptrdiff_t>(init.size() / 2));
  const hls::Variant d = vod_variant(segs, cut, "media.m3u8");
  BOOST_TEST(d.bandwidth == 4000);
  BOOST_TEST(d.codecs == "");
  BOOST_TEST(d.width == 0);
}
