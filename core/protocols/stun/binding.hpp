// Binding transactions as an ICE-lite agent answers them (RFC 8445 §7.3): success with
// the peer's reflexive address, or an error, both authenticated with the local password.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/stun/address.hpp"
#include "protocols/stun/message.hpp"

namespace bvlive::stun {

// Binding Success Response to `request` (same transaction id) carrying
// XOR-MAPPED-ADDRESS = `mapped` (where the request came from), MESSAGE-INTEGRITY keyed
// with `password` (the local ICE password; omitted if empty) and FINGERPRINT.
std::vector<std::uint8_t> binding_success(const Message& request, const Address& mapped, std::string_view password);

// Binding Error Response with ERROR-CODE `code` (300..699) and `reason` (the standard
// phrase when empty), MESSAGE-INTEGRITY if `password_or_empty` is set (not for 400/401,
// where the request could not be authenticated), UNKNOWN-ATTRIBUTES when given (420),
// and FINGERPRINT.
std::vector<std::uint8_t> binding_error(const Message& request, int code, std::string_view reason,
                                        std::string_view password_or_empty,
                                        std::span<const std::uint16_t> unknown_attributes = {});

// The RFC 8489/8445 reason phrase for the codes an ICE agent sends ("" for others).
std::string_view reason_phrase(int code);

// What a controlling ICE agent (a browser) sends; used by tests, fuzzing and any future
// full-ICE side.
struct BindingRequest {
  std::array<std::uint8_t, 12> transaction_id{};
  std::string username;  // "remote ufrag:local ufrag" from the sender's view
  std::uint32_t priority = 0;
  std::optional<std::uint64_t> ice_controlling;
  std::optional<std::uint64_t> ice_controlled;
  bool use_candidate = false;
};
std::vector<std::uint8_t> build_binding_request(const BindingRequest& request, std::string_view password);

}  // namespace bvlive::stun
