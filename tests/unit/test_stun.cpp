#define BOOST_TEST_MODULE stun
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "protocols/stun/binding.hpp"
#include "protocols/stun/crc32.hpp"
#include "protocols/stun/ice_username.hpp"
#include "protocols/stun/integrity.hpp"
#include "protocols/stun/message.hpp"
#include "protocols/stun/message_builder.hpp"
#include "protocols/stun/packet_kind.hpp"

namespace bvlive::stun {
std::ostream& operator<<(std::ostream& os, PacketKind kind) { return os << to_string(kind); }
}  // namespace bvlive::stun

using namespace bvlive::stun;
using Bytes = std::vector<std::uint8_t>;

namespace {

const std::string kPassword = "VOkJxbRl1RmTxUk/WvJxBt";
const std::array<std::uint8_t, 12> kTid = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

// RFC 5769 §2.1: a Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME,
// MESSAGE-INTEGRITY and FINGERPRINT (padding is spaces on purpose).
const Bytes kSampleRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

// RFC 5769 §2.2: success response, XOR-MAPPED-ADDRESS 192.0.2.1:32853.
const Bytes kSampleIpv4Response = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

// RFC 5769 §2.3: success response, XOR-MAPPED-ADDRESS
// [2001:db8:1234:5678:11:2233:4455:6677]:32853.
const Bytes kSampleIpv6Response = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};

Message parse_ok(const Bytes& bytes) {
  auto r = parse(bytes);
  if (auto* e = std::get_if<ParseError>(&r)) BOOST_FAIL("unexpected parse error: " << e->message);
  return std::get<Message>(r);
}

std::string parse_error(const Bytes& bytes) {
  auto r = parse(bytes);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<ParseError>(r), "expected a parse error");
  return std::get<ParseError>(r).message;
}

Bytes header(std::uint16_t type, std::uint16_t length) {
  Bytes b = {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(length >> 8),
             static_cast<std::uint8_t>(length), 0x21, 0x12, 0xa4, 0x42};
  b.insert(b.end(), kTid.begin(), kTid.end());
  return b;
}

Message sample_request() { return parse_ok(kSampleRequest); }

}  // namespace

BOOST_AUTO_TEST_CASE(crc32_check_value) {
  const std::string s = "123456789";
  BOOST_TEST(crc32({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}) == 0xCBF43926u);
}

BOOST_AUTO_TEST_CASE(rfc5769_sample_request) {
  const Message m = sample_request();
  BOOST_TEST(m.is_binding_request());
  BOOST_TEST(m.method() == kMethodBinding);
  BOOST_TEST((m.message_class() == MessageClass::Request));
  BOOST_TEST((m.transaction_id == kTid));
  BOOST_TEST(m.username().value_or("") == "evtj:h6vY");
  BOOST_TEST(m.priority().value_or(0) == 0x6e0001ffu);
  BOOST_TEST(m.ice_controlled().value_or(0) == 0x932ff9b151263b36ull);
  BOOST_TEST(!m.ice_controlling().has_value());
  BOOST_TEST(!m.use_candidate());
  const Attribute* software = m.find(attr::kSoftware);
  BOOST_REQUIRE(software);
  BOOST_TEST(std::string(software->value.begin(), software->value.end()) == "STUN test client");
  BOOST_TEST(m.integrity_offset.value_or(0) == 20u + 0x58 - 24 - 8);
  BOOST_TEST(m.fingerprint_offset.value_or(0) == kSampleRequest.size() - 8);
  BOOST_TEST(m.unknown_comprehension_required().empty());

  BOOST_TEST(verify_integrity(kSampleRequest, kPassword));
  BOOST_TEST(!verify_integrity(kSampleRequest, "VOkJxbRl1RmTxUk/WvJxBu"));
  BOOST_TEST(!verify_integrity(kSampleRequest, ""));
  BOOST_TEST(verify_fingerprint(kSampleRequest));
  BOOST_TEST(verify_integrity(kSampleRequest, m, kPassword));
  BOOST_TEST(verify_fingerprint(kSampleRequest, m));
}

BOOST_AUTO_TEST_CASE(rfc5769_sample_ipv4_response) {
  const Message m = parse_ok(kSampleIpv4Response);
  BOOST_TEST((m.message_class() == MessageClass::SuccessResponse));
  BOOST_TEST(m.method() == kMethodBinding);
  const auto a = m.xor_mapped_address();
  BOOST_REQUIRE(a.has_value());
  BOOST_TEST((*a == Address::ipv4({192, 0, 2, 1}, 32853)));
  BOOST_TEST(to_string(*a) == "192.0.2.1:32853");
  BOOST_TEST(verify_integrity(kSampleIpv4Response, kPassword));
  BOOST_TEST(verify_fingerprint(kSampleIpv4Response));
}

BOOST_AUTO_TEST_CASE(rfc5769_sample_ipv6_response) {
  const Message m = parse_ok(kSampleIpv6Response);
  const auto a = m.xor_mapped_address();
  BOOST_REQUIRE(a.has_value());
  BOOST_TEST(a->v6);
  BOOST_TEST(a->port == 32853);
  BOOST_TEST(to_string(*a) == "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
  BOOST_TEST(verify_integrity(kSampleIpv6Response, kPassword));
  BOOST_TEST(verify_fingerprint(kSampleIpv6Response));
}

BOOST_AUTO_TEST_CASE(message_type_bits) {
  BOOST_TEST(message_type(kMethodBinding, MessageClass::Request) == 0x0001);
  BOOST_TEST(message_type(kMethodBinding, MessageClass::Indication) == 0x0011);
  BOOST_TEST(message_type(kMethodBinding, MessageClass::SuccessResponse) == 0x0101);
  BOOST_TEST(message_type(kMethodBinding, MessageClass::ErrorResponse) == 0x0111);
  for (std::uint16_t method : {0x001, 0x003, 0x07F, 0xFFF})
    for (int c = 0; c < 4; ++c) {
      const auto t = message_type(method, static_cast<MessageClass>(c));
      BOOST_TEST(message_method(t) == method);
      BOOST_TEST(static_cast<int>(message_class(t)) == c);
    }
}

BOOST_AUTO_TEST_CASE(binding_success_round_trips_ipv4_and_ipv6) {
  const Message request = sample_request();
  const Address v4 = Address::ipv4({203, 0, 113, 7}, 50000);
  const Address v6 = Address::ipv6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xef}, 9);
  for (const Address& mapped : {v4, v6}) {
    const Bytes out = binding_success(request, mapped, "localpassword123456789");
    BOOST_TEST(classify(out) == PacketKind::Stun);
    const Message m = parse_ok(out);
    BOOST_TEST(m.type == 0x0101);
    BOOST_TEST((m.transaction_id == request.transaction_id));
    BOOST_TEST((m.xor_mapped_address() == mapped));
    BOOST_TEST(m.integrity_offset.has_value());
    BOOST_TEST(m.fingerprint_offset.value_or(0) == out.size() - 8);
    BOOST_TEST(verify_integrity(out, "localpassword123456789"));
    BOOST_TEST(!verify_integrity(out, kPassword));
    BOOST_TEST(verify_fingerprint(out));
  }
}

BOOST_AUTO_TEST_CASE(binding_request_builder_round_trips) {
  BindingRequest req;
  req.transaction_id = kTid;
  req.username = "serverufrag:browserufrag";
  req.priority = 1845501695;
  req.ice_controlling = 0x0123456789abcdefull;
  req.use_candidate = true;
  const Bytes out = build_binding_request(req, "pw");
  const Message m = parse_ok(out);
  BOOST_TEST(m.is_binding_request());
  BOOST_TEST(m.username().value_or("") == req.username);
  BOOST_TEST(m.priority().value_or(0) == req.priority);
  BOOST_TEST(m.ice_controlling().value_or(0) == *req.ice_controlling);
  BOOST_TEST(m.use_candidate());
  BOOST_TEST(verify_integrity(out, "pw"));
  BOOST_TEST(verify_fingerprint(out));
}

BOOST_AUTO_TEST_CASE(binding_errors) {
  const Message request = sample_request();
  {
    const Bytes out = binding_error(request, 487, "", "pw");
    const Message m = parse_ok(out);
    BOOST_TEST(m.type == 0x0111);
    BOOST_TEST((m.transaction_id == request.transaction_id));
    const auto e = m.error_code();
    BOOST_REQUIRE(e.has_value());
    BOOST_TEST(e->code == 487);
    BOOST_TEST(e->reason == "Role Conflict");
    BOOST_TEST(verify_integrity(out, "pw"));
    BOOST_TEST(verify_fingerprint(out));
  }
  {
    // 401: the request could not be authenticated, so neither can the answer.
    const Bytes out = binding_error(request, 401, "Unauthorized", "");
    const Message m = parse_ok(out);
    BOOST_TEST(m.error_code()->code == 401);
    BOOST_TEST(!m.integrity_offset.has_value());
    BOOST_TEST(!verify_integrity(out, ""));
    BOOST_TEST(verify_fingerprint(out));
  }
  {
    const std::uint16_t unknown[] = {0x0042, 0x7001};
    const Bytes out = binding_error(request, 420, "", "pw", unknown);
    const Message m = parse_ok(out);
    BOOST_TEST(m.error_code()->code == 420);
    const Attribute* ua = m.find(attr::kUnknownAttributes);
    BOOST_REQUIRE(ua);
    BOOST_TEST((ua->value == Bytes{0x00, 0x42, 0x70, 0x01}));
    BOOST_TEST(verify_integrity(out, "pw"));
  }
  BOOST_TEST(binding_error(request, 400, "Bad Request", "").size() % 4 == 0u);
  BOOST_CHECK_THROW(binding_error(request, 200, "no", ""), std::invalid_argument);
  BOOST_CHECK_THROW(binding_error(request, 700, "no", ""), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(tampered_bytes_fail_verification) {
  const Bytes good = binding_success(sample_request(), Address::ipv4({10, 0, 0, 1}, 1234), "pw");
  const std::size_t fingerprint_at = good.size() - 8;
  for (std::size_t i = 0; i < fingerprint_at; ++i) {
    Bytes bad = good;
    bad[i] ^= 0x01;
    BOOST_TEST_CONTEXT("byte " << i) {
      BOOST_TEST(!verify_integrity(bad, "pw"));
      BOOST_TEST(!verify_fingerprint(bad));
    }
  }
  for (std::size_t i = fingerprint_at + 4; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x80;
    BOOST_TEST(verify_integrity(bad, "pw"));  // FINGERPRINT is outside the HMAC
    BOOST_TEST(!verify_fingerprint(bad));
  }
  // Tampering with the RFC request's PRIORITY value too.
  Bytes bad = kSampleRequest;
  bad[47] ^= 0x10;
  BOOST_TEST(!verify_integrity(bad, kPassword));
}

BOOST_AUTO_TEST_CASE(attributes_after_integrity_are_ignored) {
  MessageBuilder b(message_type(kMethodBinding, MessageClass::Request), kTid);
  b.add_string(attr::kUsername, "a:b");
  const Bytes sealed = b.finish("pw", false);
  // Append an attribute after MESSAGE-INTEGRITY and fix the length: the HMAC still holds
  // (it covers only what precedes it) and the attribute is not reported.
  Bytes extra = sealed;
  for (std::uint8_t v : {0x00, 0x24, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04}) extra.push_back(v);
  extra[3] = static_cast<std::uint8_t>(extra.size() - kHeaderSize);
  const Message m = parse_ok(extra);
  BOOST_TEST(!m.priority().has_value());
  BOOST_TEST(m.username().value_or("") == "a:b");
  BOOST_TEST(verify_integrity(extra, "pw"));
  BOOST_TEST(!verify_fingerprint(extra));
}

BOOST_AUTO_TEST_CASE(unknown_comprehension_required_attributes) {
  MessageBuilder b(message_type(kMethodBinding, MessageClass::Request), kTid);
  b.add_string(attr::kUsername, "a:b").add_u32(0x0042, 1).add_u32(0x8042, 2).add_u32(0x0042, 3);
  const Message m = parse_ok(b.finish("pw"));
  BOOST_TEST((m.unknown_comprehension_required() == std::vector<std::uint16_t>{0x0042}));
}

BOOST_AUTO_TEST_CASE(malformed_headers_are_errors) {
  BOOST_TEST(parse_error({}).find("shorter than a header") != std::string::npos);
  BOOST_TEST(!parse_error(Bytes(19, 0)).empty());
  Bytes b = header(0x0001, 0);
  parse_ok(b);
  b[4] = 0x22;
  BOOST_TEST(parse_error(b).find("magic cookie") != std::string::npos);
  b = header(0x4001, 0);
  BOOST_TEST(parse_error(b).find("first two bits") != std::string::npos);
  b = header(0x0001, 2);
  b.insert(b.end(), {0, 0});
  BOOST_TEST(parse_error(b).find("multiple of 4") != std::string::npos);
  b = header(0x0001, 8);
  b.insert(b.end(), {0x80, 0x22, 0, 0});
  BOOST_TEST(parse_error(b).find("does not match") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_attributes_are_errors) {
  Bytes b = header(0x0001, 8);
  b.insert(b.end(), {0x80, 0x22, 0x00, 0x05, 'a', 'b', 'c', 'd'});  // 5 bytes + padding need 8
  BOOST_TEST(parse_error(b).find("runs past the end") != std::string::npos);
  b = header(0x0001, 4);
  b.insert(b.end(), {0x80, 0x22, 0xff, 0xff});
  BOOST_TEST(parse_error(b).find("runs past the end") != std::string::npos);
  b = header(0x0001, 16);
  b.insert(b.end(), {0x80, 0x28, 0x00, 0x04, 1, 2, 3, 4, 0x80, 0x22, 0x00, 0x04, 'a', 'b', 'c', 'd'});
  BOOST_TEST(parse_error(b).find("after FINGERPRINT") != std::string::npos);
  b = header(0x0001, 8);
  b.insert(b.end(), {0x00, 0x08, 0x00, 0x04, 1, 2, 3, 4});
  BOOST_TEST(parse_error(b).find("MESSAGE-INTEGRITY must be 20 bytes") != std::string::npos);
  b = header(0x0001, 8);
  b.insert(b.end(), {0x00, 0x24, 0x00, 0x02, 1, 2, 0, 0});
  BOOST_TEST(parse_error(b).find("PRIORITY") != std::string::npos);
  b = header(0x0101, 12);
  b.insert(b.end(), {0x00, 0x20, 0x00, 0x08, 0x00, 0x03, 0, 0, 0, 0, 0, 0});
  BOOST_TEST(parse_error(b).find("bad family") != std::string::npos);
  b = header(0x0111, 8);
  b.insert(b.end(), {0x00, 0x09, 0x00, 0x04, 0, 0, 2, 0});
  BOOST_TEST(parse_error(b).find("ERROR-CODE") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(truncations_and_garbage_never_crash) {
  for (const Bytes* sample : {&kSampleRequest, &kSampleIpv4Response, &kSampleIpv6Response}) {
    for (std::size_t n = 0; n < sample->size(); ++n) {
      const Bytes cut(sample->begin(), sample->begin() + static_cast<std::ptrdiff_t>(n));
      BOOST_TEST(std::holds_alternative<ParseError>(parse(cut)));
      BOOST_TEST(!verify_integrity(cut, kPassword));
      BOOST_TEST(!verify_fingerprint(cut));
    }
  }
  // Deterministic garbage, some of it with a valid header in front.
  std::uint32_t state = 12345;
  auto next = [&] { return static_cast<std::uint8_t>((state = state * 1103515245u + 12345u) >> 16); };
  int parsed = 0;
  for (int round = 0; round < 2000; ++round) {
    const std::size_t size = next() % 96;
    Bytes g(size);
    for (auto& v : g) v = next();
    if (round % 2 && size >= 20) {
      const Bytes h = header(0x0001, static_cast<std::uint16_t>((size - 20) & ~std::size_t{3}));
      std::copy(h.begin(), h.end(), g.begin());
      g.resize(20 + ((size - 20) & ~std::size_t{3}));
    }
    if (std::holds_alternative<Message>(parse(g))) ++parsed;
    BOOST_TEST(!verify_integrity(g, kPassword));
  }
  BOOST_TEST_MESSAGE("garbage inputs that parsed: " << parsed);
}

BOOST_AUTO_TEST_CASE(classify_by_first_byte) {
  BOOST_TEST(classify(kSampleRequest) == PacketKind::Stun);
  BOOST_TEST(classify(Bytes{0x03}) == PacketKind::Stun);
  BOOST_TEST(classify(Bytes{22, 0xfe, 0xfd}) == PacketKind::Dtls);  // handshake record
  BOOST_TEST(classify(Bytes{20}) == PacketKind::Dtls);
  BOOST_TEST(classify(Bytes{63}) == PacketKind::Dtls);
  BOOST_TEST(classify(Bytes{0x80, 96, 0, 1}) == PacketKind::Rtp);         // PT 96
  BOOST_TEST(classify(Bytes{0x80, 0x80 | 111, 0, 1}) == PacketKind::Rtp);  // marker + PT 111
  BOOST_TEST(classify(Bytes{0x80, 200, 0, 6}) == PacketKind::Rtcp);       // SR
  BOOST_TEST(classify(Bytes{0x81, 201, 0, 7}) == PacketKind::Rtcp);       // RR
  BOOST_TEST(classify(Bytes{0x8f, 206, 0, 2}) == PacketKind::Rtcp);       // PSFB (PLI)
  BOOST_TEST(classify(Bytes{0x80}) == PacketKind::Unknown);
  BOOST_TEST(classify(Bytes{}) == PacketKind::Unknown);
  BOOST_TEST(classify(Bytes{16}) == PacketKind::Unknown);   // ZRTP
  BOOST_TEST(classify(Bytes{64}) == PacketKind::Unknown);   // TURN channel
  BOOST_TEST(classify(Bytes{192}) == PacketKind::Unknown);
  BOOST_TEST(classify(Bytes{255}) == PacketKind::Unknown);
}

BOOST_AUTO_TEST_CASE(split_ice_username) {
  const auto p = split_username("evtj:h6vY");
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(p->first == "evtj");
  BOOST_TEST(p->second == "h6vY");
  BOOST_TEST(!split_username("nocolon").has_value());
  BOOST_TEST(!split_username(":theirs").has_value());
  BOOST_TEST(!split_username("ours:").has_value());
  BOOST_TEST(!split_username("a:b:c").has_value());
  BOOST_TEST(!split_username("").has_value());
}
