// The STUN parser and checks on arbitrary datagrams, as the ICE-lite UDP port receives
// them: parse and verify never crash; a parsed message rebuilt from its attributes
// parses back the same and verifies; and any parsed Binding request gets success and
// error responses that always parse back and verify with the password used.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "protocols/stun/binding.hpp"
#include "protocols/stun/ice_username.hpp"
#include "protocols/stun/integrity.hpp"
#include "protocols/stun/message.hpp"
#include "protocols/stun/message_builder.hpp"
#include "protocols/stun/packet_kind.hpp"

using namespace bvlive::stun;
using Bytes = std::vector<std::uint8_t>;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

Message parse_back(const Bytes& bytes) {
  auto r = parse(bytes);
  check(std::holds_alternative<Message>(r));
  return std::get<Message>(std::move(r));
}

// Everything before MESSAGE-INTEGRITY and FINGERPRINT, which the builder writes itself.
std::vector<Attribute> body_of(const Message& m) {
  std::vector<Attribute> out;
  for (const auto& a : m.attributes) {
    if (a.type == attr::kMessageIntegrity || a.type == attr::kFingerprint) break;
    out.push_back(a);
  }
  return out;
}

bool same(const std::vector<Attribute>& a, const std::vector<Attribute>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].type != b[i].type || a[i].value != b[i].value) return false;
  return true;
}

void exercise_accessors(const Message& m) {
  if (auto u = m.username()) {
    if (auto halves = split_username(*u)) check(!halves->first.empty() && !halves->second.empty());
  }
  (void)m.priority();
  (void)m.use_candidate();
  (void)m.ice_controlling();
  (void)m.ice_controlled();
  if (auto a = m.xor_mapped_address()) (void)to_string(*a);
  if (auto e = m.error_code()) check(e->code >= 300 && e->code <= 699);
  (void)m.unknown_comprehension_required();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> datagram(data, size);
  (void)to_string(classify(datagram));
  const std::string password = "fuzzpassword0123456789";
  const bool integrity_ok = verify_integrity(datagram, password);
  const bool fingerprint_ok = verify_fingerprint(datagram);

  auto parsed = parse(datagram);
  const Message* m = std::get_if<Message>(&parsed);
  if (!m) {
    check(!integrity_ok && !fingerprint_ok);
    return 0;
  }
  // Methods above 0x0FF (first byte 4..63) are valid STUN but never reach the parser on a
  // port demultiplexed by classify(); parse() itself only requires the two zero bits.
  check((data[0] & 0xC0) == 0);
  check(classify(datagram) == PacketKind::Stun || data[0] > 3);
  check(integrity_ok == verify_integrity(datagram, *m, password));
  check(fingerprint_ok == verify_fingerprint(datagram, *m));
  check(!m->fingerprint_offset || *m->fingerprint_offset + 8 == size);
  exercise_accessors(*m);

  // Rebuilt from its attributes, the message reads back the same and verifies.
  try {
    MessageBuilder b(m->type, m->transaction_id);
    const auto body = body_of(*m);
    for (const auto& a : body) b.add(a.type, a.value);
    const Bytes rebuilt = b.finish(password);
    const Message back = parse_back(rebuilt);
    check(back.type == m->type && back.transaction_id == m->transaction_id);
    check(same(body_of(back), body));
    check(verify_integrity(rebuilt, password) && verify_fingerprint(rebuilt));
    check(!verify_integrity(rebuilt, password + "x"));
  } catch (const std::length_error&) {
    check(size > 0xFFFC - 32);  // only when no room is left for the two trailers
  }

  if (!m->is_binding_request()) return 0;
  // The mapped address comes from the input too (its last bytes), either family.
  Address mapped;
  mapped.v6 = size % 2 == 1;
  for (std::size_t i = 0; i < (mapped.v6 ? 16u : 4u) && i < size; ++i) mapped.ip[i] = data[size - 1 - i];
  mapped.port = static_cast<std::uint16_t>(size > 1 ? data[0] << 8 | data[1] : 0);

  const Bytes success = binding_success(*m, mapped, password);
  const Message s = parse_back(success);
  check(s.type == 0x0101 && s.transaction_id == m->transaction_id);
  check(s.xor_mapped_address() == mapped);
  check(verify_integrity(success, password) && verify_fingerprint(success));

  const auto unknown = m->unknown_comprehension_required();
  const int code = unknown.empty() ? 487 : 420;
  const Bytes failure = binding_error(*m, code, "", password, unknown);
  const Message f = parse_back(failure);
  check(f.type == 0x0111 && f.transaction_id == m->transaction_id);
  check(f.error_code().has_value() && f.error_code()->code == code);
  check(verify_integrity(failure, password) && verify_fingerprint(failure));

  const Bytes unauthenticated = binding_error(*m, 401, "", "");
  check(!parse_back(unauthenticated).integrity_offset.has_value());
  check(verify_fingerprint(unauthenticated));
  return 0;
}
