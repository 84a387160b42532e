#include "core/drm/clear_key.hpp"

#include <nlohmann/json.hpp>

#include "core/security/segment_cipher.hpp"
#include "util/base64.hpp"

namespace bvlive::drm {

cenc::CencKey derive_content_key(std::span<const std::uint8_t> secret, std::string_view live_id) {
  const std::string id(live_id);
  cenc::CencKey k;
  k.kid = security::derive_key16(secret, "bvlive-cenc-kid|" + id);
  k.key = security::derive_key16(secret, "bvlive-cenc-key|" + id);
  k.iv = security::derive_key16(secret, "bvlive-cenc-iv|" + id);
  return k;
}

ContentKeys clear_key_content(std::span<const std::uint8_t> secret, std::string_view live_id) {
  ContentKeys c;
  c.key = derive_content_key(secret, live_id);
  c.systems.push_back(SystemSignalling{DrmSystem::ClearKey, {}, {}, {}});
  return c;
}

std::variant<std::vector<cenc::Block16>, std::string> parse_licence_request(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return std::string("the licence request is not a JSON object (EME ClearKey: {\"kids\":[...],\"type\":\"temporary\"})");
  const auto kids = j.find("kids");
  if (kids == j.end() || !kids->is_array() || kids->empty())
    return std::string("the licence request has no \"kids\" array of base64url key ids");
  if (kids->size() > 64) return std::string("the licence request names more than 64 key ids");
  std::vector<cenc::Block16> out;
  for (const auto& k : *kids) {
    const auto bytes = k.is_string() ? base64_decode(k.get<std::string>(), Base64::Url) : std::nullopt;
    if (!bytes || bytes->size() != 16)
      return "the licence request's key id " + k.dump() + " is not 16 bytes of base64url";
    cenc::Block16 kid{};
    std::copy(bytes->begin(), bytes->end(), kid.begin());
    out.push_back(kid);
  }
  return out;
}

std::string licence_response(std::span<const cenc::CencKey> keys) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& k : keys)
    list.push_back({{"kty", "oct"}, {"kid", base64_encode(k.kid, Base64::Url)}, {"k", base64_encode(k.key, Base64::Url)}});
  return nlohmann::json{{"keys", list}, {"type", "temporary"}}.dump();
}

}  // namespace bvlive::drm
