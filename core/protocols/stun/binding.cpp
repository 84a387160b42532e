#include "protocols/stun/binding.hpp"

#include "protocols/stun/message_builder.hpp"

namespace bvlive::stun {

std::vector<std::uint8_t> binding_success(const Message& request, const Address& mapped, std::string_view password) {
  MessageBuilder b(message_type(kMethodBinding, MessageClass::SuccessResponse), request.transaction_id);
  b.add_xor_mapped_address(mapped);
  return b.finish(password);
}

std::vector<std::uint8_t> binding_error(const Message& request, int code, std::string_view reason,
                                        std::string_view password_or_empty,
                                        std::span<const std::uint16_t> unknown_attributes) {
  MessageBuilder b(message_type(kMethodBinding, MessageClass::ErrorResponse), request.transaction_id);
  b.add_error_code(code, reason.empty() ? reason_phrase(code) : reason);
  if (!unknown_attributes.empty()) b.add_unknown_attributes(unknown_attributes);
  return b.finish(password_or_empty);
}

std::string_view reason_phrase(int code) {
  switch (code) {
    case 300: return "Try Alternate";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 420: return "Unknown Attribute";
    case 438: return "Stale Nonce";
    case 487: return "Role Conflict";
    case 500: return "Server Error";
    default: return "";
  }
}

std::vector<std::uint8_t> build_binding_request(const BindingRequest& request, std::string_view password) {
  MessageBuilder b(message_type(kMethodBinding, MessageClass::Request), request.transaction_id);
  b.add_string(attr::kUsername, request.username);
  b.add_u32(attr::kPriority, request.priority);
  if (request.ice_controlling) b.add_u64(attr::kIceControlling, *request.ice_controlling);
  if (request.ice_controlled) b.add_u64(attr::kIceControlled, *request.ice_controlled);
  if (request.use_candidate) b.add_flag(attr::kUseCandidate);
  return b.finish(password);
}

}  // namespace bvlive::stun
