// FlvResume (daemon/sessions/flv_resume.hpp): what a restarted packager reads of an RTMP
// push. Built from FLV bytes made by core's writer, fed in pieces as the connection does.
#define BOOST_TEST_MODULE flv_resume
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <vector>

#include "core/media/flv/flv_writer.hpp"
#include "sessions/flv_resume.hpp"

using namespace bvlive;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes tag(std::uint8_t type, std::uint32_t ts, Bytes body) {
  Bytes out;
  flv::append_tag(out, type, ts, body);
  return out;
}
// Legacy AVC: frame type (1 key, 2 inter) << 4 | 7; AVCPacketType 0 = sequence header, 1 = NALUs.
Bytes avc_config() { return tag(flv::kTagVideo, 0, {0x17, 0x00, 0, 0, 0, 0x01, 0x64}); }
Bytes avc_key(std::uint32_t ts) { return tag(flv::kTagVideo, ts, {0x17, 0x01, 0, 0, 0, 0xaa}); }
Bytes avc_inter(std::uint32_t ts) { return tag(flv::kTagVideo, ts, {0x27, 0x01, 0, 0, 0, 0xbb}); }
// AAC: sound format 10 << 4 | rate/size/channels; AACPacketType 0 = AudioSpecificConfig.
Bytes aac_config() { return tag(flv::kTagAudio, 0, {0xaf, 0x00, 0x11, 0x90}); }
Bytes aac_frame(std::uint32_t ts) { return tag(flv::kTagAudio, ts, {0xaf, 0x01, 0x21}); }
Bytes metadata() { return tag(flv::kTagScript, 0, {0x02, 0x00, 0x0a, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'}); }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Feeds `bytes` in pieces of `piece` bytes; returns everything passed on.
Bytes feed(FlvResume& r, const Bytes& bytes, std::size_t piece) {
  Bytes out;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    const auto n = std::min(piece, bytes.size() - at);
    const auto got = r.feed(std::span<const std::uint8_t>(bytes.data() + at, n));
    out.insert(out.end(), got.begin(), got.end());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(passes_everything_through_until_a_restart) {
  const Bytes stream = cat({flv::file_header(true, true), metadata(), avc_config(), aac_config(), avc_key(0),
                            aac_frame(10), avc_inter(40)});
  for (std::size_t piece : {1u, 7u, 1000u}) {
    FlvResume r;
    BOOST_TEST(feed(r, stream, piece) == stream, "piece " << piece);
    BOOST_TEST(!r.waiting_for_keyframe());
  }
}

BOOST_AUTO_TEST_CASE(a_restart_gets_the_header_and_configs_then_the_next_keyframe_on) {
  FlvResume r;
  const Bytes header = flv::file_header(true, true);
  feed(r, cat({header, metadata(), avc_config(), aac_config(), avc_key(0), aac_frame(10), avc_inter(40)}), 5);
  BOOST_TEST(r.restart() == cat({header, metadata(), avc_config(), aac_config()}));
  BOOST_TEST(r.waiting_for_keyframe());
  // Inter frames and audio before the keyframe are held back; from the keyframe on, all.
  BOOST_TEST(feed(r, cat({avc_inter(80), aac_frame(90)}), 3).empty());
  BOOST_TEST(r.waiting_for_keyframe());
  const Bytes after = cat({avc_key(1000), aac_frame(1010), avc_inter(1040)});
  BOOST_TEST(feed(r, after, 4) == after);
  BOOST_TEST(!r.waiting_for_keyframe());
}

BOOST_AUTO_TEST_CASE(a_new_configuration_replaces_the_kept_one_and_is_not_a_keyframe) {
  FlvResume r;
  const Bytes header = flv::file_header(true, true);
  const Bytes config2 = tag(flv::kTagVideo, 500, {0x17, 0x00, 0, 0, 0, 0x01, 0x4d});
  feed(r, cat({header, avc_config(), avc_key(0), config2, avc_key(500)}), 64);
  BOOST_TEST(r.restart() == cat({header, config2}));
  BOOST_TEST(feed(r, config2, 64).empty());  // a sequence header is not where a decoder can start
  BOOST_TEST(r.waiting_for_keyframe());
}

BOOST_AUTO_TEST_CASE(an_audio_only_push_resumes_at_once) {
  FlvResume r;
  const Bytes header = flv::file_header(true, false);
  feed(r, cat({header, aac_config(), aac_frame(0)}), 64);
  BOOST_TEST(r.restart() == cat({header, aac_config()}));
  BOOST_TEST(feed(r, aac_frame(20), 64) == aac_frame(20));
}

BOOST_AUTO_TEST_CASE(enhanced_rtmp_sequence_start_and_keyframes) {
  FlvResume r;
  const Bytes header = flv::file_header(false, true);
  // IsExHeader | frame type << 4 | packet type (0 SequenceStart, 1 CodedFrames), FourCC hvc1.
  const Bytes start = tag(flv::kTagVideo, 0, {0x90, 'h', 'v', 'c', '1', 0x01});
  const Bytes key = tag(flv::kTagVideo, 1000, {0x91, 'h', 'v', 'c', '1', 0, 0, 0, 0xaa});
  const Bytes inter = tag(flv::kTagVideo, 1040, {0xa1, 'h', 'v', 'c', '1', 0, 0, 0, 0xbb});
  feed(r, cat({header, start, key}), 64);
  BOOST_TEST(r.restart() == cat({header, start}));
  BOOST_TEST(feed(r, inter, 64).empty());
  BOOST_TEST(feed(r, key, 64) == key);
}

BOOST_AUTO_TEST_CASE(nothing_seen_yet_means_nothing_to_restart_with) {
  FlvResume r;
  BOOST_TEST(r.restart().empty());
  BOOST_TEST(!r.waiting_for_keyframe());
}
