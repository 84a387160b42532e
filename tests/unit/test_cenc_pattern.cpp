// 'cbcs' at the byte level (core/media/cenc): which bytes the 1:9 pattern encrypts and
// which it leaves clear, checked against AES blocks computed here one by one; the
// whole-block mode of audio; the subsample layout of hand-made H.264 and HEVC samples.
#define BOOST_TEST_MODULE cenc_pattern
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <ostream>

#include "core/media/cenc/cbcs_cipher.hpp"
#include "core/media/cenc/sample_encryptor.hpp"
#include "core/media/cenc/subsample_layout.hpp"

using namespace bvlive;
using namespace bvlive::cenc;

namespace bvlive::cenc {
std::ostream& operator<<(std::ostream& out, const Subsample& s) {
  return out << "{" << s.clear << ", " << s.protected_bytes << "}";
}
}  // namespace bvlive::cenc

namespace {

const Block16 kKey{0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
const Block16 kIv{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

// One AES-128 block, ECB: the reference the chains below are built from by hand.
Block16 aes(const Block16& in) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  BOOST_REQUIRE(EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, kKey.data(), nullptr) == 1);
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  Block16 out{};
  int n = 0;
  BOOST_REQUIRE(EVP_EncryptUpdate(ctx.get(), out.data(), &n, in.data(), 16) == 1);
  return out;
}

// CBC step: E(plain XOR previous).
Block16 cbc_block(const Bytes& data, std::size_t at, const Block16& previous) {
  Block16 x{};
  for (std::size_t i = 0; i < 16; ++i) x[i] = data[at + i] ^ previous[i];
  return aes(x);
}

Bytes counting(std::size_t n, std::uint8_t start = 0) {
  Bytes b(n);
  std::iota(b.begin(), b.end(), start);
  return b;
}

bool same(const Bytes& a, const Bytes& b, std::size_t from, std::size_t to) {
  return std::equal(a.begin() + from, a.begin() + to, b.begin() + from);
}

bool block_is(const Bytes& data, std::size_t at, const Block16& block) {
  return std::equal(block.begin(), block.end(), data.begin() + at);
}

// A length-prefixed NAL unit: `length_size`-byte length, header bytes, then filler.
void nal(Bytes& out, int length_size, std::initializer_list<std::uint8_t> header, std::size_t size) {
  for (int i = length_size - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
  Bytes unit(header);
  while (unit.size() < size) unit.push_back(static_cast<std::uint8_t>(0x80 + unit.size() % 100));
  out.insert(out.end(), unit.begin(), unit.end());
}

}  // namespace

BOOST_AUTO_TEST_CASE(pattern_1_9_encrypts_one_block_in_ten_and_chains_them) {
  const Bytes clear = counting(200);
  Bytes data = clear;
  cbcs_encrypt(data, kKey, kIv, kVideoPattern);
  // Block 0 is the first of the chain, from the IV; blocks 1-9 skipped; block 10 chains
  // from block 0's cipher text (skipped blocks are not part of the chain); block 11
  // (176-191) skipped, and 192-199 is a partial block: clear.
  const Block16 c0 = cbc_block(clear, 0, kIv);
  BOOST_TEST(block_is(data, 0, c0));
  BOOST_TEST(same(data, clear, 16, 160));
  BOOST_TEST(block_is(data, 160, cbc_block(clear, 160, c0)));
  BOOST_TEST(same(data, clear, 176, 200));
  cbcs_decrypt(data, kKey, kIv, kVideoPattern);
  BOOST_TEST(data == clear);
}

BOOST_AUTO_TEST_CASE(an_incomplete_crypt_block_at_the_end_stays_clear) {
  const Bytes clear = counting(170);  // the second cycle starts at 160 with 10 bytes
  Bytes data = clear;
  cbcs_encrypt(data, kKey, kIv, kVideoPattern);
  BOOST_TEST(block_is(data, 0, cbc_block(clear, 0, kIv)));
  BOOST_TEST(same(data, clear, 16, 170));
  // Shorter than a block: nothing at all.
  Bytes tiny = counting(15);
  cbcs_encrypt(tiny, kKey, kIv, kVideoPattern);
  BOOST_TEST(tiny == counting(15));
}

BOOST_AUTO_TEST_CASE(no_pattern_is_cbc_over_whole_blocks_with_the_tail_clear) {
  const Bytes clear = counting(40, 7);
  Bytes data = clear;
  cbcs_encrypt(data, kKey, kIv, kNoPattern);
  const Block16 c0 = cbc_block(clear, 0, kIv);
  BOOST_TEST(block_is(data, 0, c0));
  BOOST_TEST(block_is(data, 16, cbc_block(clear, 16, c0)));
  BOOST_TEST(same(data, clear, 32, 40));
  cbcs_decrypt(data, kKey, kIv, kNoPattern);
  BOOST_TEST(data == clear);
}

BOOST_AUTO_TEST_CASE(h264_layout_keeps_non_vcl_units_and_slice_leads_clear) {
  Bytes sample;
  nal(sample, 4, {0x09, 0xF0}, 2);     // AUD
  nal(sample, 4, {0x67, 0x64}, 10);    // SPS
  nal(sample, 4, {0x06, 0x05}, 20);    // SEI
  nal(sample, 4, {0x65, 0x88}, 100);   // IDR slice: 32 clear, 68 protected
  nal(sample, 4, {0x41, 0x9a}, 47);    // slice with less than a block past the lead: clear
  nal(sample, 4, {0x41, 0x9b}, 48);    // exactly one block past the lead
  const auto layout = video_subsamples(sample, 4, VideoCodec::avc);
  BOOST_REQUIRE(layout);
  // AUD 6 + SPS 14 + SEI 24 + length 4 + lead 32 = 80; the short slice (51) joins the next
  // clear run: 51 + 4 + 32 = 87.
  const std::vector<Subsample> expected{{80, 68}, {87, 16}};
  BOOST_TEST(*layout == expected, boost::test_tools::per_element());
  std::size_t total = 0;
  for (const auto& s : *layout) total += s.clear + s.protected_bytes;
  BOOST_TEST(total == sample.size());

  // encrypt_sample: clear runs untouched, each protected run is its own chain from the IV.
  TrackEncryption track;
  track.video = VideoCodec::avc;
  track.pattern = kVideoPattern;
  track.key.key = kKey;
  track.key.iv = kIv;
  Bytes data = sample;
  const auto result = encrypt_sample(data, track);
  BOOST_REQUIRE(std::holds_alternative<std::vector<Subsample>>(result));
  BOOST_TEST(std::get<std::vector<Subsample>>(result) == expected, boost::test_tools::per_element());
  BOOST_TEST(same(data, sample, 0, 80));
  BOOST_TEST(block_is(data, 80, cbc_block(sample, 80, kIv)));
  BOOST_TEST(same(data, sample, 96, 148 + 87));  // rest of the IDR (52 bytes, skip blocks and tail), next clear run
  BOOST_TEST(block_is(data, 148 + 87, cbc_block(sample, 148 + 87, kIv)));
  BOOST_TEST(data.size() == 148u + 87u + 16u);
}

BOOST_AUTO_TEST_CASE(hevc_layout_reads_the_two_byte_header_type) {
  Bytes sample;
  nal(sample, 2, {0x40, 0x01}, 24);    // VPS (32)
  nal(sample, 2, {0x4E, 0x01}, 30);    // prefix SEI (39)
  nal(sample, 2, {0x26, 0x01}, 300);   // IDR_W_RADL (19)
  nal(sample, 2, {0x02, 0x01}, 64);    // TRAIL_R (1)
  nal(sample, 2, {0x50, 0x01}, 5);     // suffix SEI (40): trailing clear entry
  const auto layout = video_subsamples(sample, 2, VideoCodec::hevc);
  BOOST_REQUIRE(layout);
  const std::vector<Subsample> expected{{26 + 32 + 2 + 32, 268}, {2 + 32, 32}, {7, 0}};
  BOOST_TEST(*layout == expected, boost::test_tools::per_element());
  BOOST_TEST(is_vcl_nal(VideoCodec::hevc, 0x26));
  BOOST_TEST(!is_vcl_nal(VideoCodec::hevc, 0x40));
  BOOST_TEST(!is_vcl_nal(VideoCodec::avc, 0x67));
  BOOST_TEST(is_vcl_nal(VideoCodec::avc, 0x65));
}

BOOST_AUTO_TEST_CASE(clear_runs_longer_than_16_bits_are_split) {
  Bytes sample;
  nal(sample, 4, {0x06, 0x05}, 70'000);  // a huge SEI
  nal(sample, 4, {0x65, 0x88}, 100);
  const auto layout = video_subsamples(sample, 4, VideoCodec::avc);
  BOOST_REQUIRE(layout);
  const std::vector<Subsample> expected{{65535, 0}, {70'004 + 4 + 32 - 65535, 68}};
  BOOST_TEST(*layout == expected, boost::test_tools::per_element());
  // A sample of clear units only is one clear entry.
  Bytes params;
  nal(params, 1, {0x68, 0xce}, 4);
  const auto clear_only = video_subsamples(params, 1, VideoCodec::avc);
  BOOST_REQUIRE(clear_only);
  BOOST_TEST(clear_only->size() == 1u);
  BOOST_TEST((clear_only->front() == Subsample{5, 0}));
}

BOOST_AUTO_TEST_CASE(damaged_samples_are_refused_and_left_alone) {
  Bytes sample;
  nal(sample, 4, {0x65, 0x88}, 100);
  sample.resize(sample.size() - 1);  // the unit runs past the end
  BOOST_TEST(!video_subsamples(sample, 4, VideoCodec::avc));
  BOOST_TEST(!video_subsamples(sample, 3, VideoCodec::avc));
  TrackEncryption track;
  track.video = VideoCodec::avc;
  track.pattern = kVideoPattern;
  Bytes data = sample;
  BOOST_TEST(std::holds_alternative<fmp4::ParseError>(encrypt_sample(data, track)));
  BOOST_TEST(data == sample);
}

BOOST_AUTO_TEST_CASE(audio_samples_are_whole_block_encrypted_without_subsamples) {
  TrackEncryption track;  // no video: AAC
  track.pattern = kNoPattern;
  track.key.key = kKey;
  track.key.iv = kIv;
  const Bytes clear = counting(371, 3);
  Bytes data = clear;
  const auto result = encrypt_sample(data, track);
  BOOST_REQUIRE(std::holds_alternative<std::vector<Subsample>>(result));
  BOOST_TEST(std::get<std::vector<Subsample>>(result).empty());
  Block16 previous = kIv;
  for (std::size_t at = 0; at + 16 <= 368; at += 16) {
    const Block16 c = cbc_block(clear, at, previous);
    BOOST_TEST(block_is(data, at, c));
    previous = c;
  }
  BOOST_TEST(same(data, clear, 368, 371));  // 371 = 23 blocks + 3 clear bytes
}
