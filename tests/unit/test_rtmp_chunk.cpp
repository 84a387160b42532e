#define BOOST_TEST_MODULE rtmp_chunk
#include <boost/test/unit_test.hpp>

#include <random>

#include "protocols/rtmp/chunk_reader.hpp"
#include "protocols/rtmp/chunk_writer.hpp"

using namespace bvlive::rtmp;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes payload_of(std::size_t n, std::uint8_t seed) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 7);
  return out;
}

Message set_chunk_size_message(std::uint32_t size) {
  return Message{2, message_type::set_chunk_size, 0, 0,
                 {std::uint8_t(size >> 24), std::uint8_t(size >> 16), std::uint8_t(size >> 8), std::uint8_t(size)}};
}

// Feeds `bytes` in pieces of the given sizes (cycled) and collects every message.
std::vector<Message> read_in_pieces(const Bytes& bytes, const std::vector<std::size_t>& sizes) {
  ChunkReader reader;
  std::vector<Message> all;
  std::size_t at = 0, i = 0;
  while (at < bytes.size()) {
    const std::size_t n = std::min(sizes[i++ % sizes.size()], bytes.size() - at);
    auto r = reader.feed(std::span(bytes).subspan(at, n));
    BOOST_REQUIRE_MESSAGE(!r.error, *r.error);
    all.insert(all.end(), r.messages.begin(), r.messages.end());
    at += n;
  }
  return all;
}

void put3(Bytes& b, std::uint32_t v) {
  b.push_back(std::uint8_t(v >> 16));
  b.push_back(std::uint8_t(v >> 8));
  b.push_back(std::uint8_t(v));
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_message_over_three_chunks) {
  const Message m{3, message_type::command_amf0, 0, 0, payload_of(300, 1)};
  const Bytes bytes = write_chunks(m, 128);
  // 12-byte header + 128 + (1 + 128) + (1 + 44)
  BOOST_TEST(bytes.size() == 12u + 300u + 2u);
  BOOST_TEST(bytes[0] == 0x03);
  BOOST_TEST(bytes[12 + 128] == 0xC3);
  const auto got = read_in_pieces(bytes, {bytes.size()});
  BOOST_REQUIRE(got.size() == 1u);
  BOOST_TEST((got[0] == m));
}

// The spec's audio example (§5.3.2.1): fmt 0, then fmt 2 with a delta, then bare fmt 3.
BOOST_AUTO_TEST_CASE(header_compression_timestamps) {
  Bytes b;
  b.push_back(0x03);  // fmt 0, csid 3
  put3(b, 1000);
  put3(b, 4);
  b.push_back(message_type::audio);
  b.insert(b.end(), {0x39, 0x30, 0, 0});  // stream id 12345, little-endian
  b.insert(b.end(), {1, 2, 3, 4});
  b.push_back(0x83);  // fmt 2
  put3(b, 20);
  b.insert(b.end(), {5, 6, 7, 8});
  b.push_back(0xC3);  // fmt 3: new message, same delta
  b.insert(b.end(), {9, 9, 9, 9});
  b.push_back(0x43);  // fmt 1: new length and type
  put3(b, 5);
  put3(b, 2);
  b.push_back(message_type::video);
  b.insert(b.end(), {7, 7});
  b.push_back(0xC3);
  b.insert(b.end(), {8, 8});

  const auto got = read_in_pieces(b, {1});
  BOOST_REQUIRE(got.size() == 5u);
  const std::uint32_t want_ts[] = {1000, 1020, 1040, 1045, 1050};
  for (std::size_t i = 0; i < 5; ++i) {
    BOOST_TEST(got[i].timestamp == want_ts[i]);
    BOOST_TEST(got[i].stream_id == 12345u);
  }
  BOOST_TEST(got[3].type_id == message_type::video);
  BOOST_TEST((got[4].payload == Bytes{8, 8}));
}

BOOST_AUTO_TEST_CASE(basic_header_sizes_and_extended_timestamps) {
  for (std::uint32_t csid : {2u, 63u, 64u, 319u, 320u, 1000u, 65599u}) {
    for (std::uint32_t ts : {0u, 0xFFFFFEu, 0xFFFFFFu, 0x12345678u, 0xFFFFFFFFu}) {
      const Message m{csid, message_type::video, 1, ts, payload_of(1000, std::uint8_t(csid))};
      const Bytes bytes = write_chunks(m, 128);
      const auto got = read_in_pieces(bytes, {1, 3, 7});
      BOOST_REQUIRE(got.size() == 1u);
      BOOST_TEST((got[0] == m), "csid " << csid << " ts " << ts);
    }
  }
}

BOOST_AUTO_TEST_CASE(fmt3_new_message_after_extended_delta) {
  Bytes b;
  b.push_back(0x04);  // fmt 0, csid 4, ts 0
  put3(b, 0);
  put3(b, 1);
  b.push_back(message_type::audio);
  b.insert(b.end(), {1, 0, 0, 0});
  b.push_back(0xAA);
  b.push_back(0x84);  // fmt 2 with an extended delta of 0x01000000
  put3(b, 0xFFFFFF);
  b.insert(b.end(), {0x01, 0x00, 0x00, 0x00});
  b.push_back(0xBB);
  b.push_back(0xC4);  // fmt 3 new message: repeats the extended field, applies the delta
  b.insert(b.end(), {0x01, 0x00, 0x00, 0x00});
  b.push_back(0xCC);
  const auto got = read_in_pieces(b, {2});
  BOOST_REQUIRE(got.size() == 3u);
  BOOST_TEST(got[1].timestamp == 0x01000000u);
  BOOST_TEST(got[2].timestamp == 0x02000000u);
  BOOST_TEST(got[2].payload[0] == 0xCC);
}

BOOST_AUTO_TEST_CASE(interleaved_chunk_streams) {
  const Message a{4, message_type::audio, 1, 10, payload_of(300, 1)};
  const Message v{6, message_type::video, 1, 20, payload_of(200, 2)};
  const Bytes ca = write_chunks(a, 128), cv = write_chunks(v, 128);
  // Chunk boundaries: a = [12+128][1+128][1+44], v = [12+128][1+72].
  Bytes b;
  b.insert(b.end(), ca.begin(), ca.begin() + 140);
  b.insert(b.end(), cv.begin(), cv.begin() + 140);
  b.insert(b.end(), ca.begin() + 140, ca.begin() + 269);
  b.insert(b.end(), cv.begin() + 140, cv.end());
  b.insert(b.end(), ca.begin() + 269, ca.end());
  const auto got = read_in_pieces(b, {5});
  BOOST_REQUIRE(got.size() == 2u);
  BOOST_TEST((got[0] == v));
  BOOST_TEST((got[1] == a));
}

BOOST_AUTO_TEST_CASE(writer_to_reader_many_chunk_sizes_and_splits) {
  std::mt19937 rng(42);
  for (std::uint32_t chunk_size : {1u, 2u, 127u, 128u, 129u, 1000u, 4096u, 65536u}) {
    std::vector<Message> messages{set_chunk_size_message(chunk_size)};
    Bytes stream = write_chunks(messages[0], kDefaultChunkSize);
    for (int i = 0; i < 12; ++i) {
      const std::uint32_t ts = i == 5 ? 0xFFFFFFu + std::uint32_t(i) : std::uint32_t(i * 33);
      const std::size_t n = i == 3 ? 0 : rng() % 3000;
      Message m{std::uint32_t(3 + i % 4), std::uint8_t(i % 2 ? message_type::video : message_type::audio),
                1, ts, payload_of(n, std::uint8_t(i))};
      write_chunks(m, chunk_size, stream);
      messages.push_back(std::move(m));
    }
    for (std::vector<std::size_t> split : {std::vector<std::size_t>{1}, {2, 5, 11}, {stream.size()},
                                           {std::size_t(rng() % 500 + 1), std::size_t(rng() % 50 + 1)}}) {
      const auto got = read_in_pieces(stream, split);
      BOOST_TEST((got == messages), "chunk size " << chunk_size);
    }
  }
}

BOOST_AUTO_TEST_CASE(set_chunk_size_applies_to_later_chunks) {
  ChunkReader reader;
  auto r = reader.feed(write_chunks(set_chunk_size_message(4096), 128));
  BOOST_TEST(!r.error);
  BOOST_TEST(reader.chunk_size() == 4096u);
  const Message m{3, message_type::video, 1, 0, payload_of(3000, 3)};
  r = reader.feed(write_chunks(m, 4096));
  BOOST_REQUIRE(r.messages.size() == 1u);
  BOOST_TEST((r.messages[0] == m));
  // Zero and oversize chunk sizes are refused.
  ChunkReader bad;
  BOOST_TEST(bad.feed(write_chunks(set_chunk_size_message(0), 128)).error.has_value());
  BOOST_TEST(bad.failed());
}

BOOST_AUTO_TEST_CASE(abort_drops_partial_message) {
  const Message big{5, message_type::video, 1, 0, payload_of(300, 9)};
  const Bytes chunks = write_chunks(big, 128);
  Bytes b(chunks.begin(), chunks.begin() + 140);  // first chunk only
  write_chunks(Message{2, message_type::abort, 0, 0, {0, 0, 0, 5}}, 128, b);
  const Message small{5, message_type::video, 1, 7, payload_of(10, 1)};
  write_chunks(small, 128, b);
  const auto got = read_in_pieces(b, {3});
  BOOST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[0].type_id == message_type::abort);
  BOOST_TEST((got[1] == small));
}

BOOST_AUTO_TEST_CASE(errors_are_values) {
  {
    ChunkReader reader(1000);
    auto r = reader.feed(write_chunks(Message{3, 9, 1, 0, payload_of(2000, 0)}, 128));
    BOOST_REQUIRE(r.error.has_value());
    BOOST_TEST(r.error->find("exceeds") != std::string::npos);
    BOOST_TEST(reader.feed(Bytes{0x03}).error.has_value());
  }
  {
    ChunkReader reader;
    BOOST_TEST(reader.feed(Bytes{0x43, 0, 0, 0, 0, 0, 1, 8}).error.has_value());  // fmt 1, unknown csid
  }
  {
    // A message completed before the bad chunk is still returned.
    ChunkReader reader;
    Bytes b = write_chunks(Message{3, 8, 1, 0, {1}}, 128);
    b.push_back(0xC9);  // fmt 3 on unknown csid 9
    auto r = reader.feed(b);
    BOOST_TEST(r.messages.size() == 1u);
    BOOST_TEST(r.error.has_value());
  }
}

BOOST_AUTO_TEST_CASE(random_garbage_never_crashes) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    ChunkReader reader(64 * 1024);
    Bytes junk(rng() % 400);
    for (auto& byte : junk) byte = static_cast<std::uint8_t>(rng());
    std::size_t at = 0;
    while (at < junk.size()) {
      const std::size_t n = std::min<std::size_t>(rng() % 40 + 1, junk.size() - at);
      (void)reader.feed(std::span(junk).subspan(at, n));
      at += n;
    }
  }
}

BOOST_AUTO_TEST_CASE(writer_exact_bytes_three_byte_csid_extended) {
  const Message m{320, message_type::video, 1, 0x01000000, {0xA, 0xB, 0xC}};
  const Bytes want{0x01, 0x00, 0x01,              // fmt 0, 3-byte basic header, csid 320
                   0xFF, 0xFF, 0xFF, 0, 0, 3, 9,  // timestamp marker, length, type
                   1, 0, 0, 0,                    // stream id, little-endian
                   0x01, 0, 0, 0,                 // extended timestamp
                   0xA, 0xB,
                   0xC1, 0x00, 0x01,              // fmt 3, csid 320
                   0x01, 0, 0, 0,                 // extended timestamp repeated
                   0xC};
  BOOST_TEST((write_chunks(m, 2) == want));
  BOOST_TEST((write_chunks(Message{64, 8, 0, 5, {}}, 128) == Bytes{0x00, 0x00, 0, 0, 5, 0, 0, 0, 8, 0, 0, 0, 0}));
}

BOOST_AUTO_TEST_CASE(full_header_mid_message_drops_partial) {
  const Bytes big = write_chunks(Message{6, message_type::video, 1, 0, payload_of(300, 4)}, 128);
  Bytes b(big.begin(), big.begin() + 140);
  const Message next{6, message_type::audio, 1, 99, payload_of(20, 5)};
  write_chunks(next, 128, b);
  const auto got = read_in_pieces(b, {4});
  BOOST_REQUIRE(got.size() == 1u);
  BOOST_TEST((got[0] == next));
}
