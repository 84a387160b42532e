#define BOOST_TEST_MODULE rtmp_amf0
#include <boost/test/unit_test.hpp>

#include <initializer_list>
#include <string>
#include <variant>

#include "protocols/rtmp/amf0.hpp"

using namespace bvlive::rtmp;

namespace {

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Amf0Value str(std::string s) { return Amf0Value::make_string(std::move(s)); }
Amf0Value num(double d) { return Amf0Value::make_number(d); }

std::vector<Amf0Value> decode_all_ok(const Bytes& bytes) {
  auto r = amf0_decode_all(bytes);
  if (auto* e = std::get_if<Amf0Error>(&r)) BOOST_FAIL("decode failed: " << e->message);
  return std::get<std::vector<Amf0Value>>(r);
}

std::vector<Amf0Value> sample_values() {
  return {
      num(0), num(-1.5), num(1e300), Amf0Value::make_boolean(true), Amf0Value::make_boolean(false),
      str(""), str("hello"), Amf0Value::make_string(std::string(70000, 'x')),
      Amf0Value::make_null(), Amf0Value::make_undefined(), Amf0Value::make_date(1.7e12, -60),
      Amf0Value::make_object({{"a", num(1)}, {"nested", Amf0Value::make_object({{"b", str("c")}})}}),
      Amf0Value::make_object({}),
      Amf0Value::make_ecma_array({{"duration", num(0)}, {"width", num(1920)}}),
      Amf0Value::make_strict_array({num(1), str("two"), Amf0Value::make_null()}),
      Amf0Value::make_strict_array({}),
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_every_type) {
  const auto values = sample_values();
  const auto bytes = amf0_encode_all(values);
  BOOST_TEST((decode_all_ok(bytes) == values));
  BOOST_TEST((values[7].type == Amf0Type::long_string));
}

BOOST_AUTO_TEST_CASE(connect_command_exact_bytes) {
  const std::vector<Amf0Value> connect{
      str("connect"), num(1),
      Amf0Value::make_object({{"app", str("live")}, {"tcUrl", str("rtmp://h/live")}})};
  const Bytes expected = cat({
      {0x02, 0x00, 0x07}, text("connect"),
      {0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0},
      {0x03},
      {0x00, 0x03}, text("app"), {0x02, 0x00, 0x04}, text("live"),
      {0x00, 0x05}, text("tcUrl"), {0x02, 0x00, 0x0D}, text("rtmp://h/live"),
      {0x00, 0x00, 0x09},
  });
  BOOST_TEST((amf0_encode_all(connect) == expected));
  const auto decoded = decode_all_ok(expected);
  BOOST_TEST((decoded == connect));
  BOOST_REQUIRE(decoded[2].find("app"));
  BOOST_TEST(decoded[2].find("app")->string == "live");
  BOOST_TEST(decoded[2].find("missing") == nullptr);
}

BOOST_AUTO_TEST_CASE(result_reply_exact_bytes) {
  const std::vector<Amf0Value> reply{
      str("_result"), num(1),
      Amf0Value::make_object({{"capabilities", num(31)}}),
      Amf0Value::make_object({{"level", str("status")}})};
  const Bytes expected = cat({
      {0x02, 0x00, 0x07}, text("_result"),
      {0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0},
      {0x03, 0x00, 0x0C}, text("capabilities"), {0x00, 0x40, 0x3F, 0, 0, 0, 0, 0, 0},
      {0x00, 0x00, 0x09},
      {0x03, 0x00, 0x05}, text("level"), {0x02, 0x00, 0x06}, text("status"),
      {0x00, 0x00, 0x09},
  });
  BOOST_TEST((amf0_encode_all(reply) == expected));
  BOOST_TEST((decode_all_ok(expected) == reply));
}

BOOST_AUTO_TEST_CASE(every_truncation_is_an_error) {
  for (const auto& v : sample_values()) {
    Bytes bytes;
    amf0_encode(v, bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      // The 70 kB long string: its header and tail are what matter, not every middle length.
      if (n > 64 && n + 64 < bytes.size()) continue;
      const Bytes cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      // A copy of exactly n bytes, so ASan catches any read past the end.
      auto r = amf0_decode_one(cut);
      BOOST_TEST(std::holds_alternative<Amf0Error>(r), "length " << n << " of " << bytes.size());
    }
    auto whole = amf0_decode_one(bytes);
    BOOST_REQUIRE(std::holds_alternative<Amf0Decoded>(whole));
    BOOST_TEST(std::get<Amf0Decoded>(whole).consumed == bytes.size());
  }
}

BOOST_AUTO_TEST_CASE(garbage_is_an_error) {
  BOOST_TEST(std::holds_alternative<Amf0Error>(amf0_decode_one(Bytes{0x09})));
  BOOST_TEST(std::holds_alternative<Amf0Error>(amf0_decode_one(Bytes{0x11})));
  // Empty key not followed by object end.
  BOOST_TEST(std::holds_alternative<Amf0Error>(amf0_decode_one(Bytes{0x03, 0x00, 0x00, 0x05})));
  // Strict array claiming four billion elements.
  BOOST_TEST(std::holds_alternative<Amf0Error>(amf0_decode_one(Bytes{0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x05})));
  // Decode-all rejects a trailing partial value.
  BOOST_TEST(std::holds_alternative<Amf0Error>(amf0_decode_all(Bytes{0x05, 0x02, 0x00})));
  // Every one-byte and two-byte input terminates without crashing.
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b) (void)amf0_decode_all(Bytes{std::uint8_t(a), std::uint8_t(b)});
}

BOOST_AUTO_TEST_CASE(nesting_is_bounded) {
  Bytes deep;
  for (int i = 0; i < 10000; ++i) deep.insert(deep.end(), {0x0A, 0x00, 0x00, 0x00, 0x01});
  deep.push_back(0x05);
  auto r = amf0_decode_one(deep);
  BOOST_REQUIRE(std::holds_alternative<Amf0Error>(r));
  BOOST_TEST(std::get<Amf0Error>(r).message.find("nesting") != std::string::npos);

  Bytes ok;
  for (int i = 0; i < 10; ++i) ok.insert(ok.end(), {0x03, 0x00, 0x01, 'k'});
  ok.push_back(0x05);
  for (int i = 0; i < 10; ++i) ok.insert(ok.end(), {0x00, 0x00, 0x09});
  BOOST_TEST(std::holds_alternative<Amf0Decoded>(amf0_decode_one(ok)));
}
