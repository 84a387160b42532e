#define BOOST_TEST_MODULE rtmp_handshake
#include <boost/test/unit_test.hpp>

#include <array>
#include <numeric>

#include "protocols/rtmp/handshake.hpp"

using namespace bvlive::rtmp;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::array<std::uint8_t, kHandshakeRandomSize> server_random() {
  std::array<std::uint8_t, kHandshakeRandomSize> r{};
  std::iota(r.begin(), r.end(), std::uint8_t{5});
  return r;
}

Bytes client_c0c1() {
  Bytes b{3};
  for (std::size_t i = 0; i < kHandshakeBlockSize; ++i) b.push_back(static_cast<std::uint8_t>(i * 31 + 1));
  return b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(full_handshake_with_leftover) {
  const auto rnd = server_random();
  ServerHandshake hs(rnd, 0x01020304);
  const Bytes c0c1 = client_c0c1();
  auto r = hs.feed(c0c1);
  BOOST_TEST(!r.error);
  BOOST_REQUIRE(r.to_send.size() == 1 + 2 * kHandshakeBlockSize);
  BOOST_TEST(r.to_send[0] == 3);
  BOOST_TEST((Bytes(r.to_send.begin() + 1, r.to_send.begin() + 9) == Bytes{1, 2, 3, 4, 0, 0, 0, 0}));
  BOOST_TEST(std::equal(rnd.begin(), rnd.end(), r.to_send.begin() + 9));
  BOOST_TEST(std::equal(c0c1.begin() + 1, c0c1.end(), r.to_send.begin() + 1 + kHandshakeBlockSize));
  BOOST_TEST((hs.state() == ServerHandshake::State::awaiting_c2));

  // C2 (echo of S1) followed by the first chunk bytes in the same read.
  Bytes c2(r.to_send.begin() + 1, r.to_send.begin() + 1 + kHandshakeBlockSize);
  c2.insert(c2.end(), {0x03, 0xAA, 0xBB});
  r = hs.feed(c2);
  BOOST_TEST(hs.done());
  BOOST_TEST(r.to_send.empty());
  BOOST_TEST((r.leftover == Bytes{0x03, 0xAA, 0xBB}));
}

BOOST_AUTO_TEST_CASE(byte_at_a_time) {
  ServerHandshake hs(server_random());
  Bytes all = client_c0c1();
  all.insert(all.end(), kHandshakeBlockSize, 0x42);  // C2
  all.push_back(0x99);
  Bytes sent, leftover;
  for (auto byte : all) {
    auto r = hs.feed(std::span(&byte, 1));
    BOOST_REQUIRE(!r.error);
    sent.insert(sent.end(), r.to_send.begin(), r.to_send.end());
    leftover.insert(leftover.end(), r.leftover.begin(), r.leftover.end());
  }
  BOOST_TEST(sent.size() == 1 + 2 * kHandshakeBlockSize);
  BOOST_TEST(hs.done());
  BOOST_TEST((leftover == Bytes{0x99}));
}

BOOST_AUTO_TEST_CASE(wrong_version_is_refused_at_once) {
  for (std::uint8_t version : {0, 6, 0x16, 0xFF}) {
    ServerHandshake hs(server_random());
    auto r = hs.feed(Bytes{version});
    BOOST_TEST(r.error.has_value());
    BOOST_TEST(r.to_send.empty());
    BOOST_TEST((hs.state() == ServerHandshake::State::failed));
    BOOST_TEST(hs.feed(client_c0c1()).error.has_value());
  }
}

BOOST_AUTO_TEST_CASE(nothing_sent_before_c1_is_whole) {
  ServerHandshake hs(server_random());
  Bytes partial = client_c0c1();
  partial.pop_back();
  auto r = hs.feed(partial);
  BOOST_TEST(!r.error);
  BOOST_TEST(r.to_send.empty());
  r = hs.feed(Bytes{0});
  BOOST_TEST(r.to_send.size() == 1 + 2 * kHandshakeBlockSize);
}
